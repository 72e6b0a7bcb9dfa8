"""The demo's video meeting of 2021-07-26: every city summoned, most items done, one overdue.

The 2021 story is the session's snapshot (tests/snapshots.py), committed for this module and taken
away after it; each test's own changes roll back as usual."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from tests import snapshots
from tongxin.command.models import ActionAssignment, Attendance, Meeting
from tongxin.command.queries import meetings as queries
from tongxin.demo import command_meetings

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, demo_snapshots, tmp_path_factory):
    media = tmp_path_factory.mktemp("meetings-demo-media")
    with override_settings(MEDIA_ROOT=str(media)):
        with django_db_blocker.unblock():
            kept = demo_snapshots.commit("story", snapshots.story, media)
        yield
        with django_db_blocker.unblock():
            demo_snapshots.put_back(kept, media)


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
