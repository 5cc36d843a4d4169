"""The executive summary: what a manager should know, in plain sentences.

Everything here is computed from the results dict (``results.schema.json``), never from
raw data, and works for every instrument shape: two-part SERVQUAL (``gap``), the
three-column format (``adequate``/``desired``/``msa``/``zone``), perception only
(SERVPERF), with or without importance, outcomes and segments.

Which number ranks dimensions and items (:func:`servq.report.access.primary_metric`):

- ``gap`` (P − E) when the instrument asks expectations;
- else ``msa`` (P − A) when it asks adequate service: falling short of the minimum the
  customer accepts is the shortfall that matters in the zone-of-tolerance model;
- else ``perception``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import partial

from servq.report import i18n
from servq.report.access import (
    IMPORTANCE_KEY,
    dimension_labels,
    drivers_block,
    ipa_block,
    is_real,
    mean,
    primary_metric,
    quality_block,
)
from servq.report.blocks import Fmt
from servq.report.comparisons_section import summary_sentences as comparisons_sentences
from servq.report.focus_section import near_axes
from servq.report.quality_section import invariance_sentence, not_separated_sentences


def oriented(results: Mapping, row: Mapping, metric: str, better: str | None = None) -> float | None:
    """The row's mean of ``metric`` turned so that lower is worse: a ``better: lower``
    dimension (a cost) counts as min + max − score, or −difference for gaps."""
    value = mean(row, metric)
    if value is None or (better or row.get("better", "higher")) != "lower":
        return value
    if metric == "perception":
        scale = (results.get("instrument") or {}).get("scale") or {}
        return scale.get("min", 0) + scale.get("max", 0) - value
    return -value


def weakest_dimension(results: Mapping) -> tuple[Mapping, str] | None:
    """The dimension with the lowest (oriented) mean of the primary metric, and that metric.

    Ties go to the dimension listed first.
    """
    dims = results.get("dimensions") or []
    metric = primary_metric(dims)
    if metric is None:
        return None
    scored = [d for d in dims if mean(d, metric) is not None]
    return min(scored, key=lambda d: oriented(results, d, metric)), metric


def lowest_items(results: Mapping, k: int = 3) -> tuple[list[Mapping], str | None]:
    """The ``k`` items with the lowest mean of the primary metric (most negative gap
    first), and the metric. For gap and MSA only items below zero count: an item that
    meets expectations is no shortfall."""
    items = results.get("items") or []
    metric = primary_metric(items)
    if metric is None:
        return [], None
    better = {d.get("id"): d.get("better", "higher") for d in results.get("dimensions") or []}

    def score(it: Mapping) -> float | None:
        return oriented(results, it, metric, better.get(it.get("dimension")))

    scored = [it for it in items if mean(it, metric) is not None]
    if metric in ("gap", "msa"):
        scored = [it for it in scored if score(it) < 0]
    # sorted() is stable, so ties keep the instrument's item order
    return sorted(scored, key=score)[:k], metric


def overall_score(results: Mapping) -> tuple[str, Mapping] | None:
    """``("servqual", stat)`` for the unweighted SERVQUAL score when it has a mean, else
    ``("servperf", stat)``, else None."""
    servqual = results.get("servqual") or {}
    if mean(servqual, "unweighted") is not None:
        return "servqual", servqual["unweighted"]
    stat = results.get("servperf")
    if isinstance(stat, Mapping) and stat.get("mean") is not None:
        return "servperf", stat
    return None


def segment_score(segment: Mapping) -> tuple[str, float] | None:
    """The segment's SERVQUAL score, or its SERVPERF score, with which one it is."""
    if segment.get("suppressed"):
        return None
    value = mean(segment.get("servqual"), "unweighted")
    if value is not None:
        return "servqual", value
    stat = segment.get("servperf")
    if isinstance(stat, Mapping) and stat.get("mean") is not None:
        return "servperf", stat["mean"]
    return None


def weakest_segments(results: Mapping) -> list[tuple[str, str, Mapping, str, float]]:
    """Per segment column: (column, value, segment, metric, score) of the unsuppressed
    segment with the lowest overall score. A column needs two scored segments to have a
    weakest one. SERVQUAL is used when the column's segments have it, else SERVPERF."""
    found = []
    for column, segments in (results.get("segments") or {}).items():
        scored = {name: segment_score(seg) for name, seg in segments.items()}
        scored = {name: s for name, s in scored.items() if s is not None}
        metric = "servqual" if any(s[0] == "servqual" for s in scored.values()) else "servperf"
        candidates = [(name, s[1]) for name, s in scored.items() if s[0] == metric]
        if len(candidates) < 2:
            continue
        name, value = min(candidates, key=lambda c: c[1])
        found.append((column, name, segments[name], metric, value))
    return found


