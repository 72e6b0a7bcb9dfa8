"""Ledger entries and their life."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import django_filters
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from tongxin.accounts.models import User
from tongxin.core.api import BAD_INPUT, CONFLICT, FORBIDDEN, NOT_FOUND, Choice, IdFilter, VisibleIdField
from tongxin.core.models import Attachment
from tongxin.core.views_base import ScopedReadOnlyModelViewSet
from tongxin.ledger import queries, services, sources
from tongxin.ledger.models import MAX_DESCRIPTION, Category, LedgerEntry, Severity, Status, Transition
from tongxin.units.api import visible_units
from tongxin.units.attachments import (
    AttachmentSerializer,
    attachment_ids_field,
    attachments_named_by_id,
    own_attachments,
)
from tongxin.units.filters import RegionFilterMixin
from tongxin.units.models import Unit
from tongxin.units.personal import PersonalField


class LedgerFilter(RegionFilterMixin, django_filters.FilterSet):
    region = django_filters.CharFilter(label=gettext_lazy("区划（代码、名称或拼音，含下级）"), method="keep")
    unit = IdFilter(label=pgettext_lazy("organisation", "单位"), method="keep")
    status = django_filters.ChoiceFilter(label=gettext_lazy("整改状态（unclosed：所有未销号的）"), method="keep",
                                         choices=[*Status.choices, (queries.UNCLOSED, gettext_lazy("未销号"))])
    severity = django_filters.ChoiceFilter(label=gettext_lazy("严重程度"), choices=Severity.choices, method="keep")
    category = django_filters.ChoiceFilter(label=gettext_lazy("类别"), choices=Category.choices, method="keep")
    campaign = IdFilter(label=pgettext_lazy("campaign", "专项行动"), method="keep")
    overdue = django_filters.BooleanFilter(label=gettext_lazy("只看逾期（true）"), method="keep")
    q = django_filters.CharFilter(label=gettext_lazy("关键词（编号、问题描述、单位名称）"), method="keep")

    region_params = {"region": {"own_units": True}}

    class Meta:
        model = LedgerEntry
        fields = ["region", "unit", "status", "severity", "category", "campaign", "overdue", "q"]

    def keep(self, queryset: QuerySet[LedgerEntry], name: str, value: Any) -> QuerySet[LedgerEntry]:
        return queryset  # every filter is applied at once by queries.filter_entries, as on the web

    def filter_queryset(self, queryset: QuerySet[LedgerEntry]) -> QuerySet[LedgerEntry]:
        d = self.form.cleaned_data
        region = self.regions.get("region")
        return queries.filter_entries(
            queryset, region=region.code if region else "", unit=d.get("unit"), status=d.get("status") or "",
            severity=d.get("severity") or "", category=d.get("category") or "", campaign=d.get("campaign"),
            overdue=bool(d.get("overdue")), keyword=d.get("q") or "")


class LinkSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field; the stubs see Field.label
    url = serializers.CharField(allow_null=True)


def _link(link: sources.Link | None) -> dict[str, str | None] | None:
    return None if link is None else {"label": link.label, "url": link.url}


class LedgerEntrySerializer(serializers.ModelSerializer):
    source = Choice("LedgerSourceEnum", sources.source_choices(), read_only=True)  # type: ignore[assignment]  # a declared field; the stubs see Field.source
    source_display = serializers.CharField(source="source_label", read_only=True)
    campaign = serializers.SerializerMethodField(
        help_text=gettext_lazy("所属专项行动的 id（context_kind 为 campaign 时）"))
    category = Choice("LedgerCategoryEnum", Category.choices, read_only=True)
    severity = Choice("SeverityEnum", Severity.choices, read_only=True)
    status = Choice("LedgerStatusEnum", Status.choices, read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    overdue = serializers.SerializerMethodField(help_text=gettext_lazy("已过整改时限且未销号（按北京时间的日期）"))
    created_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True)
    fixed_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True)
    closed_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    responsible_phone = PersonalField(unit_source="unit")

    class Meta:
        model = LedgerEntry
        fields = ["id", "number", "unit", "unit_name", "region_code", "source", "category", "severity",
                  "description", "required_measure", "responsible_person", "responsible_phone", "found_on",
                  "deadline", "status", "status_display", "overdue", "source_display", "source_id", "context_kind",
                  "context_id", "campaign", "fixed_on_spot",
                  "created_by", "fixed_by", "closed_by", "created_at", "closed_at", "attachments"]
        read_only_fields = fields

    def get_campaign(self, entry: LedgerEntry) -> int | None:
        return entry.context_id if entry.context_kind == sources.CAMPAIGN else None

    def get_overdue(self, entry: LedgerEntry) -> bool:
        if "today" not in self.context:
            # The serializer's context is the dict the view passed; the stubs type it read-only.
            cast(dict[str, Any], self.context)["today"] = timezone.localdate()
        return services.is_overdue(entry, self.context["today"])


class TransitionSerializer(serializers.ModelSerializer):
    actor: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    from_status = Choice("LedgerStatusEnum", Status.choices, read_only=True, allow_blank=True)
    to_status = Choice("LedgerStatusEnum", Status.choices, read_only=True)

    class Meta:
        model = Transition
        fields = ["name", "from_status", "to_status", "actor", "at", "comment", "attachments"]
        read_only_fields = fields


class LedgerEntryDetailSerializer(LedgerEntrySerializer):
    transitions = TransitionSerializer(many=True, read_only=True,
                                       help_text=gettext_lazy("每一步：谁、何时、意见、证据"))
    allowed_transitions = serializers.SerializerMethodField(
        help_text=gettext_lazy("您现在可以对该条目执行的操作（按状态和您的角色）"))
    source_link = serializers.SerializerMethodField(help_text=gettext_lazy("产生该问题的记录（名称、页面）"))
    context_link = serializers.SerializerMethodField(help_text=gettext_lazy("所属工作（名称、页面）"))

    class Meta(LedgerEntrySerializer.Meta):
        fields = [*LedgerEntrySerializer.Meta.fields, "source_link", "context_link", "transitions",
                  "allowed_transitions"]
        read_only_fields = fields

    @extend_schema_field(LinkSerializer(allow_null=True))
    def get_source_link(self, entry: LedgerEntry) -> dict[str, str | None] | None:
        return _link(sources.source_link(entry.source, entry.source_id))

    @extend_schema_field(LinkSerializer(allow_null=True))
    def get_context_link(self, entry: LedgerEntry) -> dict[str, str | None] | None:
        return _link(sources.context_link(entry.context_kind, entry.context_id))

    def get_allowed_transitions(self, entry: LedgerEntry) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        return [t.name for t in services.WORKFLOW.allowed_for(request.user, entry)]


class EntryInputSerializer(serializers.Serializer):
    """What 挂账 and 立查立改 share."""

    unit = VisibleIdField(visible_units, gettext_lazy("找不到该单位，或您无权查看"), queryset=Unit.objects.all())
    source = Choice("LedgerSourceEnum", sources.source_choices())  # type: ignore[assignment]  # as above
    category = Choice("LedgerCategoryEnum", Category.choices)
    severity = Choice("SeverityEnum", Severity.choices)
    description = serializers.CharField(max_length=MAX_DESCRIPTION)
    required_measure = serializers.CharField(max_length=MAX_DESCRIPTION, required=False, allow_blank=True, default="")
    responsible_person = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    responsible_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    found_on = serializers.DateField(required=False, help_text=gettext_lazy("发现日期；默认今天（北京时间）"))
    campaign = serializers.IntegerField(min_value=1, max_value=2**53, required=False, allow_null=True, default=None,
                                        help_text=gettext_lazy("所属专项行动的 id"))
    attachment_ids = attachment_ids_field()

    def validate_found_on(self, value: dt.date) -> dt.date:
        if value > timezone.localdate():
            raise serializers.ValidationError(_("发现日期不能晚于今天"))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """`campaign` becomes the entry's context, checked by the app that runs campaigns."""
        campaign, unit = attrs.pop("campaign", None), attrs["unit"]
        attrs["context_kind"], attrs["context_id"] = "", None
        if campaign is None:
            return attrs
        kind = sources.context(sources.CAMPAIGN)
        try:
            refusal = kind.check(self.context["request"].user, campaign, unit) if kind else ""
        except Http404:
            refusal = None
        if kind is None or refusal is None:
            raise NotFound(_("找不到该专项行动，或您无权查看"))
        if refusal:
            raise serializers.ValidationError({"campaign": [refusal]})
        attrs["context_kind"], attrs["context_id"] = sources.CAMPAIGN, campaign
        return attrs


