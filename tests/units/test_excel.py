"""The unit registry in Excel: all-or-nothing import inside the officer's scope, scoped export."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from stdnum.cn import uscc

from tongxin.core.models import AuditEvent
from tongxin.units import excel, services
from tongxin.units.excel import HEADERS, import_units
from tongxin.units.models import Unit


def credit_code(first17: str) -> str:
    return first17 + uscc.calc_check_digit(first17)


CODE_A = credit_code("12430921MB0000001")
CODE_B = credit_code("12430921MB0000002")
BAD_CHECKSUM = CODE_A[:-1] + ("0" if CODE_A[-1] != "0" else "1")


def row(name="南县德昌养老院", kind="养老机构", region="430921", **extra):
    values = {"单位名称": name, "单位类型": kind, "区划代码": region, **extra}
    return [values.get(h) for h in HEADERS]


def units_file(*rows, headers=HEADERS, name="单位名录.xlsx") -> SimpleUploadedFile:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "单位名录"
    ws.append(["单位名录"])
    ws.append(list(headers))
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue())


GOOD = (
    row("南县德昌养老院", **{"统一社会信用代码": CODE_A, "联系电话": "13807370001", "床位数": 60}),
    row("南县三仙湖敬老院", **{"统一社会信用代码": CODE_B, "地址": "三仙湖镇", "在院人数": 30,
                              "运营状态": "已关闭"}),
)


def counts(result):
    return result.counts["created"], result.counts["updated"], result.counts["unchanged"]


def located(result):
    return [(e.sheet, e.row, e.column, e.header) for e in result.errors]


# --- a good file ---------------------------------------------------------------------------------


def test_good_import_creates_units_in_the_officers_county(world):
    result = import_units(world.nanxian, units_file(*GOOD))
    assert result.ok, result.errors
    assert counts(result) == (2, 0, 0)
    home = Unit.objects.get(credit_code=CODE_A)
    assert home.region_id == "430921" and home.kind == "elderly_care" and home.beds == 60
    assert home.supervisor == world.nanxian_bureau and home.phone == "13807370001"
    assert Unit.objects.get(credit_code=CODE_B).is_active is False


def test_second_import_updates_rather_than_duplicates(world):
    import_units(world.nanxian, units_file(*GOOD))
    before = Unit.objects.count()
    changed = row("南县德昌养老院", **{"统一社会信用代码": CODE_A, "床位数": 80})
    result = import_units(world.nanxian, units_file(changed, GOOD[1]))
    assert result.ok, result.errors
    assert counts(result) == (0, 1, 1)
    assert Unit.objects.count() == before
    assert Unit.objects.get(credit_code=CODE_A).beds == 80


def test_match_by_credit_code_renames_the_unit(world):
    import_units(world.nanxian, units_file(*GOOD))
    result = import_units(world.nanxian, units_file(row("南县德昌颐养中心", **{"统一社会信用代码": CODE_A})))
    assert result.counts["updated"] == 1
    assert Unit.objects.get(credit_code=CODE_A).name == "南县德昌颐养中心"


def test_without_credit_code_matches_by_region_and_name_and_keeps_blank_cells(world):
    result = import_units(world.nanxian, units_file(row("南县福利院", **{"工作人员数": 25})))
    assert counts(result)[:2] == (0, 1)
    home = Unit.objects.get(pk=world.nanxian_home.pk)
    assert home.staff == 25 and home.beds == 120 and home.contact_person == "李敏"


def test_supervisor_by_name_and_numbers_typed_as_text(world):
    result = import_units(world.nanxian, units_file(
        row(**{"主管单位": "南县民政局", "床位数": "1,200", "联系电话": 13807370001, "区划代码": 430921}),
    ))
    assert result.ok, result.errors
    unit = Unit.objects.get(name="南县德昌养老院")
    assert unit.supervisor == world.nanxian_bureau and unit.beds == 1200 and unit.phone == "13807370001"


def test_import_writes_one_import_audit_event(world):
    result = import_units(world.nanxian, units_file(*GOOD))
    events = AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT)
    assert events.count() == 1
    event = events.get()
    assert event.actor_id == world.nanxian.pk
    assert event.changes["created"] == 2 and event.changes["rows"] == 2 == result.rows
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, object_type="units.unit",
                                     object_repr="南县德昌养老院").exists()


# --- bad rows: nothing is saved and the report says where and why -------------------------------


def test_one_bad_row_among_good_ones_saves_nothing_and_names_sheet_row_column_rule(world):
    before, audit_before = Unit.objects.count(), AuditEvent.objects.count()
    bad = row("南县坏数据养老院", **{"床位数": -5})
    result = import_units(world.nanxian, units_file(GOOD[0], bad, GOOD[1]))
    assert not result.ok
    assert located(result) == [("单位名录", 4, "I", "床位数")]
    assert "负数" in result.errors[0].message
    assert Unit.objects.count() == before
    assert AuditEvent.objects.exclude(action=AuditEvent.Action.REJECTED).count() == audit_before
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REJECTED).count() == 1
    assert not Unit.objects.filter(credit_code=CODE_A).exists()


@pytest.mark.parametrize(
    ("cells", "column", "header", "rule"),
    [
        ({"统一社会信用代码": BAD_CHECKSUM}, "E", "统一社会信用代码", "校验位"),
        ({"统一社会信用代码": "12345"}, "E", "统一社会信用代码", "18 位"),
        ({"联系电话": "12345"}, "H", "联系电话", "电话"),
        ({"区划代码": "439999"}, "C", "区划代码", "不存在"),
        ({"区划代码": "43092"}, "C", "区划代码", "6 位数字"),
        ({"区划代码": "北县"}, "C", "区划代码", "找不到名为“北县”的行政区划"),
        ({"单位类型": "养猪场"}, "B", "单位类型", "未知的单位类型"),
        ({"床位数": -1}, "I", "床位数", "负数"),
        ({"在院人数": 2.5}, "J", "在院人数", "整数"),
        ({"工作人员数": "许多"}, "K", "工作人员数", "整数"),
        ({"运营状态": "暂停"}, "L", "运营状态", "运营中"),
        ({"主管单位": "慈利县民政局"}, "D", "主管单位", "找不到"),
        ({"单位名称": None}, "A", "单位名称", "必填"),
        ({"单位名称": "长" * 101}, "A", "单位名称", "100"),
    ],
)
def test_bad_cell_is_reported_where_it_is(world, cells, column, header, rule):
    before = Unit.objects.count()
    values = {"单位名称": "南县德昌养老院", "单位类型": "养老机构", "区划代码": "430921", **cells}
    result = import_units(world.nanxian, units_file(GOOD[1], [values.get(h) for h in HEADERS]))
    assert located(result) == [("单位名录", 4, column, header)]
    assert rule in result.errors[0].message
    assert Unit.objects.count() == before


def test_county_officer_cannot_import_a_unit_in_another_county(world):
    result = import_units(world.cili, units_file(row("南县德昌养老院", region="430921")))
    assert located(result) == [("单位名录", 3, "C", "区划代码")]
    assert "不在您的辖区内" in result.errors[0].message
    assert not Unit.objects.filter(name="南县德昌养老院").exists()


def test_county_officer_cannot_take_over_another_countys_unit_by_credit_code(world):
    services.update_unit(None, world.nanxian_home, credit_code=CODE_A)
    stranger = row("慈利县新养老院", region="430821", **{"统一社会信用代码": CODE_A})
    result = import_units(world.cili, units_file(stranger))
    assert located(result) == [("单位名录", 3, "E", "统一社会信用代码")]
    assert Unit.objects.get(pk=world.nanxian_home.pk).region_id == "430921"


def test_province_officer_imports_across_counties(world):
    file = units_file(row("南县德昌养老院"), row("慈利县新养老院", region="430821"))
    result = import_units(world.hunan, file)
    assert result.ok and result.counts["created"] == 2


def test_a_row_repeated_in_the_file_is_skipped_with_a_notice(world):
    result = import_units(world.nanxian, units_file(row("南县德昌养老院"), row("南县德昌养老院")))
    assert result.ok and result.counts["created"] == 1 and result.counts["skipped"] == 1
    (notice,) = [n for n in result.notices if n.rule == "skipped"]
    assert notice.row == 4 and "第 3 行" in notice.message
    assert Unit.objects.filter(name="南县德昌养老院").count() == 1


def test_the_same_unit_twice_with_different_values_is_refused(world):
    result = import_units(world.nanxian, units_file(row("南县德昌养老院"), row("南县德昌养老院", **{"床位数": 9})))
    assert located(result) == [("单位名录", 4, "A", "单位名称")]
    assert "第 3 行" in result.errors[0].message
    assert not Unit.objects.filter(name="南县德昌养老院").exists()


def test_duplicate_credit_codes_in_the_file_are_refused(world):
    result = import_units(world.nanxian, units_file(row("甲院", **{"统一社会信用代码": CODE_A}),
                                                    row("乙院", **{"统一社会信用代码": CODE_A})))
    assert located(result) == [("单位名录", 4, "E", "统一社会信用代码")]


def test_every_error_is_reported_not_only_the_first(world):
    result = import_units(world.nanxian, units_file(
        row(**{"床位数": -1, "联系电话": "1"}), row("乙院", kind="不知道"), row("丙院", region="430821"),
    ))
    assert [(e.row, e.header) for e in result.errors] == [
        (3, "联系电话"), (3, "床位数"), (4, "单位类型"), (5, "区划代码"),
    ]


def test_formula_is_refused_and_not_evaluated(world):
    result = import_units(world.nanxian, units_file(row(**{"床位数": "=10*10"})))
    assert located(result) == [("单位名录", 3, "I", "床位数")]
    assert "公式" in result.errors[0].message
    assert not Unit.objects.filter(name="南县德昌养老院").exists()


def test_extra_column_is_ignored_with_a_notice(world):
    result = import_units(world.nanxian, units_file(row() + ["x"], headers=(*HEADERS, "备注")))
    assert result.ok
    assert [(n.row, n.column, n.header) for n in result.notices] == [(2, "M", "备注")]


def test_wrong_headers_are_refused(world):
    headers = list(HEADERS)
    headers[1], headers[2] = "种类", "区号"
    result = import_units(world.nanxian, units_file(row(), headers=headers))
    assert [(e.column, e.header) for e in result.errors] == [("B", "单位类型"), ("C", "区划代码")]
    assert "表头应为“单位类型”，实际为“种类”" in result.errors[0].message


@pytest.mark.parametrize(
    "content",
    [
        b"",
        "单位名称,单位类型\n南县福利院,养老机构\n".encode("gbk"),
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512,
    ],
    ids=["empty", "csv-renamed", "xls-renamed"],
)
def test_a_file_that_is_not_xlsx_is_refused_with_words(world, content):
    result = import_units(world.nanxian, SimpleUploadedFile("单位.xlsx", content))
    assert len(result.errors) == 1 and result.errors[0].message


@override_settings(TONGXIN_IMPORT_MAX_BYTES=2048)
def test_a_file_over_the_size_limit_is_refused(world):
    result = import_units(world.nanxian, units_file(*GOOD))
    assert "太大" in result.errors[0].message
    assert not Unit.objects.filter(credit_code=CODE_A).exists()


def test_reporter_cannot_import(world):
    with pytest.raises(PermissionDenied):
        import_units(world.home_reporter, units_file(*GOOD))


# --- the template and the export -----------------------------------------------------------------


def workbook(response):
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_blank_template_imports_without_choking_on_its_notes(world, client_for):
    response = client_for(world.nanxian).get(reverse("units:import-template"))
    assert response.status_code == 200
    wb = workbook(response)
    assert wb.sheetnames == ["单位名录", "说明"]
    assert [c.value for c in wb["单位名录"][2]] == list(HEADERS)
    notes = [[c.value for c in r] for r in wb["说明"].iter_rows()]
    assert list(HEADERS) in notes  # the example row's headers, followed by the example
    example = notes[notes.index(list(HEADERS)) + 1]
    # The filled-in template (the example pasted into the data sheet) imports cleanly.
    result = import_units(world.nanxian, units_file(example))
    assert result.ok, result.errors
    # The blank template is refused politely: no rows, nothing saved.
    blank = SimpleUploadedFile("t.xlsx", b"".join(client_for(world.nanxian).get(
        reverse("units:import-template")).streaming_content))
    assert "没有数据行" in import_units(world.nanxian, blank).errors[0].message


def test_export_holds_only_the_units_in_the_users_scope(world, client_for):
    response = client_for(world.nanxian).get(reverse("units:export"))
    assert response.status_code == 200
    ws = workbook(response)["单位名录"]
    assert "单位名录" in ws["A1"].value
    assert "A1:L1" in {str(r) for r in ws.merged_cells.ranges}
    assert tuple(c.value for c in ws[2]) == HEADERS and ws.freeze_panes == "A3"
    names = {r[0] for r in ws.iter_rows(min_row=3, values_only=True)}
    assert {"南县福利院", "南县南洲镇敬老院", "南县民政局"} <= names
    assert "慈利县零阳镇敬老院" not in names and "湖南省民政厅" not in names
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, actor_id=world.nanxian.pk).exists()


def test_export_follows_the_list_filter(world, client_for):
    query = {"region": "430821", "kind": "elderly_care"}
    response = client_for(world.hunan).get(reverse("units:export"), query)
    rows = list(workbook(response)["单位名录"].iter_rows(min_row=3, values_only=True))
    assert [r[0] for r in rows] == ["慈利县零阳镇敬老院"]
    assert rows[0][1] == "养老机构" and rows[0][2] == "430821" and rows[0][-1] == "运营中"


def test_an_exported_file_imports_back_unchanged(world, client_for):
    content = b"".join(client_for(world.nanxian).get(reverse("units:export")).streaming_content)
    result = import_units(world.nanxian, SimpleUploadedFile("export.xlsx", content))
    assert result.ok, result.errors
    assert counts(result) == (0, 0, 3) and result.rows == 3


# --- the web pages -------------------------------------------------------------------------------


def test_import_page_shows_the_form(world, client_for):
    response = client_for(world.nanxian).get(reverse("units:import"))
    assert response.status_code == 200
    assert reverse("units:import-template") in response.content.decode()


def test_import_page_imports_and_redirects_to_the_list_with_counts(world, client_for):
    client = client_for(world.nanxian)
    preview = client.post(reverse("units:import"), {"file": units_file(*GOOD)})
    token = re.search(r'name="token" value="([0-9a-f]+)"', preview.content.decode()).group(1)
    response = client.post(reverse("units:import"), {"token": token, "confirm": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("units:list")
    assert "新增 2 个" in response.content.decode()
    assert Unit.objects.filter(credit_code__in=[CODE_A, CODE_B]).count() == 2


def test_import_page_answers_400_with_the_error_table(world, client_for):
    response = client_for(world.nanxian).post(
        reverse("units:import"), {"file": units_file(GOOD[0], row("乙院", **{"联系电话": "123"}))})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="import-errors"' in page and 'data-label="行"' in page
    assert "H（联系电话）" in page and "<td data-label=\"行\" class=\"text-nowrap\">4</td>" in page
    assert not Unit.objects.filter(credit_code=CODE_A).exists()


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("a.xlsx", b""),
        SimpleUploadedFile("a.xlsx", b"PK\x03\x04garbage"),
        SimpleUploadedFile("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100),
        SimpleUploadedFile("a.csv", "单位名称\n甲\n".encode()),
        SimpleUploadedFile("a.xlsx", bytes(range(256)) * 10),
    ],
    ids=["empty", "broken-zip", "xls", "csv", "noise"],
)
def test_import_page_never_answers_500_for_a_bad_file(world, client_for, upload):
    response = client_for(world.nanxian).post(reverse("units:import"), {"file": upload})
    assert response.status_code == 400


def test_import_page_without_a_file_is_400(world, client_for):
    assert client_for(world.nanxian).post(reverse("units:import"), {}).status_code == 400


def test_reporter_gets_403_on_the_import_page(world, client_for):
    client = client_for(world.home_reporter)
    assert client.get(reverse("units:import")).status_code == 403
    assert client.post(reverse("units:import"), {"file": units_file(*GOOD)}).status_code == 403
    assert not Unit.objects.filter(credit_code=CODE_A).exists()


@pytest.mark.parametrize("name", ["units:import", "units:export", "units:import-template"])
def test_anonymous_visitor_is_sent_to_login(db, client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_kind_labels_are_the_file_vocabulary():
    assert excel.kind_labels()[1] == "养老机构"


# --- the pipeline's shape: header search, aliases, dry run, preview -------------------------------


def own_register(*rows, headers) -> SimpleUploadedFile:
    """A county's own register: two title rows and a note above the header, its own column names."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["南县养老机构名册"])
    ws.append(["填报单位：南县民政局"])
    ws.append([])
    ws.append(list(headers))
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("名册.xlsx", out.getvalue())


