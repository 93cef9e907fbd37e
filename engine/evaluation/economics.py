"""Unit economics from the config's ``economics``, handed to rules as params.

A rule param with one of the names below takes its value from the client's economics, unless
the config sets it for that rule under ``rules.params`` (the client's own word wins):

| param | from |
| --- | --- |
| ``gross_margin`` | ``economics.gross_margin`` |
| ``break_even_roas`` | 1 / ``economics.gross_margin`` |
| ``customer_worth`` | what a paying customer is worth in gross margin: ``customer_lifetime_value`` (else ``customer_value``, else ``average_order_value``) x ``gross_margin`` (1 when not given) |
| ``customer_lifetime_value_given`` | 1 where ``customer_lifetime_value`` is given (a rule may then judge scopes that carry revenue too) |
| ``install_worth``, ``lead_worth`` | an install's (a lead's) value from ``economics.micro_conversions`` x ``gross_margin`` |

Without the economics, the param keeps the rule's default (0 for the worths: the rule says
``customer_worth > 0`` and stays quiet).
"""

from __future__ import annotations

from typing import Container, Mapping

from ..language.rulespec import RuleSpec
from ..models.config import Economics

ECONOMIC_PARAMS = ("gross_margin", "break_even_roas", "customer_worth", "customer_lifetime_value_given", "install_worth", "lead_worth")


def economic_values(economics: Economics, aliases: Mapping[str, str] | None = None) -> dict[str, float]:
    """The params the economics defines, by name."""
    out: dict[str, float] = {}
    margin = economics.gross_margin
    if margin is not None and margin > 0:
        out["gross_margin"] = margin
        out["break_even_roas"] = 1 / margin
    worth = economics.customer_lifetime_value
    if worth is not None:
        out["customer_lifetime_value_given"] = 1.0
    else:
        worth = economics.value_of_customer()
    factor = margin if margin is not None else 1.0
    if worth is not None and worth > 0:
        out["customer_worth"] = worth * factor
        for micro in economics.micro_conversions:
            metric = counted_by(micro.action, ("installs", "leads"), aliases or {})
            if metric in ("installs", "leads"):
                out[metric[:-1] + "_worth"] = micro.to_customer_rate * economics.value_of_customer() * factor  # type: ignore[operator]
    return out


def counted_by(action: str, metrics: Container[str], aliases: Mapping[str, str]) -> str | None:
    """The metric a micro action of the economics counts: one of ``metrics``, or an alias of one,
    as written or in the plural (``ebook_download`` -> ``content_downloads`` by its alias)."""
    for name in (action, action + "s"):
        if name in metrics:
            return name
        if name in aliases:
            return aliases[name]
    return None


def with_economics(specs: list[RuleSpec], economics: Economics, params: Mapping[str, Mapping[str, float]],
                   aliases: Mapping[str, str] | None = None) -> tuple[dict[str, dict[str, float]], dict[str, frozenset[str]]]:
    """Rule id -> param overrides: the economics' values for the params a rule names, then the
    config's own ``rules.params`` on top; and rule id -> the params whose value is the economics'
    (a finding says where its figures come from: ``{break_even_roas_source}``)."""
    values = economic_values(economics, aliases)
    out: dict[str, dict[str, float]] = {}
    from_economics: dict[str, frozenset[str]] = {}
    for spec in specs:
        own = dict(params.get(spec.rule.id, {}))
        bound = {name: values[name] for name in spec.rule.params if name in values and name not in own}
        if bound:
            from_economics[spec.rule.id] = frozenset(bound)
        if bound or own:
            out[spec.rule.id] = {**bound, **own}
    for rule_id, own in params.items():
        out.setdefault(rule_id, dict(own))
    return out, from_economics
