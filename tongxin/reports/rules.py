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

from __future__ import annotations

import datetime as dt
import decimal
import functools
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.utils.translation import gettext as _
from lark import Lark, Token, Transformer_NonRecursive, UnexpectedCharacters, UnexpectedInput, UnexpectedToken, v_args
from lark.exceptions import VisitError

MAX_LENGTH = 500
MAX_DEPTH = 25
DECIMAL_CONTEXT = decimal.Context(
    prec=34, rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
FIELD_TYPE_KINDS = {"int": "number", "decimal": "number", "bool": "bool", "choice": "text", "text": "text",
                    "date": "date"}

Value = Decimal | bool | str | dt.date | None

_GRAMMAR = r"""
?start: implication
?implication: disjunction (IMPLIES disjunction)*
?disjunction: conjunction (OR conjunction)*
?conjunction: negation (AND negation)*
?negation: NOT negation -> negation
         | comparison
?comparison: sum (COMPARE sum)?
?sum: product ((PLUS | MINUS) product)*
?product: unary (MULTIPLY unary)*
?unary: MINUS unary -> unary
      | atom
?atom: NUMBER -> number
     | STRING -> string
     | (TRUE | FALSE | NULL) -> constant
     | NAME -> field
     | LPAR implication RPAR -> paren

IMPLIES: "->"
OR: "or"
AND: "and"
NOT: "not"
COMPARE: "==" | "!=" | "<=" | ">=" | "<" | ">"
PLUS: "+"
MINUS: "-"
MULTIPLY: "*" | "/"
LPAR: "("
RPAR: ")"
TRUE: "true"
FALSE: "false"
NULL: "null"
NAME: /[a-z_][a-z0-9_]*/
NUMBER: /[0-9]+(\.[0-9]+)?/
STRING: /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/
%ignore /\s+/
"""

_PARSER = Lark(_GRAMMAR, parser="lalr", lexer="basic", propagate_positions=True)
_OPERAND_STARTS = {"NAME", "NUMBER", "STRING", "LPAR", "NOT", "TRUE", "FALSE", "NULL"}
_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t"}
_HALF_WIDTH_PLEASE = set("（）“”‘’＝＜＞！＋－＊／，")


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
        result = numbers[0]
        for op, number in zip(self.operators, numbers[1:], strict=True):
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


_COMPARISONS: dict[str, Callable[[object, object], bool]] = {
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


# --- Parsing -----------------------------------------------------------------------------------


def _syntax_error(position: int, detail: str) -> RuleSyntaxError:
    return RuleSyntaxError(_("第 %(pos)s 个字符处有语法错误：%(detail)s") % {"pos": position, "detail": detail},
                           position)


def _unescape(token: Token) -> str:
    def replace_escape(match: re.Match[str]) -> str:
        if match.group(1) not in _ESCAPES:
            raise _syntax_error(token.start_pos + match.start() + 1,
                                _("不支持的转义“%(escape)s”") % {"escape": match.group(0)})
        return _ESCAPES[match.group(1)]

    return re.sub(r"\\(.)", replace_escape, token[1:-1])


@v_args(meta=True)
class _Builder(Transformer_NonRecursive):
    """Turns lark's parse tree into _Node objects, measuring depth as it goes."""

    def __init__(self, source: str) -> None:
        super().__init__()
        self.source = source

    @staticmethod
    def _depth(meta, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise RuleSyntaxError(_("规则嵌套太深：最多 %(max)s 层") % {"max": MAX_DEPTH}, meta.start_pos + 1)
        return depth

    def _node(self, cls: type[_Node], meta, children: Iterable[_Node], **fields: object) -> _Node:
        depth = self._depth(meta, 1 + max((child.depth for child in children), default=0))
        return cls(text=self.source[meta.start_pos:meta.end_pos], depth=depth, **fields)

    def _chain(self, cls: type[_Node], meta, items: list, **fields: object) -> _Node:
        operands = tuple(item for item in items if isinstance(item, _Node))
        return self._node(cls, meta, operands, operands=operands, **fields)

    def number(self, meta, items: list[Token]) -> _Node:
        return self._node(_Literal, meta, (), value=Decimal(items[0]))

    def string(self, meta, items: list[Token]) -> _Node:
        return self._node(_Literal, meta, (), value=_unescape(items[0]))

    def constant(self, meta, items: list[Token]) -> _Node:
        return self._node(_Literal, meta, (), value={"true": True, "false": False, "null": None}[items[0]])

    def field(self, meta, items: list[Token]) -> _Node:
        return self._node(_Field, meta, (), key=str(items[0]))

    def paren(self, meta, items: list) -> _Node:
        return replace(items[1], depth=self._depth(meta, items[1].depth + 1))

    def unary(self, meta, items: list) -> _Node:
        zero = _Literal(text="0", depth=1, value=Decimal(0))
        return self._node(_Arithmetic, meta, (items[1],), operands=(zero, items[1]), operators=("-",))

    def sum(self, meta, items: list) -> _Node:
        return self._chain(_Arithmetic, meta, items, operators=tuple(str(t) for t in items[1::2]))

    product = sum

    def comparison(self, meta, items: list) -> _Node:
        left, op, right = items
        return self._node(_Comparison, meta, (left, right), op=str(op), left=left, right=right)

    def negation(self, meta, items: list) -> _Node:
        return self._chain(_Logic, meta, items, op="not")

    def conjunction(self, meta, items: list) -> _Node:
        return self._chain(_Logic, meta, items, op="and")

    def disjunction(self, meta, items: list) -> _Node:
        return self._chain(_Logic, meta, items, op="or")

    def implication(self, meta, items: list) -> _Node:
        return self._chain(_Logic, meta, items, op="->")


def _explain(expression: str, error: UnexpectedInput) -> RuleSyntaxError:
    """The parser's complaint in the user's words."""
    if isinstance(error, UnexpectedCharacters):
        position, char = error.pos_in_stream + 1, expression[error.pos_in_stream]
        if char in "\"'":
            detail = _("文本缺少结尾的引号")
        elif char == "=":
            detail = _("多余的“=”，判断相等请写 ==")
        elif char in "&|":
            detail = _("不认识的“%(char)s”，请用 and 或 or") % {"char": char}
        elif char == "!":
            detail = _("不认识的“!”，请用 not，不等于请写 !=")
        elif char in _HALF_WIDTH_PLEASE:
            detail = _("请用英文半角符号，不要用“%(char)s”") % {"char": char}
        elif char.isalpha() and not char.islower():
            detail = _("字段名和关键字只能用小写字母、数字和下划线")
        else:
            detail = _("不认识的字符“%(char)s”") % {"char": char}
        return _syntax_error(position, detail)
    assert isinstance(error, UnexpectedToken)
    token, expected = error.token, set(error.expected)
    if token.type == "$END":
        position, found = len(expression.rstrip()) + 1, _("规则结尾")
    else:
        position, found = token.start_pos + 1, f"“{token}”"
    if token.type == "COMPARE" and expression[position - 2:position] == "<>":
        detail = _("不认识的“<>”，不等于请写 !=")
    elif expected & _OPERAND_STARTS:
        detail = _("这里应是字段名、数字、文本、true、false、null 或左括号，却是%(found)s") % {"found": found}
    elif token.type == "$END" and "RPAR" in expected:
        detail = _("缺少右括号“)”")
    elif token.type == "RPAR":
        detail = _("多余的右括号“)”")
    elif token.type == "LPAR":
        detail = _("“(”前面缺少运算符（规则里不能调用函数）")
    elif token.type == "COMPARE" and "COMPARE" not in expected:
        detail = _("比较不能连写，a < b < c 请写成 a < b and b < c")
    else:
        detail = _("这里应是运算符，却是%(found)s") % {"found": found}
    return _syntax_error(position, detail)


@dataclass(frozen=True)
class Rule:
    """A parsed rule: the field keys it reads, and whether it holds for a report's values."""

    expression: str
    keys: frozenset[str]
    root: _Node = field(repr=False)

    def evaluate(self, values: Mapping[str, object]) -> bool:
        """True when the rule holds or does not apply (unknown); RuleTypeError when types clash."""
        result = self.root.evaluate(values)
        if result is None:
            return True
        if not isinstance(result, bool):
            raise RuleTypeError(_("规则的结果必须是真或假，“%(expr)s”是%(kind)s") % {
                "expr": self.expression.strip(), "kind": _kind_name(_kind(result))}, self.keys)
        return result


@functools.lru_cache(maxsize=1024)  # rules are immutable; a form's rules are parsed on every filing
def parse(expression: str) -> Rule:
    """The rule written in `expression`, or RuleSyntaxError saying where and what is wrong."""
    if len(expression) > MAX_LENGTH:
        raise RuleSyntaxError(_("规则太长：最多 %(max)s 个字符，现在有 %(length)s 个") % {
            "max": MAX_LENGTH, "length": len(expression)}, MAX_LENGTH + 1)
    if not expression.strip():
        raise RuleSyntaxError(_("规则不能为空"), 1)
    try:
        root = _Builder(expression).transform(_PARSER.parse(expression))
    except UnexpectedInput as error:
        raise _explain(expression, error) from None
    except VisitError as error:
        if isinstance(error.orig_exc, RuleSyntaxError):
            raise error.orig_exc from None
        raise
    return Rule(expression=expression, keys=frozenset(root.keys()), root=root)


def check_keys(rule: Rule, known_keys: Iterable[str]) -> list[str]:
    """The keys the rule names that are not among `known_keys`, sorted."""
    return sorted(rule.keys - set(known_keys))


def static_type_check(rule: Rule, field_types: Mapping[str, str]) -> list[str]:
    """Messages for every type clash the rule would hit, judged from the form's field types.

    `field_types` maps keys to "int", "decimal", "bool", "choice", "date" or "text"; keys it does not
    know are left to `check_keys`. An empty list means the rule can be saved.
    """
    errors: list[str] = []
    kind = rule.root.infer(field_types, errors)
    if kind not in ("bool", "any"):
        errors.append(_("规则的结果必须是真或假，“%(expr)s”是%(kind)s") % {
            "expr": rule.expression.strip(), "kind": _kind_name(kind)})
    return list(dict.fromkeys(errors))
