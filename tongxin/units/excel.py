"""The unit registry (单位名录) as Excel: its columns, the export, the template and an all-or-nothing import.

The import is a column spec (`SPEC`) plus a row handler (`UnitRows`) run by the shared pipeline
(tongxin.core.xlsx.run_import), so a list as a county keeps it imports: a title above the
header, blank rows, notes and totals under the table, a row repeated (see the pipeline).
`import_units` guarantees that
- every row is parsed and checked before anything is written, and the report lists every
  problem (sheet, row, column, rule), not only the first; a column may go by another common
  name (机构名称 for 单位名称, 所在区划 for 区划代码, 床位（张） for 床位数, …), and a column the
  registry does not keep (序号, 备注 …) is ignored; each is said in a notice;
- the region may be a code or a name (南县, 益阳市南县, 湖南省益阳市南县, 城步), resolved
  among the regions the actor may write; a name that matches none, or several there, is an
  error that says so (and names the candidates); a name read as a region is said in a notice;
- a kind may be written as people call it (敬老院, 光荣院, 福利院, 社工站 …): each such reading is
  a notice; numbers may be typed with full-width digits, a phone with +86; a number in words
  (五十) or a formula is an error that says what to write instead;
- a likely duplicate — a new unit whose name, with the region's names dropped from its start,
  is that of a unit already registered in the same region (南县敬老院 / 敬老院), or of another
  row of the file — is a notice, not an error;
- `dry_run=True` answers with the preview (each row as it would be saved, and whether it
  creates, updates or leaves a unit unchanged) and keeps nothing;
- a row may create or change a unit only inside the actor's writable scope (units.scope);
- the writes go through units.services (so each change is validated and audited as usual)
  inside ONE transaction, together with one IMPORT audit event: any error → nothing saved;
- an existing unit is matched by its credit code when the row gives one, else by
  (region, name); a blank optional cell leaves an existing unit's value as it is.

The headers and the kind and status labels are Chinese whatever the user's language: they
are the file format, so a file exported by anyone imports for anyone.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tongxin.core import audit, exports
from tongxin.core.models import BackgroundExport
from tongxin.core.types import Actor
from tongxin.core.validators import normalize_credit_code, normalize_phone
from tongxin.core.xlsx import (
    NOTICE,
    Column,
    ImportResult,
    ImportSpec,
    Row,
    RowHandler,
    Rule,
    SheetData,
    cells,
    iter_chunks,
    normalize_header,
    record_rejection,
    run_import,
    stream_xlsx,
)
from tongxin.regions.names import RegionNames, short_name
from tongxin.units import scope, services
from tongxin.units.filters import UnitFilter
from tongxin.units.models import Kind, Unit

SHEET_TITLE = "单位名录"
ACTIVE, CLOSED = "运营中", "已关闭"

# What people call a kind in their own lists, beyond the kind's own label (compared as headers are:
# without width, spaces or case). Each reading is said in a notice.
KIND_NAMES: dict[str, tuple[str, ...]] = {
    Kind.ELDERLY_CARE: ("养老院", "敬老院", "福利院", "社会福利院", "光荣院", "老年公寓", "养老中心", "颐养院",
                        "颐养中心", "护理院", "养护院", "乡镇敬老院", "农村敬老院", "特困供养服务机构",
                        "特困人员供养服务机构", "供养服务中心", "养老服务机构", "民办养老机构", "公办养老机构",
                        "医养结合机构", "日间照料中心"),
    Kind.CHILD_WELFARE: ("儿童福利院", "儿童福利中心", "儿童福利机构", "未成年人救助保护中心", "未成年人保护中心"),
    Kind.RESCUE_STATION: ("救助站", "救助管理站", "救助管理机构", "流浪乞讨人员救助管理站"),
    Kind.MENTAL_HEALTH: ("精神病院", "精神病福利院", "精神卫生机构", "精神康复医院"),
    Kind.FUNERAL: ("殡仪馆", "火葬场", "公墓", "殡葬机构", "殡葬服务站"),
    Kind.COMMUNITY_CENTRE: ("社区服务站", "社区综合服务中心", "社区中心"),
    Kind.SOCIAL_WORK: ("社工机构", "社工站", "社工服务站", "社会工作服务站", "社会工作服务中心", "乡镇社工站",
                       "社工组织"),
    Kind.INDUSTRY_ASSOCIATION: ("协会", "行业组织"),
    Kind.FOUNDATION: ("慈善基金会", "公益基金会"),
    Kind.CHARITY: ("慈善会", "慈善总会", "慈善机构"),
    Kind.BUREAU: ("民政局", "民政厅", "民政部门"),
    Kind.HOSPITAL: ("卫生院", "医疗机构"),
    Kind.CHECKPOINT: ("卡点", "检查点"),
}


def _zh(text: Any) -> str:
    with translation.override("zh-hans"):
        return str(text)


def _fail(message: str) -> ValidationError:
    return ValidationError(message)


def _text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


def _limited(limit: int) -> Callable[[UnitRows, Any], str]:
    def parse(ctx: UnitRows, raw: Any) -> str:
        value = _text(raw)
        if len(value) > limit:
            raise _fail(_("不能超过 %(n)s 个字") % {"n": limit})
        return value

    return parse


def _kind(ctx: UnitRows, raw: Any) -> str:
    value = ctx.kinds.get(normalize_header(_text(raw)))
    if value is None:
        raise _fail(_("未知的单位类型“%(value)s”，可选：%(choices)s")
                    % {"value": _text(raw), "choices": "、".join(kind_labels())})
    return value


def _region(ctx: UnitRows, raw: Any) -> str:
    """The code a region cell means among the regions the actor may write (see the module docstring)."""
    text = _text(raw)
    digits = re.sub(r"\s", "", unicodedata.normalize("NFKC", text))
    found = ctx.region_names.match(text)
    if not found:
        if digits.isdigit():
            raise _fail(_("区划代码 %(code)s 不存在：请填写 6 位区划代码（如 430921）或区划名称（如 南县）")
                        % {"code": digits} if len(digits) == 6 else
                        _("区划代码应为 6 位数字（如 430921），或填写区划名称（如 南县）"))
        raise _fail(_("找不到名为“%(name)s”的行政区划：请填写区县的全称（如 南县、城步苗族自治县）或 6 位区划代码")
                    % {"name": text})
    mine = [code for code in found if ctx.scope.covers_region(code, write=True)]
    if len(mine) > 1:
        raise _fail(_("“%(name)s”可能是：%(choices)s；请写明所属的市（如 益阳市南县）或填写区划代码")
                    % {"name": text, "choices": "、".join(ctx.region_names.label(c) for c in mine[:6])})
    if not mine:
        where = "、".join(ctx.region_names.label(c) for c in found[:4])
        raise _fail(_("%(where)s不在您的辖区内，不能导入该区划的单位") % {"where": where})
    return mine[0]


def _supervisor(ctx: UnitRows, raw: Any) -> int:
    matches = ctx.bureaus.get(_text(raw), [])
    if len(matches) != 1:
        message = (_("找不到名为“%(name)s”的民政部门") if not matches
                   else _("有多个名为“%(name)s”的民政部门，请留空由系统按区划确定"))
        raise _fail(message % {"name": _text(raw)})
    return matches[0]


def _credit_code(ctx: UnitRows, raw: Any) -> str:
    if isinstance(raw, float):
        raise _fail(_("统一社会信用代码被存成了数字：请把该列设为文本后重新填写"))
    return normalize_credit_code(_folded(raw))


def _folded(raw: Any) -> str:
    """A code or number typed with full-width characters, as the half-width text it means."""
    return unicodedata.normalize("NFKC", _text(raw)).strip()


def _phone(ctx: UnitRows, raw: Any) -> str:
    return normalize_phone(_folded(raw))


def _count(ctx: UnitRows, raw: Any) -> int:
    return cells.as_count(raw)


def _status(ctx: UnitRows, raw: Any) -> bool:
    text = _text(raw)
    if text not in (ACTIVE, CLOSED):
        raise _fail(_("应为“%(active)s”或“%(closed)s”") % {"active": ACTIVE, "closed": CLOSED})
    return text == ACTIVE


def _column(header: str, key: str, width: int, parse: Callable[[UnitRows, Any], Any], *aliases: str,
            required: bool = False) -> Column:
    return Column(key, header, aliases=aliases, required=required, header_required=required, parse=parse,
                  width=width)


# The template's headers, and the names the same columns go by in people's own registers. An optional
# column may be left out of a file: it reads as blank, which keeps an existing unit's value.
COLUMNS = (
    _column("单位名称", "name", 30, _limited(100), "机构名称", "名称", "单位全称", "机构全称", "单位名", "机构名",
            "养老机构名称", "服务机构名称", required=True),
    _column("单位类型", "kind", 18, _kind, "机构类型", "类型", "单位类别", "机构类别", "类别", required=True),
    _column("区划代码", "region_id", 10, _region, "行政区划代码", "区划", "所在区划", "所属区划", "所属区县", "区县",
            "县市区", "所在县市区", "所在地区", "所属地区", "行政区划", "区划名称", required=True),
    _column("主管单位", "supervisor_id", 20, _supervisor, "主管部门", "业务主管单位", "主管机关"),
    _column("统一社会信用代码", "credit_code", 22, _credit_code, "社会信用代码", "信用代码", "统一代码"),
    _column("地址", "address", 36, _limited(200), "详细地址", "单位地址", "机构地址", "所在地址"),
    _column("联系人", "contact_person", 10, _limited(50), "负责人", "联系人姓名"),
    _column("联系电话", "phone", 16, _phone, "电话", "联系方式", "手机", "手机号", "手机号码", "电话号码",
            "负责人电话"),
    _column("床位数", "beds", 9, _count, "床位", "床位总数", "核定床位", "床位数量"),
    _column("在院人数", "residents", 10, _count, "入住人数", "在住人数", "在院老人", "入住老人数"),
    _column("工作人员数", "staff", 12, _count, "工作人员", "员工人数", "职工人数", "从业人员数"),
    _column("运营状态", "is_active", 10, _status, "状态", "经营状态"),
)
# A column the registry does not keep (序号, 备注, 所属乡镇 …) is ignored, with a notice.
SPEC = ImportSpec(COLUMNS, sheet_name=SHEET_TITLE, unknown_columns=NOTICE)
HEADERS = SPEC.headers


def kind_labels() -> list[str]:
    """The Chinese labels of the unit kinds, as the file shows them."""
    return [_zh(label) for _value, label in Kind.choices]


def _xlsx_options() -> dict[str, Any]:
    return {
        "sheet_title": SHEET_TITLE,
        "widths": [c.width or 10 for c in COLUMNS],
        "choices": {"单位类型": kind_labels(), "运营状态": [ACTIVE, CLOSED]},
        "text_columns": ["区划代码", "统一社会信用代码", "联系电话"],
    }


# --- export ------------------------------------------------------------------------------------


EXPORT_FIELDS = ("name", "kind", "region_id", "supervisor__name", "credit_code", "address", "contact_person", "phone",
                 "beds", "residents", "staff", "is_active")


def export_query(query: Mapping[str, Any]) -> dict[str, str]:
    """The unit list's filter parameters in a query string: what decides the file (a page number does not)."""
    return {key: str(query[key]) for key in UnitFilter.base_filters if key in query}


