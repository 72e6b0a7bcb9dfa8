"""The directive form (拟稿, 修改, 修订): plain fields the services check again; the issuing bureaus
offered are those the user acts for, the region is read by the one region resolver."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.command.models import Directive, Urgency
from tongxin.command.models.directives import MAX_BODY, MAX_FEEDBACK, MAX_TITLE
from tongxin.command.queries.directives import LEVELS
from tongxin.core.types import Actor
from tongxin.units import scope
from tongxin.units.models import Kind, Unit

ATTACHMENT_ACCEPT = "image/jpeg,image/png,image/webp,application/pdf"
LOCAL = "%Y-%m-%dT%H:%M"


def issuing_bureaus(user: Actor) -> QuerySet[Unit]:
    """The bureaus the user may draft a directive for (officers and leaders, in their FILE scope)."""
    return (Unit.objects.restrict(user, scope.FILE).filter(kind=Kind.BUREAU, is_active=True)
            .select_related("region").order_by("region_id", "name"))


def _when(label: Any, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=required, input_formats=[LOCAL, "%Y-%m-%d %H:%M"],
                               widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL))


class DirectiveForm(forms.Form):
    issuer = forms.ModelChoiceField(label=gettext_lazy("发文单位"), queryset=Unit.objects.none(), empty_label=None)
    title = forms.CharField(label=gettext_lazy("标题"), max_length=MAX_TITLE)
    doc_number = forms.CharField(label=gettext_lazy("文号"), max_length=50, required=False,
                                 widget=forms.TextInput(attrs={"placeholder": gettext_lazy("如：湘民发〔2021〕12号")}))
    urgency = forms.ChoiceField(label=gettext_lazy("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL)
    body = forms.CharField(label=gettext_lazy("正文"), max_length=MAX_BODY, widget=forms.Textarea(attrs={"rows": 8}))
    region = forms.CharField(label=gettext_lazy("下发范围"), max_length=50, required=False,
                             help_text=gettext_lazy("区划名称、拼音或代码；空为发文单位的辖区"))
    target_levels = forms.MultipleChoiceField(label=gettext_lazy("接收层级"), required=False,
                                              choices=list(LEVELS.items()), widget=forms.CheckboxSelectMultiple,
                                              help_text=gettext_lazy("不选表示全部层级"))
    target_kinds = forms.MultipleChoiceField(label=gettext_lazy("接收单位类型"), required=False, choices=Kind.choices,
                                             widget=forms.CheckboxSelectMultiple,
                                             help_text=gettext_lazy("不选表示全部类型"))
    sign_deadline = _when(gettext_lazy("签收时限"))
    feedback_required = forms.BooleanField(label=gettext_lazy("需反馈"), required=False)
    feedback_deadline = _when(gettext_lazy("反馈时限"), required=False)
    feedback_request = forms.CharField(label=gettext_lazy("反馈要求"), max_length=MAX_FEEDBACK, required=False,
                                       widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Actor, directive: Directive | None = None, revision: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        field = cast("forms.ModelChoiceField[Unit]", self.fields["issuer"])
        field.queryset = issuing_bureaus(user)
        if directive is not None:  # editing or revising: the issuer stays
            field.queryset = Unit.objects.filter(pk=directive.issuer_id)
            field.disabled = True
        if revision:
            self.fields["substantive"] = forms.BooleanField(
                label=gettext_lazy("实质性修改（各单位须重新签收）"), required=False, initial=True)
        for name, f in self.fields.items():
            if isinstance(f.widget, forms.CheckboxSelectMultiple):
                continue
            css = ("form-check-input" if isinstance(f.widget, forms.CheckboxInput) else
                   "form-select" if isinstance(f.widget, forms.Select) else "form-control")
            f.widget.attrs.setdefault("class", css)
            f.widget.attrs.setdefault("id", f"id_{name}")

    @staticmethod
    def initial_of(directive: Directive) -> dict[str, Any]:
        from django.utils import timezone

        def local(value: dt.datetime | None) -> str:
            return timezone.localtime(value).strftime(LOCAL) if value else ""

        return {"issuer": directive.issuer_id, "title": directive.title, "doc_number": directive.doc_number,
                "urgency": directive.urgency, "body": directive.body, "region": directive.region_id,
                "target_levels": directive.target_levels, "target_kinds": directive.target_kinds,
                "sign_deadline": local(directive.sign_deadline), "feedback_required": directive.feedback_required,
                "feedback_deadline": local(directive.feedback_deadline),
                "feedback_request": directive.feedback_request}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        issuer = data.get("issuer")
        raw = str(data.get("region") or "").strip()
        if issuer is not None:
            if not raw:
                data["region_obj"] = issuer.region
            else:
                try:
                    data["region_obj"] = scope.resolve_region(self.user, raw, mode=scope.READ)
                except (scope.RegionCodeError, Http404):
                    self.add_error("region", _("找不到区划“%(term)s”，或不在您的辖区内") % {"term": raw[:20]})
        return data

    def service_values(self) -> dict[str, Any]:
        d = self.cleaned_data
        values = {k: d[k] for k in ("title", "doc_number", "urgency", "body", "target_levels", "target_kinds",
                                    "sign_deadline", "feedback_required", "feedback_deadline", "feedback_request")}
        values["region"] = d["region_obj"]
        return values


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("撤回原因"), max_length=500)


def first_error(exc: ValidationError) -> str:
    return exc.messages[0] if exc.messages else _("输入有误")
