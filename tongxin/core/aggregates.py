"""SQL aggregates the ORM lacks, the same answer on PostgreSQL and SQLite, and the expressions they take.

- `Median(expr)`: the median of the non-null values of a group, as `statistics.median` gives it
  (an even count takes the mean of the two middle values); None for a group with no values.
  PostgreSQL: `percentile_cont(0.5) WITHIN GROUP (ORDER BY expr)`. SQLite has no percentile
  function, so each connection gets a Python aggregate (`register_sqlite_median`, connected to
  `connection_created` in `core.apps`) that collects the group's values and calls
  `statistics.median` on them: one statement, the rows never cross into the ORM, and it is the
  same rule as the Python it replaces by construction. (A window-function median — ROW_NUMBER
  and COUNT per group, keeping the one or two middle rows — works too but is a subquery per
  use; SQLite serves the demo and laptops, where the registered aggregate is plenty.)
- `DaysBetween(later, earlier)`: whole days from one date to another (negative when `later` is
  earlier), an integer; with `TruncDate` on a datetime it counts local days (Asia/Shanghai).
"""

from __future__ import annotations

import statistics
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Aggregate, FloatField, Func, IntegerField
from django.db.models.sql.compiler import SQLCompiler

SQLITE_MEDIAN = "tongxin_median"


class Median(Aggregate):
    """The median of `expression` over the group (see the module docstring); accepts `filter=`."""

    name = "Median"
    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper,
                  **extra_context: Any) -> tuple[str, Any]:
        # On a copy rather than through extra_context: Aggregate.as_sql would pass `template` twice with a filter.
        clone = self.copy()
        clone.function, clone.template = SQLITE_MEDIAN, "%(function)s(%(expressions)s)"
        return clone.as_sql(compiler, connection, **extra_context)


class _SqliteMedian:
    """The Python side of SQLite's `tongxin_median(x)`: collect the group's values, then their median."""

    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, value: float | None) -> None:
        if value is not None:
            self.values.append(value)

    def finalize(self) -> float | None:
        return float(statistics.median(self.values)) if self.values else None


def register_sqlite_median(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """`connection_created` receiver: give each SQLite connection `tongxin_median`."""
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate(SQLITE_MEDIAN, 1, _SqliteMedian)


class DaysBetween(Func):
    """`later - earlier` in whole days, for two date expressions."""

    arity = 2
    output_field = IntegerField()
    template = "(%(expressions)s)"
    arg_joiner = " - "

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper,
                  **extra_context: Any) -> tuple[str, Any]:
        # Dates are 'YYYY-MM-DD' text on SQLite; julianday() of two dates differs by a whole number.
        later, earlier = (compiler.compile(e) for e in self.get_source_expressions())
        return f"CAST(julianday({later[0]}) - julianday({earlier[0]}) AS INTEGER)", (*later[1], *earlier[1])
