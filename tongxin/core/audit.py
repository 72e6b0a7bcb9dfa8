"""Write the audit trail.

Service functions call `record` (or `record_change` with before/after snapshots) inside
their own transaction, so a write and its audit record commit or roll back together.
The current request, if any, supplies the IP address and client via `core.middleware`.
Reading it (`describe`) turns events into words for auditors: people and objects by name, local
time, labels instead of codes, each change as "field: old → new", a person's numbers masked.

`record_refusal` is the exception: the refusal of a file (an upload, an import) must stay on
record although the write it belonged to rolls back, so during a request it is written when
the view has returned (by `core.middleware.RequestContextMiddleware`), outside the view's
transactions; outside a request it is written at once.

Every event is filed under a region code (`region_code`), so an auditor reads only their own
bureau's subtree: core knows no units, so the units app registers the function that finds the
region (from the unit, the object, or else the actor) with `set_region_resolver`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import DatabaseError, models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from tongxin.core.middleware import current_request
from tongxin.core.models import AuditEvent
from tongxin.core.pii import IdNumberField
from tongxin.core.validators import mask_id_number, mask_phone

logger = logging.getLogger(__name__)
Action = AuditEvent.Action
RegionResolver = Callable[[Any, "models.Model | None", Any], str]
_region_of: RegionResolver | None = None


def set_region_resolver(resolver: RegionResolver) -> None:
    """Register resolver(actor, obj, unit) -> region code ("" for none), called by `record`."""
    global _region_of
    _region_of = resolver


def _plain(value: Any) -> Any:
    """A JSON-safe copy of a field value."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    return value


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """Field values of `instance` (concrete, non-relational-set fields) as plain JSON values."""
    out: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name == "password" or getattr(field, "auto_now", False):
            continue  # never log a hash; a bumped timestamp is not a change anyone made
        out[field.name] = _plain(getattr(instance, field.attname))
    return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for every field whose value changed."""
    keys = sorted(set(before) | set(after))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def record(
    action: str,
    *,
    actor: Any = None,
    obj: models.Model | None = None,
    unit: Any = None,
    changes: dict[str, Any] | None = None,
    actor_name: str = "",
    object_repr: str = "",
) -> AuditEvent:
    """Append one event to the audit trail and return it."""
    request = current_request()
    ip = None
    agent = ""
    if request is not None:
        ip = request.META.get("REMOTE_ADDR") or None
        agent = (request.META.get("HTTP_USER_AGENT") or "")[:200]
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if obj is not None and changes:
        changes = _without_id_numbers(obj, changes)
    region_code = _region_of(actor, obj, unit) if _region_of is not None else ""
    return AuditEvent.objects.create(
        action=action,
        actor_id=actor.pk if actor is not None else None,
        actor_name=(actor.get_username() if actor is not None else actor_name)[:150],
        unit_id=unit.pk if unit is not None else None,
        unit_name=str(unit)[:200] if unit is not None else "",
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
        changes=changes or {},
        ip=ip,
        user_agent=agent,
        region_code=region_code[:12],
    )


def _without_id_numbers(obj: models.Model, changes: dict[str, Any]) -> dict[str, Any]:
    """`changes` with every ID number masked: the trail is a log, and an ID number is kept in clear
    nowhere at rest (docs/security.md, "Personal data at rest"). Every reader of the trail sees the
    masked form anyway (`readable_changes`), and a change of number is still recorded as a change.
    Phones stay as they are, masked when read."""
    declared = getattr(type(obj), "personal_fields", {})
    names = {f.name for f in obj._meta.concrete_fields if isinstance(f, IdNumberField)}
    names |= {name for name, kind in declared.items() if kind == "id_number"}
    if not names & set(changes):
        return changes
    return {name: [mask_id_number(v) if isinstance(v, str) and v else v for v in pair]
            if name in names and isinstance(pair, list | tuple) else pair
            for name, pair in changes.items()}


def record_refusal(*, actor: Any, object_repr: str, changes: dict[str, Any]) -> None:
    """Record a REJECTED event (a refused upload or import) that outlives the rollback of the write
    it was refused for; see the module docstring."""
    request = current_request()
    if request is None:
        record(Action.REJECTED, actor=actor, object_repr=object_repr, changes=changes)
        return
    pending = getattr(request, "_tongxin_refusals", None)
    if pending is None:
        pending = []
        request._tongxin_refusals = pending  # type: ignore[attr-defined]
    pending.append({"actor": actor, "object_repr": object_repr, "changes": changes})


def flush_refusals(request: Any) -> None:
    """Write the refusals `record_refusal` kept for `request` (called once the view has returned)."""
    pending = getattr(request, "_tongxin_refusals", None) or []
    request._tongxin_refusals = []
    for item in pending:
        try:
            record(Action.REJECTED, **item)
        except DatabaseError:  # the answer to the user matters more than this record; say so in the log
            logger.exception("could not record a refused file in the audit trail: %s", item.get("object_repr"))


def record_change(
    actor: Any, obj: models.Model, before: dict[str, Any] | None, *, unit: Any = None
) -> AuditEvent | None:
    """Record a create (before is None), an update (only if something changed) or a delete."""
    after = snapshot(obj)
    if before is None:
        return record(Action.CREATE, actor=actor, obj=obj, unit=unit,
                      changes={k: [None, v] for k, v in after.items()})
    changes = diff(before, after)
    if not changes:
        return None
    return record(Action.UPDATE, actor=actor, obj=obj, unit=unit, changes=changes)


def record_delete(actor: Any, obj: models.Model, *, unit: Any = None) -> AuditEvent:
    before = snapshot(obj)
    return record(Action.DELETE, actor=actor, obj=obj, unit=unit,
                  changes={k: [v, None] for k, v in before.items()})


# --- reading the trail -------------------------------------------------------------------------------

MASKS: dict[str, Callable[[str], str]] = {"phone": mask_phone, "id_number": mask_id_number}


def personal_fields(object_type: str) -> dict[str, str]:
    """The fields of an audited model that hold a person's number, as the model declares them
    (`personal_fields = {"responsible_phone": "phone"}`): field name → "phone" or "id_number"."""
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return {}
    return dict(getattr(model, "personal_fields", {}))


def readable_changes(event: AuditEvent) -> dict[str, Any]:
    """An event's changes as the audit trail's readers see them: a person's numbers masked.

    The trail is read by auditors, and the three administrators see no personal data (DESIGN §4;
    `units.personal` never admits them), so the numbers are always masked here. ID numbers are
    masked already when recorded (`_without_id_numbers`); phones, and ID numbers recorded before
    that, are masked here."""
    fields = personal_fields(event.object_type)
    if not fields or not isinstance(event.changes, dict):
        return event.changes or {}
    out: dict[str, Any] = {}
    for name, pair in event.changes.items():
        mask = MASKS.get(fields.get(name, ""))
        if mask is not None and isinstance(pair, list | tuple):
            pair = [mask(v) if isinstance(v, str) and v else v for v in pair]
        out[name] = pair
    return out


# --- the trail in words --------------------------------------------------------------------------------

# Keys that are not model fields: the summaries that imports, exports and reminders record.
SUMMARY_LABELS: dict[str, Any] = {
    "file": gettext_lazy("文件"), "rows": gettext_lazy("行数"), "created": gettext_lazy("新增"),
    "updated": gettext_lazy("更新"), "unchanged": gettext_lazy("未变"), "filed": gettext_lazy("报送"),
    "corrected": gettext_lazy("更正"), "late": gettext_lazy("迟报"), "units": pgettext_lazy("organisation", "单位"),
    "effective_day": gettext_lazy("生效日期"), "errors": gettext_lazy("错误"), "rejected": gettext_lazy("拒绝"),
    "reason": gettext_lazy("原因"), "sheet": gettext_lazy("工作表"),
    # sessions ended and API tokens revoked (accounts.sessions, accounts.tokens)
    "api_tokens": gettext_lazy("API 令牌"), "sessions": gettext_lazy("会话"),
    # the search of a read of the trail itself (core.audit_views.record_read)
    "q": gettext_lazy("关键词"), "action": gettext_lazy("操作"), "object_type": gettext_lazy("对象类型"),
    "date_from": gettext_lazy("起始日期"), "date_to": gettext_lazy("截止日期"), "page": gettext_lazy("页码"),
    # a purge of old records (tongxin audit purge): what it removed, and where the chain now starts
    "before": gettext_lazy("清理此日之前"), "removed": gettext_lazy("清理条数"), "from_seq": gettext_lazy("起始序号"),
    "to_seq": gettext_lazy("截止序号"), "from_at": gettext_lazy("首条记录时间"), "to_at": gettext_lazy("末条记录时间"),
    "first_seq": gettext_lazy("链起点序号"), "anchor": gettext_lazy("链起点哈希"),
}
EMPTY = "∅"
MAX_WORDS = 300  # a long text or list is cut for the log's page; the stored trail keeps it whole


@dataclass
class Change:
    """One field of one event: its label and the old and new values in words."""

    field: str
    label: str
    old: str
    new: str
    pair: bool = True  # False for a summary value (an import's row counts): shown as "label: new"

    def __str__(self) -> str:
        return f"{self.label}: {self.old} → {self.new}" if self.pair else f"{self.label}: {self.new}"


@dataclass
class EventView:
    """An audit event as its reader sees it."""

    event: AuditEvent
    at: dt.datetime  # local time (Asia/Shanghai)
    action: str
    actor: str
    object_type: str  # the model's verbose name
    object: str
    unit: str
    changes: list[Change] = dataclasses.field(default_factory=list)

    @property
    def changes_text(self) -> str:
        return "; ".join(str(c) for c in self.changes)


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type) if object_type else None
    except (LookupError, ValueError):
        return None


def _field(model: type[models.Model] | None, name: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    found: Any
    try:
        found = model._meta.get_field(name)
    except Exception:  # FieldDoesNotExist, or a key like "unit_id" that names the column
        found = next((f for f in model._meta.concrete_fields if f.attname == name), None)
    return found if isinstance(found, models.Field) else None


def _cut(text: str) -> str:
    return text if len(text) <= MAX_WORDS else text[:MAX_WORDS] + "…"


def _datetime_words(value: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%d %H:%M")


def _words(value: Any, model_field: models.Field[Any, Any] | None, names: dict[tuple[str, Any], str],
           model: type[models.Model] | None = None) -> str:
    """One stored value in words: choice labels, 是/否, a related row's name, local time.

    A model words the values its fields' choices cannot (kinds registered at run time) with a
    classmethod `audit_value(field_name, value) -> str | None`."""
    if value is None or value == "":
        return EMPTY
    hook = getattr(model, "audit_value", None)
    if model_field is not None and hook is not None:
        worded = hook(model_field.name, value)
        if worded is not None:
            return str(worded)
    if model_field is not None:
        if model_field.is_relation and model_field.related_model is not None:
            key = (model_field.related_model._meta.label_lower, value)
            return names.get(key, str(value))
        if model_field.choices:
            labels = {str(k): v for k, v in model_field.flatchoices}
            return str(labels.get(str(value), value))
        if isinstance(model_field, models.DateTimeField) and isinstance(value, str):
            return _datetime_words(value)
    if value is True:
        return _("是")
    if value is False:
        return _("否")
    if isinstance(value, list):
        return _cut("、".join(_words(v, None, names) for v in value))
    if isinstance(value, dict):
        return _cut(json.dumps(value, ensure_ascii=False, sort_keys=True))
    return _cut(str(value))


def _related_names(events: list[AuditEvent]) -> dict[tuple[str, Any], str]:
    """The names of every row the changes of `events` point at, one query per related model."""
    wanted: dict[type[models.Model], set[Any]] = {}
    for event in events:
        model = _model(event.object_type)
        if model is None or not isinstance(event.changes, dict):
            continue
        for name, pair in event.changes.items():
            f = _field(model, name)
            if f is None or not f.is_relation or f.related_model is None or not isinstance(pair, list | tuple):
                continue
            wanted.setdefault(f.related_model, set()).update(v for v in pair if v not in (None, ""))
    names: dict[tuple[str, Any], str] = {}
    for related, pks in wanted.items():
        # select_related(): the str() of a row often names its unit or form (Report, FormVersion)
        for pk, row in related._default_manager.select_related().in_bulk(list(pks)).items():
            names[(related._meta.label_lower, pk)] = str(row)
            names[(related._meta.label_lower, str(pk))] = str(row)
    return names


def _actor_names(events: list[AuditEvent]) -> dict[int, str]:
    """"name (login)" for each actor still on record, in one query."""
    ids = {e.actor_id for e in events if e.actor_id is not None}
    if not ids:
        return {}
    out = {}
    for user in get_user_model()._default_manager.filter(pk__in=ids):
        full = str(user)
        login = user.get_username()
        out[user.pk] = login if full == login else _("%(name)s（%(login)s）") % {"name": full, "login": login}
    return out


def describe(events: list[AuditEvent]) -> list[EventView]:
    """`events` in words, for the audit log's page and its CSV export.

    Guarantees: a person is shown by name (and login), an object by its model's name and the
    name it had when written, times in local time, every code as its label (actions, choices,
    yes/no), each change as "field: old → new", and a person's numbers masked
    (`readable_changes`). A fixed number of queries whatever the number of events."""
    names = _related_names(events)
    actors = _actor_names(events)
    actions = dict(AuditEvent.Action.choices)
    views = []
    for event in events:
        model = _model(event.object_type)
        changes = []
        shown = readable_changes(event)
        for name, value in (shown.items() if isinstance(shown, dict) else []):
            f = _field(model, name)
            if f is not None and f.primary_key:
                continue  # the object's own id: shown beside the object, not as a change
            label = str(f.verbose_name) if f is not None else str(SUMMARY_LABELS.get(name, name))
            if model is not None and isinstance(value, list | tuple) and len(value) == 2:  # [before, after]
                old, new = _words(value[0], f, names, model), _words(value[1], f, names, model)
                # a creation has no "before": its values read as "field: value"
                changes.append(Change(name, label, old, new, pair=event.action != AuditEvent.Action.CREATE))
            elif model is None and name == "action" and isinstance(value, str):  # a read's search, by action
                changes.append(Change(name, label, "", str(actions.get(value, value)), pair=False))
            else:
                changes.append(Change(name, label, "", _words(value, f, names, model), pair=False))
        actor = actors.get(event.actor_id, event.actor_name) if event.actor_id is not None else event.actor_name
        views.append(EventView(
            event=event, at=timezone.localtime(event.at), action=str(actions.get(event.action, event.action)),
            actor=actor or _("系统"), object=event.object_repr, unit=event.unit_name, changes=changes,
            object_type=str(model._meta.verbose_name) if model is not None else event.object_type))
    return views


def audited_models() -> list[tuple[str, str]]:
    """(object_type, verbose name) of every model of ours, for the log's filter."""
    return sorted(((m._meta.label_lower, str(m._meta.verbose_name)) for m in apps.get_models()
                   if m.__module__.startswith("tongxin.") and m is not AuditEvent), key=lambda pair: pair[1])
