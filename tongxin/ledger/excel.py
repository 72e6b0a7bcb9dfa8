"""The ledger's workbooks: the 问题整改台账 in its customary layout, and a campaign's summary by region.

Both are streamed through `core.xlsx` (a merged title row, a bold header row, panes frozen under
it, dates as real dates). The summary's total row is the sum of the rows above it: a 本级 row
holds whatever sits directly in the region rather than in a child region.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core.xlsx import stream_xlsx
from tongxin.inspections.models import Campaign
from tongxin.inspections.queries import Progress
from tongxin.ledger.models import LedgerEntry
from tongxin.ledger.queries import overdue_days
from tongxin.regions.models import Region
from tongxin.units.personal import shown

DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"
PERCENT = "0.0%"


def ledger_headers() -> list[str]:
    return [_("序号"), _("台账编号"), _("单位"), _("问题来源"), _("问题类别"), _("严重程度"), _("问题描述"),
            _("整改措施"), _("责任人"), _("联系电话"), _("发现日期"), _("整改时限"), _("整改状态"), _("是否逾期"),
            _("销号时间")]


LEDGER_WIDTHS = [6, 18, 24, 10, 10, 9, 40, 30, 10, 14, 12, 12, 10, 12, 17]


def _ledger_rows(entries: Iterable[LedgerEntry], today: dt.date, viewer: Any) -> Iterator[list]:
    for number, e in enumerate(entries, start=1):
        late = overdue_days(e, today)
        yield [number, e.number, e.unit.name, e.get_source_display(), e.get_category_display(),
               e.get_severity_display(), e.description, e.required_measure, e.responsible_person,
               shown(viewer, e.responsible_phone, e.unit), e.found_on, e.deadline, e.get_status_display(),
               _("是（%(n)s 天）") % {"n": late} if late else _("否"), e.closed_at]


def ledger_response(entries: Iterable[LedgerEntry], *, place: str, viewer: Any,
                    today: dt.date | None = None) -> FileResponse:
    """问题整改台账 for `entries` (in the order given), titled with `place` and today's date; the
    responsible person's phone as `viewer` may see it (units.personal)."""
    today = today or timezone.localdate()
    headers = ledger_headers()
    title = _("问题整改台账（%(place)s　%(day)s）") % {"place": place, "day": today.isoformat()}
    filename = _("问题整改台账-%(place)s-%(day)s.xlsx") % {"place": place, "day": today.strftime("%Y%m%d")}
    return stream_xlsx(
        filename, title, headers, _ledger_rows(entries, today, viewer), sheet_title=_("问题整改台账"),
        widths=LEDGER_WIDTHS, text_columns=[_("台账编号"), _("联系电话")],
        number_formats={_("发现日期"): DATE, _("整改时限"): DATE, _("销号时间"): DATETIME})


# --- a campaign's summary ------------------------------------------------------------------------

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


def _summary_line(name: str, p: Progress) -> list:
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
