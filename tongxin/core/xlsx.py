"""Excel (.xlsx) in and out: read an upload without trusting it, write an export in constant memory.

`read_workbook` guarantees that
- nothing but a real .xlsx is opened: the size, the zip signature, the archive's members and
  their unpacked size are checked before openpyxl sees the file (a renamed .xls/.csv, an
  encrypted or corrupt file, a zip bomb are refused with words, never a 500);
- openpyxl parses the XML through defusedxml (refused loudly if it is missing), read-only and
  with `data_only=False`, so a formula is seen as a formula and refused, never evaluated;
- the header row matches the template exactly, in order; an extra column is named;
- every problem is a `CellError` (sheet, row, column letter, header, message in the user's
  language), and the caller gets either clean rows or the whole list.

`stream_xlsx` writes any number of rows with openpyxl's write-only mode into a temporary file
and streams it: a merged title row, a bold frozen header row, column widths; text is always
written as text (a name starting with "=" never becomes a formula).

This module imports no app of ours, so every module's import and export can use it.
"""

from __future__ import annotations

import datetime as dt
import decimal
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl import xml as openpyxl_xml
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, and every password-protected .xlsx
PLAIN_TYPES = (bool, int, float, decimal.Decimal, dt.date, dt.time, dt.timedelta)
HEADER_SEARCH_ROWS = 5  # a title may sit above the header row
TITLE_ROW, HEADER_ROW = 1, 2  # where stream_xlsx puts them


@dataclass(frozen=True)
class CellError:
    """One problem in an uploaded workbook, located as the user sees it in Excel."""

    sheet: str
    row: int | None
    column: str  # "C"; "" when the problem is the whole row or file
    header: str
    message: str

    def __str__(self) -> str:
        where = [self.sheet] if self.sheet else []
        if self.row:
            where.append(_("第 %(row)s 行") % {"row": self.row})
        if self.column:
            header = f"（{self.header}）" if self.header else ""
            where.append(_("%(column)s列") % {"column": self.column} + header)
        return f"{' '.join(where)}：{self.message}" if where else self.message


class WorkbookRejected(Exception):
    """The file cannot be read as the expected template; `errors` says why, one item per problem."""

    def __init__(self, errors: list[CellError]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class SheetRow:
    """One non-blank data row: its Excel row number and one value per expected header.

    Strings are stripped and empty cells are None. `rejected` names headers whose cell was
    already reported (a formula, an error value), so the caller does not report it twice.
    """

    number: int
    values: Mapping[str, Any]
    rejected: frozenset[str] = frozenset()


@dataclass
class SheetData:
    name: str
    headers: tuple[str, ...]
    header_row: int
    rows: list[SheetRow] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)

    def error(self, row: int | None, header: str, message: str) -> CellError:
        """A CellError for `header`'s column in `row` (header "" for the whole row)."""
        column = get_column_letter(self.headers.index(header) + 1) if header in self.headers else ""
        return CellError(self.name, row, column, header, message)


def _file_error(message: str) -> WorkbookRejected:
    return WorkbookRejected([CellError("", None, "", "", message)])


def _clean_header(value: Any) -> str:
    return "" if value is None else str(value).replace("\u3000", " ").strip()


def _size_of(f: IO[bytes]) -> int:
    size = getattr(f, "size", None)
    if size is None:
        f.seek(0, 2)
        size = f.tell()
    f.seek(0)
    return int(size)


def _check_container(f: IO[bytes], max_bytes: int) -> None:
    """Refuse anything that is not a plausible, unencrypted, sanely sized .xlsx archive."""
    size = _size_of(f)
    if size == 0:
        raise _file_error(_("文件是空的"))
    if size > max_bytes:
        raise _file_error(_("文件太大：最大 %(max)s，请分批导入") % {"max": filesizeformat(max_bytes)})
    magic = f.read(8)
    f.seek(0)
    if magic.startswith(OLE_MAGIC):
        raise _file_error(_("这是旧版 Excel（.xls）文件或加了密码的文件：请去掉密码并另存为 .xlsx 后再导入"))
    not_xlsx = _("文件不是 Excel（.xlsx）格式：请用 Excel 或 WPS 另存为 .xlsx 后再导入")
    if not magic.startswith(ZIP_MAGIC):
        raise _file_error(not_xlsx)
    try:
        with zipfile.ZipFile(f) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _file_error(not_xlsx) from None
    finally:
        f.seek(0)
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise _file_error(not_xlsx)
    if any(m.flag_bits & 0x1 for m in members):
        raise _file_error(_("文件加了密码：请去掉密码后再导入"))
    # A few kilobytes that unpack to gigabytes is an attack, not a spreadsheet.
    if sum(m.file_size for m in members) > max(max_bytes * 40, 64 * 1024 * 1024):
        raise _file_error(_("文件内容异常（解压后过大），无法导入"))


