"""The baseline lexicon: matching in each language (Chinese without spaces, Swedish
compounds), the decision rule by hand, a user's own lexicon, and its problems with lines;
its JSON form and fingerprint (what a trained model stores)."""

import json

import numpy as np
import pytest

from servq.errors import ProblemsError, UsageError
from servq.text import UNCLASSIFIED, load_lexicon, parse_lexicon
from servq.text.lexicon import LexiconError

SERVQUAL = ("tangibles", "reliability", "responsiveness", "assurance", "empathy", "price_billing",
            "product_quality")


def test_builtin_lexicon_covers_every_dimension_in_every_language():
    lex = load_lexicon()
    assert lex.dimensions == SERVQUAL and load_lexicon("servqual") is lex
    for lang in ("en", "sv", "zh"):
        weights = np.array(list(lex.terms[lang].values()))
        assert (weights > 0).sum(axis=0).min() >= 30, lang   # 30+ terms per dimension


@pytest.mark.parametrize("text, dimension", [
    ("The toilets were filthy", "tangibles"),
    ("I was on hold for an hour", "responsiveness"),
    ("They promised a callback that never came", "reliability"),
    ("The clerk was rude and condescending", "assurance"),
    ("They only open on weekdays when I work, and nobody listens", "empathy"),
    ("I was overcharged on my bill", "price_billing"),
    ("No signal and the internet keeps dropping", "product_quality"),
])
def test_english_terms(text, dimension):
    assert load_lexicon().classify([text])[0][0] == dimension


def test_chinese_is_matched_without_spaces():
    lex = load_lexicon()
    assert lex.matches("营业厅排队排了两个小时") == {"tangibles": ["营业厅"], "responsiveness": ["排队", "排了", "小时"]}
    assert lex.classify(["营业厅排队排了两个小时"])[0][0] == "responsiveness"
    assert lex.classify(["这个月话费多扣了三十元"])[0][0] == "price_billing"
    assert lex.classify(["手机信号太差，经常掉线"])[0][0] == "product_quality"


def test_swedish_compounds_are_matched_by_their_stems():
    lex = load_lexicon()
    # väntetiden, telefonkön, kundtjänsten: stems inside compounds and inflections
    assert lex.matches("Väntetiden i telefonkön var orimlig") == {"responsiveness": ["väntetid", "telefonkö"]}
    assert lex.matches("Månadsavgiften och fakturan stämmer inte") == \
        {"reliability": ["stämmer inte"], "price_billing": ["avgift", "faktur"]}
    # a word that merely contains a stem is kept out by the ignore list: förväntan is not vänta
    assert lex.matches("Jag hade högre förväntningar") == {}


def test_decision_rule_by_hand():
    lex = parse_lexicon("""
servq_lexicon: 1
dimensions:
  alpha: {en: {one: 1, three: 3, shared: 1}}
  beta: {en: {two: 2, shared: 2}}
""")
    texts = ["three and three again",   # alpha 3 (a term counts once): 3 / (3 + 1)
             "one two",                 # alpha 1, beta 2: 2 / (3 + 1)
             "one and two and one",     # the same
             "shared",                  # alpha 1, beta 2 from one term in both
             "one one three two",       # alpha 4, beta 2: 4 / 7
             "two three",               # tie 3-2? no: alpha 3, beta 2 -> alpha 3/6
             "nothing here", ""]
    dims, conf = lex.classify(texts)
    assert dims.tolist() == ["alpha", "beta", "beta", "beta", "alpha", "alpha", UNCLASSIFIED, UNCLASSIFIED]
    assert conf.tolist() == pytest.approx([3 / 4, 2 / 4, 2 / 4, 2 / 4, 4 / 7, 3 / 6, 0, 0])


def test_ties_go_to_the_dimension_listed_first():
    lex = parse_lexicon("servq_lexicon: 1\ndimensions:\n  b: {en: {x: 2}}\n  a: {en: {y: 2}}\n")
    dims, conf = lex.classify(["y x", "x y"])
    assert dims.tolist() == ["b", "b"] and conf.tolist() == pytest.approx([0.4, 0.4])


