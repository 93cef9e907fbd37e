import math
import re
import pickle
import time

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kpi_advisor.language.expr import (
    FUNCTIONS,
    Binary,
    BoolOp,
    Compare,
    Expr,
    ExprError,
    FunctionSpec,
    Limits,
    Name,
    Number,
    Unary,
    check_names,
    compile_expr,
    holds_number,
    parse,
)

DF = pl.DataFrame(
    {
        "clicks": [10, 0, 5, None, 3],
        "impressions": [1000, 500, 0, 200, None],
        "link_clicks": [None, 2, 4, None, 1],
        "spend": [50.0, 20.0, 0.0, 10.0, None],
        "ctr": [0.01, 0.0, None, 0.05, 0.02],
        "bounce_rate": [0.7, 0.5, 0.65, None, 0.6],
        "channel": ["search", "social", "search", None, "email"],
        "is_paid": [True, False, True, None, False],
    }
)
COLUMNS = {column: pl.col(column) for column in DF.columns}


def evaluate(source, params=None, df=DF, **kwargs):
    expr = parse(source, **kwargs)
    names = {column: pl.col(column) for column in df.columns} | (params or {})
    compiled = compile_expr(expr, names, functions=kwargs.get("functions"))
    return df.with_columns(__result=compiled)["__result"].to_list()


# --------------------------------------------------------------------- evaluation


@pytest.mark.parametrize(
    "source, expected",
    [
        ("spend / clicks", [5.0, None, 0.0, None, None]),
        ("clicks / impressions", [0.01, 0.0, None, None, None]),
        ("1 / 0", [None] * 5),
        ("0 / 0", [None] * 5),
        ("clicks / null", [None] * 5),
        ("clicks + 1", [11, 1, 6, None, 4]),
        ("1 + 2 * 3", [7] * 5),
        ("(1 + 2) * 3", [9] * 5),
        ("10 - 4 - 3", [3] * 5),
        ("8 / 4 / 2", [1.0] * 5),
        ("-2 * -3", [6] * 5),
        ("- -clicks", [10, 0, 5, None, 3]),
        ("+clicks", [10, 0, 5, None, 3]),
        ("2%", [0.02] * 5),
        ("0.9%", [0.009] * 5),
        ("50% * clicks", [5.0, 0.0, 2.5, None, 1.5]),
        (".5 + 1e3", [1000.5] * 5),
        ("1.5e-1", [0.15] * 5),
        ("1 < 2 < 3", [True] * 5),
        ("3 > 2 > 2", [False] * 5),
        ("0 < clicks <= 5", [False, False, True, None, True]),
        ("clicks == 5", [False, False, True, None, False]),
        ("clicks != 5", [True, True, False, None, True]),
        ("channel == 'search'", [True, False, True, None, False]),
        ('channel == "search"', [True, False, True, None, False]),
        ("'it\\'s' == \"it's\"", [True] * 5),
        ("ctr > 1% and bounce_rate >= 60%", [False, False, None, None, True]),
        ("ctr > 1% or bounce_rate >= 60%", [True, False, True, True, True]),
        ("not clicks > 4", [False, True, False, None, True]),
        ("not is_paid", [False, True, False, None, True]),
        ("true and not false", [True] * 5),
        ("false or true and false", [False] * 5),  # 'and' binds tighter than 'or'
        ("not 1 > 2 and true", [True] * 5),  # not (1 > 2) and true
        ("1 + 1 == 2", [True] * 5),
        ("null", [None] * 5),
        ("clicks + null", [None] * 5),
        ("max(ctr, 0.01) * 2", [0.02, 0.02, 0.02, 0.1, 0.04]),
        ("min(clicks, impressions, 4)", [4.0, 0.0, 0.0, 4.0, 3.0]),
        ("max(clicks)", [10.0, 0.0, 5.0, None, 3.0]),
        ("abs(1 - clicks)", [9.0, 1.0, 4.0, None, 2.0]),
        ("coalesce(link_clicks, clicks)", [10, 2, 4, None, 1]),
        ("coalesce(link_clicks, clicks) / impressions", [0.01, 0.004, None, None, None]),
        ("coalesce(link_clicks, clicks, 0)", [10, 2, 4, 0, 1]),
        ("if_else(clicks > 4, 'many', 'few')", ["many", "few", "many", "few", "few"]),
        ("if_else(is_paid, spend, 0)", [50.0, 0.0, 0.0, 0.0, 0.0]),
        ("is_null(clicks)", [False, False, False, True, False]),
        ("is_null(clicks) or clicks == 0", [False, True, False, True, False]),
        ("clip(clicks, 1, 5)", [5.0, 1.0, 5.0, None, 3.0]),
    ],
)
def test_evaluate(source, expected):
    result = evaluate(source)
    assert len(result) == len(expected)
    for got, want in zip(result, expected):
        if want is None or isinstance(want, (bool, str)):
            assert got == want, (source, result)
        else:
            assert got == pytest.approx(want), (source, result)


