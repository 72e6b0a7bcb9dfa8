"""ID numbers at rest: encrypted in the database, clear in Python.

`IdNumberField` is a text column that holds `base64(AES-SIV(key, number))` and gives the clear
number back to Python. AES-SIV (RFC 5297) is deterministic: one number under one key always gives
the same text, so `filter(id_number=...)`, `id_number__in=[...]` and a unique constraint work on
the encrypted column as they did on the clear one (the column is its own blind index). It also
authenticates: a stored value read under another key, or altered, is refused with
`PersonalDataKeyError` instead of being shown as garbage. The key is `settings.PII_KEY`
(TONGXIN_PII_KEY; a fixed public key only in a demo and on a laptop). Only equality lookups are
allowed: a `startswith` or `contains` on ciphertext would silently find nothing.

The price of determinism: someone who reads the table sees which rows share a number (never the
number). docs/security.md, "Personal data at rest", says why that is the choice.

`tongxin rekey-personal-data` re-encrypts every such column under a new key; the helpers
`encrypt_column` / `decrypt_column` convert a column in a data migration.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Iterator
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from django import forms
from django.apps import apps as global_apps
from django.conf import settings
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

STORED_MAX = 64  # base64 of 18 bytes of number + 16 bytes of SIV is 48 characters
CLEAR_MAX = 18
PURPOSE = "id_number"
LOOKUPS = frozenset({"exact", "in", "isnull"})


class PersonalDataKeyError(RuntimeError):
    """A stored value cannot be decrypted: the key is not the one it was stored under, or it was altered."""


@functools.lru_cache(maxsize=4)
def _cipher(key: bytes) -> AESSIV:
    return AESSIV(key)


def _key(key: bytes | None) -> bytes:
    chosen = settings.PII_KEY if key is None else key
    if not chosen:
        raise PersonalDataKeyError("no personal-data key: set TONGXIN_PII_KEY")
    return bytes(chosen)


def encrypt(clear: str, key: bytes | None = None, purpose: str = PURPOSE) -> str:
    """The stored form of `clear` (empty stays empty)."""
    if not clear:
        return clear
    sealed = _cipher(_key(key)).encrypt(clear.encode("utf-8"), [purpose.encode()])
    return base64.b64encode(sealed).decode("ascii")


def decrypt(stored: str, key: bytes | None = None, purpose: str = PURPOSE) -> str:
    """The clear value of `stored`, or PersonalDataKeyError (never a wrong value)."""
    if not stored:
        return stored
    try:
        sealed = base64.b64decode(stored, validate=True)
        return _cipher(_key(key)).decrypt(sealed, [purpose.encode()]).decode("utf-8")
    except (binascii.Error, ValueError, InvalidTag, UnicodeDecodeError):
        raise PersonalDataKeyError(
            "cannot decrypt a stored ID number: TONGXIN_PII_KEY is not the key it was stored under, "
            "or the stored value was altered (docs/deploy.md, 'Personal data key')") from None


class IdNumberField(models.CharField):  # type: ignore[type-arg]
    """A resident ID number, stored encrypted (see the module's docstring); blank is stored as ''."""

    description = "ID number, encrypted at rest"

    def __init__(self, *args: Any, purpose: str = PURPOSE, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", STORED_MAX)
        self.purpose = purpose
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("max_length") == STORED_MAX:
            del kwargs["max_length"]
        if self.purpose != PURPOSE:
            kwargs["purpose"] = self.purpose
        return name, path, args, kwargs

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        return decrypt(value, purpose=self.purpose) if isinstance(value, str) else value

    def get_db_prep_value(self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False) -> Any:
        if not prepared:
            value = self.get_prep_value(value)
        return encrypt(value, purpose=self.purpose) if isinstance(value, str) else value

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in LOOKUPS:
            return None  # Django then raises FieldError: unsupported lookup
        return super().get_lookup(lookup_name)

    def formfield(self, **kwargs: Any) -> Any:
        kwargs.setdefault("max_length", CLEAR_MAX)
        kwargs.setdefault("form_class", forms.CharField)
        return super().formfield(**kwargs)


def encrypted_columns(apps: Any = global_apps) -> Iterator[tuple[type[models.Model], IdNumberField]]:
    """Every (model, field) of the project that stores an encrypted ID number."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, IdNumberField):
                yield model, field


def _convert(connection: BaseDatabaseWrapper, model: type[models.Model], column: str, purpose: str,
             change: Any) -> int:
    """Rewrite every non-empty value of `column` with `change(value)`, in raw SQL (the ORM would
    decrypt on the way in); the number of rows rewritten."""
    q = connection.ops.quote_name
    assert model._meta.pk is not None and model._meta.pk.column is not None
    table, pk = q(model._meta.db_table), q(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {pk}, {q(column)} FROM {table} WHERE {q(column)} <> ''")  # noqa: S608
        rows = cursor.fetchall()
        for row_pk, value in rows:
            cursor.execute(f"UPDATE {table} SET {q(column)} = %s WHERE {pk} = %s",  # noqa: S608
                           [change(value), row_pk])
    return len(rows)


def encrypt_column(connection: BaseDatabaseWrapper, model: type[models.Model], column: str,
                   purpose: str = PURPOSE) -> int:
    """A data migration's forward step: clear numbers become encrypted ones."""
    return _convert(connection, model, column, purpose, lambda v: encrypt(v, purpose=purpose))


def decrypt_column(connection: BaseDatabaseWrapper, model: type[models.Model], column: str,
                   purpose: str = PURPOSE) -> int:
    """A data migration's backward step: encrypted numbers become clear ones again."""
    return _convert(connection, model, column, purpose, lambda v: decrypt(v, purpose=purpose))


def rekey(connection: BaseDatabaseWrapper, old: bytes, new: bytes) -> dict[str, int]:
    """Re-encrypt every encrypted column from key `old` to key `new` (the caller holds the
    transaction); PersonalDataKeyError if any value was not stored under `old`. Rows per column."""
    done: dict[str, int] = {}
    for model, field in encrypted_columns():
        purpose = field.purpose
        assert field.column is not None
        done[f"{model._meta.label}.{field.name}"] = _convert(
            connection, model, field.column, purpose,
            lambda v, p=purpose: encrypt(decrypt(v, old, p), new, p))
    return done
