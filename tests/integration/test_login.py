"""Logins through real Linux-PAM against the mock SSO portal."""

import os
import re
import socket
import stat

import pytest

from conftest import (ACCOUNT_A, ACCOUNT_B, ACCOUNT_C, OTHER_TOKEN, PAM_AUTH_ERR,
                      PAM_AUTHINFO_UNAVAIL, PAM_CONV_ERR, PAM_PERM_DENIED,
                      PAM_SERVICE_ERR, PAM_SUCCESS, TOKEN, account, portal_args,
                      role_credentials, standard_scenario)
from sso_fixtures import assert_exported

CREDENTIAL_NAMES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                    "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION", "AWS_SSO_ACCOUNT_ID",
                    "AWS_SSO_ROLE_NAME")


def assert_nothing_exported(login):
    for name in CREDENTIAL_NAMES:
        assert name not in login.env


def ops(server):
    return [request["op"] for request in server.requests()]


def portal_requests(server):
    """The server's requests to the portal API, without those to STS."""
    return [request for request in server.requests() if request["sts"] is None]


@pytest.mark.valgrind
def test_login_exports_each_variable(pam, portal):
    # aws_region is also the region STS requests are signed for.
    scenario = standard_scenario()
    scenario["sts_region"] = "eu-central-1"
    portal.update_scenario(scenario)
    pam.auth_service(*portal_args(portal, "allow=*:ReadOnly", "aws_region=eu-central-1"))

    login = pam.run()

    assert login.steps == {"auth": PAM_SUCCESS, "setcred": PAM_SUCCESS, "open": PAM_SUCCESS}
    assert login.prompts == ["echo_off AWS SSO access token: "]
    assert_exported(login, standard_scenario(), TOKEN, ACCOUNT_A, "ReadOnly")
    assert login.env["AWS_REGION"] == "eu-central-1"
    assert login.env["AWS_DEFAULT_REGION"] == "eu-central-1"
    assert login.env["AWS_CREDENTIAL_EXPIRATION"].endswith("Z")


def test_login_sends_wire_protocol(pam, portal):
    # Only the last account has the role, so every listing must finish
    # before the choice is certain.
    pam.auth_service(*portal_args(portal, "allow=*:Billing"))

    login = pam.run()

    assert login.step("auth") == PAM_SUCCESS
    requests = portal.requests()
    assert [r["op"] for r in requests] == ["ListAccounts", "ListAccountRoles",
                                           "ListAccountRoles", "ListAccountRoles",
                                           "GetRoleCredentials", "GetCallerIdentity"]
    assert all(r["token"] == TOKEN for r in requests[:5])
    # STS gets no access token, only the role credentials' signature.
    assert requests[5]["token"] is None
    assert requests[5]["sts"]["access_key_id"] == role_credentials(
        standard_scenario(), TOKEN, ACCOUNT_C, "Billing")["accessKeyId"]
    assert "x-amz-sso_bearer_token" in requests[0]["header_names"]
    assert requests[0]["method"] == "GET"
    assert requests[0]["path"] == "/assignment/accounts"
    assert requests[0]["query"] == {"max_result": "100"}
    # The role listings run in parallel, in no set order.
    assert sorted(r["query"]["account_id"] for r in requests[1:4]) == [ACCOUNT_A, ACCOUNT_B,
                                                                       ACCOUNT_C]
    assert requests[1]["path"] == "/assignment/roles"
    assert requests[1]["query"]["max_result"] == "100"
    assert requests[4]["path"] == "/federation/credentials"
    assert requests[4]["query"] == {"account_id": ACCOUNT_C, "role_name": "Billing"}


def test_login_reuses_one_connection(pam, portal):
    pam.auth_service(*portal_args(portal, "allow=*:ReadOnly", "max_parallel=1"))

    login = pam.run()

    assert login.step("auth") == PAM_SUCCESS
    # One connection to the portal, and one of its own to STS.
    assert portal.connection_counts()["tls_handshakes"] == 2
    assert len({r["connection"] for r in portal_requests(portal)}) == 1


