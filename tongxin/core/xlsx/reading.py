"""Reading an uploaded workbook without trusting it, and finding its columns.

`read_sheet` guarantees that
- nothing but a real .xlsx is opened: the size, the zip signature, the archive's members and
  their unpacked size are checked before openpyxl sees the file (a renamed .xls/.csv, an
  encrypted or corrupt file, a zip bomb, shared strings or a sheet over MAX_SHARED_STRINGS_BYTES
  or MAX_SHEET_XML_BYTES are refused with words, never a 500); a cell's text over MAX_CELL_CHARS
  is a cell error;
- openpyxl parses the XML through defusedxml (refused loudly if it is missing), read-only and
  with `data_only=False`, so a formula is seen as a formula and refused, never evaluated;
- the header row is found among the first HEADER_SEARCH_ROWS rows (titles, merged or not, may
  sit above it) as the row naming most of the expected columns; each column is matched by its
  header or one of its aliases, in any order, compared without width, spaces, case or a unit in
  brackets (床位（张） is 床位); a missing column, a column named twice and an unknown column
  are named (an unknown column is an error, or only a notice when the spec says so), and these
  header problems are reported beside the rows' own problems, not instead of them: only a sheet
  in which no expected column is found at all is refused on its header alone;
- the number of data rows is capped (TONGXIN_IMPORT_MAX_ROWS); blank rows are skipped, and so
  are the notes under a table (a row starting with 填表人, 填表日期, 审核人, 制表人, 备注,
  联系电话：…, and the one-cell lines that follow it) and its total rows (合计, 总计, 小计), each
  with a notice (`SheetData.skipped` has their numbers);
- every problem is a `CellMessage` (sheet, row, column letter, header, rule, message in the
  user's language), and the caller gets either the rows or a `WorkbookRejected` with all of them.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import IO, Any, Literal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl import xml as openpyxl_xml
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from tongxin.core.xlsx.formulas import restore

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, and every password-protected .xlsx
HEADER_SEARCH_ROWS = 10  # titles, notes and blank rows may sit above the header row
# Bounds on what one workbook may unpack to, checked from the archive's directory before openpyxl
# reads anything (zipfile never hands out more than a member's declared size: a member that lies
# fails its CRC and the file is refused as corrupt). openpyxl holds all of xl/sharedStrings.xml in
# memory, so it gets the tight bound (20,000 rows of names and addresses take about 5 MB); a sheet
# is streamed, and its bound caps the longest single cell it could carry. A 190 KB workbook
# holding one 30 MB string otherwise cost about 330 MB on its way through an import.
MAX_SHARED_STRINGS_BYTES = 16 * 1024 * 1024
MAX_SHEET_XML_BYTES = 64 * 1024 * 1024
MAX_CELL_CHARS = 32_767  # Excel's own limit on a cell's text: a longer one was not made by Excel or WPS

Level = Literal["error", "notice"]
ERROR: Level = "error"
NOTICE: Level = "notice"


class Rule:
    """The rule a message is about; a handler may use its own words as well."""

    FILE = "file"  # the file as a whole (not an xlsx, too big, no data)
    HEADER = "header"  # a missing, unknown or doubled column
    ALIAS = "alias"  # a column found under another of its names (a notice)
    FORMULA = "formula"
    ERROR_VALUE = "error_value"  # #DIV/0!, #N/A …
    NO_HEADER = "no_header"  # data in a column without a header
    REQUIRED = "required"
    FORMAT = "format"  # the cell's value cannot be read as the column's type
    DUPLICATE = "duplicate"
    SKIPPED = "skipped"  # a row read but not imported (notes under the table, a total, a repeat)
    SCOPE = "scope"  # outside what the user may touch
    CHECK = "check"  # any other rule of the handler's
    SAVE = "save"  # refused by the service when written


@dataclass(frozen=True)
class CellMessage:
    """One problem (an error) or remark (a notice) about an upload, located as the user sees it in Excel."""

    sheet: str
    row: int | None
    column: str  # "C"; "" when it is about the whole row or file
    header: str
    message: str
    rule: str = Rule.CHECK
    level: Level = ERROR
    more_rows: tuple[int, ...] = ()  # further rows the same remark is about (notices are merged so)

    @property
    def is_error(self) -> bool:
        return self.level == ERROR

    @property
    def rows(self) -> tuple[int, ...]:
        return ((self.row,) if self.row else ()) + self.more_rows

    @property
    def row_label(self) -> str:
        """The rows as a reader scans them: "3", "3、5", "3–9、12"."""
        numbers = sorted(set(self.rows))
        runs: list[list[int]] = []
        for n in numbers:
            if runs and n == runs[-1][-1] + 1:
                runs[-1].append(n)
            else:
                runs.append([n])
        return "、".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)

    def __str__(self) -> str:
        where = [self.sheet] if self.sheet else []
        if self.row:
            where.append(_("第 %(row)s 行") % {"row": self.row_label})
        if self.column:
            header = f"（{self.header}）" if self.header else ""
            where.append(_("%(column)s列") % {"column": self.column} + header)
        return f"{' '.join(where)}：{self.message}" if where else self.message


CellError = CellMessage  # the name the first importers used


class WorkbookRejected(Exception):
    """The file cannot be read as the expected sheet; `errors` says why, one item per problem."""

    def __init__(self, errors: list[CellMessage]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class Column:
    """One column of an import: how the file names it and how a cell becomes a value.

    `key` is what the row handler sees; `header` is the template's name, and `aliases` are other
    names the same column goes by in people's own workbooks (compared without spaces, width or
    case). `required`: every row must fill it. `header_required`: the file must have the column
    (when False, a file without it reads as if the column were blank). `parse(handler, raw)`
    turns a non-blank cell into the value, or raises ValidationError with the rule in words;
    without it the cell's value is passed on as read.
    """

    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    header_required: bool = True
    parse: Callable[[Any, Any], Any] | None = None
    width: float | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)


@dataclass(frozen=True)
class SheetRow:
    """One non-blank data row: its Excel row number and one value per column key.

    Strings are stripped and empty cells are None. `rejected` names the keys whose cell was
    already reported (a formula, an error value), so the caller does not report it twice.
    """

    number: int
    values: Mapping[str, Any]
    rejected: frozenset[str] = frozenset()


@dataclass
class SheetData:
    name: str
    columns: tuple[Column, ...]
    header_row: int
    letters: dict[str, str]  # column key -> the letter it was found under
    above: list[tuple[Any, ...]] = field(default_factory=list)  # the values of the rows above the header
    rows: list[SheetRow] = field(default_factory=list)
    missing: set[str] = field(default_factory=set)  # keys of columns the header row lacks (already reported)
    skipped: list[int] = field(default_factory=list)  # notes and total rows under the table, not read
    errors: list[CellMessage] = field(default_factory=list)
    notices: list[CellMessage] = field(default_factory=list)

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)

    def header_of(self, key: str) -> str:
        return next((c.header for c in self.columns if c.key == key), "")

    def message(self, row: int | None, key: str, message: str, *, rule: str = Rule.CHECK,
                level: Level = ERROR) -> CellMessage:
        """A message about `key`'s column in `row` (key "" for the whole row)."""
        return CellMessage(self.name, row, self.letters.get(key, ""), self.header_of(key), message, rule, level)


