"""The public site's own read-only endpoints (no login), under /api/public/: published appeals and
the organisations with something public, each with its full disclosure; published notices; the
receipt lookup.

Guarantees: open to anyone (AllowAny, no authentication), read-only, and exactly what the public
pages show: every figure comes from `donations.queries.public` in the feed's shape
(`public.feed_disclosure`, stable ids, amounts as strings), so the API's totals are the page's and
the sum of the rows beside them; a donor is named only with consent; no phone, credit code or
account leaves it. Answers are cached like the pages (core.publiccache: a recorded donation or an
edited notice shows at once). A wrong receipt number or code is one 404 that does not say which.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from tongxin.core import publiccache, ratelimit, replica
from tongxin.core.api import BAD_INPUT, MAX_ID
from tongxin.core.replica import ReplicaReadsMixin
from tongxin.donations.models import Appeal
from tongxin.donations.queries import public
from tongxin.portal import queries
from tongxin.portal.models import Notice, NoticeKind
from tongxin.units.models import Unit

CACHE_SECONDS = 600
NOT_PUBLIC = OpenApiResponse(description="No such public record")
LOOKUP_NOT_FOUND = OpenApiResponse(description="No gift with this receipt number and code (it does not say which)")
TOO_MANY = OpenApiResponse(description="Too many lookups from this address; try again in 10 minutes")


def _cached(name: str, build: Callable[[], Any]) -> Any:
    """`build()`'s answer, cached at the generations of the donations and portal namespaces and
    per language (the donor labels are words)."""
    key = publiccache.key("donations", publiccache.generation("portal"), get_language(), "api", name)
    data = cache.get(key)
    if data is None:
        with replica.primary():  # cached for minutes under a new generation: never from a lagging copy
            data = build()
        cache.set(key, data, CACHE_SECONDS)
    return data


def _pk(raw: Any) -> int | None:
    text = str(raw)
    return int(text) if text.isdigit() and int(text) <= MAX_ID else None


# --- serializers: the feed's shape --------------------------------------------------------------------

def _amount(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(help_text="A decimal amount as a string, e.g. 28500.00", **kwargs)


def _moment(**kwargs: Any) -> serializers.DateTimeField:
    return serializers.DateTimeField(**kwargs)


class PublicGoodsSerializer(serializers.Serializer):
    item_id = serializers.IntegerField()
    item = serializers.CharField()
    specification = serializers.CharField()
    measure = serializers.CharField()
    cash = serializers.BooleanField()
    quantity = _amount()
    value = _amount()
    unvalued_quantity = _amount()
    valuations = serializers.ListField(child=serializers.CharField())


class PublicDonationLineSerializer(serializers.Serializer):
    item_id = serializers.IntegerField()
    item = serializers.CharField()
    measure = serializers.CharField()
    quantity = _amount()
    value = _amount(allow_null=True)
    valuation = serializers.CharField()


class PublicDonationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    receipt_number = serializers.CharField()
    donor = serializers.CharField(help_text="The donor's name only with consent; else 匿名, 爱心企业 or 爱心人士")
    organisation_id = serializers.IntegerField()
    appeal_id = serializers.IntegerField(allow_null=True)
    received_at = _moment(allow_null=True)
    lines = PublicDonationLineSerializer(many=True)


class PublicAllocationLineSerializer(serializers.Serializer):
    item = serializers.CharField()
    measure = serializers.CharField()
    quantity = _amount()


class PublicAllocationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organisation = serializers.CharField()
    recipient_id = serializers.IntegerField()
    recipient = serializers.CharField()
    basis = serializers.CharField()
    basis_text = serializers.CharField()
    decided_by = serializers.CharField()
    decided_at = _moment()
    lines = PublicAllocationLineSerializer(many=True)


class PublicHandoverLineSerializer(serializers.Serializer):
    item_id = serializers.IntegerField()
    item = serializers.CharField()
    measure = serializers.CharField()
    sent = _amount()
    received = _amount(allow_null=True)


class PublicHandoverSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organisation_id = serializers.IntegerField()
    recipient_id = serializers.IntegerField()
    recipient = serializers.CharField()
    status = serializers.CharField()
    sent_at = _moment()
    received_at = _moment(allow_null=True)
    lines = PublicHandoverLineSerializer(many=True)


class PublicStockSerializer(serializers.Serializer):
    organisation = serializers.CharField()
    item = serializers.CharField()
    measure = serializers.CharField()
    received = _amount()
    handed_over = _amount()
    adjusted = _amount()
    quantity = _amount()


class PublicCorrectionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="donation or handover")
    reason = serializers.CharField()
    replaces = serializers.CharField()
    created_at = _moment()
    changes = serializers.ListField(child=serializers.DictField())


class PublicClockSerializer(serializers.Serializer):
    clock = serializers.CharField()
    next_due = _moment(allow_null=True)
    overdue = serializers.BooleanField()
    last_disclosed = _moment(allow_null=True)


class PublicDisclosureFields(serializers.Serializer):
    cash_total = _amount()
    goods_value_total = _amount()
    goods = PublicGoodsSerializer(many=True)
    donations = PublicDonationSerializer(many=True)
    allocations = PublicAllocationSerializer(many=True)
    handovers = PublicHandoverSerializer(many=True)
    stock = PublicStockSerializer(many=True)
    corrections = PublicCorrectionSerializer(many=True)


class PublicAppealSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField(help_text="published (募集中) or closed (已结束)")
    organisation_id = serializers.IntegerField()
    organisation = serializers.CharField()
    starts_on = serializers.DateField()
    filing_number = serializers.CharField()
    cash_total = _amount()
    goods_value_total = _amount()


class PublicAppealDetailSerializer(PublicDisclosureFields, PublicAppealSerializer):
    clock = PublicClockSerializer(allow_null=True)


class PublicOrganisationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    cash_total = _amount()
    goods_value_total = _amount()


class PublicOrganisationDetailSerializer(PublicDisclosureFields, PublicOrganisationSerializer):
    pass


class PublicNoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="notice (通知公告) or work (工作动态)")
    title = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.source (DRF pops it)
    author = serializers.CharField()
    day = serializers.DateField()
    original_url = serializers.CharField()
    unit = serializers.CharField(help_text="The publishing bureau")


class PublicNoticeDetailSerializer(PublicNoticeSerializer):
    body = serializers.CharField()


class PublicLookupInSerializer(serializers.Serializer):
    receipt = serializers.CharField(max_length=40, help_text="The receipt number (票据号)")
    code = serializers.CharField(max_length=20, help_text="The lookup code printed on the receipt (查询码)")


class PublicLookupSerializer(serializers.Serializer):
    donation = PublicDonationSerializer()
    organisation = serializers.CharField()
    appeal = serializers.CharField()
    corrected = serializers.BooleanField(help_text="The receipt's record was corrected; this is the current one")
    handovers = PublicHandoverSerializer(many=True, help_text="Where the gift's items went")


# --- plain data, from the public queries ------------------------------------------------------------

def _appeal_head(a: Appeal) -> dict[str, Any]:
    return {"id": a.pk, "title": a.title, "status": a.status, "organisation_id": a.unit_id,
            "organisation": a.unit.name, "starts_on": a.starts_on, "filing_number": a.filing_number}


def _appeal_data(a: Appeal) -> dict[str, Any]:
    def build() -> dict[str, Any]:
        d = public.for_appeal(a)
        return {**_appeal_head(a), **public.feed_disclosure(d)}
    data: dict[str, Any] = _cached(f"appeal:{a.pk}", build)
    return data


def _organisation_data(unit: Unit) -> dict[str, Any]:
    def build() -> dict[str, Any]:
        d = public.for_organisation(unit)
        return {"id": unit.pk, "name": unit.name, **public.feed_disclosure(d)}
    data: dict[str, Any] = _cached(f"org:{unit.pk}", build)
    return data


def _notice_data(n: Notice) -> dict[str, Any]:
    return {"id": n.pk, "kind": n.kind, "title": n.title, "source": n.source, "author": n.author, "day": n.day,
            "original_url": n.original_url, "unit": n.unit.name, "body": n.body}


# --- the viewsets ------------------------------------------------------------------------------------

class PublicPagination(PageNumberPagination):
    """?page=N&page_size=M (at most 50 rows a page: each row carries its totals)."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 50


