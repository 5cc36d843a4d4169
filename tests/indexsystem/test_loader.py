"""Index system YAML: every problem with its line, AHP refusal naming the judgement, and
the shipped systems."""

import textwrap

import numpy as np
import pytest

from servq.errors import UsageError
from servq.indexsystem import IndexSystemError, builtin_systems, load_system, parse_system
from servq.indexsystem.schema import judgement_value, node_weights

from .conftest import TINY


def problems(text):
    with pytest.raises(IndexSystemError) as info:
        parse_system(text, source="s.yaml")
    return [(p.line, p.path, p.message) for p in info.value.problems]


def test_tiny_system_parses():
    s = parse_system(TINY)
    assert [n.column for n in s.indicators()] == ["Q1", "Q2", "Q3"]
    assert node_weights(s.criteria.children[0]).values == (0.5, 0.5)  # 50/50 read as percent
    assert s.grade_lookup().tolist() == [2, 1, 0]


def test_syntax_error_and_duplicate_key_have_lines():
    [(line, _, msg)] = problems("id: x\nname: a\nname: b\n")
    assert line == 3 and "'name' is given twice (first on line 2)" in msg
    [(line, _, _)] = problems("id: x\ngrades: [\n")
    assert line == 3


def test_structure_and_meaning_problems_each_with_their_line():
    text = TINY.replace("weights: {a1: 50, a2: 50}", "weights: {a1: 50, a2: 40}") \
               .replace("answers: [1]", "answers: [1, 4]") \
               .replace("column: Q3}", "column: Q3, colour: red}") \
               .replace("- {id: a1, label: Courtesy, column: Q1}",
                        "- {id: a1, label: Courtesy, column: Q1, weights: {x: 1}}")
    found = problems(text)
    assert found == [(19, "criteria.children[1].colour", "unknown field (check its spelling)")]
    text = TINY.replace("weights: {a1: 50, a2: 50}", "weights: {a1: 50, a2: 40}") \
               .replace("answers: [1]", "answers: [1, 4]") \
               .replace("- {id: a1, label: Courtesy, column: Q1}",
                        "- {id: a1, label: Courtesy, column: Q1, weights: {x: 1}}") \
               .replace("column: Q2", "column: Q1")
    found = problems(text)
    assert (7, "grades[2].answers[1]", "answer 4 is outside the scale 1-3") in found
    assert (15, "criteria.children[0].weights",
            "weights sum to 90; they must sum to 1 (or to 100 as percent)") in found
    assert (17, "criteria.children[0].children[0].weights",
            "an indicator (with a column) cannot have weights") in found
    assert (18, "criteria.children[0].children[1].column",
            "column 'Q1' is already the indicator at criteria.children[0].children[0]") in found


def test_a_text_of_the_wrong_type_gets_one_message():
    [(line, path, msg)] = problems(TINY.replace("label: Staff", "label: 5"))
    assert (line, path) == (14, "criteria.children[0].label")
    assert msg == "Input should be a valid string, got 5"
    [(line, path, msg)] = problems(TINY.replace("label: Speed", "label: {fr: Vitesse}"))
    assert (line, path, msg) == (19, "criteria.children[1].label.fr", "unknown field (check its spelling)")


def test_grades_must_cover_the_scale_and_criteria_need_one_weighting():
    text = TINY.replace("answers: [2]", "answers: [3]").replace(
        "  weights: {a: 0.6, b: 0.4}\n", "")
    found = problems(text)
    assert len(found) == 3
    assert any(p == "grades[1].answers[0]" and "already in grade 'good'" in m for _, p, m in found)
    assert any(p == "grades" and "answer(s) 2" in m for _, p, m in found)
    assert any(line == 8 and "needs exactly one of weights: or ahp:" in m for line, _, m in found)


