"""From a prepared config and its data to the report."""

from __future__ import annotations

import functools
from typing import Any, Callable

import polars as pl

from .advice import goals as goals_mod
from .advice import kpis as kpis_mod
from .collector import collector_paused
from .data.sources import Dataset, load_dataset
from .evaluation.economics import with_economics
from .evaluation.money import BASIS as MONEY_BASIS
from .evaluation.money import count_once
from .evaluation.rollup import roll_up
from .evaluation.rules import Economy, evaluate_rules, metric_of
from .evaluation.rounding import significant_rows
from .evaluation.tables import (
    LEVEL_DIMS,
    MetricTable,
    best_date_notes,
    level_dims,
    metric_tables,
    pairing_notes,
    scope_of,
    undefined_notes,
)
from .i18n.formatting import format_value, use_locale
from .i18n.messages import Translator, localize_specs
from .language.rulespec import RuleSpec
from .loading.catalog import Catalog
from .loading.prepare import Prepared, load_config, prepare
from .models.definitions import SEVERITIES
from .models.report import ActionValue, Report, ScopeMetrics, Summary, every_field
from .problems import ConfigError, Problem

# Levels whose totals the report lists; finer ones are used by rules only.
# Totals for all data, per account (where the data names accounts) and per channel within each.
REPORTED_LEVELS = ("total", "account", "channel", "segment")


def extra_frame(data: Any) -> pl.DataFrame | None:
    """The API's ``data=`` argument as a polars frame."""
    if data is None:
        return None
    if isinstance(data, pl.LazyFrame):
        return data.collect()
    if isinstance(data, pl.DataFrame):
        return data
    if isinstance(data, list):
        from .data.sources import check_record_keys, records_frame

        check_record_keys(data, lambda row, column: Problem("", path=f"data[{row}].{column}"))
        return records_frame(data, "data", lambda row, column: Problem("", path=f"data[{row}].{column}"))
    if type(data).__module__.startswith("pandas"):
        return _from_pandas(data)
    raise ConfigError(Problem(f"data must be a polars or pandas DataFrame or a list of dicts, got {type(data).__name__}", path="data"))


def _from_pandas(data: Any) -> pl.DataFrame:
    try:
        return pl.from_pandas(data)
    except ImportError:
        # Without pyarrow polars converts only numpy-backed columns (pandas 3 keeps text
        # in its own string type), so the others go column by column as Python objects.
        columns = []
        for name in data.columns:
            column = data[name]
            if type(column.dtype).__module__ == "numpy" and column.dtype.kind in "iufbM":
                columns.append(pl.Series(str(name), column.to_numpy(), nan_to_null=True))
            else:
                values = column.astype(object).where(column.notna(), None).tolist()
                columns.append(pl.Series(str(name), values, strict=False))
        return pl.DataFrame(columns)


def _actions(action: str, catalog: Catalog) -> str:
    """A micro action in the plural, as a share of them reads ("0.5% of ebook downloads"): the metric
    it counts where the catalogue knows it, else the config's own word."""
    name = (metric_of(action, catalog) or action).replace("_", " ")
    return name if name.endswith("s") else name + "s"


def _locator(prepared: Prepared):
    doc = prepared.loaded.doc
    if doc is None:
        return None
    return lambda source, row, column: doc.problem(("data", source, "records", row, column), "")


def scope_gaps(dataset: Dataset, catalog: Catalog) -> list[str]:
    """Counts empty on part of a scope's rows, named at the finest reported level the data has
    (channel, else account, else all data): the same for ``run`` and ``validate``."""
    finest = next((level for level in ("channel", "account") if level_dims(level, dataset) is not None), "total")
    return pairing_notes(dataset, catalog, finest) + best_date_notes(dataset, catalog)


def _moved_notes(moved: dict[str, tuple[str, str]]) -> list[str]:
    """Rules judged on a coarser level than their first, because what each needs meets on no
    scope of the finer one (ad clicks by campaign beside analytics sessions by channel)."""
    by_levels: dict[tuple[str, str], list[str]] = {}
    for rule, levels in moved.items():
        by_levels.setdefault(levels, []).append(rule)
    return [f"{', '.join(rules)}: judged per {level}, as the metrics {'it needs' if len(rules) == 1 else 'each needs'} meet on no "
            f"{first} (the sources give them at different levels: by {first} in one, only by {level} in another)"
            for (first, level), rules in by_levels.items()]


def data_warnings(prepared: Prepared) -> list[str]:
    """What ``validate`` says about a config's data without evaluating it: the warnings reading the
    data gives (repeated rows added up, ...) and the counts empty on part of a scope's rows."""
    dataset = load_dataset(prepared.loaded.config, prepared.catalog, prepared.loaded.base_dir, locate_record=_locator(prepared))
    return list(dataset.warnings) + scope_gaps(dataset, prepared.catalog)


def build_tables(dataset: Dataset, prepared: Prepared, rows_kept: set[str] | None = None) -> dict[str, MetricTable | None]:
    levels = set(REPORTED_LEVELS) | {level for rule in prepared.rules for level in rule.levels}
    return metric_tables(dataset, prepared.catalog, [level for level in LEVEL_DIMS if level in levels], rows_kept)


