"""Forms of check-in: the code a person types, the roll's ticks and a review's note."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from tongxin.mobilization.services.checkin import CODE_LENGTH, NOTE_MAX

IN, OUT = "in", "out"
DIRECTIONS = [(IN, gettext_lazy("签到")), (OUT, gettext_lazy("签退"))]


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("签到码"), max_length=CODE_LENGTH + 4, required=True,
                           error_messages={"required": gettext_lazy("签到码：请输入卡点显示的 6 位签到码")},
                           widget=forms.TextInput(attrs={
                               "autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
                               "inputmode": "text", "class": "form-control form-control-lg text-center tx-code-input"}))
    action = forms.ChoiceField(choices=DIRECTIONS, initial=IN)


class RollForm(forms.Form):
    action = forms.ChoiceField(choices=DIRECTIONS)
    people = forms.TypedMultipleChoiceField(coerce=int, choices=[], label=gettext_lazy("人员"),
                                            error_messages={"required": gettext_lazy("人员：请至少选择一人")})

    def __init__(self, *args, people=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["people"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [(p.pk, p.name) for p in people]


class ReviewForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("复核说明"), max_length=NOTE_MAX,
                           error_messages={"required": gettext_lazy("复核说明：请写明核实的情况")})
    hours = forms.CharField(label=gettext_lazy("核实的服务时长（小时）"), max_length=12, required=False)
