"""`list` and `explain`: what the catalog holds, for people and for scripts."""

from __future__ import annotations

from ..loading.catalog import Catalog
from ..models.definitions import RuleDef
from ..problems import ConfigError, Problem


def listing(catalog: Catalog, kind: str) -> list[dict]:
    if kind == "metrics":
        return [
            {"id": m.id, "summary": f"[{m.stage}] {m.description}", "name": m.title, "stage": m.stage, "unit": m.unit,
             "direction": m.direction, "formula": m.formula, "derived": m.derived, "requires": m.requires,
             "description": m.description, "vanity": m.vanity, "aliases": m.aliases, "aggregate": m.aggregate, "combine": m.combine,
             "provider": catalog.origins.get("metric:" + m.id)}
            for m in sorted(catalog.metrics.values(), key=lambda m: m.id)
        ]
    if kind == "rules":
        return [
            {"id": r.id, "summary": f"[{r.severity}, {r.stage}] {r.title}", "title": r.title, "stage": r.stage,
             "severity": r.severity, "when": r.when, "params": r.params, "provider": catalog.origins.get("rule:" + r.id)}
            for r in sorted(catalog.rules.values(), key=lambda r: r.id)
        ]
    if kind == "models":
        return [
            {"id": p.id, "summary": f"{p.name}: {p.description}", "name": p.name, "macro_kpis": p.macro_kpis,
             "provider": catalog.origins.get("model:" + p.id)}
            for p in sorted(catalog.profiles.values(), key=lambda p: p.id)
        ]
    if kind == "goals":
        return [
            {"id": g.id, "summary": f"{g.name}: {g.description}", "name": g.name, "stage": g.stage, "metrics": g.metrics}
            for g in sorted(catalog.goals.values(), key=lambda g: g.id)
        ]
    if kind == "benchmarks":
        return [
            {"id": "/".join([b.metric, b.platform, b.objective] + ([b.industry] if b.industry != "all" else [])),
             "summary": f"{b.value:g}{' ' + b.currency if b.currency else ''} ({b.source} {b.year})", **b.model_dump()}
            for b in catalog.benchmarks
        ]
    if kind == "formats":
        data = [{"id": f.name, "summary": f"data: {f.description}", "kind": "data"} for f in catalog.formats.values()]
        reports = [{"id": f.name, "summary": f"report: {f.description}", "kind": "report"} for f in catalog.reporters.values()]
        return sorted(data, key=lambda r: r["id"]) + sorted(reports, key=lambda r: r["id"])
    if kind == "limits":
        from ..limits import describe

        return [{"id": row["name"], "summary": f"{row['value']:,} (default {row['default']:,}; {row['variable']}): {row['defends']}", **row}
                for row in describe()]
    if kind == "plugins":
        return [{"id": p.name, "summary": f"{p.origin}: {', '.join(p.hooks)}", "origin": p.origin, "hooks": list(p.hooks)} for p in catalog.plugins]
    raise ConfigError(Problem(f"unknown list '{kind}'"))


def explain(catalog: Catalog, item_id: str) -> str:
    if item_id in catalog.metrics:
        m = catalog.metrics[item_id]
        lines = [f"metric {m.id}: {m.title}", f"  {m.description}", f"  stage: {m.stage}; unit: {m.unit}; {m.direction} is better"]
        if m.formula:
            lines.append(f"  formula: {m.formula}")
        elif m.polars is not None:
            lines.append(f"  computed by a Python plugin from: {', '.join(m.requires) or '(nothing)'}")
        else:
            lines.append("  base count read from data" + (f" (also read from: {', '.join(m.aliases)})" if m.aliases else ""))
            how = {
                "sum": "adds up over dates and across scopes (a flow)",
                "latest": "a stock: each series' value on its latest date counts, never a sum over dates; series add up",
                "max": "people, not events: each series' best date counts, never a sum over dates (a lower bound on the "
                       "people reached); series add up",
                "none": "no total over several dates: shown only where a scope's rows share one date",
                "mean": "a per-row average: the average counts",
            }
            lines.append(f"  combine: {m.combine}: {how[m.combine]}")
        if m.vanity:
            lines.append("  vanity unless a goal connects it to results")
        marks = [b for b in catalog.benchmarks if b.metric == m.id]
        for b in marks:
            lines.append(f"  benchmark: {b.value:g} on {b.platform} ({b.objective}), {b.source} {b.year}")
        lines.append(f"  provided by: {catalog.origins.get('metric:' + m.id)}")
        return "\n".join(lines)
    if item_id in catalog.rules:
        return explain_rule(catalog, catalog.rules[item_id])
    if item_id in catalog.profiles:
        from ..advice.kpis import explain_profile

        return explain_profile(catalog, catalog.profiles[item_id])
    if item_id in catalog.goals:
        from ..advice.kpis import explain_goal

        return explain_goal(catalog, catalog.goals[item_id])
    known = list(catalog.metrics) + list(catalog.rules) + list(catalog.profiles) + list(catalog.goals)
    raise ConfigError(Problem(f"nothing called '{item_id}'{catalog.suggest(item_id, known)}; try kpi-advisor list metrics|rules|models|goals"))


