"""What the command tests share, built through the same services users act through (Zulip's habit):
the story's clock (`at`), the department's leader, an issued directive, a response in force, a
roster's shifts, an evidence photo, and the extra personas some tests need.

Defaults follow the story: 2021-07-26 (`DAY`), the province issuing and declaring; pass `now=` or
explicit times for anything else."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from PIL import Image

from tests.world import person
from tongxin.command.models import Delivery, Directive, DutyRole, DutyShift, Response
from tongxin.command.services import directives, meetings, receiving, responses
from tongxin.command.services.duty import RosterRow, set_roster, week_of
from tongxin.core.uploads import store_attachment
from tongxin.regions.models import Region
from tongxin.units import scope
from tongxin.units.models import Membership, Role
from tongxin.units.services import grant_role

CST = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2021, 7, 26)  # the story's first day
MEETING_AT = dt.datetime(2021, 7, 26, 9, 0, tzinfo=CST)  # 南县's 调度会
TARGET = dt.date(2021, 7, 30)  # its action items' target date
MONDAY = dt.date(2021, 8, 2)  # the story's week 2021-08-02 … 08-08 starts on a Monday
TITLE = "关于开展拉网式隐患大排查行动的紧急通知"


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    """A Beijing-time moment (the clock users read)."""
    return dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=CST)


def soon(hours: int = 24) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=hours)


def member(username, unit, role, full_name=""):
    """A new account holding `role` at `unit`."""
    return person(username, unit, role, full_name)


def leader(world):
    """hunan holds a LEADER role at the province as well (the department's 签发人, and the browser
    story's issuer and approver)."""
    grant_role(None, world.hunan, world.province, Role.LEADER)
    scope.forget(world.hunan)
    return world.hunan


def officer_of(world, bureau):
    """The story's officer of `bureau` (the person who drafts and declares in its name)."""
    officers = {world.province.pk: world.hunan, world.nanxian_bureau.pk: world.nanxian,
                world.cili_bureau.pk: world.cili}
    return officers[bureau.pk]


def draft(world, actor=None, *, issuer=None, region="430000", **extra):
    """A draft of `issuer` (the province) for `region`, written by `actor` (its officer)."""
    issuer = issuer or world.province
    values = {"title": TITLE, "body": "各市州民政局：……", "sign_deadline": soon(), "urgency": "extra",
              "doc_number": "湘民发〔2021〕12号"}
    values.update(extra)
    return directives.create_draft(actor or officer_of(world, issuer), issuer=issuer,
                                   region=Region.objects.get(code=region), **values)


def issue(world, *, issuer=None, region=None, title=TITLE, target_kinds=(), target_levels=(),
          feedback_required=None, feedback_deadline=None, sign_deadline=None, now=None, drafter=None,
          approver=None, units=None, **extra) -> Directive:
    """A directive of `issuer` (the province) to `region` (the issuer's own), drafted by its officer,
    submitted, and approved (签发, which issues it) by `approver` (the province's leader) at `now`
    (default: the real now). Sign-off is due 4 hours after `now` unless given; feedback is asked for
    when `feedback_required` or a `feedback_deadline` is given (default deadline: 3 days on).

    `units` keeps only those units' deliveries: the services deliver to every unit of the region
    and both 南县 homes share 430921, so no user action sends a directive to one home alone; the
    other deliveries are deleted right after issuing (a direct write, for that reason only)."""
    issuer = issuer or world.province
    now = now or timezone.now()
    if feedback_required is None:
        feedback_required = feedback_deadline is not None
    if feedback_required and feedback_deadline is None:
        feedback_deadline = now + dt.timedelta(days=3)
    drafter = drafter or officer_of(world, issuer)
    d = draft(world, drafter, issuer=issuer, region=region or issuer.region_id, title=title,
              sign_deadline=sign_deadline or now + dt.timedelta(hours=4), target_kinds=list(target_kinds),
              target_levels=list(target_levels), feedback_required=feedback_required,
              feedback_deadline=feedback_deadline, now=now,
              **{"body": "各市州民政局：立即开展拉网式隐患大排查。", **extra})
    directives.submit(drafter, d, now=now)
    d = directives.approve(approver or leader(world), d, now=now)
    if units is not None:
        d.deliveries.exclude(unit__in=units).delete()
    return d


def delivery(directive: Directive, unit) -> Delivery:
    return Delivery.objects.select_related("unit__region", "directive").get(directive=directive, unit=unit)


def respond(world, *, region: str = "430000", start: dt.datetime | None = None, end: dt.datetime | None = None,
            level: int = 2, kind: str = "epidemic", bureau=None) -> Response:
    """A response (level II, epidemic) over `region` declared by `bureau` (the province) through its
    officer, in force from `start` (2021-07-26 00:00) until `end` (open)."""
    bureau = bureau or world.province
    return responses.declare(officer_of(world, bureau), bureau=bureau, region=Region.objects.get(code=region),
                             kind=kind, level=level, starts_at=start or at(DAY, 0), ends_at=end)


def shift(day: dt.date = MONDAY, *, role: str = "staff", name: str = "李敏", phone: str = "13807371234",
          start: tuple[int, int] = (8, 0), end: tuple[int, int] = (18, 0), user=None, label: str = "") -> RosterRow:
    """One roster row as entered (local times; an end not after the start is the next day)."""
    return RosterRow(day=day, role=role, name=name, phone=phone, start=dt.time(*start), end=dt.time(*end),
                     shift=label, user=user)


def around_now(*, before: dt.timedelta, after: dt.timedelta, now: dt.datetime | None = None, **kwargs) -> RosterRow:
    """A shift that started `before` now and ends `after` it (Beijing time; it may pass midnight)."""
    now = timezone.localtime(now or timezone.now()).replace(second=0, microsecond=0)
    start, end = now - before, now + after
    return shift(start.date(), start=(start.hour, start.minute), end=(end.hour, end.minute), **kwargs)


def set_today(unit, rows, actor=None):
    """Set `rows` (all of one week) for `unit` through the service."""
    return set_roster(actor, unit=unit, week_start=week_of(rows[0].day)[0], rows=rows)


def on_duty(world, unit, user, *, start: dt.datetime | None = None, hours: int = 12, role: str = DutyRole.STAFF,
            label: str = "白班") -> DutyShift:
    """`user` is on `unit`'s roster from `start` (2021-07-26 08:00) for `hours`, added to the week's
    other shifts through the roster service (as the province's officer).

    The roster service takes only the unit's own accounts; the receiving tests put an officer of
    another unit on a home's roster (a duty officer of the day who is a member elsewhere), which no
    user action makes, so for a `user` who is not a member of `unit` the row is written directly."""
    start = timezone.localtime(start or at(DAY, 8))
    end = start + dt.timedelta(hours=hours)
    if not Membership.objects.filter(unit=unit, user=user).exists():
        return DutyShift.objects.create(unit=unit, day=start.date(), role=role, user=user, name=str(user),
                                        phone="13807371234", shift=label, starts_at=start, ends_at=end,
                                        created_by=world.hunan)
    week = week_of(start.date())
    kept = [RosterRow(day=s.day, role=s.role, name=s.name, phone=s.phone, start=timezone.localtime(s.starts_at).time(),
                      end=timezone.localtime(s.ends_at).time(), shift=s.shift, user=s.user)
            for s in DutyShift.objects.filter(unit=unit, day__gte=week[0], day__lt=week[1]).select_related("user")]
    row = RosterRow(day=start.date(), role=role, name=user.get_full_name() or user.get_username(),
                    phone=f"138{user.pk:08d}", start=start.time(), end=end.time(), shift=label, user=user)
    set_roster(world.hunan, unit=unit, week_start=week[0], rows=[*kept, row])
    return DutyShift.objects.get(unit=unit, user=user, starts_at=start)


def photo(user, unit, name: str = "p.jpg"):
    """An evidence photo uploaded by `user` for `unit` (a stored attachment)."""
    return store_attachment(upload(name), uploaded_by=user, unit_id=unit.pk)


def upload(name: str = "evidence.jpg") -> SimpleUploadedFile:
    """A small JPEG as a browser sends it."""
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 120, 0)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def sign(delivery, user, when):
    """`user` signs for `delivery` at `when` through the receiving service."""
    return receiving.sign(user, delivery, now=when)[0]


def nanxian_meeting(world, **kwargs):
    """南县民政局's 调度会 summoning its two homes."""
    return meetings.create_meeting(world.nanxian, convener=world.nanxian_bureau, title="南县疫情防控调度会",
                                   starts_at=MEETING_AT, units=[world.nanxian_home, world.nanxian_home_2], **kwargs)


def second_officer(world):
    """Another officer of 南县民政局: the convener's own, who did not report the completion."""
    return person("nanxian-2", world.nanxian_bureau, Role.OFFICER, "南县民政局二")


def zhangjiajie_officer(world):
    return person("zhangjiajie", world.zhangjiajie, Role.OFFICER, "张家界市民政局")


def cili_home_staff(world):
    return person("cili-home-01", world.cili_home, Role.REPORTER, "零阳镇敬老院")


@pytest.fixture(autouse=True)
def chinese():
    """The services speak the active language; another module's English page may have left it on.
    Automatic in each module that imports it."""
    with translation.override("zh-hans"):
        yield
