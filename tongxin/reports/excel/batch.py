"""The county clerk's Excel batch (批量报送): the pre-filled template and the all-or-nothing upload.

`template_response` writes one row per unit the user may file for that the assignment expects in
a region, pre-filled with the day's report if filed, else with the `carry` values of the unit's
previous report, and an “说明” sheet. `import_batch` guarantees that
- every row is checked before anything is written: the form's types, ranges and rules
  (definition.clean_values); the unit (known, one the user may file for, expected by the
  assignment, not twice in the file); a changed report that was already filed needs a reason;
  and the answer lists every problem with its sheet, row, column (letter and header) and rule;
- only a file without any problem is written, in ONE transaction: units without a report that
  day through services.submit_report (source Excel), changed filed reports through
  services.correct_report; unchanged rows are skipped; any error rolls all of it back.
The key column is 单位编号, the unit's id in Tongxin: every unit has one, whereas the credit
code is optional in the registry. 单位名称 is for people; when filled it must match the id.
The headers are Chinese whatever the user's language: they are the file format.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Max
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from tongxin.core import audit, xlsx
from tongxin.core.xlsx import CellError, SheetData, SheetRow, WorkbookRejected
from tongxin.regions.models import Region
from tongxin.reports import rules, services
from tongxin.reports.definition import clean_values, label
from tongxin.reports.excel.common import (
    CHUNK,
    KEY,
    NAME,
    NO,
    REASON,
    SHEET_TITLE,
    YES,
    Column,
    choice_labels,
    chunked,
    expected_units,
    field_columns,
    shown,
)
from tongxin.reports.models import Assignment, FormVersion, Report
from tongxin.units import scope
from tongxin.units.models import Unit

# --- the batch template ----------------------------------------------------------------------------


def _prefill(assignment: Assignment, day: dt.date, units: list[Unit], carry: set[str]) -> dict[int, dict]:
    """Per unit: the day's report values if filed, else the carry values of its previous report."""
    ids = [u.pk for u in units]
    out = {r.unit_id: r.values for r in Report.objects.filter(assignment=assignment, day=day, unit_id__in=ids)
           .only("unit_id", "values")}
    rest = [pk for pk in ids if pk not in out]
    last = dict(Report.objects.filter(assignment=assignment, unit_id__in=rest, day__lt=day)
                .values("unit_id").annotate(last=Max("day")).order_by().values_list("unit_id", "last"))
    for r in Report.objects.filter(assignment=assignment, unit_id__in=list(last), day__in=set(last.values())
                                   ).only("unit_id", "day", "values"):
        if last[r.unit_id] == r.day:
            out[r.unit_id] = {k: v for k, v in r.values.items() if k in carry}
    return out


def template_title(assignment: Assignment, day: dt.date, region: Region) -> str:
    return f"{assignment.form.name}　{day.isoformat()}　{region.full_name()}"


def template_response(user, assignment: Assignment, region: Region, day: dt.date) -> FileResponse:
    """The pre-filled batch workbook for the units of `region` the user files for; an “说明” sheet explains it."""
    version = assignment.form.latest_version()
    columns = field_columns(version)
    carry = {c.key for c in columns if c.field.get("carry")}
    units = expected_units(user, assignment, region, mode=scope.FILE)

    def rows() -> Iterator[list[Any]]:
        for chunk in chunked(units.iterator(chunk_size=CHUNK)):
            values = _prefill(assignment, day, chunk, carry)
            for u in chunk:
                known = values.get(u.pk, {})
                yield [u.name, u.pk, *(shown(c.field, known.get(c.key)) for c in columns), None]

    headers = [NAME, KEY, *(c.header for c in columns), REASON]
    choices: dict[str, list[str]] = {}
    for c in columns:
        allowed = [YES, NO] if c.field["type"] == "bool" else list(choice_labels(c.field).values())
        if allowed and len('"' + ",".join(allowed) + '"') <= 255:
            choices[c.header] = allowed
    widths = [28, 10, *(min(max(xlsx.display_width(c.header) / 2 + 4, 10), 20) for c in columns), 24]
    return xlsx.stream_xlsx(f"批量报送-{assignment.form.name}-{region.name}-{day.isoformat()}.xlsx",
                       template_title(assignment, day, region), headers, rows(), sheet_title=SHEET_TITLE,
                       widths=widths, choices=choices,
                       text_columns=[c.header for c in columns if c.field["type"] == "text"] + [REASON],
                       extra_sheets={_("说明"): _instructions(version, columns)})


