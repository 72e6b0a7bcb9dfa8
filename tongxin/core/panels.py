"""Overview panels: how an app beside the overview adds to it without the overview importing it.

The overview (`reports:overview`) shows, above its figures, every registered panel that has
something to say about the region on screen, and may add one column per panel to its table of
child regions. An app registers its panels in its AppConfig.ready():

    panels.register("command.levels", level_panel, template="command/response_overview_panel.html",
                    cell_template="command/response_overview_cell.html", column_title=_("响应级别"))

`build(request, region_code, child_codes, at)` returns None (nothing to show) or a dict: the panel's
template gets it as `panel`; its "cells" entry, if any, maps a child region's code to the value its
cell template gets as `cell`. `at` is the moment the page describes (now for today, the end of a
past day the user is looking at), an aware datetime. Builders read only what the user may see of
that region (the overview has already checked the region is in the user's scope) and should cost
one or two queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

Builder = Callable[[Any, str, Sequence[str], dt.datetime], "dict[str, Any] | None"]


@dataclass(frozen=True)
class Panel:
    key: str
    build: Builder
    template: str
    cell_template: str = ""
    column_title: Any = ""  # a (lazy) string: the child table's column heading
    order: int = 100


@dataclass(frozen=True)
class Shown:
    """A panel with its data for one page: `context` for its template, `cells` by child region code."""

    panel: Panel
    context: dict[str, Any]
    cells: dict[str, Any] = field(default_factory=dict)


_PANELS: dict[str, Panel] = {}


def register(key: str, build: Builder, *, template: str, cell_template: str = "", column_title: Any = "",
             order: int = 100) -> Panel:
    """Register (or re-register, e.g. on a reload) the overview panel `key`."""
    panel = Panel(key, build, template, cell_template, column_title, order)
    _PANELS[key] = panel
    return panel


def registered() -> list[Panel]:
    return sorted(_PANELS.values(), key=lambda p: (p.order, p.key))


def collect(request: Any, region_code: str, child_codes: Sequence[str], at: dt.datetime) -> list[Shown]:
    """The panels with something to show for `region_code` and its children at `at`, in order."""
    shown = []
    for panel in registered():
        data = panel.build(request, region_code, list(child_codes), at)
        if data is not None:
            shown.append(Shown(panel, data, dict(data.get("cells") or {})))
    return shown


def columns(shown: Sequence[Shown]) -> list[Shown]:
    """Those of `shown` that add a column to the table of child regions."""
    return [s for s in shown if s.panel.cell_template]
