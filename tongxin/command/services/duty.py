"""Every write of duty rosters (值班表) and check-ins (到岗签到).

- `set_roster` replaces one unit's week of shifts with the rows given, in one transaction: every
  row is checked first (a role, a name, a mainland phone, times, a day inside the week, an account
  that belongs to the unit) and so is every pair of shifts of one person — the same account or the
  same phone — in this week of this unit and in any other unit or week: an overlap is refused, naming
  both. Nothing is saved unless all of it is right. Shifts that stay the same are kept (with their
  check-ins); the week's rows before and after are audited together, so a correction keeps its trail.
  Who may: the unit's own staff (FILE) and officers of the bureaus above it.
- `check_in` is a tap by the person of the shift, during its window, while a response is in force
  over the unit (the 2026 rules allow check-in only in an emergency); a second tap changes nothing.
- `duty_notices` tells each person with an account, shortly before their shift starts, that a
  check-in is due — only while a response is in force over their unit; once per shift.

Punctuality is never counted or ranked: no totals per person, no league tables (2026 rules).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.accounts.models import User
from tongxin.command.models import CheckIn, DutyRole, DutyShift
from tongxin.command.queries import responses
from tongxin.command.queries.duty import MISSED_SETTING, is_missed, missed_after
from tongxin.command.services.responses import FIRST_DAY as FIRST_DAY
from tongxin.command.services.responses import LAST_DAY as LAST_DAY
from tongxin.core import audit
from tongxin.core.notify import notify
from tongxin.core.types import Actor
from tongxin.core.validators import mask_phone, normalize_phone
from tongxin.units import scope
from tongxin.units.models import Membership, Unit
from tongxin.units.queries import members_by_unit

WEEK_DAYS = 7
MAX_NAME = 50
MAX_SHIFT_LABEL = 20
MAX_ROWS = 7 * 20  # a week of a large unit's rota, far more than any real one
CHECK_IN_EARLY = dt.timedelta(minutes=30)  # a check-in is taken from 30 minutes before the start …
NOTICE_AHEAD = dt.timedelta(minutes=30)  # … and the notice that it is due goes out about then
NOTICE_KEY = "command.duty.check_in_due"
__all__ = ["MISSED_SETTING", "is_missed", "missed_after"]  # the board's reads, here for the services' callers


@dataclass(frozen=True)
class RosterRow:
    """One shift as entered: a local day, a role, a person (named, optionally an account of the
    unit), a phone, and local start and end times (an end not after the start is the next day)."""

    day: dt.date
    role: str
    name: str
    phone: str
    start: dt.time
    end: dt.time
    shift: str = ""
    user: User | None = None

    def starts_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.day, self.start))

    def ends_at(self) -> dt.datetime:
        end_day = self.day if self.end > self.start else self.day + dt.timedelta(days=1)
        return timezone.make_aware(dt.datetime.combine(end_day, self.end))


def _user(actor: Actor) -> User | None:
    return cast(User | None, actor)


def row_from(values: Mapping[str, Any]) -> RosterRow:
    """A RosterRow from plain values (the API's and the forms' dicts); the checks are `set_roster`'s."""
    return RosterRow(day=values["day"], role=str(values.get("role") or ""), name=str(values.get("name") or ""),
                     phone=str(values.get("phone") or ""), start=values["start"], end=values["end"],
                     shift=str(values.get("shift") or ""), user=values.get("user"))


def may_set_roster(actor: Actor, unit: Unit) -> bool:
    """The unit's own staff (reporters, managers, social-organisation staff) and officers of the
    bureaus above it (for a bureau: its own officers too) — FILE scope."""
    return actor is None or scope.scope_of(actor).covers(unit, mode=scope.FILE)


def _person_label(row: RosterRow) -> str:
    return _("%(name)s（%(day)s %(start)s–%(end)s）") % {
        "name": row.name, "day": f"{row.day:%m-%d}", "start": f"{row.start:%H:%M}", "end": f"{row.end:%H:%M}"}


