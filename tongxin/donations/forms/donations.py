"""Forms of the donations part: record a donation on a phone (cash, or one goods line), the batch upload."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tongxin.donations.models import Appeal, AppealStatus, Channel, DonorKind, Valuation
from tongxin.donations.services.catalogue import cash_item
from tongxin.units import scope
from tongxin.units.models import Kind, Membership, Unit

UNIT_OPTIONS = 200
GOODS_VALUATIONS = [c for c in Valuation.choices if c[0] != Valuation.CASH]


def units_for(user: Any) -> Any:
    """The units the user may record donations for (FILE scope, not bureaus)."""
    return Unit.objects.restrict(user, scope.FILE).exclude(kind=Kind.BUREAU).filter(is_active=True).order_by("name")


class DonationForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("受赠单位"), coerce=int, choices=())
    appeal_id = forms.CharField(label=_("募捐倡议"), required=False, widget=forms.Select(),
                                help_text=_("本单位发起或联合发起、正在募集的倡议"))
    received = forms.BooleanField(label=_("已收到（不勾选则登记为认捐）"), required=False, initial=True)
    donor_kind = forms.ChoiceField(label=_("捐赠方类型"), choices=DonorKind.choices, initial=DonorKind.ENTERPRISE)
    donor_enterprise_id = forms.CharField(label=_("会员企业"), required=False, widget=forms.Select())
    donor_name = forms.CharField(label=_("捐赠方名称或姓名"), max_length=120, required=False)
    donor_credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=30, required=False)
    donor_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False,
                                  widget=forms.TextInput(attrs={"inputmode": "tel"}))
    name_public = forms.BooleanField(label=_("捐赠方同意公开名称"), required=False)
    gift = forms.ChoiceField(label=_("捐赠内容"), choices=[("cash", _("现金")), ("goods", _("物资"))], initial="cash",
                             widget=forms.RadioSelect)
    channel = forms.ChoiceField(label=_("捐款渠道"), choices=[("", "—"), *Channel.choices], required=False)
    reference = forms.CharField(label=_("交易流水号"), max_length=80, required=False)
    name = forms.CharField(label=_("物资名称"), max_length=80, required=False)
    specification = forms.CharField(label=_("规格型号"), max_length=80, required=False,
                                    help_text=_("如 N95、KN95：不同规格是不同的物资"))
    measure = forms.CharField(label=_("计量单位"), max_length=20, required=False)
    quantity = forms.CharField(label=_("数量（现金填金额，元）"), max_length=30,
                               widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    valuation = forms.ChoiceField(label=_("估值依据"), choices=[("", "—"), *GOODS_VALUATIONS], required=False)
    unit_value = forms.CharField(label=_("单价（元）"), max_length=30, required=False,
                                 widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    value = forms.CharField(label=_("价值（元）"), max_length=30, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    valuation_note = forms.CharField(label=_("估值说明"), max_length=200, required=False)
    valuation_approved_by = forms.CharField(label=_("估值审核人（本单位另一名工作人员）"), required=False,
                                            widget=forms.Select(), help_text=_("按公允价值估值时必填"))
    expiry_date = forms.CharField(label=_("有效期至"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    lot = forms.CharField(label=_("批号"), max_length=40, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    LINE_FIELDS = ("quantity", "valuation", "unit_value", "value", "valuation_note", "valuation_approved_by",
                   "expiry_date", "lot")

    def __init__(self, *args: Any, units: Any = (), user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = units
        shown = units[:UNIT_OPTIONS]
        appeals = (Appeal.objects.filter(status=AppealStatus.PUBLISHED, issuer_rows__unit__in=shown)
                   .distinct().order_by("-starts_on", "-id")[:100])
        cast(forms.Select, self.fields["appeal_id"].widget).choices = [("", _("（不属于任何倡议）"))] + [
            (a.pk, a.title) for a in appeals]
        staff = (Membership.objects.filter(unit__in=shown, role__in=scope.BUSINESS_ROLES, user__is_active=True)
                 .exclude(user=user).select_related("user", "unit").order_by("unit__name", "user__full_name")[:300])
        cast(forms.Select, self.fields["valuation_approved_by"].widget).choices = [("", "—")] + [
            (m.user_id, f"{m.user.full_name or m.user.username} · {m.unit.name}") for m in staff]
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(field.widget, forms.RadioSelect):
                continue
            else:
                css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                field.widget.attrs["class"] = css
        cast(forms.ChoiceField, self.fields["unit"]).choices = [(u.pk, u.name) for u in units[:UNIT_OPTIONS]]
        members = Unit.objects.filter(member_of__in=units[:UNIT_OPTIONS], is_active=True).order_by("name")[:500]
        self.fields["donor_enterprise_id"].widget.choices = [("", _("（不在会员名录中：手工填写）"))] + [
            (m.pk, m.name) for m in members]

    def parts(self) -> tuple[Unit, dict[str, Any], list[dict[str, Any]], bool]:
        d = self.cleaned_data
        unit = self.units.get(pk=d["unit"])
        values = {k: d.get(k) for k in ("appeal_id", "donor_kind", "donor_name", "donor_enterprise_id",
                                        "donor_credit_code", "donor_phone", "name_public", "channel", "reference",
                                        "note")}
        line: dict[str, Any] = {k: d.get(k) or None for k in self.LINE_FIELDS}
        line["quantity"] = d.get("quantity")
        if d.get("gift") == "cash":
            line = {"item": cash_item(), "quantity": d.get("quantity")}
        else:
            line.update(name=d.get("name"), specification=d.get("specification"), measure=d.get("measure"))
        return unit, values, [line], bool(d.get("received"))

    def refuse(self, exc: ValidationError) -> None:
        """Put the service's refusals at their fields (a line's `lines.0.x` at `x`)."""
        for key, messages in (exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}).items():
            field = key.split(".")[-1] if key.startswith("lines.") else key
            field = "name" if field == "item" else field
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class ImportForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("导入到单位"), coerce=int, choices=())
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))

    def __init__(self, *args: Any, units: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["unit"]).choices = [(u.pk, u.name) for u in units[:UNIT_OPTIONS]]


class CorrectForm(forms.Form):
    """A correction of a received donation: the reason, and for every line what it really was
    (a quantity; for goods, how it was valued, the unit value and the value). The donor, the lot and
    the expiry stay the old record's; the service makes the new record and the 更正说明."""

    reason = forms.CharField(label=_("更正原因"), max_length=200, help_text=_("将在公示的更正说明中显示"))

    def __init__(self, *args: Any, lines: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.donation_lines = list(lines)
        for line in self.donation_lines:
            pk, goods = line.pk, not line.item.is_cash
            label = f"{line.item}（{line.item.measure}）"
            self.fields[f"quantity_{pk}"] = forms.CharField(
                label=_("%(item)s 数量") % {"item": label} if goods else _("现金金额（元）"), max_length=30,
                initial=format(line.quantity.normalize(), "f"), widget=forms.TextInput(attrs={"inputmode": "decimal"}))
            if goods:
                self.fields[f"valuation_{pk}"] = forms.ChoiceField(
                    label=_("估值依据"), choices=GOODS_VALUATIONS, initial=line.valuation)
                self.fields[f"unit_value_{pk}"] = forms.CharField(
                    label=_("单价（元）"), max_length=30, required=False,
                    initial="" if line.unit_value is None else format(line.unit_value, "f"),
                    widget=forms.TextInput(attrs={"inputmode": "decimal"}))
                self.fields[f"value_{pk}"] = forms.CharField(
                    label=_("价值（元）"), max_length=30, required=False,
                    initial="" if line.value is None else format(line.value, "f"),
                    widget=forms.TextInput(attrs={"inputmode": "decimal"}))
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def lines(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for line in self.donation_lines:
            pk, data = line.pk, self.cleaned_data
            row: dict[str, Any] = {"item": line.item, "quantity": data.get(f"quantity_{pk}")}
            if not line.item.is_cash:
                row |= {"valuation": data.get(f"valuation_{pk}"), "unit_value": data.get(f"unit_value_{pk}") or None,
                        "value": data.get(f"value_{pk}") or None, "expiry_date": line.expiry_date, "lot": line.lot,
                        "valuation_note": line.valuation_note,
                        "valuation_approved_by": line.valuation_approved_by_id}
            out.append(row)
        return out

    def refuse(self, exc: ValidationError) -> None:
        """The service's `lines.<n>.<field>` refusals at the n-th line's field."""
        for key, messages in (exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}).items():
            name = None
            if key.startswith("lines.") and key.count(".") == 2:
                _l, n, field = key.split(".")
                if n.isdigit() and int(n) < len(self.donation_lines):
                    name = f"{field}_{self.donation_lines[int(n)].pk}"
            elif key in self.fields:
                name = key
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
