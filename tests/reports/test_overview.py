"""The overview (总览): completeness by region with drill-down, key and derived figures from the
roll-ups, the missing units and 催报, scope, and bad input that never ends in a 500."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.reports.conftest import END, START, at, good_values
from tongxin.accounts.services import create_user
from tongxin.core.models import Notification
from tongxin.reports import services
from tongxin.units.models import Role
from tongxin.units.services import grant_role

DAY = dt.date(2021, 8, 2)
URL = reverse("reports:overview")


def file(world, daily, unit, day=DAY, hh=9, **values):
    return services.submit_report(world.hunan, assignment=daily, unit=unit, day=day, values=good_values(**values),
                                  now=at(day, hh))


def view(client, daily, region="430000", day=DAY, **extra):
    params = {"assignment": daily.pk, "region": region, "day": str(day), **extra}
    return client.get(URL, {k: v for k, v in params.items() if v is not None})


@pytest.fixture
def filed(world, daily):
    """On DAY: 南县福利院 on time, 慈利县零阳镇敬老院 late, 南县南洲镇敬老院 missing."""
    file(world, daily, world.nanxian_home)
    file(world, daily, world.cili_home, hh=11)
    return daily


def test_province_completeness_counts_on_time_late_and_missing(world, filed, client_for):
    ctx = view(client_for(world.hunan), filed).context
    total = ctx["total"]
    assert (total["expected"], total["on_time"], total["late"], total["missing"]) == (3, 1, 1, 1)
    assert total["rate"] == "66.7%"


def test_province_child_rows_add_up_to_the_total(world, filed, client_for):
    ctx = view(client_for(world.hunan), filed).context
    rows = {r["name"]: r for r in ctx["rows"]}
    assert set(rows) == {"益阳市", "张家界市"}
    for key in ("expected", "on_time", "late", "missing"):
        assert sum(r[key] for r in ctx["rows"]) == ctx["total"][key]
    assert (rows["益阳市"]["on_time"], rows["益阳市"]["missing"]) == (1, 1)
    assert (rows["张家界市"]["late"], rows["张家界市"]["missing"]) == (1, 0)


def test_drill_down_from_province_to_yiyang_to_nanxian(world, filed, client_for):
    client = client_for(world.hunan)
    province = view(client, filed).context
    yiyang_url = next(r["url"] for r in province["rows"] if r["name"] == "益阳市")
    yiyang = client.get(yiyang_url).context
    assert yiyang["region"].code == "430900"
    assert [(r["name"], r["expected"], r["on_time"], r["missing"]) for r in yiyang["rows"]] == [("南县", 2, 1, 1)]
    nanxian_url = yiyang["rows"][0]["url"]
    response = client.get(nanxian_url)
    nanxian = response.context
    assert (nanxian["total"]["expected"], nanxian["total"]["on_time"], nanxian["total"]["missing"]) == (2, 1, 1)
    assert nanxian["rows"] == []  # a county has no child regions: its units are in the missing list
    assert [c["name"] for c in nanxian["crumbs"]] == ["湖南省", "益阳市", "南县"]


def test_missing_list_names_the_home_that_did_not_file(world, filed, client_for):
    response = view(client_for(world.nanxian), filed, region="430921")
    assert [u.name for u in response.context["missing"]] == ["南县南洲镇敬老院"]
    assert response.context["missing_total"] == 1


def test_missing_list_gives_the_contact_and_a_phone_link(world, daily, client_for):
    file(world, daily, world.nanxian_home_2)
    response = view(client_for(world.nanxian), daily, region="430921")
    assert "李敏" in response.content.decode()
    assert 'href="tel:13807371234"' in response.content.decode()


def test_stranger_county_officer_gets_404_for_nanxian(world, filed, client_for):
    assert view(client_for(world.cili), filed, region="430921").status_code == 404


def test_county_officer_gets_404_for_the_province_above(world, filed, client_for):
    assert view(client_for(world.nanxian), filed, region="430000").status_code == 404


def test_cili_officer_sees_own_county_by_default(world, filed, client_for):
    response = client_for(world.cili).get(URL, {"day": DAY.isoformat()})
    assert response.status_code == 200
    ctx = response.context
    assert ctx["region"].name == "慈利县" and ctx["assignment"] == filed
    assert (ctx["total"]["expected"], ctx["total"]["late"], ctx["total"]["missing"]) == (1, 1, 0)
    assert [c["name"] for c in ctx["crumbs"]] == ["慈利县"]


def test_default_day_is_today_clamped_into_the_period(world, daily, client_for):
    ctx = client_for(world.nanxian).get(URL).context
    assert ctx["region"].code == "430921" and ctx["assignment"] == daily
    assert ctx["day"] == END  # the story's period is long past


def test_key_figure_shows_the_change_since_yesterday(world, daily, client_for):
    yesterday = DAY - dt.timedelta(days=1)
    file(world, daily, world.nanxian_home, day=yesterday, residents_in_care=86)
    file(world, daily, world.nanxian_home_2, day=yesterday, residents_in_care=50, residents_vaccinated=40)
    file(world, daily, world.nanxian_home, residents_in_care=90)
    file(world, daily, world.nanxian_home_2, residents_in_care=50, residents_vaccinated=40)
    response = view(client_for(world.nanxian), daily, region="430921")
    figure = next(k for k in response.context["key_figures"] if k["key"] == "residents_in_care")
    assert (figure["raw"], figure["raw_change"]) == (140, 4)
    assert figure["change"]["text"] == "▲4"
    assert "▲4" in response.content.decode()


def test_key_figure_without_yesterday_shows_no_change(world, daily, client_for):
    file(world, daily, world.nanxian_home, day=START)
    figure = view(client_for(world.nanxian), daily, region="430921", day=START).context["key_figures"][0]
    assert figure["raw"] == 86 and figure["raw_change"] is None and figure["change"]["text"] == "—"


def test_vaccination_coverage_is_the_ratio_of_the_two_sums(world, daily, client_for):
    file(world, daily, world.nanxian_home, residents_in_care=86, residents_vaccinated=70)
    file(world, daily, world.nanxian_home_2, residents_in_care=50, residents_vaccinated=40)
    derived = {d["key"]: d for d in view(client_for(world.nanxian), daily, region="430921").context["derived"]}
    assert float(derived["vaccination_coverage"]["raw"]) == pytest.approx(110 / 136)
    assert derived["vaccination_coverage"]["value"] == "80.9%"
    assert derived["vaccination_coverage"]["detail"] == "110 / 136"


def test_closed_management_coverage_counts_the_homes_that_reported(world, daily, client_for):
    file(world, daily, world.nanxian_home, closed_management=True)
    file(world, daily, world.nanxian_home_2, closed_management=False, closure_exception_reason="新建院区尚未启用")
    derived = {d["key"]: d for d in view(client_for(world.nanxian), daily, region="430921").context["derived"]}
    assert derived["closed_coverage"]["value"] == "50.0%"


def _streak(client, daily, day=DAY):
    derived = view(client, daily, region="430921", day=day).context["derived"]
    return next(d["raw"] for d in derived if d["key"] == "zero_infection_days")


def test_zero_infection_streak_counts_from_the_period_start(world, daily, client_for):
    for i in range((DAY - START).days + 1):
        file(world, daily, world.nanxian_home, day=START + dt.timedelta(days=i))
    assert _streak(client_for(world.nanxian), daily) == 8  # 07-26 .. 08-02


def test_zero_infection_streak_restarts_after_a_confirmed_case(world, daily, client_for):
    case_day = dt.date(2021, 7, 30)
    for i in range((DAY - START).days + 1):
        day = START + dt.timedelta(days=i)
        file(world, daily, world.nanxian_home, day=day, confirmed_residents=1 if day == case_day else 0)
    client = client_for(world.nanxian)
    assert _streak(client, daily) == 3  # 07-31, 08-01, 08-02
    assert _streak(client, daily, day=case_day) == 0
    assert _streak(client, daily, day=case_day - dt.timedelta(days=1)) == 4


def test_overview_reads_no_reports_except_the_missing_units_anti_join(world, filed, client_for):
    client = client_for(world.hunan)
    for region in ("430000", "430900", "430921"):
        with CaptureQueriesContext(connection) as queries:
            assert view(client, filed, region=region).status_code == 200
        touching = [q["sql"] for q in queries.captured_queries if '"reports_report"' in q["sql"]]
        assert touching, "the missing-units list should be read"
        for sql in touching:
            assert sql.lstrip().upper().startswith('SELECT') and 'FROM "units_unit"' in sql and "NOT" in sql, sql


def test_chart_data_reaches_the_page_as_json(world, filed, client_for):
    html = view(client_for(world.hunan), filed).content.decode()
    start = html.index('id="overview-data"')
    blob = html[html.index(">", start) + 1:html.index("</script>", start)]
    data = json.loads(blob)
    assert [c["name"] for c in data["children"]] == ["张家界市", "益阳市"]  # by region code
    assert data["trends"][0]["id"] == "rate" and data["trends"][0]["values"][-1] == pytest.approx(66.7)
    assert "echarts" in html


def _reporter_of_the_second_home(world):
    user = create_user(None, username="nanzhou-01", password="Tongxin#2021", check_password=False)
    grant_role(None, user, world.nanxian_home_2, Role.REPORTER)
    return user


def test_remind_notifies_the_missing_homes_reporters(world, filed, client_for):
    reporter = _reporter_of_the_second_home(world)
    response = client_for(world.nanxian).post(
        reverse("reports:remind"), {"assignment": filed.pk, "region": "430921", "day": DAY.isoformat(), "confirm": "1"},
        follow=True)
    assert response.status_code == 200
    assert "1 个未报单位" in response.content.decode()
    assert Notification.objects.filter(recipient=reporter, key="reports.reminder").count() == 1
    assert not Notification.objects.filter(recipient=world.home_reporter).exists()


def test_a_reporter_cannot_remind(world, filed, client_for):
    _reporter_of_the_second_home(world)
    response = client_for(world.home_reporter).post(
        reverse("reports:remind"), {"assignment": filed.pk, "region": "430921", "day": DAY.isoformat()})
    assert response.status_code in (403, 404)
    assert not Notification.objects.exists()


def test_a_stranger_county_cannot_remind_nanxian(world, filed, client_for):
    response = client_for(world.cili).post(
        reverse("reports:remind"), {"assignment": filed.pk, "region": "430921", "day": DAY.isoformat()})
    assert response.status_code == 404


def test_remind_by_get_only_asks_for_confirmation(world, filed, client_for):
    _reporter_of_the_second_home(world)
    response = client_for(world.nanxian).get(
        reverse("reports:remind"), {"assignment": filed.pk, "region": "430921", "day": DAY.isoformat()})
    assert response.status_code == 200 and "确认催报" in response.content.decode()
    assert not Notification.objects.exists()


def test_remind_button_shows_for_officers_and_the_overview_is_not_for_the_auditor(world, filed, client_for):
    assert view(client_for(world.nanxian), filed, region="430921").context["can_remind"] is True
    auditor = view(client_for(world.auditor), filed, region="430921")
    assert auditor.status_code == 302 and auditor["Location"] == reverse("reports:today")


@pytest.mark.parametrize("bad_day", ["2021-13-45", "yesterday", "2021-8-2x"])
def test_a_bad_day_falls_back_with_a_message(world, filed, client_for, bad_day):
    response = view(client_for(world.nanxian), filed, region="430921", day=bad_day)
    assert response.status_code == 200
    assert response.context["day"] == END
    assert "无法识别" in response.content.decode()


def test_a_day_outside_the_period_is_moved_into_it(world, filed, client_for):
    response = view(client_for(world.nanxian), filed, region="430921", day=dt.date(2021, 7, 1))
    assert response.context["day"] == START
    assert "不在报送期内" in response.content.decode()


@pytest.mark.parametrize("bad", ["abc", "999999", "-1"])
def test_a_bad_assignment_falls_back_to_the_default(world, filed, client_for, bad):
    response = view(client_for(world.nanxian), filed, region="430921", assignment=bad)
    assert response.status_code == 200
    assert response.context["assignment"] == filed
    assert "找不到报送任务" in response.content.decode()


@pytest.mark.parametrize("bad", ["431", "abcdef", "999999"])
def test_a_malformed_or_unknown_region_is_400_with_words(world, filed, client_for, bad):
    response = view(client_for(world.hunan), filed, region=bad)
    assert response.status_code == 400
    assert "区划代码" in response.content.decode()


def test_a_home_reporter_is_sent_to_filing_not_the_overview(world, filed, client_for):
    assert client_for(world.home_reporter).get(URL).status_code in (302, 404)


def test_anonymous_visitor_is_asked_to_sign_in(world, filed, client):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_overview_links_to_the_days_tables_and_batch(world, daily, client_for):
    from django.urls import reverse

    html = client_for(world.nanxian).get(reverse("reports:overview"), {
        "assignment": daily.pk, "region": "430921", "day": "2021-08-02"}).content.decode()
    assert reverse("reports:table") in html  # on screen, with the xlsx and CSV a click away
    assert reverse("reports:batch-upload") in html
    auditor_html = client_for(world.hunan).get(reverse("reports:overview"), {
        "assignment": daily.pk, "region": "430000", "day": "2021-08-02"}).content.decode()
    assert reverse("reports:export-units", args=["csv"]) in auditor_html
