"""The posts API: posts, shifts and assignments — scoped, masked, and bad input a 400 by field."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.mobilization import factories
from tongxin.mobilization.models import Assignment, AssignmentStatus
from tongxin.mobilization.services import posts


def soon(hours=2):
    return timezone.localtime().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=hours)


@pytest.fixture
def api(world, api_for):
    return api_for(world.leshan_staff)


def make_post(api, **kw):
    r = api.post("/api/mobilization/posts/", {"name": "零阳镇高速路口卡点", "kind": "checkpoint", "place": "高速出口",
                                                   "region_id": "430821", **kw}, format="json")
    assert r.status_code == 201, r.json()
    return r.json()


def make_shift(api, post_id, start=None, hours=4, needed=2):
    start = start or soon()
    r = api.post("/api/mobilization/shifts/", {"post": post_id, "starts_at": start.isoformat(),
                                                    "ends_at": (start + dt.timedelta(hours=hours)).isoformat(),
                                                    "needed": needed}, format="json")
    assert r.status_code == 201, r.json()
    return r.json()


def test_post_shift_assign_cancel_move(world, api):
    post = make_post(api, risky=False, required_skills=["temperature"])
    assert post["unit"] == world.leshan.pk and post["required_skills"] == ["temperature"]
    s1, s2 = make_shift(api, post["id"]), make_shift(api, post["id"], soon(30))
    p = factories.person(world.leshan, "甲", skills=["temperature"])
    r = api.post("/api/mobilization/assignments/", {"shift": s1["id"], "person": p.pk}, format="json")
    assert r.status_code == 201 and r.json()["person_mobile"] == p.mobile
    a = r.json()["id"]
    assert api.get(f"/api/mobilization/shifts/{s1['id']}/").json()["filled"] == 1
    r = api.post(f"/api/mobilization/assignments/{a}/move/", {"shift": s2["id"], "reason": ""}, format="json")
    assert r.status_code == 400 and "reason" in r.json()
    r = api.post(f"/api/mobilization/assignments/{a}/move/", {"shift": s2["id"], "reason": "补位"}, format="json")
    assert r.status_code == 201 and r.json()["shift"] == s2["id"]
    assert Assignment.objects.get(pk=a).status == AssignmentStatus.MOVED
    r = api.post(f"/api/mobilization/assignments/{r.json()['id']}/cancel/", {"reason": "生病"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    r = api.patch(f"/api/mobilization/posts/{post['id']}/", {"risky": True}, format="json")
    assert r.status_code == 200 and r.json()["risky"] is True
    r = api.post(f"/api/mobilization/shifts/{s1['id']}/walk-up/", {"name": "路人", "mobile": "13807372222"},
                 format="json")
    assert r.status_code == 400 and "person" in r.json()  # risky now: a walk-up has no insurance nor age
    r = api.post(f"/api/mobilization/shifts/{s1['id']}/cancel/", {"reason": "暴雨"}, format="json")
    assert r.status_code == 200 and r.json()["is_cancelled"] is True


def test_double_booking_is_a_400_naming_the_other_post(world, api):
    a, b = make_post(api), make_post(api, name="医院")
    start = soon()
    s1, s2 = make_shift(api, a["id"], start), make_shift(api, b["id"], start + dt.timedelta(hours=1))
    p = factories.person(world.leshan, "甲")
    assert api.post("/api/mobilization/assignments/", {"shift": s1["id"], "person": p.pk},
                    format="json").status_code == 201
    r = api.post("/api/mobilization/assignments/", {"shift": s2["id"], "person": p.pk}, format="json")
    assert r.status_code == 400
    assert "零阳镇高速路口卡点" in r.json()["person"][0] and "时间重叠" in r.json()["person"][0]


@pytest.mark.parametrize("body", [
    {"post": "x", "starts_at": "2030-01-01T08:00", "ends_at": "2030-01-01T09:00", "needed": 1},
    {"starts_at": "yesterday", "ends_at": "2030-01-01T09:00", "needed": 1},
    {"starts_at": "2030-01-01T08:00", "ends_at": "2030-01-01T07:00", "needed": 1},
    {"starts_at": "2030-01-01T08:00", "ends_at": "2030-01-03T09:00", "needed": 1},
    {"starts_at": "2030-01-01T08:00", "ends_at": "2030-01-01T09:00", "needed": 0},
    {"starts_at": "2030-01-01T08:00", "ends_at": "2030-01-01T09:00", "needed": "many"},
])
def test_bad_shift_input_is_400(api, body):
    post = make_post(api)
    r = api.post("/api/mobilization/shifts/", {"post": post["id"], **body}, format="json")
    assert r.status_code == 400 and r.json()


@pytest.mark.parametrize("body", [
    {"name": "", "kind": "checkpoint", "place": "x", "region_id": "430821"},
    {"name": "a", "kind": "nope", "place": "x", "region_id": "430821"},
    {"name": "a", "kind": "checkpoint", "place": "x", "region_id": "43082"},
    {"name": "a", "kind": "checkpoint", "place": "x", "region_id": "430821", "required_skills": ["fly"]},
    {"name": "a", "kind": "checkpoint", "place": "x", "region_id": "430821", "leader": 10**20},
    [1, 2],
])
def test_bad_post_input_is_400_or_404(api, body):
    r = api.post("/api/mobilization/posts/", body, format="json")
    assert r.status_code in (400, 404)


def test_bad_filters_are_400(api):
    assert api.get("/api/mobilization/shifts/?day=2021-13-01").status_code == 400
    assert api.get("/api/mobilization/assignments/?shift=x").status_code == 400


def test_province_reads_masked_and_may_not_write_for_a_stranger(world, api, api_for):
    post = make_post(api)
    shift = make_shift(api, post["id"])
    p = factories.person(world.leshan, "甲", mobile="13807373333")
    posts.assign(world.leshan_staff, posts.Shift.objects.get(pk=shift["id"]), p)
    rows = api_for(world.hunan).get(f"/api/mobilization/assignments/?shift={shift['id']}").json()["results"]
    assert rows[0]["person_mobile"] == "138****3333"
    stranger = api_for(world.nanxian)
    assert stranger.get(f"/api/mobilization/posts/{post['id']}/").status_code == 404
    r = stranger.post("/api/mobilization/assignments/", {"shift": shift["id"], "person": p.pk}, format="json")
    assert r.status_code == 404


def test_schema_lists_the_posts_api(api):
    r = api.get("/api/schema/?format=json", HTTP_ACCEPT="application/json")
    assert r.status_code == 200
    text = r.content.decode()
    assert "/api/mobilization/assignments/{id}/move/" in text
