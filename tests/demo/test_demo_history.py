"""The demo's 2021-08-02 stays as it was (南县 94.1 %, 16 of 17; the province 96.8 %) when the
registry changes today: three new homes in 南县, a home closed, a home moved to 慈利县."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from tongxin.accounts.models import User
from tongxin.demo import story
from tongxin.regions.models import Region
from tongxin.reports import queries
from tongxin.reports.models import Assignment
from tongxin.units import services
from tongxin.units.models import Kind, Unit

pytestmark = pytest.mark.django_db

DAY = story.NANXIAN_MISSING_DAY  # 2021-08-02


@pytest.fixture
def daily(demo_builds) -> Assignment:
    return Assignment.objects.get(name=story.REPORT_NAME, start_date=story.REPORT_START)


def rate(daily, code: str) -> str:
    total = queries.completeness(daily, Region.objects.get(code=code), DAY).total
    return f"{total.rate * 100:.1f}%"


def missing(daily, code: str) -> list[str]:
    return [u.name for u in queries.missing_units(daily, Region.objects.get(code=code), DAY)]


def the_story(daily) -> tuple:
    return rate(daily, story.NANXIAN), rate(daily, story.PROVINCE_CODE), missing(daily, story.NANXIAN)


def test_the_story_day_reads_as_told(daily):
    assert the_story(daily) == ("94.1%", "96.8%", [story.NANXIAN_MISSING_HOME])
    table = queries.completeness(daily, Region.objects.get(code=story.NANXIAN), DAY)
    assert (table.total.filed, table.total.expected) == (16, 17)


def test_adding_three_homes_to_nanxian_today_leaves_august_second_unchanged(daily):
    officer = User.objects.get(username="nanxian")
    for name in ("南县厂窖镇敬老院", "南县华阁镇第二敬老院", "南县武圣宫镇敬老院"):
        services.create_unit(officer, name=name, kind=Kind.ELDERLY_CARE, region_id=story.NANXIAN)
    assert the_story(daily) == ("94.1%", "96.8%", [story.NANXIAN_MISSING_HOME])


def test_the_overview_page_still_shows_august_second_as_it_was(daily):
    officer = User.objects.get(username="nanxian")
    for name in ("南县厂窖镇敬老院", "南县华阁镇第二敬老院", "南县武圣宫镇敬老院"):
        services.create_unit(officer, name=name, kind=Kind.ELDERLY_CARE, region_id=story.NANXIAN)
    client = Client()
    client.force_login(officer)
    ctx = client.get(reverse("reports:overview"), {"assignment": daily.pk, "region": story.NANXIAN,
                                                   "day": DAY.isoformat()}).context
    assert (ctx["total"]["expected"], ctx["total"]["rate"]) == (17, "94.1%")
    assert [u.name for u in ctx["missing"]] == [story.NANXIAN_MISSING_HOME]


def test_closing_the_missing_home_today_leaves_it_missing_on_august_second(daily):
    home = Unit.objects.get(region_id=story.NANXIAN, name=story.NANXIAN_MISSING_HOME)
    services.close_unit(User.objects.get(username="nanxian"), home)
    assert the_story(daily) == ("94.1%", "96.8%", [story.NANXIAN_MISSING_HOME])


def test_moving_a_nanxian_home_to_cili_today_leaves_both_counties_past_unchanged(daily):
    cili_before = rate(daily, story.CILI), missing(daily, story.CILI)
    home = Unit.objects.get(region_id=story.NANXIAN, name=story.NANXIAN_HOMES[3].name)
    services.move_unit(User.objects.get(username="hunan"), home, region_code=story.CILI)
    assert the_story(daily) == ("94.1%", "96.8%", [story.NANXIAN_MISSING_HOME])
    assert (rate(daily, story.CILI), missing(daily, story.CILI)) == cili_before
    for day in (story.REPORT_START, story.REPORT_END, DAY - dt.timedelta(days=1)):
        nanxian = queries.completeness(daily, Region.objects.get(code=story.NANXIAN), day).total
        assert nanxian.expected == 17
