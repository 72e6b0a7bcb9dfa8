"""Reading a rule: the LALR grammar (lark), the tree builder, and messages saying where a rule is wrong."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from lark import Lark, Token, Transformer_NonRecursive, UnexpectedCharacters, UnexpectedInput, UnexpectedToken, v_args
from lark.exceptions import VisitError
from lark.tree import Meta

from tongxin.reports.rules.tree import (
    MAX_DEPTH,
    RuleSyntaxError,
    RuleTypeError,
    _Arithmetic,
    _Comparison,
    _Field,
    _kind,
    _kind_name,
    _Literal,
    _Logic,
    _Node,
)

MAX_LENGTH = 500
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


# --- Parsing -----------------------------------------------------------------------------------


def _syntax_error(position: int, detail: str) -> RuleSyntaxError:
    return RuleSyntaxError(_("第 %(pos)s 个字符处有语法错误：%(detail)s") % {"pos": position, "detail": detail},
                           position)


def _unescape(token: Token) -> str:
    def replace_escape(match: re.Match[str]) -> str:
        if match.group(1) not in _ESCAPES:
            assert token.start_pos is not None  # the lexer places every token it makes
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
    def _depth(meta: Meta, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise RuleSyntaxError(_("规则嵌套太深：最多 %(max)s 层") % {"max": MAX_DEPTH}, meta.start_pos + 1)
        return depth

    def _node(self, cls: type[_Node], meta: Meta, children: Iterable[_Node], **fields: object) -> _Node:
        depth = self._depth(meta, 1 + max((child.depth for child in children), default=0))
        return cls(text=self.source[meta.start_pos:meta.end_pos], depth=depth, **fields)

    def _chain(self, cls: type[_Node], meta: Meta, items: list[Any], **fields: object) -> _Node:
        operands = tuple(item for item in items if isinstance(item, _Node))
        return self._node(cls, meta, operands, operands=operands, **fields)

    def number(self, meta: Meta, items: list[Token]) -> _Node:
        return self._node(_Literal, meta, (), value=Decimal(items[0]))

    def string(self, meta: Meta, items: list[Token]) -> _Node:
        return self._node(_Literal, meta, (), value=_unescape(items[0]))

    def constant(self, meta: Meta, items: list[Token]) -> _Node:
        return self._node(_Literal, meta, (), value={"true": True, "false": False, "null": None}[items[0]])

    def field(self, meta: Meta, items: list[Token]) -> _Node:
        return self._node(_Field, meta, (), key=str(items[0]))

    def paren(self, meta: Meta, items: list[Any]) -> _Node:
        return replace(items[1], depth=self._depth(meta, items[1].depth + 1))

    def unary(self, meta: Meta, items: list[Any]) -> _Node:
        zero = _Literal(text="0", depth=1, value=Decimal(0))
        return self._node(_Arithmetic, meta, (items[1],), operands=(zero, items[1]), operators=("-",))

    def sum(self, meta: Meta, items: list[Any]) -> _Node:
        return self._chain(_Arithmetic, meta, items, operators=tuple(str(t) for t in items[1::2]))

    product = sum

    def comparison(self, meta: Meta, items: list[Any]) -> _Node:
        left, op, right = items
        return self._node(_Comparison, meta, (left, right), op=str(op), left=left, right=right)

    def negation(self, meta: Meta, items: list[Any]) -> _Node:
        return self._chain(_Logic, meta, items, op="not")

    def conjunction(self, meta: Meta, items: list[Any]) -> _Node:
        return self._chain(_Logic, meta, items, op="and")

    def disjunction(self, meta: Meta, items: list[Any]) -> _Node:
        return self._chain(_Logic, meta, items, op="or")

    def implication(self, meta: Meta, items: list[Any]) -> _Node:
        return self._chain(_Logic, meta, items, op="->")


def _explain(expression: str, error: UnexpectedInput) -> RuleSyntaxError:
    """The parser's complaint in the user's words."""
    if isinstance(error, UnexpectedCharacters):
        assert error.pos_in_stream is not None  # the lexer says where it stopped
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