def read_workbook(
    uploaded_file: IO[bytes],
    *,
    expected_headers: Sequence[str],
    sheet_name: str | None = None,
    max_bytes: int | None = None,
    max_rows: int | None = None,
) -> SheetData:
    """Read the data rows of one sheet whose header row is `expected_headers`.

    Raises WorkbookRejected when the file cannot be used at all (not an xlsx, too big, too
    many rows, wrong template). Problems in single cells are collected in `SheetData.errors`
    so the caller can add its own rule checks and report everything at once.
    """
    if not openpyxl_xml.DEFUSEDXML:
        raise ImproperlyConfigured("reading uploads needs defusedxml (and OPENPYXL_DEFUSEDXML not False)")
    max_bytes = settings.TONGXIN_IMPORT_MAX_BYTES if max_bytes is None else max_bytes
    max_rows = settings.TONGXIN_IMPORT_MAX_ROWS if max_rows is None else max_rows
    _check_container(uploaded_file, max_bytes)
    try:
        workbook = load_workbook(uploaded_file, read_only=True, data_only=False, keep_links=False)
    except Exception:  # any parser failure on untrusted bytes means "not a usable xlsx", never a 500
        raise _file_error(_("文件已损坏或不是有效的 Excel（.xlsx）文件")) from None
    try:
        return _read_sheet(workbook, tuple(expected_headers), sheet_name, max_rows)
    except WorkbookRejected:
        raise
    except Exception:  # as above: malformed sheet XML surfaces only while iterating
        raise _file_error(_("文件已损坏或不是有效的 Excel（.xlsx）文件")) from None
    finally:
        workbook.close()


def _read_sheet(workbook, expected: tuple[str, ...], sheet_name: str | None, max_rows: int) -> SheetData:
    if sheet_name is not None:
        if sheet_name not in workbook.sheetnames:
            raise _file_error(_("找不到名为“%(name)s”的工作表：请使用导入模板") % {"name": sheet_name})
        ws = workbook[sheet_name]
    else:
        if not workbook.worksheets:
            raise _file_error(_("文件中没有工作表"))
        ws = workbook.worksheets[0]
    ws.reset_dimensions()  # never trust the declared size: a bogus A1:XFD1048576 would make us iterate it
    rows = ws.iter_rows()
    header_cells, header_number = _find_header(ws.title, rows, expected)
    sheet = SheetData(ws.title, expected, header_number)
    _check_headers(sheet, header_cells)
    physical_limit = 2 * max_rows + 100  # blank rows are skipped, but not without end
    for number, cells in enumerate(rows, start=header_number + 1):
        if number - header_number > physical_limit:
            raise _too_many(max_rows)
        row = _read_row(sheet, number, cells)
        if row is not None:
            sheet.rows.append(row)
            if len(sheet.rows) > max_rows:
                raise _too_many(max_rows)
    if not sheet.rows and not sheet.errors:
        raise WorkbookRejected([CellError(ws.title, None, "", "", _("文件中没有数据行"))])
    return sheet


def _too_many(max_rows: int) -> WorkbookRejected:
    return _file_error(_("数据超过 %(max)s 行：请分批导入") % {"max": max_rows})


def _find_header(title: str, rows, expected: tuple[str, ...]) -> tuple[tuple, int]:
    """The header row: the first of the top rows whose first cell is the first expected header."""
    first = None
    for number, cells in enumerate(rows, start=1):
        if first is None and any(_clean_header(c.value) for c in cells):
            first = (cells, number)
        if cells and _clean_header(cells[0].value) == expected[0]:
            return cells, number
        if number >= HEADER_SEARCH_ROWS:
            break
    if first is None:
        raise WorkbookRejected([CellError(title, None, "", "", _("工作表是空的：请使用导入模板"))])
    return first


def _check_headers(sheet: SheetData, cells: tuple) -> None:
    errors = []
    at = sheet.header_row
    for index, cell in enumerate(cells, start=1):
        found = _clean_header(cell.value)
        if index <= len(sheet.headers):
            wanted = sheet.headers[index - 1]
            if found != wanted:
                message = (_("表头应为“%(wanted)s”，实际为“%(found)s”") if found
                           else _("表头应为“%(wanted)s”，实际为空")) % {"wanted": wanted, "found": found}
                errors.append(CellError(sheet.name, at, get_column_letter(index), wanted, message))
        elif found:
            errors.append(CellError(sheet.name, at, get_column_letter(index), found,
                                    _("多余的列“%(found)s”：请使用导入模板，不要增加列") % {"found": found}))
    for index in range(len(cells) + 1, len(sheet.headers) + 1):
        wanted = sheet.headers[index - 1]
        errors.append(CellError(sheet.name, at, get_column_letter(index), wanted,
                                _("缺少“%(wanted)s”列：请使用导入模板") % {"wanted": wanted}))
    if errors:
        raise WorkbookRejected(errors)


