"""The unit registry's background work: the registry export (单位名录导出) when it is large.

The export is registered with core.exports: the job rebuilds the registry from the stored list filter
as the user who asked (only the units they see), and the download checks again that they still cover
every unit it could hold (units.excel.check_export).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tongxin.core import exports
from tongxin.core.types import Actor

REGISTRY_EXPORT = "units.registry"


def _build(user: Actor, params: Mapping[str, Any]) -> exports.Workbook:
    from tongxin.units import excel

    return excel.export_workbook(user, params)


def _check(user: Actor, params: Mapping[str, Any]) -> None:
    from tongxin.units import excel

    excel.check_export(user, params)


exports.register(REGISTRY_EXPORT, build=_build, check=_check)
