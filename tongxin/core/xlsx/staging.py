"""Keeping an upload between its preview and the user's confirmation.

`stage` stores the uploaded bytes under a random token in Django's default storage (so every
app server sees them), in a folder of the user's own; `open_staged` gives them back only to the
same user and only for STAGED_SECONDS; `discard` removes them. Older stages are swept on each
`stage`. The token is the only handle a page carries: it is checked to be one of ours before
any path is built from it.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import IO

from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.utils import timezone

STAGED_SECONDS = 3600
FOLDER = "staged-imports"
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")


def _path(owner: int, token: str) -> str:
    return f"{FOLDER}/{int(owner)}/{token}.xlsx"


def stage(uploaded_file: IO[bytes], *, owner: int) -> str:
    """Keep `uploaded_file` for `owner` (a user id); returns the token that fetches it back."""
    _sweep(owner)
    token = secrets.token_hex(16)
    uploaded_file.seek(0)
    default_storage.save(_path(owner, token), ContentFile(uploaded_file.read()))
    uploaded_file.seek(0)
    return token


def open_staged(token: str, *, owner: int) -> File[bytes] | None:
    """The staged file, or None when the token is malformed, someone else's, expired or used."""
    if not isinstance(token, str) or not TOKEN_RE.match(token):
        return None
    path = _path(owner, token)
    try:
        if not default_storage.exists(path) or _age(path) > STAGED_SECONDS:
            return None
        return default_storage.open(path, "rb")
    except OSError:
        return None


def discard(token: str, *, owner: int) -> None:
    if isinstance(token, str) and TOKEN_RE.match(token):
        try:
            default_storage.delete(_path(owner, token))
        except OSError:
            pass


def _age(path: str) -> float:
    try:
        modified = default_storage.get_modified_time(path)
    except (NotImplementedError, OSError):
        return 0.0
    if timezone.is_naive(modified):
        modified = timezone.make_aware(modified, dt.UTC)
    return (timezone.now() - modified).total_seconds()


def _sweep(owner: int) -> None:
    folder = f"{FOLDER}/{int(owner)}"
    try:
        _dirs, names = default_storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError, OSError):
        return
    for name in names:
        if _age(f"{folder}/{name}") > STAGED_SECONDS:
            try:
                default_storage.delete(f"{folder}/{name}")
            except OSError:
                pass
