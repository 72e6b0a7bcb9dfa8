"""The reporting API: filing with an Idempotency-Key, corrections and history, scope, completeness,
roll-ups, forms, assignments and the schema."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.reports.conftest import at, good_values
from tongxin.regions.models import Region
from tongxin.reports import queries, services
from tongxin.reports.models import FormVersion, Report, Revision
from tongxin.units.models import Kind

DAY = dt.date(2021, 8, 2)
REPORTS = reverse("report-list")


def body(world, daily, *, unit=None, day=DAY, **values):
    return {"assignment": daily.pk, "unit": (unit or world.nanxian_home).pk, "day": day.isoformat(),
            "values": good_values(**values)}


def post(client, data, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(REPORTS, data, format="json", **headers)


def filed(world, daily, unit=None, day=DAY, when=None, **values):
    """A report filed through the service, as the tests of other modules do."""
    return services.submit_report(world.hunan, assignment=daily, unit=unit or world.nanxian_home, day=day,
                                  values=good_values(**values), now=when or at(day, 9)).report


# --- filing ------------------------------------------------------------------------------------

def test_reporter_files_through_the_api_with_a_token(world, daily, api_for):
    response = post(api_for(world.home_reporter), body(world, daily), key="phone-1")
    assert response.status_code == 201, response.json()
    report = response.json()
    assert report["unit"] == world.nanxian_home.pk and report["day"] == "2021-08-02"
    assert report["values"]["residents_in_care"] == 86 and report["revision_count"] == 1
    assert Revision.objects.get().source == Report.Source.API


def test_a_retry_with_the_same_idempotency_key_answers_200_with_the_same_report(world, daily, api_for):
    client = api_for(world.home_reporter)
    first = post(client, body(world, daily), key="phone-1")
    again = post(client, body(world, daily, visits_refused=9), key="phone-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.json()["values"]["visits_refused"] == 3
    assert Report.objects.count() == 1 and Revision.objects.count() == 1


def test_another_key_for_the_same_unit_and_day_is_refused_naming_day(world, daily, api_for):
    client = api_for(world.home_reporter)
    post(client, body(world, daily), key="phone-1")
    response = post(client, body(world, daily), key="phone-2")
    assert response.status_code == 400 and "day" in response.json()
    assert Report.objects.count() == 1


def test_a_key_reused_for_another_day_is_refused(world, daily, api_for):
    client = api_for(world.home_reporter)
    post(client, body(world, daily), key="phone-1")
    response = post(client, body(world, daily, day=DAY - dt.timedelta(days=1)), key="phone-1")
    assert response.status_code == 400 and "idempotency_key" in response.json()
    assert Report.objects.count() == 1


def test_an_overlong_idempotency_key_is_refused(world, daily, api_for):
    response = post(api_for(world.home_reporter), body(world, daily), key="k" * 101)
    assert response.status_code == 400 and "idempotency_key" in response.json()
    assert not Report.objects.exists()


def test_bad_values_come_back_by_field_key(world, daily, api_for):
    response = post(api_for(world.home_reporter), body(world, daily, residents_in_care=-1, staff_on_site="many"))
    assert response.status_code == 400
    assert {"residents_in_care", "staff_on_site"} <= response.json().keys()
    assert not Report.objects.exists()


def test_a_broken_rule_comes_back_in_non_field_errors(world, daily, api_for):
    response = post(api_for(world.home_reporter), body(world, daily, residents_vaccinated=100))
    assert response.status_code == 400
    assert "老人全程接种人数不能多于在院老人数" in response.json()["non_field_errors"]
    assert not Report.objects.exists()


def test_a_day_outside_the_period_is_refused_naming_day(world, daily, api_for):
    response = post(api_for(world.home_reporter), body(world, daily, day=dt.date(2021, 8, 20)))
    assert response.status_code == 400 and "day" in response.json()


@pytest.mark.parametrize(("data", "field"), [
    ({"unit": "one"}, "unit"), ({"day": "yesterday"}, "day"), ({"values": [1, 2]}, "values"), ({"day": None}, "day"),
])
def test_malformed_filings_name_the_field(world, daily, api_for, data, field):
    response = post(api_for(world.home_reporter), {**body(world, daily), **data})
    assert response.status_code == 400 and field in response.json()


def test_a_zero_report_carries_the_stock_figures(world, daily, api_for):
    filed(world, daily, day=DAY - dt.timedelta(days=1), mask_days=12)
    response = post(api_for(world.home_reporter), {"assignment": daily.pk, "unit": world.nanxian_home.pk,
                                                   "day": DAY.isoformat(), "zero": True})
    assert response.status_code == 201, response.json()
    assert response.json()["is_zero"] and response.json()["values"]["mask_days"] == 12


def test_a_report_filed_after_the_deadline_is_marked_late(world, daily, api_for):
    response = post(api_for(world.home_reporter), body(world, daily))
    assert response.json()["is_late"] is True  # the API files now, long after 2021-08-02 10:00


# --- corrections and history -------------------------------------------------------------------

def test_a_correction_with_a_reason_shows_as_revision_2(world, daily, api_for):
    report = filed(world, daily)
    client = api_for(world.home_reporter)
    response = client.post(reverse("report-correct", args=[report.pk]),
                           {"values": good_values(residents_in_care=90), "reason": "漏报新入住老人"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["revision_count"] == 2 and response.json()["values"]["residents_in_care"] == 90
    history = client.get(reverse("report-revisions", args=[report.pk])).json()["results"]
    assert [r["number"] for r in history] == [1, 2]
    assert history[1] == {**history[1], "reason": "漏报新入住老人", "source": "api", "filed_by": "nanxian-home-01"}
    assert history[0]["filed_by"] == "hunan" and history[0]["values"]["residents_in_care"] == 86


def test_a_correction_without_a_reason_is_refused_naming_reason(world, daily, api_for):
    report = filed(world, daily)
    response = api_for(world.home_reporter).post(reverse("report-correct", args=[report.pk]),
                                                 {"values": good_values(), "reason": " "}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    assert Revision.objects.filter(report=report).count() == 1


def test_a_retried_correction_is_made_once(world, daily, api_for):
    report = filed(world, daily)
    client, url = api_for(world.home_reporter), reverse("report-correct", args=[report.pk])
    data = {"values": good_values(residents_in_care=90), "reason": "漏报"}
    first = client.post(url, data, format="json", HTTP_IDEMPOTENCY_KEY="fix-1")
    again = client.post(url, data, format="json", HTTP_IDEMPOTENCY_KEY="fix-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert Revision.objects.filter(report=report).count() == 2


# --- scope -------------------------------------------------------------------------------------

def test_stranger_county_cannot_read_a_nanxian_report(world, daily, api_for):
    report = filed(world, daily)
    client = api_for(world.cili)
    response = client.get(reverse("report-detail", args=[report.pk]))
    assert response.status_code == 404 and response.json()["detail"] == "找不到该记录，或您无权查看"
    assert client.get(reverse("report-revisions", args=[report.pk])).status_code == 404
    assert client.get(REPORTS).json()["count"] == 0


def test_stranger_county_cannot_file_for_a_nanxian_home(world, daily, api_for):
    response = post(api_for(world.cili), body(world, daily))
    assert response.status_code == 404 and response.json()["detail"]
    assert not Report.objects.exists()


def test_stranger_county_cannot_correct_a_nanxian_report(world, daily, api_for):
    report = filed(world, daily)
    response = api_for(world.cili).post(reverse("report-correct", args=[report.pk]),
                                        {"values": good_values(residents_in_care=1), "reason": "越权"}, format="json")
    assert response.status_code == 404
    assert Report.objects.get(pk=report.pk).revision_count == 1


def test_county_officer_files_for_a_home_of_the_county(world, daily, api_for):
    response = post(api_for(world.nanxian), body(world, daily, unit=world.nanxian_home_2))
    assert response.status_code == 201, response.json()
    assert Revision.objects.get().filed_by == world.nanxian


def test_reporter_cannot_file_for_the_neighbouring_home(world, daily, api_for):
    response = post(api_for(world.home_reporter), body(world, daily, unit=world.nanxian_home_2))
    assert response.status_code == 404 and not Report.objects.exists()


def test_auditor_sees_no_unit_to_file_for(world, daily, api_for):
    response = post(api_for(world.auditor), body(world, daily))
    assert response.status_code == 404 and not Report.objects.exists()


def test_report_list_filters_by_region_day_and_lateness(world, daily, api_for):
    filed(world, daily)
    filed(world, daily, unit=world.nanxian_home_2, when=at(DAY, 11))
    filed(world, daily, unit=world.cili_home)
    client = api_for(world.hunan)

    def names(query):
        return {r["unit_name"] for r in client.get(REPORTS + query).json()["results"]}

    assert names("?region=430921") == {"南县福利院", "南县南洲镇敬老院"}
    assert names("?region=430921&is_late=true") == {"南县南洲镇敬老院"}
    assert names(f"?unit={world.cili_home.pk}&day=2021-08-02") == {"慈利县零阳镇敬老院"}
    assert names("?day=2021-08-03") == set()
    assert client.get(REPORTS + "?day=soon").status_code == 400


def test_anonymous_calls_are_401(world, daily, client):
    for name in ["report-form-list", "report-assignment-list", "report-list", "completeness-list", "rollup-list"]:
        assert client.get(reverse(name)).status_code == 401
    assert client.post(REPORTS, body(world, daily), content_type="application/json").status_code == 401


# --- completeness ------------------------------------------------------------------------------

COMPLETENESS = reverse("completeness-list")


def test_completeness_equals_the_query_and_rows_add_up(world, daily, api_for):
    filed(world, daily)
    filed(world, daily, unit=world.cili_home, when=at(DAY, 10, 30))
    response = api_for(world.hunan).get(COMPLETENESS, {"assignment": daily.pk, "region": "430000", "day": "2021-08-02"})
    assert response.status_code == 200, response.json()
    data = response.json()
    table = queries.completeness(daily, Region.objects.get(code="430000"), DAY)
    names = ["expected", "on_time", "late", "zero", "missing"]
    assert [data["total"][n] for n in names] == [getattr(table.total, n) for n in names] == [3, 1, 1, 0, 1]
    assert {r["region"]: [r[n] for n in names] for r in data["rows"]} == {
        r.region.code: [getattr(r, n) for n in names] for r in table.rows}
    for n in names:
        assert sum(r[n] for r in data["rows"]) == data["total"][n]
    assert data["total"]["rate"] == pytest.approx(2 / 3)


def test_missing_units_come_with_contact_person_and_phone(world, daily, api_for):
    filed(world, daily, unit=world.nanxian_home_2)
    response = api_for(world.hunan).get(reverse("completeness-missing"),
                                        {"assignment": daily.pk, "region": "430921", "day": "2021-08-02"})
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["name"] == "南县福利院" and row["contact_person"] == "李敏" and row["phone"] == "13807371234"


def test_county_officer_reads_completeness_of_the_county(world, daily, api_for):
    filed(world, daily)
    response = api_for(world.nanxian).get(COMPLETENESS, {"assignment": daily.pk, "region": "430921",
                                                         "day": "2021-08-02"})
    assert response.status_code == 200
    assert (response.json()["total"]["expected"], response.json()["total"]["missing"]) == (2, 1)


def test_stranger_county_asking_completeness_for_nanxian_gets_404(world, daily, api_for):
    own = services.create_assignment(world.cili, form=daily.form, issuer=world.cili_bureau,
                                     region=Region.objects.get(code="430821"), name="慈利县日报",
                                     deadline=dt.time(10), start_date=daily.start_date, end_date=daily.end_date,
                                     unit_kinds=[Kind.ELDERLY_CARE])
    client = api_for(world.cili)
    for assignment in (own, daily):
        params = {"assignment": assignment.pk, "region": "430921", "day": "2021-08-02"}
        assert client.get(COMPLETENESS, params).status_code == 404
        assert client.get(reverse("completeness-missing"), params).status_code == 404
    assert client.get(COMPLETENESS, {"assignment": own.pk, "region": "430821", "day": "2021-08-02"}).status_code == 200


@pytest.mark.parametrize(("params", "fields"), [
    ({}, {"assignment"}),  # region and day default to hunan's province and today; no assignment runs today
    ({"region": "431", "day": "2021-08-02"}, {"assignment"}),  # the region is read once the rest is valid
    ({"region": "430921", "day": "2021-13-40"}, {"day"}),
    ({"assignment": "x", "region": "999999", "day": "2021-08-02"}, {"assignment"}),
])
def test_missing_or_invalid_completeness_parameters_are_400_by_field(world, daily, api_for, params, fields):
    response = api_for(world.hunan).get(COMPLETENESS, params)
    assert response.status_code == 400
    assert fields <= response.json().keys()


def test_an_unknown_region_code_is_400(world, daily, api_for):
    response = api_for(world.hunan).get(COMPLETENESS, {"assignment": daily.pk, "region": "999999", "day": "2021-08-02"})
    assert response.status_code == 400 and "region" in response.json()


# --- roll-ups ----------------------------------------------------------------------------------

ROLLUPS = reverse("rollup-list")


def test_rollups_return_the_sums_of_the_latest_values(world, daily, api_for):
    filed(world, daily)
    second = filed(world, daily, unit=world.nanxian_home_2, residents_in_care=40, residents_vaccinated=30)
    services.correct_report(world.nanxian, second, values=good_values(residents_in_care=42, residents_vaccinated=30),
                            reason="复核")
    filed(world, daily, unit=world.cili_home, residents_in_care=500)
    response = api_for(world.hunan).get(ROLLUPS, {"assignment": daily.pk, "region": "430921", "day_from": "2021-07-26",
                                                  "day_to": "2021-08-09", "key": ["residents_in_care", "mask_days"]})
    assert response.status_code == 200, response.json()
    rows = {(r["day"], r["key"]): (r["total"], r["count"]) for r in response.json()["results"]}
    assert rows == {("2021-08-02", "residents_in_care"): (128, 2), ("2021-08-02", "mask_days"): (60, 2)}
    by_key = {r["key"]: r for r in response.json()["results"]}
    # 口罩储备天数 adds up by its lowest and its average (the raw sum is there to compute the average from)
    assert by_key["mask_days"]["aggregates"] == {"min": 30, "avg": 30} and by_key["mask_days"]["lowest"] == 30
    assert by_key["residents_in_care"]["aggregates"] == {"sum": 128}
    assert (by_key["residents_in_care"]["lowest"], by_key["residents_in_care"]["highest"]) == (42, 86)
    assert by_key["residents_in_care"]["average"] == 64


def test_rollups_refuse_a_range_over_366_days(world, daily, api_for):
    response = api_for(world.hunan).get(ROLLUPS, {"assignment": daily.pk, "region": "430000", "day_from": "2021-01-01",
                                                  "day_to": "2022-01-02"})
    assert response.status_code == 400 and "day_to" in response.json()


def test_rollups_refuse_a_range_that_ends_before_it_starts(world, daily, api_for):
    response = api_for(world.hunan).get(ROLLUPS, {"assignment": daily.pk, "region": "430000", "day_from": "2021-08-02",
                                                  "day_to": "2021-08-01"})
    assert response.status_code == 400 and "day_to" in response.json()


def test_stranger_county_cannot_read_nanxian_rollups(world, daily, api_for):
    filed(world, daily)
    response = api_for(world.cili).get(ROLLUPS, {"assignment": daily.pk, "region": "430921",
                                                 "day_from": "2021-08-01", "day_to": "2021-08-03"})
    assert response.status_code == 404


# --- forms and assignments ---------------------------------------------------------------------

SMALL_FORM = {"code": "heat-daily", "name": "高温日报", "name_en": "Heat wave daily", "description": "",
              "definition": {"fields": [{"key": "fans", "label": "风扇台数", "type": "int", "min": 0}],
                             "rules": [{"expr": "fans >= 0", "message": "风扇台数不能为负"}]}}


def test_forms_list_the_latest_version_and_its_definition(world, daily, api_for):
    (form,) = api_for(world.home_reporter).get(reverse("report-form-list")).json()["results"]
    assert form["code"] == "elderly-daily" and form["latest_version"] == 1
    assert form["definition"]["fields"][0]["key"] == "residents_in_care"


def test_an_officer_imports_a_form_and_a_changed_definition_adds_a_version(world, api_for):
    client = api_for(world.hunan)
    first = client.post(reverse("report-form-list"), SMALL_FORM, format="json")
    same = client.post(reverse("report-form-list"), SMALL_FORM, format="json")
    changed = dict(SMALL_FORM, definition={**SMALL_FORM["definition"], "rules": []})
    second = client.post(reverse("report-form-list"), changed, format="json")
    assert (first.status_code, same.status_code, second.status_code) == (201, 200, 201)
    assert second.json()["number"] == 2 and second.json()["created_by"] == "hunan"
    versions = client.get(reverse("report-form-versions", args=[first.json()["form"]])).json()["results"]
    assert [v["number"] for v in versions] == [2, 1]


def test_a_rule_that_does_not_parse_is_refused_naming_definition(world, api_for):
    broken = dict(SMALL_FORM, definition={**SMALL_FORM["definition"], "rules": [{"expr": "fans >= ", "message": "x"}]})
    response = api_for(world.hunan).post(reverse("report-form-list"), broken, format="json")
    assert response.status_code == 400 and "definition" in response.json()
    assert not FormVersion.objects.filter(form__code="heat-daily").exists()


def test_a_reporter_cannot_define_forms(world, api_for):
    response = api_for(world.home_reporter).post(reverse("report-form-list"), SMALL_FORM, format="json")
    assert response.status_code == 403


def test_reporter_sees_the_assignment_covering_their_home(world, daily, api_for):
    client = api_for(world.home_reporter)
    assert [a["id"] for a in client.get(reverse("report-assignment-list")).json()["results"]] == [daily.pk]
    assert client.get(reverse("report-assignment-detail", args=[daily.pk])).json()["form_code"] == "elderly-daily"


def test_county_officer_issues_an_assignment_and_a_stranger_cannot_see_it(world, daily, api_for):
    response = api_for(world.nanxian).post(reverse("report-assignment-list"), {
        "name": "南县日报", "form": daily.form.pk, "issuer": world.nanxian_bureau.pk, "region": "430921",
        "unit_kinds": [Kind.ELDERLY_CARE], "deadline": "09:00", "start_date": "2021-07-26", "end_date": "2021-08-09",
    }, format="json")
    assert response.status_code == 201, response.json()
    url = reverse("report-assignment-detail", args=[response.json()["id"]])
    assert api_for(world.cili).get(url).status_code == 404


def test_a_stranger_cannot_issue_in_the_name_of_another_bureau(world, daily, api_for):
    response = api_for(world.cili).post(reverse("report-assignment-list"), {
        "name": "越权", "form": daily.form.pk, "issuer": world.nanxian_bureau.pk, "region": "430921",
        "deadline": "09:00", "start_date": "2021-07-26", "end_date": "2021-08-09",
    }, format="json")
    assert response.status_code == 404


def test_an_assignment_ending_before_it_starts_is_refused_naming_end_date(world, daily, api_for):
    response = api_for(world.nanxian).post(reverse("report-assignment-list"), {
        "name": "南县日报", "form": daily.form.pk, "issuer": world.nanxian_bureau.pk, "region": "430921",
        "deadline": "09:00", "start_date": "2021-08-09", "end_date": "2021-07-26",
    }, format="json")
    assert response.status_code == 400 and "end_date" in response.json()


# --- schema ------------------------------------------------------------------------------------

def test_the_schema_lists_every_reporting_path(world, client_for):
    text = client_for(world.nanxian).get("/api/schema/").content.decode()
    for path in ["/api/report-forms/", "/api/report-forms/{id}/versions/", "/api/assignments/",
                 "/api/assignments/{id}/", "/api/reports/", "/api/reports/{id}/", "/api/reports/{id}/correct/",
                 "/api/reports/{id}/revisions/", "/api/completeness/", "/api/completeness/missing/", "/api/rollups/"]:
        assert f"{path}:" in text, path
    assert "Idempotency-Key" in text


def test_token_client_without_credentials_gets_a_json_401(world):
    response = APIClient().get(REPORTS)
    assert response.status_code == 401 and response.json()["detail"]


@pytest.mark.parametrize(("region", "status"), [("43092", 400), ("abcdef", 400), ("999999", 400), ("430821", 404)])
def test_the_report_list_refuses_a_bad_or_foreign_region_with_words(world, api_for, region, status):
    response = api_for(world.nanxian).get(f"/api/reports/?region={region}")
    assert response.status_code == status
    assert response.json()


def test_the_report_list_filters_by_a_region_in_scope(world, api_for):
    assert api_for(world.nanxian).get("/api/reports/?region=430921").status_code == 200
    assert api_for(world.home_reporter).get("/api/reports/?region=430921").status_code == 200
