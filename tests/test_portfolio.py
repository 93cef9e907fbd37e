"""Portfolio runs: ``kpi-advisor run FOLDER|CONFIG... -o DIR`` writes one report per client and a
ranked overview; a bad config is reported and skipped; --since per client; portfolio benchmarks
show only the aggregate of the other clients (docs/portfolio.md)."""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path

import pytest
from click.testing import CliRunner
from kpi_advisor.cli import cli

ROOT = Path(__file__).resolve().parent.parent
AGENCY = ROOT / "examples" / "agency" / "clients"


def invoke(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def shop(folder: Path, name: str, index: int, *, benchmark: bool = False, leak: bool = False, money: float = 1.0) -> Path:
    """A small DTC client whose every figure is its own (no two clients share a value)."""
    rows = []
    for month, day in (("07", "31"), ("08", "31"), ("09", "30")):
        impressions = 90000 + 7919 * index + int(month) * 13
        clicks = int(impressions * (0.0101 + 0.00037 * index))
        sessions = int(clicks * 0.93)
        bounces = int(sessions * (0.81 if leak else 0.331 + 0.0071 * index))
        add_to_cart = int(sessions * (0.071 + 0.0013 * index))
        purchases = int(add_to_cart * 0.37)
        rows.append(f"      - {{date: 2026-{month}-{day}, channel: facebook, impressions: {impressions}, clicks: {clicks}, "
                    f"sessions: {sessions}, bounces: {bounces}, add_to_cart: {add_to_cart}, checkouts: {int(add_to_cart * 0.6)}, "
                    f"purchases: {purchases}, revenue: {round(purchases * 61.3 * money, 2)}, spend: {round(impressions * (0.0131 + 0.0003 * index), 2)}}}")
    text = "\n".join([
        f"client: {name}", "business_model: dtc_ecommerce", "currency: EUR", "period: {start: 2026-07-01, end: 2026-09-30}",
        f"economics: {{average_order_value: {round(61.3 * money, 2)}}}",
        *(["portfolio: {benchmark: true}"] if benchmark else []),
        "data:", "  - records:", *rows,
    ]) + "\n"
    path = folder / f"{name.lower().replace(' ', '_')}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


NAMES = ["Quillon Shop", "Bramblewick", "Zephyrine Goods", "Marlowe Supply", "Ostrava Tea", "Pennywhistle", "Corvid Home"]


def _shops(folder: Path) -> Path:
    folder.mkdir()
    for index, name in enumerate(NAMES):
        shop(folder, name, index, leak=index == 3, money=3.0 if index == 3 else 1.0)
    return folder


@pytest.fixture
def shops(tmp_path: Path) -> Path:
    return _shops(tmp_path / "clients")


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> tuple[Path, dict[str, dict]]:
    """The shops, and each one's plain JSON report (no portfolio benchmark), made once."""
    base = tmp_path_factory.mktemp("portfolio")
    folder = _shops(base / "clients")
    plain = base / "plain"
    assert invoke("run", folder, "-o", plain, "--format", "json", "-j", "1", "-q").exit_code == 0
    return folder, {p.stem: json.loads(p.read_text()) for p in plain.glob("*.json") if p.stem != "overview"}


def test_a_folder_gives_one_report_per_client_and_an_overview_that_ranks_them(shops, tmp_path):
    (shops / "broken.yaml").write_text("client: Broken\nbusiness_model: dtc_ecomerce\n", encoding="utf-8")
    out = tmp_path / "reports"
    result = invoke("run", shops, "-o", out, "--format", "json", "-j", "1")
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "broken.yaml:2" in errors[0] and "dtc_ecomerce" in errors[0], errors
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted([f"{Path(n.lower().replace(' ', '_')).name}.json" for n in NAMES] + ["overview.json"])
    overview = json.loads((out / "overview.json").read_text())
    assert [f["config"] for f in overview["failed"]] == [str(shops / "broken.yaml")]
    clients = overview["clients"]
    assert [c["rank"] for c in clients] == list(range(1, len(NAMES) + 1))
    money = [c["money_at_stake"] or 0 for c in clients]
    assert money == sorted(money, reverse=True)
    # Each client's money at stake is its own report's summary total, counted once.
    for entry in clients:
        report = json.loads((out / entry["report"]).read_text())
        assert entry["money_at_stake"] == report["summary"]["money_at_stake"]
        assert entry["findings_total"] == report["summary"]["findings_total"]
    # The leaking shop (bounce rate 81%, three times the order value) needs attention first, and the overview says why.
    assert clients[0]["client"] == "Marlowe Supply"
    assert any(f["rule"] == "landing-page-leak" for f in clients[0]["top_findings"])
    assert overview["attention_first"].startswith("Marlowe Supply")
    import jsonschema

    from kpi_advisor.commands.schemas import schema_dict

    jsonschema.validate(overview, schema_dict("overview"))


@pytest.mark.parametrize("fmt, ext", [("html", ".html"), ("markdown", ".md"), ("text", ".txt")])
def test_the_overview_comes_in_the_chosen_format(shared, tmp_path, fmt, ext):
    shops, own = shared
    configs = sorted(shops.iterdir())[:3]
    out = tmp_path / "reports"
    result = invoke("run", *configs, "-o", out, "--format", fmt, "-j", "1", "-q")
    assert result.exit_code == 0, result.output
    assert sorted(p.suffix for p in out.iterdir()) == [ext] * 4
    text = (out / f"overview{ext}").read_text()
    assert "Needs attention first" in text or "No rule fired" in text
    # Ranked by money at stake: the names appear in that order.
    ranked = sorted((own[c.stem] for c in configs), key=lambda r: -(r["summary"]["money_at_stake"] or 0))
    positions = [text.index(report["client"]) for report in ranked]
    assert positions == sorted(positions)


def test_the_json_overview_says_why_in_the_run_language_as_the_text_overview_does(shared, tmp_path):
    shops, _ = shared
    configs = sorted(shops.iterdir())[:3]
    by_format = {}
    for fmt in ("json", "text"):
        out = tmp_path / fmt
        assert invoke("run", *configs, "-o", out, "--format", fmt, "--lang", "de", "-j", "1", "-q").exit_code == 0
        by_format[fmt] = out
    overview = json.loads((by_format["json"] / "overview.json").read_text())
    first = overview["clients"][0]
    assert first["findings_total"] and "Befund" in first["why"] and "finding" not in first["why"], first["why"]
    # The same line as the text overview's headline, and in the JSON's attention_first.
    assert first["why"] in (by_format["text"] / "overview.txt").read_text()
    assert overview["attention_first"] == f"{first['client']} ({first['name']}): {first['why']}"
    quiet = [c for c in overview["clients"] if not c["findings_total"]]
    assert all(c["why"] == "keine Regel ausgelöst" for c in quiet)


def test_output_must_be_a_folder_and_bad_names_are_refused(shops, tmp_path):
    target = tmp_path / "one.json"
    target.write_text("{}")
    result = invoke("run", shops, "-o", target)
    assert result.exit_code == 2 and "is a file" in result.stderr and "Traceback" not in result.output
    result = invoke("run", shops)
    assert result.exit_code == 2 and "-o FOLDER" in result.stderr
    shop(shops, "Overview", 9)
    result = invoke("run", shops, "-o", tmp_path / "r", "-j", "1", "--format", "json")
    assert result.exit_code == 2
    assert any("overview.yaml" in line and "may not be called" in line for line in result.stderr.splitlines())
    assert (tmp_path / "r" / "overview.json").is_file()
    result = invoke("run", shops, "-o", tmp_path / "s", "--engine", "spark")
    assert result.exit_code == 2 and "polars engine" in result.stderr


def test_a_report_is_never_written_over_an_input(tmp_path):
    folder = tmp_path / "clients"
    folder.mkdir()
    shop(folder, "Alpha", 1)
    config = shop(folder, "Beta", 2)
    as_json = folder / "beta.json"
    import yaml

    as_json.write_text(json.dumps(yaml.safe_load(config.read_text()), default=str))
    config.unlink()
    before = as_json.read_bytes()
    result = invoke("run", folder, "-o", folder, "--format", "json", "-j", "1")
    assert result.exit_code == 2
    assert as_json.read_bytes() == before
    assert any("beta.json" in line and "input" in line for line in result.stderr.splitlines())


@pytest.mark.parametrize("read", ["gamma.json", "overview.json"])
def test_no_report_or_overview_is_written_over_another_clients_data(tmp_path, read):
    # Gamma's data is a CSV that happens to be named like a report of the run (another client's, or the overview).
    folder, out = tmp_path / "clients", tmp_path / "out"
    folder.mkdir()
    out.mkdir()
    shop(folder, "Alpha", 1)
    shop(folder, "Gamma", 3)
    data = out / read
    data.write_text("channel,impressions,clicks\nfacebook,100000,1200\n")
    (folder / "beta.yaml").write_text(f"client: Beta\nbusiness_model: dtc_ecommerce\ndata:\n  - csv: ../out/{read}\n")
    before = data.read_bytes()
    result = invoke("run", folder, "-o", out, "--format", "json", "-j", "1")
    assert result.exit_code == 2
    assert data.read_bytes() == before
    assert [line for line in result.stderr.splitlines() if read in line and "input of this run" in line]
    assert not (out / "alpha.json").exists()  # refused before any report is written


def test_since_is_never_the_folder_the_run_writes_over(shops, tmp_path):
    out = tmp_path / "week"
    assert invoke("run", shops, "-o", out, "--format", "json", "-j", "1").exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    result = invoke("run", shops, "-o", out, "--since", out, "--format", "json", "-j", "1")
    assert result.exit_code == 2 and "input of this run" in result.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_since_matches_each_client_to_its_own_earlier_report(shops, tmp_path):
    old = tmp_path / "old"
    assert invoke("run", shops, "-o", old, "--format", "json", "-j", "1", "-q").exit_code == 0
    # Same data again: nothing is new, so --fail-on alerts on nothing.
    again = invoke("run", shops, "-o", tmp_path / "new", "--format", "json", "--since", old, "--fail-on", "low", "-j", "1", "-q")
    assert again.exit_code == 0, again.output
    overview = json.loads((tmp_path / "new" / "overview.json").read_text())
    assert overview["new_findings"] == 0
    assert all(c["trend"]["new"] == 0 and c["trend"]["since"].endswith(f"{c['name']}.json") for c in overview["clients"])
    # A client without an earlier report is on its first run: its findings are new and alert.
    (old / "marlowe_supply.json").unlink()
    third = invoke("run", shops, "-o", tmp_path / "third", "--format", "json", "--since", old, "--fail-on", "high", "-j", "1", "-q")
    assert third.exit_code == 1
    overview = json.loads((tmp_path / "third" / "overview.json").read_text())
    first = next(c for c in overview["clients"] if c["name"] == "marlowe_supply")
    assert first["trend"]["since"] == "none" and first["trend"]["new"] == first["findings_total"] > 0
    assert sum(c["trend"]["new"] for c in overview["clients"]) == overview["new_findings"] == first["findings_total"]
    # One config with the folder: its own earlier report is used.
    single = invoke("run", shops / "corvid_home.yaml", "--format", "json", "--since", old)
    assert single.exit_code == 0 and json.loads(single.stdout)["summary"]["since"] == "corvid_home.json"
    # One report file for several configs is a usage error.
    result = invoke("run", shops, "-o", tmp_path / "x", "--since", old / "alpha.json")
    assert result.exit_code == 2


def _values(report: dict, fmt: str) -> set[float]:
    """A client's own numbers as its report could print them: every metric value in JSON; in HTML
    the counts and amounts of 1,000 or more (as whole numbers: rates print too coarsely to tell)."""
    out = set()
    for entry in report["metrics"]:
        for value in entry["values"].values():
            if value is None or value == 0:
                continue
            if fmt == "json":
                out.add(float(value))
            elif abs(value) >= 1000:
                out.add(float(round(value)))
    return out


def _numbers(text: str, fmt: str) -> set[float]:
    """Every number in a report: each JSON number, or each number printed in the page."""
    if fmt == "json":
        found: set[float] = set()

        def walk(node):
            if isinstance(node, dict):
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)
            elif isinstance(node, (int, float)) and not isinstance(node, bool):
                found.add(float(node))

        walk(json.loads(text))
        return found
    return {float(round(float(token.replace(",", "")))) for token in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}


