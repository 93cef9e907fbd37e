"""An account in the layout of the public Kaggle Facebook ad-conversion set (one row per ad:
ad_id, xyz_campaign_id, fb_campaign_id, age, gender, interest, Impressions, Clicks, Spent,
Total_Conversion, Approved_Conversion), written to a seed.

Three campaigns of 54, 164 and 400 ads across four age groups, two genders and 21 interests;
CTR about 0.02% (far under any Facebook benchmark) and CPM about USD 0.27, as in the public
set; the 45-49 group takes the most spend and pays about three times the cost per purchase of
30-34 (women 45-49 a quarter more again, men 30-34 a little less); CTR rises with age, so
steering by CTR would move budget the wrong way. Carried over from tools/kaggle_like.py.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

AGES = {"30-34": (0.26, 1.0), "35-39": (0.2, 1.4), "40-44": (0.2, 1.9), "45-49": (0.34, 3.0)}  # spend weight, cost multiple
INTERESTS = [2, 7, 10, 15, 16, 20, 24, 27, 28, 29, 63, 64, 65, 100, 101, 102, 103, 104, 105, 106, 107]
CAMPAIGNS = {916: 54, 936: 164, 1178: 400}


def rows(seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    out = []
    ad = 700000
    for campaign, n_ads in CAMPAIGNS.items():
        for _ in range(n_ads):
            age = rng.choices(list(AGES), weights=[v[0] for v in AGES.values()])[0]
            gender = rng.choice("MF")
            interest = rng.choice(INTERESTS)
            impressions = int(rng.lognormvariate(10.5, 1.2))
            ctr = 0.00018 * (0.7 + 0.15 * list(AGES).index(age)) * rng.uniform(0.6, 1.4)  # CTR rises with age
            clicks = max(0, int(impressions * ctr + rng.random()))
            spent = round(impressions * 0.27 / 1000 * rng.uniform(0.8, 1.2), 2)
            cpa = 37 * AGES[age][1] * (1.25 if (age == "45-49" and gender == "F") else 1.0) * (0.85 if (age == "30-34" and gender == "M") else 1)
            lam = spent / cpa
            draws = int(lam * 3) + 3
            purchases = sum(1 for _ in range(draws) if rng.random() < lam / draws)
            total = purchases + int(rng.random() * 3)
            out.append({"ad_id": ad, "xyz_campaign_id": campaign, "fb_campaign_id": 100000 + ad % 5000, "age": age, "gender": gender,
                        "interest": interest, "Impressions": impressions, "Clicks": clicks, "Spent": spent,
                        "Total_Conversion": total, "Approved_Conversion": purchases})
            ad += 1
    return out


def write(path: Path, seed: int = 7) -> Path:
    data = rows(seed)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(data[0]))
        writer.writeheader()
        writer.writerows(data)
    return path


def by_age(data: list[dict]) -> dict[str, tuple[float, int]]:
    """age -> (spend, purchases), to check the report's numbers by hand."""
    out: dict[str, list] = {}
    for row in data:
        cell = out.setdefault(row["age"], [0.0, 0])
        cell[0] += row["Spent"]
        cell[1] += row["Approved_Conversion"]
    return {age: (round(s, 2), p) for age, (s, p) in sorted(out.items())}
