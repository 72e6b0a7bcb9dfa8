"""Forms of the handovers part: send goods (lines are stock rows of one organisation and appeal),
the recipient's count (one field per line, with a photo from the phone's camera), resolving a
discrepancy, and a correction (what was really sent, line by line)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tongxin.donations.forms.stock import StockChoice, StockLines, _choices
from tongxin.donations.models import Allocation
from tongxin.donations.models.appeals import TEXT_MAX
from tongxin.units.models import Unit


class HandoverForm(StockLines):
    recipient = forms.ModelChoiceField(label=_("受援单位"), queryset=Unit.objects.none())
    allocation = forms.ModelChoiceField(label=_("分配决定"), queryset=Allocation.objects.none(), required=False,
                                        help_text=_("按分配决定交付的请选择，受援单位和物资须与决定一致"))
    carrier = forms.CharField(label=_("承运/陪同"), max_length=TEXT_MAX, required=False,
                              help_text=_("如：社区干部随车送达"))
    note = forms.CharField(label=_("备注"), max_length=TEXT_MAX, required=False)

    def __init__(self, *args: Any, stocks=None, recipients=None, allocations=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "recipient", recipients)
        _choices(self, "allocation", allocations)
        self.add_stock_lines(stocks)


class ConfirmForm(forms.Form):
    """The recipient's count: `count_<line id>` for every line, prefilled with what was sent."""

    note = forms.CharField(label=_("签收说明"), max_length=TEXT_MAX, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("数量有差异或无法拍照时必填"))

    def __init__(self, *args: Any, lines=(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.handover_lines = list(lines)
        self.photo_errors: list[str] = []  # the photos input is plain HTML (several files); its refusals go here
        for line in self.handover_lines:
            self.fields[f"count_{line.pk}"] = forms.CharField(
                label=f"{line.item}（{line.item.measure}）", max_length=20, required=False,
                initial=format(line.sent.normalize(), "f"),
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        self.order_fields([*(f"count_{line.pk}" for line in self.handover_lines), "note"])

    def counts(self) -> dict[int, str]:
        return {line.pk: self.cleaned_data.get(f"count_{line.pk}", "") for line in self.handover_lines}


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("核实和处理结果"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class CorrectForm(forms.Form):
    """What was really sent: one quantity per line of the old hand-over (0 drops the line) and up to
    two more stock rows of the same organisation and appeal."""

    EXTRA = 2
    reason = forms.CharField(label=_("更正原因"), max_length=TEXT_MAX, help_text=_("将在公示的更正说明中显示"))

    def __init__(self, *args: Any, lines=(), stocks=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.handover_lines = list(lines)
        for line in self.handover_lines:
            self.fields[f"sent_{line.pk}"] = forms.CharField(
                label=f"{line.item}（{line.item.measure}）", max_length=20, initial=format(line.sent.normalize(), "f"),
                help_text=_("填 0 表示删除该项"), widget=forms.TextInput(attrs={"inputmode": "decimal"}))
        for n in range(1, self.EXTRA + 1):
            self.fields[f"stock_{n}"] = StockChoice(label=_("增加物资 %(n)s") % {"n": n}, queryset=stocks,
                                                    required=False)
            self.fields[f"quantity_{n}"] = forms.CharField(label=_("数量 %(n)s") % {"n": n}, max_length=20,
                                                           required=False)

    def lines(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for line in self.handover_lines:
            raw = (self.cleaned_data.get(f"sent_{line.pk}") or "").strip()
            if raw not in ("0", "0.0", "0.00"):
                out.append({"item": line.item, "quantity": raw})
        for n in range(1, self.EXTRA + 1):
            row = self.cleaned_data.get(f"stock_{n}")
            if row is not None:
                out.append({"item": row.item, "quantity": self.cleaned_data.get(f"quantity_{n}")})
        return out