@pytest.mark.parametrize("fmt", ["json", "html"])
def test_portfolio_benchmarks_show_only_the_aggregate_of_the_other_clients(shared, tmp_path, fmt):
    shops, own = shared
    out = tmp_path / f"reports-{fmt}"
    result = invoke("run", shops, "-o", out, "--format", fmt, "--portfolio-benchmark", "-j", "1", "-q")
    assert result.exit_code == 0, result.output
    assert len(own) == len(NAMES)
    for stem, report in own.items():
        text = (out / f"{stem}.{'json' if fmt == 'json' else 'html'}").read_text()
        assert report["client"] in text
        for other_stem, other in own.items():
            if other_stem == stem:
                continue
            assert other["client"] not in text, f"{other['client']} named in {stem}"
            leaked = (_values(other, fmt) - _values(report, fmt)) & _numbers(text, fmt)
            assert not leaked, f"{stem}'s report shows {other_stem}'s own numbers {sorted(leaked)[:5]}"
    if fmt == "json":
        report = json.loads((out / "quillon_shop.json").read_text())
        peers = report["peers"]
        assert peers["min_peers"] == 5 and peers["comparisons"]
        ctr = next(c for c in peers["comparisons"] if c["metric"] == "ctr" and c["scope"] == {})
        others = [next(m["values"]["ctr"] for m in r["metrics"] if m["scope"] == {}) for s, r in own.items() if s != "quillon_shop"]
        assert ctr["peers"]["n"] == len(NAMES) - 1
        assert ctr["peers"]["median"] == float(f"{statistics.median(others):.2g}")
        assert ctr["significance"]["test"] == "wilson" and ctr["significance"]["bound"] == ctr["peers"]["median"]
        # Quillon has the lowest CTR of all, measured on ~280,000 impressions: worse, beyond chance.
        assert ctr["position"] == "below" and ctr["verdict"] == "worse"
        cpc = next(c for c in peers["comparisons"] if c["metric"] == "cpc" and c["scope"] == {})
        assert cpc["significance"]["test"] == "poisson-score"
    else:
        assert "Compared with similar clients" in (out / "quillon_shop.html").read_text()


