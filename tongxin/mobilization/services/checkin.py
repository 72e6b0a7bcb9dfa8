"""Check-in at a post (到岗/离岗) that proves presence without tracking people.

- `daily_code(post, day)`: the post's code of one local day, 6 characters of an alphabet without
  0/O/1/I, the HMAC-SHA256 of the post's secret and the ISO day. It changes every day; the post shows
  it (large, and as a QR of the scan page's URL, `qr_svg`) and nobody can work out tomorrow's.
- `check_in(person, code)` / `check_out(person, code)`: the person's own act, with the code of the
  post they are at today. Check-in opens 30 minutes before the shift and closes at its end; refusals
  say why (an expired code, a code of another post, no shift now, already checked in, not checked in).
- `confirm_roll` / `roll_check_out`: the post's staff (FILE scope on the post's unit) mark who is
  there, or who left.
- `close_forgotten(now)`: every attendance still open after its shift ended is closed at the
  shift's end (AUTO) and flagged FORGOT_CHECKOUT for review (`tongxin mobilization-sweep`). It
  credits 0 hours until the review confirms them.
- `review(actor, attendance, note, hours=None)`: staff mark a flagged attendance reviewed, and may
  confirm the hours (required for a forgotten check-out); the service record follows.

Hours (decided here, see `credited`): the time at the post clipped to the shift [starts_at, ends_at],
rounded down to the quarter hour. Time outside the shift is never credited and, beyond
OUTSIDE_TOLERANCE, flagged OUTSIDE_SHIFT; a stay over 12 hours is flagged OVER_12_HOURS; time
overlapping another attendance of the same person is flagged OVERLAP on both. A forgotten check-out
credits 0 hours until the staff's review confirms how long the person stayed (at most from the
check-in to the shift's end, clipped and rounded like the rest). So credited hours never exceed the
shift's length, and records.finalise refuses a record whose attendance is flagged and not reviewed.

No location is ever taken, and nothing is recorded outside a shift. Every write is atomic and
audited, drafts the service record of a closed attendance (services.records.draft_for) and refreshes
the day's roll-up (services.rollup.refresh).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, cast

import segno
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.accounts.models import User
from tongxin.core import audit
from tongxin.core.notify import notify_contacts
from tongxin.core.notify import register as register_kind
from tongxin.core.types import Actor
from tongxin.core.validators import typed_code
from tongxin.mobilization.models import Assignment, AssignmentStatus, Attendance, Flag, Method, Person, Shift
from tongxin.mobilization.queries.people import contact_key
from tongxin.mobilization.services import records, rollup
from tongxin.units import scope

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols: no 0/O, no 1/I
CODE_LENGTH = 6
CHECK_IN_EARLY = dt.timedelta(minutes=30)  # check-in opens this long before the shift starts
OUTSIDE_TOLERANCE = dt.timedelta(minutes=30)  # time at the post outside the shift flagged beyond this
LONG_STAY = dt.timedelta(hours=12)
QUARTER = 900  # seconds: hours are rounded down to the quarter hour
EXPIRED_DAYS = 7  # a code of one of these past days is "expired" rather than "foreign"
AUTO_CLOSED_KEY = "mobilization.checkin.auto_closed"
NOTE_MAX = 200


def register_messages() -> None:
    """The message kinds of this part (called from apps.py)."""
    register_kind(AUTO_CLOSED_KEY, title=gettext_lazy("未签退，已在班次结束时自动签退"),
                  body=gettext_lazy("您在%(post)s %(day)s 的班次未签退，系统已按班次结束时间 %(end)s 签退，"
                                    "服务时长待组织复核。"),
                  label=gettext_lazy("自动签退"))


# --- the daily code -----------------------------------------------------------------------------

def daily_code(post: Any, day: dt.date) -> str:
    """The post's check-in code of the local `day`: 6 symbols of ALPHABET, from the HMAC-SHA256
    of `post.code_secret` and the ISO day (changes daily; the secret never leaves the server)."""
    digest = hmac.new(post.code_secret.encode(), day.isoformat().encode(), hashlib.sha256).digest()
    n = int.from_bytes(digest[:8], "big")
    chars = []
    for _i in range(CODE_LENGTH):
        n, r = divmod(n, len(ALPHABET))
        chars.append(ALPHABET[r])
    return "".join(chars)


def is_current_code(post: Any, raw: str, now: dt.datetime | None = None) -> bool:
    """`raw` is the post's code of today, or of the day a shift of the post still running began
    (an overnight shift keeps the code it started with): what a scan page may be shown for."""
    now = now or timezone.now()
    code = typed_code(raw)
    today = timezone.localdate(now)
    if len(code) != CODE_LENGTH:
        return False
    if hmac.compare_digest(daily_code(post, today), code):
        return True
    began = set(Shift.objects.filter(post=post, is_cancelled=False, day__lt=today, ends_at__gt=now)
                .values_list("day", flat=True))
    return any(hmac.compare_digest(daily_code(post, day), code) for day in began)


def qr_svg(text: str) -> str:
    """An inline SVG QR code of `text` (segno), scalable, no external asset."""
    return str(segno.make(text, error="m").svg_inline(scale=8, border=2, omitsize=True))


# --- hours and flags ----------------------------------------------------------------------------

def credited(checked_in_at: dt.datetime, checked_out_at: dt.datetime, starts_at: dt.datetime,
             ends_at: dt.datetime) -> Decimal:
    """Hours credited: the time at the post clipped to the shift, rounded down to the quarter hour."""
    start, end = max(checked_in_at, starts_at), min(checked_out_at, ends_at)
    seconds = max(0.0, (end - start).total_seconds())
    return (Decimal(int(seconds // QUARTER)) / 4).quantize(Decimal("0.01"))


def flags_of(attendance: Attendance, out: dt.datetime, *, forgot: bool) -> list[str]:
    """The anomalies of an attendance closing at `out` (Flag values, in a stable order)."""
    shift = attendance.assignment.shift
    flags = []
    if forgot:
        flags.append(Flag.FORGOT_CHECKOUT.value)
    if out - attendance.checked_in_at > LONG_STAY:
        flags.append(Flag.OVER_12_HOURS.value)
    if _overlapping(attendance, out).exists():
        flags.append(Flag.OVERLAP.value)
    outside = max(dt.timedelta(0), shift.starts_at - attendance.checked_in_at) + max(dt.timedelta(0),
                                                                                    out - shift.ends_at)
    if outside > OUTSIDE_TOLERANCE:
        flags.append(Flag.OUTSIDE_SHIFT.value)
    return flags


def _overlapping(attendance: Attendance, out: dt.datetime) -> Any:
    """The person's other attendances whose time at a post overlaps [in, out)."""
    return (Attendance.objects.filter(assignment__person_id=attendance.assignment.person_id,
                                      checked_in_at__lt=out)
            .filter(Q(checked_out_at__isnull=True) | Q(checked_out_at__gt=attendance.checked_in_at))
            .exclude(pk=attendance.pk))


