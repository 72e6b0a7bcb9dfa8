"""Cross-field rules for report forms (报表): a small language that is parsed, never executed.

An administrator writes rules over field keys, for example
``closed_management == false -> closure_exception_reason != ""``. This module guarantees:

- A rule is read by a LALR grammar (lark). No user text ever reaches eval, exec or compile.
- `parse` returns a `Rule` or raises `RuleSyntaxError` with the 1-based character position and a
  message in the user's language. Rules longer than MAX_LENGTH characters or nested deeper than
  MAX_DEPTH levels are refused.
- Evaluation is typed: numbers compare with numbers, booleans with booleans, text with text, dates
  with dates; any other mix raises `RuleTypeError`. `static_type_check` finds the same mistakes
  from the form's field types, so the form builder can refuse them when the rule is saved.

Semantics, so that a rule's verdict is predictable:

- Numbers are Decimals (ints, floats via their shortest repr, Decimals); arithmetic keeps 34
  significant digits, so ``0.1 + 0.2 == 0.3`` holds.
- A missing field (absent or None) is unknown. Arithmetic with an unknown is unknown, a comparison
  with an unknown is unknown, and not/and/or/-> follow three-valued (Kleene) logic. A rule that
  ends up unknown passes: it does not apply. Whether a field must be filled is checked elsewhere.
- Except: ``x == null`` and ``x != null`` test whether x is empty (None or ""); and next to text a
  missing value is "", so ``reason != ""`` fails when no reason was given.
- A division by zero has no value, exactly like a missing field: the comparison it feeds is
  unknown, and unless the rest of the rule decides the verdict, the rule passes.
- ``a -> b`` means ``(not a) or b``; it binds loosest and groups to the right.
- Text compares only with == and != (the code-point order of Chinese text means nothing), so do
  booleans; numbers and dates also with < <= > >=. Comparisons do not chain.
"""

from tongxin.reports.rules.grammar import MAX_LENGTH, Rule, check_keys, parse, static_type_check
from tongxin.reports.rules.tree import (
    DECIMAL_CONTEXT,
    FIELD_TYPE_KINDS,
    MAX_DEPTH,
    RuleError,
    RuleSyntaxError,
    RuleTypeError,
    Value,
)

__all__ = [
    "DECIMAL_CONTEXT", "FIELD_TYPE_KINDS", "MAX_DEPTH", "MAX_LENGTH", "Rule", "RuleError", "RuleSyntaxError",
    "RuleTypeError", "Value", "check_keys", "parse", "static_type_check",
]
