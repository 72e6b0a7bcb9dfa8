"""Hand-overs (交接) confirmed by both sides, and their discrepancies (差异).

Guarantees:
- `send`: only who may file for the sending organisation (scope.FILE); the recipient is one of
  `queries.stock.recipients_for(unit)` (else refused as outside scope); each line's quantity is a
  positive number of at most 100,000,000 and at most what is in stock — stock goes down at once,
  through `stock.move`, under the row lock, so two hand-overs at once never take it below zero;
  with an allocation, the recipient, the appeal and the items must be the allocation's. The
  recipient's staff are told (core.notify).
- `confirm`: only the recipient's OWN staff (a business membership of the recipient unit: not the
  sender, not a bureau above), once, with their own count for every line and a photo or signed
  receipt (or a note saying why there is none). Equal counts → RECEIVED. Different counts → a
  Discrepancy opens (DISPUTED); a count ABOVE the one sent is refused unless the note explains it.
- `resolve`: the sender's staff (scope.FILE on the sender) close the discrepancy with what was
  found → SETTLED.
- `correct_handover`: the sender's staff replace a hand-over (not one already superseded) by a
  new one with a reason: the old turns SUPERSEDED, a Correction holds the line-by-line difference
  of what was sent (the public 更正说明), and stock moves by the difference (decreases of stock
  checked under the row lock: a correction never takes it below zero). Where the recipient had
  already counted the very same items, their counts stand on the new hand-over (RECEIVED when
  they now agree, else a new discrepancy); an open discrepancy of the old one is closed by the
  correction. Otherwise the new hand-over waits for the recipient's confirmation (SENT).
- Nothing is edited in place afterwards; every write is one transaction, audited, and bumps the
  public cache.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.accounts.actors import user_of
from tongxin.core import audit, notify, publiccache, uploads
from tongxin.core.types import Actor
from tongxin.donations.models import (
    Allocation,
    Appeal,
    Correction,
    Discrepancy,
    DiscrepancyStatus,
    Handover,
    HandoverLine,
    HandoverStatus,
    Item,
)
from tongxin.donations.models.appeals import TEXT_MAX
from tongxin.donations.queries import stock as stock_queries
from tongxin.donations.services import stock
from tongxin.units import scope
from tongxin.units.models import Membership, Unit

SENT = "donations.handover_sent"
Errors = dict[str, list[str]]


def register_messages() -> None:
    """The notice the recipient's staff get when goods are on their way (apps.py calls this)."""
    notify.register(SENT, label=gettext_lazy("捐赠物资交接通知"),
                    title=gettext_lazy("%(sender)s向本单位交付捐赠物资，请清点签收"),
                    body=gettext_lazy("%(sender)s于 %(time)s 发出：%(items)s。请到货后清点数量、拍照签收。"))


def _text(errors: Errors, field: str, value: Any, *, required: bool = False, missing: str = "") -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        errors.setdefault(field, []).append(missing)
    elif len(text) > TEXT_MAX:
        errors.setdefault(field, []).append(_("不能超过 %(n)s 个字") % {"n": TEXT_MAX})
    return text


def _lines(errors: Errors, lines: Sequence[Mapping[str, Any]]) -> list[tuple[Item, Decimal]]:
    return [(item, q) for _n, item, q in stock.clean_lines(errors, lines)]


def _check_allocation(errors: Errors, allocation: Allocation, unit: Unit, recipient: Unit | None,
                      appeal: Appeal | None, cleaned: list[tuple[Item, Decimal]]) -> None:
    if allocation.unit_id != unit.pk:
        errors.setdefault("allocation", []).append(_("该分配决定不是本单位作出的"))
        return
    if recipient is not None and allocation.recipient_id != recipient.pk:
        errors.setdefault("recipient", []).append(_("受援单位须与分配决定一致：%(name)s")
                                                  % {"name": allocation.recipient.name})
    if allocation.appeal_id != (appeal.pk if appeal is not None else None):
        errors.setdefault("appeal", []).append(_("募捐倡议须与分配决定一致"))
    allocated = {ln.item_id: ln.quantity for ln in allocation.lines.all()}
    sent: dict[int, Decimal] = {}
    for ln in HandoverLine.objects.filter(handover__allocation=allocation).exclude(
            handover__status=HandoverStatus.SUPERSEDED):
        sent[ln.item_id] = sent.get(ln.item_id, Decimal(0)) + ln.sent
    for item, q in cleaned:
        if item.pk not in allocated:
            errors.setdefault("lines", []).append(_("%(item)s不在该分配决定中") % {"item": item})
        elif q > allocated[item.pk] - sent.get(item.pk, Decimal(0)):
            left = allocated[item.pk] - sent.get(item.pk, Decimal(0))
            errors.setdefault("lines", []).append(
                _("%(item)s超出分配决定：尚未交付 %(left)s%(measure)s") %
                {"item": item, "left": stock._number(left), "measure": item.measure})


