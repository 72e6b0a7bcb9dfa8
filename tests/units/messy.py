"""A corpus of unit lists as counties really keep them, built in code (openpyxl), one builder per workbook.

Each builder returns the upload and documents, row by row, what is in it; the tests in
test_messy_corpus.py import each one and check every row's fate. The names are the story's (南县).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl.styles import Alignment, Font

NOTES = [("填表人：张敏",), ("审核人：刘建国", None, None, "填表日期：2021年7月28日"),
         ("备注：本表由各乡镇民政办填报，县民政局汇总。",), ("1. 床位数按核定床位填写",)]


def workbook(rows: Sequence[Sequence[Any]], *, title: str | None = "南县养老服务机构基本情况统计表",
             subtitle: str | None = None, sheet: str = "Sheet1", name: str = "南县机构名录.xlsx") -> SimpleUploadedFile:
    """A sheet as a county office makes it: a merged, bold title (and subtitle) above the header row."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    width = max(len(r) for r in rows)
    for text in (title, subtitle):
        if text is None:
            continue
        ws.append([text])
        line = ws.max_row
        ws.merge_cells(start_row=line, start_column=1, end_row=line, end_column=width)
        ws.cell(line, 1).font = Font(bold=True, size=14)
        ws.cell(line, 1).alignment = Alignment(horizontal="center")
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue())


# 1. The county's own register: merged title and subtitle, 序号 and 备注 columns, alias headers,
#    regions as names, a kind by its common name, a blank row, a total row with formulas, notes.
def county_register() -> SimpleUploadedFile:
    header = ("序号", "机构名称", "机构类型", "所在区划", "地址", "负责人", "联系电话", "床位（张）", "在院人数",
              "备注")
    return workbook([
        header,                                                                                         # row 3
        (1, "南县德昌养老院", "养老机构", "南县", "南洲镇德昌路 8 号", "周红", "13807370011", 60, 41, None),  # 4
        (2, "南县三仙湖镇敬老院", "敬老院", "益阳市南县", "三仙湖镇", "王强", "0737-5221234", 45, 30, "公办"),  # 5
        (),                                                                                             # 6 blank
        (3, "南县光荣院", "光荣院", "湖南省益阳市南县", "南洲镇", "李平", "13807370013", 30, 18, None),     # 7
        ("合计", None, None, None, None, None, None, "=SUM(H4:H7)", "=SUM(I4:I7)", None),                # 8 total
        *NOTES,                                                                                         # 9–12
    ], subtitle="填报单位（盖章）：南县民政局　　　　填报日期：2021年7月28日")


# 2. Numbers as phones and keyboards type them: full-width digits, +86, thousands commas.
def fullwidth_and_phones() -> SimpleUploadedFile:
    return workbook([
        ("单位名称", "单位类型", "区划代码", "联系电话", "床位数", "在院人数", "工作人员数"),            # row 1
        ("南县明德养老院", "养老机构", "４３０９２１", "+86 138 0737 0021", "１２０", "８６", "２１"),    # 2
        ("南县惠民养老院", "养老机构", 430921, "+86-737-5221235", "1,200", "１，０００", " 35 "),      # 3
        ("南县康乐养老院", "养老机构", "430921", "１３８０７３７００２３", 80, 60.0, 12),              # 4
    ], title=None)


# 3. Words where numbers belong.
def words_in_numbers() -> SimpleUploadedFile:
    return workbook([
        ("单位名称", "单位类型", "区划代码", "床位数", "在院人数", "工作人员数"),  # row 2
        ("南县德昌养老院", "养老机构", "430921", "五十", 30, 8),                   # 3
        ("南县明德养老院", "养老机构", "430921", 40, "约三十", "12人"),             # 4
        ("南县康乐养老院", "养老机构", "430921", 20, 10, 5),                       # 5 fine
    ])


# 4. Formulas people leave in (never evaluated): one per row, in different columns.
def formulas() -> SimpleUploadedFile:
    return workbook([
        ("单位名称", "单位类型", "区划代码", "床位数", "在院人数", "工作人员数"),   # row 2
        ("南县德昌养老院", "养老机构", "430921", "=20+40", 30, 8),                  # 3
        ("南县明德养老院", "养老机构", "430921", 40, 30, "=ROUND(E4/5,0)"),        # 4
        ("=CONCAT(\"南县\",\"康乐养老院\")", "养老机构", "430921", 20, 10, 5),      # 5
    ])


