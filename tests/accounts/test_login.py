"""Signing in and out on the web."""

from __future__ import annotations

from django.urls import reverse


def test_login_page_is_chinese_by_default(db, client):
    html = client.get(reverse("accounts:login")).content.decode()
    assert "登录同心" in html and 'lang="zh-CN"' in html


def test_wrong_password_shows_a_message(world, client):
    response = client.post(reverse("accounts:login"), {"username": "nanxian", "password": "nope"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_login_then_home(world, client):
    response = client.post(reverse("accounts:login"), {"username": "nanxian", "password": "Tongxin#2021"})
    assert response.status_code == 302
    html = client.get(reverse("home")).content.decode()
    assert "南县民政局" in html


def test_pages_need_login(db, client):
    for url in (reverse("units:list"), reverse("audit:list"), reverse("donations:index")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_an_anonymous_visitor_to_the_root_lands_on_the_public_site(db, client):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("portal:index")


def test_logout_needs_post(world, client_for):
    c = client_for(world.nanxian)
    assert c.get(reverse("accounts:logout")).status_code == 405
    assert c.post(reverse("accounts:logout")).status_code == 302
