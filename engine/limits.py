"""Every size limit kpi-advisor enforces on input, in one place.

Configs, rule packs and exports come from clients, consultants and ad
platforms; a crafted or broken file must be refused quickly with a clear
message instead of hanging the process or exhausting memory. docs/limits.md
says what each limit defends against.

A limit is read when it is used, so it can be changed three ways, the later
winning:

* the defaults below;
* an environment variable per limit, ``KPI_ADVISOR_LIMIT_<NAME>`` (for
  example ``KPI_ADVISOR_LIMIT_DATA_ROWS=50000000``);
* ``kpi-advisor --limit NAME=VALUE ...`` on the command line, or
  ``with kpi_advisor.limits.override(data_rows=50_000_000): ...`` in Python
  (a context variable, so threads and async tasks of a server do not see
  each other's overrides).

Values are positive whole numbers; byte sizes may end in K, M or G (powers of
1024), and ``expr_number`` may be written as ``1e15``.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Any

from .problems import ConfigError, Problem

__all__ = [
    "ENV_PREFIX", "ExprLimits", "Limits", "YamlLimits", "at_least_defaults", "check_count", "current", "describe", "override",
    "parse_assignment",
]

ENV_PREFIX = "KPI_ADVISOR_LIMIT_"

_MIB = 1024 * 1024


@dataclass(frozen=True)
class YamlLimits:
    """What the YAML reader is held to; its defaults are the defaults of the ``yaml_*`` limits."""

    max_bytes: int = 10 * _MIB
    max_depth: int = 64  # nesting of collections
    max_aliases: int = 100  # alias (*ref) uses
    # Nodes after conceptual alias expansion, measured on the node graph
    # (size = 1 + sum of children's sizes, aliases reuse the anchor's size),
    # so a billion-laughs bomb is refused in linear time without expanding it.
    max_nodes: int = 200_000


@dataclass(frozen=True)
class ExprLimits:
    """What one formula is held to; its defaults are the defaults of the ``expr_*`` limits."""

    max_length: int = 1000  # characters of source
    max_depth: int = 40  # nesting depth of the AST (parentheses count too)
    max_nodes: int = 300
    max_abs_number: float = 1e15  # larger literals are rejected
    max_string: int = 200
    # Parts of one rule formula with its let values written in where they are named: a let
    # that names the one before it twice doubles at every step.
    max_expanded: int = 10_000


@dataclass(frozen=True)
class Limits:
    """How large any one input may grow (bytes, rows, depth, counts), each settable by a KPI_ADVISOR_* variable."""

    # --- YAML and JSON files (client configs, rule packs, profiles, stdin)
    yaml_bytes: int = YamlLimits.max_bytes
    yaml_depth: int = YamlLimits.max_depth
    yaml_aliases: int = YamlLimits.max_aliases
    yaml_nodes: int = YamlLimits.max_nodes
    # --- definitions in one run (built-in, plugins, rule packs and the config together)
    rules: int = 1_000
    metrics: int = 1_000
    goals: int = 200
    # --- one formula (rule condition, let, impact, custom metric)
    expr_length: int = ExprLimits.max_length
    expr_depth: int = ExprLimits.max_depth
    expr_nodes: int = ExprLimits.max_nodes
    expr_number: float = ExprLimits.max_abs_number
    expr_string: int = ExprLimits.max_string
    expr_expanded: int = ExprLimits.max_expanded
    # --- data
    data_sources: int = 100
    data_bytes: int = 1024 * _MIB
    data_columns: int = 1_000
    data_rows: int = 20_000_000
    data_unpack_ratio: int = 100
    data_name_chars: int = 1_000

    def yaml(self) -> YamlLimits:
        return YamlLimits(
            max_bytes=self.yaml_bytes, max_depth=self.yaml_depth, max_aliases=self.yaml_aliases, max_nodes=self.yaml_nodes
        )

    def expr(self) -> ExprLimits:
        return ExprLimits(
            max_length=self.expr_length,
            max_depth=self.expr_depth,
            max_nodes=self.expr_nodes,
            max_abs_number=self.expr_number,
            max_string=self.expr_string,
            max_expanded=self.expr_expanded,
        )


DEFAULTS = Limits()
NAMES = tuple(f.name for f in fields(Limits))

# What each limit defends against; `kpi-advisor --limit help`-style listings and docs/limits.md use it.
PURPOSE: dict[str, str] = {
    "yaml_bytes": "size of one YAML/JSON file or of a config on stdin: memory and parse time",
    "yaml_depth": "nesting of collections: stack exhaustion and pathological structures",
    "yaml_aliases": "alias (*ref) uses: alias bombs, refused before anything is expanded",
    "yaml_nodes": "nodes after alias expansion, counted without expanding: billion-laughs memory blow-ups",
    "rules": "rules in one run: plan size and compile time of the queries per level",
    "metrics": "metrics in one run: columns computed per metric table",
    "goals": "goals in one config: each goal reads the data for its own series (10,000 goals took 24 s)",
    "expr_length": "characters in one formula: tokenizer and parser time",
    "expr_depth": "nesting in one formula: recursion in the parser and in polars",
    "expr_nodes": "parts of one formula: compile time and plan size",
    "expr_number": "absolute size of a number literal: overflow and float blow-ups",
    "expr_string": "characters in one string literal",
    "expr_expanded": "parts of one rule formula after its let values are written in: let chains that double at every step",
    "data_sources": "data sources in one config: cross-source checks compare every pair",
    "data_bytes": "size of one data file, checked before it is read: memory",
    "data_columns": "columns in one data source: per-column checks and wide-file blow-ups",
    "data_rows": "rows of all sources together: memory and time of grouping and rules",
    "data_unpack_ratio": "unpacked over packed size of a Parquet file that unpacks to more than 64 MiB: compression bombs",
    "data_name_chars": "characters in one name (account, channel, campaign, ad, a segment's value): every finding of a scope repeats its names",
}

_override: contextvars.ContextVar[Mapping[str, Any] | None] = contextvars.ContextVar("kpi_advisor_limits", default=None)

_SUFFIXES = {"": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": _MIB, "mb": _MIB, "mib": _MIB, "g": 1024 * _MIB, "gb": 1024 * _MIB, "gib": 1024 * _MIB}
_NUMBER = re.compile(r"^\s*([0-9][0-9_]*(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?)\s*([a-z]*)\s*$", re.IGNORECASE)


_NO_LIMIT = 2**62


def _parse_value(name: str, text: Any, where: str) -> int | float:
    """A limit's value from text such as ``64``, ``10M`` or ``1e15``; ConfigError naming ``where``."""
    if isinstance(text, bool):
        raise ConfigError(Problem(f"{where}: expected a positive whole number, got {text!r}"))
    if isinstance(text, (int, float)):
        value: float = text
    else:
        match = _NUMBER.match(str(text))
        suffix = match.group(2).lower() if match else ""
        if match is None or suffix not in _SUFFIXES or (suffix and not name.endswith("_bytes")):
            unit = " (K, M, G allowed)" if name.endswith("_bytes") else ""
            raise ConfigError(Problem(f"{where}: expected a positive whole number{unit}, got {str(text)!r}"))
        value = float(match.group(1).replace("_", "")) * _SUFFIXES[suffix]
    if not (value >= 1) or value != value or value == float("inf"):
        raise ConfigError(Problem(f"{where}: expected a positive whole number, got {text!r}"))
    if name == "expr_number":
        return float(value)
    if value != int(value):
        raise ConfigError(Problem(f"{where}: expected a whole number, got {text!r}"))
    # Past 2**62 a limit is no limit; beyond 2**63 it would not fit where a size is passed on.
    return min(int(value), _NO_LIMIT)


