"""Logins through the real /usr/bin/su (util-linux) under pam_wrapper.

The tests run as root.  su is setuid root, but with real and effective
user id both 0 the dynamic loader is not in secure-execution mode and
honours LD_PRELOAD=libpam_wrapper.so.  su then reads the test's service
files "su" (su USER) and "su-l" (su -l USER) instead of /etc/pam.d.
Each test creates a throwaway local user and answers the token prompt on
a pseudo-terminal, as a person at a terminal would.

util-linux 2.38 su calls pam_authenticate, pam_acct_mgmt,
pam_setcred(PAM_ESTABLISH_CRED) and pam_open_session in the parent.  The
forked child changes to the target user, copies the PAM environment into
its own and runs the shell.  After the shell exits, the parent calls
pam_close_session and pam_setcred(PAM_DELETE_CRED).
"""

import errno
import fcntl
import os
import pathlib
import pwd
import re
import secrets
import select
import shutil
import signal
import subprocess
import tempfile
import termios
import time
from dataclasses import dataclass

import pytest

from conftest import (ACCOUNT_A, MODULE, SECRET_PREFIXES, TOKEN, VALGRIND, PamRunner,
                      portal_args, standard_scenario)
from sso_fixtures import ops_after_listing
from test_login import assert_exported

# su is not built with the sanitizers, and ASan's runtime refuses to start
# unless it comes first in the initial library list, so the sanitizer
# build's module cannot load into su.  Preloading the runtime into su would
# hand it on to the user's shell with LD_PRELOAD.  The driver tests make
# su's sequence of PAM calls (auth, setcred, open, close, delcred) in those
# passes instead, test_delete_cred_removes_credentials for one.
pytestmark = [
    pytest.mark.skipif(bool(os.environ.get("PAM_SSO_TEST_PRELOAD")),
                       reason="su cannot load the sanitizer build's module"),
    pytest.mark.skipif(VALGRIND, reason="su does not run under valgrind"),
]

SU = "/usr/bin/su"
PROMPT = "AWS SSO access token: "
REGION = "eu-central-1"

# Accepted by the portal's token syntax check but unknown to the mock
# portal, which returns 401 for it.
REJECTED_TOKEN = "aoaCCCCCGd" + "UmVqZWN0ZWRUb2tlbg" * 10

# Seconds one su run may take, prompt and shell included.  A longer run is
# stopped and fails the test.
SU_TIMEOUT = 30

ENV_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
SYSLOG_LINE = re.compile(r"SYSLOG\((\d+)\): (.*)$")


@dataclass
class SuRun:
    """What one su run wrote to its terminal."""
    returncode: int
    output: str
    lines: list
    env: dict
    prompts: int

    def syslog(self):
        """Return the pam_syslog messages that pam_wrapper printed, in order."""
        return [match.group(2) for match in map(SYSLOG_LINE.search, self.lines) if match]


def parse_terminal(returncode, raw):
    text = raw.decode("utf-8", "replace").replace("\r\n", "\n")
    lines = text.split("\n")
    env = {}
    for line in lines:
        match = ENV_LINE.match(line)
        if match:
            env[match.group(1)] = match.group(2)
    return SuRun(returncode, text, lines, env, text.count(PROMPT))


def take_terminal():
    """Make the pseudo-terminal on standard input the controlling terminal
    of the new session, as getty or sshd would before starting a shell."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def stop(process):
    """End su and its shell.  Once the shell runs, su passes SIGTERM on to
    it and sends SIGKILL two seconds later.  Before that, SIGTERM ends su at
    once, so SIGKILL from here is only the last resort."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def run_su(service_dir, args, answer, extra_env=None):
    """Run su ARGS on a new pseudo-terminal and answer the token prompt
    with ANSWER once it appears.  Returns a SuRun."""
    env = {
        "PATH": "/usr/bin:/bin",
        "TERM": "dumb",
        "LC_ALL": "C",
        "LD_PRELOAD": "libpam_wrapper.so",
        "PAM_WRAPPER": "1",
        "PAM_WRAPPER_SERVICE_DIR": str(service_dir),
        # Level 2 prints pam_syslog messages, but not pam_wrapper's trace,
        # which would print PAM_AUTHTOK and every pam_putenv value.
        "PAM_WRAPPER_DEBUGLEVEL": "2",
    }
    env.update(extra_env or {})
    master, slave = os.openpty()
    started = time.monotonic()
    try:
        process = subprocess.Popen([SU, *args], stdin=slave, stdout=slave, stderr=slave,
                                   env=env, cwd="/", start_new_session=True,
                                   preexec_fn=take_terminal)
    except BaseException:
        os.close(master)
        raise
    finally:
        os.close(slave)

    raw = bytearray()
    answered = False
    try:
        deadline = started + SU_TIMEOUT
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pytest.fail(f"su did not finish within {SU_TIMEOUT} s; terminal output:\n"
                            + raw.decode("utf-8", "replace"))
            ready, _, _ = select.select([master], [], [], min(remaining, 0.5))
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError as error:
                    # Linux returns EIO once every process has closed the terminal.
                    if error.errno != errno.EIO:
                        raise
                    break
                if not chunk:
                    break
                raw += chunk
            if not answered and PROMPT.encode() in raw:
                os.write(master, answer.encode() + b"\n")
                answered = True
        returncode = process.wait(timeout=max(deadline - time.monotonic(), 1))
    finally:
        os.close(master)
        if process.poll() is None:
            stop(process)
        remove_wrapper_dirs(pid=process.pid)

    run = parse_terminal(returncode, bytes(raw))
    for line in run.syslog():
        for prefix in SECRET_PREFIXES:
            assert prefix not in line
    return run


