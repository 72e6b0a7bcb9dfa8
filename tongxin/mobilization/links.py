"""The absolute addresses mobilization sends outside the app: the person's own page (in SMS) and
a certificate's public verification page (its QR code). Both start with settings.TONGXIN_PUBLIC_URL,
the address the public reaches the site at (docs/deploy.md), since an SMS or a printed QR code has
no request to take the host from."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse


def public_url(path: str, base_url: str = "") -> str:
    """`path` on the public site: `base_url` if given, else settings.TONGXIN_PUBLIC_URL."""
    base = (base_url or getattr(settings, "TONGXIN_PUBLIC_URL", "") or "").rstrip("/")
    return f"{base}{path}"


def me_url(person: Any) -> str:
    """The person's own page (mobilization:me), absolute."""
    return public_url(reverse("mobilization:me", args=[person.checkin_key]))


def verify_url(cert: Any, base_url: str = "") -> str:
    """The public verification page of a certificate, absolute."""
    return public_url(reverse("mobilization:verify-code", args=[cert.code]), base_url)