def normalize_header(value: Any) -> str:
    """A header as compared: width-folded (NFKC), without spaces, a required-mark or case."""
    text = "" if value is None else str(value)
    for _round in range(4):  # NFKC and casefold can each undo the other's normal form ("A´"): fold to a fixed point
        folded = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).strip("*").casefold()
        if folded == text:
            break
        text = folded
    return text


UNIT_SUFFIX = re.compile(r"\([^()]{1,8}\)$")  # 床位(张), 面积(平方米): a unit of measure after the name


def _header_keys(value: Any) -> tuple[str, ...]:
    """The forms a header is looked up by: as written, then without a trailing unit in brackets."""
    exact = normalize_header(value)
    bare = UNIT_SUFFIX.sub("", exact).strip("*")
    return (exact, bare) if bare and bare != exact else (exact,)


# The notes people write under a table, and its totals: never data. A notes word must stand alone
# or be followed by a colon ("备注：…", "填表人 张三" is not enough to tell it from a name).
NOTES_WORDS = ("填表人", "填报人", "填表日期", "填报日期", "制表人", "制表日期", "制表", "审核人", "审核", "审批人",
               "负责人", "单位负责人", "分管领导", "统计人", "经办人", "备注", "说明", "注", "联系电话", "联系人",
               "填表说明", "报送单位", "填报单位", "签字", "盖章", "签名")
