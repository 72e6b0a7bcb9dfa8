"""The receiving side in a browser: 张家界市民政局's officer forwards the province's urgent notice to her
counties from the desktop, and 慈利县民政局's officer signs for it on a phone with one tap."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests.browser.conftest import DESKTOP, PHONE, shot


def test_zhangjiajie_forwards_and_cili_signs_on_a_phone(transactional_db, page_for):
    from tests.command.receiving_helpers import delivery, issue, zhangjiajie_officer
    from tests.world import build_world
    from tongxin.command.models import Delivery
    from tongxin.regions.services import load_divisions

    load_divisions(["43"])  # transactional tests run last and may find the tables emptied
    world = build_world()
    zhangjiajie_officer(world)
    notice = issue(world, target_kinds=["bureau"], target_levels=["city"], now=timezone.now() - dt.timedelta(minutes=5))
    city_copy = delivery(notice, world.zhangjiajie)

    desk = page_for(DESKTOP)
    desk.login("zhangjiajie")
    desk.goto(f"{desk.base}/command/deliveries/{city_copy.pk}/")
    form = desk.locator("#forward-form")
    form.locator("textarea[name=requirements]").fill("各区县民政局：请立即转发至辖区各养老机构，当日完成部署。")
    form.locator("details", has_text="接收单位类型").locator("summary").click()
    form.locator("input[name=target_kinds][value=bureau]").check()
    shot(desk, "delivery-forward-desktop")
    form.locator("#forward-button").click()
    desk.locator("#forwarded-as").wait_for()
    forward = Delivery.objects.get(pk=city_copy.pk).forwarded_as
    county_copy = delivery(forward, world.cili_bureau)

    phone = page_for(PHONE)
    phone.login("cili")
    phone.goto(f"{phone.base}/command/deliveries/{county_copy.pk}/")
    assert "张家界市民政局" in phone.locator("main").inner_text()  # the forward's issuer
    assert "湖南省民政厅" in phone.locator("#chain-up").inner_text()  # … and the original above it
    button = phone.locator("#sign-button")
    box = button.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] >= 56  # one big tap target on a phone
    shot(phone, "delivery-sign-phone")
    button.tap()
    phone.locator("#signed-badge").wait_for()  # the same page again, now signed
    signed = Delivery.objects.get(pk=county_copy.pk)
    assert signed.signed_by.username == "cili" and signed.signed_as == "staff"
    shot(phone, "delivery-signed-phone")
