"""In a real browser: 南县's officer imports the county's own messy unit list and reads its preview first."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, PHONE, shot
from tests.units import messy
from tongxin.demo.builder import build_demo

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db):
    build_demo()


@pytest.mark.parametrize(("size", "label"), [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_nanxian_previews_a_messy_county_list_then_imports_it(demo, page_for, size, label):
    from tongxin.units.models import Unit

    page = page_for(size)
    page.login("nanxian")
    page.goto(f"{page.base}/units/import/")
    upload = messy.county_register()
    page.set_input_files("#id_file", files=[{"name": upload.name, "buffer": upload.read(),
                                             "mimeType": "application/vnd.openxmlformats-officedocument"
                                                         ".spreadsheetml.sheet"}])
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_selector("#import-preview")
    summary = page.locator("#import-preview-summary").inner_text()
    assert "新增 3 个" in summary
    assert page.locator("#import-preview-rows tbody tr[id^=preview-row-]").count() == 3
    assert "“敬老院”按单位类型“养老机构”导入" in page.locator("#import-preview-rows").inner_text()
    assert "合计行，已跳过" in page.locator("#import-notices").inner_text()
    assert page.locator("#import-errors").count() == 0
    assert not Unit.objects.filter(name="南县光荣院").exists()  # nothing saved by the preview
    shot(page, f"unit-import-preview-{label}")
    page.click("button[name=confirm]")
    page.wait_for_url(f"{page.base}/units/")
    names = ["南县德昌养老院", "南县三仙湖镇敬老院", "南县光荣院"]
    assert Unit.objects.filter(name__in=names, region_id="430921").count() == 3
