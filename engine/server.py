"""The HTTP service: ``kpi-advisor serve``, or ``create_app()`` mounted in an ASGI app.

Requests carry a client config with its rows inline and get back the report the
CLI prints with ``--format json``. A request can never make the server read a
file or load code: data files, plugin files and rule packs are refused, and the
plugins, rule packs and catalog are the ones the service was started with.
Every request is bounded: body size, rows, and time. Every error is an RFC 9457
problem details document (``application/problem+json``) listing each problem
with its field path.

Needs the ``server`` extra: ``pip install 'kpi-advisor[server]'``.
"""

import asyncio
import contextlib
import dataclasses
import functools
import json
import logging
import math
import os
import re
import socket
import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from .advisor import Advisor, file_references
from .problems import ConfigError, Problem, ProblemsError, format_path, printable, value_reason
from .models.definitions import new_list

__all__ = ["ServiceLimits", "create_app", "PROBLEM_TYPES"]

log = logging.getLogger("kpi_advisor.server")

PROBLEM_JSON = "application/problem+json"
JSON_TYPES = frozenset({"application/json", ""})
YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})
# Problem types; the documentation (docs/embedding.md) lists what each means.
PROBLEM_TYPES = {
    "invalid-body": "tag:kpi-advisor,2026:problem/invalid-body",
    "invalid-config": "tag:kpi-advisor,2026:problem/invalid-config",
    "invalid-query": "tag:kpi-advisor,2026:problem/invalid-query",
    "too-large": "tag:kpi-advisor,2026:problem/too-large",
    "unsupported-media-type": "tag:kpi-advisor,2026:problem/unsupported-media-type",
    "timeout": "tag:kpi-advisor,2026:problem/timeout",
    "internal-error": "tag:kpi-advisor,2026:problem/internal-error",
}


@dataclass(frozen=True)
class ServiceLimits:
    """What one request may cost. Exceeding a limit is a problem, never a crash."""

    max_body_bytes: int = 4 * 1024 * 1024
    max_rows: int = 10_000  # inline records over all data sources of one config
    timeout_seconds: float = 10.0  # waiting for a worker included
    max_concurrent: int = 4  # evaluations running at once; others wait their turn
    body_timeout_seconds: float = 10.0  # reading one request body, however slowly it trickles in
    # "process": each evaluation runs in a worker process that is killed at the time limit, so
    # the limit stops the work (CPU and memory) and not only the wait; "thread": in this process.
    isolation: str = "process"
    recycle_after: int = 500  # evaluations before a worker process is replaced (memory back to baseline)
    # Resident memory of one worker process (its ~120 MiB at rest included): over it the worker is
    # killed and the request refused (413), so that crafted requests cannot take the machine's
    # memory between them. Checked every MEMORY_CHECK_SECONDS where /proc tells it (Linux), with
    # isolation "process".
    max_memory_bytes: int = 1024 * 1024 * 1024

    def __post_init__(self) -> None:
        if (self.max_body_bytes < 1 or self.max_rows < 1 or self.max_concurrent < 1 or not self.timeout_seconds > 0
                or not self.body_timeout_seconds > 0 or self.recycle_after < 1 or self.max_memory_bytes < 1):
            raise ValueError(f"service limits must be positive: {self}")
        if self.isolation not in ("process", "thread"):
            raise ValueError(f"isolation must be 'process' or 'thread', got {self.isolation!r}")


# --- problem details -------------------------------------------------------------


class ProblemItem(BaseModel):
    """One problem in a request, located by field path."""

    model_config = ConfigDict(extra="forbid")
    detail: str
    field: str | None = Field(default=None, description='field path as the CLI prints it, e.g. goals[0].target')
    pointer: str | None = Field(default=None, description="JSON Pointer (RFC 6901) into the request body, e.g. #/goals/0/target")
    line: int | None = Field(default=None, description="line in a YAML request body")


class ProblemDetails(BaseModel):
    """An RFC 9457 problem details document."""

    model_config = ConfigDict(extra="forbid")
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ProblemItem] = Field(default_factory=new_list)


class ProblemResponse(Exception):
    """Raised inside a handler; becomes an application/problem+json response."""

    def __init__(self, status: int, kind: str | None, detail: str, errors: list[ProblemItem] = (), headers: dict | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.detail = detail
        self.errors = list(errors)
        self.headers = headers


def problem_response(request: Request, status: int, kind: str | None, detail: str, errors=(), headers=None) -> JSONResponse:
    phrase = HTTPStatus(status).phrase
    detail = "\n".join(public_text(line) for line in str(detail).split("\n"))
    body = ProblemDetails(
        type=PROBLEM_TYPES[kind] if kind else "about:blank",
        title=phrase if kind is None else _TITLES.get(kind, phrase),
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=list(errors),
    )
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, media_type=PROBLEM_JSON, headers=headers)


_TITLES = {
    "invalid-body": "The request body is not a readable config",
    "invalid-config": "The config has problems",
    "invalid-query": "The query parameters have problems",
    "too-large": "The request is larger than this service accepts",
    "unsupported-media-type": "Unsupported content type",
    "timeout": "The evaluation took too long",
    "internal-error": "Internal error",
}

