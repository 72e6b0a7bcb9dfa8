"""Seeds for accounts, sign-in, units and memberships."""

from __future__ import annotations

from tests.fuzz.seeds import Seed, seed


@seed("POST /api/units/")
def create_unit(w):
    return Seed("nanxian", body={"name": "南县华阁镇敬老院", "kind": "elderly_care", "region": "430921",
                                 "in_service_from": "2021-01-01"})
