"""Arithmetic expressions of lavaan's ``:=`` and ``==`` statements, parsed safely.

An expression is read with Python's :mod:`ast` and accepted only when every node is on a
whitelist: numbers, names, ``+ - * / ^`` (R's power; ``**`` too), unary ``+``/``-``,
parentheses and calls of the functions in :data:`FUNCTIONS`. Nothing is ever passed to
``eval``: the tree is walked by :meth:`Expression.evaluate`, which also accepts complex
values, so derivatives come from the complex step (Squire & Trapp 1998) — exact to rounding,
as lavaan's ``lav_func_jacobian_complex``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import cast

import numpy as np


def _abs(x):
    """|x| that keeps the complex step: the sign of the real part, not the modulus."""
    return -x if np.real(x) < 0 else x


FUNCTIONS: dict[str, Callable] = {"exp": np.exp, "log": np.log, "sqrt": np.sqrt, "abs": _abs,
                                  "sin": np.sin, "cos": np.cos, "tan": np.tan, "atan": np.arctan,
                                  "asin": np.arcsin, "acos": np.arccos, "tanh": np.tanh,
                                  "log10": np.log10, "log2": np.log2}
_BINARY: dict[type, Callable] = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply,
                                 ast.Div: np.divide, ast.Pow: np.power}
_UNARY: dict[type, Callable] = {ast.USub: np.negative, ast.UAdd: np.positive}
_WORDS = re.compile(r"(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)"  # numbers
                    r"|([A-Za-z_.][A-Za-z0-9_.]*)(\s*\()?")               # names, calls
_STEP = 1e-20  # complex step: no subtraction, so no cancellation however small


class ExpressionError(ValueError):
    """An expression outside the accepted arithmetic (the message names the part).

    Raised by :func:`expression`; :func:`~servq.stats.sem.syntax.parse` turns it into a
    :class:`~servq.stats.sem.syntax.ModelSyntaxError` naming the line.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36 (defined parameters and constraints).

    Examples
    --------
    R would call ``system()``; servq refuses any function not in :data:`FUNCTIONS`:

    >>> try:
    ...     expression("system(a)")
    ... except ExpressionError as err:
    ...     print(err)
    function 'system' is not one of exp, log, sqrt, abs, sin, cos, tan, atan, asin, acos, tanh, log10, log2
    """


@dataclass(frozen=True)
class Expression:
    """A parsed arithmetic expression of parameter names.

    Parameters
    ----------
    text : str
        The expression as lavaan prints it (white space removed).
    tree : ast.expr
        The checked syntax tree.
    names : tuple of str
        The parameter names used, in order of first appearance.

    References
    ----------
    Squire, W. & Trapp, G. (1998). Using complex variables to estimate derivatives of real
    functions. SIAM Review, 40(1), 110–112.

    Examples
    --------
    The indirect effect of a mediation model (R: ``ab := a*b`` in lavaan's syntax):

    >>> e = expression("a * b")
    >>> e.text, e.names, e.evaluate({"a": 2.0, "b": 0.5})
    ('a*b', ('a', 'b'), 1.0)
    """

    text: str
    tree: ast.expr
    names: tuple[str, ...]

    def evaluate(self, values: Mapping[str, complex]) -> complex:
        """The value with each name replaced by ``values[name]`` (real or complex); NaN
        where a function is undefined (the log of a negative number)."""
        with np.errstate(all="ignore"):
            value = _walk(self.tree, values)
        return complex(value) if np.iscomplexobj(value) else float(value)

    def gradient(self, values: Mapping[str, float]) -> dict[str, float]:
        """∂/∂name at ``values`` for each name, by the complex step."""
        out = {}
        for name in self.names:
            shifted = {**values, name: values[name] + 1j * _STEP}
            out[name] = float(np.imag(self.evaluate(shifted)) / _STEP)
        return out


def expression(text: str) -> Expression:
    """Parse ``text`` into an :class:`Expression` (R's ``^`` is the power).

    Parameters
    ----------
    text : str
        An arithmetic expression of names and numbers.

    Returns
    -------
    Expression
        The checked tree, its lavaan text and the names it uses.

    Raises
    ------
    ExpressionError
        When ``text`` is not an expression, or uses a construct or function outside the
        whitelist (attributes, subscripts, keywords, strings, comparisons …).

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36.

    Examples
    --------
    As lavaan prints ``total := c + a * b`` in ``parameterEstimates()``:

    >>> e = expression("c + a * b")
    >>> e.text, e.evaluate({"a": 2, "b": 3, "c": 1})
    ('c+a*b', 7.0)
    """
    compact = re.sub(r"\s+", "", text)
    if not compact:
        raise ExpressionError("empty expression")
    # R names may hold dots or be Python keywords: each becomes a placeholder before ast reads it
    names: list[str] = []

    def placeholder(match: re.Match) -> str:
        if match.group(1) or match.group(3):  # a number, or a function name
            return match.group(0)
        names.append(match.group(2))
        return f"_v{len(names) - 1}"

    coded = _WORDS.sub(placeholder, text.strip()).replace("^", "**")
    try:
        tree = ast.parse(coded, mode="eval").body
    except SyntaxError:
        raise ExpressionError(f"cannot read {compact!r} as an arithmetic expression") from None
    tree = _check(tree, names, compact)
    return Expression(compact, tree, tuple(dict.fromkeys(names)))


def _check(node: ast.AST, names: list[str], text: str) -> ast.expr:
    """Refuse any node off the whitelist; give placeholders back their R names."""
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return ast.BinOp(_check(node.left, names, text), node.op, _check(node.right, names, text))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return ast.UnaryOp(node.op, _check(node.operand, names, text))
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node
    if isinstance(node, ast.Name) and re.fullmatch(r"_v\d+", node.id):
        return ast.Name(names[int(node.id[2:])])
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        if node.func.id not in FUNCTIONS:
            raise ExpressionError(f"function {node.func.id!r} is not one of {', '.join(FUNCTIONS)}")
        if len(node.args) != 1:
            raise ExpressionError(f"function {node.func.id!r} takes one argument")
        return ast.Call(node.func, [_check(node.args[0], names, text)], [])
    raise ExpressionError(f"{text!r} is not arithmetic of names and numbers "
                          "(+ - * / ^, parentheses, functions)")


def _walk(node: ast.AST, values: Mapping[str, complex]):
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_walk(node.left, values), _walk(node.right, values))
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](_walk(node.operand, values))
    if isinstance(node, ast.Constant):
        return float(cast(float, node.value))  # a float: NumPy refuses integers to negative integer powers
    if isinstance(node, ast.Name):
        return values[node.id]
    call = cast(ast.Call, node)  # the only node left after _check
    return FUNCTIONS[cast(ast.Name, call.func).id](_walk(call.args[0], values))
