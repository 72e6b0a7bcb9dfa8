"""Unit lists as counties keep them: every workbook of the messy corpus (tests/units/messy.py) imported,
and its report checked row by row — which rows are created, updated, skipped, refused, and what is said."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.units import messy
from tongxin.core.models import AuditEvent
from tongxin.regions.services import load_divisions
from tongxin.units.excel import import_units
from tongxin.units.models import Kind, Unit


def outcomes(result) -> dict[int, str]:
    return {p.number: p.outcome for p in result.preview}


def errors(result) -> list[tuple]:
    return [(e.row, e.column, e.rule) for e in result.errors]


def notices(result) -> list[tuple]:
    return [(e.row_label, e.column, e.rule) for e in result.notices]


def said(result, row_label: str, column: str) -> str:
    return " | ".join(m.message for m in [*result.errors, *result.notices]
                      if m.row_label == row_label and m.column == column)


def test_a_county_register_with_title_aliases_names_blank_row_total_and_notes_imports(world):
    result = import_units(world.nanxian, messy.county_register())
    assert result.ok, [str(e) for e in result.errors]
    assert outcomes(result) == {4: "created", 5: "created", 7: "created"}  # 6 blank, 8 total, 9–12 notes
    assert result.rows == 3
    assert notices(result) == [
        ("3", "A", "header"),  # 序号 ignored
        ("3", "B", "alias"), ("3", "C", "alias"), ("3", "D", "alias"), ("3", "F", "alias"), ("3", "H", "alias"),
        ("3", "J", "header"),  # 备注 ignored
        ("4", "D", "alias"), ("5", "C", "alias"), ("5", "D", "alias"), ("7", "C", "alias"), ("7", "D", "alias"),
        ("8", "", "skipped"), ("9–12", "", "skipped"),
    ]
    assert "“床位（张）”列按“床位数”导入" in said(result, "3", "H")
    assert "“南县”按 湖南省益阳市南县（430921） 导入" in said(result, "4", "D")
    assert "“敬老院”按单位类型“养老机构”导入" in said(result, "5", "C")
    assert "合计" in said(result, "8", "") and "填表人" in said(result, "9–12", "")
    home = Unit.objects.get(name="南县三仙湖镇敬老院")
    assert (home.region_id, home.kind, home.beds, home.residents, home.contact_person, home.phone) == (
        "430921", Kind.ELDERLY_CARE, 45, 30, "王强", "07375221234")
    assert Unit.objects.get(name="南县光荣院").kind == Kind.ELDERLY_CARE
    assert not Unit.objects.filter(name__in=["合计", "填表人：张敏"]).exists()


def test_full_width_digits_thousands_commas_and_plus_86_phones_are_read(world):
    result = import_units(world.nanxian, messy.fullwidth_and_phones())
    assert result.ok, [str(e) for e in result.errors]
    assert outcomes(result) == {2: "created", 3: "created", 4: "created"}
    assert notices(result) == [("2", "C", "alias")]  # the full-width code, said as read
    got = {u.name: (u.region_id, u.phone, u.beds, u.residents, u.staff)
           for u in Unit.objects.filter(name__in=["南县明德养老院", "南县惠民养老院", "南县康乐养老院"])}
    assert got == {
        "南县明德养老院": ("430921", "13807370021", 120, 86, 21),
        "南县惠民养老院": ("430921", "07375221235", 1200, 1000, 35),
        "南县康乐养老院": ("430921", "13807370023", 80, 60, 12),
    }


def test_words_in_number_cells_are_refused_with_what_to_write_and_nothing_is_saved(world):
    result = import_units(world.nanxian, messy.words_in_numbers())
    assert errors(result) == [(3, "D", "format"), (4, "E", "format"), (4, "F", "format")]
    assert "“五十”是汉字，请用阿拉伯数字填写" in said(result, "3", "D")
    assert "阿拉伯数字" in said(result, "4", "E")
    assert "“12人”请只填写数字，不要带单位" in said(result, "4", "F")
    assert not Unit.objects.filter(name="南县康乐养老院").exists()  # the good row 5 waits for the others


def test_formulas_are_refused_in_any_column_and_never_evaluated(world):
    result = import_units(world.nanxian, messy.formulas())
    assert errors(result) == [(3, "D", "formula"), (4, "F", "formula"), (5, "A", "formula")]
    assert all("选择性粘贴为数值" in e.message for e in result.errors)
    assert "60" not in said(result, "3", "D")
    assert not Unit.objects.filter(name__contains="康乐").exists()


def test_regions_by_name_are_resolved_in_scope_and_unknown_or_ambiguous_names_are_said(world):
    load_divisions(["13", "41"])  # 新华区 in 石家庄, 沧州 and 平顶山: real ambiguity, all outside Hunan
    result = import_units(world.hunan, messy.regions_by_name())
    assert errors(result) == [(5, "C", "format"), (6, "C", "format"), (7, "C", "format")]
    assert "“湘潭”可能是：湖南省湘潭市（430300）、湖南省湘潭市湘潭县（430321）" in said(result, "5", "C")
    assert "河北省石家庄市新华区（130105）、河北省沧州市新华区（130902）" in said(result, "6", "C")
    assert "不在您的辖区内" in said(result, "6", "C")
    assert "找不到名为“北县”的行政区划" in said(result, "7", "C")
    # The rows that did resolve say how.
    assert "湖南省邵阳市城步苗族自治县（430529）" in said(result, "3", "C")
    assert "湖南省益阳市南县（430921）" in said(result, "4", "C")
    assert "湖南省张家界市慈利县（430821）" in said(result, "8", "C")
    assert not Unit.objects.filter(name="城步县社会福利院").exists()


def test_the_same_names_resolve_when_written_unambiguously(world):
    fixed = messy.workbook([("单位名称", "单位类型", "所属区县"), ("城步县社会福利院", "福利院", "城步"),
                            ("湘潭县中心敬老院", "敬老院", "湘潭市湘潭县")])
    result = import_units(world.hunan, fixed)
    assert result.ok, [str(e) for e in result.errors]
    units = Unit.objects.filter(name__in=["城步县社会福利院", "湘潭县中心敬老院"])
    assert dict(units.values_list("name", "region_id")) == {"城步县社会福利院": "430529", "湘潭县中心敬老院": "430321"}


def test_kinds_by_their_common_names_map_to_kinds_each_said_once(world):
    result = import_units(world.nanxian, messy.kind_synonyms())
    assert result.ok, [str(e) for e in result.errors]
    assert set(outcomes(result).values()) == {"created"} and len(result.preview) == 8
    assert notices(result) == [("2", "B", "alias"), ("3、10", "B", "alias"), ("4", "B", "alias"),
                               ("5", "B", "alias"), ("6", "B", "alias"), ("7", "B", "alias"), ("8", "B", "alias")]
    kinds = dict(Unit.objects.filter(name__startswith="南县", region_id="430921").values_list("name", "kind"))
    assert {name: kinds[name] for name in ("南县城西敬老院", "南县社会福利院", "南县儿童福利院", "南县救助站",
                                           "南县乡镇社工站", "南县殡仪馆", "南县茅草街镇敬老院")} == {
        "南县城西敬老院": Kind.ELDERLY_CARE, "南县社会福利院": Kind.ELDERLY_CARE,
        "南县儿童福利院": Kind.CHILD_WELFARE, "南县救助站": Kind.RESCUE_STATION,
        "南县乡镇社工站": Kind.SOCIAL_WORK, "南县殡仪馆": Kind.FUNERAL, "南县茅草街镇敬老院": Kind.ELDERLY_CARE}
    assert "“救助站”按单位类型“救助管理站”导入" in said(result, "6", "B")


def test_repeated_rows_are_skipped_and_likely_duplicates_in_the_file_are_noticed(world):
    result = import_units(world.nanxian, messy.repeated_rows())
    assert result.ok
    assert outcomes(result) == {3: "created", 4: "created", 5: "skipped", 6: "created", 7: "skipped"}
    assert result.counts["skipped"] == 2 and result.counts["created"] == 3
    assert notices(result) == [("5", "", "skipped"), ("6", "A", "duplicate"), ("7", "", "skipped")]
    assert "与第 3 行完全相同" in said(result, "5", "")
    assert "可能与第 4 行的“南县明德养老院”是同一单位" in said(result, "6", "A")
    assert Unit.objects.filter(name="南县德昌养老院").count() == 1


def test_likely_duplicates_of_registered_units_are_warnings_not_errors(world):
    result = import_units(world.nanxian, messy.likely_duplicates())
    assert result.ok
    assert outcomes(result) == {3: "created", 4: "created", 5: "unchanged", 6: "created"}
    assert ("3", "A", "duplicate") in notices(result) and ("4", "A", "duplicate") in notices(result)
    assert not [n for n in result.notices if n.rule == "duplicate" and n.row in (5, 6)]
    assert "可能与已登记的“南县福利院”是同一单位" in said(result, "3", "A")
    assert "可能与已登记的“南县南洲镇敬老院”是同一单位" in said(result, "4", "A")


def test_units_outside_the_officers_county_are_refused_and_the_refusal_is_audited(world):
    result = import_units(world.nanxian, messy.out_of_scope(), filename="外县名录.xlsx")
    assert errors(result) == [(4, "C", "format"), (5, "C", "format"), (6, "C", "format")]
    assert "湖南省张家界市慈利县（430821）不在您的辖区内" in said(result, "5", "C")
    assert not Unit.objects.filter(name="南县德昌养老院").exists()
    (event,) = AuditEvent.objects.filter(action=AuditEvent.Action.REJECTED)
    assert event.actor_id == world.nanxian.pk and event.changes["file"] == "外县名录.xlsx"
    assert event.changes["errors"] == 3 and event.region_code.startswith("4309")
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT).exists()


def test_header_problems_are_reported_beside_every_cell_problem(world):
    result = import_units(world.nanxian, messy.header_and_cell_problems())
    assert errors(result) == [(2, "", "header"), (3, "C", "format"), (4, "B", "format"), (4, "D", "no_header")]
    assert "缺少“单位类型”列" in result.errors[0].message
    assert not [e for e in result.errors if e.rule == "required"]  # the missing column is not 2 more errors


@pytest.mark.parametrize("name", sorted(messy.CORPUS))
def test_every_corpus_workbook_gets_a_page_not_a_500(world, client_for, name):
    actor = world.hunan if name == "regions_by_name" else world.nanxian
    response = client_for(actor).post(reverse("units:import"), {"file": messy.CORPUS[name]()})
    assert response.status_code in (200, 400)
    page = response.content.decode()
    if response.status_code == 200:
        assert 'id="import-preview-rows"' in page
    else:
        assert 'id="import-errors"' in page


def test_the_preview_shows_notices_apart_from_errors_with_rows_and_what_each_row_does(world, client_for):
    client = client_for(world.nanxian)
    response = client.post(reverse("units:import"), {"file": messy.repeated_rows()})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="import-errors"' not in page
    assert page.count('class="tx-row-notes"') == 3  # rows 5, 6 and 7 carry their own notices
    summary = page[page.index('id="import-preview-summary"'):][:400]
    assert "3" in summary and "2" in summary  # 3 created, 2 skipped
    assert "跳过" in page and "与第 3 行完全相同" in page
    assert not Unit.objects.filter(name="明德养老院").exists()  # only a preview


def test_a_rejected_upload_on_the_page_is_one_audit_event_with_file_and_error_count(world, client_for):
    client = client_for(world.nanxian)
    response = client.post(reverse("units:import"), {"file": messy.out_of_scope()})
    assert response.status_code == 400
    (event,) = AuditEvent.objects.filter(action=AuditEvent.Action.REJECTED)
    assert (event.actor_name, event.changes["file"], event.changes["errors"]) == ("nanxian", "外县名录.xlsx", 3)
    assert event.changes["preview"] is True and len(event.changes["first_errors"]) == 3