def filtered(units: QuerySet[Unit], user: Actor, query: Mapping[str, Any]) -> QuerySet[Unit]:
    """`units` (already scoped) narrowed by the unit list's filter for `query`. As django-filter's
    FilterView does for the list page, an invalid filter (a region outside the user's scope) keeps none."""
    filterset = UnitFilter(export_query(query) or None, queryset=units, request=SimpleNamespace(user=user))
    if filterset.is_bound and not filterset.is_valid():
        return units.none()
    return filterset.qs


def export_rows(queryset: QuerySet[Unit]) -> Iterator[tuple[Any, ...]]:
    """One row per unit, in the columns of the import template (`_row_of`'s): only those columns read,
    as plain values, streamed in chunks (no model instances, no query per row, the kind labels looked up once)."""
    labels = {value: _zh(label) for value, label in Kind.choices}
    for (name, kind, region_id, supervisor, credit_code, address, contact, phone, beds, residents, staff,
         is_active) in queryset.values_list(*EXPORT_FIELDS).iterator(chunk_size=2000):
        yield (name, labels.get(kind, kind), region_id, supervisor, credit_code, address or None, contact or None,
               phone or None, beds, residents, staff, ACTIVE if is_active else CLOSED)


def _row_of(u: Unit, labels: dict[str, str], supervisor: str | None) -> tuple[Any, ...]:
    return (
        u.name, labels.get(u.kind, u.kind), u.region_id, supervisor,
        u.credit_code, u.address or None, u.contact_person or None, u.phone or None,
        u.beds, u.residents, u.staff, ACTIVE if u.is_active else CLOSED,
    )


