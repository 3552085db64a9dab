"""Scenario helpers for the mock SSO portal, importable without a server.

A scenario is a JSON object that defines the valid access tokens, the
accounts and roles each token may see, and the faults to inject::

    {
      "page_size": 3,
      "sts_region": "us-east-1",
      "page_size_cap": 100,
      "credential_lifetime": 3600,
      "logout_revokes": false,
      "last_page_next_token": null,
      "endless_pages": false,
      "tokens": {
        "TOKEN": {
          "user_name": "alice@example.com",
          "accounts": [
            {"accountId": "111111111111", "accountName": "dev",
             "emailAddress": "dev@example.com",
             "roles": [
               {"roleName": "ReadOnly",
                "credentials": {"accessKeyId": "...", "secretAccessKey": "...",
                                "sessionToken": "...",
                                "expiration": 1900000000000}},
               {"roleName": "Legacy",
                "caller_arn": "arn:aws:sts::111111111111:assumed-role/Legacy/x"}]}]}},
      "faults": [{"op": "ListAccounts", "status": 500, "times": 1}]
    }

Top-level keys, all optional except "tokens":

page_size
    Items per page when the request has no max_result (default 20).
page_size_cap
    Upper bound on the page size when the request has max_result
    (default 100). The page size is then min(max_result, page_size_cap).
credential_lifetime
    Seconds from now to the expiration of generated credentials
    (default 3600).
logout_revokes
    When true, a token that called Logout gets 401 UnauthorizedException
    on later calls. When false (the default) it keeps working.
latency_ms
    Milliseconds that the server waits before it sends each response
    (default 0), like a round trip to a distant portal. Every request
    waits in its own connection's thread, so requests on separate
    connections wait at the same time. TCP and TLS handshakes are not
    delayed.
last_page_next_token
    When this key is present, the last page of a listing carries
    "nextToken" with this value (for example null or ""). When it is
    absent, the last page has no "nextToken" key.
endless_pages
    When true, every page of ListAccounts and ListAccountRoles carries a
    valid "nextToken" that differs from all earlier ones, also past the
    last item, where the pages are empty. This takes precedence over
    last_page_next_token. A client must give up on its own page bound.
sts_region
    The only region that STS GetCallerIdentity accepts in a signature's
    credential scope (default "us-east-1").
tokens
    Maps each valid access token to its grant: "accounts" and an optional
    "user_name". Account fields other than "roles" are sent as they are in
    ListAccounts, and each role is listed as {"roleName", "accountId"} in
    ListAccountRoles.
faults
    Rules that replace or delay responses. See mock_portal.py.

A role without "credentials" gets deterministic generated values, see
credentials_for(). Values given in "credentials" are sent verbatim, so a
test can also send malformed ones (a string expiration, say).

STS GetCallerIdentity accepts requests signed with the credentials of any
role in the scenario and returns the identity that caller_identity()
computes. "user_name" is the Identity Center user name of a token, which
becomes the role session name in the ARN (default "alice"). A role's
optional "caller_arn" replaces the generated ARN verbatim, for roles that
Identity Center did not create or for odd session names.
"""

import base64
import binascii
import hashlib
import hmac
import json
import time


OPERATIONS = ("ListAccounts", "ListAccountRoles", "GetRoleCredentials", "Logout",
              "GetCallerIdentity")

DEFAULT_PAGE_SIZE = 20
DEFAULT_PAGE_SIZE_CAP = 100
DEFAULT_CREDENTIAL_LIFETIME = 3600
DEFAULT_USER_NAME = "alice"
DEFAULT_STS_REGION = "us-east-1"

# The fixed prefix and suffix put "+", "/" and "=" into every pagination
# token, so a client that does not percent-encode next_token sends a value
# that the mock rejects (a raw "+" is decoded as a space).
PAGE_TOKEN_PREFIX = "pg+/"
PAGE_TOKEN_SUFFIX = "="
# The key only detects altered or foreign tokens, so it can be public.
_PAGE_TOKEN_KEY = b"pam_sso mock portal page token"


class ScenarioError(ValueError):
    """Raised when a scenario file is not a valid scenario."""


def load_scenario(path):
    """Read and check a scenario file. Raises ScenarioError or OSError."""
    with open(path, "rb") as f:
        return parse_scenario(f.read(), path)


def parse_scenario(data, source):
    """Parse and check scenario JSON text or bytes read from source."""
    try:
        scenario = json.loads(data)
    except ValueError as e:
        raise ScenarioError(f"{source}: invalid JSON: {e}") from e
    try:
        check_scenario(scenario)
    except ScenarioError as e:
        raise ScenarioError(f"{source}: {e}") from e
    return scenario


