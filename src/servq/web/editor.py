"""The survey editor: an instrument built in the browser, without YAML.

The editor's form is read into an :class:`Draft` (dimensions with their items, parts,
scale, outcomes, texts in en/sv/zh), changed by the form's buttons (add, remove, move),
and turned into the instrument's YAML text, which is checked by
:func:`servq.instruments.parse_instrument` — the same check as ``servq instruments
validate``: there is no second validation here. Each problem is shown with where it is
(dimension, item, outcome, language) and the form field to fix.

Form fields are named after where they are: ``d2.label.sv`` (the second dimension's label
in Swedish), ``d2.i1.text.en`` (its first item's text in English), ``o0.max``. Editing a
survey's instrument keeps what the editor does not show (an item's part wordings, the
importance question, Kano, dimension descriptions): the draft is laid over the survey's
current instrument (``base``), matched by ids.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import yaml

from ..errors import InstrumentError
from ..instruments import LANGUAGES, Instrument, Part, parse_instrument
from .languages import Msg
from .params import integer

PART_SETS: dict[str, tuple[str, ...]] = {  # the formats the editor offers
    "gap": (Part.expectation.value, Part.perception.value),
    "zone": (Part.adequate.value, Part.desired.value, Part.perception.value),
    "perception": (Part.perception.value,),
}
MAX_DIMENSIONS = 30
MAX_ITEMS = 200
MAX_OUTCOMES = 10
MAX_TEXT = 1000  # characters of one text
SOURCE = "editor"  # the "file" named in the parser's problems

Texts = dict[str, str]


@dataclass
class ItemDraft:
    id: int
    text: Texts = field(default_factory=dict)
    reverse: bool = False
    show_if: str = ""  # an earlier answer column (P3), blank: always asked
    show_values: str = ""  # the answers that show the item, "1, 2"


@dataclass
class DimensionDraft:
    id: str
    label: Texts = field(default_factory=dict)
    items: list[ItemDraft] = field(default_factory=list)


@dataclass
class OutcomeDraft:
    id: str
    kind: str = "scale"
    min: str = "1"
    max: str = "7"
    text: Texts = field(default_factory=dict)


@dataclass
class Draft:
    """What the editor's form holds (numbers as text, as typed, until the check)."""

    id: str = "my_survey"
    name: Texts = field(default_factory=dict)
    languages: list[str] = field(default_factory=lambda: ["en"])
    parts: str = "perception"
    scale_min: str = "1"
    scale_max: str = "7"
    low: Texts = field(default_factory=dict)
    high: Texts = field(default_factory=dict)
    dont_know: bool = False
    dont_know_label: Texts = field(default_factory=dict)
    dimensions: list[DimensionDraft] = field(default_factory=list)
    outcomes: list[OutcomeDraft] = field(default_factory=list)

    @property
    def part_list(self) -> list[str]:
        """The parts asked: one of :data:`PART_SETS`, or those of an edited instrument it kept."""
        return list(PART_SETS.get(self.parts, self.parts.split(",")))

    @property
    def items(self) -> list[tuple[int, int, ItemDraft]]:
        """(dimension index, index in the dimension, item) of every item, in order."""
        return [(i, j, it) for i, d in enumerate(self.dimensions) for j, it in enumerate(d.items)]

    def columns_before(self, dim_index: int) -> list[str]:
        """The answer columns a condition of an item of dimension ``dim_index`` may name."""
        prefixes = [Part(p).prefix for p in self.part_list if p in {q.value for q in Part}]
        return [f"{p}{it.id}" for d in self.dimensions[:dim_index] for it in d.items for p in prefixes]


def new_draft() -> Draft:
    """A new instrument: one dimension with one item, asked as perceptions on 1-7."""
    return Draft(dimensions=[DimensionDraft("dimension_1", items=[ItemDraft(1)])])


# -- the form -------------------------------------------------------------------------

