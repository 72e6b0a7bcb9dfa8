"""Escalation and the feedback notices, run by `tongxin command-chase`: past the sign deadline an
unsigned unit's leader on duty is told (its managers when nobody leads the duty), then — still
unsigned an interval later — the officers of the level above; feedback coming due is announced
once. Running the command twice sends nothing new."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from tests.command.helpers import DAY, at, chinese, issue, member, on_duty, sign  # noqa: F401  (chinese: a fixture)
from tongxin.command.models import Delivery
from tongxin.command.services import chase
from tongxin.core import system_settings
from tongxin.core.models import Notification
from tongxin.core.notify import render
from tongxin.units.models import Role

NEXT_DAY = DAY + dt.timedelta(days=1)


@pytest.fixture
def people(world):
    """南县福利院: its manager 王院长 leads today's duty; 南洲镇敬老院: a manager, nobody on duty."""
    wang = member("wang", world.nanxian_home, Role.MANAGER)
    on_duty(world, world.nanxian_home, wang, start=at(DAY, 0), hours=24, role="leader", label="全天")
    return {"wang": wang, "nanzhou": member("nanzhou-mgr", world.nanxian_home_2, Role.MANAGER)}


@pytest.fixture
def directive(world, people):
    return issue(world, issuer=world.nanxian_bureau, now=at(DAY, 9), sign_deadline=at(DAY, 12))


def told(key=chase.ESCALATED):
    return sorted(Notification.objects.filter(key=key).values_list("recipient__username", flat=True))


def steps(directive):
    return dict(directive.deliveries.values_list("unit__name", "escalation"))


def test_nothing_escalates_before_the_sign_deadline(world, directive):
    assert chase.escalate_overdue(now=at(DAY, 11, 59)) == {"leader": 0, "above": 0}
    assert told() == []


def test_past_the_deadline_the_leader_on_duty_is_told_else_the_managers(world, directive):
    assert chase.escalate_overdue(now=at(DAY, 12, 1)) == {"leader": 2, "above": 0}
    assert told() == ["nanzhou-mgr", "wang"]
    assert steps(directive) == {"南县福利院": 1, "南县南洲镇敬老院": 1}
    note = Notification.objects.filter(key=chase.ESCALATED).first()
    assert render(note, "zh-hans").title.startswith("逾期未签收：")


def test_a_signed_unit_is_never_escalated(world, directive):
    sign(directive.deliveries.get(unit=world.nanxian_home), world.home_reporter, at(DAY, 11))
    chase.escalate_overdue(now=at(DAY, 13))
    assert told() == ["nanzhou-mgr"]


def test_still_unsigned_after_the_interval_it_goes_to_the_level_above(world, directive):
    chase.escalate_overdue(now=at(DAY, 12, 1))
    assert chase.escalate_overdue(now=at(DAY, 12, 30)) == {"leader": 0, "above": 0}  # 60 minutes not yet
    sign(directive.deliveries.get(unit=world.nanxian_home), world.home_reporter, at(DAY, 12, 40))
    assert chase.escalate_overdue(now=at(DAY, 13, 1)) == {"leader": 0, "above": 1}
    assert Notification.objects.filter(key=chase.ESCALATED, recipient=world.nanxian).count() == 1
    assert steps(directive) == {"南县福利院": 1, "南县南洲镇敬老院": 2}


def test_one_step_per_run_even_when_the_command_runs_late(world, directive):
    assert chase.escalate_overdue(now=at(DAY, 18)) == {"leader": 2, "above": 0}
    assert chase.escalate_overdue(now=at(DAY, 19)) == {"leader": 0, "above": 2}


def test_the_interval_is_a_system_setting(world, directive):
    system_settings.change(world.sysadmin, "command.escalation_interval_minutes", "10")
    chase.escalate_overdue(now=at(DAY, 12, 1))
    assert chase.escalate_overdue(now=at(DAY, 12, 11))["above"] == 2


