"""Every write of directives, issuing side (通知 / 指令): draft, submit, approve (签发, which issues
it), revise, withdraw, close — validate, check scope and roles, move the state, audit, in one
transaction.

The life of a directive is `WORKFLOW`, with its guards:
- the issuing bureau's officers and leaders (or a bureau above it: FILE over the issuer) draft,
  edit, submit, revise, withdraw and close;
- only a LEADER of the issuing bureau or of a bureau above it approves (签发) or sends a submitted
  draft back. Approving is the one way a directive is issued: there is no path (page, API or
  service) that delivers a draft or a pending directive without a leader's approval.

Issuing delivers one `Delivery` per receiving unit (`queries.directives.recipients`), with the
time, the chain's `root` and the unit's region code, and tells each unit's people
(`command.directive.delivered`) once the transaction commits. A forward (`forwarded_from`) skips
units that already hold a delivery of the same chain. A revision is a new draft (`version`+1,
`replaces` the old); when it is approved the old one becomes REPLACED and the new is delivered; if
the revision is not substantive each unit's signature carries over, otherwise they sign again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.accounts.models import User
from tongxin.command.models import Delivery, Directive, Response, Urgency
from tongxin.command.models.directives import MAX_BODY, MAX_FEEDBACK, MAX_TITLE
from tongxin.command.queries.directives import LEVELS, people_by_unit, recipients
from tongxin.core import audit
from tongxin.core.models import Attachment
from tongxin.core.notify import notify
from tongxin.core.types import Actor
from tongxin.core.validators import check_length
from tongxin.core.workflow import INITIAL, Workflow, step
from tongxin.regions.models import Region
from tongxin.units import scope
from tongxin.units.models import Kind, Membership, Role, Unit

S = Directive.Status
MAX_DOC_NUMBER = 50
MAX_REASON = 500

WORKFLOW = Workflow(
    {S.DRAFT: gettext_lazy("草稿"), S.PENDING: gettext_lazy("待签发"), S.ISSUED: gettext_lazy("已下发"),
     S.CLOSED: gettext_lazy("已办结"), S.REPLACED: gettext_lazy("已修订"), S.WITHDRAWN: gettext_lazy("已撤回")},
    [
        step("create", [INITIAL], S.DRAFT, gettext_lazy("拟稿")),
        step("edit", [S.DRAFT], S.DRAFT, gettext_lazy("修改"),
             refusal=gettext_lazy("只有草稿可以修改；已下发的通知请用「修订」")),
        step("submit", [S.DRAFT], S.PENDING, gettext_lazy("提交签发"),
             refusal=gettext_lazy("只有草稿可以提交签发")),
        step("approve", [S.PENDING], S.ISSUED, gettext_lazy("签发"),
             refusal=gettext_lazy("未经签发的草稿不能下发：请先提交签发，由领导签发后下发")),
        step("return", [S.PENDING], S.DRAFT, gettext_lazy("退回修改")),
        step("revise", [S.ISSUED], S.ISSUED, gettext_lazy("修订"),
             refusal=gettext_lazy("只有已下发且未办结的通知可以修订")),
        step("withdraw", [S.PENDING, S.ISSUED], S.WITHDRAWN, gettext_lazy("撤回"),
             refusal=gettext_lazy("只有待签发或已下发的通知可以撤回")),
        step("close", [S.ISSUED], S.CLOSED, gettext_lazy("办结"),
             refusal=gettext_lazy("只有已下发的通知可以办结")),
    ],
)

ISSUER_STEPS = ("create", "edit", "submit", "revise", "withdraw", "close")


@WORKFLOW.guard(*ISSUER_STEPS)
def _issuing_side(actor: Actor, directive: Directive) -> None:
    """The issuing bureau's officers and leaders, or a bureau above it, act for the issuer."""
    scope.require(actor, directive.issuer, scope.FILE, _("只有发文单位的业务人员或领导可以办理"))


@WORKFLOW.guard("approve", "return")
def _leader(actor: Actor, directive: Directive) -> None:
    """签发 is a leader's: a LEADER of the issuing bureau or of a bureau above it."""
    scope.require(actor, directive.issuer, scope.READ, "")
    if actor is not None and not is_leader_for(actor, directive.issuer):
        raise PermissionDenied(_("只有发文单位（或上级民政部门）的领导可以签发"))


