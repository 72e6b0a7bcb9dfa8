"""Forms of the ledger pages: the list's filters, a new entry, a transition.

The choices a form offers come from the user's scope (regions under the user's bureaus,
campaigns the user sees, units the user may file for), so a form never offers what the
service would refuse for being out of sight. The services still decide.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from tongxin.core.types import Actor
from tongxin.ledger import sources
from tongxin.ledger.models import MAX_DESCRIPTION, Category, Severity, Status
from tongxin.ledger.queries import UNCLOSED
from tongxin.units import scope
from tongxin.units.models import Unit
from tongxin.units.queries import pickable_units
from tongxin.units.widgets import UnitPicker

EVIDENCE_ACCEPT = "image/jpeg,image/png,image/webp,application/pdf"
MAX_CAMPAIGN_CHOICES = 100


class LedgerFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("关键词"), required=False, max_length=100)
    # A code, a code prefix, a name, a path of names or a pinyin: read by the one resolver.
    region = forms.CharField(label=gettext_lazy("区划"), required=False, max_length=50)
    unit = forms.IntegerField(label=pgettext_lazy("organisation", "单位"), required=False, min_value=1)
    status = forms.ChoiceField(label=gettext_lazy("整改状态"), required=False)
    severity = forms.ChoiceField(label=gettext_lazy("严重程度"), required=False,
                                 choices=[("", gettext_lazy("全部"))] + list(Severity.choices))
    category = forms.ChoiceField(label=gettext_lazy("问题类别"), required=False,
                                 choices=[("", gettext_lazy("全部"))] + list(Category.choices))
    campaign = forms.TypedChoiceField(label=pgettext_lazy("campaign", "专项行动"),
                                      required=False, coerce=int, empty_value=None)
    overdue = forms.BooleanField(label=gettext_lazy("只看逾期"), required=False)

    def __init__(self, data: Any, *, user: Actor, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.user = user
        # Only a bureau's people choose among regions; a home's staff see their own unit's entries.
        self.show_region = bool(scope.top_regions(user))
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            ("", _("全部")), (UNCLOSED, _("未销号"))] + list(Status.choices)
        kind = sources.context(sources.CAMPAIGN)
        campaigns = list(kind.choices(user))[:MAX_CAMPAIGN_CHOICES] if kind else []
        cast(forms.ChoiceField, self.fields["campaign"]).choices = [("", _("全部")), *campaigns]

    def clean_region(self) -> str:
        """The code of the region named (in the user's sight), for `queries.filter_entries`."""
        raw = (self.cleaned_data.get("region") or "").strip()
        if not raw:
            return ""
        try:
            return scope.resolve_region_filter(self.user, raw, own_units=True).code
        except scope.RegionCodeError as exc:
            raise ValidationError(str(exc)) from None

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for `queries.filter_entries` from the fields that are valid; a bad value
        (shown as the field's error) filters nothing rather than everything failing."""
        self.is_valid()
        d = self.cleaned_data
        return {"region": d.get("region") or "", "unit": d.get("unit"), "status": d.get("status") or "",
                "severity": d.get("severity") or "", "category": d.get("category") or "",
                "campaign": d.get("campaign"), "overdue": bool(d.get("overdue")), "keyword": d.get("q") or ""}


def filing_units(user: Actor) -> QuerySet[Unit]:
    """Units the user may put a problem on the ledger for (their own unit, or those under their bureau)."""
    return pickable_units(user, "file").order_by("region_id", "name")


class EntryForm(forms.Form):
    unit = forms.ModelChoiceField(label=pgettext_lazy("organisation", "单位"), queryset=Unit.objects.none(),
                                  widget=UnitPicker(purpose="file"))
    # A problem put on the ledger by hand: the kinds registered as pickable by hand (其他, 日报 …).
    source = forms.ChoiceField(label=gettext_lazy("问题来源"), choices=lambda: sources.source_choices(manual_only=True))
    category = forms.ChoiceField(label=gettext_lazy("问题类别"), choices=Category.choices)
    severity = forms.ChoiceField(label=gettext_lazy("严重程度"), choices=Severity.choices)
    description = forms.CharField(label=gettext_lazy("问题描述"), max_length=MAX_DESCRIPTION,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    required_measure = forms.CharField(label=gettext_lazy("整改措施"), max_length=MAX_DESCRIPTION, required=False,
                                       widget=forms.Textarea(attrs={"rows": 2}))
    responsible_person = forms.CharField(label=gettext_lazy("责任人"), max_length=50, required=False)
    responsible_phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=20, required=False,
                                        widget=forms.TextInput(attrs={"inputmode": "tel"}))
    found_on = forms.DateField(label=gettext_lazy("发现日期"), widget=forms.DateInput(attrs={"type": "date"},
                                                                                    format="%Y-%m-%d"))
    deadline = forms.DateField(label=gettext_lazy("整改时限"), widget=forms.DateInput(attrs={"type": "date"},
                                                                                    format="%Y-%m-%d"))

    def __init__(self, *args: Any, user: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Unit]", self.fields["unit"]).queryset = filing_units(user)
        self.fields["found_on"].initial = timezone.localdate()
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
            field.widget.attrs.setdefault("id", f"id_{name}")

    def clean_found_on(self) -> dt.date:
        found_on = self.cleaned_data["found_on"]
        if found_on > timezone.localdate():
            raise ValidationError(_("发现日期不能晚于今天"))
        return found_on

    def service_values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {k: d[k] for k in ("unit", "source", "category", "severity", "description", "required_measure",
                                  "responsible_person", "responsible_phone", "found_on", "deadline")}
