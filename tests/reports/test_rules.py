"""Cross-field rules on report forms: what an administrator writes, what a report's values make of it."""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tongxin.reports import rules
from tongxin.reports.rules import RuleSyntaxError, RuleTypeError, check_keys, parse, static_type_check


def holds(expression: str, **values: object) -> bool:
    return parse(expression).evaluate(values)


# --- Operators and precedence ------------------------------------------------------------------


@pytest.mark.parametrize("expression", [
    "1 + 2 == 3", "5 - 7 == -2", "4 * 2.5 == 10", "7 / 2 == 3.5", "-(3) == 0 - 3", "- -3 == 3",
    "1 == 1", "1 != 2", "1 < 2", "2 <= 2", "3 > 2", "3 >= 3",
    "not false", "true and true", "false or true", "false -> false", "true -> true",
])
def test_each_operator_computes_what_it_says(expression):
    assert holds(expression)


@pytest.mark.parametrize("expression", [
    "1 == 2", "1 != 1", "2 < 2", "3 <= 2", "2 > 2", "2 >= 3", "not true", "true and false", "false or false",
    "true -> false",
])
def test_each_operator_can_also_say_no(expression):
    assert not holds(expression)


@pytest.mark.parametrize("expression", [
    "1 + 2 * 3 == 7",
    "(1 + 2) * 3 == 9",
    "10 - 4 - 3 == 3",
    "12 / 2 / 3 == 2",
    "-2 * 3 == -6",
    "2 - -2 == 4",
    "true or false and false",
    "not 1 > 2",
    "not (true and false)",
    "false -> true -> false",
])
def test_precedence_and_grouping_follow_the_usual_rules(expression):
    assert holds(expression)


def test_not_binds_tighter_than_and():
    assert not holds("not 1 > 2 and false")


def test_implication_binds_loosest():
    assert not holds("true or false -> false")


def test_implication_only_applies_when_the_condition_holds():
    rule = "closed_management == false -> closure_exception_reason != \"\""
    assert holds(rule, closed_management=True, closure_exception_reason="")
    assert holds(rule, closed_management=False, closure_exception_reason="上级批准临时开放")
    assert not holds(rule, closed_management=False, closure_exception_reason="")


# --- The rules administrators write ----------------------------------------------------------


def test_vaccinated_residents_cannot_outnumber_residents():
    rule = parse("residents_vaccinated <= residents_in_care")
    assert rule.keys == {"residents_vaccinated", "residents_in_care"}
    assert rule.evaluate({"residents_vaccinated": 80, "residents_in_care": 120})
    assert rule.evaluate({"residents_vaccinated": 120, "residents_in_care": 120})
    assert not rule.evaluate({"residents_vaccinated": 121, "residents_in_care": 120})


def test_fever_and_suspected_cases_are_bounded_by_twice_the_residents():
    rule = parse("fever_count + suspected_residents <= residents_in_care * 2")
    assert rule.evaluate({"fever_count": 3, "suspected_residents": 1, "residents_in_care": 2})
    assert not rule.evaluate({"fever_count": 4, "suspected_residents": 1, "residents_in_care": 2})


def test_a_confirmed_staff_case_requires_an_isolation_room():
    rule = parse("not (confirmed_staff > 0) or isolation_room_ready == true")
    assert rule.evaluate({"confirmed_staff": 0, "isolation_room_ready": False})
    assert rule.evaluate({"confirmed_staff": 1, "isolation_room_ready": True})
    assert not rule.evaluate({"confirmed_staff": 1, "isolation_room_ready": False})


def test_a_keyword_inside_a_longer_name_is_just_a_field_key():
    assert parse("android > notes and order_count >= 0").keys == {"android", "notes", "order_count"}


# --- Missing values and null -----------------------------------------------------------------


def test_a_missing_value_makes_a_comparison_unknown_and_the_rule_passes():
    assert holds("residents_vaccinated <= residents_in_care", residents_vaccinated=500)
    assert holds("residents_vaccinated <= residents_in_care", residents_vaccinated=500, residents_in_care=None)
    assert holds("not (confirmed_staff > 0)")
    assert holds("fever_count + 1 > 100", fever_count=None)


def test_unknown_follows_three_valued_logic_when_the_other_side_decides():
    assert not holds("a > 0 and b == 1", b=2)
    assert holds("a > 0 and b == 1", b=1)
    assert holds("a > 0 or b == 1", b=1)
    assert holds("a > 0 or b == 1", b=2)
    assert not holds("b == 1 and (a > 0 -> b == 2)", a=None, b=2)