def is_leader_for(actor: Actor, issuer: Unit) -> bool:
    """Whether `actor` holds a LEADER role at `issuer` or at a bureau whose region lies above it."""
    if actor is None:
        return True
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", False) or actor.pk is None:
        return False
    prefixes = [m.unit.region.prefix for m in Membership.objects.filter(
        user_id=actor.pk, role=Role.LEADER, unit__kind=Kind.BUREAU, unit__is_active=True)
        .select_related("unit__region")]
    return any(issuer.region_id.startswith(p) for p in prefixes)


def _user(actor: Actor) -> User | None:
    return cast(User | None, actor)


def _drafter(actor: Actor) -> User:
    """The drafting person: a directive is always drafted by a signed-in user, never by the system."""
    if actor is None:
        raise ValueError("a directive is drafted by a person: pass the drafting user as actor")
    return cast(User, actor)


# --- validation ---------------------------------------------------------------------------------

FIELDS = ("issuer", "region", "title", "body", "sign_deadline", "doc_number", "urgency", "target_kinds",
          "target_levels", "feedback_required", "feedback_deadline", "feedback_request", "response")


def _clean(values: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """The draft's fields checked together; ValidationError naming every bad field at once."""
    errors: dict[str, list[str]] = {}
    out = dict(values)
    issuer, region = out.get("issuer"), out.get("region")
    if not isinstance(issuer, Unit) or not issuer.is_bureau:
        errors["issuer"] = [_("发文单位须为民政部门")]
    if not isinstance(region, Region):
        errors["region"] = [_("请选择下发范围")]
    elif isinstance(issuer, Unit) and not region.code.startswith(issuer.region.prefix):
        errors["region"] = [_("下发范围须在发文单位（%(issuer)s）的辖区内") % {"issuer": issuer.name}]
    for key, limit in (("title", MAX_TITLE), ("body", MAX_BODY), ("doc_number", MAX_DOC_NUMBER),
                       ("feedback_request", MAX_FEEDBACK)):
        out[key] = str(out.get(key) or "").strip()
        try:
            check_length(key, out[key], limit)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if not out["title"] and "title" not in errors:
        errors["title"] = [_("请填写标题")]
    if not out["body"] and "body" not in errors:
        errors["body"] = [_("请填写正文")]
    if out.get("urgency") not in Urgency.values:
        errors["urgency"] = [_("请选择有效的紧急程度")]
    kinds = list(out.get("target_kinds") or ())
    if any(k not in Kind.values for k in kinds):
        errors["target_kinds"] = [_("请选择有效的单位类型")]
    levels = list(out.get("target_levels") or ())
    if any(k not in LEVELS for k in levels):
        errors["target_levels"] = [_("请选择有效的接收层级")]
    out["target_kinds"], out["target_levels"] = sorted(set(kinds)), sorted(set(levels))
    sign = out.get("sign_deadline")
    if not isinstance(sign, dt.datetime):
        errors["sign_deadline"] = [_("请填写签收时限（特急、加急通知必须有时限）")]
    elif timezone.is_naive(sign):
        errors["sign_deadline"] = [_("签收时限须包含时区")]
    elif sign <= now:
        errors["sign_deadline"] = [_("签收时限须晚于当前时间")]
    out["feedback_required"] = bool(out.get("feedback_required"))
    feedback = out.get("feedback_deadline")
    if out["feedback_required"]:
        if not isinstance(feedback, dt.datetime):
            errors["feedback_deadline"] = [_("需要反馈的通知须填写反馈时限")]
        elif timezone.is_naive(feedback):
            errors["feedback_deadline"] = [_("反馈时限须包含时区")]
        elif feedback <= now:
            errors["feedback_deadline"] = [_("反馈时限须晚于当前时间")]
        elif isinstance(sign, dt.datetime) and not timezone.is_naive(sign) and feedback < sign:
            errors["feedback_deadline"] = [_("反馈时限不能早于签收时限")]
    else:
        out["feedback_deadline"], out["feedback_request"] = None, ""
    response = out.get("response")
    if response is not None and not isinstance(response, Response):
        errors["response"] = [_("请选择有效的应急响应")]
    if errors:
        raise ValidationError(errors)
    return out


def _set_attachments(directive: Directive, attachments: Sequence[Attachment]) -> None:
    directive.attachments.set(list(attachments))


# --- drafting -------------------------------------------------------------------------------------

@transaction.atomic
def create_draft(actor: Actor, *, issuer: Unit, region: Region, title: str, body: str, sign_deadline: dt.datetime,
                 doc_number: str = "", urgency: str = Urgency.NORMAL, target_kinds: Sequence[str] = (),
                 target_levels: Sequence[str] = (), feedback_required: bool = False,
                 feedback_deadline: dt.datetime | None = None, feedback_request: str = "",
                 response: Response | None = None, attachments: Sequence[Attachment] = (),
                 forwarded_from: Directive | None = None, now: dt.datetime | None = None) -> Directive:
    """拟稿: a draft directive of `issuer` (a bureau) for `region` (inside the issuer's subtree).

    Guarantees: only the issuing side (the bureau's officers or leaders, or a bureau above) drafts
    (404 for a stranger, 403 for a role that may not); every field is checked at once
    (ValidationError naming each: lengths, a region outside the issuer's subtree, a sign deadline
    not after `now`, feedback required without a deadline); nothing is saved on a refusal; the
    draft and its audit record are written together. `forwarded_from` marks a forward (转发),
    which the receiving side's service vouches for. `actor` must be a signed-in user (the drafter)."""
    now = now or timezone.now()
    WORKFLOW.take(actor, Directive(issuer=issuer, status=INITIAL), "create")
    drafter = _drafter(actor)
    values = _clean({"issuer": issuer, "region": region, "title": title, "body": body,
                     "sign_deadline": sign_deadline, "doc_number": doc_number, "urgency": urgency,
                     "target_kinds": target_kinds, "target_levels": target_levels,
                     "feedback_required": feedback_required, "feedback_deadline": feedback_deadline,
                     "feedback_request": feedback_request, "response": response}, now)
    directive = Directive.objects.create(**values, forwarded_from=forwarded_from, drafted_by=drafter,
                                         status=S.DRAFT)
    _set_attachments(directive, attachments)
    audit.record_change(actor, directive, None, unit=issuer)
    return directive


EDITABLE = frozenset(FIELDS) - {"issuer"} | {"attachments"}


def _lock(directive: Directive) -> Directive:
    return (Directive.objects.select_for_update(of=("self",))
            .select_related("issuer__region", "region", "forwarded_from").get(pk=directive.pk))


@transaction.atomic
def update_draft(actor: Actor, directive: Directive, *, now: dt.datetime | None = None, **fields: Any) -> Directive:
    """修改: change a draft's fields (any of `EDITABLE`; `attachments` replaces the files). Only a
    draft, only the issuing side; the same checks as `create_draft`, all or nothing; audited."""
    locked = _lock(directive)
    WORKFLOW.take(actor, locked, "edit")
    unknown = sorted(set(fields) - EDITABLE)
    if unknown:
        raise ValidationError({"__all__": [_("不能修改的字段：%(fields)s") % {"fields": "、".join(unknown)}]})
    now = now or timezone.now()
    attachments = fields.pop("attachments", None)
    values = _clean({**{f: getattr(locked, f) for f in FIELDS}, **fields}, now)
    before = audit.snapshot(locked)
    for key, value in values.items():
        setattr(locked, key, value)
    locked.save()
    if attachments is not None:
        _set_attachments(locked, attachments)
    audit.record_change(actor, locked, before, unit=locked.issuer)
    return locked


def _move(actor: Actor, locked: Directive, name: str, **changes: Any) -> Directive:
    move = WORKFLOW.take(actor, locked, name)
    before = audit.snapshot(locked)
    locked.status = move.target
    for key, value in changes.items():
        setattr(locked, key, value)
    locked.save()
    audit.record_change(actor, locked, before, unit=locked.issuer)
    return locked


@transaction.atomic
def submit(actor: Actor, directive: Directive, *, now: dt.datetime | None = None) -> Directive:
    """提交签发: draft → pending, for a leader to approve. The draft is re-checked (its deadlines may
    have passed since it was written)."""
    locked = _lock(directive)
    WORKFLOW.take(actor, locked, "submit")
    _clean({f: getattr(locked, f) for f in FIELDS}, now or timezone.now())
    return _move(actor, locked, "submit")


@transaction.atomic
def send_back(actor: Actor, directive: Directive, *, reason: str = "") -> Directive:
    """退回修改: a leader sends a submitted draft back to the drafters (pending → draft), saying why
    (optional, at most 500 characters; kept in the audit trail with the move)."""
    reason = (reason or "").strip()
    check_length("reason", reason, MAX_REASON)
    locked = _lock(directive)
    move = WORKFLOW.take(actor, locked, "return")
    before = locked.status
    locked.status = move.target
    locked.save(update_fields=["status"])
    audit.record(audit.Action.UPDATE, actor=actor, obj=locked, unit=locked.issuer,
                 changes={"status": [before, locked.status], **({"reason": [None, reason]} if reason else {})})
    return locked


# --- approving is issuing -------------------------------------------------------------------------

@transaction.atomic
def approve(actor: Actor, directive: Directive, *, now: dt.datetime | None = None) -> Directive:
    """签发: a leader approves a pending directive and it is issued at once.

    Guarantees: only a LEADER of the issuing bureau or of a bureau above (403 for anyone else, 404
    for a stranger); only a pending directive (a draft is refused: "未经签发的草稿不能下发"); its
    deadlines must still lie ahead and it must reach at least one unit; then, in one transaction,
    status ISSUED with approver and time, `root` set (itself, the forwarded directive's root for a
    forward, the replaced one's root for a revision), one Delivery per recipient (a forward skips
    units already holding a delivery of the chain; a revision replaces the old version, carrying
    signatures over unless `substantive`), audited; each unit's people are told after commit."""
    now = now or timezone.now()
    locked = _lock(directive)
    WORKFLOW.take(actor, locked, "approve")
    _clean({f: getattr(locked, f) for f in FIELDS}, now)
    old: Directive | None = None
    if locked.replaces_id is not None:
        old = Directive.objects.select_for_update().get(pk=locked.replaces_id)
        if old.status != S.ISSUED:
            raise ValidationError({"status": [_("原通知已%(state)s，不能签发这份修订") % {
                "state": WORKFLOW.state_label(old.status)}]})
    units = list(recipients(locked))
    if old is not None:
        root_id = old.root_id or old.pk
    elif locked.forwarded_from_id is not None:
        source = locked.forwarded_from
        root_id = (source.root_id or source.pk) if source is not None else locked.pk
        held = set(Delivery.objects.filter(root_id=root_id, directive__status__in=(S.ISSUED, S.CLOSED))
                   .values_list("unit_id", flat=True))
        units = [u for u in units if u.pk not in held]
    else:
        root_id = locked.pk
    if not units:
        raise ValidationError({"region": [_("下发范围内没有符合条件的接收单位")]})
    _move(actor, locked, "approve", approved_by=_user(actor), approved_at=now, issued_at=now, root_id=root_id)
    carried: dict[int, Delivery] = {}
    if old is not None:
        before = audit.snapshot(old)
        old.status = S.REPLACED
        old.save(update_fields=["status"])
        audit.record_change(actor, old, before, unit=locked.issuer)
        if not locked.substantive:
            carried = {d.unit_id: d for d in old.deliveries.exclude(signed_at=None)}
    rows = []
    for unit in units:
        signed = carried.get(unit.pk)
        rows.append(Delivery(directive=locked, root_id=root_id, unit=unit, region_code=unit.region_id,
                             delivered_at=now, signed_at=signed.signed_at if signed else None,
                             signed_by_id=signed.signed_by_id if signed else None,
                             signed_as=signed.signed_as if signed else ""))
    Delivery.objects.bulk_create(rows, batch_size=500)
    audit.record(audit.Action.CREATE, actor=actor, obj=locked, unit=locked.issuer,
                 object_repr=_("%(title)s：送达 %(n)s 个单位") % {"title": locked.title[:150], "n": len(rows)},
                 changes={"deliveries": [None, len(rows)], "carried_signatures": [None, len(carried)]})
    _tell(actor, locked, units, "command.directive.revised" if old is not None else "command.directive.delivered",
          at=now)
    return locked


# --- after issuing ----------------------------------------------------------------------------------


@transaction.atomic
def revise(actor: Actor, directive: Directive, *, substantive: bool, now: dt.datetime | None = None,
           **changes: Any) -> Directive:
    """修订: a new draft (version+1) that `replaces` the issued `directive`, with `changes` applied to
    a copy of its fields (and its attachments, unless `attachments` is given). It goes through
    submit and approve like any draft; on approval the old version becomes REPLACED. `substantive`
    says whether units must sign again (False: each unit's signature carries over). The same
    checks as `create_draft`; nothing is saved on a refusal; audited."""
    now = now or timezone.now()
    old = _lock(directive)
    WORKFLOW.take(actor, old, "revise")
    drafter = _drafter(actor)
    unknown = sorted(set(changes) - EDITABLE)
    if unknown:
        raise ValidationError({"__all__": [_("不能修改的字段：%(fields)s") % {"fields": "、".join(unknown)}]})
    if Directive.objects.filter(replaces=old).exclude(status=S.WITHDRAWN).exists():
        raise ValidationError({"status": [_("这份通知已有一份修订稿在办理中，请在修订稿上修改")]})
    attachments = changes.pop("attachments", None)
    values = _clean({**{f: getattr(old, f) for f in FIELDS}, **changes}, now)
    new = Directive.objects.create(**values, forwarded_from=old.forwarded_from, replaces=old,
                                   version=old.version + 1, substantive=bool(substantive),
                                   drafted_by=drafter, status=S.DRAFT)
    _set_attachments(new, list(old.attachments.all()) if attachments is None else attachments)
    audit.record_change(actor, new, None, unit=new.issuer)
    return new


@transaction.atomic
def withdraw(actor: Actor, directive: Directive, *, reason: str, now: dt.datetime | None = None) -> Directive:
    """撤回: a pending or issued directive is withdrawn, with a reason (required, at most 500
    characters), and so are the forwards made of it, all the way down. Deliveries stay as they were
    (history stays true); units that received any of them are told. Audited."""
    now = now or timezone.now()
    locked = _lock(directive)
    WORKFLOW.take(actor, locked, "withdraw")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("撤回须说明原因")]})
    check_length("reason", reason, MAX_REASON)
    was_issued = locked.status == S.ISSUED
    _move(actor, locked, "withdraw", withdrawn_at=now, withdraw_reason=reason)
    if was_issued:
        units = [d.unit for d in locked.deliveries.select_related("unit")]
        _tell(actor, locked, units, "command.directive.withdrawn", at=now, reason=reason[:200])
    _withdraw_forwards(actor, locked, reason=reason, now=now)
    return locked


