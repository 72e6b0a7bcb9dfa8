"""Every write to units and memberships: validate, check scope, change, audit — in one transaction.

`actor=None` means the system itself (the demo builder, a management command run by an
operator); every request from a person passes the user, and scope is enforced for them.

The unit services also keep each unit's history (`UnitPeriod`): creating a unit opens a period,
closing it (is_active False) ends the period, re-opening starts a new one, and a change of region
or kind ends the current period and opens the next. A change takes effect on a local day: today
for a person; the system (actor None: the demo, a backfill) may also record a past day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.accounts.models import User
from tongxin.core import audit
from tongxin.core.pinyin import search_keys
from tongxin.core.types import Actor
from tongxin.core.validators import normalize_credit_code, normalize_phone
from tongxin.regions.models import Region
from tongxin.regions.queries import chain
from tongxin.units import scope
from tongxin.units.models import (
    KIND_CATEGORY,
    ROLE_CATEGORIES,
    SEPARATED_ROLES,
    Kind,
    Membership,
    Role,
    Unit,
    UnitPeriod,
)
from tongxin.units.signals import unit_moved


class _Unset:
    """The value of an update parameter the caller did not give (None is a value: "clear it")."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


def _normalise(values: dict[str, Any]) -> dict[str, Any]:
    """Trim text, turn blanks into None where the field allows it, normalise codes; field errors collected."""
    errors: dict[str, list[str]] = {}
    out = dict(values)
    for key in ("name", "address", "contact_person"):
        if isinstance(out.get(key), str):
            out[key] = out[key].strip()
    code = out.get("credit_code")
    if isinstance(code, str):
        code = code.strip()
        if not code:
            out["credit_code"] = None
        else:
            try:
                out["credit_code"] = normalize_credit_code(code)
            except ValidationError as exc:
                errors["credit_code"] = exc.messages
    phone = out.get("phone")
    if isinstance(phone, str):
        phone = phone.strip()
        if phone:
            try:
                out["phone"] = normalize_phone(phone)
            except ValidationError as exc:
                errors["phone"] = exc.messages
        else:
            out["phone"] = ""
    if errors:
        raise ValidationError(errors)
    return out


def default_supervisor(region: Region, kind: str) -> Unit | None:
    """The bureau a new unit answers to: its own region's bureau, or for a bureau the one above.

    The candidates come from the code itself (county, city, province), so this is one query.
    """
    codes = list(reversed(chain(region.code)))  # own region first, then upwards
    if kind == Kind.BUREAU:
        codes = codes[1:]
    bureaus = {u.region_id: u for u in Unit.objects.filter(kind=Kind.BUREAU, region_id__in=codes, is_active=True)}
    return next((bureaus[c] for c in codes if c in bureaus), None)


def _save(unit: Unit) -> None:
    unit.category = KIND_CATEGORY[Kind(unit.kind)] if unit.kind in Kind.values else ""
    unit.pinyin, unit.initials = search_keys(unit.name or "")
    unit.full_clean()
    try:
        with transaction.atomic():
            unit.save()
    except IntegrityError:
        # A race past full_clean's uniqueness check: report it like the check would have.
        raise ValidationError({"name": [_("该区划内已有同名单位")]}) from None


def _effective_day(actor: Actor, day: dt.date | None, field: str) -> dt.date:
    """The local day a change takes effect: today unless given; only the system may name a past day."""
    today = timezone.localdate()
    if day is None:
        return today
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise ValidationError({field: [_("请填写有效的日期")]})
    if day > today:
        raise ValidationError({field: [_("生效日期不能晚于今天")]})
    if day < today and actor is not None:
        raise ValidationError({field: [_("变更自今天起生效，过去的日子保持原样")]})
    return day


