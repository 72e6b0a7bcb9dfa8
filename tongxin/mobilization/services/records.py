"""Service records, activity reports and certificates (see models/records.py for the rules).

Guarantees:
- `draft_for(attendance)` is what the check-in part calls once an attendance is closed: the draft
  record the organisation's staff then review.
- `finalise`: refused while the record's attendance has flags nobody reviewed (a forgotten check-out
  credits 0 hours until the review confirms them). Staff who may file for the organising unit
  (`scope.FILE` on `record.unit`: its own staff, or an officer of a bureau above it) confirm a
  DRAFT. 志愿服务记录与证明出具办法 asks for the record within 10 working days after the activity (`due_by`,
  counted with `core.workdays`, so a National Day week does not eat the window). Our decision for a
  late one: after `due_by` (local Beijing date) it is REFUSED unless the reviewer writes why it is
  entered late (`late_reason`); then it is final, and the reason stays on the record and in the
  audit trail, so a late record is never silently mistaken for a timely one, and real work is never
  lost to a missed deadline.
- `correct`: a record is never edited in place. A correction (with its reason, required) is a NEW
  record that `corrects` the old one, and the old one turns SUPERSEDED. Correcting a FINAL record
  gives a FINAL one reviewed by the corrector; correcting a DRAFT gives a new DRAFT. Only the
  current record of a chain can be corrected, and not while a certificate that is not revoked covers
  it (revoke the certificate first, so no valid certificate states hours that changed). Totals
  therefore change only through the new record.
- `file_activity_report`: an organisation's report of work outside posts, for a day that is not in
  the future (local date), with at least one person taking part; its photos go through
  `core.uploads`; the day's roll-up is refreshed in the same transaction.
- `issue_certificate`: the person's FINAL records with their organisation in the period, summed;
  refused when there are none or the period is reversed. Its code is 12 characters drawn by
  `secrets` from an alphabet without look-alikes (no 0/O, 1/I/L). `revoke` keeps the certificate
  (verification then says it is revoked). `certificate_pdf` draws it with reportlab.
Every write is atomic and audited.
"""

from __future__ import annotations

import datetime as dt
import io
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.accounts.actors import user_of
from tongxin.core import audit, pdf
from tongxin.core.types import Actor
from tongxin.core.uploads import store_attachments
from tongxin.core.validators import check_length, mask_id_number
from tongxin.core.workdays import add_workdays
from tongxin.mobilization import links
from tongxin.mobilization.models import ActivityReport, Attendance, Certificate, Person, RecordStatus, ServiceRecord
from tongxin.mobilization.models.people import TEXT_MAX
from tongxin.mobilization.services import rollup
from tongxin.units import scope
from tongxin.units.models import Unit

REVIEW_WORKDAYS = 10  # 志愿服务记录与证明出具办法: recorded within 10 working days after the activity
MAX_HOURS = Decimal("24")  # one record is one day's service
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CODE_LENGTH = 12
MAX_COUNT = 1_000_000  # every count of an activity report: people by kind, and the quantity served


