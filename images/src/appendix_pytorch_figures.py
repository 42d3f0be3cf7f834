#!/usr/bin/env python3
"""Generate the figures of the PyTorch appendix (English and Chinese) as standalone SVG files.

Run from the repository root:

    python3 images/src/appendix_pytorch_figures.py

Drawn with diagrams.py beside this file, one layout function per figure fed a dict of strings
per language; the numbers in the figures are the ones the appendix computes. Output:
images/appendix_pytorch/<name>-en.svg and images/appendix_pytorch/<name>-zh.svg.
"""

from __future__ import annotations

from diagrams import AMBER, BLUE, GRAY, INK, MUTED, SVG, TEAL, VIOLET, write_figures

GRAD = "#c2410c"  # the colour of gradients and of the backward pass
HEADS = {"garrow": GRAD}  # every figure of the appendix has an arrow head in that colour
CODE_FONT = "DejaVu Sans Mono, Menlo, Consolas, monospace"


def code_name(s: SVG, x, y, text, size=12, fill=MUTED, anchor="middle"):
    """The name of an autograd function, in the monospace font this appendix has always used.

    Not `SVG.mono`: its font list and attributes differ, and the SVG files are kept as they are."""
    s.parts.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
                   f'font-family="{CODE_FONT}" fill="{fill}">{text}</text>')


# ---------------------------------------------------------------------------
# The computation graph of  L = (w * x + b - t) ** 2  with x = 3, w = 2, b = -1, t = 1
# ---------------------------------------------------------------------------

GRAPH = {
    "en": {
        "title": "The computation graph of L = (w·x + b − t)², forward values and backward gradients",
        "legend": [
            (BLUE, "leaf tensor with requires_grad=True: backward() stores its gradient in .grad"),
            (GRAY, "tensor without a gradient (requires_grad=False)"),
            (("#ffffff", INK), "intermediate result, remembered for the backward pass"),
        ],
        "forward": "forward: values flow left to right",
        "backward": "backward(): gradients ∂L/∂· flow right to left",
    },
    "zh": {
        "title": "L = (w·x + b − t)² 的计算图：前向的数值与反向的梯度",
        "legend": [
            (BLUE, "requires_grad=True 的叶子张量：backward() 把它的梯度存入 .grad"),
            (GRAY, "不需要梯度的张量（requires_grad=False）"),
            (("#ffffff", INK), "中间结果，为反向传播保存下来"),
        ],
        "forward": "前向：数值从左向右流动",
        "backward": "backward()：梯度 ∂L/∂· 从右向左流动",
    },
}


def fig_graph(t):
    bw, bh, r = 88, 58, 24
    row, top = 215, 52  # centre line of the main chain; top of the side inputs
    # main chain: tensor, op, tensor, op, ...
    chain = [("w", "2", BLUE, "24"), ("×", "MulBackward0"), ("u", "6", None, "8"),
             ("+", "AddBackward0"), ("p", "5", None, "8"), ("−", "SubBackward0"),
             ("e", "4", None, "8"), ("x²", "PowBackward0"), ("L", "16", AMBER, "1")]
    side = {1: ("x", "3", GRAY, None), 3: ("b", "−1", BLUE, "8"), 5: ("t", "1", GRAY, None)}
    xs, x = [], 20
    for item in chain:
        if len(item) == 4:
            xs.append(x + bw / 2)
            x += bw + 38
        else:
            xs.append(x + r)
            x += 2 * r + 38
    W, H = int(x - 38 + 20), 480
    s = SVG(W, H, t["title"], heads=HEADS)

    def tensor(cx, cy, name, value, colors, grad, grad_below=True):
        colors = colors or ("#ffffff", INK)
        s.rect(cx - bw / 2, cy - bh / 2, bw, bh, colors[0], colors[1], rx=10, sw=1.6)
        s.text(cx, cy - 4, name, size=17, weight="bold", fill=colors[1], italic=True)
        s.text(cx, cy + 18, f"= {value}", size=15, fill=INK)
        if grad is not None:
            gy = cy + bh / 2 + 22 if grad_below else cy - bh / 2 - 10
            s.text(cx, gy, f"∂L/∂{name} = {grad}", size=14, weight="bold", fill=GRAD)
    for i, item in enumerate(chain):
        cx = xs[i]
        if len(item) == 4:
            tensor(cx, row, *item)
        else:
            sym, fn = item
            s.parts.append(f'<circle cx="{cx:.1f}" cy="{row}" r="{r}" fill="{VIOLET[0]}" '
                           f'stroke="{VIOLET[1]}" stroke-width="1.6"/>')
            s.text(cx, row + 6, sym, size=18, weight="bold", fill=VIOLET[1])
            code_name(s, cx, row + r + 20, fn, size=11.5, fill=VIOLET[1])
    # forward arrows along the chain
    for i in range(len(chain) - 1):
        a, b = chain[i], chain[i + 1]
        x1 = xs[i] + (bw / 2 if len(a) == 4 else r) + 2
        x2 = xs[i + 1] - (bw / 2 if len(b) == 4 else r) - 2
        s.arrow(x1, row, x2, row, color=INK)
    # side inputs above their op, with an arrow down into it
    for i, (name, value, colors, grad) in side.items():
        cy = top + bh / 2
        tensor(xs[i], cy, name, value, colors, grad, grad_below=False)
        s.arrow(xs[i], cy + bh / 2 + 2, xs[i], row - r - 2, color=INK)
    # the two passes, as long arrows under the graph
    y1, y2 = 330, 372
    s.arrow(40, y1, W - 40, y1, color=INK)
    s.text(W / 2, y1 - 8, t["forward"], size=14, fill=INK)
    s.line(W - 40, y2, 40, y2, color=GRAD, sw=1.8, dash="6 4", head="garrow")
    s.text(W / 2, y2 + 20, t["backward"], size=14, fill=GRAD)
    # legend, one row per kind of node
    s.legend(40, 402, [(label, fill, stroke) for (fill, stroke), label in t["legend"]], swatch=(22, 16), rx=4,
             sw=1.4, row=22)
    return s


