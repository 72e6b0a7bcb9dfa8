"""The notification centre: in-app notifications, plus outside delivery (SMS, email) through backends.

A notification is stored as a message key plus parameters and rendered in the reader's language
when it is read: the page renders in the request's language, a delivery backend in the
recipient's (`recipient_language`). The app that sends a kind of message owns its wording and
registers it once, in its AppConfig.ready:

    notify.register("reports.reminder", label=_("催报"),
                    title=_("催报：%(assignment)s（%(day)s）尚未报送"), body=_("请于今日尽快报送…"))

with lazy gettext strings and `%(name)s` placeholders; core renders them without importing the app.

`notify` stores one in-app notification per recipient in the caller's transaction and hands
each to the configured delivery backends only after the transaction commits, so a rolled-back
action sends nothing. Backends are classes with `deliver(notification, message)`, listed in the
setting TONGXIN_NOTIFY_BACKENDS; the default only logs what an SMS/email gateway would send. The
outside backends (SMS, email, WeCom and DingTalk group robots) live in `tongxin.core.outbound`.

Each delivery's `Outcome` (sent, failed, skipped) is kept as a `DeliveryAttempt`, so the system
administrator can see what did not go out. A backend that raises is recorded as failed and logged;
nothing a backend does ever reaches the action that sent the notification, nor the request.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from tongxin.core.models import DeliveryAttempt, Notification

log = logging.getLogger("tongxin.notify")


@dataclass(frozen=True)
class MessageKind:
    """A registered kind of message: lazy templates with `%(name)s` placeholders, and a short label."""

    key: str
    title: Any  # a lazy gettext string
    body: Any = ""
    label: Any = ""


@dataclass(frozen=True)
class Message:
    """A notification as one reader reads it, in one language (plain text: templates escape it)."""

    title: str
    body: str
    label: str


_KINDS: dict[str, MessageKind] = {}


def register(key: str, *, title: Any, body: Any = "", label: Any = "") -> MessageKind:
    """Register (or re-register, e.g. on a reload) the wording of a kind of message under `key`."""
    if not key or len(key) > 100:
        raise ValueError(f"a message key is 1 to 100 characters: {key!r}")
    kind = MessageKind(key, title, body, label)
    _KINDS[key] = kind
    return kind


def message_kind(key: str) -> MessageKind | None:
    return _KINDS.get(key)


def recipient_language(user: Any) -> str:
    """The language a user reads outside the app in: their stored preference, else the default (zh-hans)."""
    preferred = getattr(user, "language", "") or ""
    known = {code for code, _name in settings.LANGUAGES}
    return preferred if preferred in known else settings.LANGUAGE_CODE


def _fill(kind: MessageKind, params: Mapping[str, Any]) -> Message:
    """The kind's templates filled with `params` in the active language (KeyError etc. when they do not fit)."""
    title, body = str(kind.title), str(kind.body)
    return Message((title % params)[:200], body % params if body else "", str(kind.label))


def render(notification: Notification, language: str | None = None) -> Message:
    """The notification in `language` (default: the active one).

    An unknown key, or parameters that do not fill its templates (rows stored before keys
    existed have none), fall back to the text stored with the notification.
    """
    with translation.override(language or translation.get_language()):
        kind = _KINDS.get(notification.key)
        if kind is not None:
            params = notification.params if isinstance(notification.params, dict) else {}
            try:
                return _fill(kind, params)
            except (KeyError, TypeError, ValueError):
                log.warning("notification %s: parameters do not fill %r", notification.pk, notification.key)
        return Message(notification.title or _("通知"), notification.body, str(kind.label) if kind else "")


@dataclass(frozen=True)
class Outcome:
    """What a backend did with one notification, kept as a DeliveryAttempt. A backend returns None
    when there is nothing to keep (the logging backend; a group robot's duplicate of a message it
    already posted). `error` is for the administrator: never a phone number, an address or a secret."""

    status: str
    error: str = ""

    @classmethod
    def sent(cls) -> Outcome:
        return cls(DeliveryAttempt.Status.SENT)

    @classmethod
    def failed(cls, error: str) -> Outcome:
        return cls(DeliveryAttempt.Status.FAILED, error)

    @classmethod
    def skipped(cls, reason: str) -> Outcome:
        return cls(DeliveryAttempt.Status.SKIPPED, reason)


class LoggingBackend:
    """Writes each notification to the log; stands in for an SMS or email gateway."""

    def deliver(self, notification: Notification, message: Message) -> Outcome | None:
        log.info("notify user=%s title=%s url=%s", notification.recipient_id, message.title, notification.url)
        return None


