"""The ledger's workbook: 问题整改台账 in the customary layout (a campaign's summary is tests/inspections)."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
from django.urls import reverse

from tests.ledger import test_web as web

freeze, ledger = web.freeze, web.ledger  # the same six entries and frozen clock as the pages' tests

HEADERS = ("序号", "台账编号", "单位", "问题来源", "问题类别", "严重程度", "问题描述", "整改措施", "责任人", "联系电话",
           "发现日期", "整改时限", "整改状态", "是否逾期", "销号时间")


def workbook(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def rows(ws) -> list[dict]:
    return [dict(zip(HEADERS, r, strict=False)) for r in ws.iter_rows(min_row=3, values_only=True)]


def test_the_ledger_export_has_the_customary_layout(world, ledger, client_for):
    ws = workbook(client_for(world.nanxian).get(reverse("ledger:export"))).worksheets[0]
    assert ws["A1"].value == "问题整改台账（南县　2021-08-12）"
    assert any(str(r) == "A1:O1" for r in ws.merged_cells.ranges)
    assert ws.freeze_panes == "A3"
    assert tuple(c.value for c in ws[2]) == HEADERS
    body = rows(ws)
    assert [r["序号"] for r in body] == [1, 2, 3, 4]
    assert {r["台账编号"] for r in body} == {ledger[k].number for k in ("closed", "awaiting", "overdue", "in_time")}
    assert body[0]["台账编号"] == ledger["overdue"].number  # overdue first, as on the list


def test_a_row_carries_dates_as_dates_and_the_overdue_days(world, ledger, client_for):
    ws = workbook(client_for(world.nanxian).get(reverse("ledger:export"))).worksheets[0]
    by_number = {r["台账编号"]: r for r in rows(ws)}
    late = by_number[ledger["overdue"].number]
    assert (late["单位"], late["问题来源"], late["问题类别"], late["严重程度"]) == (
        "南县南洲镇敬老院", "督导检查", "燃气安全", "重大")
    assert late["发现日期"] == dt.datetime(2021, 8, 1) and late["整改时限"] == dt.datetime(2021, 8, 5)
    assert late["是否逾期"] == "是（7 天）" and late["整改状态"] == "挂账" and late["销号时间"] is None
    closed = by_number[ledger["closed"].number]
    assert closed["是否逾期"] == "否" and closed["整改状态"] == "已销号"
    assert isinstance(closed["销号时间"], dt.datetime)
    date_cell = next(c for c in ws["K"][2:] if c.value is not None)
    assert date_cell.number_format == "yyyy-mm-dd"


def test_the_export_follows_the_list_filters(world, ledger, client_for):
    ws = workbook(client_for(world.hunan).get(reverse("ledger:export"), {"overdue": "1"})).worksheets[0]
    assert {r["台账编号"] for r in rows(ws)} == {ledger["overdue"].number, ledger["cili_late"].number}


def test_the_export_is_scoped(world, ledger, client_for):
    ws = workbook(client_for(world.cili).get(reverse("ledger:export"))).worksheets[0]
    assert {r["台账编号"] for r in rows(ws)} == {ledger["cili_late"].number, ledger["cili_closed"].number}
    assert ws["A1"].value.startswith("问题整改台账（慈利县")
