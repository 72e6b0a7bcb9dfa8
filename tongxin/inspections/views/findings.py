"""Reviewing the findings (edit, merge, drop, fixed on the spot) and finishing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from tongxin.inspections import services
from tongxin.inspections.forms import (
    FindingForm,
    FinishForm,
    add_service_errors,
    checklist,
    files_of,
    progress_of,
    severity_badge,
)
from tongxin.inspections.models import Finding, Inspection
from tongxin.inspections.views.common import (
    MAX_FILES,
    InspectionView,
    finished_redirect,
    guard,
    steps_for,
    stored_files,
)


def default_deadline(inspection: Inspection, finding: Finding) -> dt.date:
    return inspection.day + dt.timedelta(days=services.DEFAULT_DAYS.get(finding.severity, 7))


def findings_context(request: HttpRequest, inspection: Inspection, *, bound: dict[int, FindingForm] | None = None,
                     errors: dict[int, list[str]] | None = None,
                     finish_form: FinishForm | None = None) -> dict[str, Any]:
    bound, errors = bound or {}, errors or {}
    steps = steps_for(request.user, inspection)
    _sections, rows = checklist(inspection)
    findings = list(inspection.findings.prefetch_related("attachments").order_by("id"))
    live = [f for f in findings if not f.dropped and f.merged_into_id is None]
    cards = []
    for f in findings:
        initial = {k: getattr(f, k) for k in ("description", "severity", "category", "required_measure", "deadline")}
        cards.append({
            "finding": f, "live": f in live, "severity": severity_badge(f.severity),
            "items": [rows[k] for k in f.item_keys if k in rows], "files": files_of(f.attachments.all()),
            "evidence": [file for k in f.item_keys if k in rows for file in rows[k]["files"]],
            "form": bound.get(f.pk) or FindingForm(initial=initial, prefix=f"f{f.pk}",
                                                   default_deadline=default_deadline(inspection, f)),
            "merge_targets": [o for o in live if o.pk != f.pk], "errors": errors.get(f.pk, []),
            "merged": [o for o in findings if o.merged_into_id == f.pk]})
    return {"inspection": inspection, "cards": cards, "live_count": len(live),
            "fixed_count": sum(f.fixed_on_spot for f in live), "progress": progress_of(rows, inspection),
            "finish_form": finish_form or FinishForm(initial={"summary": inspection.summary}),
            "steps": steps, "can_act": "review" in steps, "max_files": MAX_FILES}


def render_findings(request: HttpRequest, inspection: Inspection, status: int = 200, **kwargs: Any) -> HttpResponse:
    return render(request, "inspections/findings.html", findings_context(request, inspection, **kwargs),
                  status=status)


class FindingsView(InspectionView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse | HttpResponseRedirect:
        inspection = self.get_object()
        if inspection.status != Inspection.Status.DRAFT:
            return redirect("inspections:detail", pk=inspection.pk)
        return render_findings(request, inspection)


class FindingView(InspectionView):
    """One finding's action: save (edit), drop, restore, merge (into another), fix (立查立改), unfix."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int, finding_id: int) -> HttpResponse | HttpResponseRedirect:
        user = request.user
        inspection = self.get_object()
        if not guard(user, inspection, "review"):
            return finished_redirect(request, inspection)
        finding = self.get_object(Finding.objects.filter(inspection=inspection), pk=finding_id)
        action = request.POST.get("action", "")
        try:
            with transaction.atomic():
                done = self.act(request, inspection, finding, action)
        except ValidationError as exc:
            form = getattr(self, "form", None)
            if form is None:
                return render_findings(request, inspection, status=400, errors={finding.pk: exc.messages})
            add_service_errors(form, exc)
            return render_findings(request, inspection, status=400, bound={finding.pk: form})
        messages.success(request, done)
        anchor = f"finding-{finding.merged_into_id or finding.pk}"
        return redirect(reverse("inspections:findings", args=[inspection.pk]) + f"#{anchor}")

    def act(self, request: HttpRequest, inspection: Inspection, finding: Finding, action: str) -> str:
        user = request.user
        if action == "save":
            self.form = FindingForm(request.POST, prefix=f"f{finding.pk}",
                                    default_deadline=default_deadline(inspection, finding))
            if not self.form.is_valid():
                raise ValidationError({})
            services.edit_finding(user, finding, **self.form.values())
            return _("问题已修改")
        if action in ("drop", "restore"):
            services.edit_finding(user, finding, dropped=action == "drop")
            return _("问题已删除，不会录入台账") if action == "drop" else _("问题已恢复")
        if action == "merge":
            target = Finding.objects.filter(pk=request.POST.get("into") or 0, inspection=inspection, dropped=False,
                                            merged_into__isnull=True).exclude(pk=finding.pk).first() \
                if str(request.POST.get("into", "")).isdigit() else None
            if target is None:
                raise ValidationError(_("请选择要合并到的问题"))
            services.merge_findings(user, target, [finding])
            finding.merged_into_id = target.pk
            return _("已合并")
        if action == "fix":
            files = stored_files(request, inspection)
            if not files and not finding.attachments.exists():
                raise ValidationError(_("立查立改须上传整改后的照片"))
            services.edit_finding(user, finding, fixed_on_spot=True, attachments=files)
            return _("已记为立查立改，完成检查时直接销号")
        if action == "unfix":
            services.edit_finding(user, finding, fixed_on_spot=False)
            return _("已取消立查立改")
        raise ValidationError(_("未知的操作"))


class FinishView(InspectionView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse | HttpResponseRedirect:
        user = request.user
        inspection = self.get_object()
        if not guard(user, inspection, "finish"):
            return finished_redirect(request, inspection)
        form = FinishForm(request.POST)
        if form.is_valid():
            try:
                entries = services.finish_inspection(user, inspection, summary=form.cleaned_data["summary"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("检查已完成，%(n)s 个问题已录入问题台账") % {"n": len(entries)}
                                 if entries else _("检查已完成，未发现问题"))
                return redirect("inspections:detail", pk=inspection.pk)
        return render_findings(request, inspection, status=400, finish_form=form)
