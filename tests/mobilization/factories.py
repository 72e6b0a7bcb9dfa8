"""Rows of mobilization for tests, written straight to the models.

Only for building what a test of ANOTHER part stands on (a check-in test needs an assignment); each
part's own tests build their data through that part's services. Times are Beijing time."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from tongxin.mobilization.models import (
    Assignment,
    AssignmentStatus,
    Attendance,
    Method,
    Person,
    PersonKind,
    Post,
    PostKind,
    Shift,
)

BEIJING = ZoneInfo("Asia/Shanghai")
_mobiles = iter(range(13800000000, 13900000000, 7))


def at(day: dt.date | str, hh: int = 8, mm: int = 0) -> dt.datetime:
    """An aware datetime at Beijing time hh:mm on `day`."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=BEIJING)


def person(unit, name: str = "张志愿", *, kind: str = PersonKind.VOLUNTEER, id_number: str = "",
           birth_date: dt.date | None = dt.date(1990, 1, 1), skills=(), insured_until: dt.date | None = None,
           **kw) -> Person:
    return Person.objects.create(
        unit=unit, region_code=unit.region_id, kind=kind, name=name, mobile=kw.pop("mobile", str(next(_mobiles))),
        id_number=id_number, birth_date=birth_date, skills=list(skills),
        insurance_policy="PICC-2021-0001" if insured_until else "",
        insurance_from=dt.date(2021, 1, 1) if insured_until else None, insurance_until=insured_until,
        checkin_key=secrets.token_urlsafe(32), **kw)


def post(unit, name: str = "零阳镇高速路口卡点", *, risky: bool = False, skills=(), region=None) -> Post:
    return Post.objects.create(unit=unit, name=name, kind=PostKind.CHECKPOINT, place="慈利县零阳镇高速出口",
                               region_id=region or unit.region_id, risky=risky, required_skills=list(skills),
                               code_secret=secrets.token_urlsafe(32))


def shift(post: Post, day: dt.date | str = "2021-07-30", start: int = 8, hours: int = 4, needed: int = 2) -> Shift:
    starts = at(day, start)
    return Shift.objects.create(post=post, day=timezone.localtime(starts).date(), starts_at=starts,
                                ends_at=starts + dt.timedelta(hours=hours), needed=needed)


def assignment(shift: Shift, person: Person) -> Assignment:
    return Assignment.objects.create(shift=shift, person=person, status=AssignmentStatus.ACTIVE,
                                     starts_at=shift.starts_at, ends_at=shift.ends_at, assigned_at=shift.starts_at)


def attendance(assignment: Assignment, *, late_min: int = 0, hours: str | None = None) -> Attendance:
    checked_in = assignment.starts_at + dt.timedelta(minutes=late_min)
    out = assignment.ends_at if hours is not None else None
    return Attendance.objects.create(assignment=assignment, checked_in_at=checked_in, check_in_method=Method.CODE,
                                     checked_out_at=out, check_out_method=Method.CODE if out else "",
                                     hours=Decimal(hours) if hours is not None else None)
