"""Reporting pages for administrators: report forms (list, detail, builder, JSON import/export) and
assignments (list, issue, detail).

Every write goes through reports/services.py; what the builder cannot save is shown with every
message at once and with everything the user typed kept. Forms are shared by the whole system and
visible to any signed-in user; assignments are read through `queries.visible_assignments` (scoped:
an assignment outside the user's scope is a 404).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, OuterRef, QuerySet, Subquery
from django.forms import BaseFormSet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _

from tongxin.core.types import Actor
from tongxin.core.views_base import ScopedView, as_scoped_view
from tongxin.reports import admin_forms as af
from tongxin.reports import rules, services
from tongxin.reports.definition import DefinitionError, validate_definition
from tongxin.reports.models import Assignment, Form, FormVersion, Report
from tongxin.units import scope
from tongxin.units.models import Kind, Unit

PAGE_SIZE = 25


def can_define_forms(user: Actor) -> bool:
    return scope.has_role(user, *scope.BUREAU_OFFICERS)


def _require_form_admin(user: Actor) -> None:
    if not can_define_forms(user):
        raise PermissionDenied(_("只有管理员和业务人员可以定义报表"))


def _page(request: HttpRequest, items: QuerySet[Any]) -> tuple[Page[Any], Paginator[Any]]:
    # Any: the lists set attributes of their own on each object of the page, for the template.
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return page, page.paginator


# --- forms -------------------------------------------------------------------------------------

@as_scoped_view
def form_list(request: HttpRequest) -> HttpResponse:
    latest = FormVersion.objects.filter(form=OuterRef("pk")).order_by("-number").values("pk")[:1]
    forms = Form.objects.annotate(latest_pk=Subquery(latest), latest_number=Max("versions__number"),
                                  changed_at=Max("versions__created_at")).order_by("name")
    page, paginator = _page(request, forms)
    versions = FormVersion.objects.in_bulk([f.latest_pk for f in page if f.latest_pk])
    for form in page:
        version = versions.get(form.latest_pk)
        form.field_count = len(version.fields) if version else 0
    return render(request, "reports/form_list.html", {
        "page_obj": page, "paginator": paginator, "is_paginated": paginator.num_pages > 1,
        "object_list": page, "can_create": can_define_forms(request.user)})


def _version(form: Form, request: HttpRequest) -> FormVersion:
    wanted = request.GET.get("version")
    versions = form.versions.all()
    if wanted:
        try:
            versions = versions.filter(number=int(wanted))
        except ValueError:
            raise Http404(_("没有这个版本")) from None
    version = versions.order_by("-number").first()
    if version is None:
        raise Http404(_("没有这个版本"))
    return version


def _range(field: dict) -> str:
    low, high = field.get("min"), field.get("max")
    if low is not None and high is not None:
        return f"{low} – {high}"
    if low is not None:
        return f"≥ {low}"
    if high is not None:
        return f"≤ {high}"
    return ""


def _zero_text(field: dict) -> str:
    if field.get("carry"):
        return _("沿用上次")
    if "zero" in field:
        value = field["zero"]
        if isinstance(value, bool):
            value = _("是") if value else _("否")
        elif value == "":
            value = _("（空）")
        return _("固定值：%(value)s") % {"value": value}
    return ""


@as_scoped_view
def form_detail(request: HttpRequest, pk: int) -> HttpResponse:
    form = get_object_or_404(Form, pk=pk)
    version = _version(form, request)
    types = dict(af.TYPE_CHOICES)
    fields = [{**f, "type_label": types.get(f.get("type", ""), f.get("type")), "range": _range(f),
               "zero_text": _zero_text(f)} for f in version.fields]
    versions = list(form.versions.select_related("created_by").order_by("-number"))
    filed = dict(scope.restrict(Report.objects.filter(form_version__form=form), request.user)
                 .values_list("form_version__number").annotate(n=Count("pk")))
    for v in versions:
        v.report_count = filed.get(v.number, 0)  # type: ignore[attr-defined]  # for the template, not a field
    return render(request, "reports/form_detail.html", {
        "form_obj": form, "version": version, "fields": fields, "versions": versions,
        "is_latest": version.number == versions[0].number, "can_edit": can_define_forms(request.user)})


@as_scoped_view
def form_export(request: HttpRequest, pk: int) -> HttpResponse:
    form = get_object_or_404(Form, pk=pk)
    version = _version(form, request)
    body = json.dumps(services.export_form(version), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{form.code}-v{version.number}.json"'
    return response


def _caret(expr: str, position: int) -> dict:
    """The expression split at the 1-based `position`, and the padding that puts a ^ under it
    (a wide space under each wide CJK character, so the caret lines up in a monospace font)."""
    i = max(position - 1, 0)
    pad = "".join("\u3000" if unicodedata.east_asian_width(ch) in "WF" else ("\t" if ch == "\t" else " ")
                  for ch in expr[:i])
    return {"before": expr[:i], "at": expr[i:i + 1] or " ", "after": expr[i + 1:], "pad": pad}


def _row_errors(formset: BaseFormSet[Any], what: str) -> list[str]:
    """Each row's own errors, for the summary at the top (the page may be long on a phone)."""
    out: list[str] = []
    for n, row in enumerate(formset.forms, start=1):
        name = str(row["key"].value() or "") if "key" in row.fields else ""
        where = (_("%(what)s %(n)s（%(key)s）") if name else _("%(what)s %(n)s")) % {"what": what, "n": n, "key": name}
        for field, errs in row.errors.items():
            label = row.fields[field].label if field in row.fields else ""
            out.extend(_("%(where)s %(label)s：%(error)s") % {"where": where, "label": label, "error": e} for e in errs)
    return out


