"""The instrument schema: what a questionnaire asks, in which languages, on which scale.

An instrument is loaded from YAML (see ``catalog/*.yaml`` and docs/instruments.md) and
validated in two steps: pydantic checks the structure, then :func:`semantic_problems`
checks what the structure cannot express (every item's dimension exists, every text is
given in every declared language, anchors lie on the scale, ...). Both steps report
every problem with its path, so a user fixes a file in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

LANGUAGES: tuple[str, ...] = ("en", "sv", "zh")
Lang = Literal["en", "sv", "zh"]
SLUG = r"^[a-z][a-z0-9_]*$"


# Not StrEnum: str() of a member is 'Part.expectation' here but 'expectation' with StrEnum
# (and f-strings follow str() from Python 3.12), and members reach str()/f-strings elsewhere.
class Part(str, Enum):  # noqa: UP042
    """An answer part: which question is asked about an item, and its column prefix."""

    expectation = "expectation"
    perception = "perception"
    adequate = "adequate"
    desired = "desired"
    specific = "specific"
    competitor = "competitor"

    @property
    def prefix(self) -> str:
        return PART_PREFIX[self]


# Column prefixes (DESIGN.md): E1..E22, P1.., A1.. (adequate / minimum), D1.. (desired);
# S1.. is the same item asked about the customer's last specific errand; C1.. the same
# item asked about the customer's main competitor.
PART_PREFIX = {
    Part.expectation: "E",
    Part.perception: "P",
    Part.adequate: "A",
    Part.desired: "D",
    Part.specific: "S",
    Part.competitor: "C",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A text in up to three languages. Which are required is set by the instrument."""

    en: str | None = None
    sv: str | None = None
    zh: str | None = None

    def get(self, lang: str = "en") -> str:
        """The text in ``lang``, falling back to English, then to any language given."""
        for candidate in (lang, "en", "sv", "zh"):
            value = getattr(self, candidate, None)
            if value:
                return value
        return ""


class Scale(_Strict):
    """A rating scale from ``min`` to ``max`` (whole numbers).

    ``dont_know`` is the code for "don't know / no opinion"; it is read as missing.
    """

    min: int = 1
    max: int = 7
    anchors: dict[int, Text] = Field(default_factory=dict)
    dont_know: int | None = None
    dont_know_label: Text | None = None

    @property
    def points(self) -> int:
        return self.max - self.min + 1

    @property
    def midpoint(self) -> float:
        return (self.min + self.max) / 2


class Dimension(_Strict):
    """A dimension (factor) that groups items, e.g. SERVQUAL's *reliability*."""

    id: str = Field(pattern=SLUG)
    label: Text
    description: Text | None = None
    group: str | None = Field(default=None, pattern=SLUG)
    better: Literal["higher", "lower"] = "higher"  # "lower" for costs: a high score is bad


class ShowIf(_Strict):
    """Ask an item only when an earlier answer is one of ``values``: ``answer`` is the
    column of an item of an earlier dimension (the questionnaire shows a dimension per
    page, so the answer is known when the item's page is shown), e.g. ``P3``. An item not
    shown is *not asked*: its blank answer is not counted as a blank (see io/validate.py)."""

    answer: str = Field(pattern=r"^[A-Z][0-9]+$")
    values: list[int] = Field(min_length=1)

    def met(self, answers: Mapping[str, object]) -> bool:
        """Whether the condition holds for ``answers`` (column -> answer; blank: not met)."""
        value = answers.get(self.answer)
        try:
            return value is not None and value != "" and int(value) in self.values
        except (TypeError, ValueError):
            return False


class Item(_Strict):
    """One item. ``text`` is its statement; ``part_text`` overrides it for a part
    (SERVQUAL words the expectation statement differently from the perception one);
    ``show_if`` asks it only after a given earlier answer."""

    id: int = Field(ge=1)
    dimension: str
    text: Text
    part_text: dict[Part, Text] = Field(default_factory=dict)
    reverse: bool = False
    show_if: ShowIf | None = None

    def text_for(self, part: Part, lang: str = "en") -> str:
        return self.part_text.get(part, self.text).get(lang)


class Importance(_Strict):
    """A constant-sum allocation of ``total`` points over the dimensions (``W_<dim>``)."""

    total: int = Field(default=100, gt=0)
    question: Text


