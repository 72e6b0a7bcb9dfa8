"""Whoever must act next on a ledger entry is told, exactly once, and nobody else: the home when an
entry is opened for it, sent back, soon due or overdue; the supervising officers who may verify
when a fix awaits verification. The daily due notices are idempotent."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from tests.ledger.conftest import FOUND
from tongxin.accounts.services import create_user
from tongxin.core.models import Notification
from tongxin.core.notify import render
from tongxin.ledger import services
from tongxin.ledger.models import DueNotice, LedgerEntry, Status
from tongxin.units.services import grant_role

DEADLINE = FOUND + dt.timedelta(days=7)


def person(username, unit, role):
    user = create_user(None, username=username, password="x" * 12, check_password=False)
    grant_role(None, user, unit, role)
    return user


@pytest.fixture
def staff(world):
    """A manager at 南县福利院 (besides its reporter), a reporter at the other 南县 home and one at 慈利's."""
    return {"manager": person("nanxian-home-mgr", world.nanxian_home, "manager"),
            "other_home": person("nanzhou-01", world.nanxian_home_2, "reporter"),
            "cili_home": person("cili-home-01", world.cili_home, "reporter")}


def told(key):
    return sorted(n.recipient.username for n in Notification.objects.filter(key=key).select_related("recipient"))


def open_one(world, actor=None, **extra):
    values = {"unit": world.nanxian_home, "source": "supervision", "category": "fire", "severity": "major",
              "description": "疏散通道堆放杂物", "found_on": FOUND, "deadline": DEADLINE, **extra}
    return services.open_entry(actor or world.nanxian, **values)


# --- opened for your unit ----------------------------------------------------------------------

def test_an_entry_opened_by_the_county_tells_the_homes_staff_only(world, staff):
    entry = open_one(world)
    assert told("ledger.opened") == ["nanxian-home-01", "nanxian-home-mgr"]
    n = Notification.objects.get(key="ledger.opened", recipient=world.home_reporter)
    assert n.url == reverse("ledger:detail", args=[entry.pk])
    assert n.params["unit"] == "南县福利院" and n.params["number"] == entry.number
    assert render(n, "zh-hans").title == f"南县福利院：新挂账问题 {entry.number}"
    assert render(n, "en").title == f"南县福利院: new ledger entry {entry.number}"
    assert render(n, "en").body == f"疏散通道堆放杂物 (deadline {DEADLINE.isoformat()})"


def test_an_entry_the_home_opens_itself_tells_its_other_staff_not_the_opener(world, staff):
    open_one(world, actor=world.home_reporter)
    assert told("ledger.opened") == ["nanxian-home-mgr"]


def test_an_entry_fixed_on_the_spot_tells_nobody(world, staff, photo):
    services.fix_on_spot(world.nanxian, unit=world.nanxian_home, attachments=[photo()], source="supervision",
                         category="fire", severity="general", description="灭火器过期", found_on=FOUND)
    assert not Notification.objects.exists()


def test_a_failed_opening_tells_nobody(world, staff):
    with pytest.raises(ValidationError):
        open_one(world, deadline=FOUND - dt.timedelta(days=1))
    assert not Notification.objects.exists()


def test_a_long_description_is_shortened_in_the_message(world, staff):
    open_one(world, description="杂" * 200)
    n = Notification.objects.filter(key="ledger.opened").first()
    assert len(n.params["description"]) == 80 and n.params["description"].endswith("…")


# --- awaiting your verification ----------------------------------------------------------------

@pytest.fixture
def leader(world):
    return person("nanxian-leader", world.nanxian_bureau, "leader")


def submit(world, entry, photo, actor=None):
    actor = actor or world.home_reporter
    services.transition(actor, entry, "start")
    return services.transition(actor, entry, "submit_fix", attachments=[photo(actor)], comment="已清理")


def test_a_fix_awaiting_verification_tells_the_county_officers_who_may_verify(world, staff, photo, second_officer,
                                                                            leader):
    entry = submit(world, open_one(world), photo)
    assert told("ledger.awaiting") == ["nanxian", "nanxian-2", "nanxian-leader"]
    n = Notification.objects.get(key="ledger.awaiting", recipient=second_officer)
    assert n.url == reverse("ledger:detail", args=[entry.pk])
    assert render(n, "en").title == f"南县福利院: the fix of entry {entry.number} awaits your verification"
    # not the province above, not 慈利, not the home itself
    assert not Notification.objects.filter(key="ledger.awaiting", recipient__in=[
        world.hunan, world.cili, world.home_reporter, staff["manager"]]).exists()


def test_the_officer_who_submitted_the_fix_is_not_asked_to_verify_it(world, staff, photo, second_officer):
    submit(world, open_one(world), photo, actor=world.nanxian)
    assert told("ledger.awaiting") == ["nanxian-2"]


def test_a_stranger_countys_home_is_verified_by_its_own_county(world, staff, photo):
    entry = services.open_entry(world.cili, unit=world.cili_home, source="supervision", category="fire",
                                severity="general", description="电线老化", found_on=FOUND, deadline=DEADLINE)
    assert told("ledger.opened") == ["cili-home-01"]
    submit(world, entry, photo, actor=staff["cili_home"])
    assert told("ledger.awaiting") == ["cili"]


