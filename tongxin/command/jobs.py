"""Command's background jobs: the chase (escalations, feedback due, duty check-ins, action items)."""

from __future__ import annotations

import datetime as dt

from tongxin.core import jobs


@jobs.periodic("command.chase", cron="*/5 * * * *")
def chase_all(now: str | None = None) -> str:
    """What `tongxin command-chase` does (idempotent: each step is sent once): escalate directives unsigned past
    their deadline, then the feedback-due, check-in and action-item notices. Returns the counts as text."""
    from tongxin.command.services import chase, duty, meetings

    moment = dt.datetime.fromisoformat(now) if now else None
    counts = chase.run(now=moment)
    check_ins = duty.duty_notices(now=moment)
    items = meetings.action_item_notices(now=moment)
    return (f"escalated to the leader on duty: {counts['leader']}; to the level above: {counts['above']}; "
            f"feedback due notices: {counts['feedback_due']}; check-in notices: {check_ins}; "
            f"action item notices: {items}")
