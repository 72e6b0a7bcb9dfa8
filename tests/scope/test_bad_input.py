"""Bad input gets words, never a 500: JSON nested a thousand deep, lone surrogates, NUL characters and
huge strings, on the API and the web forms alike; each refusal is a 4xx with a message and changes
nothing. The fuzz test at the end sends them to every route of the scope matrix."""

from __future__ import annotations

import json
from urllib.parse import quote_from_bytes

import pytest
from django.db import transaction
from django.urls import reverse
from rest_framework.test import APIClient

from tests.scope.matrix import ROWS, Row
from tests.scope.test_matrix import _Rollback, client_of, fingerprint
from tongxin.core.safe_input import MAX_JSON_DEPTH
from tongxin.ledger import services as ledger
from tongxin.ledger.models import Transition
from tongxin.reports.models import Revision

DEEP = "[" * 1000 + "]" * 1000
NUL = "a\x00b"
SURROGATE = "a\ud800b"
HUGE = "长" * 6_000  # longer than every text limit (the longest, a summary, is 5,000), cheap to send 150 times


def raw_json(value) -> str:
    """JSON text as a client may send it: a lone surrogate as the escape \\ud800."""
    return json.dumps(value, ensure_ascii=True)


def form_body(fields: dict) -> str:
    """A urlencoded body, lone surrogates sent as the bytes a careless client would send."""
    return "&".join(f"{quote_from_bytes(str(k).encode('utf-8', 'surrogatepass'))}="
                    f"{quote_from_bytes(str(v).encode('utf-8', 'surrogatepass'))}" for k, v in fields.items())


def messages_of(response) -> str:
    return json.dumps(response.json(), ensure_ascii=False)


# --- JSON nested too deep -------------------------------------------------------------------------

def test_json_nested_a_thousand_deep_is_a_400_without_logging_in(db):
    response = APIClient().post("/api/auth/token/", DEEP, content_type="application/json")
    assert response.status_code == 400
    assert "嵌套过深" in response.json()["detail"]


def test_json_nested_too_deep_in_a_field_is_a_400_naming_it(world, nanxian_objects, api_for):
    report = nanxian_objects["report"]
    deep_value = "[" * (MAX_JSON_DEPTH + 5) + "]" * (MAX_JSON_DEPTH + 5)
    before = Revision.objects.count()
    response = api_for(world.nanxian).post(f"/api/reports/{report.pk}/correct/",
                                           f'{{"reason": "改", "values": {{"notes": {deep_value}}}}}',
                                           content_type="application/json")
    assert response.status_code == 400
    assert "嵌套过深" in response.json()["values"][0]
    response = api_for(world.nanxian).post(f"/api/reports/{report.pk}/correct/", '{"values": ' + DEEP + "}",
                                           content_type="application/json")
    assert response.status_code == 400 and "嵌套过深" in messages_of(response)
    assert Revision.objects.count() == before


# --- lone surrogates and NUL characters -----------------------------------------------------------

@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
def test_bad_text_in_a_report_is_a_400_naming_the_field(world, nanxian_objects, api_for, bad):
    report = nanxian_objects["report"]
    before = Revision.objects.count()
    body = raw_json({"reason": "改", "values": {"notes": bad, "residents_in_care": 80}})
    response = api_for(world.nanxian).post(f"/api/reports/{report.pk}/correct/", body,
                                           content_type="application/json")
    assert response.status_code == 400
    assert "values.notes" in response.json()["values"][0]
    assert Revision.objects.count() == before


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
def test_bad_text_in_a_choice_is_refused_not_echoed_into_a_500(world, api_for, bad):
    body = raw_json({"name": "南县新院", "kind": bad, "region": "430921"})
    response = api_for(world.nanxian).post("/api/units/", body, content_type="application/json")
    assert response.status_code == 400 and "kind" in response.json()


def test_a_nul_in_a_web_form_is_a_400_naming_the_field(world, nanxian_objects, client_for):
    report = nanxian_objects["report"]
    before = Revision.objects.count()
    response = client_for(world.nanxian).post(f"/reports/report/{report.pk}/correct/",
                                              {"tx-reason": "改", "notes": NUL, "residents_in_care": "80"})
    assert response.status_code == 400
    assert "「notes」含有空字符" in response.content.decode()
    assert Revision.objects.count() == before


def test_a_nul_in_a_query_string_is_a_400_naming_the_parameter(world, client_for, api_for):
    page = client_for(world.nanxian).get("/units/", {"q": NUL})
    assert page.status_code == 400 and "「q」含有空字符" in page.content.decode()
    api = api_for(world.nanxian).get("/api/units/", {"q": NUL})
    assert api.status_code == 400 and "空字符" in api.json()["q"][0]


