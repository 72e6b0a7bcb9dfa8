"""The demo's daily reports: 南县 files every day with zero cases, two homes late once, one missing
on 2021-08-02; the other counties file most days. Built once per module (twice, to prove
idempotence), rolled back afterwards."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.db.models import Count, Sum

from tongxin.demo import story
from tongxin.demo.reports import period
from tongxin.regions.models import Region
from tongxin.reports import queries, rollups
from tongxin.reports.models import Assignment, FieldRollup, FilingRollup, Report, Revision
from tongxin.units.models import Kind

pytestmark = pytest.mark.django_db

CASE_KEYS = ("suspected_residents", "suspected_staff", "confirmed_residents", "confirmed_staff")


@dataclass(frozen=True)
class Built:
    first: dict[str, int]
    second: dict[str, int]
    reports_after_first: int
    audit_after_first: int
    reports_after_second: int
    audit_after_second: int


@pytest.fixture
def built(demo_builds):
    return Built(demo_builds.first, demo_builds.second, demo_builds.after_first["reports"],
                 demo_builds.after_first["audit_events"], demo_builds.after_second["reports"],
                 demo_builds.after_second["audit_events"])


@pytest.fixture
def daily(built) -> Assignment:
    return Assignment.objects.get(name=story.REPORT_NAME, start_date=story.REPORT_START)


def nanxian_reports():
    """南县's reports of the 2021 story (the live drill files reports of its own)."""
    return Report.objects.filter(unit__region_id=story.NANXIAN, assignment__name=story.REPORT_NAME,
                                 assignment__start_date=story.REPORT_START)


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def test_the_province_issues_the_daily_report_to_every_home_of_hunan(daily):
    assert daily.issuer.name == story.PROVINCE_BUREAU and daily.region_id == story.PROVINCE_CODE
    assert daily.form.code == story.REPORT_FORM and daily.unit_kinds == [Kind.ELDERLY_CARE]
    assert (daily.frequency, daily.deadline) == (Assignment.Frequency.DAILY, dt.time(10, 0))
    assert (daily.start_date, daily.end_date) == (dt.date(2021, 7, 26), dt.date(2021, 8, 9))


def test_nanxian_expects_seventeen_homes(daily):
    table = queries.completeness(daily, region(story.NANXIAN), story.REPORT_START)
    assert table.total.expected == story.NANXIAN_HOME_COUNT == 17


def test_on_august_second_sixteen_nanxian_homes_filed_and_one_is_missing(daily):
    table = queries.completeness(daily, region(story.NANXIAN), dt.date(2021, 8, 2))
    assert (table.total.filed, table.total.missing) == (16, 1)
    assert table.total.late == 1  # so that day's overview shows on time, late and missing
    missing = queries.missing_units(daily, region(story.NANXIAN), dt.date(2021, 8, 2))
    assert [u.name for u in missing] == [story.NANXIAN_MISSING_HOME]


def test_two_nanxian_homes_file_late_once_over_the_period(daily):
    late = sum(queries.completeness(daily, region(story.NANXIAN), day).total.late for day in period())
    assert late == 2
    rows = nanxian_reports().filter(is_late=True).values_list("unit__name", "day")
    assert {(name, day) for name, day in rows} == {(n, d) for n, (d, _h, _m) in story.NANXIAN_LATE.items()}


def test_nanxian_files_every_other_day_of_the_period(daily):
    for day in period():
        missing = 1 if day == story.NANXIAN_MISSING_DAY else 0
        assert queries.completeness(daily, region(story.NANXIAN), day).total.missing == missing, day
    assert nanxian_reports().count() == 17 * 15 - 1


def test_every_nanxian_report_has_zero_cases(daily):
    for values in nanxian_reports().values_list("values", flat=True):
        assert all(values[key] == 0 for key in CASE_KEYS)
        assert values["closed_management"] is True
    for key in CASE_KEYS:
        row = FieldRollup.objects.filter(assignment=daily, region_code=story.NANXIAN, key=key).aggregate(
            total=Sum("total"), count=Sum("count"))
        assert row == {"total": 0, "count": 17 * 15 - 1}


def test_figures_are_plausible_for_each_home(daily):
    for report in Report.objects.filter(assignment=daily).select_related("unit"):
        v, home = report.values, report.unit
        assert abs(v["residents_in_care"] - home.residents) <= 4
        assert 1 <= v["staff_on_site"] <= home.staff
        assert v["residents_vaccinated"] + v["eligible_not_vaccinated"] <= v["residents_in_care"]
        assert v["mask_days"] > 0 and v["disinfectant_days"] > 0


def test_every_report_passes_the_forms_rules_now_including_staff_vaccinated_within_staff_on_site(daily):
    from tongxin.reports.definition import clean_values

    definition = daily.form.latest_version().definition
    assert any(r["expr"] == "staff_vaccinated <= staff_on_site" for r in definition["rules"])
    for values in Report.objects.filter(assignment=daily).values_list("values", flat=True):
        assert values["staff_vaccinated"] <= values["staff_on_site"]
        assert clean_values(definition, values)[1] == {}


def test_some_days_are_one_click_zero_reports_but_never_a_homes_first(daily):
    zero = nanxian_reports().filter(is_zero=True)
    assert zero.count() > 17
    assert not Report.objects.filter(assignment=daily, is_zero=True, day=story.REPORT_START).exists()
    assert not Revision.objects.filter(report__in=zero).exclude(is_zero=True).exists()


def test_the_first_nanxian_home_files_as_nanxian_home_01_and_the_others_as_the_system(daily):
    first = nanxian_reports().filter(unit__name=story.NANXIAN_HOMES[0].name)
    assert first.count() == 15
    assert set(Revision.objects.filter(report__in=first).values_list("filed_by__username", flat=True)) == {
        "nanxian-home-01"}
    others = Revision.objects.filter(report__assignment=daily).exclude(report__in=first)
    assert set(others.values_list("filed_by", flat=True)) == {None}


def test_reports_are_filed_in_the_morning_beijing_time(daily):
    for report in nanxian_reports().filter(is_late=False):
        local = report.first_filed_at.astimezone(dt.timezone(dt.timedelta(hours=8)))
        assert local.date() == report.day and 7 <= local.hour < 10


def test_other_counties_file_most_days_with_a_few_late_and_missing(daily):
    others = [code for code in story.COUNTY_HOMES]
    expected = filed = late = 0
    for code in others:
        for day in period():
            total = queries.completeness(daily, region(code), day).total
            expected, filed, late = expected + total.expected, filed + total.filed, late + total.late
    assert 0 < expected - filed <= expected * 0.06
    assert 0 < late <= expected * 0.08
    per_county = Report.objects.filter(assignment=daily, unit__region_id__in=others).values(
        "unit__region_id").annotate(n=Count("id"))
    assert len(per_county) == len(others)


def test_roll_ups_equal_a_rebuild(daily):
    def snapshot():
        return (sorted(FieldRollup.objects.values_list("assignment_id", "region_code", "day", "key", "total",
                                                       "count", "lowest", "highest")),
                sorted(FilingRollup.objects.values_list("assignment_id", "region_code", "day", "on_time", "late",
                                                        "zero")))

    kept = snapshot()
    rollups.rebuild()
    assert snapshot() == kept


def test_a_second_build_files_nothing(built):
    assert built.first["reports_filed"] == built.first["reports"]
    assert built.reports_after_first == built.first["reports"] + built.first["live_reports"]
    assert built.second["reports_filed"] == 0
    assert built.reports_after_second == built.reports_after_first
    assert built.audit_after_second == built.audit_after_first
