"""The story's mobilization (汇聚三社合力) as plain data; `mobilization.py` builds it through the services.

- 慈利县乐善社会工作服务中心 (`leshan`) sent exactly 60 social workers and 30 volunteers to
  checkpoints (卡点值守), supermarkets (体温检测) and the county hospital from 2021-07-30 to 2021-08-09:
  seven posts in 慈利县, two six-hour shifts a day at each (08:00–14:00 and 14:00–20:00), every day of
  the 11 (one more person a shift at the supermarket and the market on weekends): 500 places.
  Each post has its own team, which takes the shifts in turn, so nobody is in two places at
  once and everybody works about every other day.
- 益阳市餐饮协会 reported 2,217 meals delivered on 2021-07-30 (an activity report, not posts).
- The live drill (a cold snap around the build day): shifts at two of the checkpoints and a round of
  visits to old people living alone; the past week served, today's and tomorrow's partly filled,
  the rest of the week open, so that `leshan` has work to do today.

Names, ID numbers (慈利县 430821, valid check digit) and mobiles come from a stable generator
(`person(n)`), the same on every build.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import NamedTuple

from stdnum.cn import ric

from tongxin.demo import story

SOCIAL_WORKERS = 60
VOLUNTEERS = 30
START = dt.date(2021, 7, 30)
END = dt.date(2021, 8, 9)
DAYS = (END - START).days + 1  # 11
SHIFTS = ((dt.time(8, 0), dt.time(14, 0)), (dt.time(14, 0), dt.time(20, 0)))
INSURANCE_POLICY_PREFIX = "PICC-CL-2021-"
INSURANCE_FROM = dt.date(2021, 7, 1)
INSURANCE_UNTIL = dt.date(2021, 12, 31)
ASSIGNED_THE_DAY_BEFORE = dt.time(17, 30)  # the staff put the next day's teams on the shifts
REVIEWED_AFTER_DAYS = 2  # the staff finalise a day's records two days later, at 10:00
ISSUED_ON = dt.date(2021, 8, 12)


class Post(NamedTuple):
    name: str
    kind: str  # a PostKind value
    place: str
    risky: bool
    skills: tuple[str, ...]  # required of everyone on the post (and so given to its whole team)
    needed: int  # people a shift
    team: int  # people on the post's team
    notes: str = ""
    weekend_extra: int = 0  # more people a shift on Saturdays and Sundays (the supermarkets' busy days)


POSTS: tuple[Post, ...] = (
    Post("慈利县零阳镇高速出口卡点", "checkpoint", "张家界至常德高速慈利出口收费站", True, ("order",), 4, 16,
         "查验健康码、行程卡，登记外地来慈车辆和人员"),
    Post("慈利县江垭镇卡点", "checkpoint", "慈利县江垭镇 S306 线江垭大桥东", True, ("order",), 3, 12,
         "查验健康码、行程卡，劝返中高风险地区来人"),
    Post("慈利县溪口镇卡点", "checkpoint", "慈利县溪口镇 G353 线溪口收费站", True, ("order",), 3, 12),
    Post("步步高超市慈利店体温检测点", "temperature", "慈利县零阳镇迎宾路步步高超市入口", False,
         ("temperature",), 3, 12, "测温、扫码、提醒佩戴口罩", weekend_extra=1),
    Post("慈利县零阳镇农贸市场体温检测点", "temperature", "慈利县零阳镇农贸市场东门", False,
         ("temperature",), 3, 12, weekend_extra=1),
    Post("慈利县汽车站体温检测点", "temperature", "慈利县汽车站进站口", False, ("temperature",), 3, 14),
    Post("慈利县人民医院预检分诊支援", "hospital", "慈利县人民医院门诊楼预检分诊台", True, ("first_aid",), 3, 12,
         "协助预检分诊、引导就诊、维持排队秩序"),
)
CHECKPOINT = POSTS[0].name
# Everyone has the skills of their post; social workers also 社会工作, some 心理疏导 or 信息登记.
EXTRA_SKILLS = ("psychology", "data_entry", "driving", "disinfection")

# A few people checked in late (minutes after the start), chosen by (post, day, shift, slot).
LATE: dict[tuple[str, dt.date, int, int], int] = {
    (POSTS[0].name, dt.date(2021, 7, 31), 0, 2): 24,
    (POSTS[1].name, dt.date(2021, 8, 2), 1, 0): 37,
    (POSTS[3].name, dt.date(2021, 8, 4), 0, 1): 18,
    (POSTS[6].name, dt.date(2021, 8, 6), 1, 2): 45,
}
# The one forgotten check-out, closed by the system at the shift's end, flagged, reviewed by the staff.
FORGOT_CHECKOUT = (POSTS[1].name, dt.date(2021, 8, 3), 1, 1)
FORGOT_CHECKOUT_NOTE = "已电话核实：本人 20:00 交班后离岗，忘记签退，按班次结束时间计"
CERTIFICATE_FOR = 0  # person(0), a social worker of the first checkpoint's team

# 益阳市餐饮协会's activity report: meals for the people on duty, on the response's fifth day.
MEALS_UNIT = "益阳市餐饮协会"
MEALS_DAY = dt.date(2021, 7, 30)
MEALS = 2217
MEALS_MEASURE = "份"
MEALS_TITLE = "爱心送餐：为一线防疫人员送盒饭"
MEALS_CONTENT = ("协会组织 23 家会员餐饮企业连夜备餐，为益阳市中心城区各核酸检测点、卡点的医护人员、"
                 "民警和志愿者免费送去盒饭 2217 份。")
MEALS_PLACE = "益阳市赫山区、资阳区各核酸检测点和卡点"
MEALS_PEOPLE = {"social_workers": 0, "volunteers": 38, "others": 23}  # others: the 23 enterprises' cooks
MEALS_IN_CHARGE = "刘建华"

# The live drill: days are offsets from the build day (0 = today, Beijing clock).
LIVE_DAYS_BEFORE = 7  # the past week: every place filled and attended
LIVE_DAYS = 7  # today and the next six days
LIVE_POSTS: tuple[tuple[str, int], ...] = ((POSTS[0].name, 3), (POSTS[1].name, 3))  # (post, needed)
LIVE_VISITS = Post("零阳镇独居老人寒潮探访", "community", "慈利县零阳镇各社区", False, ("social_work",), 4, 0,
                   "寒潮期间上门探访独居、空巢老人，检查取暖和用电安全")
LIVE_VISIT_HOURS = (dt.time(9, 0), dt.time(17, 0))
# How many of a shift's places the drill fills, by day offset (the rest is work to do).
LIVE_FILLED = {0: (3, 1), 1: (2, 0)}  # day: (first post's shifts, second post's shifts); later days: 0
LIVE_VISITS_FILLED = {0: 4, 1: 2}
# Yesterday's forgotten check-out (post, day offset, shift, place), flagged and waiting for review today.
LIVE_FORGOT_CHECKOUT = (POSTS[1].name, -1, 1, 0)
# People whose accident insurance was renewed (a year from a month before the build day; the others'
# ran out on 2021-12-31): every volunteer and the first 20 social workers.
RENEWED_SOCIAL_WORKERS = 20
LIVE_POLICY_PREFIX = "PICC-CL-"
LIVE_POLICY_STARTED_DAYS_AGO = 30

SURNAMES = "王李张刘陈杨黄赵吴周徐孙胡朱高林何郭马罗梁宋郑谢韩唐覃向卓田彭曾龚谭邓蒋"
GIVEN_MALE = ("建华", "志强", "卫国", "德明", "国平", "小兵", "文军", "新民", "建军", "立新", "思远", "浩然", "俊杰",
              "明轩", "宇航", "梓豪", "博文", "天佑", "志豪", "一鸣")
GIVEN_FEMALE = ("海燕", "秀英", "晓琴", "玉梅", "春花", "红霞", "丽娟", "桂芳", "雪梅", "慧敏", "佳怡", "子涵", "雨欣",
                "婷婷", "欣怡", "诗琪", "静怡", "嘉欣", "可馨", "梦瑶")
MOBILE_PREFIXES = ("130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155", "157",
                   "158", "159", "173", "176", "177", "180", "181", "182", "185", "186", "187", "188", "189", "199")


class Someone(NamedTuple):
    n: int
    kind: str  # a PersonKind value
    name: str
    id_number: str
    birth_date: dt.date
    mobile: str


def stable_hash(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def kind_of(n: int) -> str:
    """Two social workers, then a volunteer, and so on: every team is two thirds social workers."""
    return "volunteer" if n % 3 == 2 else "social_worker"


def people() -> list[Someone]:
    """The 90 people, in order: 60 social workers and 30 volunteers, names unique, the same every build."""
    out: list[Someone] = []
    names: set[str] = set()
    mobiles: set[str] = set()
    for n in range(SOCIAL_WORKERS + VOLUNTEERS):
        salt = 0
        while True:
            h = stable_hash(f"leshan:{n}:{salt}")
            given = GIVEN_MALE if n % 2 == 0 else GIVEN_FEMALE
            name = SURNAMES[h % len(SURNAMES)] + given[(h // 97) % len(given)]
            if name not in names:
                break
            salt += 1
        names.add(name)
        # 430821 is 慈利县 from 1988 on (stdnum, and so our validator, checks the code against the birth year)
        born = dt.date(1988, 1, 1) + dt.timedelta(days=(h // 7919) % (14 * 365))  # 19 to 33 in 2021
        sequence = (h // 104729) % 500 * 2 + (1 if n % 2 == 0 else 0)  # the 17th digit: odd for a man, even for a woman
        body = f"{story.CILI}{born:%Y%m%d}{sequence:03d}"
        mobile = f"{MOBILE_PREFIXES[(h // 13) % len(MOBILE_PREFIXES)]}{(h // 1299709) % 10**8:08d}"
        while mobile in mobiles:
            mobile = mobile[:3] + f"{(int(mobile[3:]) + 1) % 10**8:08d}"
        mobiles.add(mobile)
        out.append(Someone(n, kind_of(n), name, body + ric.calc_check_digit(body + "0"), born, mobile))
    return out


def teams() -> dict[str, list[int]]:
    """Each post's team: consecutive runs of `people()` by index."""
    out: dict[str, list[int]] = {}
    start = 0
    for post in POSTS:
        out[post.name] = list(range(start, start + post.team))
        start += post.team
    assert start == SOCIAL_WORKERS + VOLUNTEERS
    return out


