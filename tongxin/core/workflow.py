"""Small state machines: which transitions a record may take, refused with words otherwise.

A `Workflow` lists named transitions (from-states → to-state). `check` returns the transition
or raises ValidationError naming both states in the user's language, so services never
hand-roll `if status == ...` checks and every refused move reads the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str


class Workflow:
    def __init__(self, labels: dict[str, str], transitions: Iterable[tuple[str, Iterable[str], str]]):
        self.labels = labels
        self.transitions = {name: Transition(name, frozenset(src), dst) for name, src, dst in transitions}

    def allowed(self, state: str) -> list[Transition]:
        """Transitions open from `state`, in declaration order."""
        return [t for t in self.transitions.values() if state in t.sources]

    def check(self, state: str, name: str) -> Transition:
        """The transition `name` from `state`, or ValidationError saying why not."""
        transition = self.transitions.get(name)
        if transition is None:
            raise ValidationError({"status": [_("未知的操作：%(name)s") % {"name": name}]})
        if state not in transition.sources:
            labels = {"state": self.labels.get(state, state),
                      "target": self.labels.get(transition.target, transition.target)}
            raise ValidationError({"status": [_("当前状态为「%(state)s」，不能转为「%(target)s」") % labels]})
        return transition
