"""Rosters and check-ins through the services: what is refused, what a correction keeps, when
check-in is on, and the notice before a shift."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.command.helpers import MONDAY, at, respond, shift
from tongxin.command.models import CheckIn, DutyShift
from tongxin.command.queries.duty import duty_officer_ids, leaders_on_duty, on_duty
from tongxin.command.services import duty
from tongxin.core.models import AuditEvent, Notification


def test_a_home_sets_its_week_and_the_reads_see_who_is_on_duty(world):
    rows = [shift(role="leader", name="张院长", phone="13907370001", user=world.home_reporter),
            shift(name="李敏", phone="13807371234"),
            shift(MONDAY + dt.timedelta(days=1), name="王芳", phone="13807375678", start=(20, 0), end=(8, 0))]
    saved = duty.set_roster(world.home_reporter, unit=world.nanxian_home, week_start=MONDAY, rows=rows)
    assert len(saved) == 3
    noon = at(MONDAY, 12)
    assert on_duty(world.nanxian_home, noon).count() == 2
    assert duty_officer_ids(world.nanxian_home, noon) == {world.home_reporter.pk}
    assert [s.name for s in leaders_on_duty(world.nanxian_home, noon)] == ["张院长"]
    # the night shift passes midnight: on duty at 02:00 the next morning
    assert [s.name for s in on_duty(world.nanxian_home, at(MONDAY + dt.timedelta(days=2), 2))] == ["王芳"]


def test_overlapping_shifts_of_one_phone_are_refused_and_nothing_is_saved(world):
    rows = [shift(name="李敏", start=(8, 0), end=(14, 0)), shift(name="李敏", start=(13, 0), end=(20, 0))]
    with pytest.raises(ValidationError) as refused:
        duty.set_roster(world.nanxian, unit=world.nanxian_home, week_start=MONDAY, rows=rows)
    assert "时间重叠" in refused.value.message_dict["rows.1"][0]
    assert not DutyShift.objects.exists()


def test_one_person_cannot_be_on_duty_in_two_units_at_once(world):
    duty.set_roster(world.nanxian, unit=world.nanxian_home, week_start=MONDAY, rows=[shift(phone="13807371234")])
    with pytest.raises(ValidationError) as refused:
        duty.set_roster(world.nanxian, unit=world.nanxian_home_2, week_start=MONDAY,
                        rows=[shift(name="李敏", phone="138-0737-1234", start=(17, 0), end=(23, 0))])
    assert "南县福利院" in refused.value.message_dict["rows.0"][0]
    assert DutyShift.objects.filter(unit=world.nanxian_home_2).count() == 0


def test_a_clash_with_a_unit_outside_ones_scope_is_refused_without_naming_it(world):
    """慈利 keeps a shift of the same phone; 南县 is told of a clash, not of 慈利's unit or person."""
    duty.set_roster(world.cili, unit=world.cili_home, week_start=MONDAY, rows=[shift(name="王某", phone="13807371234")])
    with pytest.raises(ValidationError) as refused:
        duty.set_roster(world.nanxian, unit=world.nanxian_home, week_start=MONDAY, rows=[shift(phone="13807371234")])
    message = refused.value.message_dict["rows.0"][0]
    assert "其他单位的班次" in message and "零阳镇" not in message and "王某" not in message


def test_a_week_beyond_the_calendar_is_refused_in_words(world):
    with pytest.raises(ValidationError) as refused:
        duty.set_roster(world.nanxian, unit=world.nanxian_home, week_start=dt.date(9999, 12, 30), rows=[])
    assert "week_start" in refused.value.message_dict


def test_the_same_account_overlapping_under_two_phones_is_refused(world):
    rows = [shift(phone="13807371234", user=world.home_reporter),
            shift(name="周小兰", phone="13907370002", user=world.home_reporter, start=(9, 0), end=(10, 0))]
    with pytest.raises(ValidationError) as refused:
        duty.set_roster(world.nanxian, unit=world.nanxian_home, week_start=MONDAY, rows=rows)
    assert "rows.1" in refused.value.message_dict


def test_shifts_back_to_back_do_not_overlap(world):
    rows = [shift(start=(8, 0), end=(20, 0)), shift(start=(20, 0), end=(8, 0))]
    assert len(duty.set_roster(world.nanxian, unit=world.nanxian_home, week_start=MONDAY, rows=rows)) == 2


