"""`TimedCommand`: a cron job's management command that can be run "as of" another moment (`--at`),
for the demo and for catching up after an outage. Subclasses implement `run(now)`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone


class TimedCommand(BaseCommand):
    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--at", help="the moment to run for, ISO 8601 (default: now; local time if no offset)")

    def handle(self, *args: Any, **options: Any) -> None:
        now = None
        if options["at"]:
            try:
                now = dt.datetime.fromisoformat(options["at"])
            except ValueError:
                raise CommandError(f"--at: not a date and time (2021-07-30T18:00): {options['at']!r}") from None
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        self.run(now)

    def run(self, now: dt.datetime | None) -> None:
        raise NotImplementedError
