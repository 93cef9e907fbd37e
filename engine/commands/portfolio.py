"""``kpi-advisor run FOLDER -o DIR`` (or several configs): a whole portfolio of clients in one command.

Each config gives one report in the chosen format, named after the config file
(``clients/acme.yaml`` -> ``reports/acme.html``), written atomically and never over an
input; then an overview in the same format (``overview.html``) ranks the clients by money at
stake, then by severity (docs/portfolio.md).

- A config that cannot be run (bad YAML, unknown metric, missing data file) is reported with
  one line naming the file and the problem and skipped; the others still run, and the
  command exits 2 at the end.
- ``--since OLD_DIR``: each client is compared with its own earlier JSON report,
  ``OLD_DIR/NAME.json``; a client without one is on its first run (all its findings are new).
  ``--fail-on`` then counts only new findings.
- Portfolio benchmarks (``--portfolio-benchmark``, or ``portfolio: {benchmark: true}`` in a
  config) put each client's rates beside the aggregate of the other clients of the same
  business model (evaluation/peers.py): only count, quartiles and median, never a name.
- Configs run in parallel in a pool of worker processes where that pays: ``--jobs N`` asks for
  N workers; by default the first client runs in this process, and a pool (one worker per core,
  at most MAX_JOBS) takes the rest only when the time that client took, times the clients left,
  says the pool saves more than its start costs (POOL_START_SECONDS: a worker process imports
  polars and the plugins and builds the catalog anew). Small configs run one after the other.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from ..problems import ConfigError, Problem, ProblemsError

if TYPE_CHECKING:
    from ..models.overview import Overview
    from .output import InputFiles
    from ..models.report import PeerBenchmark, Report

CONFIG_SUFFIXES = (".yaml", ".yml", ".json")
OVERVIEW_NAME = "overview"
OVERVIEW_FORMATS = ("json", "text", "markdown", "html")
MAX_JOBS = 8
# What starting a pool costs before its first report, measured on 2 cores: the process that
# forks the workers imports the engine (about 1.5 s), each worker builds the catalog (0.7 s).
POOL_START_SECONDS = 2.5
TOP_FINDINGS = 3


@dataclass(frozen=True)
class RunOptions:
    """How every client of a portfolio run is evaluated and written: the options of the command line."""

    fmt: str
    extension: str
    lang: str = "en"
    audience: str | None = None
    max_findings: int | str | None = None
    compare_previous: bool = False
    since: str | None = None  # a folder of earlier JSON reports, or one file (one config only)
    peer_flag: bool = False
    limits: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    """One client's run, as the worker hands it back."""

    name: str
    config: str
    report: "Report | None" = None
    problems: list[str] = field(default_factory=list)
    target: str | None = None
    wants_peers: bool = False
    min_peers: int = 5
    since: str | None = None
    money_before: float | None = None
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # CPU time of this process (all its threads: polars runs queries on several)


def _inputs(loaded: Any, extra: Iterable[Path]) -> list[Path]:
    """The files one client's run reads (``input_paths``) and ``extra``."""
    from .output import input_paths

    return list(extra) + (input_paths(loaded) if loaded is not None else [])


@functools.lru_cache(maxsize=1)
def _configs_read(configs: tuple[str, ...]) -> InputFiles:
    """Every config of the portfolio, looked at once per process, not once per client's report."""
    from .output import InputFiles

    return InputFiles(Path(c) for c in configs)


def _every_input(configs: list[tuple[str, str]], since: str | None) -> list[Path]:
    """Every file the portfolio's clients read (each config's ``input_paths``, a config that does
    not load adding only itself: its run says why), and the earlier reports ``--since`` names: one
    client's report or the overview must not replace another client's data before it is read."""
    from ..loading.prepare import load_config

    paths: list[Path] = []
    for path, _ in configs:
        try:
            paths += _inputs(load_config(path), [Path(path)])
        except Exception:  # noqa: BLE001 - a config that does not load is that client's failure, told by its run
            paths.append(Path(path))
    if since is not None:
        folder = Path(since)
        paths += [folder] if folder.is_file() else [p for p in folder.glob("*.json") if p.is_file()]
    return paths


def _problem_lines(config: str, exc: ProblemsError) -> list[str]:
    """Each problem on one line that starts with the config file (then, for a problem in a data
    file, rule pack or plugin, that file and line)."""
    lines = []
    for problem in exc.problems:
        text = str(problem)
        own = problem.file is not None and _same_path(problem.file, config)
        lines.append(text if own else f"{config}: {text}")
    return lines


def _same_path(a: str, b: str) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except (OSError, RuntimeError):
        return a == b


