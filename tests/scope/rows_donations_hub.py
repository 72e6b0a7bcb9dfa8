"""Scope-matrix rows of 捐赠管理: the hub and the overview. Each part's rows (rows_donations_*.py)
build their own 南县 objects (`objects(world, objs)`): 南县福利院 receives gifts there and its
reporter (`home_reporter`) is the staff persona."""

from __future__ import annotations

from tests.scope.matrix import ADMINS, SIGNED_IN, row

ROWS = [
    row("donations:index", ok=SIGNED_IN, ok_status=302),
    row("donations:overview", ok=SIGNED_IN),
    row("donations-overview-list", ok=SIGNED_IN - ADMINS, other=404, api=True),  # the admins have no region
]
