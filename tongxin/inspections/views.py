"""Inspection pages, used on site from a phone.

- `inspections:list`: the inspections the user sees, newest first, filtered and paged; the
  user's supervision teams; buttons to start a self-inspection or a supervisory one.
- `inspections:start`: choose kind, unit, checklist (its latest version), campaign and day.
- `inspections:detail`: the answering page — every item a card, saved one at a time through
  `inspections:answer` (a plain POST and redirect to the next item; with htmx just the card is
  swapped); once finished, the read-only record with the ledger entries it produced.
- `inspections:findings` / `inspections:finding` / `inspections:finish`: review the findings
  (edit, merge, drop, 立查立改 with a photo of the fix), then finish.
- `inspections:team-create`: a bureau officer forms a supervision team.

Guarantees: every page needs a login; an inspection is looked up through the user's scope (outside
it: 404); a user who sees it but is neither its inspector nor on its team gets 403 for any write;
every write goes through `services` (files through `core.uploads.store_attachment`, in the same
transaction, so a refused answer keeps no file); bad input comes back as words under the item or
field it concerns, never a 500; a finished inspection is read-only.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views import View

from tongxin.core.uploads import store_attachment
from tongxin.inspections import services
from tongxin.inspections.forms import (
    FindingForm,
    FinishForm,
    InspectionFilterForm,
    StartForm,
    TeamForm,
    add_service_errors,
    bureaus_filed_by,
    checklist,
    files_of,
    next_anchor,
    optional_url,
    own_units,
    progress_of,
    severity_badge,
    teams_of,
)
from tongxin.inspections.models import Finding, Inspection
from tongxin.ledger import queries as ledger_queries
from tongxin.units import scope
from tongxin.units.models import Unit

PAGE_SIZE = 25
MAX_FILES = 9
MAX_NOTE = 2000
MAX_VALUE = 500  # Answer.value's length


# --- reads ---------------------------------------------------------------------------------------

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
        for e in ledger_queries.visible_entries(request.user).filter(inspection=inspection).order_by("number"):
            entries.append({"entry": e, "url": optional_url("ledger:detail", e.pk),
                            "severity": severity_badge(e.severity)})
    return {"inspection": inspection, "sections": sections, "rows": rows, "can_act": can_act,
            "progress": progress_of(rows, inspection), "entries": entries, "max_files": MAX_FILES}


# --- the list ------------------------------------------------------------------------------------

class ListView(LoginRequiredMixin, View):
    def get(self, request):
        user = request.user
        form = InspectionFilterForm(user, request.GET)
        qs = form.apply(visible_inspections(user)).annotate(
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

def kinds_for(user) -> list[str]:
    kinds = []
    if own_units(user).exists():
        kinds.append(Inspection.Kind.SELF)
    if teams_of(user).exists():
        kinds.append(Inspection.Kind.SUPERVISION)
    return kinds


class StartView(LoginRequiredMixin, View):
    template_name = "inspections/inspection_start.html"

    def kind(self, request, data) -> tuple[str, list[str]]:
        kinds = kinds_for(request.user)
        if not kinds:
            raise PermissionDenied(_("自查由机构工作人员开始，督导检查由督导组成员开始；您目前两者都不是"))
        kind = data.get("kind")
        return (kind if kind in kinds else kinds[0]), kinds

    def show(self, request, form: StartForm, kinds: list[str], status: int = 200):
        return render(request, self.template_name, {
            "form": form, "kind": form.kind, "kinds": kinds, "kind_labels": dict(Inspection.Kind.choices),
            "campaign_templates": form.campaign_templates()}, status=status)

    def get(self, request):
        if not kinds_for(request.user) and bureaus_filed_by(request.user).exists():
            messages.info(request, _("督导检查由督导组成员开始：请先组建督导组"))
            return redirect("inspections:team-create")
        kind, kinds = self.kind(request, request.GET)
        initial = {k: request.GET[k] for k in ("unit", "team", "template", "campaign", "day") if request.GET.get(k)}
        form = StartForm(request.user, kind, initial=initial)
        if kind == Inspection.Kind.SUPERVISION and "campaign" not in initial:
            team = next((t for t in form.fields["team"].queryset if str(t.pk) == str(form["team"].value())), None)
            if team is not None and team.campaign_id:
                form.initial["campaign"] = team.campaign_id
        return self.show(request, form, kinds)

    def post(self, request):
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

class DetailView(LoginRequiredMixin, View):
    def get(self, request, pk: int):
        inspection = get_inspection(request.user, pk)
        return render(request, "inspections/inspection_detail.html", page_context(request, inspection))


def stored_files(request, inspection: Inspection, field: str = "photos") -> list:
    """Store the uploaded files of `field` (inside the caller's transaction); ValidationError if refused."""
    uploads = request.FILES.getlist(field)
    if len(uploads) > MAX_FILES:
        raise ValidationError({"file": [_("每次最多上传 %(n)s 个文件") % {"n": MAX_FILES}]})
    return [store_attachment(f, uploaded_by=request.user, unit_id=inspection.unit_id) for f in uploads]


class AnswerView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        user = request.user
        inspection = get_inspection(user, pk)
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
                services.answer(user, inspection, item_key=key, attachments=files, **posted)
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

    def refused(self, request, inspection, key, posted, problems, htmx):
        context = page_context(request, inspection)
        row = context["rows"].get(key)
        if row is None:
            messages.error(request, "；".join(problems))
            return redirect("inspections:detail", pk=inspection.pk)
        row.update(posted, errors=problems)
        if htmx:  # htmx swaps only 2xx answers: the card comes back with its messages
            return render(request, "inspections/item_card_swap.html", {**context, "row": row})
        return render(request, "inspections/inspection_detail.html", context, status=400)


# --- findings and finishing ----------------------------------------------------------------------

def default_deadline(inspection: Inspection, finding: Finding) -> dt.date:
    return inspection.day + dt.timedelta(days=services.DEFAULT_DAYS.get(finding.severity, 7))


def findings_context(request, inspection: Inspection, *, bound: dict | None = None, errors: dict | None = None,
                     finish_form: FinishForm | None = None) -> dict:
    bound, errors = bound or {}, errors or {}
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
            "can_act": may_answer(request.user, inspection), "max_files": MAX_FILES}


