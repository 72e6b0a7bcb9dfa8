"""Roll-ups: kept incrementally with every filing and correction, rebuildable from scratch.

For each report, every region above its unit (province, city, county — whichever exist in the
code) holds, per day and numeric field, the sum, count, lowest and highest value over the latest
revisions (`FieldRollup`) — enough for every aggregate a form declares: sum, average (sum /
count), minimum, maximum — and per day the count of units that filed on time, late and as zero
reports (`FilingRollup`). `apply_change` moves them by the difference between a report's old and
new values inside the caller's transaction; `rebuild` recomputes them from the reports. A property
test holds the two equal for any sequence of filings and corrections.

Sums and counts move by differences. The lowest and highest only ever widen on a new value; when a
correction takes away a value that was a region's lowest or highest, that region's extremes are
recomputed from its child regions' rows and the reports of the units directly in it, deepest
region first (a county reads its own day's reports, a city or the province a row per child), so
no correction scans more than one county's day.

A report counts in the region its unit was in service in on the report's day (the unit's
`UnitPeriod`), so a unit that moves county leaves its past days where they were filed; when a
unit moves, `relocate` carries the roll-ups of its reports from the move's day on to the new
region (today's filing counts where the unit now is).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, DecimalField, Exists, F, OuterRef, Q, Value, When
from django.dispatch import receiver

from tongxin.regions.queries import chain as region_chain
from tongxin.reports.models import Assignment, FieldRollup, FilingRollup, Report
from tongxin.units.models import Unit, UnitPeriod, in_service_q
from tongxin.units.signals import unit_moved


def numeric(value: Any) -> Decimal | None:
    """A value as it rolls up: yes/no as 1/0, numbers as Decimal, anything else (or empty) None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return Decimal(1 if value else 0)
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


EXTREMES = {"lowest": "<", "highest": ">"}  # FieldRollup columns that keep the lowest / highest value given


def _upsert(model: type[FieldRollup] | type[FilingRollup], conflict: list[str], rows: list[dict[str, Any]],
            add: list[str], keep: tuple[str, ...] = ()) -> None:
    """Insert `rows`, or add their `add` columns to the rows already there — one statement. A `keep`
    column (lowest, highest) takes the row's value when that is lower (higher) than the one stored;
    None leaves it as it is.

    Raw SQL because the ORM has no "increment on conflict"; `INSERT … ON CONFLICT … DO UPDATE`
    is the same on PostgreSQL and SQLite (≥ 3.24), and it is safe under concurrent filings.
    """
    if not rows:
        return
    # A decrement only follows an earlier increment, so its row exists: update it in place. (The
    # database checks the candidate row of an upsert against `count >= 0` before it sees the
    # conflict, so a negative delta cannot go through the upsert.)
    falling = [r for r in rows if any(r[c] < 0 for c in add)]
    for row in falling:
        changes: dict[str, Any] = {c: F(c) + row[c] for c in add}
        for c in keep:
            if row[c] is not None:
                value = Value(row[c], output_field=DecimalField(max_digits=20, decimal_places=4))
                beyond = Q(**{f"{c}__gt" if EXTREMES[c] == "<" else f"{c}__lt": row[c]})
                changes[c] = Case(When(Q(**{f"{c}__isnull": True}) | beyond, then=value), default=F(c))
        model.objects.filter(**{c: row[c] for c in conflict}).update(**changes)
    rows = [r for r in rows if r not in falling]
    if not rows:
        return
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    columns = list(rows[0])
    values = ",".join(["(" + ",".join(["%s"] * len(columns)) + ")"] * len(rows))
    updates = [f"{q(c)} = {table}.{q(c)} + excluded.{q(c)}" for c in add]
    updates += [f"{q(c)} = CASE WHEN excluded.{q(c)} IS NOT NULL AND ({table}.{q(c)} IS NULL OR "
                f"excluded.{q(c)} {EXTREMES[c]} {table}.{q(c)}) THEN excluded.{q(c)} ELSE {table}.{q(c)} END"
                for c in keep]
    sql = (f"INSERT INTO {table} ({', '.join(q(c) for c in columns)}) VALUES {values} "
           f"ON CONFLICT ({', '.join(q(c) for c in conflict)}) DO UPDATE SET {', '.join(updates)}")
    params = [str(v) if isinstance(v, Decimal) else v for row in rows for v in row.values()]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _field_rows(rows: list[dict[str, Any]]) -> None:
    _upsert(FieldRollup, ["assignment_id", "region_code", "day", "key"], rows, ["total", "count"],
            keep=("lowest", "highest"))


def region_of(report: Report) -> str:
    """The region a report counts in: where its unit was in service on the report's day.

    A report for a day the unit was not in service (before its first period) counts where the
    unit is now.
    """
    code = (UnitPeriod.objects.filter(in_service_q(report.day), unit_id=report.unit_id)
            .values_list("region_code", flat=True).first())
    return code or report.unit.region_id


