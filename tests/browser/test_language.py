"""In a real browser: the language button switches the unit list to English and back."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, shot

pytestmark = pytest.mark.browser

ENGLISH_HEADERS = ["Unit name", "Unit type", "Region", "Contact", "Phone", "Beds", "Status"]



def test_language_button_switches_the_unit_list(demo_story, page_for):
    page = page_for(DESKTOP)
    page.login("nanxian")
    page.goto(f"{page.base}/units/")
    h1 = page.locator("main h1")
    assert h1.inner_text().strip().startswith("单位")

    page.click("button[name=language][value=en]")
    page.wait_for_selector("button[name=language][value=zh-hans]")
    assert page.url.startswith(f"{page.base}/units/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert h1.inner_text().strip().startswith("Units")
    headers = [h.strip() for h in page.locator("#unit-table thead th").all_inner_texts()]
    assert headers == ENGLISH_HEADERS
    assert page.locator("#unit-table tbody tr").count() > 0
    assert page.locator("text=Sign out").count() == 1
    shot(page, "units-desktop-en")

    page.click("button[name=language][value=zh-hans]")
    page.wait_for_selector("button[name=language][value=en]")
    assert h1.inner_text().strip().startswith("单位")
    headers = [h.strip() for h in page.locator("#unit-table thead th").all_inner_texts()]
    assert headers[0] == "单位名称"
