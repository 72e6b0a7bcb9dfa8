"""Chinese first, English on request: the catalogue is complete and the pages use it.

Chinese is the source language (the msgids); English comes from tongxin/locale/en. The language
follows the `django_language` cookie (set by the language button) or else Accept-Language.
"""

from __future__ import annotations

import ast
import gettext
import json
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

import tongxin

LOCALE = Path(tongxin.__file__).resolve().parent / "locale" / "en" / "LC_MESSAGES"
PO = LOCALE / "django.po"
MO = LOCALE / "django.mo"

# Han characters, CJK punctuation and full-width forms.
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")

# Chinese UI labels that must not survive on an English page.
CHINESE_LABELS = ["单位名称", "所在区划", "审计日志", "退出", "首页", "联系电话", "新增单位", "登录同心", "运营中"]

# The only Chinese an English page may carry besides data: the logo and the name of the other language.
FIXED_CHINESE = {"同心", "中文"}


@pytest.fixture(autouse=True)
def _restore_language():
    """LocaleMiddleware activates the request's language in this thread; don't leak it to other tests."""
    yield
    translation.deactivate()


def english(client: Client, how: str) -> dict:
    """Request options that ask for English, by cookie or by header."""
    if how == "cookie":
        client.cookies["django_language"] = "en"
        return {}
    return {"headers": {"accept-language": "en"}}


def data_words() -> set[str]:
    """Every run of Chinese in the database's own text: names, regions, people, stored audit text."""
    from tongxin.accounts.models import User
    from tongxin.core.models import AuditEvent
    from tongxin.regions.models import Region
    from tongxin.units.models import Unit

    texts: list[str] = []
    for unit in Unit.objects.all():
        texts += [unit.name, unit.address, unit.contact_person]
    texts += Region.objects.filter(code__startswith="43").values_list("name", flat=True)
    for user in User.objects.all():
        texts += [str(user), user.full_name]
    for event in AuditEvent.objects.all():
        texts += [event.actor_name, event.unit_name, event.object_repr, json.dumps(event.changes, ensure_ascii=False)]
    return {word for text in texts if text for word in CJK.findall(text)}


def assert_english(html: str, labels: list[str]) -> None:
    for label in labels:
        assert label in html, f"missing English label {label!r}"
    for label in CHINESE_LABELS:
        assert label not in html, f"Chinese UI label {label!r} on an English page"
    leftovers = set(CJK.findall(html)) - data_words() - FIXED_CHINESE
    assert not leftovers, f"untranslated Chinese on an English page: {sorted(leftovers)}"


# --- Chinese is the default ------------------------------------------------------------------


@pytest.mark.parametrize("accept", [None, "zh-CN", "zh-CN,zh;q=0.9,en;q=0.8"])
def test_login_page_is_chinese_by_default(db, accept):
    headers = {"accept-language": accept} if accept else {}
    html = Client().get(reverse("accounts:login"), headers=headers).content.decode()
    assert "登录同心" in html
    assert 'lang="zh-CN"' in html
    assert "Sign in to Tongxin" not in html


def test_unit_list_is_chinese_by_default(world, client_for):
    html = client_for(world.nanxian).get(reverse("units:list")).content.decode()
    for label in ["单位名称", "所在区划", "联系电话", "退出", "首页"]:
        assert label in html
    assert "Unit name" not in html


# --- English on request ----------------------------------------------------------------------


@pytest.mark.parametrize("how", ["cookie", "header"])
def test_login_page_in_english(db, how):
    client = Client()
    response = client.get(reverse("accounts:login"), **english(client, how))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'lang="en"' in html
    assert_english(html, ["Sign in to Tongxin", "Username", "Password", "Sign in"])


@pytest.mark.parametrize("how", ["cookie", "header"])
def test_unit_list_in_english(world, client_for, how):
    client = client_for(world.nanxian)
    response = client.get(reverse("units:list"), **english(client, how))
    assert response.status_code == 200
    html = response.content.decode()
    assert world.nanxian_home.name in html  # data stays as it is
    assert_english(html, ["Units", "Unit name", "Unit type", "Region", "Contact", "Phone", "Beds", "Status",
                          "Add unit", "Export Excel", "Keyword", "Filter", "Elderly-care home", "Operating",
                          "Home", "Sign out", "in total"])


@pytest.mark.parametrize("how", ["cookie", "header"])
def test_unit_detail_in_english(world, client_for, how):
    client = client_for(world.nanxian)
    response = client.get(reverse("units:detail", args=[world.nanxian_home.pk]), **english(client, how))
    assert response.status_code == 200
    html = response.content.decode()
    assert world.nanxian_home.name in html
    assert_english(html, ["Unit type", "Region", "Supervising bureau", "Unified social credit code", "Address",
                          "Residents", "Staff", "Members and roles", "Reporter", "Elderly-care home", "Edit"])