def _build_definition(base: dict[str, Any], field_rows: Iterable[af.FieldRowForm],
                      rule_rows: Iterable[af.RuleRowForm]) -> dict[str, Any]:
    definition = {k: v for k, v in base.items() if k not in ("fields", "rules")}
    definition["fields"] = [f.definition_field() for f in field_rows]
    rule_list = [r.definition_rule() for r in rule_rows]
    if rule_list or "rules" in base:
        definition["rules"] = rule_list
    # The builder does not edit the overview's figures: drop those naming a field that is gone,
    # so removing a field is never blocked by a figure the user cannot see here.
    numeric = {f["key"] for f in definition["fields"] if f.get("type") in ("int", "decimal", "bool")}
    if isinstance(definition.get("key_figures"), list):
        definition["key_figures"] = [k for k in definition["key_figures"] if k in numeric]
    if isinstance(definition.get("figures"), list):
        definition["figures"] = [fig for fig in definition["figures"] if _figure_fields(fig) <= numeric]
    return definition


def _figure_fields(fig: Any) -> set[str | None]:
    if not isinstance(fig, dict):
        return {None}
    if fig.get("kind") == "ratio":
        return {fig.get("numerator"), fig.get("denominator")} - {"@count"}
    return set(fig.get("fields") or [None])


def _mark_syntax_errors(rule_rows: Iterable[af.RuleRowForm]) -> list[dict[str, Any]]:
    """Parse each typed rule (a read, nothing saved) to point at the character where it breaks."""
    found = []
    for n, row in enumerate(rule_rows, start=1):
        expr = row.cleaned_data["expr"].strip()
        try:
            rules.parse(expr)
        except rules.RuleSyntaxError as exc:
            row.caret = _caret(expr, exc.position)
            found.append({"n": n, "caret": row.caret, "message": exc.message})
    return found


def _builder_forms(request: HttpRequest, form: Form | None, version: FormVersion | None
                   ) -> tuple[af.FormMetaForm, BaseFormSet[af.FieldRowForm], BaseFormSet[af.RuleRowForm]]:
    if request.method == "POST":
        initial = {"code": form.code} if form else None
        return (af.FormMetaForm(request.POST, editing=form, initial=initial),
                af.FieldFormSet(request.POST, prefix="fields"), af.RuleFormSet(request.POST, prefix="rules"))
    if form is None:
        return (af.FormMetaForm(), af.FieldFormSet(prefix="fields", initial=[{}]),
                af.RuleFormSet(prefix="rules", initial=[{}]))
    assert version is not None, "define_form always creates version 1"
    meta = af.FormMetaForm(editing=form, initial={"code": form.code, "name": form.name, "name_en": form.name_en,
                                                  "description": form.description})
    return (meta, af.FieldFormSet(prefix="fields", initial=[af.field_initial(f) for f in version.fields]),
            af.RuleFormSet(prefix="rules", initial=[af.rule_initial(r) for r in version.rules]))


ADD_ROW = "tx-add-row"  # the no-JavaScript "add a row" button's name; its value names the formset


def _posted_rows(formset_class: Any, request: HttpRequest, prefix: str, add: bool) -> BaseFormSet[Any]:
    """An unbound formset showing the rows as posted (not validated), plus an empty one when `add`."""
    bound = formset_class(request.POST, prefix=prefix)
    rows = [{name: field.widget.value_from_datadict(request.POST, request.FILES, form.add_prefix(name))
             for name, field in form.fields.items()} for form in bound.forms]
    return formset_class(prefix=prefix, initial=[*rows, *([{}] if add else [])])