def test_division_is_float_and_never_inf_or_nan():
    df = pl.DataFrame({"a": [4, 1, 0, None, 3], "b": [2, 0, 0, 1, None]})
    expr = compile_expr(parse("a / b"), {"a": pl.col("a"), "b": pl.col("b")})
    out = df.select(r=expr)["r"]
    assert out.dtype == pl.Float64
    assert out.to_list() == [2.0, None, None, None, None]


def test_arithmetic_does_not_wrap_around():
    df = pl.DataFrame({"n": [10**10]})
    assert evaluate("n * 1000000000000000", df=df) == [pytest.approx(1e25)]


def test_params_are_python_literals():
    params = {"min_ctr": 0.015, "max_bounce": 65, "target": "search", "enabled": True, "fallback": None}
    assert evaluate("ctr > min_ctr", params) == [False, False, None, True, True]
    assert evaluate("bounce_rate * 100 < max_bounce", params) == [False, True, False, None, True]
    assert evaluate("channel == target and enabled", params) == [True, False, True, None, False]
    assert evaluate("coalesce(fallback, 7)", params) == [7] * 5


def test_and_or_treat_integer_flags_as_booleans_not_bits():
    df = pl.DataFrame({"x": [2, 0, 1], "y": [1, 1, 0]})
    assert evaluate("x and y", df=df) == [True, False, False]
    assert evaluate("not x", df=df) == [False, True, False]


def test_custom_function():
    double = FunctionSpec("double", 1, 1, lambda args: args[0] * 2, doc="double(x)")
    functions = {**FUNCTIONS, "double": double}
    assert evaluate("double(clicks) + 1", functions=functions) == [21, 1, 11, None, 7]
    with pytest.raises(ExprError, match="unknown function 'double'"):
        parse("double(clicks)")
    with pytest.raises(ExprError, match="unknown function 'double'"):
        compile_expr(parse("double(clicks)", functions=functions), COLUMNS)


def test_ast_shape_and_metadata():
    expr = parse("a + b * c")
    assert expr.root == Binary("+", Name("a"), Binary("*", Name("b"), Name("c")))
    assert parse("a - b - c").root == Binary("-", Binary("-", Name("a"), Name("b")), Name("c"))
    assert parse("-2").root == Unary("-", Number(2))
    assert parse("a < b <= c").root == Compare(("<", "<="), (Name("a"), Name("b"), Name("c")))
    assert parse("a and b and c").root == BoolOp("and", (Name("a"), Name("b"), Name("c")))

    expr = parse("max(ctr, min_ctr) > 1% and not is_null(spend)")
    assert isinstance(expr, Expr)
    assert expr.names == {"ctr", "min_ctr", "spend"}
    assert expr.functions == {"max", "is_null"}
    assert expr.source == str(expr) == "max(ctr, min_ctr) > 1% and not is_null(spend)"
    assert parse("1 + 2 + 3").root.column == 1
    assert parse("  ctr").root.column == 3


@pytest.mark.parametrize(
    "source, result_type",
    [
        ("a > b", "bool"),
        ("a and b", "bool"),
        ("not a", "bool"),
        ("is_null(a)", "bool"),
        ("true", "bool"),
        ("a + 1", "number"),
        ("2%", "number"),
        ("-a", "number"),
        ("max(a, b)", "number"),
        ("'x'", "string"),
        ("a", "any"),
        ("null", "any"),
        ("if_else(a, b, c)", "any"),
        ("coalesce(a, b)", "any"),
    ],
)
def test_result_type(source, result_type):
    assert parse(source).result_type == result_type


