"""Who may see and change what: the ONE place.

A user's scope is the union over their memberships:
- a membership at a bureau (民政厅/民政局) covers every unit whose region lies in the
  bureau's region subtree (the province's officer sees all of Hunan);
- any other membership covers that unit alone.

Every scoped model names the path from itself to its unit in `scope_unit_path`
("" for Unit itself, "unit" for a model with a `unit` foreign key); a model that keeps its
own copy of the unit's region code may name it in `scope_region_field` (the ledger's
`region_code`), and bureau ranges then read it without a join. `restrict` filters
any queryset of such a model; a model that forgot to declare the path fails loudly rather
than leaking. The view and viewset mixins below call `restrict`, so a module gets scope by
inheriting them; an object outside the scope is a 404, never a 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from tongxin.regions.models import Region
from tongxin.regions.queries import chain, in_subtree
from tongxin.units.models import ROLE_CATEGORIES, Category, Membership, Role, Unit

# What each role may do where it sits. "read" is implied by any membership.
BUREAU_WRITERS = frozenset({Role.OFFICER, Role.LEADER, Role.SYSTEM_ADMIN})
UNIT_WRITERS = frozenset({Role.MANAGER})
# Who may file and correct reports for a unit: its own staff, or an officer of a bureau above it.
BUREAU_FILERS = frozenset({Role.OFFICER, Role.LEADER})
UNIT_FILERS = frozenset({Role.REPORTER, Role.MANAGER, Role.SOCIAL_STAFF})

READ, WRITE, FILE = "read", "write", "file"


@dataclass(frozen=True)
class Scope:
    """What one user covers, per mode (read, write, file): region prefixes (via bureaus) and single units."""

    prefixes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    units: dict[str, frozenset[int]] = field(default_factory=dict)
    roles: frozenset[str] = field(default_factory=frozenset)

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


def scope_of(user) -> Scope:
    """The user's scope, computed once per user object (i.e. once per request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    cached = getattr(user, "_tongxin_scope", None)
    if cached is not None:
        return cached
    prefixes: dict[str, list[str]] = {READ: [], WRITE: [], FILE: []}
    units: dict[str, set[int]] = {READ: set(), WRITE: set(), FILE: set()}
    roles = set()
    for m in Membership.objects.filter(user=user, unit__is_active=True).select_related("unit__region"):
        unit = m.unit
        if unit.category not in ROLE_CATEGORIES.get(m.role, ()):
            continue  # a role that does not fit its unit (e.g. after a registry error) grants nothing
        roles.add(m.role)
        if unit.category == Category.BUREAU:
            granted = {READ} | ({WRITE} if m.role in BUREAU_WRITERS else set()) | (
                {FILE} if m.role in BUREAU_FILERS else set())
            for mode in granted:
                prefixes[mode].append(unit.region.prefix)
        else:
            granted = {READ} | ({WRITE} if m.role in UNIT_WRITERS else set()) | (
                {FILE} if m.role in UNIT_FILERS else set())
            for mode in granted:
                units[mode].add(unit.pk)
    scope = Scope({k: tuple(v) for k, v in prefixes.items()}, {k: frozenset(v) for k, v in units.items()},
                  frozenset(roles))
    user._tongxin_scope = scope
    return scope


def reaching(user, field: str = "region_id") -> Q:
    """Work aimed at the user's area: a Q on a region-code `field` matching the regions at and above
    each of the user's units and bureaus, or inside the user's bureaus' subtrees. (A county officer
    sees what the province asked of every home; a city officer what it asked of one county.)"""
    s = scope_of(user)
    codes = {c for code in Unit.objects.filter(pk__in=s.units.get(READ, frozenset())).values_list(
        "region_id", flat=True) for c in chain(code)}
    codes |= {c for prefix in s.read_prefixes for c in chain(prefix.ljust(6, "0"))}
    q = Q(**{f"{field}__in": sorted(codes)})
    for prefix in _outermost(s.read_prefixes):
        q |= in_subtree(field, prefix)
    return q


def top_regions(user) -> list[Region]:
    """The regions of the user's bureaus, outermost first; empty for a user who sits only at units."""
    codes = [p.ljust(6, "0") for p in sorted(_outermost(scope_of(user).read_prefixes), key=lambda p: (len(p), p))]
    by_code = Region.objects.in_bulk(codes)
    return [by_code[c] for c in codes if c in by_code]


def forget(user) -> None:
    """Drop the cached scope after the user's memberships change."""
    if hasattr(user, "_tongxin_scope"):
        del user._tongxin_scope


def has_role(user, *roles: str) -> bool:
    return bool(scope_of(user).roles & set(roles))


def may_version(actor, first_version, issuers) -> bool:
    """Who may add a version to shared configuration (a form, a checklist) already in use:
    a system administrator, or an officer whose scope covers every bureau that issued work with
    it; one nobody has issued yet, only its author (a built-in one, a province officer)."""
    if actor is None or has_role(actor, Role.SYSTEM_ADMIN):
        return True
    s = scope_of(actor)
    issuers = list(issuers.distinct())
    if issuers:
        return all(s.covers(u, mode=FILE) for u in issuers)
    if first_version is None or first_version.created_by_id == actor.pk:
        return True
    # Shipped with the system: the province's officers look after it.
    return first_version.created_by_id is None and any(len(p) == 2 for p in s.prefixes.get(FILE, ()))


def _unit_path(model: type[Model]) -> str:
    try:
        return model.scope_unit_path  # type: ignore[attr-defined]
    except AttributeError:
        raise ImproperlyConfigured(
            f"{model.__name__} has no scope_unit_path: every scoped model must say how it reaches its unit"
        ) from None


def restrict(queryset: QuerySet, user, write: bool = False, mode: str | None = None) -> QuerySet:
    """The part of `queryset` the user may see (or, with write=True, change; or in another mode)."""
    model = queryset.model
    return queryset.filter(scope_of(user).q(_unit_path(model), write=write, mode=mode,
                                            region_field=getattr(model, "scope_region_field", "")))


def get_visible(queryset: QuerySet, user, **lookup) -> Model:
    """One object from the user's scope, or Http404 — also when it exists outside the scope."""
    try:
        return restrict(queryset, user).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404(_("找不到该记录，或您无权查看")) from None


def require(user, unit: Unit, mode: str, refusal: str) -> None:
    """Refuse acting on `unit` in `mode`: 404 if the user cannot even see it, 403 with `refusal`
    if they may see it but not act so. `user=None` is the system itself and passes."""
    if user is None:
        return
    s = scope_of(user)
    if not s.covers(unit):
        raise Http404(_("找不到该记录，或您无权查看"))
    if not s.covers(unit, mode=mode):
        raise PermissionDenied(refusal)


def require_write(user, unit: Unit) -> None:
    """Refuse a write to `unit` (its registry entry)."""
    require(user, unit, WRITE, _("您的角色不能修改该单位的信息"))


def require_write_region(user, region_code: str) -> None:
    """Refuse creating a unit in a region outside the user's writable subtrees."""
    if not scope_of(user).covers_region(region_code, write=True):
        raise PermissionDenied(_("您只能在本辖区内新增单位"))


class ScopedQuerysetMixin:
    """For Django class-based views: the queryset is always restricted to the user's scope.

    Detail views therefore answer 404 for an object outside the scope, because it is not in
    the queryset they look it up in.
    """

    def get_queryset(self):
        return restrict(super().get_queryset(), self.request.user)


class ScopedViewSetMixin:
    """For DRF viewsets: list, retrieve, update and delete see only the user's scope."""

    def get_queryset(self):
        return restrict(super().get_queryset(), self.request.user)