def test_parallel_lanes_bound_connections(pam, portal):
    """Three role listings over two lanes: at most two TLS connections to
    the portal, each reused.  Only the last account has Billing, so no
    listing can be dropped.  libcurl's PIPEWAIT may let the second lane
    reuse the first connection once it is free instead of opening its own,
    so one connection is allowed too."""
    pam.auth_service(*portal_args(portal, "allow=*:Billing", "max_parallel=2"))

    login = pam.run()

    assert login.step("auth") == PAM_SUCCESS
    portal_connections = {r["connection"] for r in portal_requests(portal)}
    sts_connections = {r["connection"] for r in portal.requests() if r["sts"] is not None}
    assert 1 <= len(portal_connections) <= 2
    # STS runs on a connection of its own, and each connection has one
    # handshake.
    assert len(sts_connections) == 1
    assert sts_connections.isdisjoint(portal_connections)
    assert portal.connection_counts()["tls_handshakes"] == len(portal_connections) + 1
    assert len(portal_requests(portal)) == 5


def test_login_logs_decision_without_secrets(pam, portal):
    pam.auth_service(*portal_args(portal, "allow=*:ReadOnly", "debug"))

    login = pam.run()

    assert login.step("auth") == PAM_SUCCESS
    decisions = [line for line in login.logs if line.startswith("authentication succeeded")]
    assert decisions == ["authentication succeeded: user=alice rhost=192.0.2.10 tty=ssh "
                         f"account={ACCOUNT_A} role=ReadOnly"]
    secrets = role_credentials(standard_scenario(), TOKEN, ACCOUNT_A, "ReadOnly")
    # pam_wrapper's own trace prints pam_putenv arguments, so only the
    # module's syslog lines and conversation messages are searched.
    everything = "\n".join(login.logs + login.prompts + login.infos + login.errors)
    assert len(login.logs) >= 3
    assert TOKEN not in everything
    assert secrets["secretAccessKey"] not in everything
    assert secrets["sessionToken"] not in everything


@pytest.mark.valgrind
def test_accounts_over_pages_role_on_last(pam, certdir, tmp_path):
    from portal_server import MockPortal

    scenario = standard_scenario()
    filler = [account(f"1000000000{i:02d}", "Other") for i in range(7)]
    scenario["tokens"][TOKEN]["accounts"] = filler + [account("999999999999", "Deploy")]
    scenario["page_size_cap"] = 2
    with MockPortal(scenario, certdir, str(tmp_path / "portal")) as server:
        pam.auth_service(*portal_args(server, "allow=*:Deploy"))

        login = pam.run()

        assert login.step("auth") == PAM_SUCCESS
        assert_exported(login, scenario, TOKEN, "999999999999", "Deploy")
        listings = [r for r in server.requests() if r["op"] == "ListAccounts"]
        assert len(listings) == 4
        assert "next_token" not in listings[0]["query"]
        assert all("next_token" in r["query"] for r in listings[1:])


@pytest.mark.valgrind
def test_roles_over_pages(pam, certdir, tmp_path):
    from portal_server import MockPortal

    scenario = standard_scenario()
    scenario["tokens"][TOKEN]["accounts"] = [account(ACCOUNT_A, "A1", "A2", "A3", "A4",
                                                     "Z9")]
    scenario["page_size_cap"] = 2
    with MockPortal(scenario, certdir, str(tmp_path / "portal")) as server:
        pam.auth_service(*portal_args(server, "allow=*:Z9"))

        login = pam.run()

        assert login.step("auth") == PAM_SUCCESS
        assert login.env["AWS_SSO_ROLE_NAME"] == "Z9"
        assert ops(server).count("ListAccountRoles") == 3


@pytest.mark.valgrind
def test_rejected_token_is_auth_err(pam, portal):
    pam.auth_service(*portal_args(portal, "allow=*:*"))

    login = pam.run(token="aoaUnknownToken123")

    assert login.steps == {"auth": PAM_AUTH_ERR}
    assert_nothing_exported(login)
    assert login.errors == ["The SSO access token was rejected."]
    assert any("reason=role listing failed: ListAccounts: HTTP 401 (UnauthorizedException)"
               in line for line in login.logs)
    assert ops(portal) == ["ListAccounts"]


@pytest.mark.valgrind
def test_no_allowed_role_is_auth_err(pam, portal):
    pam.auth_service(*portal_args(portal, "allow=*:Admin"))

    login = pam.run(token=OTHER_TOKEN)

    assert login.steps == {"auth": PAM_AUTH_ERR}
    assert_nothing_exported(login)
    assert any("no visible role matches the allow rules" in line for line in login.logs)
    assert "GetRoleCredentials" not in ops(portal)


