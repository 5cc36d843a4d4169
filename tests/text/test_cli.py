"""``servq complaints classify | evaluate | train`` end to end, and their one-line errors."""

import csv

import numpy as np
import pyarrow as pa
import pytest
from cli_helpers import run
from hostile import FORMULAS

from servq.io.writers import write_table
from servq.text import classify, load_eval_set, load_model


def write_csv(path, header, rows):
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def read_csv(path):
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def eval_csv(tmp_path_factory):
    data = load_eval_set()
    return write_csv(tmp_path_factory.mktemp("eval") / "eval.csv", ["id", "text", "dimension"],
                     [(i, t, d) for i, (t, d) in enumerate(zip(data["text"], data["dimension"]))])


def test_classify_adds_the_columns(tmp_path, capsys):
    src = write_csv(tmp_path / "in.csv", ["id", "Text", "branch"],
                    [(1, "The queue was endless and nobody helped", "north"),
                     (2, "Fakturan var fel igen!", "south"),
                     (3, "信号太差，经常掉线", "east"),
                     (4, "", "west")])
    out = tmp_path / "out.csv"
    code, stdout, err = run(capsys, "complaints", "classify", str(src), "-o", str(out))
    assert code == 0, err
    assert "classified 4 complaints (built-in model)" in stdout
    assert f"wrote {out}" in stdout and "languages: " in stdout
    rows = read_csv(out)
    assert list(rows[0]) == ["id", "Text", "branch", "language", "dimension", "confidence", "secondary",
                             "secondary_confidence", "needs_person", "sentiment", "severity", "cues"]
    expected = classify([r["Text"] for r in rows])
    assert [r["dimension"] for r in rows] == expected.dimension.tolist()
    assert [r["secondary"] for r in rows] == expected.secondary.tolist()
    assert [r["needs_person"] for r in rows] == [str(bool(v)).lower() for v in expected.needs_person]
    assert f"needs a person: {int(expected.needs_person.sum())} of 4" in stdout
    code, stdout, err = run(capsys, "complaints", "classify", str(src), "-o", str(out), "--baseline")
    assert code == 0 and "classified 4 complaints (lexicon: SERVQUAL complaint dimensions (built-in))" in stdout
    assert [r["dimension"] for r in read_csv(out)] == classify([r["Text"] for r in rows], baseline=True).dimension.tolist()
    assert [r["language"] for r in rows] == ["en", "sv", "zh", "und"]
    assert [int(r["severity"]) for r in rows] == expected.severity.tolist()
    assert [float(r["sentiment"]) for r in rows] == pytest.approx(expected.sentiment.round(4).tolist())
    assert [r["branch"] for r in rows] == ["north", "south", "east", "west"]


def test_classify_xlsx_with_a_model_and_taken_column_names(tmp_path, capsys, eval_csv):
    model = tmp_path / "m.npz"
    assert run(capsys, "complaints", "train", str(eval_csv), "-o", str(model), "--cv", "0")[0] == 0
    src = tmp_path / "in.xlsx"
    write_table(pa.table({"text": ["Rude staff", "Väntade länge"], "dimension": ["assurance", "responsiveness"]}), src)
    out = tmp_path / "out.parquet"
    code, stdout, err = run(capsys, "complaints", "classify", str(src), "-o", str(out), "--model", str(model))
    assert code == 0, err
    assert "(model)" in stdout and "dimension -> predicted_dimension" in stdout
    import pyarrow.parquet as pq
    table = pq.read_table(out)
    assert table.column("dimension").to_pylist() == ["assurance", "responsiveness"]
    expected = load_model(model).predict(["Rude staff", "Väntade länge"])[0].tolist()
    assert table.column("predicted_dimension").to_pylist() == expected


RUDE = "Rude staff, terrible and slow\x00"  # a negative sentiment, and a NUL


def _classify_formulas(tmp_path, capsys, suffix):
    """``servq complaints classify`` of texts that begin like formulas (and RUDE) to ``suffix``."""
    src = tmp_path / "in.parquet"
    write_table(pa.table({"text": [*FORMULAS, RUDE], "branch": ["=1+1", *["north"] * len(FORMULAS)]}), src)
    out = tmp_path / f"out{suffix}"
    code, _, err = run(capsys, "complaints", "classify", str(src), "-o", str(out))
    assert code == 0, err
    return out


