"""In a real browser, straight after `build_demo()` and nothing else: nanxian-home-01 files today's report
of the live drill (冬季安全生产) from a phone, then `nanxian` imports a unit list as a county keeps it
and reads its preview."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from tests.browser.conftest import DESKTOP, PHONE, shot
from tongxin.demo import live_story as drill
from tongxin.demo import story
from tongxin.demo.builder import build_demo

pytestmark = pytest.mark.browser

TODAYS_FIGURES = {"residents_in_care": "196", "staff_on_duty": "44", "night_staff": "6", "fire_patrols": "3",
                  "hazards_found": "0", "hazards_fixed": "0", "falls_or_injuries": "0", "respiratory_symptoms": "1"}
NEW_HOMES = ("南县惠民颐养院", "南县康宁老年公寓", "华阁镇幸福院")


@pytest.fixture
def demo_today(transactional_db, settings, tmp_path):
    """The demo as `tongxin demo` builds it today, with nothing added."""
    settings.MEDIA_ROOT = tmp_path / "media"
    wall, cpu = time.monotonic(), time.process_time()
    build_demo()
    # The cost of this test (pytest -s shows it): on a quiet machine about 25 s of CPU, a third of it the drill.
    print(f"demo build: {time.monotonic() - wall:.1f} s, {time.process_time() - cpu:.1f} s CPU")


def messy_unit_list(path):
    """A county's list as it is really kept: a merged title row above the headers, the county's own
    column names, a blank row inside the table.

    Written as messy as the current importer accepts. The lead may switch to what issue #8's importer
    work adds: the header 所在区划 with regions as names (南县) instead of 区划 with codes, and the notes
    rows under the table (填表人 / 填表日期).
    """
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["南县新增养老机构名单（2026 年冬季）"])
    ws.merge_cells("A1:F1")
    ws.append(["机构名称", "机构类型", "区划", "床位", "联系电话", "地址"])
    ws.append([NEW_HOMES[0], "养老机构", story.NANXIAN, 80, "13807370001", "南县南洲镇惠民路 1 号"])
    ws.append([NEW_HOMES[1], "养老机构", story.NANXIAN, 60, "13807370002", "南县三仙湖镇康宁路 2 号"])
    ws.append([None] * 6)
    ws.append([NEW_HOMES[2], "养老机构", story.NANXIAN, 36, "0737-5521234", "南县华阁镇华阁社区"])
    wb.save(path)
    return str(path)


def test_file_todays_drill_report_on_a_phone_then_import_a_county_list(demo_today, page_for, tmp_path):
    from tongxin.reports.models import Report
    from tongxin.units.models import Unit

    phone = page_for(PHONE)
    phone.login("nanxian-home-01")
    phone.get_by_role("link", name="今日报送").first.click()
    phone.wait_for_url("**/reports/")
    task = phone.locator(".tx-task").filter(has_text=drill.REPORT_NAME)
    assert task.locator(".tx-status").first.inner_text().strip() == "未报"
    task.get_by_role("link", name="填报").click()
    phone.wait_for_url("**/reports/file/**")
    for key, value in TODAYS_FIGURES.items():
        phone.fill(f"input[name='{key}']", value)
    for key in ("heating_checked", "gas_checked"):
        phone.locator(f"label[for='id_{key}_true']").click()
    phone.click("#submit-report")
    phone.wait_for_load_state()
    assert "已报送" in phone.locator(".alert").first.inner_text()
    shot(phone, "live-drill-filed-phone")
    report = Report.objects.get(assignment__name=drill.REPORT_NAME, unit__name=story.NANXIAN_HOMES[0].name,
                                day=timezone.localdate())
    assert report.values["residents_in_care"] == 196 and report.revisions.get().filed_by.username == "nanxian-home-01"

    desk = page_for(DESKTOP)
    desk.login("nanxian")
    desk.goto(f"{desk.base}/units/import/")
    desk.set_input_files("#id_file", messy_unit_list(tmp_path / "南县新增养老机构.xlsx"))
    desk.get_by_role("button", name="上传并预览").click()
    desk.wait_for_selector("#import-preview-rows")
    rows = desk.locator("#import-preview-rows tbody tr")
    assert rows.count() == len(NEW_HOMES)
    text = desk.locator("#import-preview-rows").inner_text()
    assert all(name in text for name in NEW_HOMES)
    assert "共 3 行" in desk.locator("#import-preview-summary").inner_text()
    assert "“机构名称”列按“单位名称”导入" in desk.locator("#import-notices").inner_text()
    assert not Unit.objects.filter(name__in=NEW_HOMES).exists()  # a preview saves nothing
    shot(desk, "live-drill-import-preview-desktop")
