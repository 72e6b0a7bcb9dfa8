"""Pages of check-in.

Public (no login, masked data only, no JavaScript needed, built for a 390px phone):
- `me` (/mobilization/me/<key>/): the person's own page — today's and upcoming shifts, notices, and
  the form to type a post's code to check in or out. Opening it remembers nothing (a link opened by
  someone else, or by a link preview, must not sign that phone in); the person is remembered in the
  session (their pk only) once they POST from their own page — a check-in or out, or the "remember
  me on this phone" button — so that scanning a post's QR then checks them in or out with one tap.
  A wrong key: 404.
- `scan` (/mobilization/scan/<post>/<code>/): the page the post's QR opens, only with the post's
  current code (else 404, so ids cannot be walked); a confirm button (POST) checks the remembered
  person in or out; "不是您？" forgets the remembered person on this phone (POST action=forget). An
  unknown visitor is told to open their own link first.

The staff's (the post's unit, FILE scope; 404 outside the scope):
- `post-code`: today's code of a post, large, with its QR, printable;
- `roll`: a shift's people, tick who is present (check in) or who left (check out);
- `anomalies` and `attendance-review`: flagged attendances to review;
- `board`: the organisation's day — posts and shifts, filled vs needed, who is checked in.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core.views_base import ScopedUpdateView, ScopedView, as_scoped_view
from tongxin.mobilization.forms.checkin import IN, OUT, CodeForm, ReviewForm, RollForm
from tongxin.mobilization.models import Attendance, Flag, Person, Post, Shift
from tongxin.mobilization.queries import checkin as queries
from tongxin.mobilization.services import checkin as services
from tongxin.units import scope
from tongxin.units.personal import shown

SESSION_PERSON = "mobilization_person"
REMEMBER, FORGET = "remember", "forget"
PAGE_SIZE = 50


def _errors(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def _masked(value: str, kind: str = "phone") -> str:
    """Public pages show personal data masked, whoever looks (no user: the policy masks)."""
    return shown(None, value, None, kind)  # type: ignore[arg-type]


def _remembered(request: HttpRequest) -> Person | None:
    pk = request.session.get(SESSION_PERSON)
    if not isinstance(pk, int):
        return None
    return Person.objects.filter(pk=pk, is_active=True, merged_into__isnull=True).first()


# --- the person's own page ----------------------------------------------------------------------

class PersonPageView(ScopedView):
    """The person's own page, reached by their link only (no account, no scope but the key)."""

    http_method_names = ["get", "post"]

    def _person(self, key: str) -> Person:
        person = queries.person_by_key(key)
        if person is None:
            raise Http404(_("找不到该链接，请使用短信中的个人链接"))
        return person

    def _remember(self, person: Person) -> None:
        """The person acted on their own page: this phone's session remembers them (pk only)."""
        if self.request.session.get(SESSION_PERSON) != person.pk:
            self.request.session.cycle_key()
        self.request.session[SESSION_PERSON] = person.pk

    def _page(self, person: Person, form: CodeForm, status: int = 200) -> HttpResponse:
        now = timezone.now()
        today = timezone.localdate(now)
        shifts = []
        still_open = False
        for a in queries.person_shifts(person, now):
            attendance = queries.attendance_of(a)
            still_open = still_open or (attendance is not None and attendance.checked_out_at is None)
            shifts.append({"assignment": a, "shift": a.shift, "post": a.shift.post, "attendance": attendance,
                           "today": a.shift.day == today,
                           "running": a.starts_at - services.CHECK_IN_EARLY <= now < a.ends_at})
        return render(self.request, "mobilization/person_me.html", {
            "person": person, "mobile": _masked(person.mobile), "shifts": shifts, "form": form, "today": today,
            "notices": queries.person_notices(person), "open_attendance": still_open,
            "remembered": self.request.session.get(SESSION_PERSON) == person.pk}, status=status)

    def get(self, request: HttpRequest, key: str) -> HttpResponse:
        person = self._person(key)
        return self._page(person, CodeForm())

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        person = self._person(key)
        if request.POST.get("action") == REMEMBER:
            self._remember(person)
            messages.success(request, _("已在本手机记住您：扫描卡点二维码即可一键签到"))
            return redirect("mobilization:me", key=key)
        self._remember(person)
        form = CodeForm(request.POST)
        if not form.is_valid():
            return self._page(person, form, status=400)
        try:
            if form.cleaned_data["action"] == OUT:
                attendance = services.check_out(person, form.cleaned_data["code"])
            else:
                attendance = services.check_in(person, form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
            return self._page(person, form, status=400)
        _said(request, attendance)
        return redirect("mobilization:me", key=key)


def _said(request: HttpRequest, attendance: Attendance) -> None:
    post = attendance.assignment.shift.post.name
    if attendance.checked_out_at is not None:
        messages.success(request, _("已签退：%(post)s %(time)s，计入服务时长 %(hours)s 小时") % {
            "post": post, "time": f"{timezone.localtime(attendance.checked_out_at):%H:%M}",
            "hours": attendance.hours})
    else:
        messages.success(request, _("已签到：%(post)s %(time)s") % {
            "post": post, "time": f"{timezone.localtime(attendance.checked_in_at):%H:%M}"})


class ScanView(ScopedView):
    """The page a post's QR opens: one tap (a POST) checks the remembered person in or out."""

    http_method_names = ["get", "post"]

    def _post(self, post_id: int, code: str) -> Post:
        """The post, only with its current code: a guessed id shows nothing of any post."""
        post = Post.objects.filter(pk=post_id, is_active=True).first()
        if post is None or not services.is_current_code(post, code):
            raise Http404(_("找不到该岗位，或二维码已过期：请扫描卡点今天的二维码"))
        return post

    def _page(self, post: Post, code: str, person: Person | None, error: str = "", status: int = 200) -> HttpResponse:
        direction = IN
        if person is not None:
            direction = OUT if Attendance.objects.filter(
                assignment__person=person, assignment__shift__post=post, checked_out_at__isnull=True).exists() else IN
        return render(self.request, "mobilization/post_scan.html", {
            "post": post, "code": code, "person": person, "direction": direction, "error": error,
            "forget": FORGET}, status=status)

    def get(self, request: HttpRequest, post_id: int, code: str) -> HttpResponse:
        return self._page(self._post(post_id, code), code, _remembered(request))

    def post(self, request: HttpRequest, post_id: int, code: str) -> HttpResponse:
        post = self._post(post_id, code)
        if request.POST.get("action") == FORGET:
            request.session.pop(SESSION_PERSON, None)
            return self._page(post, code, None)
        person = _remembered(request)
        if person is None:
            return self._page(post, code, None, status=400)
        try:
            if request.POST.get("action") == OUT:
                attendance = services.check_out(person, code)
            else:
                attendance = services.check_in(person, code)
        except ValidationError as exc:
            return self._page(post, code, person, error=_errors(exc), status=400)
        _said(request, attendance)
        return redirect("mobilization:me", key=person.checkin_key)


# --- the staff's pages --------------------------------------------------------------------------

def scan_url(request: HttpRequest, post: Post, day: dt.date) -> str:
    """The absolute URL a post's QR of `day` encodes."""
    return request.build_absolute_uri(reverse("mobilization:scan", args=[post.pk, services.daily_code(post, day)]))


class PostCodeView(ScopedUpdateView):
    """Today's code of a post, big, and its QR: for printing and putting up at the post."""

    queryset = Post.objects.select_related("unit", "region")
    write_mode = scope.FILE
    refusal = gettext_lazy("您的角色不能查看该岗位的签到码")
    http_method_names = ["get"]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        post = self.get_object()
        today = timezone.localdate()
        url = scan_url(request, post, today)
        return render(request, "mobilization/post_code.html", {
            "post": post, "today": today, "code": services.daily_code(post, today), "qr": services.qr_svg(url),
            "url": url, "early": int(services.CHECK_IN_EARLY.total_seconds() // 60)})


class RollView(ScopedUpdateView):
    """A shift's roll: the post's staff tick who is present (check in) or who left (check out)."""

    queryset = Shift.objects.select_related("post__unit")
    write_mode = scope.FILE
    refusal = gettext_lazy("您的角色不能为该岗位点名")

    def _page(self, shift: Shift, form: RollForm | None = None, status: int = 200) -> HttpResponse:
        rows = queries.roll(shift)
        return render(self.request, "mobilization/shift_roll.html", {
            "shift": shift, "post": shift.post, "rows": rows, "form": form,
            "present": sum(1 for r in rows if r["attendance"] and not r["attendance"].checked_out_at),
            "checked_in": sum(1 for r in rows if r["attendance"])}, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._page(self.get_object())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        shift = self.get_object()
        form = RollForm(request.POST, people=[r["person"] for r in queries.roll(shift)])
        if not form.is_valid():
            return self._page(shift, form, status=400)
        people = form.cleaned_data["people"]
        try:
            if form.cleaned_data["action"] == OUT:
                done = services.roll_check_out(request.user, shift, people)
                messages.success(request, _("已为 %(n)s 人签退") % {"n": len(done)})
            else:
                done = services.confirm_roll(request.user, shift, people)
                messages.success(request, _("已确认 %(n)s 人到岗") % {"n": len(done)})
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
            return self._page(shift, form, status=400)
        return redirect("mobilization:roll", pk=shift.pk)


def _anomalies(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    page = Paginator(queries.to_review(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    for a in page:
        setattr(a, "flag_labels", [Flag(f).label if f in Flag.values else f for f in a.flags])  # noqa: B010
        setattr(a, "forgot", Flag.FORGOT_CHECKOUT.value in a.flags)  # noqa: B010
    writable = set(Post.objects.restrict(request.user, scope.FILE).filter(
        pk__in={a.assignment.shift.post_id for a in page}).values_list("pk", flat=True))
    return render(request, "mobilization/attendance_review_list.html", {
        "page_obj": page, "writable": writable, "error": error, "form": ReviewForm()}, status=status)


@as_scoped_view
def anomalies(request: HttpRequest) -> HttpResponse:
    """Flagged attendances not yet reviewed, in the user's scope."""
    return _anomalies(request)


class ReviewView(ScopedUpdateView):
    """POST: mark a flagged attendance reviewed, with a note."""

    queryset = Attendance.objects.select_related("assignment__shift__post__unit")
    write_mode = scope.FILE
    refusal = gettext_lazy("您的角色不能复核该到岗记录")
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        attendance = self.get_object()
        form = ReviewForm(request.POST)
        if not form.is_valid():
            return _anomalies(request, error=_errors(ValidationError(form.errors)), status=400)
        try:
            services.review(request.user, attendance, note=form.cleaned_data["note"],
                            hours=form.cleaned_data["hours"] or None)
        except ValidationError as exc:
            return _anomalies(request, error=_errors(exc), status=400)
        messages.success(request, _("已复核：%(name)s %(post)s") % {
            "name": attendance.assignment.person.name, "post": attendance.assignment.shift.post.name})
        return redirect("mobilization:anomalies")


def _day(raw: str | None) -> tuple[dt.date, str]:
    today = timezone.localdate()
    if not raw:
        return today, ""
    try:
        return dt.date.fromisoformat(raw), ""
    except ValueError:
        return today, _("日期：请按 2021-07-30 的格式填写")


@as_scoped_view
def board(request: HttpRequest) -> HttpResponse:
    """The organisation's day: its posts and shifts, filled vs needed, who is checked in (names),
    and the anomalies to review. Totals are over the whole day, rows a page at a time."""
    day, problem = _day(request.GET.get("day"))
    shifts = queries.board_shifts(request.user, day)
    page = Paginator(shifts, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = queries.board(request.user, list(page))
    writable = set(Post.objects.restrict(request.user, scope.FILE).filter(
        pk__in={r.shift.post_id for r in rows}).values_list("pk", flat=True))
    groups: list[dict[str, Any]] = []
    for r in rows:
        post = r.shift.post
        if not groups or groups[-1]["post"].pk != post.pk:
            groups.append({"post": post, "unit": post.unit, "rows": [], "writable": post.pk in writable})
        groups[-1]["rows"].append(r)
    return render(request, "mobilization/post_board.html", {
        "day": day, "today": timezone.localdate(), "groups": groups, "page_obj": page, "problem": problem,
        "totals": queries.board_totals(request.user, day), "previous": day - dt.timedelta(days=1),
        "next": day + dt.timedelta(days=1), "query_string": f"day={day.isoformat()}"},
        status=400 if problem else 200)


urlpatterns: list = [
    path("me/<str:key>/", login_not_required(PersonPageView.as_view()), name="me"),
    path("scan/<int:post_id>/<str:code>/", login_not_required(ScanView.as_view()), name="scan"),
    path("posts/<int:pk>/code/", PostCodeView.as_view(), name="post-code"),
    path("shifts/<int:pk>/roll/", RollView.as_view(), name="roll"),
    path("anomalies/", anomalies, name="anomalies"),
    path("attendances/<int:pk>/review/", ReviewView.as_view(), name="attendance-review"),
    path("board/", board, name="board"),
]
