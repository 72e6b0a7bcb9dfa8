"""Two officers (or a double click) chasing the same directive at the same moment send one reminder:
催办 of one directive is serialised on its row (PostgreSQL: SELECT … FOR UPDATE); the later one
is refused with the time a reminder becomes possible. PostgreSQL only, in a transactional test
(see tests/reports/test_remind_race.py for why and for putting the divisions back)."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection

from tests.command.helpers import DAY, at, issue
from tests.reports.test_remind_race import divisions_back  # noqa: F401  (a fixture)
from tests.world import build_world
from tongxin.command.models import Delivery
from tongxin.command.services import chase
from tongxin.core.models import Notification

pytestmark = pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
                                reason="the race is PostgreSQL's (SQLite has one writer at a time)")


def test_two_reminders_at_the_same_moment_send_once(divisions_back, transactional_db):  # noqa: F811
    world = build_world()
    directive = issue(world, issuer=world.nanxian_bureau, now=at(DAY, 9), sign_deadline=at(DAY, 12),
                      units=[world.nanxian_home])
    for round_ in range(3):  # each at a fresh half hour, so a lucky interleaving cannot hide a race
        results, errors = race(world, directive, now=at(DAY, 10 + round_))
        assert len(results) == 1
        assert len(errors) == 1 and isinstance(errors[0], ValidationError)
        assert "分钟内已催办过" in errors[0].messages[0]
        assert Delivery.objects.get(directive=directive).reminders == round_ + 1
        assert Notification.objects.filter(key=chase.REMINDER).count() == round_ + 1


def race(world, directive, *, now):
    start = threading.Barrier(2)
    results, errors = [], []

    def click(actor):
        try:
            start.wait(timeout=10)
            results.append(chase.remind(actor, directive, now=now))
        except Exception as exc:  # reported by the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(actor,)) for actor in (world.nanxian, world.hunan)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results, errors