def check_scenario(scenario):
    """Raise ScenarioError when the scenario's structure is invalid."""
    if not isinstance(scenario, dict):
        raise ScenarioError("scenario must be a JSON object")

    tokens = scenario.get("tokens")
    if not isinstance(tokens, dict):
        raise ScenarioError('scenario must contain an object "tokens"')
    for token, grant in tokens.items():
        accounts = grant.get("accounts") if isinstance(grant, dict) else None
        if not isinstance(accounts, list):
            raise ScenarioError(f'token {token!r} must contain a list "accounts"')
        user_name = grant.get("user_name", DEFAULT_USER_NAME)
        if not isinstance(user_name, str) or user_name == "":
            raise ScenarioError(f'"user_name" of token {token!r} must be a non-empty string')
        for account in accounts:
            if not isinstance(account, dict) or "accountId" not in account:
                raise ScenarioError(
                    f'each account of token {token!r} must be an object with "accountId"')
            roles = account.get("roles", [])
            if not isinstance(roles, list) or not all(
                    isinstance(r, dict) and "roleName" in r for r in roles):
                raise ScenarioError(
                    f'account {account["accountId"]!r} of token {token!r}: '
                    '"roles" must be a list of objects with "roleName"')
            for role in roles:
                if not isinstance(role.get("credentials", {}), dict):
                    raise ScenarioError(
                        f'role {role["roleName"]!r} of account {account["accountId"]!r}: '
                        '"credentials" must be an object')
                if not isinstance(role.get("caller_arn", ""), str):
                    raise ScenarioError(
                        f'role {role["roleName"]!r} of account {account["accountId"]!r}: '
                        '"caller_arn" must be a string')

    for name in ("logout_revokes", "endless_pages"):
        if not isinstance(scenario.get(name, False), bool):
            raise ScenarioError(f'"{name}" must be true or false')

    sts_region = scenario.get("sts_region", DEFAULT_STS_REGION)
    if not isinstance(sts_region, str) or sts_region == "":
        raise ScenarioError('"sts_region" must be a non-empty string')

    for name in ("page_size", "page_size_cap"):
        value = scenario.get(name, 1)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ScenarioError(f'"{name}" must be a positive integer')

    latency = scenario.get("latency_ms", 0)
    if not isinstance(latency, (int, float)) or isinstance(latency, bool) or latency < 0:
        raise ScenarioError('"latency_ms" must be a non-negative number of milliseconds')

    faults = scenario.get("faults", [])
    if not isinstance(faults, list) or not all(isinstance(f, dict) for f in faults):
        raise ScenarioError('"faults" must be a list of objects')
    for index, fault in enumerate(faults):
        check_fault(index, fault)


