"""Mobilization API: posts, their shifts and the assignments of people to shifts — read in the
caller's scope (the mobile of a person masked per units.personal), every write through
services.posts (FILE scope of the post's unit), bad input a 400 with messages per field."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tongxin.core.api import BAD_INPUT, FORBIDDEN, NOT_FOUND, Choice, VisibleIdField
from tongxin.core.validators import parse_id
from tongxin.core.views_base import ScopedReadOnlyModelViewSet
from tongxin.mobilization.models import Assignment, AssignmentStatus, Person, Post, PostKind, Shift, Skill
from tongxin.mobilization.models.people import NAME_MAX, TEXT_MAX
from tongxin.mobilization.queries import posts as queries
from tongxin.mobilization.services import posts as services
from tongxin.units.models import Unit
from tongxin.units.personal import PersonalField

NOT_VISIBLE = gettext_lazy("找不到该记录，或您无权查看")


def _visible_people(user: Any) -> QuerySet[Any]:
    return Person.objects.restrict(user)


def _visible_shifts(user: Any) -> QuerySet[Any]:
    return Shift.objects.restrict(user).select_related("post__unit")


def _visible_units(user: Any) -> QuerySet[Any]:
    return Unit.objects.filter(pk__in=[u.pk for u in queries.own_units(user)])


@extend_schema_serializer(component_name="MobilizationPost")
class PostSerializer(serializers.ModelSerializer):
    kind = Choice("MobilizationPostKindEnum", PostKind.choices, read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    leader_name = serializers.CharField(source="leader.name", read_only=True, default="")

    class Meta:
        model = Post
        fields = ["id", "unit", "unit_name", "name", "kind", "kind_display", "place", "region", "region_name",
                  "risky", "required_skills", "leader", "leader_name", "notes", "is_active", "created_at"]
        read_only_fields = fields


@extend_schema_serializer(component_name="MobilizationPostWrite")
class PostWriteSerializer(serializers.Serializer):
    unit = VisibleIdField(_visible_units, NOT_VISIBLE, queryset=Unit.objects.all(), required=False,
                          help_text=gettext_lazy("负责单位（您所在的单位）；只有一个时可不填"))
    name = serializers.CharField(max_length=100)
    kind = Choice("MobilizationPostKindEnum", PostKind.choices)
    place = serializers.CharField(max_length=TEXT_MAX)
    region_id = serializers.CharField(max_length=12, help_text=gettext_lazy("所在区划代码，如 430821"))
    risky = serializers.BooleanField(required=False, default=False)
    required_skills = serializers.ListField(child=Choice("MobilizationSkillEnum", Skill.choices), required=False,
                                            default=list, max_length=len(Skill.values))
    leader = VisibleIdField(_visible_people, NOT_VISIBLE, queryset=Person.objects.all(), required=False,
                            allow_null=True, default=None)
    notes = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")
    is_active = serializers.BooleanField(required=False)


@extend_schema_serializer(component_name="MobilizationShift")
class ShiftSerializer(serializers.ModelSerializer):
    post_name = serializers.CharField(source="post.name", read_only=True)
    filled = serializers.SerializerMethodField(help_text=gettext_lazy("已安排（有效）的人数"))

    class Meta:
        model = Shift
        fields = ["id", "post", "post_name", "day", "starts_at", "ends_at", "needed", "filled", "notes",
                  "is_cancelled"]
        read_only_fields = fields

    def get_filled(self, shift: Shift) -> int:
        found = getattr(shift, "filled", None)
        return found if found is not None else shift.assignments.filter(status=AssignmentStatus.ACTIVE).count()


@extend_schema_serializer(component_name="MobilizationShiftWrite")
class ShiftWriteSerializer(serializers.Serializer):
    post = VisibleIdField(lambda u: Post.objects.restrict(u).select_related("unit"), NOT_VISIBLE,
                          queryset=Post.objects.all())
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    needed = serializers.IntegerField(min_value=1, max_value=services.MAX_NEEDED)
    notes = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")


@extend_schema_serializer(component_name="MobilizationReason")
class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=TEXT_MAX)


@extend_schema_serializer(component_name="MobilizationWalkUp")
class WalkUpSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_MAX)
    mobile = serializers.CharField(max_length=20)


@extend_schema_serializer(component_name="MobilizationAssignment")
class AssignmentSerializer(serializers.ModelSerializer):
    status = Choice("MobilizationAssignmentStatusEnum", AssignmentStatus.choices, read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    person_mobile = PersonalField(source="person.mobile", unit_source="person.unit")
    post = serializers.IntegerField(source="shift.post_id", read_only=True)
    post_name = serializers.CharField(source="shift.post.name", read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "shift", "post", "post_name", "person", "person_name", "person_mobile", "status",
                  "starts_at", "ends_at", "assigned_at", "ended_at", "reason", "moved_to", "reminded_at"]
        read_only_fields = fields


@extend_schema_serializer(component_name="MobilizationAssign")
class AssignSerializer(serializers.Serializer):
    shift = VisibleIdField(_visible_shifts, NOT_VISIBLE, queryset=Shift.objects.all())
    person = VisibleIdField(_visible_people, NOT_VISIBLE, queryset=Person.objects.all())


@extend_schema_serializer(component_name="MobilizationMove")
class MoveSerializer(serializers.Serializer):
    shift = VisibleIdField(_visible_shifts, NOT_VISIBLE, queryset=Shift.objects.all(),
                           help_text=gettext_lazy("调至的班次"))
    reason = serializers.CharField(max_length=TEXT_MAX)


def _int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name, "")
    if not raw:
        return None
    pk = parse_id(raw)
    if pk is None:
        raise serializers.ValidationError({name: [_("应为整数")]})
    return pk


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("unit", int, description="只看该单位的岗位")]))
class PostViewSet(ScopedReadOnlyModelViewSet):
    """Posts (服务岗位) the caller sees. Create and change: the unit's own staff and the bureaus above it."""

    queryset = Post.objects.select_related("unit", "region", "leader")
    serializer_class = PostSerializer

    def get_queryset(self) -> QuerySet[Post]:
        qs = super().get_queryset()
        if self.action == "list":
            unit = _int_param(self.request, "unit")
            if unit is not None:
                qs = qs.filter(unit_id=unit)
        return qs

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return PostWriteSerializer if self.action in ("create", "partial_update") else PostSerializer

    def _out(self, post: Post, code: int = status.HTTP_200_OK) -> Response:
        post = Post.objects.select_related("unit", "region", "leader").get(pk=post.pk)
        return Response(PostSerializer(post, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=PostWriteSerializer, responses={201: PostSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                                                           404: NOT_FOUND})
    def create(self, request: Request) -> Response:
        own = list(_visible_units(request.user)[:2])
        if not own:
            raise PermissionDenied(_("您的角色不能为任何单位设置岗位"))
        data = PostWriteSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        unit = values.pop("unit", None)
        values.pop("is_active", None)
        if unit is None:
            if len(own) > 1:
                raise serializers.ValidationError({"unit": [_("请选择负责单位")]})
            unit = own[0]
        return self._out(services.create_post(request.user, unit, **values), status.HTTP_201_CREATED)

    @extend_schema(request=PostWriteSerializer(partial=True),
                   responses={200: PostSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        post = self.get_object()
        data = PostWriteSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = {k: v for k, v in data.validated_data.items() if k != "unit"}
        return self._out(services.update_post(request.user, post, **values))


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("post", int, description="只看该岗位的班次"),
    OpenApiParameter("day", str, description="只看该日（YYYY-MM-DD）的班次")]))
