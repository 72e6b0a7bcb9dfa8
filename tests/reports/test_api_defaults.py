"""The completeness and roll-up APIs default to the caller's top region, today, and the one active
assignment; when the assignment (or the region) is not one, the 400 says which to choose from."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.reports.conftest import good_values
from tongxin.regions.models import Region
from tongxin.reports import services
from tongxin.units.models import Kind

COMPLETENESS, MISSING, ROLLUPS = reverse("completeness-list"), reverse("completeness-missing"), reverse("rollup-list")


@pytest.fixture
def live(world):
    """A daily report running today (the story's ended in 2021)."""
    (version,) = services.load_builtin_forms()
    today = timezone.localdate()
    return services.create_assignment(
        world.hunan, form=version.form, issuer=world.province, region=Region.objects.get(code="430000"),
        name="冬季安全日报", deadline=dt.time(23, 59), start_date=today - dt.timedelta(days=7),
        end_date=today + dt.timedelta(days=30), unit_kinds=[Kind.ELDERLY_CARE])


def test_with_no_parameters_completeness_is_todays_for_the_callers_county_and_the_one_active_assignment(
        world, live, api_for):
    services.submit_report(world.nanxian, assignment=live, unit=world.nanxian_home, day=timezone.localdate(),
                           values=good_values())
    response = api_for(world.nanxian).get(COMPLETENESS)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["assignment"] == live.pk and body["day"] == timezone.localdate().isoformat()
    assert body["total"]["region"] == "430921"
    assert (body["total"]["expected"], body["total"]["on_time"], body["total"]["missing"]) == (2, 1, 1)
    missing = api_for(world.nanxian).get(MISSING).json()["results"]
    assert [u["name"] for u in missing] == ["南县南洲镇敬老院"]
    assert api_for(world.hunan).get(COMPLETENESS).json()["total"]["region"] == "430000"


def test_with_no_parameters_rollups_are_todays(world, live, api_for):
    services.submit_report(world.nanxian, assignment=live, unit=world.nanxian_home, day=timezone.localdate(),
                           values=good_values(mask_days=9))
    response = api_for(world.nanxian).get(ROLLUPS, {"key": "mask_days"})
    assert response.status_code == 200, response.json()
    (row,) = response.json()["results"]
    assert row["day"] == timezone.localdate().isoformat() and row["aggregates"] == {"min": 9, "avg": 9}


def test_two_active_assignments_are_a_400_naming_both(world, live, api_for):
    other = services.create_assignment(
        world.nanxian, form=live.form, issuer=world.nanxian_bureau, region=Region.objects.get(code="430921"),
        name="南县加密日报", deadline=dt.time(9, 0), start_date=live.start_date, end_date=live.end_date)
    for url in (COMPLETENESS, ROLLUPS):
        response = api_for(world.nanxian).get(url)
        assert response.status_code == 400
        (message,) = response.json()["assignment"]
        assert "多个进行中的报送任务" in message and f"{live.pk}（冬季安全日报）" in message
        assert f"{other.pk}（南县加密日报）" in message
    chosen = api_for(world.nanxian).get(COMPLETENESS, {"assignment": other.pk})
    assert chosen.status_code == 200 and chosen.json()["assignment"] == other.pk


def test_no_active_assignment_is_a_400_that_says_so(world, daily, api_for):
    response = api_for(world.nanxian).get(COMPLETENESS)
    assert response.status_code == 400
    assert "没有进行中的报送任务" in response.json()["assignment"][0]
    assert api_for(world.nanxian).get(COMPLETENESS, {"assignment": daily.pk, "day": "2021-08-02"}).status_code == 200


def test_a_caller_without_a_bureau_must_name_the_region(world, live, api_for):
    response = api_for(world.home_reporter).get(COMPLETENESS, {"assignment": live.pk})
    assert response.status_code == 400 and "region" in response.json()


def test_a_default_never_widens_scope(world, live, api_for):
    assert api_for(world.cili).get(COMPLETENESS).json()["total"]["region"] == "430821"
    assert api_for(world.cili).get(COMPLETENESS, {"region": "430921"}).status_code == 404


def test_english_callers_get_the_message_in_english(world, live, api_for):
    services.create_assignment(
        world.nanxian, form=live.form, issuer=world.nanxian_bureau, region=Region.objects.get(code="430921"),
        name="南县加密日报", deadline=dt.time(9, 0), start_date=live.start_date, end_date=live.end_date)
    response = api_for(world.nanxian).get(COMPLETENESS, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "Several" in response.json()["assignment"][0]
