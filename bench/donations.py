"""Benchmark: one appeal's public disclosure page (cached, invalidated on change) and the donations overview.

What goes through which path:
1. fill (bulk, not the services — this measures reads): Hunan's divisions (`load_divisions(["43"])`),
   the province's bureau and one officer of it, one social organisation (株洲市装饰装修行业协会, in
   株洲市) with 32 member enterprises, 5 hospitals in 渌口区 as recipients, six items (the cash item
   from `services.catalogue.cash_item()` and five goods by `item_for`: KN95 and N95 masks are two),
   one published Appeal issued by the association (created directly: a handful of rows), then by
   bulk_create: --donations RECEIVED donations (receipt number per organisation, lookup code) of 1–3
   lines each — cash (value = amount), goods valued from an invoice (unit value × quantity), at fair
   value, or not valued; donors enterprises (half of them picked from the members), persons or
   anonymous, about a third without consent to publish the name — plus one PLEDGED donation in
   twenty that must not count; 5 allocations with lines; 50 hand-overs with 1–3 lines, RECEIVED
   with received = sent, together well under what came in. Then `services.stock.rebuild()` writes
   the Stock rows from those records, as the services would have kept them. PostgreSQL gets
   VACUUM ANALYZE after the fill, SQLite ANALYZE.
2. reads:
   - the public page `/public/appeals/<pk>/` through `django.test.Client` (anonymous), cold (the
     cache cleared before each run), after a write (`publiccache.bump("donations")` before each run:
     what a recorded donation does — the page's key moves to a new generation) and warm (a hit);
   - `donations.queries.public.for_appeal(appeal)` alone (what a cold page computes);
   - the floor: the same appeal's figures in bare SQL — one SUM of the current donations' lines per
     item, and the SELECT of those donations with their lines (no labels, no Python formatting);
   - `donations.queries.overview.overview(user, province)` as the province's officer, the scope
     recomputed each run (once per request), beside the floor: the same three GROUP BYs (by unit, by
     appeal, goods by item) over `donations_stock` in the province's code range, in bare SQL;
   median and p95 in ms, the number of queries each makes, and the ORM's totals checked equal to
   the bare SQL's.

Runs against the scratch database named by TONGXIN_DATABASE_URL, which it empties first (unless
`--keep` finds it already filled). DEBUG is off (as in production). The cache is what settings
configure: LocMem in this process unless TONGXIN_CACHE_URL names a Redis.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")
os.environ.setdefault("TONGXIN_DEBUG", "false")
os.environ.setdefault("TONGXIN_SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("TONGXIN_PII_KEY", "YmVuY2gtb25seSBrZXksIG5vdCBhIHNlY3JldDogMzI=")  # bench only
os.environ.setdefault("TONGXIN_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("TONGXIN_LOG_LEVEL", "WARNING")

warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic: WhiteNoise's notice

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from tongxin.accounts.models import User  # noqa: E402
from tongxin.core import publiccache  # noqa: E402
from tongxin.donations.models import (  # noqa: E402
    Allocation,
    AllocationLine,
    Appeal,
    AppealIssuer,
    AppealNeed,
    AppealStatus,
    Basis,
    Donation,
    DonationLine,
    DonationStatus,
    DonorKind,
    Handover,
    HandoverLine,
    HandoverStatus,
    Item,
    Stock,
    Valuation,
)
from tongxin.donations.queries import overview as ov  # noqa: E402
from tongxin.donations.queries import public  # noqa: E402
from tongxin.donations.services import stock  # noqa: E402
from tongxin.donations.services.catalogue import cash_item, item_for  # noqa: E402
from tongxin.regions.models import Region  # noqa: E402
from tongxin.regions.queries import subtree_bounds  # noqa: E402
from tongxin.regions.services import load_divisions  # noqa: E402
from tongxin.units import scope  # noqa: E402
from tongxin.units.models import KIND_CATEGORY, Kind, Membership, Role, Unit  # noqa: E402

PROVINCE, CITY, DISTRICT = "430000", "430200", "430212"  # 湖南省, 株洲市, 渌口区
BEIJING = ZoneInfo("Asia/Shanghai")
FIRST_DAY = dt.date(2021, 8, 5)
GOODS = (("口罩", "KN95", "只", "2.50"), ("口罩", "N95", "只", "4.80"), ("矿泉水", "550ml×24瓶", "箱", "28.00"),
         ("方便面", "桶装×12", "箱", "45.00"), ("黄桃", "", "千克", "8.00"))
ZERO = Decimal("0")


def say(text: str = "") -> None:
    print(text, flush=True)


def timed(fn: Callable[[], object], runs: int, warmup: int = 3,
          setup: Callable[[], object] | None = None) -> tuple[float, float]:
    """(median, p95) of `runs` calls in milliseconds, after `warmup` untimed calls; `setup` runs
    untimed before each call."""
    for _ in range(warmup):
        if setup:
            setup()
        fn()
    samples = []
    for _ in range(runs):
        if setup:
            setup()
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    ordered = sorted(samples)
    return statistics.median(samples), ordered[max(round(len(ordered) * 0.95) - 1, 0)]


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=BEIJING)


# --- 1. fill ------------------------------------------------------------------------------------

def unit(name: str, kind: str, region: str, **kw) -> Unit:
    return Unit.objects.create(name=name, kind=kind, category=KIND_CATEGORY[kind], region_id=region, **kw)


def fill(donations: int) -> None:
    call_command("migrate", interactive=False, verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    t = time.perf_counter()
    load_divisions(["43"])
    bureau = unit("湖南省民政厅", Kind.BUREAU, PROVINCE)
    association = unit("株洲市装饰装修行业协会", Kind.INDUSTRY_ASSOCIATION, CITY)
    Unit.objects.bulk_create([Unit(name=f"株洲会员企业{i:02d}有限公司", kind=Kind.MEMBER_ENTERPRISE,
                                   category=KIND_CATEGORY[Kind.MEMBER_ENTERPRISE], region_id=CITY,
                                   member_of=association) for i in range(32)])
    members = list(Unit.objects.filter(member_of=association).order_by("pk"))
    Unit.objects.bulk_create([Unit(name=f"渌口区第{i + 1}人民医院", kind=Kind.HOSPITAL,
                                   category=KIND_CATEGORY[Kind.HOSPITAL], region_id=DISTRICT) for i in range(5)])
    hospitals = list(Unit.objects.filter(kind=Kind.HOSPITAL).order_by("pk"))
    staff, _ = User.objects.get_or_create(username="bench-association", defaults={"full_name": "协会经办人"})
    Membership.objects.get_or_create(user=staff, unit=association, role=Role.SOCIAL_STAFF)
    del bureau
    cash = cash_item()
    goods = [item_for(name, spec, measure) for name, spec, measure, _price in GOODS]
    prices = {g.pk: Decimal(p[3]) for g, p in zip(goods, GOODS, strict=True)}
    items = [cash, *goods]
    appeal = Appeal.objects.create(
        unit=association, title="关于支援渌口区抗击疫情的倡议", text="倡议全文", starts_on=FIRST_DAY,
        beneficiary="渌口区一线医护人员", how_to_give="物资送至协会办公室", status=AppealStatus.PUBLISHED,
        published_at=at(FIRST_DAY, 8))
    AppealIssuer.objects.create(appeal=appeal, unit=association, order=0)
    AppealNeed.objects.bulk_create([AppealNeed(appeal=appeal, item=g, quantity=Decimal(10000)) for g in goods])

    rng = random.Random(2021)
    rows, lines = [], []
    pledged = donations // 20
    for i in range(donations + pledged):
        received = i < donations
        r = rng.random()
        kind = DonorKind.ENTERPRISE if r < 0.6 else DonorKind.PERSON if r < 0.9 else DonorKind.ANONYMOUS
        enterprise = rng.choice(members) if kind == DonorKind.ENTERPRISE and rng.random() < 0.5 else None
        name = ("" if kind == DonorKind.ANONYMOUS else enterprise.name if enterprise
                else f"捐赠企业{i:05d}" if kind == DonorKind.ENTERPRISE else f"爱心人士{i:05d}")
        when = at(FIRST_DAY + dt.timedelta(days=i % 14), 8 + i % 10, i % 60)
        d = Donation(unit=association, appeal=appeal, donor_kind=kind, donor_name=name, donor_enterprise=enterprise,
                     donor_credit_code=f"91430200MA4L{i:06d}" if enterprise else "",
                     name_public=kind != DonorKind.ANONYMOUS and rng.random() < 0.65,
                     status=DonationStatus.RECEIVED if received else DonationStatus.PLEDGED,
                     pledged_at=None if received else when, received_at=when if received else None,
                     handled_by=staff if received else None, channel="bank" if received else "",
                     receipt_number=f"ZZZS-2021-{i + 1:05d}" if received else None,
                     lookup_code=secrets.token_hex(4).upper() if received else "", created_by=staff)
        rows.append(d)
        for it in rng.sample(items, rng.randint(1, 3)):
            if it.is_cash:
                qty = Decimal(rng.randint(1, 500) * 100)
                lines.append((d, DonationLine(item=it, quantity=qty, valuation=Valuation.CASH, value=qty)))
                continue
            qty = Decimal(rng.randint(1, 200) * 5)
            v = rng.random()
            if v < 0.6:
                lines.append((d, DonationLine(item=it, quantity=qty, valuation=Valuation.INVOICE,
                                              unit_value=prices[it.pk], value=qty * prices[it.pk])))
            elif v < 0.8:
                lines.append((d, DonationLine(item=it, quantity=qty, valuation=Valuation.FAIR_VALUE,
                                              unit_value=prices[it.pk], value=qty * prices[it.pk],
                                              valuation_note="参照市场价估算", valuation_approved_by=staff)))
            else:
                lines.append((d, DonationLine(item=it, quantity=qty, valuation=Valuation.NOT_VALUED)))
    with transaction.atomic():
        Donation.objects.bulk_create(rows, batch_size=1000)
        for d, ln in lines:
            ln.donation = d
        DonationLine.objects.bulk_create([ln for _d, ln in lines], batch_size=2000)
        came_in: dict[int, Decimal] = {}
        for d, ln in lines:
            if d.status == DonationStatus.RECEIVED:
                came_in[ln.item_id] = came_in.get(ln.item_id, ZERO) + ln.quantity
        allocations = Allocation.objects.bulk_create([
            Allocation(unit=association, appeal=appeal, recipient=h, basis=Basis.REQUEST,
                       basis_text=f"{h.name}来电：一线医护人员急需生活物资和防护用品", decided_by="协会会长办公会",
                       decided_at=at(FIRST_DAY + dt.timedelta(days=k), 11), created_by=staff)
            for k, h in enumerate(hospitals)])
        # each of the 50 hand-overs takes at most 1 % of what came in of an item: ≤ 50 % in all
        handovers = Handover.objects.bulk_create([
            Handover(unit=association, appeal=appeal, allocation=allocations[k % 5], recipient=hospitals[k % 5],
                     status=HandoverStatus.RECEIVED, sent_at=at(FIRST_DAY + dt.timedelta(days=k % 14), 14),
                     sent_by=staff, carrier="社区干部随车送达", received_note="数量无误",
                     received_at=at(FIRST_DAY + dt.timedelta(days=k % 14), 16)) for k in range(50)])
        hlines, alines = [], {}
        for h in handovers:
            for it in rng.sample(items, rng.randint(1, 3)):
                qty = (came_in.get(it.pk, ZERO) / 100).quantize(Decimal(1), rounding=ROUND_DOWN)
                if qty < 1:
                    continue
                hlines.append(HandoverLine(handover=h, item=it, sent=qty, received=qty))
                key = (h.allocation_id, it.pk)
                alines[key] = alines.get(key, ZERO) + qty
        HandoverLine.objects.bulk_create(hlines)
        AllocationLine.objects.bulk_create([AllocationLine(allocation_id=a, item_id=i, quantity=q)
                                            for (a, i), q in alines.items()])
    written = stock.rebuild()
    say(f"fill: 1 appeal, {donations:,} received + {pledged:,} pledged donations, {len(lines):,} lines over "
        f"{len(items)} items, 5 allocations, {len(handovers)} hand-overs ({len(hlines)} lines), {written} stock rows "
        f"(bulk_create + stock.rebuild) in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            for model in (Donation, DonationLine, Handover, HandoverLine, Stock, Unit):
                cur.execute(f"VACUUM ANALYZE {model._meta.db_table}")
        else:
            cur.execute("ANALYZE")
    say(f"{'VACUUM ANALYZE' if connection.vendor == 'postgresql' else 'ANALYZE'} in {time.perf_counter() - t:.1f} s")


def officer(code: str) -> User:
    bureau = Unit.objects.get(region_id=code, kind=Kind.BUREAU)
    user, _ = User.objects.get_or_create(username=f"bench-{code}", defaults={"full_name": bureau.name})
    Membership.objects.get_or_create(user=user, unit=bureau, role=Role.OFFICER)
    return user


# --- 2. reads -----------------------------------------------------------------------------------

D, DL, S, IT, U = (m._meta.db_table for m in (Donation, DonationLine, Stock, Item, Unit))


def bare_appeal(appeal: Appeal):
    """The floor of the page: the per-item sums and the donation rows with their lines, in SQL."""
    where = f"d.appeal_id = %s AND d.status = '{DonationStatus.RECEIVED}'"

    def run():
        with connection.cursor() as cur:
            cur.execute(f"SELECT l.item_id, sum(l.quantity), sum(l.value) FROM {DL} l "
                        f"JOIN {D} d ON d.id = l.donation_id WHERE {where} GROUP BY l.item_id", [appeal.pk])
            sums = cur.fetchall()
            cur.execute(f"SELECT d.id, d.receipt_number, d.donor_kind, d.donor_name, d.name_public, d.received_at, "
                        f"l.item_id, l.quantity, l.value, l.valuation FROM {D} d JOIN {DL} l ON l.donation_id = d.id "
                        f"WHERE {where} ORDER BY d.received_at, d.id, l.id", [appeal.pk])
            rows = cur.fetchall()
        return sums, rows
    return run


CASE = "CASE WHEN i.kind = 'cash' THEN s.{0} END"
MONEY = ", ".join(f"sum({CASE.format(c)})" for c in ("received", "allocated", "handed_over", "quantity")) + \
    ", sum(CASE WHEN i.kind = 'goods' THEN s.received_value END)"


def bare_overview(region: Region):
    """The floor of the overview: the same three GROUP BYs over the stock rows in the code range."""
    low, high = subtree_bounds(region.prefix)
    frm = f"FROM {S} s JOIN {IT} i ON i.id = s.item_id JOIN {U} u ON u.id = s.unit_id " \
          "WHERE u.region_id >= %s AND u.region_id < %s"

    def run():
        with connection.cursor() as cur:
            cur.execute(f"SELECT s.unit_id, {MONEY} {frm} GROUP BY s.unit_id", [low, high])
            by_unit = cur.fetchall()
            cur.execute(f"SELECT s.appeal_id, {MONEY} {frm} GROUP BY s.appeal_id", [low, high])
            by_appeal = cur.fetchall()
            cur.execute(f"SELECT s.item_id, sum(s.received), sum(s.allocated), sum(s.handed_over), sum(s.quantity), "
                        f"sum(s.received_value) {frm} AND i.kind = 'goods' GROUP BY s.item_id", [low, high])
            goods = cur.fetchall()
        return by_unit, by_appeal, goods
    return run


def queries(fn: Callable[[], object], setup: Callable[[], object] | None = None) -> int:
    if setup:
        setup()
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--donations", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="reuse a filled database")
    args = parser.parse_args()
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    say(f"database: {connection.vendor}; cache: {backend}")
    if not (args.keep and Donation.objects.exists()):
        fill(args.donations)
    appeal = Appeal.objects.get()
    n_donations = Donation.objects.filter(appeal=appeal, status=DonationStatus.RECEIVED).count()
    n_lines = DonationLine.objects.filter(donation__appeal=appeal, donation__status=DonationStatus.RECEIVED).count()
    say(f"appeal {appeal.pk}: {n_donations:,} received donations, {n_lines:,} lines; "
        f"{Stock.objects.count()} stock rows")

    # the ORM's figures equal the floor's
    d = public.for_appeal(appeal)
    sums, rows = bare_appeal(appeal)()
    bare_goods = {i: (Decimal(q), Decimal(v or 0)) for i, q, v in sums}
    assert {g.item_id: (g.quantity, g.value) for g in d.goods} == bare_goods, (d.goods, bare_goods)
    assert len(d.donations) == len({r[0] for r in rows}) == n_donations
    assert sum(len(r.lines) for r in d.donations) == len(rows) == n_lines
    cash = Item.objects.get(kind="cash").pk
    assert d.cash_total == bare_goods[cash][0]
    assert d.goods_value_total == sum(v for i, (_q, v) in bare_goods.items() if i != cash)

    user, province = officer(PROVINCE), Region.objects.get(code=PROVINCE)
    o = ov.overview(user, province)
    by_unit, by_appeal, goods = bare_overview(province)()
    bare_cash = sum(Decimal(r[1] or 0) for r in by_unit)
    bare_value = sum(Decimal(r[5] or 0) for r in by_unit)
    assert o.total.cash == bare_cash and o.total.goods_value == bare_value, (o.total, bare_cash, bare_value)
    assert o.goods_value == sum(Decimal(r[5] or 0) for r in goods) == bare_value
    assert len(o.appeals) == len(by_appeal) and len(o.goods) == len(goods)
    assert o.total.cash == d.cash_total  # one organisation, one appeal: the stock roll-up equals the disclosure
    say(f"checked: goods per item, cash {d.cash_total:,}, goods value {d.goods_value_total:,} — ORM = bare SQL")

    client = Client()
    url = f"/public/appeals/{appeal.pk}/"

    def page():
        response = client.get(url, secure=True)  # HTTPS, as in production (no SSL redirect)
        assert response.status_code == 200, response.status_code
        return response

    size = len(page().content)

    def overview_run():
        scope.forget(user)
        return ov.overview(user, province)

    def after_write():
        publiccache.bump("donations")  # outside a transaction: at once

    cases = [
        ("page, cold (cache cleared)", page, cache.clear),
        ("page, after a write (generation bumped)", page, after_write),
        ("page, warm (cache hit)", page, None),
        ("`public.for_appeal()`", lambda: public.for_appeal(appeal), None),
        ("bare SQL: sums per item + donation rows with lines", bare_appeal(appeal), None),
        ("`overview()` province officer", overview_run, None),
        ("bare SQL: the three GROUP BYs over stock", bare_overview(province), None),
    ]
    say(f"page: {size:,} bytes of HTML")
    say()
    say("| read | queries | median / p95 ms |")
    say("|---|---:|---:|")
    for name, fn, setup in cases:
        n = queries(fn, setup)
        m, p = timed(fn, args.runs, setup=setup)
        say(f"| {name} | {n} | {m:.2f} / {p:.2f} |")


if __name__ == "__main__":
    main()
