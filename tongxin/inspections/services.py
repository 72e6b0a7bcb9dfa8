"""Every write of inspections: checklists, campaigns, teams, inspections and their findings.

An inspection is answered item by item while it is a draft; a failed item becomes a finding at
once, which the inspector may edit, merge with another or drop; finishing the inspection turns
every remaining finding into a ledger entry (through ledger.services) in the same transaction —
or, for a problem fixed on the spot with evidence, into an entry closed at once (立查立改).
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final, cast

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from tongxin.accounts.models import User
from tongxin.core import audit
from tongxin.core.models import Attachment
from tongxin.core.notify import notify
from tongxin.core.types import Actor
from tongxin.core.validators import check_length
from tongxin.core.versioning import define_version
from tongxin.core.workflow import INITIAL, Workflow, step
from tongxin.inspections import ledger_sources
from tongxin.inspections.definition import judge, validate_definition
from tongxin.inspections.models import (
    Answer,
    Campaign,
    ChecklistTemplate,
    ChecklistVersion,
    Finding,
    Inspection,
    Team,
)
from tongxin.ledger import services as ledger
from tongxin.ledger import sources
from tongxin.ledger.models import LedgerEntry, Severity
from tongxin.regions.models import Region
from tongxin.units import scope
from tongxin.units.models import Kind, Unit

# Days to put it right, by severity, unless the inspector sets a deadline.
DEFAULT_DAYS: dict[str, int] = {Severity.SERIOUS: 3, Severity.MAJOR: 7, Severity.GENERAL: 15}



class _Keep(enum.Enum):
    KEEP = enum.auto()


# `edit_finding`'s default for a field it leaves as it is (None is a value: no deadline, by severity).
KEEP: Final = _Keep.KEEP

MAX_NOTE = 2000  # an answer's note (说明), on the web and in the API alike
MAX_SUMMARY = 5000  # an inspection's summary (检查意见)
_FINISHED = gettext_lazy("检查已完成，不能再修改")
# An inspection is answered and its findings reviewed while it is a draft; finishing it is final.
WORKFLOW = Workflow(
    {Inspection.Status.DRAFT: gettext_lazy("检查中"), Inspection.Status.FINISHED: gettext_lazy("已完成")},
    [
        step("start", [INITIAL], Inspection.Status.DRAFT, gettext_lazy("开始检查")),
        step("answer", [Inspection.Status.DRAFT], Inspection.Status.DRAFT,
             pgettext_lazy("inspection action", "检查"), refusal=_FINISHED),
        step("review", [Inspection.Status.DRAFT], Inspection.Status.DRAFT, gettext_lazy("核对问题"),
             refusal=_FINISHED),
        step("finish", [Inspection.Status.DRAFT], Inspection.Status.FINISHED, gettext_lazy("完成检查"),
             refusal=_FINISHED),
    ],
)


def _sees(actor: Actor, unit: Unit) -> None:
    if actor is not None and not scope.scope_of(actor).covers(unit):
        raise Http404(_("找不到该记录，或您无权查看"))


@WORKFLOW.guard("start")
def _own_staff_or_team_member(actor: Actor, inspection: Inspection) -> None:
    """A self-inspection is the unit's own staff's; a supervisory one a member's of the team."""
    _sees(actor, inspection.unit)
    if actor is None:
        return
    if inspection.kind == Inspection.Kind.SELF:
        if inspection.unit.pk not in scope.scope_of(actor).units.get(scope.FILE, frozenset()):
            raise PermissionDenied(_("自查由本单位人员填写"))
    elif inspection.kind == Inspection.Kind.SUPERVISION and inspection.team is not None:
        if isinstance(actor, AnonymousUser) or not inspection.team.members.filter(pk=actor.pk).exists():
            raise PermissionDenied(_("您不是该督导组成员"))


@WORKFLOW.guard("answer", "review", "finish")
def _inspector_or_team(actor: Actor, inspection: Inspection) -> None:
    """Only the inspector and the members of the inspection's team work on it."""
    _sees(actor, inspection.unit)
    if actor is None:
        return
    allowed = not isinstance(actor, AnonymousUser) and (actor.pk == inspection.inspector_id or (
        inspection.team is not None and inspection.team.members.filter(pk=actor.pk).exists()))
    if not allowed:
        raise PermissionDenied(_("只有检查人和督导组成员可以填写本次检查"))


# --- checklists ---------------------------------------------------------------------------------

