"""Pages of the posts part: the posts list, a post (create, edit, its week of shifts, add a shift),
and a shift (who is on it, assign from the unit's people showing who cannot be put on it and why,
cancel or move an assignment, fill with a walk-up person, cancel the shift).

Posts and shifts are looked up in the user's scope (404 outside it); writes need FILE scope of the
post's unit (403 where the user only reads). Every write goes through services.posts; a refusal
re-shows the page with the service's words (status 400) and saves nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core.validators import parse_id
from tongxin.core.views_base import ScopedUpdateView, ScopedView, as_scoped_view
from tongxin.mobilization.forms.posts import AssignForm, MoveForm, PostForm, ReasonForm, ShiftForm, WalkUpForm
from tongxin.mobilization.models import Assignment, AssignmentStatus, Post, Shift
from tongxin.mobilization.queries import posts as queries
from tongxin.mobilization.services import posts as services
from tongxin.units import scope
from tongxin.units.models import Unit

PAGE_SIZE = 20
CHECK = gettext_lazy("请检查下面标出的内容")


def _may_write(user: Any, unit: Unit) -> bool:
    return scope.scope_of(user).covers(unit, mode=scope.FILE)


def _own_units(request: HttpRequest) -> Any:
    """The units the user may create a post for: their own (FILE), or the one named by ?unit= they file for."""
    s = scope.scope_of(request.user)
    pks = {u.pk for u in queries.own_units(request.user)}
    raw = request.GET.get("unit") or request.POST.get("unit") or ""
    pk = parse_id(raw)
    if pk is not None:
        named = Unit.objects.filter(pk=pk).first()
        if named is not None and s.covers(named, mode=scope.FILE):
            pks.add(named.pk)
    return Unit.objects.filter(pk__in=pks, is_active=True).order_by("name")


def _apply(form: Any, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@as_scoped_view
def post_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    qs = (queries.posts_of(request.user)
          .annotate(upcoming=Count("shifts", filter=Q(shifts__day__gte=today, shifts__is_cancelled=False)))
          .order_by("-is_active", "unit__name", "name"))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "mobilization/post_list.html", {
        "page_obj": page, "can_create": _own_units(request).exists()})


@as_scoped_view(methods=("get", "post"))
def post_create(request: HttpRequest) -> HttpResponse:
    units = _own_units(request)
    if not units.exists():
        raise PermissionDenied(_("您的角色不能为任何单位设置岗位"))
    first = units.first()
    if request.method == "GET":
        initial = {"unit": first.pk, "region_id": first.region_id, "kind": "checkpoint"}
        return render(request, "mobilization/post_form.html", {"form": PostForm(units=units, initial=initial)})
    form = PostForm(request.POST, units=units)
    if form.is_valid():
        try:
            post = services.create_post(request.user, form.cleaned_data["unit"], **form.service_values())
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("已新建岗位：%(name)s") % {"name": post.name})
            return redirect("mobilization:post-detail", pk=post.pk)
    return render(request, "mobilization/post_form.html", {"form": form}, status=400)


class PostView(ScopedView):
    queryset = Post.objects.select_related("unit", "region", "leader")


class PostEditView(ScopedUpdateView):
    queryset = Post.objects.select_related("unit", "region", "leader")
    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        post = self.get_object()
        initial = {k: getattr(post, k) for k in ("name", "kind", "place", "region_id", "risky", "required_skills",
                                                  "leader", "notes")}
        form = PostForm(initial=initial, units=Unit.objects.none(), unit=post.unit, editing=True)
        return render(request, "mobilization/post_form.html", {"form": form, "post": post})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        post = self.get_object()
        form = PostForm(request.POST, units=Unit.objects.none(), unit=post.unit, editing=True)
        if form.is_valid():
            try:
                services.update_post(request.user, post, **form.service_values())
            except ValidationError as exc:
                _apply(form, exc)
            else:
                messages.success(request, _("岗位已保存"))
                return redirect("mobilization:post-detail", pk=post.pk)
        return render(request, "mobilization/post_form.html", {"form": form, "post": post}, status=400)


def _monday(request: HttpRequest) -> dt.date:
    try:
        day = dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = timezone.localdate()
    return day - dt.timedelta(days=day.weekday())


def _post_page(request: HttpRequest, post: Post, *, shift_form: ShiftForm | None = None,
               status: int = 200) -> HttpResponse:
    monday = _monday(request)
    if shift_form is None:
        start = timezone.localtime().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
        shift_form = ShiftForm(initial={"starts_at": start, "ends_at": start + dt.timedelta(hours=4), "needed": 2})
    return render(request, "mobilization/post_detail.html", {
        "post": post, "week": queries.week_of(post, monday), "monday": monday, "today": timezone.localdate(),
        "prev_week": monday - dt.timedelta(days=7), "next_week": monday + dt.timedelta(days=7),
        "may_write": _may_write(request.user, post.unit), "shift_form": shift_form,
        "skills": queries.skill_words(post.required_skills),
    }, status=status)


class PostDetailView(PostView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _post_page(request, self.get_object())


class ShiftCreateView(ScopedUpdateView):
    queryset = Post.objects.select_related("unit", "region", "leader")
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        post = self.get_object()
        form = ShiftForm(request.POST)
        if form.is_valid():
            try:
                shift = services.add_shift(request.user, post, **form.cleaned_data)
            except ValidationError as exc:
                _apply(form, exc)
            else:
                messages.success(request, _("已添加班次：%(time)s") % {
                    "time": queries.time_words(shift.starts_at, shift.ends_at)})
                monday = shift.day - dt.timedelta(days=shift.day.weekday())
                return redirect(f"{reverse('mobilization:post-detail', args=[post.pk])}?week={monday}")
        return _post_page(request, post, shift_form=form, status=400)


SHIFTS = Shift.objects.select_related("post__unit", "post__region")


def _shift_page(request: HttpRequest, shift: Shift, *, error: list[str] | None = None,
                assign_form: AssignForm | None = None, walk_up_form: WalkUpForm | None = None,
                status: int = 200) -> HttpResponse:
    post = shift.post
    may_write = _may_write(request.user, post.unit)
    now = timezone.now()
    context: dict[str, Any] = {
        "shift": shift, "post": post, "may_write": may_write, "error": error or [],
        "time": queries.time_words(shift.starts_at, shift.ends_at),
        "active": list(queries.active_of(shift).select_related("attendance")),
        "ended": list(shift.assignments.exclude(status=AssignmentStatus.ACTIVE)
                      .select_related("person", "moved_to__shift__post").order_by("-ended_at")),
    }
    context["filled"] = len(context["active"])
    if may_write and not shift.is_cancelled:
        shift_reasons, people = queries.candidates(shift, at=now)
        context.update({
            "shift_reasons": shift_reasons, "eligible": [c for c in people if c.eligible],
            "ineligible": [c for c in people if not c.eligible],
            "assign_form": assign_form or AssignForm(unit=post.unit),
            "walk_up_form": walk_up_form or WalkUpForm(),
            "move_form": MoveForm(unit=post.unit, exclude=shift, since=now),
            "reason_form": ReasonForm(),
        })
    return render(request, "mobilization/shift_detail.html", context, status=status)


class ShiftDetailView(ScopedView):
    queryset = SHIFTS

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _shift_page(request, self.get_object())


class ShiftWriteView(ScopedUpdateView):
    queryset = SHIFTS
    http_method_names = ["post"]


class ShiftAssignView(ShiftWriteView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        shift = self.get_object()
        form = AssignForm(request.POST, unit=shift.post.unit)
        if not form.is_valid():
            return _shift_page(request, shift, assign_form=form, error=[str(CHECK)], status=400)
        try:
            a = services.assign(request.user, shift, form.cleaned_data["person"])
        except ValidationError as exc:
            return _shift_page(request, shift, assign_form=form, error=exc.messages, status=400)
        messages.success(request, _("已安排：%(name)s，已通知本人") % {"name": a.person.name})
        return redirect("mobilization:shift-detail", pk=shift.pk)


class ShiftWalkUpView(ShiftWriteView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        shift = self.get_object()
        form = WalkUpForm(request.POST)
        if not form.is_valid():
            return _shift_page(request, shift, walk_up_form=form, error=[str(CHECK)], status=400)
        try:
            a = services.fill_walk_up(request.user, shift, **form.cleaned_data)
        except ValidationError as exc:
            _apply(form, exc)
            return _shift_page(request, shift, walk_up_form=form, error=exc.messages, status=400)
        messages.success(request, _("已现场登记并安排：%(name)s") % {"name": a.person.name})
        return redirect("mobilization:shift-detail", pk=shift.pk)


class ShiftCancelView(ShiftWriteView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        shift = self.get_object()
        form = ReasonForm(request.POST)
        if not form.is_valid():
            return _shift_page(request, shift, error=[_("请填写取消原因")], status=400)
        try:
            services.cancel_shift(request.user, shift, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            return _shift_page(request, shift, error=exc.messages, status=400)
        messages.success(request, _("班次已取消，已通知安排在该班次的人员"))
        return redirect("mobilization:shift-detail", pk=shift.pk)


class AssignmentWriteView(ScopedUpdateView):
    queryset = Assignment.objects.select_related("shift__post__unit", "person")
    http_method_names = ["post"]


class AssignmentCancelView(AssignmentWriteView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        a = self.get_object()
        form = ReasonForm(request.POST)
        shift = SHIFTS.get(pk=a.shift_id)
        if not form.is_valid():
            return _shift_page(request, shift, error=[_("请填写取消原因")], status=400)
        try:
            services.cancel(request.user, a, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            return _shift_page(request, shift, error=exc.messages, status=400)
        messages.success(request, _("已取消 %(name)s 的排班，已通知本人") % {"name": a.person.name})
        return redirect("mobilization:shift-detail", pk=shift.pk)


class AssignmentMoveView(AssignmentWriteView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        a = self.get_object()
        shift = SHIFTS.get(pk=a.shift_id)
        form = MoveForm(request.POST, unit=shift.post.unit, exclude=shift)
        if not form.is_valid():
            errors = [str(e) for errs in form.errors.values() for e in errs]
            return _shift_page(request, shift, error=errors, status=400)
        try:
            new = services.move(request.user, a, form.cleaned_data["shift"], reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            return _shift_page(request, shift, error=exc.messages, status=400)
        messages.success(request, _("已将 %(name)s 调至 %(post)s（%(time)s），已通知本人") % {
            "name": a.person.name, "post": new.shift.post.name,
            "time": queries.time_words(new.starts_at, new.ends_at)})
        return redirect("mobilization:shift-detail", pk=shift.pk)


urlpatterns = [
    path("posts/", post_list, name="posts"),
    path("posts/new/", post_create, name="post-create"),
    path("posts/<int:pk>/", PostDetailView.as_view(), name="post-detail"),
    path("posts/<int:pk>/edit/", PostEditView.as_view(), name="post-edit"),
    path("posts/<int:pk>/shifts/new/", ShiftCreateView.as_view(), name="shift-create"),
    path("shifts/<int:pk>/", ShiftDetailView.as_view(), name="shift-detail"),
    path("shifts/<int:pk>/assign/", ShiftAssignView.as_view(), name="shift-assign"),
    path("shifts/<int:pk>/walk-up/", ShiftWalkUpView.as_view(), name="shift-walk-up"),
    path("shifts/<int:pk>/cancel/", ShiftCancelView.as_view(), name="shift-cancel"),
    path("assignments/<int:pk>/cancel/", AssignmentCancelView.as_view(), name="assignment-cancel"),
    path("assignments/<int:pk>/move/", AssignmentMoveView.as_view(), name="assignment-move"),
]
