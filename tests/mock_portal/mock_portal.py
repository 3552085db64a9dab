#!/usr/bin/python3
"""Mock of the AWS IAM Identity Center (SSO) portal API over HTTPS, for tests.

It serves the four portal operations of API version 2019-06-10 as botocore
sends them (rest-json, no request signing, access token in the header
x-amz-sso_bearer_token):

    GET  /assignment/accounts     ListAccounts        next_token, max_result
    GET  /assignment/roles        ListAccountRoles    account_id (required),
                                                      next_token, max_result
    GET  /federation/credentials  GetRoleCredentials  role_name, account_id
                                                      (both required)
    POST /logout                  Logout              empty body

Usage:
    mock_portal.py --scenario FILE --cert PEM --key KEY [--host 127.0.0.1]
                   [--port 0] --port-file FILE --request-log FILE

The server writes the port it listens on to --port-file (through a rename,
so readers never see a partial number) and serves until SIGTERM or SIGINT.
It reloads the scenario file on the first request after the file's inode,
size or modification time changes. portal_scenario.py documents the
scenario format.

Error responses carry {"message": ...}, the header
x-amzn-ErrorType: <Type>:http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/
and x-amzn-RequestId:

    400 InvalidRequestException    missing required parameter, max_result
                                   outside 1..100, invalid next_token
    401 UnauthorizedException      missing, unknown or logged-out token
    403 ForbiddenException         account or role not assigned to the token
    404 UnknownOperationException  unknown path
    405 MethodNotAllowedException  known path with another method

Faults: each entry of the scenario's "faults" list may contain
    op          operation name it applies to; absent or null means any request
    token, account_id, role_name
                only requests with this token or query value match
    after       skip the first N matching requests (default 0)
    times       apply to at most N matching requests after those (default: all)
    delay       seconds to wait before responding (with stall_after_bytes:
                seconds to wait at the stall instead)
    close       true: close the connection without sending a response
                (with stall_after_bytes: close it after the stall instead)
    status      HTTP status to send instead of the normal response
    error_type  x-amzn-ErrorType name; defaults from the status (for example
                500 -> InternalServerException); null sends no such header
    message     "message" of the JSON error body
    body        raw response body, sent verbatim in place of the JSON body
    body_base64 the same in base64, for bodies that are not UTF-8. A fault
                may not have both body and body_base64.
    headers     extra response headers; they replace headers of the same name.
                Setting Content-Length sends it verbatim and closes the
                connection after the body, which can simulate a truncated body.
    chunked     true: send the body with "Transfer-Encoding: chunked" and no
                Content-Length, in chunks of at most 64 KiB
    stall_after_bytes
                send the headers and the first N bytes of the body, wait
                "delay" seconds, then send the rest. With "close", the
                connection is closed after the wait instead, so the body
                arrives cut short (a chunked body without its last chunk).
A fault with "status", "body" or "body_base64" replaces the response. Its
status defaults to 200 when only a body is given, else to 500. A fault with
none of them adds its "headers", "chunked" and "stall_after_bytes" to the
normal response, after its "delay". Each fault counts its matching requests
on its own, and the first fault in the list that applies wins. Counts start
again when the scenario is reloaded.

Request log (--request-log): one JSON object per line, flushed per line.
A request line is written before its response is sent, so it is present
once the client has the response. Its fields: seq (1, 2, ... per request),
time (arrival, epoch seconds), connection, method, path, raw_query, query
(first decoded value of each name, "+" decoded as a space), token (or null),
headers (lowercased name -> value, repeats joined with ", "), header_names
(names as sent, in order), http_version, body_length, op (operation name, or
null when method and path match none), fault (index into "faults" or null),
status (null when a fault closed the connection), completed (epoch seconds
when the response was ready to send, after every delay, so the request was
in flight from time to completed).
Connection lines: {"event": "connection", "connection": id, "time", "peer"}
when a TCP connection is accepted, then {"event": "tls_handshake", ...,
"tls_version", "cipher"} or {"event": "tls_handshake_failed", ..., "error"}.
"""

