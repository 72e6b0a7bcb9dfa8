"""Receipts (捐赠票据, 慈善法 Art. 38): the number per organisation and year, the lookup code, the PDF.

- `issue(donation)` sets `receipt_number` and `lookup_code` once, when a donation is received; it
  must run inside the receiving transaction. The number is `<unit pk>-<year>-<six-digit sequence>`
  (e.g. `12-2021-000001`): the sequence counts per organisation and year in `ReceiptCounter`,
  whose row is locked (SELECT … FOR UPDATE), so two receipts at once never get the same number;
  the column is unique besides. The year is the local (Beijing) year of receipt.
- `new_lookup_code()` is 8 characters drawn by `secrets` from an alphabet without look-alikes.
- `receipt_pdf(donation)` draws the receipt with the legal fields: donor, kind and quantity of each
  line, the organisation, the person handling it, the date, the receipt number, the lookup code and
  the public lookup address (settings.TONGXIN_PUBLIC_URL + /public/lookup/).
"""

from __future__ import annotations

import io
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tongxin.core import pdf
from tongxin.donations.models import Donation, DonorKind, ReceiptCounter

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CODE_LENGTH = 8


def new_lookup_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))


def next_number(unit_id: int, year: int) -> str:
    """The next receipt number of the organisation in the year (locks the counter row)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("receipts.next_number runs inside the receiving transaction")
    ReceiptCounter.objects.get_or_create(unit_id=unit_id, year=year)
    counter = ReceiptCounter.objects.select_for_update().get(unit_id=unit_id, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{unit_id}-{year}-{counter.last:06d}"


def issue(donation: Donation) -> None:
    """Give a received donation its receipt number and lookup code (once; saved by the caller)."""
    if donation.receipt_number:
        return
    received = donation.received_at or timezone.now()
    donation.receipt_number = next_number(donation.unit_id, timezone.localtime(received).year)
    donation.lookup_code = new_lookup_code()


def lookup_url(base_url: str = "") -> str:
    base = (base_url or getattr(settings, "TONGXIN_PUBLIC_URL", "") or "").rstrip("/")
    return f"{base}/public/lookup/"


def _esc(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(text or "")


def _number(value: Any) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")


def donor_words(donation: Donation) -> str:
    """The donor as the receipt names them (the receipt is the donor's own: the name in full)."""
    if donation.donor_kind == DonorKind.ANONYMOUS:
        return "匿名捐赠人"
    name = donation.donor_name
    if donation.donor_credit_code:
        name = f"{name}（统一社会信用代码：{donation.donor_credit_code}）"
    return name


def receipt_pdf(donation: Donation, *, base_url: str = "") -> bytes:
    """The receipt of a received donation as an A4 PDF, with the fields of 慈善法 Art. 38."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = pdf.cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=18)
    title = ParagraphStyle("title", fontName=font, fontSize=20, leading=28, alignment=1, spaceAfter=6 * mm)
    small = ParagraphStyle("small", fontName=font, fontSize=9, leading=13, textColor=colors.grey)
    unit = donation.unit
    handler = donation.handled_by
    handler_name = (getattr(handler, "full_name", "") or handler.get_username()) if handler is not None else "—"
    received = timezone.localtime(donation.received_at).date().isoformat() if donation.received_at else "—"
    url = lookup_url(base_url)
    story: list[Any] = [
        Paragraph("捐赠票据", title),
        Paragraph(f"票据号：<b>{_esc(donation.receipt_number or '—')}</b>　　"
                  f"查询码：<b>{_esc(donation.lookup_code)}</b>", body),
        Spacer(1, 4 * mm),
        Paragraph(f"捐赠人：{_esc(donor_words(donation))}", body),
        Paragraph(f"受赠单位：{_esc(unit.name)}", body),
    ]
    if donation.appeal is not None:
        story.append(Paragraph(f"募捐倡议：{_esc(donation.appeal.title)}", body))
    story.append(Spacer(1, 4 * mm))
    rows: list[list[Any]] = [["捐赠物品（规格）", "数量", "单位", "价值（元）", "估值依据"]]
    for line in donation.lines.select_related("item").order_by("id"):
        rows.append([Paragraph(_esc(str(line.item)), body), _number(line.quantity), line.item.measure,
                     _number(line.value) if line.value is not None else "—", str(line.get_valuation_display())])
    table = Table(rows, colWidths=[62 * mm, 26 * mm, 16 * mm, 30 * mm, 34 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 10),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
        ("ALIGN", (1, 0), (3, -1), "RIGHT"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story += [table, Spacer(1, 6 * mm),
              Paragraph(f"经手人：{_esc(handler_name)}", body),
              Paragraph(f"接收日期：{received}", body),
              Spacer(1, 6 * mm),
              Paragraph(f"凭票据号和查询码，可在 {_esc(url)} 查询本次捐赠的去向。", body),
              Spacer(1, 4 * mm),
              Paragraph("依据《中华人民共和国慈善法》第三十八条出具。", small)]
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                            bottomMargin=18 * mm, title="捐赠票据", author=unit.name,
                            subject=donation.receipt_number or "")
    doc.build(story)
    return out.getvalue()
