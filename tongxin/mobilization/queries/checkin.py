"""The reads of check-in: a person's own page (by their link), the roll of a shift, the anomalies
to review, and the organisation's board of a day.

The board's totals are sums over the same rows it shows (`board`), computed by the database
separately (`board_totals`) so that a property test can hold the two to each other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from tongxin.core.models import Notification
from tongxin.core.types import Actor
from tongxin.mobilization.models import Assignment, AssignmentStatus, Attendance, Person, Shift
from tongxin.mobilization.queries.people import contact_key
from tongxin.units import scope

NOTICES = 20


def person_by_key(key: str) -> Person | None:
    """The person whose own link this is (active, not merged), else None."""
    if not key or len(key) > 43:
        return None
    return (Person.objects.filter(checkin_key=key, is_active=True, merged_into__isnull=True)
            .select_related("unit").first())



def person_shifts(person: Person, now: dt.datetime) -> list[Assignment]:
    """The person's active assignments still to come or running, from today on (with attendance)."""
    start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return list(Assignment.objects.filter(person=person, status=AssignmentStatus.ACTIVE, shift__is_cancelled=False,
                                          ends_at__gte=start_of_day)
                .select_related("shift__post", "attendance").order_by("starts_at", "pk")[:30])


def person_notices(person: Person) -> list[Notification]:
    return list(Notification.objects.filter(contact_key=contact_key(person)).order_by("-created_at", "-pk")[:NOTICES])


def attendance_of(assignment: Assignment) -> Attendance | None:
    try:
        return assignment.attendance
    except Attendance.DoesNotExist:
        return None


def roll(shift: Shift) -> list[dict[str, Any]]:
    """The people of a shift (active assignments) with their attendance, in name order."""
    rows = []
    for a in (Assignment.objects.filter(shift=shift, status=AssignmentStatus.ACTIVE)
              .select_related("person__unit", "attendance").order_by("person__name", "pk")):
        rows.append({"assignment": a, "person": a.person, "attendance": attendance_of(a)})
    return rows


def to_review(user: Actor) -> QuerySet[Attendance]:
    """Flagged attendances not yet reviewed, in the user's scope, newest first."""
    return (Attendance.objects.restrict(user, scope.READ).exclude(flags=[]).filter(reviewed_at__isnull=True)
            .select_related("assignment__person", "assignment__shift__post__unit")
            .order_by("-checked_in_at", "-pk"))


# --- the board ----------------------------------------------------------------------------------

@dataclass
class BoardRow:
    shift: Shift
    needed: int
    filled: int
    checked_in: int
    present: int
    people: list[dict[str, Any]] = field(default_factory=list)

    @property
    def unfilled(self) -> int:
        return max(0, self.needed - self.filled)


def board_shifts(user: Actor, day: dt.date) -> QuerySet[Shift]:
    """The day's shifts of the posts in the user's scope, by unit, post and time, with their counts."""
    active = Q(assignments__status=AssignmentStatus.ACTIVE)
    return (Shift.objects.restrict(user, scope.READ).filter(day=day, is_cancelled=False)
            .select_related("post__unit")
            .annotate(filled=Count("assignments", filter=active, distinct=True),
                      checked_in=Count("assignments__attendance", filter=active, distinct=True),
                      present=Count("assignments__attendance", distinct=True,
                                    filter=active & Q(assignments__attendance__checked_out_at__isnull=True)))
            .order_by("post__unit__name", "post__unit_id", "post__name", "post_id", "starts_at", "pk"))


def board(user: Actor, shifts: list[Shift]) -> list[BoardRow]:
    """One row per shift (of `board_shifts`) with who is checked in (names only)."""
    attended: dict[int, list[dict[str, Any]]] = {}
    for a in (Attendance.objects.filter(assignment__shift__in=shifts, assignment__status=AssignmentStatus.ACTIVE)
              .select_related("assignment__person").order_by("checked_in_at", "pk")):
        attended.setdefault(a.assignment.shift_id, []).append({"name": a.assignment.person.name, "attendance": a})
    return [BoardRow(s, s.needed, getattr(s, "filled"), getattr(s, "checked_in"), getattr(s, "present"),  # noqa: B009
                     attended.get(s.pk, [])) for s in shifts]


def board_totals(user: Actor, day: dt.date) -> dict[str, int]:
    """The board's totals of the day, by the database: shifts, posts, needed, filled, checked in,
    present now, unfilled places, and anomalies to review."""
    columns = ["pk", "post_id", "needed", "filled", "checked_in", "present"]  # the annotations of board_shifts
    shifts = list(board_shifts(user, day).values(*columns))
    return {
        "shifts": len(shifts), "posts": len({s["post_id"] for s in shifts}),
        "needed": sum(s["needed"] for s in shifts), "filled": sum(s["filled"] for s in shifts),
        "checked_in": sum(s["checked_in"] for s in shifts), "present": sum(s["present"] for s in shifts),
        "unfilled": sum(max(0, s["needed"] - s["filled"]) for s in shifts),
        "to_review": to_review(user).count(),
    }


def sum_rows(rows: list[BoardRow]) -> dict[str, int]:
    """The same totals added up from the rows shown (the property test's other side)."""
    return {"shifts": len(rows), "posts": len({r.shift.post_id for r in rows}),
            "needed": sum(r.needed for r in rows), "filled": sum(r.filled for r in rows),
            "checked_in": sum(r.checked_in for r in rows), "present": sum(r.present for r in rows),
            "unfilled": sum(r.unfilled for r in rows)}