def test_escalation_around_local_midnight(world, people):
    directive = issue(world, issuer=world.nanxian_bureau, sign_deadline=at(DAY, 23, 59), now=at(DAY, 22))
    assert chase.escalate_overdue(now=at(DAY, 23, 58))["leader"] == 0
    assert chase.escalate_overdue(now=at(NEXT_DAY, 0, 0))["leader"] == 2
    # the duty shift ended at midnight: 福利院's leader on duty of the 26th is no longer on duty, so it
    # reached its managers — wang is one of them, so wang is told either way
    assert told() == ["nanzhou-mgr", "wang"]
    assert chase.escalate_overdue(now=at(NEXT_DAY, 0, 59))["above"] == 0
    assert chase.escalate_overdue(now=at(NEXT_DAY, 1, 0))["above"] == 2
    assert steps(directive) == {"南县福利院": 2, "南县南洲镇敬老院": 2}


def test_the_leader_on_duty_is_told_even_when_not_a_manager(world):
    duty_leader = member("duty-leader", world.nanxian_home, Role.REPORTER)
    on_duty(world, world.nanxian_home, duty_leader, start=at(DAY, 0), hours=24, role="leader", label="全天")
    member("wang", world.nanxian_home, Role.MANAGER)
    issue(world, issuer=world.nanxian_bureau, now=at(DAY, 9), units=[world.nanxian_home], sign_deadline=at(DAY, 12))
    chase.escalate_overdue(now=at(DAY, 12, 5))
    assert told() == ["duty-leader"]


def test_a_closed_directive_does_not_escalate(world, directive):
    directive.status = directive.Status.CLOSED
    directive.save()
    assert chase.escalate_overdue(now=at(DAY, 18)) == {"leader": 0, "above": 0}


# --- feedback coming due -----------------------------------------------------------------------

def test_feedback_due_within_24_hours_is_announced_once_per_delivery(world, people):
    directive = issue(world, issuer=world.nanxian_bureau, now=at(DAY, 9), sign_deadline=at(DAY, 12),
                      feedback_deadline=at(NEXT_DAY, 9))
    assert chase.send_feedback_due(now=at(DAY, 8, 59)) == 0  # 24 h 1 min ahead
    assert chase.send_feedback_due(now=at(DAY, 9, 0)) == 2
    assert chase.send_feedback_due(now=at(DAY, 20)) == 0
    assert told(chase.FEEDBACK_DUE) == ["nanxian-home-01", "nanzhou-mgr", "wang"]
    note = Notification.objects.filter(key=chase.FEEDBACK_DUE, recipient=people["nanzhou"]).get()
    assert render(note, "zh-hans").body == "请于 2021-07-27 09:00 前反馈（约 24 小时后到期）。"
    assert directive.deliveries.filter(due_notice_at=at(DAY, 9)).count() == 2


def test_a_unit_that_fed_back_is_not_told(world, people):
    directive = issue(world, issuer=world.nanxian_bureau, now=at(DAY, 9), sign_deadline=at(DAY, 12),
                      feedback_deadline=at(NEXT_DAY, 9))
    Delivery.objects.filter(directive=directive, unit=world.nanxian_home).update(fed_back_at=at(DAY, 10))
    chase.send_feedback_due(now=at(DAY, 12))
    assert told(chase.FEEDBACK_DUE) == ["nanzhou-mgr"]


# --- the command -------------------------------------------------------------------------------

def run(when):
    out = StringIO()
    call_command("command_chase", "--at", when.isoformat(), stdout=out)
    return out.getvalue()


def test_the_command_escalates_and_a_second_run_sends_nothing_new(world, people):
    issue(world, issuer=world.nanxian_bureau, now=at(DAY, 9), sign_deadline=at(DAY, 12), feedback_deadline=at(DAY, 20))
    first = run(at(DAY, 12, 5))
    assert "to the leader on duty: 2" in first and "feedback due notices: 2" in first
    count = Notification.objects.count()
    second = run(at(DAY, 12, 5))
    assert "to the leader on duty: 0; to the level above: 0; feedback due notices: 0" in second
    assert Notification.objects.count() == count
    assert "to the level above: 2" in run(at(DAY, 13, 5))
    assert "to the level above: 0" in run(at(DAY, 14))
    assert Notification.objects.count() == count + 2  # 南县民政局's officer, once per unit


def test_the_command_refuses_a_bad_time_in_words(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a date and time"):
        call_command("command_chase", "--at", "yesterday")


def test_a_unit_with_no_leader_or_manager_escalates_to_its_people(world):
    issue(world, issuer=world.nanxian_bureau, now=at(DAY, 9), units=[world.nanxian_home], sign_deadline=at(DAY, 12))
    chase.escalate_overdue(now=at(DAY, 12, 5))
    assert told() == ["nanxian-home-01"]
