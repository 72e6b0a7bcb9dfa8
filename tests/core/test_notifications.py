"""The notification centre: each user sees and marks only their own notifications, stored as a
message key plus parameters and read in the reader's language."""

from __future__ import annotations

import logging

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy

from tests.reports.conftest import START, at, good_values
from tongxin.core import notify as notify_module
from tongxin.core.models import Notification
from tongxin.core.notify import notify, register, render
from tongxin.core.notify_views import unread_count
from tongxin.regions.models import Region
from tongxin.reports import services as report_services

LIST = reverse("notifications:list")

# A kind of message for these tests: its text is its one parameter.
register("tests.note", title="%(text)s", body="%(detail)s")


def note(recipients, text: str, *, url: str = "", detail: str = "") -> list[Notification]:
    return notify(recipients, key="tests.note", params={"text": text, "detail": detail}, url=url)


def test_list_shows_own_notifications_only_newest_first(world, client_for):
    note([world.nanxian], "催报：7月30日尚未报送", url="/reports/overview/")
    note([world.nanxian], "第二条通知")
    note([world.cili], "慈利县的通知")
    response = client_for(world.nanxian).get(LIST)
    assert response.status_code == 200
    assert [n.message.title for n in response.context["object_list"]] == ["第二条通知", "催报：7月30日尚未报送"]
    assert "慈利县的通知" not in response.content.decode()
    assert response.context["unread"] == 2


def test_unread_notifications_are_highlighted(world, client_for):
    (old,) = note([world.nanxian], "已读的通知")
    note([world.nanxian], "未读的通知")
    client = client_for(world.nanxian)
    client.post(reverse("notifications:read", args=[old.pk]))
    html = client.get(LIST).content.decode()
    assert html.count('data-unread="true"') == 1 and html.count('data-unread="false"') == 1


def test_marking_read_follows_the_link(world, client_for):
    (n,) = note([world.nanxian], "催报", url="/reports/overview/?region=430921")
    response = client_for(world.nanxian).post(reverse("notifications:read", args=[n.pk]))
    assert response.status_code == 302 and response["Location"] == "/reports/overview/?region=430921"
    n.refresh_from_db()
    assert n.read_at is not None


def test_marking_read_never_leaves_the_site(world, client_for):
    (n,) = note([world.nanxian], "可疑链接", url="https://example.com/phish")
    response = client_for(world.nanxian).post(reverse("notifications:read", args=[n.pk]))
    assert response["Location"] == LIST


