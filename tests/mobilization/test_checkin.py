"""Check-in at a post: the daily code, check-in and out by the person, refusals, the roll,
forgotten check-outs, the anomaly flags and the hours credited (services.checkin)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.mobilization import factories as f
from tongxin.core.models import AuditEvent, Notification
from tongxin.mobilization.models import DeploymentDay, Flag, Method, ServiceRecord
from tongxin.mobilization.services import checkin

DAY = dt.date(2021, 7, 30)


@pytest.fixture
def on_shift(world):
    """A volunteer of 乐善 on the 08:00–12:00 shift of a checkpoint on 2021-07-30."""
    person = f.person(world.leshan, "李志愿", mobile="13907441234")
    post = f.post(world.leshan)
    shift = f.shift(post, DAY, 8, 4)
    f.assignment(shift, person)
    return person, post, shift


def code(post, day=DAY):
    return checkin.daily_code(post, day)


def refusal(exc) -> str:
    return " ".join(exc.value.messages)


# --- the code -----------------------------------------------------------------------------------

def test_the_daily_code_is_six_unambiguous_characters_and_changes_every_day(world):
    post = f.post(world.leshan)
    today, tomorrow = checkin.daily_code(post, DAY), checkin.daily_code(post, DAY + dt.timedelta(days=1))
    assert len(today) == 6 and set(today) <= set(checkin.ALPHABET)
    assert not set("0O1I") & set(checkin.ALPHABET)
    assert today == checkin.daily_code(post, DAY) and today != tomorrow
    assert today != checkin.daily_code(f.post(world.leshan, "另一卡点"), DAY)


def test_the_qr_is_inline_svg():
    svg = checkin.qr_svg("http://testserver/mobilization/scan/1/ABC234/")
    assert svg.startswith("<svg") and "http" not in svg.split(">", 1)[0].lower().replace("xmlns", "")


# --- check-in and out ---------------------------------------------------------------------------

def test_check_in_and_out_with_the_posts_code_credits_the_time(on_shift):
    person, post, shift = on_shift
    attendance = checkin.check_in(person, code(post).lower(), at=f.at(DAY, 7, 50))
    assert attendance.check_in_method == Method.CODE and attendance.checked_out_at is None
    assert DeploymentDay.objects.get(unit=post.unit, day=DAY).people == 1
    attendance = checkin.check_out(person, code(post), at=f.at(DAY, 12, 5))
    assert attendance.check_out_method == Method.CODE and attendance.hours == Decimal("4.00")
    assert attendance.flags == []
    assert ServiceRecord.objects.get(attendance=attendance).hours == Decimal("4.00")
    assert DeploymentDay.objects.get(unit=post.unit, day=DAY).hours == Decimal("4.00")
    assert AuditEvent.objects.filter(object_type="mobilization.attendance", object_id=str(attendance.pk),
                                     actor_name=f"mobilization.person:{person.pk}").count() == 2


def test_a_code_of_yesterday_is_expired(on_shift):
    person, post, _shift = on_shift
    with pytest.raises(ValidationError) as exc:
        checkin.check_in(person, code(post, DAY - dt.timedelta(days=1)), at=f.at(DAY, 8))
    assert refusal(exc) == "签到码已过期，请扫描卡点今天的二维码"
    assert "code" in exc.value.message_dict


def test_a_code_of_another_post_is_foreign(on_shift, world):
    person, _post, _shift = on_shift
    other = f.post(world.leshan, "另一卡点")
    with pytest.raises(ValidationError) as exc:
        checkin.check_in(person, code(other), at=f.at(DAY, 8))
    assert refusal(exc) == "该签到码不属于您今天的岗位"
    with pytest.raises(ValidationError) as exc:
        checkin.check_in(person, "ZZZZZZ", at=f.at(DAY, 8))
    assert refusal(exc) == "该签到码不属于您今天的岗位"


def test_a_malformed_code_is_named(on_shift):
    person, _post, _shift = on_shift
    with pytest.raises(ValidationError) as exc:
        checkin.check_in(person, "12", at=f.at(DAY, 8))
    assert "6 位签到码" in refusal(exc)


def test_no_shift_now_is_refused_before_the_window_and_after_the_end(on_shift, world):
    person, post, _shift = on_shift
    with pytest.raises(ValidationError) as exc:
        checkin.check_in(person, code(post), at=f.at(DAY, 7, 15))
    assert "还未到签到时间" in refusal(exc)
    with pytest.raises(ValidationError) as exc:
        checkin.check_in(person, code(post), at=f.at(DAY, 12, 1))
    assert "已于 12:00 结束" in refusal(exc)
    idle = f.person(world.leshan, "王无班")
    with pytest.raises(ValidationError) as exc:
        checkin.check_in(idle, code(post), at=f.at(DAY, 8))
    assert refusal(exc) == "您今天没有排班，无需签到"


def test_a_second_check_in_is_refused(on_shift):
    person, post, _shift = on_shift
    checkin.check_in(person, code(post), at=f.at(DAY, 8))
    with pytest.raises(ValidationError) as exc:
        checkin.check_in(person, code(post), at=f.at(DAY, 8, 1))
    assert refusal(exc) == "您已于 08:00 签到，无需重复签到"


def test_a_check_out_before_check_in_is_refused(on_shift, world):
    person, post, _shift = on_shift
    with pytest.raises(ValidationError) as exc:
        checkin.check_out(person, code(post), at=f.at(DAY, 9))
    assert refusal(exc) == "您还没有签到，不能签退"
    with pytest.raises(ValidationError) as exc:
        checkin.check_out(f.person(world.leshan, "王无班"), code(post), at=f.at(DAY, 9))
    assert refusal(exc) == "您还没有签到，不能签退"
    checkin.check_in(person, code(post), at=f.at(DAY, 8))
    checkin.check_out(person, code(post), at=f.at(DAY, 12))
    with pytest.raises(ValidationError) as exc:
        checkin.check_out(person, code(post), at=f.at(DAY, 12, 1))
    assert refusal(exc) == "您已于 12:00 签退"


def test_an_overnight_shift_takes_the_code_of_the_day_it_began_and_of_today(world):
    person = f.person(world.leshan)
    post = f.post(world.leshan)
    f.assignment(f.shift(post, DAY, 22, 8), person)
    checkin.check_in(person, code(post), at=f.at(DAY, 22))
    next_day = DAY + dt.timedelta(days=1)
    attendance = checkin.check_out(person, code(post, next_day), at=f.at(next_day, 6))
    assert attendance.hours == Decimal("8.00")


# --- hours and flags ----------------------------------------------------------------------------

@pytest.mark.parametrize(("in_at", "out_at", "hours"), [
    ((8, 7), (10, 20), "2.00"),   # 2 h 13 min: down to the quarter
    ((8, 0), (9, 44), "1.50"),    # 1 h 44 min
    ((8, 0), (9, 45), "1.75"),
    ((7, 40), (12, 0), "4.00"),   # the 20 minutes before the start are not credited
    ((8, 0), (8, 14), "0.00"),
])
def test_hours_are_the_time_in_the_shift_rounded_down_to_the_quarter(on_shift, in_at, out_at, hours):
    person, post, _shift = on_shift
    checkin.check_in(person, code(post), at=f.at(DAY, *in_at))
    assert checkin.check_out(person, code(post), at=f.at(DAY, *out_at)).hours == Decimal(hours)


def test_a_forgotten_check_out_closes_at_the_shifts_end_flagged_not_credited_in_full(on_shift):
    person, post, shift = on_shift
    attendance = checkin.check_in(person, code(post), at=f.at(DAY, 9))
    assert checkin.close_forgotten(f.at(DAY, 11)) == 0  # still running
    assert checkin.close_forgotten(f.at(DAY, 23)) == 1
    attendance.refresh_from_db()
    assert attendance.checked_out_at == shift.ends_at and attendance.check_out_method == Method.AUTO
    assert attendance.flags == [Flag.FORGOT_CHECKOUT] and attendance.hours == Decimal("0.00")
    assert ServiceRecord.objects.get(attendance=attendance).hours == Decimal("0.00")
    assert DeploymentDay.objects.get(unit=post.unit, day=DAY).hours == Decimal("0")
    assert Notification.objects.filter(contact_key=f"mobilization.person:{person.pk}",
                                       key=checkin.AUTO_CLOSED_KEY).count() == 1
    assert checkin.close_forgotten(f.at(DAY, 23, 30)) == 0  # once only


def test_the_management_command_closes_forgotten_check_outs(on_shift):
    from django.core.management import call_command

    person, post, _shift = on_shift
    attendance = checkin.check_in(person, code(post), at=f.at(DAY, 8))
    call_command("mobilization_sweep", "--at", "2021-07-30T23:00")
    attendance.refresh_from_db()
    assert attendance.check_out_method == Method.AUTO


def test_a_stay_over_12_hours_is_flagged(world):
    person = f.person(world.leshan)
    post = f.post(world.leshan)
    f.assignment(f.shift(post, DAY, 7, 14), person)
    checkin.check_in(person, code(post), at=f.at(DAY, 7))
    attendance = checkin.check_out(person, code(post), at=f.at(DAY, 20))
    assert attendance.flags == [Flag.OVER_12_HOURS] and attendance.hours == Decimal("13.00")


def test_time_outside_the_shift_is_flagged_and_not_credited(on_shift):
    person, post, _shift = on_shift
    checkin.check_in(person, code(post), at=f.at(DAY, 7, 30))
    attendance = checkin.check_out(person, code(post), at=f.at(DAY, 13, 0))
    assert attendance.flags == [Flag.OUTSIDE_SHIFT] and attendance.hours == Decimal("4.00")


def test_a_few_minutes_either_side_are_not_flagged(on_shift):
    person, post, _shift = on_shift
    checkin.check_in(person, code(post), at=f.at(DAY, 7, 45))
    assert checkin.check_out(person, code(post), at=f.at(DAY, 12, 10)).flags == []


def test_overlapping_attendances_are_flagged_on_both(world):
    person = f.person(world.leshan)
    a, b = f.post(world.leshan, "甲卡点"), f.post(world.leshan, "乙卡点")
    f.assignment(f.shift(a, DAY, 8, 4), person)
    f.assignment(f.shift(b, DAY, 10, 4), person)  # written past the double-booking gate, as a walk-up merge can
    first = checkin.check_in(person, code(a), at=f.at(DAY, 8))
    checkin.check_in(person, code(b), at=f.at(DAY, 10))
    second = checkin.check_out(person, code(b), at=f.at(DAY, 14))
    first.refresh_from_db()
    assert Flag.OVERLAP in second.flags and Flag.OVERLAP in first.flags


@settings(max_examples=200, deadline=None)
@given(start=st.integers(0, 23 * 60), length=st.integers(1, 16 * 60), enter=st.integers(-120, 20 * 60),
       stay=st.integers(0, 24 * 60))
def test_credited_hours_never_exceed_the_shifts_length(start, length, enter, stay):
    base = f.at(DAY, 0)
    starts = base + dt.timedelta(minutes=start)
    ends = starts + dt.timedelta(minutes=length)
    came = starts + dt.timedelta(minutes=enter)
    hours = checkin.credited(came, came + dt.timedelta(minutes=stay), starts, ends)
    assert Decimal(0) <= hours <= Decimal(length) / 60
    assert hours * 4 == int(hours * 4)  # whole quarters


# --- the roll -----------------------------------------------------------------------------------

def test_the_staff_confirm_the_roll_and_check_out(on_shift, world):
    person, _post, shift = on_shift
    other = f.person(world.leshan, "赵志愿")
    f.assignment(shift, other)
    done = checkin.confirm_roll(world.leshan_staff, shift, [person, other.pk], at=f.at(DAY, 8, 10))
    assert [a.check_in_method for a in done] == [Method.ROLL, Method.ROLL]
    assert done[0].checked_in_by == world.leshan_staff
    again = checkin.confirm_roll(world.leshan_staff, shift, [person], at=f.at(DAY, 8, 20))
    assert again[0].pk == done[0].pk and again[0].checked_in_at == f.at(DAY, 8, 10)
    (out,) = checkin.roll_check_out(world.leshan_staff, shift, [person], at=f.at(DAY, 12))
    assert out.check_out_method == Method.ROLL and out.checked_out_by == world.leshan_staff
    assert out.hours == Decimal("3.75")


def test_the_roll_refuses_someone_not_on_the_shift_and_outside_the_window(on_shift, world):
    _person, _post, shift = on_shift
    stranger = f.person(world.leshan, "钱路人")
    with pytest.raises(ValidationError) as exc:
        checkin.confirm_roll(world.leshan_staff, shift, [stranger], at=f.at(DAY, 8))
    assert "钱路人 不在该班次的名单上" in refusal(exc)
    with pytest.raises(ValidationError) as exc:
        checkin.confirm_roll(world.leshan_staff, shift, [_person], at=f.at(DAY, 13))
    assert "只能在班次开始前" in refusal(exc)
    with pytest.raises(ValidationError) as exc:
        checkin.roll_check_out(world.leshan_staff, shift, [_person], at=f.at(DAY, 11))
    assert "还没有签到，不能签退" in refusal(exc)


def test_the_roll_names_only_people_of_the_posts_unit(on_shift, world):
    _person, _post, shift = on_shift
    own = f.person(world.leshan, "钱本单位")
    stranger = f.person(world.nanxian_home, "孙外单位")
    with pytest.raises(ValidationError) as exc:
        checkin.confirm_roll(world.leshan_staff, shift, [own.pk, stranger.pk], at=f.at(DAY, 8))
    assert refusal(exc) == f"人员：钱本单位, #{stranger.pk} 不在该班次的名单上"


def test_a_stranger_county_cannot_take_the_roll(on_shift, world):
    person, _post, shift = on_shift
    with pytest.raises(Http404):
        checkin.confirm_roll(world.nanxian, shift, [person], at=f.at(DAY, 8))


# --- review -------------------------------------------------------------------------------------

def test_a_forgotten_check_out_is_credited_only_the_hours_the_review_confirms(on_shift, world):
    from tongxin.mobilization.models import RecordStatus
    from tongxin.mobilization.services import records

    person, post, _shift = on_shift
    attendance = checkin.check_in(person, code(post), at=f.at(DAY, 9))
    checkin.close_forgotten(f.at(DAY, 23))
    draft = ServiceRecord.objects.get(attendance=attendance)
    assert draft.hours == Decimal("0.00")
    with pytest.raises(ValidationError) as exc:
        records.finalise(world.leshan_staff, draft, at=f.at(DAY, 23))
    assert refusal(exc) == "该记录的到岗异常尚未复核"
    for too_much in ("3.5", "-1", "abc", "NaN"):  # at most from the check-in (09:00) to the shift's end
        with pytest.raises(ValidationError) as exc:
            checkin.review(world.leshan_staff, attendance, note="电话核实", hours=too_much)
        assert "hours" in exc.value.message_dict
    checkin.review(world.leshan_staff, attendance, note="电话核实，11:40 离岗", hours="2.6")
    attendance.refresh_from_db()
    assert attendance.hours == Decimal("2.50")  # rounded down to the quarter hour
    current = ServiceRecord.objects.exclude(status=RecordStatus.SUPERSEDED).get(attendance=attendance)
    assert current.hours == Decimal("2.50") and current.status == RecordStatus.DRAFT and current.corrects == draft
    assert DeploymentDay.objects.get(unit=post.unit, day=DAY).hours == Decimal("2.50")
    assert records.finalise(world.leshan_staff, current, at=f.at(DAY, 23)).status == RecordStatus.FINAL


def test_staff_review_a_flagged_attendance(on_shift, world):
    person, post, _shift = on_shift
    attendance = checkin.check_in(person, code(post), at=f.at(DAY, 8))
    with pytest.raises(ValidationError):
        checkin.review(world.leshan_staff, attendance, note="看过")  # still open, nothing flagged yet
    checkin.close_forgotten(f.at(DAY, 23))
    with pytest.raises(ValidationError) as exc:
        checkin.review(world.leshan_staff, attendance, note=" ")
    assert "复核说明" in refusal(exc)
    with pytest.raises(Http404):
        checkin.review(world.nanxian, attendance, note="看过")
    with pytest.raises(ValidationError) as exc:
        checkin.review(world.leshan_staff, attendance, note="电话核实")  # a forgotten check-out: hours needed
    assert "hours" in exc.value.message_dict
    reviewed = checkin.review(world.leshan_staff, attendance, note="电话核实，12:00 离岗", hours="4")
    assert reviewed.reviewed_by == world.leshan_staff and reviewed.review_note == "电话核实，12:00 离岗"
    assert AuditEvent.objects.filter(object_type="mobilization.attendance", object_id=str(attendance.pk),
                                     actor_id=world.leshan_staff.pk).exists()
    with pytest.raises(ValidationError):
        checkin.review(world.leshan_staff, attendance, note="再看")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(came=st.integers(-30, 239), stay=st.integers(0, 16 * 60), forgot=st.booleans())
def test_credited_hours_through_the_services_never_exceed_the_shift(world, came, stay, forgot):
    with transaction.atomic():
        person = f.person(world.leshan)
        post = f.post(world.leshan, "假设卡点")
        shift = f.shift(post, DAY, 8, 4)
        f.assignment(shift, person)
        arrived = shift.starts_at + dt.timedelta(minutes=came)
        attendance = checkin.check_in(person, code(post), at=arrived)
        if forgot:
            checkin.close_forgotten(shift.ends_at)
            attendance.refresh_from_db()
        else:
            left = min(arrived + dt.timedelta(minutes=stay), f.at(DAY, 23, 59))  # the same local day's code
            attendance = checkin.check_out(person, code(post), at=left)
        assert Decimal(0) <= attendance.hours <= Decimal(4)
        assert (Flag.FORGOT_CHECKOUT in attendance.flags) == forgot
        transaction.set_rollback(True)
