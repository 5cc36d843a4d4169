"""Every catalog instrument: simulate -> analyze -> JSON valid against the schema -> report
in English, Swedish and Chinese with no external references."""

import json
import re

import jsonschema
import pytest

import servq
from servq.instruments import catalog_ids
from servq.report import SCHEMA_PATH, render_html, to_json

SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
EXTERNAL = re.compile(r"https?://|\b(?:src|href)\s*=\s*[\"']//|<script|<link|@import|url\(", re.I)


@pytest.fixture(scope="module", params=catalog_ids())
def table(request):
    return request.param, servq.simulate(request.param, 400, seed=11)


@pytest.fixture(scope="module")
def results(table):
    return servq.analyze(table[1], table[0], by=["branch", "channel"])


def test_json_follows_the_schema(results):
    data = json.loads(to_json(results))
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    assert data["n_respondents"] == 400
    assert data["servqual"]["unweighted"] is None or data["instrument"]["id"] == "servqual"


@pytest.mark.parametrize("lang", ["en", "sv", "zh"])
def test_report_renders_offline_in_every_language(table, lang):
    results = servq.analyze(table[1], table[0], by=["branch", "channel"], lang=lang)
    html = render_html(results.data, lang)
    assert html.startswith("<!DOCTYPE html>")
    assert EXTERNAL.search(html) is None
    assert re.search(r"<html lang=\"(en|sv|zh-Hans)\"", html)
    inst = servq.load_instrument(results.data["instrument"]["id"])
    for dim in inst.dimensions:  # labels in the chosen language, escaped as HTML
        label = dim.label.get(lang).replace("&", "&amp;").replace("'", "&#39;")
        assert label in html
    if lang == "zh":
        assert "执行摘要" in html or "摘要" in html


def test_segment_values_are_escaped():
    table = servq.simulate("servperf", 60, seed=2, branches=2)
    names = table.column("branch").to_pylist()
    evil = "<script>alert(1)</script>"
    import pyarrow as pa

    table = table.set_column(table.column_names.index("branch"), "branch",
                             pa.array([evil if n == names[0] else n for n in names]))
    html = render_html(servq.analyze(table, "servperf", by="branch").data, "en")
    assert evil not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("lang, column", [("en", "Ordinal α"), ("sv", "Ordinalt α"), ("zh", "序数 α")])
def test_ordinal_alpha_is_a_column_of_the_reliability_table_and_in_the_schema(lang, column):
    results = servq.analyze(servq.simulate("servqual", 400, seed=11), "servqual", ordinal=True, lang=lang)
    data = json.loads(to_json(results))
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    assert all(isinstance(d["ordinal_alpha"], float) for d in data["reliability"]["dimensions"])
    assert data["cfa"]["estimator"] == "WLSMV" and data["cfa"]["n"] == 400
    html = render_html(results.data, lang)
    assert f">{column}<" in html and "Zumbo" in html
    assert "WLSMV" in html and ">" + {"en": "CFI (scaled)", "sv": "CFI (skalad)", "zh": "CFI（校正）"}[lang] + "<" in html
    assert column not in render_html(servq.analyze(servq.simulate("servqual", 400, seed=11), "servqual",
                                                   lang=lang).data, lang)
