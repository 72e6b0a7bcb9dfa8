"""The receiving pages and API: a unit's copy with its 签收 button, feedback with evidence, forwarding
by a bureau's officer, and the refusals in words (never a 500)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tests.command.helpers import delivery, issue, on_duty, photo, respond, zhangjiajie_officer
from tongxin.command.models import Delivery, Directive

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def notice(world, now):
    """Issued a minute ago to every unit of Hunan, so today's pages may act on it."""
    return issue(world, now=now - dt.timedelta(minutes=1), feedback_required=True)


@pytest.fixture
def city_notice(world, now):
    return issue(world, target_kinds=["bureau"], target_levels=["city"], now=now - dt.timedelta(minutes=1),
                 feedback_required=True)


def jpeg(name="done.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 120, 0)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def url(name, d):
    return reverse(f"command:{name}", args=[d.pk])


def test_the_home_sees_one_big_sign_button_and_signs(world, notice, client_for):
    d = delivery(notice, world.nanxian_home)
    client = client_for(world.home_reporter)
    page = client.get(url("delivery-detail", d)).content.decode()
    assert 'id="sign-button"' in page and notice.title in page
    answer = client.post(url("delivery-sign", d), follow=True)
    assert "已签收" in answer.content.decode()
    assert Delivery.objects.get(pk=d.pk).signed_by == world.home_reporter


def test_the_county_above_sees_the_homes_copy_without_a_button_and_may_not_sign(world, notice, client_for):
    d = delivery(notice, world.nanxian_home)
    client = client_for(world.nanxian)
    assert 'id="sign-button"' not in client.get(url("delivery-detail", d)).content.decode()
    refused = client.post(url("delivery-sign", d))
    assert refused.status_code == 403 and "南县福利院" in refused.content.decode()
    assert Delivery.objects.get(pk=d.pk).signed_at is None


def test_a_stranger_countys_officer_gets_404(world, notice, client_for):
    d = delivery(notice, world.nanxian_home)
    client = client_for(world.cili)
    for name in ("delivery-detail", "delivery-feedback", "delivery-forward"):
        assert client.get(url(name, d)).status_code == 404
    assert client.post(url("delivery-sign", d)).status_code == 404


def test_the_duty_officer_opens_and_signs_a_unit_they_do_not_belong_to(world, notice, client_for, now):
    d = delivery(notice, world.cili_home)
    on_duty(world, world.cili_home, world.nanxian, start=now - dt.timedelta(hours=1))
    client = client_for(world.nanxian)
    assert 'id="sign-button"' in client.get(url("delivery-detail", d)).content.decode()
    client.post(url("delivery-sign", d))
    assert Delivery.objects.get(pk=d.pk).signed_as == "duty"


def test_opening_the_page_records_the_reading_only_under_a_response(world, notice, client_for, now):
    d = delivery(notice, world.nanxian_home)
    client_for(world.home_reporter).get(url("delivery-detail", d))
    assert Delivery.objects.get(pk=d.pk).read_at is None
    respond(world, start=now - dt.timedelta(days=1))
    client_for(world.home_reporter).get(url("delivery-detail", d))
    assert Delivery.objects.get(pk=d.pk).read_at is not None


def test_feedback_with_a_photo_from_the_phone(world, notice, client_for):
    d = delivery(notice, world.nanxian_home)
    client = client_for(world.home_reporter)
    client.post(url("delivery-feedback", d), {"text": "已完成排查", "files": [jpeg()]})
    d = Delivery.objects.get(pk=d.pk)
    assert d.feedback == "已完成排查" and d.signed_at is not None
    assert [a.original_name for a in d.feedback_attachments.all()] == ["done.jpg"]


def test_feeding_back_after_closing_is_refused_in_words(world, notice, client_for):
    d = delivery(notice, world.nanxian_home)
    Directive.objects.filter(pk=notice.pk).update(status=Directive.Status.CLOSED)
    answer = client_for(world.home_reporter).post(url("delivery-feedback", d), {"text": "已完成", "files": [jpeg()]})
    assert answer.status_code == 400 and "已办结" in answer.content.decode()
    d = Delivery.objects.get(pk=d.pk)
    assert d.fed_back_at is None and not d.feedback_attachments.exists()


def test_feedback_too_long_is_refused_on_the_page(world, notice, client_for):
    d = delivery(notice, world.nanxian_home)
    answer = client_for(world.home_reporter).post(url("delivery-feedback", d), {"text": "长" * 6000})
    assert answer.status_code == 400
    assert Delivery.objects.get(pk=d.pk).fed_back_at is None


def test_a_bad_file_is_named_and_nothing_saved(world, notice, client_for):
    d = delivery(notice, world.nanxian_home)
    bad = SimpleUploadedFile("evil.jpg", b"MZ not a picture", content_type="image/jpeg")
    answer = client_for(world.home_reporter).post(url("delivery-feedback", d), {"text": "已完成", "files": [bad]})
    assert answer.status_code == 400 and "evil.jpg" in answer.content.decode()
    assert Delivery.objects.get(pk=d.pk).fed_back_at is None


def test_the_city_officer_forwards_from_the_page(world, city_notice, client_for, now):
    zjj = zhangjiajie_officer(world)
    d = delivery(city_notice, world.zhangjiajie)
    client = client_for(zjj)
    assert 'id="forward-form"' in client.get(url("delivery-detail", d)).content.decode()
    deadline = timezone.localtime(now + dt.timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M")
    answer = client.post(url("delivery-forward", d), {
        "requirements": "各区县局立即部署。", "sign_deadline": deadline, "target_kinds": ["bureau"],
        "feedback_required": "on", "feedback_deadline": timezone.localtime(
            now + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")}, follow=True)
    assert "已转发" in answer.content.decode()
    fwd = Delivery.objects.get(pk=d.pk).forwarded_as
    assert fwd is not None and [x.unit for x in fwd.deliveries.all()] == [world.cili_bureau]
    # the county sees where its copy came from
    county = delivery(fwd, world.cili_bureau)
    page = client_for(world.cili).get(url("delivery-detail", county)).content.decode()
    assert "张家界市民政局" in page and "湖南省民政厅" in page


def test_forwarding_outside_ones_subtree_is_refused_on_the_page(world, city_notice, client_for, now):
    zjj = zhangjiajie_officer(world)
    d = delivery(city_notice, world.zhangjiajie)
    deadline = timezone.localtime(now + dt.timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M")
    answer = client_for(zjj).post(url("delivery-forward", d), {
        "region": "430921", "requirements": "部署。", "sign_deadline": deadline})
    assert answer.status_code == 400 and "430921" in answer.content.decode()
    assert not Directive.objects.filter(forwarded_from=city_notice).exists()


def test_a_home_has_no_forward_form(world, notice, client_for):
    d = delivery(notice, world.nanxian_home)
    client = client_for(world.home_reporter)
    assert 'id="forward-form"' not in client.get(url("delivery-detail", d)).content.decode()
    assert client.get(url("delivery-forward", d)).status_code == 403


def test_the_directives_page_shows_the_chain_and_the_units_copy(world, city_notice, client_for, now):
    from tongxin.command.services import receiving

    zjj = zhangjiajie_officer(world)
    fwd = receiving.forward(zjj, delivery(city_notice, world.zhangjiajie), requirements="部署。",
                            sign_deadline=now + dt.timedelta(hours=5), target_kinds=["bureau"])
    page = client_for(world.hunan).get(reverse("command:directive-detail", args=[city_notice.pk])).content.decode()
    assert 'id="chain-down"' in page and "张家界市民政局" in page
    county = client_for(world.cili).get(reverse("command:directive-detail", args=[fwd.pk])).content.decode()
    assert 'id="chain-up"' in county and 'id="my-deliveries"' in county


# --- the API -----------------------------------------------------------------------------------------

def api_url(d, action=""):
    return f"/api/deliveries/{d.pk}/" + (f"{action}/" if action else "")


def test_api_sign_then_sign_again(world, notice, api_for):
    d = delivery(notice, world.nanxian_home)
    api = api_for(world.home_reporter)
    first = api.post(api_url(d, "sign"))
    assert first.status_code == 200 and first.json()["delivery"]["signed_as"] == "staff"
    again = api.post(api_url(d, "sign"))
    assert again.status_code == 200 and "无需重复签收" in again.json()["message"]


def test_api_signing_for_a_unit_one_does_not_belong_to(world, notice, api_for):
    d = delivery(notice, world.nanxian_home)
    assert api_for(world.nanxian).post(api_url(d, "sign")).status_code == 403
    assert api_for(world.cili).post(api_url(d, "sign")).status_code == 404
    assert Delivery.objects.get(pk=d.pk).signed_at is None


def test_api_feedback_with_own_evidence_and_a_foreign_one(world, notice, api_for):
    d = delivery(notice, world.nanxian_home)
    own = photo(world.home_reporter, world.nanxian_home)
    foreign = photo(world.nanxian, world.nanxian_home_2, name="other.jpg")
    api = api_for(world.home_reporter)
    refused = api.post(api_url(d, "feedback"), {"text": "已完成", "attachment_ids": [foreign.pk]}, format="json")
    assert refused.status_code == 400 and "attachment_ids" in refused.json()
    done = api.post(api_url(d, "feedback"), {"text": "已完成", "attachment_ids": [own.pk]}, format="json")
    assert done.status_code == 200 and done.json()["feedback_attachments"][0]["id"] == own.pk


def test_api_feedback_after_closing(world, notice, api_for):
    d = delivery(notice, world.nanxian_home)
    Directive.objects.filter(pk=notice.pk).update(status=Directive.Status.CLOSED)
    answer = api_for(world.home_reporter).post(api_url(d, "feedback"), {"text": "已完成"}, format="json")
    assert answer.status_code == 400 and "已办结" in str(answer.json())


def test_api_forward_and_outside_the_subtree(world, city_notice, api_for, now):
    zjj = zhangjiajie_officer(world)
    d = delivery(city_notice, world.zhangjiajie)
    api = api_for(zjj)
    deadline = (now + dt.timedelta(hours=6)).isoformat()
    outside = api.post(api_url(d, "forward"), {"region": "430921", "requirements": "部署。", "sign_deadline": deadline},
                       format="json")
    assert outside.status_code == 400 and "region" in outside.json()
    done = api.post(api_url(d, "forward"), {"requirements": "部署。", "sign_deadline": deadline,
                                            "target_kinds": ["bureau"]}, format="json")
    assert done.status_code == 201 and done.json()["deliveries"] == 1
    assert done.json()["forwarded_from"] == city_notice.pk


def test_api_lists_only_what_one_may_open(world, notice, api_for):
    ids = {row["unit"] for row in api_for(world.home_reporter).get("/api/deliveries/").json()["results"]}
    assert ids == {world.nanxian_home.pk}


def test_api_the_duty_officer_of_the_day_signs(world, notice, api_for, now):
    d = delivery(notice, world.cili_home)
    on_duty(world, world.cili_home, world.nanxian, start=now - dt.timedelta(hours=1))
    answer = api_for(world.nanxian).post(api_url(d, "sign"))
    assert answer.status_code == 200 and answer.json()["delivery"]["signed_as"] == "duty"
