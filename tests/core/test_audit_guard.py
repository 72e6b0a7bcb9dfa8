"""The destructive management commands refuse to erase the audit trail of a database holding audit
records unless given --allow-audit-loss: `migrate` taking the core app backwards past the audit
migrations, through the check `flush` and `restore` share (`core.audit_guard.refuse_audit_loss`)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.utils import DatabaseError

from tongxin.core import audit, audit_guard
from tongxin.core.management.commands.migrate import touches_audit
from tongxin.core.models import AuditEvent


@pytest.mark.parametrize("target", ["0012", "zero"])
def test_migrating_core_backwards_past_the_trail_is_refused(world, real_database, target):  # noqa: F811
    audit.record(audit.Action.LOGIN_FAILED, actor_name="nobody")
    with pytest.raises(CommandError, match="migrate .*--allow-audit-loss"):
        call_command("migrate", "core", target, interactive=False, verbosity=0)
    assert AuditEvent.objects.filter(actor_name="nobody", seq__isnull=False).exists()  # the chain's columns are there


def test_migrating_forwards_is_not_refused(world, real_database):  # noqa: F811
    audit.record(audit.Action.LOGIN_FAILED, actor_name="nobody")
    call_command("migrate", interactive=False, verbosity=0)  # nothing to do, and no refusal


def test_the_audit_migrations_are_known():
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    touched = {name for (app, name) in graph.nodes if app == "core" and touches_audit(graph.nodes[(app, name)])}
    assert {"0001_initial", "0002_audit_append_only", "0014_audit_chain"} <= touched
    assert "0003_notification" not in touched and "0008_system_setting" not in touched


def test_the_shared_check(db, real_database):  # noqa: F811
    audit_guard.refuse_audit_loss("default", False, what="restore")  # no records: nothing to lose
    audit.record(audit.Action.LOGIN_FAILED, actor_name="nobody")
    with pytest.raises(CommandError, match="restore.*holds audit records"):
        audit_guard.refuse_audit_loss("default", False, what="restore")
    audit_guard.refuse_audit_loss("default", True, what="restore")  # the operator said so


def test_the_triggers_come_back_after_a_migration(db):
    event = audit.record(audit.Action.LOGIN_FAILED, actor_name="nobody")
    audit_guard.drop_triggers(connection)  # as SQLite does when Django rebuilds the table
    audit_guard.post_migrate_triggers(sender=None, using="default")
    with pytest.raises(DatabaseError, match="append-only"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