def test_literal_values():
    assert parse("12").root == Number(12)
    assert isinstance(parse("12").root.value, int)
    assert parse("0.9%").root.value == 0.009
    assert parse("2%").root.value == 0.02
    assert parse("1e3").root.value == 1000.0
    assert parse("1e15").root.value == 1e15
    assert parse(repr("x" * 200)).root.value == "x" * 200


# ------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "source, message, column",
    [
        ("a.b", "attribute access ('.') is not allowed", 2),
        ("ctr > min_ctr.real", "attribute access ('.') is not allowed", 14),
        ("x.5", "attribute access", 2),
        ("().__class__", "attribute access", 3),
        ("x[0]", "subscripts ('[') are not allowed", 2),
        ("2**99999", "'**' (power) is not supported", 2),
        ("2^3", "power", 2),
        ("a = b", "use '==' to compare", 3),
        ("a && b", "use 'and'", 3),
        ("a || b", "use 'or'", 3),
        ("a & b", "use 'and'", 3),
        ("!a", "use 'not'", 1),
        ("a <> b", "use '!='", 3),
        ("5 % 2", "'%' must directly follow a number", 3),
        ("5%%", "'%' must directly follow a number", 3),
        ("__import__('os').system('x')", "names may not start with an underscore ('__import__')", 1),
        ("_private", "may not start with an underscore", 1),
        ("a + _b", "may not start with an underscore", 5),
        ("", "empty expression", None),
        ("   \n ", "empty expression", None),
        ("(a + b", "unclosed '('", 1),
        ("max(a, b", "unclosed '(' in call to max()", 4),
        ("a + b)", "unmatched ')'", 6),
        ("()", "empty parentheses", 1),
        ("a b", "unexpected name 'b'; is an operator missing?", 3),
        ("a 1", "unexpected number '1'", 3),
        ("(a b)", "unexpected name 'b'", 4),
        ("1 + 2 3", "unexpected number '3'", 7),
        ("a +", "expression ends too early; expected a value after '+'", 4),
        ("* a", "expected a value but found '*'", 1),
        ("max(a,)", "expected a value but found ')'", 7),
        ("a < not b", "expected a value but found 'not'", 5),
        ("(a)(b)", "only function names can be called", 4),
        ("max(a)(b)", "only function names can be called", 7),
        ("2(3)", "only function names can be called", 2),
        ("foo(a)", "unknown function 'foo'; known: abs, clip, coalesce, if_else, is_null, max, min", 1),
        ("mx(a)", "unknown function 'mx' (did you mean 'max'?)", 1),
        ("abs(a, b)", "abs() takes exactly 1 argument, got 2", 1),
        ("min()", "min() takes at least 1 argument, got 0", 1),
        ("clip(a, 1)", "clip() takes exactly 3 arguments, got 2", 1),
        ("coalesce(a)", "coalesce() takes at least 2 arguments, got 1", 1),
        ("if_else(1, a, b)", "argument 1 of if_else() must be a true/false value, got a number", 9),
        ("max(a, 'x')", "argument 2 of max() must be a number, got a string", 8),
        ("a AND b", "keywords are lowercase: use 'and'", 3),
        ("a if b else c", "use if_else(condition, value_if_true, value_if_false)", 3),
        ("lambda x: x", "unexpected character ':'", 9),
        ("import os", "unexpected name 'os'", 8),
        ("a @ b", "unexpected character '@'", 3),
        ("a\x00", "unexpected character '\\x00'", 2),
        ("café > 1", "unexpected character 'é'", 4),
        ("'abc", "unterminated string", 1),
        ("1.2.3", "invalid number '1.2.3'", 1),
        ("12abc", "invalid number '12abc'", 1),
        ("1e", "invalid number '1e'", 1),
        ("1e16", "exponent too large", None),
        ("1e99", "exponent too large in '1e99' (at most 15)", 1),
        ("1e-16", "exponent too large", 1),
        ("2000000000000000", "huge literal", 1),
        ("9e15", "huge literal", 1),
        ("1 and ctr", "'and' needs true/false values on both sides, got a number", 1),
        ("ctr > 1 or 'x'", "'or' needs true/false values on both sides, got a string", 12),
        ("(a + 1) and b", "'and' needs true/false values", 2),
        ("not 3", "'not' needs a true/false value, got a number", 5),
        ("'x' + 1", "'+' needs numbers, got a string", 1),
        ("(a > b) * 2", "'*' needs numbers, got a true/false value", 2),
        ("is_null(a) - 1", "'-' needs numbers, got a true/false value", 1),
        ("-true", "'-' needs a number, got a true/false value", 2),
        ("a == null", "comparing with null using '==' always gives null; use is_null(...)", 6),
        ("null != a", "use is_null", 1),
        ("'x' < 1", "'<' cannot compare a string with a number", 7),
        ("1 == true", "'==' cannot compare a number with a true/false value", 6),
    ],
)
def test_rejected(source, message, column):
    with pytest.raises(ExprError) as info:
        parse(source)
    error = info.value
    assert message in error.message
    assert str(error) == error.message
    if column is not None:
        assert error.column == column
        assert error.message.endswith(f"at column {column}")
    assert "\n" not in error.message


