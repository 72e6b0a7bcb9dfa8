"""Rows of donations for tests, written straight to the models (stock moved through services.stock.move).

Only for building what a test of ANOTHER part stands on (a hand-over test needs stock, the public site
needs donations and hand-overs); each part's own tests build their data through that part's services.
Times are Beijing time."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from tongxin.donations.models import (
    Appeal,
    AppealIssuer,
    AppealStatus,
    Donation,
    DonationLine,
    DonationStatus,
    DonorKind,
    Handover,
    HandoverLine,
    HandoverStatus,
    Item,
    Valuation,
)
from tongxin.donations.services import stock
from tongxin.donations.services.catalogue import cash_item, item_for

BEIJING = ZoneInfo("Asia/Shanghai")
_receipts = iter(range(1, 10**6))


def at(day: dt.date | str, hh: int = 9, mm: int = 0) -> dt.datetime:
    """An aware datetime at Beijing time hh:mm on `day`."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=BEIJING)


def item(name: str = "口罩", specification: str = "KN95", measure: str = "只") -> Item:
    return item_for(name, specification, measure)


def appeal(unit, title: str = "抗击疫情倡议", *, issuers=(), status: str = AppealStatus.PUBLISHED,
           starts_on: str = "2021-08-05", **kw) -> Appeal:
    a = Appeal.objects.create(unit=unit, title=title, text=kw.pop("text", "倡议全文"),
                              starts_on=dt.date.fromisoformat(starts_on),
                              beneficiary=kw.pop("beneficiary", "一线医护人员"),
                              how_to_give=kw.pop("how_to_give", "物资送至协会办公室"), status=status,
                              published_at=at(starts_on) if status != AppealStatus.DRAFT else None, **kw)
    for order, u in enumerate([unit, *[i for i in issuers if i != unit]]):
        AppealIssuer.objects.create(appeal=a, unit=u, order=order)
    return a


def donation(unit, lines, *, appeal: Appeal | None = None, donor: str = "株洲金典装饰工程有限公司",
             kind: str = DonorKind.ENTERPRISE, public: bool = True, day: str = "2021-08-02", **kw) -> Donation:
    """A RECEIVED donation with `lines`: (item, quantity) or (item, quantity, value); cash is
    (cash_item(), amount). Stock moves as the donations service would."""
    with transaction.atomic():
        d = Donation.objects.create(
            unit=unit, appeal=appeal, donor_kind=kind, donor_name="" if kind == DonorKind.ANONYMOUS else donor,
            name_public=public, status=DonationStatus.RECEIVED, received_at=at(day),
            receipt_number=f"T{unit.pk}-{day[:4]}-{next(_receipts):05d}", lookup_code=secrets.token_hex(4).upper(),
            **kw)
        for line in lines:
            it, qty = line[0], Decimal(str(line[1]))
            value = Decimal(str(line[2])) if len(line) > 2 else (qty if it.is_cash else None)
            valuation = Valuation.CASH if it.is_cash else (Valuation.INVOICE if value is not None
                                                           else Valuation.NOT_VALUED)
            DonationLine.objects.create(donation=d, item=it, quantity=qty, value=value, valuation=valuation,
                                        unit_value=None)
            stock.move(unit, appeal, it, received=qty, received_value=value or Decimal(0))
    return d


def handover(unit, recipient, lines, *, appeal: Appeal | None = None, day: str = "2021-08-02",
             received: bool = False) -> Handover:
    """A hand-over of `lines` (item, quantity) out of stock; `received` confirms it with equal counts."""
    with transaction.atomic():
        h = Handover.objects.create(unit=unit, recipient=recipient, appeal=appeal, sent_at=at(day, 14),
                                    status=HandoverStatus.RECEIVED if received else HandoverStatus.SENT,
                                    received_at=at(day, 16) if received else None)
        for it, qty in lines:
            qty = Decimal(str(qty))
            HandoverLine.objects.create(handover=h, item=it, sent=qty, received=qty if received else None)
            stock.move(unit, appeal, it, handed_over=qty)
    return h


def cash():
    return cash_item()


def now():
    return timezone.now()