def client_job(path: str, name: str, target: str, options: RunOptions, configs: tuple[str, ...],
               report: "Report | None" = None, peers: "PeerBenchmark | None" = None, write: bool = True) -> Outcome:
    """Evaluate one client (unless ``report`` is given) and, with ``write``, render and write its report.
    Runs in a worker process; every problem comes back as lines, never as an exception."""
    from ..collector import collector_paused
    from ..limits import override

    started, cpu = time.perf_counter(), time.process_time()
    outcome = Outcome(name=name, config=path)
    try:
        # Rendering makes as many objects again as the report holds: as in `run`, the collector
        # waits until the report is written rather than walking it, all alive, while it renders.
        with override(**options.limits), collector_paused():
            _client(outcome, path, target, options, configs, report, peers, write)
    except ProblemsError as exc:
        outcome.problems = _problem_lines(path, exc)
        outcome.report = None
    except Exception as exc:  # noqa: BLE001 - one client's bug must not stop the others
        outcome.problems = [f"{path}: internal error: {type(exc).__name__}: {exc} (run it alone with --debug for details; please report it)"]
        outcome.report = None
    outcome.seconds = time.perf_counter() - started
    outcome.cpu_seconds = time.process_time() - cpu
    return outcome


def _client(outcome: Outcome, path: str, target: str, options: RunOptions, configs: tuple[str, ...],
            report: "Report | None", peers: "PeerBenchmark | None", write: bool) -> None:
    from ..loading.prepare import load_config, prepare
    from ..pipeline import run_pipeline
    from ..plugincalls import render_pieces
    from ..plugins.reports.branding import report_options
    from .output import write_output

    loaded = load_config(path)
    prepared = prepare(loaded)
    settings = loaded.config.portfolio
    outcome.wants_peers = options.peer_flag or settings.benchmark
    outcome.min_peers = settings.min_peers
    from .output import InputFiles, input_paths

    # No report over any file this client reads or over any config of the portfolio.
    inputs = InputFiles(input_paths(loaded), _configs_read(tuple(configs)))
    options_for_render = report_options(loaded, options.audience)  # a bad logo fails before the work
    if report is None:
        if options.fmt not in prepared.catalog.reporters:
            raise ConfigError(Problem(f"unknown format '{options.fmt}'; known: {', '.join(sorted(prepared.catalog.reporters))}", path="--format"))
        report = run_pipeline(prepared, lang=options.lang, compare_previous=options.compare_previous, words=False)
        if options.since is not None:
            _mark_since(outcome, report, outcome.name, Path(options.since))
        from .output import show_at_most

        show_at_most(report, options.max_findings, options.fmt)
    if peers is not None:
        report.peers = peers
    outcome.report = report
    if write:
        catalog = prepared.catalog
        pieces = render_pieces(catalog, options.fmt, report, {"color": False, "lang": options.lang, "catalog": catalog, **options_for_render})
        write_output(target, pieces, inputs=inputs)
        outcome.target = target


def _mark_since(outcome: Outcome, report: "Report", name: str, since: Path) -> None:
    import json

    from ..evaluation.since import mark_since, read_previous

    old = since / f"{name}.json" if since.is_dir() else since
    if since.is_dir() and not old.exists():
        mark_since(report, [], "none")  # a client's first run: everything it finds is new
        outcome.since = "none"
        return
    previous = read_previous(old)
    mark_since(report, previous, old.name)
    outcome.since = str(old)
    try:
        money = json.loads(old.read_text(encoding="utf-8")).get("summary", {}).get("money_at_stake")
        outcome.money_before = float(money) if isinstance(money, (int, float)) else None
    except (OSError, ValueError, AttributeError):
        outcome.money_before = None


# --- finding the configs ------------------------------------------------------------------


def discover(paths: Iterable[str]) -> tuple[list[tuple[str, str]], list[tuple[str, list[str]]]]:
    """(config, name) for every config named or found in a named folder (its *.yaml, *.yml and
    *.json files, not hidden, in name order), and the ones refused, each with its problem."""
    found: list[Path] = []
    refused: list[tuple[str, list[str]]] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            inside = sorted(p for p in path.iterdir() if p.suffix.lower() in CONFIG_SUFFIXES and not p.name.startswith((".", "_")) and p.is_file())
            if not inside:
                refused.append((given, [f"{given}: a folder without client configs (*.yaml, *.yml or *.json)"]))
            found += inside
        elif path.is_file():
            found.append(path)
        else:
            refused.append((given, [f"{given}: no such config file or folder"]))
    configs: list[tuple[str, str]] = []
    names: dict[str, str] = {}
    seen: set[Path] = set()
    for path in found:
        key = path.resolve()
        if key in seen:
            continue
        seen.add(key)
        name = path.stem
        if name.lower() == OVERVIEW_NAME:
            refused.append((str(path), [f"{path}: a config may not be called '{OVERVIEW_NAME}': its report would take the overview's name; rename the file"]))
        elif name.lower() in names:
            refused.append((str(path), [f"{path}: its report would have the same name as that of {names[name.lower()]}; rename one of the files"]))
        else:
            names[name.lower()] = str(path)
            configs.append((str(path), name))
    return configs, refused


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def jobs_for(requested: int | None, configs: int) -> int:
    """The most worker processes: --jobs when given (1 = none), else one per core, at most MAX_JOBS."""
    if requested is not None and requested > 0:
        return max(1, min(requested, configs))
    return max(1, min(cores(), MAX_JOBS, configs))


