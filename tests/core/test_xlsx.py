"""core.xlsx: an upload is read safely or refused with words; the import pipeline checks every row and
saves all or nothing; an export streams a proper workbook."""

from __future__ import annotations

import io
import re
import time
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils.translation import gettext as _

from tongxin.core import audit, xlsx
from tongxin.core.models import AuditEvent
from tongxin.core.xlsx import Column, WorkbookRejected, read_sheet, stream_xlsx, write_xlsx

HEADERS = ("名称", "数量", "电话")
COLUMNS = tuple(Column(h, h) for h in HEADERS)


def workbook_bytes(*rows, title: str | None = "标题", sheet: str = "数据") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    if title:
        ws.append([title])
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(content: bytes, name: str = "data.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=xlsx.XLSX_CONTENT_TYPE)


def read(content: bytes, **kwargs):
    return read_sheet(upload(content), COLUMNS, **kwargs)


def rejected(content: bytes, **kwargs) -> list[xlsx.CellError]:
    with pytest.raises(WorkbookRejected) as info:
        read(content, **kwargs)
    return info.value.errors


def test_openpyxl_parses_through_defusedxml():
    from openpyxl import xml

    assert xml.DEFUSEDXML


def test_reads_rows_under_a_title_row_with_their_excel_numbers():
    sheet = read(workbook_bytes(HEADERS, ("南县福利院", 120, " 0737-5221234 "), (), ("敬老院", None, None)))
    assert sheet.header_row == 2
    assert [r.number for r in sheet.rows] == [3, 5]  # the blank row 4 is skipped, numbering kept
    assert sheet.rows[0].values == {"名称": "南县福利院", "数量": 120, "电话": "0737-5221234"}
    assert sheet.rows[1].values["数量"] is None
    assert sheet.errors == []


def test_reads_a_file_without_a_title_row():
    sheet = read(workbook_bytes(HEADERS, ("甲", 1, None), title=None))
    assert sheet.header_row == 1 and sheet.rows[0].number == 2


def test_refuses_a_formula_and_never_evaluates_it():
    sheet = read(workbook_bytes(HEADERS, ("甲", "=1+1", None), ("乙", '=HYPERLINK("http://x","y")', None)))
    assert [(e.row, e.column, e.header) for e in sheet.errors] == [(3, "B", "数量"), (4, "B", "数量")]
    assert "公式" in sheet.errors[0].message
    assert sheet.rows[0].rejected == {"数量"}
    assert sheet.rows[0].values["数量"] is None  # the formula text is never handed on as data


def test_text_that_merely_starts_with_equals_is_text_not_a_formula():
    content = io.BytesIO()
    write_xlsx(content, "标题", HEADERS, [("=不是公式", 1, None)])
    sheet = read(content.getvalue())
    assert sheet.errors == [] and sheet.rows[0].values["名称"] == "=不是公式"


def header_problems(content: bytes, **kwargs) -> list[xlsx.CellError]:
    sheet = read(content, **kwargs)
    assert sheet.rows, "the rows are read beside the header problems"
    return [e for e in sheet.errors if e.rule == xlsx.Rule.HEADER]


def test_names_an_extra_column():
    errors = header_problems(workbook_bytes((*HEADERS, "备注"), ("甲", 1, None, "x")))
    assert [(e.row, e.column, e.header) for e in errors] == [(2, "D", "备注")]
    assert "备注" in errors[0].message


def test_data_in_a_column_without_header_is_an_error():
    sheet = read(workbook_bytes(HEADERS, ("甲", 1, None, None, "多出来的")))
    assert [(e.row, e.column) for e in sheet.errors] == [(3, "E")]


def test_wrong_headers_name_each_wrong_column():
    errors = header_problems(workbook_bytes(("名称", "数目", "号码"), ("甲", 1, 2)))
    assert [(e.column, e.header) for e in errors] == [("B", "数量"), ("C", "电话")]
    assert "表头应为“数量”，实际为“数目”" in errors[0].message
    assert {e.rule for e in errors} == {xlsx.Rule.HEADER}


def test_columns_are_found_by_their_headers_in_any_order():
    sheet = read(workbook_bytes(("电话", "名称", "数量"), ("0737", "甲", 1)))
    assert sheet.rows[0].values == {"名称": "甲", "数量": 1, "电话": "0737"}
    assert sheet.letters == {"电话": "A", "名称": "B", "数量": "C"}


def test_a_column_named_twice_is_refused():
    errors = header_problems(workbook_bytes(("名称", "数量", "电话", "名称"), ("甲", 1, None, "乙")))
    assert [(e.column, e.header) for e in errors] == [("D", "名称")]
    assert "两次" in errors[0].message


def test_missing_column_is_named():
    errors = header_problems(workbook_bytes(("名称", "数量"), ("甲", 1)))
    assert [(e.column, e.header) for e in errors] == [("C", "电话")]


def test_named_sheet_must_exist_when_the_workbook_has_several():
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes(HEADERS, ("甲", 1, None))))
    wb.create_sheet("说明")
    out = io.BytesIO()
    wb.save(out)
    errors = rejected(out.getvalue(), sheet_name="单位名录")
    assert "单位名录" in errors[0].message


