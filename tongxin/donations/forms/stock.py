"""Forms of the stock part: ask for an adjustment, decide one, and an allocation decision (its lines
are stock rows of one organisation and appeal, with a quantity each)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tongxin.command.models import Directive
from tongxin.donations.models import Basis
from tongxin.donations.models.stock import AdjustmentReason
from tongxin.units.models import Unit

LINES = 5


def _choices(form: forms.Form, name: str, queryset) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


class StockChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        appeal = f" · {obj.appeal}" if obj.appeal_id else ""
        return f"{obj.unit.name}{appeal} · {obj.item} · {_('库存')} {obj.quantity:g}{obj.item.measure}"


class AdjustmentForm(forms.Form):
    stock = StockChoice(label=_("库存物资"), queryset=None)
    quantity = forms.CharField(label=_("调整数量"), help_text=_("减少填负数，盘盈填正数"), max_length=20)
    reason = forms.ChoiceField(label=_("原因"), choices=[("", "---------"), *AdjustmentReason.choices])
    note = forms.CharField(label=_("说明"), max_length=200, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, stocks=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "stock", stocks)


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(label=_("审核"), choices=[("1", _("批准")), ("0", _("驳回"))],
                                     coerce=lambda v: v == "1")
    note = forms.CharField(label=_("审核意见"), max_length=200, required=False)


class StockLines(forms.Form):
    """Up to LINES rows of (stock row, quantity), the first required, all of one organisation and
    appeal: what an allocation decides and what a hand-over sends."""

    def add_stock_lines(self, stocks) -> None:
        for n in range(1, LINES + 1):
            self.fields[f"stock_{n}"] = StockChoice(label=_("物资 %(n)s") % {"n": n}, queryset=stocks,
                                                    required=n == 1)
            self.fields[f"quantity_{n}"] = forms.CharField(label=_("数量 %(n)s") % {"n": n}, max_length=20,
                                                           required=n == 1)

    def lines(self) -> list[tuple]:
        return [(self.cleaned_data[f"stock_{n}"], self.cleaned_data.get(f"quantity_{n}"))
                for n in range(1, LINES + 1) if self.cleaned_data.get(f"stock_{n}") is not None]

    def one_source(self, refusal: str):
        """The first line's stock row when every line is of its organisation and appeal; else the
        refusal is added to the form and None returned. Call after is_valid()."""
        lines = self.lines()
        first = lines[0][0]
        if any((row.unit_id, row.appeal_id) != (first.unit_id, first.appeal_id) for row, _q in lines):
            self.add_error(None, refusal)
            return None
        return first


class AllocationForm(StockLines):
    recipient = forms.ModelChoiceField(label=_("受援单位"), queryset=Unit.objects.none())
    basis = forms.ChoiceField(label=_("分配依据"), choices=[("", "---------"), *Basis.choices])
    basis_text = forms.CharField(label=_("依据说明"), max_length=200)
    directive = forms.ModelChoiceField(label=_("指令"), queryset=Directive.objects.none(), required=False)
    decided_by = forms.CharField(label=_("决定人"), max_length=50)
    decided_at = forms.DateTimeField(label=_("决定时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def __init__(self, *args, stocks=None, recipients=None, directives=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "recipient", recipients)
        _choices(self, "directive", directives)
        self.add_stock_lines(stocks)
