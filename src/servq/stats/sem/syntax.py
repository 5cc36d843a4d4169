"""lavaan model syntax: parse a model description into formulas.

Supported, as in lavaan (Rosseel 2012, section 4 of the lavaan tutorial):

- ``f =~ x1 + x2 + x3``: latent variable ``f`` measured by the indicators;
- ``y ~ x1 + f``: regression; ``y ~ 1``: intercept (mean structure);
- ``x1 ~~ x2``: (residual) variance or covariance;
- several left-hand sides: ``f1 + f2 ~ x`` is ``f1 ~ x`` and ``f2 ~ x``;
- modifiers before a right-hand-side variable, joined by ``*``: a number fixes the
  parameter (``1*x1``, ``0*x2``), ``NA`` frees it (``NA*x1`` frees a first loading), a name
  labels it (``a*x2``: parameters with the same label are equal), ``start(0.5)`` sets a
  starting value, ``label("a")`` and ``equal("a")`` label it (``equal("f=~x2")*x3``: a
  quoted parameter name, ``lhs op rhs`` without spaces and ``.g2`` … for a later group,
  makes it equal to that parameter), and ``c(...)`` gives one modifier per group
  (``c(a1, a2)*x2``);
- statements end at a newline or ``;``; a line continues the statement before it only
  when that statement ends in an operator, ``+``, ``*``, ``(`` or ``,`` or the line begins
  with ``+`` or ``*`` (and has no operator of its own); ``#`` and ``!`` start comments;
- the same operator may appear on several lines for one left-hand side;
- ``name := expression`` defines a parameter as a function of labelled parameters and of
  earlier defined ones (``ab := a*b``, ``total := c + a*b``); ``lhs == rhs`` constrains
  labelled parameters (``a == b``, ``c - 0.5 == 2*d``). Expressions are arithmetic
  (``+ - * / ^``, parentheses, numbers, ``exp log sqrt abs`` …, see
  :mod:`servq.stats.sem.expr`); ``==`` may be nonlinear (``a == b^2``, ``a*b == 1``);
- ``lhs > rhs`` and ``lhs < rhs`` constrain them by inequalities (``v1 > 0``, ``b1 < b2``,
  ``a + b > 1``, ``a > b*c``). Constraints and definitions become :class:`Formula` rows with
  ``op`` ``":="``, ``"=="``, ``"<"`` or ``">"`` and the expression text (white space removed,
  as lavaan prints it).

Parse errors raise :class:`ModelSyntaxError`, naming the line and the offending token.
Not supported yet, each with an error that names the feature and the nearest alternative:
thresholds (``|``), formative indicators (``<~``), scale factors (``~*~``), blocks
(``group:``, ``level:``), exploratory blocks (``efa("e")*f1``) and interaction terms (``y ~ a:b``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .expr import ExpressionError, expression

OPERATORS = ("=~", "~~", "~")
CONSTRAINTS = (":=", "==", "<", ">")  # statements of expressions, not of variables
_UNSUPPORTED = (  # (operator, what is not supported, the nearest alternative), the longer operators first
    ("~*~", "scale factors (~*~) are not supported yet", "they belong to ordinal indicators, not supported yet either"),
    ("<~", "formative indicators (<~) are not supported yet",
     "measure the construct reflectively (f =~ x1 + x2) or average its items into a score"),
    ("|", "thresholds (|) are not supported yet",
     "ordinal indicators are not either: fit the item scores as continuous (ML, the default)"),
    (":", "blocks (group: or level:) are not supported yet", "fit groups with cfa(model, data, group=...)"),
    ("%", "the '%' operator is not supported", "the operators are =~, ~, ~~ and ~ 1"),
    ("=", "'=' is not a lavaan operator", "a factor is defined with '=~': f =~ x1 + x2"),
)
_OPERATOR_CHARS = re.compile(r"[~=<>:|%]")  # a line with one of these starts a statement, as in lavaan
_CONTINUED = ("+", "*", "(", ",", "~")  # a statement ending in one of these goes on on the next line
_NAME = re.compile(r"[A-Za-z_.][A-Za-z0-9_.]*\Z")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z")
_QUOTED = re.compile(r""""[^"]*"|'[^']*'""")  # a quoted label: one token, its characters no operators
_TOKEN = re.compile(rf"""\s*({_QUOTED.pattern}|=~|~~|~|\*|\+|\(|\)|,|[^\s=~*+(),"']+|=)""")