def _rows_read_later(prepared: Prepared, compare_previous: bool) -> set[str] | None:
    """The counts read from the rows once the tables are built: those of the metrics a trend rule
    names (its trends are read from the rows per period). None, every count, where the KPIs'
    comparison reads the rows too (with ``--compare-previous``)."""
    if compare_previous:
        return None
    catalog = prepared.catalog
    named = set()
    for spec in prepared.specs:
        if spec.uses_trends:
            named.update(spec.metrics)
            named.update(name for part in (spec.impact, *(spec.chance or ())) if part is not None for name in part.names)
    return {count for name in named if name in catalog.metrics for count in catalog.base_inputs(name)}


def _narrow_unreported(tables: dict[str, MetricTable | None], specs: list[RuleSpec], catalog: Catalog) -> None:
    """The tables of levels the report does not list (campaign, ad), once the rules have fired:
    only what the roll-ups read of them (each rule's needed metrics, which children a parent has;
    each rule's evidence, a parent's own numbers, with the counts its ratios are made of and
    their paired sums) is kept while the findings are built. At agency 10M these are two tables
    of 1M scopes and ~50 columns."""
    keep = {name for spec in specs for name in (*spec.requires, *spec.evidence)}
    keep.update(count for name in list(keep) if name in catalog.metrics for count in catalog.base_inputs(name))
    for level, table in tables.items():
        if table is not None and level not in REPORTED_LEVELS:
            table.frame = table.frame.select(c for c in table.frame.columns if c in table.dims or c in keep or c.startswith("__pair"))


def _economy(prepared: Prepared) -> tuple[Economy, list[ActionValue]]:
    config = prepared.loaded.config
    customer_value = config.economics.value_of_customer()
    values: list[ActionValue] = []
    per_action: dict[str, float] = {}
    if customer_value is not None:
        for micro in config.economics.micro_conversions:
            value = round(micro.to_customer_rate * customer_value, 2)
            per_action[micro.action] = value
            values.append(
                ActionValue(
                    action=micro.action,
                    value=value,
                    currency=config.currency,
                    basis=f"{micro.to_customer_rate:.1%} of {_actions(micro.action, prepared.catalog)} lead to a customer worth "
                    f"{format_value(customer_value, 'currency', config.currency)}",
                )
            )
    return Economy(currency=config.currency, customer_value=customer_value, action_values=per_action), values


def run_pipeline(prepared: Prepared, data: Any = None, *, lang: str = "en", progress: Callable[[str], None] | None = None,
                 compare_previous: bool = False, words: bool = True) -> Report:
    """The report for a prepared config; rule messages in ``lang``, each step announced to ``progress``;
    with ``compare_previous``, each KPI's latest period beside the one before.

    :param words: write every finding's message and recommendation now. When false they are
        written by ``Finding.worded()``, as ``show_at_most`` and ``render_report`` do for the
        findings a report shows: a short report of an agency's 28,000 findings words 10 of them.
        Until then a finding holds what its words are made from: word it before pickling the
        report or writing its JSON."""
    with collector_paused():
        return _run_pipeline(prepared, data, lang, progress, compare_previous, words)


