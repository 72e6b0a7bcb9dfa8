"""Roll-ups: kept incrementally with every filing and correction, rebuildable from scratch.

For each report, every region above its unit (province, city, county — whichever exist in the
code) holds, per day and numeric field, the sum and count over the latest revisions
(`FieldRollup`), and per day the count of units that filed on time, late and as zero reports
(`FilingRollup`). `apply_change` moves them by the difference between a report's old and new
values inside the caller's transaction; `rebuild` recomputes them from the reports. A property
test holds the two equal for any sequence of filings and corrections.

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
from django.db.models import F
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


def _upsert(model: type[FieldRollup] | type[FilingRollup], conflict: list[str], rows: list[dict[str, Any]],
            add: list[str]) -> None:
    """Insert `rows`, or add their `add` columns to the rows already there — one statement.

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
        model.objects.filter(**{c: row[c] for c in conflict}).update(**{c: F(c) + row[c] for c in add})
    rows = [r for r in rows if r not in falling]
    if not rows:
        return
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    columns = list(rows[0])
    values = ",".join(["(" + ",".join(["%s"] * len(columns)) + ")"] * len(rows))
    updates = ", ".join(f"{q(c)} = {table}.{q(c)} + excluded.{q(c)}" for c in add)
    sql = (f"INSERT INTO {table} ({', '.join(q(c) for c in columns)}) VALUES {values} "
           f"ON CONFLICT ({', '.join(q(c) for c in conflict)}) DO UPDATE SET {updates}")
    params = [str(v) if isinstance(v, Decimal) else v for row in rows for v in row.values()]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


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
                 first_filing: bool, was_zero: bool) -> None:
    """Move the roll-ups from `old` values (None for a first filing) to `new` for this report."""
    field_deltas: dict[str, tuple[Decimal, int]] = {}
    for key in keys:
        before = numeric(old.get(key)) if old is not None else None
        after = numeric(new.get(key))
        total = (after or 0) - (before or 0)
        count = (after is not None) - (before is not None)
        if total or count:
            field_deltas[key] = (Decimal(total), count)
    on_time = int(first_filing and not report.is_late)
    late = int(first_filing and report.is_late)
    zero = int(report.is_zero) - int(was_zero and not first_filing)
    codes = region_chain(region_of(report))
    base = {"assignment_id": report.assignment_id, "day": report.day}
    _upsert(FieldRollup, ["assignment_id", "region_code", "day", "key"],
            [{**base, "region_code": code, "key": key, "total": total, "count": count}
             for code in codes for key, (total, count) in field_deltas.items()], ["total", "count"])
    if on_time or late or zero:
        _upsert(FilingRollup, ["assignment_id", "region_code", "day"],
                [{**base, "region_code": code, "on_time": on_time, "late": late, "zero": zero} for code in codes],
                ["on_time", "late", "zero"])


def rebuild(assignment: Assignment | None = None) -> dict[str, int]:
    """Recompute all roll-ups (or one assignment's) from the reports' latest values."""
    reports = Report.objects.select_related("unit", "form_version")
    rollups_f = FieldRollup.objects.all()
    rollups_c = FilingRollup.objects.all()
    if assignment is not None:
        reports = reports.filter(assignment=assignment)
        rollups_f = rollups_f.filter(assignment=assignment)
        rollups_c = rollups_c.filter(assignment=assignment)
    fields: dict[tuple, list] = defaultdict(lambda: [Decimal(0), 0])
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
    with transaction.atomic():
        rollups_f.delete()
        rollups_c.delete()
        FieldRollup.objects.bulk_create(
            [FieldRollup(assignment_id=a, region_code=c, day=d, key=k, total=t, count=n)
             for (a, c, d, k), (t, n) in fields.items()], batch_size=2000)
        FilingRollup.objects.bulk_create(
            [FilingRollup(assignment_id=a, region_code=c, day=d, on_time=o, late=lt, zero=z)
             for (a, c, d), (o, lt, z) in filings.items()], batch_size=2000)
    return {"field_rows": len(fields), "filing_rows": len(filings)}


def _contribution(report: Report, codes: list[str], sign: int) -> None:
    """Add (sign 1) or take away (sign -1) one report's whole share of the roll-ups of `codes`."""
    base = {"assignment_id": report.assignment_id, "day": report.day}
    cells = [(key, numeric(report.values.get(key))) for key in report.form_version.numeric_keys()]
    _upsert(FieldRollup, ["assignment_id", "region_code", "day", "key"],
            [{**base, "region_code": code, "key": key, "total": sign * value, "count": sign}
             for code in codes for key, value in cells if value is not None], ["total", "count"])
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
    return len(reports)


@receiver(unit_moved, dispatch_uid="reports.rollups.follow_moved_unit")
def _follow_moved_unit(sender: Any, *, unit: Unit, old_region_code: str, new_region_code: str, day: dt.date,
                       **kwargs: Any) -> None:
    """A unit moved: its reports from the move's day on count in the new region."""
    relocate(unit.pk, old_region_code, new_region_code, day)
