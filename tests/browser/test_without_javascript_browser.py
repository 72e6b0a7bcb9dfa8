"""In a browser with JavaScript off: the phone menu opens and a home corrects its report (issue 8, item 9)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, PHONE, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def no_js(browser, live_server):
    """no_js(size): a signed-in page of a browser context with scripts disabled."""
    contexts = []

    def make(size, username):
        ctx = browser.new_context(viewport=size, locale="zh-CN", java_script_enabled=False,
                                  is_mobile=size["width"] < 600, has_touch=size["width"] < 600)
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(15000)
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "Tongxin#2021")
        page.click("#login-submit")
        page.wait_for_url(f"{live_server.url}/")
        page.base = live_server.url
        return page

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def filed(transactional_db):
    from tests.reports.conftest import END, START, at, good_values
    from tests.world import build_world
    from tongxin.regions.models import Region
    from tongxin.regions.services import load_divisions
    from tongxin.reports import services
    from tongxin.units.models import Kind

    load_divisions(["43"])  # a transactional test starts from an empty database
    world = build_world()
    (version,) = services.load_builtin_forms()
    daily = services.create_assignment(
        world.hunan, form=version.form, issuer=world.province, region=Region.objects.get(code="430000"),
        name="养老机构疫情防控日报", deadline=at(START, 10).time(), start_date=START, end_date=END,
        unit_kinds=[Kind.ELDERLY_CARE])
    return services.submit_report(world.home_reporter, assignment=daily, unit=world.nanxian_home, day=START,
                                  values=good_values(), now=at(START, 9)).report


def test_the_phone_menu_opens_without_javascript(filed, no_js):
    phone = no_js(PHONE, "nanxian-home-01")
    assert not phone.is_visible("#tx-nav")
    assert not phone.is_visible("button.navbar-toggler")  # Bootstrap's button would do nothing
    phone.click("label[for=tx-nav-toggle]")
    assert phone.is_visible("#tx-nav")
    shot(phone, "nojs-menu-open-phone")
    phone.locator("#tx-nav").get_by_role("link", name="今日报送").click()
    phone.wait_for_url("**/reports/")
    desk = no_js(DESKTOP, "nanxian-home-01")
    assert desk.is_visible("#tx-nav") and not desk.is_visible("label[for=tx-nav-toggle]")


def test_a_home_corrects_its_report_without_javascript(filed, no_js):
    from tongxin.reports.models import Report

    phone = no_js(PHONE, "nanxian-home-01")
    phone.goto(f"{phone.base}/reports/report/{filed.pk}/")
    assert not phone.is_visible("#correct-form")
    phone.click("#correct-button")
    assert phone.is_visible("#correct-form")
    phone.fill("input[name='residents_in_care']", "90")
    phone.fill("[name='tx-reason']", "漏报 4 名新入住老人")
    shot(phone, "nojs-correction-phone")
    phone.locator("#correct-form button[type=submit]").click()
    phone.wait_for_url(f"**/reports/report/{filed.pk}/")
    assert "第 2 版" in phone.locator("main").inner_text()
    report = Report.objects.get(pk=filed.pk)
    assert report.revision_count == 2 and report.values["residents_in_care"] == 90
