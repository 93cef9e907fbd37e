"""Realistic daily ad-level exports for the benchmark, written under bench/data/.

An agency's data: accounts x channels x campaigns x ads x days. Sizes are skewed
the way real books of business are (a few large accounts, many small ones; a few
campaigns carry most ads), ads start and stop inside the period, about one row in
twelve is a paused ad with all counts zero, and the funnel is consistent on every
row (bounces <= sessions <= clicks <= impressions, purchases <= checkouts <=
add_to_cart). Two columns that no rule reads (``objective``, ``ad_id``) ride along,
as they do in real exports, so that reading only the needed columns matters.

Usage: python bench/generate.py [--rows 100k,1m,10m] [--formats csv,parquet] [--force]

Every file is written with a client config beside it (``config_1m_parquet.yaml``)
that ``kpi-advisor run`` takes as it is. The same seed gives the same files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

DATA_DIR = Path(__file__).resolve().parent / "data"
SIZES = {"100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
START = dt.date(2026, 4, 1)
DAYS = 183  # two quarters, so that trend rules have months to compare

# channel -> (share of accounts using it, CTR range, CPM range in EUR, bounce range)
CHANNELS = {
    "facebook": (0.9, (0.004, 0.02), (6.0, 14.0), (0.35, 0.85)),
    "instagram": (0.75, (0.003, 0.015), (5.0, 12.0), (0.3, 0.75)),
    "google_ads": (0.8, (0.02, 0.09), (15.0, 45.0), (0.2, 0.6)),
    "linkedin": (0.3, (0.003, 0.008), (25.0, 60.0), (0.3, 0.7)),
    "tiktok": (0.35, (0.005, 0.02), (3.0, 9.0), (0.4, 0.9)),
}
OBJECTIVES = np.array(["conversions", "traffic", "reach", "leads"])


def _ads(rng: np.random.Generator, rows: int) -> dict[str, np.ndarray]:
    """The ads of enough accounts to fill ``rows`` ad-days, with per-ad rates."""
    cols: dict[str, list] = {k: [] for k in ("account", "channel", "campaign", "ad", "start", "days", "scale", "ctr", "cpm", "bounce", "arrive", "cart", "lead")}
    total = 0
    account = 0
    names = list(CHANNELS)
    while total < rows:
        account += 1
        size = rng.pareto(1.3) + 1.0  # a few accounts much larger than the rest
        for channel in names:
            share, ctr_range, cpm_range, bounce_range = CHANNELS[channel]
            if rng.random() > share:
                continue
            campaigns = 1 + min(int(rng.geometric(0.35) * size ** 0.5), 40)
            for campaign in range(1, campaigns + 1):
                ads = 1 + min(int(rng.geometric(0.45)), 11)
                bounce = rng.uniform(*bounce_range)  # the landing page is the campaign's
                for ad in range(1, ads + 1):
                    start = int(rng.integers(0, DAYS - 7)) if rng.random() < 0.6 else 0
                    days = int(min(DAYS - start, max(7, rng.normal(120, 50))))
                    cols["account"].append(account)
                    cols["channel"].append(channel)
                    cols["campaign"].append(campaign)
                    cols["ad"].append(ad)
                    cols["start"].append(start)
                    cols["days"].append(days)
                    cols["scale"].append(size * rng.lognormal(7.0, 1.0))
                    cols["ctr"].append(rng.uniform(*ctr_range))
                    cols["cpm"].append(rng.uniform(*cpm_range))
                    cols["bounce"].append(min(0.97, max(0.05, bounce + rng.normal(0, 0.05))))
                    cols["arrive"].append(rng.uniform(0.7, 0.97))
                    cols["cart"].append(rng.uniform(0.02, 0.15))
                    cols["lead"].append(rng.uniform(0.0, 0.05))
                    total += days
                    if total >= rows:
                        cols["days"][-1] -= total - rows
                        return {k: np.asarray(v) for k, v in cols.items()}
    raise AssertionError("unreachable")


# The agency shape: per 1M rows, 1,000 accounts x 5 channels x 20 campaigns x 10 days (one ad
# per campaign), the many-scopes, few-days export most agencies hand over.
AGENCY = {"channels": 5, "campaigns": 20, "days": 10}


def _agency_ads(rng: np.random.Generator, rows: int) -> dict[str, np.ndarray]:
    """One ad per campaign, every campaign of every channel of every account 10 days long."""
    per_account = AGENCY["channels"] * AGENCY["campaigns"] * AGENCY["days"]
    accounts = -(-rows // per_account)
    n = accounts * AGENCY["channels"] * AGENCY["campaigns"]
    names = np.array(list(CHANNELS))
    channel_index = np.tile(np.repeat(np.arange(AGENCY["channels"]), AGENCY["campaigns"]), accounts)
    ranges = [CHANNELS[c] for c in names]

    def by_channel(part: int) -> np.ndarray:
        low = np.array([r[part][0] for r in ranges])[channel_index]
        high = np.array([r[part][1] for r in ranges])[channel_index]
        return rng.uniform(low, high)

    size = np.repeat(rng.pareto(1.3, accounts) + 1.0, AGENCY["channels"] * AGENCY["campaigns"])
    days = np.full(n, AGENCY["days"])
    days[-1] -= n * AGENCY["days"] - rows  # the last campaign fills up to rows exactly
    keep = days > 0
    ads = {
        "account": np.repeat(np.arange(1, accounts + 1), AGENCY["channels"] * AGENCY["campaigns"]),
        "channel": names[channel_index],
        "campaign": np.tile(np.arange(1, AGENCY["campaigns"] + 1), accounts * AGENCY["channels"]),
        "ad": np.ones(n, dtype=np.int64),
        "start": rng.integers(0, DAYS - AGENCY["days"], n),
        "days": days,
        "scale": size * rng.lognormal(7.0, 1.0, n),
        "ctr": by_channel(1),
        "cpm": by_channel(2),
        "bounce": np.clip(by_channel(3) + rng.normal(0, 0.05, n), 0.05, 0.97),
        "arrive": rng.uniform(0.7, 0.97, n),
        "cart": rng.uniform(0.02, 0.15, n),
        "lead": rng.uniform(0.0, 0.05, n),
    }
    return {k: v[keep] for k, v in ads.items()}


SHAPES = {"campaigns": _ads, "agency": _agency_ads}


def generate(rows: int, seed: int = 20260401, shape: str = "campaigns") -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    ads = SHAPES[shape](rng, rows)
    n_ads = len(ads["days"])
    owner = np.repeat(np.arange(n_ads), ads["days"])  # ad index of each row
    offsets = np.arange(rows) - np.repeat(np.cumsum(ads["days"]) - ads["days"], ads["days"])
    day = ads["start"][owner] + offsets
    weekday = (day + START.weekday()) % 7
    seasonal = np.where(weekday >= 5, 0.8, 1.0) * (1.0 + 0.15 * np.sin(day / 29.0))
    paused = rng.random(rows) < 0.08

    impressions = np.where(paused, 0, rng.poisson(ads["scale"][owner] * seasonal * rng.gamma(8.0, 1 / 8.0, rows)))
    binom = rng.binomial
    reach = np.floor(impressions / rng.uniform(1.1, 2.5, rows)).astype(np.int64)
    clicks = binom(impressions, ads["ctr"][owner])
    sessions = binom(clicks, ads["arrive"][owner])
    bounces = binom(sessions, ads["bounce"][owner])
    stayed = sessions - bounces
    pageviews = sessions + rng.poisson(stayed * 2.5)
    add_to_cart = binom(stayed, ads["cart"][owner])
    checkouts = binom(add_to_cart, 0.55)
    purchases = binom(checkouts, 0.7)
    revenue = np.round(purchases * rng.lognormal(4.2, 0.4, rows), 2)
    leads = binom(stayed, ads["lead"][owner])
    spend = np.round(impressions * ads["cpm"][owner] / 1000.0, 2)
    likes = binom(impressions, 0.004)
    comments = binom(likes, 0.08)
    shares = binom(likes, 0.05)
    video_views = binom(impressions, 0.12)

    frame = pl.DataFrame(
        {
            "date": np.datetime64(START, "D") + day,
            "account": ads["account"][owner],
            "channel": ads["channel"][owner],
            "campaign": ads["campaign"][owner],
            "ad": ads["ad"][owner],
            "ad_id": (owner + 10_000_000).astype(np.int64),
            "objective": OBJECTIVES[owner % len(OBJECTIVES)],
            "impressions": impressions,
            "reach": reach,
            "clicks": clicks,
            "spend": spend,
            "sessions": sessions,
            "bounces": bounces,
            "pageviews": pageviews,
            "add_to_cart": add_to_cart,
            "checkouts": checkouts,
            "purchases": purchases,
            "revenue": revenue,
            "leads": leads,
            "likes": likes,
            "comments": comments,
            "shares": shares,
            "video_views": video_views,
        }
    )
    # Names as exports carry them; campaign names are unique per account, as ad platforms make them.
    return frame.with_columns(
        pl.col("date").cast(pl.Date),
        pl.format("acct-{}", pl.col("account").cast(pl.String).str.zfill(5)).alias("account"),
        pl.format("a{}-{}-c{}", "account", "channel", "campaign").alias("campaign"),
        pl.format("ad-{}", pl.col("ad").cast(pl.String).str.zfill(2)).alias("ad"),
    )

CONFIG = """\
# Generated by bench/generate.py: {rows:,} daily ad rows from {accounts:,} accounts.
client: Bench Agency
business_model: dtc_ecommerce
currency: EUR
period: {{start: {start}, end: {end}}}
economics:
  customer_value: 80
