#!/usr/bin/python3
"""Mock of the AWS IAM Identity Center (SSO) portal API and of STS
GetCallerIdentity over HTTPS, for tests.

It serves the four portal operations of API version 2019-06-10 as botocore
sends them (rest-json, no request signing, access token in the header
x-amz-sso_bearer_token):

    GET  /assignment/accounts     ListAccounts        next_token, max_result
    GET  /assignment/roles        ListAccountRoles    account_id (required),
                                                      next_token, max_result
    GET  /federation/credentials  GetRoleCredentials  role_name, account_id
                                                      (both required)
    POST /logout                  Logout              empty body

On the same port it serves STS GetCallerIdentity of API version 2011-06-15
(query protocol, SigV4-signed with role credentials from the scenario), so
that a test can point both the portal endpoint and the STS endpoint at it:

    POST /                        GetCallerIdentity   form body Action=
                                                      GetCallerIdentity&
                                                      Version=2011-06-15

Usage:
    mock_portal.py --scenario FILE --cert PEM --key KEY [--host 127.0.0.1]
                   [--port 0] --port-file FILE --request-log FILE

The server writes the port it listens on to --port-file (through a rename,
so readers never see a partial number) and serves until SIGTERM or SIGINT.
It reloads the scenario file on the first request after the file's inode,
size or modification time changes. portal_scenario.py documents the
scenario format.

Portal error responses carry {"message": ...}, the header
x-amzn-ErrorType: <Type>:http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/
and x-amzn-RequestId:

    400 InvalidRequestException    missing required parameter, max_result
                                   outside 1..100, invalid next_token
    401 UnauthorizedException      missing, unknown or logged-out token
    403 ForbiddenException         account or role not assigned to the token
    404 UnknownOperationException  unknown path
    405 MethodNotAllowedException  known path with another method, also
                                   any method but POST on /
Request bodies that are chunked, have an invalid Content-Length or exceed
1 MiB get a JSON 400 or 413 InvalidRequestException on every path, / too.

GetCallerIdentity responds in XML as STS does, with Content-Type text/xml
and an x-amzn-RequestId header equal to the RequestId in the body. Success
is <GetCallerIdentityResponse> with <GetCallerIdentityResult> (Arn, UserId,
Account, see portal_scenario.caller_identity()) and <ResponseMetadata>.
Errors are <ErrorResponse><Error><Type>Sender (Receiver for 5xx)</Type>
<Code/><Message/></Error><RequestId/></ErrorResponse>. The parameters come
from the query string and the form body, where the body wins, and the body
is parsed as a form whatever its Content-Type. The checks run in this
order, and the first one that fails sets the response:

    403 MissingAuthenticationToken  no Authorization header
    400 IncompleteSignature         Authorization is not "AWS4-HMAC-SHA256
                                    Credential=KEY_ID/YYYYMMDD/REGION/SERVICE/
                                    aws4_request, SignedHeaders=a;b;c,
                                    Signature=<64 hex digits>", X-Amz-Date is
                                    missing or not YYYYMMDDTHHMMSSZ,
                                    SignedHeaders lacks host or x-amz-date, or
                                    Host is missing or not HOST[:PORT]
    403 InvalidClientTokenId        the scenario issues no such key id
    500 InternalFailure             the scenario issues the key id to entries
                                    with different identities or credentials
    403 InvalidClientTokenId        no X-Amz-Security-Token, not signed, or
                                    not the session token of the key id
    403 SignatureDoesNotMatch       scope service is not "sts", scope date is
                                    not the date of X-Amz-Date, or scope region
                                    is not the scenario's "sts_region" (message
                                    "Credential should be scoped to a valid
                                    region.")
    403 SignatureDoesNotMatch       X-Amz-Date more than 15 minutes before or
                                    after the server clock ("Signature
                                    expired: ..." or "Signature not yet
                                    current: ...")
    403 SignatureDoesNotMatch       SignedHeaders differs from the list that
                                    botocore derives from the named headers, a
                                    signed X-Amz-Content-SHA256 is not the
                                    body's hash, or the signature is wrong
    403 ExpiredToken                the credentials' expiration has passed
    400 MissingAction               no Action parameter
    400 InvalidAction               Action is not GetCallerIdentity
    400 MissingParameter            no Version parameter
    400 InvalidParameterValue       Version is not 2011-06-15, or the body is
                                    not UTF-8
    500 InternalFailure             Arn, UserId or Account contains characters
                                    that XML 1.0 cannot carry
The expected signature comes from botocore's SigV4Auth, applied to a request
rebuilt from the method, https://<Host><path>, the headers named in
SignedHeaders and the body. This route needs botocore, and when botocore
fails to import, the signature check sends 500 InternalFailure. The expiration
checked is the one that credentials_for() returns at the time of the STS
request, so generated credentials expire only when credential_lifetime is
0 or less.

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
                500 -> InternalServerException); null sends no such header.
                For GetCallerIdentity it is the <Code> of the XML error,
                which defaults to 400 Throttling, 403 AccessDenied, 500
                InternalFailure and 503 ServiceUnavailable; null or another
                status without error_type leaves <Code> out.
    message     "message" of the JSON error body (<Message> of the XML error)
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
again when the scenario is reloaded. A fault applies before the checks of
its operation, so a GetCallerIdentity fault needs no valid signature. STS
requests carry no portal token, so a fault with a "token" string never
matches them.

Request log (--request-log): one JSON object per line, flushed per line.
A request line is written before its response is sent, so it is present
once the client has the response. Its fields: seq (1, 2, ... per request),
time (arrival, epoch seconds), connection, method, path, raw_query, query
(first decoded value of each name, "+" decoded as a space), token (or null,
always null for GetCallerIdentity), headers (lowercased name -> value,
repeats joined with ", "), header_names (names as sent, in order),
http_version, body_length, op (operation name, or null when method and path
match none), fault (index into "faults" or null), status (null when a fault
closed the connection), completed (epoch seconds when the response was ready
to send, after every delay, so the request was in flight from time to
completed), sts (null except for GetCallerIdentity, see below).
For GetCallerIdentity, sts is {"access_key_id", "region", "service",
"signed_headers" (list of names), "error"}. The first four come from the
Authorization header, parsed loosely so that a malformed header still shows
them, and each is null when the header lacks it. error is the <Code> of the
XML error that the mock sent (from a check or a fault), or null.
Connection lines: {"event": "connection", "connection": id, "time", "peer"}
when a TCP connection is accepted, then {"event": "tls_handshake", ...,
"tls_version", "cipher"} or {"event": "tls_handshake_failed", ..., "error"}.
"""

