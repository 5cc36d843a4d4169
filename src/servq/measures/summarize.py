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
    """Means, SDs, counts and intervals of all variables for all groups.

    Parameters
    ----------
    moments : Moments
        Moments of every variable of ``scorer`` (groups x ``scorer.names``).
    scorer : Scorer
        Names the variables.
    confidence : float
        Coverage of the t intervals of means and the Wilson intervals of shares.

    References
    ----------
    Student (1908). The probable error of a mean. Biometrika 6(1), 1–25. Wilson, E. B.
    (1927). Probable inference, the law of succession, and statistical inference. Journal
    of the American Statistical Association 22(158), 209–212. Parasuraman, A., Zeithaml,
    V. A. & Berry, L. L. (1988). SERVQUAL: a multiple-item scale for measuring consumer
    perceptions of service quality. Journal of Retailing 64(1), 12–40.

    Examples
    --------
    >>> import numpy as np
    >>> from servq.instruments import load_instrument
    >>> from servq.io.validate import Answers
    >>> from servq.measures.scores import Scorer
    >>> from servq.stats.moments import Moments
    >>> inst = load_instrument("servqual")
    >>> rng = np.random.default_rng(5)  # 40 respondents answering 3-7 at random
    >>> codes = {part: rng.integers(3, 8, (22, 40), dtype=np.int8) for part in inst.parts}
    >>> answers = Answers(codes, None, np.vstack([rng.integers(1, 8, 40), rng.integers(0, 11, 40),
    ...                                           np.full(40, np.nan)]), {}, 40)
    >>> scorer = Scorer(inst)
    >>> item_moments, x = scorer.score(answers)
    >>> s = Summary(Moments.join(item_moments, Moments.of(x, shift=scorer.float_shift)), scorer, 0.95)
    >>> s.has("dim:gap:reliability"), s.has("dim:msa:reliability"), s.count(0, "row")
    (True, False, 40)
    >>> {k: round(v, 4) for k, v in s.stat(0, "dim:gap:reliability").items()}
    {'mean': -0.005, 'sd': 0.8406, 'n': 40, 'ci_low': -0.2738, 'ci_high': 0.2638}
    >>> {k: round(v, 4) for k, v in s.share(0, "topbox:overall_satisfaction").items()}
    {'share': 0.3, 'n': 40, 'ci_low': 0.1807, 'ci_high': 0.4543}

    R: ``t.test(rowMeans(P[, 5:9] - E[, 5:9]))`` (mean and ``$conf.int``, with ``sd()``)
    and ``prop.test(12, 40, correct = FALSE)$conf.int`` (Wilson: 12 of 40 answered 6 or 7).
    """

    def __init__(self, moments: Moments, scorer: Scorer, confidence: float):
        self.scorer = scorer
        self.n = moments.n
        self.mean = moments.mean()
        self.sd = moments.sd()
        self.lo, self.hi = t_interval(self.mean, self.sd, self.n, confidence)
        self.wlo, self.whi = wilson_interval(self.mean, self.n, confidence)

    def has(self, name: str) -> bool:
        """Whether the instrument has variable ``name`` (e.g. ``dim:gap:reliability``).

        Parameters
        ----------
        name : str
            A variable of the Scorer.

        Returns
        -------
        bool
            True when the Scorer has the variable.
        """
        return name in self.scorer.index

    def count(self, g: int, name: str) -> int:
        """The respondents of group ``g`` with a value of variable ``name``.

        Parameters
        ----------
        g : int
            The group (0 = every respondent).
        name : str
            A variable of the Scorer.

        Returns
        -------
        int
            Respondents with a value.
        """
        return int(self.n[g, self.scorer.index[name]])

    def stat(self, g: int, name: str) -> dict:
        """Mean, SD, n and t interval of variable ``name`` in group ``g`` (None where undefined).

        Parameters
        ----------
        g : int
            The group (0 = every respondent).
        name : str
            A variable of the Scorer.

        Returns
        -------
        dict
            ``mean``, ``sd``, ``n``, ``ci_low``, ``ci_high``.
        """
        i = self.scorer.index[name]
        return {"mean": finite(self.mean[g, i]), "sd": finite(self.sd[g, i]), "n": int(self.n[g, i]),
                "ci_low": finite(self.lo[g, i]), "ci_high": finite(self.hi[g, i])}

    def stat_or_none(self, g: int, name: str) -> dict | None:
        """:meth:`stat`, or None when the variable does not exist or has no value in group ``g``.

        Parameters
        ----------
        g : int
            The group (0 = every respondent).
        name : str
            A variable of the Scorer.

        Returns
        -------
        dict or None
            ``mean``, ``sd``, ``n``, ``ci_low``, ``ci_high``, or None.
        """
        if not self.has(name):
            return None
        return self.stat(g, name) if self.n[g, self.scorer.index[name]] > 0 else None

    def share(self, g: int, name: str) -> dict:
        """Share (mean of a 0/1 variable), n and Wilson interval of ``name`` in group ``g``.

        Parameters
        ----------
        g : int
            The group (0 = every respondent).
        name : str
            A 0/1 variable of the Scorer (top box, zone, NPS group).

        Returns
        -------
        dict
            ``share``, ``n``, ``ci_low``, ``ci_high``.
        """
        i = self.scorer.index[name]
        return {"share": finite(self.mean[g, i]), "n": int(self.n[g, i]),
                "ci_low": finite(self.wlo[g, i]), "ci_high": finite(self.whi[g, i])}


