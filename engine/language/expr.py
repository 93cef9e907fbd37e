"""A small, safe formula language for rule conditions and custom metrics.

Formulas such as ``ctr > min_ctr and bounce_rate >= 60%`` or
``coalesce(link_clicks, clicks) / impressions`` come from user-supplied YAML,
so they are never handed to ``eval``/``exec``/``compile``/``ast``.  Instead a
hand-written tokenizer and recursive-descent parser build a tiny AST of frozen
dataclasses, which is checked at load time and compiled to polars expressions.

Grammar, lowest to highest precedence::

    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)*
    sum        := product (("+" | "-") product)*
    product    := unary (("*" | "/") unary)*
    unary      := ("-" | "+") unary | primary
    primary    := NUMBER ["%"] | STRING | "true" | "false" | "null"
                | NAME | NAME "(" [or_expr ("," or_expr)*] ")" | "(" or_expr ")"

Runtime semantics (see :func:`compile_expr`):

* Arithmetic is done in Float64; ``x / 0`` and ``x / null`` are null, never inf/NaN.
* Nulls propagate through arithmetic and comparisons; ``and``/``or`` follow
  polars' three-valued (Kleene) logic.  Callers decide how to treat a null
  condition (rules typically ``fill_null(False)``).
* ``a < b < c`` means ``a < b and b < c``.
"""

from __future__ import annotations

import math
import operator
import re
import string
from collections.abc import Callable, Container, Iterable, Iterator, KeysView, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache, reduce

import polars as pl

from ..limits import ExprLimits, current

__all__ = [
    "FUNCTIONS",
    "Binary",
    "Bool",
    "BoolOp",
    "Call",
    "Compare",
    "Expr",
    "ExprError",
    "FunctionSpec",
    "Limits",
    "Name",
    "Node",
    "Null",
    "Number",
    "String",
    "Unary",
    "check_names",
    "compile_expr",
    "holds_number",
    "kind_of",
    "parse",
    "parse_cached",
    "walk",
]


# --------------------------------------------------------------------------- errors


class ExprError(ValueError):
    """A formula is invalid; the message is one human-readable line.

    ``message`` includes the location ("... at column 12") when known,
    ``reason`` is the same text without it, ``column`` is the 1-based offset
    into the source (or None).
    """

    def __init__(self, reason: str, column: int | None = None) -> None:
        self.reason = reason
        self.column = column
        self.message = reason if column is None else f"{reason} at column {column}"
        super().__init__(self.message)

    def __reduce__(self):  # keep `column` across pickling (e.g. multiprocessing)
        return (type(self), (self.reason, self.column))


# --------------------------------------------------------------------- configuration


_RESULT_TYPES = ("number", "bool", "any")


@dataclass(frozen=True)
class FunctionSpec:
    """A function callable from formulas.

    ``compile`` receives the already compiled argument expressions.
    ``arg_types`` optionally declares the static type each argument must have
    ("number", "bool" or "any"); the last entry applies to any further
    (variadic) arguments, and an empty tuple disables the check.
    """

    name: str
    min_args: int
    max_args: int | None  # None = variadic
    compile: Callable[[list[pl.Expr]], pl.Expr]
    returns: str = "number"  # "number" | "bool" | "any"
    doc: str = ""
    arg_types: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.returns not in _RESULT_TYPES:
            raise ValueError(f"FunctionSpec.returns must be one of {_RESULT_TYPES}, got {self.returns!r}")


# The limits a formula is held to live with every other limit (kpi_advisor.limits).
Limits = ExprLimits


# ----------------------------------------------------------------------------- AST


@dataclass(frozen=True)
class Node:
    """Base class of AST nodes.  ``column`` is where the node starts in the
    source (1-based); it is informational and excluded from equality."""

    column: int = field(default=0, compare=False, kw_only=True)


@dataclass(frozen=True)
class Number(Node):
    """A number literal."""

    value: int | float


@dataclass(frozen=True)
class String(Node):
    """A quoted text literal."""

    value: str


@dataclass(frozen=True)
class Bool(Node):
    """``true`` or ``false``."""

    value: bool


@dataclass(frozen=True)
class Null(Node):
    """``null``: a value that is missing."""


@dataclass(frozen=True)
class Name(Node):
    """A metric, param, benchmark or let, by its name."""

    name: str


@dataclass(frozen=True)
class Unary(Node):
    """A sign or ``not`` before one operand."""

    op: str  # "-", "+" or "not"
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    """Arithmetic on two operands."""

    op: str  # "+", "-", "*", "/"
    left: Node
    right: Node


