"""Roll-ups kept incrementally equal roll-ups rebuilt from scratch; completeness adds up."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reports.conftest import START, at, good_values
from tongxin.regions.models import Region
from tongxin.reports import queries, rollups, services
from tongxin.reports.models import FieldRollup, FilingRollup, Report


def snapshot():
    fields = {(r.assignment_id, r.region_code, r.day, r.key): (r.total, r.count, r.lowest, r.highest)
              for r in FieldRollup.objects.all() if r.count or r.total}
    filings = {(r.assignment_id, r.region_code, r.day): (r.on_time, r.late, r.zero)
               for r in FilingRollup.objects.all() if r.on_time or r.late or r.zero}
    return fields, filings


step = st.tuples(
    st.sampled_from(["file", "zero", "correct"]),
    st.integers(0, 2),                      # which unit
    st.integers(0, 2),                      # which day
    st.integers(0, 200),                    # residents
    st.integers(0, 3),                      # confirmed
    st.booleans(),                          # late?
    st.integers(0, 60),                     # days of masks in stock
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=12), chunk=st.sampled_from([1, 2, 5000]),
       write_batch=st.sampled_from([1, 3, 10_000]))
def test_incremental_rollups_equal_a_rebuild(world, daily, steps, chunk, write_batch):
    """Whatever the reads' chunk and the writes' batch: several days, each flushed on its own."""
    units = [world.nanxian_home, world.nanxian_home_2, world.cili_home]
    try:
        for action, u, d, residents, confirmed, late, masks in steps:
            unit, day = units[u], START + dt.timedelta(days=d)
            when = at(day, 11 if late else 9)
            values = good_values(residents_in_care=residents, residents_vaccinated=min(70, residents),
                                 confirmed_residents=min(confirmed, residents), closed_management=not late,
                                 closure_exception_reason="" if not late else "隔离", mask_days=masks)
            report = Report.objects.filter(assignment=daily, unit=unit, day=day).first()
            if action == "correct" and report is not None:
                services.correct_report(None, report, values=values, reason="更正", now=when)
            elif report is None and action == "zero" and Report.objects.filter(unit=unit, day__lt=day).exists():
                services.submit_report(None, assignment=daily, unit=unit, day=day, zero=True, now=when)
            elif report is None:
                services.submit_report(None, assignment=daily, unit=unit, day=day, values=values, now=when)
        incremental = snapshot()
        rebuilt = rollups.rebuild(chunk_size=chunk, write_batch=write_batch)
        assert snapshot() == incremental
        assert rebuilt["reports"] == Report.objects.count()
        for day in {START + dt.timedelta(days=i) for i in range(3)}:
            table = queries.completeness(daily, Region.objects.get(code="430000"), day)
            filed = Report.objects.filter(assignment=daily, day=day).count()
            assert table.total.filed == filed
            assert sum(r.filed for r in table.rows) == filed
            assert table.total.missing == table.total.expected - filed
    finally:
        from tongxin.reports.models import IdempotencyKey, Revision

        IdempotencyKey.objects.all().delete()
        Revision.objects.all().delete()
        Report.objects.all().delete()
        FieldRollup.objects.all().delete()
        FilingRollup.objects.all().delete()


def test_completeness_and_missing_units_by_region(world, daily):
    day = START
    services.submit_report(world.home_reporter, assignment=daily, unit=world.nanxian_home, day=day,
                           values=good_values(), now=at(day, 9))
    services.submit_report(world.nanxian, assignment=daily, unit=world.nanxian_home_2, day=day,
                           values=good_values(), now=at(day, 11))
    hunan = Region.objects.get(code="430000")
    table = queries.completeness(daily, hunan, day)
    assert (table.total.expected, table.total.on_time, table.total.late, table.total.missing) == (3, 1, 1, 1)
    rows = {r.region.code: r for r in table.rows}
    assert (rows["430900"].expected, rows["430900"].filed) == (2, 2)
    assert (rows["430800"].expected, rows["430800"].missing) == (1, 1)
    missing = list(queries.missing_units(daily, hunan, day))
    assert [u.name for u in missing] == ["慈利县零阳镇敬老院"]
    nanxian = Region.objects.get(code="430921")
    assert list(queries.missing_units(daily, nanxian, day)) == []


def test_reminder_reaches_the_missing_homes_reporters_only(world, daily):
    from tongxin.core.models import AuditEvent, Notification

    services.submit_report(world.home_reporter, assignment=daily, unit=world.nanxian_home, day=START,
                           values=good_values(), now=at(START, 9))
    # A reporter at the second 南县 home, which has not filed.
    from tongxin.accounts.services import create_user
    from tongxin.units.services import grant_role

    other = create_user(None, username="nanxian-home-02", password="x" * 12, check_password=False)
    grant_role(None, other, world.nanxian_home_2, "reporter")
    done = services.remind_missing(world.nanxian, assignment=daily, region=Region.objects.get(code="430921"),
                                   day=START)
    assert [u.name for u in done.reminded] == ["南县南洲镇敬老院"]
    assert Notification.objects.filter(recipient=other, key="reports.reminder").count() == 1
    assert not Notification.objects.filter(recipient=world.home_reporter).exists()
    assert AuditEvent.objects.filter(action="remind", actor_name="nanxian").exists()


def test_a_stranger_cannot_remind_another_county(world, daily):
    import pytest
    from django.http import Http404

    with pytest.raises(Http404):
        services.remind_missing(world.cili, assignment=daily, region=Region.objects.get(code="430921"), day=START)
