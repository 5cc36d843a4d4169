"""bench/semopy_reference.py and bench/pingouin_reference.py against formulas computed here.

The data: 200 respondents drawn from a seeded five-factor model (SERVPERF's dimensions:
items P1-P4, P5-P9, P10-P13, P14-P17, P18-P22; loadings .6-.85, factor correlations .4),
rounded to a 1-7 scale. Respondents 0-19 leave one answer blank and respondents 20-39
answer one item "don't know" (code 0), so exactly 160 respondents answered everything.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

pytest.importorskip("semopy")
pytest.importorskip("pingouin")

BENCH = Path(__file__).resolve().parents[2] / "bench"
DIMS = {
    "tangibles": range(1, 5),
    "reliability": range(5, 10),
    "responsiveness": range(10, 14),
    "assurance": range(14, 18),
    "empathy": range(18, 23),
}
N, N_COMPLETE, N_ITEMS = 200, 160, 22


def load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def simulate() -> np.ndarray:
    """(N x 22) answers 1-7 from a five-factor model, NaN where blank, 0 where don't know."""
    rng = np.random.default_rng(20240611)
    phi = np.full((5, 5), 0.4) + 0.6 * np.eye(5)
    factors = rng.standard_normal((N, 5)) @ np.linalg.cholesky(phi).T
    which = np.concatenate([np.full(len(items), d) for d, items in enumerate(DIMS.values())])
    loading = rng.uniform(0.6, 0.85, N_ITEMS)
    noise = rng.standard_normal((N, N_ITEMS)) * np.sqrt(1 - loading**2)
    latent = factors[:, which] * loading + noise
    x = np.clip(np.round(4.5 + 1.3 * latent), 1, 7)
    for row in range(20):
        x[row, row % N_ITEMS] = np.nan
    for row in range(20, 40):
        x[row, (7 * row) % N_ITEMS] = 0
    return x


@pytest.fixture(scope="module")
def answers() -> np.ndarray:
    return simulate()


