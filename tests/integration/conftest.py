"""Fixtures for driving pam_sso through the real Linux-PAM library.

Each login runs tests/pam_driver (a small PAM application) under
pam_wrapper, which points libpam at service files written by the test and
captures pam_syslog output on stderr.  The portal is the HTTPS mock in
tests/mock_portal, started per test on 127.0.0.1.

The build tree is PAM_SSO_BUILD_DIR, or build/ under the repository.

Every login fails its test when the driver's standard error carries an
AddressSanitizer, LeakSanitizer or UndefinedBehaviorSanitizer report, which
only a build with --enable-sanitizers produces.  With
PAM_SSO_TEST_VALGRIND=1 each driver runs under valgrind's memcheck, and a
login fails its test when any of its processes, forked children included,
reports a memory error or a definite leak.
"""

import itertools
import os
import pathlib
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

VALGRIND = os.environ.get("PAM_SSO_TEST_VALGRIND") == "1"
# Distinct from the driver's own exit codes 0, 1 and 2.
VALGRIND_ERROR_EXITCODE = 99
VALGRIND_SUPPRESSIONS = os.path.join(REPO, "tests", "valgrind.supp")
LSAN_SUPPRESSIONS = os.path.join(REPO, "tests", "lsan.supp")

# The first line of each sanitizer report: ASan and LSan print
# "==PID==ERROR: AddressSanitizer: ..." and UBSan "FILE:LINE:COLUMN: runtime
# error: ...".
SANITIZER_REPORT = re.compile(
    r"^==\d+==ERROR: (AddressSanitizer|LeakSanitizer)|: runtime error: ", re.MULTILINE)

# PAM return codes (security/_pam_types.h).
PAM_SUCCESS = 0
PAM_SERVICE_ERR = 3
PAM_PERM_DENIED = 6
PAM_AUTH_ERR = 7
PAM_AUTHINFO_UNAVAIL = 9
PAM_CONV_ERR = 19
PAM_IGNORE = 25

def valgrind_command(log_dir):
    """Return the valgrind command line that runs the driver under memcheck.

    Each process writes its own log, LOG_DIR/PID.log, because the forkauth
    step forks and the child stays under valgrind without
    --trace-children.  Only definite leaks count as errors, because
    libcurl, OpenSSL and pam_wrapper keep process-wide state that is still
    reachable at exit."""
    return ["valgrind", "--tool=memcheck",
            f"--error-exitcode={VALGRIND_ERROR_EXITCODE}",
            "--leak-check=full", "--show-leak-kinds=definite",
            "--errors-for-leak-kinds=definite",
            f"--suppressions={VALGRIND_SUPPRESSIONS}",
            "--num-callers=40", f"--log-file={log_dir}/%p.log"]


def assert_no_valgrind_errors(log_dir, returncode):
    """Fail when a valgrind log in LOG_DIR reports an error or a definite
    leak, or lacks the closing summary because its process crashed or was
    killed."""
    logs = sorted(pathlib.Path(log_dir).glob("*.log"))
    assert logs, f"valgrind wrote no log to {log_dir}"
    for log in logs:
        text = log.read_text(errors="replace")
        summary = re.search(r"ERROR SUMMARY: (\d+) errors", text)
        assert summary is not None, \
            f"process {log.stem} ended before valgrind's summary:\n{text}"
        assert summary.group(1) == "0", \
            f"valgrind reported errors in process {log.stem}:\n{text}"
    assert returncode != VALGRIND_ERROR_EXITCODE, \
        f"valgrind exited with its error exit code {returncode}"


def assert_no_sanitizer_report(stderr):
    """Fail when the driver's standard error carries a sanitizer report."""
    match = SANITIZER_REPORT.search(stderr)
    assert match is None, "sanitizer report on the driver's standard error:\n" \
        + stderr[max(0, match.start() - 200):]