_DIM = re.compile(r"^d(\d{1,3})\.")
_ITEM = re.compile(r"^d(\d{1,3})\.i(\d{1,3})\.")
_OUT = re.compile(r"^o(\d{1,3})\.")


def _texts(sent: Mapping[str, str], prefix: str) -> Texts:
    return {lang: sent.get(f"{prefix}.{lang}", "").strip()[:MAX_TEXT] for lang in LANGUAGES}


def _indices(sent: Mapping[str, str], pattern: re.Pattern, limit: int, within: str = "") -> list[int]:
    found = {int(m.group(m.re.groups)) for k in sent if k.startswith(within) and (m := pattern.match(k))}
    return sorted(found)[:limit]


def read_form(sent: Mapping[str, str], languages: list[str]) -> Draft:
    """The draft a POST of the editor's form holds (``languages``: the checked boxes)."""
    draft = Draft(id=sent.get("id", "").strip()[:100], name=_texts(sent, "name"),
                  languages=[lang for lang in LANGUAGES if lang in languages],
                  parts=sent.get("parts", "perception"), scale_min=sent.get("scale.min", "").strip(),
                  scale_max=sent.get("scale.max", "").strip(), low=_texts(sent, "scale.low"),
                  high=_texts(sent, "scale.high"), dont_know=sent.get("scale.dont_know") == "on",
                  dont_know_label=_texts(sent, "scale.dont_know_label"))
    for i in _indices(sent, _DIM, MAX_DIMENSIONS):
        dim = DimensionDraft(sent.get(f"d{i}.id", "").strip()[:100], _texts(sent, f"d{i}.label"))
        for j in _indices(sent, _ITEM, MAX_ITEMS, f"d{i}.i"):
            p = f"d{i}.i{j}"
            dim.items.append(ItemDraft(_number(sent.get(f"{p}.id", "")) or 0, _texts(sent, f"{p}.text"),
                                       sent.get(f"{p}.reverse") == "on", sent.get(f"{p}.show_if", "").strip()[:10],
                                       sent.get(f"{p}.show_values", "").strip()[:200]))
        draft.dimensions.append(dim)
    for k in _indices(sent, _OUT, MAX_OUTCOMES):
        p = f"o{k}"
        draft.outcomes.append(OutcomeDraft(sent.get(f"{p}.id", "").strip()[:100], sent.get(f"{p}.kind", "scale"),
                                           sent.get(f"{p}.min", "").strip(), sent.get(f"{p}.max", "").strip(),
                                           _texts(sent, f"{p}.text")))
    return draft


def _number(text: str) -> int | None:
    return integer(text) if len(text.strip()) < 10 else None


def apply(draft: Draft, action: str) -> None:
    """A button of the form: ``add_dimension``, ``remove_dimension:2``, ``up_dimension:2``,
    ``down_dimension:2``, ``add_item:2``, ``remove_item:2:0``, ``add_outcome``,
    ``remove_outcome:0``. Anything else changes nothing."""
    name, *args = action.split(":")
    at = [int(a) for a in args if a.isascii() and a.isdigit()]
    dims = draft.dimensions
    if name == "add_dimension" and len(dims) < MAX_DIMENSIONS:
        taken = {d.id for d in dims}
        slug = next(f"dimension_{n}" for n in range(1, MAX_DIMENSIONS + 2) if f"dimension_{n}" not in taken)
        dims.append(DimensionDraft(slug, items=[ItemDraft(_next_item_id(draft))]))
    elif name == "add_outcome" and len(draft.outcomes) < MAX_OUTCOMES:
        draft.outcomes.append(OutcomeDraft(f"outcome_{len(draft.outcomes) + 1}"))
    elif len(at) == 1 and at[0] < len(dims):
        i = at[0]
        if name == "remove_dimension":
            del dims[i]
        elif name == "up_dimension" and i > 0:
            dims[i - 1], dims[i] = dims[i], dims[i - 1]
        elif name == "down_dimension" and i + 1 < len(dims):
            dims[i + 1], dims[i] = dims[i], dims[i + 1]
        elif name == "add_item" and len(draft.items) < MAX_ITEMS:
            dims[i].items.append(ItemDraft(_next_item_id(draft)))
    elif name == "remove_item" and len(at) == 2 and at[0] < len(dims) and at[1] < len(dims[at[0]].items):
        del dims[at[0]].items[at[1]]
    elif name == "remove_outcome" and len(at) == 1 and at[0] < len(draft.outcomes):
        del draft.outcomes[at[0]]


