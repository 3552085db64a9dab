"""Hostile input and portal faults, through real Linux-PAM.

Each test makes the person at the prompt or the mock portal misbehave in
one way.  It then checks the PAM code, the reason in the module's decision
log line, and what reached the portal according to the mock's request log.
A refused login must leave no credentials in the PAM environment and must
not crash the driver.
"""

import base64
import json
import time

import pytest

from conftest import (ACCOUNT_A, EXPIRATION_MS, PAM_AUTH_ERR, PAM_AUTHINFO_UNAVAIL,
                      PAM_SERVICE_ERR, PAM_SUCCESS, TOKEN, credentials, portal_args,
                      standard_scenario)
from portal_server import MockPortal
from sso_fixtures import iso8601
from test_login import assert_nothing_exported, ops

MEBIBYTE = 1024 * 1024
UNAVAILABLE_MESSAGE = "The SSO portal is unavailable; try again later."
REJECTED_MESSAGE = "The SSO access token was rejected."
UNPRINTABLE_REASON = "token contains a space or a byte outside printable ASCII"

# The JSON tests list only account A, so that one fault body serves the
# single ListAccountRoles request.  The rule is a pattern, not the exact id,
# because a rule naming exact accounts makes the module skip ListAccounts.
ALLOW_ACCOUNT_A = f"allow={ACCOUNT_A[:-1]}*:ReadOnly"
ACCOUNTS_BODY = json.dumps({"accountList": [{"accountId": ACCOUNT_A, "accountName": "dev"}]})
ROLES_BODY = json.dumps({"roleList": [{"roleName": "ReadOnly", "accountId": ACCOUNT_A}]})
FAULT_CREDENTIALS = credentials("fault")


def credentials_body(drop=None, **changes):
    """A GetRoleCredentials body built from FAULT_CREDENTIALS, without the
    field DROP and with CHANGES applied."""
    fields = dict(FAULT_CREDENTIALS, **changes)
    fields.pop(drop, None)
    return json.dumps({"roleCredentials": fields})


def inject(server, *faults, **settings):
    """Give SERVER the standard scenario plus SETTINGS and FAULTS.  Account
    A's ReadOnly role gets FAULT_CREDENTIALS, so that the mock's STS
    accepts the credentials of an injected GetRoleCredentials body."""
    scenario = standard_scenario()
    for entry in scenario["tokens"][TOKEN]["accounts"]:
        if entry["accountId"] == ACCOUNT_A:
            entry["roles"][0]["credentials"] = dict(FAULT_CREDENTIALS)
    scenario.update(settings)
    scenario["faults"] = list(faults)
    server.update_scenario(scenario)
    return scenario


def body_fault(op, body, **extra):
    """A fault that replaces the response to OP with BODY.  For
    ListAccountRoles it matches account A only, which ALLOW_ACCOUNT_A lists."""
    fault = {"op": op, "body": body, **extra}
    if op == "ListAccountRoles":
        fault["account_id"] = ACCOUNT_A
    return fault


def decision_reason(login):
    """Return the reason= text of the module's one 'authentication failed'
    line."""
    lines = [line for line in login.logs if line.startswith("authentication failed:")]
    assert len(lines) == 1, login.logs
    return lines[0].split(" reason=", 1)[1]


def assert_refused(login, code):
    assert login.steps == {"auth": code}
    # A crash kills the driver by a signal, which shows as a negative code.
    assert login.returncode == 1
    assert_nothing_exported(login)


def padded_listing(size):
    """A valid ListAccounts body of exactly SIZE bytes that lists account A."""
    head = '{"accountList": [{"accountId": "%s"}], "pad": "' % ACCOUNT_A
    tail = '"}'
    return head + "x" * (size - len(head) - len(tail)) + tail


# Tokens from the prompt


