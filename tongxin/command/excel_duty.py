"""Duty rosters (值班表) from Excel, through the shared import pipeline (tongxin.core.xlsx).

One file holds one week (the Monday the uploader picks) for any units of the uploader's subtree:
columns 单位, 日期, 值班角色, 姓名, 联系电话, 开始时间, 结束时间 and, optionally, 班次.
`import_rosters` guarantees that
- the header is checked as every import's is (a missing, doubled or unknown column is named);
- each row is refused, naming sheet, row and column, for a unit the uploader may not keep rosters
  for (or that is not found, or whose name is ambiguous), a date outside the week, a role other
  than 带班领导 / 值班人员, a phone that is not a mainland number, an unreadable time, and two rows of
  one person (same phone) whose times overlap in the file;
- every unit named in the file has its week replaced through `services.duty.set_roster` (which
  also refuses an overlap with shifts kept elsewhere, and audits each unit's before and after), all
  in ONE transaction: any error and nothing is saved; `dry_run` gives the preview and keeps nothing;
- a person is linked to their account when exactly one member of the unit has that full name (a
  notice says so); otherwise they are named only (and cannot check in).

The headers and role labels are Chinese whatever the user's language: they are the file format.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils import translation
from django.utils.translation import gettext as _

from tongxin.accounts.models import User
from tongxin.command.models import DutyRole
from tongxin.command.queries.duty import roster_units
from tongxin.command.services import duty as services
from tongxin.core import audit
from tongxin.core.types import Actor
from tongxin.core.validators import normalize_phone
from tongxin.core.xlsx import (
    Column,
    ImportResult,
    ImportSpec,
    Row,
    RowHandler,
    Rule,
    SheetData,
    normalize_header,
    record_rejection,
    run_import,
    stream_xlsx,
)
from tongxin.units.models import Membership, Unit

SHEET_TITLE = "值班表"
SHIFTS, UNITS = "shifts", "units"
ROLE_NAMES = {
    DutyRole.LEADER: ("带班领导", "值班领导", "领导", "带班"),
    DutyRole.STAFF: ("值班人员", "值班员", "工作人员", "值班"),
}


def _zh(text: Any) -> str:
    with translation.override("zh-hans"):
        return str(text)


def _text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return unicodedata.normalize("NFKC", str(raw)).strip()


def _limited(limit: int) -> Any:
    def parse(ctx: RosterRows, raw: Any) -> str:
        value = _text(raw)
        if len(value) > limit:
            raise ValidationError(_("不能超过 %(n)s 个字") % {"n": limit})
        return value
    return parse


def _date(ctx: RosterRows, raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = _text(raw)
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    if m is None:
        raise ValidationError(_("日期格式不正确：请填写如 2021-08-02"))
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ValidationError(_("没有这一天：%(text)s") % {"text": text[:20]}) from None


def _time(ctx: RosterRows, raw: Any) -> dt.time:
    if isinstance(raw, dt.datetime):
        return raw.time().replace(second=0, microsecond=0)
    if isinstance(raw, dt.time):
        return raw.replace(second=0, microsecond=0)
    if isinstance(raw, float) and 0 <= raw < 1:  # a time typed as a fraction of a day
        minutes = round(raw * 24 * 60)
        return dt.time(minutes // 60 % 24, minutes % 60)
    text = _text(raw).replace("：", ":")
    m = re.fullmatch(r"(\d{1,2})[:点](\d{2})?分?", text)
    if m is None or int(m[1]) > 24 or int(m[2] or 0) > 59:
        raise ValidationError(_("时间格式不正确：请填写如 08:30"))
    hour = int(m[1]) % 24
    return dt.time(hour, int(m[2] or 0))


def _role(ctx: RosterRows, raw: Any) -> str:
    value = ctx.roles.get(normalize_header(_text(raw)))
    if value is None:
        raise ValidationError(_("值班角色应为“带班领导”或“值班人员”"))
    return value


def _phone(ctx: RosterRows, raw: Any) -> str:
    return normalize_phone(_text(raw))


COLUMNS = (
    Column("unit", "单位", aliases=("单位名称", "值班单位"), required=True, parse=_limited(100), width=28),
    Column("day", "日期", aliases=("值班日期",), required=True, parse=_date, width=12),
    Column("role", "值班角色", aliases=("角色", "岗位"), required=True, parse=_role, width=10),
    Column("name", "姓名", aliases=("值班人", "值班人员姓名"), required=True, parse=_limited(services.MAX_NAME),
           width=10),
    Column("phone", "联系电话", aliases=("电话", "手机", "手机号码", "联系方式"), required=True, parse=_phone,
           width=16),
    Column("start", "开始时间", aliases=("上班时间", "起始时间"), required=True, parse=_time, width=10),
    Column("end", "结束时间", aliases=("下班时间", "终止时间"), required=True, parse=_time, width=10),
    Column("shift", "班次", required=False, header_required=False, parse=_limited(services.MAX_SHIFT_LABEL),
           width=10),
)
SPEC = ImportSpec(COLUMNS, sheet_name=SHEET_TITLE)
HEADERS = SPEC.headers


@dataclass
class _Plan:
    number: int
    unit: Unit
    row: services.RosterRow


class RosterRows(RowHandler[_Plan]):
    denied_key = "unit"

    def __init__(self, actor: Actor, week_start: dt.date, filename: str = "") -> None:
        self.actor = actor
        self.week = (week_start, week_start + dt.timedelta(days=services.WEEK_DAYS))
        self.filename = filename
        self.roles = {normalize_header(n): role for role, names in ROLE_NAMES.items() for n in names}
        self.units: dict[str, list[Unit]] = {}
        self.people: dict[tuple[int, str], list[User]] = {}
        self.expected: dict[int, int] = {}
        self.pending: dict[int, list[_Plan]] = {}
        self.spans: dict[str, list[tuple[int, dt.datetime, dt.datetime]]] = {}

    def prepare(self, sheet: SheetData) -> None:
        names = sorted({_text(r.values["unit"]) for r in sheet.rows if r.values.get("unit") is not None})
        mine = roster_units(self.actor).filter(name__in=names[:2000])
        for u in mine:
            self.units.setdefault(u.name, []).append(u)
        self.elsewhere = set(Unit.objects.filter(name__in=names[:2000]).values_list("name", flat=True))
        for m in Membership.objects.filter(unit__in=mine, user__is_active=True).select_related("user"):
            key = (m.unit_id, m.user.full_name.strip())
            if m.user not in self.people.setdefault(key, []):
                self.people[key].append(m.user)

    def check(self, row: Row) -> _Plan | None:
        v = row.values
        unit: Unit | None = None
        if "unit" in v:
            found = self.units.get(v["unit"], [])
            if len(found) == 1:
                unit = found[0]
            elif found:
                row.error("unit", _("有多个名为“%(name)s”的单位，请联系上级处理") % {"name": v["unit"]})
            elif v["unit"] in self.elsewhere:
                row.error("unit", _("“%(name)s”不在您可编排值班表的范围内") % {"name": v["unit"]}, rule=Rule.SCOPE)
            else:
                row.error("unit", _("找不到名为“%(name)s”的单位：请填写单位全称") % {"name": v["unit"]})
        if "day" in v and not self.week[0] <= v["day"] < self.week[1]:
            row.error("day", _("日期应在所选的一周（%(start)s 至 %(end)s）之内") % {
                "start": self.week[0].isoformat(), "end": (self.week[1] - dt.timedelta(days=1)).isoformat()})
        if not row.ok or unit is None or any(k not in v for k in ("day", "role", "name", "phone", "start", "end")):
            return None
        users = self.people.get((unit.pk, v["name"]), [])
        user = users[0] if len(users) == 1 else None
        if user is not None:
            row.notice("name", _("已关联本单位账号 %(user)s，本人可签到") % {"user": user.get_username()})
        plan = _Plan(row.number, unit, services.RosterRow(
            day=v["day"], role=v["role"], name=v["name"], phone=v["phone"], start=v["start"], end=v["end"],
            shift=v.get("shift") or "", user=user))
        start, end = plan.row.starts_at(), plan.row.ends_at()
        for number, s, e in self.spans.get(v["phone"], []):
            if s < end and start < e:
                row.error("start", _("与第 %(row)s 行是同一人（同一电话），时间重叠") % {"row": number})
                return None
        self.spans.setdefault(v["phone"], []).append((row.number, start, end))
        self.expected[unit.pk] = self.expected.get(unit.pk, 0) + 1
        return plan

    def save(self, plan: _Plan) -> tuple[str, ...]:
        pending = self.pending.setdefault(plan.unit.pk, [])
        pending.append(plan)
        if len(pending) < self.expected[plan.unit.pk]:
            return (SHIFTS,)
        try:
            services.set_roster(self.actor, unit=plan.unit, week_start=self.week[0], rows=[p.row for p in pending])
        except ValidationError as exc:
            raise ValidationError(self._located(exc, pending)) from None
        return (SHIFTS, UNITS)

    def _located(self, exc: ValidationError, pending: list[_Plan]) -> list[str]:
        """The service's refusals, each naming the Excel row it is about."""
        if not hasattr(exc, "error_dict"):
            return list(exc.messages)
        out = []
        for key, messages in exc.message_dict.items():
            parts = key.split(".")
            if len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(pending):
                out += [_("第 %(row)s 行：%(message)s") % {"row": pending[int(parts[1])].number, "message": m}
                        for m in messages]
            else:
                out += messages
        return out

    def preview(self, plan: _Plan, row: Row) -> dict[str, Any]:
        r = plan.row
        return {"unit": plan.unit.name, "day": r.day.isoformat(), "role": _zh(DutyRole(r.role).label),
                "name": r.name, "phone": r.phone, "start": f"{r.start:%H:%M}", "end": f"{r.end:%H:%M}",
                "shift": r.shift}

    def finish(self, result: ImportResult) -> None:
        audit.record(audit.Action.IMPORT, actor=self.actor, object_repr=_("值班表导入"), changes={
            "file": self.filename, "rows": result.rows, "units": result.counts[UNITS],
            "week": self.week[0].isoformat()})

    def rejected(self, result: ImportResult) -> None:
        record_rejection(self.actor, what=_("值班表导入"), filename=self.filename, result=result)


