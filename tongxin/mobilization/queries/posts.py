"""Mobilization: the reads of the posts part — posts a user sees, a post's shifts by day with how
full they are, and who can be put on a shift (and, for those who cannot, why).

`refusals(shift, person)` is the one place the assignment gates live (services.posts.assign calls
it under the person's row lock; the assign form calls `candidates` to show them before anyone
clicks): a person of another unit or no longer on the roll, a cancelled, ended or full shift, the
same person twice on the shift, a double booking (any active assignment of the person overlapping
the shift in time), and at a post that asks for them, the required skills, and — at a risky post —
accident insurance valid on the shift's day and an age of 18 or more on that day (an unknown age,
no birth date, counts as a minor: 志愿服务条例 Art. 15 and 17).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core.types import Actor
from tongxin.mobilization.models import Assignment, AssignmentStatus, Person, Post, Shift, Skill
from tongxin.mobilization.queries.people import age_on, insured_on
from tongxin.units import scope
from tongxin.units.models import Unit

ADULT_AGE = 18


def posts_of(user: Actor, mode: str = scope.READ) -> QuerySet[Post]:
    """The posts `user` reaches (in `mode`), with their unit and region."""
    return Post.objects.restrict(user, mode).select_related("unit", "region", "leader")


def own_units(user: Actor) -> list[Unit]:
    """The units a user may run posts for without naming one: the active units they are a member of
    and file for (a social organisation's staff: their organisation; an officer: their bureau)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    s = scope.scope_of(user)
    user_pk: int = cast(int, user.pk)
    units = Unit.objects.filter(memberships__user_id=user_pk, is_active=True).distinct().order_by("name")
    return [u for u in units if s.covers(u, mode=scope.FILE)]


def shifts_of(post: Post, *, since: dt.date | None = None, until: dt.date | None = None) -> QuerySet[Shift]:
    """The post's shifts (from `since` to `until`, local days, both included), each with `filled`
    (its active assignments)."""
    qs = post.shifts.all()
    if since is not None:
        qs = qs.filter(day__gte=since)
    if until is not None:
        qs = qs.filter(day__lte=until)
    return (qs.annotate(filled=Count("assignments", filter=Q(assignments__status=AssignmentStatus.ACTIVE)))
            .order_by("starts_at", "id"))


def week_of(post: Post, monday: dt.date) -> list[tuple[dt.date, list[Shift]]]:
    """The seven days from `monday` with the post's shifts on each (filled/needed annotated)."""
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    by_day: dict[dt.date, list[Shift]] = defaultdict(list)
    for s in shifts_of(post, since=days[0], until=days[-1]):
        by_day[s.day].append(s)
    return [(d, by_day.get(d, [])) for d in days]


def active_of(shift: Shift) -> QuerySet[Assignment]:
    return shift.assignments.filter(status=AssignmentStatus.ACTIVE).select_related("person")


def time_words(starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    """'2021-07-30 08:00–12:00' in local time (the end with its date when it is another day)."""
    s, e = timezone.localtime(starts_at), timezone.localtime(ends_at)
    end = f"{e:%H:%M}" if e.date() == s.date() else f"{e:%Y-%m-%d %H:%M}"
    return f"{s:%Y-%m-%d %H:%M}–{end}"


def skill_words(values: Iterable[str]) -> str:
    labels = dict(Skill.choices)
    return "、".join(str(labels.get(v, v)) for v in values)


def overlapping(person_ids: Iterable[int], starts_at: dt.datetime, ends_at: dt.datetime, *,
                ignore: int | None = None) -> dict[int, list[Assignment]]:
    """Active assignments of these people overlapping [starts_at, ends_at), by person id."""
    qs = (Assignment.objects.filter(person_id__in=list(person_ids), status=AssignmentStatus.ACTIVE,
                                    starts_at__lt=ends_at, ends_at__gt=starts_at)
          .select_related("shift__post"))
    if ignore is not None:
        qs = qs.exclude(pk=ignore)
    found: dict[int, list[Assignment]] = defaultdict(list)
    for a in qs:
        found[a.person_id].append(a)
    return found


@dataclass
class ShiftState:
    """What the gates read of a shift besides the person: its post and who is on it now."""

    shift: Shift
    post: Post
    on_shift: set[int] = field(default_factory=set)  # person ids with an active assignment

    @classmethod
    def of(cls, shift: Shift, *, ignore: int | None = None) -> ShiftState:
        qs = shift.assignments.filter(status=AssignmentStatus.ACTIVE)
        if ignore is not None:
            qs = qs.exclude(pk=ignore)
        return cls(shift, shift.post, set(qs.values_list("person_id", flat=True)))


def shift_refusals(state: ShiftState, *, at: dt.datetime, adding: int = 1) -> list[str]:
    """Why nobody can be added to the shift now (cancelled, over, full)."""
    shift = state.shift
    if shift.is_cancelled:
        return [_("该班次已取消")]
    if shift.ends_at <= at:
        return [_("该班次已结束（%(time)s）") % {"time": time_words(shift.starts_at, shift.ends_at)}]
    if len(state.on_shift) + adding > shift.needed:
        return [_("该班次已满（需要 %(n)s 人）") % {"n": shift.needed}]
    return []


def person_refusals(state: ShiftState, person: Person, busy: list[Assignment]) -> list[str]:
    """Why `person` cannot be on the shift (empty: they can), each naming the person."""
    shift, post = state.shift, state.post
    who = {"name": person.name}
    if person.merged_into_id is not None:
        return [_("%(name)s 是已合并的现场登记记录，请安排合并后的人员") % who]
    if not person.is_active or person.unit_id != post.unit_id:
        return [_("%(name)s 不是%(unit)s的在册人员") % {**who, "unit": post.unit.name}]
    if person.pk in state.on_shift:
        return [_("%(name)s 已在该班次") % who]
    found: list[str] = []
    for other in busy:
        found.append(_("%(name)s 已安排在 %(post)s（%(time)s），与该班次时间重叠") % {
            **who, "post": other.shift.post.name, "time": time_words(other.starts_at, other.ends_at)})
    missing = [s for s in post.required_skills if s not in (person.skills or [])]
    if missing:
        found.append(_("%(name)s 缺少该岗位所需的技能：%(skills)s") % {**who, "skills": skill_words(missing)})
    if post.risky:
        if not insured_on(person, shift.day):
            found.append(_("%(name)s 没有在 %(day)s 有效的意外伤害保险，不能安排到有人身风险的岗位")
                         % {**who, "day": shift.day.isoformat()})
        age = age_on(person, shift.day)
        if age is None:
            found.append(_("%(name)s 没有出生日期（年龄不明），不能安排到有人身风险的岗位") % who)
        elif age < ADULT_AGE:
            found.append(_("%(name)s 未满 18 周岁，不能安排到有人身风险的岗位") % who)
    return found


def refusals(shift: Shift, person: Person, *, at: dt.datetime | None = None,
             ignore: Assignment | None = None) -> list[str]:
    """Every reason `person` cannot be put on `shift` at `at`; `ignore` is an assignment left out of
    the count and the overlap check (the one a move replaces)."""
    at = at or timezone.now()
    ignore_pk = ignore.pk if ignore is not None else None
    state = ShiftState.of(shift, ignore=ignore_pk)
    found = shift_refusals(state, at=at)
    busy = overlapping([person.pk], shift.starts_at, shift.ends_at, ignore=ignore_pk).get(person.pk, [])
    return found + person_refusals(state, person, busy)


@dataclass(frozen=True)
class Candidate:
    person: Person
    reasons: list[str]

    @property
    def eligible(self) -> bool:
        return not self.reasons


def candidates(shift: Shift, *, at: dt.datetime | None = None) -> tuple[list[str], list[Candidate]]:
    """The shift's own refusals (cancelled, over, full) and every person of the post's unit on the
    roll who is not on the shift yet, eligible first, each with the reasons they cannot be put on it."""
    at = at or timezone.now()
    state = ShiftState.of(shift)
    people = list(Person.objects.filter(unit_id=state.post.unit_id, is_active=True, merged_into__isnull=True)
                  .exclude(pk__in=state.on_shift).order_by("kind", "name", "pk"))
    busy = overlapping([p.pk for p in people], shift.starts_at, shift.ends_at)
    found = [Candidate(p, person_refusals(state, p, busy.get(p.pk, []))) for p in people]
    found.sort(key=lambda c: not c.eligible)
    return shift_refusals(state, at=at), found
