"""The issuer's board (通知督办看板): a directive chain's deliveries rolled up level by level.

For a root directive and a region, `board` counts every delivery of the chain (`Delivery.root`,
forwards included) that lies in the region's subtree and that the viewer may READ, per child
region, level by level (province → city → county → unit):

- each level is ONE aggregate query, grouped by the first 2/4/6 digits of the delivery's own
  `region_code` (GB/T 2260 codes are the materialised path); nothing loops over deliveries;
- a delivery to a unit at the region's own code (张家界市民政局 at 430800, a city-level home) is
  that region's 本级 row at the level below, so at every level a region's total is its 本级 row plus
  the sum of its children's rows, and the top is the number of deliveries;
- the bottom level lists the units one by one, with who signed and when.

Versions: a revision replaces a directive and keeps the old deliveries (history stays true). The
board counts only deliveries of the *current* versions: directives issued or closed, never a
REPLACED (nor a WITHDRAWN) one, so a unit that signed version 1 and must sign version 2 is counted
once, by its version 2 delivery. The chain is found through every version of the root
(`versions`), so the board of version 1 and of version 2 is the same board.

Overdue (as of `now`): not signed past the directive's own sign deadline (a forward carries its
own); or feedback required and missing past the feedback deadline. `overdue` counts deliveries
that are either, once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from tongxin.command.models import Delivery, Directive
from tongxin.command.queries.directives import LIVE  # directives whose deliveries count: current versions
from tongxin.command.queries.directives import versions as directive_versions
from tongxin.core.types import Actor
from tongxin.regions.models import Region
from tongxin.regions.queries import in_subtree
from tongxin.units.scope import READ

# Digits of a region code that name a division at each level (province 43, city 4308, county 430821).
PREFIX_LEN = {Region.Level.PROVINCE: 2, Region.Level.CITY: 4, Region.Level.COUNTY: 6}
COUNT_FIELDS = ("delivered", "signed", "unsigned", "signed_late", "fed_back", "feedback_missing",
                "overdue_sign", "overdue_feedback", "overdue")


@dataclass
class Counts:
    """The counts of one row; rates are percentages of the deliveries (0 when there are none)."""

    delivered: int = 0
    signed: int = 0
    unsigned: int = 0
    signed_late: int = 0
    fed_back: int = 0
    feedback_missing: int = 0
    overdue_sign: int = 0
    overdue_feedback: int = 0
    overdue: int = 0
    feedback_due: int = 0

    @property
    def sign_rate(self) -> float:
        return round(100 * self.signed / self.delivered, 1) if self.delivered else 0.0

    @property
    def feedback_rate(self) -> float:
        return round(100 * self.fed_back / self.feedback_due, 1) if self.feedback_due else 0.0

    def add(self, other: Counts) -> None:
        for name in (*COUNT_FIELDS, "feedback_due"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {name: getattr(self, name) for name in (*COUNT_FIELDS, "feedback_due")}
        data.update(sign_rate=self.sign_rate, feedback_rate=self.feedback_rate)
        return data


@dataclass
class Row:
    """One region's row at a level: `own` marks the 本级 row of `region` (units at its own code)."""

    region: Region
    own: bool
    counts: Counts
    # The region the row sits under at the level above (for drill-down grouping).
    parent_code: str = ""


@dataclass
class UnitRow:
    """One delivery at the bottom level: the unit and its three states."""

    delivery_id: int
    unit_id: int
    unit_name: str
    region_code: str
    directive_id: int
    delivered_at: dt.datetime
    signed_at: dt.datetime | None
    signed_by: str
    signed_as: str
    fed_back_at: dt.datetime | None
    feedback_required: bool
    signed_late: bool
    overdue_sign: bool
    overdue_feedback: bool

    @property
    def overdue(self) -> bool:
        return self.overdue_sign or self.overdue_feedback


@dataclass
class Level:
    """One level's table: `level` is the Region.Level of its rows (0 for units)."""

    level: int
    rows: list[Row] = field(default_factory=list)


@dataclass
class Board:
    root: Directive
    region: Region
    now: dt.datetime
    total: Counts
    levels: list[Level]
    units: list[UnitRow]


def current_version(directive: Directive) -> Directive:
    """The newest version of `directive` (itself when never revised)."""
    return directive_versions(directive)[-1]


def chain_deliveries(root: Directive, user: Actor, region: Region | None = None) -> QuerySet[Delivery]:
    """Every delivery of the chain started by `root` (any version of it) that the user may READ,
    of current versions only, in `region`'s subtree when given."""
    roots = [v.pk for v in directive_versions(root)]
    qs = Delivery.objects.restrict(user, READ).filter(root_id__in=roots, directive__status__in=LIVE)
    if region is not None:
        qs = qs.filter(in_subtree("region_code", region.prefix))
    return qs


def _count_expressions(now: dt.datetime) -> dict[str, Count]:
    unsigned = Q(signed_at__isnull=True)
    overdue_sign = unsigned & Q(directive__sign_deadline__lt=now)
    missing = Q(directive__feedback_required=True, fed_back_at__isnull=True)
    overdue_feedback = missing & Q(directive__feedback_deadline__lt=now)
    return {
        "delivered": Count("id"),
        "signed": Count("id", filter=Q(signed_at__isnull=False)),
        "unsigned": Count("id", filter=unsigned),
        "signed_late": Count("id", filter=Q(signed_at__gt=F("directive__sign_deadline"))),
        "fed_back": Count("id", filter=Q(fed_back_at__isnull=False)),
        "feedback_due": Count("id", filter=Q(directive__feedback_required=True)),
        "feedback_missing": Count("id", filter=missing),
        "overdue_sign": Count("id", filter=overdue_sign),
        "overdue_feedback": Count("id", filter=overdue_feedback),
        "overdue": Count("id", filter=overdue_sign | overdue_feedback),
    }


