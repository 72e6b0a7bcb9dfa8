"""Forms of the response pages: declare, change the level, end. The choices come from the user's
own bureaus; the services still decide (and name the field when they refuse)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from tongxin.command.models import Level, ResponseKind
from tongxin.command.services.responses import MAX_NOTE, MAX_TITLE, officer_bureaus
from tongxin.core.types import Actor
from tongxin.regions.models import Region
from tongxin.units import scope
from tongxin.units.models import Unit

LOCAL_INPUT = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


def _local(**attrs: Any) -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local", **attrs}, format="%Y-%m-%dT%H:%M")


def _style(form: forms.Form) -> None:
    for name, field in form.fields.items():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)
        field.widget.attrs.setdefault("id", f"id_{name}")


class DeclareForm(forms.Form):
    bureau = forms.ModelChoiceField(label=gettext_lazy("启动单位"), queryset=Unit.objects.none(), empty_label=None)
    region = forms.CharField(label=gettext_lazy("响应范围（区划）"), max_length=50,
                             help_text=gettext_lazy("本辖区或其下级区划：名称（南县）、拼音（nx）或代码（430921）"))
    kind = forms.ChoiceField(label=gettext_lazy("响应类型"), choices=ResponseKind.choices)
    level = forms.TypedChoiceField(label=gettext_lazy("响应级别"), choices=Level.choices, coerce=int)
    starts_at = forms.DateTimeField(label=gettext_lazy("启动时间"), input_formats=LOCAL_INPUT, widget=_local())
    ends_at = forms.DateTimeField(label=gettext_lazy("结束时间（可不填）"), input_formats=LOCAL_INPUT,
                                  required=False, widget=_local())
    title = forms.CharField(label=gettext_lazy("名称（可不填）"), max_length=MAX_TITLE, required=False)
    note = forms.CharField(label=gettext_lazy("说明"), max_length=MAX_NOTE, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, user: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.bureaus = officer_bureaus(user)
        field = cast("forms.ModelChoiceField[Unit]", self.fields["bureau"])
        field.queryset = Unit.objects.filter(pk__in=[b.pk for b in self.bureaus])
        if self.bureaus and not self.is_bound:
            self.initial.setdefault("bureau", self.bureaus[0].pk)
            self.initial.setdefault("region", self.bureaus[0].region_id)
        _style(self)

    def clean_region(self) -> Region:
        """A code is taken as it is (the service says when it lies outside the bureau's area); a name
        or pinyin is looked up among the regions the user reaches."""
        raw = (self.cleaned_data.get("region") or "").strip()
        try:
            if raw.isdigit():
                return scope.parse_region_code(raw)
            return scope.resolve_region_filter(self.user, raw)
        except scope.RegionCodeError as exc:
            raise ValidationError(str(exc)) from None

    def service_values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {k: d[k] for k in ("bureau", "region", "kind", "level", "starts_at", "ends_at", "title", "note")}


class LevelForm(forms.Form):
    level = forms.TypedChoiceField(label=gettext_lazy("新的级别"), choices=Level.choices, coerce=int)
    note = forms.CharField(label=gettext_lazy("说明"), max_length=MAX_NOTE, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class EndForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("说明"), max_length=MAX_NOTE, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)