def assert_memory_clean(stderr, returncode, valgrind_dir):
    """Fail on a sanitizer report in STDERR, or on valgrind errors logged in
    VALGRIND_DIR unless it is None."""
    assert_no_sanitizer_report(stderr)
    if valgrind_dir is not None:
        assert_no_valgrind_errors(valgrind_dir, returncode)


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
        # Numbers each command's files, so that drivers started at the same
        # time, from threads too, read their own token files and write their
        # own valgrind logs.  next() on a count is atomic in CPython.
        self.numbers = itertools.count(1)

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
        """Return the driver's argument list and environment.  TOKEN answers
        the prompts: a string or bytes, a list of them (one per prompt), or
        None for no answer.  Under PAM_SSO_TEST_VALGRIND=1 the list starts
        with valgrind."""
        args, run_env, _ = self.prepare(token, user, steps, extra_args, env, service)
        return args, run_env

    def prepare(self, token, user, steps, extra_args, env, service):
        """Write the token files and return the driver's argument list, its
        environment and the folder for its valgrind logs (None without
        valgrind)."""
        number = next(self.numbers)
        tokens = token if isinstance(token, list) else [token]
        args = [DRIVER, "--service", service, "--user", user, "--steps", steps,
                "--rhost", "192.0.2.10", "--tty", "ssh"]
        for index, answer in enumerate(t for t in tokens if t is not None):
            if isinstance(answer, str):
                answer = answer.encode()
            path = self.tmp_path / f"token.{number}.{index}"
            path.write_bytes(answer)
            args += ["--token-file", str(path)]
        args, valgrind_dir = self.under_valgrind(args + list(extra_args))
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
        for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS",
                     "UID_WRAPPER_DISABLE_DEEPBIND"):
            if name in os.environ:
                run_env[name] = os.environ[name]
        if os.environ.get("PAM_SSO_TEST_PRELOAD"):
            run_env["LSAN_OPTIONS"] = ":".join(filter(None, [
                run_env.get("LSAN_OPTIONS"), f"suppressions={LSAN_SUPPRESSIONS}",
                "print_suppressions=0"]))
        if VALGRIND:
            # pam_wrapper 1.1.4 opens libpam with RTLD_DEEPBIND unless this
            # is set, and code bound that way calls libc's malloc instead of
            # memcheck's replacement.
            run_env["UID_WRAPPER_DISABLE_DEEPBIND"] = "1"
        run_env.update(env or {})
        return args, run_env, valgrind_dir

    def under_valgrind(self, args):
        """Return ARGS, with valgrind in front under PAM_SSO_TEST_VALGRIND=1,
        and the new folder for its logs (None without valgrind)."""
        if not VALGRIND:
            return args, None
        valgrind_dir = self.tmp_path / f"valgrind.{next(self.numbers)}"
        valgrind_dir.mkdir()
        return valgrind_command(valgrind_dir) + args, valgrind_dir

    def run(self, token=TOKEN, user="alice", steps="auth,setcred,open",
            extra_args=(), env=None, service=SERVICE, timeout=90):
        """Run the driver to its end and check its output for secrets and
        memory errors."""
        args, run_env, valgrind_dir = self.prepare(token, user, steps, extra_args, env,
                                                   service)
        started = time.monotonic()
        done = subprocess.run(args, env=run_env, capture_output=True, timeout=timeout)
        seconds = time.monotonic() - started
        return self.finish(done.stdout, done.stderr, done.returncode, seconds, token,
                           valgrind_dir)

    def start(self, token=TOKEN, user="alice", steps="auth,setcred,open,pause",
              extra_args=(), env=None, service=SERVICE):
        """Start the driver in the background; its "pause" step waits until
        its standard input is closed.  Hand the process to finish_started."""
        args, run_env, valgrind_dir = self.prepare(token, user, steps, extra_args, env,
                                                   service)
        process = subprocess.Popen(args, env=run_env, stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        process.valgrind_dir = valgrind_dir
        return process

    def finish_started(self, process, token=TOKEN, timeout=90):
        """Close the driver's standard input and collect what it printed."""
        started = time.monotonic()
        stdout, stderr = process.communicate(input=b"", timeout=timeout)
        return self.finish(stdout, stderr, process.returncode,
                           time.monotonic() - started, token, process.valgrind_dir)

    @staticmethod
    def finish(stdout, stderr, returncode, seconds, token, valgrind_dir=None):
        """Parse the driver's output into a Login.  Fail on a sanitizer
        report, on valgrind errors logged in VALGRIND_DIR, or on secrets in
        the module's output."""
        tokens = token if isinstance(token, list) else [token]
        login = parse_driver_output(stdout.decode("utf-8", "replace"),
                                    stderr.decode("utf-8", "replace"),
                                    returncode, seconds)
        assert_memory_clean(login.stderr, returncode, valgrind_dir)
        assert_no_secret_output(login, [t for t in tokens if t])
        return login


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "timing: uses credentials that expire a few seconds after the "
        "scenario is written, sooner than a login under valgrind ends, so it is "
        "skipped there")
    config.addinivalue_line(
        "markers", "load: many concurrent logins, skipped under valgrind")
    # The valgrind subset: the main successful logins, each kind of
    # refusal, the portal faults once per response type, the session steps
    # with the forked authentication and the parallel role listing.  The
    # rest runs in the normal and the sanitizer pass only, because the
    # whole folder under valgrind took 8 minutes on a 2-core machine, too
    # long for every CI run.
    config.addinivalue_line(
        "markers", "valgrind: in the subset that scripts/test runs under valgrind")


def pytest_collection_modifyitems(config, items):
    """Skip the tests that valgrind's slowdown would break or make too slow
    for CI.  The normal and the sanitizer pass run them."""
    if not VALGRIND:
        return
    reasons = {
        "timing": "its credentials expire before a login under valgrind ends",
        "load": "too slow under valgrind, so the sanitizer pass checks it for leaks",
    }
    for item in items:
        for name, reason in reasons.items():
            if item.get_closest_marker(name) is not None:
                item.add_marker(pytest.mark.skip(reason=reason))


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
