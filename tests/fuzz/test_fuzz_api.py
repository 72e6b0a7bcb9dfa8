"""Schemathesis over /api/schema/: no 5xx and no response that breaks the schema, as several scopes.

Work in progress (issue #12): every GET operation is fuzzed as four users; seeded write paths are not yet done.
"""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings

from tests.fuzz.conftest import auth_header

USERS = ["nanxian", "hunan", "nanxian-home-01", "secadmin"]


@pytest.mark.xfail(reason="WIP #12: error responses (403 ...) not yet documented in the schema", strict=False)
@pytest.mark.django_db
def test_reads_never_fail(api_schema, fuzz_world):
    headers = [auth_header(Client(), u) for u in USERS]
    failures = []
    for result in api_schema.include(method="GET").get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=2, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case):
            for h in headers:
                case.call_and_validate(headers=h)

        try:
            run()
        except Exception as exc:  # collect every operation's failure, report them together
            failures.append(f"{operation.label}: {str(exc)[:400]}")
    assert not failures, "\n".join(failures)
