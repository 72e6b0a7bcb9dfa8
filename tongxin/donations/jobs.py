"""Donations' background jobs: the disclosure clock."""

from __future__ import annotations

from tongxin.core import jobs


@jobs.periodic("donations.clock", cron="5 * * * *")
def clock() -> str:
    """What `tongxin donations-clock` does: notices of disclosures due within a day or overdue (once a day each)."""
    from tongxin.donations.services import appeals

    return f"disclosure notices sent: {appeals.send_clock_notices(None)}"