data:
  - {kind}: {file}
    format: generic
benchmarks:                 # the shipped figures are in USD; these let the cost rules run on EUR data too
  cpc: {{all: 1.2}}
  cost_per_lead: {{all: 25}}
"""


def four_rules() -> str:
    """A ``rules:`` section that keeps only the four rules bench/baseline.py writes by hand."""
    from baseline import RULES
    from kpi_advisor.loading.catalog import get_catalog

    keep = {rule["id"] for rule in RULES}
    others = sorted(rule_id for rule_id in get_catalog().rules if rule_id not in keep)
    # The thresholds the baselines write as constants: one CTR and one cart-abandonment figure
    # for every platform, and chance tests that only ask the rate to lie beyond its bound.
    return ("  ctr: {all: 0.009}\n  cart_abandonment_rate: {all: 0.7}\n"
            "rules:\n  disable: [" + ", ".join(others) + "]\n"
            "  params:\n    landing-page-leak: {confidence: 0.000001}\n    creative-not-resonating: {confidence: 0.000001}\n")


def stem(label: str, shape: str = "campaigns") -> str:
    """File names: ``ads_1m.parquet`` for the campaigns shape, ``agency_1m.parquet`` for the agency shape."""
    return f"ads_{label}" if shape == "campaigns" else f"{shape}_{label}"


def write(label: str, formats: list[str], force: bool, shape: str = "campaigns") -> None:
    rows = SIZES[label]
    name = stem(label, shape)
    wanted = [f for f in formats if force or not (DATA_DIR / f"{name}.{f}").exists()]
    if wanted:
        started = time.perf_counter()
        frame = generate(rows, shape=shape)
        for fmt in wanted:
            path = DATA_DIR / f"{name}.{fmt}"
            if fmt == "csv":
                frame.write_csv(path)
            else:
                frame.write_parquet(path, row_group_size=256 * 1024)
            print(f"wrote {path.name}: {rows:,} rows, {path.stat().st_size / 2**20:,.0f} MiB ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
        accounts = frame.get_column("account").n_unique()
    else:
        accounts = pl.scan_parquet(DATA_DIR / f"{name}.parquet").select(pl.col("account").n_unique()).collect().item() if (DATA_DIR / f"{name}.parquet").exists() else 0
    end = START + dt.timedelta(days=DAYS - 1)
    for fmt in formats:
        text = CONFIG.format(rows=rows, accounts=accounts, start=START, end=end, kind=fmt, file=f"{name}.{fmt}")
        (DATA_DIR / f"config_{name}_{fmt}.yaml").write_text(text)
        # The same data with only the four rules the baselines hand-write: the like-for-like ratio.
        (DATA_DIR / f"config4_{name}_{fmt}.yaml").write_text(text + four_rules())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="100k,1m,10m", help="sizes: 100k, 1m, 10m (comma-separated)")
    parser.add_argument("--formats", default="csv,parquet")
    parser.add_argument("--shapes", default="campaigns,agency", help="campaigns (few long campaigns), agency (many short ones)")
    parser.add_argument("--force", action="store_true", help="rewrite files that exist")
    args = parser.parse_args(argv)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    for shape in args.shapes.split(","):
        for label in args.rows.split(","):
            write(label.strip().lower(), [f.strip() for f in args.formats.split(",")], args.force, shape.strip())


if __name__ == "__main__":
    main()
