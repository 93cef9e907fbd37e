"""A rule read closely: its expressions parsed once, the names each may use, the
units of its named values, and every problem with it, named for the author.

A rule's names, in the order it may use them:
metrics (from the data), dimensions (``channel`` ...), params (numbers with
defaults), benchmarks (figures matched to the scope's platform), then its
``let`` values, each of which may use the ones before it.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Mapping

from ..limits import current
from ..models.definitions import DIMENSIONS, MetricDef, RuleDef
from ..problems import clipped
from . import expr
from .functions import (
    PEER_FUNCTIONS,
    RULE_FUNCTIONS,
    TREND_FUNCTIONS,
    kinds_used,
    nesting_problem,
)

# Placeholders every message may use besides the rule's own names.
SCOPE_PLACEHOLDERS = frozenset({"scope"})
TREND_PLACEHOLDERS = frozenset({"period", "period_from", "period_to"})
# A rule tested for chance may quote its interval; a rate_ratio test also its two counts.
CHANCE_PLACEHOLDERS = frozenset({"chance_low", "chance_high"})
RATE_RATIO_PLACEHOLDERS = frozenset({"chance_early", "chance_late"})
# compare: siblings also names the best sibling: the one whose rate is surely highest.
SIBLING_PLACEHOLDERS = frozenset({"chance_best"})
SOURCE_SUFFIX = "_source"
UNIT_OF_CALL = {
    "change": "ratio", "rise": "ratio", "fall": "ratio", "slope": "ratio", "rising_share": "ratio", "falling_share": "ratio", "peer_share": "ratio",
    "poisson_below": "ratio", "poisson_above": "ratio",
    "periods": "count", "peer_count": "count", "is_null": "number", "one_of": "number",
}


@dataclass(frozen=True)
class RuleSpec:
    """A rule with its formulas parsed and checked once, when its pack is loaded."""

    rule: RuleDef
    condition: expr.Expr
    lets: tuple[tuple[str, expr.Expr], ...]
    impact: expr.Expr | None
    metrics: tuple[str, ...]  # metric ids named in when and let, sorted
    requires: tuple[str, ...]
    kinds: frozenset[str]  # "peer", "trend": the special functions the rule uses anywhere
    units: Mapping[str, str]  # unit of each param, benchmark and let value
    evidence: tuple[str, ...]
    chance: tuple[expr.Expr, expr.Expr, expr.Expr] | None = None  # successes, trials, bound
    impact_per: expr.Expr | None = None  # what the impact's units convert like (ImpactDef.per)

    @property
    def uses_trends(self) -> bool:
        return "trend" in self.kinds

    def placeholders(self, metrics: Mapping[str, MetricDef]) -> set[str]:
        rule = self.rule
        names = set(metrics) | set(rule.params) | set(rule.benchmarks) | set(rule.let) | SCOPE_PLACEHOLDERS
        names |= {name + SOURCE_SUFFIX for name in (*rule.benchmarks, *rule.params)}
        if self.uses_trends:
            names |= TREND_PLACEHOLDERS
        if rule.chance is not None:
            names |= CHANCE_PLACEHOLDERS | (RATE_RATIO_PLACEHOLDERS if rule.chance.test == "rate_ratio" else frozenset())
            if rule.chance.test == "rate_ratio" and rule.chance.compare == "siblings":
                names |= SIBLING_PLACEHOLDERS
        return names


class RuleProblems(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


# ``{purchases|order|orders}``: the word that follows a count, singular where the count is 1 ("1 order").
PLURAL_BAR = "|"
# str.format reads a field's "." and "[" as a lookup: "e.g." in a word would fail every finding.
_PLURAL_WORD = re.compile(r"(?=.*\S)[^.\[\]]+")


def plural_form(name: str) -> tuple[str, str, str] | None:
    """A template field ``count|singular|plural`` as its three parts, stripped; None for a plain name."""
    parts = name.split(PLURAL_BAR)
    return (parts[0].strip(), parts[1].strip(), parts[2].strip()) if len(parts) == 3 else None


def read_name(name: str) -> str:
    """The value a template field reads: ``purchases`` for ``{purchases}`` and ``{purchases|order|orders}``."""
    form = plural_form(name)
    return form[0] if form else name


def plural_problem(name: str) -> str | None:
    """Why a field with a bar is no ``count|singular|plural`` a finding can be written with; None if it is one
    (or has no bar)."""
    if PLURAL_BAR not in name:
        return None
    parts = name.split(PLURAL_BAR)
    if len(parts) != 3 or not all(_PLURAL_WORD.fullmatch(word) for word in parts[1:]):
        return (f"placeholder '{{{_clip(name)}}}': a word that follows a count is written {{count|singular|plural}}, "
                "each word without '.' or '[', as in {purchases|order|orders}")
    return None


def template_fields(template: str) -> list[str]:
    try:
        return [name for _, name, _, _ in string.Formatter().parse(template) if name]
    except ValueError as exc:
        raise ValueError(f"bad template {template!r}: {exc}") from None


# The shipped packs' longest template is 436 characters with 13 placeholders.
MAX_TEMPLATE_CHARS = 2_000
MAX_TEMPLATE_FIELDS = 40
MAX_TITLE_CHARS = 200  # the shipped longest: 90
# A finding's message or recommendation as written: a template's placeholders take data (scope
# names) of any length, so the words are cut here, with an ellipsis.
MAX_WORDS_CHARS = 4_000


def template_problems(template: str) -> list[str]:
    """What makes a message template more than text with plain ``{name}`` placeholders.

    A format spec or conversion (``{scope:>150000000}``, ``{scope!r}``, ``{scope:{ctr}}``)
    would let a rule pack size, pad or re-type the report's text; only names are allowed, and a
    template's length and placeholders are bounded, as every finding writes it.
    """
    if len(template) > MAX_TEMPLATE_CHARS:
        # Written once a finding: a pack's long template times an account's findings was gigabytes.
        return [f"{len(template):,} characters; a template is at most {MAX_TEMPLATE_CHARS:,} (a sentence or two a finding)"]
    problems = []
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        return [f"bad template {_clip(template)!r}: {exc}"]
    named = sum(1 for _, name, _, _ in parts if name is not None)
    if named > MAX_TEMPLATE_FIELDS:
        return [f"{named} placeholders; a template has at most {MAX_TEMPLATE_FIELDS}"]
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name == "":
            problems.append("empty placeholder '{}'; name a value, as in {ctr}")
        elif spec or conversion:
            written = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            problems.append(f"placeholder {_clip(written)!r} has a format or conversion; only plain names are allowed, as in {{{_clip(name)}}}")
    return problems


def _clip(text: str, width: int = 60) -> str:
    return clipped(text, width)


def _expanded_sizes(lets: list[tuple[str, expr.Expr]], formulas: list[tuple[str, expr.Expr | None]]) -> list[tuple[str, int]]:
    """Parts of each formula with the let values it names written in, counted without writing them in."""
    size: dict[str, int] = {}

    def count(parsed: expr.Expr) -> int:
        return sum(size.get(node.name, 1) if isinstance(node, expr.Name) else 1 for node in expr.walk(parsed.root))

    out = []
    for name, parsed in lets:
        size[name] = count(parsed)
        out.append((f"let.{name}", size[name]))
    out += [(label, count(parsed)) for label, parsed in formulas if parsed is not None]
    return out


def _infer_unit(node: expr.Node, units: Mapping[str, str], metrics: Mapping[str, MetricDef]) -> str:
    """A let value's unit from its formula, so that messages print 12.5% or USD 4.20."""

    def unit_of(n: expr.Node) -> str | None:  # None: a bare number, which takes its neighbour's unit
        match n:
            case expr.Number():
                return None
            case expr.Name(name=name):
                if name in units:
                    return units[name]
                return metrics[name].unit if name in metrics else "number"
            case expr.Call(name=name, args=args):
                if name in UNIT_OF_CALL:
                    return UNIT_OF_CALL[name]
                known = [u for u in (unit_of(a) for a in args) if u is not None]
                return known[0] if known else None
            case expr.Unary(op=op, operand=operand) if op in "+-":
                return unit_of(operand)
            case expr.Binary(op=op, left=left, right=right):
                a, b = unit_of(left), unit_of(right)
                if op in "+-" or a is None or b is None:
                    return a if a is not None else b
                if op == "/" and a == b:
                    return "ratio" if a in ("count", "ratio") else "number"
                return "number"
        return "number"

    return unit_of(node) or "number"