def _export_title(at: dt.datetime) -> str:
    return _("单位名录（导出时间 %(at)s）") % {"at": f"{at:%Y-%m-%d %H:%M}"}


def _export_filename(at: dt.datetime) -> str:
    return f"单位名录-{at:%Y%m%d-%H%M}.xlsx"


def export_response(actor: Actor, queryset: QuerySet[Unit], filters: dict[str, Any]) -> FileResponse:
    """The workbook of `queryset` (already scoped by the caller) as a download; the export is audited."""
    now = timezone.localtime()
    counted = {"rows": 0}

    def rows() -> Iterator[tuple[Any, ...]]:
        for row in export_rows(queryset):
            counted["rows"] += 1
            yield row

    response = stream_xlsx(_export_filename(now), _export_title(now), HEADERS, rows(), **_xlsx_options())
    audit.record(audit.Action.EXPORT, actor=actor, object_repr=_("单位名录导出"),
                 changes={"filters": filters, "rows": counted["rows"]})
    return response


def start_export(actor: Actor, query: Mapping[str, Any], rows: int) -> BackgroundExport:
    """Start the registry for `query` as a background export (core.exports) of about `rows` rows, audited
    in the same transaction; returns it queued. What the user covers now is kept with it: the file is
    written only from the units they see, and handed out only while they still cover all of those."""
    from tongxin.units.jobs import REGISTRY_EXPORT

    now = timezone.localtime()
    params = {"query": export_query(query), "at": now.isoformat(), "covers": scope.footprint(actor, scope.REGISTRY)}
    with transaction.atomic():
        export = exports.start(actor, REGISTRY_EXPORT, params, title=_export_title(now),
                               filename=_export_filename(now), rows=rows)
        audit.record(audit.Action.EXPORT, actor=actor, object_repr=_("单位名录导出"),
                     changes={"filters": {key: query[key] for key in query}, "rows": rows,
                              "background": export.token})
    return export


