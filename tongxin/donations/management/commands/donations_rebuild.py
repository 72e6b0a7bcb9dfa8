"""`tongxin donations-rebuild`: recompute every stock row from the records (services.stock.rebuild)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from tongxin.donations.services import stock


class Command(BaseCommand):
    help = "Rebuild the donations stock roll-up (Stock) from donations, allocations, hand-overs and adjustments."

    def handle(self, *args, **options) -> None:
        written = stock.rebuild()
        self.stdout.write(f"donations stock rebuilt: {written} rows changed")
