"""servq.analyze against values computed by hand on tests/data/mini.csv.

mini.yaml: scale 1-5, don't know = 9, item 2 reverse-keyed (x -> 6 - x), dimensions
a = items 1, 2 and b = item 3. After reverse keying and dropping don't-know / blanks:

    resp  branch  E1 E2 E3   P1 P2 P3   gaps (1, 2, 3)     W_a W_b  sat rec
    r1    X       5  5  4    4  4  3    -1  -1  -1          60  40   4   9
    r2    X       4  4  5    4  .  2     0   .  -3          50  50   3   7
    r3    Y       5  .  3    2  3  3    -3   .   0          (none)   2   3
    r4    Y       .  .  4    3  5  5     .   .   1         100   0   5  10
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import servq
from servq.errors import UsageError

DATA = Path(__file__).parents[1] / "data"
MINI = DATA / "mini.yaml"
T975 = {1: 12.706204736, 2: 4.302652730, 3: 3.182446305}  # t quantiles from printed tables


@pytest.fixture(scope="module")
def mini():
    return servq.analyze(DATA / "mini.csv", MINI, by="branch", min_n=1)


def approx(x):
    return pytest.approx(x, abs=1e-12)


def test_item_scores(mini):
    it1, it2, it3 = mini.items
    assert it1["expectation"]["mean"] == approx(14 / 3) and it1["expectation"]["n"] == 3
    assert it1["perception"]["mean"] == approx(13 / 4)
    assert it1["gap"]["mean"] == approx(-4 / 3)
    # reverse keyed: raw E2 = 1, 2 -> 5, 4; the don't-know 9 is missing
    assert it2["expectation"]["mean"] == approx(4.5) and it2["expectation"]["n"] == 2
    assert it2["gap"] == {"mean": -1.0, "sd": None, "n": 1, "ci_low": None, "ci_high": None}
    assert it3["gap"]["mean"] == approx(-0.75)
    assert [it["n"] for it in mini.items] == [4, 4, 4]


def test_dimension_gap_is_mean_of_item_gaps_not_difference_of_means(mini):
    a = mini.dimension("a")
    assert a["expectation"]["mean"] == approx((5 + 4 + 5) / 3)
    assert a["perception"]["mean"] == approx((4 + 4 + 2.5 + 4) / 4)
    assert a["gap"]["mean"] == approx((-1 + 0 - 3) / 3)
    assert a["gap"]["n"] == 3
    # P_a - E_a would be -29/24: the definition must not be used
    assert a["perception"]["mean"] - a["expectation"]["mean"] != approx(a["gap"]["mean"])


def test_t_interval_and_sd(mini):
    gap_b = mini.dimension("b")["gap"]  # -1, -3, 0, 1
    sd = np.sqrt(8.75 / 3)
    assert gap_b["sd"] == approx(sd)
    half = T975[3] * sd / 2
    assert gap_b["ci_low"] == pytest.approx(-0.75 - half, abs=1e-8)
    assert gap_b["ci_high"] == pytest.approx(-0.75 + half, abs=1e-8)


def test_servqual_unweighted_and_weighted(mini):
    sq = mini.servqual
    # unweighted: r1 (-1-1)/2, r2 (0-3)/2, r3 (-3+0)/2; r4 lacks a gap for a
    assert sq["unweighted"]["mean"] == approx(-4 / 3) and sq["unweighted"]["n"] == 3
    assert sq["unweighted"]["sd"] == approx(np.std([-1, -1.5, -1.5], ddof=1))
    # weighted: r1 .6*-1 + .4*-1, r2 .5*0 + .5*-3; r3 has no allocation
    assert sq["weighted"]["mean"] == approx(-1.25) and sq["weighted"]["n"] == 2


def test_importance_blank_next_to_full_allocation_is_zero(mini):
    assert mini.dimension("a")["importance"]["mean"] == approx(70)
    assert mini.dimension("b")["importance"]["mean"] == approx(30)


def test_outcomes_and_nps(mini):
    sat, rec = mini.data["outcomes"]
    assert sat["score"]["mean"] == approx(3.5)
    nps = rec["nps"]
    assert nps["nps"] == approx(25.0)
    assert nps["promoters"]["share"] == approx(0.5)
    assert nps["passives"]["share"] == approx(0.25)
    assert nps["detractors"]["share"] == approx(0.25)
    # top two boxes of 1-5 are 4 and 5: answers 4, 3, 2, 5 -> 2 of 4; Wilson 95% interval by
    # hand: centre (0.5 + z²/8) / (1 + z²/4) = 0.5, half-width z·sqrt(1/16 + z²/64) / (1 + z²/4)
    top = sat["top_box"]
    assert (top["threshold"], top["n"], top["share"]) == (4, 4, approx(0.5))
    assert (top["ci_low"], top["ci_high"]) == (pytest.approx(0.150039, abs=1e-6), pytest.approx(0.849961, abs=1e-6))


def test_missing_counted(mini):
    assert mini.data["missing"] == {"cells": 24, "blank": 3, "dont_know": 1}


def test_segments(mini):
    x, y = mini.segments["branch"]["X"], mini.segments["branch"]["Y"]
    assert x["n"] == 2 and not x["suppressed"]
    assert x["dimensions"][0]["gap"]["mean"] == approx(-0.5)
    assert x["servqual"]["unweighted"]["mean"] == approx(-1.25)
    assert y["servqual"]["unweighted"]["mean"] == approx(-1.5)
    assert y["servqual"]["weighted"] is None


def test_small_segments_suppressed():
    res = servq.analyze(DATA / "mini.csv", MINI, by="branch")  # default min_n = 5
    assert res.segments["branch"] == {"X": {"n": 2, "suppressed": True}, "Y": {"n": 2, "suppressed": True}}


def test_to_frame_is_tidy(mini):
    frame = mini.to_frame()
    row = frame[(frame.level == "dimension") & (frame.id == "a") & (frame.measure == "gap") & frame.segment.isna()]
    assert len(row) == 1 and row["mean"].iloc[0] == approx(-4 / 3)
    seg = frame[(frame.segment == "X") & (frame.level == "servqual") & (frame.id == "unweighted")]
    assert seg["mean"].iloc[0] == approx(-1.25)


def test_dataframe_and_arrow_inputs_agree(mini):
    df = pd.read_csv(DATA / "mini.csv")
    for data in (df, pa.Table.from_pandas(df)):
        res = servq.analyze(data, MINI, by="branch", min_n=1)
        assert res.dimensions == mini.dimensions
        assert res.segments == mini.segments


def test_languages_change_labels_not_numbers(mini):
    zh = servq.analyze(DATA / "mini.csv", MINI, by="branch", min_n=1, lang="zh")
    assert zh.dimension("a")["label"] == "甲"
    assert zh.dimension("a")["gap"] == mini.dimension("a")["gap"]


@pytest.mark.parametrize("kwargs, message", [
    ({"lang": "fr"}, "unknown language"),
    ({"confidence": 1.5}, "confidence"),
    ({"min_n": 0}, "min_n"),
    ({"by": "region"}, "no segment column 'region'"),
])
def test_bad_options(kwargs, message):
    with pytest.raises(UsageError, match=message):
        servq.analyze(DATA / "mini.csv", MINI, **kwargs)


def test_unknown_instrument():
    with pytest.raises(UsageError, match="unknown instrument 'servqal'"):
        servq.analyze(DATA / "mini.csv", "servqal")


def test_dictionary_encoded_segments_read_as_text(tmp_path):
    """Parquet stores segment columns dictionary-encoded and servq numbers them without
    decoding: trimmed like text, and a category no row uses is no segment."""
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(pd.read_csv(DATA / "mini.csv"), preserve_index=False)
    branch = pd.Categorical(["X", " X", "Y", None], categories=["ghost", " X", "X", "Y"])
    encoded = table.set_column(table.schema.get_field_index("branch"), "branch",
                               pa.array(branch).cast(pa.dictionary(pa.int32(), pa.string())))
    pq.write_table(encoded, tmp_path / "mini.parquet")
    res = servq.analyze(tmp_path / "mini.parquet", MINI, by="branch", min_n=1)
    assert {v: s["n"] for v, s in res.segments["branch"].items()} == {"X": 2, "Y": 1}
    assert any("1 respondent(s) have no value in segment column 'branch'" in n for n in res.data["notes"])


def test_importing_the_engine_stays_light():
    """SciPy's optimisers and distributions (a second to load) wait until a model or a
    test needs them: `servq analyze --no-quality` of a million rows takes under two."""
    import subprocess
    import sys

    code = "import sys, servq.analysis; print(sorted(m for m in ('scipy.optimize', 'scipy.stats', 'pandas') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_default_analysis_never_loads_scipy_stats():
    """scipy.stats builds its distributions' docstrings on import (half a second of every
    `servq analyze`): servq's p-values and quantiles come from scipy.special."""
    import subprocess
    import sys

    code = ("import sys, servq; servq.analyze(servq.simulate('servqual', 300, seed=1), 'servqual', by='branch'); "
            "print('scipy.stats' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
