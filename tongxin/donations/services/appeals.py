"""Appeals: create and edit a draft, publish, close; disclosures (publish one: figures frozen).

Guarantees:
- every write is one transaction, scope-checked (FILE on the lead unit), audited, and bumps the
  public cache (services.stock.PUBLIC);
- a joint appeal keeps its issuers in the order given, the lead unit first; co-issuers are social
  organisations in the registry;
- needs are goods items (services.catalogue.item_for) with quantities in (0, 100,000,000];
- only a draft is edited; states move draft → published → closed through APPEAL_FLOW;
- a disclosure's `figures` are read from the Stock rows of (unit, appeal) at publication and never
  change afterwards.

Contract other parts rely on:

- create_appeal(actor, unit, values: dict, *, issuers: list[Unit] = (), needs: list[dict] = ()) -> Appeal
- publish_appeal(actor, appeal) -> Appeal;  close_appeal(actor, appeal) -> Appeal
- publish_disclosure(actor, unit, appeal: Appeal | None, *, note="", is_final=False, at=None) -> Disclosure
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.accounts.actors import user_of
from tongxin.core import audit, notify, publiccache, workflow
from tongxin.core.models import AuditEvent
from tongxin.core.types import Actor
from tongxin.donations.models import Appeal, AppealIssuer, AppealNeed, Disclosure, Stock
from tongxin.donations.models.appeals import TEXT_MAX, TITLE_MAX, AppealStatus, Clock
from tongxin.donations.services import catalogue
from tongxin.donations.services.stock import PUBLIC
from tongxin.units import scope
from tongxin.units.models import Category, Unit

QUANTITY_MAX = Decimal("100000000")
FIELDS = ("title", "text", "starts_on", "ends_on", "beneficiary", "how_to_give", "filing_number", "clock")

APPEAL_FLOW = workflow.Workflow(
    dict(AppealStatus.choices),
    [
        workflow.step("open", [workflow.INITIAL], AppealStatus.DRAFT, gettext_lazy("新建倡议")),
        workflow.step("edit", [AppealStatus.DRAFT], AppealStatus.DRAFT, gettext_lazy("编辑"),
                      refusal=gettext_lazy("倡议已发布，不能再修改（只有草稿可以修改）")),
        workflow.step("publish", [AppealStatus.DRAFT], AppealStatus.PUBLISHED, gettext_lazy("发布")),
        workflow.step("close", [AppealStatus.PUBLISHED], AppealStatus.CLOSED, gettext_lazy("结束募集")),
    ],
)


@APPEAL_FLOW.guard("open", "edit", "publish", "close")
def _may_file(actor: Actor, appeal: Appeal) -> None:
    scope.require(actor, appeal.unit, scope.FILE, _("您的角色不能为该单位发起或修改倡议"))


def _refuse(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _day(value: Any, field: str, *, required: bool) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise _refuse(field, _("请填写日期"))
        return None
    if isinstance(value, dt.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise _refuse(field, _("日期格式不正确，应为 YYYY-MM-DD")) from None


def _clean(values: Mapping[str, Any], current: Appeal | None = None) -> dict[str, Any]:
    """The appeal's fields, validated; errors collected per field."""
    merged: dict[str, Any] = {f: getattr(current, f) for f in FIELDS} if current is not None else {}
    merged.update({k: v for k, v in values.items() if k in FIELDS})
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    for name, limit, required in (("title", TITLE_MAX, True), ("beneficiary", TEXT_MAX, True),
                                  ("filing_number", 60, False)):
        text = " ".join(str(merged.get(name) or "").split())
        if required and not text:
            errors.setdefault(name, []).append(_("此项不能为空"))
        elif len(text) > limit:
            errors.setdefault(name, []).append(_("不能超过 %(n)s 个字") % {"n": limit})
        out[name] = text
    for name in ("text", "how_to_give"):
        text = str(merged.get(name) or "").strip()
        if not text:
            errors.setdefault(name, []).append(_("此项不能为空"))
        out[name] = text
    for name, required in (("starts_on", True), ("ends_on", False)):
        try:
            out[name] = _day(merged.get(name), name, required=required)
        except ValidationError as e:
            errors.setdefault(name, []).extend(e.message_dict[name])
    if out.get("starts_on") and out.get("ends_on") and out["ends_on"] < out["starts_on"]:
        errors.setdefault("ends_on", []).append(_("结束日期不能早于开始日期"))
    clock = merged.get("clock") or Clock.RESPONSE
    if clock not in Clock.values:
        errors.setdefault("clock", []).append(_("请选择公开频次"))
    out["clock"] = clock
    if errors:
        raise ValidationError(errors)
    return out


def _quantity(raw: Any, field: str) -> Decimal:
    try:
        q = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise _refuse(field, _("数量必须是数字")) from None
    if not q.is_finite() or q <= 0:
        raise _refuse(field, _("数量必须大于 0"))
    if q > QUANTITY_MAX:
        raise _refuse(field, _("数量过大（不能超过 1 亿）"))
    if q != q.quantize(Decimal("0.01")):
        raise _refuse(field, _("数量最多保留两位小数"))
    return q