def _with_added_row(request: HttpRequest, form: Form | None, kind: str
                    ) -> tuple[af.FormMetaForm, BaseFormSet[af.FieldRowForm], BaseFormSet[af.RuleRowForm]]:
    """The builder's forms as posted, with one more empty row in `kind`'s formset; nothing is validated."""
    posted = {k: request.POST.get(k, "") for k in ("code", "name", "name_en", "description") if k in request.POST}
    meta = af.FormMetaForm(editing=form, initial={**({"code": form.code} if form else {}), **posted})
    return (meta, _posted_rows(af.FieldFormSet, request, "fields", kind == "fields"),
            _posted_rows(af.RuleFormSet, request, "rules", kind == "rules"))


@as_scoped_view(methods=("get", "post"))
def form_builder(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require_form_admin(request.user)
    form = get_object_or_404(Form, pk=pk) if pk is not None else None
    latest = form.latest_version() if form else None
    meta, fields, rule_rows = _builder_forms(request, form, latest)
    errors: list[str] = []
    syntax: list[dict] = []
    status = 200
    if request.method == "POST" and request.POST.get(ADD_ROW) in ("fields", "rules"):
        # Without JavaScript, "add a field / rule" sends the form: show it again with one more
        # empty row, nothing saved (an empty row is skipped when the form is saved).
        meta, fields, rule_rows = _with_added_row(request, form, request.POST[ADD_ROW])
        return render(request, "reports/form_builder.html", {
            "form_obj": form, "latest": latest, "meta": meta, "fields": fields, "rules": rule_rows, "errors": []})
    if request.method == "POST":
        valid = all([meta.is_valid(), fields.is_valid(), rule_rows.is_valid()])
        field_rows = [f for f in fields.forms if f.has_changed() and f.is_valid()]
        filled_rules = [r for r in rule_rows.forms if r.has_changed() and r.is_valid()]
        definition = _build_definition(latest.definition if latest else {}, field_rows, filled_rules)
        syntax = _mark_syntax_errors(filled_rules)
        if valid:
            try:
                version = services.define_form(
                    request.user, code=meta.cleaned_data["code"], name=meta.cleaned_data["name"],
                    name_en=meta.cleaned_data["name_en"], description=meta.cleaned_data["description"],
                    definition=definition)
            except ValidationError as exc:
                errors = _service_errors(exc, meta)
            else:
                if latest is not None and version.number == latest.number:
                    messages.info(request, _("字段和规则没有变化，仍为第 %(n)s 版") % {"n": version.number})
                else:
                    messages.success(request, _("已保存为第 %(n)s 版") % {"n": version.number})
                return redirect("reports:form-detail", pk=version.form_id)
        else:
            errors = _row_errors(fields, _("字段")) + _row_errors(rule_rows, _("规则"))
            try:
                validate_definition(definition)
            except DefinitionError as exc:
                errors += exc.errors
        status = 400
    return render(request, "reports/form_builder.html", {
        "form_obj": form, "latest": latest, "meta": meta, "fields": fields, "rules": rule_rows,
        "errors": _with_carets(errors, syntax)}, status=status)


def _with_carets(errors: list[str], syntax: list[dict]) -> list[dict]:
    """Each message once, a rule's syntax error with its expression and caret beneath it."""
    carets = {_("第 %(n)s 条规则") % {"n": s["n"]} + "：" + s["message"]: s["caret"] for s in syntax}
    items = [{"text": e, "caret": carets.pop(e, "")} for e in errors]
    return items + [{"text": text, "caret": caret} for text, caret in carets.items()]


def _service_errors(exc: ValidationError, meta: af.FormMetaForm | None = None) -> list[str]:
    """Messages of a service's ValidationError; those about a form's own inputs go next to them."""
    out: list[str] = []
    names = {"code": _("报表代码"), "name": _("报表名称"), "name_en": _("英文名称"), "description": _("说明")}
    for key, msgs in (exc.message_dict.items() if hasattr(exc, "error_dict") else [("__all__", exc.messages)]):
        if meta is not None and key in meta.fields and key in names and not meta.fields[key].disabled:
            meta.add_error(key, msgs)
        elif key in names:
            out.extend(_("%(name)s（%(key)s）：%(error)s") % {"name": names[key], "key": key, "error": m} for m in msgs)
        else:
            out.extend(msgs)
    return out


@as_scoped_view(methods=("get", "post"))
def form_import(request: HttpRequest) -> HttpResponse:
    _require_form_admin(request.user)
    form = af.ImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST":
        if form.is_valid():
            payload = form.cleaned_data["payload"]
            existing = Form.objects.filter(code=payload.get("code")).first() if isinstance(
                payload.get("code"), str) else None
            before = existing.latest_version() if existing else None
            try:
                version = services.import_form(request.user, payload)
            except ValidationError as exc:
                errors = _service_errors(exc)
            else:
                if before is not None and before.number == version.number:
                    messages.info(request, _("与现有第 %(n)s 版完全相同，未生成新版本") % {"n": version.number})
                else:
                    messages.success(request, _("已导入“%(name)s”第 %(n)s 版") % {
                        "name": version.form.name, "n": version.number})
                return redirect("reports:form-detail", pk=version.form_id)
        return render(request, "reports/form_import.html", {"form": form, "errors": errors}, status=400)
    return render(request, "reports/form_import.html", {"form": form, "errors": errors})


# --- assignments -------------------------------------------------------------------------------

def issuers_for(user: Actor) -> list[Unit]:
    """The bureaus the user may issue assignments for: those they file for, their own first."""
    qs = Unit.objects.filter(kind=Kind.BUREAU, is_active=True).select_related("region")
    return list(scope.restrict(qs, user, mode=scope.FILE).order_by("region__level", "region_id"))


def _kind_labels(kinds: list[str]) -> str:
    labels = dict(Kind.choices)
    return _("、").join(str(labels.get(k, k)) for k in kinds) or _("除民政部门外的所有单位")


def _frequency_text(assignment: Assignment) -> str:
    if assignment.frequency == assignment.Frequency.WEEKLY and assignment.weekday is not None:
        return _("每周（%(day)s）") % {"day": dict(af.WEEKDAYS)[assignment.weekday]}
    return assignment.get_frequency_display()


class AssignmentListView(ScopedView):
    queryset = Assignment.objects.select_related("form", "issuer", "region")

    def get(self, request: HttpRequest) -> HttpResponse:
        return assignment_list(request, self.get_queryset())


def assignment_list(request: HttpRequest, assignments: QuerySet[Assignment]) -> HttpResponse:
    page, paginator = _page(request, assignments.order_by("-start_date", "name"))
    for a in page:
        a.kinds_text, a.frequency_text = _kind_labels(a.unit_kinds), _frequency_text(a)
    return render(request, "reports/assignment_list.html", {
        "page_obj": page, "paginator": paginator, "is_paginated": paginator.num_pages > 1, "object_list": page,
        "can_create": bool(issuers_for(request.user))})


@as_scoped_view(methods=("get", "post"))
def assignment_create(request: HttpRequest) -> HttpResponse:
    issuers = issuers_for(request.user)
    if not issuers:
        raise PermissionDenied(_("只有民政部门的业务人员可以下达报送任务"))
    form = af.AssignmentForm(request.POST or None, issuers=issuers)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                assignment = services.create_assignment(
                    request.user, form=data["form"], issuer=data["issuer"], region=data["region"], name=data["name"],
                    deadline=data["deadline"], start_date=data["start_date"], end_date=data["end_date"],
                    unit_kinds=data["unit_kinds"], frequency=data["frequency"], weekday=data["weekday"])
            except ValidationError as exc:
                for key, msgs in exc.message_dict.items():
                    form.add_error(key if key in form.fields else None, msgs)
            else:
                messages.success(request, _("已下达报送任务：%(name)s") % {"name": assignment.name})
                return redirect("reports:assignment-detail", pk=assignment.pk)
        status = 400
    return render(request, "reports/assignment_form.html", {
        "form": form, "region_groups": af.region_groups(issuers)}, status=status)


class AssignmentDetailView(ScopedView):
    queryset = Assignment.objects.select_related("form", "issuer", "region")

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return assignment_detail(request, self.get_object())


def assignment_detail(request: HttpRequest, assignment: Assignment) -> HttpResponse:
    expected = scope.restrict(Unit.objects.filter(services.expected_units_q(assignment)), request.user).count()
    try:
        overview_url = reverse("reports:overview") + f"?assignment={assignment.pk}"
    except NoReverseMatch:
        overview_url = ""
    return render(request, "reports/assignment_detail.html", {
        "assignment": assignment, "kinds_text": _kind_labels(assignment.unit_kinds),
        "frequency_text": _frequency_text(assignment), "expected": expected, "overview_url": overview_url,
        "version": assignment.form.latest_version()})


urlpatterns = [
    path("forms/", form_list, name="forms"),
    path("forms/new/", form_builder, name="form-create"),
    path("forms/import/", form_import, name="form-import"),
    path("forms/<int:pk>/", form_detail, name="form-detail"),
    path("forms/<int:pk>/edit/", form_builder, name="form-edit"),
    path("forms/<int:pk>/export.json", form_export, name="form-export"),
    path("assignments/", AssignmentListView.as_view(), name="assignments"),
    path("assignments/new/", assignment_create, name="assignment-create"),
    path("assignments/<int:pk>/", AssignmentDetailView.as_view(), name="assignment-detail"),
]