# --- audit --------------------------------------------------------------------------------------

def _audit(actor: Actor, attendance: Attendance, before: dict[str, Any] | None, person: Person | None) -> None:
    """The change in the trail; a person's own act is named as the person (no account)."""
    unit = attendance.assignment.shift.post.unit
    after = audit.snapshot(attendance)
    if before is None:
        action, changes = audit.Action.CREATE, {k: [None, v] for k, v in after.items()}
    else:
        action, changes = audit.Action.UPDATE, audit.diff(before, after)
    name = contact_key(person) if actor is None and person is not None else ""
    audit.record(action, actor=actor, obj=attendance, unit=unit, changes=changes, actor_name=name)


def _after_change(attendance: Attendance) -> None:
    shift = attendance.assignment.shift
    if attendance.checked_out_at is not None:
        records.draft_for(attendance)
    rollup.refresh(shift.post.unit_id, shift.day)


# --- finding the person's shift from a code -----------------------------------------------------

def _window(shift: Shift) -> tuple[dt.datetime, dt.datetime]:
    return shift.starts_at - CHECK_IN_EARLY, shift.ends_at


def _near(person: Person, now: dt.datetime) -> list[Assignment]:
    """The person's active assignments of yesterday and today (overnight shifts), posts at hand."""
    today = timezone.localdate(now)
    return list(Assignment.objects.filter(person=person, status=AssignmentStatus.ACTIVE,
                                          shift__is_cancelled=False,
                                          shift__day__range=(today - dt.timedelta(days=1), today))
                .select_related("shift__post__unit", "person").order_by("starts_at", "pk"))


def _accepts(assignment: Assignment, code: str, now: dt.datetime) -> bool:
    """Today's code of the post; for a shift begun yesterday and still running, also that day's."""
    post, shift = assignment.shift.post, assignment.shift
    today = timezone.localdate(now)
    if hmac.compare_digest(daily_code(post, today), code):
        return True
    return shift.day != today and now < shift.ends_at and hmac.compare_digest(daily_code(post, shift.day), code)


