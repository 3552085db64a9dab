"""Role listings in parallel, connection reuse and the exact-account fast
path, checked through the mock portal's request log."""

import pytest

from conftest import (ACCOUNT_A, ACCOUNT_B, PAM_AUTH_ERR, PAM_SUCCESS, TOKEN, account,
                      portal_args, standard_scenario)
from sso_fixtures import ops_after_listing
from portal_server import MockPortal
from test_login import assert_exported

LISTING_DELAY = 0.4


def ops(server):
    return [r["op"] for r in server.requests()]


def many_accounts(count, holder=None):
    """TOKEN can list COUNT accounts with a Viewer role each.  Account number
    HOLDER (the last one by default) also has ReadOnly.  Because it has the highest id,
    it is certain to be chosen only once every other listing is in."""
    holder = count - 1 if holder is None else holder
    scenario = standard_scenario()
    scenario["tokens"][TOKEN]["accounts"] = [
        account(f"5000000000{i:02d}", *(("Viewer", "ReadOnly") if i == holder else ("Viewer",)))
        for i in range(count)]
    return scenario


@pytest.fixture
def slow_listings(certdir, tmp_path):
    """Twelve accounts whose role listings each take LISTING_DELAY."""
    scenario = many_accounts(12)
    scenario["faults"] = [{"op": "ListAccountRoles", "delay": LISTING_DELAY}]
    with MockPortal(scenario, certdir, str(tmp_path / "portal")) as server:
        yield server


def max_in_flight(times, delay):
    """Return the maximum number of requests that arrived within one DELAY
    window.  Each takes
    DELAY to answer, so this counts requests that overlapped."""
    times = sorted(times)
    return max(sum(1 for t in times if start <= t < start + delay * 0.9) for start in times)


@pytest.mark.valgrind
def test_role_listings_stay_within_bound(pam, slow_listings):
    pam.auth_service(*portal_args(slow_listings, "allow=*:ReadOnly", "max_parallel=4"))

    login = pam.run()

    assert login.step("auth") == PAM_SUCCESS
    listings = [r for r in slow_listings.requests() if r["op"] == "ListAccountRoles"]
    assert len(listings) == 12
    assert max_in_flight([r["time"] for r in listings], LISTING_DELAY) == 4
    # Four lanes: four TLS connections, the first one also used for
    # ListAccounts and GetRoleCredentials, and STS on a fifth of its own.
    assert slow_listings.connection_counts()["tls_handshakes"] == 5
    assert len({r["connection"] for r in slow_listings.requests()
                if r["sts"] is None}) == 4


def test_one_lane_lists_one_account_at_a_time(pam, slow_listings):
    pam.auth_service(*portal_args(slow_listings, "allow=*:ReadOnly", "max_parallel=1"))

    login = pam.run(timeout=30)

    assert login.step("auth") == PAM_SUCCESS
    listings = [r for r in slow_listings.requests() if r["op"] == "ListAccountRoles"]
    assert max_in_flight([r["time"] for r in listings], LISTING_DELAY) == 1
    # One lane to the portal, and STS on a connection of its own.
    assert slow_listings.connection_counts()["tls_handshakes"] == 2


@pytest.mark.valgrind
def test_roles_listed_while_accounts_still_paging(pam, certdir, tmp_path):
    """An account's roles are listed as soon as the page naming it arrives,
    while later ListAccounts pages are still on their way."""
    scenario = many_accounts(4)
    scenario["page_size_cap"] = 2
    scenario["faults"] = [{"op": "ListAccounts", "after": 1, "delay": LISTING_DELAY}]
    with MockPortal(scenario, certdir, str(tmp_path / "portal")) as server:
        pam.auth_service(*portal_args(server, "allow=*:ReadOnly"))

        login = pam.run()

        assert login.step("auth") == PAM_SUCCESS
        requests = server.requests()
        second_page = [r for r in requests if r["op"] == "ListAccounts"][1]
        first_roles = [r for r in requests if r["op"] == "ListAccountRoles"
                       and r["query"]["account_id"] in ("500000000000", "500000000001")]
        assert len(first_roles) == 2
        assert all(r["time"] < second_page["time"] + LISTING_DELAY * 0.9 for r in first_roles)


@pytest.mark.valgrind
def test_exact_rules_skip_account_listing(pam, portal):
    pam.auth_service(*portal_args(portal, f"allow={ACCOUNT_B}:Admin,{ACCOUNT_A}:ReadOnly"))

    login = pam.run()

    assert login.step("auth") == PAM_SUCCESS
    assert_exported(login, standard_scenario(), TOKEN, ACCOUNT_B, "Admin")
    assert "ListAccounts" not in ops(portal)
    # B's Admin matches the first rule, which settles the choice, so A's
    # listing may be dropped before it reaches the portal.
    listed = [r["query"]["account_id"] for r in portal.requests()
              if r["op"] == "ListAccountRoles"]
    assert ACCOUNT_B in listed
    assert set(listed) <= {ACCOUNT_A, ACCOUNT_B}
    assert ops_after_listing(portal) == ["GetRoleCredentials", "GetCallerIdentity"]


