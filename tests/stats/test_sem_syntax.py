import re

import pytest

from servq.stats.sem import ModelSyntaxError, parse
from servq.stats.sem.model import SemSpecificationError, SemWarning, build


def triples(formulas):
    return [(f.lhs, f.op, f.rhs) for f in formulas]


def test_operators_and_multiple_lhs():
    fs = parse("f =~ x1 + x2\ny ~ f + z\nf1 + f2 ~ w\nx1 ~~ x2\ny ~ 1")
    assert triples(fs) == [("f", "=~", "x1"), ("f", "=~", "x2"), ("y", "~", "f"), ("y", "~", "z"),
                           ("f1", "~", "w"), ("f2", "~", "w"), ("x1", "~~", "x2"), ("y", "~1", "")]


def test_continuation_comments_and_semicolons():
    fs = parse("""
        # measurement
        f =~ x1 +    ! a comment in lavaan's other style
             x2
             + x3 ; g =~ x4 + x5
        f =~ x6      # a second line for the same operator
    """)
    assert triples(fs) == [("f", "=~", "x1"), ("f", "=~", "x2"), ("f", "=~", "x3"),
                           ("g", "=~", "x4"), ("g", "=~", "x5"), ("f", "=~", "x6")]
    assert [f.line for f in fs] == [3, 3, 3, 5, 5, 6]


def test_quoted_labels_may_name_parameters():
    """lavaan's equal("f=~x2")*x3 and label("x1~~x1"): the quoted text is a label (its operators
    are none of the statement's), also at the start of a continued line and inside c(...)."""
    fs = parse('f =~ x1 + equal("f=~x2")*x3 + label(\'b\')*x4\n + equal("x1~~x1")*x5 ; x1 ~ c("a", "x2~1.g2")*1')
    assert triples(fs) == [("f", "=~", "x1"), ("f", "=~", "x3"), ("f", "=~", "x4"), ("f", "=~", "x5"),
                           ("x1", "~1", "")]
    assert [f.modifiers[0].label for f in fs[:4]] == [None, "f=~x2", "b", "x1~~x1"]
    assert [m.label for m in fs[4].modifiers] == ["a", "x2~1.g2"]
    labels = {(r.lhs, r.rhs): (r.label, r.par) for r in build(parse('f =~ x1 + x2 + equal("f=~x2")*x3')).rows}
    assert labels["f", "x3"] == labels["f", "x2"] == ("f=~x2", labels["f", "x2"][1])


def test_modifiers():
    fs = parse("f =~ NA*x1 + 1*x2 + 0.5*x3 + a*x4 + start(0.8)*b*x5 + c(1, NA)*x6 + c(g1, g2)*x7")
    mods = [f.modifiers for f in fs]
    assert mods[0][0].free and mods[0][0].fixed is None
    assert mods[1][0].fixed == 1.0
    assert mods[2][0].fixed == 0.5
    assert mods[3][0].label == "a"
    assert (mods[4][0].start, mods[4][0].label) == (0.8, "b")
    assert mods[5][0].fixed == 1.0 and mods[5][1].free
    assert [m.label for m in mods[6]] == ["g1", "g2"]
    assert fs[6].modifier(1).label == "g2"
    assert fs[3].modifier(5).label == "a"  # one modifier applies to every group
    with pytest.raises(ModelSyntaxError, match="group modifiers"):
        fs[6].modifier(2)


@pytest.mark.parametrize("text, message", [
    ("f =~ x1 + + x2", r"line 1: a '\+' without a term"),
    ("f =~ x1 +", r"line 1: a '\+' without a term"),
    ("f =~ *x1", r"line 1: unexpected token '\*'"),
    ("f =~ x1\ng =~ 2*", r"line 2: unexpected token '\*'"),
    ("f =~ x(1)", r"line 1: unexpected token '\('"),
    ("a b =~ x", r"line 1: unexpected token 'b' on the left"),
    ("f ~~", r"line 1: nothing after '~~'"),
    ("f =~ x1 ~ x2", r"line 1: second operator '~'"),
    ("ab := a(b)", r"line 1: 'ab := a\(b\)': function 'a' is not one of exp, log"),
    ("a == b == c", r"line 1: 'a == b == c': 'b==c' is not arithmetic"),
    ("f =~ x1 + x2\nx3", r"line 2: no operator \(=~, ~ or ~~\) in 'x3', and the line before does not continue"),
    ("f =~ x1\n\ny ~~ 1", r"line 3: '1' after '~~'"),
    ("f =~ x1 + 3", r"line 1: unexpected token '3'"),
    ("f =~ foo(2)*x1", r"line 1: unexpected token 'foo'"),
    ("", "empty"),
])
def test_parse_errors_name_line_and_token(text, message):
    with pytest.raises(ModelSyntaxError, match=message):
        parse(text)


@pytest.mark.parametrize("line, what", [
    ("x1 | t1", r"thresholds \(\|\) are not supported yet; ordinal indicators are not either"),
    ("x1 | t1 + t2", r"thresholds \(\|\) are not supported yet"),
    ("d := a*", r"cannot read 'a\*' as an arithmetic expression"),
    ("c <~ x7 + x8", r"formative indicators \(<~\) are not supported yet"),
    ("f ~*~ f", r"scale factors \(~\*~\) are not supported yet"),
    ("group: 1", r"blocks \(group: or level:\) are not supported yet"),
    ("h = x7 + x8", r"'=' is not a lavaan operator"),
    ("x9 ~ x7:x8 + x7", r"interaction terms \(a:b\) are not supported; add the product"),
    ('efa("e")*f1 + efa("e")*f2 =~ x1 + x2 + x3', r"exploratory blocks \(efa\(\.\.\.\), lavaan's ESEM\) are not"),
])
def test_unsupported_lines_are_named_on_their_own_line(line, what):
    """A line with an operator of its own is a statement of its own (lavaan's rule), even
    after a line ending in a name: the error names its line, its text and the feature."""
    model = f"f =~ x1 + a*x2 +\n     x3\ng =~ x4 + b*x5 + x6\n{line}   # comment\nh =~ x7 + x8 + x9"
    with pytest.raises(ModelSyntaxError, match=rf"^line 4: {re.escape(repr(line))}: {what}"):
        parse(model)


