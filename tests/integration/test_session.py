"""The session steps and logout_on_close through real Linux-PAM.

Most logins here authenticate with the driver's "forkauth" step, which runs
pam_authenticate in a child process that exits without pam_end, the way
sshd's keyboard-interactive method does.  Only the PAM environment comes
back, so these tests fail if the session steps rely on anything else from
the authentication.
"""

import os
import re
import stat
import time

import pytest

from conftest import (OTHER_TOKEN, PAM_SUCCESS, TOKEN, account, portal_args,
                      standard_scenario)

PAM_SYSTEM_ERR = 4
PAM_SESSION_ERR = 14

STATE_NAME = re.compile(r"^(\d+)-[0-9a-f]{32}$")
CLAIMED_NAME = re.compile(r"^(\d+)-[0-9a-f]{32}\.(\d+)-(\d+)$")


def logouts(server):
    return [r for r in server.requests() if r["op"] == "Logout"]


def state_files(directory):
    return sorted(os.listdir(directory)) if os.path.isdir(directory) else []


def session_service(pam, server, state_dir, allow="*:*"):
    pam.auth_service(*portal_args(server, f"allow={allow}", "logout_on_close",
                                  f"state_dir={state_dir}"))


def short_lived_scenario(seconds):
    """The standard scenario with credentials expiring SECONDS from now."""
    expiration_ms = int((time.time() + seconds) * 1000)
    scenario = standard_scenario()
    for entry in scenario["tokens"][TOKEN]["accounts"]:
        for role in entry["roles"]:
            role["credentials"]["expiration"] = expiration_ms
    return scenario, expiration_ms