@pytest.mark.parametrize("token, reason", [
    pytest.param(b"aoa\rabc", UNPRINTABLE_REASON, id="carriage-return"),
    pytest.param(b"aoa\nabc", UNPRINTABLE_REASON, id="line-feed"),
    pytest.param(TOKEN.encode() + b"\n", UNPRINTABLE_REASON, id="trailing-newline"),
    pytest.param(b"aoa\tabc", UNPRINTABLE_REASON, id="tab"),
    pytest.param("aoa\u00e9abc".encode(), UNPRINTABLE_REASON, id="non-ascii"),
    pytest.param(b"\0" + TOKEN.encode(), "empty token", id="leading-nul"),
    pytest.param(b"\0", "empty token", id="nul-only"),
    pytest.param(b"x" * MEBIBYTE, "token longer than 8192 bytes", id="one-mebibyte",
                 marks=pytest.mark.valgrind),
])
def test_hostile_token_never_sent(pam, portal, token, reason):
    pam.auth_service(*portal_args(portal, "allow=*:*"))

    login = pam.run(token=token)

    assert_refused(login, PAM_AUTH_ERR)
    assert decision_reason(login).startswith(reason)
    assert login.errors == [REJECTED_MESSAGE]
    assert portal.requests() == []
    assert portal.connection_counts()["accepted"] == 0


@pytest.mark.valgrind
def test_token_ends_at_nul_byte(pam, portal):
    """A conversation reply is a C string (struct pam_response's resp), so
    the module receives only the bytes before a NUL.  The driver copies
    each reply with strdup."""
    pam.auth_service(*portal_args(portal, "allow=*:ReadOnly"))

    login = pam.run(token=TOKEN.encode() + b"\0junk after the nul")

    assert login.step("auth") == PAM_SUCCESS
    assert {request["token"] for request in portal.requests()
            if request["sts"] is None} == {TOKEN}


# Response size and framing


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.valgrind
def test_oversized_body_cut_off(pam, portal, chunked):
    # The body is valid JSON that lists account A, so only the size cap can
    # reject it.
    inject(portal, body_fault("ListAccounts", padded_listing(3 * MEBIBYTE), chunked=chunked))
    pam.auth_service(*portal_args(portal, "allow=*:*"))

    login = pam.run()

    assert_refused(login, PAM_AUTHINFO_UNAVAIL)
    assert decision_reason(login) == ("role listing failed: ListAccounts: "
                                      "response larger than 1048576 bytes")
    assert ops(portal) == ["ListAccounts"]
    assert login.seconds < 5


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("size, expected", [
    (MEBIBYTE, PAM_SUCCESS),
    (MEBIBYTE + 1, PAM_AUTHINFO_UNAVAIL),
], ids=["at-limit", "one-over"])
def test_body_size_limit_boundary(pam, portal, chunked, size, expected):
    inject(portal, body_fault("ListAccounts", padded_listing(size), chunked=chunked))
    pam.auth_service(*portal_args(portal, ALLOW_ACCOUNT_A))

    login = pam.run(steps="auth")

    assert login.step("auth") == expected
    if expected == PAM_SUCCESS:
        assert login.env["AWS_SSO_ACCOUNT_ID"] == ACCOUNT_A
    else:
        assert decision_reason(login).endswith("response larger than 1048576 bytes")


@pytest.mark.valgrind
def test_chunked_responses_log_in(pam, portal):
    inject(portal, {"chunked": True})
    pam.auth_service(*portal_args(portal, "allow=*:ReadOnly"))

    login = pam.run()

    assert login.step("auth") == PAM_SUCCESS
    assert login.env["AWS_ACCESS_KEY_ID"].startswith("ASIA")


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.valgrind
def test_body_cut_short_fails(pam, portal, chunked):
    # The bytes that arrive form a complete listing, and only the HTTP
    # framing shows that more bytes were due.
    body = ACCOUNTS_BODY + " " * 500
    inject(portal, body_fault("ListAccounts", body, chunked=chunked,
                              stall_after_bytes=len(ACCOUNTS_BODY), close=True))
    pam.auth_service(*portal_args(portal, ALLOW_ACCOUNT_A))

    login = pam.run()

    assert_refused(login, PAM_AUTHINFO_UNAVAIL)
    assert "ListAccounts: Transferred a partial file" in decision_reason(login)
    assert login.errors == [UNAVAILABLE_MESSAGE]
    assert 1 <= ops(portal).count("ListAccounts") <= 2
    assert "ListAccountRoles" not in ops(portal)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_stalled_body_times_out(pam, portal, chunked):
    inject(portal, {"op": "ListAccounts", "stall_after_bytes": 10, "delay": 8,
                    "chunked": chunked})
    pam.auth_service(*portal_args(portal, "allow=*:*", "timeout=2"))

    login = pam.run()

    assert_refused(login, PAM_AUTHINFO_UNAVAIL)
    assert "ListAccounts: Timeout was reached" in decision_reason(login)
    assert 1.5 < login.seconds < 5
    assert ops(portal) == ["ListAccounts"]


