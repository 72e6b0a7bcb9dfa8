"""What the inspection pages share: looking an inspection up in scope, asking the workflow, stored photos."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from tongxin.core.models import Attachment
from tongxin.core.types import Actor
from tongxin.core.uploads import store_attachment
from tongxin.core.views_base import ScopedView
from tongxin.core.workflow import Transition
from tongxin.inspections import ledger_sources, services
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
MAX_NOTE = services.MAX_NOTE  # the one limit, shared with the API
MAX_VALUE = 500  # Answer.value's length


INSPECTIONS = Inspection.objects.select_related("unit__region", "team", "campaign", "version__template", "inspector")


def visible_inspections(user: Actor) -> QuerySet[Inspection]:
    return scope.restrict(INSPECTIONS, user)


class InspectionView(ScopedView):
    """A page about inspections: `get_queryset()` holds those in the user's scope, and `get_object()`
    finds the one of `pk` in the URL among them, else 404."""

    queryset = INSPECTIONS


def steps_for(user: Actor, inspection: Inspection) -> dict[str, Transition]:
    """{name: transition} the user may take on the inspection now: the workflow's answer, for the page."""
    return {t.name: t for t in services.WORKFLOW.allowed_for(user, inspection)}


def guard(user: Actor, inspection: Inspection, step: str = "answer") -> bool:
    """Ask the workflow before a write: 403 (its guard's words) for a user who sees the inspection but
    may not work on it; False once it is finished, for a polite redirect."""
    try:
        services.WORKFLOW.take(user, inspection, step)
    except ValidationError:
        return False
    return True


def finished_redirect(request: HttpRequest, inspection: Inspection) -> HttpResponseRedirect:
    messages.warning(request, _("检查已完成，不能再修改"))
    return redirect("inspections:detail", pk=inspection.pk)


def page_context(request: HttpRequest, inspection: Inspection) -> dict[str, Any]:
    sections, rows = checklist(inspection)
    steps = steps_for(request.user, inspection)
    entries = []
    if inspection.status == Inspection.Status.FINISHED:
        for e in ledger_queries.raised_by(request.user, ledger_sources.KINDS, inspection.pk):
            entries.append({"entry": e, "url": optional_url("ledger:detail", e.pk),
                            "severity": severity_badge(e.severity)})
    return {"inspection": inspection, "sections": sections, "rows": rows, "steps": steps,
            "can_act": "answer" in steps,
            "progress": progress_of(rows, inspection), "entries": entries, "max_files": MAX_FILES}


def stored_files(request: HttpRequest, inspection: Inspection, field: str = "photos") -> list[Attachment]:
    """Store the uploaded files of `field` (inside the caller's transaction); ValidationError if refused."""
    uploads = request.FILES.getlist(field)
    if len(uploads) > MAX_FILES:
        raise ValidationError({"file": [_("每次最多上传 %(n)s 个文件") % {"n": MAX_FILES}]})
    return [store_attachment(f, uploaded_by=request.user, unit_id=inspection.unit_id) for f in uploads]
