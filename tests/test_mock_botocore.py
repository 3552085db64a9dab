"""Check the mock SSO portal against botocore's real "sso" and "sts" clients.

botocore's service models define the wire format of the portal API and of
STS, so a mock that botocore parses correctly matches what the C module
must handle. Every client gets an endpoint_url on the loopback address and
explicit credentials, so no test reaches AWS or reads credentials from this
machine.
Run with: /usr/bin/python3 -m pytest tests/test_mock_botocore.py
(Debian's python3-botocore; this suite was written against 1.29.27).
"""

import base64
import datetime
import http.client
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import time
import types
import xml.etree.ElementTree as ElementTree
from unittest import mock

import botocore.auth
import botocore.session
import pytest
from botocore import UNSIGNED
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError, ConnectionClosedError, SSLError

HERE = os.path.dirname(os.path.abspath(__file__))
MOCK_DIR = os.path.join(HERE, "mock_portal")
sys.path.insert(0, MOCK_DIR)

import portal_scenario  # noqa: E402
from portal_server import MockPortal  # noqa: E402

TOKEN = "alice-token/+=AbC"
OTHER_TOKEN = "bob-token"
CAROL_TOKEN = "carol-token"
DEV_ACCOUNT = "111111111111"
BOB_ACCOUNT = "999999999999"
CAROL_ACCOUNT = "121212121212"
# Identity Center user names are often e-mail addresses, and STS session
# names may contain "@", "+", "." and "-".
CAROL_USER_NAME = "carol.o-neil+ops@example.com"
# An ARN may contain TAB, LF and CR, and "&" and "<" need XML escaping.
LEGACY_ARN = "arn:aws:sts::121212121212:assumed-role/Legacy&Co<1>/deploy\tbot\r"
# Every character here must be percent-encoded in a query value.
SPECIAL_ROLE = "Ops & Dev = 50% #1"
ERROR_TYPE_SUFFIX = ":http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/"

READ_ONLY_CREDENTIALS = {
    "accessKeyId": "ASIAREADONLY00000001",
    "secretAccessKey": "readonly-secret-key-0000000000000000000000",
    "sessionToken": "readonly-session-token",
    "expiration": 1900000000000,
}

EXPIRED_CREDENTIALS = {
    "accessKeyId": "ASIAEXPIRED000000001",
    "secretAccessKey": "expired-secret-key-000000000000000000000000",
    "sessionToken": "expired-session-token",
    "expiration": 1_600_000_000_000,
}

ACCOUNT_NAMES = ["dev", "test", "stage", "prod", "audit", "billing", "sandbox"]

STS_BODY = b"Action=GetCallerIdentity&Version=2011-06-15"
STS_NAMESPACES = {"sts": "https://sts.amazonaws.com/doc/2011-06-15/"}


def make_scenario():
    accounts = []
    for index, name in enumerate(ACCOUNT_NAMES, start=1):
        accounts.append({
            "accountId": str(index) * 12,
            "accountName": name,
            "emailAddress": f"{name}@example.com",
            "roles": [{"roleName": "ReadOnly"}],
        })
    accounts[0]["roles"] = [
        {"roleName": "ReadOnly", "credentials": READ_ONLY_CREDENTIALS},
        {"roleName": "Admin"},
        {"roleName": SPECIAL_ROLE},
        {"roleName": "Billing"},
        {"roleName": "Audit"},
    ]
    return {
        "page_size": 3,
        "tokens": {
            TOKEN: {"accounts": accounts},
            OTHER_TOKEN: {"user_name": "bob", "accounts": [{
                "accountId": BOB_ACCOUNT, "accountName": "bob",
                "emailAddress": "bob@example.com", "roles": [{"roleName": "Admin"}],
            }]},
            CAROL_TOKEN: {"user_name": CAROL_USER_NAME, "accounts": [{
                "accountId": CAROL_ACCOUNT, "accountName": "carol",
                "emailAddress": "carol@example.com", "roles": [
                    {"roleName": "Deploy"},
                    {"roleName": "Legacy", "caller_arn": LEGACY_ARN},
                    {"roleName": "Expired", "credentials": EXPIRED_CREDENTIALS},
                ],
            }]},
        },
    }


SCENARIO = make_scenario()


@pytest.fixture(scope="session")
def certdir(tmp_path_factory):
    path = tmp_path_factory.mktemp("certs")
    subprocess.run([os.path.join(MOCK_DIR, "make_certs.sh"), str(path)], check=True)
    return str(path)


@pytest.fixture(scope="session")
def portal(certdir, tmp_path_factory):
    """One server shared by the tests that do not change its scenario."""
    with MockPortal(SCENARIO, certdir, str(tmp_path_factory.mktemp("portal"))) as server:
        yield server


