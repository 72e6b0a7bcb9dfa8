"""REST API for units: the registry, scoped by its base viewset (REGISTRY mode), written through services."""

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_view
from rest_framework import mixins, serializers

from tongxin.core.views_base import ScopedReadOnlyModelViewSet
from tongxin.regions.models import Region
from tongxin.units import scope, services
from tongxin.units.filters import UnitFilter
from tongxin.units.models import Unit

WRITE_FIELDS = [
    "name", "kind", "region", "supervisor", "member_of", "credit_code", "address", "contact_person",
    "phone", "beds", "residents", "staff", "is_active",
]



def visible_units(user) -> QuerySet[Unit]:
    """The units the caller sees, with their regions: what every API's unit field looks ids up in."""
    return scope.restrict(Unit.objects.select_related("region"), user)


class UnitSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    region_name = serializers.CharField(source="region.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    credit_code = serializers.CharField(max_length=18, required=False, allow_blank=True, allow_null=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)

    class Meta:
        model = Unit
        fields = ["id", *WRITE_FIELDS, "category", "region_name", "kind_display", "created_at", "updated_at"]
        read_only_fields = ["category", "created_at", "updated_at"]
        # Uniqueness and model rules are checked once, by the service, inside its transaction.
        validators: list[Callable[[Any], None]] = []

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            visible = scope.restrict(Unit.objects.all(), request.user, mode=scope.REGISTRY)
            fields["supervisor"].queryset = visible
            fields["member_of"].queryset = visible
        return fields

    def create(self, validated_data: dict[str, Any]) -> Unit:
        return services.create_unit(self.context["request"].user, **validated_data)

    def update(self, instance: Unit, validated_data: dict[str, Any]) -> Unit:
        return services.update_unit(self.context["request"].user, instance, **validated_data)


@extend_schema_view()
class UnitViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedReadOnlyModelViewSet):
    """Units in the caller's scope. Units are never deleted: set `is_active` to false to close one."""

    scope_mode = scope.REGISTRY
    queryset = Unit.objects.select_related("region").order_by("region_id", "kind", "name")
    serializer_class = UnitSerializer
    filterset_class = UnitFilter


def register(router) -> None:
    """Add this app's viewsets to the project's API router."""
    router.register("units", UnitViewSet, basename="unit")
    from tongxin.units.api import accounts

    accounts.register(router)
