"""Seeds for command and dispatch: responses, directives and deliveries, meetings and action items, duty.

The county (南县民政局, officer `nanxian`) is the smallest issuer there is, so it drafts, declares and
convenes here; its leader (`nanxian-leader`, made by `county_leader`) approves and sends back; the
home's reporter (`nanxian-home-01`) signs, feeds back, reports progress and checks in."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests.command.helpers import (
    DAY,
    MEETING_AT,
    TARGET,
    draft,
    issue,
    nanxian_meeting,
    on_duty,
    respond,
    soon,
)
from tests.fuzz.seeds import Seed, seed
from tests.world import person
from tongxin.command.models import Delivery
from tongxin.command.services import directives, meetings
from tongxin.units import scope
from tongxin.units.models import Role

BODY = "各乡镇敬老院：立即开展拉网式隐患大排查，逐一排查消防、用电、食品安全隐患。"
COUNTY_TITLE = "关于做好敬老院疫情防控和安全隐患排查的紧急通知"


def _iso(moment: dt.datetime) -> str:
    return timezone.localtime(moment).isoformat()


def county_leader(w):
    """南县民政局's leader (签发人): a LEADER role at the bureau."""
    user = person("nanxian-leader", w.nanxian_bureau, Role.LEADER, "南县民政局局长")
    scope.forget(user)
    return user


def county_draft(w, **extra):
    """A draft of 南县民政局 to its own county, written by its officer."""
    return draft(w, w.nanxian, issuer=w.nanxian_bureau, region="430921", title=COUNTY_TITLE, body=BODY,
                 doc_number="南民发〔2021〕8号", **extra)


def county_pending(w):
    d = county_draft(w)
    return directives.submit(w.nanxian, d)


def county_issued(w, **kwargs):
    """A directive of 南县民政局 issued to its two homes (approved by its leader), not signed yet."""
    return issue(w, issuer=w.nanxian_bureau, title=COUNTY_TITLE, approver=county_leader(w), **kwargs)


# --- directives (issuing side) ------------------------------------------------------------------

@seed("POST /api/directives/")
def create_directive(w):
    return Seed("nanxian", body={
        "issuer": w.nanxian_bureau.pk, "region": "430921", "title": COUNTY_TITLE, "body": BODY,
        "doc_number": "南民发〔2021〕8号", "urgency": "extra", "target_kinds": ["elderly_care"],
        "target_levels": ["unit"], "sign_deadline": _iso(soon(4)), "feedback_required": True,
        "feedback_deadline": _iso(soon(72)), "feedback_request": "请于3日内反馈排查情况及整改措施。",
        "attachment_ids": []})


@seed("PATCH /api/directives/{id}/")
def change_directive(w):
    d = county_draft(w)
    return Seed("nanxian", path={"id": d.pk}, body={
        "title": COUNTY_TITLE + "（修改）", "urgency": "urgent", "sign_deadline": _iso(soon(6)),
        "feedback_request": "请反馈排查发现的隐患数量和整改情况。"})


@seed("POST /api/directives/{id}/submit/")
def submit_directive(w):
    return Seed("nanxian", path={"id": county_draft(w).pk})


@seed("POST /api/directives/{id}/approve/")
def approve_directive(w):
    d = county_pending(w)
    county_leader(w)
    return Seed("nanxian-leader", path={"id": d.pk})


@seed("POST /api/directives/{id}/return/")
def return_directive(w):
    d = county_pending(w)
    county_leader(w)
    return Seed("nanxian-leader", path={"id": d.pk}, body={"reason": "签收时限过短，请改为当日18时前。"})


@seed("POST /api/directives/{id}/revise/")
def revise_directive(w):
    d = county_issued(w)
    return Seed("nanxian", path={"id": d.pk}, body={
        "substantive": True, "body": BODY + "重点排查电动车充电和厨房燃气。", "sign_deadline": _iso(soon(6))})


@seed("POST /api/directives/{id}/withdraw/")
def withdraw_directive(w):
    d = county_issued(w)
    return Seed("nanxian", path={"id": d.pk}, body={"reason": "与省厅通知重复，以省厅通知为准。"})


@seed("POST /api/directives/{id}/close/")
def close_directive(w):
    return Seed("nanxian", path={"id": county_issued(w).pk})


@seed("POST /api/directives/{id}/remind/")
def remind_directive(w):
    return Seed("nanxian", path={"id": county_issued(w).pk})


# --- deliveries (receiving side) ----------------------------------------------------------------

@seed("POST /api/deliveries/{id}/sign/")
def sign_delivery(w):
    d = county_issued(w)
    return Seed("nanxian-home-01", path={"id": Delivery.objects.get(directive=d, unit=w.nanxian_home).pk})


@seed("POST /api/deliveries/{id}/feedback/")
def feed_back_delivery(w):
    d = county_issued(w, feedback_required=True)
    return Seed("nanxian-home-01", path={"id": Delivery.objects.get(directive=d, unit=w.nanxian_home).pk},
                body={"text": "已完成全院排查，发现隐患2处（厨房灭火器过期、走廊堆放杂物），均已当日整改。",
                      "attachment_ids": []})


