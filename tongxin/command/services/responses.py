"""Every write of responses (应急响应): declare, raise or lower the level, end.

Guarantees:
- each call is one transaction that writes the Response, one ResponseEvent (what, who, which unit
  decided, when) and one audit record together; a refused call saves nothing;
- who may: an officer or leader (`scope.BUREAU_OFFICERS`) of a bureau, for that bureau's region
  subtree only. The declaring bureau declares, raises, lowers and ends its response; a higher
  bureau — one whose region is an ancestor of the response's region — may raise its level (the
  event records the higher bureau as the deciding unit), but lowering and ending stay with the
  declaring bureau;
- bad input is a ValidationError naming the field (a region outside the bureau's subtree, a level
  not Ⅰ–Ⅳ, an end before the start, ending twice, changing an ended response, a response of the same
  kind over the same region already covering that time, text over its limit); a response the actor
  cannot see is a 404 (Http404), one they see but may not change a 403 (PermissionDenied);
- times are stored in UTC; a response is in force from `starts_at` until `ends_at` (see
  `queries.responses.in_force_q`).
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.accounts.models import User
from tongxin.command.models import Level, Response, ResponseEvent, ResponseKind
from tongxin.command.queries.responses import in_force_q
from tongxin.core import audit
from tongxin.core.types import Actor
from tongxin.core.validators import check_length
from tongxin.regions.models import Region
from tongxin.units import scope
from tongxin.units.models import Category, Membership, Unit

MAX_TITLE = 100
MAX_NOTE = 500


def _user(actor: Actor) -> User:
    """The signed-in user acting: a response and its events always name a person."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(_("请先登录"))
    return cast(User, actor)