def test_exact_rule_not_visible_falls_to_next_rule(pam, portal):
    """403 on a named account means no role there; the next rule applies."""
    pam.auth_service(*portal_args(portal, f"allow=444444444444:*,{ACCOUNT_A}:ReadOnly"))

    login = pam.run()

    assert login.step("auth") == PAM_SUCCESS
    assert_exported(login, standard_scenario(), TOKEN, ACCOUNT_A, "ReadOnly")
    statuses = {r["query"]["account_id"]: r["status"] for r in portal.requests()
                if r["op"] == "ListAccountRoles"}
    assert statuses == {"444444444444": 403, ACCOUNT_A: 200}


def test_role_option_lists_only_its_account(pam, portal):
    pam.auth_service(*portal_args(portal, "allow=*:*", f"role={ACCOUNT_B}:Admin"))

    login = pam.run()

    assert login.step("auth") == PAM_SUCCESS
    assert ops(portal) == ["ListAccountRoles", "GetRoleCredentials", "GetCallerIdentity"]
    assert portal.requests()[0]["query"]["account_id"] == ACCOUNT_B


def test_exact_rule_rejected_token_is_auth_err(pam, portal):
    pam.auth_service(*portal_args(portal, f"allow={ACCOUNT_A}:ReadOnly"))

    login = pam.run(token="aoaUnknownTokenForTheExactPath")

    assert login.step("auth") == PAM_AUTH_ERR
    assert ops(portal) == ["ListAccountRoles"]
    assert portal.requests()[0]["status"] == 401


@pytest.mark.valgrind
def test_failed_listing_abandons_the_rest(pam, slow_listings):
    """One account's listing failing for good fails the login; nothing is
    fetched with what the other listings found."""
    scenario = many_accounts(12)
    scenario["faults"] = [{"op": "ListAccountRoles", "account_id": "500000000003",
                           "status": 400, "error_type": "InvalidRequestException"},
                          {"op": "ListAccountRoles", "delay": LISTING_DELAY}]
    slow_listings.update_scenario(scenario)
    pam.auth_service(*portal_args(slow_listings, "allow=*:ReadOnly", "max_parallel=4"))

    login = pam.run()

    assert login.step("auth") == PAM_AUTH_ERR
    assert "GetRoleCredentials" not in ops(slow_listings)
    assert any("ListAccountRoles: HTTP 400" in line for line in login.logs)


@pytest.mark.valgrind
def test_throttled_listing_retried_in_parallel(pam, certdir, tmp_path):
    scenario = many_accounts(6)
    scenario["faults"] = [{"op": "ListAccountRoles", "account_id": "500000000002",
                           "status": 429, "times": 1, "headers": {"Retry-After": "0"}}]
    with MockPortal(scenario, certdir, str(tmp_path / "portal")) as server:
        pam.auth_service(*portal_args(server, "allow=*:ReadOnly"))

        login = pam.run()

        assert login.step("auth") == PAM_SUCCESS
        retried = [r for r in server.requests() if r["op"] == "ListAccountRoles"
                   and r["query"]["account_id"] == "500000000002"]
        assert [r["status"] for r in retried] == [429, 200]
        assert_exported(login, scenario, TOKEN, "500000000005", "ReadOnly")


@pytest.mark.valgrind
def test_certain_choice_stops_other_listings(pam, certdir, tmp_path):
    """Once every account is known and the lowest one has the role, the
    choice is certain: its credentials are fetched without waiting for the
    slow listings of the other accounts."""
    scenario = many_accounts(8, holder=0)
    scenario["faults"] = [{"op": "ListAccountRoles", "account_id": f"5000000000{i:02d}",
                           "delay": 5} for i in range(1, 8)]
    with MockPortal(scenario, certdir, str(tmp_path / "portal")) as server:
        pam.auth_service(*portal_args(server, "allow=*:ReadOnly", "timeout=10"))

        login = pam.run()

        assert login.step("auth") == PAM_SUCCESS
        assert_exported(login, scenario, TOKEN, "500000000000", "ReadOnly")
        assert login.seconds < 4
        fetched = [r for r in server.requests() if r["op"] == "GetRoleCredentials"]
        assert len(fetched) == 1


@pytest.mark.valgrind
def test_uncertain_choice_waits_for_lower_accounts(pam, certdir, tmp_path):
    """The holder has the highest id: a slow lower account might still hold
    a better match, so the login waits for it."""
    scenario = many_accounts(3)
    scenario["faults"] = [{"op": "ListAccountRoles", "account_id": "500000000000",
                           "delay": 1}]
    with MockPortal(scenario, certdir, str(tmp_path / "portal")) as server:
        pam.auth_service(*portal_args(server, "allow=*:ReadOnly"))

        login = pam.run()

        assert login.step("auth") == PAM_SUCCESS
        requests = server.requests()
        slow = [r for r in requests if r["op"] == "ListAccountRoles"
                and r["query"]["account_id"] == "500000000000"]
        fetch = [r for r in requests if r["op"] == "GetRoleCredentials"]
        assert len(slow) == 1
        assert fetch[0]["time"] >= slow[0]["time"] + 0.9