def test_a_surrogate_in_a_query_string_or_form_arrives_as_a_replacement_character(world, client_for):
    client = client_for(world.nanxian)
    assert client.get("/units/?q=%ED%A0%80").status_code == 200
    response = client.post("/accounts/login/", form_body({"username": SURROGATE, "password": "x"}),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500


# --- a comment has the same limit on the web as in the API -------------------------------------------

def test_a_comment_too_long_for_the_api_is_too_long_for_the_web_form(world, nanxian_objects, client_for, api_for):
    entry = nanxian_objects["entry"]
    too_long = "长" * (ledger.MAX_COMMENT + 1)
    before = Transition.objects.count()
    page = client_for(world.nanxian).post(f"/ledger/{entry.pk}/transition/", {"name": "start", "comment": too_long})
    assert page.status_code == 400 and str(ledger.MAX_COMMENT) in page.content.decode()
    api = api_for(world.nanxian).post(f"/api/ledger/{entry.pk}/transition/", {"name": "start", "comment": too_long},
                                      format="json")
    assert api.status_code == 400 and "comment" in api.json()
    assert Transition.objects.count() == before
    ok = client_for(world.nanxian).post(f"/ledger/{entry.pk}/transition/",
                                        {"name": "start", "comment": "长" * ledger.MAX_COMMENT})
    assert ok.status_code == 302


# --- fuzz: every route of the scope matrix ------------------------------------------------------------

TEXT_FIELDS = ("name", "description", "comment", "note", "summary", "reason", "tx-reason", "q", "value",
               "required_measure", "responsible_person", "item_key", "result", "code", "text", "notes",
               "problems_found", "kind", "region", "category", "severity", "day", "deadline", "username")
NASTY = {"nul": NUL, "surrogate": SURROGATE, "huge": HUGE, "deep": DEEP}


def persona_for(r: Row) -> str:
    """Someone the route lets in, so the bad input reaches its form or serializer."""
    for persona in ("nanxian", "hunan", "home_reporter", "sysadmin", "auditor", "cili"):
        if r.expect[persona] < 403:
            return persona
    return "nanxian"


def nasty_body(r: Row, objects: dict, value: str) -> dict:
    body = dict(r.body(objects)) if r.body else {}
    body = {k: (value if isinstance(v, str) else v) for k, v in body.items()}
    body.update({k: value for k in TEXT_FIELDS if k not in body})
    if r.api and r.fmt == "json":
        body["values"] = {"notes": value, "problems_found": value}
    return body


def send(client, r: Row, objects: dict, name: str, value: str):
    url = reverse(r.name, args=r.args(objects))
    query = {k: (value if isinstance(v, str) else v) for k, v in r.query(objects).items()}
    query.setdefault("q", value)
    url += "?" + form_body(query)
    if r.method == "get":
        return client.get(url)
    if r.api and r.fmt == "json":
        text = DEEP if name == "deep" else raw_json(nasty_body(r, objects, value))
        return getattr(client, r.method)(url, text, content_type="application/json")
    if r.api:  # multipart: a client library cannot even encode a lone surrogate
        body = nasty_body(r, objects, value if name != "surrogate" else "\ufffd")
        return getattr(client, r.method)(url, body, format="multipart")
    return getattr(client, r.method)(url, form_body(nasty_body(r, objects, value)),
                                     content_type="application/x-www-form-urlencoded")


FUZZED = [r for r in ROWS if r.name not in ("accounts:logout",)]


@pytest.mark.parametrize("name", NASTY)
def test_no_nasty_value_reaches_a_500(name, world, nanxian_objects):
    """Each route of the matrix, as someone it lets in, with the value in every text field, in the
    query string and (for the API) in a report's values: never a 5xx, a NUL always a 400, and a
    refusal changes nothing. One build of the objects; each request rolls back."""
    value, problems = NASTY[name], []
    for r in FUZZED:
        if r.method == "get" and name == "deep":
            continue  # a query string holds no JSON
        persona = persona_for(r)
        try:
            with transaction.atomic():
                before = fingerprint()
                client = client_of(world, persona, r.api)
                client.raise_request_exception = False  # a 500 is counted here, not raised
                got = send(client, r, nanxian_objects, name, value).status_code
                if got >= 500:
                    problems.append(f"{r} with {name} as {persona}: {got}")
                elif name == "nul" and got != 400:
                    problems.append(f"{r} with {name} as {persona}: {got}, expected 400")
                if got >= 400 and fingerprint() != before:
                    problems.append(f"{r} with {name} as {persona}: refused with {got} but changed data")
                raise _Rollback
        except _Rollback:
            pass
    assert not problems, "\n".join(problems)