@dataclass(frozen=True)
class BoolOp(Node):
    """``and`` or ``or`` over two or more operands."""

    # n-ary so that long "a and b and c ..." lists do not count as deep nesting
    op: str  # "and" | "or"
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Compare(Node):
    """A comparison, chained as ``a < b <= c``."""

    ops: tuple[str, ...]  # len(ops) == len(operands) - 1
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Call(Node):
    """A call of one of the language's functions."""

    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Expr:
    """A parsed, validated formula."""

    source: str
    root: Node
    names: frozenset[str]  # every identifier referenced
    functions: frozenset[str]  # every function called
    result_type: str  # "bool" | "number" | "string" | "any"

    def __str__(self) -> str:
        return self.source


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, (BoolOp, Compare)):
        return node.operands
    if isinstance(node, Call):
        return node.args
    return ()


def _walk(root: Node) -> Iterator[tuple[Node, int]]:
    """Pre-order (source order) walk yielding ``(node, depth)``; iterative so
    that it cannot hit the recursion limit."""
    stack = [(root, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        node, depth = pop()
        yield node, depth
        children = _children(node)
        if children:  # most nodes are leaves: no generator made for them (the walk is half of loading the rule packs)
            depth += 1
            for child in reversed(children):
                push((child, depth))


def walk(root: Node) -> Iterator[Node]:
    """Every node of a parsed expression, in source order."""
    return (node for node, _ in _walk(root))


def _static_type(node: Node, functions: Mapping[str, FunctionSpec]) -> str:
    # The type of a compound node never depends on its children, so this is O(1), but for
    # if_else and coalesce, which take the kind of their values (O(depth)).
    match node:
        case Number():
            return "number"
        case String():
            return "string"
        case Bool() | Compare() | BoolOp() | Unary(op="not"):
            return "bool"
        case Unary() | Binary():
            return "number"
        case Call(name=name, args=args) if name in _SAME_KIND and name in functions and functions[name].returns == "any":
            # The kind its values share (the parser checked they share one), if any is known.
            return next((k for k in (_static_type(a, functions) for a in args[_SAME_KIND[name]:]) if k != "any"), "any")
        case Call(name=name) if name in functions:
            return functions[name].returns
    return "any"  # names, null, unknown functions


# Functions whose values (from this argument on) become one column: they must share a kind,
# or polars fails on the data (if_else(clicks > 1, 'a', 1)) instead of the formula being refused.
_SAME_KIND = {"if_else": 1, "coalesce": 0}


_TYPE_WORDS = {"number": "a number", "string": "a string", "bool": "a true/false value"}


# The checks of kinds, made by the parser on what it can see (literals, operators, functions) and
# by kind_of again once the names' kinds are known. The second is loose (``strict=False``) as the
# compiled formula is: a named number is cast to true/false where one is wanted and back (``spend
# and clicks > 100``, ``a + b`` of two conditions), so only text against a number or a condition
# is refused there, which fails on the data.
def _mismatch(actual: str, wanted: str, strict: bool) -> bool:
    if "any" in (actual, wanted) or actual == wanted:
        return False
    return strict or "string" in (actual, wanted)


def _require(actual: str, wanted: str, reason: str, column: int | None, strict: bool = True) -> None:
    if _mismatch(actual, wanted, strict):
        raise ExprError(f"{reason}, got {_TYPE_WORDS[actual]}", column)


def _check_compare(op: str, left: str, right: str, column: int | None, strict: bool = True) -> None:
    if _mismatch(left, right, strict):
        raise ExprError(f"'{op}' cannot compare {_TYPE_WORDS[left]} with {_TYPE_WORDS[right]}", column)


def _check_call(spec: FunctionSpec, kinds: list[str], args: tuple[Node, ...] | list[Node], column: int | None, strict: bool = True) -> None:
    if spec.arg_types:
        for index, (arg, kind) in enumerate(zip(args, kinds)):
            wanted = spec.arg_types[min(index, len(spec.arg_types) - 1)]
            if wanted != "any":
                what = "a true/false value" if wanted == "bool" else "a number"
                _require(kind, wanted, f"argument {index + 1} of {spec.name}() must be {what}", arg.column, strict)
    if spec.name in _SAME_KIND:
        found = list(dict.fromkeys(k for k in kinds[_SAME_KIND[spec.name]:] if k != "any"))
        if len(found) > 1 and any(_mismatch(found[0], other, strict) for other in found[1:]):
            raise ExprError(f"the values of {spec.name}() must be of one kind, got {_TYPE_WORDS[found[0]]} and {_TYPE_WORDS[found[1]]}",
                            column)


# ----------------------------------------------------------------------- tokenizer


@dataclass(frozen=True, slots=True)
class _Token:
    """One token of a formula's source."""

    kind: str  # "num" | "str" | "name" | "kw" | "op" | "end"
    text: str  # exact source text
    column: int
    value: object = None  # parsed value of "num" and "str" tokens


_KEYWORDS = frozenset({"and", "or", "not", "true", "false", "null"})
_DIGITS = frozenset(string.digits)
_LETTERS = frozenset(string.ascii_letters)
_NAME_CHARS = _LETTERS | _DIGITS | {"_"}
_WHITESPACE = frozenset(" \t\r\n")
# [0-9] rather than \d: \d also matches non-ASCII digits.
_NUMBER_RE = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE]([+-]?[0-9]+))?")
_MAX_EXPONENT = 15
_COMPARISONS = ("<", "<=", ">", ">=", "==", "!=")