def scores(s: Summary, g: int, level: str, key: object) -> dict:
    """The score objects (expectation, perception, gap, ..., zone) of one item or dimension.

    Parameters
    ----------
    s : Summary
        The statistics of every variable and group.
    g : int
        The group (0 = every respondent).
    level : {"item", "dim"}
        An item or a dimension.
    key : object
        The item id or dimension id.

    Returns
    -------
    dict
        Per measure the instrument has (parts, differences, level, advantage) its
        :meth:`Summary.stat`, and ``zone`` (below, within, above, inverted shares) when
        the instrument asks the zone of tolerance.

    References
    ----------
    Student (1908). The probable error of a mean. Biometrika 6(1), 1–25. Wilson, E. B.
    (1927). Probable inference, the law of succession, and statistical inference. Journal
    of the American Statistical Association 22(158), 209–212. Parasuraman, A., Zeithaml,
    V. A. & Berry, L. L. (1988). SERVQUAL: a multiple-item scale for measuring consumer
    perceptions of service quality. Journal of Retailing 64(1), 12–40.
    Zeithaml, V. A., Berry, L. L. & Parasuraman, A. (1993). The nature and determinants
    of customer expectations of service. Journal of the Academy of Marketing Science
    21(1), 1–12.

    Examples
    --------
    >>> inst, s = _example()  # 40 SERVQUAL respondents answering 3-7 at random, built as in Summary's example
    >>> sc = scores(s, 0, "dim", "reliability")
    >>> list(sc), round(sc["gap"]["mean"], 4)
    (['expectation', 'perception', 'gap'], -0.005)

    R: ``mean(rowMeans(P[, 5:9] - E[, 5:9]))``.
    """
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
    """The ``dimensions`` of the results (or of a segment): every dimension's scores.

    Parameters
    ----------
    s : Summary
        The statistics of every variable and group.
    g : int
        The group (0 = every respondent).
    inst : Instrument
        The instrument.
    lang : str
        Language of the labels.

    Returns
    -------
    list of dict
        Per dimension: ``id``, ``label``, ``n`` (respondents who answered any of its
        items), ``group`` (when set), ``better``, its :func:`scores` and ``importance``
        (the mean allocation) when asked.

    References
    ----------
    Student (1908). The probable error of a mean. Biometrika 6(1), 1–25. Wilson, E. B.
    (1927). Probable inference, the law of succession, and statistical inference. Journal
    of the American Statistical Association 22(158), 209–212. Parasuraman, A., Zeithaml,
    V. A. & Berry, L. L. (1988). SERVQUAL: a multiple-item scale for measuring consumer
    perceptions of service quality. Journal of Retailing 64(1), 12–40.

    Examples
    --------
    >>> inst, s = _example()  # 40 SERVQUAL respondents answering 3-7 at random, built as in Summary's example
    >>> d = dimensions(s, 0, inst, "en")[1]
    >>> d["id"], d["label"], d["n"], round(d["gap"]["mean"], 4), round(d["gap"]["sd"], 4)
    ('reliability', 'Reliability', 40, -0.005, 0.8406)

    R: ``g <- rowMeans(P[, 5:9] - E[, 5:9]); c(mean(g), sd(g))``.
    """
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
    """The ``items`` of the results: every item's scores, with its text.

    Parameters
    ----------
    s : Summary
        The statistics of every variable and group.
    g : int
        The group (0 = every respondent).
    inst : Instrument
        The instrument.
    lang : str
        Language of the texts (of the last part for gap and zone instruments, else the
        first).

    Returns
    -------
    list of dict
        Per item: ``id``, ``dimension``, ``text``, ``reverse``, ``n`` and its :func:`scores`.

    References
    ----------
    Student (1908). The probable error of a mean. Biometrika 6(1), 1–25. Wilson, E. B.
    (1927). Probable inference, the law of succession, and statistical inference. Journal
    of the American Statistical Association 22(158), 209–212. Parasuraman, A., Zeithaml,
    V. A. & Berry, L. L. (1988). SERVQUAL: a multiple-item scale for measuring consumer
    perceptions of service quality. Journal of Retailing 64(1), 12–40.

    Examples
    --------
    >>> inst, s = _example()  # 40 SERVQUAL respondents answering 3-7 at random, built as in Summary's example
    >>> it = items(s, 0, inst, "en")[0]
    >>> it["id"], it["dimension"], it["text"], round(it["gap"]["mean"], 4)
    (1, 'tangibles', 'The equipment this company uses is up to date.', -0.175)

    R: ``mean(P1 - E1)``.
    """
    out = []
    main_part = inst.parts[-1] if inst.has_gap or inst.has_zone else inst.parts[0]
    for it in inst.items:
        entry = {"id": it.id, "dimension": it.dimension, "text": it.text_for(main_part, lang),
                 "reverse": it.reverse, "n": s.count(g, f"item:any:{it.id}")}
        entry.update(scores(s, g, "item", it.id))
        out.append(entry)
    return out