def test_classify_csv_writes_formulas_as_quoted_text(tmp_path, capsys):
    rows = read_csv(_classify_formulas(tmp_path, capsys, ".csv"))
    # a NUL would make the file look binary (servq itself would refuse it): U+FFFD as in .xlsx
    assert [r["text"] for r in rows] == ["'" + t for t in FORMULAS] + [RUDE.replace("\x00", "\ufffd")]
    assert rows[0]["branch"] == "'=1+1"
    assert rows[-1]["sentiment"].startswith("-0.") and float(rows[-1]["sentiment"]) < 0  # a number stays a number


def test_classify_xlsx_writes_formulas_as_text_and_replaces_a_nul(tmp_path, capsys):
    from openpyxl import load_workbook

    sheet = load_workbook(_classify_formulas(tmp_path, capsys, ".xlsx")).worksheets[0]
    columns = {col[0].value: list(col[1:]) for col in sheet.iter_cols()}
    # XML reads a carriage return as a line feed; NUL cannot be stored in a sheet
    expected = ["'" + t.replace("\r", "\n") for t in FORMULAS] + [RUDE.replace("\x00", "\ufffd")]
    assert [c.value for c in columns["text"]] == expected and {c.data_type for c in columns["text"]} == {"s"}
    assert columns["branch"][0].value == "'=1+1"
    assert columns["sentiment"][-1].data_type == "n" and columns["sentiment"][-1].value < 0


def test_evaluate_baseline_prints_metrics_and_confusion(capsys, eval_csv):
    code, out, err = run(capsys, "complaints", "evaluate", str(eval_csv), "--baseline")
    assert code == 0, err
    assert f"lexicon: SERVQUAL complaint dimensions (built-in) on {eval_csv}: 162 complaints" in out
    assert "accuracy " in out and "macro-F1 " in out
    assert "label            precision  recall     F1  support" in out
    assert "confusion matrix (rows: true label; columns: predicted, numbered as the rows; - unclassified)" in out
    assert " 7 product_quality " in out
    assert "macro-F1 by detected language: en " in out and "zh " in out


def test_evaluate_cross_validation_and_model(tmp_path, capsys, eval_csv):
    code, out, err = run(capsys, "complaints", "evaluate", str(eval_csv), "--cv", "3", "--seed", "2")
    assert code == 0, err
    assert ("trainable model, 3-fold cross-validation (seed 2), character n-grams and lexicon scores "
            "(SERVQUAL complaint dimensions (built-in))") in out
    code, out, err = run(capsys, "complaints", "evaluate", str(eval_csv), "--cv", "3", "--no-lexicon")
    assert code == 0 and "3-fold cross-validation (seed 0), character n-grams only" in out
    model = tmp_path / "m.npz"
    run(capsys, "complaints", "train", str(eval_csv), "-o", str(model), "--cv", "0")
    code, out, err = run(capsys, "complaints", "evaluate", str(eval_csv), "--model", str(model))
    assert code == 0 and f"model {model} on" in out and "accuracy 1.000" in out   # its own training set


def test_train_reports_cross_validation_and_writes_the_model(tmp_path, capsys, eval_csv):
    model = tmp_path / "model.npz"
    code, out, err = run(capsys, "complaints", "train", str(eval_csv), "-o", str(model), "--cv", "3")
    assert code == 0, err
    assert f"162 labelled complaints in {eval_csv}\nlabels: assurance 21" in out
    assert "cross-validated macro-F1 (3-fold, seed 0): " in out
    assert f"wrote {model} (7 labels" in out
    assert "lexicon features: SERVQUAL complaint dimensions (built-in) (7 of the labels: tangibles, " in out
    m = load_model(model)
    assert m.classes[0] == "assurance" and m.info["n_examples"] == 162
    assert len(m.lexicon_dimensions) == 7 and m.info["lexicon"]["scale"] == 0.3


