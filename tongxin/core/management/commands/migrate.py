"""Django's `migrate`, refusing to take the core app backwards past the audit trail's migrations on
a database that holds audit records, unless given `--allow-audit-loss`: unapplying them drops the
audit table, or its hash chain (`core.audit_guard.refuse_audit_loss`). Forward migrations, and
backward ones of other apps, run as Django's do.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.core.management.commands import migrate
from django.db.models.signals import pre_migrate

from tongxin.core.audit_guard import add_allow_audit_loss, refuse_audit_loss


def touches_audit(migration: Any) -> bool:
    """A core migration that made or changed the audit table (its model, fields or triggers)."""
    if migration.app_label != "core":
        return False
    if "audit" in migration.name:
        return True
    for operation in migration.operations:
        name = str(getattr(operation, "model_name", "") or getattr(operation, "name", "")).lower()
        if name == "auditevent":
            return True
    return False


class Command(migrate.Command):
    help = migrate.Command.help + " Refuses to unapply the audit trail's migrations while it holds records."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        add_allow_audit_loss(parser, "Unapply the audit trail's migrations even though the database holds "
                                     "audit records.")

    def handle(self, *args: Any, **options: Any) -> None:
        allow = bool(options.get("allow_audit_loss"))
        database = options["database"]

        def check(sender: Any, plan: Any = None, using: str | None = None, **kwargs: Any) -> None:
            # pre_migrate comes with the plan, after it is made and before any step of it runs
            if using == database and plan and any(backwards and touches_audit(m) for m, backwards in plan):
                refuse_audit_loss(database, allow, what="migrate (the core app backwards)")

        uid = f"tongxin-migrate-audit-{id(self)}"
        pre_migrate.connect(check, dispatch_uid=uid, weak=False)
        try:
            super().handle(*args, **options)
        finally:
            pre_migrate.disconnect(dispatch_uid=uid)