def _open_period(unit: Unit, day: dt.date) -> UnitPeriod:
    """Start the unit's period in its current region and kind on `day` (re-opening one that ended that day)."""
    last = UnitPeriod.objects.filter(unit=unit).order_by("-valid_from").first()
    if last is not None and last.valid_until is not None and day < last.valid_until:
        raise ValidationError({"day": [_("生效日期早于该单位上次停止运营的日期")]})
    if (last is not None and last.valid_until == day and last.region_code == unit.region_id
            and last.kind == unit.kind):
        last.valid_until = None  # closed and re-opened on the same day: one unbroken period
        last.save(update_fields=["valid_until"])
        return last
    return UnitPeriod.objects.create(unit=unit, region_code=unit.region_id, kind=unit.kind, valid_from=day)


def _end_period(unit: Unit, day: dt.date) -> None:
    """End the unit's open period before `day` (a period that would be empty is dropped)."""
    period = UnitPeriod.objects.select_for_update().filter(unit=unit, valid_until__isnull=True).first()
    if period is None:
        return
    if day < period.valid_from:
        raise ValidationError({"day": [_("生效日期早于该单位当前状态的起始日期")]})
    if day == period.valid_from:
        period.delete()  # the state it opened never lasted a whole day
    else:
        period.valid_until = day
        period.save(update_fields=["valid_until"])


@transaction.atomic
def create_unit(
    actor: Actor, *, name: str, kind: str, region: Region | None = None, region_id: str | None = None,
    supervisor: Unit | None = None, supervisor_id: int | None = None,
    member_of: Unit | None = None, member_of_id: int | None = None, credit_code: str | None = None,
    address: str = "", contact_person: str = "", phone: str = "", beds: int | None = None,
    residents: int | None = None, staff: int | None = None, is_active: bool = True,
    in_service_from: dt.date | None = None,
) -> Unit:
    """Create a unit in the actor's writable scope; fills the supervising bureau when not given.

    A link may be given as the object (`region`) or its key (`region_id`). An active unit is in
    service from `in_service_from` (default: today, local); only the system may name a past day
    (the demo's units were in service long before the story starts).
    """
    values: dict[str, Any] = {
        "name": name, "kind": kind, "credit_code": credit_code, "address": address,
        "contact_person": contact_person, "phone": phone, "beds": beds, "residents": residents,
        "staff": staff, "is_active": is_active,
    }
    for field, obj, key in (("region", region, region_id), ("supervisor", supervisor, supervisor_id),
                            ("member_of", member_of, member_of_id)):
        if obj is not None:
            values[field] = obj
        elif key is not None:
            values[f"{field}_id"] = key
    values = _normalise(values)
    since = _effective_day(actor, in_service_from, "in_service_from")
    unit = Unit(**values)
    if unit.region_id and actor is not None:
        scope.require_write_region(actor, unit.region_id)
    if unit.supervisor_id is None and unit.region_id and unit.kind:
        region = Region.objects.filter(code=unit.region_id).first()
        if region is not None:
            unit.supervisor = default_supervisor(region, unit.kind)
    _check_links(actor, unit)
    _save(unit)
    if unit.is_active:
        _open_period(unit, since)
    audit.record_change(actor, unit, None, unit=unit)
    return unit


