"""The drawing library of the book's figures: boxes, arrows, tensors as grids of cells, stacked blocks.

Every figure script beside this file (ch01_figures.py, ch02_figures.py, ...) imports from here. A
figure is one layout function that takes a dict of strings and returns an `SVG`; `write_figures`
calls it once per language, so the English and Chinese versions share one layout and differ only in
their text. Only the standard library is used: the SVG is written as text. This module draws nothing
when run; run a figure script instead, from the repository root:

    python3 images/src/ch01_figures.py

What is here:

- fonts and palette: `FONT`, `MONO`, `INK`, `MUTED`, `LINE`, `BG`, and (fill, stroke) pairs `BLUE`,
  `TEAL`, `AMBER`, `VIOLET`, `ROSE`, `GRAY`;
- measuring and placing labels: `text_width`, `mono_width`, `math_width`, `token_widths`,
  `side_by_side`, `fits` (a check that a label fits), `num`, `thousands`, `MINUS`, `mix` (a shade of
  a colour);
- `SVG`, the drawing: its methods draw shapes (rect, line, path, circle, dot), arrows (arrow,
  path_arrow, up_arrow), text (text, text_lines, mono, math_text) and the figures' building blocks
  (box, grid, brace, circled, stack_shadows, legend); fbox and ftext are box and text that first
  check that their labels fit;
- `write_figures`, which writes images/<folder>/<name>-<lang>.svg for each figure and language;
- `figure_data`, the data of an interactive figure of the website (interactive/data/<name>.js, written
  by a notebook cell), for the static figure that stands in its place in the PDF.

Coordinates are in pixels, y downwards; `colors` arguments are (fill, stroke) pairs.
"""
from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path
from xml.sax.saxutils import escape

IMAGES = Path(__file__).resolve().parent.parent  # the book's images/ folder
FIGURE_DATA = IMAGES.parent / "interactive" / "data"  # what the website's interactive figures load

FONT = "Noto Sans, Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"
MONO = "DejaVu Sans Mono, Menlo, Consolas, Noto Sans Mono CJK SC, monospace"
MINUS = "\u2212"  # a real minus sign for numbers in the figures

# Palette: one hue per role, a light fill and a darker stroke/text colour.
INK = "#1f2937"
MUTED = "#6b7280"
LINE = "#9ca3af"
BG = "#ffffff"
BLUE = ("#dbeafe", "#1d4ed8")
TEAL = ("#ccfbf1", "#0f766e")
AMBER = ("#fef3c7", "#b45309")
VIOLET = ("#ede9fe", "#6d28d9")
ROSE = ("#ffe4e6", "#be123c")
GRAY = ("#f3f4f6", "#4b5563")


# ---------------------------------------------------------------------------
# Measuring and writing labels
# ---------------------------------------------------------------------------

def text_width(s: str, size: float) -> float:
    "Rough rendered width of `s` at font size `size` in the figures' font (for layout only)."
    w = 0.0
    for ch in s:
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            w += 1.0
        elif ch in "il.,:;'|!()[] ":
            w += 0.3
        elif ch.isupper() or ch in "mwMW":
            w += 0.68
        else:
            w += 0.56
    return w * size


def mono_width(s: str, size: float) -> float:
    "Rough width of `s` in the monospace font `MONO` (CJK characters count double)."
    return sum(2 if text_width(ch, 1) == 1 else 1 for ch in s) * 0.6 * size


def token_widths(tokens, size, pad=12, least=40):
    "The width of a box for each of `tokens` at font size `size`: the text, `pad` each side, `least` at least."
    return [max(text_width(tok, size) + 2 * pad, least) for tok in tokens]


def side_by_side(widths, x0, gap):
    "Boxes of `widths` in a row from `x0`, `gap` apart: the left edge of each, and the right edge of the last."
    xs, x = [], x0
    for w in widths:
        xs.append(x)
        x += w + gap
    return xs, x - gap


def fits(s: str, size: float, room: float, where: str = "", mono: bool = False) -> None:
    """Warn on standard error when `s` at `size` is wider than `room` pixels.

    A layout check while drawing, for Chinese too, whose glyphs a preview may not show; `where` names
    the label in the warning, `mono` measures it in the monospace font."""
    w = mono_width(s, size) if mono else text_width(s, size)
    if w > room:
        print(f"warning: {where or 'label'} {s!r} is {w:.0f} px wide, room for {room:.0f}", file=sys.stderr)


