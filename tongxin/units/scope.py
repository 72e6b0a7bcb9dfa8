"""Who may see and change what: the ONE place.

A user's scope is the union over their memberships:
- a membership at a bureau (民政厅/民政局) covers every unit whose region lies in the
  bureau's region subtree (the province's officer sees all of Hunan);
- any other membership covers that unit alone.

Modes: READ (see business data), FILE (file reports, raise and work ledger entries, define and
issue forms, checklists, assignments and campaigns), WRITE (change the unit registry), REGISTRY
(see the unit registry as reference data) and AUDIT (read the audit trail).

The three separated administrators run the system, not the response (DESIGN.md §4): their
memberships grant no READ and no FILE. A system administrator keeps the unit registry
(REGISTRY and WRITE in the bureau's subtree); an auditor reads the audit trail of the bureau's
subtree (AUDIT); a security administrator sees the registry (REGISTRY) and administers the accounts
and roles of the bureau's subtree (ACCOUNTS; see `units.administration`).

Every scoped model says how it is scoped, with one declaration:
- `scope_unit_path`: the path from it to its unit ("" for Unit itself, "unit" for a model with a
  `unit` foreign key); a model that keeps its own copy of the unit's region code names it in
  `scope_unit_region_field` (the ledger's `region_code`), and bureau ranges then read it without a
  join; with `scope_reach_field` too (a region-code field), READ also takes in work
  aimed at the user's area (`reaching`: assignments and campaigns from above);
- `scope_unit_field`: a plain unit id column (core models, which cannot point at units);
- `scope_region_field`: a plain region-code column (audit events, by AUDIT);
- `scope_owner_field`: a user foreign key: only the owner's own rows (notifications);
- `scope_members_path`: the user model: an account lies in a scope when it holds a role there and
  none outside it (an account with no role at all lies only in a province-wide scope);
- `scope_shared = True`: shared configuration (forms, checklists), read by every signed-in user;
  changing it is the service's decision (`may_version`).
`restrict` (and `Model.objects.restrict(user, mode)`, which calls it) filters any queryset of such
a model; a model that declares none fails loudly rather than leaking. The base views and
viewsets in `tongxin.core.views_base` call it, so a module gets scope by inheriting them; an
object outside the scope is a 404, never a 403. `region_from_request` is the one reader of a
region code from a request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import BadRequest, ImproperlyConfigured, ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from tongxin.core.types import Actor
from tongxin.regions.models import Region
from tongxin.regions.queries import chain, code_of_prefix, compact, in_subtree, lookup
from tongxin.units.models import ROLE_CATEGORIES, Category, Membership, Role, Unit

if TYPE_CHECKING:
    from tongxin.core.versioning import DefinitionVersion

_M = TypeVar("_M", bound=Model)

READ, WRITE, FILE, REGISTRY, AUDIT, ACCOUNTS = "read", "write", "file", "registry", "audit", "accounts"
MODES = (READ, WRITE, FILE, REGISTRY, AUDIT, ACCOUNTS)

# What each role may do where it sits. READ and REGISTRY come with every business role; the three
# separated administrators get only what their job needs (see the module docstring).
# A bureau's officers and leaders: they change the registry, file for the units below, issue forms,
# checklists, assignments and campaigns, and verify (never the separated administrators).
BUREAU_OFFICERS = frozenset({Role.OFFICER, Role.LEADER})
UNIT_WRITERS = frozenset({Role.MANAGER})
# Who may file and correct reports for a unit: its own staff, or an officer of a bureau above it.
UNIT_FILERS = frozenset({Role.REPORTER, Role.MANAGER, Role.SOCIAL_STAFF})
BUSINESS_ROLES = frozenset({Role.REPORTER, Role.MANAGER, Role.OFFICER, Role.LEADER, Role.SOCIAL_STAFF})
ADMIN_GRANTS: dict[str, frozenset[str]] = {
    Role.SYSTEM_ADMIN: frozenset({REGISTRY, WRITE}),
    Role.SECURITY_ADMIN: frozenset({REGISTRY, ACCOUNTS}),  # the accounts and roles of its bureau's subtree
    Role.AUDITOR: frozenset({AUDIT}),
}


@dataclass(frozen=True)
class Scope:
    """What one user covers, per mode (read, write, file): region prefixes (via bureaus) and single units."""

    prefixes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    units: dict[str, frozenset[int]] = field(default_factory=dict)
    roles: frozenset[str] = field(default_factory=frozenset)
    # The region codes at and above each unit and bureau the user reads (what `reaching` matches exactly).
    areas: frozenset[str] = field(default_factory=frozenset)

    @property
    def read_prefixes(self) -> tuple[str, ...]:
        return self.prefixes.get(READ, ())

    @property
    def write_prefixes(self) -> tuple[str, ...]:
        return self.prefixes.get(WRITE, ())

    def _mode(self, write: bool, mode: str | None) -> str:
        return mode or (WRITE if write else READ)

    def q(self, path: str = "", write: bool = False, mode: str | None = None, region_field: str = "") -> Q:
        """A Q selecting units (through `path`) in this scope; matches nothing when empty. With
        `region_field`, the bureau ranges read that field of the model itself instead of the unit's."""
        m = self._mode(write, mode)
        prefix = f"{path}__" if path else ""
        q = Q(**{f"{prefix}pk__in": []})
        for p in _outermost(self.prefixes.get(m, ())):
            q |= in_subtree(region_field or f"{prefix}region_id", p)
        units = self.units.get(m, frozenset())
        if units:
            q |= Q(**{f"{prefix}pk__in": sorted(units)})
        return q

    def covers_region(self, region_code: str, write: bool = False, mode: str | None = None) -> bool:
        return any(region_code.startswith(p) for p in self.prefixes.get(self._mode(write, mode), ()))

    def covers(self, unit: Unit, write: bool = False, mode: str | None = None) -> bool:
        m = self._mode(write, mode)
        return unit.pk in self.units.get(m, frozenset()) or self.covers_region(unit.region_id, mode=m)