def test_allowed_account_not_listed_skips_roles(pam, portal):
    pam.auth_service(*portal_args(portal, "allow=44444444444*:*"))

    login = pam.run()

    assert login.step("auth") == PAM_AUTH_ERR
    assert ops(portal) == ["ListAccounts"]


def test_exact_account_rule_skips_account_listing(pam, portal):
    """Every rule names one account: ListAccountRoles on it proves the token
    and the role, and a 403 there means no role is visible."""
    pam.auth_service(*portal_args(portal, "allow=444444444444:*"))

    login = pam.run()

    assert login.step("auth") == PAM_AUTH_ERR
    assert ops(portal) == ["ListAccountRoles"]
    assert portal.requests()[0]["query"]["account_id"] == "444444444444"


@pytest.mark.valgrind
def test_role_option_selects_role(pam, portal):
    pam.auth_service(*portal_args(portal, "allow=*:*", f"role={ACCOUNT_B}:Admin"))

    login = pam.run()

    assert login.step("auth") == PAM_SUCCESS
    assert_exported(login, standard_scenario(), TOKEN, ACCOUNT_B, "Admin")
    assert [r["query"].get("account_id") for r in portal.requests()
            if r["op"] == "ListAccountRoles"] == [ACCOUNT_B]


def test_role_option_not_visible_fails(pam, portal):
    pam.auth_service(*portal_args(portal, "allow=*:*", f"role={ACCOUNT_C}:Admin"))

    login = pam.run()

    assert login.step("auth") == PAM_AUTH_ERR
    assert_nothing_exported(login)
    assert "GetRoleCredentials" not in ops(portal)


def test_role_option_outside_allow_is_config_error(pam, portal):
    pam.auth_service(*portal_args(portal, "allow=*:ReadOnly", f"role={ACCOUNT_B}:Admin"))

    login = pam.run()

    assert login.step("auth") == PAM_SERVICE_ERR
    assert ops(portal) == []


@pytest.mark.parametrize("rules, expected", [
    ("allow=*:ReadOnly", (ACCOUNT_A, "ReadOnly")),
    ("allow=*:Pow*", (ACCOUNT_A, "PowerUser")),
    ("allow=2*:*", (ACCOUNT_B, "Admin")),
    ("allow=*:*Only,*:Admin", (ACCOUNT_A, "ReadOnly")),
    ("allow=*:Admin,*:*Only", (ACCOUNT_B, "Admin")),
    ("allow=*:Bill*", (ACCOUNT_C, "Billing")),
    ("allow=*:*", (ACCOUNT_A, "PowerUser")),
])
def test_glob_rules_choose_role(pam, portal, rules, expected):
    pam.auth_service(*portal_args(portal, rules))

    login = pam.run()

    assert login.step("auth") == PAM_SUCCESS
    assert (login.env["AWS_SSO_ACCOUNT_ID"], login.env["AWS_SSO_ROLE_NAME"]) == expected


def test_repeated_allow_arguments_accumulate(pam, portal):
    pam.auth_service(*portal_args(portal, "allow=*:Nothing", "allow=3*:Billing"))

    login = pam.run()

    assert login.step("auth") == PAM_SUCCESS
    assert login.env["AWS_SSO_ROLE_NAME"] == "Billing"


def write_config(path, text, mode=0o644, uid=0):
    path.write_text(text)
    os.chmod(path, mode)
    os.chown(path, uid, 0)
    return path


@pytest.mark.valgrind
def test_config_file_instead_of_arguments(pam, portal, tmp_path):
    scenario = standard_scenario()
    scenario["sts_region"] = "us-west-2"
    portal.update_scenario(scenario)
    config = write_config(tmp_path / "pam_sso.conf",
                          "# bastion settings\n"
                          f"endpoint = {portal.url}\n"
                          f"sts_endpoint = {portal.url}\n"
                          f"ca_file={portal.ca_file}\n"
                          "\n"
                          "allow = *:Admin\n"
                          "aws_region = us-west-2\n")
    pam.auth_service(f"config={config}")

    login = pam.run()

    assert login.step("auth") == PAM_SUCCESS
    assert_exported(login, standard_scenario(), TOKEN, ACCOUNT_B, "Admin")
    assert login.env["AWS_REGION"] == "us-west-2"


