"""In a real browser, on the demo as `tongxin demo` builds it (the session's snapshot, `demo_today`):
`hunan` drafts, submits and approves (签发) an urgent notice to the city bureaus; `zhangjiajie`
forwards it to its county bureaus; `cili` signs it on a phone; and `hunan`'s board shows the counts
move at city (张家界市) and county (慈利县) level."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from tests.browser.conftest import DESKTOP, PHONE, shot

pytestmark = pytest.mark.browser

TITLE = "关于立即开展汛期民政服务机构安全隐患再排查的紧急通知"


def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def cell(page, level: int, row: str, col: str) -> str:
    return page.locator(f'table[data-level="{level}"] tr[data-row="{row}"] [data-col="{col}"]').inner_text().strip()


def test_issue_forward_sign_on_a_phone_and_watch_the_board(demo_today, page_for):
    from tongxin.command.models import Directive

    # 湖南省民政厅 drafts, submits and approves (hunan is a leader there too) a notice to the city bureaus.
    desk = page_for(DESKTOP)
    desk.login("hunan")
    desk.goto(f"{desk.base}/command/directives/")
    desk.click("#directive-new")
    desk.fill("#id_title", TITLE)
    desk.fill("#id_doc_number", "湘民电〔2021〕25号")
    desk.select_option("#id_urgency", "extra")
    desk.fill("#id_body", "各市州民政局：请立即组织对辖区民政服务机构开展安全隐患再排查。")
    desk.check("input[name='target_levels'][value='city']")
    desk.check("input[name='target_kinds'][value='bureau']")
    desk.fill("#id_sign_deadline", local(timezone.now() + dt.timedelta(hours=3)))
    desk.click("#directive-form button[type=submit]")
    desk.wait_for_selector("#action-submit")
    desk.click("#action-submit")
    desk.wait_for_selector("#action-approve")
    desk.click("#action-approve")
    desk.wait_for_selector("#board-link")
    notice = Directive.objects.get(title=TITLE)
    assert notice.status == Directive.Status.ISSUED and notice.approved_by.username == "hunan"
    assert notice.deliveries.count() == 14

    desk.click("#board-link")
    desk.wait_for_selector("#board-total")
    assert desk.locator('[data-total="delivered"]').inner_text() == "14"
    assert (cell(desk, 2, "430800", "delivered"), cell(desk, 2, "430800", "signed")) == ("1", "0")

    # 张家界市民政局 forwards it to its county bureaus (and so signs it).
    zjj = page_for(DESKTOP)
    zjj.login("zhangjiajie")
    zjj.goto(f"{zjj.base}/command/directives/{notice.pk}/")
    zjj.locator("#my-deliveries a").first.click()
    zjj.wait_for_selector("#forward-form")
    zjj.fill("#forward-form textarea[name='requirements']", "请各区县民政局今日内完成排查并报市局。")
    zjj.locator("#forward-form details").filter(has=zjj.locator("input[name='target_levels']")).locator(
        "summary").click()
    zjj.check("#forward-form input[name='target_levels'][value='county']")
    zjj.click("#forward-button")
    zjj.wait_for_selector("#forwarded-as")
    forward = Directive.objects.get(forwarded_from=notice)
    assert forward.deliveries.count() == 4  # 永定区, 武陵源区, 慈利县, 桑植县

    desk.reload()
    assert desk.locator('[data-total="delivered"]').inner_text() == "18"
    assert (cell(desk, 2, "430800", "delivered"), cell(desk, 2, "430800", "signed")) == ("5", "1")
    desk.click('table[data-level="2"] tr[data-row="430800"] a')
    desk.wait_for_url(re.compile(r".*region=430800"))
    assert (cell(desk, 3, "430821", "delivered"), cell(desk, 3, "430821", "signed")) == ("1", "0")
    assert cell(desk, 3, "own-430800", "signed") == "1"

    # 慈利县民政局 signs on a phone.
    phone = page_for(PHONE)
    phone.login("cili")
    phone.goto(f"{phone.base}/command/directives/{forward.pk}/")
    phone.locator("#my-deliveries a").first.click()
    phone.wait_for_selector("#sign-button")
    shot(phone, "directive-to-sign-phone")
    phone.click("#sign-button")
    phone.wait_for_selector("#signed-badge")
    shot(phone, "directive-signed-phone")

    desk.reload()
    assert (cell(desk, 3, "430821", "signed"), cell(desk, 3, "430821", "sign_rate")) == ("1", "100.0%")
    assert desk.locator('[data-total="signed"]').inner_text() == "2"
    unit = desk.locator("#board-units tr").filter(has_text="慈利县民政局")
    assert "覃文华" in unit.inner_text()
    shot(desk, "directive-board-zhangjiajie-desktop")
    desk.goto(f"{desk.base}/command/directives/{notice.pk}/board/")
    assert (cell(desk, 2, "430800", "signed"), cell(desk, 3, "430821", "signed")) == ("2", "1")
    shot(desk, "directive-board-desktop")

    board = page_for(PHONE)
    board.login("hunan")
    board.goto(f"{board.base}/command/directives/{notice.pk}/board/?region=430800")
    assert "慈利县" in board.locator('table[data-level="3"]').inner_text()
    shot(board, "directive-board-phone")