def test_header_is_found_below_title_rows_and_common_column_names_are_understood(world):
    upload = own_register(("南县德昌养老院", "养老机构", "430921", 60), (None, None, None, None),
                          ("南县三仙湖敬老院", "养老机构", "430921", 30),
                          headers=("机构名称", "机构类型", "区划代码", "床位"))
    result = import_units(world.nanxian, upload)
    assert result.ok, result.errors
    assert counts(result) == (2, 0, 0) and result.rows == 2  # the blank row is skipped
    assert Unit.objects.get(name="南县德昌养老院").beds == 60
    assert [(n.row, n.column, n.header) for n in result.notices] == [
        (4, "A", "单位名称"), (4, "B", "单位类型"), (4, "D", "床位数")]


def test_dry_run_saves_nothing_and_previews_each_unit_as_it_would_be_saved(world):
    before, audit_before = Unit.objects.count(), AuditEvent.objects.count()
    changed = row("南县福利院", **{"床位数": 150})
    result = import_units(world.nanxian, units_file(GOOD[0], changed), dry_run=True)
    assert result.ok, result.errors
    assert Unit.objects.count() == before and AuditEvent.objects.count() == audit_before
    assert Unit.objects.get(name="南县福利院").beds != 150
    assert [(p.number, p.outcome) for p in result.preview] == [(3, "created"), (4, "updated")]
    new, updated = (dict(zip(HEADERS, p.values, strict=True)) for p in result.preview)
    assert new["主管单位"] == "南县民政局" and new["运营状态"] == "运营中"  # as the service fills them in
    assert updated["床位数"] == 150 and updated["统一社会信用代码"] == world.nanxian_home.credit_code
    assert counts(result) == (1, 1, 0)


