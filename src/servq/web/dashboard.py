"""The dashboard's own figures: responses per day as an inline SVG chart with its table,
and the response rate of invitations. The analysis itself is servq's report."""

from __future__ import annotations

from datetime import date

from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..report.charts.colour import MUTED
from ..report.charts.svg import WIDTH, chart_svg, el, text_at
from ..store.models import Invitation, Survey, User
from . import dataset

BAR = "#2a6496"


def responses_chart(days: list[tuple[date, int]], title: str) -> Markup:
    """Bars of responses per day (at most the last 120 days shown)."""
    days = days[-120:]
    top = max((n for _, n in days), default=0)
    left, bottom, height = 40, 150, 180
    width = (WIDTH - left - 10) / max(len(days), 1)
    body = [el("line", x1=left, y1=bottom, x2=WIDTH - 10, y2=bottom, stroke=MUTED, stroke_width=1)]
    for tick in sorted({0, top // 2, top}):
        y = bottom - (tick / top * (bottom - 20) if top else 0)
        body.append(text_at(left - 6, y + 4, str(tick), anchor="end", size=11, fill=MUTED))
    for i, (_day, n) in enumerate(days):
        h = n / top * (bottom - 20) if top else 0
        body.append(el("rect", x=left + i * width + 0.5, y=bottom - h, width=max(width - 1, 0.8), height=h, fill=BAR))
    for i, (day, _) in enumerate(days):
        first, last = i == 0, i == len(days) - 1
        if first or last or (len(days) > 14 and day.day == 1 and 6 < i < len(days) - 7):
            anchor = "start" if first else "end" if last else "middle"
            x = left + (i if first else i + 1 if last else i + 0.5) * width
            body.append(text_at(x, bottom + 16, day.isoformat(), anchor=anchor, size=10, fill=MUTED))
    return Markup(chart_svg(height, title, "chart-responses", body))


def invitation_rate(session: Session, survey: Survey, user: User, flt: dataset.Filter) -> tuple[int, int]:
    """(invitations sent, invitations answered) within the filter's units and channel."""
    q = select(func.count(), func.count(Invitation.used_at)).where(Invitation.survey_id == survey.id)
    q = dataset.where_visible(q, Invitation, user, flt)
    sent, used = session.execute(q).one()
    return int(sent), int(used)
