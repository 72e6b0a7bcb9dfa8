"""Directive pages and API, issuing side: hunan drafts, submits and approves on a phone or by the
API; bad input gets words, not a 500, and saves nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.command.helpers import draft, issue, soon
from tests.command.helpers import leader as make_leader
from tongxin.command.models import Delivery, Directive

pytestmark = pytest.mark.django_db
S = Directive.Status


def local(when: dt.datetime) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%dT%H:%M")


def form(world, **extra):
    values = {"issuer": world.province.pk, "title": "关于在全省民政系统开展拉网式隐患大排查行动的紧急通知",
              "doc_number": "湘民电〔2021〕5号", "urgency": "extra", "body": "各市州民政局：……", "region": "430000",
              "target_levels": ["city"], "sign_deadline": local(soon(3))}
    values.update(extra)
    return values


def test_hunan_drafts_submits_and_approves_on_the_web(world, client_for):
    make_leader(world)
    c = client_for(world.hunan)
    got = c.post(reverse("command:directive-create"), form(world))
    assert got.status_code == 302
    d = Directive.objects.get()
    page = c.get(reverse("command:directive-detail", args=[d.pk])).content.decode()
    assert "湘民电〔2021〕5号" in page and "特急" in page and 'id="action-submit"' in page
    assert c.post(reverse("command:directive-submit", args=[d.pk])).status_code == 302
    assert 'id="action-approve"' in c.get(reverse("command:directive-detail", args=[d.pk])).content.decode()
    assert c.post(reverse("command:directive-approve", args=[d.pk])).status_code == 302
    d.refresh_from_db()
    assert d.status == S.ISSUED
    assert set(d.deliveries.values_list("unit_id", flat=True)) == {world.yiyang.pk, world.zhangjiajie.pk}


def test_the_list_has_received_sent_and_draft_tabs(world, client_for):
    d = issue(world, title="省厅紧急通知")
    mine = draft(world, world.nanxian, issuer=world.nanxian_bureau, region="430921", title="南县自己的草稿")
    c = client_for(world.nanxian)
    received = c.get(reverse("command:directives"), {"tab": "received"}).content.decode()
    assert "省厅紧急通知" in received and "南县自己的草稿" not in received
    drafts = c.get(reverse("command:directives"), {"tab": "drafts"}).content.decode()
    assert "南县自己的草稿" in drafts and "省厅紧急通知" not in drafts
    sent = client_for(world.hunan).get(reverse("command:directives"), {"tab": "sent"}).content.decode()
    assert "省厅紧急通知" in sent
    filtered = c.get(reverse("command:directives"), {"tab": "received", "urgency": "normal"}).content.decode()
    assert "省厅紧急通知" not in filtered
    assert d.pk and mine.pk


def test_a_home_reporter_reads_a_directive_delivered_to_the_home(world, client_for):
    d = issue(world, title="省厅紧急通知")
    page = client_for(world.home_reporter).get(reverse("command:directive-detail", args=[d.pk]))
    assert page.status_code == 200 and "省厅紧急通知" in page.content.decode()
    assert 'id="action-close"' not in page.content.decode()


def test_a_web_draft_with_a_past_deadline_is_shown_the_words_and_nothing_saved(world, client_for):
    got = client_for(world.hunan).post(reverse("command:directive-create"),
                                       form(world, sign_deadline=local(timezone.now() - dt.timedelta(hours=1))))
    assert got.status_code == 400 and "签收时限须晚于当前时间" in got.content.decode()
    assert not Directive.objects.exists()


def test_a_web_draft_needing_feedback_without_a_deadline_is_refused(world, client_for):
    got = client_for(world.hunan).post(reverse("command:directive-create"), form(world, feedback_required="on"))
    assert got.status_code == 400 and "需要反馈的通知须填写反馈时限" in got.content.decode()
    assert not Directive.objects.exists()


def test_a_web_draft_for_a_region_outside_the_issuers_subtree_is_refused(world, client_for):
    got = client_for(world.hunan).post(reverse("command:directive-create"),
                                       form(world, issuer=world.nanxian_bureau.pk, region="430800"))
    assert got.status_code == 400 and "辖区" in got.content.decode()
    assert not Directive.objects.exists()


def test_a_web_title_over_the_limit_is_refused(world, client_for):
    got = client_for(world.hunan).post(reverse("command:directive-create"), form(world, title="长" * 201))
    assert got.status_code == 400 and not Directive.objects.exists()


def test_approving_a_draft_on_the_web_is_refused_with_words(world, client_for):
    make_leader(world)
    d = draft(world)
    got = client_for(world.hunan).post(reverse("command:directive-approve", args=[d.pk]))
    assert got.status_code == 400 and "未经签发" in got.content.decode()
    assert not Delivery.objects.exists()


def test_an_officer_who_is_no_leader_cannot_approve_on_the_web(world, client_for):
    d = draft(world)
    from tongxin.command.services import directives as services

    services.submit(world.hunan, d)
    got = client_for(world.hunan).post(reverse("command:directive-approve", args=[d.pk]))
    assert got.status_code == 403 and "领导" in got.content.decode()
    assert not Delivery.objects.exists()


def test_an_officer_of_another_county_gets_404(world, client_for):
    d = draft(world, world.nanxian, issuer=world.nanxian_bureau, region="430921")
    c = client_for(world.cili)
    assert c.get(reverse("command:directive-detail", args=[d.pk])).status_code == 404
    assert c.post(reverse("command:directive-submit", args=[d.pk])).status_code == 404


def test_revising_on_the_web_without_resigning(world, client_for):
    d = issue(world, target_levels=["city"])
    c = client_for(world.hunan)
    got = c.post(reverse("command:directive-revise", args=[d.pk]), form(world, doc_number="湘民电〔2021〕6号",
                                                                       substantive=""))
    assert got.status_code == 302
    new = Directive.objects.get(replaces=d)
    assert new.version == 2 and not new.substantive
    page = c.get(reverse("command:directive-detail", args=[new.pk])).content.decode()
    assert "湘民电〔2021〕6号" in page


def test_withdrawing_on_the_web_needs_a_reason(world, client_for):
    d = issue(world)
    c = client_for(world.hunan)
    got = c.post(reverse("command:directive-withdraw", args=[d.pk]), {"reason": ""})
    assert got.status_code == 400 and "撤回须说明原因" in got.content.decode()
    assert c.post(reverse("command:directive-withdraw", args=[d.pk]), {"reason": "另行下发"}).status_code == 302
    d.refresh_from_db()
    assert d.status == S.WITHDRAWN


# --- the API ----------------------------------------------------------------------------------------

def body(world, **extra):
    values = {"issuer": world.province.pk, "title": "紧急通知", "body": "各市州民政局：……", "region": "430000",
              "urgency": "urgent", "target_levels": ["city"], "sign_deadline": soon(3).isoformat()}
    values.update(extra)
    return values


def test_the_api_drafts_submits_and_a_leader_approves(world, api_for):
    make_leader(world)
    api = api_for(world.hunan)
    got = api.post("/api/directives/", body(world), format="json")
    assert got.status_code == 201, got.json()
    pk = got.json()["id"]
    assert got.json()["allowed_transitions"] == ["edit", "submit"]
    assert api.patch(f"/api/directives/{pk}/", {"title": "紧急通知（修改）"}, format="json").status_code == 200
    assert api.post(f"/api/directives/{pk}/submit/").status_code == 200
    approved = api.post(f"/api/directives/{pk}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "issued"
    deliveries = api.get("/api/deliveries/", {"directive": pk}).json()
    assert {row["unit_name"] for row in deliveries["results"]} == {"益阳市民政局", "张家界市民政局"}


def test_the_api_refuses_approving_an_unsubmitted_draft(world, api_for):
    make_leader(world)
    d = draft(world)
    got = api_for(world.hunan).post(f"/api/directives/{d.pk}/approve/")
    assert got.status_code == 400 and "未经签发" in got.json()["status"][0]
    assert not Delivery.objects.exists()


def test_the_api_refuses_an_officer_approving(world, api_for):
    d = draft(world)
    api = api_for(world.hunan)
    api.post(f"/api/directives/{d.pk}/submit/")
    got = api.post(f"/api/directives/{d.pk}/approve/")
    assert got.status_code == 403 and "领导" in got.json()["detail"]


@pytest.mark.parametrize("field, extra, words", [
    ("sign_deadline", {"sign_deadline": "2021-07-26T08:00:00+08:00"}, "晚于当前时间"),
    ("feedback_deadline", {"feedback_required": True}, "反馈时限"),
    ("region", {"issuer": None, "region": "430800"}, "辖区"),
    ("title", {"title": "长" * 201}, ""),
    ("body", {"body": "长" * 20001}, ""),
])
def test_the_api_refuses_bad_drafts_field_by_field(world, api_for, field, extra, words):
    if extra.get("issuer", 1) is None:
        extra = {**extra, "issuer": world.nanxian_bureau.pk}
    got = api_for(world.hunan).post("/api/directives/", body(world, **extra), format="json")
    assert got.status_code == 400 and field in got.json()
    assert words in got.json()[field][0]
    assert not Directive.objects.exists()


def test_the_api_hides_another_countys_draft(world, api_for):
    d = draft(world, world.nanxian, issuer=world.nanxian_bureau, region="430921")
    api = api_for(world.cili)
    assert api.get(f"/api/directives/{d.pk}/").status_code == 404
    assert api.post(f"/api/directives/{d.pk}/submit/").status_code == 404
    got = api.post("/api/directives/", body(world, issuer=world.nanxian_bureau.pk, region="430921"), format="json")
    assert got.status_code == 404


def test_the_api_revises_and_the_old_version_is_replaced_on_approval(world, api_for):
    d = issue(world, target_levels=["city"])
    api = api_for(world.hunan)
    got = api.post(f"/api/directives/{d.pk}/revise/", {"substantive": True, "body": "新的要求"}, format="json")
    assert got.status_code == 201 and got.json()["version"] == 2
    pk = got.json()["id"]
    api.post(f"/api/directives/{pk}/submit/")
    assert api.post(f"/api/directives/{pk}/approve/").json()["status"] == "issued"
    assert api.get(f"/api/directives/{d.pk}/").json()["status"] == "replaced"


def test_the_schema_lists_the_directive_paths(world, client_for):
    text = client_for(world.nanxian).get("/api/schema/").content.decode()
    for path in ("/api/directives/", "/api/directives/{id}/approve/", "/api/directives/{id}/revise/",
                 "/api/directives/{id}/withdraw/", "/api/directives/{id}/close/", "/api/deliveries/"):
        assert path in text


@pytest.mark.parametrize("page", ["list", "detail", "form"])
def test_directive_pages_in_english(world, client_for, page):
    from tests.core.test_i18n import assert_english

    d = issue(world, target_levels=["city"], feedback_required=True, feedback_deadline=soon(48),
              feedback_request="报送排查情况")
    c = client_for(world.hunan)
    c.cookies["django_language"] = "en"
    url = {"list": reverse("command:directives") + "?tab=sent",
           "detail": reverse("command:directive-detail", args=[d.pk]),
           "form": reverse("command:directive-create")}[page]
    got = c.get(url)
    assert got.status_code == 200
    labels = {"list": ["Sent"], "detail": ["Requirements"], "form": ["Save draft"]}[page]
    assert_english(got.content.decode(), labels)


def test_a_deadline_typed_on_the_web_is_beijing_time(world, client_for):
    when = (timezone.localdate() + dt.timedelta(days=2)).isoformat() + "T00:30"
    assert client_for(world.hunan).post(reverse("command:directive-create"),
                                        form(world, sign_deadline=when)).status_code == 302
    stored = Directive.objects.get().sign_deadline
    assert timezone.localtime(stored).strftime("%Y-%m-%dT%H:%M") == when
    assert stored.astimezone(dt.UTC).hour == 16  # the day before, in UTC


def test_the_received_tab_shows_the_users_own_units_only(world, client_for):
    issue(world, title="省厅紧急通知")
    page = client_for(world.nanxian).get(reverse("command:directives"), {"tab": "received"}).content.decode()
    assert "南县民政局" in page and "南县福利院" not in page  # the home's own copy is the home's


def test_the_list_opens_on_what_waits_to_be_signed(world, client_for):
    issue(world, title="省厅紧急通知", target_levels=["city"])
    from tongxin.accounts.services import create_user
    from tongxin.units.models import Role
    from tongxin.units.services import grant_role

    city = create_user(None, username="yiyang", password="Tongxin#2021", check_password=False)
    grant_role(None, city, world.yiyang, Role.OFFICER)
    page = client_for(city).get(reverse("command:directives")).content.decode()
    assert 'data-tab="received"' in page and "省厅紧急通知" in page
    assert "省厅紧急通知" in client_for(world.hunan).get(reverse("command:directives")).content.decode()
