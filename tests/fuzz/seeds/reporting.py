"""Seeds for reporting, inspections and the ledger: forms, assignments, reports, checklists, campaigns,
inspections, ledger entries, the public lookup."""

from __future__ import annotations

from tests.fuzz.seeds import Seed, seed  # noqa: F401
