"""The respondent's questionnaire, built from the instrument: its pages, its fields, and
the server-side check of what a page sends.

Field names are servq's column names (``E1``, ``P1``, ``A1``, ``D1``, ``S1``, ``C1``,
``W_<dimension>``, outcome ids), so stored answers analyse with :func:`servq.analyze`
unchanged. The items are shown a few per page (one page per dimension, in the
instrument's order, without naming the dimension: the names would steer the answers),
then a last page with the importance allocation, the outcome questions and a comment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from ..instruments import Instrument
from ..instruments.schema import ShowIf
from .languages import t
from .params import integer

MAX_COMMENT = 5000


@dataclass
class Scale:
    min: int
    max: int
    low_label: str = ""
    high_label: str = ""
    dont_know: int | None = None
    labels: dict[int, str] = field(default_factory=dict)  # every point named (Kano's five answers)

    @property
    def points(self) -> list[int]:
        return list(range(self.min, self.max + 1))

    def allows(self, value: int) -> bool:
        return self.min <= value <= self.max or value == self.dont_know


@dataclass
class Field:
    name: str  # the column name
    label: str  # what a screen reader announces with the choices
    scale: Scale
    statement: str = ""  # the part's own wording, when it is not the row's (SERVQUAL's expectations)


@dataclass
class ItemRow:
    number: int
    text: str
    fields: list[Field]  # one per part: side by side on a wide screen
    show_if: ShowIf | None = None  # asked only after this earlier answer


@dataclass
class Page:
    title: str
    items: list[ItemRow] = field(default_factory=list)
    allocation: list[tuple[str, str]] = field(default_factory=list)  # (field name, dimension label)
    allocation_total: int = 0
    allocation_help: dict[str, str] = field(default_factory=dict)  # field name -> the dimension's description
    outcomes: list[Field] = field(default_factory=list)
    comment: bool = False
    part_questions: bool = True  # the instrument's questions of the parts head the items

    @property
    def fields(self) -> list[Field]:
        return [f for row in self.items for f in row.fields] + self.outcomes

    def shown(self, answers: Mapping[str, object]) -> Page:
        """The page as it is shown after ``answers``: without the items whose ``show_if``
        they do not meet (an item's condition names an answer of an earlier page)."""
        if all(row.show_if is None for row in self.items):
            return self
        return replace(self, items=[row for row in self.items if row.show_if is None or row.show_if.met(answers)])


def pages(inst: Instrument, lang: str) -> list[Page]:
    """The questionnaire's pages in ``lang``."""
    sc = inst.scale
    anchor = {k: v.get(lang) for k, v in sc.anchors.items()}
    scale = Scale(sc.min, sc.max, anchor.get(sc.min, ""), anchor.get(sc.max, ""), sc.dont_know)
    out: list[Page] = []
    number = 0
    for d in inst.dimensions:
        rows = []
        for it in inst.items_of(d.id):
            number += 1
            main = inst.parts[-1]
            text = it.text_for(main, lang)
            fields = [Field(f"{p.prefix}{it.id}", f"{number}. {t(lang, f'form.part.{p.value}')}", scale,
                            "" if it.text_for(p, lang) == text else it.text_for(p, lang))
                      for p in inst.parts]
            rows.append(ItemRow(number, text, fields, it.show_if))
        first, last = rows[0].number, rows[-1].number
        title = t(lang, "form.questions_one", first=first) if first == last else \
            t(lang, "form.questions_range", first=first, last=last)
        out.append(Page(title, items=rows))
    final = Page(t(lang, "form.final_page"), comment=True)
    if inst.importance is not None:
        final.allocation = [(f"W_{d.id}", d.label.get(lang)) for d in inst.dimensions]
        final.allocation_help = {f"W_{d.id}": d.description.get(lang) for d in inst.dimensions if d.description}
        final.allocation_total = inst.importance.total
    for o in inst.outcomes:
        labels = {k: v.get(lang) for k, v in o.anchors.items()}
        for column, question in o.questions(lang):
            final.outcomes.append(Field(column, question, Scale(o.min, o.max, labels.get(o.min, ""), labels.get(o.max, ""))))
    if inst.kano is not None:
        out.append(_kano_page(inst, lang, number))
    out.append(final)
    return out


def _kano_page(inst: Instrument, lang: str, number: int) -> Page:
    """One statement per Kano feature, asked twice: if the service has it, if it has not."""
    names = {k: v.get(lang) for k, v in inst.kano.answer_labels().items()}
    scale = Scale(min(names), max(names), labels=names)
    rows = []
    for f in inst.kano.features:
        number += 1
        rows.append(ItemRow(number, f.label.get(lang), [Field(f"KF_{f.id}", f.functional.get(lang), scale),
                                                        Field(f"KD_{f.id}", f.dysfunctional.get(lang), scale)]))
    return Page(t(lang, "form.kano_title"), items=rows, part_questions=False)


def check_page(page: Page, form: Mapping[str, str], lang: str) -> tuple[dict[str, int], dict[str, str]]:
    """(answers, errors by field name) of what ``form`` sends for ``page``.

    A blank answer is no answer. Every other value must be a whole number in ASCII digits
    (:func:`~.params.integer`) that is a point of the scale or its "don't know" code; an
    allocation, if any point is given, must add up to its total.
    """
    answers: dict[str, int] = {}
    errors: dict[str, str] = {}
    for f in page.fields:
        raw = (form.get(f.name) or "").strip()
        if not raw:
            continue
        value = integer(raw)
        if value is not None and f.scale.allows(value):
            answers[f.name] = value
        else:
            errors[f.name] = t(lang, "form.error.not_on_scale")
    if page.allocation:
        given: dict[str, int] = {}
        for name, _label in page.allocation:
            raw = (form.get(name) or "").strip()
            if not raw:
                continue
            value = integer(raw)
            if value is None:
                errors[name] = t(lang, "form.error.not_a_number")
                continue
            given[name] = value
            if value < 0:
                errors[name] = t(lang, "form.error.negative")
        total = sum(given.values())
        if given and not errors.keys() & given.keys() and total != page.allocation_total:
            errors["allocation"] = t(lang, "form.error.allocation_sum", total=page.allocation_total, given=total)
        if given and not errors:
            answers.update({name: given.get(name, 0) for name, _label in page.allocation})
    return answers, errors


def check_comment(text: str, lang: str) -> tuple[str, dict[str, str]]:
    text = text.strip()
    if len(text) > MAX_COMMENT:
        return text, {"comment": t(lang, "form.error.too_long", max=MAX_COMMENT)}
    return text, {}
