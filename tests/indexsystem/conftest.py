"""A tiny index system and a 10-row data file whose index is computed by hand in the tests."""

import textwrap

import pytest

TINY = textwrap.dedent("""\
    id: tiny
    name: {en: Tiny system, sv: Litet system, zh: 小体系}
    scale: {min: 1, max: 3, missing: [0]}
    grades:
      - {id: good, label: {en: Good, sv: Bra, zh: 好}, value: 100, answers: [3]}
      - {id: fair, label: {en: Fair, sv: Godtagbart, zh: 中}, value: 60, answers: [2]}
      - {id: poor, label: {en: Poor, sv: Dåligt, zh: 差}, value: 20, answers: [1]}
    criteria:
      id: root
      label: {en: Overall, sv: Totalt, zh: 总体}
      weights: {a: 0.6, b: 0.4}
      children:
        - id: a
          label: Staff
          weights: {a1: 50, a2: 50}
          children:
            - {id: a1, label: Courtesy, column: Q1}
            - {id: a2, label: Waiting, column: Q2, reverse: true}
        - {id: b, label: Speed, column: Q3}
    """)

# Q1: good 3, fair 4, poor 2 (one blank) -> r = [3/9, 4/9, 2/9]
# Q2 reversed (4 - x): raw 1 x4 -> good, 2 x2 -> fair, 3 x2 -> poor; 0 = missing and one
#    blank -> r = [4/8, 2/8, 2/8]
# Q3: good 2, fair 5, poor 3 -> r = [2/10, 5/10, 3/10]
ROWS = """\
id,grp,Q1,Q2,Q3
1,A,3,1,3
2,A,3,1,3
3,A,3,1,2
4,A,2,1,2
5,A,2,2,2
6,A,2,2,2
7,B,2,3,2
8,B,1,3,1
9,B,1,0,1
10,,,,1
"""


@pytest.fixture
def tiny(tmp_path):
    system = tmp_path / "tiny.yaml"
    system.write_text(TINY, encoding="utf-8")
    data = tmp_path / "tiny.csv"
    data.write_text(ROWS, encoding="utf-8")
    return system, data
