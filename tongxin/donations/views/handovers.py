"""Pages of the handovers part: the list (what waits for the user's signature first), sending goods,
one hand-over with both counts, the recipient's confirmation (a phone page: counts and a photo from
the camera), resolving a discrepancy and correcting a hand-over. Every write goes through
services.handovers; refused input re-shows the page with the service's words (400), saves nothing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from tongxin.core.views_base import FILE, as_scoped_view, scoped
from tongxin.donations.forms.handovers import ConfirmForm, CorrectForm, HandoverForm, ResolveForm
from tongxin.donations.models import Allocation, Discrepancy, DiscrepancyStatus, Handover, HandoverStatus, Stock
from tongxin.donations.queries import handovers as queries
from tongxin.donations.queries import stock as stock_queries
from tongxin.donations.services import handovers as services
from tongxin.units import scope

PAGE_SIZE = 30
NOT_FOUND = "找不到该记录，或您无权查看"


def _add_errors(form: Any, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _handover(request: HttpRequest, pk: int) -> Handover:
    h = (queries.visible(request.user).select_related("unit", "recipient", "appeal", "allocation", "sent_by",
                                                       "received_by")
         .filter(pk=pk).first())
    if h is None:
        raise Http404(_(NOT_FOUND))
    return h


def _stocks(request: HttpRequest):
    return scoped(Stock.objects.select_related("unit", "appeal", "item"), request.user, FILE).filter(
        quantity__gt=0).order_by("unit__name", "appeal_id", "item__name", "id")


@as_scoped_view
def handover_list(request: HttpRequest) -> HttpResponse:
    """交接: what waits for the user's own signature first, then every hand-over the user reads."""
    waiting = list(queries.to_confirm(request.user).select_related("unit", "recipient")
                   .prefetch_related("lines__item")[:50])
    qs = (queries.visible(request.user).exclude(status=HandoverStatus.SUPERSEDED)
          .select_related("unit", "recipient").prefetch_related("lines__item"))
    status = request.GET.get("status", "")
    if status in HandoverStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "donations/handover_list.html", {
        "waiting": waiting, "page": page, "page_obj": page, "status": status, "statuses": HandoverStatus.choices,
        "may_send": _stocks(request).exists()})


@as_scoped_view(methods=("get", "post"))
def handover_create(request: HttpRequest) -> HttpResponse:
    """交付物资: lines are stock rows of one organisation and appeal; the recipient within its area."""
    stocks = _stocks(request)
    if not stocks.exists():
        raise PermissionDenied(_("您没有可交付的库存款物"))
    allocations = scoped(Allocation.objects.select_related("recipient"), request.user, FILE)
    initial: dict[str, Any] = {}
    chosen = allocations.filter(pk=request.GET.get("allocation") or 0).first() if str(
        request.GET.get("allocation", "")).isdigit() else None
    if chosen is not None:
        initial = {"allocation": chosen.pk, "recipient": chosen.recipient_id}
        for n, line in enumerate(chosen.lines.all()[:5], start=1):
            row = stocks.filter(unit=chosen.unit_id, appeal=chosen.appeal_id, item=line.item_id).first()
            if row is not None:
                initial |= {f"stock_{n}": row.pk, f"quantity_{n}": format(line.quantity.normalize(), "f")}
    form = HandoverForm(request.POST or None, stocks=stocks, recipients=stock_queries.recipients_for_stocks(stocks),
                        allocations=allocations, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            first = form.one_source(_("一次交接只能包含同一单位、同一倡议的物资"))
            lines = form.lines()
            if first is not None:
                try:
                    handover = services.send(
                        request.user, first.unit, recipient=form.cleaned_data["recipient"], appeal=first.appeal,
                        allocation=form.cleaned_data["allocation"], carrier=form.cleaned_data["carrier"],
                        note=form.cleaned_data["note"], lines=[{"item": row.item, "quantity": q} for row, q in lines])
                except ValidationError as exc:
                    _add_errors(form, exc)
                else:
                    messages.success(request, _("已登记发出，等待受援单位清点签收"))
                    return redirect("donations:handover-detail", handover.pk)
    return render(request, "donations/handover_form.html", {"form": form}, status=status)


def _detail(request: HttpRequest, h: Handover, *, confirm_form=None, resolve_form=None,
            status: int = 200) -> HttpResponse:
    lines = list(h.lines.select_related("item"))
    may_confirm = h.status == HandoverStatus.SENT and services.may_confirm(request.user, h)
    may_file = scope.scope_of(request.user).covers(h.unit, mode=scope.FILE)
    case = Discrepancy.objects.filter(handover=h).first()
    correction = getattr(h, "correction", None) if h.status == HandoverStatus.SUPERSEDED else None
    corrects = getattr(h, "corrects", None)
    return render(request, "donations/handover_detail.html", {
        "h": h, "lines": lines, "case": case, "evidence": list(h.evidence.all()),
        "confirm_form": confirm_form or (ConfirmForm(lines=lines) if may_confirm else None),
        "resolve_form": resolve_form or (ResolveForm() if case and case.status == DiscrepancyStatus.OPEN and may_file
                                         else None),
        "may_correct": may_file and h.status != HandoverStatus.SUPERSEDED,
        "correction": correction, "corrects": corrects}, status=status)


@as_scoped_view
def handover_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _handover(request, pk))