class Outcome(_Strict):
    """An outcome question such as overall satisfaction or likelihood to recommend.

    ``kind: nps`` marks a 0-10 likelihood-to-recommend question, summarised also as a
    Net Promoter Score (% of 9-10 minus % of 0-6). An outcome measured by several
    questions (a satisfaction or loyalty scale) lists them as ``items``: its columns are
    ``<id>1``, ``<id>2``, ... and a respondent's score is the mean of the items answered.
    """

    id: str = Field(pattern=SLUG)
    kind: Literal["scale", "nps"] = "scale"
    min: int = 1
    max: int = 7
    text: Text
    anchors: dict[int, Text] = Field(default_factory=dict)
    items: list[Text] = Field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        """The outcome's answer columns: its id, or ``<id>1``... for a multi-item outcome."""
        return [f"{self.id}{k}" for k in range(1, len(self.items) + 1)] if self.items else [self.id]

    def questions(self, lang: str = "en") -> list[tuple[str, str]]:
        """(column, question text) of each of its questions."""
        if not self.items:
            return [(self.id, self.text.get(lang))]
        return [(col, item.get(lang)) for col, item in zip(self.columns, self.items)]


# The five answers of a Kano question (Berger et al. 1993), coded 1-5 as servq.stats.kano.
KANO_ANSWERS: dict[int, Text] = {
    1: Text(en="I like it that way", sv="Jag tycker om det", zh="我喜欢这样"),
    2: Text(en="It must be that way", sv="Det måste vara så", zh="理应如此"),
    3: Text(en="I am neutral", sv="Jag är neutral", zh="无所谓"),
    4: Text(en="I can live with it that way", sv="Jag kan leva med det", zh="能忍受"),
    5: Text(en="I dislike it that way", sv="Jag ogillar det", zh="我不喜欢这样"),
}


class KanoFeature(_Strict):
    """A feature asked as a Kano pair: ``functional`` ("if the service has it, how do you
    feel?") in column ``KF_<id>``, ``dysfunctional`` ("... does not have it?") in ``KD_<id>``;
    ``dimension`` optionally links it to a dimension of the instrument."""

    id: str = Field(pattern=SLUG)
    label: Text
    functional: Text
    dysfunctional: Text
    dimension: str | None = None


class Kano(_Strict):
    """The Kano part: features asked as functional/dysfunctional pairs on the five answers
    1 like, 2 must-be, 3 neutral, 4 live with, 5 dislike. ``answers`` relabels any of the
    five (the built-in :data:`KANO_ANSWERS` fill the rest)."""

    features: list[KanoFeature] = Field(min_length=1)
    answers: dict[int, Text] = Field(default_factory=dict)

    def answer_labels(self) -> dict[int, Text]:
        return {**KANO_ANSWERS, **{k: v for k, v in self.answers.items() if k in KANO_ANSWERS}}


