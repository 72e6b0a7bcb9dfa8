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
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeAlias

from django.db.models import Case, Count, Exists, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value, When

from tongxin.core.types import Actor
from tongxin.regions.models import Region
from tongxin.regions.queries import in_subtree
from tongxin.reports.definition import aggregates, label, unit_label
from tongxin.reports.models import Assignment, FieldRollup, FilingRollup, Reminder, Report
from tongxin.reports.rollups import region_chain
from tongxin.reports.services import expected_units_on_q, is_due, reminder_window
from tongxin.units import scope
from tongxin.units.models import Kind, Unit, UnitPeriod, in_service_q

TREND_DAYS = 14

# {key: {day: (total, count, lowest, highest)}}: what `figures` reads from the roll-ups.
Cell: TypeAlias = tuple[Decimal, int, Decimal | None, Decimal | None]
Series: TypeAlias = dict[str, dict[dt.date, Cell]]
AVERAGE_PLACES = Decimal("0.1")  # an average is shown to one decimal place


def aggregate_of(cell: Cell | None, aggregate: str) -> Decimal | None:
    """A roll-up cell's value under `aggregate` (definition.AGGREGATES): the sum (0 with no
    reports, as a sum over none), the average (sum / count, to one decimal), the lowest or the
    highest (None with no value)."""
    if aggregate == "sum":
        return cell[0] if cell is not None else None
    if cell is None or not cell[1]:
        return None
    if aggregate == "avg":
        return (cell[0] / cell[1]).quantize(AVERAGE_PLACES, rounding=ROUND_HALF_UP)
    return cell[2] if aggregate == "min" else cell[3]


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


def filing_pair(user: Actor, assignment_id: int | None, unit_id: int | None) -> tuple[Assignment | None, Unit | None]:
    """The assignment and the unit one filing names, each None when it does not exist or the user may
    not see it (the same answer as `visible_assignments` and `units.api.visible_units`): read by id,
    with what `services.submit_report` uses of them, and checked against the user's cached scope
    (`scope.sees`) instead of a scoped query each — the API's filing path, which the bench measures."""
    assignment = (Assignment.objects.select_related("form", "issuer", "region").filter(pk=assignment_id).first()
                  if assignment_id is not None else None)
    unit = Unit.objects.select_related("region").filter(pk=unit_id).first() if unit_id is not None else None
    return (assignment if assignment is not None and scope.sees(user, assignment) else None,
            unit if unit is not None and scope.sees(user, unit) else None)


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


UNIT_STATES = ("missing", "late", "zero", "on_time")  # the order a county's unit list shows them in


def unit_states(user: Actor, assignment: Assignment, region: Region, day: dt.date) -> QuerySet[Unit]:
    """Every unit of `region` the assignment expected on `day` (as it was then) that the user sees,
    each with `state` (an index into UNIT_STATES: missing, late — a late zero report included, for
    that is what gets chased — zero report, on time), its report's `report_id` and `filed_at`;
    missing first, then by name. One query, bounded by the region's units; meant for a county."""
    if not is_due(assignment, day):
        return Unit.objects.none()
    report = Report.objects.filter(assignment=assignment, day=day, unit_id=OuterRef("pk")).order_by()
    units = Unit.objects.filter(expected_units_on_q(assignment, day), in_subtree("region_id", region.prefix))
    return (scope.restrict(units, user).select_related("region")
            .annotate(report_id=Subquery(report.values("pk")[:1]),
                      filed_at=Subquery(report.values("first_filed_at")[:1]),
                      late=Subquery(report.values("is_late")[:1]), zero=Subquery(report.values("is_zero")[:1]))
            .annotate(state=Case(When(report_id__isnull=True, then=Value(0)), When(late=True, then=Value(1)),
                                 When(zero=True, then=Value(2)), default=Value(3), output_field=IntegerField()))
            .order_by("state", "name", "pk"))


def figures(assignment: Assignment, region: Region, days: list[dt.date], keys: list[str]) -> Series:
    """{key: {day: (total, count, lowest, highest)}} from the roll-ups for one region."""
    out: dict[str, dict[dt.date, Cell]] = defaultdict(dict)
    for r in FieldRollup.objects.filter(assignment=assignment, region_code=region.code, key__in=keys,
                                        day__in=days).only("key", "day", "total", "count", "lowest", "highest"):
        out[r.key][r.day] = (r.total, r.count, r.lowest, r.highest)
    return out


