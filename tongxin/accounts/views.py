"""Sign-in and sign-out pages, the own-password change (page and API), and the API token endpoint."""

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django_otp import login as otp_login
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tongxin.accounts import services, twofactor
from tongxin.accounts.api_tokens import NEW_TOKEN, issued
from tongxin.accounts.forms import LoginForm, PasswordChangeForm, refusal_for
from tongxin.accounts.lockout import is_locked_out
from tongxin.accounts.lockout import message as lockout_message
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
    """The password step. An account with a confirmed TOTP device is not signed in yet: it goes on to
    the code step (`LoginCodeView`) with its id pending in the session (accounts.twofactor)."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    extra_context = {"title": gettext_lazy("登录")}

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if not twofactor.has_device(user):
            return super().form_valid(form)
        self.request.session[twofactor.SESSION_KEY] = {
            "user": user.pk, "at": time.time(), "failures": 0, "next": self.get_redirect_url(),
            "backend": getattr(user, "backend", "")}
        return redirect("accounts:login-code")


@method_decorator(login_not_required, name="dispatch")
class LoginCodeView(View):
    """The code step: a TOTP or backup code for the pending account; right, it is signed in."""

    template_name = "accounts/login_code.html"

    def pending(self, request: HttpRequest) -> tuple[User | None, dict[str, Any]]:
        data = request.session.get(twofactor.SESSION_KEY) or {}
        if not data or time.time() - float(data.get("at", 0)) > twofactor.PENDING_SECONDS:
            return None, data
        return User.objects.filter(pk=data.get("user"), is_active=True).first(), data

    def restart(self, request: HttpRequest, message: str) -> HttpResponse:
        request.session.pop(twofactor.SESSION_KEY, None)
        messages.error(request, message)
        return redirect("accounts:login")

    def get(self, request: HttpRequest) -> HttpResponse:
        user, _data = self.pending(request)
        if user is None:
            return self.restart(request, _("登录已超时，请重新输入用户名和密码"))
        return render(request, self.template_name, {"title": _("动态验证码")})

    def post(self, request: HttpRequest) -> HttpResponse:
        user, data = self.pending(request)
        if user is None:
            return self.restart(request, _("登录已超时，请重新输入用户名和密码"))
        if is_locked_out(user.get_username()):
            request.session.pop(twofactor.SESSION_KEY, None)
            return render(request, self.template_name, {"title": _("动态验证码"), "error": lockout_message()},
                          status=429)
        device = twofactor.verify(user, request.POST.get("otp_token", ""))
        if device is None:
            twofactor.wrong_code(user, request)
            data["failures"] = int(data.get("failures", 0)) + 1
            if data["failures"] >= twofactor.MAX_CODE_FAILURES:
                return self.restart(request, _("验证码错误次数过多，请重新登录"))
            request.session[twofactor.SESSION_KEY] = data
            return render(request, self.template_name,
                          {"title": _("动态验证码"), "error": _("验证码不正确，请重新输入")}, status=400)
        request.session.pop(twofactor.SESSION_KEY, None)
        user.backend = data.get("backend") or "tongxin.accounts.backends.AccountBackend"
        auth_login(request, user)
        otp_login(request, device)
        next_url = data.get("next") or ""
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            next_url = settings.LOGIN_REDIRECT_URL
        return redirect(next_url)


class TwoFactorView(ScopedView):
    """Set up TOTP (QR code, secret, confirm with a code, backup codes shown once) or turn it off."""

    template_name = "accounts/twofactor.html"

    def context(self, request: HttpRequest, **extra: Any) -> dict[str, Any]:
        user = _own(request)
        ctx: dict[str, Any] = {"title": _("双因素认证"), "enabled": twofactor.has_device(user),
                               "required": twofactor.required(user)}
        if not ctx["enabled"]:
            device = twofactor.pending_device(user)
            ctx.update(qr=twofactor.qr_data_uri(device), secret=twofactor.secret_text(device))
        ctx.update(extra)
        return ctx

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, self.context(request))

    def post(self, request: HttpRequest) -> HttpResponse:
        user = _own(request)
        code = "".join(str(request.POST.get("otp_token", "")).split())
        if request.POST.get("action") == "disable":
            if not twofactor.has_device(user) or twofactor.verify(user, code) is None:
                return render(request, self.template_name,
                              self.context(request, error=_("验证码不正确，请重新输入")), status=400)
            twofactor.remove(user)
            messages.success(request, _("双因素认证已关闭"))
            return redirect("accounts:twofactor")
        if twofactor.has_device(user):
            return redirect("accounts:twofactor")
        device = twofactor.pending_device(user)
        if not code or not device.verify_token(code):
            return render(request, self.template_name,
                          self.context(request, error=_("验证码不正确，请重新输入")), status=400)
        codes = twofactor.confirm(user, device)
        otp_login(request, device)
        return render(request, self.template_name, self.context(request, backup_codes=codes))


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
    otp = serializers.CharField(required=False, allow_blank=True, max_length=16, write_only=True,
                                help_text="The current TOTP (or a backup) code: required for an account with "
                                          "two-factor sign-in set up (accounts.twofactor).")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Django's request, not DRF's wrapper: axes marks a lockout on the one its middleware sees,
        # which then answers 429 (accounts.lockout.lockout_response).
        request = self.context.get("request")
        self._context["request"] = getattr(request, "_request", request)  # type: ignore[index]
        try:
            validated = super().validate(attrs)
        except serializers.ValidationError:
            refusal = refusal_for(attrs.get("username") or "", attrs.get("password") or "")
            if refusal:
                raise serializers.ValidationError({"non_field_errors": [refusal]}) from None
            raise
        twofactor.check_second_factor(validated["user"], attrs.get("otp") or "", self._context["request"])
        return validated


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
                                                   "name": serializers.CharField(required=False, max_length=100),
                                                   "otp": serializers.CharField(
                                                       required=False,
                                                       help_text="TOTP or backup code; required once "
                                                                 "two-factor sign-in is set up")}),
        responses=inline_serializer("TokenResponse", {**NEW_TOKEN,
                                                      "must_change_password": serializers.BooleanField()}),
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        audit.record(audit.Action.LOGIN, actor=user, object_repr=f"{user.get_username()} (API token)")
        return Response({**issued(user, request), "must_change_password": user.password_must_change})
