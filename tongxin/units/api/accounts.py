"""REST API of account administration (the security administrator's): accounts and their roles.

The same rules as the pages (`units.administration`): 403 for anyone but a security administrator,
404 for an account or role outside their bureau's subtree, 400 naming the field for bad input.
Phone numbers pass through `units.personal` (always masked for an administrator).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tongxin.accounts.api_tokens import TokenSerializer
from tongxin.accounts.models import User
from tongxin.core.api import Choice
from tongxin.core.views_base import ScopedGenericViewSet, ScopedMixin
from tongxin.regions.queries import in_subtree
from tongxin.units import administration, scope
from tongxin.units.account_forms import resolve_unit
from tongxin.units.models import Membership, Role
from tongxin.units.personal import shown


class IsSecurityAdministrator(permissions.BasePermission):
    message = "只有安全管理员可以管理账号"

    def has_permission(self, request: Request, view: Any) -> bool:
        if not administration.is_account_admin(request.user):
            self.message = _("只有安全管理员可以管理账号")
            return False
        return True


class RoleSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    region = serializers.CharField(source="unit.region_id", read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "username", "unit", "unit_name", "region", "role", "role_display", "created_at"]
        read_only_fields = fields


class AccountSerializer(serializers.ModelSerializer):
    phone = serializers.SerializerMethodField()
    roles = RoleSerializer(source="memberships", many=True, read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "phone", "is_active", "is_locked", "locked_reason",
                  "must_change_password", "last_login", "date_joined", "roles"]
        read_only_fields = fields

    def get_phone(self, obj: User) -> str:
        first = next(iter(obj.memberships.all()), None)
        return shown(self.context["request"].user, obj.phone, first.unit if first else None)


class AccountCreateSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    full_name = serializers.CharField(max_length=50)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    unit = serializers.CharField(max_length=100, help_text="The unit's id or exact name, in your subtree")
    role = Choice("RoleEnum", Role.choices)
    password = serializers.CharField(max_length=128, required=False, allow_blank=True, default="",
                                     trim_whitespace=False, help_text="Blank: a random temporary password")


class GrantSerializer(serializers.Serializer):
    unit = serializers.CharField(max_length=100)
    role = Choice("RoleEnum", Role.choices)


class ResetSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=128, required=False, allow_blank=True, default="",
                                     trim_whitespace=False)


class LockSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


TEMPORARY = inline_serializer("TemporaryPassword", {"id": serializers.IntegerField(),
                                                    "username": serializers.CharField(),
                                                    "temporary_password": serializers.CharField()})


class AccountViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """Accounts of the caller's subtree. Filters: `q` (username or name), `region` (a role inside it),
    `unit` (id or name), `role`, `status` (active, locked, inactive, must_change)."""

    scope_mode = scope.ACCOUNTS
    permission_classes = [permissions.IsAuthenticated, IsSecurityAdministrator]
    queryset = User.objects.all()
    serializer_class = AccountSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[User]:
        if self.action != "list":
            return administration.account_list(self.request.user)
        params = self.request.query_params
        unit = None
        if params.get("unit"):
            unit = resolve_unit(self.request.user, params["unit"])
        return administration.account_list(
            self.request.user, q=params.get("q", "")[:100], region_code=params.get("region", ""), unit=unit,
            role=params.get("role", ""), status=params.get("status", ""))

    @extend_schema(request=AccountCreateSerializer, responses={201: TEMPORARY})
    def create(self, request: Request) -> Response:
        data = AccountCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["unit"] = resolve_unit(request.user, values["unit"])
        new = administration.create_account(request.user, **values)
        return Response({"id": new.user.pk, "username": new.user.username, "temporary_password": new.password},
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=ResetSerializer, responses=TEMPORARY)
    @action(detail=True, methods=["post"], url_path="reset-password")
    def reset_password(self, request: Request, pk: str) -> Response:
        account = self.get_object()
        data = ResetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        password = administration.reset_password(request.user, account, password=data.validated_data["password"])
        return Response({"id": account.pk, "username": account.username, "temporary_password": password})

    def _state(self, request: Request, change: str, reason: str = "") -> Response:
        account = administration.change_state(request.user, self.get_object(), change, reason=reason)
        return Response(AccountSerializer(administration.account_list(request.user).get(pk=account.pk),
                                          context=self.get_serializer_context()).data)

    @extend_schema(request=LockSerializer, responses=AccountSerializer)
    @action(detail=True, methods=["post"])
    def lock(self, request: Request, pk: str) -> Response:
        data = LockSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._state(request, "lock", data.validated_data["reason"])

    @extend_schema(request=None, responses=AccountSerializer)
    @action(detail=True, methods=["post"])
    def unlock(self, request: Request, pk: str) -> Response:
        return self._state(request, "unlock")

    @extend_schema(request=None, responses=AccountSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: str) -> Response:
        return self._state(request, "deactivate")

    @extend_schema(request=None, responses=AccountSerializer)
    @action(detail=True, methods=["post"])
    def reactivate(self, request: Request, pk: str) -> Response:
        return self._state(request, "reactivate")

    @extend_schema(responses=TokenSerializer(many=True))
    @action(detail=True, methods=["get"])
    def tokens(self, request: Request, pk: str) -> Response:
        """The account's API tokens that still work (never their keys)."""
        return Response(TokenSerializer(administration.account_tokens(request.user, self.get_object()),
                                        many=True).data)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"tokens/(?P<token>[0-9]{1,18})", url_name="revoke-token")
    def revoke_token(self, request: Request, pk: str, token: str) -> Response:
        """Revoke one of the account's API tokens: it stops working at once."""
        administration.revoke_token(request.user, self.get_object(), int(token))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=GrantSerializer, responses={201: RoleSerializer})
    @action(detail=True, methods=["post"])
    def roles(self, request: Request, pk: str) -> Response:
        account = self.get_object()
        data = GrantSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        unit = resolve_unit(request.user, data.validated_data["unit"])
        membership = administration.grant(request.user, account, unit, data.validated_data["role"])
        return Response(RoleSerializer(membership).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[OpenApiParameter("region", str), OpenApiParameter("unit", int),
                           OpenApiParameter("role", str), OpenApiParameter("user", int)])
class MembershipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                        ScopedGenericViewSet):
    """Who holds which role where, in the caller's subtree; DELETE revokes a role."""

    scope_mode = scope.ACCOUNTS
    permission_classes = [permissions.IsAuthenticated, IsSecurityAdministrator]
    queryset = Membership.objects.select_related("unit__region", "user").order_by("unit__region_id", "unit__name",
                                                                                   "role", "pk")
    serializer_class = RoleSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Membership]:
        qs = super().get_queryset()
        if self.action != "list":
            return qs
        params = self.request.query_params
        if params.get("region"):
            region = scope.resolve_region(self.request.user, params["region"], mode=scope.ACCOUNTS)
            qs = qs.filter(in_subtree("unit__region_id", region.prefix))
        for name in ("unit", "user"):
            raw = params.get(name, "")
            if raw:
                if not raw.isdigit() or len(raw) > 18:
                    raise serializers.ValidationError({name: [_("请填写有效的编号")]})
                qs = qs.filter(**{f"{name}_id": int(raw)})
        if params.get("role"):
            qs = qs.filter(role=params["role"])
        return qs

    def perform_destroy(self, instance: Membership) -> None:
        administration.revoke(self.request.user, instance)


class LockoutSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="account-<account id> or ip-<address>: DELETE /api/lockouts/<id>/ lifts it")
    kind = serializers.CharField(source="lock.kind", help_text="account or address")
    key = serializers.CharField(source="lock.key", help_text="The username or the address")
    account = serializers.IntegerField(source="account.pk", allow_null=True, default=None)
    failures = serializers.IntegerField(source="lock.failures")
    until = serializers.DateTimeField(source="lock.until", allow_null=True)


class LockoutViewSet(ScopedMixin, viewsets.ViewSet):
    """Sign-in lockouts in force (accounts.lockout): of the accounts the caller administers, and
    (province-wide administrators) of source addresses. DELETE lifts one, audited; 404 outside scope."""

    scope_mode = scope.ACCOUNTS
    permission_classes = [permissions.IsAuthenticated, IsSecurityAdministrator]
    lookup_value_regex = "[^/]+"
    serializer_class = LockoutSerializer

    @extend_schema(responses=LockoutSerializer(many=True))
    def list(self, request: Request) -> Response:
        return Response(LockoutSerializer(administration.lockouts(request.user), many=True).data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        administration.lift_lockout(request.user, pk[:100])
        return Response(status=status.HTTP_204_NO_CONTENT)


def register(router: Any) -> None:
    router.register("accounts", AccountViewSet, basename="account")
    router.register("lockouts", LockoutViewSet, basename="lockout")
    router.register("memberships", MembershipViewSet, basename="membership")
