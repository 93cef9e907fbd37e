"""A warm evaluate(): plugins, catalogue and compiled rules already loaded, as in a
service that evaluates one small config per request. Prints JSON timings."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import kpi_advisor
from kpi_advisor.loading.prepare import load_config

CONFIG = Path(__file__).resolve().parent.parent / "examples" / "acme_outdoor.yaml"


def main() -> None:
    config = load_config(CONFIG)
    for _ in range(5):
        kpi_advisor.evaluate(config)
    times = []
    for _ in range(50):
        started = time.perf_counter()
        kpi_advisor.evaluate(config)
        times.append((time.perf_counter() - started) * 1000)
    print(json.dumps({"warm_ms": min(times), "warm_median_ms": statistics.median(times), "config": "examples/acme_outdoor.yaml, 6 rows"}))


if __name__ == "__main__":
    main()
