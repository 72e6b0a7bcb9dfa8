"""Scope-matrix rows of duty rosters and check-in (issue #9, part 3): the board, my shifts and the
check-in, a unit's week, the Excel upload, and their API. The object is a shift of 南县福利院's
reporter running now, under a response in force over 南县 (check-in is on only then), so the
reporter's own tap succeeds and anyone else's is refused."""

from __future__ import annotations

import datetime as dt

from tests.scope.matrix import OFFICERS, OWN, OWN_HOME, SIGNED_IN, row

NAME = "南县值班员甲"
WEEK = "2021-08-02"


def objects(world, objs) -> dict:
    from django.utils import timezone

    from tests.command.helpers import around_now, set_today
    from tongxin.command.queries.responses import tracking_on
    from tongxin.command.services import responses

    if not tracking_on(world.nanxian_home, timezone.now()):
        responses.declare(world.nanxian, bureau=world.nanxian_bureau, region=world.nanxian_bureau.region,
                          kind="epidemic", level=3, starts_at=timezone.now() - dt.timedelta(days=1))
    (shift,) = set_today(world.nanxian_home, [around_now(before=dt.timedelta(hours=1), after=dt.timedelta(hours=1),
                                                         name=NAME, phone="13807379999", user=world.home_reporter)],
                         actor=world.nanxian)
    return {"duty_shift": shift}


def week(o):
    return {"unit": o["home"].pk, "week_start": WEEK, "rows": []}


ROWS = [
    row("command:duty-board", ok=SIGNED_IN, hidden=NAME, sees=OWN_HOME),
    row("command:duty-mine", ok=SIGNED_IN, hidden=NAME, sees={"home_reporter"}),
    # only the person of the shift may tap
    row("command:duty-check-in", "post", args=["duty_shift"], ok={"home_reporter"}, forbidden=OWN),
    row("command:duty-rosters", ok=SIGNED_IN, hidden="南县福利院", sees=OWN_HOME),
    row("command:duty-roster", args=["home"], ok=OWN_HOME),
    row("command:duty-roster", "post", args=["home"], body={"week": WEEK}, ok=OWN_HOME),
    row("command:duty-import", ok=OFFICERS | {"home_reporter"}, other=403),
    row("command:duty-import", "post", body={}, ok=OFFICERS | {"home_reporter"}, ok_status=400, other=403),
    row("command:duty-import-template", ok=SIGNED_IN),
    row("duty-shift-list", ok=SIGNED_IN, hidden=NAME, sees=OWN_HOME),
    row("duty-shift-detail", args=["duty_shift"], ok=OWN_HOME),
    row("duty-shift-set-week", "post", body=week, ok=OWN_HOME),
    row("duty-shift-check-in", "post", args=["duty_shift"], ok={"home_reporter"}, ok_status=201, forbidden=OWN),
    row("duty-shift-board", ok=SIGNED_IN, hidden=NAME, sees=OWN_HOME),
]
