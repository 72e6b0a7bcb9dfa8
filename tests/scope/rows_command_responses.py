"""Scope-matrix rows of response levels (应急响应): 南县民政局's own flood response (Ⅲ级, in force),
seen by 南县 and the province above, and by the home under it; never by 慈利 or the administrators.
Raising it is for 南县 and the province above; lowering and ending for 南县 alone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from tests.scope.matrix import OFFICERS, OWN, OWN_HOME, SIGNED_IN, row

TITLE = "南县防汛Ⅲ级应急响应"
DECLARE = {"region": "430921", "kind": "flood", "level": "4", "starts_at": "2021-08-03T08:00"}

ROWS = [
    row("command:responses", ok=SIGNED_IN, hidden=TITLE, sees=OWN_HOME),
    row("command:response-declare", ok=OFFICERS, other=403),
    row("command:response-declare", "post", body={}, ok=OFFICERS, ok_status=400, other=403),
    row("command:response-detail", args=["response"], ok=OWN_HOME),
    row("command:response-level", "post", args=["response"], body={"level": "2"}, ok=OWN,
        forbidden={"home_reporter"}),
    row("command:response-end", "post", args=["response"], ok={"nanxian"}, forbidden={"hunan", "home_reporter"}),
    row("response-list", ok=SIGNED_IN, hidden=TITLE, sees=OWN_HOME),
    row("response-list", "post", body={}, ok=OFFICERS, ok_status=400, other=403),
    row("response-detail", args=["response"], ok=OWN_HOME),
    row("response-level", "post", args=["response"], body={"level": 2}, ok=OWN, forbidden={"home_reporter"}),
    row("response-end", "post", args=["response"], ok={"nanxian"}, forbidden={"hunan", "home_reporter"}),
]


def objects(world, objs) -> dict:
    from tongxin.command.services import responses
    from tongxin.regions.models import Region

    response = responses.declare(
        world.nanxian, bureau=world.nanxian_bureau, region=Region.objects.get(code="430921"), kind="flood",
        level=3, title=TITLE, starts_at=dt.datetime(2021, 8, 2, 8, tzinfo=ZoneInfo("Asia/Shanghai")))
    return {"response": response}
