"""A roster of people from Excel through the shared pipeline: the template, a preview, the confirm,
and every refusal — wrong columns, a bad row, a duplicate ID number — named, with nothing saved."""

from __future__ import annotations

import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tongxin.core.models import AuditEvent
from tongxin.mobilization.models import Person
from tongxin.mobilization.services import people as services

HEADERS = ["人员类别", "姓名", "手机号码", "身份证号码", "技能", "资格证书", "可服务时间", "意外险保单号", "保险起期",
           "保险止期"]
GOOD = [
    ["社工", "王秀英", "13907441234", "430821199001011235", "社会工作、心理疏导", "社会工作者（中级）", "周末",
     "PICC-1", "2021-07-01", "2022-06-30"],
    ["志愿者", "李志强", "13807441234", "", "秩序维护", "", "", "", "", ""],
]


def workbook(rows, headers=HEADERS, title="人员名册") -> SimpleUploadedFile:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    ws.append(["慈利县乐善社会工作服务中心人员名册"])
    ws.append(headers)
    for r in rows:
        ws.append(r)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile("名册.xlsx", buffer.getvalue())


def errors(result) -> list[str]:
    return [str(e) for e in result.errors]


def test_a_roster_is_previewed_then_imported(world):
    preview = services.import_roster(world.leshan_staff, world.leshan, workbook(GOOD), commit=False)
    assert preview.ok and preview.counts["created"] == 2 and not Person.objects.exists()
    result = services.import_roster(world.leshan_staff, world.leshan, workbook(GOOD))
    assert result.ok and Person.objects.filter(unit=world.leshan).count() == 2
    wang = Person.objects.get(name="王秀英")
    assert wang.kind == "social_worker" and wang.skills == ["social_work", "psychology"]
    assert wang.birth_date.isoformat() == "1990-01-01" and wang.insurance_until.isoformat() == "2022-06-30"
    assert AuditEvent.objects.filter(action="import", unit_id=world.leshan.pk).exists()


def test_wrong_columns_are_named(world):
    headers = ["人员类别", "姓名", "电邮", "身份证号码"]
    result = services.import_roster(world.leshan_staff, world.leshan,
                                    workbook([["社工", "王", "a@b.c", ""]], headers=headers))
    text = " ".join(errors(result))
    assert not result.ok and "手机号码" in text and "电邮" in text
    assert not Person.objects.exists()


def test_a_bad_row_saves_nothing_and_names_row_and_column(world):
    rows = GOOD + [["志愿者", "", "0744-5221234", "430821199001011236", "飞行", "", "", "", "2021-08-01", "2021-07-01"]]
    result = services.import_roster(world.leshan_staff, world.leshan, workbook(rows))
    assert not result.ok and not Person.objects.exists()
    text = errors(result)
    row5 = [e for e in text if "第 5 行" in e]
    assert any("姓名" in e for e in row5)
    assert any("固定电话" in e for e in row5)
    assert any("校验位" in e for e in row5)
    assert any("飞行" in e for e in row5)
    assert any("保险止期不能早于保险起期" in e for e in row5)


def test_duplicate_id_numbers_in_the_file_or_on_the_roster(world):
    services.register(world.leshan_staff, world.leshan, kind="volunteer", name="老王", mobile="13907440000",
                      id_number="430821199507200041")
    rows = [["志愿者", "甲", "13907440001", "430821198808080050", "", "", "", "", "", ""],
            ["志愿者", "乙", "13907440002", "430821198808080050", "", "", "", "", "", ""],
            ["志愿者", "丙", "13907440003", "430821199507200041", "", "", "", "", "", ""]]
    result = services.import_roster(world.leshan_staff, world.leshan, workbook(rows))
    text = errors(result)
    assert not result.ok and Person.objects.count() == 1
    assert any("第 4 行" in e and "第 3 行" in e for e in text)
    assert any("第 5 行" in e and "已在本组织" in e for e in text)


def test_the_upload_page_previews_and_confirms(world, client_for):
    c = client_for(world.leshan_staff)
    assert c.get(reverse("mobilization:person-import-template")).status_code == 200
    page = c.post(reverse("mobilization:person-import"), {"unit": world.leshan.pk, "file": workbook(GOOD)})
    assert page.status_code == 200 and "import-confirm" in page.content.decode()
    assert not Person.objects.exists()
    token = page.context["token"]
    done = c.post(reverse("mobilization:person-import"), {"confirm": "1", "token": token})
    assert done.status_code == 302 and Person.objects.count() == 2
    bad = c.post(reverse("mobilization:person-import"), {"unit": world.leshan.pk,
                                                          "file": workbook(GOOD, headers=HEADERS[:2])})
    assert bad.status_code == 400 and "手机号码" in bad.content.decode()


def test_a_stranger_cannot_import_to_leshan(world, client_for):
    c = client_for(world.nanxian)
    page = c.post(reverse("mobilization:person-import"), {"unit": world.leshan.pk, "file": workbook(GOOD)})
    assert page.status_code == 400 and not Person.objects.exists()
