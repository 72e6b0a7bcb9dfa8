"""Donations: pledge, receive (freezes lines and values, issues the receipt), withdraw a pledge,
correct a received donation (a new donation replacing it, with a Correction), and the Excel batch.

Contract other parts rely on:

- record_donation(actor, unit, values: dict, lines: list[dict], *, received: bool = True, at=None) -> Donation
  values: appeal_id, donor_kind, donor_name, donor_enterprise_id, donor_credit_code, donor_phone,
  name_public, channel, reference, note; a line: item (Item) or item_id, quantity, expiry_date, lot,
  valuation, unit_value, value, valuation_note, valuation_approved_by.
  Receiving moves stock (services.stock.move received=…, received_value=…) per line.
- receive_pledge(actor, donation, *, at=None) -> Donation
- correct_donation(actor, donation, *, reason: str, values: dict, lines: list[dict]) -> Correction

Guarantees:
- Who may: FILE scope on the receiving unit (its own staff, or an officer of a bureau above it);
  404 if the user cannot see the unit, 403 if they see it but may not file.
- The donor is an enterprise (one of the unit's member enterprises, `Unit.member_of`, or typed with
  a valid credit code), a person (a name; a phone, when given, must be valid) or anonymous (no name,
  no phone, never public). `name_public` is the donor's consent.
- A line: cash is the cash item (quantity = amount in 元, valuation CASH, value = amount); goods are
  an item (N95 ≠ KN95), a quantity above 0 and at most 100,000,000 with at most 2 decimals, an
  optional expiry date and lot, and a valuation: INVOICE / CUSTOMS (a value), FAIR_VALUE (a value,
  a note and an approver: a second person of the unit, never the recorder), NOT_VALUED (no value).
  When both the value and the unit value are given, value = quantity × unit value, else refused.
  A cash line needs a channel.
- An appeal, if given, is published and the unit is one of its issuers.
- Frozen at receipt: `edit_pledge` changes a PLEDGED donation only; a received one is refused with
  words pointing to a correction. `correct_donation` creates a NEW received donation (new receipt
  number, same time of receipt), a Correction with the reason and `changes` (line by line: item,
  quantity and value before and after), turns the old one SUPERSEDED and moves stock by the
  difference (refused, with nothing saved, when the goods already left).
Every write is atomic, audited, and bumps the public cache.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.accounts.actors import user_of
from tongxin.core import audit, publiccache
from tongxin.core.types import Actor
from tongxin.core.validators import normalize_credit_code, normalize_phone
from tongxin.core.xlsx import ImportResult
from tongxin.donations.models import (
    Appeal,
    AppealStatus,
    Channel,
    Correction,
    Donation,
    DonationLine,
    DonationStatus,
    DonorKind,
    Item,
    Valuation,
)
from tongxin.donations.models.appeals import TEXT_MAX
from tongxin.donations.models.donations import NAME_MAX
from tongxin.donations.services import receipts, stock
from tongxin.donations.services.catalogue import cash_item, item_for
from tongxin.units import scope
from tongxin.units.models import Membership, Unit

PUBLIC = "donations"
MAX_QUANTITY = Decimal("100000000")
CENT = Decimal("0.01")
GOODS_VALUATIONS = (Valuation.INVOICE, Valuation.CUSTOMS, Valuation.FAIR_VALUE, Valuation.NOT_VALUED)
DONOR_FIELDS = ("appeal_id", "donor_kind", "donor_name", "donor_enterprise_id", "donor_credit_code", "donor_phone",
                "name_public", "channel", "reference", "note")
FROZEN = _("已接收的捐赠已冻结，不能修改；如登记有误，请提交更正（更正将生成新的记录并公开更正说明）")

Errors = dict[str, list[str]]


def _refusal() -> str:
    return _("您的角色不能为该单位登记捐赠")


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _now(at: dt.datetime | None) -> dt.datetime:
    return at if at is not None else timezone.now()


def _text(values: dict[str, Any], key: str, limit: int, errors: Errors, field: str | None = None) -> str:
    text = " ".join(str(values.get(key) or "").split())
    if len(text) > limit:
        _add(errors, field or key, _("不能超过 %(limit)s 字（现有 %(length)s 字）") % {"limit": limit,
                                                                             "length": len(text)})
    return text


def _decimal(raw: Any, field: str, errors: Errors, label: str) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        _add(errors, field, _("%(label)s应为数字") % {"label": label})
        return None
    if not value.is_finite():
        _add(errors, field, _("%(label)s应为数字") % {"label": label})
        return None
    if value > MAX_QUANTITY:  # before quantize, which cannot hold 1e999999999's digits
        _add(errors, field, _("%(label)s过大：不能超过 100,000,000") % {"label": label})
        return None
    if value < 0:
        _add(errors, field, _("%(label)s不能为负数") % {"label": label})
        return None
    if value != value.quantize(CENT, rounding=ROUND_HALF_UP):
        _add(errors, field, _("%(label)s最多保留两位小数") % {"label": label})
        return None
    if value < 0:
        _add(errors, field, _("%(label)s不能为负数") % {"label": label})
        return None
    if value > MAX_QUANTITY:
        _add(errors, field, _("%(label)s过大：不能超过 100,000,000") % {"label": label})
        return None
    return value.quantize(CENT)


def _date(raw: Any, field: str, errors: Errors) -> dt.date | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw).strip())
    except ValueError:
        _add(errors, field, _("日期格式不正确：请填写如 2021-08-02"))
        return None


# --- the donor ---------------------------------------------------------------------------------------

def member_enterprises(unit: Unit) -> Any:
    """The enterprises a donation of `unit` may name from the registry: its member enterprises."""
    return Unit.objects.filter(member_of=unit, is_active=True).order_by("name")


def _clean_donor(unit: Unit, values: dict[str, Any], errors: Errors) -> dict[str, Any]:
    kind = values.get("donor_kind") or ""
    out: dict[str, Any] = {"donor_kind": kind, "donor_name": "", "donor_enterprise": None, "donor_credit_code": "",
                           "donor_phone": "", "name_public": bool(values.get("name_public"))}
    if kind not in DonorKind.values:
        _add(errors, "donor_kind", _("请选择捐赠方类型：企业或单位、个人或匿名"))
        return out
    if kind == DonorKind.ANONYMOUS:
        out["name_public"] = False  # an anonymous gift has no name to publish
        return out
    name = _text(values, "donor_name", NAME_MAX, errors)
    if kind == DonorKind.ENTERPRISE:
        enterprise_id = values.get("donor_enterprise_id") or values.get("donor_enterprise")
        if isinstance(enterprise_id, Unit):
            enterprise_id = enterprise_id.pk
        if enterprise_id not in (None, ""):
            enterprise = member_enterprises(unit).filter(pk=str(enterprise_id)).first() \
                if str(enterprise_id).isdigit() else None
            if enterprise is None:
                _add(errors, "donor_enterprise_id", _("请从本会的会员企业中选择捐赠企业"))
                return out
            out.update(donor_enterprise=enterprise, donor_name=enterprise.name,
                       donor_credit_code=enterprise.credit_code or "")
            return out
        if not name:
            _add(errors, "donor_name", _("请填写捐赠企业或单位的名称"))
        code = str(values.get("donor_credit_code") or "").strip()
        if not code:
            _add(errors, "donor_credit_code", _("请填写捐赠企业的统一社会信用代码"))
        else:
            try:
                out["donor_credit_code"] = normalize_credit_code(code)
            except ValidationError as exc:
                errors.setdefault("donor_credit_code", []).extend(exc.messages)
        out["donor_name"] = name
        return out
    if not name:
        _add(errors, "donor_name", _("请填写捐赠人姓名；不愿留名请选择“匿名”"))
    out["donor_name"] = name
    phone = str(values.get("donor_phone") or "").strip()
    if phone:
        try:
            out["donor_phone"] = normalize_phone(phone)
        except ValidationError as exc:
            errors.setdefault("donor_phone", []).extend(exc.messages)
    return out


def _clean_appeal(unit: Unit, values: dict[str, Any], errors: Errors) -> Appeal | None:
    raw = values.get("appeal_id", values.get("appeal"))
    if isinstance(raw, Appeal):
        raw = raw.pk
    if raw in (None, ""):
        return None
    appeal = Appeal.objects.filter(pk=raw).first() if str(raw).isdigit() else None
    if appeal is None or not appeal.issuer_rows.filter(unit=unit).exists():
        _add(errors, "appeal_id", _("该倡议不是本单位发起或联合发起的"))
        return None
    if appeal.status != AppealStatus.PUBLISHED:
        _add(errors, "appeal_id", _("该倡议不在募集中（未发布或已结束），不能登记捐赠"))
        return None
    return appeal


# --- the lines ---------------------------------------------------------------------------------------

def _approver(unit: Unit, raw: Any, recorder: Any, field: str, errors: Errors) -> Any:
    if raw in (None, ""):
        _add(errors, field, _("公允价值估算须由本单位另一名工作人员审核：请选择审核人"))
        return None
    user_model = get_user_model()
    user = raw if isinstance(raw, user_model) else (
        user_model.objects.filter(pk=raw).first() if str(raw).isdigit() else None)
    if user is None or not Membership.objects.filter(user=user, unit=unit).exists():
        _add(errors, field, _("审核人应为本单位的工作人员"))
        return None
    if recorder is not None and user.pk == recorder.pk:
        _add(errors, field, _("估值审核人不能是登记人本人"))
        return None
    return user


def _item(line: dict[str, Any], actor: Actor, field: str, errors: Errors) -> Item | None:
    item = line.get("item")
    if isinstance(item, Item):
        return item
    raw = line.get("item_id", item)
    if raw not in (None, ""):
        found = Item.objects.filter(pk=raw).first() if str(raw).isdigit() else None
        if found is None:
            _add(errors, field, _("找不到该物资品类"))
        return found
    if line.get("cash"):
        return cash_item()
    try:
        return item_for(line.get("name") or "", line.get("specification") or "", line.get("measure") or "",
                        actor=actor, field=field)
    except ValidationError as exc:
        for messages in exc.message_dict.values():
            errors.setdefault(field, []).extend(messages)
        return None


def _clean_line(unit: Unit, line: dict[str, Any], n: int, actor: Actor, errors: Errors) -> dict[str, Any] | None:
    p = f"lines.{n}."
    before = sum(len(v) for v in errors.values())
    item = _item(line, actor, p + "item", errors)
    quantity = _decimal(line.get("quantity", line.get("amount")), p + "quantity", errors, _("数量"))
    if quantity is None and (p + "quantity") not in errors:
        _add(errors, p + "quantity", _("请填写数量（现金填金额）"))
    elif quantity is not None and quantity <= 0:
        _add(errors, p + "quantity", _("数量应大于 0"))
    if item is None:
        return None
    out: dict[str, Any] = {"item": item, "quantity": quantity, "expiry_date": None, "lot": "", "unit_value": None,
                           "value": None, "valuation_note": "", "valuation_approved_by": None}
    if item.is_cash:
        out.update(valuation=Valuation.CASH, value=quantity)
        return out if sum(len(v) for v in errors.values()) == before else None
    out["expiry_date"] = _date(line.get("expiry_date"), p + "expiry_date", errors)
    out["lot"] = _text(line, "lot", 40, errors, p + "lot")
    valuation = line.get("valuation") or ""
    if valuation not in GOODS_VALUATIONS:
        _add(errors, p + "valuation", _("请选择估值依据：发票、报关单、公允价值估算或未估值"))
    out["valuation"] = valuation
    unit_value = _decimal(line.get("unit_value"), p + "unit_value", errors, _("单价"))
    value = _decimal(line.get("value"), p + "value", errors, _("价值"))
    if valuation == Valuation.NOT_VALUED:
        if unit_value is not None or value is not None:
            _add(errors, p + "value", _("选择“未估值”时不填单价和价值"))
    elif valuation in GOODS_VALUATIONS and quantity is not None and quantity > 0:
        if unit_value is not None:
            product = (quantity * unit_value).quantize(CENT, rounding=ROUND_HALF_UP)
            if value is None:
                value = product
            elif value != product:
                _add(errors, p + "value", _("价值 %(value)s 元不等于数量 × 单价（%(product)s 元），请核对")
                     % {"value": value, "product": product})
        if value is None and (p + "value") not in errors and (p + "unit_value") not in errors:
            _add(errors, p + "value", _("请填写价值或单价；无法估值请选择“未估值”"))
        if value is not None and value > MAX_QUANTITY * 100:
            _add(errors, p + "value", _("价值过大"))
    out["unit_value"], out["value"] = unit_value, value
    out["valuation_note"] = _text(line, "valuation_note", TEXT_MAX, errors, p + "valuation_note")
    if valuation == Valuation.FAIR_VALUE:
        if not out["valuation_note"]:
            _add(errors, p + "valuation_note", _("公允价值估算请说明估值方法和依据"))
        out["valuation_approved_by"] = _approver(unit, line.get("valuation_approved_by"), user_of(actor),
                                                 p + "valuation_approved_by", errors)
    return out if sum(len(v) for v in errors.values()) == before else None


def clean(actor: Actor, unit: Unit, values: dict[str, Any], lines: list[dict[str, Any]]
          ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The donation's fields and lines checked (see the module docstring); ValidationError with every
    problem at once, each at its field (`lines.<n>.<field>` for a line)."""
    errors: Errors = {}
    out = _clean_donor(unit, values, errors)
    out["appeal"] = _clean_appeal(unit, values, errors)
    out["reference"] = _text(values, "reference", 60, errors)
    out["note"] = _text(values, "note", TEXT_MAX, errors)
    channel = values.get("channel") or ""
    if channel and channel not in Channel.values:
        _add(errors, "channel", _("请选择捐款渠道"))
    out["channel"] = channel
    cleaned: list[dict[str, Any]] = []
    if not lines:
        _add(errors, "lines", _("请至少登记一项现金或物资"))
    for n, line in enumerate(lines or ()):
        got = _clean_line(unit, dict(line), n, actor, errors)
        if got is not None:
            cleaned.append(got)
    items = [c["item"].pk for c in cleaned]
    if len(items) != len(set(items)):
        _add(errors, "lines", _("同一物资（同一规格）请合并为一行"))
    if any(c["item"].is_cash for c in cleaned) and not channel:
        _add(errors, "channel", _("现金捐赠请选择捐款渠道"))
    if errors:
        raise ValidationError(errors)
    return out, cleaned


