"""`tongxin mobilization-sweep`: remind each person on a shift starting within the next two hours
(services.posts.REMIND_AHEAD), once per assignment; then close every attendance still open after
its shift ended, at the shift's end, flagged as a forgotten check-out for the organisation to review
(services.checkin.close_forgotten).

Safe to run from cron as often as you like (e.g. every 10 minutes): a reminder goes out once and an
attendance closes once, so running it twice does nothing new."""

from __future__ import annotations

import datetime as dt

from tongxin.core.management.timed import TimedCommand
from tongxin.mobilization.jobs import sweep


class Command(TimedCommand):
    help = "Remind people of their shift shortly before it starts; close check-outs forgotten after a shift ended."

    def run(self, now: dt.datetime | None) -> None:
        # The same function Celery beat runs every 10 minutes when a broker is configured (mobilization.jobs).
        self.stdout.write(sweep(now.isoformat() if now else None))
