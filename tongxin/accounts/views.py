"""Sign-in and sign-out pages, the own-password change (page and API), and the API token endpoint."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tongxin.accounts import services
from tongxin.accounts.api_tokens import NEW_TOKEN, issued
from tongxin.accounts.forms import LoginForm, PasswordChangeForm, refusal_for
from tongxin.accounts.models import User
from tongxin.core import audit
from tongxin.core.api import JSONParser, JSONRenderer
from tongxin.core.views_base import ScopedMixin, ScopedView


def _own(request: Any) -> User:
    """The signed-in user of a page or API call that requires one (the login middleware or DRF saw to it)."""
    user = request.user
    assert isinstance(user, User)
    return user


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    extra_context = {"title": gettext_lazy("登录")}


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(ScopedView):
    """Anyone changes their own password here; the only page open to an account that must change it."""

    template_name = "accounts/password_change.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": PasswordChangeForm(), **self.policy()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PasswordChangeForm(request.POST)
        if form.is_valid():
            try:
                services.change_password(_own(request), old_password=form.cleaned_data["old_password"],
                                         new_password=form.cleaned_data["new_password"],
                                         keep_session=request.session.session_key)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                update_session_auth_hash(request, _own(request))  # this session stays signed in
                messages.success(request, _("密码已修改"))
                return redirect("home")
        return render(request, self.template_name, {"form": form, **self.policy()}, status=400)

    @staticmethod
    def policy() -> dict[str, Any]:
        return {"title": _("修改密码"), "composition": settings.TONGXIN_PASSWORD_COMPOSITION,
                "max_age_days": settings.TONGXIN_PASSWORD_MAX_AGE_DAYS}


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(max_length=128, trim_whitespace=False)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


class PasswordChangeAPI(ScopedMixin, APIView):
    """POST {"old_password", "new_password"}: change your own password (also when it must be changed).
    Every API token of the account is revoked and its web sessions end: the answer carries a new
    token (shown once)."""

    @extend_schema(request=PasswordChangeSerializer,
                   responses=inline_serializer("PasswordChanged", {"detail": serializers.CharField(), **NEW_TOKEN}))
    def post(self, request: Request) -> Response:
        data = PasswordChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = services.change_password(_own(request), **data.validated_data)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return Response({"detail": _("密码已修改"), **issued(user, request)})


class TokenSerializer(AuthTokenSerializer):
    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Django's request, not DRF's wrapper: axes marks a lockout on the one its middleware sees,
        # which then answers 429 (accounts.lockout.lockout_response).
        request = self.context.get("request")
        self._context["request"] = getattr(request, "_request", request)  # type: ignore[index]
        try:
            return super().validate(attrs)
        except serializers.ValidationError:
            refusal = refusal_for(attrs.get("username") or "", attrs.get("password") or "")
            if refusal:
                raise serializers.ValidationError({"non_field_errors": [refusal]}) from None
            raise


class TokenView(ObtainAuthToken):
    """POST {"username", "password"} → {"token", "expires", …}; send it back as `Authorization: Token …`.

    Every call issues a new token (accounts.tokens), shown this once; it expires (TONGXIN_TOKEN_DAYS).
    `must_change_password` true: the token works only for /api/auth/password/ until the password is changed."""

    serializer_class = TokenSerializer

    # ObtainAuthToken names DRF's stock parsers and renderer: ours bound the JSON and its text.
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        request=inline_serializer("TokenRequest", {"username": serializers.CharField(),
                                                   "password": serializers.CharField(),
                                                   "name": serializers.CharField(required=False, max_length=100)}),
        responses=inline_serializer("TokenResponse", {**NEW_TOKEN,
                                                      "must_change_password": serializers.BooleanField()}),
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        audit.record(audit.Action.LOGIN, actor=user, object_repr=f"{user.get_username()} (API token)")
        return Response({**issued(user, request), "must_change_password": user.password_must_change})