# Every recognised symbol; a string value is the error for a symbol we refuse.
_SYMBOLS: dict[str, str | None] = {
    **{op: None for op in (*_COMPARISONS, "+", "-", "*", "/", "(", ")", ",")},
    "**": "'**' (power) is not supported",
    "^": "'^' (power) is not supported",
    "&&": "use 'and' instead of '&&'",
    "||": "use 'or' instead of '||'",
    "&": "use 'and' instead of '&'",
    "|": "use 'or' instead of '|'",
    "!": "use 'not' instead of '!'",
    "~": "use 'not' instead of '~'",
    "<>": "use '!=' for 'not equal'",
    "=": "use '==' to compare ('=' alone is not an operator)",
    ".": "attribute access ('.') is not allowed",
    "[": "subscripts ('[') are not allowed",
    "]": "subscripts (']') are not allowed",
    "%": "'%' must directly follow a number, as in 5% (there is no modulo operator)",
}


def _clip(text: str, limit: int = 24) -> str:
    # Messages are one line: control characters from the source are shown escaped.
    text = text if len(text) <= limit else text[:limit] + "…"
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _tokenize(source: str, limits: Limits) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        column = i + 1
        if ch in _WHITESPACE:
            i += 1
        elif ch in _DIGITS or (
            ch == "." and i + 1 < n and source[i + 1] in _DIGITS
            # "x.5" / "f(a).5" read as attribute access, not as "x" followed by ".5"
            and not (i > 0 and (source[i - 1] in _NAME_CHARS or source[i - 1] == ")"))
        ):
            i = _number(source, i, limits, tokens)
        elif ch in _LETTERS:
            j = i + 1
            while j < n and source[j] in _NAME_CHARS:
                j += 1
            word = source[i:j]
            tokens.append(_Token("kw" if word in _KEYWORDS else "name", word, column))
            i = j
        elif ch == "_":
            j = i + 1
            while j < n and source[j] in _NAME_CHARS:
                j += 1
            # Also what keeps dunders such as __class__ / __import__ out.
            raise ExprError(f"names may not start with an underscore ('{_clip(source[i:j])}')", column)
        elif ch in "'\"":
            i = _string(source, i, limits, tokens)
        else:
            symbol = source[i : i + 2] if source[i : i + 2] in _SYMBOLS else ch
            if symbol not in _SYMBOLS:
                raise ExprError(f"unexpected character {ch!r}", column)
            error = _SYMBOLS[symbol]
            if error is not None:
                raise ExprError(error, column)
            tokens.append(_Token("op", symbol, column))
            i += len(symbol)
    tokens.append(_Token("end", "", n + 1))
    return tokens


def _number(source: str, i: int, limits: Limits, tokens: list[_Token]) -> int:
    """Scan a number (optionally a percentage) at ``i``; return the end offset."""
    match = _NUMBER_RE.match(source, i)
    assert match is not None  # the caller saw a digit or ".digit"
    digits, exponent = match.group(), match.group(1)
    j = match.end()
    percent = j < len(source) and source[j] == "%"
    if percent:
        j += 1
    if j < len(source) and (source[j] in _NAME_CHARS or source[j] == "."):
        k = j
        while k < len(source) and (source[k] in _NAME_CHARS or source[k] == "."):
            k += 1
        raise ExprError(f"invalid number '{_clip(source[i:k])}'", i + 1)
    text = source[i:j]
    if exponent is not None and abs(int(exponent)) > _MAX_EXPONENT:
        raise ExprError(f"exponent too large in '{_clip(text)}' (at most {_MAX_EXPONENT})", i + 1)
    # Decimal keeps "0.9%" == 0.009 exact and copes with any number of digits.
    value = Decimal(digits)
    if percent:
        value /= 100
    if abs(value) > limits.max_abs_number:
        raise ExprError(f"huge literal '{_clip(text)}' (numbers are limited to {limits.max_abs_number:g}: limit expr_number)", i + 1)
    is_integer = not percent and exponent is None and "." not in digits
    tokens.append(_Token("num", text, i + 1, int(value) if is_integer else float(value)))
    return j


def _string(source: str, i: int, limits: Limits, tokens: list[_Token]) -> int:
    """Scan a quoted string at ``i``; return the end offset."""
    quote = source[i]
    chars: list[str] = []
    j = i + 1
    while True:
        if j >= len(source):
            raise ExprError(f"unterminated string (missing closing quote {quote})", i + 1)
        ch = source[j]
        if ch == "\\" and j + 1 < len(source) and source[j + 1] in "'\"\\":
            chars.append(source[j + 1])
            j += 2
        elif ch == quote:
            break
        else:
            chars.append(ch)
            j += 1
        if len(chars) > limits.max_string:
            raise ExprError(f"string is too long (limit expr_string={limits.max_string} characters)", i + 1)
    tokens.append(_Token("str", source[i : j + 1], i + 1, "".join(chars)))
    return j + 1


