"""A problem named in a daily report onto the ledger (`reports:raise-entry`).

The report page shows, to an officer of a bureau above the unit, a small form pre-filled from the
report's 发现的问题; posting it calls `services.raise_entry` (scope-checked, audited, one
transaction) and goes to the new ledger entry. A refusal re-shows the report page with the
service's words (status 400) and changes nothing. The entries raised from a report are listed on
its page (`raised_entries`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core.types import Actor
from tongxin.core.views_base import ScopedView
from tongxin.ledger import queries as ledger_queries
from tongxin.ledger.models import MAX_DESCRIPTION, Category, Severity
from tongxin.reports import ledger_sources, services
from tongxin.reports.models import Report

DEFAULT_DAYS = 7  # to put a problem right, unless the officer sets another deadline


class RaiseEntryForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("问题类别"), choices=Category.choices)
    severity = forms.ChoiceField(label=gettext_lazy("严重程度"), choices=Severity.choices, initial=Severity.GENERAL)
    deadline = forms.DateField(label=gettext_lazy("整改时限"),
                               widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    description = forms.CharField(label=gettext_lazy("问题描述"), max_length=MAX_DESCRIPTION,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    required_measure = forms.CharField(label=gettext_lazy("整改措施"), max_length=MAX_DESCRIPTION, required=False,
                                       widget=forms.Textarea(attrs={"rows": 2}))
    again = forms.BooleanField(label=gettext_lazy("另登记一条（报告中的另一问题）"), required=False)

    def __init__(self, *args: Any, report: Report, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"description": services.problems_in(report),
                                      "deadline": report.day + dt.timedelta(days=DEFAULT_DAYS)})
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name == "again":
                field.widget.attrs.setdefault("class", "form-check-input")
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def add_service_errors(self, exc: ValidationError) -> None:
        for key, errors in exc.message_dict.items():
            self.add_error(key if key in self.fields else None, errors)


def raised_entries(user: Actor, report: Report) -> list[dict[str, Any]]:
    """The ledger entries raised from this report that the user sees."""
    return [{"entry": e, "status": e.get_status_display()}
            for e in ledger_queries.raised_by(user, ledger_sources.DAILY_REPORT, report.pk)]


def raise_context(user: Actor, report: Report, form: RaiseEntryForm | None = None) -> dict[str, Any]:
    """What the report page needs for the 登记到问题台账 section."""
    can_raise = services.may_raise_entry(user, report) and bool(services.problems_in(report))
    if can_raise and form is None:
        form = RaiseEntryForm(report=report)
    raised = raised_entries(user, report)
    return {"can_raise": can_raise, "raise_form": form if can_raise else None, "raised": raised,
            "raising": form is not None and form.is_bound}


class RaiseEntryView(ScopedView):
    queryset = Report.objects.select_related("unit__region", "assignment", "form_version__form")
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        from tongxin.reports.views.filing import render_report  # filing imports this module

        report = self.get_object()
        if not services.may_raise_entry(request.user, report):
            raise PermissionDenied(_("只有主管民政部门的业务人员可以将报告中的问题登记到台账"))
        form = RaiseEntryForm(request.POST, report=report)
        if form.is_valid():
            d = form.cleaned_data
            try:
                entry = services.raise_entry(
                    request.user, report, category=d["category"], severity=d["severity"], deadline=d["deadline"],
                    description=d["description"], required_measure=d["required_measure"], again=d["again"])
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("已挂账：%(number)s") % {"number": entry.number})
                return redirect("ledger:detail", pk=entry.pk)
        return render_report(request, report, raise_form=form, status=400)


urlpatterns = [
    path("report/<int:pk>/raise-entry/", RaiseEntryView.as_view(), name="raise-entry"),
]
