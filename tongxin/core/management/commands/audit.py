"""`tongxin audit verify | grants | purge`: the audit trail's hash chain, role split and retention.

- `verify`: walk the chain (core.audit_chain.verify); exit 1 naming the first bad record.
- `grants --app-role ROLE [--owner-role ROLE] [--apply]`: the SQL that lets the application's
  PostgreSQL role read and write every table but only INSERT and SELECT audit records (docs/deploy.md).
- `purge --before DATE`: remove the records dated before DATE (local day), never any younger than
  TONGXIN_AUDIT_RETENTION_DAYS; the purge is itself recorded, with where the chain now starts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connections, transaction
from django.utils import timezone

from tongxin.core import audit, audit_chain, audit_guard
from tongxin.core.models import AuditEvent


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--before must be a date as YYYY-MM-DD, not {value!r}") from None


def purge(before: dt.date, using: str = "default") -> dict[str, Any]:
    """Remove the records dated before `before` (a local day) and record it; see the module docstring.
    Returns the purge record's summary ({} when nothing was old enough)."""
    retention = settings.TONGXIN_AUDIT_RETENTION_DAYS
    cutoff = timezone.make_aware(dt.datetime.combine(before, dt.time.min))
    oldest_allowed = timezone.now() - dt.timedelta(days=retention)
    if cutoff > oldest_allowed:
        latest = timezone.localtime(oldest_allowed).date()
        raise CommandError(
            f"Refusing to purge before {before.isoformat()}: audit records are kept {retention} days "
            f"(TONGXIN_AUDIT_RETENTION_DAYS), so the latest date allowed is {latest.isoformat()}."
        )
    with transaction.atomic(using=using):
        audit_chain.lock(using)
        events = AuditEvent.objects.using(using).filter(seq__isnull=False)
        kept = events.filter(at__gte=cutoff).order_by("seq").values_list("seq", "prev_hash").first()
        if kept is not None:
            first_seq, anchor = int(kept[0] or 0), kept[1]
        else:
            head_seq, anchor = audit_chain.head(using)
            first_seq = head_seq + 1
        removed = events.filter(seq__lt=first_seq)
        span = removed.order_by("seq").values_list("seq", "at")
        first, last = span.first(), span.last()
        if first is None or last is None:
            return {}
        count = removed.count()
        summary = {
            "before": before.isoformat(), "removed": count,
            "from_seq": int(first[0] or 0), "to_seq": int(last[0] or 0),
            "from_at": first[1].isoformat(), "to_at": last[1].isoformat(),
            "first_seq": first_seq, "anchor": anchor,
        }
        # recorded first: when nothing is kept, the purge's own record is where the chain goes on
        audit.record(AuditEvent.Action.PURGE, actor_name="tongxin audit purge",
                     object_repr=f"{count} audit records before {before.isoformat()}", changes=summary)
        try:
            with audit_guard.audit_loss_allowed(using), connections[using].cursor() as cursor:
                cursor.execute("DELETE FROM core_auditevent WHERE seq < %s", [first_seq])
        except DatabaseError as exc:
            raise CommandError(
                f"The database refused the purge ({exc}). Run it as the role that owns the tables "
                "(the application's role may not delete audit records: docs/deploy.md)."
            ) from exc
    return summary


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain, print the PostgreSQL role split, or purge old records."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="Walk the hash chain; exit 1 naming the first bad record.")
        verify.add_argument("--database", default="default")
        grants = sub.add_parser("grants", help="Print (or --apply) the SQL of the role split (PostgreSQL).")
        grants.add_argument("--app-role", required=True, help="The role the application connects as.")
        grants.add_argument("--owner-role", default="", help="The role that owns the tables and migrates "
                            "(default: the role of the configured connection).")
        grants.add_argument("--apply", action="store_true", help="Run the SQL instead of printing it.")
        grants.add_argument("--database", default="default")
        purge_ = sub.add_parser("purge", help="Remove records dated before a day, never within the retention.")
        purge_.add_argument("--before", required=True, type=_date, help="YYYY-MM-DD (local day)")
        purge_.add_argument("--database", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(**options)

    def _verify(self, database: str, **options: Any) -> None:
        verdict = audit_chain.verify(database)
        if verdict.problem is not None:
            raise CommandError(
                f"Audit chain broken after {verdict.checked} good records, at {verdict.problem}"
            )
        self.stdout.write(f"Audit chain verified: {verdict.checked} records, head seq {verdict.head_seq}, "
                          f"head hash {verdict.head_hash}")

    def _grants(self, database: str, app_role: str, owner_role: str, apply: bool, **options: Any) -> None:
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError("The role split is for PostgreSQL; on SQLite the triggers and the chain guard "
                               "the trail.")
        if not owner_role:
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_user")
                owner_role = cursor.fetchone()[0]
        if owner_role == app_role:
            raise CommandError("The application's role must not be the owner of the tables: give two roles.")
        statements = audit_guard.grants_sql(app_role, owner_role, str(connection.settings_dict["NAME"]))
        if not apply:
            self.stdout.write(f"-- Run as {owner_role} (the owner of the tables) or a superuser, "
                              "after `tongxin migrate`.")
            self.stdout.write(f"-- The application then connects as {app_role}; migrations run as {owner_role}.")
            for statement in statements:
                self.stdout.write(statement + ";")
            return
        try:
            with transaction.atomic(using=database), connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        except DatabaseError as exc:
            raise CommandError(f"Could not apply the grants: {exc}") from exc
        self.stdout.write(f"Granted {app_role} every table, and only INSERT and SELECT on the audit trail.")

    def _purge(self, database: str, before: dt.date, **options: Any) -> None:
        summary = purge(before, database)
        if not summary:
            self.stdout.write(f"No audit record is dated before {before.isoformat()}: nothing purged.")
            return
        self.stdout.write(f"Purged {summary['removed']} audit records (seq {summary['from_seq']}–{summary['to_seq']}); "
                          f"the chain now starts at seq {summary['first_seq']}.")
