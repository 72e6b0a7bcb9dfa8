"""Signals the unit registry sends so that domain apps can follow a unit without units importing them.

`unit_moved` is sent inside the moving service call's transaction, after the unit's new region is
saved, with `actor`, `unit`, `old_region_code`, `new_region_code` and `day` (the local date the move
takes effect). A receiver that raises rolls the whole move back. The ledger connects to it to
carry the unit's open entries to the new county (in the same audited call).
"""

from django.dispatch import Signal

unit_moved = Signal()