_PATH_PART = re.compile(r'\.?([A-Za-z_]\w*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]')


def json_pointer(path: str) -> str | None:
    """'goals[0].target' -> '#/goals/0/target' (None for a path it cannot read back)."""
    if not path:
        return "#"
    parts: list[str] = []
    position = 0
    while position < len(path):
        match = _PATH_PART.match(path, position)
        if match is None:
            return None
        name, index, quoted = match.groups()
        parts.append(name if name is not None else index if index is not None else json.loads(quoted))
        position = match.end()
    return "#/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


# An absolute path of this server's (a plugin file, a rule pack, the installed package):
# a problem names the file by its name only.
_SERVER_PATH = re.compile(r"(?<![\w.~:/])(?:/[^\s/:'\"(),]+)+/([^\s/:'\"(),]+)")


def public_text(text: str) -> str:
    """A problem's text as a client may see it: one line, no control characters, no server paths."""
    return _SERVER_PATH.sub(r"\1", printable(text, one_line=True))


# Problems an answer lists: 50,000 unknown fields (650 KB sent) made a 5.7 MB answer.
MAX_PROBLEMS_SHOWN = 50


def _shown(problems: list[Problem]) -> list[Problem]:
    if len(problems) <= MAX_PROBLEMS_SHOWN:
        return problems
    rest = len(problems) - MAX_PROBLEMS_SHOWN
    return [*problems[:MAX_PROBLEMS_SHOWN], Problem(f"and {rest} more problem{'s' if rest != 1 else ''} like these")]


def problem_items(problems: list[Problem]) -> list[ProblemItem]:
    return [
        ProblemItem(detail=public_text(p.message), field=public_text(p.path) or None, pointer=json_pointer(p.path), line=p.line)
        for p in _shown(problems)
    ]


def problems_detail(problems: list[Problem]) -> str:
    return "\n".join(public_text(str(p)) for p in _shown(problems))


# --- reading a request ---------------------------------------------------------------


async def read_body(request: Request, limit: int, timeout: float = 10.0) -> bytes:
    too_large = ProblemResponse(413, "too-large", f"the request body is larger than this service accepts ({limit} bytes)")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    try:
        with anyio.fail_after(timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise too_large
                chunks.append(chunk)
    except TimeoutError:
        raise ProblemResponse(408, None, f"the request body did not arrive within {timeout:g} s", headers={"Connection": "close"}) from None
    return b"".join(chunks)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:20]} is too large")
    return value


