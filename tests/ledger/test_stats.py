"""The ledger's statistics, counted in the database, equal what the Python tally they replaced gave:
found, closed, open, overdue and the median days from finding to striking off (the local day in
Beijing), for every row and the total, on random ledgers."""

from __future__ import annotations

import datetime as dt
import statistics
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ledger.conftest import FOUND
from tongxin.ledger import queries, services
from tongxin.ledger.models import Status
from tongxin.regions.models import Region
from tongxin.regions.queries import chain

BEIJING = ZoneInfo("Asia/Shanghai")


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# --- the reference: the Python tally the statistics used before (issue 13), kept to check against --

def reference(qs, key_field, key_of, today):
    """{key: (found, closed, open, overdue, median)} and the total's tuple, counted in Python."""
    rows, total = {}, [0, 0, 0, 0]
    durations, everything = {}, []
    for key_value, status, deadline, found_on, closed_at in qs.order_by().values_list(
            key_field, "status", "deadline", "found_on", "closed_at"):
        key = key_of(key_value)
        for t in (total, rows.setdefault(key, [0, 0, 0, 0])):
            t[0] += 1
            t[1 if status == Status.CLOSED else 2] += 1
            t[3] += status != Status.CLOSED and deadline < today
        if status == Status.CLOSED:
            days = (timezone.localdate(closed_at) - found_on).days
            everything.append(days)
            durations.setdefault(key, []).append(days)

    def median(values):
        return statistics.median(values) if values else None

    return ({k: (*v, median(durations.get(k, []))) for k, v in rows.items()}, (*total, median(everything)))


def reference_by_region(user, region, today):
    children = {c.code for c in region.children.all()}

    def child_of(code):
        return next((c for c in chain(code) if c in children), "direct")

    qs = queries.filter_entries(queries.visible_entries(user), region=region.code)
    return reference(qs, "region_code", child_of, today)


def reference_by_unit(user, region, today):
    qs = queries.filter_entries(queries.visible_entries(user), region=region.code)
    return reference(qs, "unit_id", lambda pk: pk, today)


def figures(row):
    return (row.found, row.closed, row.open, row.overdue, row.median_days_to_close)


def by_region(user, region, today):
    total, rows = queries.stats_by_region(user, region, today=today)
    return {"direct" if r.direct else r.region.code: figures(r) for r in rows}, figures(total)


def by_unit(user, region, today):
    total, rows = queries.stats_by_unit(user, region, today=today)
    return {r.unit.pk: figures(r) for r in rows}, figures(total)


# --- random ledgers ------------------------------------------------------------------------------

# An entry: which unit, found how many days after FOUND, deadline how many days after that, and
# (if closed) how many minutes after the local midnight starting its found day it was closed —
# from two hours before (closed "the day before": a negative count) to a fortnight later, so
# closings on both sides of midnight in Beijing (16:00 UTC) come up.
entry = st.tuples(st.integers(0, 4), st.integers(0, 20), st.integers(0, 10),
                  st.one_of(st.none(), st.integers(-120, 15 * 24 * 60)), st.booleans())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(entry, max_size=14), today_offset=st.integers(0, 35))
def test_the_statistics_equal_the_python_tally_they_replaced(world, photo, entries, today_offset):
    evidence = photo(world.hunan, world.province)
    units = [world.nanxian_home, world.nanxian_home_2, world.cili_home, world.yiyang, world.province]
    today = FOUND + dt.timedelta(days=today_offset)
    with rolled_back():
        for which, found_after, deadline_after, closed_after, started in entries:
            found_on = FOUND + dt.timedelta(days=found_after)
            values = {"unit": units[which], "source": "supervision", "category": "fire", "severity": "general",
                      "description": "消防通道堵塞", "found_on": found_on,
                      "deadline": found_on + dt.timedelta(days=deadline_after)}
            midnight = dt.datetime.combine(found_on, dt.time(), tzinfo=BEIJING)
            if closed_after is None:
                opened = services.open_entry(world.hunan, **values, now=midnight + dt.timedelta(hours=9))
                if started:
                    services.transition(world.hunan, opened, "start")
            else:
                services.fix_on_spot(world.hunan, **values, attachments=[evidence],
                                     now=midnight + dt.timedelta(minutes=closed_after))
        for code in ("430000", "430900"):
            region = Region.objects.get(code=code)
            assert by_region(world.hunan, region, today) == reference_by_region(world.hunan, region, today)
        nanxian = Region.objects.get(code="430921")
        for user in (world.hunan, world.nanxian):
            assert by_unit(user, nanxian, today) == reference_by_unit(user, nanxian, today)
        assert by_region(world.cili, Region.objects.get(code="430800"), today) == reference_by_region(
            world.cili, Region.objects.get(code="430800"), today)


def test_days_to_close_count_the_day_in_beijing(world, photo):
    """Found on 1 August; closed at 00:30 on 2 August in Beijing (16:30 UTC on the 1st): one day."""
    evidence = photo(world.hunan, world.nanxian_home)
    common = {"unit": world.nanxian_home, "source": "supervision", "category": "fire", "severity": "general",
              "description": "灭火器过期", "found_on": FOUND, "deadline": FOUND, "attachments": [evidence]}
    services.fix_on_spot(world.nanxian, **common, now=dt.datetime(2021, 8, 1, 16, 30, tzinfo=dt.UTC))
    services.fix_on_spot(world.nanxian, **common, now=dt.datetime(2021, 8, 1, 15, 30, tzinfo=dt.UTC))  # 23:30
    total, rows = queries.stats_by_unit(world.nanxian, Region.objects.get(code="430921"), today=FOUND)
    assert total.median_days_to_close == 0.5  # (1 + 0) / 2: an even count takes the mean of the middle two
    assert [figures(r) for r in rows] == [(2, 2, 0, 0, 0.5)]


def test_a_region_with_no_entries_has_no_rows_and_no_median(world):
    total, rows = queries.stats_by_region(world.hunan, Region.objects.get(code="430000"))
    assert rows == [] and figures(total) == (0, 0, 0, 0, None)


def test_the_statistics_of_a_province_read_the_ledger_once(world, photo):
    services.fix_on_spot(world.nanxian, unit=world.nanxian_home, source="supervision", category="fire",
                         severity="general", description="灭火器过期", found_on=FOUND, deadline=FOUND,
                         attachments=[photo(world.nanxian, world.nanxian_home)])
    region = Region.objects.get(code="430000")
    with CaptureQueriesContext(connection) as ctx:
        total, _rows = queries.stats_by_region(world.hunan, region, today=FOUND)
    assert total.found == 1
    assert len([q for q in ctx.captured_queries if "ledger_ledgerentry" in q["sql"]]) == 1