@pytest.mark.valgrind
def test_brief_stall_still_logs_in(pam, portal):
    inject(portal, {"op": "ListAccounts", "stall_after_bytes": 10, "delay": 0.5})
    pam.auth_service(*portal_args(portal, "allow=*:ReadOnly", "timeout=5"))

    login = pam.run()

    assert login.step("auth") == PAM_SUCCESS
    assert login.seconds >= 0.4


# Pagination


@pytest.mark.parametrize("op", ["ListAccounts", "ListAccountRoles"])
@pytest.mark.valgrind
def test_endless_pages_stop_at_bound(pam, portal, op):
    faults = [] if op == "ListAccounts" else [body_fault("ListAccounts", ACCOUNTS_BODY)]
    inject(portal, *faults, endless_pages=True)
    # For ListAccounts, a rule no listed account matches, so that no role
    # listing runs beside it and hits its own bound first.
    rule = "allow=9*:ReadOnly" if op == "ListAccounts" else ALLOW_ACCOUNT_A
    pam.auth_service(*portal_args(portal, rule))

    login = pam.run()

    assert_refused(login, PAM_AUTHINFO_UNAVAIL)
    assert decision_reason(login) == f"role listing failed: {op}: more than 200 pages"
    pages = [request for request in portal.requests() if request["op"] == op]
    assert len(pages) == 200
    next_tokens = [request["query"].get("next_token") for request in pages]
    assert next_tokens[0] is None
    assert len(set(next_tokens[1:])) == 199
    assert "GetRoleCredentials" not in ops(portal)


@pytest.mark.parametrize("op, body", [
    ("ListAccounts", json.dumps({"accountList": [{"accountId": ACCOUNT_A}],
                                 "nextToken": "again"})),
    ("ListAccountRoles", json.dumps({"roleList": [{"roleName": "ReadOnly",
                                                   "accountId": ACCOUNT_A}],
                                     "nextToken": "again"})),
])
def test_repeated_next_token_fails(pam, portal, op, body):
    inject(portal, body_fault(op, body))
    pam.auth_service(*portal_args(portal, ALLOW_ACCOUNT_A))

    login = pam.run()

    assert_refused(login, PAM_AUTHINFO_UNAVAIL)
    assert decision_reason(login) == (f"role listing failed: {op}: "
                                      "the same nextToken came back twice")
    pages = [request for request in portal.requests() if request["op"] == op]
    assert [request["query"].get("next_token") for request in pages] == [None, "again"]
    assert "GetRoleCredentials" not in ops(portal)


# Malformed JSON


@pytest.mark.parametrize("op, body", [
    ("ListAccounts", ACCOUNTS_BODY),
    ("ListAccountRoles", ROLES_BODY),
    ("GetRoleCredentials", credentials_body()),
    # Non-ASCII text in a field the module ignores.
    ("ListAccounts", json.dumps({"accountList": [{"accountId": ACCOUNT_A,
                                                  "accountName": "caf\u00e9 \u2603"}]},
                                ensure_ascii=False)),
], ids=["accounts", "roles", "credentials", "non-ascii-name"])
def test_fault_body_baseline_logs_in(pam, portal, op, body):
    """The bodies that the tests below break in one place each log in."""
    inject(portal, body_fault(op, body))
    pam.auth_service(*portal_args(portal, ALLOW_ACCOUNT_A))

    login = pam.run()

    assert login.step("auth") == PAM_SUCCESS
    assert login.env["AWS_SSO_ACCOUNT_ID"] == ACCOUNT_A
    if op == "GetRoleCredentials":
        assert login.env["AWS_ACCESS_KEY_ID"] == FAULT_CREDENTIALS["accessKeyId"]


