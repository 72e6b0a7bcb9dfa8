"""In a real browser: an inspection walked on a phone, one item failed with a photo, and the
resulting ledger entry fixed by the home and closed by a different person."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone

from tests.browser.conftest import DESKTOP, PHONE, shot

pytestmark = pytest.mark.browser


def jpeg(tmp_path, name, colour):
    from PIL import Image

    path = tmp_path / name
    buffer = io.BytesIO()
    Image.new("RGB", (120, 90), colour).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return str(path)


@pytest.fixture
def team_today(demo_story):
    """The demo, and a 南县 supervision team working today, led by `nanxian`."""
    from tongxin.accounts.models import User
    from tongxin.inspections import services
    from tongxin.units.models import Unit

    services.load_builtin_checklists()
    today = timezone.localdate()
    return services.create_team(User.objects.get(username="nanxian"), name="南县今日督导组",
                                bureau=Unit.objects.get(name="南县民政局"), start_date=today,
                                end_date=today + dt.timedelta(days=1))


def test_inspection_on_a_phone_then_fixed_and_closed_by_others(team_today, page_for, tmp_path):
    from tongxin.inspections.models import Inspection
    from tongxin.ledger.models import LedgerEntry

    phone = page_for(PHONE)
    phone.login("nanxian")
    phone.goto(f"{phone.base}/inspections/new/?kind=supervision&team={team_today.pk}")
    phone.select_option("#id_unit", label="南县南洲镇敬老院（南县）")
    phone.select_option("select[name=template]", label="民政服务机构疫情防控“五个最严格”检查表")
    phone.click("#start-form button[type=submit]")
    phone.wait_for_url("**/inspections/*/")
    inspection_url = phone.url

    cards = phone.locator(".tx-item")
    for i in range(cards.count()):
        card = phone.locator(".tx-item").nth(i)
        key = card.get_attribute("id").removeprefix("item-")
        if key == "visitor_register":      # the one that fails, with its photo
            card.locator(f"label[for='r-{key}-fail']").click()
            card.locator(f"#n-{key}").fill("出入登记缺少 7 月 31 日记录")
            card.locator(f"#p-{key}").set_input_files(jpeg(tmp_path, "register.jpg", (180, 40, 40)))
        elif card.locator(f"#v-{key}").count():
            card.locator(f"#v-{key}").fill("10")
        elif card.locator(f"label[for='r-{key}-pass']").count():
            card.locator(f"label[for='r-{key}-pass']").click()
        else:                              # the photo item
            card.locator(f"#p-{key}").set_input_files(jpeg(tmp_path, "gate.jpg", (40, 140, 40)))
        card.locator("button.tx-save").click()
        phone.locator(f"#item-{key} .tx-chip").filter(has_not_text="未检查").wait_for()
    shot(phone, "inspection-answered-phone")

    phone.goto(inspection_url + "findings/")
    assert "出入登记" in phone.locator("main").inner_text()
    phone.fill("textarea[name=summary]", "总体良好，出入登记需补全")
    phone.click("#finish-submit")
    phone.wait_for_load_state()
    inspection = Inspection.objects.get(unit__name="南县南洲镇敬老院", team=team_today)
    entry = LedgerEntry.objects.get(source="supervision", source_id=inspection.pk)
    assert entry.status == "open" and entry.attachments.count() == 1
    assert entry.number in phone.locator("main").inner_text()
    shot(phone, "inspection-finished-phone")

    # The county officer who found it starts and submits the fix from the phone ...
    phone.goto(f"{phone.base}/ledger/{entry.pk}/")
    phone.click("#action-start button[type=submit]")
    phone.wait_for_load_state()
    phone.set_input_files("#files-submit_fix", jpeg(tmp_path, "fixed.jpg", (40, 40, 180)))
    phone.fill("#comment-submit_fix", "已补全登记台账")
    phone.click("#action-submit_fix button[type=submit]")
    phone.wait_for_load_state()
    assert phone.locator("#action-close").count() == 0   # the fixer cannot verify
    shot(phone, "ledger-awaiting-phone")

    # ... and the province officer, a different person, verifies and closes it.
    desk = page_for(DESKTOP)
    desk.login("hunan")
    desk.goto(f"{desk.base}/ledger/{entry.pk}/")
    desk.fill("#comment-close", "复查合格")
    desk.click("#action-close button[type=submit]")
    desk.wait_for_load_state()
    entry.refresh_from_db()
    assert entry.status == "closed" and entry.closed_by.username == "hunan" and entry.fixed_by.username == "nanxian"
    shot(desk, "ledger-closed-desktop")
