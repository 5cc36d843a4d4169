"""The shipped systems against base R (tests/golden/index.R and its output index.json):
AHP weights, λmax, CI and CR of every judgement matrix, and the whole fuzzy evaluation of
examples/telecom_enterprise.csv under both operators."""

import json
from pathlib import Path

import pytest

import servq
from servq.indexsystem import load_system
from servq.indexsystem.schema import node_weights

ROOT = Path(__file__).parents[2]
GOLDEN = json.loads((ROOT / "tests" / "golden" / "index.json").read_text(encoding="utf-8"))
TELECOM = ROOT / "examples" / "telecom_enterprise.csv"
TOL = 1e-10


@pytest.mark.parametrize("system", ["telecom-enterprise", "customer-delivered-value"])
def test_ahp_against_r_eigen(system):
    expected = GOLDEN["ahp"][system]
    nodes = {node.id: node for _, node in load_system(system).nodes() if node.ahp is not None}
    assert sorted(nodes) == sorted(expected)
    for node_id, ref in expected.items():
        r = node_weights(nodes[node_id]).ahp
        assert list(r.weights) == pytest.approx(ref["weights"], abs=TOL), node_id
        assert r.lambda_max == pytest.approx(ref["lambda_max"], abs=TOL)
        assert r.ci == pytest.approx(max(ref["ci"], 0.0), abs=TOL)  # R leaves −1e-16 unclipped
        assert r.cr == pytest.approx(max(ref["cr"], 0.0), abs=TOL)


@pytest.mark.parametrize("operator", ["weighted_average", "min_max"])
def test_telecom_evaluation_against_r(operator):
    expected = GOLDEN["telecom"][operator]
    got = servq.index(TELECOM, "telecom-enterprise", operator=operator).to_dict()["criteria"]
    assert [c["id"] for c in got] == [e["id"] for e in expected]
    for c, e in zip(got, expected):
        assert c["membership"] == pytest.approx(e["membership"], abs=TOL), c["id"]
        for key in ("weight", "global_weight", "score", "contribution"):
            assert c[key] == pytest.approx(e[key], abs=1e-9), (c["id"], key)
