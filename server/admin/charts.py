"""Charts drawn on the server as SVG markup: no script and no chart library in the browser.

- ``bar_chart``: one horizontal bar per item (completion per child unit), the value written
  beside each bar, labels on the left so long Chinese unit names stay readable;
- ``line_chart``: one value per period (study hours per week), with the axis labelled;
- ``ring``: a share of a whole (a person's year against the target).

Every text is escaped; sizes are in CSS pixels of the SVG's own coordinates (it scales).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

FONT = "font-family=\"'WenQuanYi Micro Hei','Microsoft YaHei','PingFang SC',sans-serif\""
BAR_COLOUR = "#2f6fb0"
BEHIND_COLOUR = "#c0392b"
GRID_COLOUR = "#d6dbe1"
TEXT_COLOUR = "#222"


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _tick(value: float, step: float) -> str:
    """An axis label with as many decimals as the step needs, so no two labels read the same."""
    decimals = max(0, -math.floor(math.log10(step))) if step > 0 else 0
    return f"{value:.{decimals}f}"


def bar_chart(items: Sequence[tuple[str, float]], *, title: str, maximum: float = 100.0, unit: str = "%",
              label_width: int = 170, width: int = 560, below: float | None = None) -> Markup:
    """One bar per (label, value); a bar under ``below`` is drawn in the warning colour."""
    row = 34
    top = 8
    height = top + row * max(1, len(items)) + 8
    plot = width - label_width - 64
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart bar" role="img" viewBox="0 0 {width} {height}" '
             f'width="100%" {FONT} font-size="17"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(items):
        y = top + i * row
        share = 0.0 if maximum <= 0 else max(0.0, min(1.0, value / maximum))
        colour = BEHIND_COLOUR if below is not None and value < below else BAR_COLOUR
        shown = label if len(label) <= 10 else label[:9] + "…"
        parts.append(f'<text x="{label_width - 8}" y="{y + 22}" text-anchor="end" fill="{TEXT_COLOUR}">'
                     f'<title>{escape(label)}</title>{escape(shown)}</text>')
        parts.append(f'<rect x="{label_width}" y="{y + 5}" width="{plot}" height="24" fill="#eef1f5"/>')
        parts.append(f'<rect x="{label_width}" y="{y + 5}" width="{plot * share:.1f}" height="24" fill="{colour}"/>')
        parts.append(f'<text x="{label_width + plot + 8}" y="{y + 22}" fill="{TEXT_COLOUR}">'
                     f'{escape(_num(value))}{escape(unit)}</text>')
    if not items:
        parts.append(f'<text x="{width / 2}" y="26" text-anchor="middle" fill="#666">—</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(points: Sequence[tuple[str, float]], *, title: str, unit: str = "", width: int = 560,
               height: int = 260) -> Markup:
    """One value per (period label, value), joined by a line; every few labels shown on the axis."""
    left, right, top, bottom = 64, 20, 14, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((v for _, v in points), default=0.0)
    step = _nice_step(peak)
    top_value = step * max(1, math.ceil(peak / step)) if peak > 0 else step
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart line" role="img" '
             f'viewBox="0 0 {width} {height}" width="100%" {FONT} font-size="16"><title>{escape(title)}</title>']
    ticks = round(top_value / step)
    for t in range(ticks + 1):
        value = step * t
        y = top + plot_h - plot_h * value / top_value
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID_COLOUR}"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{TEXT_COLOUR}">'
                     f'{escape(_tick(value, step))}{escape(unit)}</text>')
    n = len(points)
    coords = []
    for i, (_, value) in enumerate(points):
        x = left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)
        y = top + plot_h - plot_h * value / top_value
        coords.append((x, y))
    if coords:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{BAR_COLOUR}" stroke-width="2.5"/>')
        every = max(1, math.ceil(n / 8))
        for i, (label, value) in enumerate(points):
            x, y = coords[i]
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{BAR_COLOUR}">'
                         f'<title>{escape(label)}: {escape(_num(value))}{escape(unit)}</title></circle>')
            if i % every == 0 or i == n - 1:
                parts.append(f'<text x="{x:.1f}" y="{height - 12}" text-anchor="middle" fill="{TEXT_COLOUR}">'
                             f'{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _nice_step(peak: float) -> float:
    """A round step (1, 2 or 5 times a power of ten) that splits 0..peak into at most 5 parts."""
    if peak <= 0:
        return 1.0
    raw = peak / 5
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * power:
            return float(m * power)
    return float(10 * power)


def ring(value: float, target: float, *, title: str, caption: str, size: int = 180) -> Markup:
    """``value`` of ``target`` as a ring, the share written in the middle and ``caption`` under it."""
    share = 0.0 if target <= 0 else max(0.0, min(1.0, value / target))
    r = size / 2 - 14
    c = size / 2
    length = 2 * math.pi * r
    colour = BAR_COLOUR if share >= 1 else "#d68910"
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart ring" role="img" viewBox="0 0 {size} {size + 28}" '
        f'width="{size}" {FONT}><title>{escape(title)}</title>'
        f'<circle cx="{c}" cy="{c}" r="{r:.1f}" fill="none" stroke="#eef1f5" stroke-width="16"/>'
        f'<circle cx="{c}" cy="{c}" r="{r:.1f}" fill="none" stroke="{colour}" stroke-width="16" '
        f'stroke-dasharray="{length * share:.1f} {length:.1f}" transform="rotate(-90 {c} {c})"/>'
        f'<text x="{c}" y="{c + 9}" text-anchor="middle" font-size="28" fill="{TEXT_COLOUR}">'
        f'{round(share * 100)}%</text>'
        f'<text x="{c}" y="{size + 20}" text-anchor="middle" font-size="15" fill="{TEXT_COLOUR}">'
        f'{escape(caption)}</text></svg>')