import argparse
import base64
import calendar
import hashlib
import hmac
import itertools
import json
import logging
import os
import re
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse
import uuid
import xml.sax.saxutils
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import portal_scenario  # noqa: E402

log = logging.getLogger("mock_portal")

ERROR_TYPE_NAMESPACE = "http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/"
TOKEN_HEADER = "x-amz-sso_bearer_token"

STS_OPERATION = "GetCallerIdentity"

# Path -> (method, operation name).
ROUTES = {
    "/assignment/accounts": ("GET", "ListAccounts"),
    "/assignment/roles": ("GET", "ListAccountRoles"),
    "/federation/credentials": ("GET", "GetRoleCredentials"),
    "/logout": ("POST", "Logout"),
    "/": ("POST", STS_OPERATION),
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

# STS error code sent for a GetCallerIdentity fault status when the fault
# names none. Throttling goes with status 400, which is how botocore's
# data/_retry.json (1.29) recognizes throttling of query-protocol services.
STS_DEFAULT_ERROR_CODES = {
    400: "Throttling",
    403: "AccessDenied",
    500: "InternalFailure",
    503: "ServiceUnavailable",
}

STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
STS_API_VERSION = "2011-06-15"
# AWS rejects a SigV4 request whose X-Amz-Date is further than this from
# its own clock.
MAX_CLOCK_SKEW_SECONDS = 15 * 60
SIGV4_TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
AUTHORIZATION_PATTERN = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<access_key_id>[^/,\s]+)/(?P<date>\d{8})/"
    r"(?P<region>[^/,\s]+)/(?P<service>[^/,\s]+)/aws4_request,\s*"
    r"SignedHeaders=(?P<signed_headers>[^,\s]+),\s*Signature=(?P<signature>[0-9a-f]{64})",
    re.ASCII)
