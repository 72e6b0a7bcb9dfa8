"""Every write to dispatch meetings (调度会) and their action items (督办事项): validate, check
scope and roles, change, audit — in one transaction.

Guarantees:
- A meeting is convened by a bureau the actor may file for (its officers, or a bureau above it);
  every unit it summons and every unit an action item is assigned to lies in the convener's
  region subtree; an item's target date is never before the meeting's (local) date.
- Each owner unit's share of an item (`ActionAssignment`) lives on `WORKFLOW`: the unit's staff (or
  an officer of a bureau above it) report progress and completion — completion needs evidence —
  and only the convening bureau's own officers accept it (已办结, actual date set) or return it
  (with a reason), never whoever reported the completion. Every step is an `ActionEvent` and an
  audit record. Overdue is never stored: `is_overdue` reads the local date.
- Whoever must act next is told once the step is recorded (never the actor): the unit's staff
  when assigned and when returned, the convener's officers when a completion is reported, and,
  from `action_item_notices` (run daily by `tongxin command-chase`), the unit's staff when an
  assignment is due soon or overdue — at most once per kind and local day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from tongxin.accounts.models import User
from tongxin.command.models.meetings import (
    MAX_COMMENT,
    MAX_DECISION,
    MAX_NAMES,
    MAX_TEXT,
    MAX_TITLE,
    ActionAssignment,
    ActionEvent,
    ActionItem,
    ActionNotice,
    Attendance,
    Meeting,
    Mode,
)
from tongxin.command.models.meetings import AssignmentStatus as S
from tongxin.command.services.responses import check_calendar
from tongxin.core import audit
from tongxin.core.models import Attachment
from tongxin.core.notify import notify
from tongxin.core.types import Actor
from tongxin.core.validators import check_length
from tongxin.core.workflow import INITIAL, Workflow, step
from tongxin.units import scope
from tongxin.units.models import Kind, Membership, Unit

MAX_UNITS = 500  # units one meeting summons or one item is assigned to
DUE_SOON_DAYS = 2

WORKFLOW = Workflow(
    {S.ASSIGNED: gettext_lazy("已交办"), S.IN_PROGRESS: gettext_lazy("办理中"), S.AWAITING: gettext_lazy("待验收"),
     S.DONE: gettext_lazy("已办结"), S.RETURNED: pgettext_lazy("action status", "已退回")},
    [
        step("assign", [INITIAL], S.ASSIGNED, gettext_lazy("交办")),
        step("progress", [S.ASSIGNED, S.IN_PROGRESS, S.RETURNED], S.IN_PROGRESS, gettext_lazy("报告进展")),
        step("submit", [S.ASSIGNED, S.IN_PROGRESS, S.RETURNED], S.AWAITING, gettext_lazy("报告完成")),
        step("accept", [S.AWAITING], S.DONE, gettext_lazy("验收办结")),
        step("return", [S.AWAITING], S.RETURNED, pgettext_lazy("action action", "退回")),
    ],
)


def _convener_of(assignment: ActionAssignment) -> Unit:
    return assignment.item.meeting.convener


@WORKFLOW.guard("assign")
def _may_convene(actor: Actor, assignment: ActionAssignment) -> None:
    """Whoever may manage the meeting assigns its items."""
    scope.require(actor, _convener_of(assignment), scope.FILE, _("只有召集单位的业务人员可以交办督办事项"))


@WORKFLOW.guard("progress", "submit")
def _unit_staff_or_above(actor: Actor, assignment: ActionAssignment) -> None:
    """The owner unit's own staff, or an officer of a bureau above it, report on it."""
    scope.require(actor, assignment.unit, scope.FILE, _("只有承办单位的人员可以报告进展"))


@WORKFLOW.guard("accept", "return")
def _convening_officer(actor: Actor, assignment: ActionAssignment) -> None:
    """Only the convening bureau's own officers and leaders accept or return."""
    if actor is None:
        return
    if not (scope.scope_of(actor).covers(assignment.unit) or scope.scope_of(actor).covers(_convener_of(assignment))):
        raise Http404(_("找不到该记录，或您无权查看"))
    if not is_convening_officer(actor, _convener_of(assignment)):
        raise PermissionDenied(_("只有召集单位的业务人员可以验收或退回"))


@WORKFLOW.guard("accept", "return")
def _not_the_reporter(actor: Actor, assignment: ActionAssignment) -> None:
    """The one who reported the completion does not accept it."""
    if actor is not None and assignment.submitted_by_id is not None and assignment.submitted_by_id == actor.pk:
        raise PermissionDenied(_("报告完成的人不能验收自己报告的事项，请由召集单位其他人员验收"))


