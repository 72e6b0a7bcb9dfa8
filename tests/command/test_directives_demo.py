"""The demo's directives, issuing side: the urgent notice of 2021-07-26 and today's drill directive."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.command.directives_helpers import make_leader
from tongxin.command.models import Directive
from tongxin.demo import directives as demo

pytestmark = pytest.mark.django_db


def test_the_urgent_notice_is_issued_on_the_day_of_the_story_to_the_city_bureaus(world):
    make_leader(world)
    demo.issue_directives()
    notice = Directive.objects.get(title=demo.URGENT_TITLE)
    assert notice.status == Directive.Status.ISSUED and notice.approved_by == world.hunan
    assert timezone.localtime(notice.issued_at).date() == dt.date(2021, 7, 26)
    assert set(notice.deliveries.values_list("unit__name", flat=True)) == {"益阳市民政局", "张家界市民政局"}


def test_the_drill_directive_waits_to_be_signed_today(world):
    make_leader(world)
    now = timezone.now()
    demo.issue_directives(now)
    live = Directive.objects.get(title=demo.LIVE_TITLE)
    assert live.issued_at <= now < live.sign_deadline
    assert not live.deliveries.exclude(signed_at=None).exists()


def test_building_twice_issues_nothing_more(world):
    make_leader(world)
    assert demo.issue_directives()["directives_issued"] == 2
    assert demo.issue_directives()["directives_issued"] == 0
    assert Directive.objects.count() == 2


def test_late_at_night_the_drill_directive_is_still_due_today(world):
    make_leader(world)
    from tongxin.demo.reports import local

    now = local(timezone.localdate() + dt.timedelta(days=1), 23, 10)
    demo.issue_directives(now)
    live = Directive.objects.get(title=demo.LIVE_TITLE)
    assert now < live.sign_deadline and timezone.localdate(live.sign_deadline) == timezone.localdate(now)