def test_comparing_with_null_tests_whether_a_field_is_empty():
    assert holds("reason == null")
    assert holds("reason == null", reason=None)
    assert holds("reason == null", reason="")
    assert not holds("reason == null", reason="停电")
    assert holds("null != count", count=0)
    assert not holds("count != null", count=None)
    assert holds("flag != null", flag=False)
    assert holds("null == null")


def test_a_missing_text_counts_as_empty_text():
    assert not holds('closure_exception_reason != ""', closure_exception_reason=None)
    assert not holds('closure_exception_reason != ""')
    assert holds('closure_exception_reason == ""')
    assert not holds("reason == '停电'")


def test_a_division_by_zero_has_no_value_so_the_comparison_it_feeds_passes():
    assert holds("fever_count / residents_in_care <= 0.5", fever_count=3, residents_in_care=0)
    assert holds("0 / 0 == 1")
    assert holds("residents_in_care != 0 -> fever_count / residents_in_care <= 0.5", fever_count=3,
                 residents_in_care=0)
    assert not holds("fever_count / residents_in_care <= 0.5", fever_count=3, residents_in_care=4)


def test_a_division_by_zero_does_not_excuse_the_rest_of_the_rule():
    assert not holds("staff > 5 and fever_count / residents_in_care <= 0.5", staff=1, fever_count=3,
                     residents_in_care=0)


# --- Text, booleans, numbers, dates ------------------------------------------------------------


def test_text_in_either_quote_with_simple_escapes():
    assert holds("status == '正常'", status="正常")
    assert holds('status == "正常"', status="正常")
    assert holds(r'note == "他说\"好\"\n"', note='他说"好"\n')
    assert holds(r"note == 'it\'s \\ ok\t'", note="it's \\ ok\t")


def test_text_is_compared_exactly():
    assert not holds("status == '正常'", status="正常 ")
    assert holds("level != 'high'", level="low")


def test_booleans_compare_with_booleans_and_stand_as_rules_themselves():
    assert holds("isolation_room_ready == true", isolation_room_ready=True)
    assert holds("isolation_room_ready != false", isolation_room_ready=True)
    assert holds("isolation_room_ready", isolation_room_ready=True)
    assert not holds("isolation_room_ready and closed_management", isolation_room_ready=True,
                     closed_management=False)


def test_decimal_arithmetic_is_exact():
    assert holds("0.1 + 0.2 == 0.3")
    assert holds("a + b == 0.3", a=0.1, b=0.2)
    assert holds("a + b == 0.3", a=Decimal("0.1"), b=Decimal("0.2"))
    assert holds("a * 3 == 0.9", a=0.3)
    assert holds("a == 2", a=Decimal("2.000"))


def test_two_date_fields_compare_in_calendar_order():
    rule = parse("closed_since <= report_date")
    assert rule.evaluate({"closed_since": dt.date(2021, 7, 26), "report_date": dt.date(2021, 8, 1)})
    assert not rule.evaluate({"closed_since": dt.date(2021, 8, 2), "report_date": dt.date(2021, 8, 1)})


# --- Type errors at evaluation -----------------------------------------------------------------


def test_comparing_a_number_with_text_is_a_type_error_naming_the_field():
    with pytest.raises(RuleTypeError) as caught:
        holds('residents_in_care == "abc"', residents_in_care=12)
    assert "residents_in_care" in caught.value.message
    assert caught.value.keys == {"residents_in_care"}


@pytest.mark.parametrize(("expression", "values", "key"), [
    ("a < b", {"a": 1, "b": dt.date(2021, 7, 26)}, "b"),
    ("a + 1 > 0", {"a": "三"}, "a"),
    ("-a < 0", {"a": True}, "a"),
    ("a and b", {"a": True, "b": 1}, "b"),
    ("not a", {"a": "x"}, "a"),
    ("a < true", {"a": False}, "a"),
    ("a < 'x'", {"a": "y"}, "a"),
    ("a + 1", {"a": 1}, "a"),
    ("a > 0", {"a": [1]}, "a"),
    ("a > 0", {"a": float("nan")}, "a"),
    ("a > b", {"a": dt.datetime(2021, 7, 26, 8), "b": dt.datetime(2021, 7, 26, 9)}, "a"),
])
def test_mixing_types_is_a_type_error(expression, values, key):
    with pytest.raises(RuleTypeError) as caught:
        holds(expression, **values)
    assert key in caught.value.message


