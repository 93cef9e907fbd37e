"""The command line. Heavy modules are imported inside commands so that
``kpi-advisor --help`` starts fast."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable

import click

from .problems import ProblemsError

SEVERITY_CHOICES = ["critical", "high", "medium", "low", "info"]
SCHEMA_NAMES = ["config", "report", "rules", "profile"]
LIST_KINDS = ["models", "goals", "metrics", "rules", "plugins", "benchmarks", "formats", "limits"]


def _fail(lines: list[str], status: int = 2) -> None:
    for line in lines:
        click.echo(f"error: {line}", err=True)
    sys.exit(status)


def guarded(func: Callable) -> Callable:
    """Problems become exit 2 with one line each; nothing prints a traceback."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ProblemsError as exc:
            _fail([str(p) for p in exc.problems])
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except BrokenPipeError:
            # The reader went away (`kpi-advisor list metrics | head`): stop quietly.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(1)
        except KeyboardInterrupt:
            _fail(["interrupted"], 130)
        except Exception as exc:  # noqa: BLE001 - the contract promises no tracebacks
            if os.environ.get("KPI_ADVISOR_DEBUG"):
                raise
            _fail([f"internal error: {type(exc).__name__}: {exc} (set KPI_ADVISOR_DEBUG=1 for details; please report it)"], 3)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kpi-advisor", prog_name="kpi-advisor")
@click.option("--limit", "limit_values", multiple=True, metavar="NAME=VALUE",
              help="Change an input limit for this command, e.g. --limit data_rows=5e7 (see `list limits`); repeatable.")
@click.pass_context
def cli(ctx: click.Context, limit_values: tuple[str, ...]) -> None:
    """Which marketing KPIs matter for a business, and where its funnel leaks."""
    if limit_values:
        from .limits import override, parse_assignment

        try:
            values = dict(parse_assignment(text) for text in limit_values)
        except ProblemsError as exc:
            _fail([str(p) for p in exc.problems])
        ctx.with_resource(override(**values))


def _input_paths(loaded) -> list[Path]:
    paths = []
    if loaded.doc is not None and loaded.doc.file not in ("<stdin>", "<string>"):
        paths.append(Path(loaded.doc.file))
    for source in loaded.config.data:
        path = getattr(source, "path", None)
        if path:
            paths.append(loaded.base_dir / path)
    paths += [loaded.base_dir / p for p in loaded.config.plugins]
    return paths


LANG_CHOICES = ["en", "de", "da", "id"]


