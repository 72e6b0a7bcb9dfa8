"""Pages of responses (应急响应): the list (in force first, each region's current level), declaring
one, one response with its history, and the level and end buttons.

A response is looked up in the user's scope (declared there, or in force over the user's area);
outside it the answer is 404. Every write goes through `command.services.responses`; a refused
change re-shows the page with the service's words (status 400) and saves nothing, and one the user
may not make is a 403 with words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.command.forms.responses import DeclareForm, EndForm, LevelForm
from tongxin.command.models import Response
from tongxin.command.queries import responses as queries
from tongxin.command.services import responses as services
from tongxin.core.views_base import ScopedCreateView, ScopedView, as_scoped_view
from tongxin.regions.models import Region
from tongxin.units import scope
from tongxin.units.models import Unit

PAGE_SIZE = 20
MAX_REGIONS = 40


def _places(request: HttpRequest) -> list[Region]:
    """The regions whose current level the list shows: the user's own areas and the level below the first."""
    tops = scope.top_regions(request.user)
    if not tops:
        own = Unit.objects.filter(pk__in=scope.scope_of(request.user).units.get(scope.READ, frozenset()))
        codes = sorted(set(own.values_list("region_id", flat=True)))
        return list(Region.objects.filter(code__in=codes).order_by("code"))[:MAX_REGIONS]
    children = list(tops[0].children.order_by("code")[:MAX_REGIONS]) if tops[0].level < Region.Level.COUNTY else []
    return [*tops, *children][:MAX_REGIONS]


@as_scoped_view
def response_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    page = Paginator(queries.visible(request.user, now), PAGE_SIZE).get_page(request.GET.get("page"))
    for r in page:
        r.state_name = queries.state_of(r, now)  # type: ignore[attr-defined]  # for the template
    places = _places(request)
    current = queries.levels([p.code for p in places], now)
    return render(request, "command/response_list.html", {
        "page_obj": page, "now": now,
        "places": [{"region": p, "response": current.get(p.code)} for p in places],
        "can_declare": bool(services.officer_bureaus(request.user)),
    })


@as_scoped_view(methods=("get", "post"), base=ScopedCreateView)
def response_declare(request: HttpRequest) -> HttpResponse:
    if not services.officer_bureaus(request.user):
        raise PermissionDenied(_("只有民政部门的业务人员或负责人可以启动应急响应"))
    if request.method == "GET":
        initial = {"starts_at": timezone.localtime().replace(second=0, microsecond=0), "level": 4}
        return render(request, "command/response_form.html", {"form": DeclareForm(user=request.user,
                                                                                    initial=initial)})
    form = DeclareForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            response = services.declare(request.user, **form.service_values())
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("您无权进行此操作"))
        else:
            messages.success(request, _("已启动：%(name)s") % {"name": str(response)})
            return redirect("command:response-detail", pk=response.pk)
    return render(request, "command/response_form.html", {"form": form}, status=400)


class ResponseView(ScopedView):
    queryset = Response.objects.select_related("region", "declared_by__region", "created_by")


def _detail(request: HttpRequest, response: Response, *, level_form: LevelForm | None = None,
            end_form: EndForm | None = None, error: list[str] | None = None, status: int = 200) -> HttpResponse:
    now = timezone.now()
    bureaus = services.officer_bureaus(request.user)
    declaring = any(b.pk == response.declared_by_id for b in bureaus)
    above = any(b.region_id != response.region_id and response.region_id.startswith(b.region.prefix)
                for b in bureaus)
    state = queries.state_of(response, now)
    return render(request, "command/response_detail.html", {
        "response": response, "state": state, "events": queries.history(response),
        "may_raise": state != queries.ENDED and (declaring or above) and response.level > 1,
        "may_lower": state != queries.ENDED and declaring and response.level < 4,
        "may_end": state != queries.ENDED and declaring,
        "from_above": above and not declaring,
        "level_form": level_form or LevelForm(initial={"level": max(response.level - 1, 1)}),
        "end_form": end_form or EndForm(), "error": error or [],
    }, status=status)


class ResponseDetailView(ResponseView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _detail(request, self.get_object())


def _errors(exc: ValidationError) -> list[str]:
    return exc.messages


class ResponseLevelView(ResponseView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        response = self.get_object()
        form = LevelForm(request.POST)
        if not form.is_valid():
            return _detail(request, response, level_form=form, error=[_("请检查下面标出的内容")], status=400)
        try:
            services.change_level(request.user, response, level=form.cleaned_data["level"],
                                  note=form.cleaned_data["note"])
        except ValidationError as exc:
            return _detail(request, self.get_object(), level_form=form, error=_errors(exc), status=400)
        messages.success(request, _("响应级别已调整"))
        return redirect("command:response-detail", pk=response.pk)


class ResponseEndView(ResponseView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        response = self.get_object()
        form = EndForm(request.POST)
        if not form.is_valid():
            return _detail(request, response, end_form=form, error=[_("请检查下面标出的内容")], status=400)
        try:
            services.end(request.user, response, note=form.cleaned_data["note"])
        except ValidationError as exc:
            return _detail(request, self.get_object(), end_form=form, error=_errors(exc), status=400)
        messages.success(request, _("应急响应已结束"))
        return redirect("command:response-detail", pk=response.pk)


def level_panel(request: Any, region_code: str, child_codes: Sequence[str],
                at: dt.datetime) -> dict[str, Any] | None:
    """The overview's panel: the response in force over the region on screen at `at` (kind, level,
    since, by whom) and each child region's level then; None where none is in force anywhere shown."""
    current = queries.levels([region_code, *child_codes], at)
    if not current:
        return None
    return {"response": current.get(region_code), "cells": {c: current.get(c) for c in child_codes}}


urlpatterns = [
    path("responses/", response_list, name="responses"),
    path("responses/new/", response_declare, name="response-declare"),
    path("responses/<int:pk>/", ResponseDetailView.as_view(), name="response-detail"),
    path("responses/<int:pk>/level/", ResponseLevelView.as_view(), name="response-level"),
    path("responses/<int:pk>/end/", ResponseEndView.as_view(), name="response-end"),
]