def test_definitions_and_constraints_are_statements_of_their_own():
    model = "f =~ x1 + a*x2 +\n     x3\nab := a *\n  b   # continued\nx1 ~~ x2\nc - 0.5 == 2 * a"
    fs = parse(model)
    assert triples(fs)[-3:] == [("ab", ":=", "a*b"), ("x1", "~~", "x2"), ("c-0.5", "==", "2*a")]
    assert [f.line for f in fs[-3:]] == [3, 5, 6]


def test_only_real_continuations_are_joined():
    fs = parse("f =~ x1 +\n x2\ng =~ x3\n   + x4\nh =~ c(a,\n b)*x5 + x6\ny ~\n f")
    assert triples(fs) == [("f", "=~", "x1"), ("f", "=~", "x2"), ("g", "=~", "x3"), ("g", "=~", "x4"),
                           ("h", "=~", "x5"), ("h", "=~", "x6"), ("y", "~", "f")]
    assert [f.line for f in fs] == [1, 1, 3, 3, 5, 5, 7]
    assert [m.label for m in fs[4].modifiers] == ["a", "b"]
    with pytest.raises(ModelSyntaxError, match=r"^line 3: no operator .* in 'x4'"):
        parse("f =~ x1 + x2\ng =~ x3\nx4")


def test_not_a_string():
    with pytest.raises(ModelSyntaxError, match="string"):
        parse(None)


def rows(model, **kw):
    return {(r.lhs, r.op, r.rhs): r for r in build(parse(model), **kw).rows if r.group == 0}


def test_cfa_defaults():
    t = rows("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6")
    assert not t["visual", "=~", "x1"].free and t["visual", "=~", "x1"].value == 1
    assert t["visual", "=~", "x2"].free
    assert t["x1", "~~", "x1"].free and t["visual", "~~", "visual"].free
    assert t["visual", "~~", "textual"].free  # auto.cov.lv.x
    std = rows("visual =~ x1 + x2 + x3", std_lv=True)
    assert std["visual", "=~", "x1"].free and not std["visual", "~~", "visual"].free
    orth = rows("a =~ x1 + x2 + x3\nb =~ x4 + x5 + x6", orthogonal=True)
    assert not orth["a", "~~", "b"].free and orth["a", "~~", "b"].value == 0


def test_sem_defaults():
    t = rows("f =~ x1 + x2 + x3\ny1 ~ f + w1 + w2\ny2 ~ f")
    assert t["y1", "~~", "y2"].free  # auto.cov.y among pure outcomes
    assert t["w1", "~~", "w2"].exo and not t["w1", "~~", "w2"].free  # fixed.x
    assert ("f", "~~", "w1") not in t
    single = rows("f =~ x1\ng =~ x2 + x3 + x4")
    assert not single["x1", "~~", "x1"].free and single["x1", "~~", "x1"].value == 0
    means = rows("f =~ x1 + x2 + x3", meanstructure=True)
    assert means["x1", "~1", ""].free and not means["f", "~1", ""].free


def test_modifier_overrides_default_and_labels_tie():
    model = build(parse("f =~ NA*x1 + a*x2 + a*x3\nf ~~ 1*f"))
    t = {(r.lhs, r.op, r.rhs): r for r in model.rows}
    assert t["f", "=~", "x1"].free and not t["f", "~~", "f"].free
    assert t["f", "=~", "x2"].par == t["f", "=~", "x3"].par
    assert model.n_par == 1 + 1 + 3


def test_group_equal_ties_across_groups():
    model = build(parse("f =~ x1 + x2 + x3"), n_groups=2, meanstructure=True,
                  group_equal=("loadings", "intercepts"))
    t = {(r.lhs, r.op, r.rhs, r.group): r for r in model.rows}
    assert t["f", "=~", "x2", 0].par == t["f", "=~", "x2", 1].par
    assert t["x1", "~1", "", 0].par == t["x1", "~1", "", 1].par
    assert t["x1", "~~", "x1", 0].par != t["x1", "~~", "x1", 1].par
    assert not t["f", "~1", "", 0].free and t["f", "~1", "", 1].free  # scalar: latent means


def test_bad_options():
    with pytest.raises(SemSpecificationError, match="group_equal 'slopes'"):
        build(parse("f =~ a + b + c"), n_groups=2, group_equal=("slopes",))
    with pytest.raises(SemSpecificationError, match="several groups"):
        build(parse("f =~ a + b + c"), group_equal=("loadings",))
    with pytest.raises(SemSpecificationError, match="measures itself"):
        build(parse("f =~ f + a"))


def test_duplicates_are_ignored_with_a_warning():
    with pytest.warns(SemWarning, match="line 2: duplicated element f =~ a"):
        model = build(parse("f =~ a + b + c\nf =~ a"))
    assert sum(r.op == "=~" for r in model.rows) == 3
