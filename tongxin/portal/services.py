"""Notices (通知公告 / 工作动态): create, edit, publish and unpublish.

Guarantees: only a bureau's officers with FILE scope on the bureau write its notices (404 when
they cannot see the bureau, 403 with words when they may not file for it); each write is atomic,
audited with before/after values, refused field by field in words (never half-saved), and bumps
the public cache namespace "portal" on commit, so the public site shows the change at once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.accounts.actors import user_of
from tongxin.core import audit, publiccache
from tongxin.core.types import Actor
from tongxin.portal.models import Notice, NoticeKind
from tongxin.units import scope
from tongxin.units.models import Unit

PUBLIC = "portal"  # the public cache namespace of notices
FIELDS = ("kind", "title", "source", "author", "day", "body", "original_url")
LIMITS = {"title": 150, "source": 100, "author": 50}


def _require(actor: Actor, unit: Unit) -> None:
    if not unit.is_bureau:
        raise ValidationError({"unit": _("公告只能由民政部门发布")})
    scope.require(actor, unit, scope.FILE, _("您不能以该单位名义发布公告"))


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for name in FIELDS:
        raw = values.get(name, "")
        out[name] = raw.strip() if isinstance(raw, str) else raw
    if out["kind"] not in NoticeKind.values:
        errors["kind"] = _("请选择栏目")
    for name in ("title", "source", "body"):
        if not out[name]:
            errors[name] = _("请填写此项")
    for name, limit in LIMITS.items():
        if len(out[name] or "") > limit:
            errors[name] = _("不能超过 %(n)d 个字") % {"n": limit}
    day = out["day"]
    if isinstance(day, str):
        try:
            day = dt.date.fromisoformat(day) if day else None
        except ValueError:
            day = None
    if not isinstance(day, dt.date):
        errors["day"] = _("请填写正确的日期，如 2021-08-05")
    out["day"] = day
    url = out["original_url"] or ""
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            errors["original_url"] = _("请填写以 http:// 或 https:// 开头的网址")
    if errors:
        raise ValidationError(errors)
    return out


def create_notice(actor: Actor, unit: Unit, values: dict[str, Any]) -> Notice:
    """A new notice of `unit` (a bureau), unpublished until `publish`."""
    _require(actor, unit)
    clean = _clean(values)
    with transaction.atomic():
        notice = Notice.objects.create(unit=unit, created_by=user_of(actor), **clean)
        audit.record_change(actor, notice, None, unit=unit)
        publiccache.bump(PUBLIC)
    return notice


def edit_notice(actor: Actor, notice: Notice, values: dict[str, Any]) -> Notice:
    """Change a notice's text (published or not; the public site shows the new text at once)."""
    _require(actor, notice.unit)
    clean = _clean(values)
    with transaction.atomic():
        locked = Notice.objects.select_for_update().get(pk=notice.pk)
        before = audit.snapshot(locked)
        for name, value in clean.items():
            setattr(locked, name, value)
        locked.save()
        audit.record_change(actor, locked, before, unit=locked.unit)
        publiccache.bump(PUBLIC)
    return locked


def _set_published(actor: Actor, notice: Notice, published: bool) -> Notice:
    _require(actor, notice.unit)
    with transaction.atomic():
        locked = Notice.objects.select_for_update().get(pk=notice.pk)
        before = audit.snapshot(locked)
        locked.is_published = published
        locked.save(update_fields=["is_published"])
        audit.record_change(actor, locked, before, unit=locked.unit)
        publiccache.bump(PUBLIC)
    return locked


def publish(actor: Actor, notice: Notice) -> Notice:
    """Put the notice on the public site."""
    return _set_published(actor, notice, True)


def unpublish(actor: Actor, notice: Notice) -> Notice:
    """Take the notice off the public site (it stays on record)."""
    return _set_published(actor, notice, False)
