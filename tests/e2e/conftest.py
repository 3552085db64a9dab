"""Fixtures for end-to-end logins through a real sshd and the real ssh client.

The tests need root (they add users, write /etc/pam.d and run sshd), the
module built in PAM_SSO_BUILD_DIR (build/ by default), and OpenSSH, which
scripts/install-deps installs.  All traffic stays on 127.0.0.1.  Two runs of
this directory must not overlap, because the check at the end of a run
looks for leftovers by name prefix.
"""

import os
import shutil
import sys
import warnings

import pytest

from . import sshd_harness
from .sshd_harness import MODULE, NOT_ROOT_REASON, REPO

sys.path.insert(0, os.path.join(REPO, "tests", "mock_portal"))
sys.path.insert(0, os.path.join(REPO, "tests"))

from portal_server import MockPortal  # noqa: E402
# Importing certdir registers the fixture here.
from sso_fixtures import (OTHER_TOKEN, SECRET_PREFIXES, TOKEN, certdir,  # noqa: E402,F401
                          standard_scenario)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "session_logout: tests of logout_on_close and state_dir")


@pytest.fixture(scope="session", autouse=True)
def e2e_run():
    """Check the run's preconditions, and at its end that it left no user,
    PAM service file, temporary directory or process behind."""
    if os.geteuid() != 0:
        pytest.skip(NOT_ROOT_REASON)
    if not os.path.exists(MODULE):
        pytest.fail(f"build the module first with scripts/build: {MODULE} not found")
    for program in (sshd_harness.SSHD, sshd_harness.SSH, sshd_harness.SSH_KEYGEN):
        if not os.path.exists(program):
            pytest.fail(f"{program} not found; scripts/install-deps installs OpenSSH")

    before = set(sshd_harness.find_leftovers())
    if before:
        warnings.warn("found leftovers of an earlier end-to-end run: " + "; ".join(sorted(before)))
    yield
    # Runs after every other fixture of the run has been torn down.
    new = [item for item in sshd_harness.find_leftovers() if item not in before]
    assert new == [], "the end-to-end tests left these behind"


@pytest.fixture(scope="session")
def privsep_dir(e2e_run):
    """sshd's privilege separation directory, created for the run if it is
    missing and then removed again."""
    path = sshd_harness.PRIVSEP_DIR
    created = not os.path.exists(path)
    if created:
        os.mkdir(path, 0o755)
    yield path
    if created:
        os.rmdir(path)


@pytest.fixture(scope="session")
def host_key(e2e_run):
    directory = sshd_harness.make_private_dir()
    try:
        yield sshd_harness.make_host_key(directory)
    finally:
        shutil.rmtree(directory)


@pytest.fixture(scope="session")
def local_users(e2e_run):
    """Two throwaway users, shared by the run's tests."""
    users = []
    try:
        users.append(sshd_harness.create_user())
        users.append(sshd_harness.create_user())
        yield users
    finally:
        errors = []
        for user in users:
            try:
                sshd_harness.remove_user(user)
            except RuntimeError as e:
                errors.append(str(e))
        assert errors == []


@pytest.fixture
def user(local_users):
    return local_users[0]


@pytest.fixture
def other_user(local_users):
    return local_users[1]


@pytest.fixture
def workdir():
    """A root-only (0700) temporary directory for one test's files: the mock
    portal's scenario and request log, sshd's configuration and log, the
    token files."""
    path = sshd_harness.make_private_dir()
    yield path
    shutil.rmtree(path)


@pytest.fixture
def public_dir():
    """A root-owned temporary directory that every user can list (0755)."""
    path = sshd_harness.make_public_dir()
    yield path
    shutil.rmtree(path)


@pytest.fixture
def scenario(user, other_user):
    """The standard scenario, where TOKEN is the Identity Center token of
    user and OTHER_TOKEN that of other_user, so each passes the module's
    default user_match=exact as its own user.  A new copy for each test."""
    scenario = standard_scenario()
    scenario["tokens"][TOKEN]["user_name"] = user.name
    scenario["tokens"][OTHER_TOKEN]["user_name"] = other_user.name
    return scenario


@pytest.fixture
def portal(certdir, workdir, scenario):
    """A running mock portal with the scenario above."""
    server = MockPortal(scenario, certdir, os.path.join(workdir, "portal"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sshd(privsep_dir, host_key, workdir):
    """An sshd that the test starts with sshd.start(pam_service(...))."""
    server = sshd_harness.SshServer(workdir, host_key)
    yield server
    leftovers = server.stop()
    assert leftovers == [], (f"sshd connection processes {leftovers} were still running "
                             f"after the test:\n{server.log()}")


@pytest.fixture
def ssh(sshd, workdir):
    """The ssh client for the test's sshd.  At the end it checks that no
    token that a login sent appears in that login's output or in sshd's
    log, and that no secret made by sso_fixtures.credentials() appears in
    sshd's log."""
    client = sshd_harness.SshClient(workdir, sshd)
    yield client
    client.close()
    log = sshd.log()
    for prefix in SECRET_PREFIXES:
        assert prefix not in log
    for token, result in client.results:
        assert token not in result.stdout
        assert token not in result.stderr
        assert token not in log