def _instructions(version: FormVersion, columns: list[Column]) -> list[list[Any]]:
    kinds = {"int": _("整数"), "decimal": _("数字"), "bool": _("是 / 否"), "choice": _("从下拉列表中选择"),
             "date": _("日期，如 2021-08-02"), "text": _("文字")}
    yes = _("是")
    notes: list[list[Any]] = [[_("列"), _("必填"), _("填写要求")],
                              [NAME, "", _("不要修改；与单位编号对应")], [KEY, yes, _("不要修改：按此编号找到单位")]]
    for c in columns:
        f, rule = c.field, [kinds[c.field["type"]]]
        if f.get("min") is not None:
            rule.append(_("不小于 %(n)s") % {"n": f["min"]})
        if f.get("max") is not None:
            rule.append(_("不大于 %(n)s") % {"n": f["max"]})
        if f.get("help"):
            rule.append(label(f, "help"))
        notes.append([c.header, yes if f.get("required") else "", "；".join(rule)])
    notes.append([REASON, "", _("修改已报送单位的数据时必填")])
    notes += [[], [_("校验规则")], *([label(r, "message")] for r in version.rules), [], [_("说明")],
              [_("每行一个单位。已报送的单位预填了当日数据，未报送的单位预填了上次报告中沿用的数据，其余项请填写。")],
              [_("暂不为某个单位报送的，请删除该行；不要增删列，不要修改表头、单位编号和第一行的日期。")],
              [_("修改已报送单位的数据时，须在“更正原因”列说明原因；数据未改动的行不会重复报送。")],
              [_("请填写数值，不要使用公式。整个文件无误才会保存；有任何错误都不会保存，并列出每个错误的行和列。")]]
    return notes


def _same(f: dict, old: Any, new: Any) -> bool:
    """Whether a filed value and an uploaded one are the same figure (12.30 is 12.3; blank is blank)."""
    if old in (None, "") or new in (None, ""):
        return old in (None, "") and new in (None, "")
    if f["type"] in ("int", "decimal"):
        return Decimal(str(old)) == Decimal(str(new))
    return old == new


def _raw(f: dict, value: Any) -> Any:
    """A cell as clean_values expects it: a whole float from Excel is a whole number."""
    if isinstance(value, float) and value.is_integer() and f["type"] in ("int", "text", "choice"):
        return int(value)
    return value


MAX_FIGURE = Decimal(10) ** 12


# --- the batch upload ------------------------------------------------------------------------------


