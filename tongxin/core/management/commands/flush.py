"""Django's `flush`, refusing to erase a database that holds audit records.

The audit trail must outlive every other row (GB/T 22239 level 3; the Cybersecurity Law's six
months), and `flush` empties every table, the trail included. So `tongxin flush` stops with a
message when the database holds any audit record, unless it is given `--allow-audit-loss`
(`core.audit_guard.refuse_audit_loss`, the check every destructive command shares).

Django's own test databases are exempt: the test runner (and pytest-django, through it) empties
them with `call_command("flush", interactive=False)` between transactional tests, and they are
throwaway by construction (`audit_guard.is_throwaway_test_database`), so a production database
must not be named "test_…" (docs/deploy.md).

When it may, it empties the tables inside `audit_guard.audit_loss_allowed`, the one transaction in
which the triggers let the audit table's TRUNCATE (PostgreSQL) or DELETE (SQLite) through.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.core.management.commands import flush

from tongxin.core.audit_guard import add_allow_audit_loss, audit_loss_allowed, refuse_audit_loss


class Command(flush.Command):
    help = flush.Command.help + " Refuses while the database holds audit records, unless --allow-audit-loss."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        add_allow_audit_loss(parser, "Erase the audit trail too. Without it, flush refuses on a database holding "
                                     "audit records.")

    def handle(self, **options: Any) -> None:
        database = options["database"]
        refuse_audit_loss(database, bool(options.get("allow_audit_loss")), what="flush")
        with audit_loss_allowed(database):
            super().handle(**options)