class _DuplicateKey(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _DuplicateKey
    return out


def parse_body(body: bytes, media_type: str, limits: ServiceLimits) -> Any:
    """The config in a request body: JSON, or YAML (with line numbers in problems)."""
    from .limits import YamlLimits
    from .loading.yamlsafe import Document, load_yaml_text

    if media_type in YAML_TYPES:
        try:
            return load_yaml_text(body, file="request", limits=YamlLimits(max_bytes=limits.max_body_bytes))
        except ProblemsError as exc:
            raise ProblemResponse(400, "invalid-body", "\n".join(str(p) for p in exc.problems), problem_items(exc.problems)) from None
    if media_type not in JSON_TYPES and not media_type.endswith("+json"):
        raise ProblemResponse(
            415,
            "unsupported-media-type",
            f"send the config as application/json or application/yaml, not {media_type}",
        )
    if not body.strip():
        raise ProblemResponse(400, "invalid-body", "the request body is empty; send a config as JSON")
    try:
        # As the CLI reads a JSON file: a byte-order mark is fine, a key given twice is an error.
        text = body.decode("utf-8").removeprefix("\ufeff")
        data = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float, object_pairs_hook=_no_duplicates)
    except _DuplicateKey:
        # The CLI's reader names the key, its line and its first definition.
        try:
            return load_yaml_text(body, file="request", limits=YamlLimits(max_bytes=limits.max_body_bytes))
        except ProblemsError as exc:
            raise ProblemResponse(400, "invalid-body", "\n".join(str(p) for p in exc.problems), problem_items(exc.problems)) from None
    except UnicodeDecodeError as exc:
        raise ProblemResponse(400, "invalid-body", f"the request body is not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        hint = "" if media_type else " (for YAML, send Content-Type: application/yaml)"
        raise ProblemResponse(400, "invalid-body", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}{hint}") from None
    except RecursionError:
        raise ProblemResponse(400, "invalid-body", "not accepted: the JSON is nested too deeply") from None
    except ValueError as exc:  # a number out of range, NaN or Infinity
        raise ProblemResponse(400, "invalid-body", f"not valid JSON: {value_reason(exc)}") from None
    return Document(data=data, file="request")


def check_request_config(doc: Any, limits: ServiceLimits) -> None:
    """What a request may not do, before the config is validated: name files, or send too many rows."""
    data = doc.data
    if not isinstance(data, Mapping):
        raise ProblemResponse(
            422,
            "invalid-config",
            f"expected an object of config fields (client, business_model, data, ...), got {_json_type(data)}",
            [ProblemItem(detail="expected an object of config fields", pointer="#")],
        )
    refused = file_references(data)
    if refused:
        raise ProblemResponse(422, "invalid-config", problems_detail(refused), problem_items(refused))
    sources = data.get("data")
    tables = []
    if isinstance(sources, list):
        tables = [(i, s["records"]) for i, s in enumerate(sources) if isinstance(s, Mapping) and isinstance(s.get("records"), list)]
    rows = sum(len(records) for _, records in tables)
    if rows > limits.max_rows:
        raise ProblemResponse(
            413,
            "too-large",
            f"the config holds {rows} rows; this service accepts at most {limits.max_rows} per request",
            [ProblemItem(detail=f"{rows} rows (limit {limits.max_rows})", field="data", pointer="#/data")],
        )
    nested = [problem for index, records in tables for problem in _nested_values(index, records)]
    if nested:
        raise ProblemResponse(422, "invalid-config", problems_detail(nested), problem_items(nested))


_NESTED = (list, dict)


def _nested_values(index: int, records: list[Any], limit: int = 5) -> list[Problem]:
    """A cell of a row must be one value: a list or an object in it is a problem.

    The common case is answered by one pass over the value types at C speed; only
    a request that has such cells is walked row by row, to name them.
    """
    from itertools import chain

    rows = [row for row in records if type(row) is dict]
    kinds = set(map(type, chain.from_iterable(map(dict.values, rows))))
    if not kinds.intersection(_NESTED):
        return []
    problems = []
    for row_index, row in enumerate(records):
        if type(row) is not dict:
            continue
        for column, value in row.items():
            if isinstance(value, _NESTED):
                kind = "a list" if isinstance(value, list) else "an object"
                path = format_path(("data", index, "records", row_index, column))
                problems.append(Problem(f"expected one value (a number, text, true/false or null), got {kind}", path=path))
                if len(problems) >= limit:
                    return problems
    return problems


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return f"a {type(value).__name__}"


# --- the OpenAPI description of the request body ------------------------------------


def request_schema(catalog: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The config schema as a request may use it, with the names this service knows.

    Rows go inline only (no data files), and there are no plugins or rule packs.
    Business models and goal objectives are those of ``catalog``; a row's known
    columns are listed (counts non-negative), any other column is a plain value.
    Returns the schema and its definitions, referenced as OpenAPI components.
    """
    from .models.config import ClientConfig
    from .models.definitions import DIMENSIONS

    schema = ClientConfig.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = schema.pop("$defs", {})
    properties = schema["properties"]
    properties.pop("plugins", None)
    schema["title"] = "EvaluateRequest"
    schema["description"] = "A client config (kpi-advisor schema config) with its data inline as records."
    properties["business_model"]["enum"] = sorted(catalog.profiles)
    properties["data"]["items"] = {"$ref": "#/components/schemas/RecordsSource"}
    properties["data"]["minItems"] = 1
    defs.pop("FileSource", None)
    defs["RuleSettings"]["properties"].pop("packs", None)
    defs["Goal"]["properties"]["objective"]["enum"] = sorted(catalog.goals)
    scalar = {"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}, {"type": "null"}]}
    columns: dict[str, Any] = {dim: {"anyOf": [{"type": "string"}, {"type": "null"}]} for dim in DIMENSIONS}
    columns["date"] = {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]}
    for metric_id, metric in sorted(catalog.metrics.items()):
        if not metric.derived:
            columns[metric_id] = {"anyOf": [{"type": "number", "minimum": 0}, {"type": "null"}]}
    records = defs["RecordsSource"]["properties"]["records"]
    records["minItems"] = 1
    records["items"] = {"type": "object", "properties": columns, "additionalProperties": scalar}
    return schema, defs


# --- the app --------------------------------------------------------------------------


class _Service:
    """The state behind one app: the advisor, the limits, and per-loop worker slots."""

    def __init__(self, advisor: Advisor, limits: ServiceLimits) -> None:
        self.advisor = advisor
        self.limits = limits
        self._limiters: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._thread_limiters: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        # Worker processes need an advisor they can build again: a subclass (a test's, say)
        # keeps running in this process.
        self.pool: WorkerPool | None = None
        if limits.isolation == "process" and type(advisor) is Advisor:
            settings = {
                "plugins": [str(p) for p in advisor.plugin_files],
                "rule_packs": [str(p) for p in advisor.rule_packs],
                "limits": dataclasses.asdict(limits),
            }
            self.pool = WorkerPool(settings, limits.max_concurrent, limits.recycle_after, limits.max_memory_bytes)
            # Large bodies (a client's big data set, or an attacker's 3 MB of keys) have lanes
            # of their own, at a lower CPU priority: they cannot starve the small requests.
            self.bulk = WorkerPool({**settings, "nice": BULK_NICE}, max(1, limits.max_concurrent // 2), limits.recycle_after,
                                   limits.max_memory_bytes)
        self.listings = {kind: _public_listing(advisor.listing(kind)) for kind in ("rules", "metrics", "models", "goals")}

    def limiter(self, lane: str = "main") -> anyio.CapacityLimiter:
        """The slots of a lane (per event loop): max_concurrent for the main one, the bulk
        pool's size for large bodies."""
        loop = asyncio.get_running_loop()
        limiters = self._limiters.setdefault(loop, {})
        if lane not in limiters:
            limiters[lane] = anyio.CapacityLimiter(self.bulk.size if lane == "bulk" else self.limits.max_concurrent)
        return limiters[lane]

    def thread_limiter(self, lane: str = "main") -> anyio.CapacityLimiter:
        """Threads that wait on worker processes: as many as may run, never fewer (anyio's default is 40)."""
        loop = asyncio.get_running_loop()
        limiters = self._thread_limiters.setdefault(loop, {})
        if lane not in limiters:
            limiters[lane] = anyio.CapacityLimiter(self.bulk.size if lane == "bulk" else self.limits.max_concurrent)
        return limiters[lane]

    async def run_isolated(self, body: bytes, media_type: str, max_findings: int | None) -> bytes:
        """The evaluation in a worker process, killed at the time limit. The concurrency slot is
        held until the worker has answered or been killed, so it counts running work."""
        assert self.pool is not None
        deadline = time.monotonic() + self.limits.timeout_seconds
        lane = "bulk" if len(body) > BULK_BYTES else "main"
        pool = self.bulk if lane == "bulk" else self.pool
        limiter = self.limiter(lane)
        with anyio.fail_after(self.limits.timeout_seconds):  # waiting for a slot counts too
            await limiter.acquire()
        try:
            answer = await anyio.to_thread.run_sync(
                pool.run, (body, media_type, max_findings), deadline, limiter=self.thread_limiter(lane)
            )
        finally:
            limiter.release()
        kind = answer[0]
        if kind == "ok":
            return answer[1]
        if kind == "response":
            _, status, problem_kind, detail, errors, headers = answer
            raise ProblemResponse(status, problem_kind, detail, [ProblemItem(**e) for e in errors], headers)
        if kind == "problems":
            raise ConfigError(answer[1])
        raise RuntimeError(f"{answer[1]} in a worker process")

    async def start(self) -> None:
        """Boot the workers; the app answers once the first can evaluate (so a load balancer's
        health check and the first request never wait for a worker to boot). The bulk lane
        boots after it, so that the two do not compete for the CPU."""
        if self.pool is None:
            return
        self.pool.start()
        if not await anyio.to_thread.run_sync(self.pool.wait_ready, 120.0):
            log.error("no worker process was ready after 120 s; requests wait for one")
        self.bulk.start()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.bulk.close()

    @functools.lru_cache(maxsize=256)
    def kpis(self, model: str, goals: tuple[str, ...]) -> bytes:
        ranked = self.advisor.recommend_kpis(model, goals)
        rows = [k.model_dump(mode="json", exclude={"has_data", "tracking_hint"}) for k in ranked]
        return json.dumps(rows, ensure_ascii=False).encode()

    def evaluate(self, body: bytes, media_type: str, max_findings: int | None) -> bytes:
        """Body to report, in a worker thread: parsing a large body is work too."""
        return evaluate_request(self.advisor, self.limits, body, media_type, max_findings)


def evaluate_request(advisor: Advisor, limits: ServiceLimits, body: bytes, media_type: str, max_findings: int | None) -> bytes:
    """A request body to the report's JSON, or ProblemResponse / ProblemsError."""
    doc = parse_body(body, media_type, limits)
    check_request_config(doc, limits)
    # Exactly what `kpi-advisor run --format json [--max-findings N]` prints, and as there, only
    # the findings shown are worded (show_at_most). An Advisor whose evaluate() is its own (a
    # subclass given to create_app) is asked through it, and its findings may come worded.
    if type(advisor).evaluate is Advisor.evaluate:
        report = advisor._evaluate(doc, words=False)
    else:
        report = advisor.evaluate(doc)
    from .commands.output import show_at_most
    from .models.report import to_json

    show_at_most(report, "all" if max_findings is None else max_findings, "json")

    return to_json(report, indent=None).encode()


def warm_up(advisor: Advisor, limits: ServiceLimits) -> None:
    """One evaluation of a starter config (``kpi-advisor init``'s) before the first request, which
    otherwise pays for what only a process's first evaluation does: importing the pipeline and
    the report's models, building their validators, compiling the rules of a data shape
    (acme_outdoor's first request 82-135 ms, the next ~40 ms). A warm-up that fails costs the
    first request that time, never the service."""
    from .commands.starter import starter_config

    profiles = advisor.catalog.profiles
    profile = profiles.get("dtc_ecommerce") or next(iter(profiles.values()), None)
    if profile is None:
        return
    try:
        evaluate_request(advisor, limits, starter_config(profile, advisor.catalog).encode(), "application/yaml", 10)
    except Exception:  # noqa: BLE001 - see above
        log.warning("the warm-up evaluation failed; the first request will be slower", exc_info=True)


# --- evaluations in worker processes ------------------------------------------------------


# Bodies larger than this are evaluated in the bulk lane, at nice BULK_NICE.
BULK_BYTES = 256 * 1024
BULK_NICE = 10


@functools.lru_cache(maxsize=1)
def _malloc_trim() -> Any:
    """glibc's malloc_trim, or None (another C library, or not Linux)."""
    import ctypes
    import ctypes.util

    try:
        trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def give_memory_back(size: int) -> None:
    """After a bulk-sized body, hand the C heap's free pages back to the system. Python frees
    a large body's objects, but glibc keeps the pages of every thread's arena for later, so a
    service that once parsed 3 MB of keys would stay that much larger until it is recycled."""
    if size > BULK_BYTES and (trim := _malloc_trim()) is not None:
        trim(0)


class WorkerLost(Exception):
    """The worker process stopped while evaluating (killed, out of memory)."""


class WorkerOverMemory(Exception):
    """The worker process grew past ``max_memory_bytes`` while evaluating, and was killed."""


# How often a busy worker's memory is read: ~20 us a read; a worker that allocates 1 GiB a second
# passes its limit by ~50 MiB before it is seen.
MEMORY_CHECK_SECONDS = 0.05


def resident_bytes(pid: int) -> int | None:
    """A process's resident memory, from /proc; None where the system does not tell it."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * _PAGE_BYTES
    except (OSError, ValueError, IndexError):
        return None


_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _answer(advisor: Advisor, limits: ServiceLimits, request: tuple) -> tuple:
    """One request in a worker process, as a picklable answer."""
    try:
        return ("ok", evaluate_request(advisor, limits, *request))
    except ProblemResponse as exc:
        return ("response", exc.status, exc.kind, exc.detail, [item.model_dump() for item in exc.errors], exc.headers)
    except ProblemsError as exc:
        return ("problems", [Problem(p.message, p.file, p.line, p.path) for p in exc.problems])
    except Exception as exc:  # noqa: BLE001 - reported by type only, like the in-process handler
        log.exception("internal error in a worker")
        return ("error", type(exc).__name__)


def worker_main() -> None:
    """A worker process (``python -c "from kpi_advisor.server import worker_main; worker_main()"``):
    builds its advisor once from the settings in its environment, then answers requests read
    from stdin on stdout until stdin closes. It is a plain subprocess, not multiprocessing's
    spawn, so nothing of the parent's ``__main__`` is imported again."""
    import sys
    from multiprocessing.connection import Connection

    reader = Connection(os.dup(0), writable=False)
    writer = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)  # a stray print goes to the log, not into the channel
    try:
        settings = json.loads(os.environ[WORKER_SETTINGS])
        advisor = Advisor(plugins=settings["plugins"], rule_packs=settings["rule_packs"], allow_files=False)
        limits = ServiceLimits(**settings["limits"])
        warm_up(advisor, limits)
        if settings.get("nice"):
            os.nice(settings["nice"])  # after booting at full speed: only the evaluations yield
    except Exception as exc:  # noqa: BLE001
        writer.send(("failed", f"{type(exc).__name__}: {exc}"))
        sys.exit(1)
    writer.send(("ready",))
    while True:
        try:
            request = reader.recv()
        except (EOFError, OSError):
            return
        writer.send(_answer(advisor, limits, request))
        give_memory_back(len(request[0]))


WORKER_SETTINGS = "KPI_ADVISOR_WORKER_SETTINGS"


class _Worker:
    def __init__(self, process: Any) -> None:
        from multiprocessing.connection import Connection

        self.process = process
        self.reader = Connection(os.dup(process.stdout.fileno()), writable=False)
        self.writer = Connection(os.dup(process.stdin.fileno()), readable=False)
        process.stdout.close()
        process.stdin.close()
        self.served = 0

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
        with contextlib.suppress(Exception):
            self.process.wait(5)
        for conn in (self.reader, self.writer):
            with contextlib.suppress(Exception):
                conn.close()


class WorkerPool:
    """Up to ``size`` worker processes, started when first needed. A request takes an idle
    worker, or waits for one; a worker that has not answered by the request's deadline is
    killed (the CPU and memory it was using come back at once) and replaced. A worker is also
    replaced after ``recycle_after`` requests, so memory returns to its baseline. A worker that
    grows past ``max_memory`` while evaluating is killed; one that keeps more than half of it
    after answering is replaced, so the next request does not start near the limit."""

    def __init__(self, settings: dict[str, Any], size: int, recycle_after: int, max_memory: int | None = None) -> None:
        import queue

        self.settings = settings
        self.size = size
        self.recycle_after = recycle_after
        self.max_memory = max_memory
        # The worker that answered last is asked first: it holds the compiled rules of the data
        # shapes it has seen (a client's configs share theirs), where round the pool each worker
        # met a shape for the first time in turn (acme_outdoor: ~75 ms a request against ~45).
        self.idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self.lock = threading.Lock()
        self.live = 0  # started or starting
        self.generation = 0  # close() stops the workers; a later request starts new ones
        self.workers: set[_Worker] = set()

    def _grow(self) -> None:
        with self.lock:
            if self.live >= self.size:
                return
            self.live += 1
            generation = self.generation
        threading.Thread(target=self._start_one, args=(generation,), name="kpi-advisor-worker-start", daemon=True).start()

    def _start_one(self, generation: int) -> None:
        import subprocess
        import sys

        env = {**os.environ, WORKER_SETTINGS: json.dumps(self.settings)}
        worker = None
        try:
            process = subprocess.Popen(
                [sys.executable, "-P", "-c", "from kpi_advisor.server import worker_main; worker_main()"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=os.path.abspath(os.sep),
            )
            worker = _Worker(process)
            ready = worker.reader.poll(120) and worker.reader.recv()
        except Exception:  # noqa: BLE001
            ready = None
        if not ready or ready[0] != "ready":
            log.error("a worker process did not start: %s", ready[1] if ready else "no answer")
            if worker is not None:
                worker.kill()
            with self.lock:
                if generation == self.generation:
                    self.live -= 1
            return
        with self.lock:
            current = generation == self.generation
            if current:
                self.workers.add(worker)
        if current:
            self.idle.put(worker)
        else:
            worker.kill()

    def _retire(self, worker: _Worker, *, replace: bool = True) -> None:
        worker.kill()
        with self.lock:
            if worker in self.workers:
                self.workers.discard(worker)
                self.live -= 1
        if replace:
            self._grow()

    def start(self) -> None:
        """Start the workers in the background (the app's startup), one after another so that
        they do not all boot at once, and the first is ready soonest. A request that takes the
        last idle worker also starts the next (up to ``size``), as does a killed one's end."""

        def boot() -> None:
            for _ in range(self.size):
                with self.lock:
                    if self.live >= self.size:
                        return
                    self.live += 1
                    generation = self.generation
                self._start_one(generation)

        threading.Thread(target=boot, name="kpi-advisor-worker-boot", daemon=True).start()

    def wait_ready(self, timeout: float, count: int = 1) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.workers) >= min(count, self.size):
                    return True
            time.sleep(0.05)
        return False

    def _take(self, deadline: float) -> _Worker:
        import queue

        while True:
            try:
                worker = self.idle.get_nowait()
            except queue.Empty:
                self._grow()
                try:
                    worker = self.idle.get(timeout=max(deadline - time.monotonic(), 0.001))
                except queue.Empty:
                    raise TimeoutError from None
            with self.lock:
                current = worker in self.workers
            if current:
                if self.idle.empty():
                    self._grow()  # warm the next one while this one works
                return worker
            worker.kill()  # stopped by close() while it waited in the queue

    def run(self, request: tuple, deadline: float) -> tuple:
        """The answer of a worker to ``request``; TimeoutError at ``deadline`` and
        WorkerOverMemory past ``max_memory`` (the worker is killed); WorkerLost if it died."""
        worker = self._take(deadline)
        try:
            worker.writer.send(request)
            answered = self._answered(worker, deadline)
            answer = worker.reader.recv() if answered else None
        except (EOFError, OSError):
            self._retire(worker)
            raise WorkerLost from None
        # Raised out here: a TimeoutError is an OSError, which the lines above take for a worker that died.
        if answered is None:
            self._retire(worker)
            raise WorkerOverMemory
        if not answered:
            self._retire(worker)
            raise TimeoutError
        worker.served += 1
        kept = resident_bytes(worker.process.pid) if self.max_memory is not None else None
        if worker.served >= self.recycle_after or (kept is not None and kept > self.max_memory // 2):
            self._retire(worker)
        else:
            self.idle.put(worker)
        return answer

    def _answered(self, worker: _Worker, deadline: float) -> bool | None:
        """Whether the worker answered by ``deadline``; None where it grew past ``max_memory`` first."""
        if self.max_memory is None:
            return worker.reader.poll(max(deadline - time.monotonic(), 0))
        while True:
            left = deadline - time.monotonic()
            if worker.reader.poll(min(max(left, 0), MEMORY_CHECK_SECONDS)):
                return True
            if left <= MEMORY_CHECK_SECONDS:
                return False
            used = resident_bytes(worker.process.pid)
            if used is not None and used > self.max_memory:
                return None

    def close(self) -> None:
        """Stop every worker (the app's shutdown); a later request starts new ones."""
        with self.lock:
            self.generation += 1
            workers = list(self.workers)
            self.workers.clear()
            self.live = 0
        for worker in workers:
            worker.kill()

    def pids(self) -> list[int]:
        with self.lock:
            return [w.process.pid for w in self.workers]


def _public_listing(rows: list[dict[str, Any]]) -> bytes:
    """A listing without the server's own file paths (a rule pack's provider is its file name)."""
    clean = []
    for row in rows:
        provider = row.get("provider")
        if isinstance(provider, str) and Path(provider).is_absolute():
            row = {**row, "provider": Path(provider).name}
        clean.append(row)
    return json.dumps(clean, ensure_ascii=False, default=str).encode()


_PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": description, "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}}
    for status, description in {
        400: "The body is not readable JSON or YAML",
        413: "The body, its rows or the memory its evaluation needs exceed the service's limits",
        415: "The body is neither JSON nor YAML",
        422: "The config has problems, each listed with its field path",
        503: "The evaluation did not finish within the service's time limit",
    }.items()
}