# --- writes ------------------------------------------------------------------------------------------

def _lock(donation: Donation) -> Donation:
    return Donation.objects.select_related("unit", "appeal").select_for_update(of=("self",)).get(pk=donation.pk)


def _move_received(donation: Donation, sign: int, field: str = "quantity") -> None:
    for line in donation.lines.select_related("item"):
        stock.move(donation.unit, donation.appeal, line.item, received=sign * line.quantity,
                   received_value=sign * (line.value or Decimal(0)), field=field)


def _receive(actor: Actor, donation: Donation, now: dt.datetime) -> None:
    donation.status = DonationStatus.RECEIVED
    donation.received_at = now
    donation.handled_by = user_of(actor)
    receipts.issue(donation)


def _create(actor: Actor, unit: Unit, fields: dict[str, Any], lines: list[dict[str, Any]], *, status: str,
            now: dt.datetime, received_at: dt.datetime | None = None) -> Donation:
    donation = Donation(unit=unit, created_by=user_of(actor), status=status, pledged_at=now, **fields)
    if status == DonationStatus.RECEIVED:
        _receive(actor, donation, received_at or now)
        if received_at is None:
            donation.pledged_at = None
    donation.save()
    DonationLine.objects.bulk_create([DonationLine(donation=donation, **line) for line in lines])
    return donation


