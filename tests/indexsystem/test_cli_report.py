"""`servq index` end to end, the shipped systems on simulated and example data, the JSON
against index.schema.json and the HTML report in three languages."""

import json
import re
from pathlib import Path

import jsonschema
import pytest
from cli_helpers import run

import servq
from servq.indexsystem.report import SCHEMA_PATH
from servq.report import i18n

ROOT = Path(__file__).parents[2]
TELECOM = ROOT / "examples" / "telecom_enterprise.csv"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def test_customer_delivered_value_on_simulated_answers():
    table = servq.simulate("customer-value", 400, seed=7)
    r = servq.index(table, "customer-delivered-value", by="channel")
    d = r.to_dict()
    jsonschema.Draft202012Validator(SCHEMA).validate(d)
    c = {x["id"]: x for x in d["criteria"]}
    assert [x["id"] for x in d["criteria"] if x["depth"] == 2] == [
        "product_value", "service_value", "personnel_value", "image_value",
        "monetary_cost", "time_cost", "energy_cost", "psychic_cost"]
    # burden-worded cost items are reverse-keyed, the positively worded ones are not
    assert c["p13"]["reverse"] and not c["p15"]["reverse"] and not c["p1"]["reverse"]
    # weighted average: the contributions of the children add up to the parent's
    for parent in ("delivered_value", "total_value", "total_cost"):
        kids = [x for x in d["criteria"] if len(x["path"]) >= 2 and x["path"][-2] == parent]
        assert sum(k["contribution"] for k in kids) == pytest.approx(c[parent]["contribution"], abs=1e-9)
    assert {g["value"] for g in d["segments"]["groups"]} == {"branch", "phone", "online"}
    assert len(r.ahp()) == 10 and all(a["consistent"] for a in r.ahp())


def test_cli_index_prints_the_hierarchy_and_writes_outputs(tmp_path, capsys):
    html, js = tmp_path / "i.html", tmp_path / "i.json"
    code, out, err = run(capsys, "index", str(TELECOM), "--system", "telecom-enterprise",
                         "--by", "industry", "--out", str(html), "--json", str(js))
    assert code == 0, err
    data = json.loads(js.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    lines = out.splitlines()
    assert lines[1].split() == ["criterion", "weight", "global", "score", "grade"]
    network = next(c for c in data["criteria"] if c["id"] == "network")
    assert "  Network quality and stability" in out
    row = next(line for line in lines if line.startswith("  Network quality and stability"))
    assert row.split()[-4:-1] == [f"{network['weight']:.3f}", f"{network['global_weight']:.3f}",
                                  f"{network['score']:.2f}"]
    assert f"Overall index: {data['overall']['score']:.2f}" in out
    assert "manufacturing" in out and f"wrote {html}" in out and f"wrote {js}" in out
    text = html.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "<script" not in text
    assert 'class="chart chart-membership"' in text and "λmax" in text


def test_cli_index_errors_are_one_line_without_traceback(tmp_path, capsys):
    code, _, err = run(capsys, "index", str(TELECOM), "--system", "telecom")
    assert code == 1 and err.startswith("error: unknown index system 'telecom'")
    assert "customer-delivered-value, telecom-enterprise" in err and "Traceback" not in err
    code, _, err = run(capsys, "index", str(TELECOM), "-s", "telecom-enterprise", "--operator", "sum")
    assert code == 1 and "unknown operator 'sum'" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\nname: Bad\nname: again\n")
    code, _, err = run(capsys, "index", str(TELECOM), "-s", str(bad))
    assert code == 1 and f"{bad}, line 3" in err and "Traceback" not in err
    data = tmp_path / "d.csv"
    data.write_text("T1\n9\n")
    code, _, err = run(capsys, "index", str(data), "-s", "telecom-enterprise")
    assert code == 1 and "column T2" in err


@pytest.mark.parametrize("lang", ["en", "sv", "zh"])
def test_report_in_each_language(lang, tmp_path):
    from servq.report.index_section import render_index_html

    r = servq.index(TELECOM, "telecom-enterprise", by="industry", min_n=80, lang=lang,
                    operator="min_max")
    html = render_index_html(r.to_dict())
    assert f"<h2>{i18n.t(lang, 'section.index')}</h2>" in html
    assert i18n.t(lang, "index.ahp_title") in html
    assert i18n.t(lang, "index.suppressed", min_n=80) in html  # small industries suppressed
    assert i18n.t(lang, "index.note_contribution_min_max") in html
    labels = {c["label"] for c in r.to_dict()["criteria"]}
    assert r.to_dict()["criteria"][1]["label"] in labels
    assert len(re.findall(r'class="part"', html)) >= 7 * 3  # 7 criteria x several grades


def test_index_strings_exist_in_every_language():
    keys = {lang: {k for k in i18n.catalog(lang) if k.startswith("index.") or k == "section.index"}
            for lang in ("en", "sv", "zh")}
    assert keys["en"] == keys["sv"] == keys["zh"] and len(keys["en"]) > 40
