"""The tree a rule is parsed into, its values and its errors: evaluation (three-valued, typed) and
static type inference. See the package docstring for the semantics."""

from __future__ import annotations

import datetime as dt
import decimal
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

MAX_DEPTH = 25
DECIMAL_CONTEXT = decimal.Context(
    prec=34, rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
FIELD_TYPE_KINDS = {"int": "number", "decimal": "number", "bool": "bool", "choice": "text", "text": "text",
                    "date": "date"}

Value = Decimal | bool | str | dt.date | None


class RuleError(ValueError):
    """A rule that cannot be read or cannot be applied to these values; `message` is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RuleSyntaxError(RuleError):
    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position  # 1-based character position in the rule


class RuleTypeError(RuleError):
    def __init__(self, message: str, keys: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.keys = frozenset(keys)  # the fields involved, for highlighting


def _kind(value: Value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, Decimal):
        return "number"
    if isinstance(value, str):
        return "text"
    return "date"


def _kind_name(kind: str) -> str:
    return {"number": _("数字"), "text": _("文本"), "bool": _("真假值"), "date": _("日期"), "null": _("空值")}[kind]


def _normalise(value: object, key: str) -> Value:
    """A field value in the rule's own types, or RuleTypeError."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float, Decimal)):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if number.is_finite():
            return number
    elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise RuleTypeError(_("字段 %(key)s 的值“%(value)s”不能用于规则") % {"key": key, "value": value}, [key])


def _compare_problem(op: str, left: _Node, right: _Node, lk: str, rk: str) -> str | None:
    """Why `left op right` is a type error (kinds lk, rk; "any" matches everything), or None."""
    if "any" in (lk, rk):
        return None
    if lk != rk:
        return _("无法比较“%(left)s”（%(left_kind)s）和“%(right)s”（%(right_kind)s）") % {
            "left": left.text, "left_kind": _kind_name(lk), "right": right.text, "right_kind": _kind_name(rk)}
    if lk in ("bool", "text") and op not in ("==", "!="):
        return _("%(kind)s只能用 == 或 != 比较：“%(expr)s”") % {
            "kind": _kind_name(lk), "expr": f"{left.text} {op} {right.text}"}
    return None


def _not_boolean(node: _Node, kind: str) -> str:
    return _("“%(expr)s”是%(kind)s，不是真假值，不能用于 not、and、or、->") % {
        "expr": node.text, "kind": _kind_name(kind)}


def _not_number(node: _Node, kind: str) -> str:
    return _("“%(expr)s”是%(kind)s，不能做算术运算") % {"expr": node.text, "kind": _kind_name(kind)}


# --- The tree a rule is parsed into ------------------------------------------------------------
# evaluate() returns a Value (None = unknown); infer() returns a kind ("any" = unknown field type)
# and appends static type errors.


@dataclass(frozen=True)
class _Node:
    text: str
    depth: int

    def children(self) -> tuple[_Node, ...]:
        return ()

    def keys(self) -> Iterator[str]:
        for child in self.children():
            yield from child.keys()

    def evaluate(self, values: Mapping[str, object]) -> Value:
        raise NotImplementedError

    def infer(self, types: Mapping[str, str], errors: list[str]) -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class _Literal(_Node):
    value: Value

    def evaluate(self, values: Mapping[str, object]) -> Value:
        return self.value

    def infer(self, types: Mapping[str, str], errors: list[str]) -> str:
        return _kind(self.value)


@dataclass(frozen=True)
class _Field(_Node):
    key: str

    def keys(self) -> Iterator[str]:
        yield self.key

    def evaluate(self, values: Mapping[str, object]) -> Value:
        return _normalise(values.get(self.key), self.key)

    def infer(self, types: Mapping[str, str], errors: list[str]) -> str:
        if self.key not in types:
            return "any"  # an unknown key is check_keys' business
        if types[self.key] not in FIELD_TYPE_KINDS:
            errors.append(_("字段 %(key)s 的类型“%(type)s”不能用于规则") % {"key": self.key, "type": types[self.key]})
            return "any"
        return FIELD_TYPE_KINDS[types[self.key]]


_ARITHMETIC: dict[str, Callable[[Decimal, Decimal], Decimal]] = {
    "+": DECIMAL_CONTEXT.add, "-": DECIMAL_CONTEXT.subtract,
    "*": DECIMAL_CONTEXT.multiply, "/": DECIMAL_CONTEXT.divide,
}


@dataclass(frozen=True)
class _Arithmetic(_Node):
    """`operands[0] op[0] operands[1] op[1] ...`, left to right; a lone unary minus is ("-",) on (0, x)."""

    operands: tuple[_Node, ...]
    operators: tuple[str, ...]

    def children(self) -> tuple[_Node, ...]:
        return self.operands

    def evaluate(self, values: Mapping[str, object]) -> Value:
        numbers = [operand.evaluate(values) for operand in self.operands]
        for operand, number in zip(self.operands, numbers, strict=True):
            if number is not None and not isinstance(number, Decimal):
                raise RuleTypeError(_not_number(operand, _kind(number)), operand.keys())
        if any(number is None for number in numbers):
            return None
        decimals = [number for number in numbers if isinstance(number, Decimal)]  # all of them, checked above
        result = decimals[0]
        for op, number in zip(self.operators, decimals[1:], strict=True):
            try:
                result = _ARITHMETIC[op](result, number)
            except decimal.DecimalException:  # division by zero, 0/0, overflow: no value
                return None
        return result

    def infer(self, types: Mapping[str, str], errors: list[str]) -> str:
        for operand in self.operands:
            kind = operand.infer(types, errors)
            if kind not in ("number", "any", "null"):
                errors.append(_not_number(operand, kind))
        return "number"


# Any: the operands are of one comparable kind (_compare_problem refuses the rest), which the
# signature of operator.lt & co. cannot say of a Value.
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


def _is_null(node: _Node) -> bool:
    return isinstance(node, _Literal) and node.value is None


@dataclass(frozen=True)
class _Comparison(_Node):
    op: str
    left: _Node
    right: _Node

    def children(self) -> tuple[_Node, ...]:
        return (self.left, self.right)

    def evaluate(self, values: Mapping[str, object]) -> Value:
        if self.op in ("==", "!=") and (_is_null(self.left) or _is_null(self.right)):
            other = self.right if _is_null(self.left) else self.left
            value = other.evaluate(values)
            empty = value is None or value == ""
            return empty if self.op == "==" else not empty
        left, right = self.left.evaluate(values), self.right.evaluate(values)
        if left is None and isinstance(right, str):
            left = ""
        if right is None and isinstance(left, str):
            right = ""
        if left is None or right is None:
            return None
        problem = _compare_problem(self.op, self.left, self.right, _kind(left), _kind(right))
        if problem:
            raise RuleTypeError(problem, self.keys())
        return _COMPARISONS[self.op](left, right)

    def infer(self, types: Mapping[str, str], errors: list[str]) -> str:
        lk, rk = self.left.infer(types, errors), self.right.infer(types, errors)
        if "null" in (lk, rk):
            if self.op not in ("==", "!="):
                errors.append(_("只能用 == 或 != 与 null 比较：“%(expr)s”") % {"expr": self.text})
            return "bool"
        problem = _compare_problem(self.op, self.left, self.right, lk, rk)
        if problem:
            errors.append(problem)
        return "bool"


def _kleene_not(value: bool | None) -> bool | None:
    return None if value is None else not value


def _kleene(op: str, values: list[bool | None]) -> bool | None:
    decisive = op == "or"  # True decides an `or`, False decides an `and`
    if decisive in values:
        return decisive
    return None if None in values else not decisive


@dataclass(frozen=True)
class _Logic(_Node):
    """`not x` (one operand), `a and b and ...`, `a or b or ...`, `a -> b -> ...` (grouped to the right)."""

    op: str
    operands: tuple[_Node, ...]

    def children(self) -> tuple[_Node, ...]:
        return self.operands

    def evaluate(self, values: Mapping[str, object]) -> Value:
        truths: list[bool | None] = []
        for operand in self.operands:
            truth = operand.evaluate(values)
            if truth is not None and not isinstance(truth, bool):
                raise RuleTypeError(_not_boolean(operand, _kind(truth)), operand.keys())
            truths.append(truth)
        if self.op == "not":
            return _kleene_not(truths[0])
        if self.op == "->":
            result = truths[-1]
            for condition in reversed(truths[:-1]):
                result = _kleene("or", [_kleene_not(condition), result])
            return result
        return _kleene(self.op, truths)

    def infer(self, types: Mapping[str, str], errors: list[str]) -> str:
        for operand in self.operands:
            kind = operand.infer(types, errors)
            if kind not in ("bool", "any", "null"):
                errors.append(_not_boolean(operand, kind))
        return "bool"
