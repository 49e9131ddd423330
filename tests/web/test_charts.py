"""The dashboard's SVG charts are readable without colour: patterns per series, numbers written."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from aupguard.console import charts

SVG = "{http://www.w3.org/2000/svg}"


def test_stacked_bars_write_totals_and_use_one_pattern_per_series() -> None:
    svg = charts.stacked_bars("Findings", ["2026-09", "2026-10"], {"a/x": [2, 5], "b/y": [1, 0]})
    root = ET.fromstring(svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"3", "5", "2026-09", "2026-10", "a/x", "b/y"} <= set(texts)  # totals, labels, legend
    fills = {r.get("fill") for r in root.iter(f"{SVG}rect") if (r.get("fill") or "").startswith("url(")}
    assert fills == {"url(#p-solid)", "url(#p-diagonal)"}  # series told apart by pattern
    assert root.find(f"{SVG}title").text == "Findings"  # type: ignore[union-attr]


def test_horizontal_bars_handle_zero_and_escape_labels() -> None:
    svg = charts.horizontal_bars("Open cases", [("<b>x</b>", 0), ("y", 4)])
    root = ET.fromstring(svg)  # well-formed: the label was escaped
    assert {"<b>x</b>", "0", "4"} <= {t.text for t in root.iter(f"{SVG}text")}
    assert charts.horizontal_bars("empty", []).startswith("<svg")