@transaction.atomic
def send(actor: Actor, unit: Unit, *, recipient: Unit | None, appeal: Appeal | None = None,
         allocation: Allocation | None = None, lines: Sequence[Mapping[str, Any]],
         sent_at: dt.datetime | None = None, carrier: str = "", note: str = "") -> Handover:
    """Send goods out of the (unit, appeal) stock to `recipient` (see the module docstring)."""
    scope.require(actor, unit, scope.FILE, _("您的角色不能为该单位登记交接"))
    errors: Errors = {}
    if recipient is None:
        errors["recipient"] = [_("请选择受援单位")]
    elif not stock_queries.recipients_for(unit).filter(pk=recipient.pk).exists():
        errors["recipient"] = [_("受援单位“%(name)s”不在本单位的服务范围内（须为本辖区登记在册的单位）")
                               % {"name": recipient.name}]
    if appeal is not None and appeal.unit_id != unit.pk and not appeal.issuer_rows.filter(unit=unit).exists():
        errors["appeal"] = [_("该倡议不是本单位发起或参与的")]
    cleaned = _lines(errors, lines)
    if allocation is not None:
        _check_allocation(errors, allocation, unit, recipient, appeal, cleaned)
    carrier = _text(errors, "carrier", carrier)
    note = _text(errors, "note", note)
    now = timezone.now()
    when = sent_at or now
    if when > now + dt.timedelta(minutes=5):
        errors.setdefault("sent_at", []).append(_("发出时间不能晚于现在"))
    for item, q in cleaned:
        if q > stock.available(unit, appeal, item):
            errors.setdefault("lines", []).append(
                _("%(item)s库存不足：现有 %(have)s%(measure)s，本次交付 %(need)s%(measure)s")
                % {"item": item, "have": stock._number(stock.available(unit, appeal, item)),
                   "measure": item.measure, "need": stock._number(q)})
    if errors:
        raise ValidationError(errors)
    assert recipient is not None
    handover = Handover.objects.create(unit=unit, appeal=appeal, allocation=allocation, recipient=recipient,
                                       status=HandoverStatus.SENT, sent_at=when, sent_by=user_of(actor),
                                       carrier=carrier, note=note)
    for item, q in cleaned:
        HandoverLine.objects.create(handover=handover, item=item, sent=q)
        stock.move(unit, appeal, item, handed_over=q, field="lines")  # re-checked under the row lock
    audit.record_change(actor, handover, None, unit=unit)
    from tongxin.units.queries import staff_of

    words = "；".join(f"{item} {stock._number(q)}{item.measure}" for item, q in cleaned)
    notify.notify(staff_of(recipient), key=SENT, at=when, url=reverse("donations:handover-detail", args=[handover.pk]),
                  params={"sender": unit.name, "time": timezone.localtime(when).strftime("%Y-%m-%d %H:%M"),
                          "items": words})
    publiccache.bump(stock.PUBLIC)
    return handover


def may_confirm(actor: Actor, handover: Handover) -> bool:
    """Whether `actor` is one of the recipient's own staff (who alone confirm what arrived)."""
    user = user_of(actor)
    if user is None:
        return False
    return Membership.objects.filter(user=user, unit_id=handover.recipient_id,
                                     role__in=scope.BUSINESS_ROLES).exists()


def _visible_to(actor: Actor, handover: Handover) -> bool:
    return scope.scope_of(actor).covers(handover.unit) or may_confirm(actor, handover)


