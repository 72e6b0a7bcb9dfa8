"""Small state machines that also know who may take each step: one answer for services, pages and the API.

A `Workflow` names its states and its transitions (from-states → to-state), each with a label in
the user's language. Where one Chinese word is both a state and a button (退回 "Returned" /
"Return", 挂账 "Open" / "Put on the ledger"), the app gives the labels with `pgettext_lazy` so the
two translate apart.

The app that owns a workflow registers **guards**: `guard(actor, record) -> None`, attached to
one or more transitions, which refuse by raising `PermissionDenied` (or `Http404` when the actor
may not even see the record). core imports no app of ours, so a guard is the owning app's code
(scope, roles, "not whoever fixed it"); the workflow only asks it. Then:

- `allowed_for(actor, record)`: the transitions this actor may take on this record now (its state
  allows them and every guard lets the actor through). Pages draw their buttons from it, the API
  answers it as `allowed_transitions`.
- `take(actor, record, name)`: the same question asked by a service before it writes. It returns
  the transition, or raises what the guard raised, or ValidationError naming the state when the
  state does not allow it. Guards run first, so a stranger gets 404 before any word on the state.
- `refusals(actor, record)`: for steps the state allows but a guard refuses, the guard's words
  (a page shows them instead of a button).
- `check(state, name)`: the state part alone.

Creation is a transition from the empty state `INITIAL` ("" → open): a service asks
`take(actor, Model(unit=unit, status=INITIAL), "open")` before it creates anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext as _

INITIAL = ""  # the state of a record not yet created

Label = str | Promise
Guard = Callable[[Any, Any], None]


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    label: Label = ""
    refusal: Label = ""  # what to say when the state does not allow it; by default both states are named

    def __str__(self) -> str:
        return str(self.label or self.name)


def step(name: str, sources: Iterable[str], target: str, label: Label = "", *, refusal: Label = "") -> Transition:
    """One transition: `name` from any of `sources` to `target`, taken by a button labelled `label`."""
    return Transition(name, frozenset(sources), target, label, refusal)


class Workflow:
    def __init__(self, states: Mapping[str, Label],
                 transitions: Iterable[Transition | tuple[str, Iterable[str], str]], *,
                 state_attr: str = "status") -> None:
        self.labels = dict(states)
        self.state_attr = state_attr
        self.transitions: dict[str, Transition] = {}
        for t in transitions:
            t = t if isinstance(t, Transition) else step(*t)
            self.transitions[t.name] = t
        self._guards: dict[str, list[Guard]] = {name: [] for name in self.transitions}

    # --- declaring -------------------------------------------------------------------------------

    def guard(self, *names: str) -> Callable[[Guard], Guard]:
        """Decorator: `@WORKFLOW.guard("close", "return")` attaches a guard to those transitions."""
        unknown = [n for n in names if n not in self.transitions]
        if unknown or not names:
            raise ValueError(f"guard for unknown transitions: {unknown or '(none named)'}")

        def register(guard: Guard) -> Guard:
            for name in names:
                self._guards[name].append(guard)
            return guard

        return register

    # --- reading ---------------------------------------------------------------------------------

    def state_of(self, record: Any) -> str:
        return str(getattr(record, self.state_attr))

    def state_label(self, state: str) -> str:
        return str(self.labels.get(state, state))

    def label(self, name: str) -> str:
        t = self.transitions.get(name)
        return str(t) if t is not None else name

    def choices(self, *, creation: bool = False) -> list[tuple[str, Label]]:
        """(name, label) of the transitions, for a form or an API enum; creation steps only if asked."""
        return [(t.name, t.label or t.name) for t in self.transitions.values()
                if creation or INITIAL not in t.sources]

    def allowed(self, state: str) -> list[Transition]:
        """Transitions open from `state`, in declaration order, whoever asks."""
        return [t for t in self.transitions.values() if state in t.sources]

    def allowed_for(self, actor: Any, record: Any) -> list[Transition]:
        """Transitions `actor` may take on `record` now: by its state and by every guard."""
        return [t for t in self.allowed(self.state_of(record)) if self._refusal(actor, record, t.name) is None]

    def refusals(self, actor: Any, record: Any) -> dict[str, str]:
        """{name: the guard's words} for the transitions the state allows but a guard refuses this actor."""
        out: dict[str, str] = {}
        for t in self.allowed(self.state_of(record)):
            refusal = self._refusal(actor, record, t.name)
            if refusal:
                out[t.name] = refusal
        return out

    def _refusal(self, actor: Any, record: Any, name: str) -> str | None:
        try:
            self._run_guards(actor, record, name)
        except PermissionDenied as exc:
            return str(exc) or _("您无权进行此操作")
        except Http404:
            return ""
        return None

    # --- enforcing -------------------------------------------------------------------------------

    def _get(self, name: str) -> Transition:
        transition = self.transitions.get(name)
        if transition is None:
            raise ValidationError({"status": [_("未知的操作：%(name)s") % {"name": name}]})
        return transition

    def _run_guards(self, actor: Any, record: Any, name: str) -> None:
        for guard in self._guards.get(name, ()):
            guard(actor, record)

    def check(self, state: str, name: str) -> Transition:
        """The transition `name` from `state`, or ValidationError saying why not."""
        transition = self._get(name)
        if state not in transition.sources:
            if transition.refusal:
                raise ValidationError({"status": [str(transition.refusal)]})
            labels = {"state": self.state_label(state), "target": self.state_label(transition.target)}
            raise ValidationError({"status": [_("当前状态为「%(state)s」，不能转为「%(target)s」") % labels]})
        return transition

    def take(self, actor: Any, record: Any, name: str) -> Transition:
        """The transition `name` for `actor` on `record`, or the guard's refusal (Http404, PermissionDenied),
        or ValidationError when the record's state does not allow it. Changes nothing."""
        self._get(name)
        self._run_guards(actor, record, name)
        return self.check(self.state_of(record), name)
