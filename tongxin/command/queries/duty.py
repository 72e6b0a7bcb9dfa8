"""Who is on duty: the reads directives (sign as duty officer, escalate to the leader on duty) ask."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from tongxin.command.models import DutyRole, DutyShift
from tongxin.units.models import Unit


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
