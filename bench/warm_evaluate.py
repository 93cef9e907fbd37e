"""A warm ``Advisor.evaluate()``: plugins, catalogue and compiled rules already loaded, as in a
service that evaluates one small config per request. Prints JSON timings (median of --runs
warm calls after --warmup calls).

    python bench/warm_evaluate.py [--runs 200] [--config examples/acme_outdoor.yaml]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from kpi_advisor import Advisor
from kpi_advisor.loading.prepare import load_config

CONFIG = Path(__file__).resolve().parent.parent / "examples" / "acme_outdoor.yaml"


def measure(config: Path = CONFIG, runs: int = 200, warmup: int = 20) -> dict:
    advisor = Advisor()
    loaded = load_config(config)
    for _ in range(warmup):
        advisor.evaluate(loaded)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        advisor.evaluate(loaded)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"warm_min_ms": round(times[0], 2), "warm_median_ms": round(statistics.median(times), 2),
            "warm_p90_ms": round(times[int(len(times) * 0.9)], 2), "runs": runs, "config": str(config.name)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--config", type=Path, default=CONFIG)
    args = parser.parse_args()
    print(json.dumps(measure(args.config, args.runs, args.warmup)))


if __name__ == "__main__":
    main()
