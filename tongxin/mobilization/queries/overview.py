"""Mobilization: the bureaus' overview, read from the daily roll-up (DeploymentDay) and nothing else.

`overview(user, region, since, until)` gives, for the rows of the roll-up the user may see
(`DeploymentDay.objects.restrict`: a bureau its subtree, an organisation's staff their own unit's)
inside `region` and the day range, one row per child — the cities of a province, the counties of a
city, the units of a county — plus a "本级" row for rows filed at the region itself, their total
(the sum of the rows, field by field), and a day series (people and hours per day, every day of the
range, zeros included). Three queries: the grouped rows, the day series, the names of the children.

Over a range, people and posts add up day by day (人次, 岗位·日). An organisation taking part is a
unit with a row in which someone was deployed or reported; it counts once per child it took part in
(so the total is the sum of the rows), and `Overview.organisations_distinct` says how many different
units that was.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Substr

from tongxin.mobilization.models import DeploymentDay
from tongxin.regions.models import Region
from tongxin.regions.queries import in_subtree
from tongxin.units import scope
from tongxin.units.models import Unit

MAX_DAYS = 93  # a quarter: the longest range the page and the API read at once
FIGURES = ("people", "hours", "organisations", "posts", "posts_unfilled", "activity_reports", "reported_people")
TAKING_PART = Q(people__gt=0) | Q(reported_people__gt=0)


@dataclass
class Figures:
    people: int = 0
    hours: Decimal = Decimal("0")
    organisations: int = 0
    posts: int = 0
    posts_unfilled: int = 0
    activity_reports: int = 0
    reported_people: int = 0

    def add(self, other: Figures) -> None:
        for name in FIGURES:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FIGURES}


@dataclass
class Row:
    """One child: a region (`code`, drill-down) or, in a county, a unit (`unit_id`); or the region's 本级."""

    name: str
    figures: Figures
    code: str = ""
    unit_id: int | None = None
    own_level: bool = False


@dataclass
class Overview:
    region: Region
    since: dt.date
    until: dt.date
    rows: list[Row]
    total: Figures
    series: list[dict[str, Any]] = field(default_factory=list)  # {"day", "people", "hours"}
    organisations_distinct: int = 0

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1


def visible_rows(user: Any, region: Region, since: dt.date, until: dt.date) -> QuerySet[DeploymentDay]:
    """The roll-up rows of `region` on the days [since, until] that `user` may see."""
    return (DeploymentDay.objects.restrict(user, scope.READ)
            .filter(in_subtree("region_code", region.prefix), day__gte=since, day__lte=until))


def _figures(values: Any) -> Figures:
    return Figures(people=values["people"] or 0, hours=Decimal(values["hours"] or 0),
                   organisations=values["organisations"] or 0, posts=values["posts"] or 0,
                   posts_unfilled=values["posts_unfilled"] or 0, activity_reports=values["activity_reports"] or 0,
                   reported_people=values["reported_people"] or 0)


SUMS = {"people": Sum("people"), "hours": Sum("hours"), "posts": Sum("posts"), "posts_unfilled": Sum("posts_unfilled"),
        "activity_reports": Sum("activity_reports"), "reported_people": Sum("reported_people")}


