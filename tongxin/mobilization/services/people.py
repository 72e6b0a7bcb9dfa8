"""Every write of the people part: social workers and volunteers of an organisation.

- `register` / `update`: a full record, checked field by field (a name of at most 50 characters; a
  mainland MOBILE number, not a landline; an ID number with its check digit, which also gives the
  birth date the age gate reads; skills from `Skill` only; an insurance period in order, with its
  policy number) for a unit that is not of the category OUTSIDE, by its staff or a bureau above it
  (FILE). Every refusal is a ValidationError {field: [message]} naming the field; nothing is saved.
- `walk_up`: registered on the spot with a name and a mobile only (`is_walk_up`), merged later.
- `merge`: a walk-up into a full record of the same unit: its assignments and draft service records
  move to `into`; its final records are carried over by corrections (a final record is never
  edited); it keeps pointing there (`merged_into`) and leaves the roster (`is_active` False).
  Refused when a moved active assignment overlaps one of `into`'s (the double-booking gate) or
  when a certificate of the walk-up is still valid.
- `self_register`: a person registers on their own (the public page) in a region, with no unit, and
  waits in the region's pool until an organisation there takes them on (`take_on`).
- `import_roster`: a roster from Excel through the shared pipeline (mobilization.excel_people).
Every write is atomic and audited (core.audit; the numbers are masked in the trail by the model's
`personal_fields`), and each person gets their own link key (`checkin_key`).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Iterable
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum.cn import ric

from tongxin.accounts.actors import user_of
from tongxin.core import audit, notify
from tongxin.core.outbound.sms import mobile_number
from tongxin.core.types import Actor
from tongxin.core.validators import check_length, normalize_id_number, normalize_phone
from tongxin.core.xlsx import ImportResult
from tongxin.mobilization.models import (
    Assignment,
    AssignmentStatus,
    Certificate,
    Person,
    PersonKind,
    RecordStatus,
    ServiceRecord,
    Skill,
)
from tongxin.mobilization.models.people import NAME_MAX, TEXT_MAX
from tongxin.mobilization.queries.people import contact_key, may_have_people
from tongxin.regions.models import Region
from tongxin.units import scope
from tongxin.units.models import Unit

log = logging.getLogger(__name__)
POLICY_MAX = 50
MERGE_REASON = gettext_lazy("现场登记人员合并至正式档案")
TAKEN_ON_KEY = "mobilization.person.taken_on"
FIELDS = ("kind", "name", "mobile", "id_number", "skills", "certificates", "availability", "insurance_policy",
          "insurance_from", "insurance_until")


def _refusal() -> str:
    return _("您的角色不能登记或修改该组织的人员")



def register_messages() -> None:
    """The notification kinds of this part (called from apps.py; `register` is the contract's write)."""
    notify.register(TAKEN_ON_KEY, title=gettext_lazy("%(unit)s已将您登记为%(kind)s"),
                    body=gettext_lazy("您在同心平台自助登记的信息已由%(unit)s接收，后续排班将通过短信通知您。"),
                    label=gettext_lazy("人员接收"))


# --- checks ------------------------------------------------------------------------------------------

def clean_mobile(raw: Any) -> str:
    """An 11-digit mainland mobile number, or ValidationError (a malformed number, or a landline)."""
    text = str(raw or "").strip()
    if not text:
        raise ValidationError(_("请填写手机号码"), code="required")
    try:
        normalize_phone(text)
    except ValidationError:
        raise ValidationError(_("手机号码格式不正确：请填写 11 位手机号码，如 13907441234"),
                              code="phone_format") from None
    mobile = mobile_number(text)
    if not mobile:
        raise ValidationError(_("请填写手机号码，不能是固定电话（用于接收排班短信）"), code="phone_landline")
    return mobile


def _check_unit(unit: Unit, errors: dict[str, list[str]]) -> None:
    """The one rule of queries.people.may_have_people (social organisations and institutions)."""
    if not may_have_people(unit):
        errors.setdefault("unit", []).append(
            _("“%(unit)s”不是社会组织或民政服务机构，不能登记人员") % {"unit": unit.name})
    elif not unit.is_active:
        errors.setdefault("unit", []).append(_("“%(unit)s”已停用，不能登记人员") % {"unit": unit.name})


def _text(values: dict[str, Any], key: str, limit: int, label: str, errors: dict[str, list[str]]) -> str:
    """The text of `key`, stripped; too long, the project's one message (core.validators.check_length)
    at the field, which names the field itself (`label` is kept for the callers' readability)."""
    text = str(values.get(key) or "").strip()
    try:
        check_length(key, text, limit)
    except ValidationError as exc:
        for field, found in exc.message_dict.items():
            errors.setdefault(field, []).extend(found)
    return text


def _date(values: dict[str, Any], key: str, label: str, errors: dict[str, list[str]]) -> dt.date | None:
    raw = values.get(key)
    if raw in (None, ""):
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw).strip())
    except ValueError:
        errors.setdefault(key, []).append(_("%(field)s格式不正确：请填写如 2021-07-30") % {"field": label})
        return None