def _outermost(prefixes: tuple[str, ...]) -> list[str]:
    """Drop prefixes already covered by a shorter one, so the query has no redundant ranges."""
    kept: list[str] = []
    for p in sorted(set(prefixes), key=len):
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return kept


# The attribute a user object caches its scope in (not a field of the user model).
_CACHE = "_tongxin_scope"


def scope_of(user: Actor) -> Scope:
    """The user's scope, computed once per user object (i.e. once per request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    cached = getattr(user, _CACHE, None)
    if isinstance(cached, Scope):
        return cached
    prefixes: dict[str, list[str]] = {mode: [] for mode in MODES}
    units: dict[str, set[int]] = {mode: set() for mode in MODES}
    roles: set[str] = set()
    areas: set[str] = set()
    for m in Membership.objects.filter(user_id=user.pk, unit__is_active=True).select_related("unit__region"):
        unit = m.unit
        if unit.category not in ROLE_CATEGORIES.get(m.role, ()):
            continue  # a role that does not fit its unit (e.g. after a registry error) grants nothing
        roles.add(m.role)
        if unit.category == Category.BUREAU:
            granted = set(ADMIN_GRANTS.get(m.role, ()))
            if m.role in BUSINESS_ROLES:
                granted |= {READ, REGISTRY} | ({WRITE} if m.role in BUREAU_OFFICERS else set()) | (
                    {FILE} if m.role in BUREAU_OFFICERS else set())
            for mode in granted:
                prefixes[mode].append(unit.region.prefix)
            if READ in granted:
                areas.update(chain(unit.region.prefix.ljust(6, "0")))
        else:
            granted = {READ, REGISTRY} | ({WRITE} if m.role in UNIT_WRITERS else set()) | (
                {FILE} if m.role in UNIT_FILERS else set())
            for mode in granted:
                units[mode].add(unit.pk)
            areas.update(chain(unit.region_id))
    scope = Scope({k: tuple(v) for k, v in prefixes.items()}, {k: frozenset(v) for k, v in units.items()},
                  frozenset(roles), frozenset(areas))
    setattr(user, _CACHE, scope)
    return scope


def footprint(user: Actor, mode: str = READ) -> dict[str, list[Any]]:
    """What the user covers in `mode` now, as JSON (region prefixes and single unit ids), to keep with
    work done for them later (a background export) and compare with `still_covers`."""
    s = scope_of(user)
    return {"prefixes": _outermost(s.prefixes.get(mode, ())), "units": sorted(s.units.get(mode, frozenset()))}


def still_covers(user: Actor, kept: Mapping[str, Any], mode: str = READ) -> bool:
    """Whether the user still covers, in `mode`, everything a `footprint` of theirs covered (a unit
    they sat at may now be covered by a bureau of theirs instead; a unit gone since counts as lost)."""
    s = scope_of(user)
    prefixes = s.prefixes.get(mode, ())
    if not all(any(str(p).startswith(q) for q in prefixes) for p in kept.get("prefixes", ())):
        return False
    units = s.units.get(mode, frozenset())
    missing = sorted({int(pk) for pk in kept.get("units", ())} - units)
    return not missing or Unit.objects.filter(pk__in=missing).filter(s.q(mode=mode)).count() == len(missing)


def reaching(user: Actor, field: str = "region_id") -> Q:
    """Work aimed at the user's area: a Q on a region-code `field` matching the regions at and above
    each of the user's units and bureaus, or inside the user's bureaus' subtrees. (A county officer
    sees what the province asked of every home; a city officer what it asked of one county.)"""
    s = scope_of(user)
    q = Q(**{f"{field}__in": sorted(s.areas)})
    for prefix in _outermost(s.read_prefixes):
        q |= in_subtree(field, prefix)
    return q


def reaches(user: Actor, region_code: str) -> bool:
    """Whether `reaching(user)` matches `region_code`, without a query."""
    s = scope_of(user)
    return region_code in s.areas or s.covers_region(region_code)


def top_regions(user: Actor) -> list[Region]:
    """The regions of the user's bureaus, outermost first; empty for a user who sits only at units."""
    codes = [p.ljust(6, "0") for p in sorted(_outermost(scope_of(user).read_prefixes), key=lambda p: (len(p), p))]
    by_code = Region.objects.in_bulk(codes)
    return [by_code[c] for c in codes if c in by_code]


