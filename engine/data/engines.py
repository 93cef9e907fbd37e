"""Which of polars' engines runs a query, by the rows it reads.

The streaming engine groups several times faster than the in-memory one on 2 cores once the
rows are many, but starts each query ~0.2 ms later. A group-by of 17 counts on 3 dimensions:
1,000 rows 0.33 ms in memory against 0.58 streaming, 10,000 rows 0.65 against 0.82, 50,000 rows
2.9 against 2.5, 1M rows 85 against 32. A small config's evaluation runs a few dozen such
queries (a service's warm path). Every example's report is the same from either engine
(tests/test_engines.py).
"""

from __future__ import annotations

from typing import Literal

# Up to this many rows a group-by runs in memory.
IN_MEMORY_ROWS = 20_000


def engine_for(rows: int, in_memory_up_to: int | None = None) -> Literal["in-memory", "streaming"]:
    """The engine for a query over ``rows`` rows: in memory up to ``in_memory_up_to`` rows
    (``IN_MEMORY_ROWS``, a group-by's crossover, where not given; a query of reductions alone
    stays faster in memory for longer, data/plausibility.py)."""
    limit = IN_MEMORY_ROWS if in_memory_up_to is None else in_memory_up_to
    return "in-memory" if rows <= limit else "streaming"
