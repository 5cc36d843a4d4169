"""Fuzzy comprehensive evaluation (模糊综合评价) of an evaluation index system.

With m indicators and grades g_1 … g_k (e.g. very poor … excellent):

- membership matrix R (m × k): r_ij = share of the answers on indicator i that fall in grade
  j (rows sum to 1); the counts are additive, so R can come from merged chunks;
- evaluation vector B = W ∘ R for indicator weights W (Σ w_i = 1), with the operator
    * ``"weighted_average"`` M(·, ⊕), the default: b_j = Σ_i w_i r_ij (B = W R),
    * ``"min_max"`` Zadeh's M(∧, ∨): b_j = max_i min(w_i, r_ij),
  and B normalised to Σ b_j = 1;
- the grade by maximum membership (the first grade in order on ties), and with grade values
  v_j an overall score S = Σ_j b_j v_j;
- in a hierarchy, each criterion's B is evaluated from its children's B (leaves carry their
  membership rows), to any depth. A criterion's global weight is the product of the weights
  on its path and its contribution is global weight × score; under the weighted-average
  operator the contributions of any level sum to the overall score (not so under min_max).

Reference: Zadeh, L. A. (1965). Fuzzy sets. *Information and Control* 8, 338–353; the
operators as in Wang, P. Z. (1983), *Fuzzy Set Theory and Its Applications* (Chinese).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

OPERATORS = ("weighted_average", "min_max")


class FuzzyError(ValueError):
    """Input the fuzzy evaluation cannot use; the message names what is wrong.

    Parameters
    ----------
    *args : object
        As for :class:`ValueError`: the message, naming the node, row or grade at fault.

    References
    ----------
    .. [1] Zadeh, L. A. (1965). Fuzzy sets. *Information and Control*, 8(3), 338–353.

    Examples
    --------
    Weights that do not sum to 1 (in R, ``stopifnot(abs(sum(w) - 1) < 1e-3)`` fails alike):

    >>> try:
    ...     fuzzy_evaluate([0.5, 0.4], [[0.2, 0.5, 0.3], [0.0, 0.5, 0.5]])
    ... except FuzzyError as exc:
    ...     print(exc)
    weights: weights must sum to 1, they sum to 0.9
    """


@dataclass(frozen=True)
class FuzzyResult:
    """Normalised evaluation vector ``b`` (Series over grades), the grade by maximum
    membership and the score Σ b_j v_j (None without grade values).

    Parameters
    ----------
    grades : tuple of str
        Grade names.
    b : Series
        Evaluation vector over the grades, summing to 1.
    grade : str
        The grade of maximum membership.
    score : float or None
        Σ b_j v_j, None without grade values.
    operator : str
        ``"weighted_average"`` or ``"min_max"``.

    References
    ----------
    .. [1] Zadeh, L. A. (1965). Fuzzy sets. *Information and Control*, 8(3), 338–353.

    Examples
    --------
    Zadeh's M(∧, ∨); in R ``b <- apply(pmin(w, R), 2, max); b / sum(b)``:

    >>> r = fuzzy_evaluate([0.6, 0.4], [[0.2, 0.5, 0.3], [0.0, 0.5, 0.5]], operator="min_max",
    ...                    grades=["poor", "fair", "good"])
    >>> [round(x, 4) for x in r.to_dict()["b"]], r.grade, r.score
    ([0.1818, 0.4545, 0.3636], 'fair', None)
    >>> r.to_frame().index.tolist()
    ['poor', 'fair', 'good']
    """

    grades: tuple[str, ...]
    b: pd.Series
    grade: str
    score: float | None
    operator: str

    def to_frame(self) -> pd.DataFrame:
        """One row per grade with its membership ``b``."""
        return self.b.rename("b").rename_axis("grade").to_frame()

    def to_dict(self) -> dict:
        """JSON-able dict."""
        return {"grades": list(self.grades), "b": [float(x) for x in self.b],
                "grade": self.grade, "score": self.score, "operator": self.operator}


@dataclass(frozen=True)
class CriterionEvaluation:
    """One node of a hierarchy: its path from the root, local and global weight, B, grade,
    score and contribution (global weight × score; None without grade values).

    Parameters
    ----------
    path : tuple of str
        Names from the root to this node.
    weight : float
        Weight among its siblings (1 for the root).
    global_weight : float
        Product of the weights on the path.
    b : tuple of float
        The node's normalised evaluation vector.
    grade : str
        Grade of maximum membership.
    score : float or None
        Σ b_j v_j (None without grade values).
    contribution : float or None
        ``global_weight`` × ``score``.
    leaf : bool
        Whether the node carries membership (or counts) rather than children.

    References
    ----------
    .. [1] Zadeh, L. A. (1965). Fuzzy sets. *Information and Control*, 8(3), 338–353.

    Examples
    --------
    The network criterion of the tree in :func:`fuzzy_hierarchy`: B = 0.5·(0.2, 0.5, 0.3) +
    0.5·(0, 0.5, 0.5) (R: ``c(0.5, 0.5) %*% rbind(c(.2, .5, .3), c(0, .5, .5))``).

    >>> tree = {"name": "service", "weights": [0.6, 0.4], "children": [
    ...     {"name": "network", "weights": {"coverage": 0.5, "speed": 0.5}, "children": [
    ...         {"name": "coverage", "membership": [0.2, 0.5, 0.3]},
    ...         {"name": "speed", "counts": [0, 4, 4]}]},
    ...     {"name": "staff", "membership": [0.1, 0.3, 0.6]}]}
    >>> h = fuzzy_hierarchy(tree, grade_values=[60, 80, 100])
    >>> node = h.nodes[1]
    >>> node.path, node.b, node.score, node.global_weight, node.contribution, node.leaf
    (('service', 'network'), (0.1, 0.5, 0.4), 86.0, 0.6, 51.6, False)
    """

    path: tuple[str, ...]
    weight: float
    global_weight: float
    b: tuple[float, ...]
    grade: str
    score: float | None
    contribution: float | None
    leaf: bool


@dataclass(frozen=True)
class FuzzyHierarchyResult:
    """Every node of the evaluated tree, root first (depth-first, children in order).

    Parameters
    ----------
    grades : tuple of str
        Grade names.
    nodes : tuple of CriterionEvaluation
        The nodes, root first.
    operator : str
        ``"weighted_average"`` or ``"min_max"``.

    References
    ----------
    .. [1] Zadeh, L. A. (1965). Fuzzy sets. *Information and Control*, 8(3), 338–353.
    .. [2] Wang, P. Z. (1983). *Fuzzy Set Theory and Its Applications* (in Chinese). Shanghai:
       Shanghai Scientific and Technical Publishers.

    Examples
    --------
    Under the weighted average the contributions of the root's children add up to the
    overall score (in R: ``0.6 * 86 + 0.4 * 90``):

    >>> tree = {"name": "service", "weights": [0.6, 0.4], "children": [
    ...     {"name": "network", "weights": {"coverage": 0.5, "speed": 0.5}, "children": [
    ...         {"name": "coverage", "membership": [0.2, 0.5, 0.3]},
    ...         {"name": "speed", "counts": [0, 4, 4]}]},
    ...     {"name": "staff", "membership": [0.1, 0.3, 0.6]}]}
    >>> h = fuzzy_hierarchy(tree, grade_values=[60, 80, 100])
    >>> h.to_frame()["contribution"].round(4).tolist()
    [87.6, 51.6, 24.6, 27.0, 36.0]
    >>> h.to_frame().index.tolist()[:2], h.to_dict()["nodes"][0]["path"]
    (['service', 'service/network'], ['service'])
    """

    grades: tuple[str, ...]
    nodes: tuple[CriterionEvaluation, ...]
    operator: str

    @property
    def overall(self) -> CriterionEvaluation:
        """The root: the overall evaluation."""
        return self.nodes[0]

    def to_frame(self) -> pd.DataFrame:
        """One row per node, indexed by its path joined with ``/``."""
        rows = [{"name": c.path[-1], "depth": len(c.path) - 1, "leaf": c.leaf,
                 "weight": c.weight, "global_weight": c.global_weight,
                 **{f"b_{g}": x for g, x in zip(self.grades, c.b)}, "grade": c.grade,
                 "score": np.nan if c.score is None else c.score,
                 "contribution": np.nan if c.contribution is None else c.contribution}
                for c in self.nodes]
        return pd.DataFrame(rows, index=pd.Index(["/".join(c.path) for c in self.nodes],
                                                 name="criterion"))

    def to_dict(self) -> dict:
        """JSON-able dict: grades, operator and the nodes."""
        return {"grades": list(self.grades), "operator": self.operator,
                "nodes": [{"path": list(c.path), "weight": c.weight,
                           "global_weight": c.global_weight, "b": list(c.b), "grade": c.grade,
                           "score": c.score, "contribution": c.contribution, "leaf": c.leaf}
                          for c in self.nodes]}


def answer_counts(data, grades: Sequence) -> pd.DataFrame:
    """Count each column's answers per grade value (rows = columns of ``data``, missing
    answers ignored); the result is additive over chunks and feeds :func:`membership`.

    Parameters
    ----------
    data : DataFrame or array-like
        One column per indicator, one row per respondent; missing answers are ignored.
    grades : sequence
        The grade values, in order; every answer must be one of them.

    Returns
    -------
    DataFrame
        One row per column of ``data``, one column per grade, of counts.

    Raises
    ------
    FuzzyError
        If an answer is not one of ``grades``.

    References
    ----------
    .. [1] Zadeh, L. A. (1965). Fuzzy sets. *Information and Control*, 8(3), 338–353.

    Examples
    --------
    R: ``t(sapply(d, function(x) table(factor(x, levels = 1:3))))``.

    >>> answer_counts(pd.DataFrame({"q1": [1, 2, 2, None], "q2": [3, 3, 1, 2]}), [1, 2, 3])
        1  2  3
    q1  1  2  0
    q2  1  1  2
    """
    df = pd.DataFrame(data)
    levels = list(grades)
    out = {}
    for col in df.columns:
        x = df[col].dropna()
        bad = ~x.isin(levels)
        if bad.any():
            row = x.index[bad.to_numpy()][0]
            val = x[row].item() if isinstance(x[row], np.generic) else x[row]
            raise FuzzyError(f"column {col!r}, row {row!r}: value {val!r} is not one of "
                             f"the grades {levels}")
        out[col] = [int((x == g).sum()) for g in levels]
    return pd.DataFrame.from_dict(out, orient="index", columns=levels)


def membership(counts, grades: Sequence[Hashable] | None = None,
               indicators: Sequence[Hashable] | None = None) -> pd.DataFrame:
    """Membership matrix R: each indicator's counts over the grades divided by its total.

    Parameters
    ----------
    counts : (m, k) array-like or DataFrame
        Non-negative answer counts per indicator (row) and grade (column).
    grades : names, optional
        Grade names (default the DataFrame's columns, else ``g1`` … ``gk``).
    indicators : names, optional
        Indicator names (default the DataFrame's index, else 0 … m − 1).

    Returns
    -------
    DataFrame
        The (m, k) membership matrix; each row sums to 1.

    Raises
    ------
    FuzzyError
        If a count is negative or not finite, the names do not match the shape, or an
        indicator has no answers.

    References
    ----------
    .. [1] Zadeh, L. A. (1965). Fuzzy sets. *Information and Control*, 8(3), 338–353.

    Examples
    --------
    R: ``prop.table(counts, 1)``.

    >>> membership([[2, 5, 3], [0, 4, 4]], grades=["poor", "fair", "good"]).to_numpy().tolist()
    [[0.2, 0.5, 0.3], [0.0, 0.5, 0.5]]
    """
    c = _frame(counts, grades, indicators, "counts")
    totals = c.sum(axis=1)
    empty = totals.index[totals.to_numpy() <= 0]
    if len(empty):
        raise FuzzyError(f"indicator {empty[0]!r} has no answers: its membership row is undefined")
    return c.div(totals, axis=0)


def fuzzy_evaluate(weights, R, operator: str = "weighted_average",
                   grade_values: Sequence[float] | None = None,
                   grades: Sequence[Hashable] | None = None) -> FuzzyResult:
    """Evaluation vector B = W ∘ R, normalised, its grade and score.

    Parameters
    ----------
    weights : (m,) array-like, Series or mapping
        Indicator weights, non-negative, summing to 1 (±0.001; rescaled to sum exactly 1);
        a Series or mapping is matched to R's rows by name.
    R : (m, k) array-like or DataFrame
        Membership matrix (rows sum to 1), e.g. from :func:`membership`.
    operator : {"weighted_average", "min_max"}
        M(·, ⊕): b_j = Σ_i w_i r_ij, or Zadeh's M(∧, ∨): b_j = max_i min(w_i, r_ij).
    grade_values : (k,) numbers, optional
        Values of the grades; give the score S = Σ b_j v_j.
    grades : names, optional
        Grade names (default R's columns, else ``g1`` … ``gk``).

    Returns
    -------
    FuzzyResult
        B, the grade by maximum membership and the score.

    Raises
    ------
    FuzzyError
        If a membership row does not sum to 1 (±0.001) or has a negative cell, the weights
        do not match the rows, are negative or do not sum to 1 (±0.001), the operator is
        unknown, or the grade values are not k finite numbers.

    References
    ----------
    .. [1] Zadeh, L. A. (1965). Fuzzy sets. *Information and Control*, 8(3), 338–353.
    .. [2] Wang, P. Z. (1983). *Fuzzy Set Theory and Its Applications* (in Chinese). Shanghai:
       Shanghai Scientific and Technical Publishers.

    Examples
    --------
    >>> R = [[0.2, 0.5, 0.3], [0.0, 0.5, 0.5]]
    >>> r = fuzzy_evaluate([0.6, 0.4], R, grade_values=[60, 80, 100],
    ...                    grades=["poor", "fair", "good"])
    >>> r.b.round(4).tolist(), r.grade, round(r.score, 4)
    ([0.12, 0.5, 0.38], 'fair', 85.2)

    No R package is the reference; in R, ``w %*% R`` gives the same B.
    """
    r = _membership_matrix(R, grades)
    w = _weights(weights, list(r.index))
    b = _combine(w, r.to_numpy(), operator)
    return _result(b, tuple(str(g) for g in r.columns), grade_values, operator)


def fuzzy_hierarchy(tree: Mapping, operator: str = "weighted_average",
                    grade_values: Sequence[float] | None = None,
                    grades: Sequence[Hashable] | None = None) -> FuzzyHierarchyResult:
    """Evaluate an index system of any depth bottom-up with :func:`fuzzy_evaluate`.

    A node is a mapping with ``name`` and either ``children`` (a list of nodes) and
    ``weights`` (a list in child order, or a mapping/Series by child name), or, for a leaf,
    ``membership`` (a row summing to 1) or ``counts`` (answers per grade).

    Parameters
    ----------
    tree : mapping
        The root node, as described above.
    operator : {"weighted_average", "min_max"}
        The composition operator, at every level.
    grade_values : (k,) numbers, optional
        Values of the grades; give each node's score and contribution.
    grades : names, optional
        Grade names (default ``g1`` … ``gk``).

    Returns
    -------
    FuzzyHierarchyResult
        Every node, root (the overall evaluation) first.

    Raises
    ------
    FuzzyError
        If the operator is unknown, a node has no name or neither children with weights nor
        membership or counts, siblings share a name, children differ in grades, or as
        :func:`fuzzy_evaluate` for weights, membership rows and grade values.

    References
    ----------
    .. [1] Zadeh, L. A. (1965). Fuzzy sets. *Information and Control*, 8(3), 338–353.
    .. [2] Wang, P. Z. (1983). *Fuzzy Set Theory and Its Applications* (in Chinese). Shanghai:
       Shanghai Scientific and Technical Publishers.

    Examples
    --------
    In R, the root's B is ``c(0.6, 0.4) %*% rbind(network_B, staff_B)``, with
    ``network_B = c(0.1, 0.5, 0.4)``.

    >>> tree = {"name": "service", "weights": [0.6, 0.4], "children": [
    ...     {"name": "network", "weights": {"coverage": 0.5, "speed": 0.5}, "children": [
    ...         {"name": "coverage", "membership": [0.2, 0.5, 0.3]},
    ...         {"name": "speed", "counts": [0, 4, 4]}]},
    ...     {"name": "staff", "membership": [0.1, 0.3, 0.6]}]}
    >>> h = fuzzy_hierarchy(tree, grade_values=[60, 80, 100])
    >>> [round(x, 4) for x in h.overall.b], round(h.overall.score, 4)
    ([0.1, 0.42, 0.48], 87.6)
    """
    if operator not in OPERATORS:
        raise FuzzyError(f"operator must be one of {OPERATORS}, got {operator!r}")
    nodes: list[CriterionEvaluation] = []
    _, names = _evaluate_node(tree, (), 1.0, 1.0, operator, grade_values, grades, nodes)
    return FuzzyHierarchyResult(grades=names, nodes=tuple(nodes), operator=operator)


def _evaluate_node(node, parent, weight, global_weight, operator, grade_values, grades, out):
    if not isinstance(node, Mapping) or "name" not in node:
        raise FuzzyError(f"under {'/'.join(parent) or 'the root'}: every node must be a mapping "
                         f"with a 'name'")
    path = parent + (str(node["name"]),)
    where = "/".join(path)
    slot = len(out)
    out.append(None)
    children = node.get("children")
    if children:
        names = [str(c.get("name")) if isinstance(c, Mapping) else "?" for c in children]
        if len(set(names)) != len(names):
            raise FuzzyError(f"{where}: children must have distinct names, got {names}")
        if "weights" not in node:
            raise FuzzyError(f"{where}: a criterion with children needs 'weights'")
        w = _weights(node["weights"], names, where)
        rows, grade_names = [], None
        for c, wc in zip(children, w):
            bc, gn = _evaluate_node(c, path, float(wc), global_weight * float(wc), operator,
                                    grade_values, grades, out)
            if grade_names is not None and gn != grade_names:
                raise FuzzyError(f"{where}: children have different grades {grade_names} and {gn}")
            rows.append(bc)
            grade_names = gn
        b = _combine(w, np.vstack(rows), operator)
        leaf = False
    elif "membership" in node or "counts" in node:
        key = "membership" if "membership" in node else "counts"
        row = np.atleast_2d(np.asarray(node[key], dtype=float))
        m = (_membership_matrix(row, grades, [where]) if key == "membership"
             else membership(row, grades, [where]))
        b, grade_names, leaf = m.to_numpy()[0], tuple(str(g) for g in m.columns), True
    else:
        raise FuzzyError(f"{where}: a node needs 'children' and 'weights', or 'membership' "
                         f"or 'counts'")
    res = _result(b, grade_names, grade_values, operator)
    out[slot] = CriterionEvaluation(
        path=path, weight=weight, global_weight=global_weight, b=tuple(float(x) for x in res.b),
        grade=res.grade, score=res.score, leaf=leaf,
        contribution=None if res.score is None else global_weight * res.score)
    return res.b.to_numpy(), grade_names


def _combine(w: np.ndarray, r: np.ndarray, operator: str) -> np.ndarray:
    if operator == "weighted_average":
        b = w @ r
    elif operator == "min_max":
        b = np.minimum(w[:, None], r).max(axis=0)
    else:
        raise FuzzyError(f"operator must be one of {OPERATORS}, got {operator!r}")
    return b / b.sum()


def _result(b, grade_names, grade_values, operator) -> FuzzyResult:
    score = None
    if grade_values is not None:
        v = np.asarray(grade_values, dtype=float).ravel()
        if v.size != len(grade_names) or not np.all(np.isfinite(v)):
            raise FuzzyError(f"need {len(grade_names)} finite grade values, "
                             f"got {list(grade_values)}")
        score = float(b @ v)
    return FuzzyResult(grades=grade_names, b=pd.Series(b, index=list(grade_names), name="b"),
                       grade=grade_names[int(np.argmax(b))], score=score, operator=operator)


def _frame(x, grades, indicators, what) -> pd.DataFrame:
    if isinstance(x, pd.DataFrame):
        df = x.copy()
    else:
        df = pd.DataFrame(np.atleast_2d(np.asarray(x, dtype=float)))
    if df.ndim != 2 or df.shape[1] < 1 or df.shape[0] < 1:
        raise FuzzyError(f"{what} must be a non-empty 2-D table, got shape {df.shape}")
    if grades is not None:
        if len(grades) != df.shape[1]:
            raise FuzzyError(f"{len(grades)} grades for {df.shape[1]} columns of {what}")
        df.columns = list(grades)
    elif not isinstance(x, pd.DataFrame):
        df.columns = [f"g{j + 1}" for j in range(df.shape[1])]
    if indicators is not None:
        if len(indicators) != df.shape[0]:
            raise FuzzyError(f"{len(indicators)} indicator names for {df.shape[0]} rows of {what}")
        df.index = list(indicators)
    v = df.to_numpy(dtype=float)
    bad = np.argwhere(~np.isfinite(v) | (v < 0))
    if bad.size:
        i, j = bad[0]
        raise FuzzyError(f"{what}: row {df.index[i]!r}, grade {df.columns[j]!r} = {v[i, j]}: "
                         f"must be a non-negative number")
    return df.astype(float)


def _membership_matrix(R, grades, indicators=None) -> pd.DataFrame:
    r = _frame(R, grades, indicators, "membership matrix")
    sums = r.sum(axis=1).to_numpy()
    off = np.flatnonzero(np.abs(sums - 1) > 1e-3)
    if off.size:
        raise FuzzyError(f"membership row {r.index[off[0]]!r} sums to {sums[off[0]]:.4g}, not 1 "
                         f"(use membership() to normalise counts)")
    return r


def _weights(weights, names: list, where: str = "weights") -> np.ndarray:
    if isinstance(weights, (Mapping, pd.Series)):
        keys = [str(k) for k, _ in weights.items()]
        if sorted(keys) != sorted(str(n) for n in names):
            raise FuzzyError(f"{where}: weights are given for {keys} but the rows are {names}")
        lookup = {str(k): v for k, v in weights.items()}
        w = np.array([lookup[str(n)] for n in names], dtype=float)
    else:
        w = np.asarray(weights, dtype=float).ravel()
        if w.size != len(names):
            raise FuzzyError(f"{where}: {w.size} weights for {len(names)} rows {names}")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise FuzzyError(f"{where}: weights must be non-negative numbers, got {w.tolist()}")
    if abs(w.sum() - 1) > 1e-3:
        raise FuzzyError(f"{where}: weights must sum to 1, they sum to {w.sum():.4g}")
    return w / w.sum()
