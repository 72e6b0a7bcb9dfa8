"""The response pages, the API and the overview's level panel, as the story's people use them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from tongxin.command.models import Level, Response, ResponseEvent, ResponseKind
from tongxin.command.services import responses as services
from tongxin.regions.models import Region

BEIJING = ZoneInfo("Asia/Shanghai")


def started(days: int = 1) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def county_response(world, level=Level.III, **kw):
    return services.declare(world.nanxian, bureau=world.nanxian_bureau, region=Region.objects.get(code="430921"),
                            kind=ResponseKind.FLOOD, level=level, starts_at=started(), title="南县防汛应急响应", **kw)


def province_response(world, level=Level.II, **kw):
    return services.declare(world.hunan, bureau=world.province, region=Region.objects.get(code="430000"),
                            kind=ResponseKind.EPIDEMIC, level=level, starts_at=started(2), title="全省疫情防控应急响应",
                            **kw)


# --- pages ---------------------------------------------------------------------------------------

def test_the_list_shows_responses_in_force_first_with_coloured_levels(world, client_for):
    ended = services.declare(world.nanxian, bureau=world.nanxian_bureau, region=Region.objects.get(code="430921"),
                             kind=ResponseKind.WEATHER, level=Level.I, starts_at=started(30), ends_at=started(20),
                             title="南县低温雨雪应急响应")
    province_response(world)
    page = client_for(world.nanxian).get(reverse("command:responses"))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.index("全省疫情防控应急响应") < html.index(ended.title)
    assert 'tx-level-2' in html and 'data-state="ended"' in html
    assert 'data-region="430921"' in html  # 南县's current level


def test_nanxian_declares_on_a_phone_form_and_lands_on_its_page(world, client_for):
    page = client_for(world.nanxian).post(reverse("command:response-declare"), {
        "bureau": world.nanxian_bureau.pk, "region": "430921", "kind": "flood", "level": "3",
        "starts_at": "2021-07-26T18:00", "title": "南县防汛Ⅲ级"})
    response = Response.objects.get()
    assert page.status_code == 302 and page.url == reverse("command:response-detail", args=[response.pk])
    assert response.starts_at == dt.datetime(2021, 7, 26, 18, tzinfo=BEIJING)


def test_declaring_for_another_county_on_the_form_says_why_and_saves_nothing(world, client_for):
    page = client_for(world.nanxian).post(reverse("command:response-declare"), {
        "bureau": world.nanxian_bureau.pk, "region": "430821", "kind": "flood", "level": "3",
        "starts_at": "2021-07-26T18:00"})
    assert page.status_code == 400
    assert "只能为本辖区（南县）及其下级区划启动应急响应" in page.content.decode()
    assert not Response.objects.exists()


@pytest.mark.parametrize("change, words", [
    ({"level": "5"}, "level"),
    ({"starts_at": "2021-07-26T18:00", "ends_at": "2021-07-20T18:00"}, "结束时间应晚于启动时间"),
    ({"region": "12345"}, "格式不正确"), ({"starts_at": "昨天"}, "starts_at"), ({"title": "长" * 101}, "title")])
def test_bad_input_on_the_declare_form_is_a_400_with_words(world, client_for, change, words):
    body = {"bureau": world.nanxian_bureau.pk, "region": "430921", "kind": "flood", "level": "3",
            "starts_at": "2021-07-26T18:00", **change}
    page = client_for(world.nanxian).post(reverse("command:response-declare"), body)
    assert page.status_code == 400
    assert words in page.content.decode()
    assert not Response.objects.exists()


def test_the_declare_page_is_closed_to_a_home_reporter(world, client_for):
    assert client_for(world.home_reporter).get(reverse("command:response-declare")).status_code == 403


def test_the_detail_shows_the_history_and_the_province_raises_from_above(world, client_for):
    response = county_response(world)
    hunan = client_for(world.hunan)
    page = hunan.get(reverse("command:response-detail", args=[response.pk]))
    assert page.status_code == 200 and "上级民政部门" in page.content.decode()
    assert 'id="end-form"' not in page.content.decode()
    moved = hunan.post(reverse("command:response-level", args=[response.pk]), {"level": "1", "note": "省厅提级"})
    assert moved.status_code == 302
    html = hunan.get(moved.url).content.decode()
    assert "提升级别" in html and "湖南省民政厅" in html and "省厅提级" in html


def test_lowering_from_above_is_a_403(world, client_for):
    response = county_response(world)
    page = client_for(world.hunan).post(reverse("command:response-level", args=[response.pk]), {"level": "4"})
    assert page.status_code == 403
    assert response.events.count() == 1


def test_ending_twice_on_the_page_says_so(world, client_for):
    response = county_response(world)
    nanxian = client_for(world.nanxian)
    assert nanxian.post(reverse("command:response-end", args=[response.pk]), {"note": "汛情解除"}).status_code == 302
    again = nanxian.post(reverse("command:response-end", args=[response.pk]))
    assert again.status_code == 400 and "结束" in again.content.decode()
    assert response.events.filter(action=ResponseEvent.Action.END).count() == 1


def test_changing_an_ended_response_on_the_page_says_so(world, client_for):
    response = county_response(world)
    services.end(world.nanxian, response)
    page = client_for(world.nanxian).post(reverse("command:response-level", args=[response.pk]), {"level": "1"})
    assert page.status_code == 400 and "已结束" in page.content.decode()


def test_a_stranger_county_gets_404_for_nanxians_response(world, client_for):
    response = county_response(world)
    cili = client_for(world.cili)
    assert cili.get(reverse("command:response-detail", args=[response.pk])).status_code == 404
    assert cili.post(reverse("command:response-level", args=[response.pk]), {"level": "1"}).status_code == 404


# --- the overview's panel ------------------------------------------------------------------------------

def test_the_overview_shows_the_response_in_force_over_the_region(world, client_for):
    province_response(world)
    html = client_for(world.nanxian).get(reverse("reports:overview")).content.decode()
    assert 'id="response-panel"' in html and "全省疫情防控应急响应" in html and "tx-level-2" in html
    assert "湖南省民政厅" in html


def test_the_overview_shows_no_panel_without_a_response(world, client_for):
    assert 'id="response-panel"' not in client_for(world.nanxian).get(reverse("reports:overview")).content.decode()


def test_the_overview_table_gives_each_child_regions_level(world, client_for):
    from tongxin.reports import services as reports

    (version,) = reports.load_builtin_forms()
    today = timezone.localdate()
    assignment = reports.create_assignment(
        world.hunan, form=version.form, issuer=world.province, region=Region.objects.get(code="430000"),
        name="全省日报", deadline=dt.time(10), start_date=today, end_date=today, unit_kinds=["elderly_care"])
    county_response(world, level=Level.I)
    page = client_for(world.hunan).get(reverse("reports:overview"),
                                       {"assignment": assignment.pk, "region": "430900", "day": today.isoformat()})
    html = page.content.decode()
    assert page.status_code == 200 and "响应级别" in html
    row = html[html.index(">南县<"):]
    row = row[:row.index("</tr>")]
    assert 'data-level="1"' in row


# --- the API -----------------------------------------------------------------------------------------

def test_the_api_declares_raises_and_ends(world, api_for):
    api = api_for(world.nanxian)
    made = api.post("/api/responses/", {"region": "430921", "kind": "flood", "level": 3,
                                        "starts_at": "2021-07-26T18:00:00+08:00"}, format="json")
    assert made.status_code == 201, made.json()
    pk = made.json()["id"]
    assert made.json()["declared_by"] == world.nanxian_bureau.pk and made.json()["events"][0]["action"] == "declare"
    raised = api_for(world.hunan).post(f"/api/responses/{pk}/level/", {"level": 2}, format="json")
    assert raised.status_code == 200 and raised.json()["level"] == 2
    assert raised.json()["events"][-1]["unit_name"] == "湖南省民政厅"
    ended = api.post(f"/api/responses/{pk}/end/", {"note": "解除"}, format="json")
    assert ended.status_code == 200 and ended.json()["state"] == "ended"
    again = api.post(f"/api/responses/{pk}/end/", {}, format="json")
    assert again.status_code == 400 and "ends_at" in again.json()


def test_the_api_refuses_a_region_outside_ones_own_with_words(world, api_for):
    got = api_for(world.nanxian).post("/api/responses/", {"region": "430821", "kind": "flood", "level": 3,
                                                          "starts_at": "2021-07-26T18:00:00+08:00"}, format="json")
    assert got.status_code == 400 and "本辖区" in got.json()["region"][0]
    assert not Response.objects.exists()


@pytest.mark.parametrize("change, field", [({"level": 5}, "level"), ({"ends_at": "2021-07-01T00:00:00+08:00"},
                                                                       "ends_at"), ({"kind": "x"}, "kind")])
def test_the_api_refuses_bad_input_naming_the_field(world, api_for, change, field):
    body = {"region": "430921", "kind": "flood", "level": 3, "starts_at": "2021-07-26T18:00:00+08:00", **change}
    got = api_for(world.nanxian).post("/api/responses/", body, format="json")
    assert got.status_code == 400 and field in got.json()
    assert not Response.objects.exists()


def test_the_api_list_is_scoped(world, api_for):
    county_response(world)
    province_response(world)
    titles = {r["title"] for r in api_for(world.cili).get("/api/responses/").json()["results"]}
    assert titles == {"全省疫情防控应急响应"}
    assert {r["title"] for r in api_for(world.home_reporter).get("/api/responses/").json()["results"]} == {
        "全省疫情防控应急响应", "南县防汛应急响应"}
    assert api_for(world.auditor).get("/api/responses/").json()["results"] == []


def test_the_schema_names_the_response_actions(world, api_for):
    schema = api_for(world.nanxian).get("/api/schema/", {"format": "json"}).json()
    assert {"/api/responses/", "/api/responses/{id}/level/", "/api/responses/{id}/end/"} <= set(schema["paths"])


@pytest.mark.parametrize("page", ["command:responses", "command:response-declare", "command:response-detail"])
def test_the_response_pages_read_in_english(world, client_for, page):
    from tests.core.test_i18n import assert_english

    response = services.declare(world.nanxian, bureau=world.nanxian_bureau, region=Region.objects.get(code="430921"),
                                kind=ResponseKind.FLOOD, level=Level.III, starts_at=started())
    services.change_level(world.hunan, response, level=Level.II)
    client = client_for(world.nanxian)
    client.cookies["django_language"] = "en"
    args = [response.pk] if page == "command:response-detail" else []
    got = client.get(reverse(page, args=args))
    assert got.status_code == 200
    assert_english(got.content.decode(), [])


def test_the_overview_of_a_past_day_shows_the_response_of_that_day(world, client_for):
    from tongxin.reports import services as reports

    (version,) = reports.load_builtin_forms()
    day = dt.date(2021, 8, 2)
    assignment = reports.create_assignment(
        world.hunan, form=version.form, issuer=world.province, region=Region.objects.get(code="430000"),
        name="全省日报", deadline=dt.time(10), start_date=day, end_date=day, unit_kinds=["elderly_care"])
    response = services.declare(world.hunan, bureau=world.province, region=Region.objects.get(code="430000"),
                                kind=ResponseKind.EPIDEMIC, level=Level.II, title="全省疫情防控应急响应",
                                starts_at=dt.datetime(2021, 7, 26, 18, tzinfo=BEIJING))
    services.change_level(world.hunan, response, level=Level.III, at=dt.datetime(2021, 8, 20, tzinfo=BEIJING))
    services.end(world.hunan, response, at=dt.datetime(2021, 9, 10, tzinfo=BEIJING))
    html = client_for(world.hunan).get(reverse("reports:overview"),
                                       {"assignment": assignment.pk, "day": day.isoformat()}).content.decode()
    panel = html[html.index('id="response-panel"'):]
    assert 'data-level="2"' in panel[:200] and "全省疫情防控应急响应" in panel


@pytest.mark.parametrize("name", ["nul", "surrogate", "huge"])
def test_no_nasty_value_on_a_response_route_reaches_a_500_or_saves_anything(world, name):
    """The scope-matrix fuzz (tests/scope/test_bad_input.py), on this part's routes only, counting responses."""
    from django.db import transaction

    from tests.scope import (
        matrix,  # noqa: F401  # first: it loads the rows_* modules itself
        rows_command_responses,
    )
    from tests.scope.test_bad_input import NASTY, persona_for, send
    from tests.scope.test_matrix import client_of

    objects = rows_command_responses.objects(world, {})
    problems = []
    for r in rows_command_responses.ROWS:
        persona = persona_for(r)
        with transaction.atomic():
            before = (Response.objects.count(), ResponseEvent.objects.count(),
                      list(Response.objects.values_list("level", "ends_at")))
            client = client_of(world, persona, r.api)
            client.raise_request_exception = False
            got = send(client, r, objects, name, NASTY[name]).status_code
            after = (Response.objects.count(), ResponseEvent.objects.count(),
                     list(Response.objects.values_list("level", "ends_at")))
            if got >= 500 or (name == "nul" and got != 400) or (got >= 400 and after != before):
                problems.append(f"{r} as {persona}: {got}")
            transaction.set_rollback(True)
    assert not problems, "\n".join(problems)
