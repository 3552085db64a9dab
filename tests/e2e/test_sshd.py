"""Logins through a real OpenSSH sshd with the real ssh client.

sshd runs pam_authenticate in a forked "[pam]" child of its monitor, and
pam_setcred, pam_open_session and pam_close_session in the root monitor.
Only the PAM environment crosses from the child to the monitor, so these
tests check what reaches the session's environment, what the ssh client
prints, and what the mock portal receives.
"""

import base64
import os
import re
import secrets
import stat
import subprocess
import types

import pytest

from sso_fixtures import (ACCOUNT_A, ACCOUNT_C, OTHER_TOKEN, TOKEN, assert_exported,
                          closed_port, portal_args, role_credentials, standard_scenario)

from .sshd_harness import (MODULE, NOT_ROOT_REASON, REPO, LocalUser, pam_service,
                           parse_env, parse_sections)

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason=NOT_ROOT_REASON)


PROMPT = "AWS SSO access token: "
REJECTED = "The SSO access token was rejected."
NO_ROLE = "The SSO access token grants no role allowed here."
UNAVAILABLE = "The SSO portal is unavailable; try again later."
NOT_OWNER = "The SSO access token does not belong to this user."

# The listing calls of a login.  Their number varies: the module drops the
# role listings that can no longer change its choice.
LISTING_OPS = ("ListAccounts", "ListAccountRoles")

# Where the token search looks, as the logged-in user.  /proc is searched
# separately and without recursion.
SEARCHED_DIRS = '/tmp /var/tmp /run /dev/shm /var/log "$HOME"'
SEARCH_SECONDS = 20


def ops(server):
    return [request["op"] for request in server.requests()]


def after_listing(server):
    """The operations other than the login's listing calls, which must
    start with ListAccounts."""
    names = ops(server)
    assert names[0] == "ListAccounts"
    # A dropped listing may still reach the portal after the credentials.
    return [name for name in names if name not in LISTING_OPS]


def logouts(server):
    return [request for request in server.requests() if request["op"] == "Logout"]


def session_env(result):
    """The session environment from the output of a remote "env"."""
    return types.SimpleNamespace(env=parse_env(result.stdout.splitlines()))


def fresh_token():
    """Return a token shaped like TOKEN that no earlier run has used, so
    that files left by other test runs cannot match a search for it."""
    return "aoaE2E" + base64.b64encode(secrets.token_bytes(168)).decode("ascii")


def report(result, sshd):
    """Failure message with the client's stderr and sshd's log."""
    return f"ssh stderr:\n{result.stderr}\nsshd log:\n{sshd.log()}"


def stderr_lines(result):
    return [line for line in result.stderr.splitlines() if line.strip()]


def permission_denied(user):
    return f"{user.name}@127.0.0.1: Permission denied (keyboard-interactive)."


def secret_values(scenario, token, account_id, role_name):
    credentials = role_credentials(scenario, token, account_id, role_name)
    return [credentials["accessKeyId"], credentials["secretAccessKey"],
            credentials["sessionToken"]]


# --- successful login ------------------------------------------------------

def test_login_exports_each_variable(portal, scenario, sshd, ssh, user):
    # aws_region is also the region the STS request is signed for.
    scenario["sts_region"] = "eu-central-1"
    portal.update_scenario(scenario)
    sshd.start(pam_service(*portal_args(portal, "allow=*:ReadOnly",
                                        "aws_region=eu-central-1")))
    marker = os.path.join(user.home, f"ran-{secrets.token_hex(4)}")

    result = ssh.run(user, TOKEN, f"env && touch {marker}")

    assert result.returncode == 0, report(result, sshd)
    assert result.prompts == [f"({user.name}@127.0.0.1) {PROMPT}"]
    session = session_env(result)
    assert_exported(session, standard_scenario(), TOKEN, ACCOUNT_A, "ReadOnly")
    assert session.env["AWS_REGION"] == "eu-central-1"
    assert session.env["AWS_DEFAULT_REGION"] == "eu-central-1"
    assert session.env["USER"] == user.name
    assert os.stat(marker).st_uid == user.uid
    assert f"Accepted keyboard-interactive/pam for {user.name}" in sshd.log()

    # Without logout_on_close the end of the session sends nothing.
    assert sshd.wait_idle() == []
    assert after_listing(portal) == ["GetRoleCredentials", "GetCallerIdentity"]
    assert {request["token"] for request in portal.requests()
            if request["sts"] is None} == {TOKEN}


