"""Reads of the ledger: the scoped, filtered list and its counts; statistics by region and by unit.

Every read starts from `scope.restrict`. Overdue is computed against the local date at read
time. Region filters are ranges on the entry's own `region_code` (no join to units). Every
statistics table adds up: the rows (with a 本级 row for entries sitting directly in the region)
sum to the total; its counts and medians come from one grouped statement, never from reading
the entries one by one (bench/RESULTS.md, "Ledger statistics in the database").
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from tongxin.core.aggregates import DaysBetween, median_of_counts
from tongxin.core.types import Actor
from tongxin.ledger import sources
from tongxin.ledger.models import LedgerEntry, Status
from tongxin.ledger.services import overdue_q
from tongxin.regions.models import Region
from tongxin.regions.queries import chain, in_subtree
from tongxin.units import scope
from tongxin.units.models import Unit

# A status filter value meaning "not yet struck off" (挂账, 整改中, 待验收, 退回).
UNCLOSED = "unclosed"

K = TypeVar("K", bound=Hashable)  # what a statistics row is keyed by


def visible_entries(user: Actor) -> QuerySet[LedgerEntry]:
    return scope.restrict(LedgerEntry.objects.select_related("unit"), user)


def raised_by_any(kinds: str | tuple[str, ...], source_id: int) -> QuerySet[LedgerEntry]:
    """Every entry the record `source_id` of `kinds` raised, by number, whoever may see them (for a
    service's checks; pages use `raised_by`)."""
    kinds = (kinds,) if isinstance(kinds, str) else kinds
    return LedgerEntry.objects.filter(source__in=kinds, source_id=source_id).order_by("number")


def raised_by(user: Actor, kinds: str | tuple[str, ...], source_id: int) -> QuerySet[LedgerEntry]:
    """The entries the user sees that the record `source_id` of `kinds` raised, by number."""
    return scope.restrict(raised_by_any(kinds, source_id).select_related("unit"), user)


def in_context(qs: QuerySet[LedgerEntry], kind: str, pk: int) -> QuerySet[LedgerEntry]:
    """The entries of `qs` that belong to the work `pk` of `kind` (a campaign): ledger_context_idx."""
    return qs.filter(context_kind=kind, context_id=pk)


def filter_entries(qs: QuerySet[LedgerEntry], *, region: str = "", unit: int | None = None, status: str = "",
                   severity: str = "", category: str = "", campaign: int | None = None, overdue: bool = False,
                   keyword: str = "", today: dt.date | None = None) -> QuerySet[LedgerEntry]:
    """The list's filters; `region` is a code and covers its subtree; status "unclosed" is every
    state but closed; `keyword` looks in the number, the description and the unit's name."""
    if region:
        found = Region.objects.filter(code=region).first()
        qs = qs.filter(in_subtree("region_code", found.prefix)) if found else qs.none()
    if unit:
        qs = qs.filter(unit_id=unit)
    if status == UNCLOSED:
        qs = qs.exclude(status=Status.CLOSED)
    elif status:
        qs = qs.filter(status=status)
    if severity:
        qs = qs.filter(severity=severity)
    if category:
        qs = qs.filter(category=category)
    if campaign:
        qs = in_context(qs, sources.CAMPAIGN, campaign)
    if overdue:
        qs = qs.filter(overdue_q(today))
    keyword = keyword.strip()
    if keyword:
        qs = qs.filter(Q(number__icontains=keyword) | Q(description__icontains=keyword)
                       | Q(unit__name__icontains=keyword))
    return qs


def ordered(qs: QuerySet[LedgerEntry], today: dt.date | None = None) -> QuerySet[LedgerEntry]:
    """Overdue entries first, then by deadline (soonest first)."""
    late = Case(When(overdue_q(today), then=Value(0)), default=Value(1), output_field=IntegerField())
    return qs.annotate(late_rank=late).order_by("late_rank", "deadline", "id")


@dataclass
class ListCounts:
    total: int = 0
    unclosed: int = 0
    awaiting: int = 0
    overdue: int = 0


def list_counts(qs: QuerySet[LedgerEntry], today: dt.date | None = None) -> ListCounts:
    """The counts above the list, over exactly the rows the filters select, in one query."""
    row = qs.order_by().aggregate(
        total=Count("id"), unclosed=Count("id", filter=~Q(status=Status.CLOSED)),
        awaiting=Count("id", filter=Q(status=Status.AWAITING)), overdue=Count("id", filter=overdue_q(today)))
    return ListCounts(**row)


def overdue_days(entry: LedgerEntry, today: dt.date | None = None) -> int:
    """Days past the deadline (local date); 0 when not overdue."""
    today = today or timezone.localdate()
    if entry.status == Status.CLOSED or entry.deadline >= today:
        return 0
    return (today - entry.deadline).days


# --- statistics ---------------------------------------------------------------------------------

@dataclass
class RegionStats:
    region: Region
    found: int = 0
    closed: int = 0
    open: int = 0
    overdue: int = 0
    median_days_to_close: float | None = None
    direct: bool = False  # the 本级 row: entries in the region itself, not in any child
    unit: Unit | None = None  # set on per-unit rows
    # Set by the statistics page: the row's name, its drill-down page, and the list's pages per count.
    name: str = ""
    drill: str | None = None
    links: dict[str, str] = field(default_factory=dict)

    @property
    def closure_rate(self) -> float:
        return self.closed / self.found if self.found else 0.0


def days_to_close() -> DaysBetween:
    """Days from finding to striking off: the local (Asia/Shanghai) date of `closed_at` minus `found_on`."""
    return DaysBetween(TruncDate("closed_at"), F("found_on"))


def _tally(qs: QuerySet[LedgerEntry], key_field: str, key_of: Callable[[Any], K], total: RegionStats,
           make_row: Callable[[K], RegionStats], today: dt.date) -> dict[K, RegionStats]:
    """Count `qs` into `total` and into one row per key (`key_of(value of key_field)`): found,
    closed, open, overdue on `today`, median days to close.

    One statement: the entries grouped by `key_field`, status and days to close (closed entries
    only) — a few rows per day-count instead of one per entry — from which every row's counts
    and median, and the total's, follow exactly (`median_of_counts`). The total is the sum of
    the rows by construction. (A closed entry without `closed_at`, which no service writes, counts
    as closed but adds no days; the Python tally before issue 13 gave it today's.)
    """
    closed = Q(status=Status.CLOSED)
    grouped = (qs.order_by().values(key_field, "status", days=Case(When(closed, then=days_to_close())))
               .annotate(n=Count("id"), late=Count("id", filter=Q(deadline__lt=today) & ~closed)).order_by())
    rows: dict[K, RegionStats] = {}
    durations: dict[K, Counter[int]] = defaultdict(Counter)
    everything: Counter[int] = Counter()
    for group in grouped:
        key = key_of(group[key_field])
        if key not in rows:
            rows[key] = make_row(key)
        for t in (total, rows[key]):
            t.found += group["n"]
            t.overdue += group["late"]
            if group["status"] == Status.CLOSED:
                t.closed += group["n"]
            else:
                t.open += group["n"]
        if group["days"] is not None:
            durations[key][group["days"]] += group["n"]
            everything[group["days"]] += group["n"]
    total.median_days_to_close = median_of_counts(everything)
    for key, counts in durations.items():
        rows[key].median_days_to_close = median_of_counts(counts)
    return rows


def stats_by_region(user: Actor, region: Region, *, campaign: int | None = None,
                    today: dt.date | None = None) -> tuple[RegionStats, list[RegionStats]]:
    """(total, per child region): found, closed, open, overdue, closure rate, median days to close.

    Entries in the region itself rather than in a child come last as one row with `direct=True`
    (本级), so the rows always add up to the total.
    """
    today = today or timezone.localdate()
    qs = filter_entries(visible_entries(user), region=region.code, campaign=campaign)
    children = {c.code: c for c in region.children.order_by("code")}
    direct = "__direct__"

    def child_of(code: str) -> str:
        for c in chain(code):
            if c in children:
                return c
        return direct

    def make_row(key: str) -> RegionStats:
        return RegionStats(region, direct=True) if key == direct else RegionStats(children[key])

    total = RegionStats(region)
    rows = _tally(qs, "region_code", child_of, total, make_row, today)
    out = [rows[c] for c in children if c in rows]
    if direct in rows:
        out.append(rows[direct])
    return total, out


def stats_by_unit(user: Actor, region: Region, *, campaign: int | None = None,
                  today: dt.date | None = None) -> tuple[RegionStats, list[RegionStats]]:
    """(total, per unit) for the entries of `region`'s subtree the user sees — a county's last level."""
    today = today or timezone.localdate()
    qs = filter_entries(visible_entries(user), region=region.code, campaign=campaign)
    total = RegionStats(region)
    rows = _tally(qs, "unit_id", int, total, lambda key: RegionStats(region), today)
    units = Unit.objects.in_bulk(list(rows))
    for key, row in rows.items():
        row.unit = units[key]
    return total, sorted(rows.values(), key=lambda r: (-r.overdue, -r.open, r.unit.name if r.unit else ""))
