"""Scope-matrix rows of dispatch meetings and action items: a 南县 meeting summoning its two homes,
with one decision assigned to 南县福利院 (the reporter's home)."""

from __future__ import annotations

from tests.scope.matrix import OFFICERS, OWN, OWN_HOME, SIGNED_IN, row

HOME = {"home_reporter"}


def objects(world, objs) -> dict:
    import datetime as dt
    import zoneinfo

    from tongxin.command.services import meetings

    at = dt.datetime(2021, 7, 26, 9, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
    meeting = meetings.create_meeting(world.nanxian, convener=world.nanxian_bureau, title="南县疫情调度会",
                                      starts_at=at, units=[world.nanxian_home, world.nanxian_home_2])
    item = meetings.add_decision(world.nanxian, meeting, description="南县督办排查", units=[world.nanxian_home],
                                 target_date=dt.date(2021, 7, 30))
    return {"meeting": meeting, "action": item.assignments.get()}


def attendance(o):
    return {"unit": o["home"].pk, "status": "present", "attendees": "李敏"}


ROWS = [
    row("command:meetings", ok=SIGNED_IN, hidden="南县疫情调度会", sees=OWN_HOME),
    row("command:meeting-create", ok=OFFICERS, other=403),
    row("command:meeting-create", "post", body={}, ok=OFFICERS, ok_status=400, other=403),
    row("command:meeting-detail", args=["meeting"], ok=OWN_HOME),
    row("command:meeting-edit", args=["meeting"], ok=OWN, forbidden=HOME),
    row("command:meeting-edit", "post", args=["meeting"], body={}, ok=OWN, ok_status=400, forbidden=HOME),
    row("command:meeting-attendance", "post", args=["meeting"], body=attendance, ok=OWN, forbidden=HOME),
    row("command:meeting-decision", "post", args=["meeting"], body={}, ok=OWN, ok_status=400, forbidden=HOME),
    row("command:action-items", ok=SIGNED_IN, hidden="南县督办排查", sees=OWN_HOME),
    row("command:action-item-detail", args=["action"], ok=OWN_HOME),
    row("command:action-item-transition", "post", args=["action"], body={"name": "progress", "comment": "进展"},
        ok=OWN_HOME),
    row("command:action-item-ledger", "post", args=["action"], ok=OWN, forbidden=HOME),
    row("meeting-list", ok=SIGNED_IN, hidden="南县疫情调度会", sees=OWN_HOME),
    row("meeting-list", "post", body={}, ok=SIGNED_IN, ok_status=400),
    row("meeting-detail", args=["meeting"], ok=OWN_HOME),
    row("meeting-detail", "patch", args=["meeting"], body={"minutes": "纪要"}, ok=OWN, forbidden=HOME),
    row("meeting-attendance", "post", args=["meeting"], body=attendance, ok=OWN, forbidden=HOME),
    row("meeting-decisions", "post", args=["meeting"], body={}, ok=OWN, ok_status=400, forbidden=HOME),
    row("action-item-list", ok=SIGNED_IN, hidden="南县督办排查", sees=OWN_HOME),
    row("action-item-detail", args=["action"], ok=OWN_HOME),
    row("action-item-transition", "post", args=["action"], body={"name": "progress", "comment": "进展"},
        ok=OWN_HOME),
]
