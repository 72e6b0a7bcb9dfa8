"""Mobilization API: the people part.

- `GET /api/mobilization/people/`: the people on the roster the caller sees (units.scope), filtered
  by unit, kind, skill, insured (today) and name; `mobile` and `id_number` are `PersonalField`s,
  in full only for the person's own unit and the bureau that directly supervises it.
- `POST` / `PATCH` / `PUT`: register and change people through services.people (every refusal a
  400 at its field; a unit outside the scope a 404; seen but not one's to change a 403). On a
  change a mobile or ID number left out is kept as it was.
- `POST /api/mobilization/people/{id}/merge/` with `into`: a walk-up merged into a full record.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tongxin.core.api import BAD_INPUT, FORBIDDEN, NOT_FOUND, Choice, VisibleIdField
from tongxin.core.validators import parse_id
from tongxin.core.views_base import ScopedGenericViewSet
from tongxin.mobilization.models import Person, PersonKind, Skill
from tongxin.mobilization.models.people import NAME_MAX, TEXT_MAX
from tongxin.mobilization.queries import people as queries
from tongxin.mobilization.services import people as services
from tongxin.units import scope
from tongxin.units.models import Unit
from tongxin.units.personal import PersonalField


class PersonSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True, default="")
    kind = Choice("MobilizationPersonKindEnum", PersonKind.choices, read_only=True)
    mobile = PersonalField(unit_source="unit", kind="phone")
    id_number = PersonalField(unit_source="unit", kind="id_number")
    skills = serializers.ListField(child=Choice("MobilizationSkillEnum", Skill.choices), read_only=True)
    insured_today = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = ["id", "unit", "unit_name", "region_code", "kind", "name", "mobile", "id_number", "birth_date",
                  "skills", "certificates", "availability", "insurance_policy", "insurance_from", "insurance_until",
                  "insured_today", "is_walk_up", "merged_into", "is_active", "created_at", "updated_at"]
        read_only_fields = fields

    def get_insured_today(self, person: Person) -> bool:
        return queries.insured_on(person, timezone.localdate())


class PersonChangeSerializer(serializers.Serializer):
    kind = Choice("MobilizationPersonKindEnum", PersonKind.choices, required=False)
    name = serializers.CharField(max_length=NAME_MAX + 20, required=False, allow_blank=True)
    mobile = serializers.CharField(max_length=30, required=False, allow_blank=True,
                                   help_text=gettext_lazy("11 位手机号码；修改时不填则保持原号码"))
    id_number = serializers.CharField(
        max_length=30, required=False, allow_blank=True,
        help_text=gettext_lazy("18 位身份证号码（末位校验位须正确）；修改时不填则保持原号码"))
    skills = serializers.ListField(child=Choice("MobilizationSkillEnum", Skill.choices), required=False, max_length=20)
    certificates = serializers.CharField(max_length=TEXT_MAX + 20, required=False, allow_blank=True)
    availability = serializers.CharField(max_length=TEXT_MAX + 20, required=False, allow_blank=True)
    insurance_policy = serializers.CharField(max_length=80, required=False, allow_blank=True)
    insurance_from = serializers.DateField(required=False, allow_null=True)
    insurance_until = serializers.DateField(required=False, allow_null=True)


class PersonCreateSerializer(PersonChangeSerializer):
    unit = VisibleIdField(lambda user: Unit.objects.restrict(user, scope.READ),
                          gettext_lazy("找不到该单位，或您无权查看"), queryset=Unit.objects.all())
    kind = Choice("MobilizationPersonKindEnum", PersonKind.choices)
    name = serializers.CharField(max_length=NAME_MAX + 20, allow_blank=True)
    mobile = serializers.CharField(max_length=30, allow_blank=True, help_text=gettext_lazy("11 位手机号码"))


class PersonMergeSerializer(serializers.Serializer):
    into = serializers.IntegerField(help_text=gettext_lazy("同一组织中要合并到的完整人员记录的编号"))


LIST_PARAMETERS = [
    OpenApiParameter("unit", int, description="组织编号"),
    OpenApiParameter("kind", str, enum=PersonKind.values, description="人员类别"),
    OpenApiParameter("skill", str, enum=Skill.values, description="技能"),
    OpenApiParameter("insured", bool, description="今日是否在保"),
    OpenApiParameter("q", str, description="姓名（包含）"),
]


@extend_schema_view(list=extend_schema(parameters=LIST_PARAMETERS))
class PersonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """People (社工、志愿者) of the organisations in the caller's scope; every write through services/people.py."""

    queryset = Person.objects.select_related("unit__region")
    serializer_class = PersonSerializer

    def get_queryset(self) -> QuerySet[Person]:
        qs = super().get_queryset()
        if self.action != "list":
            return qs
        params = self.request.query_params
        options: dict[str, Any] = {"q": params.get("q", "")[:50]}
        if params.get("kind") in PersonKind.values:
            options["kind"] = params["kind"]
        if params.get("skill") in Skill.values:
            options["skill"] = params["skill"]
        if params.get("insured") in ("true", "false", "1", "0"):
            options["insured"] = params["insured"] in ("true", "1")
            options["day"] = timezone.localdate()
        unit = params.get("unit", "")
        people = queries.people_for(self.request.user, **options)
        unit_id = parse_id(unit)
        return people.filter(unit_id=unit_id) if unit_id is not None else people

    def _detail(self, person: Person, code: int = status.HTTP_200_OK) -> Response:
        fresh = Person.objects.select_related("unit__region").get(pk=person.pk)
        return Response(PersonSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=PersonCreateSerializer,
                   responses={201: PersonSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    def create(self, request: Request) -> Response:
        """Register a person of a unit (its staff, or a bureau above it)."""
        data = PersonCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        unit = v.pop("unit")
        person = services.register(request.user, unit, **v)
        return self._detail(person, status.HTTP_201_CREATED)

    def _change(self, request: Request) -> Response:
        person = self.get_object()
        data = PersonChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = {k: val for k, val in data.validated_data.items()
             if not (k in ("mobile", "id_number") and val == "")}
        return self._detail(services.update(request.user, person, **v))

    @extend_schema(request=PersonChangeSerializer,
                   responses={200: PersonSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    def update(self, request: Request, pk: str | None = None) -> Response:
        """Change a person (fields left out are kept)."""
        return self._change(request)

    @extend_schema(request=PersonChangeSerializer,
                   responses={200: PersonSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Change some fields of a person."""
        return self._change(request)

    @extend_schema(request=PersonMergeSerializer,
                   responses={200: PersonSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        """Merge this walk-up record into the full record `into` of the same organisation."""
        walk_up = self.get_object()
        data = PersonMergeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        into = self.get_queryset().filter(pk=data.validated_data["into"]).first()
        if into is None:
            raise serializers.ValidationError({"into": [gettext_lazy("找不到该人员，或您无权查看")]})
        return self._detail(services.merge(request.user, walk_up, into))


def register(router: Any) -> None:
    """Add this part's viewsets to the project's API router."""
    router.register("mobilization/people", PersonViewSet, basename="mobilization-person")
