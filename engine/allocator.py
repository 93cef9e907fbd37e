"""polars' allocator, set up by the command line before polars is loaded.

polars allocates through jemalloc (its Linux builds, where this was measured), which keeps what a
thread frees in that thread's arena for its next allocations, and by default makes four arenas a
core. Reading and checking 10M rows frees ~0.6 GiB that the group-bys after it, on other threads,
do not reuse: they take new memory beside it, and that sets the peak. With one arena they reuse
it. Measured (bench/, farm-bench pairs): agency 10M rows, four rules, 1,856-1,889 MiB instead of
1,992-2,009 and 0.95x the time (3 pairs); 1M rows of few long campaigns 388 MiB instead of 430 and
0.97x the time (10 pairs). Giving freed memory back at once (``dirty_decay_ms:0``) lowers the peak
as much but costs a quarter more time at 1M rows (docs/scaling.md). polars puts its own options
(``dirty_decay_ms:500,muzzy_decay_ms:1000``) before the variable's as it loads.
"""

from __future__ import annotations

import os
import sys

# The variable polars' jemalloc reads its options from, once, as polars is loaded.
JEMALLOC_OPTIONS = "_RJEM_MALLOC_CONF"
ONE_ARENA = "narenas:1"


def one_arena() -> None:
    """Ask polars' jemalloc for one arena, unless the variable is set already (a user's own
    options win, even empty). Does nothing once polars is loaded: it would no longer be read."""
    if "polars" not in sys.modules:
        os.environ.setdefault(JEMALLOC_OPTIONS, ONE_ARENA)