def create_app(advisor: Advisor | None = None, *, limits: ServiceLimits = ServiceLimits()) -> FastAPI:
    """The kpi-advisor HTTP service as an ASGI app.

    :param advisor: the advisor to serve; default: the installed plugins. Whatever
        advisor is given, requests may not name files or plugins.
    :param limits: body size, rows, time and concurrency per request.
    """
    from . import __version__
    from .models.report import Kpi, Report

    service = _Service(advisor or Advisor(allow_files=False), limits)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        await service.start()
        try:
            yield
        finally:
            service.close()

    app = FastAPI(
        lifespan=lifespan,
        title="kpi-advisor",
        version=__version__,
        description=(
            "Which marketing KPIs matter for a business model, and where a client's funnel leaks. "
            "POST a client config with inline records to /v1/evaluate and get the report back. "
            "Errors are RFC 9457 problem details (application/problem+json)."
        ),
    )
    app.state.service = service

    @app.exception_handler(ProblemResponse)
    async def _problem(request: Request, exc: ProblemResponse) -> JSONResponse:
        return problem_response(request, exc.status, exc.kind, exc.detail, exc.errors, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        return problem_response(request, exc.status_code, None, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _query(request: Request, exc: RequestValidationError) -> JSONResponse:
        items = []
        for error in exc.errors():
            loc = [str(part) for part in error.get("loc", ())]
            where = loc[0] if loc else ""
            name = ".".join(loc[1:]) if len(loc) > 1 else where
            items.append(ProblemItem(detail=f"{where} parameter {name}: {error.get('msg', 'invalid')}", field=name))
        detail = "\n".join(item.detail for item in items) or "invalid request"
        return problem_response(request, 422, "invalid-query", detail, items)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return problem_response(request, 500, "internal-error", f"internal error: {type(exc).__name__}; the server log has details")

    @app.get("/healthz", summary="Liveness and what is loaded")
    async def healthz() -> dict[str, Any]:
        catalog = service.advisor.catalog
        return {
            "status": "ok",
            "version": __version__,
            "models": len(catalog.profiles),
            "metrics": len(catalog.metrics),
            "rules": len(catalog.rules),
        }

    @app.post(
        "/v1/evaluate",
        summary="Evaluate a client config with inline records",
        description=(
            "The body is a client config (the shape `kpi-advisor schema config` describes) as JSON, or as YAML "
            "with Content-Type application/yaml. Rows go inline under data[].records; a request cannot name "
            "data files, plugin files or rule packs. The answer is the report `kpi-advisor run --format json` prints."
        ),
        response_model=Report,
        responses={**_PROBLEM_RESPONSES},
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/EvaluateRequest"}},
                    "application/yaml": {"schema": {"type": "string", "description": "the same config as YAML"}},
                },
            }
        },
    )
    async def evaluate(
        request: Request,
        max_findings: int | None = Query(default=None, ge=0, le=1_000_000, description="show at most N findings; the summary still counts all"),
    ) -> Response:
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await read_body(request, limits.max_body_bytes, limits.body_timeout_seconds)
        try:
            return await _evaluate(body, media_type, max_findings)
        finally:
            if len(body) > BULK_BYTES:
                await anyio.to_thread.run_sync(give_memory_back, len(body))

    async def _evaluate(body: bytes, media_type: str, max_findings: int | None) -> Response:
        try:
            if service.pool is not None:
                payload = await service.run_isolated(body, media_type, max_findings)
            else:
                with anyio.fail_after(limits.timeout_seconds):
                    payload = await anyio.to_thread.run_sync(
                        service.evaluate, body, media_type, max_findings, abandon_on_cancel=True, limiter=service.limiter()
                    )
        except WorkerOverMemory:
            raise ProblemResponse(
                413, "too-large",
                f"the evaluation needed more than {limits.max_memory_bytes / 2**20:,.0f} MiB of memory, this service's limit; "
                "send fewer rows, metrics or rules",
            ) from None
        except WorkerLost:
            raise ProblemResponse(
                503, "timeout", "the evaluation stopped before it finished (its worker ran out of memory?); try again with fewer rows",
                headers={"Retry-After": "1"},
            ) from None
        except TimeoutError:
            raise ProblemResponse(
                503,
                "timeout",
                f"the evaluation did not finish within {limits.timeout_seconds:g} s; send fewer rows or try again",
                headers={"Retry-After": "1"},
            ) from None
        except ProblemsError as exc:
            raise ProblemResponse(422, "invalid-config", problems_detail(exc.problems), problem_items(exc.problems)) from None
        return Response(payload, media_type="application/json")

    @app.get(
        "/v1/kpis",
        summary="Which KPIs matter for a business model and its goals, ranked",
        response_model=list[Kpi],
        responses={422: _PROBLEM_RESPONSES[422]},
    )
    async def kpis(
        model: str = Query(max_length=200, description="business model id, e.g. dtc_ecommerce (GET /v1/models)"),
        goal: list[str] = Query(default=[], max_length=20, description="goal objective; repeat for several (GET /v1/goals)"),
    ) -> Response:
        try:
            payload = service.kpis(model, tuple(goal))
        except ProblemsError as exc:
            renamed = [Problem(p.message, path={"business_model": "model"}.get(p.path, p.path)) for p in exc.problems]
            items = [ProblemItem(detail=p.message, field=p.path or None) for p in renamed]
            raise ProblemResponse(422, "invalid-query", "\n".join(str(p) for p in renamed), items) from None
        return Response(payload, media_type="application/json")

    def listing_route(kind: str, summary: str) -> None:
        async def handler() -> Response:
            return Response(service.listings[kind], media_type="application/json")

        app.get(f"/v1/{kind}", summary=summary, response_model=list[dict[str, Any]], name=f"list_{kind}")(handler)

    listing_route("rules", "The rules this service evaluates (as `kpi-advisor list rules --format json`)")
    listing_route("metrics", "The metrics this service knows (as `kpi-advisor list metrics --format json`)")
    listing_route("models", "The business models (as `kpi-advisor list models --format json`)")
    listing_route("goals", "The goal objectives (as `kpi-advisor list goals --format json`)")

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            request, defs = request_schema(service.advisor.catalog)
            problem = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
            defs.update(problem.pop("$defs", {}))
            for name, definition in {"EvaluateRequest": request, "ProblemDetails": problem, **defs}.items():
                if name in components and components[name] != definition:
                    raise RuntimeError(f"OpenAPI component {name} is defined twice, differently")
                components[name] = definition
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


