"""Scope-matrix rows of duty rosters and check-in (issue #9, part 3): the board, my shifts and the
check-in, a unit's week, the Excel upload, and their API. The object is a shift of 南县福利院's
reporter running now (no response is in force, so the reporter's own check-in is a 400 in words)."""

from __future__ import annotations

import datetime as dt

from tests.scope.matrix import OFFICERS, OWN, OWN_HOME, SIGNED_IN, row

NAME = "南县值班员甲"
WEEK = "2021-08-02"


def objects(world, objs) -> dict:
    from tests.command.duty_helpers import around_now, set_today

    (shift,) = set_today(world.nanxian_home, [around_now(before=dt.timedelta(hours=1), after=dt.timedelta(hours=1),
                                                         name=NAME, phone="13807379999", user=world.home_reporter)],
                         actor=world.nanxian)
    return {"duty_shift": shift}


def week(o):
    return {"unit": o["home"].pk, "week_start": WEEK, "rows": []}


ROWS = [
    row("command:duty-board", ok=SIGNED_IN, hidden=NAME, sees=OWN_HOME),
    row("command:duty-mine", ok=SIGNED_IN, hidden=NAME, sees={"home_reporter"}),
    # only the person of the shift may tap; outside a response even they get words (400)
    row("command:duty-check-in", "post", args=["duty_shift"], forbidden=OWN, home_reporter=400),
    row("command:duty-rosters", ok=SIGNED_IN, hidden="南县福利院", sees=OWN_HOME),
    row("command:duty-roster", args=["home"], ok=OWN_HOME),
    row("command:duty-roster", "post", args=["home"], body={"week": WEEK}, ok=OWN_HOME),
    row("command:duty-import", ok=OFFICERS | {"home_reporter"}, other=403),
    row("command:duty-import", "post", body={}, ok=OFFICERS | {"home_reporter"}, ok_status=400, other=403),
    row("command:duty-import-template", ok=SIGNED_IN),
    row("duty-shift-list", ok=SIGNED_IN, hidden=NAME, sees=OWN_HOME),
    row("duty-shift-detail", args=["duty_shift"], ok=OWN_HOME),
    row("duty-shift-set-week", "post", body=week, ok=OWN_HOME),
    row("duty-shift-check-in", "post", args=["duty_shift"], forbidden=OWN, home_reporter=400),
    row("duty-shift-board", ok=SIGNED_IN, hidden=NAME, sees=OWN_HOME),
]
