"""Web pages for the unit registry's Excel export, import template and import.

The export holds exactly the units of the list page for the same query (same scope, same
filter). The import page answers 400 with the full error table for any bad file, never a 500;
a user who may not create units gets 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tongxin.core.views_base import ScopedCreateView, ScopedExportView
from tongxin.units import excel, scope
from tongxin.units.filters import UnitFilter
from tongxin.units.forms import UnitImportForm
from tongxin.units.models import Unit

MAX_ERRORS_SHOWN = 500


class UnitExportView(ScopedExportView):
    """The units of the list page for the same query, as Excel."""

    scope_mode = scope.REGISTRY
    queryset = Unit.objects.select_related("region", "supervisor")

    def get(self, request: HttpRequest) -> FileResponse:
        units = self.get_queryset()
        # As django-filter's FilterView does for the list page: an invalid filter shows nothing.
        filterset = UnitFilter(request.GET or None, queryset=units, request=request)
        if filterset.is_bound and not filterset.is_valid():
            units = units.none()
        else:
            units = filterset.qs
        return excel.export_response(request.user, units, request.GET.dict())


class ImportTemplateView(ScopedExportView):
    def get(self, request: HttpRequest) -> FileResponse:
        return excel.template_response()


export_units = UnitExportView.as_view()
import_template = ImportTemplateView.as_view()


class UnitImportView(ScopedCreateView):
    write_mode = scope.WRITE
    template_name = "units/unit_import.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not scope.scope_of(request.user).write_prefixes:
            raise PermissionDenied(_("您的角色不能导入单位"))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._page(request, UnitImportForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = UnitImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._page(request, form, status=400)
        result = excel.import_units(request.user, form.cleaned_data["file"])
        if not result.ok:
            return self._page(request, form, result=result, status=400)
        messages.success(request, _("导入完成：共 %(rows)s 行，新增 %(created)s 个单位，更新 %(updated)s 个，"
                                    "%(unchanged)s 个无变化") % {
            "rows": result.rows, "created": result.created, "updated": result.updated,
            "unchanged": result.unchanged,
        })
        return redirect("units:list")

    def _page(self, request, form, result=None, status=200) -> HttpResponse:
        errors = result.errors if result else []
        return render(request, self.template_name, {
            "form": form,
            "errors": errors[:MAX_ERRORS_SHOWN],
            "error_count": len(errors),
            "hidden_errors": max(len(errors) - MAX_ERRORS_SHOWN, 0),
            "headers": excel.HEADERS,
        }, status=status)