@pytest.fixture(scope="module")
def runs(answers, tmp_path_factory) -> dict:
    """Each script run once on the data: semopy, pingouin (pairwise) and pingouin listwise."""
    tmp = tmp_path_factory.mktemp("quality")
    data = tmp / "answers.parquet"
    cells = np.where(np.isnan(answers), None, answers)  # None: a blank (null) cell
    table = {f"P{i + 1}": pa.array(cells[:, i].tolist(), pa.int8()) for i in range(N_ITEMS)}
    table["branch"] = pa.array(["north", "south"] * (N // 2))
    table["channel"] = pa.array(["branch", "online", "phone", "online"] * (N // 4))
    pq.write_table(pa.table(table), data)
    out = {}
    for key, script, extra in (("semopy", "semopy_reference", []),
                               ("pingouin", "pingouin_reference", []),
                               ("listwise", "pingouin_reference", ["--nan-policy", "listwise"])):
        path = tmp / f"{key}.json"
        assert load_script(script).main([str(data), "--out", str(path), *extra]) == 0
        out[key] = json.loads(path.read_text(encoding="utf-8"))
    return out


def missing(answers: np.ndarray) -> np.ndarray:
    """Answers with the don't-know code 0 as NaN."""
    return np.where(answers == 0, np.nan, answers)


def complete_rows(answers: np.ndarray) -> np.ndarray:
    x = missing(answers)
    return x[~np.isnan(x).any(axis=1)]


def columns(dim: str) -> list[int]:
    return [i - 1 for i in DIMS[dim]]


def alpha_total(x: np.ndarray) -> float:
    """k/(k-1) * (1 - sum of item variances / variance of the total), complete rows."""
    k = x.shape[1]
    return k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))


def alpha_pairwise(x: np.ndarray) -> float:
    """k/(k-1) * (1 - tr C / sum C), C from each pair's complete rows (psych's default)."""
    k = x.shape[1]
    c = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            both = ~np.isnan(x[:, i]) & ~np.isnan(x[:, j])
            a, b = x[both, i], x[both, j]
            c[i, j] = ((a - a.mean()) * (b - b.mean())).sum() / (both.sum() - 1)
    return k / (k - 1) * (1 - np.trace(c) / c.sum())


def alphas(result: dict) -> dict:
    return {d["id"]: d["raw_alpha"] for d in result["reliability"]["dimensions"]}


def test_blank_and_dont_know_are_missing(runs, answers):
    assert len(complete_rows(answers)) == N_COMPLETE
    assert runs["semopy"]["n_respondents"] == runs["pingouin"]["n_respondents"] == N
    assert runs["semopy"]["cfa"]["n"] == N_COMPLETE
    assert runs["semopy"]["validity"]["n"] == runs["pingouin"]["validity"]["n"] == N_COMPLETE


def test_listwise_alpha_is_the_total_score_formula(runs, answers):
    assert runs["listwise"]["reliability"]["use"] == "listwise"
    for dim, value in alphas(runs["listwise"]).items():
        x = missing(answers)[:, columns(dim)]
        x = x[~np.isnan(x).any(axis=1)]  # complete on this dimension's items, as psych
        assert len(x) < N
        assert value == pytest.approx(alpha_total(x), abs=1e-10)


def test_pairwise_alpha_both_scripts(runs, answers):
    x = missing(answers)
    for key in ("pingouin", "semopy"):
        assert runs[key]["reliability"]["use"] == "pairwise"
    for dim in DIMS:
        expected = alpha_pairwise(x[:, columns(dim)])
        assert alphas(runs["pingouin"])[dim] == pytest.approx(expected, abs=1e-10)
        assert alphas(runs["semopy"])[dim] == pytest.approx(expected, abs=1e-10)
        # the incomplete rows matter: pairwise is not the listwise value
        assert alphas(runs["listwise"])[dim] != pytest.approx(expected, abs=1e-8)


def test_cfa_fit(runs):
    cfa = runs["semopy"]["cfa"]
    moments = N_ITEMS * (N_ITEMS + 1) // 2  # 253 variances and covariances
    n_factors = len(DIMS)
    free = ((N_ITEMS - n_factors)  # loadings, the first of each factor fixed to 1
            + N_ITEMS  # residual variances
            + n_factors  # factor variances
            + n_factors * (n_factors - 1) // 2)  # factor covariances
    assert moments - free == 199
    fit = cfa["fit"]
    assert cfa["converged"]
    assert fit["df"] == moments - free
    assert fit["baseline.df"] == moments - N_ITEMS
    assert math.isfinite(fit["chisq"]) and fit["chisq"] > 0
    assert 0 < fit["pvalue"] <= 1
    assert fit["cfi"] > 0.9  # the data come from this model
    assert fit["rmsea"] == pytest.approx(
        math.sqrt(max(fit["chisq"] / fit["df"] - 1, 0) / (N_COMPLETE - 1)), abs=1e-12)
    assert cfa["fit_s"] > 0


def test_htmt(runs, answers):
    r = np.abs(np.corrcoef(complete_rows(answers), rowvar=False))
    dims = list(DIMS)
    for a in dims:
        ia = columns(a)
        within_a = r[np.ix_(ia, ia)][~np.eye(len(ia), dtype=bool)].mean()
        for b in dims:
            ib = columns(b)
            within_b = r[np.ix_(ib, ib)][~np.eye(len(ib), dtype=bool)].mean()
            expected = 1.0 if a == b else r[np.ix_(ia, ib)].mean() / math.sqrt(within_a * within_b)
            assert runs["semopy"]["validity"]["htmt"][a][b] == pytest.approx(expected, abs=1e-12)
            assert runs["pingouin"]["validity"]["htmt"][a][b] == pytest.approx(expected, abs=1e-12)
