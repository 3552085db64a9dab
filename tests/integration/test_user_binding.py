"""The binding of a login to the token's owner, through real Linux-PAM.

After GetRoleCredentials the module calls STS GetCallerIdentity, signed
with the role credentials, to learn whose credentials they are.  The
mock's STS checks each signature with botocore's signer.  It returns the
Identity Center user name that the scenario gives the token.  So these
tests vary the scenario's "user_name", a role's "caller_arn" and the PAM
user, and check the module's decision.
"""

import os

import pytest

from conftest import (ACCOUNT_A, ACCOUNT_C, OTHER_TOKEN, PAM_AUTH_ERR, PAM_AUTHINFO_UNAVAIL,
                      PAM_SERVICE_ERR, PAM_SUCCESS, TOKEN, portal_args, role_credentials,
                      standard_scenario)
from portal_server import MockPortal
from sso_fixtures import closed_port
from test_faults import decision_reason
from test_login import assert_nothing_exported, ops

NOT_OWNER = "The SSO access token does not belong to this user."
OWNER_UNKNOWN = "The owner of the SSO access token cannot be confirmed."
STS_UNAVAILABLE = "AWS STS is unavailable; try again later."
MISMATCH = "user_match does not let the token's owner in as this user"

# A name at STS's 64-character limit for role session names, and one
# character less.
NAME_64 = "a123456789b123456789c123456789d123456789e123456789f1@example.com"
NAME_63 = NAME_64[1:]

# The standard scenario's ReadOnly role of account A, chosen by this rule.
ALLOW_A = f"allow={ACCOUNT_A}:ReadOnly"


def owned_by(portal, user_name, **settings):
    """Make TOKEN the Identity Center token of USER_NAME, with SETTINGS
    added to the standard scenario."""
    scenario = standard_scenario()
    scenario["tokens"][TOKEN]["user_name"] = user_name
    scenario.update(settings)
    portal.update_scenario(scenario)
    return scenario


def with_caller_arn(portal, arn):
    """Make STS return ARN for the credentials of account A's ReadOnly."""
    scenario = standard_scenario()
    for entry in scenario["tokens"][TOKEN]["accounts"]:
        if entry["accountId"] == ACCOUNT_A:
            entry["roles"][0]["caller_arn"] = arn
    portal.update_scenario(scenario)


def sts_requests(portal):
    return [request for request in portal.requests() if request["op"] == "GetCallerIdentity"]


def assert_not_owner(login, portal, reason, message=NOT_OWNER):
    """The login was refused by the binding, after one STS request."""
    assert login.steps == {"auth": PAM_AUTH_ERR}
    assert login.errors == [message]
    assert decision_reason(login) == reason
    assert_nothing_exported(login)
    assert len(sts_requests(portal)) == 1
    # libpam waits its fail delay, randomised from the module's 2 s,
    # before the application learns of it.
    [(status, usec)] = login.fail_delays
    assert status == PAM_AUTH_ERR
    assert 1_000_000 <= usec <= 3_000_000


def write_root_file(path, text, mode=0o644, uid=0):
    path.write_text(text)
    os.chmod(path, mode)
    os.chown(path, uid, 0)
    return path


# --- the default: user_match=exact ------------------------------------------

@pytest.mark.valgrind
def test_default_refuses_token_of_another_user(pam, portal):
    """Bob's valid token, pasted at Alice's prompt: the portal accepts it,
    but STS names bob as the owner."""
    pam.auth_service(*portal_args(portal, "allow=*:Billing"))

    login = pam.run(token=OTHER_TOKEN, user="alice")

    assert_not_owner(login, portal, f"{MISMATCH}: SSO user bob, PAM user alice")
    # The log names the chosen role too, and neither token.
    assert f"account={ACCOUNT_C} role=Billing" in [
        line for line in login.logs if line.startswith("authentication failed")][0]


