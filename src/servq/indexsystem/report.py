"""Outputs of ``servq index``: the JSON (``index.schema.json``) and the one-file HTML report."""

from __future__ import annotations

import json
from pathlib import Path

SCHEMA_PATH = Path(__file__).with_name("index.schema.json")


def to_json(result) -> str:
    """The index as JSON text following ``index.schema.json``."""
    data = result.to_dict() if hasattr(result, "to_dict") else result
    return json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False)


def write_index(result, *, html: str | Path | None = None, json: str | Path | None = None,
                lang: str | None = None) -> list[Path]:
    """Write the HTML report and/or the JSON; return the paths written."""
    from ..report.index_section import render_index_html

    data = result.to_dict() if hasattr(result, "to_dict") else result
    written = []
    for path, text in ((html, lambda: render_index_html(data, lang)), (json, lambda: to_json(data))):
        if path is None:
            continue
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text(), encoding="utf-8")
        written.append(path)
    return written