@pytest.mark.parametrize("raw", [
    pytest.param(b"caf\xe9", id="latin-1"),
    pytest.param(b"\xc0\xaf", id="overlong"),
    pytest.param(b"\xed\xa0\x80", id="surrogate"),
    pytest.param(b"\xf4\x90\x80\x80", id="above-max"),
    pytest.param(b"\xe2\x98", id="truncated", marks=pytest.mark.valgrind),
    pytest.param(b"\xff", id="invalid-byte"),
])
def test_invalid_utf8_is_unavailable(pam, portal, raw):
    # The bad bytes sit in accountName, which the module otherwise ignores.
    body = b'{"accountList": [{"accountId": "%s", "accountName": "%s"}]}' % (
        ACCOUNT_A.encode(), raw)
    inject(portal, {"op": "ListAccounts", "body_base64": base64.b64encode(body).decode()})
    pam.auth_service(*portal_args(portal, ALLOW_ACCOUNT_A))

    login = pam.run()

    assert_refused(login, PAM_AUTHINFO_UNAVAIL)
    assert decision_reason(login) == "role listing failed: ListAccounts: malformed response"
    assert ops(portal) == ["ListAccounts"]


def assert_malformed(login, portal, op):
    assert_refused(login, PAM_AUTHINFO_UNAVAIL)
    assert decision_reason(login).endswith(f"{op}: malformed response")
    assert login.errors == [UNAVAILABLE_MESSAGE]
    assert ops(portal).count(op) == 1
    if op != "GetRoleCredentials":
        assert "GetRoleCredentials" not in ops(portal)


@pytest.mark.parametrize("op, body", [
    pytest.param("ListAccounts", json.dumps({"accountList": {"accountId": ACCOUNT_A}}),
                 id="account-list-object"),
    pytest.param("ListAccounts", '{"accountList": null}', id="account-list-null",
                 marks=pytest.mark.valgrind),
    pytest.param("ListAccounts", json.dumps({"accountList": [ACCOUNT_A]}),
                 id="account-item-string"),
    pytest.param("ListAccounts", '{"accountList": [{"accountId": null}]}',
                 id="account-id-null"),
    pytest.param("ListAccounts", json.dumps({"accountList": [{"accountId": ACCOUNT_A}],
                                             "nextToken": 2}), id="next-token-number"),
    pytest.param("ListAccounts", json.dumps([{"accountId": ACCOUNT_A}]), id="top-level-array"),
    pytest.param("ListAccountRoles", '{"roleList": "ReadOnly"}', id="role-list-string",
                 marks=pytest.mark.valgrind),
    pytest.param("ListAccountRoles",
                 json.dumps({"roleList": [{"roleName": None, "accountId": ACCOUNT_A}]}),
                 id="role-name-null"),
    pytest.param("ListAccountRoles",
                 json.dumps({"roleList": [{"roleName": ["ReadOnly"], "accountId": ACCOUNT_A}]}),
                 id="role-name-array"),
    pytest.param("ListAccountRoles",
                 json.dumps({"roleList": [{"roleName": "ReadOnly",
                                           "accountId": int(ACCOUNT_A)}]}),
                 id="role-account-number"),
    pytest.param("GetRoleCredentials", json.dumps({"roleCredentials": "ASIAFAULT"}),
                 id="credentials-string"),
    pytest.param("GetRoleCredentials", '{"roleCredentials": null}', id="credentials-null",
                 marks=pytest.mark.valgrind),
    pytest.param("GetRoleCredentials", credentials_body(expiration=str(EXPIRATION_MS)),
                 id="expiration-string"),
    pytest.param("GetRoleCredentials", credentials_body(expiration=float(EXPIRATION_MS)),
                 id="expiration-float"),
    pytest.param("GetRoleCredentials", credentials_body(expiration=None),
                 id="expiration-null"),
    pytest.param("GetRoleCredentials", credentials_body(expiration=True),
                 id="expiration-boolean"),
    pytest.param("GetRoleCredentials", credentials_body(accessKeyId=None),
                 id="key-id-null"),
    pytest.param("GetRoleCredentials", credentials_body(secretAccessKey=12345),
                 id="secret-number"),
    pytest.param("GetRoleCredentials", credentials_body(sessionToken={"value": "x"}),
                 id="session-token-object"),
])
def test_wrong_json_type_is_unavailable(pam, portal, op, body):
    inject(portal, body_fault(op, body))
    pam.auth_service(*portal_args(portal, ALLOW_ACCOUNT_A))

    login = pam.run()

    assert_malformed(login, portal, op)


