"""Two officers (or a double click) reminding the same units at the same moment send one reminder:
reminders of one assignment are serialised on its row (PostgreSQL: SELECT … FOR UPDATE).

It needs committed data seen by two connections, so it runs in a transactional test, on
PostgreSQL only (SQLite has one writer at a time); Hunan's divisions are put back afterwards,
since such a test empties every table when it ends."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.conf import settings
from django.db import connection

from tests.reports.conftest import at, good_values
from tests.world import build_world
from tongxin.core.models import Notification
from tongxin.regions.models import Region
from tongxin.reports import services
from tongxin.reports.models import Reminder
from tongxin.units.models import Kind, Role
from tongxin.units.services import grant_role

pytestmark = pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
                                reason="the race is PostgreSQL's (SQLite has one writer at a time)")

DAY = dt.date(2021, 8, 2)


@pytest.fixture
def divisions_back(django_db_blocker):
    """Hunan's divisions before the test and after it. Requested before transactional_db, so it tears
    down after the flush. pytest-django runs transactional tests last, so another one (a browser test)
    may have emptied the tables just before this one starts."""
    from tongxin.regions.services import load_divisions

    def ensure():
        with django_db_blocker.unblock():
            if not Region.objects.filter(code="430921").exists():
                load_divisions(["43"])

    ensure()
    yield
    ensure()


def test_two_reminders_at_the_same_moment_send_once(divisions_back, transactional_db):
    from tongxin.accounts.services import create_user

    world = build_world()
    (version,) = services.load_builtin_forms()
    daily = services.create_assignment(
        world.hunan, form=version.form, issuer=world.province, region=Region.objects.get(code="430000"),
        name="养老机构疫情防控日报", deadline=dt.time(10), start_date=DAY, end_date=DAY, unit_kinds=[Kind.ELDERLY_CARE])
    services.submit_report(world.hunan, assignment=daily, unit=world.nanxian_home, day=DAY, values=good_values(),
                           now=at(DAY, 9))
    user = create_user(None, username="nanzhou-01", password="x" * 12, check_password=False)
    grant_role(None, user, world.nanxian_home_2, Role.REPORTER)
    county = Region.objects.get(code="430921")

    for round_ in range(3):  # a few tries, each at a fresh half hour, so a lucky interleaving cannot hide a race
        results, errors = race(world, daily, county, now=at(DAY, 12 + round_))
        assert not errors
        assert sorted(len(r.reminded) for r in results) == [0, 1]
        assert sorted(len(r.skipped) for r in results) == [0, 1]
        assert Reminder.objects.count() == round_ + 1
        assert Notification.objects.filter(recipient=user, key="reports.reminder").count() == round_ + 1


def race(world, daily, county, *, now):
    """Two threads (two database connections) remind at the same moment; their results and errors."""
    start = threading.Barrier(2)
    results, errors = [], []

    def click():
        try:
            start.wait(timeout=10)
            results.append(services.remind_missing(world.nanxian, assignment=daily, region=county, day=DAY, now=now))
        except Exception as exc:  # reported by the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results, errors
