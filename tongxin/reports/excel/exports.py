"""The day's consolidated table (汇总表), by region and by unit, as xlsx or CSV.

`region_table` reads completeness (the unit table's counts and the filing roll-ups) and the field
roll-ups, one column per numeric field and aggregate it declares, headed with the aggregate
("口罩储备天数（最小，天）"); its total row is the aggregate of its rows (units registered at the
region itself get a row of their own, the only one that may read reports: see `region_table`).
`unit_table` lists every expected unit of the region in the user's scope with its status and latest
values, reading reports in chunks.
`xlsx_response` streams through core.xlsx.stream_xlsx; `csv_response` streams UTF-8 with a BOM.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from tongxin.core import xlsx
from tongxin.core.types import Actor
from tongxin.regions.models import Region
from tongxin.reports import queries, rollups, services
from tongxin.reports.definition import aggregate_label, aggregates, label, unit_label
from tongxin.reports.excel.common import CHUNK, choice_labels, chunked, expected_units, shown
from tongxin.reports.models import Assignment, FieldRollup, Report
from tongxin.units.models import Unit

# Excel number formats for the columns of each field type.
FORMATS = {"int": "#,##0", "bool": "#,##0", "decimal": "#,##0.00", "date": "yyyy-mm-dd"}
COUNT_FORMAT, TIME_FORMAT = "#,##0", "yyyy-mm-dd hh:mm"
# core.xlsx applies per-column number formats once it has the `number_formats` option (a small
# change proposed to its owner); until then the cells keep Excel's default format.


@dataclass
class Table:
    filename: str  # without extension
    title: str
    headers: list[str]
    rows: Iterable[Sequence[Any]]
    widths: list[float]
    text_columns: list[str] = field(default_factory=list)
    number_formats: dict[str, str] = field(default_factory=dict)


def _field_header(f: dict, aggregate: str | None = None) -> str:
    """A field's column: its label with the unit, and with how it adds up when it does (合计, 最小 …)."""
    if f["type"] == "bool" and aggregate:
        return _("%(label)s（单位数）") % {"label": label(f)}
    if aggregate:
        if f.get("unit"):
            return _("%(label)s（%(aggregate)s，%(unit)s）") % {
                "label": label(f), "aggregate": aggregate_label(aggregate), "unit": unit_label(f)}
        return _("%(label)s（%(aggregate)s）") % {"label": label(f), "aggregate": aggregate_label(aggregate)}
    return _("%(label)s（%(unit)s）") % {"label": label(f), "unit": unit_label(f)} if f.get("unit") else label(f)


def _number(f: dict, value: Decimal | None, aggregate: str = "sum") -> Decimal | int | None:
    if value is None:
        return None
    if aggregate != "avg" and f["type"] in ("int", "bool") and value == value.to_integral_value():
        return int(value)
    return value


ZERO_CELL: queries.Cell = (Decimal(0), 0, None, None)  # a region where no report gave the field


@dataclass(frozen=True)
class AggregateColumn:
    """One column of the table by region: a numeric field under one of its aggregates."""

    field: dict
    aggregate: str

    @property
    def header(self) -> str:
        return _field_header(self.field, self.aggregate)

    @property
    def number_format(self) -> str:
        return "#,##0.0" if self.aggregate == "avg" else FORMATS[self.field["type"]]


def aggregate_columns(version: Any) -> list[AggregateColumn]:
    """A column per numeric field and aggregate it declares (yes/no fields: the number of units saying yes)."""
    return [AggregateColumn(f, a) for f in version.fields if f["type"] in ("int", "decimal", "bool")
            for a in (aggregates(f) if f["type"] != "bool" else ["sum"])]


