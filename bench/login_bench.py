#!/usr/bin/python3
"""Benchmark pam_sso logins against the mock SSO portal with added latency.

Each login is pam_authenticate, pam_setcred and pam_open_session through
real Linux-PAM (tests/pam_driver under pam_wrapper) against the HTTPS mock
portal of tests/mock_portal, which waits "latency_ms" before every response.
The cases cross the number of accounts the token can list with two allow
rules: "*:ReadOnly", which makes every account a candidate for
ListAccountRoles, and "<account id>:ReadOnly", which names one account.
By default the module also calls the mock's STS to learn whose
credentials they are (user_match=exact, the driver's user being the
scenario's owner alice), and --user-match none leaves that out.  For each
case the same job is also timed with botocore's sso and sts clients, one
request at a time.  docs/benchmarks.md explains the columns and keeps the
results.

Run as root (the module trusts only root-owned files) after scripts/build,
with Debian's Python, which has botocore:

    /usr/bin/python3 bench/login_bench.py             # 1.5 to 2.5 minutes
    /usr/bin/python3 bench/login_bench.py --quick     # a few seconds
    /usr/bin/python3 bench/login_bench.py --memory    # RSS growth, valgrind

Every request goes to the mock on 127.0.0.1, and every loop that sends
requests runs a fixed number of times under a timeout.
"""

import argparse
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field

# The portal calls are unsigned, so botocore has no reason to query an
# instance metadata service, and this variable makes sure it never does.
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

import botocore.session  # noqa: E402
from botocore import UNSIGNED  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import BotoCoreError, ClientError  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "mock_portal"))
sys.path.insert(0, os.path.join(REPO, "tests"))

from portal_server import MockPortal  # noqa: E402
from sso_fixtures import account  # noqa: E402

from memory_check import check_rss_growth, format_memory_report, run_valgrind  # noqa: E402
from pam_runner import DriverError, PamDriver  # noqa: E402
from portal_traffic import PortalLog, measure_connection_setup_ms, summarize_traffic  # noqa: E402

# Items per listing page that pam_sso requests (SSO_PAGE_SIZE in
# pam_sso/portal.h).  botocore's paginators request the same, so both make
# the same number of ListAccounts requests.
PAGE_SIZE = 100
# pam_sso reads at most 200 pages of one listing (SSO_PAGES_MAX), so a
# token of a case can list at most this many accounts.
MAX_ACCOUNTS = PAGE_SIZE * 200

ROLES = ("ReadOnly", "Admin")
ALLOWED_ROLE = "ReadOnly"
WILDCARD = "wildcard"
EXACT = "exact"
RULES = (WILDCARD, EXACT)

FULL_ACCOUNT_COUNTS = (1, 10, 100, 500)
QUICK_ACCOUNT_COUNTS = (1, 10)
DEFAULT_LATENCY_MS = 20
QUICK_LATENCY_MS = 5
DEFAULT_RUNS = 5
DEFAULT_MAX_PARALLEL = 10
MEMORY_ACCOUNTS = 10

# pam_sso's timeout covers the whole login and is at most 60 s.  500
# accounts listed one at a time at 20 ms take longer than the default 10 s.
MODULE_TIMEOUT_S = 60
# A driver that outlives the module's own timeout by this much is killed.
DRIVER_GRACE_S = 30
BOTOCORE_TIMEOUT_S = 30


class BotocoreJobError(RuntimeError):
    """Raised when botocore's run of a case's portal calls fails."""


def token_for(account_count):
    """Return the access token that can list ACCOUNT_COUNT accounts, shaped
    like an Identity Center token."""
    return f"aoaBench{account_count:05d}" + "Q2xpZW50U2VjcmV0" * 13


def account_id(index):
    return f"{100000000000 + index:012d}"


def exact_account(account_count):
    """Return the account that the exact rule names: the highest id, which a
    client that lists accounts in order reaches last."""
    return account_id(account_count)


def rule_text(rule, account_count):
    if rule == WILDCARD:
        return f"*:{ALLOWED_ROLE}"
    return f"{exact_account(account_count)}:{ALLOWED_ROLE}"


def build_scenario(account_counts, latency_ms):
    tokens = {}
    for count in account_counts:
        accounts = [account(account_id(i), *ROLES) for i in range(1, count + 1)]
        tokens[token_for(count)] = {"accounts": accounts}
    return {"page_size": PAGE_SIZE, "latency_ms": latency_ms, "tokens": tokens, "faults": []}