def _matching(person: Person, raw: str, now: dt.datetime) -> list[Assignment]:
    """The person's assignments the code belongs to, else a ValidationError saying why not."""
    code = typed_code(raw)
    if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
        raise ValidationError({"code": [_("签到码：请输入卡点显示的 6 位签到码")]})
    near = _near(person, now)
    matches = [a for a in near if _accepts(a, code, now)]
    if matches:
        return matches
    today = timezone.localdate(now)
    posts = {a.shift.post_id: a.shift.post for a in near}
    if any(hmac.compare_digest(daily_code(p, today - dt.timedelta(days=d)), code)
           for p in posts.values() for d in range(1, EXPIRED_DAYS + 1)):
        raise ValidationError({"code": [_("签到码已过期，请扫描卡点今天的二维码")]})
    if not any(a.shift.day == today or now < a.shift.ends_at for a in near):
        raise ValidationError({"shift": [_("您今天没有排班，无需签到")]})
    raise ValidationError({"code": [_("该签到码不属于您今天的岗位")]})


def _time(value: dt.datetime) -> str:
    return f"{timezone.localtime(value):%H:%M}"


# --- the person's own check-in and out ---------------------------------------------------------

@transaction.atomic
def check_in(person: Person, code: str, *, at: dt.datetime | None = None) -> Attendance:
    """The person checks in at the post whose code of today they typed or scanned.

    Their ACTIVE assignment at that post whose shift is open (from 30 minutes before its start until
    its end) gets an attendance. Refused (ValidationError): a malformed, expired or foreign code; no
    shift open now; already checked in."""
    now = at or timezone.now()
    Person.objects.select_for_update().filter(pk=person.pk).first()  # two quick taps: one check-in
    matches = _matching(person, code, now)
    done = {t.assignment_id: t for t in Attendance.objects.filter(assignment__in=matches)}
    open_now = [a for a in matches if _window(a.shift)[0] <= now < _window(a.shift)[1]]
    free = [a for a in open_now if a.pk not in done]
    if not free:
        if open_now:
            first = done[open_now[0].pk]
            raise ValidationError({"code": [_("您已于 %(time)s 签到，无需重复签到") % {
                "time": _time(first.checked_in_at)}]})
        later = [a for a in matches if now < _window(a.shift)[0]]
        if later:
            raise ValidationError({"shift": [_("还未到签到时间：班次 %(start)s 开始，可提前 %(n)s 分钟签到") % {
                "start": _time(later[0].shift.starts_at), "n": int(CHECK_IN_EARLY.total_seconds() // 60)}]})
        raise ValidationError({"shift": [_("您在该岗位的班次已于 %(end)s 结束，现在没有可签到的班次") % {
            "end": _time(matches[-1].shift.ends_at)}]})
    assignment = free[0]
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(assignment=assignment, checked_in_at=now,
                                                   check_in_method=Method.CODE)
    except IntegrityError:  # the other tap won (SQLite takes no row lock): theirs is the check-in
        raise ValidationError({"code": [_("您已签到，无需重复签到")]}) from None
    _audit(None, attendance, None, person)
    _after_change(attendance)
    return attendance


def _close(actor: Actor, attendance: Attendance, out: dt.datetime, method: str, *, forgot: bool = False,
           person: Person | None = None) -> Attendance:
    before = audit.snapshot(attendance)
    shift = attendance.assignment.shift
    out = max(out, attendance.checked_in_at)
    attendance.checked_out_at = out
    attendance.check_out_method = method
    attendance.checked_out_by = cast(User, actor) if method == Method.ROLL else None
    # a forgotten check-out credits nothing until the review confirms the hours
    attendance.hours = Decimal("0.00") if forgot else credited(attendance.checked_in_at, out, shift.starts_at,
                                                                shift.ends_at)
    attendance.flags = flags_of(attendance, out, forgot=forgot)
    attendance.save(update_fields=["checked_out_at", "check_out_method", "checked_out_by", "hours", "flags"])
    if Flag.OVERLAP.value in attendance.flags:
        for other in _overlapping(attendance, out).select_for_update():
            if Flag.OVERLAP.value not in other.flags:
                other_before = audit.snapshot(other)
                other.flags = [*other.flags, Flag.OVERLAP.value]
                other.save(update_fields=["flags"])
                _audit(None, other, other_before, None)
    _audit(actor, attendance, before, person)
    _after_change(attendance)
    return attendance


@transaction.atomic
def check_out(person: Person, code: str, *, at: dt.datetime | None = None) -> Attendance:
    """The person checks out of the post whose code they typed or scanned: their open attendance
    there closes now and its hours are credited. Refused: a bad code, not checked in (a check-out
    before check-in), already checked out."""
    now = at or timezone.now()
    Person.objects.select_for_update().filter(pk=person.pk).first()
    try:
        matches = _matching(person, code, now)
    except ValidationError as exc:
        if "shift" in exc.message_dict:  # no shift at all: nothing to check out of
            raise ValidationError({"code": [_("您还没有签到，不能签退")]}) from None
        raise
    attendances = list(Attendance.objects.filter(assignment__in=matches)
                       .select_related("assignment__shift__post__unit").order_by("checked_in_at"))
    still_open = [a for a in attendances if a.checked_out_at is None]
    if not still_open:
        if attendances:
            raise ValidationError({"code": [_("您已于 %(time)s 签退") % {
                "time": _time(attendances[-1].checked_out_at or now)}]})
        raise ValidationError({"code": [_("您还没有签到，不能签退")]})
    return _close(None, still_open[0], now, Method.CODE, person=person)


# --- the roll -----------------------------------------------------------------------------------

def _roll_assignments(actor: Actor, shift: Shift, people: Iterable[Person | int]) -> list[Assignment]:
    scope.require(actor, shift.post.unit, scope.FILE, _("您的角色不能为该岗位点名"))
    ids = [p if isinstance(p, int) else p.pk for p in people]
    if not ids:
        raise ValidationError({"people": [_("人员：请至少选择一人")]})
    found = {a.person_id: a for a in Assignment.objects.filter(
        shift=shift, person_id__in=ids, status=AssignmentStatus.ACTIVE).select_related("person", "shift__post__unit")}
    missing = [i for i in ids if i not in found]
    if missing:
        # name only the post's unit's own people: anyone else is an id (never echo a stranger's name)
        own = dict(Person.objects.filter(pk__in=missing, unit_id=shift.post.unit_id).values_list("pk", "name"))
        names = ", ".join(own.get(i) or f"#{i}" for i in dict.fromkeys(missing))
        raise ValidationError({"people": [_("人员：%(names)s 不在该班次的名单上") % {"names": names}]})
    return [found[i] for i in dict.fromkeys(ids)]


@transaction.atomic
def confirm_roll(actor: Actor, shift: Shift, people: Iterable[Person | int], *,
                 at: dt.datetime | None = None) -> list[Attendance]:
    """The post's staff confirm who is present: each person on the shift not yet checked in is
    checked in now (ROLL, by `actor`); those already in are returned as they are. Only while the
    shift is open for check-in; every person must be on the shift."""
    now = at or timezone.now()
    shift = Shift.objects.select_for_update().select_related("post__unit").get(pk=shift.pk)
    assignments = _roll_assignments(actor, shift, people)
    opens, closes = _window(shift)
    if shift.is_cancelled:
        raise ValidationError({"shift": [_("该班次已取消")]})
    if not opens <= now < closes:
        raise ValidationError({"shift": [_("只能在班次开始前 %(n)s 分钟至结束前点名（%(start)s–%(end)s）") % {
            "n": int(CHECK_IN_EARLY.total_seconds() // 60), "start": _time(shift.starts_at),
            "end": _time(shift.ends_at)}]})
    existing = {a.assignment_id: a for a in Attendance.objects.filter(assignment__in=assignments)}
    result = []
    for assignment in assignments:
        attendance = existing.get(assignment.pk)
        if attendance is None:
            attendance = Attendance.objects.create(assignment=assignment, checked_in_at=now,
                                                   check_in_method=Method.ROLL, checked_in_by=cast(User, actor))
            _audit(actor, attendance, None, None)
        result.append(attendance)
    rollup.refresh(shift.post.unit_id, shift.day)
    return result


@transaction.atomic
def roll_check_out(actor: Actor, shift: Shift, people: Iterable[Person | int], *,
                   at: dt.datetime | None = None) -> list[Attendance]:
    """The post's staff check people of the shift out now (ROLL); someone not checked in is refused."""
    now = at or timezone.now()
    shift = Shift.objects.select_for_update().select_related("post__unit").get(pk=shift.pk)
    assignments = _roll_assignments(actor, shift, people)
    existing = {a.assignment_id: a for a in Attendance.objects.select_for_update().filter(
        assignment__in=assignments).select_related("assignment__shift__post__unit")}
    not_in = [a.person.name for a in assignments if a.pk not in existing]
    if not_in:
        raise ValidationError({"people": [_("人员：%(names)s 还没有签到，不能签退") % {"names": ", ".join(not_in)}]})
    result = []
    for assignment in assignments:
        attendance = existing[assignment.pk]
        if attendance.checked_out_at is None:
            attendance = _close(actor, attendance, now, Method.ROLL)
        result.append(attendance)
    return result


# --- forgotten check-outs -----------------------------------------------------------------------

def close_forgotten(now: dt.datetime | None = None) -> int:
    """Close every attendance still open after its shift ended, at the shift's end (AUTO), flagged
    FORGOT_CHECKOUT (credited 0 hours until the staff's review confirms them); the person is
    told. Returns how many were closed. Safe to run as often as you like."""
    now = now or timezone.now()
    closed = 0
    due = (Attendance.objects.filter(checked_out_at__isnull=True, assignment__shift__ends_at__lte=now)
           .values_list("pk", flat=True).order_by("pk"))
    for pk in list(due):
        with transaction.atomic():
            attendance = (Attendance.objects.select_for_update().select_related(
                "assignment__shift__post__unit", "assignment__person").filter(pk=pk, checked_out_at__isnull=True)
                .first())
            if attendance is None:
                continue
            shift, person = attendance.assignment.shift, attendance.assignment.person
            _close(None, attendance, shift.ends_at, Method.AUTO, forgot=True)
            notify_contacts([(contact_key(person), person.mobile)], key=AUTO_CLOSED_KEY,
                            params={"post": shift.post.name, "day": shift.day.isoformat(),
                                    "end": _time(shift.ends_at)}, at=now)
            closed += 1
    return closed


# --- review -------------------------------------------------------------------------------------

def _confirmed_hours(attendance: Attendance, value: Any) -> Decimal:
    """The hours a reviewer confirms: a number from 0 to what the attendance could credit at most
    (from its check-in to its check-out, clipped to the shift), rounded down to the quarter hour."""
    shift = attendance.assignment.shift
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({"hours": [_("核实的服务时长须是数字（小时）")]}) from None
    most = credited(attendance.checked_in_at, attendance.checked_out_at or shift.ends_at, shift.starts_at,
                    shift.ends_at)
    if not hours.is_finite() or hours < 0 or hours > most:
        raise ValidationError({"hours": [_("核实的服务时长须在 0 到 %(most)s 小时之间（到岗至班次结束）") % {
            "most": most}]})
    return (Decimal(int(hours * 4)) / 4).quantize(Decimal("0.01"))


@transaction.atomic
def review(actor: Actor, attendance: Attendance, *, note: str, hours: Any = None,
           at: dt.datetime | None = None) -> Attendance:
    """The organisation's staff mark a flagged attendance reviewed, with a note (audited), and confirm
    the hours (`hours`, required for a forgotten check-out, optional otherwise): at most from the
    check-in to the shift's end, rounded down to the quarter hour. Confirmed hours that differ from
    the credited ones re-draft the service record (records.redraft); later changes are corrections."""
    attendance = Attendance.objects.select_for_update().select_related(
        "assignment__shift__post__unit", "assignment__person").get(pk=attendance.pk)
    scope.require(actor, attendance.assignment.shift.post.unit, scope.FILE, _("您的角色不能复核该到岗记录"))
    note = (note or "").strip()
    if not attendance.flags:
        raise ValidationError({"attendance": [_("该到岗记录没有需要复核的异常")]})
    if attendance.reviewed_at is not None:
        raise ValidationError({"attendance": [_("该到岗记录已复核")]})
    if not note:
        raise ValidationError({"note": [_("复核说明：请写明核实的情况")]})
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": [_("复核说明：不超过 %(n)s 个字") % {"n": NOTE_MAX}]})
    blank = hours is None or str(hours).strip() == ""
    if blank and Flag.FORGOT_CHECKOUT.value in attendance.flags:
        raise ValidationError({"hours": [_("核实的服务时长：未签退的到岗记录须填写核实的时长（小时）")]})
    confirmed = None if blank else _confirmed_hours(attendance, hours)
    before = audit.snapshot(attendance)
    attendance.reviewed_at = at or timezone.now()
    attendance.reviewed_by = cast(User, actor)
    attendance.review_note = note
    fields = ["reviewed_at", "reviewed_by", "review_note"]
    changed = confirmed is not None and confirmed != attendance.hours
    if changed:
        attendance.hours = confirmed
        fields.append("hours")
    attendance.save(update_fields=fields)
    _audit(actor, attendance, before, None)
    if changed:  # records refreshes the roll-up of the record's day (its hours are the records')
        records.redraft(actor, attendance, reason=_("到岗异常复核：%(note)s") % {"note": note}, at=at)
    return attendance