def num(v: float, digits: int = 2) -> str:
    "`v` with `digits` decimals and a real minus sign (and never \"-0.00\")."
    t = f"{v:.{digits}f}"
    return t.replace("-", MINUS) if t.strip("-0.") else t.lstrip("-")


def thousands(v: int) -> str:
    "An integer with thousands separators: 50,257."
    return f"{v:,}"


def mix(color: str, t: float, base: str = "#ffffff") -> str:
    "The colour a fraction `t` (0 to 1) of the way from `base` to `color`, both '#rrggbb'."
    t = max(0.0, min(1.0, t))
    a = [int(base[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b))


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


def math_width(label: str, size: float) -> float:
    "Rough width of a `SVG.math_text` label (`_` and `^` mark sub- and superscripts)."
    return sum(text_width(run, size * (0.72 if shift else 1)) for run, shift in _pieces(label))


def _dash(dash) -> str:
    return f' stroke-dasharray="{dash}"' if dash else ""


def _n(v) -> str:
    "A coordinate as `dot` writes it: an int as it is, a float with one decimal."
    return str(v) if isinstance(v, int) else f"{v:.1f}"


def _marker(name: str, color: str) -> str:
    return (f'<marker id="{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
            f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{color}"/></marker>')


# ---------------------------------------------------------------------------
# The drawing
# ---------------------------------------------------------------------------

class SVG:
    """One figure of `width` x `height` pixels, titled `title` (the SVG's accessible name).

    Each method adds one element (or a few) to `parts`, in drawing order; `render` returns the file.
    Arrows end in a grey head; `heads` adds arrow heads of other colours, {marker id: colour}, for
    `line(..., head=id)`."""

    def __init__(self, width: int, height: int, title: str, heads: dict | None = None):
        self.width, self.height, self.title = width, height, title
        self.heads = dict(heads or {})
        self.parts: list[str] = []

    # shapes -----------------------------------------------------------------

    def rect(self, x, y, w, h, fill, stroke, rx=10, sw=1.5, dash=None):
        "A rectangle with corner radius `rx`, stroke width `sw`, dashed by `dash` (e.g. \"5 4\")."
        self.parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" '
            f'rx="{rx}" fill="{fill}" stroke="{stroke}" stroke-width="{sw}"{_dash(dash)}/>'
        )

    def line(self, x1, y1, x2, y2, color=LINE, sw=1.0, dash=None, head=None):
        "A straight line; `head`, a marker id from `heads`, puts an arrow head at its end."
        h = f' marker-end="url(#{head})"' if head else ""
        self.parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{color}" '
                          f'stroke-width="{sw}"{_dash(dash)}{h}/>')

    def path(self, d, color=LINE, sw=1.5, dash=None, fill="none"):
        "An SVG path `d` (\"M x,y L x,y ...\"), stroked, filled with `fill`."
        self.parts.append(f'<path d="{d}" fill="{fill}" stroke="{color}" stroke-width="{sw}"{_dash(dash)}/>')

    def circle(self, cx, cy, r, fill="#ffffff", stroke=INK, sw=1.5):
        "A circle of radius `r` centred on (`cx`, `cy`)."
        self.parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r}" fill="{fill}" stroke="{stroke}" '
                          f'stroke-width="{sw}"/>')

    def dot(self, cx, cy, color, r=4):
        "A filled dot without outline: where a line branches."
        self.parts.append(f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{r}" fill="{color}"/>')

    # arrows -----------------------------------------------------------------

    def arrow(self, x1, y1, x2, y2, color=MUTED, sw=1.8, dash=None):
        "A straight arrow from (`x1`, `y1`) to its head at (`x2`, `y2`)."
        self.parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'stroke="{color}" stroke-width="{sw}" marker-end="url(#arrow)"{_dash(dash)}/>'
        )

    def path_arrow(self, d, color=MUTED, sw=1.8, dash=None):
        "An arrow along the SVG path `d` (bends, curves), with its head at the path's end."
        self.parts.append(
            f'<path d="{d}" fill="none" stroke="{color}" stroke-width="{sw}" '
            f'marker-end="url(#arrow)"{_dash(dash)}/>'
        )

    def up_arrow(self, x, y1, y2, color, sw=3):
        """A thick vertical arrow up from `y1` to its tip at `y2` (the residual stream).

        Its head is a filled triangle 12 wide and 10 high, drawn to scale with a thick line."""
        self.line(x, y1, x, y2 + 9, color=color, sw=sw)
        self.parts.append(f'<path d="M{x - 6},{y2 + 10} L{x},{y2} L{x + 6},{y2 + 10} z" fill="{color}"/>')

    # text -------------------------------------------------------------------

    def text(self, x, y, s, size=14, anchor="middle", weight="normal", fill=INK, italic=False):
        "One line of text `s`, its baseline at `y`; `anchor` is start, middle or end."
        style = ' font-style="italic"' if italic else ""
        self.parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{fill}"{style}>{escape(s)}</text>'
        )

    def text_lines(self, x, y, rows, size=14, lh=1.35, **kw):
        "Several lines of text, `lh` font sizes apart; `y` is the baseline of the first. `kw` go to `text`."
        for i, row in enumerate(rows):
            self.text(x, y + i * size * lh, row, size=size, **kw)

    def mono(self, x, y, txt, size=12.5, anchor="start", fill=INK, weight="normal"):
        "Text in the monospace font: names and shapes as the code writes them."
        self.parts.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
                          f'font-weight="{weight}" fill="{fill}" font-family="{MONO}">{escape(txt)}</text>')

    def math_text(self, x, y, label, size=14, anchor="middle", weight="normal", fill=INK, italic=False):
        """Text with subscripts (`_q`, `_{12}`) and superscripts (`^T`), drawn with tspans and `dy`.

        Every other character is taken literally; the text is escaped."""
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
        self.parts.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="start" '
                          f'font-weight="{weight}" fill="{fill}"{style}>{"".join(body)}</text>')

    def ftext(self, x, y, txt, room, size=13, where="text", **kw):
        "`text` that first checks (`fits`) that `txt` fits in `room` pixels; `where` names it in a warning."
        fits(txt, size, room, where)
        self.text(x, y, txt, size=size, **kw)

    # building blocks --------------------------------------------------------

    def box(self, x, y, w, h, rows, colors, size=14, weight="normal", rx=10, text_color=None, sw=1.5,
            head=False):
        """A rounded box with its lines of text `rows` centred in it.

        `head` makes the first line a bold title in the stroke colour, one size larger."""
        fill, stroke = colors
        self.rect(x, y, w, h, fill, stroke, rx=rx, sw=sw)
        lh = 1.35
        total = size * lh * (len(rows) - 1)
        y0 = y + h / 2 - total / 2 + size * 0.36
        for i, row in enumerate(rows):
            bold = weight == "bold" or (head and i == 0)
            colr = stroke if (head and i == 0) else (text_color or INK)
            self.text(x + w / 2, y0 + i * size * lh, row, size=size + (1 if head and i == 0 else 0),
                      weight="bold" if bold else "normal", fill=colr)

    def fbox(self, x, y, w, h, rows, colors, size=13.5, head=True, where="box", **kw):
        "`box` (with a title line by default) that first checks that each line fits inside it."
        for i, row in enumerate(rows):
            fits(row, size + (1 if head and i == 0 else 0), w - 14, where)
        self.box(x, y, w, h, rows, colors, size=size, head=head, **kw)

    def stack_shadows(self, x, y, w, h, colors, copies=1, step=5, sw=1.0, rx=10):
        """The outlines of `copies` more blocks behind the block at (`x`, `y`, `w`, `h`).

        Each is `step` pixels further up and right, the farthest drawn first: together with the block,
        drawn afterwards on top, they show a stack of identical blocks."""
        for k in range(copies, 0, -1):
            self.rect(x + step * k, y - step * k, w, h, colors[0], colors[1], rx=rx, sw=sw)

    def grid(self, x, y, n_rows, n_cols, cw, ch, colors, values=None, size=12, fills=None,
             text_fills=None, weight="normal", sw=1.0, rx=2, gap=0):
        """A tensor drawn as `n_rows` x `n_cols` cells of `cw` x `ch`, its top left at (`x`, `y`).

        `colors` is a (fill, stroke) pair for every cell; `fills[r][c]`, when given, overrides the fill
        (None keeps it); `values[r][c]` is the text of a cell (None or "" for none), in
        `text_fills[r][c]` or ink; `gap` separates the cells. Returns the width and height drawn."""
        fill, stroke = colors
        for r in range(n_rows):
            for c in range(n_cols):
                f = fills[r][c] if fills and fills[r][c] else fill
                cx, cy = x + c * (cw + gap), y + r * (ch + gap)
                self.rect(cx, cy, cw, ch, f, stroke, rx=rx, sw=sw)
                v = values[r][c] if values else None
                if v:
                    tf = text_fills[r][c] if text_fills and text_fills[r][c] else INK
                    self.text(cx + cw / 2, cy + ch / 2 + size * 0.36, v, size=size, fill=tf, weight=weight)
        return n_cols * cw + (n_cols - 1) * gap, n_rows * ch + (n_rows - 1) * gap

    def brace(self, x1, x2, y, color=MUTED, up=False, depth=6, sw=1.3):
        "A square bracket from `x1` to `x2` at height `y`, its ends `depth` long, pointing down (or up)."
        d = -depth if up else depth
        self.path(f"M{x1:.1f},{y + d:.1f} L{x1:.1f},{y:.1f} L{x2:.1f},{y:.1f} L{x2:.1f},{y + d:.1f}",
                  color=color, sw=sw)

    def circled(self, cx, cy, sign="+", r=13, stroke=INK):
        "An operator in a circle of radius `r`: \"+\" a residual addition, \"×\" an elementwise product."
        self.circle(cx, cy, r, stroke=stroke)
        if sign == "+":
            k = r * 0.55
            self.line(cx - k, cy, cx + k, cy, color=stroke, sw=1.8)
            self.line(cx, cy - k, cx, cy + k, color=stroke, sw=1.8)
        elif sign == "×":
            k = r * 0.45
            self.line(cx - k, cy - k, cx + k, cy + k, color=stroke, sw=1.8)
            self.line(cx - k, cy + k, cx + k, cy - k, color=stroke, sw=1.8)
        else:
            raise ValueError(f"circled: no sign {sign!r}")

    def legend(self, x, y, items, swatch=(24, 18), rx=3, sw=1, row=26, columns=1, column=0):
        """A key: for each (label, fill, stroke) of `items`, a swatch and its label at size 13.

        The swatches are `swatch` (width, height) with their top left at (`x`, `y`), `row` pixels
        apart; with `columns` > 1 the items fill the rows left to right, columns `column` apart."""
        w, h = swatch
        for i, (label, fill, stroke) in enumerate(items):
            sx, sy = x + (i % columns) * column, y + (i // columns) * row
            self.rect(sx, sy, w, h, fill, stroke, rx=rx, sw=sw)
            self.text(sx + w + 10, sy + h / 2 + 5, label, size=13, anchor="start")

    def render(self) -> str:
        "The whole SVG file: header, arrow heads, white background, then the parts in order."
        heads = "".join(_marker(name, color) for name, color in {"arrow": MUTED, **self.heads}.items())
        head = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width} {self.height}" '
            f'width="{self.width}" height="{self.height}" role="img" '
            f'font-family="{FONT}">\n'
            f"<title>{escape(self.title)}</title>\n"
            f"<defs>{heads}</defs>\n"
            f'<rect width="{self.width}" height="{self.height}" fill="{BG}"/>\n'
        )
        return head + "\n".join(self.parts) + "\n</svg>\n"


def write_figures(figures: dict, folder: str) -> None:
    """Draw each figure once per language into images/`folder`/<name>-<lang>.svg.

    `figures` maps a figure's name to (layout function, {language: texts}); the layout function
    takes one language's texts and returns an `SVG`."""
    out_dir = IMAGES / folder
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, (fn, texts) in figures.items():
        for lang, t in texts.items():
            path = out_dir / f"{name}-{lang}.svg"
            path.write_text(fn(t).render(), encoding="utf-8")
            print(f"wrote {path.relative_to(IMAGES.parent)}")


def figure_data(name: str):
    """The JSON of interactive/data/`name`.js, which a notebook cell writes for an interactive figure.

    The file is one assignment, `window.llmscratchData["name"] =`, a line break, then the JSON and `;`."""
    text = (FIGURE_DATA / f"{name}.js").read_text(encoding="utf-8")
    return json.loads(text[text.index(" =\n") + 3:].rstrip().removesuffix(";"))