@pytest.mark.parametrize("value", [None, 12, 1.5, b"a > b", ["a"]])
def test_non_string_input(value):
    with pytest.raises(ExprError, match="expression must be text"):
        parse(value)


def test_keywords_are_case_sensitive():
    expr = parse("True")
    assert expr.names == {"True"}
    with pytest.raises(ExprError, match=r"unknown name 'True' \(did you mean 'true'\?\)"):
        check_names(expr, ["ctr"])
    with pytest.raises(ExprError, match=r"did you mean 'null'"):
        check_names(parse("None"), [])


def test_check_names():
    check_names(parse("ctr > min_ctr"), ["ctr", "min_ctr", "other"])
    with pytest.raises(ExprError) as info:
        check_names(parse("clicks > 0 and ctrr > min_ctr"), iter(["ctr", "clicks"]))
    assert info.value.message == "unknown name 'ctrr' (did you mean 'ctr'?) at column 16"
    assert info.value.column == 16
    with pytest.raises(ExprError, match=r"^unknown name 'zzz' at column 1$"):
        check_names(parse("zzz"), ["ctr"])


def test_compile_reports_unknown_names_and_bad_bindings():
    with pytest.raises(ExprError, match=r"unknown name 'spnd' \(did you mean 'spend'\?\)"):
        compile_expr(parse("spnd / leads"), {"spend": pl.col("spend"), "leads": pl.col("leads")})
    with pytest.raises(ExprError, match="'min_ctr' is a list"):
        compile_expr(parse("ctr > min_ctr"), {"ctr": pl.col("ctr"), "min_ctr": [1, 2]})
    with pytest.raises(TypeError):
        compile_expr("a > 1", {"a": pl.col("a")})


def test_error_pickles_with_column():
    error = pickle.loads(pickle.dumps(ExprError("bad thing", 7)))
    assert (error.message, error.column, error.reason) == ("bad thing at column 7", 7, "bad thing")


# ------------------------------------------------------------------------- limits


def assert_fast_error(source, match, limits=Limits()):
    start = time.perf_counter()
    with pytest.raises(ExprError, match=match):
        parse(source, limits=limits)
    # A bound against a hang (exponential parsing), not a speed target: those live in bench/.
    assert time.perf_counter() - start < 10.0


BIG = Limits(max_length=10**7)


def test_hostile_inputs_fail_fast():
    assert_fast_error("9" * 2000, "too long")
    assert_fast_error("9" * 2000, "huge literal", BIG)
    assert_fast_error("(" * 10_000 + "a" + ")" * 10_000, "too long")
    assert_fast_error("(" * 10_000 + "a" + ")" * 10_000, "nested too deeply", BIG)
    assert_fast_error("-" * 10_000 + "x", "too long")
    assert_fast_error("-" * 10_000 + "x", "nested too deeply", BIG)
    assert_fast_error("not " * 10_000 + "x", "nested too deeply", BIG)
    assert_fast_error("max(" * 10_000 + "x" + ")" * 10_000, "nested too deeply", BIG)
    assert_fast_error("'" + "x" * 2**20 + "'", r"too long \(1048578 characters; limit expr_length=1000\)")
    assert_fast_error("'" + "x" * 2**20 + "'", "string is too long", BIG)
    assert_fast_error("a" * 2**20, "too long")


def test_python_recursion_limit_is_never_hit():
    limits = Limits(max_length=10**7, max_depth=10**6)
    assert_fast_error("(" * 50_000 + "a" + ")" * 50_000, "nested too deeply", limits)