@dataclass
class BatchResult:
    rows: int = 0
    filed: int = 0
    corrected: int = 0
    unchanged: int = 0
    late: int = 0
    errors: list[CellError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Plan:
    row: SheetRow
    unit: Unit
    report: Report | None
    values: dict[str, Any]
    reason: str


def _title_day(uploaded_file: IO[bytes]) -> dt.date | None:
    """The day written in the template's title row, if it is still there (the file is known to be a sane xlsx)."""
    try:
        uploaded_file.seek(0)
        workbook = load_workbook(uploaded_file, read_only=True, data_only=False, keep_links=False)
        try:
            first = next(workbook.worksheets[0].iter_rows(max_row=1, max_col=1, values_only=True), (None,))
        finally:
            workbook.close()
        found = re.search(r"\d{4}-\d{2}-\d{2}", str(first[0] or ""))
        return dt.date.fromisoformat(found.group()) if found else None
    except Exception:  # the title is a courtesy check; read_workbook already judged the file
        return None
    finally:
        uploaded_file.seek(0)


def _units_by_id(user, assignment: Assignment, ids: list[int]) -> tuple[dict[int, Unit], set[int], set[int]]:
    """The units the user sees among `ids`, those they may file for, and those the assignment expects."""
    seen, filers, expected = {}, set(), set()
    for chunk in chunked(sorted(set(ids))):
        seen |= {u.pk: u for u in scope.restrict(Unit.objects.filter(pk__in=chunk), user)}
        filers |= set(scope.restrict(Unit.objects.filter(pk__in=chunk), user, mode=scope.FILE)
                      .values_list("pk", flat=True))
        expected |= set(Unit.objects.filter(services.expected_units_q(assignment), pk__in=chunk)
                        .values_list("pk", flat=True))
    return seen, filers, expected


def _unit_id(raw: Any) -> int | None:
    """The unit id in a key cell, or None when it is not a plausible id (never a database error)."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, bool) or not re.fullmatch(r"\d{1,18}", str(raw).strip()):
        return None
    return int(str(raw).strip())


def _unit_of(sheet: SheetData, row: SheetRow, lookup, duplicates: dict[int, int], errors: list) -> Unit | None:
    seen, filers, expected = lookup
    raw = row.values[KEY]
    if KEY in row.rejected:
        return None
    if raw is None:
        errors.append(sheet.error(row.number, KEY, _("必填：请勿删除模板中的单位编号")))
        return None
    pk = _unit_id(raw)
    if pk is None:
        errors.append(sheet.error(row.number, KEY, _("单位编号应为数字：请勿修改模板中的编号")))
        return None
    unit = seen.get(pk)
    if unit is None:
        message = _("找不到编号为 %(pk)s 的单位，或您无权为其报送") % {"pk": pk}
    elif pk not in filers:
        message = _("您的角色不能为“%(name)s”报送") % {"name": unit.name}
    elif pk not in expected:
        message = _("“%(name)s”不在此报送任务的范围内") % {"name": unit.name}
    elif pk in duplicates:
        message = _("与第 %(row)s 行是同一单位：每个单位只能有一行") % {"row": duplicates[pk]}
    else:
        duplicates[pk] = row.number
        name = row.values[NAME]
        if name is not None and NAME not in row.rejected and str(name).strip() != unit.name:
            errors.append(sheet.error(row.number, NAME, _("编号 %(pk)s 对应的单位是“%(name)s”，与此名称不符")
                                      % {"pk": pk, "name": unit.name}))
            return None
        return unit
    errors.append(sheet.error(row.number, KEY, message))
    return None


def _rule_column(rule: dict, columns: dict[str, Column]) -> str:
    """The header of the first field a rule names (by position in the expression)."""
    expr = str(rule.get("expr", ""))
    try:
        keys = rules.parse(expr).keys
    except rules.RuleError:
        return ""
    positions = [(m.start(), k) for k in keys if k in columns for m in [re.search(rf"\b{re.escape(k)}\b", expr)] if m]
    return columns[min(positions)[1]].header if positions else ""


def _check_values(sheet: SheetData, row: SheetRow, plan_version: FormVersion, columns: list[Column],
                  old: dict | None, errors: list[CellError]) -> dict | None:
    """The row's clean values against the version the report is (or will be) filed on; errors located per cell."""
    definition = plan_version.definition
    known = {f["key"]: f for f in plan_version.fields}
    by_key = {c.key: c for c in columns}
    raw: dict[str, Any] = {}
    before = len(errors)
    for c in columns:
        value = row.values[c.header]
        if c.header in row.rejected:
            continue
        if c.key not in known:  # a report filed on an older version of the form
            if value is not None:
                errors.append(sheet.error(row.number, c.header, _("该单位当日报告所用的报表版本没有此项，请留空")))
            continue
        raw[c.key] = _raw(known[c.key], value)
    if len(errors) > before or any(c.header in row.rejected for c in columns):
        return None
    for key in known:
        if key not in by_key and old is not None:
            raw[key] = old.get(key)  # a field the template no longer has keeps its filed value
    clean, problems = clean_values(definition, raw)
    for key, value in clean.items():  # the roll-ups hold 16 digits; no real figure comes near this
        if key in by_key and known[key]["type"] in ("int", "decimal") and value is not None \
                and abs(Decimal(str(value))) >= MAX_FIGURE and key not in problems:
            problems[key] = [_("数值过大")]
    for key, messages in problems.items():
        if key == "__all__":
            for message in messages:
                rule = next((r for r in plan_version.rules if label(r, "message") == message), {})
                header = _rule_column(rule, by_key) if rule else ""
                errors.append(sheet.error(row.number, header, _("不符合规则：%(rule)s") % {"rule": message}))
            continue
        column = by_key.get(key)
        prefix = f"{label(known[key])}：" if key in known else ""
        for message in messages:
            text = message[len(prefix):] if prefix and message.startswith(prefix) else message
            errors.append(sheet.error(row.number, column.header if column else "", text))
    return None if problems else clean


def import_batch(user, assignment: Assignment, day: dt.date, uploaded_file: IO[bytes],
                 now: dt.datetime | None = None) -> BatchResult:
    """File or correct the reports in `uploaded_file` for `day`, all of them or none; see the module docstring."""
    version = assignment.form.latest_version()
    columns = field_columns(version)
    headers = (NAME, KEY, *(c.header for c in columns), REASON)
    try:
        sheet = xlsx.read_workbook(uploaded_file, expected_headers=headers)
    except WorkbookRejected as exc:
        return BatchResult(errors=exc.errors)
    result = BatchResult(rows=len(sheet.rows), errors=list(sheet.errors))
    written_day = _title_day(uploaded_file)
    if written_day is not None and written_day != day:
        result.errors.insert(0, CellError(sheet.name, 1, "A", "", _(
            "这是 %(file)s 的模板，而您正在报送 %(day)s 的数据：请下载当日的模板，或切换到 %(file)s 再上传")
            % {"file": written_day.isoformat(), "day": day.isoformat()}))
        return result
    ids = [pk for pk in (_unit_id(row.values[KEY]) for row in sheet.rows) if pk is not None]
    lookup = _units_by_id(user, assignment, ids)
    reports = {r.unit_id: r for r in Report.objects.filter(assignment=assignment, day=day, unit_id__in=list(lookup[0]))
               .select_related("form_version")}
    plans, duplicates = [], {}
    for row in sheet.rows:
        unit = _unit_of(sheet, row, lookup, duplicates, result.errors)
        report = reports.get(unit.pk) if unit else None
        clean = _check_values(sheet, row, report.form_version if report else version, columns,
                              report.values if report else None, result.errors)
        if unit is None or clean is None:
            continue
        reason = "" if row.values[REASON] is None else str(row.values[REASON]).strip()
        if report is not None and not all(_same(f, report.values.get(f["key"]), clean.get(f["key"]))
                                          for f in report.form_version.fields):
            if not reason:
                result.errors.append(sheet.error(row.number, REASON, _(
                    "“%(name)s”当日已报送，修改数据须填写更正原因") % {"name": unit.name}))
                continue
        elif report is not None:
            result.unchanged += 1
            continue
        plans.append(_Plan(row, unit, report, clean, reason))
    if result.errors:
        result.errors.sort(key=lambda e: (e.row or 0, headers.index(e.header) if e.header in headers else -1))
        result.unchanged = 0
        return result
    _write(user, assignment, day, sheet, plans, result, now or timezone.now(), getattr(uploaded_file, "name", ""))
    return result


def _write(user, assignment, day, sheet: SheetData, plans: list[_Plan], result: BatchResult, now,
           filename: str) -> None:
    with transaction.atomic():
        for plan in plans:
            try:
                if plan.report is None:
                    filing = services.submit_report(user, assignment=assignment, unit=plan.unit, day=day,
                                                    values=plan.values, source=Report.Source.EXCEL, now=now)
                    result.filed += 1
                    result.late += int(filing.report.is_late)
                else:
                    services.correct_report(user, plan.report, values=plan.values, reason=plan.reason,
                                            source=Report.Source.EXCEL, now=now)
                    result.corrected += 1
            except ValidationError as exc:
                result.errors.append(sheet.error(plan.row.number, "", "；".join(exc.messages)))
            except (PermissionDenied, Http404) as exc:
                result.errors.append(sheet.error(plan.row.number, KEY, str(exc) or _("您无权为该单位报送")))
            except DatabaseError:  # the service's own savepoint rolled its part back; stop and undo the rest
                result.errors.append(sheet.error(plan.row.number, "", _("该行数据无法保存，请检查数值是否过大")))
                break
        if result.errors:
            transaction.set_rollback(True)
            result.filed = result.corrected = result.late = result.unchanged = 0
            return
        audit.record(audit.Action.IMPORT, actor=user, object_repr=_("批量报送：%(name)s %(day)s") % {
            "name": assignment.name, "day": day.isoformat()}, changes={
            "file": filename, "rows": result.rows, "filed": result.filed,
            "corrected": result.corrected, "unchanged": result.unchanged, "late": result.late})
