"""Word tokens of complaints: Chinese words (jieba), English and Swedish stems (Snowball),
Swedish compounds split, and their use as features of a model."""

from __future__ import annotations

import numpy as np
import pytest

from servq.text.features import WORD_PREFIX, CharNgrams
from servq.text.model import load_model, train
from servq.text.tokens import MIN_PART, parts, tokens


def test_chinese_is_cut_into_dictionary_words():
    # Python jieba 0.42.1's default cut of these clauses (jieba.lcut, punctuation left out)
    assert tokens("营业厅排队两个小时", "zh") == ["营业厅", "排队", "两个", "小时"]
    assert tokens("客服态度很差，退款一直没到账", "zh") == ["客服", "态度", "很差", "退款", "一直", "没到", "账"]


def test_latin_words_inside_chinese_stay_whole():
    assert tokens("App打不开", "zh") == ["app", "打不开"]


def test_english_stems_are_porter2():
    # Snowball's published English sample vocabulary
    words = "consist consisted consistency consistent consistently consisting consists"
    assert tokens(words, "en") == ["consist"] * 7


def test_swedish_stems_by_hand():
    # Snowball's Swedish step 1 removes the longest suffix in R1 (after the first consonant
    # that follows a vowel): fak|turorna -> -orna, vän|tade -> -ade, per|sonalen -> -en
    assert tokens("fakturorna väntade personalen", "sv") == ["faktur", "vänt", "personal"]


def test_digits_become_zero_as_in_the_ngrams():
    assert tokens("Order 12345 late", "en") == ["order", "00000", "late"]


def test_compounds_split_into_known_parts_and_keep_the_whole():
    known = {"kund", "tjänst", "kundtjänst", "personal"}
    assert parts("kundtjänstpersonal", known) == ["kundtjänst", "kund", "tjänst", "personal"]
    assert tokens("kundtjänstpersonalen", "sv", known) == ["kundtjänstpersonal", "kundtjänst", "kund", "tjänst",
                                                            "personal"]


def test_a_linking_s_is_dropped():
    assert parts("avgiftshöjning", {"avgift", "höjning"}) == ["avgift", "höjning"]
    # ... but a modifier that is known with its s stays whole
    assert parts("avgiftshöjning", {"avgifts", "höjning"}) == ["avgifts", "höjning"]


def test_no_split_into_unknown_or_short_parts():
    assert parts("fakturan", {"tur"}) == []
    assert parts("kötid", {"kö", "tid"}) == []  # kö is shorter than MIN_PART
    assert MIN_PART == 3
    assert parts("kundtjänst", set()) == []


def test_the_longest_head_wins():
    # telefon|kö|tid is not splittable with MIN_PART 3, but telefon|tider is, rather than telefont|ider
    assert parts("telefontider", {"telefon", "tider", "telefont", "ider"})[:2] == ["telefon", "tider"]


def test_english_and_chinese_are_not_split():
    assert tokens("customerservice", "en", {"customer", "service"}) == ["customerservic"]


def test_word_features_hold_tokens_and_generalise_to_unseen_compounds():
    texts = ["personalen var otrevlig", "kundtjänsten svarar aldrig", "fakturorna var fel"]
    f = CharNgrams.fit(texts, words=True, languages=["sv"] * 3)
    tokens_in = {str(v)[len(WORD_PREFIX):] for v in f.vocabulary if str(v).startswith(WORD_PREFIX)}
    assert {"personal", "kundtjänst", "faktur", "otrev"} <= tokens_in
    X = f.transform(["kundtjänstpersonalen"], ["sv"])
    cols = {str(f.vocabulary[j]) for j in X.indices}
    assert {"w:kundtjänst", "w:personal"} <= cols  # the compound is read through its parts
    assert np.isclose((X.toarray() ** 2).sum(), 1.0)


def test_languages_must_match_texts():
    f = CharNgrams.fit(["a b"], words=True, languages=["en"])
    with pytest.raises(ValueError, match="2 texts but 1 languages"):
        f.transform(["a", "b"], ["en"])


def test_a_model_with_word_tokens_round_trips(tmp_path):
    texts = ["kön var lång", "fick vänta länge", "personalen var otrevlig", "otrevlig kassapersonal",
             "the queue was long", "waited for ages", "rude staff", "impolite clerk", "排队很久", "服务员态度差"] * 2
    labels = ["responsiveness", "responsiveness", "assurance", "assurance", "responsiveness", "responsiveness",
              "assurance", "assurance", "responsiveness", "assurance"] * 2
    m = train(texts, labels, words=True, lexicon=False)
    assert m.info["word_tokens"] is True and "word tokens" in m.info["features"]
    again = load_model(m.save(tmp_path / "m.npz"))
    new = ["personalen i kassan var otrevliga", "排队", "we waited"]
    assert again.features.words
    np.testing.assert_allclose(again.predict_proba(new), m.predict_proba(new))
