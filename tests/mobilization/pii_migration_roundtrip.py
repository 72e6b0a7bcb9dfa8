"""Run by test_pii_migration.py in a fresh process against a scratch database (TONGXIN_DATABASE_URL):
a person stored with an ID number, then mobilization migrated back before the encryption (0001) and
forward again; prints what it checked. Works on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

ID = "430821199001011235"


def raw() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM mobilization_person")
        return cursor.fetchone()[0]


def main() -> None:
    call_command("migrate", "mobilization", verbosity=0)
    from tongxin.mobilization.models import Person

    Person.objects.create(region_code="430821", kind="volunteer", name="王秀英", mobile="13907441234",
                          id_number=ID, checkin_key="k" * 43)
    assert raw() != ID, "stored in clear"
    call_command("migrate", "mobilization", "0001", verbosity=0)
    assert raw() == ID, f"backwards: {raw()!r}"
    print("backwards: clear")
    call_command("migrate", "mobilization", verbosity=0)
    assert raw() not in ("", ID) and Person.objects.get(id_number=ID).id_number == ID
    print("forwards: encrypted")


if __name__ == "__main__":
    main()