import argparse
import base64
import itertools
import json
import logging
import os
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import portal_scenario  # noqa: E402

log = logging.getLogger("mock_portal")

ERROR_TYPE_NAMESPACE = "http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/"
TOKEN_HEADER = "x-amz-sso_bearer_token"

# Path -> (method, operation name).
ROUTES = {
    "/assignment/accounts": ("GET", "ListAccounts"),
    "/assignment/roles": ("GET", "ListAccountRoles"),
    "/federation/credentials": ("GET", "GetRoleCredentials"),
    "/logout": ("POST", "Logout"),
}

# Error type sent for a fault status when the fault names none.
DEFAULT_ERROR_TYPES = {
    400: "InvalidRequestException",
    401: "UnauthorizedException",
    403: "ForbiddenException",
    404: "ResourceNotFoundException",
    429: "TooManyRequestsException",
    500: "InternalServerException",
    502: "BadGatewayException",
    503: "ServiceUnavailableException",
    504: "GatewayTimeoutException",
}

MAX_RESULT_LIMIT = 100
CHUNK_SIZE = 64 * 1024
MAX_REQUEST_BODY = 1 << 20
HANDSHAKE_TIMEOUT = 10
IDLE_TIMEOUT = 30


class Response:
    """An HTTP response the handler is about to send."""

    def __init__(self, status, body=b"", headers=None):
        self.status = status
        self.body = body
        # Ordered (name, value) pairs. set_header() replaces by name.
        self.headers = list((headers or {}).items())
        self.close_after = False
        self.chunked = False
        # Byte count after which sending pauses for stall_seconds, or None.
        self.stall_after_bytes = None
        self.stall_seconds = 0
        self.close_at_stall = False

    def set_header(self, name, value):
        lowered = name.lower()
        self.headers = [(n, v) for n, v in self.headers if n.lower() != lowered]
        self.headers.append((name, value))

    def has_header(self, name):
        return any(n.lower() == name.lower() for n, _ in self.headers)


def json_response(status, document):
    body = json.dumps(document).encode("utf-8")
    return Response(status, body, {"Content-Type": "application/json"})


def error_response(status, error_type, message):
    response = json_response(status, {"message": message})
    if error_type is not None:
        response.set_header("x-amzn-ErrorType", f"{error_type}:{ERROR_TYPE_NAMESPACE}")
    return response


class BadRequest(Exception):
    """Raised by request checks. Converts to a 400 InvalidRequestException."""


class RequestLog:
    """Append-only JSON-lines log shared by all handler threads."""

    def __init__(self, path):
        self._file = open(path, "a", encoding="utf-8")
        self._lock = threading.Lock()
        self._seq = itertools.count(1)

    def write_request(self, entry):
        with self._lock:
            record = {"seq": next(self._seq)}
            record.update(entry)
            self._write(record)

    def write_event(self, event, connection, **fields):
        record = {"event": event, "connection": connection, "time": time.time()}
        record.update(fields)
        with self._lock:
            self._write(record)

    def _write(self, record):
        # Handler threads are daemons and may still finish a request while
        # main() closes the log at shutdown.
        if not self._file.closed:
            self._file.write(json.dumps(record) + "\n")
            self._file.flush()

    def close(self):
        with self._lock:
            self._file.close()


