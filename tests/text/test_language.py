"""Language detection: English, Swedish and Chinese by their own evidence, the fallbacks,
and every text of the shipped evaluation set."""

import pytest

from servq.text import detect_language, detect_languages, load_eval_set
from servq.text.language import CJK_SHARE, UNDETERMINED


@pytest.mark.parametrize("text, lang", [
    ("The engineer never turned up and nobody called me.", "en"),
    ("I have been waiting for a refund since March", "en"),
    ("Jag har ringt tre gånger och ingen svarar.", "sv"),
    ("Fakturan är fel igen", "sv"),                       # short, but ä and two Swedish words
    ("Kundtjänsten otrevlig", "sv"),                      # no function word: the ä decides
    ("Kassan var stängd och det fanns ingen personal", "sv"),
    ("信号太差了", "zh"),
    ("我的iPhone在你们店买的，屏幕一周就坏了", "zh"),      # Latin brand names inside Chinese
    ("App一直闪退", "zh"),
    ("我在等", "zh"),
])
def test_each_language(text, lang):
    assert detect_language(text) == lang


def test_cjk_share_is_a_quarter_of_the_letters():
    # 3 CJK characters among 12 letters (9 Latin): exactly the threshold -> zh
    assert detect_language("abcdefghi 中文字") == "zh" and CJK_SHARE == 0.25
    # 2 CJK among 11 letters (< 1/4): Latin evidence decides, here none -> default en
    assert detect_language("abcdefghi 中文") == "en"


def test_fallbacks():
    assert detect_language("") == UNDETERMINED == "und"
    assert detect_language(None) == "und" and detect_language(float("nan")) == "und"
    assert detect_language("12345 !!! :-)") == "und"
    assert detect_language("WiFi") == "en"                       # letters, no evidence: default
    assert detect_language("WiFi", default="sv") == "sv"
    assert detect_language("och the") == "en"                    # a tie (1 point each): default


def test_batch_matches_single():
    texts = ["The queue was long", "Kön var lång", "排队太久", ""]
    assert detect_languages(texts) == [detect_language(t) for t in texts] == ["en", "sv", "zh", "und"]


def test_every_text_of_the_evaluation_set():
    data = load_eval_set()
    assert detect_languages(data["text"]) == data["language"].tolist()