@transaction.atomic
def update_unit(
    actor: Actor, unit: Unit, *, name: Any = UNSET, kind: Any = UNSET, region: Any = UNSET, region_id: Any = UNSET,
    supervisor: Any = UNSET, supervisor_id: Any = UNSET, member_of: Any = UNSET, member_of_id: Any = UNSET,
    credit_code: Any = UNSET, address: Any = UNSET, contact_person: Any = UNSET, phone: Any = UNSET,
    beds: Any = UNSET, residents: Any = UNSET, staff: Any = UNSET, is_active: Any = UNSET,
    day: dt.date | None = None,
) -> Unit:
    """Change a unit's fields; the actor must be able to write it where it is and where it goes.

    Closing (is_active False), re-opening, a new region or a new kind take effect on `day`
    (default today): past days keep the unit where and as what it was. A new region is a move:
    the supervising bureau follows when it was the old region's default, and `unit_moved` is
    sent inside this transaction once the unit is saved (a receiver that fails undoes the move).
    """
    if actor is not None:
        scope.require_write(actor, unit)
    given = {"name": name, "kind": kind, "region": region, "region_id": region_id, "supervisor": supervisor,
             "supervisor_id": supervisor_id, "member_of": member_of, "member_of_id": member_of_id,
             "credit_code": credit_code, "address": address, "contact_person": contact_person, "phone": phone,
             "beds": beds, "residents": residents, "staff": staff, "is_active": is_active}
    values = _normalise({k: v for k, v in given.items() if v is not UNSET})
    locked = Unit.objects.select_for_update().get(pk=unit.pk)
    before = audit.snapshot(locked)
    for key, value in values.items():
        setattr(locked, key, value)
    if locked.kind in Kind.values and KIND_CATEGORY[Kind(locked.kind)] != before["category"]:
        # A home never becomes a bureau (nor the reverse): that would rewrite who sees what.
        raise ValidationError({"kind": [_("不能改变单位类别（如把养老机构改为民政部门），请新建单位")]})
    moved = locked.region_id != before["region"]
    if actor is not None and moved:
        scope.require_write_region(actor, locked.region_id)
    if moved and "supervisor" not in values and "supervisor_id" not in values:
        old_region = Region.objects.filter(code=before["region"]).first()
        new_region = Region.objects.filter(code=locked.region_id).first()
        old_default = default_supervisor(old_region, locked.kind) if old_region is not None else None
        if new_region is not None and locked.supervisor_id == (old_default.pk if old_default else None):
            locked.supervisor = default_supervisor(new_region, locked.kind)
    # Only links the actor changes need to be within their sight: a county officer may edit
    # the county bureau, whose supervisor (the city bureau) they cannot see.
    _check_links(actor, locked, supervisor=locked.supervisor_id != before["supervisor"],
                 member_of=locked.member_of_id != before["member_of"])
    history_changed = (moved or locked.kind != before["kind"] or locked.is_active != before["is_active"])
    effective = _effective_day(actor, day, "day") if history_changed else None
    _save(locked)
    if effective is not None:
        if before["is_active"]:
            _end_period(locked, effective)
        if locked.is_active:
            _open_period(locked, effective)
    if moved:
        unit_moved.send(sender=Unit, actor=actor, unit=locked, old_region_code=before["region"],
                        new_region_code=locked.region_id, day=effective)
    changes = audit.diff(before, audit.snapshot(locked))
    if changes:
        if effective is not None:
            changes["effective_day"] = [None, effective.isoformat()]
        audit.record(audit.Action.UPDATE, actor=actor, obj=locked, unit=locked, changes=changes)
    return locked


def close_unit(actor: Actor, unit: Unit, *, day: dt.date | None = None) -> Unit:
    """Take a unit out of service from `day` (default today): it owes no report from then on."""
    return update_unit(actor, unit, is_active=False, day=day)


def reopen_unit(actor: Actor, unit: Unit, *, day: dt.date | None = None) -> Unit:
    """Put a closed unit back in service from `day` (default today), where it is now."""
    return update_unit(actor, unit, is_active=True, day=day)


def move_unit(actor: Actor, unit: Unit, *, region_code: str, day: dt.date | None = None) -> Unit:
    """Move a unit to another region from `day` (default today); its past stays where it was.

    The actor must be able to write the unit where it is and in the new region. Reports filed
    for days before `day` keep counting where they were filed; the unit's open ledger entries
    follow through `units.signals.unit_moved`.
    """
    if not Region.objects.filter(code=region_code).exists():
        raise ValidationError({"region": [_("找不到该行政区划")]})
    return update_unit(actor, unit, region_id=region_code, day=day)


