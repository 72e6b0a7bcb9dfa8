"""The receiving side of a directive: a unit signs for it (签收), its reading is tracked while a
response is in force, it reports back (反馈), and a bureau forwards it (转发) to its own subtree.

Guarantees, for every function here:
- one transaction: validate, check who acts, change, audit; a refusal changes nothing;
- who may act for a unit (`may_act_for`): any of its staff (a membership at the unit in a business
  role) or its duty officer of the day (on a DutyShift of that unit running now, member or not).
  Someone who cannot even see the delivery gets a 404; someone who sees it (a bureau above) but
  does not belong to the unit gets a PermissionDenied naming why;
- only an issued directive is signed, fed back or forwarded: a withdrawn, replaced (revised) or
  closed (办结) one is refused with words saying which;
- read tracking (`mark_read`) records anything only while a response is in force over the unit
  (`queries.responses.tracking_on`) and is never used for a score or a ranking;
- feeding back and forwarding sign the unit's delivery first when it is unsigned: a unit that
  reports the work done, or passes the directive on, has evidently received it;
- a forward goes out at once, with its deliveries: the original was approved (签发) by a leader of
  the issuing level, and passing it on with local requirements is the receiving bureau's routine
  handling (承办), done by its officer on duty — as the story's 张家界 officer does on the day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.accounts.models import User
from tongxin.command.models import Delivery, Directive
from tongxin.command.models.directives import MAX_BODY, MAX_FEEDBACK, MAX_TITLE
from tongxin.command.queries import directives as directives_queries
from tongxin.command.queries.directives import LEVELS
from tongxin.command.queries.duty import duty_officer_ids
from tongxin.command.queries.responses import tracking_on
from tongxin.command.services import directives
from tongxin.core import audit
from tongxin.core.models import Attachment
from tongxin.core.types import Actor
from tongxin.core.validators import check_length
from tongxin.regions.models import Region
from tongxin.units import scope
from tongxin.units.models import Kind, Membership, Unit

MAX_REQUIREMENTS = 5000  # a forwarding bureau's own requirements (本级要求)
FORWARD_PREFIX = "转发："  # the title of a forward, as 公文 write it: 「转发：关于……的通知」
BUREAU_LEVELS = {"province": Region.Level.PROVINCE, "city": Region.Level.CITY, "county": Region.Level.COUNTY}


def _user(actor: Actor) -> User | None:
    return cast(User | None, actor)


def is_staff_of(actor: Actor, unit: Unit) -> bool:
    """Whether `actor` holds a business role at `unit` itself (not at a bureau above it)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    return Membership.objects.filter(user_id=actor.pk, unit=unit, role__in=scope.BUSINESS_ROLES).exists()


