"""The API filing path's statement budget (issue #13): one scope check for the assignment and the unit,
no second read of the report for the answer — and the answer is still the report as the API shows it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.reports.conftest import good_values
from tongxin.reports.models import Report

DAY = dt.date(2021, 8, 2)
REPORTS = reverse("report-list")
CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN", "COMMIT", "ROLLBACK")
# What one filing reads and writes: token, the assignment and the unit by id, the filer's memberships
# (their scope), the Idempotency-Key, the unit's service period that day, the day's report, the form's
# version, report, revision, two roll-up upserts, the key, the audit chain's tail and its event — and on
# PostgreSQL the audit chain's advisory lock. Before #13: 17, with a scoped query each for the assignment
# and the unit, the unit's period read twice and the report read again for the answer; 19 for a home's
# reporter (the units they sit at read twice, for the assignments aimed at their area).
BUDGET = 15 + (connection.vendor == "postgresql")


def statements(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if not q["sql"].upper().startswith(CONTROL)]


def body(world, daily, unit=None, day=DAY, **values):
    return {"assignment": daily.pk, "unit": (unit or world.nanxian_home).pk, "day": day.isoformat(),
            "values": good_values(**values)}


@pytest.mark.parametrize("who", ["home_reporter", "nanxian", "hunan"])
def test_a_filing_over_the_api_stays_within_its_statement_budget(world, daily, api_for, who):
    client = api_for(getattr(world, who))
    client.post(REPORTS, body(world, daily, day=DAY - dt.timedelta(days=1)), format="json")  # warm: first use
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(REPORTS, body(world, daily), format="json", HTTP_IDEMPOTENCY_KEY="phone-1")
    assert response.status_code == 201, response.json()
    sql = statements(ctx)
    assert len(sql) <= BUDGET, "\n".join(sql)
    assert sum('FROM "reports_report"' in s and s.startswith("SELECT") for s in sql) == 1  # only "filed already?"


def test_the_filing_answer_is_the_report_as_the_api_shows_it(world, daily, api_for):
    client = api_for(world.home_reporter)
    answer = client.post(REPORTS, body(world, daily, mask_days=7), format="json", HTTP_IDEMPOTENCY_KEY="phone-1")
    assert answer.status_code == 201, answer.json()
    report = Report.objects.get()
    shown = client.get(reverse("report-detail", args=[report.pk])).json()
    assert answer.json() == shown
    assert shown["values"]["mask_days"] == 7 and shown["unit_name"] == world.nanxian_home.name
    assert shown["region"] == world.nanxian_home.region_id and shown["form_version"] == 1
    assert shown["is_late"] is True and shown["revision_count"] == 1  # filed now, long after 2021-08-02 10:00
    replay = client.post(REPORTS, body(world, daily, mask_days=9), format="json", HTTP_IDEMPOTENCY_KEY="phone-1")
    assert replay.status_code == 200 and replay.json() == shown


def test_the_correction_answer_is_the_report_as_the_api_shows_it(world, daily, api_for):
    client = api_for(world.home_reporter)
    filed = client.post(REPORTS, body(world, daily), format="json").json()
    answer = client.post(reverse("report-correct", args=[filed["id"]]),
                         {"values": good_values(residents_in_care=90), "reason": "漏报"}, format="json")
    assert answer.status_code == 201, answer.json()
    shown = client.get(reverse("report-detail", args=[filed["id"]])).json()
    assert answer.json() == shown and shown["revision_count"] == 2 and shown["values"]["residents_in_care"] == 90


def test_a_zero_report_answer_carries_the_stock_figures_it_stored(world, daily, api_for):
    client = api_for(world.home_reporter)
    client.post(REPORTS, body(world, daily, day=DAY - dt.timedelta(days=1), mask_days=12), format="json")
    answer = client.post(REPORTS, {"assignment": daily.pk, "unit": world.nanxian_home.pk, "day": DAY.isoformat(),
                                   "zero": True}, format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json() == client.get(reverse("report-detail", args=[answer.json()["id"]])).json()
    assert answer.json()["is_zero"] and answer.json()["values"]["mask_days"] == 12


@pytest.mark.parametrize(("change", "status", "field", "message"), [
    ({"assignment": 10**9}, 404, "detail", "找不到该报送任务，或您无权查看"),
    ({"unit": 10**9}, 404, "detail", "找不到该单位，或您无权查看"),
    ({"unit": "cili_home"}, 404, "detail", "找不到该单位，或您无权查看"),
    ({"assignment": 10**9, "unit": 10**9}, 404, "detail", "找不到该报送任务，或您无权查看"),
    ({"assignment": 2**63, "day": "yesterday"}, 404, "detail", "找不到该报送任务，或您无权查看"),
    ({"unit": "one"}, 400, "unit", None),
    ({"assignment": True}, 400, "assignment", None),
    ({"assignment": "²", "unit": "³"}, 400, "unit", None),  # digits int() refuses: words, not a 500
    ({"unit": "nanxian_home_2", "day": "yesterday"}, 404, "detail", "找不到该单位，或您无权查看"),
])
def test_out_of_sight_or_malformed_ids_answer_as_before(world, daily, api_for, change, status, field, message):
    """The pair is looked up once, but each field still answers for itself, first field first."""
    data = body(world, daily)
    for key, value in change.items():
        data[key] = getattr(world, value).pk if isinstance(value, str) and hasattr(world, value) else value
    response = api_for(world.home_reporter).post(REPORTS, data, format="json")
    assert response.status_code == status, response.json()
    assert field in response.json()
    if message:
        assert response.json()[field] == message
    assert not Report.objects.exists()
