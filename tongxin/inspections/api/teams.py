"""Supervision teams, seen through the scope of their bureau and by their members."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from tongxin.accounts.models import User
from tongxin.core.api import BAD_INPUT, FORBIDDEN, NOT_FOUND, VisibleIdField
from tongxin.core.types import Actor
from tongxin.core.views_base import ScopedReadOnlyModelViewSet
from tongxin.inspections import queries, services
from tongxin.inspections.models import Campaign, Team
from tongxin.units import scope
from tongxin.units.api import visible_units
from tongxin.units.models import Membership, Unit


def _visible_teams(user: Actor) -> QuerySet[Team]:
    """Teams led by a bureau in the caller's scope, and teams the caller is a member of."""
    return Team.objects.filter(Q(pk__in=scope.restrict(Team.objects.all(), user).values("pk")) | Q(members=user)
                               ).select_related("bureau").distinct()




class TeamSerializer(serializers.ModelSerializer):
    bureau = VisibleIdField(visible_units, gettext_lazy("找不到该牵头单位，或您无权查看"), queryset=Unit.objects.all())
    bureau_name = serializers.CharField(source="bureau.name", read_only=True)
    campaign = VisibleIdField(queries.visible_campaigns, gettext_lazy("找不到该专项行动，或您无权查看"),
                              queryset=Campaign.objects.all(), required=False, allow_null=True)
    members = serializers.ManyRelatedField(
        child_relation=serializers.SlugRelatedField(
            slug_field="username", queryset=User.objects.all(),
            error_messages={"does_not_exist": gettext_lazy("找不到用户 {value}，或其不在您的辖区内")}),
        # The stubs want a str; DRF takes lazy text, translated when the schema is read.
        required=False, help_text=gettext_lazy("成员的用户名；创建人自动加入"))  # type: ignore[arg-type]

    class Meta:
        model = Team
        fields = ["id", "name", "bureau", "bureau_name", "campaign", "members", "outside_members", "start_date",
                  "end_date", "created_at"]
        read_only_fields = ["created_at"]

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            memberships = scope.restrict(Membership.objects.all(), request.user)
            # `members` is the ManyRelatedField declared above. The stubs declare `queryset` with a Manager
            # in its type, which mypy then reads as a descriptor on the instance: hence the ignore.
            members = cast(serializers.ManyRelatedField, fields["members"])
            members.child_relation.queryset = User.objects.filter(  # type: ignore[arg-type]
                is_active=True, memberships__in=memberships).distinct()
        return fields

    def create(self, validated_data: dict[str, Any]) -> Team:
        return services.create_team(self.context["request"].user, **validated_data)


class TeamViewSet(mixins.CreateModelMixin, ScopedReadOnlyModelViewSet):
    """Supervision teams (督导组) led by bureaus in the caller's scope."""

    queryset = Team.objects.select_related("bureau").prefetch_related("members").order_by("-start_date", "pk")
    serializer_class = TeamSerializer
    filter_backends: list = []

    @extend_schema(responses={201: TeamSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Form a team led by a bureau; members may come from several bodies (outsiders by name)."""
        return super().create(request, *args, **kwargs)