def is_on_duty_for(actor: Actor, unit: Unit, now: dt.datetime) -> bool:
    """Whether `actor` is on one of the unit's duty shifts running at `now`."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    return actor.pk in duty_officer_ids(unit, now)


def acting_as(actor: Actor, unit: Unit, now: dt.datetime) -> str:
    """Delivery.SignedAs.STAFF or DUTY for someone who may act for `unit` at `now`, else ""."""
    if is_staff_of(actor, unit):
        return Delivery.SignedAs.STAFF
    if is_on_duty_for(actor, unit, now):
        return Delivery.SignedAs.DUTY
    return ""


def may_act_for(actor: Actor, unit: Unit, now: dt.datetime | None = None) -> bool:
    return bool(acting_as(actor, unit, now or timezone.now()))


def _sees(actor: Actor, delivery: Delivery, now: dt.datetime) -> bool:
    return (Delivery.objects.restrict(actor).filter(pk=delivery.pk).exists()
            or is_on_duty_for(actor, delivery.unit, now))


def require_for_unit(actor: Actor, delivery: Delivery, now: dt.datetime | None = None) -> str:
    """How `actor` acts for the delivery's unit (staff / duty); 404 if they cannot see the delivery,
    PermissionDenied if they see it but neither belong to the unit nor are on duty there."""
    now = now or timezone.now()
    if actor is None:
        return Delivery.SignedAs.STAFF  # the system itself (the demo builder)
    as_ = acting_as(actor, delivery.unit, now)
    if as_:
        return as_
    if not _sees(actor, delivery, now):
        raise Http404(_("找不到该记录，或您无权查看"))
    raise PermissionDenied(_("您不是「%(unit)s」的工作人员，也不是该单位当前的值班人员，不能代其签收或反馈")
                           % {"unit": delivery.unit.name})


def _require_issued(directive: Directive, what: str) -> None:
    """Refuse work on a directive that is no longer in force; `what` names the refused act."""
    refusals: dict[str, str] = {
        Directive.Status.CLOSED: _("该通知已办结，不能再%(what)s"),
        Directive.Status.WITHDRAWN: _("该通知已撤回，不能再%(what)s"),
        Directive.Status.REPLACED: _("该通知已修订，请在新版本上%(what)s"),
    }
    words = refusals.get(str(directive.status))
    if words:
        raise ValidationError({"__all__": [words % {"what": what}]})
    if directive.status != Directive.Status.ISSUED:
        raise ValidationError({"__all__": [_("该通知尚未下发，不能%(what)s") % {"what": what}]})


def _locked(delivery: Delivery) -> Delivery:
    return (Delivery.objects.select_for_update(of=("self",)).select_related("directive", "unit__region")
            .get(pk=delivery.pk))


def _sign(actor: Actor, delivery: Delivery, signed_as: str, now: dt.datetime) -> None:
    before = audit.snapshot(delivery)
    delivery.signed_at, delivery.signed_by, delivery.signed_as = now, _user(actor), signed_as
    if delivery.read_at is None and tracking_on(delivery.unit, now):
        delivery.read_at = now  # signing is opening it; recorded only under a response, as mark_read
    delivery.save(update_fields=["signed_at", "signed_by", "signed_as", "read_at"])
    audit.record_change(actor, delivery, before, unit=delivery.unit)


@transaction.atomic
def sign(actor: Actor, delivery: Delivery, *, now: dt.datetime | None = None) -> tuple[Delivery, str]:
    """签收: the delivery's unit signs for the directive, through `actor` (its staff, or its duty
    officer of the day), with the time. Returns (delivery, message). Signing an already signed
    delivery changes nothing and says who signed it and when."""
    now = now or timezone.now()
    locked = _locked(delivery)
    signed_as = require_for_unit(actor, locked, now)
    if locked.signed_at is not None:
        return locked, _("本单位已于 %(at)s 签收，无需重复签收") % {
            "at": timezone.localtime(locked.signed_at).strftime("%Y-%m-%d %H:%M")}
    _require_issued(locked.directive, _("签收"))
    _sign(actor, locked, signed_as, now)
    return locked, _("已签收：%(title)s") % {"title": locked.directive.title}


@transaction.atomic
def mark_read(actor: Actor, delivery: Delivery, *, now: dt.datetime | None = None) -> bool:
    """Record when the unit first opened the directive (read_at), by one of those who may act for it —
    only while a response is in force over the unit; outside one nothing is recorded. Returns
    whether something was recorded. The time is shown to the issuer; it never feeds a score or a
    ranking (the State Council's 2026 rules)."""
    now = now or timezone.now()
    if delivery.read_at is not None or actor is None or not may_act_for(actor, delivery.unit, now):
        return False
    if not tracking_on(delivery.unit, now):
        return False
    updated = Delivery.objects.filter(pk=delivery.pk, read_at__isnull=True).update(read_at=now)
    if updated:
        delivery.read_at = now
        audit.record(audit.Action.UPDATE, actor=actor, obj=delivery, unit=delivery.unit,
                     changes={"read_at": [None, now.isoformat()]})
    return bool(updated)


@transaction.atomic
def feed_back(actor: Actor, delivery: Delivery, *, text: str, attachments: Sequence[Attachment] = (),
              now: dt.datetime | None = None) -> Delivery:
    """反馈: the unit reports the work done, with its evidence (files stored for the unit through
    core.uploads.store_attachment). Only where the directive asks for feedback, once, while it is
    issued (not after it is closed or withdrawn). Signs the delivery first if it is unsigned."""
    now = now or timezone.now()
    locked = _locked(delivery)
    signed_as = require_for_unit(actor, locked, now)
    directive = locked.directive
    _require_issued(directive, _("反馈"))
    if not directive.feedback_required:
        raise ValidationError({"__all__": [_("该通知不要求反馈，签收即可")]})
    if locked.fed_back_at is not None:
        raise ValidationError({"__all__": [_("本单位已于 %(at)s 反馈，不能重复反馈") % {
            "at": timezone.localtime(locked.fed_back_at).strftime("%Y-%m-%d %H:%M")}]})
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("请填写反馈内容：做了什么、结果如何")]})
    check_length("text", text, MAX_FEEDBACK)
    foreign = [a for a in attachments if a.unit_id != locked.unit_id]
    if foreign:
        raise ValidationError({"attachments": [
            _("附件「%(name)s」不是为「%(unit)s」上传的，不能作为本单位的反馈材料")
            % {"name": foreign[0].original_name or foreign[0].pk, "unit": locked.unit.name}]})
    if locked.signed_at is None:
        _sign(actor, locked, signed_as, now)
    before = audit.snapshot(locked)
    locked.feedback, locked.fed_back_at, locked.fed_back_by = text, now, _user(actor)
    locked.save(update_fields=["feedback", "fed_back_at", "fed_back_by"])
    if attachments:
        locked.feedback_attachments.set(attachments)
    audit.record_change(actor, locked, before, unit=locked.unit)
    return locked


