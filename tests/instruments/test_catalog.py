"""The built-in instrument catalog and the loader's error reporting."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from pydantic import BaseModel

from servq.errors import InstrumentError, UsageError
from servq.instruments import Part, Text, catalog_ids, load_instrument, parse_instrument

CATALOG = ["customer-focus", "customer-value", "gronroos", "kano-retail-banking", "servperf", "servperf-benchmark",
           "servqual", "servqual-zot"]

SERVQUAL_DIMENSIONS = {
    "tangibles": [1, 2, 3, 4],
    "reliability": [5, 6, 7, 8, 9],
    "responsiveness": [10, 11, 12, 13],
    "assurance": [14, 15, 16, 17],
    "empathy": [18, 19, 20, 21, 22],
}

CJK = re.compile(r"[\u4e00-\u9fff]")


def texts_of(node, path: str = "") -> list[tuple[str, Text]]:
    """Every Text inside a model, found by walking fields, dicts and lists generically."""
    if isinstance(node, Text):
        return [(path, node)]
    found: list[tuple[str, Text]] = []
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            found += texts_of(getattr(node, name), f"{path}.{name}" if path else name)
    elif isinstance(node, dict):
        for key, value in node.items():
            key = key.value if isinstance(key, Part) else key
            found += texts_of(value, f"{path}.{key}")
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            found += texts_of(value, f"{path}[{i}]")
    return found


def dimension_map(inst) -> dict[str, list[int]]:
    return {d.id: [it.id for it in inst.items_of(d.id)] for d in inst.dimensions}


@pytest.fixture(params=CATALOG)
def inst(request):
    return load_instrument(request.param)


# -- the catalog as a whole -------------------------------------------------------------


def test_catalog_ids_are_the_six_files():
    assert catalog_ids() == CATALOG


def test_every_id_loads_and_matches_its_file_name(inst):
    assert inst.id in CATALOG
    assert load_instrument(inst.id) is inst  # cached
    assert inst.languages == ["en", "sv", "zh"]


def test_text_walker_finds_every_kind_of_text():
    paths = {re.sub(r"\[\d+\]|\.\d+$|\.\d+(?=\.)", "", p) for p, _ in texts_of(load_instrument("servqual"))}
    assert paths == {
        "name",
        "description",
        "part_questions.expectation",
        "part_questions.perception",
        "scale.anchors",
        "scale.dont_know_label",
        "dimensions.label",
        "dimensions.description",
        "items.text",
        "items.part_text.expectation",
        "importance.question",
        "outcomes.text",
        "outcomes.anchors",
    }
    # 22 perception + 22 expectation statements, 5 labels + 5 descriptions, 3 + 3 + 2 + 3 anchors
    assert len(texts_of(load_instrument("servqual"))) == 1 + 1 + 2 + 3 + 1 + 10 + 44 + 1 + 3 + 3 + 2 + 3


def test_every_text_is_given_in_en_sv_zh(inst):
    for path, text in texts_of(inst):
        for lang in ("en", "sv", "zh"):
            value = getattr(text, lang)
            assert value and value.strip(), f"{inst.id}: {path} has no {lang} text"


def test_chinese_texts_are_chinese(inst):
    for path, text in texts_of(inst):
        assert CJK.search(text.zh), f"{inst.id}: {path}.zh has no Chinese characters"
        # a folded YAML line break leaves a space between two Chinese characters
        assert not re.search(r"[\u4e00-\u9fff，。：；、（）]\s+[\u4e00-\u9fff，。：；、（）]", text.zh), (
            f"{inst.id}: {path}.zh has a stray space: {text.zh!r}"
        )


def test_swedish_texts_differ_from_english(inst):
    for path, text in texts_of(inst):
        assert text.sv != text.en, f"{inst.id}: {path} is not translated into Swedish"


def test_no_text_has_surrounding_whitespace(inst):
    for path, text in texts_of(inst):
        for lang in ("en", "sv", "zh"):
            value = getattr(text, lang)
            assert value == value.strip(), f"{inst.id}: {path}.{lang}"


@pytest.mark.parametrize(
    ("inst_id", "n_items", "n_dimensions"),
    [
        ("servqual", 22, 5),
        ("servqual-zot", 22, 5),
        ("servperf", 22, 5),
        ("gronroos", 14, 3),
        ("customer-focus", 12, 3),
        ("customer-value", 24, 8),
    ],
)
def test_item_and_dimension_counts(inst_id, n_items, n_dimensions):
    inst = load_instrument(inst_id)
    assert (len(inst.items), len(inst.dimensions)) == (n_items, n_dimensions)


def test_item_ids_run_from_one_in_dimension_order(inst):
    ids = [it.id for it in inst.items]
    assert ids == list(range(1, len(ids) + 1))
    # items are listed dimension by dimension, in the order the dimensions are declared
    order = [d.id for d in inst.dimensions]
    assert [order.index(it.dimension) for it in inst.items] == sorted(order.index(it.dimension) for it in inst.items)


def test_scale_anchors_and_dont_know(inst):
    sc = inst.scale
    assert sc.min == 1
    assert {sc.min, sc.max} <= set(sc.anchors)
    assert sc.dont_know == 0
    assert sc.dont_know_label is not None


def test_descriptions_and_references_are_present(inst):
    assert inst.description is not None
    assert len(inst.description.en) > 200
    assert inst.reference


def test_outcomes_are_the_same_three_everywhere(inst):
    assert [(o.id, o.kind, o.min, o.max) for o in inst.outcomes] == [
        ("overall_satisfaction", "scale", 1, 7),
        ("recommend", "nps", 0, 10),
        ("intention_to_return", "scale", 1, 7),
    ]
    for o in inst.outcomes:
        assert {o.min, o.max} <= set(o.anchors), o.id
    recommend = inst.outcomes[1]
    assert recommend.anchors[0].en.lower() == "not at all likely"
    assert recommend.anchors[10].en.lower() == "extremely likely"


# -- SERVQUAL and its relatives ------------------------------------------------------------


def test_servqual_structure():
    sq = load_instrument("servqual")
    assert sq.parts == [Part.expectation, Part.perception]
    assert sq.has_gap and not sq.has_zone
    assert (sq.scale.min, sq.scale.max) == (1, 7)
    assert len(sq.items) == 22
    assert list(dimension_map(sq).items()) == list(SERVQUAL_DIMENSIONS.items())
    assert set(sq.part_questions) == {Part.expectation, Part.perception}
    assert sq.importance is not None and sq.importance.total == 100
    for it in sq.items:
        assert set(it.part_text) == {Part.expectation}
        assert it.text_for(Part.expectation) != it.text_for(Part.perception)


def test_servqual_wording_refers_to_this_company_and_to_excellent_companies():
    sq = load_instrument("servqual")
    for it in sq.items:
        assert "this company" in it.text.en.lower()
        assert "företag" in it.text.sv.lower()
        assert "该公司" in it.text.zh
        e = it.part_text[Part.expectation]
        assert "excellent companies of this kind" in e.en.lower()
        assert "riktigt bra företag av det här slaget" in e.sv.lower()
        assert "优秀的同类公司" in e.zh


@pytest.mark.parametrize("inst_id", ["servqual-zot", "servperf"])
def test_relatives_share_servqual_items_and_dimensions(inst_id):
    sq = load_instrument("servqual")
    other = load_instrument(inst_id)
    assert [d.id for d in other.dimensions] == [d.id for d in sq.dimensions]
    assert [d.label for d in other.dimensions] == [d.label for d in sq.dimensions]
    assert [(it.id, it.dimension) for it in other.items] == [(it.id, it.dimension) for it in sq.items]
    assert dimension_map(other) == SERVQUAL_DIMENSIONS


def test_servqual_zot_structure():
    zot = load_instrument("servqual-zot")
    assert zot.parts == [Part.adequate, Part.desired, Part.perception]
    assert zot.has_zone and not zot.has_gap
    assert (zot.scale.min, zot.scale.max) == (1, 9)
    assert set(zot.part_questions) == {Part.adequate, Part.desired, Part.perception}
    assert zot.importance is None
    assert zot.items[4].text.en == "Keeping promises to do something by a certain time"
    for it in zot.items:
        assert not it.part_text
        assert not it.text.en.endswith(".")  # short attribute phrases, not statements


def test_servperf_is_the_servqual_perception_half():
    sq = load_instrument("servqual")
    sp = load_instrument("servperf")
    assert sp.parts == [Part.perception]
    assert sp.importance is None
    assert [it.text for it in sp.items] == [it.text for it in sq.items]
    assert all(not it.part_text for it in sp.items)
    assert sp.scale == sq.scale


# -- the other instruments ------------------------------------------------------------------


def test_gronroos_structure():
    g = load_instrument("gronroos")
    assert g.parts == [Part.perception]
    assert [d.id for d in g.dimensions] == ["technical", "functional", "image"]
    assert {d: len(ids) for d, ids in dimension_map(g).items()} == {"technical": 5, "functional": 5, "image": 4}
    assert (g.scale.min, g.scale.max) == (1, 7)


def test_customer_focus_structure():
    cf = load_instrument("customer-focus")
    assert cf.parts == [Part.perception, Part.specific]
    assert cf.has_levels
    assert dimension_map(cf) == {
        "proximity": [1, 2, 3, 4],
        "competence": [5, 6, 7, 8],
        "technology": [9, 10, 11, 12],
    }
    assert set(cf.part_questions) == {Part.perception, Part.specific}
    for it in cf.items:
        s = it.part_text[Part.specific]
        assert it.text.en.startswith("In general, ")
        assert s.en.startswith("At my most recent errand, ")
        assert it.text.sv.startswith("Generellt sett ")
        assert s.sv.startswith("Vid mitt senaste ärende ")
        assert it.text.zh.startswith("总体而言，")
        assert s.zh.startswith("在我最近一次办事时，")
    assert "banking" in cf.description.en and "health care" in cf.description.en
    assert "bank" in cf.description.sv and "sjukvård" in cf.description.sv
    assert "银行" in cf.description.zh and "医疗" in cf.description.zh


def test_customer_focus_speaks_of_the_organisation_not_a_company():
    cf = load_instrument("customer-focus")
    for path, text in texts_of(cf):
        assert "company" not in text.en.lower(), path
        assert "företag" not in text.sv.lower(), path
        assert "公司" not in text.zh, path
    assert any("the organisation" in t.en for _, t in texts_of(cf))
    assert any("verksamheten" in t.sv for _, t in texts_of(cf))
    assert any("该机构" in t.zh for _, t in texts_of(cf))


def test_customer_value_structure():
    cv = load_instrument("customer-value")
    assert cv.parts == [Part.perception]
    groups = {d.id: d.group for d in cv.dimensions}
    assert groups == {
        "product_value": "value",
        "service_value": "value",
        "personnel_value": "value",
        "image_value": "value",
        "monetary_cost": "cost",
        "time_cost": "cost",
        "energy_cost": "cost",
        "psychic_cost": "cost",
    }
    assert len(cv.items) == 24
    assert all(len(ids) == 3 for ids in dimension_map(cv).values())
    for dim, group in groups.items():
        reversed_items = [it for it in cv.items_of(dim) if it.reverse]
        assert len(reversed_items) == (1 if group == "cost" else 0), dim
    price = next(it for it in cv.items_of("monetary_cost") if it.reverse)
    assert price.text.en == "The price is fair for what I get."
    assert "minus" in cv.description.en and "minus" in cv.description.sv and "减去" in cv.description.zh


# -- the loader's error reporting -------------------------------------------------------------

GOOD = textwrap.dedent(
    """\
    id: mini
    name: {en: Mini, sv: Mini, zh: 迷你}
    languages: [en, sv, zh]
    parts: [perception]
    scale:
      min: 1
      max: 5
      anchors:
        1: {en: Low, sv: Låg, zh: 低}
        5: {en: High, sv: Hög, zh: 高}
    dimensions:
      - id: speed
        label: {en: Speed, sv: Snabbhet, zh: 速度}
    items:
      - id: 1
        dimension: speed
        text: {en: Fast service, sv: Snabb service, zh: 服务迅速}
    """
)


def where(err: InstrumentError) -> list[tuple[int | None, str | None, str]]:
    """(line, path, message) of every problem, in the order reported."""
    assert all(p.file == "bad.yaml" for p in err.problems)
    return [(p.line, p.path, p.message) for p in err.problems]


def test_the_base_document_is_valid():
    inst = parse_instrument(GOOD, source="good.yaml")
    assert inst.id == "mini"
    assert inst.scale.anchors[5].sv == "Hög"


def test_structural_problems_are_all_reported_with_line_and_path():
    bad = textwrap.dedent(
        """\
        id: mini
        name: {en: Mini, sv: Mini, zh: 迷你}
        languages: [en, sv, zh]
        parts: [perception]
        colour: blue
        scale:
          min: 1
          max: 5
        dimensions:
          - id: speed
            label: {en: Speed, sv: Snabbhet, zh: 速度}
        items:
          - id: 1
            text: {en: Fast service, sv: Snabb service, zh: 服务迅速}
          - id: two
            dimension: speed
            text: {en: Friendly, sv: Vänlig, zh: 友好}
        """
    )
    with pytest.raises(InstrumentError) as info:
        parse_instrument(bad, source="bad.yaml")
    found = sorted(where(info.value), key=lambda t: t[0])
    assert [(line, path) for line, path, _ in found] == [
        (5, "colour"),  # unknown field
        (13, "items[0].dimension"),  # missing: the line of the item that lacks it
        (15, "items[1].id"),  # not an integer
    ]
    assert found[0][2] == "unknown field (check its spelling)"
    assert found[1][2] == "required field is missing"
    assert "'two'" in found[2][2]
    assert info.value.summary == "bad.yaml: 3 problem(s) in the instrument"
    assert "bad.yaml, line 5, colour: unknown field" in str(info.value)


def test_semantic_problems_are_all_reported_with_line_and_path():
    bad = textwrap.dedent(
        """\
        id: mini
        name: {en: Mini, sv: Mini, zh: 迷你}
        languages: [en, sv, zh]
        parts: [perception]
        scale:
          min: 1
          max: 5
          anchors:
            1: {en: Low, sv: Låg, zh: 低}
            6: {en: High, sv: Hög, zh: 高}
        dimensions:
          - id: speed
            label: {en: Speed, sv: Snabbhet, zh: 速度}
        items:
          - id: 1
            dimension: speed
            text: {en: Fast service, sv: Snabb service, zh: 服务迅速}
          - id: 2
            dimension: sped
            text:
              en: Friendly staff
              zh: 员工友好
        outcomes:
          - id: recommend
            kind: nps
            min: 0
            max: 10
            text: {en: Would you recommend us, sv: Skulle du rekommendera oss, zh: 您会推荐我们吗}
            anchors:
              0: {en: Not at all likely, sv: Inte alls troligt, zh: 完全不可能}
              11: {en: Extremely likely, sv: Mycket troligt, zh: 极有可能}
        """
    )
    with pytest.raises(InstrumentError) as info:
        parse_instrument(bad, source="bad.yaml")
    assert sorted(where(info.value)) == [
        (10, "scale.anchors.6", "anchor 6 is outside the scale 1-5"),
        (19, "items[1].dimension", "unknown dimension 'sped' (known: speed)"),
        (20, "items[1].text", "text missing for declared language 'sv'"),
        (31, "outcomes[0].anchors.11", "anchor 11 is outside 0-10"),
    ]


def test_missing_swedish_texts_are_reported_everywhere_they_are_missing():
    bad = GOOD.replace("{en: Speed, sv: Snabbhet, zh: 速度}", "{en: Speed, zh: 速度}").replace(
        "{en: High, sv: Hög, zh: 高}", "{en: High, zh: 高}"
    )
    with pytest.raises(InstrumentError) as info:
        parse_instrument(bad, source="bad.yaml")
    assert where(info.value) == [
        (10, "scale.anchors.5", "text missing for declared language 'sv'"),
        (13, "dimensions[0].label", "text missing for declared language 'sv'"),
    ]
    # the same file is fine once Swedish is no longer declared
    assert parse_instrument(bad.replace("[en, sv, zh]", "[en, zh]")).languages == ["en", "zh"]


def test_invalid_yaml_syntax_reports_the_line():
    bad = GOOD.replace("  max: 5\n", "  max: [5\n")
    with pytest.raises(InstrumentError) as info:
        parse_instrument(bad, source="bad.yaml")
    err = info.value
    assert err.summary == "bad.yaml is not valid YAML"
    assert len(err.problems) == 1
    problem = err.problems[0]
    assert (problem.file, problem.line, problem.path) == ("bad.yaml", 8, None)
    assert "expected ',' or ']'" in problem.message


def test_a_document_that_is_not_a_mapping():
    with pytest.raises(InstrumentError) as info:
        parse_instrument("- just\n- a list\n", source="bad.yaml")
    assert info.value.summary == "bad.yaml is not an instrument"


def test_load_instrument_from_a_path_names_the_file(tmp_path):
    good = tmp_path / "mini.yaml"
    good.write_text(GOOD, encoding="utf-8")
    assert load_instrument(good).id == "mini"
    assert load_instrument(str(good)).id == "mini"
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("dimension: speed", "dimension: sped"), encoding="utf-8")
    with pytest.raises(InstrumentError) as info:
        load_instrument(bad)
    assert [(p.file, p.line, p.path) for p in info.value.problems] == [
        (str(bad), 12, "dimensions[0]"),  # speed now has no items
        (str(bad), 16, "items[0].dimension"),
    ]


def test_unknown_instrument_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="unknown instrument 'servqual2'"):
        load_instrument("servqual2")
    with pytest.raises(UsageError, match="not found"):
        load_instrument(tmp_path / "missing.yaml")




def test_structural_and_semantic_problems_are_reported_together():
    bad = GOOD.replace("parts: [perception]", "parts: [perception]\ncolour: blue").replace(
        "sv: Snabb service, ", ""
    )
    with pytest.raises(InstrumentError) as info:
        parse_instrument(bad, source="bad.yaml")
    assert {p.path for p in info.value.problems} == {"colour", "items[0].text"}


def test_a_duplicate_key_is_reported():
    bad = GOOD + "items:\n  - id: 1\n    dimension: speed\n    text: {en: Again, sv: Igen, zh: 再次}\n"
    with pytest.raises(InstrumentError) as info:
        parse_instrument(bad, source="bad.yaml")
    (problem,) = info.value.problems
    assert "'items' is given twice" in problem.message and problem.line == GOOD.count("\n") + 1


# -- docs/instruments.md stays true ---------------------------------------------------------

DOCS = Path(__file__).resolve().parents[2] / "docs" / "instruments.md"


def _fenced(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.S)


def test_the_documented_example_is_valid_and_its_errors_are_as_shown(tmp_path, monkeypatch):
    example = _fenced("yaml")[0]
    inst = parse_instrument(example, source="branch-visit.yaml")
    assert (inst.id, len(inst.items), inst.parts) == ("branch-visit", 4, [Part.expectation, Part.perception])

    broken = (
        example.replace("    dimension: staff\n", "    dimension: staf\n")
        .replace("      sv: Personalen bemöter mig med respekt.\n", "\n")
        .replace("    3: {en: Neither", "    6: {en: Neither")
    )
    (tmp_path / "branch-visit.yaml").write_text(broken, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InstrumentError) as info:
        load_instrument("branch-visit.yaml")
    console = next(block for block in _fenced("console") if "error:" in block)
    shown = [line for line in console.splitlines() if line.startswith("  ")]
    assert shown == [f"  {p}" for p in info.value.problems]
    assert f"error: {info.value.summary}" in console


def test_the_documented_table_lists_every_builtin():
    table = DOCS.read_text(encoding="utf-8").split("## Built-in instruments")[1]
    for inst_id in catalog_ids():
        inst = load_instrument(inst_id)
        row = next(line for line in table.splitlines() if line.startswith(f"| `{inst_id}` |"))
        assert f"{inst.scale.min}–{inst.scale.max}" in row
        for d in inst.dimensions:
            ids = [it.id for it in inst.items_of(d.id)]
            assert f"{d.id} ({ids[0]}–{ids[-1]})" in row or "as `servqual`" in row
        reverse = [str(it.id) for it in inst.items if it.reverse]
        if reverse:
            assert "reverse-keyed: " + ", ".join(reverse) in row