class PublicViewSet(ReplicaReadsMixin, viewsets.GenericViewSet[Any]):
    """Open to anyone, read-only: no authentication, no scope (all of it is public); list and retrieve
    may read from the replica (core.replica)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    filter_backends: list[Any] = []
    pagination_class = PublicPagination
    lookup_value_regex = "[0-9]+"


class PublicAppealViewSet(PublicViewSet):
    """公开的募捐倡议: published and closed appeals, each with its full disclosure."""

    serializer_class = PublicAppealSerializer

    def get_queryset(self) -> Any:
        return public.appeals()

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        head = set(PublicAppealSerializer().fields)
        rows = [{k: v for k, v in _appeal_data(a).items() if k in head} for a in page or []]
        return self.get_paginated_response(PublicAppealSerializer(rows, many=True).data)

    @extend_schema(responses={200: PublicAppealDetailSerializer, 404: NOT_PUBLIC})
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        a = public.appeal(_pk(pk) or 0)
        if a is None:
            raise exceptions.NotFound(_("没有这个公开的倡议"))
        return Response(PublicAppealDetailSerializer(_appeal_data(a)).data)


class PublicOrganisationViewSet(PublicViewSet):
    """受赠单位: the organisations with something public, each with its full disclosure."""

    serializer_class = PublicOrganisationSerializer

    def get_queryset(self) -> Any:
        return public.organisations()

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        head = set(PublicOrganisationSerializer().fields)
        rows = [{k: v for k, v in _organisation_data(u).items() if k in head} for u in page or []]
        return self.get_paginated_response(PublicOrganisationSerializer(rows, many=True).data)

    @extend_schema(responses={200: PublicOrganisationDetailSerializer, 404: NOT_PUBLIC})
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        unit = public.organisation(_pk(pk) or 0)
        if unit is None:
            raise exceptions.NotFound(_("没有这个公开的受赠单位"))
        return Response(PublicOrganisationDetailSerializer(_organisation_data(unit)).data)


class PublicNoticeViewSet(PublicViewSet):
    """通知公告 / 工作动态: the published notices, newest first (?kind=notice or work)."""

    serializer_class = PublicNoticeSerializer

    def get_queryset(self) -> Any:
        return queries.published()

    @extend_schema(parameters=[OpenApiParameter("kind", str, enum=list(NoticeKind.values), required=False,
                                                description="notice (通知公告) or work (工作动态)")],
                   responses={200: PublicNoticeSerializer(many=True), 400: BAD_INPUT})
    def list(self, request: Request) -> Response:
        kind = request.query_params.get("kind") or None
        if kind is not None and kind not in NoticeKind.values:
            raise exceptions.ValidationError({"kind": [_("栏目只能是 notice 或 work")]})
        page = self.paginate_queryset(queries.published(kind))
        return self.get_paginated_response(PublicNoticeSerializer([_notice_data(n) for n in page or []],
                                                                  many=True).data)

    @extend_schema(responses={200: PublicNoticeDetailSerializer, 404: NOT_PUBLIC})
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        notice = queries.published_notice(_pk(pk) or 0)
        if notice is None:
            raise exceptions.NotFound(_("没有这条公告"))
        return Response(PublicNoticeDetailSerializer(_notice_data(notice)).data)


class _OneObjectSchema(AutoSchema):
    """The lookup's GET answers one object, not a list (it is the collection route only to share
    the POST's address)."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


