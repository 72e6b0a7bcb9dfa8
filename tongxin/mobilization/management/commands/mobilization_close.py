"""`tongxin mobilization-close`: close every attendance still open after its shift ended, at the
shift's end, flagged as a forgotten check-out for the organisation to review
(`services.checkin.close_forgotten`). Safe to run from cron as often as you like (e.g. every 15
minutes): an attendance closes once; running it again closes nothing new."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tongxin.mobilization.services import checkin


class Command(BaseCommand):
    help = "Close attendances left open after their shift ended (at the shift's end, flagged for review)."

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
        closed = checkin.close_forgotten(now)
        self.stdout.write(f"closed {closed} forgotten check-out(s)")
