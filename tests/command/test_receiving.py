"""A unit signs for a directive (签收) through its staff or its duty officer of the day; its reading is
tracked only under a response; it feeds back with evidence."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from tests.command.helpers import DAY, at, cili_home_staff, delivery, issue, on_duty, photo, respond
from tongxin.command.models import Delivery, Directive
from tongxin.command.services import receiving
from tongxin.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice(world):
    """The province's urgent notice to every unit of Hunan."""
    return issue(world, now=at(DAY, 10), feedback_required=True)


def test_a_homes_staff_signs_for_it_with_the_time(world, notice):
    d = delivery(notice, world.nanxian_home)
    signed, message = receiving.sign(world.home_reporter, d, now=at(DAY, 11))
    signed.refresh_from_db()
    assert (signed.signed_at, signed.signed_by, signed.signed_as) == (at(DAY, 11), world.home_reporter, "staff")
    assert "已签收" in message
    assert AuditEvent.objects.filter(object_type="command.delivery", object_id=str(d.pk)).exists()


def test_the_duty_officer_of_the_day_signs_though_not_a_member(world, notice):
    d = delivery(notice, world.cili_home)
    on_duty(world, world.cili_home, world.nanxian, start=at(DAY, 8))  # 值班 at the home, a member elsewhere
    signed, _message = receiving.sign(world.nanxian, d, now=at(DAY, 11))
    assert (signed.signed_by, signed.signed_as) == (world.nanxian, "duty")


def test_yesterdays_duty_officer_may_not_sign(world, notice):
    d = delivery(notice, world.cili_home)
    on_duty(world, world.cili_home, world.cili, start=at(DAY, 8) - dt.timedelta(days=1))
    with pytest.raises(PermissionDenied, match="值班人员"):
        receiving.sign(world.cili, d, now=at(DAY, 11))
    assert Delivery.objects.get(pk=d.pk).signed_at is None


def test_signing_twice_is_a_no_op_with_a_message(world, notice):
    d = delivery(notice, world.nanxian_home)
    receiving.sign(world.home_reporter, d, now=at(DAY, 11))
    again, message = receiving.sign(world.home_reporter, d, now=at(DAY, 12))
    assert again.signed_at == at(DAY, 11)
    assert "已于 2021-07-26 11:00 签收" in message


def test_a_bureau_above_sees_the_delivery_but_cannot_sign_for_the_home(world, notice):
    d = delivery(notice, world.nanxian_home)
    with pytest.raises(PermissionDenied, match="南县福利院"):
        receiving.sign(world.nanxian, d, now=at(DAY, 11))
    assert Delivery.objects.get(pk=d.pk).signed_at is None


def test_a_stranger_county_gets_not_found(world, notice):
    with pytest.raises(Http404):
        receiving.sign(world.cili, delivery(notice, world.nanxian_home), now=at(DAY, 11))


@pytest.mark.parametrize("status, words", [
    (Directive.Status.WITHDRAWN, "已撤回"), (Directive.Status.REPLACED, "已修订"), (Directive.Status.CLOSED, "已办结")])
def test_a_directive_no_longer_in_force_cannot_be_signed(world, notice, status, words):
    Directive.objects.filter(pk=notice.pk).update(status=status)
    with pytest.raises(ValidationError, match=words):
        receiving.sign(world.home_reporter, delivery(notice, world.nanxian_home), now=at(DAY, 11))
    assert Delivery.objects.get(directive=notice, unit=world.nanxian_home).signed_at is None


# --- read tracking -----------------------------------------------------------------------------------

def test_reading_is_recorded_under_a_response(world, notice):
    respond(world, start=at(DAY, 0))
    d = delivery(notice, world.nanxian_home)
    assert receiving.mark_read(world.home_reporter, d, now=at(DAY, 10, 30))
    assert Delivery.objects.get(pk=d.pk).read_at == at(DAY, 10, 30)
    assert not receiving.mark_read(world.home_reporter, d, now=at(DAY, 10, 45))  # the first opening only
    assert Delivery.objects.get(pk=d.pk).read_at == at(DAY, 10, 30)


def test_reading_is_not_recorded_outside_a_response(world, notice):
    respond(world, start=at(DAY, 0), end=at(DAY, 9))  # ended before the notice was opened
    d = delivery(notice, world.nanxian_home)
    assert not receiving.mark_read(world.home_reporter, d, now=at(DAY, 10, 30))
    receiving.sign(world.home_reporter, d, now=at(DAY, 11))
    assert Delivery.objects.get(pk=d.pk).read_at is None


