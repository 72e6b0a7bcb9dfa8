"""Mobilization's background jobs: shift reminders and forgotten check-outs; a nightly roll-up check."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tongxin.core import jobs


@jobs.periodic("mobilization.sweep", cron="*/10 * * * *")
def sweep(now: str | None = None) -> str:
    """What `tongxin mobilization-sweep` does: remind people of shifts starting soon (once each), then close
    the attendances left open after their shift ended."""
    from tongxin.mobilization.services import checkin, posts

    moment = dt.datetime.fromisoformat(now) if now else None
    sent = posts.send_reminders(now=moment)
    closed = checkin.close_forgotten(moment)
    return f"shift reminders sent: {sent}; forgotten check-outs closed: {closed}"


@jobs.periodic("mobilization.rollup", cron="30 2 * * *")
def rollup_recent() -> str:
    """`tongxin mobilization-rollup --rebuild --since <yesterday>`: the roll-up of yesterday and today rebuilt
    from the source rows at night, a safety net under the roll-up kept in each write."""
    from tongxin.mobilization.services import rollup

    written = rollup.rebuild(since=timezone.localdate() - dt.timedelta(days=1))
    return f"mobilization roll-up rebuilt: {written} rows"
