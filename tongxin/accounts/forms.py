"""Sign-in and own-password forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from tongxin.accounts import lockout
from tongxin.accounts.models import User


def refusal_for(username: str, password: str) -> str | None:
    """Why an account whose password is right may not sign in (locked, deactivated), else None.

    Only said to someone who knows the password, so it tells a stranger nothing about an account."""
    user = User.objects.filter(username=username).first()
    if user is None or not user.check_password(password):
        return None
    if user.is_locked:
        return str(_("该账号已被锁定，请联系安全管理员解锁"))
    if not user.is_active:
        return str(_("该账号已停用，请联系安全管理员"))
    return None


class LoginForm(AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except forms.ValidationError:
            if getattr(self.request, "axes_locked_out", False):  # accounts.lockout: says nothing more
                raise forms.ValidationError(lockout.message(), code="locked_out") from None
            refusal = refusal_for(self.cleaned_data.get("username") or "", self.cleaned_data.get("password") or "")
            if refusal:
                raise forms.ValidationError(refusal, code="inactive") from None
            raise


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("原密码"), strip=False, max_length=128,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password = forms.CharField(label=_("新密码"), strip=False, max_length=128,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    new_password2 = forms.CharField(label=_("再次输入新密码"), strip=False, max_length=128,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password2") and data["new_password"] != data["new_password2"]:
            self.add_error("new_password2", _("两次输入的新密码不一致"))
        return data