# -------------------------------------------------------------------------- parser


def _describe(token: _Token) -> str:
    if token.kind == "end":
        return "end of expression"
    if token.kind == "num":
        return f"number '{_clip(token.text)}'"
    if token.kind == "str":
        return f"string {_clip(token.text)}"
    if token.kind == "name":
        return f"name '{_clip(token.text)}'"
    return f"'{token.text}'"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _check_arity(spec: FunctionSpec, count: int, column: int) -> None:
    low, high = spec.min_args, spec.max_args
    if low <= count and (high is None or count <= high):
        return
    if high is None:
        expected = f"at least {_plural(low, 'argument')}"
    elif low == high:
        expected = f"exactly {_plural(low, 'argument')}"
    else:
        expected = f"{low} to {high} arguments"
    raise ExprError(f"{spec.name}() takes {expected}, got {count}", column)


def _unknown_function(name: str, functions: Mapping[str, FunctionSpec], column: int) -> ExprError:
    import difflib  # only on an error

    known = sorted(functions)
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return ExprError(f"unknown function '{_clip(name)}'{hint}; known: {', '.join(known) or 'none'}", column)


_KEYWORD_HINTS = {"true": "true", "false": "false", "null": "null", "none": "null"}


def _unknown_name(name: str, known: Iterable[str], column: int | None) -> ExprError:
    suggestion = _KEYWORD_HINTS.get(name.lower())
    if suggestion is None:
        import difflib

        close = difflib.get_close_matches(name, list(known), n=1)
        suggestion = close[0] if close else None
    hint = f" (did you mean '{suggestion}'?)" if suggestion else ""
    return ExprError(f"unknown name '{_clip(name)}'{hint}", column)


