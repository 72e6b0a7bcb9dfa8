"""Filters for the unit list, shared by the web page, the API and the export."""

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from tongxin.regions.models import Region
from tongxin.regions.queries import in_subtree
from tongxin.units.models import Category, Kind, Unit


class UnitFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("关键词"), method="filter_q")
    region = django_filters.CharFilter(label=_("区划代码"), method="filter_region")
    kind = django_filters.ChoiceFilter(label=_("单位类型"), choices=Kind.choices, empty_label=_("全部"))
    category = django_filters.ChoiceFilter(label=_("类别"), choices=Category.choices, empty_label=_("全部"))
    is_active = django_filters.BooleanFilter(label=_("运营中"))

    class Meta:
        model = Unit
        fields = ["q", "region", "kind", "category", "is_active"]

    def filter_q(self, queryset: QuerySet[Unit], name: str, value: str) -> QuerySet[Unit]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(credit_code__iexact=value) | Q(contact_person__icontains=value)
        )

    def filter_region(self, queryset: QuerySet[Unit], name: str, value: str) -> QuerySet[Unit]:
        """Everything in the subtree of a region code (430921, or 430900 for the whole city)."""
        value = value.strip()
        region = Region.objects.filter(code=value).first() if value.isdigit() and len(value) == 6 else None
        if region is None:
            return queryset.none()
        return queryset.filter(in_subtree("region_id", region.prefix))
