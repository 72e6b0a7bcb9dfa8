"""What the reporting API's modules share: the Idempotency-Key header."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="A key the client makes up per submission (at most 100 characters). A retry with the same key "
                "answers 200 with the first result and files nothing twice.",
)


def _idempotency_key(request: Request) -> str | None:
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 100:
        raise ValidationError({"idempotency_key": [_("Idempotency-Key 不能超过 100 个字符")]})
    return key or None

