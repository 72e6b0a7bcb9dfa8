"""Reads of notices: the public's (published only, no scope: they are public) and the staff's (scoped)."""

from __future__ import annotations

from django.db.models import QuerySet

from tongxin.core.types import Actor
from tongxin.portal.models import Notice
from tongxin.units import scope


def published(kind: str | None = None) -> QuerySet[Notice]:
    qs = Notice.objects.filter(is_published=True).select_related("unit")
    return qs.filter(kind=kind) if kind else qs


def published_notice(notice_id: int) -> Notice | None:
    return published().filter(pk=notice_id).first()


def managed(actor: Actor) -> QuerySet[Notice]:
    """The notices the user may manage: those of the bureaus in their FILE scope."""
    return Notice.objects.restrict(actor, scope.FILE).select_related("unit")
