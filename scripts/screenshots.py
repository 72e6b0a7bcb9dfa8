"""Screenshots of the main pages at phone and desktop sizes, for people to look at.

Run against a running demo:  .venv/bin/tongxin demo --port 8123 &  then
.venv/bin/python scripts/screenshots.py http://127.0.0.1:8123 [en-US]  (images go to var/screenshots/pages/<locale>/)
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8123"
LOCALE = sys.argv[2] if len(sys.argv) > 2 else "zh-CN"   # "en-US" for the English pages
OUT = Path("var/screenshots/pages") / LOCALE
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
PAGES = [  # (name, user, path)
    ("login", None, "/accounts/login/"),
    ("home-hunan", "hunan", "/"),
    ("units-hunan", "hunan", "/units/"),
    ("unit-detail", "nanxian", "/units/?q=南县社会福利中心"),
    ("unit-new", "nanxian", "/units/new/"),
    ("unit-import", "nanxian", "/units/import/"),
    ("audit", "auditor", "/audit/"),
    ("api-docs", "nanxian", "/api/docs/"),
    ("not-found", "cili", "/units/999999/"),
    ("today-reporter", "nanxian-home-01", "/reports/"),
    ("overview-hunan", "hunan", "/reports/overview/?region=430000&day=2021-08-02"),
    ("overview-nanxian", "nanxian", "/reports/overview/?region=430921&day=2021-08-02"),
    ("campaigns", "hunan", "/inspections/campaigns/"),
    ("inspections-nanxian", "nanxian", "/inspections/"),
    ("ledger-nanxian", "nanxian", "/ledger/"),
    ("ledger-stats-hunan", "hunan", "/ledger/stats/"),
    ("forms", "hunan", "/reports/forms/"),
]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        for size_name, size in SIZES.items():
            for name, user, path in PAGES:
                ctx = browser.new_context(viewport=size, locale=LOCALE)
                page = ctx.new_page()
                if user:
                    page.goto(BASE + "/accounts/login/")
                    page.fill("#id_username", user)
                    page.fill("#id_password", "Tongxin#2021")
                    page.click("#login-submit")
                    page.wait_for_url(BASE + "/")
                page.goto(BASE + path)
                if name == "api-docs":
                    page.wait_for_selector(".swagger-ui .info", timeout=15000)
                if name == "unit-detail":
                    page.click("#unit-table tbody a >> nth=0")
                    page.wait_for_load_state()
                page.screenshot(path=str(OUT / f"{name}-{size_name}.png"), full_page=size_name == "desktop")
                ctx.close()
        browser.close()


if __name__ == "__main__":
    main()