class _Regions:
    """`region_of` for many reports: every unit's periods read once."""

    def __init__(self) -> None:
        self.periods: dict[int, list[tuple[Any, Any, str]]] = defaultdict(list)
        for p in UnitPeriod.objects.order_by().values_list("unit_id", "valid_from", "valid_until", "region_code"):
            self.periods[p[0]].append(p[1:])

    def of(self, report: Report) -> str:
        for since, until, code in self.periods.get(report.unit_id, ()):
            if since <= report.day and (until is None or report.day < until):
                return code
        return report.unit.region_id


def apply_change(report: Report, keys: list[str], old: dict[str, Any] | None, new: dict[str, Any], *,
                 first_filing: bool, was_zero: bool, region_code: str | None = None) -> None:
    """Move the roll-ups from `old` values (None for a first filing) to `new` for this report.
    `region_code`: `region_of(report)` when the caller has read it already."""
    field_deltas: dict[str, tuple[Decimal, int, Decimal | None]] = {}
    taken: dict[str, Decimal] = {}  # key -> a value this change took away (it may have been an extreme)
    for key in keys:
        before = numeric(old.get(key)) if old is not None else None
        after = numeric(new.get(key))
        total = (after or 0) - (before or 0)
        count = (after is not None) - (before is not None)
        if total or count:
            field_deltas[key] = (Decimal(total), count, after)
        if before is not None and before != after:
            taken[key] = before
    on_time = int(first_filing and not report.is_late)
    late = int(first_filing and report.is_late)
    zero = int(report.is_zero) - int(was_zero and not first_filing)
    codes = region_chain(region_code or region_of(report))
    base = {"assignment_id": report.assignment_id, "day": report.day}
    _field_rows([{**base, "region_code": code, "key": key, "total": total, "count": count,
                  "lowest": after, "highest": after}
                 for code in codes for key, (total, count, after) in field_deltas.items()])
    if taken:
        _refresh_extremes(report.assignment_id, report.day, codes, taken)
    if on_time or late or zero:
        _upsert(FilingRollup, ["assignment_id", "region_code", "day"],
                [{**base, "region_code": code, "on_time": on_time, "late": late, "zero": zero} for code in codes],
                ["on_time", "late", "zero"])


def _refresh_extremes(assignment_id: int, day: dt.date, codes: list[str], taken: dict[str, Decimal]) -> None:
    """Recompute, deepest region first, the extremes a value taken away may have been."""
    stale: dict[str, list[str]] = defaultdict(list)
    for code, key, low, high in FieldRollup.objects.filter(
            assignment_id=assignment_id, day=day, region_code__in=codes, key__in=list(taken)).values_list(
            "region_code", "key", "lowest", "highest"):
        if taken[key] in (low, high):
            stale[code].append(key)
    for code in reversed(codes):
        if stale.get(code):
            recompute_extremes(assignment_id, day, code, stale[code])


def _children_q(code: str) -> Q | None:
    """The roll-up rows of the regions right below `code` in `region_chain` (None for a county)."""
    if code.endswith("0000"):
        return Q(region_code__startswith=code[:2], region_code__endswith="00") & ~Q(region_code=code)
    if code.endswith("00"):
        return Q(region_code__startswith=code[:4]) & ~Q(region_code=code)
    return None


def direct_reports(assignment_id: int, day: dt.date, code: str) -> Any:
    """The day's reports that count directly in region `code` (not in a region below it): where
    `region_of` puts them — their unit's period that day, else the unit's region now."""
    here = UnitPeriod.objects.filter(in_service_q(day), region_code=code).values("unit_id")
    covered = UnitPeriod.objects.filter(in_service_q(day), unit_id=OuterRef("unit_id"))
    return Report.objects.filter(assignment_id=assignment_id, day=day).filter(
        Q(unit_id__in=here) | (Q(unit__region_id=code) & ~Exists(covered)))


def direct_values(assignment_id: int, day: dt.date, code: str, keys: list[str]) -> dict[str, list[Decimal]]:
    """{key: every value of the reports counting directly in `code`} (numeric in the report's version)."""
    numeric_of: dict[int, set[str]] = {}
    out: dict[str, list[Decimal]] = defaultdict(list)
    for values, version_id, definition in direct_reports(assignment_id, day, code).values_list(
            "values", "form_version_id", "form_version__definition"):
        if version_id not in numeric_of:
            numeric_of[version_id] = {f["key"] for f in definition.get("fields", [])
                                      if f.get("type") in ("int", "decimal", "bool")}
        for key in keys:
            value = numeric(values.get(key)) if key in numeric_of[version_id] else None
            if value is not None:
                out[key].append(value)
    return out