def test_argument_allow_replaces_file_allow(pam, portal, tmp_path):
    config = write_config(tmp_path / "pam_sso.conf",
                          f"endpoint = {portal.url}\nca_file = {portal.ca_file}\n"
                          f"sts_endpoint = {portal.url}\nallow = *:Admin\n")
    pam.auth_service("allow=*:Billing", f"config={config}")

    login = pam.run()

    assert login.step("auth") == PAM_SUCCESS
    assert login.env["AWS_SSO_ROLE_NAME"] == "Billing"


@pytest.mark.parametrize("mode, uid, reason", [
    (0o664, 0, "writable by group or others"),
    (0o646, 0, "writable by group or others"),
    (0o644, 65534, "not owned by root"),
])
def test_unsafe_config_file_is_service_err(pam, portal, tmp_path, mode, uid, reason):
    if os.geteuid() != 0:
        pytest.skip("needs root to create a root-owned file")
    config = write_config(tmp_path / "pam_sso.conf",
                          f"endpoint = {portal.url}\nallow = *:*\n", mode=mode, uid=uid)
    pam.auth_service(f"config={config}")

    login = pam.run()

    assert login.step("auth") == PAM_SERVICE_ERR
    assert any(reason in line for line in login.logs)
    assert ops(portal) == []


def test_missing_explicit_config_is_service_err(pam, portal, tmp_path):
    pam.auth_service("allow=*:*", f"endpoint={portal.url}", f"config={tmp_path}/absent.conf")

    login = pam.run()

    assert login.step("auth") == PAM_SERVICE_ERR
    assert any("absent.conf: cannot open" in line for line in login.logs)


def test_missing_allow_is_service_err(pam, portal):
    pam.auth_service(*portal_args(portal))

    login = pam.run()

    assert login.steps == {"auth": PAM_SERVICE_ERR}
    assert any("no allow rule configured" in line for line in login.logs)
    assert login.prompts == []
    assert ops(portal) == []


@pytest.mark.parametrize("argument, logged", [
    ("colour=blue", "unknown option 'colour'"),
    ("timeout=0", "option 'timeout': expected whole seconds from 1 to 60"),
    ("timeout=61", "option 'timeout'"),
    ("allow=abc:Role", "option 'allow': account must be digits and '*'"),
])
@pytest.mark.valgrind
def test_bad_option_is_service_err(pam, portal, argument, logged):
    pam.auth_service(*portal_args(portal, "allow=*:*", argument))

    login = pam.run()

    assert login.step("auth") == PAM_SERVICE_ERR
    assert any(logged in line for line in login.logs)


def test_http_endpoint_is_service_err(pam, portal):
    pam.auth_service("endpoint=http://127.0.0.1:1", "allow=*:*",
                     f"config={portal.certdir}/empty.conf")

    login = pam.run()

    assert login.step("auth") == PAM_SERVICE_ERR
    assert any("must start with https://" in line for line in login.logs)


@pytest.mark.valgrind
def test_use_first_pass_takes_stored_token(pam, portal):
    args = " ".join(portal_args(portal, "allow=*:ReadOnly", "use_first_pass"))
    pam.service(f"auth required {{wrapper}}/pam_set_items.so\n"
                f"auth required {{module}} {args}\n"
                f"session required {{module}} {args}\n")

    login = pam.run(token=None, env={"PAM_AUTHTOK": TOKEN})

    assert login.step("auth") == PAM_SUCCESS
    assert login.prompts == []
    assert_exported(login, standard_scenario(), TOKEN, ACCOUNT_A, "ReadOnly")


def test_use_first_pass_without_token_fails(pam, portal):
    pam.auth_service(*portal_args(portal, "allow=*:*", "use_first_pass"))

    login = pam.run()

    assert login.step("auth") == PAM_AUTH_ERR
    assert login.prompts == []
    assert ops(portal) == []


def test_try_first_pass_prompts_without_stored_token(pam, portal):
    pam.auth_service(*portal_args(portal, "allow=*:ReadOnly", "try_first_pass"))

    login = pam.run()

    assert login.step("auth") == PAM_SUCCESS
    assert len(login.prompts) == 1