def may_forward(actor: Actor, delivery: Delivery) -> bool:
    """Whether `actor` is an officer or leader of the (city or county) bureau the delivery went to."""
    unit = delivery.unit
    pk = getattr(actor, "pk", None)
    if unit.kind != Kind.BUREAU or pk is None or not getattr(actor, "is_authenticated", False):
        return False
    return Membership.objects.filter(user_id=pk, unit=unit, role__in=scope.BUREAU_OFFICERS).exists()


def require_forwarder(actor: Actor, delivery: Delivery, now: dt.datetime | None = None) -> None:
    """Refuse someone who may not forward the delivery: 404 if they cannot see it, PermissionDenied
    in words if they see it but are not an officer or leader of the bureau it went to."""
    if actor is None or may_forward(actor, delivery):
        return
    if not _sees(actor, delivery, now or timezone.now()):
        raise Http404(_("找不到该记录，或您无权查看"))
    raise PermissionDenied(_("只有「%(unit)s」的业务人员或领导可以转发本单位收到的通知") % {"unit": delivery.unit.name})


def _forward_title(original: Directive, title: str | None) -> str:
    title = (title or "").strip()
    if not title:
        base = original.title
        while base.startswith(FORWARD_PREFIX):  # 转发：转发：… reads as one 转发
            base = base[len(FORWARD_PREFIX):]
        title = (FORWARD_PREFIX + base)[:MAX_TITLE]
    check_length("title", title, MAX_TITLE)
    return title


def forward_body(requirements: str, original: Directive) -> str:
    """The body of a forward: the bureau's own requirements, then the original's text."""
    heading = _("——以下为原文：%(issuer)s《%(title)s》——") % {"issuer": original.issuer.name,
                                                             "title": original.title}
    return f"{requirements}\n\n{heading}\n\n{original.body}"


