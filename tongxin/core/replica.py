"""Read-only queries on a PostgreSQL streaming replica, by explicit opt-in (docs/deploy.md).

With `TONGXIN_REPLICA_DATABASE_URL` set, settings.py adds the `replica` database, installs
`ReplicaRouter` and `PinAfterWriteMiddleware`. Without it none of this is installed and every query
goes to the primary, as before.

Nothing goes to the replica unless it runs inside `reads()`: the overview pages, the report list and
detail of the API (`ReplicaReadsMixin`) and the public portal opt in. Inside `reads()` a query still
stays on the primary when

- the request is not a safe one (GET, HEAD, OPTIONS), or its user wrote within the last
  `TONGXIN_REPLICA_PIN_SECONDS` (pinned by `PinAfterWriteMiddleware` through the cache): a user
  sees what they just wrote (read-your-writes), though the replica lags;
- the code wrote anything earlier in the same request, or runs inside a transaction;
- the model is one that authentication relies on (sessions, tokens, lockouts, second factors);
- the replica does not answer when the block begins: the block reads from the primary (a warning is
  logged once) and the replica is not tried again for `RETRY_SECONDS` in this process. A replica
  that dies in the middle of a block fails that request like a primary outage (503).
- `primary()` is in force (a page built once and cached must never be built from a lagging copy).

Writes always go to the primary, and migrations run only there.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponseBase

logger = logging.getLogger(__name__)

PRIMARY = "default"
REPLICA = "replica"
RETRY_SECONDS = 30
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# What authentication reads stays on the primary: a session, token or device made a moment ago.
PRIMARY_ONLY_APPS = frozenset({"sessions", "axes", "otp_totp", "otp_static", "django_otp", "authtoken"})
PRIMARY_ONLY_MODELS = frozenset({"accounts.apitoken", "accounts.signedinsession"})
# Writes that do not pin a user to the primary: the bookkeeping of every signed-in request (a session's
# last request, a token's last use), none of which a routed read looks at.
UNPINNED_WRITES = frozenset({"sessions", "axes", "accounts.signedinsession", "accounts.apitoken"})

_routing: contextvars.ContextVar[bool] = contextvars.ContextVar("tongxin_replica_routing", default=False)
_wrote: contextvars.ContextVar[bool] = contextvars.ContextVar("tongxin_replica_wrote", default=False)
_replica_down_until = 0.0  # per process: a health memo only, never data (docs/deploy.md, "Statelessness")

F = TypeVar("F", bound=Callable[..., Any])


def configured() -> bool:
    """Whether a replica is configured at all."""
    return REPLICA in settings.DATABASES


def _pin_key(user_pk: object) -> str:
    return f"tongxin:replica-pin:{user_pk}"


def _label(model: Any) -> tuple[str, str]:
    meta = model._meta
    return meta.app_label, meta.label_lower


def _replica_answers() -> bool:
    """Whether the replica can be reached now; remembers a failure for RETRY_SECONDS."""
    global _replica_down_until
    if time.monotonic() < _replica_down_until:
        return False
    conn = connections[REPLICA]
    try:
        conn.close_if_health_check_failed()
        conn.ensure_connection()
    except (OperationalError, InterfaceError) as exc:
        _replica_down_until = time.monotonic() + RETRY_SECONDS
        logger.warning("read replica unavailable, reading from the primary for %ss: %s", RETRY_SECONDS, exc)
        return False
    return True


def _may_route(request: Any) -> bool:
    if not configured() or _wrote.get():
        return False
    if request is not None:
        if getattr(request, "method", "GET") not in SAFE_METHODS:
            return False
        user = getattr(request, "user", None)  # loaded here, on the primary, before routing begins
        if user is not None and user.is_authenticated and cache.get(_pin_key(user.pk)):
            return False
    return _replica_answers()


@contextmanager
def reads(request: Any = None) -> Iterator[bool]:
    """Inside the block, reads may go to the replica (see the module's rules); yields whether they do.
    Pass the request (Django's or DRF's) so an unsafe or pinned one stays on the primary."""
    token = _routing.set(_may_route(request))
    try:
        yield _routing.get()
    finally:
        _routing.reset(token)


@contextmanager
def primary() -> Iterator[None]:
    """Inside the block every read goes to the primary, even within `reads()`."""
    token = _routing.set(False)
    try:
        yield
    finally:
        _routing.reset(token)


def read_view(view: F) -> F:
    """A function view whose reads may go to the replica (`reads(request)` around its body)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        with reads(request):
            return view(request, *args, **kwargs)

    return wrapped  # type: ignore[return-value]


class ReplicaReadsMixin:
    """For a DRF viewset: the actions in `replica_actions` read inside `reads()`, after authentication
    and permissions have run on the primary."""

    replica_actions: tuple[str, ...] = ("list", "retrieve")
    _replica_token: contextvars.Token[bool] | None = None

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if getattr(self, "action", None) in self.replica_actions:
            self._replica_token = _routing.set(_may_route(request))

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        finally:
            if self._replica_token is not None:
                _routing.reset(self._replica_token)
                self._replica_token = None


class ReplicaRouter:
    """Reads inside `reads()` go to the replica unless a rule of the module keeps them on the primary;
    everything else, every write and every migration, to the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        if not _routing.get() or _wrote.get() or connections[PRIMARY].in_atomic_block:
            return PRIMARY
        app, label = _label(model)
        if app in PRIMARY_ONLY_APPS or label in PRIMARY_ONLY_MODELS:
            return PRIMARY
        return REPLICA

    def db_for_write(self, model: Any, **hints: Any) -> str:
        app, label = _label(model)
        if app not in UNPINNED_WRITES and label not in UNPINNED_WRITES:
            _wrote.set(True)
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the same rows on both

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == PRIMARY


class PinAfterWriteMiddleware:
    """Marks the start of a request (nothing written yet) and, when the request wrote, pins its user
    to the primary for TONGXIN_REPLICA_PIN_SECONDS, so the page after a filing shows the filing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        token = _wrote.set(False)
        try:
            response = self.get_response(request)
            if _wrote.get():
                user = getattr(request, "user", None)
                if user is not None and user.is_authenticated:
                    cache.set(_pin_key(user.pk), 1, settings.TONGXIN_REPLICA_PIN_SECONDS)
            return response
        finally:
            _wrote.reset(token)
