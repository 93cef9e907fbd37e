"""Limits: one place, documented defaults, overridable by environment, command
line and API, and each one actually enforced where it says."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import kpi_advisor
import polars as pl
import pytest
from click.testing import CliRunner
from kpi_advisor import limits
from kpi_advisor.cli import cli
from kpi_advisor.language import expr
from kpi_advisor.loading.catalog import get_catalog
from kpi_advisor.loading.yamlsafe import DEFAULT_LIMITS, load_yaml_text
from kpi_advisor.problems import ConfigError

DOC = Path(__file__).resolve().parent.parent / "docs" / "limits.md"
RECORDS = [{"channel": "facebook", "impressions": 1000, "clicks": 20}]


def config(**extra):
    return {"client": "t", "business_model": "dtc_ecommerce", "data": [{"records": RECORDS}], **extra}


def test_defaults_are_the_ones_the_modules_used_before():
    now = limits.current()
    assert now == limits.DEFAULTS
    assert now.yaml() == DEFAULT_LIMITS
    assert now.expr() == expr.Limits()


def test_environment_overrides_and_is_read_when_used(monkeypatch):
    monkeypatch.setenv("KPI_ADVISOR_LIMIT_YAML_DEPTH", "3")
    monkeypatch.setenv("KPI_ADVISOR_LIMIT_DATA_BYTES", "2M")
    monkeypatch.setenv("KPI_ADVISOR_LIMIT_EXPR_NUMBER", "1e6")
    now = limits.current()
    assert (now.yaml_depth, now.data_bytes, now.expr_number) == (3, 2 * 1024 * 1024, 1e6)
    with pytest.raises(ConfigError, match=r"nesting is deeper than 3 levels \(limit yaml_depth\)"):
        load_yaml_text("a: [[[[1]]]]")
    with pytest.raises(expr.ExprError, match="limit expr_number"):
        expr.parse("clicks * 2000000")
    monkeypatch.delenv("KPI_ADVISOR_LIMIT_YAML_DEPTH")
    load_yaml_text("a: [[[[1]]]]")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [("YAML_DEPTH", "0", "expected a positive whole number, got '0'"),
     ("YAML_DEPTH", "2.5", "expected a whole number, got '2.5'"),
     ("YAML_DEPTH", "10M", "expected a positive whole number, got '10M'"),
     ("DATA_ROWS", "nan", "expected a positive whole number, got 'nan'"),
     ("DATA_ROWS", "inf", "expected a positive whole number, got 'inf'"),
     ("DATA_ROW", "5", r"unknown limit 'data_row' \(did you mean 'data_rows'\?\)")],
)
def test_bad_environment_values_are_config_errors_naming_the_variable(monkeypatch, name, value, message):
    monkeypatch.setenv(f"KPI_ADVISOR_LIMIT_{name}", value)
    with pytest.raises(ConfigError, match=f"KPI_ADVISOR_LIMIT_{name}: {message}"):
        limits.current()


def test_api_override_is_scoped_to_the_block_and_the_thread():
    seen = {}

    def other_thread():
        seen["other"] = limits.current().data_rows

    with limits.override(data_rows=5, yaml_bytes="1K") as inside:
        assert inside.data_rows == 5 and inside.yaml_bytes == 1024
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
        with pytest.raises(ConfigError, match=r"data: too many rows: 6 here, 7 with the sources before it \(limit data_rows=5\)"):
            kpi_advisor.evaluate(config(), data=[{"channel": "c", "clicks": i} for i in range(6)])
    assert seen["other"] == limits.DEFAULTS.data_rows
    assert limits.current().data_rows == limits.DEFAULTS.data_rows
    with pytest.raises(ConfigError, match="unknown limit 'rows'"):
        with limits.override(rows=5):
            pass


def test_command_line_override_applies_to_that_command_only(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("c.yaml").write_text("client: t\nbusiness_model: dtc_ecommerce\ndata: [{records: [{channel: a, clicks: 1}, {channel: b, clicks: 2}]}]\n")
    result = CliRunner().invoke(cli, ["--limit", "data_rows=1", "run", "c.yaml"])
    assert result.exit_code == 2
    assert result.output == ("error: data[0].records: too many rows: 2 (limit data_rows=1); "
                             "to allow more: kpi-advisor --limit data_rows=N <command>, or KPI_ADVISOR_LIMIT_DATA_ROWS=N\n")
    assert CliRunner().invoke(cli, ["run", "c.yaml"]).exit_code == 0
    assert limits.current() == limits.DEFAULTS


def test_a_limit_raised_past_any_size_is_no_limit(tmp_path, monkeypatch):
    """Nine quintillion bytes: no buffer of that size is set aside before the config is read."""
    assert limits.parse_assignment("yaml_bytes=9999999999999999999") == ("yaml_bytes", 2**62)
    monkeypatch.chdir(tmp_path)
    Path("c.yaml").write_text("client: t\nbusiness_model: dtc_ecommerce\ndata: [{records: [{channel: a, clicks: 1}]}]\n")
    result = CliRunner().invoke(cli, ["--limit", "yaml_bytes=9999999999999999999", "run", "c.yaml"])
    assert result.exit_code == 0, result.output


def test_list_limits_shows_values_in_force():
    result = CliRunner().invoke(cli, ["--limit", "data-rows=5e7", "list", "limits"])
    assert result.exit_code == 0
    assert re.search(r"^data_rows\s+50,000,000 \(default 20,000,000; KPI_ADVISOR_LIMIT_DATA_ROWS\)", result.output, re.M)


def test_lowered_limits_never_break_the_shared_catalog(fresh_plugins):
    """The installed catalog is built once for the process: a low limit of the first run must not decide it."""
    with limits.override(yaml_depth=2, expr_length=5):
        assert "landing-page-leak" in get_catalog().rules
        with pytest.raises(ConfigError, match="nesting is deeper than 2 levels"):
            load_yaml_text("a: [[1]]")


def test_rules_and_metrics_limits(tmp_path):
    pack = tmp_path / "pack.yaml"
    pack.write_text("pack: extra\nrules:\n" + "".join(
        f"  - {{id: extra-{i}, title: t, stage: interest, severity: low, when: ctr > 1, message: m, recommendation: r, rationale: r, source: s}}\n"
        for i in range(3)))
    builtin = len(get_catalog().rules)
    with limits.override(rules=builtin + 2):
        with pytest.raises(ConfigError, match=rf"too many rules in this run: {builtin + 3} \(limit rules={builtin + 2}\)"):
            kpi_advisor.evaluate(config(rules={"packs": [str(pack)]}))
    with limits.override(rules=builtin + 3):
        kpi_advisor.evaluate(config(rules={"packs": [str(pack)]}))
    extra = [{"id": f"m{i}", "formula": "clicks / impressions", "stage": "interest"} for i in range(2)]
    count = len(get_catalog().metrics)
    with limits.override(metrics=count + 1):
        with pytest.raises(ConfigError, match=rf"too many metrics in this run: {count + 2} \(limit metrics={count + 1}\)"):
            kpi_advisor.evaluate(config(metrics=extra))


def test_data_limits(tmp_path):
    csv = tmp_path / "ads.csv"
    csv.write_text("channel,impressions,clicks\n" + "".join(f"c{i},100,{i}\n" for i in range(10)))
    source = {"data": [{"csv": str(csv), "name": "ads.csv"}]}
    with limits.override(data_columns=2), pytest.raises(ConfigError, match=r"ads.csv: too many columns: 3 \(limit data_columns=2\)"):
        kpi_advisor.evaluate(config(**source))
    with limits.override(data_bytes=50), pytest.raises(ConfigError, match=r"ads.csv: file is too large: \d+ bytes \(limit data_bytes=50\)"):
        kpi_advisor.evaluate(config(**source))
    with limits.override(data_rows=10), pytest.raises(ConfigError, match=r"ads.csv: too many rows: at least 10 here, at least 11 with the sources before it \(limit data_rows=10\)"):
        kpi_advisor.evaluate(config(data=[{"records": RECORDS}, {"csv": str(csv), "name": "ads.csv"}]))
    with limits.override(data_sources=1), pytest.raises(ConfigError, match=r"too many data sources: 2 \(limit data_sources=1\)"):
        kpi_advisor.evaluate(config(), data=RECORDS)


def test_a_parquet_file_that_unpacks_to_too_many_rows_is_refused_from_its_footer(tmp_path):
    """A few kilobytes of Parquet can hold millions of rows: the footer is read, not the data."""
    path = tmp_path / "bomb.parquet"
    pl.DataFrame({"channel": ["facebook"] * 2_000_000, "clicks": [1] * 2_000_000}).write_parquet(path)
    assert path.stat().st_size < 100_000
    with limits.override(data_rows=1_000_000), pytest.raises(ConfigError, match=r"bomb.parquet: too many rows: 2000000 \(limit data_rows=1000000\)"):
        kpi_advisor.evaluate(config(data=[{"parquet": str(path), "name": "bomb.parquet"}]))


def test_stdin_is_read_no_further_than_the_limit():
    from io import BytesIO

    from kpi_advisor.loading.yamlsafe import read_limited

    class Endless(BytesIO):
        def read(self, size=-1):
            assert size != -1, "an unbounded read"
            return b"x" * size

    with limits.override(yaml_bytes=1000), pytest.raises(ConfigError, match=r"<stdin>: file is too large: more than 1000 bytes"):
        read_limited(Endless())


def test_every_limit_is_documented_with_its_default_and_purpose():
    text = DOC.read_text(encoding="utf-8")
    for row in limits.describe(limits.DEFAULTS):
        line = next((line for line in text.splitlines() if line.startswith(f"| `{row['name']}` |")), None)
        assert line is not None, f"docs/limits.md has no row for {row['name']}"
        default = row["default"]
        shown = f"{default:g}" if isinstance(default, float) else f"{default:,}"
        assert shown in line, f"docs/limits.md: {row['name']} should show its default {shown}"
        assert row["variable"] == "KPI_ADVISOR_LIMIT_" + row["name"].upper()
    assert "`KPI_ADVISOR_LIMIT_<NAME>`" in text


def test_limits_are_read_once_per_evaluation_and_overrides_still_apply(monkeypatch):
    from kpi_advisor import limits

    monkeypatch.delenv("KPI_ADVISOR_LIMIT_DATA_ROWS", raising=False)
    with limits.pinned() as pinned:
        monkeypatch.setenv("KPI_ADVISOR_LIMIT_DATA_ROWS", "7")
        assert limits.current() is pinned  # the environment is not walked again inside
        with limits.override(data_rows=5):
            assert limits.current().data_rows == 5
        assert limits.current() is pinned
    assert limits.current().data_rows == 7
