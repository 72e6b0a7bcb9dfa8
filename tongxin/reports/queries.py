"""Reads for reporting: who must report, completeness by region, missing units, figures and trends.

Figures and filing counts come from the roll-ups (one indexed read per region and day, never a
scan of reports). Who is expected on a day comes from the units' in-service periods
(`UnitPeriod`, read through its region index): the units in service on that day, in the
assignment's region and of its kinds *as they were that day*, so adding, closing or moving a
unit never rewrites a past day. The list of missing units is an anti-join (`~Exists`) on the
(assignment, day) index of reports. The overview's
key figures (with the change since yesterday), derived figures (ratios and zero-case streaks)
and trends are computed from those roll-up rows only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeAlias

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from tongxin.core.types import Actor
from tongxin.regions.models import Region
from tongxin.regions.queries import in_subtree
from tongxin.reports.definition import label, unit_label
from tongxin.reports.models import Assignment, FieldRollup, FilingRollup, Report
from tongxin.reports.rollups import region_chain
from tongxin.reports.services import is_due
from tongxin.units import scope
from tongxin.units.models import Kind, Unit, UnitPeriod, in_service_q

TREND_DAYS = 14

# {key: {day: (total, count)}}: what `figures` reads from the roll-ups.
Series: TypeAlias = dict[str, dict[dt.date, tuple[Decimal, int]]]


@dataclass
class Completeness:
    region: Region
    expected: int = 0
    on_time: int = 0
    late: int = 0
    zero: int = 0

    @property
    def filed(self) -> int:
        return self.on_time + self.late

    @property
    def missing(self) -> int:
        return max(self.expected - self.filed, 0)

    @property
    def rate(self) -> float:
        return self.filed / self.expected if self.expected else 0.0


@dataclass
class CompletenessTable:
    total: Completeness
    rows: list[Completeness] = field(default_factory=list)


def visible_assignments(user: Actor) -> QuerySet[Assignment]:
    """Assignments issued by bureaus the user sees, or aimed at the user's area (scope.reaching)."""
    issued = scope.restrict(Assignment.objects.all(), user)
    return (issued | Assignment.objects.filter(scope.reaching(user))).select_related(
        "form", "issuer", "region").distinct()


def child_regions(region: Region) -> list[Region]:
    return list(region.children.order_by("code"))


def _child_of(region: Region, code: str, children: set[str]) -> str | None:
    """Which child of `region` a unit in region `code` counts towards (None: directly in `region`)."""
    for c in region_chain(code):
        if c in children:
            return c
    return None


def expected_periods(assignment: Assignment, region: Region, day: dt.date | None = None) -> QuerySet[UnitPeriod]:
    """The in-service periods of the units that owe `assignment` a report under `region`.

    With `day`, only the periods covering it (at most one per unit); without, every period in
    the assignment's region and kinds (for a filter by day applied later, e.g. a trend).
    """
    outer, inner = sorted([assignment.region.prefix, region.prefix], key=len)
    if not inner.startswith(outer):
        return UnitPeriod.objects.none()  # the region lies outside the assignment's
    q = in_subtree("region_code", inner) & ~Q(kind=Kind.BUREAU)
    if assignment.unit_kinds:
        q &= Q(kind__in=assignment.unit_kinds)
    if day is not None:
        q &= in_service_q(day)
    return UnitPeriod.objects.filter(q).order_by()


def completeness(assignment: Assignment, region: Region, day: dt.date) -> CompletenessTable:
    """Expected, on time, late and missing for `region` and each child region on `day`."""
    children = child_regions(region)
    child_codes = {c.code for c in children}
    rows = {c.code: Completeness(c) for c in children}
    total = Completeness(region)
    if not is_due(assignment, day):
        return CompletenessTable(total, list(rows.values()))
    per_code = expected_periods(assignment, region, day).values("region_code").annotate(n=Count("id")).order_by()
    for row in per_code:
        total.expected += row["n"]
        child = _child_of(region, row["region_code"], child_codes)
        if child is not None:
            rows[child].expected += row["n"]
    filings = {f.region_code: f for f in FilingRollup.objects.filter(
        assignment=assignment, day=day, region_code__in=[region.code, *child_codes])}
    for code, target in [(region.code, total), *((c, rows[c]) for c in child_codes)]:
        f = filings.get(code)
        if f is not None:
            target.on_time, target.late, target.zero = f.on_time, f.late, f.zero
    return CompletenessTable(total, [r for r in rows.values() if r.expected or r.filed])


