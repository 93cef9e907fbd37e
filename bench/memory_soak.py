"""Memory of a long-lived Advisor over many evaluations of distinct configs (issue 18).

    python bench/memory_soak.py [N]      # default 10,000

Every config is new (client, scopes, a custom metric formula of its own), so every cache the
engine keeps (parsed formulas, compiled rule plans, localised rules, plugin catalogs) sees a
new key each time; bounded caches keep the resident memory flat once they are full. Prints the
resident set size every tenth of the run and exits 1 if it grows by more than 25 MiB between
the first fifth and the end. tests/test_memory_soak.py runs a short version.
"""

from __future__ import annotations

import sys
import time


def config(i: int) -> dict:
    return {
        "client": f"Client {i}",
        "business_model": "dtc_ecommerce",
        "data": [{"records": [
            {"channel": f"channel{i % 7}", "campaign": f"campaign {i}", "impressions": 1000 + i, "clicks": 20 + i % 5,
             "sessions": 18, "bounces": 9 + i % 3},
        ]}],
        "metrics": [{"id": f"custom_{i % 3}", "formula": f"clicks / impressions * {i + 1}", "stage": "interest"}],
    }


def rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4096 / 2**20


def soak(n: int, report=print) -> tuple[float, float]:
    """Evaluate ``n`` distinct configs; (RSS after the first fifth, RSS at the end) in MiB."""
    from kpi_advisor import Advisor

    advisor = Advisor(allow_files=False)
    early = 0.0
    started = time.perf_counter()
    for i in range(n):
        advisor.evaluate(config(i))
        if i + 1 == max(n // 5, 1):
            early = rss_mib()
        if (i + 1) % max(n // 10, 1) == 0:
            report(f"{i + 1:>7} evaluations  {rss_mib():8.1f} MiB  {time.perf_counter() - started:7.1f} s")
    return early, rss_mib()


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    early, end = soak(n)
    print(f"resident memory after {max(n // 5, 1)}: {early:.1f} MiB; after {n}: {end:.1f} MiB; growth {end - early:+.1f} MiB")
    return 0 if end - early <= 25 else 1


if __name__ == "__main__":
    sys.exit(main())
