"""kpi_advisor.Advisor: loads once, evaluates many configs, from many threads."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import kpi_advisor
import polars as pl
import pytest
from kpi_advisor import Advisor, ClientConfig, ConfigError, Report
from kpi_advisor.advisor import file_references
from kpi_advisor.language import expr as expr_mod
from kpi_advisor.loading import catalog as catalog_mod
from kpi_advisor.loading import yamlsafe

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "acme_outdoor.yaml"

PACK = """\
pack: agency
description: One rule of an agency's own.
metrics:
  - {id: cost_per_session, formula: spend / sessions, stage: interest, unit: currency, direction: lower}
rules:
  - id: pricey-sessions
    title: Sessions cost too much
    stage: interest
    severity: medium
    levels: [channel]
    when: cost_per_session > max_cost_per_session
    params: {max_cost_per_session: 1.0}
    thresholds: {cost_per_session: max_cost_per_session}
    message: "{scope}: a session costs {cost_per_session} (limit {max_cost_per_session})"
    recommendation: Cut the bids on the channel.
    rationale: Test rule.
    source: Test.
"""

PLUGIN = """\
from kpi_advisor import hookimpl

@hookimpl
def kpi_advisor_metrics():
    return [{"id": "cost_per_bounce", "formula": "spend / bounces", "stage": "interest",
             "unit": "currency", "direction": "lower", "description": "what a bounce costs"}]
