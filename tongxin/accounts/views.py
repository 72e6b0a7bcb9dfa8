"""Sign-in and sign-out pages, and the API token endpoint."""

from django.contrib.auth import views as auth_views
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    extra_context = {"title": _("登录")}


class LogoutView(auth_views.LogoutView):
    pass


class TokenView(ObtainAuthToken):
    """POST {"username", "password"} → {"token"}; send it back as `Authorization: Token …`."""

    @extend_schema(
        request=inline_serializer("TokenRequest", {"username": serializers.CharField(),
                                                   "password": serializers.CharField()}),
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)