@transaction.atomic
def record_donation(actor: Actor, unit: Unit, values: dict[str, Any], lines: list[dict[str, Any]], *,
                    received: bool = True, at: dt.datetime | None = None) -> Donation:
    """Record a donation to `unit`: PLEDGED, or RECEIVED at once (receipt issued, stock moved)."""
    scope.require(actor, unit, scope.FILE, _refusal())
    fields, cleaned = clean(actor, unit, values, lines)
    now = _now(at)
    donation = _create(actor, unit, fields, cleaned, status=DonationStatus.RECEIVED if received
                       else DonationStatus.PLEDGED, now=now)
    if received:
        _move_received(donation, +1)
    audit.record_change(actor, donation, None, unit=unit)
    publiccache.bump(PUBLIC)
    return donation


@transaction.atomic
def receive_pledge(actor: Actor, donation: Donation, *, at: dt.datetime | None = None) -> Donation:
    """A pledge arrives: RECEIVED now (receipt issued, stock moved); its lines are frozen from here."""
    scope.require(actor, donation.unit, scope.FILE, _refusal())
    donation = _lock(donation)
    if donation.status != DonationStatus.PLEDGED:
        raise ValidationError({"status": [_("只有“已认捐”的捐赠可以确认接收（当前：%(status)s）")
                                          % {"status": donation.get_status_display()}]})
    if donation.appeal is not None and donation.appeal.status == AppealStatus.DRAFT:
        raise ValidationError({"appeal_id": [_("该倡议未发布，不能接收捐赠")]})
    before = audit.snapshot(donation)
    _receive(actor, donation, _now(at))
    donation.save()
    _move_received(donation, +1)
    audit.record_change(actor, donation, before, unit=donation.unit)
    publiccache.bump(PUBLIC)
    return donation


