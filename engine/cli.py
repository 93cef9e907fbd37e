"""The command line. Heavy modules are imported inside commands so that
``kpi-advisor --help`` starts fast.

Exit statuses (README.md, docs/getting-started.md): 0 done; 1 a finding at or above
``--fail-on``; 2 bad usage, config, data or plugin (one line per problem); 3 an internal
error (a bug: ``--debug`` or KPI_ADVISOR_DEBUG=1 shows its traceback); 130 interrupted
(Ctrl-C); 141 the reader of stdout went away (``kpi-advisor list metrics | head``), as a
program killed by SIGPIPE reports it, and silently.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any, Callable

import click

from .problems import ConfigError, ProblemsError
from .commands import output as output_defaults

SEVERITY_CHOICES = ["critical", "high", "medium", "low", "info"]
SCHEMA_NAMES = ["config", "report", "rules", "profile", "overview"]
LIST_KINDS = ["models", "goals", "metrics", "rules", "plugins", "benchmarks", "formats", "limits"]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 0, 1, 2, 3, 130, 141
_DEBUG_KEY, _VERBOSE_KEY = "kpi_advisor.debug", "kpi_advisor.verbose"


def _fail(lines: list[str], status: int = EXIT_USAGE) -> None:
    for line in lines:
        _error(line)
    sys.exit(status)


def _error(line: str) -> None:
    click.echo(f"error: {_with_limit_hint(line)}", err=True)


def _with_limit_hint(line: str) -> str:
    """A problem that names a limit (docs/limits.md), with how to raise it from the command line."""
    import re

    found = re.search(r"(?:[(;:] |\()limit ([a-z]+_[a-z_]+)", line)
    if found is None:
        return line
    name = found.group(1)
    return f"{line}; to allow more: kpi-advisor --limit {name}=N <command>, or KPI_ADVISOR_LIMIT_{name.upper()}=N"


def _meta(key: str, default: Any = None) -> Any:
    ctx = click.get_current_context(silent=True)
    return default if ctx is None else ctx.meta.get(key, default)


def debugging() -> bool:
    return bool(_meta(_DEBUG_KEY) or os.environ.get("KPI_ADVISOR_DEBUG"))


def verbosity() -> int:
    return int(_meta(_VERBOSE_KEY, 0))


def _stdout_gone() -> None:
    """The reader of stdout went away: point stdout at /dev/null so that Python's own
    flush at exit cannot fail again, and exit without a word."""
    _stdout_to_devnull()
    sys.exit(EXIT_BROKEN_PIPE)


def _stdout_to_devnull() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass  # stdout is not a real file (a test runner's buffer): nothing to protect


# A full disk or quota while the report is written: the output is what failed, not the program.
_WRITE_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def _internal(exc: Exception) -> None:
    if debugging():
        import traceback

        click.echo(traceback.format_exc(), err=True, nl=False)
        sys.exit(EXIT_INTERNAL)
    _fail([f"internal error: {type(exc).__name__}: {exc} (run again with --debug for details; please report it)"], EXIT_INTERNAL)


def guarded(func: Callable) -> Callable:
    """Problems become exit 2 with one line each; nothing prints a traceback unless asked."""
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
            _stdout_gone()
        except KeyboardInterrupt:
            _fail(["interrupted"], EXIT_INTERRUPTED)
        except OSError as exc:
            if exc.errno not in _WRITE_ERRNOS:
                _internal(exc)
            _stdout_to_devnull()  # what is left in stdout's buffer would fail again at exit
            _fail([f"cannot write the report: {(exc.strerror or str(exc)).lower()}"])
        except Exception as exc:  # noqa: BLE001 - the contract promises no tracebacks
            _internal(exc)

    return wrapper


class AdvisorGroup(click.Group):
    """Runs the command line with every way out mapped to a documented exit status."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # type: ignore[override]
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            try:
                result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
                status = result if isinstance(result, int) else EXIT_OK
            except click.ClickException as exc:
                exc.show()
                status = exc.exit_code
            except click.Abort:
                # click turns Ctrl-C (and an end of input at a prompt) into Abort.
                click.echo("error: interrupted", err=True)
                status = EXIT_INTERRUPTED
            sys.stdout.flush()
        except BrokenPipeError:
            _stdout_gone()
        except OSError as exc:
            if exc.errno != errno.EPIPE:
                raise
            _stdout_gone()
        except SystemExit as exc:
            try:
                sys.stdout.flush()
            except (BrokenPipeError, ValueError):
                _stdout_gone()
            raise exc
        sys.exit(status)


