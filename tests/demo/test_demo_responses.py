"""The demo's responses: the story's 疫情防控 Ⅱ级 of 2021 (lowered, ended) and the live drill's
fire-safety Ⅳ级, in force on the build day so that check-in and read tracking are on."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.demo.conftest import BUILD_MOMENT
from tongxin.command.models import Response
from tongxin.command.queries import responses as queries
from tongxin.demo import command_responses
from tongxin.units.models import Unit

pytestmark = pytest.mark.django_db
BEIJING = ZoneInfo("Asia/Shanghai")


def test_the_story_has_hunans_level_two_epidemic_response_lowered_then_ended(demo_builds):
    response = Response.objects.get(title=command_responses.EPIDEMIC_TITLE)
    assert (response.declared_by.name, response.region_id, response.created_by.username) == (
        "湖南省民政厅", "430000", "hunan")
    assert response.starts_at == dt.datetime(2021, 7, 26, 18, tzinfo=BEIJING)
    assert [(e.action, e.level_after) for e in queries.history(response)] == [
        ("declare", 2), ("lower", 3), ("end", None)]
    august = dt.datetime(2021, 8, 2, 9, tzinfo=BEIJING)
    assert queries.in_force("430921", august) == response
    assert queries.level_at(response, august) == 2
    assert queries.level_at(response, dt.datetime(2021, 8, 25, tzinfo=BEIJING)) == 3
    assert queries.level_at(response, dt.datetime(2021, 9, 11, tzinfo=BEIJING)) is None
    home = Unit.objects.filter(region_id="430921", kind="elderly_care").first()
    assert queries.tracking_on(home, august)
    assert queries.in_force("430921", dt.datetime(2021, 9, 11, tzinfo=BEIJING)) is None


def test_the_live_drill_has_a_fire_safety_response_in_force_on_the_build_day(demo_builds):
    response = queries.in_force("430921", BUILD_MOMENT)
    assert response is not None and response.title == command_responses.LIVE_TITLE and response.level == 4
    assert response.kind == "fire_safety"
    home = Unit.objects.filter(region_id="430921", kind="elderly_care").first()
    assert queries.tracking_on(home, BUILD_MOMENT)


def test_the_second_build_declares_no_response_again(demo_builds):
    assert demo_builds.second["response_steps"] == 0 and demo_builds.second["live_responses_declared"] == 0
    assert Response.objects.filter(title=command_responses.EPIDEMIC_TITLE).count() == 1
    assert Response.objects.filter(title=command_responses.LIVE_TITLE).count() == 1