def test_stored_password_is_never_sent(pam, portal):
    """After a pam_unix-style module stored PAM_AUTHTOK, pam_sso still prompts."""
    args = " ".join(portal_args(portal, "allow=*:ReadOnly"))
    pam.service(f"auth required {{wrapper}}/pam_set_items.so\n"
                f"auth required {{module}} {args}\n"
                f"session required {{module}} {args}\n")

    login = pam.run(env={"PAM_AUTHTOK": "unix-password-123"})

    assert login.step("auth") == PAM_SUCCESS
    assert login.prompts == ["echo_off AWS SSO access token: "]
    assert {r["token"] for r in portal_requests(portal)} == {TOKEN}


def test_unreachable_portal_fails_fast(pam, certdir):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
    pam.auth_service(f"endpoint=https://127.0.0.1:{port}",
                     f"sts_endpoint=https://127.0.0.1:{port}", "allow=*:*",
                     f"config={certdir}/empty.conf")

    login = pam.run()

    assert login.steps == {"auth": PAM_AUTHINFO_UNAVAIL}
    assert login.seconds < 3
    assert login.errors == ["The SSO portal is unavailable; try again later."]
    assert any("Couldn't connect to server" in line for line in login.logs)


def test_stalled_portal_fails_within_timeout(pam, portal):
    scenario = standard_scenario()
    scenario["faults"] = [{"op": "ListAccounts", "delay": 8}]
    portal.update_scenario(scenario)
    pam.auth_service(*portal_args(portal, "allow=*:*", "timeout=2"))

    login = pam.run()

    assert login.step("auth") == PAM_AUTHINFO_UNAVAIL
    assert 1.5 < login.seconds < 5
    assert any("Timeout was reached" in line for line in login.logs)


@pytest.mark.valgrind
def test_unknown_ca_is_refused(pam, portal, certdir):
    pam.auth_service(f"endpoint={portal.url}", f"sts_endpoint={portal.url}",
                     f"ca_file={certdir}/other-ca.pem", "allow=*:*",
                     f"config={certdir}/empty.conf")

    login = pam.run()

    assert login.step("auth") == PAM_AUTHINFO_UNAVAIL
    assert ops(portal) == []


@pytest.mark.valgrind
def test_server_error_retried_then_succeeds(pam, portal):
    scenario = standard_scenario()
    scenario["faults"] = [{"op": "ListAccounts", "status": 503, "times": 1}]
    portal.update_scenario(scenario)
    pam.auth_service(*portal_args(portal, "allow=*:ReadOnly"))

    login = pam.run()

    assert login.step("auth") == PAM_SUCCESS
    assert ops(portal)[:2] == ["ListAccounts", "ListAccounts"]


def test_persistent_server_error_is_unavailable(pam, portal):
    scenario = standard_scenario()
    scenario["faults"] = [{"op": "GetRoleCredentials", "status": 500}]
    portal.update_scenario(scenario)
    pam.auth_service(*portal_args(portal, "allow=*:ReadOnly", "timeout=3"))

    login = pam.run()

    assert login.step("auth") == PAM_AUTHINFO_UNAVAIL
    assert_nothing_exported(login)
    assert login.seconds < 6
    assert ops(portal).count("GetRoleCredentials") >= 2


@pytest.mark.valgrind
def test_bad_request_is_auth_err_with_type(pam, portal):
    scenario = standard_scenario()
    scenario["faults"] = [{"op": "ListAccounts", "status": 400,
                           "error_type": "InvalidRequestException"}]
    portal.update_scenario(scenario)
    pam.auth_service(*portal_args(portal, "allow=*:*"))

    login = pam.run()

    assert login.step("auth") == PAM_AUTH_ERR
    assert any("HTTP 400 (InvalidRequestException)" in line for line in login.logs)
    assert ops(portal) == ["ListAccounts"]


@pytest.mark.valgrind
def test_forbidden_credentials_is_auth_err(pam, portal):
    scenario = standard_scenario()
    scenario["faults"] = [{"op": "GetRoleCredentials", "status": 403,
                           "error_type": "ForbiddenException"}]
    portal.update_scenario(scenario)
    pam.auth_service(*portal_args(portal, "allow=*:ReadOnly"))

    login = pam.run()

    assert login.step("auth") == PAM_AUTH_ERR
    assert_nothing_exported(login)


def test_forbidden_account_listing_skipped(pam, portal):
    scenario = standard_scenario()
    scenario["faults"] = [{"op": "ListAccountRoles", "account_id": ACCOUNT_A,
                           "status": 403, "error_type": "ForbiddenException"}]
    portal.update_scenario(scenario)
    pam.auth_service(*portal_args(portal, "allow=*:ReadOnly"))

    login = pam.run()

    assert login.step("auth") == PAM_SUCCESS
    assert_exported(login, scenario, TOKEN, ACCOUNT_B, "ReadOnly")


