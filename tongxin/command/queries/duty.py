"""Who is on duty: the reads directives (sign as duty officer, escalate to the leader on duty) ask,
and those of the duty pages (a unit's week, today's board, one's own shifts)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.db.models import Q, QuerySet
from django.utils import timezone

from tongxin.command.models import DutyRole, DutyShift
from tongxin.command.queries import responses
from tongxin.core import system_settings
from tongxin.core.types import Actor
from tongxin.regions.models import Region
from tongxin.regions.queries import in_subtree
from tongxin.units import scope
from tongxin.units.models import Membership, Unit

MISSED_SETTING = "command.duty_missed_minutes"


def on_duty(unit: Unit, at: dt.datetime, role: str | None = None) -> QuerySet[DutyShift]:
    """The unit's shifts running at `at` (optionally of one role: DutyRole.LEADER or STAFF)."""
    qs = DutyShift.objects.filter(unit=unit, starts_at__lte=at, ends_at__gt=at).select_related("user")
    return qs.filter(role=role) if role else qs


def duty_officer_ids(unit: Unit, at: dt.datetime) -> set[int]:
    """Accounts on duty at the unit at `at` (leader or staff): they may sign for it."""
    return set(on_duty(unit, at).exclude(user=None).values_list("user_id", flat=True))


def leaders_on_duty(unit: Unit, at: dt.datetime) -> list[DutyShift]:
    """The unit's leader(s) on duty at `at`: where an unsigned urgent directive escalates first."""
    return list(on_duty(unit, at, DutyRole.LEADER))


# --- pages and the API ----------------------------------------------------------------------------

def visible_shifts(user: Actor, mode: str = scope.READ) -> QuerySet[DutyShift]:
    """The shifts of the units in the user's scope."""
    return DutyShift.objects.restrict(user, mode).select_related("unit__region", "user", "check_in")


def week_shifts(unit: Unit, week_start: dt.date) -> list[DutyShift]:
    """The unit's shifts of the 7 days from `week_start`, by day, role (leader first) and start."""
    end = week_start + dt.timedelta(days=7)
    return list(DutyShift.objects.filter(unit=unit, day__gte=week_start, day__lt=end)
                .select_related("user", "check_in").order_by("day", "role", "starts_at", "id"))


def today_q(now: dt.datetime) -> Q:
    """Shifts of today's local day, and those running now (a night shift from yesterday)."""
    return Q(day=timezone.localdate(now)) | Q(starts_at__lte=now, ends_at__gt=now)


def board_shifts(user: Actor, *, now: dt.datetime, region: Region | None = None) -> QuerySet[DutyShift]:
    """Today's duty board for `user`: the shifts of today (and running now) in the user's scope,
    optionally inside `region`, ordered by region, unit, role (leader first) and start."""
    qs = visible_shifts(user).filter(today_q(now))
    if region is not None:
        qs = qs.filter(in_subtree("unit__region_id", region.prefix))
    return qs.order_by("unit__region_id", "unit__name", "unit_id", "role", "starts_at", "id")


def my_shifts(user: Actor, *, now: dt.datetime) -> list[DutyShift]:
    """The user's own shifts of today and those running now: what the check-in page offers."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(DutyShift.objects.filter(today_q(now), user_id=cast(int, user.pk))
                .select_related("unit__region", "check_in").order_by("starts_at", "id"))


class Tracking:
    """Whether a response is in force over a unit at `now`, asked once per region."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self._by_region: dict[str, bool] = {}

    def __call__(self, unit: Unit) -> bool:
        if unit.region_id not in self._by_region:
            self._by_region[unit.region_id] = responses.tracking_on(unit, self.now)
        return self._by_region[unit.region_id]


def sees_as_level_above(user: Actor, unit: Unit) -> bool:
    """Whether `user` looks at `unit` from a bureau above it (not as one of its own people): the
    viewer a missing check-in is flagged for."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    own = set(Membership.objects.filter(user_id=cast(int, user.pk)).values_list("unit_id", flat=True))
    return unit.pk not in own and scope.scope_of(user).covers_region(unit.region_id, mode=scope.READ)


def roster_units(user: Actor) -> QuerySet[Unit]:
    """The active units (bureaus and institutions) whose rosters the user may keep (FILE scope)."""
    return Unit.objects.restrict(user, scope.FILE).filter(is_active=True).select_related("region")


def missed_after() -> dt.timedelta:
    """How long after its start a shift with no check-in is flagged 未到岗 (a system setting)."""
    return dt.timedelta(minutes=int(system_settings.get(MISSED_SETTING)))


def is_missed(shift: DutyShift, now: dt.datetime, *, tracking: bool, after: dt.timedelta | None = None) -> bool:
    """Whether `shift` shows 未到岗 to the level above at `now`: a response in force over the unit
    (`tracking`), an account that could check in, started more than `missed_after()` ago, no check-in."""
    limit = missed_after() if after is None else after
    return (tracking and shift.user_id is not None and now - shift.starts_at > limit
            and not hasattr(shift, "check_in"))


def board_rows(user: Actor, shifts: list[DutyShift], now: dt.datetime) -> list[dict[str, Any]]:
    """Each shift of the board with what it shows: running now (`now`), its check-in, whether a
    response is in force over the unit (`tracking`) and 未到岗 (`missed`, for the level above only)."""
    tracking = Tracking(now)
    after = missed_after()
    above: dict[int, bool] = {}
    out = []
    for s in shifts:
        if s.unit_id not in above:
            above[s.unit_id] = sees_as_level_above(user, s.unit)
        on = tracking(s.unit)
        out.append({"shift": s, "now": s.starts_at <= now < s.ends_at, "checked_in": getattr(s, "check_in", None),
                    "tracking": on, "missed": above[s.unit_id] and is_missed(s, now, tracking=on, after=after)})
    return out
