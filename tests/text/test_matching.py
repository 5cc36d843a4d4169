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


# --------------------------------------------------------------- terms of several words (issue 15)


def test_a_term_of_several_words_begins_at_a_word_start_in_part_mode():
    p = compile_terms(["i kö", "hör av", "kom inte", "var nere", "telefonkö"], "part")
    # the first word is never the tail of another word ...
    assert find(p, "vi köpte ett abonnemang") == []                   # vi köpte: we bought
    assert find(p, "ärendet tillhör avdelningen") == []               # tillhör: belongs to
    assert find(p, "det bekom inte personalen") == []                 # bekom: bothered
    assert find(p, "vi blev kvar nere i garaget") == []               # kvar: still
    # ... while the last word may go on (a compound, an ending), as single words may
    assert find(p, "vi stod i kön, sedan i köerna") == ["i kö", "i kö"]
    assert find(p, "jag hör av mig; paketet kom inte; servern var nere") == ["hör av", "kom inte", "var nere"]
    assert find(p, "telefonkön") == ["telefonkö"]


def test_a_longer_term_of_several_words_still_wins_over_a_shorter_one():
    p = compile_terms(["fel", "fel information", "i kö", "i köp"], "part")
    assert find(p, "de gav fel information") == ["fel information"]
    assert find(p, "telefel information") == ["fel"]                  # not at a word start: the single word
    assert find(p, "det ingick i köpet men inte i kön") == ["i köp", "i kö"]


def _several_words(lang):
    from servq.text.lexicon import load_lexicon

    lex = load_lexicon()
    return lex, [t for t in lex.written[lang] if " " in term_key(t)]


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_no_term_of_several_words_in_the_lexicon_matches_as_the_tail_of_a_word(lang):
    lex, terms = _several_words(lang)
    assert len(terms) > 30
    pattern = lex._patterns[lang]
    for term in terms:
        key = term_key(term)
        glued = "x" + key.replace("*", "")                         # "xi kö", "xlost my", "xkom aldrig"
        assert key not in find(pattern, glued), term
        # at a word start it is found (or a longer term that begins with it)
        assert any(k.startswith(key) for k in find(pattern, "och " + key)), term
