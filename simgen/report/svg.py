"""Small inline SVG charts (no plotting library, no scripts): horizontal bars, histograms, stacked bars.

Each function returns an `<svg>` string sized in pixels; every bar carries a `<title>` (hover tooltip)
with its exact value, and the `data-value` attribute (used by the tests).
"""

from __future__ import annotations

from html import escape

import numpy as np

PALETTE = ("#4878d0", "#ee854a", "#6acc64", "#d65f5f", "#956cb4", "#8c613c", "#dc7ec0", "#797979",
           "#d5bb67", "#82c6e2")
_FONT = 'font-family="sans-serif" font-size="11"'


def _fmt(v: float) -> str:
    if float(v).is_integer():
        return str(int(v))
    return f"{v:.3g}" if abs(v) < 100 else f"{v:.0f}"


def _nice_max(v: float) -> float:
    if v <= 0:
        return 1.0
    e = 10 ** np.floor(np.log10(v))
    for m in (1, 2, 2.5, 5, 10):
        if m * e >= v:
            return float(m * e)
    return float(10 * e)


def bar_chart(items: list[tuple[str, float]], title: str, width: int = 420, bar_h: int = 14,
              colour: str = PALETTE[0], unit: str = "") -> str:
    """Horizontal bars, one per (label, value), in the given order."""
    label_w = min(170, 12 + 6 * max([len(str(k)) for k, _ in items] + [4]))
    top, plot_w = 22, width - label_w - 50
    h = top + len(items) * (bar_h + 4) + 8
    vmax = _nice_max(max([v for _, v in items] + [0]))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{h}" '
           f'viewBox="0 0 {width} {h}" role="img" aria-label="{escape(title)}">',
           f'<text x="4" y="14" {_FONT} font-weight="bold">{escape(title)}</text>']
    for k, (label, v) in enumerate(items):
        y = top + k * (bar_h + 4)
        w = plot_w * float(v) / vmax
        out.append(f'<text x="{label_w - 4}" y="{y + bar_h - 3}" {_FONT} text-anchor="end">{escape(str(label))}</text>')
        out.append(f'<rect class="bar" x="{label_w}" y="{y}" width="{w:.2f}" height="{bar_h}" fill="{colour}" '
                   f'data-value="{float(v)}"><title>{escape(str(label))}: {_fmt(v)}{unit}</title></rect>')
        out.append(f'<text x="{label_w + w + 3:.2f}" y="{y + bar_h - 3}" {_FONT}>{_fmt(v)}{unit}</text>')
    out.append("</svg>")
    return "\n".join(out)