def _shift_label(s: DutyShift) -> str:
    start, end = timezone.localtime(s.starts_at), timezone.localtime(s.ends_at)
    return _("%(unit)s %(name)s（%(day)s %(start)s–%(end)s）") % {
        "unit": s.unit.name, "name": s.name, "day": f"{s.day:%m-%d}", "start": f"{start:%H:%M}",
        "end": f"{end:%H:%M}"}


def _clean_row(index: int, row: RosterRow, unit: Unit, week: tuple[dt.date, dt.date],
               members: set[int]) -> tuple[RosterRow, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    key = f"rows.{index}"

    def err(field: str, message: str) -> None:
        errors.setdefault(f"{key}.{field}", []).append(message)

    if row.role not in DutyRole.values:
        err("role", _("值班角色应为“带班领导”或“值班人员”"))
    name = row.name.strip()
    if not name:
        err("name", _("请填写姓名"))
    elif len(name) > MAX_NAME:
        err("name", _("姓名不能超过 %(n)s 个字") % {"n": MAX_NAME})
    shift = row.shift.strip()
    if len(shift) > MAX_SHIFT_LABEL:
        err("shift", _("班次不能超过 %(n)s 个字") % {"n": MAX_SHIFT_LABEL})
    phone = row.phone.strip()
    if not phone:
        err("phone", _("请填写联系电话"))
    else:
        try:
            phone = normalize_phone(phone)
        except ValidationError as exc:
            err("phone", "；".join(exc.messages))
    if not isinstance(row.day, dt.date) or not week[0] <= row.day < week[1]:
        err("day", _("日期应在本周（%(start)s 至 %(end)s）之内") % {
            "start": week[0].isoformat(), "end": (week[1] - dt.timedelta(days=1)).isoformat()})
    if not isinstance(row.start, dt.time) or not isinstance(row.end, dt.time):
        err("start", _("请填写开始和结束时间"))
    if row.user is not None and row.user.pk not in members:
        err("user", _("所选账号不是%(unit)s的人员") % {"unit": unit.name})  # never names an account out of scope
    return RosterRow(row.day, row.role, name, phone, row.start, row.end, shift, row.user), errors


def _same_person(a_user: int | None, a_phone: str, b_user: int | None, b_phone: str) -> bool:
    return (a_user is not None and a_user == b_user) or (bool(a_phone) and a_phone == b_phone)


def _overlaps(rows: list[tuple[int, RosterRow]]) -> dict[str, list[str]]:
    """Pairs of rows of one person whose times overlap: the later row is refused, naming the earlier."""
    errors: dict[str, list[str]] = {}
    spans = [(r.starts_at(), r.ends_at()) for _i, r in rows]
    for j, (index, b) in enumerate(rows):
        for i in range(j):
            a = rows[i][1]
            if _same_person(a.user.pk if a.user else None, a.phone, b.user.pk if b.user else None, b.phone) and (
                    spans[i][0] < spans[j][1] and spans[j][0] < spans[i][1]):
                errors.setdefault(f"rows.{index}", []).append(
                    _("%(this)s与%(other)s时间重叠：同一人（同一账号或同一电话）不能同时值两个班") % {
                        "this": _person_label(b), "other": _person_label(a)})
                break
    return errors


def _clashes_elsewhere(actor: Actor, rows: list[tuple[int, RosterRow]], unit: Unit,
                       week: tuple[dt.date, dt.date]) -> dict[str, list[str]]:
    """Shifts of the same people kept anywhere else (another unit, or another week) that overlap a row."""
    if not rows:
        return {}
    low = min(r.starts_at() for _i, r in rows)
    high = max(r.ends_at() for _i, r in rows)
    phones = sorted({r.phone for _i, r in rows if r.phone})
    users = sorted({r.user.pk for _i, r in rows if r.user is not None})
    people = Q(phone__in=phones) | Q(user_id__in=users)
    this_week = Q(unit=unit, day__gte=week[0], day__lt=week[1])
    others = list(DutyShift.objects.filter(people, starts_at__lt=high, ends_at__gt=low).exclude(this_week)
                  .select_related("unit"))
    errors: dict[str, list[str]] = {}
    for j, r in rows:
        start, end = r.starts_at(), r.ends_at()
        for s in others:
            if _same_person(r.user.pk if r.user else None, r.phone, s.user_id, s.phone) and (
                    s.starts_at < end and start < s.ends_at):
                # a shift of a unit the actor does not cover is not named (its unit, person and times)
                other = (_shift_label(s) if actor is None or scope.scope_of(actor).covers(s.unit, mode=scope.READ)
                         else _("其他单位的班次"))
                errors.setdefault(f"rows.{j}", []).append(
                    _("%(this)s与已排的%(other)s时间重叠：同一人（同一账号或同一电话）不能同时值两个班") % {
                        "this": _person_label(r), "other": other})
                break
    return errors


def _shown(s: DutyShift) -> dict[str, Any]:
    """A shift as the audit trail keeps it (the phone masked when the trail is read)."""
    return {"day": s.day.isoformat(), "role": s.role, "name": s.name, "phone": s.phone, "shift": s.shift,
            "starts_at": timezone.localtime(s.starts_at).isoformat(),
            "ends_at": timezone.localtime(s.ends_at).isoformat(), "user": s.user_id}


def _masked(shifts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The shifts as the audit trail keeps them: the phone masked (the trail's readers are the
    auditors, who see no one's number in full)."""
    return [{**v, "phone": mask_phone(v["phone"])} for v in shifts]


def _identity(values: Mapping[str, Any]) -> tuple[Any, ...]:
    return (values["day"], values["role"], values["name"], values["phone"], values["shift"],
            values["starts_at"], values["ends_at"], values["user"])


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The Monday-to-Sunday week holding `day`, as [start, end)."""
    start = day - dt.timedelta(days=day.weekday())
    return start, start + dt.timedelta(days=WEEK_DAYS)


@transaction.atomic
def set_roster(actor: Actor, *, unit: Unit, week_start: dt.date, rows: Sequence[RosterRow]) -> list[DutyShift]:
    """Replace `unit`'s shifts of the 7 days from `week_start` by `rows`, all or nothing.

    Refused (ValidationError naming `rows.<i>.<field>` or `rows.<i>`): a bad role, name, phone or
    time, a day outside the week, an account that is not a member of the unit, two shifts of one
    person (same account or same phone) that overlap — in these rows or against any shift kept
    elsewhere — and removing a shift someone already checked in for. 404 when the actor cannot see
    the unit, 403 when they may see it but not keep its roster. Returns the week's shifts."""
    scope.require(actor, unit, scope.FILE, _("您的角色不能编排该单位的值班表"))
    if len(rows) > MAX_ROWS:
        raise ValidationError({"rows": [_("一周最多 %(n)s 个班次") % {"n": MAX_ROWS}]})
    if not FIRST_DAY <= week_start <= LAST_DAY:  # a typed 9999-12-31 is refused in words, not a 500
        raise ValidationError({"week_start": [_("值班日期应在 %(a)s 至 %(b)s 之间") % {"a": FIRST_DAY, "b": LAST_DAY}]})
    week = (week_start, week_start + dt.timedelta(days=WEEK_DAYS))
    members = set(Membership.objects.filter(unit=unit).values_list("user_id", flat=True))
    cleaned: list[RosterRow] = []
    errors: dict[str, list[str]] = {}
    sound: list[tuple[int, RosterRow]] = []  # the rows without an error of their own: checked for overlaps
    for index, row in enumerate(rows):
        clean, row_errors = _clean_row(index, row, unit, week, members)
        cleaned.append(clean)
        errors.update(row_errors)
        if not row_errors:
            sound.append((index, clean))
    for found in (_overlaps(sound), _clashes_elsewhere(actor, sound, unit, week)):
        for key, messages in found.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    current = list(DutyShift.objects.select_for_update(of=("self",))  # not the outer-joined check-in
                   .filter(unit=unit, day__gte=week[0], day__lt=week[1]).select_related("check_in"))
    before = sorted((_shown(s) for s in current), key=lambda v: (v["day"], v["role"], v["starts_at"], v["name"]))
    by_identity: dict[tuple[Any, ...], list[DutyShift]] = {}
    for s in current:
        by_identity.setdefault(_identity(_shown(s)), []).append(s)
    kept: list[DutyShift] = []
    new: list[DutyShift] = []
    for row in cleaned:
        values = {"day": row.day.isoformat(), "role": row.role, "name": row.name, "phone": row.phone,
                  "shift": row.shift, "starts_at": timezone.localtime(row.starts_at()).isoformat(),
                  "ends_at": timezone.localtime(row.ends_at()).isoformat(),
                  "user": row.user.pk if row.user else None}
        same = by_identity.get(_identity(values))
        if same:
            kept.append(same.pop())
            continue
        new.append(DutyShift(unit=unit, day=row.day, role=row.role, user=row.user, name=row.name, phone=row.phone,
                             shift=row.shift, starts_at=row.starts_at(), ends_at=row.ends_at(),
                             created_by=_user(actor) or row.user or _system_user(unit)))
    gone = [s for group in by_identity.values() for s in group]
    checked = [s for s in gone if hasattr(s, "check_in")]
    if checked:
        raise ValidationError({"rows": [_("%(shift)s已签到，不能删除或修改") % {"shift": _shift_label(s)}
                                        for s in checked]})
    DutyShift.objects.filter(pk__in=[s.pk for s in gone]).delete()
    DutyShift.objects.bulk_create(new)
    after = sorted((_shown(s) for s in kept + new), key=lambda v: (v["day"], v["role"], v["starts_at"], v["name"]))
    if before != after:  # a week set again unchanged records nothing
        audit.record(audit.Action.UPDATE if before else audit.Action.CREATE, actor=actor, unit=unit,
                     object_repr=_("%(unit)s值班表（%(start)s 起一周）") % {"unit": unit.name,
                                                                       "start": week_start.isoformat()},
                     changes={"week": week_start.isoformat(), "shifts": [_masked(before), _masked(after)]})
    return list(DutyShift.objects.filter(unit=unit, day__gte=week[0], day__lt=week[1]).select_related("user"))


def _system_user(unit: Unit) -> User:
    """Who a roster the system itself sets (actor None, the demo) is recorded as entered by: the
    first account of the unit, else of any unit (the demo always has one)."""
    member = Membership.objects.filter(unit=unit).select_related("user").order_by("id").first()
    if member is not None:
        return cast(User, member.user)
    first = User.objects.order_by("id").first()
    if first is None:
        raise ValidationError({"rows": [_("系统中还没有任何账号")]})
    return cast(User, first)


# --- check-in ------------------------------------------------------------------------------------

def window(shift: DutyShift) -> tuple[dt.datetime, dt.datetime]:
    """When a check-in for `shift` is taken: from CHECK_IN_EARLY before its start to its end."""
    return shift.starts_at - CHECK_IN_EARLY, shift.ends_at


@dataclass(frozen=True)
class CheckInResult:
    check_in: CheckIn
    created: bool  # False: the shift was already checked in (a second tap changes nothing)


@transaction.atomic
def check_in(actor: Actor, shift: DutyShift, *, now: dt.datetime | None = None) -> CheckInResult:
    """The person of `shift` checks in: a tap, no photo, no location.

    Refused: anyone but `shift.user` (403, also a shift named without an account), outside the window
    (ValidationError on "at"), and when no response is in force over the unit (ValidationError on
    "response": check-in is off). A second tap returns the first check-in with created=False."""
    now = now or timezone.now()
    if actor is None or shift.user_id is None or shift.user_id != actor.pk:
        raise PermissionDenied(_("只有值班人员本人可以签到，不能替他人签到"))
    DutyShift.objects.select_for_update().filter(pk=shift.pk).first()  # two quick taps: one check-in
    existing = CheckIn.objects.filter(shift=shift).first()
    if existing is not None:
        return CheckInResult(existing, False)
    if not responses.tracking_on(shift.unit, now):
        raise ValidationError({"response": [_("当前没有启动应急响应，到岗签到未开启")]})
    opens, closes = window(shift)
    if now < opens:
        raise ValidationError({"at": [_("还未到签到时间：班次 %(start)s 开始，可提前 %(n)s 分钟签到") % {
            "start": f"{timezone.localtime(shift.starts_at):%H:%M}", "n": int(CHECK_IN_EARLY.total_seconds() // 60)}]})
    if now >= closes:
        raise ValidationError({"at": [_("该班次已于 %(end)s 结束，不能再签到") % {
            "end": f"{timezone.localtime(shift.ends_at):%m-%d %H:%M}"}]})
    try:
        with transaction.atomic():
            record = CheckIn.objects.create(shift=shift, at=now, user=cast(User, actor))
    except IntegrityError:  # the other tap won (SQLite takes no row lock): theirs is the check-in
        return CheckInResult(CheckIn.objects.get(shift=shift), False)
    audit.record(audit.Action.CREATE, actor=actor, obj=record, unit=shift.unit,
                 changes={"shift": [None, shift.pk], "at": [None, now.isoformat()]})
    return CheckInResult(record, True)


# --- notices -------------------------------------------------------------------------------------

def duty_notices(*, now: dt.datetime | None = None) -> int:
    """Tell each person whose shift starts within NOTICE_AHEAD of `now` that a check-in is due —
    only while a response is in force over the unit, once per shift (`notified_at`). Returns how
    many were sent. Run every few minutes by `tongxin command-chase`."""
    now = now or timezone.now()
    due = list(DutyShift.objects.filter(user__isnull=False, user__is_active=True, notified_at__isnull=True,
                                        starts_at__gt=now - CHECK_IN_EARLY, starts_at__lte=now + NOTICE_AHEAD,
                                        check_in__isnull=True).select_related("unit", "user"))
    tracking: dict[str, bool] = {}
    sent = 0
    url = reverse("command:duty-mine")
    for shift in due:
        code = shift.unit.region_id
        if code not in tracking:
            tracking[code] = responses.tracking_on(shift.unit, now)
        if not tracking[code]:
            continue
        with transaction.atomic():
            if not DutyShift.objects.filter(pk=shift.pk, notified_at__isnull=True).update(notified_at=now):
                continue  # another run got there first
            start = timezone.localtime(shift.starts_at)
            notify([cast(User, shift.user)], key=NOTICE_KEY, url=url, at=now, params={
                "unit": shift.unit.name, "role": str(DutyRole(shift.role).label), "start": f"{start:%m-%d %H:%M}"})
        sent += 1
    return sent


def people_of(units: Iterable[Unit]) -> dict[int, list[User]]:
    """{unit id: its members in a business role} — the accounts a roster row may be linked to."""
    return members_by_unit(units)


def register() -> None:
    """The notice before a shift (`duty_notices`) and the setting of when 未到岗 is flagged (CommandConfig.ready)."""
    from django.utils.translation import gettext_lazy as _

    from tongxin.core import notify, system_settings

    notify.register("command.duty.check_in_due", label=_("到岗签到"),
                    title=_("%(unit)s：您的%(role)s班次 %(start)s 开始，请到岗签到"),
                    body=_("应急响应期间请按时到岗，到岗后在“我的值班”页点击“签到”。"))
    system_settings.register(
        "command.duty_missed_minutes", kind="int", default=30, minimum=5, maximum=720,
        label=_("未到岗提示时间（分钟）"),
        help=_("应急响应期间，班次开始超过此时间仍未签到的，在上级的值班表上标为“未到岗”"))
