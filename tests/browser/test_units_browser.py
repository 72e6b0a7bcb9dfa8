"""In a real browser: the 南县 officer sees 南县's 17 homes and none of 慈利县's."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, PHONE, shot

pytestmark = pytest.mark.browser



@pytest.mark.parametrize(("size", "label"), [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_nanxian_sees_its_17_homes_and_none_of_cili(demo_story, page_for, size, label):
    page = page_for(size)
    page.login("nanxian")
    page.goto(f"{page.base}/units/?kind=elderly_care")
    rows = page.locator("#unit-table tbody tr")
    names = [n.strip() for n in page.locator("#unit-table tbody td.tx-primary a").all_inner_texts()]
    assert rows.count() == 17
    assert len(names) == 17
    assert all(name for name in names)
    regions = set(page.locator("#unit-table tbody td[data-label='所在区划']").all_text_contents())
    assert {r.strip() for r in regions} == {"南县"}
    assert "慈利" not in page.content()
    assert page.locator("text=共 17 个").count() == 1
    shot(page, f"units-{label}")


def test_cili_cannot_open_a_nanxian_home(demo_story, page_for):
    from tongxin.units.models import Unit

    home = Unit.objects.filter(region_id="430921", kind="elderly_care").first()
    page = page_for(DESKTOP)
    page.login("cili")
    response = page.goto(f"{page.base}/units/{home.pk}/")
    assert response.status == 404
    assert home.name not in page.content()
