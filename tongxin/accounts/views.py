"""Sign-in and sign-out pages, and the API token endpoint."""

from typing import Any

from django.contrib.auth import views as auth_views
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from tongxin.core import audit
from tongxin.core.api import JSONParser, JSONRenderer


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    extra_context = {"title": _("登录")}


class LogoutView(auth_views.LogoutView):
    pass


class TokenView(ObtainAuthToken):
    """POST {"username", "password"} → {"token"}; send it back as `Authorization: Token …`."""

    # ObtainAuthToken names DRF's stock parsers and renderer: ours bound the JSON and its text.
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        request=inline_serializer("TokenRequest", {"username": serializers.CharField(),
                                                   "password": serializers.CharField()}),
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, _created = Token.objects.get_or_create(user=user)
        audit.record(audit.Action.LOGIN, actor=user, object_repr=f"{user.get_username()} (API token)")
        return Response({"token": token.key})
