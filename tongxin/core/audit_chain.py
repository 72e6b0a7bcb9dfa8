"""The audit trail as a hash chain: every record carries a sequence number, the hash of the record
before it and its own hash, sha256 over a canonical serialisation of its fields and that previous hash.

Writing (`AuditEvent.save` calls `link`): under a lock on the chain (PostgreSQL: a transaction-level
advisory lock, held until the writer's transaction ends; SQLite: the database's single writer, taken
at BEGIN with transaction_mode IMMEDIATE) the writer reads the head, takes the next number and chains
to it. The unique sequence number is the last guard: two writers can never both take one number.

`verify` walks the chain in order (one streamed query) and names the first record that is altered
(its hash is wrong), that does not follow the one before it (a record removed, inserted or moved),
that is outside the chain (inserted by hand), or that is dated before the one before it (back-dated).

A purge (`tongxin audit purge`) removes the oldest records; the audit record it writes keeps where
the chain now starts (`first_seq`) and the hash it starts from (`anchor`), and `verify` starts there.

The serialisation is frozen ("v1"): changing it would break every stored chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import F

GENESIS = "0" * 64
LOCK_KEY = 0x746F6E67786E61  # "tongxna": the advisory lock of the chain
HASHED_FIELDS = ("seq", "at", "action", "actor_id", "actor_name", "unit_id", "unit_name", "object_type",
                 "object_id", "object_repr", "changes", "ip", "user_agent", "region_code")
# A record dated more than this before the one before it is reported as back-dated (a clock that
# steps back a little, or a writer that waited for the lock, is not).
BACKDATE_TOLERANCE = dt.timedelta(minutes=5)


def _json_value(value: Any) -> Any:
    """JSON as it comes back from either database: an integral float is an int (jsonb keeps no 1.0)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value


def _moment(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds")


def _ip(value: Any) -> str | None:
    if value in (None, ""):
        return None
    try:
        return ipaddress.ip_address(str(value)).compressed
    except ValueError:
        return str(value)


def canonical(fields: Mapping[str, Any], prev_hash: str) -> bytes:
    """The bytes a record's hash is taken over: its fields in a fixed order, then the previous hash."""
    values = []
    for name in HASHED_FIELDS:
        value = fields.get(name)
        if name == "at" and isinstance(value, dt.datetime):
            value = _moment(value)
        elif name == "changes":
            value = _json_value(value or {})
        elif name == "ip":
            value = _ip(value)
        elif name in ("seq", "actor_id", "unit_id"):
            value = None if value is None else int(value)
        else:
            value = value or ""
        values.append(value)
    return json.dumps(["v1", values, prev_hash], ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode()


def record_hash(fields: Mapping[str, Any], prev_hash: str) -> str:
    return hashlib.sha256(canonical(fields, prev_hash)).hexdigest()


def lock(using: str) -> None:
    """Hold the chain's lock until the current transaction ends (PostgreSQL; SQLite has one writer)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def head(using: str) -> tuple[int, str]:
    """(seq, hash) of the newest record; (0, GENESIS) for an empty trail."""
    from tongxin.core.models import AuditEvent

    row = (AuditEvent.objects.using(using).filter(seq__isnull=False).order_by("-seq")
           .values_list("seq", "hash").first())
    return (int(row[0] or 0), row[1]) if row else (0, GENESIS)


def link(event: Any, using: str) -> None:
    """Give `event` (about to be inserted, inside a transaction holding `lock`) its place in the chain."""
    seq, prev = head(using)
    event.seq = seq + 1
    event.prev_hash = prev
    event.hash = record_hash({name: getattr(event, name) for name in HASHED_FIELDS}, prev)


def start(using: str) -> tuple[int, str]:
    """Where the chain starts: (1, GENESIS), or what the newest purge left (first_seq, anchor)."""
    from tongxin.core.models import AuditEvent

    changes = (AuditEvent.objects.using(using).filter(action=AuditEvent.Action.PURGE, seq__isnull=False)
               .order_by("-seq").values_list("changes", flat=True).first())
    if isinstance(changes, dict) and "first_seq" in changes and "anchor" in changes:
        return int(changes["first_seq"]), str(changes["anchor"])
    return 1, GENESIS


@dataclass
class Problem:
    id: int
    seq: int | None
    at: dt.datetime
    reason: str

    def __str__(self) -> str:
        return f"record id={self.id} seq={self.seq} at={self.at.isoformat()}: {self.reason}"


@dataclass
class Verdict:
    checked: int
    head_seq: int
    head_hash: str
    problem: Problem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(using: str = "default", chunk_size: int = 2000) -> Verdict:
    """Walk the whole chain once, in order; stop at the first bad record."""
    from tongxin.core.models import AuditEvent

    expected_seq, expected_prev = start(using)
    previous_at: dt.datetime | None = None
    checked = 0
    rows = (AuditEvent.objects.using(using).order_by(F("seq").asc(nulls_first=True), "id")
            .values("id", "prev_hash", "hash", *HASHED_FIELDS).iterator(chunk_size=chunk_size))
    for row in rows:
        seq = row["seq"]
        reason = ""
        if seq is None or not row["hash"]:
            reason = "not in the chain (no sequence number or hash): inserted behind the application's back"
        elif seq != expected_seq:
            if seq > expected_seq:
                reason = (f"the record(s) before it are missing (expected seq {expected_seq}): "
                          "removed, or the chain was cut")
            else:
                reason = f"out of sequence (expected seq {expected_seq}): inserted or reordered"
        elif row["prev_hash"] != expected_prev:
            reason = "does not follow the record before it (a record removed, inserted or moved before it)"
        elif record_hash(row, row["prev_hash"]) != row["hash"]:
            reason = "altered: its hash does not match its contents"
        elif previous_at is not None and row["at"] < previous_at - BACKDATE_TOLERANCE:
            reason = "dated before the record before it: back-dated or reordered"
        if reason:
            return Verdict(checked, expected_seq - 1, expected_prev, Problem(row["id"], seq, row["at"], reason))
        checked += 1
        expected_seq = seq + 1
        expected_prev = row["hash"]
        previous_at = row["at"]
    return Verdict(checked, expected_seq - 1, expected_prev, None)
