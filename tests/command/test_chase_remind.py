"""催办: the issuer's officers remind the units that have not signed — each unit's people once,
naming the unit — and not again within 30 minutes (the refusal says when it becomes possible);
the confirmation page comes first; anyone but the issuer's side is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from tests.command.helpers import DAY, at, chinese, issue, member, sign  # noqa: F401  (chinese: a fixture)
from tongxin.command.models import Delivery
from tongxin.command.services import chase
from tongxin.core.models import AuditEvent, Notification
from tongxin.core.notify import render
from tongxin.units.models import Role


@pytest.fixture
def directive(world):
    return issue(world, issuer=world.nanxian_bureau, now=at(DAY, 9), sign_deadline=at(DAY, 12))


@pytest.fixture
def nanzhou(world):
    return member("nanzhou-mgr", world.nanxian_home_2, Role.MANAGER)


def told(key=chase.REMINDER):
    return sorted(Notification.objects.filter(key=key).values_list("recipient__username", flat=True))



def signer(world, unit):
    """Someone of `unit` who signs for it (南县南洲镇敬老院 has no reporter in the world)."""
    if unit == world.nanxian_home:
        return world.home_reporter
    return member(f"signer-{unit.pk}", unit, Role.REPORTER)

def test_a_reminder_reaches_the_people_of_each_unit_not_signed(world, directive, nanzhou):
    sign(directive.deliveries.get(unit=world.nanxian_home), world.home_reporter, at(DAY, 9, 30))
    done = chase.remind(world.nanxian, directive, now=at(DAY, 10))
    assert [d.unit for d in done.reminded] == [world.nanxian_home_2]
    assert told() == ["nanzhou-mgr"]
    note = Notification.objects.get(key=chase.REMINDER)
    assert render(note, "zh-hans").title == "催办：南县南洲镇敬老院 尚未签收《关于开展拉网式隐患大排查行动的紧急通知》"
    assert "2021-07-26 12:00" in render(note, "zh-hans").body


def test_a_reminder_is_counted_on_the_delivery_and_audited(world, directive, nanzhou):
    chase.remind(world.nanxian, directive, now=at(DAY, 10))
    d = directive.deliveries.get(unit=world.nanxian_home_2)
    assert (d.last_reminded_at, d.reminders) == (at(DAY, 10), 1)
    event = AuditEvent.objects.get(action=AuditEvent.Action.REMIND)
    assert event.changes["units"] == ["南县福利院", "南县南洲镇敬老院"]


def test_a_second_reminder_within_30_minutes_is_refused_saying_when_it_is_possible(world, directive, nanzhou):
    chase.remind(world.nanxian, directive, now=at(DAY, 10))
    with pytest.raises(ValidationError) as refused:
        chase.remind(world.hunan, directive, now=at(DAY, 10, 29))
    assert refused.value.messages == ["30 分钟内已催办过，10:30 后可再次催办"]
    assert told() == ["nanxian-home-01", "nanzhou-mgr"]  # nothing new
    assert Delivery.objects.get(directive=directive, unit=world.nanxian_home_2).reminders == 1


def test_after_30_minutes_a_unit_may_be_reminded_again(world, directive, nanzhou):
    chase.remind(world.nanxian, directive, now=at(DAY, 10))
    done = chase.remind(world.nanxian, directive, now=at(DAY, 10, 30))
    assert len(done.reminded) == 2
    assert Delivery.objects.get(directive=directive, unit=world.nanxian_home_2).reminders == 2


def test_only_the_units_reminded_recently_are_skipped(world, directive, nanzhou):
    late = issue(world, issuer=world.nanxian_bureau, now=at(DAY, 9), sign_deadline=at(DAY, 12),
                 units=[world.nanxian_home], title="另一份通知")
    chase.remind(world.nanxian, late, now=at(DAY, 10))  # another directive's reminder does not count
    chase.remind(world.nanxian, directive, now=at(DAY, 10))
    Delivery.objects.filter(directive=directive, unit=world.nanxian_home).update(last_reminded_at=at(DAY, 9, 20))
    done = chase.remind(world.nanxian, directive, now=at(DAY, 10, 5))
    assert [d.unit for d in done.reminded] == [world.nanxian_home]
    assert [(d.unit, again) for d, again in done.skipped] == [(world.nanxian_home_2, at(DAY, 10, 30))]


def test_the_gap_runs_across_local_midnight(world, nanzhou):
    directive = issue(world, issuer=world.nanxian_bureau, sign_deadline=at(DAY, 23, 55), now=at(DAY, 23, 30))
    chase.remind(world.nanxian, directive, now=at(DAY, 23, 50))
    next_day = DAY + dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="00:20 后可再次催办"):
        chase.remind(world.nanxian, directive, now=at(next_day, 0, 10))
    assert len(chase.remind(world.nanxian, directive, now=at(next_day, 0, 20)).reminded) == 2


def test_when_every_unit_has_signed_there_is_nothing_to_chase(world, directive):
    for d in directive.deliveries.all():
        sign(d, signer(world, d.unit), at(DAY, 9, 30))
    with pytest.raises(ValidationError, match="各单位均已签收"):
        chase.remind(world.nanxian, directive, now=at(DAY, 10))
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REMIND).exists()


def test_a_closed_directive_is_not_chased(world, directive):
    directive.status = directive.Status.CLOSED
    directive.save()
    with pytest.raises(ValidationError, match="已办结"):
        chase.remind(world.nanxian, directive, now=at(DAY, 10))


def test_the_province_above_the_issuer_may_chase(world, directive):
    assert len(chase.remind(world.hunan, directive, now=at(DAY, 10)).reminded) == 2


def test_a_receiving_unit_may_not_chase_the_directive_it_received(world, directive):
    with pytest.raises(PermissionDenied):
        chase.remind(world.home_reporter, directive, now=at(DAY, 10))
    assert told() == []


def test_a_stranger_county_does_not_see_the_directive(world, directive):
    with pytest.raises(Http404):
        chase.remind(world.cili, directive, now=at(DAY, 10))


# --- the pages and the API ---------------------------------------------------------------------

def test_the_confirmation_page_lists_the_units_and_sends_nothing(world, directive, client_for):
    page = client_for(world.nanxian).get(reverse("command:directive-remind", args=[directive.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "南县南洲镇敬老院" in html and "确认催办（2 个单位）" in html
    assert told() == []


def test_a_post_without_confirm_comes_back_to_the_page(world, directive, client_for):
    url = reverse("command:directive-remind", args=[directive.pk])
    answer = client_for(world.nanxian).post(url)
    assert answer.status_code == 302 and answer.url == url
    assert told() == []


def test_confirming_reminds_and_a_second_click_is_refused_in_words(world, directive, client_for):
    c = client_for(world.nanxian)
    url = reverse("command:directive-remind", args=[directive.pk])
    c.post(url, {"confirm": "1"})
    assert told() == ["nanxian-home-01"]
    again = c.post(url, {"confirm": "1"}, follow=True)
    assert again.status_code == 200
    assert "分钟内已催办过" in again.content.decode()
    assert told() == ["nanxian-home-01"]


def test_the_page_in_english(world, directive, client_for):
    c = client_for(world.nanxian)
    c.cookies["django_language"] = "en"
    chase.remind(world.nanxian, directive)
    html = c.get(reverse("command:directive-remind", args=[directive.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Confirm reminder" in html
    assert "2 units were reminded within the last 30 minutes" in html


def test_the_api_reminds_and_refuses_a_repeat_with_a_400(world, directive, api_for):
    api = api_for(world.nanxian)
    url = reverse("directive-remind-api", args=[directive.pk])
    first = api.post(url)
    assert first.status_code == 200
    assert [r["unit_name"] for r in first.json()["reminded"]] == ["南县福利院", "南县南洲镇敬老院"]
    second = api.post(url)
    assert second.status_code == 400
    assert "分钟内已催办过" in second.json()["directive"][0]


def test_the_api_answers_403_to_a_recipient_and_404_to_a_stranger(world, directive, api_for):
    url = reverse("directive-remind-api", args=[directive.pk])
    assert api_for(world.home_reporter).post(url).status_code == 403
    assert api_for(world.cili).post(url).status_code == 404
    assert api_for(world.cili).post(reverse("directive-remind-api", args=["x1"])).status_code == 404
    assert told() == []


def test_the_directive_page_offers_催办_to_the_issuer_side_only(world, directive, client_for):
    url = reverse("command:directive-detail", args=[directive.pk])
    html = client_for(world.nanxian).get(url).content.decode()
    assert reverse("command:directive-remind", args=[directive.pk]) in html
    assert "逾期未反馈，登记到台账" not in html  # no feedback asked for
    for d in directive.deliveries.all():
        sign(d, signer(world, d.unit), at(DAY, 9, 30))
    after = client_for(world.nanxian).get(url).content.decode()
    assert reverse("command:directive-remind", args=[directive.pk]) not in after
