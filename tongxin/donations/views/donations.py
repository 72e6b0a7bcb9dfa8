"""Pages of the donations part.

- `donations` (the organisation's board, where the hub sends its staff): the donations the user
  sees, filterable by status and donor kind, with totals equal to the sum of the received rows;
  donors shown as `queries.donations.donor_display` allows.
- `donation-create`: record a donation from a phone (cash, or one goods line).
- `donation-detail`: one donation with its lines, the receipt PDF (`donation-receipt`), and for a
  pledge receive / withdraw (`donation-receive`, `donation-withdraw`, POST).
- `donation-correct`: a received donation replaced by a corrected one, with a reason (the 更正说明).
- `donation-import` / `donation-import-template`: the Excel batch (upload → preview → confirm).
Everything is looked up in the user's scope: 404 outside it, 403 where the user sees but may not act.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.accounts.models import User
from tongxin.core.views_base import ScopedCreateView, ScopedExportView, ScopedUpdateView, ScopedView
from tongxin.core.xlsx import ImportResult, staging
from tongxin.donations import excel
from tongxin.donations.forms.donations import CorrectForm, DonationForm, ImportForm, units_for
from tongxin.donations.models import Donation, DonationStatus, DonorKind
from tongxin.donations.queries import donations as queries
from tongxin.donations.services import donations as services
from tongxin.donations.services import receipts
from tongxin.units import scope
from tongxin.units.models import Unit

PAGE_SIZE = 30
SESSION_KEY = "donations_import_staged"


class BoardView(ScopedView):
    def get(self, request: HttpRequest) -> HttpResponse:
        status = request.GET.get("status", "")
        kind = request.GET.get("donor_kind", "")
        status = status if status in DonationStatus.values else ""
        kind = kind if kind in DonorKind.values else ""
        qs = queries.donations_for(request.user, status=status, donor_kind=kind)
        page = Paginator(qs.prefetch_related("lines__item"), PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [{"d": d, "donor": queries.donor_display(request.user, d)} for d in page]
        return render(request, "donations/donation_list.html", {
            "rows": rows, "page_obj": page, "totals": queries.totals(qs), "status": status, "donor_kind": kind,
            "statuses": DonationStatus.choices, "kinds": DonorKind.choices,
            "can_record": units_for(request.user).exists()})


class DetailView(ScopedView):
    queryset = Donation.objects.select_related("unit", "appeal", "handled_by")

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        d = self.get_object()
        can_file = scope.scope_of(request.user).covers(d.unit, mode=scope.FILE)
        correction = getattr(d, "correction", None) if d.status == DonationStatus.SUPERSEDED else None
        return render(request, "donations/donation_detail.html", {
            "d": d, "donor": queries.donor_display(request.user, d), "lines": d.lines.select_related("item"),
            "can_file": can_file, "correction": correction, "corrects": getattr(d, "corrects", None)})


class ReceiptView(ScopedView):
    queryset = Donation.objects.select_related("unit", "appeal", "handled_by")

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        d = self.get_object()
        if not d.receipt_number:
            messages.error(request, _("尚未接收的认捐没有捐赠票据"))
            return redirect("donations:donation-detail", d.pk)
        response = HttpResponse(receipts.receipt_pdf(d), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="receipt-{d.receipt_number}.pdf"'
        return response


class _Step(ScopedUpdateView):
    http_method_names = ["post"]
    queryset = Donation.objects.select_related("unit", "appeal")
    refusal = gettext_lazy("您的角色不能为该单位登记捐赠")

    def act(self, request: HttpRequest, d: Donation) -> str:
        raise NotImplementedError

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        d = self.get_object()
        try:
            messages.success(request, self.act(request, d))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect("donations:donation-detail", d.pk)


class ReceiveView(_Step):
    def act(self, request: HttpRequest, d: Donation) -> str:
        d = services.receive_pledge(request.user, d)
        return _("已确认接收，捐赠票据号 %(number)s") % {"number": d.receipt_number}


class WithdrawView(_Step):
    def act(self, request: HttpRequest, d: Donation) -> str:
        services.withdraw_pledge(request.user, d, reason=request.POST.get("reason", ""))
        return _("认捐已撤回")


class CorrectView(ScopedUpdateView):
    """更正: a received donation is replaced by a new record (never edited); the public site shows
    the 更正说明 with the difference."""

    queryset = Donation.objects.select_related("unit", "appeal")
    refusal = gettext_lazy("您的角色不能为该单位登记捐赠")

    def _page(self, request: HttpRequest, d: Donation, form: CorrectForm, status: int = 200) -> HttpResponse:
        return render(request, "donations/donation_correct.html", {"d": d, "form": form}, status=status)

    def _form(self, d: Donation, data: Any = None) -> CorrectForm:
        return CorrectForm(data, lines=d.lines.select_related("item").order_by("id"))

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        d = self.get_object()
        if d.status != DonationStatus.RECEIVED:
            messages.error(request, _("只有“已接收”且未被更正过的捐赠可以更正"))
            return redirect("donations:donation-detail", d.pk)
        return self._page(request, d, self._form(d))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        d = self.get_object()
        form = self._form(d, request.POST)
        if not form.is_valid():
            return self._page(request, d, form, status=400)
        try:
            correction = services.correct_donation(request.user, d, reason=form.cleaned_data["reason"],
                                                   lines=form.lines())
        except ValidationError as exc:
            form.refuse(exc)
            return self._page(request, d, form, status=400)
        after = cast(Donation, correction.donation_after)
        messages.success(request, _("已更正：新票据号 %(number)s，更正说明将在公示网站上显示")
                         % {"number": after.receipt_number})
        return redirect("donations:donation-detail", correction.donation_after_id)


class CreateView(ScopedCreateView):
    def _page(self, request: HttpRequest, form: DonationForm, status: int = 200) -> HttpResponse:
        return render(request, "donations/donation_form.html", {"form": form}, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        appeal = request.GET.get("appeal", "")
        return self._page(request, DonationForm(units=units_for(request.user), user=request.user,
                                                initial={"appeal_id": appeal} if appeal.isdigit() else None))

    def post(self, request: HttpRequest) -> HttpResponse:
        units = units_for(request.user)
        form = DonationForm(request.POST, units=units, user=request.user)
        if not form.is_valid():
            return self._page(request, form, status=400)
        unit, values, lines, received = form.parts()
        try:
            d = services.record_donation(request.user, unit, values, lines, received=received)
        except ValidationError as exc:
            form.refuse(exc)
            return self._page(request, form, status=400)
        messages.success(request, _("已登记：%(number)s") % {"number": d.receipt_number or _("认捐")})
        return redirect("donations:donation-detail", d.pk)


class TemplateDownloadView(ScopedExportView):
    def get(self, request: HttpRequest) -> FileResponse:
        return excel.template_response()


def _owner(request: HttpRequest) -> int:
    return cast(User, request.user).pk


class ImportView(ScopedCreateView):
    """Upload a batch for one of the user's organisations: preview first, then confirm."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._page(request, ImportForm(units=units_for(request.user)))

    def post(self, request: HttpRequest) -> HttpResponse:
        units = units_for(request.user)
        if "confirm" in request.POST:
            return self._confirm(request, units)
        form = ImportForm(request.POST, request.FILES, units=units)
        if not form.is_valid():
            return self._page(request, form, status=400)
        unit, upload = units.get(pk=form.cleaned_data["unit"]), form.cleaned_data["file"]
        result = services.import_batch(request.user, unit, upload, commit=False)
        if not result.ok:
            return self._page(request, form, result=result, unit=unit, status=400)
        self._discard(request)
        token = staging.stage(upload, owner=_owner(request))
        request.session[SESSION_KEY] = {"token": token, "filename": str(upload.name)[:200], "unit": unit.pk}
        return self._page(request, ImportForm(units=units, initial={"unit": unit.pk}), result=result, token=token,
                          unit=unit)

    def _confirm(self, request: HttpRequest, units: Any) -> HttpResponse:
        staged = request.session.get(SESSION_KEY) or {}
        token = staged.get("token", "")
        unit = units.filter(pk=staged.get("unit") or 0).first()
        stored = staging.open_staged(token, owner=_owner(request)) if token == request.POST.get("token") else None
        if stored is None or unit is None:
            return self._page(request, ImportForm(units=units), status=400,
                              problem=_("预览已失效（超时或已导入）：请重新上传文件"))
        with stored:
            result = services.import_batch(request.user, unit, stored, filename=staged.get("filename", ""))
        self._discard(request)
        if not result.ok:
            return self._page(request, ImportForm(units=units), result=result, unit=unit, status=400)
        messages.success(request, _("导入完成：%(unit)s 登记了 %(n)s 笔捐赠") % {
            "unit": unit.name, "n": result.counts[excel.CREATED]})
        return redirect("donations:donations")

    def _discard(self, request: HttpRequest) -> None:
        staged = request.session.pop(SESSION_KEY, None) or {}
        if staged.get("token"):
            staging.discard(staged["token"], owner=_owner(request))

    def _page(self, request: HttpRequest, form: ImportForm, result: ImportResult | None = None, status: int = 200,
              token: str = "", problem: str = "", unit: Unit | None = None) -> HttpResponse:
        return render(request, "donations/donation_import.html", {
            "form": form, "problem": problem, "token": token, "unit": unit,
            "errors": result.errors[:500] if result else [], "error_count": len(result.errors) if result else 0,
            "preview": result.preview[:500] if result and result.ok else [],
            "headers": excel.HEADERS, "counts": result.counts if result else {},
        }, status=status)


urlpatterns = [
    path("board/", BoardView.as_view(), name="donations"),
    path("donations/new/", CreateView.as_view(), name="donation-create"),
    path("donations/import/", ImportView.as_view(), name="donation-import"),
    path("donations/import/template.xlsx", TemplateDownloadView.as_view(), name="donation-import-template"),
    path("donations/<int:pk>/", DetailView.as_view(), name="donation-detail"),
    path("donations/<int:pk>/receipt.pdf", ReceiptView.as_view(), name="donation-receipt"),
    path("donations/<int:pk>/receive/", ReceiveView.as_view(), name="donation-receive"),
    path("donations/<int:pk>/withdraw/", WithdrawView.as_view(), name="donation-withdraw"),
    path("donations/<int:pk>/correct/", CorrectView.as_view(), name="donation-correct"),
]
