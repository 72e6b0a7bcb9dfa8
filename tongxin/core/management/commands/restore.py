"""`tongxin restore PATH`: bring back an archive written by `tongxin backup` (tongxin.core.backup).

It checks the whole archive before it changes anything, and refuses a database that holds data
(--replace-data) or audit records (--allow-audit-loss as well)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongxin.core.backup import BackupError, restore


class Command(BaseCommand):
    help = ("Restore the database and MEDIA_ROOT from an archive of `tongxin backup`, after checking every "
            "checksum; refuses a database that holds data unless --replace-data (docs/deploy.md).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the archive written by `tongxin backup`")
        parser.add_argument("--database", default="default", help="the database to restore into (default: default)")
        parser.add_argument("--replace-data", action="store_true", dest="replace_data",
                            help="replace a database that holds data (without it, restore refuses)")
        parser.add_argument("--allow-audit-loss", action="store_true", dest="allow_audit_loss",
                            help="also replace a database that holds audit records")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = restore(options["path"], using=options["database"], replace_data=options["replace_data"],
                             allow_audit_loss=options["allow_audit_loss"])
        except BackupError as exc:
            raise CommandError(f"Restore refused: {exc}. Nothing was changed.") from exc
        manifest = result.manifest
        rows = sum(table["rows"] for table in manifest["tables"].values())
        self.stdout.write(f"Restored {manifest['engine']} backup of {manifest['created_at']} "
                          f"(Tongxin {manifest['app_version']}): {len(manifest['tables'])} tables, {rows} rows, "
                          f"{result.files} files; every table matches its checksum.")
