"""Scope-matrix rows of 志愿服务: the hub, and the 南县 objects every mobilization row aims at.

The objects belong to 南县福利院 (its reporter is the matrix's staff persona for them): a volunteer
with a full mobile and ID number, a post with one shift, an assignment, a closed attendance and its
draft service record. Mobilization's rows in the other rows_mobilization_*.py files use these keys.
"""

from __future__ import annotations

from tests.scope.matrix import SIGNED_IN, row

PERSON_NAME = "南县志愿者甲"
MOBILE = "13807375555"
ID_NUMBER = "430921199001011230"


def objects(world, objs) -> dict:
    from tests.mobilization import factories
    from tongxin.mobilization.services.records import draft_for

    person = factories.person(world.nanxian_home, PERSON_NAME, mobile=MOBILE, id_number=ID_NUMBER)
    post = factories.post(world.nanxian_home, "南县福利院门口卡点")
    shift = factories.shift(post, "2021-08-02", 8, 4, needed=2)
    assignment = factories.assignment(shift, person)
    attendance = factories.attendance(assignment, hours="4.00")
    record = draft_for(attendance)
    return {"m_person": person, "m_post": post, "m_shift": shift, "m_assignment": assignment,
            "m_attendance": attendance, "m_record": record}


ROWS = [row("mobilization:index", ok=SIGNED_IN, ok_status=302)]