def test_a_bureau_above_opening_it_is_not_the_unit_reading_it(world, notice):
    respond(world, start=at(DAY, 0))
    d = delivery(notice, world.nanxian_home)
    assert not receiving.mark_read(world.nanxian, d, now=at(DAY, 10, 30))
    assert Delivery.objects.get(pk=d.pk).read_at is None


def test_a_response_over_another_city_switches_nothing_on_here(world, notice):
    respond(world, region="430800", start=at(DAY, 0))  # 张家界 only
    d = delivery(notice, world.nanxian_home)
    assert not receiving.mark_read(world.home_reporter, d, now=at(DAY, 10, 30))


# --- feedback ------------------------------------------------------------------------------------------

def test_feedback_with_evidence_signs_it_too(world, notice):
    d = delivery(notice, world.nanxian_home)
    evidence = photo(world.home_reporter, world.nanxian_home)
    done = receiving.feed_back(world.home_reporter, d, text="已完成排查，整改隐患 3 处", attachments=[evidence],
                               now=at(DAY, 15))
    done.refresh_from_db()
    assert (done.fed_back_at, done.fed_back_by) == (at(DAY, 15), world.home_reporter)
    assert done.feedback == "已完成排查，整改隐患 3 处"
    assert list(done.feedback_attachments.all()) == [evidence]
    assert (done.signed_at, done.signed_as) == (at(DAY, 15), "staff")


def test_feeding_back_after_closing_is_refused(world, notice):
    d = delivery(notice, world.nanxian_home)
    receiving.sign(world.home_reporter, d, now=at(DAY, 11))
    Directive.objects.filter(pk=notice.pk).update(status=Directive.Status.CLOSED)
    with pytest.raises(ValidationError, match="已办结"):
        receiving.feed_back(world.home_reporter, d, text="已完成", now=at(DAY, 15))
    assert Delivery.objects.get(pk=d.pk).fed_back_at is None


def test_feeding_back_a_withdrawn_directive_is_refused(world, notice):
    Directive.objects.filter(pk=notice.pk).update(status=Directive.Status.WITHDRAWN)
    with pytest.raises(ValidationError, match="已撤回"):
        receiving.feed_back(world.home_reporter, delivery(notice, world.nanxian_home), text="已完成", now=at(DAY, 15))


def test_feedback_only_where_it_is_asked_for(world):
    notice = issue(world, feedback_required=False, now=at(DAY, 10))
    with pytest.raises(ValidationError, match="不要求反馈"):
        receiving.feed_back(world.home_reporter, delivery(notice, world.nanxian_home), text="已完成", now=at(DAY, 15))


def test_feedback_text_too_long_is_refused_and_nothing_saved(world, notice):
    d = delivery(notice, world.nanxian_home)
    with pytest.raises(ValidationError) as exc:
        receiving.feed_back(world.home_reporter, d, text="长" * 6000, now=at(DAY, 15))
    assert "text" in exc.value.message_dict
    d = Delivery.objects.get(pk=d.pk)
    assert d.fed_back_at is None and d.signed_at is None  # the implicit signing rolled back too


def test_empty_feedback_is_refused(world, notice):
    with pytest.raises(ValidationError) as exc:
        receiving.feed_back(world.home_reporter, delivery(notice, world.nanxian_home), text="  ", now=at(DAY, 15))
    assert "text" in exc.value.message_dict


def test_a_foreign_attachment_is_refused(world, notice):
    other = photo(world.nanxian, world.nanxian_home_2, name="other.jpg")  # another home's file
    d = delivery(notice, world.nanxian_home)
    with pytest.raises(ValidationError) as exc:
        receiving.feed_back(world.home_reporter, d, text="已完成", attachments=[other], now=at(DAY, 15))
    assert "other.jpg" in exc.value.message_dict["attachments"][0]
    assert Delivery.objects.get(pk=d.pk).fed_back_at is None


def test_feeding_back_twice_is_refused(world, notice):
    d = delivery(notice, world.nanxian_home)
    receiving.feed_back(world.home_reporter, d, text="已完成", now=at(DAY, 15))
    with pytest.raises(ValidationError, match="不能重复反馈"):
        receiving.feed_back(world.home_reporter, d, text="再次", now=at(DAY, 16))


def test_the_duty_officer_feeds_back_as_duty(world, notice):
    staff = cili_home_staff(world)
    d = delivery(notice, world.cili_home)
    on_duty(world, world.cili_home, world.cili, start=at(DAY, 8))
    done = receiving.feed_back(world.cili, d, text="值班人员反馈：已排查", now=at(DAY, 11))
    assert (done.signed_as, done.fed_back_by) == ("duty", world.cili)
    assert staff  # the home's own staff are there too; the duty officer acts for the unit all the same
