"""Every write of the posts part: posts, shifts, assigning people to shifts (with the gates of
queries.posts.refusals), cancelling and moving assignments, filling a shift with a walk-up person,
and the person's notices (assigned, moved, cancelled, and a reminder before the shift).

Who may: the post's unit's own staff and the officers of the bureaus above it (FILE scope of the
post's unit). Each write is atomic and audited, and refreshes the roll-up of (post.unit, shift.day).

`assign` locks the person's row (select_for_update) before it reads the person's other assignments,
and the shift's row before it counts who is on it, so two assigns at once can neither double-book
a person nor over-fill a shift. A move re-checks every gate with the assignment it replaces left
out, and ends that one (MOVED, `moved_to` the new one) in the same transaction.

Notices go to the person's mobile (core.notify.notify_contacts, contact key
"mobilization.person:<pk>") with the person's own link, TONGXIN_PUBLIC_URL/mobilization/me/<checkin_key>/.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.accounts.actors import user_of
from tongxin.core import audit, notify
from tongxin.core.types import Actor
from tongxin.mobilization import links
from tongxin.mobilization.models import (
    Assignment,
    AssignmentStatus,
    Person,
    Post,
    PostKind,
    ServiceRecord,
    Shift,
    Skill,
)
from tongxin.mobilization.models.people import TEXT_MAX
from tongxin.mobilization.queries import posts as queries
from tongxin.mobilization.queries.people import contact_key
from tongxin.mobilization.services import people, rollup
from tongxin.regions.models import Region
from tongxin.units import scope
from tongxin.units.models import Unit

MAX_POST_NAME = 100
MAX_SHIFT = dt.timedelta(hours=24)
MAX_NEEDED = 500
REMIND_AHEAD = dt.timedelta(hours=2)  # the reminder goes out up to this long before a shift starts

ASSIGNED, MOVED, CANCELLED, REMINDER = (
    "mobilization.assigned", "mobilization.moved", "mobilization.cancelled", "mobilization.reminder")
REFUSAL = gettext_lazy("您的角色不能安排该单位的岗位和班次")


def register_messages() -> None:
    """The notices a person gets (apps.py calls this)."""
    notify.register(ASSIGNED, label=gettext_lazy("排班通知"),
                    title=gettext_lazy("排班通知：%(post)s %(time)s"),
                    body=gettext_lazy("%(name)s，您已被安排到 %(post)s（%(place)s），时间 %(time)s。"
                                      "查看和签到：%(url)s"))
    notify.register(MOVED, label=gettext_lazy("调岗通知"),
                    title=gettext_lazy("调岗通知：%(post)s %(time)s"),
                    body=gettext_lazy("%(name)s，您在 %(old_post)s（%(old_time)s）的排班已调至 %(post)s"
                                      "（%(place)s），时间 %(time)s。原因：%(reason)s。查看和签到：%(url)s"))
    notify.register(CANCELLED, label=gettext_lazy("取消排班通知"),
                    title=gettext_lazy("排班取消：%(post)s %(time)s"),
                    body=gettext_lazy("%(name)s，您在 %(post)s（%(place)s）%(time)s 的排班已取消。"
                                      "原因：%(reason)s。查看：%(url)s"))
    notify.register(REMINDER, label=gettext_lazy("班前提醒"),
                    title=gettext_lazy("班前提醒：%(post)s %(time)s"),
                    body=gettext_lazy("%(name)s，请按时到 %(post)s（%(place)s）上岗，时间 %(time)s。"
                                      "到岗后用岗位签到码签到：%(url)s"))


# --- helpers ---------------------------------------------------------------------------------------

def _fail(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _require(actor: Actor, unit: Unit) -> None:
    scope.require(actor, unit, scope.FILE, str(REFUSAL))


def me_url(person: Person) -> str:
    """The person's own page (the check-in part serves it as mobilization:me), absolute: an SMS has
    no host to resolve a bare path against (settings.TONGXIN_PUBLIC_URL, links.public_url)."""
    return links.me_url(person)


def _notify(key: str, assignment: Assignment, *, at: dt.datetime | None = None, **extra: Any) -> None:
    person, shift = assignment.person, assignment.shift
    url = me_url(person)
    params = {"name": person.name, "post": shift.post.name, "place": shift.post.place,
              "time": queries.time_words(shift.starts_at, shift.ends_at), "url": url, **extra}
    notify.notify_contacts([(contact_key(person), person.mobile)], key=key, params=params,
                           url=url, at=at)


def _text(errors: dict[str, list[str]], field: str, value: Any, limit: int, *, required: bool = True,
          label: str = "") -> str:
    text = str(value or "").strip()
    if required and not text:
        errors.setdefault(field, []).append(_("请填写%(label)s") % {"label": label})
    elif len(text) > limit:
        errors.setdefault(field, []).append(_("%(label)s不能超过 %(n)s 个字") % {"label": label, "n": limit})
    return text


def _skills(errors: dict[str, list[str]], values: Iterable[str]) -> list[str]:
    if isinstance(values, str):
        values = [values]
    found = []
    for v in values or ():
        if v not in Skill.values:
            errors.setdefault("required_skills", []).append(_("没有这种技能：%(v)s") % {"v": str(v)[:30]})
        elif v not in found:
            found.append(v)
    return found


def _post_values(unit: Unit, values: dict[str, Any], *, post: Post | None = None) -> dict[str, Any]:
    """The post's fields checked (all errors at once, field by field)."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    if "name" in values:
        clean["name"] = _text(errors, "name", values["name"], MAX_POST_NAME, label=_("岗位名称"))
        clash = Post.objects.filter(unit=unit, name=clean["name"])
        if post is not None:
            clash = clash.exclude(pk=post.pk)
        if clean["name"] and clash.exists():
            errors.setdefault("name", []).append(_("本单位已有同名岗位：%(name)s") % {"name": clean["name"]})
    if "kind" in values:
        clean["kind"] = values["kind"]
        if values["kind"] not in PostKind.values:
            errors.setdefault("kind", []).append(_("请选择岗位类型"))
    if "place" in values:
        clean["place"] = _text(errors, "place", values["place"], TEXT_MAX, label=_("地点"))
    if "region_id" in values:
        code = str(values["region_id"] or "").strip()
        region = Region.objects.filter(code=code).first() if code.isdigit() else None
        if region is None:
            errors.setdefault("region", []).append(_("没有这个区划代码：%(code)s") % {"code": code[:12]})
        else:
            clean["region_id"] = region.code
    if "risky" in values:
        clean["risky"] = bool(values["risky"])
    if "required_skills" in values:
        clean["required_skills"] = _skills(errors, values["required_skills"])
    if "leader" in values:
        leader = values["leader"]
        if leader is not None and (leader.unit_id != unit.pk or not leader.is_active or leader.merged_into_id):
            errors.setdefault("leader", []).append(_("岗位负责人应是本单位的在册人员"))
        clean["leader"] = leader
    if "notes" in values:
        clean["notes"] = _text(errors, "notes", values["notes"], TEXT_MAX, required=False, label=_("说明"))
    if "is_active" in values:
        clean["is_active"] = bool(values["is_active"])
    if errors:
        raise ValidationError(errors)
    return clean


