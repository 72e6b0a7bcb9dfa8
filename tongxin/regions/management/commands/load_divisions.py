"""tongxin load-divisions [PROVINCE_CODE ...]: load GB/T 2260 divisions (all of China by default)."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tongxin.regions.services import load_divisions


class Command(BaseCommand):
    help = "Load GB/T 2260 province, prefecture and county divisions (e.g. `load-divisions 43` for Hunan)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("provinces", nargs="*", help="province codes, e.g. 43 or 430000")

    def handle(self, *args: Any, provinces: list[str], **options: Any) -> None:
        for code in provinces:
            if not (code.isdigit() and len(code) in (2, 6)):
                raise CommandError(f"'{code}' is not a province code: give 2 or 6 digits, e.g. 43 or 430000")
        try:
            counts = load_divisions(provinces or None)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"divisions: {counts['created']} created, {counts['updated']} updated")
