"""`tongxin backup PATH`: one archive of the database and the uploaded files (tongxin.core.backup)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongxin.core.backup import BackupError, backup


class Command(BaseCommand):
    help = ("Write one archive (.tar.gz) of the database and MEDIA_ROOT, with a manifest of checksums, "
            "the app version, the migrations and per-table row counts (docs/deploy.md).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the archive to write, e.g. /backups/tongxin-2026-01-15.tar.gz")
        parser.add_argument("--database", default="default", help="the database to back up (default: default)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup(options["path"], using=options["database"])
        except BackupError as exc:
            raise CommandError(f"Backup failed: {exc}.") from exc
        manifest = result.manifest
        rows = sum(table["rows"] for table in manifest["tables"].values())
        files = sum(1 for name in manifest["members"] if name.startswith("media/"))
        self.stdout.write(f"Wrote {result.path}: {manifest['engine']}, {len(manifest['tables'])} tables, "
                          f"{rows} rows, {files} files.")