def forget(user: Actor) -> None:
    """Drop the cached scope after the user's memberships change."""
    if hasattr(user, _CACHE):
        delattr(user, _CACHE)


def has_role(user: Actor, *roles: str) -> bool:
    return bool(scope_of(user).roles & set(roles))


def may_version(actor: Actor, first_version: DefinitionVersion | None, issuers: QuerySet[Unit]) -> bool:
    """Who may add a version to shared configuration (a form, a checklist) already in use:
    an officer whose scope covers every bureau that issued work with it; one nobody has issued yet,
    only its author (a built-in one, a province officer). Never a separated administrator: the
    system administrator runs the system, not the response's forms."""
    if actor is None:
        return True
    s = scope_of(actor)
    issuing = list(issuers.distinct())
    if issuing:
        return all(s.covers(u, mode=FILE) for u in issuing)
    if first_version is None or first_version.created_by_id == actor.pk:
        return True
    # Shipped with the system: the province's officers look after it.
    return first_version.created_by_id is None and any(len(p) == 2 for p in s.prefixes.get(FILE, ()))


def _declared(model: type[Model]) -> tuple[str, str]:
    for attr in ("scope_unit_path", "scope_unit_field", "scope_region_field", "scope_owner_field", "scope_shared",
                 "scope_members_path"):
        if hasattr(model, attr):
            return attr, getattr(model, attr)
    raise ImproperlyConfigured(
        f"{model.__name__} declares no scope (scope_unit_path, scope_unit_field, scope_region_field, "
        "scope_owner_field, scope_shared or scope_members_path): every scoped model must say how it reaches its unit"
    )


