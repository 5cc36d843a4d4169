"""Term matching: whole words and stems, parts of words, longest match, no overlap."""

import pytest

from servq.text.matching import compile_terms, find, normalise, term_key


def test_word_mode_whole_words_and_stems():
    p = compile_terms(["fee", "refund*", "*n't", "on hold"], "word")
    assert find(p, normalise("Feedback: the FEE was refunded? I didn't get it; on  hold")) == \
        ["fee", "refund", "n't", "on hold"]
    assert find(p, "coffee fees") == []          # neither inside a word nor with an ending


def test_part_mode_finds_terms_inside_words():
    # Swedish compounds: the stem inside a longer word
    p = compile_terms(["vänta", "kö", "faktur"], "part")
    assert find(p, "jag väntade i telefonkön på fakturan") == ["vänta", "kö", "faktur"]
    # Chinese without spaces
    p = compile_terms(["排队", "态度", "太差"], "part")
    assert find(p, "排队两个小时服务态度太差") == ["排队", "态度", "太差"]


def test_longest_term_wins_and_matches_do_not_overlap():
    p = compile_terms(["不满", "不满意", "满意"], "part")
    assert find(p, "很不满意") == ["不满意"]
    p = compile_terms(["wait*", "waiting room"], "word")
    assert find(p, "the waiting room, then waiting") == ["waiting room", "wait"]


def test_a_leading_term_hides_a_shorter_one_inside_it():
    p = compile_terms(["vänta", "förvänt"], "part")
    assert find(p, "jag förväntade mig mer") == ["förvänt"]


def test_star_only_in_word_mode_and_special_characters_are_literal():
    assert find(compile_terms(["kö*"], "part"), "telefonkö") == ["kö"]
    assert find(compile_terms(["wi-fi", "a.b"], "word"), "no wi-fi, axb") == ["wi-fi"]


def test_normalise_and_keys():
    assert normalise("  A\tB\n c ") == "a b c"
    assert term_key("*Refund*") == "refund"
    assert compile_terms([], "word") is None and find(None, "x") == []
    with pytest.raises(ValueError, match="unknown match mode"):
        compile_terms(["x"], "regex")
