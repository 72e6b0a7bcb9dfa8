"""Two staff assigning the same person to two overlapping shifts at the same moment: one wins, the
other is refused as a double booking — assign locks the person's row (SELECT … FOR UPDATE) before it
reads the person's other assignments. PostgreSQL only, in a transactional test (see
tests/command/test_chase_race.py)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection

from tests.mobilization import factories
from tests.mobilization.factories import at
from tests.reports.test_remind_race import divisions_back  # noqa: F401  (a fixture)
from tests.world import build_world
from tongxin.mobilization.models import Assignment, AssignmentStatus
from tongxin.mobilization.services import posts

pytestmark = pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
                                reason="the race is PostgreSQL's (SQLite has one writer at a time)")

DAY = dt.date(2021, 7, 30)


def test_two_overlapping_assigns_at_once_book_once(divisions_back, transactional_db):  # noqa: F811
    world = build_world()
    a_post = posts.create_post(world.leshan_staff, world.leshan, name="甲卡点", kind="checkpoint", place="甲",
                               region_id="430821")
    b_post = posts.create_post(world.leshan_staff, world.leshan, name="乙卡点", kind="checkpoint", place="乙",
                               region_id="430821")
    for round_ in range(3):
        start = at(DAY + dt.timedelta(days=round_), 8)
        shifts = [posts.add_shift(world.leshan_staff, p, starts_at=start, ends_at=start + dt.timedelta(hours=4),
                                  needed=2) for p in (a_post, b_post)]
        person = factories.person(world.leshan, f"志愿者{round_}")
        barrier = threading.Barrier(2)
        results, errors = [], []

        def click(shift, person=person, barrier=barrier, results=results, errors=errors):
            try:
                barrier.wait(timeout=10)
                results.append(posts.assign(world.leshan_staff, shift, person, at=at("2021-07-29", 12)))
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=click, args=(s,)) for s in shifts]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert len(results) == 1, errors
        assert len(errors) == 1 and isinstance(errors[0], ValidationError)
        assert "时间重叠" in errors[0].messages[0]
        assert Assignment.objects.filter(person=person, status=AssignmentStatus.ACTIVE).count() == 1
