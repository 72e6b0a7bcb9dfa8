"""Pickers that search as you type: regions and units in the user's scope, for htmx and the API.

`RegionPickView` and `UnitPickView` answer an htmx request from the widgets in
`templates/includes/region_picker.html` and `units/widgets.py` with a short list of matches;
`RegionViewSet` gives the same regions as JSON under /api/regions/. Each offers only what the user
reaches in the page's mode (`mode`: read, registry or file), so a picker never suggests a region
or unit the page would refuse. Without JavaScript the inputs stay plain text inputs (or selects)
whose values the one resolver (`scope.resolve_region`) and the unit filters understand.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from tongxin.core.pinyin import search_term
from tongxin.core.views_base import ScopedGenericViewSet, ScopedView
from tongxin.regions.models import Region
from tongxin.regions.queries import search
from tongxin.units import scope
from tongxin.units.filters import unit_search_q
from tongxin.units.models import Unit
from tongxin.units.queries import PURPOSES, pickable_units

PICK_LIMIT = 12
MAX_OPTIONS = 1000
MODES = {"read": scope.READ, "registry": scope.REGISTRY, "file": scope.FILE}


def _mode(request: Any) -> str:
    return MODES.get(str(request.GET.get("mode", "")), scope.READ)


def _term(request: Any) -> str:
    """The typed text: `q`, or the parameter the widget names in `field` (htmx sends the input's name)."""
    field = str(request.GET.get("field", "") or "q")
    return str(request.GET.get(field, "") or request.GET.get("q", "")).strip()[:50]


def pick_value(region: Region) -> str:
    """What a picked region writes into a text input: a name the resolver reads back to the same
    region (a county with its city, 益阳市南县; a city or province by its own name)."""
    parent = region.parent if region.level == Region.Level.COUNTY else None
    return f"{parent.name}{region.name}" if parent is not None else region.name


def pick_regions(user: Any, term: str, mode: str = scope.READ, limit: int = PICK_LIMIT) -> list[Region]:
    """Regions the user reaches in `mode` that match `term` (code, name, path, pinyin, initials)."""
    if not term:
        return []
    found = search(term, limit=limit, within=scope.regions_q(user, mode))
    by_code = Region.objects.select_related("parent__parent").in_bulk([r.code for r in found])
    return [by_code[r.code] for r in found if r.code in by_code]


def region_trail(user: Any, region: Region, url: Any, *, own_units: bool = False) -> dict[str, list[dict[str, str]]]:
    """The region navigation of an overview page: `crumbs`, the regions from the top of the user's
    reach down to `region` (each {name, url}), and `other_tops`, the user's other top regions when
    they have several. `url(code)` makes a region's link. With `own_units` a region above one of the
    user's (non-bureau) units counts as reached (scope.reaches_region), for an organisation's staff."""
    from tongxin.regions.queries import ancestors

    def reached(r: Region) -> bool:
        if own_units:
            return scope.reaches_region(user, r, own_units=True)
        return scope.scope_of(user).covers_region(r.code)

    crumbs = [{"name": r.name, "url": url(r.code)} for r in [*ancestors(region), region] if reached(r)]
    tops = scope.top_regions(user)
    other_tops = [{"name": r.name, "url": url(r.code)} for r in tops if r.code != region.code] if len(tops) > 1 else []
    return {"crumbs": crumbs, "other_tops": other_tops}


def pick_units(user: Any, term: str, purpose: str = "registry", limit: int = PICK_LIMIT) -> list[Unit]:
    """Units matching `term` (name, pinyin, initials, credit code, contact) among `pickable_units`,
    names that start with the term first."""
    if not term:
        return []
    key = search_term(term)
    starts = Q(name__istartswith=term) | (Q(initials__startswith=key) | Q(pinyin__startswith=key) if key else Q())
    inside = Q(name__icontains=term) | (Q(initials__contains=key) | Q(pinyin__contains=key) if key else Q())
    rank = Case(When(starts, then=Value(0)), When(inside, then=Value(1)), default=Value(2),
                output_field=IntegerField())
    qs = pickable_units(user, purpose).filter(unit_search_q(term)).annotate(rank=rank)
    return list(qs.order_by("rank", "region_id", "name")[:limit])


class RegionPickView(ScopedView):
    """GET ?q= (or the widget's field) &mode=: the matching regions as a list to pick from (htmx)."""

    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest) -> HttpResponse:
        term = _term(request)
        regions = pick_regions(request.user, term, _mode(request))
        options = [{"region": r, "value": pick_value(r),
                    "path": " ".join(a.name for a in (r.parent.parent if r.parent else None, r.parent) if a)}
                   for r in regions]
        return render(request, "units/pick_regions.html",
                      {"options": options, "term": term, "target": str(request.GET.get("target", ""))[:40]})


class UnitPickView(ScopedView):
    """GET ?q= &purpose= &as=links|options: matching units, as links to their pages (the unit list's
    keyword box) or as <option>s for a unit select (`units.widgets.UnitPicker`)."""

    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest) -> HttpResponse:
        purpose = str(request.GET.get("purpose", ""))
        purpose = purpose if purpose in PURPOSES else "registry"
        term = _term(request)
        as_options = request.GET.get("as") == "options"
        if as_options and not term:  # the search box cleared: the select's options as they were
            units = list(pickable_units(request.user, purpose).order_by("region_id", "name")[:MAX_OPTIONS])
        else:
            units = pick_units(request.user, term, purpose, limit=50 if as_options else PICK_LIMIT)
        template = "units/pick_unit_options.html" if as_options else "units/pick_units.html"
        selected = str(request.GET.get("selected", ""))
        return render(request, template, {"units": units, "term": term, "selected": selected})


# --- the API ---------------------------------------------------------------------------------------

class RegionSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(read_only=True)
    value = serializers.SerializerMethodField(method_name="value_of",
                                              help_text="a name the region filters read back to this region")

    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent", "full_name", "value"]

    def value_of(self, obj: Region) -> str:
        return pick_value(obj)


class RegionViewSet(ScopedGenericViewSet):
    """Regions the caller reaches matching `q` (code or its start, name, 益阳市南县, pinyin, initials),
    at most 12, closest first; `mode` = read (default), registry or file. Every `value` is accepted
    by the region filters."""

    serializer_class = RegionSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[Region]:  # the list is built by `pick_regions`, scoped there
        return Region.objects.none()

    def list(self, request: Request) -> Response:
        regions = pick_regions(request.user, _term(request), _mode(request))
        return Response(self.get_serializer(regions, many=True).data)


def register(router: Any) -> None:
    router.register("regions", RegionViewSet, basename="region")