def _next_item_id(draft: Draft) -> int:
    return max((it.id for _, _, it in draft.items), default=0) + 1


# -- the draft as an instrument ---------------------------------------------------------

def _text(texts: Texts, languages: list[str]) -> dict[str, str]:
    """The texts of the declared languages that are given (a missing one is the parser's problem)."""
    return {lang: texts[lang] for lang in languages if texts.get(lang)}


def _int_or_text(text: str):
    value = _number(text)
    return text if value is None else value


def to_raw(draft: Draft, base: Instrument | None = None) -> dict:
    """The instrument's document (as YAML holds it), laid over ``base`` when given."""
    langs = draft.languages
    old = base.model_dump(mode="json", exclude_none=True) if base is not None else {}
    old_dims = {d["id"]: d for d in old.get("dimensions", [])}
    old_items = {it["id"]: it for it in old.get("items", [])}
    old_outcomes = {o["id"]: o for o in old.get("outcomes", [])}
    lo, hi = _int_or_text(draft.scale_min), _int_or_text(draft.scale_max)
    anchors = {k: v for k, v in old.get("scale", {}).get("anchors", {}).items()
               if isinstance(lo, int) and isinstance(hi, int) and lo < int(k) < hi}
    for at, texts in ((lo, draft.low), (hi, draft.high)):
        if isinstance(at, int) and _text(texts, langs):
            anchors[at] = _text(texts, langs)
    scale: dict = {"min": lo, "max": hi, "anchors": anchors}
    if draft.dont_know:
        code = old.get("scale", {}).get("dont_know")
        on_scale = isinstance(lo, int) and isinstance(hi, int) and code is not None and lo <= code <= hi
        scale["dont_know"] = code if code is not None and not on_scale else (hi + 1 if isinstance(hi, int) else 8)
        scale["dont_know_label"] = _text(draft.dont_know_label, langs)
    raw = {**old, "id": draft.id, "name": _text(draft.name, langs), "languages": langs,
           "parts": draft.part_list, "scale": scale}
    raw["dimensions"] = [{**old_dims.get(d.id, {}), "id": d.id, "label": _text(d.label, langs)}
                         for d in draft.dimensions]
    raw["items"] = []
    for d in draft.dimensions:
        for it in d.items:
            item = {**old_items.get(it.id, {}), "id": it.id, "dimension": d.id, "text": _text(it.text, langs)}
            for key in ("reverse", "show_if"):
                item.pop(key, None)
            if it.reverse:
                item["reverse"] = True
            if it.show_if:
                item["show_if"] = {"answer": it.show_if.upper(),
                                   "values": [_int_or_text(v) for v in re.split(r"[,\s]+", it.show_values) if v]}
            raw["items"].append(item)
    raw["outcomes"] = [{**old_outcomes.get(o.id, {}), "id": o.id, "kind": o.kind, "min": _int_or_text(o.min),
                        "max": _int_or_text(o.max), "text": _text(o.text, langs)} for o in draft.outcomes]
    return raw


def yaml_text(draft: Draft, base: Instrument | None = None) -> str:
    """The draft as instrument YAML (what ``servq instruments validate`` reads)."""
    return yaml.safe_dump(to_raw(draft, base), allow_unicode=True, sort_keys=False, width=120)


@dataclass
class Checked:
    """The draft checked: its YAML, the instrument (None when invalid) and each problem as
    (where, field id, message)."""

    text: str
    instrument: Instrument | None
    problems: list[tuple[Msg | str, str, str]]