# pam_sso's options


def module_arguments(portal, config_path, rule, account_count, max_parallel, user_match):
    # The mock serves STS GetCallerIdentity at its own URL too.
    arguments = [f"endpoint={portal.url}", f"sts_endpoint={portal.url}",
                 f"ca_file={portal.ca_file}", f"config={config_path}",
                 f"allow={rule_text(rule, account_count)}", f"timeout={MODULE_TIMEOUT_S}",
                 f"user_match={user_match}"]
    if max_parallel is not None:
        arguments.append(f"max_parallel={max_parallel}")
    return arguments


def module_accepts_max_parallel(driver, portal, config_path, account_count, max_parallel):
    """Try one login with max_parallel=N and return whether the module
    accepted the option.  A module without the option rejects it as an
    unknown option, a configuration error that it logs."""
    driver.configure(module_arguments(portal, config_path, WILDCARD, account_count,
                                      max_parallel, "none"))
    run = driver.run(driver.token_file(account_count, token_for(account_count)),
                     MODULE_TIMEOUT_S + DRIVER_GRACE_S)
    if run.succeeded():
        return True
    if "unknown option 'max_parallel'" in run.stderr:
        return False
    raise DriverError("the trial login with max_parallel failed for another reason:\n"
                      + run.describe())


# botocore's sso client


def botocore_client(session, portal):
    # UNSIGNED: the portal calls are unsigned, so botocore looks for no AWS
    # credentials.  proxies={} keeps proxy variables of the environment from
    # sending the requests anywhere but the mock.
    config = Config(signature_version=UNSIGNED, proxies={}, defaults_mode="legacy",
                    connect_timeout=BOTOCORE_TIMEOUT_S, read_timeout=BOTOCORE_TIMEOUT_S,
                    retries={"total_max_attempts": 1, "mode": "standard"})
    return session.create_client("sso", region_name="us-east-1", endpoint_url=portal.url,
                                 verify=portal.ca_file, config=config)


def botocore_sts_owner(session, portal, credentials):
    """Call STS GetCallerIdentity with botocore, signed with CREDENTIALS,
    and return the seconds the call took and the ARN.  Making the client is
    not timed, as for the sso client."""
    client = session.create_client(
        "sts", region_name="us-east-1", endpoint_url=portal.url, verify=portal.ca_file,
        aws_access_key_id=credentials["accessKeyId"],
        aws_secret_access_key=credentials["secretAccessKey"],
        aws_session_token=credentials["sessionToken"],
        config=Config(proxies={}, connect_timeout=BOTOCORE_TIMEOUT_S,
                      read_timeout=BOTOCORE_TIMEOUT_S,
                      retries={"total_max_attempts": 1, "mode": "standard"}))
    try:
        started = time.perf_counter()
        arn = client.get_caller_identity()["Arn"]
        return time.perf_counter() - started, arn
    finally:
        client.close()


def botocore_login(session, portal, rule, account_count, user_match):
    """Do a login's portal calls with botocore, one request at a time, and
    return the seconds they took.

    The job: every page of ListAccounts, ListAccountRoles for each candidate
    account in ascending id order, then GetRoleCredentials for the first
    allowed role, and unless USER_MATCH is "none", STS GetCallerIdentity
    with those credentials.  Each client is made outside the measured time,
    and its connection is opened by its first call, inside it.
    """
    token = token_for(account_count)
    client = botocore_client(session, portal)
    paging = {"PageSize": PAGE_SIZE}
    try:
        started = time.perf_counter()
        ids = []
        for page in client.get_paginator("list_accounts").paginate(
                accessToken=token, PaginationConfig=paging):
            ids.extend(item["accountId"] for item in page["accountList"])

        chosen = None
        for candidate in sorted(set(ids)):
            if rule == EXACT and candidate != exact_account(account_count):
                continue
            for page in client.get_paginator("list_account_roles").paginate(
                    accessToken=token, accountId=candidate, PaginationConfig=paging):
                for role in page["roleList"]:
                    if chosen is None and role["roleName"] == ALLOWED_ROLE:
                        chosen = candidate
        if chosen is None:
            raise BotocoreJobError(f"botocore found no {ALLOWED_ROLE} role among "
                                   f"{account_count} accounts")
        credentials = client.get_role_credentials(accessToken=token, accountId=chosen,
                                                  roleName=ALLOWED_ROLE)["roleCredentials"]
        seconds = time.perf_counter() - started
        if user_match != "none":
            sts_seconds, arn = botocore_sts_owner(session, portal, credentials)
            if not arn.endswith("/alice"):
                raise BotocoreJobError(f"STS named another owner: {arn}")
            seconds += sts_seconds
        return seconds
    except (BotoCoreError, ClientError) as e:
        raise BotocoreJobError(f"botocore's job for {account_count} accounts ({rule} rule) "
                               f"failed: {e}") from e
    finally:
        client.close()


