"""Forms of the appeals part: an appeal (its fields, co-issuers in signing order, a few rows of
needs) and a disclosure. The forms only shape the input; services.appeals decides what is valid
and its refusals are put back at the fields they name (`needs[i]` at the i-th filled row)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tongxin.donations.models import Appeal
from tongxin.donations.models.appeals import TEXT_MAX, TITLE_MAX, Clock

ISSUERS = 4  # co-issuer rows on the page
NEEDS = 5  # need rows on a new appeal (an edit shows its needs and two more)
UNIT_OPTIONS = 200


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxInput):
            field.widget.attrs.setdefault("class", "form-check-input")
        else:
            field.widget.attrs["class"] = "form-select" if isinstance(field.widget, forms.Select) else "form-control"


class AppealForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("牵头发起单位"), coerce=int, choices=())
    title = forms.CharField(label=_("标题"), max_length=TITLE_MAX)
    text = forms.CharField(label=_("倡议内容"), widget=forms.Textarea(attrs={"rows": 6}))
    starts_on = forms.CharField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.CharField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    beneficiary = forms.CharField(label=_("受益对象"), max_length=TEXT_MAX)
    how_to_give = forms.CharField(label=_("捐赠方式"), help_text=_("收款账户、物资接收地点和联系人"),
                                  widget=forms.Textarea(attrs={"rows": 3}))
    filing_number = forms.CharField(label=_("备案编号"), max_length=60, required=False)
    clock = forms.ChoiceField(label=_("公开频次"), choices=Clock.choices, initial=Clock.RESPONSE)

    def __init__(self, *args: Any, units: Any = None, co_issuers: Any = None, appeal: Appeal | None = None,
                 needs: int = NEEDS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.appeal = appeal
        self.units = units
        if appeal is not None:  # the lead issuer of an appeal does not change
            del self.fields["unit"]
        else:
            cast(forms.ChoiceField, self.fields["unit"]).choices = [(u.pk, u.name) for u in units[:UNIT_OPTIONS]]
        self.co_issuers = co_issuers
        options = [("", _("（无）"))] + [(u.pk, u.name) for u in co_issuers[:UNIT_OPTIONS]]
        for n in range(1, ISSUERS + 1):
            self.fields[f"issuer_{n}"] = forms.TypedChoiceField(
                label=_("联合发起单位 %(n)s") % {"n": n}, choices=options, coerce=int, required=False,
                empty_value=None)
        self.need_rows = needs
        for n in range(1, needs + 1):
            self.fields[f"need_name_{n}"] = forms.CharField(label=_("物资名称"), max_length=80, required=False)
            self.fields[f"need_specification_{n}"] = forms.CharField(label=_("规格型号"), max_length=80,
                                                                     required=False)
            self.fields[f"need_measure_{n}"] = forms.CharField(label=_("计量单位"), max_length=20, required=False)
            self.fields[f"need_quantity_{n}"] = forms.CharField(
                label=_("需求数量"), max_length=30, required=False,
                widget=forms.TextInput(attrs={"inputmode": "decimal"}))
        _style(self)
        self._filled: list[int] = []

    @classmethod
    def initial_of(cls, appeal: Appeal, issuers: list[Any]) -> dict[str, Any]:
        """The form's initial values for editing `appeal` (issuers: in signing order, the lead first)."""
        initial: dict[str, Any] = {f: getattr(appeal, f) for f in (
            "title", "text", "beneficiary", "how_to_give", "filing_number", "clock")}
        initial["starts_on"] = appeal.starts_on.isoformat()
        initial["ends_on"] = appeal.ends_on.isoformat() if appeal.ends_on else ""
        for n, unit in enumerate(issuers[1:ISSUERS + 1], start=1):
            initial[f"issuer_{n}"] = unit.pk
        for n, need in enumerate(appeal.needs.select_related("item"), start=1):
            initial.update({f"need_name_{n}": need.item.name, f"need_specification_{n}": need.item.specification,
                            f"need_measure_{n}": need.item.measure,
                            f"need_quantity_{n}": format(need.quantity.normalize(), "f")})
        return initial

    def issuer_fields(self) -> list[Any]:
        return [self[f"issuer_{n}"] for n in range(1, ISSUERS + 1)]

    def need_fields(self) -> list[list[Any]]:
        return [[self[f"need_{k}_{n}"] for k in ("name", "specification", "measure", "quantity")]
                for n in range(1, self.need_rows + 1)]

    def lead(self) -> Any:
        return self.units.get(pk=self.cleaned_data["unit"])

    def values(self) -> dict[str, Any]:
        return {k: self.cleaned_data.get(k) for k in ("title", "text", "starts_on", "ends_on", "beneficiary",
                                                      "how_to_give", "filing_number", "clock")}

    def issuers(self) -> list[Any]:
        picked = [self.cleaned_data.get(f"issuer_{n}") for n in range(1, ISSUERS + 1)]
        by_pk = {u.pk: u for u in self.co_issuers.filter(pk__in=[p for p in picked if p])}
        return [by_pk[p] for p in picked if p in by_pk]

    def needs(self) -> list[dict[str, Any]]:
        """The filled need rows, in order (a row counts when any of its fields is filled)."""
        out: list[dict[str, Any]] = []
        self._filled = []
        for n in range(1, self.need_rows + 1):
            row = {k: (self.cleaned_data.get(f"need_{k}_{n}") or "").strip()
                   for k in ("name", "specification", "measure", "quantity")}
            if any(row.values()):
                self._filled.append(n)
                out.append(row)
        return out

    def refuse(self, exc: ValidationError) -> None:
        """Put the service's refusals at their fields; `needs[i]` at the i-th filled need row."""
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        for key, messages in errors.items():
            field: str | None = key
            if key.startswith("needs[") and key.endswith("]"):
                i = int(key[6:-1])
                field = f"need_quantity_{self._filled[i]}" if i < len(self._filled) else None
                messages = [f"{_('需求物资')} {i + 1}：{m}" for m in messages] if field is None else messages
            elif key == "issuers":
                field = "issuer_1"
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class DisclosureForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("公开单位"), coerce=int, choices=())
    note = forms.CharField(label=_("说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    is_final = forms.BooleanField(label=_("结束后全面公开"), required=False)

    def __init__(self, *args: Any, units: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["unit"]).choices = [(u.pk, u.name) for u in units]
        _style(self)
