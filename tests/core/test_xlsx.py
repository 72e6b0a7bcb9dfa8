"""core.xlsx: an upload is read safely or refused with words; the import pipeline checks every row and
saves all or nothing; an export streams a proper workbook."""

from __future__ import annotations

import io
import re
import time
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from tongxin.core import xlsx
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


def test_names_an_extra_column():
    errors = rejected(workbook_bytes((*HEADERS, "备注"), ("甲", 1, None, "x")))
    assert [(e.row, e.column, e.header) for e in errors] == [(2, "D", "备注")]
    assert "备注" in errors[0].message


def test_data_in_a_column_without_header_is_an_error():
    sheet = read(workbook_bytes(HEADERS, ("甲", 1, None, None, "多出来的")))
    assert [(e.row, e.column) for e in sheet.errors] == [(3, "E")]


def test_wrong_headers_name_each_wrong_column():
    errors = rejected(workbook_bytes(("名称", "数目", "号码"), ("甲", 1, 2)))
    assert [(e.column, e.header) for e in errors] == [("B", "数量"), ("C", "电话")]
    assert "表头应为“数量”，实际为“数目”" in errors[0].message
    assert {e.rule for e in errors} == {xlsx.Rule.HEADER}


def test_columns_are_found_by_their_headers_in_any_order():
    sheet = read(workbook_bytes(("电话", "名称", "数量"), ("0737", "甲", 1)))
    assert sheet.rows[0].values == {"名称": "甲", "数量": 1, "电话": "0737"}
    assert sheet.letters == {"电话": "A", "名称": "B", "数量": "C"}


def test_a_column_named_twice_is_refused():
    errors = rejected(workbook_bytes(("名称", "数量", "电话", "名称"), ("甲", 1, None, "乙")))
    assert [(e.column, e.header) for e in errors] == [("D", "名称")]
    assert "两次" in errors[0].message


def test_missing_column_is_named():
    errors = rejected(workbook_bytes(("名称", "数量"), ("甲", 1)))
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
    assert ws["A3"].data_type == "s" and ws["A3"].value == "=cmd|' /C calc'!A0"
    assert ws["A4"].value == "坏字符"
