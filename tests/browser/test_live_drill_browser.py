"""In a real browser, on the demo exactly as `tongxin demo` builds it today: nanxian-home-01 files today's report
of the live drill (冬季安全生产) from a phone, then `nanxian` imports a unit list as a county keeps it
and reads its preview."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.browser.conftest import DESKTOP, PHONE, shot
from tests.units import messy
from tongxin.demo import live_story as drill
from tongxin.demo import story

pytestmark = pytest.mark.browser

TODAYS_FIGURES = {"residents_in_care": "196", "staff_on_duty": "44", "night_staff": "6", "fire_patrols": "3",
                  "hazards_found": "0", "hazards_fixed": "0", "falls_or_injuries": "0", "respiratory_symptoms": "1"}
NEW_HOMES = ("南县德昌养老院", "南县三仙湖镇敬老院", "南县光荣院")  # the rows of messy.county_register()


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
    # The county's own register (tests/units/messy.py): merged title and subtitle, 序号 and 备注 columns,
    # 机构名称 / 所在区划 / 床位（张）, regions as 南县 and 益阳市南县, kinds as 敬老院 and 光荣院, a blank row,
    # a total row with formulas and 填表人 / 审核人 / 填表日期 notes under the table.
    upload = messy.county_register()
    desk.set_input_files("#id_file", files=[{"name": upload.name, "buffer": upload.read(),
                                             "mimeType": "application/vnd.openxmlformats-officedocument"
                                                         ".spreadsheetml.sheet"}])
    desk.get_by_role("button", name="上传并预览").click()
    desk.wait_for_selector("#import-preview-rows")
    assert desk.locator("#import-errors").count() == 0
    assert "新增 3 个" in desk.locator("#import-preview-summary").inner_text()
    rows = desk.locator("#import-preview-rows tbody tr[id^=preview-row-]")
    assert rows.count() == len(NEW_HOMES)
    text = desk.locator("#import-preview-rows").inner_text()
    assert all(name in text for name in NEW_HOMES)
    assert "“敬老院”按单位类型“养老机构”导入" in text
    notices = desk.locator("#import-notices").inner_text()
    assert "“机构名称”列按“单位名称”导入" in notices and "合计行，已跳过" in notices
    assert not Unit.objects.filter(name__in=NEW_HOMES).exists()  # a preview saves nothing
    shot(desk, "live-drill-import-preview-desktop")
    desk.click("button[name=confirm]")
    desk.wait_for_url(f"{desk.base}/units/")
    assert Unit.objects.filter(name__in=NEW_HOMES, region_id=story.NANXIAN).count() == len(NEW_HOMES)
