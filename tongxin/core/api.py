"""API plumbing shared by every app: JSON errors with a message per field, JSON in with bounded depth
and only storable text (core.safe_input), JSON out even when a message echoes an odd character."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import django_filters
from django import forms
from django.core.exceptions import BadRequest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent, build_choice_description_list
from drf_spectacular.utils import Direction, OpenApiResponse, extend_schema_field
from rest_framework import exceptions, parsers, renderers, serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler as drf_exception_handler

from tongxin.core import safe_input
from tongxin.core.errors import Conflict
from tongxin.core.types import Actor

if TYPE_CHECKING:  # rest_framework.generics imports this module (the pagination setting): not at run time
    from drf_spectacular.openapi import AutoSchema
    from rest_framework.generics import GenericAPIView
    from rest_framework.response import Response


class ConflictError(exceptions.APIException):
    status_code = 409
    default_code = "conflict"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
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
    elif isinstance(exc, Conflict):  # lost a race or acted on a stale state: 409
        exc = ConflictError(str(exc))
    elif isinstance(exc, BadRequest):  # e.g. a malformed region code: 400 naming the parameter
        field = getattr(exc, "field", None)
        exc = exceptions.ValidationError({field: [str(exc)]} if field else {"detail": str(exc)})
    return drf_exception_handler(exc, context)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, plus: nesting deeper than safe_input.MAX_JSON_DEPTH is a 400 (also when it
    is too deep for Python to parse at all), and so is a NUL character or a lone surrogate in any
    string or key, naming the top-level field it sits under."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_("JSON 嵌套过深：最多 %(n)s 层") % {"n": safe_input.MAX_JSON_DEPTH}) from None
        try:
            safe_input.check_json(data)
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(exc.message_dict) from None
        return data


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON renderer; a body UTF-8 cannot hold (a lone surrogate echoed in a message) is sent
    with \\u escapes instead of failing with a 500."""

    def render(self, data: Any, accepted_media_type: str | None = None,
               renderer_context: Any = None) -> bytes:
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            return _AsciiJSONRenderer().render(data, accepted_media_type, renderer_context)


class _AsciiJSONRenderer(renderers.JSONRenderer):
    ensure_ascii = True


class Pagination(PageNumberPagination):
    """?page=N&page_size=M (at most 500 rows a page)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


MAX_ID = 2**63 - 1  # the largest id any of our databases stores


def is_id(data: Any) -> bool:
    """An id as the API takes one: a whole number or a string of ASCII digits (int() refuses '²')."""
    return not isinstance(data, bool) and (isinstance(data, int) or (
        isinstance(data, str) and data.isascii() and data.isdigit()))


class VisibleIdField(serializers.PrimaryKeyRelatedField[Model]):
    """An id looked up in what the caller may see; any other id is a 404, never a hint that it exists."""

    def __init__(self, visible: Callable[[Actor], QuerySet[Model]], message: str | Promise, **kwargs: Any) -> None:
        self.visible, self.message = visible, message
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Model]:
        return self.visible(self.context["request"].user)

    def to_internal_value(self, data: Any) -> Model:
        if not is_id(data):
            self.fail("incorrect_type", data_type=type(data).__name__)
        found = self.get_queryset().filter(pk=int(data)).first() if int(data) <= MAX_ID else None
        if found is None:
            raise NotFound(str(self.message))
        return found


if TYPE_CHECKING:
    _ViewBase = GenericAPIView[Any]  # what the mixin is mixed into
else:
    _ViewBase = object


class WordedNotFound(_ViewBase):
    """A missing or out-of-scope object is a 404 in the user's language that names no model."""

    def get_object(self) -> Any:
        try:
            return super().get_object()
        except Http404:
            raise NotFound(_("找不到该记录，或您无权查看")) from None


# --- shared by every app's API -----------------------------------------------------------------

NOT_FOUND = OpenApiResponse(description="No such object, or it is outside your scope")
BAD_INPUT = OpenApiResponse(description="Bad input: messages per field; broken cross-field rules in non_field_errors")
FORBIDDEN = OpenApiResponse(description="Visible, but your role may not do this")
CONFLICT = OpenApiResponse(description="Someone else changed the record first (a stale state): reload and retry")


class Choice(serializers.ChoiceField):
    """A choice field whose values are one named component of the OpenAPI schema (LedgerStatusEnum …),
    so these choice sets never collide with another app's field of the same name (a unit's `kind`)."""

    def __init__(self, enum_name: str, choices: Any, **kwargs: Any) -> None:
        self.enum_name = enum_name
        super().__init__(choices, **kwargs)


class ChoiceSchema(OpenApiSerializerFieldExtension):  # type: ignore[no-untyped-call]  # drf-spectacular's __init_subclass__ is unannotated
    """drf-spectacular: a `Choice` is a $ref to its named enum (a blank value allowed beside it if asked)."""

    target_class = Choice
    match_subclasses = True

    def map_serializer_field(self, auto_schema: AutoSchema, direction: Direction) -> dict[str, Any]:
        field = self.target
        values = [v for v in field.choices if v not in ("", None)]
        component = ResolvedComponent(  # type: ignore[no-untyped-call]  # drf-spectacular leaves it unannotated
            name=field.enum_name, type=ResolvedComponent.SCHEMA, object=field.enum_name,
            schema={"type": "string", "enum": values,
                    "description": build_choice_description_list([(v, field.choices[v]) for v in values])})
        auto_schema.registry.register_on_missing(component)
        if field.allow_blank:
            return {"oneOf": [component.ref, {"type": "string", "enum": [""]}]}
        return component.ref


class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


# For the serializer of a versioned definition (`core.versioning`: a form, a checklist): its
# `latest_version` number and `definition`, read from `ordered_versions` (newest first) when the
# viewset prefetched them, else from the database. The serializer declares the two fields. (A comment,
# not a docstring: drf-spectacular would publish a mixin's docstring as each schema's description.)
class LatestVersionFields:

    def _latest(self, identity: Any) -> Any:
        versions = getattr(identity, "ordered_versions", None)
        if versions is None:
            return identity.latest_version()
        return versions[0] if versions else None

    def get_latest_version(self, identity: Any) -> int | None:
        latest = self._latest(identity)
        return latest.number if latest else None

    @extend_schema_field({"type": "object", "nullable": True, "additionalProperties": {}})
    def get_definition(self, identity: Any) -> dict[str, Any] | None:
        latest = self._latest(identity)
        return latest.definition if latest else None