def region_q(field: str, prefixes: tuple[str, ...] | list[str]) -> Q:
    """A Q on a region-code `field` inside any of `prefixes`; a province-wide prefix also takes in
    rows with no region (the system's own events belong to the top of the tree)."""
    q = Q(**{f"{field}__in": []})
    for p in _outermost(tuple(prefixes)):
        q |= in_subtree(field, p)
        if len(p) <= 2:
            q |= Q(**{field: ""})
    return q


def scope_q(model: type[Model], user: Actor, mode: str = READ) -> Q:
    """The Q that keeps the rows of `model` the user reaches in `mode`."""
    s = scope_of(user)
    kind, value = _declared(model)
    if kind == "scope_unit_path":
        q = s.q(value, mode=mode, region_field=getattr(model, "scope_unit_region_field", ""))
        reach = getattr(model, "scope_reach_field", None)
        if reach and mode == READ:
            q |= reaching(user, reach)
        return q
    if kind == "scope_unit_field":
        return Q(**{f"{value}__in": Unit.objects.filter(s.q(mode=mode)).values("pk")})
    if kind == "scope_region_field":
        return region_q(value, s.prefixes.get(mode, ()))
    if kind == "scope_members_path":
        inside = s.q("unit", mode=mode)
        q = Q(pk__in=Membership.objects.filter(inside).values("user_id")) & ~Q(
            pk__in=Membership.objects.exclude(inside).values("user_id"))
        if any(len(p) <= 2 for p in s.prefixes.get(mode, ())):
            q |= ~Q(pk__in=Membership.objects.values("user_id"))
        return q
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    if kind == "scope_shared":
        return Q() if mode == READ else Q(pk__in=[])
    return Q(**{value: user.pk})


def restrict(queryset: QuerySet[_M], user: Actor, write: bool = False, mode: str | None = None) -> QuerySet[_M]:
    """The part of `queryset` the user may see (or, with write=True, change; or in another mode).

    The one implementation behind `Model.objects.restrict(user, mode)` and the base views."""
    return queryset.filter(scope_q(queryset.model, user, mode or (WRITE if write else READ)))


def _policy(queryset: QuerySet[_M], user: Actor, mode: str = READ) -> QuerySet[_M]:
    return restrict(queryset, user, mode=mode)


def sees(user: Actor, obj: Model, mode: str = READ) -> bool:
    """Whether `restrict` would keep `obj` for the user, decided from the object as loaded and the
    user's cached scope, without a query (the one scope check of a hot path that has fetched its
    rows by id). For the models scoped by `scope_unit_path`; load the path to the unit with
    select_related, or reading it costs a query."""
    kind, path = _declared(type(obj))
    if kind != "scope_unit_path":
        raise ImproperlyConfigured(f"scope.sees reads scope_unit_path models only, not {type(obj).__name__}")
    s = scope_of(user)
    unit: Any = obj
    for step in path.split("__") if path else ():
        unit = getattr(unit, step)
    region_field = getattr(type(obj), "scope_unit_region_field", "")
    region = getattr(obj, region_field) if region_field else (unit.region_id if unit is not None else None)
    inside = (unit is not None and unit.pk in s.units.get(mode, frozenset())) or (
        region is not None and s.covers_region(region, mode=mode))
    reach = getattr(type(obj), "scope_reach_field", None)
    if not inside and reach and mode == READ:
        code = getattr(obj, reach)
        inside = code is not None and reaches(user, code)
    return bool(inside)


def get_visible(queryset: QuerySet[_M], user: Actor, mode: str = READ, **lookup: Any) -> _M:
    """One object from the user's scope, or Http404 — also when it exists outside the scope."""
    try:
        return restrict(queryset, user, mode=mode).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError):  # the model's DoesNotExist is one
        raise Http404(_("找不到该记录，或您无权查看")) from None