def export_workbook(actor: Actor, params: Mapping[str, Any]) -> exports.Workbook:
    """The workbook of a background registry export (`start_export`'s parameters), as `actor` sees it now."""
    check_export(actor, params)
    query = params.get("query") or {}
    units = filtered(Unit.objects.restrict(actor, scope.REGISTRY), actor, query)
    at = timezone.localtime(dt.datetime.fromisoformat(str(params["at"])))
    return exports.Workbook(_export_title(at), HEADERS, export_rows(units), _xlsx_options())


def check_export(actor: Actor, params: Mapping[str, Any]) -> None:
    """Http404 unless `actor` still covers every unit the export could hold and its filter still stands."""
    query = params.get("query") or {}
    if not scope.still_covers(actor, params.get("covers") or {}, scope.REGISTRY):
        raise Http404(_("找不到该记录，或您无权查看"))
    filterset = UnitFilter(export_query(query) or None, queryset=Unit.objects.none(),
                           request=SimpleNamespace(user=actor))
    if filterset.is_bound and not filterset.is_valid():
        raise Http404(_("找不到该记录，或您无权查看"))


def template_response() -> FileResponse:
    """The blank import template: the data sheet has only headers; rules and an example are on “说明”."""
    example = ("南县示例养老院", _zh(Kind.ELDERLY_CARE.label), "430921", "南县民政局", "12430921MB1234567Q",
               "南县南洲镇示例路 1 号", "张敏", "0737-5221234", 120, 86, 21, ACTIVE)
    rules = {
        "单位名称": _("必填；同一区划内不能重名"),
        "单位类型": _("必填；从下拉列表中选择（敬老院、光荣院等常用叫法也可识别）"),
        "区划代码": _("必填；6 位行政区划代码或区划名称（如 430921 或 南县），须在您的辖区内"),
        "主管单位": _("民政部门的名称；留空则由系统按区划确定"),
        "统一社会信用代码": _("18 位；填写后按此代码匹配已有单位，否则按区划代码和单位名称匹配"),
        "联系电话": _("手机 11 位，固定电话带区号"),
        **{header: _("不小于 0 的整数") for header in ("床位数", "在院人数", "工作人员数")},
        "运营状态": _("“%(active)s”或“%(closed)s”；新增时留空视为运营中")
        % {"active": ACTIVE, "closed": CLOSED},
    }
    notes: list[list[Any]] = [[_("列"), _("必填"), _("填写说明")]]
    notes += [[c.header, _("是") if c.required else "", rules.get(c.header, "")] for c in COLUMNS]
    notes += [[], [_("已有单位的空白单元格保持原值不变。整个文件无误才会保存，有任何错误都不会保存。")],
              [], [_("示例（请在“%(sheet)s”工作表中填写，不要在此页填写）") % {"sheet": SHEET_TITLE}],
              list(HEADERS), list(example)]
    return stream_xlsx("单位名录导入模板.xlsx", _("单位名录导入模板"), HEADERS, [],
                       extra_sheets={_("说明"): notes}, **_xlsx_options())


