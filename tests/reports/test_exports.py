"""The day's consolidated table (汇总表): by region from the roll-ups, by unit from the latest values; xlsx and CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse

from tests.reports.conftest import at, good_values
from tests.world import IN_SERVICE_FROM
from tongxin.core.models import AuditEvent
from tongxin.regions.models import Region
from tongxin.reports import queries, services
from tongxin.units import services as unit_services
from tongxin.units.models import Kind

DAY = dt.date(2021, 8, 2)
COUNTS = ["应报", "按时", "迟报", "未报"]


@pytest.fixture
def filed(world, daily):
    """南县福利院 on time, 南县南洲镇敬老院 late, 慈利县零阳镇敬老院 missing."""
    services.submit_report(world.home_reporter, assignment=daily, unit=world.nanxian_home, day=DAY,
                           values=good_values(), now=at(DAY, 9, 0))
    services.submit_report(world.nanxian, assignment=daily, unit=world.nanxian_home_2, day=DAY,
                           values=good_values(residents_in_care=40, residents_vaccinated=30, staff_on_site=9,
                                              staff_vaccinated=9),
                           now=at(DAY, 11, 20))
    return daily


def get(client, kind: str, fmt: str, daily, **params):
    return client.get(reverse(f"reports:export-{kind}", args=[fmt]), {"assignment": daily.pk, "day": DAY, **params})


def sheet(response):
    assert response.status_code == 200, response.content[:300]
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]


def table(ws) -> list[dict]:
    header = [c.value for c in ws[2]]
    return [dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=3, values_only=True)]


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_region_table_total_is_the_sum_of_its_rows_and_matches_the_overview(world, filed, client_for):
    rows = table(sheet(get(client_for(world.hunan), "regions", "xlsx", filed, region="430000")))
    *regions, total = rows
    assert total["区划"] == "合计"
    assert {r["区划"] for r in regions} == {"益阳市", "张家界市"}
    for column in [*COUNTS, "在院老人数（合计，人）", "实行封闭管理（单位数）"]:
        assert total[column] == sum(r[column] for r in regions), column
    overview = queries.completeness(filed, Region.objects.get(code="430000"), DAY)
    assert [total[c] for c in COUNTS] == [overview.total.expected, overview.total.on_time, overview.total.late,
                                          overview.total.missing] == [3, 1, 1, 1]
    for r in overview.rows:
        (mine,) = [row for row in regions if row["区划代码"] == r.region.code]
        assert [mine[c] for c in COUNTS] == [r.expected, r.on_time, r.late, r.missing]


def test_region_table_sums_each_numeric_field_from_the_rollups(world, filed, client_for):
    rows = table(sheet(get(client_for(world.hunan), "regions", "xlsx", filed, region="430900")))
    nanxian, total = rows
    assert nanxian["区划"] == "南县" and total["区划"] == "合计"
    assert nanxian["在院老人数（合计，人）"] == 86 + 40 and nanxian["在岗工作人员数（合计，人）"] == 21 + 9
    assert nanxian["实行封闭管理（单位数）"] == 2 and total["今日核酸检测人次（合计，人次）"] == 107 * 2


def test_days_in_stock_are_the_lowest_and_the_average_never_the_sum(world, daily, client_for):
    """Two 南县 homes with 30 and 12 days of masks: 南县 has 12 at the least, 21 on average — not 42."""
    services.submit_report(world.nanxian, assignment=daily, unit=world.nanxian_home, day=DAY,
                           values=good_values(mask_days=30, disinfectant_days=25), now=at(DAY, 9))
    services.submit_report(world.nanxian, assignment=daily, unit=world.nanxian_home_2, day=DAY,
                           values=good_values(mask_days=12, disinfectant_days=6), now=at(DAY, 9))
    ws = sheet(get(client_for(world.hunan), "regions", "xlsx", daily, region="430000"))
    header = [c.value for c in ws[2]]
    assert "口罩储备天数（最小，天）" in header and "口罩储备天数（平均，天）" in header
    assert not [h for h in header if h.startswith("口罩储备天数（合计")]
    rows = {r["区划"]: r for r in table(ws)}
    assert rows["益阳市"]["口罩储备天数（最小，天）"] == 12 and rows["益阳市"]["口罩储备天数（平均，天）"] == 21
    assert rows["益阳市"]["消毒液储备天数（最小，天）"] == 6 and rows["益阳市"]["消毒液储备天数（平均，天）"] == 15.5
    assert rows["张家界市"]["口罩储备天数（最小，天）"] is None  # no home there filed: no lowest, not 0
    assert rows["合计"]["口罩储备天数（最小，天）"] == 12 and rows["合计"]["口罩储备天数（平均，天）"] == 21
    csv_header = list(csv_rows(get(client_for(world.hunan), "regions", "csv", daily, region="430000"))[0])
    assert "口罩储备天数（最小，天）" in csv_header


def test_headers_say_the_aggregate_in_english(world, filed, client_for):
    client = client_for(world.hunan)
    client.cookies["django_language"] = "en"
    header = [c.value for c in sheet(get(client, "regions", "xlsx", filed, region="430000"))[2]]
    assert "Days of masks in stock (min, days)" in header and "Residents in care (total, people)" in header


def test_region_table_is_built_without_reading_reports(world, filed, client_for, django_assert_max_num_queries):
    client = client_for(world.hunan)
    with django_assert_max_num_queries(30) as captured:
        sheet(get(client, "regions", "xlsx", filed, region="430000"))
    assert not [q for q in captured.captured_queries if "reports_report" in q["sql"]]


def test_unit_table_lists_a_missing_unit_as_not_filed(world, daily, client_for):
    services.submit_report(world.home_reporter, assignment=daily, unit=world.nanxian_home, day=DAY,
                           values=good_values(), now=at(DAY, 9, 5))
    rows = {r["单位名称"]: r for r in table(sheet(get(client_for(world.nanxian), "units", "xlsx", daily)))}
    assert set(rows) == {"南县福利院", "南县南洲镇敬老院"}
    assert rows["南县南洲镇敬老院"]["状态"] == "未报" and rows["南县南洲镇敬老院"]["报送时间"] is None
    home = rows["南县福利院"]
    assert home["状态"] == "按时" and home["所在区划"] == "南县"
    assert home["报送时间"] == dt.datetime(2021, 8, 2, 9, 5)  # Beijing time, as people read it
    assert home["在院老人数（人）"] == 86 and home["实行封闭管理"] == "是"  # a unit's own value: no aggregate


def test_unit_table_marks_late_and_zero_reports(world, filed, client_for):
    services.submit_report(world.cili, assignment=filed, unit=world.cili_home, day=DAY - dt.timedelta(days=1),
                           values=good_values(), now=at(DAY - dt.timedelta(days=1), 8))
    services.submit_report(world.cili, assignment=filed, unit=world.cili_home, day=DAY, zero=True, now=at(DAY, 8))
    rows = {r["单位名称"]: r["状态"] for r in table(sheet(get(client_for(world.hunan), "units", "xlsx", filed)))}
    assert rows == {"南县福利院": "按时", "南县南洲镇敬老院": "迟报", "慈利县零阳镇敬老院": "零报告"}


def test_unit_table_shows_the_latest_revision(world, filed, client_for):
    report = filed.reports.get(unit=world.nanxian_home, day=DAY)
    services.correct_report(world.nanxian, report, values=good_values(residents_in_care=90), reason="漏报")
    rows = {r["单位名称"]: r for r in table(sheet(get(client_for(world.nanxian), "units", "xlsx", filed)))}
    assert rows["南县福利院"]["在院老人数（人）"] == 90


def test_xlsx_has_a_merged_title_row_a_frozen_header_and_chinese_headers(world, filed, client_for):
    for kind in ("regions", "units"):
        ws = sheet(get(client_for(world.nanxian), kind, "xlsx", filed))
        assert "2021-08-02" in ws["A1"].value and "南县" in ws["A1"].value and "汇总表" in ws["A1"].value
        assert any(str(r).startswith("A1:") for r in ws.merged_cells.ranges)
        assert ws.freeze_panes == "A3"
        assert ws["A2"].font.bold
    units_header = [c.value for c in sheet(get(client_for(world.nanxian), "units", "xlsx", filed))[2]]
    assert units_header[:4] == ["单位名称", "所在区划", "状态", "报送时间"]


def test_csv_starts_with_a_bom_and_parses(world, filed, client_for):
    client = client_for(world.hunan)
    response = get(client, "units", "csv", filed)
    assert response["Content-Type"].startswith("text/csv") and ".csv" in response["Content-Disposition"]
    rows = {r["单位名称"]: r for r in csv_rows(response)}
    assert rows["慈利县零阳镇敬老院"]["状态"] == "未报" and rows["南县福利院"]["报送时间"] == "2021-08-02 09:00:00"
    regions = csv_rows(get(client, "regions", "csv", filed))
    assert regions[-1]["区划"] == "合计" and regions[-1]["应报"] == "3"


def test_csv_never_turns_a_name_into_a_formula(world, daily, client_for):
    unit_services.create_unit(None, name="=HYPERLINK(\"x\")养老院", kind=Kind.ELDERLY_CARE, region_id="430921",
                              in_service_from=IN_SERVICE_FROM)  # in service on the day exported
    rows = csv_rows(get(client_for(world.nanxian), "units", "csv", daily))
    assert "'=HYPERLINK(\"x\")养老院" in {r["单位名称"] for r in rows}


@pytest.mark.parametrize("kind", ["regions", "units"])
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_stranger_gets_404_exporting_another_county(world, filed, client_for, kind, fmt):
    assert get(client_for(world.cili), kind, fmt, filed, region="430921").status_code == 404


def test_reporter_cannot_export_a_regions_table(world, filed, client_for):
    assert get(client_for(world.home_reporter), "regions", "xlsx", filed, region="430921").status_code == 404


def test_unknown_format_or_assignment_is_404(world, filed, client_for):
    client = client_for(world.nanxian)
    assert get(client, "units", "pdf", filed).status_code == 404
    assert client.get(reverse("reports:export-units", args=["xlsx"]), {"assignment": 999999}).status_code == 404


def test_a_bad_day_gets_words_not_a_500(world, filed, client_for):
    response = get(client_for(world.nanxian), "units", "xlsx", filed, day="2021-13-40")
    assert response.status_code == 400 and "报送日期" in response.content.decode()


def test_export_is_audited(world, filed, client_for):
    sheet(get(client_for(world.nanxian), "units", "xlsx", filed))
    event = AuditEvent.objects.get(action="export")
    assert event.actor_id == world.nanxian.pk and event.changes["region"] == "430921"


def test_a_past_days_tables_list_the_units_of_that_day_not_of_today(world, daily, client_for):
    unit_services.create_unit(None, name="南县新开养老院", kind=Kind.ELDERLY_CARE, region_id="430921")  # from today
    names = {r["单位名称"] for r in csv_rows(get(client_for(world.nanxian), "units", "csv", daily))}
    assert "南县新开养老院" not in names and "南县福利院" in names
    regions = csv_rows(get(client_for(world.nanxian), "regions", "csv", daily))
    assert regions[-1]["应报"] == str(len(names))
