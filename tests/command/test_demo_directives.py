"""The story's urgent notice in the demo: issued by 湖南省民政厅 on 2021-07-26 to the 14 city
bureaus, forwarded by 张家界市, 株洲市 and 湘潭市 (and by 慈利县 on to its institutions), most units
signed and fed back, a few late and a few unsigned; and the live drill's notice waiting to be
signed today. Built on the demo's units and logins only (not the whole demo), twice, to prove it
idempotent."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from tongxin.accounts.models import User
from tongxin.command.models import Delivery, Directive
from tongxin.command.queries import board as q
from tongxin.demo import command_directives as demo
from tongxin.demo import story
from tongxin.demo.builder import _Builder
from tongxin.regions.models import Region

pytestmark = pytest.mark.django_db
BEIJING = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 1, 15, 14, 30, tzinfo=BEIJING)


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        b = _Builder(None)
        b.bureaus()
        b.homes(story.NANXIAN, story.NANXIAN_HOMES)
        for region, homes in story.COUNTY_HOMES.items():
            b.homes(region, homes)
        b.organisations()
        b.logins()
        first = demo.build()
        first_live = demo.build_live(NOW, NOW.date())
        second = demo.build()
        second_live = demo.build_live(NOW + dt.timedelta(minutes=5), NOW.date())
        yield {"first": first, "second": second, "first_live": first_live, "second_live": second_live}
        transaction.set_rollback(True)


@pytest.fixture
def root(built):
    return Directive.objects.get(title=demo.TITLE, issuer__name=story.PROVINCE_BUREAU)


def test_the_notice_went_to_the_14_city_bureaus_as_extra_urgent(root):
    assert (root.urgency, root.doc_number, root.status) == ("extra", demo.DOC_NUMBER, Directive.Status.ISSUED)
    assert root.approved_by.username == "hunan"
    assert root.issued_at.astimezone(BEIJING).date() == dt.date(2021, 7, 26)
    assert root.deliveries.count() == 14
    assert set(root.deliveries.values_list("unit__kind", flat=True)) == {"bureau"}


def test_three_cities_and_cili_forwarded_it(root):
    forwarders = set(Directive.objects.filter(root=root).exclude(pk=root.pk).values_list("issuer__name", flat=True))
    assert forwarders == {"张家界市民政局", "株洲市民政局", "湘潭市民政局", "慈利县民政局"}
    cili_homes = Delivery.objects.filter(root=root, region_code=story.CILI).exclude(unit__kind="bureau")
    assert cili_homes.count() == len(story.COUNTY_HOMES[story.CILI]) + 1  # and 乐善社工


def test_most_signed_and_fed_back_a_few_late_and_a_few_unsigned(root):
    b = q.board(root, User.objects.get(username="hunan"), now=NOW)
    t = b.total
    assert t.delivered > 60
    assert t.signed / t.delivered > 0.8 and t.fed_back / t.delivered > 0.6
    assert t.signed_late >= 2 and t.unsigned >= 1


def test_a_second_build_adds_nothing(built, root):
    assert built["second"]["directives_issued"] == 0
    assert built["second"]["directive_signatures"] == 0 and built["second"]["directive_feedbacks"] == 0
    assert built["first"]["directive_deliveries"] == built["second"]["directive_deliveries"]
    assert built["first_live"] == built["second_live"]


def test_the_board_adds_up_for_zhangjiajie(root):
    hunan = User.objects.get(username="hunan")
    b = q.board(root, hunan, now=NOW)
    city = next(r for r in b.levels[0].rows if r.region.code == story.ZHANGJIAJIE)
    zjj = q.board(root, hunan, Region.objects.get(code=story.ZHANGJIAJIE), now=NOW)
    assert zjj.total == city.counts
    assert city.counts.delivered == 1 + 4 + len(story.COUNTY_HOMES[story.CILI]) + 1


def test_the_live_notice_waits_to_be_signed_today(built):
    live = Directive.objects.get(title=demo.LIVE_TITLE)
    assert live.sign_deadline.astimezone(BEIJING).date() == NOW.date() and live.sign_deadline > NOW
    assert live.issued_at < NOW
    signed = live.deliveries.exclude(signed_at=None)
    assert 0 < signed.count() < live.deliveries.count() == 14
    assert all(d.signed_at <= NOW for d in signed)
