"""`tongxin ledger-due-notices`: tell the homes of their ledger entries soon due or overdue.

Safe to run from cron as often as you like (e.g. every morning at 08:00 Beijing time): each entry
gets at most one notice of each kind per local day (`ledger.services.send_due_notices`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongxin.ledger import services


class Command(BaseCommand):
    help = "Notify each unit's staff of ledger entries due within --within-days days or overdue (once a day each)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--within-days", type=int, default=services.DUE_SOON_DAYS,
                            help=f"'soon due' means a deadline from today to this many days ahead "
                                 f"(default {services.DUE_SOON_DAYS})")
        parser.add_argument("--day", help="the local day to run for, YYYY-MM-DD (default: today in Asia/Shanghai)")

    def handle(self, *args: Any, **options: Any) -> None:
        within = options["within_days"]
        if within < 0:
            raise CommandError("--within-days must be 0 or more")
        today = None
        if options["day"]:
            try:
                today = dt.date.fromisoformat(options["day"])
            except ValueError:
                raise CommandError(f"--day: not a date (YYYY-MM-DD): {options['day']!r}") from None
        sent = services.send_due_notices(today=today, within_days=within)
        self.stdout.write(f"soon due: {sent['due_soon']} entries notified; overdue: {sent['overdue']} entries notified")