def test_depth_limit_counts_ast_nesting():
    parse("(" * 39 + "a" + ")" * 39)
    assert_fast_error("(" * 41 + "a" + ")" * 41, r"nested too deeply \(limit expr_depth=40 levels\)")
    assert_fast_error(" + ".join(["a"] * 50), "nested too deeply")
    # and/or are n-ary, so long lists of conditions are fine
    parse(" and ".join(f"c{i} > 0" for i in range(60)))


def test_node_and_string_limits():
    parse(" + ".join(["1"] * 10), limits=Limits(max_nodes=19))
    assert_fast_error(" + ".join(["1"] * 10), r"too large \(more than 18 parts; limit expr_nodes\)", Limits(max_nodes=18))
    assert_fast_error(repr("x" * 201), r"string is too long \(limit expr_string=200 characters\)")
    assert_fast_error("5", "huge literal", Limits(max_abs_number=4))
    assert_fast_error("500%", "huge literal", Limits(max_abs_number=4))
    parse("400%", limits=Limits(max_abs_number=4))


# --------------------------------------------------------------------- properties

GRAMMAR_ALPHABET = "abcx_019.%()+-*/<>=!&|,'\" \n[]eE" + "andortuflsi"


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=60), st.text(alphabet=GRAMMAR_ALPHABET, max_size=40)))
def test_parse_only_raises_expr_error(source):
    try:
        expr = parse(source)
    except ExprError as error:
        assert error.message and "\n" not in error.message
        return
    # Whatever parses must also compile once its names are bound.
    compile_expr(expr, {name: pl.col(name) for name in expr.names})


_TOKENS = [
    "a", "b1", "max", "(", ")", ",", "+", "-", "*", "/", "<", "<=", "==", "!=", "and", "or", "not",
    "true", "null", "1", "2.5", "50%", "'s'", "is_null", "if_else", "coalesce",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=25))
def test_token_soup_only_raises_expr_error(tokens):
    try:
        expr = parse(" ".join(tokens))
    except ExprError:
        return
    compile_expr(expr, {name: pl.col(name) for name in expr.names})


# Random arithmetic over columns, checked row by row against plain Python.

_LITERALS = [("2", 2.0), ("0.5", 0.5), (".25", 0.25), ("50%", 0.5), ("2.5%", 0.025), ("1e2", 100.0), ("0", 0.0),
             ("3", 3.0), ("null", None)]
_COLS = ["a", "b", "c"]

_leaves = st.one_of(
    st.sampled_from(_COLS).map(lambda c: ("col", c)),
    st.sampled_from(_LITERALS).map(lambda lit: ("lit", *lit)),
)
_trees = st.recursive(
    _leaves,
    lambda sub: st.one_of(
        st.tuples(st.just("bin"), st.sampled_from("+-*/"), sub, sub),
        st.tuples(st.just("neg"), sub),
        st.tuples(st.just("call"), st.sampled_from(["min", "max"]), st.lists(sub, min_size=1, max_size=3)),
        st.tuples(st.just("call"), st.just("abs"), st.lists(sub, min_size=1, max_size=1)),
    ),
    max_leaves=12,
)
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


def render(tree, minimal=True):
    """Source text for `tree`, and its precedence.  With minimal=False every
    compound operand is parenthesized."""
    kind = tree[0]
    if kind == "col":
        return tree[1], 4
    if kind == "lit":
        return tree[1], 4
    if kind == "call":
        return f"{tree[1]}({', '.join(render(arg, minimal)[0] for arg in tree[2])})", 4
    if kind == "neg":
        text, prec = render(tree[1], minimal)
        return "-" + (text if prec >= 3 and (minimal or prec == 4) else f"({text})"), 3
    _, op, left, right = tree
    prec = _PRECEDENCE[op]
    left_text, left_prec = render(left, minimal)
    right_text, right_prec = render(right, minimal)
    if left_prec < prec or (not minimal and left_prec < 4):
        left_text = f"({left_text})"
    if right_prec <= prec or (not minimal and right_prec < 4):  # left associative
        right_text = f"({right_text})"
    return f"{left_text} {op} {right_text}", prec