# 5. Regions by name, for the province's officer: a short name, a city-and-county name, one
#    name that is two regions (湘潭 is a city and a county), one outside Hunan in three cities
#    (新华区), and one that is no region at all.
def regions_by_name() -> SimpleUploadedFile:
    return workbook([
        ("单位名称", "单位类型", "所属区县"),                # row 2
        ("城步县社会福利院", "福利院", "城步"),               # 3 → 430529 城步苗族自治县
        ("南县德昌养老院", "养老机构", "益阳 南县"),          # 4 → 430921
        ("湘潭县中心敬老院", "敬老院", "湘潭"),               # 5 ambiguous
        ("新华区养老院", "养老机构", "新华区"),               # 6 outside the scope (Hebei, Henan)
        ("北县敬老院", "敬老院", "北县"),                    # 7 unknown
        ("慈利县养老院", "养老机构", "张家界市慈利县"),        # 8 → 430821
    ], title="全省养老机构名录（补充）")


# 6. Kinds by their common names.
def kind_synonyms() -> SimpleUploadedFile:
    return workbook([
        ("单位名称", "机构类别", "区划代码"),                       # row 2
        ("南县城西敬老院", "敬老院", "430921"),                     # 3 → elderly_care
        ("南县社会福利院", "社会福利院", "430921"),                 # 4 → elderly_care
        ("南县儿童福利院", "儿童福利院", "430921"),                 # 5 → child_welfare
        ("南县救助站", "救助站", "430921"),                         # 6 → rescue_station
        ("南县乡镇社工站", "社工站", "430921"),                     # 7 → social_work
        ("南县殡仪馆", "殡仪馆", "430921"),                         # 8 → funeral
        ("南县茅草街镇敬老院", "养 老 机 构", "430921"),            # 9 → the label itself (spaces): no notice
        ("南县青树嘴镇敬老院", "敬老院", "430921"),                 # 10 → elderly_care (same notice as row 3)
    ])


# 7. Rows repeated in the file, and two rows that are likely the same unit.
def repeated_rows() -> SimpleUploadedFile:
    return workbook([
        ("单位名称", "单位类型", "区划代码", "床位数"),       # row 2
        ("南县德昌养老院", "养老机构", "430921", 60),          # 3
        ("南县明德养老院", "养老机构", "430921", 40),          # 4
        ("南县德昌养老院", "养老机构", "430921", 60),          # 5 repeat of 3: skipped
        ("明德养老院", "养老机构", "430921", 40),              # 6 likely row 4
        ("南县明德养老院", "养老机构", "430921", 40),          # 7 repeat of 4: skipped
    ])


# 8. Likely duplicates of units already registered in 南县 (南县福利院, 南县南洲镇敬老院).
def likely_duplicates() -> SimpleUploadedFile:
    return workbook([
        ("单位名称", "单位类型", "区划代码", "床位数"),               # row 2
        ("福利院", "养老机构", "南县", 100),                            # 3 likely 南县福利院
        ("益阳市南县南洲镇敬老院", "敬老院", "430921", 50),            # 4 likely 南县南洲镇敬老院
        ("南县福利院", "养老机构", "430921", 120),                      # 5 the registered unit: unchanged
        ("南县华阁镇敬老院", "敬老院", "430921", 30),                   # 6 new, no notice
    ])


# 9. Units outside 南县, for 南县's officer: refused, nothing saved.
def out_of_scope() -> SimpleUploadedFile:
    return workbook([
        ("单位名称", "单位类型", "区划代码"),                  # row 2
        ("南县德昌养老院", "养老机构", "430921"),               # 3 fine
        ("慈利县零溪镇敬老院", "敬老院", "430821"),             # 4 another county, by code
        ("慈利县阳和敬老院", "敬老院", "慈利县"),               # 5 … and by name
        ("张家界市社会福利院", "福利院", "张家界市"),            # 6 the city above it
    ], name="外县名录.xlsx")


# 10. Header problems and cell problems in one file: no 单位类型 column, an unnamed column with data,
#     and bad cells: every one reported at once.
def header_and_cell_problems() -> SimpleUploadedFile:
    return workbook([
        ("单位名称", "区划代码", "床位数", None),                # row 2: 单位类型 missing; D has no header
        ("南县德昌养老院", "430921", "五十", None),               # 3
        ("南县明德养老院", "43092", 40, "多写的"),                # 4
    ])


CORPUS = {
    "county_register": county_register, "fullwidth_and_phones": fullwidth_and_phones,
    "words_in_numbers": words_in_numbers, "formulas": formulas, "regions_by_name": regions_by_name,
    "kind_synonyms": kind_synonyms, "repeated_rows": repeated_rows, "likely_duplicates": likely_duplicates,
    "out_of_scope": out_of_scope, "header_and_cell_problems": header_and_cell_problems,
}
