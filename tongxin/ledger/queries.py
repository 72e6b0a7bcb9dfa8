"""Reads of the ledger: the scoped, filtered list; statistics by region; a unit's open entries.

Every read starts from `scope.restrict`. Overdue is computed against the local date at read
time. Region filters are ranges on the entry's own `region_code` (no join to units).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from tongxin.ledger.models import LedgerEntry, Status
from tongxin.ledger.services import overdue_q
from tongxin.regions.models import Region
from tongxin.regions.queries import in_subtree
from tongxin.units import scope


def visible_entries(user) -> QuerySet[LedgerEntry]:
    return scope.restrict(LedgerEntry.objects.select_related("unit", "campaign"), user)


def filter_entries(qs: QuerySet[LedgerEntry], *, region: str = "", unit: int | None = None, status: str = "",
                   severity: str = "", category: str = "", campaign: int | None = None, overdue: bool = False,
                   today: dt.date | None = None) -> QuerySet[LedgerEntry]:
    """The list's filters; `region` is a code and covers its subtree."""
    if region:
        qs = qs.filter(in_subtree("region_code", Region.objects.get(code=region).prefix))
    if unit:
        qs = qs.filter(unit_id=unit)
    if status:
        qs = qs.filter(status=status)
    if severity:
        qs = qs.filter(severity=severity)
    if category:
        qs = qs.filter(category=category)
    if campaign:
        qs = qs.filter(campaign_id=campaign)
    if overdue:
        qs = qs.filter(overdue_q(today))
    return qs


@dataclass
class RegionStats:
    region: Region
    found: int = 0
    closed: int = 0
    open: int = 0
    overdue: int = 0
    median_days_to_close: float | None = None

    @property
    def closure_rate(self) -> float:
        return self.closed / self.found if self.found else 0.0


def stats_by_region(user, region: Region, *, campaign: int | None = None,
                    today: dt.date | None = None) -> tuple[RegionStats, list[RegionStats]]:
    """(total, per child region): found, closed, open, overdue, closure rate, median days to close."""
    today = today or timezone.localdate()
    qs = filter_entries(visible_entries(user), region=region.code, campaign=campaign)
    children = {c.code: c for c in region.children.all()}

    def child_of(code: str) -> str | None:
        for c in (code[:4] + "00", code):
            if c in children:
                return c
        return None

    rows = {code: RegionStats(r) for code, r in children.items()}
    total = RegionStats(region)
    counts = qs.values("region_code", "status").annotate(
        n=Count("id"), late=Count("id", filter=Q(deadline__lt=today) & ~Q(status=Status.CLOSED))).order_by()
    for row in counts:
        targets = [total]
        child = child_of(row["region_code"])
        if child:
            targets.append(rows[child])
        for t in targets:
            t.found += row["n"]
            t.overdue += row["late"]
            if row["status"] == Status.CLOSED:
                t.closed += row["n"]
            else:
                t.open += row["n"]
    durations: dict[str | None, list[float]] = defaultdict(list)
    closed = qs.filter(status=Status.CLOSED).values_list("region_code", "found_on", "closed_at")
    for code, found_on, closed_at in closed:
        days = (timezone.localdate(closed_at) - found_on).days
        durations[None].append(days)
        child = child_of(code)
        if child:
            durations[child].append(days)
    if durations[None]:
        total.median_days_to_close = statistics.median(durations[None])
    for code, values in durations.items():
        if code is not None and values:
            rows[code].median_days_to_close = statistics.median(values)
    return total, [r for r in rows.values() if r.found]
