"""Two clerks saving the same thing at once: one wins, the others get a clear answer — the replay of
the idempotent answer, a 400 saying why, or a 409 saying someone else was first — never a 500.

The racers are real: on PostgreSQL each request runs in its own thread on its own connection,
released together (tests/races.py); on SQLite (one writer at a time) they run one after another."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.races import divisions_back, race  # noqa: F401 - divisions_back is a fixture
from tests.reports.conftest import END, START, at, good_values
from tests.world import build_world
from tongxin.accounts.tokens import issue_token
from tongxin.ledger import services as ledger
from tongxin.ledger.models import LedgerEntry, Status, Transition
from tongxin.regions.models import Region
from tongxin.reports import services
from tongxin.reports.models import IdempotencyKey, Report, Revision
from tongxin.units.models import Kind

DAY = dt.date(2021, 8, 2)
RACERS = 12


@pytest.fixture
def scene(divisions_back, transactional_db):  # noqa: F811 - the fixture imported above
    world = build_world()
    (version,) = services.load_builtin_forms()
    world.daily = services.create_assignment(
        world.hunan, form=version.form, issuer=world.province, region=Region.objects.get(code="430000"),
        name="养老机构疫情防控日报", deadline=dt.time(10), start_date=START, end_date=END,
        unit_kinds=[Kind.ELDERLY_CARE])
    return world


def api(user) -> APIClient:
    client = APIClient()
    _, key = issue_token(user, name="race")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def statuses(outcomes) -> list[int]:
    """The status of each answer; an exception that escaped the view counts as the 500 it would be, and
    a caller that did not answer in time as 0."""
    return sorted(0 if o is None else 500 if isinstance(o, Exception) else o.status_code for o in outcomes)


def seen(outcomes) -> list[str]:
    """Each answer's status and the start of its body (or the exception), for a failing assertion."""
    return [repr(o)[:300] if isinstance(o, Exception) or o is None else f"{o.status_code} {o.content[:200]!r}"
            for o in outcomes]


def test_simultaneous_filings_with_one_key_file_once_and_replay_the_rest(scene):
    client = api(scene.home_reporter)
    body = {"assignment": scene.daily.pk, "unit": scene.nanxian_home.pk, "day": DAY.isoformat(),
            "values": good_values()}
    outcomes = race(RACERS, lambda i: client.post(reverse("report-list"), body, format="json",
                                                  HTTP_IDEMPOTENCY_KEY="phone-1"))
    assert statuses(outcomes) == [200] * (RACERS - 1) + [201], seen(outcomes)
    assert Report.objects.count() == 1 and Revision.objects.count() == 1 and IdempotencyKey.objects.count() == 1
    assert {o.json()["id"] for o in outcomes} == {Report.objects.get().pk}


def test_simultaneous_filings_with_their_own_keys_file_once_and_refuse_the_rest_naming_day(scene):
    client = api(scene.home_reporter)
    body = {"assignment": scene.daily.pk, "unit": scene.nanxian_home.pk, "day": DAY.isoformat(),
            "values": good_values()}
    outcomes = race(RACERS, lambda i: client.post(reverse("report-list"), body, format="json",
                                                  HTTP_IDEMPOTENCY_KEY=f"phone-{i}"))
    assert statuses(outcomes) == [201] + [400] * (RACERS - 1), seen(outcomes)
    assert all("day" in o.json() for o in outcomes if o.status_code == 400)
    assert Report.objects.count() == 1 and Revision.objects.count() == 1


def test_simultaneous_corrections_with_one_key_correct_once_and_replay_the_rest(scene):
    report = services.submit_report(scene.hunan, assignment=scene.daily, unit=scene.nanxian_home, day=DAY,
                                    values=good_values(), now=at(DAY, 9)).report
    client, url = api(scene.home_reporter), reverse("report-correct", args=[report.pk])
    data = {"values": good_values(residents_in_care=90), "reason": "漏报"}
    outcomes = race(RACERS, lambda i: client.post(url, data, format="json", HTTP_IDEMPOTENCY_KEY="fix-1"))
    assert statuses(outcomes) == [200] * (RACERS - 1) + [201], seen(outcomes)
    assert Revision.objects.filter(report=report).count() == 2
    report.refresh_from_db()
    assert report.revision_count == 2 and report.values["residents_in_care"] == 90
    assert {o.json()["revision_count"] for o in outcomes} == {2}


def test_simultaneous_corrections_of_the_revision_seen_correct_once_and_the_rest_are_409(scene):
    report = services.submit_report(scene.hunan, assignment=scene.daily, unit=scene.nanxian_home, day=DAY,
                                    values=good_values(), now=at(DAY, 9)).report
    client, url = api(scene.home_reporter), reverse("report-correct", args=[report.pk])

    def correct(i):
        data = {"values": good_values(residents_in_care=90 + i), "reason": "漏报", "expected_revision": 1}
        return client.post(url, data, format="json", HTTP_IDEMPOTENCY_KEY=f"fix-{i}")

    outcomes = race(RACERS, correct)
    assert statuses(outcomes) == [201] + [409] * (RACERS - 1), seen(outcomes)
    assert all("已被他人更正" in o.json()["detail"] for o in outcomes if o.status_code == 409)
    assert Revision.objects.filter(report=report).count() == 2


def test_simultaneous_moves_of_one_ledger_entry_move_it_once_and_the_rest_are_409(scene):
    entry = ledger.open_entry(
        scene.nanxian, unit=scene.nanxian_home, source="supervision", category="fire", severity="major",
        description="疏散通道堆放杂物", found_on=DAY, deadline=DAY + dt.timedelta(days=7))
    client, url = api(scene.nanxian), reverse("ledger-entry-transition", args=[entry.pk])
    outcomes = race(RACERS, lambda i: client.post(url, {"name": "start", "comment": f"第 {i} 位",
                                                        "expected_status": "open"}, format="json"))
    assert statuses(outcomes) == [200] + [409] * (RACERS - 1), seen(outcomes)
    assert all("已被他人改为「整改中」" in o.json()["detail"] for o in outcomes if o.status_code == 409)
    assert LedgerEntry.objects.get(pk=entry.pk).status == Status.RECTIFYING
    assert Transition.objects.filter(entry=entry, name="start").count() == 1
