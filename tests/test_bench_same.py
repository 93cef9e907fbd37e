"""bench/check_same.py, which bench/run.py runs to hold the like-for-like ratio honest: on a small
agency file, the engine running the four rules fires on exactly the scopes the polars script does."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import by_polars  # noqa: E402
import check_same  # noqa: E402
import generate  # noqa: E402


def test_the_engine_and_the_polars_script_fire_on_the_same_scopes(tmp_path):
    frame = generate.generate(20_000, shape="agency")
    data = tmp_path / "agency.parquet"
    frame.write_parquet(data)
    end = generate.START + dt.timedelta(days=generate.DAYS - 1)
    config = tmp_path / "config4.yaml"
    config.write_text(generate.CONFIG.format(rows=frame.height, accounts=frame.get_column("account").n_unique(), start=generate.START,
                                             end=end, kind="parquet", file=data.name) + generate.four_rules())
    out = tmp_path / "polars.json"
    by_polars.main(str(data), str(out))
    fired = json.loads(out.read_text())["findings"]
    levels = {rule["id"]: check_same.LEVELS[rule["level"]] for rule in check_same.RULES}
    theirs = {(rule, *(row.get(d) for d in levels[rule])) for rule, rows in fired.items() for row in rows}
    assert theirs and check_same.engine_scopes(str(config)) == theirs