# --- posts and shifts ------------------------------------------------------------------------------

@transaction.atomic
def create_post(actor: Actor, unit: Unit, *, name: str, kind: str, place: str, region_id: str, risky: bool = False,
                required_skills: Iterable[str] = (), leader: Person | None = None, notes: str = "") -> Post:
    _require(actor, unit)
    clean = _post_values(unit, {"name": name, "kind": kind, "place": place, "region_id": region_id,
                                "risky": risky, "required_skills": required_skills, "leader": leader,
                                "notes": notes})
    post = Post.objects.create(unit=unit, code_secret=secrets.token_urlsafe(32),
                               created_by=user_of(actor), **clean)
    audit.record_change(actor, post, None, unit=unit)
    return post


POST_FIELDS = ("name", "kind", "place", "region_id", "risky", "required_skills", "leader", "notes", "is_active")


@transaction.atomic
def update_post(actor: Actor, post: Post, **fields: Any) -> Post:
    """Change the post's fields (any of POST_FIELDS); the shifts' roll-up follows a new region."""
    unknown = set(fields) - set(POST_FIELDS)
    if unknown:
        raise ValueError(f"not a post field: {sorted(unknown)}")
    post = Post.objects.select_for_update().select_related("unit").get(pk=post.pk)
    _require(actor, post.unit)
    clean = _post_values(post.unit, fields, post=post)
    before = audit.snapshot(post)
    for k, v in clean.items():
        setattr(post, k, v)
    post.save()
    audit.record_change(actor, post, before, unit=post.unit)
    if "region_id" in clean or "is_active" in clean:  # the days of its shifts, and of corrected records
        days = set(post.shifts.values_list("day", flat=True))
        days |= set(ServiceRecord.objects.filter(attendance__assignment__shift__post=post)
                    .values_list("day", flat=True).order_by())
        rollup.refresh_many((post.unit_id, day) for day in days)
    return post


