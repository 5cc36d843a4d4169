"""``servq complaints classify | evaluate | train``: the complaint text classifier on files.

Plain functions registered by :mod:`.complaints`; the classifier is imported
only when a command runs. A user's mistake raises a :class:`~servq.errors.ServqError`, which
the CLI prints as one line.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from ..errors import UsageError
from .reading import FirstRow, HeaderRow

if TYPE_CHECKING:
    from ..io.readers import Reading

File = Annotated[
    Path, typer.Argument(metavar="FILE", help="Complaints: a .csv, .xlsx, .xls, .ods, .parquet or .sav file with a text column.")
]
ModelOpt = Annotated[
    Optional[Path],
    typer.Option("--model", "-m", help="A model trained by `servq complaints train` (default: the built-in model)."),
]
BaselineOpt = Annotated[
    bool, typer.Option("--baseline", help="The built-in lexicon decides (the baseline) instead of a model.")
]
EmbeddingsOpt = Annotated[
    bool,
    typer.Option("--embeddings", help="The built-in model with its sentence-embedding member (pip install "
                 "'servq[embeddings]'; better on unusual wording, about 17 complaints/s)."),
]
LexiconOpt = Annotated[
    Optional[Path],
    typer.Option(
        "--lexicon", "-L", help="A lexicon YAML file instead of the built-in SERVQUAL lexicon (docs/complaints-text.md)."
    ),
]
TextCol = Annotated[str, typer.Option("--column", help="The column holding the complaint text.")]
LabelCol = Annotated[str, typer.Option("--label-column", help="The column holding the true label.")]
Sheet = Annotated[Optional[str], typer.Option(help="Worksheet of an .xlsx file (default: the first).")]
Encoding = Annotated[
    Optional[str],
    typer.Option(
        "--encoding",
        help="Encoding of a .csv file, e.g. cp1252 or gb18030 (default: UTF-8, UTF-16 by its byte-order mark, or "
        "Windows-1252 when the file plausibly is; a file that is none of them is an error naming where).",
    ),
]
Seed = Annotated[int, typer.Option("--seed", min=0, help="Seed of the cross-validation folds.")]
NoLexicon = Annotated[bool, typer.Option("--no-lexicon", help="Train on character n-grams only, without the lexicon's scores.")]


def classify(
    file: File,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Write the complaints with the new columns here (.csv, .xlsx, .parquet).")
    ],
    model: ModelOpt = None,
    lexicon: LexiconOpt = None,
    baseline: BaselineOpt = False,
    embeddings: EmbeddingsOpt = False,
    column: TextCol = "text",
    sheet: Sheet = None,
    encoding: Encoding = None,
    header_row: HeaderRow = 1,
    first_row: FirstRow = None,
) -> None:
    """Classify every complaint: adds language, dimension, confidence, the second most likely
    dimension and its confidence, needs_person (confidence below the model's calibrated
    threshold: route to a person), sentiment (-1..1), severity (1 low, 2 medium, 3 high) and
    the severity cues found."""
    import pyarrow as pa

    from ..io.readers import Reading
    from ..io.writers import write_table
    from ..text.classification import COLUMNS
    from ..text.classification import classify as run

    table, text_col = _read(file, column, None, Reading(sheet, encoding, header_row, first_row), all_columns=True)
    result = run(table.column(text_col).to_pylist(), model=model, lexicon=lexicon, baseline=baseline,
                 embeddings=embeddings)
    frame = result.to_frame()
    for name in ("confidence", "secondary_confidence", "sentiment"):
        frame[name] = frame[name].round(4)
    taken = {c.lower() for c in table.column_names}
    renamed = []
    for name in COLUMNS:
        target = name if name.lower() not in taken else f"predicted_{name}"
        if target != name:
            renamed.append(f"{name} -> {target}")
        table = table.append_column(target, pa.array(frame[name].tolist()))
    path = write_table(table, out)
    counts = Counter(result.dimension.tolist())
    typer.echo(f"classified {len(result)} complaints ({result.method}): "
               + ", ".join(f"{k} {v}" for k, v in counts.most_common()))
    typer.echo(f"needs a person: {int(result.needs_person.sum())} of {len(result)}")
    langs = Counter(result.language.tolist())
    typer.echo("languages: " + ", ".join(f"{k} {v}" for k, v in langs.most_common()))
    if renamed:
        typer.echo(f"note: the file already has these columns, so the new ones are named {', '.join(renamed)}")
    typer.echo(f"wrote {path}")


def evaluate(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Labelled complaints: a text and a dimension column.")],
    model: ModelOpt = None,
    lexicon: LexiconOpt = None,
    baseline: BaselineOpt = False,
    embeddings: EmbeddingsOpt = False,
    cv: Annotated[
        int,
        typer.Option(
            "--cv",
            min=0,
            help="Evaluate the trainable model by stratified K-fold cross-validation on FILE (0: off); "
            "with --lexicon, the model learns from that lexicon's scores.",
        ),
    ] = 0,
    seed: Seed = 0,
    no_lexicon: NoLexicon = False,
    curve: Annotated[
        bool,
        typer.Option(
            "--learning-curve",
            help="With --cv: macro-F1 when each fold's model learns from 10%, 20%, 50% and 100% of its training examples.",
        ),
    ] = False,
    column: TextCol = "text",
    label_column: LabelCol = "dimension",
    by: Annotated[
        Optional[str],
        typer.Option(
            "--by", help="Also macro-F1 by the values of this column, e.g. the kind of text (default: a column "
            "named note, else kind, when the file has one).",
        ),
    ] = None,
    sheet: Sheet = None,
    encoding: Encoding = None,
    header_row: HeaderRow = 1,
    first_row: FirstRow = None,
) -> None:
    """Accuracy, macro-F1, precision/recall/F1 per label and the confusion matrix of the
    built-in model (default), a trained model (--model), the baseline lexicon (--baseline), a
    lexicon (--lexicon) or the trainable model cross-validated on FILE (--cv K); by
    language and by kind of text; with a model, the precision-coverage curve and the share
    routed to a person at its calibrated threshold."""
    from ..io.readers import Reading
    from ..text.classification import builtin_model
    from ..text.classification import classify as run
    from ..text.evaluation import cross_validated_predictions, learning_curve
    from ..text.evaluation import evaluate as score
    from ..text.language import detect_languages
    from ..text.lexicon import load_lexicon
    from ..text.model import load_model

    if sum((model is not None, lexicon is not None and not cv, baseline, bool(cv), embeddings)) > 1:
        raise UsageError(
            "choose one of --model, --baseline, --lexicon, --embeddings and --cv (--lexicon with --cv: the lexicon the "
            "trained model uses)"
        )
    if (no_lexicon or curve) and not cv:
        raise UsageError(f"{'--no-lexicon' if no_lexicon else '--learning-curve'} needs --cv")
    if no_lexicon and lexicon is not None:
        raise UsageError("choose --lexicon or --no-lexicon")
    texts, truth, groups, skipped = _labelled(file, column, label_column, Reading(sheet, encoding, header_row, first_row), by)
    found = None
    if cv:
        options = {"lexicon": False if no_lexicon else load_lexicon(lexicon)}
        what = (f"trainable model, {cv}-fold cross-validation (seed {seed}), "
                + ("character n-grams only" if no_lexicon
                   else f"character n-grams and lexicon scores ({options['lexicon'].name})"))
        pred = cross_validated_predictions(texts, truth, k=cv, seed=seed, **options)
        known: tuple[str, ...] = tuple(sorted(set(truth)))
    else:
        if lexicon is not None or baseline:
            lex = load_lexicon(lexicon)
            what, known, found = f"lexicon: {lex.name}", lex.dimensions, run(texts, lexicon=lex)
        else:
            m = load_model(model) if model is not None else builtin_model(embeddings)
            what = f"model {model}" if model else "built-in model" + (" with sentence embeddings" if embeddings else "")
            known, found = m.classes, run(texts, model=m)
        pred = found.dimension
        unknown = sorted(set(truth) - set(known))
        if unknown:
            raise UsageError(f"{file}: label(s) {', '.join(unknown)} in column '{label_column}' are not "
                             f"known to the {'lexicon' if lexicon is not None or baseline else 'model'} "
                             f"(it knows {', '.join(known)})")
    labels = [k for k in known if k in set(truth)]
    result = score(truth, pred, labels=labels)
    typer.echo(f"{what} on {file}: {result.n} complaints" + (f" ({skipped} without text or label skipped)" if skipped else ""))
    typer.echo(f"accuracy {result.accuracy:.3f}   macro-F1 {result.macro_f1:.3f}")
    for line in _table_lines(result):
        typer.echo(line)
    by_lang = []
    langs = detect_languages(texts)
    for lang in ("en", "sv", "zh"):
        idx = [i for i, x in enumerate(langs) if x == lang]
        if idx:
            sub = score([truth[i] for i in idx], [pred[i] for i in idx])
            by_lang.append(f"{lang} {sub.macro_f1:.3f} (n {len(idx)})")
    if by_lang:
        typer.echo("macro-F1 by detected language: " + ", ".join(by_lang))
    if groups is not None:
        typer.echo(f"by {groups[0]}:")
        for value in sorted(set(groups[1])):
            idx = [i for i, g in enumerate(groups[1]) if g == value]
            sub = score([truth[i] for i in idx], [pred[i] for i in idx])
            typer.echo(f"  {value or '(blank)':<16} accuracy {sub.accuracy:.3f}  macro-F1 {sub.macro_f1:.3f}  (n {len(idx)})")
    if found is not None and not found.method.startswith("lexicon"):
        for line in _coverage_lines(found, truth):
            typer.echo(line)
    if curve:
        table = learning_curve(texts, truth, fractions=(0.1, 0.2, 0.5, 1.0), k=cv, seed=seed, **options)
        typer.echo("learning curve (each fold's model learns from a stratified random share of its training "
                   "examples, 5 draws; mean macro-F1):")
        langs_shown = [c for c in ("en", "sv", "zh") if c in table.columns]
        typer.echo(f"{'share':>6} {'n train':>8} {'macro-F1':>9} {'sd':>6} " + "".join(f"{c:>7}" for c in langs_shown))
        for fraction, r in table.iterrows():
            typer.echo(f"{fraction:>6.0%} {r.n_train:>8.1f} {r.macro_f1:>9.3f} {r.sd:>6.3f} "
                       + "".join(f"{r[c]:>7.3f}" for c in langs_shown))


def train(
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="Labelled complaints: a text column and a label column (any labels).")
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Write the model here: a .npz file, or any other path as a folder of versions "
            "(model-0001.npz, … each with its evaluation report; CURRENT names the one in use).",
        ),
    ],
    cv: Annotated[int, typer.Option("--cv", min=0, help="Report the K-fold cross-validated macro-F1 first (0: skip).")] = 5,
    seed: Seed = 0,
    c: Annotated[float, typer.Option("--c", min=1e-6, help="Inverse L2 penalty of the logistic regression.")] = 10.0,
    min_df: Annotated[
        int, typer.Option("--min-df", min=1, help="Keep character n-grams seen in at least this many complaints.")
    ] = 1,
    lexicon: Annotated[
        Optional[Path],
        typer.Option(
            "--lexicon",
            "-L",
            help="Learn from this lexicon's scores (default: the built-in SERVQUAL lexicon); it is stored in the model.",
        ),
    ] = None,
    no_lexicon: NoLexicon = False,
    words: Annotated[
        bool,
        typer.Option("--words/--no-words", help="Also learn from word tokens: Chinese words (jieba), English and "
                     "Swedish stems, Swedish compound parts."),
    ] = True,
    embeddings: Annotated[
        Optional[str],
        typer.Option("--embeddings", metavar="BACKEND", help="Also learn from sentence embeddings of this backend "
                     "(e5-small; needs pip install 'servq[embeddings]'; about 17 complaints/s)."),
    ] = None,
    add_builtin: Annotated[
        bool,
        typer.Option("--add-builtin", help="Also learn from the complaints the built-in model learned from (2,052 in "
                     "en/sv/zh, SERVQUAL labels): a few hundred corrections of your own then refine it."),
    ] = False,
    lexicon_scale: Annotated[
        float,
        typer.Option(
            "--lexicon-scale", min=0.0, help="Scale of the lexicon scores among the features (docs/complaints-text.md)."
        ),
    ] = 0.3,
    against: Annotated[
        Optional[Path],
        typer.Option(
            "--against",
            help="Held-out labelled complaints (never trained on): the model is written (in a folder: made current) "
            "only when its macro-F1 on them is at least the current model's.",
        ),
    ] = None,
    current: Annotated[
        Optional[Path],
        typer.Option("--current", help="With --against: the model in use (default: the folder's current version, "
                     "else the built-in model)."),
    ] = None,
    column: TextCol = "text",
    label_column: LabelCol = "dimension",
    sheet: Sheet = None,
    encoding: Encoding = None,
    header_row: HeaderRow = 1,
    first_row: FirstRow = None,
) -> None:
    """Train the complaint classifier (character n-grams and the lexicon's scores, logistic
    regression with a prior toward the lexicon baseline, calibrated probabilities) on
    labelled complaints and save it, with its evaluation in the model's info; with
    --against, only when it does at least as well as the current model on held-out
    complaints. Into a folder of versions, a new version becomes the one in use only when it
    passes --against."""
    from ..io.readers import Reading
    from ..text import versions
    from ..text.evaluation import cross_validate
    from ..text.lexicon import load_lexicon
    from ..text.model import MIN_PER_LABEL, check_examples
    from ..text.model import train as fit

    if no_lexicon and lexicon is not None:
        raise UsageError("choose --lexicon or --no-lexicon")
    lex = False if no_lexicon else load_lexicon(lexicon)
    reading = Reading(sheet, encoding, header_row, first_row)
    texts, labels, _, skipped = _labelled(file, column, label_column, reading)
    typer.echo(f"{len(labels)} labelled complaints in {file}"
               + (f" ({skipped} without text or label skipped)" if skipped else ""))
    if add_builtin:
        from ..text.classification import builtin_training_set

        shipped = builtin_training_set()
        texts, labels = list(shipped.text) + texts, list(shipped.dimension) + labels
        typer.echo(f"with the {len(shipped)} complaints the built-in model learned from: {len(labels)}")
    check_examples(labels, MIN_PER_LABEL, "to train")
    counts = Counter(labels)
    typer.echo("labels: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    folder = out.suffix.lower() != ".npz"
    options = {"c": c, "min_df": min_df, "lexicon": lex, "lexicon_scale": lexicon_scale, "words": words,
               "embeddings": embeddings}
    fewest = min(counts.values())
    checked = None
    if cv and fewest >= cv:
        e = cross_validate(texts, labels, k=cv, seed=seed, **options)
        typer.echo(f"cross-validated macro-F1 ({cv}-fold, seed {seed}): {e.macro_f1:.3f}, accuracy {e.accuracy:.3f}")
        checked = {"folds": cv, "seed": seed, "macro_f1": e.macro_f1, "accuracy": e.accuracy}
    elif cv:
        label = min(counts, key=lambda k: (counts[k], k))
        typer.echo(f"note: no {cv}-fold cross-validation: every label needs {cv} examples, '{label}' has {fewest}")
    model = fit(texts, labels, seed=seed, **options)
    model.info["trained"] = {"file": str(file), "at": datetime.now(UTC).isoformat(timespec="seconds"),
                             "sha256": hashlib.sha256("\n".join(f"{t}\t{y}" for t, y in zip(texts, labels))
                                                      .encode()).hexdigest()}
    if checked:
        model.info["cross_validation"] = checked
    if folder and current is None and against is not None and versions.current(out) is not None:
        current = out
    if against is not None:
        model.info["evaluation"] = _gate(model, against, current, column, label_column, reading)
    if folder:
        version, path = versions.add(out, model, make_current=against is not None)
        typer.echo(f"version {version} in {out}: " + ("now in use" if against is not None else
                   f"not in use (no --against check; `servq complaints models {out} --use {version}` puts it in use)"))
    else:
        path = model.save(out)
    if model.lexicon_dimensions:
        info = model.info["lexicon"]
        typer.echo(f"lexicon features: {info['name']} ({len(model.lexicon_dimensions)} of the labels: "
                   f"{', '.join(model.lexicon_dimensions)}), prior weight {info['prior_weight']:.2f}")
    elif lex is not False:
        typer.echo(f"note: the lexicon '{lex.name}' knows none of these labels: character n-grams only")
    emb = model.info.get("embeddings")
    typer.echo(f"wrote {path} ({len(model.classes)} labels, {len(model.vocabulary)} n-grams"
               + (" and word tokens" if model.features.words else "")
               + f", {len(model.lexicon_dimensions)} lexicon scores"
               + (f", {emb['backend']} embeddings ({emb['dimension']})" if emb else "")
               + f", temperature {model.temperature:.3f})")


def models(
    folder: Annotated[Path, typer.Argument(metavar="FOLDER", help="A folder of model versions (servq complaints train --out).")],
    use: Annotated[
        Optional[int], typer.Option("--use", min=1, help="Put this version in use (e.g. to go back to an earlier one).")
    ] = None,
) -> None:
    """List the model versions of a folder with what each learned from and how it
    evaluated; --use N puts version N in use."""
    from ..text import versions

    if not folder.is_dir():
        raise UsageError(f"{folder}: no such folder of model versions")
    if use is not None:
        versions.use(folder, use)
        typer.echo(f"version {use} of {folder} is now in use")
    found = versions.versions(folder)
    if not found:
        typer.echo(f"{folder}: no model versions yet (servq complaints train FILE --out {folder})")
        return
    now = versions.current(folder)
    typer.echo(f"{'':2}{'version':>7}  {'trained':<25} {'examples':>8}  {'CV F1':>6}  {'held-out F1':>11}  features")
    for v in found:
        info = versions.report(folder, v)
        held = (info.get("evaluation") or {}).get("macro_f1")
        cv = (info.get("cross_validation") or {}).get("macro_f1")
        typer.echo(f"{'*' if v == now else '':2}{v:>7}  {(info.get('trained') or {}).get('at', ''):<25} "
                   f"{info.get('n_examples', ''):>8}  {'' if cv is None else f'{cv:.3f}':>6}  "
                   f"{'' if held is None else f'{held:.3f}':>11}  {info.get('features', '')}")
    typer.echo("* in use" if now is not None else "no version is in use")


def _gate(model, against: Path, current: Path | None, column: str, label_column: str, reading: Reading) -> dict:
    """The new and the current model's macro-F1 on the held-out complaints ``against``; a
    UsageError (nothing written) when the new one does worse."""
    from ..text.classification import builtin_model
    from ..text.classification import classify as run
    from ..text.evaluation import evaluate as score
    from ..text.model import load_model

    texts, truth, _, _ = _labelled(against, column, label_column, reading)
    old = load_model(current) if current is not None else builtin_model()
    new_f1 = score(truth, run(texts, model=model).dimension).macro_f1
    old_f1 = score(truth, run(texts, model=old).dimension).macro_f1
    name = str(current) if current is not None else "the built-in model"
    typer.echo(f"on {against} ({len(texts)} held-out complaints): macro-F1 {new_f1:.3f}, {name} {old_f1:.3f}")
    if new_f1 < old_f1:
        raise UsageError(f"the new model does worse than {name} on {against} (macro-F1 {new_f1:.3f} < {old_f1:.3f}); "
                         "it was not written")
    return {"file": str(against), "n": len(texts), "macro_f1": new_f1, "current": name, "current_macro_f1": old_f1}


def _read(file: Path, column: str, label_column: str | None, reading: Reading, all_columns: bool = False,
          extra: str | tuple[str, ...] | None = None):
    """(table, text column[, label column]) of a complaints file opened by ``reading``; a
    UsageError naming the file and its columns when a column is missing. The text column is read as written (a
    complaint reading ``NA`` stays text), and with ``all_columns`` every column is (they are
    written out again as they came)."""
    import pyarrow as pa

    src = reading.open(file)
    if src.options.get("guessed"):
        note_encoding(file)
    names = [_column(src.columns, column, file)]
    if label_column is not None:
        names.append(_column(src.columns, label_column, file))
    if isinstance(extra, str):
        names.append(_column(src.columns, extra, file))
    elif extra:  # the first of these the file has, if any
        names += [c for c in extra if c in src.columns][:1]
    wanted = src.columns if all_columns else names
    chunks = list(src.chunks(wanted, text=wanted if all_columns else names[:1]))
    table = pa.concat_tables(chunks) if chunks else pa.table({c: pa.array([], pa.string()) for c in wanted})
    return (table, *names[:2 if label_column is not None else 1])


def note_encoding(file) -> None:
    """Say that a CSV file was read as Windows-1252 because it is not UTF-8."""
    typer.echo(f"note: {file} is not UTF-8; read as Windows-1252 (cp1252), which it plausibly is "
               "(--encoding names another)")


def _column(columns: list[str], name: str, file: Path) -> str:
    for c in columns:
        if c == name:
            return c
    for c in columns:
        if c.strip().lower() == name.lower():
            return c
    raise UsageError(f"{file}: no '{name}' column (columns: {', '.join(columns)})")


def _labelled(file: Path, column: str, label_column: str, reading: Reading,
              by: str | None = None) -> tuple[list[str], list[str], tuple[str, list[str]] | None, int]:
    """Texts and labels of the rows that have both, (the group column, its values on those
    rows) when ``by`` names one or the file has a ``note`` or ``kind`` column, and the
    number of rows without text or label."""
    table, text_col, label_col = _read(file, column, label_column, reading, extra=by or ("note", "kind"))
    texts, labels = table.column(text_col).to_pylist(), table.column(label_col).to_pylist()
    kept = [i for i, (t, y) in enumerate(zip(texts, labels))
            if t is not None and str(t).strip() and y is not None and str(y).strip()]
    groups = None
    if table.num_columns > 2:
        values = table.column(2).to_pylist()
        groups = (table.column_names[2], ["" if values[i] is None else str(values[i]).strip() for i in kept])
    return [str(texts[i]) for i in kept], [str(labels[i]).strip() for i in kept], groups, len(texts) - len(kept)


def _coverage_lines(found, truth: list[str]) -> list[str]:
    """The precision-coverage curve of a model's predictions, and the share it routes to a
    person at its calibrated threshold."""
    import numpy as np

    right = np.asarray(found.dimension, dtype=object) == np.asarray(truth, dtype=object)
    conf = np.asarray(found.confidence)
    order = np.argsort(-conf, kind="stable")
    lines = ["precision-coverage (the most confident share of the complaints, and how many of them are right):"]
    for share in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0):
        k = max(1, int(round(share * len(order))))
        lines.append(f"  coverage {share:4.0%}  precision {right[order[:k]].mean():.3f}  confidence >= {conf[order[k - 1]]:.3f}")
    auto = ~np.asarray(found.needs_person)
    if auto.any():
        lines.append(f"at the calibrated threshold: {auto.mean():.1%} classified with precision {right[auto].mean():.3f}; "
                     f"{int((~auto).sum())} need a person")
    else:
        lines.append("at the calibrated threshold every complaint needs a person")
    return lines


def _table_lines(result) -> list[str]:
    """The per-label table and the confusion matrix (columns numbered as the rows)."""
    from ..text.lexicon import UNCLASSIFIED

    width = max(len(str(k)) for k in result.confusion.index.tolist() + ["label"])
    lines = [f"{'label':<{width}}  precision  recall     F1  support"]
    for label, r in result.per_class.iterrows():
        lines.append(f"{label:<{width}}  {r.precision:9.3f}  {r.recall:6.3f}  {r.f1:5.3f}  {int(r.support):7d}")
    rows = result.confusion.index.tolist()
    cols = result.confusion.columns.tolist()
    heads = [str(rows.index(c) + 1) if c in rows else "-" if c == UNCLASSIFIED else c for c in cols]
    cell = max(4, *(len(h) for h in heads))
    lines.append("confusion matrix (rows: true label; columns: predicted, numbered as the rows"
                 + ("; - unclassified)" if UNCLASSIFIED in cols else ")"))
    lines.append(" " * (width + 4) + "".join(f"{h:>{cell + 1}}" for h in heads))
    for i, label in enumerate(rows, start=1):
        counts = result.confusion.loc[label].tolist()
        lines.append(f"{i:>2} {label:<{width}} " + "".join(f"{n:>{cell + 1}}" for n in counts))
    return lines
