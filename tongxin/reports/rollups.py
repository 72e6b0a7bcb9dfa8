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

from tongxin.core.bulk import load_rows
from tongxin.regions.queries import chain as region_chain
from tongxin.reports.models import Assignment, FieldRollup, FilingRollup, FormVersion, Report
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
    """`region_of` for many reports: every unit's periods read once, each unit's region now only
    if some report needs it (one read for all units), each region's `region_chain` made once."""

    def __init__(self) -> None:
        self.periods: dict[int, list[tuple[Any, Any, str]]] = defaultdict(list)
        for p in UnitPeriod.objects.order_by().values_list("unit_id", "valid_from", "valid_until", "region_code"):
            self.periods[p[0]].append(p[1:])
        self.now: dict[int, str] | None = None
        self.chains: dict[str, tuple[str, ...]] = {}

    def code(self, unit_id: int, day: dt.date) -> str:
        for since, until, code in self.periods.get(unit_id, ()):
            if since <= day and (until is None or day < until):
                return code
        if self.now is None:
            self.now = dict(Unit.objects.order_by().values_list("id", "region_id"))
        return self.now[unit_id]

    def leaf(self, unit_id: int, day: dt.date) -> str:
        """`code`, with its `region_chain` ready in `chains`."""
        code = self.code(unit_id, day)
        if code not in self.chains:
            self.chains[code] = tuple(region_chain(code))
        return code


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


FIELD_COLUMNS = ("assignment_id", "region_code", "day", "key", "total", "count", "lowest", "highest")
FILING_COLUMNS = ("assignment_id", "region_code", "day", "on_time", "late", "zero")
WRITE_BATCH = 10_000  # roll-up rows held before they are written
KNOWN_VALUES = 100_000  # distinct stored values whose `numeric` is kept while rebuilding


class _Day:
    """One assignment's day being added up: each report's values go to the region it counts in
    (its leaf), and only when the day is done are the leaves' sums, counts and extremes carried up
    their `region_chain` — so a report costs one pass over its values, not one per region above it."""

    def __init__(self, assignment_id: int, day: dt.date) -> None:
        self.assignment_id, self.day = assignment_id, day
        self.values: dict[str, dict[str, list[Decimal]]] = {}  # leaf -> key -> the values given
        self.filings: dict[str, list[int]] = {}  # leaf -> [on time, late, zero]

    def rows(self, chains: dict[str, tuple[str, ...]]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """The day's FieldRollup and FilingRollup rows (in FIELD_COLUMNS / FILING_COLUMNS order)."""
        fields: dict[tuple[str, str], list[Any]] = {}  # (region, key) -> [total, count, lowest, highest]
        filings: dict[str, list[int]] = {}
        for leaf, counts in self.filings.items():
            for code in chains[leaf]:
                have = filings.get(code)
                if have is None:
                    filings[code] = list(counts)
                else:
                    have[0] += counts[0]
                    have[1] += counts[1]
                    have[2] += counts[2]
        for leaf, by_key in self.values.items():
            for key, given in by_key.items():
                total, count, lowest, highest = sum(given, Decimal(0)), len(given), min(given), max(given)
                for code in chains[leaf]:
                    cell = fields.get((code, key))
                    if cell is None:
                        fields[(code, key)] = [total, count, lowest, highest]
                    else:
                        cell[0] += total
                        cell[1] += count
                        cell[2] = min(cell[2], lowest)
                        cell[3] = max(cell[3], highest)
        a, d = self.assignment_id, self.day
        return ([(a, code, d, key, *cell) for (code, key), cell in fields.items()],
                [(a, code, d, *counts) for code, counts in filings.items()])


class _Rows:
    """Roll-up rows on their way to the tables, written about `batch` at a time (COPY on PostgreSQL)."""

    def __init__(self, batch: int) -> None:
        self.batch = batch
        self.fields: list[tuple[Any, ...]] = []
        self.filings: list[tuple[Any, ...]] = []
        self.written = {"field_rows": 0, "filing_rows": 0}

    def add(self, rows: tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]) -> None:
        self.fields += rows[0]
        self.filings += rows[1]
        if len(self.fields) + len(self.filings) >= self.batch:
            self.flush()

    def flush(self) -> None:
        self.written["field_rows"] += load_rows(FieldRollup, FIELD_COLUMNS, self.fields)
        self.written["filing_rows"] += load_rows(FilingRollup, FILING_COLUMNS, self.filings)
        self.fields, self.filings = [], []


_MISSING = object()


def rebuild(assignment: Assignment | None = None, *, chunk_size: int = 5000,
            write_batch: int = WRITE_BATCH) -> dict[str, int]:
    """Recompute all roll-ups (or one assignment's) from the reports' latest values, in one
    transaction (the old rows go and the new ones come together). Returns the rows written and the
    reports read.

    The reports are read once, `chunk_size` at a time, in (assignment, day) order (the
    `report_assignment_day_idx` index), and added up one assignment's day at a time, whose rows are
    then written, `write_batch` rows at a time or so: memory holds one day's values whatever the
    length of the history. (The tests set both small to cross their boundaries.)
    """
    reports = Report.objects.order_by("assignment_id", "day")
    rollups_f = FieldRollup.objects.all()
    rollups_c = FilingRollup.objects.all()
    if assignment is not None:
        reports = reports.filter(assignment=assignment)
        rollups_f = rollups_f.filter(assignment=assignment)
        rollups_c = rollups_c.filter(assignment=assignment)
    numeric_keys: dict[int, list[str]] = {}
    known: dict[Any, Decimal | None] = {}  # value as stored -> `numeric` of it (figures repeat a lot)
    regions = _Regions()
    out = _Rows(write_batch)
    read = 0
    with transaction.atomic():
        rollups_f.delete()
        rollups_c.delete()
        current = _Day(0, dt.date.min)
        for assignment_id, day, unit_id, is_late, is_zero, values, version_id in reports.values_list(
                "assignment_id", "day", "unit_id", "is_late", "is_zero", "values", "form_version_id",
        ).iterator(chunk_size=chunk_size):
            read += 1
            if day != current.day or assignment_id != current.assignment_id:
                out.add(current.rows(regions.chains))
                current = _Day(assignment_id, day)
            keys = numeric_keys.get(version_id)
            if keys is None:
                keys = numeric_keys[version_id] = FormVersion.objects.get(pk=version_id).numeric_keys()
            leaf = regions.leaf(unit_id, day)
            counts = current.filings.get(leaf)
            if counts is None:
                counts = current.filings[leaf] = [0, 0, 0]
                by_key = current.values[leaf] = {}
            else:
                by_key = current.values[leaf]
            counts[1 if is_late else 0] += 1
            counts[2] += is_zero
            for key in keys:
                raw = values.get(key)
                if raw is None:
                    continue
                value: Any
                try:
                    value = known.get(raw, _MISSING)
                except TypeError:  # a list or an object where a number belongs: not a number
                    value = numeric(raw)
                if value is _MISSING:
                    value = numeric(raw)
                    if len(known) < KNOWN_VALUES:
                        known[raw] = value
                if value is not None:
                    given = by_key.get(key)
                    if given is None:
                        by_key[key] = [value]
                    else:
                        given.append(value)
        out.add(current.rows(regions.chains))
        out.flush()
    return {**out.written, "reports": read}


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