def test_train_with_a_users_lexicon_or_none(tmp_path, capsys):
    lex = tmp_path / "lex.yaml"
    lex.write_text("servq_lexicon: 1\nname: speed\ndimensions:\n  waiting: {en: {wait*: 2, queue: 2}}\n",
                   encoding="utf-8")
    src = write_csv(tmp_path / "a.csv", ["text", "dimension"],
                    [("slow queue", "waiting"), ("long wait", "waiting"), ("rude staff", "manners"),
                     ("arrogant clerk", "manners")])
    code, out, err = run(capsys, "complaints", "train", str(src), "-o", str(tmp_path / "m.npz"), "--lexicon", str(lex))
    assert code == 0, err
    assert "lexicon features: speed (1 of the labels: waiting), prior weight " in out
    assert load_model(tmp_path / "m.npz").lexicon.name == "speed"
    code, out, err = run(capsys, "complaints", "train", str(src), "-o", str(tmp_path / "n.npz"), "--no-lexicon")
    assert code == 0 and "lexicon features" not in out and load_model(tmp_path / "n.npz").lexicon is None
    code, out, err = run(capsys, "complaints", "train", str(src), "-o", str(tmp_path / "o.npz"))
    assert code == 0 and "note: the lexicon 'SERVQUAL complaint dimensions (built-in)' knows none of these labels" in out


def test_evaluate_learning_curve(capsys, eval_csv):
    code, out, err = run(capsys, "complaints", "evaluate", str(eval_csv), "--cv", "3", "--learning-curve")
    assert code == 0, err
    lines = out.splitlines()
    head = lines.index(next(x for x in lines if x.startswith("learning curve")))
    assert lines[head + 1].split() == ["share", "n", "train", "macro-F1", "sd", "en", "sv", "zh"]
    assert [x.split()[0] for x in lines[head + 2:head + 6]] == ["10%", "20%", "50%", "100%"]


def test_train_with_too_few_for_cross_validation(tmp_path, capsys):
    src = write_csv(tmp_path / "few.csv", ["text", "dimension"],
                    [("slow queue", "waiting"), ("long wait", "waiting"), ("rude staff", "manners"),
                     ("arrogant clerk", "manners"), ("no label here", "")])
    code, out, err = run(capsys, "complaints", "train", str(src), "-o", str(tmp_path / "m.npz"))
    assert code == 0, err
    assert "(1 without text or label skipped)" in out
    assert "note: no 5-fold cross-validation: every label needs 5 examples, 'manners' has 2" in out


@pytest.mark.parametrize("make, args, message", [
    (lambda p: write_csv(p / "a.csv", ["id", "body"], [(1, "x")]), ["classify", "{f}", "-o", "{d}/o.csv"],
     "error: {f}: no 'text' column (columns: id, body)"),
    (lambda p: write_csv(p / "a.csv", ["text", "label"], [("x", "a")]), ["evaluate", "{f}"],
     "error: {f}: no 'dimension' column (columns: text, label)"),
    (lambda p: write_csv(p / "a.csv", ["text", "dimension"], [("x", "a"), ("y", "b"), ("z", "b")]),
     ["train", "{f}", "-o", "{d}/m.npz"], "error: too few examples to train: every label needs at least 2; 'a' has 1"),
    (lambda p: write_csv(p / "a.csv", ["text", "dimension"], [("x", "speed")]), ["evaluate", "{f}", "--baseline"],
     "error: {f}: label(s) speed in column 'dimension' are not known to the lexicon (it knows tangibles"),
    (lambda p: write_csv(p / "a.csv", ["text", "dimension"], [("x", "speed")]), ["evaluate", "{f}"],
     "error: {f}: label(s) speed in column 'dimension' are not known to the model (it knows assurance"),
    (lambda p: write_csv(p / "a.csv", ["text", "dimension"], [("x", "a")]), ["evaluate", "{f}", "--model", "{d}/a.csv"],
     "error: {d}/a.csv: not a servq complaint model: not a NumPy .npz archive"),
    (lambda p: write_csv(p / "a.csv", ["text", "dimension"], [("x", "a")]), ["evaluate", "{f}", "--cv", "3", "--model", "{f}"],
     "error: choose one of --model, --baseline, --lexicon, --embeddings and --cv"),
    (lambda p: write_csv(p / "a.csv", ["text", "dimension"], [("x", "a")]), ["evaluate", "{f}", "--learning-curve"],
     "error: --learning-curve needs --cv"),
    (lambda p: write_csv(p / "a.csv", ["text", "dimension"], [("x", "a"), ("y", "b")]),
     ["train", "{f}", "-o", "{d}/m.npz", "--no-lexicon", "--lexicon", "{f}"], "error: choose --lexicon or --no-lexicon"),
    (lambda p: p / "missing.csv", ["classify", "{f}", "-o", "{d}/o.csv"], "error: data file not found: {f}"),
])
def test_errors_are_one_line(tmp_path, capsys, make, args, message):
    f = make(tmp_path)
    args = [a.format(f=f, d=tmp_path) for a in args]
    code, out, err = run(capsys, "complaints", *args)
    assert code == 1
    assert err.startswith(message.format(f=f, d=tmp_path)) and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_bad_lexicon_lists_its_problems(tmp_path, capsys, eval_csv):
    lex = tmp_path / "lex.yaml"
    lex.write_text("servq_lexicon: 1\ndimensions:\n  speed: {en: {slow: -1}}\n", encoding="utf-8")
    code, out, err = run(capsys, "complaints", "classify", str(eval_csv), "-o", str(tmp_path / "o.csv"),
                         "--lexicon", str(lex))
    assert code == 1
    assert err.splitlines() == [f"error: {lex}: 1 problem(s) in the lexicon",
                                f"  {lex}, line 3, dimensions.speed.en.slow: Input should be greater than 0, got -1"]