def servqual(s: Summary, g: int) -> dict:
    """The ``servqual`` object: unweighted and weighted SERVQUAL scores (None when not defined).

    Parameters
    ----------
    s : Summary
        The statistics of every variable and group.
    g : int
        The group (0 = every respondent).

    Returns
    -------
    dict
        ``unweighted`` and ``weighted``, each a :meth:`Summary.stat` or None.

    References
    ----------
    Student (1908). The probable error of a mean. Biometrika 6(1), 1–25. Wilson, E. B.
    (1927). Probable inference, the law of succession, and statistical inference. Journal
    of the American Statistical Association 22(158), 209–212. Parasuraman, A., Zeithaml,
    V. A. & Berry, L. L. (1988). SERVQUAL: a multiple-item scale for measuring consumer
    perceptions of service quality. Journal of Retailing 64(1), 12–40.

    Examples
    --------
    >>> inst, s = _example()  # 40 SERVQUAL respondents answering 3-7 at random, built as in Summary's example
    >>> sq = servqual(s, 0)
    >>> {k: round(v, 4) for k, v in sq["unweighted"].items()}, sq["weighted"]  # no allocations: no weighted score
    ({'mean': -0.0422, 'sd': 0.3998, 'n': 40, 'ci_low': -0.1701, 'ci_high': 0.0856}, None)

    R: ``t.test(rowMeans(sapply(dims, function(i) rowMeans(P[, i] - E[, i]))))``.
    """
    return {"unweighted": s.stat_or_none(g, "servqual:unweighted"),
            "weighted": s.stat_or_none(g, "servqual:weighted")}