class Instrument(_Strict):
    """A questionnaire: dimensions, items, answer parts, scale, outcomes, languages."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$", max_length=100)  # the length of the surveys' column
    version: str = "1"
    name: Text
    description: Text | None = None
    reference: str | None = None
    languages: list[Lang] = Field(min_length=1)
    parts: list[Part] = Field(min_length=1)
    part_questions: dict[Part, Text] = Field(default_factory=dict)
    scale: Scale
    dimensions: list[Dimension] = Field(min_length=1)
    items: list[Item] = Field(min_length=1)
    importance: Importance | None = None
    outcomes: list[Outcome] = Field(default_factory=list)
    kano: Kano | None = None

    # -- convenience -----------------------------------------------------------------
    def on_scale(self, low: int, high: int) -> Instrument:
        """The same questionnaire answered on the scale ``low``..``high`` (``--scale``):
        the items, and the outcomes asked on the items' scale; the end anchors move to the
        new ends (the others are dropped), and a don't-know code inside the new scale is
        no longer read as don't know.

        >>> from servq.instruments import load_instrument
        >>> inst = load_instrument("servperf").on_scale(0, 100)
        >>> inst.scale.min, inst.scale.max, sorted(inst.scale.anchors), inst.scale.dont_know
        (0, 100, [0, 100], None)
        >>> [(o.id, o.min, o.max) for o in inst.outcomes]  # the NPS question keeps its 0-10
        [('overall_satisfaction', 0, 100), ('recommend', 0, 10), ('intention_to_return', 0, 100)]
        """
        if (low, high) == (self.scale.min, self.scale.max):
            return self
        old = self.scale

        def ends(anchors: dict[int, Text], lo: int, hi: int) -> dict[int, Text]:
            return {new: anchors[at] for at, new in ((lo, low), (hi, high)) if at in anchors}

        dont_know = None if old.dont_know is None or low <= old.dont_know <= high else old.dont_know
        scale = old.model_copy(update={"min": low, "max": high, "anchors": ends(old.anchors, old.min, old.max),
                                       "dont_know": dont_know,
                                       "dont_know_label": old.dont_know_label if dont_know is not None else None})
        outcomes = [o.model_copy(update={"min": low, "max": high, "anchors": ends(o.anchors, o.min, o.max)})
                    if o.kind == "scale" and (o.min, o.max) == (old.min, old.max) else o for o in self.outcomes]
        return self.model_copy(update={"scale": scale, "outcomes": outcomes})

    def dimension(self, dim_id: str) -> Dimension:
        for d in self.dimensions:
            if d.id == dim_id:
                return d
        raise KeyError(dim_id)

    def items_of(self, dim_id: str) -> list[Item]:
        return [it for it in self.items if it.dimension == dim_id]

    def not_asked(self, answers: Mapping[str, object]) -> list[str]:
        """The answer columns of the items ``answers`` do not show (their ``show_if`` is not met)."""
        return [f"{p.prefix}{it.id}" for it in self.items if it.show_if is not None and not it.show_if.met(answers)
                for p in self.parts]

    @property
    def has_gap(self) -> bool:
        """Two-part SERVQUAL: expectation and perception both asked."""
        return Part.expectation in self.parts and Part.perception in self.parts

    @property
    def has_zone(self) -> bool:
        """Three-column format: adequate, desired and perceived service."""
        return {Part.adequate, Part.desired, Part.perception} <= set(self.parts)

    @property
    def has_levels(self) -> bool:
        """The same items asked in general (P) and about a specific errand (S)."""
        return Part.perception in self.parts and Part.specific in self.parts

    @property
    def has_benchmark(self) -> bool:
        """The same items asked about this company (P) and its main competitor (C)."""
        return Part.perception in self.parts and Part.competitor in self.parts


def semantic_problems(inst: Instrument) -> list[tuple[str, str]]:
    """Problems pydantic cannot see, as ``(path, message)`` pairs; empty when valid."""
    out: list[tuple[str, str]] = []
    dim_ids = [d.id for d in inst.dimensions]
    langs = list(inst.languages)

    def texts(path: str, text: Text | None) -> None:
        if text is None:
            return
        for lang in langs:
            if not getattr(text, lang):
                out.append((path, f"text missing for declared language '{lang}'"))

    for i, d in enumerate(dim_ids):
        if d in dim_ids[:i]:
            out.append((f"dimensions[{i}].id", f"duplicate dimension id '{d}'"))
    texts("name", inst.name)
    texts("description", inst.description)
    if len(set(inst.parts)) != len(inst.parts):
        out.append(("parts", "a part is listed twice"))
    for part, text in inst.part_questions.items():
        texts(f"part_questions.{part.value}", text)
        if part not in inst.parts:
            out.append((f"part_questions.{part.value}", f"part '{part.value}' is not in parts"))

    sc = inst.scale
    if sc.max <= sc.min:
        out.append(("scale", f"max ({sc.max}) must be greater than min ({sc.min})"))
    elif sc.max - sc.min > 100:
        out.append(("scale", f"a scale has at most 101 points, {sc.min}-{sc.max} has {sc.points}"))
    if sc.dont_know is not None and sc.min <= sc.dont_know <= sc.max:
        out.append(("scale.dont_know", f"code {sc.dont_know} lies on the scale {sc.min}-{sc.max}"))
    for v, text in sc.anchors.items():
        if not sc.min <= v <= sc.max:
            out.append((f"scale.anchors.{v}", f"anchor {v} is outside the scale {sc.min}-{sc.max}"))
        texts(f"scale.anchors.{v}", text)
    texts("scale.dont_know_label", sc.dont_know_label)

    for i, d in enumerate(inst.dimensions):
        texts(f"dimensions[{i}].label", d.label)
        texts(f"dimensions[{i}].description", d.description)
        if not inst.items_of(d.id):
            out.append((f"dimensions[{i}]", f"dimension '{d.id}' has no items"))

    seen: set[int] = set()
    for i, it in enumerate(inst.items):
        if it.id in seen:
            out.append((f"items[{i}].id", f"duplicate item id {it.id}"))
        seen.add(it.id)
        if it.dimension not in dim_ids:
            out.append((f"items[{i}].dimension", f"unknown dimension '{it.dimension}' (known: {', '.join(dim_ids)})"))
        texts(f"items[{i}].text", it.text)
        for part, text in it.part_text.items():
            texts(f"items[{i}].part_text.{part.value}", text)
            if part not in inst.parts:
                out.append((f"items[{i}].part_text.{part.value}", f"part '{part.value}' is not in parts"))

    out += _condition_problems(inst)
    if inst.importance is not None:
        texts("importance.question", inst.importance.question)

    out_ids: list[str] = []
    for i, o in enumerate(inst.outcomes):
        if o.id in out_ids:
            out.append((f"outcomes[{i}].id", f"duplicate outcome id '{o.id}'"))
        out_ids.append(o.id)
        if o.max <= o.min:
            out.append((f"outcomes[{i}]", f"max ({o.max}) must be greater than min ({o.min})"))
        if o.kind == "nps" and (o.min, o.max) != (0, 10):
            out.append((f"outcomes[{i}]", "an nps outcome is asked on 0-10"))
        if re.fullmatch(r"[epadscw]_?\d+|w_.*", o.id):
            out.append((f"outcomes[{i}].id", f"'{o.id}' clashes with the answer column convention"))
        texts(f"outcomes[{i}].text", o.text)
        if o.items and o.kind == "nps":
            out.append((f"outcomes[{i}].items", "an nps outcome is one question"))
        for k, item in enumerate(o.items):
            texts(f"outcomes[{i}].items[{k}]", item)
        for v, text in o.anchors.items():
            if not o.min <= v <= o.max:
                out.append((f"outcomes[{i}].anchors.{v}", f"anchor {v} is outside {o.min}-{o.max}"))
            texts(f"outcomes[{i}].anchors.{v}", text)
    if inst.kano is not None:
        out += _kano_problems(inst, texts)
    return out


def _condition_problems(inst: Instrument) -> list[tuple[str, str]]:
    """A ``show_if`` must name an answer column of an item of an earlier dimension (asked
    on an earlier page) and values on the scale."""
    out: list[tuple[str, str]] = []
    order = {d.id: k for k, d in enumerate(inst.dimensions)}
    columns = {f"{p.prefix}{it.id}": it for it in inst.items for p in inst.parts}
    sc = inst.scale
    for i, it in enumerate(inst.items):
        cond = it.show_if
        if cond is None:
            continue
        path = f"items[{i}].show_if"
        source = columns.get(cond.answer)
        if source is None:
            out.append((f"{path}.answer", f"'{cond.answer}' is not an answer column of this instrument's items"))
        elif order.get(source.dimension, -1) >= order.get(it.dimension, -1):
            out.append((f"{path}.answer", f"'{cond.answer}' is not asked before item {it.id}: a condition names an "
                                          "answer to an item of an earlier dimension"))
        for v in cond.values:
            if not sc.min <= v <= sc.max:
                out.append((f"{path}.values", f"value {v} is not on the scale {sc.min}-{sc.max}"))
    return out


def _kano_problems(inst: Instrument, texts) -> list[tuple[str, str]]:
    """Duplicate or clashing feature ids, unknown dimensions, answer codes outside 1-5 and
    texts missing in a declared language (through ``texts``, which records its own)."""
    out: list[tuple[str, str]] = []
    dim_ids = [d.id for d in inst.dimensions]
    seen: set[str] = set()
    for i, feat in enumerate(inst.kano.features):
        path = f"kano.features[{i}]"
        if feat.id in seen:
            out.append((f"{path}.id", f"duplicate Kano feature id '{feat.id}'"))
        seen.add(feat.id)
        if feat.dimension is not None and feat.dimension not in dim_ids:
            out.append((f"{path}.dimension", f"unknown dimension '{feat.dimension}' (known: {', '.join(dim_ids)})"))
        for name in ("label", "functional", "dysfunctional"):
            texts(f"{path}.{name}", getattr(feat, name))
    for code, text in inst.kano.answers.items():
        if code not in KANO_ANSWERS:
            out.append((f"kano.answers.{code}", f"Kano answers are coded 1-5, not {code}"))
        texts(f"kano.answers.{code}", text)
    for i, o in enumerate(inst.outcomes):
        if re.fullmatch(r"k[fd]_.*", o.id):
            out.append((f"outcomes[{i}].id", f"'{o.id}' clashes with the Kano column convention KF_/KD_"))
    return out
