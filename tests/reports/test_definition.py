"""Form definitions: the malformed ones a form builder or an import could send are refused with words."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from tongxin.reports.definition import DefinitionError, validate_definition

BUILTIN = json.loads((Path(__file__).resolve().parents[2] / "tongxin/reports/data/elderly_daily.json")
                     .read_text(encoding="utf-8"))["definition"]


def broken(**changes):
    d = copy.deepcopy(BUILTIN)
    d.update(changes)
    return d


def test_the_builtin_definition_is_valid():
    assert validate_definition(copy.deepcopy(BUILTIN))


@pytest.mark.parametrize("definition", [
    None, [], {"fields": "x"}, broken(rules=5), broken(rules=[{"expr": 5, "message": "m"}]),
    broken(rules=[{"expr": "residents_in_care >", "message": "m"}]),
    broken(key_figures=["no_such_field"]), broken(key_figures=["notes"]),
    broken(figures=[{"key": "x", "label": "x", "kind": "ratio", "numerator": "gone", "denominator": "@count"}]),
    broken(figures=[{"key": "x", "label": "x", "kind": "streak", "fields": []}]),
    broken(figures=[{"key": "x", "label": "x", "kind": "average"}]),
    broken(fields=[{"key": "a", "label": "A", "type": "int", "min": float("nan")}]),
    broken(fields=[{"key": "a", "label": "A", "type": "int", "max": float("inf")}]),
])
def test_malformed_definitions_are_refused_with_a_message(definition):
    with pytest.raises(DefinitionError) as exc:
        validate_definition(definition)
    assert exc.value.errors and all(isinstance(e, str) and e for e in exc.value.errors)
