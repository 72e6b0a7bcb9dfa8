"""tongxin rebuild-rollups: recompute every report roll-up from the reports themselves."""

from typing import Any

from django.core.management.base import BaseCommand

from tongxin.reports.rollups import rebuild


class Command(BaseCommand):
    help = "Recompute the report roll-ups (sums, counts, filings) from the latest revisions."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = rebuild()
        self.stdout.write(f"roll-ups rebuilt from {counts['reports']} reports: {counts['field_rows']} field rows, "
                          f"{counts['filing_rows']} filing rows")