def test_a_user_lexicon_for_another_instrument(tmp_path):
    path = tmp_path / "gronroos.yaml"
    path.write_text("""servq_lexicon: 1
name: Grönroos technical / functional / image
dimensions:
  technical: {en: {broken: 2, "doesn't work": 3}, sv: {trasig: 2, fungerar inte: 3}, zh: {坏了: 3}}
  functional: {en: {rude*: 3, wait*: 2}, sv: {otrevlig: 3, vänta: 2}, zh: {态度: 2, 排队: 2}}
  image: {en: {reputation: 3, brand: 2}, sv: {rykte: 3}, zh: {口碑: 3}}
""", encoding="utf-8")
    lex = load_lexicon(path)
    texts = ["The app doesn't work", "Rudely treated", "Bankens rykte är förstört", "Personalen var otrevlig",
             "手机坏了", "口碑很差", "态度不好还要排队"]
    assert lex.classify(texts)[0].tolist() == ["technical", "functional", "image", "functional",
                                                "technical", "image", "functional"]


def test_problems_are_reported_with_their_lines(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("""servq_lexicon: 1
dimensions:
  Tangibles: {en: {dirty: 2}}
  speed:
    en: {slow: 0, fast: 2}
    fr: {lent: 2}
  unclassified: {en: {x: 1}}
  money:
    en: {Fee: 2, fee: 3, "ref*und": 1}
match: {sv: words}
""", encoding="utf-8")
    with pytest.raises(LexiconError) as info:
        load_lexicon(path)
    text = str(info.value)
    assert isinstance(info.value, ProblemsError)
    assert f"{path}: " in text and "problem(s) in the lexicon" in text
    assert "line 3" in text and "a dimension id is lower case" in text
    assert "line 5" in text and "greater than 0" in text
    assert "line 6" in text and "unknown language 'fr'" in text
    assert "line 7" in text and "reserved" in text
    assert "line 9" in text and "given twice" in text and "a * may only start or end a term" in text
    assert "line 10" in text and "unknown match mode 'words'" in text


def test_bad_yaml_missing_file_and_wrong_version(tmp_path):
    with pytest.raises(UsageError, match="lexicon file not found"):
        load_lexicon(tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("servq_lexicon: 1\ndimensions: {a: {en: {x: 1}}\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="not valid YAML"):
        load_lexicon(bad)
    bad.write_text("servq_lexicon: 2\ndimensions: {a: {en: {x: 1}}}\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="must be 1"):
        load_lexicon(bad)
    bad.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="not a lexicon file"):
        load_lexicon(bad)
    bad.write_text("servq_lexicon: 1\ndimensions:\n  a: {zh: {12315: 1}}\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="a term must be text"):
        load_lexicon(bad)


def test_to_dict_from_dict_and_fingerprint():
    from servq.text import Lexicon

    lex = load_lexicon()
    data = json.loads(json.dumps(lex.to_dict(), ensure_ascii=False))
    again = Lexicon.from_dict(data)
    assert again.fingerprint == lex.fingerprint and again.dimensions == lex.dimensions
    texts = ["Väntetiden i telefonkön var orimlig", "账单多扣了话费", "The waiting room was filthy"]
    np.testing.assert_array_equal(again.classify(texts)[1], lex.classify(texts)[1])
    data["terms"]["en"]["filthy"] = [2.0] + [0.0] * 6
    assert Lexicon.from_dict(data).fingerprint != lex.fingerprint
    for broken, message in [({"servq_lexicon": 2}, "not a servq lexicon"),
                            ({**data, "dimensions": []}, "distinct dimensions"),
                            ({**data, "match": {"fr": "word"}}, "match modes"),
                            ({**data, "terms": {"en": {"x": [1.0]}}}, "do not fit its dimensions"),
                            ({k: v for k, v in data.items() if k != "written"}, "without 'written'")]:
        with pytest.raises(ValueError, match=message):
            Lexicon.from_dict(broken)