@pytest.mark.parametrize("body", [
    '{"accountList": "not a list"}',
    '{"accountList": [{"accountId": 111111111111}]}',
    '{"accountList": []} trailing',
    "<html>gateway</html>",
])
def test_malformed_listing_is_unavailable(pam, portal, body):
    scenario = standard_scenario()
    scenario["faults"] = [{"op": "ListAccounts", "body": body}]
    portal.update_scenario(scenario)
    pam.auth_service(*portal_args(portal, "allow=*:*"))

    login = pam.run()

    assert login.step("auth") == PAM_AUTHINFO_UNAVAIL
    assert any("ListAccounts: malformed response" in line for line in login.logs)


@pytest.mark.valgrind
def test_expired_credentials_are_refused(pam, portal):
    scenario = standard_scenario()
    role = scenario["tokens"][TOKEN]["accounts"][1]["roles"][0]
    role["credentials"]["expiration"] = 1000 * 1_600_000_000
    portal.update_scenario(scenario)
    pam.auth_service(*portal_args(portal, "allow=*:ReadOnly"))

    login = pam.run()

    assert login.step("auth") == PAM_AUTHINFO_UNAVAIL
    assert_nothing_exported(login)


def test_long_token_accepted(pam, portal):
    token = "aoa" + "x" * 8189
    scenario = standard_scenario()
    scenario["tokens"][token] = scenario["tokens"][TOKEN]
    portal.update_scenario(scenario)
    pam.auth_service(*portal_args(portal, "allow=*:ReadOnly"))

    login = pam.run(token=token)

    assert login.step("auth") == PAM_SUCCESS
    assert portal.requests()[0]["token"] == token


@pytest.mark.parametrize("token, reason", [
    ("", "empty token"),
    ("a" * 8193, "token longer than 8192 bytes"),
    ("abc\r\nInjected: yes", "outside printable ASCII"),
    ("\b\n\r\177INCORRECT", "outside printable ASCII"),
    ("aoa token with spaces", "a space or a byte"),
])
def test_malformed_token_rejected_before_network(pam, portal, token, reason):
    pam.auth_service(*portal_args(portal, "allow=*:*"))

    login = pam.run(token=token)

    assert login.step("auth") == PAM_AUTH_ERR
    assert any(reason in line for line in login.logs)
    assert ops(portal) == []


@pytest.mark.valgrind
def test_failing_conversation_is_conv_err(pam, portal):
    pam.auth_service(*portal_args(portal, "allow=*:*"))

    login = pam.run(extra_args=["--fail-conv"])

    assert login.step("auth") == PAM_CONV_ERR
    assert ops(portal) == []


@pytest.mark.valgrind
def test_missing_conversation_is_conv_err(pam, portal):
    pam.auth_service(*portal_args(portal, "allow=*:*"))

    login = pam.run(extra_args=["--no-conv"])

    assert login.step("auth") == PAM_CONV_ERR
    assert ops(portal) == []


def test_session_ignored_without_sso_login(pam, portal):
    """A login that pam_sso did not authenticate: its session steps ignore it,
    which with pam_sso alone in the stack libpam reports as PAM_PERM_DENIED."""
    args = " ".join(portal_args(portal, "allow=*:*"))
    pam.service(f"auth required pam_permit.so\n"
                f"session required {{module}} {args}\n"
                f"password required {{module}} {args}\n"
                f"account required {{module}} {args}\n")

    login = pam.run(steps="auth,setcred,open,close", extra_args=["--keep-going"])

    assert login.steps["auth"] == PAM_SUCCESS
    assert login.steps["open"] == PAM_PERM_DENIED
    assert login.steps["close"] == PAM_PERM_DENIED
    assert ops(portal) == []


@pytest.mark.valgrind
def test_session_steps_succeed_after_sso_login(pam, portal):
    pam.auth_service(*portal_args(portal, "allow=*:ReadOnly"))

    login = pam.run(steps="auth,setcred,open,close,delcred")

    assert login.steps == {"auth": PAM_SUCCESS, "setcred": PAM_SUCCESS,
                           "open": PAM_SUCCESS, "close": PAM_SUCCESS,
                           "delcred": PAM_SUCCESS}


