"""Read what a client sent to the mock portal from the mock's request log.

tests/mock_portal/mock_portal.py documents the log: one JSON line per
request, with its arrival ("time") and completion ("completed"), and one
per TCP connection and TLS handshake.
"""

import json
import socket
import ssl
import statistics
import time
from dataclasses import dataclass

SETUP_SAMPLES = 20
SETUP_TIMEOUT_S = 5


class PortalLog:
    """Reads the mock portal's request log from where the last read stopped.

    The mock writes a request's line before it sends the response, so once
    a client has its last response every line of its requests is there.
    """

    def __init__(self, path):
        self.path = path
        self.offset = 0

    def read_new(self):
        """Return the entries written since the last call, as dicts."""
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        # A line without its newline is still being written.
        end = data.rfind(b"\n") + 1
        self.offset += end
        return [json.loads(line) for line in data[:end].splitlines()]


@dataclass
class Traffic:
    """Requests and connections of one client, counted in the mock's log."""
    requests: int
    requests_by_operation: dict
    max_in_flight: int
    connections: int
    tls_handshakes: int


def max_in_flight(requests):
    """Return the maximum number of requests that the mock served at once."""
    edges = []
    for request in requests:
        edges.append((request["time"], 1))
        edges.append((request["completed"], -1))
    # At equal times the completion goes first, because back-to-back
    # requests on one connection never overlap.
    edges.sort()
    current = highest = 0
    for _, change in edges:
        current += change
        highest = max(highest, current)
    return highest


def summarize_traffic(entries):
    requests = [e for e in entries if "event" not in e]
    events = [e for e in entries if "event" in e]
    by_operation = {}
    for request in requests:
        by_operation[request["op"]] = by_operation.get(request["op"], 0) + 1
    return Traffic(
        requests=len(requests),
        requests_by_operation=by_operation,
        max_in_flight=max_in_flight(requests),
        connections=sum(1 for e in events if e["event"] == "connection"),
        tls_handshakes=sum(1 for e in events if e["event"] == "tls_handshake"),
    )


def measure_connection_setup_ms(host, port, ca_file):
    """Return the median time of a TCP connect plus TLS handshake to the
    mock, over SETUP_SAMPLES connections from a prepared TLS context.

    The mock adds latency to responses only, so this is what one connection
    set-up costs a client that has its context ready.
    """
    context = ssl.create_default_context(cafile=ca_file)
    samples = []
    for _ in range(SETUP_SAMPLES):
        started = time.perf_counter()
        with socket.create_connection((host, port), timeout=SETUP_TIMEOUT_S) as raw:
            with context.wrap_socket(raw, server_hostname=host):
                samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000