class _Parser:
    def __init__(self, tokens: list[_Token], functions: Mapping[str, FunctionSpec], limits: Limits) -> None:
        self.tokens = tokens
        self.functions = functions
        self.limits = limits
        self.pos = 0
        self.depth = 0

    # -- token helpers

    def peek(self) -> _Token:
        return self.tokens[self.pos]

    def advance(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def at(self, kind: str, *texts: str) -> bool:
        token = self.tokens[self.pos]
        return token.kind == kind and (not texts or token.text in texts)

    def enter(self, token: _Token) -> None:
        # Checked on every recursive descent so that deep input fails fast
        # instead of exhausting the Python stack.
        self.depth += 1
        if self.depth > self.limits.max_depth:
            raise ExprError(f"expression is nested too deeply (limit expr_depth={self.limits.max_depth} levels)", token.column)

    def leave(self) -> None:
        self.depth -= 1

    def unexpected(self, token: _Token) -> ExprError:
        if token.kind == "op" and token.text == ")":
            return ExprError("unmatched ')'", token.column)
        if token.kind == "name" and token.text in ("if", "else"):
            return ExprError(
                f"unexpected '{token.text}'; use if_else(condition, value_if_true, value_if_false)", token.column
            )
        if token.kind == "name" and token.text.lower() in ("and", "or", "not"):
            return ExprError(f"keywords are lowercase: use '{token.text.lower()}'", token.column)
        if token.kind in ("num", "str", "name", "kw") or (token.kind == "op" and token.text == "("):
            return ExprError(f"unexpected {_describe(token)}; is an operator missing?", token.column)
        return ExprError(f"unexpected {_describe(token)}", token.column)

    def require(self, node: Node, wanted: str, reason: str) -> None:
        _require(_static_type(node, self.functions), wanted, reason, node.column)

    # -- grammar

    def parse(self) -> Node:
        node = self.parse_or()
        if not self.at("end"):
            raise self.unexpected(self.peek())
        return node

    def parse_or(self) -> Node:
        return self.bool_chain("or", self.parse_and)

    def parse_and(self) -> Node:
        return self.bool_chain("and", self.parse_not)

    def bool_chain(self, op: str, operand: Callable[[], Node]) -> Node:
        first = operand()
        if not self.at("kw", op):
            return first
        operands = [first]
        while self.at("kw", op):
            self.advance()
            operands.append(operand())
        for node in operands:
            self.require(node, "bool", f"'{op}' needs true/false values on both sides")
        return BoolOp(op, tuple(operands), column=first.column)

    def parse_not(self) -> Node:
        if not self.at("kw", "not"):
            return self.parse_comparison()
        token = self.advance()
        self.enter(token)
        operand = self.parse_not()
        self.leave()
        self.require(operand, "bool", "'not' needs a true/false value")
        return Unary("not", operand, column=token.column)

    def parse_comparison(self) -> Node:
        first = self.parse_sum()
        ops: list[str] = []
        operands = [first]
        while self.at("op", *_COMPARISONS):
            ops.append(self.advance().text)
            operands.append(self.parse_sum())
        if not ops:
            return first
        for op, left, right in zip(ops, operands, operands[1:]):
            self.check_comparison(op, left, right)
        return Compare(tuple(ops), tuple(operands), column=first.column)

    def check_comparison(self, op: str, left: Node, right: Node) -> None:
        for side in (left, right):
            if isinstance(side, Null):
                # Like SQL, "x == null" is null for every row -- almost always a bug.
                raise ExprError(f"comparing with null using '{op}' always gives null; use is_null(...)", side.column)
        _check_compare(op, _static_type(left, self.functions), _static_type(right, self.functions), right.column)

    def parse_sum(self) -> Node:
        return self.arithmetic_chain(("+", "-"), self.parse_product)

    def parse_product(self) -> Node:
        return self.arithmetic_chain(("*", "/"), self.parse_unary)

    def arithmetic_chain(self, ops: tuple[str, ...], operand: Callable[[], Node]) -> Node:
        left = operand()
        while self.at("op", *ops):
            op = self.advance().text
            right = operand()
            for side in (left, right):
                self.require(side, "number", f"'{op}' needs numbers")
            left = Binary(op, left, right, column=left.column)
        return left

    def parse_unary(self) -> Node:
        if self.at("op", "-", "+"):
            token = self.advance()
            self.enter(token)
            operand = self.parse_unary()
            self.leave()
            self.require(operand, "number", f"'{token.text}' needs a number")
            return Unary(token.text, operand, column=token.column)
        node = self.parse_primary()
        if self.at("op", "("):
            raise ExprError("only function names can be called, as in max(a, b)", self.peek().column)
        return node

    def parse_primary(self) -> Node:
        token = self.peek()
        if token.kind == "num":
            self.advance()
            return Number(token.value, column=token.column)
        if token.kind == "str":
            self.advance()
            return String(token.value, column=token.column)
        if token.kind == "kw" and token.text in ("true", "false"):
            self.advance()
            return Bool(token.text == "true", column=token.column)
        if token.kind == "kw" and token.text == "null":
            self.advance()
            return Null(column=token.column)
        if token.kind == "name":
            self.advance()
            if self.at("op", "("):
                return self.parse_call(token)
            return Name(token.text, column=token.column)
        if token.kind == "op" and token.text == "(":
            self.advance()
            self.enter(token)
            if self.at("op", ")"):
                raise ExprError("empty parentheses", token.column)
            node = self.parse_or()
            self.expect_close(token, "unclosed '('")
            self.leave()
            return node
        if token.kind == "end":
            previous = self.tokens[self.pos - 1]
            raise ExprError(f"expression ends too early; expected a value after {_describe(previous)}", token.column)
        raise ExprError(f"expected a value but found {_describe(token)}", token.column)

    def parse_call(self, name_token: _Token) -> Node:
        name = name_token.text
        spec = self.functions.get(name)
        if spec is None:
            raise _unknown_function(name, self.functions, name_token.column)
        open_token = self.advance()
        self.enter(open_token)
        args: list[Node] = []
        if not self.at("op", ")"):
            args.append(self.parse_or())
            while self.at("op", ","):
                self.advance()
                args.append(self.parse_or())
        self.expect_close(open_token, f"unclosed '(' in call to {name}()")
        self.leave()
        _check_arity(spec, len(args), name_token.column)
        _check_call(spec, [_static_type(a, self.functions) for a in args], args, name_token.column)
        return Call(name, tuple(args), column=name_token.column)

    def expect_close(self, open_token: _Token, unclosed: str) -> None:
        if self.at("op", ")"):
            self.advance()
        elif self.at("end"):
            raise ExprError(unclosed, open_token.column)
        else:
            raise self.unexpected(self.peek())


# ---------------------------------------------------------------------- public API


def parse(
    source: str,
    *,
    functions: Mapping[str, FunctionSpec] | None = None,
    limits: Limits | None = None,
) -> Expr:
    """Parse and statically check ``source``; raise :class:`ExprError` if invalid.

    Checks done here: syntax, the :class:`Limits` (by default those in force, see
    :mod:`kpi_advisor.limits`), that every called function
    exists with a valid number of arguments, and obvious type mistakes such as
    ``1 and x`` or ``'a' + 1``.  Names are checked later, against the columns
    and parameters actually available (:func:`check_names`).
    """
    if not isinstance(source, str):
        raise ExprError(f"expression must be text, got {type(source).__name__}")
    return parse_cached(source, functions, limits)


def _parse(source: str, functions: Mapping[str, FunctionSpec], limits: Limits) -> Expr:
    if len(source) > limits.max_length:
        raise ExprError(f"expression is too long ({len(source)} characters; limit expr_length={limits.max_length})")
    tokens = _tokenize(source, limits)
    if tokens[0].kind == "end":
        raise ExprError("empty expression")
    try:
        root = _Parser(tokens, functions, limits).parse()
    except RecursionError:
        # Only reachable with a max_depth far above the default.
        raise ExprError("expression is nested too deeply") from None

    names: set[str] = set()
    called: set[str] = set()
    for count, (node, depth) in enumerate(_walk(root), start=1):
        if count > limits.max_nodes:
            raise ExprError(f"expression is too large (more than {limits.max_nodes} parts; limit expr_nodes)", node.column)
        if depth > limits.max_depth:
            raise ExprError(f"expression is nested too deeply (limit expr_depth={limits.max_depth} levels)", node.column)
        if isinstance(node, Name):
            names.add(node.name)
        elif isinstance(node, Call):
            called.add(node.name)
    return Expr(source, root, frozenset(names), frozenset(called), _static_type(root, functions))


class _Table:
    """A function table as a cache key: by identity, holding it so its id stays its own."""

    __slots__ = ("table",)

    def __init__(self, table: Mapping[str, FunctionSpec]) -> None:
        self.table = table

    def __hash__(self) -> int:
        return id(self.table)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Table) and other.table is self.table


