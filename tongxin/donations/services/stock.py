"""Stock: the one place the `Stock` roll-up moves, its rebuild, and adjustments.

`move()` is how every other part (donations, allocations, hand-overs, corrections) changes stock:
it locks the (unit, appeal, item) row, adds the deltas, and refuses — with words naming the item
and what is left — a change that would take the quantity below zero. It must be called inside the
caller's transaction, so a refused move rolls back the whole write. `rebuild()` recomputes every
row from the records (current RECEIVED donations, current hand-overs, allocation lines, approved
adjustments); a property test keeps the two equal.

Adjustments (damaged, expired, recounted goods) are asked for by one person and approved by a
second; only approval moves stock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.accounts.actors import user_of
from tongxin.core import audit, publiccache
from tongxin.core.types import Actor
from tongxin.core.workflow import INITIAL, Workflow, step
from tongxin.donations.models import (
    Adjustment,
    AllocationLine,
    Appeal,
    DonationLine,
    DonationStatus,
    HandoverLine,
    HandoverStatus,
    Item,
    Stock,
)
from tongxin.donations.models.appeals import TEXT_MAX
from tongxin.donations.models.stock import AdjustmentReason, AdjustmentStatus
from tongxin.units import scope
from tongxin.units.models import Unit

ZERO = Decimal("0")
MAX_QUANTITY = Decimal("100000000")  # an absurd quantity (over 100,000,000) is refused
FIELDS = ("received", "received_value", "allocated", "handed_over", "adjusted")
PUBLIC = "donations"  # the public cache namespace (core.publiccache) every donations write bumps


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")


def clean_lines(errors: dict[str, list[str]], lines: Sequence[Mapping[str, Any]]) -> list[tuple[int, Item, Decimal]]:
    """Lines of {item: Item, quantity} as (line number, item, quantity): each item once, each quantity
    a positive number within the bound; every problem added to errors["lines"], naming its line."""
    cleaned: list[tuple[int, Item, Decimal]] = []
    if not lines:
        errors.setdefault("lines", []).append(_("请至少填写一项物资"))
    seen: set[int] = set()
    for n, line in enumerate(lines, start=1):
        item = line.get("item")
        if not isinstance(item, Item):
            errors.setdefault("lines", []).append(_("第 %(n)s 行：请选择物资") % {"n": n})
            continue
        if item.pk in seen:
            errors.setdefault("lines", []).append(_("第 %(n)s 行：%(item)s重复填写") % {"n": n, "item": item})
            continue
        seen.add(item.pk)
        try:
            q = _quantity(line.get("quantity"), "lines")
        except ValidationError as exc:
            errors.setdefault("lines", []).extend(_("第 %(n)s 行：%(problem)s") % {"n": n, "problem": m}
                                                  for m in exc.message_dict["lines"])
            continue
        if q <= 0:
            errors.setdefault("lines", []).append(_("第 %(n)s 行：数量须大于 0") % {"n": n})
            continue
        cleaned.append((n, item, q))
    return cleaned


def move(unit: Unit, appeal: Appeal | None, item: Item, *, received: Decimal = ZERO,
         received_value: Decimal = ZERO, allocated: Decimal = ZERO, handed_over: Decimal = ZERO,
         adjusted: Decimal = ZERO, field: str = "quantity") -> Stock:
    """Add the deltas to the (unit, appeal, item) stock row, locked; refuse (ValidationError on
    `field`) a change that leaves less than zero in stock. Call inside the writer's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("stock.move runs inside the writer's transaction")
    Stock.objects.get_or_create(unit=unit, appeal=appeal, item=item)
    row = Stock.objects.select_for_update().get(unit=unit, appeal=appeal, item=item)
    left = row.quantity + received - handed_over + adjusted
    if left < 0:
        raise ValidationError({field: [_("%(item)s库存不足：现有 %(have)s%(measure)s，本次需要 %(need)s%(measure)s")
                                       % {"item": item, "have": _number(row.quantity), "measure": item.measure,
                                          "need": _number(handed_over - adjusted - received)}]})
    row.received += received
    row.received_value += received_value
    row.allocated += allocated
    row.handed_over += handed_over
    row.adjusted += adjusted
    row.quantity = left
    row.save()
    publiccache.bump(PUBLIC)
    return row


def available(unit: Unit, appeal: Appeal | None, item: Item) -> Decimal:
    """What is in stock now (no lock: for forms and previews; `move` re-checks under the lock)."""
    row = Stock.objects.filter(unit=unit, appeal=appeal, item=item).first()
    return row.quantity if row is not None else ZERO


