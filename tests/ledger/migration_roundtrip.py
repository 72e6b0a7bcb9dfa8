"""Run by test_migrations.py in a fresh process against a scratch database (TONGXIN_DATABASE_URL):
entries made through the services, then the ledger migrated back to its foreign keys (0002) and
forward again; prints what it checked. Works on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

BEFORE_GENERIC = "0002_ledgerentry_ledger_open_deadline_idx"


def main() -> None:
    call_command("migrate", verbosity=0)
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from tests.inspections.conftest import answer_all
    from tests.world import build_world
    from tongxin.core.uploads import store_attachment
    from tongxin.inspections import services as inspections
    from tongxin.ledger import services as ledger
    from tongxin.ledger.models import LedgerEntry
    from tongxin.regions.models import Region
    from tongxin.regions.services import load_divisions

    load_divisions(["43"])
    world = build_world()
    day = dt.date(2021, 8, 1)
    five, _general = inspections.load_builtin_checklists()
    campaign = inspections.create_campaign(
        world.nanxian, name="南县排查", issuer=world.nanxian_bureau, region=Region.objects.get(code="430921"),
        templates=[five.template], start_date=day, end_date=day + dt.timedelta(days=9),
        self_inspection_deadline=day + dt.timedelta(days=5))
    team = inspections.create_team(world.nanxian, name="南县督导组", bureau=world.nanxian_bureau, start_date=day,
                                   end_date=day)
    inspection = inspections.start_inspection(world.nanxian, unit=world.nanxian_home, version=five, team=team,
                                              kind="supervision", day=day, campaign=campaign)
    def photo():
        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), (0, 120, 0)).save(buffer, "JPEG")
        return store_attachment(SimpleUploadedFile("p.jpg", buffer.getvalue()), uploaded_by=world.nanxian,
                                unit_id=world.nanxian_home.pk)

    answer_all(world.nanxian, inspection, fail={"visitor_register", "protective_supply_days"}, photo_for=photo)
    raised = inspections.finish_inspection(world.nanxian, inspection)
    assert len(raised) == 2 and all(e.context_id == campaign.pk for e in raised)
    by_hand = ledger.open_entry(world.nanxian, unit=world.nanxian_home_2, source="other", category="gas",
                                severity="general", description="燃气软管老化", found_on=day, deadline=day)
    expected = {e.pk: (e.source, e.source_id, e.context_kind, e.context_id) for e in [*raised, by_hand]}

    call_command("migrate", "ledger", BEFORE_GENERIC, verbosity=0)
    with connection.cursor() as cur:
        cur.execute("SELECT id, inspection_id, campaign_id FROM ledger_ledgerentry ORDER BY id")
        old = {pk: (i, c) for pk, i, c in cur.fetchall()}
    assert old == {pk: (sid if kind == "supervision" else None, cid)
                   for pk, (kind, sid, _ck, cid) in expected.items()}, old

    call_command("migrate", verbosity=0)
    now = {e.pk: (e.source, e.source_id, e.context_kind, e.context_id) for e in LedgerEntry.objects.all()}
    assert now == expected, (now, expected)
    print(f"{connection.vendor}: {len(expected)} entries, {len(raised)} from inspection {inspection.pk} "
          f"in campaign {campaign.pk}: back to foreign keys and forward to references, unchanged")


if __name__ == "__main__":
    main()