def suppressed_count(results: Mapping) -> tuple[int, int]:
    """(suppressed segments, all segments) over every segment column."""
    segments = [s for col in (results.get("segments") or {}).values() for s in col.values()]
    return sum(1 for s in segments if s.get("suppressed")), len(segments)


def _ci(lang: str, stat: Mapping, level: str, *, signed: bool) -> str:
    low, high = stat.get("ci_low"), stat.get("ci_high")
    if low is None or high is None:
        return ""
    return i18n.t(
        lang,
        "summary.ci",
        level=level,
        low=i18n.fmt_num(lang, low, signed=signed),
        high=i18n.fmt_num(lang, high, signed=signed),
    )


def executive_summary(results: Mapping, lang: str) -> list[str]:
    """The executive summary as a list of sentences in ``lang``.

    Sentences appear only when the results hold what they talk about: respondents, the
    overall score (SERVQUAL, weighted SERVQUAL or SERVPERF) with its interval, the
    weakest dimension, the largest item shortfalls, tolerance-zone breaches, the quality
    of the instrument (:func:`quality_sentences`), the service focus
    (:func:`focus_sentences`), NPS, the weakest segment per segment
    column and how many segments were suppressed.
    """
    i18n.check_lang(lang)
    t = partial(i18n.t, lang)

    def num(value: float | None, signed: bool = False) -> str:
        return i18n.fmt_num(lang, value, signed=signed)

    options = results.get("options") or {}
    level = i18n.fmt_level(lang, options.get("confidence", 0.95))
    min_n = options.get("min_n", 1)
    n = results.get("n_respondents") or 0
    if n == 0:
        return [t("summary.no_respondents")]

    out = [i18n.tn(lang, "summary.respondents", n)]

    overall = overall_score(results)
    if overall and overall[0] == "servqual":
        stat = overall[1]
        direction = t(
            "summary.servqual_negative" if stat["mean"] < 0 else "summary.servqual_positive"
        )
        out.append(
            t(
                "summary.servqual",
                score=num(stat["mean"], True),
                ci=_ci(lang, stat, level, signed=True),
                direction=direction,
            )
        )
        weighted = (results.get("servqual") or {}).get("weighted")
        if isinstance(weighted, Mapping) and weighted.get("mean") is not None:
            out.append(
                t(
                    "summary.servqual_weighted",
                    score=num(weighted["mean"], True),
                    ci=_ci(lang, weighted, level, signed=True),
                )
            )
    elif overall:
        stat = overall[1]
        scale = (results.get("instrument") or {}).get("scale") or {}
        out.append(
            t(
                "summary.servperf",
                score=num(stat["mean"]),
                low=scale.get("min", ""),
                high=scale.get("max", ""),
                ci=_ci(lang, stat, level, signed=False),
            )
        )

    scale = (results.get("instrument") or {}).get("scale") or {}
    end = scale.get("unused_end")
    if end in ("high", "low"):
        low, high = scale.get("min"), scale.get("max")
        unused, fewer = (high, (low, high - 1)) if end == "high" else (low, (low + 1, high))
        out.append(t("summary.unused_end", unused=unused, end=t(f"summary.end_{end}"), low=low, high=high,
                     option=f"--scale {fewer[0]}:{fewer[1]}"))

    weakest = weakest_dimension(results)
    if weakest:
        dim, metric = weakest
        value = mean(dim, metric)
        if metric == "gap" and value >= 0:
            out.append(t("summary.no_negative_gap", dimension=dim["label"], value=num(value, True)))
        elif metric == "gap":
            out.append(t("summary.weakest_gap", dimension=dim["label"], value=num(value, True)))
        elif metric == "msa":
            out.append(t("summary.weakest_msa", dimension=dim["label"], value=num(value, True)))
        else:
            out.append(t("summary.weakest_perception", dimension=dim["label"], value=num(value)))

    out += _item_sentences(results, lang)
    out += _zone_sentences(results, lang)
    out += quality_sentences(results, lang)
    out += focus_sentences(results, lang)

    for outcome in results.get("outcomes") or []:
        nps = outcome.get("nps")
        if outcome.get("kind") == "nps" and isinstance(nps, Mapping) and nps.get("nps") is not None:
            ci = ""
            if nps.get("ci_low") is not None and nps.get("ci_high") is not None:
                ci = t(
                    "summary.ci",
                    level=level,
                    low=i18n.fmt_num(lang, nps["ci_low"], 1, signed=True),
                    high=i18n.fmt_num(lang, nps["ci_high"], 1, signed=True),
                )
            out.append(
                t(
                    "summary.nps",
                    label=outcome["label"],
                    value=i18n.fmt_num(lang, nps["nps"], 1, signed=True),
                    ci=ci,
                )
            )

    for column, name, segment, metric, value in weakest_segments(results):
        out.append(
            t(
                "summary.weakest_segment",
                column=Fmt.of(results, lang).column(column),
                segment=name,
                metric=t(f"summary.metric_{metric}"),
                value=num(value, metric == "servqual"),
                n=i18n.fmt_int(lang, segment.get("n")),
            )
        )

    out += comparisons_sentences(results, lang)
    suppressed, total = suppressed_count(results)
    if suppressed:
        out.append(i18n.tn(lang, "summary.suppressed", suppressed, min_n=min_n))
    elif total:
        out.append(t("summary.none_suppressed", min_n=min_n))
    return out