def test_a_workbook_with_one_sheet_is_read_whatever_the_sheet_is_called():
    assert len(read(workbook_bytes(HEADERS, ("甲", 1, None), sheet="Sheet1"), sheet_name="单位名录").rows) == 1


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("名称,数量,电话\n甲,1,\n".encode(), id="csv-renamed"),
        pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, id="xls-renamed"),
        pytest.param(b"PK\x03\x04 this is not really a zip", id="broken-zip"),
        pytest.param(b"<html><body>hello</body></html>", id="html"),
    ],
)
def test_refuses_a_file_that_is_not_xlsx_by_content(content):
    errors = rejected(content)
    assert len(errors) == 1 and errors[0].row is None and errors[0].message


def test_refuses_a_zip_that_is_not_a_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "hello")
    assert "xlsx" in rejected(out.getvalue())[0].message


def test_refuses_a_zip_with_the_right_names_but_no_workbook_inside():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<not-a-workbook")
    assert rejected(out.getvalue())[0].message


def test_refuses_an_empty_file():
    assert "空" in rejected(b"")[0].message


def test_refuses_a_sheet_without_data_rows():
    assert "没有数据行" in rejected(workbook_bytes(HEADERS))[0].message


def test_refuses_an_empty_sheet():
    assert "空" in rejected(workbook_bytes(title=None))[0].message


@override_settings(TONGXIN_IMPORT_MAX_BYTES=1000)
def test_refuses_a_file_over_the_size_limit_from_settings():
    assert "太大" in rejected(workbook_bytes(HEADERS, ("甲", 1, None)))[0].message


@override_settings(TONGXIN_IMPORT_MAX_ROWS=3)
def test_refuses_more_rows_than_the_limit_from_settings():
    ok = workbook_bytes(HEADERS, *[(f"单位{i}", i, None) for i in range(3)])
    assert len(read(ok).rows) == 3
    errors = rejected(workbook_bytes(HEADERS, *[(f"单位{i}", i, None) for i in range(4)]))
    assert "3" in errors[0].message


def test_a_bogus_declared_dimension_is_not_iterated():
    content = workbook_bytes(HEADERS, ("甲", 1, None))
    src, out = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:XFD1048576"', data)
            dst.writestr(item, data)
    started = time.monotonic()
    assert len(read(out.getvalue()).rows) == 1
    assert time.monotonic() - started < 5


@override_settings(TONGXIN_IMPORT_MAX_BYTES=1024 * 1024)
def test_refuses_a_zip_bomb_before_parsing():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b" " * (1024 * 1024)
            for _ in range(65):
                member.write(chunk)
    assert len(out.getvalue()) < 1024 * 1024
    assert "解压后过大" in rejected(out.getvalue())[0].message


def test_cell_error_reads_as_a_sentence():
    error = xlsx.CellError("单位名录", 7, "C", "区划代码", "区划代码不存在")
    assert str(error) == "单位名录 第 7 行 C列（区划代码）：区划代码不存在"


# --- the import pipeline -------------------------------------------------------------------------


def _count(handler, raw):
    if not isinstance(raw, int) or raw < 0:
        raise ValidationError(_("应为不小于 0 的整数"))
    return raw


SPEC = xlsx.ImportSpec((
    Column("name", "名称", aliases=("机构名称",), required=True),
    Column("count", "数量", parse=_count),
    Column("phone", "电话", header_required=False),
))


class NoteRows(xlsx.RowHandler):
    """A real, small import: one audit event per row, and the row refused at save time when asked."""

    def __init__(self, refuse_at_save=()):
        self.refuse_at_save, self.names = set(refuse_at_save), {}

    def check(self, row):
        name = row.values.get("name")
        if name in self.names:
            row.error("name", f"与第 {self.names[name]} 行重复", rule=xlsx.Rule.DUPLICATE)
        self.names.setdefault(name, row.number)
        if row.values.get("count") == 0:
            row.notice("count", "数量为 0")
        return dict(row.values)

    def save(self, plan):
        if plan["name"] in self.refuse_at_save:
            raise ValidationError({"count": ["服务拒绝了这一行"]})
        audit.record(audit.Action.IMPORT, object_repr=plan["name"], changes={"count": plan.get("count")})
        return "created"

    def finish(self, result):
        audit.record(audit.Action.IMPORT, object_repr="导入完成", changes={"rows": result.rows})


