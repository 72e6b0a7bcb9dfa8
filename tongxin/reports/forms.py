"""The web form of a report, built from a form version's definition.

Guarantees: one input per field of the definition, with the widget a phone needs (numeric
keypad for numbers, a 是/否 toggle for yes/no, a date picker, a list for a single choice);
the form itself never judges a value — it hands the raw input to `services.submit_report` /
`correct_report`, and puts the messages they raise back under the field they name (rule
messages at the top), so the web says exactly what the API and the Excel upload say.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.reports.definition import label, unit_label
from tongxin.reports.models import REASON_MAX_LENGTH

# Names that can never collide with a field key (keys are [a-z0-9_] only).
REASON = "tx-reason"
ZERO = "tx-zero"


def as_input(field: dict, value: Any) -> str:
    """A stored value as the text its input shows."""
    if value is None:
        return ""
    if field["type"] == "bool":
        return "true" if value else "false"
    return str(value)


def display(field: dict, value: Any) -> str:
    """A stored value as a person reads it (是/否, the choice's label, — for empty)."""
    if value is None or value == "":
        return "—"
    if field["type"] == "bool":
        return _("是") if value else _("否")
    if field["type"] == "choice":
        for c in field.get("choices", []):
            if str(c["value"]) == str(value):
                return label(c) or str(value)
    return str(value)


def _widget(field: dict) -> forms.Widget:
    kind = field["type"]
    attrs: dict[str, Any] = {"class": "form-control"}
    for bound in ("min", "max"):
        if field.get(bound) is not None and kind in ("int", "decimal"):
            attrs[bound] = field[bound]
    if kind == "int":
        return forms.NumberInput(attrs={**attrs, "inputmode": "numeric", "step": "1", "pattern": "[0-9]*"})
    if kind == "decimal":
        return forms.NumberInput(attrs={**attrs, "inputmode": "decimal", "step": "any"})
    if kind == "bool":
        return forms.RadioSelect(choices=[("true", _("是")), ("false", _("否"))])
    if kind == "choice":
        choices = [("", _("请选择"))] + [(str(c["value"]), label(c) or str(c["value"]))
                                         for c in field.get("choices", [])]
        return forms.Select(choices=choices, attrs={"class": "form-select"})
    if kind == "date":
        return forms.DateInput(attrs={**attrs, "type": "date"})
    return forms.Textarea(attrs={**attrs, "rows": 2})


class ReportForm(forms.Form):
    """One input per field of `definition`; `initial_values` are stored values (e.g. carried from yesterday)."""

    def __init__(self, definition: dict[str, Any], *args: Any, initial_values: dict[str, Any] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.definition = definition
        self.specs = {f["key"]: f for f in definition["fields"]}
        initial_values = initial_values or {}
        for key, spec in self.specs.items():
            widget = _widget(spec)
            if spec.get("required"):
                widget.attrs["required"] = True
            self.fields[key] = forms.CharField(
                label=label(spec), help_text=label(spec, "help"), required=False, strip=False, widget=widget,
                initial=as_input(spec, initial_values.get(key)),
            )

    def rows(self) -> list[dict]:
        """What the template draws per field: the bound field and its definition."""
        out = []
        for key, spec in self.specs.items():
            bound = self[key]
            if bound.errors:
                attrs = bound.field.widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"err-{key}"
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
            out.append({"field": bound, "spec": spec, "type": spec["type"], "unit": unit_label(spec),
                        "required": bool(spec.get("required")), "value": as_value(bound.value())})
        return out

    def raw_values(self) -> dict[str, Any]:
        """The input as typed, for the service to judge."""
        return {key: self.cleaned_data.get(key, "") for key in self.specs}

    def add_service_errors(self, exc: ValidationError) -> None:
        """Put a service's messages under the field they name; rule and other messages at the top."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for key, messages in exc.message_dict.items():
            if key in self.fields:
                prefix = f"{self.fields[key].label}："
                self.add_error(key, [m[len(prefix):] if m.startswith(prefix) else m for m in messages])
            else:
                self.add_error(None, messages)


def as_value(value: Any) -> str:
    return "" if value is None else str(value)


class CorrectionForm(ReportForm):
    """The report's fields pre-filled with its current values, plus why it is corrected."""

    def __init__(self, definition: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(definition, *args, **kwargs)
        self.fields[REASON] = forms.CharField(
            label=gettext_lazy("更正原因"), required=False, max_length=REASON_MAX_LENGTH,
            widget=forms.TextInput(attrs={"class": "form-control", "required": True, "maxlength": 200,
                                          "placeholder": gettext_lazy("例如：漏报 2 名新入住老人")}),
        )

    def rows(self) -> list[dict]:
        if self.is_bound and self[REASON].errors:
            attrs = self.fields[REASON].widget.attrs
            attrs.update({"aria-invalid": "true", "aria-describedby": "err-tx-reason"})
            attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
        return super().rows()

    @property
    def reason(self) -> str:
        return self.cleaned_data.get(REASON, "")

    def add_service_errors(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict") and "reason" in exc.error_dict and "reason" not in self.specs:
            self.add_error(REASON, exc.error_dict.pop("reason"))
            if not exc.error_dict:
                return
        super().add_service_errors(exc)