@pytest.mark.parametrize("op, body", [
    pytest.param("ListAccounts", "", id="empty-body", marks=pytest.mark.valgrind),
    pytest.param("ListAccounts", "{}", id="account-list"),
    pytest.param("ListAccounts", '{"accountList": [{"accountName": "dev"}]}',
                 id="account-id"),
    pytest.param("ListAccountRoles", '{"nextToken": null}', id="role-list"),
    pytest.param("ListAccountRoles", json.dumps({"roleList": [{"accountId": ACCOUNT_A}]}),
                 id="role-name", marks=pytest.mark.valgrind),
    pytest.param("ListAccountRoles", '{"roleList": [{"roleName": "ReadOnly"}]}',
                 id="role-account-id"),
    pytest.param("GetRoleCredentials", "{}", id="role-credentials"),
    pytest.param("GetRoleCredentials", credentials_body(drop="accessKeyId"), id="key-id"),
    pytest.param("GetRoleCredentials", credentials_body(drop="secretAccessKey"), id="secret"),
    pytest.param("GetRoleCredentials", credentials_body(drop="sessionToken"),
                 id="session-token", marks=pytest.mark.valgrind),
    pytest.param("GetRoleCredentials", credentials_body(drop="expiration"), id="expiration"),
])
def test_missing_field_is_unavailable(pam, portal, op, body):
    inject(portal, body_fault(op, body))
    pam.auth_service(*portal_args(portal, ALLOW_ACCOUNT_A))

    login = pam.run()

    assert_malformed(login, portal, op)


def duplicate_member(body, key, value):
    """Return BODY with "KEY": VALUE inserted before the first KEY member,
    so that the object has KEY twice."""
    marker = json.dumps(key) + ":"
    assert marker in body
    return body.replace(marker, f"{marker} {json.dumps(value)}, {marker}", 1)


@pytest.mark.parametrize("op, body", [
    pytest.param("ListAccounts", duplicate_member(ACCOUNTS_BODY, "accountList", []),
                 id="account-list", marks=pytest.mark.valgrind),
    pytest.param("ListAccounts", duplicate_member(ACCOUNTS_BODY, "accountId", ACCOUNT_A),
                 id="account-id-same-value"),
    pytest.param("ListAccountRoles", duplicate_member(ROLES_BODY, "roleName", "Admin"),
                 id="role-name"),
    pytest.param("GetRoleCredentials",
                 duplicate_member(credentials_body(), "roleCredentials", None),
                 id="role-credentials", marks=pytest.mark.valgrind),
    pytest.param("GetRoleCredentials",
                 duplicate_member(credentials_body(), "accessKeyId", "ASIAOTHERKEY00000001"),
                 id="key-id"),
    pytest.param("GetRoleCredentials",
                 duplicate_member(credentials_body(), "expiration", 1_000),
                 id="expiration"),
])
def test_duplicate_key_is_unavailable(pam, portal, op, body):
    inject(portal, body_fault(op, body))
    pam.auth_service(*portal_args(portal, ALLOW_ACCOUNT_A))

    login = pam.run()

    assert_refused(login, PAM_AUTHINFO_UNAVAIL)
    # Only the operation is checked in the reason, so that any wording of
    # the rejection passes.
    assert f"{op}: " in decision_reason(login)
    if op != "GetRoleCredentials":
        assert "GetRoleCredentials" not in ops(portal)


# Credential expiration


IMPLAUSIBLE = "credential expiration in the past or too far ahead"
MALFORMED_CREDENTIALS = "fetching role credentials failed: GetRoleCredentials: malformed response"


@pytest.mark.parametrize("expiration, reason", [
    pytest.param(lambda now: now + 3600, IMPLAUSIBLE, id="seconds"),
    pytest.param(lambda now: (now + 3600) * 1_000_000, IMPLAUSIBLE, id="microseconds"),
    pytest.param(lambda now: (now - 60) * 1000, IMPLAUSIBLE, id="minute-ago",
                 marks=pytest.mark.valgrind),
    pytest.param(lambda now: (now + 8 * 86400) * 1000, IMPLAUSIBLE, id="eight-days-ahead"),
    pytest.param(lambda now: (now + 3 * 365 * 86400) * 1000, IMPLAUSIBLE,
                 id="years-ahead"),
    pytest.param(lambda now: 0, MALFORMED_CREDENTIALS, id="zero"),
    pytest.param(lambda now: -1, MALFORMED_CREDENTIALS, id="negative",
                 marks=pytest.mark.valgrind),
    pytest.param(lambda now: 2**63 - 1, MALFORMED_CREDENTIALS, id="int64-max"),
    pytest.param(lambda now: 2**64, MALFORMED_CREDENTIALS, id="above-uint64"),
])
def test_implausible_expiration_refused(pam, portal, expiration, reason):
    body = credentials_body(expiration=expiration(int(time.time())))
    inject(portal, body_fault("GetRoleCredentials", body))
    pam.auth_service(*portal_args(portal, ALLOW_ACCOUNT_A))

    login = pam.run()

    assert_refused(login, PAM_AUTHINFO_UNAVAIL)
    assert decision_reason(login) == reason
    assert ops(portal).count("GetRoleCredentials") == 1