def _param_unit(rule: RuleDef, name: str, metrics: Mapping[str, MetricDef]) -> str:
    for metric_id, threshold in rule.thresholds.items():
        if threshold == name and metric_id in metrics:
            return metrics[metric_id].unit
    value = rule.params[name]
    return "ratio" if 0 < abs(value) < 1 else "number"


_KIND_WORDS = {"number": "a number", "string": "text", "bool": "a true/false condition"}


def analyse(rule: RuleDef, metrics: Mapping[str, MetricDef]) -> RuleSpec:
    """Parse and check a rule; raise :class:`RuleProblems` listing every problem."""
    problems: list[str] = []
    where = f"rule '{rule.id}'"
    taken: dict[str, str] = {m: "metric" for m in metrics} | {d: "dimension" for d in DIMENSIONS}

    def claim(name: str, kind: str) -> None:
        if name in taken:
            hint = f" (e.g. min_{name})" if kind == "param" and taken[name] == "metric" else ""
            problems.append(f"{where}: {kind} '{name}' has the name of a {taken[name]}; rename it{hint}")
        else:
            taken[name] = kind

    for name in rule.params:
        claim(name, "param")
    for name, ref in rule.benchmarks.items():
        claim(name, "benchmark")
        if ref.metric not in metrics:
            problems.append(f"{where}: benchmarks.{name}.metric: unknown metric '{ref.metric}'")
        if ref.fallback is not None and ref.fallback not in rule.params:
            problems.append(f"{where}: benchmarks.{name}.fallback: unknown param '{ref.fallback}'")

    units: dict[str, str] = {}
    for name in rule.params:
        units[name] = rule.units.get(name) or _param_unit(rule, name, metrics)
    for name, ref in rule.benchmarks.items():
        units[name] = metrics[ref.metric].unit if ref.metric in metrics else "number"

    known = set(taken)
    # What each name holds, for the checks of kinds the parser cannot make on a name.
    kinds: dict[str, str] = (dict.fromkeys(metrics, "number") | dict.fromkeys(DIMENSIONS, "string")
                             | dict.fromkeys(rule.benchmarks, "number") | dict.fromkeys(rule.params, "number"))
    lets: list[tuple[str, expr.Expr]] = []
    lets_with: dict[str, set[str]] = {}
    for name, formula in rule.let.items():
        claim(name, "let value")
        try:
            parsed = expr.parse(formula, functions=RULE_FUNCTIONS)
            expr.check_names(parsed, known)
            kinds[name] = expr.kind_of(parsed, kinds, RULE_FUNCTIONS)
        except expr.ExprError as exc:
            problems.append(f"{where}: let.{name} {formula!r}: {exc.message}")
            known.add(name)
            continue
        nesting = nesting_problem(parsed, lets_with)
        if nesting:
            problems.append(f"{where}: let.{name}: {nesting}")
        lets_with[name] = kinds_used(parsed, lets_with)
        units[name] = rule.units.get(name) or _infer_unit(parsed.root, units, metrics)
        lets.append((name, parsed))
        known.add(name)

    for name in rule.units:
        if name not in rule.params and name not in rule.let:
            problems.append(f"{where}: units: '{name}' is not a param or let value")

    def part(field: str, formula: str, wanted: str = "number", what: str | None = None) -> expr.Expr | None:
        """One expression of the rule after its lets: parsed, names and kinds checked (it must give
        ``wanted``, said as ``what``), nesting checked."""
        try:
            parsed = expr.parse(formula, functions=RULE_FUNCTIONS)
            expr.check_names(parsed, known)
            kind = expr.kind_of(parsed, kinds, RULE_FUNCTIONS)
        except expr.ExprError as exc:
            problems.append(f"{where}: {field} {formula!r}: {exc.message}")
            return None
        if kind not in ("any", wanted):
            scopes = sorted(n for n in parsed.names if n in DIMENSIONS)
            if wanted == "number" and scopes:
                problems.append(f"{where}: {field}: '{scopes[0]}' names a scope (a dimension), not a number; use metrics, params and let values")
            else:
                problems.append(f"{where}: {field}: must be {what or _KIND_WORDS[wanted]}, got {_KIND_WORDS[kind]}")
            return None
        nesting = nesting_problem(parsed, lets_with)
        if nesting:
            problems.append(f"{where}: {field}: {nesting}")
        return parsed

    condition = part("when", rule.when, "bool")

    impact = impact_per = None
    if rule.impact is not None:
        if rule.impact.metric not in metrics:
            problems.append(f"{where}: impact.metric: unknown metric '{rule.impact.metric}'")
        impact = part("impact.formula", rule.impact.formula)
        if rule.impact.per is not None:
            impact_per = part("impact.per", rule.impact.per, what="a number (a count such as sessions - bounces)")
            if rule.impact.metric in metrics and metrics[rule.impact.metric].unit == "currency":
                problems.append(f"{where}: impact.per: {rule.impact.metric} is money already, so nothing is carried down; leave per out")
        for field, parsed in (("impact.formula", impact), ("impact.per", impact_per)):
            # A scope's name is text: counted as a number it stops the run, not the rule.
            scopes = sorted(n for n in (parsed.names if parsed is not None else ()) if n in DIMENSIONS)
            if scopes:
                problems.append(f"{where}: {field}: '{scopes[0]}' names a scope (a dimension), not a number; use metrics, params and let values")

    chance = None
    if rule.chance is not None:
        confidence = rule.params.get("confidence")
        if confidence is None or not 0 < confidence < 1:
            problems.append(f"{where}: params.confidence: a confidence level between 0 and 1 (e.g. 0.95), got {confidence!r}")
        sides = ("successes", "trials", "below" if rule.chance.below is not None else "above")
        parts = [part(f"chance.{key}", getattr(rule.chance, key)) for key in sides]
        chance = tuple(parts) if all(p is not None for p in parts) else None
        if chance is not None and rule.chance.test == "rate_ratio":
            # Counted period by period: only the period's own metrics and the params make sense there.
            for key, parsed in zip(sides[:2], chance[:2]):
                other = sorted(n for n in parsed.names if n not in metrics and n not in rule.params)
                special = sorted(parsed.functions & (PEER_FUNCTIONS | TREND_FUNCTIONS))
                if other or special:
                    what = ", ".join([f"'{n}'" for n in other] + [f"{n}()" for n in special])
                    problems.append(f"{where}: chance.{key}: a rate_ratio test counts each period's metrics and params only, not {what}")

    limit = current().expr_expanded
    for label, size in _expanded_sizes(lets, [("when", condition), ("impact.formula", impact), ("impact.per", impact_per)]):
        if size > limit:
            problems.append(f"{where}: {label}: expression is too large with its let values written in ({size} parts; limit expr_expanded={limit})")
            break

    values = set(rule.params) | set(rule.benchmarks) | set(rule.let)
    for metric_id, name in rule.thresholds.items():
        if metric_id not in metrics and metric_id not in rule.let:
            problems.append(f"{where}: thresholds: '{metric_id}' is not a metric or let value")
        if name not in values:
            problems.append(f"{where}: thresholds.{metric_id}: '{name}' is not a param, benchmark or let value")
    for name in rule.evidence:
        if name not in metrics and name not in rule.let:
            problems.append(f"{where}: evidence: '{name}' is not a metric or let value")
    for name in rule.requires or []:
        if name not in metrics:
            problems.append(f"{where}: requires: unknown metric '{name}'")

    named: set[str] = set()
    kinds: set[str] = set()
    if rule.chance is not None and rule.chance.test == "rate_ratio" and rule.chance.compare != "siblings":
        kinds.add("trend")  # its counts are taken period by period
    for parsed in [condition, impact, impact_per, *(p for _, p in lets), *(chance or ())]:
        if parsed is not None:
            kinds |= kinds_used(parsed, lets_with)
    for parsed in [condition, *(p for _, p in lets), *(chance or ())]:
        if parsed is not None:
            named |= {n for n in parsed.names if n in metrics}
    spec_metrics = tuple(sorted(named))
    spec = RuleSpec(
        rule=rule,
        condition=condition,  # type: ignore[arg-type]  # only returned without problems
        lets=tuple(lets),
        impact=impact,
        metrics=spec_metrics,
        requires=tuple(rule.requires) if rule.requires is not None else spec_metrics,
        kinds=frozenset(kinds),
        units=units,
        evidence=tuple(rule.evidence) if rule.evidence else tuple(n for n in sorted(condition.names) if n in metrics) if condition else (),
        chance=chance,  # type: ignore[arg-type]  # only returned without problems
        impact_per=impact_per,
    )

    # Every finding (and every roll-up's message) copies these: bounded like the templates.
    if len(rule.title) > MAX_TITLE_CHARS:
        problems.append(f"{where}: title: {len(rule.title):,} characters; a title is at most {MAX_TITLE_CHARS}")
    if rule.impact is not None and len(rule.impact.basis) > MAX_TEMPLATE_CHARS:
        problems.append(f"{where}: impact.basis: {len(rule.impact.basis):,} characters; a basis is at most {MAX_TEMPLATE_CHARS:,}")
    placeholders = spec.placeholders(metrics)
    counts = set(metrics) | set(rule.params) | set(rule.let) | set(rule.benchmarks)
    for key in ("message", "recommendation"):
        bad = template_problems(getattr(rule, key))
        if bad:
            problems += [f"{where}: {key}: {problem}" for problem in bad]
            continue
        try:
            for name in template_fields(getattr(rule, key)):
                base = read_name(name)
                if problem := plural_problem(name):
                    problems.append(f"{where}: {key}: {problem}")
                elif base not in placeholders:
                    hint = " (trend placeholders need a trend function in the rule)" if base in TREND_PLACEHOLDERS else ""
                    problems.append(f"{where}: {key}: unknown placeholder '{{{base}}}'{hint}")
                elif base != name and base not in counts:
                    problems.append(f"{where}: {key}: placeholder '{{{_clip(name)}}}': '{_clip(base)}' is not a metric, param, "
                                    "let value or benchmark, the counts a word can follow")
        except ValueError as exc:
            problems.append(f"{where}: {key}: {exc}")

    for kind, examples in (("fire", rule.examples.fire), ("quiet", rule.examples.quiet)):
        for index, example in enumerate(examples):
            for name in example.params:
                if name not in rule.params:
                    problems.append(f"{where}: examples.{kind}[{index}].params: unknown param '{name}'")
            if kind == "fire" and example.skipped:
                problems.append(f"{where}: examples.fire[{index}]: a must-fire example cannot be skipped")
            for metric_id in example.benchmarks:
                if metric_id not in metrics:
                    problems.append(f"{where}: examples.{kind}[{index}].benchmarks: unknown metric '{metric_id}'")
    if problems:
        raise RuleProblems(problems)
    return spec


def check_rule(rule: RuleDef, metrics: Mapping[str, MetricDef]) -> list[str]:
    """Problems with a rule's expressions, names and templates, as messages naming the rule."""
    try:
        analyse(rule, metrics)
    except RuleProblems as exc:
        return exc.problems
    return []


__all__ = ["MAX_WORDS_CHARS", "PEER_FUNCTIONS", "TREND_FUNCTIONS", "RuleSpec", "analyse", "check_rule", "template_fields", "template_problems"]