@transaction.atomic
def add_shift(actor: Actor, post: Post, *, starts_at: dt.datetime, ends_at: dt.datetime, needed: int,
              notes: str = "") -> Shift:
    _require(actor, post.unit)
    errors: dict[str, list[str]] = {}
    if not isinstance(starts_at, dt.datetime) or timezone.is_naive(starts_at):
        errors["starts_at"] = [_("请填写开始时间")]
    if not isinstance(ends_at, dt.datetime) or timezone.is_naive(ends_at):
        errors["ends_at"] = [_("请填写结束时间")]
    elif not errors and ends_at <= starts_at:
        errors["ends_at"] = [_("结束时间应晚于开始时间")]
    elif not errors and ends_at - starts_at > MAX_SHIFT:
        errors["ends_at"] = [_("一个班次不能超过 24 小时")]
    if isinstance(needed, bool) or not isinstance(needed, int) or needed < 1:
        errors["needed"] = [_("需要人数至少为 1")]
    elif needed > MAX_NEEDED:
        errors["needed"] = [_("需要人数不能超过 %(n)s") % {"n": MAX_NEEDED}]
    notes = _text(errors, "notes", notes, TEXT_MAX, required=False, label=_("说明"))
    if not post.is_active:
        errors.setdefault("post", []).append(_("该岗位已停用"))
    if errors:
        raise ValidationError(errors)
    shift = Shift.objects.create(post=post, day=timezone.localtime(starts_at).date(), starts_at=starts_at,
                                 ends_at=ends_at, needed=needed, notes=notes, created_by=user_of(actor))
    audit.record_change(actor, shift, None, unit=post.unit)
    rollup.refresh(post.unit_id, shift.day)
    return shift


@transaction.atomic
def cancel_shift(actor: Actor, shift: Shift, *, reason: str, at: dt.datetime | None = None) -> Shift:
    """Cancel the shift and every active assignment on it (each person is told, with the reason).
    Refused once anyone on it has checked in (as `cancel` is): their attendance must stay counted."""
    at = at or timezone.now()
    shift = Shift.objects.select_for_update().select_related("post__unit").get(pk=shift.pk)
    _require(actor, shift.post.unit)
    errors: dict[str, list[str]] = {}
    reason = _text(errors, "reason", reason, TEXT_MAX, label=_("取消原因"))
    if errors:
        raise ValidationError(errors)
    if shift.is_cancelled:
        raise _fail("shift", _("该班次已取消"))
    active = list(queries.active_of(shift).select_related("shift__post", "person").order_by("pk"))
    checked_in = [a.person.name for a in active if hasattr(a, "attendance")]
    if checked_in:
        raise _fail("shift", _("%(names)s 已到岗签到，不能取消该班次") % {"names": "、".join(checked_in)})
    for a in active:
        _end(actor, a, AssignmentStatus.CANCELLED, reason=reason, at=at)
        _notify(CANCELLED, a, at=at, reason=reason)
    before = audit.snapshot(shift)
    shift.is_cancelled = True
    shift.save(update_fields=["is_cancelled"])
    audit.record_change(actor, shift, before, unit=shift.post.unit)
    rollup.refresh(shift.post.unit_id, shift.day)
    return shift


# --- assignments -----------------------------------------------------------------------------------

