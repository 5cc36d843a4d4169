"""Results -> outputs: the versioned JSON and the one self-contained HTML report."""

from __future__ import annotations

import json
from pathlib import Path

from .html import render_html
from .summary import executive_summary

SCHEMA_PATH = Path(__file__).with_name("results.schema.json")


def summary_sentences(results: dict, lang: str = "en") -> list[str]:
    """The executive summary in plain words (the report's first section)."""
    return executive_summary(results, lang)


def to_json(results) -> str:
    """Results (or any result with ``to_dict()``, or a dict) as JSON text."""
    if hasattr(results, "data"):
        data = results.data
    elif hasattr(results, "to_dict"):
        data = results.to_dict()
    else:
        data = results
    return json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False)


def write_outputs(data, render, *, html: str | Path | None = None, json: str | Path | None = None) -> list[Path]:
    """Write ``render(data)`` as HTML and/or ``data`` as JSON; return the paths written."""
    written = []
    for path, text in ((html, lambda: render(data)), (json, lambda: to_json(data))):
        if path is None:
            continue
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text(), encoding="utf-8")
        written.append(path)
    return written


def write_report(results, *, html: str | Path | None = None, json: str | Path | None = None,
                 lang: str | None = None) -> list[Path]:
    """Write the HTML report and/or the JSON results; return the paths written."""
    data = results.data if hasattr(results, "data") else results
    return write_outputs(data, lambda d: render_html(d, lang), html=html, json=json)


__all__ = ["SCHEMA_PATH", "render_html", "summary_sentences", "to_json", "write_outputs", "write_report"]
