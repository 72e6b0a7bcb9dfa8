"""The demo's video meeting of 2021-07-26: every city summoned, most items done, one overdue."""

from __future__ import annotations

import datetime as dt

import pytest

from tongxin.command.models import ActionAssignment, Attendance, Meeting
from tongxin.command.queries import meetings as queries
from tongxin.demo import command_meetings
from tongxin.demo.builder import build_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return build_demo(live_drill=False)


def test_the_meeting_summons_all_14_cities_with_attendance(demo):
    meeting = Meeting.objects.get(title=command_meetings.TITLE)
    assert meeting.convener.name == "湖南省民政厅" and meeting.mode == "video"
    assert meeting.attendances.count() == 14
    assert not meeting.attendances.filter(status="").exists()
    assert Attendance.objects.filter(meeting=meeting, status="leave").count() == 1


def test_most_items_are_done_and_one_is_overdue(demo):
    qs = ActionAssignment.objects.filter(item__meeting__title=command_meetings.TITLE)
    assert qs.count() == 42
    assert qs.filter(status="done").count() == 41
    late = queries.filter_assignments(qs, overdue=True, today=dt.date(2021, 8, 2))
    assert [a.unit.name for a in late] == ["湘潭市民政局"]
    assert all(a.done_on and a.done_on <= a.target_date for a in qs.filter(status="done"))


def test_a_second_build_creates_nothing(demo):
    again = command_meetings.build()
    assert again["meetings_created"] == 0 and again["action_steps_taken"] == 0
    assert Meeting.objects.count() == 1
