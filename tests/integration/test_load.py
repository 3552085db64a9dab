"""Load test: 200 logins through real Linux-PAM, 20 driver processes at a
time, each login with its own token against one mock portal.

Every token has its own account, role and credentials.  Some logins fail
by design: tokens that the portal rejects, tokens that see no allowed role,
and tokens whose every connection the portal closes.  Others meet one
injected 500 on GetRoleCredentials and succeed on the retry.  The test
checks each login's exact result and that no driver crashed.  A successful
login must have exported its own token's credentials and no value of any
other token.  The portal's request log must show that no request crossed
from one token to another token's account.

In the sanitizer pass LeakSanitizer checks every driver process at its
exit, and PamRunner fails the login on any sanitizer report.
"""

import concurrent.futures
import glob
import threading
import time
from collections import defaultdict
from dataclasses import dataclass

import pytest

from conftest import PAM_AUTH_ERR, PAM_AUTHINFO_UNAVAIL, PAM_SUCCESS, portal_args
from portal_server import MockPortal
from sso_fixtures import assert_exported, credentials

pytestmark = pytest.mark.load

LOGINS = 200
CONCURRENCY = 20
# Upper bound in seconds on the whole run and on each login.  A whole run
# took 6 s on a 2-core machine, 8 s against the sanitizer build.
RUN_SECONDS_MAX = 90
LOGIN_SECONDS_MAX = 30

# Delay of the portal's ListAccounts response.  Drivers start one at a time
# (see run_logins), a few milliseconds apart, and the delay keeps the
# earlier logins open until all CONCURRENCY of them run at once.
LATENCY_SECONDS = 0.5

ALLOWED_ROLE = "Bastion"
OTHER_ROLE = "ReadOnly"
STEPS = "auth,setcred,open"

REJECTED = "The SSO access token was rejected."
NO_ROLE = "The SSO access token grants no role allowed here."
UNAVAILABLE = "The SSO portal is unavailable; try again later."

CREDENTIAL_FIELDS = ("accessKeyId", "secretAccessKey", "sessionToken")


@dataclass(frozen=True)
class Case:
    """One planned login, whose kind decides the expected result."""
    index: int
    kind: str
    token: str
    user: str
    account_id: str


def kind_of(index):
    """Return the kind of login number INDEX: ok, retried (one 500 first),
    rejected (unknown to the portal), no_role (no allowed role) or
    unavailable (the portal closes every connection)."""
    if index % 10 == 3:
        return "rejected"
    if index % 10 == 6:
        return "no_role"
    if index % 20 == 9:
        return "retried"
    if index % 40 == 19:
        return "unavailable"
    return "ok"


def make_cases():
    cases = []
    for index in range(LOGINS):
        # Fixed-width numbers, so that no token, account id or credential
        # value contains another one.
        token = f"aoaLoad{index:03d}" + "Q2xpZW50U2VjcmV0" * 8
        cases.append(Case(index, kind_of(index), token, f"load{index:03d}",
                          f"{400000000000 + index}"))
    return cases


def load_scenario(cases):
    """Return the scenario: one account with its own credentials for each
    token except the rejected ones, and the faults that each kind needs."""
    tokens = {}
    faults = []
    for case in cases:
        if case.kind == "rejected":
            continue
        role = OTHER_ROLE if case.kind == "no_role" else ALLOWED_ROLE
        tokens[case.token] = {"user_name": case.user, "accounts": [{
            "accountId": case.account_id,
            "accountName": f"load account {case.index}",
            "emailAddress": f"aws+load{case.index:03d}@example.com",
            "roles": [{"roleName": role,
                       "credentials": credentials(f"load{case.index:03d}")}],
        }]}
        if case.kind == "retried":
            faults.append({"token": case.token, "op": "GetRoleCredentials",
                           "status": 500, "times": 1})
        elif case.kind == "unavailable":
            faults.append({"token": case.token, "close": True})
    # The portal applies the first fault that matches, so this one comes
    # last and delays every ListAccounts request that no fault above matches.
    faults.append({"op": "ListAccounts", "delay": LATENCY_SECONDS})
    return {"page_size": 100, "tokens": tokens, "faults": faults}


def secret_owners(scenario, cases):
    """Return a map from every credential value in SCENARIO to the index of
    its login."""
    owners = {}
    for case in cases:
        grant = scenario["tokens"].get(case.token)
        if grant is None:
            continue
        for role in grant["accounts"][0]["roles"]:
            for field in CREDENTIAL_FIELDS:
                owners[role["credentials"][field]] = case.index
    return owners


def peak_overlap(intervals):
    """Return the largest number of (start, end) intervals open at once."""
    events = sorted([(start, 1) for start, _ in intervals]
                    + [(end, -1) for _, end in intervals])
    peak = current = 0
    for _, change in events:
        current += change
        peak = max(peak, current)
    return peak


def wait_for_wrapper_folder(process, seconds=10):
    """Wait until PROCESS has written its pid into a pam_wrapper runtime
    folder (/tmp/pam.X/pid), or has exited.

    pam_wrapper 1.1.4 chooses that folder in its library constructor.  It
    probes the names with lstat, then calls mkdir and goes on even when
    mkdir fails.  Two processes that probe at the same moment can so share
    one folder, and the first to exit removes it under the other, whose
    pam_start then fails with PAM_ABORT.  Without this wait about 10 of 400
    logins, 20 at a time on 2 cores, failed that way."""
    deadline = time.monotonic() + seconds
    expected = str(process.pid)
    while time.monotonic() < deadline and process.poll() is None:
        for pid_file in glob.glob("/tmp/pam.?/pid"):
            try:
                with open(pid_file, encoding="ascii") as f:
                    if f.read() == expected:
                        return
            except (FileNotFoundError, NotADirectoryError):
                continue
        time.sleep(0.001)
    if process.poll() is None:
        pytest.fail(f"driver {process.pid} wrote no pid into a pam_wrapper folder "
                    f"within {seconds} s")