def _check_links(actor: Actor, unit: Unit, *, supervisor: bool = True, member_of: bool = True) -> None:
    """The supervisor must be a bureau; neither (changed) link may point outside the actor's sight."""
    errors: dict[str, list[str]] = {}
    if supervisor and unit.supervisor_id:
        sup = unit.supervisor
        if sup is None or sup.kind != Kind.BUREAU:
            errors["supervisor"] = [_("主管单位必须是民政部门")]
        elif actor is not None and not scope.scope_of(actor).covers(sup, mode=scope.REGISTRY):
            errors["supervisor"] = [_("找不到该主管单位")]
    if member_of and unit.member_of_id:
        if unit.member_of_id == unit.pk:
            errors["member_of"] = [_("单位不能隶属于自身")]
        elif actor is not None:
            member = unit.member_of
            if member is None or not scope.scope_of(actor).covers(member, mode=scope.REGISTRY):
                errors["member_of"] = [_("找不到该协会")]
    if errors:
        raise ValidationError(errors)


def _check_role_manager(actor: Actor, user: User, unit: Unit, refusal_self: str) -> None:
    """Only a security administrator manages roles, only at units of their bureau's subtree, only for
    accounts they administer, and never their own (see units.administration for the whole policy)."""
    s = scope.scope_of(actor)
    if not s.covers(unit, mode=scope.REGISTRY) and not s.covers(unit, mode=scope.ACCOUNTS):
        raise Http404(_("找不到该记录，或您无权查看"))
    if not scope.has_role(actor, Role.SECURITY_ADMIN):
        raise PermissionDenied(_("只有安全管理员可以授予和撤销角色"))
    if not s.covers(unit, mode=scope.ACCOUNTS):
        raise Http404(_("找不到该记录，或您无权查看"))
    if getattr(actor, "pk", None) == user.pk:
        raise PermissionDenied(refusal_self)
    holds_any = Membership.objects.filter(user=user).exists()
    if holds_any and not User.objects.restrict(actor, scope.ACCOUNTS).filter(pk=user.pk).exists():
        raise Http404(_("找不到该记录，或您无权查看"))


@transaction.atomic
def grant_role(actor: Actor, user: User, unit: Unit, role: str) -> Membership:
    """Give `user` a role at `unit`. Guarantees, for a person acting (the system, actor None, is
    trusted with the first two only):

    - the role fits the unit's category (an officer at a bureau, a reporter at a home);
    - the three administrator roles are held by three different accounts, and an account holding one
      of them holds no business role (and the reverse): administrators see no business data;
    - only a security administrator grants, at units of their bureau's subtree, to an account they
      administer (one whose roles all lie there, or a new one with none), and never to themselves.
    """
    if role not in Role.values:
        raise ValidationError({"role": [_("未知的角色")]})
    if unit.category not in ROLE_CATEGORIES[Role(role)]:
        raise ValidationError({"role": [_("该角色不适用于此类单位")]})
    if actor is not None:
        _check_role_manager(actor, user, unit, _("不能给自己授予角色"))
    # Lock the user's memberships so two concurrent grants cannot both pass the separation check.
    held = set(Membership.objects.select_for_update().filter(user=user).values_list("role", flat=True))
    if role in SEPARATED_ROLES and (held & SEPARATED_ROLES) - {role}:
        raise ValidationError(
            {"role": [_("系统管理员、安全管理员和审计员必须由不同账号担任")]}
        )
    if (role in SEPARATED_ROLES and held - SEPARATED_ROLES) or (role not in SEPARATED_ROLES and held & SEPARATED_ROLES):
        raise ValidationError({"role": [_("管理员角色不能与业务角色由同一账号担任")]})
    membership, created = Membership.objects.get_or_create(user=user, unit=unit, role=role)
    if created:
        audit.record_change(actor, membership, None, unit=unit)
    scope.forget(user)
    return membership


@transaction.atomic
def revoke_role(actor: Actor, membership: Membership) -> None:
    """Take a role away: for a person acting, only a security administrator, at units of their
    bureau's subtree, for an account they administer, never their own."""
    if actor is not None:
        _check_role_manager(actor, membership.user, membership.unit, _("不能撤销自己的角色"))
    audit.record_delete(actor, membership, unit=membership.unit)
    membership.delete()
    scope.forget(membership.user)
