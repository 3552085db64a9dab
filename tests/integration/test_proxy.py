"""The proxy= option: only the operator's proxy carries the portal traffic,
whatever proxy variables the process environment holds."""

import time

import pytest

from conftest import (PAM_AUTHINFO_UNAVAIL, PAM_SERVICE_ERR, PAM_SUCCESS, portal_args)
from sso_fixtures import closed_port, ops_after_listing
from connect_proxy import ConnectProxy


def closed_port_url():
    return f"http://127.0.0.1:{closed_port()}"


def assert_every_connection_tunnelled(proxy, portal):
    """No connection reached the mock except through one of the proxy's
    tunnels.  A tunnel may carry no TLS handshake: the module drops a lane
    whose listing can no longer change its choice, even while the lane is
    still connecting."""
    counts = portal.connection_counts()
    assert counts["tls_handshakes"] <= counts["accepted"]
    assert counts["accepted"] <= len(proxy.targets)
    assert len({r["connection"] for r in portal.requests()}) <= counts["tls_handshakes"]


@pytest.mark.valgrind
def test_login_tunnels_through_configured_proxy(pam, portal):
    dead = closed_port_url()
    with ConnectProxy() as proxy:
        pam.auth_service(*portal_args(portal, "allow=*:ReadOnly", f"proxy={proxy.url}"))

        # A user's variables can neither replace the proxy nor bypass it.
        login = pam.run(env={"https_proxy": dead, "HTTPS_PROXY": dead,
                             "all_proxy": dead, "no_proxy": "*", "NO_PROXY": "*"})

    assert login.step("auth") == PAM_SUCCESS
    port = portal.url.rsplit(":", 1)[1]
    # One tunnel per parallel lane the login used and one for STS, all to
    # the mock, which serves both.
    assert set(proxy.targets) == {f"127.0.0.1:{port}"}
    assert_every_connection_tunnelled(proxy, portal)
    assert ops_after_listing(portal) == ["GetRoleCredentials", "GetCallerIdentity"]


def test_logout_tunnels_through_configured_proxy(pam, portal, tmp_path):
    with ConnectProxy() as proxy:
        pam.auth_service(*portal_args(portal, "allow=*:ReadOnly", f"proxy={proxy.url}",
                                      "logout_on_close", f"state_dir={tmp_path}/state"))

        login = pam.run(steps="forkauth,setcred,open,close")

    assert login.step("close") == PAM_SUCCESS
    # The login's tunnels, and one more for the Logout at close.
    assert_every_connection_tunnelled(proxy, portal)
    assert len(proxy.targets) >= 2
    assert [r["op"] for r in portal.requests()][-1] == "Logout"


def test_unreachable_proxy_fails_fast(pam, portal):
    pam.auth_service(*portal_args(portal, "allow=*:ReadOnly", f"proxy={closed_port_url()}",
                                  "timeout=10"))

    started = time.monotonic()
    login = pam.run(steps="auth")

    assert login.step("auth") == PAM_AUTHINFO_UNAVAIL
    assert time.monotonic() - started < 5
    assert portal.requests() == []


def test_proxy_with_credentials_is_config_error(pam, portal):
    pam.auth_service(*portal_args(portal, "allow=*:ReadOnly",
                                  "proxy=http://user:secret@127.0.0.1:3128"))

    login = pam.run(steps="auth")

    assert login.step("auth") == PAM_SERVICE_ERR
    assert any("option 'proxy'" in line for line in login.logs)
    assert portal.requests() == []
