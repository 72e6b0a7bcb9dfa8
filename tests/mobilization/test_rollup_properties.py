"""The daily roll-up kept incrementally equals the roll-up rebuilt from scratch: random sequences
of shifts, assignments (and their cancelling), attendances (open and closed, with their draft
records), corrections of those records (other hours, another day) and their confirming, cancelled
shifts and activity reports for three organisations, posts in three regions (one a city-level post) and two
days either side of a Beijing midnight, with `rollup.refresh` called after each write for the
(unit, day) it touched, as the services do; then `rollup.rebuild()` must write the same rows."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager, suppress
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.mobilization import factories
from tongxin.mobilization.models import ActivityReport, AssignmentStatus, DeploymentDay, RecordStatus, ServiceRecord
from tongxin.mobilization.queries import overview as queries
from tongxin.mobilization.services import records, rollup
from tongxin.regions.models import Region

pytestmark = pytest.mark.django_db
DAYS = [dt.date(2021, 7, 30), dt.date(2021, 7, 31)]
REGIONS = ["430821", "430921", "430900"]

op = st.tuples(
    st.sampled_from(["shift", "shift", "assign", "assign", "cancel", "attend", "attend", "drop_shift", "report",
                     "correct", "correct", "finalise"]),
    st.integers(0, 2),     # which unit / region
    st.integers(0, 1),     # which day
    st.integers(0, 50),    # which existing object (modulo how many there are)
    st.integers(1, 3),     # needed / people reported / hours
)


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def snapshot() -> list[tuple]:
    fields = ("unit_id", "region_code", "day", *rollup.FIELDS)
    return sorted(tuple(Decimal(v) if k == "hours" else v for k, v in zip(fields, r, strict=True))
                  for r in DeploymentDay.objects.values_list(*fields))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(op, min_size=1, max_size=25))
def test_refreshed_rows_equal_a_rebuild_from_scratch(world, steps):
    with rolled_back():
        units = [world.leshan, world.nanxian_home, world.cili_home]
        posts = [factories.post(u, f"卡点{i}", region=REGIONS[i]) for i, u in enumerate(units)]
        people = [[factories.person(u, f"志愿者{i}{j}") for j in range(3)] for i, u in enumerate(units)]
        shifts, assignments = [], []
        for kind, i, d, n, k in steps:
            touched = None
            if kind == "shift":
                # 23:00 Beijing on the first day is still that day; 00:30 on the next is the next day
                s = factories.shift(posts[i], DAYS[d], 23 if d == 0 else 0, hours=2, needed=k)
                shifts.append(s)
                touched = s
            elif kind == "assign" and shifts:
                s = shifts[n % len(shifts)]
                unit_index = units.index(next(u for u in units if u.pk == s.post.unit_id))
                p = people[unit_index][k % 3]
                if not s.assignments.filter(person=p, status=AssignmentStatus.ACTIVE).exists():
                    assignments.append(factories.assignment(s, p))
                    touched = s
            elif kind == "cancel" and assignments:
                a = assignments[n % len(assignments)]
                a.status = AssignmentStatus.CANCELLED
                a.save(update_fields=["status"])
                touched = a.shift
            elif kind == "attend" and assignments:
                a = assignments[n % len(assignments)]
                if not hasattr(a, "attendance"):
                    attendance = factories.attendance(a, hours=None if k == 3 else f"{k}.50")
                    records.draft_for(attendance)  # as the check-in part does once it is closed
                    touched = a.shift
            elif kind in ("correct", "finalise"):
                current = list(ServiceRecord.objects.exclude(status=RecordStatus.SUPERSEDED).order_by("pk"))
                if current:
                    r = current[n % len(current)]
                    if kind == "finalise" and r.status == RecordStatus.DRAFT:
                        records.finalise(None, r, late_reason="补录", at=factories.at(DAYS[1], 23))
                    elif kind == "correct":  # other hours, and every other time another day
                        with suppress(ValidationError):  # the same hours and day: nothing to correct
                            records.correct(None, r, reason="核实", hours=f"{k}.25",
                                            day=DAYS[1 - DAYS.index(r.day)] if n % 2 and r.day in DAYS else None,
                                            at=factories.at(DAYS[1], 23))
            elif kind == "drop_shift" and shifts:
                s = shifts[n % len(shifts)]
                s.is_cancelled = True
                s.save(update_fields=["is_cancelled"])
                touched = s
            elif kind == "report":
                ActivityReport.objects.create(unit=units[i], day=DAYS[d], title="送餐", content="送餐",
                                              volunteers=k, social_workers=1)
                rollup.refresh(units[i].pk, DAYS[d])
            if touched is not None:
                rollup.refresh(touched.post.unit_id, touched.day)
        kept = snapshot()
        rollup.rebuild()
        assert snapshot() == kept
        # …and the province's overview adds up to the rows, whatever happened
        o = queries.overview(world.hunan, Region.objects.get(code="430000"), DAYS[0], DAYS[1])
        assert o.total.people == sum(r.people for r in DeploymentDay.objects.all())
        assert o.total.posts_unfilled == sum(r.posts_unfilled for r in DeploymentDay.objects.all())
        assert o.total.hours == sum((r.hours for r in DeploymentDay.objects.all()), Decimal("0"))


def test_a_shift_just_before_beijing_midnight_counts_on_that_day(world):
    post = factories.post(world.leshan, "零阳镇高速路口卡点")
    late = factories.shift(post, DAYS[0], 23, hours=2, needed=1)  # 15:00 UTC on 07-30
    early = factories.shift(post, DAYS[1], 0, hours=2, needed=1)  # 16:00 UTC on 07-30, Beijing 07-31
    assert (late.day, early.day) == (DAYS[0], DAYS[1])
    records.draft_for(factories.attendance(factories.assignment(late, factories.person(world.leshan)), hours="2.00"))
    rollup.refresh(world.leshan.pk, DAYS[0])
    rollup.refresh(world.leshan.pk, DAYS[1])
    first, second = DeploymentDay.objects.order_by("day")
    assert (first.day, first.people, first.hours, first.posts_unfilled) == (DAYS[0], 1, Decimal("2.00"), 0)
    assert (second.day, second.people, second.posts_unfilled) == (DAYS[1], 0, 1)


def test_rebuild_drops_stale_rows_and_the_command_reports_its_count(world):
    from io import StringIO

    from django.core.management import call_command

    post = factories.post(world.leshan)
    factories.shift(post, DAYS[0])
    rollup.refresh(world.leshan.pk, DAYS[0])
    DeploymentDay.objects.create(unit=world.cili_home, region_code="430821", day=DAYS[1], people=99)
    out = StringIO()
    call_command("mobilization_rollup", "--rebuild", stdout=out)
    assert "1 rows" in out.getvalue()
    assert list(DeploymentDay.objects.values_list("unit_id", "day", "posts")) == [(world.leshan.pk, DAYS[0], 1)]


def test_refresh_is_a_few_queries_whatever_the_unit_holds(world, django_assert_max_num_queries):
    post = factories.post(world.leshan)
    for h in range(6, 18, 2):
        s = factories.shift(post, DAYS[0], h, hours=2, needed=2)
        for j in range(2):
            records.draft_for(factories.attendance(factories.assignment(s, factories.person(world.leshan, f"人{h}{j}")),
                                                   hours="2.00"))
    with django_assert_max_num_queries(9):
        rollup.refresh(world.leshan.pk, DAYS[0])
    row = DeploymentDay.objects.get()
    assert (row.people, row.shifts, row.posts, row.hours) == (12, 6, 1, Decimal("24.00"))


def test_a_correction_moves_its_hours_in_the_roll_up(world):
    post = factories.post(world.leshan)
    shift = factories.shift(post, DAYS[0], 8, hours=4, needed=1)
    draft = records.draft_for(factories.attendance(factories.assignment(shift, factories.person(world.leshan)),
                                                   hours="4.00"))
    rollup.refresh(world.leshan.pk, DAYS[0])
    assert DeploymentDay.objects.get(day=DAYS[0]).hours == Decimal("4.00")
    fixed = records.correct(world.leshan_staff, draft, reason="签退时间记错", hours="3", at=factories.at(DAYS[1], 12))
    assert DeploymentDay.objects.get(day=DAYS[0]).hours == Decimal("3.00")
    records.correct(world.leshan_staff, fixed, reason="日期记错", day=DAYS[1], at=factories.at(DAYS[1], 12))
    assert DeploymentDay.objects.get(day=DAYS[0]).hours == Decimal("0")
    assert DeploymentDay.objects.get(day=DAYS[1]).hours == Decimal("3.00")
    kept = snapshot()
    rollup.rebuild()
    assert snapshot() == kept