@transaction.atomic
def confirm(actor: Actor, handover: Handover, *, counts: Mapping[Any, Any], note: str = "",
            files: Sequence[Any] = (), at: dt.datetime | None = None) -> Handover:
    """The recipient's own count of every line, with evidence (see the module docstring)."""
    handover = Handover.objects.select_for_update().select_related("unit", "recipient").get(pk=handover.pk)
    if not _visible_to(actor, handover):
        raise Http404(_("找不到该记录，或您无权查看"))
    if not may_confirm(actor, handover):
        raise PermissionDenied(_("只有受援单位本单位的工作人员才能签收"))
    if handover.status != HandoverStatus.SENT:
        raise ValidationError({"status": [_("该交接已签收，不能重复签收")]})
    errors: Errors = {}
    note = _text(errors, "note", note)
    lines = list(handover.lines.select_related("item"))
    received: dict[int, Decimal] = {}
    for line in lines:
        raw = counts.get(line.pk, counts.get(str(line.pk), ""))  # a form's keys are strings
        if raw in (None, ""):
            errors.setdefault("counts", []).append(_("请填写%(item)s的实收数量") % {"item": line.item})
            continue
        try:
            q = stock._quantity(raw, "counts")
        except ValidationError as exc:
            errors.setdefault("counts", []).extend(f"{line.item}：{m}" for m in exc.message_dict["counts"])
            continue
        if q < 0:
            errors.setdefault("counts", []).append(_("%(item)s的实收数量不能为负数") % {"item": line.item})
            continue
        if q > line.sent and not note:
            errors.setdefault("note", []).append(
                _("%(item)s实收 %(got)s 多于发出 %(sent)s，请在说明中写明差异") %
                {"item": line.item, "got": stock._number(q), "sent": stock._number(line.sent)})
        received[line.pk] = q
    if not files and not note:
        errors.setdefault("photos", []).append(_("请上传签收照片或回执；确实无法拍照的，请在说明中写明原因"))
    if errors:
        raise ValidationError(errors)
    stored = uploads.store_attachments(list(files), uploaded_by=actor, unit_id=handover.recipient_id,
                                      field="photos")
    before = audit.snapshot(handover)
    for line in lines:
        line.received = received[line.pk]
        line.save(update_fields=["received"])
    now = at or timezone.now()
    differs = any(line.received != line.sent for line in lines)
    handover.status = HandoverStatus.DISPUTED if differs else HandoverStatus.RECEIVED
    handover.received_at, handover.received_by, handover.received_note = now, user_of(actor), note
    handover.save(update_fields=["status", "received_at", "received_by", "received_note"])
    handover.evidence.add(*stored)
    if differs:
        words = "；".join(f"{ln.item} 发出 {stock._number(ln.sent)} 实收 {stock._number(ln.received or Decimal(0))}"
                         for ln in lines if ln.received != ln.sent)
        Discrepancy.objects.create(handover=handover, note=(note or words)[:TEXT_MAX], opened_at=now)
    audit.record_change(actor, handover, before, unit=handover.unit)
    publiccache.bump(stock.PUBLIC)
    return handover


@transaction.atomic
def resolve(actor: Actor, discrepancy: Discrepancy, *, resolution: str, at: dt.datetime | None = None) -> Discrepancy:
    """The sender's staff close a discrepancy with what was found; the hand-over settles."""
    discrepancy = Discrepancy.objects.select_for_update().select_related("handover__unit").get(pk=discrepancy.pk)
    handover = discrepancy.handover
    scope.require(actor, handover.unit, scope.FILE, _("只有交付单位的工作人员才能处理差异"))
    if discrepancy.status != DiscrepancyStatus.OPEN:
        raise ValidationError({"status": [_("该差异已处理")]})
    text = " ".join(str(resolution or "").split())
    if not text:
        raise ValidationError({"resolution": [_("请写明差异的核实和处理结果")]})
    before = audit.snapshot(discrepancy)
    discrepancy.status, discrepancy.resolution = DiscrepancyStatus.RESOLVED, text
    discrepancy.resolved_by, discrepancy.resolved_at = user_of(actor), at or timezone.now()
    discrepancy.save()
    Handover.objects.filter(pk=handover.pk).update(status=HandoverStatus.SETTLED)
    audit.record_change(actor, discrepancy, before, unit=handover.unit)
    publiccache.bump(stock.PUBLIC)
    return discrepancy


def _sent_changes(old: Sequence[HandoverLine], new: Sequence[HandoverLine]) -> list[dict[str, Any]]:
    """Line by line, what a hand-over correction changed (a line only on one side has None on the other)."""
    before = {line.item_id: line for line in old}
    after = {line.item_id: line for line in new}
    changes: list[dict[str, Any]] = []
    for item_id in dict.fromkeys([*before, *after]):
        b, a = before.get(item_id), after.get(item_id)
        line = a or b
        assert line is not None
        row = {"item_id": item_id, "item": str(line.item), "measure": line.item.measure,
               "before": stock._number(b.sent) if b else None, "after": stock._number(a.sent) if a else None,
               "sent_before": stock._number(b.sent) if b else None, "sent_after": stock._number(a.sent) if a else None,
               "received_before": stock._number(b.received) if b and b.received is not None else None,
               "received_after": stock._number(a.received) if a and a.received is not None else None}
        if (row["before"], row["received_before"]) != (row["after"], row["received_after"]):
            changes.append(row)
    return changes