class PublicLookupViewSet(viewsets.ViewSet):
    """捐赠去向查询: where a gift went, by its receipt number and the code printed on the receipt.
    GET ?receipt=…&code=… or POST the two; a wrong number or code is one 404 that does not say which."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    schema = _OneObjectSchema()

    def _answer(self, request: Request, data: Any) -> Response:
        given = PublicLookupInSerializer(data=data)
        given.is_valid(raise_exception=True)
        decision = ratelimit.hit("lookup", ratelimit.client_ip(request))
        if not decision.allowed:
            raise exceptions.Throttled(wait=decision.retry_after, detail=_("查询过于频繁，请 10 分钟后再试。"))
        found = public.lookup(given.validated_data["receipt"], given.validated_data["code"])
        if found is None:
            raise exceptions.NotFound(_("未找到该捐赠：请核对捐赠票据上的票据号和查询码。"))
        plain = public.feed_disclosure(public.Disclosure(donations=[found.donation], goods=[], allocations=[],
                                                         handovers=found.handovers, stock=[], corrections=[]))
        return Response(PublicLookupSerializer({
            "donation": plain["donations"][0], "organisation": found.donation.organisation,
            "appeal": found.donation.appeal, "corrected": found.corrected, "handovers": plain["handovers"]}).data)

    @extend_schema(parameters=[PublicLookupInSerializer],
                   responses={200: PublicLookupSerializer, 400: BAD_INPUT, 404: LOOKUP_NOT_FOUND, 429: TOO_MANY})
    def list(self, request: Request) -> Response:
        return self._answer(request, request.query_params)

    @extend_schema(request=PublicLookupInSerializer,
                   responses={200: PublicLookupSerializer, 400: BAD_INPUT, 404: LOOKUP_NOT_FOUND, 429: TOO_MANY})
    def create(self, request: Request) -> Response:
        return self._answer(request, request.data)


def register(router) -> None:
    """Add the public viewsets to the router (basenames public-*, schema names Public*)."""
    router.register("public/appeals", PublicAppealViewSet, basename="public-appeal")
    router.register("public/organisations", PublicOrganisationViewSet, basename="public-organisation")
    router.register("public/notices", PublicNoticeViewSet, basename="public-notice")
    router.register("public/lookup", PublicLookupViewSet, basename="public-lookup")