AMZ_DATE_PATTERN = re.compile(r"\d{8}T\d{6}Z", re.ASCII)
# A host name or bracketed IPv6 address with an optional port. Anything
# else in Host would change the path that the signature check rebuilds.
HOST_PATTERN = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?", re.ASCII)
# Characters that an XML 1.0 document cannot contain, even as references.
XML_INVALID_CHARACTERS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

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
        # <Code> of an STS ErrorResponse body, for the request log.
        self.sts_error_code = None

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

    Fault counters and the access key index belong to one loaded scenario
    and restart on reload. The set of logged-out tokens lasts for the life
    of the server.
    """

    def __init__(self, scenario_path):
        self._path = scenario_path
        self._lock = threading.Lock()
        self._file_key = None
        self._last_error = None
        self._scenario = None
        self._fault_counts = []
        self._key_index = None
        self._key_index_scenario = None
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

    def access_key_index(self, scenario):
        """Return portal_scenario.index_access_keys(scenario), built once
        per loaded scenario."""
        with self._lock:
            if self._key_index_scenario is not scenario:
                self._key_index = portal_scenario.index_access_keys(scenario)
                self._key_index_scenario = scenario
            return self._key_index

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


def fault_response(fault, op):
    # A fault with only a body simulates a malformed success response.
    status = fault.get("status", 200 if has_fault_body(fault) else 500)
    if op == STS_OPERATION:
        return sts_fault_response(fault, status)
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


# STS GetCallerIdentity


class StsError(Exception):
    """Raised by the GetCallerIdentity checks. Converts to an XML
    ErrorResponse with this status and code and the exception's text as
    the message."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status = status
        self.code = code


def xml_text(value):
    """Escape VALUE for XML element content.

    A raw CR would reach the client as LF after XML end-of-line handling, so
    it goes out as a character reference. Characters that XML 1.0 cannot
    carry at all become U+FFFD.
    """
    value = XML_INVALID_CHARACTERS.sub("\ufffd", value)
    return xml.sax.saxutils.escape(value, {"\r": "&#13;"})


def xml_response(status, lines, request_id):
    body = "\n".join(lines) + "\n"
    return Response(status, body.encode("utf-8"),
                    {"Content-Type": "text/xml", "x-amzn-RequestId": request_id})


def sts_error_response(status, code, message):
    """Build an STS query-protocol ErrorResponse. A code of None leaves out
    the <Code> element."""
    request_id = str(uuid.uuid4())
    error_kind = "Receiver" if status >= 500 else "Sender"
    lines = [f'<ErrorResponse xmlns="{STS_NAMESPACE}">',
             "  <Error>",
             f"    <Type>{error_kind}</Type>"]
    if code is not None:
        lines.append(f"    <Code>{xml_text(code)}</Code>")
    lines += [f"    <Message>{xml_text(message)}</Message>",
              "  </Error>",
              f"  <RequestId>{request_id}</RequestId>",
              "</ErrorResponse>"]
    response = xml_response(status, lines, request_id)
    response.sts_error_code = code
    return response


