"""Members put on a supervision team are told, once each, and nobody else; the problems an
inspection finds reach the home as ledger notices."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import translation

from tests.inspections.conftest import DAY, answer_all
from tongxin.core.models import Notification
from tongxin.core.notify import render
from tongxin.inspections import services
from tongxin.inspections.models import Inspection, Team


def test_each_member_put_on_a_team_is_told_once_but_not_its_creator(world, second_officer, client_for):
    response = client_for(world.nanxian).post(reverse("inspections:team-create"), {
        "name": "南县第一督导组", "bureau": world.nanxian_bureau.pk, "members": [second_officer.pk],
        "outside_members": "县纪委监委驻县财政局纪检监察组 张三", "start_date": "2021-08-01", "end_date": "2021-08-02"})
    assert response.status_code == 302
    (n,) = Notification.objects.all()
    assert n.recipient == second_officer and n.key == "inspections.team"
    assert n.url == reverse("inspections:list") + "#my-teams"
    assert render(n, "zh-hans").title == "您已被编入督导组：南县第一督导组"
    assert render(n, "zh-hans").body == "南县民政局 牵头，督导期间 2021-08-01 至 2021-08-02。"
    with translation.override("en"):
        assert render(n).title == "You have been put on the supervision team 南县第一督导组"
        assert render(n).body == "Led by 南县民政局, from 2021-08-01 to 2021-08-02."


def test_a_refused_team_tells_nobody(world, second_officer, client_for):
    client_for(world.nanxian).post(reverse("inspections:team-create"), {
        "name": "南县督导组", "bureau": world.nanxian_bureau.pk, "members": [second_officer.pk],
        "start_date": "2021-08-02", "end_date": "2021-08-01"})
    assert not Team.objects.exists() and not Notification.objects.exists()


def test_a_team_formed_by_the_system_tells_every_member(world, second_officer):
    services.create_team(None, name="南县督导组", bureau=world.nanxian_bureau, start_date=DAY, end_date=DAY,
                         members=[world.nanxian, second_officer])
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == ["nanxian", "nanxian-2"]


def test_the_problems_an_inspection_finds_reach_the_homes_staff_once_each(world, checklists, team, photo):
    five, _general = checklists
    inspection = services.start_inspection(world.nanxian, unit=world.nanxian_home, version=five,
                                           kind=Inspection.Kind.SUPERVISION, team=team, day=DAY)
    answer_all(world.nanxian, inspection, fail={"visitor_register", "protective_supply_days"}, photo_for=photo)
    entries = services.finish_inspection(world.nanxian, inspection, summary="总体良好")
    opened = Notification.objects.filter(key="ledger.opened")
    assert sorted(n.params["number"] for n in opened) == sorted(e.number for e in entries)
    assert {n.recipient for n in opened} == {world.home_reporter}
    assert all(n.params["deadline"] >= (DAY + dt.timedelta(days=1)).isoformat() for n in opened)
