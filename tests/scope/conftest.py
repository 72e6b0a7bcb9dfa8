"""The objects the scope matrix aims at: all of them 南县's, built through the services."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

DAY = dt.date(2021, 8, 2)


@pytest.fixture
def nanxian_objects(request, world, settings, tmp_path):
    """{name: object}: a 南县 assignment and report, campaign, team, draft inspection with a finding,
    ledger entry with a photo, a notification to the 南县 officer; plus shared forms and checklists;
    and the account of 南县福利院's reporter with its role (account administration)."""
    from tests.reports.conftest import at, good_values
    from tongxin.core.notify import notify
    from tongxin.core.uploads import store_attachment
    from tongxin.inspections import services as inspections
    from tongxin.ledger import services as ledger
    from tongxin.regions.models import Region
    from tongxin.reports import services as reports

    settings.MEDIA_ROOT = tmp_path
    county = Region.objects.get(code="430921")
    (version,) = reports.load_builtin_forms()
    assignment = reports.create_assignment(
        world.nanxian, form=version.form, issuer=world.nanxian_bureau, region=county, name="南县日报",
        deadline=dt.time(10), start_date=DAY, end_date=DAY, unit_kinds=["elderly_care"])
    report = reports.submit_report(world.home_reporter, assignment=assignment, unit=world.nanxian_home, day=DAY,
                                   values=good_values(), now=at(DAY, 9)).report
    five, _general = inspections.load_builtin_checklists()
    campaign = inspections.create_campaign(
        world.nanxian, name="南县排查", issuer=world.nanxian_bureau, region=county, templates=[five.template],
        start_date=DAY, end_date=DAY, self_inspection_deadline=DAY)
    team = inspections.create_team(world.nanxian, name="南县督导组", bureau=world.nanxian_bureau,
                                   start_date=DAY, end_date=DAY)
    inspection = inspections.start_inspection(world.nanxian, unit=world.nanxian_home, version=five, team=team,
                                              kind="supervision", day=DAY, campaign=campaign)
    inspections.answer(world.nanxian, inspection, item_key="vaccination_mobilised", result="fail")
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 120, 0)).save(buffer, "JPEG")
    attachment = store_attachment(SimpleUploadedFile("p.jpg", buffer.getvalue()), uploaded_by=world.nanxian,
                                  unit_id=world.nanxian_home.pk)
    entry = ledger.open_entry(world.nanxian, unit=world.nanxian_home, source="other", category="fire",
                              severity="general", description="通道堵塞", found_on=DAY, deadline=DAY,
                              attachments=[attachment])
    (note,) = notify([world.nanxian], key="reports.reminder",
                     params={"unit": "南县福利院", "form": "南县专用日报", "day": "2021-08-02"})
    objects = {
        "home": world.nanxian_home, "home_2": world.nanxian_home_2, "assignment": assignment, "report": report,
        "form": version.form, "checklist": five.template, "campaign": campaign, "team": team,
        "inspection": inspection, "finding": inspection.findings.get(), "entry": entry, "attachment": attachment,
        "notification": note,
        "account": world.home_reporter, "role": world.home_reporter.memberships.get(),
    }
    from tests.scope.matrix import PARTS, ROW_FAMILY, family

    # The objects the rows of other modules (tests/scope/rows_*.py) aim at. A matrix row gets its own
    # app's (they are many, and built for each row); any other test gets them all.
    callspec = getattr(request.node, "callspec", None)
    row = callspec.params.get("r") if callspec is not None else None
    wanted = ROW_FAMILY.get(id(row), "") if row is not None else None
    for part in PARTS:
        if hasattr(part, "objects") and (wanted is None or family(part) == wanted):
            objects.update(part.objects(world, objects))
    return objects
