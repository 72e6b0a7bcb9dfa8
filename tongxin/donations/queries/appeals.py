"""Reads of the appeals part: the disclosure clock, and the appeals a user or a unit may see.

The clock (慈善法 Art. 72/79) counts Beijing local days: a disclosure is due every 5 days while the
appeal's clock is RESPONSE, every 3 calendar months for QUARTERLY, counted from the local day of
the last disclosure of (appeal, unit) (or of the appeal's publication). After the appeal ends
(`ends_on`, or the day it was closed), a full (is_final) disclosure is due within 3 months of the
end. A disclosure is overdue once the local day after its due day has begun.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from tongxin.core.types import Actor
from tongxin.donations.models import Appeal, AppealIssuer, Disclosure
from tongxin.donations.models.appeals import AppealStatus, Clock
from tongxin.units import scope
from tongxin.units.models import Category, Unit

RESPONSE_DAYS = 5
QUARTER_MONTHS = 3
FINAL_MONTHS = 3


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` plus calendar months, clamped to the month's last day (31 Aug + 3 months = 30 Nov)."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class ClockState:
    due_on: dt.date | None  # the last local day on which the next disclosure is in time; None: nothing due
    overdue: bool
    final: bool  # the next one due is the full disclosure after the end
    last: Disclosure | None
    days_left: int | None


def clock(appeal: Appeal, unit: Unit | None = None, now: dt.datetime | None = None) -> ClockState:
    """The next disclosure of `appeal` by `unit` (default: the lead issuer) and whether it is overdue."""
    unit = unit or appeal.unit
    today = timezone.localdate(now or timezone.now())
    if appeal.status == AppealStatus.DRAFT or appeal.published_at is None:
        return ClockState(None, False, False, None, None)
    last = (Disclosure.objects.filter(appeal=appeal, unit=unit).order_by("-published_at", "-id").first())
    end = appeal.ends_on
    if appeal.closed_at is not None:
        closed = timezone.localdate(appeal.closed_at)
        end = min(end, closed) if end else closed
    if last is not None and last.is_final:
        return ClockState(None, False, True, last, None)
    if end is not None and today > end:
        due = add_months(end, FINAL_MONTHS)
        final = True
    else:
        start = timezone.localdate(last.published_at if last is not None else appeal.published_at)
        due = (start + dt.timedelta(days=RESPONSE_DAYS) if appeal.clock == Clock.RESPONSE
               else add_months(start, QUARTER_MONTHS))
        final = False
        if end is not None and due > end:  # the period ends first: the next one due is the full one
            due, final = add_months(end, FINAL_MONTHS), True
    return ClockState(due, today > due, final, last, (due - today).days)


def visible_appeals(user: Actor, appeals: QuerySet[Appeal] | None = None) -> QuerySet[Appeal]:
    """The appeals (of `appeals`, default all) this user may see: those whose lead issuer, or any
    co-issuer, lies in the user's scope (a co-issuer's staff see the joint appeal they signed)."""
    joined = AppealIssuer.objects.filter(scope.scope_of(user).q("unit", mode=scope.READ)).values("appeal_id")
    qs = Appeal.objects.all() if appeals is None else appeals
    return qs.filter(scope.scope_q(Appeal, user, scope.READ) | Q(pk__in=joined)).select_related("unit")


def co_issuers_for(user: Actor) -> QuerySet[Unit]:
    """The social organisations `user` may name as an appeal's co-issuers: every active one in the
    registry, not only those in the user's scope (a joint appeal is signed across counties and
    levels; a social organisation's name is public, as on 慈善中国). Signed-in users only."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Unit.objects.none()
    return Unit.objects.filter(category=Category.SOCIAL_ORG, is_active=True).order_by("name", "id")


def open_for_giving(unit: Unit, on: dt.date | None = None) -> QuerySet[Appeal]:
    """Published appeals `unit` issues (alone or jointly) that are running on `on` (default today)."""
    day = on or timezone.localdate()
    return (Appeal.objects.filter(status=AppealStatus.PUBLISHED, issuer_rows__unit=unit, starts_on__lte=day)
            .exclude(ends_on__lt=day).distinct().order_by("-starts_on", "-id"))


def issuers_of(appeal: Appeal) -> list[Unit]:
    """The issuers in signing order, the lead first."""
    return [row.unit for row in appeal.issuer_rows.select_related("unit").order_by("order", "id")]


def disclosures_of(appeal: Appeal, unit: Unit | None = None) -> QuerySet[Disclosure]:
    qs = Disclosure.objects.filter(appeal=appeal).select_related("unit")
    return qs.filter(unit=unit) if unit is not None else qs