def test_own_token_signed_with_credentials(pam, portal):
    pam.auth_service(*portal_args(portal, ALLOW_A))

    login = pam.run(token=TOKEN, user="alice")

    assert login.step("auth") == PAM_SUCCESS
    expected = role_credentials(standard_scenario(), TOKEN, ACCOUNT_A, "ReadOnly")
    [sts] = sts_requests(portal)
    assert sts["method"] == "POST"
    assert sts["path"] == "/"
    assert sts["token"] is None
    assert sts["status"] == 200
    assert sts["sts"]["access_key_id"] == expected["accessKeyId"]
    assert sts["sts"]["region"] == "us-east-1"
    assert sts["sts"]["service"] == "sts"
    assert "x-amz-security-token" in sts["sts"]["signed_headers"]
    assert sts["headers"]["x-amz-security-token"] == expected["sessionToken"]
    assert sts["headers"]["content-type"] == \
        "application/x-www-form-urlencoded; charset=utf-8"
    # STS comes after the credentials, never before.
    assert ops(portal)[-2:] == ["GetRoleCredentials", "GetCallerIdentity"]


@pytest.mark.parametrize("pam_user", ["Alice", "alice@example.com", "alic", "alicex"])
def test_exact_compares_byte_for_byte(pam, portal, pam_user):
    pam.auth_service(*portal_args(portal, ALLOW_A))

    login = pam.run(token=TOKEN, user=pam_user)

    assert_not_owner(login, portal, f"{MISMATCH}: SSO user alice, PAM user {pam_user}")


def test_exact_accepts_name_with_reserved_characters(pam, portal):
    owned_by(portal, "a.b-c+d@example.com")
    pam.auth_service(*portal_args(portal, ALLOW_A, "user_match=exact"))

    login = pam.run(token=TOKEN, user="a.b-c+d@example.com")

    assert login.step("auth") == PAM_SUCCESS
    assert login.env["AWS_SSO_ACCOUNT_ID"] == ACCOUNT_A


# --- user_match=localpart -----------------------------------------------------

@pytest.mark.parametrize("user_name, pam_user", [
    ("alice@example.com", "alice"),
    ("ALICE@Example.COM", "alice"),
    ("alice@example.com", "Alice"),
    ("a.b-c+d@example.com", "a.b-c+d"),
])
def test_localpart_accepts_name_in_domain(pam, portal, user_name, pam_user):
    owned_by(portal, user_name)
    pam.auth_service(*portal_args(portal, ALLOW_A, "user_match=localpart",
                                  "user_domain=example.com"))

    login = pam.run(token=TOKEN, user=pam_user)

    assert login.step("auth") == PAM_SUCCESS
    assert login.env["AWS_SSO_ROLE_NAME"] == "ReadOnly"


@pytest.mark.parametrize("user_name", [
    "alice@contractor.example",
    "alice@sub.example.com",
    "alice@example.com.evil",
    "alice",
    "alice@x@example.com",
    "bob@example.com",
])
def test_localpart_refuses_other_domains_and_shapes(pam, portal, user_name):
    owned_by(portal, user_name)
    pam.auth_service(*portal_args(portal, ALLOW_A, "user_match=localpart",
                                  "user_domain=example.com"))

    login = pam.run(token=TOKEN, user="alice")

    assert_not_owner(login, portal, f"{MISMATCH}: SSO user {user_name}, PAM user alice")


def test_localpart_without_domain_is_service_err(pam, portal):
    pam.auth_service(*portal_args(portal, ALLOW_A, "user_match=localpart"))

    login = pam.run()

    assert login.steps == {"auth": PAM_SERVICE_ERR}
    assert any("user_match=localpart needs user_domain" in line for line in login.logs)
    assert login.prompts == []
    assert ops(portal) == []


# --- user_match=map=PATH ------------------------------------------------------

