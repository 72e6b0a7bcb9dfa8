"""The Content-Security-Policy (issue #12): on every page, with nothing inline for it to refuse.

Every page route of the scope matrix is opened by a persona it answers 200 to; each response carries
the policy (no 'unsafe-inline' anywhere), and no HTML page holds an inline <script>, a <style> block,
a style="" attribute or an on…="" handler — the things the policy would block in a browser. Error
answers (404, 403, the login redirect) carry it too.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.scope.matrix import ROWS
from tests.scope.test_matrix import client_of, request

# A <script> with no src (a JSON data island from json_script is not run, so it is allowed).
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
STYLE_BLOCK = re.compile(r"<style\b", re.I)
STYLE_ATTR = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)
HANDLER_ATTR = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def inline_problems(html: str) -> list[str]:
    found = []
    for name, pattern in (("inline <script>", INLINE_SCRIPT), ("<style> block", STYLE_BLOCK),
                          ("style attribute", STYLE_ATTR), ("on* handler", HANDLER_ATTR),
                          ("javascript: URL", JS_URL)):
        match = pattern.search(html)
        if match:
            found.append(f"{name}: …{html[max(0, match.start() - 60):match.end() + 60]!r}…")
    return found


def check_policy(response) -> str | None:
    policy = response.headers.get("Content-Security-Policy", "")
    if not policy:
        return "no Content-Security-Policy header"
    if "unsafe-inline" in policy or "unsafe-eval" in policy:
        return f"a policy that allows inline code: {policy}"
    return None


def test_the_policy_is_the_one_asked_for(client):
    policy = client.get(reverse("accounts:login")).headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives == {
        "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data: blob:",
        "object-src": "'none'", "base-uri": "'self'", "frame-ancestors": "'none'", "form-action": "'self'",
    }


@pytest.mark.parametrize("regex", [INLINE_SCRIPT, STYLE_BLOCK, STYLE_ATTR, HANDLER_ATTR])
def test_the_scanner_sees_what_it_looks_for(regex):
    planted = {INLINE_SCRIPT: "<script>alert(1)</script>", STYLE_BLOCK: "<style>p{}</style>",
               STYLE_ATTR: '<div class="x" style="color:red">', HANDLER_ATTR: '<button onclick="go()">'}[regex]
    assert regex.search(f"<p>ok</p>{planted}")
    assert not inline_problems('<script src="/static/a.js"></script><script id="d" type="application/json">{}</script>'
                               '<p data-style="x" class="onion">onload=1</p>')


def test_every_page_has_the_policy_and_nothing_inline(world, nanxian_objects):
    pages = [r for r in ROWS if r.method == "get" and not r.api]
    assert len(pages) > 100  # the matrix's page routes, not a handful
    problems, checked = [], 0
    for r in pages:
        persona = next((p for p in ("nanxian", "hunan", "home_reporter", "cili", "sysadmin", "secadmin", "auditor")
                        if r.expect[p] == 200), None)
        if persona is None:
            continue
        response = request(client_of(world, persona, api=False), r, nanxian_objects)
        if (trouble := check_policy(response)) is not None:
            problems.append(f"{r} as {persona}: {trouble}")
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html") \
                and not response.streaming:
            checked += 1
            problems += [f"{r} as {persona}: {p}" for p in inline_problems(response.content.decode())]
    assert checked > 100
    assert not problems, "\n".join(problems)


def test_error_answers_and_the_api_carry_it_too(world, nanxian_objects, client):
    outsider = client_of(world, "cili", api=False)
    not_found = outsider.get(reverse("ledger:detail", args=[nanxian_objects["entry"].pk]))
    assert not_found.status_code == 404
    assert check_policy(not_found) is None
    assert not inline_problems(not_found.content.decode())
    assert check_policy(client.get("/no/such/page/")) is None
    assert check_policy(client.get(reverse("reports:today"))) is None  # the login redirect
    assert check_policy(client.get("/api/units/")) is None  # a JSON 401


def test_the_api_docs_load_their_script_from_a_file(client):
    page = client.get(reverse("api-docs"))
    assert page.status_code == 200
    assert not inline_problems(page.content.decode())
    script = client.get(reverse("api-docs") + "?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


def test_an_evidence_file_keeps_its_own_sandboxing_policy(world, nanxian_objects):
    from tongxin.core.uploads import SERVED_FILE_CSP

    url = reverse("files:file", args=[nanxian_objects["attachment"].pk])
    response = client_of(world, "nanxian", api=False).get(url)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == SERVED_FILE_CSP
