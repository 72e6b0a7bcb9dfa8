"""The report batch as clerks really hand it back: rows left blank for units not filing today, numbers
typed on a Chinese keyboard, and files with several kinds of problem at once — all reported together."""

from __future__ import annotations

import datetime as dt

from django.contrib.messages import get_messages

from tests.reports.conftest import at, good_values
from tests.reports.test_excel_batch import DAY, download, fill, headers_of, problems, row_of, saved, upload
from tongxin.core.models import AuditEvent
from tongxin.reports import excel, services
from tongxin.reports.models import Report


def filed_yesterday(world, daily):
    """Both homes filed the day before, so today's template is pre-filled with their carried values."""
    for unit in (world.nanxian_home, world.nanxian_home_2):
        services.submit_report(world.nanxian, assignment=daily, unit=unit, day=DAY - dt.timedelta(days=1),
                               values=good_values(), now=at(DAY - dt.timedelta(days=1), 9))


def test_a_prefilled_row_left_blank_means_not_filing_today_and_is_counted(world, daily, client_for):
    filed_yesterday(world, daily)
    client = client_for(world.nanxian)
    wb = download(client, daily)
    fill(wb, daily, "南县福利院", good_values())  # 南县南洲镇敬老院 is left as downloaded (carried values only)
    result = excel.import_batch(world.nanxian, daily, DAY, saved(wb), now=at(DAY, 9), dry_run=True)
    assert result.ok, [str(e) for e in result.errors]
    blank = row_of(wb, "南县南洲镇敬老院")
    assert {p.number: p.outcome for p in result.preview} == {row_of(wb, "南县福利院"): "filed", blank: "skipped"}
    assert result.counts["skipped"] == 1
    assert [(n.row, n.rule) for n in result.notices] == [(blank, "skipped")]
    response = upload(client, daily, saved(wb))
    assert response.status_code == 302
    (text,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert "新报 1 家" in text and "1 行留空" in text
    assert set(Report.objects.filter(day=DAY).values_list("unit__name", flat=True)) == {"南县福利院"}


def test_a_fully_blank_row_is_skipped_too(world, daily, client_for):
    client = client_for(world.nanxian)
    wb = download(client, daily)  # nothing filed before: the rows hold only the unit's name and id
    fill(wb, daily, "南县福利院", good_values())
    result = excel.import_batch(world.nanxian, daily, DAY, saved(wb), now=at(DAY, 9))
    assert result.ok and result.counts["filed"] == 1 and result.counts["skipped"] == 1


def test_a_row_begun_but_not_finished_is_not_skipped_its_missing_values_are_errors(world, daily, client_for):
    filed_yesterday(world, daily)
    client = client_for(world.nanxian)
    wb = download(client, daily)
    fill(wb, daily, "南县福利院", good_values())
    fill(wb, daily, "南县南洲镇敬老院", {"visits_refused": 2})  # one of today's figures typed, the rest not
    errors = problems(upload(client, daily, saved(wb)))
    row = row_of(wb, "南县南洲镇敬老院")
    assert errors and {e.row for e in errors} == {row} and all(e.rule == "format" for e in errors)
    assert not Report.objects.filter(day=DAY).exists()


def test_full_width_digits_are_read_and_numbers_in_words_refused_with_words(world, daily, client_for):
    client = client_for(world.nanxian)
    wb = download(client, daily)
    header = headers_of(daily)
    typed = {header["residents_in_care"]: "８６", header["visits_refused"]: "３"}
    fill(wb, daily, "南县福利院", good_values(), **typed)
    fill(wb, daily, "南县南洲镇敬老院", good_values(), **{header["mask_days"]: "三十"})
    errors = problems(upload(client, daily, saved(wb)))
    assert [(e.row, e.header) for e in errors] == [(row_of(wb, "南县南洲镇敬老院"), header["mask_days"])]
    assert "阿拉伯数字" in errors[0].message
    fill(wb, daily, "南县南洲镇敬老院", good_values())
    assert upload(client, daily, saved(wb)).status_code == 302
    assert Report.objects.get(day=DAY, unit=world.nanxian_home).values["residents_in_care"] == 86


def test_header_problems_and_every_cell_problem_are_reported_together(world, daily, client_for):
    client = client_for(world.nanxian)
    wb = download(client, daily)
    header = headers_of(daily)
    fill(wb, daily, "南县福利院", good_values(), **{header["mask_days"]: "=30+1"})
    fill(wb, daily, "南县南洲镇敬老院", good_values(), **{header["residents_in_care"]: -3})
    ws = wb.worksheets[0]
    ws.cell(row=2, column=ws.max_column + 1).value = "填报人"  # a column the template does not have
    ws.cell(row=row_of(wb, "南县福利院"), column=ws.max_column).value = "张敏"
    errors = problems(upload(client, daily, saved(wb)))
    assert [(e.row, e.header, e.rule) for e in errors] == sorted([
        (2, "填报人", "header"),
        (row_of(wb, "南县福利院"), header["mask_days"], "formula"),
        (row_of(wb, "南县南洲镇敬老院"), header["residents_in_care"], "format"),
    ])
    assert "填报人" in errors[0].message
    assert not Report.objects.filter(day=DAY).exists()


def test_a_template_of_another_day_is_said_beside_the_cell_problems(world, daily, client_for):
    client = client_for(world.nanxian)
    wb = download(client, daily, day=DAY - dt.timedelta(days=1))
    fill(wb, daily, "南县福利院", good_values(mask_days="五"))
    fill(wb, daily, "南县南洲镇敬老院", good_values())
    errors = problems(upload(client, daily, saved(wb)))
    assert len(errors) == 2
    assert "2021-08-01" in errors[0].message and "阿拉伯数字" in errors[1].message


def test_a_refused_batch_is_one_audit_event_with_its_file_and_error_count(world, daily, client_for):
    client = client_for(world.nanxian)
    wb = download(client, daily)
    fill(wb, daily, "南县福利院", good_values(mask_days="五"))
    fill(wb, daily, "南县南洲镇敬老院", good_values(staff_on_site=-1))
    problems(upload(client, daily, saved(wb, "南县8月2日.xlsx")))
    (event,) = AuditEvent.objects.filter(action=AuditEvent.Action.REJECTED)
    assert event.actor_id == world.nanxian.pk and event.changes["file"] == "南县8月2日.xlsx"
    assert event.changes["errors"] == 2 and "批量报送" in event.object_repr