def explain_rule(catalog: Catalog, r: RuleDef) -> str:
    """Condition, named values, params, thresholds, benchmarks, impact, rationale and sources."""
    from ..evaluation.benchmarks import matching
    from ..i18n.formatting import format_value
    spec = catalog.specs[r.id]
    levels = ", ".join(r.levels)
    lines = [f"rule {r.id}: {r.title}",
             f"  stage: {r.stage}; severity: {r.severity}; evaluated per {levels} (the first the data has, else all data)",
             f"  when: {' '.join(r.when.split())}"]
    if spec.uses_trends:
        lines.append(f"  trends: period over period, by {r.period}" + (" (the coarsest of month, week, day giving 3 periods)" if r.period == "auto" else
                                                                        " (week for daily or weekly rows, else month)" if r.period == "recent" else ""))
    if r.let:
        lines.append("  where:")
        lines += [f"    {name} = {' '.join(formula.split())}" for name, formula in r.let.items()]
    if r.params:
        lines.append("  params (defaults; a config overrides them under rules.params):")
        from ..evaluation.economics import ECONOMIC_PARAMS

        lines += [f"    {name} = {format_value(value, spec.units.get(name, 'number'))}"
                  + (" (from the config's economics where given: docs/rules.md, Unit economics)" if name in ECONOMIC_PARAMS else "")
                  for name, value in r.params.items()]
    for name, ref in r.benchmarks.items():
        what = [ref.metric] + ([f"{ref.objective} objective"] if ref.objective != "all" else []) + ([ref.industry] if ref.industry != "all" else [])
        pick = "" if ref.pick == "value" else f", {ref.pick} end of the range"
        fallback = f"; elsewhere param {ref.fallback}" if ref.fallback else "; quiet on platforms without a figure"
        lines.append(f"  benchmark {name}: {', '.join(what)}{pick}, matched to the scope's channel{fallback}")
        for b in matching(ref, catalog.benchmarks, None):
            unit = catalog.metrics[b.metric].unit
            value = format_value(b.value, unit, b.currency or "")
            spread = f" (range {format_value(b.low, unit, b.currency or '')}-{format_value(b.high, unit, b.currency or '')})" if b.low is not None and b.high is not None else ""
            lines.append(f"    {b.platform}: {value}{spread}, {b.source} {b.year}" + (f"; {b.definition}" if b.definition else ""))
        lines.append(f"    a config overrides them under benchmarks: {ref.metric}: {{platform or all: value}}")
    if r.thresholds:
        lines.append("  thresholds reported: " + ", ".join(f"{metric} against {name}" for metric, name in r.thresholds.items()))
    if r.requires is not None:
        lines.append("  needs in the data: " + (", ".join(r.requires) or "nothing in particular"))
    if r.impact is not None:
        lines.append(f"  money at stake: {r.impact.metric} = {r.impact.formula}")
        if r.impact.per is not None:
            lines.append(f"    converting like {r.impact.per}: carried down at this scope's rate per it")
        lines.append(f"    {r.impact.basis}; valued by the config's economics")
    lines += [f"  rationale: {' '.join(r.rationale.split())}", f"  source: {r.source}"]
    lines.append(f"  examples: {len(r.examples.fire)} must fire, {len(r.examples.quiet)} must stay quiet (kpi-advisor test-rules)")
    lines.append(f"  provided by: {catalog.origins.get('rule:' + r.id)}")
    return "\n".join(lines)


def explain_data(catalog: Catalog, item_id: str) -> dict:
    """`explain --format json`: what `explain` says, as data for scripts.

    ``kind`` (metric, rule, model, goal), ``id``, ``definition`` (the item's fields, as a rule
    pack or profile would write them), ``provided_by``, plus ``benchmarks`` for metrics and
    rules, and ``text``: the explanation `explain` prints.
    """
    text = explain(catalog, item_id)  # raises the did-you-mean ConfigError for an unknown id
    benchmarks: list[dict] = []
    if item_id in catalog.metrics:
        kind, item, key = "metric", catalog.metrics[item_id], "metric:"
        benchmarks = [b.model_dump(mode="json") for b in catalog.benchmarks if b.metric == item_id]
    elif item_id in catalog.rules:
        kind, item, key = "rule", catalog.rules[item_id], "rule:"
        from ..evaluation.benchmarks import matching

        benchmarks = [dict(b.model_dump(mode="json"), name=name) for name, ref in item.benchmarks.items()
                      for b in matching(ref, catalog.benchmarks, None)]
    elif item_id in catalog.profiles:
        kind, item, key = "model", catalog.profiles[item_id], "model:"
    else:
        kind, item, key = "goal", catalog.goals[item_id], "goal:"
    # A metric a Python plugin computes carries a polars function: not data, so it is left out.
    definition = item.model_dump(mode="json", exclude={"polars"} if kind == "metric" else None, exclude_none=True)
    return {"kind": kind, "id": item_id, "definition": definition, "provided_by": catalog.origins.get(key + item_id),
            "benchmarks": benchmarks, "text": text}
