"""Web pages for the unit registry's Excel export, import template and import.

The export holds exactly the units of the list page for the same query (same scope, same
filter); more than TONGXIN_EXPORT_BACKGROUND_ROWS of them are written by a background job
(core.exports) behind a progress page, fewer are downloaded at once.

The import is two steps: an upload is checked in full and shown as a preview (every row as it
would be saved, whether it adds, changes, leaves or skips a unit, and the notices about it), with
nothing saved; errors (which stop the import) and notices (which do not) are shown apart; the
user then confirms, and the same file is imported for real (checked again, all or nothing).
Any bad file answers 400 with the full error table, never a 500; a user who may not create
units gets 403.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tongxin.accounts.models import User
from tongxin.core import exports
from tongxin.core.views_base import ScopedCreateView, ScopedExportView
from tongxin.core.xlsx import ImportResult, staging
from tongxin.units import excel, scope
from tongxin.units.forms import UnitImportForm
from tongxin.units.models import Unit

MAX_ERRORS_SHOWN = 500
MAX_PREVIEW_SHOWN = 500
SESSION_KEY = "units_import_staged"


class UnitExportView(ScopedExportView):
    """The units of the list page for the same query, as Excel: a download when small, else a background
    export (core.exports, above TONGXIN_EXPORT_BACKGROUND_ROWS rows) and its progress page."""

    scope_mode = scope.REGISTRY
    model = Unit

    def get(self, request: HttpRequest) -> HttpResponseBase:
        units = excel.filtered(self.get_queryset(), request.user, request.GET)
        rows = units.count()
        if exports.is_large(rows):  # written by a background job: the page answers at once
            return redirect("exports:progress", excel.start_export(request.user, request.GET, rows).token)
        return excel.export_response(request.user, units, request.GET.dict())


class ImportTemplateView(ScopedExportView):
    def get(self, request: HttpRequest) -> FileResponse:
        return excel.template_response()


export_units = UnitExportView.as_view()
import_template = ImportTemplateView.as_view()


def _owner(request: HttpRequest) -> int:
    """The id of the signed-in user the staged file belongs to (the page needs a login: one of our users)."""
    return cast(User, request.user).pk


def _outcomes() -> dict[str, str]:
    return {excel.CREATED: _("新增"), excel.UPDATED: _("更新"), excel.UNCHANGED: _("无变化"), excel.SKIPPED: _("跳过")}


def _file_notices(result: ImportResult) -> list[Any]:
    """The notices not shown on a previewed row: about the file, its header row and the rows not read."""
    shown = {row.number for row in result.preview[:MAX_PREVIEW_SHOWN]}
    return [n for n in result.notices if not set(n.rows) & shown]


def _preview_rows(result: ImportResult) -> list[dict[str, Any]]:
    """Each previewed row with its outcome, its values by header and the notices about it."""
    labels = _outcomes()
    notes: dict[int, list[str]] = {}
    for n in result.notices:
        for number in n.rows:
            notes.setdefault(number, []).append(f"{n.header}：{n.message}" if n.header else n.message)
    return [{"number": row.number, "outcome": row.outcome, "label": labels.get(row.outcome, row.outcome),
             "cells": list(zip(excel.HEADERS, row.values, strict=True)),
             "notes": [] if row.outcome == excel.SKIPPED else notes.get(row.number, []), "note": row.note}
            for row in result.preview[:MAX_PREVIEW_SHOWN]]


class UnitImportView(ScopedCreateView):
    write_mode = scope.WRITE
    template_name = "units/unit_import.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not scope.scope_of(request.user).write_prefixes:
            raise PermissionDenied(_("您的角色不能导入单位"))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._page(request, UnitImportForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        if "confirm" in request.POST:
            return self._confirm(request)
        form = UnitImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._page(request, form, status=400)
        upload = form.cleaned_data["file"]
        result = excel.import_units(request.user, upload, dry_run=True)
        if not result.ok:
            return self._page(request, form, result=result, status=400)
        self._discard(request)
        token = staging.stage(upload, owner=_owner(request))
        request.session[SESSION_KEY] = {"token": token, "filename": str(upload.name)[:200]}
        return self._page(request, UnitImportForm(), result=result, token=token)

    def _confirm(self, request: HttpRequest) -> HttpResponse:
        staged = request.session.get(SESSION_KEY) or {}
        token = staged.get("token", "")
        stored = staging.open_staged(token, owner=_owner(request)) if token == request.POST.get("token") else None
        if stored is None:
            return self._page(request, UnitImportForm(), status=400,
                              problem=_("预览已失效（超时或已导入）：请重新上传文件"))
        with stored:
            result = excel.import_units(request.user, stored, filename=staged.get("filename", ""))
        self._discard(request)
        if not result.ok:
            return self._page(request, UnitImportForm(), result=result, status=400)
        messages.success(request, _("导入完成：共 %(rows)s 行，新增 %(created)s 个单位，更新 %(updated)s 个，"
                                    "%(unchanged)s 个无变化，跳过 %(skipped)s 行") % {
            "rows": result.rows, "created": result.counts[excel.CREATED], "updated": result.counts[excel.UPDATED],
            "unchanged": result.counts[excel.UNCHANGED], "skipped": result.counts[excel.SKIPPED],
        })
        return redirect("units:list")

    def _discard(self, request: HttpRequest) -> None:
        staged = request.session.pop(SESSION_KEY, None) or {}
        if staged.get("token"):
            staging.discard(staged["token"], owner=_owner(request))

    def _page(self, request: HttpRequest, form: Form, result: ImportResult | None = None, status: int = 200,
              token: str = "", problem: str = "") -> HttpResponse:
        errors = result.errors if result else []
        preview = result.preview if result and result.ok else []
        labels = _outcomes()
        notices = result.notices if result else []
        return render(request, self.template_name, {
            "form": form,
            "problem": problem,
            "errors": errors[:MAX_ERRORS_SHOWN],
            "error_count": len(errors),
            "hidden_errors": max(len(errors) - MAX_ERRORS_SHOWN, 0),
            # Notices about the file and its columns stand apart; those about a row are also shown on it.
            "notices": (_file_notices(result) if token and result else notices)[:MAX_ERRORS_SHOWN],
            "notice_count": len(notices),
            "token": token,
            "preview": _preview_rows(result) if result and result.ok else [],
            "preview_count": len(preview),
            "hidden_preview": max(len(preview) - MAX_PREVIEW_SHOWN, 0),
            "counts": {key: result.counts[key] for key in labels} if result else {},
            "headers": excel.HEADERS,
        }, status=status)