def run(content: bytes, handler=None, **kwargs):
    return xlsx.run_import(upload(content), SPEC, handler or NoteRows(), **kwargs)


def where(messages):
    return [(m.sheet, m.row, m.column, m.header, m.rule) for m in messages]


def test_pipeline_finds_the_header_below_title_rows_and_saves_every_row(db):
    content = workbook_bytes(("南县民政局 2021 年",), (), ("填表说明：每行一家",), HEADERS, ("甲", 1, None),
                             ("乙", 2, "0737"))
    result = run(content)
    assert result.ok and result.counts["created"] == 2 and result.rows == 2
    assert [p.number for p in result.preview] == [6, 7]
    assert set(AuditEvent.objects.values_list("object_repr", flat=True)) == {"甲", "乙", "导入完成"}


def test_pipeline_reports_every_cell_error_at_once_with_sheet_row_column_and_rule(db):
    content = workbook_bytes(HEADERS, (None, -1, None), ("甲", "多", None), ("甲", "=1+1", None))
    result = run(content)
    assert where(result.errors) == [
        ("数据", 3, "A", "名称", xlsx.Rule.REQUIRED),
        ("数据", 3, "B", "数量", xlsx.Rule.FORMAT),
        ("数据", 4, "B", "数量", xlsx.Rule.FORMAT),
        ("数据", 5, "A", "名称", xlsx.Rule.DUPLICATE),
        ("数据", 5, "B", "数量", xlsx.Rule.FORMULA),
    ]
    assert "公式" in result.errors[-1].message
    assert not AuditEvent.objects.exists()


def test_pipeline_refuses_a_formula_with_words_and_never_evaluates_it(db):
    result = run(workbook_bytes(HEADERS, ("甲", "=SUM(1,2)", None)))
    (error,) = result.errors
    assert (error.row, error.column, error.rule) == (3, "B", xlsx.Rule.FORMULA)
    assert "选择性粘贴为数值" in error.message and "3" not in error.message
    assert not AuditEvent.objects.exists()


def test_pipeline_skips_blank_rows(db):
    result = run(workbook_bytes(HEADERS, ("甲", 1, None), (None, None, None), (), ("  ", None, None), ("乙", 2, None)))
    assert result.ok and result.rows == 2 and [p.number for p in result.preview] == [3, 7]


def test_pipeline_saves_nothing_when_the_service_refuses_one_row(db):
    result = run(workbook_bytes(HEADERS, ("甲", 1, None), ("乙", 2, None), ("丙", 3, None)),
                 NoteRows(refuse_at_save={"乙"}))
    assert where(result.errors) == [("数据", 4, "B", "数量", xlsx.Rule.SAVE)]
    assert result.errors[0].message == "服务拒绝了这一行"
    assert not result.counts and not result.preview and not result.saved
    assert not AuditEvent.objects.exists()  # 甲 was written before 乙 failed: rolled back with the rest


def test_pipeline_dry_run_saves_nothing_and_returns_the_preview(db):
    result = run(workbook_bytes(HEADERS, ("甲", 1, None), ("乙", 0, "0737")), dry_run=True)
    assert result.ok and result.dry_run and not result.saved
    assert [(p.number, p.values, p.outcome) for p in result.preview] == [
        (3, ("甲", 1, None), "created"), (4, ("乙", 0, "0737"), "created")]
    assert result.counts["created"] == 2
    assert where(result.notices) == [("数据", 4, "B", "数量", xlsx.Rule.CHECK)]
    assert not AuditEvent.objects.exists()


def test_pipeline_dry_run_reports_what_the_service_would_refuse(db):
    result = run(workbook_bytes(HEADERS, ("甲", 1, None), ("乙", 2, None)), NoteRows(refuse_at_save={"乙"}),
                 dry_run=True)
    assert where(result.errors) == [("数据", 4, "B", "数量", xlsx.Rule.SAVE)] and not result.preview


def test_pipeline_reads_a_column_under_an_alias_and_says_so(db):
    result = run(workbook_bytes(("机构名称", "数量"), ("甲", 1)))
    assert result.ok and result.preview[0].values == ("甲", 1, None)  # 电话 may be left out
    assert where(result.notices) == [("数据", 2, "A", "名称", xlsx.Rule.ALIAS)]
    assert "机构名称" in result.notices[0].message


def test_pipeline_can_ignore_unknown_columns_with_a_notice(db):
    spec = xlsx.ImportSpec(SPEC.columns, unknown_columns=xlsx.NOTICE)
    result = xlsx.run_import(upload(workbook_bytes(("名称", "备注", "数量"), ("甲", "随便写", 1))), spec, NoteRows())
    assert result.ok and result.preview[0].values == ("甲", 1, None)
    assert [(m.column, m.header) for m in result.notices] == [("B", "备注")]


