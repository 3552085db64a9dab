"""Every PAM service file shipped in config/ (config/pam.d-*), run through
real Linux-PAM with the built module in place of pam_sso.so.

The shipped stacks must fail closed: whatever goes wrong inside pam_sso
(a configuration error, an unreachable portal, a rejected token, a token
of another person), pam_authenticate of the whole stack refuses the
login.  The same stack with a working configuration admits it, which
shows that the refusals come from the module's result.
"""

import glob
import os
import shutil

import pytest

from conftest import (MODULE, OTHER_TOKEN, PAM_SUCCESS, REPO, TOKEN, portal_args)

SHIPPED = sorted(glob.glob(os.path.join(REPO, "config", "pam.d-*")))

# The files the shipped stacks include, from the machine's /etc/pam.d.
INCLUDED = ("common-account", "common-session", "common-password", "common-auth")


def install_stack(pam, path, *module_args):
    """Write the shipped stack at PATH as the test service, with the built
    module and MODULE_ARGS in place of each pam_sso.so, next to the files it
    includes."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    assert " pam_sso.so" in text
    words = " ".join((MODULE,) + module_args)
    text = text.replace(" pam_sso.so", " " + words)
    for name in INCLUDED:
        source = os.path.join("/etc/pam.d", name)
        if os.path.exists(source):
            shutil.copy(source, pam.service_dir / name)
    # PamRunner.service() would read braces as placeholders.
    (pam.service_dir / "pam_sso_test").write_text(text)


def test_config_ships_a_stack():
    assert [os.path.basename(path) for path in SHIPPED] == ["pam.d-sshd"]


@pytest.mark.parametrize("path", SHIPPED, ids=os.path.basename)
def test_stack_admits_a_good_login(pam, portal, path):
    install_stack(pam, path, *portal_args(portal, "allow=*:ReadOnly"))

    login = pam.run(steps="auth")

    assert login.steps == {"auth": PAM_SUCCESS}


def broken_config(portal, tmp_path):
    return TOKEN, (f"config={tmp_path}/missing.conf", "allow=*:*")


def unreachable_portal(portal, tmp_path):
    dead = "https://127.0.0.1:1"
    return TOKEN, (f"endpoint={dead}", f"sts_endpoint={dead}", f"ca_file={portal.ca_file}",
                   f"config={portal.certdir}/empty.conf", "allow=*:*")


def rejected_token(portal, tmp_path):
    return "aoaUnknownToken0123456789", portal_args(portal, "allow=*:*")


def no_allowed_role(portal, tmp_path):
    return TOKEN, portal_args(portal, "allow=*:NoSuchRole")


def token_of_another_user(portal, tmp_path):
    return OTHER_TOKEN, portal_args(portal, "allow=*:Billing")


@pytest.mark.parametrize("case", [broken_config, unreachable_portal, rejected_token,
                                  no_allowed_role, token_of_another_user],
                         ids=lambda case: case.__name__)
@pytest.mark.parametrize("path", SHIPPED, ids=os.path.basename)
def test_stack_refuses_when_module_fails(pam, portal, tmp_path, path, case):
    token, module_args = case(portal, tmp_path)
    install_stack(pam, path, *module_args)

    login = pam.run(token=token, user="alice", steps="auth")

    assert set(login.steps) == {"auth"}
    assert login.step("auth") != PAM_SUCCESS
    assert not any(name.startswith("AWS_") for name in login.env)
