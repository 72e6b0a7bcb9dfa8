"""A county officer reads a home's daily report that names a problem, puts it on the ledger from the
report page, and finds the entry linked back to the report (and the report listing the entry)."""

from __future__ import annotations

from tests.browser.conftest import DESKTOP, shot


def test_a_problem_in_a_daily_report_goes_onto_the_ledger(demo_story, page_for):
    from tongxin.ledger.models import LedgerEntry
    from tongxin.regions.queries import in_subtree
    from tongxin.reports.models import Report

    report = next(r for r in Report.objects.filter(in_subtree("unit__region_id", "430921")).order_by("-day", "pk")
                  if r.values.get("problems_found"))
    problems = report.values["problems_found"]

    desk = page_for(DESKTOP)
    desk.login("nanxian")
    desk.goto(f"{desk.base}/reports/report/{report.pk}/")
    desk.click("#raise-entry-button")
    form = desk.locator("#raise-entry-form")
    desk.locator("#raise-entry.collapse.show").wait_for()
    desk.wait_for_timeout(400)  # the collapse's transition
    assert form.locator("textarea[name=description]").input_value() == problems
    form.locator("select[name=category]").select_option("epidemic")
    shot(desk, "report-raise-entry-desktop")
    form.locator("button[type=submit]").click()
    desk.wait_for_url("**/ledger/*/")

    entry = LedgerEntry.objects.get(source="daily_report", source_id=report.pk)
    assert entry.number in desk.locator("main").inner_text()
    shot(desk, "ledger-entry-from-report-desktop")
    desk.locator("#entry-source a").click()
    desk.wait_for_url(f"**/reports/report/{report.pk}/")
    assert entry.number in desk.locator("#raised-entries").inner_text()
    shot(desk, "report-raised-entries-desktop")
