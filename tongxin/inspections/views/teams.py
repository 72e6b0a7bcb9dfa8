"""Forming a supervision team."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from tongxin.core.views_base import ScopedCreateView
from tongxin.inspections import services
from tongxin.inspections.forms import (
    TeamForm,
    add_service_errors,
    bureaus_filed_by,
)


class TeamCreateView(ScopedCreateView):
    template_name = "inspections/team_form.html"

    def allowed(self, request: HttpRequest) -> None:
        if not bureaus_filed_by(request.user).exists():
            raise PermissionDenied(_("只有民政部门的业务人员可以组建督导组"))

    def get(self, request: HttpRequest) -> HttpResponse:
        self.allowed(request)
        return render(request, self.template_name, {"form": TeamForm(request.user)})

    def post(self, request: HttpRequest) -> HttpResponse | HttpResponseRedirect:
        self.allowed(request)
        form = TeamForm(request.user, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                team = services.create_team(request.user, name=data["name"], bureau=data["bureau"],
                                            start_date=data["start_date"], end_date=data["end_date"],
                                            members=list(data["members"]), outside_members=data["outside_members"],
                                            campaign=data["campaign"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("督导组“%(name)s”已组建") % {"name": team.name})
                return redirect(reverse("inspections:start") + f"?kind=supervision&team={team.pk}")
        return render(request, self.template_name, {"form": form}, status=400)