@pytest.mark.parametrize("phone", ["12345", "+1 202 555 0143", "1380737123"])
def test_a_phone_that_is_not_a_mainland_number_is_refused(world, phone):
    with pytest.raises(ValidationError) as refused:
        duty.set_roster(world.nanxian, unit=world.nanxian_home, week_start=MONDAY, rows=[shift(phone=phone)])
    assert "rows.0.phone" in refused.value.message_dict
    assert not DutyShift.objects.exists()


def test_a_day_outside_the_week_is_refused(world):
    with pytest.raises(ValidationError) as refused:
        duty.set_roster(world.nanxian, unit=world.nanxian_home, week_start=MONDAY,
                        rows=[shift(MONDAY + dt.timedelta(days=7))])
    assert "2021-08-02 至 2021-08-08" in refused.value.message_dict["rows.0.day"][0]


def test_an_account_of_another_unit_cannot_be_linked(world):
    with pytest.raises(ValidationError) as refused:
        duty.set_roster(world.nanxian, unit=world.nanxian_home_2, week_start=MONDAY,
                        rows=[shift(user=world.home_reporter)])
    assert "rows.0.user" in refused.value.message_dict
    assert world.home_reporter.get_username() not in str(refused.value)  # an account is never named


def test_a_stranger_county_cannot_see_the_unit_and_a_home_cannot_set_another(world):
    with pytest.raises(Http404):
        duty.set_roster(world.cili, unit=world.nanxian_home, week_start=MONDAY, rows=[shift()])
    with pytest.raises(Http404):
        duty.set_roster(world.home_reporter, unit=world.nanxian_home_2, week_start=MONDAY, rows=[shift()])


def test_an_auditor_may_not_keep_a_roster(world):
    with pytest.raises((PermissionDenied, Http404)):
        duty.set_roster(world.auditor, unit=world.nanxian_home, week_start=MONDAY, rows=[shift()])


def test_a_correction_replaces_the_week_and_keeps_before_and_after_in_the_audit(world):
    duty.set_roster(world.nanxian, unit=world.nanxian_home, week_start=MONDAY,
                    rows=[shift(name="李敏"), shift(MONDAY + dt.timedelta(days=1), name="王芳", phone="13807375678")])
    duty.set_roster(world.nanxian, unit=world.nanxian_home, week_start=MONDAY, rows=[shift(name="李敏")])
    assert list(DutyShift.objects.values_list("name", flat=True)) == ["李敏"]
    event = AuditEvent.objects.filter(object_repr__contains="值班表").order_by("-id").first()
    before, after = event.changes["shifts"]
    assert [s["name"] for s in before] == ["李敏", "王芳"] and [s["name"] for s in after] == ["李敏"]
    assert before[1]["phone"] == "138****5678"  # the trail never shows a number in full


def test_a_shift_already_checked_in_cannot_be_removed(world):
    respond(world)
    (kept,) = duty.set_roster(world.nanxian, unit=world.nanxian_home, week_start=MONDAY,
                              rows=[shift(user=world.home_reporter, name="周小兰")])
    duty.check_in(world.home_reporter, kept, now=at(MONDAY, 8, 5))
    with pytest.raises(ValidationError) as refused:
        duty.set_roster(world.nanxian, unit=world.nanxian_home, week_start=MONDAY, rows=[])
    assert "已签到" in refused.value.messages[0]
    # unchanged, it stays with its check-in
    duty.set_roster(world.nanxian, unit=world.nanxian_home, week_start=MONDAY,
                    rows=[shift(user=world.home_reporter, name="周小兰"), shift(name="王芳", phone="13807375678")])
    assert CheckIn.objects.get().shift_id == kept.pk


# --- check-in ------------------------------------------------------------------------------------

@pytest.fixture
def mine(world):
    (s,) = duty.set_roster(world.nanxian, unit=world.nanxian_home, week_start=MONDAY,
                           rows=[shift(user=world.home_reporter, name="周小兰")])
    return s


def test_the_person_of_the_shift_checks_in_with_a_tap_and_a_second_tap_changes_nothing(world, mine):
    respond(world)
    first = duty.check_in(world.home_reporter, mine, now=at(MONDAY, 7, 45))
    again = duty.check_in(world.home_reporter, mine, now=at(MONDAY, 9))
    assert first.created and not again.created
    assert CheckIn.objects.get().at == at(MONDAY, 7, 45)


def test_checking_in_for_someone_else_is_refused(world, mine):
    respond(world)
    with pytest.raises(PermissionDenied, match="本人"):
        duty.check_in(world.nanxian, mine, now=at(MONDAY, 8))
    assert not CheckIn.objects.exists()