# How `kpi-advisor serve --workers N` hands its settings to each worker process.
SETTINGS_VARIABLE = "KPI_ADVISOR_SERVE_SETTINGS"


def app_from_environment() -> FastAPI:
    """The app of one worker process, built from the settings ``serve`` put in the environment."""
    settings = json.loads(os.environ[SETTINGS_VARIABLE])
    advisor = Advisor(plugins=settings["plugins"], rule_packs=settings["rule_packs"], allow_files=False)
    return create_app(advisor, limits=ServiceLimits(**settings["limits"]))


# A request's line and headers must arrive within this many seconds of its first byte. uvicorn
# times out idle keep-alive connections and the body has its own limit (ServiceLimits), but a
# client that trickles a header a byte at a time held its connection, and one of the
# 1,000 concurrent connections, for ever.
HEADER_TIMEOUT_SECONDS = 10.0


class _NoDelay:
    """Every connection: each answer sent at once, and each request's headers in time.

    TCP_NODELAY: asyncio sets it only on sockets that say they are TCP, and uvicorn's worker
    processes listen on a socket that does not; a keep-alive client then waits about 40 ms per
    answer (Nagle's algorithm against delayed ACKs). The header deadline
    (``HEADER_TIMEOUT_SECONDS``) starts at the first byte of a request and is not moved by
    later bytes; uvicorn starts a request's cycle once its headers are complete.
    """

    _header_deadline: Any = None

    def connection_made(self, transport: Any) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)  # type: ignore[misc]

    def data_received(self, data: bytes) -> None:
        before = getattr(self, "cycle", None)
        super().data_received(data)  # type: ignore[misc]
        cycle = getattr(self, "cycle", None)
        waiting = cycle is before and (cycle is None or cycle.response_complete)  # no request begun: its headers are due
        if waiting and self._header_deadline is None and not self.transport.is_closing():  # type: ignore[attr-defined]
            self._header_deadline = asyncio.get_running_loop().call_later(HEADER_TIMEOUT_SECONDS, self._headers_too_slow, cycle)
        elif not waiting and self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_too_slow(self, cycle: Any) -> None:
        self._header_deadline = None
        if getattr(self, "cycle", None) is cycle and not self.transport.is_closing():  # type: ignore[attr-defined]
            self.transport.close()  # type: ignore[attr-defined]

    def connection_lost(self, exc: Exception | None) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None
        super().connection_lost(exc)  # type: ignore[misc]


