"""`tongxin mobilization-rollup --rebuild [--since D] [--until D]`: rebuild the daily roll-up the
bureaus' overview reads (services.rollup.rebuild), one day at a time, in one transaction."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from tongxin.mobilization.services import rollup


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"not a day (YYYY-MM-DD): {text!r}") from None


class Command(BaseCommand):
    help = "Rebuild mobilization's daily roll-up (DeploymentDay) from shifts, attendance and activity reports."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="recompute the rows from the source rows")
        parser.add_argument("--since", type=_day, help="only days from this one (YYYY-MM-DD)")
        parser.add_argument("--until", type=_day, help="only days up to this one (YYYY-MM-DD)")

    def handle(self, *args, rebuild: bool = False, since: dt.date | None = None, until: dt.date | None = None,
               **options) -> None:
        if not rebuild:
            raise CommandError("nothing to do: pass --rebuild")
        written = rollup.rebuild(since=since, until=until)
        self.stdout.write(f"mobilization roll-up rebuilt: {written} rows")
