"""Errors as a user and an API client see them: friendly pages in both languages with DEBUG off,
JSON for everything under /api/, and a 503 with Retry-After, never a 500, when the database is down."""

from __future__ import annotations

import copy
import socket
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connections
from django.test import Client, RequestFactory, override_settings
from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.test import APIClient

from tongxin.core import errors
from tongxin.core.api import JSONRenderer
from tongxin.urls import urlpatterns as site_urls

pytestmark = pytest.mark.usefixtures("no_debug")


@pytest.fixture
def no_debug(settings):
    settings.DEBUG = False


def boom(request):
    raise RuntimeError("a bug")


@api_view(["GET"])
@permission_classes([AllowAny])
def api_boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), path("api/boom/", api_boom), *site_urls]  # this module is a URLconf too
handler400, handler403 = "tongxin.core.errors.bad_request", "tongxin.core.errors.permission_denied"
handler404, handler500 = "tongxin.core.errors.not_found", "tongxin.core.errors.server_error"


def english(client):
    client.cookies["django_language"] = "en"
    return client


def page(response) -> str:
    return response.content.decode()


# --- the pages --------------------------------------------------------------------------------

def test_the_404_page_is_friendly_in_chinese_and_english(world, client_for):
    zh = client_for(world.nanxian).get("/no-such-page/")
    assert zh.status_code == 404
    assert "找不到该页面或记录" in page(zh) and "返回首页" in page(zh) and "Traceback" not in page(zh)
    en = english(client_for(world.nanxian)).get("/no-such-page/")
    assert en.status_code == 404
    assert "Page or record not found" in page(en) and "Back to Home" in page(en)


def test_the_403_page_says_what_to_do(world, client_for):
    zh = client_for(world.home_reporter).get("/units/new/")
    assert zh.status_code == 403
    assert "无权" in page(zh) and "返回首页" in page(zh)
    en = english(client_for(world.home_reporter)).get("/units/new/")
    assert en.status_code == 403 and "Back to Home" in page(en)


def test_the_400_page_for_a_disallowed_host(world):
    response = Client(HTTP_HOST="evil.example").get("/accounts/login/")
    assert response.status_code == 400 and "返回首页" in page(response)


@override_settings(ROOT_URLCONF=__name__)
def test_the_500_page_is_friendly_and_needs_no_request_context(world, client_for):
    client = client_for(world.nanxian)
    client.raise_request_exception = False
    zh = client.get("/boom/")
    assert zh.status_code == 500
    assert "系统出错了" in page(zh) and "返回首页" in page(zh) and "a bug" not in page(zh)
    en = english(client).get("/boom/")
    assert en.status_code == 500 and "Something went wrong" in page(en)


def test_a_csrf_failure_is_a_friendly_403(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "nanxian", "password": "x"})
    assert response.status_code == 403
    assert "页面已过期" in page(response)
    response = english(Client(enforce_csrf_checks=True)).post("/accounts/login/", {"username": "x"})
    assert "The page has expired" in page(response)


def test_a_405_on_a_page_is_not_blank(world, client_for):
    response = client_for(world.nanxian).get("/accounts/logout/")
    assert response.status_code == 405
    assert "此地址不接受这种请求方式" in page(response)


# --- JSON under /api/ -------------------------------------------------------------------------

def test_an_unknown_api_path_is_a_json_404(db):
    response = APIClient().get("/api/no-such-thing/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json()["detail"]


def test_a_405_from_a_plain_view_is_json_with_allow(db):
    response = Client().post("/healthz")
    assert response.status_code == 405 and response.json()["detail"]
    assert response["Allow"] == "GET"


def test_a_400_from_a_middleware_is_json_under_the_api(db):
    response = Client(HTTP_HOST="evil.example").get("/api/units/")
    assert response.status_code == 400 and response.json()["detail"]


@override_settings(ROOT_URLCONF=__name__)
def test_a_500_under_the_api_is_json(world, api_for):
    client = api_for(world.nanxian)
    client.raise_request_exception = False
    response = client.get("/api/boom/")
    assert response.status_code == 500
    assert "a bug" not in response.json()["detail"]


def test_a_csrf_failure_under_the_api_is_json(world, client_for):
    client = client_for(world.nanxian)
    client.handler.enforce_csrf_checks = True
    response = client.post("/api/ledger/", {}, content_type="application/json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    request = RequestFactory().post("/api/anything/")
    response = errors.csrf_failure(request, "no token")
    assert response.status_code == 403 and response["Content-Type"] == "application/json"


def test_a_lone_surrogate_in_a_message_is_still_json():
    body = JSONRenderer().render({"kind": ['"\ud800" is not a valid choice.']})
    assert b"\\ud800" in body


# --- the database is down ---------------------------------------------------------------------

def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def database_stopped(tmp_path):
    """The default database unreachable for the requests made inside: SQLite opens a path that is a
    directory, PostgreSQL is asked for at a port nobody listens on."""
    original = connections["default"]
    broken_settings = copy.deepcopy(original.settings_dict)
    if original.vendor == "sqlite":
        broken_settings["NAME"] = str(tmp_path)
    else:
        broken_settings.update(HOST="127.0.0.1", PORT=str(closed_port()))
        broken_settings.setdefault("OPTIONS", {})["connect_timeout"] = 2
    broken = original.__class__(broken_settings, alias="default")
    connections["default"] = broken
    try:
        yield
    finally:
        broken.close()
        connections["default"] = original


def test_with_the_database_stopped_pages_and_api_answer_503(world, client_for, api_for, tmp_path):
    web, api, anonymous = client_for(world.nanxian), api_for(world.nanxian), Client()
    en = english(client_for(world.nanxian))
    with database_stopped(tmp_path):
        with pytest.raises(OperationalError):
            connections["default"].ensure_connection()
        for response in (web.get("/"), web.get("/ledger/"), web.post("/ledger/new/", {"description": "x"}),
                         anonymous.post("/accounts/login/", {"username": "nanxian", "password": "x"})):
            assert response.status_code == 503, response
            assert response["Retry-After"] == str(errors.RETRY_AFTER_SECONDS)
            assert "数据库暂时无法访问" in page(response) and "返回首页" in page(response)
        english_page = en.get("/units/")
        assert english_page.status_code == 503 and "The database cannot be reached" in page(english_page)
        for response in (api.get("/api/units/"), api.post("/api/ledger/", {}, format="json"),
                         APIClient().post("/api/auth/token/", {"username": "nanxian", "password": "x"},
                                          format="json")):
            assert response.status_code == 503, response
            assert response["Retry-After"] and response.json()["detail"]
        health = anonymous.get("/healthz")
        assert health.status_code == 503 and health.json()["status"] == "error"
        assert health["Retry-After"]
    assert web.get("/").status_code == 200  # and back when it returns


def test_an_outage_outside_any_view_is_a_503_too(db, tmp_path):
    """What escapes every middleware reaches the 500 handler, which tells an outage from a bug."""
    for url, json in (("/ledger/", False), ("/api/units/", True)):
        request = RequestFactory().get(url)
        with database_stopped(tmp_path):
            try:
                connections["default"].ensure_connection()
            except OperationalError:
                response = errors.server_error(request)
        assert response.status_code == 503 and response["Retry-After"]
        assert ("application/json" in response["Content-Type"]) is json


def test_an_operational_error_from_a_database_that_answers_is_no_outage(db):
    request = RequestFactory().get("/api/units/")
    try:
        raise OperationalError("LIKE or GLOB pattern too complex")
    except OperationalError:
        response = errors.server_error(request)
    assert response.status_code == 500
