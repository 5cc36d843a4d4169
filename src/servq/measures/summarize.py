"""From accumulated moments to the reported figures (the JSON contract's objects).

:class:`Summary` evaluates every statistic of every group once (vectorised), then the
functions here pick them out by variable name into the shapes of
``report/results.schema.json``.
"""

from __future__ import annotations

from ..instruments.schema import Instrument
from ..stats.intervals import t_interval, wilson_interval
from ..stats.moments import Moments
from ..stats.numbers import finite
from .scores import NPS, ZONE, Scorer, top_box_threshold

PART_KEYS = ("expectation", "perception", "adequate", "desired", "specific", "competitor")
SCORE_KEYS = (*PART_KEYS, "gap", "msa", "mss", "level", "advantage")


class Summary:
    """Means, SDs, counts and intervals of all variables for all groups."""

    def __init__(self, moments: Moments, scorer: Scorer, confidence: float):
        self.scorer = scorer
        self.n = moments.n
        self.mean = moments.mean()
        self.sd = moments.sd()
        self.lo, self.hi = t_interval(self.mean, self.sd, self.n, confidence)
        self.wlo, self.whi = wilson_interval(self.mean, self.n, confidence)

    def has(self, name: str) -> bool:
        return name in self.scorer.index

    def count(self, g: int, name: str) -> int:
        return int(self.n[g, self.scorer.index[name]])

    def stat(self, g: int, name: str) -> dict:
        i = self.scorer.index[name]
        return {"mean": finite(self.mean[g, i]), "sd": finite(self.sd[g, i]), "n": int(self.n[g, i]),
                "ci_low": finite(self.lo[g, i]), "ci_high": finite(self.hi[g, i])}

    def stat_or_none(self, g: int, name: str) -> dict | None:
        if not self.has(name):
            return None
        return self.stat(g, name) if self.n[g, self.scorer.index[name]] > 0 else None

    def share(self, g: int, name: str) -> dict:
        i = self.scorer.index[name]
        return {"share": finite(self.mean[g, i]), "n": int(self.n[g, i]),
                "ci_low": finite(self.wlo[g, i]), "ci_high": finite(self.whi[g, i])}


def scores(s: Summary, g: int, level: str, key: object) -> dict:
    """The score objects (expectation, perception, gap, ..., zone) of one item or dimension."""
    out: dict = {}
    for measure in SCORE_KEYS:
        name = f"{level}:{measure}:{key}"
        if s.has(name):
            out[measure] = s.stat(g, name)
    if s.has(f"{level}:zone_below:{key}"):
        zone = {z: s.share(g, f"{level}:zone_{z}:{key}") for z in ZONE}
        out["zone"] = {"n": zone["below"]["n"], **zone}
    return out


def dimensions(s: Summary, g: int, inst: Instrument, lang: str) -> list[dict]:
    out = []
    for d in inst.dimensions:
        entry = {"id": d.id, "label": d.label.get(lang), "n": s.count(g, f"dim:any:{d.id}")}
        if d.group:
            entry["group"] = d.group
        entry["better"] = d.better
        entry.update(scores(s, g, "dim", d.id))
        if s.has(f"dim:importance:{d.id}"):
            entry["importance"] = s.stat(g, f"dim:importance:{d.id}")
        out.append(entry)
    return out


def items(s: Summary, g: int, inst: Instrument, lang: str) -> list[dict]:
    out = []
    main_part = inst.parts[-1] if inst.has_gap or inst.has_zone else inst.parts[0]
    for it in inst.items:
        entry = {"id": it.id, "dimension": it.dimension, "text": it.text_for(main_part, lang),
                 "reverse": it.reverse, "n": s.count(g, f"item:any:{it.id}")}
        entry.update(scores(s, g, "item", it.id))
        out.append(entry)
    return out


def servqual(s: Summary, g: int) -> dict:
    return {"unweighted": s.stat_or_none(g, "servqual:unweighted"),
            "weighted": s.stat_or_none(g, "servqual:weighted")}


def outcomes(s: Summary, g: int, inst: Instrument, lang: str) -> list[dict]:
    out = []
    for o in inst.outcomes:
        name = f"outcome:{o.id}"
        if s.count(g, name) == 0:
            continue
        entry = {"id": o.id, "label": o.text.get(lang), "kind": o.kind, "min": o.min, "max": o.max,
                 "score": s.stat(g, name)}
        if o.kind == "nps":
            score = s.stat(g, f"nps:score:{o.id}")
            entry["nps"] = {"nps": score["mean"], "n": score["n"], "ci_low": score["ci_low"],
                            "ci_high": score["ci_high"],
                            **{w: s.share(g, f"nps:{w}:{o.id}") for w in NPS if w != "score"}}
        else:
            entry["top_box"] = {"threshold": top_box_threshold(o), **s.share(g, f"topbox:{o.id}")}
        out.append(entry)
    return out


def segment(s: Summary, g: int, inst: Instrument, lang: str, min_n: int) -> dict:
    n = s.count(g, "row")
    if n < min_n:
        return {"n": n, "suppressed": True}
    return {"n": n, "suppressed": False, "dimensions": dimensions(s, g, inst, lang), "servqual": servqual(s, g),
            "servperf": s.stat_or_none(g, "servperf"), "outcomes": outcomes(s, g, inst, lang)}
