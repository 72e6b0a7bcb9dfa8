"""Django's `flush`, refusing to erase a database that holds audit records.

The audit trail must outlive every other row (GB/T 22239 level 3; the Cybersecurity Law's six
months), and `flush` empties every table, the trail included. So `tongxin flush` stops with a
message when the database holds any audit record, unless it is given `--allow-audit-loss`.

Django's own test databases are exempt: the test runner (and pytest-django, through it) empties
them with `call_command("flush", interactive=False)` between transactional tests, and they are
throwaway by construction. A database is taken for one when its name is what the test runner
gives it — Django's "test_" prefix, the configured TEST NAME, or SQLite in memory — so a
production database must not be named "test_…" (docs/deploy.md).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.core.management.commands import flush
from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.creation import TEST_DATABASE_PREFIX

from tongxin.core.models import AuditEvent


def is_throwaway_test_database(connection: BaseDatabaseWrapper) -> bool:
    """True when `connection` is a database Django's test runner made (see the module docstring)."""
    name = str(connection.settings_dict.get("NAME") or "")
    test_name = (connection.settings_dict.get("TEST") or {}).get("NAME")
    if connection.vendor == "sqlite" and connection.is_in_memory_db():  # type: ignore[attr-defined]
        return True
    return name.startswith(TEST_DATABASE_PREFIX) or (bool(test_name) and name == test_name)


def holds_audit_records(database: str) -> bool:
    try:
        return AuditEvent.objects.using(database).exists()
    except DatabaseError:  # not migrated yet: there is no trail to lose
        return False


class Command(flush.Command):
    help = flush.Command.help + " Refuses while the database holds audit records, unless --allow-audit-loss."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--allow-audit-loss", action="store_true", dest="allow_audit_loss",
            help="Erase the audit trail too. Without it, flush refuses on a database holding audit records.",
        )

    def handle(self, **options: Any) -> None:
        database = options["database"]
        if (not options.get("allow_audit_loss") and not is_throwaway_test_database(connections[database])
                and holds_audit_records(database)):
            raise CommandError(
                f"Refusing to flush database '{database}': it holds audit records, and flush would erase "
                "the audit trail. Back it up first; to erase it anyway, run flush again with --allow-audit-loss."
            )
        super().handle(**options)