class ModelSyntaxError(ValueError):
    """A model description that is not valid lavaan syntax (names the line and token).

    Raised by :func:`parse` (and so by :func:`~servq.stats.sem.cfa`, :func:`~servq.stats.sem.sem`
    and :func:`~servq.stats.sem.invariance`) with a message that names the line of the model
    text and the offending token. A subclass of :class:`ValueError`.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36. https://doi.org/10.18637/jss.v048.i02

    Examples
    --------
    A ``+`` with nothing after it (R: ``lavaan::lavaanify("f =~ x1 +")`` also fails):

    >>> try:
    ...     parse("f =~ x1 +")
    ... except ModelSyntaxError as err:
    ...     print(err)
    line 1: a '+' without a term beside it in 'f =~ x1 +'
    """


@dataclass(frozen=True)
class Modifier:
    """What a ``*`` modifier says about one parameter in one group.

    ``fixed`` is the fixed value (None when free or not given), ``free`` is True for ``NA``,
    ``label`` the equality label, ``start`` a starting value.

    Parameters
    ----------
    fixed : float, optional
        Value the parameter is fixed to (``0.5*x``); None when not fixed.
    free : bool
        True for ``NA*x``: frees a parameter lavaan would fix (a first loading).
    label : str, optional
        Equality label (``a*x``); parameters sharing a label are estimated equal.
    start : float, optional
        Starting value (``start(0.5)*x``).

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36 (section on modifiers).

    Examples
    --------
    The four kinds of modifier, as the ``free``, ``label`` and ``ustart`` columns of
    ``lavaan::lavaanify("f =~ NA*x1 + a*x2 + start(0.5)*x3 + 0*x4")`` in R:

    >>> fs = parse("f =~ NA*x1 + a*x2 + start(0.5)*x3 + 0*x4")
    >>> [(m.fixed, m.free, m.label, m.start) for m in (f.modifiers[0] for f in fs)]
    [(None, True, None, None), (None, False, 'a', None), (None, False, None, 0.5), (0.0, False, None, None)]
    """

    fixed: float | None = None
    free: bool = False
    label: str | None = None
    start: float | None = None


@dataclass(frozen=True)
class Formula:
    """One parameter statement: ``lhs op rhs`` with per-group modifiers.

    ``op`` is ``=~``, ``~``, ``~~`` or ``~1`` (intercept; ``rhs`` is then ``""``), or ``:=``
    (``lhs`` the name, ``rhs`` the expression) or ``==``, ``<``, ``>`` (both sides expressions).
    ``modifiers`` holds one :class:`Modifier` (applies to every group) or one per group.
    ``line`` is the 1-based line of the model text where the statement starts.

    Parameters
    ----------
    lhs : str
        Left-hand side: the latent variable, outcome or first variable.
    op : {"=~", "~", "~~", "~1", ":=", "==", "<", ">"}
        The operator.
    rhs : str
        Right-hand side: indicator, predictor or second variable ("" for ``~1``).
    modifiers : tuple of Modifier
        One modifier for all groups, or one per group (``c(...)``).
    line : int
        1-based line of the statement in the model text.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36.

    Examples
    --------
    One modifier per group, as the ``group`` rows of ``lavaan::lavaanify("f =~ c(1, NA)*x1
    + x2", ngroups = 2)`` in R:

    >>> f = parse("f =~ c(1, NA)*x1 + x2")[0]
    >>> f.lhs, f.op, f.rhs, f.line, f.modifier(0).fixed, f.modifier(1).free
    ('f', '=~', 'x1', 1, 1.0, True)
    """

    lhs: str
    op: str
    rhs: str
    modifiers: tuple[Modifier, ...] = field(default=(Modifier(),))
    line: int = 0

    def modifier(self, group: int) -> Modifier:
        """The modifier for 0-based ``group``.

        Raises
        ------
        ModelSyntaxError
            When ``c(...)`` gave fewer modifiers than there are groups.
        """
        if len(self.modifiers) == 1:
            return self.modifiers[0]
        if group >= len(self.modifiers):
            raise ModelSyntaxError(
                f"line {self.line}: {self.lhs} {self.op} {self.rhs} has {len(self.modifiers)} "
                f"group modifiers in c(...), but the data have more groups")
        return self.modifiers[group]