@transaction.atomic
def withdraw_pledge(actor: Actor, donation: Donation, *, reason: str = "") -> Donation:
    """The donor withdraws a pledge (认捐撤回): it stays on record as WITHDRAWN; nothing moves."""
    scope.require(actor, donation.unit, scope.FILE, _refusal())
    donation = _lock(donation)
    if donation.status != DonationStatus.PLEDGED:
        raise ValidationError({"status": [_("只有“已认捐”的捐赠可以撤回；已接收的捐赠请提交更正")]})
    errors: Errors = {}
    reason = _text({"reason": reason}, "reason", TEXT_MAX, errors)
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(donation)
    donation.status = DonationStatus.WITHDRAWN
    if reason:
        donation.note = (f"{donation.note}；" if donation.note else "") + _("撤回：%(reason)s") % {"reason": reason}
        donation.note = donation.note[:TEXT_MAX]
    donation.save(update_fields=["status", "note"])
    audit.record_change(actor, donation, before, unit=donation.unit)
    publiccache.bump(PUBLIC)
    return donation


@transaction.atomic
def edit_pledge(actor: Actor, donation: Donation, values: dict[str, Any], lines: list[dict[str, Any]]) -> Donation:
    """Change a PLEDGED donation; a received donation is frozen (refused: correct it instead)."""
    scope.require(actor, donation.unit, scope.FILE, _refusal())
    donation = _lock(donation)
    if donation.status != DonationStatus.PLEDGED:
        raise ValidationError({"status": [FROZEN]})
    fields, cleaned = clean(actor, donation.unit, values, lines)
    before = audit.snapshot(donation)
    for key, value in fields.items():
        setattr(donation, key, value)
    donation.save()
    donation.lines.all().delete()
    DonationLine.objects.bulk_create([DonationLine(donation=donation, **line) for line in cleaned])
    audit.record_change(actor, donation, before, unit=donation.unit)
    return donation


