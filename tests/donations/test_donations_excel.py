"""The Excel batch of donations: preview, all-or-nothing, errors at sheet, row and column."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.donations.gifts import association
from tongxin.core.models import AuditEvent
from tongxin.donations import excel
from tongxin.donations.models import Donation, Stock
from tongxin.donations.services import donations as services

pytestmark = pytest.mark.django_db

ROW_CASH = ["企业", "株洲金典装饰工程有限公司", "", "", "是", "现金", "", "", "28000", "", "", "", "银行转账", "HX1",
            "", ""]
ROW_MASKS = ["个人", "王秀英", "", "13907441234", "否", "口罩", "KN95", "只", "1000", "发票", "2.5", "2500", "", "",
             "2023-12-31", "L1"]
ROW_WATER = ["匿名", "", "", "", "", "矿泉水", "550ml×24瓶", "箱", "180", "未估值", "", "", "", "", "", ""]


def workbook(rows, headers=excel.HEADERS) -> SimpleUploadedFile:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = excel.SHEET_TITLE
    ws.append(["乐善捐赠登记表"])
    ws.append(list(headers))
    for r in rows:
        ws.append(r)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile("捐赠.xlsx", buffer.getvalue())


def test_a_batch_is_previewed_then_recorded_with_members_linked(world):
    member, _second = association(world)
    preview = services.import_batch(world.leshan_staff, world.leshan, workbook([ROW_CASH, ROW_MASKS, ROW_WATER]),
                                    commit=False)
    assert preview.ok and preview.counts["created"] == 3 and not Donation.objects.exists()
    result = services.import_batch(world.leshan_staff, world.leshan, workbook([ROW_CASH, ROW_MASKS, ROW_WATER]))
    assert result.ok and Donation.objects.filter(unit=world.leshan).count() == 3
    assert Donation.objects.get(donor_enterprise=member).donor_credit_code == member.credit_code
    assert Stock.objects.count() == 3
    assert AuditEvent.objects.filter(action="import", unit_id=world.leshan.pk).exists()


def test_a_bad_row_saves_nothing_and_names_row_and_column(world):
    bad = ["个人", "李", "", "12345", "否", "口罩", "N95", "只", "-3", "发票", "2", "7",
           "", "", "", ""]
    wrong_value = ["企业", "某公司", "91430200MA4L0ABCD1", "", "", "口罩", "KN95", "只", "10", "发票", "2", "30",
                   "", "", "", ""]
    result = services.import_batch(world.leshan_staff, world.leshan, workbook([ROW_WATER, bad, wrong_value]))
    assert not result.ok and not Donation.objects.exists() and not Stock.objects.exists()
    text = [str(e) for e in result.errors]
    assert any("第 4 行" in e and "联系电话" in e for e in text)
    assert any("第 4 行" in e and "负数" in e for e in text)
    assert any("第 5 行" in e and "校验位" in e for e in text)


def test_an_unknown_donor_kind_is_named_at_its_column(world):
    row = ["团体", *ROW_WATER[1:]]
    result = services.import_batch(world.leshan_staff, world.leshan, workbook([row]))
    assert not result.ok and any("捐赠方类型" in str(e) for e in result.errors)


def test_the_template_downloads(world):
    response = excel.template_response()
    assert response.status_code == 200 and "xlsx" in response["Content-Disposition"]