# --- import ------------------------------------------------------------------------------------

CREATED, UPDATED, UNCHANGED, SKIPPED = "created", "updated", "unchanged", "skipped"


@dataclass
class _Plan:
    number: int
    values: dict[str, Any]
    existing: Unit | None = None
    saved: Unit | None = None


class UnitRows(RowHandler[_Plan]):
    """Create or update one unit per row, inside the actor's writable scope; the parse functions
    of COLUMNS read their look-ups (kinds, regions, bureaus, scope) from here."""

    error_keys = {"region": "region_id", "supervisor": "supervisor_id"}

    def __init__(self, actor: Actor, filename: str = "") -> None:
        self.actor = actor
        self.filename = filename
        self.scope = scope.scope_of(actor)
        self.labels = {value: _zh(label) for value, label in Kind.choices}
        kinds = {name: value for value, names in KIND_NAMES.items() for name in names}
        kinds |= {value: value for value in Kind.values} | {str(label): value for value, label in Kind.choices}
        kinds |= {label: value for value, label in self.labels.items()}
        self.kinds = {normalize_header(name): value for name, value in kinds.items()}
        self.exact_kinds = {normalize_header(name) for name in (*self.labels.values(), *Kind.values)}
        self.region_names = RegionNames()
        self.bureaus: dict[str, list[int]] = {}
        self.names: dict[int, str] = {}
        self.by_code: dict[str, Unit] = {}
        self.by_name: dict[tuple[str, str], Unit] = {}
        self.seen: dict[Any, int] = {}

    def prepare(self, sheet: SheetData) -> None:
        raw = [r.values for r in sheet.rows]
        texts = {_text(v["region_id"]) for v in raw if v["region_id"] is not None}
        codes = sorted({code for text in texts for code in self.region_names.match(text)})
        # The units already registered in those regions, by name with the region's names dropped.
        self.cores: dict[tuple[str, str], list[str]] = {}
        for chunk in iter_chunks(codes):
            for region_id, name in Unit.objects.filter(region_id__in=chunk).values_list("region_id", "name"):
                self.cores.setdefault((region_id, self._core(region_id, name)), []).append(name)
        self.file_cores: dict[tuple[str, str], tuple[int, str]] = {}
        # The bureaus the actor sees, and those above the units they see (an exported file names them).
        visible = scope.restrict(Unit.objects.all(), self.actor, mode=scope.REGISTRY)
        known = Q(pk__in=visible.values("pk")) | Q(pk__in=visible.values("supervisor_id"))
        for pk, name in Unit.objects.filter(known, kind=Kind.BUREAU).values_list("pk", "name"):
            self.bureaus.setdefault(name, []).append(pk)
            self.names[pk] = name
        credit_codes = sorted({code for code in (_plain_code(v["credit_code"]) for v in raw) if code})
        for chunk in iter_chunks(credit_codes):
            self.by_code |= {u.credit_code: u for u in Unit.objects.filter(credit_code__in=chunk) if u.credit_code}
        names = sorted({_text(v["name"]) for v in raw if v["name"] is not None})
        for chunk in iter_chunks(names):
            for u in Unit.objects.filter(name__in=chunk):
                self.by_name[(u.region_id, u.name)] = u

    def _core(self, region_id: str, name: str) -> str:
        """南县敬老院 in 南县 → 敬老院: the name without the names of its region and those above, at its start."""
        chain = [self.region_names.by_code[c][0] for c in (region_id[:2] + "0000", region_id[:4] + "00", region_id)
                 if c in self.region_names.by_code]
        prefixes = sorted({p for n in chain for p in (n, short_name(n))}, key=len, reverse=True)
        core = re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))
        for _round in range(3):
            for p in prefixes:
                if core.startswith(p) and len(core) > len(p):
                    core = core[len(p):]
                    break
        return core

    def _said(self, row: Row) -> None:
        """Notices for what was read in the file's own words: a kind by another name, a region by name."""
        raw, values = row.raw, row.values
        if "kind" in values and normalize_header(_text(raw["kind"])) not in self.exact_kinds:
            row.notice("kind", _("“%(found)s”按单位类型“%(kind)s”导入")
                       % {"found": _text(raw["kind"]), "kind": self.labels[values["kind"]]}, rule=Rule.ALIAS)
        if "region_id" in values and re.sub(r"\s", "", _text(raw["region_id"])) != values["region_id"]:
            row.notice("region_id", _("“%(found)s”按 %(region)s 导入")
                       % {"found": _text(raw["region_id"]), "region": self.region_names.label(values["region_id"])},
                       rule=Rule.ALIAS)

    def _likely_duplicate(self, row: Row, plan: _Plan) -> None:
        """A new unit named, but for its region's names, like a registered unit or another row: a notice."""
        region_id, name = plan.values["region_id"], plan.values["name"]
        key = (region_id, self._core(region_id, name))
        registered = [n for n in self.cores.get(key, []) if n != name]
        if registered:
            row.notice("name", _(
                "可能与已登记的“%(name)s”是同一单位（同一区划，去掉区划名后同名）：如是，请改用已登记的"
                "名称或填写统一社会信用代码，以免重复登记") % {"name": registered[0]}, rule=Rule.DUPLICATE)
        earlier = self.file_cores.get(key)
        if earlier is not None and earlier[1] != name:
            row.notice("name", _("可能与第 %(row)s 行的“%(name)s”是同一单位（同一区划，去掉区划名后同名）")
                       % {"row": earlier[0], "name": earlier[1]}, rule=Rule.DUPLICATE)
        self.file_cores.setdefault(key, (row.number, name))

    def check(self, row: Row) -> _Plan:
        """Find the unit the row updates, and refuse duplicates in the file and clashes with other units."""
        plan = _Plan(row.number, dict(row.values))
        self._said(row)
        values, seen = plan.values, self.seen
        code = values.get("credit_code")
        if code:
            if code in seen:
                row.error("credit_code", _("与第 %(row)s 行重复") % {"row": seen[code]}, rule=Rule.DUPLICATE)
            seen.setdefault(code, row.number)
        if "name" not in values or "region_id" not in values:
            return plan
        key = (values["region_id"], values["name"])
        if key in seen:
            row.error("name", _("与第 %(row)s 行是同一单位（同一区划内同名），但内容不同：请合并为一行")
                      % {"row": seen[key]}, rule=Rule.DUPLICATE)
        seen.setdefault(key, row.number)
        same_name = self.by_name.get(key)
        if code and code in self.by_code:
            unit = self.by_code[code]
            if not self.scope.covers(unit, write=True):
                row.error("credit_code", _("该统一社会信用代码已登记为您辖区以外的单位"), rule=Rule.SCOPE)
            elif same_name is not None and same_name.pk != unit.pk:
                row.error("name", _("该区划内已有同名单位"), rule=Rule.DUPLICATE)
            else:
                plan.existing = unit
        elif same_name is not None:
            if code and same_name.credit_code and same_name.credit_code != code:
                row.error("credit_code", _("该区划内的同名单位登记的统一社会信用代码是 %(code)s")
                          % {"code": same_name.credit_code}, rule=Rule.DUPLICATE)
            else:
                plan.existing = same_name
        if plan.existing is None and row.ok:
            self._likely_duplicate(row, plan)
        return plan

    def save(self, plan: _Plan) -> str:
        if plan.existing is None:
            plan.saved = services.create_unit(self.actor, **plan.values)
            return CREATED
        changes = {k: v for k, v in plan.values.items() if getattr(plan.existing, k) != v}
        if not changes:
            plan.saved = plan.existing
            return UNCHANGED
        plan.saved = services.update_unit(self.actor, plan.existing, **changes)
        return UPDATED

    def preview(self, plan: _Plan, row: Row) -> dict[str, Any]:
        """The unit as saved, in the file's vocabulary (blank cells of an existing unit show its kept value)."""
        unit = plan.saved or plan.existing
        if unit is None:
            return row.values
        pk = unit.supervisor_id
        if pk is not None and pk not in self.names:
            self.names[pk] = Unit.objects.filter(pk=pk).values_list("name", flat=True).first() or ""
        shown = _row_of(unit, self.labels, self.names.get(pk) if pk else None)
        return {c.key: value for c, value in zip(COLUMNS, shown, strict=True)}

    def finish(self, result: ImportResult) -> None:
        summary = {"file": self.filename, "rows": result.rows, "created": result.counts[CREATED],
                   "updated": result.counts[UPDATED], "unchanged": result.counts[UNCHANGED],
                   "skipped": result.counts[SKIPPED]}
        audit.record(audit.Action.IMPORT, actor=self.actor, object_repr=_("单位名录导入"), changes=summary)

    def rejected(self, result: ImportResult) -> None:
        record_rejection(self.actor, what=_("单位名录导入"), filename=self.filename, result=result)


def _plain_code(raw: Any) -> str:
    """The credit code a raw cell holds, normalised, or "" when it holds none (checked per row later)."""
    if raw is None or isinstance(raw, float):
        return ""
    try:
        return normalize_credit_code(_text(raw))
    except ValidationError:
        return ""


def import_units(actor: Actor, uploaded_file: IO[bytes], *, dry_run: bool = False, filename: str | None = None
                 ) -> ImportResult:
    """Create or update the units in `uploaded_file`, all of them or none (with `dry_run`, none and a
    preview); see the module docstring. `result.counts` has "created", "updated", "unchanged" and
    "skipped" (rows repeated in the file)."""
    if not scope.scope_of(actor).write_prefixes:
        raise PermissionDenied(_("您的角色不能导入单位"))
    name = getattr(uploaded_file, "name", "") if filename is None else filename
    return run_import(uploaded_file, SPEC, UnitRows(actor, name), dry_run=dry_run)
