"""Notices (通知公告 / 工作动态): the services and the staff's pages. A bureau's officer writes one,
publishes it and it is on /public/notices/ at once; bad input is refused in words with nothing
saved; a stranger county's officer never reaches another's notices."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from tongxin.portal import services
from tongxin.portal.models import Notice

TITLE = "关于接受社会捐赠的公告"
VALUES = {"kind": "notice", "title": TITLE, "source": "南县民政局", "author": "办公室", "day": "2021-08-05",
          "body": "各界爱心人士：……", "original_url": "https://www.nanxian.gov.cn/mzj/1.html"}


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run the on-commit callbacks (the public cache bump) of the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


# --- services -------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_create_notice_saves_it_unpublished_with_clean_values(world):
    notice = services.create_notice(world.nanxian, world.nanxian_bureau, {**VALUES, "title": f"  {TITLE} "})
    assert notice.title == TITLE and not notice.is_published and notice.created_by == world.nanxian
    assert notice.day.isoformat() == "2021-08-05"


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value"), [("title", ""), ("title", "长" * 151), ("source", " "),
                                              ("body", ""), ("kind", "nope"), ("day", "2021-13-01"),
                                              ("original_url", "javascript:alert(1)"),
                                              ("original_url", "ftp://example.com/x")])
def test_create_notice_refuses_bad_input_field_by_field(world, field, value):
    with pytest.raises(ValidationError) as exc:
        services.create_notice(world.nanxian, world.nanxian_bureau, {**VALUES, field: value})
    assert set(exc.value.message_dict) == {field}
    assert not Notice.objects.exists()


@pytest.mark.django_db
def test_only_a_bureau_publishes_notices(world):
    with pytest.raises(ValidationError) as exc:
        services.create_notice(world.nanxian, world.nanxian_home, VALUES)
    assert "unit" in exc.value.message_dict


@pytest.mark.django_db
def test_a_stranger_county_cannot_write_or_publish_anothers_notice(world):
    notice = services.create_notice(world.nanxian, world.nanxian_bureau, VALUES)
    with pytest.raises(Http404):
        services.create_notice(world.cili, world.nanxian_bureau, VALUES)
    with pytest.raises(Http404):
        services.publish(world.cili, notice)
    with pytest.raises((Http404, PermissionDenied)):
        services.edit_notice(world.home_reporter, notice, VALUES)
    notice.refresh_from_db()
    assert not notice.is_published


@pytest.mark.django_db
def test_edit_publish_and_unpublish_change_the_public_site_at_once(world, client, commit):
    with commit():
        notice = services.create_notice(world.nanxian, world.nanxian_bureau, VALUES)
    url = reverse("portal:notices")
    assert TITLE not in client.get(url).content.decode()  # cached without it
    with commit():
        services.publish(world.nanxian, notice)
    assert TITLE in client.get(url).content.decode()
    with commit():
        services.edit_notice(world.nanxian, notice, {**VALUES, "title": "更正后的公告"})
    page = client.get(url).content.decode()
    assert "更正后的公告" in page and TITLE not in page
    with commit():
        services.unpublish(world.nanxian, notice)
    assert "更正后的公告" not in client.get(url).content.decode()
    assert client.get(reverse("portal:notice", args=[notice.pk])).status_code == 404


# --- pages ----------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_officer_writes_publishes_and_the_notice_is_public(world, client_for, client, commit):
    staff = client_for(world.nanxian)
    assert staff.get(reverse("portal:notice-create")).status_code == 200
    with commit():
        r = staff.post(reverse("portal:notice-create"), {**VALUES, "unit": world.nanxian_bureau.pk})
    assert r.status_code == 302 and r.url == reverse("portal:notice-admin")
    notice = Notice.objects.get()
    assert TITLE in staff.get(reverse("portal:notice-admin")).content.decode()
    assert TITLE not in client.get(reverse("portal:notices")).content.decode()
    with commit():
        assert staff.post(reverse("portal:notice-publish", args=[notice.pk])).status_code == 302
    assert TITLE in client.get(reverse("portal:notices")).content.decode()
    assert client.get(reverse("portal:notice", args=[notice.pk])).status_code == 200
    with commit():
        assert staff.post(reverse("portal:notice-unpublish", args=[notice.pk])).status_code == 302
    assert TITLE not in client.get(reverse("portal:notices")).content.decode()


@pytest.mark.django_db
def test_an_empty_title_re_shows_the_form_with_words(world, client_for):
    r = client_for(world.nanxian).post(reverse("portal:notice-create"),
                                       {**VALUES, "title": "", "unit": world.nanxian_bureau.pk})
    assert r.status_code == 400
    html = r.content.decode()
    assert 'data-error="title"' in html and "请填写此项" in html
    assert not Notice.objects.exists()


@pytest.mark.django_db
def test_a_bad_original_link_re_shows_the_form_with_words(world, client_for):
    r = client_for(world.nanxian).post(reverse("portal:notice-create"),
                                       {**VALUES, "original_url": "javascript:alert(1)",
                                        "unit": world.nanxian_bureau.pk})
    assert r.status_code == 400 and "http:// 或 https://" in r.content.decode()
    assert not Notice.objects.exists()


@pytest.mark.django_db
def test_editing_keeps_the_bureau_and_refuses_bad_input(world, client_for, client, commit):
    with commit():
        notice = services.publish(world.nanxian, services.create_notice(world.nanxian, world.nanxian_bureau, VALUES))
    staff = client_for(world.nanxian)
    url = reverse("portal:notice-edit", args=[notice.pk])
    assert TITLE in staff.get(url).content.decode()
    bad = staff.post(url, {**VALUES, "day": "not a day"})
    assert bad.status_code == 400 and "2021-08-05" in bad.content.decode()
    with commit():
        assert staff.post(url, {**VALUES, "title": "修改后的标题"}).status_code == 302
    notice.refresh_from_db()
    assert notice.title == "修改后的标题" and notice.unit == world.nanxian_bureau
    assert "修改后的标题" in client.get(reverse("portal:notices")).content.decode()


@pytest.mark.django_db
def test_a_stranger_county_gets_404_and_a_home_reporter_cannot_write(world, client_for):
    notice = services.create_notice(world.nanxian, world.nanxian_bureau, VALUES)
    cili = client_for(world.cili)
    assert TITLE not in cili.get(reverse("portal:notice-admin")).content.decode()
    assert cili.get(reverse("portal:notice-edit", args=[notice.pk])).status_code == 404
    assert cili.post(reverse("portal:notice-publish", args=[notice.pk])).status_code == 404
    r = cili.post(reverse("portal:notice-create"), {**VALUES, "unit": world.nanxian_bureau.pk})
    assert r.status_code == 400 and not Notice.objects.filter(title=TITLE).exclude(pk=notice.pk).exists()
    assert client_for(world.home_reporter).get(reverse("portal:notice-create")).status_code == 403
    notice.refresh_from_db()
    assert not notice.is_published


@pytest.mark.django_db
def test_signed_in_staff_reach_the_notice_pages_from_the_public_site(world, client_for, client):
    assert reverse("portal:notice-admin") in client_for(world.nanxian).get(reverse("portal:notices")).content.decode()
    assert reverse("portal:notice-admin") not in client.get(reverse("portal:notices")).content.decode()


@pytest.mark.django_db
def test_anonymous_is_sent_to_the_login(client, world):
    assert client.get(reverse("portal:notice-admin")).status_code == 302
    assert client.post(reverse("portal:notice-create"), VALUES).status_code == 302
