"""`tongxin donations-clock`: notify each appeal issuer's staff when a disclosure is due within a day
or overdue (services.appeals.send_clock_notices). Idempotent per Beijing day: run it from cron as
often as you like (e.g. hourly)."""

from __future__ import annotations

import datetime as dt

from tongxin.core.management.timed import TimedCommand
from tongxin.donations.services import appeals


class Command(TimedCommand):
    help = "Notify organisations of disclosures due within a day or overdue (once a day per appeal)."

    def run(self, now: dt.datetime | None) -> None:
        self.stdout.write(f"disclosure notices sent: {appeals.send_clock_notices(now)}")