def refuse_edit(donation: Donation) -> None:
    """Raise the frozen refusal for an edit of anything but a pledge (for the API and pages)."""
    if donation.status != DonationStatus.PLEDGED:
        raise ValidationError({"status": [FROZEN]})


def _values_of(donation: Donation) -> dict[str, Any]:
    return {"appeal_id": donation.appeal_id, "donor_kind": donation.donor_kind, "donor_name": donation.donor_name,
            "donor_enterprise_id": donation.donor_enterprise_id, "donor_credit_code": donation.donor_credit_code,
            "donor_phone": donation.donor_phone, "name_public": donation.name_public,
            "channel": donation.channel, "reference": donation.reference, "note": donation.note}


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def differences(old: list[DonationLine], new: list[DonationLine]) -> list[dict[str, Any]]:
    """Line by line, what a correction changed: item, measure, quantity and value before and after
    (a line only on one side has None on the other)."""
    before = {line.item_id: line for line in old}
    after = {line.item_id: line for line in new}
    changes: list[dict[str, Any]] = []
    for item_id in list(dict.fromkeys([*before, *after])):
        b, a = before.get(item_id), after.get(item_id)
        line = a or b
        assert line is not None
        row = {"item_id": item_id, "item": str(line.item), "measure": line.item.measure,
               "before": _amount(b.quantity) if b else None, "after": _amount(a.quantity) if a else None,
               "value_before": _amount(b.value) if b else None, "value_after": _amount(a.value) if a else None,
               "valuation_before": b.valuation if b else None, "valuation_after": a.valuation if a else None}
        if (row["before"], row["value_before"], row["valuation_before"]) != (
                row["after"], row["value_after"], row["valuation_after"]):
            changes.append(row)
    return changes