@transaction.atomic
def correct_handover(actor: Actor, handover: Handover, *, reason: str, lines: Sequence[Mapping[str, Any]],
                     at: dt.datetime | None = None) -> Correction:
    """Replace `handover` by a corrected one with what was really sent (see the module docstring)."""
    handover = Handover.objects.select_for_update(of=("self",)).select_related("unit", "appeal", "recipient").get(
        pk=handover.pk)
    if not scope.scope_of(actor).covers(handover.unit):
        raise Http404(_("找不到该记录，或您无权查看"))
    scope.require(actor, handover.unit, scope.FILE, _("只有交付单位的工作人员才能更正交接"))
    if handover.status == HandoverStatus.SUPERSEDED:
        raise ValidationError({"status": [_("该交接已被更正过，请更正最新的记录")]})
    errors: Errors = {}
    reason = _text(errors, "reason", reason, required=True, missing=_("请填写更正原因（将在公示的更正说明中显示）"))
    cleaned = _lines(errors, lines)
    old_lines = list(handover.lines.select_related("item"))
    old_sent = {ln.item_id: ln.sent for ln in old_lines}
    new_sent = {item.pk: q for item, q in cleaned}
    if cleaned and new_sent == old_sent:
        errors.setdefault("lines", []).append(_("更正后的数量与原记录相同，无需更正"))
    unit, appeal = handover.unit, handover.appeal
    for item, q in cleaned:
        more = q - old_sent.get(item.pk, Decimal(0))
        if more > stock.available(unit, appeal, item):
            errors.setdefault("lines", []).append(
                _("%(item)s库存不足：现有 %(have)s%(measure)s，更正需再出库 %(need)s%(measure)s")
                % {"item": item, "have": stock._number(stock.available(unit, appeal, item)),
                   "measure": item.measure, "need": stock._number(more)})
    if errors:
        raise ValidationError(errors)
    counted = handover.received_at is not None and set(new_sent) == set(old_sent)
    now = at or timezone.now()
    old_received = {ln.item_id: ln.received for ln in old_lines}
    before = audit.snapshot(handover)
    handover.status = HandoverStatus.SUPERSEDED
    handover.save(update_fields=["status"])
    new = Handover.objects.create(
        unit=unit, appeal=appeal, allocation=handover.allocation, recipient=handover.recipient,
        status=HandoverStatus.SENT, sent_at=handover.sent_at, sent_by=handover.sent_by, carrier=handover.carrier,
        note=handover.note)
    items = {ln.item_id: ln.item for ln in old_lines} | {item.pk: item for item, _q in cleaned}
    new_lines = [HandoverLine.objects.create(handover=new, item=item, sent=q,
                                             received=old_received[item.pk] if counted else None)
                 for item, q in cleaned]
    # stock moves by the difference per item: the returns first, so a swap of items is checked fairly
    delta = {pk: new_sent.get(pk, Decimal(0)) - old_sent.get(pk, Decimal(0)) for pk in items}
    for pk, q in sorted(delta.items(), key=lambda kv: kv[1]):
        if q:
            stock.move(unit, appeal, items[pk], handed_over=q, field="lines")
    if counted:
        differs = any(ln.received != ln.sent for ln in new_lines)
        new.status = HandoverStatus.DISPUTED if differs else HandoverStatus.RECEIVED
        new.received_at, new.received_by = handover.received_at, handover.received_by
        new.received_note = handover.received_note
        new.save(update_fields=["status", "received_at", "received_by", "received_note"])
        new.evidence.set(handover.evidence.all())
        if differs:
            words = "；".join(f"{ln.item} 发出 {stock._number(ln.sent)} 实收 {stock._number(ln.received or Decimal(0))}"
                             for ln in new_lines if ln.received != ln.sent)
            Discrepancy.objects.create(handover=new, note=words[:TEXT_MAX], opened_at=now)
    else:
        from tongxin.units.queries import staff_of

        words = "；".join(f"{item} {stock._number(q)}{item.measure}" for item, q in cleaned)
        notify.notify(staff_of(new.recipient), key=SENT, at=now,
                      url=reverse("donations:handover-detail", args=[new.pk]),
                      params={"sender": unit.name, "items": words,
                              "time": timezone.localtime(new.sent_at).strftime("%Y-%m-%d %H:%M")})
    open_case = Discrepancy.objects.filter(handover=handover, status=DiscrepancyStatus.OPEN).first()
    correction = Correction.objects.create(
        unit=unit, appeal=appeal, handover=handover, handover_after=new, reason=reason,
        changes=_sent_changes(old_lines, new_lines), created_by=user_of(actor), created_at=now)
    if open_case is not None:
        open_case.status, open_case.resolved_by, open_case.resolved_at = DiscrepancyStatus.RESOLVED, user_of(actor), now
        open_case.resolution = _("已由更正说明 #%(n)s 处理：%(reason)s") % {"n": correction.pk, "reason": reason}
        open_case.save()
    audit.record_change(actor, handover, before, unit=unit)
    audit.record_change(actor, new, None, unit=unit)
    audit.record_change(actor, correction, None, unit=unit)
    publiccache.bump(stock.PUBLIC)
    return correction
