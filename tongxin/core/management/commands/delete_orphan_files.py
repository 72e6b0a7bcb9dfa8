"""tongxin delete-orphan-files: remove stored evidence files no attachment record names (run nightly).

A transaction that stored a file and then rolled back leaves the file behind; Django has no
rollback hook, so this sweep removes such files once they are older than a day.
"""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tongxin.core.uploads import delete_orphan_files


class Command(BaseCommand):
    help = "Delete stored attachment files that no record refers to and that are older than --days (default 1)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=1)

    def handle(self, *args: Any, days: int = 1, **options: Any) -> None:
        removed = delete_orphan_files(older_than=dt.timedelta(days=days))
        self.stdout.write(f"orphan files deleted: {len(removed)}")
