"""Mobilization: the pages of the people part.

- `person-list`: the people the user sees (units.scope), by organisation, filterable by kind,
  skill, insurance today and name; a table on a desktop, cards on a phone; numbers through
  `{% personal %}`; `person-export` is the same list in Excel, masked by `units.personal.shown`.
- `person-detail`: one person, the numbers as the policy allows (and a line saying who sees them in
  full); `person-create` / `person-edit`: the record, checked by services.people (refusals at their
  fields, 400); `person-merge`: a walk-up merged into a full record of the same unit.
- `person-import` / `person-import-template`: a roster from Excel (upload → preview → confirm).
- `person-pool` / `person-take-on`: self-registered people waiting in the organisation's region.
- `person-join`: the public self-registration page (no login; shows no one's data).
Everything is looked up in the user's scope: 404 outside it, 403 where the user sees but may not act.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.accounts.models import User
from tongxin.core.validators import parse_id
from tongxin.core.views_base import ScopedCreateView, ScopedExportView, ScopedUpdateView, ScopedView
from tongxin.core.xlsx import ImportResult, staging
from tongxin.mobilization import excel_people
from tongxin.mobilization.forms.people import CreateForm, FilterForm, ImportForm, JoinForm, PersonForm
from tongxin.mobilization.models import Person
from tongxin.mobilization.queries import people as queries
from tongxin.mobilization.services import people as services
from tongxin.regions.models import Region
from tongxin.units import scope
from tongxin.units.models import Unit
from tongxin.units.personal import HELP, may_see_personal

PAGE_SIZE = 30
SESSION_KEY = "people_import_staged"
NO_UNITS = gettext_lazy("您没有可以登记人员的组织")


def _owner(request: HttpRequest) -> int:
    return cast(User, request.user).pk


def _filtered(request: HttpRequest) -> tuple[FilterForm, Any]:
    units = Unit.objects.restrict(request.user, scope.READ).filter(people__isnull=False).distinct().order_by("name")
    first = list(units[:FilterForm.UNIT_OPTIONS + 1])
    chosen_id = parse_id(request.GET.get("unit"))
    chosen = units.filter(pk=chosen_id).first() if chosen_id is not None else None
    shown = first[:FilterForm.UNIT_OPTIONS]
    if chosen is not None and chosen not in shown:
        shown.append(chosen)  # a unit found by the search box stays selected
    form = FilterForm(request.GET or None, units=shown, more=len(first) > FilterForm.UNIT_OPTIONS)
    options: dict[str, Any] = {}
    if form.is_valid():
        d = form.cleaned_data
        unit = chosen if d.get("unit") else None
        options = {"q": d.get("q") or "", "kind": d.get("kind") or "", "skill": d.get("skill") or "",
                   "insured": {"yes": True, "no": False}.get(d.get("insured") or ""),
                   "day": timezone.localdate()}
        if unit is not None:
            options["unit"] = unit
    return form, queries.people_for(request.user, **options)


class PersonListView(ScopedView):
    """The roster the user sees, one card per person on a phone."""

    def get(self, request: HttpRequest) -> HttpResponse:
        form, people = _filtered(request)
        page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        today = timezone.localdate()
        rows = [{"person": p, "insured": queries.insured_on(p, today), "age": queries.age_on(p, today),
                 "skills": _skill_labels(p)}
                for p in page]
        can_register = queries.units_for_people(request.user).exists()
        return render(request, "mobilization/person_list.html", {
            "form": form, "page_obj": page, "rows": rows, "query_string": query.urlencode(),
            "can_register": can_register, "export_query": query.urlencode()})


class PersonExportView(ScopedExportView):
    def get(self, request: HttpRequest) -> FileResponse:
        _form, people = _filtered(request)
        return excel_people.export_response(request.user, people.iterator(chunk_size=500))


class PersonDetailView(ScopedView):
    queryset = Person.objects.select_related("unit__region", "merged_into", "created_by")

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        person = self.get_object()
        today = timezone.localdate()
        full = may_see_personal(request.user, person.unit)
        can_edit = person.unit is not None and scope.scope_of(request.user).covers(person.unit, mode=scope.FILE)
        assignments = person.assignments.select_related("shift__post").order_by("-starts_at")[:20]
        return render(request, "mobilization/person_detail.html", {
            "person": person, "full": full, "policy": HELP, "age": queries.age_on(person, today),
            "insured": queries.insured_on(person, today), "can_edit": can_edit and person.is_active,
            "assignments": assignments, "skills": _skill_labels(person)})


def _skill_labels(person: Person) -> list[str]:
    from tongxin.mobilization.models import Skill

    return [str(Skill(s).label) for s in person.skills if s in Skill.values]


class PersonCreateView(ScopedCreateView):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and not queries.units_for_people(request.user).exists():
            raise PermissionDenied(NO_UNITS)
        return super().dispatch(request, *args, **kwargs)

    def _page(self, request: HttpRequest, form: PersonForm, status: int = 200) -> HttpResponse:
        return render(request, "mobilization/person_form.html", {"form": form, "person": None}, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        units = queries.units_for_people(request.user)
        initial = {"unit": request.GET.get("unit")} if request.GET.get("unit") else {}
        return self._page(request, CreateForm(units=units, initial=initial))

    def post(self, request: HttpRequest) -> HttpResponse:
        units = queries.units_for_people(request.user)
        form = CreateForm(request.POST, units=units)
        if not form.is_valid():
            return self._page(request, form, status=400)
        values = form.values()
        unit = units.get(pk=values.pop("unit"))
        try:
            person = services.register(request.user, unit, **values)
        except ValidationError as exc:
            form.refuse(exc)
            return self._page(request, form, status=400)
        messages.success(request, _("已登记：%(name)s") % {"name": person.name})
        return redirect("mobilization:person-detail", person.pk)


class PersonEditView(ScopedUpdateView):
    queryset = Person.objects.select_related("unit__region")
    write_mode = scope.FILE
    refusal = gettext_lazy("您的角色不能修改该人员的信息")

    def _form(self, request: HttpRequest, person: Person, data: Any = None) -> PersonForm:
        return PersonForm(data, person=person, masked=not may_see_personal(request.user, person.unit))

    def _page(self, request: HttpRequest, person: Person, form: PersonForm, status: int = 200) -> HttpResponse:
        return render(request, "mobilization/person_form.html", {"form": form, "person": person}, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        person = self.get_object()
        return self._page(request, person, self._form(request, person))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        person = self.get_object()
        form = self._form(request, person, request.POST)
        if not form.is_valid():
            return self._page(request, person, form, status=400)
        try:
            services.update(request.user, person, **form.values())
        except ValidationError as exc:
            form.refuse(exc)
            return self._page(request, person, form, status=400)
        messages.success(request, _("已保存：%(name)s") % {"name": person.name})
        return redirect("mobilization:person-detail", person.pk)


class PersonMergeView(ScopedUpdateView):
    """A walk-up merged into a full record of the same organisation (the same mobile offered first)."""

    queryset = Person.objects.select_related("unit__region")
    write_mode = scope.FILE
    refusal = gettext_lazy("您的角色不能合并该组织的人员")

    def _page(self, request: HttpRequest, person: Person, error: str = "", status: int = 200) -> HttpResponse:
        candidates = list(queries.merge_candidates(person)[:200]) if person.is_walk_up else []
        candidates.sort(key=lambda p: p.mobile != person.mobile)
        # "the same mobile" only for a viewer who sees the numbers: to others it would tell two
        # masked numbers apart (the candidates are of the walk-up's own unit)
        return render(request, "mobilization/person_merge.html", {
            "person": person, "candidates": candidates, "error": error,
            "same_mobile_shown": may_see_personal(request.user, person.unit)}, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._page(request, self.get_object())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        person = self.get_object()
        into_id = parse_id(request.POST.get("into"))
        into = queries.merge_candidates(person).filter(pk=into_id).first() if into_id is not None else None
        if into is None:
            return self._page(request, person, _("请选择要合并到的人员"), status=400)
        try:
            services.merge(request.user, person, into)
        except ValidationError as exc:
            return self._page(request, person, "；".join(exc.messages), status=400)
        messages.success(request, _("已将现场登记的 %(walk)s 合并到 %(into)s") % {
            "walk": person.name, "into": into.name})
        return redirect("mobilization:person-detail", into.pk)


# --- the pool of self-registered people ----------------------------------------------------------

class PoolView(ScopedView):
    """Self-registered people waiting in the regions of the user's organisations (numbers masked)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and not queries.units_for_people(request.user).exists():
            raise PermissionDenied(NO_UNITS)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        units = list(queries.units_for_people(request.user)[:50])
        groups = [{"unit": u, "people": list(queries.pool(u)[:100])} for u in units]
        if len(groups) > 1:  # a bureau over many units: only those with someone waiting
            groups = [g for g in groups if g["people"]]
        return render(request, "mobilization/person_pool.html", {"groups": groups})


