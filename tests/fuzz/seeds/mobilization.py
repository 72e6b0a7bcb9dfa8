"""Seeds for mobilization: people, posts, shifts, assignments, attendance, records, certificates."""

from __future__ import annotations

from tests.fuzz.seeds import Seed, seed  # noqa: F401
