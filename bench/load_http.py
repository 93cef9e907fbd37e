"""A bounded load test of `kpi-advisor serve` on the loopback address.

Starts the service on 127.0.0.1 (a free port), then, for 1, 8 and 32 concurrent
clients, sends a fixed number of requests (and never runs longer than a time
cap per level), and reports requests per second and p50/p99 latency. Also times
a warm in-process ``Advisor.evaluate`` of the same small config. Results go to
bench/RESULTS.md, in a section of their own (other benchmarks keep theirs).

    python bench/load_http.py                 # measure and print
    python bench/load_http.py --write         # ... and update bench/RESULTS.md

Only 127.0.0.1 is ever contacted; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "RESULTS.md"
EXAMPLE = ROOT / "examples" / "acme_outdoor.yaml"
HOST = "127.0.0.1"  # loopback only, by design
START = "<!-- load_http: start -->"
END = "<!-- load_http: end -->"


@dataclass
class Level:
    endpoint: str
    workers: int
    clients: int
    requests: int
    seconds: float
    errors: int
    latencies: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile, in milliseconds."""
        ordered = sorted(self.latencies)
        rank = max(1, min(len(ordered), int(round(q / 100 * len(ordered) + 0.5))))
        return ordered[rank - 1] * 1000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(port: int, workers: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "kpi_advisor", "serve", "--host", HOST, "--port", str(port), "--log-level", "warning",
               "--workers", str(workers)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"server exited: {server.stderr.read().decode() if server.stderr else ''}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                connection.close()
                return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("server did not start within 60 s")


def example_body() -> bytes:
    sys.path.insert(0, str(ROOT))
    from kpi_advisor.loading.yamlsafe import load_yaml_file

    return json.dumps(load_yaml_file(EXAMPLE).data, default=str).encode()


def run_level(port: int, workers: int, method: str, path: str, body: bytes | None, clients: int, total: int, cap_seconds: float) -> Level:
    """`clients` threads, each on one keep-alive connection, until `total` requests or the time cap."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    issued = 0
    deadline = time.monotonic() + cap_seconds
    headers = {"Content-Type": "application/json"} if body is not None else {}

    def client() -> None:
        nonlocal issued, errors
        connection = http.client.HTTPConnection(HOST, port, timeout=60)
        try:
            while True:
                with lock:
                    if issued >= total or time.monotonic() > deadline:
                        return
                    issued += 1
                started = time.perf_counter()
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if response.status != 200:
                        errors += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Level(f"{method} {path}", workers, clients, len(latencies), time.perf_counter() - started, errors, latencies)


def warm_evaluate_ms(runs: int) -> tuple[float, float]:
    """Median and p90 of a warm in-process Advisor.evaluate of the example config, in ms."""
    from kpi_advisor import Advisor
    from kpi_advisor.loading.yamlsafe import load_yaml_file

    advisor = Advisor()
    config = load_yaml_file(EXAMPLE).data
    for _ in range(20):
        advisor.evaluate(config)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        advisor.evaluate(config)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9)]


def render(levels: list[Level], warm: tuple[float, float], args: argparse.Namespace, load: tuple[float, float]) -> str:
    import polars

    lines = [
        START,
        "## HTTP service (`bench/load_http.py`)",
        "",
        f"Measured {dt.date.today().isoformat()} on {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"polars {polars.__version__}: `kpi-advisor serve --workers N` (uvicorn; default limits, so at most 4 evaluations "
        f"at once per worker) on {HOST}, the load from another process on the same cores, one keep-alive connection per client. "
        f"`POST /v1/evaluate` sends `examples/acme_outdoor.yaml` as JSON (6 rows, 2 channels); "
        f"at most {args.requests} requests or {args.seconds:g} s per row of the table. "
        f"One-minute load average {load[0]:.1f} before, {load[1]:.1f} after (the load generator itself shares the cores; "
        f"anything else running skews the figures).",
        "",
        "| endpoint | workers | clients | requests | errors | requests/s | p50 ms | p99 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for level in levels:
        lines.append(
            f"| `{level.endpoint}` | {level.workers} | {level.clients} | {level.requests} | {level.errors} | {level.rps:.0f} | "
            f"{level.percentile(50):.1f} | {level.percentile(99):.1f} |"
        )
    lines += [
        "",
        f"Warm in-process `Advisor.evaluate` of the same config: median {warm[0]:.1f} ms, p90 {warm[1]:.1f} ms "
        f"({args.warm_runs} runs after 20 warm-up runs).",
        "",
        "Reproduce: `python bench/load_http.py --write`.",
        END,
    ]
    return "\n".join(lines) + "\n"


def write_section(section: str) -> None:
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1].lstrip("\n")
        text = before + section + ("\n" + after if after else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=600, help="requests per level (default 600)")
    parser.add_argument("--seconds", type=float, default=30.0, help="time cap per level (default 30)")
    parser.add_argument("--levels", default="1,8,32", help="concurrent clients, comma-separated")
    parser.add_argument("--workers", default="1,2", help="server worker processes to try, comma-separated")
    parser.add_argument("--warm-runs", type=int, default=300)
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    args = parser.parse_args()
    levels = [int(n) for n in args.levels.split(",")]
    if args.requests > 100_000 or args.seconds > 120 or max(levels) > 256:
        raise SystemExit("refusing an unbounded run: at most 100000 requests, 120 s and 256 clients per level")

    load_before = os.getloadavg()[0]
    warm = warm_evaluate_ms(args.warm_runs)
    body = example_body()
    results: list[Level] = []
    for workers in [int(n) for n in args.workers.split(",")]:
        port = _free_port()
        server = start_server(port, workers)
        try:
            for path, method, payload in (("/v1/evaluate", "POST", body), ("/v1/kpis?model=dtc_ecommerce&goal=sales", "GET", None)):
                run_level(port, workers, method, path, payload, 4, 40, 10)  # warm-up
                for clients in levels:
                    level = run_level(port, workers, method, path, payload, clients, args.requests, args.seconds)
                    results.append(level)
                    print(f"{level.endpoint:45} {workers} workers {clients:3} clients: {level.rps:7.1f} req/s  "
                          f"p50 {level.percentile(50):7.1f} ms  p99 {level.percentile(99):7.1f} ms  errors {level.errors}", flush=True)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"warm Advisor.evaluate: median {warm[0]:.2f} ms, p90 {warm[1]:.2f} ms")
    section = render(results, warm, args, (load_before, os.getloadavg()[0]))
    if args.write:
        write_section(section)
        print(f"wrote {RESULTS.relative_to(ROOT)}")
    else:
        print(section)


if __name__ == "__main__":
    main()