def _withdraw_forwards(actor: Actor, directive: Directive, *, reason: str, now: dt.datetime) -> None:
    """The forwards made of a withdrawn directive go with it, and theirs in turn: nobody below is
    left signing or chased for what the top took back. Each is audited, and its units are told."""
    frontier = [directive.pk]
    while frontier:
        forwards = list(Directive.objects.select_for_update().select_related("issuer")
                        .filter(forwarded_from_id__in=frontier).exclude(status__in=(S.WITHDRAWN, S.REPLACED)))
        frontier = [f.pk for f in forwards]
        for f in forwards:
            before = audit.snapshot(f)
            was_issued = f.status == S.ISSUED
            f.status, f.withdrawn_at = S.WITHDRAWN, now
            f.withdraw_reason = (_("上级通知已撤回：%(reason)s") % {"reason": reason})[:MAX_REASON]
            f.save()
            audit.record_change(actor, f, before, unit=f.issuer)
            if was_issued:
                units = [d.unit for d in f.deliveries.select_related("unit")]
                _tell(actor, f, units, "command.directive.withdrawn", at=now, reason=reason[:200])


@transaction.atomic
def close(actor: Actor, directive: Directive, *, now: dt.datetime | None = None) -> Directive:
    """办结: the issuer closes an issued directive; after it no sign-off or feedback is taken (the
    receiving side checks the status). Audited."""
    return _move(actor, _lock(directive), "close", closed_at=now or timezone.now())


