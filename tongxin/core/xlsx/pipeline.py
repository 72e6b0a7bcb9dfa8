"""The one Excel import pipeline: a column spec plus a row handler make an import.

    spec = ImportSpec(columns=(Column("name", "单位名称", aliases=("机构名称",), required=True, parse=…), …),
                      sheet_name="单位名录")
    result = run_import(uploaded_file, spec, MyRows(actor), dry_run=False)

`run_import` guarantees that
- the file is read safely (see `reading.read_sheet`): never a formula evaluated, sizes, zip
  bombs and row counts capped, the header row found below any title rows, columns matched by
  header or alias, blank rows and the notes and totals under the table skipped;
- a row that repeats an earlier row cell for cell is skipped with a notice (not saved twice),
  and a handler may skip a row too (`Row.skip`, e.g. a pre-filled row left blank); skipped
  rows are counted (`counts["skipped"]`) and shown in the preview with their reason;
- every cell is parsed by its column (`Column.parse`), then every row is checked by the
  handler (`RowHandler.check`), and ALL problems are collected — each naming sheet, row,
  column and rule — not only the first, header problems beside the rows' own; notices
  (remarks that do not stop the import) are collected next to them, one notice naming all
  the rows it is about when several rows get the same remark;
- nothing is written unless the whole file is free of errors, and then every row is saved
  (`RowHandler.save`, which calls the app's services) and the handler's `finish` runs (the
  import's audit event) in ONE transaction: a row the service refuses rolls all of it back,
  and its refusal is reported at its row;
- with `dry_run=True` the same saves run and are rolled back, so the preview (`result.preview`,
  the rows as they would be saved and what each would do) and the errors are exactly those
  of a real import, and nothing is kept;
- a file with any error is refused, and the handler's `rejected` runs after everything was
  rolled back (the refusal's audit event: `record_rejection`), on a dry run too.

This module imports no app of ours.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import IO, Any, Generic, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.http import Http404
from django.utils.translation import gettext as _

from tongxin.core import audit
from tongxin.core.xlsx.reading import (
    ERROR,
    NOTICE,
    CellMessage,
    Column,
    Level,
    Rule,
    SheetData,
    SheetRow,
    WorkbookRejected,
    read_sheet,
)

P = TypeVar("P")


@dataclass(frozen=True)
class ImportSpec:
    """What a file must look like: its columns (in template order), the sheet to read (else the
    first; a workbook with one sheet is read whatever its name), and whether a column the spec
    does not know is an error or only a notice that it is ignored."""

    columns: tuple[Column, ...]
    sheet_name: str | None = None
    unknown_columns: Level = ERROR
    max_rows: int | None = None  # default: settings.TONGXIN_IMPORT_MAX_ROWS
    skip_repeated_rows: bool = True  # a row equal cell for cell to an earlier one: skipped with a notice

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


@dataclass
class Row:
    """One data row as the handler sees it.

    `values`: the parsed value per column key; a blank cell, or one already reported, is absent
    (use `values.get`). `raw`: every cell as read (stripped; None when blank), by key.
    `error()` and `notice()` report about one of its cells (key) or the whole row (key "").
    """

    number: int
    values: dict[str, Any]
    raw: Mapping[str, Any]
    refused: set[str]
    _sheet: SheetData
    _messages: list[CellMessage]
    _errors: int = 0
    skipped: str = ""  # why the row is not imported ("" when it is)

    def error(self, key: str, message: str, *, rule: str = Rule.CHECK) -> None:
        self._messages.append(self._sheet.message(self.number, key, message, rule=rule))
        self._errors += 1
        if key:
            self.refused.add(key)

    def notice(self, key: str, message: str, *, rule: str = Rule.CHECK) -> None:
        self._messages.append(self._sheet.message(self.number, key, message, rule=rule, level=NOTICE))

    def skip(self, reason: str) -> None:
        """Leave this row out of the import (not an error): said as a notice, counted as "skipped"."""
        self.skipped = reason
        self.notice("", reason, rule=Rule.SKIPPED)

    @property
    def ok(self) -> bool:
        """No error reported on this row so far."""
        return not self._errors


@dataclass(frozen=True)
class PreviewRow:
    """A row as it would be saved: its Excel row number, one shown value per spec column, and what
    saving it does (the handler's outcome, such as "created", "updated", "unchanged")."""

    number: int
    values: tuple[Any, ...]
    outcome: str
    note: str = ""  # why a skipped row is skipped


@dataclass
class ImportResult:
    headers: tuple[str, ...] = ()
    rows: int = 0  # non-blank data rows read
    counts: Counter[str] = field(default_factory=Counter)  # outcomes of the saves, e.g. counts["created"]
    errors: list[CellMessage] = field(default_factory=list)
    notices: list[CellMessage] = field(default_factory=list)
    preview: list[PreviewRow] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def saved(self) -> bool:
        """Whether the rows were written and kept (not a dry run, no error)."""
        return self.ok and not self.dry_run and self.rows > 0


class RowHandler(Generic[P]):
    """What one kind of import does with its rows; subclass and override `check` and `save`.

    The pipeline calls, in this order: `prepare(sheet)` once (bulk look-ups for every row; may
    raise WorkbookRejected to refuse the file), `check(row)` per row (report problems with
    `row.error`, return the plan to save, or None for a row with errors), then — only when the
    file has no error — inside one transaction `save(plan)` per plan (return the outcome name,
    or several, which are counted) and `finish(result)` (the audit event).
    """

    error_keys: Mapping[str, str] = {}  # a service's ValidationError field -> column key
    denied_key: str = ""  # the column a PermissionDenied from `save` is reported at

    def prepare(self, sheet: SheetData) -> None:
        """Load what the checks look up, once per file."""

    def check(self, row: Row) -> P | None:
        raise NotImplementedError

    def save(self, plan: P) -> str | Sequence[str]:
        raise NotImplementedError

    def preview(self, plan: P, row: Row) -> Mapping[str, Any]:
        """The row's values as saved, by column key (default: the parsed values)."""
        return row.values

    def finish(self, result: ImportResult) -> None:
        """Runs after the last save, in the same transaction (record the import's audit event here)."""

    def rejected(self, result: ImportResult) -> None:
        """Runs when the file is refused (it has errors), after the rollback (record the refusal here)."""


SKIPPED = "skipped"  # the outcome counted for a skipped row


def record_rejection(actor: Any, *, what: str, filename: str, result: ImportResult) -> None:
    """One REJECTED audit event for a refused file: who, which file, how many errors (and the first few),
    kept even when the caller's transaction rolls back (`audit.record_refusal`)."""
    audit.record_refusal(actor=actor, object_repr=what, changes={
        "file": filename, "rows": result.rows, "errors": len(result.errors),
        "first_errors": [str(e) for e in result.errors[:5]], "preview": result.dry_run})


def run_import(uploaded_file: IO[bytes], spec: ImportSpec, handler: RowHandler[P], *,
               dry_run: bool = False) -> ImportResult:
    """Read, check and (unless `dry_run`) save `uploaded_file` all or nothing; see the module docstring."""
    result = ImportResult(headers=spec.headers, dry_run=dry_run)
    try:
        sheet = read_sheet(uploaded_file, spec.columns, sheet_name=spec.sheet_name,
                           unknown_columns=spec.unknown_columns, max_rows=spec.max_rows)
    except WorkbookRejected as exc:
        result.errors = exc.errors
        return _rejected(result, handler)
    result.rows = len(sheet.rows)
    try:
        handler.prepare(sheet)  # may add its own sheet-wide errors and notices
    except WorkbookRejected as exc:
        result.errors = exc.errors + [m for m in sheet.errors if m.is_error]
        return _rejected(result, handler)
    messages: list[CellMessage] = list(sheet.errors) + list(sheet.notices)
    planned: list[tuple[Row, P]] = []
    skipped: list[PreviewRow] = []
    read_errors = Counter(m.row for m in sheet.errors)
    seen: dict[tuple[Any, ...], int] = {}
    keys = [c.key for c in spec.columns]
    for sheet_row in sheet.rows:
        row = _parse(spec, handler, sheet, sheet_row, messages, read_errors[sheet_row.number])
        same = tuple(_comparable(sheet_row.values.get(k)) for k in keys)
        plan: P | None = None
        if spec.skip_repeated_rows and same in seen:
            row.skip(_("与第 %(row)s 行完全相同，已跳过（不会重复导入）") % {"row": seen[same]})
        else:
            seen.setdefault(same, row.number)
            plan = handler.check(row)
        if row.skipped:
            skipped.append(PreviewRow(row.number, tuple(sheet_row.values.get(k) for k in keys), SKIPPED,
                                      row.skipped))
        elif plan is not None and row.ok:
            planned.append((row, plan))
    _split(result, messages)
    if result.errors:
        return _rejected(result, handler)
    _save(result, spec, handler, sheet, planned, skipped)
    if result.errors:
        return _rejected(result, handler)
    return result


def _comparable(value: Any) -> Any:
    return str(value) if not isinstance(value, str | int | float | bool | type(None)) else value


def _rejected(result: ImportResult, handler: RowHandler[Any]) -> ImportResult:
    handler.rejected(result)
    return result


def _parse(spec: ImportSpec, handler: RowHandler[Any], sheet: SheetData, sheet_row: SheetRow,
           messages: list[CellMessage], read_errors: int) -> Row:
    row = Row(sheet_row.number, {}, sheet_row.values, set(sheet_row.rejected), sheet, messages, read_errors)
    for column in spec.columns:
        raw = sheet_row.values.get(column.key)
        if column.key in row.refused:
            continue
        if raw is None:
            if column.required:
                row.error(column.key, _("必填"), rule=Rule.REQUIRED)
            continue
        if column.parse is None:
            row.values[column.key] = raw
            continue
        try:
            row.values[column.key] = column.parse(handler, raw)
        except ValidationError as exc:
            row.error(column.key, "；".join(exc.messages), rule=Rule.FORMAT)
    return row


def _split(result: ImportResult, messages: list[CellMessage]) -> None:
    # As the reader scans the sheet: by row, then left to right (a whole-row message first).
    ordered = sorted(messages, key=lambda m: (m.row or 0, len(m.column), m.column))
    result.errors = [m for m in ordered if m.is_error]
    result.notices += _merged([m for m in ordered if not m.is_error])


def _merged(notices: list[CellMessage]) -> list[CellMessage]:
    """One notice per remark: the same words about the same column in several rows name all those rows."""
    first: dict[tuple[str, str, str, str], int] = {}
    out: list[CellMessage] = []
    for m in notices:
        key = (m.sheet, m.column, m.message, m.rule)
        if key in first and m.row:
            at = first[key]
            out[at] = replace(out[at], more_rows=out[at].more_rows + m.rows)
            continue
        if m.row:
            first[key] = len(out)
        out.append(m)
    return out


def _save(result: ImportResult, spec: ImportSpec, handler: RowHandler[P], sheet: SheetData,
          planned: list[tuple[Row, P]], skipped: list[PreviewRow]) -> None:
    keys = [c.key for c in spec.columns]
    with transaction.atomic():
        for row, plan in planned:
            try:
                outcome = handler.save(plan)
            except ValidationError as exc:
                result.errors.extend(_refusals(sheet, handler, row.number, exc))
                continue
            except (PermissionDenied, Http404) as exc:
                result.errors.append(sheet.message(row.number, handler.denied_key,
                                                   str(exc) or _("您无权修改此行的数据"), rule=Rule.SCOPE))
                continue
            except DatabaseError:  # the service's savepoint undid its part; stop, and undo the rest below
                result.errors.append(sheet.message(row.number, "", _("该行数据无法保存，请检查数值是否过大"),
                                                   rule=Rule.SAVE))
                break
            outcomes = (outcome,) if isinstance(outcome, str) else tuple(outcome)
            result.counts.update(outcomes)
            shown = handler.preview(plan, row)
            result.preview.append(PreviewRow(row.number, tuple(shown.get(k) for k in keys), outcomes[0]))
        if result.errors:
            transaction.set_rollback(True)
            result.counts.clear()
            result.preview.clear()
            return
        if skipped:
            result.counts[SKIPPED] += len(skipped)
            result.preview = sorted(result.preview + skipped, key=lambda p: p.number)
        handler.finish(result)
        if result.dry_run:
            transaction.set_rollback(True)


def _refusals(sheet: SheetData, handler: RowHandler[Any], number: int, exc: ValidationError) -> list[CellMessage]:
    if not hasattr(exc, "error_dict"):
        return [sheet.message(number, "", "；".join(exc.messages), rule=Rule.SAVE)]
    return [sheet.message(number, handler.error_keys.get(key, key if key in sheet.letters else ""),
                          "；".join(messages), rule=Rule.SAVE)
            for key, messages in exc.message_dict.items()]
