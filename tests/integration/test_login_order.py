"""Logins in the PAM call order of shadow's login(1).

login calls pam_open_session before pam_setcred(PAM_ESTABLISH_CRED), the
reverse of su, and copies the PAM environment into the shell after both.  pam_sso exports the credentials during pam_authenticate, so they
must be in place whichever of the two steps comes first.
"""

import pytest

from conftest import ACCOUNT_A, PAM_SUCCESS, TOKEN, portal_args, standard_scenario
from test_login import assert_exported

REGION = "eu-central-1"

# The variables that pam_setcred(PAM_DELETE_CRED) removes.
SECRET_NAMES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION")


def sign_for_region(portal):
    """Make the mock's STS expect requests signed for REGION, as aws_region
    makes the module sign them."""
    scenario = standard_scenario()
    scenario["sts_region"] = REGION
    portal.update_scenario(scenario)


def test_session_before_setcred_exports(pam, portal):
    sign_for_region(portal)
    pam.auth_service(*portal_args(portal, "allow=*:ReadOnly", f"aws_region={REGION}"))

    login = pam.run(steps="auth,open,setcred")

    assert login.steps == {"auth": PAM_SUCCESS, "open": PAM_SUCCESS,
                           "setcred": PAM_SUCCESS}
    assert login.prompts == ["echo_off AWS SSO access token: "]
    assert_exported(login, standard_scenario(), TOKEN, ACCOUNT_A, "ReadOnly")
    assert login.env["AWS_REGION"] == REGION
    assert login.env["AWS_DEFAULT_REGION"] == REGION


@pytest.mark.valgrind
def test_session_before_setcred_then_teardown(pam, portal):
    sign_for_region(portal)
    pam.auth_service(*portal_args(portal, "allow=*:ReadOnly", f"aws_region={REGION}"))

    login = pam.run(steps="auth,open,setcred,close,delcred")

    assert login.steps == {"auth": PAM_SUCCESS, "open": PAM_SUCCESS,
                           "setcred": PAM_SUCCESS, "close": PAM_SUCCESS,
                           "delcred": PAM_SUCCESS}
    for name in SECRET_NAMES:
        assert name not in login.env
    assert login.env["AWS_SSO_ACCOUNT_ID"] == ACCOUNT_A
    assert login.env["AWS_SSO_ROLE_NAME"] == "ReadOnly"
    assert login.env["AWS_REGION"] == REGION