def _item_sentences(results: Mapping, lang: str) -> list[str]:
    items, metric = lowest_items(results)
    if metric is None:
        return []
    if not items:
        if metric == "gap":
            return [i18n.t(lang, "summary.no_item_gaps")]
        if metric == "msa":
            return [i18n.t(lang, "summary.no_item_msa")]
        return []
    labels = {d["id"]: d["label"] for d in results.get("dimensions") or []}
    parts = [
        i18n.t(
            lang,
            "summary.top_item",
            text=i18n.quote(lang, it["text"].strip().rstrip(".。")),
            dimension=labels.get(it["dimension"], it["dimension"]),
            value=i18n.fmt_num(lang, mean(it, metric), signed=metric != "perception"),
        )
        for it in items
    ]
    key = {
        "gap": "summary.top_gaps",
        "msa": "summary.top_msa",
        "perception": "summary.top_perception",
    }[metric]
    joined = i18n.t(lang, "format.item_sep").join(parts)
    count = len(items)
    word = i18n.t(lang, f"format.count_{count}") if count in (2, 3) else i18n.fmt_int(lang, count)
    return [i18n.tn(lang, key, count, items=joined, count_word=word)]


def _zone_sentences(results: Mapping, lang: str) -> list[str]:
    dims = [
        d
        for d in results.get("dimensions") or []
        if mean(d, "adequate") is not None and mean(d, "perception") is not None
    ]
    if not dims:
        return []
    breached = [d["label"] for d in dims if mean(d, "perception") < mean(d, "adequate")]
    out = [
        (
            i18n.t(lang, "summary.zone_breach", dimensions=i18n.join_list(lang, breached))
            if breached
            else i18n.t(lang, "summary.zone_ok")
        )
    ]
    shares = []
    for d in dims:
        below = ((d.get("zone") or {}).get("below") or {}).get("share")
        if below is not None:
            shares.append(
                i18n.t(
                    lang,
                    "summary.zone_share",
                    dimension=d["label"],
                    share=i18n.fmt_pct(lang, below),
                )
            )
    if shares:
        out.append(
            i18n.t(lang, "summary.zone_shares", shares=i18n.t(lang, "format.list_sep").join(shares))
        )
    return out


# --------------------------------------------------------------------------- instrument quality

LOW_RELIABILITY = ("questionable", "poor")
# the usual cut-offs, used only when the results do not state their own
ALPHA_ACCEPTABLE = 0.70


def _reliability_sentences(results: Mapping, lang: str) -> list[str]:
    reliability = quality_block(results, "reliability")
    dims = [d for d in (reliability or {}).get("dimensions") or [] if is_real(d.get("raw_alpha"))]
    if not dims:
        return []
    labels = dimension_labels(results)
    cut = (reliability.get("thresholds") or {}).get("acceptable")
    cut_text = i18n.fmt_num(lang, cut if is_real(cut) else ALPHA_ACCEPTABLE)

    def label(d: Mapping) -> str:
        return labels.get(str(d.get("id")), str(d.get("id", "")))

    low = [d for d in dims if d.get("verdict") in LOW_RELIABILITY]
    if low:
        parts = [
            i18n.t(
                lang,
                "summary.reliability_dimension",
                dimension=label(d),
                alpha=i18n.fmt_num(lang, d["raw_alpha"]),
                verdict=i18n.t(lang, f"quality.verdict.{d['verdict']}"),
            )
            for d in sorted(low, key=lambda d: d["raw_alpha"])
        ]
        dimensions = i18n.join_list(lang, parts)
        return [i18n.tn(lang, "summary.reliability_low", len(low), dimensions=dimensions, cut=cut_text)]
    weakest = min(dims, key=lambda d: d["raw_alpha"])
    alpha = i18n.fmt_num(lang, weakest["raw_alpha"])
    return [i18n.t(lang, "summary.reliability_ok", cut=cut_text, dimension=label(weakest), alpha=alpha)]


