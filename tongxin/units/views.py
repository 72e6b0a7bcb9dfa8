"""Web pages for units: list, detail, create, edit (Excel import/export in excel_views)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core.views_base import ScopedCreateView, ScopedDetailView, ScopedFilterView, ScopedUpdateView
from tongxin.units import queries, scope, services
from tongxin.units.filters import UnitFilter
from tongxin.units.forms import UnitForm
from tongxin.units.models import Unit


class UnitListView(ScopedFilterView):
    scope_mode = scope.REGISTRY  # the registry is reference data: its keeper sees it too
    model = Unit
    queryset = Unit.objects.select_related("region", "supervisor")
    filterset_class = UnitFilter
    template_name = "units/unit_list.html"
    paginate_by = 25

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx: dict[str, Any] = super().get_context_data(**kwargs)
        ctx["can_create"] = bool(scope.scope_of(self.request.user).write_prefixes)
        query = self.request.GET.copy()
        query.pop("page", None)
        ctx["query_string"] = query.urlencode()
        query.pop("region", None)
        ctx["query_string_without_region"] = query.urlencode()
        return ctx


class UnitDetailView(ScopedDetailView):
    scope_mode = scope.REGISTRY
    model = Unit
    queryset = Unit.objects.select_related("region__parent__parent", "supervisor", "member_of")
    template_name = "units/unit_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["can_edit"] = scope.scope_of(user).covers(self.object, write=True)
        ctx["memberships"] = queries.memberships_of(user, self.object)
        ctx["members"] = self.restrict(self.object.members.all())[:100]
        return ctx


def _form_values(form: UnitForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in form.Meta.fields if name in form.cleaned_data}


class UnitCreateView(ScopedCreateView):
    write_mode = scope.WRITE
    template_name = "units/unit_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not scope.scope_of(request.user).write_prefixes:
            raise PermissionDenied(_("您的角色不能新增单位"))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": UnitForm(user=request.user)})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = UnitForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                unit = services.create_unit(request.user, **_form_values(form))
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("已新增单位：%(name)s") % {"name": unit.name})
                return redirect("units:detail", pk=unit.pk)
        return render(request, self.template_name, {"form": form}, status=400)


class UnitUpdateView(ScopedUpdateView):
    scope_mode, write_mode = scope.REGISTRY, scope.WRITE
    model = Unit
    refusal = gettext_lazy("您的角色不能修改该单位的信息")
    template_name = "units/unit_form.html"

    def _unit(self, request: HttpRequest, pk: int) -> Unit:
        return self.get_object()

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        unit = self._unit(request, pk)
        return render(request, self.template_name, {"form": UnitForm(instance=unit, user=request.user),
                                                    "object": unit})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        unit = self._unit(request, pk)
        form = UnitForm(request.POST, instance=Unit.objects.get(pk=unit.pk), user=request.user)
        if form.is_valid():
            try:
                services.update_unit(request.user, unit, **_form_values(form))
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("已保存"))
                return redirect("units:detail", pk=unit.pk)
        return render(request, self.template_name, {"form": form, "object": unit}, status=400)


def _add_errors(form: BaseForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
