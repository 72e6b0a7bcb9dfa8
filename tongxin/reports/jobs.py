"""Reporting's background work: the consolidated table by unit (汇总表（按单位）) when it is large.

The export is registered with core.exports: the job rebuilds the table from the stored assignment,
region and day as the user who asked, and the download checks again that the user still sees them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from tongxin.core import exports
from tongxin.core.types import Actor

UNIT_TABLE = "reports.unit_table"


def _where(user: Actor, params: Mapping[str, Any]) -> tuple[Any, Any, dt.date]:
    from tongxin.reports import excel

    assignment = excel.get_assignment(user, params.get("assignment"))
    region = excel.get_region(user, params.get("region"), assignment)  # 404 outside the user's scope
    return assignment, region, dt.date.fromisoformat(str(params.get("day")))


def _build(user: Actor, params: Mapping[str, Any]) -> exports.Workbook:
    from tongxin.reports import excel

    table = excel.unit_table(user, *_where(user, params))
    return exports.Workbook(table.title, table.headers, table.rows, {
        "widths": table.widths, "text_columns": table.text_columns, "number_formats": table.number_formats})


def _check(user: Actor, params: Mapping[str, Any]) -> None:
    _where(user, params)


exports.register(UNIT_TABLE, build=_build, check=_check)
