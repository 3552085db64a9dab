"""Fixtures for driving pam_sso through the real Linux-PAM library.

Each login runs tests/pam_driver (a small PAM application) under
pam_wrapper, which points libpam at service files written by the test and
captures pam_syslog output on stderr.  The portal is the HTTPS mock in
tests/mock_portal, started per test on 127.0.0.1.

The build tree is PAM_SSO_BUILD_DIR, or build/ under the repository.
"""

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests", "mock_portal"))
sys.path.insert(0, os.path.join(REPO, "tests"))

from portal_server import MockPortal  # noqa: E402
# Re-exported for the tests, which import them from conftest.  Importing
# certdir registers the fixture.
from sso_fixtures import (ACCOUNT_A, ACCOUNT_B, ACCOUNT_C, EXPIRATION_MS,  # noqa: E402,F401
                          OTHER_TOKEN, SECRET_PREFIXES, TOKEN, account, certdir,
                          credentials, portal_args, role_credentials,
                          standard_scenario)

BUILD = os.environ.get("PAM_SSO_BUILD_DIR", os.path.join(REPO, "build"))
MODULE = os.path.join(BUILD, ".libs", "pam_sso.so")
DRIVER = os.path.join(BUILD, "tests", "pam_driver")
WRAPPER_MODULES = "/usr/lib/x86_64-linux-gnu/pam_wrapper"
SERVICE = "pam_sso_test"

# PAM return codes (security/_pam_types.h).
PAM_SUCCESS = 0
PAM_SERVICE_ERR = 3
PAM_PERM_DENIED = 6
PAM_AUTH_ERR = 7
PAM_AUTHINFO_UNAVAIL = 9
PAM_CONV_ERR = 19
PAM_IGNORE = 25

def assert_no_secret_output(login, tokens):
    """Check that the module's syslog lines and conversation messages carry
    no token and no secret made by credentials().  Run for every login, so
    the whole suite checks it.  pam_wrapper's own trace prints pam_putenv
    arguments, so only the module's output is searched."""
    output = "\n".join(login.logs + login.prompts + login.infos + login.errors)
    for prefix in SECRET_PREFIXES:
        assert prefix not in output
    for token in tokens:
        text = token.decode("utf-8", "replace") if isinstance(token, bytes) else token
        # Very short junk answers could match ordinary words by chance.
        if len(text) >= 12:
            assert text not in output


@dataclass
class Login:
    """What one run of the PAM driver produced."""
    returncode: int
    steps: dict
    env: dict
    prompts: list
    infos: list
    errors: list
    logs: list
    stdout: str
    stderr: str
    seconds: float
    log_priorities: list = field(default_factory=list)
    fail_delays: list = field(default_factory=list)

    def step(self, name):
        return self.steps.get(name)


SYSLOG_LINE = re.compile(r"SYSLOG\((\d+)\): (.*)$")


def parse_driver_output(stdout, stderr, returncode, seconds):
    steps, env, prompts, infos, errors, logs, priorities = {}, {}, [], [], [], [], []
    fail_delays = []
    for line in stdout.splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "STEP":
            name, code, _ = rest.split(" ", 2)
            steps[name] = int(code)
        elif kind == "ENV":
            name, _, value = rest.partition("=")
            env[name] = value
        elif kind == "PROMPT":
            prompts.append(rest)
        elif kind == "INFO":
            infos.append(rest)
        elif kind == "ERROR":
            errors.append(rest)
        elif kind == "FAIL_DELAY":
            status, usec = rest.split(" ")
            fail_delays.append((int(status), int(usec)))
    for line in stderr.splitlines():
        match = SYSLOG_LINE.search(line)
        if match:
            priorities.append(int(match.group(1)))
            logs.append(match.group(2))
    return Login(returncode, steps, env, prompts, infos, errors, logs, stdout, stderr,
                 seconds, priorities, fail_delays)