def is_convening_officer(actor: Actor, convener: Unit) -> bool:
    """An active officer or leader of the convening bureau itself."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    return Membership.objects.filter(user_id=cast(int, actor.pk), unit=convener, unit__is_active=True,
                                     role__in=scope.BUREAU_OFFICERS).exists()


def _user(actor: Actor) -> User | None:
    return cast(User | None, actor)


def today_of(now: dt.datetime | None = None) -> dt.date:
    return timezone.localdate(now or timezone.now())


def is_overdue(assignment: ActionAssignment, today: dt.date | None = None) -> bool:
    """Not accepted, and its target date (local) has passed."""
    today = today or timezone.localdate()
    return assignment.status != S.DONE and assignment.target_date < today


def overdue_q(today: dt.date | None = None) -> Q:
    today = today or timezone.localdate()
    return Q(target_date__lt=today) & ~Q(status=S.DONE)


# --- meetings ------------------------------------------------------------------------------------

def _require_convener(actor: Actor, convener: Unit) -> None:
    if convener.kind != Kind.BUREAU:
        raise ValidationError({"convener": [_("召集单位须是民政部门")]})
    scope.require(actor, convener, scope.FILE, _("您不能以该单位名义召开调度会"))


def _in_subtree(convener: Unit, unit: Unit) -> bool:
    return unit.region_id.startswith(convener.region.prefix)


def _check_units(convener: Unit, units: Sequence[Unit], field: str, *, allow_convener: bool) -> list[Unit]:
    out: list[Unit] = []
    if len(units) > MAX_UNITS:
        raise ValidationError({field: [_("单位过多（最多 %(n)s 个）") % {"n": MAX_UNITS}]})
    for unit in units:
        if unit.pk == convener.pk and not allow_convener:
            raise ValidationError({field: [_("召集单位不必召集自己")]})
        if not _in_subtree(convener, unit) or not unit.is_active:
            raise ValidationError({field: [_("「%(unit)s」不在%(convener)s的辖区内") % {
                "unit": unit.name, "convener": convener.name}]})
        if unit not in out:
            out.append(unit)
    return out


def _clean_meeting(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    out = dict(values)
    for key in ("title", "place", "agenda", "minutes"):
        if key in out:
            out[key] = str(out[key] or "").strip()
    if "title" in out and not out["title"]:
        errors["title"] = [_("请填写会议名称")]
    limits = {"title": MAX_TITLE, "place": 200, "agenda": MAX_TEXT, "minutes": MAX_TEXT}
    for key, limit in limits.items():
        if key in out:
            try:
                check_length(key, out[key], limit)
            except ValidationError as exc:
                errors.update(exc.message_dict)
    if "mode" in out and out["mode"] not in Mode.values:
        errors["mode"] = [_("请选择有效的选项")]
    if "starts_at" in out and not isinstance(out["starts_at"], dt.datetime):
        errors["starts_at"] = [_("请填写会议时间")]
    elif "starts_at" in out:
        try:
            check_calendar("starts_at", out["starts_at"], _("会议时间"))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return out


@transaction.atomic
def create_meeting(actor: Actor, *, convener: Unit, title: str, starts_at: dt.datetime, mode: str = Mode.VIDEO,
                   place: str = "", agenda: str = "", minutes: str = "", units: Sequence[Unit] = ()) -> Meeting:
    """A meeting convened by `convener` (a bureau the actor files for), summoning `units` of its subtree."""
    _require_convener(actor, convener)
    values = _clean_meeting({"title": title, "starts_at": starts_at, "mode": mode, "place": place,
                             "agenda": agenda, "minutes": minutes})
    summoned = _check_units(convener, list(units), "units", allow_convener=False)
    meeting = Meeting.objects.create(convener=convener, created_by=_user(actor), **values)
    audit.record_change(actor, meeting, None, unit=convener)
    for unit in summoned:
        _summon(actor, meeting, unit)
    return meeting


def _summon(actor: Actor, meeting: Meeting, unit: Unit) -> Attendance:
    attendance = Attendance.objects.create(meeting=meeting, unit=unit)
    audit.record_change(actor, attendance, None, unit=unit)
    return attendance


def _locked_meeting(actor: Actor, meeting: Meeting) -> Meeting:
    locked = Meeting.objects.select_for_update().select_related("convener__region").get(pk=meeting.pk)
    scope.require(actor, locked.convener, scope.FILE, _("只有召集单位的业务人员可以修改调度会"))
    return locked


@transaction.atomic
def edit_meeting(actor: Actor, meeting: Meeting, **changes: Any) -> Meeting:
    """Change a meeting's title, time, mode, place, agenda or minutes. The time may not move past
    the target date of one of its items."""
    allowed = {"title", "starts_at", "mode", "place", "agenda", "minutes"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({sorted(unknown)[0]: [_("不能修改该项")]})
    locked = _locked_meeting(actor, meeting)
    values = _clean_meeting(changes)
    if "starts_at" in values:
        day = timezone.localdate(values["starts_at"])
        if locked.action_items.filter(target_date__lt=day).exists():
            raise ValidationError({"starts_at": [_("已有督办事项的完成时限早于该日期")]})
    before = audit.snapshot(locked)
    for key, value in values.items():
        setattr(locked, key, value)
    locked.save()
    audit.record_change(actor, locked, before, unit=locked.convener)
    return locked


@transaction.atomic
def summon(actor: Actor, meeting: Meeting, units: Sequence[Unit]) -> list[Attendance]:
    """Add units of the convener's subtree to those summoned (ones already summoned are skipped)."""
    locked = _locked_meeting(actor, meeting)
    wanted = _check_units(locked.convener, list(units), "units", allow_convener=False)
    have = set(locked.attendances.values_list("unit_id", flat=True))
    return [_summon(actor, locked, u) for u in wanted if u.pk not in have]