@pytest.mark.parametrize("how", ["cookie", "header"])
def test_unit_form_in_english(world, client_for, how):
    client = client_for(world.nanxian)
    response = client.get(reverse("units:edit", args=[world.nanxian_home.pk]), **english(client, how))
    assert response.status_code == 200
    html = response.content.decode()
    assert_english(html, ["Edit unit", "Unit name", "Unit type", "Supervising bureau", "Association",
                          "Unified social credit code", "If blank, the civil-affairs department", "Save", "Cancel"])


def test_unit_form_errors_in_english(world, client_for):
    client = client_for(world.nanxian)
    client.cookies["django_language"] = "en"
    response = client.post(reverse("units:create"), {
        "name": "南县新敬老院", "kind": "elderly_care", "region": "430921", "phone": "12345", "is_active": "on",
    })
    assert response.status_code == 400  # the form again, with its errors
    html = response.content.decode()
    assert "Invalid phone number" in html
    assert "电话号码" not in html


@pytest.mark.parametrize("how", ["cookie", "header"])
def test_audit_list_in_english(world, client_for, how):
    client = client_for(world.auditor)
    response = client.get(reverse("audit:list"), **english(client, how))
    assert response.status_code == 200
    html = response.content.decode()
    assert_english(html, ["Audit log", "Time", "Action", "Actor", "Object", "Changes", "IP address",
                          "Export CSV", "Search", "Start date", "End date", "Create", "records"])


@pytest.mark.parametrize("how", ["cookie", "header"])
def test_home_in_english(world, client_for, how):
    client = client_for(world.nanxian)
    response = client.get(reverse("home"), **english(client, how))
    assert response.status_code == 200
    assert_english(response.content.decode(), ["Hello,", "My units and roles", "Units in my jurisdiction",
                                               "Officer", "Elderly-care home", "API docs", "Sign out"])


# --- The API follows Accept-Language ---------------------------------------------------------


BAD_PHONE = {"name": "南县新敬老院", "kind": "elderly_care", "region": "430921", "phone": "12345"}


def test_api_errors_in_english_on_request(world, api_for):
    response = api_for(world.nanxian).post("/api/units/", BAD_PHONE, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    message = " ".join(response.json()["phone"])
    assert message.startswith("Invalid phone number")
    assert not CJK.search(message)


def test_api_errors_in_chinese_by_default(world, api_for):
    response = api_for(world.nanxian).post("/api/units/", BAD_PHONE, format="json")
    assert response.status_code == 400
    assert "电话号码无效" in " ".join(response.json()["phone"])


# --- The catalogue ---------------------------------------------------------------------------


def read_po(path: Path) -> list[dict]:
    """A small .po reader: one dict per entry (msgctxt, msgid, msgid_plural, msgstr or msgstr[n], flags)."""
    entries: list[dict] = []
    entry: dict = {"flags": set()}
    key = None

    def flush():
        nonlocal entry, key
        if "msgid" in entry:
            entries.append(entry)
        entry, key = {"flags": set()}, None

    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            flush()
        elif line.startswith("#,"):
            if "msgid" in entry:
                flush()
            entry["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#~"):
            raise AssertionError(f"obsolete entry left in {path.name}: {line}")
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            if key in ("msgctxt", "msgid") and "msgid" in entry:
                flush()
                key = line.partition(" ")[0]
            entry[key] = ast.literal_eval(value)
    flush()
    return entries


PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|</?[a-zA-Z][^>]*>")


def test_every_msgid_has_an_english_msgstr():
    entries = read_po(PO)
    header, messages = entries[0], entries[1:]
    assert header["msgid"] == ""
    assert "Language: en\n" in header["msgstr"]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);\n" in header["msgstr"]
    assert len(messages) > 100
    problems = []
    for e in [header, *messages]:
        if "fuzzy" in e["flags"]:
            problems.append(f"fuzzy: {e['msgid'][:30]!r}")
    for e in messages:
        if "msgid_plural" in e:
            strings = [e.get("msgstr[0]", ""), e.get("msgstr[1]", "")]
            assert set(k for k in e if k.startswith("msgstr")) == {"msgstr[0]", "msgstr[1]"}, e["msgid"]
        else:
            strings = [e.get("msgstr", "")]
        for s in strings:
            if not s.strip():
                problems.append(f"empty: {e['msgid']!r}")
            elif CJK.search(s) and e["msgid"] not in s:
                if not all(word in e["msgid"] for word in CJK.findall(s)):
                    problems.append(f"Chinese in the English: {e['msgid']!r} -> {s!r}")
            if set(PLACEHOLDER.findall(s)) != set(PLACEHOLDER.findall(e["msgid"])):
                problems.append(f"placeholders differ: {e['msgid']!r} -> {s!r}")
    assert not problems, "\n".join(problems)