def test_a_user_lexicon_is_evaluated_on_its_own_labels(tmp_path, capsys):
    lex = tmp_path / "lex.yaml"
    lex.write_text("servq_lexicon: 1\nname: speed\ndimensions:\n  slow: {en: {slow*: 1}}\n  fast: {en: {fast: 1}}\n",
                   encoding="utf-8")
    src = write_csv(tmp_path / "a.csv", ["text", "dimension"], [("slowly", "slow"), ("fast", "fast"), ("meh", "fast")])
    code, out, err = run(capsys, "complaints", "evaluate", str(src), "--lexicon", str(lex))
    assert code == 0, err
    assert "lexicon: speed on" in out and "accuracy 0.667   macro-F1 0.833" in out
    assert np.isclose(0.833, (1 + 2 / 3) / 2, atol=5e-4)


# --------------------------------------------------------------- issue 15: encodings and round trips


def test_a_file_that_is_not_utf8_is_one_clear_error_never_a_traceback(tmp_path, capsys):
    zh = tmp_path / "zh.csv"
    zh.write_bytes("text\n我们等了两个小时，没有回复\n信号太差".encode() + b"\xff" + "掉线\n".encode())
    sv = tmp_path / "sv.csv"
    sv.write_bytes("text,dimension\nJag väntade i telefonkön,responsiveness\n".encode()
                   + b"Fakturan var fel \xe4nnu en g\xe5ng,price_billing\n")
    for args, path in ((["classify", str(zh), "-o", str(tmp_path / "o.csv")], zh),
                       (["evaluate", str(sv)], sv), (["train", str(sv), "-o", str(tmp_path / "m.npz")], sv)):
        code, out, err = run(capsys, "complaints", *args)
        assert code == 1 and "Traceback" not in err
        lines = err.splitlines()
        assert lines[0] == f"error: {path}: the file is not UTF-8 text; nothing was read"
        assert lines[1].startswith(f"  {path}, line 3: byte offset ") and "are not UTF-8 (after '" in lines[1]
        assert lines[2].startswith("hint: save the file as UTF-8, or name its encoding: with the complaint commands")
    assert not (tmp_path / "o.csv").exists()


