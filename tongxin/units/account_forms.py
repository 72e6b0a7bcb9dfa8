"""Forms of the account administration pages (the security administrator's)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.units import scope
from tongxin.units.models import Membership, Role, Unit

STATUS_CHOICES = [("", gettext_lazy("全部状态")), ("active", gettext_lazy("正常")), ("locked", gettext_lazy("已锁定")),
                  ("inactive", gettext_lazy("已停用")), ("must_change", gettext_lazy("待修改密码"))]


def role_choices(blank: str = "") -> list[tuple[str, Any]]:
    return [("", blank or gettext_lazy("请选择角色")), *Role.choices]


def resolve_unit(actor: Any, raw: str, field: str = "unit") -> Unit:
    """The unit named by `raw` (its number, or its exact name) among those the actor administers."""
    raw = (raw or "").strip()
    if not raw:
        raise ValidationError({field: [_("请填写单位")]})
    units = scope.restrict(Unit.objects.all(), actor, mode=scope.ACCOUNTS)
    found = list(units.filter(pk=int(raw))[:1]) if raw.isascii() and raw.isdigit() and len(raw) < 12 else []
    if not found:
        found = list(units.filter(name=raw)[:2])
    if not found:
        raise ValidationError({field: [_("在您管理的范围内找不到单位“%(name)s”") % {"name": raw[:100]}]})
    if len(found) > 1:
        raise ValidationError({field: [_("有多个名为“%(name)s”的单位，请填写单位编号") % {"name": raw[:100]}]})
    return found[0]


class UnitField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", gettext_lazy("所在单位"))
        kwargs.setdefault("max_length", 100)
        kwargs.setdefault("help_text", gettext_lazy("填写单位全称或单位编号"))
        super().__init__(**kwargs)


class _ActorForm(forms.Form):
    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean_unit(self) -> Unit:
        try:
            return resolve_unit(self.actor, self.cleaned_data.get("unit", ""))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["unit"]) from None


class AccountCreateForm(_ActorForm):
    username = forms.CharField(label=gettext_lazy("用户名"), max_length=150)
    full_name = forms.CharField(label=gettext_lazy("姓名"), max_length=50)
    phone = forms.CharField(label=gettext_lazy("手机号码"), max_length=20, required=False)
    unit = UnitField()
    role = forms.ChoiceField(label=gettext_lazy("角色"), choices=role_choices)
    password = forms.CharField(label=gettext_lazy("初始密码"), max_length=128, required=False, strip=False,
                               help_text=gettext_lazy("留空则自动生成；用户首次登录时须修改"),
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class GrantForm(_ActorForm):
    unit = UnitField()
    role = forms.ChoiceField(label=gettext_lazy("角色"), choices=role_choices)


class ResetForm(forms.Form):
    password = forms.CharField(label=gettext_lazy("临时密码"), max_length=128, required=False, strip=False,
                               help_text=gettext_lazy("留空则自动生成"),
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class StateForm(forms.Form):
    action = forms.ChoiceField(choices=[("lock", "lock"), ("unlock", "unlock"), ("deactivate", "deactivate"),
                                        ("reactivate", "reactivate")])
    reason = forms.CharField(label=gettext_lazy("原因"), max_length=200, required=False)


class AccountFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)
    region = forms.CharField(required=False, max_length=6)
    unit = forms.CharField(required=False, max_length=100)
    role = forms.ChoiceField(required=False, choices=lambda: role_choices(str(gettext_lazy("全部角色"))))
    status = forms.ChoiceField(required=False, choices=STATUS_CHOICES)


def membership_label(m: Membership) -> str:
    return f"{m.unit.name} · {m.get_role_display()}"