def officer_bureaus(actor: Actor) -> list[Unit]:
    """The active bureaus where `actor` is an officer or leader, outermost (province) first."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return []
    ids = Membership.objects.filter(user_id=cast(int, actor.pk), role__in=scope.BUREAU_OFFICERS, unit__is_active=True,
                                    unit__category=Category.BUREAU).values("unit_id")
    units = Unit.objects.filter(pk__in=ids).select_related("region")
    return sorted(units, key=lambda u: (u.region.level, u.region_id, u.pk))


def _within(region: Region, bureau: Unit) -> bool:
    return region.code.startswith(bureau.region.prefix)


def _deciding_unit(actor: Actor, response: Response, *, higher_ok: bool) -> Unit:
    """The bureau in whose name `actor` changes `response`: the declaring bureau if the actor is one
    of its officers, else (with `higher_ok`) the nearest bureau above whose officer the actor is.
    404 if the actor cannot see the response; 403 if they see it but may not decide."""
    if not Response.objects.restrict(actor, scope.READ).filter(pk=response.pk).exists():
        raise Http404(_("找不到该记录，或您无权查看"))
    bureaus = officer_bureaus(actor)
    if any(b.pk == response.declared_by_id for b in bureaus):
        return response.declared_by
    if higher_ok:
        above = [b for b in bureaus if b.region_id != response.region_id and _within(response.region, b)]
        if above:
            return above[-1]  # the nearest level above
    raise PermissionDenied(_("只有启动该响应的民政部门的业务人员可以这样做；上级民政部门只能提升其级别")
                           if higher_ok else _("只有启动该响应的民政部门的业务人员可以结束响应"))


def _check_level(level: object) -> int:
    if isinstance(level, bool) or not isinstance(level, int) or level not in Level.values:
        raise ValidationError({"level": [_("响应级别应为Ⅰ级至Ⅳ级之一")]})
    return level


def _check_text(field: str, value: str, limit: int) -> str:
    value = (value or "").strip()
    check_length(field, value, limit)
    return value


# The days a response, a meeting, an action item or a roster may name: far enough for any real one,
# near enough that a week's arithmetic never leaves the calendar. Before 1901 Beijing time is local
# mean time (+08:05:43), which no client reads as a time: a typed year 116 is refused in words, not
# stored and answered unreadable.
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 24)


def check_calendar(field: str, value: dt.date, label: str) -> None:
    """A ValidationError on `field` unless `value` (a date, or a time: Beijing time, a naive value
    being a wall-clock time there) falls on FIRST_DAY … LAST_DAY."""
    if isinstance(value, dt.datetime):
        value = (timezone.localtime(value) if timezone.is_aware(value) else value).date()
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValidationError({field: [_("%(label)s应在 %(a)s 至 %(b)s 之间") % {
            "label": label, "a": FIRST_DAY, "b": LAST_DAY}]})


def _aware(field: str, value: object, label: str) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise ValidationError({field: [_("请填写%(label)s") % {"label": label}]})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)  # a wall-clock time is Beijing time
    check_calendar(field, value, label)
    return value


def is_ended(response: Response, at: dt.datetime | None = None) -> bool:
    """Whether `response` has ended by `at` (default now)."""
    return response.ends_at is not None and response.ends_at <= (at or timezone.now())


@transaction.atomic
def declare(actor: Actor, *, bureau: Unit, region: Region, kind: str, level: int, starts_at: dt.datetime,
            ends_at: dt.datetime | None = None, title: str = "", note: str = "") -> Response:
    """启动: `bureau` declares a response of `kind` at `level` (1 = Ⅰ, the highest … 4 = Ⅳ) for
    `region` (its own region or one below it), in force from `starts_at` (until `ends_at`, if set).

    The actor must be an officer or leader of `bureau`. The declaration is recorded as a DECLARE event
    dated when it was made (its start, when that is already past)."""
    user = _user(actor)
    if not scope.scope_of(actor).covers(bureau, mode=scope.REGISTRY):
        raise Http404(_("找不到该记录，或您无权查看"))
    if bureau.category != Category.BUREAU:
        raise ValidationError({"bureau": [_("只有民政部门可以启动应急响应")]})
    if not any(b.pk == bureau.pk for b in officer_bureaus(actor)):
        raise PermissionDenied(_("只有该民政部门的业务人员或负责人可以以其名义启动应急响应"))
    errors: dict[str, list[str]] = {}
    if not _within(region, bureau):
        errors["region"] = [_("只能为本辖区（%(region)s）及其下级区划启动应急响应") % {"region": bureau.region.name}]
    if kind not in ResponseKind.values:
        errors["kind"] = [_("请选择有效的响应类型")]
    try:
        level = _check_level(level)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        starts_at = _aware("starts_at", starts_at, _("启动时间"))
        if ends_at is not None:
            ends_at = _aware("ends_at", ends_at, _("结束时间"))
            if ends_at <= starts_at:
                errors["ends_at"] = [_("结束时间应晚于启动时间")]
    except ValidationError as exc:
        errors.update(exc.message_dict)
    for field, value, limit in (("title", title, MAX_TITLE), ("note", note, MAX_NOTE)):
        try:
            _check_text(field, value, limit)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    overlapping = Response.objects.filter(region=region, kind=kind).exclude(ends_at__lte=starts_at)
    if ends_at is not None:
        overlapping = overlapping.filter(starts_at__lt=ends_at)
    clash = overlapping.select_related("declared_by").first()
    if clash is not None:
        raise ValidationError({"kind": [_("%(region)s已有同类应急响应（%(name)s，%(unit)s %(since)s 启动），"
                                          "请调整其级别，不要重复启动")
                                        % {"region": region.name, "name": str(clash), "unit": clash.declared_by.name,
                                           "since": timezone.localtime(clash.starts_at).strftime("%Y-%m-%d %H:%M")}]})
    now = timezone.now()
    response = Response.objects.create(kind=kind, level=level, title=title.strip(), region=region, declared_by=bureau,
                                       starts_at=starts_at, ends_at=ends_at, created_by=user)
    ResponseEvent.objects.create(response=response, action=ResponseEvent.Action.DECLARE, level_after=level,
                                 unit=bureau, actor=user, at=min(starts_at, now), note=note.strip())
    audit.record(audit.Action.CREATE, actor=actor, obj=response, unit=bureau, changes=audit.snapshot(response))
    return response


def _last_event_at(response: Response) -> dt.datetime | None:
    return response.events.order_by("-at", "-id").values_list("at", flat=True).first()


def _when(response: Response, at: dt.datetime | None) -> dt.datetime:
    now = timezone.now()
    at = _aware("at", at, _("时间")) if at is not None else now
    if at > now + dt.timedelta(minutes=5):
        raise ValidationError({"at": [_("时间不能晚于现在")]})
    last = _last_event_at(response)
    if last is not None and at < last:
        raise ValidationError({"at": [_("时间不能早于上一次变更（%(at)s）")
                                      % {"at": timezone.localtime(last).strftime("%Y-%m-%d %H:%M")}]})
    return at


@transaction.atomic
def change_level(actor: Actor, response: Response, *, level: int, note: str = "",
                 at: dt.datetime | None = None) -> Response:
    """提升 / 降低: set the level of a response not yet ended, at `at` (default now).

    The declaring bureau raises or lowers it; a bureau above raises it only, and is recorded as the
    unit that decided. The response row is locked, so two changes at once apply one after the other."""
    user = _user(actor)
    response = Response.objects.select_for_update().select_related("region", "declared_by__region").get(
        pk=response.pk)
    level = _check_level(level)
    raising = level < response.level
    unit = _deciding_unit(actor, response, higher_ok=raising)
    note = _check_text("note", note, MAX_NOTE)
    at = _when(response, at)
    if is_ended(response, at):
        raise ValidationError({"level": [_("该应急响应已结束，不能再调整级别")]})
    if level == response.level:
        current = response.get_level_display()
        raise ValidationError({"level": [_("响应级别未变化（现为%(level)s）") % {"level": current}]})
    before = response.level
    response.level = level
    response.save(update_fields=["level"])
    ResponseEvent.objects.create(response=response, action=ResponseEvent.Action.RAISE if raising
                                 else ResponseEvent.Action.LOWER, level_before=before, level_after=level,
                                 unit=unit, actor=user, at=at, note=note)
    audit.record(audit.Action.UPDATE, actor=actor, obj=response, unit=unit,
                 changes={"level": [before, level], "decided_by": unit.name})
    return response


@transaction.atomic
def end(actor: Actor, response: Response, *, at: dt.datetime | None = None, note: str = "") -> Response:
    """结束: the declaring bureau ends its response at `at` (default now); from then it is no longer in
    force, and check-in and read tracking stop under it. Recorded as an END event."""
    user = _user(actor)
    response = Response.objects.select_for_update().select_related("region", "declared_by__region").get(
        pk=response.pk)
    unit = _deciding_unit(actor, response, higher_ok=False)
    note = _check_text("note", note, MAX_NOTE)
    at = _when(response, at)
    if is_ended(response, at):
        raise ValidationError({"ends_at": [_("该应急响应已于 %(at)s 结束") % {
            "at": timezone.localtime(response.ends_at).strftime("%Y-%m-%d %H:%M") if response.ends_at else ""}]})
    if at < response.starts_at:
        start = timezone.localtime(response.starts_at).strftime("%Y-%m-%d %H:%M")
        raise ValidationError({"ends_at": [_("结束时间不能早于启动时间（%(at)s）") % {"at": start}]})
    before = response.ends_at
    response.ends_at = at
    response.save(update_fields=["ends_at"])
    ResponseEvent.objects.create(response=response, action=ResponseEvent.Action.END, level_before=response.level,
                                 unit=unit, actor=user, at=at, note=note)
    audit.record(audit.Action.UPDATE, actor=actor, obj=response, unit=unit,
                 changes={"ends_at": [before.isoformat() if before else None, at.isoformat()]})
    return response


__all__ = ["MAX_NOTE", "MAX_TITLE", "change_level", "declare", "end", "in_force_q", "is_ended", "officer_bureaus"]
