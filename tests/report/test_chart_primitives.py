"""The public SVG primitives of :mod:`servq.report.charts` and two chart details that
depend on them: labels next to points keep a white halo, and a control chart's legend
names the out-of-limits marker only when a period is out of its limits."""

from __future__ import annotations

import re

from servq.report import charts
from servq.report.charts.svg import swatch_rect, text_at

LABELS = {"value": "Period value", "centre": "Centre line", "limits": "Limits", "out": "Outside the limits",
          "run": "Run"}


def test_text_is_escaped_and_a_halo_is_painted_under_it():
    plain = text_at(10, 20, "A & <B>")
    assert plain == '<text x="10.0" y="20.0" font-size="12" fill="#1f2933">A &amp; &lt;B&gt;</text>'
    haloed = text_at(10, 20, "A", halo=True)
    assert 'stroke="#ffffff"' in haloed and 'paint-order="stroke"' in haloed
    assert "stroke" not in plain


def test_ipa_labels_and_quadrant_names_have_a_halo():
    points = [charts.IpaPoint("Reliability", 5.0, 30.0, "concentrate_here"),
              charts.IpaPoint("Assurance", 5.4, 19.9, "possible_overkill")]
    svg = charts.ipa_scatter(points, title="t", x_cross=5.2, y_cross=20.0, quadrant_labels={}, x_label="x",
                             y_label="y", x_fmt=str, y_fmt=str)
    texts = re.findall(r"<text [^>]*>([^<]*)</text>", svg)
    haloed = re.findall(r'<text [^>]*paint-order="stroke"[^>]*>([^<]*)</text>', svg)
    assert {"Reliability", "Assurance", *charts.QUADRANTS} <= set(haloed)
    assert "y" in texts and "y" not in haloed  # axis titles sit on white already


def _control(out: bool) -> str:
    points = [charts.TrendPoint("Q1", 5.0, lcl=4.0, ucl=6.0), charts.TrendPoint("Q2", 6.5 if out else 5.5, lcl=4.0,
                                                                                 ucl=6.0, out=out)]
    return charts.control_chart(points, title="t", centre=5.0, fmt=str, y_label="y", labels=LABELS)


def test_control_chart_legend_names_the_out_marker_only_when_a_period_is_out():
    inside, outside = _control(False), _control(True)
    assert "Outside the limits" not in inside and 'class="point out"' not in inside
    assert "Outside the limits" in outside and 'class="point out"' in outside
    assert all(label in inside for label in ("Period value", "Centre line", "Limits"))


def test_a_legend_swatch_too_light_for_the_page_gets_an_edge():
    assert "stroke" not in swatch_rect(charts.WARM)
    assert 'stroke="#9aa5b1"' in swatch_rect(charts.DIVERGING[1])  # the white centre of the scale
    assert charts.contrast_ratio(charts.DIVERGING[1], "#ffffff") < 1.3 < charts.contrast_ratio(charts.WARM, "#ffffff")
