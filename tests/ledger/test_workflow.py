"""The life of a ledger entry: every allowed and every refused transition, who may do what, overdue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from tests.ledger.conftest import FOUND
from tongxin.ledger import services
from tongxin.ledger.models import LedgerEntry, Status, Transition

ALL = [Status.OPEN, Status.RECTIFYING, Status.AWAITING, Status.CLOSED, Status.RETURNED]
ALLOWED = {("start", Status.OPEN), ("start", Status.RETURNED), ("submit_fix", Status.RECTIFYING),
           ("close", Status.AWAITING), ("return", Status.AWAITING)}
TARGET = {"start": Status.RECTIFYING, "submit_fix": Status.AWAITING, "close": Status.CLOSED,
          "return": Status.RETURNED}


def put_in(entry, status):
    LedgerEntry.objects.filter(pk=entry.pk).update(status=status)
    entry.refresh_from_db()


@pytest.mark.parametrize("status", ALL)
@pytest.mark.parametrize("name", ["start", "submit_fix", "close", "return"])
def test_every_transition_from_every_state(world, entry, photo, second_officer, status, name):
    put_in(entry, status)
    actor = second_officer if name in ("close", "return") else world.home_reporter
    kwargs = {"comment": "整改不到位"} if name == "return" else {}
    if name == "submit_fix":
        kwargs["attachments"] = [photo(world.home_reporter)]
    if (name, status) in ALLOWED:
        moved = services.transition(actor, entry, name, **kwargs)
        assert moved.status == TARGET[name]
        assert entry.transitions.last().to_status == TARGET[name]
    else:
        with pytest.raises(ValidationError) as exc:
            services.transition(actor, entry, name, **kwargs)
        assert "status" in exc.value.message_dict
        entry.refresh_from_db()
        assert entry.status == status


def test_the_whole_life_is_kept(world, entry, photo, second_officer):
    services.transition(world.home_reporter, entry, "start", comment="已安排清理")
    services.transition(world.home_reporter, entry, "submit_fix", attachments=[photo(world.home_reporter)],
                        comment="已清理")
    services.transition(second_officer, entry, "return", comment="楼梯间仍有杂物")
    services.transition(world.home_reporter, entry, "start")
    services.transition(world.home_reporter, entry, "submit_fix", attachments=[photo(world.home_reporter)])
    closed = services.transition(second_officer, entry, "close", comment="复查合格")
    assert closed.status == Status.CLOSED and closed.closed_by == second_officer and closed.closed_at
    names = list(Transition.objects.filter(entry=entry).values_list("name", flat=True))
    assert names == ["open", "start", "submit_fix", "return", "start", "submit_fix", "close"]
    assert all(t.actor_id for t in Transition.objects.filter(entry=entry))


def test_whoever_fixed_it_cannot_verify_it(world, entry, photo):
    services.transition(world.nanxian, entry, "start")
    services.transition(world.nanxian, entry, "submit_fix", attachments=[photo()])
    with pytest.raises(PermissionDenied):
        services.transition(world.nanxian, entry, "close")
    with pytest.raises(PermissionDenied):
        services.transition(world.nanxian, entry, "return", comment="x")
    entry.refresh_from_db()
    assert entry.status == Status.AWAITING


def test_the_home_cannot_verify_its_own_fix(world, entry, photo):
    services.transition(world.home_reporter, entry, "start")
    services.transition(world.home_reporter, entry, "submit_fix", attachments=[photo(world.home_reporter)])
    with pytest.raises(PermissionDenied):
        services.transition(world.home_reporter, entry, "close")


def test_the_province_may_verify(world, entry, photo):
    services.transition(world.home_reporter, entry, "start")
    services.transition(world.home_reporter, entry, "submit_fix", attachments=[photo(world.home_reporter)])
    assert services.transition(world.hunan, entry, "close").status == Status.CLOSED


def test_submitting_a_fix_needs_evidence(world, entry):
    services.transition(world.home_reporter, entry, "start")
    with pytest.raises(ValidationError) as exc:
        services.transition(world.home_reporter, entry, "submit_fix")
    assert "attachments" in exc.value.message_dict


def test_returning_needs_a_reason(world, entry, photo, second_officer):
    services.transition(world.home_reporter, entry, "start")
    services.transition(world.home_reporter, entry, "submit_fix", attachments=[photo(world.home_reporter)])
    with pytest.raises(ValidationError) as exc:
        services.transition(second_officer, entry, "return", comment="  ")
    assert "comment" in exc.value.message_dict


def test_a_stranger_county_gets_not_found(world, entry):
    with pytest.raises(Http404):
        services.transition(world.cili, entry, "start")
    with pytest.raises(Http404):
        services.open_entry(world.cili, unit=world.nanxian_home, source="other", category="fire",
                            severity="general", description="x", found_on=FOUND, deadline=FOUND)


def test_a_deadline_before_the_finding_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        services.open_entry(world.nanxian, unit=world.nanxian_home, source="other", category="fire",
                            severity="general", description="x", found_on=FOUND, deadline=FOUND - dt.timedelta(days=1))
    assert "deadline" in exc.value.message_dict
    assert not LedgerEntry.objects.exists()


def test_numbers_are_readable_and_sequential_per_county_and_year(world, entry):
    second = services.open_entry(world.nanxian, unit=world.nanxian_home_2, source="other", category="gas",
                                 severity="general", description="y", found_on=FOUND, deadline=FOUND)
    cili = services.open_entry(world.cili, unit=world.cili_home, source="other", category="gas",
                               severity="general", description="z", found_on=FOUND, deadline=FOUND)
    assert (entry.number, second.number, cili.number) == ("430921-2021-0001", "430921-2021-0002", "430821-2021-0001")


def test_fixed_on_the_spot_is_closed_in_one_step_with_evidence(world, photo):
    entry = services.fix_on_spot(world.nanxian, unit=world.nanxian_home, source="supervision", category="fire",
                                 severity="general", description="灭火器压力不足", found_on=FOUND,
                                 attachments=[photo()], now=None)
    assert entry.status == Status.CLOSED and entry.fixed_on_spot and entry.closed_by == world.nanxian
    assert list(entry.transitions.values_list("name", flat=True)) == ["open", "fix_on_spot"]
    with pytest.raises(ValidationError):
        services.fix_on_spot(world.nanxian, unit=world.nanxian_home, source="supervision", category="fire",
                             severity="general", description="无证据", found_on=FOUND, attachments=[])


@pytest.mark.parametrize(("today", "overdue"), [
    (FOUND + dt.timedelta(days=7), False),   # the deadline day itself is still in time
    (FOUND + dt.timedelta(days=8), True),
])
def test_overdue_is_judged_on_the_local_date(world, entry, today, overdue):
    assert services.is_overdue(entry, today) is overdue
    assert LedgerEntry.objects.filter(services.overdue_q(today), pk=entry.pk).exists() is overdue


def test_overdue_turns_at_beijing_midnight_not_utc(world, entry, settings):
    from django.utils import timezone

    # 2021-08-08 16:30 UTC is already 2021-08-09 00:30 in Beijing: one day past the 08-08 deadline.
    moment = dt.datetime(2021, 8, 8, 16, 30, tzinfo=dt.UTC)
    assert services.is_overdue(entry, timezone.localdate(moment)) is True
    before = dt.datetime(2021, 8, 8, 15, 59, tzinfo=dt.UTC)   # 23:59 Beijing on the deadline day
    assert services.is_overdue(entry, timezone.localdate(before)) is False


def test_a_closed_entry_is_never_overdue(world, entry, photo, second_officer):
    services.transition(world.home_reporter, entry, "start")
    services.transition(world.home_reporter, entry, "submit_fix", attachments=[photo(world.home_reporter)])
    services.transition(second_officer, entry, "close")
    entry.refresh_from_db()
    assert not services.is_overdue(entry, FOUND + dt.timedelta(days=100))


# --- who may take each step: the workflow's guards, asked the same way by service, page and API --------

# (transition, the state it starts from, who submitted the fix, the actor, what the actor gets)
MAY, REFUSED, UNSEEN = "may", "refused", "unseen"
WHO_MAY = [
    ("start", Status.OPEN, None, "home_reporter", MAY),        # the unit's own staff fix
    ("start", Status.OPEN, None, "nanxian", MAY),              # so may an officer above the unit
    ("start", Status.OPEN, None, "hunan", MAY),
    ("start", Status.OPEN, None, "cili", UNSEEN),              # a stranger county does not even see it
    ("submit_fix", Status.RECTIFYING, None, "home_reporter", MAY),
    ("submit_fix", Status.RECTIFYING, None, "cili", UNSEEN),
    ("close", Status.AWAITING, "home_reporter", "nanxian", MAY),  # the bureau verifies
    ("close", Status.AWAITING, "home_reporter", "hunan", MAY),
    ("close", Status.AWAITING, "home_reporter", "home_reporter", REFUSED),  # the unit does not verify itself
    ("close", Status.AWAITING, "nanxian", "nanxian", REFUSED),  # the verifier is not whoever fixed it
    ("close", Status.AWAITING, "home_reporter", "cili", UNSEEN),
    ("return", Status.AWAITING, "home_reporter", "nanxian", MAY),
    ("return", Status.AWAITING, "home_reporter", "home_reporter", REFUSED),
    ("return", Status.AWAITING, "nanxian", "nanxian", REFUSED),
]


def reach(world, entry, state, fixer, photo):
    """Walk the entry to `state` through the services, with `fixer` doing the fixing."""
    fixer = getattr(world, fixer or "home_reporter")
    if state in (Status.RECTIFYING, Status.AWAITING):
        services.transition(fixer, entry, "start")
    if state == Status.AWAITING:
        services.transition(fixer, entry, "submit_fix", attachments=[photo(fixer)])
    entry.refresh_from_db()
    return entry


def footprint(entry):
    from tongxin.core.models import Attachment, AuditEvent

    entry.refresh_from_db()
    changes = AuditEvent.objects.exclude(action__in=[AuditEvent.Action.LOGIN, AuditEvent.Action.LOGOUT]).count()
    return (entry.status, entry.transitions.count(), changes, Attachment.objects.count(), entry.closed_by_id,
            entry.fixed_by_id)


def by_service(actor, entry, name, attachment):
    kwargs = {"comment": "楼梯间仍有杂物"} if name == "return" else {}
    if attachment is not None:
        kwargs["attachments"] = [attachment]
    try:
        services.transition(actor, entry, name, **kwargs)
    except Http404:
        return UNSEEN
    except PermissionDenied:
        return REFUSED
    return MAY


def by_web(client, entry, name):
    from django.urls import reverse

    from tests.ledger.test_web import jpeg

    detail = client.get(reverse("ledger:detail", args=[entry.pk]))
    if detail.status_code == 404:
        offered = None
    else:
        offered = f'id="action-{name}"' in detail.content.decode()
    body = {"name": name, "comment": "楼梯间仍有杂物"}
    if name == "submit_fix":
        body["files"] = [jpeg()]
    response = client.post(reverse("ledger:transition", args=[entry.pk]), body)
    answer = {302: MAY, 400: REFUSED, 404: UNSEEN}[response.status_code]
    return offered, answer


def by_api(client, entry, name, attachment):
    from django.urls import reverse

    detail = client.get(reverse("ledger-entry-detail", args=[entry.pk]))
    offered = None if detail.status_code == 404 else name in detail.json()["allowed_transitions"]
    body = {"name": name, "comment": "楼梯间仍有杂物",
            "attachment_ids": [attachment.pk] if attachment is not None else []}
    response = client.post(reverse("ledger-entry-transition", args=[entry.pk]), body, format="json")
    return offered, {200: MAY, 403: REFUSED, 404: UNSEEN}[response.status_code]


@pytest.mark.parametrize("channel", ["service", "web", "api"])
@pytest.mark.parametrize(("name", "state", "fixer", "who", "expected"), WHO_MAY,
                         ids=[f"{n}-{w}-fixed_by_{f}" for n, _s, f, w, _e in WHO_MAY])
def test_who_may_take_each_step_is_one_answer_everywhere(world, entry, photo, client_for, api_for, channel,
                                                          name, state, fixer, who, expected):
    entry = reach(world, entry, state, fixer, photo)
    actor = getattr(world, who)
    offered = name in [t.name for t in services.WORKFLOW.allowed_for(actor, entry)]
    assert offered is (expected == MAY)
    # Evidence the actor uploaded beforehand (service, API); the page uploads its own with the move.
    attachment = photo(actor) if name == "submit_fix" and channel != "web" else None
    before = footprint(entry)
    if channel == "service":
        answer = by_service(actor, entry, name, attachment)
    elif channel == "web":
        shown, answer = by_web(client_for(actor), entry, name)
        assert shown is (None if expected == UNSEEN else expected == MAY)
    else:
        shown, answer = by_api(api_for(actor), entry, name, attachment)
        assert shown is (None if expected == UNSEEN else expected == MAY)
    assert answer == expected
    if expected == MAY:
        entry.refresh_from_db()
        assert entry.status == services.WORKFLOW.transitions[name].target
        assert entry.transitions.last().actor == actor
    else:
        assert footprint(entry) == before  # a refused move changes nothing, keeps no file


def test_the_fixer_is_told_why_there_is_no_verify_button(world, entry, photo, client_for):
    from django.urls import reverse

    entry = reach(world, entry, Status.AWAITING, "nanxian", photo)
    refusals = services.WORKFLOW.refusals(world.nanxian, entry)
    assert set(refusals) == {"close", "return"} and "整改人不能验收" in refusals["close"]
    html = client_for(world.nanxian).get(reverse("ledger:detail", args=[entry.pk])).content.decode()
    assert 'id="action-note"' in html and refusals["close"] in html


def test_opening_and_fixing_on_the_spot_ask_the_same_guard(world):
    from tongxin.core.workflow import INITIAL

    draft = LedgerEntry(unit=world.nanxian_home, status=INITIAL)
    assert [t.name for t in services.WORKFLOW.allowed_for(world.home_reporter, draft)] == ["open", "fix_on_spot"]
    assert services.WORKFLOW.allowed_for(world.cili, draft) == []
    with pytest.raises(Http404):
        services.open_entry(world.cili, unit=world.nanxian_home, source="other", category="fire",
                            severity="general", description="x", found_on=FOUND, deadline=FOUND)
    assert not LedgerEntry.objects.exists()


# --- labels: a state and a button may share a Chinese word, never an English one -------------------

def test_labels_read_in_english_under_the_english_locale(world, entry, photo, second_officer, client_for):
    from django.urls import reverse
    from django.utils import translation

    with translation.override("en"):
        assert services.WORKFLOW.state_label(Status.RETURNED) == "Returned"
        assert services.WORKFLOW.label("return") == "Return"
        assert services.WORKFLOW.state_label(Status.OPEN) == "Open"
        assert services.WORKFLOW.label("open") == "Put on the ledger"
        assert [str(t.label) for t in services.WORKFLOW.allowed(Status.AWAITING)] == ["Verify and close", "Return"]
    with translation.override("zh-hans"):
        assert services.WORKFLOW.label("return") == services.WORKFLOW.state_label(Status.RETURNED) == "退回"

    entry = reach(world, entry, Status.AWAITING, "home_reporter", photo)
    client = client_for(second_officer)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("ledger:detail", args=[entry.pk])).content.decode()
    assert ">Return</button>" in html and ">Verify and close</button>" in html
    assert "Put on the ledger" in html  # the timeline names the first step as an action
    translation.deactivate()