def _http_protocol() -> str:
    """uvicorn's fastest HTTP protocol, sending at once (an import string: workers import it)."""
    try:
        import httptools  # noqa: F401
    except ImportError:
        return "kpi_advisor.server:H11NoDelay"
    return "kpi_advisor.server:HttpToolsNoDelay"


def __getattr__(name: str) -> Any:
    # The protocol classes are made on first use, so that create_app() needs no uvicorn.
    if name == "H11NoDelay":
        from uvicorn.protocols.http.h11_impl import H11Protocol

        protocol = type(name, (_NoDelay, H11Protocol), {"__module__": __name__})
    elif name == "HttpToolsNoDelay":
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        protocol = type(name, (_NoDelay, HttpToolsProtocol), {"__module__": __name__})
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = protocol
    return protocol


def serve(
    host: str,
    port: int,
    *,
    plugins: tuple[str, ...] = (),
    rule_packs: tuple[str, ...] = (),
    limits: ServiceLimits = ServiceLimits(),
    workers: int = 1,
    log_level: str = "info",
) -> None:
    """Run the service with uvicorn; several workers are separate processes, each with its own advisor."""
    import uvicorn

    # Built here first so that a bad plugin or rule pack stops the command before it listens.
    advisor = Advisor(plugins=plugins, rule_packs=rule_packs, allow_files=False)
    options = {"host": host, "port": port, "log_level": log_level, "limit_concurrency": 1000, "http": _http_protocol()}
    if workers == 1:
        uvicorn.run(create_app(advisor, limits=limits), **options)
        return
    os.environ[SETTINGS_VARIABLE] = json.dumps(
        {"plugins": [str(p) for p in advisor.plugin_files], "rule_packs": [str(p) for p in advisor.rule_packs], "limits": dataclasses.asdict(limits)}
    )
    uvicorn.run("kpi_advisor.server:app_from_environment", factory=True, workers=workers, **options)
