"""Where a ledger entry came from, without the ledger knowing the apps it came from.

An entry records its source as a kind (`source`: "self_inspection", "daily_report", …) plus the
id of the record that raised it (`source_id`, empty for a problem put on the ledger by hand), and
optionally the work it belongs to as a context kind plus id (`context_kind` = "campaign",
`context_id`): the ledger's campaign filter, its statistics and exports read that pair.

The apps that raise entries register their kinds here when Django starts (in their
`AppConfig.ready()`), with a function that gives the label and URL of one of their records;
the ledger asks this registry and never imports them:

    from tongxin.ledger import sources
    sources.register_source("directive", label=_("通知指令"), link=directive_link)
    sources.register_source("action_item", label=_("督办事项"), link=action_item_link)

where `directive_link(pk) -> sources.Link | None` reads the directive (None when it is gone).
A kind registered with `manual=True` may also be picked on the hand-made entry form.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tongxin.core.types import Actor

if TYPE_CHECKING:
    from tongxin.units.models import Unit

Label = str | Promise


@dataclass(frozen=True)
class Link:
    """How a source or context record shows itself on an entry: its label and page (None: no page)."""

    label: str
    url: str | None = None


@dataclass(frozen=True)
class SourceKind:
    key: str
    label: Label
    link: Callable[[int], Link | None] | None = None
    manual: bool = False


@dataclass(frozen=True)
class ContextKind:
    """Work that entries belong to (a campaign): the ledger lists, counts and filters by it.

    `choices(user)` — the (id, name) pairs the user may filter by, newest first;
    `check(user, pk, unit)` — "" when an entry for `unit` may belong to `pk`, else the refusal;
    `summary_url(user, pk, region_code)` — the owner's summary workbook for that region, if any.
    """

    key: str
    label: Label
    link: Callable[[int], Link | None]
    choices: Callable[[Actor], Iterable[tuple[int, str]]]
    check: Callable[[Actor, int, Unit], str]
    summary_url: Callable[[Actor, int, str], str | None] | None = None


_SOURCES: dict[str, SourceKind] = {}
_CONTEXTS: dict[str, ContextKind] = {}

# The one kind the ledger owns: a problem put on the ledger by hand, from nowhere in particular.
OTHER = "other"
# The context the ledger's campaign filter (`?campaign=`) reads; registered by whoever runs campaigns.
CAMPAIGN = "campaign"
MAX_KEY = 20


def register_source(key: str, *, label: Label, link: Callable[[int], Link | None] | None = None,
                    manual: bool = False) -> None:
    """Make `key` a source kind; registering the same key again replaces it (tests, reloads)."""
    if not key or len(key) > MAX_KEY:
        raise ValueError(f"a source kind is 1–{MAX_KEY} characters: {key!r}")
    _SOURCES[key] = SourceKind(key, label, link, manual)


def register_context(key: str, *, label: Label, link: Callable[[int], Link | None],
                     choices: Callable[[Actor], Iterable[tuple[int, str]]],
                     check: Callable[[Actor, int, Unit], str],
                     summary_url: Callable[[Actor, int, str], str | None] | None = None) -> None:
    """Make `key` a context kind (see ContextKind)."""
    if not key or len(key) > MAX_KEY:
        raise ValueError(f"a context kind is 1–{MAX_KEY} characters: {key!r}")
    _CONTEXTS[key] = ContextKind(key, label, link, choices, check, summary_url)


register_source(OTHER, label=_("其他"), manual=True)
# Entered by hand since the ledger began; the command app re-registers it with a link to the directive.
register_source("directive", label=_("通知指令"), manual=True)


def source_kinds() -> list[SourceKind]:
    return list(_SOURCES.values())


def source_choices(*, manual_only: bool = False) -> list[tuple[str, Label]]:
    """(key, label) of the registered kinds (labels lazy), for forms, filters and the API schema."""
    return [(k.key, k.label) for k in _SOURCES.values() if k.manual or not manual_only]


def is_source(key: str) -> bool:
    return key in _SOURCES


def source_label(key: str) -> str:
    """The kind's label; an unregistered kind (its app removed) shows its key."""
    kind = _SOURCES.get(key)
    return str(kind.label) if kind else key


def source_link(key: str, pk: int | None) -> Link | None:
    """The record that raised an entry, as its app shows it; None without one or when it is gone."""
    kind = _SOURCES.get(key)
    if pk is None or kind is None or kind.link is None:
        return None
    return kind.link(pk)


def context(key: str) -> ContextKind | None:
    return _CONTEXTS.get(key)


def context_link(key: str, pk: int | None) -> Link | None:
    kind = _CONTEXTS.get(key)
    if pk is None or kind is None:
        return None
    return kind.link(pk)


def context_label(key: str) -> str:
    kind = _CONTEXTS.get(key)
    return str(kind.label) if kind else key