def wrapper_dirs():
    """Return pam_wrapper's runtime directories: /tmp/pam. plus one letter
    or digit."""
    return [os.path.join("/tmp", name) for name in os.listdir("/tmp")
            if re.fullmatch(r"pam\.[0-9A-Za-z]", name)]


def remove_wrapper_dirs(pid=None, uid=None):
    """Remove the runtime directories that pam_wrapper left behind for
    process PID or for processes of user UID.

    Every process that starts with LD_PRELOAD=libpam_wrapper.so creates such
    a directory and removes it in its exit handler.  A process that ends in
    exec or is killed never runs that handler.  Under su without -l the
    target user's shell inherits LD_PRELOAD, so its directory stays behind."""
    for path in wrapper_dirs():
        try:
            info = os.lstat(path)
            with open(os.path.join(path, "pid")) as handle:
                owner_pid = handle.read().strip()
        except FileNotFoundError:
            continue
        if (uid is not None and info.st_uid == uid) or (pid is not None
                                                        and owner_pid == str(pid)):
            shutil.rmtree(path, ignore_errors=True)


def kill_user_processes(uid):
    """SIGKILL every process of the throwaway user UID, one pid at a time."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            owner = os.stat(f"/proc/{entry}").st_uid
        except FileNotFoundError:
            continue
        if owner == uid:
            try:
                os.kill(int(entry), signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture
def su_user():
    """Create a throwaway local user with a home directory and /bin/sh, and
    remove it afterwards."""
    name = "pamsso-su-" + secrets.token_hex(4)
    subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", name],
                   check=True, capture_output=True)
    entry = pwd.getpwnam(name)
    try:
        yield entry
    finally:
        kill_user_processes(entry.pw_uid)
        remove_wrapper_dirs(uid=entry.pw_uid)
        done = subprocess.run(["userdel", "--remove", name], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


@pytest.fixture
def su_pam():
    """Yield a PamRunner whose service directory every user can read.

    Without -l, su hands the caller's environment, LD_PRELOAD included, to
    the target user's shell.  pam_wrapper then starts in that shell too and
    copies PAM_WRAPPER_SERVICE_DIR, and when it cannot read the directory it
    ends the shell with exit code 1 before the command runs.  pytest's
    tmp_path is readable by root only, so the services live elsewhere."""
    if not os.path.exists(MODULE):
        pytest.fail(f"build the module first ({MODULE})")
    base = tempfile.mkdtemp(prefix="pamsso-su-services-")
    os.chmod(base, 0o755)
    try:
        yield PamRunner(pathlib.Path(base))
    finally:
        shutil.rmtree(base)


@pytest.fixture
def su_services(su_pam, portal, su_user):
    """Write the su and su-l services, and a deny-all "other" service as on
    Debian, which libpam reads for any service without a file.  The token
    belongs to the target user: the scenario makes su_user its Identity
    Center user name, and its STS expects requests signed for REGION."""
    scenario = standard_scenario()
    scenario["tokens"][TOKEN]["user_name"] = su_user.pw_name
    scenario["sts_region"] = REGION
    portal.update_scenario(scenario)

    def write(*extra):
        args = portal_args(portal, "allow=*:ReadOnly", f"aws_region={REGION}", *extra)
        su_pam.auth_service(*args, name="su")
        su_pam.auth_service(*args, name="su-l")
        su_pam.service("auth required pam_deny.so\n"
                       "account required pam_deny.so\n"
                       "password required pam_deny.so\n"
                       "session required pam_deny.so\n", name="other")
        return su_pam.service_dir
    return write


def assert_region_exported(run):
    assert run.env["AWS_REGION"] == REGION
    assert run.env["AWS_DEFAULT_REGION"] == REGION


def test_su_exports_credentials_to_shell(su_services, su_user, portal):
    service_dir = su_services()

    run = run_su(service_dir, [su_user.pw_name, "-c", "env"], TOKEN)

    assert run.returncode == 0, run.output
    assert run.prompts == 1
    assert TOKEN not in run.output
    assert_exported(run, standard_scenario(), TOKEN, ACCOUNT_A, "ReadOnly")
    assert_region_exported(run)
    assert run.env["USER"] == su_user.pw_name
    assert run.env["HOME"] == su_user.pw_dir
    # The number of role listings varies: the module drops those that can
    # no longer change its choice.
    assert ops_after_listing(portal) == ["GetRoleCredentials", "GetCallerIdentity"]
    assert {r["token"] for r in portal.requests() if r["sts"] is None} == {TOKEN}


def test_su_keeps_caller_environment(su_services, su_user):
    """Without -l, su passes the caller's environment on to the shell,
    pam_wrapper's LD_PRELOAD included."""
    service_dir = su_services()

    run = run_su(service_dir, [su_user.pw_name, "-c", "env"], TOKEN,
                 extra_env={"PAMSSO_CALLER_MARK": "kept"})

    assert run.returncode == 0, run.output
    assert run.env["PAMSSO_CALLER_MARK"] == "kept"
    assert run.env["LD_PRELOAD"] == "libpam_wrapper.so"