MAP_TEXT = (
    "# SSO user name          local user\n"
    "alice@example.com        alice\n"
    "*@ops.example.com\toperator   # the whole team\n"
    "dev-?@example.com        dev\n"
    "[bc]arol@example.com     carol\n"
    "a.b-c+d@example.com      abcd\n"
)


@pytest.mark.parametrize("user_name, pam_user", [
    ("alice@example.com", "alice"),
    ("x.y@ops.example.com", "operator"),
    ("dev-7@example.com", "dev"),
    ("barol@example.com", "carol"),
    ("a.b-c+d@example.com", "abcd"),
])
@pytest.mark.valgrind
def test_map_accepts_listed_names(pam, portal, tmp_path, user_name, pam_user):
    user_map = write_root_file(tmp_path / "users.map", MAP_TEXT)
    owned_by(portal, user_name)
    pam.auth_service(*portal_args(portal, ALLOW_A, f"user_match=map={user_map}"))

    login = pam.run(token=TOKEN, user=pam_user)

    assert login.step("auth") == PAM_SUCCESS
    assert login.env["AWS_SSO_ACCOUNT_ID"] == ACCOUNT_A


@pytest.mark.parametrize("user_name, pam_user", [
    ("alice@example.com", "operator"),
    ("bob@example.com", "alice"),
    ("dev-42@example.com", "dev"),
    ("darol@example.com", "carol"),
    ("Alice@example.com", "alice"),
])
def test_map_refuses_unlisted_pairs(pam, portal, tmp_path, user_name, pam_user):
    user_map = write_root_file(tmp_path / "users.map", MAP_TEXT)
    owned_by(portal, user_name)
    pam.auth_service(*portal_args(portal, ALLOW_A, f"user_match=map={user_map}"))

    login = pam.run(token=TOKEN, user=pam_user)

    assert_not_owner(login, portal, f"{MISMATCH}: SSO user {user_name}, PAM user {pam_user}")


@pytest.mark.parametrize("text, mode, uid, logged", [
    (None, 0o644, 0, "cannot open"),
    (MAP_TEXT, 0o664, 0, "writable by group or others"),
    (MAP_TEXT, 0o646, 0, "writable by group or others"),
    (MAP_TEXT, 0o644, 65534, "not owned by root"),
    ("alice@example.com\n", 0o644, 0, ":1: expected two fields"),
    ("ok alice\nalice@example.com alice extra\n", 0o644, 0, ":2: expected two fields"),
    ("[abc@example.com alice\n", 0o644, 0, ":1: the SSO name pattern has a '['"),
    ("alice@example.com ali*\n", 0o644, 0, ":1: the local user name has a character"),
], ids=["missing", "group-writable", "other-writable", "other-owner", "one-field",
        "three-fields", "open-bracket", "glob-user"])
@pytest.mark.valgrind
def test_bad_map_is_service_err(pam, portal, tmp_path, text, mode, uid, logged):
    user_map = tmp_path / "users.map"
    if text is not None:
        write_root_file(user_map, text, mode=mode, uid=uid)
    pam.auth_service(*portal_args(portal, ALLOW_A, f"user_match=map={user_map}"))

    login = pam.run()

    assert login.steps == {"auth": PAM_SERVICE_ERR}
    assert decision_reason(login).startswith("the user_match map cannot be used: ")
    assert logged in decision_reason(login)
    # A broken map refuses before the prompt and before any request.
    assert login.prompts == []
    assert ops(portal) == []


def test_symlinked_map_is_service_err(pam, portal, tmp_path):
    user_map = write_root_file(tmp_path / "users.map", MAP_TEXT)
    link = tmp_path / "link.map"
    link.symlink_to(user_map)
    pam.auth_service(*portal_args(portal, ALLOW_A, f"user_match=map={link}"))

    login = pam.run()

    assert login.steps == {"auth": PAM_SERVICE_ERR}
    assert "symbolic link" in decision_reason(login)
    assert ops(portal) == []


# --- user_match=none ----------------------------------------------------------