@as_scoped_view(methods=("post",))
def handover_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """签收: the recipient's own staff, with their count of every line and a photo (or a note why not)."""
    h = _handover(request, pk)
    if not services.may_confirm(request.user, h):
        raise PermissionDenied(_("只有受援单位本单位的工作人员才能签收"))
    form = ConfirmForm(request.POST, request.FILES, lines=h.lines.select_related("item"))
    if form.is_valid():
        try:
            services.confirm(request.user, h, counts=form.counts(), note=form.cleaned_data["note"],
                             files=request.FILES.getlist("photos"))
        except ValidationError as exc:
            errors = dict(exc.message_dict)
            form.photo_errors = errors.pop("photos", [])
            if errors:
                _add_errors(form, ValidationError(errors))
        else:
            h.refresh_from_db()
            if h.status == HandoverStatus.DISPUTED:
                messages.warning(request, _("已签收；实收与发出不符，已开立差异，待交付单位处理"))
            else:
                messages.success(request, _("已签收"))
            return redirect("donations:handover-detail", h.pk)
    return _detail(request, h, confirm_form=form, status=400)


@as_scoped_view(methods=("post",))
def handover_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    h = _handover(request, pk)
    case = Discrepancy.objects.filter(handover=h).first()
    if case is None:
        raise Http404(_(NOT_FOUND))
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            services.resolve(request.user, case, resolution=form.cleaned_data["resolution"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("差异已处理"))
            return redirect("donations:handover-detail", h.pk)
    return _detail(request, h, resolve_form=form, status=400)


@as_scoped_view(methods=("get", "post"))
def handover_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """更正: a new hand-over replaces this one (never an edit); the public site shows a 更正说明."""
    h = _handover(request, pk)
    if not scope.scope_of(request.user).covers(h.unit, mode=scope.FILE):
        raise PermissionDenied(_("只有交付单位的工作人员才能更正交接"))
    stocks = _stocks(request).filter(unit=h.unit_id, appeal=h.appeal_id)
    form = CorrectForm(request.POST or None, lines=h.lines.select_related("item"), stocks=stocks)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                correction = services.correct_handover(request.user, h, reason=form.cleaned_data["reason"],
                                                       lines=form.lines())
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("已更正，更正说明将在公示网站上显示"))
                return redirect("donations:handover-detail", correction.handover_after_id)
    return render(request, "donations/handover_correct.html", {"h": h, "form": form}, status=status)


urlpatterns: list = [
    path("handovers/", handover_list, name="handovers"),
    path("handovers/new/", handover_create, name="handover-create"),
    path("handovers/<int:pk>/", handover_detail, name="handover-detail"),
    path("handovers/<int:pk>/confirm/", handover_confirm, name="handover-confirm"),
    path("handovers/<int:pk>/resolve/", handover_resolve, name="handover-resolve"),
    path("handovers/<int:pk>/correct/", handover_correct, name="handover-correct"),
]
