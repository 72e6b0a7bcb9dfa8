"""`tongxin flush` refuses to erase a database that holds audit records unless told --allow-audit-loss (issue #12)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tests.commands import tongxin
from tongxin.core import audit, audit_guard
from tongxin.core.models import AuditEvent


def test_flush_refuses_on_a_database_with_audit_records(world, real_database, capsys):
    audit.record(audit.Action.LOGIN_FAILED, actor_name="nobody")
    before = AuditEvent.objects.count()
    assert tongxin("flush", "--noinput") == 1
    err = capsys.readouterr().err
    assert "audit records" in err and "--allow-audit-loss" in err
    assert AuditEvent.objects.count() == before


def test_flush_proceeds_when_told_it_may_lose_the_trail(world, real_database):
    audit.record(audit.Action.LOGIN_FAILED, actor_name="nobody")
    if connection.vendor == "postgresql":  # TRUNCATE inside the test's transaction: no deferred checks pending
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert tongxin("flush", "--noinput", "--allow-audit-loss") == 0
    assert not AuditEvent.objects.exists()


def test_call_command_refuses_too(world, real_database):
    audit.record(audit.Action.LOGIN_FAILED, actor_name="nobody")
    with pytest.raises(CommandError, match="--allow-audit-loss"):
        call_command("flush", interactive=False, verbosity=0)


def test_django_test_databases_are_the_only_exemption():
    assert audit_guard.is_throwaway_test_database(connection)  # what the test runner's own flush relies on

    class Production:
        vendor = "postgresql"
        settings_dict = {"NAME": "tongxin", "TEST": {}}

    assert not audit_guard.is_throwaway_test_database(Production())  # type: ignore[arg-type]
