"""In a real browser, under the site's Content-Security-Policy (issue #12): no page asks for anything the
policy refuses, and the pages' JavaScript still works — a chart draws and answers a hover, an htmx
request fills the region picker, the form builder adds a row, the API docs render.

A violation shows twice: as a `securitypolicyviolation` event (collected by a script Playwright adds
before the page's own, which the policy does not govern) and as a console error; either fails the test.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, PHONE, shot

pytestmark = pytest.mark.browser

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  var where = (e.sourceFile || "") + ":" + e.lineNumber;
  window.__csp.push([e.violatedDirective, e.blockedURI || "inline", where].join(" "));
});
"""


def watched(page_for, size):
    page = page_for(size)
    page.context.add_init_script(WATCH)
    page.console_csp = []
    page.on("console", lambda m: page.console_csp.append(m.text)
            if "Content Security Policy" in m.text or "Content-Security-Policy" in m.text else None)
    return page


def violations(page) -> list[str]:
    return list(page.evaluate("window.__csp || []")) + page.console_csp


def test_pages_run_under_the_policy_with_their_scripts_working(demo_story, page_for):
    desk = watched(page_for, DESKTOP)
    desk.login("hunan")

    # A chart (ECharts, data from json_script): it draws a canvas and its tooltip shows on a hover.
    response = desk.goto(f"{desk.base}/donations/overview/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    chart = desk.locator(".tx-chart canvas").first
    chart.wait_for()
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    desk.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    desk.wait_for_timeout(400)  # the tooltip (drawn on the canvas: renderMode "richText" sets no style attribute)
    shot(desk, "csp-donations-overview-desktop")
    assert violations(desk) == []

    # htmx: typing in the region picker fetches matching regions into its menu.
    desk.goto(f"{desk.base}/ledger/")
    desk.locator("#id_region").fill("南县")
    desk.locator("#id_region-options *").filter(has_text="南县").first.wait_for()
    shot(desk, "csp-ledger-picker-desktop")
    assert violations(desk) == []

    # The form builder's script (a static file now): "add a field" adds a row.
    desk.goto(f"{desk.base}/reports/forms/new/")
    before = desk.locator("#fields-rows > *").count()
    desk.click("[data-tx-add=fields]")
    assert desk.locator("#fields-rows > *").count() == before + 1
    assert desk.locator("#id_fields-TOTAL_FORMS").input_value() == str(before + 1)
    assert violations(desk) == []

    # The API docs: Swagger UI from the sidecar, its init script from ?script.
    desk.goto(f"{desk.base}/api/docs/")
    desk.locator("#swagger-ui .info").wait_for()
    desk.locator("#swagger-ui .opblock").first.wait_for()
    shot(desk, "csp-api-docs-desktop")
    assert violations(desk) == []

    phone = watched(page_for, PHONE)
    phone.goto(f"{phone.base}/accounts/login/")
    shot(phone, "csp-login-phone")
    phone.login("nanxian-home-01")
    phone.goto(f"{phone.base}/reports/")
    shot(phone, "csp-filing-today-phone")
    phone.goto(f"{phone.base}/public/")
    shot(phone, "csp-portal-phone")
    assert violations(phone) == []