def test_encoding_option_reads_a_windows_1252_file(tmp_path, capsys):
    rows = [("Jag väntade i telefonkön i en timme", "responsiveness"), ("Fakturan var fel igen", "price_billing"),
            ("Personalen var otrevlig", "assurance"), ("Personalen var oförskämd", "assurance"),
            ("Väntetiden var lång", "responsiveness"), ("Avgiften var för hög", "price_billing")]
    src = tmp_path / "sv.csv"
    src.write_bytes(("text,dimension\n" + "".join(f"{t},{d}\n" for t, d in rows)).encode("cp1252"))
    out = tmp_path / "out.csv"
    code, stdout, err = run(capsys, "complaints", "classify", str(src), "-o", str(out), "--encoding", "cp1252",
                            "--baseline")
    assert code == 0, err
    assert "Windows-1252" not in stdout
    got = read_csv(out)
    assert [r["text"] for r in got] == [t for t, _ in rows]
    assert [r["predicted_dimension"] for r in got] == [d for _, d in rows]
    # without --encoding the file is plausibly Windows-1252: read so, and said
    code, stdout, err = run(capsys, "complaints", "classify", str(src), "-o", str(out))
    assert code == 0 and f"note: {src} is not UTF-8; read as Windows-1252 (cp1252)" in stdout
    code, stdout, err = run(capsys, "complaints", "evaluate", str(src), "--encoding", "cp1252", "--baseline")
    assert code == 0 and "accuracy 1.000" in stdout
    code, stdout, err = run(capsys, "complaints", "train", str(src), "-o", str(tmp_path / "m.npz"), "--cv", "0",
                            "--encoding", "windows-1252")
    assert code == 0, err
    code, stdout, err = run(capsys, "complaints", "classify", str(src), "-o", str(out), "--encoding", "nope")
    assert code == 1 and err.startswith("error: unknown encoding 'nope'")


ROUND_TRIP = ["NA", "null", "N/A", "None", "nan", "", "=HYPERLINK(\"http://x\",\"click\")", "+1+1", "-2+3",
              "@SUM(A1)", "Rude staff\x00 and\x0b a\tbad\nqueue", "Väntade i kön i en timme", "信号太差，经常掉线"]


def _written(text):
    """What an export holds for ``text``: characters a sheet cannot hold replaced, a formula quoted."""
    text = text.replace("\x00", "\ufffd").replace("\x0b", "\ufffd")
    return "'" + text if text[:1] in ("=", "+", "-", "@", "'") else text


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_texts_round_trip_through_classify_and_back(tmp_path, capsys, suffix):
    from servq.io.readers import open_source

    src = tmp_path / "in.parquet"
    write_table(pa.table({"text": ROUND_TRIP, "note": ROUND_TRIP}), src)
    out = tmp_path / f"out{suffix}"
    code, _, err = run(capsys, "complaints", "classify", str(src), "-o", str(out))
    assert code == 0, err
    first = classify(ROUND_TRIP)
    back = open_source(out)
    table = next(back.chunks(text=back.columns))
    expected = [_written(t) or None for t in ROUND_TRIP]            # a blank cell stays blank
    assert table.column("text").to_pylist() == expected and table.column("note").to_pylist() == expected
    assert table.column("dimension").to_pylist() == first.dimension.tolist()
    assert table.column("language").to_pylist()[:5] == ["en"] * 5       # "NA" is text, not missing
    # ... and classified again from the file written: the same texts give the same dimensions
    again = tmp_path / f"again{suffix}"
    code, stdout, err = run(capsys, "complaints", "classify", str(out), "-o", str(again))
    assert code == 0, err
    assert "dimension -> predicted_dimension" in stdout
    table = next(open_source(again).chunks(text=["text", "predicted_dimension"]))
    assert table.column("text").to_pylist() == [t and _written(t) for t in expected]   # quoted once more
    plain = [i for i, t in enumerate(ROUND_TRIP) if t and t[0] not in "=+-@"]
    assert [table.column("predicted_dimension")[i].as_py() for i in plain] == [first.dimension[i] for i in plain]


