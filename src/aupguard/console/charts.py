"""Small server-side SVG charts, readable without colour: every series has its own fill
pattern, every bar its number written on it, and the figure has a title and a text table beside it.
"""

from __future__ import annotations

from html import escape

# Patterns (not colours) tell series apart; the palette is only a second cue.
_PATTERNS = ["solid", "diagonal", "dots", "cross", "horizontal", "vertical"]
_GREYS = ["#1f3b57", "#5b7a99", "#8fa9c2", "#3d5a40", "#7d9c6a", "#6b4f2a"]


def _defs() -> str:
    parts = ["<defs>"]
    for i, name in enumerate(_PATTERNS):
        c = _GREYS[i % len(_GREYS)]
        if name == "solid":
            body = f'<rect width="6" height="6" fill="{c}"/>'
        elif name == "diagonal":
            body = f'<rect width="6" height="6" fill="#fff"/><path d="M0,6 L6,0" stroke="{c}" stroke-width="2"/>'
        elif name == "dots":
            body = f'<rect width="6" height="6" fill="#fff"/><circle cx="3" cy="3" r="1.6" fill="{c}"/>'
        elif name == "cross":
            body = (
                f'<rect width="6" height="6" fill="#fff"/><path d="M0,0 L6,6 M6,0 L0,6" stroke="{c}" '
                'stroke-width="1.2"/>'
            )
        elif name == "horizontal":
            body = f'<rect width="6" height="6" fill="#fff"/><path d="M0,3 L6,3" stroke="{c}" stroke-width="2"/>'
        else:
            body = f'<rect width="6" height="6" fill="#fff"/><path d="M3,0 L3,6" stroke="{c}" stroke-width="2"/>'
        parts.append(f'<pattern id="p-{name}" width="6" height="6" patternUnits="userSpaceOnUse">{body}</pattern>')
    parts.append("</defs>")
    return "".join(parts)


def stacked_bars(title: str, categories: list[str], series: dict[str, list[int]], width: int = 640) -> str:
    """Vertical stacked bars: one bar per category (e.g. month), one stacked segment per series."""
    names = list(series)
    totals = [sum(series[n][i] for n in names) for i in range(len(categories))]
    top = max(totals, default=0) or 1
    left, bottom, chart_h = 40, 40, 200
    legend_h = 18 * len(names)
    height = chart_h + bottom + 30 + legend_h
    bar_w = max(8, min(60, (width - left - 10) // max(1, len(categories)) - 8))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="t-{id(title)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" class="chart">',
        f'<title id="t-{id(title)}">{escape(title)}</title>',
        _defs(),
    ]
    out.append(f'<line x1="{left}" y1="{30 + chart_h}" x2="{width - 5}" y2="{30 + chart_h}" stroke="#000"/>')
    for i, cat in enumerate(categories):
        x = left + 4 + i * (bar_w + 8)
        y = 30.0 + chart_h
        for j, n in enumerate(names):
            v = series[n][i]
            if not v:
                continue
            h = v / top * chart_h
            y -= h
            pat = _PATTERNS[j % len(_PATTERNS)]
            out.append(
                f'<rect x="{x}" y="{y:.1f}" width="{bar_w}" height="{h:.1f}" fill="url(#p-{pat})" '
                f'stroke="#000" stroke-width="0.6"><title>{escape(n)} {escape(cat)}: {v}</title></rect>'
            )
        out.append(f'<text x="{x + bar_w / 2}" y="{y - 4:.1f}" text-anchor="middle" font-size="11">{totals[i]}</text>')
        out.append(
            f'<text x="{x + bar_w / 2}" y="{30 + chart_h + 14}" text-anchor="middle" font-size="10">'
            f"{escape(cat)}</text>"
        )
    for j, n in enumerate(names):
        y = 30 + chart_h + bottom + j * 18
        pat = _PATTERNS[j % len(_PATTERNS)]
        out.append(
            f'<rect x="{left}" y="{y - 10}" width="14" height="12" fill="url(#p-{pat})" stroke="#000" '
            'stroke-width="0.6"/>'
        )
        out.append(f'<text x="{left + 20}" y="{y}" font-size="11">{escape(n)}</text>')
    out.append("</svg>")
    return "".join(out)


def horizontal_bars(title: str, rows: list[tuple[str, int]], width: int = 640) -> str:
    """One labelled bar per row, its value written at its end."""
    label_w, bar_h = 220, 18
    top = max((v for _, v in rows), default=0) or 1
    height = 30 + len(rows) * (bar_h + 6) + 10
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="t-{id(title)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" class="chart">',
        f'<title id="t-{id(title)}">{escape(title)}</title>',
        _defs(),
    ]
    for i, (label, v) in enumerate(rows):
        y = 24 + i * (bar_h + 6)
        w = v / top * (width - label_w - 50)
        out.append(f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end" font-size="11">{escape(label[:36])}</text>')
        out.append(
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="url(#p-diagonal)" '
            'stroke="#000" stroke-width="0.6"/>'
        )
        out.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 13}" font-size="11">{v}</text>')
    out.append("</svg>")
    return "".join(out)