@transaction.atomic
def record_attendance(actor: Actor, meeting: Meeting, *, unit: Unit, status: str, attendees: str = "",
                      note: str = "", now: dt.datetime | None = None) -> Attendance:
    """Whether a summoned unit came (出席, with who), was absent (缺席) or excused (请假)."""
    locked = _locked_meeting(actor, meeting)
    attendance = Attendance.objects.select_for_update().filter(meeting=locked, unit=unit).first()
    if attendance is None:
        raise ValidationError({"unit": [_("该单位未被召集参加本次会议")]})
    errors: dict[str, list[str]] = {}
    if status not in Attendance.Status.values:
        errors["status"] = [_("请选择出席情况")]
    attendees, note = (attendees or "").strip(), (note or "").strip()
    for key, value, limit in (("attendees", attendees, MAX_NAMES), ("note", note, 200)):
        try:
            check_length(key, value, limit)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if status == Attendance.Status.PRESENT and not attendees:
        errors["attendees"] = [_("请填写参会人员")]
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(attendance)
    attendance.status, attendance.attendees, attendance.note = status, attendees, note
    attendance.recorded_by, attendance.recorded_at = _user(actor), now or timezone.now()
    attendance.save()
    audit.record_change(actor, attendance, before, unit=unit)
    return attendance


# --- decisions and their action items --------------------------------------------------------------

@transaction.atomic
def add_decision(actor: Actor, meeting: Meeting, *, description: str, units: Sequence[Unit],
                 target_date: dt.date, start: dt.date | None = None,
                 now: dt.datetime | None = None) -> ActionItem:
    """A decision of the meeting as an action item with the next number, assigned to `units` of the
    convener's subtree (each gets its own assignment and is told)."""
    locked = _locked_meeting(actor, meeting)
    now = now or timezone.now()
    day = timezone.localdate(locked.starts_at)
    description = (description or "").strip()
    errors: dict[str, list[str]] = {}
    if not description:
        errors["description"] = [_("请填写决定事项")]
    else:
        try:
            check_length("description", description, MAX_DECISION)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    start = start or day
    if not isinstance(target_date, dt.date):
        errors["target_date"] = [_("请填写完成时限")]
    elif target_date < day:
        errors["target_date"] = [_("完成时限不能早于会议日期（%(day)s）") % {"day": day.isoformat()}]
    elif target_date < start:
        errors["target_date"] = [_("完成时限不能早于开始日期")]
    else:  # a typed 9999-12-31 or year 1 is refused in words
        for field, value, label in (("start", start, _("开始日期")), ("target_date", target_date, _("完成时限"))):
            try:
                check_calendar(field, value, label)
            except ValidationError as exc:
                errors.update(exc.message_dict)
    if not units:
        errors["units"] = [_("请选择至少一个承办单位")]
    if errors:
        raise ValidationError(errors)
    owners = _check_units(locked.convener, list(units), "units", allow_convener=True)
    number = (locked.action_items.aggregate(n=Max("number"))["n"] or 0) + 1
    item = ActionItem.objects.create(meeting=locked, number=number, description=description, start=start,
                                     target_date=target_date, created_by=_user(actor), created_at=now)
    audit.record_change(actor, item, None, unit=locked.convener)
    for unit in owners:
        draft = ActionAssignment(item=item, unit=unit, region_code=unit.region_id, status=INITIAL,
                                 target_date=target_date, created_at=now)
        WORKFLOW.take(actor, draft, "assign")
        draft.status = S.ASSIGNED
        draft.save()
        _event(draft, "assign", "", actor, "", (), now)
        audit.record_change(actor, draft, None, unit=unit)
        _tell(actor, unit_staff(unit), draft, "command.action_assigned", at=now)
    return item