def test_none_lets_any_token_in_without_sts(pam, portal):
    pam.auth_service(*portal_args(portal, "allow=*:Billing", "user_match=none"))

    login = pam.run(token=OTHER_TOKEN, user="ec2-user")

    assert login.step("auth") == PAM_SUCCESS
    assert login.env["AWS_SSO_ACCOUNT_ID"] == ACCOUNT_C
    assert sts_requests(portal) == []


# --- names STS may have cut, and callers that are no Identity Center user -----

@pytest.mark.parametrize("mode_args, pam_user", [
    (("user_match=exact",), NAME_64),
    (("user_match=localpart", "user_domain=example.com"), NAME_64.split("@")[0]),
    (("user_match=map={map}",), "alice"),
], ids=["exact", "localpart", "map"])
def test_64_character_name_refused(pam, portal, tmp_path, mode_args, pam_user):
    user_map = write_root_file(tmp_path / "users.map", "* alice\n")
    owned_by(portal, NAME_64)
    args = [arg.format(map=user_map) for arg in mode_args]
    pam.auth_service(*portal_args(portal, ALLOW_A, *args))

    login = pam.run(token=TOKEN, user=pam_user)

    assert_not_owner(login, portal, "the SSO user name has 64 characters and may be cut "
                     f"short: SSO user {NAME_64}, PAM user {pam_user}", OWNER_UNKNOWN)


def test_64_character_name_accepted_under_none(pam, portal):
    owned_by(portal, NAME_64)
    pam.auth_service(*portal_args(portal, ALLOW_A, "user_match=none"))

    login = pam.run(token=TOKEN, user="alice")

    assert login.step("auth") == PAM_SUCCESS


def test_63_character_name_accepted(pam, portal):
    owned_by(portal, NAME_63)
    pam.auth_service(*portal_args(portal, ALLOW_A))

    login = pam.run(token=TOKEN, user=NAME_63)

    assert login.step("auth") == PAM_SUCCESS


OTHER_ARNS = [
    f"arn:aws:sts::{ACCOUNT_A}:assumed-role/BastionRole/alice",
    f"arn:aws:iam::{ACCOUNT_A}:user/alice",
    f"arn:aws:sts::{ACCOUNT_A}:federated-user/alice",
    # The Identity Center role of another permission set, or account.
    f"arn:aws:sts::{ACCOUNT_A}:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/alice",
    "arn:aws:sts::999999999999:assumed-role/AWSReservedSSO_ReadOnly_0123456789abcdef/alice",
]


@pytest.mark.parametrize("arn", OTHER_ARNS,
                         ids=["plain-role", "iam-user", "federated", "other-role",
                              "other-account"])
@pytest.mark.parametrize("mode_args", [
    ("user_match=exact",),
    ("user_match=localpart", "user_domain=example.com"),
    ("user_match=map={map}",),
], ids=["exact", "localpart", "map"])
def test_other_caller_refused(pam, portal, tmp_path, arn, mode_args):
    user_map = write_root_file(tmp_path / "users.map", "* alice\n")
    with_caller_arn(portal, arn)
    args = [arg.format(map=user_map) for arg in mode_args]
    pam.auth_service(*portal_args(portal, ALLOW_A, *args))

    login = pam.run(token=TOKEN, user="alice")

    assert login.steps == {"auth": PAM_AUTH_ERR}
    assert login.errors == [OWNER_UNKNOWN]
    assert decision_reason(login).startswith(
        "the caller is not an Identity Center user of the chosen role: ")
    assert arn in decision_reason(login)
    assert_nothing_exported(login)


@pytest.mark.parametrize("arn", OTHER_ARNS[:3], ids=["plain-role", "iam-user", "federated"])
def test_other_caller_accepted_under_none(pam, portal, arn):
    with_caller_arn(portal, arn)
    pam.auth_service(*portal_args(portal, ALLOW_A, "user_match=none"))

    login = pam.run(token=TOKEN, user="alice")

    assert login.step("auth") == PAM_SUCCESS