def _run_pipeline(prepared: Prepared, data: Any, lang: str, progress: Callable[[str], None] | None, compare_previous: bool,
                  words: bool = True) -> Report:
    loaded, catalog = prepared.loaded, prepared.catalog
    config = loaded.config
    step = progress or (lambda name: None)
    step("reading data")
    dataset = load_dataset(config, catalog, loaded.base_dir, locate_record=_locator(prepared), extra=extra_frame(data))
    # The period the report covers: the config's (its rows are the period's), else the data's dates.
    covered = (config.period.start, config.period.end) if config.period else dataset.dates()
    # What reads the rows themselves is worked out first (the notes on empty counts, the goals), or
    # with the trends (the KPIs' latest periods keep every count of the rows), so that the rows can
    # be narrowed (build_tables' rows_kept) and let go (evaluate_rules' rows_read) before the
    # tables and the findings are built beside them: at 10M rows they are ~1.5 GiB.
    gaps = scope_gaps(dataset, catalog)
    step("checking goals")
    profile = kpis_mod.resolve_profile(catalog, config.business_model)
    goal_statuses = [goals_mod.check_goal(goal, config, catalog, profile, dataset) for goal in config.goals]
    step("computing metrics")
    tables = build_tables(dataset, prepared, _rows_read_later(prepared, compare_previous))
    warnings = list(dataset.warnings)
    if config.economics.micro_conversions and config.economics.value_of_customer() is None:
        warnings.append("economics: micro_conversions are given but no customer_value, so actions cannot be valued")

    economy, values = _economy(prepared)
    total = tables["total"]
    assert total is not None
    available = set(total.available)
    # A goal the model has no use for ranks no KPIs (its goal check says so).
    objectives = list(dict.fromkeys(goal.objective for goal in config.goals if profile.relevance(goal.objective) != "none"))
    tracked = [goal.metric for goal in config.goals if goal.metric]
    kpis = kpis_mod.with_data(kpis_mod.recommend(catalog, config.business_model, objectives, keep=tracked), available, catalog, profile)
    comparison = None
    compared: list[str] = []
    if compare_previous:
        from .evaluation.since import compare_previous as compare

        kpis, comparison, compared = compare(dataset, catalog, kpis)

    step("evaluating rules")
    # Only rule messages speak the report's language; the rest of the report is English.
    with use_locale(lang):
        params, from_economics = with_economics(prepared.specs, config.economics, config.rules.params, catalog.aliases)
        outcome = evaluate_rules(localize_specs(prepared.specs, lang), tables, catalog, params, economy, config.benchmarks, words=False,
                                 from_economics=from_economics,
                                 rows_read=dataset.let_go, tables_read=lambda: _narrow_unreported(tables, prepared.specs, catalog))

    questions = {spec.rule.id: frozenset(spec.rule.questions) for spec in prepared.specs if spec.rule.questions}
    titles = {spec.rule.id: spec.rule.title for spec in localize_specs(prepared.specs, lang)}

    def describe(name: str, value: float) -> str:
        unit = catalog.metrics[name].unit if name in catalog.metrics else "number"
        return format_value(value, unit, config.currency)

    from .i18n.phrases import let_name, metric_name

    translator = Translator(lang)

    @functools.cache  # asked once per roll-up, of a few metrics
    def label(name: str, rule: str) -> str | None:
        """A metric's name in the report's language, as a sentence writes it (CTR, cost per acquisition);
        a shipped rule's own figure as its words for it ("results (last period)", not outcome_last)."""
        text = metric_name(name, translator)
        return let_name(name, translator) if text is None and catalog.shipped_rule(rule) else text

    with use_locale(lang):
        needs = {spec.rule.id: spec.requires for spec in prepared.specs}
        findings = roll_up(outcome.findings, tables, titles, describe, questions, label, prepared.catalog, needs)
        if words:
            for finding in findings:
                finding.worded()
    # Once the findings are rolled up (roll_up took the rules' findings over), only the levels the
    # report lists are read: the campaign and ad tables go before those are listed (at agency
    # 10M, two tables of 1M scopes beside 283,000 findings and the listed scopes' metrics).
    for level in [level for level in tables if level not in REPORTED_LEVELS]:
        del tables[level]
    metrics_out: list[ScopeMetrics] = []
    # An agency's segments are ~170,000 scopes at 1M rows: each name is held once however many
    # scopes name it, and the entries, made of report numbers already, are not checked again.
    names: dict[str, str] = {}
    given = every_field(ScopeMetrics)
    for level in REPORTED_LEVELS:
        table = tables.get(level)
        if table is None:
            continue
        warnings += undefined_notes(table, catalog)
        scopes = table.frame.select(table.dims).rows(named=True) if table.dims else [{}] * table.frame.height
        for row, cells in zip(scopes, significant_rows(table.frame, table.available), strict=True):
            metrics_out.append(ScopeMetrics.model_construct(given, scope=scope_of(row, table.dims, names), values=dict(zip(table.available, cells))))
    warnings += gaps + compared + _moved_notes(outcome.moved)
    tables.clear()
    by_rule: dict[str, int] = {}
    by_severity: dict[str, int] = {}
    for finding in findings:
        by_rule[finding.rule] = by_rule.get(finding.rule, 0) + 1
        by_severity[finding.severity] = by_severity.get(finding.severity, 0) + 1
    money = count_once(findings)
    summary = Summary(
        findings_total=len(findings),
        by_rule=dict(sorted(by_rule.items())),
        by_severity={s: by_severity[s] for s in SEVERITIES if s in by_severity},
        rules_evaluated=len(outcome.evaluated),
        rules_skipped=outcome.skipped,
        rows=dataset.rows,  # kept when the rows were let go
        money_at_stake=money,
        money_basis=MONEY_BASIS if money is not None else None,
    )
    period = {"start": covered[0].isoformat(), "end": covered[1].isoformat()} if covered else None
    return Report(
        client=config.client,
        business_model=config.business_model,
        currency=config.currency,
        period=period,
        kpis=kpis,
        findings=findings,
        goals=goal_statuses,
        values=values,
        metrics=metrics_out,
        summary=summary,
        warnings=warnings,
        comparison=comparison,
    )


def evaluate(config: Any, *, data: Any = None, catalog: Catalog | None = None, lang: str = "en") -> Report:
    """Evaluate one client config and return the report.

    :param config: a path to a YAML/JSON config, a mapping, or a :class:`ClientConfig`.
    :param data: optional rows added to the config's sources: a polars or pandas
        DataFrame, or a list of dicts with canonical column names.
    :param lang: language of rule messages and recommendations (en, de, da, id).
    :raises ConfigError: for any problem with the config, the data or a plugin.
    """
    from .i18n.messages import check_lang
    from .limits import pinned

    with pinned():
        return run_pipeline(prepare(load_config(config), catalog), data, lang=check_lang(lang))
