"""Keep `DeploymentDay` true: `refresh(unit_id, day)` recomputes one unit's rows of one day from the
source rows, inside the caller's transaction; `rebuild()` recomputes every row from scratch. Every
service that changes a shift, an assignment, an attendance or an activity report calls `refresh`
for the (unit, day) it touched, so the overview never scans history and always adds up.

Both go through `_compute`, the one definition of what a row holds (for one unit and day, or for
every unit of one day), so "kept incrementally equals rebuilt from scratch" is a property of the
write paths calling `refresh`, which tests/mobilization/test_rollup*.py checks.

What a row counts (model docstring in models/rollup.py):
- shifts and posts of the day that are not cancelled; a shift is unfilled while it has fewer ACTIVE
  assignments than it needs, a post while any of its shifts that day is;
- people: distinct people with an attendance (open or closed) on such a shift, unless the
  assignment was cancelled (a moved assignment keeps the presence it had); hours: the CURRENT
  service records (DRAFT or FINAL, never SUPERSEDED) that come from attendances, by the record's
  unit and day and the region of its attendance's post — so a correction (other hours, another
  day) shows in the totals once records.correct refreshes the old and the new day;
- the unit's activity reports of the day and the people they counted, under the unit's own region.

A unit's day with nothing to count has no rows. Concurrent refreshes of one (unit, day) take a
transaction-scoped advisory lock on PostgreSQL (SQLite serialises writers anyway), so two
services committing at once cannot both insert the same rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q, Sum

from tongxin.mobilization.models import (
    ActivityReport,
    AssignmentStatus,
    Attendance,
    DeploymentDay,
    RecordStatus,
    ServiceRecord,
    Shift,
)

Key = tuple[int, str]  # (unit_id, region_code)
FIELDS = ("people", "hours", "shifts", "shifts_unfilled", "posts", "posts_unfilled", "reported_people",
          "activity_reports")
LOCK_CLASS = 0x6D6F  # "mo": the advisory-lock namespace of mobilization's roll-up


def _empty() -> dict[str, Any]:
    return {"people": 0, "hours": Decimal("0"), "shifts": 0, "shifts_unfilled": 0, "posts": 0, "posts_unfilled": 0,
            "reported_people": 0, "activity_reports": 0}


def _compute(day: dt.date, unit_id: int | None = None) -> dict[Key, dict[str, Any]]:
    """The rows of `day` (of one unit, or of every unit): three grouped queries (four with reports)."""
    rows: dict[Key, dict[str, Any]] = defaultdict(_empty)
    shifts = Shift.objects.filter(day=day, is_cancelled=False)
    attendances = Attendance.objects.filter(assignment__shift__day=day, assignment__shift__is_cancelled=False)
    reports = ActivityReport.objects.filter(day=day)
    records = ServiceRecord.objects.filter(day=day, attendance__isnull=False,
                                           status__in=[RecordStatus.DRAFT, RecordStatus.FINAL])
    if unit_id is not None:
        shifts = shifts.filter(post__unit_id=unit_id)
        attendances = attendances.filter(assignment__shift__post__unit_id=unit_id)
        reports = reports.filter(unit_id=unit_id)
        records = records.filter(unit_id=unit_id)
    posts: dict[tuple[int, str, int], bool] = {}
    for s in (shifts.values("pk", "needed", "post_id", "post__unit_id", "post__region_id")
              .annotate(filled=Count("assignments", filter=Q(assignments__status=AssignmentStatus.ACTIVE)))
              .order_by()):
        row = rows[(s["post__unit_id"], s["post__region_id"])]
        unfilled = s["filled"] < s["needed"]
        row["shifts"] += 1
        row["shifts_unfilled"] += unfilled
        key = (s["post__unit_id"], s["post__region_id"], s["post_id"])
        posts[key] = posts.get(key, False) or unfilled
    for (unit, region, _post), unfilled in posts.items():
        rows[(unit, region)]["posts"] += 1
        rows[(unit, region)]["posts_unfilled"] += unfilled
    for a in (attendances.exclude(assignment__status=AssignmentStatus.CANCELLED)
              .values("assignment__shift__post__unit_id", "assignment__shift__post__region_id")
              .annotate(people=Count("assignment__person_id", distinct=True)).order_by()):
        row = rows[(a["assignment__shift__post__unit_id"], a["assignment__shift__post__region_id"])]
        row["people"] = a["people"]
    for r in (records.values("unit_id", "attendance__assignment__shift__post__region_id")
              .annotate(hours=Sum("hours")).order_by()):
        rows[(r["unit_id"], r["attendance__assignment__shift__post__region_id"])]["hours"] = r["hours"] or Decimal("0")
    reported = list(reports.values("unit_id", "unit__region_id")
                    .annotate(n=Count("pk"), sw=Sum("social_workers"), v=Sum("volunteers"), o=Sum("others"))
                    .order_by())
    for rep in reported:
        row = rows[(rep["unit_id"], rep["unit__region_id"])]
        row["activity_reports"] = rep["n"]
        row["reported_people"] = (rep["sw"] or 0) + (rep["v"] or 0) + (rep["o"] or 0)
    return rows


def _lock(unit_id: int, day: dt.date) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, (unit_id * 1_000_003 + day.toordinal())
                                                                    % 2_147_483_647])


def _write(day: dt.date, rows: dict[Key, dict[str, Any]]) -> list[DeploymentDay]:
    return [DeploymentDay(unit_id=unit, region_code=region, day=day, **values)
            for (unit, region), values in sorted(rows.items())]


_pending: ContextVar[set[tuple[int, dt.date]] | None] = ContextVar("rollup_pending", default=None)


@contextmanager
def deferred() -> Iterator[None]:
    """Within this block (which must sit inside one transaction), `refresh` only notes its (unit, day);
    each noted pair is refreshed once when the block ends. For bulk writers such as the demo build,
    which make hundreds of writes to the same few days; the rows come out exactly as with a refresh
    after every write. Nested blocks fold into the outermost."""
    if _pending.get() is not None:
        yield
        return
    token = _pending.set(set())
    try:
        yield
        pending = _pending.get() or set()
    finally:
        _pending.reset(token)
    for unit_id, day in sorted(pending):
        refresh(unit_id, day)


def refresh(unit_id: int, day: dt.date) -> None:
    """Recompute the rows of `unit_id` on `day` (all regions it ran posts in) from the source rows.
    Call it inside the transaction of the write that changed them; it is atomic on its own too.
    Inside `deferred()` it only notes the pair."""
    pending = _pending.get()
    if pending is not None:
        pending.add((unit_id, day))
        return
    with transaction.atomic():
        _lock(unit_id, day)
        DeploymentDay.objects.filter(unit_id=unit_id, day=day).delete()
        DeploymentDay.objects.bulk_create(_write(day, _compute(day, unit_id)))


def refresh_many(keys: Any) -> None:
    """`refresh` each (unit_id, day) of `keys` once, in sorted order: two transactions touching the
    same days take their advisory locks in the same order, so they cannot deadlock."""
    for unit_id, day in sorted(set(keys)):
        refresh(unit_id, day)


def rebuild(*, since: dt.date | None = None, until: dt.date | None = None) -> int:
    """Recompute every row from scratch (or only the days in [since, until]), one day at a time:
    a handful of grouped queries and one bulk insert per day, never a query per unit. Returns the
    number of rows written."""
    days = set(Shift.objects.values_list("day", flat=True).distinct().order_by())
    days |= set(ActivityReport.objects.values_list("day", flat=True).distinct().order_by())
    days |= set(ServiceRecord.objects.filter(attendance__isnull=False).values_list("day", flat=True)
                .distinct().order_by())
    days |= set(DeploymentDay.objects.values_list("day", flat=True).distinct().order_by())  # stale rows go too
    days = {d for d in days if (since is None or d >= since) and (until is None or d <= until)}
    written = 0
    with transaction.atomic():
        for day in sorted(days):
            DeploymentDay.objects.filter(day=day).delete()
            made = DeploymentDay.objects.bulk_create(_write(day, _compute(day)), batch_size=2000)
            written += len(made)
    return written

