"""Small drawing helpers shared by the figure scripts of chapters 2 and 3.

They draw on chapter 1's `SVG` object: a grid of cells for a tensor, a colour scale for
weights, a row of token boxes. Only the standard library is used.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ch01_figures import INK, LINE, MUTED, SVG, text_width  # noqa: E402


def mix(color: str, t: float, base: str = "#ffffff") -> str:
    "The colour a fraction `t` (0 to 1) of the way from `base` to `color`, both '#rrggbb'."
    t = max(0.0, min(1.0, t))
    a = [int(base[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b))


def grid(s: SVG, x, y, n_rows, n_cols, cw, ch, colors, values=None, size=12, fills=None,
         text_fills=None, weight="normal", sw=1.0, rx=2, gap=0):
    """A tensor drawn as `n_rows` x `n_cols` cells of `cw` x `ch` at (`x`, `y`).

    `colors` is a (fill, stroke) pair for every cell; `fills[r][c]`, when given, overrides the fill
    (None keeps it); `values[r][c]` is the text of a cell (None or "" for none). Returns the
    width and height drawn.
    """
    fill, stroke = colors
    for r in range(n_rows):
        for c in range(n_cols):
            f = fills[r][c] if fills and fills[r][c] else fill
            cx, cy = x + c * (cw + gap), y + r * (ch + gap)
            s.rect(cx, cy, cw, ch, f, stroke, rx=rx, sw=sw)
            v = values[r][c] if values else None
            if v:
                tf = text_fills[r][c] if text_fills and text_fills[r][c] else INK
                s.text(cx + cw / 2, cy + ch / 2 + size * 0.36, v, size=size, fill=tf, weight=weight)
    return n_cols * cw + (n_cols - 1) * gap, n_rows * ch + (n_rows - 1) * gap


def brace(s: SVG, x1, x2, y, color=MUTED, up=False, depth=6, sw=1.3):
    "A square bracket from `x1` to `x2` at height `y`, its ends pointing down (or up)."
    d = -depth if up else depth
    s.parts.append(f'<path d="M{x1:.1f},{y + d:.1f} L{x1:.1f},{y:.1f} L{x2:.1f},{y:.1f} L{x2:.1f},{y + d:.1f}" '
                   f'fill="none" stroke="{color}" stroke-width="{sw}"/>')


def line(s: SVG, x1, y1, x2, y2, color=LINE, sw=1.0, dash=None):
    "A plain line without an arrow head."
    d = f' stroke-dasharray="{dash}"' if dash else ""
    s.parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{color}" '
                   f'stroke-width="{sw}"{d}/>')


def token_widths(tokens, size, pad=12, least=40):
    "The width of a box for each token at font size `size`."
    return [max(text_width(tok, size) + 2 * pad, least) for tok in tokens]


def _pieces(label: str):
    "Split 'W_q K^T x_{12}' into (text, shift) runs: shift 0 normal, 1 subscript, -1 superscript."
    out, i = [], 0
    while i < len(label):
        ch = label[i]
        if ch in "_^" and i + 1 < len(label):
            shift = 1 if ch == "_" else -1
            if label[i + 1] == "{":
                j = label.index("}", i)
                out.append((label[i + 2:j], shift))
                i = j + 1
            else:
                out.append((label[i + 1], shift))
                i += 2
        else:
            if out and out[-1][1] == 0:
                out[-1] = (out[-1][0] + ch, 0)
            else:
                out.append((ch, 0))
            i += 1
    return out


def math_text(s: SVG, x, y, label, size=14, anchor="middle", weight="normal", fill=INK, italic=False):
    """Text with subscripts (`_q`, `_{12}`) and superscripts (`^T`), drawn with tspans and `dy`.

    Every other character is taken literally; the text is escaped."""
    from xml.sax.saxutils import escape
    small = round(size * 0.72, 1)
    body, level = [], 0
    for run, shift in _pieces(label):
        target = {0: 0, 1: round(size * 0.28, 1), -1: -round(size * 0.4, 1)}[shift]
        dy = target - level
        level = target
        attrs = f' dy="{dy}"' if dy else ""
        if shift:
            attrs += f' font-size="{small}"'
        body.append(f"<tspan{attrs}>{escape(run)}</tspan>")
    # anchored at its start, measured here: renderers differ in how they anchor a text of several tspans
    x -= {"start": 0, "middle": 0.5, "end": 1}[anchor] * math_width(label, size)
    style = ' font-style="italic"' if italic else ""
    s.parts.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="start" '
                   f'font-weight="{weight}" fill="{fill}"{style}>{"".join(body)}</text>')


def math_width(label: str, size: float) -> float:
    "Rough width of a `math_text` label."
    return sum(text_width(run, size * (0.72 if shift else 1)) for run, shift in _pieces(label))
