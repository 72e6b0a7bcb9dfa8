"""The public disclosure site: anonymous reads, totals equal to their rows, consent and masking,
the receipt lookup, downloads, the feed and the cache."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from tests.donations import factories as f
from tests.world import build_world
from tongxin.donations.models import DonorKind
from tongxin.donations.queries import public

PHONE = "13812345678"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def _story(world):
    a = f.appeal(world.nanxian_home, "南县抗疫募捐倡议")
    mask, water = f.item(), f.item("矿泉水", "550ml×24", "箱")
    d1 = f.donation(world.nanxian_home, [(f.cash(), 28000), (mask, 1000, 2500)], appeal=a,
                    donor="株洲金典装饰工程有限公司", donor_phone=PHONE)
    d2 = f.donation(world.nanxian_home, [(water, 180)], appeal=a, donor="张三丰", kind=DonorKind.PERSON,
                    public=False, donor_phone=PHONE)
    d3 = f.donation(world.nanxian_home, [(f.cash(), 500)], appeal=a, kind=DonorKind.ANONYMOUS)
    h = f.handover(world.nanxian_home, world.nanxian_home_2, [(mask, 400)], appeal=a, received=True)
    return a, (d1, d2, d3), h


@pytest.mark.django_db
def test_anonymous_visitor_reads_the_appeal_with_its_totals(client, world):
    a, _ds, _h = _story(world)
    page = client.get(reverse("portal:appeal", args=[a.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "28,500.00" in html and "南县南洲镇敬老院" in html
    assert "株洲金典装饰工程有限公司" in html


@pytest.mark.django_db
def test_no_unconsented_name_and_no_phone_anywhere(client, world):
    a, _ds, _h = _story(world)
    unit = world.nanxian_home.pk
    urls = [reverse("portal:index"), reverse("portal:appeal", args=[a.pk]),
            reverse("portal:organisation", args=[unit]), reverse("portal:feed")]
    urls += [f"/public/appeals/{a.pk}/{name}.csv" for name in ("donations", "goods", "handovers")]
    for url in urls:
        r = client.get(url)
        raw = b"".join(r.streaming_content) if r.streaming else r.content
        body = raw.decode("utf-8-sig")
        assert "张三丰" not in body, url
        assert PHONE not in body, url
    html = client.get(reverse("portal:appeal", args=[a.pk])).content.decode()
    assert "爱心人士" in html and "匿名" in html


@pytest.mark.django_db
def test_root_sends_anonymous_to_public_and_staff_home(client, client_for, world):
    assert client.get("/").url == reverse("portal:index")
    assert client_for(world.nanxian).get("/").status_code == 200


@pytest.mark.django_db
def test_login_page_links_to_public_site(client):
    assert 'href="/public/"' in client.get(reverse("accounts:login")).content.decode()


@pytest.mark.django_db
def test_lookup_shows_where_the_gift_went_and_a_wrong_code_says_so(client, world):
    _a, (d1, _d2, _d3), _h = _story(world)
    good = client.get(reverse("portal:lookup"), {"receipt": d1.receipt_number, "code": d1.lookup_code.lower()})
    assert good.status_code == 200 and "南县南洲镇敬老院" in good.content.decode()
    wrong_code = client.get(reverse("portal:lookup"), {"receipt": d1.receipt_number, "code": "XXXX"})
    wrong_number = client.get(reverse("portal:lookup"), {"receipt": "NOPE", "code": d1.lookup_code})
    assert wrong_code.status_code == wrong_number.status_code == 404
    msg = "未找到该捐赠"
    assert msg in wrong_code.content.decode() and msg in wrong_number.content.decode()


@pytest.mark.django_db
def test_lookup_is_throttled_per_client(client, world):
    for _i in range(20):
        client.get(reverse("portal:lookup"), {"receipt": "X", "code": "Y"})
    page = client.get(reverse("portal:lookup"), {"receipt": "X", "code": "Y"})
    assert page.status_code == 429 and "过于频繁" in page.content.decode()


@pytest.mark.django_db
def test_downloads_csv_and_xlsx(client, world):
    a, _ds, _h = _story(world)
    text = b"".join(client.get(f"/public/appeals/{a.pk}/goods.csv").streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][0] == "物资" and any(r[0] == "口罩（KN95）" and r[2] == "1000.00" for r in rows)
    xlsx = client.get(f"/public/appeals/{a.pk}/donations.xlsx")
    assert xlsx.status_code == 200 and b"".join(xlsx.streaming_content)[:2] == b"PK"


@pytest.mark.django_db
def test_a_new_donation_shows_at_once(client, world, django_capture_on_commit_callbacks):
    a, _ds, _h = _story(world)
    url = reverse("portal:appeal", args=[a.pk])
    assert "28,500.00" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the write's commit bumps the cache
        f.donation(world.nanxian_home, [(f.cash(), 1000)], appeal=a)
    assert "29,500.00" in client.get(url).content.decode()


@pytest.mark.django_db
def test_feed_has_stable_ids(client, world):
    a, (d1, _d2, _d3), _h = _story(world)
    data = json.loads(client.get(reverse("portal:feed")).content)
    appeal = next(x for x in data["appeals"] if x["id"] == a.pk)
    assert d1.pk in [d["id"] for d in appeal["donations"]] and appeal["cash_total"] == "28500.00"


class TotalsEqualRows(TestCase):
    @settings(max_examples=15, deadline=None)
    @given(st.lists(st.tuples(st.sampled_from(["cash", "mask", "water"]), st.integers(1, 10_000),
                              st.booleans()), min_size=0, max_size=6))
    def test_every_total_equals_the_sum_of_its_rows(self, gifts):
        world = build_world()
        a = f.appeal(world.nanxian_home)
        items = {"cash": f.cash(), "mask": f.item(), "water": f.item("矿泉水", "550ml", "箱")}
        for kind, qty, valued in gifts:
            it = items[kind]
            line = (it, qty) if it.is_cash or not valued else (it, qty, qty * 2)
            f.donation(world.nanxian_home, [line], appeal=a)
        d = public.for_appeal(a)
        assert d.cash_total == sum((ln.quantity for r in d.donations for ln in r.lines if ln.is_cash), Decimal(0))
        assert d.goods_value_total == sum((ln.value or 0 for r in d.donations for ln in r.lines if not ln.is_cash),
                                          Decimal(0))
        assert d.cash_total == sum((Decimal(q) for k, q, _v in gifts if k == "cash"), Decimal(0))
        for g in d.goods:
            assert g.quantity == sum((Decimal(q) for k, q, _v in gifts if items[k].pk == g.item_id), Decimal(0))


@pytest.mark.django_db
@pytest.mark.parametrize(("days_ago", "overdue"), [(4, False), (5, False), (6, True)])
def test_the_appeal_page_flags_a_disclosure_overdue_on_the_five_day_clock(world, client, days_ago, overdue):
    import datetime as dt

    from django.utils import timezone

    from tongxin.donations.services import appeals

    a = f.appeal(world.leshan, "冬季助老倡议", starts_on=(timezone.localdate() - dt.timedelta(days=20)).isoformat())
    appeals.publish_disclosure(None, world.leshan, a, at=timezone.now() - dt.timedelta(days=days_ago))
    html = client.get(reverse("portal:appeal", args=[a.pk])).content.decode()
    assert ("公开逾期" in html) is overdue
    due = timezone.localdate() - dt.timedelta(days=days_ago) + dt.timedelta(days=5)
    assert f"下次公开截止 {due.isoformat()}" in html
