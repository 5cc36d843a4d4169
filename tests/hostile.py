"""Hostile input: YAML that attacks a parser and texts that a spreadsheet would run as
formulas (imported by the tests of the YAML readers and of the exports)."""

from __future__ import annotations

FORMULAS = ('=HYPERLINK("http://x","click")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1")
"""Texts that begin as a formula (OWASP's list: = + - @ tab CR); an export writes each with a ' in front."""


def laughs(leaf: str = '"lol"', levels: int = 9) -> str:
    """A "billion laughs" document: keys ``a``, ``b``, … each a list of nine of the one
    before, so a few hundred bytes expand to ``9 ** levels`` copies of ``leaf``. The first
    alias is on line 2; the last key is ``"abcdefghijklmnop"[levels - 1]``."""
    names = "abcdefghijklmnop"[:levels]
    lines = [f"a: &a [{', '.join([leaf] * 9)}]"]
    lines += [f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]" for prev, name in zip(names, names[1:])]
    return "\n".join(lines) + "\n"