@transaction.atomic
def forward(actor: Actor, delivery: Delivery, *, region: Region | None = None, requirements: str,
            sign_deadline: dt.datetime, target_kinds: Sequence[str] = (), target_levels: Sequence[str] = (),
            feedback_required: bool | None = None, feedback_deadline: dt.datetime | None = None,
            title: str | None = None, now: dt.datetime | None = None) -> Directive:
    """转发: the bureau that received `delivery` passes the directive on to its own subtree (all of
    it, or `region` inside it, filtered by unit kinds and region levels) with its own requirements.
    The forward is a new, issued Directive (forwarded_from the received one, the same root), its
    deliveries created at once; the received delivery is signed if it was not, and records
    `forwarded_as`. A bureau forwards each directive once."""
    now = now or timezone.now()
    locked = _locked(delivery)
    original = locked.directive
    unit = locked.unit
    require_forwarder(actor, locked, now)
    if unit.kind != Kind.BUREAU:
        raise ValidationError({"__all__": [_("只有民政部门可以向下级转发通知")]})
    _require_issued(original, _("转发"))
    if locked.forwarded_as_id is not None:
        raise ValidationError({"__all__": [_("本单位已转发过该通知（%(title)s），不能重复转发") % {
            "title": locked.forwarded_as.title if locked.forwarded_as else ""}]})
    errors: dict[str, list[str]] = {}
    region = region or unit.region
    if not region.code.startswith(unit.region.prefix):
        errors["region"] = [_("只能转发到本级辖区（%(own)s）以内，%(region)s 不在其中") % {
            "own": unit.region.name, "region": region.name}]
    requirements = (requirements or "").strip()
    if not requirements:
        errors["requirements"] = [_("请填写本级的贯彻落实要求")]
    title_text = ""
    try:
        check_length("requirements", requirements, MAX_REQUIREMENTS)
        title_text = _forward_title(original, title)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    body = forward_body(requirements, original)
    if requirements and "requirements" not in errors and len(body) > MAX_BODY:
        errors["requirements"] = [_("本级要求加上原文超过 %(max)s 字，请精简") % {"max": MAX_BODY}]
    levels = sorted({str(v) for v in target_levels})
    if any(v not in LEVELS or (v in BUREAU_LEVELS and BUREAU_LEVELS[v] <= region.level) for v in levels):
        errors["target_levels"] = [_("接收层级须是本级以下的民政部门或服务机构")]
    fb_required = original.feedback_required if feedback_required is None else bool(feedback_required)
    if feedback_deadline is None and fb_required:
        feedback_deadline = original.feedback_deadline
    try:  # the issuing side's checks of every field (deadlines, kinds, lengths), with the body named as ours
        fwd = directives.create_draft(
            actor, issuer=unit, region=region, title=title_text or original.title, body=body,
            sign_deadline=sign_deadline, urgency=original.urgency, target_kinds=list(target_kinds),
            target_levels=levels if "target_levels" not in errors else [], feedback_required=fb_required,
            feedback_deadline=feedback_deadline, feedback_request=original.feedback_request,
            response=original.response, attachments=list(original.attachments.all()), forwarded_from=original,
            now=now)
    except ValidationError as exc:
        found = exc.message_dict
        if "body" in found:
            found.setdefault("requirements", found.pop("body"))
        errors = {**found, **errors}
    if errors:
        raise ValidationError(errors)
    root_id = original.root_id or original.pk
    held = set(Delivery.objects.filter(root_id=root_id, directive__status__in=directives_queries.LIVE)
               .values_list("unit_id", flat=True))  # a unit already holding the chain gets no second copy
    units = [u for u in directives_queries.recipients(fwd) if u.pk not in held]
    if not units:
        raise ValidationError({"region": [_("转发范围内没有符合条件、尚未收到该通知的接收单位")]})
    if locked.signed_at is None:
        _sign(actor, locked, acting_as(actor, unit, now) or Delivery.SignedAs.STAFF, now)
    before = audit.snapshot(fwd)
    fwd.status, fwd.root_id = Directive.Status.ISSUED, root_id
    # An officer's forward goes out at once (the original was approved by a leader above); it names a
    # 签发人 only when the forwarding officer is a leader there, never falsely.
    leader = directives.is_leader_for(actor, unit)
    fwd.approved_by, fwd.approved_at, fwd.issued_at = (_user(actor) if leader else None), (now if leader else None), now
    fwd.save(update_fields=["status", "root", "approved_by", "approved_at", "issued_at"])
    audit.record_change(actor, fwd, before, unit=unit)
    Delivery.objects.bulk_create([Delivery(directive=fwd, root_id=root_id, unit=u, region_code=u.region_id,
                                           delivered_at=now) for u in units], batch_size=500)
    audit.record(audit.Action.CREATE, actor=actor, obj=fwd, unit=unit,
                 object_repr=_("%(title)s：转发送达 %(n)s 个单位") % {"title": fwd.title[:150], "n": len(units)},
                 changes={"deliveries": [None, len(units)]})
    before = audit.snapshot(locked)
    locked.forwarded_as = fwd
    locked.save(update_fields=["forwarded_as"])
    audit.record_change(actor, locked, before, unit=unit)
    directives._tell(actor, fwd, units, "command.directive.delivered", at=now)
    return fwd


def forward_defaults(delivery: Delivery) -> dict[str, Any]:
    """What the forward form starts with: the original's deadlines and feedback request."""
    d = delivery.directive
    return {"sign_deadline": d.sign_deadline, "feedback_required": d.feedback_required,
            "feedback_deadline": d.feedback_deadline, "title": _forward_title(d, None)}