def test_check_in_is_off_outside_a_response(world, mine):
    with pytest.raises(ValidationError) as refused:
        duty.check_in(world.home_reporter, mine, now=at(MONDAY, 8))
    assert "应急响应" in refused.value.message_dict["response"][0]
    respond(world, end=at(MONDAY, 7))  # ended before the shift
    with pytest.raises(ValidationError):
        duty.check_in(world.home_reporter, mine, now=at(MONDAY, 8))
    assert not CheckIn.objects.exists()


def test_a_response_of_another_city_does_not_switch_check_in_on(world, mine):
    respond(world, region="430800")
    with pytest.raises(ValidationError):
        duty.check_in(world.home_reporter, mine, now=at(MONDAY, 8))


@pytest.mark.parametrize(("hh", "mm"), [(7, 29), (18, 0), (23, 0)])
def test_check_in_is_taken_only_in_the_shifts_window(world, mine, hh, mm):
    respond(world)
    with pytest.raises(ValidationError) as refused:
        duty.check_in(world.home_reporter, mine, now=at(MONDAY, hh, mm))
    assert "at" in refused.value.message_dict


def test_a_night_shift_checks_in_after_midnight(world):
    respond(world)
    (night,) = duty.set_roster(world.nanxian, unit=world.nanxian_home, week_start=MONDAY,
                               rows=[shift(user=world.home_reporter, start=(20, 0), end=(8, 0))])
    assert duty.check_in(world.home_reporter, night, now=at(MONDAY + dt.timedelta(days=1), 0, 30)).created


def test_missed_is_flagged_only_past_the_setting_and_while_tracking(world, mine):
    assert not duty.is_missed(mine, at(MONDAY, 8, 31), tracking=False)
    assert not duty.is_missed(mine, at(MONDAY, 8, 29), tracking=True)
    assert duty.is_missed(mine, at(MONDAY, 8, 31), tracking=True)


# --- the notice before a shift -------------------------------------------------------------------

def test_the_notice_goes_shortly_before_the_shift_once_and_only_during_a_response(world, mine):
    assert duty.duty_notices(now=at(MONDAY, 7, 40)) == 0  # no response: nothing
    respond(world)
    assert duty.duty_notices(now=at(MONDAY, 7, 0)) == 0  # too early
    assert duty.duty_notices(now=at(MONDAY, 7, 40)) == 1
    assert duty.duty_notices(now=at(MONDAY, 7, 50)) == 0  # once per shift
    note = Notification.objects.get(recipient=world.home_reporter)
    assert note.key == "command.duty.check_in_due" and "南县福利院" in note.title


def test_no_notice_for_a_shift_named_without_an_account(world):
    respond(world)
    duty.set_roster(world.nanxian, unit=world.nanxian_home, week_start=MONDAY, rows=[shift()])
    assert duty.duty_notices(now=at(MONDAY, 7, 40)) == 0


# --- a property: a week is accepted exactly when no two shifts of one person overlap ---------------


SPANS = st.lists(st.tuples(st.integers(0, 6), st.integers(0, 47), st.integers(1, 36)), min_size=1, max_size=5)


def _span(day: int, half_hour: int, length: int) -> tuple[dt.datetime, dt.datetime]:
    start = at(MONDAY + dt.timedelta(days=day), 0) + dt.timedelta(minutes=30 * half_hour)
    return start, start + dt.timedelta(minutes=30 * length)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spans=SPANS)
def test_a_week_is_saved_exactly_when_no_two_shifts_of_one_person_overlap(world, spans):
    rows = []
    for day, half_hour, length in spans:
        start, end = _span(day, half_hour, length)
        rows.append(shift(MONDAY + dt.timedelta(days=day), start=(start.hour, start.minute),
                          end=(end.hour, end.minute)))
    times = [_span(*s) for s in spans]
    clash = any(a[0] < b[1] and b[0] < a[1] for i, a in enumerate(times) for b in times[:i])
    with transaction.atomic():
        try:
            duty.set_roster(world.nanxian, unit=world.nanxian_home, week_start=MONDAY, rows=rows)
            saved = True
        except ValidationError as exc:
            saved = False
            assert all("重叠" in m for m in exc.messages)
        assert saved != clash
        assert DutyShift.objects.count() == (0 if clash else len(rows))
        transaction.set_rollback(True)