def missing_units(assignment: Assignment, region: Region, day: dt.date) -> QuerySet[Unit]:
    """Units in service under `region` on `day` that owed a report for it and have not filed it.

    Each unit carries `region_code_then`, where it was in service that day (it may have moved
    since). An anti-join on the reports' (assignment, day) index; the periods are read through
    their region index.
    """
    if not is_due(assignment, day):
        return Unit.objects.none()
    filed = Report.objects.filter(assignment=assignment, day=day, unit_id=OuterRef("unit_id"))
    owing = expected_periods(assignment, region, day).filter(~Exists(filed))
    then = UnitPeriod.objects.filter(in_service_q(day), unit_id=OuterRef("pk")).order_by().values("region_code")
    return (Unit.objects.filter(pk__in=owing.values("unit_id"))
            .annotate(region_code_then=then[:1])
            .select_related("region").order_by("region_code_then", "name"))


def figures(assignment: Assignment, region: Region, days: list[dt.date], keys: list[str]) -> Series:
    """{key: {day: (total, count)}} from the roll-ups for one region."""
    out: dict[str, dict[dt.date, tuple[Decimal, int]]] = defaultdict(dict)
    for r in FieldRollup.objects.filter(assignment=assignment, region_code=region.code, key__in=keys,
                                        day__in=days).only("key", "day", "total", "count"):
        out[r.key][r.day] = (r.total, r.count)
    return out


def last_case_day(assignment: Assignment, region: Region, day: dt.date, keys: list[str]) -> dt.date | None:
    """The last day up to `day` on which any of `keys` summed above zero in `region`."""
    row = (FieldRollup.objects.filter(assignment=assignment, region_code=region.code, key__in=keys,
                                      day__lte=day, total__gt=0).order_by("-day").values_list("day", flat=True).first())
    return row


# --- the overview ------------------------------------------------------------------------------

def default_assignment(user: Actor, today: dt.date) -> Assignment | None:
    """The user's most recent active assignment: one running today first, else the latest started."""
    active = visible_assignments(user).filter(is_active=True)
    running = active.filter(start_date__lte=today, end_date__gte=today).order_by("-start_date", "-pk").first()
    if running is not None:
        return running
    return (active.order_by("-start_date", "-pk").first()
            or visible_assignments(user).order_by("-start_date", "-pk").first())


def clamp_day(assignment: Assignment, day: dt.date) -> dt.date:
    """`day` moved into the assignment's period, and back to its last due day when weekly."""
    day = min(max(day, assignment.start_date), assignment.end_date)
    while not is_due(assignment, day) and day > assignment.start_date:
        day -= dt.timedelta(days=1)
    return day


def trend_days(assignment: Assignment, day: dt.date, n: int = TREND_DAYS) -> list[dt.date]:
    """The last `n` days up to `day`, not before the assignment's start."""
    first = max(day - dt.timedelta(days=n - 1), assignment.start_date)
    return [first + dt.timedelta(days=i) for i in range((day - first).days + 1)]


def expected_count(assignment: Assignment, region: Region, day: dt.date) -> int:
    """How many units under `region` owed a report on `day` (0 when none was due)."""
    if not is_due(assignment, day):
        return 0
    return expected_periods(assignment, region, day).count()


@dataclass
class FilingDay:
    day: dt.date
    expected: int
    filed: int

    @property
    def rate(self) -> float | None:
        return self.filed / self.expected if self.expected else None