class ShiftViewSet(ScopedReadOnlyModelViewSet):
    """Shifts (班次) of the posts the caller sees, each with how many are on it (filled) of needed."""

    queryset = Shift.objects.select_related("post__unit").annotate(
        filled=Count("assignments", filter=Q(assignments__status=AssignmentStatus.ACTIVE))).order_by(
        "starts_at", "post_id", "id")
    serializer_class = ShiftSerializer

    def get_queryset(self) -> QuerySet[Shift]:
        qs = super().get_queryset()
        if self.action == "list":
            post = _int_param(self.request, "post")
            if post is not None:
                qs = qs.filter(post_id=post)
            day = self.request.query_params.get("day", "")
            if day:
                day_field = serializers.DateField()
                try:
                    qs = qs.filter(day=day_field.to_internal_value(day))
                except serializers.ValidationError as exc:
                    raise serializers.ValidationError({"day": exc.detail}) from None
        return qs

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return {"create": ShiftWriteSerializer, "cancel": ReasonSerializer,
                "walk_up": WalkUpSerializer}.get(self.action, ShiftSerializer)

    def _out(self, shift: Shift, code: int = status.HTTP_200_OK) -> Response:
        return Response(ShiftSerializer(super().get_queryset().get(pk=shift.pk),
                                        context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=ShiftWriteSerializer, responses={201: ShiftSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                                                            404: NOT_FOUND})
    def create(self, request: Request) -> Response:
        data = ShiftWriteSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        post = values.pop("post")
        return self._out(services.add_shift(request.user, post, **values), status.HTTP_201_CREATED)

    @extend_schema(request=ReasonSerializer, responses={200: ShiftSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                                                        404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel the shift; everyone on it is told, with the reason."""
        shift = self.get_object()
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._out(services.cancel_shift(request.user, shift, reason=data.validated_data["reason"]))

    @extend_schema(request=WalkUpSerializer, responses={201: AssignmentSerializer, 400: BAD_INPUT,
                                                        403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], url_path="walk-up", filter_backends=[])
    def walk_up(self, request: Request, pk: str | None = None) -> Response:
        """Register a walk-up person (name and mobile) and put them on the shift (every gate applies)."""
        shift = self.get_object()
        data = WalkUpSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        a = services.fill_walk_up(request.user, shift, **data.validated_data)
        return Response(AssignmentSerializer(a, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("shift", int, description="只看该班次的排班"),
    OpenApiParameter("person", int, description="只看该人员的排班")]))
class AssignmentViewSet(ScopedReadOnlyModelViewSet):
    """Assignments (排班) of people to shifts. Create = assign (refused with the reason, field
    `person`: a double booking, no valid insurance or a minor at a risky post, a missing skill, a
    full or ended shift, a person of another unit); cancel and move are actions."""

    queryset = Assignment.objects.select_related("shift__post", "person__unit")
    serializer_class = AssignmentSerializer

    def get_queryset(self) -> QuerySet[Assignment]:
        qs = super().get_queryset()
        if self.action == "list":
            for name in ("shift", "person"):
                value = _int_param(self.request, name)
                if value is not None:
                    qs = qs.filter(**{f"{name}_id": value})
        return qs

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return {"create": AssignSerializer, "cancel": ReasonSerializer,
                "move": MoveSerializer}.get(self.action, AssignmentSerializer)

    def _out(self, a: Assignment, code: int = status.HTTP_200_OK) -> Response:
        a = Assignment.objects.select_related("shift__post", "person__unit").get(pk=a.pk)
        return Response(AssignmentSerializer(a, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=AssignSerializer, responses={201: AssignmentSerializer, 400: BAD_INPUT,
                                                        403: FORBIDDEN, 404: NOT_FOUND})
    def create(self, request: Request) -> Response:
        data = AssignSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        a = services.assign(request.user, data.validated_data["shift"], data.validated_data["person"])
        return self._out(a, status.HTTP_201_CREATED)

    @extend_schema(request=ReasonSerializer, responses={200: AssignmentSerializer, 400: BAD_INPUT,
                                                        403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Take the person off the shift (reason required); the person is told."""
        a = self.get_object()
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._out(services.cancel(request.user, a, reason=data.validated_data["reason"]))

    @extend_schema(request=MoveSerializer, responses={201: AssignmentSerializer, 400: BAD_INPUT,
                                                      403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def move(self, request: Request, pk: str | None = None) -> Response:
        """Move the person to another shift: answers with the new assignment (the old one is MOVED)."""
        a = self.get_object()
        data = MoveSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        new = services.move(request.user, a, data.validated_data["shift"], reason=data.validated_data["reason"])
        return self._out(new, status.HTTP_201_CREATED)


def register(router) -> None:
    """Add this part's viewsets to the project's API router."""
    router.register("mobilization/posts", PostViewSet, basename="mobilization-post")
    router.register("mobilization/shifts", ShiftViewSet, basename="mobilization-shift")
    router.register("mobilization/assignments", AssignmentViewSet, basename="mobilization-assignment")
