"""The demo's mobilization: 乐善's 60 social workers and 30 volunteers at seven 慈利 posts from 2021-07-30
to 2021-08-09, their shifts, check-ins, hours and records; 益阳市餐饮协会's 2,217 meals; the live
drill's week of shifts to fill."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum
from stdnum.cn import ric

from tests.demo.conftest import BUILD_DAY, BUILD_MOMENT
from tongxin.core.validators import normalize_phone
from tongxin.demo import mobilization_story as ms
from tongxin.demo import story
from tongxin.mobilization.models import (
    ActivityReport,
    Assignment,
    AssignmentStatus,
    Attendance,
    Certificate,
    DeploymentDay,
    Flag,
    Method,
    Person,
    RecordStatus,
    ServiceRecord,
    Shift,
)
from tongxin.mobilization.queries.records import verify
from tongxin.units.models import Unit


@pytest.fixture
def built(demo_builds, db):
    return demo_builds


@pytest.fixture
def leshan(built):
    return Unit.objects.get(region_id=story.CILI, name=story.LESHAN)


def in_story(**lookups):
    return {f"{k}__gte": ms.START for k in lookups} | {f"{k}__lte": ms.END for k in lookups}


def test_leshan_has_exactly_60_social_workers_and_30_volunteers_with_valid_ids_and_mobiles(built, leshan):
    team = Person.objects.filter(unit=leshan)
    assert team.filter(kind="social_worker").count() == ms.SOCIAL_WORKERS == 60
    assert team.filter(kind="volunteer").count() == ms.VOLUNTEERS == 30
    assert built.first["mobilization_social_workers"] == 60 and built.first["mobilization_volunteers"] == 30
    assert len(set(team.values_list("name", flat=True))) == 90
    for p in team:
        assert p.id_number.startswith(story.CILI) and ric.is_valid(p.id_number), p.name
        assert normalize_phone(p.mobile) == p.mobile
        assert p.skills
        if p.insurance_policy.startswith(ms.INSURANCE_POLICY_PREFIX):  # the 2021 policy
            assert (p.insurance_from, p.insurance_until) == (ms.INSURANCE_FROM, ms.INSURANCE_UNTIL)
        else:  # renewed for the live drill's year
            assert p.insurance_from <= BUILD_DAY <= p.insurance_until
    not_renewed = team.filter(insurance_policy__startswith=ms.INSURANCE_POLICY_PREFIX)
    assert not_renewed.count() == 90 - 30 - ms.RENEWED_SOCIAL_WORKERS
    assert set(not_renewed.values_list("insurance_until", flat=True)) == {dt.date(2021, 12, 31)}


def test_two_shifts_a_day_at_seven_posts_every_day_of_the_eleven(built, leshan):
    shifts = Shift.objects.filter(post__unit=leshan, **in_story(day=True))
    assert shifts.count() == len(ms.POSTS) * ms.DAYS * 2 == 154
    assert sorted(set(shifts.values_list("day", flat=True))) == ms.days()
    assert ms.days()[0] == dt.date(2021, 7, 30) and ms.days()[-1] == dt.date(2021, 8, 9) and ms.DAYS == 11
    names = set(shifts.values_list("post__name", flat=True))
    assert {"慈利县零阳镇高速出口卡点", "慈利县江垭镇卡点"} <= names
    assert set(shifts.values_list("post__region_id", flat=True)) == {story.CILI}
    for s in shifts.prefetch_related("assignments"):
        assert len([a for a in s.assignments.all() if a.status == AssignmentStatus.ACTIVE]) == s.needed


def test_nobody_is_in_two_places_at_once_and_every_one_of_the_90_served(built, leshan):
    rows = list(Assignment.objects.filter(shift__post__unit=leshan, status=AssignmentStatus.ACTIVE)
                .values_list("person_id", "starts_at", "ends_at").order_by("person_id", "starts_at"))
    for (p1, _s1, e1), (p2, s2, _e2) in zip(rows, rows[1:], strict=False):
        assert p1 != p2 or s2 >= e1
    in_2021 = {p for p, s, _e in rows if s.year == 2021}
    assert len(in_2021) == 90


def test_check_ins_with_the_code_a_few_late_and_one_forgotten_check_out_flagged(built, leshan):
    attendances = Attendance.objects.filter(assignment__shift__post__unit=leshan,
                                            **in_story(assignment__shift__day=True))
    assigned = Assignment.objects.filter(shift__post__unit=leshan, status=AssignmentStatus.ACTIVE,
                                         **in_story(shift__day=True))
    assert attendances.count() == assigned.count() == ms.places() == 500
    assert set(attendances.values_list("check_in_method", flat=True)) == {Method.CODE}
    late = [a for a in attendances.select_related("assignment")
            if a.checked_in_at - a.assignment.starts_at > dt.timedelta(minutes=15)]
    assert len(late) == len(ms.LATE)
    flagged = [a for a in attendances if a.flags]
    assert len(flagged) == 1
    forgot = flagged[0]
    assert Flag.FORGOT_CHECKOUT in forgot.flags and forgot.check_out_method == Method.AUTO
    assert forgot.assignment.shift.post.name == ms.FORGOT_CHECKOUT[0]
    assert forgot.assignment.shift.day == ms.FORGOT_CHECKOUT[1]
    assert forgot.checked_out_at == forgot.assignment.ends_at  # closed at the shift's end, credited no further
    assert forgot.hours is not None and forgot.hours <= Decimal(6)
    assert forgot.reviewed_at is not None and forgot.reviewed_at.year == 2021  # the staff reviewed it
    assert forgot.review_note == ms.FORGOT_CHECKOUT_NOTE


def test_records_are_final_within_ten_working_days_and_the_hours_add_up(built, leshan):
    records = ServiceRecord.objects.filter(unit=leshan, **in_story(day=True)).exclude(status=RecordStatus.SUPERSEDED)
    assert records.count() == records.filter(status=RecordStatus.FINAL).count() == ms.places()
    for r in records:
        assert r.reviewed_at is not None and r.day < r.reviewed_at.date() <= r.due_by
    attended = Attendance.objects.filter(assignment__shift__post__unit=leshan,
                                         **in_story(assignment__shift__day=True)).aggregate(h=Sum("hours"))["h"]
    recorded = records.aggregate(h=Sum("hours"))["h"]
    rolled = DeploymentDay.objects.filter(unit=leshan, **in_story(day=True)).aggregate(h=Sum("hours"))["h"]
    assert attended == recorded == rolled
    assert Decimal(ms.places() * 5) < rolled < Decimal(ms.places() * 6)
    by_day = DeploymentDay.objects.filter(unit=leshan, **in_story(day=True))
    assert by_day.count() == ms.DAYS
    for row in by_day:
        day_records = records.filter(day=row.day).aggregate(h=Sum("hours"))["h"]
        assert row.hours == day_records, row.day
        assert row.shifts == len(ms.POSTS) * 2 and row.shifts_unfilled == 0
        assert row.people == ms.places(row.day)


def test_one_certificate_for_a_social_worker_verifies(built, leshan):
    person = Person.objects.get(unit=leshan, id_number=ms.people()[ms.CERTIFICATE_FOR].id_number)
    assert person.kind == "social_worker"
    certificate = Certificate.objects.get(unit=leshan)
    assert certificate.person == person
    assert (certificate.period_from, certificate.period_until) == (ms.START, ms.END)
    final = ServiceRecord.objects.filter(person=person, status=RecordStatus.FINAL, **in_story(day=True))
    assert certificate.hours == final.aggregate(h=Sum("hours"))["h"] > 0
    assert verify(certificate.code) == certificate


def test_the_catering_association_reported_2217_meals_on_july_30(built):
    report = ActivityReport.objects.get(unit__name=ms.MEALS_UNIT)
    assert (report.day, report.quantity, report.measure) == (dt.date(2021, 7, 30), 2217, "份")
    assert report.people == sum(ms.MEALS_PEOPLE.values()) > 0
    row = DeploymentDay.objects.get(unit=report.unit, day=report.day)
    assert row.reported_people == report.people and row.activity_reports == 1


def test_the_live_drill_leaves_shifts_to_fill_this_week(built, leshan):
    week = Shift.objects.filter(post__unit=leshan, day__gte=BUILD_DAY, day__lt=BUILD_DAY + dt.timedelta(days=7))
    assert week.count() == ms.LIVE_DAYS * (len(ms.LIVE_POSTS) * 2 + 1)
    today = list(week.filter(day=BUILD_DAY).prefetch_related("assignments"))
    filled = [len([a for a in s.assignments.all() if a.status == AssignmentStatus.ACTIVE]) for s in today]
    assert any(f == s.needed for f, s in zip(filled, today, strict=True))
    assert any(f < s.needed for f, s in zip(filled, today, strict=True))
    later = week.filter(day__gte=BUILD_DAY + dt.timedelta(days=2))
    assert not Assignment.objects.filter(shift__in=later).exists()
    # people on today's shifts that began before the build moment have checked in, never after it
    on_today = Attendance.objects.filter(assignment__shift__in=[s.pk for s in today])
    assert on_today.exists()
    assert all(a.checked_in_at <= BUILD_MOMENT for a in on_today)
    assert built.second["live_mobilization_check_ins_made"] == 0
    for key in ("people", "posts", "shifts", "assignments", "check_ins", "check_outs", "finalised"):
        assert built.second[f"mobilization_{key}_made"] == 0, key
    assert built.second["mobilization_activity_reports_filed"] == 0


def test_the_live_drill_served_the_past_week_and_its_records_are_reviewed_two_days_later(built, leshan):
    first = BUILD_DAY - dt.timedelta(days=ms.LIVE_DAYS_BEFORE)
    past = Shift.objects.filter(post__unit=leshan, day__gte=first, day__lt=BUILD_DAY).prefetch_related("assignments")
    assert past.count() == ms.LIVE_DAYS_BEFORE * (len(ms.LIVE_POSTS) * 2 + 1)
    for s in past:
        active = [a for a in s.assignments.all() if a.status == AssignmentStatus.ACTIVE]
        assert len(active) == s.needed
    attended = Attendance.objects.filter(assignment__shift__in=past)
    assert attended.count() == sum(s.needed for s in past) and not attended.filter(checked_out_at=None).exists()
    records = ServiceRecord.objects.filter(unit=leshan, day__gte=first, day__lt=BUILD_DAY)
    assert set(records.filter(status=RecordStatus.DRAFT).values_list("day", flat=True)) == {
        BUILD_DAY - dt.timedelta(days=1)}
    rolled = DeploymentDay.objects.filter(unit=leshan, day__gte=first, day__lt=BUILD_DAY).aggregate(h=Sum("hours"))
    assert rolled["h"] == records.aggregate(h=Sum("hours"))["h"] > 0
    flagged = [a for a in attended.select_related("assignment__shift__post") if a.flags]
    assert len(flagged) == 1 and flagged[0].reviewed_at is None  # yesterday's forgotten check-out, to review
    name, offset, _shift, _place = ms.LIVE_FORGOT_CHECKOUT
    assert flagged[0].assignment.shift.post.name == name
    assert flagged[0].assignment.shift.day == BUILD_DAY + dt.timedelta(days=offset)
