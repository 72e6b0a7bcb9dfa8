"""Web sessions (accounts.session_middleware, accounts.sessions): 30 minutes idle, 8 hours at most,
gone at browser close; a person sees their signed-in sessions and ends the others."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tongxin.accounts.sessions import SignedInSession
from tongxin.core.models import AuditEvent

PASSWORD = "Tongxin#2021"
TIMED_OUT = "登录已超时，请重新登录"
CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"


def signed_in(username: str = "nanxian", agent: str = CHROME, ip: str = "10.0.0.1") -> Client:
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def later(start: dt.datetime, **delta: float):
    return time_machine.travel(start + dt.timedelta(**delta), tick=False)


def test_the_defaults(world):
    assert settings.TONGXIN_SESSION_IDLE_SECONDS == 1800
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_the_session_cookie_dies_with_the_browser(world):
    response = Client().post(reverse("accounts:login"), {"username": "nanxian", "password": PASSWORD})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value and not cookie["expires"] and not cookie["max-age"]


def test_thirty_minutes_idle_end_the_session_with_words(world):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = signed_in()
    with later(start, minutes=29):
        assert client.get(reverse("home")).status_code == 200
    with later(start, minutes=29 + 31):
        response = client.get(reverse("units:list"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login")) and "next=" in response["Location"]
        page = client.get(response["Location"]).content.decode()
        assert TIMED_OUT in page
        assert client.get(reverse("home")).status_code == 302  # stays signed out
    assert not SignedInSession.objects.filter(user=world.nanxian).exists()
    assert AuditEvent.objects.filter(action="logout", actor_id=world.nanxian.pk, object_repr__contains="超时").exists()


def test_the_idle_limit_is_a_setting(world, settings):
    settings.TONGXIN_SESSION_IDLE_SECONDS = 300
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = signed_in()
    with later(start, minutes=6):
        assert client.get(reverse("home")).status_code == 302


def test_activity_keeps_it_alive_but_not_past_eight_hours(world):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = signed_in()
    for minutes in range(20, 8 * 60, 20):
        with later(start, minutes=minutes):
            assert client.get(reverse("home")).status_code == 200, minutes
    with later(start, hours=8, minutes=5):
        assert client.get(reverse("home")).status_code == 302


def test_the_session_is_not_written_on_every_request(world):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = signed_in()
    key = client.cookies[settings.SESSION_COOKIE_NAME].value

    def stored():
        return Session.objects.get(session_key=key).session_data, SignedInSession.objects.get(session_key=key).last_seen

    before = stored()
    with later(start, seconds=40):
        client.get(reverse("home"))
    assert stored() == before
    with later(start, seconds=70):
        client.get(reverse("home"))
    after = stored()
    assert after[0] != before[0] and after[1] == start + dt.timedelta(seconds=70)


def test_an_api_call_on_a_timed_out_session_is_401_json(world):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = APIClient()
        client.force_login(world.nanxian)
        assert client.get("/api/units/").status_code == 200
    with later(start, minutes=31):
        response = client.get("/api/units/")
    assert response.status_code == 401 and response.json()["detail"] == TIMED_OUT


def test_a_person_sees_their_sessions_and_ends_another(world):
    here, there = signed_in(agent=CHROME, ip="10.0.0.1"), signed_in(agent=FIREFOX, ip="10.0.0.2")
    stranger = signed_in("cili", ip="10.9.9.9")
    html = here.get(reverse("accounts:sessions")).content.decode()
    assert "Chrome 120 · Windows" in html and "Firefox 121 · Linux" in html and "10.0.0.2" in html
    assert "10.9.9.9" not in html
    other = SignedInSession.objects.get(user=world.nanxian, ip="10.0.0.2")
    theirs = SignedInSession.objects.get(user=world.cili)
    assert here.post(reverse("accounts:end-session", args=[theirs.pk])).status_code == 404
    assert stranger.get(reverse("home")).status_code == 200
    mine = SignedInSession.objects.get(user=world.nanxian, ip="10.0.0.1")
    assert here.post(reverse("accounts:end-session", args=[mine.pk])).status_code == 404  # that is sign-out
    assert here.post(reverse("accounts:end-session", args=[other.pk])).status_code == 302
    assert there.get(reverse("home")).status_code == 302  # signed out there
    assert not Session.objects.filter(session_key=other.session_key).exists()
    assert here.get(reverse("home")).status_code == 200
    event = AuditEvent.objects.filter(action="logout", object_id=str(world.nanxian.pk)).latest("pk")
    assert "10.0.0.2" in event.changes["sessions"]


def test_ending_all_other_sessions(world):
    here, one, two = signed_in(), signed_in(ip="10.0.0.3"), signed_in(ip="10.0.0.4")
    assert here.post(reverse("accounts:end-other-sessions")).status_code == 302
    assert one.get(reverse("home")).status_code == 302 and two.get(reverse("home")).status_code == 302
    assert here.get(reverse("home")).status_code == 200
    assert SignedInSession.objects.filter(user=world.nanxian).count() == 1


def test_signing_out_removes_the_session_from_the_list(world):
    client = signed_in()
    assert SignedInSession.objects.filter(user=world.nanxian).count() == 1
    client.post(reverse("accounts:logout"))
    assert not SignedInSession.objects.filter(user=world.nanxian).exists()


def test_changing_the_password_ends_the_other_sessions(world):
    here, there = signed_in("nanxian-home-01"), signed_in("nanxian-home-01", ip="10.0.0.5")
    new = "Fresh#Passw0rd-2026"
    response = here.post(reverse("accounts:password"),
                         {"old_password": PASSWORD, "new_password": new, "new_password2": new})
    assert response.status_code == 302
    assert here.get(reverse("home")).status_code == 200
    assert there.get(reverse("home")).status_code == 302
    assert list(SignedInSession.objects.filter(user=world.home_reporter).values_list("ip", flat=True)) == ["10.0.0.1"]


def test_the_timeout_runs_after_the_database_outage_guard():
    """Before it, a stopped database would raise in the timeout's query instead of answering 503
    (tests/core/test_errors.py::test_with_the_database_stopped_pages_and_api_answer_503)."""
    order = settings.MIDDLEWARE
    assert order.index("tongxin.accounts.session_middleware.SessionIdleTimeoutMiddleware") > order.index(
        "tongxin.core.errors.DatabaseUnavailableMiddleware")