def region_table(assignment: Assignment, region: Region, day: dt.date) -> Table:
    """Per child region (plus the region's own units and a total): completeness and each numeric field
    under each aggregate it declares (sum, average, lowest, highest), from the roll-ups.

    The total row is the aggregate of the rows: the sum of their sums, the lowest of their lowest,
    the highest of their highest, and the average over all their reports. Only the row of units
    registered at the region itself (a city's own homes, beside its counties) needs their reports,
    for its lowest and highest, and only when both it and the child regions have values.
    """
    table = queries.completeness(assignment, region, day)
    version = assignment.form.latest_version()
    assert version is not None, "define_form always creates version 1"
    columns = aggregate_columns(version)
    keys = list(dict.fromkeys(c.field["key"] for c in columns))
    codes = [region.code, *(r.region.code for r in table.rows)]
    cells: dict[tuple[str, str], queries.Cell] = {
        (r.region_code, r.key): (r.total, r.count, r.lowest, r.highest) for r in FieldRollup.objects.filter(
            assignment=assignment, day=day, region_code__in=codes, key__in=keys)}

    def line(code: str, name: str, counts: list[int], row_cells: dict[str, queries.Cell | None]) -> list[Any]:
        values = [_number(c.field, queries.aggregate_of(row_cells.get(c.field["key"]) or ZERO_CELL, c.aggregate),
                          c.aggregate) for c in columns]
        return [code, name, *counts, *values]

    def counts_of(c: queries.Completeness) -> list[int]:
        return [c.expected, c.on_time, c.late, c.missing]

    child_cells = [{k: cells.get((r.region.code, k)) for k in keys} for r in table.rows]
    rows = [line(r.region.code, r.region.name, counts_of(r), mine) for r, mine in zip(table.rows, child_cells,
                                                                                       strict=True)]
    total_counts = counts_of(table.total)
    total_cells = {k: cells.get((region.code, k)) for k in keys}
    own_counts = [t - sum(r[2 + i] for r in rows) for i, t in enumerate(total_counts)]
    own_cells = _own_cells(assignment, region, day, keys, total_cells, child_cells)
    if any(own_counts) or any(c[1] or c[0] for c in own_cells.values() if c):  # units at the region itself
        name = _("%(name)s本级") % {"name": region.name} if rows else region.name
        rows.append(line(region.code, name, own_counts, own_cells))
    rows.append(line("", _("合计"), total_counts, total_cells))
    headers = [_("区划代码"), _("区划"), _("应报"), _("按时"), _("迟报"), _("未报"), *(c.header for c in columns)]
    return Table(_("汇总表-按区划-%(region)s-%(day)s") % {"region": region.name, "day": day.isoformat()},
                 _("%(form)s汇总表（按区划）　%(day)s　%(region)s") % {
                     "form": assignment.form.name, "day": day.isoformat(), "region": region.full_name()},
                 headers, rows, [10, 16, 8, 8, 8, 8, *(_width(h) for h in headers[6:])], [headers[0]],
                 {**{h: COUNT_FORMAT for h in headers[2:6]},
                  **{c.header: c.number_format for c in columns}})


def _own_cells(assignment: Assignment, region: Region, day: dt.date, keys: list[str],
               total: dict[str, queries.Cell | None], children: list[dict[str, queries.Cell | None]]
               ) -> dict[str, queries.Cell | None]:
    """The cells of the units registered at `region` itself: the total less the child regions' sums
    and counts; their lowest and highest are the total's when no child has a value, else read from
    their own reports (`rollups.direct_values`)."""
    out: dict[str, queries.Cell | None] = {}
    need_reports = []
    for key in keys:
        whole = total.get(key) or ZERO_CELL
        parts = [c for c in (child.get(key) for child in children) if c is not None]
        own_total = whole[0] - sum((c[0] for c in parts), Decimal(0))
        own_count = whole[1] - sum(c[1] for c in parts)
        if own_count and any(c[1] for c in parts):
            need_reports.append(key)
        out[key] = (own_total, own_count, whole[2], whole[3]) if own_count else (own_total, 0, None, None)
    if need_reports:
        found = rollups.direct_values(assignment.pk, day, region.code, need_reports)
        for key in need_reports:
            values = found.get(key) or []
            own = out[key] or ZERO_CELL
            out[key] = (own[0], own[1], min(values) if values else None, max(values) if values else None)
    return out


def _width(header: str) -> float:
    return min(max(xlsx.display_width(header) / 2 + 4, 10), 20)


def status_of(report: Report | None) -> str:
    """按时 / 迟报 / 零报告 / 未报 — a late zero report counts as late, for that is what gets chased."""
    if report is None:
        return _("未报")
    return _status_labels()[(report.is_late, report.is_zero)]


def _status_labels() -> dict[tuple[bool, bool], str]:
    """(is_late, is_zero) → the status label, translated once per table rather than once per row."""
    late, zero, on_time = _("迟报"), _("零报告"), _("按时")
    return {(True, True): late, (True, False): late, (False, True): zero, (False, False): on_time}


