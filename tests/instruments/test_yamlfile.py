"""servq.instruments.yamlfile: YAML with line-numbered problems."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cli_helpers import run
from hostile import laughs

from servq.complaints.sla import load_calendar, load_policies
from servq.errors import ProblemsError, UsageError
from servq.indexsystem.loader import load_system
from servq.instruments import yamlfile
from servq.instruments.catalog import load_instrument
from servq.io.columns import load_mapping
from servq.measures.economics import load_economics
from servq.measures.standards import load_standards
from servq.text.lexicon import load_lexicon
from servq.text.sentiment import parse_sentiment_lexicon
from servq.web.complaints import parse_calendar


def test_an_impossible_date_is_a_problem_on_its_line_not_a_crash():
    with pytest.raises(ProblemsError) as err:
        yamlfile.load("name: x\nopens: 2026-13-01\n", "s.yaml", ProblemsError)
    (problem,) = err.value.problems
    assert problem.line == 2 and "'2026-13-01' is not a valid date" in problem.message


def test_dates_and_times_still_read():
    assert yamlfile.load("a: 2026-12-01\nb: 2026-12-01 08:30:00\n", "s.yaml", ProblemsError) == {
        "a": dt.date(2026, 12, 1), "b": dt.datetime(2026, 12, 1, 8, 30)}


# --------------------------------------------------------------------------- bounds (issue 11, finding 5)

def test_an_alias_bomb_is_refused_before_anything_is_built(monkeypatch):
    def never(self):
        raise AssertionError("the document was built")

    monkeypatch.setattr(yamlfile.Loader, "get_single_data", never)
    with pytest.raises(ProblemsError) as err:
        yamlfile.load(laughs(), "bomb.yaml", ProblemsError)
    (problem,) = err.value.problems
    assert err.value.summary == "bomb.yaml: YAML aliases are not allowed"
    assert problem.file == "bomb.yaml" and problem.line == 2
    assert "YAML aliases (*a) are not allowed: write the values out" in problem.message


def test_a_merge_key_is_an_alias_and_is_refused():
    text = "base: &base {min: 1, max: 7}\nscale:\n  <<: *base\n  dont_know: 0\n"
    with pytest.raises(ProblemsError, match="YAML aliases") as err:
        yamlfile.load(text, "s.yaml", ProblemsError)
    assert err.value.problems[0].line == 3


def test_an_anchor_nobody_refers_to_is_harmless():
    assert yamlfile.load("a: &x [1, 2]\n", "s.yaml", ProblemsError) == {"a": [1, 2]}


def test_too_large_text_is_refused_naming_its_size():
    text = "a: " + "x" * yamlfile.MAX_BYTES + "\n"
    with pytest.raises(ProblemsError) as err:
        yamlfile.load(text, "big.yaml", ProblemsError)
    assert err.value.summary == "big.yaml is too large"
    assert f"{len(text):,} bytes; a YAML file may be at most {yamlfile.MAX_BYTES:,} bytes" in str(err.value)


def test_too_large_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * yamlfile.MAX_BYTES + "\n")
    monkeypatch.setattr(Path, "read_text", lambda *a, **k: pytest.fail("the file was read"))
    with pytest.raises(UsageError, match=rf"big\.yaml: the file is {big.stat().st_size:,} bytes"):
        yamlfile.read(big, "instrument")


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, "[" * 100_000,
                                  "".join(" " * i + "a:\n" for i in range(100)) + " " * 100 + "b: 1\n"])
def test_deep_nesting_is_refused_without_a_crash(text):
    with pytest.raises(ProblemsError) as err:  # libyaml stops at 1000 levels itself, servq at MAX_DEPTH
        yamlfile.load(text, "deep.yaml", ProblemsError)
    assert "nesting depth" in str(err.value) or f"nested more than {yamlfile.MAX_DEPTH} levels" in str(err.value)


def test_nesting_up_to_the_limit_reads():
    depth = yamlfile.MAX_DEPTH
    assert yamlfile.load("[" * depth + "]" * depth, "s.yaml", ProblemsError) is not None


INSTRUMENT = Path(__file__).parents[1] / "data" / "mini.yaml"
READERS = {  # every reader of a user's YAML: one alias bomb refused by each
    "instrument": load_instrument,
    "index system": load_system,
    "economics": load_economics,
    "standards": lambda p: load_standards(p, load_instrument(INSTRUMENT)),
    "SLA calendar": load_calendar,
    "SLA policies": load_policies,
    "column mapping": load_mapping,
    "lexicon": load_lexicon,
    "sentiment lexicon": lambda p: parse_sentiment_lexicon(p.read_text(encoding="utf-8"), str(p)),
    "web SLA calendar": lambda p: parse_calendar(p.read_text(encoding="utf-8")),
}


@pytest.mark.parametrize("reader", READERS.values(), ids=READERS.keys())
def test_every_yaml_reader_refuses_an_alias_bomb(tmp_path, reader):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(laughs(), encoding="utf-8")
    with pytest.raises(ProblemsError, match="YAML aliases"):
        reader(bomb)


def test_the_cli_refuses_an_alias_bomb_in_one_clear_line(tmp_path, capsys):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(laughs(), encoding="utf-8")
    code, out, err = run(capsys, "instruments", "validate", str(bomb))
    assert code == 1 and "Traceback" not in err
    assert f"{bomb}, line 2: YAML aliases (*a) are not allowed" in err


@pytest.mark.parametrize("reader", list(READERS.values())[:8], ids=list(READERS)[:8])
def test_every_yaml_file_reader_refuses_a_file_that_is_not_utf8_by_its_line(tmp_path, reader):
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("id: x\nname: Café\n".encode("cp1252"))  # saved by an old Windows editor
    with pytest.raises(UsageError, match=r"latin1.yaml, line 2: not UTF-8 text \(byte 16 is b'\\xe9'\).*save this one"):
        reader(latin1)
    binary = tmp_path / "answers.parquet"
    binary.write_bytes(b"PAR1\x15\x04\x15\x90\x01")
    with pytest.raises(UsageError, match="line 1: not UTF-8 text"):
        reader(binary)