def free_cores() -> float:
    """Cores not already busy with other work (the load average less this process's own run)."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        load = 1.0
    return cores() - max(0.0, load - 1.0)


def pool_pays(first: Outcome, left: int, workers: int) -> bool:
    """Whether a pool of ``workers`` finishes ``left`` more clients like ``first`` sooner than this process.

    The first client's CPU time over its wall time says how many cores it keeps busy by itself
    (polars runs a large client's queries on several). One after the other the rest take
    ``left`` x CPU time / that; in a pool, CPU time / the cores the workers can use, which are
    only the cores not already busy with other work. The difference must pay the pool's start."""
    usable = min(workers, int(free_cores()))
    if usable < 2 or first.seconds <= 0:
        return False
    own = min(max(first.cpu_seconds / first.seconds, 1.0), float(cores()))
    saved = first.cpu_seconds * left * (1 / own - 1 / max(usable, own))
    return saved > POOL_START_SECONDS


def _run_all(calls: list[tuple], jobs: int, done: Callable[[Outcome], None], *, adaptive: bool = False) -> list[Outcome]:
    """client_job over every call, in a pool of ``jobs`` workers (with ``adaptive``: only if the first
    call, run here, shows that the pool pays); results in the calls' order."""
    results: list[Outcome] = []
    if adaptive and calls:
        results.append(client_job(*calls[0]))
        done(results[0])
        if not pool_pays(results[0], len(calls) - 1, jobs):
            jobs = 1
        calls = calls[1:]
    if jobs <= 1:
        for call in calls:
            results.append(client_job(*call))
            done(results[-1])
        return results
    return results + _in_pool(calls, jobs, done)


def _in_pool(calls: list[tuple], jobs: int, done: Callable[[Outcome], None]) -> list[Outcome]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # forkserver: workers start from a clean process that has imported the engine once, not
    # from a fork of this one (polars' thread pool does not survive a fork).
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["kpi_advisor.pipeline", "kpi_advisor.commands.portfolio", "kpi_advisor.loading.catalog"])
    results: list[Outcome | None] = [None] * len(calls)
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context)
    try:
        futures = {pool.submit(client_job, *call): index for index, call in enumerate(calls)}
        for future in as_completed(futures):
            index = futures[future]
            try:
                outcome = future.result()
            except Exception as exc:  # noqa: BLE001 - a worker that died (out of memory, killed)
                outcome = Outcome(name=calls[index][1], config=calls[index][0],
                                  problems=[f"{calls[index][0]}: the worker running it stopped: {type(exc).__name__}: {exc}"])
            results[index] = outcome
            done(outcome)
    except BaseException:
        # Interrupted (Ctrl-C, SIGTERM): the clients not started are dropped and the workers
        # stopped, where leaving the pool's block waited for every queued client to finish.
        workers = list((getattr(pool, "_processes", None) or {}).values())  # shutdown() lets go of them
        pool.shutdown(wait=False, cancel_futures=True)
        for process in workers:
            process.terminate()
        raise
    pool.shutdown(wait=True)
    return [r for r in results if r is not None]


@dataclass
class PortfolioResult:
    """A portfolio run: each client's outcome, the configs refused, the overview and where it went."""

    outcomes: list[Outcome]
    refused: list[tuple[str, list[str]]]
    overview: "Overview"
    overview_path: str
    seconds: float
    jobs: int