def parse_cached(source: str, functions: Mapping[str, FunctionSpec] | None = None, limits: Limits | None = None) -> Expr:
    """:func:`parse`, memoised per source, function table and limits.

    Every evaluation compiles the same rule conditions and metric formulas, so
    parsing each source once per process keeps the warm path free of parsing.
    ``Expr`` is immutable, so one parsed object is safely shared between
    threads. The cache is bounded because formulas may come from requests.
    Errors are not cached: invalid input is parsed (and rejected) each time.
    A function table is told apart by identity and read when a source is first
    parsed with it: extend a table before using it, not between evaluations.
    """
    if limits is None:
        limits = current().expr()
    return _parse_memo(source, _Table(FUNCTIONS if functions is None else functions), limits)


@lru_cache(maxsize=4096)
def _parse_memo(source: str, table: _Table, limits: Limits) -> Expr:
    return _parse(source, table.table, limits)


def _names_in_order(root: Node) -> Iterator[Name]:
    seen: set[str] = set()
    for node, _ in _walk(root):
        if isinstance(node, Name) and node.name not in seen:
            seen.add(node.name)
            yield node


def check_names(expr: Expr, known: Iterable[str]) -> None:
    """Raise :class:`ExprError` for the first (in source order) name of
    ``expr`` not in ``known``, with a did-you-mean suggestion."""
    if not expr.names:
        return
    # A mapping's keys or a set answer `in` as they are: no copy of a thousand names per call.
    if not isinstance(known, (set, frozenset, KeysView)):
        known = list(known)  # an iterator is read once
    known_set = known if isinstance(known, (set, frozenset, KeysView)) else set(known)
    if expr.names <= known_set:
        return
    for node in _names_in_order(expr.root):
        if node.name not in known_set:
            raise _unknown_name(node.name, list(known), node.column)


_Bindable = pl.Expr | int | float | bool | str | None


def kind_of(expr: Expr, kinds: Mapping[str, str], functions: Mapping[str, FunctionSpec] | None = None) -> str:
    """The kind of ``expr``'s value ("number", "string", "bool" or "any") once its names' kinds are
    known (a metric holds a number, a scope's name is text): the parser's checks of kinds made
    again on names, which it could not judge (``clicks > "a"``, ``campaign + 1``), so that such a
    formula is refused where it is written rather than failing on the data. Loose where the
    compiled formula casts (a number as a condition, a condition as a number). Raises ExprError."""
    functions = FUNCTIONS if functions is None else functions

    def kind(node: Node) -> str:
        match node:
            case Name(name=name):
                return kinds.get(name, "any")
            case Unary(op="not", operand=operand):
                _require(kind(operand), "bool", "'not' needs a true/false value", operand.column, False)
                return "bool"
            case Unary(op=op, operand=operand):
                _require(kind(operand), "number", f"'{op}' needs a number", operand.column, False)
                return "number"
            case Binary(op=op, left=left, right=right):
                for side in (left, right):
                    _require(kind(side), "number", f"'{op}' needs numbers", side.column, False)
                return "number"
            case BoolOp(op=op, operands=operands):
                for operand in operands:
                    _require(kind(operand), "bool", f"'{op}' needs true/false values on both sides", operand.column, False)
                return "bool"
            case Compare(ops=ops, operands=operands):
                found = [kind(operand) for operand in operands]
                for op, left, right, node_right in zip(ops, found, found[1:], operands[1:]):
                    _check_compare(op, left, right, node_right.column, False)
                return "bool"
            case Call(name=name, args=args) if name in functions:
                spec = functions[name]
                found = [kind(arg) for arg in args]
                _check_call(spec, found, args, node.column, False)
                if name in _SAME_KIND and spec.returns == "any":
                    return next((k for k in found[_SAME_KIND[name]:] if k != "any"), "any")
                return spec.returns
        return _static_type(node, functions)

    return kind(expr.root)


