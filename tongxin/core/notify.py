"""The notification centre: in-app notifications, plus outside delivery (SMS, email) through backends.

`notify` stores one in-app notification per recipient in the caller's transaction and hands
each to the configured delivery backends only after the transaction commits, so a rolled-back
action sends nothing. Backends are classes with `deliver(notification)`, listed in the setting
TONGXIN_NOTIFY_BACKENDS; the default only logs what an SMS/email gateway would send.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from tongxin.core.models import Notification

log = logging.getLogger("tongxin.notify")


class LoggingBackend:
    """Writes each notification to the log; stands in for an SMS or email gateway."""

    def deliver(self, notification: Notification) -> None:
        log.info("notify user=%s title=%s url=%s", notification.recipient_id, notification.title, notification.url)


def _backends() -> list:
    paths = getattr(settings, "TONGXIN_NOTIFY_BACKENDS", ["tongxin.core.notify.LoggingBackend"])
    return [import_string(path)() for path in paths]


def notify(recipients: Iterable, *, title: str, body: str = "", url: str = "", kind: str = "") -> list[Notification]:
    """One in-app notification per distinct recipient; outside delivery after commit."""
    seen: set[int] = set()
    rows = []
    for user in recipients:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(Notification(recipient=user, title=title[:200], body=body, url=url[:300], kind=kind[:30]))
    created = Notification.objects.bulk_create(rows)

    def deliver():
        for backend in _backends():
            for notification in created:
                try:
                    backend.deliver(notification)
                except Exception:  # one failing gateway must not stop the others
                    log.exception("notification delivery failed via %s", backend.__class__.__name__)

    transaction.on_commit(deliver)
    return created