def test_expiration_within_week_accepted(pam, portal):
    expiration_ms = (int(time.time()) + 6 * 86400) * 1000
    inject(portal, body_fault("GetRoleCredentials",
                              credentials_body(expiration=expiration_ms)))
    pam.auth_service(*portal_args(portal, ALLOW_ACCOUNT_A))

    login = pam.run()

    assert login.step("auth") == PAM_SUCCESS
    assert login.env["AWS_CREDENTIAL_EXPIRATION"] == iso8601(expiration_ms)


# Retries


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504, 509])
def test_transient_status_retried(pam, portal, status):
    inject(portal, {"op": "ListAccounts", "status": status, "times": 1})
    pam.auth_service(*portal_args(portal, "allow=*:ReadOnly"))

    login = pam.run()

    assert login.step("auth") == PAM_SUCCESS
    listings = [r["status"] for r in portal.requests() if r["op"] == "ListAccounts"]
    assert listings == [status, 200]


def test_retry_after_delays_retry(pam, portal):
    inject(portal, {"op": "ListAccounts", "status": 429, "times": 1,
                    "headers": {"Retry-After": "1"}})
    pam.auth_service(*portal_args(portal, "allow=*:ReadOnly", "timeout=5"))

    login = pam.run()

    assert login.step("auth") == PAM_SUCCESS
    first, second = [r for r in portal.requests() if r["op"] == "ListAccounts"]
    assert first["status"] == 429
    assert second["status"] == 200
    assert 0.95 <= second["time"] - first["time"] < 3


@pytest.mark.valgrind
def test_retry_after_beyond_budget_gives_up(pam, portal):
    """A Retry-After past the budget ends the login at once, not at the
    deadline.  The budget is well above the bound below, because a login
    under valgrind alone takes up to about 3 s."""
    inject(portal, {"op": "ListAccounts", "status": 429, "headers": {"Retry-After": "30"}})
    pam.auth_service(*portal_args(portal, "allow=*:*", "timeout=10"))

    login = pam.run()

    assert_refused(login, PAM_AUTHINFO_UNAVAIL)
    assert decision_reason(login) == ("role listing failed: ListAccounts: "
                                      "HTTP 429 (TooManyRequestsException)")
    assert ops(portal) == ["ListAccounts"]
    assert login.seconds < 5


def test_endless_throttling_stops_in_time(pam, portal):
    inject(portal, {"op": "ListAccounts", "status": 429})
    pam.auth_service(*portal_args(portal, "allow=*:*", "timeout=2"))

    login = pam.run()

    assert_refused(login, PAM_AUTHINFO_UNAVAIL)
    assert decision_reason(login) == ("role listing failed: ListAccounts: "
                                      "HTTP 429 (TooManyRequestsException)")
    assert login.errors == [UNAVAILABLE_MESSAGE]
    assert login.seconds < 2 + 3
    assert 2 <= len(portal.requests()) <= 20


@pytest.mark.parametrize("status, code", [
    (401, PAM_AUTH_ERR),
    (403, PAM_AUTHINFO_UNAVAIL),
    (404, PAM_AUTHINFO_UNAVAIL),
    (408, PAM_AUTHINFO_UNAVAIL),
    (409, PAM_AUTHINFO_UNAVAIL),
    (413, PAM_AUTHINFO_UNAVAIL),
    (422, PAM_AUTHINFO_UNAVAIL),
])
def test_client_error_not_retried(pam, portal, status, code):
    inject(portal, {"op": "ListAccounts", "status": status, "error_type": "InjectedError"})
    pam.auth_service(*portal_args(portal, "allow=*:*"))

    login = pam.run()

    assert_refused(login, code)
    assert decision_reason(login) == (f"role listing failed: ListAccounts: "
                                      f"HTTP {status} (InjectedError)")
    assert ops(portal) == ["ListAccounts"]


