"""Property: after any sequence of assign / move / cancel calls (each refused or not), no person is
ever in two ACTIVE assignments that overlap in time, and no shift has more active people than it needs."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.mobilization import factories
from tests.mobilization.factories import at
from tongxin.mobilization.models import Assignment, AssignmentStatus
from tongxin.mobilization.services import posts

DAY = dt.date(2021, 7, 30)
BEFORE = at("2021-07-29", 12)
# (start hour, hours, needed): overlapping, touching and separate shifts over two posts
SHIFTS = [(8, 4, 2), (10, 4, 1), (12, 4, 2), (6, 3, 1), (9, 1, 3), (14, 8, 2)]
PEOPLE = 4

step = st.one_of(
    st.tuples(st.just("assign"), st.integers(0, len(SHIFTS) - 1), st.integers(0, PEOPLE - 1)),
    st.tuples(st.just("move"), st.integers(0, 30), st.integers(0, len(SHIFTS) - 1)),
    st.tuples(st.just("cancel"), st.integers(0, 30), st.just(0)),
)


def overlaps(rows) -> list:
    bad = []
    for i, a in enumerate(rows):
        for b in rows[i + 1:]:
            if a.person_id == b.person_id and a.starts_at < b.ends_at and b.starts_at < a.ends_at:
                bad.append((a, b))
    return bad


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=st.lists(step, min_size=1, max_size=20))
def test_no_person_is_ever_double_booked(world, plan):
    actor = world.leshan_staff
    with transaction.atomic():
        post_a = posts.create_post(actor, world.leshan, name="甲卡点", kind="checkpoint", place="甲",
                                   region_id="430821")
        post_b = posts.create_post(actor, world.leshan, name="乙卡点", kind="temperature", place="乙",
                                   region_id="430821")
        shifts = [posts.add_shift(actor, post_a if i % 2 else post_b, starts_at=at(DAY, h),
                                  ends_at=at(DAY, h) + dt.timedelta(hours=n), needed=need)
                  for i, (h, n, need) in enumerate(SHIFTS)]
        people = [factories.person(world.leshan, f"志愿者{i}") for i in range(PEOPLE)]
        for op, x, y in plan:
            active = list(Assignment.objects.filter(status=AssignmentStatus.ACTIVE).order_by("pk"))
            try:
                with transaction.atomic():
                    if op == "assign":
                        posts.assign(actor, shifts[x], people[y], at=BEFORE)
                    elif active and op == "move":
                        posts.move(actor, active[x % len(active)], shifts[y], reason="调整", at=BEFORE)
                    elif active and op == "cancel":
                        posts.cancel(actor, active[x % len(active)], reason="取消", at=BEFORE)
            except ValidationError:
                pass
            rows = list(Assignment.objects.filter(status=AssignmentStatus.ACTIVE))
            assert not overlaps(rows)
            for s in shifts:
                assert sum(r.shift_id == s.pk for r in rows) <= s.needed
        transaction.set_rollback(True)
