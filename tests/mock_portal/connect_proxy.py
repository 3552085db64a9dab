"""An HTTP CONNECT proxy on 127.0.0.1 for tests of the module's proxy= option.

It accepts "CONNECT host:port HTTP/1.1", records the target, and tunnels
bytes both ways.  Targets other than 127.0.0.1 and ::1 are refused with 403,
so the proxy can never carry test traffic off this machine.
"""

import socket
import socketserver
import threading

LOOPBACK = {"127.0.0.1", "::1", "[::1]"}
HEADER_MAX = 8192


def pipe(source, sink):
    """Copy bytes from SOURCE to SINK until either side closes."""
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class ConnectHandler(socketserver.BaseRequestHandler):
    def handle(self):
        head = b""
        while b"\r\n\r\n" not in head and len(head) < HEADER_MAX:
            chunk = self.request.recv(1024)
            if not chunk:
                return
            head += chunk
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = request_line.split(" ")
        self.server.requests.append(request_line)
        if len(parts) != 3 or parts[0] != "CONNECT":
            self.request.sendall(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")
            return

        host, _, port = parts[1].rpartition(":")
        if host not in LOOPBACK or not port.isdigit():
            self.request.sendall(b"HTTP/1.1 403 Forbidden\r\n\r\n")
            return
        self.server.targets.append(parts[1])
        upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
        self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        back = threading.Thread(target=pipe, args=(upstream, self.request), daemon=True)
        back.start()
        pipe(self.request, upstream)
        back.join(timeout=10)
        upstream.close()


class ConnectProxy(socketserver.ThreadingTCPServer):
    """Use as a context manager; .url is the proxy's http:// URL, .targets
    the CONNECT targets it tunnelled, .requests every request line."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), ConnectHandler)
        self.targets = []
        self.requests = []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()
        self.thread.join(timeout=10)
