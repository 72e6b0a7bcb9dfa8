"""Reads of directives (通知 / 指令): who receives one, what a user sees, a unit's inbox, and what
changed between two versions.

Every read that reaches a user passes through `Directive.objects.restrict` / `Delivery.objects.restrict`
(units.scope): a directive is visible to whoever reads its issuer (the issuing side and the bureaus
above it) and to whoever reads a unit it was delivered to (the receiving side).
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.accounts.models import User
from tongxin.command.models import Delivery, Directive
from tongxin.core.types import Actor
from tongxin.regions.models import Region
from tongxin.regions.queries import in_subtree
from tongxin.units import scope
from tongxin.units.models import Kind, Membership, Unit
from tongxin.units.queries import members_by_unit

# target_levels: bureaus at a region level, or the non-bureau units ("unit").
LEVELS: dict[str, Any] = {"province": _("省级民政部门"), "city": _("市级民政部门"), "county": _("县级民政部门"),
                          "unit": _("服务机构及其他单位")}
_REGION_LEVEL = {"province": Region.Level.PROVINCE, "city": Region.Level.CITY, "county": Region.Level.COUNTY}
LIVE = (Directive.Status.ISSUED, Directive.Status.CLOSED)  # directives whose deliveries count on a board


def levels_q(levels: list[str] | tuple[str, ...]) -> Q:
    """A Q on Unit for `target_levels` (empty: every level)."""
    if not levels:
        return Q()
    q = Q(pk__in=[])
    for level in levels:
        if level == "unit":
            q |= ~Q(kind=Kind.BUREAU)
        elif level in _REGION_LEVEL:
            q |= Q(kind=Kind.BUREAU, region__level=_REGION_LEVEL[level])
    return q


def recipients(directive: Directive) -> QuerySet[Unit]:
    """The units `directive` goes to: active units in its region's subtree, of `target_kinds`
    (empty: all kinds) and `target_levels` (empty: all levels), never the issuer itself."""
    qs = Unit.objects.filter(in_subtree("region_id", directive.region.prefix), is_active=True)
    if directive.target_kinds:
        qs = qs.filter(kind__in=list(directive.target_kinds))
    return (qs.filter(levels_q(list(directive.target_levels or ()))).exclude(pk=directive.issuer_id)
            .select_related("region").order_by("region_id", "kind", "name"))


def people_by_unit(units: list[Unit]) -> dict[int, list[User]]:
    """{unit id: whom a directive delivered to that unit tells}: everyone in a business role there — a
    bureau's officers and leaders, any other unit's staff (units.queries.members_by_unit)."""
    return members_by_unit(units)


def visible_directives(user: Actor) -> QuerySet[Directive]:
    """Directives the user may see: issued by a unit in their READ scope, or delivered to one."""
    delivered = Delivery.objects.restrict(user, scope.READ).values("directive_id")
    own = Directive.objects.restrict(user, scope.READ).values("pk")
    return (Directive.objects.filter(Q(pk__in=own) | Q(pk__in=delivered))
            .select_related("issuer", "region", "drafted_by", "approved_by"))


def issued_by(user: Actor) -> QuerySet[Directive]:
    """Directives of the issuing side the user may read (every state, drafts included)."""
    return Directive.objects.restrict(user, scope.READ).select_related("issuer", "region")


def member_unit_ids(user: Actor) -> set[int]:
    """The units the user belongs to (any business role)."""
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return set()
    return set(Membership.objects.filter(user_id=user.pk, role__in=scope.BUSINESS_ROLES, unit__is_active=True)
               .values_list("unit_id", flat=True))


def inbox(user: Actor, *, own_only: bool = False) -> QuerySet[Delivery]:
    """Deliveries of live (issued or closed) directives to units the user belongs to or covers (FILE
    scope: a bureau's officers cover the units below), unsigned first, then the nearest sign
    deadline. With `own_only`, only the units the user belongs to (a page's 收到的 tab: a province
    officer is not shown every home's copy)."""
    mine = Q(unit_id__in=sorted(member_unit_ids(user)))
    if not own_only:
        mine |= Q(pk__in=Delivery.objects.restrict(user, scope.FILE).values("pk"))
    return (Delivery.objects.restrict(user, scope.READ).filter(mine)
            .filter(directive__status__in=LIVE)
            .select_related("directive__issuer", "unit", "signed_by")
            .order_by(F("signed_at").asc(nulls_first=True), "directive__sign_deadline", "-delivered_at", "id"))


def deliveries_of(user: Actor, directive: Directive) -> QuerySet[Delivery]:
    """The deliveries of `directive` the user may read (the issuing side reads them all)."""
    qs = Delivery.objects.filter(directive=directive).select_related("unit", "signed_by")
    if Directive.objects.restrict(user, scope.READ).filter(pk=directive.pk).exists():
        return qs
    return qs.filter(pk__in=Delivery.objects.restrict(user, scope.READ).values("pk"))


def versions(directive: Directive) -> list[Directive]:
    """Every version of `directive`, oldest first (following `replaces` both ways; a revision withdrawn
    before it replaced anything is skipped)."""
    first = directive
    seen = {first.pk}
    while first.replaces_id is not None and first.replaces_id not in seen:
        first = Directive.objects.select_related("replaces").get(pk=first.replaces_id)
        seen.add(first.pk)
    out = [first]
    while True:
        # a revision withdrawn before it went out is no version of the directive: the one after it is
        nxt = (Directive.objects.filter(replaces=out[-1]).exclude(status=Directive.Status.WITHDRAWN)
               .order_by("version", "id").first())
        if nxt is None or nxt.pk in {d.pk for d in out}:
            return out
        out.append(nxt)


DIFF_FIELDS = ("title", "doc_number", "urgency", "body", "region", "target_kinds", "target_levels",
               "sign_deadline", "feedback_required", "feedback_deadline", "feedback_request")


def _shown(directive: Directive, name: str) -> str:
    value = getattr(directive, name)
    if name == "urgency":
        return str(directive.get_urgency_display())
    if name == "region":
        return str(directive.region.name)
    if name == "target_kinds":
        labels = dict(Kind.choices)
        return "、".join(str(labels.get(k, k)) for k in value) or str(_("全部"))
    if name == "target_levels":
        return "、".join(str(LEVELS.get(k, k)) for k in value) or str(_("全部"))
    if name.endswith("_deadline"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""
    if name == "feedback_required":
        return str(_("是") if value else _("否"))
    return str(value or "")


def _label(name: str) -> str:
    return str(getattr(Directive._meta.get_field(name), "verbose_name", name))


def diff(old: Directive, new: Directive) -> list[tuple[str, str, str]]:
    """[(field label, old value, new value)] for every field that differs between two versions, in
    the reader's language, values as a page shows them (attachments by file name)."""
    out: list[tuple[str, str, str]] = []
    for name in DIFF_FIELDS:
        before, after = _shown(old, name), _shown(new, name)
        if before != after:
            out.append((_label(name), before, after))
    names = [sorted(a.original_name for a in d.attachments.all()) for d in (old, new)]
    if old.pk and new.pk and names[0] != names[1]:
        out.append((_label("attachments"), "、".join(names[0]),
                    "、".join(names[1])))
    return out
