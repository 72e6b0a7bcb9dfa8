"""The bureaus' overview of 志愿服务: figures per child region read from the roll-up, totals that
are the sum of their rows, scope (own county, the province above, a stranger county, an
organisation's own staff), no personal data, the Beijing day, the page, its API and its panel."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse

from tests.mobilization import factories
from tongxin.mobilization.models import ActivityReport
from tongxin.mobilization.queries import overview as queries
from tongxin.mobilization.services import records, rollup
from tongxin.regions.models import Region

pytestmark = pytest.mark.django_db
DAY = dt.date(2021, 7, 30)
URL = "/mobilization/overview/"


def region(code: str) -> Region:
    return Region.objects.get(code=code)


@pytest.fixture
def story(world):
    """乐善 in 慈利县: a checkpoint with 2 of 3 people on 07-30 (one open), plus one post in 南县 too;
    南县福利院: a post short of people and an activity report of 3 people; a city-level post of 益阳市."""
    leshan_post = factories.post(world.leshan, "零阳镇高速路口卡点")
    s = factories.shift(leshan_post, DAY, 8, hours=4, needed=3)
    volunteers = [factories.person(world.leshan, f"乐善志愿者{i}", mobile=f"1380737100{i}") for i in range(2)]
    records.draft_for(factories.attendance(factories.assignment(s, volunteers[0]), hours="4.00"))
    factories.attendance(factories.assignment(s, volunteers[1]))  # still at the post: no hours yet
    away = factories.post(world.leshan, "南县支援点", region="430921")
    away_shift = factories.shift(away, DAY, 14, needed=1)
    records.draft_for(factories.attendance(factories.assignment(away_shift, volunteers[0]), hours="3.50"))
    home_post = factories.post(world.nanxian_home, "南县福利院门口卡点")
    factories.shift(home_post, DAY, 8, needed=2)
    ActivityReport.objects.create(unit=world.nanxian_home, day=DAY, title="送餐", content="送餐上门", volunteers=3)
    city_post = factories.post(world.yiyang, "益阳市区应急点", region="430900")
    records.draft_for(factories.attendance(factories.assignment(factories.shift(city_post, DAY, 9, needed=1),
                                                                factories.person(world.yiyang, "市局志愿者")),
                                           hours="1.00"))
    for unit in (world.leshan, world.nanxian_home, world.yiyang):
        rollup.refresh(unit.pk, DAY)
    return world


def by_name(o: queries.Overview) -> dict[str, queries.Figures]:
    return {r.name: r.figures for r in o.rows}


def assert_adds_up(o: queries.Overview) -> None:
    for name in queries.FIGURES:
        assert getattr(o.total, name) == sum(getattr(r.figures, name) for r in o.rows), name


def test_the_province_sees_every_city_and_the_total_is_the_sum_of_the_rows(story):
    o = queries.overview(story.hunan, region("430000"), DAY)
    assert_adds_up(o)
    rows = by_name(o)
    assert len(o.rows) == Region.objects.filter(parent_id="430000").count()
    assert (rows["张家界市"].people, rows["张家界市"].hours, rows["张家界市"].posts_unfilled) == (2, Decimal("4.00"), 1)
    益阳 = rows["益阳市"]
    assert (益阳.people, 益阳.hours, 益阳.posts, 益阳.posts_unfilled) == (2, Decimal("4.50"), 3, 1)
    assert (益阳.activity_reports, 益阳.reported_people, 益阳.organisations) == (1, 3, 3)
    assert o.total.organisations == 4 and o.organisations_distinct == 3  # 乐善 in two cities counts in each


def test_a_city_shows_its_counties_and_its_own_level(story):
    o = queries.overview(story.hunan, region("430900"), DAY)
    assert_adds_up(o)
    rows = {r.name: r for r in o.rows}
    assert rows["南县"].figures.people == 1 and rows["南县"].figures.reported_people == 3
    own = [r for r in o.rows if r.own_level]
    assert len(own) == 1 and own[0].figures.hours == Decimal("1.00")


def test_a_county_shows_its_units(story):
    o = queries.overview(story.nanxian, region("430921"), DAY)
    assert_adds_up(o)
    assert {r.name: (r.figures.people, r.figures.posts_unfilled) for r in o.rows} == {
        "慈利县乐善社会工作服务中心": (1, 0), "南县福利院": (0, 1)}


def test_a_stranger_county_sees_none_of_another_countys_rows(story):
    assert not queries.visible_rows(story.cili, region("430000"), DAY, DAY).filter(region_code="430921").exists()
    assert queries.overview(story.cili, region("430821"), DAY).total.people == 2


def test_a_stranger_county_gets_404_for_another_county_page(story, client_for):
    assert client_for(story.cili).get(URL, {"region": "430921", "day": DAY.isoformat()}).status_code == 404
    assert client_for(story.nanxian).get(URL, {"region": "430821"}).status_code == 404


def test_an_organisations_staff_see_only_their_own_rows(story, client_for):
    o = queries.overview(story.leshan_staff, region("430000"), DAY)
    assert (o.total.people, o.total.posts, o.total.organisations) == (3, 2, 2)
    page = client_for(story.leshan_staff).get(URL, {"day": DAY.isoformat()})
    assert page.status_code == 200 and page.context["region"].code == "430821"
    body = page.content.decode()
    assert "慈利县乐善社会工作服务中心" in body and "南县福利院" not in body and "仅显示本单位的数据" in body


def test_the_page_shows_the_rows_the_total_and_the_charts_but_no_personal_data(story, client_for):
    page = client_for(story.hunan).get(URL, {"region": "430900", "day": DAY.isoformat()})
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="children-table"' in body and 'id="overview-data"' in body and "echarts.min.js" in body
    assert page.context["total"]["people"] == 2 and page.context["total"]["hours"] == Decimal("4.50")
    assert len(page.context["chart_data"]["days"]) == 14  # a fortnight up to the day
    for secret in ("乐善志愿者0", "13807371000", "市局志愿者"):
        assert secret not in body


def test_a_range_adds_day_by_day_and_charts_each_day(story, client_for):
    page = client_for(story.hunan).get(URL, {"region": "430000", "day": "2021-07-29", "until": "2021-07-31"})
    assert page.context["is_range"] and page.context["chart_data"]["days"] == ["07-29", "07-30", "07-31"]
    assert page.context["chart_data"]["trends"][0]["values"] == [0, 4, 0]
    assert "到岗人次" in page.content.decode()


def test_a_bad_day_falls_back_to_today_with_words(story, client_for):
    page = client_for(story.hunan).get(URL, {"day": "2021-13-40"})
    assert page.status_code == 200 and "无法识别" in page.content.decode()


def test_today_is_the_beijing_day_just_after_midnight(story, client_for):
    # 16:30 UTC on 07-29 is 00:30 on 07-30 in Beijing: "today" is 07-30 and its figures show
    with mock.patch("django.utils.timezone.now", return_value=dt.datetime(2021, 7, 29, 16, 30, tzinfo=dt.UTC)):
        page = client_for(story.hunan).get(URL)
    assert page.context["since"] == DAY and page.context["total"]["people"] == 4
    with mock.patch("django.utils.timezone.now", return_value=dt.datetime(2021, 7, 29, 15, 59, tzinfo=dt.UTC)):
        page = client_for(story.hunan).get(URL)
    assert page.context["since"] == dt.date(2021, 7, 29) and page.context["total"]["people"] == 0


def test_an_administrator_gets_words_not_figures(story, client_for):
    page = client_for(story.sysadmin).get(URL)
    assert page.status_code == 200 and 'id="overview-empty"' in page.content.decode()


def test_the_api_gives_the_same_figures_scoped(story, api_for):
    answer = api_for(story.nanxian).get("/api/mobilization/overview/", {"region": "430921", "day": DAY.isoformat()})
    assert answer.status_code == 200
    data = answer.json()
    assert data["total"]["people"] == 1 and data["total"]["reported_people"] == 3
    assert sum(r["figures"]["posts_unfilled"] for r in data["rows"]) == data["total"]["posts_unfilled"] == 1
    assert "乐善志愿者0" not in answer.content.decode()
    assert api_for(story.cili).get("/api/mobilization/overview/", {"region": "430921"}).status_code == 404
    bad = api_for(story.nanxian).get("/api/mobilization/overview/", {"day": "7/30"})
    assert bad.status_code == 400 and "day" in bad.json().get("errors", bad.json())


def test_the_api_is_in_the_openapi_schema(world, client_for):
    schema = client_for(world.hunan).get("/api/schema/")
    assert schema.status_code == 200 and "mobilization_overview" in schema.content.decode()


def test_the_reports_overview_shows_the_volunteer_panel_for_the_day(story, client_for):
    with mock.patch("django.utils.timezone.now", return_value=dt.datetime(2021, 7, 30, 4, 0, tzinfo=dt.UTC)):
        page = client_for(story.hunan).get(reverse("reports:overview"), {"region": "430900"})
    body = page.content.decode()
    assert 'id="deployment-panel"' in body and "到岗 2 人" in body and "未排满岗位 1 / 3" in body
