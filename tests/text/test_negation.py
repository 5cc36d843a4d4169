"""Negation (issue 15): a negated fault is no evidence, a negated expectation is the
complaint itself, a term holding its own negator keeps working, in English, Swedish and
Chinese; the reach of a negation (clause, five words, double negation, "not only"); and a
broken promise (an agreed action, then a negation) is reliability, whatever product it names."""

import pytest

from servq.text import classify, load_lexicon
from servq.text.matching import normalise
from servq.text.negation import negated, negators


def dimension(text):
    return classify([text], baseline=True).dimension[0]


def found(text):
    return {term for terms in load_lexicon().matches(text).values() for term in terms}


# --------------------------------------------------------------------------- denied faults


@pytest.mark.parametrize("text, expected", [
    # the report of issue 15: the complaint denies rudeness, and is about not being considered
    ("I'm not saying the staff were rude … they didn't consider my situation", "empathy"),
    ("The staff were not rude, but nobody listened to what I needed", "empathy"),
    ("Jag säger inte att personalen var otrevlig, men ingen lyssnade på mig", "empathy"),
    ("Personalen var inte otrevlig, men väntetiden var orimlig", "responsiveness"),
    ("我不是说服务员粗鲁，而是没有人考虑我的处境", "empathy"),
    ("服务员并不粗鲁，就是上菜太慢", "responsiveness"),
])
def test_a_negated_fault_is_no_evidence(text, expected):
    assert dimension(text) == expected
    assert not found(text) & {"rude", "otrevlig", "粗鲁"}


@pytest.mark.parametrize("text", ["The staff were not rude", "Personalen var inte otrevlig", "服务员不粗鲁",
                                  "There was no mistake on the invoice and no queue at all"])
def test_a_denied_complaint_alone_names_no_fault(text):
    assert not found(text) & {"rude", "otrevlig", "粗鲁", "mistake", "queue"}


@pytest.mark.parametrize("text, expected", [
    # a term that holds its own negator is not negated by it
    ("The parcel never arrived", "reliability"),
    ("Nobody called back, and I had no response for a week", "responsiveness"),
    ("Kundtjänsten svarade inte på mitt mejl", "responsiveness"),
    ("Paketet kom aldrig", "reliability"),
    ("快递一直没到", "reliability"),
    ("我的投诉没有回应", "responsiveness"),
    # a negated expectation is the complaint: no reply, not clean, no signal
    ("I did not get a reply to my email", "responsiveness"),
    ("The toilets were not clean", "tangibles"),
    ("No signal at all in my flat", "product_quality"),
    ("Jag har inte fått något svar", "responsiveness"),
    ("Det finns ingen täckning i lägenheten", "product_quality"),
    ("在App里留言两个星期，到现在都没有人回复", "responsiveness"),
    ("我家里没有信号", "product_quality"),
])
def test_negated_complaint_terms_keep_working(text, expected):
    assert dimension(text) == expected


def test_not_only_and_double_negation_deny_nothing():
    assert found("Not only rude but also slow") >= {"rude", "slow"}
    assert found("Personalen var inte bara otrevlig utan också långsam") >= {"otrevlig", "långsam"}
    assert found("服务员不仅粗鲁，而且很慢") >= {"粗鲁", "慢"}
    # a negator within reach of another reverses it
    assert "rude" in found("It is not true that they were never rude to me")
    # 特别 (especially) holds 别 and negates nothing
    assert dimension("营业厅特别脏") == "tangibles"


def test_swedish_utan_after_a_negation_is_but_not_without():
    assert "fel" in found("Det var inte personalen utan systemet som var fel")
    assert "fel" not in found("Det var utan fel")                     # "without error": a negator


# --------------------------------------------------------------------------- the reach


def _flags(text, lang, terms):
    text = normalise(text)
    spans = [(text.index(t), text.index(t) + len(t)) for t in terms]
    return negated(text, lang, spans)


def test_a_negation_reaches_five_words_and_never_past_its_clause():
    assert _flags("not saying the staff were rude", "en", ["rude"]) == (True,)         # the fifth word
    assert _flags("not saying that the staff were rude", "en", ["rude"]) == (False,)   # the sixth
    assert _flags("not happy, the staff were rude", "en", ["rude"]) == (False,)        # punctuation
    assert _flags("not happy because they were rude", "en", ["rude"]) == (False,)      # a clause word
    assert _flags("inte nöjd men personalen var otrevlig", "sv", ["otrevlig"]) == (False,)
    assert _flags("不是说服务员粗鲁", "zh", ["粗鲁"]) == (True,)                         # within five characters
    assert _flags("没有想过他们会这么粗鲁", "zh", ["粗鲁"]) == (False,)
    assert _flags("不是他们粗鲁，但是太慢", "zh", ["粗鲁", "慢"]) == (True, False)


def test_a_negator_inside_a_term_belongs_to_it():
    text = "the app doesn't work and the staff are rude"
    work = text.index("doesn't work")
    spans = [(work, work + len("doesn't work")), (text.index("rude"), text.index("rude") + 4)]
    (n,) = negators(text, "en", spans)
    assert n.owner == 0 and negated(text, "en", spans) == (False, False)


# --------------------------------------------------------------------------- broken promises


@pytest.mark.parametrize("text", [
    "We ordered the move of our broadband to the new flat … nothing was moved",
    "I booked a technician for Monday and nobody came",
    "Vi beställde flytt av bredbandet till nya lägenheten men ingenting har flyttats",
    "Jag bokade en tid för installation av internet, men ingen kom",
    "我们办理了宽带移机，三个星期了还没有移过去",
    "约好周六上门安装宽带，结果一直没来",
])
def test_an_agreed_action_not_done_is_reliability_not_the_product(text):
    assert dimension(text) == "reliability"
    assert any("…" in term for term in load_lexicon().matches(text).get("reliability", []))


@pytest.mark.parametrize("text, expected", [
    ("I ordered a new router and it doesn't work", "product_quality"),      # the negation is the product's
    ("I booked a table but the waiter was not polite", "assurance"),        # the negation is the waiter's
    ("No internet for three days", "product_quality"),                     # a generic noun is still evidence
    ("The broadband invoice was wrong", "price_billing"),                  # ... but weak
    ("宽带账单多扣了钱", "price_billing"),
    ("Bredbandet har avbrott varje kväll", "product_quality"),
])
def test_a_negation_of_something_else_is_no_broken_promise(text, expected):
    assert dimension(text) == expected


def test_the_lexicon_keeps_faults_and_promises_through_a_model_file():
    from servq.text.lexicon import Lexicon

    lex = load_lexicon()
    again = Lexicon.from_dict(lex.to_dict())
    assert again.fingerprint == lex.fingerprint and again.faults == lex.faults
    assert again.promise_dimension == "reliability" and again.promises == lex.promises
    texts = ["We ordered the move of our broadband … nothing was moved", "The staff were not rude"]
    assert (again.scores([normalise(t) for t in texts], ["en", "en"])
            == lex.scores([normalise(t) for t in texts], ["en", "en"])).all()
    old = {k: v for k, v in lex.to_dict().items() if k not in ("faults", "promises")}
    assert Lexicon.from_dict(old).promise_dimension is None          # a model of before still loads