def _counts(values: Mapping[str, Any]) -> Counts:
    return Counts(**{name: int(values.get(name) or 0) for name in (*COUNT_FIELDS, "feedback_due")})


def totals(root: Directive, user: Actor, region: Region, now: dt.datetime | None = None) -> Counts:
    """The counts over the whole of `region` (one aggregate query)."""
    now = now or timezone.now()
    return _counts(chain_deliveries(root, user, region).aggregate(**_count_expressions(now)))


def level_rows(root: Directive, user: Actor, region: Region, level: int,
               now: dt.datetime | None = None) -> list[Row]:
    """The rows at `level` (a Region.Level below `region`'s) in `region`'s subtree: one aggregate
    query grouped by the level's code prefix; a group whose code names a region above `level` is
    that region's 本级 row. Ordered by code, each 本级 row before its children."""
    now = now or timezone.now()
    n = PREFIX_LEN[Region.Level(level)]
    grouped = (chain_deliveries(root, user, region).order_by()
               .annotate(key=Substr("region_code", 1, n)).values("key")
               .annotate(**_count_expressions(now)).order_by("key"))
    result = list(grouped)
    codes = [str(r["key"]).ljust(6, "0") for r in result]
    regions = Region.objects.in_bulk(codes)
    rows = []
    for values, code in zip(result, codes, strict=True):
        r = regions.get(code)
        if r is None:  # a code no longer (or not yet) in the division table: show it by its code
            r = Region(code=code, name=code, level=level)
        own = r.level < level
        parent = code if own else (code[: PREFIX_LEN[Region.Level(level - 1)]].ljust(6, "0"))
        rows.append(Row(region=r, own=own, counts=_counts(values), parent_code=parent))
    return rows


def unit_rows(root: Directive, user: Actor, region: Region, now: dt.datetime | None = None,
              limit: int | None = None) -> list[UnitRow]:
    """The deliveries in `region` one by one (unit, signed at/by, fed back, overdue), by region
    code and unit name; one query."""
    now = now or timezone.now()
    # Plain values, not model instances: building four objects per row (each delivery's directive
    # with its whole body) was most of a county board's time (bench/board.py).
    qs = (chain_deliveries(root, user, region).order_by("region_code", "unit__name", "id")
          .values("id", "unit_id", "unit__name", "region_code", "directive_id", "delivered_at", "signed_at",
                  "signed_as", "fed_back_at", "signed_by__full_name", "signed_by__username",
                  "directive__feedback_required", "directive__sign_deadline", "directive__feedback_deadline"))
    if limit is not None:
        qs = qs[:limit]
    rows = []
    for d in qs:
        deadline, feedback_deadline = d["directive__sign_deadline"], d["directive__feedback_deadline"]
        required = d["directive__feedback_required"]
        signed_at = d["signed_at"]
        rows.append(UnitRow(
            delivery_id=d["id"], unit_id=d["unit_id"], unit_name=d["unit__name"], region_code=d["region_code"],
            directive_id=d["directive_id"], delivered_at=d["delivered_at"], signed_at=signed_at,
            signed_by=(d["signed_by__full_name"] or d["signed_by__username"] or ""),
            signed_as=d["signed_as"], fed_back_at=d["fed_back_at"], feedback_required=required,
            signed_late=signed_at is not None and signed_at > deadline,
            overdue_sign=signed_at is None and deadline < now,
            overdue_feedback=bool(required and d["fed_back_at"] is None and feedback_deadline
                                  and feedback_deadline < now),
        ))
    return rows


UNIT_LIMIT = 500


def board(root: Directive, user: Actor, region: Region | None = None, now: dt.datetime | None = None) -> Board:
    """The board of the chain started by `root` over `region` (default: the issuer's region), as the
    user sees it: the total, one table per level below the region down to the counties, and the
    units one by one (at most UNIT_LIMIT). Every number is a count of deliveries the user may READ,
    of current versions."""
    now = now or timezone.now()
    region = region or root.issuer.region
    levels = [Level(level=lv, rows=level_rows(root, user, region, lv, now))
              for lv in range(region.level + 1, Region.Level.COUNTY + 1)]
    return Board(root=root, region=region, now=now, total=totals(root, user, region, now), levels=levels,
                 units=unit_rows(root, user, region, now, limit=UNIT_LIMIT))


def viewable(user: Actor, pk: Any) -> Directive | None:
    """The directive `pk` if the user may look at its board: they may READ the directive itself
    (its issuer lies in their scope), or at least one delivery of its chain (they or a unit below
    them received it). None otherwise (the page answers 404)."""
    try:
        directive = Directive.objects.select_related("issuer__region", "root__issuer__region").get(pk=pk)
    except (Directive.DoesNotExist, ValueError, TypeError, OverflowError):
        return None
    if Directive.objects.restrict(user, READ).filter(pk=directive.pk).exists():
        return directive
    root = directive.root or directive
    return directive if chain_deliveries(root, user).exists() else None


def default_region(user: Actor, directive: Directive) -> Region | None:
    """Where the board opens for `user`: the directive's issuer's region when the user reaches it,
    else the highest region of theirs inside it (a county looking at the province's notice), else
    the region of the first delivery they may read (a home's staff: their own county)."""
    from tongxin.units.scope import default_region_within

    region = default_region_within(user, directive.issuer.region, READ)
    if region is None:
        first = chain_deliveries(directive.root or directive, user).order_by("region_code").first()
        region = Region.objects.filter(code=first.region_code).first() if first else None
    return region