def test_too_few_peers_compare_nothing_and_the_report_says_so(tmp_path):
    folder = tmp_path / "clients"
    folder.mkdir()
    for index, name in enumerate(NAMES[:5]):
        shop(folder, name, index, benchmark=index == 0)
    out = tmp_path / "r"
    assert invoke("run", folder, "-o", out, "--format", "json", "-j", "1", "-q").exit_code == 0
    asked = json.loads((out / "quillon_shop.json").read_text())
    assert asked["peers"]["comparisons"] == [] and "fewer than 5" in asked["peers"]["note"]
    assert "peers" not in json.loads((out / "bramblewick.json").read_text())  # did not ask: no section


def test_a_single_config_keeps_its_behaviour_and_refuses_the_portfolio_flag(shops):
    config = sorted(shops.iterdir())[0]
    result = invoke("run", config, "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["client"]
    result = invoke("run", config, "--portfolio-benchmark")
    assert result.exit_code == 2 and "folder or several configs" in result.stderr


def test_workers_write_the_same_reports_as_one_process(shops, tmp_path):
    configs = sorted(shops.iterdir())[:4]
    one, two = tmp_path / "one", tmp_path / "two"
    assert invoke("run", *configs, "-o", one, "--format", "markdown", "-j", "1", "-q").exit_code == 0
    result = invoke("run", *configs, "-o", two, "--format", "markdown", "-j", "2")
    assert result.exit_code == 0, result.output
    assert "2 workers" in result.stderr
    for path in one.iterdir():
        assert (two / path.name).read_text() == path.read_text(), path.name


def test_the_agency_example_runs_and_names_the_client_that_needs_attention_first(tmp_path):
    result = invoke("run", AGENCY, "-o", tmp_path / "r", "--format", "json", "--portfolio-benchmark", "-j", "1")
    assert result.exit_code == 2  # the broken config, on purpose
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "harbour_lights_broken.yaml:4" in errors[0]
    overview = json.loads((tmp_path / "r" / "overview.json").read_text())
    assert len(overview["clients"]) >= 10 and len({c["business_model"] for c in overview["clients"]}) >= 6
    assert "needs attention first:" in result.stderr
    dtc = [c for c in overview["clients"] if c["business_model"] == "dtc_ecommerce"]
    assert all(c["peer_comparisons"] for c in dtc)


def test_a_pool_is_used_only_where_it_saves_time(monkeypatch):
    from kpi_advisor.commands import portfolio
    from kpi_advisor.commands.portfolio import Outcome, pool_pays

    monkeypatch.setattr(portfolio, "cores", lambda: 2)
    monkeypatch.setattr(portfolio.os, "getloadavg", lambda: (1.0, 1.0, 1.0))  # only this run
    small = Outcome(name="a", config="a.yaml", seconds=0.2, cpu_seconds=0.2)
    assert not pool_pays(small, 12, 2)  # 12 x 0.2 s: the pool's start costs more than half of 2.4 s
    single_threaded = Outcome(name="a", config="a.yaml", seconds=3.0, cpu_seconds=3.0)
    assert pool_pays(single_threaded, 5, 2)
    assert not pool_pays(single_threaded, 5, 1)
    # polars already keeps both cores busy: two processes would only share them.
    busy = Outcome(name="a", config="a.yaml", seconds=3.0, cpu_seconds=5.9)
    assert not pool_pays(busy, 20, 2)
    # Other work keeps the machine's cores busy: no pool, however slow the first client looked.
    monkeypatch.setattr(portfolio.os, "getloadavg", lambda: (3.5, 3.0, 3.0))
    assert not pool_pays(Outcome(name="a", config="a.yaml", seconds=9.0, cpu_seconds=3.0), 5, 2)


def test_each_failed_config_is_named_at_the_start_of_its_lines(tmp_path):
    folder = tmp_path / "clients"
    folder.mkdir()
    shop(folder, "Alpha", 1)
    (folder / "bad.csv").write_text("impressions,clicks\n10,x\n", encoding="utf-8")
    (folder / "beta.yaml").write_text("client: Beta\nbusiness_model: b2b\ndata:\n  - csv: bad.csv\n", encoding="utf-8")
    (folder / "gamma.yaml").write_text("client: [\n", encoding="utf-8")
    result = invoke("run", folder, "-o", tmp_path / "out", "--format", "json", "-j", "1")
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2, errors
    assert errors[0].startswith(f"error: {folder / 'beta.yaml'}: ") and "bad.csv:2: clicks" in errors[0]
    assert errors[1].startswith(f"error: {folder / 'gamma.yaml'}:2:")
    assert "Traceback" not in result.output
    assert (tmp_path / "out" / "alpha.json").is_file()


def test_a_json_config_can_ask_for_portfolio_benchmarks(shops, tmp_path):
    import yaml

    config = shops / "quillon_shop.yaml"
    data = yaml.safe_load(config.read_text())
    data["portfolio"] = {"benchmark": True}
    (shops / "quillon_shop.json").write_text(json.dumps(data, default=str), encoding="utf-8")  # one line
    config.unlink()
    out = tmp_path / "r"
    assert invoke("run", shops, "-o", out, "--format", "json", "-j", "1", "-q").exit_code == 0
    assert json.loads((out / "quillon_shop.json").read_text())["peers"]["comparisons"]
    assert "peers" not in json.loads((out / "corvid_home.json").read_text())


def test_a_config_the_quick_look_misses_still_gets_its_benchmark(shops, tmp_path, monkeypatch):
    # The quick text look only decides whether reports wait for every client; a config it misses
    # (say, its portfolio: key written past the first megabyte) is written again with the benchmark.
    import yaml
    from kpi_advisor.commands import portfolio

    config = shops / "quillon_shop.yaml"
    data = yaml.safe_load(config.read_text())
    data["portfolio"] = {"benchmark": True}
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.setattr(portfolio, "_any_wants_peers", lambda configs: False)
    out = tmp_path / "r"
    assert invoke("run", shops, "-o", out, "--format", "json", "-j", "1", "-q").exit_code == 0
    assert json.loads((out / "quillon_shop.json").read_text())["peers"]["comparisons"]
    assert "peers" not in json.loads((out / "corvid_home.json").read_text())


def test_a_pooled_run_stopped_by_sigterm_stops_at_once(tmp_path):
    # Before, the interrupt left the pool's block, which waited for every queued client to be written.
    import signal
    import subprocess
    import sys
    import time

    folder, out = tmp_path / "clients", tmp_path / "out"
    folder.mkdir()
    # Each client loads a local plugin of its own that takes a second: most clients are still queued when the signal comes.
    for index in range(20):
        (tmp_path / f"slow_{index}.py").write_text("import time\ntime.sleep(1)\n\ndef kpi_advisor_metrics():\n    return []\n")
        config = shop(folder, f"Shop {index}", index + 1)
        config.write_text(config.read_text() + f"plugins: [../slow_{index}.py]\n")
    child = subprocess.Popen([sys.executable, "-m", "kpi_advisor", "run", str(folder), "-o", str(out), "--format", "json", "-j", "2", "-q"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             preexec_fn=lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL))  # as a shell starts it
    deadline = time.monotonic() + 120
    while not (out.is_dir() and any(out.glob("*.json"))) and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.05)
    stopped = time.monotonic()
    child.send_signal(signal.SIGTERM)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == 130, stderr
    assert time.monotonic() - stopped < 5  # not the ~9 s the 18 queued clients take
    assert len(list(out.glob("*.json"))) < 20 and not (out / "overview.json").exists()
    assert not list(out.glob("*.tmp"))
