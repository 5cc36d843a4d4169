"""servq against base R (tests/golden/scores.R and its output), on real and hand data."""

import csv
from pathlib import Path

import pytest

import servq

HERE = Path(__file__).parent
SQ411 = HERE / "data" / "servqual_perceptions_sq411.csv"
TOL = 1e-9


def golden(name):
    with open(HERE / "golden" / name, newline="") as fh:
        return [{k: (None if v == "NA" else v) for k, v in row.items()} for row in csv.DictReader(fh)]


def check(stat, row):
    assert stat["n"] == int(row["n"])
    for key in ("mean", "sd", "ci_low", "ci_high"):
        expected = row[key]
        if expected is None:
            assert stat.get(key) is None
        else:
            assert stat[key] == pytest.approx(float(expected), abs=TOL), key


@pytest.fixture(scope="module")
def sq411():
    return servq.analyze(SQ411, HERE / "data" / "sq411.yaml", mapping=HERE / "data" / "sq411_mapping.yaml")


@pytest.mark.parametrize("row", golden("scores_sq411.csv"), ids=lambda r: f"{r['level']}-{r['id']}")
def test_sq411_against_r(sq411, row):
    level, ident = row["level"], row["id"]
    if level == "item":
        stat = sq411.item(int(ident))["perception"]
    elif level == "dimension":
        stat = sq411.dimension(ident)["perception"]
    elif level == "servperf":
        stat = sq411.data["servperf"]
    else:
        stat = next(o for o in sq411.data["outcomes"] if o["id"] == ident)["score"]
    check(stat, row)


@pytest.mark.parametrize("row", golden("scores_mini.csv"), ids=lambda r: f"{r['level']}-{r['id']}-{r['measure']}")
def test_mini_against_r(row):
    res = servq.analyze(HERE / "data" / "mini.csv", HERE / "data" / "mini.yaml")
    level, ident, measure = row["level"], row["id"], row["measure"]
    if level == "dimension":
        stat = res.dimension(ident)[measure]
    elif level == "servqual":
        stat = res.servqual[ident]
    else:
        nps = next(o for o in res.data["outcomes"] if o["id"] == ident)["nps"]
        if measure == "promoters":
            share = nps["promoters"]
            stat = {"mean": share["share"], "sd": None, "n": share["n"], "ci_low": share["ci_low"],
                    "ci_high": share["ci_high"]}
        else:
            stat = {"mean": nps["nps"], "sd": row["sd"] and float(row["sd"]), "n": nps["n"],
                    "ci_low": nps["ci_low"], "ci_high": nps["ci_high"]}
    check(stat, row)