def clean(values: dict[str, Any], *, walk_up: bool = False) -> dict[str, Any]:
    """The person's fields checked and normalised (see the module docstring); ValidationError with
    every problem at once, each at its field."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    kind = values.get("kind") or PersonKind.VOLUNTEER
    if kind not in PersonKind.values:
        errors["kind"] = [_("人员类别应为“社工”或“志愿者”")]
    out["kind"] = kind
    name = _text(values, "name", NAME_MAX, _("姓名"), errors)
    if not name and "name" not in errors:
        errors["name"] = [_("请填写姓名")]
    out["name"] = name
    try:
        out["mobile"] = clean_mobile(values.get("mobile"))
    except ValidationError as exc:
        errors["mobile"] = exc.messages
    if walk_up:
        if errors:
            raise ValidationError(errors)
        return out
    id_number = str(values.get("id_number") or "").strip()
    out["id_number"], out["birth_date"] = "", None
    if id_number:
        try:
            out["id_number"] = normalize_id_number(id_number)
            out["birth_date"] = ric.get_birth_date(out["id_number"])
        except ValidationError as exc:
            errors["id_number"] = exc.messages
    skills = values.get("skills") or ()
    if isinstance(skills, str):
        skills = [s for s in skills.replace("，", ",").split(",") if s.strip()]
    unknown = [str(s) for s in skills if str(s).strip() not in Skill.values]
    if unknown:
        errors["skills"] = [_("未知的技能：%(skills)s") % {"skills": "、".join(unknown[:5])}]
    out["skills"] = list(dict.fromkeys(str(s).strip() for s in skills if str(s).strip() in Skill.values))
    out["certificates"] = _text(values, "certificates", TEXT_MAX, _("资格证书"), errors)
    out["availability"] = _text(values, "availability", TEXT_MAX, _("可服务时间"), errors)
    out["insurance_policy"] = _text(values, "insurance_policy", POLICY_MAX, _("意外险保单号"), errors)
    start = _date(values, "insurance_from", _("保险起期"), errors)
    until = _date(values, "insurance_until", _("保险止期"), errors)
    out["insurance_from"], out["insurance_until"] = start, until
    if start and until and until < start:
        errors.setdefault("insurance_until", []).append(_("保险止期不能早于保险起期"))
    if (start or until) and not out["insurance_policy"] and "insurance_policy" not in errors:
        errors["insurance_policy"] = [_("填写了保险期间，请同时填写意外险保单号")]
    if out["insurance_policy"] and not (start and until) and not errors.get("insurance_from") \
            and not errors.get("insurance_until"):
        errors.setdefault("insurance_until" if start else "insurance_from", []).append(
            _("填写了意外险保单号，请同时填写保险起期和止期"))
    if errors:
        raise ValidationError(errors)
    return out


def _no_duplicate_id(unit: Unit | None, id_number: str, *, region_code: str = "", exclude: int | None = None) -> None:
    if not id_number:
        return
    others = Person.objects.filter(id_number=id_number, merged_into__isnull=True, is_active=True)
    others = others.filter(unit=unit) if unit is not None else others.filter(unit__isnull=True,
                                                                              region_code=region_code)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.exists():
        raise ValidationError({"id_number": [
            _("该身份证号码已登记过（%(where)s）") % {"where": unit.name if unit else _("自助登记")}]})


def in_pool_of(region_code: str, unit: Unit) -> bool:
    """Whether a person who registered in `region_code` is in the pool of `unit`: the region is the
    unit's, below it, or above it (someone who gave only their city may join any county's group)."""
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        return False
    return region_code.startswith(unit.region.prefix) or unit.region_id.startswith(region.prefix)


def _key() -> str:
    return secrets.token_urlsafe(32)


def _require_person(actor: Actor, person: Person) -> None:
    """FILE on the person's unit; a self-registered person (no unit) only by a bureau over their region."""
    if person.unit is not None:
        scope.require(actor, person.unit, scope.FILE, _refusal())
        return
    if actor is None:
        return
    s = scope.scope_of(actor)
    if not s.covers_region(person.region_code):
        raise Http404(_("找不到该记录，或您无权查看"))
    if not s.covers_region(person.region_code, mode=scope.FILE):
        raise PermissionDenied(_refusal())


