"""Pages of the stock part: the stock table (with totals per unit of measure, each the sum of its
rows), asking for and deciding adjustments (a second person decides), allocation decisions (list,
one decision, the form). Every write goes through services.stock / services.allocations; refused
input re-shows the page with the service's words (400) and saves nothing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from tongxin.command.models import Directive
from tongxin.core.views_base import FILE, ScopedView, as_scoped_view, scoped
from tongxin.donations.forms.stock import AdjustmentForm, AllocationForm, DecideForm
from tongxin.donations.models import Adjustment, Allocation, Stock
from tongxin.donations.queries import stock as queries
from tongxin.donations.services import allocations as allocation_services
from tongxin.donations.services import stock as services
from tongxin.units.models import Unit

PAGE_SIZE = 50


def _add_errors(form: Any, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _file_stocks(request: HttpRequest):
    return scoped(Stock.objects.select_related("unit", "appeal", "item"), request.user, FILE).order_by(
        "unit__name", "appeal_id", "item__name", "id")


@as_scoped_view
def stock_list(request: HttpRequest) -> HttpResponse:
    """库存: every stock row the user reads, by organisation, appeal and item."""
    rows = list(queries.stock_rows(request.user)[:2000])
    return render(request, "donations/stock_list.html", {
        "rows": rows, "totals": queries.totals_by_measure(rows),
        "may_adjust": _file_stocks(request).exists(),
        "pending": queries.pending_adjustments(request.user).count()})


@as_scoped_view(methods=("get", "post"))
def adjustment_create(request: HttpRequest) -> HttpResponse:
    """申请调整 (damaged, expired, recounted goods): stock moves only once a second person approves."""
    stocks = _file_stocks(request).exclude(item__kind="cash")
    if not stocks.exists():
        raise PermissionDenied(_("您没有可调整的库存"))
    form = AdjustmentForm(request.POST or None, stocks=stocks, initial={"stock": request.GET.get("stock")})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            row = form.cleaned_data["stock"]
            try:
                services.request_adjustment(request.user, row.unit, appeal=row.appeal, item=row.item,
                                            quantity=form.cleaned_data["quantity"], reason=form.cleaned_data["reason"],
                                            note=form.cleaned_data["note"])
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("调整申请已提交，待另一位工作人员审核"))
                return redirect("donations:adjustments")
    return render(request, "donations/adjustment_form.html", {"form": form}, status=status)


@as_scoped_view
def adjustment_list(request: HttpRequest) -> HttpResponse:
    """调整: pending ones first, with the decision buttons for whoever may take them."""
    qs = queries.adjustments(request.user).order_by("status", "-requested_at", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    entries = [{"a": a, "steps": services.ADJUSTMENT_WORKFLOW.allowed_for(request.user, a),
                "refused": services.ADJUSTMENT_WORKFLOW.refusals(request.user, a)} for a in page]
    return render(request, "donations/adjustment_list.html", {"page": page, "entries": entries})


class AdjustmentDecide(ScopedView):
    """POST approve=1 (stock moves) or approve=0 (with words): a second person's decision."""

    http_method_names = ["post"]
    queryset = Adjustment.objects.select_related("unit", "item", "appeal")

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        adjustment = self.get_object()
        form = DecideForm(request.POST)
        error: list[str] = []
        if form.is_valid():
            try:
                services.decide_adjustment(request.user, adjustment, approve=form.cleaned_data["approve"],
                                           note=form.cleaned_data["note"])
            except ValidationError as exc:
                error = exc.messages
            else:
                messages.success(request, _("已审核"))
                return redirect("donations:adjustments")
        else:
            error = [str(m) for ms in form.errors.values() for m in ms]
        for m in error:
            messages.error(request, m)
        return redirect("donations:adjustments")


@as_scoped_view
def allocation_list(request: HttpRequest) -> HttpResponse:
    """分配: the allocation decisions the user reads, latest first."""
    page = Paginator(queries.allocations(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "donations/allocation_list.html", {
        "page": page, "may_allocate": _file_stocks(request).exists()})


class AllocationDetail(ScopedView):
    queryset = Allocation.objects.select_related("unit", "appeal", "recipient", "directive", "created_by")

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        allocation = self.get_object()
        return render(request, "donations/allocation_detail.html", {
            "allocation": allocation, "lines": allocation.lines.select_related("item")})


@as_scoped_view(methods=("get", "post"))
def allocation_create(request: HttpRequest) -> HttpResponse:
    """分配决定: lines are stock rows of one organisation and appeal; the recipient within its area."""
    stocks = _file_stocks(request)
    if not stocks.exists():
        raise PermissionDenied(_("您没有可分配的库存"))
    directives = Directive.objects.none()
    for u in Unit.objects.filter(pk__in=stocks.values("unit_id"))[:20]:
        directives |= queries.received_directives(u)
    form = AllocationForm(request.POST or None, stocks=stocks, recipients=queries.recipients_for_stocks(stocks),
                          directives=directives.distinct())
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            first = form.one_source(_("一次分配只能包含同一单位、同一倡议的物资"))
            lines = form.lines()
            if first is not None:
                try:
                    allocation = allocation_services.decide(
                        request.user, first.unit, appeal=first.appeal, recipient=form.cleaned_data["recipient"],
                        basis=form.cleaned_data["basis"], basis_text=form.cleaned_data["basis_text"],
                        decided_by=form.cleaned_data["decided_by"], decided_at=form.cleaned_data["decided_at"],
                        directive=form.cleaned_data["directive"],
                        lines=[{"item": row.item, "quantity": q} for row, q in lines])
                except ValidationError as exc:
                    _add_errors(form, exc)
                else:
                    messages.success(request, _("分配决定已登记"))
                    return redirect("donations:allocation-detail", allocation.pk)
    return render(request, "donations/allocation_form.html", {"form": form}, status=status)


urlpatterns: list = [
    path("stock/", stock_list, name="stock"),
    path("adjustments/", adjustment_list, name="adjustments"),
    path("adjustments/new/", adjustment_create, name="adjustment-create"),
    path("adjustments/<int:pk>/decide/", AdjustmentDecide.as_view(), name="adjustment-decide"),
    path("allocations/", allocation_list, name="allocations"),
    path("allocations/new/", allocation_create, name="allocation-create"),
    path("allocations/<int:pk>/", AllocationDetail.as_view(), name="allocation-detail"),
]

