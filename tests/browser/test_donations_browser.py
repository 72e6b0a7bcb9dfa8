"""In a real browser, on the 2021 story: 株洲市装饰装修行业协会's staff record a member enterprise's gift of
yellow peaches and hand it over to 渌口区人民医院; the hospital's own staff count it and sign on a phone
with a photo; a visitor who never logs in opens the association's appeal on the public site and sees
28,000 yuan and the five kinds of goods with their quantities, and looks up a gift by its receipt."""

from __future__ import annotations

import io

import pytest

from tests.browser.conftest import DESKTOP, PHONE, shot
from tongxin.demo import donations_story as ds
from tongxin.demo import story

pytestmark = pytest.mark.browser


def _photo(tmp_path):
    from PIL import Image

    path = tmp_path / "签收单.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 190, 160)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_record_hand_over_sign_on_a_phone_and_the_public_page(demo_story, page_for, tmp_path):
    from tongxin.donations.models import Appeal, Donation, Handover, HandoverStatus, Stock
    from tongxin.units.models import Unit

    member = Unit.objects.filter(member_of__name=story.ASSOCIATION).order_by("name").first()
    desk = page_for(DESKTOP)
    desk.login("zhuzhou-assoc")
    desk.goto(f"{desk.base}/donations/donations/new/")
    desk.select_option("#id_donor_kind", "enterprise")
    desk.select_option("#id_donor_enterprise_id", str(member.pk))
    desk.check("#id_name_public")
    desk.check("input[name=gift][value=goods]")
    desk.fill("#id_name", "黄桃")
    desk.fill("#id_measure", "千克")
    desk.fill("#id_quantity", "50")
    desk.select_option("#id_valuation", "invoice")
    desk.fill("#id_unit_value", "12")
    desk.fill("#id_value", "600")
    desk.click("#donation-save")
    desk.wait_for_load_state()
    gift = Donation.objects.filter(donor_enterprise=member).order_by("-pk").first()
    assert gift is not None and gift.receipt_number and gift.receipt_number in desk.content()

    row = Stock.objects.get(unit__name=story.ASSOCIATION, appeal=None, item__name="黄桃")
    assert row.quantity == 50
    desk.goto(f"{desk.base}/donations/handovers/new/")
    desk.select_option("#id_recipient", label=ds.HOSPITAL)
    desk.select_option("#id_stock_1", str(row.pk))
    desk.fill("#id_quantity_1", "50")
    desk.fill("#id_carrier", ds.CARRIER)
    desk.click("#handover-send")
    desk.wait_for_load_state()
    assert "已发出，待签收" in desk.locator("#handover-status").inner_text()
    shot(desk, "donations-handover-sent-desktop")
    handover = Handover.objects.filter(unit__name=story.ASSOCIATION, appeal=None).get()

    phone = page_for(PHONE)
    phone.login("lukou-hospital")
    phone.goto(f"{phone.base}/donations/handovers/")
    waiting = phone.locator("#handovers-waiting")
    assert "黄桃 50千克" in waiting.inner_text()
    shot(phone, "donations-handovers-waiting-phone")
    waiting.get_by_text(story.ASSOCIATION).first.click()
    phone.wait_for_load_state()
    line = handover.lines.get()
    assert phone.input_value(f"#id_count_{line.pk}") == "50"
    phone.set_input_files("#handover-photos", _photo(tmp_path))
    shot(phone, "donations-handover-confirm-phone")
    phone.click("#handover-confirm")
    phone.wait_for_load_state()
    assert "已签收" in phone.locator("#handover-status").inner_text()
    handover.refresh_from_db()
    assert handover.status == HandoverStatus.RECEIVED and handover.evidence.count() == 1
    assert handover.received_by.username == "lukou-hospital"

    visitor = page_for(PHONE)  # never logs in
    appeal = Appeal.objects.get(title=ds.ZHUZHOU_APPEAL)
    visitor.goto(f"{visitor.base}/")
    assert "/public/" in visitor.url
    visitor.goto(f"{visitor.base}/public/appeals/{appeal.pk}/")
    assert visitor.locator("#cash-total").inner_text() == "28,000.00"
    table = visitor.locator("table").first.inner_text()
    for goods, quantity in ds.ZHUZHOU_GOODS.items():
        label = f"{goods.name}（{goods.specification}）" if goods.specification else goods.name
        assert label in table and f"{quantity:,}" in table, (label, table)
    shot(visitor, "donations-public-appeal-phone")
    wide = page_for(DESKTOP)
    wide.goto(f"{wide.base}/public/appeals/{appeal.pk}/")
    shot(wide, "donations-public-appeal-desktop")

    # the donor looks up where the gift went, by the receipt's number and code
    visitor.goto(f"{visitor.base}/public/lookup/")
    visitor.fill("#id_receipt", gift.receipt_number)
    visitor.fill("#id_code", "WRONG000")
    visitor.locator("form button[type=submit]").last.click()
    visitor.wait_for_load_state()
    assert ds.HOSPITAL not in visitor.content()
    visitor.fill("#id_receipt", gift.receipt_number)
    visitor.fill("#id_code", gift.lookup_code)
    visitor.locator("form button[type=submit]").last.click()
    visitor.wait_for_load_state()
    assert ds.HOSPITAL in visitor.content()
    shot(visitor, "donations-public-lookup-phone")
