"""Skipping a test whose tools are missing here, but never in CI, where a skip would hide a failure."""

from __future__ import annotations

import os

import pytest
from django.db import connection


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def skip_or_fail(reason: str, *, postgres_only: bool = False) -> None:
    """Skip with `reason`; in CI fail instead (with `postgres_only`, only in CI's PostgreSQL run: the
    test is meant for PostgreSQL and skips on SQLite everywhere)."""
    if in_ci() and (not postgres_only or connection.vendor == "postgresql"):
        pytest.fail(f"must not skip in CI{' on PostgreSQL' if postgres_only else ''}: {reason}")
    pytest.skip(reason)
