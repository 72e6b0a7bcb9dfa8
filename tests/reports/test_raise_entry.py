"""A bureau officer puts a problem named in a daily report onto the ledger: the report is the entry's
source (label and link through the ledger's registry), the report page lists what was raised from it,
and raising twice needs saying so."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import translation

from tests.reports.conftest import at, good_values
from tongxin.core.models import AuditEvent
from tongxin.ledger import sources
from tongxin.ledger.models import LedgerEntry, Status
from tongxin.reports import services

DAY = dt.date(2021, 8, 2)
PROBLEMS = "消防通道堆放杂物；两名护理员未佩戴口罩"


@pytest.fixture
def report(world, daily):
    return services.submit_report(world.home_reporter, assignment=daily, unit=world.nanxian_home, day=DAY,
                                  values=good_values(problems_found=PROBLEMS), now=at(DAY, 9)).report


@pytest.fixture
def quiet_report(world, daily):
    """A 南县 report with nothing under 发现的问题."""
    return services.submit_report(world.nanxian, assignment=daily, unit=world.nanxian_home_2, day=DAY,
                                  values=good_values(), now=at(DAY, 9)).report


def raise_from(actor, report, **values):
    defaults = {"category": "fire", "severity": "major", "deadline": DAY + dt.timedelta(days=7),
                "description": "消防通道堆放杂物"}
    return services.raise_entry(actor, report, **{**defaults, **values})


def test_county_officer_raises_an_entry_whose_source_is_the_report(world, report):
    entry = raise_from(world.nanxian, report)
    assert (entry.unit, entry.region_code, entry.status) == (world.nanxian_home, "430921", Status.OPEN)
    assert (entry.source, entry.source_id, entry.found_on) == ("daily_report", report.pk, DAY)
    assert (entry.responsible_person, entry.responsible_phone) == ("李敏", "13807371234")  # the home's contact
    link = sources.source_link(entry.source, entry.source_id)
    assert link.url == reverse("reports:detail", args=[report.pk]) and "2021-08-02" in link.label
    created = AuditEvent.objects.get(object_type="ledger.ledgerentry", object_id=str(entry.pk))
    assert created.changes["source_id"] == [None, report.pk] and created.actor_id == world.nanxian.pk


def test_province_officer_may_raise_too(world, report):
    assert raise_from(world.hunan, report).source_id == report.pk


def test_the_homes_own_reporter_cannot_raise_from_its_report(world, report):
    with pytest.raises(PermissionDenied):
        raise_from(world.home_reporter, report)
    assert not LedgerEntry.objects.exists()


def test_a_stranger_county_officer_gets_404(world, report):
    with pytest.raises(Http404):
        raise_from(world.cili, report)
    assert not LedgerEntry.objects.exists()


def test_a_report_without_problems_raises_nothing(world, quiet_report):
    with pytest.raises(ValidationError) as refused:
        raise_from(world.nanxian, quiet_report)
    assert "problems_found" in refused.value.message_dict and not LedgerEntry.objects.exists()


def test_raising_twice_needs_saying_it_is_another_problem(world, report):
    first = raise_from(world.nanxian, report)
    with pytest.raises(ValidationError) as refused:
        raise_from(world.nanxian, report, description="护理员未佩戴口罩")
    assert first.number in refused.value.message_dict["again"][0]
    assert LedgerEntry.objects.count() == 1
    second = raise_from(world.nanxian, report, description="护理员未佩戴口罩", category="epidemic", again=True)
    assert {e.pk for e in LedgerEntry.objects.filter(source_id=report.pk)} == {first.pk, second.pk}


def test_a_bad_deadline_changes_nothing(world, report):
    with pytest.raises(ValidationError) as refused:
        raise_from(world.nanxian, report, deadline=DAY - dt.timedelta(days=1))
    assert "deadline" in refused.value.message_dict
    assert not LedgerEntry.objects.exists() and not AuditEvent.objects.filter(object_type="ledger.ledgerentry")


# --- the pages ------------------------------------------------------------------------------------

def test_the_report_page_offers_the_officer_a_form_prefilled_from_the_problems(world, report, client_for):
    html = client_for(world.nanxian).get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert 'id="raise-entry-form"' in html and PROBLEMS in html.split('id="raise-entry-form"')[1].split("</form>")[0]
    reporter = client_for(world.home_reporter).get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert 'id="raise-entry-form"' not in reporter


def test_no_form_for_a_report_without_problems(world, quiet_report, client_for):
    html = client_for(world.nanxian).get(reverse("reports:detail", args=[quiet_report.pk])).content.decode()
    assert 'id="raise-entry-form"' not in html


def test_raising_on_the_page_leads_to_the_entry_linked_back_to_the_report(world, report, client_for):
    client = client_for(world.nanxian)
    response = client.post(reverse("reports:raise-entry", args=[report.pk]), {
        "category": "fire", "severity": "major", "deadline": "2021-08-09", "description": "消防通道堆放杂物",
        "required_measure": "立即清理"})
    entry = LedgerEntry.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("ledger:detail", args=[entry.pk])
    page = client.get(response["Location"]).content.decode()
    source = page.split('id="entry-source"')[1].split("</dd>")[0]
    assert "日报" in source and reverse("reports:detail", args=[report.pk]) in source
    back = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert 'id="raised-entries"' in back and entry.number in back
    assert reverse("ledger:detail", args=[entry.pk]) in back


def test_a_second_raise_on_the_page_is_refused_with_words(world, report, client_for):
    raise_from(world.nanxian, report)
    response = client_for(world.nanxian).post(reverse("reports:raise-entry", args=[report.pk]), {
        "category": "fire", "severity": "major", "deadline": "2021-08-09", "description": "又一条"})
    assert response.status_code == 400 and "另登记一条" in response.content.decode()
    assert LedgerEntry.objects.count() == 1


def test_the_reporter_is_refused_on_the_page(world, report, client_for):
    response = client_for(world.home_reporter).post(reverse("reports:raise-entry", args=[report.pk]), {
        "category": "fire", "severity": "major", "deadline": "2021-08-09", "description": "x"})
    assert response.status_code == 403 and not LedgerEntry.objects.exists()


def test_bad_input_on_the_page_names_the_field(world, report, client_for):
    response = client_for(world.nanxian).post(reverse("reports:raise-entry", args=[report.pk]), {
        "category": "nonsense", "severity": "major", "deadline": "2021-13-40", "description": ""})
    assert response.status_code == 400 and not LedgerEntry.objects.exists()
    form = response.content.decode().split('id="raise-entry-form"')[1].split("</form>")[0]
    assert form.count("invalid-feedback") >= 3


# --- the API --------------------------------------------------------------------------------------

def test_the_api_raises_an_entry_and_answers_it_with_its_source_link(world, report, api_for):
    url = reverse("report-raise-entry", args=[report.pk])
    response = api_for(world.nanxian).post(url, {"category": "fire", "severity": "major", "deadline": "2021-08-09"},
                                           format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["source"], body["source_id"], body["description"]) == ("daily_report", report.pk, PROBLEMS)
    assert body["source_link"]["url"] == reverse("reports:detail", args=[report.pk])
    again = api_for(world.nanxian).post(url, {"category": "fire", "severity": "major", "deadline": "2021-08-09"},
                                        format="json")
    assert again.status_code == 400 and "again" in again.json()
    assert api_for(world.cili).post(url, {"category": "fire", "severity": "major", "deadline": "2021-08-09"},
                                    format="json").status_code == 404
    assert LedgerEntry.objects.count() == 1


def test_the_raise_form_and_the_raised_list_speak_english(world, report, client_for):
    from tests.core.test_i18n import assert_english

    raise_from(world.nanxian, report)
    client = client_for(world.nanxian)
    client.cookies["django_language"] = "en"
    try:
        html = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    finally:
        translation.deactivate()  # LocaleMiddleware left English active in this thread
    assert_english(html, ["Put on the ledger", "Put a problem from this report on the ledger",
                          "Ledger entries raised from this report", "Raise another"])