@seed("POST /api/deliveries/{id}/forward/")
def forward_delivery(w):
    """The province's directive reached 南县民政局 alone; the county passes it on to its homes."""
    d = issue(w, units=[w.nanxian_bureau])
    return Seed("nanxian", path={"id": Delivery.objects.get(directive=d, unit=w.nanxian_bureau).pk}, body={
        "region": "430921", "requirements": "请各敬老院于今日18时前完成排查并签收。", "sign_deadline": _iso(soon(3)),
        "target_kinds": ["elderly_care"], "target_levels": ["unit"], "feedback_required": True,
        "feedback_deadline": _iso(soon(48)), "title": ""})


# --- responses ----------------------------------------------------------------------------------

@seed("POST /api/responses/")
def declare_response(w):
    return Seed("nanxian", body={
        "bureau": w.nanxian_bureau.pk, "region": "430921", "kind": "epidemic", "level": 3,
        "starts_at": _iso(dt.datetime.combine(DAY, dt.time(8, 0), tzinfo=MEETING_AT.tzinfo)), "ends_at": None,
        "title": "南县新冠肺炎疫情防控Ⅲ级应急响应", "note": "南县出现本土确诊病例，即日起启动Ⅲ级响应。"})


@seed("POST /api/responses/{id}/level/")
def change_response_level(w):
    r = respond(w, region="430921", level=3, bureau=w.nanxian_bureau)
    return Seed("nanxian", path={"id": r.pk}, body={"level": 2, "note": "疫情形势严峻，提升为Ⅱ级响应。"})


@seed("POST /api/responses/{id}/end/")
def end_response(w):
    r = respond(w, region="430921", level=3, bureau=w.nanxian_bureau)
    return Seed("nanxian", path={"id": r.pk}, body={"note": "疫情得到控制，终止应急响应。"})


# --- duty ---------------------------------------------------------------------------------------

@seed("POST /api/duty-shifts/set-week/")
def set_week(w):
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    rows = [{"day": (monday + dt.timedelta(days=i)).isoformat(), "role": "staff", "name": "李敏",
             "phone": "13807371234", "start": "08:00", "end": "18:00", "shift": "白班",
             "user": w.home_reporter.pk} for i in range(7)]
    rows.append({"day": monday.isoformat(), "role": "leader", "name": "王建国", "phone": "13907375678",
                 "start": "18:00", "end": "08:00", "shift": "夜班", "user": None})
    return Seed("nanxian-home-01", body={"unit": w.nanxian_home.pk, "week_start": monday.isoformat(), "rows": rows})


@seed("POST /api/duty-shifts/{id}/check-in/")
def check_in(w):
    """The home's reporter is on duty now, under the county's response."""
    respond(w, region="430921", bureau=w.nanxian_bureau)
    s = on_duty(w, w.nanxian_home, w.home_reporter, start=timezone.now() - dt.timedelta(hours=1), hours=8)
    return Seed("nanxian-home-01", path={"id": s.pk})


# --- meetings and action items ------------------------------------------------------------------

@seed("POST /api/meetings/")
def convene(w):
    return Seed("nanxian", body={
        "convener": w.nanxian_bureau.pk, "title": "南县疫情防控调度会", "starts_at": _iso(MEETING_AT),
        "mode": "video", "place": "南县民政局三楼会议室", "agenda": "一、通报疫情形势；二、部署敬老院封闭管理。",
        "minutes": "", "units": [w.nanxian_home.pk, w.nanxian_home_2.pk]})


@seed("PATCH /api/meetings/{id}/")
def change_meeting(w):
    m = meetings.create_meeting(w.nanxian, convener=w.nanxian_bureau, title="南县疫情防控调度会",
                                starts_at=MEETING_AT, units=[w.nanxian_home])
    return Seed("nanxian", path={"id": m.pk}, body={
        "mode": "onsite", "place": "南县民政局三楼会议室", "minutes": "会议要求各敬老院即日起实行封闭管理。",
        "units": [w.nanxian_home_2.pk]})


@seed("POST /api/meetings/{id}/attendance/")
def record_attendance(w):
    m = nanxian_meeting(w)
    return Seed("nanxian", path={"id": m.pk}, body={
        "unit": w.nanxian_home.pk, "status": "present", "attendees": "李敏、王芳", "note": "视频参会"})


@seed("POST /api/meetings/{id}/decisions/")
def add_decision(w):
    m = nanxian_meeting(w)
    return Seed("nanxian", path={"id": m.pk}, body={
        "description": "各敬老院7月30日前完成封闭管理和全员核酸检测。",
        "units": [w.nanxian_home.pk, w.nanxian_home_2.pk], "start": DAY.isoformat(),
        "target_date": TARGET.isoformat()})


@seed("POST /api/action-items/{id}/transition/")
def action_progress(w):
    """The home reports progress on the meeting's decision assigned to it."""
    m = nanxian_meeting(w)
    item = meetings.add_decision(w.nanxian, m, description="各敬老院7月30日前完成封闭管理和全员核酸检测。",
                                 units=[w.nanxian_home], target_date=TARGET)
    a = item.assignments.get(unit=w.nanxian_home)
    return Seed("nanxian-home-01", path={"id": a.pk}, body={
        "name": "progress", "comment": "已实行封闭管理，86名老人和21名员工已完成首轮核酸检测。", "attachment_ids": []})