def _apply_limits(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> None:
    if not values:
        return
    from .limits import override, parse_assignment

    try:
        parsed = dict(parse_assignment(text) for text in values)
    except ProblemsError as exc:
        _fail([str(p) for p in exc.problems])
    ctx.with_resource(override(**parsed))


def _apply_verbose(ctx: click.Context, param: click.Parameter, value: int) -> None:
    if value:
        ctx.meta[_VERBOSE_KEY] = max(ctx.meta.get(_VERBOSE_KEY, 0), value)
        _log_to_stderr()


def _apply_debug(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta[_DEBUG_KEY] = True
        ctx.meta[_VERBOSE_KEY] = max(ctx.meta.get(_VERBOSE_KEY, 0), 2)
        _log_to_stderr()


def _log_to_stderr() -> None:
    import logging

    level = logging.DEBUG if verbosity() >= 2 else logging.INFO
    logger = logging.getLogger("kpi_advisor")
    logger.setLevel(level)
    if not any(getattr(h, "_kpi_advisor", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("kpi-advisor: %(message)s"))
        handler._kpi_advisor = True  # type: ignore[attr-defined]
        logger.addHandler(handler)


def global_options() -> list[click.Option]:
    """Options every command takes, before or after its name (``kpi-advisor run x.yaml --limit ...``)."""
    return [
        click.Option(["--limit", "limit_values"], multiple=True, metavar="NAME=VALUE", expose_value=False, callback=_apply_limits,
                     help="Change an input limit for this command, e.g. --limit data_rows=5e7 (see `list limits`); repeatable."),
        click.Option(["-v", "--verbose"], count=True, expose_value=False, callback=_apply_verbose,
                     help="Say what happens on stderr: files read, plugins loaded, time per step (-vv: more)."),
        click.Option(["--debug"], is_flag=True, expose_value=False, callback=_apply_debug,
                     help="Show the traceback of an internal error (like KPI_ADVISOR_DEBUG=1); implies -vv."),
    ]


def use_color(output: str | None = None) -> bool:
    """Colour on a terminal; NO_COLOR and TERM=dumb turn it off, FORCE_COLOR turns it on anywhere."""
    from .commands.output import is_stdout

    if output is not None and not is_stdout(output):
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


@click.group(cls=AdvisorGroup, context_settings={"help_option_names": ["-h", "--help"]},
             epilog="Exit status: 0 done, 1 a finding at or above --fail-on, 2 bad usage or input, 3 internal error, "
                    "130 interrupted, 141 stdout closed. Shell completion: see docs/getting-started.md.")
@click.version_option(None, "-V", "--version", package_name="kpi-advisor", prog_name="kpi-advisor")
def cli() -> None:
    """Which marketing KPIs matter for a business, and where its funnel leaks."""


cli.params.extend(global_options())


LANG_CHOICES = ["en", "de", "da", "id"]


class _MaxFindings(click.ParamType):
    """A count (0 or more) or ``all``."""

    name = "N|all"

    def convert(self, value, param, ctx):
        if isinstance(value, int) or value == "all":
            return value
        text = str(value).strip().lower()
        if text == "all":
            return "all"
        if text.isdigit():
            return int(text)
        self.fail(f"{value!r} is not a count (0, 1, 2, ...) or 'all'", param, ctx)


MAX_FINDINGS = _MaxFindings()


@cli.command()
@click.argument("configs", nargs=-1, required=True, metavar="CONFIG...", type=click.Path(allow_dash=True))
@click.option("--format", "fmt", default=None, help="Report format: text, json, markdown, html, or one a plugin adds. Default: from -o's extension, else text.")
@click.option("-o", "--output", type=click.Path(allow_dash=True),  # a folder gets write_output's one-line error
              help="Write the report to FILE (atomically, never over an input) instead of stdout; - is stdout.")
@click.option("--fail-on", type=click.Choice(SEVERITY_CHOICES), help="Exit 1 if a finding is at or above this severity.")
@click.option("--max-findings", type=MAX_FINDINGS, metavar="N|all",
              help=f"Show the N findings with the most money at stake, then the most severe; the summary still counts all. "
                   f"Default: {output_defaults.DEFAULT_MAX_FINDINGS} for text, markdown and html, all for json; 'all' shows every finding.")
@click.option("--lang", type=click.Choice(LANG_CHOICES), envvar="KPI_ADVISOR_LANG", default="en", show_default=True,
              help="Language of the report: English, German (de), Danish (da) or Indonesian (id).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but the report and errors: no progress bar, no summary line.")
@click.option("--audience", type=click.Choice(["client", "consultant"]), default=None,
              help="client: display names, no ids, notes or diagnostics (default for html); consultant: everything. Default: the config's report.audience.")
@click.option("--engine", type=click.Choice(["polars", "spark"]), default="polars", show_default=True,
              help="spark: read the config's spark sources and evaluate each group (spark.group_by) in the executors; see docs/scaling.md.")
@click.option("--compare-previous", is_flag=True, help="Put each KPI's latest period beside the period before, with the change.")
@click.option("--since", "since", type=click.Path(), metavar="OLD.json",
              help="Mark findings new or open against an earlier JSON report, list the resolved ones; --fail-on counts new ones only. "
                   "For a portfolio: the folder of the earlier run's JSON reports (each client matched by name).")
@click.option("--portfolio-benchmark", is_flag=True,
              help="Portfolio runs: compare each client's rates with the median and quartiles of the other clients of the same business model.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=None,
              help="Portfolio runs: worker processes (1: none). Default: one per core, used only when the first client shows that a pool saves time.")
@guarded
def run(configs: tuple[str, ...], fmt: str | None, output: str | None, fail_on: str | None, max_findings: int | str | None, lang: str, quiet: bool,
        engine: str, audience: str | None = None, compare_previous: bool = False, since: str | None = None,
        portfolio_benchmark: bool = False, jobs: int | None = None) -> None:
    """Evaluate one client CONFIG (a YAML or JSON file, or - for stdin) and print the report.

    Several configs, or a folder of them, make a portfolio run: one report per client in -o FOLDER
    and an overview ranking the clients (docs/portfolio.md)."""
    if output == "":  # an unset shell variable (-o "$OUT"): not stdout by accident
        raise click.BadParameter("expected a file name (or - for stdout), got an empty one", param_hint="-o")
    if len(configs) > 1 or os.path.isdir(configs[0]):
        _run_portfolio(configs, fmt, output, fail_on, max_findings, lang, quiet, engine, audience, compare_previous, since,
                       portfolio_benchmark, jobs)
        return
    if portfolio_benchmark:
        raise click.BadParameter("compares clients with each other: give a folder or several configs", param_hint="--portfolio-benchmark")
    config = configs[0]
    if since is not None and os.path.isdir(since):
        since = os.path.join(since, Path(config).stem + ".json")  # a folder of earlier reports: this client's own
    import time

    from .loading.yamlsafe import read_limited

    started = time.perf_counter()
    # Read stdin before polars is imported: its worker threads may take the SIGINT of a Ctrl-C,
    # which would then never wake this thread from the blocking read.
    raw = read_limited(sys.stdin.buffer) if config == "-" else None

    from .collector import collector_paused
    from .commands.output import check_not_input, input_paths, is_stdout, spooled, write_output
    from .commands.progress import Progress
    from .loading.prepare import load_config, load_config_text, prepare
    from .pipeline import run_pipeline
    from .plugincalls import render_pieces, render_report
    from .plugins.reports.branding import report_options

    loaded = load_config_text(raw) if raw is not None else load_config(config)
    # The config may name plugin files that add report formats, so the format is checked after loading it.
    prepared = prepare(loaded)
    catalog = prepared.catalog
    _say(1, f"config {config}: {len(loaded.config.data)} data source(s), {len(prepared.rules)} rules, "
            f"{len(catalog.plugins)} plugin(s) ({time.perf_counter() - started:.2f} s)")
    inputs = (input_paths(loaded, catalog) + ([Path(since)] if since else [])) if output else []
    if output and not is_stdout(output):
        check_not_input(Path(output), inputs)  # before the extension: `-o client.yaml` is the worse mistake
        if os.path.isdir(output):
            from .problems import ConfigError, Problem

            raise ConfigError(Problem(f"output {output} is a folder; give a file name", path="-o"))
    fmt = fmt or _format_from_extension(output, catalog) or "text"
    if fmt not in catalog.reporters:
        raise click.BadParameter(f"unknown format '{fmt}'; known: {', '.join(sorted(catalog.reporters))}", param_hint="--format")
    previous = None
    if since is not None:
        from .evaluation.since import read_previous

        previous = read_previous(since)  # read first: a bad file stops the run before any work
    if engine == "spark" and compare_previous:
        raise click.BadParameter("--compare-previous works with the polars engine only", param_hint="--engine")
    if engine == "spark":
        _run_spark(loaded, catalog, fmt, output, fail_on, max_findings, lang, inputs, previous, Path(since).name if since else None)
        return
    # A report held for stdout (spooled) is closed however the run ends.
    with ExitStack() as held:
        # The report is let go before the collector comes back: it then never walks the report's
        # objects only to find them all alive (0.23 s for the 455,000 of an agency export of 1M rows).
        with collector_paused(), Progress.for_run(loaded, quiet=quiet) as progress:
            step = _timed(progress.step)
            # Words only for the findings shown: render_report writes them after --max-findings cut the list.
            report = run_pipeline(prepared, lang=lang, progress=step, compare_previous=compare_previous, words=False)
            if previous is not None:
                from .evaluation.since import mark_since, new_at_or_above

                mark_since(report, previous, Path(since).name)
                new_failing = fail_on is not None and new_at_or_above(report, fail_on)
            summary = report.summary
            from .commands.output import show_at_most

            show_at_most(report, max_findings, fmt)
            step("rendering")
            options = {"color": use_color(output), "lang": lang, "catalog": catalog, **report_options(loaded, audience)}
            text: str | IO[str] | None = None
            if output and not is_stdout(output):
                # In pieces where the format makes them: a large JSON report is written as it is made.
                step("writing")
                write_output(output, render_pieces(catalog, fmt, report, options), inputs=inputs)
            elif catalog.reporters[fmt].pieces is not None:
                # Standard output gets the report once the progress bar is gone (it draws on a
                # terminal that may be stdout's too); meanwhile its pieces wait in a temporary file,
                # not in one 700 MB text (an agency's complete JSON report).
                step("writing")
                text = held.enter_context(spooled(output or "-", render_pieces(catalog, fmt, report, options), option="-o" if output else None))
            else:
                text = render_report(catalog, fmt, report, options)
            del report
            getattr(step, "finish", lambda: None)()
        if output and not is_stdout(output):
            if not quiet:
                click.echo(f"wrote {output}: {summary_line(summary)}", err=True)
        elif isinstance(text, str) and output:
            write_output(output, text)  # -o -: the text as made, as to any file
        elif isinstance(text, str):
            # click.echo strips colour codes from anything but a terminal unless told; FORCE_COLOR tells it.
            click.echo(text, nl=False, color=use_color())
        elif text is not None:
            write_output("-", text)
    if verbosity() and (not output or is_stdout(output)) and not quiet:
        _say(1, summary_line(summary))
    _say(1, f"done in {time.perf_counter() - started:.2f} s")
    if previous is not None:
        # Alerting from cron or CI: only what is new since the earlier report fails the run.
        if new_failing:
            sys.exit(1)
        return
    _exit_on_findings([summary], fail_on)


def _run_portfolio(configs: tuple[str, ...], fmt: str | None, output: str | None, fail_on: str | None, max_findings: int | str | None,
                   lang: str, quiet: bool, engine: str, audience: str | None, compare_previous: bool, since: str | None,
                   portfolio_benchmark: bool, jobs: int | None) -> None:
    """Every config of a portfolio: reports and overview into -o FOLDER; exit 2 if a config failed,
    else 1 for a finding (with --since: a new one) at or above --fail-on."""
    from .commands.portfolio import RunOptions, current_limits, run_portfolio
    from .commands.progress import Progress, stderr_is_terminal
    from .loading.catalog import get_catalog
    from .problems import ConfigError, Problem

    if "-" in configs:
        raise ConfigError(Problem("a portfolio run reads config files, not stdin", path="CONFIG"))
    if engine == "spark":
        raise ConfigError(Problem("a portfolio (several configs or a folder) runs on the polars engine; run each Spark config on its own "
                                  "(kpi-advisor run CONFIG --engine spark), see docs/portfolio.md", path="--engine"))
    catalog = get_catalog()
    fmt = fmt or "text"
    if fmt not in catalog.reporters:
        raise click.BadParameter(f"unknown format '{fmt}'; known: {', '.join(sorted(catalog.reporters))}", param_hint="--format")
    extension = catalog.reporters[fmt].extension or f".{fmt}"
    options = RunOptions(fmt=fmt, extension=extension, lang=lang, audience=audience, max_findings=max_findings,
                         compare_previous=compare_previous, since=since, peer_flag=portfolio_benchmark, limits=current_limits())
    progress = Progress(not quiet and stderr_is_terminal(), steps=("configs",))

    def sized(count: int) -> None:
        progress.resize(tuple(f"client {i}" for i in range(count)) + ("overview",))

    with progress:
        result = run_portfolio(configs, output, options, jobs=jobs, progress=progress.step, steps=sized)
    for outcome_problems in [problems for _, problems in result.refused] + [o.problems for o in result.outcomes if o.report is None]:
        for line in outcome_problems:
            _error(line)
    ran = [o for o in result.outcomes if o.report is not None]
    if not quiet:
        overview = result.overview
        click.echo(f"wrote {len(ran)} report{'s' if len(ran) != 1 else ''} and {result.overview_path} "
                   f"({len(overview.failed)} failed, {overview.findings_total} findings"
                   + (f", {overview.new_findings} new" if overview.new_findings is not None else "")
                   + f"; {result.seconds:.1f} s, {result.jobs} worker{'s' if result.jobs != 1 else ''})", err=True)
        if overview.attention_first:
            click.echo(f"needs attention first: {overview.attention_first}", err=True)
    if result.overview.failed:
        sys.exit(EXIT_USAGE)
    if fail_on is not None and since is not None:
        from .evaluation.since import new_at_or_above

        if any(new_at_or_above(o.report, fail_on) for o in ran):
            sys.exit(EXIT_FINDINGS)
        return
    _exit_on_findings([o.report.summary for o in ran], fail_on)


def _say(level: int, message: str) -> None:
    """A -v line on stderr."""
    if verbosity() >= level:
        click.echo(f"kpi-advisor: {message}", err=True)


def _timed(step: Callable[[str], None]) -> Callable[[str], None]:
    """The progress callback, also telling -v how long each pipeline step took."""
    if not verbosity():
        return step
    import time

    last: list[Any] = []

    def wrapped(name: str) -> None:
        now = time.perf_counter()
        if last:
            _say(1, f"{last[0]}: {now - last[1]:.2f} s")
        last[:] = [name, now]
        step(name)

    def finish() -> None:
        if last:
            _say(1, f"{last[0]}: {time.perf_counter() - last[1]:.2f} s")

    wrapped.finish = finish  # type: ignore[attr-defined]
    return wrapped


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


def _run_spark(loaded, catalog, fmt: str, output: str | None, fail_on: str | None, max_findings: int | str | None, lang: str,
               inputs: list[Path], previous: list | None = None, since: str | None = None) -> None:
    """One report per group: as the embedded engine prints it when the config groups by
    nothing, else (json) one document listing every group's report, or the reports in turn.
    With --since, each group's findings are marked against the earlier run's same group."""
    from .commands.output import write_output
    from .plugincalls import render_report
    from .problems import ConfigError, Problem
    from .spark import group_label, run_config

    skipped: list[str] = []
    reports = run_config(loaded, skipped)
    if not reports and skipped:  # every group: no row in the period
        raise ConfigError([Problem(line) for line in skipped])
    for line in skipped:
        click.echo(f"warning: {line}", err=True)
    keys = [] if not reports else list(loaded.config.spark.group_by)
    if previous is not None:
        from .evaluation.since import mark_since

        for key, report in reports.items():
            mark_since(report, previous, since or "", {k: str(v) for k, v in zip(keys, key)} if keys else None)
    for report in reports.values():
        from .commands.output import show_at_most

        show_at_most(report, max_findings, fmt)
    options = {"color": use_color(output), "lang": lang, "catalog": catalog}
    if list(reports) == [()]:
        text = render_report(catalog, fmt, reports[()], options)
    elif fmt == "json":
        from .models.report import GroupReports, to_json

        groups = [{"group": dict(zip(keys, key)), "report": report} for key, report in reports.items()]
        text = to_json(GroupReports(group_by=keys, groups=groups)) + "\n"
    else:
        text = "\n".join(f"== {group_label(keys, key)} ==\n{render_report(catalog, fmt, report, options)}" for key, report in reports.items())
    if output:
        write_output(output, text, inputs=inputs)
    else:
        click.echo(text, nl=False, color=use_color())
    if previous is not None:
        from .evaluation.since import new_at_or_above

        # As with the polars engine: only what is new since the earlier run fails it.
        if fail_on is not None and any(new_at_or_above(report, fail_on) for report in reports.values()):
            sys.exit(1)
        return
    _exit_on_findings([report.summary for report in reports.values()], fail_on)


def _format_from_extension(output: str | None, catalog) -> str | None:
    """The format -o's extension names; an extension no format claims is a usage error,
    so `-o report.pdf` never silently writes text into a file called .pdf."""
    from .commands.output import STDOUT_NAMES

    if not output or output in STDOUT_NAMES or output.startswith(("/dev/", "/proc/self/fd/")):
        return None  # a stream: the format defaults to text, as on a terminal
    suffix = Path(output).suffix.lower()
    claimed = {reporter.extension: name for name, reporter in sorted(catalog.reporters.items()) if reporter.extension}
    if suffix in claimed:
        return claimed[suffix]
    from .commands.output import is_stream

    if is_stream(output):
        return None
    known = ", ".join(f"{ext} ({name})" for ext, name in sorted(claimed.items()))
    what = f"extension '{suffix}'" if suffix else "no extension"
    from .problems import ConfigError, Problem

    raise ConfigError(Problem(f"{output} has {what}, which names no report format; known: {known}; or give --format", path="-o"))


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: one object per file on stdout (file, kind, ok, problems), for editors and CI.")
@guarded
def validate(files: tuple[str, ...], fmt: str) -> None:
    """Check client configs, rule packs and profiles (- reads one from stdin); print ok per file or every error."""
    import json

    from .commands.validate import validate_file, validate_stdin

    results = []
    for name in files:
        warnings: list[str] = []  # a run's warnings about the data: said, never a failure (exit 0)
        kind, problems = (validate_stdin(sys.stdin.buffer, warnings) if name == "-"
                          else validate_file(Path(name), with_kind=True, warnings=warnings))
        results.append({"file": name, "kind": kind, "ok": not problems,
                        "problems": [{"message": p.message, "file": p.file, "line": p.line, "path": p.path, "text": str(p)} for p in problems],
                        "warnings": warnings})
        if fmt == "text":
            for problem in problems:
                _error(str(problem))
            for warning in warnings:
                click.echo(f"warning: {name}: {warning}", err=True)
            if not problems:
                click.echo(f"{name}: ok")
    if fmt == "json":
        click.echo(json.dumps(results, indent=2, ensure_ascii=False))
    if any(not r["ok"] for r in results):
        sys.exit(EXIT_USAGE)


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
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: the item's definition as data (kind, id, and its fields).")
@guarded
def explain(item_id: str, fmt: str) -> None:
    """Explain a metric, rule, business model or goal."""
    from .loading.catalog import get_catalog

    if fmt == "json":
        import json

        from .commands.listing import explain_data

        click.echo(json.dumps(explain_data(get_catalog(), item_id), indent=2, ensure_ascii=False, default=str))
        return
    from .commands.listing import explain as explain_item

    click.echo(explain_item(get_catalog(), item_id))


@cli.command()
@click.argument("name", type=click.Choice(SCHEMA_NAMES))
@guarded
def schema(name: str) -> None:
    """Print a JSON Schema (config, report, rules, profile, or the portfolio overview)."""
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
@click.argument("path", required=False, type=click.Path(dir_okay=False, allow_dash=True))
@guarded
def init(model: str, path: str | None) -> None:
    """Write a commented starter config that validates (to PATH, or stdout)."""
    from .advice.kpis import resolve_profile
    from .commands.output import write_output
    from .commands.starter import starter_config
    from .loading.catalog import get_catalog

    catalog = get_catalog()
    text = starter_config(resolve_profile(catalog, model), catalog)
    if path is None or path == "-":
        click.echo(text, nl=False)
        return
    target = Path(path)
    if target.exists() and target.is_file():
        raise click.UsageError(f"{path} exists; choose another name")
    try:
        write_output(target, text)
    except ConfigError as exc:  # init names its output as an argument, not as -o
        raise ConfigError([dataclasses.replace(p, path="PATH") if p.path == "-o" else p for p in exc.problems]) from None
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
@click.option("--max-memory", "max_memory", default=1024 * 1024 * 1024, show_default=True, type=click.IntRange(min=1),
              help="Memory one evaluation's worker process may hold, in bytes; over it the request gets a 413.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Worker processes (about one per core).")
@click.option("--log-level", default="info", show_default=True, type=click.Choice(["critical", "error", "warning", "info", "debug"]))
@guarded
def serve(host: str, port: int, plugins: tuple[str, ...], rule_packs: tuple[str, ...], max_body: int, max_rows: int,
          timeout: float, max_concurrent: int, max_memory: int, workers: int, log_level: str) -> None:
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

    limits = ServiceLimits(max_body_bytes=max_body, max_rows=max_rows, timeout_seconds=timeout, max_concurrent=max_concurrent,
                           max_memory_bytes=max_memory)
    from .collector import start_done

    start_done()  # a service lives long: its collector runs from the start, catalogue built or not
    run_server(host, port, plugins=plugins, rule_packs=rule_packs, limits=limits, workers=workers, log_level=log_level)


# Global options work after the command's name too: `kpi-advisor run x.yaml --limit data_rows=1e8 -v`.
for _command in cli.commands.values():
    _command.params.extend(global_options())


def _interrupt_on_termination() -> None:
    """SIGTERM and SIGHUP (a job stopped, a terminal closed) end a run as Ctrl-C does: a report
    being written has its temporary file removed, and the run exits 130 ("interrupted"), where
    the default stopped the process and left the file beside the target. A signal the caller
    set to be ignored (nohup) stays ignored; `serve` sets its own."""
    import signal

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) is signal.SIG_DFL:
            signal.signal(number, interrupt)


def main() -> None:
    from .allocator import one_arena
    from .collector import pause_for_start

    one_arena()  # before polars is loaded, which reads it once
    pause_for_start()  # ended once the catalogue is built (loading/catalog.py)
    _interrupt_on_termination()
    cli(prog_name="kpi-advisor")
