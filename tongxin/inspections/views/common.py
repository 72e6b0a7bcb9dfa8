"""What the inspection pages share: looking an inspection up in scope, who may answer it, stored photos."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from tongxin.core.uploads import store_attachment
from tongxin.inspections import ledger_sources
from tongxin.inspections.forms import (
    checklist,
    optional_url,
    progress_of,
    severity_badge,
)
from tongxin.inspections.models import Inspection
from tongxin.ledger import queries as ledger_queries
from tongxin.units import scope

PAGE_SIZE = 25
MAX_FILES = 9
MAX_NOTE = 2000
MAX_VALUE = 500  # Answer.value's length




def visible_inspections(user):
    return scope.restrict(Inspection.objects.select_related(
        "unit__region", "team", "campaign", "version__template", "inspector"), user)


def get_inspection(user, pk: int) -> Inspection:
    return scope.get_visible(visible_inspections(user), user, pk=pk)


def may_answer(user, inspection: Inspection) -> bool:
    """The inspector or a member of its team (the rule services._editable enforces)."""
    return user.pk == inspection.inspector_id or (
        inspection.team_id is not None and inspection.team.members.filter(pk=user.pk).exists())


def guard(user, inspection: Inspection) -> bool:
    """403 for a user who sees the inspection but may not work on it; False once it is finished."""
    if not may_answer(user, inspection):
        raise PermissionDenied(_("只有检查人和督导组成员可以填写本次检查"))
    return inspection.status == Inspection.Status.DRAFT


def finished_redirect(request, inspection: Inspection):
    messages.warning(request, _("检查已完成，不能再修改"))
    return redirect("inspections:detail", pk=inspection.pk)


def page_context(request, inspection: Inspection) -> dict:
    sections, rows = checklist(inspection)
    can_act = inspection.status == Inspection.Status.DRAFT and may_answer(request.user, inspection)
    entries = []
    if inspection.status == Inspection.Status.FINISHED:
        for e in ledger_queries.raised_by(request.user, ledger_sources.KINDS, inspection.pk):
            entries.append({"entry": e, "url": optional_url("ledger:detail", e.pk),
                            "severity": severity_badge(e.severity)})
    return {"inspection": inspection, "sections": sections, "rows": rows, "can_act": can_act,
            "progress": progress_of(rows, inspection), "entries": entries, "max_files": MAX_FILES}




def stored_files(request, inspection: Inspection, field: str = "photos") -> list:
    """Store the uploaded files of `field` (inside the caller's transaction); ValidationError if refused."""
    uploads = request.FILES.getlist(field)
    if len(uploads) > MAX_FILES:
        raise ValidationError({"file": [_("每次最多上传 %(n)s 个文件") % {"n": MAX_FILES}]})
    return [store_attachment(f, uploaded_by=request.user, unit_id=inspection.unit_id) for f in uploads]