# The timed cases


@dataclass
class CaseResult:
    """One case's medians over its runs, and each run's time.  The requests
    by operation are the last run's."""
    rule: str
    allow: str
    accounts: int
    median_ms: float
    requests: int
    requests_by_operation: dict
    max_in_flight: int
    connections: int
    tls_handshakes: int
    cpu_ms: float
    max_rss_kib: int
    bound_round_trips: int
    bound_ms: float
    times_bound: float
    floor_round_trips: int
    floor_ms: float
    times_floor: float
    botocore_median_ms: float
    botocore_requests: int
    module_per_botocore: float
    runs_ms: list = field(default_factory=list)
    botocore_runs_ms: list = field(default_factory=list)


def bound_round_trips(rule, account_count, parallel, user_match):
    """Return the round trips of a login that lists the roles of every
    candidate account after the last ListAccounts page: the pages, the
    rounds of ListAccountRoles with PARALLEL requests at a time,
    GetRoleCredentials, and GetCallerIdentity unless USER_MATCH is "none".
    The exact rule needs no ListAccounts."""
    owner = 0 if user_match == "none" else 1
    if rule == EXACT:
        return 1 + 1 + owner
    pages = math.ceil(account_count / PAGE_SIZE)
    return pages + math.ceil(account_count / parallel) + 1 + owner


def floor_round_trips(rule, account_count, user_match):
    """Return the round trips that no way of listing can avoid.

    The pages of ListAccounts come one after another, and the choice of the
    lowest account id is certain only after the last one.  That account is
    on the first page, so its ListAccountRoles can overlap a later page.
    GetRoleCredentials comes next, and GetCallerIdentity, which needs its
    credentials, last (unless USER_MATCH is "none").
    """
    owner = 0 if user_match == "none" else 1
    if rule == EXACT:
        return 1 + 1 + owner
    pages = math.ceil(account_count / PAGE_SIZE)
    return max(pages, 2) + 1 + owner


def run_case(driver, portal, log, session, config_path, rule, account_count, settings):
    driver.configure(module_arguments(portal, config_path, rule, account_count,
                                      settings["max_parallel_passed"], settings["user_match"]))
    token_path = driver.token_file(account_count, token_for(account_count))
    runs = []
    traffics = []
    botocore_seconds = []
    botocore_requests = []

    # Module and botocore take turns, so a slow spell of the machine hits
    # both alike.
    for _ in range(settings["runs"]):
        log.read_new()
        run = driver.run(token_path, MODULE_TIMEOUT_S + DRIVER_GRACE_S)
        if not run.succeeded():
            raise DriverError(f"login failed ({rule}, {account_count} accounts):\n"
                              + run.describe())
        runs.append(run)
        traffics.append(summarize_traffic(log.read_new()))

        botocore_seconds.append(botocore_login(session, portal, rule, account_count,
                                               settings["user_match"]))
        botocore_requests.append(summarize_traffic(log.read_new()).requests)

    module_ms = statistics.median(run.seconds for run in runs) * 1000
    botocore_ms = statistics.median(botocore_seconds) * 1000
    latency_ms = settings["latency_ms"]
    setup_ms = settings["setup_ms"]
    bound_trips = bound_round_trips(rule, account_count, settings["bound_parallel"],
                                    settings["user_match"])
    # STS is another host in production, so its connection is set up too.
    setups = 1 if settings["user_match"] == "none" else 2
    bound_ms = bound_trips * latency_ms + setups * setup_ms
    floor_trips = floor_round_trips(rule, account_count, settings["user_match"])
    floor_ms = floor_trips * latency_ms + setups * setup_ms
    # Counts are whole numbers, so they take the lower median.
    middle = statistics.median_low

    return CaseResult(
        rule=rule,
        allow=rule_text(rule, account_count),
        accounts=account_count,
        median_ms=module_ms,
        requests=middle(t.requests for t in traffics),
        requests_by_operation=traffics[-1].requests_by_operation,
        max_in_flight=middle(t.max_in_flight for t in traffics),
        connections=middle(t.connections for t in traffics),
        tls_handshakes=middle(t.tls_handshakes for t in traffics),
        cpu_ms=statistics.median(run.cpu_seconds for run in runs) * 1000,
        max_rss_kib=middle(run.max_rss_kib for run in runs),
        bound_round_trips=bound_trips,
        bound_ms=bound_ms,
        times_bound=module_ms / bound_ms,
        floor_round_trips=floor_trips,
        floor_ms=floor_ms,
        times_floor=module_ms / floor_ms,
        botocore_median_ms=botocore_ms,
        botocore_requests=middle(botocore_requests),
        module_per_botocore=module_ms / botocore_ms,
        runs_ms=[round(run.seconds * 1000, 1) for run in runs],
        botocore_runs_ms=[round(seconds * 1000, 1) for seconds in botocore_seconds],
    )


