"""催办 and its consequences: reminders to units that have not signed, escalation past the sign
deadline, "feedback due soon" notices, and overdue feedback onto the ledger.

Every write here is one transaction with its audit record. Reminders of one directive are
serialised on its row (SELECT … FOR UPDATE on PostgreSQL; SQLite has one writer at a time), the
way 催报 serialises on its assignment, so a double click or two officers at once cannot both send.
Escalation and the due notices lock each delivery as they step it and re-read its state, so the
management command may run as often as cron likes: running it twice sends nothing new.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.command.models import Delivery, Directive
from tongxin.command.queries import chase as queries
from tongxin.core import audit, system_settings
from tongxin.core.notify import notify
from tongxin.core.types import Actor
from tongxin.ledger import services as ledger_services
from tongxin.ledger.models import Category, LedgerEntry, Severity
from tongxin.units.queries import supervising_officers

DIRECTIVE_SOURCE = "directive"
REMINDER = "command.directive.reminder"
ESCALATED = "command.directive.escalated"
FEEDBACK_DUE = "command.directive.feedback_due"
LEDGER_DAYS = 7  # an overdue-feedback entry's deadline: a week from the day it is raised


def reminder_gap() -> dt.timedelta:
    """How long a delivery's 催办 is not repeated: `command.reminder_gap_minutes` (30 by default, never less)."""
    return dt.timedelta(minutes=system_settings.get("command.reminder_gap_minutes"))


def escalation_interval() -> dt.timedelta:
    """How long after telling the leader on duty an unsigned delivery goes to the level above."""
    return dt.timedelta(minutes=system_settings.get("command.escalation_interval_minutes"))


def feedback_notice_window() -> dt.timedelta:
    """How far ahead a unit is told its feedback is coming due: `command.feedback_due_hours`."""
    return dt.timedelta(hours=system_settings.get("command.feedback_due_hours"))


def directive_url(directive_id: int) -> str:
    """The directive's page (dir's `command:directive-detail`; "" until it exists)."""
    try:
        return reverse("command:directive-detail", args=[directive_id])
    except NoReverseMatch:
        return ""