def test_account_and_password_types_are_service_err(pam, portal):
    args = " ".join(portal_args(portal, "allow=*:*"))
    pam.service(f"auth required pam_permit.so\n"
                f"account required {{module}} {args}\n"
                f"password required {{module}} {args}\n")

    login = pam.run(steps="acct,chauthtok", extra_args=["--keep-going"])

    assert login.steps == {"acct": PAM_SERVICE_ERR, "chauthtok": PAM_SERVICE_ERR}


def test_role_name_with_reserved_characters(pam, portal):
    role_name = "Ops & Dev = 50% #1"
    scenario = standard_scenario()
    scenario["tokens"][TOKEN]["accounts"].append(account("444444444444", role_name))
    portal.update_scenario(scenario)
    # No permission set can have this name, so STS could not name the
    # role; the binding is tested elsewhere.
    pam.auth_service(*portal_args(portal, "allow=444444444444:Ops*", "user_match=none"))

    login = pam.run()

    assert login.step("auth") == PAM_SUCCESS, login.logs
    assert_exported(login, scenario, TOKEN, "444444444444", role_name)
    fetch = [r for r in portal.requests() if r["op"] == "GetRoleCredentials"][0]
    assert fetch["query"]["role_name"] == role_name
    assert "%26" in fetch["raw_query"]
    assert "%23" in fetch["raw_query"]


def test_key_log_variable_is_ignored(pam, portal, tmp_path):
    """su runs the module as root with the caller's environment, so the
    caller must not be able to make libcurl write TLS secrets to a file."""
    key_log = tmp_path / "keys.log"
    pam.auth_service(*portal_args(portal, "allow=*:ReadOnly"))

    login = pam.run(env={"SSLKEYLOGFILE": str(key_log)})

    assert login.step("auth") == PAM_SUCCESS
    assert not key_log.exists()


def test_proxy_variables_are_ignored(pam, portal):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{listener.getsockname()[1]}"
    pam.auth_service(*portal_args(portal, "allow=*:ReadOnly"))

    login = pam.run(env={"https_proxy": dead, "HTTPS_PROXY": dead, "all_proxy": dead})

    assert login.step("auth") == PAM_SUCCESS


@pytest.mark.parametrize("mode, reason", [
    (0o664, "writable by group or others"),
    (0o666, "writable by group or others"),
])
def test_unsafe_ca_file_is_service_err(pam, portal, tmp_path, mode, reason):
    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(open(portal.ca_file, "rb").read())
    os.chmod(bundle, mode)
    pam.auth_service(f"endpoint={portal.url}", f"sts_endpoint={portal.url}",
                     f"ca_file={bundle}", "allow=*:*",
                     f"config={portal.certdir}/empty.conf")

    login = pam.run()

    assert login.step("auth") == PAM_SERVICE_ERR
    assert any("ca_file cannot be used" in line and reason in line for line in login.logs)
    assert login.prompts == []
    assert ops(portal) == []


def test_symlinked_ca_file_is_service_err(pam, portal, tmp_path):
    link = tmp_path / "ca-link.pem"
    link.symlink_to(portal.ca_file)
    pam.auth_service(f"endpoint={portal.url}", f"sts_endpoint={portal.url}",
                     f"ca_file={link}", "allow=*:*",
                     f"config={portal.certdir}/empty.conf")

    login = pam.run()

    assert login.step("auth") == PAM_SERVICE_ERR
    ca_errors = [line for line in login.logs if "ca_file cannot be used" in line]
    assert len(ca_errors) == 1
    assert "symbolic link" in ca_errors[0]
    assert ops(portal) == []


def test_wrong_endpoint_path_is_unavailable(pam, portal):
    pam.auth_service(f"endpoint={portal.url}/wrong", f"sts_endpoint={portal.url}",
                     f"ca_file={portal.ca_file}", "allow=*:*",
                     f"config={portal.certdir}/empty.conf")

    login = pam.run()

    assert login.step("auth") == PAM_AUTHINFO_UNAVAIL
    assert any("ListAccounts: HTTP 404" in line for line in login.logs)