# (header, width, format) of each table column.
TABLE_COLUMNS = (
    ("rule", 8, "{.rule}"),
    ("accounts", 8, "{.accounts}"),
    ("ms", 8, "{.median_ms:.0f}"),
    ("requests", 8, "{.requests}"),
    ("in flight", 9, "{.max_in_flight}"),
    ("conns", 5, "{.connections}"),
    ("TLS", 3, "{.tls_handshakes}"),
    ("CPU ms", 6, "{.cpu_ms:.0f}"),
    ("RSS KiB", 7, "{.max_rss_kib}"),
    ("bound ms", 8, "{.bound_ms:.0f}"),
    ("x bound", 7, "{.times_bound:.2f}"),
    ("floor ms", 8, "{.floor_ms:.0f}"),
    ("x floor", 7, "{.times_floor:.2f}"),
    ("boto ms", 7, "{.botocore_median_ms:.0f}"),
    ("x boto", 6, "{.module_per_botocore:.2f}"),
)


def format_table(results):
    lines = ["  ".join(f"{name:>{width}}" for name, width, _ in TABLE_COLUMNS)]
    for result in results:
        cells = [pattern.format(result) for _, _, pattern in TABLE_COLUMNS]
        lines.append("  ".join(f"{cell:>{width}}"
                               for cell, (_, width, _) in zip(cells, TABLE_COLUMNS)))
    return "\n".join(lines)


def describe_parallel(settings):
    if settings["max_parallel_passed"] is None:
        return ("max_parallel: not passed (the module does not accept it); the bound "
                "assumes one request at a time")
    return (f"max_parallel={settings['max_parallel_passed']} passed; the bound assumes "
            f"{settings['bound_parallel']} ListAccountRoles requests at a time")


def print_report(results, settings):
    print(f"pam_sso login benchmark, {settings['started']}")
    print(f"machine: {settings['machine']}")
    print(f"module: {settings['module']}")
    print(f"latency: {settings['latency_ms']} ms per response; runs per case: "
          f"{settings['runs']}, medians shown")
    print(f"user_match={settings['user_match']}"
          + ("" if settings["user_match"] == "none"
             else ": every login and botocore's job end with STS GetCallerIdentity"))
    print(f"rules: wildcard allow=*:{ALLOWED_ROLE}, exact "
          f"allow=<highest account id>:{ALLOWED_ROLE}")
    print(describe_parallel(settings))
    print(f"connection set-up (TCP and TLS, measured): {settings['setup_ms']:.1f} ms")
    print(f"pam_driver with pam_permit.so in place of pam_sso: {settings['harness_ms']:.0f} ms, "
          f"{settings['harness_cpu_ms']:.0f} ms CPU")
    print()
    print(format_table(results))
    print()
    print("ms: wall time of pam_driver (auth, setcred, open).  requests, in flight, conns,\n"
          "TLS: counted by the mock.  CPU ms, RSS KiB: the driver's user+sys time and\n"
          "ru_maxrss.  bound ms: the round trips of a login that lists every candidate's\n"
          "roles after the last ListAccounts page, max_parallel at a time, and STS\n"
          "unless user_match=none, times the latency, plus one connection set-up (two\n"
          "with STS).  floor ms: the same for the round trips that no way of listing\n"
          "avoids.  boto ms: botocore doing the same job one request at a time.\n"
          "x bound, x floor, x boto: the module's time divided by those.")


