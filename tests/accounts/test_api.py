"""The API: token sign-in, the schema and offline docs, health, JSON errors field by field."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tongxin.units.models import Unit


def test_token_round_trip(world):
    client = APIClient()
    response = client.post("/api/auth/token/", {"username": "nanxian", "password": "Tongxin#2021"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    names = {u["name"] for u in client.get("/api/units/?page_size=100").json()["results"]}
    assert "南县福利院" in names and "慈利县零阳镇敬老院" not in names


@pytest.mark.parametrize("body", [{"username": "nanxian", "password": "wrong"}, {"username": "nanxian"}, {}])
def test_token_refusals_name_the_problem(world, body):
    response = APIClient().post("/api/auth/token/", body, format="json")
    assert response.status_code == 400
    assert response.json()


def test_bad_token_is_401_json(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token nonsense")
    response = client.get("/api/units/")
    assert response.status_code == 401 and "detail" in response.json()


def test_create_unit_errors_come_back_field_by_field(world, api_for):
    count = Unit.objects.count()
    response = api_for(world.nanxian).post("/api/units/", {
        "name": "南县新敬老院", "kind": "elderly_care", "region": "430921",
        "credit_code": "91430921MA4L00001X", "phone": "12345",
    }, format="json")
    assert response.status_code == 400
    body = response.json()
    assert "credit_code" in body and "phone" in body
    assert Unit.objects.count() == count


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "x", "kind": "elderly_care", "region": "999999"}, "region"),
    ({"name": "x", "kind": "rocket", "region": "430921"}, "kind"),
    ({"name": "x", "kind": "elderly_care", "region": "430921", "beds": -1}, "beds"),
    ({"name": "x", "kind": "elderly_care", "region": "430921", "beds": "many"}, "beds"),
    ({"kind": "elderly_care", "region": "430921"}, "name"),
])
def test_more_bad_input(world, api_for, body, field):
    response = api_for(world.nanxian).post("/api/units/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_creating_outside_scope_is_refused(world, api_for):
    response = api_for(world.cili).post("/api/units/", {"name": "越界", "kind": "elderly_care",
                                                        "region": "430921"}, format="json")
    assert response.status_code == 403
    assert not Unit.objects.filter(name="越界").exists()


def test_malformed_json_is_400_not_500(world, api_for):
    response = api_for(world.nanxian).generic("POST", "/api/units/", "{not json", content_type="application/json")
    assert response.status_code == 400


def test_create_through_api(world, api_for):
    response = api_for(world.nanxian).post("/api/units/", {"name": "南县新敬老院", "kind": "elderly_care",
                                                           "region": "430921", "beds": 20}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["supervisor"] == world.nanxian_bureau.pk


def test_units_cannot_be_deleted(world, api_for):
    response = api_for(world.hunan).delete(f"/api/units/{world.nanxian_home.pk}/")
    assert response.status_code == 405
    assert Unit.objects.filter(pk=world.nanxian_home.pk).exists()


def test_unknown_api_path_is_json_404(world, api_for, client):
    assert client.get("/api/nothing-here/").json()["detail"]
    assert api_for(world.nanxian).get("/api/units/not-a-number/").status_code == 404


def test_schema_and_offline_docs(world, client_for):
    c = client_for(world.nanxian)
    schema = c.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "openapi: 3" in text and "/api/units/" in text and "/api/auth/token/" in text
    docs = c.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs
    assert "cdn" not in docs.lower() and "jsdelivr" not in docs.lower() and "unpkg" not in docs.lower()


def test_healthz_reports_the_database(db, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"]["status"] == "ok"
