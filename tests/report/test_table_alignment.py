"""Every table of the report aligns a column's header the way it aligns the column.

Numbers are right-aligned (``class="num"``) and text is left-aligned; a header that is
right-aligned over a column of labels (or the reverse) sits far from what it names. The
check reads the rendered HTML of every report fixture, with the service-economics block
added to one (its tables name their label columns with keys of their own), so a section
that builds its headers wrongly fails here whatever the section is.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from servq.measures import economics
from servq.report.html import render_html

FIXTURES = Path(__file__).parent / "fixtures"
ECONOMICS = {"inputs": {"customer_base": 20000, "complaints": 150, "resolved_share": 0.6,
                        "value_per_customer": 4200, "currency": "SEK"}}


class _Tables(HTMLParser):
    """Each table's header row and body rows as lists of (is numeric, colspan, text)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self._in_head = False
        self._row: list | None = None
        self._cell: list | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self.tables.append({"head": [], "body": []})
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr" and self.tables:
            self._row = []
            self.tables[-1]["head" if self._in_head else "body"].append(self._row)
        elif tag in ("th", "td") and self._row is not None:
            self._cell = ["num" in (a.get("class") or "").split(), int(a.get("colspan") or 1), ""]
            self._row.append(self._cell)

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._in_head = False
        elif tag in ("th", "td"):
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell[2] += data


def misaligned(html: str) -> list[str]:
    """Headers whose alignment disagrees with most of the cells under them."""
    parser = _Tables()
    parser.feed(html)
    found = []
    for table in parser.tables:
        if not table["head"]:
            continue
        header = table["head"][-1]
        rows = [r for r in table["body"] if len(r) == len(header) and all(c[1] == 1 for c in r)]
        for j, (numeric, _span, text) in enumerate(header):
            cells = [r[j] for r in rows]
            if not cells:
                continue
            numeric_cells = sum(c[0] for c in cells) / len(cells)
            if numeric != (numeric_cells > 0.5):
                found.append(f"{text.strip()!r} ({'num' if numeric else 'text'} header over "
                             f"{numeric_cells:.0%} numeric cells, e.g. {cells[0][2].strip()[:30]!r})")
    return found


def _results(name: str) -> dict:
    with open(FIXTURES / name, encoding="utf-8") as fh:
        data = json.load(fh)
    if name == "servqual.json":
        data["economics"] = economics.compute(economics.load_economics(ECONOMICS))
    return data


def test_the_check_sees_a_misaligned_header():
    html = ('<table><thead><tr><th class="num">Part</th><th class="num">n</th></tr></thead>'
            '<tbody><tr><th class="label">Complained</th><td class="num">150</td></tr></tbody></table>')
    assert misaligned(html) == ["'Part' (num header over 0% numeric cells, e.g. 'Complained')"]
    assert misaligned(html.replace('<th class="num">Part', "<th>Part")) == []


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.json")))
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_headers_align_with_their_columns(name, lang):
    html = render_html(_results(name), lang)
    assert misaligned(html) == []