def _issuers(lead: Unit, issuers: Iterable[Unit]) -> list[Unit]:
    ordered: list[Unit] = [lead]
    for unit in issuers:
        if unit.pk not in {u.pk for u in ordered}:
            if unit.category != Category.SOCIAL_ORG and unit.pk != lead.pk:
                raise _refuse("issuers", _("联合发起单位“%(unit)s”不是社会组织") % {"unit": unit})
            ordered.append(unit)
    return ordered


def _set_issuers(appeal: Appeal, units: Sequence[Unit]) -> None:
    AppealIssuer.objects.filter(appeal=appeal).delete()
    AppealIssuer.objects.bulk_create([AppealIssuer(appeal=appeal, unit=u, order=i) for i, u in enumerate(units)])


def _set_needs(actor: Actor, appeal: Appeal, needs: Iterable[Mapping[str, Any]]) -> None:
    rows: dict[int, AppealNeed] = {}
    for i, need in enumerate(needs):
        field = f"needs[{i}]"
        item = need.get("item") or catalogue.item_for(need.get("name", ""), need.get("specification", ""),
                                                      need.get("measure", ""), actor=actor, field=field)
        if item.is_cash:
            raise _refuse(field, _("现金不作为需求物资"))
        if item.pk in rows:
            raise _refuse(field, _("“%(item)s”重复填写") % {"item": item})
        rows[item.pk] = AppealNeed(appeal=appeal, item=item, quantity=_quantity(need.get("quantity"), field),
                                   note=str(need.get("note") or "")[:TEXT_MAX])
    AppealNeed.objects.filter(appeal=appeal).delete()
    AppealNeed.objects.bulk_create(rows.values())


def _snapshot(appeal: Appeal) -> dict[str, Any]:
    snap = audit.snapshot(appeal, [*FIELDS, "status"])
    snap["issuers"] = list(appeal.issuer_rows.values_list("unit_id", flat=True))
    snap["needs"] = [[n.item_id, str(n.quantity)] for n in appeal.needs.all()]
    return snap


def create_appeal(actor: Actor, unit: Unit, values: Mapping[str, Any], *, issuers: Sequence[Unit] = (),
                  needs: Sequence[Mapping[str, Any]] = ()) -> Appeal:
    """A draft appeal led by `unit` (the actor needs FILE scope on it), issued jointly with
    `issuers` in that order; `needs` are {item | name, specification, measure; quantity; note}."""
    APPEAL_FLOW.take(actor, Appeal(unit=unit, status=workflow.INITIAL), "open")
    clean = _clean(values)
    units = _issuers(unit, issuers)
    with transaction.atomic():
        appeal = Appeal.objects.create(unit=unit, status=AppealStatus.DRAFT, created_by=user_of(actor), **clean)
        _set_issuers(appeal, units)
        _set_needs(actor, appeal, needs)
        audit.record(AuditEvent.Action.CREATE, actor=user_of(actor), obj=appeal, unit=unit,
                     changes=audit.diff({}, _snapshot(appeal)))
        publiccache.bump(PUBLIC)
    return appeal


def edit_appeal(actor: Actor, appeal: Appeal, values: Mapping[str, Any], *, issuers: Sequence[Unit] | None = None,
                needs: Sequence[Mapping[str, Any]] | None = None) -> Appeal:
    """Change a draft: fields given in `values`; issuers and needs replaced when given."""
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
        APPEAL_FLOW.take(actor, appeal, "edit")
        before = _snapshot(appeal)
        for name, value in _clean(values, appeal).items():
            setattr(appeal, name, value)
        appeal.save()
        if issuers is not None:
            _set_issuers(appeal, _issuers(appeal.unit, issuers))
        if needs is not None:
            _set_needs(actor, appeal, needs)
        audit.record(AuditEvent.Action.UPDATE, actor=user_of(actor), obj=appeal, unit=appeal.unit,
                     changes=audit.diff(before, _snapshot(appeal)))
        publiccache.bump(PUBLIC)
    return appeal


def _move(actor: Actor, appeal: Appeal, name: str, **stamp: Any) -> Appeal:
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
        t = APPEAL_FLOW.take(actor, appeal, name)
        before = audit.snapshot(appeal, ["status", *stamp])
        appeal.status = t.target
        for k, v in stamp.items():
            setattr(appeal, k, v)
        appeal.save()
        audit.record(AuditEvent.Action.UPDATE, actor=user_of(actor), obj=appeal, unit=appeal.unit,
                     changes=audit.diff(before, audit.snapshot(appeal, ["status", *stamp])))
        publiccache.bump(PUBLIC)
    return appeal


