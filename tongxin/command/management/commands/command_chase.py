"""`tongxin command-chase`: escalate unsigned directives past their sign deadline, tell units whose
feedback is coming due, tell people on the roster that a check-in is due (only while a response is
in force), and tell owner units of action items due soon or overdue.

Safe to run from cron as often as you like (e.g. every 5 minutes): each delivery takes at most one
escalation step per run and two in all (the leader on duty, then the level above), and gets one
"feedback due" notice ever (`command.services.chase.run`); each shift one check-in notice
(`services.duty.duty_notices`); each action item one notice of each kind a day
(`services.meetings.action_item_notices`). Running it twice sends nothing new.
"""

from __future__ import annotations

import datetime as dt

from tongxin.command.jobs import chase_all
from tongxin.core.management.timed import TimedCommand


class Command(TimedCommand):
    help = ("Escalate directives unsigned past their deadline; notify units whose feedback is due soon, people "
            "whose shift needs a check-in, and owners of action items due or overdue (once each).")

    def run(self, now: dt.datetime | None) -> None:
        # The same function Celery beat runs every 5 minutes when a broker is configured (command.jobs).
        self.stdout.write(chase_all(now.isoformat() if now else None))