def reference(tree, row):
    kind = tree[0]
    if kind == "col":
        value = row[tree[1]]
        return None if value is None else float(value)
    if kind == "lit":
        return tree[2]
    if kind == "neg":
        value = reference(tree[1], row)
        return None if value is None else -value
    if kind == "call":
        values = [reference(arg, row) for arg in tree[2]]
        if tree[1] == "abs":
            return None if values[0] is None else abs(values[0])
        present = [v for v in values if v is not None]  # min/max skip nulls
        if not present:
            return None
        return min(present) if tree[1] == "min" else max(present)
    _, op, left, right = tree
    x, y = reference(left, row), reference(right, row)
    if x is None or y is None:
        return None
    if op == "/":
        return None if y == 0 else x / y
    return {"+": x + y, "-": x - y, "*": x * y}[op]


def same(got, want):
    if want is None or got is None:
        return got is want
    if math.isnan(want):
        return math.isnan(got)
    return math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12)


_small_floats = st.sampled_from([0.0, 1.0, -1.0, 2.5, -3.0, 0.1, 10.0])
_small_ints = st.integers(-5, 5)
_rows = st.lists(
    st.tuples(st.none() | _small_floats, st.none() | _small_ints, st.none() | _small_floats),
    min_size=1,
    max_size=6,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_trees, _rows)
def test_random_arithmetic_matches_python(tree, rows):
    source, _ = render(tree)
    expr = parse(source)
    assert expr.root == parse(render(tree, minimal=False)[0]).root  # precedence agrees with parentheses

    df = pl.DataFrame(
        {"a": [r[0] for r in rows], "b": [r[1] for r in rows], "c": [r[2] for r in rows]},
        schema={"a": pl.Float64, "b": pl.Int64, "c": pl.Float64},
    )
    compiled = compile_expr(expr, {name: pl.col(name) for name in _COLS})
    result = df.with_columns(__r=compiled)["__r"].to_list()
    for got, row in zip(result, df.iter_rows(named=True)):
        want = reference(tree, row)
        assert same(got, want), (source, row, got, want)


# ------------------------------------------------------- comparing at 12 significant digits

NEAR = pl.DataFrame({"x": [0.7999999999999999, 0.30000000000000004, 1e-20, float("inf"), None, 0.8019000000000001]})


@pytest.mark.parametrize(
    "source, numbers, expected",
    [
        # 0.7 + 0.1 is 0.7999999999999999 in floats: at a report's 12 digits both sides are 0.8
        ("x > 0.8", {"x"}, [False, False, False, True, None, True]),
        ("x >= 0.8", {"x"}, [True, False, False, True, None, True]),
        ("x == 0.7 + 0.1", {"x"}, [True, False, False, False, None, False]),
        ("x == 1 - 0.7", {"x"}, [False, True, False, False, None, False]),
        ("x <= 0.3", {"x"}, [False, True, True, False, None, False]),
        ("x < 0.3", {"x"}, [False, False, True, False, None, False]),
        ("x != 0.3", {"x"}, [True, False, True, True, None, True]),
        ("x > 0.8019", {"x"}, [False, False, False, True, None, False]),
        # the tolerance is relative: a tiny number is not zero, and infinity is near nothing finite
        ("x > 0", {"x"}, [True, True, True, True, None, True]),
        ("x == 0", {"x"}, [False, False, False, False, None, False]),
        ("x > 1e15", {"x"}, [False, False, False, True, None, False]),
        # a name bound to a Python number is known to be one
        ("x > ceiling + margin", {"x"}, [False, False, False, True, None, True]),
        ("ceiling + margin < x", (), [False, False, False, True, None, True]),
        ("x * 1 > 0.8", (), [False, False, False, True, None, True]),
    ],
)
def test_numbers_compare_at_twelve_significant_digits(source, numbers, expected):
    names = {"x": pl.col("x"), "ceiling": 0.7, "margin": 0.1}
    result = NEAR.select(compile_expr(parse(source), names, numbers=numbers)).to_series().to_list()
    assert result == expected


