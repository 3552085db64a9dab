"""A real OpenSSH sshd, throwaway local users and the real ssh client, for
end-to-end logins through pam_sso.

SshServer runs /usr/sbin/sshd through a symbolic link whose name is a fresh
PAM service name, because sshd takes its PAM service name from the basename
of argv[0].  Each server writes its own /etc/pam.d file, configuration and
port, listens on 127.0.0.1 only, and allows keyboard-interactive
authentication only.  SshClient runs /usr/bin/ssh against it and answers
the token prompt through an SSH_ASKPASS script that reads a root-only file.

Everything here needs root: it writes /etc/pam.d, runs sshd and adds users.
Every name it creates starts with RESOURCE_PREFIX or USER_PREFIX, so that
find_leftovers() can tell whether a run left anything behind.
"""

import os
import pwd
import re
import secrets
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get("PAM_SSO_BUILD_DIR", os.path.join(REPO, "build"))
MODULE = os.path.join(BUILD, ".libs", "pam_sso.so")

NOT_ROOT_REASON = ("the end-to-end tests need root: they add users, write /etc/pam.d "
                   "and run sshd")

SSHD = "/usr/sbin/sshd"
SSH = "/usr/bin/ssh"
SSH_KEYGEN = "/usr/bin/ssh-keygen"
PAM_DIR = "/etc/pam.d"
# sshd's privilege separation directory (Debian's build), which must exist.
PRIVSEP_DIR = "/run/sshd"
TEMP_DIR = "/tmp"

# Prefix of PAM service names, /etc/pam.d files and temporary directories.
RESOURCE_PREFIX = "pam-sso-e2e-"
# Prefix of throwaway user names (at most 32 characters in all).
USER_PREFIX = "pamsso-e2e-"

# sshd, and so the module inside it, gets this environment and nothing else,
# so that nothing from the test runner's environment can steer a login.
SSHD_ENVIRONMENT = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"}

START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0


def random_suffix():
    return secrets.token_hex(4)


def make_private_dir():
    """Create a temporary directory that only root can enter (mode 0700)."""
    return tempfile.mkdtemp(prefix=RESOURCE_PREFIX, dir=TEMP_DIR)


def make_public_dir():
    """Create a root-owned temporary directory that everyone can list
    (mode 0755)."""
    path = tempfile.mkdtemp(prefix=RESOURCE_PREFIX, dir=TEMP_DIR)
    os.chmod(path, 0o755)
    return path


def write_file(path, text, mode):
    """Create the file PATH with permission bits MODE, then write TEXT to
    it.  The mode applies before the first byte arrives, so a root-only
    file never shows its contents to others.  Fails if PATH exists."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(descriptor, "w", encoding="utf-8") as f:
        f.write(text)


def pam_service(*module_args):
    """Return an sshd PAM service with pam_sso as README.md configures it.
    The auth stack ends in pam_deny when pam_sso fails.  pam_sso is the only
    session module, so its "optional" result still counts (pam.conf(5))."""
    args = " ".join(module_args)
    return ("# Written by the pam_sso end-to-end tests, removed after the test.\n"
            f"auth     [success=1 default=ignore]  {MODULE} {args}\n"
            "auth     requisite                   pam_deny.so\n"
            "auth     required                    pam_permit.so\n"
            "account  required                    pam_unix.so\n"
            f"session  optional                    {MODULE} {args}\n")


# --- processes -------------------------------------------------------------

def process_table():
    """Return {pid: (ppid, uid, state)} for every live process."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", encoding="utf-8", errors="replace") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue        # the process exited meanwhile
        state = fields.get("State", "?").split()[0]
        table[int(entry)] = (int(fields["PPid"]), int(fields["Uid"].split()[0]), state)
    return table


def descendants(pid):
    """Return the pids of PID's live descendants that are not zombies."""
    table = process_table()
    found = []
    parents = {pid}
    while parents:
        children = {p for p, (ppid, _, state) in table.items()
                    if ppid in parents and state != "Z"}
        found.extend(sorted(children))
        parents = children
    return found


def processes_of_uid(uid):
    return sorted(p for p, (_, owner, state) in process_table().items()
                  if owner == uid and state != "Z")


def is_running(pid):
    state = process_table().get(pid)
    return state is not None and state[2] != "Z"


