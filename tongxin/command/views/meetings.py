"""Pages of dispatch meetings (调度会) and action items (督办事项): the list, a new meeting, a
meeting with its summoned units, attendance, agenda, minutes and decisions, editing it, the
action-item board of the user's subtree and one owner unit's item with its progress forms.

Everything is looked up inside the user's scope (404 outside it); every write goes through
`command.services.meetings` in one transaction; a refused write re-shows the page with the
service's words (status 400) and changes nothing. Overdue is judged on the local date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.command.forms.meetings import AttendanceForm, BoardFilterForm, DecisionForm, MeetingForm, conveners
from tongxin.command.models.meetings import ActionAssignment, Attendance, Meeting
from tongxin.command.queries import meetings as queries
from tongxin.command.services import meetings as services
from tongxin.core.uploads import store_attachments
from tongxin.core.views_base import ScopedCreateView, ScopedView, as_scoped_view
from tongxin.ledger.forms import EVIDENCE_ACCEPT
from tongxin.units import scope
from tongxin.units.models import Unit

PAGE_SIZE = 25
LEDGER_DAYS = 7  # an overdue action item put on the ledger is due for rectification in a week


def _messages_of(exc: ValidationError | PermissionDenied) -> list[str]:
    if isinstance(exc, ValidationError):
        return exc.messages
    return [str(exc) or _("您无权进行此操作")]



def _add_errors(form: Any, exc: ValidationError | PermissionDenied) -> None:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, _messages_of(exc))


# --- meetings -----------------------------------------------------------------------------------

@as_scoped_view
def meeting_list(request: HttpRequest) -> HttpResponse:
    qs = queries.visible_meetings(request.user).order_by("-starts_at", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "command/meeting_list.html", {
        "page_obj": page, "can_create": conveners(request.user).exists()})


@as_scoped_view(methods=("get", "post"), base=ScopedCreateView)
def meeting_create(request: HttpRequest) -> HttpResponse:
    if not conveners(request.user).exists():
        raise PermissionDenied(_("只有民政部门的业务人员可以召开调度会"))
    if request.method == "GET":
        form = MeetingForm(user=request.user, initial={"mode": "video"})
        return render(request, "command/meeting_form.html", {"form": form})
    form = MeetingForm(request.POST, user=request.user)
    if form.is_valid():
        d = form.cleaned_data
        try:
            meeting = services.create_meeting(
                request.user, convener=d["convener"], title=d["title"], starts_at=d["starts_at"], mode=d["mode"],
                place=d["place"], agenda=d["agenda"], minutes=d["minutes"], units=list(d["units"]))
        except (ValidationError, PermissionDenied) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已登记调度会：%(title)s") % {"title": meeting.title})
            return redirect("command:meeting-detail", pk=meeting.pk)
    return render(request, "command/meeting_form.html", {"form": form}, status=400)


class MeetingView(ScopedView):
    def get_object(self, queryset: Any = None, mode: str | None = None, **lookup: Any) -> Meeting:
        try:
            return queries.visible_meetings(self.request.user).get(pk=self.kwargs["pk"])
        except (Meeting.DoesNotExist, ValueError, TypeError, OverflowError):
            raise Http404(self.not_found) from None

    def managed(self) -> Meeting:
        """The meeting, for a write: 403 for one the user sees but may not change."""
        meeting = self.get_object()
        if not scope.scope_of(self.request.user).covers(meeting.convener, mode=scope.FILE):
            raise PermissionDenied(_("只有召集单位的业务人员可以修改调度会"))
        return meeting


def _detail(request: HttpRequest, meeting: Meeting, *, status: int = 200, attendance_error: list[str] | None = None,
            decision_form: DecisionForm | None = None) -> HttpResponse:
    today = timezone.localdate()
    manage = scope.scope_of(request.user).covers(meeting.convener, mode=scope.FILE)
    attendances = list(meeting.attendances.select_related("unit__region", "recorded_by"))
    items = queries.items_of(meeting, request.user)
    for item in items:
        for a in item.shown:  # type: ignore[attr-defined]
            a.late_days = queries.overdue_days(a, today)
    counts = queries.attendance_counts(meeting)
    return render(request, "command/meeting_detail.html", {
        "meeting": meeting, "manage": manage, "attendances": attendances, "items": items,
        "attendance_choices": Attendance.Status.choices, "attendance_error": attendance_error or [],
        "counts": {"present": counts.get("present", 0), "absent": counts.get("absent", 0),
                   "leave": counts.get("leave", 0), "unrecorded": counts.get("", 0), "total": len(attendances)},
        "decision_form": decision_form or (DecisionForm(meeting=meeting) if manage else None),
    }, status=status)


class MeetingDetailView(MeetingView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _detail(request, self.get_object())


class MeetingEditView(MeetingView):
    http_method_names = ["get", "post"]

    def _initial(self, meeting: Meeting) -> dict[str, Any]:
        return {"title": meeting.title, "starts_at": timezone.localtime(meeting.starts_at), "mode": meeting.mode,
                "place": meeting.place, "agenda": meeting.agenda, "minutes": meeting.minutes}

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        meeting = self.managed()
        form = MeetingForm(user=request.user, meeting=meeting, initial=self._initial(meeting))
        return render(request, "command/meeting_form.html", {"form": form, "meeting": meeting})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        meeting = self.managed()
        form = MeetingForm(request.POST, user=request.user, meeting=meeting)
        if form.is_valid():
            d = form.cleaned_data
            try:
                with transaction.atomic():
                    services.edit_meeting(request.user, meeting, **{k: d[k] for k in (
                        "title", "starts_at", "mode", "place", "agenda", "minutes")})
                    if d["units"]:
                        services.summon(request.user, meeting, list(d["units"]))
            except (ValidationError, PermissionDenied) as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("已保存调度会：%(title)s") % {"title": d["title"]})
                return redirect("command:meeting-detail", pk=meeting.pk)
        return render(request, "command/meeting_form.html", {"form": form, "meeting": meeting}, status=400)


class MeetingAttendanceView(MeetingView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        meeting = self.managed()
        form = AttendanceForm(request.POST)
        if not form.is_valid():
            errors = [f"{form.fields[k].label or k}：{m}" for k, ms in form.errors.items() for m in ms]
            return _detail(request, meeting, status=400, attendance_error=errors)
        d = form.cleaned_data
        unit = Unit.objects.filter(pk=d["unit"]).first()
        try:
            if unit is None:
                raise ValidationError({"unit": [_("该单位未被召集参加本次会议")]})
            services.record_attendance(request.user, meeting, unit=unit, status=d["status"],
                                       attendees=d["attendees"], note=d["note"])
        except (ValidationError, PermissionDenied) as exc:
            return _detail(request, meeting, status=400, attendance_error=_messages_of(exc))
        messages.success(request, _("已记录出席情况：%(unit)s") % {"unit": unit.name})
        return redirect("command:meeting-detail", pk=meeting.pk)


class MeetingDecisionView(MeetingView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        meeting = self.managed()
        form = DecisionForm(request.POST, meeting=meeting)
        if form.is_valid():
            d = form.cleaned_data
            try:
                item = services.add_decision(request.user, meeting, description=d["description"],
                                             units=list(d["units"]), target_date=d["target_date"], start=d["start"])
            except (ValidationError, PermissionDenied) as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("已交办督办事项第 %(n)s 项") % {"n": item.number})
                return redirect("command:meeting-detail", pk=meeting.pk)
        return _detail(request, meeting, status=400, decision_form=form)


# --- action items -------------------------------------------------------------------------------

@as_scoped_view
def action_item_board(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    meetings = [(m.pk, m.title) for m in queries.visible_meetings(request.user).order_by("-starts_at")[:100]]
    form = BoardFilterForm(request.GET, user=request.user, meetings=meetings)
    qs = queries.filter_assignments(queries.visible_assignments(request.user), today=today, **form.filters())
    page = Paginator(queries.ordered(qs, today), PAGE_SIZE).get_page(request.GET.get("page"))
    for a in page:
        a.late_days = queries.overdue_days(a, today)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "command/action_item_list.html", {
        "form": form, "page_obj": page, "counts": queries.board_counts(qs, today), "query_string": query.urlencode()})


class AssignmentView(ScopedView):
    def get_object(self, queryset: Any = None, mode: str | None = None, **lookup: Any) -> ActionAssignment:
        try:
            return queries.visible_assignments(self.request.user).select_related(
                "submitted_by", "accepted_by").get(pk=self.kwargs["pk"])
        except (ActionAssignment.DoesNotExist, ValueError, TypeError, OverflowError):
            raise Http404(self.not_found) from None


def _item_detail(request: HttpRequest, assignment: ActionAssignment, *, error: list[str] | None = None,
                 action: str = "", comment: str = "", status: int = 200) -> HttpResponse:
    workflow = services.WORKFLOW
    events = list(assignment.events.select_related("actor").prefetch_related("attachments"))
    for e in events:
        e.label = workflow.label(e.name)
        e.to_label = workflow.state_label(e.to_status)
    others = (queries.visible_assignments(request.user).filter(item=assignment.item).exclude(pk=assignment.pk)
              .order_by("region_code"))
    return render(request, "command/action_item_detail.html", {
        "a": assignment, "item": assignment.item, "meeting": assignment.item.meeting, "events": events,
        "late_days": queries.overdue_days(assignment), "others": others,
        "actions": workflow.allowed_for(request.user, assignment),
        "action_notes": list(dict.fromkeys(n for n in workflow.refusals(request.user, assignment).values() if n)),
        "error": error or [], "error_action": action, "comment": comment, "accept": EVIDENCE_ACCEPT,
        "may_raise": (queries.overdue_days(assignment) > 0 and not queries.ledger_entries_of(assignment).exists()
                      and scope.scope_of(request.user).covers(assignment.item.meeting.convener, mode=scope.FILE)),
        "ledger_entries": queries.ledger_entries_of(assignment, request.user),
    }, status=status)


class AssignmentDetailView(AssignmentView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _item_detail(request, self.get_object())


class AssignmentTransitionView(AssignmentView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        assignment = self.get_object()
        name, comment = request.POST.get("name", ""), request.POST.get("comment", "")
        try:
            services.WORKFLOW.take(request.user, assignment, name)
            with transaction.atomic():
                files = store_attachments(request.FILES.getlist("files"), uploaded_by=request.user,
                                          unit_id=assignment.unit_id, field="file")
                services.transition(request.user, assignment, name, comment=comment, attachments=files)
        except (ValidationError, PermissionDenied) as exc:
            return _item_detail(request, self.get_object(), error=_messages_of(exc), action=name, comment=comment,
                                status=400)
        messages.success(request, _("已%(action)s") % {"action": services.WORKFLOW.label(name)})
        return redirect("command:action-item-detail", pk=assignment.pk)


class AssignmentLedgerView(AssignmentView):
    """挂账: an overdue assignment onto the ledger, due in a week (the convener's officers)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        assignment = self.get_object()
        try:
            entry = services.raise_ledger_entry(request.user, assignment,
                                                deadline=timezone.localdate() + dt.timedelta(days=LEDGER_DAYS))
        except (ValidationError, PermissionDenied) as exc:
            if isinstance(exc, PermissionDenied):
                raise
            return _item_detail(request, assignment, error=_messages_of(exc), status=400)
        messages.success(request, _("已挂账：%(number)s") % {"number": entry.number})
        return redirect("ledger:detail", pk=entry.pk)


urlpatterns = [
    path("meetings/", meeting_list, name="meetings"),
    path("meetings/new/", meeting_create, name="meeting-create"),
    path("meetings/<int:pk>/", MeetingDetailView.as_view(), name="meeting-detail"),
    path("meetings/<int:pk>/edit/", MeetingEditView.as_view(), name="meeting-edit"),
    path("meetings/<int:pk>/attendance/", MeetingAttendanceView.as_view(), name="meeting-attendance"),
    path("meetings/<int:pk>/decisions/", MeetingDecisionView.as_view(), name="meeting-decision"),
    path("action-items/", action_item_board, name="action-items"),
    path("action-items/<int:pk>/", AssignmentDetailView.as_view(), name="action-item-detail"),
    path("action-items/<int:pk>/transition/", AssignmentTransitionView.as_view(), name="action-item-transition"),
    path("action-items/<int:pk>/ledger/", AssignmentLedgerView.as_view(), name="action-item-ledger"),
]
