"""Build the Hunan demo (see story.py) through the same services a user's actions go through.

Guarantees:
- every unit, user and role comes from `units.services.create_unit` / `grant_role` and
  `accounts.services.create_user` with actor=None (the system), so each is validated and audited;
  every unit is in service from `story.IN_SERVICE_FROM`, before the story starts;
- idempotent: units are found by (region, name), users by username, roles by (user, unit, role)
  before anything is created, so a second run creates nothing, audits nothing and raises nothing;
- all or nothing: the whole build is one transaction;
- deterministic: credit codes (valid GB 32100 check character), phones and contacts are derived
  from the unit's name, so every build of the story yields the same data;
- the daily reports of the story's homes (see reports.py) are filed through the reporting
  services after the units and logins exist, skipping those already on file;
- then the inspection campaign, 南县's self- and supervisory inspections and their ledger entries
  (see inspections.py) through the inspection and ledger services, skipping what is on file;
- the story's epidemic response (疫情防控 Ⅱ级 from 2021-07-26, see command_responses.py) through the
  response services;
- last, the live drill (冬季安全生产, see live.py and live_story.py): a second response around the day
  the demo is first built (`now`, default the present moment; its Beijing day is the build day), from
  7 days before it to 30 days after, with a fire-safety response (Ⅳ级) in force over it (so check-in
  and read tracking are on). The drill stays anchored to that first build day: a build on a
  later day finds it and adds nothing (the homes have not filed since; `tongxin demo` says so), so
  for a drill around a new day, build into a new database. Deterministic given the build day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from stdnum.cn import uscc

from tongxin.accounts.models import User
from tongxin.accounts.services import create_user
from tongxin.demo import (
    command_directives,
    command_duty,
    command_meetings,
    command_responses,
    donations,
    donations_story,
    inspections,
    live,
    live_story,
    mobilization,
    mobilization_story,
    reports,
    story,
)
from tongxin.regions.models import Region
from tongxin.regions.queries import in_subtree
from tongxin.regions.services import load_divisions
from tongxin.units.models import Kind, Membership, Unit
from tongxin.units.services import create_unit, grant_role

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

MOBILE_PREFIXES = ("130", "133", "135", "136", "137", "138", "139", "150", "151", "152", "158", "159",
                   "180", "182", "186", "187", "188", "189")
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organisation code


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def credit_code(prefix: str, region: str, name: str) -> str:
    """A valid unified social credit code: authority+type `prefix`, region, organisation code, check."""
    digits = f"{_hash('org:' + name) % 10**8:08d}"
    check = 11 - sum(int(d) * w for d, w in zip(digits, ORG_CODE_WEIGHTS, strict=True)) % 11
    org_check = {10: "X", 11: "0"}.get(check, str(check))
    body = f"{prefix}{region}{digits}{org_check}"
    return body + uscc.calc_check_digit(body)


def mobile(name: str) -> str:
    h = _hash("tel:" + name)
    return f"{MOBILE_PREFIXES[h % len(MOBILE_PREFIXES)]}{(h // 97) % 10**8:08d}"


def contact(name: str) -> str:
    return story.CONTACT_NAMES[_hash("who:" + name) % len(story.CONTACT_NAMES)]


class _Builder:
    def __init__(self, stdout: SupportsWrite[str] | None) -> None:
        self.stdout = stdout
        self.created: Counter[str] = Counter()
        self.regions = {r.code: r for r in Region.objects.filter(in_subtree("code", "43"))}
        self.units = {(u.region_id, u.name): u for u in Unit.objects.filter(in_subtree("region_id", "43"))}

    def say(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message + "\n")

    def address(self, code: str, local: str) -> str:
        """湖南省益阳市南县…: the names above the region, then the local part (prefixed by the region)."""
        region = self.regions[code]
        above = [self.regions[c].name for c in (code[:2] + "0000", code[:4] + "00") if c != code]
        return "".join(above) + (local if local.startswith(region.name) else region.name + local)

    def unit(self, region: str, name: str, kind: str, **values: Any) -> Unit:
        found = self.units.get((region, name))
        if found is None:
            found = create_unit(None, name=name, kind=kind, region_id=region,
                                in_service_from=story.IN_SERVICE_FROM, **values)
            self.units[(region, name)] = found
            self.created["units"] += 1
        return found

    def bureaus(self) -> int:
        hunan = sorted(self.regions.values(), key=lambda r: (r.level, r.code))
        for region in hunan:
            province = region.level == Region.Level.PROVINCE
            name = story.PROVINCE_BUREAU if province else region.name + story.BUREAU_SUFFIX
            self.unit(region.code, name, Kind.BUREAU, credit_code=credit_code("11", region.code, name),
                      address=self.address(region.code, ""))
        return len(hunan)

    def homes(self, region: str, homes: tuple[story.Home, ...]) -> int:
        for home in homes:
            self.unit(
                region, home.name, Kind.ELDERLY_CARE, beds=home.beds, residents=home.residents,
                staff=home.staff, contact_person=contact(home.name), phone=mobile(home.name),
                address=self.address(region, home.address or home.name),
                credit_code=credit_code("52" if home.private else "12", region, home.name),
            )
        return len(homes)

    def organisations(self) -> int:
        for org in story.ORGANISATIONS:
            self.unit(org.region, org.name, org.kind, contact_person=contact(org.name),
                      phone=mobile(org.name), address=self.address(org.region, ""),
                      credit_code=credit_code(org.code_prefix, org.region, org.name))
        association = self.units[(story.ZHUZHOU, story.ASSOCIATION)]
        for name, region in story.MEMBER_ENTERPRISES:
            self.unit(region, name, Kind.MEMBER_ENTERPRISE, member_of=association,
                      contact_person=contact(name), phone=mobile(name),
                      credit_code=credit_code("91", region, name))
        return len(story.ORGANISATIONS) + len(story.MEMBER_ENTERPRISES)

    def logins(self) -> int:
        users = {u.username: u for u in User.objects.filter(username__in=[x.username for x in story.LOGINS])}
        memberships = Membership.objects.filter(user__in=users.values())
        held = set(memberships.values_list("user_id", "unit_id", "role"))
        for login in (*story.LOGINS, *story.EXTRA_ROLES):
            user = users.get(login.username)
            if user is None:
                user = users[login.username] = create_user(None, username=login.username, password=story.PASSWORD,
                                                           full_name=login.full_name, check_password=False)
                self.created["users"] += 1
            unit = self.units[(login.region, login.unit)]
            if (user.pk, unit.pk, login.role) not in held:
                grant_role(None, user, unit, login.role)
                self.created["roles"] += 1
        return len(story.LOGINS)

    def live_drill(self, filers: list[Unit], nanxian_homes: dict[str, Unit], now: dt.datetime,
             counts: dict[str, int]) -> None:
        days, live_counts = live.build_live(filers, nanxian_homes, now)
        counts.update(live_counts)
        counts.update(command_responses.build_live(days.start, days.end))
        counts.update(command_duty.build_live(days.today))
        counts.update(command_directives.build_live(now, days.today))
        counts.update(mobilization.build_live(now, days.today))
        counts.update(donations.build_live(now, days.today))
        self.say(f"实时演练：{story.LESHAN} 本周班次 {counts['live_mobilization_shifts']} 个，已安排 "
                 f"{counts['live_mobilization_assignments']} 人次")
        self.say(f"实时演练：{live_story.REPORT_NAME}（{days.start} 至 {days.end}）{counts['live_reports']} 份，"
                 f"本次报送 {counts['live_reports_filed']} 份；{live_story.CAMPAIGN_NAME}，南县检查 "
                 f"{counts['live_inspections']} 次（本次完成 {counts['live_inspections_done']} 次），"
                 f"问题台账 {counts['live_ledger_entries']} 条")
        today = timezone.localdate(now)
        if days.today != today:
            ended = "，演练已结束" if today > days.end else ""
            self.say(f"  注意：实时演练以首次构建的 {days.today} 为“今天”，此后各机构未再报送{ended}。"
                     "如需以今天为准的演练，请在新的数据库中构建（如删除 var/demo.sqlite3 后重新运行）。")


def build_demo(stdout: SupportsWrite[str] | None = None, *, now: dt.datetime | None = None,
               live_drill: bool = True) -> dict[str, int]:
    """Create the Hunan demo's divisions, units, logins, roles, daily reports, inspections and ledger,
    and the live drill around `now`'s Beijing day (default: the present); a no-op when they exist already
    (the live drill then keeps the day it was first built on). `live_drill=False` builds the 2021 story
    only, for tests that make their own set-up for today.

    Returns how many of each the story holds and how many this run created.
    """
    now = now or timezone.now()
    with transaction.atomic():
        loaded = load_divisions(["43"])
        b = _Builder(stdout)
        b.say(f"区划：湖南省 {len(b.regions)} 个（新增 {loaded['created']}）")
        counts = {"bureaus": b.bureaus()}
        b.say(f"民政部门：{counts['bureaus']} 个")
        counts["homes"] = b.homes(story.NANXIAN, story.NANXIAN_HOMES)
        for region, homes in story.COUNTY_HOMES.items():
            counts["homes"] += b.homes(region, homes)
        b.say(f"养老机构：{counts['homes']} 个（南县 {len(story.NANXIAN_HOMES)} 个）")
        counts["organisations"] = b.organisations()
        members = len(story.MEMBER_ENTERPRISES)
        b.say(f"社会组织及其他单位：{counts['organisations']} 个（含会员企业 {members} 家）")
        counts["users"] = b.logins()
        b.say(f"演示账号：{counts['users']} 个")
        filers = [b.units[(story.NANXIAN, h.name)] for h in story.NANXIAN_HOMES]
        filers += [b.units[(region, h.name)] for region, hs in story.COUNTY_HOMES.items() for h in hs]
        counts.update(reports.file_reports(filers))
        b.say(f"日报：{story.REPORT_NAME}（{story.REPORT_START} 至 {story.REPORT_END}）{counts['reports']} 份，"
              f"本次报送 {counts['reports_filed']} 份")
        nanxian_homes = {h.name: b.units[(story.NANXIAN, h.name)] for h in story.NANXIAN_HOMES}
        counts.update(inspections.run_campaign(nanxian_homes))
        b.say(f"专项行动：{story.CAMPAIGN_NAME}，南县检查 {counts['inspections']} 次（本次完成 "
              f"{counts['inspections_done']} 次），问题台账 {counts['ledger_entries']} 条，"
              f"本次整改操作 {counts['ledger_steps_taken']} 步")
        counts.update(command_responses.build())
        b.say(f"应急响应：{command_responses.EPIDEMIC_TITLE}（2021-07-26 启动，08-20 调整为Ⅲ级，09-10 结束），"
              f"本次操作 {counts['response_steps']} 步")
        counts.update(command_duty.build())
        b.say(f"值班表：{counts['duty_units']} 个民政部门 2021-08-01 至 08-07 共 {counts['duty_shifts']} 个班次，"
              f"到岗签到 {counts['duty_check_ins']} 次")
        counts.update(command_directives.build())
        b.say(f"紧急通知：{command_directives.TITLE}，送达 {counts['directive_deliveries']} 个单位，"
              f"已签收 {counts['directive_signed']} 个")
        counts.update(command_meetings.build())
        b.say(f"调度会：{command_meetings.TITLE}，督办事项 {counts['action_assignments']} 项次，"
              f"本次办理 {counts['action_steps_taken']} 步")
        counts.update(mobilization.build())
        b.say(f"志愿服务：{story.LESHAN} 社工 {counts['mobilization_social_workers']} 人、志愿者 "
              f"{counts['mobilization_volunteers']} 人，2021-07-30 至 08-09 共 {counts['mobilization_shifts']} 个班次、"
              f"到岗 {counts['mobilization_attendances']} 人次、服务记录 {counts['mobilization_records']} 条；"
              f"益阳市餐饮协会送餐 {mobilization_story.MEALS} 份")
        counts.update(donations.build())
        b.say(f"捐赠：{story.ASSOCIATION} 会员企业 {counts['donations_zhuzhou_gifts']} 家捐款 "
              f"{donations_story.ZHUZHOU_CASH:,} 元及物资，交付{donations_story.HOSPITAL}；"
              f"{donations_story.ECOMMERCE}接收物资 {counts['donations_ecommerce_gifts']} 笔、价值 "
              f"{donations_story.ECOMMERCE_TOTAL:,} 元，交付{donations_story.RED_CROSS}（含 1 条更正说明）")
        if live_drill:
            b.live_drill(filers, nanxian_homes, now, counts)
        counts.update(units_created=b.created["units"], users_created=b.created["users"],
                      roles_granted=b.created["roles"])
        b.say(f"本次新建：单位 {b.created['units']}，账号 {b.created['users']}，角色 {b.created['roles']}")
    return counts
