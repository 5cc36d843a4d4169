"""The pingouin competitor of servq's instrument-quality section for SERVPERF perceptions.

pingouin has no confirmatory factor analysis, so this process does two of servq's three
jobs — reliability and HTMT — and writes them with servq's JSON keys (``cfa`` is null)::

    python bench/pingouin_reference.py DATA.parquet --out out.json

- Data: P1..P22 read with ``pandas.read_parquet``; blank and the don't-know code 0 are
  missing (NaN).
- Reliability: ``pingouin.cronbach_alpha`` per dimension with its default
  ``nan_policy="pairwise"``: the covariance matrix from ``DataFrame.cov`` (pairwise-complete)
  and alpha = k/(k-1) * (1 - tr C / sum C), which is ``psych::alpha``'s default
  (``use = "pairwise"``) and servq's. Its ``"listwise"`` policy first drops the rows with a
  missing answer among the dimension's items (``psych::alpha(use = "complete.obs")``).
- HTMT: from the listwise-complete correlation matrix (pandas), as ``semTools::htmt`` and
  ``bench/semopy_reference.py`` (whose helpers this script imports; it does not import
  semopy).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # run as a script bench/ is on the path already; not when imported
    sys.path.insert(0, str(HERE))

import pingouin  # noqa: E402
from semopy_reference import DIMENSIONS, htmt, number, read_answers, write_json  # noqa: E402

NAN_POLICY = "pairwise"  # pingouin's default, psych::alpha's default


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="Parquet file with columns P1..P22")
    parser.add_argument("--out", type=Path, required=True, help="write the results JSON here")
    parser.add_argument("--nan-policy", choices=("pairwise", "listwise"), default=NAN_POLICY,
                        help="pingouin.cronbach_alpha's handling of missing answers")
    args = parser.parse_args(argv)

    answers = read_answers(args.data)
    reliability = []
    for dim, items in DIMENSIONS.items():
        alpha, ci = pingouin.cronbach_alpha(data=answers[items], nan_policy=args.nan_policy)
        reliability.append({"id": dim, "raw_alpha": number(alpha),
                            "ci": [number(ci[0]), number(ci[1])]})
    complete = answers.dropna()
    results = {
        "n_respondents": len(answers),
        "reliability": {"use": args.nan_policy, "method": "pingouin.cronbach_alpha",
                        "dimensions": reliability},
        "cfa": None,
        "validity": {"use": "listwise", "n": len(complete), "htmt": htmt(complete.corr())},
    }
    write_json(results, args.out)
    alphas = ", ".join(f"{r['id']} {r['raw_alpha']}" for r in reliability)
    print(f"pingouin alpha ({args.nan_policy}) on {len(answers):,} respondents: {alphas}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