def _read_row(sheet: SheetData, number: int, cells: tuple) -> SheetRow | None:
    values: dict[str, Any] = {}
    rejected: set[str] = set()
    blank = True
    for index, cell in enumerate(cells, start=1):
        value = cell.value
        if isinstance(value, str):
            value = value.strip() or None
        if value is None:
            continue
        blank = False
        header = sheet.headers[index - 1] if index <= len(sheet.headers) else ""
        message = None
        if cell.data_type == "f" or isinstance(value, (ArrayFormula, DataTableFormula)):
            message = _("单元格含有公式：请复制后“选择性粘贴为数值”再导入")
        elif cell.data_type == "e":
            message = _("单元格是错误值 %(value)s") % {"value": value}
        elif not header:
            message = _("此列没有表头：请删除该列的内容")
        if message:
            sheet.errors.append(CellError(sheet.name, number, get_column_letter(index), header, message))
            if header:
                rejected.add(header)
            continue
        values[header] = value
    if blank:
        return None
    return SheetRow(number, {h: values.get(h) for h in sheet.headers}, frozenset(rejected))


# --- writing -------------------------------------------------------------------------------------


def display_width(text: str) -> int:
    """Columns `text` takes in a spreadsheet: CJK characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell_value(ws, value: Any) -> Any:
    """A value openpyxl can store, with text forced to stay text."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value).replace(tzinfo=None)
    if value is None or isinstance(value, PLAIN_TYPES):
        return value
    if not isinstance(value, str):
        value = str(value)
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith("="):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"  # openpyxl would otherwise store it as a formula
        return cell
    return value


def write_xlsx(
    target: IO[bytes],
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    sheet_title: str | None = None,
    widths: Sequence[float] | None = None,
    choices: Mapping[str, Sequence[str]] | None = None,
    text_columns: Sequence[str] = (),
    extra_sheets: Mapping[str, Sequence[Sequence[Any]]] | None = None,
    number_formats: Mapping[str, str] | None = None,
) -> int:
    """Write one data sheet (title row, header row, `rows`) and optional small sheets; return the row count.

    `choices` adds a drop-down list to the named header's column; `text_columns` are formatted
    as text, so Excel keeps what people type there (codes, phone numbers) as typed;
    `extra_sheets` are small sheets (instructions, examples) whose first row is bold;
    `number_formats` maps a header to an Excel number format ("#,##0", "0.0%") for the numbers
    and dates in its column.
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_sheet_title(sheet_title or title))
    last = get_column_letter(max(len(headers), 1))
    widths = list(widths or [max(10, display_width(str(h)) + 4) for h in headers])
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    for header in text_columns:
        ws.column_dimensions[get_column_letter(list(headers).index(header) + 1)].number_format = "@"
    ws.merged_cells.add(f"A{TITLE_ROW}:{last}{TITLE_ROW}")
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.print_title_rows = f"{TITLE_ROW}:{HEADER_ROW}"
    for header, allowed in (choices or {}).items():
        formula = '"' + ",".join(allowed) + '"'
        if len(formula) > 255:
            raise ValueError(f"drop-down list for {header!r} is longer than Excel allows")
        dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True)
        col = get_column_letter(list(headers).index(header) + 1)
        dv.add(f"{col}{HEADER_ROW + 1}:{col}1048576")
        ws.data_validations.append(dv)

    title_cell = WriteOnlyCell(ws, value=_cell_value(ws, title))
    title_cell.font = Font(bold=True, size=14)
    title_cell.alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[TITLE_ROW].height = 28
    ws.append([title_cell])
    thin = Side(style="thin", color="999999")
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(ws, value=_cell_value(ws, header))
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E9ECEF")
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        header_cells.append(cell)
    ws.append(header_cells)
    formats = {list(headers).index(h): f for h, f in (number_formats or {}).items()}
    count = 0
    for row in rows:
        values = [_cell_value(ws, v) for v in row]
        for index, number_format in formats.items():
            value = values[index] if index < len(values) else None
            if isinstance(value, PLAIN_TYPES) and not isinstance(value, bool):
                values[index] = WriteOnlyCell(ws, value=value)
                values[index].number_format = number_format
        ws.append(values)
        count += 1

    for name, sheet_rows in (extra_sheets or {}).items():
        extra = wb.create_sheet(_sheet_title(name))
        texts = [[str(v) if v is not None else "" for v in r] for r in sheet_rows]
        for index in range(max((len(r) for r in texts), default=0)):
            width = max((display_width(r[index]) for r in texts if index < len(r)), default=8)
            extra.column_dimensions[get_column_letter(index + 1)].width = min(max(width + 2, 8), 80)
        for number, values in enumerate(sheet_rows):
            cells = []
            for value in values:
                cell = WriteOnlyCell(extra, value=_cell_value(extra, value))
                if number == 0:
                    cell.font = Font(bold=True)
                cells.append(cell)
            extra.append(cells)
    wb.save(target)
    return count


def _sheet_title(text: str) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet name."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(text)).strip()
    return cleaned[:31] or "Sheet1"


def stream_xlsx(
    filename: str,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    **options: Any,
) -> FileResponse:
    """A download response for a workbook written in constant memory (see `write_xlsx` for options).

    The rows are written to a temporary file, which the response streams in chunks and
    removes when done. The response is marked private and not cacheable.
    """
    spool = tempfile.TemporaryFile(suffix=".xlsx")  # FileResponse closes, and so deletes, it
    try:
        write_xlsx(spool, title, headers, rows, **options)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    response = FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
    response["Cache-Control"] = "private, no-store"
    return response