def test_someone_elses_notification_is_404_and_stays_unread(world, client_for):
    (theirs,) = note([world.cili], "慈利县的通知")
    response = client_for(world.nanxian).post(reverse("notifications:read", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_read_by_get_is_not_allowed(world, client_for):
    (n,) = note([world.nanxian], "通知")
    assert client_for(world.nanxian).get(reverse("notifications:read", args=[n.pk])).status_code == 405


def test_read_all_marks_only_own_notifications(world, client_for):
    note([world.nanxian], "一")
    note([world.nanxian], "二")
    note([world.cili], "慈利")
    response = client_for(world.nanxian).post(reverse("notifications:read-all"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=world.nanxian, read_at__isnull=True).exists()
    assert Notification.objects.get(recipient=world.cili).read_at is None


def test_unread_count_counts_the_signed_in_users_unread(world):
    note([world.nanxian], "一")
    note([world.nanxian, world.cili], "二")
    request = RequestFactory().get("/")
    request.user = world.nanxian
    assert unread_count(request) == {"unread_notifications": 2}


def test_anonymous_visitor_is_asked_to_sign_in(world, client):
    response = client.get(LIST)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


# --- in the reader's language -------------------------------------------------------------------

@pytest.fixture
def reminded(world):
    """南县's officer, working in Chinese, reminds 南县南洲镇敬老院 (two reporters) for START."""
    from tongxin.accounts.services import create_user
    from tongxin.units.models import Kind
    from tongxin.units.services import grant_role

    (version,) = report_services.load_builtin_forms()
    daily = report_services.create_assignment(
        world.hunan, form=version.form, issuer=world.province, region=Region.objects.get(code="430000"),
        name="养老机构疫情防控日报", deadline=at(START, 10).time(), start_date=START, end_date=START,
        unit_kinds=[Kind.ELDERLY_CARE])
    report_services.submit_report(world.home_reporter, assignment=daily, unit=world.nanxian_home, day=START,
                                  values=good_values(), now=at(START, 9))
    readers = []
    for username in ("nanxian-home-02", "nanxian-home-03"):
        user = create_user(None, username=username, password="x" * 12, check_password=False)
        grant_role(None, user, world.nanxian_home_2, "reporter")
        readers.append(user)
    with translation.override("zh-hans"):
        report_services.remind_missing(world.nanxian, assignment=daily, region=Region.objects.get(code="430921"),
                                       day=START)
    return readers


def test_a_reminder_from_a_chinese_speaking_officer_reads_in_english_to_an_english_reader(reminded, client_for):
    english, chinese = reminded
    client = client_for(english)
    client.cookies["django_language"] = "en"
    html = client.get(LIST).content.decode()
    assert "Reminder: 南县南洲镇敬老院 has not filed 养老机构疫情防控日报 (2021-07-26)" in html
    assert "Please file as soon as possible today" in html
    assert "尚未报送" not in html and "请于今日尽快报送" not in html
    html = client_for(chinese).get(LIST).content.decode()
    assert "催报：南县南洲镇敬老院 尚未报送养老机构疫情防控日报（2021-07-26）" in html and "请于今日尽快报送" in html


def test_a_reminder_is_stored_as_key_and_parameters(reminded):
    n = Notification.objects.get(recipient=reminded[0])
    assert (n.key, n.params) == ("reports.reminder",
                                 {"unit": "南县南洲镇敬老院", "form": "养老机构疫情防控日报", "day": "2021-07-26"})
    assert render(n, "en").label == "Reminder" and render(n, "zh-hans").label == "催报"


def test_a_message_sent_while_the_sender_reads_english_still_reads_in_chinese(world, client_for):
    register("tests.greeting", title=gettext_lazy("通知"))
    with translation.override("en"):
        (n,) = notify([world.nanxian], key="tests.greeting")
    assert n.title == "通知"  # the fallback is kept in the default language, not the sender's
    assert render(n, "zh-hans").title == "通知" and render(n, "en").title == "Notifications"


def test_an_unknown_key_falls_back_to_the_stored_text(world, client_for):
    Notification.objects.create(recipient=world.nanxian, key="gone.away", params={"x": 1}, title="旧版本的通知",
                                body="旧的内容")
    response = client_for(world.nanxian).get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "旧版本的通知" in html and "旧的内容" in html


def test_an_old_reminder_without_parameters_shows_its_stored_text_with_a_translated_label(world, client_for):
    Notification.objects.create(recipient=world.nanxian, key="reports.reminder", title="催报：7月30日尚未报送")
    client = client_for(world.nanxian)
    client.cookies["django_language"] = "en"
    (n,) = client.get(LIST).context["object_list"]
    assert (n.message.title, n.message.label) == ("催报：7月30日尚未报送", "Reminder")


def test_a_row_with_neither_template_nor_text_still_reads_safely(world):
    n = Notification.objects.create(recipient=world.nanxian, key="gone.away", params="not a dict")
    assert render(n, "en").title == "Notifications"


def test_sending_an_unregistered_key_is_refused_and_stores_nothing(world):
    with pytest.raises(ValueError):
        notify([world.nanxian], key="nobody.registered.this")
    assert not Notification.objects.exists()


def test_sending_without_the_parameters_the_message_needs_is_refused(world):
    with pytest.raises(KeyError):
        notify([world.nanxian], key="tests.note", params={"text": "缺少 detail"})
    assert not Notification.objects.exists()


def test_parameters_are_escaped_in_html(world, client_for):
    note([world.nanxian], "<script>alert(1)</script>", detail='<img src=x onerror="alert(2)">')
    html = client_for(world.nanxian).get(LIST).content.decode()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in html


class Collecting:
    """A delivery backend that keeps what it would send."""

    sent: list = []

    def deliver(self, notification, message):
        Collecting.sent.append((notification.recipient_id, message.title, message.body))


def test_delivery_renders_in_the_recipients_language_after_commit(world, settings,
                                                                   django_capture_on_commit_callbacks):
    settings.TONGXIN_NOTIFY_BACKENDS = [f"{__name__}.Collecting", "tongxin.core.notify.LoggingBackend"]
    Collecting.sent = []
    register("tests.greeting", title=gettext_lazy("通知"))
    world.cili.language = "en"  # a stored language preference, as an accounts field would give it
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        notify([world.nanxian, world.cili], key="tests.greeting")
        assert Collecting.sent == []  # nothing leaves before the transaction commits
    assert sorted(Collecting.sent) == sorted([(world.nanxian.pk, "通知", ""), (world.cili.pk, "Notifications", "")])


class Broken:
    """A gateway that is down."""

    def deliver(self, notification, message):
        raise RuntimeError("gateway down")


def test_a_failing_gateway_does_not_stop_the_others(world, settings, django_capture_on_commit_callbacks, caplog):
    settings.TONGXIN_NOTIFY_BACKENDS = [f"{__name__}.Broken", f"{__name__}.Collecting"]
    Collecting.sent = []
    with caplog.at_level(logging.ERROR, logger="tongxin.notify"), django_capture_on_commit_callbacks(execute=True):
        note([world.nanxian], "一")
    assert Collecting.sent == [(world.nanxian.pk, "一", "")]
    assert "delivery failed" in caplog.text


def test_a_user_without_a_language_preference_reads_chinese(world):
    assert notify_module.recipient_language(world.nanxian) == "zh-hans"


# --- the unread badge in the header ------------------------------------------------------------

def _bells(html: str) -> list[str]:
    """The navbar's bell links (one beside the phone menu, one in the desktop menu)."""
    out, at = [], 0
    while (at := html.find("tx-bell", at)) != -1:
        out.append(html[html.rindex("<a", 0, at):html.index("</a>", at)])
        at += 1
    return out


def test_the_header_shows_the_unread_count_on_phone_and_desktop(world, client_for):
    note([world.nanxian], "一")
    note([world.nanxian], "二")
    note([world.cili], "慈利")
    bells = _bells(client_for(world.nanxian).get(reverse("home")).content.decode())
    assert len(bells) == 2
    assert any("d-lg-none" in b for b in bells) and any("d-none d-lg-inline-block" in b for b in bells)
    for bell in bells:
        assert f'href="{LIST}"' in bell and ">2<" in bell and "条未读通知" in bell


def test_the_english_menu_folds_on_a_narrower_screen_than_the_chinese_one(world, client_for):
    """English labels are twice as wide: at 1280 px the full English menu wrapped into a header a
    third of the screen tall, so it folds below xxl (1400 px) with its bells, and Chinese below lg."""
    c = client_for(world.nanxian)
    chinese = c.get(reverse("home")).content.decode()
    assert "navbar-expand-lg" in chinese and any("d-lg-none" in b for b in _bells(chinese))
    c.cookies["django_language"] = "en"
    english = c.get(reverse("home")).content.decode()
    assert "navbar-expand-xxl" in english and "navbar-expand-lg" not in english
    assert any("d-xxl-none" in b for b in _bells(english)) and any("d-xxl-inline-block" in b for b in _bells(english))


def test_the_header_shows_no_count_when_all_is_read(world, client_for):
    note([world.nanxian], "一")
    client = client_for(world.nanxian)
    client.post(reverse("notifications:read-all"))
    bells = _bells(client.get(reverse("home")).content.decode())
    assert bells and not any("badge" in b for b in bells)


def test_a_large_unread_count_reads_99_plus(world, client_for):
    for i in range(100):
        note([world.nanxian], f"通知 {i}")
    bells = _bells(client_for(world.nanxian).get(reverse("home")).content.decode())
    assert all(">99+<" in b for b in bells)


def test_the_header_badge_reads_in_english(world, client_for):
    note([world.nanxian], "一")
    client = client_for(world.nanxian)
    client.cookies["django_language"] = "en"
    bells = _bells(client.get(reverse("home")).content.decode())
    assert all("unread notification" in b and 'aria-label="Notifications"' in b for b in bells)


def test_marking_read_can_stay_on_the_list(world, client_for):
    (n,) = note([world.nanxian], "催报", url="/reports/overview/")
    response = client_for(world.nanxian).post(reverse("notifications:read", args=[n.pk]), {"stay": "1"})
    assert response.status_code == 302 and response["Location"] == LIST
    n.refresh_from_db()
    assert n.read_at is not None


def test_the_list_shows_local_time(world, client_for):
    import datetime as dt

    from django.utils import timezone

    at = dt.datetime(2021, 8, 1, 16, 30, tzinfo=dt.UTC)  # 00:30 on the 2nd in Beijing
    notify([world.nanxian], key="tests.note", params={"text": "夜间通知", "detail": ""}, at=at)
    html = client_for(world.nanxian).get(LIST).content.decode()
    assert "2021-08-02 00:30" in html
    assert timezone.localtime(at).hour == 0


def test_every_registered_kind_reads_in_both_languages():
    """Each kind the apps register has its Chinese wording and an English translation."""
    from tongxin.core.notify import _KINDS

    keys = {"reports.reminder", "ledger.opened", "ledger.returned", "ledger.awaiting", "ledger.due_soon",
            "ledger.overdue", "inspections.team"}
    assert keys <= set(_KINDS)
    for key in keys:
        kind = _KINDS[key]
        with translation.override("en"):
            english = (str(kind.title), str(kind.body), str(kind.label))
        with translation.override("zh-hans"):
            chinese = (str(kind.title), str(kind.body), str(kind.label))
        for en, zh in zip(english, chinese, strict=True):
            assert not zh or (en != zh or zh == "%(description)s"), (key, zh)
