"""Helpers for tests that read rendered report pages."""

import re


def section_of(html: str, section_id: str) -> str:
    """The inside of ``<section id="section_id">``."""
    match = re.search(rf'<section id="{section_id}"[^>]*>(.*?)</section>', html, re.S)
    assert match, section_id
    return match.group(1)


def subsection_of(html: str, section_id: str, title: str) -> str:
    """The sub-section headed ``title`` of a section."""
    parts = re.split(r'<div class="subsection">\s*<h3>', section_of(html, section_id))
    found = [p for p in parts if p.startswith(f"{title}</h3>")]
    assert len(found) == 1, title
    return found[0]


def assert_offline(html: str) -> None:
    """Nothing to fetch: no scripts, styles, images, frames or URLs; only in-page links."""
    lowered = html.lower()
    for forbidden in ("http://", "https://", "<script", "<link", "@import", "url(", "<img", "<iframe"):
        assert forbidden not in lowered, forbidden
    assert not re.search(r"""(src|href)\s*=\s*["']?//""", lowered)
    assert all(h.startswith("#") for h in re.findall(r'href="([^"]*)"', html))