def _check_names(names: Any, where: str) -> None:
    unknown = [n for n in names if n not in NAMES]
    if unknown:
        import difflib

        close = difflib.get_close_matches(unknown[0], NAMES, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ConfigError(Problem(f"{where}: unknown limit '{unknown[0]}'{hint}; known: {', '.join(NAMES)}"))


def _from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, text in environ.items():
        if not key.startswith(ENV_PREFIX):
            continue
        name = key[len(ENV_PREFIX):].lower()
        _check_names([name], key)
        values[name] = _parse_value(name, text, key)
    return values


_ENV_CACHE: tuple[tuple[tuple[str, str], ...], Limits] | None = None
_ENV_PREFIX_BYTES = ENV_PREFIX.encode()


def _env_limits() -> tuple[tuple[str, str], ...]:
    """The environment's limit variables. Read on every parse, so the raw keys are filtered
    before anything is decoded (os.environ.items() decodes every variable of the process)."""
    data = getattr(os.environ, "_data", None)
    if isinstance(data, dict):
        keys = [k for k in data if (k.startswith(_ENV_PREFIX_BYTES) if isinstance(k, bytes) else str(k).upper().startswith(ENV_PREFIX))]
        if not keys:
            return ()
        names = [os.fsdecode(k) if isinstance(k, bytes) else str(k) for k in keys]
        return tuple(sorted((name, os.environ[name]) for name in names if name.startswith(ENV_PREFIX)))
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(ENV_PREFIX)))