class PamRunner:
    """Writes service files and runs the PAM driver against them."""

    def __init__(self, tmp_path):
        self.service_dir = tmp_path / "pam.d"
        self.service_dir.mkdir()
        self.tmp_path = tmp_path

    def service(self, text, name=SERVICE):
        """Write service NAME; '{module}' and '{wrapper}' are replaced by the
        module's path and pam_wrapper's helper module folder."""
        body = text.format(module=MODULE, wrapper=WRAPPER_MODULES)
        (self.service_dir / name).write_text(body)

    def auth_service(self, *arguments, name=SERVICE):
        """A service with pam_sso alone in the auth and session stacks."""
        args = " ".join(arguments)
        self.service(f"auth required {{module}} {args}\n"
                     f"account required pam_permit.so\n"
                     f"session required {{module}} {args}\n", name=name)

    def command(self, token=TOKEN, user="alice", steps="auth,setcred,open",
                extra_args=(), env=None, service=SERVICE):
        """The driver's argument list and environment.  TOKEN answers the
        prompts: a string or bytes, a list of them (one per prompt), or None
        for no answer."""
        tokens = token if isinstance(token, list) else [token]
        args = [DRIVER, "--service", service, "--user", user, "--steps", steps,
                "--rhost", "192.0.2.10", "--tty", "ssh"]
        for index, answer in enumerate(t for t in tokens if t is not None):
            if isinstance(answer, str):
                answer = answer.encode()
            path = self.tmp_path / f"token.{index}"
            path.write_bytes(answer)
            args += ["--token-file", str(path)]
        args += list(extra_args)
        run_env = {
            "PATH": "/usr/bin:/bin",
            # PAM_SSO_TEST_PRELOAD puts a sanitizer runtime first, for a
            # build with -fsanitize.
            "LD_PRELOAD": " ".join(filter(None, [os.environ.get("PAM_SSO_TEST_PRELOAD"),
                                                 "libpam_wrapper.so"])),
            "PAM_WRAPPER": "1",
            "PAM_WRAPPER_SERVICE_DIR": str(self.service_dir),
            "PAM_WRAPPER_DEBUGLEVEL": "3",
        }
        for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "UID_WRAPPER_DISABLE_DEEPBIND"):
            if name in os.environ:
                run_env[name] = os.environ[name]
        run_env.update(env or {})
        return args, run_env

    def run(self, token=TOKEN, user="alice", steps="auth,setcred,open",
            extra_args=(), env=None, service=SERVICE, timeout=90):
        """Run the driver to its end and check its output for secrets."""
        args, run_env = self.command(token, user, steps, extra_args, env, service)
        started = time.monotonic()
        done = subprocess.run(args, env=run_env, capture_output=True, timeout=timeout)
        seconds = time.monotonic() - started
        return self.finish(done.stdout, done.stderr, done.returncode, seconds, token)

    def start(self, token=TOKEN, user="alice", steps="auth,setcred,open,pause",
              extra_args=(), env=None, service=SERVICE):
        """Start the driver in the background; its "pause" step waits until
        its standard input is closed.  Hand the process to finish_started."""
        args, run_env = self.command(token, user, steps, extra_args, env, service)
        return subprocess.Popen(args, env=run_env, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def finish_started(self, process, token=TOKEN, timeout=90):
        """Close the driver's standard input and collect what it printed."""
        started = time.monotonic()
        stdout, stderr = process.communicate(input=b"", timeout=timeout)
        return self.finish(stdout, stderr, process.returncode,
                           time.monotonic() - started, token)

    @staticmethod
    def finish(stdout, stderr, returncode, seconds, token):
        tokens = token if isinstance(token, list) else [token]
        login = parse_driver_output(stdout.decode("utf-8", "replace"),
                                    stderr.decode("utf-8", "replace"),
                                    returncode, seconds)
        assert_no_secret_output(login, [t for t in tokens if t])
        return login


@pytest.fixture
def pam(tmp_path):
    if not os.path.exists(MODULE) or not os.path.exists(DRIVER):
        pytest.fail(f"build the module and tests/pam_driver first ({BUILD})")
    return PamRunner(tmp_path)


@pytest.fixture
def portal(certdir, tmp_path):
    """A running mock portal with the standard scenario."""
    server = MockPortal(standard_scenario(), certdir, str(tmp_path / "portal"))
    server.start()
    yield server
    server.stop()
