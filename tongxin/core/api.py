"""API plumbing shared by every app: JSON errors with a message per field."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """Turn Django's ValidationError from the service layer into a 400 with field-by-field messages.

    Every error body is JSON: {"detail": ...} or {"field": ["message", ...], ...}.
    """
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(
                {("non_field_errors" if k == "__all__" else k): v for k, v in exc.message_dict.items()}
            )
        else:
            exc = exceptions.ValidationError({"non_field_errors": exc.messages})
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)


class Pagination(PageNumberPagination):
    """?page=N&page_size=M (at most 500 rows a page)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