class Backend(Protocol):
    """What TONGXIN_NOTIFY_BACKENDS lists: a class whose instances deliver one message outside the app.

    One instance serves one batch (the recipients of one `notify` call), so it may remember what it
    did earlier in the batch: a gateway that did not answer is not tried again for the rest of it.
    """

    def deliver(self, notification: Notification, message: Message) -> Outcome | None: ...


def _backends() -> list[Backend]:
    paths = getattr(settings, "TONGXIN_NOTIFY_BACKENDS", ["tongxin.core.notify.LoggingBackend"])
    return [import_string(path)() for path in paths]


def backend_name(backend: object) -> str:
    """The short name a DeliveryAttempt keeps: the backend's `name`, else its class name."""
    return str(getattr(backend, "name", "") or type(backend).__name__)[:50]


def deliver_outside(notifications: Iterable[Notification]) -> list[DeliveryAttempt]:
    """Hand each notification to every configured backend, in its recipient's language, and keep the
    outcomes. Never raises: a failing backend is logged and recorded, and the others still run."""
    try:
        backends = _backends()
    except Exception:  # a bad setting is reported at start-up (settings.py); this is belt and braces
        log.exception("notification delivery: the backends could not be loaded")
        return []
    attempts = []
    for notification in notifications:
        try:
            message = render(notification, recipient_language(notification.recipient))
        except Exception:
            log.exception("notification %s could not be rendered for delivery", notification.pk)
            continue
        for backend in backends:
            try:
                outcome = backend.deliver(notification, message)
            except Exception as exc:  # one failing gateway must not stop the others
                log.exception("notification delivery failed via %s", backend_name(backend))
                outcome = Outcome.failed(f"{type(exc).__name__}")
            if outcome is not None:
                attempts.append(DeliveryAttempt(notification=notification, backend=backend_name(backend),
                                                status=outcome.status, error=outcome.error[:300]))
    try:
        return DeliveryAttempt.objects.bulk_create(attempts)
    except Exception:
        log.exception("notification delivery: %d attempts could not be recorded", len(attempts))
        return []


def _plain_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Parameters as JSON keeps them (dates as ISO strings); anything else is a programming error."""
    plain: dict[str, Any] = json.loads(json.dumps(dict(params or {}), cls=DjangoJSONEncoder))
    return plain


def notify(recipients: Iterable[AbstractBaseUser], *, key: str, params: Mapping[str, Any] | None = None,
           url: str = "", at: dt.datetime | None = None) -> list[Notification]:
    """One in-app notification of the registered kind `key` per distinct recipient; outside delivery
    after commit, each in the recipient's language.

    Parameters are stored as they are and filled into the kind's templates when read; the
    default language's rendering is kept as the fallback text. `at` dates the notification (the
    time of the action it tells of, e.g. a demo's past step; default now).
    """
    kind = _KINDS.get(key)
    if kind is None:
        raise ValueError(f"unregistered message key: {key!r}")
    plain = _plain_params(params)
    with translation.override(settings.LANGUAGE_CODE):
        fallback = _fill(kind, plain)  # raises here, at the sender, when the parameters do not fit
    seen: set[int] = set()
    rows = []
    for user in recipients:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(Notification(recipient=user,  # type: ignore[misc]  # AUTH_USER_MODEL: core cannot name it
                                 key=key, params=plain, title=fallback.title[:200], body=fallback.body, url=url[:300],
                                 created_at=at or timezone.now()))
    created = Notification.objects.bulk_create(rows)

    transaction.on_commit(lambda: deliver_outside(created), robust=True)
    return created


def notify_contacts(contacts: Iterable[tuple[str, str]], *, key: str, params: Mapping[str, Any] | None = None,
                    url: str = "", at: dt.datetime | None = None) -> list[Notification]:
    """`notify` for people without an account (a volunteer): one notification per distinct
    `(contact_key, phone)`, where `contact_key` names the person to the app that keeps them
    ("mobilization.person:12") and reads their notifications back by it, and `phone` is where the
    SMS backend sends it. Rendered in the default language; outside delivery after commit."""
    kind = _KINDS.get(key)
    if kind is None:
        raise ValueError(f"unregistered message key: {key!r}")
    plain = _plain_params(params)
    with translation.override(settings.LANGUAGE_CODE):
        fallback = _fill(kind, plain)
    seen: set[str] = set()
    rows = []
    for contact_key, phone in contacts:
        if not contact_key or contact_key in seen:
            continue
        seen.add(contact_key)
        rows.append(Notification(recipient=None, contact_key=contact_key[:100], contact_phone=phone[:20], key=key,
                                 params=plain, title=fallback.title[:200], body=fallback.body, url=url[:300],
                                 created_at=at or timezone.now()))
    created = Notification.objects.bulk_create(rows)
    transaction.on_commit(lambda: deliver_outside(created), robust=True)
    return created
