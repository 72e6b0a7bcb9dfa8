"""The demo's duty rosters: the three cities' bureaus and their counties for 2021-08-01 … 08-07, a
leader and two staff a day; check-ins for most shifts while the response is in force, one missed;
today's roster in the live drill with accounts that can check in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from tests.demo.conftest import BUILD_DAY
from tongxin.command.models import CheckIn, DutyShift
from tongxin.command.queries.duty import my_shifts
from tongxin.demo import command_duty


@pytest.fixture
def built(demo_builds, db):
    return demo_builds


def test_each_bureau_of_the_three_cities_has_a_leader_and_two_staff_every_day(built):
    bureaus = command_duty.bureaus()
    assert {b.name for b in bureaus} >= {"张家界市民政局", "株洲市民政局", "湘潭市民政局", "慈利县民政局"}
    for unit in bureaus:
        shifts = DutyShift.objects.filter(unit=unit, day__gte=dt.date(2021, 8, 1), day__lte=dt.date(2021, 8, 7))
        assert shifts.count() == 21, unit.name
        assert shifts.filter(role="leader").count() == 7
    assert built.first["duty_shifts"] == 21 * len(bureaus)


def test_zhangjiajie_herself_leads_on_some_days(built):
    assert DutyShift.objects.filter(user__username="zhangjiajie", role="leader", day__month=8,
                                    day__year=2021).count() >= 3


def test_under_the_2021_response_most_shifts_are_checked_in_and_one_is_missed(built):
    """The story's level II response (built before the rosters) is in force, so check-ins were taken."""
    accounted = DutyShift.objects.filter(unit__region_id__in=command_duty.CITIES, day__year=2021,
                                         user__isnull=False)
    assert CheckIn.objects.filter(shift__in=accounted).count() == accounted.count() - 1
    missed = accounted.filter(check_in__isnull=True).get()
    assert (missed.unit.region_id, missed.day, missed.shift) == command_duty.MISSED
    with transaction.atomic():
        assert command_duty.build()["duty_check_ins_made"] == 0  # idempotent
        transaction.set_rollback(True)


def test_the_live_drill_puts_zhangjiajie_nanxian_and_a_home_manager_on_duty_today(built):
    for username in ("zhangjiajie", "nanxian", "nanxian-home-02"):
        from tongxin.accounts.models import User

        user = User.objects.get(username=username)
        shifts = DutyShift.objects.filter(user=user, day=BUILD_DAY)
        assert shifts.count() == 1, username
    assert built.second["live_duty_shifts"] == built.first["live_duty_shifts"] == 9
    assert my_shifts is not None
