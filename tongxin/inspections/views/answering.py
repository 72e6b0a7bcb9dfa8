"""The list, starting an inspection, and answering it item by item on a phone."""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from tongxin.core.types import Actor
from tongxin.core.views_base import ScopedCreateView
from tongxin.inspections import services
from tongxin.inspections.forms import (
    InspectionFilterForm,
    StartForm,
    add_service_errors,
    bureaus_filed_by,
    model_field,
    next_anchor,
    optional_url,
    own_units,
    teams_of,
)
from tongxin.inspections.models import Inspection, Team
from tongxin.inspections.views.common import (
    MAX_NOTE,
    MAX_VALUE,
    PAGE_SIZE,
    InspectionView,
    finished_redirect,
    guard,
    page_context,
    stored_files,
)
from tongxin.units import scope
from tongxin.units.models import Unit

# --- the list ------------------------------------------------------------------------------------

class ListView(InspectionView):
    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        form = InspectionFilterForm(user, request.GET)
        qs = form.apply(self.get_queryset()).annotate(
            n_answers=Count("answers", distinct=True),
            n_findings=Count("findings", filter=Q(findings__dropped=False, findings__merged_into__isnull=True),
                             distinct=True)).order_by("-day", "-id")
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        for inspection in page:
            inspection.n_items = len(inspection.version.items())
        query = request.GET.copy()
        query.pop("page", None)
        unit_filter = None
        if form.is_valid() and form.cleaned_data.get("unit"):
            unit_filter = scope.restrict(Unit.objects.filter(pk=form.cleaned_data["unit"]), user).first()
        teams = teams_of(user).prefetch_related("members")
        all_units = query.copy()
        all_units.pop("unit", None)
        return render(request, "inspections/inspection_list.html", {
            "form": form, "page_obj": page, "query_string": query.urlencode(), "unit_filter": unit_filter,
            "all_units_query": all_units.urlencode(),
            "can_self": own_units(user).exists(), "teams": teams, "can_supervise": teams.exists(),
            "can_form_team": bureaus_filed_by(user).exists(), "campaigns_url": optional_url("inspections:campaigns")})


# --- starting ------------------------------------------------------------------------------------

def kinds_for(user: Actor) -> list[str]:
    kinds: list[str] = []
    if own_units(user).exists():
        kinds.append(Inspection.Kind.SELF)
    if teams_of(user).exists():
        kinds.append(Inspection.Kind.SUPERVISION)
    return kinds


class StartView(ScopedCreateView):
    template_name = "inspections/inspection_start.html"

    def kind(self, request: HttpRequest, data: Mapping[str, str]) -> tuple[str, list[str]]:
        kinds = kinds_for(request.user)
        if not kinds:
            raise PermissionDenied(_("自查由机构工作人员开始，督导检查由督导组成员开始；您目前两者都不是"))
        kind = data.get("kind")
        return (kind if kind in kinds else kinds[0]), kinds

    def show(self, request: HttpRequest, form: StartForm, kinds: list[str], status: int = 200) -> HttpResponse:
        return render(request, self.template_name, {
            "form": form, "kind": form.kind, "kinds": kinds, "kind_labels": dict(Inspection.Kind.choices),
            "campaign_templates": form.campaign_templates()}, status=status)

    def get(self, request: HttpRequest) -> HttpResponse | HttpResponseRedirect:
        if not kinds_for(request.user) and bureaus_filed_by(request.user).exists():
            messages.info(request, _("督导检查由督导组成员开始：请先组建督导组"))
            return redirect("inspections:team-create")
        kind, kinds = self.kind(request, request.GET)
        initial = {k: request.GET[k] for k in ("unit", "team", "template", "campaign", "day") if request.GET.get(k)}
        form = StartForm(request.user, kind, initial=initial)
        if kind == Inspection.Kind.SUPERVISION and "campaign" not in initial:
            teams = model_field(form, "team", Team).queryset
            chosen = str(form["team"].value())
            team = next((t for t in teams if str(t.pk) == chosen), None) if teams is not None else None
            if team is not None and team.campaign_id:
                form.initial["campaign"] = team.campaign_id
        return self.show(request, form, kinds)

    def post(self, request: HttpRequest) -> HttpResponse | HttpResponseRedirect:
        user = request.user
        kind, kinds = self.kind(request, request.POST)
        if request.POST.get("kind") not in kinds:
            raise PermissionDenied(_("自查由本单位人员填写，督导检查由督导组成员填写"))
        form = StartForm(user, kind, request.POST)
        if not form.is_valid():
            return self.show(request, form, kinds, status=400)
        data = form.cleaned_data
        team = data.get("team")
        campaign = data["campaign"] or (team.campaign if team else None)
        version = data["template"].latest_version()
        try:
            inspection = services.start_inspection(user, unit=data["unit"], version=version, kind=kind,
                                                   day=data["day"], campaign=campaign, team=team)
        except ValidationError as exc:
            add_service_errors(form, exc, {"version": "template"})
            return self.show(request, form, kinds, status=400)
        except PermissionDenied as exc:
            form.add_error("unit", str(exc) or _("您无权检查该单位"))
            return self.show(request, form, kinds, status=403)
        messages.success(request, _("已开始检查：%(unit)s。请逐项填写，每项保存后自动跳到下一项。")
                         % {"unit": inspection.unit.name})
        return redirect("inspections:detail", pk=inspection.pk)


