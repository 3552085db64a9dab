#!/usr/bin/python3
"""Run one pam_sso login against the mock portal and show the result.

It starts the mock SSO portal on 127.0.0.1 with a throwaway CA, writes a PAM
service that uses the freshly built module, and runs pam_authenticate,
pam_setcred and pam_open_session through real Linux-PAM (pam_wrapper points
libpam at the demo's service folder).  Secret values are masked.
"""

import os
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "mock_portal"))

from portal_server import MockPortal  # noqa: E402

BUILD = os.path.join(REPO, "build")
SAMPLE_TOKEN = "aoaDEMOdemoDEMOdemo0123456789+/abcdefABCDEF:MGUCMQDemoSignature="


def scenario():
    return {
        # The token belongs to the Identity Center user alice, the demo's
        # PAM user, so the default user_match=exact lets it in.
        "tokens": {SAMPLE_TOKEN: {"user_name": "alice", "accounts": [
            {"accountId": "123456789012", "accountName": "sandbox",
             "emailAddress": "sandbox@example.com",
             "roles": [{"roleName": "ReadOnly"}, {"roleName": "AdministratorAccess"}]},
            {"accountId": "210987654321", "accountName": "production",
             "emailAddress": "prod@example.com",
             "roles": [{"roleName": "ReadOnly"}]},
        ]}},
        "credential_lifetime": 3600,
        # aws_region is also the region the module signs STS requests for.
        "sts_region": "eu-west-1",
    }


def main():
    with tempfile.TemporaryDirectory(prefix="pam_sso-demo.") as work:
        certs = os.path.join(work, "certs")
        subprocess.run([os.path.join(REPO, "tests", "mock_portal", "make_certs.sh"), certs],
                       check=True)
        config = os.path.join(work, "pam_sso.conf")
        with MockPortal(scenario(), certs, os.path.join(work, "portal")) as portal:
            with open(config, "w", encoding="ascii") as f:
                # The mock serves STS GetCallerIdentity as well.
                f.write(f"endpoint = {portal.url}\n"
                        f"sts_endpoint = {portal.url}\n"
                        f"ca_file = {portal.ca_file}\n"
                        "allow = *:ReadOnly\n"
                        "aws_region = eu-west-1\n")
            os.chmod(config, 0o644)
            services = os.path.join(work, "pam.d")
            os.mkdir(services)
            module = os.path.join(BUILD, ".libs", "pam_sso.so")
            with open(os.path.join(services, "pam_sso_demo"), "w", encoding="ascii") as f:
                f.write(f"auth    required {module} config={config}\n"
                        "account required pam_permit.so\n"
                        f"session required {module} config={config}\n")
            token_file = os.path.join(work, "token")
            with open(token_file, "w", encoding="ascii") as f:
                f.write(SAMPLE_TOKEN)

            print(f"mock SSO portal: {portal.url}")
            print("PAM service pam_sso_demo:")
            print(f"  auth    required pam_sso.so config={config}")
            print(f"  session required pam_sso.so config={config}")
            print("config: allow = *:ReadOnly, aws_region = eu-west-1, "
                  "user_match = exact (the default)\n")
            env = {"PATH": "/usr/bin:/bin", "LD_PRELOAD": "libpam_wrapper.so",
                   "PAM_WRAPPER": "1", "PAM_WRAPPER_SERVICE_DIR": services}
            done = subprocess.run(
                [os.path.join(BUILD, "tests", "pam_driver"), "--service", "pam_sso_demo",
                 "--user", "alice", "--token-file", token_file, "--mask",
                 "--steps", "auth,setcred,open"],
                env=env, capture_output=True, text=True)
            for line in done.stdout.splitlines():
                print("  " + line)
            calls = [f"{r['op']}({r['query'].get('account_id', '')})".replace("()", "")
                     for r in portal.requests()]
            print("\nportal and STS calls: " + ", ".join(calls))
    print("demo login " + ("succeeded" if done.returncode == 0 else "FAILED"))
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
