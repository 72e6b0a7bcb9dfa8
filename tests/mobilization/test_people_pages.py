"""The people pages, the export and the API: every persona sees a 乐善 volunteer's numbers exactly as
the personal-data policy says — leshan's staff and 慈利 (its direct supervisor) in full, 张家界 and
湖南 above masked, 南县 (a stranger) and the administrators not at all — and bad input is words."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from tests.world import person as make_user
from tongxin.mobilization.models import Person
from tongxin.mobilization.services import people as services
from tongxin.units.models import Role

MOBILE, MASKED_MOBILE = "13907441234", "139****1234"
ID, MASKED_ID = "430821199001011235", "4308**********1235"


@pytest.fixture
def volunteer(world):
    return services.register(world.leshan_staff, world.leshan, kind="volunteer", name="王秀英", mobile=MOBILE,
                             id_number=ID, skills=["order"])


@pytest.fixture
def personas(world):
    return {"leshan": world.leshan_staff, "cili": world.cili,
            "zhangjiajie": make_user("zjj", world.zhangjiajie, Role.OFFICER, "张家界市民政局"),
            "hunan": world.hunan, "nanxian": world.nanxian, "sysadmin": world.sysadmin, "auditor": world.auditor}


FULL, MASKED, HIDDEN = "full", "masked", "hidden"
EXPECTED = {"leshan": FULL, "cili": FULL, "zhangjiajie": MASKED, "hunan": MASKED, "nanxian": HIDDEN,
            "sysadmin": HIDDEN, "auditor": HIDDEN}


def _check(text: str, seen: str) -> None:
    if seen == FULL:
        assert MOBILE in text and ID in text
    elif seen == MASKED:
        assert MOBILE not in text and ID not in text and MASKED_MOBILE in text
    else:
        assert "王秀英" not in text and MOBILE not in text and MASKED_MOBILE not in text


@pytest.mark.parametrize("who", list(EXPECTED))
def test_the_detail_page_masks_for_each_persona(who, personas, volunteer, client_for):
    response = client_for(personas[who]).get(reverse("mobilization:person-detail", args=[volunteer.pk]))
    if EXPECTED[who] == HIDDEN:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    text = response.content.decode()
    _check(text, EXPECTED[who])
    if EXPECTED[who] == MASKED:
        assert MASKED_ID in text and "号码已部分隐藏" in text
    else:
        assert "您可以看到完整号码" in text


@pytest.mark.parametrize("who", list(EXPECTED))
def test_the_list_masks_for_each_persona(who, personas, volunteer, client_for):
    response = client_for(personas[who]).get(reverse("mobilization:person-list"))
    assert response.status_code == 200
    text = response.content.decode()
    if EXPECTED[who] == FULL:
        assert MOBILE in text
    elif EXPECTED[who] == MASKED:
        assert MASKED_MOBILE in text and MOBILE not in text
    else:
        _check(text, HIDDEN)


@pytest.mark.parametrize("who", list(EXPECTED))
def test_the_export_masks_for_each_persona(who, personas, volunteer, client_for):
    response = client_for(personas[who]).get(reverse("mobilization:person-export"))
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    cells = [str(c) for r in wb.active.iter_rows(values_only=True) for c in r if c is not None]
    text = " ".join(cells)
    _check(text, EXPECTED[who])


@pytest.mark.parametrize("who", list(EXPECTED))
def test_the_api_masks_for_each_persona(who, personas, volunteer, api_for):
    api = api_for(personas[who])
    detail = api.get(f"/api/mobilization/people/{volunteer.pk}/")
    listing = api.get("/api/mobilization/people/")
    assert listing.status_code == 200
    if EXPECTED[who] == HIDDEN:
        assert detail.status_code == 404 and listing.json()["count"] == 0
        return
    body = detail.json()
    expected = (MOBILE, ID) if EXPECTED[who] == FULL else (MASKED_MOBILE, MASKED_ID)
    assert (body["mobile"], body["id_number"]) == expected
    assert listing.json()["results"][0]["mobile"] == expected[0]


def test_the_register_form_names_each_bad_field(world, client_for):
    c = client_for(world.leshan_staff)
    response = c.post(reverse("mobilization:person-create"), {
        "unit": world.leshan.pk, "kind": "volunteer", "name": "", "mobile": "0744-5221234",
        "id_number": "430821199001011236"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "请填写姓名" in text and "不能是固定电话" in text and "校验位" in text
    assert not Person.objects.exists()
    response = c.post(reverse("mobilization:person-create"), {
        "unit": world.leshan.pk, "kind": "volunteer", "name": "王秀英", "mobile": "139abc"})
    assert response.status_code == 400 and "手机号码格式不正确" in response.content.decode()
    response = c.post(reverse("mobilization:person-create"), {
        "unit": world.leshan.pk, "kind": "social_worker", "name": "王秀英", "mobile": MOBILE, "skills": ["medical"]})
    assert response.status_code == 302
    assert Person.objects.get().skills == ["medical"]


def test_a_masked_editor_keeps_the_numbers(world, volunteer, client_for):
    c = client_for(world.hunan)
    page = c.get(reverse("mobilization:person-edit", args=[volunteer.pk])).content.decode()
    assert MOBILE not in page and MASKED_MOBILE not in page
    response = c.post(reverse("mobilization:person-edit", args=[volunteer.pk]),
                      {"kind": "volunteer", "name": "王秀英", "mobile": "", "id_number": "", "availability": "周末"})
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.mobile == MOBILE and volunteer.id_number == ID and volunteer.availability == "周末"


def test_the_api_refuses_bad_input_field_by_field(world, api_for):
    api = api_for(world.leshan_staff)
    response = api.post("/api/mobilization/people/", {"unit": world.leshan.pk, "kind": "volunteer", "name": "",
                                                      "mobile": "12345", "id_number": "430821199001011236"},
                        format="json")
    assert response.status_code == 400
    body = response.json()
    assert {"name", "mobile", "id_number"} <= set(body) and "校验位" in body["id_number"][0]
    assert api_for(world.nanxian).post("/api/mobilization/people/", {
        "unit": world.leshan.pk, "kind": "volunteer", "name": "甲", "mobile": MOBILE}, format="json").status_code == 404


def test_merge_through_the_page_and_the_api(world, volunteer, client_for, api_for):
    walk = services.walk_up(world.leshan_staff, world.leshan, name="王秀英", mobile=MOBILE)
    page = client_for(world.leshan_staff).get(reverse("mobilization:person-merge", args=[walk.pk]))
    assert "手机号码相同" in page.content.decode()
    assert api_for(world.nanxian).post(f"/api/mobilization/people/{walk.pk}/merge/", {"into": volunteer.pk},
                                       format="json").status_code == 404
    response = client_for(world.leshan_staff).post(reverse("mobilization:person-merge", args=[walk.pk]),
                                                   {"into": volunteer.pk})
    assert response.status_code == 302
    walk.refresh_from_db()
    assert walk.merged_into == volunteer and not walk.is_active
    again = api_for(world.leshan_staff).post(f"/api/mobilization/people/{walk.pk}/merge/", {"into": volunteer.pk},
                                             format="json")
    assert again.status_code == 400


def test_the_public_join_page_and_taking_on(world, client, client_for):
    page = client.get(reverse("mobilization:person-join"))
    assert page.status_code == 200 and "慈利县" in page.content.decode()
    bad = client.post(reverse("mobilization:person-join"), {"region_code": "430821", "kind": "volunteer",
                                                            "name": "赵敏", "mobile": "0744-5221234"})
    assert bad.status_code == 400 and "不能是固定电话" in bad.content.decode()
    done = client.post(reverse("mobilization:person-join"), {"region_code": "430821", "kind": "volunteer",
                                                             "name": "赵敏", "mobile": "13907449999"})
    assert done.status_code == 200 and "报名成功" in done.content.decode()
    joined = Person.objects.get(name="赵敏")
    assert joined.unit is None
    staff = client_for(world.leshan_staff)
    pool = staff.get(reverse("mobilization:person-pool")).content.decode()
    assert "赵敏" in pool and "139****9999" in pool and "13907449999" not in pool
    response = staff.post(reverse("mobilization:person-take-on", args=[joined.pk]), {"unit": world.leshan.pk})
    assert response.status_code == 302
    joined.refresh_from_db()
    assert joined.unit == world.leshan
