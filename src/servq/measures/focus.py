"""Service focus: which dimensions move the outcomes (key drivers), from sufficient statistics.

For every outcome question, the correlation matrix of the outcome and the respondents'
dimension perception scores (listwise-complete respondents) is accumulated with the rest of
the analysis; Johnson's relative weights and the LMG (Shapley) decomposition of R² follow
from it (:mod:`servq.stats.drivers`). Bootstrap intervals need the rows and are offered by
``servq.drivers(data, ...)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..instruments.schema import Instrument
from ..stats.drivers import MAX_LMG_PREDICTORS, drivers_from_cor
from ..stats.moments import CrossMoments


def driver_columns(inst: Instrument, names: list[str]) -> dict[str, list[int]]:
    """Outcome id -> positions in ``names`` of that outcome then every dimension's
    perception score (empty when the instrument asks no perceptions)."""
    dims = [names.index(f"dim:perception:{d.id}") for d in inst.dimensions if f"dim:perception:{d.id}" in names]
    if len(dims) < 2:
        return {}
    return {o.id: [names.index(f"outcome:{o.id}"), *dims] for o in inst.outcomes}


def key_drivers(inst: Instrument, sums: dict[str, CrossMoments], lang: str) -> tuple[dict | None, list[str]]:
    """The ``drivers`` block of the results and notes on outcomes it could not cover."""
    dims = [d for d in inst.dimensions]
    labels = {d.id: d.label.get(lang) for d in dims}
    out, notes = [], []
    for o in inst.outcomes:
        cm = sums.get(o.id)
        if cm is None:
            continue
        n = int(cm.n_complete)
        if n <= len(dims) + 2:
            if np.diag(cm.n)[0] > 0:
                notes.append(f"key drivers of '{o.id}' need more than {len(dims) + 2} respondents "
                             f"with the outcome and every dimension scored; {n} have")
            continue
        names = [o.id, *(d.id for d in dims)]
        cov = pd.DataFrame(cm.cov(listwise=True), index=names, columns=names)
        try:
            res = drivers_from_cor(cov, names, o.id, n, lmg=len(dims) <= MAX_LMG_PREDICTORS)
        except ValueError as exc:
            notes.append(f"key drivers of '{o.id}' could not be computed: {exc}")
            continue
        frame = res.to_frame()
        out.append({
            "outcome": o.id, "label": o.text.get(lang), "n": n, "r2": _num(res.r2),
            "adjusted_r2": _num(res.adjusted_r2), "condition_number": _num(res.condition_number),
            "predictors": [{"id": d, "label": labels[d],
                            **{c: _num(frame.loc[d, c]) for c in ("relative_weight", "relative_weight_pct",
                                                                  "lmg", "lmg_pct", "vif")}}
                           for d in frame.index],
        })
    if not out:
        return None, notes
    return {"predictors": "dimension perception scores", "method": "relative weights (Johnson 2000) and "
            "LMG (Lindeman, Merenda & Gold 1980), listwise-complete respondents", "outcomes": out}, notes


def _num(value) -> float | None:
    v = float(value)
    return v if np.isfinite(v) else None
