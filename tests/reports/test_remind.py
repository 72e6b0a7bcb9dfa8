"""催报: the overview's button asks for confirmation (a page, no JavaScript needed) that says when the
same units were last reminded for the day; a confirmed reminder tells each missing unit's staff
once, naming the unit, and is not repeated within 30 minutes — not by a second click, not by a
race; a day after today or outside the assignment's period is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.reports.conftest import at, good_values
from tongxin.accounts.services import create_user
from tongxin.core.models import AuditEvent, Notification
from tongxin.core.notify import render
from tongxin.regions.models import Region
from tongxin.reports import services
from tongxin.reports.models import Reminder
from tongxin.units.models import Kind, Role
from tongxin.units.services import grant_role

DAY = dt.date(2021, 8, 2)
URL = reverse("reports:remind")


def reporter(username, unit, role=Role.REPORTER):
    user = create_user(None, username=username, password="x" * 12, check_password=False)
    grant_role(None, user, unit, role)
    return user


@pytest.fixture
def missing(world, daily):
    """On DAY 南县福利院 has filed; 南县南洲镇敬老院 (a reporter and a manager) and 慈利县零阳镇敬老院 (a
    reporter) have not."""
    services.submit_report(world.hunan, assignment=daily, unit=world.nanxian_home, day=DAY, values=good_values(),
                           now=at(DAY, 9))
    return {"nanzhou": [reporter("nanzhou-01", world.nanxian_home_2),
                        reporter("nanzhou-mgr", world.nanxian_home_2, Role.MANAGER)],
            "cili": [reporter("cili-home-01", world.cili_home)]}


def params(daily, region="430921", day=DAY, **extra):
    return {"assignment": daily.pk, "region": region, "day": day.isoformat(), **extra}


def remind(world, daily, region="430921", day=DAY, now=None, actor=None):
    return services.remind_missing(actor or world.nanxian, assignment=daily, region=Region.objects.get(code=region),
                                   day=day, now=now or at(DAY, 15))


def told():
    return sorted(Notification.objects.filter(key="reports.reminder").values_list("recipient__username", flat=True))


# --- confirmation ------------------------------------------------------------------------------

def test_the_overview_button_opens_the_confirmation_by_get(world, daily, missing, client_for):
    html = client_for(world.nanxian).get(reverse("reports:overview"), params(daily)).content.decode()
    start = html.index('id="remind-form"')
    form = html[html.rindex("<form", 0, start):html.index("</form>", start)]
    assert 'method="get"' in form and f'action="{URL}"' in form


def test_the_confirmation_lists_the_units_and_sends_nothing(world, daily, missing, client_for):
    response = client_for(world.nanxian).get(URL, params(daily))
    html = response.content.decode()
    assert response.status_code == 200
    assert "南县南洲镇敬老院" in html and "慈利县零阳镇敬老院" not in html and "南县福利院</span>" not in html
    assert "这些单位当日尚未被催报过" in html and "确认催报（1 个单位）" in html
    assert 'name="confirm" value="1"' in html
    assert not Notification.objects.exists() and not Reminder.objects.exists()


def test_the_confirmation_reads_in_english(world, daily, missing, client_for):
    client = client_for(world.nanxian)
    client.cookies["django_language"] = "en"
    remind(world, daily, now=timezone.now() - dt.timedelta(minutes=5))
    html = client.get(URL, params(daily)).content.decode()
    assert "Confirm reminder" in html and "Last reminded:" in html
    assert "reminded less than 30 minutes ago" in html or "not repeated within 30 minutes" in html
    assert "催报确认" not in html and "上次催报" not in html


def test_a_post_without_confirmation_comes_back_to_the_confirmation(world, daily, missing, client_for):
    response = client_for(world.nanxian).post(URL, params(daily))
    assert response.status_code == 302 and response["Location"].startswith(URL + "?")
    assert not Notification.objects.exists()


def test_a_confirmed_reminder_tells_each_missing_units_staff_once_naming_the_unit(world, daily, missing, client_for):
    response = client_for(world.nanxian).post(URL, params(daily, confirm="1"), follow=True)
    assert "已向 1 个未报单位发出催报" in response.content.decode()
    assert told() == ["nanzhou-01", "nanzhou-mgr"]
    n = Notification.objects.get(recipient__username="nanzhou-01")
    assert n.params == {"unit": "南县南洲镇敬老院", "form": daily.name, "day": "2021-08-02"}
    assert n.url == reverse("reports:file", args=[daily.pk, "2021-08-02"]) + f"?unit={world.nanxian_home_2.pk}"
    assert render(n, "zh-hans").title == f"催报：南县南洲镇敬老院 尚未报送{daily.name}（2021-08-02）"
    assert render(n, "en").title == f"Reminder: 南县南洲镇敬老院 has not filed {daily.name} (2021-08-02)"
    assert Reminder.objects.get().sent_by == world.nanxian
    assert AuditEvent.objects.filter(action="remind").count() == 1


def test_a_province_reminder_tells_every_countys_missing_units_and_no_one_else(world, daily, missing):
    done = remind(world, daily, region="430000", actor=world.hunan)
    assert {u.name for u in done.reminded} == {"慈利县零阳镇敬老院", "南县南洲镇敬老院"}
    assert told() == ["cili-home-01", "nanzhou-01", "nanzhou-mgr"]
    assert not Notification.objects.filter(recipient__in=[world.home_reporter, world.nanxian, world.cili]).exists()


# --- not repeated within 30 minutes ------------------------------------------------------------

def test_a_second_click_sends_nothing_and_says_when_it_was_sent(world, daily, missing, client_for):
    client = client_for(world.nanxian)
    client.post(URL, params(daily, confirm="1"))
    first = Notification.objects.count()
    sent_at = timezone.localtime(Reminder.objects.get().sent_at).strftime("%H:%M")
    response = client.post(URL, params(daily, confirm="1"), follow=True)
    assert f"已于 {sent_at} 催报过，30 分钟内不重复发送" in response.content.decode()
    assert Notification.objects.count() == first and Reminder.objects.count() == 1
    assert AuditEvent.objects.filter(action="remind").count() == 1


def test_the_confirmation_shows_the_last_reminder_and_offers_no_button_within_30_minutes(world, daily, missing,
                                                                                        client_for):
    remind(world, daily, now=timezone.now() - dt.timedelta(minutes=10))
    html = client_for(world.nanxian).get(URL, params(daily)).content.decode()
    assert "上次催报：" in html and "30 分钟内不重复发送" in html
    assert 'name="confirm"' not in html


def test_after_30_minutes_the_same_units_may_be_reminded_again(world, daily, missing):
    remind(world, daily, now=at(DAY, 15))
    assert remind(world, daily, now=at(DAY, 15, 29)).reminded == []
    again = remind(world, daily, now=at(DAY, 15, 31))
    assert [u.name for u in again.reminded] == ["南县南洲镇敬老院"]
    assert len(told()) == 4 and Reminder.objects.count() == 2


def test_the_system_administrators_window_replaces_the_30_minutes(world, daily, missing, client_for):
    from tongxin.core import system_settings

    system_settings.change(None, "reports.reminder_dedupe_minutes", "5")
    remind(world, daily, now=at(DAY, 15))
    assert remind(world, daily, now=at(DAY, 15, 4)).reminded == []
    assert [u.name for u in remind(world, daily, now=at(DAY, 15, 6)).reminded] == ["南县南洲镇敬老院"]
    remind(world, daily, now=timezone.now() - dt.timedelta(minutes=2))
    assert "5 分钟内不重复发送" in client_for(world.nanxian).get(URL, params(daily)).content.decode()


def test_units_reminded_recently_are_skipped_while_the_others_are_reminded(world, daily, missing, client_for):
    remind(world, daily, region="430921", now=timezone.now() - dt.timedelta(minutes=5))
    page = client_for(world.hunan).get(URL, params(daily, region="430000")).content.decode()
    assert "确认催报（1 个单位）" in page and "1 个单位在 30 分钟内已催报过" in page
    response = client_for(world.hunan).post(URL, params(daily, region="430000", confirm="1"), follow=True)
    html = response.content.decode()
    assert "已向 1 个未报单位发出催报" in html and "另有 1 个单位已于" in html
    assert told() == ["cili-home-01", "nanzhou-01", "nanzhou-mgr"]


def test_the_same_units_on_another_day_or_assignment_are_not_held_back(world, daily, missing):
    remind(world, daily, now=at(DAY, 15))
    other_day = remind(world, daily, day=DAY - dt.timedelta(days=1), now=at(DAY, 15, 5))
    assert "南县南洲镇敬老院" in [u.name for u in other_day.reminded]


# --- refused days ------------------------------------------------------------------------------

def test_a_day_outside_the_period_is_refused_with_a_message(world, daily, missing, client_for):
    with pytest.raises(ValidationError) as exc:
        remind(world, daily, day=dt.date(2016, 8, 2))
    assert "不在该任务的报送期内" in exc.value.message_dict["day"][0]
    response = client_for(world.nanxian).post(URL, params(daily, day=dt.date(2016, 8, 2), confirm="1"), follow=True)
    assert "2016-08-02 不在该任务的报送期内（2021-07-26 至 2021-08-09），不能催报" in response.content.decode()
    page = client_for(world.nanxian).get(URL, params(daily, day=dt.date(2021, 8, 20)), follow=True)
    assert "不在该任务的报送期内" in page.content.decode()
    assert not Notification.objects.exists() and not Reminder.objects.exists()


def test_a_day_in_the_future_is_refused(world, daily, missing):
    today = timezone.localdate()
    live = services.create_assignment(
        world.hunan, form=daily.form, issuer=world.province, region=Region.objects.get(code="430000"),
        name="冬季安全生产日报", deadline=dt.time(10), start_date=today - dt.timedelta(days=7),
        end_date=today + dt.timedelta(days=30), unit_kinds=[Kind.ELDERLY_CARE])
    tomorrow = today + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.remind_missing(world.nanxian, assignment=live, region=Region.objects.get(code="430921"), day=tomorrow)
    assert exc.value.message_dict["day"] == [f"不能为将来的日期（{tomorrow.isoformat()}）催报"]
    assert not Notification.objects.exists()
    done = services.remind_missing(world.nanxian, assignment=live, region=Region.objects.get(code="430921"), day=today)
    assert "南县南洲镇敬老院" in [u.name for u in done.reminded]


def test_the_future_is_judged_by_the_local_day(world, daily, missing):
    # 2021-08-02 00:30 in Beijing is still 2021-08-01 in UTC: the 2nd is today, not the future.
    done = remind(world, daily, day=DAY, now=at(DAY, 0, 30))
    assert done.reminded
    with pytest.raises(ValidationError):
        remind(world, daily, day=DAY, now=at(DAY - dt.timedelta(days=1), 23, 59))


def test_an_unreadable_day_is_a_message_not_an_error(world, daily, missing, client_for):
    response = client_for(world.nanxian).get(URL, params(daily) | {"day": "2021-8-2x"}, follow=True)
    assert response.status_code == 200 and "催报日期无法识别" in response.content.decode()


def test_a_reporter_and_a_stranger_county_may_not_open_the_confirmation(world, daily, missing, client_for):
    assert client_for(world.home_reporter).get(URL, params(daily)).status_code == 404
    assert client_for(world.cili).get(URL, params(daily)).status_code == 404
    assert not Notification.objects.exists()