# --- uid 0 ------------------------------------------------------------------

@pytest.mark.valgrind
def test_root_refused_before_prompt(pam, portal):
    owned_by(portal, "root")
    pam.auth_service(*portal_args(portal, ALLOW_A))

    login = pam.run(token=TOKEN, user="root")

    assert login.steps == {"auth": PAM_AUTH_ERR}
    assert decision_reason(login) == "uid 0 is refused without allow_root"
    assert login.prompts == []
    assert ops(portal) == []


def test_root_refused_under_none_too(pam, portal):
    pam.auth_service(*portal_args(portal, ALLOW_A, "user_match=none"))

    login = pam.run(token=TOKEN, user="root")

    assert login.steps == {"auth": PAM_AUTH_ERR}
    assert login.prompts == []
    assert ops(portal) == []


def test_root_allowed_with_allow_root_and_binding(pam, portal, tmp_path):
    user_map = write_root_file(tmp_path / "users.map", "admin@example.com root\n")
    owned_by(portal, "admin@example.com")
    pam.auth_service(*portal_args(portal, ALLOW_A, "allow_root",
                                  f"user_match=map={user_map}"))

    login = pam.run(token=TOKEN, user="root")

    assert login.step("auth") == PAM_SUCCESS
    assert len(sts_requests(portal)) == 1


def test_allow_root_still_binds(pam, portal):
    pam.auth_service(*portal_args(portal, ALLOW_A, "allow_root"))

    login = pam.run(token=TOKEN, user="root")

    assert_not_owner(login, portal, f"{MISMATCH}: SSO user alice, PAM user root")


# --- where STS is and how it is signed --------------------------------------

@pytest.mark.parametrize("args, region", [
    (("aws_region=eu-central-1",), "eu-central-1"),
    (("region=ap-southeast-2",), "ap-southeast-2"),
    (("aws_region=eu-central-1", "region=ap-southeast-2"), "eu-central-1"),
    ((), "us-east-1"),
], ids=["aws_region", "region", "aws_region-first", "default"])
def test_signing_region(pam, portal, args, region):
    owned_by(portal, "alice", sts_region=region)
    pam.auth_service(*portal_args(portal, ALLOW_A, *args))

    login = pam.run()

    assert login.step("auth") == PAM_SUCCESS
    assert sts_requests(portal)[0]["sts"]["region"] == region


def test_wrong_signing_region_is_rejected_by_sts(pam, portal):
    """STS expects eu-west-1, but no option names a region, so the module
    signs for us-east-1.  STS rejects the signature, and the module logs
    its error code."""
    owned_by(portal, "alice", sts_region="eu-west-1")
    pam.auth_service(*portal_args(portal, ALLOW_A))

    login = pam.run()

    assert login.steps == {"auth": PAM_AUTH_ERR}
    assert login.errors == [OWNER_UNKNOWN]
    assert decision_reason(login) == ("STS rejected the role credentials: "
                                      "STS answered HTTP 403: SignatureDoesNotMatch")
    assert_nothing_exported(login)


@pytest.mark.parametrize("code, status", [
    ("ExpiredToken", 403),
    ("InvalidClientTokenId", 403),
    ("AccessDenied", 403),
    ("InvalidAction", 400),
])
def test_sts_rejection_is_auth_err_with_code(pam, portal, code, status):
    owned_by(portal, "alice", faults=[{"op": "GetCallerIdentity", "status": status,
                                        "error_type": code, "message": "refused"}])
    pam.auth_service(*portal_args(portal, ALLOW_A))

    login = pam.run()

    assert login.steps == {"auth": PAM_AUTH_ERR}
    assert decision_reason(login) == (f"STS rejected the role credentials: "
                                      f"STS answered HTTP {status}: {code}")
    assert_nothing_exported(login)


