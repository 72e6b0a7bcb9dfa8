"""API plumbing shared by every app: JSON errors with a message per field."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers
from rest_framework.exceptions import NotFound
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


MAX_ID = 2**63 - 1  # the largest id any of our databases stores


class VisibleIdField(serializers.PrimaryKeyRelatedField):
    """An id looked up in what the caller may see; any other id is a 404, never a hint that it exists."""

    def __init__(self, visible, message, **kwargs):
        self.visible, self.message = visible, message
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.visible(self.context["request"].user)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not (isinstance(data, int) or (isinstance(data, str) and data.isdigit())):
            self.fail("incorrect_type", data_type=type(data).__name__)
        found = self.get_queryset().filter(pk=int(data)).first() if int(data) <= MAX_ID else None
        if found is None:
            raise NotFound(str(self.message))
        return found


class WordedNotFound:
    """A missing or out-of-scope object is a 404 in the user's language that names no model."""

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            raise NotFound(_("找不到该记录，或您无权查看")) from None
