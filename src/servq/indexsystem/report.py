"""Outputs of ``servq index``: the JSON (``index.schema.json``) and the one-file HTML report."""

from __future__ import annotations

from pathlib import Path

from ..report import to_json, write_outputs

SCHEMA_PATH = Path(__file__).with_name("index.schema.json")

__all__ = ["SCHEMA_PATH", "to_json", "write_index"]


def write_index(result, *, html: str | Path | None = None, json: str | Path | None = None,
                lang: str | None = None) -> list[Path]:
    """Write the HTML report and/or the JSON; return the paths written."""
    from ..report.index_section import render_index_html

    data = result.to_dict() if hasattr(result, "to_dict") else result
    return write_outputs(data, lambda d: render_index_html(d, lang), html=html, json=json)
