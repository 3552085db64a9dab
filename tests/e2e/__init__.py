"""End-to-end tests through a real sshd.

This folder is a package so that pytest imports its conftest.py as
e2e.conftest.  Without it, pytest would load both this conftest.py and
tests/integration/conftest.py under the module name "conftest", and the
integration tests' "from conftest import ..." would find this one.
"""