class TakeOnView(ScopedView):
    """POST: take a person of the pool onto one of the user's organisations."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        unit_id = parse_id(request.POST.get("unit"))
        unit = queries.units_for_people(request.user).filter(pk=unit_id).first() if unit_id is not None else None
        if unit is None:
            raise Http404(_("找不到该记录，或您无权查看"))
        person = queries.pool(unit).filter(pk=pk).first()
        if person is None:
            raise Http404(_("找不到该记录，或您无权查看"))
        try:
            services.take_on(request.user, person, unit)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            return redirect("mobilization:person-pool")
        messages.success(request, _("%(name)s 已加入%(unit)s") % {"name": person.name, "unit": unit.name})
        return redirect("mobilization:person-detail", person.pk)


# --- the roster from Excel -----------------------------------------------------------------------

class TemplateDownloadView(ScopedExportView):
    def get(self, request: HttpRequest) -> FileResponse:
        return excel_people.template_response()


class ImportView(ScopedCreateView):
    """Upload a roster for one of the user's organisations: preview first, then confirm."""

    template_name = "mobilization/person_import.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and not queries.units_for_people(request.user).exists():
            raise PermissionDenied(NO_UNITS)
        return super().dispatch(request, *args, **kwargs)

    def _units(self, request: HttpRequest) -> Any:
        return queries.units_for_people(request.user)

    def get(self, request: HttpRequest) -> HttpResponse:
        initial = {"unit": request.GET.get("unit")} if request.GET.get("unit") else {}
        return self._page(request, ImportForm(units=self._units(request), initial=initial))

    def post(self, request: HttpRequest) -> HttpResponse:
        if "confirm" in request.POST:
            return self._confirm(request)
        units = self._units(request)
        form = ImportForm(request.POST, request.FILES, units=units)
        if not form.is_valid():
            return self._page(request, form, status=400)
        unit, upload = units.get(pk=form.cleaned_data["unit"]), form.cleaned_data["file"]
        result = services.import_roster(request.user, unit, upload, commit=False)
        if not result.ok:
            return self._page(request, form, result=result, unit=unit, status=400)
        self._discard(request)
        token = staging.stage(upload, owner=_owner(request))
        request.session[SESSION_KEY] = {"token": token, "filename": str(upload.name)[:200], "unit": unit.pk}
        return self._page(request, ImportForm(units=units, initial={"unit": unit.pk}), result=result, token=token,
                          unit=unit)

    def _confirm(self, request: HttpRequest) -> HttpResponse:
        staged = request.session.get(SESSION_KEY) or {}
        token = staged.get("token", "")
        units = self._units(request)
        unit = units.filter(pk=staged.get("unit") or 0).first()
        stored = staging.open_staged(token, owner=_owner(request)) if token == request.POST.get("token") else None
        if stored is None or unit is None:
            return self._page(request, ImportForm(units=units), status=400,
                              problem=_("预览已失效（超时或已导入）：请重新上传文件"))
        with stored:
            result = services.import_roster(request.user, unit, stored, filename=staged.get("filename", ""))
        self._discard(request)
        if not result.ok:
            return self._page(request, ImportForm(units=units), result=result, unit=unit, status=400)
        messages.success(request, _("导入完成：%(unit)s 登记了 %(n)s 人") % {
            "unit": unit.name, "n": result.counts[excel_people.CREATED]})
        return redirect(f"{_list_url()}?unit={unit.pk}")

    def _discard(self, request: HttpRequest) -> None:
        staged = request.session.pop(SESSION_KEY, None) or {}
        if staged.get("token"):
            staging.discard(staged["token"], owner=_owner(request))

    def _page(self, request: HttpRequest, form: ImportForm, result: ImportResult | None = None, status: int = 200,
              token: str = "", problem: str = "", unit: Unit | None = None) -> HttpResponse:
        return render(request, self.template_name, {
            "form": form, "problem": problem, "token": token, "unit": unit,
            "errors": result.errors[:500] if result else [], "error_count": len(result.errors) if result else 0,
            "notices": result.notices[:200] if result else [],
            "preview": result.preview[:500] if result and result.ok else [],
            "headers": excel_people.HEADERS, "counts": result.counts if result else {},
        }, status=status)


