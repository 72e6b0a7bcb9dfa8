"""The security administrator's pages: accounts, their roles, passwords, locks (units.administration).

Every page answers 403 to anyone who is not a security administrator and 404 for an account outside
their bureau's subtree; every write goes through `units.administration`, and bad input is shown
on the page with the field named, nothing saved.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.accounts.models import User
from tongxin.core.views_base import ScopedCreateView, ScopedListView, ScopedUpdateView, ScopedView
from tongxin.units import administration, scope
from tongxin.units.account_forms import (
    STATUS_CHOICES,
    AccountCreateForm,
    AccountFilterForm,
    GrantForm,
    ResetForm,
    StateForm,
    resolve_unit,
    role_choices,
)
from tongxin.units.models import Kind, Membership, Role, Unit


class AccountAdminMixin:
    """Only the security administrator, and in the ACCOUNTS scope."""

    scope_mode = scope.ACCOUNTS
    write_mode = scope.ACCOUNTS

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        administration.require_account_admin(request.user)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


def _bureaus(actor: Any) -> Any:
    """The bureaus of the actor's subtree, for the unit field's suggestions (a province has ~140)."""
    return scope.restrict(Unit.objects.filter(kind=Kind.BUREAU, is_active=True), actor, mode=scope.ACCOUNTS
                          ).order_by("region_id")[:300]


def _add_errors(form: BaseForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class AccountListView(AccountAdminMixin, ScopedListView):
    model = User
    template_name = "units/accounts/account_list.html"
    paginate_by = 25
    context_object_name = "accounts"

    def get_queryset(self) -> Any:
        self.filters = AccountFilterForm(self.request.GET)
        data = self.filters.cleaned_data if self.filters.is_valid() else {}
        unit = None
        if data.get("unit"):
            try:
                unit = resolve_unit(self.request.user, data["unit"])
            except ValidationError as exc:
                self.filters.add_error("unit", exc.message_dict["unit"])
                return User.objects.none()
        return administration.account_list(
            self.request.user, q=data.get("q", ""), region_code=data.get("region", ""), unit=unit,
            role=data.get("role", ""), status=data.get("status", ""))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx: dict[str, Any] = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        ctx.update(filters=self.filters, query_string=query.urlencode(), roles=role_choices(_("全部角色")),
                   statuses=STATUS_CHOICES, bureaus=_bureaus(self.request.user), title=_("账号管理"))
        return ctx


class AccountCreateView(AccountAdminMixin, ScopedCreateView):
    template_name = "units/accounts/account_form.html"

    def _page(self, request: HttpRequest, form: AccountCreateForm, status: int = 200) -> HttpResponse:
        return render(request, self.template_name, {"form": form, "bureaus": _bureaus(request.user),
                                                    "title": _("新建账号")}, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._page(request, AccountCreateForm(actor=request.user))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = AccountCreateForm(request.POST, actor=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                new = administration.create_account(
                    request.user, username=data["username"], full_name=data["full_name"], phone=data["phone"],
                    unit=data["unit"], role=data["role"], password=data["password"])
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return render(request, "units/accounts/password_result.html", {
                    "account": new.user, "password": new.password, "created": True, "title": _("账号已创建")})
        return self._page(request, form, status=400)


class AccountDetailView(AccountAdminMixin, ScopedView):
    model = User
    template_name = "units/accounts/account_detail.html"

    def page(self, request: HttpRequest, account: User, status: int = 200, **forms: Any) -> HttpResponse:
        roles = Membership.objects.filter(user=account).select_related("unit__region").order_by(
            "unit__region_id", "unit__name", "role")
        return render(request, self.template_name, {
            "account": account, "roles": roles, "is_self": account.pk == request.user.pk,
            "grant_form": forms.get("grant_form") or GrantForm(actor=request.user),
            "reset_form": forms.get("reset_form") or ResetForm(), "state_form": forms.get("state_form") or StateForm(),
            "role_choices": role_choices(), "bureaus": _bureaus(request.user), "title": str(account),
            "first_unit": roles[0].unit if roles else None,
        }, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.page(request, self.get_object())


class GrantView(AccountDetailView, ScopedUpdateView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        account = self.get_object()
        form = GrantForm(request.POST, actor=request.user)
        if form.is_valid():
            try:
                administration.grant(request.user, account, form.cleaned_data["unit"], form.cleaned_data["role"])
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("已授予角色：%(unit)s · %(role)s") % {
                    "unit": form.cleaned_data["unit"].name, "role": Role(form.cleaned_data["role"]).label})
                return redirect("users:detail", pk=account.pk)
        return self.page(request, account, status=400, grant_form=form)


class RevokeView(AccountDetailView, ScopedUpdateView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int, membership: int) -> HttpResponse:
        account = self.get_object()
        held = self.get_object(Membership.objects.filter(user=account).select_related("unit", "user"),
                               pk=membership)
        administration.revoke(request.user, held)
        messages.success(request, _("已撤销角色：%(unit)s · %(role)s") % {"unit": held.unit.name,
                                                                      "role": held.get_role_display()})
        return redirect("users:detail", pk=account.pk)


class ResetView(AccountDetailView, ScopedUpdateView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        account = self.get_object()
        form = ResetForm(request.POST)
        if form.is_valid():
            try:
                password = administration.reset_password(request.user, account, password=form.cleaned_data["password"])
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return render(request, "units/accounts/password_result.html", {
                    "account": account, "password": password, "created": False, "title": _("密码已重置")})
        return self.page(request, account, status=400, reset_form=form)


class StateView(AccountDetailView, ScopedUpdateView):
    http_method_names = ["post"]
    DONE = {"lock": gettext_lazy("账号已锁定"), "unlock": gettext_lazy("账号已解锁"),
            "deactivate": gettext_lazy("账号已停用"), "reactivate": gettext_lazy("账号已启用")}

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        account = self.get_object()
        form = StateForm(request.POST)
        if form.is_valid():
            action = form.cleaned_data["action"]
            try:
                administration.change_state(request.user, account, action, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, self.DONE[action])
                return redirect("users:detail", pk=account.pk)
        return self.page(request, account, status=400, state_form=form)


class LockoutListView(AccountAdminMixin, ScopedView):
    """Sign-in lockouts in force (accounts.lockout) that the administrator may lift."""

    template_name = "units/accounts/lockout_list.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {
            "lockouts": administration.lockouts(request.user), "title": _("登录锁定"),
            "failure_limit": settings.TONGXIN_LOGIN_FAILURE_LIMIT, "ip_limit": settings.TONGXIN_LOGIN_IP_FAILURE_LIMIT,
            "minutes": settings.TONGXIN_LOGIN_LOCKOUT_MINUTES})


class LockoutLiftView(AccountAdminMixin, ScopedUpdateView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        lifted = administration.lift_lockout(request.user, request.POST.get("lockout", "")[:100])
        messages.success(request, _("已解除登录锁定：%(key)s") % {"key": lifted})
        return redirect("users:lockouts")
