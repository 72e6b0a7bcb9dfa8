"""The generated scope matrix: every route × the eight personas, against 南县's objects.

Each row of `matrix.ROWS` is one test; inside it every persona makes the request in a savepoint that
is rolled back afterwards, so one persona's write never changes what the next one meets. A
persona gets exactly the status the row states; a refused write (4xx) changes nothing (the
`fingerprint` of every business table is the same after it); a 200 page of someone outside the
row's `sees` never shows the row's `hidden` text; and a 200 where the row says otherwise for a
stranger (the county `cili`, the three administrators, an anonymous visitor) is called out as an
out-of-scope 200.
"""

from __future__ import annotations

import os

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from tests.scope.matrix import PERSONAS, ROWS, Row
from tongxin.accounts.tokens import issue_token
from tongxin.core.views_base import ScopedMixin

# Objects of 南县 these personas must never read, whatever the route.
STRANGERS = ("cili", "anonymous", "sysadmin", "secadmin", "auditor")
# Views that reach no user data and so need no scoped base: sign-in (the password and the code step), health,
# language, API plumbing; home: anonymous → the public site, staff → units.home.HomeView.
PUBLIC_VIEWS = {"accounts:login", "accounts:login-code", "accounts:logout", "healthz", "set_language", "api-root",
                "api-schema", "api-docs", "api-token", "home"}


class _Rollback(Exception):
    pass


def fingerprint() -> dict:
    """What a refused write must leave as it was: row counts and the mutable fields that matter."""
    from tongxin.command.models import CheckIn, Delivery, Directive, DutyShift, Response, ResponseEvent
    from tongxin.command.models.meetings import ActionAssignment, Meeting
    from tongxin.core.models import Attachment, Notification
    from tongxin.inspections.models import Answer, Campaign, Finding, Inspection, Team
    from tongxin.ledger.models import LedgerEntry, Transition
    from tongxin.portal.models import Notice
    from tongxin.reports.models import Assignment, FormVersion, Report, Revision
    from tongxin.units.models import Membership, Unit

    return {
        "units": sorted(Unit.objects.values_list("pk", "name", "beds", "region_id")),
        "memberships": Membership.objects.count(),
        "reports": sorted(Report.objects.values_list("pk", "revision_count")),
        "revisions": Revision.objects.count(), "form_versions": FormVersion.objects.count(),
        "assignments": Assignment.objects.count(), "campaigns": Campaign.objects.count(),
        "teams": Team.objects.count(),
        "inspections": sorted(Inspection.objects.values_list("pk", "status")),
        "answers": Answer.objects.count(),
        "findings": sorted(Finding.objects.values_list("pk", "dropped", "merged_into_id")),
        "entries": sorted(LedgerEntry.objects.values_list("pk", "status")), "transitions": Transition.objects.count(),
        "attachments": Attachment.objects.count(),
        "unread": Notification.objects.filter(read_at__isnull=True).count(),
        "responses": sorted(Response.objects.values_list("pk", "level", "ends_at")),
        "response_events": ResponseEvent.objects.count(),
        "directives": sorted(Directive.objects.values_list("pk", "status")),
        "deliveries": sorted(Delivery.objects.values_list("pk", "signed_at", "fed_back_at", "forwarded_as_id")),
        "duty_shifts": DutyShift.objects.count(), "check_ins": CheckIn.objects.count(),
        "meetings": Meeting.objects.count(),
        "action_items": sorted(ActionAssignment.objects.values_list("pk", "status")),
        "notices": sorted(Notice.objects.values_list("pk", "title", "is_published")),
    }


def client_of(world, persona: str, api: bool):
    if persona == "anonymous":
        return APIClient() if api else Client()
    user = getattr(world, persona)
    if api:
        client = APIClient()
        _token, key = issue_token(user, name="matrix")
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client
    client = Client()
    client.force_login(user)
    return client


def request(client, r: Row, objects: dict):
    url = reverse(r.name, args=r.args(objects))
    query = r.query(objects)
    if r.method == "get":
        return client.get(url, query)
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    body = r.body(objects) if r.body else {}
    if r.api and r.fmt == "json":
        return getattr(client, r.method)(url, body, format="json")
    if r.api:
        return getattr(client, r.method)(url, body, format="multipart")
    return getattr(client, r.method)(url, body)


def run_row(r: Row, world, objects: dict) -> list[str]:
    """Every persona's request for the row; the list of what differed from the row's statement."""
    problems = []
    for persona in PERSONAS:
        try:
            with transaction.atomic():
                before = fingerprint() if r.writes else None
                response = request(client_of(world, persona, r.api), r, objects)
                got, expected = response.status_code, r.expect[persona]
                if got != expected:
                    problems.append(f"{r} as {persona}: {got}, expected {expected}")
                elif r.writes and got >= 400 and fingerprint() != before:
                    problems.append(f"{r} as {persona}: refused with {got} but changed data")
                if got == 200 and r.hidden and persona not in r.sees and not response.streaming \
                        and r.hidden in response.content.decode(errors="replace"):
                    problems.append(f"{r} as {persona}: shows {r.hidden!r} outside the scope")
                if got == 200 and expected != 200 and persona in STRANGERS:
                    problems.append(f"{r} as {persona}: out-of-scope 200")
                raise _Rollback
        except _Rollback:
            pass
    return problems


@pytest.mark.parametrize("r", ROWS, ids=str)
def test_matrix(r, world, nanxian_objects):
    problems = run_row(r, world, nanxian_objects)
    if os.environ.get("TONGXIN_MATRIX_LOG"):  # counting cases (see docs/design-notes.md)
        with open(os.environ["TONGXIN_MATRIX_LOG"], "a", encoding="utf-8") as log:
            log.writelines(p + "\n" for p in problems)
    assert not problems, "\n".join(problems)


def _routes(resolver=None, ns=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry, ns + (f"{entry.namespace}:" if entry.namespace else ""))
        elif isinstance(entry, URLPattern) and entry.name:
            yield ns + entry.name, entry.callback


def test_every_route_has_rows():
    """A route added without rows fails here, naming it."""
    covered = {r.name for r in ROWS}
    missing = sorted({name for name, _cb in _routes()} - covered)
    assert not missing, f"add rows for these routes to tests/scope/matrix.py: {missing}"
    for r in ROWS:
        assert set(r.expect) == set(PERSONAS), f"{r}: a row states every persona's answer"


def _public_portal(name: str, callback) -> bool:
    """The public site (portal:*) is open by design: each of its views opts out of the login; so is
    its API (public-*): each viewset allows anyone and authenticates no one."""
    if name.startswith("public-"):
        from rest_framework.permissions import AllowAny

        cls = getattr(callback, "cls", None)
        return cls is not None and list(cls.permission_classes) == [AllowAny] and not cls.authentication_classes
    return name.startswith("portal:") and getattr(callback, "login_required", True) is False


def test_every_view_that_reaches_a_user_inherits_a_scoped_base():
    unscoped = sorted({name for name, callback in _routes() if name not in PUBLIC_VIEWS
                       and not _public_portal(name, callback)
                       and not issubclass(getattr(callback, "view_class", None) or callback.cls,
                                          ScopedMixin)})
    assert not unscoped, f"these views must inherit a base class of tongxin.core.views_base: {unscoped}"