@pytest.mark.parametrize("logout_on_close", [
    False,
    # The token then sits in a state file under /tmp while the search runs.
    pytest.param(True, marks=pytest.mark.session_logout),
], ids=["plain", "logout_on_close"])
def test_token_not_readable_in_session(portal, scenario, sshd, ssh, user, public_dir,
                                       logout_on_close):
    token = fresh_token()
    scenario["tokens"][token] = scenario["tokens"][TOKEN]
    portal.update_scenario(scenario)
    module_args = portal_args(portal, "allow=*:ReadOnly")
    if logout_on_close:
        module_args += ("logout_on_close", f"state_dir={public_dir}/state")
    sshd.start(pam_service(*module_args))

    # A file the user can read, so that the search can be seen to work.
    canary_text = f"canary-{secrets.token_hex(16)}"
    canary = os.path.join(public_dir, "canary")
    with open(canary, "w", encoding="ascii") as f:
        f.write(canary_text + "\n")
    os.chmod(canary, 0o644)

    # The token arrives on stdin, so that it is in no command line and in
    # no file.  The session's own secret key is the control for /proc: it
    # is in the environment of the shell that runs this script.
    script = f"""
IFS= read -r token
echo @@env
env
echo @@token-files
printf '%s\\n' "$token" | timeout {SEARCH_SECONDS} grep -rlsF -f - {SEARCHED_DIRS}
status=$?
echo @@token-files-exit
echo $status
echo @@canary-files
timeout {SEARCH_SECONDS} grep -rlsF -e {canary_text} {SEARCHED_DIRS}
status=$?
echo @@canary-files-exit
echo $status
echo @@token-processes
printf '%s\\n' "$token" | grep -lsF -f - /proc/[0-9]*/environ /proc/[0-9]*/cmdline
echo @@secret-processes
grep -lsF -e "$AWS_SECRET_ACCESS_KEY" /proc/[0-9]*/environ
echo @@end
"""
    result = ssh.run(user, token, script, input=token + "\n", timeout=3 * SEARCH_SECONDS)

    assert result.returncode == 0, report(result, sshd)
    sections = parse_sections(result.stdout)
    session = types.SimpleNamespace(env=parse_env(sections["env"]))
    assert_exported(session, scenario, token, ACCOUNT_A, "ReadOnly")
    assert "PAM_SSO_STATE" not in session.env
    assert [name for name, value in session.env.items() if token in value] == []

    assert "end" in sections, "the script stopped early"

    # grep exits with 2 when it met unreadable files, and timeout with 124.
    assert sections["canary-files-exit"] != ["124"], "the search timed out"
    assert sections["canary-files"] == [canary]
    assert sections["token-files-exit"] != ["124"], "the search timed out"
    assert sections["token-files"] == []

    assert sections["secret-processes"] != []
    assert sections["token-processes"] == []

    # The Logout with the token shows that the state file contained it.
    assert sshd.wait_idle() == []
    expected_logouts = [token] if logout_on_close else []
    assert [r["token"] for r in logouts(portal)] == expected_logouts


# --- failed logins ---------------------------------------------------------

def rejected_token(portal, certdir):
    return "aoaUnknownToken" + secrets.token_hex(16), portal_args(portal, "allow=*:*"), REJECTED


