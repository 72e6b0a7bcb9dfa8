"""The story's duty rosters (值班表), built through `command.services.duty`.

- `build()`: the week 2021-08-01 to 08-07 for the bureaus of 张家界市, 株洲市 and 湘潭市 and their
  county bureaus: each day a leader on duty (带班领导, 08:30 to 08:30 the next day) and two staff
  (a day shift 08:30–17:30 and a night shift 17:30–08:30). The city bureaus' people have accounts
  (张家界's leader on some days is 向红梅, `zhangjiajie`), and they checked in for their shifts —
  all but one (株洲's night shift of 08-03), which the province's board shows as 未到岗. Check-ins
  are taken only while a response is in force (the level II epidemic response from 2021-07-26, built
  by the responses part of the demo); without one, the rosters are built and no check-in is.
- `build_live(today)`: today's roster in the live drill for 张家界市民政局 (`zhangjiajie` on duty all
  day), 南县民政局 (`nanxian`) and 南县南洲镇敬老院 (its manager, `nanxian-home-02`): each can
  check in on the phone while a response is in force.

Both are idempotent: setting a week again unchanged keeps its shifts and check-ins.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.accounts.services import create_user
from tongxin.command.models import CheckIn, DutyShift
from tongxin.command.queries.responses import tracking_on
from tongxin.command.services import duty
from tongxin.demo import story
from tongxin.regions.queries import in_subtree
from tongxin.units.models import Kind, Membership, Role, Unit
from tongxin.units.services import grant_role

WEEK_START = dt.date(2021, 8, 1)
CITIES = (story.ZHANGJIAJIE, story.ZHUZHOU, story.XIANGTAN)
DAY_SHIFT = (dt.time(8, 30), dt.time(17, 30))
NIGHT_SHIFT = (dt.time(17, 30), dt.time(8, 30))
LEADER_SHIFT = (dt.time(8, 30), dt.time(8, 30))  # 24 hours, handed over at 08:30
MISSED = (story.ZHUZHOU, dt.date(2021, 8, 3), "夜班")  # the one shift nobody checked in for
SURNAMES = ("李王张刘陈杨黄赵吴周徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
            "余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文")
GIVEN = ("建华", "志强", "海燕", "秀英", "卫国", "晓琴", "德明", "玉梅", "国平", "小兵", "春花", "红霞", "文军",
         "丽娟", "新民", "桂芳", "建军", "雪梅", "立新", "慧敏")
PREFIXES = ("138", "139", "137", "135", "136", "150", "151", "152", "158", "159", "187", "188", "182", "183")


def _hash(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16)


def person(unit: Unit, n: int) -> tuple[str, str]:
    """A name and a mobile for the n-th duty person of `unit` (the same every build)."""
    h = _hash(f"duty:{unit.region_id}:{unit.name}:{n}")
    name = SURNAMES[h % len(SURNAMES)] + GIVEN[(h // 131) % len(GIVEN)]
    return name, f"{PREFIXES[(h // 7) % len(PREFIXES)]}{(h // 9973) % 10**8:08d}"


def bureaus() -> list[Unit]:
    """The bureaus of the three cities and of their counties, city first."""
    q = Unit.objects.none()
    for code in CITIES:
        q |= Unit.objects.filter(in_subtree("region_id", code[:4]), kind=Kind.BUREAU)
    return list(q.filter(is_active=True).order_by("region_id"))


def _account(unit: Unit, n: int, name: str, phone: str) -> User:
    """The account of a city bureau's n-th duty person: one of the bureau's officers."""
    username = f"duty-{unit.region_id}-{n}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = create_user(None, username=username, password=story.PASSWORD, full_name=name, phone=phone,
                           check_password=False)
    if not Membership.objects.filter(user=user, unit=unit).exists():
        grant_role(None, user, unit, Role.OFFICER)
    return user


def _people(unit: Unit, city: bool) -> list[tuple[str, str, User | None]]:
    """Six people: two leaders (0, 1) and four staff (2–5); 张家界's second leader is 向红梅."""
    out: list[tuple[str, str, User | None]] = []
    for n in range(6):
        name, phone = person(unit, n)
        user = _account(unit, n, name, phone) if city else None
        if n == 1 and unit.region_id == story.ZHANGJIAJIE:
            user = User.objects.filter(username="zhangjiajie").first()
            if user is not None:
                name, phone = user.full_name or name, phone
        out.append((name, phone, user))
    return out