@pytest.fixture
def fresh_portal(certdir, tmp_path):
    """A server of the test's own, for tests that change state or scenario."""
    server = MockPortal(SCENARIO, certdir, str(tmp_path / "portal")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def botocore_session():
    return botocore.session.get_session()


def make_client(botocore_session, server, attempts=1):
    # These operations are unsigned in the service model, and UNSIGNED keeps
    # botocore from looking for AWS credentials on this machine.
    config = Config(signature_version=UNSIGNED,
                    retries={"total_max_attempts": attempts, "mode": "standard"})
    return botocore_session.create_client("sso", region_name="us-east-1",
                                          endpoint_url=server.url, verify=server.ca_file,
                                          config=config)


@pytest.fixture
def client(botocore_session, portal):
    return make_client(botocore_session, portal)


def expected_accounts():
    return [{k: v for k, v in a.items() if k != "roles"}
            for a in SCENARIO["tokens"][TOKEN]["accounts"]]


def expected_roles():
    return [{"roleName": r["roleName"], "accountId": DEV_ACCOUNT}
            for r in SCENARIO["tokens"][TOKEN]["accounts"][0]["roles"]]


def raw_connection(server):
    context = ssl.create_default_context(cafile=server.ca_file)
    return http.client.HTTPSConnection("127.0.0.1", server.port, context=context, timeout=5)


def raw_request(server, method, path, token=TOKEN):
    connection = raw_connection(server)
    headers = {} if token is None else {"x-amz-sso_bearer_token": token}
    connection.request(method, path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def wait_for_event(server, name, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        matching = [e for e in server.events() if e["event"] == name]
        if matching:
            return matching
        time.sleep(0.02)
    return []


# Certificates


def test_make_certs_idempotent(certdir):
    before = {name: os.stat(os.path.join(certdir, name)).st_mtime_ns
              for name in os.listdir(certdir)}

    result = subprocess.run([os.path.join(MOCK_DIR, "make_certs.sh"), certdir],
                            capture_output=True, text=True)

    assert result.returncode == 0
    assert result.stdout == ""
    assert result.stderr == ""
    after = {name: os.stat(os.path.join(certdir, name)).st_mtime_ns
             for name in os.listdir(certdir)}
    assert after == before
    assert sorted(after) == sorted([
        "ca.pem", "ca.key", "server.pem", "server.key", "wrong-host.pem", "wrong-host.key",
        "other-ca.pem", "other-ca.key", "other-server.pem", "other-server.key"])


def test_other_ca_certificate_rejected(botocore_session, certdir, tmp_path):
    with MockPortal(SCENARIO, certdir, str(tmp_path), cert_name="other-server") as server:
        client = make_client(botocore_session, server)

        with pytest.raises(SSLError) as raised:
            client.list_accounts(accessToken=TOKEN)

        assert "unable to get local issuer certificate" in str(raised.value)
        assert server.requests() == []
        assert len(wait_for_event(server, "tls_handshake_failed")) == 1
        assert server.connection_counts() == {"accepted": 1, "tls_handshakes": 0}


def test_wrong_host_certificate_rejected(botocore_session, certdir, tmp_path):
    with MockPortal(SCENARIO, certdir, str(tmp_path), cert_name="wrong-host") as server:
        client = make_client(botocore_session, server)

        with pytest.raises(SSLError) as raised:
            client.list_accounts(accessToken=TOKEN)

        assert "doesn't match 'wrong.example'" in str(raised.value)
        assert server.requests() == []
        # Debian's urllib3 checks the host name after the handshake, so the
        # server logs a completed handshake and then a closed connection.
        assert len(wait_for_event(server, "tls_handshake")) == 1
        assert server.connection_counts() == {"accepted": 1, "tls_handshakes": 1}


def test_ipv6_loopback_serves(botocore_session, certdir, tmp_path):
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError as e:
        pytest.skip(f"IPv6 loopback unavailable: {e}")

    with MockPortal(SCENARIO, certdir, str(tmp_path), host="::1") as server:
        assert server.url == f"https://[::1]:{server.port}"
        client = make_client(botocore_session, server)

        response = client.list_accounts(accessToken=TOKEN, maxResults=1)

        assert response["accountList"] == expected_accounts()[:1]


# ListAccounts


def test_list_accounts_first_page(client, portal):
    response = client.list_accounts(accessToken=TOKEN)

    assert response["accountList"] == expected_accounts()[:3]
    assert response["nextToken"].startswith(portal_scenario.PAGE_TOKEN_PREFIX)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert response["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/json"


@pytest.mark.parametrize("max_results", [len(ACCOUNT_NAMES), 100])
def test_list_accounts_max_result_one_page(client, max_results):
    response = client.list_accounts(accessToken=TOKEN, maxResults=max_results)

    assert response["accountList"] == expected_accounts()
    assert "nextToken" not in response


def test_list_accounts_paginator_default_size(client, portal):
    before = len(portal.requests())

    pages = list(client.get_paginator("list_accounts").paginate(accessToken=TOKEN))

    assert [len(page["accountList"]) for page in pages] == [3, 3, 1]
    assert [a for page in pages for a in page["accountList"]] == expected_accounts()
    assert "nextToken" not in pages[-1]

    requests = portal.requests()[before:]
    assert [r["query"] for r in requests] == [
        {},
        {"next_token": pages[0]["nextToken"]},
        {"next_token": pages[1]["nextToken"]},
    ]
    # The page tokens contain "+", "/" and "=", which must travel encoded.
    assert "%2B" in requests[1]["raw_query"]
    assert "%2F" in requests[1]["raw_query"]
    assert "%3D" in requests[1]["raw_query"]


def test_list_accounts_paginator_page_size(client, portal):
    before = len(portal.requests())

    paginator = client.get_paginator("list_accounts")
    pages = list(paginator.paginate(accessToken=TOKEN, PaginationConfig={"PageSize": 2}))

    assert [len(page["accountList"]) for page in pages] == [2, 2, 2, 1]
    assert [a for page in pages for a in page["accountList"]] == expected_accounts()
    requests = portal.requests()[before:]
    assert [r["query"]["max_result"] for r in requests] == ["2", "2", "2", "2"]
    assert ["next_token" in r["query"] for r in requests] == [False, True, True, True]


def test_invalid_next_token_rejected(client):
    with pytest.raises(ClientError) as raised:
        client.list_accounts(accessToken=TOKEN, nextToken="not-a-token")

    assert raised.value.response["Error"]["Code"] == "InvalidRequestException"
    assert raised.value.response["Error"]["Message"] == "Invalid next token"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_next_token_from_other_operation_rejected(client):
    accounts_token = client.list_accounts(accessToken=TOKEN)["nextToken"]

    with pytest.raises(ClientError) as raised:
        client.list_account_roles(accessToken=TOKEN, accountId=DEV_ACCOUNT,
                                  nextToken=accounts_token)

    assert raised.value.response["Error"]["Code"] == "InvalidRequestException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_max_result_over_limit_rejected(client):
    # botocore checks only the model's minimum, so 101 reaches the server.
    with pytest.raises(ClientError) as raised:
        client.list_accounts(accessToken=TOKEN, maxResults=101)

    assert raised.value.response["Error"]["Code"] == "InvalidRequestException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "max_result" in raised.value.response["Error"]["Message"]


# ListAccountRoles


def test_list_account_roles_first_page(client, portal):
    before = len(portal.requests())

    response = client.list_account_roles(accessToken=TOKEN, accountId=DEV_ACCOUNT)

    assert response["roleList"] == expected_roles()[:3]
    assert "nextToken" in response
    request = portal.requests()[before]
    assert request["op"] == "ListAccountRoles"
    assert request["query"] == {"account_id": DEV_ACCOUNT}


def test_list_account_roles_paginator(client, portal):
    before = len(portal.requests())

    paginator = client.get_paginator("list_account_roles")
    pages = list(paginator.paginate(accessToken=TOKEN, accountId=DEV_ACCOUNT))

    assert [len(page["roleList"]) for page in pages] == [3, 2]
    assert [r for page in pages for r in page["roleList"]] == expected_roles()
    requests = portal.requests()[before:]
    assert [r["query"] for r in requests] == [
        {"account_id": DEV_ACCOUNT},
        {"account_id": DEV_ACCOUNT, "next_token": pages[0]["nextToken"]},
    ]


def test_unassigned_account_forbidden(client):
    with pytest.raises(ClientError) as raised:
        client.list_account_roles(accessToken=TOKEN, accountId=BOB_ACCOUNT)

    assert raised.value.response["Error"]["Code"] == "ForbiddenException"
    assert raised.value.response["Error"]["Message"] == "No access"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


# GetRoleCredentials


def test_get_role_credentials_scenario_values(client):
    response = client.get_role_credentials(accessToken=TOKEN, accountId=DEV_ACCOUNT,
                                           roleName="ReadOnly")

    assert response["roleCredentials"] == READ_ONLY_CREDENTIALS
    assert type(response["roleCredentials"]["expiration"]) is int


def test_get_role_credentials_generated_values(client):
    response = client.get_role_credentials(accessToken=TOKEN, accountId=DEV_ACCOUNT,
                                           roleName="Admin")

    credentials = response["roleCredentials"]
    expected = portal_scenario.credentials_for(SCENARIO, TOKEN, DEV_ACCOUNT, "Admin")
    assert credentials["accessKeyId"] == expected["accessKeyId"]
    assert credentials["secretAccessKey"] == expected["secretAccessKey"]
    assert credentials["sessionToken"] == expected["sessionToken"]
    assert credentials["accessKeyId"].startswith("ASIA")
    assert len(credentials["accessKeyId"]) == 20
    assert len(credentials["secretAccessKey"]) == 40
    assert len(credentials["sessionToken"]) == 200
    assert type(credentials["expiration"]) is int
    assert abs(credentials["expiration"] - expected["expiration"]) < 5000


def test_unassigned_role_forbidden(client):
    with pytest.raises(ClientError) as raised:
        client.get_role_credentials(accessToken=TOKEN, accountId=DEV_ACCOUNT,
                                    roleName="NotAssigned")

    assert raised.value.response["Error"]["Code"] == "ForbiddenException"
    assert raised.value.response["Error"]["Message"] == "No access"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_special_role_name_round_trip(client, portal):
    before = len(portal.requests())

    response = client.get_role_credentials(accessToken=TOKEN, accountId=DEV_ACCOUNT,
                                           roleName=SPECIAL_ROLE)

    expected = portal_scenario.credentials_for(SCENARIO, TOKEN, DEV_ACCOUNT, SPECIAL_ROLE)
    assert response["roleCredentials"]["accessKeyId"] == expected["accessKeyId"]
    request = portal.requests()[before]
    assert request["query"] == {"role_name": SPECIAL_ROLE, "account_id": DEV_ACCOUNT}
    assert "role_name=Ops%20%26%20Dev%20%3D%2050%25%20%231" in request["raw_query"]


# Logout and tokens


def test_logout_keeps_token_valid(botocore_session, fresh_portal):
    client = make_client(botocore_session, fresh_portal)

    response = client.logout(accessToken=TOKEN)
    accounts = client.list_accounts(accessToken=TOKEN, maxResults=100)

    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert accounts["accountList"] == expected_accounts()
    logout = fresh_portal.requests()[0]
    assert (logout["method"], logout["path"], logout["op"]) == ("POST", "/logout", "Logout")
    assert logout["body_length"] == 0
    assert logout["headers"]["content-length"] == "0"


def test_logout_revokes_when_configured(botocore_session, fresh_portal):
    client = make_client(botocore_session, fresh_portal)
    fresh_portal.update_scenario(dict(SCENARIO, logout_revokes=True))

    client.logout(accessToken=TOKEN)
    with pytest.raises(ClientError) as raised:
        client.list_accounts(accessToken=TOKEN)
    others = client.list_accounts(accessToken=OTHER_TOKEN)

    assert raised.value.response["Error"]["Code"] == "UnauthorizedException"
    assert others["accountList"][0]["accountId"] == BOB_ACCOUNT


def test_unknown_token_unauthorized(client):
    with pytest.raises(ClientError) as raised:
        client.list_accounts(accessToken="no-such-token")

    error = raised.value.response
    assert error["Error"]["Code"] == "UnauthorizedException"
    assert error["Error"]["Message"] == "Session token not found or invalid"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 401
    assert error["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"] == (
        "UnauthorizedException" + ERROR_TYPE_SUFFIX)
    assert len(error["ResponseMetadata"]["RequestId"]) == 36


def test_other_token_sees_only_its_account(client):
    response = client.list_accounts(accessToken=OTHER_TOKEN)

    assert response["accountList"] == [{
        "accountId": BOB_ACCOUNT, "accountName": "bob", "emailAddress": "bob@example.com"}]


# Request log


def test_request_log_header_and_query_names(client, portal):
    before = len(portal.requests())

    client.list_accounts(accessToken=TOKEN, maxResults=2)
    client.list_account_roles(accessToken=TOKEN, accountId=DEV_ACCOUNT, maxResults=2)
    client.get_role_credentials(accessToken=TOKEN, accountId=DEV_ACCOUNT, roleName="Admin")

    requests = portal.requests()[before:]
    assert [(r["method"], r["path"], r["op"], r["status"]) for r in requests] == [
        ("GET", "/assignment/accounts", "ListAccounts", 200),
        ("GET", "/assignment/roles", "ListAccountRoles", 200),
        ("GET", "/federation/credentials", "GetRoleCredentials", 200),
    ]
    assert [sorted(r["query"]) for r in requests] == [
        ["max_result"], ["account_id", "max_result"], ["account_id", "role_name"]]
    for request in requests:
        assert "x-amz-sso_bearer_token" in request["header_names"]
        assert request["token"] == TOKEN
        assert request["headers"]["x-amz-sso_bearer_token"] == TOKEN
        assert "authorization" not in request["headers"]
        assert request["body_length"] == 0


def test_keep_alive_reuses_connection(botocore_session, fresh_portal):
    client = make_client(botocore_session, fresh_portal)

    client.list_accounts(accessToken=TOKEN)
    client.list_accounts(accessToken=TOKEN)

    requests = fresh_portal.requests()
    assert [r["seq"] for r in requests] == [1, 2]
    assert [r["connection"] for r in requests] == [1, 1]
    assert fresh_portal.connection_counts() == {"accepted": 1, "tls_handshakes": 1}


# Latency


def test_latency_delays_each_response(botocore_session, fresh_portal):
    fresh_portal.update_scenario(dict(SCENARIO, latency_ms=200))
    client = make_client(botocore_session, fresh_portal)

    started = time.monotonic()
    client.list_accounts(accessToken=TOKEN)
    elapsed = time.monotonic() - started

    request = fresh_portal.requests()[-1]
    assert elapsed >= 0.2
    assert request["completed"] - request["time"] >= 0.2


@pytest.mark.parametrize("latency", [-1, "20", True])
def test_latency_invalid_rejected(latency):
    with pytest.raises(portal_scenario.ScenarioError, match="latency_ms"):
        portal_scenario.check_scenario(dict(SCENARIO, latency_ms=latency))


# Faults


def test_fault_500_then_retry_succeeds(botocore_session, fresh_portal):
    fresh_portal.update_scenario(dict(SCENARIO, faults=[
        {"op": "ListAccounts", "status": 500, "message": "try again", "times": 1}]))
    client = make_client(botocore_session, fresh_portal, attempts=2)

    response = client.list_accounts(accessToken=TOKEN, maxResults=100)

    assert response["accountList"] == expected_accounts()
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    requests = fresh_portal.requests()
    assert [r["status"] for r in requests] == [500, 200]
    assert [r["fault"] for r in requests] == [0, None]


def test_fault_500_without_retry_fails(botocore_session, fresh_portal):
    fresh_portal.update_scenario(dict(SCENARIO, faults=[
        {"op": "ListAccounts", "status": 500, "message": "try again", "times": 1}]))
    client = make_client(botocore_session, fresh_portal)

    with pytest.raises(ClientError) as raised:
        client.list_accounts(accessToken=TOKEN)

    assert raised.value.response["Error"]["Code"] == "InternalServerException"
    assert raised.value.response["Error"]["Message"] == "try again"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_fault_after_and_filters(botocore_session, fresh_portal):
    fresh_portal.update_scenario(dict(SCENARIO, faults=[
        {"op": "GetRoleCredentials", "role_name": "Admin", "status": 429, "after": 1,
         "times": 1}]))
    client = make_client(botocore_session, fresh_portal)

    def get(role_name):
        try:
            client.get_role_credentials(accessToken=TOKEN, accountId=DEV_ACCOUNT,
                                        roleName=role_name)
            return 200
        except ClientError as e:
            return e.response["Error"]["Code"]

    outcomes = [get("Admin"), get("ReadOnly"), get("Admin"), get("Admin")]

    assert outcomes == [200, 200, "TooManyRequestsException", 200]


def test_fault_close_drops_connection(botocore_session, fresh_portal):
    fresh_portal.update_scenario(dict(SCENARIO, faults=[{"op": "Logout", "close": True}]))
    client = make_client(botocore_session, fresh_portal)

    with pytest.raises(ConnectionClosedError):
        client.logout(accessToken=TOKEN)

    requests = fresh_portal.requests()
    assert [(r["op"], r["status"], r["fault"]) for r in requests] == [("Logout", None, 0)]


def test_fault_raw_body_sent_verbatim(fresh_portal):
    fresh_portal.update_scenario(dict(SCENARIO, faults=[
        {"op": "ListAccounts", "body": "{not json", "headers": {"X-Test": "1"}}]))

    response, body = raw_request(fresh_portal, "GET", "/assignment/accounts")

    assert response.status == 200
    assert body == b"{not json"
    assert response.getheader("X-Test") == "1"
    assert response.getheader("x-amzn-ErrorType") is None


def test_fault_base64_body_sent_verbatim(fresh_portal):
    raw = b'{"accountList": [], "x": "\xff\xc0\xaf"}'
    fresh_portal.update_scenario(dict(SCENARIO, faults=[
        {"op": "ListAccounts", "body_base64": base64.b64encode(raw).decode("ascii")}]))

    response, body = raw_request(fresh_portal, "GET", "/assignment/accounts")

    assert response.status == 200
    assert body == raw


def test_fault_body_and_base64_body_rejected():
    scenario = dict(SCENARIO, faults=[{"body": "{}", "body_base64": "e30="}])

    with pytest.raises(portal_scenario.ScenarioError, match="both set"):
        portal_scenario.check_scenario(scenario)


def test_fault_chunked_normal_response(fresh_portal):
    fresh_portal.update_scenario(dict(SCENARIO, faults=[{"op": "ListAccounts", "chunked": True}]))

    response, body = raw_request(fresh_portal, "GET", "/assignment/accounts?max_result=100")

    assert response.getheader("Transfer-Encoding") == "chunked"
    assert response.getheader("Content-Length") is None
    assert json.loads(body)["accountList"] == expected_accounts()


def test_fault_chunked_large_body(fresh_portal):
    raw = b"x" * 200_000
    fresh_portal.update_scenario(dict(SCENARIO, faults=[
        {"op": "ListAccounts", "body_base64": base64.b64encode(raw).decode("ascii"),
         "chunked": True}]))

    response, body = raw_request(fresh_portal, "GET", "/assignment/accounts")

    assert response.getheader("Transfer-Encoding") == "chunked"
    assert body == raw


@pytest.mark.parametrize("chunked", [False, True])
def test_fault_stall_then_rest(fresh_portal, chunked):
    fresh_portal.update_scenario(dict(SCENARIO, faults=[
        {"op": "ListAccounts", "body": "0123456789", "stall_after_bytes": 4, "delay": 0.5,
         "chunked": chunked}]))
    connection = raw_connection(fresh_portal)
    connection.request("GET", "/assignment/accounts", headers={"x-amz-sso_bearer_token": TOKEN})
    response = connection.getresponse()

    head = response.read(4)
    started = time.monotonic()
    rest = response.read()
    waited = time.monotonic() - started
    connection.close()

    assert head == b"0123"
    assert rest == b"456789"
    assert waited >= 0.4


@pytest.mark.parametrize("chunked", [False, True])
def test_fault_stall_close_cuts_body(fresh_portal, chunked):
    fresh_portal.update_scenario(dict(SCENARIO, faults=[
        {"op": "ListAccounts", "body": "0123456789", "stall_after_bytes": 4, "close": True,
         "chunked": chunked}]))
    connection = raw_connection(fresh_portal)
    connection.request("GET", "/assignment/accounts", headers={"x-amz-sso_bearer_token": TOKEN})
    response = connection.getresponse()

    with pytest.raises(http.client.IncompleteRead) as raised:
        response.read()
    connection.close()

    assert raised.value.partial == b"0123"
    assert fresh_portal.requests()[0]["status"] == 200


def test_endless_pages_give_new_tokens(botocore_session, fresh_portal):
    fresh_portal.update_scenario(dict(SCENARIO, endless_pages=True))
    client = make_client(botocore_session, fresh_portal)

    tokens = []
    pages = []
    response = client.list_accounts(accessToken=TOKEN, maxResults=5)
    for _ in range(4):
        pages.append(response["accountList"])
        tokens.append(response["nextToken"])
        response = client.list_accounts(accessToken=TOKEN, maxResults=5,
                                        nextToken=tokens[-1])

    assert len(set(tokens)) == 4
    assert [len(page) for page in pages] == [5, 2, 0, 0]


# STS GetCallerIdentity


def make_sts_client(botocore_session, server, credentials, region="us-east-1",
                    session_token=True):
    """An "sts" client that signs with CREDENTIALS (a roleCredentials dict)
    and sends to SERVER. session_token=False leaves the session token out."""
    config = Config(retries={"total_max_attempts": 1, "mode": "standard"})
    return botocore_session.create_client(
        "sts", region_name=region, endpoint_url=server.url, verify=server.ca_file,
        aws_access_key_id=credentials["accessKeyId"],
        aws_secret_access_key=credentials["secretAccessKey"],
        aws_session_token=credentials["sessionToken"] if session_token else None,
        config=config)


def fetch_credentials(client, token, account_id, role_name):
    response = client.get_role_credentials(accessToken=token, accountId=account_id,
                                           roleName=role_name)
    return response["roleCredentials"]


def caller_identity_error(sts):
    """Call GetCallerIdentity, which must fail, and return the error
    response that botocore parsed."""
    with pytest.raises(ClientError) as raised:
        sts.get_caller_identity()
    return raised.value.response


def sign_sts_request(server, credentials, body=STS_BODY, region="us-east-1"):
    """Sign a POST / with botocore's SigV4Auth and return its headers."""
    request = AWSRequest(method="POST", url=server.url + "/", data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    signer = SigV4Auth(Credentials(credentials["accessKeyId"], credentials["secretAccessKey"],
                                   credentials["sessionToken"]), "sts", region)
    signer.add_auth(request)
    return dict(request.headers.items())


def post_sts(server, headers, body=STS_BODY):
    """Send POST / over TLS with exactly HEADERS (plus Host and
    Content-Length) and return (response, body)."""
    connection = raw_connection(server)
    connection.request("POST", "/", body=body, headers=headers)
    response = connection.getresponse()
    document = response.read()
    connection.close()
    return response, document


def parse_sts_error(document):
    root = ElementTree.fromstring(document)
    assert root.tag == "{https://sts.amazonaws.com/doc/2011-06-15/}ErrorResponse"
    return {
        "Type": root.findtext("sts:Error/sts:Type", namespaces=STS_NAMESPACES),
        "Code": root.findtext("sts:Error/sts:Code", namespaces=STS_NAMESPACES),
        "Message": root.findtext("sts:Error/sts:Message", namespaces=STS_NAMESPACES),
        "RequestId": root.findtext("sts:RequestId", namespaces=STS_NAMESPACES),
    }


def test_caller_identity_of_generated_role(botocore_session, client, portal):
    credentials = fetch_credentials(client, TOKEN, DEV_ACCOUNT, "Admin")
    sts = make_sts_client(botocore_session, portal, credentials)

    response = sts.get_caller_identity()

    expected = portal_scenario.caller_identity(SCENARIO, TOKEN, DEV_ACCOUNT, "Admin")
    assert response["Arn"] == expected["Arn"]
    assert response["UserId"] == expected["UserId"]
    assert response["Account"] == DEV_ACCOUNT
    assert re.fullmatch(r"arn:aws:sts::111111111111:assumed-role/"
                        r"AWSReservedSSO_Admin_[0-9a-f]{16}/alice", response["Arn"])
    assert re.fullmatch(r"AROA[A-Z0-9]{17}:alice", response["UserId"])
    metadata = response["ResponseMetadata"]
    assert metadata["HTTPStatusCode"] == 200
    assert metadata["HTTPHeaders"]["content-type"] == "text/xml"
    assert metadata["RequestId"] == metadata["HTTPHeaders"]["x-amzn-requestid"]


def test_caller_identity_same_role_other_user(botocore_session, client, portal):
    credentials = fetch_credentials(client, OTHER_TOKEN, BOB_ACCOUNT, "Admin")
    sts = make_sts_client(botocore_session, portal, credentials)

    response = sts.get_caller_identity()

    expected = portal_scenario.caller_identity(SCENARIO, OTHER_TOKEN, BOB_ACCOUNT, "Admin")
    assert response["Arn"] == expected["Arn"]
    assert response["Arn"].endswith("/bob")
    assert response["UserId"] == expected["UserId"]
    assert response["Account"] == BOB_ACCOUNT


def test_caller_identity_user_name_with_symbols(botocore_session, client, portal):
    credentials = fetch_credentials(client, CAROL_TOKEN, CAROL_ACCOUNT, "Deploy")
    sts = make_sts_client(botocore_session, portal, credentials)

    response = sts.get_caller_identity()

    expected = portal_scenario.caller_identity(SCENARIO, CAROL_TOKEN, CAROL_ACCOUNT, "Deploy")
    assert response["Arn"] == expected["Arn"]
    assert response["Arn"].endswith("/" + CAROL_USER_NAME)
    assert response["UserId"] == expected["UserId"]
    assert response["UserId"].endswith(":" + CAROL_USER_NAME)
    assert response["Account"] == CAROL_ACCOUNT


def test_caller_identity_caller_arn_verbatim(botocore_session, client, portal):
    credentials = fetch_credentials(client, CAROL_TOKEN, CAROL_ACCOUNT, "Legacy")
    sts = make_sts_client(botocore_session, portal, credentials)

    response = sts.get_caller_identity()

    expected = portal_scenario.caller_identity(SCENARIO, CAROL_TOKEN, CAROL_ACCOUNT, "Legacy")
    assert response["Arn"] == LEGACY_ARN
    assert expected["Arn"] == LEGACY_ARN
    assert response["UserId"] == expected["UserId"]
    assert response["UserId"].endswith(":deploy\tbot\r")
    assert response["Account"] == CAROL_ACCOUNT


def test_caller_identity_unassigned_role_none():
    assert portal_scenario.caller_identity(SCENARIO, TOKEN, DEV_ACCOUNT, "NotAssigned") is None
    assert portal_scenario.caller_identity(SCENARIO, "no-such-token", DEV_ACCOUNT, "Admin") is None


def test_sts_request_log_fields(botocore_session, portal):
    sts = make_sts_client(botocore_session, portal, READ_ONLY_CREDENTIALS)
    before = len(portal.requests())

    sts.get_caller_identity()

    request = portal.requests()[before]
    assert (request["method"], request["path"], request["op"]) == ("POST", "/", "GetCallerIdentity")
    assert request["status"] == 200
    assert request["token"] is None
    assert request["body_length"] == len(STS_BODY)
    assert request["sts"] == {
        "access_key_id": READ_ONLY_CREDENTIALS["accessKeyId"],
        "region": "us-east-1",
        "service": "sts",
        "signed_headers": ["content-type", "host", "x-amz-date", "x-amz-security-token"],
        "error": None,
    }


def test_portal_request_log_sts_null(client, portal):
    before = len(portal.requests())

    client.list_accounts(accessToken=TOKEN, maxResults=1)

    assert portal.requests()[before]["sts"] is None


def test_sts_wrong_secret_rejected(botocore_session, portal):
    credentials = dict(READ_ONLY_CREDENTIALS, secretAccessKey="not-the-secret-key")
    sts = make_sts_client(botocore_session, portal, credentials)

    error = caller_identity_error(sts)

    assert error["Error"]["Code"] == "SignatureDoesNotMatch"
    assert error["Error"]["Type"] == "Sender"
    assert error["Error"]["Message"].startswith("The request signature does not match")
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_sts_without_session_token_rejected(botocore_session, portal):
    sts = make_sts_client(botocore_session, portal, READ_ONLY_CREDENTIALS, session_token=False)

    error = caller_identity_error(sts)

    assert error["Error"]["Code"] == "InvalidClientTokenId"
    assert "no X-Amz-Security-Token header" in error["Error"]["Message"]
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_sts_unknown_access_key_rejected(botocore_session, portal):
    credentials = dict(READ_ONLY_CREDENTIALS, accessKeyId="ASIAUNKNOWN000000001")
    sts = make_sts_client(botocore_session, portal, credentials)

    error = caller_identity_error(sts)

    assert error["Error"]["Code"] == "InvalidClientTokenId"
    assert "ASIAUNKNOWN000000001" in error["Error"]["Message"]
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_sts_other_keys_session_token_rejected(botocore_session, client, portal):
    admin = fetch_credentials(client, TOKEN, DEV_ACCOUNT, "Admin")
    credentials = dict(READ_ONLY_CREDENTIALS, sessionToken=admin["sessionToken"])
    sts = make_sts_client(botocore_session, portal, credentials)

    error = caller_identity_error(sts)

    assert error["Error"]["Code"] == "InvalidClientTokenId"
    assert error["Error"]["Message"] == (
        "X-Amz-Security-Token is not the session token issued with access key id "
        f"{READ_ONLY_CREDENTIALS['accessKeyId']}.")
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_sts_wrong_region_rejected(botocore_session, portal):
    sts = make_sts_client(botocore_session, portal, READ_ONLY_CREDENTIALS, region="eu-west-1")
    before = len(portal.requests())

    error = caller_identity_error(sts)

    assert error["Error"]["Code"] == "SignatureDoesNotMatch"
    assert error["Error"]["Message"] == "Credential should be scoped to a valid region."
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
    logged = portal.requests()[before]["sts"]
    assert logged["region"] == "eu-west-1"
    assert logged["access_key_id"] == READ_ONLY_CREDENTIALS["accessKeyId"]
    assert logged["error"] == "SignatureDoesNotMatch"


def test_sts_region_from_scenario(botocore_session, fresh_portal):
    fresh_portal.update_scenario(dict(SCENARIO, sts_region="eu-west-1"))
    in_region = make_sts_client(botocore_session, fresh_portal, READ_ONLY_CREDENTIALS,
                                region="eu-west-1")
    default_region = make_sts_client(botocore_session, fresh_portal, READ_ONLY_CREDENTIALS)

    response = in_region.get_caller_identity()
    error = caller_identity_error(default_region)

    expected = portal_scenario.caller_identity(SCENARIO, TOKEN, DEV_ACCOUNT, "ReadOnly")
    assert response["Arn"] == expected["Arn"]
    assert error["Error"]["Code"] == "SignatureDoesNotMatch"
    assert [r["sts"]["region"] for r in fresh_portal.requests()] == ["eu-west-1", "us-east-1"]


class LaggingDatetime(datetime.datetime):
    """A datetime class whose clock is 20 minutes behind, for botocore's
    signer, which takes the signing time from datetime.datetime."""

    LAG = datetime.timedelta(minutes=20)

    @classmethod
    def utcnow(cls):
        return datetime.datetime.utcnow() - cls.LAG

    @classmethod
    def now(cls, tz=None):
        return datetime.datetime.now(tz) - cls.LAG


def test_sts_stale_date_rejected(botocore_session, portal):
    sts = make_sts_client(botocore_session, portal, READ_ONLY_CREDENTIALS)
    lagging = types.SimpleNamespace(datetime=LaggingDatetime, timedelta=datetime.timedelta,
                                    timezone=datetime.timezone)
    before = len(portal.requests())

    with mock.patch.object(botocore.auth, "datetime", lagging):
        error = caller_identity_error(sts)

    assert error["Error"]["Code"] == "SignatureDoesNotMatch"
    assert error["Error"]["Message"].startswith("Signature expired: X-Amz-Date ")
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
    request = portal.requests()[before]
    signed_at = datetime.datetime.strptime(request["headers"]["x-amz-date"], "%Y%m%dT%H%M%SZ")
    signed_at = signed_at.replace(tzinfo=datetime.timezone.utc).timestamp()
    assert 19 * 60 <= request["time"] - signed_at <= 21 * 60


def test_sts_body_altered_after_signing_rejected(botocore_session, portal):
    sts = make_sts_client(botocore_session, portal, READ_ONLY_CREDENTIALS)
    sent_bodies = []

    def reorder_parameters(request, **kwargs):
        # Same parameters and length, so only the payload hash can tell.
        body = request.body.encode() if isinstance(request.body, str) else request.body
        assert body == STS_BODY
        request.body = b"Version=2011-06-15&Action=GetCallerIdentity"
        sent_bodies.append(request.body)

    sts.meta.events.register("before-send.sts.GetCallerIdentity", reorder_parameters)

    error = caller_identity_error(sts)

    assert sent_bodies == [b"Version=2011-06-15&Action=GetCallerIdentity"]
    assert error["Error"]["Code"] == "SignatureDoesNotMatch"
    assert error["Error"]["Message"].startswith("The request signature does not match")
    assert READ_ONLY_CREDENTIALS["sessionToken"] not in portal.server_output()


def test_sts_expired_credentials_rejected(botocore_session, client, portal):
    credentials = fetch_credentials(client, CAROL_TOKEN, CAROL_ACCOUNT, "Expired")
    sts = make_sts_client(botocore_session, portal, credentials)

    error = caller_identity_error(sts)

    assert credentials == EXPIRED_CREDENTIALS
    assert error["Error"]["Code"] == "ExpiredToken"
    assert error["Error"]["Message"] == "The security token included in the request is expired"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_sts_ambiguous_access_key_fails(botocore_session, fresh_portal):
    shared = dict(READ_ONLY_CREDENTIALS, accessKeyId="ASIASHARED0000000001")
    fresh_portal.update_scenario({"tokens": {
        "token-a": {"user_name": "alice", "accounts": [
            {"accountId": DEV_ACCOUNT, "roles": [{"roleName": "Ops", "credentials": shared}]}]},
        "token-b": {"user_name": "bob", "accounts": [
            {"accountId": DEV_ACCOUNT, "roles": [{"roleName": "Ops", "credentials": shared}]}]},
    }})
    sts = make_sts_client(botocore_session, fresh_portal, shared)

    error = caller_identity_error(sts)

    assert error["Error"]["Code"] == "InternalFailure"
    assert error["Error"]["Type"] == "Receiver"
    assert "ASIASHARED0000000001" in error["Error"]["Message"]
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_sts_shared_grant_not_ambiguous(botocore_session, fresh_portal):
    scenario = dict(SCENARIO, tokens=dict(SCENARIO["tokens"]))
    scenario["tokens"]["alias-token"] = scenario["tokens"][TOKEN]
    fresh_portal.update_scenario(scenario)
    sts = make_sts_client(botocore_session, fresh_portal, READ_ONLY_CREDENTIALS)

    response = sts.get_caller_identity()

    assert response["Arn"] == portal_scenario.caller_identity(
        SCENARIO, TOKEN, DEV_ACCOUNT, "ReadOnly")["Arn"]


def test_sts_fault_access_denied(botocore_session, fresh_portal):
    fresh_portal.update_scenario(dict(SCENARIO, faults=[
        {"op": "GetCallerIdentity", "status": 403, "error_type": "AccessDenied",
         "message": "Denied by the test & its <fault>"}]))
    sts = make_sts_client(botocore_session, fresh_portal, READ_ONLY_CREDENTIALS)

    error = caller_identity_error(sts)

    assert error["Error"]["Code"] == "AccessDenied"
    assert error["Error"]["Message"] == "Denied by the test & its <fault>"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
    request = fresh_portal.requests()[0]
    assert request["fault"] == 0
    assert request["sts"]["error"] == "AccessDenied"


@pytest.mark.parametrize("status, code", [
    (400, "Throttling"),
    (500, "InternalFailure"),
    (503, "ServiceUnavailable"),
])
def test_sts_fault_default_codes(botocore_session, fresh_portal, status, code):
    fresh_portal.update_scenario(dict(SCENARIO, faults=[
        {"op": "GetCallerIdentity", "status": status}]))
    sts = make_sts_client(botocore_session, fresh_portal, READ_ONLY_CREDENTIALS)

    error = caller_identity_error(sts)

    assert error["Error"]["Code"] == code
    assert error["Error"]["Message"] == "Injected fault"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == status


def test_sts_fault_close_drops_connection(botocore_session, fresh_portal):
    fresh_portal.update_scenario(dict(SCENARIO, faults=[
        {"op": "GetCallerIdentity", "close": True}]))
    sts = make_sts_client(botocore_session, fresh_portal, READ_ONLY_CREDENTIALS)

    with pytest.raises(ConnectionClosedError):
        sts.get_caller_identity()

    request = fresh_portal.requests()[0]
    assert (request["op"], request["status"], request["fault"]) == ("GetCallerIdentity", None, 0)


def test_sts_unsigned_request_rejected(portal):
    response, document = post_sts(portal, {
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})

    error = parse_sts_error(document)
    assert response.status == 403
    assert response.getheader("Content-Type") == "text/xml"
    assert error["Type"] == "Sender"
    assert error["Code"] == "MissingAuthenticationToken"
    assert error["RequestId"] == response.getheader("x-amzn-RequestId")
    assert portal.requests()[-1]["sts"] == {
        "access_key_id": None, "region": None, "service": None, "signed_headers": None,
        "error": "MissingAuthenticationToken"}


@pytest.mark.parametrize("body, status, code", [
    (b"Action=AssumeRole&Version=2011-06-15", 400, "InvalidAction"),
    (b"Version=2011-06-15", 400, "MissingAction"),
    (b"Action=GetCallerIdentity", 400, "MissingParameter"),
    (b"Action=GetCallerIdentity&Version=2010-01-01", 400, "InvalidParameterValue"),
])
def test_sts_signed_bad_parameters_rejected(portal, body, status, code):
    headers = sign_sts_request(portal, READ_ONLY_CREDENTIALS, body=body)

    response, document = post_sts(portal, headers, body)

    assert response.status == status
    assert parse_sts_error(document)["Code"] == code


def test_sts_signed_raw_request_accepted(portal):
    headers = sign_sts_request(portal, READ_ONLY_CREDENTIALS)

    response, document = post_sts(portal, headers)

    root = ElementTree.fromstring(document)
    result = "sts:GetCallerIdentityResult/"
    expected = portal_scenario.caller_identity(SCENARIO, TOKEN, DEV_ACCOUNT, "ReadOnly")
    assert response.status == 200
    assert root.findtext(result + "sts:Arn", namespaces=STS_NAMESPACES) == expected["Arn"]
    assert root.findtext(result + "sts:UserId", namespaces=STS_NAMESPACES) == expected["UserId"]
    assert root.findtext(result + "sts:Account", namespaces=STS_NAMESPACES) == DEV_ACCOUNT
    assert root.findtext("sts:ResponseMetadata/sts:RequestId", namespaces=STS_NAMESPACES) == (
        response.getheader("x-amzn-RequestId"))


@pytest.mark.parametrize("old, new, code, message", [
    ("SignedHeaders=content-type;host;x-amz-date;", "SignedHeaders=content-type;host;",
     "IncompleteSignature", "SignedHeaders must include x-amz-date."),
    ("AWS4-HMAC-SHA256 ", "AWS4-HMAC-SHA1 ", "IncompleteSignature", "is not of the form"),
    ("/sts/aws4_request", "/iam/aws4_request", "SignatureDoesNotMatch",
     "Credential scope service is 'iam', expected 'sts'."),
    # SigV4 lets a client sign any header, but botocore's signer never signs
    # User-Agent, so the mock cannot check such a signature and rejects it.
    ("SignedHeaders=content-type;host;", "SignedHeaders=content-type;host;user-agent;",
     "SignatureDoesNotMatch", "leaves out user-agent"),
])
def test_sts_altered_authorization_rejected(portal, old, new, code, message):
    headers = sign_sts_request(portal, READ_ONLY_CREDENTIALS)
    assert old in headers["Authorization"]
    headers["Authorization"] = headers["Authorization"].replace(old, new)
    headers["User-Agent"] = "test"

    response, document = post_sts(portal, headers)

    error = parse_sts_error(document)
    assert error["Code"] == code
    assert message in error["Message"]
    assert portal.requests()[-1]["sts"]["error"] == code


@pytest.mark.parametrize("changes, message", [
    ({"sts_region": ""}, "sts_region"),
    ({"sts_region": 1}, "sts_region"),
    ({"tokens": {"t": {"user_name": "", "accounts": []}}}, "user_name"),
    ({"tokens": {"t": {"user_name": None, "accounts": []}}}, "user_name"),
    ({"tokens": {"t": {"accounts": [
        {"accountId": "1", "roles": [{"roleName": "R", "caller_arn": 5}]}]}}}, "caller_arn"),
    ({"tokens": {"t": {"accounts": [
        {"accountId": "1", "roles": [{"roleName": "R", "credentials": "x"}]}]}}}, "credentials"),
])
def test_sts_scenario_keys_checked(changes, message):
    with pytest.raises(portal_scenario.ScenarioError, match=message):
        portal_scenario.check_scenario(dict(SCENARIO, **changes))


# Protocol errors that botocore cannot produce


@pytest.mark.parametrize("method, path, token, status, error_type", [
    ("GET", "/nope", TOKEN, 404, "UnknownOperationException"),
    ("POST", "/assignment/accounts", TOKEN, 405, "MethodNotAllowedException"),
    ("GET", "/logout", TOKEN, 405, "MethodNotAllowedException"),
    ("GET", "/", None, 405, "MethodNotAllowedException"),
    ("GET", "/assignment/accounts", None, 401, "UnauthorizedException"),
    ("GET", "/assignment/roles", TOKEN, 400, "InvalidRequestException"),
    ("GET", "/federation/credentials?account_id=111111111111", TOKEN, 400,
     "InvalidRequestException"),
    ("GET", "/assignment/accounts?max_result=0", TOKEN, 400, "InvalidRequestException"),
    ("GET", "/assignment/accounts?next_token=", TOKEN, 400, "InvalidRequestException"),
    ("GET", "/assignment/accounts?max_result=1", TOKEN, 200, None),
])
def test_raw_request_status(portal, method, path, token, status, error_type):
    response, body = raw_request(portal, method, path, token=token)

    assert response.status == status
    assert response.getheader("Content-Type") == "application/json"
    if error_type is None:
        assert response.getheader("x-amzn-ErrorType") is None
    else:
        assert response.getheader("x-amzn-ErrorType") == error_type + ERROR_TYPE_SUFFIX
        assert body.startswith(b'{"message": ')


def test_connection_close_request_answered(portal):
    connection = raw_connection(portal)
    connection.request("GET", "/assignment/accounts?max_result=1",
                       headers={"x-amz-sso_bearer_token": TOKEN, "Connection": "close"})
    response = connection.getresponse()
    body = response.read()
    connection.close()

    assert response.status == 200
    assert body.startswith(b'{"nextToken": ')


def test_server_stops_cleanly_on_sigterm(certdir, tmp_path):
    server = MockPortal(SCENARIO, certdir, str(tmp_path)).start()
    started = time.monotonic()

    server.stop()

    assert server.returncode == 0
    assert time.monotonic() - started < 2.0
    assert "stopping" in server.server_output()
