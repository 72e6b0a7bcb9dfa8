"""The audit trail for auditors: search, page through, export. Read-only by construction.

Reading the trail is itself on the trail: each page of the list (a VIEW event) and each export (an
EXPORT event) records who read it and the search they used (`record_read`).

An auditor reads the events of their own bureau's region subtree (the AUDIT mode of the scope:
a county's auditor sees that county's events); the views inherit the scoped base classes, so the
list and the export hold exactly the same events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tongxin.core import audit
from tongxin.core.forms import AuditFilterForm
from tongxin.core.models import AuditEvent
from tongxin.core.views_base import ScopedExportView, ScopedListView
from tongxin.core.xlsx import csv_writer


def filtered_events(params: Mapping[str, Any] | None,
                    qs: QuerySet[AuditEvent] | None = None) -> tuple[AuditFilterForm, QuerySet[AuditEvent]]:
    """The events of `qs` matching the auditor's search (all of them when the form is empty or invalid)."""
    form = AuditFilterForm(params or None)
    qs = AuditEvent.objects.all() if qs is None else qs
    if form.is_valid():
        data = form.cleaned_data
        if data.get("q"):
            q = data["q"]
            qs = qs.filter(Q(actor_name__icontains=q) | Q(object_repr__icontains=q) | Q(unit_name__icontains=q))
        if data.get("action"):
            qs = qs.filter(action=data["action"])
        if data.get("object_type"):
            qs = qs.filter(object_type=data["object_type"])
        tz = timezone.get_current_timezone()
        if data.get("date_from"):
            qs = qs.filter(at__gte=dt.datetime.combine(data["date_from"], dt.time.min, tzinfo=tz))
        if data.get("date_to"):
            qs = qs.filter(at__lt=dt.datetime.combine(data["date_to"] + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    return form, qs


READ_PARAMS = ("q", "action", "object_type", "date_from", "date_to", "page")


def record_read(request: HttpRequest, action: str, what: str) -> None:
    """One audit event saying that `request.user` read the trail, with the search exactly as sent."""
    params = {key: request.GET.get(key, "")[:100] for key in READ_PARAMS if request.GET.get(key)}
    audit.record(action, actor=request.user, object_repr=what, changes=params)


class AuditListView(PermissionRequiredMixin, ScopedListView):
    permission_required = "core.view_auditevent"
    scope_mode = "audit"  # units.scope.AUDIT: the auditor's own bureau's subtree
    model = AuditEvent
    template_name = "core/audit_list.html"
    paginate_by = 50
    context_object_name = "events"
    form: AuditFilterForm

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        record_read(request, audit.Action.VIEW, _("审计日志查阅"))
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[AuditEvent]:
        self.form, qs = filtered_events(self.request.GET, super().get_queryset())
        return qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["form"] = self.form
        ctx["rows"] = audit.describe(list(ctx["events"]))
        query = self.request.GET.copy()
        query.pop("page", None)
        ctx["query_string"] = query.urlencode()
        return ctx


CHUNK = 500  # events described (and their names looked up) at a time in the export


class AuditExportView(PermissionRequiredMixin, ScopedExportView):
    """The matching events as CSV (UTF-8 with BOM so Excel opens Chinese correctly), streamed."""

    permission_required = "core.export_auditevent"
    scope_mode = "audit"  # units.scope.AUDIT: the auditor's own bureau's subtree
    model = AuditEvent

    def get(self, request: HttpRequest) -> StreamingHttpResponse:
        _form, qs = filtered_events(request.GET, self.get_queryset())
        record_read(request, audit.Action.EXPORT, _("审计日志导出"))
        writer = csv_writer()  # every cell neutralised: a login name like =HYPERLINK(...) stays text
        header = [_("时间"), _("操作"), _("操作人"), pgettext("organisation", "单位"), _("对象类型"), _("对象编号"),
                  _("对象"), _("变更"), _("IP 地址")]

        def rows() -> Iterator[str]:
            yield "\ufeff" + writer.writerow(header)
            chunk: list[AuditEvent] = []
            for e in qs.order_by("at", "id").iterator(chunk_size=CHUNK):
                chunk.append(e)
                if len(chunk) == CHUNK:
                    yield from lines(chunk)
                    chunk = []
            yield from lines(chunk)

        def lines(chunk: list[AuditEvent]) -> Iterator[str]:
            for v in audit.describe(chunk):  # a fixed number of queries per chunk for the names
                yield writer.writerow([
                    v.at.strftime("%Y-%m-%d %H:%M:%S"), v.action, v.actor, v.unit, v.object_type,
                    v.event.object_id, v.object, v.changes_text, v.event.ip or "",
                ])

        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        return response
