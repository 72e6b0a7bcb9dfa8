"""Reads of dispatch meetings and action items, always through `scope.restrict`.

A meeting is seen by whoever sees its convener (the bureau and the levels above it) and by the
units summoned to it or given one of its items. An assignment (one owner unit's share of an
item) is seen in its unit's subtree — so a bureau's board shows the items of the units and bureaus
below it — and by the convener's people. Overdue is judged on the local date at read time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from tongxin.command.models.meetings import ActionAssignment, ActionItem, Attendance, Meeting
from tongxin.command.models.meetings import AssignmentStatus as S
from tongxin.command.services.meetings import LEDGER_SOURCE, overdue_q
from tongxin.core.types import Actor
from tongxin.ledger.models import LedgerEntry
from tongxin.regions.models import Region
from tongxin.regions.queries import in_subtree
from tongxin.units import scope


def visible_meetings(user: Actor) -> QuerySet[Meeting]:
    """Meetings the user sees: by the convener, or as (a bureau above) a summoned or owner unit."""
    by_convener = scope.restrict(Meeting.objects.all(), user).values("pk")
    summoned = scope.restrict(Attendance.objects.all(), user).values("meeting_id")
    owners = scope.restrict(ActionAssignment.objects.all(), user).values("item__meeting_id")
    return Meeting.objects.filter(Q(pk__in=by_convener) | Q(pk__in=summoned) | Q(pk__in=owners)).select_related(
        "convener__region")


def visible_assignments(user: Actor) -> QuerySet[ActionAssignment]:
    """Assignments in the user's subtree, plus those of meetings the user's scope convened."""
    convened = scope.restrict(Meeting.objects.all(), user).values("pk")
    own = scope.restrict(ActionAssignment.objects.all(), user).values("pk")
    return ActionAssignment.objects.filter(Q(pk__in=own) | Q(item__meeting_id__in=convened)).select_related(
        "unit__region", "item__meeting__convener")


def visible_items(user: Actor) -> QuerySet[ActionItem]:
    return ActionItem.objects.filter(Q(meeting__in=visible_meetings(user))).select_related("meeting__convener")


def items_of(meeting: Meeting, user: Actor) -> list[ActionItem]:
    """The meeting's items, each with `shown` — the assignments of it the user sees."""
    seen = visible_assignments(user).filter(item__meeting=meeting).order_by("region_code", "unit_id")
    by_item: dict[int, list[ActionAssignment]] = {}
    for a in seen:
        by_item.setdefault(a.item_id, []).append(a)
    items = list(meeting.action_items.order_by("number"))
    for item in items:
        item.shown = by_item.get(item.pk, [])  # type: ignore[attr-defined]
    return items


def filter_assignments(qs: QuerySet[ActionAssignment], *, status: str = "", overdue: bool = False,
                       region: str = "", meeting: int | None = None,
                       today: dt.date | None = None) -> QuerySet[ActionAssignment]:
    """The board's filters: status ("open" is every state but done), overdue, region subtree, meeting."""
    if status == "open":
        qs = qs.exclude(status=S.DONE)
    elif status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(overdue_q(today))
    if region:
        found = Region.objects.filter(code=region).first()
        qs = qs.filter(in_subtree("region_code", found.prefix)) if found else qs.none()
    if meeting:
        qs = qs.filter(item__meeting_id=meeting)
    return qs


def ordered(qs: QuerySet[ActionAssignment], today: dt.date | None = None) -> QuerySet[ActionAssignment]:
    """Overdue first, then not done, then by target date."""
    rank = Case(When(overdue_q(today), then=Value(0)), When(~Q(status=S.DONE), then=Value(1)), default=Value(2),
                output_field=IntegerField())
    return qs.annotate(late_rank=rank).order_by("late_rank", "target_date", "item__meeting_id", "item__number",
                                                "region_code", "id")


@dataclass
class BoardCounts:
    total: int = 0
    open: int = 0
    awaiting: int = 0
    overdue: int = 0
    done: int = 0


def board_counts(qs: QuerySet[ActionAssignment], today: dt.date | None = None) -> BoardCounts:
    """The counts above the board, over exactly the rows its filters select, in one query."""
    row = qs.order_by().aggregate(
        total=Count("id"), open=Count("id", filter=~Q(status=S.DONE)),
        awaiting=Count("id", filter=Q(status=S.AWAITING)), overdue=Count("id", filter=overdue_q(today)),
        done=Count("id", filter=Q(status=S.DONE)))
    return BoardCounts(**row)


def overdue_days(assignment: ActionAssignment, today: dt.date | None = None) -> int:
    """Days past the target date (local); 0 when not overdue."""
    today = today or timezone.localdate()
    if assignment.status == S.DONE or assignment.target_date >= today:
        return 0
    return (today - assignment.target_date).days


def attendance_counts(meeting: Meeting) -> dict[str, int]:
    """{status or "": n} over the meeting's summoned units ("" = not recorded)."""
    return dict(meeting.attendances.order_by().values_list("status").annotate(n=Count("id")))


def ledger_entries_of(assignment: ActionAssignment, user: Actor = None) -> QuerySet[LedgerEntry]:
    """The ledger entries the assignment raised (all of them when `user` is None, else those the user sees)."""
    from tongxin.ledger import queries as ledger

    if user is None:
        return ledger.raised_by_any(LEDGER_SOURCE, assignment.pk)
    return ledger.raised_by(user, LEDGER_SOURCE, assignment.pk)