def rebuild() -> int:
    """Recompute every stock row from the records; returns the number of rows written.

    received / received_value: lines of current RECEIVED donations; allocated: allocation lines;
    handed_over: the SENT quantity of lines of hand-overs not SUPERSEDED; adjusted: APPROVED
    adjustments; quantity = received − handed_over + adjusted. Rows no record touches are zeroed
    (never deleted: other rows may point at them). One transaction; rows are written in bulk."""
    totals: dict[tuple[int, int | None, int], dict[str, Decimal]] = {}

    def add(key: tuple[int, int | None, int], name: str, amount: Decimal | None) -> None:
        row = totals.setdefault(key, {f: ZERO for f in FIELDS})
        row[name] += amount or ZERO

    received = (DonationLine.objects.filter(donation__status=DonationStatus.RECEIVED)
                .values("donation__unit_id", "donation__appeal_id", "item_id")
                .annotate(q=Sum("quantity"), v=Sum("value")))
    for r in received:
        key: tuple[int, int | None, int] = (r["donation__unit_id"], r["donation__appeal_id"], r["item_id"])
        add(key, "received", r["q"])
        add(key, "received_value", r["v"])
    allocated = (AllocationLine.objects.values("allocation__unit_id", "allocation__appeal_id", "item_id")
                 .annotate(q=Sum("quantity")))
    for ra in allocated:
        add((ra["allocation__unit_id"], ra["allocation__appeal_id"], ra["item_id"]), "allocated", ra["q"])
    sent = (HandoverLine.objects.exclude(handover__status=HandoverStatus.SUPERSEDED)
            .values("handover__unit_id", "handover__appeal_id", "item_id").annotate(q=Sum("sent")))
    for rh in sent:
        add((rh["handover__unit_id"], rh["handover__appeal_id"], rh["item_id"]), "handed_over", rh["q"])
    adjusted = (Adjustment.objects.filter(status=AdjustmentStatus.APPROVED)
                .values("unit_id", "appeal_id", "item_id").annotate(q=Sum("quantity")))
    for rj in adjusted:
        add((rj["unit_id"], rj["appeal_id"], rj["item_id"]), "adjusted", rj["q"])
    written = 0
    with transaction.atomic():
        existing: dict[tuple[int, int | None, int], Stock] = {
            (s.unit_id, s.appeal_id, s.item_id): s for s in Stock.objects.select_for_update()}
        changed: list[Stock] = []
        for k, row in existing.items():
            values = totals.pop(k, {f: ZERO for f in FIELDS})
            values["quantity"] = values["received"] - values["handed_over"] + values["adjusted"]
            if any(getattr(row, f) != values[f] for f in (*FIELDS, "quantity")):
                for f, v in values.items():
                    setattr(row, f, v)
                changed.append(row)
        if changed:
            Stock.objects.bulk_update(changed, [*FIELDS, "quantity"], batch_size=500)
        created = [Stock(unit_id=u, appeal_id=a, item_id=i, quantity=v["received"] - v["handed_over"] + v["adjusted"],
                         **v) for (u, a, i), v in totals.items()]
        Stock.objects.bulk_create(created, batch_size=500)
        written = len(changed) + len(created)
        if written:
            publiccache.bump(PUBLIC)
    return written


# --- adjustments -----------------------------------------------------------------------------------

ADJUSTMENT_WORKFLOW = Workflow(
    {AdjustmentStatus.PENDING: gettext_lazy("待审核"), AdjustmentStatus.APPROVED: gettext_lazy("已批准"),
     AdjustmentStatus.REJECTED: gettext_lazy("已驳回")},
    [
        step("request", [INITIAL], AdjustmentStatus.PENDING, gettext_lazy("申请调整")),
        step("approve", [AdjustmentStatus.PENDING], AdjustmentStatus.APPROVED, gettext_lazy("批准"),
             refusal=gettext_lazy("该调整已审核，不能再次审核")),
        step("reject", [AdjustmentStatus.PENDING], AdjustmentStatus.REJECTED, gettext_lazy("驳回"),
             refusal=gettext_lazy("该调整已审核，不能再次审核")),
    ],
)


@ADJUSTMENT_WORKFLOW.guard("request", "approve", "reject")
def _staff_of_the_organisation(actor: Actor, adjustment: Adjustment) -> None:
    """The organisation's own staff, or an officer of a bureau above it, ask for and decide adjustments."""
    scope.require(actor, adjustment.unit, scope.FILE, _("您的角色不能调整该单位的库存"))


