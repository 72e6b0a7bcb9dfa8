"""`tongxin mobilization-remind`: remind each person on a shift that starts within the next two
hours (services.posts.REMIND_AHEAD), once per assignment. Safe to run from cron as often as you
like (e.g. every 10 minutes): running it twice sends nothing new."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tongxin.mobilization.services import posts


class Command(BaseCommand):
    help = "Remind people of their shift shortly before it starts (once per assignment)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--at", help="the moment to run for, ISO 8601 (default: now; local time if no offset)")

    def handle(self, *args: Any, **options: Any) -> None:
        now = None
        if options["at"]:
            try:
                now = dt.datetime.fromisoformat(options["at"])
            except ValueError:
                raise CommandError(f"--at: not a date and time (2021-07-30T06:00): {options['at']!r}") from None
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        sent = posts.send_reminders(now=now)
        self.stdout.write(f"shift reminders sent: {sent}")
