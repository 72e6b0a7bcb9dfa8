"""One demo build (twice, to prove it idempotent) shared by every test module in tests/demo.

The build runs inside a transaction that is rolled back when the package's tests are done. It is
built at a fixed moment (`BUILD_MOMENT`, passed to the builder rather than freezing the clock), so
that the live drill's week reads the same on every run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from tongxin.accounts.models import User
from tongxin.core.models import AuditEvent
from tongxin.demo.builder import build_demo
from tongxin.reports.models import Report
from tongxin.units.models import Membership, Unit

# A Thursday afternoon in winter, Beijing time: after the morning's filings, before the 18:00 deadline.
BUILD_MOMENT = dt.datetime(2026, 1, 15, 14, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
BUILD_DAY = BUILD_MOMENT.date()


def census() -> dict[str, int]:
    return {
        "units": Unit.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "reports": Report.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


@dataclass(frozen=True)
class DemoBuilds:
    first: dict[str, int]
    second: dict[str, int]
    after_first: dict[str, int]
    after_second: dict[str, int]


@pytest.fixture(scope="package")
def demo_builds(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        first = build_demo(now=BUILD_MOMENT)
        after_first = census()
        second = build_demo(now=BUILD_MOMENT + dt.timedelta(minutes=5))
        yield DemoBuilds(first, second, after_first, census())
        transaction.set_rollback(True)
