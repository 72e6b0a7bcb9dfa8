"""Scope-matrix rows of the posts part: posts, shifts and assignments of 南县福利院 (the hub's
m_post, m_shift — already over — and m_assignment, checked in), plus a shift next year with an
assignment not checked in (p_shift, p_assignment) so that cancel and move can succeed. Reading is
for 南县, the province and the home; writing (FILE of the home) for the same three; 慈利 and the
administrators get 404."""

from __future__ import annotations

from tests.scope.matrix import OFFICERS, OWN_HOME, SIGNED_IN, row

POST_NAME = "南县福利院门口卡点"
CREATORS = OFFICERS | {"home_reporter"}  # each for a unit of their own


def objects(world, objs) -> dict:
    from tests.mobilization import factories

    shift = factories.shift(objs["m_post"], "2030-08-02", 8, 4, needed=2)
    later = factories.shift(objs["m_post"], "2030-08-03", 8, 4, needed=2)
    person = factories.person(world.nanxian_home, "南县志愿者乙", mobile="13807376666")
    return {"p_shift": shift, "p_later": later, "p_person": person,
            "p_assignment": factories.assignment(shift, person)}


def _assign(o):
    return {"shift": o["m_shift"].pk, "person": o["m_person"].pk}


def _move(o):
    return {"shift": o["p_later"].pk, "reason": "调整"}


ROWS = [
    # pages
    row("mobilization:posts", ok=SIGNED_IN, hidden=POST_NAME, sees=OWN_HOME),
    row("mobilization:post-create", ok=CREATORS, other=403),
    row("mobilization:post-create", "post", body={}, ok=CREATORS, ok_status=400, other=403),
    row("mobilization:post-detail", args=["m_post"], ok=OWN_HOME),
    row("mobilization:post-edit", args=["m_post"], ok=OWN_HOME),
    row("mobilization:post-edit", "post", args=["m_post"], body={}, ok=OWN_HOME, ok_status=400),
    row("mobilization:shift-create", "post", args=["m_post"], body={}, ok=OWN_HOME, ok_status=400),
    row("mobilization:shift-detail", args=["m_shift"], ok=OWN_HOME),
    row("mobilization:shift-detail", args=["p_shift"], ok=OWN_HOME),
    row("mobilization:shift-assign", "post", args=["m_shift"], body=lambda o: {"person": o["m_person"].pk},
        ok=OWN_HOME, ok_status=400),  # the shift is over
    row("mobilization:shift-walk-up", "post", args=["p_shift"], body={}, ok=OWN_HOME, ok_status=400),
    row("mobilization:shift-cancel", "post", args=["p_shift"], body={"reason": "暴雨"}, ok=OWN_HOME),
    row("mobilization:assignment-cancel", "post", args=["p_assignment"], body={"reason": "生病"}, ok=OWN_HOME),
    row("mobilization:assignment-move", "post", args=["p_assignment"], body=_move, ok=OWN_HOME),
    # the API
    row("mobilization-post-list", ok=SIGNED_IN, hidden=POST_NAME, sees=OWN_HOME),
    row("mobilization-post-list", "post", body={}, ok=CREATORS, ok_status=400, other=403),
    row("mobilization-post-detail", args=["m_post"], ok=OWN_HOME),
    row("mobilization-post-detail", "patch", args=["m_post"], body={"notes": "夜间加岗"}, ok=OWN_HOME),
    row("mobilization-shift-list", ok=SIGNED_IN, hidden=POST_NAME, sees=OWN_HOME),
    row("mobilization-shift-list", "post", body=lambda o: {"post": o["m_post"].pk}, ok=OWN_HOME, ok_status=400),
    row("mobilization-shift-detail", args=["m_shift"], ok=OWN_HOME),
    row("mobilization-shift-cancel", "post", args=["p_shift"], body={"reason": "暴雨"}, ok=OWN_HOME),
    row("mobilization-shift-walk-up", "post", args=["p_shift"], body={"name": "路人", "mobile": "13807377777"},
        ok=OWN_HOME, ok_status=201),
    row("mobilization-assignment-list", ok=SIGNED_IN, hidden="13807375555", sees={"nanxian", "home_reporter"}),
    row("mobilization-assignment-list", "post", body=_assign, ok=OWN_HOME, ok_status=400),  # the shift is over
    row("mobilization-assignment-detail", args=["m_assignment"], ok=OWN_HOME),
    row("mobilization-assignment-cancel", "post", args=["p_assignment"], body={"reason": "生病"}, ok=OWN_HOME),
    row("mobilization-assignment-move", "post", args=["p_assignment"], body=_move, ok=OWN_HOME, ok_status=201),
]
