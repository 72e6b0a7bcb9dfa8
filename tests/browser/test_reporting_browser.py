"""In a real browser: nanxian-home-01 files today's report from a phone; nanxian sees it counted."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.utils import timezone

from tests.browser.conftest import DESKTOP, PHONE, shot

pytestmark = pytest.mark.browser

FORM = json.loads((Path(__file__).resolve().parents[2] / "tongxin/reports/data/elderly_daily.json")
                  .read_text(encoding="utf-8"))["definition"]["fields"]
VALUES = {"residents_in_care": "86", "staff_on_site": "21", "visits_refused": "2", "fever_or_symptoms": "0",
          "suspected_residents": "0", "suspected_staff": "0", "confirmed_residents": "0", "confirmed_staff": "0",
          "residents_vaccinated": "70", "staff_vaccinated": "20", "eligible_not_vaccinated": "3",
          "nucleic_acid_tests": "107", "mask_days": "30", "disinfectant_days": "25", "items_disinfected": "12"}


@pytest.fixture
def this_week(demo_story):
    """The demo's units and logins, and a daily report running this week for 南县's homes."""
    from tongxin.regions.models import Region
    from tongxin.reports import services
    from tongxin.units.models import Unit

    today = timezone.localdate()
    form = services.load_builtin_forms()[0].form
    return services.create_assignment(
        None, form=form, issuer=Unit.objects.get(name="南县民政局"), region=Region.objects.get(code="430921"),
        name="南县养老机构日报（本周）", deadline=dt.time(23, 59, 59), start_date=today - dt.timedelta(days=3),
        end_date=today + dt.timedelta(days=3), unit_kinds=["elderly_care"])


def test_reporter_files_on_a_phone_and_the_county_sees_it(this_week, page_for):
    phone = page_for(PHONE)
    phone.login("nanxian-home-01")
    phone.goto(f"{phone.base}/reports/")
    phone.get_by_role("link", name="填报").first.click()
    phone.wait_for_load_state()
    for key, value in VALUES.items():
        phone.fill(f"input[name='{key}']", value)
    for key in ("closed_management", "temperature_checks_done"):
        phone.locator(f"label[for='id_{key}_true']").click()
    shot(phone, "report-form-phone")
    phone.click("#submit-report")
    phone.wait_for_load_state()
    assert "报送" in phone.locator(".alert").first.inner_text()
    assert "86" in phone.content()
    shot(phone, "report-filed-phone")

    desk = page_for(DESKTOP)
    desk.login("nanxian")
    today = timezone.localdate().isoformat()
    desk.goto(f"{desk.base}/reports/overview/?assignment={this_week.pk}&region=430921&day={today}")
    text = desk.locator("main").inner_text()
    assert "南县" in text
    count = {k: desk.locator(f"[data-count='{k}']").inner_text().strip() for k in ("expected", "on_time", "missing")}
    assert count == {"expected": "17", "on_time": "1", "missing": "16"}
    missing = "\n".join(desk.locator("#units-table tr[data-state=missing]").all_inner_texts())  # a county: every unit
    assert "南县社会福利中心" not in missing
    shot(desk, "overview-desktop")