def _now(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()



@transaction.atomic
def draft_for(attendance: Attendance) -> ServiceRecord | None:
    """The draft service record of a closed attendance (its credited hours), or the current one if it
    has one already; None while the attendance is still open."""
    if attendance.checked_out_at is None or attendance.hours is None:
        return None
    current = ServiceRecord.objects.filter(attendance=attendance).exclude(status=RecordStatus.SUPERSEDED).first()
    if current is not None:
        return current
    shift = attendance.assignment.shift
    post = shift.post
    record = ServiceRecord.objects.create(
        person=attendance.assignment.person, unit=post.unit, activity=post.name, day=shift.day,
        place=post.place, content=post.get_kind_display(), hours=attendance.hours,
        person_in_charge=post.leader.name if post.leader is not None else "", attendance=attendance,
        status=RecordStatus.DRAFT, due_by=add_workdays(shift.day, REVIEW_WORKDAYS))
    audit.record_change(None, record, None, unit=post.unit)
    return record


def _refresh(*changed: ServiceRecord) -> None:
    """The roll-up of every (unit, day) the records touched (its hours are the current records')."""
    rollup.refresh_many({(r.unit_id, r.day) for r in changed if r.attendance_id is not None})


def redraft(actor: Actor, attendance: Attendance, *, reason: str, at: dt.datetime | None = None
            ) -> ServiceRecord | None:
    """After a review confirmed an attendance's hours: its current record takes them, by a correction
    (a DRAFT is replaced by a new DRAFT, a FINAL one by a new FINAL one), or the first draft is made."""
    current = ServiceRecord.objects.filter(attendance=attendance).exclude(status=RecordStatus.SUPERSEDED).first()
    if current is None:
        made = draft_for(attendance)
        if made is not None:
            _refresh(made)
        return made
    if current.hours == attendance.hours:
        return current
    return correct(actor, current, reason=reason[:TEXT_MAX], hours=attendance.hours, at=at)


# --- review and corrections ----------------------------------------------------------------------

def is_late(record: ServiceRecord, at: dt.datetime | None = None) -> bool:
    """The review window has passed (local date after `due_by`)."""
    return timezone.localdate(_now(at)) > record.due_by


def _locked(record: ServiceRecord) -> ServiceRecord:
    return ServiceRecord.objects.select_for_update().select_related("unit", "person").get(pk=record.pk)


@transaction.atomic
def finalise(actor: Actor, record: ServiceRecord, *, late_reason: str = "", at: dt.datetime | None = None
             ) -> ServiceRecord:
    """Confirm a DRAFT record (已确认). After its 10-working-day window only with `late_reason`."""
    scope.require(actor, record.unit, scope.FILE, _("只有组织单位的工作人员可以确认服务记录"))
    record = _locked(record)
    if record.status != RecordStatus.DRAFT:
        raise ValidationError({"status": [_("该记录已不是待审核状态（%(state)s），不能再确认")
                                          % {"state": record.get_status_display()}]})
    attendance = record.attendance
    if attendance is not None and attendance.flags and attendance.reviewed_at is None:
        raise ValidationError({"status": [_("该记录的到岗异常尚未复核")]})
    late_reason = (late_reason or "").strip()
    check_length("late_reason", late_reason, TEXT_MAX)
    now = _now(at)
    if is_late(record, now) and not late_reason:
        raise ValidationError({"late_reason": [
            _("已超过确认期限（%(due)s，活动后 10 个工作日），请填写补录原因") % {"due": record.due_by.isoformat()}]})
    before = audit.snapshot(record)
    record.status = RecordStatus.FINAL
    record.reviewed_by = user_of(actor)
    record.reviewed_at = now
    record.late_reason = late_reason if is_late(record, now) else ""
    record.save(update_fields=["status", "reviewed_by", "reviewed_at", "late_reason"])
    audit.record_change(actor, record, before, unit=record.unit)
    _refresh(record)
    return record


def _hours(value: Any) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"hours": [_("服务时长须是数字（小时）")]}) from None
    if not hours.is_finite() or hours < 0 or hours > MAX_HOURS:
        raise ValidationError({"hours": [_("服务时长须在 0 到 24 小时之间")]})
    return hours


@transaction.atomic
def correct(actor: Actor, record: ServiceRecord, *, reason: str, hours: Any = None, content: str | None = None,
            day: dt.date | None = None, at: dt.datetime | None = None) -> ServiceRecord:
    """Correct a record by a new one (the old one turns SUPERSEDED and stays); returns the new one."""
    scope.require(actor, record.unit, scope.FILE, _("只有组织单位的工作人员可以更正服务记录"))
    record = _locked(record)
    if record.status == RecordStatus.SUPERSEDED:
        raise ValidationError({"status": [_("该记录已被更正，请更正最新的那条记录")]})
    if record.certificates.filter(revoked_at__isnull=True).exists():
        raise ValidationError({"status": [_("该记录已出具服务记录证明，请先作废证明再更正")]})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写更正原因")]})
    check_length("reason", reason, TEXT_MAX)
    now = _now(at)
    new_hours = record.hours if hours is None or hours == "" else _hours(hours)
    new_content = record.content if content is None else content.strip()
    if not new_content:
        raise ValidationError({"content": [_("请填写服务内容")]})
    check_length("content", new_content, TEXT_MAX)
    new_day = record.day if day is None else day
    if new_day > timezone.localdate(now):
        raise ValidationError({"day": [_("服务日期不能晚于今天")]})
    if (new_hours, new_content, new_day) == (record.hours, record.content, record.day):
        raise ValidationError({"hours": [_("更正后的时长、内容和日期与原记录相同，无需更正")]})
    was_final = record.status == RecordStatus.FINAL
    before = audit.snapshot(record)
    record.status = RecordStatus.SUPERSEDED
    record.save(update_fields=["status"])
    audit.record_change(actor, record, before, unit=record.unit)
    user = user_of(actor)
    new = ServiceRecord.objects.create(
        person=record.person, unit=record.unit, activity=record.activity, day=new_day, place=record.place,
        content=new_content, hours=new_hours, person_in_charge=record.person_in_charge,
        attendance=record.attendance,
        status=RecordStatus.FINAL if was_final else RecordStatus.DRAFT,
        due_by=record.due_by if new_day == record.day else add_workdays(new_day, REVIEW_WORKDAYS),
        reviewed_by=user if was_final else None, reviewed_at=now if was_final else None,
        corrects=record, correction_reason=reason, created_by=user)
    audit.record_change(actor, new, None, unit=record.unit)
    _refresh(record, new)
    return new