def parse(model: str) -> list[Formula]:
    """Parse lavaan model syntax into a list of :class:`Formula`.

    Parameters
    ----------
    model : str
        lavaan model syntax (see the module docstring for what is supported).

    Returns
    -------
    list of Formula
        One formula per parameter statement, in the order written; ``f1 + f2 ~ x`` and
        ``f =~ x1 + x2`` give one formula per left- and right-hand-side pair.

    Raises
    ------
    ModelSyntaxError
        When ``model`` is not a string, is empty, or is not valid (or not supported) lavaan
        syntax; the message names the line and the token.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36. https://doi.org/10.18637/jss.v048.i02

    Examples
    --------
    The same rows as ``lavaan::lavParseModelString(model)`` (or ``lavaanify``) in R:

    >>> fs = parse('''visual =~ x1 + a*x2   # a label
    ...               + 0.5*x3
    ... x1 ~~ x2''')
    >>> [(f.lhs, f.op, f.rhs, f.modifiers[0].label, f.modifiers[0].fixed) for f in fs]  # doctest: +NORMALIZE_WHITESPACE
    [('visual', '=~', 'x1', None, None), ('visual', '=~', 'x2', 'a', None),
     ('visual', '=~', 'x3', None, 0.5), ('x1', '~~', 'x2', None, None)]
    """
    if not isinstance(model, str):
        raise ModelSyntaxError(f"the model must be a string of lavaan syntax, not {type(model).__name__}")
    formulas: list[Formula] = []
    for line_no, text in _statements(model):
        formulas.extend(_parse_statement(text, line_no))
    if not formulas:
        raise ModelSyntaxError("the model is empty: no statement with =~, ~ or ~~")
    return formulas


def _statements(model: str) -> list[tuple[int, str]]:
    """Split into statements (line number, text): comments removed, continuations joined.

    A part with an operator character starts a statement (lavaan's rule); one without
    continues the statement before it only when that ends in an operator, ``+``, ``*``,
    ``(`` or ``,``, or the part begins with ``+`` or ``*``. Any other part is an error
    naming its own line."""
    out: list[tuple[int, str]] = []
    for line_no, raw in enumerate(model.splitlines(), start=1):
        line = re.split(r"[#!]", raw, maxsplit=1)[0]
        for part in line.split(";"):
            part = part.strip()
            if not part:
                continue
            if _OPERATOR_CHARS.search(_unquoted(part)) or not out:
                out.append((line_no, part))
            elif out[-1][1].endswith(_CONTINUED) or part.startswith(("+", "*")):
                prev_line, prev = out[-1]
                out[-1] = (prev_line, prev + " " + part)
            else:
                raise ModelSyntaxError(
                    f"line {line_no}: no operator (=~, ~ or ~~) in {part!r}, and the line before does not "
                    "continue on it (end that line with '+' or begin this one with '+')")
    return out


def _unquoted(text: str) -> str:
    """``text`` with its quoted labels emptied (``equal("f=~x2")`` names a parameter: its
    ``=~`` is no operator of the statement)."""
    return _QUOTED.sub('""', text)


