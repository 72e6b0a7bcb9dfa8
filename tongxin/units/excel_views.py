"""Web pages for the unit registry's Excel export, import template and import.

The export holds exactly the units of the list page for the same query (same scope, same
filter). The import page answers 400 with the full error table for any bad file, never a 500;
a user who may not create units gets 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_GET

from tongxin.units import excel, queries, scope
from tongxin.units.filters import UnitFilter
from tongxin.units.forms import UnitImportForm

MAX_ERRORS_SHOWN = 500


@login_required
@require_GET
def export_units(request: HttpRequest) -> FileResponse:
    units = queries.visible_units(request.user)
    # As django-filter's FilterView does for the list page: an invalid filter shows nothing.
    filterset = UnitFilter(request.GET or None, queryset=units, request=request)
    if filterset.is_bound and not filterset.is_valid():
        units = units.none()
    else:
        units = filterset.qs
    return excel.export_response(request.user, units, request.GET.dict())


@login_required
@require_GET
def import_template(request: HttpRequest) -> FileResponse:
    return excel.template_response()


class UnitImportView(LoginRequiredMixin, View):
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
