"""Two approvals, or two hand-overs, at the same moment cannot take stock below zero: stock.move locks
the row (SELECT … FOR UPDATE) before it reads what is left. PostgreSQL only, in a transactional test
(the pattern of tests/mobilization/test_posts_race.py)."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection

from tests.donations import factories as f
from tests.reports.test_remind_race import divisions_back  # noqa: F401  (a fixture)
from tests.world import build_world, person
from tongxin.donations.models import AdjustmentStatus, Stock
from tongxin.donations.services import stock
from tongxin.units.models import Role

pytestmark = pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
                                reason="the race is PostgreSQL's (SQLite has one writer at a time)")


def _at_once(calls):
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def run(call):
        try:
            barrier.wait(timeout=10)
            results.append(call())
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results, errors


def test_two_approvals_at_once_cannot_take_stock_below_zero(divisions_back, transactional_db):  # noqa: F811
    world = build_world()
    second = person("leshan-2", world.leshan, Role.SOCIAL_STAFF)
    water = f.item("矿泉水", "550ml×24瓶", "箱")
    f.donation(world.leshan, [(water, 10)])
    adjs = [stock.request_adjustment(world.leshan_staff, world.leshan, appeal=None, item=water, quantity="-8",
                                     reason="damaged", note=f"破损 {n}") for n in range(2)]
    results, errors = _at_once([lambda a=a: stock.decide_adjustment(second, a, approve=True) for a in adjs])
    assert len(results) == 1, errors
    assert len(errors) == 1 and isinstance(errors[0], ValidationError) and "库存不足" in str(errors[0])
    assert Stock.objects.get(item=water).quantity == 2
    assert sorted(a.status for a in type(adjs[0]).objects.all()) == [AdjustmentStatus.APPROVED,
                                                                     AdjustmentStatus.PENDING]


def test_two_hand_overs_at_once_cannot_take_stock_below_zero(divisions_back, transactional_db):  # noqa: F811
    world = build_world()
    water = f.item("矿泉水", "550ml×24瓶", "箱")
    f.donation(world.leshan, [(water, 10)])
    results, errors = _at_once([lambda: f.handover(world.leshan, world.cili_home, [(water, 8)])] * 2)
    assert len(results) == 1, errors
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    assert Stock.objects.get(item=water).quantity == 2