@cli.command()
@click.argument("config", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--format", "fmt", default=None, help="Report format: text, json, markdown, html, or one a plugin adds. Default: from -o's extension, else text.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to FILE (atomically) instead of stdout.")
@click.option("--fail-on", type=click.Choice(SEVERITY_CHOICES), help="Exit 1 if a finding is at or above this severity.")
@click.option("--max-findings", type=click.IntRange(min=0), help="Show at most N findings; the summary still counts all.")
@click.option("--lang", type=click.Choice(LANG_CHOICES), envvar="KPI_ADVISOR_LANG", default="en", show_default=True,
              help="Language of the report: English, German (de), Danish (da) or Indonesian (id).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but the report and errors: no progress bar, no summary line.")
@click.option("--engine", type=click.Choice(["polars", "spark"]), default="polars", show_default=True,
              help="spark: read the config's spark sources and evaluate each group (spark.group_by) in the executors; see docs/scaling.md.")
@click.option("--compare-previous", is_flag=True, help="Put each KPI's latest period beside the period before, with the change.")
@click.option("--since", "since", type=click.Path(dir_okay=False), metavar="OLD.json",
              help="Mark findings new or open against an earlier JSON report, list the resolved ones; --fail-on counts new ones only.")
@guarded
def run(config: str, fmt: str | None, output: str | None, fail_on: str | None, max_findings: int | None, lang: str, quiet: bool,
        engine: str, compare_previous: bool = False, since: str | None = None) -> None:
    """Evaluate one client CONFIG (a YAML or JSON file, or - for stdin) and print the report."""
    from .commands.output import write_atomic
    from .commands.progress import Progress
    from .loading.prepare import load_config, load_config_text, prepare
    from .loading.yamlsafe import read_limited
    from .pipeline import run_pipeline
    from .plugincalls import render_report

    loaded = load_config_text(read_limited(sys.stdin.buffer)) if config == "-" else load_config(config)
    # The config may name plugin files that add report formats, so the format is checked after loading it.
    prepared = prepare(loaded)
    catalog = prepared.catalog
    fmt = fmt or _format_from_extension(output, catalog) or "text"
    if fmt not in catalog.reporters:
        raise click.BadParameter(f"unknown format '{fmt}'; known: {', '.join(sorted(catalog.reporters))}", param_hint="--format")
    previous = None
    if since is not None:
        from .evaluation.since import read_previous

        previous = read_previous(since)  # read first: a bad file stops the run before any work
    if engine == "spark" and (since is not None or compare_previous):
        raise click.BadParameter("--since and --compare-previous work with the polars engine only", param_hint="--engine")
    if engine == "spark":
        _run_spark(loaded, catalog, fmt, output, fail_on, max_findings, lang)
        return
    with Progress.for_run(loaded, quiet=quiet) as progress:
        report = run_pipeline(prepared, lang=lang, progress=progress.step, compare_previous=compare_previous)
        if previous is not None:
            from .evaluation.since import mark_since

            mark_since(report, previous, Path(since).name)
        summary = report.summary
        _show_at_most(report, max_findings)
        progress.step("rendering")
        color = output is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        text = render_report(catalog, fmt, report, {"color": color, "lang": lang, "catalog": catalog})
        if output:
            progress.step("writing")
            write_atomic(Path(output), text, inputs=_input_paths(loaded) + ([Path(since)] if since else []))
    if output:
        if not quiet:
            click.echo(f"wrote {output}: {summary_line(summary)}", err=True)
    else:
        click.echo(text, nl=False)
    if previous is not None:
        from .evaluation.since import new_at_or_above

        # Alerting from cron or CI: only what is new since the earlier report fails the run.
        if fail_on is not None and new_at_or_above(report, fail_on):
            sys.exit(1)
        return
    _exit_on_findings([summary], fail_on)


def _show_at_most(report, max_findings: int | None) -> None:
    """Keep the first N findings; the summary still counts every one."""
    if max_findings is not None and len(report.findings) > max_findings:
        report.findings = report.findings[:max_findings]
    report.summary.findings_shown = len(report.findings)


def _exit_on_findings(summaries, fail_on: str | None) -> None:
    """Exit 1 when any report has a finding at or above ``--fail-on``."""
    from .models.definitions import SEVERITIES

    if fail_on is None:
        return
    limit = SEVERITIES.index(fail_on)
    if any(SEVERITIES.index(sev) <= limit for summary in summaries for sev in summary.by_severity):
        sys.exit(1)


def summary_line(summary) -> str:
    """'3 findings (1 high, 2 medium), 1 shown': counts of everything that fired."""
    total = summary.findings_total
    text = f"{total} finding{'' if total == 1 else 's'}"
    if summary.by_severity:
        text += " (" + ", ".join(f"{n} {sev}" for sev, n in summary.by_severity.items()) + ")"
    if summary.findings_shown is not None and summary.findings_shown < total:
        text += f", {summary.findings_shown} shown"
    return text


def _run_spark(loaded, catalog, fmt: str, output: str | None, fail_on: str | None, max_findings: int | None, lang: str) -> None:
    """One report per group: as the embedded engine prints it when the config groups by
    nothing, else (json) one document listing every group's report, or the reports in turn."""
    import json

    from .commands.output import write_atomic
    from .plugincalls import render_report
    from .spark import group_label, run_config

    reports = run_config(loaded)
    keys = [] if not reports else list(loaded.config.spark.group_by)
    for report in reports.values():
        _show_at_most(report, max_findings)
    color = output is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    options = {"color": color, "lang": lang, "catalog": catalog}
    if list(reports) == [()]:
        text = render_report(catalog, fmt, reports[()], options)
    elif fmt == "json":
        groups = [{"group": dict(zip(keys, key)), "report": report.model_dump(mode="json")} for key, report in reports.items()]
        text = json.dumps({"schema_version": "1", "engine": "spark", "group_by": keys, "groups": groups}, indent=2, ensure_ascii=False) + "\n"
    else:
        text = "\n".join(f"== {group_label(keys, key)} ==\n{render_report(catalog, fmt, report, options)}" for key, report in reports.items())
    if output:
        write_atomic(Path(output), text, inputs=_input_paths(loaded))
    else:
        click.echo(text, nl=False)
    _exit_on_findings([report.summary for report in reports.values()], fail_on)


def _format_from_extension(output: str | None, catalog) -> str | None:
    if not output:
        return None
    suffix = Path(output).suffix.lower()
    for name, reporter in sorted(catalog.reporters.items()):
        if reporter.extension == suffix:
            return name
    return None


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@guarded
def validate(files: tuple[str, ...]) -> None:
    """Check client configs, rule packs and profiles; print ok per file or every error."""
    from .commands.validate import validate_file

    failed = False
    for name in files:
        problems = validate_file(Path(name))
        if problems:
            failed = True
            for problem in problems:
                click.echo(f"error: {problem}", err=True)
        else:
            click.echo(f"{name}: ok")
    if failed:
        sys.exit(2)


@cli.command()
@click.option("--model", required=True, help="Business model id, e.g. dtc_ecommerce or b2b.")
@click.option("--goal", "goals", multiple=True, help="Goal objective; repeat for several.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@guarded
def kpis(model: str, goals: tuple[str, ...], fmt: str) -> None:
    """Which KPIs matter for a business model and its goals, ranked, without any data."""
    import json

    from .advice.kpis import recommend, render_text
    from .loading.catalog import get_catalog

    catalog = get_catalog()
    ranked = recommend(catalog, model, list(goals))
    if fmt == "json":
        click.echo(json.dumps([k.model_dump(mode="json", exclude={"has_data", "tracking_hint"}) for k in ranked], indent=2))
        return
    click.echo(render_text(catalog, model, list(goals), ranked), nl=False)


@cli.command(name="list")
@click.argument("kind", type=click.Choice(LIST_KINDS))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@guarded
def list_(kind: str, fmt: str) -> None:
    """What the installed plugins provide."""
    import json

    from .commands.listing import listing
    from .loading.catalog import get_catalog

    rows = listing(get_catalog(), kind)
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        click.echo(f"{row['id']:<28} {row['summary']}")


@cli.command()
@click.argument("item_id", metavar="ID")
@guarded
def explain(item_id: str) -> None:
    """Explain a metric, rule, business model or goal."""
    from .commands.listing import explain as explain_item
    from .loading.catalog import get_catalog

    click.echo(explain_item(get_catalog(), item_id))


@cli.command()
@click.argument("name", type=click.Choice(SCHEMA_NAMES))
@guarded
def schema(name: str) -> None:
    """Print a JSON Schema (config, report, rules or profile)."""
    from .commands.schemas import schema_text

    click.echo(schema_text(name), nl=False)


@cli.command(name="test-rules")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@guarded
def test_rules(paths: tuple[str, ...]) -> None:
    """Run the must-fire and must-not-fire examples written inside rule packs."""
    from .commands.ruletest import run_examples

    results = run_examples([Path(p) for p in paths])
    failed = [r for r in results if not r.passed]
    for result in results:
        mark = "ok  " if result.passed else "FAIL"
        click.echo(f"{mark} {result.rule}: {result.kind}: {result.name}" + ("" if result.passed else f" ({result.detail})"))
    click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if failed:
        sys.exit(1)


@cli.command()
@click.option("--model", default="dtc_ecommerce", show_default=True, help="Business model of the starter config.")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@guarded
def init(model: str, path: str | None) -> None:
    """Write a commented starter config that validates (to PATH, or stdout)."""
    from .advice.kpis import resolve_profile
    from .commands.output import write_atomic
    from .commands.starter import starter_config
    from .loading.catalog import get_catalog

    catalog = get_catalog()
    text = starter_config(resolve_profile(catalog, model), catalog)
    if path is None:
        click.echo(text, nl=False)
        return
    target = Path(path)
    if target.exists():
        raise click.UsageError(f"{path} exists; choose another name")
    write_atomic(target, text)
    click.echo(f"wrote {path}; try: kpi-advisor run {path}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for every interface).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--plugin", "plugins", multiple=True, type=click.Path(dir_okay=False, exists=True), help="Local plugin file to load; repeat for several.")
@click.option("--rule-pack", "rule_packs", multiple=True, type=click.Path(dir_okay=False, exists=True), help="Extra rule-pack file; repeat for several.")
@click.option("--max-body", "max_body", default=4 * 1024 * 1024, show_default=True, type=click.IntRange(min=1), help="Largest request body, in bytes.")
@click.option("--max-rows", default=10_000, show_default=True, type=click.IntRange(min=1), help="Most inline rows in one request.")
@click.option("--timeout", default=10.0, show_default=True, type=click.FloatRange(min=0, min_open=True), help="Seconds one evaluation may take.")
@click.option("--max-concurrent", default=4, show_default=True, type=click.IntRange(min=1), help="Evaluations running at once; others wait.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Worker processes (about one per core).")
@click.option("--log-level", default="info", show_default=True, type=click.Choice(["critical", "error", "warning", "info", "debug"]))
@guarded
def serve(host: str, port: int, plugins: tuple[str, ...], rule_packs: tuple[str, ...], max_body: int, max_rows: int,
          timeout: float, max_concurrent: int, workers: int, log_level: str) -> None:
    """Run the HTTP service (needs the server extra: pip install 'kpi-advisor[server]').

    POST /v1/evaluate takes a client config with inline records and answers with
    the JSON report; see /docs or /openapi.json. Requests cannot name files or plugins.
    """
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        _fail([f"the HTTP service needs the server extra ({exc.name} is missing): pip install 'kpi-advisor[server]'"])
    from .server import ServiceLimits
    from .server import serve as run_server

    limits = ServiceLimits(max_body_bytes=max_body, max_rows=max_rows, timeout_seconds=timeout, max_concurrent=max_concurrent)
    run_server(host, port, plugins=plugins, rule_packs=rule_packs, limits=limits, workers=workers, log_level=log_level)


def main() -> None:
    cli(prog_name="kpi-advisor")
