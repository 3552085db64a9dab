"""Run the mock SSO portal (mock_portal.py) as a subprocess from a test.

Example::

    from portal_server import MockPortal

    with MockPortal(scenario, certdir, workdir) as portal:
        client = make_client(portal.url, verify=portal.ca_file)
        ...
        assert portal.requests()[-1]["op"] == "ListAccounts"

certdir is a folder filled by make_certs.sh. workdir receives the scenario
file, the port file, the request log and the server's stderr
(scenario.json, port, requests.jsonl, server.log). Use a separate workdir
for each MockPortal that runs at the same time.
"""

import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER_SCRIPT = os.path.join(HERE, "mock_portal.py")

START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0


class MockPortal:
    """A mock portal server process and the files it reads and writes.

    cert_name picks the server certificate from certdir: "server" (valid for
    localhost, 127.0.0.1 and ::1), "wrong-host" or "other-server". ca_file
    is always certdir/ca.pem, so the last two fail verification on purpose.
    host is the loopback address to listen on ("127.0.0.1" or "::1").
    """

    def __init__(self, scenario, certdir, workdir, cert_name="server", host="127.0.0.1"):
        self.certdir = certdir
        self.workdir = workdir
        self.host = host
        self.cert_file = os.path.join(certdir, cert_name + ".pem")
        self.key_file = os.path.join(certdir, cert_name + ".key")
        self.ca_file = os.path.join(certdir, "ca.pem")
        self.scenario_path = os.path.join(workdir, "scenario.json")
        self.port_path = os.path.join(workdir, "port")
        self.log_path = os.path.join(workdir, "requests.jsonl")
        self.stderr_path = os.path.join(workdir, "server.log")
        self.port = None
        self.returncode = None
        self._process = None
        self._scenario = scenario
        self._last_mtime_ns = 0

    @property
    def url(self):
        """Endpoint URL, for example https://127.0.0.1:40123."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{self.port}"

    def start(self):
        """Start the server and wait until it listens. Returns self.

        Raises RuntimeError with the server's stderr if it exits or does not
        report a port within START_TIMEOUT seconds.
        """
        os.makedirs(self.workdir, exist_ok=True)
        for path in (self.port_path, self.log_path):
            if os.path.exists(path):
                os.unlink(path)
        self.update_scenario(self._scenario)

        command = [
            sys.executable, SERVER_SCRIPT,
            "--scenario", self.scenario_path,
            "--cert", self.cert_file,
            "--key", self.key_file,
            "--host", self.host,
            "--port", "0",
            "--port-file", self.port_path,
            "--request-log", self.log_path,
        ]
        with open(self.stderr_path, "ab") as stderr:
            self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL,
                                             stdout=stderr, stderr=stderr)

        deadline = time.monotonic() + START_TIMEOUT
        while not os.path.exists(self.port_path):
            if self._process.poll() is not None:
                self.stop()
                raise RuntimeError(f"mock portal exited with status {self.returncode} "
                                   f"before listening:\n{self.server_output()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"mock portal did not listen within {START_TIMEOUT} s:\n"
                                   f"{self.server_output()}")
            time.sleep(0.02)

        with open(self.port_path, encoding="ascii") as f:
            self.port = int(f.read())
        return self

    def update_scenario(self, scenario):
        """Replace the scenario. The server uses it from its next request on."""
        self._scenario = scenario
        temporary = self.scenario_path + ".tmp"
        with open(temporary, "w", encoding="utf-8") as f:
            json.dump(scenario, f, indent=1)
        # A strictly newer mtime makes the change visible even when the file
        # system's timestamps are coarser than the time between two updates.
        mtime_ns = max(time.time_ns(), self._last_mtime_ns + 1_000_000)
        os.utime(temporary, ns=(mtime_ns, mtime_ns))
        self._last_mtime_ns = mtime_ns
        os.replace(temporary, self.scenario_path)

    def requests(self):
        """Return the logged requests, oldest first, as dicts."""
        return [entry for entry in self._read_log() if "event" not in entry]

    def events(self):
        """Return the logged connection events, oldest first, as dicts.

        NOTE: a failed TLS handshake may be logged a moment after the client
        sees the failure, so poll for such an event instead of reading once.
        """
        return [entry for entry in self._read_log() if "event" in entry]

    def connection_counts(self):
        """Return how many TCP connections were accepted and TLS handshakes
        completed, as {"accepted": n, "tls_handshakes": m}."""
        events = self.events()
        return {
            "accepted": sum(1 for e in events if e["event"] == "connection"),
            "tls_handshakes": sum(1 for e in events if e["event"] == "tls_handshake"),
        }

    def server_output(self):
        """Return the server's stderr so far, for failure messages."""
        try:
            with open(self.stderr_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def stop(self):
        """Stop the server with SIGTERM, or SIGKILL after STOP_TIMEOUT seconds.

        Safe to call more than once. Sets returncode.
        """
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self.returncode = self._process.returncode
        self._process = None

    def _read_log(self):
        try:
            with open(self.log_path, encoding="utf-8") as f:
                lines = f.readlines()
        except FileNotFoundError:
            return []
        # A line without its newline is still being written.
        return [json.loads(line) for line in lines if line.endswith("\n")]

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, traceback):
        self.stop()
