"""Every write to the ledger: validate, check scope and roles, move the state, audit — in one transaction.

The life of an entry is `WORKFLOW`, with its guards (who may take each step): the unit's own
staff or an officer above it may open, start and submit a fix (with evidence); only an officer of
a bureau above the unit may verify (close) or return it, and never someone who submitted its fix.
立查立改 records an entry fixed on the spot, with evidence, closed in one step. Pages and the API
ask the same `WORKFLOW.allowed_for(actor, entry)`.

Whoever must act next is told, through `core.notify`, once the step commits (never the actor
themself): the unit's staff when an entry is opened for it or returned, the supervising bureau's
officers who may verify it when a fix awaits verification, and (`send_due_notices`, run daily by
`tongxin ledger-due-notices`) the unit's staff when an entry is soon due or overdue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from tongxin.accounts.models import User
from tongxin.core import audit
from tongxin.core.errors import Conflict
from tongxin.core.models import Attachment
from tongxin.core.notify import notify
from tongxin.core.types import Actor
from tongxin.core.validators import check_length, normalize_phone
from tongxin.core.workflow import INITIAL, Workflow, step
from tongxin.ledger import sources
from tongxin.ledger.models import (
    MAX_DESCRIPTION,
    Category,
    Counter,
    DueNotice,
    LedgerEntry,
    Severity,
    Status,
    Transition,
)
from tongxin.units import scope
from tongxin.units.models import Unit
from tongxin.units.queries import staff_of, supervising_officers

MAX_COMMENT = 1000  # a transition's comment (意见), on the web and in the API alike

WORKFLOW = Workflow(
    {Status.OPEN: pgettext_lazy("ledger status", "挂账"), Status.RECTIFYING: gettext_lazy("整改中"),
     Status.AWAITING: gettext_lazy("待验收"), Status.CLOSED: gettext_lazy("已销号"),
     Status.RETURNED: pgettext_lazy("ledger status", "退回")},
    [
        step("open", [INITIAL], Status.OPEN, pgettext_lazy("ledger action", "挂账")),
        step("fix_on_spot", [INITIAL], Status.CLOSED, gettext_lazy("立查立改")),
        step("start", [Status.OPEN, Status.RETURNED], Status.RECTIFYING, gettext_lazy("开始整改")),
        step("submit_fix", [Status.RECTIFYING], Status.AWAITING, gettext_lazy("提交验收")),
        step("close", [Status.AWAITING], Status.CLOSED, gettext_lazy("验收销号")),
        step("return", [Status.AWAITING], Status.RETURNED, pgettext_lazy("ledger action", "退回")),
    ],
)


@WORKFLOW.guard("open", "fix_on_spot", "start", "submit_fix")
def _unit_staff_or_officer_above(actor: Actor, entry: LedgerEntry) -> None:
    """The unit's own staff, or an officer of a bureau above it, put problems on the ledger and fix them."""
    scope.require(actor, entry.unit, scope.FILE, _("您的角色不能处理该单位的问题"))


@WORKFLOW.guard("close", "return")
def _bureau_above(actor: Actor, entry: LedgerEntry) -> None:
    """Only a bureau above the unit verifies: filing rights at the unit itself do not count."""
    scope.require(actor, entry.unit, scope.READ, "")
    if actor is not None and not scope.scope_of(actor).covers_region(entry.unit.region_id, mode=scope.FILE):
        raise PermissionDenied(_("只有主管民政部门的业务人员可以验收或退回"))


@WORKFLOW.guard("close", "return")
def _not_the_fixer(actor: Actor, entry: LedgerEntry) -> None:
    """The verifier must not be the person who submitted the fix."""
    if actor is not None and entry.pk is not None and any(
            t.name == "submit_fix" and t.actor_id == actor.pk for t in entry.transitions.all()):
        raise PermissionDenied(_("整改人不能验收自己整改的问题，请由主管部门其他人员验收"))


def _user(actor: Actor) -> User | None:
    """The actor as recorded on an entry or a step: the guards let through only the system (None)
    or a signed-in user, and every signed-in user is one of our Users."""
    return cast(User | None, actor)


def _draft(unit: Unit) -> LedgerEntry:
    """The entry about to be created, as the workflow's guards see it."""
    return LedgerEntry(unit=unit, region_code=unit.region_id, status=INITIAL)


