"""Two receipts of one organisation at the same moment get two numbers: the counter row is locked
(SELECT … FOR UPDATE). PostgreSQL only, in a transactional test (see tests/mobilization/test_posts_race.py)."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection

from tests.donations.gifts import cash
from tests.reports.test_remind_race import divisions_back  # noqa: F401  (a fixture)
from tests.world import build_world
from tongxin.donations.models import Donation
from tongxin.donations.services import donations as services

pytestmark = pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
                                reason="the race is PostgreSQL's (SQLite has one writer at a time)")


def test_two_receipts_at_once_get_two_numbers(divisions_back, transactional_db):  # noqa: F811
    world = build_world()
    services.record_donation(world.leshan_staff, world.leshan, {"donor_kind": "anonymous", "channel": "cash"},
                             [cash(1)])  # the counter row exists: both writers wait on the same lock
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def give(n: int) -> None:
        try:
            barrier.wait()
            services.record_donation(world.leshan_staff, world.leshan,
                                     {"donor_kind": "anonymous", "channel": "cash"}, [cash(n)])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=give, args=(n,)) for n in (2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    numbers = sorted(Donation.objects.values_list("receipt_number", flat=True))
    assert [n.rsplit("-", 1)[1] for n in numbers] == ["000001", "000002", "000003"]
