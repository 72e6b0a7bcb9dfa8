"""Scope-matrix row of 指挥调度, the hub page: open to every signed-in user, showing only their own counts."""

from __future__ import annotations

from tests.scope.matrix import SIGNED_IN, row

ROWS = [row("command:index", ok=SIGNED_IN)]