# Command line


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got {text}")
    return value


def non_negative_int(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of 0 or more, got {text}")
    return value


def account_counts(text):
    try:
        counts = [int(part) for part in text.split(",")]
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"invalid account counts {text!r}: {e}") from e
    if not counts or any(not 1 <= count <= MAX_ACCOUNTS for count in counts):
        raise argparse.ArgumentTypeError(
            f"account counts must be from 1 to {MAX_ACCOUNTS} (pam_sso reads at most "
            f"{MAX_ACCOUNTS // PAGE_SIZE} pages of {PAGE_SIZE}), got {text!r}")
    return counts


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        description="Time pam_sso logins through real Linux-PAM against the mock SSO "
                    "portal with added latency, and compare them with botocore.")
    parser.add_argument("--quick", action="store_true",
                        help="1 and 10 accounts, 1 run, 5 ms latency: proves the benchmark "
                             "works in a few seconds")
    parser.add_argument("--runs", type=positive_int,
                        help=f"logins per case; the median is reported (default "
                             f"{DEFAULT_RUNS}, 1 with --quick)")
    parser.add_argument("--latency-ms", type=non_negative_int,
                        help=f"milliseconds the mock waits before each response (default "
                             f"{DEFAULT_LATENCY_MS}, {QUICK_LATENCY_MS} with --quick, 0 with "
                             "--memory)")
    parser.add_argument("--accounts", type=account_counts,
                        help="comma-separated numbers of accounts the token can list (default "
                             + ",".join(map(str, FULL_ACCOUNT_COUNTS)) + ")")
    parser.add_argument("--max-parallel", type=positive_int, default=DEFAULT_MAX_PARALLEL,
                        help="max_parallel value passed to a module that accepts the option "
                             f"(default {DEFAULT_MAX_PARALLEL})")
    parser.add_argument("--parallel-option", choices=("auto", "yes", "no"), default="auto",
                        help="whether to pass max_parallel: auto tries one login with it "
                             "(default auto)")
    parser.add_argument("--user-match", choices=("exact", "none"), default="exact",
                        help="the module's user_match: exact adds STS GetCallerIdentity to "
                             "every login, and to botocore's job (default exact)")
    parser.add_argument("--json", metavar="FILE", help="also write the results to FILE as JSON")
    parser.add_argument("--memory", action="store_true",
                        help="run the memory check in place of the timed cases")
    parser.add_argument("--memory-logins", type=positive_int, default=1000,
                        help="logins in one process for the RSS check (default 1000)")
    parser.add_argument("--valgrind-logins", type=non_negative_int, default=50,
                        help="logins under valgrind memcheck, 0 to skip (default 50)")
    parser.add_argument("--build-dir",
                        default=os.environ.get("PAM_SSO_BUILD_DIR", os.path.join(REPO, "build")),
                        help="build tree with .libs/pam_sso.so and tests/pam_driver "
                             "(default $PAM_SSO_BUILD_DIR or build/)")
    parser.add_argument("--keep-logs", metavar="DIR",
                        help="folder that receives the valgrind log (default: a temporary "
                             "folder that is removed)")
    args = parser.parse_args(argv)

    if args.latency_ms is None:
        if args.memory:
            args.latency_ms = 0
        elif args.quick:
            args.latency_ms = QUICK_LATENCY_MS
        else:
            args.latency_ms = DEFAULT_LATENCY_MS
    if args.runs is None:
        args.runs = 1 if args.quick else DEFAULT_RUNS
    if args.accounts is None:
        args.accounts = list(QUICK_ACCOUNT_COUNTS if args.quick else FULL_ACCOUNT_COUNTS)
    return args


def describe_machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}, Linux {platform.release()}"


def write_config(path):
    # An empty configuration file keeps the machine's
    # /etc/security/pam_sso.conf out of the measurement.  pam_sso reads it
    # only when root owns it and no other user can write it.
    with open(path, "w", encoding="ascii"):
        pass
    os.chmod(path, 0o644)


