"""Scope-matrix rows of the bureaus' 志愿服务 overview (page and API) over 南县 on the hub objects'
day: 南县 and the province see it, 南县福利院's reporter too (its own unit's rows, through
own_units); 慈利县 and the three administrators get 404 for 南县 (their scope does not reach it),
and nobody signed out. The roll-up of the hub's shift is refreshed so the page has 南县福利院's row;
the volunteer's name never appears on it."""

from __future__ import annotations

from tests.scope.matrix import DAY, OWN_HOME, row
from tests.scope.rows_mobilization_hub import MOBILE, PERSON_NAME


def objects(world, objs) -> dict:
    from tongxin.mobilization.services import rollup

    shift = objs["m_shift"]
    rollup.refresh(shift.post.unit_id, shift.day)
    return {}


def _query(o) -> dict:
    return {"region": "430921", "day": DAY}


ROWS = [
    row("mobilization:overview", query=_query, ok=OWN_HOME, hidden="南县福利院", sees=OWN_HOME),
    row("mobilization:overview", query=_query, ok=OWN_HOME, hidden=PERSON_NAME, sees=frozenset()),
    row("mobilization:overview", query=_query, ok=OWN_HOME, hidden=MOBILE, sees=frozenset()),
    row("mobilization-overview-list", query=_query, ok=OWN_HOME, hidden=PERSON_NAME, sees=frozenset()),
]