def compile_expr(
    expr: Expr,
    names: Mapping[str, _Bindable],
    *,
    functions: Mapping[str, FunctionSpec] | None = None,
    numbers: Container[str] = (),
) -> pl.Expr:
    """Compile ``expr`` to a polars expression.

    ``names`` binds every identifier to a polars expression (typically a
    column) or a Python literal (typically a rule parameter).  ``functions``
    must be the same mapping the expression was parsed with.  ``numbers``
    names the bound columns that hold numbers (a Python number is known to
    be one): a comparison with a number on either side treats two values
    that agree to 12 significant digits as equal (see ``_NEAR``).
    """
    if not isinstance(expr, Expr):
        raise TypeError(f"compile_expr() needs an Expr from parse(), got {type(expr).__name__}")
    functions = FUNCTIONS if functions is None else functions
    check_names(expr, names.keys())
    bound = {name: _bind(name, names[name]) for name in expr.names}
    constants = {name: float(value) for name in expr.names
                 if isinstance(value := names[name], (int, float)) and not isinstance(value, bool)}
    numeric = {name for name in expr.names if name in numbers} | constants.keys()
    return _Compiler(bound, functions, numeric, constants).compile(expr.root)


def _bind(name: str, value: object) -> pl.Expr:
    if isinstance(value, pl.Expr):
        return value
    if value is None or isinstance(value, (bool, int, float, str)):
        return pl.lit(value)
    raise ExprError(
        f"'{name}' is a {type(value).__name__}; expected a column or a number, string, true/false or null"
    )


def _as_number(expr: pl.Expr) -> pl.Expr:
    # Float64 everywhere avoids silent Int64 wrap-around and makes null
    # literals (dtype Null) usable in arithmetic.
    return expr.cast(pl.Float64)


def _as_bool(expr: pl.Expr) -> pl.Expr:
    # Without the cast, polars' & | ~ on integer columns would be bitwise.
    return expr.cast(pl.Boolean)


def _divide(left: pl.Expr, right: pl.Expr) -> pl.Expr:
    return pl.when(right != 0).then(left / right).otherwise(None)


_ARITHMETIC: dict[str, Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": _divide,
}
_COMPARE_OPS: dict[str, Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


# Two numbers that agree to 12 significant digits, the digits a report keeps, are equal: a
# ceiling of 0.7 + 0.1 is 0.7999999999999999 in floats, and 80.0% abandoned carts must not be
# "more than 80.0%". They are near where |a - b| <= _NEAR * (|a| + |b|): half a unit of the 12th
# digit, relative, so a tiny number is still not zero. Numbers in formulas are finite (metrics
# and divisions by zero become null, params and benchmark figures are checked finite).
_NEAR = 2.5e-13


def _band(left: pl.Expr, right: pl.Expr) -> pl.Expr:
    return (left.abs() + right.abs()) * _NEAR


# Each is the plain comparison with "near" folded in: a strict one holds only where the sides
# are not near, the others also where they are. Two columns: the band is a column too.
_NEAR_COMPARE: dict[str, Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    ">": lambda a, b: (a - b) > _band(a, b),
    ">=": lambda a, b: (a - b) >= -_band(a, b),
    "<": lambda a, b: (b - a) > _band(a, b),
    "<=": lambda a, b: (b - a) >= -_band(a, b),
    "==": lambda a, b: (a - b).abs() <= _band(a, b),
    "!=": lambda a, b: (a - b).abs() > _band(a, b),
}
# Against a constant c the band is c's own, 2 * _NEAR * |c| (the same to within 1e-25): the
# comparison stays one comparison with a shifted constant, as cheap as the plain one.
_NEAR_CONSTANT: dict[str, Callable[[pl.Expr, float, float], pl.Expr]] = {
    ">": lambda x, c, band: x > c + band,
    ">=": lambda x, c, band: x >= c - band,
    "<": lambda x, c, band: x < c - band,
    "<=": lambda x, c, band: x <= c + band,
    "==": lambda x, c, band: x.is_between(c - band, c + band),
    "!=": lambda x, c, band: ~x.is_between(c - band, c + band),
}
_FLIPPED = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "==", "!=": "!="}
_FOLD: dict[str, Callable[[float, float], float]] = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


def _near_constant(op: str, value: pl.Expr, constant: float) -> pl.Expr:
    band = 2 * _NEAR * abs(constant) if math.isfinite(constant) else 0.0
    return _NEAR_CONSTANT[op](value, constant, band)


def _holds_number(node: Node, numbers: Container[str], functions: Mapping[str, FunctionSpec]) -> bool:
    match node:
        case Name(name=name):
            return name in numbers
        case Call(name=name, args=args) if name in _SAME_KIND and name in functions and functions[name].returns == "any":
            return any(_holds_number(a, numbers, functions) for a in args[_SAME_KIND[name]:])
    return _static_type(node, functions) == "number"


def holds_number(expr: Expr, numbers: Container[str], functions: Mapping[str, FunctionSpec] | None = None) -> bool:
    """Whether ``expr`` gives a number where the names in ``numbers`` hold numbers."""
    return _holds_number(expr.root, numbers, FUNCTIONS if functions is None else functions)


