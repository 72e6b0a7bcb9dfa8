"""`tongxin rekey-personal-data`: re-encrypt every stored ID number under a new key.

Run with the old key in TONGXIN_PII_KEY_OLD and the new one in TONGXIN_PII_KEY (docs/deploy.md,
"Personal data key"). Everything is rewritten in one transaction: a value that the old key does
not open stops the command and leaves the database as it was. The run is recorded in the audit
trail (how many values, never a number or a key).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from tongxin.core import audit, pii
from tongxin.core.models import AuditEvent


class Command(BaseCommand):
    help = "Re-encrypt stored ID numbers from TONGXIN_PII_KEY_OLD to TONGXIN_PII_KEY, in one transaction."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, **options: Any) -> None:
        old, new = settings.PII_KEY_OLD, settings.PII_KEY
        if old is None:
            raise CommandError("Set TONGXIN_PII_KEY_OLD to the key the data is stored under, "
                               "and TONGXIN_PII_KEY to the new key.")
        if new is None or old == new:
            raise CommandError("TONGXIN_PII_KEY_OLD and TONGXIN_PII_KEY are the same key: nothing to do.")
        database = options["database"]
        try:
            with transaction.atomic(using=database):
                done = pii.rekey(connections[database], old, new)
                total = sum(done.values())
                audit.record(AuditEvent.Action.UPDATE, actor_name="rekey-personal-data",
                             object_repr="TONGXIN_PII_KEY", changes={"rekeyed": [None, total]})
        except pii.PersonalDataKeyError:
            raise CommandError("A stored ID number does not open with TONGXIN_PII_KEY_OLD: nothing was changed. "
                               "Check that TONGXIN_PII_KEY_OLD is the key the data is stored under.") from None
        for column, count in done.items():
            self.stdout.write(f"{column}: {count} re-encrypted")
