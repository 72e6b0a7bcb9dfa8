"""The inspections' workbooks: a campaign's summary by region (专项行动汇总表).

Streamed through `core.xlsx`. The total row is the sum of the rows above it: a 本级 row holds
whatever sits directly in the region rather than in a child region.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core.xlsx import stream_xlsx
from tongxin.inspections.models import Campaign
from tongxin.inspections.queries import Progress
from tongxin.regions.models import Region

PERCENT = "0.0%"

COUNTS = ("units", "self_done", "supervised", "target", "found", "closed", "open", "overdue")


def summary_rows(campaign: Campaign, total: Progress, rows: list[Progress]) -> list[tuple[str, Progress]]:
    """(name, figures) per child region, plus a 本级 row for what lies directly in the region, so
    they add up to `total`."""
    out = [(r.region.name, r) for r in rows]
    rest = Progress(total.region)
    for f in ("units", "self_done", "supervised", "found", "closed", "open", "overdue"):
        setattr(rest, f, getattr(total, f) - sum(getattr(r, f) for r in rows))
    rest.target = math.ceil(rest.units * campaign.supervision_target / 100)
    if any(getattr(rest, f) for f in COUNTS):
        out.append((_("%(region)s本级") % {"region": total.region.name}, rest))
    return out


def summary_headers() -> list[str]:
    return [_("区划"), _("单位数"), _("已自查"), _("自查率"), _("已督导"), _("督导目标"), _("督导完成率"),
            _("发现问题"), _("已销号"), _("未销号"), _("逾期"), _("销号率")]


def _summary_line(name: str, p: Progress) -> list[Any]:
    return [name, p.units, p.self_done, p.self_done / p.units if p.units else None, p.supervised, p.target,
            p.supervised / p.target if p.target else None, p.found, p.closed, p.open, p.overdue,
            p.closed / p.found if p.found else None]


def campaign_summary_response(campaign: Campaign, region: Region, total: Progress, rows: list[Progress],
                              today: dt.date | None = None) -> FileResponse:
    """The campaign's summary for `region`: one line per child region (and 本级), then 合计 = their sum."""
    today = today or timezone.localdate()
    lines = summary_rows(campaign, total, rows)
    summed = Progress(region)
    for f in COUNTS:
        setattr(summed, f, sum(getattr(p, f) for _name, p in lines))
    body = [_summary_line(name, p) for name, p in lines]
    body.append(_summary_line(_("合计"), summed))
    title = _("%(campaign)s汇总表（%(region)s　%(day)s）") % {
        "campaign": campaign.name, "region": region.name, "day": today.isoformat()}
    filename = _("专项行动汇总-%(region)s-%(day)s.xlsx") % {"region": region.name, "day": today.strftime("%Y%m%d")}
    headers = summary_headers()
    return stream_xlsx(
        filename, title, headers, body, sheet_title=_("汇总表"), widths=[18] + [11] * (len(headers) - 1),
        number_formats={_("自查率"): PERCENT, _("督导完成率"): PERCENT, _("销号率"): PERCENT})
