"""The pages of a background export (core.exports): its progress, and its file once written.

Every page looks the export up by its random token through the model's scope (its owner alone; anyone
else gets 404). The progress page refreshes its status box through htmx every two seconds until the
export is done or failed (no script of its own: the site's CSP allows none inline); without JavaScript
the page says to reload it. The download checks again that the owner still covers what the export
holds, and refuses an expired export with a page saying so (410).
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import path

from tongxin.core import exports
from tongxin.core.models import BackgroundExport
from tongxin.core.views_base import ScopedView
from tongxin.core.xlsx import XLSX_CONTENT_TYPE


class _ExportView(ScopedView):
    model = BackgroundExport  # scoped to its owner
    http_method_names = ["get", "head"]

    def export(self) -> BackgroundExport:
        export: BackgroundExport = self.get_object(token=str(self.kwargs["token"]))
        return export

    def context(self, export: BackgroundExport) -> dict[str, Any]:
        return {"export": export, "polling": export.state in (export.State.QUEUED, export.State.RUNNING)}


class ProgressView(_ExportView):
    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        return render(request, "core/export_progress.html", self.context(self.export()))


class StatusView(_ExportView):
    """The status box alone, which the progress page swaps in through htmx."""

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        response = render(request, "core/export_status.html", self.context(self.export()))
        response["Cache-Control"] = "no-store"
        return response


class DownloadView(_ExportView):
    def get(self, request: HttpRequest, token: str) -> HttpResponseBase:
        export = self.export()
        exports.check(export, request.user)
        stored = exports.open_file(export)
        if stored is None:
            return render(request, "core/export_progress.html", self.context(export),
                          status=410 if export.expired else 409)
        response = FileResponse(stored, as_attachment=True, filename=export.filename,
                                content_type=XLSX_CONTENT_TYPE)
        response["Cache-Control"] = "private, no-store"
        return response


urlpatterns = [
    path("<str:token>/", ProgressView.as_view(), name="progress"),
    path("<str:token>/status/", StatusView.as_view(), name="status"),
    path("<str:token>/download/", DownloadView.as_view(), name="download"),
]
