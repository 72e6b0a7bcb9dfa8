"""core.workflow on its own: states, guards and the one answer they give."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tongxin.core.workflow import INITIAL, Workflow, step


def door() -> Workflow:
    flow = Workflow({"shut": "关", "open": "开"}, [
        step("make", [INITIAL], "shut", "安装"),
        step("open", ["shut"], "open", "开门"),
        step("shut", ["open"], "shut", "关门", refusal="门已关"),
    ])

    @flow.guard("open", "shut")
    def keyholder(actor, record):
        if actor != record.owner:
            raise PermissionDenied("只有主人可以开关门")

    return flow


def test_allowed_for_asks_state_and_guards():
    flow, record = door(), SimpleNamespace(status="shut", owner="li")
    assert [t.name for t in flow.allowed_for("li", record)] == ["open"]
    assert flow.allowed_for("zhang", record) == []
    assert flow.refusals("zhang", record) == {"open": "只有主人可以开关门"}


def test_take_runs_the_guards_before_the_state():
    flow, record = door(), SimpleNamespace(status="shut", owner="li")
    with pytest.raises(PermissionDenied):
        flow.take("zhang", record, "shut")  # refused as a stranger, not told the door's state
    with pytest.raises(ValidationError) as exc:
        flow.take("li", record, "shut")
    assert exc.value.message_dict == {"status": ["门已关"]}
    with pytest.raises(ValidationError) as exc:
        flow.take("li", record, "fly")
    assert "status" in exc.value.message_dict
    assert flow.take("li", record, "open").target == "open"
    assert record.status == "shut"  # asking changes nothing


def test_creation_steps_are_not_offered_as_moves():
    assert door().choices() == [("open", "开门"), ("shut", "关门")]


def test_a_guard_for_an_unknown_step_fails_loudly():
    with pytest.raises(ValueError):
        door().guard("fly")
