"""Pages of the appeals part (募捐倡议).

- `appeals`: the appeals the user sees, with their status, issuers and the disclosure clock (the
  next disclosure's due day, 已逾期 when it is overdue), paginated.
- `appeal-create`, `appeal-edit` (a draft only): the appeal's fields, co-issuers in signing order
  and a few rows of needs.
- `appeal-detail`: the text, issuers in order with each one's clock, needs, disclosures; the steps
  APPEAL_FLOW allows the user (`appeal-publish`, `appeal-close`, POST) and the disclosure form
  (`appeal-disclose`, POST).
Every write goes through services.appeals; a refusal re-shows the page with the service's words
(400) and saves nothing. 404 outside the user's scope, 403 where the user sees but may not act.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core.views_base import ScopedCreateView, ScopedUpdateView, ScopedView
from tongxin.donations.forms.appeals import NEEDS, AppealForm, DisclosureForm
from tongxin.donations.forms.donations import units_for
from tongxin.donations.models import Appeal, AppealStatus
from tongxin.donations.queries import appeals as queries
from tongxin.donations.services import appeals as services
from tongxin.units import scope

PAGE_SIZE = 30


def _appeals():
    return Appeal.objects.select_related("unit", "created_by")


class _Issuers(ScopedView):
    """Looks appeals up among those the user reads: led by, or co-issued by, a unit in scope."""

    def restrict(self, queryset, mode=None):
        if queryset.model is Appeal and (mode or self.scope_mode) == scope.READ:
            return queries.visible_appeals(self.request.user, queryset)
        return super().restrict(queryset, mode)


class ListView(ScopedView):
    def get(self, request: HttpRequest) -> HttpResponse:
        status = request.GET.get("status", "")
        status = status if status in AppealStatus.values else ""
        qs = queries.visible_appeals(request.user).prefetch_related("issuer_rows__unit")
        if status:
            qs = qs.filter(status=status)
        page = Paginator(qs.order_by("-starts_on", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [{"a": a, "issuers": [r.unit for r in a.issuer_rows.all()], "clock": queries.clock(a)} for a in page]
        return render(request, "donations/appeal_list.html", {
            "rows": rows, "page_obj": page, "status": status, "statuses": AppealStatus.choices,
            "can_create": units_for(request.user).exists()})


def _detail(request: HttpRequest, appeal: Appeal, disclose: DisclosureForm | None = None,
            status: int = 200) -> HttpResponse:
    issuers = queries.issuers_of(appeal)
    s = scope.scope_of(request.user)
    filing = [u for u in issuers if s.covers(u, mode=scope.FILE)]
    steps = services.APPEAL_FLOW.allowed_for(request.user, appeal)
    may_disclose = appeal.status != AppealStatus.DRAFT and bool(filing)
    if disclose is None and may_disclose:
        disclose = DisclosureForm(units=filing)
    return render(request, "donations/appeal_detail.html", {
        "appeal": appeal, "issuers": [{"unit": u, "clock": queries.clock(appeal, u)} for u in issuers],
        "needs": appeal.needs.select_related("item"),
        "disclosures": queries.disclosures_of(appeal).select_related("published_by")[:100],
        "steps": {t.name for t in steps}, "disclose": disclose if may_disclose else None,
        "public": appeal.status != AppealStatus.DRAFT}, status=status)


class DetailView(_Issuers):
    queryset = _appeals()

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _detail(request, self.get_object())


def _form_page(request: HttpRequest, form: AppealForm, status: int = 200) -> HttpResponse:
    return render(request, "donations/appeal_form.html", {"form": form, "appeal": form.appeal}, status=status)


class CreateView(ScopedCreateView):
    def _units(self, request: HttpRequest) -> Any:
        units = units_for(request.user)
        if not units.exists():
            raise PermissionDenied(_("您没有可发起倡议的单位"))
        return units

    def get(self, request: HttpRequest) -> HttpResponse:
        form = AppealForm(units=self._units(request), co_issuers=queries.co_issuers_for(request.user))
        return _form_page(request, form)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = AppealForm(request.POST, units=self._units(request), co_issuers=queries.co_issuers_for(request.user))
        if not form.is_valid():
            return _form_page(request, form, status=400)
        try:
            appeal = services.create_appeal(request.user, form.lead(), form.values(), issuers=form.issuers(),
                                            needs=form.needs())
        except ValidationError as exc:
            form.refuse(exc)
            return _form_page(request, form, status=400)
        messages.success(request, _("倡议草稿已保存，核对后即可发布"))
        return redirect("donations:appeal-detail", appeal.pk)


class EditView(ScopedUpdateView, _Issuers):
    queryset = _appeals()
    refusal = gettext_lazy("您的角色不能修改该倡议")

    def _form(self, request: HttpRequest, appeal: Appeal, data: Any = None) -> AppealForm:
        issuers = queries.issuers_of(appeal)
        rows = max(NEEDS, appeal.needs.count() + 2)
        return AppealForm(data, appeal=appeal, co_issuers=queries.co_issuers_for(request.user), needs=rows,
                          initial=AppealForm.initial_of(appeal, issuers))

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        appeal = self.get_object()
        if appeal.status != AppealStatus.DRAFT:
            messages.error(request, _("倡议已发布，不能再修改（只有草稿可以修改）"))
            return redirect("donations:appeal-detail", appeal.pk)
        return _form_page(request, self._form(request, appeal))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        appeal = self.get_object()
        form = self._form(request, appeal, request.POST)
        if not form.is_valid():
            return _form_page(request, form, status=400)
        try:
            services.edit_appeal(request.user, appeal, form.values(), issuers=form.issuers(), needs=form.needs())
        except ValidationError as exc:
            form.refuse(exc)
            return _form_page(request, form, status=400)
        messages.success(request, _("倡议已保存"))
        return redirect("donations:appeal-detail", appeal.pk)


class _Step(ScopedUpdateView, _Issuers):
    http_method_names = ["post"]
    queryset = _appeals()
    refusal = gettext_lazy("您的角色不能为该单位发起或修改倡议")

    def act(self, request: HttpRequest, appeal: Appeal) -> str:
        raise NotImplementedError

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        appeal = self.get_object()
        try:
            messages.success(request, self.act(request, appeal))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect("donations:appeal-detail", appeal.pk)


class PublishView(_Step):
    def act(self, request: HttpRequest, appeal: Appeal) -> str:
        services.publish_appeal(request.user, appeal)
        return _("倡议已发布，公众可在信息公开网站查看")


class CloseView(_Step):
    def act(self, request: HttpRequest, appeal: Appeal) -> str:
        services.close_appeal(request.user, appeal)
        return _("已结束募集；请在 3 个月内完成全面公开")


class DiscloseView(_Issuers):
    """POST: publish a disclosure of the appeal by one of its issuers (figures frozen now)."""

    http_method_names = ["post"]
    queryset = _appeals()

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        appeal = self.get_object()
        s = scope.scope_of(request.user)
        filing = [u for u in queries.issuers_of(appeal) if s.covers(u, mode=scope.FILE)]
        if not filing:
            raise PermissionDenied(_("您的角色不能为该单位发布信息公开"))
        form = DisclosureForm(request.POST, units=filing)
        if form.is_valid():
            unit = next(u for u in filing if u.pk == form.cleaned_data["unit"])
            try:
                services.publish_disclosure(request.user, unit, appeal, note=form.cleaned_data["note"],
                                            is_final=form.cleaned_data["is_final"])
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("信息公开已发布"))
                return redirect("donations:appeal-detail", appeal.pk)
        if appeal.status == AppealStatus.DRAFT:  # the detail page shows no form for a draft: say why here
            messages.error(request, "；".join(str(e) for e in form.non_field_errors()) or _("倡议尚未发布，不能公开"))
        return _detail(request, appeal, disclose=form, status=400)


urlpatterns: list = [
    path("appeals/", ListView.as_view(), name="appeals"),
    path("appeals/new/", CreateView.as_view(), name="appeal-create"),
    path("appeals/<int:pk>/", DetailView.as_view(), name="appeal-detail"),
    path("appeals/<int:pk>/edit/", EditView.as_view(), name="appeal-edit"),
    path("appeals/<int:pk>/publish/", PublishView.as_view(), name="appeal-publish"),
    path("appeals/<int:pk>/close/", CloseView.as_view(), name="appeal-close"),
    path("appeals/<int:pk>/disclose/", DiscloseView.as_view(), name="appeal-disclose"),
]