_NOTES_ALTERNATIVES = "|".join(sorted(NOTES_WORDS, key=len, reverse=True))
NOTES_RE = re.compile(rf"^(?:{_NOTES_ALTERNATIVES})\s*(?:[:：]|$)|^注\s*\d+\s*[:：、.]")
TOTAL_WORDS = frozenset({"合计", "总计", "小计", "全县合计", "全市合计", "总数"})


def _shown_header(value: Any) -> str:
    return "" if value is None else str(value).replace("\u3000", " ").strip()


def _file_error(message: str) -> WorkbookRejected:
    return WorkbookRejected([CellMessage("", None, "", "", message, Rule.FILE)])


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
    for m in members:
        if m.filename == "xl/sharedStrings.xml" and m.file_size > MAX_SHARED_STRINGS_BYTES:
            raise _file_error(_("文件中的文字过多（解压后 %(size)s，最大 %(max)s）：请删去多余内容或分批导入") % {
                "size": filesizeformat(m.file_size), "max": filesizeformat(MAX_SHARED_STRINGS_BYTES)})
        if m.filename.startswith("xl/worksheets/") and m.file_size > MAX_SHEET_XML_BYTES:
            raise _file_error(_("工作表过大（解压后 %(size)s，最大 %(max)s）：请删去多余内容或分批导入") % {
                "size": filesizeformat(m.file_size), "max": filesizeformat(MAX_SHEET_XML_BYTES)})


