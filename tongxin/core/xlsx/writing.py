"""Writing an export in constant memory.

`stream_xlsx` writes any number of rows with openpyxl's write-only mode into a temporary file
and streams it: a merged title row, a bold frozen header row, column widths; text is always
written as text, and text a spreadsheet could take for a formula is neutralised (`formulas.neutralise`).
"""

from __future__ import annotations

import datetime as dt
import decimal
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

from django.http import FileResponse
from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from tongxin.core.xlsx.formulas import neutralise

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PLAIN_TYPES = (bool, int, float, decimal.Decimal, dt.date, dt.time, dt.timedelta)
TITLE_ROW, HEADER_ROW = 1, 2  # where stream_xlsx puts them


def display_width(text: str) -> int:
    """Columns `text` takes in a spreadsheet: CJK characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# Types stored as they are; looked up by exact type first, as most cells are text, numbers or blank.
_STORED_AS_IS = frozenset({type(None), bool, int, float, decimal.Decimal, dt.date, dt.time, dt.timedelta})


def _text(value: str) -> str:
    """Text openpyxl accepts (no control characters), never read as a formula."""
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return str(neutralise(value))  # "=..." would otherwise be stored as a formula


def _cell_value(ws: Any, value: Any) -> Any:
    """A value openpyxl can store, with text forced to stay text."""
    kind = type(value)
    if kind is str:  # the common cases first: this runs once per cell of a 50,000-row export
        return _text(value)
    if kind in _STORED_AS_IS:
        return value
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value).replace(tzinfo=None)
    if value is None or isinstance(value, PLAIN_TYPES):
        return value
    return _text(str(value))


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
                cell = WriteOnlyCell(ws)
                cell.value = value  # the cell takes dates and decimals; the stubs' WriteOnlyCell(value=) does not
                cell.number_format = number_format
                values[index] = cell
        ws.append(values)
        count += 1

    for name, sheet_rows in (extra_sheets or {}).items():
        extra = wb.create_sheet(_sheet_title(name))
        texts = [[str(v) if v is not None else "" for v in r] for r in sheet_rows]
        for index in range(max((len(r) for r in texts), default=0)):
            width = max((display_width(r[index]) for r in texts if index < len(r)), default=8)
            extra.column_dimensions[get_column_letter(index + 1)].width = min(max(width + 2, 8), 80)
        for number, sheet_row in enumerate(sheet_rows):
            cells = []
            for value in sheet_row:
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
