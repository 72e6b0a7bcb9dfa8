"""The unit pages: list with filters and paging, detail, the form with its messages."""

from __future__ import annotations

from django.urls import reverse

from tongxin.units.models import Unit


def test_unit_list_filters_by_region_subtree_and_kind(world, client_for):
    c = client_for(world.hunan)
    html = c.get(reverse("units:list"), {"region": "430900", "kind": "elderly_care"}).content.decode()
    assert "南县福利院" in html and "慈利县零阳镇敬老院" not in html and "南县民政局" not in html


def test_an_unknown_region_filter_shows_nothing_not_an_error(world, client_for):
    response = client_for(world.hunan).get(reverse("units:list"), {"region": "abc", "kind": "nope"})
    assert response.status_code == 200


def test_list_is_paged(world, client_for):
    response = client_for(world.hunan).get(reverse("units:list"), {"page": 99})
    assert response.status_code == 404
    assert client_for(world.hunan).get(reverse("units:list"), {"page": "x"}).status_code == 404


def test_create_form_shows_named_errors_and_saves_nothing(world, client_for):
    count = Unit.objects.count()
    response = client_for(world.nanxian).post(reverse("units:create"), {
        "name": "南县测试敬老院", "kind": "elderly_care", "region": "430921",
        "credit_code": "91430921MA4L00001X", "phone": "12345", "beds": "-3", "is_active": "on",
    })
    assert response.status_code == 400
    html = response.content.decode()
    assert "统一社会信用代码" in html and "电话号码" in html
    assert Unit.objects.count() == count


def test_create_form_saves_and_redirects(world, client_for):
    response = client_for(world.nanxian).post(reverse("units:create"), {
        "name": "南县测试敬老院", "kind": "elderly_care", "region": "430921", "phone": "13807370002",
        "beds": "30", "is_active": "on",
    })
    unit = Unit.objects.get(name="南县测试敬老院")
    assert response.status_code == 302 and response["Location"] == reverse("units:detail", args=[unit.pk])
    assert unit.supervisor == world.nanxian_bureau


def test_region_choices_are_only_the_officers_county(world, client_for):
    html = client_for(world.nanxian).get(reverse("units:create")).content.decode()
    assert "430921" in html and "430821" not in html


def test_reporter_cannot_open_the_create_form(world, client_for):
    assert client_for(world.home_reporter).get(reverse("units:create")).status_code == 403


def test_edit_keeps_fields_and_saves_changes(world, client_for):
    c = client_for(world.nanxian)
    page = c.get(reverse("units:edit", args=[world.nanxian_home.pk]))
    assert "南县福利院" in page.content.decode()
    response = c.post(reverse("units:edit", args=[world.nanxian_home.pk]), {
        "name": "南县福利院", "kind": "elderly_care", "region": "430921", "beds": "125", "is_active": "on",
        "contact_person": "李敏", "phone": "13807371234",
    })
    assert response.status_code == 302
    assert Unit.objects.get(pk=world.nanxian_home.pk).beds == 125


def test_breadcrumbs_lead_home(world, client_for):
    html = client_for(world.nanxian).get(reverse("units:detail", args=[world.nanxian_home.pk])).content.decode()
    assert 'class="breadcrumb"' in html.replace("breadcrumb small mb-2", "breadcrumb")
    assert "首页" in html


def test_county_officer_edits_own_bureau_in_the_form(world, client_for):
    c = client_for(world.nanxian)
    page = c.get(reverse("units:edit", args=[world.nanxian_bureau.pk])).content.decode()
    assert "益阳市民政局" in page
    response = c.post(reverse("units:edit", args=[world.nanxian_bureau.pk]), {
        "name": "南县民政局", "kind": "bureau", "region": "430921", "supervisor": world.yiyang.pk,
        "phone": "0737-5221234", "is_active": "on",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Unit.objects.get(pk=world.nanxian_bureau.pk).phone == "07375221234"
