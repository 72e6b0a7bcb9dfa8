"""Schemathesis over the write operations of /api/schema/, seeded so that creates and transitions succeed.

`test_every_writable_resource_is_reached` sends the seed of every POST, PUT, PATCH and DELETE
operation (`tests/fuzz/seeds`) and requires a 2xx that matches the schema: a write the fuzz run cannot
reach is a failure, as is an operation with no seed. `test_writes_never_fail` then fuzzes each
operation around its seed, on the seed's real path ids: the seed itself first, then bodies generated
from the schema (valid and invalid) and the seed with one field changed or left out, as the seed's
user and two users of other scopes. The pass mark is the read run's: no 5xx, documented status and
content type, bodies that match the schema.

Each operation runs in a savepoint rolled back after it, with the caches cleared, so the operations
do not interfere: a logout revokes its token only for its own operation, a lockout or a rate limit
does not leak into the next.
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode

from tests.fuzz.conftest import auth_header, connection_kept
from tests.fuzz.seeds import SEEDS, Seed

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
SCOPES = ["nanxian-home-01", "nanxian", "hunan"]  # a home, a county, the province: two join the seed's user

# Any JSON value, for the one-field mutations of a seed.
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


# While writing seeds: TONGXIN_FUZZ_ONLY="/api/donations/" runs only the operations whose label matches
# (a regular expression), and does not require a seed for the others.
ONLY = os.environ.get("TONGXIN_FUZZ_ONLY", "")


def write_operations(schema) -> list:
    operations = [result.ok() for result in schema.get_all_operations()]
    return [op for op in operations if op.method.upper() in WRITES and re.search(ONLY, op.label)]


@contextmanager
def isolated():
    """One operation's world: a savepoint rolled back afterwards, and empty caches (rate limits)."""
    cache.clear()
    try:
        with transaction.atomic():
            yield
            transaction.set_rollback(True)
    finally:
        cache.clear()


def case_of(operation, s: Seed, body=None):
    kwargs = {"path_parameters": s.path, "query": s.query}
    body = s.body if body is None else body
    if body is not None:
        kwargs["body"] = body
        kwargs["media_type"] = s.media_type or "application/json"
    return operation.Case(**kwargs)


def mutations(body) -> st.SearchStrategy:
    """The seed's body with one field set to any JSON value, or left out."""
    if not isinstance(body, dict) or not body:
        return st.just(body)
    keys = sorted(body)
    changed = st.tuples(st.sampled_from(keys), JSON).map(lambda kv: {**body, kv[0]: kv[1]})
    dropped = st.sampled_from(keys).map(lambda k: {x: v for x, v in body.items() if x != k})
    return changed | dropped


def headers_of(client: Client, usernames) -> dict[str, dict[str, str]]:
    return {u: auth_header(client, u) for u in usernames}


@pytest.mark.django_db
def test_every_writable_resource_is_reached(api_schema, fuzz_world):
    operations = write_operations(api_schema)
    labels = {op.label for op in operations}
    if ONLY:
        labels &= SEEDS.keys()
        operations = [op for op in operations if op.label in labels]
    assert not labels - SEEDS.keys(), "write operations with no seed:\n" + "\n".join(sorted(labels - SEEDS.keys()))
    assert ONLY or not SEEDS.keys() - labels, "seeds for no operation:\n" + "\n".join(sorted(SEEDS.keys() - labels))
    failures = []
    for operation in operations:
        with isolated():
            s = SEEDS[operation.label](fuzz_world)
            headers = auth_header(Client(), s.user, s.password)
            try:
                with connection_kept():
                    response = case_of(operation, s).call_and_validate(headers=headers, checks=CHECKS)
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{operation.label}: {' '.join(str(exc).split())[:600]}")
                continue
            if not 200 <= response.status_code < 300:
                failures.append(f"{operation.label}: {response.status_code} {response.content[:300]!r}")
    assert not failures, f"{len(failures)} seeded writes do not succeed:\n" + "\n".join(failures)


@pytest.mark.django_db
def test_writes_never_fail(api_schema, fuzz_world):
    failures = []
    statuses: dict[str, Counter] = defaultdict(Counter)  # what each operation answered, shown with -s
    for operation in write_operations(api_schema):
        if operation.label not in SEEDS and ONLY:
            continue
        with isolated():
            s = SEEDS[operation.label](fuzz_world)
            users = [s.user] + [u for u in SCOPES if u != s.user][:2]
            headers = [auth_header(Client(), u, s.password) if u == s.user else auth_header(Client(), u) for u in users]
            generated = st.one_of(
                operation.as_strategy(GenerationMode.POSITIVE, path_parameters=s.path or None),
                operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=s.path or None),
                mutations(s.body).map(lambda body, s=s, op=operation: case_of(op, s, body)),
            )

            @given(case=generated)
            @example(case=case_of(operation, s))  # first the seed, so the rest meet what it made (a repeat)
            @settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck),
                      database=None, derandomize=True, print_blob=False)
            def run(case):  # run at once, below: the loop's `headers` is this operation's
                for h in headers:  # noqa: B023
                    statuses[case.operation.label][case.call_and_validate(headers=h, checks=CHECKS).status_code] += 1

            try:
                with connection_kept():
                    run()
            except (Exception, BaseExceptionGroup) as exc:  # schemathesis raises a FailureGroup
                failures.append(f"{operation.label}: {' '.join(str(exc).split())[:600]}")
    for label, counts in sorted(statuses.items()):
        print(label, dict(sorted(counts.items())))
    assert not failures, f"{len(failures)} write operations fail:\n" + "\n".join(failures)