def test_compiled_catalogue_matches_the_po():
    """django.mo is committed: it must say what django.po says (rerun `make messages` if not)."""
    with MO.open("rb") as f:
        mo = gettext.GNUTranslations(f)
    assert mo.info().get("language") == "en"
    stale = []
    for e in read_po(PO)[1:]:
        ctx = e.get("msgctxt")
        if "msgid_plural" in e:
            for n, key in ((1, "msgstr[0]"), (2, "msgstr[1]")):
                got = (mo.npgettext(ctx, e["msgid"], e["msgid_plural"], n) if ctx
                       else mo.ngettext(e["msgid"], e["msgid_plural"], n))
                if got != e[key]:
                    stale.append((e["msgid"], e[key], got))
        else:
            got = mo.pgettext(ctx, e["msgid"]) if ctx else mo.gettext(e["msgid"])
            if got != e["msgstr"]:
                stale.append((e["msgid"], e["msgstr"], got))
    assert not stale, f"django.mo is out of date with django.po: {stale[:5]}"


def test_django_uses_the_catalogue():
    with translation.override("en"):
        assert translation.gettext("单位名称") == "Unit name"
        assert translation.ngettext("共 %(n)s 条", "共 %(n)s 条", 2) % {"n": 2} == "2 records"
    with translation.override("zh-hans"):
        assert translation.gettext("单位名称") == "单位名称"


# --- More pages in English (issue 8, item 10) ------------------------------------------------


@pytest.fixture
def filed_report(world):
    """A 南县福利院 daily report of the built-in form, filed on time."""
    from tests.reports.conftest import START, at, good_values
    from tongxin.regions.models import Region
    from tongxin.reports import services
    from tongxin.units.models import Kind

    (version,) = services.load_builtin_forms()
    daily = services.create_assignment(
        world.hunan, form=version.form, issuer=world.province, region=Region.objects.get(code="430000"),
        name="养老机构疫情防控日报", deadline=at(START, 10).time(), start_date=START, end_date=START,
        unit_kinds=[Kind.ELDERLY_CARE])
    return services.submit_report(world.home_reporter, assignment=daily, unit=world.nanxian_home, day=START,
                                  values=good_values(), now=at(START, 9)).report


def test_a_report_in_english_shows_units_of_measure_in_english(world, filed_report, client_for):
    client = client_for(world.home_reporter)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("reports:detail", args=[filed_report.pk])).content.decode()
    assert '<span class="k">Residents in care</span><span class="v">86 <small>people</small>' in html
    assert "<small>days</small>" in html and "<small>times</small>" in html
    assert_english(html.replace(filed_report.assignment.name, ""), ["Correct data", "Revision history"])


def test_units_of_measure_stay_chinese_in_chinese(world, filed_report, client_for):
    html = client_for(world.home_reporter).get(reverse("reports:detail", args=[filed_report.pk])).content.decode()
    assert "<small>人</small>" in html and "<small>天</small>" in html


def test_a_word_with_two_senses_is_translated_by_its_context():
    with translation.override("en"):
        assert translation.gettext("单位") == "Units"  # the registry, a menu
        assert translation.pgettext("organisation", "单位") == "Unit"  # one unit, a column or a field
        assert translation.pgettext("unit of measure", "单位") == "Unit of measure"
        assert translation.gettext("专项行动") == "Campaigns"
        assert translation.pgettext("campaign", "专项行动") == "Campaign"


def test_the_ledger_list_in_english(world, client_for):
    client = client_for(world.nanxian)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("ledger:list")).content.decode()
    assert_english(html, ["Ledger", "Filters", "Keyword", "Status", "Severity"])


def test_the_audit_log_with_changes_in_english(world, client_for):
    from tongxin.units import services

    services.update_unit(world.nanxian, world.nanxian_home, beds=150, is_active=False)
    client = client_for(world.auditor)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("audit:list"), {"action": "update"}).content.decode()
    assert "Beds" in html and "Operating" in html and "Yes" in html and "No" in html
    assert_english(html, ["Update", "<span class=\"text-secondary\">Unit</span> 南县福利院"])
