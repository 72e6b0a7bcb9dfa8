"""Write the audit trail.

Service functions call `record` (or `record_change` with before/after snapshots) inside
their own transaction, so a write and its audit record commit or roll back together.
The current request, if any, supplies the IP address and client via `core.middleware`.
`record_refusal` is the exception: the refusal of a file (an upload, an import) must stay on
record although the write it belonged to rolls back, so during a request it is written when
the view has returned (by `core.middleware.RequestContextMiddleware`), outside the view's
transactions; outside a request it is written at once.
Every event is filed under a region code (`region_code`), so an auditor reads only their own
bureau's subtree: core knows no units, so the units app registers the function that finds the
region (from the unit, the object, or else the actor) with `set_region_resolver`.
"""

from __future__ import annotations

import datetime as dt
import decimal
import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.db import DatabaseError, models

from tongxin.core.middleware import current_request
from tongxin.core.models import AuditEvent
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
    `units.personal` never admits them), so the numbers are always masked here; the stored trail
    itself stays true and unchanged."""
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
