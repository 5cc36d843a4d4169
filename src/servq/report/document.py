"""The report template (``templates/report.html.j2``) and what every one-file report shares.

The analysis report (:func:`servq.report.html.render_html`), the complaints report
(:func:`servq.report.complaints_section.render_complaints_html`) and the evaluation index
report (:func:`servq.report.index_section.render_index_html`) all render this template: the
same cover, contents, key figures, summary, section blocks and definitions, with
autoescaping on and no scripts, external styles, fonts or images.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache, partial
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from servq.report import i18n
from servq.report.blocks import Fmt

HTML_LANG = {"en": "en", "sv": "sv", "zh": "zh-Hans"}


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("servq.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_template(context: Mapping[str, Any]) -> str:
    """The report template rendered with ``context`` (built by :func:`with_blocks`)."""
    return _environment().get_template("report.html.j2").render(**context)


def with_blocks(context: dict[str, Any], sections: Mapping[str, dict | None], f: Fmt) -> dict[str, Any]:
    """``context`` with the non-empty ``sections`` as blocks and the table of contents."""
    # a block shows, in order: intro, callouts, figures, tables, then sub-sections
    # (groups), each a list of (kind, value) parts: p, h4, callout, figure, table, code
    empty = {"intro": "", "callouts": [], "figures": [], "tables": [], "groups": []}
    context["blocks"] = [
        {"id": name, "title": f.t(f"section.{name}"), **empty, **section}
        for name, section in sections.items()
        if section
    ]
    context["toc"] = (
        [("summary", f.t("section.summary"))]
        + [(b["id"], b["title"]) for b in context["blocks"]]
        + [("definitions", f.t("section.definitions"))]
    )
    return context


def render_document(lang: str, *, title: str, name: str, header: list[tuple[str, str]],
                    kpis: list[dict[str, str]], summary: list[str], sections: Mapping[str, dict | None],
                    definitions: list[str], footer: str) -> str:
    """Render the report template around other sections than an analysis's (e.g. the
    evaluation index): the same cover, contents, key figures, summary and definitions."""
    lang = i18n.check_lang(lang)
    f = Fmt(lang, 0.95)
    context = {"lang": HTML_LANG[lang], "t": partial(i18n.t, lang), "title": title,
               "instrument_name": name, "header": header, "kpis": kpis, "summary": summary,
               "footer": footer, "definitions": definitions}
    return render_template(with_blocks(context, sections, f))
