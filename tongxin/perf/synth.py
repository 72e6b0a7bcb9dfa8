"""`tongxin synth`: a synthetic country on the real division tree, loaded in bulk.

`build(institutions=…, days=…, ledger=…, seed=…)` guarantees:
- it refuses (CommandError, nothing written) a database that already holds units unless
  `reset=True`, which empties it first through `tongxin flush` — and so, like flush, refuses a
  database holding audit records unless `allow_audit_loss=True` (core.audit_guard); a database
  holding audit records but no units is refused too without that flag (synthetic rows must not be
  mixed into a real trail). Django's throwaway test databases are exempt, as everywhere;
- the divisions come from `regions.services.load_divisions` (`provinces`, None: the whole country);
  each province, city and county gets a bureau; `institutions` institutions (70 % elderly-care
  homes, the rest child welfare, rescue, mental health, funeral and community centres) are spread
  round-robin over every county in a seeded order, so every county has one before any has two;
  social organisations (one per 50 institutions, at least one per city) and a charity per province;
  every unit in service from a year before the period (UnitPeriod);
- one officer per level (the province — 430000 if loaded —, a city and a county of it) and a home
  reporter of one of that county's homes, through `accounts.services.create_user` and
  `units.services.grant_role`, all with the password PASSWORD;
- per province the daily form "elderly-daily" assigned by its bureau to its elderly-care homes over
  `days` days from START (`reports.services`), and the demo's planned filings bulk-loaded
  (`perf.loaders.load_reports`: most on time, ~4 % late, ~2.5 % missing, a quarter of quiet days
  zero reports); `ledger` ledger entries over the two years before the period's end (most closed,
  some overdue) with their Counter rows; directives of each province with a delivery to every other
  unit of it (~90 % signed, ~3 % late, ~70 % fed back); duty rosters (a leader and a staff member a
  day) for every bureau over the last two weeks and the next one; volunteers, posts, shifts,
  assignments, attendances and service records of the social organisations over the last two
  weeks, plus activity reports; per province an appeal of its charity with donations, allocations
  and hand-overs;
- every roll-up is then rebuilt by the apps' own rebuilds (`reports.rollups.rebuild`,
  `mobilization.services.rollup.rebuild`, `donations.services.stock.rebuild`), so totals equal rows;
- deterministic for a seed (every random choice comes from generators seeded by it; timestamps are
  synthetic), one transaction for all but the divisions, then VACUUM ANALYZE (PostgreSQL; only ANALYZE
  inside an outer transaction) or ANALYZE (SQLite);
- it prints rows/s for each table as it goes (`say`; for the reports' roll-ups also the reports read
  per second) and returns a `Summary`.
"""

from __future__ import annotations

import base64
import datetime as dt
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from tongxin.accounts.services import create_user
from tongxin.command.models import Delivery, Directive, DutyShift
from tongxin.command.models.duty import DutyRole
from tongxin.core import audit_guard
from tongxin.core.bulk import load_rows, reserve_ids
from tongxin.core.pinyin import search_keys
from tongxin.donations.models import (
    Allocation,
    AllocationLine,
    Appeal,
    AppealIssuer,
    AppealNeed,
    Donation,
    DonationLine,
    Handover,
    HandoverLine,
    ReceiptCounter,
    Stock,
)
from tongxin.donations.models.appeals import AppealStatus
from tongxin.donations.models.donations import DonationStatus, DonorKind, Valuation
from tongxin.donations.models.handovers import Basis, HandoverStatus
from tongxin.donations.services import stock
from tongxin.donations.services.catalogue import cash_item, item_for
from tongxin.ledger.models import Counter, LedgerEntry
from tongxin.mobilization.models import (
    ActivityReport,
    Attendance,
    DeploymentDay,
    Person,
    Post,
    RecordStatus,
    ServiceRecord,
    Shift,
)
from tongxin.mobilization.models import Assignment as Deployment
from tongxin.mobilization.models.people import PersonKind
from tongxin.mobilization.models.posts import PostKind
from tongxin.mobilization.services import rollup as mobilization_rollup
from tongxin.perf import loaders
from tongxin.perf.loaders import Timer, pick
from tongxin.regions.models import Region
from tongxin.regions.services import load_divisions
from tongxin.reports import rollups
from tongxin.reports import services as report_services
from tongxin.reports.models import Assignment, FieldRollup, FilingRollup, Form, Report, Revision
from tongxin.units.models import KIND_CATEGORY, Category, Kind, Membership, Role, Unit, UnitPeriod
from tongxin.units.services import grant_role