def wait_for(predicate, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.mark.valgrind
def test_logout_once_after_split_auth(pam, portal, tmp_path):
    state_dir = tmp_path / "state"
    session_service(pam, portal, state_dir)

    login = pam.run(steps="forkauth,setcred,open,close,delcred")

    assert login.steps == {"forkauth": PAM_SUCCESS, "setcred": PAM_SUCCESS,
                           "open": PAM_SUCCESS, "close": PAM_SUCCESS,
                           "delcred": PAM_SUCCESS}
    sent = logouts(portal)
    assert len(sent) == 1
    assert sent[0]["token"] == TOKEN
    assert sent[0]["method"] == "POST"
    assert sent[0]["path"] == "/logout"
    assert sent[0]["body_length"] == 0
    assert sent[0]["headers"].get("content-length") == "0"
    assert "content-type" not in sent[0]["headers"]
    assert sent[0]["status"] == 200
    assert "PAM_SSO_STATE" not in login.env
    assert state_files(state_dir) == []
    assert any("logout: token revoked: user=alice" in line for line in login.logs)


@pytest.mark.valgrind
def test_state_private_while_open(pam, portal, tmp_path):
    state_dir = tmp_path / "state"
    session_service(pam, portal, state_dir)

    process = pam.start(steps="forkauth,setcred,open,pause,close")
    try:
        assert wait_for(lambda: any(CLAIMED_NAME.match(n) for n in state_files(state_dir)))
        info = os.stat(state_dir)
        assert stat.S_IMODE(info.st_mode) == 0o700
        assert info.st_uid == 0
        (name,) = state_files(state_dir)
        match = CLAIMED_NAME.match(name)
        assert int(match.group(2)) == process.pid
        file_info = os.stat(state_dir / name)
        assert stat.S_IMODE(file_info.st_mode) == 0o600
        assert file_info.st_uid == 0
        assert TOKEN in (state_dir / name).read_text()
        assert logouts(portal) == []
    finally:
        login = pam.finish_started(process)

    assert login.steps["close"] == PAM_SUCCESS
    assert [r["token"] for r in logouts(portal)] == [TOKEN]
    assert state_files(state_dir) == []


def test_no_logout_without_option(pam, portal, tmp_path):
    state_dir = tmp_path / "state"
    pam.auth_service(*portal_args(portal, "allow=*:*", f"state_dir={state_dir}"))

    login = pam.run(steps="forkauth,setcred,open,close,delcred")

    assert login.steps["close"] == PAM_SUCCESS
    assert logouts(portal) == []
    assert not state_dir.exists()
    assert "PAM_SSO_STATE" not in login.env


def test_second_close_sends_nothing(pam, portal, tmp_path):
    state_dir = tmp_path / "state"
    session_service(pam, portal, state_dir)

    login = pam.run(steps="forkauth,setcred,open,close,delcred,close",
                    extra_args=["--keep-going"])

    assert login.steps["close"] == PAM_SUCCESS
    assert len(logouts(portal)) == 1


def test_state_name_kept_from_session(pam, portal, tmp_path):
    """setcred takes the name out of the PAM environment before the
    session's environment is built, even with no session line."""
    state_dir = tmp_path / "state"
    args = " ".join(portal_args(portal, "allow=*:*", "logout_on_close",
                                f"state_dir={state_dir}"))
    pam.service(f"auth required {{module}} {args}\n"
                "account required pam_permit.so\n"
                "session required pam_permit.so\n")

    login = pam.run(steps="forkauth,setcred,open")

    assert login.steps["setcred"] == PAM_SUCCESS
    assert "PAM_SSO_STATE" not in login.env
    assert login.env["AWS_SSO_ROLE_NAME"]


def test_failed_logout_not_repeated(pam, certdir, tmp_path):
    from portal_server import MockPortal
    scenario = standard_scenario()
    scenario["faults"] = [{"op": "Logout", "status": 400,
                           "error_type": "InvalidRequestException"}]
    with MockPortal(scenario, certdir, str(tmp_path / "portal")) as server:
        state_dir = tmp_path / "state"
        session_service(pam, server, state_dir)

        login = pam.run(steps="forkauth,setcred,open,close,close",
                        extra_args=["--keep-going"])

        assert len(logouts(server)) == 1
        assert any("logout failed: user=alice reason=Logout: HTTP 400" in line
                   for line in login.logs)
    assert state_files(state_dir) == []


@pytest.mark.valgrind
def test_failed_logout_session_error(pam, certdir, tmp_path):
    from portal_server import MockPortal
    scenario = standard_scenario()
    scenario["faults"] = [{"op": "Logout", "status": 400}]
    with MockPortal(scenario, certdir, str(tmp_path / "portal")) as server:
        session_service(pam, server, tmp_path / "state")
        login = pam.run(steps="forkauth,setcred,open,close")
    assert login.steps["close"] == PAM_SESSION_ERR


@pytest.mark.valgrind
def test_logout_revoked_token_done(pam, certdir, tmp_path):
    from portal_server import MockPortal
    scenario = standard_scenario()
    scenario["faults"] = [{"op": "Logout", "status": 401,
                           "error_type": "UnauthorizedException"}]
    with MockPortal(scenario, certdir, str(tmp_path / "portal")) as server:
        session_service(pam, server, tmp_path / "state")
        login = pam.run(steps="forkauth,setcred,open,close")
    assert login.steps["close"] == PAM_SUCCESS
    assert any("no longer accepts the token" in line for line in login.logs)


@pytest.mark.valgrind
def test_shadow_login_order(pam, portal, tmp_path):
    """login(1) opens the session before setcred."""
    state_dir = tmp_path / "state"
    session_service(pam, portal, state_dir)

    login = pam.run(steps="forkauth,open,setcred,close,delcred")

    assert set(login.steps.values()) == {PAM_SUCCESS}
    assert len(logouts(portal)) == 1
    assert state_files(state_dir) == []


@pytest.mark.valgrind
def test_retry_drops_first_state(pam, portal, tmp_path):
    state_dir = tmp_path / "state"
    # Both tokens are alice's here, so the second login passes the binding.
    scenario = standard_scenario()
    scenario["tokens"][OTHER_TOKEN]["user_name"] = "alice"
    portal.update_scenario(scenario)
    session_service(pam, portal, state_dir, allow="*:Billing")

    login = pam.run(token=[TOKEN, OTHER_TOKEN], steps="auth,auth,setcred,open,close")

    assert login.steps["close"] == PAM_SUCCESS
    assert [r["token"] for r in logouts(portal)] == [OTHER_TOKEN]
    assert state_files(state_dir) == []


@pytest.mark.valgrind
def test_failed_auth_keeps_no_state(pam, portal, tmp_path):
    state_dir = tmp_path / "state"
    session_service(pam, portal, state_dir, allow="*:NoSuchRole")

    login = pam.run(steps="forkauth")

    assert login.steps["forkauth"] != PAM_SUCCESS
    assert state_files(state_dir) == []
    assert "PAM_SSO_STATE" not in login.env


@pytest.mark.timing
def test_dead_session_swept_after_expiry(pam, certdir, tmp_path):
    from portal_server import MockPortal
    scenario, expiration_ms = short_lived_scenario(3)
    with MockPortal(scenario, certdir, str(tmp_path / "portal")) as server:
        state_dir = tmp_path / "state"
        session_service(pam, server, state_dir)

        # The process that claimed the state exits without closing.
        pam.run(steps="forkauth,setcred,open")
        (name,) = state_files(state_dir)
        assert CLAIMED_NAME.match(name)
        assert int(CLAIMED_NAME.match(name).group(1)) == expiration_ms // 1000

        # Before the credentials expire, the next call keeps it.
        pam.run(steps="setcred")
        assert state_files(state_dir) == [name]

        time.sleep(max(0, expiration_ms / 1000 - time.time()) + 1.1)
        login = pam.run(steps="setcred")
        assert state_files(state_dir) == []
        assert any("removed 1 logout state file(s)" in line for line in login.logs)
        assert logouts(server) == []


@pytest.mark.timing
def test_unclaimed_swept_after_expiry(pam, certdir, tmp_path):
    """Authentication alone, with no session step to claim the file."""
    from portal_server import MockPortal
    scenario, expiration_ms = short_lived_scenario(2)
    with MockPortal(scenario, certdir, str(tmp_path / "portal")) as server:
        state_dir = tmp_path / "state"
        session_service(pam, server, state_dir)

        pam.run(steps="forkauth")
        (name,) = state_files(state_dir)
        assert STATE_NAME.match(name)

        time.sleep(max(0, expiration_ms / 1000 - time.time()) + 1.1)
        pam.run(steps="setcred")
        assert state_files(state_dir) == []


@pytest.mark.timing
def test_live_session_keeps_state(pam, certdir, tmp_path):
    """A session may outlive its credentials; its token is still revoked
    when it closes."""
    from portal_server import MockPortal
    scenario, expiration_ms = short_lived_scenario(2)
    with MockPortal(scenario, certdir, str(tmp_path / "portal")) as server:
        state_dir = tmp_path / "state"
        session_service(pam, server, state_dir)

        process = pam.start(steps="forkauth,setcred,open,pause,close")
        try:
            assert wait_for(lambda: any(CLAIMED_NAME.match(n)
                                        for n in state_files(state_dir)))
            time.sleep(max(0, expiration_ms / 1000 - time.time()) + 1.1)
            pam.run(steps="setcred")
            assert len(state_files(state_dir)) == 1
        finally:
            login = pam.finish_started(process)

        assert login.steps["close"] == PAM_SUCCESS
        assert [r["token"] for r in logouts(server)] == [TOKEN]
        assert state_files(state_dir) == []


@pytest.mark.parametrize("problem", ["group-readable", "symlink", "not-a-folder"])
def test_unsafe_state_dir_rejected(pam, portal, tmp_path, problem):
    state_dir = tmp_path / "state"
    if problem == "group-readable":
        state_dir.mkdir(mode=0o750)
        os.chmod(state_dir, 0o750)
    elif problem == "symlink":
        (tmp_path / "elsewhere").mkdir(mode=0o700)
        state_dir.symlink_to(tmp_path / "elsewhere")
    else:
        state_dir.write_text("")
    session_service(pam, portal, state_dir)

    login = pam.run(steps="forkauth,setcred")

    assert login.steps["forkauth"] == PAM_SYSTEM_ERR
    assert "AWS_ACCESS_KEY_ID" not in login.env
    assert [r["op"] for r in portal.requests()].count("Logout") == 0
    assert any("the logout state cannot be kept" in line for line in login.logs)


@pytest.mark.valgrind
def test_state_dir_parent_shared_rejected(pam, portal, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    session_service(pam, portal, shared / "state")

    login = pam.run(steps="forkauth")

    assert login.steps["forkauth"] == PAM_SYSTEM_ERR
    assert not (shared / "state").exists()


def test_other_users_state_rejected(pam, portal, tmp_path):
    """A name forged into the PAM environment (here by pam_env) cannot
    make bob's session revoke or remove alice's token."""
    state_dir = tmp_path / "state"
    session_service(pam, portal, state_dir)
    process = pam.start(user="alice", steps="forkauth,setcred,open,pause,close")
    try:
        assert wait_for(lambda: any(CLAIMED_NAME.match(n) for n in state_files(state_dir)))
        (claimed,) = state_files(state_dir)

        # Bob's stack sets an unclaimed-looking name whose file is alice's.
        forged = tmp_path / "forged"
        forged.mkdir()
        unclaimed = claimed.split(".")[0]
        os.link(state_dir / claimed, state_dir / unclaimed)
        env_conf = forged / "pam_env.conf"
        env_conf.write_text(f"PAM_SSO_STATE DEFAULT={unclaimed}\n")
        args = " ".join(portal_args(portal, "allow=*:*", "logout_on_close",
                                f"state_dir={state_dir}"))
        pam.service(f"session required pam_env.so conffile={env_conf} readenv=0\n"
                    f"session optional {{module}} {args}\n", name="forged")
        bob = pam.run(token=None, user="bob", steps="open,close", service="forged",
                      extra_args=["--keep-going"])

        assert any("belongs to another user" in line for line in bob.logs)
        assert unclaimed in state_files(state_dir)
        assert logouts(portal) == []
        os.unlink(state_dir / unclaimed)
    finally:
        login = pam.finish_started(process)
    assert [r["token"] for r in logouts(portal)] == [TOKEN]


def test_session_ignores_other_logins(pam, portal, tmp_path):
    state_dir = tmp_path / "state"
    args = " ".join(portal_args(portal, "allow=*:*", "logout_on_close",
                                f"state_dir={state_dir}"))
    pam.service("auth required pam_permit.so\n"
                "account required pam_permit.so\n"
                f"session required {{module}} {args}\n"
                "session required pam_permit.so\n")

    login = pam.run(token=None, steps="auth,open,close")

    assert login.steps == {"auth": PAM_SUCCESS, "open": PAM_SUCCESS, "close": PAM_SUCCESS}
    assert portal.requests() == []
    assert not state_dir.exists()
