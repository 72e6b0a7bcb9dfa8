"""The department staff's pages for notices (通知公告 / 工作动态): their list, writing and editing
one, publishing and taking it off the public site. Signed in only; every write goes through
portal.services (which bumps the public cache, so /public/notices/ shows the change at once);
refused input re-shows the form with the service's words (400) and saves nothing; a notice outside
the user's scope is a 404, one they see but may not write a 403."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core.views_base import FILE, ScopedUpdateView, as_scoped_view, scoped
from tongxin.portal import queries, services
from tongxin.portal.forms import NoticeForm
from tongxin.portal.models import Notice
from tongxin.units.models import Kind, Unit

PAGE_SIZE = 50


def _bureaus(request: HttpRequest) -> QuerySet[Unit]:
    """The bureaus the user may publish for (FILE scope)."""
    return scoped(Unit.objects.filter(kind=Kind.BUREAU, is_active=True), request.user, FILE).order_by("region_id")


def _add_errors(form: NoticeForm, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@as_scoped_view
def notice_admin(request: HttpRequest) -> HttpResponse:
    """公告管理: the notices of the bureaus the user manages, newest first, published or not."""
    page = Paginator(queries.managed(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/notice_admin.html", {"page": page, "may_create": _bureaus(request).exists()})


@as_scoped_view(methods=("get", "post"))
def notice_create(request: HttpRequest) -> HttpResponse:
    """撰写公告: saved unpublished; publishing is a separate step on the list."""
    units = _bureaus(request)
    if not units.exists():
        raise PermissionDenied(_("您不能以任何民政部门的名义发布公告"))
    form = NoticeForm(request.POST or None, units=units,
                      initial={"day": timezone.localdate().isoformat(), "unit": units.first()})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.create_notice(request.user, form.cleaned_data["unit"], form.values())
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("公告已保存（未发布）"))
                return redirect("portal:notice-admin")
    return render(request, "portal/notice_form.html", {"form": form, "notice": None}, status=status)


class _NoticeView(ScopedUpdateView):
    queryset = Notice.objects.select_related("unit")
    refusal = gettext_lazy("您不能修改该单位的公告")


class NoticeEdit(_NoticeView):
    """修改公告 (published or not: the public site shows the new text at once)."""

    http_method_names = ["get", "post"]

    def _initial(self, notice: Notice) -> dict[str, Any]:
        return {name: getattr(notice, name) for name in services.FIELDS} | {"day": notice.day.isoformat()}

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        notice = self.get_object()
        return render(request, "portal/notice_form.html",
                      {"form": NoticeForm(initial=self._initial(notice)), "notice": notice})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        notice = self.get_object()
        form = NoticeForm(request.POST)
        if form.is_valid():
            try:
                services.edit_notice(request.user, notice, form.values())
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("公告已修改"))
                return redirect("portal:notice-admin")
        return render(request, "portal/notice_form.html", {"form": form, "notice": notice}, status=400)


class NoticePublish(_NoticeView):
    """POST: put the notice on the public site."""

    http_method_names = ["post"]
    publish = True

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        notice = self.get_object()
        if self.publish:
            services.publish(request.user, notice)
            messages.success(request, _("已发布到信息公开网站"))
        else:
            services.unpublish(request.user, notice)
            messages.success(request, _("已撤下，不再公开"))
        return redirect("portal:notice-admin")


class NoticeUnpublish(NoticePublish):
    """POST: take the notice off the public site (it stays on record)."""

    publish = False


urlpatterns: list = [
    path("manage/notices/", notice_admin, name="notice-admin"),
    path("manage/notices/new/", notice_create, name="notice-create"),
    path("manage/notices/<int:pk>/edit/", NoticeEdit.as_view(), name="notice-edit"),
    path("manage/notices/<int:pk>/publish/", NoticePublish.as_view(), name="notice-publish"),
    path("manage/notices/<int:pk>/unpublish/", NoticeUnpublish.as_view(), name="notice-unpublish"),
]
