"""Plural forms by the languages' CLDR rules (Babel): no "1 complaints", no "in 1 days"."""

from __future__ import annotations

import re
import string

import pytest

from servq.report import i18n

LANGS = ("en", "sv", "zh")

# A number followed by one of these words must choose its form (English, Swedish): the
# nouns the report counts. Swedish nouns alike in both numbers (klagomål, svar) are absent.
COUNTED = {
    "en": r"days|complaints|respondents|weeks|customers|rows|dimensions|answers|hours|resamples|statements",
    "sv": r"dagar|veckor|kunder|dimensioner|rader|timmar|personer|omdragningar|procentenheter",
}


def _fields(template: str):
    return [(name, spec) for _, name, spec, _ in string.Formatter().parse(template) if name]


@pytest.mark.parametrize("lang", LANGS)
def test_every_plural_field_has_one_form_per_cldr_category(lang):
    wanted = len(i18n.plural_categories(lang))
    seen = 0
    for key, template in i18n.catalog(lang).items():
        for name, spec in _fields(template):
            if spec and "|" in spec:
                seen += 1
                assert len(spec.split("|")) == wanted, (lang, key, name, spec)
                assert all("#" in form for form in spec.split("|")), (lang, key, spec)
    assert seen > (20 if lang != "zh" else -1)


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_no_counted_noun_follows_a_bare_number_field(lang):
    pattern = re.compile(r"\{[a-z_0-9]+\} (" + COUNTED[lang] + r")\b")
    # fields holding a name or a preformatted whole phrase, not a count
    allowed = re.compile(r"\{(column|lower|part|criterion|count_text|count_word)\}")
    bad = {key: template for key, template in i18n.catalog(lang).items()
           if any(not allowed.match(m.group(0)) for m in pattern.finditer(template))}
    assert bad == {}


def test_cldr_categories_of_the_three_languages():
    assert i18n.plural_categories("en") == ("one", "other")
    assert i18n.plural_categories("sv") == ("one", "other")
    assert i18n.plural_categories("zh") == ("other",)
    assert [i18n.plural_category("en", n) for n in (0, 1, 2, 21)] == ["other", "one", "other", "other"]
    # written decimals make a plural (CLDR: "1.0 days"), in the language's own notation
    assert i18n.plural_category("en", "1.0") == "other"
    assert i18n.plural_category("sv", "1,0") == "other"
    assert i18n.plural_category("sv", "1") == "one"
    assert i18n.plural_category("sv", "1\u00a0001") == "other"
    assert i18n.plural_category("zh", 1) == "other"


def test_fill_chooses_the_form_and_keeps_the_value_as_written():
    assert i18n.fill("en", "in {d:# day|# days}", {"d": 1}) == "in 1 day"
    assert i18n.fill("en", "in {d:# day|# days}", {"d": 2}) == "in 2 days"
    assert i18n.fill("en", "in {d:# day|# days}", {"d": 1234}) == "in 1,234 days"
    assert i18n.fill("en", "in {d:# day|# days}", {"d": "1.5"}) == "in 1.5 days"
    assert i18n.fill("sv", "inom {d:# dag|# dagar}", {"d": "1"}) == "inom 1 dag"
    assert i18n.fill("sv", "inom {d:# dag|# dagar}", {"d": 12000}) == "inom 12\u00a0000 dagar"
    assert i18n.fill("en", "{n:# complaint is|# complaints are} open", {"n": 1}) == "1 complaint is open"
    assert i18n.fill("en", "{x:>4}", {"x": "ab"}) == "  ab"  # other format specs unchanged
    with pytest.raises(ValueError, match="takes 1 forms"):
        i18n.fill("zh", "{d:# 天|# 天}", {"d": 1})
    assert i18n.fill("en", "{d:# day|# days}", {"d": "–"}) == "– days"  # not available


def test_tn_uses_the_cldr_category_and_falls_back_to_other():
    assert i18n.tn("en", "summary.respondents", 1) == "1 respondent was analysed."
    assert i18n.tn("en", "summary.respondents", 0) == "0 respondents were analysed."
    assert i18n.tn("sv", "summary.respondents", 1).startswith("1 ")
    assert i18n.tn("zh", "summary.respondents", 1) == i18n.t("zh", "summary.respondents.other", count=1, count_text="1")


@pytest.mark.parametrize(("key", "kw", "expected"), [
    ("complaints.intro", {"n": 1, "days": 1}, "1 complaint received from a to b (1 day)."),
    ("complaints.kpi_days", {"days": 1}, "in 1 day"),
    ("complaints.summary_backlog", {"open": 1, "overdue": 0, "oldest": 1},
     "1 complaint is open, 0 of them overdue; the oldest has waited 1 day."),
])
def test_report_sentences_agree_with_a_count_of_one(key, kw, expected):
    text = i18n.t("en", key, first="a", last="b", timezone="UTC", now="c", **kw)
    assert text.startswith(expected)
