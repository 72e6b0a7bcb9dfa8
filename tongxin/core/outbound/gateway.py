"""POSTing JSON to a gateway with a short timeout, no redirects and no retries, and remembering
within one batch that it did not answer (see tongxin.core.outbound)."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

log = logging.getLogger("tongxin.notify")


class GatewayError(Exception):
    """A try that failed, in words for the administrator (never a URL: it may hold a key or token).
    `unreachable`: the gateway did not answer at all or answered 5xx, so the rest of the batch is not tried."""

    def __init__(self, error: str, *, unreachable: bool = False) -> None:
        super().__init__(error)
        self.error = error
        self.unreachable = unreachable


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a gateway that redirects a POST is misconfigured: report its 3xx


_opener = urllib.request.build_opener(_NoRedirect())


def timeout() -> float:
    return float(getattr(settings, "TONGXIN_NOTIFY_TIMEOUT", 5))


def post_json(url: str, payload: dict[str, Any], *, headers: dict[str, str] | None = None) -> Any:
    """POST `payload` as UTF-8 JSON; the answer's JSON (None if it is not JSON). GatewayError on
    no connection, a timeout or an HTTP status other than 2xx."""
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})})
    seconds = timeout()
    try:
        with _opener.open(request, timeout=seconds) as response:
            body = response.read(64 * 1024)
    except urllib.error.HTTPError as exc:
        raise GatewayError(f"HTTP {exc.code}", unreachable=exc.code >= 500) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise GatewayError(f"timed out after {seconds:g} s", unreachable=True) from None
        raise GatewayError(f"no connection ({type(reason).__name__})", unreachable=True) from None
    except TimeoutError:
        raise GatewayError(f"timed out after {seconds:g} s", unreachable=True) from None
    except OSError as exc:
        raise GatewayError(f"no connection ({type(exc).__name__})", unreachable=True) from None
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


class HttpBackend:
    """A backend that POSTs JSON; one instance per batch (core.notify.Backend)."""

    name = ""

    def __init__(self) -> None:
        self._down = ""  # why the gateway is not tried again in this batch

    def post(self, url: str, payload: dict[str, Any], *, headers: dict[str, str] | None = None) -> Any:
        if self._down:
            raise GatewayError(f"not tried: {self._down} earlier in this batch")
        try:
            return post_json(url, payload, headers=headers)
        except GatewayError as exc:
            if exc.unreachable:
                self._down = exc.error
            raise


def one_line(title: str, body: str, *, limit: int, language: str) -> str:
    """Title and body on one line in `language`, at most `limit` UTF-8 bytes (cut at a character, marked …)."""
    with translation.override(language):
        text = _("%(title)s：%(body)s") % {"title": title, "body": body} if body else title
    text = " ".join(text.split())
    if len(text.encode("utf-8")) <= limit:
        return text
    cut = text.encode("utf-8")[: limit - len("…".encode())].decode("utf-8", errors="ignore")
    return cut + "…"