def no_allowed_role(portal, certdir):
    return OTHER_TOKEN, portal_args(portal, "allow=*:Admin"), NO_ROLE


def unreachable_portal(portal, certdir):
    dead = f"https://127.0.0.1:{closed_port()}"
    args = (f"endpoint={dead}", f"sts_endpoint={dead}", f"ca_file={portal.ca_file}",
            f"config={certdir}/empty.conf", "allow=*:*", "timeout=5")
    return TOKEN, args, UNAVAILABLE


def token_of_other_user(portal, certdir):
    """other_user's own valid token, pasted at user's prompt: the default
    user_match=exact refuses it once STS names its owner."""
    return OTHER_TOKEN, portal_args(portal, "allow=*:Billing"), NOT_OWNER


@pytest.mark.parametrize("case, expected_ops", [
    (rejected_token, ["ListAccounts"]),
    (no_allowed_role, ["ListAccounts", "ListAccountRoles"]),
    # The module talks to the closed port, never to the running mock.
    (unreachable_portal, []),
    (token_of_other_user, ["ListAccounts", "ListAccountRoles", "GetRoleCredentials",
                           "GetCallerIdentity"]),
], ids=["rejected_token", "no_allowed_role", "unreachable_portal", "token_of_other_user"])
def test_failed_login_runs_nothing(portal, certdir, sshd, ssh, user, case, expected_ops):
    token, module_args, message = case(portal, certdir)
    sshd.start(pam_service(*module_args))
    marker = os.path.join(user.home, f"ran-{secrets.token_hex(4)}")

    result = ssh.run(user, token, f"touch {marker}")

    assert result.returncode == 255
    assert not os.path.exists(marker)
    assert result.prompts == [f"({user.name}@127.0.0.1) {PROMPT}"]
    assert result.stdout == ""
    # The message and ssh's own refusal, and nothing else: no token, no
    # HTTP status, no internal detail.
    assert message in stderr_lines(result)
    assert permission_denied(user) in stderr_lines(result)
    assert stderr_lines(result) == [message, permission_denied(user)]
    assert token not in result.stderr
    # sshd logs the failure after the client has seen it.
    assert sshd.wait_idle() == []
    assert f"Failed keyboard-interactive/pam for {user.name}" in sshd.log()
    assert ops(portal) == expected_ops


def test_unknown_user_looks_like_rejected_token(portal, sshd, ssh):
    """sshd answers the prompt itself with a junk string for a user that
    does not exist; the client must see what a rejected token shows."""
    sshd.start(pam_service(*portal_args(portal, "allow=*:*")))
    ghost = LocalUser(f"pamsso-ghost-{secrets.token_hex(4)}", -1, -1, "/nonexistent")

    result = ssh.run(ghost, TOKEN, "true")

    assert result.returncode == 255
    assert result.prompts == [f"({ghost.name}@127.0.0.1) {PROMPT}"]
    assert stderr_lines(result) == [REJECTED, permission_denied(ghost)]
    assert sshd.wait_idle() == []
    assert f"Invalid user {ghost.name}" in sshd.log()
    assert ops(portal) == []


# --- concurrent logins -----------------------------------------------------

FETCH_DELAY = 1.0


