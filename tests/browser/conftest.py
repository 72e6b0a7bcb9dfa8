"""Browser tests: Playwright for Python driving Debian's /usr/bin/chromium.

Outside CI a missing chromium skips these tests with a message; with CI=true it fails them.
Screenshots land in var/screenshots/ for people to look at.

The demo a test needs comes from `demo_story` (the 2021 story) or `demo_today` (with the live drill
around today): built once per session (the story shared with the other modules that need it) and
copied back for each test (tests/snapshots.py).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests import snapshots
from tests.ci import skip_or_fail

CHROMIUM = os.environ.get("TONGXIN_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(os.environ.get("TONGXIN_HOME", Path.cwd())) / "var" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        message = f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium fonts-wqy-microhei)"
        skip_or_fail(message)
    # Playwright's sync API runs an event loop in this thread; the ORM calls our tests make are synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture
def demo_story(transactional_db, settings, tmp_path, demo_snapshots):
    """The 2021 story as `build_demo(live_drill=False)` leaves it, committed, with its files."""
    settings.MEDIA_ROOT = tmp_path / "media"
    demo_snapshots.get("story", snapshots.story, settings.MEDIA_ROOT)


@pytest.fixture
def demo_today(transactional_db, settings, tmp_path, demo_snapshots):
    """The demo as `tongxin demo` builds it today (the story and the live drill), committed, with its files."""
    settings.MEDIA_ROOT = tmp_path / "media"
    demo_snapshots.get("today", snapshots.today, settings.MEDIA_ROOT, base="story",
                       base_build=snapshots.story)


@pytest.fixture
def page_for(browser, live_server):
    """page_for(size): a fresh browser context of that viewport, with a login helper on the page."""
    contexts = []

    def make(size):
        ctx = browser.new_context(viewport=size, locale="zh-CN", device_scale_factor=1,
                                  is_mobile=size["width"] < 600, has_touch=size["width"] < 600)
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(15000)

        def login(username, password="Tongxin#2021"):
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", password)
            page.click("#login-submit")
            page.wait_for_url(f"{live_server.url}/")

        page.login = login
        page.base = live_server.url
        return page

    yield make
    for ctx in contexts:
        ctx.close()


def shot(page, name: str) -> None:
    """Save the first screen and the whole page."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))
    page.screenshot(path=str(SHOTS / f"{name}-full.png"), full_page=True)