def _hhmm(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def _when(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# --- 催办 ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reminding:
    """What one 催办 did: the deliveries reminded now, and those refused because they were reminded
    less than `reminder_gap()` ago, each with the time a reminder becomes possible again."""

    reminded: list[Delivery]
    skipped: list[tuple[Delivery, dt.datetime]] = field(default_factory=list)

    @property
    def again_at(self) -> dt.datetime | None:
        return min((at for _d, at in self.skipped), default=None)


def check_chase(actor: Actor, directive: Directive) -> None:
    """Refuse 催办 by anyone but the issuer's officers or a bureau above (404 when the directive is
    out of sight, 403 when seen), and of a directive not in force (ValidationError)."""
    if actor is not None:
        queries.visible_directive(actor, directive.pk)
        if not queries.may_chase(actor, directive):
            raise PermissionDenied(_("只有发文单位（或其上级）的业务人员可以催办"))
    if directive.status != Directive.Status.ISSUED:
        raise ValidationError({"directive": [_("该通知当前状态为“%(status)s”，不能催办") % {
            "status": directive.get_status_display()}]})


@transaction.atomic
def remind(actor: Actor, directive: Directive, *, now: dt.datetime | None = None) -> Reminding:
    """催办: notify the people of every unit that has not signed `directive` (its staff, and whoever
    is on duty there), one message per unit; each delivery's `last_reminded_at` and `reminders`
    are updated and the whole is audited.

    A delivery reminded less than `reminder_gap()` ago is not reminded again; when that leaves
    nothing to send, or every unit has signed, it is refused (ValidationError on `directive`, with
    the time a reminder becomes possible) and nothing is saved. Only the issuer's officers, or those
    of a bureau above it, may chase (403; a directive out of sight is 404).
    """
    now = now or timezone.now()
    locked = Directive.objects.select_for_update().select_related("issuer").get(pk=directive.pk)
    check_chase(actor, locked)
    gap = reminder_gap()
    preview = queries.reminder_preview(locked, now, gap)
    if not preview.due:
        if preview.recent:
            again = preview.again_at
            assert again is not None
            raise ValidationError({"directive": [
                _("%(minutes)s 分钟内已催办过，%(time)s 后可再次催办") % {
                    "minutes": int(gap.total_seconds() // 60), "time": _hhmm(again)}]})
        raise ValidationError({"directive": [_("各单位均已签收，无需催办")]})
    people = queries.people_of([d.unit for d in preview.due], now)
    url = directive_url(locked.pk)
    for d in preview.due:
        if people.get(d.unit_id):
            notify(people[d.unit_id], key=REMINDER, at=now, url=url, params={
                "unit": d.unit.name, "title": locked.title, "deadline": _when(locked.sign_deadline)})
    for d in preview.due:
        d.last_reminded_at, d.reminders = now, d.reminders + 1
        d.save(update_fields=["last_reminded_at", "reminders"])
    audit.record(audit.Action.REMIND, actor=actor, obj=locked, unit=locked.issuer, object_repr=locked.title[:200],
                 changes={"units": [d.unit.name for d in preview.due],
                          "skipped": [d.unit.name for d, _at in preview.recent]})
    return Reminding(preview.due, preview.recent)


# --- escalation ---------------------------------------------------------------------------------

def _escalate(delivery_id: int, step: int, now: dt.datetime) -> bool:
    """Take one delivery to `step` (1: its leader on duty or managers; 2: the officers of the level
    above) if it is still due that step; True when it was stepped."""
    with transaction.atomic():
        d = (Delivery.objects.select_for_update().select_related("directive", "unit")
             .filter(pk=delivery_id).first())
        if d is None or d.signed_at is not None or d.escalation != step - 1 \
                or d.directive.status != Directive.Status.ISSUED or d.directive.sign_deadline >= now:
            return False
        if step == 2 and (d.escalated_at is None or d.escalated_at > now - escalation_interval()):
            return False
        before = audit.snapshot(d)
        people = queries.leaders_for(d.unit, now) if step == 1 else supervising_officers(d.unit)
        if people:
            notify(people, key=ESCALATED, at=now, url=directive_url(d.directive_id), params={
                "unit": d.unit.name, "title": d.directive.title, "deadline": _when(d.directive.sign_deadline),
                "step": step})
        d.escalation, d.escalated_at = step, now
        d.save(update_fields=["escalation", "escalated_at"])
        audit.record_change(None, d, before, unit=d.unit)
        return True


def escalate_overdue(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Escalate every delivery of a directive in force that is unsigned past its sign deadline:
    first to the unit's leader on duty (or, with none, its managers, else its people), then — when still unsigned
    `escalation_interval()` after that — to the officers of the level above. One step per delivery
    per run; idempotent (a second run at the same time sends nothing). Returns the counts
    {"leader": n, "above": n}."""
    now = now or timezone.now()
    first, second = queries.due_escalation(now, escalation_interval())
    to_above = list(second.values_list("pk", flat=True))  # read before step 1 moves any delivery to 1
    to_leader = list(first.values_list("pk", flat=True))
    return {"leader": sum(_escalate(pk, 1, now) for pk in to_leader),
            "above": sum(_escalate(pk, 2, now) for pk in to_above)}


def send_feedback_due(*, now: dt.datetime | None = None, within: dt.timedelta | None = None) -> int:
    """Tell each unit whose feedback is due within `within` (default `feedback_notice_window()`) and
    not yet given, once per delivery; returns how many deliveries were told."""
    now = now or timezone.now()
    within = within if within is not None else feedback_notice_window()
    sent = 0
    for pk in list(queries.feedback_coming_due(now, within).values_list("pk", flat=True)):
        with transaction.atomic():
            d = Delivery.objects.select_for_update().select_related("directive", "unit").get(pk=pk)
            if d.due_notice_at is not None or d.fed_back_at is not None:
                continue
            deadline = d.directive.feedback_deadline
            assert deadline is not None
            people = queries.people_of([d.unit], now).get(d.unit_id, [])
            hours = max(1, round((deadline - now).total_seconds() / 3600))
            if people:
                notify(people, key=FEEDBACK_DUE, at=now, url=directive_url(d.directive_id), params={
                    "unit": d.unit.name, "title": d.directive.title, "deadline": _when(deadline), "hours": hours})
            Delivery.objects.filter(pk=d.pk).update(due_notice_at=now)
            sent += 1
    return sent


def run(*, now: dt.datetime | None = None) -> dict[str, int]:
    """What `tongxin command-chase` does: escalate, then send the due notices."""
    now = now or timezone.now()
    counts = escalate_overdue(now=now)
    counts["feedback_due"] = send_feedback_due(now=now)
    return counts


# --- overdue feedback onto the ledger -------------------------------------------------------------

def may_raise(actor: Actor, delivery: Delivery) -> bool:
    """The issuer's officers (or a bureau above): the people who chase, and who put it on the ledger."""
    return queries.may_chase(actor, delivery.directive)


@transaction.atomic
def raise_overdue_feedback(actor: Actor, delivery: Delivery, *, again: bool = False, description: str = "",
                           severity: str = Severity.GENERAL, deadline: dt.date | None = None,
                           now: dt.datetime | None = None) -> LedgerEntry:
    """挂账 for overdue feedback: an entry for the delivery's unit whose source is the directive
    (source "directive", source_id the directive), in one audited transaction.

    Refused (ValidationError) when feedback was not asked for, is not yet overdue or has come, and
    when an entry was already raised for this delivery unless `again` (另登记一条) is asked. Only the
    issuer's officers or a bureau above may do it (403; a delivery out of sight is 404).
    """
    now = now or timezone.now()
    locked = (Delivery.objects.select_for_update().select_related("directive__issuer", "unit")
              .get(pk=delivery.pk))
    if actor is not None:
        queries.visible_delivery(actor, locked.pk)
        if not may_raise(actor, locked):
            raise PermissionDenied(_("只有发文单位（或其上级）的业务人员可以将逾期未反馈登记到台账"))
    directive = locked.directive
    if not queries.feedback_overdue(locked, now):
        if not directive.feedback_required or directive.feedback_deadline is None:
            message = _("该通知不要求反馈，不能登记逾期未反馈")
        elif locked.fed_back_at is not None:
            message = _("该单位已反馈，不能登记逾期未反馈")
        else:
            message = _("反馈时限（%(deadline)s）未到，尚未逾期") % {"deadline": _when(directive.feedback_deadline)}
        raise ValidationError({"delivery": [message]})
    earlier = list(queries.raised_for(locked).values_list("number", flat=True))
    if earlier and not again:
        refusal = _("已为该单位登记过逾期未反馈：%(numbers)s。如需再登记，请勾选“另登记一条”。")
        raise ValidationError({"again": [refusal % {"numbers": "、".join(earlier)}]})
    assert directive.feedback_deadline is not None
    text = description.strip() or _("《%(title)s》%(number)s 要求于 %(deadline)s 前反馈，%(unit)s 逾期未反馈") % {
        "title": directive.title, "number": directive.doc_number, "deadline": _when(directive.feedback_deadline),
        "unit": locked.unit.name}
    return ledger_services.open_entry(
        actor, unit=locked.unit, source=DIRECTIVE_SOURCE, source_id=directive.pk, category=Category.OTHER,
        severity=severity, description=text[:2000], required_measure=directive.feedback_request[:500],
        responsible_person=locked.unit.contact_person, responsible_phone=locked.unit.phone,
        deadline=deadline or timezone.localdate(now) + dt.timedelta(days=LEDGER_DAYS), now=now)


def register() -> None:
    """The wording of 催办, escalation and feedback-due notices, and their settings (CommandConfig.ready)."""
    from django.utils.translation import gettext_lazy as _

    from tongxin.core import notify, system_settings

    notify.register("command.directive.reminder", label=_("催办"),
                    title=_("催办：%(unit)s 尚未签收《%(title)s》"),
                    body=_("签收时限 %(deadline)s，请尽快签收。"))
    notify.register("command.directive.escalated", label=_("催办升级"),
                    title=_("逾期未签收：%(unit)s《%(title)s》"),
                    body=_("签收时限 %(deadline)s 已过，该单位仍未签收，请督促落实。"))
    notify.register("command.directive.feedback_due", label=_("反馈将到期"),
                    title=_("反馈将到期：%(unit)s《%(title)s》"),
                    body=_("请于 %(deadline)s 前反馈（约 %(hours)s 小时后到期）。"))
    system_settings.register(
        "command.reminder_gap_minutes", kind="int", default=30, minimum=30, maximum=1440,
        label=_("催办间隔（分钟）"), help=_("同一单位的同一通知，在此时间内不再重复催办（不少于 30 分钟）"))
    system_settings.register(
        "command.escalation_interval_minutes", kind="int", default=60, minimum=5, maximum=1440,
        label=_("升级间隔（分钟）"), help=_("逾期未签收告知值班领导后，仍未签收的，经过此时间再告知上级"))
    system_settings.register(
        "command.feedback_due_hours", kind="int", default=24, minimum=1, maximum=168,
        label=_("反馈到期提醒（小时）"), help=_("反馈时限前这么多小时内，提醒未反馈的单位一次"))
