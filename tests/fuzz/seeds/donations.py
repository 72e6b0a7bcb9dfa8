"""Seeds for donations: appeals, donations, allocations, handovers, adjustments, discrepancies."""

from __future__ import annotations

from tests.fuzz.seeds import Seed, seed  # noqa: F401
