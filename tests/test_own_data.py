"""Own data in one command: the 0-100 SERVQUAL file (sq411) analysed as documented gives R's
figures; the scale, the version and the exported instrument from the command line."""

import json
from pathlib import Path

import pandas as pd
import pytest
from cli_helpers import run

from servq.analysis import AnalysisOptions
from servq.errors import UsageError
from servq.instruments import load_instrument

HERE = Path(__file__).parent
DATA = HERE / "data" / "servqual_perceptions_sq411.csv"
MAPPING = HERE.parent / "examples" / "sq411-mapping.yaml"
GOLDEN = HERE / "golden"
DIMENSIONS = {"tangibles": range(1, 5), "reliability": range(5, 10), "responsiveness": range(10, 14),
              "assurance": range(14, 18), "empathy": range(18, 23)}


def test_the_0_to_100_file_in_one_documented_command(tmp_path, capsys):
    out = tmp_path / "sq411.json"
    code, _, err = run(capsys, "analyze", str(DATA), "-i", "servperf", "--scale", "0:100", "--mapping", str(MAPPING),
                       "--json", str(out), "-q")
    assert code == 0, err
    res = json.loads(out.read_text())
    frame = pd.read_csv(DATA)
    # the SERVPERF score: the mean of the respondent's dimension scores (each the mean of its items)
    dims = pd.concat([frame[[f"a{i:02d}" for i in r]].mean(axis=1) for r in DIMENSIONS.values()], axis=1)
    assert res["n_respondents"] == 411 and res["instrument"]["scale"] == {"min": 0, "max": 100, "unused_end": None}
    assert res["servperf"]["mean"] == pytest.approx(dims.mean(axis=1).mean(), abs=1e-9)
    sat = next(o for o in res["outcomes"] if o["id"] == "overall_satisfaction")
    assert (sat["min"], sat["max"]) == (0, 100)
    assert sat["score"]["mean"] == pytest.approx(frame["sat"].mean(), abs=1e-9)
    alpha = json.loads((GOLDEN / "reliability.json").read_text())  # R psych::alpha
    for d in res["reliability"]["dimensions"]:
        assert d["raw_alpha"] == pytest.approx(alpha[f"sq411_{d['id']}"]["total"]["raw_alpha"], abs=1e-9)
    lavaan = json.loads((GOLDEN / "sem.json").read_text())["cases"]["sq411"]["fit"]  # R lavaan::cfa
    for measure in ("chisq", "cfi", "rmsea"):
        assert res["cfa"]["fit"][measure] == pytest.approx(lavaan[measure], rel=1e-6)


def test_without_the_scale_the_problems_are_one_line_per_column_and_a_hint(capsys):
    code, _, err = run(capsys, "analyze", str(DATA), "-i", "servperf", "--mapping", str(MAPPING), "-q")
    assert code == 1 and "Traceback" not in err
    lines = err.strip().splitlines()
    # (a 0 is read as servperf's don't know: the answers seen run from 20)
    assert lines[-1].startswith("hint: the answers run from 20 to 100") and "--scale 0:100" in lines[-1]
    assert "411 answers outside the scale 1-7" in err and len(lines) < 30


def test_the_scale_option():
    inst = load_instrument("servperf").on_scale(1, 5)
    assert (inst.scale.min, inst.scale.max, inst.scale.dont_know) == (1, 5, 0)  # 0 stays don't know
    assert sorted(inst.scale.anchors) == [1, 5]
    assert AnalysisOptions(scale="0:100").scale == (0, 100) and AnalysisOptions(scale=(1, 6)).scale == (1, 6)
    for bad in ("100:0", "1:200", "a:b", "5"):
        with pytest.raises(UsageError, match="scale"):
            AnalysisOptions(scale=bad)


def test_version_and_exported_instrument(tmp_path, capsys):
    import servq

    assert run(capsys, "--version")[:2] == (0, f"servq {servq.__version__}\n")
    mine = tmp_path / "mine.yaml"
    assert run(capsys, "instruments", "export", "servperf", "-o", str(mine))[0] == 0
    text = mine.read_text(encoding="utf-8")
    assert text.startswith("# Exported from servq's built-in instrument 'servperf'")
    assert load_instrument(mine) == load_instrument("servperf")
    code, _, err = run(capsys, "instruments", "export", "servperf", "-o", str(mine))
    assert code == 1 and "exists" in err


ECSI = HERE / "data" / "ecsi_bank250.csv"
EXAMPLES = HERE.parent / "examples"
ECSI_DIMENSIONS = {"image": "imag", "expectations": "expe", "quality": "qual", "value": "val"}


@pytest.fixture(scope="module")
def ecsi_frame():
    return pd.read_csv(ECSI)


