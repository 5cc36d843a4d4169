"""Bootstrap intervals of the key drivers in ``servq analyze`` (``boot``/``seed``).

The reference is ``servq.drivers`` run on per-respondent dimension perception scores that
this test computes itself with pandas from the raw answers (reverse-keyed items reversed,
"don't know" and blanks missing, a dimension score = the mean of the answered items).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import servq
from servq import analysis
from servq.errors import UsageError
from servq.measures.focus import BOOT_COLUMNS
from servq.stats.bootstrap import poisson_counts

BOOT, SEED = 120, 11


@pytest.fixture(scope="module")
def table():
    return servq.simulate("servqual", 420, seed=5, missing=0.05)


@pytest.fixture(scope="module")
def boot_results(table):
    return analysis.analyze(table, "servqual", quality=False, boot=BOOT, seed=SEED, chunk_size=97)


def _scores(table) -> pd.DataFrame:
    inst = servq.load_instrument("servqual")
    df = table.to_pandas()
    sc = inst.scale
    out = pd.DataFrame(index=df.index)
    for d in inst.dimensions:
        cols = []
        for it in inst.items_of(d.id):
            x = pd.to_numeric(df[f"P{it.id}"], errors="coerce").astype(float)
            if sc.dont_know is not None:
                x = x.mask(x == sc.dont_know)
            cols.append(sc.min + sc.max - x if it.reverse else x)
        out[d.id] = pd.concat(cols, axis=1).mean(axis=1, skipna=True)
    for o in inst.outcomes:
        out[o.id] = pd.to_numeric(df[o.id], errors="coerce").astype(float)
    return out


def test_intervals_equal_servq_drivers_on_independent_scores(table, boot_results):
    block = boot_results.data["drivers"]
    assert (block["boot"], block["seed"], block["confidence"], block["interval"]) == (BOOT, SEED, 0.95, "percentile")
    scores = _scores(table)
    dims = [d.id for d in servq.load_instrument("servqual").dimensions]
    assert len(block["outcomes"]) >= 2
    for o in block["outcomes"]:
        ref = servq.drivers(scores, o["outcome"], dims, n_boot=BOOT, seed=SEED)
        frame = ref.to_frame()
        assert o["n"] == ref.n
        assert o["r2_low"] == pytest.approx(ref.r2_low, abs=1e-9)
        assert o["r2_high"] == pytest.approx(ref.r2_high, abs=1e-9)
        assert o["n_boot_failed"] == ref.n_boot_failed
        for p in o["predictors"]:
            for c in BOOT_COLUMNS:
                for side in ("low", "high"):
                    assert p[f"{c}_{side}"] == pytest.approx(frame.loc[p["id"], f"{c}_{side}"], abs=1e-9)
            # the point estimate lies inside its own percentile interval
            assert p["lmg_pct_low"] <= p["lmg_pct"] <= p["lmg_pct_high"]


def test_chunk_size_and_workers_do_not_change_the_intervals(table, boot_results, monkeypatch):
    from importlib import import_module

    monkeypatch.setattr(import_module("servq.analysis.accumulate"), "WORKERS", 1)  # the module, not its function
    other = analysis.analyze(table, "servqual", quality=False, boot=BOOT, seed=SEED, chunk_size=1000)
    # each row's weights depend on its number, not on the chunks: the same sums, to rounding
    def bounds(res):
        return [(o["r2_low"], o["r2_high"], *(v for p in o["predictors"] for k, v in sorted(p.items())
                                             if k.endswith(("_low", "_high"))))
                for o in res.data["drivers"]["outcomes"]]

    for a, b in zip(bounds(other), bounds(boot_results), strict=True):
        assert a == pytest.approx(b, abs=1e-9)


def test_another_seed_gives_other_intervals(table, boot_results):
    other = analysis.analyze(table, "servqual", quality=False, boot=BOOT, seed=SEED + 1)
    a, b = (r.data["drivers"]["outcomes"][0]["predictors"][0] for r in (boot_results, other))
    assert a["lmg"] == pytest.approx(b["lmg"])
    assert a["lmg_low"] != b["lmg_low"]


def test_progress_counts_the_rows_resampled(table):
    calls: list[tuple[int, int]] = []
    analysis.analyze(table, "servqual", quality=False, boot=40, seed=1, chunk_size=100,
                     progress=lambda d, t: calls.append((d, t)))
    assert calls == [(d, 420) for d in (100, 200, 300, 400, 420)]


def test_without_boot_no_intervals_and_no_rows_kept(table):
    res = analysis.analyze(table, "servqual", quality=False)
    block = res.data["drivers"]
    assert "boot" not in block
    assert not any(k.endswith(("_low", "_high")) for o in block["outcomes"] for p in o["predictors"] for k in p)


def test_negative_boot_is_a_usage_error(table):
    with pytest.raises(UsageError, match="boot"):
        analysis.analyze(table, "servqual", boot=-1)


def test_each_complete_row_is_weighted_by_its_number_in_the_file(table):
    """The replicates' weights are the Poisson counts of the listwise-complete driver rows,
    drawn by their positions in the file, whatever the chunks."""
    inst = servq.load_instrument("servqual")
    scores = _scores(table)
    dims = [d.id for d in inst.dimensions]
    plan = analysis.plan_for(inst, table.column_names, analysis.AnalysisOptions(quality=False, boot=3, seed=4,
                                                                               chunk_size=50))
    sums = analysis.accumulate([table], plan)
    for outcome in (o.id for o in inst.outcomes):
        complete = scores[[outcome, *dims]].notna().all(axis=1).to_numpy()
        counts = poisson_counts(np.flatnonzero(complete), range(3), seed=4).astype(float)
        x = scores[[outcome, *dims]].to_numpy()[complete]
        np.testing.assert_allclose(sums.boot[outcome][:, 0], counts.sum(axis=1))
        np.testing.assert_allclose(sums.boot[outcome][:, 1:1 + x.shape[1]],
                                   counts @ (x - plan.scorer.float_shift[plan.scorer.driver_columns[outcome]]),
                                   rtol=1e-12)


def test_results_with_intervals_follow_the_schema(boot_results):
    import json
    from pathlib import Path

    import jsonschema

    schema = json.loads(Path(analysis.__file__).parent.with_name("report").joinpath("results.schema.json").read_text())
    data = json.loads(json.dumps(boot_results.to_dict() if hasattr(boot_results, "to_dict") else boot_results.data))
    jsonschema.Draft202012Validator(schema).validate(data)
    broken = json.loads(json.dumps(data))
    broken["drivers"]["outcomes"][0]["predictors"][0]["lmg_low"] = "low"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(broken)


def test_report_draws_whiskers_and_interval_columns(boot_results):
    from servq.report.html import render_html

    html = render_html(boot_results.data, "en")
    outcomes = len(boot_results.data["drivers"]["outcomes"])
    dims = len(boot_results.data["dimensions"])
    charts = re.findall(r'<svg class="chart chart-shares".*?</svg>', html, flags=re.S)
    assert len(charts) == outcomes
    for svg in charts:  # one whisker per bar, one in the legend
        assert svg.count('class="whisker"') == dims + 1
    headers = re.findall(r"<th scope=\"col\" class=\"num\">95% interval</th>", html)
    assert len(headers) == 2 * outcomes  # after the relative-weight share and after the LMG share
    assert "95% bootstrap interval" in html
    assert f"from {BOOT} resamples of the respondents (seed {SEED})" in html


def test_share_chart_whisker_spans_the_interval():
    from servq.report import charts

    svg = charts.share_chart([charts.ShareBar("A", 30.0, None, 20.0, 40.0), charts.ShareBar("B", 10.0)],
                             title="t", fmt=str, bar_label="LMG", marker_label="RW", interval_label="95% interval")
    bar = re.search(r'<rect class="bar" data-label="A" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', svg)
    x0, width = float(bar.group(1)), float(bar.group(2))
    whiskers = re.findall(r'<path class="whisker" d="M([\d.]+),[-\d.]+V[-\d.]+M[\d.]+,[-\d.]+H([\d.]+)', svg)
    assert len(whiskers) == 2 and "95% interval" in svg  # row A and the legend; none for B
    low, high = map(float, whiskers[1])
    # on the axis from x0 (0%), 20% and 40% sit at 2/3 and 4/3 of the bar's 30%
    assert low - x0 == pytest.approx(width * 2 / 3, abs=0.2)
    assert high - x0 == pytest.approx(width * 4 / 3, abs=0.2)