@pytest.mark.valgrind
def test_unreachable_sts_is_unavailable(pam, portal):
    """A refused connection fails well before the 10 s default timeout.
    The bound leaves room for a login under valgrind, about 2 to 3 s."""
    args = [arg for arg in portal_args(portal, ALLOW_A) if not arg.startswith("sts_endpoint=")]
    pam.auth_service(*args, f"sts_endpoint=https://127.0.0.1:{closed_port()}")

    login = pam.run()

    assert login.steps == {"auth": PAM_AUTHINFO_UNAVAIL}
    assert login.seconds < 5
    assert login.errors == [STS_UNAVAILABLE]
    assert decision_reason(login).startswith(
        "the token's owner cannot be learned from STS: STS request failed: "
        "Couldn't connect to server")
    assert_nothing_exported(login)
    # The portal part of the login did happen.
    assert ops(portal)[-1] == "GetRoleCredentials"


@pytest.mark.parametrize("cert_name, logged", [
    ("other-server", "unable to get local issuer certificate"),
    ("wrong-host", "no alternative certificate subject name matches target host name"),
], ids=["unknown-ca", "wrong-host"])
def test_sts_held_to_portal_tls_rules(pam, portal, certdir, tmp_path, cert_name, logged):
    """An STS whose certificate the portal's ca_file does not vouch for, or
    that names another host, gets no request."""
    with MockPortal(standard_scenario(), certdir, str(tmp_path / "sts"),
                    cert_name=cert_name) as sts:
        args = [arg for arg in portal_args(portal, ALLOW_A)
                if not arg.startswith("sts_endpoint=")]
        pam.auth_service(*args, f"sts_endpoint={sts.url}")

        login = pam.run()

        assert login.steps == {"auth": PAM_AUTHINFO_UNAVAIL}
        assert logged in decision_reason(login)
        assert sts.requests() == []
        assert sts.connection_counts()["accepted"] >= 1
    assert_nothing_exported(login)


def test_http_sts_endpoint_is_service_err(pam, portal):
    args = [arg for arg in portal_args(portal, ALLOW_A) if not arg.startswith("sts_endpoint=")]
    pam.auth_service(*args, f"sts_endpoint=http://127.0.0.1:{portal.port}")

    login = pam.run()

    assert login.steps == {"auth": PAM_SERVICE_ERR}
    assert any("option 'sts_endpoint': must start with https://" in line
               for line in login.logs)
    assert login.prompts == []
    assert ops(portal) == []


def test_stalled_sts_fails_within_timeout(pam, portal):
    owned_by(portal, "alice", faults=[{"op": "GetCallerIdentity", "delay": 8}])
    pam.auth_service(*portal_args(portal, ALLOW_A, "timeout=2"))

    login = pam.run()

    assert login.steps == {"auth": PAM_AUTHINFO_UNAVAIL}
    assert 1.5 < login.seconds < 5
    assert "Timeout was reached" in decision_reason(login)


def test_sts_throttling_is_unavailable(pam, portal):
    """STS throttles with HTTP 400; the module tries three more times, then
    gives up as unavailable rather than as a rejection."""
    owned_by(portal, "alice", faults=[{"op": "GetCallerIdentity", "status": 400,
                                        "error_type": "Throttling", "message": "Rate exceeded"}])
    pam.auth_service(*portal_args(portal, ALLOW_A))

    login = pam.run()

    assert login.steps == {"auth": PAM_AUTHINFO_UNAVAIL}
    assert login.errors == [STS_UNAVAILABLE]
    assert decision_reason(login).endswith("STS answered HTTP 400: Throttling")
    assert [r["status"] for r in sts_requests(portal)] == [400, 400, 400, 400]