class PortalState:
    """The current scenario plus the state that requests change.

    Fault counters belong to one loaded scenario and restart on reload.
    The set of logged-out tokens lasts for the life of the server.
    """

    def __init__(self, scenario_path):
        self._path = scenario_path
        self._lock = threading.Lock()
        self._file_key = None
        self._last_error = None
        self._scenario = None
        self._fault_counts = []
        self.logged_out = set()
        self.scenario()

    def scenario(self):
        """Return the scenario, reloading the file if it changed on disk."""
        with self._lock:
            # fstat() on the open file keeps the key and the text in step
            # when a writer replaces the file in between.
            try:
                with open(self._path, "rb") as f:
                    st = os.fstat(f.fileno())
                    key = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
                    scenario = None
                    if key != self._file_key:
                        scenario = portal_scenario.parse_scenario(f.read(), self._path)
            except (OSError, portal_scenario.ScenarioError) as e:
                if self._scenario is None:
                    raise
                # Keep serving the last good scenario, and try again on the
                # next request because the new key is not stored. A failure
                # is logged again only when its message changes.
                if str(e) != self._last_error:
                    log.error("scenario reload failed, keeping the previous one: %s", e)
                self._last_error = str(e)
                return self._scenario

            if scenario is not None:
                self._last_error = None
                self._file_key = key
                self._scenario = scenario
                self._fault_counts = [0] * len(scenario.get("faults", []))
                log.info("loaded scenario %s (%d tokens, %d faults)", self._path,
                         len(scenario["tokens"]), len(self._fault_counts))
            return self._scenario

    def select_fault(self, scenario, op, token, query):
        """Count the request against every matching fault and return the
        (index, fault) that applies, or (None, None)."""
        selected = (None, None)
        with self._lock:
            # A reload between scenario() and here replaced the counters.
            if scenario is not self._scenario:
                return selected
            for index, fault in enumerate(scenario.get("faults", [])):
                if not fault_matches(fault, op, token, query):
                    continue
                self._fault_counts[index] += 1
                count = self._fault_counts[index]
                after = fault.get("after", 0)
                times = fault.get("times")
                applies = count > after and (times is None or count <= after + times)
                if applies and selected[0] is None:
                    selected = (index, fault)
        return selected

    def log_out(self, token):
        with self._lock:
            self.logged_out.add(token)

    def is_logged_out(self, token):
        with self._lock:
            return token in self.logged_out


def fault_matches(fault, op, token, query):
    if fault.get("op") is not None and fault["op"] != op:
        return False
    if "token" in fault and fault["token"] != token:
        return False
    for name in ("account_id", "role_name"):
        if name in fault and fault[name] != query.get(name):
            return False
    return True


def replaces_response(fault):
    return "status" in fault or has_fault_body(fault)


def has_fault_body(fault):
    return "body" in fault or "body_base64" in fault


def fault_body(fault):
    if "body_base64" in fault:
        return base64.b64decode(fault["body_base64"], validate=True)
    return fault["body"].encode("utf-8")


def fault_response(fault):
    # A fault with only a body simulates a malformed success response.
    status = fault.get("status", 200 if has_fault_body(fault) else 500)
    if "error_type" in fault:
        error_type = fault["error_type"]
    else:
        error_type = DEFAULT_ERROR_TYPES.get(status)

    if has_fault_body(fault):
        response = Response(status, fault_body(fault))
        if status >= 400 and error_type is not None:
            response.set_header("x-amzn-ErrorType", f"{error_type}:{ERROR_TYPE_NAMESPACE}")
    elif status >= 400:
        response = error_response(status, error_type, fault.get("message", "Injected fault"))
    else:
        response = Response(status)
    add_fault_headers(response, fault)
    return response


def add_fault_headers(response, fault):
    """Apply the fault's headers and its way of sending the body."""
    for name, value in fault.get("headers", {}).items():
        response.set_header(name, str(value))
        if name.lower() == "content-length":
            response.close_after = True
    response.chunked = bool(fault.get("chunked"))
    if "stall_after_bytes" in fault:
        response.stall_after_bytes = fault["stall_after_bytes"]
        response.stall_seconds = fault.get("delay", 0)
        response.close_at_stall = bool(fault.get("close"))