@transaction.atomic
def correct_donation(actor: Actor, donation: Donation, *, reason: str, values: dict[str, Any] | None = None,
                     lines: list[dict[str, Any]]) -> Correction:
    """Replace a received donation by a corrected one (see the module docstring); `values` not
    given keep the old donation's."""
    scope.require(actor, donation.unit, scope.FILE, _refusal())
    donation = _lock(donation)
    if donation.status != DonationStatus.RECEIVED:
        raise ValidationError({"status": [_("只有“已接收”且未被更正过的捐赠可以更正")]})
    errors: Errors = {}
    reason = _text({"reason": reason}, "reason", TEXT_MAX, errors)
    if not reason and "reason" not in errors:
        _add(errors, "reason", _("请填写更正原因（将在公示的更正说明中显示）"))
    try:
        fields, cleaned = clean(actor, donation.unit, {**_values_of(donation), **(values or {})}, lines)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    old_lines = list(donation.lines.select_related("item"))
    before = audit.snapshot(donation)
    donation.status = DonationStatus.SUPERSEDED
    donation.save(update_fields=["status"])
    new = _create(actor, donation.unit, fields, cleaned, status=DonationStatus.RECEIVED, now=timezone.now(),
                  received_at=donation.received_at)
    new.pledged_at = donation.pledged_at
    new.save(update_fields=["pledged_at"])
    new_lines = list(new.lines.select_related("item"))
    # stock moves by the net difference per (appeal, item): a decrease first, so goods already
    # handed over are refused before anything else changes
    delta: dict[tuple[int | None, int], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for line in old_lines:
        delta[(donation.appeal_id, line.item_id)][0] -= line.quantity
        delta[(donation.appeal_id, line.item_id)][1] -= line.value or Decimal(0)
    for line in new_lines:
        delta[(new.appeal_id, line.item_id)][0] += line.quantity
        delta[(new.appeal_id, line.item_id)][1] += line.value or Decimal(0)
    items = {line.item_id: line.item for line in [*old_lines, *new_lines]}
    appeals = {donation.appeal_id: donation.appeal, new.appeal_id: new.appeal}
    for (appeal_id, item_id), (qty, value) in sorted(delta.items(), key=lambda kv: kv[1][0]):
        if qty or value:
            try:
                stock.move(donation.unit, appeals[appeal_id], items[item_id], received=qty, received_value=value)
            except ValidationError as exc:
                raise ValidationError({"lines": [_("%(item)s已有部分交接出库，不能按此更正减少：%(why)s")
                                                 % {"item": items[item_id], "why": "；".join(exc.messages)}]}
                                      ) from None
    correction = Correction.objects.create(
        unit=donation.unit, appeal=new.appeal or donation.appeal, donation=donation, donation_after=new,
        reason=reason, changes=differences(old_lines, new_lines), created_by=user_of(actor),
        created_at=timezone.now())
    audit.record_change(actor, donation, before, unit=donation.unit)
    audit.record_change(actor, new, None, unit=donation.unit)
    audit.record_change(actor, correction, None, unit=donation.unit)
    publiccache.bump(PUBLIC)
    return correction


def import_batch(actor: Actor, unit: Unit, file: IO[bytes], *, commit: bool = True,
                 filename: str | None = None) -> ImportResult:
    """A batch of received donations of `unit` from Excel, all or nothing (donations.excel); with
    `commit=False` the preview only."""
    from tongxin.donations import excel

    return excel.import_donations(actor, unit, file, dry_run=not commit, filename=filename)