def time_harness(driver, runs):
    """Return the median wall and CPU milliseconds of a login through
    pam_permit.so alone: what every case pays before pam_sso does anything."""
    driver.configure_without_module()
    token_path = driver.token_file("harness", "unused")
    samples = []
    for _ in range(runs):
        run = driver.run(token_path, DRIVER_GRACE_S)
        if not run.succeeded():
            raise DriverError("login through pam_permit.so failed:\n" + run.describe())
        samples.append(run)
    return (statistics.median(run.seconds for run in samples) * 1000,
            statistics.median(run.cpu_seconds for run in samples) * 1000)


def run_timed_cases(args, driver, portal, config_path, settings):
    log = PortalLog(portal.log_path)
    session = botocore.session.get_session()

    smallest = min(args.accounts)
    if args.parallel_option == "auto":
        accepted = module_accepts_max_parallel(driver, portal, config_path, smallest,
                                               args.max_parallel)
    else:
        accepted = args.parallel_option == "yes"
    settings["max_parallel_passed"] = args.max_parallel if accepted else None
    settings["bound_parallel"] = args.max_parallel if accepted else 1
    settings["setup_ms"] = measure_connection_setup_ms(portal.host, portal.port,
                                                       portal.ca_file)

    settings["harness_ms"], settings["harness_cpu_ms"] = time_harness(driver, args.runs)

    # Untimed warm-up: the first botocore client loads the service model.
    botocore_login(session, portal, WILDCARD, smallest, settings["user_match"])

    results = []
    for count in args.accounts:
        for rule in RULES:
            results.append(run_case(driver, portal, log, session, config_path, rule, count,
                                    settings))
    return results


def run_memory_check(args, driver, portal, config_path, workdir):
    driver.configure(module_arguments(portal, config_path, WILDCARD, MEMORY_ACCOUNTS, None,
                                      args.user_match))
    token_path = driver.token_file(MEMORY_ACCOUNTS, token_for(MEMORY_ACCOUNTS))
    memory = check_rss_growth(driver, token_path, args.memory_logins)
    valgrind = None
    if args.valgrind_logins:
        log_dir = args.keep_logs or workdir
        os.makedirs(log_dir, exist_ok=True)
        valgrind = run_valgrind(driver, token_path, args.valgrind_logins,
                                os.path.join(log_dir, "valgrind.log"))
    print(format_memory_report(memory, valgrind, args.valgrind_logins, MEMORY_ACCOUNTS,
                               rule_text(WILDCARD, MEMORY_ACCOUNTS), args.latency_ms))
    return {"memory": memory, "valgrind": valgrind}


def run_benchmark(args, settings):
    """Start the mock portal, run the memory check or the timed cases, and
    return what goes into the JSON output."""
    counts = [MEMORY_ACCOUNTS] if args.memory else args.accounts
    with tempfile.TemporaryDirectory(prefix="pam_sso-bench.") as work:
        certs = os.path.join(work, "certs")
        subprocess.run([os.path.join(REPO, "tests", "mock_portal", "make_certs.sh"), certs],
                       check=True, stdout=subprocess.DEVNULL)
        config_path = os.path.join(work, "empty.conf")
        write_config(config_path)
        driver = PamDriver(args.build_dir, work)
        settings["module"] = driver.module

        with MockPortal(build_scenario(counts, args.latency_ms), certs,
                        os.path.join(work, "portal")) as portal:
            if args.memory:
                return run_memory_check(args, driver, portal, config_path, work)
            results = run_timed_cases(args, driver, portal, config_path, settings)
            print_report(results, settings)
            return {"cases": [asdict(result) for result in results]}


def main(argv=None):
    args = parse_arguments(argv)
    if os.geteuid() != 0:
        print("login_bench: run as root, because pam_sso reads its configuration and CA "
              "files only when root owns them", file=sys.stderr)
        return 2

    started = time.monotonic()
    settings = {
        "started": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": describe_machine(),
        "command": " ".join(["bench/login_bench.py"] + sys.argv[1:]),
        "latency_ms": args.latency_ms,
        "runs": args.runs,
        "account_counts": args.accounts,
        "page_size": PAGE_SIZE,
        "user_match": args.user_match,
    }
    try:
        output = run_benchmark(args, settings)
    except (DriverError, BotocoreJobError) as e:
        print(f"login_bench: {e}", file=sys.stderr)
        return 1

    settings["elapsed_s"] = round(time.monotonic() - started, 1)
    print(f"\ntotal time: {settings['elapsed_s']} s")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(dict(settings=settings, **output), f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
