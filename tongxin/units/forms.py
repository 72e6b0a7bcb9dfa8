"""The unit form: choices limited to what the user may see; saving goes through services."""

from typing import Any, cast

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongxin.core.types import Actor
from tongxin.core.validators import normalize_credit_code, normalize_phone
from tongxin.regions.models import Region
from tongxin.regions.queries import in_subtree
from tongxin.units import scope
from tongxin.units.models import Kind, Unit


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.full_name() if obj.level == 3 else obj.name}"


class UnitForm(forms.ModelForm):
    region = RegionChoiceField(queryset=Region.objects.none(), label=_("所在区划"))

    class Meta:
        model = Unit
        fields = [
            "name", "kind", "region", "supervisor", "member_of", "credit_code", "address",
            "contact_person", "phone", "beds", "residents", "staff", "is_active",
        ]
        widgets = {"address": forms.TextInput()}

    def __init__(self, *args: Any, user: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        s = scope.scope_of(user)
        region_q = Q(pk__in=[])
        for p in s.write_prefixes:
            region_q |= in_subtree("code", p)
        if self.instance.pk:
            region_q |= Q(pk=self.instance.region_id)
        choices = {name: cast(forms.ModelChoiceField, self.fields[name])
                   for name in ("region", "supervisor", "member_of")}
        choices["region"].queryset = Region.objects.filter(region_q).select_related("parent").order_by("code")
        visible = scope.restrict(Unit.objects.all(), user, mode=scope.REGISTRY)
        # The current links stay choosable even when they lie outside the user's sight
        # (a county officer editing the county bureau keeps the city bureau above it).
        current = Q(pk__in=[pk for pk in (self.instance.supervisor_id, self.instance.member_of_id) if pk])
        visible = Unit.objects.filter(Q(pk__in=visible.values("pk")) | current)
        choices["supervisor"].queryset = visible.filter(kind=Kind.BUREAU)
        self.fields["supervisor"].required = False
        self.fields["supervisor"].help_text = _("留空则自动设为所在区划的民政部门")
        choices["member_of"].queryset = visible.exclude(pk=self.instance.pk).filter(
            kind__in=[Kind.INDUSTRY_ASSOCIATION, Kind.CHAMBER]
        )
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if isinstance(field.widget, forms.CheckboxInput):
                css = "form-check-input"
            field.widget.attrs.setdefault("class", css)
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})
        self.fields["credit_code"].widget.attrs.update({"autocapitalize": "characters", "maxlength": 18})

    def clean_credit_code(self) -> str | None:
        value = (self.cleaned_data.get("credit_code") or "").strip()
        return normalize_credit_code(value) if value else None

    def clean_phone(self) -> str:
        value = (self.cleaned_data.get("phone") or "").strip()
        return normalize_phone(value) if value else ""

    def validate_unique(self) -> None:
        """Uniqueness is checked by the service, in the same transaction as the write."""

    def _post_clean(self) -> None:
        # Field cleaning only; model validation runs once, in the service, so the rules live in one place.
        pass


class UnitImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))
