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