def read_sheet(
    uploaded_file: IO[bytes],
    columns: Sequence[Column],
    *,
    sheet_name: str | None = None,
    unknown_columns: Level = ERROR,
    max_bytes: int | None = None,
    max_rows: int | None = None,
) -> SheetData:
    """Read the data rows of one sheet (the named one, else the first) for `columns`.

    Raises WorkbookRejected when the file cannot be used at all (not an xlsx, too big, too
    many rows, the columns not found). Problems in single cells are collected in
    `SheetData.errors`, remarks in `SheetData.notices`, so the caller can add its own rule
    checks and report everything at once.
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
        return _read(workbook, tuple(columns), sheet_name, unknown_columns, max_rows)
    except WorkbookRejected:
        raise
    except Exception:  # as above: malformed sheet XML surfaces only while iterating
        raise _file_error(_("文件已损坏或不是有效的 Excel（.xlsx）文件")) from None
    finally:
        workbook.close()


def _read(workbook: Any, columns: tuple[Column, ...], sheet_name: str | None, unknown: Level,
          max_rows: int) -> SheetData:
    if sheet_name is not None and sheet_name in workbook.sheetnames:
        ws = workbook[sheet_name]
    elif sheet_name is not None and len(workbook.sheetnames) > 1:
        raise _file_error(_("找不到名为“%(name)s”的工作表：请使用导入模板") % {"name": sheet_name})
    elif not workbook.worksheets:
        raise _file_error(_("文件中没有工作表"))
    else:
        ws = workbook.worksheets[0]
    ws.reset_dimensions()  # never trust the declared size: a bogus A1:XFD1048576 would make us iterate it
    rows = ws.iter_rows()
    top = [cells for _number, cells in zip(range(HEADER_SEARCH_ROWS), rows, strict=False)]
    header_number = _find_header(ws.title, top, columns)
    sheet = SheetData(ws.title, columns, header_number, {},
                      above=[tuple(c.value for c in cells) for cells in top[:header_number - 1]])
    positions = _map_columns(sheet, top[header_number - 1], unknown)
    physical_limit = 2 * max_rows + 100  # blank rows are skipped, but not without end
    in_notes = False
    for number, cells in enumerate(chain(top[header_number:], rows), start=header_number + 1):
        if number - header_number > physical_limit:
            raise _too_many(max_rows)
        kind = _notes_kind(cells, in_notes)
        if kind:
            in_notes = in_notes or kind == "notes"
            sheet.skipped.append(number)
            sheet.notices.append(CellMessage(ws.title, number, "", "", _("表格下方的说明（填表人、备注等），已跳过")
                                             if kind == "notes" else _("合计行，已跳过"), Rule.SKIPPED, NOTICE))
            continue
        row = _read_row(sheet, positions, number, cells)
        if row is not None:
            sheet.rows.append(row)
            if len(sheet.rows) > max_rows:
                raise _too_many(max_rows)
    if not sheet.rows and not sheet.errors:
        raise WorkbookRejected([CellMessage(ws.title, None, "", "", _("文件中没有数据行"), Rule.FILE)])
    return sheet


def _too_many(max_rows: int) -> WorkbookRejected:
    return _file_error(_("数据超过 %(max)s 行：请分批导入") % {"max": max_rows})


def _lookup(columns: tuple[Column, ...]) -> dict[str, Column]:
    exact = {normalize_header(name): c for c in columns for name in c.names}
    bare = {key: c for c in columns for name in c.names for key in _header_keys(name)}
    return bare | exact  # a name as written wins over one that matches only without its unit


def _column_of(names: dict[str, Column], value: Any) -> Column | None:
    return next((names[k] for k in _header_keys(value) if k in names), None)


def _find_header(title: str, top: list[tuple[Any, ...]], columns: tuple[Column, ...]) -> int:
    """The number of the top row naming most columns; the first non-blank row when none names any."""
    names = _lookup(columns)
    best, best_count, first = 0, 0, 0
    for number, cells in enumerate(top, start=1):
        found = {column.key for column in (_column_of(names, c.value) for c in cells) if column is not None}
        if not first and any(_shown_header(c.value) for c in cells):
            first = number
        if len(found) > best_count:
            best, best_count = number, len(found)
    if not first:
        raise WorkbookRejected([CellMessage(title, None, "", "", _("工作表是空的：请使用导入模板"), Rule.FILE)])
    return best or first


def _map_columns(sheet: SheetData, cells: tuple[Any, ...], unknown: Level) -> dict[int, str]:
    """Column position (1-based) -> key ("" for an ignored column); records the letters and the missing
    columns; the header row's problems go to `sheet.errors` (the file is refused outright only when
    not one expected column is found)."""
    names = _lookup(sheet.columns)
    at = sheet.header_row
    positions: dict[int, str] = {}
    found: dict[int, str] = {}
    errors: list[CellMessage] = []
    for index, cell in enumerate(cells, start=1):
        shown = _shown_header(cell.value)
        if not shown:
            continue
        found[index] = shown
        column = _column_of(names, shown)
        if column is None:
            continue
        letter = get_column_letter(index)
        if column.key in sheet.letters:
            errors.append(CellMessage(sheet.name, at, letter, column.header, _(
                "“%(header)s”列出现了两次（另见 %(other)s 列）：请删除其中一列")
                % {"header": column.header, "other": sheet.letters[column.key]}, Rule.HEADER))
            positions[index] = ""
            continue
        positions[index] = column.key
        sheet.letters[column.key] = letter
        if normalize_header(shown) != normalize_header(column.header):
            sheet.notices.append(CellMessage(sheet.name, at, letter, column.header, _(
                "“%(found)s”列按“%(header)s”导入") % {"found": shown, "header": column.header},
                Rule.ALIAS, NOTICE))
    strays = {index for index in found if index not in positions}
    for place, column in enumerate(sheet.columns, start=1):
        if column.key in sheet.letters or not column.header_required:
            continue
        letter = get_column_letter(place)
        if place in strays:  # the template's place for it holds something else: say what it should be
            strays.discard(place)
            positions[place] = ""
            message = _("表头应为“%(wanted)s”，实际为“%(found)s”") % {"wanted": column.header, "found": found[place]}
        elif place in found:
            message = _("缺少“%(wanted)s”列：请使用导入模板") % {"wanted": column.header}
            letter = ""
        else:
            message = (_("表头应为“%(wanted)s”，实际为空") if place < len(cells) and any(
                _shown_header(c.value) for c in cells[place:]) else
                _("缺少“%(wanted)s”列：请使用导入模板")) % {"wanted": column.header}
        errors.append(CellMessage(sheet.name, at, letter, column.header, message, Rule.HEADER))
    for index in sorted(strays):
        message = _("多余的列“%(found)s”：请使用导入模板，不要增加列") % {"found": found[index]}
        if unknown == NOTICE:
            message = _("“%(found)s”列不是导入的内容，已忽略") % {"found": found[index]}
        positions[index] = ""
        target = errors if unknown == ERROR else sheet.notices
        target.append(CellMessage(sheet.name, at, get_column_letter(index), found[index], message, Rule.HEADER,
                                  unknown))
    errors.sort(key=lambda e: (len(e.column) or 9, e.column))
    if not sheet.letters:
        raise WorkbookRejected(errors or [CellMessage(sheet.name, at, "", "", _("找不到表头：请使用导入模板"),
                                                      Rule.HEADER)])
    sheet.missing = {c.key for c in sheet.columns if c.key not in sheet.letters}
    sheet.errors.extend(errors)
    return positions


def _notes_kind(cells: tuple[Any, ...], in_notes: bool) -> str:
    """"notes" for a notes row under the table, "total" for a total row, "" for anything else."""
    filled = [c.value for c in cells if c.value is not None and str(c.value).strip()]
    if not filled:
        return ""
    first = unicodedata.normalize("NFKC", str(filled[0])).strip()
    if isinstance(filled[0], str) and NOTES_RE.match(first):
        return "notes"
    if re.sub(r"\s+", "", first) in TOTAL_WORDS:
        return "total"
    if in_notes and len(filled) == 1 and isinstance(filled[0], str):
        return "notes"  # a further line of the notes ("1. 本表由……填报")
    return ""


def _read_row(sheet: SheetData, positions: dict[int, str], number: int, cells: tuple[Any, ...]) -> SheetRow | None:
    values: dict[str, Any] = {}
    rejected: set[str] = set()
    blank = True
    for index, cell in enumerate(cells, start=1):
        value = cell.value
        if isinstance(value, str):
            value = restore(value.strip()) or None  # our own exports' "'=..." reads back as "=..."
        if value is None:
            continue
        blank = False
        key = positions.get(index, "")
        message, rule = None, Rule.CHECK
        if cell.data_type == "f" or isinstance(value, (ArrayFormula, DataTableFormula)):
            message, rule = _("单元格含有公式：请复制后“选择性粘贴为数值”再导入"), Rule.FORMULA
        elif isinstance(value, str) and len(value) > MAX_CELL_CHARS:  # never kept, nor shown in the preview
            message, rule = _("单元格内容过长（%(n)s 个字符，最多 %(max)s 个）") % {
                "n": len(value), "max": MAX_CELL_CHARS}, Rule.FORMAT
        elif cell.data_type == "e":
            message, rule = _("单元格是错误值 %(value)s") % {"value": value}, Rule.ERROR_VALUE
        elif index not in positions:
            message, rule = _("此列没有表头：请删除该列的内容"), Rule.NO_HEADER
        elif not key:
            continue  # an ignored column (unknown header, allowed by the spec)
        if message:
            sheet.errors.append(CellMessage(sheet.name, number, get_column_letter(index), sheet.header_of(key),
                                            message, rule))
            if key:
                rejected.add(key)
            continue
        values[key] = value
    if blank:
        return None
    return SheetRow(number, {c.key: values.get(c.key) for c in sheet.columns}, frozenset(rejected | sheet.missing
                                                                                            & _required(sheet)))


def _required(sheet: SheetData) -> set[str]:
    """The keys whose missing column is a reported header problem (a cell of it must not be reported too)."""
    return {c.key for c in sheet.columns if c.header_required}


def iter_chunks(items: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    """Slices of `items` small enough for an `__in` lookup on every database."""
    for start in range(0, len(items), size):
        yield items[start:start + size]