def test_the_ecsi_file_with_satisfaction_and_loyalty_scales_as_outcomes(tmp_path, capsys, ecsi_frame):
    import numpy as np

    out = tmp_path / "ecsi.json"
    code, _, err = run(capsys, "analyze", str(ECSI), "-i", str(EXAMPLES / "ecsi.yaml"), "--mapping",
                       str(EXAMPLES / "ecsi-mapping.yaml"), "--json", str(out), "-q")
    assert code == 0, err
    res = json.loads(out.read_text())
    f = ecsi_frame
    dims = np.column_stack([f[[c for c in f.columns if c.startswith(prefix)]].mean(axis=1)
                            for prefix in ECSI_DIMENSIONS.values()])
    for outcome in ("sat", "loy"):
        score = f[[f"{outcome}{k}" for k in range(1, 5)]].mean(axis=1).to_numpy()  # the mean of its items
        got = next(o for o in res["outcomes"] if o["id"] == outcome)
        assert got["score"]["mean"] == pytest.approx(score.mean(), abs=1e-9) and got["score"]["n"] == 250
        drivers = next(o for o in res["drivers"]["outcomes"] if o["outcome"] == outcome)
        x = np.column_stack([np.ones(250), dims])
        fitted = x @ np.linalg.lstsq(x, score, rcond=None)[0]
        r2 = 1 - ((score - fitted) ** 2).sum() / ((score - score.mean()) ** 2).sum()  # R: summary(lm(...))$r.squared
        assert drivers["r2"] == pytest.approx(r2, abs=1e-9)


def test_a_multi_item_outcome_is_there_whole_or_not_at_all(tmp_path, capsys, ecsi_frame):
    partial = tmp_path / "partial.csv"
    ecsi_frame.drop(columns=["sat2", "sat4"]).to_csv(partial, index=False)
    code, _, err = run(capsys, "analyze", str(partial), "-i", str(EXAMPLES / "ecsi.yaml"), "--mapping",
                       str(EXAMPLES / "ecsi-mapping.yaml"), "-q")
    assert code == 1 and "outcome 'sat' is measured by sat1, sat2, sat3, sat4; missing sat2, sat4" in err


def test_simulated_multi_item_outcomes_are_read_back():
    import servq

    table = servq.simulate(str(EXAMPLES / "ecsi.yaml"), 300, seed=2)
    assert {"sat1", "sat4", "loy3"} <= set(table.column_names) and "sat" not in table.column_names
    res = servq.analyze(table, str(EXAMPLES / "ecsi.yaml"), quality=False)
    frame = table.to_pandas()
    score = frame[[f"sat{k}" for k in range(1, 5)]].mean(axis=1)  # pandas skips the blanks: the items answered
    assert next(o for o in res.data["outcomes"] if o["id"] == "sat")["score"]["mean"] == pytest.approx(score.mean())


def _six_point_file(path, top=6, rows=200, seed=7):
    """SERVPERF answers drawn on 1..top (with blanks), the file a 6-point questionnaire gives."""
    import numpy as np

    rng = np.random.default_rng(seed)
    inst = load_instrument("servperf")
    frame = pd.DataFrame({f"P{i.id}": rng.integers(1, top + 1, rows) for i in inst.items})
    frame.iloc[::7, 0] = None
    frame.to_csv(path, index=False)


@pytest.mark.parametrize(("top", "end"), [(6, "high"), (7, None)])
def test_an_end_of_the_scale_nobody_uses_is_named_with_the_option(tmp_path, capsys, top, end):
    data, out = tmp_path / "six.csv", tmp_path / "r.json"
    _six_point_file(data, top)
    code, printed, err = run(capsys, "analyze", str(data), "-i", "servperf", "--json", str(out), "--no-quality")
    assert code == 0, err
    res = json.loads(out.read_text())
    assert res["instrument"]["scale"]["unused_end"] == end
    said = "--scale 1:6" in printed + err
    assert said == (end == "high")


def test_the_unused_end_is_found_in_any_chunking_and_not_on_few_answers(tmp_path):
    from servq import analyze

    data = tmp_path / "six.csv"
    _six_point_file(data, 6, rows=300)
    for chunk in (7, 300):
        res = analyze(data, "servperf", options=AnalysisOptions(chunk_size=chunk, quality=False))
        assert res.data["instrument"]["scale"]["unused_end"] == "high"
    # the lowest points used, not the highest: answers 2..7
    frame = pd.read_csv(data) + 1
    frame.to_csv(data, index=False)
    assert analyze(data, "servperf", options=AnalysisOptions(quality=False)).data["instrument"]["scale"]["unused_end"] == "low"
    few = tmp_path / "few.csv"
    _six_point_file(few, 6, rows=4)  # 88 answers: too few to suggest anything
    assert analyze(few, "servperf", options=AnalysisOptions(quality=False)).data["instrument"]["scale"]["unused_end"] is None