def caller_identity_response(identity):
    for name in ("Arn", "UserId", "Account"):
        if XML_INVALID_CHARACTERS.search(identity[name]):
            raise StsError(500, "InternalFailure",
                           f"{name} {identity[name]!r} contains characters that XML 1.0 cannot "
                           "carry. Send such a response with a fault body instead.")
    request_id = str(uuid.uuid4())
    lines = [f'<GetCallerIdentityResponse xmlns="{STS_NAMESPACE}">',
             "  <GetCallerIdentityResult>",
             f"    <Arn>{xml_text(identity['Arn'])}</Arn>",
             f"    <UserId>{xml_text(identity['UserId'])}</UserId>",
             f"    <Account>{xml_text(identity['Account'])}</Account>",
             "  </GetCallerIdentityResult>",
             "  <ResponseMetadata>",
             f"    <RequestId>{request_id}</RequestId>",
             "  </ResponseMetadata>",
             "</GetCallerIdentityResponse>"]
    return xml_response(200, lines, request_id)


def sts_fault_response(fault, status):
    if has_fault_body(fault):
        response = Response(status, fault_body(fault))
    elif status >= 400:
        code = fault["error_type"] if "error_type" in fault else STS_DEFAULT_ERROR_CODES.get(status)
        response = sts_error_response(status, code, fault.get("message", "Injected fault"))
    else:
        response = Response(status)
    add_fault_headers(response, fault)
    return response


def describe_authorization(value):
    """Return the request-log fields of an Authorization header.

    The header is parsed loosely, so the log shows what a malformed header
    names. A field that the header does not contain is None.
    """
    fields = {"access_key_id": None, "region": None, "service": None, "signed_headers": None}
    if value is None:
        return fields
    credential = re.search(r"Credential=([^,\s]*)", value)
    if credential is not None:
        scope = credential.group(1).split("/")
        fields["access_key_id"] = scope[0]
        if len(scope) > 2:
            fields["region"] = scope[2]
        if len(scope) > 3:
            fields["service"] = scope[3]
    signed_headers = re.search(r"SignedHeaders=([^,\s]*)", value)
    if signed_headers is not None:
        fields["signed_headers"] = signed_headers.group(1).split(";")
    return fields


def format_sigv4_time(seconds):
    return time.strftime(SIGV4_TIMESTAMP_FORMAT, time.gmtime(seconds))


def parse_signature(headers):
    """Parse Authorization, X-Amz-Date and Host into a dict with the fields
    of AUTHORIZATION_PATTERN, "signed_headers" as a list, "amz_date" and
    "time" (X-Amz-Date in epoch seconds)."""
    authorization = headers.get("Authorization")
    if authorization is None:
        raise StsError(403, "MissingAuthenticationToken",
                       "The request has no Authorization header, so it is not signed.")
    match = AUTHORIZATION_PATTERN.fullmatch(authorization)
    if match is None:
        raise StsError(400, "IncompleteSignature",
                       "The Authorization header is not of the form 'AWS4-HMAC-SHA256 "
                       "Credential=KEY_ID/YYYYMMDD/REGION/SERVICE/aws4_request, "
                       "SignedHeaders=NAME;NAME, Signature=<64 hex digits>'.")
    signature = match.groupdict()
    signature["signed_headers"] = signature["signed_headers"].split(";")

    amz_date = headers.get("X-Amz-Date")
    if amz_date is None:
        raise StsError(400, "IncompleteSignature", "The request has no X-Amz-Date header.")
    invalid_date = StsError(400, "IncompleteSignature",
                            f"X-Amz-Date {amz_date!r} is not a time of the form YYYYMMDDTHHMMSSZ.")
    if not AMZ_DATE_PATTERN.fullmatch(amz_date):
        raise invalid_date
    try:
        moment = time.strptime(amz_date, SIGV4_TIMESTAMP_FORMAT)
    except ValueError as e:
        raise invalid_date from e
    signature["amz_date"] = amz_date
    signature["time"] = calendar.timegm(moment)

    missing = [name for name in ("host", "x-amz-date") if name not in signature["signed_headers"]]
    if missing:
        raise StsError(400, "IncompleteSignature",
                       f"SignedHeaders must include {' and '.join(missing)}.")
    host = headers.get("Host")
    if host is None or not HOST_PATTERN.fullmatch(host):
        raise StsError(400, "IncompleteSignature",
                       f"Host header {host!r} is not a host name or address with an optional port.")
    return signature


