"""The administrator's reporting pages: the form builder, JSON import/export, assignments."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.reports.conftest import END, START, at
from tongxin.regions.models import Region
from tongxin.reports import services
from tongxin.reports.models import Assignment, Form, FormVersion, Report

WARD_FIELDS = [
    {"key": "residents_in_care", "label": "在院老人数", "label_en": "Residents in care", "type": "int", "unit": "人",
     "required": "on", "min": "0", "zero_mode": "carry"},
    {"key": "residents_vaccinated", "label": "老人全程接种人数", "type": "int", "unit": "人", "required": "on",
     "min": "0", "zero_mode": "fixed", "zero_value": "0"},
]
WARD_RULE = {"expr": "residents_vaccinated <= residents_in_care", "message": "接种人数不能多于在院老人数"}


def builder_data(fields, rules=(), code="ward-daily", name="病区日报", **meta):
    data = {"code": code, "name": name, "name_en": "", "description": "", **meta}
    for prefix, rows in (("fields", fields), ("rules", rules)):
        data.update({f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": 0,
                     f"{prefix}-MIN_NUM_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 200})
        for i, row in enumerate(rows):
            data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
    return data


def page_data(response) -> dict:
    """What the browser would send back from a builder page untouched."""
    data = {}
    for name in ("meta", "fields", "rules"):
        obj = response.context[name]
        if name != "meta":
            data.update({f"{obj.prefix}-TOTAL_FORMS": len(obj.forms), f"{obj.prefix}-INITIAL_FORMS": 0})
        for form in ([obj] if name == "meta" else obj.forms):
            for field in form:
                value = field.value()
                if value is True:
                    data[field.html_name] = "on"
                elif value not in (None, False) and not field.field.disabled:
                    data[field.html_name] = value
    return data


def define(client, fields=WARD_FIELDS, rules=(WARD_RULE,), **kw):
    return client.post(reverse("reports:form-create"), builder_data(fields, rules, **kw))


def test_officer_defines_a_form_with_two_fields_and_a_rule_and_gets_version_1(world, client_for):
    response = define(client_for(world.nanxian))
    version = FormVersion.objects.get(form__code="ward-daily")
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:form-detail", args=[version.form_id])
    assert version.number == 1 and version.created_by == world.nanxian
    assert version.definition == {"fields": [
        {"key": "residents_in_care", "label": "在院老人数", "label_en": "Residents in care", "type": "int",
         "unit": "人", "required": True, "min": 0, "carry": True},
        {"key": "residents_vaccinated", "label": "老人全程接种人数", "type": "int", "unit": "人", "required": True,
         "min": 0, "zero": 0},
    ], "rules": [WARD_RULE]}


def test_editing_gives_version_2_and_filed_reports_keep_version_1(world, client_for):
    c = client_for(world.nanxian)
    define(c)
    form = Form.objects.get(code="ward-daily")
    assignment = services.create_assignment(
        world.nanxian, form=form, issuer=world.nanxian_bureau, region=world.nanxian_bureau.region, name="病区日报",
        deadline=dt.time(10), start_date=START, end_date=END, unit_kinds=["elderly_care"])
    filed = services.submit_report(world.home_reporter, assignment=assignment, unit=world.nanxian_home, day=START,
                                   values={"residents_in_care": 86, "residents_vaccinated": 70}, now=at(START, 9))
    fields = [*WARD_FIELDS, {"key": "staff_on_site", "label": "在岗工作人员数", "type": "int", "zero_mode": "carry"}]
    response = c.post(reverse("reports:form-edit", args=[form.pk]), builder_data(fields, [WARD_RULE]))
    assert response.status_code == 302
    assert form.latest_version().number == 2 and len(form.latest_version().fields) == 3
    report = Report.objects.get(pk=filed.report.pk)
    assert report.form_version.number == 1 and len(report.form_version.fields) == 2


def test_saving_the_builtin_form_unchanged_makes_no_new_version(world, client_for):
    (version,) = services.load_builtin_forms()
    c = client_for(world.hunan)
    url = reverse("reports:form-edit", args=[version.form_id])
    response = c.post(url, page_data(c.get(url)))
    assert response.status_code == 302
    assert list(version.form.versions.values_list("number", flat=True)) == [1]


def test_a_rule_that_does_not_parse_is_refused_with_its_position_and_nothing_saved(world, client_for):
    rule = {"expr": "residents_vaccinated <= > residents_in_care", "message": "接种人数不能多于在院老人数"}
    response = define(client_for(world.nanxian), rules=[rule])
    html = response.content.decode()
    assert response.status_code == 400 and not Form.objects.filter(code="ward-daily").exists()
    assert "第 25 个字符处有语法错误" in html
    caret = 'residents_vaccinated &lt;= <mark class="tx-err">&gt;</mark> residents_in_care\n' + " " * 24 + "^</pre>"
    assert html.count(caret) == 2  # in the summary at the top and under the rule itself
    assert 'value="在院老人数"' in html and 'value="residents_vaccinated &lt;= &gt; residents_in_care"' in html


def test_a_rule_naming_an_unknown_field_is_refused(world, client_for):
    rule = {"expr": "nurses_on_duty >= 1", "message": "至少一名护士在岗"}
    response = define(client_for(world.nanxian), rules=[rule])
    assert response.status_code == 400 and not Form.objects.exists()
    assert "第 1 条规则 引用了不存在的字段：nurses_on_duty" in response.content.decode()


@pytest.mark.parametrize(("field", "message"), [
    ({"key": "residents_in_care", "label": "重复的字段", "type": "int"}, "第 3 个字段（residents_in_care） 的代码重复"),
    ({"key": "grade", "label": "等级", "type": "choice"}, "第 3 个字段（grade） 是单选，须列出选项"),
    ({"key": "beds", "label": "床位", "type": "int", "min": "10", "max": "5"}, "第 3 个字段（beds） 的下限大于上限"),
])
def test_a_malformed_field_is_refused_by_name(world, client_for, field, message):
    response = define(client_for(world.nanxian), fields=[*WARD_FIELDS, field])
    assert response.status_code == 400 and not Form.objects.exists()
    assert message in response.content.decode()


def test_a_fixed_zero_value_of_the_wrong_type_is_refused_next_to_it(world, client_for):
    field = {"key": "closed", "label": "封闭管理", "type": "bool", "zero_mode": "fixed", "zero_value": "也许"}
    response = define(client_for(world.nanxian), fields=[*WARD_FIELDS, field])
    assert response.status_code == 400 and not Form.objects.exists()
    assert "应为“是”或“否”" in response.content.decode()


def test_export_then_import_round_trips_the_definition(world, client_for):
    (version,) = services.load_builtin_forms()
    c = client_for(world.hunan)
    response = c.get(reverse("reports:form-export", args=[version.form_id]))
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert "养老机构疫情防控日报" in text  # ensure_ascii=False: readable Chinese
    exported = json.loads(text)
    copy = {**exported, "code": "elderly-daily-copy"}
    upload = SimpleUploadedFile("copy.json", json.dumps(copy, ensure_ascii=False).encode(), "application/json")
    assert c.post(reverse("reports:form-import"), {"file": upload}).status_code == 302
    assert Form.objects.get(code="elderly-daily-copy").latest_version().definition == version.definition
    again = c.post(reverse("reports:form-import"), {"text": text})
    assert again.status_code == 302 and version.form.versions.count() == 1


def test_an_older_version_can_be_viewed_and_exported(world, client_for):
    c = client_for(world.nanxian)
    define(c)
    form = Form.objects.get(code="ward-daily")
    c.post(reverse("reports:form-edit", args=[form.pk]), builder_data(WARD_FIELDS[:1]))
    html = c.get(reverse("reports:form-detail", args=[form.pk]), {"version": 1}).content.decode()
    assert "历史版本" in html and "residents_vaccinated" in html
    exported = json.loads(c.get(reverse("reports:form-export", args=[form.pk]), {"version": 1}).content)
    assert exported["version"] == 1 and len(exported["definition"]["fields"]) == 2
    assert c.get(reverse("reports:form-detail", args=[form.pk]), {"version": 9}).status_code == 404


@pytest.mark.parametrize(("text", "message"), [
    ('{"code": "x", "name": "坏", ', "JSON 格式错误：第 1 行"),
    ('[1, 2, 3]', "JSON 的最外层应是一个对象"),
    ('{"code": "ward", "name": "病区日报"}', "JSON 中缺少报表定义 definition"),
    ('{"code": "ward", "name": "病区日报", "definition": {"fields": [], "rules": 5}}',
     "definition.rules 应是规则对象的列表"),
    ('{"name": "病区日报", "definition": {"fields": [{"key": "a", "label": "A", "type": "int"}]}}',
     "缺少报表代码 code"),
    ('{"code": "ward", "name": "病区日报", "definition": {"fields": [{"key": "a", "label": "A", "type": "int",'
     ' "max": Infinity}]}}', "JSON 中不能使用 Infinity"),
])
def test_importing_broken_json_is_a_clear_message_and_saves_nothing(world, client_for, text, message):
    response = client_for(world.hunan).post(reverse("reports:form-import"), {"text": text})
    assert response.status_code == 400 and not Form.objects.exists()
    assert message in response.content.decode()


def test_reporter_cannot_define_or_import_forms(world, client_for):
    c = client_for(world.home_reporter)
    assert c.get(reverse("reports:form-create")).status_code == 403
    assert define(c).status_code == 403
    assert c.get(reverse("reports:form-import")).status_code == 403
    assert not Form.objects.exists()
    assert "新建报表" not in c.get(reverse("reports:forms")).content.decode()


def test_reporter_cannot_issue_assignments(world, client_for):
    (version,) = services.load_builtin_forms()
    c = client_for(world.home_reporter)
    assert c.get(reverse("reports:assignment-create")).status_code == 403
    response = c.post(reverse("reports:assignment-create"), assignment_data(version.form, world.nanxian_bureau))
    assert response.status_code == 403 and not Assignment.objects.exists()


def assignment_data(form, issuer, region="430921", **over):
    return {"form": form.pk, "name": "南县养老机构日报", "issuer": issuer.pk, "region": region,
            "unit_kinds": ["elderly_care"], "frequency": "daily", "weekday": "", "deadline": "10:00",
            "start_date": "2021-07-26", "end_date": "2021-08-09", **over}


def test_county_officer_issues_an_assignment_for_their_county(world, client_for):
    (version,) = services.load_builtin_forms()
    response = client_for(world.nanxian).post(reverse("reports:assignment-create"),
                                              assignment_data(version.form, world.nanxian_bureau))
    assignment = Assignment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:assignment-detail", args=[assignment.pk])
    assert (assignment.issuer, assignment.region_id, assignment.unit_kinds) == (world.nanxian_bureau, "430921",
                                                                               ["elderly_care"])
    assert assignment.deadline == dt.time(10)


def test_an_assignment_with_no_kind_ticked_covers_every_unit_but_bureaus(world, client_for):
    (version,) = services.load_builtin_forms()
    data = assignment_data(version.form, world.nanxian_bureau)
    del data["unit_kinds"]
    assert client_for(world.nanxian).post(reverse("reports:assignment-create"), data).status_code == 302
    assert Assignment.objects.get().unit_kinds == []
    html = client_for(world.nanxian).get(reverse("reports:assignment-detail", args=[Assignment.objects.get().pk]))
    assert "除民政部门外的所有单位" in html.content.decode()


def test_county_officer_cannot_pick_a_region_outside_their_county(world, client_for):
    (version,) = services.load_builtin_forms()
    response = client_for(world.nanxian).post(reverse("reports:assignment-create"),
                                              assignment_data(version.form, world.nanxian_bureau, region="430821"))
    assert response.status_code == 400 and not Assignment.objects.exists()
    assert "报送范围必须在下达单位（南县民政局）的辖区内" in response.content.decode()


def test_county_officer_is_offered_only_their_own_county_and_bureau(world, client_for):
    services.load_builtin_forms()
    html = client_for(world.nanxian).get(reverse("reports:assignment-create")).content.decode()
    assert 'value="430921"' in html and 'value="430821"' not in html and "慈利县民政局" not in html


def test_weekly_assignment_needs_a_weekday(world, client_for):
    (version,) = services.load_builtin_forms()
    response = client_for(world.nanxian).post(reverse("reports:assignment-create"), assignment_data(
        version.form, world.nanxian_bureau, frequency="weekly"))
    assert response.status_code == 400 and not Assignment.objects.exists()
    assert "每周报送须指定星期几" in response.content.decode()


def test_stranger_county_gets_404_on_an_assignment_of_nanxian(world, client_for):
    (version,) = services.load_builtin_forms()
    assignment = services.create_assignment(
        world.nanxian, form=version.form, issuer=world.nanxian_bureau, region=Region.objects.get(code="430921"),
        name="南县养老机构日报", deadline=dt.time(10), start_date=START, end_date=END, unit_kinds=["elderly_care"])
    c = client_for(world.cili)
    assert c.get(reverse("reports:assignment-detail", args=[assignment.pk])).status_code == 404
    assert "南县养老机构日报" not in c.get(reverse("reports:assignments")).content.decode()
    own = client_for(world.nanxian).get(reverse("reports:assignment-detail", args=[assignment.pk]))
    assert own.status_code == 200 and "南县养老机构日报" in own.content.decode()


def test_reporter_sees_the_assignment_their_home_must_file(world, client_for, daily):
    html = client_for(world.home_reporter).get(reverse("reports:assignments")).content.decode()
    assert "养老机构疫情防控日报" in html and "湖南省民政厅" in html


def test_builtin_form_shows_all_20_fields_on_its_page(world, client_for):
    (version,) = services.load_builtin_forms()
    response = client_for(world.home_reporter).get(reverse("reports:form-detail", args=[version.form_id]))
    html = response.content.decode()
    assert response.status_code == 200 and "养老机构疫情防控日报" in html
    assert len(version.fields) == 20
    for field in version.fields:
        assert f'<span class="tx-muted-code">{field["key"]}</span>' in html
    assert "沿用上次" in html and "固定值：0" in html
    assert "closed_management == false -&gt; closure_exception_reason != &quot;&quot;" in html


def test_form_list_shows_the_latest_version_and_field_count(world, client_for):
    services.load_builtin_forms()
    html = client_for(world.nanxian).get(reverse("reports:forms")).content.decode()
    assert "养老机构疫情防控日报" in html and "第 1 版" in html and ">20<" in html
    assert "新建报表" in html and "导入 JSON" in html
