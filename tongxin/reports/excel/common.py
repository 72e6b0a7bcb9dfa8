"""What the batch and the exports share: which assignment, region and units a user may ask for, and
the form's columns and how their values look in a spreadsheet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from tongxin.core.types import Actor
from tongxin.regions.models import Region
from tongxin.regions.queries import in_subtree
from tongxin.reports import queries, services
from tongxin.reports.models import Assignment, FormVersion
from tongxin.units import scope
from tongxin.units.models import Unit

NAME, KEY, REASON = "单位名称", "单位编号", "更正原因"
SHEET_TITLE = "批量报送"
YES, NO = "是", "否"
CHUNK = 500


# --- what the user may ask for ---------------------------------------------------------------------


def get_assignment(user: Actor, pk: Any) -> Assignment:
    """One of the assignments the user sees (queries.visible_assignments), or 404."""
    try:
        return queries.visible_assignments(user).get(pk=int(pk))
    except (TypeError, ValueError, Assignment.DoesNotExist):
        raise Http404(_("找不到该记录，或您无权查看")) from None


def get_region(user: Actor, code: str | None, assignment: Assignment, *, mode: str = scope.READ) -> Region:
    """The region asked for (default: the user's own, else the assignment's), if the user covers it; else 404
    (a malformed code: 400), through the one resolver, `scope.resolve_region`.

    In FILE mode a region also counts as covered when a unit the user files for lies in it.
    """
    s = scope.scope_of(user)
    if not code:
        own = {p.ljust(6, "0") for p in s.prefixes.get(mode, ())}
        own |= set(Unit.objects.filter(pk__in=s.units.get(mode, frozenset())).values_list("region_id", flat=True))
        code = own.pop() if len(own) == 1 else assignment.region_id
    return scope.resolve_region(user, str(code), mode=mode, own_units=mode == scope.FILE)


def expected_units(user: Actor, assignment: Assignment, region: Region, day: dt.date,
                   mode: str = scope.READ) -> QuerySet[Unit]:
    """The units of `region` the assignment expected on `day` (as they were then) that the user
    covers (in `mode`), by region and name."""
    units = Unit.objects.filter(services.expected_units_on_q(assignment, day), in_subtree("region_id", region.prefix))
    return scope.restrict(units, user, mode=mode).select_related("region").order_by("region_id", "name", "pk")


# --- columns and values ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    field: dict


def field_columns(version: FormVersion) -> list[Column]:
    """One column per form field: the Chinese label, with the unit of measure in brackets."""
    out, seen = [], {NAME, KEY, REASON}
    for f in version.fields:
        header = str(f["label"]).strip() + (f"（{f['unit']}）" if f.get("unit") else "")
        if header in seen:
            header = f"{header}[{f['key']}]"
        seen.add(header)
        out.append(Column(f["key"], header, f))
    return out


def choice_labels(f: dict) -> dict[str, str]:
    return {str(c["value"]): str(c.get("label") or c["value"]) for c in f.get("choices", [])}


def shown(f: dict, value: Any, *, localized: bool = False) -> Any:
    """A stored value as a spreadsheet shows it (yes/no as 是/否, a choice by its label, numbers as numbers)."""
    if value is None or value == "":
        return None
    kind = f["type"]
    if kind == "bool":
        return (_("是") if value else _("否")) if localized else (YES if value else NO)
    if kind == "choice":
        return choice_labels(f).get(str(value), value)
    if kind == "decimal":
        return Decimal(str(value))
    if kind == "date":
        return dt.date.fromisoformat(str(value))
    return value


def chunked(items: Iterable, size: int = CHUNK) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
