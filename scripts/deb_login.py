#!/usr/bin/python3
"""Run one PAM login through a given pam_sso module for scripts/deb-test.

It starts the mock SSO portal on 127.0.0.1 with a throwaway CA.  It writes
a PAM service that names MODULE by absolute path into a temporary
pam_wrapper service folder.  The PAM driver then runs pam_authenticate,
pam_setcred and pam_open_session through real Linux-PAM.

With --expect success, the login must succeed and export the mock role's
access key id.  With --expect failure, the login must fail and export
nothing, which deb-test checks after it has purged the package.

Each check prints one line, "PASS <name>" or "FAIL <name>: <reason>", for
deb-test to count.  The exit status is 1 when any check failed.
"""

import argparse
import os
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "mock_portal"))

from portal_scenario import credentials_for  # noqa: E402
from portal_server import MockPortal  # noqa: E402

USER = "alice"
TOKEN = "aoaDEBTESTdebtest0123456789+/abcdefABCDEF:MGUCMQDebTestSignature="
ACCOUNT_ID = "123456789012"
ROLE_NAME = "ReadOnly"
SERVICE = "pam_sso_deb_test"
DRIVER_TIMEOUT = 60


def scenario():
    return {
        # The token belongs to the Identity Center user alice, the PAM user,
        # so the module's default user_match=exact lets the login in.
        "tokens": {TOKEN: {"user_name": USER, "accounts": [
            {"accountId": ACCOUNT_ID, "accountName": "sandbox",
             "emailAddress": "sandbox@example.com",
             "roles": [{"roleName": ROLE_NAME}]},
        ]}},
        "credential_lifetime": 3600,
        "sts_region": "eu-west-1",
    }


def write_file(path, text, mode):
    with open(path, "w", encoding="ascii") as f:
        f.write(text)
    os.chmod(path, mode)


def run_login(work, portal, module, driver):
    """Run the login and return the driver's exit status, its output lines,
    the exported PAM environment and its standard error."""
    # The module rejects a configuration file that is not root-owned or
    # that group or others can write.
    config = os.path.join(work, "pam_sso.conf")
    write_file(config,
               f"endpoint = {portal.url}\n"
               f"sts_endpoint = {portal.url}\n"
               f"ca_file = {portal.ca_file}\n"
               f"allow = *:{ROLE_NAME}\n"
               "aws_region = eu-west-1\n", 0o644)

    services = os.path.join(work, "pam.d")
    os.mkdir(services)
    write_file(os.path.join(services, SERVICE),
               f"auth    required {module} config={config}\n"
               "account required pam_permit.so\n"
               f"session required {module} config={config}\n", 0o644)
    token_file = os.path.join(work, "token")
    write_file(token_file, TOKEN, 0o600)

    env = {"PATH": "/usr/bin:/bin", "LD_PRELOAD": "libpam_wrapper.so",
           "PAM_WRAPPER": "1", "PAM_WRAPPER_SERVICE_DIR": services}
    done = subprocess.run(
        [driver, "--service", SERVICE, "--user", USER, "--token-file", token_file,
         "--mask", "--steps", "auth,setcred,open"],
        env=env, capture_output=True, text=True, timeout=DRIVER_TIMEOUT)
    lines = done.stdout.splitlines()
    exported = {}
    for line in lines:
        if line.startswith("ENV ") and "=" in line:
            name, value = line[4:].split("=", 1)
            exported[name] = value
    return done.returncode, lines, exported, done.stderr


def report(passed, name, reason=""):
    print(f"PASS {name}" if passed else f"FAIL {name}: {reason}")
    return passed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", required=True,
                        help="absolute path of the pam_sso.so to load")
    parser.add_argument("--driver", required=True,
                        help="path of the built tests/pam_driver")
    parser.add_argument("--expect", choices=("success", "failure"), required=True,
                        help="whether the login must succeed or fail")
    args = parser.parse_args()
    if not os.path.isabs(args.module):
        parser.error(f"--module must be an absolute path, not '{args.module}'")

    with tempfile.TemporaryDirectory(prefix="pam_sso-deb-login.") as work:
        certs = os.path.join(work, "certs")
        subprocess.run([os.path.join(REPO, "tests", "mock_portal", "make_certs.sh"), certs],
                       check=True, stdout=subprocess.DEVNULL)
        with MockPortal(scenario(), certs, os.path.join(work, "portal")) as portal:
            status, lines, exported, stderr = run_login(work, portal, args.module,
                                                        args.driver)
            server_log = portal.server_output()

    for line in lines:
        print("  " + line)
    details = f"driver exit status {status}; driver stderr: {stderr.strip()!r}"
    results = []
    if args.expect == "success":
        results.append(report(status == 0, "login through the installed module",
                              f"{details}; mock portal log: {server_log.strip()!r}"))
        expected = credentials_for(scenario(), TOKEN, ACCOUNT_ID, ROLE_NAME)["accessKeyId"]
        actual = exported.get("AWS_ACCESS_KEY_ID")
        results.append(report(actual == expected, "AWS_ACCESS_KEY_ID exported",
                              f"expected {expected}, got {actual}"))
    else:
        # Exit status 1 with a failed auth step, rather than 2 for a usage
        # error, shows that PAM itself failed the login.
        auth_failed = any(line.startswith("STEP auth ") and line.split()[2] != "0"
                          for line in lines)
        results.append(report(status == 1 and auth_failed and not exported,
                              "login fails without the module",
                              f"{details}; exported {sorted(exported)}"))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