def histogram(groups: dict[str, list[float]], title: str, bins: int = 10, lo: float | None = None,
              hi: float | None = None, xlabel: str = "", width: int = 420, height: int = 170) -> str:
    """Histogram of the values of each group (side by side within a bin), shared bin edges."""
    allv = np.concatenate([np.asarray(v, float) for v in groups.values()] + [np.zeros(0)])
    if allv.size == 0:
        return empty_chart(title, width)
    lo = float(allv.min()) if lo is None else lo
    hi = float(allv.max()) if hi is None else hi
    if hi <= lo:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, bins + 1)
    counts = {g: np.histogram(np.clip(np.asarray(v, float), lo, hi), bins=edges)[0] for g, v in groups.items()}
    cmax = _nice_max(max(int(c.max()) for c in counts.values()))
    left, top, bottom = 34, 22, 34 + (14 * ((len(groups) + 2) // 3) if len(groups) > 1 else 0)
    pw, ph = width - left - 10, height - top - bottom
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
           f'<text x="4" y="14" {_FONT} font-weight="bold">{escape(title)}</text>',
           f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="#444"/>',
           f'<text x="{left - 3}" y="{top + 8}" {_FONT} text-anchor="end">{_fmt(cmax)}</text>',
           f'<text x="{left - 3}" y="{top + ph}" {_FONT} text-anchor="end">0</text>']
    bw = pw / bins
    sub = bw / max(1, len(groups))
    for gi, (g, c) in enumerate(counts.items()):
        col = PALETTE[gi % len(PALETTE)]
        for b, n in enumerate(c):
            hgt = ph * n / cmax
            x = left + b * bw + gi * sub
            out.append(f'<rect class="bar" x="{x + 0.5:.2f}" y="{top + ph - hgt:.2f}" width="{max(sub - 1, 0.5):.2f}" '
                       f'height="{hgt:.2f}" fill="{col}" data-value="{int(n)}"><title>{escape(g)}: {int(n)} in '
                       f'[{_fmt(edges[b])}, {_fmt(edges[b + 1])})</title></rect>')
    for b in (0, bins // 2, bins):
        anchor = "start" if b == 0 else ("end" if b == bins else "middle")
        out.append(f'<text x="{left + b * bw:.1f}" y="{top + ph + 12}" {_FONT} text-anchor="{anchor}">'
                   f'{float(edges[b]):.3g}</text>')
    out.append(f'<text x="{left + pw / 2:.1f}" y="{top + ph + 25}" {_FONT} text-anchor="middle">'
               f'{escape(xlabel)}</text>')
    if len(groups) > 1:
        for gi, g in enumerate(groups):
            x, y = 8 + (gi % 3) * (width // 3), top + ph + 30 + 14 * (gi // 3)
            out.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{PALETTE[gi % len(PALETTE)]}"/>'
                       f'<text x="{x + 14}" y="{y + 9}" {_FONT}>{escape(g)} (n={len(groups[g])})</text>')
    out.append("</svg>")
    return "\n".join(out)


def stacked_bars(rows: list[tuple[str, dict[str, float]]], keys: list[str], title: str, width: int = 420,
                 bar_h: int = 14, normalise: bool = False, unit: str = "") -> str:
    """One horizontal bar per row, split into `keys` segments (fractions of the row when `normalise`)."""
    label_w = min(190, 12 + 6 * max([len(r) for r, _ in rows] + [4]))
    top = 22
    legend_h = 16 * ((len(keys) + 5) // 6)
    h = top + len(rows) * (bar_h + 4) + legend_h + 8
    totals = [sum(float(d.get(k, 0)) for k in keys) for _, d in rows]
    vmax = 1.0 if normalise else _nice_max(max(totals + [0]))
    pw = width - label_w - 50
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{h}" '
           f'viewBox="0 0 {width} {h}" role="img" aria-label="{escape(title)}">',
           f'<text x="4" y="14" {_FONT} font-weight="bold">{escape(title)}</text>']
    for r, ((label, d), tot) in enumerate(zip(rows, totals)):
        y = top + r * (bar_h + 4)
        x = float(label_w)
        out.append(f'<text x="{label_w - 4}" y="{y + bar_h - 3}" {_FONT} text-anchor="end">{escape(label)}</text>')
        for ki, k in enumerate(keys):
            v = float(d.get(k, 0))
            frac = (v / tot if tot else 0.0) if normalise else v / vmax
            w = pw * frac
            if w <= 0:
                continue
            shown = f"{100 * v / tot:.0f}% ({_fmt(v)})" if normalise else f"{_fmt(v)}{unit}"
            out.append(f'<rect class="bar" x="{x:.2f}" y="{y}" width="{w:.2f}" height="{bar_h}" '
                       f'fill="{PALETTE[ki % len(PALETTE)]}" data-value="{v}"><title>{escape(label)} {escape(k)}: '
                       f'{shown}</title></rect>')
            x += w
        total = "n=" + _fmt(tot) if normalise else _fmt(tot) + unit
        out.append(f'<text x="{x + 3:.2f}" y="{y + bar_h - 3}" {_FONT}>{total}</text>')
    ly = top + len(rows) * (bar_h + 4) + 4
    for ki, k in enumerate(keys):
        x, y = 8 + (ki % 6) * ((width - 8) // 6), ly + 16 * (ki // 6)
        out.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{PALETTE[ki % len(PALETTE)]}"/>'
                   f'<text x="{x + 14}" y="{y + 9}" {_FONT}>{escape(k)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def empty_chart(title: str, width: int = 420, note: str = "no data") -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="44" '
            f'viewBox="0 0 {width} 44"><text x="4" y="14" {_FONT} font-weight="bold">{escape(title)}</text>'
            f'<text x="4" y="34" {_FONT} fill="#777">{escape(note)}</text></svg>')