def issued_credentials(state, scenario, key_id, now):
    """Return (identity, credentials) of the role that KEY_ID was issued for.

    Raises StsError 403 for a key id that the scenario does not issue. The
    scenario may issue a key id more than once, for example to two tokens
    that share one grant. When those entries differ in user name, account,
    role, GetCallerIdentity result or credentials, the mock cannot tell which
    one the client means, so it raises StsError 500.
    """
    entries = state.access_key_index(scenario).get(key_id)
    if not entries:
        raise StsError(403, "InvalidClientTokenId",
                       f"The access key id {key_id} is not issued by this mock portal.")

    variants = {}
    for token, account_id, role_name in entries:
        user_name = scenario["tokens"][token].get("user_name", portal_scenario.DEFAULT_USER_NAME)
        identity = portal_scenario.caller_identity(scenario, token, account_id, role_name)
        credentials = portal_scenario.credentials_for(scenario, token, account_id, role_name, now)
        key = json.dumps([user_name, account_id, role_name, identity, credentials],
                         sort_keys=True)
        owner = f"{user_name} in {account_id}/{role_name}"
        variants.setdefault(key, (identity, credentials, owner))
    if len(variants) > 1:
        owners = ", ".join(variant[2] for variant in variants.values())
        raise StsError(500, "InternalFailure",
                       f"The scenario issues access key id {key_id} to different identities or "
                       f"with different credentials ({owners}). Give each role of each token "
                       "its own credentials.")
    identity, credentials, _ = next(iter(variants.values()))
    return identity, credentials


def check_session_token(headers, signature, credentials):
    key_id = signature["access_key_id"]
    session_token = headers.get("X-Amz-Security-Token")
    if session_token is None:
        raise StsError(403, "InvalidClientTokenId",
                       "The request has no X-Amz-Security-Token header, which temporary "
                       f"credentials such as {key_id} need.")
    if "x-amz-security-token" not in signature["signed_headers"]:
        raise StsError(403, "InvalidClientTokenId",
                       "SignedHeaders does not include x-amz-security-token.")
    if session_token != credentials.get("sessionToken"):
        raise StsError(403, "InvalidClientTokenId",
                       "X-Amz-Security-Token is not the session token issued with access key "
                       f"id {key_id}.")


def check_scope(scenario, signature):
    if signature["service"] != "sts":
        raise StsError(403, "SignatureDoesNotMatch",
                       f"Credential scope service is {signature['service']!r}, expected 'sts'.")
    if signature["date"] != signature["amz_date"][:8]:
        raise StsError(403, "SignatureDoesNotMatch",
                       f"Credential scope date {signature['date']} differs from the date "
                       f"{signature['amz_date'][:8]} of X-Amz-Date.")
    if signature["region"] != scenario.get("sts_region", portal_scenario.DEFAULT_STS_REGION):
        raise StsError(403, "SignatureDoesNotMatch",
                       "Credential should be scoped to a valid region.")


def check_clock(signature, now):
    skew = signature["time"] - now
    if abs(skew) <= MAX_CLOCK_SKEW_SECONDS:
        return
    limit = MAX_CLOCK_SKEW_SECONDS // 60
    if skew < 0:
        message = (f"Signature expired: X-Amz-Date {signature['amz_date']} is more than {limit} "
                   f"minutes before the server time {format_sigv4_time(now)}.")
    else:
        message = (f"Signature not yet current: X-Amz-Date {signature['amz_date']} is more than "
                   f"{limit} minutes after the server time {format_sigv4_time(now)}.")
    raise StsError(403, "SignatureDoesNotMatch", message)


def load_botocore_signer():
    """Import botocore's SigV4 signer on first use.

    The portal routes work without botocore, and a server that receives no
    STS request starts faster without the import.
    """
    try:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
    except ImportError as e:
        raise StsError(500, "InternalFailure",
                       f"The mock verifies SigV4 signatures with botocore, which failed to "
                       f"import: {e}. Install python3-botocore.") from e
    return SigV4Auth, AWSRequest, Credentials


