"""One word for one thing per language (the glossary), grouping columns named for people
(labels, the glossary's common columns), and Chinese that never glues Latin into a sentence."""

from __future__ import annotations

import html as htmllib
import re
from importlib import resources

import pytest
from cli_helpers import run

from servq.analysis import AnalysisOptions
from servq.errors import DataError, UsageError
from servq.io.columns import load_mapping
from servq.report import i18n

LANGS = ("en", "sv", "zh")
HAN_LATIN = re.compile(r"[\u4e00-\u9fff][A-Za-zÀ-ɏ]|[A-Za-zÀ-ɏ][\u4e00-\u9fff]")


def _catalogs(lang):
    yield "servq.report", i18n.catalog(lang)
    if resources.files("servq").joinpath("web", "i18n").is_dir():
        yield "servq.web", i18n.load_catalog("servq.web", lang)


@pytest.mark.parametrize("lang", LANGS)
def test_no_catalog_uses_a_variant_the_glossary_avoids(lang):
    avoid = i18n.glossary(lang)["avoid"]
    for package, strings in _catalogs(lang):
        bad = {(key, variant) for key, text in strings.items() for variant in avoid if variant in text}
        assert bad == set(), (package, lang)


def test_the_gap_has_one_notation_per_language():
    assert i18n.glossary("sv")["term"]["gap_formula"] == "U − F"
    sv = " ".join(i18n.catalog("sv").values())
    assert "U − F" in sv and "P − E" not in sv
    for lang in ("en", "zh"):
        assert "U − F" not in " ".join(i18n.catalog(lang).values())
    # the catalogs name the term; the glossary fills it in when they load
    assert i18n.t("sv", "kpi.servqual") == "SERVQUAL-index (U − F)"
    assert i18n.t("en", "kpi.servqual") == "SERVQUAL score (P − E)"


def test_every_glossary_has_the_same_terms_and_columns():
    for part in ("term", "column"):
        assert {lang: set(i18n.glossary(lang)[part]) for lang in LANGS} == {lang: set(i18n.glossary("en")[part])
                                                                           for lang in LANGS}


@pytest.mark.parametrize(("lang", "column", "labels", "expected"), [
    ("sv", "branch", None, "kontor"),
    ("zh", "Branch", None, "网点"),            # common names match whatever their case
    ("zh", "channel", None, "渠道"),
    ("en", "kontor_id", None, "kontor_id"),
    ("zh", "kontor_id", None, "“kontor_id”"),  # unknown: quoted, never glued
    ("sv", "branch", {"branch": {"sv": "Filial"}}, "Filial"),
    ("zh", "branch", {"branch": {"sv": "Filial"}}, "网点"),  # a label in another language only
])
def test_column_label(lang, column, labels, expected):
    assert i18n.column_label(lang, column, labels) == expected


def test_labels_from_options_and_the_mapping_file(tmp_path):
    mapping = tmp_path / "m.yaml"
    mapping.write_text("labels:\n  region: {en: Area, sv: Område, zh: 片区}\n  team: Lag\n", encoding="utf-8")
    opts = AnalysisOptions(mapping=mapping, labels={"team": {"zh": "小组"}})
    assert opts.labels == {"region": {"en": "Area", "sv": "Område", "zh": "片区"}, "team": {"zh": "小组"}}
    with pytest.raises(UsageError, match="labels: 'x'"):
        AnalysisOptions(labels={"x": {"fr": "y"}})
    bad = tmp_path / "bad.yaml"
    bad.write_text("labels:\n  region: {de: Gebiet}\n", encoding="utf-8")
    with pytest.raises(DataError):
        load_mapping(bad)


def _visible_text(page: str) -> str:
    page = re.sub(r"<style.*?</style>|<script.*?</script>", "", page, flags=re.S)
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", page))


def test_chinese_report_names_columns_and_glues_no_latin(tmp_path, capsys):
    data = tmp_path / "d.csv"
    assert run(capsys, "simulate", "servqual", "-o", str(data), "-n", "300")[0] == 0
    text = data.read_text(encoding="utf-8").splitlines()
    text = [text[0] + ",kontor_id"] + [row + f",K{i % 3}" for i, row in enumerate(text[1:])]
    data.write_text("\n".join(text) + "\n", encoding="utf-8")
    out = tmp_path / "r.html"
    code, printed, _ = run(capsys, "analyze", str(data), "-i", "servqual", "--by", "branch", "--by", "channel", "--by",
                           "kontor_id", "--lang", "zh", "--label", "channel=服务渠道", "-o", str(out), "--no-quality")
    assert code == 0
    page = _visible_text(out.read_text(encoding="utf-8"))
    assert "按网点" in page and "按服务渠道" in page and "按“kontor_id”" in page
    assert "按branch" not in page and "按channel" not in page and "细分维度  网点、服务渠道、“kontor_id”" in page
    assert HAN_LATIN.findall(page) == []
    assert "按服务渠道划分" in printed


def test_a_bad_label_option_is_a_clear_error(tmp_path, capsys):
    data = tmp_path / "d.csv"
    run(capsys, "simulate", "servqual", "-o", str(data), "-n", "20")
    code, _, err = run(capsys, "analyze", str(data), "-i", "servqual", "--label", "branch")
    assert code != 0 and "--label must be COLUMN=TEXT" in err and "Traceback" not in err


def test_chinese_text_gets_a_space_between_han_and_latin():
    assert i18n.fill("zh", "最低的组是{x}（n）", {"x": "Malmö"}) == "最低的组是 Malmö（n）"
    assert i18n.fill("zh", "在{x}上", {"x": "SERVQUAL"}) == "在 SERVQUAL 上"
    assert i18n.fill("zh", "共 {n} 名", {"n": 3}) == "共 3 名"
    assert i18n.fill("sv", "i{x}", {"x": "a"}) == "ia"  # only Chinese
