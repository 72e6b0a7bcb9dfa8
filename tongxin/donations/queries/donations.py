"""Reads of the donations part: the scoped list with its filters, totals that are the sum of the
rows, and the donor as a reader may see them.

- `donations_for(user, …)` is always restricted to the user's READ scope (units.scope).
- `totals(qs)` sums the lines of exactly the donations of `qs` that count (RECEIVED): cash, and
  goods per item with quantity and value, so a list's footer equals the sum of its rows.
- `donor_display(user, donation)`: an enterprise's name and credit code are not personal data; a
  person's name and phone are shown in full only when `units.personal.may_see_personal(user,
  donation.unit)` allows (else the name's first character and 某, and the masked phone); an
  anonymous donor is 匿名.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from tongxin.core.types import Actor
from tongxin.donations.models import Donation, DonationLine, DonationStatus, DonorKind, ItemKind
from tongxin.units import scope
from tongxin.units.personal import may_see_personal, shown

ZERO = Decimal("0")


def donations_for(user: Actor, *, unit_id: int | None = None, appeal_id: int | None = None, status: str = "",
                  donor_kind: str = "", since: dt.date | None = None, until: dt.date | None = None,
                  q: str = "") -> QuerySet[Donation]:
    """The donations the user sees, newest receipt first, filtered."""
    qs = Donation.objects.restrict(user, scope.READ).select_related("unit", "appeal", "donor_enterprise")
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    if appeal_id is not None:
        qs = qs.filter(appeal_id=appeal_id)
    if status:
        qs = qs.filter(status=status)
    if donor_kind:
        qs = qs.filter(donor_kind=donor_kind)
    if since is not None:
        qs = qs.filter(received_at__date__gte=since)
    if until is not None:
        qs = qs.filter(received_at__date__lte=until)
    if q:
        qs = qs.filter(receipt_number__icontains=q) | qs.filter(donor_name__icontains=q,
                                                                 donor_kind=DonorKind.ENTERPRISE)
    return qs.order_by("-received_at", "-pledged_at", "-id")


@dataclass
class Totals:
    cash: Decimal = ZERO
    goods_value: Decimal = ZERO
    count: int = 0
    goods: list[dict[str, Any]] = field(default_factory=list)  # item, measure, quantity, value


def totals(donations: QuerySet[Donation]) -> Totals:
    """The sums of the RECEIVED donations among `donations` (one query per figure, no row scan in Python)."""
    counted = donations.filter(status=DonationStatus.RECEIVED)
    lines = DonationLine.objects.filter(donation__in=counted.values("pk"))
    out = Totals(count=counted.count())
    out.cash = lines.filter(item__kind=ItemKind.CASH).aggregate(s=Sum("quantity"))["s"] or ZERO
    rows = (lines.filter(item__kind=ItemKind.GOODS)
            .values("item_id", "item__name", "item__specification", "item__measure")
            .annotate(quantity=Sum("quantity"), value=Sum("value"))
            .order_by("item__name", "item__specification", "item_id"))
    for r in rows:
        label = r["item__name"] + (f"（{r['item__specification']}）" if r["item__specification"] else "")
        out.goods.append({"item_id": r["item_id"], "item": label, "measure": r["item__measure"],
                          "quantity": r["quantity"] or ZERO, "value": r["value"] or ZERO})
        out.goods_value += r["value"] or ZERO
    return out


def masked_name(name: str) -> str:
    """王秀英 → 王某某: the family name and 某 for each other character."""
    return (name[:1] + "某" * max(len(name) - 1, 1)) if name else ""


def donor_display(user: Actor, donation: Donation) -> dict[str, str]:
    """The donor's name, credit code and phone as `user` may see them (see the module docstring)."""
    if donation.donor_kind == DonorKind.ANONYMOUS:
        return {"name": _("匿名"), "credit_code": "", "phone": ""}
    if donation.donor_kind == DonorKind.ENTERPRISE:
        return {"name": donation.donor_name, "credit_code": donation.donor_credit_code,
                "phone": shown(user, donation.donor_phone, donation.unit)}
    full = may_see_personal(user, donation.unit)
    return {"name": donation.donor_name if full else masked_name(donation.donor_name), "credit_code": "",
            "phone": shown(user, donation.donor_phone, donation.unit)}


def corrections_for(user: Actor) -> Any:
    """The corrections of donations the user sees, newest first."""
    from tongxin.donations.models import Correction

    return (Correction.objects.restrict(user, scope.READ).filter(donation__isnull=False)
            .select_related("donation", "donation_after", "unit").order_by("-created_at", "-id"))