def _list_url() -> str:
    from django.urls import reverse

    return reverse("mobilization:person-list")


# --- the public self-registration ----------------------------------------------------------------

class JoinView(ScopedView):
    """报名: anyone registers as a volunteer or social worker in their county (no login). The page
    shows only what the visitor typed; nothing of anyone else."""

    def _page(self, request: HttpRequest, form: JoinForm, status: int = 200,
              done: dict[str, str] | None = None) -> HttpResponse:
        counties = [(code, f"{city} {name}") for code, city, name in Region.objects.filter(
            level=Region.Level.COUNTY).order_by("code").values_list("code", "parent__name", "name")]
        return render(request, "mobilization/person_join.html", {
            "form": form, "done": done, "counties": counties}, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._page(request, JoinForm(initial={"region_code": request.GET.get("region", "")[:6]}))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = JoinForm(request.POST)
        if not form.is_valid():
            return self._page(request, form, status=400)
        values = form.values()
        try:
            services.self_register(**values)  # a duplicate is accepted quietly (see the service)
        except ValidationError as exc:
            form.refuse(exc)
            return self._page(request, form, status=400)
        # the name the visitor typed, never the record's: a duplicate returns the earlier one
        return self._page(request, JoinForm(), done={"name": str(values.get("name") or "").strip()})


urlpatterns = [
    path("people/", PersonListView.as_view(), name="person-list"),
    path("people/export.xlsx", PersonExportView.as_view(), name="person-export"),
    path("people/new/", PersonCreateView.as_view(), name="person-create"),
    path("people/pool/", PoolView.as_view(), name="person-pool"),
    path("people/import/", ImportView.as_view(), name="person-import"),
    path("people/import/template.xlsx", TemplateDownloadView.as_view(), name="person-import-template"),
    path("people/<int:pk>/", PersonDetailView.as_view(), name="person-detail"),
    path("people/<int:pk>/edit/", PersonEditView.as_view(), name="person-edit"),
    path("people/<int:pk>/merge/", PersonMergeView.as_view(), name="person-merge"),
    path("people/<int:pk>/take-on/", TakeOnView.as_view(), name="person-take-on"),
    path("join/", login_not_required(JoinView.as_view()), name="person-join"),
]