def outcomes(s: Summary, g: int, inst: Instrument, lang: str) -> list[dict]:
    """The ``outcomes`` of the results: each answered outcome's score and NPS or top box.

    Parameters
    ----------
    s : Summary
        The statistics of every variable and group.
    g : int
        The group (0 = every respondent).
    inst : Instrument
        The instrument.
    lang : str
        Language of the labels.

    Returns
    -------
    list of dict
        Per outcome with answers: ``id``, ``label``, ``kind``, ``min``, ``max``, ``score``
        and ``nps`` (NPS with its interval, promoter, passive and detractor shares) or
        ``top_box`` (threshold, share and Wilson interval).

    References
    ----------
    Student (1908). The probable error of a mean. Biometrika 6(1), 1–25. Wilson, E. B.
    (1927). Probable inference, the law of succession, and statistical inference. Journal
    of the American Statistical Association 22(158), 209–212. Parasuraman, A., Zeithaml,
    V. A. & Berry, L. L. (1988). SERVQUAL: a multiple-item scale for measuring consumer
    perceptions of service quality. Journal of Retailing 64(1), 12–40.
    Reichheld, F. F. (2003). The one number you need to grow. Harvard Business Review
    81(12), 46–54.

    Examples
    --------
    >>> inst, s = _example()  # 40 SERVQUAL respondents answering 3-7 at random, built as in Summary's example
    >>> out = outcomes(s, 0, inst, "en")
    >>> [o["id"] for o in out], round(out[1]["nps"]["nps"], 4), out[1]["nps"]["promoters"]["share"]
    (['overall_satisfaction', 'recommend'], -30.0, 0.25)
    >>> out[0]["top_box"]["threshold"], out[0]["top_box"]["share"]
    (6, 0.3)

    R: ``100 * (mean(rec >= 9) - mean(rec <= 6))``; ``mean(sat >= 6)``.
    """
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
    """One segment's figures: n and, unless suppressed, its scores.

    Its n, and unless suppressed its dimensions, SERVQUAL, SERVPERF and outcomes.

    Parameters
    ----------
    s : Summary
        The statistics of every variable and group.
    g : int
        The group (0 = every respondent).
    inst : Instrument
        The instrument.
    lang : str
        Language of the labels.
    min_n : int
        A segment with fewer respondents is suppressed (its n only).

    Returns
    -------
    dict
        ``n``, ``suppressed`` and, when not suppressed, ``dimensions``, ``servqual``,
        ``servperf`` and ``outcomes``.

    References
    ----------
    Student (1908). The probable error of a mean. Biometrika 6(1), 1–25. Wilson, E. B.
    (1927). Probable inference, the law of succession, and statistical inference. Journal
    of the American Statistical Association 22(158), 209–212. Parasuraman, A., Zeithaml,
    V. A. & Berry, L. L. (1988). SERVQUAL: a multiple-item scale for measuring consumer
    perceptions of service quality. Journal of Retailing 64(1), 12–40.

    Examples
    --------
    >>> inst, s = _example()  # 40 SERVQUAL respondents answering 3-7 at random, built as in Summary's example
    >>> seg = segment(s, 0, inst, "en", 5)
    >>> list(seg), seg["n"]
    (['n', 'suppressed', 'dimensions', 'servqual', 'servperf', 'outcomes'], 40)
    >>> segment(s, 0, inst, "en", 50)
    {'n': 40, 'suppressed': True}

    R: ``tapply(g, segment, mean)`` for every score ``g``, ``NA`` where
    ``table(segment) < min_n``.
    """
    n = s.count(g, "row")
    if n < min_n:
        return {"n": n, "suppressed": True}
    return {"n": n, "suppressed": False, "dimensions": dimensions(s, g, inst, lang), "servqual": servqual(s, g),
            "servperf": s.stat_or_none(g, "servperf"), "outcomes": outcomes(s, g, inst, lang)}


def _example():
    """The instrument and the Summary of the examples here (Summary's example builds it)."""
    import numpy as np

    from ..instruments import load_instrument
    from ..io.validate import Answers

    inst = load_instrument("servqual")
    rng = np.random.default_rng(5)  # 40 respondents answering 3-7 at random
    codes = {part: rng.integers(3, 8, (22, 40), dtype=np.int8) for part in inst.parts}
    answers = Answers(codes, None, np.vstack([rng.integers(1, 8, 40), rng.integers(0, 11, 40),
                                              np.full(40, np.nan)]), {}, 40)
    scorer = Scorer(inst)
    item_moments, x = scorer.score(answers)
    return inst, Summary(Moments.join(item_moments, Moments.of(x, shift=scorer.float_shift)), scorer, 0.95)