# --- telling the receiving units (core.notify; the wording is registered in apps.py) ---------------

def _tell(actor: Actor, directive: Directive, units: Sequence[Unit], key: str, *, at: dt.datetime,
          **extra: Any) -> int:
    """Notify the people of each unit in `units` (never the actor); how many were told."""
    people = [u for group in people_by_unit(list(units)).values() for u in group
              if actor is None or u.pk != actor.pk]
    if not people:
        return 0
    deadline = timezone.localtime(directive.sign_deadline).strftime("%Y-%m-%d %H:%M")
    params = {"issuer": directive.issuer.name, "title": directive.title[:100], "deadline": deadline,
              "urgency": str(directive.get_urgency_display()), **extra}
    notify(people, key=key, params=params, url=reverse("command:directive-detail", args=[directive.pk]), at=at)
    return len(people)


def register_notifications() -> None:
    """The wording of this part's notifications (called from CommandConfig.ready)."""
    from tongxin.core import notify as center

    center.register("command.directive.delivered", label=gettext_lazy("待签收通知"),
                    title=gettext_lazy("【%(urgency)s】%(issuer)s：%(title)s"),
                    body=gettext_lazy("请于 %(deadline)s 前签收。"))
    center.register("command.directive.revised", label=gettext_lazy("通知已修订"),
                    title=gettext_lazy("【修订】%(issuer)s：%(title)s"),
                    body=gettext_lazy("通知已修订，请查看修订内容（签收时限 %(deadline)s）。"))
    center.register("command.directive.withdrawn", label=gettext_lazy("通知已撤回"),
                    title=gettext_lazy("【撤回】%(issuer)s：%(title)s"),
                    body=gettext_lazy("撤回原因：%(reason)s"))