def skills_of(n: int, post: Post) -> list[str]:
    skills = list(post.skills)
    if kind_of(n) == "social_worker":
        skills.insert(0, "social_work")
    extra = EXTRA_SKILLS[n % len(EXTRA_SKILLS)]
    if n % 2 == 0 and extra not in skills:
        skills.append(extra)
    return skills


def days() -> list[dt.date]:
    return [START + dt.timedelta(days=d) for d in range(DAYS)]


def needed_on(post: Post, day: dt.date) -> int:
    return post.needed + (post.weekend_extra if day.weekday() >= 5 else 0)


def places(day: dt.date | None = None) -> int:
    """The places to fill (people × shifts) on `day`, or over the whole story."""
    return sum(needed_on(p, d) * len(SHIFTS) for p in POSTS for d in ([day] if day else days()))


def rota(post: Post, day_index: int, shift: int) -> list[int]:
    """Who of `post`'s team is on `shift` (0 or 1) of the day: the team takes the places in turn."""
    team = teams()[post.name]
    first = sum(needed_on(post, d) * len(SHIFTS) for d in days()[:day_index])
    needed = needed_on(post, days()[day_index])
    assert needed * len(SHIFTS) <= len(team), "nobody works both shifts of a day"
    first += shift * needed
    return [team[(first + k) % len(team)] for k in range(needed)]
