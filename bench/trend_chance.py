"""How often the time rules fire by chance, and how often they see a real change.

Generates synthetic accounts of daily rows with Poisson counts at constant rates (no trend at
all), starting on a random mid-week day so that the first and last weeks or months are part
periods, and counts the accounts on which each trend or sudden-change rule fires: that is its
false-positive rate. Then the same with a planted change (cost per purchase doubling over the
period; orders falling to a third in the last seven days while traffic holds; revenue per order
halving over the period while orders and spend hold): its power.

    python bench/trend_chance.py                # 200 accounts per scenario
    python bench/trend_chance.py --accounts 50 --seed 7

tests/test_trend_chance.py runs a small version with a fixed seed.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections import Counter

import numpy as np
import polars as pl

# The rules that judge a KPI over time (a trend, or a sudden change in the latest period).
TIME_RULES = (
    "rising-cost-per-acquisition", "rising-cost-per-lead", "rising-cost-per-install", "falling-roas",
    "falling-conversion-rate", "falling-conversions", "sudden-drop", "ad-fatigue",
)
PAID = {"facebook": ("fb_a", "fb_b"), "google_ads": ("g_a", "g_b")}
UNPAID = {"email": ("newsletter",)}
# Scopes of one account each rule can judge: paid campaigns (cost rules), the unpaid one
# (falling-conversions), every campaign, or every channel (sudden-drop).
PAID_CAMPAIGNS, CAMPAIGNS, CHANNELS = 4, 5, 3
ELIGIBLE = {
    "rising-cost-per-acquisition": PAID_CAMPAIGNS, "rising-cost-per-lead": PAID_CAMPAIGNS,
    "rising-cost-per-install": PAID_CAMPAIGNS, "falling-roas": PAID_CAMPAIGNS, "falling-conversion-rate": CAMPAIGNS,
    "falling-conversions": 1, "sudden-drop": CHANNELS, "ad-fatigue": CAMPAIGNS,
}


def account(rng: np.random.Generator, *, scenario: str = "none", days: int | None = None) -> pl.DataFrame:
    """One account's daily rows: paid campaigns with spend, an unpaid email channel; rates are
    constant unless the scenario plants a change (``cpa_doubles``, ``sudden_drop``,
    ``order_value_halves``)."""
    start = dt.date(2026, 3, 2) + dt.timedelta(days=int(rng.integers(0, 120)))
    while start.weekday() in (0, 6):  # a mid-week start: the first week is a part-week
        start += dt.timedelta(days=1)
    days = days or int(rng.integers(80, 120))
    dates = [start + dt.timedelta(days=i) for i in range(days)]
    progress = np.linspace(0.0, 1.0, days)
    frames = []
    for channel, campaigns in {**PAID, **UNPAID}.items():
        paid = channel in PAID
        for campaign in campaigns:
            scale = float(rng.uniform(0.5, 2.0))
            purchase_rate = np.full(days, 4.0 * scale)
            if scenario == "cpa_doubles" and paid:
                purchase_rate = purchase_rate / (1.0 + progress)  # same spend, half the orders by the end
            if scenario == "sudden_drop":
                purchase_rate = np.where(np.arange(days) >= days - 7, purchase_rate / 3, purchase_rate)
            # Each order brings 60; with order_value_halves, 60 at the start and 30 at the end.
            order_value = 60.0 / (1.0 + progress) if scenario == "order_value_halves" and paid else 60.0
            impressions = rng.poisson(8000 * scale, days)
            frame = {
                "date": dates,
                "channel": [channel] * days,
                "campaign": [campaign] * days,
                "impressions": impressions,
                "reach": rng.poisson(3000 * scale, days),
                "clicks": rng.poisson(160 * scale, days),
                "sessions": rng.poisson(140 * scale, days),
                "purchases": rng.poisson(purchase_rate),
                "revenue": rng.poisson(purchase_rate) * order_value,
                "leads": rng.poisson(6.0 * scale, days),
                "installs": rng.poisson(12.0 * scale, days),
            }
            if paid:
                frame["spend"] = np.round(rng.normal(150.0 * scale, 5.0 * scale, days), 2)
            frames.append(pl.DataFrame(frame))
    return pl.concat(frames, how="diagonal_relaxed")


def fired(frame: pl.DataFrame, advisor) -> Counter:
    """Rule id -> scopes it fired on, for one account."""
    config = {"client": "synthetic", "business_model": "dtc_ecommerce", "currency": "USD",
              "economics": {"customer_value": 60}}
    report = advisor.evaluate(config, data=frame)
    return Counter(f.rule for f in report.findings if f.rule in TIME_RULES)


def measure(accounts: int, seed: int, scenario: str, days: int | None = None) -> tuple[Counter, Counter]:
    """(accounts each rule fired on, scopes each rule fired on) over ``accounts`` accounts of
    ``days`` days each (80 to 120 where not given)."""
    from kpi_advisor import Advisor

    advisor = Advisor()
    rng = np.random.default_rng(seed)
    by_account, by_scope = Counter(), Counter()
    for _ in range(accounts):
        hits = fired(account(rng, scenario=scenario, days=days), advisor)
        by_scope.update(hits)
        by_account.update(hits.keys())
    return by_account, by_scope


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    for scenario, what in (("none", "false positives (no trend)"), ("cpa_doubles", "power: cost per purchase doubles"),
                           ("sudden_drop", "power: orders to a third in the last 7 days"),
                           ("order_value_halves", "power: revenue per order halves, orders and spend hold")):
        # falling-roas judges months only (100 orders in the first period): 200 days give it six.
        days = 200 if scenario == "order_value_halves" else None
        by_account, by_scope = measure(args.accounts, args.seed, scenario, days)
        print(f"\n{what}: {args.accounts} accounts{f' of {days} days' if days else ''}, seed {args.seed}")
        print(f"{'rule':32} {'accounts':>9} {'rate':>7} {'scopes':>7} {'of':>5} {'rate':>7}")
        for rule in TIME_RULES:
            scopes = args.accounts * ELIGIBLE[rule]
            print(f"{rule:32} {by_account[rule]:>9} {by_account[rule] / args.accounts:>7.1%} {by_scope[rule]:>7} {scopes:>5} "
                  f"{by_scope[rule] / scopes:>7.1%}")


if __name__ == "__main__":
    main()