def test_evaluate_by_kind_of_text_and_the_precision_coverage_curve(tmp_path, capsys):
    """A `note` column gives macro-F1 per kind of text; a model gives the precision-coverage
    curve and the share it leaves to a person, computed here from its predictions."""
    rows = [("The invoice charged me twice", "price_billing", "plain"),
            ("You billed me for a month I cancelled", "price_billing", "plain"),
            ("Rude staff at the desk", "assurance", "short"), ("The clerk shouted at me", "assurance", "plain"),
            ("Forty minutes in the queue", "responsiveness", "short"),
            ("Nobody answered my email for weeks", "responsiveness", "plain")]
    src = write_csv(tmp_path / "n.csv", ["text", "dimension", "note"], rows)
    code, out, err = run(capsys, "complaints", "evaluate", str(src))
    assert code == 0, err
    found = classify([r[0] for r in rows])
    right = found.dimension == np.array([r[1] for r in rows], dtype=object)
    assert "by note:" in out
    for kind in ("plain", "short"):
        idx = [i for i, r in enumerate(rows) if r[2] == kind]
        assert f"  {kind:<16} accuracy {right[idx].mean():.3f}" in out
    order = np.argsort(-found.confidence, kind="stable")
    assert f"coverage  50%  precision {right[order[:3]].mean():.3f}" in out
    auto = ~found.needs_person
    if auto.any():
        assert f"at the calibrated threshold: {auto.mean():.1%} classified with precision {right[auto].mean():.3f}" in out
    code, out, err = run(capsys, "complaints", "evaluate", str(src), "--baseline", "--by", "note")
    assert code == 0 and "by note:" in out and "precision-coverage" not in out


def test_train_against_heldout_complaints_writes_only_a_model_at_least_as_good(tmp_path, capsys, eval_csv):
    """--against: the new model's macro-F1 on held-out complaints against the current model's,
    both computed here; written (with its evaluation and provenance) only when not worse."""
    from servq.text import load_model
    from servq.text.evaluation import evaluate as score

    heldout = write_csv(tmp_path / "h.csv", ["text", "dimension"],
                        [("The invoice charged me twice", "price_billing"), ("Rude staff at the desk", "assurance"),
                         ("Forty minutes in the queue", "responsiveness"), ("No signal at home for a week", "product_quality"),
                         ("The toilets were filthy", "tangibles"), ("They promised a callback that never came", "reliability"),
                         ("Nobody cared that my mother had just died", "empathy")])
    truth = [r["dimension"] for r in read_csv(heldout)]
    texts = [r["text"] for r in read_csv(heldout)]
    builtin = score(truth, classify(texts).dimension).macro_f1
    # a tiny training file: worse than the built-in model on the held-out complaints, so refused
    tiny = write_csv(tmp_path / "tiny.csv", ["text", "dimension"],
                     [("a", "price_billing"), ("b", "price_billing"), ("c", "assurance"), ("d", "assurance")])
    out = tmp_path / "m.npz"
    code, stdout, err = run(capsys, "complaints", "train", str(tiny), "-o", str(out), "--cv", "0", "--against", str(heldout))
    assert code == 1 and "it was not written" in err and not out.exists()
    assert f"the built-in model {builtin:.3f}" in stdout
    # against itself as the current model, a model is never worse: written, with its evaluation
    code, stdout, err = run(capsys, "complaints", "train", str(eval_csv), "-o", str(out), "--cv", "0")
    assert code == 0, err
    mine = load_model(out)
    again = tmp_path / "m2.npz"
    code, stdout, err = run(capsys, "complaints", "train", str(eval_csv), "-o", str(again), "--cv", "0",
                            "--against", str(heldout), "--current", str(out))
    assert code == 0, err
    info = load_model(again).info
    expected = score(truth, classify(texts, model=mine).dimension).macro_f1
    assert info["evaluation"]["macro_f1"] == pytest.approx(expected)
    assert info["evaluation"]["current_macro_f1"] == pytest.approx(expected)
    assert info["trained"]["file"] == str(eval_csv) and len(info["trained"]["sha256"]) == 64


