"""History stays true: adding, closing or moving a unit never rewrites a past day's expected count,
completeness or missing list; a moved unit's past reports stay where they were filed."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reports.conftest import START, at, good_values
from tongxin.regions.models import Region
from tongxin.reports import queries, rollups, services
from tongxin.reports.models import FieldRollup, FilingRollup, Report
from tongxin.units import services as unit_services
from tongxin.units.models import Kind, Unit

DAY = dt.date(2021, 8, 2)
MOVE_DAY = dt.date(2021, 8, 4)
PROVINCE, YIYANG, NANXIAN, ZHANGJIAJIE, CILI = "430000", "430900", "430921", "430800", "430821"


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def file(daily, unit: Unit, day: dt.date, hh: int = 9, **values) -> services.Filing:
    return services.submit_report(None, assignment=daily, unit=Unit.objects.get(pk=unit.pk), day=day,
                                  values=good_values(**values), now=at(day, hh))


def figures(daily, code: str, day: dt.date):
    """What a reader of `code` on `day` sees: expected, on time, late, zero, and who is missing."""
    table = queries.completeness(daily, region(code), day)
    t = table.total
    missing = sorted(u.name for u in queries.missing_units(daily, region(code), day))
    return (t.expected, t.on_time, t.late, t.zero, missing)


def test_adding_three_homes_to_nanxian_today_leaves_a_past_day_unchanged(world, daily):
    file(daily, world.nanxian_home, DAY)
    file(daily, world.cili_home, DAY, hh=11)
    before = {code: figures(daily, code, DAY) for code in (NANXIAN, PROVINCE)}
    assert before[NANXIAN] == (2, 1, 0, 0, ["南县南洲镇敬老院"])  # 1 of 2: 50 %
    assert before[PROVINCE][:3] == (3, 1, 1)
    for name in ("南县厂窖镇敬老院", "南县华阁镇敬老院", "南县武圣宫镇敬老院"):
        unit_services.create_unit(world.nanxian, name=name, kind=Kind.ELDERLY_CARE, region_id=NANXIAN)
    assert {code: figures(daily, code, DAY) for code in (NANXIAN, PROVINCE)} == before
    assert queries.completeness(daily, region(NANXIAN), DAY).total.rate == 0.5


def test_homes_added_today_are_expected_from_today(world, daily):
    assert queries.expected_count(daily, region(NANXIAN), DAY) == 2
    new = unit_services.create_unit(None, name="南县厂窖镇敬老院", kind=Kind.ELDERLY_CARE, region_id=NANXIAN,
                                    in_service_from=MOVE_DAY)
    assert queries.expected_count(daily, region(NANXIAN), MOVE_DAY - dt.timedelta(days=1)) == 2
    assert queries.expected_count(daily, region(NANXIAN), MOVE_DAY) == 3
    assert new.name in [u.name for u in queries.missing_units(daily, region(NANXIAN), MOVE_DAY)]


def test_closing_a_unit_leaves_past_days_and_drops_it_from_the_days_after(world, daily):
    file(daily, world.nanxian_home_2, DAY)
    before = figures(daily, NANXIAN, DAY)
    unit_services.close_unit(None, world.nanxian_home_2, day=MOVE_DAY)
    assert figures(daily, NANXIAN, DAY) == before
    assert figures(daily, NANXIAN, MOVE_DAY - dt.timedelta(days=1))[0] == 2
    assert figures(daily, NANXIAN, MOVE_DAY) == (1, 0, 0, 0, ["南县福利院"])
    assert figures(daily, PROVINCE, MOVE_DAY)[0] == 2


def test_a_unit_closed_today_leaves_every_day_of_the_story_unchanged(world, daily):
    file(daily, world.nanxian_home, DAY)
    before = {d: figures(daily, NANXIAN, d) for d in (START, DAY)}
    unit_services.close_unit(world.nanxian, world.nanxian_home_2)
    assert {d: figures(daily, NANXIAN, d) for d in (START, DAY)} == before


def test_moving_a_unit_from_nanxian_to_cili_leaves_past_days_of_both_and_counts_it_in_cili_from_the_move_on(
        world, daily):
    home = world.nanxian_home_2
    file(daily, home, DAY)
    file(daily, world.cili_home, DAY)
    codes = (NANXIAN, YIYANG, CILI, ZHANGJIAJIE, PROVINCE)
    before = {code: figures(daily, code, DAY) for code in codes}
    unit_services.move_unit(None, home, region_code=CILI, day=MOVE_DAY)
    assert {code: figures(daily, code, DAY) for code in codes} == before
    assert before[NANXIAN] == (2, 1, 0, 0, ["南县福利院"]) and before[CILI][:2] == (1, 1)
    after = MOVE_DAY
    assert figures(daily, NANXIAN, after) == (1, 0, 0, 0, ["南县福利院"])
    assert figures(daily, CILI, after) == (2, 0, 0, 0, ["南县南洲镇敬老院", "慈利县零阳镇敬老院"])
    file(daily, home, after)
    assert figures(daily, CILI, after)[:2] == (2, 1) and figures(daily, NANXIAN, after)[:2] == (1, 0)
    assert figures(daily, PROVINCE, after)[:2] == (3, 1)


def test_a_moved_units_past_correction_stays_in_the_county_it_was_filed_in(world, daily):
    home = world.nanxian_home_2
    report = file(daily, home, DAY, residents_in_care=80)
    unit_services.move_unit(world.hunan, home, region_code=CILI)
    services.correct_report(None, Report.objects.get(pk=report.report.pk), values=good_values(residents_in_care=85),
                            reason="更正", now=at(DAY, 15))
    series = queries.figures(daily, region(NANXIAN), [DAY], ["residents_in_care"])
    assert series["residents_in_care"][DAY][0] == 85
    assert queries.figures(daily, region(CILI), [DAY], ["residents_in_care"]) == {}
    assert figures(daily, NANXIAN, DAY)[:2] == (2, 1)
    incremental = rollup_rows()
    rollups.rebuild()
    assert rollup_rows() == incremental


def test_todays_filing_moves_with_the_unit(world, daily):
    """A home filed this morning in 南县 and moves to 慈利县 in the afternoon: today counts in 慈利县."""
    home = world.nanxian_home_2
    file(daily, home, MOVE_DAY)
    unit_services.move_unit(None, home, region_code=CILI, day=MOVE_DAY)
    assert figures(daily, CILI, MOVE_DAY)[:2] == (2, 1)
    assert figures(daily, NANXIAN, MOVE_DAY)[:2] == (1, 0)
    assert figures(daily, ZHANGJIAJIE, MOVE_DAY)[:2] == (2, 1) and figures(daily, YIYANG, MOVE_DAY)[:2] == (1, 0)
    assert figures(daily, PROVINCE, MOVE_DAY)[:2] == (3, 1)
    incremental = rollup_rows()
    rollups.rebuild()
    assert rollup_rows() == incremental


def test_the_filing_trend_counts_each_day_with_its_own_units(world, daily):
    unit_services.create_unit(None, name="南县厂窖镇敬老院", kind=Kind.ELDERLY_CARE, region_id=NANXIAN,
                              in_service_from=MOVE_DAY)
    unit_services.close_unit(None, world.nanxian_home_2, day=MOVE_DAY + dt.timedelta(days=1))
    days = [MOVE_DAY - dt.timedelta(days=1), MOVE_DAY, MOVE_DAY + dt.timedelta(days=1)]
    trend = queries.filing_trend(daily, region(NANXIAN), days)
    assert [d.expected for d in trend] == [2, 3, 2]


def rollup_rows():
    fields = {(r.assignment_id, r.region_code, r.day, r.key): (r.total, r.count, r.lowest, r.highest)
              for r in FieldRollup.objects.all() if r.count or r.total}
    filings = {(r.assignment_id, r.region_code, r.day): (r.on_time, r.late, r.zero)
               for r in FilingRollup.objects.all() if r.on_time or r.late or r.zero}
    return fields, filings


# --- the property: a day that is over never changes --------------------------------------------

COUNTIES = (NANXIAN, CILI)
READ = (PROVINCE, YIYANG, NANXIAN, ZHANGJIAJIE, CILI)

op = st.tuples(
    st.booleans(),                                               # the day ends before this step
    st.sampled_from(["add", "close", "reopen", "move", "file", "file", "zero"]),
    st.integers(0, 5),                                           # which unit
    st.sampled_from(COUNTIES),                                   # where to add or move
    st.booleans(),                                               # late?
)


@contextmanager
def rolled_back():
    """Each hypothesis example in its own savepoint, undone afterwards (the world stays as built)."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def seen(daily, day: dt.date) -> dict:
    out = {}
    for code in READ:
        table = queries.completeness(daily, region(code), day)
        t = table.total
        out[code] = (t.expected, t.on_time, t.late, t.zero,
                     sorted(u.pk for u in queries.missing_units(daily, region(code), day)),
                     [(r.region.code, r.expected, r.on_time, r.late) for r in table.rows])
        if code == PROVINCE:  # every unit lies in a city: the rows add up to the total
            assert sum(r.expected for r in table.rows) == t.expected
            assert sum(r.filed for r in table.rows) == t.filed
    return out


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(op, min_size=1, max_size=14))
def test_a_day_that_is_over_never_changes(world, daily, steps):
    with rolled_back():
        units = [world.nanxian_home, world.nanxian_home_2, world.cili_home]
        day, over = START, {}
        for ends, action, which, county, late in steps:
            if ends:
                over[day] = seen(daily, day)
                day += dt.timedelta(days=1)
            unit = Unit.objects.get(pk=units[which % len(units)].pk)
            if action == "add":
                units.append(unit_services.create_unit(
                    None, name=f"新增敬老院{len(units)}", kind=Kind.ELDERLY_CARE, region_id=county,
                    in_service_from=day))
            elif action == "close" and unit.is_active:
                unit_services.close_unit(None, unit, day=day)
            elif action == "reopen" and not unit.is_active:
                unit_services.reopen_unit(None, unit, day=day)
            elif action == "move" and unit.is_active and unit.region_id != county:
                unit_services.move_unit(None, unit, region_code=county, day=day)
            elif action in ("file", "zero") and unit.is_active and not Report.objects.filter(
                    assignment=daily, unit=unit, day=day).exists():
                services.submit_report(None, assignment=daily, unit=unit, day=day, now=at(day, 11 if late else 9),
                                       **({"zero": True} if action == "zero" and Report.objects.filter(
                                           unit=unit).exists() else {"values": good_values(
                                           mask_days=10 + 3 * which + (5 if late else 0))}))
        for past, then in over.items():
            assert seen(daily, past) == then, past
        incremental = rollup_rows()
        rollups.rebuild()
        assert rollup_rows() == incremental


def test_a_home_files_exactly_the_days_it_owed_whatever_the_registry_says_now(world, daily):
    """Filing reads the unit as it was on the day, like the day's completeness: filed + missing = expected."""
    import pytest
    from django.core.exceptions import ValidationError

    new = unit_services.create_unit(None, name="南县厂窖镇敬老院", kind=Kind.ELDERLY_CARE, region_id=NANXIAN,
                                    in_service_from=MOVE_DAY)
    with pytest.raises(ValidationError) as refused:  # not in service yet on DAY: it owed nothing
        file(daily, new, DAY, hh=11)
    assert "unit" in refused.value.message_dict
    unit_services.close_unit(None, world.nanxian_home_2, day=MOVE_DAY)
    file(daily, world.nanxian_home_2, DAY, hh=11)  # closed since, but it owed DAY: a late report is taken
    expected, on_time, late, zero, missing = figures(daily, NANXIAN, DAY)
    assert (expected, late, missing) == (2, 1, ["南县福利院"])
    assert on_time + late + len(missing) == expected and zero == 0