def terminate(pids, timeout=STOP_TIMEOUT):
    """Send SIGTERM to each of PIDS, then SIGKILL to those still running
    after TIMEOUT seconds.  Only for processes that the tests started."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    while any(is_running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in pids:
        if is_running(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


# --- users -----------------------------------------------------------------

@dataclass
class LocalUser:
    """A throwaway local account with a home directory."""
    name: str
    uid: int
    gid: int
    home: str


def create_user():
    """Add a throwaway user with a home directory and /bin/sh as shell.  Its
    password stays locked, so it can log in through pam_sso only."""
    name = USER_PREFIX + random_suffix()
    subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh",
                    "--comment", "pam_sso end-to-end test", name],
                   check=True, capture_output=True, timeout=30)
    entry = pwd.getpwnam(name)
    return LocalUser(name, entry.pw_uid, entry.pw_gid, entry.pw_dir)


def remove_user(user):
    """Stop the user's remaining processes, then remove the user, its group
    and its home directory.  Raises RuntimeError when userdel fails."""
    terminate(processes_of_uid(user.uid))
    done = subprocess.run(["userdel", "--remove", user.name],
                          capture_output=True, text=True, timeout=30)
    # userdel warns about the missing mail spool, which useradd never
    # created, and still exits with 0.
    if done.returncode != 0:
        raise RuntimeError(f"userdel {user.name} failed with status {done.returncode}: "
                           f"{done.stderr.strip()}")


# --- sshd ------------------------------------------------------------------

def make_host_key(directory):
    """Create an ed25519 host key without a passphrase in DIRECTORY and
    return the private key's path."""
    path = os.path.join(directory, "ssh_host_ed25519_key")
    subprocess.run([SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-C", "pam_sso e2e",
                    "-f", path], check=True, capture_output=True, timeout=30)
    return path


def free_port():
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# LogLevel VERBOSE logs each login and its result.  DEBUG3 would also log
# every session environment variable with its value, credentials included.
# The sessions run a command only, so no tty, forwarding or login records.
# sshd keeps the first value it reads for each keyword, so {auth_settings}
# comes first.
SSHD_CONFIG = """\
# Written by the pam_sso end-to-end tests.
{auth_settings}
ListenAddress 127.0.0.1
Port {port}
HostKey {host_key}
PidFile none
LogLevel VERBOSE
PubkeyAuthentication no
AllowUsers {user_prefix}*
PermitTTY no
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
PermitUserEnvironment no
PrintMotd no
PrintLastLog no
UseDNS no
LoginGraceTime 30
MaxAuthTries 2
"""

# The settings that README.md gives for a bastion.
AUTH_SETTINGS = """\
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication no
AuthenticationMethods keyboard-interactive
PermitRootLogin no"""


class SshServer:
    """An sshd whose PAM service is a fresh /etc/pam.d file.

    start() writes the service file, the configuration and the symbolic link
    in WORKDIR, starts sshd and waits until it listens.  stop() removes them
    again.  The PAM service file is world-readable like every file in
    /etc/pam.d, so it must not contain secrets.
    """

    def __init__(self, workdir, host_key):
        self.workdir = workdir
        self.host_key = host_key
        self.service = RESOURCE_PREFIX + random_suffix()
        self.pam_file = os.path.join(PAM_DIR, self.service)
        self.link = os.path.join(workdir, self.service)
        self.config = os.path.join(workdir, "sshd_config")
        self.log_path = os.path.join(workdir, "sshd.log")
        self.port = None
        self._process = None

    def start(self, pam_service_text, sshd_drop_in=None):
        """Write PAM_SERVICE_TEXT as the service file and start sshd.  With
        SSHD_DROP_IN, the path of an sshd_config fragment, the configuration
        includes that file in place of AUTH_SETTINGS."""
        if sshd_drop_in is None:
            auth_settings = AUTH_SETTINGS
        else:
            auth_settings = f"Include {sshd_drop_in}"
        write_file(self.pam_file, pam_service_text, 0o644)
        os.symlink(SSHD, self.link)

        # Another process may take the free port before sshd binds it.
        for _ in range(3):
            self.port = free_port()
            if os.path.exists(self.config):
                os.unlink(self.config)
            text = SSHD_CONFIG.format(auth_settings=auth_settings, port=self.port,
                                      host_key=self.host_key, user_prefix=USER_PREFIX)
            write_file(self.config, text, 0o600)
            if self._start_once():
                return self
        raise RuntimeError(f"sshd did not start:\n{self.log()}")

    def _start_once(self):
        # sshd re-executes itself for each connection, which needs the
        # absolute path of argv[0].
        command = [self.link, "-D", "-e", "-f", self.config]
        log_start = len(self.log())
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log,
                                             stderr=log, env=SSHD_ENVIRONMENT, cwd="/")
        listening = f"Server listening on 127.0.0.1 port {self.port}."
        deadline = time.monotonic() + START_TIMEOUT
        while listening not in self.log():
            if self._process.poll() is not None:
                self._process = None
                if "Address already in use" in self.log()[log_start:]:
                    return False
                raise RuntimeError(f"sshd exited before listening:\n{self.log()}")
            if time.monotonic() > deadline:
                self._stop_listener()
                raise RuntimeError(f"sshd did not listen within {START_TIMEOUT} s:\n"
                                   f"{self.log()}")
            time.sleep(0.02)
        return True

    def log(self):
        """Return everything sshd has logged so far."""
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def connection_pids(self):
        """Return the pids of the processes that serve connections."""
        if self._process is None:
            return []
        return descendants(self._process.pid)

    def wait_idle(self, timeout=10.0):
        """Wait until every connection process has exited, which is after
        pam_close_session of each session.  Returns the pids still running
        after TIMEOUT seconds, so an empty list means success."""
        deadline = time.monotonic() + timeout
        while self.connection_pids() and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.connection_pids()

    def stop(self):
        """Stop sshd and remove its files.  Returns the pids of connection
        processes that were still running after a grace period and had to
        be stopped."""
        leftovers = []
        try:
            if self._process is not None:
                leftovers = self.wait_idle(STOP_TIMEOUT)
                # The listener does not stop its connection processes, and
                # once it has exited they are no longer its descendants.
                terminate(leftovers)
                self._stop_listener()
        finally:
            for path in (self.pam_file, self.link):
                if os.path.lexists(path):
                    os.unlink(path)
        return leftovers

    def _stop_listener(self):
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    def host_key_line(self):
        """Return the known_hosts line for this server."""
        with open(self.host_key + ".pub", encoding="ascii") as f:
            key_type, key = f.read().split()[:2]
        return f"[127.0.0.1]:{self.port} {key_type} {key}\n"