# --- activity reports ----------------------------------------------------------------------------

def _count_label(field: str) -> str:
    return {"social_workers": _("社工人数"), "volunteers": _("志愿者人数"), "others": _("其他人员人数"),
            "quantity": _("服务数量")}[field]


def _count(field: str, value: Any) -> int:
    """A count of an activity report (people by kind, or the quantity served): a whole number from
    0 to MAX_COUNT, else a ValidationError naming the field and the range."""
    try:
        n = int(value or 0)
    except (TypeError, ValueError, OverflowError):
        raise ValidationError({field: [_("%(label)s须是整数") % {"label": _count_label(field)}]}) from None
    if n < 0 or n > MAX_COUNT:
        raise ValidationError({field: [_("%(label)s须在 0 到 %(n)s 之间") % {
            "label": _count_label(field), "n": f"{MAX_COUNT:,}"}]})
    return n


@transaction.atomic
def file_activity_report(actor: Actor, unit: Unit, *, day: dt.date, title: str, content: str,
                         social_workers: Any = 0, volunteers: Any = 0, others: Any = 0, quantity: Any = None,
                         measure: str = "", place: str = "", person_in_charge: str = "", files: Any = (),
                         at: dt.datetime | None = None) -> ActivityReport:
    """File an organisation's activity report (work outside posts) with its photos."""
    scope.require(actor, unit, scope.FILE, _("只有本单位的工作人员可以填报活动报告"))
    errors: dict[str, list[str]] = {}
    if day is None:
        errors["day"] = [_("请填写活动日期")]
    elif day > timezone.localdate(_now(at)):
        errors["day"] = [_("活动日期不能晚于今天")]
    title, content = (title or "").strip(), (content or "").strip()
    if not title:
        errors["title"] = [_("请填写活动名称")]
    if not content:
        errors["content"] = [_("请填写服务内容")]
    counts = {}
    for field in ("social_workers", "volunteers", "others"):
        try:
            counts[field] = _count(field, locals()[field])
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if counts and len(counts) == 3 and sum(counts.values()) == 0:
        errors["volunteers"] = [_("参与人数至少为 1 人")]
    qty = None
    if quantity not in (None, ""):
        try:
            qty = _count("quantity", quantity)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    for field, value, limit in (("title", title, 100), ("place", place, TEXT_MAX), ("measure", measure, 20),
                                ("person_in_charge", person_in_charge, 50)):
        check_length(field, (value or "").strip(), limit)
    report = ActivityReport.objects.create(
        unit=unit, day=day, title=title, content=content, place=(place or "").strip(),
        quantity=qty, measure=(measure or "").strip(), person_in_charge=(person_in_charge or "").strip(),
        created_by=user_of(actor), **counts)
    files = list(files or ())
    if files:
        report.attachments.set(store_attachments(files, uploaded_by=actor, unit_id=unit.pk))
    audit.record_change(actor, report, None, unit=unit)
    rollup.refresh(unit.pk, day)
    return report


# --- certificates --------------------------------------------------------------------------------

def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))


def certifiable(person: Person, period_from: dt.date, period_until: dt.date) -> QuerySet[ServiceRecord]:
    """The person's FINAL records with their organisation in the period."""
    return ServiceRecord.objects.filter(person=person, unit=person.unit, status=RecordStatus.FINAL,
                                        day__gte=period_from, day__lte=period_until)


@transaction.atomic
def issue_certificate(actor: Actor, person: Person, *, period_from: dt.date, period_until: dt.date,
                      at: dt.datetime | None = None) -> Certificate:
    """A certificate of the person's final hours with their organisation in the period."""
    if person.unit is None:
        raise ValidationError({"person": [_("该人员尚未加入任何组织，不能出具服务记录证明")]})
    scope.require(actor, person.unit, scope.FILE, _("只有所属组织的工作人员可以出具服务记录证明"))
    if period_from is None or period_until is None:
        raise ValidationError({"period_from": [_("请填写服务起止日期")]})
    if period_until < period_from:
        raise ValidationError({"period_until": [_("截止日期不能早于起始日期")]})
    records = list(certifiable(person, period_from, period_until).select_for_update())
    if not records:
        raise ValidationError({"period_from": [_("该期间没有已确认的服务记录，不能出具证明")]})
    now = _now(at)
    code = new_code()
    while Certificate.objects.filter(code=code).exists():  # 31**12 codes: a clash is all but impossible
        code = new_code()
    cert = Certificate.objects.create(
        person=person, unit=person.unit, code=code, period_from=period_from, period_until=period_until,
        hours=sum((r.hours for r in records), Decimal("0")), issued_at=now,
        issued_by=user_of(actor))
    cert.records.set(records)
    audit.record_change(actor, cert, None, unit=person.unit)
    return cert


