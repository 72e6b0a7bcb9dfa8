"""The county clerk's Excel batch (批量报送): the pre-filled template and the all-or-nothing upload.

`template_response` writes one row per unit the user may file for that the assignment expects in
a region, pre-filled with the day's report if filed, else with the `carry` values of the unit's
previous report, and an “说明” sheet. The upload is a column spec (the form's fields between
单位名称/单位编号 and 更正原因) plus a row handler (`BatchRows`) run by the shared pipeline
(tongxin.core.xlsx.run_import). `import_batch` guarantees that
- every row is checked before anything is written: the form's types, ranges and rules
  (definition.clean_values); the unit (known, one the user may file for, expected by the
  assignment, not twice in the file); a changed report that was already filed needs a reason;
  and the answer lists every problem with its sheet, row, column (letter and header) and rule;
- a pre-filled row left blank (every field blank or, for a unit not yet filed that day, as the
  template pre-filled it) means "not filing for this unit today": it is skipped and counted
  ("skipped"), never a list of required values (a filed unit's row left as it was is
  "unchanged"); numbers
  may be typed with full-width digits, and a number in words (五十) is refused with words;
- every cell's problem is reported at once, with header problems (a missing, doubled or
  unknown column) and a template of another day beside them, not instead of them;
- only a file without any problem is written, in ONE transaction: units without a report that
  day through services.submit_report (source Excel), changed filed reports through
  services.correct_report; unchanged rows are skipped; any error rolls all of it back, and the
  refused file is recorded in the audit trail (one REJECTED event);
- `dry_run=True` checks and writes the same way, then rolls back: the preview and nothing saved.
`result.counts` has "filed", "late" (among the filed), "corrected", "unchanged" and "skipped".
The key column is 单位编号, the unit's id in Tongxin: every unit has one, whereas the credit
code is optional in the registry. 单位名称 is for people; when filled it must match the id.
The headers are Chinese whatever the user's language: they are the file format.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core import audit, xlsx
from tongxin.core.types import Actor
from tongxin.core.xlsx import (
    CellMessage,
    ImportResult,
    ImportSpec,
    Row,
    RowHandler,
    Rule,
    SheetData,
    cells,
    record_rejection,
    run_import,
)
from tongxin.core.xlsx import Column as SheetColumn
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


def template_response(user: Actor, assignment: Assignment, region: Region, day: dt.date) -> FileResponse:
    """The pre-filled batch workbook for the units of `region` the user files for; an “说明” sheet explains it."""
    version = assignment.form.latest_version()
    assert version is not None, "define_form always creates version 1"
    columns = field_columns(version)
    carry = {c.key for c in columns if c.field.get("carry")}
    units = expected_units(user, assignment, region, day, mode=scope.FILE)

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
              [_("暂不为某个单位报送的，保持该行空白（预填的数据不用删）即可，导入时跳过；不要增删列，"
                 "不要修改表头、单位编号和第一行的日期。")],
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


def _as_prefilled(f: dict, stored: Any, cell: Any) -> bool:
    """Whether a cell still holds what the template wrote for the stored value (是 for True, 12 for 12.0)."""
    written = shown(f, stored)
    if written is None:
        return False
    if f["type"] in ("int", "decimal"):
        try:
            return Decimal(str(written)) == Decimal(str(cells.number_text(cell)))
        except (ArithmeticError, ValueError, ValidationError):
            return False
    if isinstance(written, dt.date) and isinstance(cell, dt.datetime | dt.date):
        return written == (cell.date() if isinstance(cell, dt.datetime) else cell)
    return str(written).strip() == str(cell).strip()


def _raw(f: dict, value: Any) -> Any:
    """A cell as clean_values expects it: a whole float from Excel is a whole number."""
    if isinstance(value, float) and value.is_integer() and f["type"] in ("int", "text", "choice"):
        return int(value)
    return value


MAX_FIGURE = Decimal(10) ** 12


# --- the batch upload ------------------------------------------------------------------------------

FILED, LATE, CORRECTED, UNCHANGED, SKIPPED = "filed", "late", "corrected", "unchanged", "skipped"


@dataclass
class _Plan:
    number: int
    unit: Unit
    report: Report | None
    values: dict[str, Any]
    reason: str
    unchanged: bool = False


def _title_day(above: list[tuple[Any, ...]]) -> dt.date | None:
    """The day written in the template's title row, if it is still there."""
    first = above[0][0] if above and above[0] else None
    found = re.search(r"\d{4}-\d{2}-\d{2}", str(first or ""))
    try:
        return dt.date.fromisoformat(found.group()) if found else None
    except ValueError:
        return None


