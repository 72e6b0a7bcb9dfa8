"""The donations overview page and its API, as the county, the province and a stranger county."""

import pytest

from tests.donations import factories as f

pytestmark = pytest.mark.django_db


def _gifts(world):
    mask = f.item()
    f.donation(world.nanxian_home, [(mask, 1000, 2500), (f.cash(), 28000)], appeal=f.appeal(world.nanxian_home))


def test_county_page_shows_cash_goods_and_crumbs(world, client_for):
    _gifts(world)
    r = client_for(world.nanxian).get("/donations/overview/?region=430921")
    body = r.content.decode()
    assert r.status_code == 200
    assert "28000" in body and "KN95" in body and "南县福利院" in body and 'id="overview-data"' in body


def test_empty_region_says_so(world, client_for):
    r = client_for(world.cili).get("/donations/overview/")
    assert r.status_code == 200 and 'id="overview-none"' in r.content.decode()


def test_stranger_county_gets_404_for_nanxian(world, client_for):
    assert client_for(world.cili).get("/donations/overview/?region=430921").status_code == 404


def test_api_gives_the_same_figures_scoped(world, client_for):
    _gifts(world)
    data = client_for(world.hunan).get("/api/donations/overview/?region=430000").json()
    assert data["total"]["cash"] == "28000.00" and data["total"]["raised"] == "30500.00"
    assert data["goods"][0]["specification"] == "KN95"
    assert client_for(world.cili).get("/api/donations/overview/?region=430921").status_code == 404
    assert client_for(world.cili).get("/api/donations/overview/").json()["total"]["cash"] == "0.00"