INCONSISTENT = textwrap.dedent("""\
    id: bad
    name: Bad
    scale: {min: 1, max: 3}
    grades:
      - {id: good, label: Good, value: 1, answers: [3]}
      - {id: rest, label: Rest, value: 0, answers: [1, 2]}
    criteria:
      id: root
      label: Root
      ahp:
        # consistent with weights 8:4:2:1 except price vs wait, typed the wrong way round
        upper: [2, 4, 1/8,
                2, 4,
                2]
      children:
        - {id: price, label: Price, column: Q1}
        - {id: staff, label: Staff, column: Q2}
        - {id: speed, label: Speed, column: Q3}
        - {id: wait, label: Wait, column: Q4}
    """)


def test_inconsistent_judgements_are_refused_naming_the_judgement_and_line():
    [(line, path, msg)] = problems(INCONSISTENT)
    assert line == 12 and path == "criteria.ahp.upper"
    # independent check of the numbers named: principal eigenvector by power iteration,
    # λmax = mean of (A w)_i / w_i, CR = (λmax − 4)/3/0.90, and the judgement furthest
    # (as a ratio) from w_i/w_j
    a = np.array([[1, 2, 4, 1 / 8], [1 / 2, 1, 2, 4], [1 / 4, 1 / 2, 1, 2], [8, 1 / 4, 1 / 2, 1]])
    w = np.ones(4) / 4
    for _ in range(1000):
        w = a @ w
        w /= w.sum()
    lam = float((a @ w / w).mean())
    cr = (lam - 4) / 3 / 0.90
    assert cr >= 0.10
    assert f"CR = {cr:.3f} ≥ 0.10" in msg
    dev = np.abs(np.log(a * w[None, :] / w[:, None]))
    i, j = np.unravel_index(np.argmax(np.triu(dev, 1)), dev.shape)
    assert (i, j) == (0, 3)
    assert f"price vs wait: given 0.125, the weights imply {w[0] / w[3]:.4g}" in msg
    assert msg.startswith("criterion 'root': the pairwise judgements are inconsistent")


UPPER = "upper: [2, 4, 1/8,\n            2, 4,\n            2]"


def test_ahp_matrix_problems():
    assert UPPER in INCONSISTENT
    full = INCONSISTENT.replace(UPPER, "matrix: [[1, 2], [1/2, 1]]")
    [(line, path, msg)] = problems(full)
    assert path == "criteria.ahp.matrix" and "must be 4 × 4" in msg and line == 12
    nonrec = INCONSISTENT.replace(
        UPPER, "matrix: [[1, 1, 1, 1], [1, 1, 3, 1], [1, 3, 1, 1], [1, 1, 1, 1]]")
    [(_, _, msg)] = problems(nonrec)
    assert "(staff, speed) = 3 but (speed, staff) = 3" in msg
    short = INCONSISTENT.replace(UPPER, "upper: [3, 2]")
    [(_, _, msg)] = problems(short)
    assert "2 judgements above the diagonal do not fill a square matrix of size 4 (needs 6)" in msg
    assert judgement_value(" 1 / 4 ") == 0.25
    word = INCONSISTENT.replace(UPPER, "upper: [3, much, 3, 1, 1, 1]")
    [(_, _, msg)] = problems(word)
    assert "judgement 'much' is not a number or a fraction like 1/3" in msg


def test_unknown_system_and_missing_file(tmp_path):
    with pytest.raises(UsageError, match="telecom-enterprise"):
        load_system("telecom")
    with pytest.raises(UsageError, match="index system file not found"):
        load_system(tmp_path / "none.yaml")


def test_shipped_systems_load_with_consistent_ahp():
    assert builtin_systems() == ["customer-delivered-value", "telecom-enterprise"]
    for name in builtin_systems():
        s = load_system(name)
        for lang in ("en", "sv", "zh"):
            assert all(n.text(lang) for _, n in s.nodes())
            assert all(g.text(lang) for g in s.grades)
        for _, node in s.nodes():
            if node.ahp is not None:
                assert node_weights(node).ahp.cr < 0.10
    telecom = load_system("telecom-enterprise")
    assert [n.column for n in telecom.indicators()] == [f"T{i}" for i in range(1, 20)]
    assert [c.id for c in telecom.criteria.children] == [
        "network", "solutions", "marketing_service", "process", "complaints", "advertising"]