@pytest.mark.parametrize(
    "source, numbers, expected",
    [
        # two columns: near where they agree to 12 digits, if either is known to hold numbers
        ("x == y", {"y"}, [True, True, False, False, None]),
        ("x != y", {"x"}, [False, False, True, True, None]),
        ("x > y", {"x", "y"}, [False, False, True, False, None]),
        ("x >= y", {"x"}, [True, True, True, False, None]),
        ("x < y", {"y"}, [False, False, False, True, None]),
        ("x <= y", {"y"}, [True, True, False, True, None]),
        # two columns nobody said hold numbers compare exactly
        ("x == y", (), [False, False, False, False, None]),
        ("x > y", (), [False, True, True, False, None]),
    ],
)
def test_two_columns_compare_at_twelve_significant_digits(source, numbers, expected):
    frame = pl.DataFrame({"x": [0.7999999999999999, 0.30000000000000004, 1e-20, -2.0, None],
                          "y": [0.8, 0.3, 0.0, 1.0, 1.0]})
    names = {"x": pl.col("x"), "y": pl.col("y")}
    assert frame.select(compile_expr(parse(source), names, numbers=numbers)).to_series().to_list() == expected


def test_text_and_flags_compare_exactly():
    frame = pl.DataFrame({"channel": ["facebook", "Facebook", None], "paid": [True, False, None]})
    names = {"channel": pl.col("channel"), "paid": pl.col("paid"), "home": "facebook"}
    assert frame.select(compile_expr(parse("channel == home"), names)).to_series().to_list() == [True, False, None]
    assert frame.select(compile_expr(parse("paid == true"), names)).to_series().to_list() == [True, False, None]


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=1e-300, max_value=1e300) | st.floats(min_value=-1e300, max_value=-1e-300),
       st.integers(min_value=0, max_value=3), st.integers(min_value=1, max_value=4))
def test_sums_equal_at_twelve_digits_compare_equal(value, noise_ulps, far_digits):
    # A value a few units in the last place off (the noise of adding floats in another order) is
    # equal to it; one off in the 11th significant digit or earlier is not.
    noisy = value
    for _ in range(noise_ulps):
        noisy = math.nextafter(noisy, math.inf)
    far = value * (1 + 10.0 ** -(11 - far_digits))
    frame = pl.DataFrame({"a": [value], "noisy": [noisy], "far": [far]})
    names = {column: pl.col(column) for column in frame.columns}
    row = frame.select(
        same=compile_expr(parse("noisy == a and noisy >= a and noisy <= a and not noisy > a and not noisy < a"), names, numbers={"a"}),
        apart=compile_expr(parse("far != a and (far > a or far < a)"), names, numbers={"a"}),
    ).row(0, named=True)
    assert row == {"same": True, "apart": True}, (value, noisy, far)


@pytest.mark.parametrize(
    "source, holds",
    [
        ("ctr", True), ("channel", False), ("clicks / impressions", True), ("-spend", True), ("2%", True),
        ("coalesce(channel, ctr)", True), ("coalesce(channel, 'x')", False), ("if_else(ctr > 1, 'a', 'b')", False),
        ("if_else(ctr > 1, ctr, 0)", True), ("ctr > 1", False), ("'text'", False), ("abs(channel)", True),
    ],
)
def test_holds_number(source, holds):
    # What a let gives, so that a comparison with it allows for float noise (or does not, for text).
    assert holds_number(parse(source), {"ctr"}) is holds


def test_kind_of_checks_kinds_once_the_names_are_known():
    from kpi_advisor.language.expr import kind_of

    kinds = {"clicks": "number", "campaign": "string"}
    assert kind_of(parse("clicks / 2 > 1 and campaign == 'x'"), kinds) == "bool"
    assert kind_of(parse("if_else(clicks > 1, campaign, 'none')"), kinds) == "string"
    assert kind_of(parse("unknown + 1"), kinds) == "number"  # a name of unknown kind stays "any"
    # Loose where the compiled formula casts: a number as a condition, a condition as a number.
    assert kind_of(parse("clicks and clicks > 1"), kinds) == "bool"
    assert kind_of(parse("big + big"), {**kinds, "big": "bool"}) == "number"
    assert kind_of(parse("if_else(clicks, 1, 2)"), kinds) == "number"
    for source, message in [("campaign + 1", "'+' needs numbers, got a string"),
                            ("clicks > 'a'", "'>' cannot compare a number with a string"),
                            ("not campaign", "'not' needs a true/false value, got a string"),
                            ("campaign or clicks > 1", "'or' needs true/false values on both sides, got a string"),
                            ("if_else(clicks > 1, clicks, campaign)", "the values of if_else() must be of one kind")]:
        with pytest.raises(ExprError, match=re.escape(message)):
            kind_of(parse(source), kinds)