def _cfa_sentences(results: Mapping, lang: str) -> list[str]:
    cfa = quality_block(results, "cfa")
    if cfa is None:
        return []
    if not cfa.get("converged", True):
        return [i18n.t(lang, "summary.cfa_not_converged")]
    verdict = cfa.get("verdict")
    if verdict not in ("good", "acceptable", "poor"):
        return []
    fit = cfa.get("fit") or {}
    return [
        i18n.t(
            lang,
            f"summary.cfa_{verdict}",
            cfi=i18n.fmt_num(lang, fit.get("cfi"), 3),
            rmsea=i18n.fmt_num(lang, fit.get("rmsea"), 3),
        )
    ]


def quality_sentences(results: Mapping, lang: str) -> list[str]:
    """The quality of the instrument in plain sentences, each only when its results are
    present: the weakest reliability, the fit of the factor model, the pairs of
    dimensions that do not separate, and the level of measurement invariance."""
    out = _reliability_sentences(results, lang) + _cfa_sentences(results, lang)
    out += not_separated_sentences(results, lang)
    invariance = invariance_sentence(results, lang)
    return out + ([invariance] if invariance else [])


# --------------------------------------------------------------------------- service focus


def strongest_driver(outcome: Mapping) -> Mapping | None:
    """The predictor with the largest relative weight (:data:`IMPORTANCE_KEY`); ties: first listed."""
    scored = [p for p in outcome.get("predictors") or [] if is_real(p.get(IMPORTANCE_KEY))]
    return max(scored, key=lambda p: p[IMPORTANCE_KEY]) if scored else None


def _lower_first(lang: str, text: str) -> str:
    """A quadrant name used mid-sentence: lower-case first letter (not for Chinese)."""
    return text if lang == "zh" or not text else text[0].lower() + text[1:]


def focus_sentences(results: Mapping, lang: str) -> list[str]:
    """One sentence naming the first item of the service focus (its quadrant qualified when
    it is near the line) and the strongest driver of the first outcome with drivers;
    either part alone when only one is present."""
    t = partial(i18n.t, lang)
    focus = sorted(
        (i for i in (ipa_block(results) or {}).get("focus") or [] if isinstance(i, Mapping)),
        key=lambda i: i.get("rank") if is_real(i.get("rank")) else math.inf,
    )
    labels = dimension_labels(results)
    parts: dict[str, str] = {}
    if focus:
        first = focus[0]
        quadrant = first.get("quadrant")
        names = [str(first.get("label") or labels.get(str(first.get("id")), first.get("id", "")))]
        names += [labels.get(str(other), str(other)) for other in first.get("together") or []]  # one area
        parts["dimension"] = i18n.join_list(lang, names)
        parts["quadrant"] = _lower_first(
            lang, t(f"focus.quadrant.{quadrant}") if quadrant in QUADRANT_KEYS else str(quadrant or "")
        )
        axes = near_axes(first, lang)
        if axes:  # the verdict stands, qualified
            parts["quadrant"] = t("focus.near.summary", quadrant=parts["quadrant"], axes=axes)
    outcomes = drivers_block(results)
    driver = strongest_driver(outcomes[0]) if outcomes else None
    if driver is not None:
        parts["outcome"] = str(outcomes[0].get("label") or outcomes[0].get("outcome", ""))
        parts["driver"] = str(driver.get("label") or labels.get(str(driver.get("id")), driver.get("id", "")))
        parts["share"] = i18n.fmt_pct(lang, driver[IMPORTANCE_KEY] / 100)
    if "dimension" in parts and "driver" in parts:
        return [t("summary.focus_both", **parts)]
    if "dimension" in parts:
        return [t("summary.focus_first", **parts)]
    if "driver" in parts:
        return [t("summary.strongest_driver", **parts)]
    return []


QUADRANT_KEYS = ("concentrate_here", "keep_up_the_good_work", "low_priority", "possible_overkill")
