"""Kano columns (KF_<feature>, KD_<feature>) and the instrument's ``kano`` block: matching,
required columns, mapping renames, validation problems, and schema problems with paths."""

import re
from pathlib import Path

import pytest

import servq
from servq.errors import DataError, InstrumentError, UsageError
from servq.instruments import parse_instrument

DATA = Path(__file__).parents[1] / "data"
INST = DATA / "kano_mini.yaml"
YAML = INST.read_text(encoding="utf-8")
HEADER = "respondent_id,P1,KF_sms,KD_sms,KF_evening,KD_evening"


def write(tmp_path, *rows, header=HEADER, name="answers.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def problems(path, **kw):
    with pytest.raises(DataError) as info:
        servq.analyze(path, INST, **kw)
    return info.value


# -- columns ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kf", ["KF_sms", "kf_sms", "Kf-SMS", "KF.sms", "kf sms"])
def test_names_match_case_and_separator_insensitively(tmp_path, kf):
    path = write(tmp_path, "r1,4,1,5,1,3", "r2,3,1,5,2,5", header=HEADER.replace("KF_sms", kf))
    feats = servq.analyze(path, INST, min_n=1).data["kano"]["features"]
    assert feats[0]["counts"]["O"] == 2  # (1, 5) twice: one-dimensional


def test_missing_kano_columns_are_named(tmp_path):
    path = write(tmp_path, "r1,4,1,5", header="respondent_id,P1,KF_sms,KD_sms")
    err = problems(path)
    (p,) = err.problems
    assert "2 required answer column(s) missing for instrument 'kano-mini': KF_evening, KD_evening" in p.message
    assert (p.row, p.file) == (1, str(path))


def test_a_column_for_an_unknown_feature_is_ignored_and_noted(tmp_path):
    path = write(tmp_path, "r1,4,1,5,1,3,2", header=HEADER + ",KF_parking")
    res = servq.analyze(path, INST, min_n=1).data
    assert "columns not used by this instrument: KF_parking" in res["notes"]
    with pytest.raises(UsageError, match="no segment column 'KF_parking'"):
        servq.analyze(path, INST, by="KF_parking")


def test_two_columns_for_one_answer_are_refused(tmp_path):
    path = write(tmp_path, "r1,4,1,5,1,3,2", header=HEADER + ",kf-sms")
    err = problems(path)
    assert any("two columns hold the same answer: 'KF_sms' and 'kf-sms'" in p.message for p in err.problems)


def test_without_a_kano_block_such_columns_are_segments():
    table = servq.simulate("servperf", 40, seed=1).append_column("KF_x", servq.simulate("servperf", 40).column("branch"))
    res = servq.analyze(table, "servperf", by="KF_x", quality=False).data
    assert res["kano"] is None and "KF_x" in res["segments"]


def test_a_mapping_renames_columns_to_the_kano_names(tmp_path):
    path = write(tmp_path, "r1,4,1,5,2,5", "r2,3,1,3,3,5", header="respondent_id,P1,q7a,q7b,q8a,q8b")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("columns: {q7a: KF_sms, q7b: KD_sms, q8a: KF_evening, q8b: KD_evening}\n", encoding="utf-8")
    feats = servq.analyze(path, INST, mapping=mapping, min_n=1).data["kano"]["features"]
    assert feats[0]["counts"] == {"A": 1, "O": 1, "M": 0, "I": 0, "R": 0, "Q": 0}
    assert feats[1]["counts"]["M"] == 2


# -- validation ------------------------------------------------------------------------------


def test_out_of_range_fractional_and_text_answers_are_problems(tmp_path):
    path = write(tmp_path, "r1,4,1,5,1,3", "r2,4,6,5,1,3", "r3,4,1,2.5,1,3", "r4,4,1,5,yes,0")
    err = problems(path)
    found = {(p.row, p.column, p.value, p.message) for p in err.problems}
    assert found == {
        (3, "KF_sms", "6", "outside the scale 1-5"),
        (4, "KD_sms", "2.5", "not a whole scale point"),
        (5, "KF_evening", "yes", "not a number"),
        (5, "KD_evening", "0", "outside the scale 1-5"),
    }
    assert all(p.file == str(path) for p in err.problems)
    assert "no results were produced" in err.summary


def test_blank_is_missing_and_counted_not_a_problem(tmp_path):
    path = write(tmp_path, "r1,4,1,5,1,", "r2,4,,,1,3", "r3,4,1,3,NA,3")
    res = servq.analyze(path, INST, min_n=1).data
    sms, evening = res["kano"]["features"]
    assert (sms["n"], sms["excluded"], evening["n"], evening["excluded"]) == (2, 1, 1, 2)
    # Kano cells stay out of the item-cell counts: three rows, one item
    assert res["missing"] == {"cells": 3, "blank": 0, "dont_know": 0}


def test_mapping_missing_codes_apply_to_kano_answers(tmp_path):
    path = write(tmp_path, "r1,4,1,5,9,3", "r2,4,1,5,1,3")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("missing: [9]\n", encoding="utf-8")
    evening = servq.analyze(path, INST, mapping=mapping, min_n=1).data["kano"]["features"][1]
    assert (evening["n"], evening["excluded"]) == (1, 1)


def test_cli_reports_a_kano_problem_in_one_line_without_a_traceback(tmp_path, capsys):
    from servq.cli import main

    path = write(tmp_path, "r1,4,1,5,1,3", "r2,4,7,5,1,3")
    with pytest.raises(SystemExit) as info:
        main(["analyze", str(path), "-i", str(INST), "--json", str(tmp_path / "r.json")])
    err = capsys.readouterr().err
    assert info.value.code == 1 and "Traceback" not in err
    assert re.search(r"row 3, column KF_sms: outside the scale 1-5 \(value '7'\)", err)
    assert not (tmp_path / "r.json").exists()


# -- the instrument's kano block ---------------------------------------------------------------


def where(text: str) -> list[tuple[str, str]]:
    with pytest.raises(InstrumentError) as info:
        parse_instrument(text, source="bad.yaml")
    return sorted((p.path, p.message) for p in info.value.problems)


def test_the_kano_block_loads_with_default_answers():
    inst = parse_instrument(YAML, source="kano_mini.yaml")
    assert [f.id for f in inst.kano.features] == ["sms", "evening"]
    labels = inst.kano.answer_labels()
    assert labels[2].get("sv") == "Det måste vara så" and labels[5].get("zh") == "我不喜欢这样"


def test_answer_labels_can_be_overridden():
    text = YAML.replace(
        "kano:\n", "kano:\n  answers:\n    3: {en: It does not matter, sv: Det spelar ingen roll, zh: 无所谓好坏}\n"
    )
    labels = parse_instrument(text, source="x.yaml").kano.answer_labels()
    assert labels[3].en == "It does not matter" and labels[1].en == "I like it that way"


def test_schema_problems_name_their_paths():
    bad = (YAML.replace("- id: evening", "- id: sms")
           .replace("      dimension: access\n", "      dimension: acces\n")
           .replace(' sv: "Om du inte kan det, vad tycker du då?",', "")
           .replace("kano:\n", "kano:\n  answers:\n    6: {en: Maybe, sv: Kanske, zh: 也许}\n"))
    assert where(bad) == [
        ("kano.answers.6", "Kano answers are coded 1-5, not 6"),
        ("kano.features[0].dimension", "unknown dimension 'acces' (known: access)"),
        ("kano.features[0].dysfunctional", "text missing for declared language 'sv'"),
        ("kano.features[1].id", "duplicate Kano feature id 'sms'"),
    ]


def test_structural_problems_and_clashing_outcome_ids():
    no_features = YAML.split("kano:")[0] + "kano:\n  features: []\n"
    assert [p for p, _ in where(no_features)] == ["kano.features"]
    bad_id = YAML.replace("- id: sms", "- id: SMS queue")
    assert [p for p, _ in where(bad_id)] == ["kano.features[0].id"]
    clash = YAML.replace("kano:\n", "outcomes:\n  - {id: kf_sms, text: {en: X, sv: Y, zh: 满意}}\nkano:\n")
    assert where(clash) == [("outcomes[0].id", "'kf_sms' clashes with the Kano column convention KF_/KD_")]


def test_instruments_show_lists_the_kano_columns(capsys):
    from servq.cli import main

    with pytest.raises(SystemExit) as info:
        main(["instruments", "show", str(INST), "--lang", "sv"])
    out = capsys.readouterr().out
    assert (info.value.code or 0) == 0
    assert "Kano features (answers 1-5: 1 Jag tycker om det, 2 Det måste vara så," in out
    assert re.search(r"^  KF_sms +Om du kan få kölapp via sms, vad tycker du då\?$", out, re.M)
    assert re.search(r"^  KD_evening +Om det inte har det, vad tycker du då\?$", out, re.M)