def test_su_replaces_caller_credentials(su_services, su_user):
    """Stale credentials in the caller's environment must not survive into
    the shell next to the new ones, because su copies the PAM environment
    last."""
    service_dir = su_services()
    stale = {
        "AWS_ACCESS_KEY_ID": "ASIASTALECALLERKEY",
        "AWS_SECRET_ACCESS_KEY": "stale-caller-secret",
        "AWS_SESSION_TOKEN": "stale-caller-session",
        "AWS_SECURITY_TOKEN": "stale-caller-security",
        "AWS_CREDENTIAL_EXPIRATION": "2000-01-01T00:00:00Z",
        "AWS_REGION": "us-west-2",
    }

    run = run_su(service_dir, [su_user.pw_name, "-c", "env"], TOKEN, extra_env=stale)

    assert run.returncode == 0, run.output
    assert_exported(run, standard_scenario(), TOKEN, ACCOUNT_A, "ReadOnly")
    assert_region_exported(run)
    for value in stale.values():
        assert value not in run.output


def test_su_login_shell_exports_credentials(su_services, su_user, portal):
    """su -l clears the caller's environment, then adds the PAM
    environment, and the login shell reads /etc/profile."""
    service_dir = su_services()

    run = run_su(service_dir, ["-l", su_user.pw_name, "-c", "env"], TOKEN,
                 extra_env={"PAMSSO_CALLER_MARK": "dropped"})

    assert run.returncode == 0, run.output
    assert run.prompts == 1
    assert TOKEN not in run.output
    assert_exported(run, standard_scenario(), TOKEN, ACCOUNT_A, "ReadOnly")
    assert_region_exported(run)
    assert run.env["USER"] == su_user.pw_name
    assert run.env["PWD"] == su_user.pw_dir
    assert "PAMSSO_CALLER_MARK" not in run.env
    assert "LD_PRELOAD" not in run.env
    assert "PAM_WRAPPER" not in run.env
    assert ops_after_listing(portal) == ["GetRoleCredentials", "GetCallerIdentity"]


def test_su_login_uses_su_l_service(su_services, su_user, portal):
    """su -l reads the service "su-l", not "su".  With only "su" written,
    libpam falls back to the deny-all "other", so pam_sso never runs."""
    service_dir = su_services()
    (service_dir / "su-l").unlink()

    run = run_su(service_dir, ["-l", su_user.pw_name, "-c", "env"], TOKEN)

    assert run.returncode == 1
    assert run.prompts == 0
    assert "su: Authentication failure" in run.lines
    assert portal.requests() == []


def test_su_pam_call_order(su_services, su_user):
    """su establishes credentials before it opens the session, runs the
    shell, then closes the session and deletes the credentials."""
    service_dir = su_services("debug")

    run = run_su(service_dir, [su_user.pw_name, "-c", "env"], TOKEN)

    assert run.returncode == 0, run.output
    steps = [line for line in run.syslog()
             if re.match(r"(setcred|open_session|close_session): ", line)]
    assert steps == ["setcred: pam_sso login", "open_session: pam_sso login",
                     "close_session: pam_sso login", "setcred: credentials removed"]
    decisions = [line for line in run.syslog() if line.startswith("authentication ")]
    assert len(decisions) == 1
    assert decisions[0].startswith(f"authentication succeeded: user={su_user.pw_name} ")
    assert " tty=/dev/pts/" in decisions[0]

    # The shell's output lies between opening and closing the session.
    opened = run.output.index("open_session: pam_sso login")
    shell = run.output.index("AWS_ACCESS_KEY_ID=")
    closed = run.output.index("close_session: pam_sso login")
    assert opened < shell < closed


def test_su_rejected_token_runs_no_shell(su_services, su_user, portal):
    service_dir = su_services()

    run = run_su(service_dir, [su_user.pw_name, "-c", "env"], REJECTED_TOKEN)

    assert run.returncode == 1
    assert run.prompts == 1
    assert REJECTED_TOKEN not in run.output
    terminal = [line for line in run.lines if line and not line.startswith("PWRAP_")]
    assert terminal == [PROMPT, "The SSO access token was rejected.",
                        "su: Authentication failure"]
    assert run.env == {}
    assert [r["op"] for r in portal.requests()] == ["ListAccounts"]
    assert portal.requests()[0]["token"] == REJECTED_TOKEN