def _event(assignment: ActionAssignment, name: str, before: str, actor: Actor, comment: str,
           attachments: Sequence[Attachment], now: dt.datetime) -> ActionEvent:
    event = ActionEvent.objects.create(assignment=assignment, name=name, from_status=before,
                                       to_status=assignment.status, actor=_user(actor), at=now, comment=comment)
    if attachments:
        event.attachments.set(attachments)
    return event


@transaction.atomic
def transition(actor: Actor, assignment: ActionAssignment, name: str, *, comment: str = "",
               attachments: Sequence[Attachment] = (), now: dt.datetime | None = None) -> ActionAssignment:
    """Move one owner unit's assignment: progress (needs words), submit (needs evidence), accept
    (done, actual date = today), return (needs a reason)."""
    locked = (ActionAssignment.objects.select_for_update()
              .select_related("unit", "item__meeting__convener__region").get(pk=assignment.pk))
    move = WORKFLOW.take(actor, locked, name)
    comment = (comment or "").strip()
    check_length("comment", comment, MAX_COMMENT)
    if name == "progress" and not comment and not attachments:
        raise ValidationError({"comment": [_("请填写进展情况")]})
    if name == "submit" and not attachments:
        raise ValidationError({"attachments": [_("报告完成须上传证明材料（照片、文件）")]})
    if name == "return" and not comment:
        raise ValidationError({"comment": [_("退回须说明原因")]})
    now = now or timezone.now()
    before_snapshot, before = audit.snapshot(locked), locked.status
    locked.status = move.target
    if name in ("progress", "submit") and comment:
        locked.progress = comment
    if name == "submit":
        locked.submitted_by, locked.submitted_at = _user(actor), now
    if name == "accept":
        locked.accepted_by, locked.done_on = _user(actor), timezone.localdate(now)
    locked.save()
    _event(locked, name, before, actor, comment, attachments, now)
    audit.record_change(actor, locked, before_snapshot, unit=locked.unit)
    if name == "submit":
        _tell(actor, acceptors(locked), locked, "command.action_submitted", at=now)
    elif name == "return":
        _tell(actor, unit_staff(locked.unit), locked, "command.action_returned", at=now, reason=comment[:200])
    return locked


# --- telling whoever acts next --------------------------------------------------------------------

def unit_staff(unit: Unit) -> list[User]:
    """Who acts for `unit`: its active members in a business role (a bureau's officers and
    leaders; an institution's reporters, managers, staff)."""
    rows = (Membership.objects.filter(unit=unit, unit__is_active=True, role__in=scope.BUSINESS_ROLES,
                                      user__is_active=True).select_related("user").order_by("user_id"))
    return list({m.user_id: m.user for m in rows}.values())


def acceptors(assignment: ActionAssignment) -> list[User]:
    """The convening bureau's officers whom the workflow lets accept it now (never its reporter)."""
    convener = _convener_of(assignment)
    rows = (Membership.objects.filter(unit=convener, unit__is_active=True, role__in=scope.BUREAU_OFFICERS,
                                      user__is_active=True).select_related("user").order_by("user_id"))
    people = list({m.user_id: m.user for m in rows}.values())
    return [u for u in people if u.pk != assignment.submitted_by_id]


def _params(assignment: ActionAssignment, **extra: Any) -> dict[str, Any]:
    text = assignment.item.description
    text = text if len(text) <= 80 else text[:79] + "…"
    return {"unit": assignment.unit.name, "meeting": assignment.item.meeting.title[:80],
            "number": assignment.item.number, "description": text,
            "deadline": assignment.target_date.isoformat(), **extra}


def _tell(actor: Actor, recipients: Iterable[User], assignment: ActionAssignment, key: str, *,
          at: dt.datetime | None = None, **extra: Any) -> int:
    people = [u for u in recipients if actor is None or u.pk != actor.pk]
    if people:
        notify(people, key=key, params=_params(assignment, **extra),
               url=reverse("command:action-item-detail", args=[assignment.pk]), at=at)
    return len(people)