@ADJUSTMENT_WORKFLOW.guard("approve", "reject")
def _a_second_person(actor: Actor, adjustment: Adjustment) -> None:
    """Whoever asked for an adjustment never decides it."""
    if actor is not None and actor.pk is not None and adjustment.requested_by_id == actor.pk:
        raise PermissionDenied(_("申请人不能审核自己申请的调整，请由另一位工作人员审核"))


def _quantity(value: Any, field: str = "quantity") -> Decimal:
    try:
        q = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: [_("数量须是数字")]}) from None
    if not q.is_finite():
        raise ValidationError({field: [_("数量须是数字")]})
    if not -MAX_QUANTITY <= q <= MAX_QUANTITY:  # before quantize, which cannot hold 1e999999999's digits
        raise ValidationError({field: [_("数量不能超过 %(n)s") % {"n": f"{MAX_QUANTITY:,}"}]})
    return q.quantize(Decimal("0.01"))


@transaction.atomic
def request_adjustment(actor: Actor, unit: Unit, *, appeal: Appeal | None, item: Item, quantity: Any, reason: str,
                       note: str, at: dt.datetime | None = None) -> Adjustment:
    """Ask for an adjustment of the (unit, appeal, item) stock: a signed quantity (negative for
    damaged or expired goods), a reason from the list and a note saying what happened. Stock does
    not move until a second person approves it. A decrease beyond what is in stock now is refused
    here already (approval checks again under the lock)."""
    draft = Adjustment(unit=unit, status=INITIAL)
    ADJUSTMENT_WORKFLOW.take(actor, draft, "request")
    errors: dict[str, list[str]] = {}
    q = ZERO
    try:
        q = _quantity(quantity)
        if q == 0:
            errors["quantity"] = [_("调整数量不能为 0")]
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if reason not in AdjustmentReason.values:
        errors["reason"] = [_("请选择调整原因")]
    note = " ".join(str(note or "").split())
    if not note:
        errors["note"] = [_("请说明调整的情况（如：运输途中破损 20 箱）")]
    elif len(note) > TEXT_MAX:
        errors["note"] = [_("不能超过 %(limit)s 字（现有 %(length)s 字）") % {"limit": TEXT_MAX, "length": len(note)}]
    if appeal is not None and appeal.unit_id != unit.pk and not appeal.issuer_rows.filter(unit=unit).exists():
        errors["appeal"] = [_("该倡议不是本单位发起或参与的")]
    if not errors and q < 0 and available(unit, appeal, item) + q < 0:
        errors["quantity"] = [_("%(item)s库存不足：现有 %(have)s%(measure)s，不能减少 %(need)s%(measure)s")
                              % {"item": item, "have": _number(available(unit, appeal, item)),
                                 "measure": item.measure, "need": _number(-q)}]
    requester = user_of(actor)
    if requester is None:
        errors.setdefault("quantity", []).append(_("库存调整须由登录的工作人员申请"))
    if errors:
        raise ValidationError(errors)
    assert requester is not None
    adjustment = Adjustment.objects.create(unit=unit, appeal=appeal, item=item, quantity=q, reason=reason, note=note,
                                           requested_by=requester, requested_at=at or timezone.now())
    audit.record_change(actor, adjustment, None, unit=unit)
    return adjustment


@transaction.atomic
def decide_adjustment(actor: Actor, adjustment: Adjustment, *, approve: bool, note: str = "",
                      at: dt.datetime | None = None) -> Adjustment:
    """Approve (stock moves by the quantity; refused if it would leave less than zero) or reject a
    PENDING adjustment. Only a second person with FILE scope on the organisation: never the requester."""
    adjustment = (Adjustment.objects.select_for_update(of=("self",)).select_related("unit", "item", "appeal")
                  .get(pk=adjustment.pk))
    ADJUSTMENT_WORKFLOW.take(actor, adjustment, "approve" if approve else "reject")
    note = " ".join(str(note or "").split())
    if len(note) > TEXT_MAX:
        raise ValidationError({"note": [_("不能超过 %(limit)s 字（现有 %(length)s 字）")
                                        % {"limit": TEXT_MAX, "length": len(note)}]})
    if not approve and not note:
        raise ValidationError({"note": [_("驳回时请填写审核意见")]})
    before = audit.snapshot(adjustment)
    if approve:
        move(adjustment.unit, adjustment.appeal, adjustment.item, adjusted=adjustment.quantity)
    adjustment.status = AdjustmentStatus.APPROVED if approve else AdjustmentStatus.REJECTED
    adjustment.decided_by = user_of(actor)
    adjustment.decided_at = at or timezone.now()
    adjustment.decision_note = note
    adjustment.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit.record_change(actor, adjustment, before, unit=adjustment.unit)
    return adjustment