def test_pipeline_refuses_a_file_that_is_not_xlsx_with_one_message(db):
    result = run(b"name,count\n")
    assert len(result.errors) == 1 and result.errors[0].rule == xlsx.Rule.FILE and not result.rows


# --- writing -------------------------------------------------------------------------------------


def test_stream_xlsx_has_a_merged_title_a_bold_frozen_header_and_widths():
    rows = ((f"单位{i}", i, "0737") for i in range(50))
    response = stream_xlsx("导出.xlsx", "单位名录", HEADERS, rows, widths=[30, 8, 16],
                           choices={"数量": ["1", "2"]}, extra_sheets={"说明": [["列"], ["x"]]})
    assert response["Content-Type"] == xlsx.XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"] and "no-store" in response["Cache-Control"]
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = wb.worksheets[0]
    assert wb.sheetnames == ["单位名录", "说明"]
    assert ws["A1"].value == "单位名录" and "A1:C1" in {str(r) for r in ws.merged_cells.ranges}
    assert [c.value for c in ws[2]] == list(HEADERS) and ws["A2"].font.bold
    assert ws.freeze_panes == "A3"
    assert ws.column_dimensions["A"].width == 30
    assert ws.max_row == 52 and ws["A52"].value == "单位49"


def test_writer_keeps_text_as_text_and_drops_characters_excel_refuses():
    out = io.BytesIO()
    write_xlsx(out, "t", ["a"], [["=cmd|' /C calc'!A0"], ["坏\x01字符"]])
    ws = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    assert ws["A3"].data_type == "s" and ws["A3"].value == "'=cmd|' /C calc'!A0"  # neutralised (issue #12)
    assert ws["A4"].value == "坏字符"


def workbook_with_huge_text(member: str, megabytes: float) -> bytes:
    """A real workbook (read fine when small) whose one data cell holds `megabytes` of text, in
    xl/sharedStrings.xml (as Excel and WPS write it) or inline in the sheet (as openpyxl does)."""
    src, out = zipfile.ZipFile(io.BytesIO(workbook_bytes(HEADERS, ("HUGE", 1, None)))), io.BytesIO()
    text = b"\xe7\x94\xb2" * int(megabytes * 1024 * 1024 / 3)  # 甲 甲 甲 …
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml" and member == "shared":
                data = data.replace(b't="inlineStr"><is><t>HUGE</t></is>', b't="s"><v>0</v>')
            elif item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"HUGE", text)
            if item.filename == "[Content_Types].xml" and member == "shared":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
            if item.filename == "xl/_rels/workbook.xml.rels" and member == "shared":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdSS" Type="http://schemas.openxmlfor'
                                    b'mats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.'
                                    b'xml"/></Relationships>')
            dst.writestr(item.filename, data)
        if member == "shared":
            dst.writestr("xl/sharedStrings.xml", b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                         b'main" count="1" uniqueCount="1"><si><t>' + text + b"</t></si></sst>")
    return out.getvalue()


@pytest.mark.parametrize("member", ["shared", "inline"])
def test_a_workbook_holding_a_few_characters_is_read_through_the_same_path(member):
    sheet = read(workbook_with_huge_text(member, 0.001))
    assert sheet.rows[0].values["名称"].startswith("甲")


def test_refuses_huge_shared_strings_from_the_archive_directory_before_parsing(monkeypatch):
    content = workbook_with_huge_text("shared", 30)  # one 30 MB cell, ~190 KB-class file
    assert len(content) < 200_000
    monkeypatch.setattr("tongxin.core.xlsx.reading.load_workbook", lambda *a, **k: pytest.fail("parsed"))

    errors = rejected(content)

    assert len(errors) == 1 and errors[0].rule == xlsx.Rule.FILE
    assert "文字过多" in errors[0].message and "16.0" in errors[0].message


def test_refuses_a_sheet_over_its_bound_before_parsing(monkeypatch):
    from tongxin.core.xlsx import reading

    monkeypatch.setattr(reading, "MAX_SHEET_XML_BYTES", 1024 * 1024)
    monkeypatch.setattr(reading, "load_workbook", lambda *a, **k: pytest.fail("parsed"))

    errors = rejected(workbook_with_huge_text("inline", 2))

    assert "工作表过大" in errors[0].message


def test_a_cell_longer_than_excel_allows_is_a_cell_error_and_is_not_kept():
    from tongxin.core.xlsx import reading

    sheet = read(workbook_with_huge_text("shared", (reading.MAX_CELL_CHARS + 1) * 3 / 1024 / 1024 + 0.001))

    (error,) = sheet.errors
    assert (error.row, error.column, error.rule) == (3, "A", xlsx.Rule.FORMAT)
    assert "过长" in error.message and "32767" in error.message
    assert sheet.rows[0].values["名称"] is None and "名称" in sheet.rows[0].rejected