def check_signature(method, path, headers, body, signature, credentials):
    """Recompute the signature with botocore's signer and compare.

    botocore's headers_to_sign() signs every header of the request it gets,
    so the rebuilt request carries exactly the headers named in
    SignedHeaders, with the values received.
    """
    SigV4Auth, AWSRequest, Credentials = load_botocore_signer()
    signed_names = signature["signed_headers"]
    received_names = {name.lower() for name in headers.keys()}
    missing = [name for name in signed_names if name not in received_names]
    if missing:
        raise StsError(403, "SignatureDoesNotMatch",
                       f"SignedHeaders names {', '.join(missing)}, which the request does not "
                       "contain.")

    request = AWSRequest(method=method, url=f"https://{headers['Host']}{path}", data=body)
    for name, value in headers.items():
        if name.lower() in signed_names:
            request.headers[name] = value
    request.context["timestamp"] = signature["amz_date"]
    signer = SigV4Auth(Credentials(signature["access_key_id"], credentials["secretAccessKey"],
                                   credentials["sessionToken"]),
                       "sts", signature["region"])

    expected_names = signer.signed_headers(signer.headers_to_sign(request))
    if ";".join(signed_names) != expected_names:
        # NOTE: botocore never signs user-agent, expect or x-amzn-trace-id,
        # so a request that signs them fails here although SigV4 lets a
        # client sign any header.
        raise StsError(403, "SignatureDoesNotMatch",
                       f"SignedHeaders {';'.join(signed_names)} differs from {expected_names}, "
                       "the list that botocore's signer derives from those headers. It needs "
                       "sorted lowercase names and leaves out user-agent, expect and "
                       "x-amzn-trace-id.")

    # canonical_request() takes a signed X-Amz-Content-SHA256 as the payload
    # hash without hashing the body, so the body is checked against it here.
    content_hash = request.headers.get("X-Amz-Content-SHA256")
    if content_hash is not None and content_hash != hashlib.sha256(body).hexdigest():
        raise StsError(403, "SignatureDoesNotMatch",
                       "X-Amz-Content-SHA256 is not the SHA-256 hash of the request body.")

    canonical_request = signer.canonical_request(request)
    string_to_sign = signer.string_to_sign(request, canonical_request)
    expected = signer.signature(string_to_sign, request)
    if not hmac.compare_digest(expected, signature["signature"]):
        # The server log gets what a client needs to find its mistake, with
        # the session token left out.
        redacted = canonical_request.replace(credentials["sessionToken"], "<session token>")
        log.info("signature mismatch for %s: canonical request:\n%s\nstring to sign:\n%s",
                 signature["access_key_id"], redacted, string_to_sign)
        raise StsError(403, "SignatureDoesNotMatch",
                       "The request signature does not match the signature computed from the "
                       "request and the secret access key of "
                       f"{signature['access_key_id']}.")


def check_expiration(credentials, now):
    """Raise ExpiredToken once the credentials' expiration (epoch
    milliseconds) has passed. A malformed expiration never expires."""
    expiration = credentials.get("expiration")
    if not isinstance(expiration, (int, float)) or isinstance(expiration, bool):
        return
    if expiration <= now * 1000:
        raise StsError(403, "ExpiredToken",
                       "The security token included in the request is expired")


def parse_sts_parameters(query, body):
    """Return the query-protocol parameters: those of the query string,
    replaced by those of the form body, first value of each name."""
    parameters = dict(query)
    try:
        pairs = urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True,
                                       errors="strict")
    except UnicodeDecodeError as e:
        raise StsError(400, "InvalidParameterValue",
                       f"The request body is not valid UTF-8 form data: {e}") from e
    body_parameters = {}
    for name, value in pairs:
        body_parameters.setdefault(name, value)
    parameters.update(body_parameters)
    return parameters