def run_portfolio(paths: Iterable[str], output: str, options: RunOptions, *, jobs: int | None = None,
                  progress: Callable[[str], None] | None = None, steps: Callable[[int], None] | None = None) -> PortfolioResult:
    """Run every config, write each client's report and the overview into ``output``."""
    started = time.perf_counter()
    out = _output_folder(output)
    configs, refused = discover(paths)
    if options.since is not None:
        since = Path(options.since)
        if not since.exists():
            raise ConfigError(Problem(f"{since}: no such folder of earlier reports", path="--since"))
        if since.is_file() and len(configs) > 1:
            raise ConfigError(Problem(f"{since} is one report; with several configs --since needs the folder of the earlier run's "
                                      f"JSON reports (each client is matched to NAME.json)", path="--since"))
    if steps is not None:
        steps(len(configs))
    every = tuple(path for path, _ in configs)
    targets = {name: str(out / f"{name}{options.extension}") for _, name in configs}
    overview_target = out / f"{OVERVIEW_NAME}{options.extension if options.fmt in OVERVIEW_FORMATS else '.json'}"
    # Only a file that is there can be written over: into a new or emptied folder there is
    # nothing to check, and no config is read twice.
    existing = [Path(target) for target in (*targets.values(), overview_target) if os.path.lexists(target)]
    if existing:
        from .output import check_none_is_input

        check_none_is_input(existing, _every_input(configs, options.since))
    workers = jobs_for(jobs, len(configs))
    adaptive = jobs is None or jobs == 0
    tick = progress or (lambda name: None)
    first = [(path, name, targets[name], options, every) for path, name in configs]
    # Without portfolio benchmarks each worker writes its client's report at once; with them,
    # the reports wait until every client's figures are in.
    if options.peer_flag or _any_wants_peers(configs):
        first = [(*call, None, None, False) for call in first]
    outcomes = _run_all(first, workers, lambda o: tick(o.name), adaptive=adaptive)
    used = workers if not adaptive or (outcomes and pool_pays(outcomes[0], len(outcomes) - 1, workers)) else 1
    # A config the quick look missed (wants_peers is read from the loaded config) is written again.
    pending = [o.report is not None and (o.target is None or o.wants_peers) for o in outcomes]
    if any(pending):
        from ..evaluation.peers import compare
        from ..loading.catalog import get_catalog

        reports = [o.report for o in outcomes]
        peers = compare(reports, [o.wants_peers for o in outcomes], get_catalog(), [o.min_peers for o in outcomes])
        second = [(o.config, o.name, targets[o.name], options, every, o.report, peers[i], True)
                  for i, o in enumerate(outcomes) if pending[i]]
        written = {o.name: o for o in _run_all(second, workers, lambda o: None, adaptive=adaptive)}
        outcomes = [_merge(o, written.get(o.name)) for o in outcomes]
    _stop_forkserver()
    from .overview import build_overview, render_overview

    overview = build_overview(outcomes, refused, options)
    tick(OVERVIEW_NAME)
    fmt = options.fmt if options.fmt in OVERVIEW_FORMATS else "json"
    overview_path = str(overview_target)
    from .output import write_output

    write_output(overview_path, render_overview(overview, fmt, options.lang), inputs=[Path(c) for c in every])
    return PortfolioResult(outcomes=outcomes, refused=refused, overview=overview, overview_path=overview_path,
                           seconds=time.perf_counter() - started, jobs=used)


def _stop_forkserver() -> None:
    """End the process that forked the workers, if one was started, so the command leaves none behind
    (it would end by itself once this process exits; the standard library has no public call for it)."""
    import sys

    forkserver = sys.modules.get("multiprocessing.forkserver")
    stop = getattr(getattr(forkserver, "_forkserver", None), "_stop", None)
    if stop is not None:
        try:
            stop()
        except OSError:
            pass


def _merge(first: Outcome, second: Outcome | None) -> Outcome:
    if second is None:
        return first
    second.since, second.money_before = first.since, first.money_before
    second.seconds += first.seconds
    return second


def _any_wants_peers(configs: list[tuple[str, str]]) -> bool:
    """Whether a config asks for portfolio benchmarks (read cheaply: only its portfolio: key)."""
    import re

    # A YAML key at the start of a line, or a JSON key anywhere; a false match only costs the wait.
    pattern = re.compile(r'(?:^|[\s{,])["\']?portfolio["\']?\s*:', re.MULTILINE)
    for path, _ in configs:
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                if pattern.search(handle.read(1_000_000)):
                    return True
        except OSError:
            continue
    return False


def _output_folder(output: str | None) -> Path:
    from .output import is_stdout, is_stream

    if not output or is_stdout(output) or is_stream(output):
        raise ConfigError(Problem("a portfolio run writes one report per client: give -o FOLDER", path="-o"))
    out = Path(output)
    if out.exists() and not out.is_dir():
        raise ConfigError(Problem(f"output {output} is a file; with several configs (or a folder) -o names a folder", path="-o"))
    if not out.exists():
        if not out.parent.is_dir():
            raise ConfigError(Problem(f"output folder {out.parent} does not exist", path="-o"))
        try:
            out.mkdir()
        except OSError as exc:
            raise ConfigError(Problem(f"cannot make the folder {output}: {(exc.strerror or str(exc)).lower()}", path="-o")) from None
    return out


def current_limits() -> dict[str, Any]:
    """The limits in force (defaults, environment, --limit), for the worker processes."""
    from ..limits import DEFAULTS, current

    now = current()
    return {f.name: getattr(now, f.name) for f in dataclasses.fields(now) if getattr(now, f.name) != getattr(DEFAULTS, f.name)}