def test_concurrent_logins_keep_own_credentials(portal, scenario, sshd, ssh, user,
                                                other_user):
    scenario["faults"] = [{"op": "GetRoleCredentials", "delay": FETCH_DELAY}]
    portal.update_scenario(scenario)
    # TOKEN matches the first rule, OTHER_TOKEN only the second.
    sshd.start(pam_service(*portal_args(portal, "allow=*:ReadOnly,*:Billing")))

    first = ssh.start(user, TOKEN, "env")
    second = ssh.start(other_user, OTHER_TOKEN, "env")
    first_result = first.finish()
    second_result = second.finish()

    assert first_result.returncode == 0, report(first_result, sshd)
    assert second_result.returncode == 0, report(second_result, sshd)
    first_session = session_env(first_result)
    second_session = session_env(second_result)
    assert first_session.env["USER"] == user.name
    assert second_session.env["USER"] == other_user.name
    assert_exported(first_session, scenario, TOKEN, ACCOUNT_A, "ReadOnly")
    assert_exported(second_session, scenario, OTHER_TOKEN, ACCOUNT_C, "Billing")
    for value in secret_values(scenario, OTHER_TOKEN, ACCOUNT_C, "Billing"):
        assert value not in first_result.stdout
    for value in secret_values(scenario, TOKEN, ACCOUNT_A, "ReadOnly"):
        assert value not in second_result.stdout
    assert "AWS_REGION" not in first_session.env

    fetches = [r for r in portal.requests() if r["op"] == "GetRoleCredentials"]
    assert sorted(r["token"] for r in fetches) == sorted([TOKEN, OTHER_TOKEN])
    assert fetches[0]["connection"] != fetches[1]["connection"]
    # The mock sends its response FETCH_DELAY seconds after a fetch arrives,
    # so a second fetch that arrives sooner than that after the first one
    # was in flight at the same moment.  "time" is the arrival time.
    earlier, later = sorted(fetch["time"] for fetch in fetches)
    gap = later - earlier
    assert gap < FETCH_DELAY, f"the logins did not overlap: fetches {gap:.2f} s apart"


# --- logout at the end of the session --------------------------------------

# A state file's name after pam_sm_open_session claimed it: "...PID-START".
CLAIMED_NAME = re.compile(r"\.(\d+)-(\d+)$")


def state_files(directory):
    return sorted(os.listdir(directory)) if os.path.isdir(directory) else []


def logout_args(portal, state_dir):
    return portal_args(portal, "allow=*:ReadOnly,*:Billing", "logout_on_close",
                       f"state_dir={state_dir}")


def assert_owned_by_root(path, is_type, mode):
    """Check that PATH is of the type that IS_TYPE (stat.S_ISDIR, say)
    accepts, owned by root, with permission bits MODE."""
    st = os.lstat(path)
    assert is_type(st.st_mode)
    assert st.st_uid == 0
    assert stat.S_IMODE(st.st_mode) == mode


@pytest.mark.session_logout
def test_logout_sent_once_at_session_end(portal, sshd, ssh, user, public_dir):
    state_dir = os.path.join(public_dir, "state")
    sshd.start(pam_service(*logout_args(portal, state_dir)))

    result = ssh.run(user, TOKEN, "env")

    assert result.returncode == 0, report(result, sshd)
    session = session_env(result)
    assert_exported(session, standard_scenario(), TOKEN, ACCOUNT_A, "ReadOnly")
    assert "PAM_SSO_STATE" not in session.env
    assert [name for name, value in session.env.items() if TOKEN in value] == []

    assert sshd.wait_idle() == []
    assert after_listing(portal) == ["GetRoleCredentials", "GetCallerIdentity", "Logout"]
    [logout] = logouts(portal)
    assert logout["method"] == "POST"
    assert logout["path"] == "/logout"
    assert logout["token"] == TOKEN
    assert "x-amz-sso_bearer_token" in [name.lower() for name in logout["header_names"]]
    assert logout["status"] == 200
    assert_owned_by_root(state_dir, stat.S_ISDIR, 0o700)
    assert os.listdir(state_dir) == []


