"""Two writes of one organisation's day committing at the same moment both land in its roll-up:
`rollup.refresh` takes a transaction-scoped advisory lock per (unit, day) on PostgreSQL, so the
second waits for the first and then counts what it committed (without it, the second insert
would break the rows' unique constraint, or count a stale picture). PostgreSQL only, in a
transactional test (see tests/reports/test_remind_race.py for why and for putting the divisions back)."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.conf import settings
from django.db import connection, transaction

from tests.mobilization import factories
from tests.reports.test_remind_race import divisions_back  # noqa: F401  (a fixture)
from tests.world import build_world
from tongxin.mobilization.models import DeploymentDay
from tongxin.mobilization.services import records, rollup

pytestmark = pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
                                reason="the race is PostgreSQL's (SQLite has one writer at a time)")
DAY = dt.date(2021, 7, 30)


def test_two_check_ins_committing_together_are_both_counted(divisions_back, transactional_db):  # noqa: F811
    world = build_world()
    post = factories.post(world.leshan)
    shift = factories.shift(post, DAY, 8, needed=2)
    people = [factories.person(world.leshan, f"志愿者{i}") for i in range(2)]
    assignments = [factories.assignment(shift, p) for p in people]
    rollup.refresh(world.leshan.pk, DAY)
    start = threading.Barrier(2)
    errors = []

    def check_in(assignment):
        try:
            start.wait(timeout=10)
            with transaction.atomic():
                records.draft_for(factories.attendance(assignment, hours="4.00"))  # as check-out does
                rollup.refresh(world.leshan.pk, DAY)
                time.sleep(0.3)  # hold the transaction open: the other one is refreshing now
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=check_in, args=(a,)) for a in assignments]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    row = DeploymentDay.objects.get(unit=world.leshan, day=DAY)
    assert (row.people, row.hours) == (2, 8)