def _converters(fields: list[dict]) -> list[tuple[str, Any]]:
    """Per field, its key and how a stored value becomes a cell (`shown`, localized), with the yes/no labels
    and choice labels looked up once per table, not once per row."""
    yes, no = _("是"), _("否")

    def convert(f: dict) -> Any:
        kind = f["type"]
        if kind == "bool":
            return lambda v: None if v is None or v == "" else (yes if v else no)
        if kind == "choice":
            labels = choice_labels(f)
            return lambda v: None if v is None or v == "" else labels.get(str(v), v)
        if kind in ("decimal", "date"):
            return lambda v, f=f: shown(f, v)
        return lambda v: None if v == "" else v

    return [(f["key"], convert(f)) for f in fields]


def expected_count(user: Actor, assignment: Assignment, region: Region, day: dt.date) -> int:
    """How many rows `unit_table` has (one count query)."""
    if not services.is_due(assignment, day):
        return 0
    return expected_units(user, assignment, region, day).count()


def unit_table(user: Actor, assignment: Assignment, region: Region, day: dt.date) -> Table:
    """One row per expected unit of `region` in the user's scope: status, filing time and the latest values.

    The rows are read as plain values in chunks of CHUNK units (one query for the units, one for their
    reports per chunk), never as model instances, and every label is translated once per table."""
    version = assignment.form.latest_version()
    assert version is not None, "define_form always creates version 1"
    fields = version.fields
    units = expected_units(user, assignment, region, day) if services.is_due(assignment, day) else Unit.objects.none()

    def rows() -> Iterator[list[Any]]:
        statuses, missing = _status_labels(), _("未报")
        converters = _converters(fields)
        localtime = timezone.localtime
        plain = units.values_list("pk", "name", "region__name")
        for chunk in chunked(plain.iterator(chunk_size=CHUNK)):
            reports = {unit_id: (filed, late, zero, values) for unit_id, filed, late, zero, values in
                       Report.objects.filter(assignment=assignment, day=day, unit_id__in=[u[0] for u in chunk])
                       .values_list("unit_id", "first_filed_at", "is_late", "is_zero", "values")}
            for pk, name, region_name in chunk:
                r = reports.get(pk)
                if r is None:
                    yield [name, region_name, missing, None, *(None for _ in converters)]
                    continue
                filed, late, zero, values = r
                yield [name, region_name, statuses[(late, zero)], localtime(filed),
                       *(convert(values.get(key)) for key, convert in converters)]

    headers = [_("单位名称"), _("所在区划"), _("状态"), _("报送时间"), *(_field_header(f) for f in fields)]
    return Table(_("汇总表-按单位-%(region)s-%(day)s") % {"region": region.name, "day": day.isoformat()},
                 _("%(form)s汇总表（按单位）　%(day)s　%(region)s") % {
                     "form": assignment.form.name, "day": day.isoformat(), "region": region.full_name()},
                 headers, rows(), [28, 12, 8, 18, *(_width(h) for h in headers[4:])], [],
                 {headers[3]: TIME_FORMAT,
                  **{h: FORMATS[f["type"]] for h, f in zip(headers[4:], fields, strict=True) if f["type"] in FORMATS}})


def xlsx_response(table: Table) -> FileResponse:
    """The table as a formatted workbook (merged title row, frozen bold header), written in constant memory."""
    options: dict[str, Any] = {"number_formats": table.number_formats}
    return xlsx.stream_xlsx(f"{table.filename}.xlsx", table.title, table.headers, table.rows, widths=table.widths,
                            text_columns=table.text_columns, **options)


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if timezone.is_aware(value) \
            else value.strftime("%Y-%m-%d %H:%M:%S")
    return value  # text that could read as a formula is neutralised by the writer


def csv_response(table: Table) -> StreamingHttpResponse:
    """The table as CSV (UTF-8 with a BOM, so Excel reads the Chinese), streamed row by row."""
    writer = xlsx.csv_writer()  # every cell neutralised: never a formula in a spreadsheet

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(table.headers)
        for row in table.rows:
            yield writer.writerow([_csv_cell(v) for v in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{table.filename}.csv")
    response["Cache-Control"] = "private, no-store"
    return response
