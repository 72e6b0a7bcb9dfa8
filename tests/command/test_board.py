"""The issuer's board of a directive chain: 湖南省民政厅's notice to the bureaus, forwarded by
张家界市民政局, and signed by 慈利县民政局; the province sees the counts move at city and county
level, a county sees its own part only, and a stranger sees nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tongxin.command.models import Delivery, Directive
from tongxin.command.queries import board as q
from tongxin.command.services import directives as services
from tongxin.command.services import receiving
from tongxin.regions.models import Region
from tongxin.units.models import Kind, Role
from tongxin.units.services import grant_role

pytestmark = pytest.mark.django_db


def issue(world, actor, issuer, region, *, forwarded_from=None, kinds=(Kind.BUREAU,), **extra) -> Directive:
    now = timezone.now()
    fields = {"title": "关于在全省民政系统开展拉网式隐患大排查行动的紧急通知", "body": "请立即组织排查。",
              "sign_deadline": now + dt.timedelta(hours=2), "feedback_required": True,
              "feedback_deadline": now + dt.timedelta(days=2), "urgency": "extra", "doc_number": "湘民电〔2021〕9号"}
    fields.update(extra)
    d = services.create_draft(actor, issuer=issuer, region=region, target_kinds=list(kinds),
                              forwarded_from=forwarded_from, **fields)
    services.submit(actor, d)
    return services.approve(actor, d)


@pytest.fixture
def notice(world):
    grant_role(None, world.hunan, world.province, Role.LEADER)
    return issue(world, world.hunan, world.province, world.province.region)


def sign(world, unit, user):
    for delivery in Delivery.objects.filter(unit=unit, directive__status=Directive.Status.ISSUED):
        receiving.sign(user, delivery)


def row(level, code, own=False):
    return next(r for r in level.rows if r.region.code == code and r.own == own)


def test_the_province_sees_each_city_and_the_county_level_below(world, notice):
    b = q.board(notice, world.hunan)
    assert b.region.code == "430000"
    assert b.total.delivered == 4 and b.total.signed == 0  # 益阳, 南县, 张家界, 慈利 bureaus
    cities, counties = b.levels
    assert row(cities, "430800").counts.delivered == 2  # 张家界市民政局 itself and 慈利县民政局
    assert row(counties, "430800", own=True).counts.delivered == 1  # 张家界市本级
    assert row(counties, "430821").counts.delivered == 1


def test_a_signature_moves_the_city_and_the_county(world, notice):
    sign(world, world.cili_bureau, world.cili)
    b = q.board(notice, world.hunan)
    cities, counties = b.levels
    assert (row(cities, "430800").counts.signed, row(cities, "430800").counts.sign_rate) == (1, 50.0)
    assert row(counties, "430821").counts.signed == 1
    assert row(counties, "430800", own=True).counts.unsigned == 1
    unit = next(u for u in b.units if u.unit_id == world.cili_bureau.pk)
    assert unit.signed_at is not None and unit.signed_by == "慈利县民政局"


def test_a_forward_adds_the_counties_units_to_the_same_board(world, notice):
    grant_role(None, world.cili, world.cili_bureau, Role.LEADER)
    issue(world, world.cili, world.cili_bureau, world.cili_bureau.region, forwarded_from=notice,
          kinds=(Kind.ELDERLY_CARE, Kind.SOCIAL_WORK))
    b = q.board(notice, world.hunan, Region.objects.get(code="430821"))
    assert b.total.delivered == 3  # the county bureau and its two institutions
    assert {u.unit_name for u in b.units} == {"慈利县民政局", "慈利县零阳镇敬老院", "慈利县乐善社会工作服务中心"}
    assert q.board(notice, world.hunan).total.delivered == 6


def test_overdue_counts_units_unsigned_past_the_deadline(world, notice):
    later = notice.sign_deadline + dt.timedelta(minutes=1)
    sign(world, world.nanxian_bureau, world.nanxian)
    b = q.board(notice, world.hunan, now=later)
    assert (b.total.overdue_sign, b.total.overdue) == (3, 3)
    assert row(b.levels[0], "430900").counts.overdue == 1  # 益阳市民政局 itself; 南县 signed
    assert row(b.levels[1], "430921").counts.overdue == 0


def test_a_replaced_version_is_not_counted_twice(world, notice):
    sign(world, world.cili_bureau, world.cili)
    new = services.revise(world.hunan, notice, substantive=True, body="请立即组织排查，并于明日报告。")
    services.submit(world.hunan, new)
    services.approve(world.hunan, new)
    b = q.board(notice, world.hunan)
    assert b.total.delivered == 4 and b.total.signed == 0  # everyone must sign version 2
    assert q.board(new, world.hunan).total == b.total


def test_the_county_sees_only_its_own_part(world, notice, client_for):
    b = q.board(notice, world.cili, Region.objects.get(code="430821"))
    assert b.total.delivered == 1
    page = client_for(world.cili).get(reverse("command:directive-board", args=[notice.pk]))
    assert page.status_code == 200
    assert "慈利县民政局" in page.content.decode() and "南县民政局" not in page.content.decode()


def test_the_board_page_drills_down_into_each_city(world, notice, client_for):
    url = reverse("command:directive-board", args=[notice.pk])
    html = client_for(world.hunan).get(url).content.decode()
    assert f"{url}?region=430800" in html and "张家界市本级" in html and "board-data" in html
    html = client_for(world.hunan).get(url, {"region": "430800"}).content.decode()
    assert "慈利县" in html and "益阳市" not in html


def test_the_board_shows_what_a_revision_changed(world, notice, client_for):
    new = services.revise(world.hunan, notice, substantive=True, body="请立即组织排查，并于明日报告。")
    services.submit(world.hunan, new)
    services.approve(world.hunan, new)
    html = client_for(world.hunan).get(reverse("command:directive-board", args=[notice.pk])).content.decode()
    assert "并于明日报告" in html and 'data-version="2"' in html


def test_a_stranger_gets_404(world, notice, client_for, api_for):
    # 南县福利院 received nothing (the notice went to bureaus): its reporter may not look.
    assert client_for(world.home_reporter).get(
        reverse("command:directive-board", args=[notice.pk])).status_code == 404
    assert api_for(world.home_reporter).get(f"/api/directives/{notice.pk}/board/").status_code == 404
    assert client_for(world.hunan).get(reverse("command:directive-board", args=[999999])).status_code == 404


def test_the_api_gives_the_levels_and_units(world, notice, api_for):
    sign(world, world.cili_bureau, world.cili)
    r = api_for(world.hunan).get(f"/api/directives/{notice.pk}/board/", {"region": "4308"})
    assert r.status_code == 200, r.content
    data = r.json()
    assert data["region"] == "430800" and data["total"]["delivered"] == 2 and data["total"]["signed"] == 1
    county = data["levels"][0]["rows"]
    assert {(x["region"], x["own"]) for x in county} == {("430800", True), ("430821", False)}
    assert {u["unit_name"] for u in data["units"]} == {"张家界市民政局", "慈利县民政局"}


@pytest.mark.parametrize("region, status", [("43x", 400), ("439999", 400), ("4309", 404)])
def test_a_bad_or_foreign_region_is_refused_in_words(world, notice, api_for, client_for, region, status):
    r = api_for(world.cili).get(f"/api/directives/{notice.pk}/board/", {"region": region})
    assert r.status_code == status
    page = client_for(world.cili).get(reverse("command:directive-board", args=[notice.pk]), {"region": region})
    assert page.status_code == status


def test_the_schema_lists_the_board(world, client_for):
    text = client_for(world.hunan).get("/api/schema/").content.decode()
    assert "/api/directives/{directive_pk}/board/" in text and "directive_board" in text


def test_the_board_in_english_has_no_chinese_but_data(world, notice, client_for):
    from tests.core.test_i18n import CJK, assert_english

    sign(world, world.cili_bureau, world.cili)
    client = client_for(world.hunan)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("command:directive-board", args=[notice.pk]), {"region": "4308"}).content.decode()
    for word in CJK.findall(notice.title + notice.doc_number + notice.get_urgency_display()):
        html = html.replace(word, "")
    assert_english(html, ["Delivered", "Signed", "Sign-off rate", "By county", "By unit", "(own level)"])