def check_fault(index, fault):
    """Raise ScenarioError when a fault rule has a value of the wrong type."""
    op = fault.get("op")
    if op is not None and op not in OPERATIONS:
        raise ScenarioError(f"fault {index}: op {op!r} is not one of {', '.join(OPERATIONS)}")
    for name in ("status", "after", "times", "stall_after_bytes"):
        value = fault.get(name, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ScenarioError(f'fault {index}: "{name}" must be a non-negative integer')
    delay = fault.get("delay", 0)
    if not isinstance(delay, (int, float)) or isinstance(delay, bool) or delay < 0:
        raise ScenarioError(f'fault {index}: "delay" must be a non-negative number of seconds')
    if not isinstance(fault.get("body", ""), str):
        raise ScenarioError(f'fault {index}: "body" must be a string')
    if "body" in fault and "body_base64" in fault:
        raise ScenarioError(f'fault {index}: "body" and "body_base64" are both set, remove one')
    if "body_base64" in fault:
        try:
            base64.b64decode(fault["body_base64"], validate=True)
        except (TypeError, binascii.Error) as e:
            raise ScenarioError(f'fault {index}: "body_base64" is not valid base64: {e}') from e
    for name in ("chunked", "close"):
        if not isinstance(fault.get(name, False), bool):
            raise ScenarioError(f'fault {index}: "{name}" must be true or false')
    if not isinstance(fault.get("headers", {}), dict):
        raise ScenarioError(f'fault {index}: "headers" must be an object')


def find_account(scenario, token, account_id):
    """Return the scenario's account entry for this token, or None."""
    grant = scenario["tokens"].get(token)
    if grant is None:
        return None
    for account in grant["accounts"]:
        if account["accountId"] == account_id:
            return account
    return None


def find_role(scenario, token, account_id, role_name):
    """Return the scenario's role entry for this token and account, or None."""
    account = find_account(scenario, token, account_id)
    if account is None:
        return None
    for role in account.get("roles", []):
        if role["roleName"] == role_name:
            return role
    return None


def account_list(scenario, token):
    """Return the accountList items that ListAccounts sends for a token."""
    items = []
    for account in scenario["tokens"][token]["accounts"]:
        items.append({k: v for k, v in account.items() if k != "roles"})
    return items


def role_list(scenario, token, account_id):
    """Return the roleList items that ListAccountRoles sends for an account."""
    account = find_account(scenario, token, account_id)
    return [{"roleName": role["roleName"], "accountId": account_id}
            for role in account.get("roles", [])]


def credentials_for(scenario, token, account_id, role_name, now=None):
    """Return the roleCredentials object the mock sends, or None if unassigned.

    Fields missing from the role's "credentials" are generated from a hash of
    token, account and role, so they are the same on every call and in every
    process. The one exception is a generated "expiration": it is
    now + credential_lifetime in epoch milliseconds, so a test should compare
    it with a tolerance. now is in epoch seconds and defaults to time.time().
    """
    role = find_role(scenario, token, account_id, role_name)
    if role is None:
        return None

    seed = "\0".join((token, account_id, role_name)).encode("utf-8")
    material = hashlib.shake_256(seed).digest(16 + 30 + 150)
    if now is None:
        now = time.time()
    lifetime = scenario.get("credential_lifetime", DEFAULT_CREDENTIAL_LIFETIME)

    generated = {
        "accessKeyId": "ASIA" + material[:8].hex().upper(),
        "secretAccessKey": base64.b64encode(material[16:46]).decode("ascii"),
        "sessionToken": base64.b64encode(material[46:196]).decode("ascii"),
        "expiration": int((now + lifetime) * 1000),
    }
    generated.update(role.get("credentials", {}))
    return generated


def caller_identity(scenario, token, account_id, role_name):
    """Return the GetCallerIdentity result {"Arn", "UserId", "Account"} for
    the role's credentials, or None if the role is not assigned to the token.

    The ARN has the shape Identity Center gives its roles,
    arn:aws:sts::ACCOUNT:assumed-role/AWSReservedSSO_ROLE_SUFFIX/USER_NAME,
    unless the role has "caller_arn". The 16-hex-digit SUFFIX and the role id
    in UserId depend only on account and role, as in AWS, where they belong
    to the role and not to the user. The session name in UserId is the text
    after the last "/" of the ARN.
    """
    role = find_role(scenario, token, account_id, role_name)
    if role is None:
        return None

    seed = "\0".join((account_id, role_name)).encode("utf-8")
    arn = role.get("caller_arn")
    if arn is None:
        user_name = scenario["tokens"][token].get("user_name", DEFAULT_USER_NAME)
        suffix = hashlib.sha256(b"permission set\0" + seed).hexdigest()[:16]
        arn = (f"arn:aws:sts::{account_id}:assumed-role/"
               f"AWSReservedSSO_{role_name}_{suffix}/{user_name}")

    # Base32 digits (A-Z and 2-7) are a subset of the characters of real
    # role ids (A-Z and 0-9).
    role_digest = hashlib.sha256(b"role id\0" + seed).digest()
    role_id = "AROA" + base64.b32encode(role_digest).decode("ascii")[:17]
    session_name = arn.rsplit("/", 1)[-1]
    return {"Arn": arn, "UserId": f"{role_id}:{session_name}", "Account": account_id}


def index_access_keys(scenario):
    """Map every access key id that GetRoleCredentials can send to the list
    of (token, account_id, role_name) it is issued for.

    A key id that is not a string cannot arrive in a signature, so it is
    left out.
    """
    index = {}
    for token, grant in scenario["tokens"].items():
        for account in grant["accounts"]:
            account_id = account["accountId"]
            for role in account.get("roles", []):
                role_name = role["roleName"]
                credentials = credentials_for(scenario, token, account_id, role_name)
                key_id = credentials.get("accessKeyId")
                if isinstance(key_id, str):
                    index.setdefault(key_id, []).append((token, account_id, role_name))
    return index


def encode_page_token(op, token, account_id, offset):
    """Build the opaque nextToken for the page that starts at offset.

    The token is bound to the operation, the access token and (for
    ListAccountRoles) the account, so reusing it elsewhere is rejected.
    """
    payload = json.dumps({
        "op": op,
        "account": account_id,
        "offset": offset,
        "token": hashlib.sha256(token.encode("utf-8")).hexdigest()[:16],
    }, separators=(",", ":"), sort_keys=True).encode("utf-8")
    mac = hmac.new(_PAGE_TOKEN_KEY, payload, hashlib.sha256).digest()[:12]
    body = base64.b64encode(mac + payload).decode("ascii")
    return PAGE_TOKEN_PREFIX + body + PAGE_TOKEN_SUFFIX


def decode_page_token(value, op, token, account_id):
    """Return the offset stored in a nextToken, or None if it is invalid here."""
    if not (value.startswith(PAGE_TOKEN_PREFIX) and value.endswith(PAGE_TOKEN_SUFFIX)):
        return None
    body = value[len(PAGE_TOKEN_PREFIX):len(value) - len(PAGE_TOKEN_SUFFIX)]
    try:
        raw = base64.b64decode(body, validate=True)
    except ValueError:
        return None

    mac, payload = raw[:12], raw[12:]
    expected = hmac.new(_PAGE_TOKEN_KEY, payload, hashlib.sha256).digest()[:12]
    if not hmac.compare_digest(mac, expected):
        return None

    fields = json.loads(payload)
    if (fields["op"] != op or fields["account"] != account_id
            or fields["token"] != hashlib.sha256(token.encode("utf-8")).hexdigest()[:16]):
        return None
    return fields["offset"]
