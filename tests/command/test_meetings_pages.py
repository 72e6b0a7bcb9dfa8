"""The meeting pages and API as people use them: bad input gets words, nothing half-saved, no 500."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.command.helpers import TARGET, nanxian_meeting, photo, second_officer, upload
from tongxin.command.models import ActionAssignment, ActionItem, Meeting
from tongxin.command.services import meetings as services

pytestmark = pytest.mark.django_db


def _item(world):
    meeting = nanxian_meeting(world)
    item = services.add_decision(world.nanxian, meeting, description="全面排查消防隐患", units=[world.nanxian_home],
                                 target_date=TARGET)
    return meeting, item.assignments.get()


def test_officer_convenes_a_meeting_from_the_form(world, client_for):
    c = client_for(world.nanxian)
    r = c.post(reverse("command:meeting-create"), {
        "convener": world.nanxian_bureau.pk, "title": "南县调度会", "starts_at": "2021-07-26T09:00", "mode": "video",
        "units": [world.nanxian_home.pk]})
    meeting = Meeting.objects.get(title="南县调度会")
    assert r.status_code == 302 and r.url == reverse("command:meeting-detail", args=[meeting.pk])
    page = c.get(r.url).content.decode()
    assert "南县福利院" in page and "未记录" in page


def test_meeting_page_shows_attendance_decisions_and_progress(world, client_for):
    meeting, a = _item(world)
    services.record_attendance(world.nanxian, meeting, unit=world.nanxian_home, status="present", attendees="李敏")
    services.transition(world.home_reporter, a, "progress", comment="已排查一半")
    page = client_for(world.hunan).get(reverse("command:meeting-detail", args=[meeting.pk])).content.decode()
    assert "李敏" in page and "全面排查消防隐患" in page and "已排查一半" in page and "办理中" in page


def test_decision_with_target_before_meeting_shows_the_words_and_saves_nothing(world, client_for):
    meeting = nanxian_meeting(world)
    r = client_for(world.nanxian).post(reverse("command:meeting-decision", args=[meeting.pk]), {
        "description": "排查", "units": [world.nanxian_home.pk], "target_date": "2021-07-20"})
    assert r.status_code == 400 and "不能早于会议日期" in r.content.decode()
    assert not ActionItem.objects.exists()


def test_summoning_outside_the_subtree_is_refused_on_the_api(world, api_for):
    r = api_for(world.hunan).post(reverse("meeting-list"), {
        "convener": world.nanxian_bureau.pk, "title": "调度会", "starts_at": "2021-07-26T09:00:00+08:00",
        "units": [world.cili_home.pk]}, format="json")
    assert r.status_code == 400 and "不在" in r.json()["units"][0]
    assert not Meeting.objects.exists()


def test_completion_without_evidence_is_refused_on_the_page(world, client_for):
    _meeting, a = _item(world)
    r = client_for(world.home_reporter).post(reverse("command:action-item-transition", args=[a.pk]),
                                             {"name": "submit", "comment": "完成"})
    assert r.status_code == 400 and "证明材料" in r.content.decode()
    a.refresh_from_db()
    assert a.status == "assigned"


def test_reporter_submits_with_a_photo_and_another_officer_accepts_on_the_page(world, client_for):
    _meeting, a = _item(world)
    r = client_for(world.home_reporter).post(reverse("command:action-item-transition", args=[a.pk]),
                                             {"name": "submit", "comment": "完成", "files": [upload()]})
    assert r.status_code == 302
    page = client_for(world.nanxian).get(reverse("command:action-item-detail", args=[a.pk])).content.decode()
    assert 'id="action-accept"' in page and 'id="action-return"' in page
    r = client_for(world.nanxian).post(reverse("command:action-item-transition", args=[a.pk]), {"name": "accept"})
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.status == "done" and a.done_on is not None


def test_accepting_by_someone_not_of_the_convening_bureau_is_refused_on_the_api(world, api_for):
    _meeting, a = _item(world)
    services.transition(world.home_reporter, a, "submit", attachments=[photo(world.home_reporter, a.unit)])
    r = api_for(world.hunan).post(reverse("action-item-transition", args=[a.pk]), {"name": "accept"}, format="json")
    assert r.status_code == 403 and "召集单位" in r.json()["detail"]
    a.refresh_from_db()
    assert a.status == "awaiting"


def test_accepting_ones_own_submission_is_refused_on_the_api(world, api_for):
    _meeting, a = _item(world)
    services.transition(world.nanxian, a, "submit", attachments=[photo(world.nanxian, a.unit)])
    r = api_for(world.nanxian).post(reverse("action-item-transition", args=[a.pk]), {"name": "accept"},
                                    format="json")
    assert r.status_code == 403 and "不能验收自己" in r.json()["detail"]
    body = api_for(second_officer(world)).get(reverse("action-item-detail", args=[a.pk])).json()
    assert body["allowed_transitions"] == ["accept", "return"]


def test_a_stranger_gets_404_on_pages_and_api(world, client_for, api_for):
    meeting, a = _item(world)
    c, api = client_for(world.cili), api_for(world.cili)
    assert c.get(reverse("command:meeting-detail", args=[meeting.pk])).status_code == 404
    assert c.get(reverse("command:action-item-detail", args=[a.pk])).status_code == 404
    assert api.get(reverse("meeting-detail", args=[meeting.pk])).status_code == 404
    assert api.post(reverse("action-item-transition", args=[a.pk]), {"name": "progress", "comment": "x"},
                    format="json").status_code == 404
    assert ActionAssignment.objects.get().events.count() == 1


def test_board_shows_overdue_items_below_and_filters_them(world, client_for):
    _meeting, a = _item(world)  # target 2021-07-30, long past
    page = client_for(world.hunan).get(reverse("command:action-items") + "?overdue=1").content.decode()
    assert "全面排查消防隐患" in page and "tx-late" in page
    none = client_for(world.hunan).get(reverse("command:action-items") + "?status=done").content.decode()
    assert "全面排查消防隐患" not in none


def test_api_lists_items_with_overdue_and_the_meeting_with_its_decisions(world, api_for):
    meeting, a = _item(world)
    rows = api_for(world.hunan).get(reverse("action-item-list"), {"overdue": "true"}).json()["results"]
    assert [(r["id"], r["overdue"]) for r in rows] == [(a.pk, True)]
    detail = api_for(world.home_reporter).get(reverse("meeting-detail", args=[meeting.pk])).json()
    assert detail["decisions"][0]["assignments"][0]["unit_name"] == "南县福利院"
    assert len(detail["attendances"]) == 2


def test_api_convenes_records_attendance_and_adds_a_decision(world, api_for):
    api = api_for(world.nanxian)
    r = api.post(reverse("meeting-list"), {"convener": world.nanxian_bureau.pk, "title": "南县调度会",
                                           "starts_at": "2021-07-26T09:00:00+08:00",
                                           "units": [world.nanxian_home.pk]}, format="json")
    assert r.status_code == 201, r.json()
    pk = r.json()["id"]
    r = api.post(reverse("meeting-attendance", args=[pk]), {"unit": world.nanxian_home.pk, "status": "absent"},
                 format="json")
    assert r.status_code == 200 and r.json()["attendances"][0]["status"] == "absent"
    r = api.post(reverse("meeting-decisions", args=[pk]), {"description": "排查", "units": [world.nanxian_home.pk],
                                                          "target_date": "2021-07-28"}, format="json")
    assert r.status_code == 201 and r.json()["decisions"][0]["number"] == 1
    r = api.post(reverse("meeting-decisions", args=[pk]), {"description": "排查", "units": [world.nanxian_home.pk],
                                                          "target_date": dt.date(2021, 7, 1).isoformat()},
                 format="json")
    assert r.status_code == 400 and "target_date" in r.json()


def test_officer_edits_the_minutes_and_summons_one_more_home(world, client_for):
    meeting = services.create_meeting(world.nanxian, convener=world.nanxian_bureau, title="南县调度会",
                                      starts_at=dt.datetime(2021, 7, 26, 1, tzinfo=dt.UTC),
                                      units=[world.nanxian_home])
    r = client_for(world.nanxian).post(reverse("command:meeting-edit", args=[meeting.pk]), {
        "title": "南县调度会", "starts_at": "2021-07-26T09:00", "mode": "onsite", "minutes": "会议要求封闭管理",
        "units": [world.nanxian_home_2.pk]})
    assert r.status_code == 302
    meeting.refresh_from_db()
    assert meeting.minutes == "会议要求封闭管理" and meeting.mode == "onsite"
    assert meeting.attendances.count() == 2


def test_the_home_sees_its_meeting_but_may_not_edit_it(world, client_for):
    meeting = nanxian_meeting(world)
    c = client_for(world.home_reporter)
    assert c.get(reverse("command:meeting-detail", args=[meeting.pk])).status_code == 200
    assert c.get(reverse("command:meeting-edit", args=[meeting.pk])).status_code == 403
    r = c.post(reverse("command:meeting-attendance", args=[meeting.pk]),
               {"unit": world.nanxian_home.pk, "status": "present", "attendees": "我"})
    assert r.status_code == 403
    assert not meeting.attendances.exclude(status="").exists()


def test_convener_puts_an_overdue_item_on_the_ledger_from_its_page(world, client_for):
    from tongxin.ledger.models import LedgerEntry

    _meeting, a = _item(world)  # target 2021-07-30: overdue today
    c = client_for(world.nanxian)
    assert 'id="raise-ledger"' in c.get(reverse("command:action-item-detail", args=[a.pk])).content.decode()
    r = c.post(reverse("command:action-item-ledger", args=[a.pk]))
    entry = LedgerEntry.objects.get(source="action_item", source_id=a.pk)
    assert r.status_code == 302 and r.url == reverse("ledger:detail", args=[entry.pk])
    page = c.get(reverse("command:action-item-detail", args=[a.pk])).content.decode()
    assert entry.number in page and 'id="raise-ledger"' not in page
    again = c.post(reverse("command:action-item-ledger", args=[a.pk]))
    assert again.status_code == 400 and "已挂账" in again.content.decode()
    assert LedgerEntry.objects.count() == 1
    ledger_page = c.get(r.url).content.decode()
    assert "督办事项" in ledger_page and reverse("command:action-item-detail", args=[a.pk]) in ledger_page


def test_the_home_may_not_put_its_item_on_the_ledger(world, client_for):
    from tongxin.ledger.models import LedgerEntry

    _meeting, a = _item(world)
    assert client_for(world.home_reporter).post(reverse("command:action-item-ledger", args=[a.pk])).status_code == 403
    assert not LedgerEntry.objects.exists()