@pytest.mark.session_logout
def test_state_dir_private_while_session_open(portal, sshd, ssh, user, public_dir):
    state_dir = os.path.join(public_dir, "state")
    sshd.start(pam_service(*logout_args(portal, state_dir)))
    # The session waits for the test to send the state file's path, then
    # tries to list the directory and read the file as the user.
    script = f"""
echo @@ready
IFS= read -r path
echo @@list
ls -A {state_dir} 2>&1
status=$?
echo @@list-exit
echo $status
echo @@read
cat -- "$path" 2>&1 >/dev/null
status=$?
echo @@read-exit
echo $status
"""
    login = ssh.start(user, TOKEN, script, stdin=subprocess.PIPE)
    login.read_until("@@ready")

    assert_owned_by_root(state_dir, stat.S_ISDIR, 0o700)
    files = os.listdir(state_dir)
    assert len(files) == 1
    state_file = os.path.join(state_dir, files[0])
    assert_owned_by_root(state_file, stat.S_ISREG, 0o600)
    assert logouts(portal) == []
    # The file records the process that will close the session: sshd's
    # root monitor for this connection, not the exited "[pam]" child.
    recorded = CLAIMED_NAME.search(files[0])
    assert recorded is not None, files[0]
    assert int(recorded.group(1)) in sshd.connection_pids()
    assert os.stat(f"/proc/{recorded.group(1)}").st_uid == 0

    result = login.finish(input=state_file + "\n")

    assert result.returncode == 0, report(result, sshd)
    sections = parse_sections(result.stdout)
    assert sections["list-exit"] == ["2"]
    assert any("Permission denied" in line for line in sections["list"])
    assert sections["read-exit"] == ["1"]
    assert any("Permission denied" in line for line in sections["read"])

    assert sshd.wait_idle() == []
    assert [r["token"] for r in logouts(portal)] == [TOKEN]
    assert not os.path.lexists(state_file)
    assert os.listdir(state_dir) == []


@pytest.mark.session_logout
def test_each_session_logs_out_own_token(portal, sshd, ssh, user, other_user, public_dir):
    state_dir = os.path.join(public_dir, "state")
    sshd.start(pam_service(*logout_args(portal, state_dir)))
    # Both sessions stay open until the test has looked at the state dir.
    script = "echo @@ready; IFS= read -r line; env"

    first = ssh.start(user, TOKEN, script, stdin=subprocess.PIPE)
    second = ssh.start(other_user, OTHER_TOKEN, script, stdin=subprocess.PIPE)
    first.read_until("@@ready")
    second.read_until("@@ready")

    assert len(os.listdir(state_dir)) == 2
    assert logouts(portal) == []

    first_result = first.finish(input="done\n")
    second_result = second.finish(input="done\n")

    assert first_result.returncode == 0, report(first_result, sshd)
    assert second_result.returncode == 0, report(second_result, sshd)
    assert session_env(first_result).env["AWS_SSO_ROLE_NAME"] == "ReadOnly"
    assert session_env(second_result).env["AWS_SSO_ROLE_NAME"] == "Billing"
    assert sshd.wait_idle() == []
    assert sorted(r["token"] for r in logouts(portal)) == sorted([TOKEN, OTHER_TOKEN])
    assert os.listdir(state_dir) == []


@pytest.mark.session_logout
def test_killed_client_still_logs_out(portal, sshd, ssh, user, public_dir):
    state_dir = os.path.join(public_dir, "state")
    sshd.start(pam_service(*logout_args(portal, state_dir)))
    login = ssh.start(user, TOKEN, "echo @@ready; IFS= read -r line", stdin=subprocess.PIPE)
    login.read_until("@@ready")
    assert len(state_files(state_dir)) == 1

    # As with a dropped connection, the client goes away mid-session.
    login.kill()

    assert sshd.wait_idle() == []
    assert [r["token"] for r in logouts(portal)] == [TOKEN]
    assert state_files(state_dir) == []


@pytest.mark.session_logout
@pytest.mark.parametrize("token, allow, message", [
    ("aoaUnknownToken" + "0" * 32, "*:*", REJECTED),
    (OTHER_TOKEN, "*:Admin", NO_ROLE),
], ids=["rejected_token", "no_allowed_role"])
def test_failed_login_keeps_no_state(portal, sshd, ssh, user, public_dir, token, allow,
                                     message):
    state_dir = os.path.join(public_dir, "state")
    sshd.start(pam_service(*portal_args(portal, f"allow={allow}", "logout_on_close",
                                        f"state_dir={state_dir}")))

    result = ssh.run(user, token, "true")

    assert result.returncode == 255
    assert message in stderr_lines(result)
    assert sshd.wait_idle() == []
    assert logouts(portal) == []
    assert state_files(state_dir) == []