def check_sts_parameters(parameters):
    action = parameters.get("Action", "")
    if action == "":
        raise StsError(400, "MissingAction", "The request has no Action parameter.")
    if action != STS_OPERATION:
        raise StsError(400, "InvalidAction",
                       f"Action {action!r} is not supported. This mock implements only "
                       f"{STS_OPERATION}.")
    version = parameters.get("Version", "")
    if version == "":
        raise StsError(400, "MissingParameter",
                       f"The request has no Version parameter. Send Version={STS_API_VERSION}.")
    if version != STS_API_VERSION:
        raise StsError(400, "InvalidParameterValue",
                       f"Version {version!r} is not the STS API version {STS_API_VERSION}.")


def serve_caller_identity(state, scenario, method, path, query, headers, body):
    """Return the response to a GetCallerIdentity request.

    The checks run in the order that the module docstring lists, and the
    first one that fails raises StsError.
    """
    now = time.time()
    signature = parse_signature(headers)
    identity, credentials = issued_credentials(state, scenario, signature["access_key_id"], now)
    check_session_token(headers, signature, credentials)
    check_scope(scenario, signature)
    check_clock(signature, now)
    check_signature(method, path, headers, body, signature, credentials)
    check_expiration(credentials, now)
    check_sts_parameters(parse_sts_parameters(query, body))
    return caller_identity_response(identity)



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
        sts_fields = None
        if op == STS_OPERATION:
            # STS identifies the caller by the signature, not by a portal token.
            token = None
            sts_fields = describe_authorization(self.headers.get("Authorization"))

        body_length, body, response = self.read_body()
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
                response = fault_response(fault, op)

        if response is None and not drop_connection:
            response = self.route_response(split.path, route, op, state, scenario, token, query,
                                           body)
            if fault is not None:
                add_fault_headers(response, fault)
        if sts_fields is not None:
            sts_fields["error"] = None if response is None else response.sts_error_code

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
            "sts": sts_fields,
        })
        if response is not None:
            self.send(response)

    def route_response(self, path, route, op, state, scenario, token, query, body):
        if route is None:
            return error_response(404, "UnknownOperationException", f"No operation at path {path}")
        if op is None:
            response = error_response(405, "MethodNotAllowedException",
                                      f"Method {self.command} is not allowed here, use {route[0]}")
            response.set_header("Allow", route[0])
            return response
        if op == STS_OPERATION:
            # The signature covers the path and the raw query string.
            target = urllib.parse.urlsplit(self.path)
            signed_path = target.path + (f"?{target.query}" if target.query else "")
            try:
                return serve_caller_identity(state, scenario, self.command, signed_path, query,
                                             self.headers, body)
            except StsError as e:
                log.info("connection %d: GetCallerIdentity failed with %d %s: %s",
                         self.connection_id, e.status, e.code, e)
                return sts_error_response(e.status, e.code, str(e))
        try:
            return serve_operation(state, scenario, op, token, query)
        except BadRequest as e:
            return error_response(400, "InvalidRequestException", str(e))

    def read_body(self):
        """Read the request body, which STS requests need and which must be
        consumed anyway so that the next request on the connection parses.

        Returns (length read, body, error response or None).
        """
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            return 0, b"", error_response(400, "InvalidRequestException",
                                          "Chunked request bodies are not supported")
        text = self.headers.get("Content-Length")
        if text is None:
            return 0, b"", None
        if not text.isascii() or not text.isdigit():
            self.close_connection = True
            return 0, b"", error_response(400, "InvalidRequestException",
                                          f"Invalid Content-Length {text!r}")
        length = int(text)
        if length > MAX_REQUEST_BODY:
            self.close_connection = True
            return 0, b"", error_response(
                413, "InvalidRequestException",
                f"Request body of {length} bytes exceeds {MAX_REQUEST_BODY}")
        body = self.rfile.read(length)
        return length, body, None

    def header_dict(self):
        headers = {}
        for name, value in self.headers.items():
            lowered = name.lower()
            headers[lowered] = value if lowered not in headers else headers[lowered] + ", " + value
        return headers

    def send(self, response):
        # An STS XML body carries its request id, which the header repeats.
        if not response.has_header("x-amzn-RequestId"):
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
