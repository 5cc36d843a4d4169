"""Writes scorecard_employees.csv: 260 simulated SERVQUAL answers (seed 11) served by 14
employees in 4 teams, with 2 to 48 answers per employee and a planted employee effect on
the perceptions, so the scorecard has something to shrink. Run: python scorecard_employees.py
"""

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as csv

import servq

HERE = Path(__file__).parent
TEAMS = {"north": ["anna", "bo", "cecilia", "david"], "south": ["erik", "fatima", "gustav"],
         "east": ["hanna", "ivan", "jun", "karin"], "west": ["lars", "maria", "nils"]}
ANSWERS = {"anna": 48, "bo": 3, "cecilia": 30, "david": 12, "erik": 40, "fatima": 2, "gustav": 22,
           "hanna": 25, "ivan": 4, "jun": 18, "karin": 9, "lars": 20, "maria": 21, "nils": 6}
SHIFT = {"anna": 0, "bo": 1, "cecilia": -1, "david": 0, "erik": 1, "fatima": -1, "gustav": 0,
         "hanna": -1, "ivan": 1, "jun": 0, "karin": 1, "lars": 0, "maria": -1, "nils": 1}


def main() -> None:
    n = sum(ANSWERS.values())
    table = servq.simulate("servqual", n, seed=11, branches=4)
    rng = np.random.default_rng(11)
    employees = np.array([e for e, k in ANSWERS.items() for _ in range(k)])
    rng.shuffle(employees)
    team_of = {e: t for t, members in TEAMS.items() for e in members}
    teams = np.array([team_of[e] for e in employees])
    shift = np.array([SHIFT[e] for e in employees])
    columns = {"respondent_id": table["respondent_id"], "team": pa.array(teams), "employee": pa.array(employees)}
    for name in table.schema.names:
        col = table[name]
        if name.startswith("P"):  # answers 1..7 moved by the employee's shift and kept on 1..7;
            values = pc.cast(col, pa.int16())  # blanks and don't-know (0) stay as they are
            moved = pc.max_element_wise(pc.min_element_wise(pc.add(values, pa.array(shift, pa.int16())), 7), 1)
            col = pc.if_else(pc.greater_equal(values, 1), moved, values)
        if name not in columns:
            columns[name] = col
    csv.write_csv(pa.table(columns), HERE / "scorecard_employees.csv")


if __name__ == "__main__":
    main()
