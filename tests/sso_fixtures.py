"""Scenario builders, expected values and the certificate fixture that the
PAM integration tests (tests/integration) and the sshd end-to-end tests
(tests/e2e) share.

A conftest.py imports the certdir fixture from here to register it.
"""

import datetime
import hashlib
import os
import socket
import subprocess
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# A token shaped like an Identity Center access token: about 230 characters
# from the base64 alphabet after an "aoa" prefix.
TOKEN = "aoaAAAAAGd" + "Q2xpZW50U2VjcmV0" * 13 + "+/=:x"
OTHER_TOKEN = "aoaBBBBBGd" + "T3RoZXJUb2tlbg" * 12

ACCOUNT_A = "111111111111"
ACCOUNT_B = "222222222222"
ACCOUNT_C = "333333333333"


# One expiry for the whole run, two hours ahead, so that scenarios built at
# different moments agree on it.
EXPIRATION_MS = (int(time.time()) + 7200) * 1000


def credentials(tag, expiration_ms=EXPIRATION_MS):
    """Distinct credentials for one role, derived from the letters and
    digits of TAG."""
    tag = "".join(c for c in tag if c.isalnum())
    # The key id shows only the first 12 characters of the tag, so its last
    # four characters come from a hash of the whole tag. Without them, tags
    # that share their first 12 characters would share a key id, and the
    # mock's STS could not tell whose key signed a request.
    tag_hash = hashlib.sha256(tag.encode("utf-8")).hexdigest()[:4].upper()
    return {
        "accessKeyId": "ASIA" + (tag.upper() + "KEYID" * 3)[:12] + tag_hash,
        "secretAccessKey": f"secret/{tag}/" + "s" * 30,
        "sessionToken": f"session+{tag}/" + "IQoJb3JpZ2luX2VjE" * 8,
        "expiration": expiration_ms,
    }


def account(account_id, *roles, tag_prefix=""):
    """Build an account entry whose roles get credentials(TAG_PREFIX +
    account id + role name). Give each token its own TAG_PREFIX when two
    tokens share an account and role, so that their credentials differ."""
    return {
        "accountId": account_id,
        "accountName": f"account {account_id}",
        "emailAddress": f"aws+{account_id}@example.com",
        "roles": [{"roleName": name,
                   "credentials": credentials(f"{tag_prefix}{account_id}{name}")}
                  for name in roles],
    }


def standard_scenario():
    """Alice's token can list three accounts, and Bob's token one of them.
    Every role of every token has credentials of its own."""
    return {
        "page_size": 100,
        "tokens": {
            TOKEN: {"user_name": "alice", "accounts": [
                account(ACCOUNT_B, "ReadOnly", "Admin"),
                account(ACCOUNT_A, "ReadOnly", "PowerUser"),
                account(ACCOUNT_C, "Billing"),
            ]},
            OTHER_TOKEN: {"user_name": "bob", "accounts": [
                account(ACCOUNT_C, "Billing", tag_prefix="bob"),
            ]},
        },
        "faults": [],
    }


def role_credentials(scenario, token, account_id, role_name):
    for entry in scenario["tokens"][token]["accounts"]:
        if entry["accountId"] == account_id:
            for role in entry["roles"]:
                if role["roleName"] == role_name:
                    return role["credentials"]
    raise KeyError((account_id, role_name))


# Every secret that credentials() makes starts with one of these.
SECRET_PREFIXES = ("secret/", "session+")


def iso8601(expiration_ms):
    moment = datetime.datetime.fromtimestamp(expiration_ms // 1000, datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def assert_exported(login, scenario, token, account_id, role_name):
    """Check login.env (a dict of exported variables) against the role's
    credentials in SCENARIO."""
    expected = role_credentials(scenario, token, account_id, role_name)
    assert login.env["AWS_ACCESS_KEY_ID"] == expected["accessKeyId"]
    assert login.env["AWS_SECRET_ACCESS_KEY"] == expected["secretAccessKey"]
    assert login.env["AWS_SESSION_TOKEN"] == expected["sessionToken"]
    assert login.env["AWS_SECURITY_TOKEN"] == expected["sessionToken"]
    assert login.env["AWS_CREDENTIAL_EXPIRATION"] == iso8601(expected["expiration"])
    assert login.env["AWS_SSO_ACCOUNT_ID"] == account_id
    assert login.env["AWS_SSO_ROLE_NAME"] == role_name


@pytest.fixture(scope="session")
def certdir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("certs")
    subprocess.run([os.path.join(REPO, "tests", "mock_portal", "make_certs.sh"),
                    str(directory)], check=True)
    # An empty configuration file, so that tests never read the machine's
    # /etc/security/pam_sso.conf.
    empty = directory / "empty.conf"
    empty.write_text("")
    os.chmod(empty, 0o644)
    return str(directory)


def closed_port():
    """Return a port on 127.0.0.1 where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ops_after_listing(server):
    """The operations SERVER received, without the listing calls.  The
    module drops a role listing once it cannot change the choice, but a
    dropped listing may still reach the mock after GetRoleCredentials, so
    tests of the order leave the listings out."""
    return [request["op"] for request in server.requests()
            if request["op"] not in ("ListAccounts", "ListAccountRoles")]


def portal_args(server, *extra):
    """Module arguments that reach SERVER, as the portal and as STS, and
    trust only its CA."""
    return (f"endpoint={server.url}", f"sts_endpoint={server.url}",
            f"ca_file={server.ca_file}",
            f"config={server.certdir}/empty.conf") + extra