@pytest.mark.valgrind
def test_failed_retry_clears_earlier_success(pam, portal):
    """A second authentication on the same handle that fails must not leave
    the first one's credentials behind."""
    pam.auth_service(*portal_args(portal, "allow=*:ReadOnly"))

    login = pam.run(token=[TOKEN, "aoaUnknownToken123"], steps="auth,auth",
                    extra_args=["--keep-going"])

    assert login.prompts == ["echo_off AWS SSO access token: "] * 2
    assert login.step("auth") == PAM_AUTH_ERR
    assert_nothing_exported(login)


def test_role_listing_cut_short_counts_nothing(pam, certdir, tmp_path):
    from portal_server import MockPortal

    scenario = standard_scenario()
    scenario["tokens"][TOKEN]["accounts"] = [account(ACCOUNT_A, "A1", "A2", "A3")]
    scenario["page_size_cap"] = 2
    scenario["faults"] = [{"op": "ListAccountRoles", "after": 1, "status": 403,
                           "error_type": "ForbiddenException"}]
    with MockPortal(scenario, certdir, str(tmp_path / "portal")) as server:
        pam.auth_service(*portal_args(server, "allow=*:A*"))

        login = pam.run()

        assert login.step("auth") == PAM_AUTH_ERR
        assert ops(server) == ["ListAccounts", "ListAccountRoles", "ListAccountRoles"]


@pytest.mark.valgrind
def test_delete_cred_removes_credentials(pam, portal):
    pam.auth_service(*portal_args(portal, "allow=*:ReadOnly"))

    login = pam.run(steps="auth,setcred,open,close,delcred")

    assert login.step("delcred") == PAM_SUCCESS
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                 "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION"):
        assert name not in login.env
    assert login.env["AWS_SSO_ROLE_NAME"] == "ReadOnly"
    assert login.env["AWS_SSO_ACCOUNT_ID"] == ACCOUNT_A


def test_not_implemented_is_not_retried(pam, portal):
    scenario = standard_scenario()
    scenario["faults"] = [{"op": "ListAccounts", "status": 501,
                           "error_type": "NotImplemented"}]
    portal.update_scenario(scenario)
    pam.auth_service(*portal_args(portal, "allow=*:*"))

    login = pam.run()

    assert login.step("auth") == PAM_AUTHINFO_UNAVAIL
    assert ops(portal) == ["ListAccounts"]


def test_failed_login_asks_for_fail_delay(pam, portal):
    """libpam waits after a failure by the longest delay a module asked for,
    times a random factor from 0.5 to 1.5; the driver records it instead."""
    pam.auth_service(*portal_args(portal, "allow=*:NoSuchRole"))

    login = pam.run(steps="auth")

    assert login.step("auth") == PAM_AUTH_ERR
    assert len(login.fail_delays) == 1
    status, usec = login.fail_delays[0]
    assert status == PAM_AUTH_ERR
    assert 1_000_000 <= usec <= 3_000_000


@pytest.mark.valgrind
def test_unrequested_replies_are_freed(pam, portal):
    """A conversation that also replies to the module's error message; under
    valgrind or ASan a leak of that reply fails the run."""
    pam.auth_service(*portal_args(portal, "allow=*:NoSuchRole"))

    login = pam.run(steps="auth", extra_args=["--reply-to-messages"])

    assert login.step("auth") == PAM_AUTH_ERR
    assert login.errors == ["The SSO access token grants no role allowed here."]


def configured_version():
    """The version in configure.ac's AC_INIT, its one source."""
    with open(os.path.join(os.path.dirname(__file__), "..", "..", "configure.ac"),
              encoding="utf-8") as f:
        match = re.search(r"^AC_INIT\(\[pam_sso\], \[([^]]+)\]", f.read(), re.MULTILINE)
    assert match is not None
    return match.group(1)


def test_debug_logs_module_version(pam, portal):
    pam.auth_service(*portal_args(portal, "allow=*:ReadOnly", "debug"))

    login = pam.run()

    assert login.step("auth") == PAM_SUCCESS
    assert f"pam_sso {configured_version()}: authenticate" in login.logs
    assert f"pam_sso {configured_version()}: setcred" in login.logs
    assert f"pam_sso {configured_version()}: open_session" in login.logs


def test_version_not_logged_without_debug(pam, portal):
    pam.auth_service(*portal_args(portal, "allow=*:ReadOnly"))

    login = pam.run()

    assert login.step("auth") == PAM_SUCCESS
    assert not any(line.startswith("pam_sso ") for line in login.logs)
