"""Writing many rows fast: the one bulk writer (synth, the bench scripts, the roll-up rebuilds).

Guarantees:
- `load_rows(model, columns, rows)` inserts rows (tuples of Python values in `columns` order, field
  attnames such as "unit_id") into the model's table: COPY on PostgreSQL, `executemany` in batches
  on SQLite, values prepared as Django prepares them (JSON, dates, decimals), so the stored rows are
  the ones `bulk_create` would store. Every concrete field not named gets its Django default
  (`auto_now`/`auto_now_add` fields: `stamp`), so a raw row never lacks a NOT NULL column the ORM
  would have filled. It runs inside the caller's transaction (or opens one) and returns the number
  of rows written. No save(), no signals, no audit: bulk data and derived tables only. While it
  runs the connection is busy (COPY), so `rows` must not read from the same connection.
- `reserve_ids(model, n)` returns the first of n consecutive primary keys nobody else will be given,
  so rows that point at each other (a report and its revision) are written without reading back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db import connection, models, transaction

BATCH = 10_000


def _prep(field: models.Field[Any, Any], vendor: str) -> Callable[[Any], Any] | None:
    """How a value of `field` is turned into what the driver takes (None: as it is)."""
    if isinstance(field, models.JSONField):
        return lambda v: field.get_db_prep_value(v, connection, prepared=False)
    if vendor == "sqlite" and isinstance(field, (models.DateField, models.DecimalField, models.TimeField)):
        return lambda v: field.get_db_prep_value(v, connection, prepared=False)
    return None


def _column_defaults(model: type[models.Model], columns: Sequence[str], stamp: dt.datetime) -> list[tuple[str, Any]]:
    named = set(columns)
    extra = []
    for f in model._meta.concrete_fields:
        if f.attname in named or f.primary_key:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            extra.append((f.attname, stamp))
        else:
            extra.append((f.attname, f.get_default()))
    return extra


def load_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]], *,
              stamp: dt.datetime | None = None) -> int:
    """Insert `rows` into `model`'s table (see the module docstring); returns how many."""
    stamp = stamp or dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
    extra = _column_defaults(model, columns, stamp)
    names = [*columns, *(name for name, _ in extra)]
    fields: list[models.Field[Any, Any]] = [model._meta.get_field(name) for name in names]  # type: ignore[misc]
    preps = [_prep(f, connection.vendor) for f in fields]
    tail = tuple(v for _, v in extra)
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)

    def prepared() -> Iterator[tuple[Any, ...]]:
        for row in rows:
            full = (*row, *tail)
            yield tuple(v if p is None or v is None else p(v) for v, p in zip(full, preps, strict=True))

    count = 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur, cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in prepared():
                    copy.write_row(row)
                    count += 1
            return count
        connection.ensure_connection()
        raw = connection.connection
        sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' * len(fields))})"
        batch: list[tuple[Any, ...]] = []
        for row in prepared():
            batch.append(row)
            if len(batch) == BATCH:
                raw.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            raw.executemany(sql, batch)
            count += len(batch)
    return count


def reserve_ids(model: type[models.Model], n: int) -> int:
    """The first of `n` consecutive ids for `model` that no other insert will take (see above)."""
    table = model._meta.db_table
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            (sequence,) = cur.fetchone()
            cur.execute(f"SELECT coalesce(max(id), 0) FROM {connection.ops.quote_name(table)}")
            (highest,) = cur.fetchone()
            cur.execute("SELECT nextval(%s)", [sequence])
            (first,) = cur.fetchone()
            first = max(first, highest + 1)
            cur.execute("SELECT setval(%s, %s)", [sequence, first + max(n, 1) - 1])
            return int(first)
        cur.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {connection.ops.quote_name(table)}")
        (first,) = cur.fetchone()
        return int(first)


