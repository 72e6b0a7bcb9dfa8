"""The `tongxin` command line inside a test: its exit status, on a database taken for a real one."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connections

from tongxin import cli
from tongxin.core import audit_guard


@pytest.fixture
def real_database(monkeypatch):
    """The test database taken for a real one (Django's test databases are exempt from the audit-loss
    refusals)."""
    monkeypatch.setattr(audit_guard, "is_throwaway_test_database", lambda conn: False)


def tongxin(*args: str) -> int:
    """Run `tongxin ARGS…` as a user would, and return its exit status; the test's connection stays
    open when the command line ends (it closes every connection), so the test's transaction survives."""
    with mock.patch.object(connections, "close_all", lambda: None):
        try:
            cli.main(["tongxin", *args])
        except SystemExit as stop:
            return int(stop.code or 0)
    return 0