def run_logins(pam, cases):
    """Run every case, CONCURRENCY at a time.  Return {index: Login} and the
    (start, end) time of each login.

    Drivers start one at a time, each once the one before has its
    pam_wrapper folder (see wait_for_wrapper_folder), which takes a few
    milliseconds.  The logins themselves overlap."""
    deadline = time.monotonic() + RUN_SECONDS_MAX
    intervals = []
    intervals_lock = threading.Lock()
    start_lock = threading.Lock()

    def login(case):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            pytest.fail(f"the load run exceeded {RUN_SECONDS_MAX} s before "
                        f"login {case.index} started")
        with start_lock:
            process = pam.start(token=case.token, user=case.user, steps=STEPS)
            started = time.monotonic()
            wait_for_wrapper_folder(process)
        result = pam.finish_started(process, token=case.token,
                                    timeout=min(LOGIN_SECONDS_MAX, remaining))
        with intervals_lock:
            intervals.append((started, time.monotonic()))
        return case.index, result

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=CONCURRENCY)
    try:
        futures = [pool.submit(login, case) for case in cases]
        logins = dict(future.result() for future in futures)
    finally:
        # Start no more logins after a failure, which is the report.
        pool.shutdown(wait=True, cancel_futures=True)
    return logins, intervals


def check_login(case, login, scenario, owners):
    """Check one login's exact result and exported variables."""
    # The driver exits with 0 or 1.  Any other status is a crash (a negative
    # signal number) or a sanitizer's exit code.
    assert login.returncode in (0, 1), \
        f"login {case.index}: driver exit status {login.returncode}\n{login.stderr}"
    assert login.prompts == ["echo_off AWS SSO access token: "]

    for name, value in login.env.items():
        owner = owners.get(value)
        assert owner is None or owner == case.index, \
            f"login {case.index} exported {name} of login {owner}"

    if case.kind in ("ok", "retried"):
        assert login.returncode == 0
        assert login.steps == {"auth": PAM_SUCCESS, "setcred": PAM_SUCCESS,
                               "open": PAM_SUCCESS}
        assert login.errors == []
        assert_exported(login, scenario, case.token, case.account_id, ALLOWED_ROLE)
        return

    expected = {
        "rejected": (PAM_AUTH_ERR, REJECTED),
        "no_role": (PAM_AUTH_ERR, NO_ROLE),
        "unavailable": (PAM_AUTHINFO_UNAVAIL, UNAVAILABLE),
    }
    code, message = expected[case.kind]
    assert login.returncode == 1
    assert login.steps == {"auth": code}
    assert login.errors == [message]
    assert not any(name.startswith("AWS_") for name in login.env)


def check_portal_requests(portal, scenario, cases):
    """Check the calls each token made, and that every account a request
    names belongs to the request's own token.  An STS request carries no
    token; it counts for the token whose credentials signed it."""
    key_owners = {}
    for token, grant in scenario["tokens"].items():
        for role in grant["accounts"][0]["roles"]:
            key_owners[role["credentials"]["accessKeyId"]] = token
    calls = defaultdict(list)
    for request in portal.requests():
        token = request["token"]
        if request["sts"] is not None:
            token = key_owners[request["sts"]["access_key_id"]]
        calls[token].append(request)
    by_token = {case.token: case for case in cases}
    assert set(calls) == set(by_token)

    for token, requests in calls.items():
        case = by_token[token]
        for request in requests:
            assert request["query"].get("account_id", case.account_id) == case.account_id
        ops = [(r["op"], r["status"]) for r in requests]
        if case.kind == "ok":
            assert ops == [("ListAccounts", 200), ("ListAccountRoles", 200),
                           ("GetRoleCredentials", 200), ("GetCallerIdentity", 200)]
        elif case.kind == "retried":
            assert ops == [("ListAccounts", 200), ("ListAccountRoles", 200),
                           ("GetRoleCredentials", 500), ("GetRoleCredentials", 200),
                           ("GetCallerIdentity", 200)]
        elif case.kind == "rejected":
            assert ops == [("ListAccounts", 401)]
        elif case.kind == "no_role":
            assert ops == [("ListAccounts", 200), ("ListAccountRoles", 200)]
        else:
            # One request and the module's one reconnection, each closed
            # without a response.
            assert ops == [("ListAccounts", None), ("ListAccounts", None)]


def test_concurrent_logins_distinct_tokens(pam, certdir, tmp_path):
    cases = make_cases()
    scenario = load_scenario(cases)
    owners = secret_owners(scenario, cases)
    with MockPortal(scenario, certdir, str(tmp_path / "portal")) as portal:
        pam.auth_service(*portal_args(portal, f"allow=*:{ALLOWED_ROLE}"))

        started = time.monotonic()
        logins, intervals = run_logins(pam, cases)
        seconds = time.monotonic() - started

        assert len(logins) == LOGINS
        for case in cases:
            check_login(case, logins[case.index], scenario, owners)
        check_portal_requests(portal, scenario, cases)

    kinds = [case.kind for case in cases]
    print(f"{LOGINS} logins in {seconds:.1f} s, peak {peak_overlap(intervals)} at once: "
          + ", ".join(f"{kinds.count(k)} {k}" for k in sorted(set(kinds))))
    assert peak_overlap(intervals) == CONCURRENCY