class _Compiler:
    __slots__ = ("bound", "functions", "numeric", "constants")

    def __init__(self, bound: Mapping[str, pl.Expr], functions: Mapping[str, FunctionSpec], numeric: Container[str],
                 constants: Mapping[str, float]) -> None:
        self.bound = bound
        self.functions = functions
        self.numeric = numeric
        self.constants = constants

    def is_number(self, node: Node) -> bool:
        return _holds_number(node, self.numeric, self.functions)

    def constant(self, node: Node) -> float | None:
        """The value of a part made of numbers and params alone (``ceiling + margin``), else None."""
        match node:
            case Number(value=value):
                return float(value)
            case Name(name=name):
                return self.constants.get(name)
            case Unary(op="-" | "+" as op, operand=operand):
                value = self.constant(operand)
                return None if value is None else (-value if op == "-" else value)
            case Binary(op=op, left=left, right=right):
                left_value, right_value = self.constant(left), self.constant(right)
                if left_value is None or right_value is None or (op == "/" and right_value == 0):
                    return None
                return _FOLD[op](left_value, right_value)
        return None

    def compare(self, op: str, left: Node, right: Node, left_expr: pl.Expr, right_expr: pl.Expr) -> pl.Expr:
        if (value := self.constant(right)) is not None:
            return _near_constant(op, left_expr, value)
        if (value := self.constant(left)) is not None:
            return _near_constant(_FLIPPED[op], right_expr, value)
        if self.is_number(left) or self.is_number(right):
            return _NEAR_COMPARE[op](_as_number(left_expr), _as_number(right_expr))
        return _COMPARE_OPS[op](left_expr, right_expr)

    def compile(self, node: Node) -> pl.Expr:
        compile_ = self.compile
        match node:
            case Number(value=value) | String(value=value) | Bool(value=value):
                return pl.lit(value)
            case Null():
                return pl.lit(None)
            case Name(name=name):
                return self.bound[name]
            case Unary(op="not", operand=operand):
                return ~_as_bool(compile_(operand))
            case Unary(op="-", operand=operand):
                return -_as_number(compile_(operand))
            case Unary(op="+", operand=operand):
                return _as_number(compile_(operand))
            case Binary(op=op, left=left, right=right):
                return _ARITHMETIC[op](_as_number(compile_(left)), _as_number(compile_(right)))
            case BoolOp(op=op, operands=operands):
                combine = operator.and_ if op == "and" else operator.or_
                return reduce(combine, (_as_bool(compile_(o)) for o in operands))
            case Compare(ops=ops, operands=operands):
                compiled = [compile_(o) for o in operands]
                parts = [self.compare(op, *pair, *exprs)
                         for op, pair, exprs in zip(ops, zip(operands, operands[1:]), zip(compiled, compiled[1:]))]
                return reduce(operator.and_, parts)
            case Call(name=name, args=args):
                spec = self.functions.get(name)
                if spec is None:
                    raise _unknown_function(name, self.functions, node.column)
                _check_arity(spec, len(args), node.column)
                return spec.compile([compile_(a) for a in args])
        raise TypeError(f"not an expression node: {node!r}")


# ------------------------------------------------------------------------ built-ins


def _if_else(args: list[pl.Expr]) -> pl.Expr:
    return pl.when(_as_bool(args[0])).then(args[1]).otherwise(args[2])


FUNCTIONS: dict[str, FunctionSpec] = {
    spec.name: spec
    for spec in (
        FunctionSpec(
            "min", 1, None,
            lambda args: pl.min_horizontal([_as_number(a) for a in args]),
            doc="min(a, b, ...): smallest argument, row by row; nulls are skipped.",
            arg_types=("number",),
        ),
        FunctionSpec(
            "max", 1, None,
            lambda args: pl.max_horizontal([_as_number(a) for a in args]),
            doc="max(a, b, ...): largest argument, row by row; nulls are skipped.",
            arg_types=("number",),
        ),
        FunctionSpec(
            "abs", 1, 1,
            lambda args: _as_number(args[0]).abs(),
            doc="abs(x): absolute value.",
            arg_types=("number",),
        ),
        FunctionSpec(
            "coalesce", 2, None,
            lambda args: pl.coalesce(args),
            returns="any",
            doc="coalesce(a, b, ...): first argument that is not null.",
        ),
        FunctionSpec(
            "if_else", 3, 3,
            _if_else,
            returns="any",
            doc="if_else(cond, a, b): a where cond is true, else b (a null cond counts as false).",
            arg_types=("bool", "any", "any"),
        ),
        FunctionSpec(
            "is_null", 1, 1,
            lambda args: args[0].is_null(),
            returns="bool",
            doc="is_null(x): true where x is null.",
        ),
        FunctionSpec(
            "clip", 3, 3,
            lambda args: _as_number(args[0]).clip(_as_number(args[1]), _as_number(args[2])),
            doc="clip(x, lo, hi): x limited to [lo, hi]; a null bound means no bound.",
            arg_types=("number",),
        ),
    )
}