@transaction.atomic
def revoke(actor: Actor, cert: Certificate, *, reason: str, at: dt.datetime | None = None) -> Certificate:
    """Revoke a certificate (作废): it stays, and verification shows it revoked."""
    scope.require(actor, cert.unit, scope.FILE, _("只有出具单位的工作人员可以作废证明"))
    cert = Certificate.objects.select_for_update().get(pk=cert.pk)
    if cert.revoked_at is not None:
        raise ValidationError({"reason": [_("该证明已作废")]})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写作废原因")]})
    check_length("reason", reason, TEXT_MAX)
    before = audit.snapshot(cert)
    cert.revoked_at, cert.revoke_reason = _now(at), reason
    cert.save(update_fields=["revoked_at", "revoke_reason"])
    audit.record_change(actor, cert, before, unit=cert.unit)
    return cert


def verify_url(cert: Certificate, base_url: str = "") -> str:
    """The public verification address of a certificate, absolute (links.verify_url)."""
    return links.verify_url(cert, base_url)


def grouped(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def certificate_pdf(cert: Certificate, *, base_url: str = "") -> bytes:
    """The certificate as a PDF (A4): for the organisation's staff, so the name is in full and the ID
    number masked; with the verification code and a QR code of the public verification page."""
    import segno
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = pdf.cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=18)
    title = ParagraphStyle("title", fontName=font, fontSize=20, leading=28, alignment=1, spaceAfter=8 * mm)
    small = ParagraphStyle("small", fontName=font, fontSize=9, leading=13, textColor=colors.grey)
    person, unit = cert.person, cert.unit
    url = verify_url(cert, base_url)
    qr = io.BytesIO()
    segno.make(url, error="m").save(qr, kind="png", scale=4, border=2)
    qr.seek(0)
    id_text = mask_id_number(person.id_number) if person.id_number else "—"
    story: list[Any] = [
        Paragraph("志愿服务记录证明", title),
        Paragraph(f"兹证明 <b>{_esc(person.name)}</b>（身份证号码：{id_text}）"
                  f"于 {cert.period_from.isoformat()} 至 {cert.period_until.isoformat()} 期间，"
                  f"在{_esc(unit.name)}组织下参加志愿服务，经确认的服务时长累计 <b>{cert.hours}</b> 小时。", body),
        Spacer(1, 6 * mm),
    ]
    rows: list[list[Any]] = [["日期", "活动", "服务内容", "时长（小时）"]]
    for r in cert.records.order_by("day", "id"):
        rows.append([r.day.isoformat(), Paragraph(_esc(r.activity), body), Paragraph(_esc(r.content), body),
                     str(r.hours)])
    rows.append(["", "", "合计", str(cert.hours)])
    table = Table(rows, colWidths=[28 * mm, 62 * mm, 52 * mm, 26 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 10),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
        ("ALIGN", (3, 0), (3, -1), "RIGHT"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    issued = timezone.localtime(cert.issued_at).date().isoformat()
    story += [table, Spacer(1, 8 * mm),
              Paragraph(f"出具单位：{_esc(unit.name)}", body),
              Paragraph(f"出具日期：{issued}", body),
              Spacer(1, 6 * mm),
              Table([[Image(qr, width=32 * mm, height=32 * mm),
                      Paragraph(f"验证码：<b>{grouped(cert.code)}</b><br/>扫码或访问 {_esc(url)} 核验本证明。"
                                "核验页只显示部分隐去的姓名、服务时长、组织单位和服务期间。", body)]],
                    colWidths=[38 * mm, 130 * mm], style=[("VALIGN", (0, 0), (-1, -1), "MIDDLE")])]
    if cert.revoked_at is not None:
        story.insert(1, Paragraph(f"本证明已于 {timezone.localtime(cert.revoked_at).date().isoformat()} 作废："
                                  f"{_esc(cert.revoke_reason)}", ParagraphStyle("void", parent=body,
                                                                                textColor=colors.red)))
    story.append(Spacer(1, 4 * mm))
    story.append(Paragraph("依据《志愿服务记录与证明出具办法》出具。", small))
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                            bottomMargin=18 * mm, title="志愿服务记录证明", author=unit.name,
                            subject=cert.code)
    doc.build(story)
    return out.getvalue()


def _esc(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(text or "")