def filing_trend(assignment: Assignment, region: Region, days: list[dt.date]) -> list[FilingDay]:
    """Per day: expected (the units in service that day; zero when no report is due) and filed.

    Expected is one query counting the periods per day in the database; filed comes from the
    filing roll-ups.
    """
    due = [d for d in days if is_due(assignment, d)]
    expected: dict[dt.date, int] = {}
    if due:
        counts = expected_periods(assignment, region).aggregate(
            **{f"d{i}": Count("id", filter=in_service_q(d)) for i, d in enumerate(due)})
        expected = {d: counts[f"d{i}"] for i, d in enumerate(due)}
    filed = {f.day: f.on_time + f.late for f in FilingRollup.objects.filter(
        assignment=assignment, region_code=region.code, day__in=days).only("day", "on_time", "late")}
    return [FilingDay(d, expected.get(d, 0), filed.get(d, 0)) for d in days]


@dataclass
class KeyFigure:
    key: str
    label: str
    unit: str
    value: Decimal | None
    previous: Decimal | None
    count: int = 0  # how many reports the sum is over, today and yesterday
    previous_count: int = 0

    @property
    def change(self) -> Decimal | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


def _field(definition: dict[str, Any], key: str) -> dict[str, Any]:
    return next((f for f in definition.get("fields", []) if f.get("key") == key), {"key": key, "label": key})


def key_figures(definition: dict[str, Any], series: Series, day: dt.date) -> list[KeyFigure]:
    """The form's key figures on `day` and the day before, from `figures(...)` output covering both days."""
    yesterday = day - dt.timedelta(days=1)
    out = []
    for key in definition.get("key_figures", []):
        f = _field(definition, key)
        per_day = series.get(key, {})
        now, before = per_day.get(day), per_day.get(yesterday)
        out.append(KeyFigure(key, label(f), unit_label(f), now[0] if now else None,
                             before[0] if before else None, now[1] if now else 0, before[1] if before else 0))
    return out


@dataclass
class DerivedFigure:
    key: str
    label: str
    kind: str
    value: Decimal | int | None  # ratio: a fraction 0..1; streak: whole days
    numerator: Decimal | None = None
    denominator: Decimal | None = None


def _term(series: Series, day: dt.date, key: str, other: str) -> Decimal | None:
    """A ratio's side: the sum of `key` on `day`, or — for "@count" — how many reports gave `other`."""
    if key == "@count":
        cell = series.get(other, {}).get(day)
        return Decimal(cell[1]) if cell else None
    cell = series.get(key, {}).get(day)
    return cell[0] if cell else None


def derived_keys(definition: dict[str, Any]) -> list[str]:
    """The fields the derived figures read (to fetch them with the key figures in one query)."""
    keys: list[str] = []
    for fig in definition.get("figures", []):
        if fig.get("kind") == "ratio":
            keys += [k for k in (fig.get("numerator"), fig.get("denominator")) if k and k != "@count"]
    return keys


def derived_figures(assignment: Assignment, region: Region, day: dt.date, definition: dict[str, Any],
                    series: Series) -> list[DerivedFigure]:
    """Ratios (sum over sum, or over the count of reports for "@count") and streaks on `day`.

    A streak counts the days without a case up to `day`: from the day after the last day any of
    its fields summed above zero, or from the period start when there was none.
    """
    out = []
    for fig in definition.get("figures", []):
        kind = fig.get("kind")
        if kind == "ratio":
            num_key, den_key = fig.get("numerator", ""), fig.get("denominator", "")
            num = _term(series, day, num_key, den_key)
            den = _term(series, day, den_key, num_key)
            value = num / den if num is not None and den else None
            out.append(DerivedFigure(fig.get("key", ""), label(fig), kind, value, num, den))
        elif kind == "streak":
            last = last_case_day(assignment, region, day, list(fig.get("fields", [])))
            since = last + dt.timedelta(days=1) if last is not None else assignment.start_date
            out.append(DerivedFigure(fig.get("key", ""), label(fig), kind, max((day - since).days + 1, 0)))
    return out
