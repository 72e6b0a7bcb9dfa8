"""Scoped base classes: every page, export and API endpoint that reaches a user inherits one.

A new view gets scope by subclassing, not by remembering (DESIGN.md §4; NetBox's ObjectView and
restricted querysets are the model). The base classes

- restrict every queryset they hand out to the user's scope (`restrict`, in `scope_mode`), so a
  detail page or a viewset's retrieve answers 404 for an object outside it;
- look objects up through that queryset (`get_object`: 404 outside the scope; in an update view,
  403 where the user sees the object but may not change it);
- read a region code from the query string through the one resolver, `scope.region_from_request`
  (`get_region`: 400 for a malformed code, 404 outside the scope).

They live in core so that core's own pages (audit trail, notifications) inherit them too; the
policy they apply is `units.scope`, reached through `Model.objects.restrict` and the resolver hook
in `core.querysets` (core imports no app of ours).

Pages need a login because `LoginRequiredMiddleware` closes every page that does not opt out; API
views are closed by DRF's `IsAuthenticated` (the middleware leaves them to DRF so that they answer
401/403 in JSON).

    class ReportDetailView(ScopedDetailView):
        queryset = Report.objects.select_related("unit", "assignment")
        template_name = "reports/report_detail.html"

    class ReportViewSet(ScopedReadOnlyModelViewSet):
        queryset = Report.objects.select_related("unit")
        serializer_class = ReportSerializer
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView
from django_filters.views import FilterView
from rest_framework import mixins, viewsets

from tongxin.core import querysets
from tongxin.core.api import WordedNotFound
from tongxin.core.types import Actor

_M = TypeVar("_M", bound=Model)

if TYPE_CHECKING:  # Django's generic views take their model as a type argument only in the stubs
    _ListView = ListView[Any]
    _DetailView = DetailView[Any]
else:
    _ListView, _DetailView = ListView, DetailView

READ, WRITE, FILE = "read", "write", "file"  # the modes of units.scope most views use


def scoped(queryset: QuerySet[_M], user: Actor, mode: str) -> QuerySet[_M]:
    """The one call through which every base class below narrows a queryset."""
    if not isinstance(queryset, querysets.ScopedQuerySet):
        raise ImproperlyConfigured(f"{queryset.model.__name__}'s default manager is not a ScopedQuerySet")
    return queryset.restrict(user, mode)


class ScopedMixin:
    """What every scoped web view and viewset shares: `restrict` and `get_region`."""

    scope_mode: str = READ
    request: Any

    def restrict(self, queryset: QuerySet[_M], mode: str | None = None) -> QuerySet[_M]:
        """`queryset` narrowed to what the user reaches in `mode` (default: the view's scope_mode)."""
        return scoped(queryset, self.request.user, mode or self.scope_mode)

    def get_region(self, param: str = "region", **kwargs: Any) -> Any:
        """The region named in the query string: see `units.scope.region_from_request`."""
        return querysets.region_from_request(self.request, param, **kwargs)


# --- web pages ---------------------------------------------------------------------------------------

class ScopedView(ScopedMixin, View):
    """Any page. Set `queryset` (or `model`) to look objects up with `get_object`."""

    queryset: QuerySet[Any] | None = None
    model: type[Model] | None = None
    pk_url_kwarg = "pk"
    not_found = gettext_lazy("找不到该记录，或您无权查看")

    def get_queryset(self, mode: str | None = None) -> QuerySet[Any]:
        if self.queryset is not None:
            qs = self.queryset.all()
        elif self.model is not None:
            qs = self.model._default_manager.all()
        else:
            raise ImproperlyConfigured(f"{type(self).__name__} needs a queryset or a model")
        return self.restrict(qs, mode)

    def get_object(self, queryset: QuerySet[Any] | None = None, mode: str | None = None, **lookup: Any) -> Any:
        """One object from the user's scope (default lookup: pk from the URL), else 404."""
        qs = self.restrict(queryset, mode) if queryset is not None else self.get_queryset(mode)
        if not lookup:
            lookup = {"pk": self.kwargs[self.pk_url_kwarg]}
        try:
            return qs.get(**lookup)
        except (qs.model.DoesNotExist, ValueError, TypeError, OverflowError):
            raise Http404(self.not_found) from None


class ScopedUpdateView(ScopedView):
    """A page that changes one object: 404 outside the user's scope, 403 where the user sees the
    object but may not change it (`write_mode`), before any method handler runs."""

    write_mode: str = FILE
    refusal = gettext_lazy("您的角色不能修改该记录")

    def get_object(self, queryset: QuerySet[Any] | None = None, mode: str | None = None, **lookup: Any) -> Any:
        obj = super().get_object(queryset, mode, **lookup)
        if not self.restrict(type(obj)._default_manager.filter(pk=obj.pk), self.write_mode).exists():
            raise PermissionDenied(self.refusal)
        return obj


class ScopedCreateView(ScopedView):
    """A page that creates something for a unit: the units it may be for are `creatable(queryset)`."""

    write_mode: str = FILE

    def creatable(self, queryset: QuerySet[_M]) -> QuerySet[_M]:
        return self.restrict(queryset, self.write_mode)


class ScopedRegionView(ScopedView):
    """A page about a region taken from the query string (`?region=430921`), via `get_region`."""


class ScopedExportView(ScopedView):
    """A download: read-only, GET only, built from querysets restricted like the page it mirrors."""

    http_method_names = ["get", "head"]


class ScopedTemplateView(ScopedMixin, TemplateView):
    """A page assembled from several restricted querysets (the home page)."""


class ScopedListView(ScopedMixin, _ListView):
    def get_queryset(self) -> QuerySet[Any]:
        return self.restrict(super().get_queryset())


class ScopedFilterView(ScopedMixin, FilterView):
    """A list with a django-filter filterset (an invalid filter shows nothing)."""

    def get_queryset(self) -> QuerySet[Any]:
        return self.restrict(super().get_queryset())


class ScopedDetailView(ScopedMixin, _DetailView):
    def get_queryset(self) -> QuerySet[Any]:
        return self.restrict(super().get_queryset())

    def get_object(self, queryset: QuerySet[Any] | None = None) -> Any:
        try:
            return super().get_object(queryset)
        except (ValueError, TypeError, OverflowError):
            raise Http404(_("找不到该记录，或您无权查看")) from None


ViewFunction = Callable[..., HttpResponseBase]


def as_scoped_view(func: ViewFunction | None = None, *, methods: tuple[str, ...] = ("get",),
                   base: type[ScopedView] | None = None) -> Any:
    """A function view as a class inheriting `base` (ScopedView): for a page whose body is a
    function reading its own restricted querysets. `methods` are the HTTP methods it answers.
    Use bare (`@as_scoped_view`, GET only) or with arguments."""

    def wrap(f: ViewFunction) -> ViewFunction:
        def handler(self: ScopedView, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            return f(request, *args, **kwargs)

        attrs: dict[str, Any] = {m: handler for m in methods}
        attrs.update({"http_method_names": [*methods, "options"], "__doc__": f.__doc__, "__module__": f.__module__})
        cls: type[ScopedView] = type(f.__name__, (base or ScopedView,), attrs)
        view: Any = cls.as_view()
        view.__wrapped_function__ = f
        return view  # type: ignore[no-any-return]

    return wrap(func) if func is not None else wrap


# --- the API -----------------------------------------------------------------------------------------

class ScopedViewSetMixin(WordedNotFound, ScopedMixin):
    """For DRF viewsets: list, retrieve, update and actions see only the user's scope; an object
    outside it is a 404 in words that name no model."""

    def get_queryset(self) -> QuerySet[Any]:
        return self.restrict(super().get_queryset())

    def get_object(self) -> Any:
        try:
            return super().get_object()
        except (ValueError, TypeError, OverflowError):
            raise Http404(_("找不到该记录，或您无权查看")) from None


class ScopedGenericViewSet(ScopedViewSetMixin, viewsets.GenericViewSet[Any]):
    pass


class ScopedReadOnlyModelViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet[Any]):
    pass


class ScopedRetrieveViewSet(ScopedViewSetMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Any]):
    pass
