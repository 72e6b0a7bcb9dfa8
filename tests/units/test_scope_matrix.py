"""The scope matrix: every endpoint that takes an object id, for every persona.

A stranger county's officer (`cili`) gets 404 for a 南县 unit — on read and on write, on the
web and in the API — and nothing changes; the province officer (`hunan`) sees both counties.
`test_every_object_endpoint_is_in_the_matrix` fails when a new route with an id appears and
nobody added it here, so a new module cannot skip the matrix.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tongxin.units.models import Unit

# (name, method, how to build the URL from a unit, request body or None)
WEB = [
    ("units:detail", "get", None),
    ("units:edit", "get", None),
    ("units:edit", "post", {"name": "改名", "kind": "elderly_care", "region": "430821"}),
]
API = [
    ("unit-detail", "get", None),
    ("unit-detail", "patch", {"name": "改名"}),
    ("unit-detail", "put", {"name": "改名", "kind": "elderly_care", "region": "430821"}),
]
COVERED = {name for name, _m, _b in WEB + API}


def _call(client, method, url, body, api):
    if body is None:
        return getattr(client, method)(url)
    if api:
        return getattr(client, method)(url, body, format="json")
    return getattr(client, method)(url, body)


@pytest.mark.parametrize(("name", "method", "body"), WEB)
def test_county_officer_cannot_see_other_county_on_the_web(world, client_for, name, method, body):
    target = world.nanxian_home
    before = Unit.objects.get(pk=target.pk)
    response = _call(client_for(world.cili), method, reverse(name, args=[target.pk]), body, api=False)
    assert response.status_code == 404
    assert Unit.objects.get(pk=target.pk).name == before.name


@pytest.mark.parametrize(("name", "method", "body"), API)
def test_county_officer_cannot_see_other_county_in_the_api(world, api_for, name, method, body):
    target = world.nanxian_home
    response = _call(api_for(world.cili), method, reverse(name, args=[target.pk]), body, api=True)
    assert response.status_code == 404
    assert response.json()["detail"]
    assert Unit.objects.get(pk=target.pk).name == "南县福利院"


@pytest.mark.parametrize("unit_attr", ["nanxian_home", "cili_home"])
@pytest.mark.parametrize(("name", "method", "body"), [r for r in WEB if r[1] == "get"])
def test_province_officer_sees_both_counties_on_the_web(world, client_for, unit_attr, name, method, body):
    unit = getattr(world, unit_attr)
    assert client_for(world.hunan).get(reverse(name, args=[unit.pk])).status_code == 200


@pytest.mark.parametrize("unit_attr", ["nanxian_home", "cili_home"])
def test_province_officer_sees_both_counties_in_the_api(world, api_for, unit_attr):
    unit = getattr(world, unit_attr)
    response = api_for(world.hunan).get(reverse("unit-detail", args=[unit.pk]))
    assert response.status_code == 200
    assert response.json()["name"] == unit.name


def test_own_county_officer_can_edit_own_home(world, api_for):
    response = api_for(world.nanxian).patch(
        reverse("unit-detail", args=[world.nanxian_home.pk]), {"beds": 130}, format="json"
    )
    assert response.status_code == 200
    assert Unit.objects.get(pk=world.nanxian_home.pk).beds == 130


def test_reporter_sees_own_home_only(world, api_for):
    client = api_for(world.home_reporter)
    assert client.get(reverse("unit-detail", args=[world.nanxian_home.pk])).status_code == 200
    assert client.get(reverse("unit-detail", args=[world.nanxian_home_2.pk])).status_code == 404
    assert client.get(reverse("unit-detail", args=[world.nanxian_bureau.pk])).status_code == 404


def test_reporter_may_read_but_not_edit_own_home(world, api_for):
    response = api_for(world.home_reporter).patch(
        reverse("unit-detail", args=[world.nanxian_home.pk]), {"beds": 1}, format="json"
    )
    assert response.status_code == 403
    assert Unit.objects.get(pk=world.nanxian_home.pk).beds == 120


def test_anonymous_gets_login_or_401(world, client):
    web = client.get(reverse("units:detail", args=[world.nanxian_home.pk]))
    assert web.status_code == 302 and "/accounts/login/" in web["Location"]
    api = client.get(reverse("unit-detail", args=[world.nanxian_home.pk]))
    assert api.status_code in (401, 403)


@pytest.mark.parametrize(
    ("persona", "visible", "hidden"),
    [
        ("nanxian", {"南县福利院", "南县南洲镇敬老院", "南县民政局"},
         {"慈利县零阳镇敬老院", "慈利县乐善社会工作服务中心"}),
        ("cili", {"慈利县零阳镇敬老院", "慈利县乐善社会工作服务中心"}, {"南县福利院", "南县民政局", "益阳市民政局"}),
        ("hunan", {"南县福利院", "慈利县零阳镇敬老院", "湖南省民政厅"}, set()),
        ("home_reporter", {"南县福利院"}, {"南县南洲镇敬老院", "南县民政局"}),
    ],
)
def test_lists_api_and_web_show_exactly_the_scope(world, api_for, client_for, persona, visible, hidden):
    user = getattr(world, persona)
    api_names = {row["name"] for row in api_for(user).get("/api/units/?page_size=500").json()["results"]}
    web_html = client_for(user).get(reverse("units:list")).content.decode()
    assert visible <= api_names
    assert not hidden & api_names
    for name in visible:
        assert name in web_html
    for name in hidden:
        assert name not in web_html


def test_search_does_not_reach_outside_scope(world, api_for, client_for):
    assert api_for(world.cili).get("/api/units/?q=南县福利院").json()["count"] == 0
    assert "南县福利院" not in client_for(world.cili).get(reverse("units:list") + "?q=南县").content.decode()


def _routes(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{entry.namespace}:" if entry.namespace else ""
            yield from _routes(entry, prefix + ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + entry.name, str(entry.pattern)


def test_every_object_endpoint_is_in_the_matrix():
    with_ids = {name for name, pattern in _routes() if "<int:pk>" in pattern or "(?P<pk>" in pattern}
    missing = with_ids - COVERED
    assert not missing, f"add these routes to the scope matrix: {sorted(missing)}"
