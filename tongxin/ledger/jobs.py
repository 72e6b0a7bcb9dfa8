"""The ledger's background jobs: the morning's due and overdue notices."""

from __future__ import annotations

from tongxin.core import jobs


@jobs.periodic("ledger.due_notices", cron="0 8 * * *")
def due_notices() -> str:
    """What `tongxin ledger-due-notices` does with its defaults (once a day per entry and kind)."""
    from tongxin.ledger import services

    sent = services.send_due_notices()
    return f"soon due: {sent['due_soon']} entries notified; overdue: {sent['overdue']} entries notified"
