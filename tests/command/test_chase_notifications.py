"""The notification centre: reminders, escalations and feedback coming due appear among the other
notifications, in the reader's language (Chinese, or English on request), with the bell counting them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import translation

from tests.command.helpers import DAY, at, issue, member
from tongxin.command.services import chase
from tongxin.core.models import Notification
from tongxin.core.notify import render
from tongxin.units.models import Role

NEXT_DAY = DAY + dt.timedelta(days=1)
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _restore_language():
    yield
    translation.deactivate()


@pytest.fixture
def told(world):
    """南县福利院's reporter is reminded, then told its feedback is due; it escalates to its manager."""
    member("wang", world.nanxian_home, Role.MANAGER)
    directive = issue(world, issuer=world.nanxian_bureau, now=at(DAY, 9), units=[world.nanxian_home],
                      sign_deadline=at(DAY, 12), feedback_deadline=at(DAY, 20))
    chase.remind(world.nanxian, directive, now=at(DAY, 10))
    chase.run(now=at(DAY, 12, 5))
    return directive


def note(key, username="nanxian-home-01"):
    return Notification.objects.get(key=key, recipient__username=username)


@pytest.mark.parametrize(("key", "username", "zh", "en"), [
    (chase.REMINDER, "nanxian-home-01", "催办：南县福利院 尚未签收《关于开展拉网式隐患大排查行动的紧急通知》",
     "Reminder: 南县福利院 has not signed for “关于开展拉网式隐患大排查行动的紧急通知”"),
    (chase.ESCALATED, "wang", "逾期未签收：南县福利院《关于开展拉网式隐患大排查行动的紧急通知》",
     "Not signed in time: 南县福利院, “关于开展拉网式隐患大排查行动的紧急通知”"),
    (chase.FEEDBACK_DUE, "nanxian-home-01", "反馈将到期：南县福利院《关于开展拉网式隐患大排查行动的紧急通知》",
     "Feedback due soon: 南县福利院, “关于开展拉网式隐患大排查行动的紧急通知”"),
])
def test_each_kind_reads_in_chinese_and_in_english(told, key, username, zh, en):
    n = note(key, username)
    assert render(n, "zh-hans").title == zh
    english = render(n, "en")
    assert english.title == en
    assert not CJK.search(english.body.replace("南县福利院", "")), english.body
    assert english.label in {"Reminder", "Reminder escalated", "Feedback due soon"}


def test_the_feedback_due_notice_names_the_hours_left(told):
    body = render(note(chase.FEEDBACK_DUE), "en").body
    assert body == "Please report back by 2021-07-26 20:00 (due in about 8 hours)."


def test_the_notification_list_shows_them_in_chinese(world, told, client_for):
    html = client_for(world.home_reporter).get(reverse("notifications:list")).content.decode()
    assert "催办：南县福利院 尚未签收" in html and "反馈将到期：南县福利院" in html


def test_the_notification_list_shows_them_in_english(world, told, client_for):
    c = client_for(world.home_reporter)
    c.cookies["django_language"] = "en"
    html = c.get(reverse("notifications:list")).content.decode()
    assert "Reminder: 南县福利院 has not signed for" in html and "Feedback due soon: 南县福利院" in html
    assert "催办：" not in html


def test_the_bell_counts_them(world, told, client_for):
    html = client_for(world.home_reporter).get(reverse("notifications:list")).content.decode()
    bell = html[html.index("tx-bell"):]
    # the reminder and the feedback notice, and the directive's own delivery notice (issued
    # through the services, it tells the home's people)
    assert re.search(r'badge[^>]*>3<span class="visually-hidden">', bell)


def test_a_notification_opens_the_directive_once_it_has_a_page(told):
    assert note(chase.REMINDER).url == chase.directive_url(told.pk)