def render_findings(request, inspection: Inspection, status: int = 200, **kwargs):
    return render(request, "inspections/findings.html", findings_context(request, inspection, **kwargs),
                  status=status)


class FindingsView(LoginRequiredMixin, View):
    def get(self, request, pk: int):
        inspection = get_inspection(request.user, pk)
        if inspection.status != Inspection.Status.DRAFT:
            return redirect("inspections:detail", pk=inspection.pk)
        return render_findings(request, inspection)


class FindingView(LoginRequiredMixin, View):
    """One finding's action: save (edit), drop, restore, merge (into another), fix (立查立改), unfix."""

    http_method_names = ["post"]

    def post(self, request, pk: int, finding_id: int):
        user = request.user
        inspection = get_inspection(user, pk)
        if not guard(user, inspection):
            return finished_redirect(request, inspection)
        finding = get_object_or_404(Finding, pk=finding_id, inspection=inspection)
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

    def act(self, request, inspection: Inspection, finding: Finding, action: str) -> str:
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


class FinishView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        user = request.user
        inspection = get_inspection(user, pk)
        if not guard(user, inspection):
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


# --- teams ---------------------------------------------------------------------------------------

class TeamCreateView(LoginRequiredMixin, View):
    template_name = "inspections/team_form.html"

    def allowed(self, request) -> None:
        if not bureaus_filed_by(request.user).exists():
            raise PermissionDenied(_("只有民政部门的业务人员可以组建督导组"))

    def get(self, request):
        self.allowed(request)
        return render(request, self.template_name, {"form": TeamForm(request.user)})

    def post(self, request):
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


urlpatterns = [
    path("", ListView.as_view(), name="list"),
    path("new/", StartView.as_view(), name="start"),
    path("teams/new/", TeamCreateView.as_view(), name="team-create"),
    path("<int:pk>/", DetailView.as_view(), name="detail"),
    path("<int:pk>/answer/", AnswerView.as_view(), name="answer"),
    path("<int:pk>/findings/", FindingsView.as_view(), name="findings"),
    path("<int:pk>/findings/<int:finding_id>/", FindingView.as_view(), name="finding"),
    path("<int:pk>/finish/", FinishView.as_view(), name="finish"),
]
