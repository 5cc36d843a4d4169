"""Write examples/telecom_enterprise.csv: seeded, simulated answers of 400 enterprise
customers of a telecom operator to the 19 indicators (T1-T19, 1-5 satisfaction, 0 = don't
know) of the built-in index system ``telecom-enterprise``.

Each customer has a general satisfaction level; each criterion adds its own level, shifted
by the customer's industry (the simulated operator's network is weaker for manufacturing
sites, its complaint handling slow for everyone); an answer is that sum plus noise cut
into five categories. 3% of answers are blank and 2% are "don't know" (0). The data are
invented for the documentation's examples; they describe no real operator.

Run: python examples/make_telecom_index_data.py  (the same seed gives the same file)
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

SEED = 4
N = 400
INDUSTRIES = ("government", "finance", "manufacturing", "education", "healthcare")
# criterion of each indicator T1..T19 (as in catalog/telecom-enterprise.yaml)
CRITERIA = ["network"] * 4 + ["solutions"] * 3 + ["marketing_service"] * 4 + ["process"] * 3 \
    + ["complaints"] * 3 + ["advertising"] * 2
LEVEL = {"network": 0.55, "solutions": 0.25, "marketing_service": 0.6, "process": 0.0,
         "complaints": -0.45, "advertising": 0.15}
INDUSTRY_SHIFT = {("manufacturing", "network"): -0.7, ("finance", "solutions"): 0.4,
                  ("government", "process"): 0.3, ("healthcare", "complaints"): -0.3}
CUTS = np.array([-1.6, -0.7, 0.3, 1.3])  # latent -> 1..5


def simulate(seed: int = SEED, n: int = N) -> list[dict]:
    rng = np.random.default_rng(seed)
    industry = rng.choice(INDUSTRIES, size=n, p=[0.25, 0.15, 0.3, 0.15, 0.15])
    general = rng.normal(0.0, 0.6, n)
    criteria = sorted(set(CRITERIA))
    own = {c: rng.normal(0.0, 0.45, n) for c in criteria}
    rows = []
    for i in range(n):
        row = {"customer_id": f"C{i + 1:04d}", "industry": industry[i]}
        for k, crit in enumerate(CRITERIA, start=1):
            latent = (general[i] + LEVEL[crit] + own[crit][i]
                      + INDUSTRY_SHIFT.get((industry[i], crit), 0.0) + rng.normal(0.0, 0.6))
            answer = int(np.searchsorted(CUTS, latent)) + 1
            u = rng.random()
            row[f"T{k}"] = "" if u < 0.03 else (0 if u < 0.05 else answer)
        rows.append(row)
    return rows


def main() -> None:
    out = Path(__file__).with_name("telecom_enterprise.csv")
    rows = simulate()
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {out} ({len(rows)} customers)")


if __name__ == "__main__":
    main()