def define_checklist(actor: Actor, *, code: str, name: str, definition: Any, name_en: str = "",
                     description: str = "") -> ChecklistVersion:
    """Create a checklist or add a version; inspections keep the version they were answered on
    (core.versioning.define_version; a checklist keeps the name it was first defined with)."""
    if actor is not None and not scope.has_role(actor, *scope.BUREAU_OFFICERS):
        raise PermissionDenied(_("只有管理员和业务人员可以定义检查表"))
    # The version model of ChecklistTemplate is ChecklistVersion; define_version names only their base.
    return cast(ChecklistVersion, define_version(
        actor, definition_model=ChecklistTemplate, code=code, name=name, definition=definition,
        validate=validate_definition,
        may_version=lambda template: scope.may_version(actor, template.first_version(),
                                                       Unit.objects.filter(campaigns__templates=template)),
        refused=_("该检查表已由其他单位使用，只有发起这些专项行动的单位的业务人员可以修改"),
        name_en=name_en, description=description, renames=False))


def load_builtin_checklists() -> list[ChecklistVersion]:
    """The checklists shipped in inspections/data/*.json; idempotent."""
    out = []
    for path in sorted((Path(__file__).resolve().parent / "data").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        out.append(define_checklist(None, code=data["code"], name=data["name"], name_en=data.get("name_en", ""),
                                    definition=data["definition"]))
    return out


# --- campaigns and teams -------------------------------------------------------------------------

def _bureau_officer(actor: Actor, bureau: Unit) -> None:
    refusal = _("只有民政部门的业务人员可以发起专项行动或组织督导")
    scope.require(actor, bureau, scope.FILE, refusal)
    if bureau.kind != Kind.BUREAU:
        raise PermissionDenied(refusal)


@transaction.atomic
def create_campaign(actor: Actor, *, name: str, issuer: Unit, region: Region, templates: Sequence[ChecklistTemplate],
                    start_date: dt.date, end_date: dt.date, self_inspection_deadline: dt.date,
                    unit_kinds: Sequence[str] = (Kind.ELDERLY_CARE,), supervision_target: int = 100,
                    description: str = "") -> Campaign:
    """专项行动 issued by a bureau to its subtree."""
    _bureau_officer(actor, issuer)
    errors: dict[str, list[str]] = {}
    if not region.code.startswith(issuer.region.prefix):
        errors["region"] = [_("范围必须在发起单位的辖区内")]
    if start_date > end_date:
        errors["end_date"] = [_("结束日期不能早于开始日期")]
    if not (start_date <= self_inspection_deadline <= end_date):
        errors["self_inspection_deadline"] = [_("自查截止日期应在行动期间内")]
    if not 0 <= supervision_target <= 100:
        errors["supervision_target"] = [_("督导覆盖目标应在 0–100 之间")]
    if not templates:
        errors["templates"] = [_("请至少选择一张检查表")]
    bad = [k for k in unit_kinds if k not in Kind.values or k == Kind.BUREAU]
    if bad:
        errors["unit_kinds"] = [_("未知的单位类型：%(kinds)s") % {"kinds": "、".join(bad)}]
    if errors:
        raise ValidationError(errors)
    campaign = Campaign.objects.create(
        name=name.strip(), issuer=issuer, region=region, unit_kinds=list(unit_kinds), start_date=start_date,
        end_date=end_date, self_inspection_deadline=self_inspection_deadline,
        supervision_target=supervision_target, description=description)
    campaign.templates.set(templates)
    audit.record_change(actor, campaign, None, unit=issuer)
    return campaign


@transaction.atomic
def create_team(actor: Actor, *, name: str, bureau: Unit, start_date: dt.date, end_date: dt.date,
                members: Sequence[User] = (), outside_members: str = "", campaign: Campaign | None = None) -> Team:
    """督导组 led by a bureau; members may come from several bodies (outsiders by name).

    Each member with an account, other than its creator, is told once the team is saved."""
    _bureau_officer(actor, bureau)
    if start_date > end_date:
        raise ValidationError({"end_date": [_("结束日期不能早于开始日期")]})
    team = Team.objects.create(name=name.strip(), bureau=bureau, campaign=campaign, start_date=start_date,
                               end_date=end_date, outside_members=outside_members.strip())
    # _bureau_officer let through only the system (None) or a signed-in officer, one of our Users.
    team.members.set([*members, *([cast(User, actor)] if actor is not None else [])])
    audit.record_change(actor, team, None, unit=bureau)
    told = [m for m in team.members.filter(is_active=True).order_by("pk") if actor is None or m.pk != actor.pk]
    if told:
        notify(told, key="inspections.team", url=f"{reverse('inspections:list')}#my-teams",
               params={"team": team.name, "bureau": bureau.name, "start": start_date, "end": end_date})
    return team


# --- inspections ---------------------------------------------------------------------------------

@transaction.atomic
def start_inspection(actor: Actor, *, unit: Unit, version: ChecklistVersion, kind: str, day: dt.date | None = None,
                     campaign: Campaign | None = None, team: Team | None = None,
                     now: dt.datetime | None = None) -> Inspection:
    """Begin a self-inspection (the unit's own staff) or a supervisory one (a team member, inside the team's area)."""
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    WORKFLOW.take(actor, Inspection(unit=unit, kind=kind, team=team, status=INITIAL), "start")
    errors: dict[str, list[str]] = {}
    if kind == Inspection.Kind.SUPERVISION:
        if team is None:
            errors["team"] = [_("督导检查须选择督导组")]
        else:
            if not unit.region_id.startswith(team.bureau.region.prefix):
                errors["unit"] = [_("该单位不在督导组的检查范围内")]
            if not (team.start_date <= day <= team.end_date):
                errors["day"] = [_("检查日期不在督导组的工作日期内")]
    elif kind != Inspection.Kind.SELF:
        errors["kind"] = [_("未知的检查类型")]
    if campaign is not None:
        if not unit.region_id.startswith(campaign.region.prefix):
            errors["unit"] = [_("该单位不在专项行动范围内")]
        if not campaign.templates.filter(pk=version.template_id).exists():
            errors["version"] = [_("该检查表不属于此专项行动")]
    if errors:
        raise ValidationError(errors)
    # The guard let through only the system (None) or a signed-in user, one of our Users.
    inspection = Inspection.objects.create(kind=kind, unit=unit, version=version, campaign=campaign, team=team,
                                           inspector=cast(User, actor), day=day, started_at=now)
    audit.record_change(actor, inspection, None, unit=unit)
    return inspection


def _editable(actor: Actor, inspection: Inspection, name: str) -> Inspection:
    """The inspection, locked, once WORKFLOW lets `actor` take step `name` on it."""
    locked = (Inspection.objects.select_for_update(of=("self",)).select_related("unit", "version", "team")
              .get(pk=inspection.pk))
    WORKFLOW.take(actor, locked, name)
    return locked


@transaction.atomic
def answer(actor: Actor, inspection: Inspection, *, item_key: str, result: str = "", value: str = "", note: str = "",
           attachments: Sequence[Attachment] = (), now: dt.datetime | None = None) -> Answer:
    """Record one item's answer; a failure opens (or keeps) a finding for it, a pass removes it."""
    locked = _editable(actor, inspection, "answer")
    item = locked.version.item(item_key)
    if item is None:
        raise ValidationError({"item_key": [_("检查表中没有这一项")]})
    check_length("note", note, MAX_NOTE)
    existing = Answer.objects.filter(inspection=locked, item_key=item_key).first()
    before = audit.snapshot(existing) if existing is not None else None
    has_photo = bool(attachments) or (existing is not None and existing.attachments.exists())
    verdict, problems = judge(item, result, value, has_photo)
    if problems:
        raise ValidationError({item_key: problems})
    row, _created = Answer.objects.update_or_create(
        inspection=locked, item_key=item_key,
        defaults={"result": verdict, "value": str(value)[:500], "note": note.strip(),
                  "answered_at": now or timezone.now()})
    if attachments:
        row.attachments.add(*attachments)
    _sync_finding(locked, item, verdict, note, value)
    audit.record_change(actor, row, before, unit=locked.unit)
    return row


def _sync_finding(inspection: Inspection, item: dict[str, Any], verdict: str, note: str, value: str = "") -> None:
    findings = [f for f in inspection.findings.all() if item["key"] in f.item_keys]
    if verdict == "fail":
        if not findings:
            details = [_("实际 %(value)s") % {"value": value} if item["type"] == "number" else "", note.strip()]
            detail = "，".join(d for d in details if d)
            description = item.get("text", "") + (f"：{detail}" if detail else "")
            Finding.objects.create(inspection=inspection, item_keys=[item["key"]], description=description,
                                   severity=item.get("severity", Severity.GENERAL),
                                   category=item.get("category", "other"),
                                   required_measure=item.get("measure", ""))
        return
    for finding in findings:
        keys = [k for k in finding.item_keys if k != item["key"]]
        if keys:
            finding.item_keys = keys
            finding.save(update_fields=["item_keys"])
        else:
            finding.delete()


@transaction.atomic
def edit_finding(actor: Actor, finding: Finding, *, description: str | _Keep = KEEP, severity: str | _Keep = KEEP,
                 category: str | _Keep = KEEP, required_measure: str | _Keep = KEEP,
                 deadline: dt.date | None | _Keep = KEEP, fixed_on_spot: bool | _Keep = KEEP,
                 dropped: bool | _Keep = KEEP, attachments: Sequence[Attachment] | None = None) -> Finding:
    """Change a finding's wording, severity, category, measure, deadline (None: by severity), whether
    it is fixed on the spot or dropped, or add on-the-spot evidence; a field not given stays."""
    _editable(actor, finding.inspection, "review")
    values: dict[str, object] = {
        "description": description, "severity": severity, "category": category,
        "required_measure": required_measure, "deadline": deadline, "fixed_on_spot": fixed_on_spot,
        "dropped": dropped}
    before = audit.snapshot(finding)
    for key, value in values.items():
        if value is not KEEP:
            setattr(finding, key, value)
    if finding.severity not in Severity.values:
        raise ValidationError({"severity": [_("请选择有效的选项")]})
    if finding.deadline is not None and finding.deadline < finding.inspection.day:
        raise ValidationError({"deadline": [_("整改时限不能早于发现日期")]})
    finding.save()
    if attachments:
        finding.attachments.add(*attachments)
    audit.record_change(actor, finding, before, unit=finding.inspection.unit)
    return finding


@transaction.atomic
def merge_findings(actor: Actor, keep: Finding, others: Sequence[Finding]) -> Finding:
    """Fold duplicate findings into one: their items join it, their descriptions are appended."""
    _editable(actor, keep.inspection, "review")
    for other in others:
        if other.pk == keep.pk or other.inspection_id != keep.inspection_id:
            raise ValidationError({"findings": [_("只能合并同一次检查中的其他问题")]})
        keep.item_keys = list(dict.fromkeys([*keep.item_keys, *other.item_keys]))
        keep.description = f"{keep.description}；{other.description}"
        other.merged_into = keep
        other.save(update_fields=["merged_into"])
    before = audit.snapshot(Finding.objects.get(pk=keep.pk))
    keep.save()
    audit.record_change(actor, keep, before, unit=keep.inspection.unit)
    return keep


@transaction.atomic
def finish_inspection(actor: Actor, inspection: Inspection, *, summary: str = "",
                      now: dt.datetime | None = None) -> list[LedgerEntry]:
    """Close the inspection: every item must be answered; remaining findings go onto the ledger."""
    locked = _editable(actor, inspection, "finish")
    check_length("summary", summary.strip(), MAX_SUMMARY)
    now = now or timezone.now()
    answered = set(locked.answers.values_list("item_key", flat=True))
    missing = [i["text"] for i in locked.version.items() if i["key"] not in answered]
    if missing:
        raise ValidationError({"answers": [_("还有 %(n)s 项未检查：%(items)s") % {
            "n": len(missing), "items": "；".join(missing[:5])}]})
    source = ledger_sources.source_kind(locked)
    entries = []
    for finding in locked.findings.filter(dropped=False, merged_into__isnull=True).order_by("id"):
        context_kind = sources.CAMPAIGN if locked.campaign_id else ""
        found = [a for ans in locked.answers.filter(item_key__in=finding.item_keys) for a in ans.attachments.all()]
        if finding.fixed_on_spot:
            # The photo of the problem and the photo of the fix both go with the entry.
            entry = ledger.fix_on_spot(
                actor, attachments=[*found, *finding.attachments.all()], deadline=locked.day, unit=locked.unit,
                source=source, category=finding.category, severity=finding.severity,
                description=finding.description, required_measure=finding.required_measure,
                responsible_person=locked.unit.contact_person, responsible_phone=locked.unit.phone,
                found_on=locked.day, source_id=locked.pk, now=now, context_kind=context_kind,
                context_id=locked.campaign_id)
        else:
            deadline = finding.deadline or locked.day + dt.timedelta(days=DEFAULT_DAYS.get(finding.severity, 7))
            entry = ledger.open_entry(
                actor, deadline=deadline, attachments=found, unit=locked.unit, source=source,
                category=finding.category, severity=finding.severity, description=finding.description,
                required_measure=finding.required_measure, responsible_person=locked.unit.contact_person,
                responsible_phone=locked.unit.phone, found_on=locked.day, source_id=locked.pk, now=now,
                context_kind=context_kind, context_id=locked.campaign_id)
        finding.entry = entry
        finding.save(update_fields=["entry"])
        entries.append(entry)
    before = audit.snapshot(locked)
    locked.status, locked.finished_at, locked.summary = Inspection.Status.FINISHED, now, summary.strip()
    locked.save()
    audit.record_change(actor, locked, before, unit=locked.unit)
    return entries