# --- sent back ---------------------------------------------------------------------------------

def test_a_returned_fix_tells_the_homes_staff_with_the_reason(world, staff, photo, second_officer):
    entry = submit(world, open_one(world), photo)
    Notification.objects.all().delete()
    services.transition(second_officer, entry, "return", comment="照片不清晰，请重新整改")
    assert told("ledger.returned") == ["nanxian-home-01", "nanxian-home-mgr"]
    assert Notification.objects.count() == 2
    n = Notification.objects.get(key="ledger.returned", recipient=world.home_reporter)
    with translation.override("en"):
        assert render(n).title == f"南县福利院: entry {entry.number} failed verification and was returned for " \
                                  "rectification"
        assert render(n).body == "Reason: 照片不清晰，请重新整改"
    assert render(n, "zh-hans").body == "退回原因：照片不清晰，请重新整改"


def test_closing_tells_nobody(world, staff, photo, second_officer):
    entry = submit(world, open_one(world), photo)
    Notification.objects.all().delete()
    services.transition(second_officer, entry, "close")
    assert not Notification.objects.exists()


# --- soon due and overdue: the daily command ---------------------------------------------------

def test_due_notices_tell_of_entries_due_within_two_days_and_overdue(world, staff, photo):
    today = dt.date(2021, 8, 10)
    soon = open_one(world, deadline=today + dt.timedelta(days=2))
    due_today = open_one(world, deadline=today)
    later = open_one(world, deadline=today + dt.timedelta(days=3))
    late = open_one(world, found_on=dt.date(2021, 8, 1), deadline=dt.date(2021, 8, 5))
    waiting = submit(world, open_one(world, found_on=dt.date(2021, 8, 1), deadline=dt.date(2021, 8, 5)), photo)
    Notification.objects.all().delete()
    assert services.send_due_notices(today=today) == {"due_soon": 2, "overdue": 1}
    soon_numbers = {n.params["number"] for n in Notification.objects.filter(key="ledger.due_soon")}
    assert soon_numbers == {soon.number, due_today.number}
    assert {n.params["number"] for n in Notification.objects.filter(key="ledger.overdue")} == {late.number}
    assert later.number not in {n.params["number"] for n in Notification.objects.all()}
    assert waiting.number not in {n.params["number"] for n in Notification.objects.all()}  # the home has done its part
    # each to the home's two staff, nobody else
    assert {n.recipient.username for n in Notification.objects.all()} == {"nanxian-home-01", "nanxian-home-mgr"}
    assert Notification.objects.count() == 6


def test_due_notices_are_sent_once_a_day_however_often_the_command_runs(world, staff):
    today = dt.date(2021, 8, 10)
    open_one(world, found_on=dt.date(2021, 8, 1), deadline=dt.date(2021, 8, 5))
    open_one(world, deadline=today + dt.timedelta(days=1))
    Notification.objects.all().delete()
    out = io.StringIO()
    call_command("ledger_due_notices", day=today.isoformat(), stdout=out)
    assert "soon due: 1" in out.getvalue() and "overdue: 1" in out.getvalue()
    first = Notification.objects.count()
    assert first == 4
    for _ in range(2):
        call_command("ledger_due_notices", day=today.isoformat(), stdout=io.StringIO())
    assert Notification.objects.count() == first
    assert DueNotice.objects.count() == 2
    call_command("ledger_due_notices", day=(today + dt.timedelta(days=1)).isoformat(), stdout=io.StringIO())
    assert Notification.objects.count() == first * 2  # the next day: one of each again


def test_a_closed_entry_gets_no_due_notice(world, staff, photo, second_officer):
    entry = submit(world, open_one(world, deadline=dt.date(2021, 8, 10)), photo)
    services.transition(second_officer, entry, "close")
    Notification.objects.all().delete()
    assert services.send_due_notices(today=dt.date(2021, 8, 10)) == {"due_soon": 0, "overdue": 0}
    assert not Notification.objects.exists()


def test_a_returned_entry_overdue_is_still_chased(world, staff, photo, second_officer):
    entry = submit(world, open_one(world, deadline=dt.date(2021, 8, 9)), photo)
    services.transition(second_officer, entry, "return", comment="未整改到位")
    assert LedgerEntry.objects.get(pk=entry.pk).status == Status.RETURNED
    Notification.objects.all().delete()
    assert services.send_due_notices(today=dt.date(2021, 8, 10)) == {"due_soon": 0, "overdue": 1}
    n = Notification.objects.filter(key="ledger.overdue").first()
    assert render(n, "en").title == f"南县福利院: entry {entry.number} is overdue (deadline 2021-08-09)"
    assert render(n, "zh-hans").title == f"南县福利院：问题 {entry.number} 已逾期（整改时限 2021-08-09）"


def test_the_command_refuses_a_bad_day(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("ledger_due_notices", day="2021-13-01")
    with pytest.raises(CommandError):
        call_command("ledger_due_notices", within_days=-1)
