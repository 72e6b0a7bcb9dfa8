"""The issuer's board adds up: random chains of deliveries over Hunan's regions, with random
signed and fed-back states, and at every level a region's counts are its 本级 row plus the sum of
its children's, the bottom level's units add up to their county, and the top is the number of
deliveries of the current versions (a replaced version's deliveries never count)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tongxin.command.models import Delivery, Directive
from tongxin.command.queries import board as q
from tongxin.regions.models import Region
from tongxin.units.models import Kind, Unit

NOW = dt.datetime(2021, 7, 27, 12, 0, tzinfo=dt.UTC)
DEADLINES = [NOW - dt.timedelta(hours=6), NOW + dt.timedelta(hours=6)]

pytestmark = pytest.mark.django_db


def hunan_codes() -> list[str]:
    return list(Region.objects.filter(code__startswith="43").order_by("code").values_list("code", flat=True))


def directive(world, *, issuer=None, root=None, forwarded_from=None, status=Directive.Status.ISSUED,
              sign_deadline=DEADLINES[0], feedback=True, feedback_deadline=DEADLINES[0], replaces=None) -> Directive:
    issuer = issuer or world.province
    d = Directive.objects.create(
        issuer=issuer, region=issuer.region, title="关于开展隐患大排查的紧急通知", body="正文", status=status,
        sign_deadline=sign_deadline, feedback_required=feedback,
        feedback_deadline=feedback_deadline if feedback else None,
        drafted_by=world.hunan, issued_at=NOW - dt.timedelta(days=1), forwarded_from=forwarded_from, root=root,
        replaces=replaces)
    if root is None:
        d.root = d
        d.save(update_fields=["root"])
    return d


delivery = st.tuples(
    st.integers(0, 10_000),     # region (index into Hunan's codes)
    st.integers(0, 3),          # which directive of the chain: 0 the root, 1-2 forwards, 3 the replaced version
    st.sampled_from(["unsigned", "signed", "late"]),
    st.booleans(),              # fed back
)


def expected(rows, prefix: str) -> dict[str, int]:
    inside = [r for r in rows if r["code"].startswith(prefix) and r["live"]]
    return {"delivered": len(inside), "signed": sum(r["signed"] for r in inside),
            "overdue": sum(r["overdue"] for r in inside), "fed_back": sum(r["fed_back"] for r in inside)}


def picked(counts: q.Counts) -> dict[str, int]:
    return {"delivered": counts.delivered, "signed": counts.signed, "overdue": counts.overdue,
            "fed_back": counts.fed_back}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=st.lists(delivery, min_size=0, max_size=25))
def test_every_level_adds_up_to_its_children_and_the_top_to_the_deliveries(world, plan):
    codes = hunan_codes()
    with transaction.atomic():
        root = directive(world)
        forwards = [
            directive(world, issuer=world.zhangjiajie, root=root, forwarded_from=root, sign_deadline=DEADLINES[1],
                      feedback=False),
            directive(world, issuer=world.cili_bureau, root=root, forwarded_from=root, feedback_deadline=DEADLINES[1]),
        ]
        old = directive(world, root=root, status=Directive.Status.REPLACED)
        chain = [root, *forwards, old]
        made = []
        for i, (r, which, signed, fed_back) in enumerate(plan):
            code, d = codes[r % len(codes)], chain[which]
            unit = Unit.objects.create(name=f"单位{i}", kind=Kind.ELDERLY_CARE, region_id=code)
            signed_at = None if signed == "unsigned" else d.sign_deadline + dt.timedelta(
                hours=1 if signed == "late" else -1)
            Delivery.objects.create(directive=d, root=root, unit=unit, region_code=code, delivered_at=NOW,
                                    signed_at=signed_at, fed_back_at=NOW if fed_back else None)
            missing = d.feedback_required and not fed_back
            made.append({"code": code, "live": d is not old, "signed": signed_at is not None,
                         "fed_back": fed_back,
                         "overdue": (signed_at is None and d.sign_deadline < NOW)
                         or (missing and d.feedback_deadline is not None and d.feedback_deadline < NOW)})

        province = Region.objects.get(code="430000")
        b = q.board(root, world.hunan, province, now=NOW)
        assert b.total.delivered == sum(m["live"] for m in made)
        assert picked(b.total) == expected(made, "43")
        cities, counties = b.levels
        assert [lv.level for lv in b.levels] == [Region.Level.CITY, Region.Level.COUNTY]
        for level in b.levels:
            total = q.Counts()
            for row in level.rows:
                total.add(row.counts)
            assert total == b.total
        for row in cities.rows:
            assert picked(row.counts) == expected(made, row.region.code if row.own else row.region.prefix)
            if row.own:
                continue
            children = q.Counts()
            for child in counties.rows:
                if child.parent_code == row.region.code:
                    children.add(child.counts)
            assert children == row.counts  # its 本级 row (at its own code) plus its counties
            city_board = q.board(root, world.hunan, row.region, now=NOW)
            assert city_board.total == row.counts
        for row in counties.rows:
            in_row = [u for u in b.units if u.region_code == row.region.code]
            assert len(in_row) == row.counts.delivered
            assert sum(u.signed_at is not None for u in in_row) == row.counts.signed
            assert sum(u.overdue for u in in_row) == row.counts.overdue
        transaction.set_rollback(True)


def test_the_board_reads_one_query_per_level_however_many_deliveries(world, django_assert_max_num_queries):
    root = directive(world)
    codes = hunan_codes()
    for i, code in enumerate(codes[:60]):
        unit = Unit.objects.create(name=f"单位{i}", kind=Kind.ELDERLY_CARE, region_id=code)
        Delivery.objects.create(directive=root, root=root, unit=unit, region_code=code, delivered_at=NOW)
    province = Region.objects.get(code="430000")
    with django_assert_max_num_queries(12):
        b = q.board(root, world.hunan, province, now=NOW)
    assert b.total.delivered == 60
