"""System settings: a few typed values the system administrator may change without a deployment.

An app declares each of its settings once, in its AppConfig.ready (`register`), with a type, a
default, bounds and a label; `get(key)` returns the stored value or the default, typed; `change`
(the only write) checks the actor's permission (`core.change_settings`, which the units app grants
the system administrator), validates, stores and audits the change, in one transaction. A key that
was never declared can be neither read nor stored. Values are few and read rarely, so there is no
cache to go stale across processes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from tongxin.core import audit
from tongxin.core.models import SystemSetting
from tongxin.core.types import Actor

PERMISSION = "core.change_settings"


@dataclass(frozen=True)
class Definition:
    key: str
    kind: str  # "int" or "time" (HH:MM)
    default: Any
    label: str | Promise
    help: str | Promise = ""
    minimum: int | None = None
    maximum: int | None = None

    def parse(self, raw: Any) -> Any:
        """The typed value of `raw` (text from a form, or a stored JSON value), or ValidationError naming `value`."""
        text = str(raw).strip() if raw is not None else ""
        if self.kind == "int":
            if isinstance(raw, bool) or not (isinstance(raw, int) or text.isdigit()):
                raise ValidationError({"value": [_("请填写整数")]})
            value = int(text)
            if (self.minimum is not None and value < self.minimum) or (
                    self.maximum is not None and value > self.maximum):
                raise ValidationError({"value": [_("取值应在 %(min)s 到 %(max)s 之间") % {
                    "min": self.minimum, "max": self.maximum}]})
            return value
        if self.kind == "time":
            try:
                return dt.datetime.strptime(text, "%H:%M").time()
            except ValueError:
                raise ValidationError({"value": [_("请按“时:分”填写时间，如 10:00")]}) from None
        raise ValidationError({"value": [_("未知的设置类型")]})

    def stored(self, value: Any) -> Any:
        return value.strftime("%H:%M") if isinstance(value, dt.time) else value

    def shown(self, value: Any) -> str:
        return str(self.stored(value))


_registry: dict[str, Definition] = {}


def register(key: str, *, kind: str, default: Any, label: str | Promise, help: str | Promise = "",
             minimum: int | None = None, maximum: int | None = None) -> Definition:
    """Declare a setting (call in AppConfig.ready). Declaring the same key again replaces it."""
    definition = Definition(key, kind, default, label, help, minimum, maximum)
    _registry[key] = definition
    return definition


def definitions() -> list[Definition]:
    return [_registry[k] for k in sorted(_registry)]


def definition(key: str) -> Definition:
    try:
        return _registry[key]
    except KeyError:
        raise ValidationError({"key": [_("没有这个设置项：%(key)s") % {"key": str(key)[:100]}]}) from None


def get(key: str) -> Any:
    """The setting's current value, typed (its default when never changed, or when the stored value
    no longer fits the declaration)."""
    d = definition(key)
    row = SystemSetting.objects.filter(key=key).values_list("value", flat=True).first()
    if row is None:
        return d.default
    try:
        return d.parse(row)
    except ValidationError:
        return d.default


def current() -> list[tuple[Definition, Any, bool]]:
    """Every declared setting with its current value and whether that is the default."""
    stored = dict(SystemSetting.objects.values_list("key", "value"))
    out = []
    for d in definitions():
        value = get(d.key) if d.key in stored else d.default
        out.append((d, value, d.key not in stored))
    return out


def may_change(actor: Actor) -> bool:
    """The system itself, or an active user with `core.change_settings` (the system administrator)."""
    if actor is None:
        return True
    has_perm = getattr(actor, "has_perm", None)
    return bool(getattr(actor, "is_active", False) and has_perm is not None and has_perm(PERMISSION))


@transaction.atomic
def change(actor: Actor, key: str, raw: Any) -> Any:
    """Set `key` to `raw` (validated against its declaration); returns the typed value. Audited as
    "key: old → new"; setting the value it already has records nothing."""
    if not may_change(actor):
        raise PermissionDenied(_("只有系统管理员可以修改系统设置"))
    d = definition(key)
    value = d.parse(raw)
    old = get(key)
    if d.stored(old) == d.stored(value):
        return value
    row, _created = SystemSetting.objects.select_for_update().update_or_create(
        key=key, defaults={"value": d.stored(value)})
    audit.record(audit.Action.UPDATE, actor=actor, obj=row, object_repr=str(d.label),
                 changes={key: [d.stored(old), d.stored(value)]})
    return value