# --- answering -----------------------------------------------------------------------------------

class DetailView(InspectionView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        inspection = self.get_object()
        return render(request, "inspections/inspection_detail.html", page_context(request, inspection))




class AnswerView(InspectionView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse | HttpResponseRedirect:
        user = request.user
        inspection = self.get_object()
        if not guard(user, inspection):
            return finished_redirect(request, inspection)
        key = request.POST.get("item_key", "")
        posted = {k: request.POST.get(k, "") for k in ("result", "value", "note")}
        htmx = request.headers.get("HX-Request") == "true"
        try:
            if len(posted["note"]) > MAX_NOTE:
                raise ValidationError({"note": [_("说明不能超过 %(n)s 字") % {"n": MAX_NOTE}]})
            if len(posted["value"]) > MAX_VALUE:
                raise ValidationError({"value": [_("填写内容不能超过 %(n)s 字") % {"n": MAX_VALUE}]})
            with transaction.atomic():
                files = stored_files(request, inspection)
                services.answer(user, inspection, item_key=key, attachments=files, result=posted["result"],
                                value=posted["value"], note=posted["note"])
        except ValidationError as exc:
            problems = [m for msgs in exc.message_dict.values() for m in msgs] if hasattr(exc, "error_dict") \
                else exc.messages
            return self.refused(request, inspection, key, posted, problems, htmx)
        context = page_context(request, inspection)
        row = context["rows"][key]
        anchor = next_anchor(context["rows"], key)
        saved = _("第 %(n)s 项已保存") % {"n": row["number"]}
        if row["result"] == "fail":
            saved += _("，已记为问题")
        if htmx:
            return render(request, "inspections/item_card_swap.html",
                          {**context, "row": row, "saved": saved, "next_anchor": anchor})
        messages.success(request, saved)
        return redirect(reverse("inspections:detail", args=[inspection.pk]) + f"#{anchor}")

    def refused(self, request: HttpRequest, inspection: Inspection, key: str, posted: dict[str, str],
                problems: list[str], htmx: bool) -> HttpResponse | HttpResponseRedirect:
        context = page_context(request, inspection)
        row = context["rows"].get(key)
        if row is None:
            messages.error(request, "；".join(problems))
            return redirect("inspections:detail", pk=inspection.pk)
        row.update(posted, errors=problems)
        if htmx:  # htmx swaps only 2xx answers: the card comes back with its messages
            return render(request, "inspections/item_card_swap.html", {**context, "row": row})
        return render(request, "inspections/inspection_detail.html", context, status=400)
