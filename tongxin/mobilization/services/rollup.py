"""Keep `DeploymentDay` true: `refresh(unit_id, day)` recomputes one unit's rows of one day from the
source rows, inside the caller's transaction; `rebuild()` recomputes every row from scratch. Every
service that changes a shift, an assignment, an attendance or an activity report calls `refresh`
for the (unit, day) it touched, so the overview never scans history and always adds up.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, Sum

from tongxin.mobilization.models import ActivityReport, Assignment, AssignmentStatus, Attendance, DeploymentDay, Shift
from tongxin.units.models import Unit


def _rows(unit_id: int, day: dt.date) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = defaultdict(lambda: {
        "people": 0, "hours": Decimal("0"), "shifts": 0, "shifts_unfilled": 0, "posts": 0,
        "posts_unfilled": 0, "reported_people": 0, "activity_reports": 0})
    shifts = list(Shift.objects.filter(post__unit_id=unit_id, day=day, is_cancelled=False)
                  .values("pk", "needed", "post_id", "post__region_id")
                  .annotate(filled=Count("assignments", filter=Q(assignments__status=AssignmentStatus.ACTIVE))))
    posts: dict[tuple[str, int], bool] = {}
    for s in shifts:
        row = rows[s["post__region_id"]]
        row["shifts"] += 1
        unfilled = s["filled"] < s["needed"]
        row["shifts_unfilled"] += unfilled
        key = (s["post__region_id"], s["post_id"])
        posts[key] = posts.get(key, False) or unfilled
    for (region, _post), unfilled in posts.items():
        rows[region]["posts"] += 1
        rows[region]["posts_unfilled"] += unfilled
    attended = (Attendance.objects.filter(assignment__shift__post__unit_id=unit_id, assignment__shift__day=day,
                                          assignment__shift__is_cancelled=False)
                .exclude(assignment__status=AssignmentStatus.CANCELLED)
                .values("assignment__shift__post__region_id")
                .annotate(people=Count("assignment__person_id", distinct=True), hours=Sum("hours")))
    for a in attended:
        row = rows[a["assignment__shift__post__region_id"]]
        row["people"] = a["people"]
        row["hours"] = a["hours"] or Decimal("0")
    reports = ActivityReport.objects.filter(unit_id=unit_id, day=day)
    if reports.exists():
        region = Unit.objects.values_list("region_id", flat=True).get(pk=unit_id)
        for r in reports.values("social_workers", "volunteers", "others"):
            rows[region]["reported_people"] += r["social_workers"] + r["volunteers"] + r["others"]
            rows[region]["activity_reports"] += 1
    return rows


def refresh(unit_id: int, day: dt.date) -> None:
    """Recompute the rows of `unit_id` on `day` (all regions) from the source rows."""
    with transaction.atomic():
        DeploymentDay.objects.filter(unit_id=unit_id, day=day).delete()
        DeploymentDay.objects.bulk_create([
            DeploymentDay(unit_id=unit_id, region_code=region, day=day, **values)
            for region, values in sorted(_rows(unit_id, day).items())])


def refresh_assignment(assignment: Assignment) -> None:
    """Shorthand for the (unit, day) an assignment's shift belongs to."""
    shift = assignment.shift
    refresh(shift.post.unit_id, shift.day)


def rebuild() -> int:
    """Recompute every row from scratch; returns the number of rows written."""
    keys = set(Shift.objects.values_list("post__unit_id", "day").distinct())
    keys |= set(ActivityReport.objects.values_list("unit_id", "day").distinct())
    with transaction.atomic():
        DeploymentDay.objects.all().delete()
        for unit_id, day in sorted(keys):
            refresh(unit_id, day)
    return DeploymentDay.objects.count()