def _tokens(text: str, line_no: int) -> list[str]:
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            break
        tokens.append(match.group(1))
        pos = match.end()
    if text[pos:].strip():
        raise ModelSyntaxError(f"line {line_no}: cannot read {text[pos:].strip()!r} in {text!r}")
    return tokens


def _parse_statement(text: str, line_no: int) -> list[Formula]:
    bare = _unquoted(text)
    for op in CONSTRAINTS:
        if op in bare and "<~" not in bare:
            return [_parse_constraint(text, op, line_no)]
    if re.search(r"\befa\s*\(", bare):
        raise ModelSyntaxError(f"line {line_no}: {text!r}: exploratory blocks (efa(...), lavaan's ESEM) are not "
                               "supported yet; fit an exploratory factor analysis with servq.stats.efa.efa, or "
                               "write the loadings of a confirmatory model")
    if ":" in bare and "~" in bare:
        raise ModelSyntaxError(f"line {line_no}: {text!r}: interaction terms (a:b) are not supported; add the "
                               "product of the two observed variables as a column of data and regress on it "
                               "(lavaan 0.6-14 too looks for a column named 'a:b')")
    stripped = bare.replace("=~", " ")
    for op, what, instead in _UNSUPPORTED:
        if op in stripped:
            raise ModelSyntaxError(f"line {line_no}: {text!r}: {what}; {instead}")
    tokens = _tokens(text, line_no)
    ops = [i for i, t in enumerate(tokens) if t in OPERATORS]
    if not ops:
        raise ModelSyntaxError(f"line {line_no}: no operator (=~, ~ or ~~) in {text!r}")
    if len(ops) > 1:
        raise ModelSyntaxError(f"line {line_no}: second operator {tokens[ops[1]]!r} in {text!r}")
    k = ops[0]
    op = tokens[k]
    lhs = _lhs_names(tokens[:k], text, line_no)
    rhs_tokens = tokens[k + 1:]
    if not rhs_tokens:
        raise ModelSyntaxError(f"line {line_no}: nothing after {op!r} in {text!r}")
    out = []
    for term in _split_plus(rhs_tokens, text, line_no):
        mods, name = _parse_term(term, text, line_no)
        if name == "1":
            if op != "~":
                raise ModelSyntaxError(f"line {line_no}: '1' after {op!r} in {text!r}; "
                                       "an intercept is written 'y ~ 1'")
            for left in lhs:
                out.append(Formula(left, "~1", "", mods, line_no))
            continue
        for left in lhs:
            out.append(Formula(left, op, name, mods, line_no))
    return out


def _parse_constraint(text: str, op: str, line_no: int) -> Formula:
    """``name := expression``, or ``expression == expression`` (``<``, ``>``)."""
    left, _, right = text.partition(op)
    if op == ":=" and not _NAME.match(left.strip()):
        raise ModelSyntaxError(f"line {line_no}: {text!r}: a defined parameter needs a name before "
                               f"':=', not {left.strip()!r}")
    try:
        lhs = left.strip() if op == ":=" else expression(left).text
        rhs = expression(right).text
    except ExpressionError as err:
        raise ModelSyntaxError(f"line {line_no}: {text!r}: {err}") from None
    return Formula(lhs, op, rhs, line=line_no)


def _lhs_names(tokens: list[str], text: str, line_no: int) -> list[str]:
    if not tokens:
        raise ModelSyntaxError(f"line {line_no}: nothing before the operator in {text!r}")
    names = []
    for term in _split_plus(tokens, text, line_no):
        if len(term) != 1 or not _NAME.match(term[0]):
            bad = term[1] if len(term) > 1 else term[0]
            raise ModelSyntaxError(f"line {line_no}: unexpected token {bad!r} on the left "
                                   f"of the operator in {text!r}")
        names.append(term[0])
    return names