def _unit_id(raw: Any) -> int | None:
    """The unit id in a key cell, or None when it is not a plausible id (never a database error)."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, bool) or not re.fullmatch(r"\d{1,18}", str(raw).strip()):
        return None
    return int(str(raw).strip())


def _rule_column(rule: dict, columns: dict[str, Column]) -> str:
    """The key of the first field a rule names (by position in the expression)."""
    expr = str(rule.get("expr", ""))
    try:
        keys = rules.parse(expr).keys
    except rules.RuleError:
        return ""
    positions = [(m.start(), k) for k in keys if k in columns for m in [re.search(rf"\b{re.escape(k)}\b", expr)] if m]
    return min(positions)[1] if positions else ""


def batch_spec(version: FormVersion) -> tuple[ImportSpec, list[Column]]:
    """The upload's columns for the form's latest version: 单位名称, 单位编号, one per field, 更正原因."""
    columns = field_columns(version)
    spec = ImportSpec((SheetColumn(NAME, NAME), SheetColumn(KEY, KEY),
                       *(SheetColumn(c.key, c.header) for c in columns), SheetColumn(REASON, REASON)))
    return spec, columns


class BatchRows(RowHandler[_Plan]):
    """File or correct one unit's report per row; see the module docstring."""

    denied_key = KEY

    def __init__(self, user: Actor, assignment: Assignment, day: dt.date, version: FormVersion, columns: list[Column],
                 now: dt.datetime, filename: str) -> None:
        self.user, self.assignment, self.day, self.version = user, assignment, day, version
        self.columns, self.by_key = columns, {c.key: c for c in columns}
        self.now, self.filename = now, filename
        self.seen: dict[int, Unit] = {}
        self.filers: set[int] = set()
        self.expected: set[int] = set()
        self.reports: dict[int, Report] = {}
        self.duplicates: dict[int, int] = {}
        self.prefilled: dict[int, dict] = {}

    def prepare(self, sheet: SheetData) -> None:
        written_day = _title_day(sheet.above)
        if written_day is not None and written_day != self.day:  # said beside the rows' own problems
            sheet.errors.insert(0, CellMessage(sheet.name, 1, "A", "", _(
                "这是 %(file)s 的模板，而您正在报送 %(day)s 的数据：请下载当日的模板，或切换到 %(file)s 再上传")
                % {"file": written_day.isoformat(), "day": self.day.isoformat()}, Rule.CHECK))
        ids = sorted({pk for pk in (_unit_id(row.values[KEY]) for row in sheet.rows) if pk is not None})
        for chunk in chunked(ids):
            self.seen |= {u.pk: u for u in scope.restrict(Unit.objects.filter(pk__in=chunk), self.user)}
            self.filers |= set(scope.restrict(Unit.objects.filter(pk__in=chunk), self.user, mode=scope.FILE)
                               .values_list("pk", flat=True))
            owed = services.expected_units_on_q(self.assignment, self.day)
            self.expected |= set(Unit.objects.filter(owed, pk__in=chunk).values_list("pk", flat=True))
        carry = {c.key for c in self.columns if c.field.get("carry")}
        for chunk in chunked(sorted(self.seen)):
            self.reports |= {r.unit_id: r for r in Report.objects.filter(
                assignment=self.assignment, day=self.day, unit_id__in=chunk).select_related("form_version")}
            self.prefilled |= _prefill(self.assignment, self.day, [self.seen[pk] for pk in chunk], carry)

    def _left_blank(self, row: Row) -> bool:
        """Whether every field of the row is blank or as the template pre-filled it, with no reason given."""
        if row.raw[REASON] is not None:
            return False
        pk = _unit_id(row.raw[KEY]) if row.raw[KEY] is not None else None
        # A unit filed today was pre-filled with its report: left as it is, that row is "unchanged".
        known = self.prefilled.get(pk, {}) if pk is not None and pk not in self.reports else {}
        for c in self.columns:
            value = row.raw[c.key]
            if value is None:
                continue
            if c.key not in known or c.key in row.refused:
                return False
            if not _as_prefilled(c.field, known[c.key], value):
                return False
        return True

    def check(self, row: Row) -> _Plan | None:
        if self._left_blank(row):
            row.skip(_("未填写：今日不为该单位报送，已跳过"))
            return None
        unit = self._unit_of(row)
        report = self.reports.get(unit.pk) if unit else None
        clean = self._check_values(row, report.form_version if report else self.version,
                                   report.values if report else None)
        if unit is None or clean is None:
            return None
        reason = "" if row.raw[REASON] is None else str(row.raw[REASON]).strip()
        plan = _Plan(row.number, unit, report, clean, reason)
        if report is not None and not all(_same(f, report.values.get(f["key"]), clean.get(f["key"]))
                                          for f in report.form_version.fields):
            if not reason:
                row.error(REASON, _("“%(name)s”当日已报送，修改数据须填写更正原因") % {"name": unit.name},
                          rule=Rule.REQUIRED)
                return None
        elif report is not None:
            plan.unchanged = True
        return plan

    def _unit_of(self, row: Row) -> Unit | None:
        raw = row.raw[KEY]
        if KEY in row.refused:
            return None
        if raw is None:
            row.error(KEY, _("必填：请勿删除模板中的单位编号"), rule=Rule.REQUIRED)
            return None
        pk = _unit_id(raw)
        if pk is None:
            row.error(KEY, _("单位编号应为数字：请勿修改模板中的编号"), rule=Rule.FORMAT)
            return None
        unit = self.seen.get(pk)
        rule = Rule.SCOPE
        if unit is None:
            message = _("找不到编号为 %(pk)s 的单位，或您无权为其报送") % {"pk": pk}
        elif pk not in self.filers:
            message = _("您的角色不能为“%(name)s”报送") % {"name": unit.name}
        elif pk not in self.expected:
            message = _("“%(name)s”不在此报送任务的范围内") % {"name": unit.name}
        elif pk in self.duplicates:
            message = _("与第 %(row)s 行是同一单位：每个单位只能有一行") % {"row": self.duplicates[pk]}
            rule = Rule.DUPLICATE
        else:
            self.duplicates[pk] = row.number
            name = row.raw[NAME]
            if name is not None and NAME not in row.refused and str(name).strip() != unit.name:
                row.error(NAME, _("编号 %(pk)s 对应的单位是“%(name)s”，与此名称不符") % {"pk": pk, "name": unit.name})
                return None
            return unit
        row.error(KEY, message, rule=rule)
        return None

    def _check_values(self, row: Row, version: FormVersion, old: dict | None) -> dict | None:
        """The row's clean values against the version the report is (or will be) filed on; errors located per cell."""
        known = {f["key"]: f for f in version.fields}
        raw: dict[str, Any] = {}
        refused = set(row.refused)
        for c in self.columns:
            value = row.raw[c.key]
            if c.key in refused:
                continue
            if c.key not in known:  # a report filed on an older version of the form
                if value is not None:
                    row.error(c.key, _("该单位当日报告所用的报表版本没有此项，请留空"))
                    refused.add(c.key)
                continue
            if known[c.key]["type"] in ("int", "decimal"):
                try:
                    value = cells.number_text(value)
                except ValidationError as exc:
                    row.error(c.key, exc.messages[0], rule=Rule.FORMAT)
                    refused.add(c.key)
                    continue
            raw[c.key] = _raw(known[c.key], value)
        for key in known:
            if key not in self.by_key and old is not None:
                raw[key] = old.get(key)  # a field the template no longer has keeps its filed value
        clean, problems = clean_values(version.definition, raw)
        for key, value in clean.items():  # the roll-ups hold 16 digits; no real figure comes near this
            if key in self.by_key and known[key]["type"] in ("int", "decimal") and value is not None \
                    and abs(Decimal(str(value))) >= MAX_FIGURE and key not in problems:
                problems[key] = [_("数值过大")]
        # Every other cell's problem is reported too; a rule across fields waits for the refused cells.
        problems = {k: v for k, v in problems.items() if k not in refused and not (refused and k == "__all__")}
        for key, messages in problems.items():
            if key == "__all__":
                for message in messages:
                    rule = next((r for r in version.rules if label(r, "message") == message), {})
                    column = _rule_column(rule, self.by_key) if rule else ""
                    row.error(column, _("不符合规则：%(rule)s") % {"rule": message})
                continue
            prefix = f"{label(known[key])}：" if key in known else ""
            for message in messages:
                text = message[len(prefix):] if prefix and message.startswith(prefix) else message
                row.error(key if key in self.by_key else "", text, rule=Rule.FORMAT)
        return None if problems or refused else clean

    def save(self, plan: _Plan) -> str | tuple[str, ...]:
        if plan.unchanged:
            return UNCHANGED
        if plan.report is None:
            filing = services.submit_report(self.user, assignment=self.assignment, unit=plan.unit, day=self.day,
                                            values=plan.values, source=Report.Source.EXCEL, now=self.now)
            return (FILED, LATE) if filing.report.is_late else FILED
        services.correct_report(self.user, plan.report, values=plan.values, reason=plan.reason,
                                source=Report.Source.EXCEL, now=self.now)
        return CORRECTED

    def preview(self, plan: _Plan, row: Row) -> dict[str, Any]:
        fields = {f["key"]: f for f in (plan.report.form_version if plan.report else self.version).fields}
        shown_values = {k: shown(fields[k], v) for k, v in plan.values.items() if k in fields}
        return {NAME: plan.unit.name, KEY: plan.unit.pk, **shown_values, REASON: plan.reason or None}

    def finish(self, result: ImportResult) -> None:
        audit.record(audit.Action.IMPORT, actor=self.user, object_repr=_("批量报送：%(name)s %(day)s") % {
            "name": self.assignment.name, "day": self.day.isoformat()}, changes={
            "file": self.filename, "rows": result.rows, **{k: result.counts[k] for k in
                                                           (FILED, CORRECTED, UNCHANGED, LATE, SKIPPED)}})

    def rejected(self, result: ImportResult) -> None:
        record_rejection(self.user, what=_("批量报送：%(name)s %(day)s") % {
            "name": self.assignment.name, "day": self.day.isoformat()}, filename=self.filename, result=result)


def import_batch(user: Actor, assignment: Assignment, day: dt.date, uploaded_file: IO[bytes],
                 now: dt.datetime | None = None, *, dry_run: bool = False) -> ImportResult:
    """File or correct the reports in `uploaded_file` for `day`, all of them or none; see the module docstring."""
    version = assignment.form.latest_version()
    assert version is not None, "define_form always creates version 1"
    spec, columns = batch_spec(version)
    handler = BatchRows(user, assignment, day, version, columns, now or timezone.now(),
                        getattr(uploaded_file, "name", ""))
    return run_import(uploaded_file, spec, handler, dry_run=dry_run)
