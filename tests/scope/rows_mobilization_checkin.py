"""Scope-matrix rows of check-in: the person's own page and the scan page are public (anyone gets
200 with a good key or post, 404 with a wrong one, never the full mobile); the post's code, the roll
and a review belong to the post's unit (南县福利院) and the bureaus filing for it (FILE: 南县 and the
province), 404 for everyone else; the board and the anomalies list answer everyone signed in with
their own scope's rows only; the attendance API likewise."""

from __future__ import annotations

from tests.scope.matrix import OWN_HOME, SIGNED_IN, row
from tests.scope.rows_mobilization_hub import MOBILE, PERSON_NAME

FLAGGED_NAME = "南县志愿者乙"
POST_NAME = "南县福利院门口卡点"
EVERYONE = SIGNED_IN | {"anonymous"}
FULL = frozenset({"nanxian", "home_reporter"})  # who sees the mobile in full (hunan reads masked)


def objects(world, objs) -> dict:
    from tests.mobilization import factories
    from tongxin.mobilization.models import Flag

    # Its own post: the rows files are read in name order, so the hub's objects are not built yet.
    person = factories.person(world.nanxian_home, FLAGGED_NAME)
    shift = factories.shift(factories.post(world.nanxian_home, "南县福利院后门卡点"), "2021-08-02", 13, 4, needed=1)
    attendance = factories.attendance(factories.assignment(shift, person), hours="4.00")
    attendance.flags = [Flag.OVER_12_HOURS.value]
    attendance.save(update_fields=["flags"])
    return {"m_flagged": attendance}


def key(o):
    return [o["m_person"].checkin_key]


def scan(o):
    from django.utils import timezone

    from tongxin.mobilization.services.checkin import daily_code

    return [o["m_post"].pk, daily_code(o["m_post"], timezone.localdate())]


ROLL_IN = lambda o: {"action": "in", "people": [o["m_person"].pk]}  # noqa: E731 — the shift is over: 400

ROWS = [
    # public pages: a good key or post answers everyone, a wrong one nobody; masked for all
    row("mobilization:me", args=key, ok=EVERYONE, anonymous=200, hidden=MOBILE, sees=frozenset()),
    row("mobilization:me", args=["no-such-key"], anonymous=404),
    row("mobilization:me", "post", args=key, body={"code": "ZZZZZZ", "action": "in"}, other=400, anonymous=400,
        hidden=MOBILE, sees=frozenset()),
    row("mobilization:scan", args=scan, ok=EVERYONE, anonymous=200),
    row("mobilization:scan", args=[999999, "ABCDEF"], anonymous=404),
    row("mobilization:scan", "post", args=scan, body={"action": "in"}, other=400, anonymous=400),
    # the post's staff
    row("mobilization:post-code", args=["m_post"], ok=OWN_HOME),
    row("mobilization:roll", args=["m_shift"], ok=OWN_HOME, hidden=MOBILE, sees=FULL),
    row("mobilization:roll", "post", args=["m_shift"], body=ROLL_IN, ok=OWN_HOME, ok_status=400),
    row("mobilization:attendance-review", "post", args=["m_flagged"], body={"note": "已电话核实"}, ok=OWN_HOME),
    # lists of the user's own scope
    row("mobilization:anomalies", ok=SIGNED_IN, hidden=FLAGGED_NAME, sees=OWN_HOME),
    row("mobilization:board", query=lambda o: {"day": "2021-08-02"}, ok=SIGNED_IN, hidden=POST_NAME, sees=OWN_HOME),
    # the API
    row("mobilization-attendance-list", ok=SIGNED_IN, hidden=PERSON_NAME, sees=OWN_HOME),
    row("mobilization-attendance-detail", args=["m_attendance"], ok=OWN_HOME, hidden=MOBILE, sees=FULL),
    row("mobilization-attendance-roll", "post", body=lambda o: {"shift": o["m_shift"].pk, "people": [o["m_person"].pk]},
        ok=OWN_HOME, ok_status=400),
    row("mobilization-attendance-review", "post", args=["m_flagged"], body={"note": "已电话核实"}, ok=OWN_HOME),
]