def overview(user: Any, region: Region, since: dt.date, until: dt.date | None = None, *,
             series_since: dt.date | None = None) -> Overview:
    """The overview of `region` over [since, until] (one day when `until` is None) as `user` sees it;
    the day series runs from `series_since` (default: `since`) to `until`."""
    until = until or since
    if until < since:
        since, until = until, since
    first = min(series_since or since, since)
    rows_qs = visible_rows(user, region, since, until)
    is_county = region.level >= Region.Level.COUNTY
    child_width = {1: 4, 2: 6}.get(int(region.level), 6)
    key: Any = F("unit_id") if is_county else Substr("region_code", 1, child_width)
    # A unit counts once per child per range: count distinct units among the rows taking part.
    grouped: list[Any] = list(rows_qs.values(child=key).annotate(
        organisations=Count("unit_id", distinct=True, filter=TAKING_PART), **SUMS).order_by())
    by_child = {str(g["child"]): _figures(g) for g in grouped}
    rows: list[Row] = []
    if is_county:
        names = dict(Unit.objects.filter(pk__in=[g["child"] for g in grouped]).values_list("pk", "name"))
        for g in sorted(grouped, key=lambda g: (-(g["people"] or 0), names.get(g["child"], ""))):
            rows.append(Row(name=names.get(g["child"], ""), figures=by_child[str(g["child"])], unit_id=g["child"]))
    else:
        children = list(Region.objects.filter(parent=region).order_by("code").values_list("code", "name"))
        for code, name in children:
            child = code[:child_width]
            rows.append(Row(name=name, code=code, figures=by_child.pop(child, Figures())))
        if by_child:  # rows at the region itself (a city-wide post), or at a code with no child region
            own = Figures()
            for figures in by_child.values():
                own.add(figures)
            rows.append(Row(name=region.name, figures=own, own_level=True))
    total = Figures()
    for r in rows:
        total.add(r.figures)
    daily = visible_rows(user, region, first, until).values("day").annotate(people=Sum("people"), hours=Sum("hours"))
    per_day: dict[dt.date, Any] = {d["day"]: d for d in daily.order_by()}
    series = []
    for i in range((until - first).days + 1):
        day = first + dt.timedelta(days=i)
        found: dict[str, Any] = per_day.get(day, {})
        series.append({"day": day, "people": found.get("people") or 0, "hours": Decimal(found.get("hours") or 0)})
    distinct = total.organisations
    if len(rows) > 1 and total.organisations:
        distinct = rows_qs.filter(TAKING_PART).values("unit_id").distinct().count()
    return Overview(region=region, since=since, until=until, rows=rows, total=total, series=series,
                    organisations_distinct=distinct)


def today_figures(user: Any, region_code: str, child_codes: list[str], day: dt.date) -> dict[str, Figures]:
    """People deployed and posts unfilled on `day` for `region_code` and each of `child_codes` (the
    overview panel): one grouped query per call, the region's own figures under its code."""
    region_prefix = region_code[:{1: 2, 2: 4}.get(int(_level_of(region_code)), 6)]
    width = 6 if len(region_prefix) >= 4 else 4
    qs = (DeploymentDay.objects.restrict(user, scope.READ)
          .filter(in_subtree("region_code", region_prefix), day=day))
    out: dict[str, Figures] = {}
    total = Figures()
    wanted = {c[:width]: c for c in child_codes}
    grouped: list[Any] = list(qs.values(child=Substr("region_code", 1, width)).annotate(
        organisations=Count("unit_id", distinct=True, filter=TAKING_PART), **SUMS).order_by())
    for g in grouped:
        figures = _figures(g)
        total.add(figures)
        code = wanted.get(str(g["child"]))
        if code is not None:
            out[code] = figures
    out[region_code] = total
    return out


def _level_of(code: str) -> int:
    if code.endswith("0000"):
        return Region.Level.PROVINCE
    if code.endswith("00"):
        return Region.Level.CITY
    return Region.Level.COUNTY


def default_region(user: Any) -> Region | None:
    """Where the overview opens: the user's outermost bureau region, else the region of the first
    (non-bureau) unit they sit at; None for a user with neither (the administrators)."""
    tops = scope.top_regions(user)
    if tops:
        return tops[0]
    units = sorted(scope.scope_of(user).units.get(scope.READ, frozenset()))
    code = Unit.objects.filter(pk__in=units).order_by("pk").values_list("region_id", flat=True).first()
    return Region.objects.filter(code=code).first() if code else None


def parse_range(day: str, until: str, today: dt.date) -> tuple[dt.date, dt.date, dict[str, str]]:
    """The days [since, until] asked for by the `day` and `until` parameters (blank `day`: today;
    blank `until`: the one day), and the parameters that could not be read, each with its raw text.
    A reversed range is turned round; a range longer than MAX_DAYS ends MAX_DAYS after `day`."""
    errors: dict[str, str] = {}

    def read(name: str, text: str) -> dt.date | None:
        text = (text or "").strip()
        if not text:
            return None
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            errors[name] = text[:20]
            return None

    since = read("day", day) or today
    end = read("until", until) or since
    if end < since:
        since, end = end, since
    if (end - since).days + 1 > MAX_DAYS:
        errors["range"] = str(MAX_DAYS)
        end = since + dt.timedelta(days=MAX_DAYS - 1)
    return since, end, errors