@pytest.mark.valgrind
def test_dropped_connection_retried_once(pam, portal):
    inject(portal, {"op": "ListAccounts", "close": True, "times": 1})
    pam.auth_service(*portal_args(portal, "allow=*:ReadOnly"))

    login = pam.run()

    assert login.step("auth") == PAM_SUCCESS
    listings = [r for r in portal.requests() if r["op"] == "ListAccounts"]
    assert [r["status"] for r in listings] == [None, 200]
    assert listings[0]["connection"] != listings[1]["connection"]


def test_dropped_connection_fails_fast(pam, portal):
    inject(portal, {"op": "ListAccounts", "close": True})
    pam.auth_service(*portal_args(portal, "allow=*:*"))

    login = pam.run()

    assert_refused(login, PAM_AUTHINFO_UNAVAIL)
    assert "ListAccounts: Server returned nothing" in decision_reason(login)
    assert ops(portal) == ["ListAccounts", "ListAccounts"]
    assert login.seconds < 3


# TLS and redirects


@pytest.mark.parametrize("cert_name, detail", [
    ("wrong-host", "no alternative certificate subject name matches target host name"),
    ("other-server", "unable to get local issuer certificate"),
])
def test_untrusted_certificate_refused(pam, certdir, tmp_path, cert_name, detail):
    with MockPortal(standard_scenario(), certdir, str(tmp_path / "portal"),
                    cert_name=cert_name) as server:
        pam.auth_service(*portal_args(server, "allow=*:*"))

        login = pam.run()

        assert_refused(login, PAM_AUTHINFO_UNAVAIL)
        assert detail in decision_reason(login)
        assert server.requests() == []
        assert server.connection_counts()["accepted"] >= 1


def test_http_endpoint_never_connects(pam, portal):
    pam.auth_service(f"endpoint=http://127.0.0.1:{portal.port}", "allow=*:*",
                     f"config={portal.certdir}/empty.conf")

    login = pam.run()

    assert login.steps == {"auth": PAM_SERVICE_ERR}
    assert any("must start with https://" in line for line in login.logs)
    assert login.prompts == []
    assert portal.connection_counts()["accepted"] == 0


@pytest.fixture
def bystander(certdir, tmp_path):
    """A second portal for redirects to point at.  Its certificate comes
    from the same CA and it accepts the same token, so a followed redirect
    would reach it."""
    with MockPortal(standard_scenario(), certdir, str(tmp_path / "bystander")) as server:
        yield server


@pytest.mark.parametrize("status", [301, 302, 307, 308])
@pytest.mark.parametrize("target", ["other-scheme", "other-host", "same-host"])
def test_redirect_not_followed(pam, portal, bystander, status, target):
    locations = {
        "other-scheme": f"http://127.0.0.1:{bystander.port}/assignment/accounts",
        "other-host": f"https://localhost:{bystander.port}/assignment/accounts",
        "same-host": f"{portal.url}/assignment/accounts?max_result=100&redirected=yes",
    }
    inject(portal, {"op": "ListAccounts", "status": status, "times": 1,
                    "headers": {"Location": locations[target]}})
    pam.auth_service(*portal_args(portal, "allow=*:*"))

    login = pam.run()

    assert_refused(login, PAM_AUTHINFO_UNAVAIL)
    assert decision_reason(login) == (f"role listing failed: ListAccounts: "
                                      f"HTTP {status} (no error type)")
    assert [r["raw_query"] for r in portal.requests()] == ["max_result=100"]
    assert bystander.connection_counts()["accepted"] == 0


@pytest.mark.valgrind
def test_credentials_redirect_not_followed(pam, portal):
    location = f"{portal.url}/federation/credentials?role_name=ReadOnly&account_id={ACCOUNT_A}"
    inject(portal, {"op": "GetRoleCredentials", "status": 307, "times": 1,
                    "headers": {"Location": location}})
    pam.auth_service(*portal_args(portal, "allow=*:ReadOnly"))

    login = pam.run()

    assert_refused(login, PAM_AUTHINFO_UNAVAIL)
    assert decision_reason(login) == ("fetching role credentials failed: "
                                      "GetRoleCredentials: HTTP 307 (no error type)")
    assert ops(portal).count("GetRoleCredentials") == 1
