"""Every write of the reporting module: validate, check scope, change, audit, update roll-ups — in one transaction.

Web pages, the API, the Excel batch upload and the demo all file through `submit_report` and
`correct_report`; there is no other way to write a report.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core import audit, system_settings
from tongxin.core.errors import Conflict
from tongxin.core.types import Actor
from tongxin.core.versioning import define_version
from tongxin.ledger import queries as ledger_queries
from tongxin.ledger import services as ledger_services
from tongxin.ledger.models import LedgerEntry
from tongxin.regions.models import Region
from tongxin.regions.queries import in_subtree
from tongxin.reports import ledger_sources, rollups
from tongxin.reports.definition import clean_values, validate_definition, zero_values
from tongxin.reports.models import Assignment, Form, FormVersion, IdempotencyKey, Report, Revision
from tongxin.units import scope
from tongxin.units.models import Kind, Unit, UnitPeriod, in_service_q

if TYPE_CHECKING:
    from tongxin.accounts.models import User



def local_today() -> dt.date:
    return timezone.localdate()


def deadline_of(assignment: Assignment, day: dt.date) -> dt.datetime:
    """The moment a day's report is due: the assignment's local deadline on that day."""
    return dt.datetime.combine(day, assignment.deadline, tzinfo=timezone.get_current_timezone())


def is_due(assignment: Assignment, day: dt.date) -> bool:
    """Whether the assignment asks for a report on `day` (inside its period, on its weekday if weekly)."""
    if not (assignment.start_date <= day <= assignment.end_date):
        return False
    return assignment.frequency == Assignment.Frequency.DAILY or day.weekday() == assignment.weekday


def expected_units_q(assignment: Assignment) -> Q:
    """A filter on units: those that must file this assignment (kind, region subtree, active)."""
    q = in_subtree("region_id", assignment.region.prefix) & ~Q(kind=Kind.BUREAU)
    if assignment.unit_kinds:
        q &= Q(kind__in=assignment.unit_kinds)
    return q & Q(is_active=True)


def expected_units_on_q(assignment: Assignment, day: dt.date) -> Q:
    """A filter on units: those the assignment expected on `day`, as they were then (their service
    periods: in service, region, kind), the reading of `queries.expected_periods` for one unit list."""
    periods = UnitPeriod.objects.filter(in_service_q(day), in_subtree("region_code", assignment.region.prefix))
    periods = periods.exclude(kind=Kind.BUREAU)
    if assignment.unit_kinds:
        periods = periods.filter(kind__in=assignment.unit_kinds)
    return Q(pk__in=periods.values("unit_id"))


def load_builtin_forms() -> list[FormVersion]:
    """Define (or keep) the forms shipped in reports/data/*.json; idempotent."""
    out = []
    for path in sorted((Path(__file__).resolve().parent / "data").glob("*.json")):
        out.append(import_form(None, json.loads(path.read_text(encoding="utf-8"))))
    return out


def expects(assignment: Assignment, unit: Unit, day: dt.date | None = None) -> bool:
    """Whether the assignment asks `unit` to file: the same test as `expected_units_q`, for one unit.

    With `day`, the unit as it was on that day (its service period: in service, region, kind), the
    same reading as the day's completeness and missing list, so a unit added, closed or moved since
    files exactly the days it owed."""
    if day is None:
        return (unit.is_active and unit.kind != Kind.BUREAU and unit.region_id.startswith(assignment.region.prefix)
                and (not assignment.unit_kinds or unit.kind in assignment.unit_kinds))
    return expected_region(assignment, unit, day) is not None


def expected_region(assignment: Assignment, unit: Unit, day: dt.date) -> str | None:
    """Where `unit` was in service on `day` if the assignment expected it then (`expects` with a day),
    else None. A unit's periods never overlap, so this is also the region its report of that day
    counts in (`rollups.region_of`)."""
    periods = UnitPeriod.objects.filter(in_service_q(day), in_subtree("region_code", assignment.region.prefix),
                                        unit_id=unit.pk).exclude(kind=Kind.BUREAU)
    if assignment.unit_kinds:
        periods = periods.filter(kind__in=assignment.unit_kinds)
    return periods.values_list("region_code", flat=True).first()


# --- forms -------------------------------------------------------------------------------------

def define_form(actor: Actor, *, code: str, name: str, definition: Any, name_en: str = "",
                description: str = "") -> FormVersion:
    """Create a form or add a new version of it; earlier versions and the reports filed on them stay as they were
    (core.versioning.define_version: validated, versioned only by whom units.scope.may_version admits, audited)."""
    if actor is not None and not scope.has_role(actor, *scope.BUREAU_OFFICERS):
        raise PermissionDenied(_("只有管理员和业务人员可以定义报表"))
    # define_version answers with the base version type; for definition_model=Form that is a FormVersion.
    return cast(FormVersion, define_version(
        actor, definition_model=Form, code=code, name=name, definition=definition, validate=validate_definition,
        may_version=lambda form: scope.may_version(actor, form.first_version(),
                                                   Unit.objects.filter(issued_assignments__form=form)),
        refused=_("该报表已由其他单位使用，只有下达这些报送任务的单位的业务人员可以修改"),
        name_en=name_en, description=description))


def export_form(version: FormVersion) -> dict[str, Any]:
    """The form as JSON, ready for `import_form` on another system."""
    form = version.form
    return {"code": form.code, "name": form.name, "name_en": form.name_en, "description": form.description,
            "version": version.number, "definition": version.definition}


def import_form(actor: Actor, data: Any) -> FormVersion:
    if not isinstance(data, dict) or not isinstance(data.get("code"), str) or not data.get("code"):
        raise ValidationError({"code": [_("JSON 中缺少报表代码 code")]})
    return define_form(actor, code=data["code"], name=str(data.get("name", "")), definition=data.get("definition"),
                       name_en=str(data.get("name_en", "")), description=str(data.get("description", "")))


# --- assignments -------------------------------------------------------------------------------

@transaction.atomic
def create_assignment(actor: Actor, *, form: Form, issuer: Unit, region: Region, name: str, deadline: dt.time,
                      start_date: dt.date, end_date: dt.date, unit_kinds: list[str] | None = None,
                      frequency: str = Assignment.Frequency.DAILY, weekday: int | None = None) -> Assignment:
    """A bureau asks the units of a region subtree to file a form, daily or weekly, by a local deadline."""
    errors: dict[str, list[str]] = {}
    if issuer.kind != Kind.BUREAU:
        errors["issuer"] = [_("报送任务只能由民政部门下达")]
    elif not region.code.startswith(issuer.region.prefix):
        errors["region"] = [_("报送范围必须在下达单位的辖区内")]
    scope.require(actor, issuer, scope.FILE, _("只有民政部门的业务人员可以下达报送任务"))
    unit_kinds = list(unit_kinds or [])
    bad = [k for k in unit_kinds if k not in Kind.values or k == Kind.BUREAU]
    if bad:
        errors["unit_kinds"] = [_("未知的单位类型：%(kinds)s") % {"kinds": "、".join(bad)}]
    if start_date > end_date:
        errors["end_date"] = [_("结束日期不能早于开始日期")]
    if frequency == Assignment.Frequency.WEEKLY and weekday not in range(7):
        errors["weekday"] = [_("每周报送须指定星期几（0 为周一）")]
    if errors:
        raise ValidationError(errors)
    assignment = Assignment(form=form, issuer=issuer, region=region, name=name.strip(), deadline=deadline,
                            start_date=start_date, end_date=end_date, unit_kinds=unit_kinds, frequency=frequency,
                            weekday=weekday if frequency == Assignment.Frequency.WEEKLY else None)
    assignment.full_clean()
    assignment.save()
    audit.record_change(actor, assignment, None, unit=issuer)
    return assignment


# --- filing ------------------------------------------------------------------------------------

@dataclass
class Filing:
    report: Report
    revision: Revision
    created: bool  # False when an Idempotency-Key replayed an earlier filing


def _check_filer(actor: Actor, unit: Unit) -> None:
    scope.require(actor, unit, scope.FILE, _("您的角色不能为该单位报送"))


def _filer(actor: Actor) -> User | None:
    """The actor as the user a revision or key points to: None (the system) or a user `_check_filer` admitted
    (scope admits no anonymous user), so the base-user type of `Actor` is our User here."""
    return cast("User | None", actor)


MAX_KEY_LENGTH = 100


def _replay(actor: Actor, key: str | None, assignment: Assignment, unit: Unit, day: dt.date) -> Filing | None:
    if not key or actor is None:
        return None
    if len(key) > MAX_KEY_LENGTH:
        raise ValidationError({"idempotency_key": [_("Idempotency-Key 不能超过 %(n)s 个字符") % {"n": MAX_KEY_LENGTH}]})
    seen = (IdempotencyKey.objects.select_related("report__unit", "report__form_version")
            .filter(user=_filer(actor), key=key).first())
    if seen is None:
        return None
    report = seen.report
    if (report.assignment_id, report.unit_id, report.day) != (assignment.pk, unit.pk, day):
        raise ValidationError({"idempotency_key": [_("该 Idempotency-Key 已用于另一份报告")]})
    return Filing(report, report.revisions.get(number=seen.revision_number), created=False)


def _remember(actor: Actor, key: str | None, report: Report, number: int) -> None:
    if key and actor is not None:
        IdempotencyKey.objects.create(user=cast("User", actor), key=key, report=report, revision_number=number)


def previous_values(assignment: Assignment, unit: Unit, day: dt.date) -> dict[str, Any] | None:
    """The most recent earlier report's values for this unit (for pre-filling and zero reports)."""
    report = Report.objects.filter(assignment=assignment, unit=unit, day__lt=day).order_by("-day").first()
    return report.values if report else None


def submit_report(actor: Actor, *, assignment: Assignment, unit: Unit, day: dt.date,
                  values: dict[str, Any] | None = None, zero: bool = False, source: str = Report.Source.WEB,
                  idempotency_key: str | None = None, now: dt.datetime | None = None) -> Filing:
    """File a unit's report for a day: validated against the form version in force, marked late
    after the local deadline, rolled up at once. A second filing for the same day is refused
    (use `correct_report`), except the replay of the same Idempotency-Key, which returns the first."""
    try:
        with transaction.atomic():
            return _submit(actor, assignment, unit, day, values or {}, zero, source, idempotency_key, now)
    except IntegrityError:
        # A concurrent filing for the same day, or the same key, won the race.
        replay = _replay(actor, idempotency_key, assignment, unit, day)
        if replay is not None:
            return replay
        raise ValidationError({"day": [_("该单位当日已报送；如需更正，请提交修订并说明原因")]}) from None


def _submit(actor: Actor, assignment: Assignment, unit: Unit, day: dt.date, values: dict[str, Any], zero: bool,
            source: str, key: str | None, now: dt.datetime | None) -> Filing:
    _check_filer(actor, unit)
    replay = _replay(actor, key, assignment, unit, day)
    if replay is not None:
        return replay
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if not assignment.is_active:
        errors["assignment"] = [_("该报送任务已停用")]
    region = expected_region(assignment, unit, day)
    if region is None:
        errors["unit"] = [_("该单位不在此报送任务的范围内")]
    if not is_due(assignment, day):
        errors["day"] = [_("%(day)s 不在报送期内（%(start)s 至 %(end)s）") % {
            "day": day, "start": assignment.start_date, "end": assignment.end_date}]
    elif day > timezone.localdate(now):
        errors["day"] = [_("不能提前报送未来日期的报告")]
    if errors:
        raise ValidationError(errors)
    if Report.objects.filter(assignment=assignment, unit=unit, day=day).exists():
        # A concurrent filing with the same key may have committed since the replay above looked.
        replay = _replay(actor, key, assignment, unit, day)
        if replay is not None:
            return replay
        raise ValidationError({"day": [_("该单位当日已报送；如需更正，请提交修订并说明原因")]})
    version = assignment.form.latest_version()
    assert version is not None, "define_form always creates version 1"
    raw = dict(values)
    if zero:
        previous = previous_values(assignment, unit, day)
        raw = {**zero_values(version.definition, previous), **raw}
    clean, problems = clean_values(version.definition, raw)
    if problems:
        if zero and any(f.get("carry") and f.get("required") and clean.get(f["key"]) is None for f in version.fields):
            problems.setdefault("__all__", []).insert(0, _("没有上一次的报告可沿用，首次报送请填写完整表单"))
        raise ValidationError(problems)
    report = Report.objects.create(
        assignment=assignment, unit=unit, day=day, form_version=version, values=clean, is_zero=zero,
        is_late=now > deadline_of(assignment, day), first_filed_at=now, updated_at=now,
    )
    revision = Revision.objects.create(report=report, number=1, values=clean, is_zero=zero, source=source,
                                       filed_by=_filer(actor), filed_at=now)
    rollups.apply_change(report, version.numeric_keys(), None, clean, first_filing=True, was_zero=False,
                         region_code=region)
    _remember(actor, key, report, 1)
    audit.record_change(actor, report, None, unit=unit)
    return Filing(report, revision, created=True)


def correct_report(actor: Actor, report: Report, *, values: dict[str, Any], reason: str,
                   source: str = Report.Source.WEB, idempotency_key: str | None = None,
                   expected_revision: int | None = None, now: dt.datetime | None = None) -> Filing:
    """A new revision of a filed report (who, when, why); everyone then sees the corrected figures.

    Race-safe: corrections of one report are serialised on its row (SELECT … FOR UPDATE on
    PostgreSQL; SQLite has one writer at a time), and the Idempotency-Key is looked up again once
    the row is locked, so of simultaneous retries with one key exactly one writes and the others
    replay it. `expected_revision` (the revision the clerk was looking at) makes a correction of a
    report someone else has corrected since a `Conflict` (409) instead of silently overwriting it."""
    try:
        with transaction.atomic():
            return _correct(actor, report, values, reason, source, idempotency_key, expected_revision, now)
    except IntegrityError:
        # The same key stored by a concurrent correction that the row lock did not serialise.
        replay = _replay(actor, idempotency_key, report.assignment, report.unit, report.day)
        if replay is not None:
            return replay
        raise Conflict(_("该报告刚被他人更正，请刷新后再提交。")) from None


def _correct(actor: Actor, report: Report, values: dict[str, Any], reason: str, source: str, key: str | None,
             expected_revision: int | None, now: dt.datetime | None) -> Filing:
    _check_filer(actor, report.unit)
    if not reason or not reason.strip():
        raise ValidationError({"reason": [_("更正报告须说明原因")]})
    locked = Report.objects.select_for_update().select_related("unit", "form_version").get(pk=report.pk)
    replay = _replay(actor, key, locked.assignment, locked.unit, locked.day)  # after the lock: see the winner's
    if replay is not None:
        return replay
    if expected_revision is not None and expected_revision != locked.revision_count:
        raise Conflict(_("该报告已被他人更正（现为第 %(n)s 次修订），请刷新查看最新数据后再提交。")
                       % {"n": locked.revision_count})
    clean, problems = clean_values(locked.form_version.definition, values)
    if problems:
        raise ValidationError(problems)
    now = now or timezone.now()
    before = audit.snapshot(locked)
    old_values, was_zero = locked.values, locked.is_zero
    locked.values, locked.is_zero = clean, False
    locked.revision_count += 1
    locked.updated_at = now
    locked.save()
    revision = Revision.objects.create(report=locked, number=locked.revision_count, values=clean, is_zero=False,
                                       reason=reason.strip()[:200], source=source, filed_by=_filer(actor),
                                       filed_at=now)
    rollups.apply_change(locked, locked.form_version.numeric_keys(), old_values, clean, first_filing=False,
                         was_zero=was_zero)
    _remember(actor, key, locked, revision.number)
    audit.record_change(actor, locked, before, unit=locked.unit)
    return Filing(locked, revision, created=True)


# --- reminders ---------------------------------------------------------------------------------

def reminder_window() -> dt.timedelta:
    """How long a unit's 催报 for one assignment and day is not repeated: the system setting
    `reports.reminder_dedupe_minutes` (30 minutes unless the system administrator changed it)."""
    return dt.timedelta(minutes=system_settings.get("reports.reminder_dedupe_minutes"))


@dataclass(frozen=True)
class Reminding:
    """What one 催报 did: the units reminded now, and those skipped because they were reminded
    less than `reminder_window()` ago (with the latest of those earlier reminders)."""

    reminded: list[Unit]
    skipped: list[Unit]
    last_at: dt.datetime | None


def check_remind_day(assignment: Assignment, day: dt.date, today: dt.date | None = None) -> None:
    """Refuse (ValidationError on `day`) a reminder for a day after today or outside the assignment's period."""
    today = today or local_today()
    if day > today:
        raise ValidationError({"day": [_("不能为将来的日期（%(day)s）催报") % {"day": day.isoformat()}]})
    if not (assignment.start_date <= day <= assignment.end_date):
        raise ValidationError({"day": [_("%(day)s 不在该任务的报送期内（%(start)s 至 %(end)s），不能催报") % {
            "day": day.isoformat(), "start": assignment.start_date.isoformat(),
            "end": assignment.end_date.isoformat()}]})


@transaction.atomic
def remind_missing(actor: Actor, *, assignment: Assignment, region: Region, day: dt.date,
                   now: dt.datetime | None = None) -> Reminding:
    """催报: notify the staff of every unit in `region` that has not filed for `day`, one message per
    unit naming it; each reminder is recorded (`Reminder`) and audited.

    Refused for a day after today or outside the assignment's period (ValidationError on `day`).
    A unit reminded for the same assignment and day less than `reminder_window()` ago is
    skipped, not reminded twice: reminders of one assignment are serialised on its row
    (SELECT … FOR UPDATE on PostgreSQL; SQLite has one writer at a time), so a double click or two
    officers at once cannot both send. The officer must be able to file for the region.
    """
    from tongxin.core.notify import notify
    from tongxin.reports.models import Reminder
    from tongxin.reports.queries import last_reminders, missing_units
    from tongxin.units.queries import staff_by_unit

    if actor is not None:
        s = scope.scope_of(actor)
        if not s.covers_region(region.code):
            raise Http404(_("找不到该记录，或您无权查看"))
        if not s.covers_region(region.code, mode=scope.FILE):
            raise PermissionDenied(_("只有民政部门的业务人员可以催报"))
    now = now or timezone.now()
    check_remind_day(assignment, day, timezone.localdate(now))
    Assignment.objects.select_for_update().filter(pk=assignment.pk).exists()  # serialise this assignment's 催报
    units = list(missing_units(assignment, region, day))
    last = last_reminders(assignment, day, units)
    recent = {pk for pk, at in last.items() if at > now - reminder_window()}
    fresh = [u for u in units if u.pk not in recent]
    skipped = [u for u in units if u.pk in recent]
    last_at = max((last[u.pk] for u in skipped), default=None)
    if not fresh:
        return Reminding([], skipped, last_at)
    staff = staff_by_unit(fresh)
    for unit in fresh:
        if staff.get(unit.pk):
            notify(staff[unit.pk], key="reports.reminder", at=now,
                   params={"unit": unit.name, "form": assignment.name, "day": day.isoformat()},
                   url=f"{reverse('reports:file', args=[assignment.pk, day.isoformat()])}?unit={unit.pk}")
    Reminder.objects.bulk_create([Reminder(assignment=assignment, unit=unit, day=day, sent_at=now,
                                           sent_by=cast("User | None", actor)) for unit in fresh])
    audit.record(audit.Action.REMIND, actor=actor, object_repr=f"{assignment.name} {day} {region.name}",
                 changes={"units": [u.name for u in fresh], "skipped": [u.name for u in skipped]})
    return Reminding(fresh, skipped, last_at)


# --- a problem in a report onto the ledger ------------------------------------------------------

PROBLEMS_FIELD = "problems_found"


def problems_in(report: Report) -> str:
    """What the report says under 发现的问题 ("" when the form has no such field or it is empty)."""
    return str(report.values.get(PROBLEMS_FIELD) or "").strip()


def may_raise_entry(actor: Actor, report: Report) -> bool:
    """An officer of a bureau above the report's unit (filing rights by region: not the unit's own staff)."""
    return actor is not None and scope.scope_of(actor).covers_region(report.unit.region_id, mode=scope.FILE)


def raise_entry(actor: Actor, report: Report, *, category: str, severity: str, deadline: dt.date, description: str,
                required_measure: str = "", responsible_person: str = "", responsible_phone: str = "",
                again: bool = False, now: dt.datetime | None = None) -> LedgerEntry:
    """挂账 from a daily report: a problem the report names under 发现的问题 goes onto the ledger as an
    entry whose source is this report (found on the report's day; the unit's contact the responsible
    person unless one is named), in one audited transaction.

    Only an officer of a bureau above the unit may do it (404 if the report is out of sight, 403
    otherwise); the report must name a problem. A report may name several problems, so raising
    again is allowed, but only when asked for explicitly (`again`): otherwise it is refused, naming
    the entries already raised, so a double click never makes a second entry.
    """
    with transaction.atomic():
        locked = Report.objects.select_for_update().select_related("unit").get(pk=report.pk)
        scope.require(actor, locked.unit, scope.READ, "")
        if actor is not None and not may_raise_entry(actor, locked):  # None: the system itself (the demo)
            raise PermissionDenied(_("只有主管民政部门的业务人员可以将报告中的问题登记到台账"))
        if not problems_in(locked):
            raise ValidationError({PROBLEMS_FIELD: [_("该报告没有填写发现的问题")]})
        earlier = list(ledger_queries.raised_by_any(ledger_sources.DAILY_REPORT, locked.pk)
                       .values_list("number", flat=True))
        if earlier and not again:
            refusal = _("已从该报告登记过问题：%(numbers)s。如确属另一问题，请勾选“另登记一条”。")
            raise ValidationError({"again": [refusal % {"numbers": "、".join(earlier)}]})
        return ledger_services.open_entry(
            actor, unit=locked.unit, source=ledger_sources.DAILY_REPORT, source_id=locked.pk, category=category,
            severity=severity, description=description, deadline=deadline, required_measure=required_measure,
            responsible_person=responsible_person or locked.unit.contact_person,
            responsible_phone=responsible_phone or locked.unit.phone, found_on=locked.day,
            now=now)