def _split_plus(tokens: list[str], text: str, line_no: int) -> list[list[str]]:
    terms: list[list[str]] = [[]]
    depth = 0
    for tok in tokens:
        depth += tok == "("
        depth -= tok == ")"
        if tok == "+" and depth == 0:
            terms.append([])
        else:
            terms[-1].append(tok)
    for term in terms:
        if not term:
            raise ModelSyntaxError(f"line {line_no}: a '+' without a term beside it in {text!r}")
    return terms


def _parse_term(term: list[str], text: str, line_no: int) -> tuple[tuple[Modifier, ...], str]:
    """``[modifier *]... name`` -> (per-group modifiers, name)."""
    chunks: list[list[str]] = [[]]
    depth = 0
    for tok in term:
        depth += (tok == "(") - (tok == ")")
        if tok == "*" and depth == 0:
            chunks.append([])
        else:
            chunks[-1].append(tok)
    last = chunks[-1]
    if len(last) != 1 or not (_NAME.match(last[0]) or last[0] == "1"):
        bad = "*" if not last else (last[1] if len(last) > 1 else last[0])
        raise ModelSyntaxError(f"line {line_no}: unexpected token {bad!r} in {text!r} "
                               "(expected a variable name, or '1' for an intercept)")
    per_group: list[dict] | None = None
    common: dict = {}
    for part in chunks[:-1]:
        if not part:
            raise ModelSyntaxError(f"line {line_no}: unexpected token '*' in {text!r}")
        values = _modifier_values(part, text, line_no)
        if isinstance(values, list):
            if per_group is not None and len(per_group) != len(values):
                raise ModelSyntaxError(f"line {line_no}: c(...) modifiers of different lengths "
                                       f"in {text!r}")
            per_group = per_group or [{} for _ in values]
            for slot, value in zip(per_group, values):
                slot.update(value)
        else:
            common.update(values)
    if per_group is None:
        return (Modifier(**common),), last[0]
    return tuple(Modifier(**{**common, **slot}) for slot in per_group), last[0]


def _modifier_values(part: list[str], text: str, line_no: int) -> dict | list[dict]:
    head = part[0]
    if len(part) == 1:
        return _single(head, text, line_no)
    if len(part) >= 3 and part[1] == "(" and part[-1] == ")":
        args = _split_commas(part[2:-1], text, line_no)
        if head == "c":
            return [_single(a, text, line_no) for a in args]
        if head == "start" and len(args) == 1 and _NUMBER.match(args[0]):
            return {"start": float(args[0])}
        if head in ("label", "equal") and len(args) == 1:
            return _single(args[0], text, line_no)
    raise ModelSyntaxError(f"line {line_no}: unexpected token {head!r} in modifier "
                           f"{' '.join(part)!r} of {text!r}")


def _split_commas(tokens: list[str], text: str, line_no: int) -> list[str]:
    args, expect_value = [], True
    for tok in tokens:
        if tok == ",":
            if expect_value:
                raise ModelSyntaxError(f"line {line_no}: empty element in c(...) in {text!r}")
            expect_value = True
        elif expect_value:
            args.append(tok)
            expect_value = False
        else:
            raise ModelSyntaxError(f"line {line_no}: unexpected token {tok!r} in {text!r}")
    if expect_value:
        raise ModelSyntaxError(f"line {line_no}: empty element in c(...) in {text!r}")
    return args


def _single(token: str, text: str, line_no: int) -> dict:
    if token == "NA":
        return {"free": True}
    if _NUMBER.match(token):
        return {"fixed": float(token)}
    if _QUOTED.fullmatch(token) and len(token) > 2:  # a quoted label may name a parameter: "f=~x2"
        return {"label": token[1:-1]}
    if _NAME.match(token):
        return {"label": token}
    raise ModelSyntaxError(f"line {line_no}: unexpected token {token!r} in modifier of {text!r}")
