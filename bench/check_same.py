"""Do kpi-advisor and the hand-written polars script fire the same scopes for the four rules?

Usage: python bench/check_same.py CONFIG4_YAML POLARS_JSON

Runs the engine on a ``config4_*`` config (bench/generate.py: only the four rules, with the
baselines' constant thresholds) up to its rule findings, before roll-ups fold many campaigns
into their channel or account, and compares (rule, scope) with the rows ``by_polars.py``
wrote. Prints one JSON line: counts on each side, and up to five scopes only one side fired.
"""

from __future__ import annotations

import json
import sys

from baseline import LEVELS, RULES

from kpi_advisor.data.sources import load_dataset
from kpi_advisor.evaluation.economics import with_economics
from kpi_advisor.evaluation.rules import evaluate_rules
from kpi_advisor.loading.prepare import load_config, prepare
from kpi_advisor.pipeline import _economy, build_tables


def engine_scopes(config: str) -> set[tuple]:
    prepared = prepare(load_config(config))
    cfg, catalog = prepared.loaded.config, prepared.catalog
    dataset = load_dataset(cfg, catalog, prepared.loaded.base_dir)
    tables = build_tables(dataset, prepared)
    params, from_economics = with_economics(prepared.specs, cfg.economics, cfg.rules.params, catalog.aliases)
    economy, _ = _economy(prepared)
    outcome = evaluate_rules(prepared.specs, tables, catalog, params, economy, cfg.benchmarks, from_economics=from_economics)
    levels = {rule["id"]: LEVELS[rule["level"]] for rule in RULES}
    return {(f.rule, *(f.scope.get(d) for d in levels[f.rule])) for f in outcome.findings
            if f.rule in levels and _dims(f.scope, levels[f.rule]) == levels[f.rule]}


def _dims(scope: dict, level: tuple[str, ...]) -> tuple[str, ...]:
    """A finding's scope as the script names it: the account only where the script's level keeps
    it (the channel level; campaign and ad names are unique per account in this data)."""
    return tuple(d for d in scope if d != "account" or "account" in level)


def main(config: str, polars_json: str) -> None:
    fired = json.loads(open(polars_json).read())["findings"]
    levels = {rule["id"]: LEVELS[rule["level"]] for rule in RULES}
    theirs = {(rule, *(row.get(d) for d in levels[rule])) for rule, rows in fired.items() for row in rows}
    ours = engine_scopes(config)
    print(json.dumps({"same": ours == theirs, "kpi_advisor": len(ours), "polars": len(theirs),
                      "only_kpi_advisor": sorted(ours - theirs)[:5], "only_polars": sorted(theirs - ours)[:5]}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
