"""Dispatch meetings and the life of their action items (督办事项), through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.command.helpers import MEETING_AT, TARGET, at, nanxian_meeting, photo, second_officer
from tongxin.command.models import ActionAssignment, ActionEvent, ActionItem, Attendance, Meeting
from tongxin.command.queries import meetings as queries
from tongxin.command.services import meetings as services
from tongxin.core.audit import AuditEvent
from tongxin.core.models import Notification

pytestmark = pytest.mark.django_db


def test_county_convenes_a_meeting_summoning_its_homes(world):
    meeting = nanxian_meeting(world, mode="onsite", agenda="一、通报疫情")
    assert meeting.convener == world.nanxian_bureau
    assert set(meeting.attendances.values_list("unit__name", flat=True)) == {"南县福利院", "南县南洲镇敬老院"}
    assert AuditEvent.objects.filter(object_type__icontains="meeting").exists()


def test_attendance_is_recorded_with_who_came(world):
    meeting = nanxian_meeting(world)
    services.record_attendance(world.nanxian, meeting, unit=world.nanxian_home, status="present", attendees="李敏")
    services.record_attendance(world.nanxian, meeting, unit=world.nanxian_home_2, status="leave", note="院长外出")
    assert queries.attendance_counts(meeting) == {"present": 1, "leave": 1}


def test_present_without_attendees_is_refused(world):
    meeting = nanxian_meeting(world)
    with pytest.raises(ValidationError) as e:
        services.record_attendance(world.nanxian, meeting, unit=world.nanxian_home, status="present")
    assert "attendees" in e.value.message_dict


def test_summoning_a_unit_outside_the_conveners_subtree_is_refused(world):
    with pytest.raises(ValidationError) as e:
        services.create_meeting(world.nanxian, convener=world.nanxian_bureau, title="调度会", starts_at=MEETING_AT,
                                units=[world.nanxian_home, world.cili_home])
    assert "不在" in e.value.message_dict["units"][0]
    assert not Meeting.objects.exists() and not Attendance.objects.exists()


def test_a_stranger_cannot_convene_for_another_county(world):
    with pytest.raises(Http404):
        services.create_meeting(world.cili, convener=world.nanxian_bureau, title="调度会", starts_at=MEETING_AT)


def test_target_date_before_the_meeting_is_refused(world):
    meeting = nanxian_meeting(world)
    with pytest.raises(ValidationError) as e:
        services.add_decision(world.nanxian, meeting, description="全面排查", units=[world.nanxian_home],
                              target_date=dt.date(2021, 7, 25))
    assert "不能早于会议日期" in e.value.message_dict["target_date"][0]
    assert not ActionItem.objects.exists() and not ActionAssignment.objects.exists()


@pytest.mark.parametrize(("field", "start", "target"), [("target_date", None, dt.date(9999, 12, 31)),
                                                         ("start", dt.date(1, 1, 1), dt.date(2021, 8, 1))])
def test_a_date_off_the_calendar_is_refused_in_words(world, field, start, target):
    meeting = nanxian_meeting(world)
    with pytest.raises(ValidationError) as e:
        services.add_decision(world.nanxian, meeting, description="全面排查", units=[world.nanxian_home],
                              target_date=target, start=start)
    assert "2100-12-24" in e.value.message_dict[field][0]
    assert not ActionItem.objects.exists() and not ActionAssignment.objects.exists()


def test_decision_becomes_numbered_item_with_one_assignment_per_unit(world):
    meeting = nanxian_meeting(world)
    first = services.add_decision(world.nanxian, meeting, description="封闭管理", units=[world.nanxian_home],
                                  target_date=TARGET)
    second = services.add_decision(world.nanxian, meeting, description="全面排查",
                                   units=[world.nanxian_home, world.nanxian_home_2], target_date=TARGET)
    assert (first.number, second.number) == (1, 2)
    assert second.start == dt.date(2021, 7, 26)
    assert sorted(second.assignments.values_list("unit__name", flat=True)) == ["南县南洲镇敬老院", "南县福利院"]
    assert Notification.objects.filter(recipient=world.home_reporter, key="command.action_assigned").count() == 2


def _assigned(world):
    meeting = nanxian_meeting(world)
    item = services.add_decision(world.nanxian, meeting, description="全面排查消防隐患", units=[world.nanxian_home],
                                 target_date=TARGET, now=at(dt.date(2021, 7, 26), 10))
    return item.assignments.get()


def test_the_whole_life_progress_submit_return_resubmit_accept(world):
    a = _assigned(world)
    reporter, other = world.home_reporter, second_officer(world)
    a = services.transition(reporter, a, "progress", comment="已排查一半", now=at(dt.date(2021, 7, 27), 10))
    assert a.status == "in_progress" and a.progress == "已排查一半"
    a = services.transition(reporter, a, "submit", comment="排查完毕", attachments=[photo(reporter, a.unit)],
                            now=at(dt.date(2021, 7, 28), 10))
    assert a.status == "awaiting" and a.submitted_by == reporter
    assert Notification.objects.filter(recipient=world.nanxian, key="command.action_submitted").exists()
    a = services.transition(world.nanxian, a, "return", comment="缺少整改照片", now=at(dt.date(2021, 7, 28), 15))
    assert a.status == "returned"
    assert Notification.objects.filter(recipient=reporter, key="command.action_returned").exists()
    a = services.transition(reporter, a, "submit", comment="补充照片", attachments=[photo(reporter, a.unit)],
                            now=at(dt.date(2021, 7, 29), 10))
    a = services.transition(other, a, "accept", comment="合格", now=at(dt.date(2021, 7, 29), 17))
    assert a.status == "done" and a.done_on == dt.date(2021, 7, 29) and a.accepted_by == other
    names = list(ActionEvent.objects.filter(assignment=a).values_list("name", flat=True))
    assert names == ["assign", "progress", "submit", "return", "submit", "accept"]
    assert ActionEvent.objects.filter(assignment=a, name="submit").first().attachments.count() == 1


def test_completion_without_evidence_is_refused(world):
    a = _assigned(world)
    with pytest.raises(ValidationError) as e:
        services.transition(world.home_reporter, a, "submit", comment="完成了")
    assert "attachments" in e.value.message_dict
    a.refresh_from_db()
    assert a.status == "assigned" and a.events.count() == 1


def test_accepting_ones_own_submission_is_refused(world):
    a = _assigned(world)
    a = services.transition(world.nanxian, a, "submit", attachments=[photo(world.nanxian, a.unit)])
    with pytest.raises(PermissionDenied, match="不能验收自己"):
        services.transition(world.nanxian, a, "accept")
    assert not any(t.name == "accept" for t in services.WORKFLOW.allowed_for(world.nanxian, a))


def test_only_the_convening_bureaus_officers_accept(world):
    a = _assigned(world)
    a = services.transition(world.home_reporter, a, "submit", attachments=[photo(world.home_reporter, a.unit)])
    with pytest.raises(PermissionDenied, match="召集单位"):
        services.transition(world.hunan, a, "accept")  # the province sees it, but did not convene
    with pytest.raises(PermissionDenied):
        services.transition(world.home_reporter, a, "accept")
    with pytest.raises(Http404):
        services.transition(world.cili, a, "accept")
    a.refresh_from_db()
    assert a.status == "awaiting"


def test_only_the_units_staff_or_above_report_progress(world):
    a = _assigned(world)
    with pytest.raises(Http404):
        services.transition(world.cili, a, "progress", comment="x")
    services.transition(world.hunan, a, "progress", comment="省厅代报")  # a bureau above


def test_returning_needs_a_reason(world):
    a = _assigned(world)
    a = services.transition(world.home_reporter, a, "submit", attachments=[photo(world.home_reporter, a.unit)])
    with pytest.raises(ValidationError) as e:
        services.transition(world.nanxian, a, "return")
    assert "comment" in e.value.message_dict


# --- overdue, around local midnight -----------------------------------------------------------------

def test_overdue_starts_at_local_midnight_after_the_target_date(world):
    a = _assigned(world)  # target 2021-07-30
    assert not services.is_overdue(a, dt.date(2021, 7, 30))
    assert services.is_overdue(a, dt.date(2021, 7, 31))
    from django.utils import timezone
    # 2021-07-30 23:59 Beijing is 15:59 UTC; 2021-07-31 00:00 Beijing is 16:00 UTC on the 30th.
    assert not services.is_overdue(a, timezone.localdate(at(dt.date(2021, 7, 30), 23, 59)))
    assert services.is_overdue(a, timezone.localdate(at(dt.date(2021, 7, 31), 0, 0)))
    qs = ActionAssignment.objects.all()
    assert queries.filter_assignments(qs, overdue=True, today=dt.date(2021, 7, 30)).count() == 0
    assert queries.filter_assignments(qs, overdue=True, today=dt.date(2021, 7, 31)).count() == 1
    assert queries.overdue_days(a, dt.date(2021, 8, 2)) == 3


def test_an_accepted_item_is_never_overdue(world):
    a = _assigned(world)
    a = services.transition(world.home_reporter, a, "submit", attachments=[photo(world.home_reporter, a.unit)])
    a = services.transition(world.nanxian, a, "accept")
    assert not services.is_overdue(a, dt.date(2030, 1, 1))


def test_notices_of_due_soon_and_overdue_are_sent_once_a_day(world):
    _assigned(world)  # target 2021-07-30
    assert services.action_item_notices(now=at(dt.date(2021, 7, 29), 10)) == 1
    assert services.action_item_notices(now=at(dt.date(2021, 7, 29), 18)) == 0
    assert Notification.objects.filter(recipient=world.home_reporter, key="command.action_due_soon").count() == 1
    assert services.action_item_notices(now=at(dt.date(2021, 7, 31), 0, 1)) == 1
    assert Notification.objects.filter(recipient=world.home_reporter, key="command.action_overdue").count() == 1


# --- scope ----------------------------------------------------------------------------------------

def test_the_province_board_shows_the_countys_overdue_items_and_a_stranger_sees_none(world):
    a = _assigned(world)
    for user in (world.hunan, world.nanxian, world.home_reporter):
        assert queries.visible_assignments(user).filter(pk=a.pk).exists()
        assert queries.visible_meetings(user).filter(pk=a.item.meeting_id).exists()
    assert not queries.visible_assignments(world.cili).exists()
    assert not queries.visible_meetings(world.cili).exists()
    overdue = queries.filter_assignments(queries.visible_assignments(world.hunan), overdue=True,
                                         today=dt.date(2021, 8, 1))
    assert list(overdue) == [a]


def test_overdue_assignment_raises_a_ledger_entry_once(world):
    from tongxin.ledger.models import LedgerEntry

    a = _assigned(world)
    entry = services.raise_ledger_entry(world.nanxian, a, deadline=dt.date(2021, 8, 5), now=at(dt.date(2021, 8, 1), 10))
    assert entry.source == "action_item" and entry.source_id == a.pk
    with pytest.raises(ValidationError):
        services.raise_ledger_entry(world.nanxian, a, deadline=dt.date(2021, 8, 5), now=at(dt.date(2021, 8, 1), 10))
    assert LedgerEntry.objects.count() == 1


# --- numbers people read add up ------------------------------------------------------------------------

@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.sampled_from(["none", "progress", "submit", "accept", "return"]), min_size=1, max_size=6),
       today=st.dates(min_value=dt.date(2021, 7, 26), max_value=dt.date(2021, 8, 10)))
def test_board_counts_equal_the_rows(world, steps, today):
    from django.db import transaction

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            meeting = nanxian_meeting(world)
            reporter, other = world.home_reporter, second_officer(world)
            for i, last in enumerate(steps):
                target = dt.date(2021, 7, 27) + dt.timedelta(days=i)
                item = services.add_decision(world.nanxian, meeting, description=f"事项{i}",
                                             units=[world.nanxian_home], target_date=target)
                a = item.assignments.get()
                if last == "progress":
                    services.transition(reporter, a, "progress", comment="推进中")
                elif last != "none":
                    a = services.transition(reporter, a, "submit", attachments=[photo(reporter, a.unit)])
                    if last in ("accept", "return"):
                        services.transition(other, a, last, comment="意见")
            qs = queries.visible_assignments(world.hunan)
            counts = queries.board_counts(qs, today)
            rows = list(qs)
            assert counts.total == len(rows) == counts.open + counts.done
            assert counts.done == sum(r.status == "done" for r in rows)
            assert counts.awaiting == sum(r.status == "awaiting" for r in rows)
            assert counts.overdue == sum(services.is_overdue(r, today) for r in rows)
            assert counts.overdue == queries.filter_assignments(qs, overdue=True, today=today).count()
            raise Rollback
    except Rollback:
        pass
