"""A roster of people (人员名册) from Excel, through the shared import pipeline (tongxin.core.xlsx),
and the person list out to Excel.

One file holds the people of one organisation (the one the upload is for): columns 人员类别, 姓名,
手机号码 and, optionally, 身份证号码, 技能, 资格证书, 可服务时间, 意外险保单号, 保险起期, 保险止期.
`import_roster` guarantees that
- the header is checked as every import's is (a missing, doubled or unknown column is named);
- each row is refused, naming sheet, row and column, for a kind other than 社工 / 志愿者, a missing
  name, a malformed phone or a landline, an ID number with a bad check digit, a skill not in the
  list, an insurance period out of order or without its policy, and an ID number that appears twice
  in the file or is already on the organisation's roster;
- every row is registered through `services.people.register` (checked again, audited), all in ONE
  transaction: any error and nothing is saved; `dry_run` gives the preview and keeps nothing.
The preview and the export show the numbers as `units.personal.shown` allows.
The headers and labels are Chinese whatever the user's language: they are the file format.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils import translation
from django.utils.translation import gettext as _

from tongxin.core import audit
from tongxin.core.types import Actor
from tongxin.core.validators import normalize_id_number
from tongxin.core.xlsx import (
    Column,
    ImportResult,
    ImportSpec,
    Row,
    RowHandler,
    SheetData,
    normalize_header,
    record_rejection,
    run_import,
    stream_xlsx,
)
from tongxin.mobilization.models import Person, PersonKind, Skill
from tongxin.mobilization.models.people import NAME_MAX, TEXT_MAX
from tongxin.mobilization.services import people as services
from tongxin.units.models import Unit
from tongxin.units.personal import shown

SHEET_TITLE = "人员名册"
CREATED = "created"


def _zh(text: Any) -> str:
    with translation.override("zh-hans"):
        return str(text)


def _text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return unicodedata.normalize("NFKC", str(raw)).strip()


def _limited(limit: int) -> Any:
    def parse(ctx: Any, raw: Any) -> str:
        value = _text(raw)
        if len(value) > limit:
            raise ValidationError(_("不能超过 %(n)s 个字") % {"n": limit})
        return value
    return parse


def _kind(ctx: RosterRows, raw: Any) -> str:
    value = ctx.kinds.get(normalize_header(_text(raw)))
    if value is None:
        raise ValidationError(_("人员类别应为“社工”或“志愿者”"))
    return value


def _mobile(ctx: Any, raw: Any) -> str:
    return services.clean_mobile(_text(raw))


def _id_number(ctx: Any, raw: Any) -> str:
    return normalize_id_number(_text(raw))


def _skills(ctx: RosterRows, raw: Any) -> list[str]:
    parts = [p for p in re.split(r"[、,，;；/\s]+", _text(raw)) if p]
    unknown = [p for p in parts if normalize_header(p) not in ctx.skills]
    if unknown:
        raise ValidationError(_("未知的技能：%(skills)s（可填：%(all)s）") % {
            "skills": "、".join(unknown[:5]), "all": "、".join(SKILL_LABELS)})
    return list(dict.fromkeys(ctx.skills[normalize_header(p)] for p in parts))


def _date(ctx: Any, raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = _text(raw)
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    if m is None:
        raise ValidationError(_("日期格式不正确：请填写如 2021-07-30"))
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ValidationError(_("没有这一天：%(text)s") % {"text": text[:20]}) from None


KIND_LABELS = ("社工", "志愿者")
SKILL_LABELS = tuple(_zh(label) for label in Skill.labels)
COLUMNS = (
    Column("kind", "人员类别", aliases=("类别", "身份"), required=True, parse=_kind, width=10),
    Column("name", "姓名", aliases=("人员姓名",), required=True, parse=_limited(NAME_MAX), width=10),
    Column("mobile", "手机号码", aliases=("手机", "手机号", "联系电话", "电话"), required=True, parse=_mobile,
           width=14),
    Column("id_number", "身份证号码", aliases=("身份证号", "身份证"), header_required=False, parse=_id_number,
           width=21),
    Column("skills", "技能", aliases=("专长", "特长"), header_required=False, parse=_skills, width=18),
    Column("certificates", "资格证书", aliases=("证书",), header_required=False, parse=_limited(TEXT_MAX), width=16),
    Column("availability", "可服务时间", aliases=("服务时间",), header_required=False, parse=_limited(TEXT_MAX),
           width=16),
    Column("insurance_policy", "意外险保单号", aliases=("保单号", "保险单号"), header_required=False,
           parse=_limited(services.POLICY_MAX), width=18),
    Column("insurance_from", "保险起期", aliases=("保险开始日期",), header_required=False, parse=_date, width=12),
    Column("insurance_until", "保险止期", aliases=("保险结束日期", "保险到期日"), header_required=False, parse=_date,
           width=12),
)
SPEC = ImportSpec(COLUMNS, sheet_name=SHEET_TITLE)
HEADERS = SPEC.headers


@dataclass
class _Plan:
    number: int
    values: dict[str, Any]


class RosterRows(RowHandler[_Plan]):
    denied_key = "name"

    def __init__(self, actor: Actor, unit: Unit, filename: str = "") -> None:
        self.actor, self.unit, self.filename = actor, unit, filename
        self.kinds = {normalize_header(_zh(label)): value for value, label in PersonKind.choices}
        self.kinds.update({normalize_header("社会工作者"): PersonKind.SOCIAL_WORKER})
        self.skills = {normalize_header(_zh(label)): value for value, label in Skill.choices}
        self.skills.update({normalize_header(value): value for value in Skill.values})
        self.on_roster: set[str] = set()
        self.seen: dict[str, int] = {}

    def prepare(self, sheet: SheetData) -> None:
        self.on_roster = set(Person.objects.filter(unit=self.unit, is_active=True, merged_into__isnull=True)
                             .exclude(id_number="").values_list("id_number", flat=True))

    def check(self, row: Row) -> _Plan | None:
        v = row.values
        id_number = v.get("id_number") or ""
        if id_number:
            if id_number in self.seen:
                row.error("id_number", _("与第 %(row)s 行的身份证号码重复") % {"row": self.seen[id_number]})
            elif id_number in self.on_roster:
                row.error("id_number", _("该身份证号码已在本组织的人员名册中"))
            else:
                self.seen[id_number] = row.number
        start, until = v.get("insurance_from"), v.get("insurance_until")
        if start and until and until < start:
            row.error("insurance_until", _("保险止期不能早于保险起期"))
        if (start or until) and not v.get("insurance_policy") and "insurance_policy" not in row.refused:
            row.error("insurance_policy", _("填写了保险期间，请同时填写意外险保单号"))
        if not row.ok or any(k not in v for k in ("kind", "name", "mobile")):
            return None
        return _Plan(row.number, dict(v))

    def save(self, plan: _Plan) -> str:
        v = plan.values
        services.register(self.actor, self.unit, kind=v["kind"], name=v["name"], mobile=v["mobile"],
                          id_number=v.get("id_number") or "", skills=v.get("skills") or (),
                          certificates=v.get("certificates") or "", availability=v.get("availability") or "",
                          insurance_policy=v.get("insurance_policy") or "", insurance_from=v.get("insurance_from"),
                          insurance_until=v.get("insurance_until"))
        return CREATED

    def preview(self, plan: _Plan, row: Row) -> dict[str, Any]:
        v = plan.values
        return {**v, "kind": _zh(PersonKind(v["kind"]).label),
                "mobile": shown(self.actor, v["mobile"], self.unit),
                "id_number": shown(self.actor, v.get("id_number") or "", self.unit, "id_number"),
                "skills": "、".join(_zh(Skill(s).label) for s in v.get("skills") or ()),
                "insurance_from": v["insurance_from"].isoformat() if v.get("insurance_from") else "",
                "insurance_until": v["insurance_until"].isoformat() if v.get("insurance_until") else ""}

    def finish(self, result: ImportResult) -> None:
        audit.record(audit.Action.IMPORT, actor=self.actor, unit=self.unit, object_repr=_("人员名册导入"),
                     changes={"file": self.filename, "rows": result.rows, "created": result.counts[CREATED]})

    def rejected(self, result: ImportResult) -> None:
        record_rejection(self.actor, what=_("人员名册导入"), filename=self.filename, result=result)


def import_roster(actor: Actor, unit: Unit, uploaded_file: IO[bytes], *, dry_run: bool = False,
                  filename: str | None = None) -> ImportResult:
    """Register every person of `uploaded_file` on `unit`, all or none (see the module docstring).
    `result.counts["created"]` is the number registered."""
    name = getattr(uploaded_file, "name", "") if filename is None else filename
    return run_import(uploaded_file, SPEC, RosterRows(actor, unit, str(name or "")), dry_run=dry_run)


def template_response() -> FileResponse:
    """The blank roster template, with the rules and an example on “说明”."""
    example = [("社工", "王秀英", "13907441234", "430821199001011235", "社会工作、心理疏导", "社会工作者（中级）",
                "周末全天", "PICC-2021-0001", "2021-07-01", "2022-06-30"),
               ("志愿者", "李志强", "13807441234", "", "秩序维护", "", "工作日晚上", "", "", "")]
    notes: list[list[Any]] = [[_("列"), _("填写说明")],
                              ["人员类别", _("社工 或 志愿者")],
                              ["姓名", _("必填，不超过 %(n)s 字") % {"n": NAME_MAX}],
                              ["手机号码", _("必填，11 位手机号码（用于接收排班短信），不能是固定电话")],
                              ["身份证号码", _("选填；18 位，末位校验位须正确；用于判断年龄")],
                              ["技能", _("选填，多个用顿号分隔：%(all)s") % {"all": "、".join(SKILL_LABELS)}],
                              ["资格证书", _("选填，如 社会工作者（中级）")],
                              ["可服务时间", _("选填，如 周末全天")],
                              ["意外险保单号", _("有人身风险的岗位须有有效的意外伤害保险")],
                              ["保险起期", _("如 2021-07-01；填写保险期间时须填写保单号")],
                              ["保险止期", _("不早于保险起期")],
                              [], [_("整个文件无误才会保存；同一身份证号码不能重复登记。")],
                              [], list(HEADERS), *[list(e) for e in example]]
    return stream_xlsx("人员名册导入模板.xlsx", _("人员名册导入模板"), HEADERS, [], sheet_title=SHEET_TITLE,
                       widths=[c.width or 10 for c in COLUMNS], choices={"人员类别": list(KIND_LABELS)},
                       text_columns=["手机号码", "身份证号码", "保险起期", "保险止期"], extra_sheets={_("说明"): notes})


EXPORT_HEADERS = ("组织", "人员类别", "姓名", "手机号码", "身份证号码", "技能", "资格证书", "可服务时间",
                  "意外险保单号", "保险起期", "保险止期", "现场登记")


def export_response(user: Any, people: Iterable[Person]) -> FileResponse:
    """The person list as a workbook; mobiles and ID numbers as `shown(user, …)` allows."""
    def rows() -> Iterable[list[Any]]:
        for p in people:
            yield [p.unit.name if p.unit else "", _zh(PersonKind(p.kind).label), p.name,
                   shown(user, p.mobile, p.unit), shown(user, p.id_number, p.unit, "id_number"),
                   "、".join(_zh(Skill(s).label) for s in p.skills if s in Skill.values), p.certificates,
                   p.availability, p.insurance_policy,
                   p.insurance_from.isoformat() if p.insurance_from else "",
                   p.insurance_until.isoformat() if p.insurance_until else "", "是" if p.is_walk_up else ""]
    return stream_xlsx(f"人员名册-{dt.date.today():%Y%m%d}.xlsx", _("人员名册"), EXPORT_HEADERS, rows(),
                       sheet_title=SHEET_TITLE, text_columns=["手机号码", "身份证号码"])
