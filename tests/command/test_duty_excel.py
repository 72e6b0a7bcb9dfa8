"""A week's rosters from Excel through the shared pipeline: the template, a preview, the confirm,
and every refusal named by sheet, row and column, with nothing saved."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.command.helpers import MONDAY
from tongxin.command import excel_duty
from tongxin.command.models import DutyShift

HEADERS = ["单位", "日期", "值班角色", "姓名", "联系电话", "开始时间", "结束时间", "班次"]


def workbook(rows, headers=HEADERS, title="值班表") -> SimpleUploadedFile:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    ws.append(["南县值班表（2021-08-02 至 08-08）"])
    ws.append(headers)
    for r in rows:
        ws.append(r)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile("值班表.xlsx", buffer.getvalue())


GOOD = [
    ["南县福利院", "2021-08-02", "带班领导", "张院长", "13907370001", "08:30", "17:30", "白班"],
    ["南县福利院", "2021-08-02", "值班人员", "南县福利院填报员", "13807371234", "17:30", "08:30", "夜班"],
    ["南县南洲镇敬老院", "2021-08-03", "值班员", "王芳", "0737-5221234", "08:00", "20:00", ""],
]


def test_a_county_uploads_a_week_for_two_homes(world):
    preview = excel_duty.import_rosters(world.nanxian, workbook(GOOD), week_start=MONDAY, dry_run=True)
    assert preview.ok and not DutyShift.objects.exists()
    assert preview.counts["units"] == 2 and preview.counts["shifts"] == 3
    result = excel_duty.import_rosters(world.nanxian, workbook(GOOD), week_start=MONDAY)
    assert result.ok and DutyShift.objects.count() == 3
    night = DutyShift.objects.get(name="南县福利院填报员")
    assert night.user == world.home_reporter  # the name of a member of the unit links the account
    assert night.ends_at.date().isoformat() == "2021-08-03" or night.ends_at > night.starts_at


def _errors(result) -> list[str]:
    return [str(e) for e in result.errors]


def test_overlapping_shifts_of_one_phone_are_refused_naming_the_row(world):
    rows = GOOD + [["南县南洲镇敬老院", "2021-08-02", "值班人员", "张院长", "13907370001", "12:00", "14:00", ""]]
    result = excel_duty.import_rosters(world.nanxian, workbook(rows), week_start=MONDAY)
    assert not result.ok and not DutyShift.objects.exists()
    assert any("第 6 行" in e and "第 3 行" in e and "重叠" in e for e in _errors(result))


def test_an_overlap_with_a_shift_kept_elsewhere_is_refused(world):
    excel_duty.import_rosters(world.nanxian, workbook(GOOD[:1]), week_start=MONDAY)
    rows = [["南县南洲镇敬老院", "2021-08-02", "值班人员", "张院长", "13907370001", "09:00", "10:00", ""]]
    result = excel_duty.import_rosters(world.nanxian, workbook(rows), week_start=MONDAY)
    assert not result.ok and "南县福利院" in _errors(result)[0]
    assert DutyShift.objects.count() == 1


def test_a_bad_phone_is_refused_at_its_cell(world):
    rows = [["南县福利院", "2021-08-02", "带班领导", "张院长", "12345", "08:30", "17:30", ""]]
    result = excel_duty.import_rosters(world.nanxian, workbook(rows), week_start=MONDAY)
    (error,) = result.errors
    assert (error.sheet, error.row, error.column, error.header) == ("值班表", 3, "E", "联系电话")
    assert not DutyShift.objects.exists()


def test_a_unit_outside_scope_and_a_date_outside_the_week_are_refused(world):
    rows = [["慈利县零阳镇敬老院", "2021-08-02", "带班领导", "覃芳", "13907441234", "08:30", "17:30", ""],
            ["南县福利院", "2021-08-09", "带班领导", "张院长", "13907370001", "08:30", "17:30", ""]]
    result = excel_duty.import_rosters(world.nanxian, workbook(rows), week_start=MONDAY)
    located = {(e.row, e.column) for e in result.errors}
    assert (3, "A") in located and (4, "B") in located
    assert "不在您可编排值班表的范围内" in _errors(result)[0] and "2021-08-08" in _errors(result)[1]
    assert not DutyShift.objects.exists()


def test_wrong_columns_are_named(world):
    headers = ["单位", "日期", "角色名", "姓名", "电话号", "开始时间", "结束时间"]
    result = excel_duty.import_rosters(world.nanxian, workbook(GOOD, headers=headers), week_start=MONDAY)
    text = " ".join(_errors(result))
    assert not result.ok and "值班角色" in text and "联系电话" in text
    assert not DutyShift.objects.exists()


@pytest.mark.parametrize("bad", ["8点半", "25:00", "上午"])
def test_an_unreadable_time_is_refused(world, bad):
    rows = [["南县福利院", "2021-08-02", "带班领导", "张院长", "13907370001", bad, "17:30", ""]]
    result = excel_duty.import_rosters(world.nanxian, workbook(rows), week_start=MONDAY)
    assert not result.ok and result.errors[0].column == "F"


def test_the_upload_page_previews_then_confirms(world, client_for):
    c = client_for(world.nanxian)
    assert c.get(reverse("command:duty-import")).status_code == 200
    template = c.get(reverse("command:duty-import-template"), {"week": "2021-08-02"})
    assert template.status_code == 200
    page = c.post(reverse("command:duty-import"), {"week": "2021-08-02", "file": workbook(GOOD)})
    assert page.status_code == 200 and "确认导入" in page.content.decode()
    assert not DutyShift.objects.exists()
    token = page.context["token"]
    done = c.post(reverse("command:duty-import"), {"confirm": "1", "token": token})
    assert done.status_code == 302 and DutyShift.objects.count() == 3


def test_the_upload_page_shows_wrong_columns_with_a_400(world, client_for):
    page = client_for(world.nanxian).post(reverse("command:duty-import"), {
        "week": "2021-08-02", "file": workbook(GOOD, headers=["单位", "日期", "姓名"])})
    assert page.status_code == 400 and "没有导入任何数据" in page.content.decode()


def test_the_template_imports_as_it_is_downloaded(world, client_for):
    body = b"".join(client_for(world.nanxian).get(reverse("command:duty-import-template"),
                                                  {"week": "2021-08-02"}).streaming_content)
    wb = openpyxl.load_workbook(io.BytesIO(body))
    assert [c.value for c in wb["值班表"][2]][:7] == HEADERS[:7]


def test_a_home_reporter_cannot_open_the_upload_of_others_but_may_upload_its_own(world, client_for):
    assert client_for(world.auditor).get(reverse("command:duty-import")).status_code == 403
    rows = [["南县南洲镇敬老院", "2021-08-03", "值班员", "王芳", "0737-5221234", "08:00", "20:00", ""]]
    result = excel_duty.import_rosters(world.home_reporter, workbook(rows), week_start=MONDAY)
    assert not result.ok and result.errors[0].column == "A"
