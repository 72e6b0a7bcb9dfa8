"""Personal data (a person's mobile or ID number): who sees it in full, and the one way it is shown.

The policy (PIPL's "minimum necessary"; docs/design-notes.md, "Personal data"): the level that
manages a person is the level that needs the number. `may_see_personal(user, unit)` is true only for

- staff of the person's own unit (any role there except the three separated administrators), and
- officers and leaders of the bureau that *directly supervises* that unit: the unit's `supervisor`
  if it has one, otherwise the bureau of the unit's own region (for a bureau itself, the bureau of
  the region above), or the nearest one above when that region has none.

Everyone else, the city and province included, and the administrators everywhere, sees the masked
form (`core.validators.mask_phone` / `mask_id_number`: 138****5678, 4309**********1234). A unit's
own work phone and contact line (`Unit.phone`, `contact_person`) are not personal data here.

Applied in three places and never by hand: `PersonalField` for the API, the `{% personal %}` tag
(`{% load personal %}`) for pages, and `shown()` for exports.
"""

from __future__ import annotations

from typing import Any, Literal

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from tongxin.core.validators import mask_id_number, mask_phone
from tongxin.regions.queries import chain
from tongxin.units.models import ROLE_CATEGORIES, SEPARATED_ROLES, Kind, Membership, Unit
from tongxin.units.scope import BUREAU_OFFICERS

PersonalKind = Literal["phone", "id_number"]
MASKS = {"phone": mask_phone, "id_number": mask_id_number}
HELP = gettext_lazy("完整号码仅本单位人员和直接主管的民政部门可见，其他人看到部分隐藏的号码")


class _Grants:
    """A user's memberships that matter here, and a cache of each unit's supervising bureaus."""

    def __init__(self, user: Any) -> None:
        self.own: set[int] = set()          # units where the user is staff
        self.supervising: set[int] = set()  # bureaus where the user is an officer or leader
        if user is not None and getattr(user, "is_authenticated", False) and user.is_active:
            rows = Membership.objects.filter(user=user, unit__is_active=True).values_list(
                "unit_id", "unit__category", "role")
            for unit_id, category, role in rows:
                if role in SEPARATED_ROLES or category not in ROLE_CATEGORIES.get(role, ()):
                    continue
                self.own.add(unit_id)
                if role in BUREAU_OFFICERS:
                    self.supervising.add(unit_id)
        self.bureaus_of: dict[tuple[int | None, str, bool], frozenset[int]] = {}


def _grants(user: Any) -> _Grants:
    cached = getattr(user, "_tongxin_personal", None)
    if cached is None:
        cached = _Grants(user)
        if user is not None:
            user._tongxin_personal = cached
    return cached


def supervising_bureaus(unit: Unit) -> frozenset[int]:
    """The ids of the bureau(s) that directly supervise `unit` (see the module's docstring)."""
    if unit.supervisor_id is not None:
        return frozenset({unit.supervisor_id})
    codes = chain(unit.region_id)[::-1]
    if unit.kind == Kind.BUREAU:
        codes = codes[1:]  # a bureau is supervised by the one above it, not by itself
    rows = list(Unit.objects.filter(kind=Kind.BUREAU, is_active=True, region_id__in=codes)
                .values_list("region_id", "pk"))
    for code in codes:
        here = frozenset(pk for region_id, pk in rows if region_id == code)
        if here:
            return here
    return frozenset()


def may_see_personal(user: Any, unit: Unit | None) -> bool:
    """True if `user` may see the full mobile and ID numbers of the people of `unit`."""
    if unit is None:
        return False
    grants = _grants(user)
    if not grants.supervising and not grants.own:
        return False
    if unit.pk in grants.own:
        return True
    if not grants.supervising:
        return False
    key = (unit.supervisor_id, unit.region_id, unit.kind == Kind.BUREAU)
    if key not in grants.bureaus_of:
        grants.bureaus_of[key] = supervising_bureaus(unit)
    return bool(grants.bureaus_of[key] & grants.supervising)


def forget(user: Any) -> None:
    """Drop the cached grants after the user's memberships change."""
    if hasattr(user, "_tongxin_personal"):
        del user._tongxin_personal


def shown(user: Any, value: str | None, unit: Unit | None, kind: PersonalKind = "phone") -> str:
    """`value` as `user` may see it: in full, or masked. Empty stays empty."""
    if not value:
        return ""
    return value if may_see_personal(user, unit) else MASKS[kind](value)


class PersonalField(serializers.CharField):
    """A read-only string of personal data, masked unless the requesting user may see it in full.

    `PersonalField(unit_source="unit")` reads the unit the person belongs to from the instance
    (a dotted path; `"*"` when the instance is the unit); `kind` is "phone" or "id_number".
    """

    def __init__(self, *, unit_source: str = "unit", kind: PersonalKind = "phone", **kwargs: Any) -> None:
        kwargs["read_only"] = True
        kwargs.setdefault("help_text", HELP)
        super().__init__(**kwargs)
        self.unit_source, self.kind = unit_source, kind

    def get_attribute(self, instance: Any) -> Any:
        value = super().get_attribute(instance)
        unit = instance
        if self.unit_source != "*":
            for part in self.unit_source.split("."):
                unit = getattr(unit, part, None)
        return value, unit

    def to_representation(self, value: Any) -> str:
        raw, unit = value
        request = self.context.get("request")
        return shown(getattr(request, "user", None), raw, unit, self.kind)
