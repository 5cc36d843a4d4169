"""The closed loop: a survey response that shows a problem opens a complaint case, when the
respondent agreed to be contacted.

A survey enables it with thresholds (``surveys.closed_loop``):

- ``gap_max``: a dimension's gap (the respondent's mean of P − E over the dimension's
  answered items; P − A, the adequacy gap, for an instrument without expectations) at or
  below this value;
- ``recommend_max``: the answer to the likelihood-to-recommend question (the instrument's
  ``nps`` outcome) at or below this value (6 = a detractor);
- ``complaint_comment``: the comment reads as a complaint (the classifier gives it a
  dimension and a negative sentiment).

Any threshold met is enough. The questionnaire's last page then asks for consent and a
contact; the case is opened in the submission's own write (the same transaction that
stores the response), so a response and its case are stored together or not at all, and
a resubmitted response opens no second case.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..errors import UsageError
from ..instruments import Instrument
from ..instruments.schema import Part
from . import complaints
from .languages import Msg, Msgs
from .params import integer


def recommend_outcome(inst: Instrument):
    """The instrument's likelihood-to-recommend question (``kind: nps``), or None."""
    return next((o for o in inst.outcomes if o.kind == "nps"), None)


def gap_parts(inst: Instrument) -> tuple[str, str] | None:
    parts = set(inst.parts)
    if Part.perception not in parts:
        return None
    for base in (Part.expectation, Part.adequate):
        if base in parts:
            return base.prefix, Part.perception.prefix
    return None


def settings_from_form(inst: Instrument, enabled: bool, gap_max: str, recommend_max: str,
                       complaint_comment: bool) -> dict | None:
    """The closed-loop setting of a survey from its form (None: off); a UsageError names
    every problem."""
    if not enabled:
        return None
    problems = []
    out: dict = {"gap_max": None, "recommend_max": None, "complaint_comment": complaint_comment}
    if gap_max.strip():
        if gap_parts(inst) is None:
            problems.append(Msg("msg.loop.no_gap"))
        else:
            try:
                out["gap_max"] = float(gap_max.replace(",", "."))
            except ValueError:
                problems.append(Msg("msg.loop.gap_number", got=repr(gap_max)))
            else:
                span = inst.scale.max - inst.scale.min
                if not -span <= out["gap_max"] <= span:
                    problems.append(Msg("msg.loop.gap_range", low=-span, high=span, got=gap_max))
    if recommend_max.strip():
        outcome = recommend_outcome(inst)
        if outcome is None:
            problems.append(Msg("msg.loop.no_recommend"))
        else:
            value = integer(recommend_max)
            if value is None:
                problems.append(Msg("msg.loop.recommend_number", got=repr(recommend_max)))
            else:
                out["recommend_max"] = value
                if not outcome.min <= value <= outcome.max:
                    problems.append(Msg("msg.loop.recommend_range", low=outcome.min, high=outcome.max,
                                        got=recommend_max))
    if not problems and out["gap_max"] is None and out["recommend_max"] is None and not complaint_comment:
        problems.append(Msg("msg.loop.no_threshold"))
    if problems:
        raise UsageError(Msgs(problems))
    return out


def dimension_gaps(inst: Instrument, answers: dict) -> dict[str, float]:
    """The respondent's gap per dimension (mean of the answered items' P − E), where any."""
    parts = gap_parts(inst)
    if parts is None:
        return {}
    base, perceived = parts
    dont_know = inst.scale.dont_know
    out = {}
    for d in inst.dimensions:
        gaps = []
        for item in inst.items_of(d.id):
            e, p = answers.get(f"{base}{item.id}"), answers.get(f"{perceived}{item.id}")
            if isinstance(e, int) and isinstance(p, int) and dont_know not in (e, p):
                gaps.append(p - e)
        if gaps:
            out[d.id] = sum(gaps) / len(gaps)
    return out


def reads_as_complaint(classified: dict | None) -> bool:
    return bool(classified) and classified.get("dimension") not in (None, "unclassified") \
        and (classified.get("sentiment") or 0) < 0


def reasons(inst: Instrument, setting: dict, answers: dict, classified: dict | None) -> tuple[list[str], str | None]:
    """(why this response opens a case — empty when it does not —, the dimension it points to)."""
    out, dimension = [], None
    gap_max = setting.get("gap_max")
    if gap_max is not None:
        low = {d: g for d, g in dimension_gaps(inst, answers).items() if g <= gap_max}
        for d, g in sorted(low.items(), key=lambda kv: kv[1]):
            out.append(f"{d} gap {g:.2f} ≤ {gap_max:g}")
        if low:
            dimension = min(low, key=low.get)
    outcome = recommend_outcome(inst)
    limit = setting.get("recommend_max")
    if limit is not None and outcome is not None and isinstance(answers.get(outcome.id), int) \
            and answers[outcome.id] <= limit:
        out.append(f"{outcome.id} {answers[outcome.id]} ≤ {limit}")
    if setting.get("complaint_comment") and reads_as_complaint(classified):
        out.append(f"the comment reads as a complaint ({classified['dimension']})")
        dimension = classified["dimension"]
    return out, dimension


@dataclass(frozen=True)
class LoopRequest:
    """What the submission needs to open a case: the contact (with consent) and the
    comment's classification (made before the write, outside the transaction)."""

    contact: complaints.ContactDetails | None
    classified: dict | None


def open_case(session: Session, survey, response_id: int, unit_id: int, channel_id: int | None,
              tier_id: int | None, lang: str, answers: dict, comment: str, loop: LoopRequest,
              now) -> int | None:
    """Open the case of a just-stored response when a threshold is met and the respondent
    agreed to be contacted (and gave an address); its id, else None."""
    contact = loop.contact
    if not survey.closed_loop or contact is None or not contact.consent or not (contact.email or contact.phone):
        return None
    from .surveys import instrument_of

    inst = instrument_of(survey)
    why, dimension = reasons(inst, survey.closed_loop, answers, loop.classified)
    if not why:
        return None
    classified = dict(loop.classified or dict.fromkeys(("language", "dimension", "confidence", "sentiment",
                                                        "severity")))
    if not comment or not reads_as_complaint(loop.classified):
        classified.update(dimension=dimension, confidence=None)
    text = comment or "Opened from a survey response: " + "; ".join(why) + "."
    new = complaints.NewComplaint(key=f"survey-{response_id}", unit_id=unit_id, text=text, source="survey",
                                  received_at=now, channel_id=channel_id, tier_id=tier_id,
                                  response_id=response_id, language=lang, contact=contact,
                                  event={"reasons": why, "survey_id": survey.id})
    return complaints.intake(session, new, classified, now=now)