# ---------------------------------------------------------------------------
# Distributed data parallel: two processes, two shards, one averaged gradient
# ---------------------------------------------------------------------------

DDP = {
    "en": {
        "title": "Distributed data parallel with two processes",
        "data": "the samples of one step",
        "shard": ["shard of process {r}", "samples {ids}"],
        "proc": "process {r}",
        "model": "model copy",
        "grad": "local gradient g{r}",
        "allreduce": ["all-reduce:", "average (g0 + g1) / 2"],
        "step": "same optimizer step",
        "note": "Both copies start from the same weights and take the same step, so they stay identical.",
    },
    "zh": {
        "title": "两个进程的分布式数据并行",
        "data": "一步用到的全部样本",
        "shard": ["进程 {r} 的分片", "样本 {ids}"],
        "proc": "进程 {r}",
        "model": "模型副本",
        "grad": "本地梯度 g{r}",
        "allreduce": ["all-reduce：", "求平均 (g0 + g1) / 2"],
        "step": "相同的优化步",
        "note": "两份副本从相同的权重出发、迈出相同的一步，因此始终保持一致。",
    },
}


def fig_ddp(t):
    W, H = 820, 430
    s = SVG(W, H, t["title"], heads=HEADS)
    # the batch of samples on top, coloured by the process that receives them
    cols = [BLUE, TEAL]
    n, cw, gap = 8, 46, 8
    x0 = W / 2 - (n * cw + (n - 1) * gap) / 2
    s.text(W / 2, 26, t["data"], size=14, fill=MUTED)
    for i in range(n):
        c = cols[i % 2]
        s.rect(x0 + i * (cw + gap), 38, cw, 32, c[0], c[1], rx=6, sw=1.3)
        s.text(x0 + i * (cw + gap) + cw / 2, 59, str(i), size=14, fill=c[1], weight="bold")
    centres = [W * 0.27, W * 0.73]
    for r, cx in enumerate(centres):
        c = cols[r]
        ids = ", ".join(str(i) for i in range(r, n, 2))
        s.arrow(W / 2 + (r - 0.5) * 120, 74, cx, 100, color=c[1])
        s.box(cx - 140, 102, 280, 48, [l.format(r=r, ids=ids) for l in t["shard"]], c, size=13)
        s.rect(cx - 150, 168, 300, 120, "#ffffff", c[1], rx=14, sw=1.6, dash="6 4")
        s.text(cx - 138, 188, t["proc"].format(r=r), size=13, anchor="start", weight="bold", fill=c[1])
        s.box(cx - 110, 198, 220, 34, [t["model"]], GRAY, size=13)
        s.box(cx - 110, 242, 220, 34, [t["grad"].format(r=r)], (AMBER[0], GRAD), size=13,
              text_color=GRAD)
        s.arrow(cx, 150, cx, 166, color=c[1])
    # all-reduce in the middle
    s.box(W / 2 - 110, 304, 220, 50, t["allreduce"], (AMBER[0], GRAD), size=13, text_color=GRAD)
    for r, cx in enumerate(centres):
        s.arrow(cx, 290, W / 2 + (r - 0.5) * 150, 306, color=GRAD)
        s.arrow(W / 2 + (r - 0.5) * 230, 340, cx + (0.5 - r) * 40, 366, color=GRAD)
        s.text(cx + (0.5 - r) * 40, 384, t["step"], size=13, fill=INK)
    s.text(W / 2, 416, t["note"], size=13, fill=MUTED)
    return s


FIGURES = {"autograd-graph": (fig_graph, GRAPH), "ddp": (fig_ddp, DDP)}


if __name__ == "__main__":
    write_figures(FIGURES, "appendix_pytorch")
