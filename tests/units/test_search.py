"""Finding units and regions as a clerk types them: pinyin, initials, credit codes, contacts,
region names, pinyin and codes, through the one resolver; and the pickers that search as you type."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.scope.conftest import nanxian_objects  # noqa: F401,F811  (the scope matrix's 南县 objects)
from tongxin.core.pinyin import search_keys, search_term
from tongxin.regions.models import Region
from tongxin.units import scope, services
from tongxin.units.models import Kind, Unit

CREDIT_CODE = "91430921MA4L0EXQ3T"


@pytest.fixture
def jly(world):
    """南县敬老院, with a credit code and a contact person."""
    from stdnum.cn import uscc

    code = CREDIT_CODE[:-1] + uscc.calc_check_digit(CREDIT_CODE[:-1])
    return services.create_unit(None, name="南县敬老院", kind=Kind.ELDERLY_CARE, region_id="430921",
                                credit_code=code, contact_person="王芳")


def listed(client, **query) -> str:
    return client.get(reverse("units:list"), query).content.decode()


def api_names(client, **query) -> set[str]:
    response = client.get("/api/units/", query)
    assert response.status_code == 200, response.content
    return {u["name"] for u in response.json()["results"]}


# --- the keys ----------------------------------------------------------------------------------

def test_a_unit_keeps_its_names_pinyin_and_initials(jly):
    assert (jly.pinyin, jly.initials) == ("nanxianjinglaoyuan", "nxjly")


def test_a_rename_renews_the_keys(world, jly):
    services.update_unit(None, jly, name="长沙市第一社会福利院")
    jly.refresh_from_db()
    assert jly.pinyin.startswith("changshashi") and jly.initials == "cssdyshfly"


def test_changsha_is_read_by_its_phrase_not_character_by_character():
    assert search_keys("长沙") == ("changsha", "cs")  # 长 alone would be zhang
    assert search_keys("长沙县")[0] == "changshaxian"
    assert search_keys("重庆") == ("chongqing", "cq")


def test_the_migration_backfilled_the_keys(world):
    # Units built by the services before this test; the backfill uses the same function.
    home = Unit.objects.get(pk=world.nanxian_home.pk)
    assert (home.pinyin, home.initials) == search_keys(home.name)


def test_typed_terms_are_compared_without_case_spaces_or_apostrophes():
    assert search_term("Nan Xian") == "nanxian" and search_term("xi'an") == "xian" and search_term("南县") == ""


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=12))
def test_the_search_key_of_any_chinese_name_is_deterministic_and_plain_ascii(name):
    full, initials = search_keys(name)
    assert (full, initials) == search_keys(name)
    assert full.isascii() and initials.isascii() and full.isalnum() and initials.isalnum()
    assert len(initials) <= len(full)


# --- the unit list and the API ------------------------------------------------------------------

@pytest.mark.parametrize("term", ["nxjly", "nanxian", "nx", "NanXian", "jinglaoyuan", "王芳", "敬老院"])
def test_the_list_finds_a_unit_by_pinyin_initials_name_and_contact(world, jly, client_for, term):
    assert "南县敬老院" in listed(client_for(world.nanxian), q=term)


def test_initials_typed_with_some_left_out_find_the_unit_in_order(world, client_for):
    html = listed(client_for(world.nanxian), q="nxjly")  # 南县南洲镇敬老院: nxnzzjly
    assert "南县南洲镇敬老院" in html and "南县福利院" not in html
    assert "南县南洲镇敬老院" not in listed(client_for(world.nanxian), q="jlyn")  # the order counts


def test_the_list_finds_a_unit_by_its_credit_code(world, jly, client_for):
    html = listed(client_for(world.hunan), q=jly.credit_code.lower())
    assert "南县敬老院" in html and "南县福利院" not in html


@pytest.mark.parametrize("term", ["nxjly", "nanxian", "王芳"])
def test_the_api_finds_a_unit_by_pinyin_initials_and_contact(world, jly, api_for, term):
    assert "南县敬老院" in api_names(api_for(world.hunan), q=term)


def test_the_api_finds_a_unit_by_its_credit_code(world, jly, api_for):
    assert api_names(api_for(world.hunan), q=jly.credit_code) == {"南县敬老院"}


def test_pinyin_search_never_shows_another_countys_units(world, jly, client_for, api_for):
    assert "慈利县零阳镇敬老院" not in listed(client_for(world.nanxian), q="jly")
    assert api_names(api_for(world.cili), q="nxjly") == set()


# --- region filters: name, pinyin, code, prefix --------------------------------------------------

@pytest.mark.parametrize("region", ["南县", "益阳市南县", "湖南省益阳市南县", "益阳 南县", "nanxian", "nx",
                                    "430921", "4309", "430900", "益阳", "yiyang"])
def test_the_list_filters_by_region_name_pinyin_code_or_prefix(world, client_for, region):
    html = listed(client_for(world.hunan), region=region, kind="elderly_care")
    assert "南县福利院" in html and "慈利县零阳镇敬老院" not in html


@pytest.mark.parametrize("region", ["南县", "nx", "4309"])
def test_the_api_filters_by_region_name_pinyin_or_prefix(world, api_for, region):
    names = api_names(api_for(world.hunan), region=region, kind="elderly_care")
    assert "南县福利院" in names and "慈利县零阳镇敬老院" not in names


def test_an_ambiguous_region_name_says_which_regions_it_may_mean(world, client_for):
    response = client_for(world.hunan).get(reverse("units:list"), {"region": "长沙"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "可指多个区划" in html and "430100" in html and "430121" in html
    assert "?region=430100" in html  # each candidate is one click away


def test_an_ambiguous_region_name_in_the_api_is_400_naming_the_field(world, api_for):
    response = api_for(world.hunan).get("/api/units/", {"region": "长沙"})
    assert response.status_code == 400 and "可指多个区划" in response.json()["region"][0]


def test_an_unknown_region_name_gives_a_hint_not_zero_rows_silently(world, client_for):
    html = listed(client_for(world.hunan), region="火星")
    assert "找不到区划“火星”" in html and "nanxian" in html


def test_a_region_outside_the_scope_is_named_as_such_on_the_list(world, client_for):
    html = listed(client_for(world.nanxian), region="慈利县")
    assert "找不到区划“慈利县”" in html and "慈利县零阳镇敬老院" not in html
    assert "不在您可查看的范围内" in listed(client_for(world.nanxian), region="430821")


def test_a_name_is_resolved_within_the_users_scope_first(world):
    # 'nx' for the province: 南县 (exact initials) wins over 宁乡市 (nxs).
    assert scope.resolve_region(world.hunan, "nx").code == "430921"
    assert scope.resolve_region(world.nanxian, "南县").code == "430921"
    with pytest.raises(scope.RegionCodeError):
        scope.resolve_region(world.nanxian, "慈利县")


def test_regions_elsewhere_with_the_same_initials_do_not_crowd_out_the_users_own(world):
    from tongxin.regions.models import Region

    beijing = Region.objects.create(code="110000", name="北京市", level=Region.Level.PROVINCE)
    for i in range(12):  # more than a tier holds, all sorted before 430921
        Region.objects.create(code=f"1101{i:02d}", name=f"南乡{i}区", level=Region.Level.COUNTY, parent=beijing,
                              pinyin=f"nanxiang{i}", initials="nx")
    assert scope.resolve_region(world.nanxian, "nx").code == "430921"


@pytest.mark.parametrize(("name", "args", "api"), [
    ("reports:overview", [], False), ("ledger:stats", [], False), ("completeness-list", [], True),
    ("campaign-progress", ["campaign"], True),
])
@pytest.mark.parametrize("region", ["南县", "益阳市南县", "nx", "nanxian"])
def test_every_region_filter_reads_names_and_pinyin(world, nanxian_objects,  # noqa: F811
                                                     client_for, api_for, name, args, api,
                                                     region):
    client = api_for(world.hunan) if api else client_for(world.hunan)
    args = [nanxian_objects[a].pk for a in args]
    query = {"region": region, "assignment": nanxian_objects["assignment"].pk, "day": "2021-08-02"}
    assert client.get(reverse(name, args=args), query).status_code == 200


def test_the_ledger_list_filters_by_region_name(world, nanxian_objects, client_for, api_for):  # noqa: F811
    assert "通道堵塞" in client_for(world.hunan).get(reverse("ledger:list"), {"region": "南县"}).content.decode()
    assert "通道堵塞" not in client_for(world.hunan).get(reverse("ledger:list"),
                                                      {"region": "cili"}).content.decode()
    assert "可指多个区划" in client_for(world.hunan).get(reverse("ledger:list"),
                                                     {"region": "长沙"}).content.decode()
    response = api_for(world.hunan).get("/api/ledger/", {"region": "nanxian"})
    assert response.status_code == 200 and response.json()["count"] == 1


# --- the pickers ---------------------------------------------------------------------------------

def picked_regions(client, term, mode="read") -> str:
    return client.get(reverse("units:pick-regions"), {"field": "region", "region": term, "mode": mode}).content.decode()


def test_the_region_picker_offers_matches_by_name_pinyin_and_code(world, client_for):
    c = client_for(world.hunan)
    for term in ["南县", "nx", "nanx", "430921", "益阳市南县"]:
        assert 'data-pick-value="益阳市南县"' in picked_regions(c, term), term


def test_the_region_picker_offers_nothing_outside_the_scope(world, client_for):
    c = client_for(world.nanxian)
    assert "慈利县" not in picked_regions(c, "慈利") and "430821" not in picked_regions(c, "4308")
    assert "没有与“cili”相符的区划" in picked_regions(c, "cili")
    assert "益阳市" not in picked_regions(c, "yiyang")  # the city above is not the county officer's to pick


def test_the_region_api_lists_only_regions_in_scope(world, api_for):
    response = api_for(world.nanxian).get("/api/regions/", {"q": "nx"})
    assert response.status_code == 200
    assert [r["code"] for r in response.json()] == ["430921"]
    assert api_for(world.nanxian).get("/api/regions/", {"q": "慈利"}).json() == []
    assert api_for(world.hunan).get("/api/regions/", {"q": "cilixian"}).json()[0]["value"] == "张家界市慈利县"


def test_every_picked_value_reads_back_to_its_region(world):
    for region in Region.objects.filter(code__startswith="43"):
        from tongxin.units.pickers import pick_value

        assert scope.resolve_region(world.hunan, pick_value(region)).code == region.code, region.code


def test_the_unit_picker_finds_by_initials_in_scope_only(world, jly, client_for):
    html = client_for(world.nanxian).get(reverse("units:pick-units"), {"q": "jly"}).content.decode()
    assert "南县敬老院" in html and "慈利县零阳镇敬老院" not in html
    options = client_for(world.nanxian).get(reverse("units:pick-units"), {
        "field": "unit-search", "unit-search": "nanxianjing", "purpose": "file", "as": "options"}).content.decode()
    assert f'<option value="{jly.pk}" selected' in options  # the one match is chosen
    cleared = client_for(world.nanxian).get(reverse("units:pick-units"), {
        "field": "unit-search", "unit-search": "", "purpose": "file", "as": "options"}).content.decode()
    assert "南县福利院" in cleared and "南县敬老院" in cleared  # a cleared box offers every unit again


def test_the_ledger_entry_form_has_a_searchable_unit_picker_that_works_without_it(world, client_for):
    html = client_for(world.nanxian).get(reverse("ledger:create")).content.decode()
    assert 'name="unit-search"' in html and 'hx-get="/units/pick/units/"' in html
    assert '<select name="unit"' in html and "南县福利院" in html  # the full select stays


# --- name search never widens scope (property) ----------------------------------------------------

NAMES = ["南县", "慈利县", "益阳市", "张家界市", "长沙", "湖南省", "南", "县", "市"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(term=st.one_of(st.sampled_from(NAMES), st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1,
                                                      max_size=6)))
def test_name_search_never_widens_scope(world, term):
    from tongxin.units.pickers import pick_regions

    for user in (world.nanxian, world.cili, world.home_reporter):
        for own_units in (False, True):
            try:
                region = scope.resolve_region(user, term, own_units=own_units)
            except scope.RegionCodeError:
                continue
            assert scope.reaches_region(user, region, own_units=own_units)
        allowed = set(Region.objects.filter(scope.regions_q(user)).values_list("code", flat=True))
        assert {r.code for r in pick_regions(user, term)} <= allowed
