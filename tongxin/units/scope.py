"""Who may see and change what: the ONE place.

A user's scope is the union over their memberships:
- a membership at a bureau (民政厅/民政局) covers every unit whose region lies in the
  bureau's region subtree (the province's officer sees all of Hunan);
- any other membership covers that unit alone.

Every scoped model names the path from itself to its unit in `scope_unit_path`
("" for Unit itself, "unit" for a model with a `unit` foreign key). `restrict` filters
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

from tongxin.regions.queries import in_subtree
from tongxin.units.models import Category, Membership, Role, Unit

# Roles that may create and edit units, by where they sit.
BUREAU_WRITERS = frozenset({Role.OFFICER, Role.LEADER, Role.SYSTEM_ADMIN})
UNIT_WRITERS = frozenset({Role.MANAGER})


@dataclass(frozen=True)
class Scope:
    """What one user covers: region prefixes (via bureaus) and single units, for reading and writing."""

    read_prefixes: tuple[str, ...] = ()
    read_units: frozenset[int] = frozenset()
    write_prefixes: tuple[str, ...] = ()
    write_units: frozenset[int] = frozenset()
    roles: frozenset[str] = field(default_factory=frozenset)

    def q(self, path: str = "", write: bool = False) -> Q:
        """A Q selecting units (through `path`) in this scope; matches nothing when empty."""
        prefix = f"{path}__" if path else ""
        prefixes = self.write_prefixes if write else self.read_prefixes
        units = self.write_units if write else self.read_units
        q = Q(pk__in=[]) if not path else Q(**{f"{prefix}pk__in": []})
        for p in _outermost(prefixes):
            q |= in_subtree(f"{prefix}region_id", p)
        if units:
            q |= Q(**{f"{prefix}pk__in": sorted(units)})
        return q

    def covers_region(self, region_code: str, write: bool = False) -> bool:
        prefixes = self.write_prefixes if write else self.read_prefixes
        return any(region_code.startswith(p) for p in prefixes)

    def covers(self, unit: Unit, write: bool = False) -> bool:
        units = self.write_units if write else self.read_units
        return unit.pk in units or self.covers_region(unit.region_id, write)


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
    read_p, write_p, read_u, write_u, roles = [], [], set(), set(), set()
    for m in Membership.objects.filter(user=user, unit__is_active=True).select_related("unit__region"):
        roles.add(m.role)
        unit = m.unit
        if unit.category == Category.BUREAU:
            read_p.append(unit.region.prefix)
            if m.role in BUREAU_WRITERS:
                write_p.append(unit.region.prefix)
        else:
            read_u.add(unit.pk)
            if m.role in UNIT_WRITERS:
                write_u.add(unit.pk)
    scope = Scope(tuple(read_p), frozenset(read_u), tuple(write_p), frozenset(write_u), frozenset(roles))
    user._tongxin_scope = scope
    return scope


def forget(user) -> None:
    """Drop the cached scope after the user's memberships change."""
    if hasattr(user, "_tongxin_scope"):
        del user._tongxin_scope


def has_role(user, *roles: str) -> bool:
    return bool(scope_of(user).roles & set(roles))


def _unit_path(model: type[Model]) -> str:
    try:
        return model.scope_unit_path  # type: ignore[attr-defined]
    except AttributeError:
        raise ImproperlyConfigured(
            f"{model.__name__} has no scope_unit_path: every scoped model must say how it reaches its unit"
        ) from None


def restrict(queryset: QuerySet, user, write: bool = False) -> QuerySet:
    """The part of `queryset` the user may see (or, with write=True, change)."""
    return queryset.filter(scope_of(user).q(_unit_path(queryset.model), write=write))


def get_visible(queryset: QuerySet, user, **lookup) -> Model:
    """One object from the user's scope, or Http404 — also when it exists outside the scope."""
    try:
        return restrict(queryset, user).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404(_("找不到该记录，或您无权查看")) from None


def require_write(user, unit: Unit) -> None:
    """Refuse a write to `unit`: 404 if the user cannot even see it, 403 if they only may read it."""
    scope = scope_of(user)
    if not scope.covers(unit):
        raise Http404(_("找不到该记录，或您无权查看"))
    if not scope.covers(unit, write=True):
        raise PermissionDenied(_("您的角色不能修改该单位的信息"))


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