def recompute_extremes(assignment_id: int, day: dt.date, code: str, keys: list[str]) -> None:
    """Set the lowest and highest of `keys` in `code` on `day` from its children's rows and its own units."""
    found = direct_values(assignment_id, day, code, keys)
    children = _children_q(code)
    if children is not None:
        for key, low, high in FieldRollup.objects.filter(children, assignment_id=assignment_id, day=day,
                                                         key__in=keys).values_list("key", "lowest", "highest"):
            found[key] += [v for v in (low, high) if v is not None]
    for key in keys:
        values = found.get(key) or []
        FieldRollup.objects.filter(assignment_id=assignment_id, region_code=code, day=day, key=key).update(
            lowest=min(values) if values else None, highest=max(values) if values else None)


def rebuild(assignment: Assignment | None = None) -> dict[str, int]:
    """Recompute all roll-ups (or one assignment's) from the reports' latest values."""
    reports = Report.objects.select_related("unit", "form_version")
    rollups_f = FieldRollup.objects.all()
    rollups_c = FilingRollup.objects.all()
    if assignment is not None:
        reports = reports.filter(assignment=assignment)
        rollups_f = rollups_f.filter(assignment=assignment)
        rollups_c = rollups_c.filter(assignment=assignment)
    fields: dict[tuple, list] = defaultdict(lambda: [Decimal(0), 0, None, None])
    filings: dict[tuple, list] = defaultdict(lambda: [0, 0, 0])
    regions = _Regions()
    for report in reports.iterator(chunk_size=2000):
        keys = report.form_version.numeric_keys()
        for code in region_chain(regions.of(report)):
            base = (report.assignment_id, code, report.day)
            f = filings[base]
            f[1 if report.is_late else 0] += 1
            f[2] += int(report.is_zero)
            for key in keys:
                value = numeric(report.values.get(key))
                if value is not None:
                    cell = fields[(*base, key)]
                    cell[0] += value
                    cell[1] += 1
                    cell[2] = value if cell[2] is None else min(cell[2], value)
                    cell[3] = value if cell[3] is None else max(cell[3], value)
    with transaction.atomic():
        rollups_f.delete()
        rollups_c.delete()
        FieldRollup.objects.bulk_create(
            [FieldRollup(assignment_id=a, region_code=c, day=d, key=k, total=t, count=n, lowest=lo, highest=hi)
             for (a, c, d, k), (t, n, lo, hi) in fields.items()], batch_size=2000)
        FilingRollup.objects.bulk_create(
            [FilingRollup(assignment_id=a, region_code=c, day=d, on_time=o, late=lt, zero=z)
             for (a, c, d), (o, lt, z) in filings.items()], batch_size=2000)
    return {"field_rows": len(fields), "filing_rows": len(filings)}


def _contribution(report: Report, codes: list[str], sign: int) -> None:
    """Add (sign 1) or take away (sign -1) one report's whole share of the roll-ups of `codes`."""
    base = {"assignment_id": report.assignment_id, "day": report.day}
    cells = [(key, numeric(report.values.get(key))) for key in report.form_version.numeric_keys()]
    _field_rows([{**base, "region_code": code, "key": key, "total": sign * value, "count": sign,
                  "lowest": value if sign > 0 else None, "highest": value if sign > 0 else None}
                 for code in codes for key, value in cells if value is not None])
    _upsert(FilingRollup, ["assignment_id", "region_code", "day"],
            [{**base, "region_code": code, "on_time": sign * int(not report.is_late),
              "late": sign * int(report.is_late), "zero": sign * int(report.is_zero)} for code in codes],
            ["on_time", "late", "zero"])


def relocate(unit_id: int, old_code: str, new_code: str, since: dt.date) -> int:
    """Carry the roll-ups of a unit's reports for days from `since` on from `old_code` to `new_code`.

    Regions both chains share (the province, a common city) keep their rows as they are. Returns
    how many reports moved.
    """
    old_chain, new_chain = region_chain(old_code), region_chain(new_code)
    leaving = [c for c in old_chain if c not in new_chain]
    arriving = [c for c in new_chain if c not in old_chain]
    reports = list(Report.objects.filter(unit_id=unit_id, day__gte=since).select_related("form_version"))
    for report in reports:
        _contribution(report, leaving, -1)
        _contribution(report, arriving, 1)
    for report in reports:  # what left may have been the old regions' lowest or highest
        for code in reversed(leaving):
            recompute_extremes(report.assignment_id, report.day, code, report.form_version.numeric_keys())
    return len(reports)


@receiver(unit_moved, dispatch_uid="reports.rollups.follow_moved_unit")
def _follow_moved_unit(sender: Any, *, unit: Unit, old_region_code: str, new_region_code: str, day: dt.date,
                       **kwargs: Any) -> None:
    """A unit moved: its reports from the move's day on count in the new region."""
    relocate(unit.pk, old_region_code, new_region_code, day)
