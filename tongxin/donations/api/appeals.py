"""API of the appeals part: appeals (read; create a draft; change a draft; publish, close, publish
a disclosure), disclosures (read) and the item catalogue (read, any signed-in user). Every write
goes through services.appeals; errors come back field by field; an object outside scope is a 404,
a role that may not act a 403."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tongxin.core.api import BAD_INPUT, FORBIDDEN, NOT_FOUND, WordedNotFound
from tongxin.core.views_base import ScopedMixin, ScopedReadOnlyModelViewSet
from tongxin.donations.models import Appeal, Disclosure, Item
from tongxin.donations.models.appeals import TEXT_MAX, TITLE_MAX, Clock
from tongxin.donations.models.catalogue import MEASURE_MAX, NAME_MAX, SPEC_MAX, ItemKind
from tongxin.donations.queries import appeals as queries
from tongxin.donations.services import appeals as services
from tongxin.units import scope
from tongxin.units.models import Unit


class DonationsAppealIssuerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DonationsAppealNeedOutSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    name = serializers.CharField()
    specification = serializers.CharField()
    measure = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=14, decimal_places=2)
    note = serializers.CharField()


class DonationsClockSerializer(serializers.Serializer):
    due_on = serializers.DateField(allow_null=True, help_text="The last local day the next disclosure is in time")
    overdue = serializers.BooleanField()
    final = serializers.BooleanField(help_text="The next one due is the full disclosure after the end")
    days_left = serializers.IntegerField(allow_null=True)


class DonationsAppealSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    issuers = serializers.SerializerMethodField()
    needs = serializers.SerializerMethodField()
    clock_state = serializers.SerializerMethodField()

    class Meta:
        model = Appeal
        fields = ["id", "unit", "unit_name", "issuers", "title", "text", "starts_on", "ends_on", "beneficiary",
                  "how_to_give", "filing_number", "clock", "status", "published_at", "closed_at", "needs",
                  "clock_state", "created_at"]
        read_only_fields = fields

    @extend_schema_field(DonationsAppealIssuerSerializer(many=True))
    def get_issuers(self, obj: Appeal) -> list[dict[str, Any]]:
        return [{"id": row.unit.pk, "name": row.unit.name} for row in obj.issuer_rows.all()]  # in signing order

    @extend_schema_field(DonationsAppealNeedOutSerializer(many=True))
    def get_needs(self, obj: Appeal) -> list[dict[str, Any]]:
        return [{"item": n.item_id, "name": n.item.name, "specification": n.item.specification,
                 "measure": n.item.measure, "quantity": str(n.quantity), "note": n.note}
                for n in obj.needs.all()]

    @extend_schema_field(DonationsClockSerializer)
    def get_clock_state(self, obj: Appeal) -> dict[str, Any]:
        state = queries.clock(obj)
        return {"due_on": state.due_on.isoformat() if state.due_on else None, "overdue": state.overdue,
                "final": state.final, "days_left": state.days_left}


class DonationsAppealNeedSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, max_value=2**53, required=False,
                                    help_text="A catalogue item; or give name, specification and measure")
    name = serializers.CharField(max_length=NAME_MAX, required=False, allow_blank=True, default="")
    specification = serializers.CharField(max_length=SPEC_MAX, required=False, allow_blank=True, default="")
    measure = serializers.CharField(max_length=MEASURE_MAX, required=False, allow_blank=True, default="")
    quantity = serializers.DecimalField(max_digits=14, decimal_places=2)
    note = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")


class DonationsAppealEditSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_MAX)
    text = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)
    beneficiary = serializers.CharField(max_length=TEXT_MAX)
    how_to_give = serializers.CharField()
    filing_number = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    clock = serializers.ChoiceField(choices=Clock.choices, required=False, default=Clock.RESPONSE)
    issuers = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**53), required=False,
                                    max_length=50, help_text="Co-issuers (social organisations) in signing order")
    needs = serializers.ListField(child=DonationsAppealNeedSerializer(), required=False, max_length=200)


class DonationsAppealInSerializer(DonationsAppealEditSerializer):
    unit = serializers.IntegerField(min_value=1, max_value=2**53, help_text="The lead issuer")


class DonationsDisclosureInSerializer(serializers.Serializer):
    unit = serializers.IntegerField(min_value=1, max_value=2**53, required=False, allow_null=True, default=None,
                                    help_text="The issuer disclosing (default: the lead issuer)")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    is_final = serializers.BooleanField(required=False, default=False)


class DonationsDisclosureSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    published_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username",
                                                                                   read_only=True, allow_null=True)
    figures = serializers.JSONField(read_only=True, help_text="Stock of (unit, appeal) at publication, frozen")

    class Meta:
        model = Disclosure
        fields = ["id", "unit", "unit_name", "appeal", "period_end", "is_final", "figures", "note",
                  "published_by", "published_at"]
        read_only_fields = fields


class DonationsItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = Item
        fields = ["id", "name", "specification", "measure", "kind"]
        read_only_fields = fields


def _issuers(user: Any, pks: list[int] | None) -> list[Unit] | None:
    if pks is None:
        return None
    found = {u.pk: u for u in queries.co_issuers_for(user).filter(pk__in=pks)}
    missing = [pk for pk in pks if pk not in found]
    if missing:
        raise serializers.ValidationError({"issuers": [_("没有这个社会组织：%(pk)s") % {"pk": missing[0]}]})
    return [found[pk] for pk in pks]


def _needs(rows: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    if rows is None:
        return None
    out = []
    for i, row in enumerate(rows):
        row = dict(row)
        if row.get("item") is not None:
            item = Item.objects.filter(pk=row["item"]).first()
            if item is None:
                raise serializers.ValidationError({f"needs[{i}]": [_("没有这个物资")]})
            row["item"] = item
        out.append(row)
    return out


FIELDS = ("title", "text", "starts_on", "ends_on", "beneficiary", "how_to_give", "filing_number", "clock")


class DonationsAppealViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedReadOnlyModelViewSet):
    """募捐倡议: a draft is created and changed; published (it appears on the public site, the
    disclosure clock starts) and closed; each issuer publishes its disclosures."""

    queryset = Appeal.objects.select_related("unit").prefetch_related("issuer_rows__unit", "needs__item")
    serializer_class = DonationsAppealSerializer
    filterset_fields = ["unit", "status"]

    def get_queryset(self) -> QuerySet[Appeal]:
        """Led by, or co-issued by, a unit in the user's scope."""
        return queries.visible_appeals(self.request.user, self.queryset.all())

    @extend_schema(request=DonationsAppealInSerializer,
                   responses={201: DonationsAppealSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = DonationsAppealInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        unit = scope.get_visible(Unit.objects.all(), request.user, scope.READ, pk=v["unit"])
        appeal = services.create_appeal(request.user, unit, {k: v[k] for k in FIELDS if k in v},
                                        issuers=_issuers(request.user, v.get("issuers")) or [],
                                        needs=_needs(v.get("needs")) or [])
        return Response(DonationsAppealSerializer(appeal).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DonationsAppealEditSerializer,
                   responses={200: DonationsAppealSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change a draft (a published appeal is refused with 400); issuers and needs are replaced
        when given. PATCH changes only the fields given."""
        appeal = self.get_object()
        data = DonationsAppealEditSerializer(data=request.data, partial=kwargs.get("partial", False))
        data.is_valid(raise_exception=True)
        v = data.validated_data
        appeal = services.edit_appeal(request.user, appeal, {k: v[k] for k in FIELDS if k in v},
                                      issuers=_issuers(request.user, v.get("issuers")),
                                      needs=_needs(v.get("needs")))
        return Response(DonationsAppealSerializer(appeal).data)

    @extend_schema(request=DonationsAppealEditSerializer,
                   responses={200: DonationsAppealSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(request=None,
                   responses={200: DonationsAppealSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        """Publish a draft."""
        return Response(DonationsAppealSerializer(services.publish_appeal(request.user, self.get_object())).data)

    @extend_schema(request=None,
                   responses={200: DonationsAppealSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """End a published appeal's giving (the full disclosure becomes due)."""
        return Response(DonationsAppealSerializer(services.close_appeal(request.user, self.get_object())).data)

    @extend_schema(request=DonationsDisclosureInSerializer,
                   responses={201: DonationsDisclosureSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def disclose(self, request: Request, pk: str | None = None) -> Response:
        """Publish a disclosure of this appeal by one of its issuers (its figures are frozen now)."""
        appeal = self.get_object()
        data = DonationsDisclosureInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        unit = appeal.unit
        if v["unit"] is not None:
            unit = next((u for u in queries.issuers_of(appeal) if u.pk == v["unit"]), None)
            if unit is None:
                raise serializers.ValidationError({"unit": [_("该单位不是此倡议的发起单位")]})
        disclosure = services.publish_disclosure(request.user, unit, appeal, note=v["note"], is_final=v["is_final"])
        return Response(DonationsDisclosureSerializer(disclosure).data, status=status.HTTP_201_CREATED)


class DonationsDisclosureViewSet(ScopedReadOnlyModelViewSet):
    """信息公开: each issuer's disclosures, figures frozen at publication."""

    queryset = Disclosure.objects.select_related("unit", "published_by")
    serializer_class = DonationsDisclosureSerializer
    filterset_fields = ["unit", "appeal", "is_final"]


class DonationsItemViewSet(WordedNotFound, ScopedMixin, viewsets.ReadOnlyModelViewSet[Any]):
    """物资品类: the shared goods catalogue (no one's data: every signed-in user reads all of it)."""

    serializer_class = DonationsItemSerializer
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Item]:
        # Not restricted: the catalogue is shared reference data (models.catalogue), like forms.
        return Item.objects.filter(kind=ItemKind.GOODS).order_by("name", "specification", "measure", "id")


def register(router) -> None:
    """Add this part's viewsets to the router (basenames donations-*, schema names Donations*)."""
    router.register("donations/appeals", DonationsAppealViewSet, basename="donations-appeal")
    router.register("donations/disclosures", DonationsDisclosureViewSet, basename="donations-disclosure")
    router.register("donations/items", DonationsItemViewSet, basename="donations-item")