def last_case_day(assignment: Assignment, region: Region, day: dt.date, keys: list[str]) -> dt.date | None:
    """The last day up to `day` on which any of `keys` summed above zero in `region`."""
    row = (FieldRollup.objects.filter(assignment=assignment, region_code=region.code, key__in=keys,
                                      day__lte=day, total__gt=0).order_by("-day").values_list("day", flat=True).first())
    return row


# --- the overview ------------------------------------------------------------------------------

def default_assignment(user: Actor, today: dt.date) -> Assignment | None:
    """The assignment the user's overview opens on: among the active ones (else any visible), one
    running today first (a live response beats last month's, whoever issued it); then the ones
    issued at the user's own level (by a bureau of the user's top region: the province officer's is
    the province's, not a county's), then those issued above and aimed at the user's area, then
    those issued below; within each, the latest started."""
    tops = [r.code for r in scope.top_regions(user)]

    def level(a: Assignment) -> int:
        issued_in = a.issuer.region_id
        if issued_in in tops:
            return 0
        above = any(code.startswith(a.issuer.region.prefix) for code in tops)
        return 1 if above else 2

    visible = visible_assignments(user).select_related("issuer__region")
    candidates = list(visible.filter(is_active=True)) or list(visible)
    if not candidates:
        return None
    return min(candidates, key=lambda a: (not (a.start_date <= today <= a.end_date), level(a),
                                          -a.start_date.toordinal(), -a.pk))


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
    count: int = 0  # how many reports the figure is over, today and yesterday
    previous_count: int = 0
    aggregate: str = "sum"  # how the reports add up into `value` (definition.AGGREGATES)
    others: list[tuple[str, Decimal | None]] = field(default_factory=list)  # the field's other aggregates today

    @property
    def change(self) -> Decimal | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


def _field(definition: dict[str, Any], key: str) -> dict[str, Any]:
    return next((f for f in definition.get("fields", []) if f.get("key") == key), {"key": key, "label": key})


def field_aggregates(f: dict[str, Any]) -> list[str]:
    """How a field adds up on the overview: its declared aggregates; yes/no fields count the yeses."""
    return ["sum"] if f.get("type") == "bool" else aggregates(f)


def key_figures(definition: dict[str, Any], series: Series, day: dt.date) -> list[KeyFigure]:
    """The form's key figures on `day` and the day before, from `figures(...)` output covering both
    days: each under the field's first aggregate, with its other aggregates of the day beside it."""
    yesterday = day - dt.timedelta(days=1)
    out = []
    for key in definition.get("key_figures", []):
        f = _field(definition, key)
        primary, *rest = field_aggregates(f)
        per_day = series.get(key, {})
        now, before = per_day.get(day), per_day.get(yesterday)
        out.append(KeyFigure(key, label(f), unit_label(f), aggregate_of(now, primary),
                             aggregate_of(before, primary), now[1] if now else 0, before[1] if before else 0,
                             primary, [(a, aggregate_of(now, a)) for a in rest]))
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


# --- 催报 ---------------------------------------------------------------------------------------

def last_reminders(assignment: Assignment, day: dt.date, units: list[Unit]) -> dict[int, dt.datetime]:
    """{unit id: when it was last reminded for `assignment` and `day`} for those of `units` ever reminded."""
    rows = (Reminder.objects.filter(assignment=assignment, day=day, unit_id__in=[u.pk for u in units])
            .order_by().values("unit_id").annotate(last=Max("sent_at")).values_list("unit_id", "last"))
    return dict(rows)


@dataclass(frozen=True)
class ReminderPreview:
    """What a 催报 for one assignment, region and day would do now: the units missing, when any of
    them was last reminded that day, and which were reminded too recently to be reminded again."""

    missing: list[Unit]
    last_at: dt.datetime | None
    recent: list[Unit]
    again_at: dt.datetime | None  # when the most recently reminded of `recent` may be reminded again

    @property
    def due(self) -> list[Unit]:
        recent = {u.pk for u in self.recent}
        return [u for u in self.missing if u.pk not in recent]


def reminder_preview(assignment: Assignment, region: Region, day: dt.date, now: dt.datetime,
                     limit: int = 1000) -> ReminderPreview:
    """The confirmation page's reading of a 催报 (`services.remind_missing` applies the same rule)."""
    missing = list(missing_units(assignment, region, day)[:limit])
    last = last_reminders(assignment, day, missing)
    window = reminder_window()
    recent = [u for u in missing if u.pk in last and last[u.pk] > now - window]
    newest = max((last[u.pk] for u in recent), default=None)
    return ReminderPreview(missing, max(last.values(), default=None), recent,
                           newest + window if newest else None)
