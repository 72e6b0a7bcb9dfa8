"""Scope-matrix rows of 志愿服务's people: the roster pages, the Excel import and export, the merge,
the pool of self-registered people, the public self-registration, and the API.

The person is the hub's volunteer of 南县福利院 (`m_person`): its reporter (staff) and 南县 (the
bureau that directly supervises it) see the mobile in full, 湖南 sees it masked, 慈利 and the
administrators not at all (404). Besides it: a walk-up of the same home to merge into it, and a
self-registered person waiting in 南县's pool.
"""

from __future__ import annotations

from tests.scope.matrix import OFFICERS, OWN_HOME, SIGNED_IN, row
from tests.scope.rows_mobilization_hub import MOBILE, PERSON_NAME

POOL_NAME = "南县报名者乙"
FULL = frozenset({"nanxian", "home_reporter"})  # who sees 南县福利院's numbers in full
FILERS = OFFICERS | {"home_reporter"}  # who has a unit to register people for


def objects(world, objs) -> dict:
    from tongxin.mobilization.services import people

    walk = people.walk_up(None, world.nanxian_home, name="南县现场登记丙", mobile="13807376666")
    pool = people.self_register(region_code="430921", kind="volunteer", name=POOL_NAME, mobile="13807377777")
    return {"m_walk_up": walk, "m_pool_person": pool}


EDIT = {"kind": "volunteer", "name": PERSON_NAME, "mobile": "", "id_number": "", "availability": "周末"}
JOIN = {"region_code": "430921", "kind": "volunteer", "name": "南县报名者丁", "mobile": "13907378888"}


def new_person(o):
    return {"unit": o["home"].pk, "kind": "volunteer", "name": "南县新志愿者", "mobile": "13907377777"}


def into(o):
    return {"into": o["m_person"].pk}


ROWS = [
    row("mobilization:person-list", ok=SIGNED_IN, hidden=PERSON_NAME, sees=OWN_HOME),
    row("mobilization:person-export", ok=SIGNED_IN),
    row("mobilization:person-create", ok=FILERS, other=403),
    row("mobilization:person-create", "post", body={}, ok=FILERS, ok_status=400, other=403),
    row("mobilization:person-pool", ok=FILERS, other=403, hidden=POOL_NAME, sees=OWN_HOME),
    row("mobilization:person-take-on", "post", args=["m_pool_person"], body=lambda o: {"unit": o["home"].pk},
        ok=OWN_HOME),
    row("mobilization:person-import", ok=FILERS, other=403),
    row("mobilization:person-import", "post", body={}, ok=FILERS, ok_status=400, other=403),
    row("mobilization:person-import-template", ok=SIGNED_IN),
    row("mobilization:person-detail", args=["m_person"], ok=OWN_HOME, hidden=MOBILE, sees=FULL),
    row("mobilization:person-edit", args=["m_person"], ok=OWN_HOME, hidden=MOBILE, sees=FULL),
    row("mobilization:person-edit", "post", args=["m_person"], body=EDIT, ok=OWN_HOME),
    row("mobilization:person-merge", args=["m_walk_up"], ok=OWN_HOME),
    row("mobilization:person-merge", "post", args=["m_walk_up"], body=into, ok=OWN_HOME),
    # the public self-registration: everyone may register, nobody sees anyone else's data there
    row("mobilization:person-join", ok=SIGNED_IN, anonymous=200),
    row("mobilization:person-join", "post", body=JOIN, ok=SIGNED_IN, ok_status=200, anonymous=200),
    # the API
    row("mobilization-person-list", ok=SIGNED_IN, hidden=MOBILE, sees=FULL),
    row("mobilization-person-list", "post", body=new_person, ok=OWN_HOME, ok_status=201),
    row("mobilization-person-detail", args=["m_person"], ok=OWN_HOME, hidden=MOBILE, sees=FULL),
    row("mobilization-person-detail", "patch", args=["m_person"], body={"availability": "周末"}, ok=OWN_HOME),
    row("mobilization-person-detail", "put", args=["m_person"], body={"availability": "周末"}, ok=OWN_HOME),
    row("mobilization-person-merge", "post", args=["m_walk_up"], body=into, ok=OWN_HOME),
]