def import_rosters(actor: Actor, uploaded_file: IO[bytes], *, week_start: dt.date, dry_run: bool = False,
                   filename: str | None = None) -> ImportResult:
    """Replace the week from `week_start` of every unit named in `uploaded_file`, all or none (see the
    module docstring). `result.counts` has "shifts" (rows) and "units" (units whose week was set)."""
    name = getattr(uploaded_file, "name", "") if filename is None else filename
    return run_import(uploaded_file, SPEC, RosterRows(actor, week_start, str(name or "")), dry_run=dry_run)


def template_response(week_start: dt.date) -> FileResponse:
    """The blank template for the week from `week_start`; rules and an example on “说明”."""
    day = week_start.isoformat()
    example = [("南县社会福利中心", day, "带班领导", "张建华", "13907371234", "08:30", "17:30", "白班"),
               ("南县社会福利中心", day, "值班人员", "李敏", "13807371234", "17:30", "08:30", "夜班")]
    notes: list[list[Any]] = [[_("列"), _("填写说明")],
                              ["单位", _("单位全称，须在您可编排值班表的范围内")],
                              ["日期", _("所选一周之内的日期，如 %(day)s") % {"day": week_start.isoformat()}],
                              ["值班角色", _("带班领导 或 值班人员")],
                              ["姓名", _("与账号的姓名一致时自动关联账号，本人可签到")],
                              ["联系电话", _("手机 11 位，固定电话带区号")],
                              ["开始时间", _("如 08:30")],
                              ["结束时间", _("如 17:30；早于开始时间表示次日结束（夜班）")],
                              ["班次", _("选填，如 白班、夜班、全天")],
                              [], [_("文件中出现的每个单位，其这一周的值班表将整体替换；整个文件无误才会保存。")],
                              [], list(HEADERS), *[list(e) for e in example]]
    return stream_xlsx(f"值班表导入模板-{week_start:%Y%m%d}.xlsx", _("值班表导入模板"), HEADERS, [],
                       sheet_title=SHEET_TITLE, widths=[c.width or 10 for c in COLUMNS],
                       choices={"值班角色": ["带班领导", "值班人员"]},
                       text_columns=["联系电话", "开始时间", "结束时间", "日期"], extra_sheets={_("说明"): notes})