def action_item_notices(*, now: dt.datetime | None = None, within_days: int = DUE_SOON_DAYS) -> int:
    """Tell each owner unit's staff of its assignments due within `within_days` (today included) and
    of those overdue, while the unit still has to act (assigned, in progress, returned).

    Idempotent per local day: at most one notice of each kind per assignment and day, however often
    it runs. Returns how many assignments were told about."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    kinds = {"due_soon": Q(target_date__gte=today, target_date__lte=today + dt.timedelta(days=within_days)),
             "overdue": Q(target_date__lt=today)}
    told = 0
    for kind, when in kinds.items():
        done = ActionNotice.objects.filter(kind=kind, day=today).values("assignment_id")
        rows = (ActionAssignment.objects.filter(when, status__in=(S.ASSIGNED, S.IN_PROGRESS, S.RETURNED))
                .exclude(pk__in=done).select_related("unit", "item__meeting").order_by("target_date", "id"))
        for assignment in rows.iterator(chunk_size=500):
            try:
                with transaction.atomic():
                    ActionNotice.objects.create(assignment=assignment, kind=kind, day=today, sent_at=now)
                    sent = _tell(None, unit_staff(assignment.unit), assignment, f"command.action_{kind}", at=now)
            except IntegrityError:
                continue  # another run told them today
            told += 1 if sent else 0
    return told


# --- an overdue assignment on the ledger -------------------------------------------------------------

LEDGER_SOURCE = "action_item"


@transaction.atomic
def raise_ledger_entry(actor: Actor, assignment: ActionAssignment, *, deadline: dt.date,
                       now: dt.datetime | None = None) -> Any:
    """Put an overdue assignment on the ledger (source "action_item"), once, by an officer of the
    convener (or a bureau above it); the entry is the ledger's from then on."""
    from tongxin.ledger import queries as ledger_queries
    from tongxin.ledger import services as ledger

    now = now or timezone.now()
    locked = ActionAssignment.objects.select_for_update().select_related("unit", "item__meeting__convener").get(
        pk=assignment.pk)
    if actor is not None and not scope.scope_of(actor).covers(locked.item.meeting.convener, mode=scope.FILE):
        raise PermissionDenied(_("只有召集单位的业务人员可以将督办事项挂账"))
    if not is_overdue(locked, timezone.localdate(now)):
        raise ValidationError({"status": [_("只有逾期未办结的督办事项可以挂账")]})
    if ledger_queries.raised_by_any(LEDGER_SOURCE, locked.pk).exists():
        raise ValidationError({"status": [_("该督办事项已挂账")]})
    description = _("督办事项逾期未办结：%(meeting)s 第%(number)s项 %(text)s（完成时限 %(deadline)s）") % {
        "meeting": locked.item.meeting.title, "number": locked.item.number, "text": locked.item.description,
        "deadline": locked.target_date.isoformat()}
    return ledger.open_entry(actor, unit=locked.unit, source=LEDGER_SOURCE, category="other", severity="general",
                             description=description[:2000], deadline=deadline, source_id=locked.pk,
                             found_on=timezone.localdate(now), now=now)


def register() -> None:
    """Who is told what about action items (CommandConfig.ready)."""
    from django.utils.translation import gettext_lazy as _

    from tongxin.core import notify

    notify.register("command.action_assigned", label=_("督办交办"),
                    title=_("%(unit)s：新的督办事项（%(meeting)s 第%(number)s项）"),
                    body=_("%(description)s（完成时限 %(deadline)s）"))
    notify.register("command.action_submitted", label=_("督办待验收"),
                    title=_("%(unit)s 报告督办事项已完成，待您验收"),
                    body=_("%(meeting)s 第%(number)s项：%(description)s"))
    notify.register("command.action_returned", label=_("督办退回"),
                    title=_("%(unit)s：督办事项第%(number)s项验收未通过，已退回"), body=_("退回原因：%(reason)s"))
    notify.register("command.action_due_soon", label=_("督办即将到期"),
                    title=_("%(unit)s：督办事项第%(number)s项将于 %(deadline)s 到期"),
                    body=_("%(description)s。请按时办理并报告完成。"))
    notify.register("command.action_overdue", label=_("督办已逾期"),
                    title=_("%(unit)s：督办事项第%(number)s项已逾期（完成时限 %(deadline)s）"),
                    body=_("%(description)s。请尽快办理并报告完成。"))
