"""The built pam_sso.so as a file: what it exports, and what make install
and make uninstall put into and take out of the system paths.

Needs a configured build tree (scripts/build), PAM_SSO_BUILD_DIR or build/.
"""

import ctypes
import os
import re
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("PAM_SSO_BUILD_DIR", os.path.join(REPO, "build"))
MODULE = os.path.join(BUILD, ".libs", "pam_sso.so")

# The entry points README.md and pam_sso(8) document: every one of the six
# that libpam looks up.
ENTRY_POINTS = {"pam_sm_authenticate", "pam_sm_setcred", "pam_sm_acct_mgmt",
                "pam_sm_open_session", "pam_sm_close_session", "pam_sm_chauthtok"}

# Internal functions with external linkage inside the module; the version
# script must hide them from the host process.
INTERNAL = ("sso_authenticate", "sso_http_new", "sso_options_parse", "sso_parse_caller_identity",
            "sso_user_binding_check", "sso_wipe", "sso_log")


def defined_dynamic_symbols(path):
    """Return the names of the global and weak symbols that PATH defines in
    its dynamic symbol table, as readelf lists them."""
    output = subprocess.run(["readelf", "--dyn-syms", "--wide", path], capture_output=True,
                            text=True, check=True).stdout
    names = set()
    for line in output.splitlines():
        fields = line.split()
        # Num: Value Size Type Bind Vis Ndx Name
        if len(fields) < 8 or not fields[0].endswith(":"):
            continue
        bind, index, name = fields[4], fields[6], fields[7]
        if bind in ("GLOBAL", "WEAK") and index != "UND":
            names.add(name.split("@")[0])
    return names


@pytest.fixture(scope="module")
def module():
    if not os.path.exists(MODULE):
        pytest.fail(f"build the module first ({MODULE})")
    return MODULE


def test_dlopen_finds_every_entry_point(module):
    handle = ctypes.CDLL(module, mode=os.RTLD_NOW | os.RTLD_LOCAL)

    for name in sorted(ENTRY_POINTS):
        assert getattr(handle, name) is not None, name


def test_dlopen_hides_internal_functions(module):
    handle = ctypes.CDLL(module, mode=os.RTLD_NOW | os.RTLD_LOCAL)

    for name in INTERNAL:
        with pytest.raises(AttributeError):
            getattr(handle, name)


def test_only_entry_points_exported(module):
    assert defined_dynamic_symbols(module) == ENTRY_POINTS


def make_in_build(*arguments):
    return subprocess.run(["make", "-C", BUILD, *arguments], capture_output=True, text=True)


def installed_files(root):
    found = set()
    for directory, _, files in os.walk(root):
        for name in files:
            found.add(os.path.relpath(os.path.join(directory, name), root))
    return found


def configured_value(name):
    """Return a variable's value as the build tree's Makefile has it."""
    with open(os.path.join(BUILD, "Makefile"), encoding="utf-8") as f:
        match = re.search(rf"^{name} = (.*)$", f.read(), re.MULTILINE)
    assert match is not None, name
    return match.group(1).strip()


def test_install_puts_only_module_and_man_pages(module, tmp_path):
    pam_dir = configured_value("PAMDIR").lstrip("/")
    prefix = configured_value("prefix").lstrip("/")
    man_dir = os.path.join(prefix, "share", "man")

    done = make_in_build("install", f"DESTDIR={tmp_path}")

    assert done.returncode == 0, done.stderr
    assert installed_files(tmp_path) == {
        os.path.join(pam_dir, "pam_sso.so"),
        os.path.join(man_dir, "man8", "pam_sso.8"),
        os.path.join(man_dir, "man5", "pam_sso.conf.5"),
    }
    mode = os.stat(tmp_path / pam_dir / "pam_sso.so").st_mode
    assert mode & 0o022 == 0


def test_uninstall_removes_what_install_put(module, tmp_path):
    assert make_in_build("install", f"DESTDIR={tmp_path}").returncode == 0

    done = make_in_build("uninstall", f"DESTDIR={tmp_path}")

    assert done.returncode == 0, done.stderr
    assert installed_files(tmp_path) == set()


def test_configure_rejects_relative_pam_dir(tmp_path):
    done = subprocess.run([os.path.join(REPO, "configure"), "--quiet",
                           "--with-pam-dir=lib/security"],
                          cwd=tmp_path, capture_output=True, text=True)

    assert done.returncode != 0
    assert "--with-pam-dir must be an absolute path, not 'lib/security'" in done.stderr
