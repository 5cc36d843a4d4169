"""Reading the results dict: the accessors the executive summary and the sections share.

Everything here takes the results dict (``results.schema.json``) or a part of it and
returns what is there, or None / an empty list when it is not: no formatting, no language.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

METRICS = ("gap", "msa", "perception")
QUALITY_KEYS = ("reliability", "cfa", "validity", "invariance")
# the usual cut-off, used only when the results do not state their own
HTMT_STRICT = 0.85


def is_real(value: object) -> bool:
    """A finite int or float (not a bool): a number that can be shown and compared."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def mean(obj: Mapping | None, key: str) -> float | None:
    """``obj[key]["mean"]`` when that statistic exists and is a number, else None."""
    if not isinstance(obj, Mapping):
        return None
    stat = obj.get(key)
    if not isinstance(stat, Mapping):
        return None
    value = stat.get("mean")
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def primary_metric(rows: Sequence[Mapping]) -> str | None:
    """The first of gap, msa, perception that some row (dimension or item) has a mean for."""
    for metric in METRICS:
        if any(mean(row, metric) is not None for row in rows):
            return metric
    return None


# --------------------------------------------------------------------------- instrument quality


def quality_block(results: Mapping, key: str) -> Mapping | None:
    """``results[key]`` for one of :data:`QUALITY_KEYS` when it is there and not null."""
    block = results.get(key)
    return block if isinstance(block, Mapping) else None


def dimension_labels(results: Mapping) -> dict[str, str]:
    """Dimension id → label in the report language, from ``dimensions`` first, then from
    the quality blocks' own dimension lists; an unknown id stands for itself."""
    labels: dict[str, str] = {}
    sources = [results.get("dimensions") or []]
    sources += [(quality_block(results, k) or {}).get("dimensions") or [] for k in QUALITY_KEYS]
    for rows in sources:
        for d in rows:
            if isinstance(d, Mapping) and "id" in d:
                labels.setdefault(str(d["id"]), str(d.get("label") or d["id"]))
    return labels


def htmt_threshold(validity: Mapping, level: str = "strict") -> float:
    """The HTMT cut-off the results state (``htmt_strict`` / ``htmt_liberal``)."""
    default = {"strict": HTMT_STRICT, "liberal": 0.90}[level]
    value = (validity.get("thresholds") or {}).get(f"htmt_{level}")
    return value if is_real(value) else default


# --------------------------------------------------------------------------- service focus


def drivers_block(results: Mapping) -> list[Mapping]:
    """The outcomes of ``results["drivers"]`` that have predictors (empty when absent)."""
    block = results.get("drivers")
    if not isinstance(block, Mapping):
        return []
    return [o for o in block.get("outcomes") or [] if isinstance(o, Mapping) and o.get("predictors")]


def ipa_block(results: Mapping) -> Mapping | None:
    """``results["ipa"]`` when it is there with at least one point."""
    block = results.get("ipa")
    return block if isinstance(block, Mapping) and block.get("points") else None


IMPORTANCE_KEY = "relative_weight_pct"
"""The one importance measure the report names everywhere — the summary, the drivers chart,
the IPA: Johnson's relative weight as a share of R² (always computed; LMG, which needs every
ordering of the predictors, is shown beside it as a check)."""


def outcome_label(results: Mapping, outcome_id: object) -> str:
    """The label of an outcome question, from ``outcomes`` or ``drivers``; else its id."""
    for o in list(results.get("outcomes") or []) + drivers_block(results):
        if (o.get("id") or o.get("outcome")) == outcome_id and o.get("label"):
            return str(o["label"])
    return str(outcome_id or "")
