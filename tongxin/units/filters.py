"""Filters for the unit list, shared by the web page, the API and the export; and the region filter
every filter set uses (`RegionFilterMixin`), which reads a region through the one resolver."""

from __future__ import annotations

from typing import Any, ClassVar

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from tongxin.core.pinyin import search_term
from tongxin.regions.models import Region
from tongxin.regions.queries import in_subtree
from tongxin.units import scope
from tongxin.units.models import Category, Kind, Unit


class RegionFilterMixin:
    """For a django-filter FilterSet: the parameters in `region_params` ({name: resolver options})
    are resolved while the form is cleaned, by `scope.resolve_region_filter` (a code, a code prefix,
    a name, a path of names or a pinyin, within the user's scope). An unknown, ambiguous or
    out-of-scope region is an error on that field (the page shows it; the API answers 400 naming
    it); `regions[name]` is the region found, `region_candidates` the regions an ambiguous name
    may mean."""

    region_params: ClassVar[dict[str, dict[str, Any]]] = {"region": {}}
    request: Any

    def get_form_class(self) -> type[forms.Form]:
        base: type[forms.Form] = super().get_form_class()  # type: ignore[misc]
        filterset = self

        class Form(base):  # type: ignore[valid-type,misc]
            def clean(self) -> dict[str, Any]:
                cleaned: dict[str, Any] = super().clean()
                filterset._resolve_regions(self)
                return cleaned

        return Form

    def _resolve_regions(self, form: forms.Form) -> None:
        self.regions: dict[str, Region] = {}
        self.region_candidates: list[Region] = []
        user = getattr(self.request, "user", None)
        for name, options in self.region_params.items():
            raw = str(form.cleaned_data.get(name) or "").strip()
            if not raw:
                continue
            try:
                self.regions[name] = scope.resolve_region_filter(user, raw, param=name, **options)
            except scope.RegionCodeError as exc:
                form.add_error(name, str(exc))
                self.region_candidates = exc.candidates


SPREAD_INITIALS_FROM = 4  # shorter initials match only as typed: 'nx' is not every n…x


def unit_search_q(term: str) -> Q:
    """Units matching a typed term: the name or contact person containing it, the credit code (whole,
    or its start from 6 characters), the name's stored pinyin keys containing it (南县敬老院 for
    'nxjly', 'nanxian', 'jinglaoyuan'), or from four letters on initials with some left out, in
    order ('nxjly' for 南县南洲镇敬老院). No row's pinyin is computed here: the keys are columns."""
    term = term.strip()
    if not term:
        return Q()
    q = Q(name__icontains=term) | Q(contact_person__icontains=term)
    code = term.upper()
    if code.isascii() and code.isalnum():
        q |= Q(credit_code=code) if len(code) == 18 else (Q(credit_code__startswith=code) if len(code) >= 6 else Q())
    key = search_term(term)
    if key:
        q |= Q(pinyin__contains=key) | Q(initials__contains=key)
        if len(key) >= SPREAD_INITIALS_FROM and key.isalpha():
            # Initials typed with some left out: 'nxjly' for 南县南洲镇敬老院 (nxnzzjly), in order.
            q |= Q(initials__regex=".*".join(key))
    return q


class UnitFilter(RegionFilterMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("关键词"), method="filter_q")
    region = django_filters.CharFilter(label=_("区划"), method="filter_region")
    kind = django_filters.ChoiceFilter(label=_("单位类型"), choices=Kind.choices, empty_label=_("全部"))
    category = django_filters.ChoiceFilter(label=_("类别"), choices=Category.choices, empty_label=_("全部"))
    is_active = django_filters.BooleanFilter(label=_("运营中"))

    region_params = {"region": {"mode": scope.REGISTRY}}

    class Meta:
        model = Unit
        fields = ["q", "region", "kind", "category", "is_active"]

    def filter_q(self, queryset: QuerySet[Unit], name: str, value: str) -> QuerySet[Unit]:
        """Name, contact person, credit code, full pinyin or initials (see `unit_search_q`)."""
        return queryset.filter(unit_search_q(value)) if value.strip() else queryset

    def filter_region(self, queryset: QuerySet[Unit], name: str, value: str) -> QuerySet[Unit]:
        """Everything in the subtree of the region named (430921, 4309 or 430900 for the whole city,
        南县, 益阳市南县, nanxian, nx)."""
        region = self.regions.get(name)
        return queryset if region is None else queryset.filter(in_subtree("region_id", region.prefix))