# --- ssh client ------------------------------------------------------------

ASKPASS_SCRIPT = """\
#!/bin/sh
# ssh runs this with the prompt as $1 and reads the answer from its output.
printf '%s\\n' "$1" >>"$PAM_SSO_E2E_PROMPT_LOG"
exec cat "$PAM_SSO_E2E_TOKEN_FILE"
"""


@dataclass
class SshResult:
    """What one run of the ssh client produced.  stderr has ssh's carriage
    returns removed."""
    returncode: int
    stdout: str
    stderr: str
    prompts: list


class SshLogin:
    """A running ssh client.  finish() waits for it and returns the result."""

    def __init__(self, process, calldir, token):
        self.process = process
        self.calldir = calldir
        self.token = token
        self.result = None
        self._stdout_read = b""

    def read_until(self, line, timeout=30):
        """Read the remote command's output until LINE (without its newline)
        has arrived, and return the text read so far.  Raises AssertionError
        when ssh closes its output first or TIMEOUT seconds pass."""
        expected = line.encode() + b"\n"
        descriptor = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout
        while not (self._stdout_read.startswith(expected)
                   or b"\n" + expected in self._stdout_read):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no line {line!r} from ssh within {timeout} s; "
                                     f"output so far: {self._stdout_read!r}")
            ready, _, _ = select.select([descriptor], [], [], remaining)
            if ready:
                chunk = os.read(descriptor, 65536)
                if not chunk:
                    raise AssertionError(f"ssh closed its output before the line {line!r}; "
                                         f"output: {self._stdout_read!r}")
                self._stdout_read += chunk
        return self._stdout_read.decode("utf-8", "replace")

    def finish(self, input=None, timeout=30):
        """Send INPUT (text) to the remote command's stdin, wait for ssh to
        exit and return an SshResult.  Kills ssh after TIMEOUT seconds."""
        data = None if input is None else input.encode()
        try:
            stdout, stderr = self.process.communicate(data, timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
            raise
        finally:
            prompts = self._read_prompts()
            shutil.rmtree(self.calldir, ignore_errors=True)
        self.result = SshResult(self.process.returncode,
                                (self._stdout_read + stdout).decode("utf-8", "replace"),
                                stderr.decode("utf-8", "replace").replace("\r", ""),
                                prompts)
        return self.result

    def _read_prompts(self):
        try:
            with open(os.path.join(self.calldir, "prompts"), encoding="utf-8") as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()
        shutil.rmtree(self.calldir, ignore_errors=True)


class SshClient:
    """The ssh client, set up to log in to SERVER with keyboard-interactive
    authentication only and to trust only SERVER's host key."""

    def __init__(self, workdir, server):
        self.workdir = workdir
        self.server = server
        self.askpass = os.path.join(workdir, "askpass")
        write_file(self.askpass, ASKPASS_SCRIPT, 0o700)
        self._known_hosts = None
        self._logins = []

    def _known_hosts_file(self):
        # Written on first use, because the port is known only once the
        # server runs.
        if self._known_hosts is None:
            self._known_hosts = os.path.join(self.workdir, "known_hosts")
            write_file(self._known_hosts, self.server.host_key_line(), 0o600)
        return self._known_hosts

    def command(self, user, remote_command):
        return [
            SSH, "-F", "/dev/null", "-p", str(self.server.port), "-l", user.name,
            "-o", "StrictHostKeyChecking=yes",
            "-o", f"UserKnownHostsFile={self._known_hosts_file()}",
            "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "UpdateHostKeys=no",
            "-o", "PreferredAuthentications=keyboard-interactive",
            "-o", "KbdInteractiveAuthentication=yes",
            "-o", "PasswordAuthentication=no",
            "-o", "PubkeyAuthentication=no",
            "-o", "NumberOfPasswordPrompts=1",
            "-o", "IdentityAgent=none",
            "-o", "ControlPath=none",
            "-o", "RequestTTY=no",
            "-o", "ConnectTimeout=10",
            # The module's failure message arrives as the instruction of a
            # last keyboard-interactive round, which ssh prints at INFO.
            "-o", "LogLevel=INFO",
            "127.0.0.1", remote_command,
        ]

    def start(self, user, token, remote_command, stdin=subprocess.DEVNULL):
        """Start ssh as USER, answering the token prompt with TOKEN, and run
        REMOTE_COMMAND (a shell command line) on the server.  STDIN is the
        remote command's standard input: DEVNULL or subprocess.PIPE."""
        calldir = tempfile.mkdtemp(prefix="login-", dir=self.workdir)
        token_file = os.path.join(calldir, "token")
        write_file(token_file, token, 0o600)
        environment = {
            "PATH": "/usr/bin:/bin",
            "HOME": self.workdir,
            "SSH_ASKPASS": self.askpass,
            "SSH_ASKPASS_REQUIRE": "force",
            "PAM_SSO_E2E_TOKEN_FILE": token_file,
            "PAM_SSO_E2E_PROMPT_LOG": os.path.join(calldir, "prompts"),
        }
        process = subprocess.Popen(self.command(user, remote_command), stdin=stdin,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   env=environment)
        login = SshLogin(process, calldir, token)
        self._logins.append(login)
        return login

    def run(self, user, token, remote_command, input=None, timeout=30):
        """Log in, run REMOTE_COMMAND with INPUT on its stdin, and return
        the SshResult."""
        stdin = subprocess.DEVNULL if input is None else subprocess.PIPE
        return self.start(user, token, remote_command, stdin).finish(input, timeout)

    @property
    def results(self):
        """(token, SshResult) of each finished login, oldest first."""
        return [(login.token, login.result) for login in self._logins
                if login.result is not None]

    def close(self):
        """Kill any ssh client that is still running."""
        for login in self._logins:
            login.kill()


# --- output ----------------------------------------------------------------

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def parse_env(lines):
    """Parse the NAME=value lines of env(1) output into a dict.  Lines that
    do not start with a valid name (continuations of multi-line values) are
    skipped."""
    env = {}
    for line in lines:
        name, sep, value = line.partition("=")
        if sep and ENV_NAME.match(name):
            env[name] = value
    return env


def parse_sections(text):
    """Split remote output into {NAME: [lines]}.  A line "@@NAME" starts
    the section NAME."""
    sections = {}
    current = None
    for line in text.splitlines():
        if line.startswith("@@"):
            current = sections.setdefault(line[2:], [])
        elif current is not None:
            current.append(line)
    return sections


# --- leftovers -------------------------------------------------------------

def find_leftovers():
    """Return a description of every user, PAM service file, temporary
    directory and process that these tests create and that still exists."""
    leftovers = []
    leftovers += [f"user {entry.pw_name}" for entry in pwd.getpwall()
                  if entry.pw_name.startswith(USER_PREFIX)]
    leftovers += [f"home directory /home/{name}" for name in os.listdir("/home")
                  if name.startswith(USER_PREFIX)]
    leftovers += [f"PAM service {PAM_DIR}/{name}" for name in os.listdir(PAM_DIR)
                  if name.startswith(RESOURCE_PREFIX)]
    leftovers += [f"directory {TEMP_DIR}/{name}" for name in os.listdir(TEMP_DIR)
                  if name.startswith(RESOURCE_PREFIX)]
    for pid in process_table():
        if pid == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                command = f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
        except OSError:
            continue
        if RESOURCE_PREFIX in command or USER_PREFIX in command:
            leftovers.append(f"process {pid} ({command})")
    return leftovers
