"""Lists show exactly the scope: on the web and in the API, with and without a search."""

from __future__ import annotations

import pytest
from django.urls import reverse


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


def test_reporter_sees_own_home_only(world, api_for):
    client = api_for(world.home_reporter)
    assert client.get(reverse("unit-detail", args=[world.nanxian_home.pk])).status_code == 200
    assert client.get(reverse("unit-detail", args=[world.nanxian_home_2.pk])).status_code == 404
    assert client.get(reverse("unit-detail", args=[world.nanxian_bureau.pk])).status_code == 404


def test_anonymous_gets_login_on_the_web_and_401_in_the_api(world, client):
    web = client.get(reverse("units:detail", args=[world.nanxian_home.pk]))
    assert web.status_code == 302 and "/accounts/login/" in web["Location"]
    api = client.get(reverse("unit-detail", args=[world.nanxian_home.pk]))
    assert api.status_code == 401 and api.json()["detail"]