def test_dry_run_of_a_bad_file_gives_the_same_errors_as_the_import(world):
    rows = (GOOD[0], row("乙院", **{"联系电话": "123"}), row("丙院", region="430821"))
    expected = [("单位名录", 4, "H", "联系电话"), ("单位名录", 5, "C", "区划代码")]
    assert located(import_units(world.nanxian, units_file(*rows), dry_run=True)) == expected
    assert located(import_units(world.nanxian, units_file(*rows))) == expected


def test_every_error_names_its_rule(world):
    result = import_units(world.nanxian, units_file(row(None, **{"床位数": -1}), row("甲院"),
                                                    row("甲院", **{"床位数": 3})))
    assert [(e.row, e.column, e.rule) for e in result.errors] == [
        (3, "A", "required"), (3, "I", "format"), (5, "A", "duplicate")]


def preview_token(response) -> str:
    return re.search(r'name="token" value="([0-9a-f]+)"', response.content.decode()).group(1)


def test_import_page_previews_first_and_saves_only_on_confirm(world, client_for):
    client = client_for(world.nanxian)
    response = client.post(reverse("units:import"), {"file": units_file(*GOOD)})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="import-preview-rows"' in page and "南县三仙湖敬老院" in page and "新增" in page
    assert not Unit.objects.filter(credit_code__in=[CODE_A, CODE_B]).exists()
    client.post(reverse("units:import"), {"token": preview_token(response), "confirm": "1"})
    assert Unit.objects.filter(credit_code__in=[CODE_A, CODE_B]).count() == 2
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORT)
    assert event.changes["file"] == "单位名录.xlsx" and event.changes["created"] == 2