def _locked(shift: Shift, person: Person) -> tuple[Shift, Person]:
    """The person's row, then the shift's, locked for the rest of the transaction."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    shift = Shift.objects.select_for_update().select_related("post__unit").get(pk=shift.pk)
    return shift, person


def _check(shift: Shift, person: Person, at: dt.datetime, ignore: Assignment | None = None) -> None:
    found = queries.refusals(shift, person, at=at, ignore=ignore)
    if found:
        raise ValidationError({"person": found})


def _create(actor: Actor, shift: Shift, person: Person, at: dt.datetime) -> Assignment:
    a = Assignment.objects.create(shift=shift, person=person, status=AssignmentStatus.ACTIVE,
                                  starts_at=shift.starts_at, ends_at=shift.ends_at, assigned_by=user_of(actor),
                                  assigned_at=at)
    audit.record_change(actor, a, None, unit=shift.post.unit)
    return a


def _end(actor: Actor, a: Assignment, status: str, *, reason: str, at: dt.datetime,
         moved_to: Assignment | None = None) -> None:
    before = audit.snapshot(a)
    a.status, a.reason, a.ended_by, a.ended_at, a.moved_to = status, reason, user_of(actor), at, moved_to
    a.save(update_fields=["status", "reason", "ended_by", "ended_at", "moved_to"])
    audit.record_change(actor, a, before, unit=a.shift.post.unit)


@transaction.atomic
def assign(actor: Actor, shift: Shift, person: Person, *, at: dt.datetime | None = None) -> Assignment:
    """Put `person` on `shift`; refused (field "person") for every gate of queries.posts.refusals."""
    at = at or timezone.now()
    shift, person = _locked(shift, person)
    _require(actor, shift.post.unit)
    _check(shift, person, at)
    a = _create(actor, shift, person, at)
    _notify(ASSIGNED, a, at=at)
    rollup.refresh(shift.post.unit_id, shift.day)
    return a


def _active(assignment: Assignment) -> Assignment:
    a = Assignment.objects.select_for_update().select_related("shift__post__unit", "person").get(pk=assignment.pk)
    if a.status != AssignmentStatus.ACTIVE:
        raise _fail("assignment", _("该排班已%(status)s，不能再改") % {"status": a.get_status_display()})
    return a


def _reason(reason: str) -> str:
    errors: dict[str, list[str]] = {}
    reason = _text(errors, "reason", reason, TEXT_MAX, label=_("原因"))
    if errors:
        raise ValidationError(errors)
    return reason


@transaction.atomic
def cancel(actor: Actor, assignment: Assignment, *, reason: str, at: dt.datetime | None = None) -> Assignment:
    """Take the person off the shift (a reason is required); the person is told."""
    at = at or timezone.now()
    Person.objects.select_for_update().filter(pk=assignment.person_id).first()
    a = _active(assignment)
    _require(actor, a.shift.post.unit)
    reason = _reason(reason)
    if hasattr(a, "attendance"):
        raise _fail("assignment", _("%(name)s 已到岗签到，不能取消该排班") % {"name": a.person.name})
    _end(actor, a, AssignmentStatus.CANCELLED, reason=reason, at=at)
    _notify(CANCELLED, a, at=at, reason=reason)
    rollup.refresh(a.shift.post.unit_id, a.shift.day)
    return a


@transaction.atomic
def move(actor: Actor, assignment: Assignment, shift: Shift, *, reason: str,
         at: dt.datetime | None = None) -> Assignment:
    """Move the person to another shift (of a post of the same unit): a new assignment, every gate
    re-checked with the old one left out; the old one is MOVED and points at the new one."""
    at = at or timezone.now()
    shift, person = _locked(shift, assignment.person)
    old = _active(assignment)
    _require(actor, old.shift.post.unit)
    _require(actor, shift.post.unit)
    reason = _reason(reason)
    if shift.pk == old.shift_id:
        raise _fail("shift", _("请选择另一个班次"))
    if hasattr(old, "attendance"):
        raise _fail("assignment", _("%(name)s 已到岗签到，不能调岗") % {"name": person.name})
    _check(shift, person, at, ignore=old)
    # the old one ends first: the person may not hold two active rows at once, even inside a transaction
    _end(actor, old, AssignmentStatus.MOVED, reason=reason, at=at)
    new = _create(actor, shift, person, at)
    old.moved_to = new
    old.save(update_fields=["moved_to"])
    _notify(MOVED, new, at=at, reason=reason, old_post=old.shift.post.name,
            old_time=queries.time_words(old.starts_at, old.ends_at))
    rollup.refresh_many([(old.shift.post.unit_id, old.shift.day), (shift.post.unit_id, shift.day)])
    return new


@transaction.atomic
def fill_walk_up(actor: Actor, shift: Shift, *, name: str, mobile: str, at: dt.datetime | None = None) -> Assignment:
    """Register a walk-up person (name and mobile) and put them on the shift, every gate applied."""
    shift = Shift.objects.select_related("post__unit").get(pk=shift.pk)
    _require(actor, shift.post.unit)
    person = people.walk_up(actor, shift.post.unit, name=name, mobile=mobile)
    return assign(actor, shift, person, at=at)


def send_reminders(now: dt.datetime | None = None) -> int:
    """One reminder per active assignment whose shift starts within REMIND_AHEAD; each is sent once
    (Assignment.reminded_at). Returns how many went out."""
    now = now or timezone.now()
    due = (Assignment.objects.filter(status=AssignmentStatus.ACTIVE, reminded_at__isnull=True,
                                     shift__is_cancelled=False, starts_at__gt=now, starts_at__lte=now + REMIND_AHEAD)
           .select_related("shift__post", "person").order_by("starts_at", "pk"))
    sent = 0
    for a in due:
        with transaction.atomic():
            if not Assignment.objects.filter(pk=a.pk, reminded_at__isnull=True).update(reminded_at=now):
                continue  # another run took it
            _notify(REMINDER, a, at=now)
            sent += 1
    return sent
