"""The unit registry (单位名录) as Excel: its columns, the export, the template and an all-or-nothing import.

`import_units` guarantees that
- every row is parsed and checked before anything is written, and the report lists every
  problem (sheet, row, column, rule), not only the first;
- a row may create or change a unit only inside the actor's writable scope (units.scope);
- the writes go through units.services (so each change is validated and audited as usual)
  inside ONE transaction, together with one IMPORT audit event: any error → nothing saved;
- an existing unit is matched by its credit code when the row gives one, else by
  (region, name); a blank optional cell leaves an existing unit's value as it is.

The headers and the kind and status labels are Chinese whatever the user's language: they
are the file format, so a file exported by anyone imports for anyone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tongxin.core import audit
from tongxin.core.validators import normalize_credit_code, normalize_phone
from tongxin.core.xlsx import CellError, SheetData, SheetRow, WorkbookRejected, read_workbook, stream_xlsx
from tongxin.regions.models import Region
from tongxin.units import scope, services
from tongxin.units.models import Kind, Unit

SHEET_TITLE = "单位名录"
ACTIVE, CLOSED = "运营中", "已关闭"
MAX_COUNT = 2_147_483_647  # PositiveIntegerField on every database


def _zh(text: Any) -> str:
    with translation.override("zh-hans"):
        return str(text)


def _fail(message: str) -> ValidationError:
    return ValidationError(message)


def _text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


def _limited(limit: int) -> Callable[[Context, Any], str]:
    def parse(ctx: Context, raw: Any) -> str:
        value = _text(raw)
        if len(value) > limit:
            raise _fail(_("不能超过 %(n)s 个字") % {"n": limit})
        return value

    return parse


def _kind(ctx: Context, raw: Any) -> str:
    value = ctx.kinds.get(_text(raw))
    if value is None:
        raise _fail(_("未知的单位类型“%(value)s”，可选：%(choices)s")
                    % {"value": _text(raw), "choices": "、".join(kind_labels())})
    return value


def _region(ctx: Context, raw: Any) -> str:
    code = _text(raw)
    if not re.fullmatch(r"\d{6}", code):
        raise _fail(_("区划代码应为 6 位数字，如 430921"))
    region = ctx.regions.get(code)
    if region is None:
        raise _fail(_("区划代码 %(code)s 不存在") % {"code": code})
    if not ctx.scope.covers_region(code, write=True):
        raise _fail(_("%(name)s（%(code)s）不在您的辖区内，不能导入该区划的单位")
                    % {"name": region.name, "code": code})
    return code


def _supervisor(ctx: Context, raw: Any) -> int:
    matches = ctx.bureaus.get(_text(raw), [])
    if len(matches) != 1:
        message = (_("找不到名为“%(name)s”的民政部门") if not matches
                   else _("有多个名为“%(name)s”的民政部门，请留空由系统按区划确定"))
        raise _fail(message % {"name": _text(raw)})
    return matches[0]


def _credit_code(ctx: Context, raw: Any) -> str:
    if isinstance(raw, float):
        raise _fail(_("统一社会信用代码被存成了数字：请把该列设为文本后重新填写"))
    return normalize_credit_code(_text(raw))


def _phone(ctx: Context, raw: Any) -> str:
    return normalize_phone(_text(raw))


def _count(ctx: Context, raw: Any) -> int:
    if isinstance(raw, bool):
        raise _fail(_("应为整数"))
    if isinstance(raw, int):
        number = raw
    elif isinstance(raw, float) and raw.is_integer():
        number = int(raw)
    elif isinstance(raw, str) and re.fullmatch(r"[+-]?\d+", raw.replace(",", "").strip()):
        number = int(raw.replace(",", ""))
    else:
        raise _fail(_("应为整数"))
    if number < 0:
        raise _fail(_("不能为负数"))
    if number > MAX_COUNT:
        raise _fail(_("数值过大"))
    return number


def _status(ctx: Context, raw: Any) -> bool:
    text = _text(raw)
    if text not in (ACTIVE, CLOSED):
        raise _fail(_("应为“%(active)s”或“%(closed)s”") % {"active": ACTIVE, "closed": CLOSED})
    return text == ACTIVE


@dataclass(frozen=True)
class Column:
    header: str
    field: str  # the services.create_unit / update_unit keyword
    width: int
    parse: Callable[[Context, Any], Any]
    required: bool = False


COLUMNS = (
    Column("单位名称", "name", 30, _limited(100), required=True),
    Column("单位类型", "kind", 18, _kind, required=True),
    Column("区划代码", "region_id", 10, _region, required=True),
    Column("主管单位", "supervisor_id", 20, _supervisor),
    Column("统一社会信用代码", "credit_code", 22, _credit_code),
    Column("地址", "address", 36, _limited(200)),
    Column("联系人", "contact_person", 10, _limited(50)),
    Column("联系电话", "phone", 16, _phone),
    Column("床位数", "beds", 9, _count),
    Column("在院人数", "residents", 10, _count),
    Column("工作人员数", "staff", 12, _count),
    Column("运营状态", "is_active", 10, _status),
)
HEADERS = tuple(c.header for c in COLUMNS)
HEADER_OF = {c.field: c.header for c in COLUMNS} | {"region": "区划代码", "supervisor": "主管单位"}


def kind_labels() -> list[str]:
    """The Chinese labels of the unit kinds, as the file shows them."""
    return [_zh(label) for _value, label in Kind.choices]


def _xlsx_options() -> dict[str, Any]:
    return {
        "sheet_title": SHEET_TITLE,
        "widths": [c.width for c in COLUMNS],
        "choices": {"单位类型": kind_labels(), "运营状态": [ACTIVE, CLOSED]},
        "text_columns": ["区划代码", "统一社会信用代码", "联系电话"],
    }


# --- export ------------------------------------------------------------------------------------


def export_rows(queryset: QuerySet[Unit]) -> Iterator[tuple[Any, ...]]:
    """One row per unit, in the columns of the import template, read in chunks."""
    labels = {value: _zh(label) for value, label in Kind.choices}
    for u in queryset.select_related("supervisor").iterator(chunk_size=2000):
        yield (
            u.name, labels.get(u.kind, u.kind), u.region_id, u.supervisor.name if u.supervisor_id else None,
            u.credit_code, u.address or None, u.contact_person or None, u.phone or None,
            u.beds, u.residents, u.staff, ACTIVE if u.is_active else CLOSED,
        )


def export_response(actor, queryset: QuerySet[Unit], filters: dict[str, Any]) -> FileResponse:
    """The workbook of `queryset` (already scoped by the caller) as a download; the export is audited."""
    now = timezone.localtime()
    counted = {"rows": 0}

    def rows() -> Iterator[tuple[Any, ...]]:
        for row in export_rows(queryset):
            counted["rows"] += 1
            yield row

    title = _("单位名录（导出时间 %(at)s）") % {"at": f"{now:%Y-%m-%d %H:%M}"}
    response = stream_xlsx(f"单位名录-{now:%Y%m%d-%H%M}.xlsx", title, HEADERS, rows(), **_xlsx_options())
    audit.record(audit.Action.EXPORT, actor=actor, object_repr=_("单位名录导出"),
                 changes={"filters": filters, "rows": counted["rows"]})
    return response


def template_response() -> FileResponse:
    """The blank import template: the data sheet has only headers; rules and an example are on “说明”."""
    example = ("南县示例养老院", _zh(Kind.ELDERLY_CARE.label), "430921", "南县民政局", "12430921MB1234567Q",
               "南县南洲镇示例路 1 号", "张敏", "0737-5221234", 120, 86, 21, ACTIVE)
    rules = {
        "单位名称": _("必填；同一区划内不能重名"),
        "单位类型": _("必填；从下拉列表中选择"),
        "区划代码": _("必填；6 位行政区划代码，须在您的辖区内"),
        "主管单位": _("民政部门的名称；留空则由系统按区划确定"),
        "统一社会信用代码": _("18 位；填写后按此代码匹配已有单位，否则按区划代码和单位名称匹配"),
        "联系电话": _("手机 11 位，固定电话带区号"),
        **{header: _("不小于 0 的整数") for header in ("床位数", "在院人数", "工作人员数")},
        "运营状态": _("“%(active)s”或“%(closed)s”；新增时留空视为运营中")
        % {"active": ACTIVE, "closed": CLOSED},
    }
    notes = [[_("列"), _("必填"), _("填写说明")]]
    notes += [[c.header, _("是") if c.required else "", rules.get(c.header, "")] for c in COLUMNS]
    notes += [[], [_("已有单位的空白单元格保持原值不变。整个文件无误才会保存，有任何错误都不会保存。")],
              [], [_("示例（请在“%(sheet)s”工作表中填写，不要在此页填写）") % {"sheet": SHEET_TITLE}],
              list(HEADERS), list(example)]
    return stream_xlsx("单位名录导入模板.xlsx", _("单位名录导入模板"), HEADERS, [],
                       extra_sheets={_("说明"): notes}, **_xlsx_options())


# --- import ------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[CellError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Context:
    """What row checks look up, loaded once per file."""

    scope: scope.Scope
    kinds: dict[str, str]
    regions: dict[str, Region]
    bureaus: dict[str, list[int]]
    by_code: dict[str, Unit] = field(default_factory=dict)
    by_name: dict[tuple[str, str], Unit] = field(default_factory=dict)


@dataclass
class _Plan:
    number: int
    values: dict[str, Any]
    existing: Unit | None = None


def _chunks(items: list, size: int = 500) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _context(actor, sheet: SheetData) -> Context:
    kinds = {_zh(label): value for value, label in Kind.choices}
    kinds |= {str(label): value for value, label in Kind.choices} | {value: value for value in Kind.values}
    codes = sorted({_text(r.values["区划代码"]) for r in sheet.rows if r.values["区划代码"] is not None})
    regions: dict[str, Region] = {}
    for chunk in _chunks(codes):
        regions |= {r.code: r for r in Region.objects.filter(code__in=chunk)}
    # The bureaus the actor sees, and those above the units they see (an exported file names them).
    visible = scope.restrict(Unit.objects.all(), actor, mode=scope.REGISTRY)
    known = Q(pk__in=visible.values("pk")) | Q(pk__in=visible.values("supervisor_id"))
    bureaus: dict[str, list[int]] = {}
    for pk, name in Unit.objects.filter(known, kind=Kind.BUREAU).values_list("pk", "name"):
        bureaus.setdefault(name, []).append(pk)
    return Context(scope.scope_of(actor), kinds, regions, bureaus)


def _parse(ctx: Context, sheet: SheetData, row: SheetRow, errors: list[CellError]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for column in COLUMNS:
        raw = row.values[column.header]
        if column.header in row.rejected:
            continue
        if raw is None:
            if column.required:
                errors.append(sheet.error(row.number, column.header, _("必填")))
            continue
        try:
            values[column.field] = column.parse(ctx, raw)
        except ValidationError as exc:
            errors.append(sheet.error(row.number, column.header, "；".join(exc.messages)))
    return values


def _load_existing(ctx: Context, plans: list[_Plan]) -> None:
    codes = sorted({p.values["credit_code"] for p in plans if "credit_code" in p.values})
    for chunk in _chunks(codes):
        ctx.by_code |= {u.credit_code: u for u in Unit.objects.filter(credit_code__in=chunk)}
    names = sorted({p.values["name"] for p in plans if "name" in p.values})
    for chunk in _chunks(names):
        for u in Unit.objects.filter(name__in=chunk):
            ctx.by_name[(u.region_id, u.name)] = u


def _match(ctx: Context, sheet: SheetData, plan: _Plan, seen: dict, errors: list[CellError]) -> None:
    """Find the unit the row updates, and refuse duplicates in the file and clashes with other units."""
    values = plan.values

    def bad(header: str, message: str) -> None:
        errors.append(sheet.error(plan.number, header, message))

    code = values.get("credit_code")
    if code:
        if code in seen:
            bad("统一社会信用代码", _("与第 %(row)s 行重复") % {"row": seen[code]})
        seen.setdefault(code, plan.number)
    if "name" not in values or "region_id" not in values:
        return
    key = (values["region_id"], values["name"])
    if key in seen:
        bad("单位名称", _("与第 %(row)s 行重复（同一区划内同名）") % {"row": seen[key]})
    seen.setdefault(key, plan.number)
    same_name = ctx.by_name.get(key)
    if code and code in ctx.by_code:
        unit = ctx.by_code[code]
        if not ctx.scope.covers(unit, write=True):
            bad("统一社会信用代码", _("该统一社会信用代码已登记为您辖区以外的单位"))
        elif same_name is not None and same_name.pk != unit.pk:
            bad("单位名称", _("该区划内已有同名单位"))
        else:
            plan.existing = unit
    elif same_name is not None:
        if code and same_name.credit_code and same_name.credit_code != code:
            bad("统一社会信用代码", _("该区划内的同名单位登记的统一社会信用代码是 %(code)s")
                % {"code": same_name.credit_code})
        else:
            plan.existing = same_name


def _service_errors(sheet: SheetData, number: int, exc: ValidationError) -> list[CellError]:
    if not hasattr(exc, "error_dict"):
        return [sheet.error(number, "", "；".join(exc.messages))]
    return [sheet.error(number, HEADER_OF.get(key, ""), "；".join(messages))
            for key, messages in exc.message_dict.items()]


def import_units(actor, uploaded_file: IO[bytes]) -> ImportResult:
    """Create or update the units in `uploaded_file`, all of them or none; see the module docstring."""
    if not scope.scope_of(actor).write_prefixes:
        raise PermissionDenied(_("您的角色不能导入单位"))
    try:
        sheet = read_workbook(uploaded_file, expected_headers=HEADERS)
    except WorkbookRejected as exc:
        return ImportResult(errors=exc.errors)
    result = ImportResult(rows=len(sheet.rows), errors=list(sheet.errors))
    ctx = _context(actor, sheet)
    plans = [_Plan(row.number, _parse(ctx, sheet, row, result.errors)) for row in sheet.rows]
    _load_existing(ctx, plans)
    seen: dict = {}
    for plan in plans:
        _match(ctx, sheet, plan, seen, result.errors)
    if result.errors:
        result.errors.sort(key=lambda e: (e.row or 0, HEADERS.index(e.header) if e.header in HEADERS else -1))
        return result
    with transaction.atomic():
        for plan in plans:
            try:
                _write(actor, plan, result)
            except ValidationError as exc:
                result.errors.extend(_service_errors(sheet, plan.number, exc))
            except (PermissionDenied, Http404) as exc:
                result.errors.append(sheet.error(plan.number, "", str(exc) or _("您无权修改该单位")))
        if result.errors:
            transaction.set_rollback(True)
            result.created = result.updated = result.unchanged = 0
            return result
        summary = {"file": getattr(uploaded_file, "name", ""), "rows": result.rows, "created": result.created,
                   "updated": result.updated, "unchanged": result.unchanged}
        audit.record(audit.Action.IMPORT, actor=actor, object_repr=_("单位名录导入"), changes=summary)
    return result


def _write(actor, plan: _Plan, result: ImportResult) -> None:
    if plan.existing is None:
        services.create_unit(actor, **plan.values)
        result.created += 1
        return
    changes = {k: v for k, v in plan.values.items() if getattr(plan.existing, k) != v}
    if not changes:
        result.unchanged += 1
        return
    services.update_unit(actor, plan.existing, **changes)
    result.updated += 1
