"""The county clerk's Excel batch: a pre-filled template for the units they file for, an all-or-nothing upload."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.reports.conftest import at, good_values
from tongxin.core.models import AuditEvent
from tongxin.core.xlsx import XLSX_CONTENT_TYPE
from tongxin.reports import excel, services
from tongxin.reports.models import Report, Revision

DAY = dt.date(2021, 8, 2)
NANXIAN_HOMES = {"南县福利院", "南县南洲镇敬老院"}


def headers_of(daily) -> dict[str, str]:
    """Field key → column header of the template."""
    return {c.key: c.header for c in excel.field_columns(daily.form.latest_version())}


def download(client, daily, day=DAY, **params) -> openpyxl.Workbook:
    response = client.get(reverse("reports:batch-template"), {"assignment": daily.pk, "day": day, **params})
    assert response.status_code == 200, response.content[:500]
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def data_rows(wb) -> dict[str, dict[str, object]]:
    """Unit name → {header: value} for the data rows under the title and header rows."""
    ws = wb.worksheets[0]
    header = [c.value for c in ws[2]]
    return {row[0]: dict(zip(header, row, strict=False)) for row in ws.iter_rows(min_row=3, values_only=True)
            if row[0]}


def fill(wb, daily, name: str, values: dict | None = None, reason: str | None = None, **cells) -> None:
    """Write form values (by key) and raw cells (by header) into the row of unit `name`."""
    ws = wb.worksheets[0]
    columns = {c.value: c.column for c in ws[2]}
    by_key = headers_of(daily)
    row = row_of(wb, name)
    for key, value in (values or {}).items():
        if isinstance(value, bool):
            value = "是" if value else "否"
        ws.cell(row=row, column=columns[by_key[key]]).value = None if value == "" else value
    for header, value in cells.items():
        ws.cell(row=row, column=columns[header]).value = value
    if reason is not None:
        ws.cell(row=row, column=columns["更正原因"]).value = reason


def row_of(wb, name: str) -> int:
    (row,) = [r[0].row for r in wb.worksheets[0].iter_rows(min_row=3) if r[0].value == name]
    return row


def saved(wb, name: str = "批量报送.xlsx") -> SimpleUploadedFile:
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type=XLSX_CONTENT_TYPE)


def both_filled(client, daily):
    wb = download(client, daily)
    fill(wb, daily, "南县福利院", good_values())
    fill(wb, daily, "南县南洲镇敬老院", good_values(residents_in_care=40, residents_vaccinated=30,
                                                    staff_on_site=9, staff_vaccinated=9))
    return wb


def upload(client, daily, file, day=DAY):
    url = reverse("reports:batch-upload") + f"?assignment={daily.pk}&day={day}"
    return client.post(url, {"file": file})


def file_one(world, daily, unit=None, day=DAY, **values):
    return services.submit_report(world.nanxian, assignment=daily, unit=unit or world.nanxian_home, day=day,
                                  values=good_values(**values), now=at(day, 9))


def problems(response) -> list:
    assert response.status_code == 400
    return response.context["errors"]


# --- the template ----------------------------------------------------------------------------------


def test_county_template_has_one_row_per_expected_home_of_the_county(world, daily, client_for):
    wb = download(client_for(world.nanxian), daily)
    ws = wb.worksheets[0]
    assert set(data_rows(wb)) == NANXIAN_HOMES  # not 慈利's home, not the bureau, not the social-work centre
    assert "养老机构疫情防控日报" in ws["A1"].value and "2021-08-02" in ws["A1"].value and "南县" in ws["A1"].value
    assert any(str(r).startswith("A1:") for r in ws.merged_cells.ranges)
    assert ws.freeze_panes == "A3"
    header = [c.value for c in ws[2]]
    assert header[:2] == ["单位名称", "单位编号"] and header[-1] == "更正原因"
    assert "在院老人数（人）" in header and "今日劝返探视人次（人次）" in header
    assert wb.sheetnames == ["批量报送", "说明"]


def test_template_rows_carry_the_unit_id_the_upload_matches_on(world, daily, client_for):
    rows = data_rows(download(client_for(world.nanxian), daily))
    assert rows["南县福利院"]["单位编号"] == world.nanxian_home.pk


def test_template_is_prefilled_with_the_days_report_or_else_the_previous_carry_values(world, daily, client_for):
    file_one(world, daily, day=DAY - dt.timedelta(days=1), residents_in_care=88, visits_refused=7)
    file_one(world, daily, unit=world.nanxian_home_2, residents_in_care=40, residents_vaccinated=30)
    rows = data_rows(download(client_for(world.nanxian), daily))
    carried = rows["南县福利院"]
    assert carried["在院老人数（人）"] == 88 and carried["实行封闭管理"] == "是"
    assert carried["今日劝返探视人次（人次）"] is None  # a figure of the day is not carried over
    filed = rows["南县南洲镇敬老院"]
    assert filed["在院老人数（人）"] == 40 and filed["今日劝返探视人次（人次）"] == 3


def test_reporter_template_holds_only_the_reporters_own_home(world, daily, client_for):
    rows = data_rows(download(client_for(world.home_reporter), daily))
    assert set(rows) == {"南县福利院"}


def test_stranger_asking_for_the_template_of_another_county_gets_404(world, daily, client_for):
    response = client_for(world.cili).get(reverse("reports:batch-template"),
                                          {"assignment": daily.pk, "day": DAY, "region": "430921"})
    assert response.status_code == 404


def test_template_for_a_day_outside_the_period_is_refused_with_words(world, daily, client_for):
    response = client_for(world.nanxian).get(reverse("reports:batch-template"),
                                             {"assignment": daily.pk, "day": "2021-09-01"})
    assert response.status_code == 400
    assert "不在" in response.context["problem"] and "报送期" in response.context["problem"]


# --- the upload ------------------------------------------------------------------------------------


def test_filled_template_files_a_report_for_every_unit_from_excel(world, daily, client_for):
    client = client_for(world.nanxian)
    response = upload(client, daily, saved(both_filled(client, daily)))
    assert response.status_code == 302
    reports = Report.objects.filter(assignment=daily, day=DAY)
    assert {r.unit.name for r in reports} == NANXIAN_HOMES
    assert {r.source for r in Revision.objects.all()} == {Report.Source.EXCEL}
    assert reports.get(unit=world.nanxian_home_2).values["residents_in_care"] == 40
    assert AuditEvent.objects.filter(action="import", object_repr__contains="批量报送").count() == 1


def test_success_message_counts_filed_late_corrected_and_unchanged(world, daily, client_for):
    client = client_for(world.nanxian)
    response = upload(client, daily, saved(both_filled(client, daily)))
    (text,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert "新报 2 家" in text and "迟报 2 家" in text and "更正 0 家" in text  # filed long after 10:00


def test_dry_run_files_nothing_and_previews_each_units_report(world, daily, client_for):
    wb = both_filled(client_for(world.nanxian), daily)
    result = excel.import_batch(world.nanxian, daily, DAY, saved(wb), now=at(DAY, 9, 45), dry_run=True)
    assert result.ok and result.counts["filed"] == 2 and not result.saved
    assert {dict(zip(result.headers, p.values, strict=True))["单位名称"] for p in result.preview} == NANXIAN_HOMES
    assert {p.outcome for p in result.preview} == {"filed"}
    assert not Report.objects.exists() and not Revision.objects.exists()
    assert not AuditEvent.objects.filter(action="import").exists()


def test_on_time_batch_is_not_marked_late(world, daily, client_for):
    wb = both_filled(client_for(world.nanxian), daily)
    result = excel.import_batch(world.nanxian, daily, DAY, saved(wb), now=at(DAY, 9, 45))
    assert result.ok and result.counts["filed"] == 2 and result.counts["late"] == 0
    assert not Report.objects.filter(is_late=True).exists()


BAD_VALUES = [  # (values, the column named, the rule named)
    (good_values(visits_refused=-1), "今日劝返探视人次（人次）", "不能小于 0"),
    (good_values(residents_vaccinated=99), "老人全程接种人数（人）", "不符合规则：老人全程接种人数不能多于在院老人数"),
    (good_values(closed_management=False), "实行封闭管理", "不符合规则：未实行封闭管理时须说明原因"),
    (good_values(staff_on_site="二十"), "在岗工作人员数（人）", "阿拉伯数字"),
    (good_values(temperature_checks_done="也许"), "今日已开展体温检测", "应为“是”或“否”"),
    (good_values(staff_on_site=10**22), "在岗工作人员数（人）", "数值过大"),
]


@pytest.mark.parametrize(("values", "header", "rule"), BAD_VALUES)
def test_one_bad_value_saves_nothing_and_names_sheet_row_column_and_rule(world, daily, client_for, values, header,
                                                                         rule):
    client = client_for(world.nanxian)
    wb = both_filled(client, daily)
    fill(wb, daily, "南县南洲镇敬老院", values)
    errors = problems(upload(client, daily, saved(wb)))
    assert not Report.objects.exists()
    (error,) = errors
    row = row_of(wb, "南县南洲镇敬老院")
    header_row = [c.value for c in wb.worksheets[0][2]]
    assert (error.sheet, error.row, error.header) == ("批量报送", row, header)
    assert error.column == openpyxl.utils.get_column_letter(header_row.index(header) + 1)
    assert rule in error.message


def test_a_row_for_a_unit_outside_the_clerks_scope_saves_nothing(world, daily, client_for):
    client = client_for(world.nanxian)
    wb = both_filled(client, daily)
    fill(wb, daily, "南县南洲镇敬老院", **{"单位名称": None, "单位编号": world.cili_home.pk})
    (error,) = problems(upload(client, daily, saved(wb)))
    assert (error.column, error.header) == ("B", "单位编号")
    assert "无权为其报送" in error.message and "慈利" not in error.message  # nothing told about the stranger's unit
    assert not Report.objects.exists()


def test_an_unknown_unit_id_saves_nothing(world, daily, client_for):
    client = client_for(world.nanxian)
    wb = both_filled(client, daily)
    fill(wb, daily, "南县南洲镇敬老院", **{"单位编号": 987654})
    (error,) = problems(upload(client, daily, saved(wb)))
    assert error.header == "单位编号" and "987654" in error.message
    assert not Report.objects.exists()


@pytest.mark.parametrize("key", ["99999999999999999999999", "12.5", "南县福利院", -3])
def test_a_unit_id_that_is_not_an_id_gets_words_not_a_500(world, daily, client_for, key):
    client = client_for(world.nanxian)
    wb = both_filled(client, daily)
    fill(wb, daily, "南县南洲镇敬老院", **{"单位编号": key})
    (error,) = problems(upload(client, daily, saved(wb)))
    assert error.header == "单位编号" and "应为数字" in error.message


def test_a_unit_the_assignment_does_not_expect_is_refused(world, daily, client_for):
    client = client_for(world.nanxian)
    wb = both_filled(client, daily)
    fill(wb, daily, "南县南洲镇敬老院", **{"单位名称": "南县民政局", "单位编号": world.nanxian_bureau.pk})
    (error,) = problems(upload(client, daily, saved(wb)))
    assert error.header == "单位编号" and "不在此报送任务的范围内" in error.message


def test_the_same_unit_twice_in_the_file_saves_nothing(world, daily, client_for):
    client = client_for(world.nanxian)
    wb = both_filled(client, daily)
    fill(wb, daily, "南县南洲镇敬老院", **{"单位名称": "南县福利院", "单位编号": world.nanxian_home.pk})
    (error,) = problems(upload(client, daily, saved(wb)))
    assert error.header == "单位编号" and error.row == 4 and "与第 3 行是同一单位" in error.message
    assert not Report.objects.exists()


def test_a_name_that_does_not_match_the_id_is_refused(world, daily, client_for):
    client = client_for(world.nanxian)
    wb = both_filled(client, daily)
    fill(wb, daily, "南县南洲镇敬老院", **{"单位名称": "南县福利院"})
    (error,) = problems(upload(client, daily, saved(wb)))
    assert (error.column, error.header) == ("A", "单位名称")


def test_every_bad_row_is_reported_not_only_the_first(world, daily, client_for):
    client = client_for(world.nanxian)
    wb = both_filled(client, daily)
    fill(wb, daily, "南县福利院", {"mask_days": -3})
    fill(wb, daily, "南县南洲镇敬老院", {"nucleic_acid_tests": None})
    errors = problems(upload(client, daily, saved(wb)))
    assert sorted((e.row, e.header) for e in errors) == sorted([
        (row_of(wb, "南县福利院"), "口罩储备天数（天）"), (row_of(wb, "南县南洲镇敬老院"), "今日核酸检测人次（人次）")])
    assert any("必填" in e.message for e in errors)


def test_changed_value_with_a_reason_makes_revision_2(world, daily, client_for):
    file_one(world, daily)
    client = client_for(world.nanxian)
    wb = download(client, daily)
    fill(wb, daily, "南县福利院", {"residents_in_care": 90}, reason="漏报 4 名新入住老人")
    fill(wb, daily, "南县南洲镇敬老院", good_values(residents_in_care=40, residents_vaccinated=30))
    assert upload(client, daily, saved(wb)).status_code == 302
    report = Report.objects.get(unit=world.nanxian_home, day=DAY)
    assert report.revision_count == 2 and report.values["residents_in_care"] == 90
    last = report.revisions.get(number=2)
    assert (last.reason, last.source, last.filed_by) == ("漏报 4 名新入住老人", Report.Source.EXCEL, world.nanxian)


def test_changed_value_without_a_reason_is_an_error(world, daily, client_for):
    file_one(world, daily)
    client = client_for(world.nanxian)
    wb = download(client, daily)
    fill(wb, daily, "南县福利院", {"residents_in_care": 90})
    fill(wb, daily, "南县南洲镇敬老院", good_values(residents_in_care=40, residents_vaccinated=30))
    (error,) = problems(upload(client, daily, saved(wb)))
    assert error.header == "更正原因" and error.row == row_of(wb, "南县福利院") and "更正原因" in error.message
    assert Report.objects.get().revision_count == 1


def test_unchanged_filed_rows_are_skipped(world, daily, client_for):
    file_one(world, daily)
    client = client_for(world.nanxian)
    wb = download(client, daily)
    fill(wb, daily, "南县南洲镇敬老院", good_values(residents_in_care=40, residents_vaccinated=30))
    result = excel.import_batch(world.nanxian, daily, DAY, saved(wb))
    assert [result.counts[k] for k in ("filed", "corrected", "unchanged")] == [1, 0, 1]
    assert Report.objects.get(unit=world.nanxian_home).revision_count == 1


def test_a_template_of_another_day_is_refused(world, daily, client_for):
    client = client_for(world.nanxian)
    wb = download(client, daily, day=DAY - dt.timedelta(days=1))
    fill(wb, daily, "南县福利院", good_values())
    fill(wb, daily, "南县南洲镇敬老院", good_values())
    (error,) = problems(upload(client, daily, saved(wb)))
    assert "2021-08-01" in error.message and "2021-08-02" in error.message
    assert not Report.objects.exists()


def test_upload_for_a_day_outside_the_period_is_refused_with_words(world, daily, client_for):
    client = client_for(world.nanxian)
    response = upload(client, daily, saved(both_filled(client, daily)), day="2021-07-01")
    assert response.status_code == 400 and "报送期" in response.context["problem"]
    assert not Report.objects.exists()


def test_a_failure_while_writing_rolls_the_whole_batch_back(world, daily, client_for, monkeypatch):
    # e.g. a home files by phone between the check and the write: its row fails, so nothing of the file stays.
    real, calls = services.submit_report, []

    def second_fails(*args, **kwargs):
        calls.append(kwargs["unit"])
        if len(calls) == 2:
            raise ValidationError({"day": ["该单位当日已报送"]})
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "submit_report", second_fails)
    result = excel.import_batch(world.nanxian, daily, DAY, saved(both_filled(client_for(world.nanxian), daily)))
    assert len(calls) == 2 and not result.ok and result.counts["filed"] == 0
    assert result.errors[0].row == 4 and result.errors[0].message == "该单位当日已报送"
    assert not Report.objects.exists() and not Revision.objects.exists()


# --- bad workbooks ---------------------------------------------------------------------------------


def _formula(wb, daily):
    fill(wb, daily, "南县福利院", **{headers_of(daily)["visits_refused"]: "=1+2"})


def _extra_column(wb, daily):
    ws = wb.worksheets[0]
    ws.cell(row=2, column=ws.max_column + 1, value="备注2")


def _wrong_header(wb, daily):
    wb.worksheets[0].cell(row=2, column=3, value="老人数")


@pytest.mark.parametrize(("spoil", "words"), [
    (_formula, "公式"), (_extra_column, "多余的列"), (_wrong_header, "表头应为"),
])
def test_a_spoilt_workbook_gets_a_clear_message_and_nothing_is_saved(world, daily, client_for, spoil, words):
    client = client_for(world.nanxian)
    wb = both_filled(client, daily)
    spoil(wb, daily)
    errors = problems(upload(client, daily, saved(wb)))
    assert any(words in e.message for e in errors)
    assert not Report.objects.exists()


@pytest.mark.parametrize(("content", "words"), [
    ("单位名称,单位编号\n南县福利院,1\n".encode(), "不是 Excel"), (b"", "空"),
])
def test_a_file_that_is_not_xlsx_gets_a_clear_message(world, daily, client_for, content, words):
    response = upload(client_for(world.nanxian), daily, SimpleUploadedFile("批量报送.xlsx", content))
    assert response.status_code == 400
    text = " ".join(e.message for e in response.context["errors"]) + str(response.context["form"].errors)
    assert words in text
    assert not Report.objects.exists()


def test_the_upload_page_shows_the_error_table(world, daily, client_for):
    client = client_for(world.nanxian)
    wb = both_filled(client, daily)
    fill(wb, daily, "南县福利院", {"visits_refused": -1})
    html = upload(client, daily, saved(wb)).content.decode()
    assert 'id="batch-errors"' in html and "不能小于 0" in html and "批量报送" in html


def test_auditor_cannot_use_the_batch_page(world, daily, client_for):
    response = client_for(world.auditor).get(reverse("reports:batch-upload"), {"assignment": daily.pk, "day": DAY})
    assert response.status_code == 403


def test_upload_page_without_an_assignment_offers_the_choice(world, daily, client_for):
    response = client_for(world.nanxian).get(reverse("reports:batch-upload"))
    assert response.status_code == 200 and daily in response.context["assignments"]
