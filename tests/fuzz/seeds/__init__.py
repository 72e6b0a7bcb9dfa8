"""Seeds for the write fuzz run: one valid request for every write operation of /api/schema/.

A seed says who sends it and what: `Seed(user, path=…, body=…)`. Its builder gets the fuzz world and
may first create what the request acts on (a draft to submit, a filed report to correct), through the
same services the app uses. `tests/fuzz/test_fuzz_writes.py` sends every seed and requires a 2xx that
matches the schema (so each create and transition really succeeds), then fuzzes around it: generated
bodies and one-field mutations of the seed, on the seed's real path ids, as three scopes.

Builders run inside a savepoint that is rolled back after their operation, so each starts from the
same world and may change anything. Register one with `@seed("POST /api/units/")` (schemathesis's
label: method and path template); one module per area of the API.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fuzz.conftest import PASSWORD


@dataclass
class Seed:
    user: str  # the username that sends it (signed in through tests.fuzz.conftest.auth_header)
    path: dict[str, Any] = field(default_factory=dict)
    body: Any = None  # a JSON body (a dict), or for multipart the form fields with files as bytes
    query: dict[str, Any] | None = None
    media_type: str | None = None  # None: application/json when there is a body
    password: str = PASSWORD


Builder = Callable[[Any], Seed]
SEEDS: dict[str, Builder] = {}


def seed(*labels: str) -> Callable[[Builder], Builder]:
    def register(builder: Builder) -> Builder:
        for label in labels:
            assert label not in SEEDS, f"two seeds for {label}"
            SEEDS[label] = builder
        return builder

    return register


from tests.fuzz.seeds import accounts, command, donations, mobilization, reporting  # noqa: E402,F401,I001  (each registers its seeds)