def publish_appeal(actor: Actor, appeal: Appeal, *, at: dt.datetime | None = None) -> Appeal:
    """Publish a draft (it appears on the public site; the disclosure clock starts)."""
    return _move(actor, appeal, "publish", published_at=at or timezone.now())


def close_appeal(actor: Actor, appeal: Appeal, *, at: dt.datetime | None = None) -> Appeal:
    """End a published appeal's giving (the final disclosure becomes due)."""
    return _move(actor, appeal, "close", closed_at=at or timezone.now())


def _text(value: Decimal) -> str:
    return format(value, "f")


def figures_of(unit: Unit, appeal: Appeal | None) -> dict[str, Any]:
    """What the Stock rows of (unit, appeal) say now, as plain JSON (strings for Decimals)."""
    items: list[dict[str, Any]] = []
    cash = goods = Decimal(0)
    for row in Stock.objects.filter(unit=unit, appeal=appeal).select_related("item").order_by("item__kind",
                                                                                               "item__name", "item_id"):
        if row.item.is_cash:
            cash += row.received
        else:
            goods += row.received_value
        items.append({"item": row.item_id, "name": row.item.name, "specification": row.item.specification,
                      "measure": row.item.measure, "cash": row.item.is_cash, "received": _text(row.received),
                      "received_value": _text(row.received_value), "allocated": _text(row.allocated),
                      "handed_over": _text(row.handed_over), "adjusted": _text(row.adjusted),
                      "in_stock": _text(row.quantity)})
    return {"items": items, "cash_total": _text(cash), "goods_value_total": _text(goods)}


def publish_disclosure(actor: Actor, unit: Unit, appeal: Appeal | None, *, note: str = "", is_final: bool = False,
                       at: dt.datetime | None = None) -> Disclosure:
    """Publish `unit`'s disclosure of `appeal` (None: its gifts outside any appeal) as of `at`;
    its figures are frozen now. The unit must issue the appeal, and the appeal must be published."""
    scope.require(actor, unit, scope.FILE, _("您的角色不能为该单位发布信息公开"))
    when = at or timezone.now()
    with transaction.atomic():
        if appeal is not None:
            appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
            if appeal.status == AppealStatus.DRAFT:
                raise _refuse("appeal", _("倡议尚未发布，不能公开"))
            if not appeal.issuer_rows.filter(unit=unit).exists():
                raise _refuse("appeal", _("该单位不是此倡议的发起单位"))
        if len(note) > 2000:
            raise _refuse("note", _("说明不能超过 2000 字"))
        d = Disclosure.objects.create(unit=unit, appeal=appeal, period_end=when, is_final=is_final,
                                      figures=figures_of(unit, appeal), note=note.strip(),
                                      published_by=user_of(actor), published_at=when)
        audit.record(AuditEvent.Action.CREATE, actor=user_of(actor), obj=d, unit=unit,
                     changes={"is_final": [None, is_final], "figures": [None, d.figures]})
        publiccache.bump(PUBLIC)
    return d


DUE_SOON, OVERDUE = "donations.disclosure_due", "donations.disclosure_overdue"


def register_messages() -> None:
    """The notices of the disclosure clock (core.notify)."""
    notify.register(DUE_SOON, title=gettext_lazy("“%(title)s”的信息公开将于 %(due)s 到期"),
                    body=gettext_lazy("请在 %(due)s 前发布本期捐赠信息公开。"), label=gettext_lazy("公开即将到期"))
    notify.register(OVERDUE, title=gettext_lazy("“%(title)s”的信息公开已逾期（应于 %(due)s 前）"),
                    body=gettext_lazy("请尽快发布捐赠信息公开。"), label=gettext_lazy("公开逾期"))


def send_clock_notices(now: dt.datetime | None = None) -> int:
    """Tell each issuer's staff of a disclosure due within a day or overdue; once per (appeal,
    issuer, local day). Returns the number of notifications sent."""
    from tongxin.core.models import Notification
    from tongxin.donations.queries.appeals import clock
    from tongxin.units.queries import staff_of

    now = now or timezone.now()
    day = timezone.localdate(now).isoformat()
    sent = 0
    for appeal in Appeal.objects.exclude(status=AppealStatus.DRAFT).prefetch_related("issuer_rows__unit"):
        for row in appeal.issuer_rows.all():
            state = clock(appeal, row.unit, now=now)
            if state.due_on is None or state.days_left is None or (state.days_left > 1 and not state.overdue):
                continue
            key = OVERDUE if state.overdue else DUE_SOON
            if Notification.objects.filter(key__in=[DUE_SOON, OVERDUE], params__appeal=appeal.pk,
                                           params__unit=row.unit.pk, params__day=day).exists():
                continue
            with transaction.atomic():
                sent += len(notify.notify(staff_of(row.unit), key=key, at=now, params={
                    "appeal": appeal.pk, "unit": row.unit.pk, "day": day, "due": state.due_on.isoformat(),
                    "title": appeal.title}))
    return sent