class OpenEntrySerializer(EntryInputSerializer):
    deadline = serializers.DateField(help_text=gettext_lazy("整改时限（当天有效）"))


class FixOnSpotSerializer(EntryInputSerializer):
    comment = serializers.CharField(max_length=services.MAX_COMMENT, required=False, allow_blank=True, default="")


class TransitionInputSerializer(serializers.Serializer):
    name = Choice("TransitionNameEnum", services.WORKFLOW.choices())
    comment = serializers.CharField(max_length=services.MAX_COMMENT, required=False, allow_blank=True, default="",
                                    help_text=gettext_lazy("意见；退回时必填"))
    attachment_ids = attachment_ids_field()
    expected_status = serializers.ChoiceField(
        choices=Status.choices, required=False,
        help_text=gettext_lazy("客户端所见的状态；问题已被他人改为其他状态时返回 409，不做任何更改"))


class LedgerEntryViewSet(ScopedReadOnlyModelViewSet):
    """The ledger (问题台账) of the units in the caller's scope, with its filters; every move goes
    through ledger/services.py."""

    queryset = LedgerEntry.objects.select_related("unit", "created_by", "fixed_by", "closed_by").prefetch_related(
        "attachments")
    filterset_class = LedgerFilter

    def get_queryset(self) -> QuerySet[LedgerEntry]:
        qs = super().get_queryset()
        if self.action == "list":
            return qs
        return qs.prefetch_related(Prefetch("transitions", queryset=Transition.objects.select_related(
            "actor").prefetch_related("attachments").order_by("at", "id")))

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        by_action: dict[str, type[serializers.BaseSerializer]] = {
            "list": LedgerEntrySerializer, "create": OpenEntrySerializer, "transition": TransitionInputSerializer,
            "fix_on_spot": FixOnSpotSerializer}
        return by_action.get(self.action, LedgerEntryDetailSerializer)

    def _detail(self, entry: LedgerEntry, code: int = status.HTTP_200_OK) -> Response:
        """The entry as it now stands, read back through the scope like any other read."""
        entry = self.get_queryset().get(pk=entry.pk)
        return Response(LedgerEntryDetailSerializer(entry, context=self.get_serializer_context()).data, status=code)

    def _entry_values(self, serializer_class: type[EntryInputSerializer]) -> tuple[dict[str, Any], list[Attachment]]:
        data = serializer_class(data=self.request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        attachments = own_attachments(self.request.user, values["unit"], values.pop("attachment_ids"))
        if values.get("found_on") is None:
            values.pop("found_on", None)
        return values, attachments

    @extend_schema(request=OpenEntrySerializer,
                   responses={201: LedgerEntryDetailSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    def create(self, request: Request) -> Response:
        """挂账: put a problem on the ledger; it gets a readable number such as 430921-2021-0007."""
        values, attachments = self._entry_values(OpenEntrySerializer)
        entry = services.open_entry(request.user, attachments=attachments, **values)
        return self._detail(entry, status.HTTP_201_CREATED)

    @extend_schema(request=FixOnSpotSerializer,
                   responses={201: LedgerEntryDetailSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=False, methods=["post"], url_path="fix-on-spot", filter_backends=[], pagination_class=None)
    def fix_on_spot(self, request: Request) -> Response:
        """立查立改: a problem found and put right on the spot, recorded with its evidence and closed at once."""
        values, attachments = self._entry_values(FixOnSpotSerializer)
        with attachments_named_by_id():
            entry = services.fix_on_spot(request.user, attachments=attachments, **values)
        return self._detail(entry, status.HTTP_201_CREATED)

    @extend_schema(request=TransitionInputSerializer,
                   responses={200: LedgerEntryDetailSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND,
                              409: CONFLICT})
    @action(detail=True, methods=["post"], filter_backends=[])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """Move the entry: start (整改中), submit_fix (待验收, needs evidence), close (已销号) or return (退回,
        needs a reason). Closing and returning are for an officer above the unit who did not submit the fix."""
        entry = self.get_object()
        data = TransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        attachments = own_attachments(request.user, entry.unit, v["attachment_ids"])
        with attachments_named_by_id():
            entry = services.transition(request.user, entry, v["name"], comment=v["comment"], attachments=attachments,
                                        expected_status=v.get("expected_status"))
        return self._detail(entry)
