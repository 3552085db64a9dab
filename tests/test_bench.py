"""Check that bench/login_bench.py still runs and fills in every field.

The quick run asserts no time, because CI machines differ.  It proves that
the benchmark drives real logins against the mock portal, counts their
requests and compares them with botocore.  The short memory run checks
pam_driver --repeat and, where valgrind is installed, that a few logins
leak nothing and make no memory errors.
"""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(REPO, "bench", "login_bench.py")
BUILD = os.environ.get("PAM_SSO_BUILD_DIR", os.path.join(REPO, "build"))
QUICK_CASES = {(rule, accounts) for rule in ("wildcard", "exact") for accounts in (1, 10)}
TABLE_ROW = re.compile(r"^\s*(wildcard|exact)\s+(\d+)\s")

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="pam_sso reads only root-owned configuration and CA files")


def run_bench(*arguments):
    return subprocess.run([sys.executable, BENCH, "--build-dir", BUILD, *arguments],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """The output, exit code and JSON results of one --quick run."""
    path = tmp_path_factory.mktemp("bench") / "quick.json"
    done = run_bench("--quick", "--json", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout, json.loads(path.read_text())


@pytest.fixture(scope="module")
def memory(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "memory.json"
    valgrind_logins = "2" if shutil.which("valgrind") else "0"
    done = run_bench("--memory", "--memory-logins", "20", "--valgrind-logins", valgrind_logins,
                     "--json", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout, json.loads(path.read_text())


def test_quick_table_lists_every_case(quick):
    stdout, _ = quick

    rows = [TABLE_ROW.match(line) for line in stdout.splitlines()]
    cases = [(row.group(1), int(row.group(2))) for row in rows if row]

    assert sorted(cases) == sorted(QUICK_CASES)


def test_quick_json_lists_every_case(quick):
    _, results = quick

    cases = [(case["rule"], case["accounts"]) for case in results["cases"]]

    assert sorted(cases) == sorted(QUICK_CASES)


def test_quick_request_counts(quick):
    for case in quick[1]["cases"]:
        operations = case["requests_by_operation"]
        # A module may stop listing roles once its choice is certain.
        candidates = case["accounts"] if case["rule"] == "wildcard" else 1
        assert case["requests"] > 0, case
        assert case["requests"] == sum(operations.values()), case
        assert operations.get("ListAccounts", 0) <= 1, case
        assert 1 <= operations.get("ListAccountRoles", 0) <= candidates, case
        assert operations.get("GetRoleCredentials") == 1, case
        # The default user_match=exact calls STS once, after the credentials.
        assert operations.get("GetCallerIdentity") == 1, case
        assert case["botocore_requests"] >= case["requests"], case


def test_quick_connection_counts(quick):
    settings = quick[1]["settings"]
    for case in quick[1]["cases"]:
        assert 1 <= case["max_in_flight"] <= settings["bound_parallel"], case
        assert case["connections"] >= 1, case
        assert 1 <= case["tls_handshakes"] <= case["connections"], case


def test_quick_times_and_resources(quick):
    for case in quick[1]["cases"]:
        assert case["median_ms"] > 0, case
        assert case["cpu_ms"] > 0, case
        assert case["max_rss_kib"] > 0, case
        assert case["botocore_median_ms"] > 0, case
        assert case["module_per_botocore"] > 0, case


def test_quick_bound_and_floor(quick):
    settings = quick[1]["settings"]
    for case in quick[1]["cases"]:
        minimum = 2 if case["rule"] == "exact" else 3
        assert case["floor_round_trips"] >= minimum, case
        assert case["bound_round_trips"] >= case["floor_round_trips"], case
        assert case["bound_ms"] >= case["bound_round_trips"] * settings["latency_ms"], case
        assert case["floor_ms"] >= case["floor_round_trips"] * settings["latency_ms"], case
        assert case["times_bound"] > 0, case
        assert case["times_floor"] >= case["times_bound"], case


def test_memory_run_reports_rss(memory):
    stdout, results = memory
    rss = results["memory"]

    assert rss["logins"] == 20
    assert 1 <= rss["start_after_logins"] <= rss["middle_after_logins"]
    assert rss["middle_after_logins"] <= rss["end_after_logins"] <= 20
    assert rss["start_rss_kib"] > 0
    assert rss["peak_rss_kib"] >= rss["end_rss_kib"] > 0
    assert "growth:" in stdout


def test_memory_valgrind_clean(memory):
    _, results = memory
    valgrind = results["valgrind"]
    if valgrind is None:
        pytest.skip("valgrind is not installed")

    assert valgrind["logins_succeeded"] == 2
    assert valgrind["errors"] == 0, valgrind["report"]
    assert valgrind["definitely_lost_bytes"] == 0, valgrind["report"]
