"""A batch of received donations from Excel, through the shared import pipeline (tongxin.core.xlsx).

One file holds donations to one organisation (the one the upload is for), one donation per row:
捐赠方类型 (企业 / 个人 / 匿名), 捐赠方名称, 统一社会信用代码, 联系电话, 同意公开名称 (是 / 否), 物资名称
(“现金” for money), 规格型号, 计量单位, 数量（现金填金额）, 估值依据 (发票 / 报关单 / 未估值), 单价, 价值,
捐款渠道, 交易流水号, 有效期至, 批号. `import_donations` guarantees that
- the header is checked as every import's is;
- every row is recorded through `services.donations.record_donation` (every rule of a donation:
  credit code, phone, quantity, value = quantity × unit value …), and a refusal is reported at its
  sheet, row and column; an enterprise named as one of the organisation's member enterprises is
  linked to it;
- all rows in ONE transaction: any error and nothing is saved; `dry_run` gives the preview.
A fair-value estimate needs a second person's approval, so it is entered on the page, not in a batch.
The headers are Chinese whatever the user's language: they are the file format.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.translation import gettext as _

from tongxin.core import audit
from tongxin.core.types import Actor
from tongxin.core.xlsx import (
    Column,
    ImportResult,
    ImportSpec,
    Row,
    RowHandler,
    record_rejection,
    run_import,
    stream_xlsx,
)
from tongxin.donations.models import Channel, DonorKind, Valuation
from tongxin.donations.services import donations as services
from tongxin.donations.services.catalogue import CASH_NAME, cash_item
from tongxin.units.models import Unit

SHEET_TITLE = "捐赠登记"
CREATED = "created"
KINDS = {"企业": DonorKind.ENTERPRISE, "单位": DonorKind.ENTERPRISE, "企业或单位": DonorKind.ENTERPRISE,
         "个人": DonorKind.PERSON, "匿名": DonorKind.ANONYMOUS}
VALUATIONS = {"发票": Valuation.INVOICE, "报关单": Valuation.CUSTOMS, "未估值": Valuation.NOT_VALUED}
CHANNELS = {"银行转账": Channel.BANK, "微信": Channel.WECHAT, "支付宝": Channel.ALIPAY, "现金": Channel.CASH,
            "其他": Channel.OTHER}
YES = {"是", "同意", "y", "yes", "1"}


def _text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return unicodedata.normalize("NFKC", str(raw)).strip()


def _choice(table: Mapping[str, str], words: str) -> Any:
    def parse(ctx: Any, raw: Any) -> str:
        value = table.get(_text(raw))
        if value is None:
            raise ValidationError(_("应为：%(all)s") % {"all": words})
        return value
    return parse


def _plain(ctx: Any, raw: Any) -> str:
    return _text(raw)


COLUMNS = (
    Column("donor_kind", "捐赠方类型", aliases=("类型",), required=True, parse=_choice(KINDS, "企业、个人、匿名"),
           width=10),
    Column("donor_name", "捐赠方名称", aliases=("捐赠方", "捐赠人", "企业名称"), header_required=False, parse=_plain,
           width=24),
    Column("donor_credit_code", "统一社会信用代码", aliases=("信用代码",), header_required=False, parse=_plain,
           width=21),
    Column("donor_phone", "联系电话", aliases=("电话", "手机号码"), header_required=False, parse=_plain, width=14),
    Column("name_public", "同意公开名称", aliases=("公开名称",), header_required=False,
           parse=lambda ctx, raw: _text(raw).lower() in YES, width=10),
    Column("name", "物资名称", aliases=("物资", "品名"), required=True, parse=_plain, width=14),
    Column("specification", "规格型号", aliases=("规格",), header_required=False, parse=_plain, width=12),
    Column("measure", "计量单位", aliases=("单位",), header_required=False, parse=_plain, width=8),
    Column("quantity", "数量", aliases=("数量（现金填金额）", "金额"), required=True, parse=_plain, width=12),
    Column("valuation", "估值依据", header_required=False, parse=_choice(VALUATIONS, "发票、报关单、未估值"), width=10),
    Column("unit_value", "单价", aliases=("单价（元）",), header_required=False, parse=_plain, width=10),
    Column("value", "价值", aliases=("价值（元）",), header_required=False, parse=_plain, width=12),
    Column("channel", "捐款渠道", aliases=("渠道",), header_required=False,
           parse=_choice(CHANNELS, "银行转账、微信、支付宝、现金、其他"), width=10),
    Column("reference", "交易流水号", aliases=("流水号",), header_required=False, parse=_plain, width=18),
    Column("expiry_date", "有效期至", aliases=("有效期",), header_required=False, width=12),
    Column("lot", "批号", header_required=False, parse=_plain, width=12),
)
SPEC = ImportSpec(COLUMNS, sheet_name=SHEET_TITLE)
HEADERS = SPEC.headers
LINE_KEYS = ("quantity", "valuation", "unit_value", "value", "expiry_date", "lot")


@dataclass
class _Plan:
    number: int
    values: dict[str, Any]


class DonationRows(RowHandler[_Plan]):
    denied_key = "donor_name"
    error_keys = {**{f"lines.0.{k}": k for k in LINE_KEYS}, "lines.0.item": "name", "lines": "name",
                  "donor_enterprise_id": "donor_name", "appeal_id": "donor_kind"}

    def __init__(self, actor: Actor, unit: Unit, filename: str = "") -> None:
        self.actor, self.unit, self.filename = actor, unit, filename
        self.members: dict[str, int] = {}

    def prepare(self, sheet: Any) -> None:
        self.members = {u.name: u.pk for u in services.member_enterprises(self.unit)}

    def check(self, row: Row) -> _Plan | None:
        if not row.ok:
            return None
        return _Plan(row.number, dict(row.values))

    def save(self, plan: _Plan) -> str:
        v = plan.values
        values = {k: v.get(k) for k in ("donor_kind", "donor_name", "donor_credit_code", "donor_phone",
                                        "name_public", "channel", "reference")}
        member = self.members.get(v.get("donor_name") or "")
        if v.get("donor_kind") == DonorKind.ENTERPRISE and member is not None:
            values["donor_enterprise_id"] = member
        line = {k: v.get(k) for k in LINE_KEYS}
        if v.get("name") == CASH_NAME:
            line["item"] = cash_item()
        else:
            line.update(name=v.get("name"), specification=v.get("specification") or "", measure=v.get("measure"))
        services.record_donation(self.actor, self.unit, values, [line])
        return CREATED

    def finish(self, result: ImportResult) -> None:
        audit.record(audit.Action.IMPORT, actor=self.actor, unit=self.unit, object_repr=_("捐赠批量导入"),
                     changes={"file": self.filename, "rows": result.rows, "created": result.counts[CREATED]})

    def rejected(self, result: ImportResult) -> None:
        record_rejection(self.actor, what=_("捐赠批量导入"), filename=self.filename, result=result)


def import_donations(actor: Actor, unit: Unit, uploaded_file: IO[bytes], *, dry_run: bool = False,
                     filename: str | None = None) -> ImportResult:
    """Record every donation of `uploaded_file` as received by `unit`, all or none."""
    name = getattr(uploaded_file, "name", "") if filename is None else filename
    return run_import(uploaded_file, SPEC, DonationRows(actor, unit, str(name or "")), dry_run=dry_run)


def template_response() -> FileResponse:
    """The blank batch template, with an example on “说明”."""
    example = [("企业", "株洲金典装饰工程有限公司", "91430200MA4L0ABCD0", "", "是", "现金", "", "", "28000", "", "", "",
                "银行转账", "HX20210802001", "", ""),
               ("个人", "王秀英", "", "13907441234", "否", "口罩", "KN95", "只", "1000", "发票", "2.5", "2500", "", "",
                "2023-12-31", "L2021"),
               ("匿名", "", "", "", "", "矿泉水", "550ml×24瓶", "箱", "180", "未估值", "", "", "", "", "", "")]
    notes: list[list[Any]] = [[_("列"), _("填写说明")],
                              ["捐赠方类型", _("企业、个人 或 匿名；匿名不填名称和电话")],
                              ["统一社会信用代码", _("企业必填（本会会员企业按名称自动关联）")],
                              ["物资名称", _("现金填“现金”，数量填金额，并填写捐款渠道")],
                              ["估值依据", _("发票、报关单 或 未估值；公允价值估算须在页面上登记并由第二人审核")],
                              ["价值", _("同时填写单价和价值时，价值须等于数量 × 单价")],
                              [], [_("每行一笔捐赠；整个文件无误才会保存。")],
                              [], list(HEADERS), *[list(e) for e in example]]
    return stream_xlsx("捐赠登记导入模板.xlsx", _("捐赠登记导入模板"), HEADERS, [], sheet_title=SHEET_TITLE,
                       widths=[c.width or 10 for c in COLUMNS],
                       choices={"捐赠方类型": ["企业", "个人", "匿名"], "估值依据": list(VALUATIONS),
                                "捐款渠道": list(CHANNELS)},
                       text_columns=["统一社会信用代码", "联系电话", "交易流水号"], extra_sheets={_("说明"): notes})