def overdue_q(today: dt.date | None = None) -> Q:
    """Entries past their deadline (local date) and not closed."""
    today = today or timezone.localdate()
    return Q(deadline__lt=today) & ~Q(status=Status.CLOSED)


def is_overdue(entry: LedgerEntry, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return entry.status != Status.CLOSED and entry.deadline < today


def _next_number(region_code: str, year: int) -> str:
    for _attempt in range(3):
        updated = Counter.objects.filter(region_code=region_code, year=year).update(last=F("last") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    Counter.objects.create(region_code=region_code, year=year, last=1)
            except IntegrityError:
                continue
        last = Counter.objects.get(region_code=region_code, year=year).last
        return f"{region_code}-{year}-{last:04d}"
    raise RuntimeError("could not allocate a ledger number")


def _clean(values: dict[str, Any], found_on: dt.date) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    out = dict(values)
    if not sources.is_source(str(out.get("source") or "")):
        errors["source"] = [_("请选择有效的选项")]
    for key, choices in (("category", Category), ("severity", Severity)):
        if out.get(key) not in choices.values:
            errors[key] = [_("请选择有效的选项")]
    context_kind, context_id = out.get("context_kind") or "", out.get("context_id")
    if context_kind and (sources.context(context_kind) is None or context_id is None):
        errors["context_kind"] = [_("请选择有效的选项")]
    elif context_id is not None and not context_kind:
        errors["context_id"] = [_("请选择有效的选项")]
    if not str(out.get("description", "")).strip():
        errors["description"] = [_("请描述发现的问题")]
    for key in ("description", "required_measure"):
        try:
            check_length(key, str(out.get(key) or "").strip(), MAX_DESCRIPTION)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    deadline = out.get("deadline")
    if not isinstance(deadline, dt.date):
        errors["deadline"] = [_("请填写整改时限")]
    elif deadline < found_on:
        errors["deadline"] = [_("整改时限不能早于发现日期")]
    phone = str(out.get("responsible_phone") or "").strip()
    if phone:
        try:
            out["responsible_phone"] = normalize_phone(phone)
        except ValidationError as exc:
            errors["responsible_phone"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return out


def _record(entry: LedgerEntry, name: str, before: str, actor: Actor, comment: str,
            attachments: Sequence[Attachment] = (),
            now: dt.datetime | None = None) -> Transition:
    t = Transition.objects.create(entry=entry, name=name, from_status=before, to_status=entry.status,
                                  actor=_user(actor), at=now or timezone.now(), comment=comment)
    if attachments:
        t.attachments.set(attachments)
    return t


@transaction.atomic
def open_entry(actor: Actor, *, unit: Unit, source: str, category: str, severity: str, description: str,
               deadline: dt.date, required_measure: str = "", responsible_person: str = "",
               responsible_phone: str = "", found_on: dt.date | None = None, source_id: int | None = None,
               context_kind: str = "", context_id: int | None = None, attachments: Sequence[Attachment] = (),
               now: dt.datetime | None = None) -> LedgerEntry:
    """挂账: put a problem on the ledger with a readable number (430921-2021-0007).

    `source` is a registered kind (`ledger.sources`) and `source_id` the record of that kind that
    raised the entry (None for one entered by hand); `context_kind`/`context_id` the work it belongs
    to (a campaign). The caller vouches for those records: the ledger stores the references only.
    """
    entry = _create(actor, unit=unit, source=source, category=category, severity=severity, description=description,
                    deadline=deadline, required_measure=required_measure, responsible_person=responsible_person,
                    responsible_phone=responsible_phone, found_on=found_on, source_id=source_id,
                    context_kind=context_kind, context_id=context_id, attachments=attachments, now=now)
    _tell_unit(actor, entry, "ledger.opened", at=entry.created_at)
    return entry


def _create(actor: Actor, *, unit: Unit, source: str, category: str, severity: str, description: str,
            deadline: dt.date, required_measure: str, responsible_person: str, responsible_phone: str,
            found_on: dt.date | None, source_id: int | None, context_kind: str, context_id: int | None,
            attachments: Sequence[Attachment], now: dt.datetime | None) -> LedgerEntry:
    """挂账 without telling anyone (立查立改 closes the entry at once: there is nothing to do)."""
    WORKFLOW.take(actor, _draft(unit), "open")
    now = now or timezone.now()
    found_on = found_on or timezone.localdate(now)
    values = _clean({"source": source, "category": category, "severity": severity, "description": description,
                     "deadline": deadline, "responsible_phone": responsible_phone, "context_kind": context_kind,
                     "context_id": context_id}, found_on)
    entry = LedgerEntry.objects.create(
        number=_next_number(unit.region_id, found_on.year), unit=unit, region_code=unit.region_id,
        source=source, category=category, severity=severity, description=description.strip(),
        required_measure=required_measure.strip(), responsible_person=responsible_person.strip(),
        responsible_phone=values["responsible_phone"], found_on=found_on, deadline=deadline,
        source_id=source_id, context_kind=context_kind, context_id=context_id, created_by=_user(actor), created_at=now,
    )
    if attachments:
        entry.attachments.set(attachments)
    _record(entry, "open", "", actor, "", attachments, now)
    audit.record_change(actor, entry, None, unit=unit)
    return entry


@transaction.atomic
def fix_on_spot(actor: Actor, *, unit: Unit, attachments: Sequence[Attachment], comment: str = "",
                now: dt.datetime | None = None, source: str, category: str, severity: str, description: str,
                deadline: dt.date | None = None, required_measure: str = "", responsible_person: str = "",
                responsible_phone: str = "", found_on: dt.date | None = None, source_id: int | None = None,
                context_kind: str = "", context_id: int | None = None) -> LedgerEntry:
    """立查立改: an entry found and fixed during the inspection, with evidence, closed in one step
    (the deadline, unless given, is the day it was found)."""
    WORKFLOW.take(actor, _draft(unit), "fix_on_spot")
    if not attachments:
        raise ValidationError({"attachments": [_("立查立改须上传整改后的照片或材料")]})
    now = now or timezone.now()
    if deadline is None:
        deadline = found_on or timezone.localdate(now)
    entry = _create(actor, unit=unit, now=now, attachments=attachments, source=source, category=category,
                    severity=severity, description=description, deadline=deadline,
                    required_measure=required_measure, responsible_person=responsible_person,
                    responsible_phone=responsible_phone, found_on=found_on, source_id=source_id,
                    context_kind=context_kind, context_id=context_id)
    before = audit.snapshot(entry)
    entry.status, entry.fixed_on_spot = Status.CLOSED, True
    entry.fixed_by = entry.closed_by = _user(actor)
    entry.closed_at = now
    entry.save()
    _record(entry, "fix_on_spot", Status.OPEN, actor, comment or _("立查立改"), attachments, now)
    audit.record_change(actor, entry, before, unit=unit)
    return entry


def check_fresh(entry: LedgerEntry, expected_status: str | None) -> None:
    """`Conflict` (409) when the entry is no longer in the state the clerk saw (`expected_status`,
    None: not said): someone else moved it first, e.g. two verifiers pressing 销号 at once."""
    if expected_status and expected_status != entry.status:
        raise Conflict(_("该问题的状态已被他人改为「%(state)s」，请刷新页面查看后再操作。")
                       % {"state": WORKFLOW.state_label(entry.status)})


@transaction.atomic
def transition(actor: Actor, entry: LedgerEntry, name: str, *, comment: str = "",
               attachments: Sequence[Attachment] = (), expected_status: str | None = None,
               now: dt.datetime | None = None) -> LedgerEntry:
    """Move an entry along WORKFLOW, if its guards let the actor: start, submit_fix (needs evidence),
    close or return (a verifier other than whoever submitted the fix; returning needs a reason).

    Moves of one entry are serialised on its row (SELECT … FOR UPDATE; SQLite has one writer at a
    time); a move from a state the entry has left since the clerk saw it (`expected_status`) is a
    `Conflict` (409)."""
    locked = LedgerEntry.objects.select_for_update().select_related("unit").get(pk=entry.pk)
    check_fresh(locked, expected_status)
    move = WORKFLOW.take(actor, locked, name)
    comment = (comment or "").strip()
    check_length("comment", comment, MAX_COMMENT)
    if name == "submit_fix" and not attachments:
        raise ValidationError({"attachments": [_("提交验收须上传整改后的照片或材料")]})
    if name == "return" and not comment:
        raise ValidationError({"comment": [_("退回须说明原因")]})
    now = now or timezone.now()
    before_snapshot, before = audit.snapshot(locked), locked.status
    locked.status = move.target
    if name == "submit_fix":
        locked.fixed_by = _user(actor)
    if name == "close":
        locked.closed_by, locked.closed_at = _user(actor), now
    locked.save()
    _record(locked, name, before, actor, comment, attachments, now)
    audit.record_change(actor, locked, before_snapshot, unit=locked.unit)
    if name == "submit_fix":
        _tell(actor, _verifiers(locked), locked, "ledger.awaiting", at=now)
    elif name == "return":
        _tell_unit(actor, locked, "ledger.returned", at=now, reason=comment[:200])
    return locked


@transaction.atomic
def follow_unit_move(actor: Actor, *, unit: Unit, new_region_code: str) -> int:
    """A unit moved county: its entries not yet closed move to the new region (so the new county
    sees and chases them); closed entries stay where they were closed. Each moved entry is audited
    (region before/after). Returns how many moved. Runs inside the move's transaction."""
    moved = 0
    for entry in (LedgerEntry.objects.select_for_update().filter(unit=unit).exclude(status=Status.CLOSED)
                  .exclude(region_code=new_region_code).order_by("id")):
        before = audit.snapshot(entry)
        entry.region_code = new_region_code
        entry.save(update_fields=["region_code"])
        audit.record_change(actor, entry, before, unit=unit)
        moved += 1
    return moved


# --- telling whoever acts next (core.notify; the wording is registered in apps.py) ----------------

DUE_SOON_DAYS = 2  # "soon due": the deadline is today or within this many days
NOTICE_STATUSES = (Status.OPEN, Status.RECTIFYING, Status.RETURNED)  # the unit still has to act


def _params(entry: LedgerEntry, **extra: Any) -> dict[str, Any]:
    description = entry.description if len(entry.description) <= 80 else entry.description[:79] + "…"
    return {"unit": entry.unit.name, "number": entry.number, "description": description,
            "deadline": entry.deadline.isoformat(), **extra}


def _tell(actor: Actor, recipients: Sequence[User], entry: LedgerEntry, key: str, *, at: dt.datetime | None = None,
          **extra: Any) -> int:
    """Notify `recipients` (never the actor) of `entry` with message `key`; how many were told."""
    people = [u for u in recipients if actor is None or u.pk != actor.pk]
    if people:
        notify(people, key=key, params=_params(entry, **extra), url=reverse("ledger:detail", args=[entry.pk]), at=at)
    return len(people)


def _tell_unit(actor: Actor, entry: LedgerEntry, key: str, *, at: dt.datetime | None = None, **extra: Any) -> int:
    return _tell(actor, staff_of(entry.unit), entry, key, at=at, **extra)


def _verifiers(entry: LedgerEntry) -> list[User]:
    """The supervising bureau's officers whom the workflow lets close `entry` now (so never its fixer)."""
    return [u for u in supervising_officers(entry.unit)
            if any(t.name == "close" for t in WORKFLOW.allowed_for(u, entry))]


@transaction.atomic
def send_due_notices(*, today: dt.date | None = None, within_days: int = DUE_SOON_DAYS,
                     now: dt.datetime | None = None) -> dict[str, int]:
    """Tell each unit's staff of its entries due within `within_days` (today included) and of those
    overdue, for the entries the unit still has to act on (open, rectifying, returned).

    Idempotent per local day: an entry gets at most one notice of each kind per day, however often
    this runs (a unique DueNotice row per entry, kind and day; a run racing another skips what the
    other recorded). Returns {"due_soon": entries told, "overdue": entries told}.
    """
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    kinds = {DueNotice.Kind.DUE_SOON: Q(deadline__gte=today, deadline__lte=today + dt.timedelta(days=within_days)),
             DueNotice.Kind.OVERDUE: Q(deadline__lt=today)}
    sent = {str(kind): 0 for kind in kinds}
    for kind, when in kinds.items():
        done = DueNotice.objects.filter(kind=kind, day=today).values("entry_id")
        entries = (LedgerEntry.objects.filter(when, status__in=NOTICE_STATUSES).exclude(pk__in=done)
                   .select_related("unit").order_by("deadline", "id"))
        for entry in entries.iterator(chunk_size=500):
            try:
                with transaction.atomic():
                    DueNotice.objects.create(entry=entry, kind=kind, day=today, sent_at=now)
            except IntegrityError:
                continue  # another run told them today
            key = "ledger.due_soon" if kind == DueNotice.Kind.DUE_SOON else "ledger.overdue"
            if _tell(None, staff_of(entry.unit), entry, key, at=now):
                sent[str(kind)] += 1
    return sent
