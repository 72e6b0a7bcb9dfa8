"""Seeds for command and dispatch: responses, directives and deliveries, meetings and action items, duty."""

from __future__ import annotations

from tests.fuzz.seeds import Seed, seed  # noqa: F401
