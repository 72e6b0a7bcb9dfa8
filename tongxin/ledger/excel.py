"""The ledger's workbook: the 问题整改台账 in its customary layout (a campaign's summary by region
is the inspections app's, `inspections.excel`).

Streamed through `core.xlsx` (a merged title row, a bold header row, panes frozen under it, dates
as real dates).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tongxin.core.xlsx import stream_xlsx
from tongxin.ledger.models import LedgerEntry
from tongxin.ledger.queries import overdue_days
from tongxin.units.personal import shown

DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"


def ledger_headers() -> list[str]:
    return [_("序号"), _("台账编号"), pgettext("organisation", "单位"), _("问题来源"), _("问题类别"), _("严重程度"),
            _("问题描述"), _("整改措施"), _("责任人"), _("联系电话"), _("发现日期"), _("整改时限"), _("整改状态"),
            _("是否逾期"), _("销号时间")]


LEDGER_WIDTHS = [6, 18, 24, 10, 10, 9, 40, 30, 10, 14, 12, 12, 10, 12, 17]


def _ledger_rows(entries: Iterable[LedgerEntry], today: dt.date, viewer: Any) -> Iterator[list[Any]]:
    for number, e in enumerate(entries, start=1):
        late = overdue_days(e, today)
        yield [number, e.number, e.unit.name, e.source_label, e.get_category_display(),
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