# --- the bastion configuration files that README.md installs ---------------

SHIPPED_PAM_SERVICE = os.path.join(REPO, "config", "pam.d-sshd")
SHIPPED_SSHD_DROP_IN = os.path.join(REPO, "config", "sshd_config.d-pam_sso.conf")


def shipped_pam_service(*module_args):
    """Return config/pam.d-sshd with each pam_sso.so line pointing at the
    built module, with MODULE_ARGS in place of /etc/security/pam_sso.conf."""
    lines = []
    with open(SHIPPED_PAM_SERVICE, encoding="utf-8") as f:
        for line in f:
            if not line.lstrip().startswith("#"):
                line = re.sub(r"\bpam_sso\.so$", f"{MODULE} {' '.join(module_args)}",
                              line.rstrip("\n")) + "\n"
            lines.append(line)
    return "".join(lines)


@pytest.fixture
def motd_file():
    """Remove /run/motd.dynamic after the test unless it existed before,
    because pam_motd in Debian's session stack writes it at each login."""
    path = "/run/motd.dynamic"
    existed = os.path.lexists(path)
    yield path
    if not existed and os.path.lexists(path):
        os.unlink(path)


def shipped_drop_in(workdir, group):
    """Write config/sshd_config.d-pam_sso.conf to WORKDIR with GROUP in
    place of the pam-sso group, and return its path."""
    with open(SHIPPED_SSHD_DROP_IN, encoding="utf-8") as f:
        text = f.read()
    assert text.count("\nAllowGroups pam-sso\n") == 1
    path = os.path.join(workdir, "sshd_config.d-pam_sso.conf")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace("\nAllowGroups pam-sso\n", f"\nAllowGroups {group}\n"))
    return path


@pytest.mark.session_logout
def test_shipped_config_logs_in_and_out(portal, sshd, ssh, user, public_dir, workdir,
                                        motd_file):
    state_dir = os.path.join(public_dir, "state")
    service = shipped_pam_service(*logout_args(portal, state_dir))
    assert service.count(MODULE) == 2
    # The user's own group replaces pam-sso.
    sshd.start(service, sshd_drop_in=shipped_drop_in(workdir, user.name))

    result = ssh.run(user, TOKEN, "env")

    assert result.returncode == 0, report(result, sshd)
    assert result.prompts == [f"({user.name}@127.0.0.1) {PROMPT}"]
    session = session_env(result)
    assert_exported(session, standard_scenario(), TOKEN, ACCOUNT_A, "ReadOnly")
    assert "PAM_SSO_STATE" not in session.env
    assert sshd.wait_idle() == []
    assert [r["token"] for r in logouts(portal)] == [TOKEN]
    assert state_files(state_dir) == []


def test_shipped_config_keeps_other_accounts_out(portal, sshd, ssh, user, other_user,
                                                 workdir, motd_file):
    """An account outside the AllowGroups group gets sshd's junk reply in
    place of its token, so no token of its user reaches the portal."""
    service = shipped_pam_service(*portal_args(portal, "allow=*:*"))
    sshd.start(service, sshd_drop_in=shipped_drop_in(workdir, user.name))

    result = ssh.run(other_user, TOKEN, "true")

    assert result.returncode == 255
    assert stderr_lines(result) == [REJECTED, permission_denied(other_user)]
    assert sshd.wait_idle() == []
    assert f"User {other_user.name} from 127.0.0.1 not allowed because" in sshd.log()
    assert ops(portal) == []