def test_a_preview_is_confirmed_once_and_only_by_its_uploader(world, client_for):
    client = client_for(world.nanxian)
    token = preview_token(client.post(reverse("units:import"), {"file": units_file(*GOOD)}))
    other = client_for(world.hunan)
    assert other.post(reverse("units:import"), {"token": token, "confirm": "1"}).status_code == 400
    assert not Unit.objects.filter(credit_code=CODE_A).exists()
    assert client.post(reverse("units:import"), {"token": token, "confirm": "1"}).status_code == 302
    again = client.post(reverse("units:import"), {"token": token, "confirm": "1"})
    assert again.status_code == 400 and "重新上传" in again.content.decode()
    assert Unit.objects.filter(credit_code=CODE_A).count() == 1


def test_confirm_checks_the_file_again(world, client_for):
    client = client_for(world.nanxian)
    token = preview_token(client.post(reverse("units:import"), {"file": units_file(GOOD[0])}))
    services.create_unit(world.nanxian, name="南县德昌养老院", kind="elderly_care", region_id="430921",
                         credit_code=CODE_B)  # between preview and confirm, someone registers the name
    response = client.post(reverse("units:import"), {"token": token, "confirm": "1"})
    assert response.status_code == 400 and 'id="import-errors"' in response.content.decode()
    assert not Unit.objects.filter(credit_code=CODE_A).exists()
