"""Small drawing helpers shared by the figures of chapters 4 and 5 (ch04_figures.py, ch05_figures.py).

They add to chapter 1's `SVG` what these diagrams need: plain lines, circles, monospace text for
names from the code, and a check that every label fits the box it is written in (for Chinese
too, whose glyphs the preview renderer cannot show). Only the standard library is used.
"""
from __future__ import annotations

import sys
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ch01_figures import INK, LINE, MUTED, SVG, text_width  # noqa: E402

MONO = "DejaVu Sans Mono, Menlo, Consolas, Noto Sans Mono CJK SC, monospace"
MINUS = "\u2212"  # a real minus sign for numbers in the figures


def mono_width(s: str, size: float) -> float:
    "Rough width of `s` in the monospace font (CJK characters count double)."
    return sum(2 if text_width(ch, 1) == 1 else 1 for ch in s) * 0.6 * size


def fits(s: str, size: float, room: float, where: str = "", mono: bool = False) -> None:
    "Warn on standard error when `s` at `size` is wider than `room` (layout check while drawing)."
    w = mono_width(s, size) if mono else text_width(s, size)
    if w > room:
        print(f"warning: {where or 'label'} {s!r} is {w:.0f} px wide, room for {room:.0f}", file=sys.stderr)


def line(s: SVG, x1, y1, x2, y2, color=LINE, sw=1.2, dash=None) -> None:
    d = f' stroke-dasharray="{dash}"' if dash else ""
    s.parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{color}" '
                   f'stroke-width="{sw}"{d}/>')


def path(s: SVG, d: str, color=LINE, sw=1.5, dash=None, fill="none") -> None:
    ds = f' stroke-dasharray="{dash}"' if dash else ""
    s.parts.append(f'<path d="{d}" fill="{fill}" stroke="{color}" stroke-width="{sw}"{ds}/>')


def circle(s: SVG, cx, cy, r, fill="#ffffff", stroke=INK, sw=1.5) -> None:
    s.parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r}" fill="{fill}" stroke="{stroke}" '
                   f'stroke-width="{sw}"/>')


def plus(s: SVG, cx, cy, r=13, stroke=INK) -> None:
    "The circled plus of a residual addition."
    circle(s, cx, cy, r, stroke=stroke)
    line(s, cx - r * 0.55, cy, cx + r * 0.55, cy, color=stroke, sw=1.8)
    line(s, cx, cy - r * 0.55, cx, cy + r * 0.55, color=stroke, sw=1.8)


def mono(s: SVG, x, y, txt, size=12.5, anchor="start", fill=INK, weight="normal") -> None:
    "Text in the monospace font: names and shapes as the code writes them."
    s.parts.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
                   f'font-weight="{weight}" fill="{fill}" font-family="{MONO}">{escape(txt)}</text>')


def fbox(s: SVG, x, y, w, h, rows, colors, size=13.5, head=True, where="box", **kw) -> None:
    "`SVG.box` that first checks each row fits inside the box."
    for i, row in enumerate(rows):
        fits(row, size + (1 if head and i == 0 else 0), w - 14, where)
    s.box(x, y, w, h, rows, colors, size=size, head=head, **kw)


def ftext(s: SVG, x, y, txt, room, size=13, where="text", **kw) -> None:
    "`SVG.text` that first checks the text fits in `room` pixels."
    fits(txt, size, room, where)
    s.text(x, y, txt, size=size, **kw)


def num(v: float, digits: int = 2) -> str:
    "A number with a real minus sign."
    t = f"{v:.{digits}f}"
    return t.replace("-", MINUS) if t.strip("-0.") else t.lstrip("-")  # no "-0.00"


__all__ = ["MINUS", "MONO", "MUTED", "circle", "fbox", "fits", "ftext", "line", "mono", "mono_width",
           "num", "path", "plus"]