# --- Syntax errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(("expression", "position", "words"), [
    ("a <=", 5, "规则结尾"),
    ("a === b", 5, "=="),
    ("(a < b", 7, "缺少右括号"),
    ("a < b )", 7, "多余的右括号"),
    ("a <> b", 4, "!="),
    ("__import__('os')", 11, "函数"),
    ("a.b", 2, "“.”"),
    ("a[0]", 2, "“[”"),
    ("lambda: 1", 7, "“:”"),
    ('reason == "abc', 11, "引号"),
    ("a < b < c", 7, "连写"),
    ("a b", 3, "运算符"),
    ("Fever > 1", 1, "小写"),
    ("（a > 1）", 1, "半角"),
    ("a && b", 3, "and"),
    (r"a == 'x\q'", 7, r"\q"),
    ("a > 1 and", 10, "规则结尾"),
])
def test_a_malformed_rule_is_refused_with_the_position_of_the_mistake(expression, position, words):
    with pytest.raises(RuleSyntaxError) as caught:
        parse(expression)
    assert caught.value.position == position
    assert f"第 {position} 个字符" in caught.value.message
    assert words in caught.value.message


@pytest.mark.parametrize("expression", ["", "   "])
def test_an_empty_rule_is_refused(expression):
    with pytest.raises(RuleSyntaxError) as caught:
        parse(expression)
    assert caught.value.position == 1
    assert "不能为空" in caught.value.message


def test_a_rule_over_the_length_limit_is_refused():
    parse("a" * rules.MAX_LENGTH)
    with pytest.raises(RuleSyntaxError) as caught:
        parse("a" * (rules.MAX_LENGTH + 1))
    assert caught.value.position == rules.MAX_LENGTH + 1
    assert str(rules.MAX_LENGTH) in caught.value.message


@pytest.mark.parametrize("nest", [lambda s: f"({s})", lambda s: f"not {s}", lambda s: f"-{s}"])
def test_a_rule_nested_too_deep_is_refused(nest):
    text = "a"
    for _ in range(rules.MAX_DEPTH - 1):
        text = nest(text)
    parse(text)
    with pytest.raises(RuleSyntaxError) as caught:
        parse(nest(text))
    assert "嵌套太深" in caught.value.message
    assert caught.value.position == 1


def test_a_long_flat_sum_is_not_deep():
    parse(" + ".join(["a"] * 100) + " >= 0")


# --- Checks at save time -----------------------------------------------------------------------


def test_check_keys_names_the_fields_the_form_does_not_have():
    rule = parse("fever_count + coughs <= residents_in_care and zz > 0")
    assert check_keys(rule, ["fever_count", "residents_in_care"]) == ["coughs", "zz"]
    assert check_keys(rule, {"fever_count", "coughs", "residents_in_care", "zz", "extra"}) == []


FIELD_TYPES = {"residents_in_care": "int", "fever_rate": "decimal", "isolation_room_ready": "bool",
               "risk_level": "choice", "closed_since": "date", "report_date": "date", "reason": "text"}


@pytest.mark.parametrize("expression", [
    "residents_in_care >= 0 and fever_rate <= 1.5",
    "isolation_room_ready == true or risk_level == 'low'",
    "closed_since <= report_date",
    "isolation_room_ready -> reason != ''",
    "reason == null and residents_in_care != null",
    "unknown_field == 'x' and unknown_field > 1",
])
def test_a_well_typed_rule_passes_the_static_check(expression):
    assert static_type_check(parse(expression), FIELD_TYPES) == []


@pytest.mark.parametrize(("expression", "words"), [
    ('residents_in_care == "abc"', "residents_in_care"),
    ("risk_level > 'low'", "risk_level"),
    ("isolation_room_ready < true", "isolation_room_ready"),
    ("reason + 1 > 0", "reason"),
    ("residents_in_care and isolation_room_ready", "residents_in_care"),
    ("closed_since > 3", "closed_since"),
    ("residents_in_care + 1", "真或假"),
    ("residents_in_care < null", "null"),
])
def test_a_badly_typed_rule_is_refused_at_save_time(expression, words):
    errors = static_type_check(parse(expression), FIELD_TYPES)
    assert len(errors) == 1
    assert words in errors[0]


def test_a_field_type_rules_cannot_use_is_reported():
    errors = static_type_check(parse("photo == 'x'"), {"photo": "image"})
    assert errors and "photo" in errors[0] and "image" in errors[0]


