"""指挥调度, the page the navigation opens: what is in force over the user's area and what waits for them."""

from __future__ import annotations

import datetime as dt

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tests.command.helpers import around_now, issue, respond, set_today
from tongxin.core.models import Notification


def test_the_navigation_opens_command_for_business_users_only(world, client_for):
    page = client_for(world.nanxian).get(reverse("home")).content.decode()
    assert reverse("command:index") in page
    admin_page = client_for(world.sysadmin).get(reverse("home")).content.decode()
    assert reverse("command:index") not in admin_page


def test_a_home_sees_the_response_in_force_and_the_directive_waiting_for_its_signature(world, client_for):
    respond(world, start=timezone.now() - dt.timedelta(days=1))
    issue(world, target_kinds=["elderly_care"])
    page = client_for(world.home_reporter).get(reverse("command:index"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-level=\"2\"" in html  # the level II epidemic response over Hunan
    assert 'data-card="to-sign"' in html
    card = html.split('data-card="to-sign"', 1)[1].split("</a>", 1)[0]
    assert ">1<" in card


def test_without_a_response_the_page_says_tracking_is_off(world, client_for):
    html = client_for(world.nanxian).get(reverse("command:index")).content.decode()
    assert "没有启动应急响应" in html


def test_the_hub_reads_in_english(world, client_for):
    c = client_for(world.nanxian)
    c.cookies["django_language"] = "en"
    html = c.get(reverse("command:index")).content.decode()
    assert "For my unit to sign" in html


def test_command_chase_also_sends_the_check_in_notice_of_a_shift_about_to_start(world):
    from tongxin.units.models import Membership

    respond(world, start=timezone.now() - dt.timedelta(days=1))
    person = world.home_reporter
    assert Membership.objects.filter(user=person, unit=world.nanxian_home).exists()
    set_today(world.nanxian_home, [around_now(before=-dt.timedelta(minutes=10), after=dt.timedelta(hours=8),
                                              user=person, name=person.full_name or "填报员")], world.nanxian)
    call_command("command_chase")
    assert Notification.objects.filter(recipient=person, key="command.duty.check_in_due").count() == 1
    call_command("command_chase")  # once per shift
    assert Notification.objects.filter(recipient=person, key="command.duty.check_in_due").count() == 1