def parse_query(raw_query):
    """Decode the query string into {name: first value}.

    Raises BadRequest for bytes that are not UTF-8 after percent-decoding.
    NOTE: "+" is decoded as a space, as HTML forms do. How the real portal
    treats a raw "+" is not known, so clients should always send %2B.
    """
    try:
        pairs = urllib.parse.parse_qsl(raw_query, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as e:
        raise BadRequest(f"Query string is not valid UTF-8: {e}") from e
    query = {}
    for name, value in pairs:
        query.setdefault(name, value)
    return query


def parse_page_size(scenario, query):
    if "max_result" not in query:
        return scenario.get("page_size", portal_scenario.DEFAULT_PAGE_SIZE)
    text = query["max_result"]
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_RESULT_LIMIT:
        raise BadRequest(
            f"Invalid max_result {text!r}: it must be an integer from 1 to {MAX_RESULT_LIMIT}")
    cap = scenario.get("page_size_cap", portal_scenario.DEFAULT_PAGE_SIZE_CAP)
    return min(int(text), cap)


def paginate(scenario, query, op, token, account_id, items, list_key):
    """Build one page of a listing, with nextToken when more items follow."""
    page_size = parse_page_size(scenario, query)

    offset = 0
    if "next_token" in query:
        # An empty next_token is rejected too, because a client should leave
        # the parameter out on the first page.
        offset = portal_scenario.decode_page_token(query["next_token"], op, token, account_id)
        if offset is None:
            raise BadRequest("Invalid next token")

    document = {}
    end = offset + page_size
    # With endless_pages the offset keeps growing, so each token is new.
    if end < len(items) or scenario.get("endless_pages"):
        document["nextToken"] = portal_scenario.encode_page_token(op, token, account_id, end)
    elif "last_page_next_token" in scenario:
        document["nextToken"] = scenario["last_page_next_token"]
    # A token from before a scenario change may point past the end, which
    # yields an empty last page.
    document[list_key] = items[offset:end]
    return json_response(200, document)


def require(query, name):
    value = query.get(name, "")
    if value == "":
        raise BadRequest(f"Missing required parameter {name}")
    return value


def serve_operation(state, scenario, op, token, query):
    """Return the normal response for a routed request."""
    valid_token = (token is not None and token in scenario["tokens"]
                   and not (scenario.get("logout_revokes") and state.is_logged_out(token)))
    if not valid_token:
        message = "Missing access token" if token is None else "Session token not found or invalid"
        return error_response(401, "UnauthorizedException", message)

    if op == "ListAccounts":
        items = portal_scenario.account_list(scenario, token)
        return paginate(scenario, query, op, token, None, items, "accountList")

    if op == "ListAccountRoles":
        account_id = require(query, "account_id")
        if portal_scenario.find_account(scenario, token, account_id) is None:
            return error_response(403, "ForbiddenException", "No access")
        items = portal_scenario.role_list(scenario, token, account_id)
        return paginate(scenario, query, op, token, account_id, items, "roleList")

    if op == "GetRoleCredentials":
        role_name = require(query, "role_name")
        account_id = require(query, "account_id")
        credentials = portal_scenario.credentials_for(scenario, token, account_id, role_name)
        if credentials is None:
            return error_response(403, "ForbiddenException", "No access")
        return json_response(200, {"roleCredentials": credentials})

    # Logout
    state.log_out(token)
    return Response(200)


class PortalHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "MockSSOPortal/1.0"
    timeout = IDLE_TIMEOUT
    # Headers and body go out in separate writes, and Nagle's algorithm
    # would hold the body until the client's delayed ACK of the headers.
    disable_nagle_algorithm = True

    def __init__(self, request, client_address, server, connection_id):
        self.connection_id = connection_id
        super().__init__(request, client_address, server)

    def log_message(self, format, *args):
        log.debug("connection %d: " + format, self.connection_id, *args)

    def do_GET(self):
        self.handle_request()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def handle_request(self):
        arrival = time.time()
        split = urllib.parse.urlsplit(self.path)
        raw_query = split.query
        token = self.headers.get(TOKEN_HEADER)
        route = ROUTES.get(split.path)
        op = route[1] if route is not None and route[0] == self.command else None

        body_length, response = self.read_body()
        try:
            query = parse_query(raw_query)
        except BadRequest as e:
            query = dict(urllib.parse.parse_qsl(raw_query, keep_blank_values=True))
            response = response or error_response(400, "InvalidRequestException", str(e))

        state = self.server.state
        scenario = state.scenario()
        fault_index, fault = None, None
        if response is None:
            fault_index, fault = state.select_fault(scenario, op, token, query)

        # close_connection may already be set by a "Connection: close"
        # request header, so a fault's close needs its own flag.
        drop_connection = False
        # With stall_after_bytes, "delay" and "close" apply in the middle of
        # the body instead, which send() does.
        stalls = fault is not None and "stall_after_bytes" in fault
        if fault is not None:
            if fault.get("delay") and not stalls:
                time.sleep(fault["delay"])
            if fault.get("close") and not stalls:
                drop_connection = True
                self.close_connection = True
            elif replaces_response(fault):
                response = fault_response(fault)

        if response is None and not drop_connection:
            response = self.route_response(split.path, route, op, state, scenario, token, query)
            if fault is not None:
                add_fault_headers(response, fault)

        latency_ms = scenario.get("latency_ms", 0)
        if latency_ms:
            time.sleep(latency_ms / 1000)

        self.server.request_log.write_request({
            "time": arrival,
            "connection": self.connection_id,
            "method": self.command,
            "path": split.path,
            "raw_query": raw_query,
            "query": query,
            "token": token,
            "headers": self.header_dict(),
            "header_names": list(self.headers.keys()),
            "http_version": self.request_version,
            "body_length": body_length,
            "op": op,
            "fault": fault_index,
            "status": None if response is None else response.status,
            "completed": time.time(),
        })
        if response is not None:
            self.send(response)

    def route_response(self, path, route, op, state, scenario, token, query):
        if route is None:
            return error_response(404, "UnknownOperationException", f"No operation at path {path}")
        if op is None:
            response = error_response(405, "MethodNotAllowedException",
                                      f"Method {self.command} is not allowed here, use {route[0]}")
            response.set_header("Allow", route[0])
            return response
        try:
            return serve_operation(state, scenario, op, token, query)
        except BadRequest as e:
            return error_response(400, "InvalidRequestException", str(e))

    def read_body(self):
        """Read the request body so the next request on the connection parses.

        Returns (length read, error response or None).
        """
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            return 0, error_response(400, "InvalidRequestException",
                                     "Chunked request bodies are not supported")
        text = self.headers.get("Content-Length")
        if text is None:
            return 0, None
        if not text.isascii() or not text.isdigit():
            self.close_connection = True
            return 0, error_response(400, "InvalidRequestException",
                                     f"Invalid Content-Length {text!r}")
        length = int(text)
        if length > MAX_REQUEST_BODY:
            self.close_connection = True
            return 0, error_response(413, "InvalidRequestException",
                                     f"Request body of {length} bytes exceeds {MAX_REQUEST_BODY}")
        self.rfile.read(length)
        return length, None

    def header_dict(self):
        headers = {}
        for name, value in self.headers.items():
            lowered = name.lower()
            headers[lowered] = value if lowered not in headers else headers[lowered] + ", " + value
        return headers

    def send(self, response):
        response.set_header("x-amzn-RequestId", str(uuid.uuid4()))
        if response.chunked:
            response.set_header("Transfer-Encoding", "chunked")
        elif not response.has_header("Content-Length"):
            response.set_header("Content-Length", str(len(response.body)))
        if response.close_after:
            response.set_header("Connection", "close")

        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.end_headers()
        if response.close_after:
            self.close_connection = True
        if self.command == "HEAD":
            return

        body = response.body
        # A client that gives up on a huge or stalled body closes the
        # connection while the rest is still being written.
        try:
            if response.stall_after_bytes is None:
                self.write_body(body, response.chunked, last=True)
                return
            head, rest = body[:response.stall_after_bytes], body[response.stall_after_bytes:]
            self.write_body(head, response.chunked, last=False)
            time.sleep(response.stall_seconds)
            if response.close_at_stall:
                log.debug("connection %d: closing after %d of %d body bytes",
                          self.connection_id, len(head), len(body))
                self.close_connection = True
                return
            self.write_body(rest, response.chunked, last=True)
        except OSError as e:
            log.info("connection %d: client closed the connection during the body: %s",
                     self.connection_id, e)
            self.close_connection = True

    def write_body(self, data, chunked, last):
        """Write DATA, in chunked framing if CHUNKED. LAST ends a chunked
        body with its zero-length chunk."""
        if not chunked:
            self.wfile.write(data)
            return
        for start in range(0, len(data), CHUNK_SIZE):
            chunk = data[start:start + CHUNK_SIZE]
            self.wfile.write(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
        if last:
            self.wfile.write(b"0\r\n\r\n")


class PortalServer(ThreadingHTTPServer):
    """Threading HTTP server that does the TLS handshake in each connection's
    thread, so a client that stalls the handshake cannot block accept()."""

    # socketserver's default backlog of 5 drops the SYNs of a client that
    # opens many connections at once, and the client resends them only
    # after a second.
    request_queue_size = 128

    def __init__(self, address, ssl_context, state, request_log):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.ssl_context = ssl_context
        self.state = state
        self.request_log = request_log
        self._connection_ids = itertools.count(1)
        super().__init__(address, PortalHandler)

    def finish_request(self, request, client_address):
        connection_id = next(self._connection_ids)
        peer = f"{client_address[0]}:{client_address[1]}"
        self.request_log.write_event("connection", connection_id, peer=peer)

        request.settimeout(HANDSHAKE_TIMEOUT)
        # wrap_socket() takes over the socket's descriptor, so from here on
        # only tls can close the connection.
        tls = self.ssl_context.wrap_socket(request, server_side=True,
                                           do_handshake_on_connect=False)
        try:
            tls.do_handshake()
        except OSError as e:
            log.info("connection %d from %s: TLS handshake failed: %s", connection_id, peer, e)
            self.request_log.write_event("tls_handshake_failed", connection_id, error=str(e))
            tls.close()
            return

        self.request_log.write_event("tls_handshake", connection_id,
                                     tls_version=tls.version(), cipher=tls.cipher()[0])
        try:
            PortalHandler(tls, client_address, self, connection_id)
        finally:
            tls.close()

    def handle_error(self, request, client_address):
        log.exception("request from %s failed", client_address)


def write_port_file(path, port):
    temporary = f"{path}.tmp.{os.getpid()}"
    with open(temporary, "w", encoding="ascii") as f:
        f.write(f"{port}\n")
    os.replace(temporary, path)


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description="Mock AWS SSO portal API server over HTTPS.")
    parser.add_argument("--scenario", required=True,
                        help="scenario JSON file, reloaded when it changes")
    parser.add_argument("--cert", required=True, help="server certificate chain (PEM)")
    parser.add_argument("--key", required=True, help="server private key (PEM)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="loopback address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0,
                        help="TCP port to listen on, or 0 (the default) for a free one")
    parser.add_argument("--port-file", required=True,
                        help="file that receives the listening port number")
    parser.add_argument("--request-log", required=True,
                        help="JSON-lines file that receives requests and connection events")
    return parser.parse_args(argv)


def main(argv=None):
    logging.basicConfig(level=logging.INFO, format="mock_portal: %(levelname)s %(message)s")
    args = parse_arguments(argv)

    try:
        state = PortalState(args.scenario)
    except (OSError, portal_scenario.ScenarioError) as e:
        log.error("failed to load scenario %s: %s", args.scenario, e)
        return 2

    ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ssl_context.load_cert_chain(args.cert, args.key)
    request_log = RequestLog(args.request_log)
    server = PortalServer((args.host, args.port), ssl_context, state, request_log)

    stop_requested = threading.Event()

    def request_stop(signum, frame):
        stop_requested.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    serve_thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                    name="serve", daemon=True)
    serve_thread.start()
    port = server.server_address[1]
    write_port_file(args.port_file, port)
    log.info("listening on %s port %d", args.host, port)

    # The timeout lets the main thread run the signal handler promptly.
    while not stop_requested.wait(0.5):
        pass

    log.info("stopping")
    server.shutdown()
    server.server_close()
    request_log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