def test_train_into_a_folder_of_versions_and_choose_the_one_in_use(tmp_path, capsys, eval_csv):
    """A folder of versions: each train adds model-NNNN.npz and its report; only a version
    that passed --against goes into use; `models` lists them and --use goes back."""
    import json

    from servq.text import versions

    folder = tmp_path / "models"
    code, out, err = run(capsys, "complaints", "train", str(eval_csv), "-o", str(folder), "--cv", "3", "--no-words")
    assert code == 0, err
    assert "version 1 in " in out and "not in use (no --against check" in out
    assert versions.versions(folder) == [1] and versions.current(folder) is None
    code, out, err = run(capsys, "complaints", "classify", str(eval_csv), "-o", str(tmp_path / "x.csv"), "--model", str(folder))
    assert code == 1 and "no current version" in err
    report = json.loads((folder / "model-0001.json").read_text(encoding="utf-8"))
    assert report["version"] == 1 and report["n_examples"] == 162 and report["word_tokens"] is False
    assert 0 < report["cross_validation"]["macro_f1"] <= 1 and report["cross_validation"]["folds"] == 3
    code, out, err = run(capsys, "complaints", "models", str(folder), "--use", "1")
    assert code == 0 and "version 1 of" in out and "* in use" in out
    assert load_model(folder).info["version"] == 1
    # the second version passes its check against the current version (itself trained on the same data) and goes in use
    code, out, err = run(capsys, "complaints", "train", str(eval_csv), "-o", str(folder), "--cv", "0", "--no-words",
                         "--against", str(eval_csv))
    assert code == 0, err
    assert f"macro-F1 1.000, {folder} 1.000" in out and "version 2 in " in out and "now in use" in out
    assert versions.current(folder) == 2 and (folder / "CURRENT").read_text(encoding="utf-8") == "model-0002.npz\n"
    code, out, err = run(capsys, "complaints", "models", str(folder))
    lines = out.splitlines()
    cv1 = report["cross_validation"]["macro_f1"]
    assert lines[1].split()[0] == "1" and f" 162   {cv1:.3f}  " in lines[1]
    assert lines[2].split()[:2] == ["*", "2"] and "1.000  character n-grams + lexicon scores" in lines[2]
    code, out, err = run(capsys, "complaints", "models", str(folder), "--use", "7")
    assert code == 1 and "no model version 7 (versions: 1, 2)" in err


def test_train_adds_the_builtin_complaints_to_a_users_corrections(tmp_path, capsys, monkeypatch):
    """--add-builtin prepends the complaints the built-in model learned from (here the first
    84 of them, 12 per label, so the test trains in a second; the loader itself is read
    whole by tests/text/test_builtin_model.py)."""
    from servq.text import classification

    shipped = classification.builtin_training_set()
    assert len(shipped) == 2052
    few = shipped.groupby("dimension", group_keys=False).head(12).reset_index(drop=True)
    monkeypatch.setattr(classification, "builtin_training_set", lambda: few)
    src = write_csv(tmp_path / "fixes.csv", ["text", "dimension"],
                    [("the app logs me out every hour", "product_quality"),
                     ("appen loggar ut mig hela tiden", "product_quality")])
    code, out, err = run(capsys, "complaints", "train", str(src), "-o", str(tmp_path / "m.npz"), "--cv", "0",
                         "--add-builtin", "--no-words")
    assert code == 0, err
    assert "with the 84 complaints the built-in model learned from: 86" in out
    m = load_model(tmp_path / "m.npz")
    assert m.info["n_examples"] == 86 and m.info["examples_per_class"]["product_quality"] == 14


def test_classify_with_the_embedding_variant_or_a_clear_error_without_its_package(tmp_path, capsys, monkeypatch):
    from servq.text import embeddings
    from servq.text.classification import builtin_model

    src = write_csv(tmp_path / "c.csv", ["text"], [("Fakturan var fel igen",), ("柜台的人态度很差",)])
    if embeddings.available("e5-small"):
        code, out, err = run(capsys, "complaints", "classify", str(src), "-o", str(tmp_path / "o.csv"), "--embeddings")
        assert code == 0, err
        assert "classified 2 complaints (built-in model with sentence embeddings)" in out
        assert [r["dimension"] for r in read_csv(tmp_path / "o.csv")] == ["price_billing", "assurance"]
    builtin_model.cache_clear()
    monkeypatch.setattr(embeddings, "available", lambda name: False)
    try:
        code, out, err = run(capsys, "complaints", "classify", str(src), "-o", str(tmp_path / "p.csv"), "--embeddings")
    finally:
        builtin_model.cache_clear()
    assert code == 1 and err == ("error: the built-in model with embeddings needs the e5-small backend: "
                                 "pip install 'servq[embeddings]'\n")
    code, out, err = run(capsys, "complaints", "classify", str(src), "-o", str(tmp_path / "q.csv"), "--embeddings",
                         "--baseline")
    assert code == 1 and "embeddings choose the built-in model's variant" in err
