"""Run tests/pam_driver under pam_wrapper and measure what one run costs.

pam_wrapper (LD_PRELOAD=libpam_wrapper.so, PAM_WRAPPER=1) points the real
libpam at a service folder of the benchmark's own, as the PAM integration
tests do.
"""

import os
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass

SERVICE = "pam_sso_bench"
STEPS = ("auth", "setcred", "open")
# GNU time (Debian's "time" package) reports the driver's ru_maxrss.
GNU_TIME = "/usr/bin/time"


class DriverError(RuntimeError):
    """Raised when a pam_driver run fails or does not finish in time."""


@dataclass
class DriverRun:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    cpu_seconds: float  # user + system time of the driver and GNU time
    max_rss_kib: int    # ru_maxrss of the driver

    def step_codes(self):
        codes = {}
        for line in self.stdout.splitlines():
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[0] == "STEP":
                codes[parts[1]] = int(parts[2])
        return codes

    def succeeded(self):
        codes = self.step_codes()
        return self.returncode == 0 and all(codes.get(step) == 0 for step in STEPS)

    def describe(self):
        return (f"pam_driver exited with {self.returncode}\n"
                f"stdout:\n{self.stdout}\nstderr:\n{self.stderr}")


def kill_group_after(process, seconds):
    """Start a timer that kills PROCESS's process group after SECONDS.
    Cancel it once the process has ended."""
    def kill():
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(seconds, kill)
    timer.daemon = True
    timer.start()
    return timer


class PamDriver:
    """Writes the benchmark's PAM service and runs logins through it."""

    def __init__(self, build_dir, workdir):
        # libpam looks for a relative module path under /lib/security.
        build_dir = os.path.abspath(build_dir)
        self.module = os.path.join(build_dir, ".libs", "pam_sso.so")
        self.program = os.path.join(build_dir, "tests", "pam_driver")
        for path in (self.module, self.program):
            if not os.path.exists(path):
                raise DriverError(f"{path} not found; run scripts/build first")
        if not os.access(GNU_TIME, os.X_OK):
            raise DriverError(f"{GNU_TIME} not found; install Debian's time package")
        self.workdir = workdir
        self.service_dir = os.path.join(workdir, "pam.d")
        os.makedirs(self.service_dir, exist_ok=True)

    def configure(self, arguments):
        """Write the service with pam_sso and ARGUMENTS in the auth stack,
        which pam_setcred also runs, and in the session stack."""
        line = " ".join([self.module] + list(arguments))
        with open(os.path.join(self.service_dir, SERVICE), "w", encoding="ascii") as f:
            f.write(f"auth required {line}\n"
                    f"session required {line}\n")

    def configure_without_module(self):
        """Write the service with pam_permit.so in place of pam_sso, to time
        the driver, pam_wrapper and libpam alone."""
        with open(os.path.join(self.service_dir, SERVICE), "w", encoding="ascii") as f:
            f.write("auth required pam_permit.so\n"
                    "session required pam_permit.so\n")

    def token_file(self, name, token):
        path = os.path.join(self.workdir, f"token.{name}")
        with open(path, "w", encoding="ascii") as f:
            f.write(token)
        return path

    def command(self, token_path, repeat=1):
        command = [self.program, "--service", SERVICE, "--user", "alice",
                   "--rhost", "127.0.0.1", "--tty", "ssh", "--mask",
                   "--token-file", token_path, "--steps", ",".join(STEPS)]
        if repeat > 1:
            command += ["--repeat", str(repeat)]
        return command

    def environment(self, extra=None):
        # A fresh environment, so no proxy variable reaches libcurl.
        env = {
            "PATH": "/usr/bin:/bin",
            "LD_PRELOAD": "libpam_wrapper.so",
            "PAM_WRAPPER": "1",
            "PAM_WRAPPER_SERVICE_DIR": self.service_dir,
        }
        env.update(extra or {})
        return env

    def run(self, token_path, timeout):
        """Run one login and return a DriverRun with its resource usage.

        The driver runs as a child of GNU time.  A process forked from this
        Python process keeps Python's peak RSS as its ru_maxrss across exec,
        but one forked from GNU time starts from GNU time's, about 1 MiB.
        The CPU time comes from wait4 on GNU time, whose rusage includes the
        driver, because GNU time prints it in 10 ms steps only.
        """
        with tempfile.NamedTemporaryFile() as rss, tempfile.TemporaryFile() as out, \
                tempfile.TemporaryFile() as err:
            command = [GNU_TIME, "--format=%M", f"--output={rss.name}"]
            command += self.command(token_path)
            started = time.perf_counter()
            process = subprocess.Popen(command, env=self.environment(),
                                       stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                       start_new_session=True)
            timer = kill_group_after(process, timeout)
            try:
                # wait4 returns the rusage of this one child; RUSAGE_CHILDREN
                # would also count the mock portal once it ends.
                _, status, usage = os.wait4(process.pid, 0)
            finally:
                timer.cancel()
            seconds = time.perf_counter() - started
            process.returncode = os.waitstatus_to_exitcode(status)
            if process.returncode == -signal.SIGKILL:
                raise DriverError(f"pam_driver did not finish within {timeout} s")

            out.seek(0)
            err.seek(0)
            # GNU time writes "Command exited with non-zero status N" first
            # when the driver fails.
            words = rss.read().decode("ascii", "replace").split()
            return DriverRun(
                returncode=process.returncode,
                stdout=out.read().decode("utf-8", "replace"),
                stderr=err.read().decode("utf-8", "replace"),
                seconds=seconds,
                cpu_seconds=usage.ru_utime + usage.ru_stime,
                max_rss_kib=int(words[-1]) if words and words[-1].isdigit() else 0,
            )