# The limits of one evaluation, read once at its start (``pinned``): an evaluation asks for
# them ~100 times, and each read otherwise walks the whole environment.
_pinned: contextvars.ContextVar[tuple[Any, Limits] | None] = contextvars.ContextVar("kpi_advisor_pinned_limits", default=None)


@contextlib.contextmanager
def pinned() -> Iterator[Limits]:
    """Read the limits once for the work inside the block (this thread or task only); an
    ``override`` inside it still applies."""
    now = current()
    token = _pinned.set((_override.get(), now))
    try:
        yield now
    finally:
        _pinned.reset(token)


def current() -> Limits:
    """The limits in force here and now: defaults, then environment, then overrides."""
    global _ENV_CACHE
    pin = _pinned.get()
    if pin is not None and pin[0] is _override.get():
        return pin[1]
    # Limits are read on every parse; only the environment's own variables are compared.
    env = _env_limits()
    cached = _ENV_CACHE
    if cached is not None and cached[0] == env:
        base = cached[1]
    else:
        base = dataclasses.replace(DEFAULTS, **_from_env(dict(env)))
        _ENV_CACHE = (env, base)
    extra = _override.get()
    return dataclasses.replace(base, **extra) if extra else base


@contextlib.contextmanager
def override(**values: Any) -> Iterator[Limits]:
    """Change limits inside a ``with`` block (this thread or task only).

    >>> with override(data_rows=100_000_000):  # doctest: +SKIP
    ...     report = kpi_advisor.evaluate("big_client.yaml")
    """
    _check_names(values, "limits")
    parsed = {name: _parse_value(name, value, f"limit {name}") for name, value in values.items()}
    previous = _override.get()
    token = _override.set({**(previous or {}), **parsed})
    try:
        yield current()
    finally:
        _override.reset(token)


@contextlib.contextmanager
def at_least_defaults() -> Iterator[Limits]:
    """Limits no lower than the defaults, for the catalog of installed plugins: it is built once
    and shared by every later run, so a lowered limit of whichever run came first must not
    decide it. Raised limits still apply."""
    now = current()
    floor = {name: max(getattr(now, name), getattr(DEFAULTS, name)) for name in NAMES}
    token = _override.set(floor)
    try:
        yield current()
    finally:
        _override.reset(token)


def parse_assignment(text: str) -> tuple[str, int | float]:
    """``"data_rows=5e7"`` -> ``("data_rows", 50000000)`` for ``--limit``."""
    name, sep, value = text.partition("=")
    name = name.strip().lower().replace("-", "_")
    if not sep or not name:
        raise ConfigError(Problem(f"--limit: expected NAME=VALUE, got {text!r}; known names: {', '.join(NAMES)}"))
    _check_names([name], "--limit")
    return name, _parse_value(name, value.strip(), f"--limit {name}")


def check_count(name: str, count: int, what: str, *, file: str | None = None, path: str = "") -> None:
    """ConfigError when ``count`` exceeds the limit ``name``; the message names the limit, as
    every limit's message does, so that docs/limits.md and ``--limit`` are easy to find."""
    limit = getattr(current(), name)
    if count > limit:
        raise ConfigError(Problem(f"too many {what}: {count} (limit {name}={limit})", file=file, path=path))


def describe(limits: Limits | None = None) -> list[dict[str, Any]]:
    """Every limit with its value, default, variable and purpose (for docs and listings)."""
    limits = limits or current()
    return [
        {
            "name": name,
            "value": getattr(limits, name),
            "default": getattr(DEFAULTS, name),
            "variable": ENV_PREFIX + name.upper(),
            "defends": PURPOSE[name],
        }
        for name in NAMES
    ]