PROFILES: dict[str, dict[str, Any]] = {
    "small": {"institutions": 500, "days": 14, "ledger": 5_000, "provinces": ["43"]},
    "national": {"institutions": 50_000, "days": 365, "ledger": 1_000_000, "provinces": None},
}
PASSWORD = "Synth#2021-tongxin"
START = dt.date(2021, 7, 26)  # the demo's first report day
LEDGER_YEARS_DAYS = 730
KINDS = [(Kind.ELDERLY_CARE, 70), (Kind.CHILD_WELFARE, 6), (Kind.RESCUE_STATION, 4), (Kind.MENTAL_HEALTH, 3),
         (Kind.FUNERAL, 5), (Kind.COMMUNITY_CENTRE, 12)]
LABELS = {Kind.ELDERLY_CARE: "养老院", Kind.CHILD_WELFARE: "儿童福利院", Kind.RESCUE_STATION: "救助管理站",
          Kind.MENTAL_HEALTH: "精神卫生福利院", Kind.FUNERAL: "殡仪服务中心", Kind.COMMUNITY_CENTRE: "社区服务中心"}
SURNAMES = "李王张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "敏芳伟洋静军丽勇红刚华平明霞建国英杰强燕"
GOODS = (("口罩", "KN95", "只", "2.50"), ("口罩", "N95", "只", "4.80"), ("矿泉水", "550ml×24瓶", "箱", "28.00"),
         ("方便面", "桶装×12", "箱", "45.00"), ("消毒液", "84型 5L", "桶", "35.00"))
BEIJING = dt.timezone(dt.timedelta(hours=8))
ZERO = Decimal(0)


@dataclass
class Summary:
    """What a benchmark needs after a build: row counts, where to look and whom to log in as."""

    counts: dict[str, int]
    province: str
    city: str
    county: str
    officers: dict[str, str]  # level ("province", "city", "county") -> username
    home_reporter: str
    home_id: int
    password: str
    first_day: dt.date
    last_day: dt.date
    assignment_ids: list[int]
    seconds: float
    rates: dict[str, tuple[int, float]] = field(default_factory=dict)


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    """A moment of `day` on the Beijing clock."""
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=BEIJING)


def _token(rng: random.Random) -> str:
    """43 url-safe characters (what secrets.token_urlsafe(32) gives), from the seeded generator."""
    return base64.urlsafe_b64encode(rng.getrandbits(256).to_bytes(32, "big")).rstrip(b"=").decode()


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def _phone(rng: random.Random) -> str:
    return f"13{rng.randint(0, 9)}{rng.randrange(10**8):08d}"


# --- the guard ---------------------------------------------------------------------------------

def refuse_unless_empty(*, reset: bool, allow_audit_loss: bool, using: str = "default") -> None:
    """Raise CommandError (before anything is written) when the build may not run (module docstring)."""
    held = Unit.objects.using(using).count()
    if held and not reset:
        raise CommandError(f"Refusing to run tongxin synth on database '{using}': it already holds {held:,} units. "
                           "synth builds a whole synthetic country and needs an empty database; to empty this one "
                           "first, run again with --reset.")
    if reset:
        audit_guard.refuse_audit_loss(using, allow_audit_loss, what="tongxin synth --reset")
    elif (not allow_audit_loss and not audit_guard.is_throwaway_test_database(connection)
          and audit_guard.holds_audit_records(using)):
        raise CommandError(f"Refusing to run tongxin synth on database '{using}': it holds audit records, so it is "
                           "not a scratch database. To write synthetic data into it anyway, run again with "
                           "--allow-audit-loss.")


# --- units -------------------------------------------------------------------------------------