def test_sts_throttling_retried_then_succeeds(pam, portal):
    owned_by(portal, "alice", faults=[{"op": "GetCallerIdentity", "status": 400,
                                        "error_type": "Throttling", "times": 2}])
    pam.auth_service(*portal_args(portal, ALLOW_A))

    login = pam.run()

    assert login.step("auth") == PAM_SUCCESS
    assert [r["status"] for r in sts_requests(portal)] == [400, 400, 200]
    # The retries reuse the first connection to STS.
    assert len({r["connection"] for r in sts_requests(portal)}) == 1


def test_sts_throttling_stops_at_timeout(pam, portal):
    owned_by(portal, "alice", faults=[{"op": "GetCallerIdentity", "status": 400,
                                        "error_type": "Throttling", "delay": 0.7}])
    pam.auth_service(*portal_args(portal, ALLOW_A, "timeout=1"))

    login = pam.run()

    assert login.steps == {"auth": PAM_AUTHINFO_UNAVAIL}
    assert login.seconds < 3


def test_sts_server_error_retried_then_succeeds(pam, portal):
    owned_by(portal, "alice", faults=[{"op": "GetCallerIdentity", "status": 500, "times": 1}])
    pam.auth_service(*portal_args(portal, ALLOW_A))

    login = pam.run()

    assert login.step("auth") == PAM_SUCCESS
    assert [r["status"] for r in sts_requests(portal)] == [500, 200]
    # The retry is signed again, with a signature STS accepts.
    assert sts_requests(portal)[1]["sts"]["error"] is None


IDENTITY_HEAD = ('<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
                 "<GetCallerIdentityResult>")
IDENTITY_TAIL = "</GetCallerIdentityResult></GetCallerIdentityResponse>"
ARN_A = f"arn:aws:sts::{ACCOUNT_A}:assumed-role/AWSReservedSSO_ReadOnly_0123456789abcdef/alice"


@pytest.mark.parametrize("body", [
    "",
    "not xml",
    f'{{"Arn": "{ARN_A}"}}',
    '<!DOCTYPE r [<!ENTITY a "alice">]>' + IDENTITY_HEAD + "<Arn>" + ARN_A[:-5]
    + "&a;</Arn><Account>" + ACCOUNT_A + "</Account>" + IDENTITY_TAIL,
    IDENTITY_HEAD + "<Arn>" + ARN_A + "</Arn><Arn>" + ARN_A + "</Arn><Account>"
    + ACCOUNT_A + "</Account>" + IDENTITY_TAIL,
    IDENTITY_HEAD + "<Arn>" + ARN_A + "&#10;</Arn><Account>" + ACCOUNT_A + "</Account>"
    + IDENTITY_TAIL,
    IDENTITY_HEAD + "<Arn>" + ARN_A + "</Arn>" + IDENTITY_TAIL,
    IDENTITY_HEAD + "<Arn>" + ARN_A + "</Arn><Account>" + ACCOUNT_A + "</Account>",
], ids=["empty", "text", "json", "entity", "two-arns", "line-feed", "no-account",
        "truncated"])
@pytest.mark.valgrind
def test_malformed_sts_response_is_unavailable(pam, portal, body):
    owned_by(portal, "alice", faults=[{"op": "GetCallerIdentity", "body": body}])
    pam.auth_service(*portal_args(portal, ALLOW_A))

    login = pam.run()

    assert login.steps == {"auth": PAM_AUTHINFO_UNAVAIL}
    assert decision_reason(login) == ("the token's owner cannot be learned from STS: "
                                      "malformed GetCallerIdentity response from STS")
    assert_nothing_exported(login)


def test_well_formed_fault_body_logs_in(pam, portal):
    """The bodies above break a response the module accepts."""
    body = IDENTITY_HEAD + "<Arn>" + ARN_A + "</Arn><Account>" + ACCOUNT_A + "</Account>" \
        + IDENTITY_TAIL
    owned_by(portal, "alice", faults=[{"op": "GetCallerIdentity", "body": body}])
    pam.auth_service(*portal_args(portal, ALLOW_A))

    login = pam.run()

    assert login.step("auth") == PAM_SUCCESS
