"""Every write to units and memberships: validate, check scope, change, audit — in one transaction.

`actor=None` means the system itself (the demo builder, a management command run by an
operator); every request from a person passes the user, and scope is enforced for them.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _

from tongxin.core import audit
from tongxin.core.validators import normalize_credit_code, normalize_phone
from tongxin.regions.models import Region
from tongxin.regions.queries import chain
from tongxin.units import scope
from tongxin.units.models import KIND_CATEGORY, ROLE_CATEGORIES, SEPARATED_ROLES, Kind, Membership, Role, Unit

EDITABLE_FIELDS = (
    "name", "kind", "region", "supervisor", "member_of", "credit_code", "address", "contact_person",
    "phone", "beds", "residents", "staff", "is_active",
    # the same links by key, for callers that hold codes and ids rather than objects
    "region_id", "supervisor_id", "member_of_id",
)


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
    unit.full_clean()
    try:
        with transaction.atomic():
            unit.save()
    except IntegrityError:
        # A race past full_clean's uniqueness check: report it like the check would have.
        raise ValidationError({"name": [_("该区划内已有同名单位")]}) from None


@transaction.atomic
def create_unit(actor, **values: Any) -> Unit:
    """Create a unit in the actor's writable scope; fills the supervising bureau when not given."""
    values = _normalise(values)
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    unit = Unit(**values)
    if unit.region_id and actor is not None:
        scope.require_write_region(actor, unit.region_id)
    if unit.supervisor_id is None and unit.region_id and unit.kind:
        region = Region.objects.filter(code=unit.region_id).first()
        if region is not None:
            unit.supervisor = default_supervisor(region, unit.kind)
    _check_links(actor, unit)
    _save(unit)
    audit.record_change(actor, unit, None, unit=unit)
    return unit


@transaction.atomic
def update_unit(actor, unit: Unit, **values: Any) -> Unit:
    """Change a unit's fields; the actor must be able to write it where it is and where it goes."""
    if actor is not None:
        scope.require_write(actor, unit)
    values = _normalise(values)
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    locked = Unit.objects.select_for_update().get(pk=unit.pk)
    before = audit.snapshot(locked)
    for key, value in values.items():
        setattr(locked, key, value)
    if locked.kind in Kind.values and KIND_CATEGORY[Kind(locked.kind)] != before["category"]:
        # A home never becomes a bureau (nor the reverse): that would rewrite who sees what.
        raise ValidationError({"kind": [_("不能改变单位类别（如把养老机构改为民政部门），请新建单位")]})
    if actor is not None and ("region" in values or "region_id" in values):
        scope.require_write_region(actor, locked.region_id)
    # Only links the actor changes need to be within their sight: a county officer may edit
    # the county bureau, whose supervisor (the city bureau) they cannot see.
    _check_links(actor, locked, supervisor=locked.supervisor_id != before["supervisor"],
                 member_of=locked.member_of_id != before["member_of"])
    _save(locked)
    audit.record_change(actor, locked, before, unit=locked)
    return locked


def _check_links(actor, unit: Unit, *, supervisor: bool = True, member_of: bool = True) -> None:
    """The supervisor must be a bureau; neither (changed) link may point outside the actor's sight."""
    errors = {}
    if supervisor and unit.supervisor_id:
        sup = unit.supervisor
        if sup.kind != Kind.BUREAU:
            errors["supervisor"] = [_("主管单位必须是民政部门")]
        elif actor is not None and not scope.scope_of(actor).covers(sup, mode=scope.REGISTRY):
            errors["supervisor"] = [_("找不到该主管单位")]
    if member_of and unit.member_of_id:
        if unit.member_of_id == unit.pk:
            errors["member_of"] = [_("单位不能隶属于自身")]
        elif actor is not None and not scope.scope_of(actor).covers(unit.member_of, mode=scope.REGISTRY):
            errors["member_of"] = [_("找不到该协会")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def grant_role(actor, user, unit: Unit, role: str) -> Membership:
    """Give `user` a role at `unit`; keeps the three administrator roles on separate accounts."""
    if role not in Role.values:
        raise ValidationError({"role": [_("未知的角色")]})
    if unit.category not in ROLE_CATEGORIES[Role(role)]:
        raise ValidationError({"role": [_("该角色不适用于此类单位")]})
    if actor is not None:
        if role in SEPARATED_ROLES:
            if not scope.scope_of(actor).covers(unit, mode=scope.REGISTRY):
                raise Http404(_("找不到该记录，或您无权查看"))
            if not scope.has_role(actor, Role.SECURITY_ADMIN):
                raise PermissionDenied(_("只有安全管理员可以授予管理员和审计员角色"))
        else:
            scope.require_write(actor, unit)
    # Lock the user's memberships so two concurrent grants cannot both pass the separation check.
    held = set(Membership.objects.select_for_update().filter(user=user).values_list("role", flat=True))
    if role in SEPARATED_ROLES and (held & SEPARATED_ROLES) - {role}:
        raise ValidationError(
            {"role": [_("系统管理员、安全管理员和审计员必须由不同账号担任")]}
        )
    membership, created = Membership.objects.get_or_create(user=user, unit=unit, role=role)
    if created:
        audit.record_change(actor, membership, None, unit=unit)
    scope.forget(user)
    return membership


@transaction.atomic
def revoke_role(actor, membership: Membership) -> None:
    if actor is not None:
        scope.require_write(actor, membership.unit)
    audit.record_delete(actor, membership, unit=membership.unit)
    membership.delete()
    scope.forget(membership.user)
