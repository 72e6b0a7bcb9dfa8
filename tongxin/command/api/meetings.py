"""Dispatch meetings and their action items.

Guarantees: meetings and assignments are read through `command.queries.meetings` (every read
through `scope.restrict`), so anything outside the caller's scope is a 404 that names no model;
every write goes through `command.services.meetings`; each assignment carries `overdue` (judged on
today's Beijing date) and `allowed_transitions` (the workflow's answer for the caller); evidence
named in a write must be files the caller uploaded for the owner unit.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tongxin.accounts.models import User
from tongxin.command.models.meetings import (
    MAX_COMMENT,
    MAX_DECISION,
    MAX_NAMES,
    MAX_TEXT,
    MAX_TITLE,
    ActionAssignment,
    ActionEvent,
    ActionItem,
    AssignmentStatus,
    Attendance,
    Meeting,
    Mode,
)
from tongxin.command.queries import meetings as queries
from tongxin.command.services import meetings as services
from tongxin.core.api import BAD_INPUT, FORBIDDEN, NOT_FOUND, Choice
from tongxin.core.views_base import ScopedGenericViewSet
from tongxin.units import scope
from tongxin.units.attachments import (
    AttachmentSerializer,
    attachment_ids_field,
    attachments_named_by_id,
    own_attachments,
)
from tongxin.units.models import Unit

MAX_IDS = services.MAX_UNITS


class MeetingAttendanceSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status = Choice("AttendanceStatusEnum", Attendance.Status.choices, read_only=True, allow_blank=True)

    class Meta:
        model = Attendance
        fields = ["unit", "unit_name", "status", "attendees", "note", "recorded_at"]
        read_only_fields = fields


class ActionAssignmentSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status = Choice("ActionStatusEnum", AssignmentStatus.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    item_number = serializers.IntegerField(source="item.number", read_only=True)
    description = serializers.CharField(source="item.description", read_only=True)
    start = serializers.DateField(source="item.start", read_only=True)
    meeting = serializers.IntegerField(source="item.meeting_id", read_only=True)
    overdue = serializers.SerializerMethodField(help_text=gettext_lazy("已过完成时限且未验收办结（按北京时间的日期）"))

    class Meta:
        model = ActionAssignment
        fields = ["id", "meeting", "item", "item_number", "description", "unit", "unit_name", "region_code", "start",
                  "status", "status_display", "target_date", "done_on", "progress", "overdue"]
        read_only_fields = fields

    def get_overdue(self, a: ActionAssignment) -> bool:
        return services.is_overdue(a, timezone.localdate())


class ActionEventSerializer(serializers.ModelSerializer):
    actor: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(slug_field="username", read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = ActionEvent
        fields = ["name", "from_status", "to_status", "actor", "at", "comment", "attachments"]
        read_only_fields = fields


class ActionAssignmentDetailSerializer(ActionAssignmentSerializer):
    events = ActionEventSerializer(many=True, read_only=True,
                                   help_text=gettext_lazy("每一步：谁、何时、说明、证明材料"))
    allowed_transitions = serializers.SerializerMethodField(help_text=gettext_lazy("您现在可以执行的操作"))

    class Meta(ActionAssignmentSerializer.Meta):
        fields = [*ActionAssignmentSerializer.Meta.fields, "events", "allowed_transitions"]
        read_only_fields = fields

    def get_allowed_transitions(self, a: ActionAssignment) -> list[str]:
        request = self.context.get("request")
        return [t.name for t in services.WORKFLOW.allowed_for(request.user, a)] if request else []


class ActionItemSerializer(serializers.ModelSerializer):
    assignments = serializers.SerializerMethodField()

    class Meta:
        model = ActionItem
        fields = ["id", "number", "description", "start", "target_date", "assignments"]
        read_only_fields = fields

    @extend_schema_field(ActionAssignmentSerializer(many=True))
    def get_assignments(self, item: ActionItem) -> list[dict[str, Any]]:
        return list(ActionAssignmentSerializer(getattr(item, "shown", []), many=True, context=self.context).data)


class MeetingSerializer(serializers.ModelSerializer):
    convener_name = serializers.CharField(source="convener.name", read_only=True)
    mode = Choice("MeetingModeEnum", Mode.choices, read_only=True)

    class Meta:
        model = Meeting
        fields = ["id", "convener", "convener_name", "title", "starts_at", "mode", "place", "agenda", "minutes"]
        read_only_fields = fields


class MeetingDetailSerializer(MeetingSerializer):
    attendances = MeetingAttendanceSerializer(many=True, read_only=True)
    decisions = serializers.SerializerMethodField(help_text=gettext_lazy("决定事项（督办事项）及您可见的承办单位进展"))

    class Meta(MeetingSerializer.Meta):
        fields = [*MeetingSerializer.Meta.fields, "attendances", "decisions"]
        read_only_fields = fields

    @extend_schema_field(ActionItemSerializer(many=True))
    def get_decisions(self, meeting: Meeting) -> list[dict[str, Any]]:
        items = queries.items_of(meeting, self.context["request"].user)
        return list(ActionItemSerializer(items, many=True, context=self.context).data)


def _units(user: Any, ids: list[int], field: str) -> list[Unit]:
    """The units `ids`, each one the caller sees; otherwise a 400 naming `field`."""
    found = {u.pk: u for u in scope.restrict(Unit.objects.filter(pk__in=ids), user)}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        words = _("找不到单位 %(ids)s，或您无权查看") % {"ids": "、".join(missing)}
        raise serializers.ValidationError({field: [words]})
    return [found[i] for i in dict.fromkeys(ids)]


def _ids_field(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**53), max_length=MAX_IDS,
                                 **kwargs)


class MeetingInputSerializer(serializers.Serializer):
    convener = serializers.IntegerField(min_value=1, max_value=2**53, help_text=gettext_lazy("召集单位（民政部门）id"))
    title = serializers.CharField(max_length=MAX_TITLE)
    starts_at = serializers.DateTimeField()
    mode = Choice("MeetingModeEnum", Mode.choices, default=Mode.VIDEO)
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    agenda = serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True, default="")
    minutes = serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True, default="")
    units = _ids_field(required=False, default=list, help_text=gettext_lazy("召集的单位 id"))


class MeetingEditSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=MAX_TITLE, required=False)
    starts_at = serializers.DateTimeField(required=False)
    mode = Choice("MeetingModeEnum", Mode.choices, required=False)
    place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    agenda = serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True)
    minutes = serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True)
    units = _ids_field(required=False, help_text=gettext_lazy("补充召集的单位 id"))


class MeetingAttendanceInputSerializer(serializers.Serializer):
    unit = serializers.IntegerField(min_value=1, max_value=2**53)
    status = Choice("AttendanceStatusEnum", Attendance.Status.choices)
    attendees = serializers.CharField(max_length=MAX_NAMES, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class MeetingDecisionInputSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=MAX_DECISION)
    units = _ids_field(help_text=gettext_lazy("承办单位 id（一个或多个）"))
    start = serializers.DateField(required=False, allow_null=True, default=None)
    target_date = serializers.DateField(help_text=gettext_lazy("完成时限（当天有效）"))


class ActionTransitionInputSerializer(serializers.Serializer):
    name = Choice("ActionTransitionEnum", services.WORKFLOW.choices())
    comment = serializers.CharField(max_length=MAX_COMMENT, required=False, allow_blank=True, default="",
                                    help_text=gettext_lazy("进展或意见；报告进展、退回时必填"))
    attachment_ids = attachment_ids_field()


class MeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """Dispatch meetings (调度会) the caller sees: convened in their scope or summoning their units."""

    queryset = Meeting.objects.select_related("convener")

    def get_queryset(self) -> QuerySet[Meeting]:
        return queries.visible_meetings(self.request.user).order_by("-starts_at", "-id")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        by_action: dict[str, type[serializers.BaseSerializer]] = {
            "list": MeetingSerializer, "create": MeetingInputSerializer, "partial_update": MeetingEditSerializer,
            "attendance": MeetingAttendanceInputSerializer, "decisions": MeetingDecisionInputSerializer}
        return by_action.get(self.action, MeetingDetailSerializer)

    def _detail(self, meeting: Meeting, code: int = status.HTTP_200_OK) -> Response:
        meeting = self.get_queryset().prefetch_related("attendances__unit").get(pk=meeting.pk)
        return Response(MeetingDetailSerializer(meeting, context=self.get_serializer_context()).data, status=code)

    def _managed(self) -> Meeting:
        meeting: Meeting = self.get_object()
        if not scope.scope_of(self.request.user).covers(meeting.convener, mode=scope.FILE):
            raise PermissionDenied(_("只有召集单位的业务人员可以修改调度会"))
        return meeting

    @extend_schema(request=MeetingInputSerializer,
                   responses={201: MeetingDetailSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    def create(self, request: Request) -> Response:
        """Convene a meeting for a bureau in the caller's scope, summoning units of its subtree."""
        data = MeetingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        convener = scope.restrict(Unit.objects.filter(pk=v.pop("convener")), request.user).first()
        if convener is None:
            raise Http404(_("找不到该单位，或您无权查看"))
        units = _units(request.user, v.pop("units"), "units")
        meeting = services.create_meeting(request.user, convener=convener, units=units, **v)
        return self._detail(meeting, status.HTTP_201_CREATED)

    @extend_schema(request=MeetingEditSerializer,
                   responses={200: MeetingDetailSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Change the meeting (title, time, mode, place, agenda, minutes) and summon more units."""
        meeting = self._managed()
        data = MeetingEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        units = _units(request.user, v.pop("units", []), "units")
        if v:
            meeting = services.edit_meeting(request.user, meeting, **v)
        if units:
            services.summon(request.user, meeting, units)
        return self._detail(meeting)

    @extend_schema(request=MeetingAttendanceInputSerializer,
                   responses={200: MeetingDetailSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def attendance(self, request: Request, pk: str | None = None) -> Response:
        """Record a summoned unit's attendance: present (with who), absent or on leave."""
        meeting = self._managed()
        data = MeetingAttendanceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        unit = _units(request.user, [v.pop("unit")], "unit")[0]
        services.record_attendance(request.user, meeting, unit=unit, **v)
        return self._detail(meeting)

    @extend_schema(request=MeetingDecisionInputSerializer,
                   responses={201: MeetingDetailSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def decisions(self, request: Request, pk: str | None = None) -> Response:
        """Add a decision: an action item assigned to one or more units, with its target date."""
        meeting = self._managed()
        data = MeetingDecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        units = _units(request.user, v.pop("units"), "units")
        services.add_decision(request.user, meeting, units=units, **v)
        return self._detail(meeting, status.HTTP_201_CREATED)


class ActionItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """Action items (督办事项) of the caller's subtree, one row per owner unit, with filters
    `status` (or "open"), `overdue`, `region` (a code, a name or a pinyin) and `meeting`."""

    queryset = ActionAssignment.objects.select_related("unit", "item")

    def get_queryset(self) -> QuerySet[ActionAssignment]:
        qs = queries.visible_assignments(self.request.user)
        if self.action == "list":
            p = self.request.query_params
            meeting = p.get("meeting", "")
            region = self.get_region(own_units=True)  # a code, a name or a pinyin, as everywhere
            qs = queries.filter_assignments(
                qs, status=p.get("status", "")[:20], overdue=p.get("overdue", "") in ("1", "true"),
                region=region.code if region is not None else "",
                meeting=int(meeting) if meeting.isdigit() and len(meeting) < 15 else None)
            return queries.ordered(qs)
        return qs.prefetch_related("events__actor", "events__attachments")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        by_action: dict[str, type[serializers.BaseSerializer]] = {
            "list": ActionAssignmentSerializer, "transition": ActionTransitionInputSerializer}
        return by_action.get(self.action, ActionAssignmentDetailSerializer)

    @extend_schema(request=ActionTransitionInputSerializer,
                   responses={200: ActionAssignmentDetailSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """progress (进展), submit (报告完成, needs evidence), accept (验收办结) or return (退回, needs a reason)."""
        a: ActionAssignment = self.get_object()
        data = ActionTransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        attachments = own_attachments(request.user, a.unit, v["attachment_ids"])
        with attachments_named_by_id():
            services.transition(request.user, a, v["name"], comment=v["comment"], attachments=attachments)
        a = self.get_queryset().get(pk=a.pk)
        return Response(ActionAssignmentDetailSerializer(a, context=self.get_serializer_context()).data)
