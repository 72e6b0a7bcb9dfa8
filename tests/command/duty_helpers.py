"""What the duty tests share: a week of the story, a response in force, a roster row."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tongxin.command.models import Response
from tongxin.command.services.duty import RosterRow

MONDAY = dt.date(2021, 8, 2)  # the story's week 2021-08-02 … 08-08 starts on a Monday


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    """A Beijing wall-clock time."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hh, mm)))


def respond(world, *, region: str = "430000", start: dt.datetime | None = None, end: dt.datetime | None = None):
    """A level II epidemic response over `region` (the province by default), in force from `start`."""
    return Response.objects.create(kind="epidemic", level=2, region_id=region, declared_by=world.province,
                                   starts_at=start or at(dt.date(2021, 7, 26), 8), ends_at=end,
                                   created_by=world.hunan)


def shift(day: dt.date = MONDAY, *, role: str = "staff", name: str = "李敏", phone: str = "13807371234",
          start: tuple[int, int] = (8, 0), end: tuple[int, int] = (18, 0), user=None, label: str = "") -> RosterRow:
    return RosterRow(day=day, role=role, name=name, phone=phone, start=dt.time(*start), end=dt.time(*end),
                     shift=label, user=user)


def around_now(*, before: dt.timedelta, after: dt.timedelta, now: dt.datetime | None = None, **kwargs) -> RosterRow:
    """A shift that started `before` now and ends `after` it (Beijing time; it may pass midnight)."""
    now = timezone.localtime(now or timezone.now()).replace(second=0, microsecond=0)
    start, end = now - before, now + after
    return shift(start.date(), start=(start.hour, start.minute), end=(end.hour, end.minute), **kwargs)


def set_today(unit, rows, actor=None):
    """Set `rows` (all of one week) for `unit` through the service."""
    from tongxin.command.services.duty import set_roster, week_of

    return set_roster(actor, unit=unit, week_start=week_of(rows[0].day)[0], rows=rows)
