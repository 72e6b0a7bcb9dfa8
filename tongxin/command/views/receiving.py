"""Pages of the receiving side: a unit's copy of a directive (送达), with one big 签收 button, the
feedback form (反馈) and, for a bureau, the forward form (转发); and the chain the directive sits in.

A delivery is found among those the user may open (`queries.receiving.openable_deliveries`: their
scope, plus the units they are on duty for now): anyone else gets a 404. Opening the page records
the unit's first reading only while a response is in force (`services.receiving.mark_read`).
Every write goes through `services.receiving`; a refusal re-shows the page with the service's words
(400) and saves nothing; acting for a unit one sees but does not belong to is a 403 in words.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.command.models import Delivery, Directive
from tongxin.command.models.directives import MAX_FEEDBACK, MAX_TITLE
from tongxin.command.queries import receiving as queries
from tongxin.command.queries.directives import LEVELS
from tongxin.command.services import receiving as services
from tongxin.core.uploads import store_attachments
from tongxin.core.views_base import ScopedView
from tongxin.regions.models import Region
from tongxin.units import scope
from tongxin.units.models import Kind

EVIDENCE_ACCEPT = "image/jpeg,image/png,image/webp,application/pdf"


class FeedbackForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("反馈内容"), max_length=MAX_FEEDBACK, widget=forms.Textarea(
        attrs={"rows": 4, "placeholder": gettext_lazy("做了什么、结果如何；如有问题请一并说明")}))


def _local(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if value else ""


class ForwardForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("标题"), max_length=MAX_TITLE, required=False)
    region = forms.CharField(label=gettext_lazy("转发范围"), max_length=60, required=False,
                             help_text=gettext_lazy("留空为本级全部辖区；可填下级区划名称或代码"))
    requirements = forms.CharField(label=gettext_lazy("本级要求"), max_length=services.MAX_REQUIREMENTS,
                                   widget=forms.Textarea(attrs={"rows": 4}))
    target_levels = forms.MultipleChoiceField(label=gettext_lazy("接收层级"), required=False, choices=[],
                                              widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}))
    target_kinds = forms.MultipleChoiceField(label=gettext_lazy("接收单位类型"), required=False, choices=Kind.choices,
                                             widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
                                             help_text=gettext_lazy("不选为全部类型"))
    sign_deadline = forms.DateTimeField(label=gettext_lazy("签收时限"),
                                        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    feedback_required = forms.BooleanField(label=gettext_lazy("需反馈"), required=False,
                                           widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    feedback_deadline = forms.DateTimeField(label=gettext_lazy("反馈时限"), required=False,
                                            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def __init__(self, *args: Any, unit_level: int = 2, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["target_levels"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(k, v) for k, v in LEVELS.items()
                         if k not in services.BUREAU_LEVELS or services.BUREAU_LEVELS[k] > unit_level]


class DeliveryView(ScopedView):
    """A page about one delivery (`pk`), among those the user may open."""

    queryset = Delivery.objects.select_related("directive__issuer", "directive__forwarded_from__issuer",
                                               "unit__region", "signed_by", "fed_back_by", "forwarded_as")

    def get_object(self, queryset: Any = None, mode: str | None = None, **lookup: Any) -> Delivery:
        openable = queries.openable_deliveries(self.request.user, timezone.now())
        try:
            found: Delivery = self.queryset.filter(pk__in=openable.values("pk")).get(pk=self.kwargs["pk"])
        except (Delivery.DoesNotExist, ValueError, TypeError, OverflowError):
            raise Http404(self.not_found) from None
        return found


def _page(request: HttpRequest, delivery: Delivery, *, error: list[str] | None = None, status: int = 200,
          feedback_form: FeedbackForm | None = None, forward_form: ForwardForm | None = None,
          focus: str = "") -> HttpResponse:
    now = timezone.now()
    directive = delivery.directive
    acting = services.acting_as(request.user, delivery.unit, now)
    may_forward = services.may_forward(request.user, delivery)
    return render(request, "command/delivery_detail.html", {
        "delivery": delivery, "directive": directive, "now": now, "acting_as": acting,
        "acting_label": dict(Delivery.SignedAs.choices).get(acting, ""),
        "in_force": directive.status == Directive.Status.ISSUED,
        "overdue": delivery.signed_at is None and directive.sign_deadline < now,
        "attachments": directive.attachments.order_by("id"),
        "evidence": delivery.feedback_attachments.order_by("id"),
        **queries.chain_context(request.user, directive),
        "feedback_form": feedback_form or FeedbackForm(), "accept": EVIDENCE_ACCEPT,
        "may_forward": may_forward,
        "forward_form": forward_form or (_forward_form(delivery) if may_forward else None),
        "error": error or [], "focus": focus,
    }, status=status)


def _forward_form(delivery: Delivery, data: Any = None) -> ForwardForm:
    defaults = services.forward_defaults(delivery)
    initial = {**defaults, "sign_deadline": _local(defaults["sign_deadline"]),
               "feedback_deadline": _local(defaults["feedback_deadline"])}
    return ForwardForm(data, initial=initial, unit_level=delivery.unit.region.level)


def _messages_of(exc: ValidationError) -> list[str]:
    return exc.messages


class DeliveryDetailView(DeliveryView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        delivery = self.get_object()
        services.mark_read(request.user, delivery)
        return _page(request, delivery)


class DeliverySignView(DeliveryView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        delivery = self.get_object()
        try:
            _signed, message = services.sign(request.user, delivery)
        except ValidationError as exc:
            return _page(request, self.get_object(), error=_messages_of(exc), status=400)
        messages.success(request, message)
        return redirect("command:delivery-detail", pk=delivery.pk)



class DeliveryFeedbackView(DeliveryView):
    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _page(request, self.get_object(), focus="feedback")

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        delivery = self.get_object()
        form = FeedbackForm(request.POST)
        if not form.is_valid():
            return _page(request, delivery, feedback_form=form, status=400, focus="feedback")
        services.require_for_unit(request.user, delivery)  # 403 in words before any file is stored
        try:
            with transaction.atomic():
                evidence = store_attachments(request.FILES.getlist("files"), uploaded_by=request.user,
                                             unit_id=delivery.unit_id)
                services.feed_back(request.user, delivery, text=form.cleaned_data["text"], attachments=evidence)
        except ValidationError as exc:
            return _page(request, self.get_object(), error=_messages_of(exc), feedback_form=form, status=400,
                         focus="feedback")
        messages.success(request, _("已反馈：%(title)s") % {"title": delivery.directive.title})
        return redirect("command:delivery-detail", pk=delivery.pk)


class DeliveryForwardView(DeliveryView):
    http_method_names = ["get", "post"]

    def _allowed(self, delivery: Delivery) -> None:
        services.require_forwarder(self.request.user, delivery)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        delivery = self.get_object()
        self._allowed(delivery)
        return _page(request, delivery, focus="forward")

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        delivery = self.get_object()
        self._allowed(delivery)
        form = _forward_form(delivery, request.POST)
        if not form.is_valid():
            return _page(request, delivery, forward_form=form, status=400, focus="forward")
        d = form.cleaned_data
        region: Region | None = None
        try:
            if d["region"].strip():
                region = scope.resolve_region_filter(request.user, d["region"], param="region", mode=scope.READ)
            fwd = services.forward(
                request.user, delivery, region=region, requirements=d["requirements"],
                sign_deadline=d["sign_deadline"], target_kinds=d["target_kinds"], target_levels=d["target_levels"],
                feedback_required=d["feedback_required"], feedback_deadline=d["feedback_deadline"],
                title=d["title"] or None)
        except scope.RegionCodeError as exc:
            form.add_error("region", str(exc))
            return _page(request, self.get_object(), forward_form=form, status=400, focus="forward")
        except ValidationError as exc:
            for field, words in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, words)
            return _page(request, self.get_object(), forward_form=form, status=400, focus="forward")
        messages.success(request, _("已转发：%(title)s，送达 %(n)s 个单位") % {
            "title": fwd.title, "n": fwd.deliveries.count()})
        return redirect("command:delivery-detail", pk=delivery.pk)


urlpatterns = [
    path("deliveries/<int:pk>/", DeliveryDetailView.as_view(), name="delivery-detail"),
    path("deliveries/<int:pk>/sign/", DeliverySignView.as_view(), name="delivery-sign"),
    path("deliveries/<int:pk>/feedback/", DeliveryFeedbackView.as_view(), name="delivery-feedback"),
    path("deliveries/<int:pk>/forward/", DeliveryForwardView.as_view(), name="delivery-forward"),
]