"""


def config(channel_rows: dict[str, dict], **extra) -> dict:
    """A small config: one row per channel."""
    return {
        "client": "Test Shop",
        "business_model": "dtc_ecommerce",
        "data": [{"records": [{"channel": name, **row} for name, row in channel_rows.items()]}],
        **extra,
    }


ROWS = {
    "facebook": {"impressions": 100000, "clicks": 3000, "sessions": 2800, "bounces": 2300, "spend": 4000, "purchases": 20},
    "instagram": {"impressions": 90000, "clicks": 1500, "sessions": 1400, "bounces": 420, "spend": 700, "purchases": 35},
}


@pytest.fixture(scope="module")
def advisor() -> Advisor:
    return Advisor()


@pytest.fixture(scope="module")
def agency_advisor(tmp_path_factory) -> Advisor:
    folder = tmp_path_factory.mktemp("agency")
    (folder / "agency.yaml").write_text(PACK, encoding="utf-8")
    (folder / "agency_metrics.py").write_text(PLUGIN, encoding="utf-8")
    return Advisor(plugins=[folder / "agency_metrics.py"], rule_packs=[folder / "agency.yaml"])


def test_same_report_as_the_module_level_api(advisor):
    assert advisor.evaluate(EXAMPLE) == kpi_advisor.evaluate(EXAMPLE)
    assert advisor.evaluate(str(EXAMPLE)) == kpi_advisor.evaluate(str(EXAMPLE))


def test_every_kind_of_config_gives_the_same_report(advisor):
    from kpi_advisor.loading.prepare import load_config

    loaded = load_config(EXAMPLE)
    as_model = advisor.evaluate(loaded.config)
    as_mapping = advisor.evaluate(loaded.config.model_dump(mode="json", exclude_defaults=True))
    as_document = advisor.evaluate(yamlsafe.load_yaml_file(EXAMPLE))
    assert isinstance(as_model, Report)
    assert as_model == as_mapping == as_document == advisor.evaluate(EXAMPLE)


def test_data_argument_adds_rows(advisor):
    base = config({})
    base["data"] = []
    rows = [{"channel": name, **row} for name, row in ROWS.items()]
    from_list = advisor.evaluate(base, data=rows)
    from_frame = advisor.evaluate(base, data=pl.DataFrame(rows))
    from_lazy = advisor.evaluate(base, data=pl.DataFrame(rows).lazy())
    inline = advisor.evaluate(config(ROWS))
    assert from_list == from_frame == from_lazy == inline
    assert from_list.summary.rows == 2


def test_rule_packs_and_plugins_load_once_and_apply(agency_advisor, advisor):
    report = agency_advisor.evaluate(config(ROWS))
    fired = [f for f in report.findings if f.rule == "pricey-sessions"]
    assert [f.scope for f in fired] == [{"channel": "facebook"}]  # 4000/2800 > 1; 700/1400 < 1
    assert fired[0].thresholds == {"cost_per_session": 1.0}
    total = next(m for m in report.metrics if m.scope == {})
    assert total.values["cost_per_bounce"] == pytest.approx(4700 / 2720, rel=1e-5)
    # The shared advisor of installed plugins knows none of it.
    assert "pricey-sessions" not in advisor.catalog.rules
    assert "cost_per_bounce" not in advisor.catalog.metrics
    assert agency_advisor.catalog.origins["rule:pricey-sessions"].endswith("agency.yaml")


def test_rule_params_of_a_config_apply(agency_advisor):
    quiet = agency_advisor.evaluate(config(ROWS, rules={"params": {"pricey-sessions": {"max_cost_per_session": 5}}}))
    assert not [f for f in quiet.findings if f.rule == "pricey-sessions"]
    off = agency_advisor.evaluate(config(ROWS, rules={"disable": ["pricey-sessions"]}))
    assert "pricey-sessions" not in off.summary.by_rule


def test_a_warm_evaluation_parses_no_formula_and_no_yaml(advisor, monkeypatch):
    cfg = config(ROWS, metrics=[{"id": "sessions_per_click", "formula": "sessions / clicks", "stage": "interest", "unit": "ratio"}])
    advisor.evaluate(cfg)  # warm-up: every formula parsed once
    calls = {"tokenize": 0, "yaml": 0, "catalog": 0}

    def counting(name, original):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return original(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(expr_mod, "_tokenize", counting("tokenize", expr_mod._tokenize))
    monkeypatch.setattr(yamlsafe, "_load", counting("yaml", yamlsafe._load))
    monkeypatch.setattr(catalog_mod, "build_catalog", counting("catalog", catalog_mod.build_catalog))
    for _ in range(3):
        report = advisor.evaluate(cfg)
    assert calls == {"tokenize": 0, "yaml": 0, "catalog": 0}
    assert next(m for m in report.metrics if m.scope == {}).values["sessions_per_click"] == pytest.approx(4200 / 4500, rel=1e-5)


def test_parse_cache_is_bounded_and_keyed_by_function_table():
    info = expr_mod._parse_memo.cache_info()
    assert info.maxsize is not None and info.maxsize <= 10_000
    for _ in range(2):
        with pytest.raises(expr_mod.ExprError):
            expr_mod.parse("clicks >")
    assert expr_mod.parse("clicks / impressions") is expr_mod.parse("clicks / impressions")
    double = expr_mod.FunctionSpec("double", 1, 1, lambda args: args[0] * 2)
    custom = {**expr_mod.FUNCTIONS, "double": double}
    with pytest.raises(expr_mod.ExprError, match="double"):
        expr_mod.parse("double(clicks)")  # not in the built-in table, whatever was parsed before
    parsed = expr_mod.parse("double(clicks)", functions=custom)
    assert expr_mod.parse("double(clicks)", functions=custom) is parsed
    assert expr_mod.parse("double(clicks)", functions={**custom}) is not parsed  # another table, parsed again
    tight = expr_mod.Limits(max_length=5)
    with pytest.raises(expr_mod.ExprError, match="too long"):
        expr_mod.parse("clicks / impressions", limits=tight)  # cached under other limits, still checked


def test_concurrent_evaluations_match_serial_ones(agency_advisor):
    configs = []
    for index in range(24):
        scale = 1 + index % 6
        rows = {name: {k: v * scale if k != "spend" else v * (index % 4 + 1) for k, v in row.items()} for name, row in ROWS.items()}
        configs.append(config(rows, client=f"client {index}"))
    serial = [agency_advisor.evaluate(c) for c in configs]
    barrier = threading.Barrier(8)

    def run(cfg):
        try:
            barrier.wait(timeout=5)
        except threading.BrokenBarrierError:
            pass
        return agency_advisor.evaluate(cfg)

    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(run, configs))
    assert parallel == serial
    assert len({r.client for r in parallel}) == 24
    assert len({r.summary.by_rule.get("pricey-sessions", 0) for r in parallel}) > 1  # the configs really differ


def test_a_config_naming_a_plugin_file_builds_its_catalog_once(tmp_path, monkeypatch):
    (tmp_path / "agency_metrics.py").write_text(PLUGIN, encoding="utf-8")
    cfg = config(ROWS, plugins=["agency_metrics.py"], goals=[{"id": "cheap", "objective": "traffic", "metric": "cost_per_bounce"}])
    monkeypatch.chdir(tmp_path)
    advisor = Advisor()
    builds = []
    original = catalog_mod.build_catalog
    monkeypatch.setattr(catalog_mod, "build_catalog", lambda pm: builds.append(pm) or original(pm))
    for _ in range(3):
        report = advisor.evaluate(cfg)
    assert len(builds) == 1
    assert report.goals[0].metric == "cost_per_bounce"
    with pytest.raises(ConfigError, match=r"plugins\[0\]: no such plugin file"):
        advisor.evaluate(config(ROWS, plugins=["missing.py"]))


def test_refusing_files_names_every_field():
    advisor = Advisor(allow_files=False)
    cfg = config(ROWS, plugins=["evil.py"], rules={"packs": ["extra.yaml"]})
    cfg["data"].append({"csv": "/etc/passwd"})
    cfg["data"].append({"parquet": "exports/x.parquet", "format": "generic"})
    with pytest.raises(ConfigError) as caught:
        advisor.evaluate(cfg)
    paths = [p.path for p in caught.value.problems]
    assert paths == ["plugins", "rules.packs", "data[1].csv", "data[2].parquet"]
    assert "send the rows inline as data[1].records" in str(caught.value)
    # A validated config and a config file are refused the same way.
    with pytest.raises(ConfigError, match=r"data\[1\]\.csv"):
        advisor.evaluate(ClientConfig.model_validate({**config(ROWS), "data": [*config(ROWS)["data"], {"csv": "a.csv"}]}))
    assert file_references(config(ROWS)) == []
    assert advisor.evaluate(config(ROWS)).summary.rows == 2


def test_bad_input_names_the_field(advisor):
    with pytest.raises(ConfigError) as caught:
        advisor.evaluate(config(ROWS, goals=[{"id": "g", "objective": "sales", "target": -5}]))
    assert isinstance(caught.value, ValueError)
    assert "goals[0].target" in str(caught.value)
    with pytest.raises(ConfigError, match="unknown business model 'b2c'"):
        advisor.evaluate({**config(ROWS), "business_model": "b2c"})
    with pytest.raises(ConfigError, match=r"data\[0\]\.records\[1\]\.clicks: counts cannot be negative"):
        advisor.evaluate(config({"a": {"clicks": 1}, "b": {"clicks": -1}}))
    with pytest.raises(ConfigError, match="config must be a path, a mapping or a ClientConfig"):
        advisor.evaluate(42)
    with pytest.raises(ConfigError, match="no such config file"):
        advisor.evaluate(Path("does-not-exist.yaml"))
    with pytest.raises(ConfigError, match="data must be a polars or pandas DataFrame"):
        advisor.evaluate(config(ROWS), data="clicks,impressions")


def test_bad_rule_pack_fails_at_construction(tmp_path):
    with pytest.raises(ConfigError, match="no such rule pack"):
        Advisor(rule_packs=[tmp_path / "missing.yaml"])
    bad = tmp_path / "bad.yaml"
    bad.write_text(PACK.replace("cost_per_session > max_cost_per_session", "cost_per_sesion > max_cost_per_session"), encoding="utf-8")
    with pytest.raises(kpi_advisor.PluginError, match="cost_per_sesion"):
        Advisor(rule_packs=[bad])


def test_recommend_kpis_and_listings(advisor):
    assert advisor.recommend_kpis("b2b", ["leads"]) == kpi_advisor.recommend_kpis("b2b", ["leads"])
    assert advisor.recommend_kpis("b2b", "leads") == advisor.recommend_kpis("b2b", ["leads"])
    assert {row["id"] for row in advisor.listing("rules")} == set(advisor.catalog.rules)
    assert "Advisor(" in repr(advisor)
