"""A unit's daily reporting on the web: 今日报送, the generated form, the zero report, corrections."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.reports.conftest import at, good_values
from tongxin.regions.models import Region
from tongxin.reports import services
from tongxin.reports.models import Report, Revision
from tongxin.units.models import Kind

DAY = dt.date(2021, 8, 2)


def form_data(**overrides) -> dict:
    """good_values as a browser posts them (是/否 as the radio values)."""
    return {k: ("true" if v is True else "false" if v is False else v) for k, v in good_values(**overrides).items()}


def file_url(assignment, day, unit=None) -> str:
    url = reverse("reports:file", args=[assignment.pk, day.isoformat() if isinstance(day, dt.date) else day])
    return f"{url}?unit={unit.pk}" if unit is not None else url


def file_by_service(world, daily, day=DAY, **overrides) -> Report:
    return services.submit_report(world.home_reporter, assignment=daily, unit=world.nanxian_home, day=day,
                                  values=good_values(**overrides), now=at(day, 9, 0)).report


@pytest.fixture
def this_week(world):
    """An assignment covering today, due at the very end of the day, so a filing now is on time."""
    (version,) = services.load_builtin_forms()
    today = timezone.localdate()
    return services.create_assignment(
        world.hunan, form=version.form, issuer=world.province, region=Region.objects.get(code="430000"),
        name="本周养老机构日报", deadline=dt.time(23, 59, 59), start_date=today - dt.timedelta(days=3),
        end_date=today + dt.timedelta(days=3), unit_kinds=[Kind.ELDERLY_CARE],
    )


# --- 今日报送 ----------------------------------------------------------------------------------------

def test_reporter_sees_todays_task_on_the_today_page(world, this_week, client_for):
    html = client_for(world.home_reporter).get(reverse("reports:today")).content.decode()
    assert "南县福利院" in html and "本周养老机构日报" in html
    assert "未报" in html
    assert file_url(this_week, timezone.localdate(), world.nanxian_home) in html


def test_today_page_shows_a_filed_report_and_the_last_seven_days(world, this_week, client_for):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    services.submit_report(world.home_reporter, assignment=this_week, unit=world.nanxian_home, day=yesterday,
                           values=good_values(), now=at(yesterday, 9, 0))
    html = client_for(world.home_reporter).get(reverse("reports:today")).content.decode()
    assert html.count('class="tx-st-') == 7
    assert "已报" in html and "无需报送" in html  # yesterday filed; the days before the period need nothing


def test_unit_with_nothing_due_says_so(world, client_for):
    html = client_for(world.home_reporter).get(reverse("reports:today")).content.decode()
    assert "今日没有需要报送的任务" in html


def test_county_officer_gets_a_search_box_not_every_home(world, this_week, client_for):
    client = client_for(world.nanxian)
    html = client.get(reverse("reports:today")).content.decode()
    assert 'id="officer-panel"' in html and 'aria-labelledby="unit-' not in html  # no unit cards
    found = client.get(reverse("reports:today"), {"q": "南洲"}).content.decode()
    assert f'href="?unit={world.nanxian_home_2.pk}"' in found and "慈利" not in found


def test_county_officer_picks_a_home_and_sees_its_tasks(world, this_week, client_for):
    html = client_for(world.nanxian).get(reverse("reports:today"), {"unit": world.nanxian_home_2.pk}).content.decode()
    assert file_url(this_week, timezone.localdate(), world.nanxian_home_2) in html


def test_anonymous_visitor_is_sent_to_login(client, world):
    response = client.get(reverse("reports:today"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


# --- filing from the form --------------------------------------------------------------------------

def test_reporter_files_todays_report_from_the_form(world, this_week, client_for):
    client = client_for(world.home_reporter)
    url = file_url(this_week, timezone.localdate())  # the reporter's only unit is the default
    page = client.get(url).content.decode()
    assert 'inputmode="numeric"' in page and 'type="radio"' in page and "<textarea" in page
    response = client.post(url, form_data())
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reports:detail", args=[report.pk])
    assert report.unit == world.nanxian_home and not report.is_late and report.values["residents_in_care"] == 86
    assert report.revisions.get().source == Report.Source.WEB
    assert "已报" in client.get(reverse("reports:today")).content.decode()


def test_form_is_prefilled_from_yesterdays_carry_fields(world, daily, client_for):
    file_by_service(world, daily, day=DAY - dt.timedelta(days=1), residents_in_care=90, visits_refused=7)
    html = client_for(world.home_reporter).get(file_url(daily, DAY)).content.decode()
    assert 'name="residents_in_care" value="90"' in html
    assert 'name="visits_refused" value="7"' not in html  # a day's own figure starts empty


def test_zero_report_button_files_a_zero_report(world, daily, client_for):
    file_by_service(world, daily, day=DAY - dt.timedelta(days=1), residents_in_care=90)
    response = client_for(world.home_reporter).post(file_url(daily, DAY), {"tx-zero": "1"})
    report = Report.objects.get(day=DAY)
    assert response.status_code == 302
    assert report.is_zero and report.values["residents_in_care"] == 90 and report.values["visits_refused"] == 0


def test_zero_report_without_an_earlier_report_asks_for_the_full_form(world, daily, client_for):
    response = client_for(world.home_reporter).post(file_url(daily, DAY), {"tx-zero": "1"})
    assert response.status_code == 400 and "首次报送请填写完整表单" in response.content.decode()
    assert not Report.objects.exists()


def test_a_bad_value_shows_its_message_under_the_field_and_saves_nothing(world, daily, client_for):
    response = client_for(world.home_reporter).post(file_url(daily, DAY), form_data(residents_in_care="-5"))
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="err-residents_in_care">不能小于 0<' in html
    assert 'name="residents_in_care" value="-5"' in html and 'name="staff_on_site" value="21"' in html
    assert not Report.objects.exists() and not Revision.objects.exists()


def test_a_broken_rule_shows_the_rules_message(world, daily, client_for):
    response = client_for(world.home_reporter).post(file_url(daily, DAY), form_data(residents_vaccinated=100))
    html = response.content.decode()
    assert response.status_code == 400
    assert "老人全程接种人数不能多于在院老人数" in html.split('id="form-errors"')[1].split("</div>")[1]
    assert not Report.objects.exists()


def test_late_filing_is_warned_before_and_marked_after(world, daily, client_for):
    client = client_for(world.home_reporter)
    assert "已过截止时间 2021-08-02 10:00，提交后将标记为迟报" in client.get(file_url(daily, DAY)).content.decode()
    response = client.post(file_url(daily, DAY), form_data(), follow=True)
    assert Report.objects.get().is_late
    assert "迟报" in response.content.decode()


def test_second_filing_redirects_to_the_report(world, daily, client_for):
    report = file_by_service(world, daily)
    client = client_for(world.home_reporter)
    detail = reverse("reports:detail", args=[report.pk])
    assert client.get(file_url(daily, DAY))["Location"] == detail
    response = client.post(file_url(daily, DAY), form_data(visits_refused=9))
    assert response.status_code == 302 and response["Location"] == detail
    assert Revision.objects.count() == 1 and Report.objects.get().values["visits_refused"] == 3


def test_a_day_outside_the_period_gets_a_clear_message(world, daily, client_for):
    client = client_for(world.home_reporter)
    assert "不在报送期内" in client.get(file_url(daily, "2021-08-20")).content.decode()
    response = client.post(file_url(daily, "2021-08-20"), form_data())
    assert response.status_code == 400 and not Report.objects.exists()


@pytest.mark.parametrize("bad", ["2021-13-45", "2021-02-30", "yesterday", "20210802"])
def test_a_bad_date_in_the_url_is_404(world, daily, client_for, bad):
    assert client_for(world.home_reporter).get(file_url(daily, bad)).status_code == 404


def test_county_officer_files_for_another_home_with_the_unit_parameter(world, daily, client_for):
    response = client_for(world.nanxian).post(file_url(daily, DAY, world.nanxian_home_2), form_data())
    report = Report.objects.get()
    assert response.status_code == 302
    assert report.unit == world.nanxian_home_2 and report.revisions.get().filed_by == world.nanxian


# --- the report and its corrections ----------------------------------------------------------------

def test_report_page_shows_values_with_labels_and_units(world, daily, client_for):
    report = file_by_service(world, daily)
    html = client_for(world.home_reporter).get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert '<span class="k">在院老人数</span><span class="v">86 <small>人</small>' in html
    assert "按时" in html and "第 1 版" in html


def test_correction_without_a_reason_is_refused(world, daily, client_for):
    report = file_by_service(world, daily)
    response = client_for(world.home_reporter).post(reverse("reports:correct", args=[report.pk]),
                                                    form_data(residents_in_care=90))
    assert response.status_code == 400 and "更正报告须说明原因" in response.content.decode()
    assert Report.objects.get().revision_count == 1


def test_correction_with_a_reason_makes_revision_2_and_the_history_shows_both(world, daily, client_for):
    report = file_by_service(world, daily)
    client = client_for(world.nanxian)
    data = {**form_data(residents_in_care=90), "tx-reason": "漏报 4 名新入住老人"}
    response = client.post(reverse("reports:correct", args=[report.pk]), data)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.revision_count == 2 and report.values["residents_in_care"] == 90
    html = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    history = html.split('id="revision-table"')[1]
    assert "第 1 版" in history and "第 2 版" in history and "漏报 4 名新入住老人" in history
    assert "在院老人数：<del" in history and "86</del> → <strong>90" in history


def test_auditor_neither_reads_nor_corrects_a_report(world, daily, client_for):
    report = file_by_service(world, daily)
    client = client_for(world.auditor)
    assert client.get(reverse("reports:detail", args=[report.pk])).status_code == 404
    response = client.post(reverse("reports:correct", args=[report.pk]), {**form_data(), "tx-reason": "x"})
    assert response.status_code == 404 and Report.objects.get().revision_count == 1


# --- a stranger county -----------------------------------------------------------------------------

def test_stranger_county_gets_404_for_a_nanxian_report(world, daily, client_for):
    report = file_by_service(world, daily)
    assert client_for(world.cili).get(reverse("reports:detail", args=[report.pk])).status_code == 404


def test_stranger_county_gets_404_for_the_file_page_of_a_nanxian_home(world, daily, client_for):
    assert client_for(world.cili).get(file_url(daily, DAY, world.nanxian_home)).status_code == 404


def test_stranger_county_gets_404_for_a_correction_of_a_nanxian_report(world, daily, client_for):
    report = file_by_service(world, daily)
    response = client_for(world.cili).post(reverse("reports:correct", args=[report.pk]),
                                           {**form_data(residents_in_care=1), "tx-reason": "改"})
    assert response.status_code == 404 and Report.objects.get().revision_count == 1
