"""Small inline SVG charts for the HTML report: grouped bars, a heatmap, line curves and
histograms. Pure string building: no JavaScript, no external files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

PALETTE = ("#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#d53f8c", "#718096")
FONT = 'font-family="system-ui, sans-serif" font-size="11"'


def _svg(width: float, height: float, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
        f'<text x="4" y="14" {FONT} font-weight="bold">{escape(title)}</text>'
        + "".join(body)
        + "</svg>"
    )


def _text_width(text: str) -> float:
    """Rough rendered width of 11px sans-serif text."""
    return len(text) * 6.2


def _legend(names: Sequence[str], x: float, y: float, width: float) -> tuple[list[str], float]:
    """Legend entries left to right, wrapping at width; returns them and the y below them."""
    out = []
    cx, cy = x, y
    for i, name in enumerate(names):
        step = _text_width(name) + 30
        if cx > x and cx + step > x + width:
            cx, cy = x, cy + 14
        out.append(
            f'<rect x="{cx}" y="{cy - 9}" width="10" '
            f'height="10" fill="{PALETTE[i % len(PALETTE)]}"/>'
        )
        out.append(f'<text x="{cx + 14}" y="{cy}" {FONT}>{escape(name)}</text>')
        cx += step
    return out, cy + 8


def _fmt(value: float | None, scale: float) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2f}" if scale <= 1.0 else f"{value:.0f}"


def bar_chart(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    title: str,
    max_value: float = 1.0,
) -> str:
    """Grouped horizontal bars: one group per label, one bar per series."""
    names = list(series)
    bar, gap, width = 10, 8, 320
    left = min(max([_text_width(label) for label in labels] + [60]) + 12, 330)
    group = bar * len(names) + gap
    body, top = _legend(names, left, 28, width)
    height = top + group * len(labels) + 10
    for row, label in enumerate(labels):
        y0 = top + row * group
        body.append(
            f'<text x="{left - 6}" y="{y0 + group / 2}" '
            f'text-anchor="end" {FONT}>{escape(label)}</text>'
        )
        for i, name in enumerate(names):
            value = series[name][row]
            length = 0 if value is None else max(0.0, min(value, max_value)) / max_value * width
            y = y0 + i * bar
            body.append(
                f'<rect x="{left}" y="{y}" width="{length:.1f}" height="{bar - 1}" '
                f'fill="{PALETTE[i % len(PALETTE)]}"><title>{escape(name)}: '
                f"{_fmt(value, max_value)}</title></rect>"
            )
            body.append(
                f'<text x="{left + length + 3:.1f}" y="{y + bar - 2}" {FONT} font-size="9">'
                f"{_fmt(value, max_value)}</text>"
            )
    body.append(f'<line x1="{left}" y1="{top - 2}" x2="{left}" y2="{height - 8}" stroke="#999"/>')
    return _svg(left + width + 60, height, title, body)


def heatmap(
    labels: Sequence[str],
    matrix: Sequence[Sequence[int]],
    title: str,
    row_title: str = "gold",
    col_title: str = "predicted",
) -> str:
    """A square count matrix, darker for larger counts, with each count written in its cell."""
    cell = 24
    longest = max([_text_width(label) for label in labels] + [40])
    left, top = longest + 12, 44 + longest * 0.87
    n = len(labels)
    peak = max((v for row in matrix for v in row), default=0) or 1
    body = [
        f'<text x="{left}" y="30" {FONT}>columns: '
        f"{escape(col_title)}, rows: {escape(row_title)}</text>"
    ]
    for j, label in enumerate(labels):
        x = left + j * cell + cell / 2
        body.append(
            f'<text x="{x}" y="{top - 6}" transform="rotate(-60 '
            f'{x} {top - 6})" {FONT}>{escape(label)}</text>'
        )
    for i, label in enumerate(labels):
        y = top + i * cell
        body.append(
            f'<text x="{left - 6}" y="{y + cell / 2 + 4}" '
            f'text-anchor="end" {FONT}>{escape(label)}</text>'
        )
        for j in range(n):
            v = matrix[i][j]
            alpha = 0.08 + 0.92 * v / peak if v else 0.0
            fill = "#2f855a" if i == j else "#c53030"
            body.append(
                f'<rect x="{left + j * cell}" y="{y}" width="{cell - 1}" height="{cell - 1}" '
                f'fill="{fill}" fill-opacity="{alpha:.2f}" stroke="#ddd">'
                f"<title>{escape(labels[i])} -> {escape(labels[j])}: {v}</title></rect>"
            )
            if v:
                body.append(
                    f'<text x="{left + j * cell + cell / 2}" '
                    f'y="{y + cell / 2 + 4}" text-anchor="middle" '
                    f"{FONT}>{v}</text>"
                )
    return _svg(left + n * cell + 20, top + n * cell + 10, title, body)


def line_chart(
    xs: Sequence[float],
    series: Mapping[str, Sequence[float | None]],
    title: str,
    x_label: str = "k",
    max_value: float = 1.0,
) -> str:
    """Curves over shared x values (e.g. recall@k for k = 1, 3, 5, 10)."""
    left, width, height = 40, 360, 200
    legend, top = _legend(list(series), left, 30, width)
    top += 6
    lo, hi = min(xs), max(xs)

    def px(x: float) -> float:
        return left + (x - lo) / ((hi - lo) or 1) * width

    def py(v: float) -> float:
        return top + height - v / max_value * height

    body = legend
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = py(tick * max_value)
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + width}" y2="{y:.1f}" stroke="#eee"/>'
        )
        body.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" '
            f'text-anchor="end" {FONT}>{tick * max_value:g}</text>'
        )
    for x in xs:
        body.append(
            f'<text x="{px(x):.1f}" y="{top + height + 14}" '
            f'text-anchor="middle" {FONT}>{x:g}</text>'
        )
    body.append(
        f'<text x="{left + width / 2}" y="{top + height + 28}" '
        f'text-anchor="middle" {FONT}>{escape(x_label)}</text>'
    )
    for i, (name, values) in enumerate(series.items()):
        color = PALETTE[i % len(PALETTE)]
        points = [(px(x), py(v)) for x, v in zip(xs, values, strict=True) if v is not None]
        body.append(
            f'<polyline fill="none" stroke="{color}" stroke-width="2" '
            f'points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in points)}"/>'
        )
        for (a, b), x, v in zip(points, xs, values, strict=False):
            body.append(
                f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{color}">'
                f"<title>{escape(name)} @ {x:g}: {_fmt(v, max_value)}</title></circle>"
            )
    return _svg(left + width + 30, top + height + 36, title, body)


def histogram(values: Sequence[float], title: str, bins: int = 10, unit: str = "ms") -> str:
    """Counts of values in equal-width bins, with the range on the x axis."""
    left, top, width, height = 30, 24, 220, 90
    body: list[str] = []
    if not values:
        body.append(f'<text x="{left}" y="{top + 40}" {FONT}>no data</text>')
        return _svg(left + width + 10, top + height + 30, title, body)
    lo, hi = min(values), max(values)
    step = (hi - lo) / bins or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(int((v - lo) / step), bins - 1)] += 1
    peak = max(counts)
    bw = width / bins
    for i, c in enumerate(counts):
        h = c / peak * height
        body.append(
            f'<rect x="{left + i * bw:.1f}" y="{top + height - h:.1f}" '
            f'width="{bw - 1:.1f}" height="{h:.1f}" '
            f'fill="{PALETTE[0]}"><title>{lo + i * step:.1f}-{lo + (i + 1) * step:.1f} '
            f"{unit}: {c}</title></rect>"
        )
    body.append(
        f'<line x1="{left}" y1="{top + height}" '
        f'x2="{left + width}" y2="{top + height}" stroke="#999"/>'
    )
    body.append(f'<text x="{left}" y="{top + height + 14}" {FONT}>{lo:.1f}</text>')
    body.append(
        f'<text x="{left + width}" y="{top + height + 14}" '
        f'text-anchor="end" {FONT}>{hi:.1f} {unit}</text>'
    )
    body.append(f'<text x="{left - 4}" y="{top + 8}" text-anchor="end" {FONT}>{peak}</text>')
    return _svg(left + width + 10, top + height + 30, title, body)
