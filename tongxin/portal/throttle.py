"""The receipt lookup's limit per client: LOOKUP_TRIES asks in LOOKUP_WINDOW seconds, shared by the
lookup page and the public API (one counter per address, in the shared cache), so guessing codes
is as slow through either door."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest

LOOKUP_TRIES, LOOKUP_WINDOW = 20, 600


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def lookup_allowed(request: HttpRequest) -> bool:
    """Count one lookup of this client; False once it has asked more than LOOKUP_TRIES times."""
    key = f"tongxin:portal:lookup:{client_ip(request)}"
    cache.add(key, 0, LOOKUP_WINDOW)
    try:
        tries = cache.incr(key)
    except ValueError:
        cache.set(key, 1, LOOKUP_WINDOW)
        tries = 1
    return tries <= LOOKUP_TRIES