def check(draft: Draft, base: Instrument | None = None) -> Checked:
    text = yaml_text(draft, base)
    try:
        return Checked(text, parse_instrument(text, SOURCE), [])
    except InstrumentError as exc:
        return Checked(text, None, [(*where(draft, p.path or "", p.message), p.message)
                                    for p in exc.problems])


def where(draft: Draft, path: str, message: str = "") -> tuple[Msg | str, str]:
    """A parser's path (``items[3].text``) as the editor names it, and the form field it
    points at (the language's input when the path or the message names a language)."""
    said = re.search(r"language '(\w+)'", message)
    lang = next((lang for lang in LANGUAGES if path.endswith(f".{lang}")), said.group(1) if said else None)
    suffix = f".{lang}" if lang else ".en"
    if m := re.match(r"items\[(\d+)\](?:\.(\w+))?", path):
        flat = draft.items
        k = int(m.group(1))
        if k < len(flat):
            i, j, it = flat[k]
            name = m.group(2) or "text"
            fld = {"text": f"d{i}.i{j}.text{suffix}", "show_if": f"d{i}.i{j}.show_if"}.get(name, f"d{i}.i{j}.id")
            return Msg("editor.where_item", dimension=i + 1, item=j + 1, id=it.id, language=lang or "-"), fld
    if m := re.match(r"dimensions\[(\d+)\](?:\.(\w+))?", path):
        i = int(m.group(1))
        fld = f"d{i}.label{suffix}" if m.group(2) == "label" else f"d{i}.id"
        return Msg("editor.where_dimension", dimension=i + 1, language=lang or "-"), fld
    if m := re.match(r"outcomes\[(\d+)\](?:\.(\w+))?", path):
        k = int(m.group(1))
        fld = f"o{k}.text{suffix}" if m.group(2) == "text" else f"o{k}.id"
        return Msg("editor.where_outcome", outcome=k + 1, language=lang or "-"), fld
    if path.startswith("scale"):
        fld = {"scale.dont_know_label": f"scale.dont_know_label{suffix}"}.get(path.rsplit(".", 1)[0], "scale.min")
        return Msg("editor.where_scale", language=lang or "-"), fld
    if path.startswith("name"):
        return Msg("editor.where_name", language=lang or "-"), f"name{suffix}"
    if path.startswith("languages"):
        return Msg("editor.where_languages"), "languages"
    if path.startswith("parts"):
        return Msg("editor.where_parts"), "parts"
    return path or Msg("editor.where_instrument"), "id"


def from_instrument(inst: Instrument) -> Draft:
    """The draft of an instrument (to edit a survey's): what the editor shows of it."""
    def texts(text) -> Texts:
        return {lang: getattr(text, lang) or "" for lang in LANGUAGES} if text is not None else {}

    parts = next((k for k, v in PART_SETS.items() if tuple(p.value for p in inst.parts) == v),
                 ",".join(p.value for p in inst.parts))
    sc = inst.scale
    draft = Draft(id=inst.id, name=texts(inst.name), languages=list(inst.languages), parts=parts,
                  scale_min=str(sc.min), scale_max=str(sc.max), low=texts(sc.anchors.get(sc.min)),
                  high=texts(sc.anchors.get(sc.max)), dont_know=sc.dont_know is not None,
                  dont_know_label=texts(sc.dont_know_label))
    for d in inst.dimensions:
        draft.dimensions.append(DimensionDraft(d.id, texts(d.label), [
            ItemDraft(it.id, texts(it.text), it.reverse, it.show_if.answer if it.show_if else "",
                      ", ".join(map(str, it.show_if.values)) if it.show_if else "")
            for it in inst.items_of(d.id)]))
    draft.outcomes = [OutcomeDraft(o.id, o.kind, str(o.min), str(o.max), texts(o.text)) for o in inst.outcomes]
    return draft
