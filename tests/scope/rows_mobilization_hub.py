"""Scope-matrix row of 志愿服务, the hub: it sends every signed-in user on to their board or the overview."""

from __future__ import annotations

from tests.scope.matrix import SIGNED_IN, row

ROWS = [row("mobilization:index", ok=SIGNED_IN, ok_status=302)]
