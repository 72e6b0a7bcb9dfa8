"""Reads for reporting: who must report, completeness by region, missing units, figures and trends.

Figures and filing counts come from the roll-ups (one indexed read per region and day, never a
scan of reports). The expected count per region comes from the unit table's region index; the
list of missing units is an anti-join on the (assignment, day) index of reports.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, QuerySet

from tongxin.regions.models import Region
from tongxin.regions.queries import in_subtree
from tongxin.reports.models import Assignment, FieldRollup, FilingRollup, Report
from tongxin.reports.rollups import region_chain
from tongxin.reports.services import expected_units_q, is_due
from tongxin.units import scope
from tongxin.units.models import Unit


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


def visible_assignments(user) -> QuerySet[Assignment]:
    """Assignments issued by bureaus the user sees, or covering a unit the user files for."""
    s = scope.scope_of(user)
    own_units = Unit.objects.filter(pk__in=s.units.get(scope.READ, frozenset()))
    codes = {c for code in own_units.values_list("region_id", flat=True) for c in region_chain(code)}
    issued = scope.restrict(Assignment.objects.all(), user)
    covering = Assignment.objects.filter(region_id__in=codes)
    return (issued | covering).select_related("form", "issuer", "region").distinct()


def child_regions(region: Region) -> list[Region]:
    return list(region.children.order_by("code"))


def _child_of(region: Region, code: str, children: set[str]) -> str | None:
    """Which child of `region` a unit in region `code` counts towards (None: directly in `region`)."""
    for c in region_chain(code):
        if c in children:
            return c
    return None


def completeness(assignment: Assignment, region: Region, day: dt.date) -> CompletenessTable:
    """Expected, on time, late and missing for `region` and each child region on `day`."""
    children = child_regions(region)
    child_codes = {c.code for c in children}
    rows = {c.code: Completeness(c) for c in children}
    total = Completeness(region)
    if not is_due(assignment, day):
        return CompletenessTable(total, list(rows.values()))
    per_code = (Unit.objects.filter(expected_units_q(assignment), in_subtree("region_id", region.prefix))
                .values("region_id").annotate(n=Count("id")).order_by())
    for row in per_code:
        total.expected += row["n"]
        child = _child_of(region, row["region_id"], child_codes)
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
    """Units of `region` that owe a report for `day` and have not filed it, with their contacts."""
    if not is_due(assignment, day):
        return Unit.objects.none()
    filed = Report.objects.filter(assignment=assignment, day=day).values("unit_id")
    return (Unit.objects.filter(expected_units_q(assignment), in_subtree("region_id", region.prefix))
            .exclude(pk__in=filed).select_related("region").order_by("region_id", "name"))


def figures(assignment: Assignment, region: Region, days: list[dt.date], keys: list[str]) -> dict:
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