def _units(rng: random.Random, provinces: list[Region], institutions: int, timer: Timer) -> dict[str, Any]:
    codes = [p.code[:2] for p in provinces]
    regions = list(Region.objects.filter(code__regex=rf"^({'|'.join(codes)})").order_by("code"))
    names = {r.code: r.name for r in regions}
    counties = [r.code for r in regions if r.level == Region.Level.COUNTY]
    cities = [r.code for r in regions if r.level == Region.Level.CITY]
    order = counties[:]
    rng.shuffle(order)
    rows: list[Unit] = []

    def unit(name: str, kind: str, region: str, **extra: Any) -> Unit:
        pinyin, initials = search_keys(name)
        u = Unit(name=name, kind=kind, category=KIND_CATEGORY[Kind(kind)], region_id=region, pinyin=pinyin,
                 initials=initials, **extra)
        rows.append(u)
        return u

    for r in regions:
        unit(f"{r.name}民政厅" if r.level == Region.Level.PROVINCE else f"{r.name}民政局", Kind.BUREAU, r.code)
    seen: dict[tuple[str, str], int] = {}
    for i in range(institutions):
        county = order[i % len(order)]
        kind = pick(rng, KINDS)
        k = seen[(county, kind)] = seen.get((county, kind), 0) + 1
        beds = rng.randint(30, 300)
        residents = beds * rng.randint(55, 90) // 100
        unit(f"{names[county]}第{k}{LABELS[kind]}", kind, county, beds=beds, residents=residents,
             staff=max(residents // 4, 3), contact_person=_person_name(rng), phone=_phone(rng))
    for i in range(max(len(cities), institutions // 50)):
        county = order[(i * 7) % len(order)]
        unit(f"{names[county]}同心{i + 1}号社会工作服务中心", Kind.SOCIAL_WORK, county,
             contact_person=_person_name(rng), phone=_phone(rng))
    for p in provinces:
        unit(f"{p.name}慈善总会", Kind.CHARITY, p.code, contact_person=_person_name(rng), phone=_phone(rng))
    timer.run("units_unit (bulk_create)", lambda: len(Unit.objects.bulk_create(rows, batch_size=2000)))
    since = START - dt.timedelta(days=365)
    timer.run("units_unitperiod", lambda: load_rows(UnitPeriod, ("unit_id", "region_code", "kind", "valid_from"),
                                                    ((u.pk, u.region_id, u.kind, since) for u in rows)))
    return {"units": rows, "counties": counties, "cities": cities, "regions": regions}


def _people(provinces: list[Region], units: list[Unit]) -> dict[str, Any]:
    """The officers, the home reporter and who signs and records what."""
    hunan = next((p for p in provinces if p.code == "430000"), provinces[0])
    bureaus = {u.region_id: u for u in units if u.kind == Kind.BUREAU}
    homes = [u for u in units if u.kind == Kind.ELDERLY_CARE and u.region_id.startswith(hunan.code[:2])]
    preferred = ("430821", "430800")  # 慈利县, 张家界市: where the benches have always looked
    county = preferred[0] if preferred[0] in bureaus and any(h.region_id == preferred[0] for h in homes) else \
        min(h.region_id for h in homes)
    city = county[:4] + "00"
    if city not in bureaus:  # a province-administered county: its own province stands in for the city
        city = next(c for c in sorted(bureaus) if c.startswith(hunan.code[:2]) and c.endswith("00") and c[2:4] != "00")
    home = min((h for h in homes if h.region_id == county), key=lambda h: h.pk)
    logins = {}
    for level, code in (("province", hunan.code), ("city", city), ("county", county)):
        user = create_user(None, username=f"synth-{level}", password=PASSWORD, full_name=f"{bureaus[code].name}业务员",
                           check_password=False)
        grant_role(None, user, bureaus[code], Role.OFFICER)
        logins[level] = user
    reporter = create_user(None, username="synth-home", password=PASSWORD, full_name=f"{home.name}填报员",
                           check_password=False)
    grant_role(None, reporter, home, Role.REPORTER)
    return {"province": hunan.code, "city": city, "county": county, "logins": logins, "reporter": reporter,
            "home": home, "bureaus": bureaus}


# --- reports -----------------------------------------------------------------------------------

def _reports(provinces: list[Region], units: list[Unit], bureaus: dict[str, Unit], days: int,
             timer: Timer) -> list[Assignment]:
    report_services.load_builtin_forms()
    form = Form.objects.get(code="elderly-daily")
    period = [START + dt.timedelta(days=i) for i in range(days)]
    assignments = []
    for p in provinces:
        assignments.append(report_services.create_assignment(
            None, form=form, issuer=bureaus[p.code], region=p, name="养老机构疫情防控日报", deadline=dt.time(10, 0),
            start_date=period[0], end_date=period[-1], unit_kinds=[Kind.ELDERLY_CARE]))

    def load() -> int:
        total = 0
        for a in assignments:
            prefix = a.region_id[:2]
            homes = [u for u in units if u.kind == Kind.ELDERLY_CARE and u.region_id.startswith(prefix)]
            total += loaders.load_reports(a, homes, period)[0]
        return total

    timer.run("reports_report + reports_revision", lambda: 2 * load())
    rebuilt: dict[str, int] = {}

    def rebuild() -> int:
        rebuilt.update(rollups.rebuild())
        return rebuilt["field_rows"] + rebuilt["filing_rows"]

    timer.run("reports roll-ups (rollups.rebuild)", rebuild)
    rows, took = timer.rates["reports roll-ups (rollups.rebuild)"]
    timer.say(f"  {'  read from reports_report':<34}{rebuilt['reports']:>11,} rows {took:>8.2f} s "
              f"{rebuilt['reports'] / took if took else 0:>11,.0f} rows/s")
    return assignments


# --- ledger ------------------------------------------------------------------------------------

def _ledger(rng: random.Random, units: list[Unit], counties: list[str], n: int, last_day: dt.date,
            timer: Timer) -> None:
    if n <= 0:
        return
    pairs = [(u.pk, u.region_id) for u in units if u.category == Category.INSTITUTION]
    counters: dict[tuple[str, int], int] = {}
    first = last_day - dt.timedelta(days=LEDGER_YEARS_DAYS - 1)
    rows = loaders.ledger_rows(n, pairs, counties, first=first, days=LEDGER_YEARS_DAYS,
                               today=last_day + dt.timedelta(days=1), seed=rng.randrange(2**31), counters=counters)
    timer.run("ledger_ledgerentry (COPY)" if connection.vendor == "postgresql" else "ledger_ledgerentry",
              lambda: load_rows(LedgerEntry, loaders.LEDGER_COLUMNS, rows))
    timer.run("ledger_counter", lambda: load_rows(Counter, ("region_code", "year", "last"),
                                                  ((r, y, last) for (r, y), last in sorted(counters.items()))))


# --- command: directives and duty ---------------------------------------------------------------

def _directives(rng: random.Random, provinces: list[Region], units: list[Unit], bureaus: dict[str, Unit],
                people: dict[str, Any], days: int, timer: Timer) -> None:
    drafter = people["logins"]["province"]
    signer = people["reporter"]
    count = max(2, min(12, days // 7 + 1))
    roots: list[tuple[Directive, list[Unit]]] = []
    for p in provinces:
        issuer = bureaus[p.code]
        targets = [u for u in units if u.region_id.startswith(p.code[:2]) and u.pk != issuer.pk]
        for j in range(count):
            issued = at(START + dt.timedelta(days=min(j * 7, days - 1)), 9, 30)
            feedback = j % 2 == 0
            d = Directive.objects.create(
                issuer=issuer, region_id=p.code, title=f"关于做好养老服务机构安全防范工作的通知（第{j + 1}期）",
                doc_number=f"{p.name[:1]}民发〔{issued.year}〕{j + 1}号", body="各市州民政局：……请认真贯彻落实。",
                sign_deadline=issued + dt.timedelta(hours=24), feedback_required=feedback,
                feedback_deadline=issued + dt.timedelta(days=3) if feedback else None,
                feedback_request="报送排查整治情况" if feedback else "",
                status=Directive.Status.ISSUED, drafted_by=drafter, approved_by=drafter,
                approved_at=issued, issued_at=issued)
            roots.append((d, targets))

    def rows() -> Any:
        for d, targets in roots:
            assert d.issued_at is not None
            for u in targets:
                delivered = d.issued_at + dt.timedelta(seconds=rng.randint(0, 120))
                signed = fed = None
                if rng.random() < 0.9:
                    late = rng.random() < 0.03
                    signed = (d.sign_deadline + dt.timedelta(minutes=rng.randint(60, 48 * 60)) if late
                              else delivered + dt.timedelta(minutes=rng.randint(2, 23 * 60)))
                    if d.feedback_required and rng.random() < 0.7 / 0.9:
                        fed = signed + dt.timedelta(minutes=rng.randint(120, 60 * 60))
                yield (d.pk, d.pk, u.pk, u.region_id, delivered, signed, signed, signer.pk if signed else None,
                       Delivery.SignedAs.STAFF if signed else "", fed, signer.pk if fed else None,
                       "已完成排查，未发现隐患。" if fed else "")

    timer.run("command_delivery", lambda: load_rows(Delivery, (
        "directive_id", "root_id", "unit_id", "region_code", "delivered_at", "read_at", "signed_at", "signed_by_id",
        "signed_as", "fed_back_at", "fed_back_by_id", "feedback"), rows()))


def _duty(rng: random.Random, bureaus: dict[str, Unit], people: dict[str, Any], last_day: dt.date,
          timer: Timer) -> None:
    first = last_day - dt.timedelta(days=13)
    author = people["logins"]["province"].pk

    def rows() -> Any:
        for code in sorted(bureaus):
            unit = bureaus[code]
            for i in range(21):  # the last two weeks and the next one
                day = first + dt.timedelta(days=i)
                for role in (DutyRole.LEADER, DutyRole.STAFF):
                    yield (unit.pk, day, role, _person_name(rng), _phone(rng), "全天", at(day, 8, 30),
                           at(day + dt.timedelta(days=1), 8, 30), author)

    timer.run("command_dutyshift", lambda: load_rows(DutyShift, (
        "unit_id", "day", "role", "name", "phone", "shift", "starts_at", "ends_at", "created_by_id"), rows()))


# --- mobilization --------------------------------------------------------------------------------

def _mobilization(rng: random.Random, units: list[Unit], last_day: dt.date, days: int, timer: Timer) -> None:
    orgs = [u for u in units if u.kind == Kind.SOCIAL_WORK]
    span = [last_day - dt.timedelta(days=i) for i in reversed(range(min(days, 14)))]
    people_rows, post_rows = [], []
    team: dict[int, list[int]] = {}
    posts_of: dict[int, list[tuple[int, str, int]]] = {}
    person_id = reserve_ids(Person, 20 * len(orgs))
    post_id = reserve_ids(Post, 2 * len(orgs))
    for org in orgs:
        team[org.pk] = []
        for _ in range(rng.randint(6, 20)):
            kind = PersonKind.SOCIAL_WORKER if rng.random() < 0.3 else PersonKind.VOLUNTEER
            people_rows.append((person_id, org.pk, org.region_id, kind, _person_name(rng), _phone(rng), _token(rng)))
            team[org.pk].append(person_id)
            person_id += 1
        posts_of[org.pk] = []
        for k in range(rng.randint(1, 2)):
            post_kind = rng.choice([PostKind.CHECKPOINT, PostKind.TEMPERATURE, PostKind.TESTING_SITE,
                                    PostKind.COMMUNITY])
            name = f"{post_kind.label}{k + 1}号岗"
            post_rows.append((post_id, org.pk, name, post_kind, f"{org.name[:6]}辖区{k + 1}号点", org.region_id,
                              _token(rng)))
            posts_of[org.pk].append((post_id, name, rng.randint(2, 4)))
            post_id += 1
    timer.run("mobilization_person", lambda: load_rows(Person, (
        "id", "unit_id", "region_code", "kind", "name", "mobile", "checkin_key"), people_rows))
    timer.run("mobilization_post", lambda: load_rows(Post, (
        "id", "unit_id", "name", "kind", "place", "region_id", "code_secret"), post_rows))
    shifts, deployments, attendances, records, reports = [], [], [], [], []
    most = sum(n for p in posts_of.values() for *_, n in p) * len(span)  # people a shift can take, at most
    shift_id = reserve_ids(Shift, sum(len(p) for p in posts_of.values()) * len(span))
    deployment_id = reserve_ids(Deployment, most)
    attendance_id = reserve_ids(Attendance, most)
    for org in orgs:
        for day in span:
            busy: set[int] = set()
            for pid, name, needed in posts_of[org.pk]:
                starts, ends = at(day, 8), at(day, 12)
                shifts.append((shift_id, pid, day, starts, ends, needed))
                free = [p for p in team[org.pk] if p not in busy]
                staffed = rng.sample(free, min(len(free), needed - (1 if rng.random() < 0.15 else 0)))
                for person in staffed:
                    busy.add(person)
                    deployments.append((deployment_id, shift_id, person, starts, ends,
                                        at(day - dt.timedelta(days=1), 18)))
                    if rng.random() < 0.88:
                        arrived = starts + dt.timedelta(minutes=rng.randint(-10, 15))
                        attendances.append((attendance_id, deployment_id, arrived, "code", ends, "code",
                                            Decimal("4.00")))
                        records.append((person, org.pk, name, day, "卡点值守、测温登记", Decimal("4.00"), attendance_id,
                                        RecordStatus.FINAL if rng.random() < 0.7 else RecordStatus.DRAFT,
                                        day + dt.timedelta(days=14)))
                        attendance_id += 1
                    deployment_id += 1
                shift_id += 1
            if rng.random() < 0.3:
                reports.append((org.pk, day, "社区防疫志愿服务", "辖区各卡点", "测温登记、政策宣传",
                                rng.randint(1, 5), rng.randint(5, 30), rng.randint(0, 5)))
    timer.run("mobilization_shift", lambda: load_rows(Shift, (
        "id", "post_id", "day", "starts_at", "ends_at", "needed"), shifts))
    timer.run("mobilization_assignment", lambda: load_rows(Deployment, (
        "id", "shift_id", "person_id", "starts_at", "ends_at", "assigned_at"), deployments))
    timer.run("mobilization_attendance", lambda: load_rows(Attendance, (
        "id", "assignment_id", "checked_in_at", "check_in_method", "checked_out_at", "check_out_method", "hours"),
        attendances))
    timer.run("mobilization_servicerecord", lambda: load_rows(ServiceRecord, (
        "person_id", "unit_id", "activity", "day", "content", "hours", "attendance_id", "status", "due_by"), records))
    timer.run("mobilization_activityreport", lambda: load_rows(ActivityReport, (
        "unit_id", "day", "title", "place", "content", "social_workers", "volunteers", "others"), reports))
    timer.run("mobilization roll-up (rollup.rebuild)", lambda: mobilization_rollup.rebuild())


# --- donations -----------------------------------------------------------------------------------

def _donations(rng: random.Random, provinces: list[Region], units: list[Unit], institutions: int,
               days: int, timer: Timer) -> None:
    cash = cash_item()
    goods = [item_for(name, spec, measure) for name, spec, measure, _ in GOODS]
    prices = {g.pk: Decimal(p[3]) for g, p in zip(goods, GOODS, strict=True)}
    items = [cash, *goods]
    per_province = max(50, institutions // (5 * len(provinces)))
    donations: list[Donation] = []
    lines: list[tuple[Donation, DonationLine]] = []
    plans = []
    for p in provinces:
        charity = next(u for u in units if u.kind == Kind.CHARITY and u.region_id == p.code)
        homes = [u for u in units if u.kind == Kind.ELDERLY_CARE and u.region_id.startswith(p.code[:2])][:5]
        appeal = Appeal.objects.create(
            unit=charity, title=f"关于支援{p.name}养老机构疫情防控的倡议", text="倡议全文……", starts_on=START,
            beneficiary=f"{p.name}养老机构老人和一线工作人员", how_to_give="物资送至慈善总会仓库，善款汇入慈善总会账户",
            status=AppealStatus.PUBLISHED, published_at=at(START, 8))
        AppealIssuer.objects.create(appeal=appeal, unit=charity, order=0)
        AppealNeed.objects.bulk_create([AppealNeed(appeal=appeal, item=g, quantity=Decimal(10000)) for g in goods])
        for i in range(per_province):
            r = rng.random()
            kind = DonorKind.ENTERPRISE if r < 0.6 else DonorKind.PERSON if r < 0.9 else DonorKind.ANONYMOUS
            name = "" if kind == DonorKind.ANONYMOUS else (
                f"{p.name[:2]}爱心企业{i:05d}有限公司" if kind == DonorKind.ENTERPRISE else f"爱心人士{i:05d}")
            received = rng.random() < 0.95
            when = at(START + dt.timedelta(days=i % days), 8 + i % 10, i % 60)
            d = Donation(unit=charity, appeal=appeal, donor_kind=kind, donor_name=name,
                         name_public=kind != DonorKind.ANONYMOUS and rng.random() < 0.65,
                         status=DonationStatus.RECEIVED if received else DonationStatus.PLEDGED,
                         pledged_at=None if received else when, received_at=when if received else None,
                         channel="bank" if received else "",
                         receipt_number=f"{p.code[:2]}CS-{START.year}-{i + 1:06d}" if received else None,
                         lookup_code=f"{rng.getrandbits(32):08X}" if received else "")
            donations.append(d)
            for it in rng.sample(items, rng.randint(1, 3)):
                if it.is_cash:
                    qty = Decimal(rng.randint(1, 500) * 100)
                    lines.append((d, DonationLine(item=it, quantity=qty, valuation=Valuation.CASH, value=qty)))
                elif rng.random() < 0.75:
                    qty = Decimal(rng.randint(1, 200) * 5)
                    lines.append((d, DonationLine(item=it, quantity=qty, valuation=Valuation.INVOICE,
                                                  unit_value=prices[it.pk], value=qty * prices[it.pk])))
                else:
                    qty = Decimal(rng.randint(1, 200) * 5)
                    lines.append((d, DonationLine(item=it, quantity=qty, valuation=Valuation.NOT_VALUED)))
        plans.append((charity, appeal, homes, per_province))

    def load_donations() -> int:
        Donation.objects.bulk_create(donations, batch_size=2000)
        for d, ln in lines:
            ln.donation = d
        DonationLine.objects.bulk_create([ln for _, ln in lines], batch_size=2000)
        ReceiptCounter.objects.bulk_create([ReceiptCounter(unit=c, year=START.year, last=n) for c, _a, _h, n in plans])
        return len(donations) + len(lines)

    timer.run("donations_donation + lines", load_donations)

    def load_handovers() -> int:
        written = 0
        for charity, appeal, homes, _n in plans:
            came_in: dict[int, Decimal] = {}
            for d, ln in lines:
                if d.appeal_id == appeal.pk and d.status == DonationStatus.RECEIVED:
                    came_in[ln.item_id] = came_in.get(ln.item_id, ZERO) + ln.quantity
            allocations = Allocation.objects.bulk_create([
                Allocation(unit=charity, appeal=appeal, recipient=h, basis=Basis.NEED,
                           basis_text=f"{h.name}上报：防护物资不足 7 天用量", decided_by="慈善总会会长办公会",
                           decided_at=at(START + dt.timedelta(days=k % days), 11)) for k, h in enumerate(homes)])
            handovers = Handover.objects.bulk_create([
                Handover(unit=charity, appeal=appeal, allocation=allocations[k % len(homes)],
                         recipient=homes[k % len(homes)], status=HandoverStatus.RECEIVED,
                         sent_at=at(START + dt.timedelta(days=k % days), 14), carrier="慈善总会车辆送达",
                         received_note="数量无误", received_at=at(START + dt.timedelta(days=k % days), 16))
                for k in range(4 * len(homes))])
            hlines: list[HandoverLine] = []
            alines: dict[tuple[int, int], Decimal] = {}
            for h in handovers:
                assert h.allocation_id is not None
                for it in rng.sample(items, rng.randint(1, 3)):
                    qty = (came_in.get(it.pk, ZERO) / 50).quantize(Decimal(1), rounding=ROUND_DOWN)
                    if qty < 1:
                        continue
                    hlines.append(HandoverLine(handover=h, item=it, sent=qty, received=qty))
                    alines[(h.allocation_id, it.pk)] = alines.get((h.allocation_id, it.pk), ZERO) + qty
            HandoverLine.objects.bulk_create(hlines)
            AllocationLine.objects.bulk_create([AllocationLine(allocation_id=a, item_id=i, quantity=q)
                                                for (a, i), q in sorted(alines.items())])
            written += len(allocations) + len(handovers) + len(hlines) + len(alines)
        return written

    timer.run("donations allocations + hand-overs", load_handovers)
    timer.run("donations stock (stock.rebuild)", stock.rebuild)


# --- the build ------------------------------------------------------------------------------------

COUNTED = (Unit, UnitPeriod, Membership, Report, Revision, FieldRollup, FilingRollup, LedgerEntry, Directive,
           Delivery, DutyShift, Person, Post, Shift, Deployment, Attendance, ServiceRecord, ActivityReport,
           DeploymentDay, Appeal, Donation, DonationLine, Allocation, Handover, HandoverLine, Stock)


def counts() -> dict[str, int]:
    """Rows per table of everything the build writes."""
    return {m._meta.db_table: m.objects.count() for m in COUNTED}


def analyze(say: Callable[[str], None]) -> None:
    """VACUUM ANALYZE (PostgreSQL; ANALYZE alone inside a transaction) or ANALYZE (SQLite)."""
    statement = ("VACUUM ANALYZE" if connection.vendor == "postgresql" and not connection.in_atomic_block
                 else "ANALYZE")
    start = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(statement)
    say(f"  {statement:<34}{'':>16} {time.perf_counter() - start:>8.2f} s")


def build(*, institutions: int = 500, days: int = 14, ledger: int = 5_000, seed: int = 1,
          provinces: Sequence[str] | None = ("43",),
          reset: bool = False, allow_audit_loss: bool = False,
          say: Callable[[str], None] = lambda text: None) -> Summary:
    """Build the synthetic country (module docstring); returns its Summary."""
    if institutions < 1 or days < 1 or ledger < 0:
        raise CommandError("--institutions and --days must be at least 1, --ledger at least 0")
    refuse_unless_empty(reset=reset, allow_audit_loss=allow_audit_loss)
    began = time.perf_counter()
    timer = Timer(say, {})
    if reset:
        def flush() -> int:
            call_command("flush", interactive=False, verbosity=0, allow_audit_loss=allow_audit_loss)
            return 0

        timer.run("flush (--reset)", flush)
    provinces = list(provinces) if provinces is not None else None
    try:
        timer.run("regions_region (load_divisions)", lambda: sum(load_divisions(provinces).values()))
    except ValueError as error:
        raise CommandError(str(error)) from None
    wanted = Region.objects.filter(level=Region.Level.PROVINCE).order_by("code")
    if provinces is not None:
        wanted = wanted.filter(code__in=[p[:2] + "0000" for p in provinces])
    regions = list(wanted)
    if not regions:
        raise CommandError("no province loaded: nothing to build on")
    rng = random.Random(seed)
    last_day = START + dt.timedelta(days=days - 1)
    with transaction.atomic():
        made = _units(rng, regions, institutions, timer)
        units = made["units"]
        if not any(u.kind == Kind.ELDERLY_CARE for u in units):
            raise CommandError("too few institutions: not one elderly-care home was drawn")
        people = _people(regions, units)
        assignments = _reports(regions, units, people["bureaus"], days, timer)
        _ledger(random.Random(rng.random()), units, made["counties"], ledger, last_day, timer)
        _directives(random.Random(rng.random()), regions, units, people["bureaus"], people, days, timer)
        _duty(random.Random(rng.random()), people["bureaus"], people, last_day, timer)
        _mobilization(random.Random(rng.random()), units, last_day, days, timer)
        _donations(random.Random(rng.random()), regions, units, institutions, days, timer)
    analyze(say)
    return Summary(
        counts=counts(), province=people["province"], city=people["city"], county=people["county"],
        officers={level: u.username for level, u in people["logins"].items()},
        home_reporter=people["reporter"].username, home_id=people["home"].pk, password=PASSWORD,
        first_day=START, last_day=last_day, assignment_ids=[a.pk for a in assignments],
        seconds=time.perf_counter() - began, rates=timer.rates)


def profile(name: str) -> dict[str, Any]:
    """The sizes of a named profile (PROFILES)."""
    return dict(PROFILES[name])