def week_rows(unit: Unit, city: bool) -> list[duty.RosterRow]:
    people = _people(unit, city)
    rows = []
    for d in range(7):
        day = WEEK_START + dt.timedelta(days=d)
        leader = people[d % 2]
        day_staff, night_staff = people[2 + (2 * d) % 4], people[2 + (2 * d + 1) % 4]
        for who, role, (start, end), label in ((leader, "leader", LEADER_SHIFT, "全天"),
                                               (day_staff, "staff", DAY_SHIFT, "白班"),
                                               (night_staff, "staff", NIGHT_SHIFT, "夜班")):
            rows.append(duty.RosterRow(day=day, role=role, name=who[0], phone=who[1], start=start, end=end,
                                       shift=label, user=who[2]))
    return rows


def _check_ins(shifts: list[DutyShift]) -> int:
    """Check in for every shift with an account, a few minutes before or after its start, but the missed one."""
    done = 0
    for s in shifts:
        if s.user is None or (s.unit.region_id, s.day, s.shift) == MISSED:
            continue
        when = s.starts_at + dt.timedelta(minutes=_hash(f"in:{s.pk}") % 25 - 15)
        if not tracking_on(s.unit, when):
            continue
        if duty.check_in(s.user, s, now=when).created:
            done += 1
    return done


def build() -> dict[str, int]:
    """The story's rosters for 2021-08-01 … 08-07 (see the module docstring). Returns the counts."""
    shifts: list[DutyShift] = []
    for unit in bureaus():
        city = unit.region_id in CITIES
        shifts += duty.set_roster(None, unit=unit, week_start=WEEK_START, rows=week_rows(unit, city))
    done = _check_ins([s for s in shifts if s.user_id])
    units = {s.unit_id for s in shifts}
    return {"duty_units": len(units), "duty_shifts": len(shifts),
            "duty_check_ins": CheckIn.objects.filter(shift__in=[s.pk for s in shifts]).count(),
            "duty_check_ins_made": done}


LIVE_UNITS = (  # (region, unit name, the account on duty all day, the leader of the day)
    (story.ZHANGJIAJIE, "张家界市民政局", "zhangjiajie"),
    (story.NANXIAN, "南县民政局", "nanxian"),
    (story.NANXIAN, story.NANXIAN_HOMES[1].name, "nanxian-home-02"),
)


def build_live(today: dt.date) -> dict[str, int]:
    """Today's roster of the live drill for a few units, with an account on duty all day in each."""
    made = 0
    for region, name, username in LIVE_UNITS:
        unit = Unit.objects.filter(region_id=region, name=name).first()
        user = User.objects.filter(username=username).first()
        if unit is None or user is None:
            continue
        leader, leader_phone = person(unit, 10)
        staff, staff_phone = person(unit, 11)
        own_phone = getattr(user, "phone", "") or person(unit, 12)[1]
        rows = [duty.RosterRow(day=today, role="leader", name=leader, phone=leader_phone, start=dt.time(8, 30),
                               end=dt.time(8, 30), shift="全天"),
                duty.RosterRow(day=today, role="staff", name=user.full_name or username, phone=own_phone,
                               start=dt.time(0, 0), end=dt.time(0, 0), shift="全天", user=user),
                duty.RosterRow(day=today, role="staff", name=staff, phone=staff_phone, start=dt.time(17, 30),
                               end=dt.time(8, 30), shift="夜班")]
        made += len(duty.set_roster(None, unit=unit, week_start=today, rows=rows))
    return {"live_duty_shifts": made, "live_duty_today": int(DutyShift.objects.filter(day=today).count()),
            "live_duty_now": DutyShift.objects.filter(starts_at__lte=timezone.now(), ends_at__gt=timezone.now())
            .count()}