def require(user: Actor, unit: Unit, mode: str, refusal: str) -> None:
    """Refuse acting on `unit` in `mode`: 404 if the user cannot even see it, 403 with `refusal`
    if they may see it but not act so. `user=None` is the system itself and passes."""
    if user is None:
        return
    s = scope_of(user)
    if not s.covers(unit, mode=REGISTRY if mode == WRITE else READ):
        raise Http404(_("找不到该记录，或您无权查看"))
    if not s.covers(unit, mode=mode):
        raise PermissionDenied(refusal)


def require_write(user: Actor, unit: Unit) -> None:
    """Refuse a write to `unit` (its registry entry)."""
    require(user, unit, WRITE, _("您的角色不能修改该单位的信息"))


def require_write_region(user: Actor, region_code: str) -> None:
    """Refuse creating a unit in a region outside the user's writable subtrees."""
    if not scope_of(user).covers_region(region_code, write=True):
        raise PermissionDenied(_("您只能在本辖区内新增单位"))


# --- a region code from a request ------------------------------------------------------------------

class RegionCodeError(BadRequest):
    """A region parameter we cannot resolve (malformed, unknown or ambiguous): 400, naming the
    parameter. `candidates` holds the regions an ambiguous name may mean, for a page to offer."""

    def __init__(self, message: str, field: str = "region", candidates: list[Region] | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.candidates = candidates or []


def parse_region_code(raw: str, field: str = "region") -> Region:
    """The region with code `raw` (six digits, or a 2- or 4-digit prefix: 4309 is the city 430900),
    or RegionCodeError (a 400) naming `field`."""
    code = code_of_prefix(raw)
    if code is None:
        raise RegionCodeError(_("区划代码“%(code)s”格式不正确，应为 6 位数字（或 2、4 位前缀）") % {"code": raw[:20]},
                              field)
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise RegionCodeError(_("没有这个区划代码：%(code)s") % {"code": raw[:20]}, field)
    return region


def region_from_request(
    request: Any,
    param: str = "region",
    *,
    mode: str = READ,
    default: Region | Callable[[], Region | None] | None = None,
    within: Region | None = None,
    own_units: bool = False,
    data: Mapping[str, Any] | None = None,
) -> Region | None:
    """The ONE reader of a region from a request (`param` in the query string, or in `data`): a
    code, a code prefix, a name, a path of names or a pinyin (see `resolve_region`).

    Blank: `default` (a region, or a function giving one; None stays None). Malformed, unknown or
    ambiguous: RegionCodeError, a 400 naming `param`. A code outside the user's scope in `mode`, or
    outside `within` (a campaign's region): 404. With `own_units`, a region also counts as covered
    when one of the (non-bureau) units the user sits at lies inside it (a home's reporter may look
    at its county).
    """
    source = request.GET if data is None else data
    raw = str(source.get(param, "") or "").strip()
    if not raw:
        return default() if callable(default) else default
    return resolve_region(request.user, raw, param=param, mode=mode, within=within, own_units=own_units)


def resolve_region(user: Actor, raw: str, *, param: str = "region", mode: str = READ, within: Region | None = None,
                   own_units: bool = False) -> Region:
    """The region `raw` names, for `user`: the checks of `region_from_request` for a value already read.

    A code (430921) or a code prefix (4309 = 430900, the city, which covers its counties): 400 when
    malformed or unknown, 404 outside the user's scope or `within`. Anything else is a name (南县), a
    path of names (益阳市南县), a name without its ending (益阳) or a pinyin (nanxian, nx), looked up
    among the regions the user reaches only (a name never widens scope): 400 with words when it
    matches none of them, or more than one equally well (the error's `candidates` lists them).
    """
    text = compact(raw)
    if text.isdigit():
        region = parse_region_code(text, param)
        if within is not None and not region.code.startswith(within.prefix):
            raise Http404(_("找不到该记录，或您无权查看"))
        if not reaches_region(user, region, mode=mode, own_units=own_units):
            raise Http404(_("找不到该记录，或您无权查看"))
        return region
    # Only what the user reaches is a candidate (with own_units, a region above one's unit counts too: checked below).
    for tier in lookup(text, within=None if own_units else regions_q(user, mode)):
        usable = [r for r in tier if (within is None or r.code.startswith(within.prefix))
                  and reaches_region(user, r, mode=mode, own_units=own_units)]
        if len(usable) == 1:
            return usable[0]
        if usable:
            names = "、".join(f"{r.full_name()}（{r.code}）" for r in usable)
            message = _("“%(term)s”可指多个区划：%(names)s。请选择其一，或填写区划代码。")
            raise RegionCodeError(message % {"term": raw[:20], "names": names}, param, usable)
    message = _("在您可查看的范围内找不到区划“%(term)s”。可填写名称（南县、益阳市南县）、拼音（nanxian、nx）"
                "或区划代码（430921、4309）。")
    raise RegionCodeError(message % {"term": raw[:20]}, param)


def resolve_region_filter(user: Actor, raw: str, *, param: str = "region", mode: str = READ,
                          own_units: bool = False) -> Region:
    """`resolve_region` for a list's filter: a region outside the user's scope is a RegionCodeError
    with words too (the list stays, with the message), not a 404 for the whole page."""
    try:
        return resolve_region(user, raw, param=param, mode=mode, own_units=own_units)
    except Http404:
        raise RegionCodeError(_("区划“%(term)s”不在您可查看的范围内") % {"term": raw[:20]}, param) from None


def reaches_region(user: Actor, region: Region, *, mode: str = READ, own_units: bool = True) -> bool:
    """Whether the user reaches `region` in `mode`: inside one of their bureaus' subtrees or, with
    `own_units`, a region holding one of the units they sit at (a home's staff and their county)."""
    s = scope_of(user)
    return s.covers_region(region.code, mode=mode) or (own_units and Unit.objects.filter(
        pk__in=s.units.get(mode, frozenset())).filter(in_subtree("region_id", region.prefix)).exists())


def regions_q(user: Actor, mode: str = READ) -> Q:
    """A Q on `Region` keeping the regions the user may pick in `mode`: their bureaus' subtrees and
    the regions of the (non-bureau) units they sit at. Every region it keeps, `resolve_region` accepts."""
    s = scope_of(user)
    q = Q(pk__in=[])
    for p in _outermost(s.prefixes.get(mode, ())):
        q |= in_subtree("code", p)
    units = s.units.get(mode, frozenset())
    if units:
        q |= Q(code__in=Unit.objects.filter(pk__in=sorted(units)).values("region_id"))
    return q


def default_region_within(user: Actor, area: Region, mode: str = READ) -> Region | None:
    """The highest region the user covers inside `area` (a campaign's region): `area` itself when
    covered, else the outermost of the user's bureaus inside it; None when there is none."""
    s = scope_of(user)
    if s.covers_region(area.code, mode=mode):
        return area
    inside = sorted((p for p in _outermost(s.prefixes.get(mode, ())) if p.startswith(area.prefix)),
                    key=lambda p: (len(p), p))
    by_code = Region.objects.in_bulk([p.ljust(6, "0") for p in inside])
    return next((by_code[c] for c in (p.ljust(6, "0") for p in inside) if c in by_code), None)


def audit_region(actor: Actor, obj: Model | None, unit: Any) -> str:
    """The region code an audit event is filed under (core.audit calls this through its hook):
    the unit's, else the object's own region or unit, else the actor's outermost unit."""
    if unit is not None and getattr(unit, "region_id", None):
        return str(unit.region_id)
    if obj is not None:
        region_id = getattr(obj, "region_id", None)
        if isinstance(obj, Unit) or (isinstance(region_id, str) and region_id):
            return str(region_id)
        unit_id = getattr(obj, "unit_id", None)
        if isinstance(unit_id, int):
            code = Unit.objects.filter(pk=unit_id).values_list("region_id", flat=True).first()
            if code:
                return str(code)
    actor_pk = getattr(actor, "pk", None)
    if actor is not None and actor_pk:
        codes = sorted(Membership.objects.filter(user_id=actor_pk).values_list("unit__region_id", flat=True),
                       key=lambda c: (len(c.rstrip("0")), c))
        if codes:
            return str(codes[0])
    return ""
