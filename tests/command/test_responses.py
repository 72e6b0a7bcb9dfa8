"""Response levels (应急响应): declared by a bureau for its subtree, raised (also from above), lowered
and ended, every change an event with who, which unit and when; and what they switch on."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from tongxin.command.models import Level, Response, ResponseEvent, ResponseKind
from tongxin.command.queries import responses as queries
from tongxin.command.services import responses as services
from tongxin.core.models import AuditEvent
from tongxin.regions.models import Region

BEIJING = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2021, 7, 26, 18, 0, tzinfo=BEIJING)


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def county_response(world, **kw):
    values = {"bureau": world.nanxian_bureau, "region": region("430921"), "kind": ResponseKind.EPIDEMIC,
              "level": Level.III, "starts_at": START, **kw}
    return services.declare(world.nanxian, **values)


def province_response(world, **kw):
    values = {"bureau": world.province, "region": region("430000"), "kind": ResponseKind.EPIDEMIC,
              "level": Level.II, "starts_at": START, "title": "疫情防控Ⅱ级应急响应", **kw}
    return services.declare(world.hunan, **values)


# --- declaring ---------------------------------------------------------------------------------

def test_province_declares_a_level_two_epidemic_response_with_an_event_and_an_audit_record(world):
    response = province_response(world)
    assert (response.level, response.region_id, response.declared_by, response.created_by) == (
        2, "430000", world.province, world.hunan)
    (event,) = response.events.all()
    assert (event.action, event.level_after, event.unit, event.actor, event.at) == (
        "declare", 2, world.province, world.hunan, START)
    assert AuditEvent.objects.filter(object_type="command.response", object_id=str(response.pk),
                                     action="create").count() == 1


def test_county_declares_for_its_own_county(world):
    response = county_response(world)
    assert queries.in_force("430921", START + dt.timedelta(hours=1)) == response


def test_declaring_for_a_region_outside_ones_own_is_refused_and_saves_nothing(world):
    with pytest.raises(ValidationError) as exc:
        county_response(world, region=region("430821"))
    assert "本辖区（南县）" in exc.value.message_dict["region"][0]
    assert not Response.objects.exists() and not ResponseEvent.objects.exists()


def test_declaring_a_province_wide_response_as_a_county_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        county_response(world, region=region("430000"))
    assert "region" in exc.value.message_dict


@pytest.mark.parametrize("level", [0, 5, -1, "2", None, True])
def test_a_level_not_one_to_four_is_refused(world, level):
    with pytest.raises(ValidationError) as exc:
        county_response(world, level=level)
    assert "Ⅰ级至Ⅳ级" in exc.value.message_dict["level"][0]
    assert not Response.objects.exists()


def test_an_end_before_the_start_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        county_response(world, ends_at=START - dt.timedelta(days=1))
    assert exc.value.message_dict["ends_at"] == ["结束时间应晚于启动时间"]
    assert not Response.objects.exists()


def test_an_unknown_kind_and_an_overlong_title_are_refused_together(world):
    with pytest.raises(ValidationError) as exc:
        county_response(world, kind="zombies", title="长" * 101)
    assert {"kind", "title"} <= set(exc.value.message_dict)


def test_the_same_kind_twice_over_one_region_at_once_is_refused(world):
    county_response(world)
    with pytest.raises(ValidationError) as exc:
        county_response(world, starts_at=START + dt.timedelta(days=3))
    assert "已有同类应急响应" in exc.value.message_dict["kind"][0]
    assert Response.objects.count() == 1


def test_a_stranger_county_declaring_as_nanxian_gets_404(world):
    with pytest.raises(Http404):
        services.declare(world.cili, bureau=world.nanxian_bureau, region=region("430921"),
                         kind=ResponseKind.FLOOD, level=Level.IV, starts_at=START)


def test_a_home_reporter_cannot_declare(world):
    with pytest.raises((Http404, PermissionDenied)):
        services.declare(world.home_reporter, bureau=world.nanxian_bureau, region=region("430921"),
                         kind=ResponseKind.FLOOD, level=Level.IV, starts_at=START)
    with pytest.raises(ValidationError):
        services.declare(world.home_reporter, bureau=world.nanxian_home, region=region("430921"),
                         kind=ResponseKind.FLOOD, level=Level.IV, starts_at=START)


def test_the_province_officer_cannot_declare_in_a_countys_name(world):
    with pytest.raises(PermissionDenied):
        services.declare(world.hunan, bureau=world.nanxian_bureau, region=region("430921"),
                         kind=ResponseKind.FLOOD, level=Level.IV, starts_at=START)


@pytest.mark.parametrize("persona", ["sysadmin", "secadmin", "auditor"])
def test_administrators_cannot_declare(world, persona):
    with pytest.raises((Http404, PermissionDenied)):
        services.declare(getattr(world, persona), bureau=world.province, region=region("430000"),
                         kind=ResponseKind.FLOOD, level=Level.IV, starts_at=START)


# --- raising, lowering, ending -------------------------------------------------------------------

def test_the_declaring_bureau_raises_and_lowers(world):
    response = county_response(world)
    services.change_level(world.nanxian, response, level=Level.II, note="疫情扩散", at=START + dt.timedelta(days=1))
    services.change_level(world.nanxian, response, level=Level.IV, at=START + dt.timedelta(days=10))
    response.refresh_from_db()
    assert response.level == 4
    assert [(e.action, e.level_before, e.level_after, e.unit) for e in queries.history(response)] == [
        ("declare", None, 3, world.nanxian_bureau), ("raise", 3, 2, world.nanxian_bureau),
        ("lower", 2, 4, world.nanxian_bureau)]
    assert AuditEvent.objects.filter(object_type="command.response", action="update").count() == 2


def test_the_province_raises_a_countys_level_and_is_recorded_as_deciding(world):
    response = county_response(world)
    services.change_level(world.hunan, response, level=Level.I, note="省厅决定提级", at=START + dt.timedelta(days=2))
    event = queries.history(response).last()
    assert (event.action, event.unit, event.actor, event.level_after) == ("raise", world.province, world.hunan, 1)


def test_the_province_may_not_lower_a_countys_level(world):
    response = county_response(world)
    with pytest.raises(PermissionDenied):
        services.change_level(world.hunan, response, level=Level.IV)
    assert response.events.count() == 1


def test_a_county_cannot_raise_the_provinces_response(world):
    response = province_response(world)
    with pytest.raises(PermissionDenied):
        services.change_level(world.nanxian, response, level=Level.I)


def test_a_stranger_changing_a_countys_response_gets_404(world):
    response = county_response(world)
    with pytest.raises(Http404):
        services.change_level(world.cili, response, level=Level.I)
    with pytest.raises(Http404):
        services.end(world.cili, response)


def test_the_same_level_again_is_refused(world):
    response = county_response(world)
    with pytest.raises(ValidationError) as exc:
        services.change_level(world.nanxian, response, level=Level.III)
    assert "未变化" in exc.value.message_dict["level"][0]


def test_ending_records_who_and_when_and_ending_twice_is_refused(world):
    response = province_response(world)
    ended_at = dt.datetime(2021, 9, 10, 12, 0, tzinfo=BEIJING)
    services.end(world.hunan, response, at=ended_at, note="解除")
    response.refresh_from_db()
    assert response.ends_at == ended_at
    event = queries.history(response).last()
    assert (event.action, event.actor, event.unit, event.at) == ("end", world.hunan, world.province, ended_at)
    with pytest.raises(ValidationError) as exc:
        services.end(world.hunan, response)
    assert "已于 2021-09-10 12:00 结束" in exc.value.message_dict["ends_at"][0]
    assert response.events.count() == 2


def test_changing_an_ended_response_is_refused(world):
    response = province_response(world)
    services.end(world.hunan, response, at=START + dt.timedelta(days=5))
    with pytest.raises(ValidationError) as exc:
        services.change_level(world.hunan, response, level=Level.I)
    assert "已结束" in exc.value.message_dict["level"][0]


def test_ending_before_the_start_is_refused(world):
    response = province_response(world)
    with pytest.raises(ValidationError) as exc:
        services.end(world.hunan, response, at=START - dt.timedelta(hours=1))
    assert "ends_at" in exc.value.message_dict or "at" in exc.value.message_dict


def test_only_the_declaring_bureau_ends_a_response(world):
    response = county_response(world)
    with pytest.raises(PermissionDenied):
        services.end(world.hunan, response)
    with pytest.raises(PermissionDenied):
        services.end(world.home_reporter, response)


def test_a_change_dated_before_the_last_one_is_refused(world):
    response = county_response(world)
    services.change_level(world.nanxian, response, level=Level.II, at=START + dt.timedelta(days=3))
    with pytest.raises(ValidationError) as exc:
        services.change_level(world.nanxian, response, level=Level.I, at=START + dt.timedelta(days=1))
    assert "at" in exc.value.message_dict


# --- what a response switches on ---------------------------------------------------------------

def test_tracking_is_on_only_while_a_county_response_is_in_force_and_only_under_it(world):
    ends = START + dt.timedelta(days=10)
    county_response(world, ends_at=ends)
    home, outside = world.nanxian_home, world.cili_home
    assert not queries.tracking_on(home, START - dt.timedelta(minutes=1))
    assert queries.tracking_on(home, START)
    assert queries.tracking_on(home, START + dt.timedelta(days=5))
    assert not queries.tracking_on(home, ends)
    assert not queries.tracking_on(outside, START + dt.timedelta(days=5))


def test_ending_a_province_response_switches_tracking_off_everywhere(world):
    response = province_response(world)
    during = START + dt.timedelta(days=3)
    assert queries.tracking_on(world.nanxian_home, during) and queries.tracking_on(world.cili_home, during)
    ended = START + dt.timedelta(days=30)
    services.end(world.hunan, response, at=ended)
    assert queries.tracking_on(world.cili_home, during)  # history stays true: it was on then
    assert not queries.tracking_on(world.cili_home, ended + dt.timedelta(seconds=1))


def test_levels_gives_each_regions_highest_level_in_one_query(world, django_assert_num_queries):
    province_response(world, level=Level.III)
    county_response(world, level=Level.I)
    at = START + dt.timedelta(days=1)
    with django_assert_num_queries(1):
        found = queries.levels(["430921", "430821", "430900", "431000"], at)
    assert {code: r.level for code, r in found.items()} == {"430921": 1, "430821": 3, "430900": 3, "431000": 3}
    assert queries.levels(["430921"], START - dt.timedelta(days=1)) == {}


def test_the_list_shows_those_in_force_first(world):
    old = county_response(world, kind=ResponseKind.FLOOD, starts_at=START - dt.timedelta(days=60),
                          ends_at=START - dt.timedelta(days=30))
    current = province_response(world)
    at = START + dt.timedelta(days=1)
    assert list(queries.visible(world.nanxian, at)) == [current, old]
    assert list(queries.visible(world.cili, at)) == [current]  # the province's covers 慈利; 南县's does not
    assert list(queries.visible(world.home_reporter, at)) == [current, old]
    assert list(queries.visible(world.sysadmin, at)) == []


def test_levels_on_a_past_day_give_the_level_of_that_day(world):
    response = province_response(world)
    services.change_level(world.hunan, response, level=Level.III, at=START + dt.timedelta(days=20))
    assert queries.levels(["430921"], START + dt.timedelta(days=5))["430921"].level == 2
    assert queries.levels(["430921"], START + dt.timedelta(days=25))["430921"].level == 3
