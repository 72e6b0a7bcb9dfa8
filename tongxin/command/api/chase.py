"""催办 through the API: `POST /api/directives/{id}/remind/` (name `directive-remind-api`).

It lives in a viewset of its own (only this action) under the `directives` prefix, so it sits
beside the directives viewset without touching it. The same service as the page decides: a
reminder within the gap is a 400 naming the time it becomes possible; a directive seen but not
issued by the user's side is a 403; one out of sight a 404.
"""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tongxin.command.models import Directive
from tongxin.command.queries import chase as queries
from tongxin.command.services import chase as services
from tongxin.core.api import BAD_INPUT, FORBIDDEN, NOT_FOUND
from tongxin.core.views_base import ScopedGenericViewSet


class ReminderUnitSerializer(serializers.Serializer):
    delivery = serializers.IntegerField()
    unit = serializers.IntegerField()
    unit_name = serializers.CharField()
    again_at = serializers.DateTimeField(allow_null=True)


class RemindingSerializer(serializers.Serializer):
    reminded = ReminderUnitSerializer(many=True, help_text="units reminded now")
    skipped = ReminderUnitSerializer(many=True,
                                     help_text="units reminded too recently, with the time it becomes possible")


def _rows(pairs: list) -> list[dict]:
    return [{"delivery": d.pk, "unit": d.unit_id, "unit_name": d.unit.name, "again_at": at} for d, at in pairs]


class DirectiveRemindViewSet(ScopedGenericViewSet):
    """催办 of one directive (the directives themselves are served by their own viewset)."""

    queryset = Directive.objects.all()
    serializer_class = RemindingSerializer

    def get_queryset(self) -> QuerySet[Directive]:
        return Directive.objects.none()  # no list or detail here: the action reads its own directive

    @extend_schema(request=None, responses={200: RemindingSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], url_path="remind", url_name="api", filter_backends=[],
            pagination_class=None)
    def remind(self, request: Request, pk: str | None = None) -> Response:
        """催办: remind every unit that has not signed, at most once per gap per unit (30 minutes by default)."""
        directive = queries.visible_directive(request.user, pk)
        done = services.remind(request.user, directive)
        return Response({"reminded": _rows([(d, None) for d in done.reminded]), "skipped": _rows(done.skipped)})