# --- writes ------------------------------------------------------------------------------------------

@transaction.atomic
def register(actor: Actor, unit: Unit, *, kind: str, name: str, mobile: str, id_number: str = "",
             skills: Iterable[str] = (), certificates: str = "", availability: str = "", insurance_policy: str = "",
             insurance_from: dt.date | None = None, insurance_until: dt.date | None = None) -> Person:
    """A person of `unit` (a social organisation or a civil-affairs unit, not OUTSIDE): every field
    checked, audited; the person's own link key generated."""
    scope.require(actor, unit, scope.FILE, _refusal())
    errors: dict[str, list[str]] = {}
    _check_unit(unit, errors)
    try:
        values = clean({"kind": kind, "name": name, "mobile": mobile, "id_number": id_number,
                        "skills": list(skills), "certificates": certificates, "availability": availability,
                        "insurance_policy": insurance_policy, "insurance_from": insurance_from,
                        "insurance_until": insurance_until})
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    _no_duplicate_id(unit, values["id_number"])
    person = Person.objects.create(unit=unit, region_code=unit.region_id, checkin_key=_key(),
                                   created_by=user_of(actor),
                                   **values)
    audit.record_change(actor, person, None, unit=unit)
    return person


@transaction.atomic
def update(actor: Actor, person: Person, **fields: Any) -> Person:
    """Change some of a person's fields (FIELDS), checked as `register` checks them; audited with
    before and after. A merged or walk-up record is changed only by merging it; a walk-up may be
    completed here (filling the rest turns it into a full record)."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"update() got unknown fields: {sorted(unknown)}")
    person = Person.objects.select_for_update(of=("self",)).select_related("unit").get(pk=person.pk)
    _require_person(actor, person)
    if person.merged_into_id is not None or not person.is_active:
        raise ValidationError({"__all__": [_("该人员已合并或已离册，不能修改")]})
    before = audit.snapshot(person)
    current = {f: getattr(person, f) for f in FIELDS}
    current.update(fields)
    keep_id = "id_number" not in fields  # an ID number kept as it was is not checked again
    if keep_id:
        current["id_number"] = ""
    values = clean(current)
    if keep_id:
        values["id_number"], values["birth_date"] = person.id_number, person.birth_date
    _no_duplicate_id(person.unit, values["id_number"], region_code=person.region_code, exclude=person.pk)
    for key, value in values.items():
        setattr(person, key, value)
    if fields and person.is_walk_up and values["id_number"]:
        person.is_walk_up = False  # completed by hand: it is now a full record
    person.save()
    audit.record_change(actor, person, before, unit=person.unit)
    return person


@transaction.atomic
def walk_up(actor: Actor, unit: Unit, *, name: str, mobile: str, kind: str = PersonKind.VOLUNTEER) -> Person:
    """A walk-up person registered on the spot with a name and a mobile (merge them later)."""
    scope.require(actor, unit, scope.FILE, _refusal())
    errors: dict[str, list[str]] = {}
    _check_unit(unit, errors)
    try:
        values = clean({"kind": kind, "name": name, "mobile": mobile}, walk_up=True)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    person = Person.objects.create(unit=unit, region_code=unit.region_id, checkin_key=_key(), is_walk_up=True,
                                   created_by=user_of(actor),
                                   **values)
    audit.record_change(actor, person, None, unit=unit)
    return person


def _clash(moving: list[Assignment], into: Person) -> None:
    """An active assignment of `into` overlapping one of the active ones moving to it (the posts
    part's double-booking query, so merging cannot get round the gate `assign` keeps)."""
    from tongxin.mobilization.queries.posts import overlapping, time_words

    for a in moving:
        if a.status != AssignmentStatus.ACTIVE:
            continue
        busy = overlapping([into.pk], a.starts_at, a.ends_at).get(into.pk, [])
        if busy:
            b = busy[0]
            raise ValidationError({"into": [_(
                "合并后会重复排班：现场登记人员在“%(post)s”（%(time)s）的安排与%(name)s在“%(other)s”"
                "（%(other_time)s）的安排时间重叠，请先取消其中一个安排") % {
                "post": a.shift.post.name, "time": time_words(a.starts_at, a.ends_at), "name": into.name,
                "other": b.shift.post.name, "other_time": time_words(b.starts_at, b.ends_at)}]})


def _carry_over(actor: Actor, record: ServiceRecord, into: Person, at: dt.datetime) -> ServiceRecord:
    """A FINAL record of the walk-up carried over to `into` by a correction: the old one turns
    SUPERSEDED and stays, a new FINAL one for `into` corrects it. services.records.correct cannot
    change the person (its signature has no `person`), so the new record is written here in the
    shape `correct` writes."""
    before = audit.snapshot(record)
    record.status = RecordStatus.SUPERSEDED
    record.save(update_fields=["status"])
    audit.record_change(actor, record, before, unit=record.unit)
    user = user_of(actor)
    new = ServiceRecord.objects.create(
        person=into, unit=record.unit, activity=record.activity, day=record.day, place=record.place,
        content=record.content, hours=record.hours, person_in_charge=record.person_in_charge,
        attendance=record.attendance, status=RecordStatus.FINAL,
        due_by=record.due_by, reviewed_by=user, reviewed_at=at, corrects=record,
        correction_reason=str(MERGE_REASON), created_by=user)
    audit.record_change(actor, new, None, unit=record.unit)
    return new


@transaction.atomic
def merge(actor: Actor, walk_up: Person, into: Person, *, at: dt.datetime | None = None) -> Person:
    """Merge the walk-up record `walk_up` into the full record `into` of the same unit: its
    assignments and draft service records now belong to `into`, its final records are carried over
    by corrections (`_carry_over`); `walk_up` points at `into` and leaves the roster. Refused
    (nothing changed) when an active assignment moving overlaps an active one of `into`, or when
    the walk-up has a certificate not revoked (it names the walk-up's records). Returns `into`."""
    from django.utils import timezone

    from tongxin.mobilization.services import rollup

    now = at or timezone.now()
    locked = {p.pk: p for p in Person.objects.select_for_update(of=("self",)).select_related("unit").filter(
        pk__in=[walk_up.pk, into.pk])}
    walk_up, into = locked.get(walk_up.pk, walk_up), locked.get(into.pk, into)
    if walk_up.unit is not None:
        scope.require(actor, walk_up.unit, scope.FILE, _refusal())
    if into.unit is not None and into.unit_id != walk_up.unit_id:
        scope.require(actor, into.unit, scope.READ, _refusal())
    if not walk_up.is_walk_up or walk_up.merged_into_id is not None or not walk_up.is_active:
        raise ValidationError({"walk_up": [_("只能合并尚未合并的现场登记人员")]})
    if into.pk == walk_up.pk:
        raise ValidationError({"into": [_("不能合并到自己")]})
    if into.unit_id != walk_up.unit_id:
        raise ValidationError({"into": [_("只能合并到同一组织的人员")]})
    if into.is_walk_up or into.merged_into_id is not None or not into.is_active:
        raise ValidationError({"into": [_("请选择一条在册的完整人员记录")]})
    if Certificate.objects.filter(person=walk_up, revoked_at__isnull=True).exists():
        raise ValidationError({"walk_up": [_("该现场登记人员已有服务记录证明：请先作废该人员的服务记录证明")]})
    moving = list(Assignment.objects.select_related("shift__post").filter(person=walk_up).order_by("starts_at", "pk"))
    _clash(moving, into)
    keys = set()
    for a in moving:
        before = audit.snapshot(a, ["person"])
        a.person = into
        a.save(update_fields=["person"])
        audit.record(audit.Action.UPDATE, actor=actor, obj=a, unit=walk_up.unit,
                     changes=audit.diff(before, audit.snapshot(a, ["person"])))
        keys.add((a.shift.post.unit_id, a.shift.day))
    records = list(ServiceRecord.objects.select_for_update().filter(person=walk_up).order_by("pk"))
    for r in records:
        if r.status == RecordStatus.FINAL:
            _carry_over(actor, r, into, now)
        elif r.status == RecordStatus.DRAFT:  # not final yet: it may move
            before = audit.snapshot(r, ["person"])
            r.person = into
            r.save(update_fields=["person"])
            audit.record(audit.Action.UPDATE, actor=actor, obj=r, unit=walk_up.unit,
                         changes=audit.diff(before, audit.snapshot(r, ["person"])))
        # SUPERSEDED: history, already replaced; it stays with the walk-up
    before = audit.snapshot(walk_up)
    walk_up.merged_into, walk_up.is_active = into, False
    walk_up.save(update_fields=["merged_into", "is_active", "updated_at"])
    audit.record_change(actor, walk_up, before, unit=walk_up.unit)
    for unit_id, day in sorted(keys):
        rollup.refresh(unit_id, day)
    return into


@transaction.atomic
def self_register(*, region_code: str, kind: str, name: str, mobile: str, id_number: str = "",
                  skills: Iterable[str] = (), certificates: str = "", availability: str = "",
                  insurance_policy: str = "", insurance_from: dt.date | None = None,
                  insurance_until: dt.date | None = None) -> Person:
    """A person registering on their own (the public page): no unit; they wait in the pool of
    `region_code` (a county, city or province) until an organisation there takes them on. A second
    registration of the same mobile (or ID number) in the same region changes nothing and returns
    the one already waiting, without saying so: the public page answers both alike, so it cannot be
    used to learn whether a number has registered (the duplicate is logged)."""
    errors: dict[str, list[str]] = {}
    code = str(region_code or "").strip()
    if not Region.objects.filter(code=code).exists():
        errors["region_code"] = [_("请选择所在的县（市、区）")]
    try:
        values = clean({"kind": kind, "name": name, "mobile": mobile, "id_number": id_number,
                        "skills": list(skills), "certificates": certificates, "availability": availability,
                        "insurance_policy": insurance_policy, "insurance_from": insurance_from,
                        "insurance_until": insurance_until})
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    waiting = Person.objects.filter(unit__isnull=True, region_code=code, is_active=True, merged_into__isnull=True)
    same = Q(mobile=values["mobile"]) | (Q(id_number=values["id_number"]) if values["id_number"] else Q(pk__in=[]))
    already = waiting.filter(same).order_by("pk").first()
    if already is not None:
        log.info("mobilization self-registration: a duplicate for person %s in region %s ignored", already.pk, code)
        return already
    person = Person.objects.create(unit=None, region_code=code, checkin_key=_key(), **values)
    audit.record_change(None, person, None)
    return person


@transaction.atomic
def take_on(actor: Actor, person: Person, unit: Unit) -> Person:
    """An organisation's staff take a self-registered person of their region onto `unit`; the person
    is told by SMS. Refused for someone already in an organisation or outside the unit's region."""
    scope.require(actor, unit, scope.FILE, _refusal())
    person = Person.objects.select_for_update().get(pk=person.pk)
    errors: dict[str, list[str]] = {}
    _check_unit(unit, errors)
    if errors:
        raise ValidationError(errors)
    if person.unit_id is not None or not person.is_active or person.merged_into_id is not None:
        raise ValidationError({"person": [_("该人员已由组织接收，不能再次接收")]})
    if not in_pool_of(person.region_code, unit):
        raise ValidationError({"person": [_("该人员登记的所在区划不在本组织所在地")]})
    _no_duplicate_id(unit, person.id_number)
    before = audit.snapshot(person)
    person.unit, person.region_code = unit, unit.region_id
    person.save(update_fields=["unit", "region_code", "updated_at"])
    audit.record_change(actor, person, before, unit=unit)
    notify.notify_contacts([(contact_key(person), person.mobile)], key=TAKEN_ON_KEY,
                           params={"unit": unit.name, "kind": str(PersonKind(person.kind).label)})
    return person


def import_roster(actor: Actor, unit: Unit, file: IO[bytes], *, commit: bool = True,
                  filename: str | None = None) -> ImportResult:
    """A roster of `unit` from Excel, all or nothing (see mobilization.excel_people); with
    `commit=False` the preview only (checked and saved, then rolled back)."""
    from tongxin.mobilization import excel_people

    return excel_people.import_roster(actor, unit, file, dry_run=not commit, filename=filename)
