"""What the reports tell the ledger: a daily report is a source of ledger entries ("daily_report").
Registered in `ReportsConfig.ready()`; the ledger shows the report's label and link through
`ledger.sources` and never imports this app."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.ledger import sources
from tongxin.reports.models import Report

DAILY_REPORT = "daily_report"


def report_link(pk: int) -> sources.Link | None:
    found = Report.objects.filter(pk=pk).values_list("unit__name", "day").first()
    if found is None:
        return None
    name, day = found
    return sources.Link(_("%(unit)s %(day)s 的报告") % {"unit": name, "day": day.isoformat()},
                        reverse("reports:detail", args=[pk]))


def register() -> None:
    # manual=True: the hand-made entry form keeps offering 日报 for a problem read in a report elsewhere.
    sources.register_source(DAILY_REPORT, label=gettext_lazy("日报"), link=report_link, manual=True)
