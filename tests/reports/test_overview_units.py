"""The overview opens where the user works and shows how the form adds up: the assignment issued at the
user's own level by default, a date picker that follows the chosen assignment, a county's every unit
with its state and report, and each key figure under its field's aggregate."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from tests.reports.conftest import END, START, at, good_values
from tests.world import IN_SERVICE_FROM
from tongxin.regions.models import Region
from tongxin.reports import services
from tongxin.units import services as unit_services
from tongxin.units.models import Kind

DAY = dt.date(2021, 8, 2)
URL = reverse("reports:overview")


def file(daily, unit, day=DAY, hh=9, zero=False, **values):
    if zero:
        return services.submit_report(None, assignment=daily, unit=unit, day=day, zero=True, now=at(day, hh))
    return services.submit_report(None, assignment=daily, unit=unit, day=day, values=good_values(**values),
                                  now=at(day, hh))


def view(client, daily, region, day=DAY, **extra):
    return client.get(URL, {"assignment": daily.pk, "region": region, "day": str(day), **extra})


def home(name: str, **kw):
    return unit_services.create_unit(None, name=name, kind=Kind.ELDERLY_CARE, region_id="430921",
                                     in_service_from=IN_SERVICE_FROM, **kw)


# --- a county's units --------------------------------------------------------------------------

def test_a_countys_overview_lists_every_unit_with_its_state_each_linking_to_its_report(world, daily, client_for):
    zero_home, late_home = home("南县茅草街镇敬老院"), home("南县武圣宫镇敬老院")
    on_time = file(daily, world.nanxian_home, hh=8)
    file(daily, zero_home, day=DAY - dt.timedelta(days=1))
    zero = file(daily, zero_home, zero=True)
    late = file(daily, late_home, hh=11)
    response = view(client_for(world.nanxian), daily, "430921")
    rows = {r["unit"].name: r for r in response.context["unit_list"]}
    assert {name: r["state"] for name, r in rows.items()} == {
        "南县福利院": "on_time", "南县南洲镇敬老院": "missing", "南县茅草街镇敬老院": "zero",
        "南县武圣宫镇敬老院": "late"}
    assert [r["state"] for r in response.context["unit_list"]][0] == "missing"  # who to chase comes first
    html = response.content.decode()
    for filing in (on_time, zero, late):
        assert f'href="{reverse("reports:detail", args=[filing.report.pk])}"' in html
    assert rows["南县南洲镇敬老院"]["url"] == ""
    assert f'href="{reverse("units:detail", args=[world.nanxian_home_2.pk])}"' in html
    assert rows["南县福利院"]["filed_at"].strftime("%H:%M") == "08:00"  # Beijing time
    tabs = {t["state"]: t["count"] for t in response.context["unit_tabs"]}
    assert tabs == {"": 4, "missing": 1, "late": 1, "zero": 1, "on_time": 1}
    assert tabs[""] == response.context["total"]["expected"]


def test_a_missing_unit_in_the_list_shows_its_contact_and_the_remind_button_stays(world, daily, client_for):
    file(daily, world.nanxian_home_2)
    response = view(client_for(world.nanxian), daily, "430921")
    (row,) = response.context["unit_list"][:1]
    assert row["unit"].name == "南县福利院" and row["state"] == "missing"
    html = response.content.decode()
    units_table = html[html.index('id="units-table"'):]
    assert "李敏" in units_table and 'href="tel:13807371234"' in units_table
    assert 'id="remind-form"' in html
    assert 'id="missing-table"' not in html and "state=missing#units" in html  # listed once, in the unit list


def test_the_unit_list_filters_by_state_and_pages_a_large_county(world, daily, client_for):
    for i in range(60):
        home(f"南县测试敬老院{i:02d}")
    file(daily, world.nanxian_home)
    client = client_for(world.nanxian)
    first = view(client, daily, "430921").context
    assert first["unit_total"] == 62 and len(first["unit_list"]) == 50 and first["unit_page"].paginator.num_pages == 2
    second = view(client, daily, "430921", page=2).context
    assert len(second["unit_list"]) == 12
    assert {r["unit"].name for r in second["unit_list"]} & {r["unit"].name for r in first["unit_list"]} == set()
    on_time = view(client, daily, "430921", state="on_time").context
    assert [r["unit"].name for r in on_time["unit_list"]] == ["南县福利院"]
    assert view(client, daily, "430921", state="bogus").context["unit_state"] == ""  # unknown: all, no 500
    assert view(client, daily, "430921", page="x").status_code == 200


def test_a_province_and_a_city_see_regions_not_units(world, daily, client_for):
    file(daily, world.nanxian_home)
    client = client_for(world.hunan)
    for code in ("430000", "430900"):
        response = view(client, daily, code)
        assert response.context["unit_list"] is None and 'id="units-table"' not in response.content.decode()
    assert view(client, daily, "430921").context["unit_list"]  # drilled down to the county: its units


def test_a_county_unit_list_shows_only_what_the_user_may_see(world, daily, client_for):
    assert view(client_for(world.cili), daily, "430921").status_code == 404
    names = {r["unit"].name for r in view(client_for(world.cili), daily, "430821").context["unit_list"]}
    assert names == {"慈利县零阳镇敬老院"}


# --- the default assignment and the date picker ------------------------------------------------

def county_assignment(world, daily, start=dt.date(2021, 8, 1)):
    return services.create_assignment(
        world.nanxian, form=daily.form, issuer=world.nanxian_bureau, region=Region.objects.get(code="430921"),
        name="南县养老机构加密日报", deadline=dt.time(9, 0), start_date=start, end_date=start + dt.timedelta(days=20),
        unit_kinds=[Kind.ELDERLY_CARE])


def test_the_province_officer_opens_on_the_provinces_assignment_not_a_later_countys(world, daily, client_for):
    county = county_assignment(world, daily)
    assert county.start_date > daily.start_date  # the county's is newer: it used to win
    assert client_for(world.hunan).get(URL).context["assignment"] == daily


def test_a_county_officer_opens_on_the_assignment_issued_at_the_county(world, daily, client_for):
    county = county_assignment(world, daily, start=dt.date(2021, 7, 1))  # older than the province's
    assert client_for(world.nanxian).get(URL).context["assignment"] == county
    assert client_for(world.cili).get(URL).context["assignment"] == daily  # not issued for 慈利: the province's


def test_a_response_running_today_comes_before_an_ended_one_issued_at_the_users_level(world, daily, client_for):
    county_assignment(world, daily, start=dt.date(2021, 7, 1))  # the county's own, long over
    today = dt.date.today()
    live = services.create_assignment(
        world.hunan, form=daily.form, issuer=daily.issuer, region=daily.region, name="冬季安全生产日报",
        deadline=dt.time(18, 0), start_date=today - dt.timedelta(days=7), end_date=today + dt.timedelta(days=30),
        unit_kinds=[Kind.ELDERLY_CARE])
    for officer in (world.nanxian, world.hunan, world.cili):
        assert client_for(officer).get(URL).context["assignment"] == live


def test_the_day_picker_carries_each_assignments_period_for_the_script(world, daily, client_for):
    county = county_assignment(world, daily)
    html = client_for(world.nanxian).get(URL, {"assignment": daily.pk}).content.decode()
    assert (f'value="{county.pk}" data-start="2021-08-01" data-end="2021-08-21"') in html
    assert f'value="{daily.pk}" data-start="{START}" data-end="{END}" selected' in html
    assert f'min="{START}" max="{END}"' in html


def test_without_javascript_a_day_outside_the_new_assignments_period_is_clamped_with_a_message(
        world, daily, client_for):
    county = county_assignment(world, daily)
    response = client_for(world.nanxian).get(URL, {"assignment": county.pk, "region": "430921",
                                                    "day": "2021-07-27"})  # a day of the old one
    assert response.context["day"] == county.start_date
    assert "不在报送期内" in response.content.decode() and 'min="2021-08-01"' in response.content.decode()


def test_the_overview_script_updates_the_pickers_limits():
    from pathlib import Path

    script = (Path(__file__).resolve().parents[2] / "tongxin/static/tongxin/overview.js").read_text()
    assert "data-start" in script and "day.min = start" in script and "day.max = end" in script


# --- key figures under their aggregate ---------------------------------------------------------

def test_stock_days_show_the_lowest_with_the_average_beside_it_and_sums_say_so(world, daily, client_for):
    file(daily, world.nanxian_home, mask_days=30)
    file(daily, world.nanxian_home_2, mask_days=11, residents_in_care=40, residents_vaccinated=30)
    response = view(client_for(world.nanxian), daily, "430921")
    figures = {k["key"]: k for k in response.context["key_figures"]}
    masks = figures["mask_days"]
    assert (masks["raw"], masks["aggregate"], masks["aggregate_label"]) == (11, "min", "最小")
    assert masks["others"] == [{"label": "平均", "value": "20.5"}]
    assert (figures["residents_in_care"]["raw"], figures["residents_in_care"]["aggregate_label"]) == (126, "合计")
    html = response.content.decode()
    assert ('<span class="text-truncate">口罩储备天数</span><span class="tx-aggregate flex-shrink-0">（最小）</span>'
            in html) and "平均 20.5" in html
    assert ('<span class="text-truncate">在院老人数</span><span class="tx-aggregate flex-shrink-0">（合计）</span>'
            in html)