# --- Property: the parser and evaluator agree with a plain reference ----------------------------
# A tree is a tuple: ("num", Decimal) | ("field", key) | ("paren", t) | ("neg", t) | (op, left, right) |
# ("not", t). It is rendered with only the parentheses precedence needs (plus explicit "paren" nodes),
# parsed, and evaluated; the reference walks the same tree with Decimal operators and Kleene logic.
# Fields are often zero or missing, so division by zero and unknowns are exercised.

KEYS = ["a", "b", "c"]
LEVEL = {"->": 1, "or": 2, "and": 3, "not": 4, "==": 5, "!=": 5, "<": 5, "<=": 5, ">": 5, ">=": 5,
         "+": 6, "-": 6, "*": 7, "/": 7, "neg": 8, "num": 9, "field": 9, "paren": 9}

numbers = st.one_of(st.just(Decimal(0)), st.decimals(min_value=0, max_value=1000, places=2))
arithmetic = st.recursive(
    st.one_of(st.tuples(st.just("num"), numbers), st.tuples(st.just("field"), st.sampled_from(KEYS))),
    lambda inner: st.one_of(
        st.tuples(st.just("neg"), inner),
        st.tuples(st.just("paren"), inner),
        st.tuples(st.sampled_from("+-*/"), inner, inner),
    ),
    max_leaves=6,
)
comparisons = st.tuples(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), arithmetic, arithmetic)
conditions = st.recursive(
    comparisons,
    lambda inner: st.one_of(
        st.tuples(st.just("not"), inner),
        st.tuples(st.just("paren"), inner),
        st.tuples(st.sampled_from(["and", "or", "->"]), inner, inner),
    ),
    max_leaves=3,
)


def render(tree: tuple) -> str:
    kind = tree[0]
    if kind == "num":
        return format(tree[1], "f")
    if kind == "field":
        return tree[1]
    if kind == "paren":
        return f"({render(tree[1])})"
    if kind in ("neg", "not"):
        operand = render(tree[1])
        if LEVEL[tree[1][0]] < LEVEL[kind]:
            operand = f"({operand})"
        return f"-{operand}" if kind == "neg" else f"not {operand}"
    op, left, right = tree
    left_text, right_text = render(left), render(right)
    right_associative = op == "->"
    if LEVEL[left[0]] < LEVEL[op] or (LEVEL[left[0]] == LEVEL[op] and right_associative):
        left_text = f"({left_text})"
    if LEVEL[right[0]] < LEVEL[op] or (LEVEL[right[0]] == LEVEL[op] and not right_associative):
        right_text = f"({right_text})"
    return f"{left_text} {op} {right_text}"


def depth(tree: tuple) -> int:
    return 1 + max((depth(child) for child in tree[1:] if isinstance(child, tuple)), default=0)


def reference(tree: tuple, values: dict[str, Decimal | None]) -> Decimal | bool | None:
    kind = tree[0]
    if kind == "num":
        return tree[1]
    if kind == "field":
        return values[tree[1]]
    if kind == "paren":
        return reference(tree[1], values)
    if kind == "neg":
        value = reference(tree[1], values)
        return None if value is None else -value
    if kind == "not":
        truth = reference(tree[1], values)
        return None if truth is None else not truth
    op, left, right = tree[0], reference(tree[1], values), reference(tree[2], values)
    if op == "->":
        op, left = "or", (None if left is None else not left)
    if op == "and":
        return False if False in (left, right) else None if None in (left, right) else True
    if op == "or":
        return True if True in (left, right) else None if None in (left, right) else False
    if left is None or right is None:
        return None
    if op == "/" and right == 0:
        return None
    return {
        "+": lambda: left + right, "-": lambda: left - right, "*": lambda: left * right, "/": lambda: left / right,
        "==": lambda: left == right, "!=": lambda: left != right, "<": lambda: left < right,
        "<=": lambda: left <= right, ">": lambda: left > right, ">=": lambda: left >= right,
    }[op]()


field_values = st.one_of(st.none(), st.just(Decimal(0)), st.decimals(min_value=-1000, max_value=1000, places=2))


@settings(max_examples=400)
@given(tree=conditions, values=st.fixed_dictionaries({key: field_values for key in KEYS}))
def test_random_rules_agree_with_a_reference_evaluation(tree, values):
    source = render(tree)
    assume(len(source) <= rules.MAX_LENGTH and depth(tree) <= rules.MAX_DEPTH)
    with decimal.localcontext(rules.DECIMAL_CONTEXT):
        expected = reference(tree, values)
    assert parse(source).evaluate(values) == (True if expected is None else expected), source
