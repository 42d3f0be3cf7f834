#!/usr/bin/env python3
"""Generate the diagrams of the Llama chapter (English and Chinese).

Run from the repository root:

    python3 images/src/ch06_figures.py

Drawn with diagrams.py beside this file, one layout function per figure and one dict of strings per
language. Shapes are SmolLM2-135M's, as in the presets of llmscratch/llama.py (30 blocks, width 576,
9 query heads and 3 key/value heads of 64, feed-forward 1,536, vocabulary 49,152, RoPE base
100,000), and GPT-2 small's. Every number shown is computed here: the normalized vectors, the
rotation angles, the cache sizes, the parameter counts, the dequantized weights. The attention figure,
which stands in the PDF for the website's attention explorer, draws the weights that a cell of the
chapter wrote to interactive/data/attention.js. Output: images/ch06/<name>-en.svg and
images/ch06/<name>-zh.svg.
"""
from __future__ import annotations

import math
import sys

from xml.sax.saxutils import escape

from diagrams import (AMBER, BLUE, GRAY, INK, LINE, MONO, MUTED, ROSE, SVG, TEAL, VIOLET, figure_data, fits,
                      math_width, mix, num, write_figures, thousands as n)

# SmolLM2-135M (LLAMA_PRESETS["smollm2-135m"] in llmscratch/llama.py)
VOCAB, CONTEXT, EMB, LAYERS, HEADS, KV_HEADS, HIDDEN, THETA = 49152, 8192, 576, 30, 9, 3, 1536, 100_000.0
HEAD_DIM = EMB // HEADS  # 64
GROUP = HEADS // KV_HEADS  # query heads per key/value head
# GPT-2 small (GPT_PRESETS["gpt2-small"] in llmscratch/gpt.py)
G_VOCAB, G_CONTEXT, G_EMB, G_LAYERS, G_HEADS = 50257, 1024, 768, 12, 12
MIB = 2 ** 20


def omega(i: int, theta: float = THETA, d: int = HEAD_DIM) -> float:
    "The angle (radians) by which pair i of a head turns per position: theta ** (-2 i / d)."
    return theta ** (-2 * i / d)


def deg(v: float) -> str:
    "Degrees with as many decimals as it takes to show three significant digits."
    if v >= 10:
        return f"{v:.1f}°"
    digits = max(1, 2 - math.floor(math.log10(v)))
    return f"{v:.{digits}f}°"


# ---------------------------------------------------------------------------
# 1. GPT-2's block next to Llama's
# ---------------------------------------------------------------------------

BLOCKS = {
    "en": {"title": "A GPT-2 small block next to a SmolLM2-135M (Llama-style) block",
           "cols": [("GPT-2 small", "124M parameters; biases in the linear layers"),
                    ("SmolLM2-135M", "135M parameters; no biases anywhere")],
           "frame": [f"block × {G_LAYERS}", f"block × {LAYERS}"],
           "next": "to the next block",
           "norm": [["LayerNorm: scale and bias"], ["RMSNorm: scale only"]],
           "att": [["multi-head attention", f"{G_HEADS} heads of {G_EMB // G_HEADS}, each with", "its own keys and values"],
                   ["grouped-query attention", f"{HEADS} query heads of {HEAD_DIM} share",
                    f"{KV_HEADS} key/value heads"]],
           "rope": "RoPE turns q and k by position",
           "ff": [["feed-forward, GELU", f"{G_EMB} → {n(4 * G_EMB)} → {G_EMB}"],
                  ["SwiGLU feed-forward", f"{EMB} → {n(HIDDEN)} (gated) → {EMB}"]],
           "tok": [["token embedding", f"{n(G_VOCAB)} × {G_EMB}"], ["token embedding", f"{n(VOCAB)} × {EMB}"]],
           "pos": ["position embedding", f"{n(G_CONTEXT)} × {G_EMB}, learned"],
           "nopos": ["no position table:", "positions enter as rotations"],
           "ids": "token ids", "positions": "positions 0, 1, 2, …",
           "legend": "Both are pre-norm, x + attention(norm(x)) then x + feed-forward(norm(x)); dropout is not drawn."},
    "zh": {"title": "GPT-2 small 的块与 SmolLM2-135M（Llama 式）的块并排对照",
           "cols": [("GPT-2 small", "1.24 亿参数；线性层带偏置"),
                    ("SmolLM2-135M", "1.35 亿参数；没有任何偏置")],
           "frame": [f"块 × {G_LAYERS}", f"块 × {LAYERS}"],
           "next": "送往下一个块",
           "norm": [["LayerNorm：缩放和偏置"], ["RMSNorm：只有缩放"]],
           "att": [["多头注意力", f"{G_HEADS} 个头，每个 {G_EMB // G_HEADS} 维，", "各有自己的键和值"],
                   ["分组查询注意力", f"{HEADS} 个 {HEAD_DIM} 维的查询头", f"共用 {KV_HEADS} 个键/值头"]],
           "rope": "RoPE 按位置旋转 q 和 k",
           "ff": [["前馈网络，GELU", f"{G_EMB} → {n(4 * G_EMB)} → {G_EMB}"],
                  ["SwiGLU 前馈网络", f"{EMB} → {n(HIDDEN)}（门控）→ {EMB}"]],
           "tok": [["词元嵌入", f"{n(G_VOCAB)} × {G_EMB}"], ["词元嵌入", f"{n(VOCAB)} × {EMB}"]],
           "pos": ["位置嵌入", f"{n(G_CONTEXT)} × {G_EMB}，可学习"],
           "nopos": ["没有位置表：", "位置以旋转的形式进入"],
           "ids": "词元 ID", "positions": "位置 0, 1, 2, …",
           "legend": "两者都是前置归一化：先 x + attention(norm(x))，再 x + feed-forward(norm(x))；图中未画出 dropout。"},
}


def fig_blocks(t):
    W, H = 1000, 700
    s = SVG(W, H, t["title"])
    stream = VIOLET[1]
    for c in (0, 1):
        x0 = 20 + c * 495
        sx, bx, bw = x0 + 66, x0 + 290, 260  # the stream, the centre and width of the sublayers
        head, sub = t["cols"][c]
        s.ftext(x0 + 230, 28, head, 460, size=17, weight="bold", where="column")
        s.ftext(x0 + 230, 48, sub, 460, size=12.5, fill=MUTED, where="column")
        s.rect(x0 + 6, 84, 454, 398, "#fbfaff", VIOLET[1], rx=12, sw=1.2, dash="6 4")
        s.ftext(x0 + 20, 474, t["frame"][c], 150, size=14, anchor="start", weight="bold", fill=stream,
                where="frame")
        # the stream, bottom to top: embeddings' sum at 510, branch points at 452 and 262, pluses at 296 and 112
        pa, pf, ba, bf = 296, 112, 452, 262
        for y_from, y_to in ((510 - 13, pa + 13), (pa - 13, pf + 13), (pf - 13, 62)):
            s.up_arrow(sx, y_from, y_to, stream)
        s.ftext(sx + 12, 72, t["next"], 200, size=12, anchor="start", fill=MUTED, where="next")
        # attention sublayer
        s.circled(sx, pa, stroke=stream)
        ny, nh = 412, 30
        s.fbox(bx - bw / 2 + 24, ny, bw - 48, nh, t["norm"][c], ("#ffffff", TEAL[1]), size=12.5, head=False)
        ay, ah = 314, 88
        if c == 0:
            s.fbox(bx - bw / 2, ay, bw, ah, t["att"][c], BLUE, size=12.5)
        else:
            s.rect(bx - bw / 2, ay, bw, ah, BLUE[0], BLUE[1], rx=10)
            for i, row in enumerate(t["att"][c]):
                size = 13.5 if i == 0 else 12.5
                s.ftext(bx, ay + 19 + 16 * i, row, bw - 14, size=size, weight="bold" if i == 0 else "normal",
                        fill=BLUE[1] if i == 0 else INK, where="attention")
            s.fbox(bx - bw / 2 + 18, ay + ah - 26, bw - 36, 20, [t["rope"]], ROSE, size=12, head=False, rx=10,
                   text_color=ROSE[1], weight="bold")  # the positions now enter here
        s.dot(sx, ba, stream)
        s.path_arrow(f"M{sx},{ba} L{bx},{ba} L{bx},{ny + nh + 2}")
        s.arrow(bx, ny, bx, ay + ah + 2)
        s.path_arrow(f"M{bx},{ay} L{bx},{pa} L{sx + 16},{pa}")
        # feed-forward sublayer
        s.circled(sx, pf, stroke=stream)
        ny, nh = 222, 30
        s.fbox(bx - bw / 2 + 24, ny, bw - 48, nh, t["norm"][c], ("#ffffff", TEAL[1]), size=12.5, head=False)
        fy, fh = 140, 56
        s.fbox(bx - bw / 2, fy, bw, fh, t["ff"][c], AMBER, size=12.5)
        s.dot(sx, bf, stream)
        s.path_arrow(f"M{sx},{bf} L{bx},{bf} L{bx},{ny + nh + 2}")
        s.arrow(bx, ny, bx, fy + fh + 2)
        s.path_arrow(f"M{bx},{fy} L{bx},{pf} L{sx + 16},{pf}")
        # below the blocks: embeddings and ids
        ey, eh, iy, ih = 540, 50, 626, 34
        tx, tw = x0 + 6, 200
        s.fbox(tx, ey, tw, eh, t["tok"][c], GRAY, size=12.5)
        s.fbox(tx + 30, iy, tw - 60, ih, [t["ids"]], ("#ffffff", GRAY[1]), size=12.5, head=False)
        s.arrow(tx + tw / 2, iy, tx + tw / 2, ey + eh + 2)
        px, pw = x0 + 250, 210
        if c == 0:
            s.circled(sx, 510, stroke=stream)
            s.fbox(px, ey, pw, eh, t["pos"], ROSE, size=12.5)
            s.fbox(px + 20, iy, pw - 40, ih, [t["positions"]], ("#ffffff", GRAY[1]), size=12.5, head=False)
            s.arrow(px + pw / 2, iy, px + pw / 2, ey + eh + 2)
            s.path_arrow(f"M{px + pw / 2},{ey} L{px + pw / 2},{510} L{sx + 16},{510}")
            s.up_arrow(sx, ey, 510 + 13, MUTED, sw=1.8)
        else:
            s.line(sx, ey, sx, 510 - 13, color=stream, sw=3)
            s.rect(px, ey, pw, eh, "#ffffff", LINE, rx=10, sw=1.2, dash="5 4")
            for i, row in enumerate(t["nopos"]):
                s.ftext(px + pw / 2, ey + 21 + 17 * i, row, pw - 14, size=12.5, fill=MUTED, where="nopos")
    s.ftext(W / 2, H - 12, t["legend"], W - 30, size=12.5, fill=MUTED, where="legend")
    return s


# ---------------------------------------------------------------------------
# 2. LayerNorm and RMSNorm on one vector (chapter 4's example vector; numbers computed here)
# ---------------------------------------------------------------------------

NORM_X = [4.0, 1.0, -2.0, 7.0, 3.0, -1.0]  # the vector of chapter 4's layer-normalization figure
EPS = 1e-5


def _mean(v):
    return sum(v) / len(v)


def _rms(v):
    return math.sqrt(sum(a * a for a in v) / len(v))


def _norm_rows():
    mu = _mean(NORM_X)
    sd = math.sqrt(_mean([(a - mu) ** 2 for a in NORM_X]))  # divided by the count, as nn.LayerNorm does
    rms = _rms(NORM_X)
    layer = [(a - mu) / math.sqrt(sd ** 2 + EPS) for a in NORM_X]
    rmsn = [a / math.sqrt(rms ** 2 + EPS) for a in NORM_X]
    return mu, sd, rms, [NORM_X, layer, rmsn]


N_MU, N_SD, N_RMS, N_ROWS = _norm_rows()
# vertical scales, pixels per unit: the input's, and a larger one shared by the two outputs
N_SCALES = (48 / max(abs(v) for v in NORM_X), 48 / max(abs(v) for row in N_ROWS[1:] for v in row))

RMSNORM = {
    "en": {"title": "LayerNorm and RMSNorm applied to the same vector",
           "rows": ["x: one token's vector, 6 features",
                    f"LayerNorm: subtract the mean {num(N_MU)}, divide by σ = {num(N_SD)}",
                    f"RMSNorm: subtract nothing, divide by rms = {num(N_RMS)}"],
           "stats": "mean {m}, rms {r}",
           "mean": "mean",
           "note": [f"rms² = mean² + variance ({num(N_RMS ** 2)} = {num(N_MU ** 2)} + {num(N_SD ** 2)}): the offset stays in the divisor and in the output.",
                    f"Then LayerNorm applies a scale and a bias (2 × {EMB} = {n(2 * EMB)} parameters at SmolLM2's width), "
                    f"RMSNorm only a scale ({EMB}).",
                    f"The two outputs are drawn at one vertical scale, {N_SCALES[1] / N_SCALES[0]:.1f} times the input's."]},
    "zh": {"title": "对同一个向量分别做 LayerNorm 和 RMSNorm",
           "rows": ["x：一个词元的向量，6 个特征",
                    f"LayerNorm：减去均值 {num(N_MU)}，再除以标准差 σ = {num(N_SD)}",
                    f"RMSNorm：什么也不减，只除以均方根 rms = {num(N_RMS)}"],
           "stats": "均值 {m}，rms {r}",
           "mean": "均值",
           "note": [f"均方根² = 均值² + 方差（{num(N_RMS ** 2)} = {num(N_MU ** 2)} + {num(N_SD ** 2)}）：偏移量留在除数里，也留在输出里。",
                    f"随后 LayerNorm 乘以缩放、加上偏置（在 SmolLM2 的宽度下共 2 × {EMB} = {n(2 * EMB)} 个参数），"
                    f"RMSNorm 只乘以缩放（{EMB} 个）。",
                    f"两个输出使用同一个纵向比例，是输入那一行的 {N_SCALES[1] / N_SCALES[0]:.1f} 倍。"]},
}


def fig_rmsnorm(t):
    W = 880
    x0, cw, gap, ch = 66, 112, 14, 118
    row_h, top = 172, 16
    H = top + 3 * row_h + 82
    s = SVG(W, H, t["title"])
    right = x0 + 6 * cw + 5 * gap
    colors = [BLUE, VIOLET, TEAL]
    for r, (vals, label, col) in enumerate(zip(N_ROWS, t["rows"], colors)):
        scale = N_SCALES[min(r, 1)]  # the two outputs share one scale
        y = top + r * row_h
        s.ftext(x0, y + 18, label, right - x0 - 190, size=14, anchor="start", weight="bold", fill=col[1],
                where="row")
        m = _mean(vals)
        s.text(right, y + 18, t["stats"].format(m=num(m), r=num(_rms(vals))), size=13, anchor="end", fill=MUTED)
        cy = y + 32
        zero = cy + 56
        for i, val in enumerate(vals):
            cx = x0 + i * (cw + gap)
            s.rect(cx, cy, cw, ch, "#ffffff", LINE, rx=8, sw=1)
            s.line(cx + 10, zero, cx + cw - 10, zero, color=LINE, sw=1)
            bh = abs(val) * scale
            by = zero - bh if val >= 0 else zero
            s.rect(cx + cw / 2 - 14, by, 28, max(bh, 0.8), col[0], col[1], rx=2, sw=1.2)
            s.text(cx + cw / 2, cy + ch - 8, num(val, 1 if r == 0 else 2), size=13.5, weight="bold")
        # the mean of the row, drawn across it: where LayerNorm's subtraction would move the zero
        my = zero - m * scale
        s.line(x0 - 4, my, right + 4, my, color=ROSE[1], sw=1.4, dash="6 4")
        s.ftext(x0 - 8, my + 4, t["mean"], x0 - 30, size=11.5, anchor="end", fill=ROSE[1], where="mean")
    # arrows: x feeds both normalizations
    ax = 12
    s.arrow(ax, top + 60, ax, top + row_h + 8, color=LINE)
    s.line(ax, top + 60, ax, top + 2 * row_h - 20, color=LINE, sw=1.8)
    s.path_arrow(f"M{ax},{top + 2 * row_h - 20} L{ax},{top + 2 * row_h + 8}", color=LINE)
    for i, txt in enumerate(t["note"]):
        s.ftext(x0, top + 3 * row_h + 16 + 20 * i, txt, W - x0 - 10, size=12.5, anchor="start", fill=INK,
                where="note")
    return s


# ---------------------------------------------------------------------------
# 3. RoPE: the pairs of a head, and three of them turning with the position
# ---------------------------------------------------------------------------

ROT_PAIRS = (0, 4, HEAD_DIM // 2 - 1)  # a fast pair, a slower one, the slowest
ROT_START = 20.0  # the angle of each pair at position 0, in degrees (any angle would do)
ROT_POSITIONS = (0, 1, 2, 3)
ROT_TURN = 2 * math.pi / omega(HEAD_DIM // 2 - 1)  # positions per turn of the slowest pair

ROTATION = {
    "en": {"title": "Rotary position embedding: pairs of a head's dimensions turn with the position",
           "head": f"one query (or key) head of SmolLM2: {HEAD_DIM} dimensions",
           "pair": "pair {i}: dims {i} and {j}",
           "panel": "pair {i}: {a} per position",
           "axes": ("dim {i}", "dim {j}"),
           "pos": "m = {m}",
           "same": "m = 0–3",
           "slow": ["positions 0 to 3 land on one point;", f"one full turn takes {n(round(ROT_TURN))} positions"],
           "note": [f"At position m, pair i turns by m · ω_i, with ω_i = θ^{{−2i/{HEAD_DIM}}} and θ = {n(int(THETA))}. "
                    "A query at m and a key at n are turned by m · ω_i and n · ω_i,",
                    "so the angle between them, and with it their score, depends only on the distance m − n."]},
    "zh": {"title": "旋转位置编码：一个头的各对维度随位置旋转",
           "head": f"SmolLM2 的一个查询头（或键头）：{HEAD_DIM} 维",
           "pair": "第 {i} 对：第 {i} 维和第 {j} 维",
           "panel": "第 {i} 对：每个位置转 {a}",
           "axes": ("第 {i} 维", "第 {j} 维"),
           "pos": "m = {m}",
           "same": "m = 0–3",
           "slow": ["位置 0 到 3 落在同一点上；", f"要经过 {n(round(ROT_TURN))} 个位置才转完一圈"],
           "note": [f"在位置 m，第 i 对转过 m · ω_i，其中 ω_i = θ^{{−2i/{HEAD_DIM}}}，θ = {n(int(THETA))}。"
                    "位置 m 上的查询转过 m · ω_i，位置 n 上的键转过 n · ω_i，",
                    "所以两者之间的夹角，连同它们的分数，只取决于距离 m − n。"]},
}


def fig_rotation(t):
    W, H = 960, 560
    s = SVG(W, H, t["title"])
    pair_cols = {ROT_PAIRS[0]: AMBER, ROT_PAIRS[1]: TEAL, ROT_PAIRS[2]: VIOLET}
    # the head as a strip of 64 cells, pair i joining dimension i and i + 32 (a gap between the halves)
    x0, y0, cw, split = 30, 50, 14, 8
    half = HEAD_DIM // 2

    def cell_x(d):
        return x0 + d * cw + (split if d >= half else 0)

    s.ftext(x0, 30, t["head"], W - 60, size=14, anchor="start", weight="bold", where="head")
    for d in range(HEAD_DIM):
        p = d % half
        fill, stroke = pair_cols[p] if p in pair_cols else ("#ffffff", LINE)
        s.rect(cell_x(d), y0, cw - 2, 22, fill, stroke, rx=2, sw=1)
    for d in (0, half - 1, half, HEAD_DIM - 1):
        s.text(cell_x(d) + (cw - 2) / 2, y0 - 4, str(d), size=10.5, fill=MUTED)
    label_y = y0 + 22 + 40 + 24
    for k, (p, depth) in enumerate(zip(ROT_PAIRS, (22, 40, 22))):
        col = pair_cols[p][1]
        xa, xb = cell_x(p) + (cw - 2) / 2, cell_x(p + half) + (cw - 2) / 2
        s.path(f"M{xa:.1f},{y0 + 23} Q{(xa + xb) / 2:.1f},{y0 + 22 + 2 * depth} {xb:.1f},{y0 + 23}", color=col,
               sw=1.6)
        label = t["pair"].format(i=p, j=p + half)
        lx, anchor = ((x0, "start"), ((xa + xb) / 2, "middle"), (cell_x(HEAD_DIM - 1) + cw - 2, "end"))[k]
        s.ftext(lx, label_y, label, 280, size=12, anchor=anchor, fill=col, weight="bold", where="pair")
    # three panels: where the pair points at positions 0 ... 3
    pw, gap, py = 292, 16, 114 + 40
    for k, p in enumerate(ROT_PAIRS):
        px = 24 + k * (pw + gap)
        fill, col = pair_cols[p]
        s.rect(px, py, pw, 318, "#fafafa", "#e5e7eb", rx=12, sw=1.1)
        step = math.degrees(omega(p))
        s.ftext(px + pw / 2, py + 24, t["panel"].format(i=p, a=deg(step)), pw - 16, size=13.5, weight="bold",
                fill=col, where="panel")
        cx, cy, r = px + pw / 2, py + 160, 96
        s.circle(cx, cy, r, fill="#ffffff", stroke=LINE, sw=1)
        s.line(cx - r - 12, cy, cx + r + 12, cy, color=LINE, sw=1)
        s.line(cx, cy + r + 12, cx, cy - r - 12, color=LINE, sw=1)
        ax_h, ax_v = (a.format(i=p, j=p + half) for a in t["axes"])
        s.text(cx + r + 10, cy + 16, ax_h, size=11, anchor="end", fill=MUTED)
        s.text(cx - 6, cy - r - 4, ax_v, size=11, anchor="end", fill=MUTED)
        angles = [math.radians(ROT_START) + m * omega(p) for m in ROT_POSITIONS]
        for j, (m, a) in enumerate(zip(ROT_POSITIONS, angles)):
            ex, ey = cx + r * math.cos(a), cy - r * math.sin(a)
            last = j == len(angles) - 1
            s.line(cx, cy, ex, ey, color=col, sw=2.2 if last else 1.1, dash=None if last else "4 3")
            s.circle(ex, ey, 4.5, fill=col if last else "#ffffff", stroke=col, sw=1.5)
            if step > 1:
                lx, ly = cx + (r + 22) * math.cos(a), cy - (r + 22) * math.sin(a)
                s.text(lx, ly + 4, t["pos"].format(m=m), size=11.5, fill=INK)
        if step > 1:  # the step from position 0 to 1, as an arc
            a0, a1 = angles[0], angles[1]
            rr = 40
            s.path(f"M{cx + rr * math.cos(a0):.1f},{cy - rr * math.sin(a0):.1f} A{rr},{rr} 0 0 0 "
                      f"{cx + rr * math.cos(a1):.1f},{cy - rr * math.sin(a1):.1f}", color=col, sw=1.6)
        else:
            a = angles[0]
            lx, ly = cx + (r + 10) * math.cos(a), cy - (r + 10) * math.sin(a)
            s.ftext(lx, ly - 6, t["same"], 60, size=11.5, anchor="start", fill=INK, where="same")
            for i, txt in enumerate(t["slow"]):
                s.ftext(px + pw / 2, py + 284 + 18 * i, txt, pw - 16, size=12, fill=col, where="slow")
    for i, txt in enumerate(t["note"]):  # with subscripts and a superscript: ω_i, θ^{...}
        if math_width(txt, 12.5) > W - 40:
            print(f"warning: note {txt!r} is wider than {W - 40} px", file=sys.stderr)
        s.math_text(24, py + 350 + 20 * i, txt, size=12.5, anchor="start", fill=INK)
    return s


# ---------------------------------------------------------------------------
# 4. Grouped-query attention: 9 query heads, 3 key/value heads
# ---------------------------------------------------------------------------


def cache_mib(kv_heads: int) -> float:
    "The KV cache of the whole model at full context in float32, MiB: keys and values of every block."
    return 2 * kv_heads * HEAD_DIM * CONTEXT * LAYERS * 4 / MIB


GQA = {
    "en": {"title": "Grouped-query attention in SmolLM2-135M: 9 query heads share 3 key/value heads",
           "q": "query {i}", "k": "key {i}", "v": "value {i}",
           "q_row": f"{HEADS} query heads of {HEAD_DIM}: {HEADS} × {HEAD_DIM} = {EMB} outputs of the projection",
           "kv_row": f"{KV_HEADS} key heads and {KV_HEADS} value heads: {KV_HEADS} × {HEAD_DIM} = {KV_HEADS * HEAD_DIM} outputs each; only these are cached",
           "group": "group {g}: query heads {a}–{b}",
           "bars": f"KV cache of all {LAYERS} blocks at {n(CONTEXT)} tokens, float32",
           "rows": [f"multi-head: {HEADS} key/value heads", f"grouped-query: {KV_HEADS} (SmolLM2)",
                    "multi-query: 1"],
           "mib": "{v} MiB"},
    "zh": {"title": "SmolLM2-135M 中的分组查询注意力：9 个查询头共用 3 个键/值头",
           "q": "查询 {i}", "k": "键 {i}", "v": "值 {i}",
           "q_row": f"{HEADS} 个 {HEAD_DIM} 维的查询头：投影输出 {HEADS} × {HEAD_DIM} = {EMB} 维",
           "kv_row": f"{KV_HEADS} 个键头和 {KV_HEADS} 个值头：各输出 {KV_HEADS} × {HEAD_DIM} = {KV_HEADS * HEAD_DIM} 维；缓存里只存它们",
           "group": "第 {g} 组：查询头 {a}–{b}",
           "bars": f"全部 {LAYERS} 个块、{n(CONTEXT)} 个词元时的 KV 缓存（float32）",
           "rows": [f"多头注意力：{HEADS} 个键/值头", f"分组查询注意力：{KV_HEADS} 个（SmolLM2）",
                    "多查询注意力：1 个"],
           "mib": "{v} MiB"},
}


def fig_gqa(t):
    W, H = 960, 470
    s = SVG(W, H, t["title"])
    cols = [BLUE, TEAL, AMBER]
    qw, qh, qgap, x0 = 84, 40, 12, 54
    qy = 44
    s.ftext(x0, qy - 12, t["q_row"], W - 2 * x0, size=13, anchor="start", fill=MUTED, where="q row")
    centres = []
    for i in range(HEADS):
        g = i // GROUP  # repeat_interleave: heads 0-2 read key/value head 0, and so on
        x = x0 + i * (qw + qgap) + (g * 14)
        centres.append(x + qw / 2)
        s.fbox(x, qy, qw, qh, [t["q"].format(i=i)], cols[g], size=12.5, head=False)
    ky, kh, kw = 176, 40, 96
    for g in range(KV_HEADS):
        gc = centres[g * GROUP + 1]
        kx, vx = gc - kw - 6, gc + 6
        s.fbox(kx, ky, kw, kh, [t["k"].format(i=g)], cols[g], size=12.5, head=False, weight="bold",
               text_color=cols[g][1])
        s.fbox(vx, ky, kw, kh, [t["v"].format(i=g)], cols[g], size=12.5, head=False, weight="bold",
               text_color=cols[g][1])
        hub = ky - 30  # the group's query heads meet here, then read the one key head and value head
        for i in range(g * GROUP, (g + 1) * GROUP):
            s.line(centres[i], qy + qh, gc, hub, color=cols[g][1], sw=1.4)
        s.dot(gc, hub, cols[g][1], r=3.5)
        s.arrow(gc, hub, kx + kw / 2, ky - 2, color=cols[g][1], sw=1.4)
        s.arrow(gc, hub, vx + kw / 2, ky - 2, color=cols[g][1], sw=1.4)
        s.ftext(gc, ky + kh + 20, t["group"].format(g=g, a=g * GROUP, b=(g + 1) * GROUP - 1), 290, size=12,
                fill=cols[g][1], where="group")
    s.ftext(x0, ky + kh + 48, t["kv_row"], W - 2 * x0, size=13, anchor="start", fill=MUTED, where="kv row")
    # the cache, for 9, 3 and 1 key/value heads
    by = 318
    s.ftext(x0, by, t["bars"], W - 2 * x0, size=13.5, anchor="start", weight="bold", where="bars")
    lx, bar0, bmax = x0, x0 + 290, 470
    full = cache_mib(HEADS)
    for k, (kv, label, col) in enumerate(zip((HEADS, KV_HEADS, 1), t["rows"], (GRAY, TEAL, GRAY))):
        y = by + 20 + k * 38
        s.ftext(lx, y + 19, label, bar0 - lx - 12, size=13, anchor="start", where="bar label",
                weight="bold" if kv == KV_HEADS else "normal")
        v = cache_mib(kv)
        s.rect(bar0, y, bmax * v / full, 26, col[0], col[1], rx=4, sw=1.2)
        s.text(bar0 + bmax * v / full + 10, y + 18, t["mib"].format(v=n(round(v))), size=13, anchor="start",
               weight="bold" if kv == KV_HEADS else "normal")
    return s


# ---------------------------------------------------------------------------
# 5. SwiGLU next to GPT-2's feed-forward network, at SmolLM2's width
# ---------------------------------------------------------------------------

GPT_FF_PARAMS = EMB * 4 * EMB + 4 * EMB + 4 * EMB * EMB + EMB  # two Linear layers with biases
SWIGLU_PARAMS = 3 * EMB * HIDDEN  # gate, up, down; no biases
GELU_HIDDEN = 4 * EMB


def silu(v: float) -> float:
    return v / (1 + math.exp(-v))


SWIGLU = {
    "en": {"title": "GPT-2's feed-forward network and SwiGLU at the same width",
           "gpt": f"GPT-2's feed-forward network at width {EMB}: {n(GPT_FF_PARAMS)} parameters, with biases",
           "glu": f"SwiGLU (SmolLM2): {n(SWIGLU_PARAMS)} parameters, no biases",
           "x": ["x", f"{EMB}"], "out": ["out", f"{EMB}"],
           "l1": ["Linear", f"{EMB} → {n(GELU_HIDDEN)}"], "gelu": ["GELU"], "l2": ["Linear", f"{n(GELU_HIDDEN)} → {EMB}"],
           "gate_up": ["gate_up: Linear", f"{EMB} → 2 × {n(HIDDEN)}"],
           "gate": ["gate", f"{n(HIDDEN)}"], "up": ["up", f"{n(HIDDEN)}"], "silu": ["SiLU"],
           "down": ["down: Linear", f"{n(HIDDEN)} → {EMB}"],
           "split": "split in two", "times": "elementwise product",
           "plot": "SiLU(x) = x · σ(x)", "off": ["a large negative gate gives about 0:", "the feature is switched off"],
           "hidden": f"hidden width {n(HIDDEN)} = {EMB} × 8/3 instead of {EMB} × 4: three matrices cost what two did"},
    "zh": {"title": "相同宽度下 GPT-2 的前馈网络与 SwiGLU",
           "gpt": f"宽度为 {EMB} 的 GPT-2 前馈网络：{n(GPT_FF_PARAMS)} 个参数，带偏置",
           "glu": f"SwiGLU（SmolLM2）：{n(SWIGLU_PARAMS)} 个参数，没有偏置",
           "x": ["x", f"{EMB}"], "out": ["输出", f"{EMB}"],
           "l1": ["Linear", f"{EMB} → {n(GELU_HIDDEN)}"], "gelu": ["GELU"], "l2": ["Linear", f"{n(GELU_HIDDEN)} → {EMB}"],
           "gate_up": ["gate_up：Linear", f"{EMB} → 2 × {n(HIDDEN)}"],
           "gate": ["门控", f"{n(HIDDEN)}"], "up": ["上投影", f"{n(HIDDEN)}"], "silu": ["SiLU"],
           "down": ["down：Linear", f"{n(HIDDEN)} → {EMB}"],
           "split": "一分为二", "times": "逐元素相乘",
           "plot": "SiLU(x) = x · σ(x)", "off": ["门控为较大的负值时输出约为 0：", "这个特征就被关掉了"],
           "hidden": f"隐藏宽度 {n(HIDDEN)} = {EMB} × 8/3，而不是 {EMB} × 4：三个矩阵的参数量与原来两个相当"},
}


def times(s, cx, cy, r=13, stroke=INK):
    "A circled times sign: the elementwise product."
    s.circle(cx, cy, r, stroke=stroke)
    k = r * 0.45
    s.line(cx - k, cy - k, cx + k, cy + k, color=stroke, sw=1.8)
    s.line(cx - k, cy + k, cx + k, cy - k, color=stroke, sw=1.8)


def fig_swiglu(t):
    W, H = 1000, 520
    s = SVG(W, H, t["title"])
    # top: GPT-2's two layers
    s.ftext(20, 28, t["gpt"], W - 40, size=14, anchor="start", weight="bold", fill=GRAY[1], where="gpt")
    y, h = 46, 50
    boxes = [(20, 80, t["x"], BLUE), (150, 190, t["l1"], GRAY), (390, 110, t["gelu"], GRAY),
             (550, 190, t["l2"], GRAY), (790, 80, t["out"], BLUE)]
    for k, (x, w, rows, col) in enumerate(boxes):
        s.fbox(x, y, w, h, rows, col, size=12.5, head=len(rows) > 1, weight="bold" if len(rows) == 1 else "normal")
        if k:
            px, pw = boxes[k - 1][0], boxes[k - 1][1]
            s.arrow(px + pw, y + h / 2, x - 2, y + h / 2)
    # below: SwiGLU
    top = 150
    s.ftext(20, top, t["glu"], W - 40, size=14, anchor="start", weight="bold", fill=AMBER[1], where="glu")
    mid, gy, uy, bh = top + 106, top + 36, top + 126, 50  # the row of x, the gate row, the up row
    s.fbox(20, mid - bh / 2, 80, bh, t["x"], BLUE, size=12.5)
    s.fbox(140, mid - bh / 2, 190, bh, t["gate_up"], AMBER, size=12.5)
    s.arrow(100, mid, 138, mid)
    gx, gw = 390, 110
    s.fbox(gx, gy, gw, bh, t["gate"], AMBER, size=12.5)
    s.fbox(gx, uy, gw, bh, t["up"], AMBER, size=12.5)
    s.path_arrow(f"M330,{mid} L355,{mid} L355,{gy + bh / 2} L{gx - 2},{gy + bh / 2}")
    s.path_arrow(f"M330,{mid} L355,{mid} L355,{uy + bh / 2} L{gx - 2},{uy + bh / 2}")
    s.ftext(362, mid + 4, t["split"], 90, size=11.5, anchor="start", fill=MUTED, where="split")
    sx_, sw_ = 550, 90
    s.fbox(sx_, gy, sw_, bh, t["silu"], ROSE, size=13, head=False, weight="bold", text_color=ROSE[1])
    s.arrow(gx + gw, gy + bh / 2, sx_ - 2, gy + bh / 2)
    tx = 700
    s.circled(tx, mid, "×", stroke=INK)
    s.path_arrow(f"M{sx_ + sw_},{gy + bh / 2} L{tx},{gy + bh / 2} L{tx},{mid - 15}")
    s.path_arrow(f"M{gx + gw},{uy + bh / 2} L{tx},{uy + bh / 2} L{tx},{mid + 15}")
    s.ftext(tx + 18, mid - 20, t["times"], 120, size=11.5, anchor="start", fill=MUTED, where="times")
    dx, dw = 750, 150
    s.fbox(dx, mid + 26, dw, bh, t["down"], AMBER, size=12.5)
    s.path_arrow(f"M{tx + 13},{mid} L{dx + dw / 2},{mid} L{dx + dw / 2},{mid + 24}")
    s.fbox(dx + dw + 20, mid + 26, 60, bh, t["out"], BLUE, size=12.5)
    s.arrow(dx + dw, mid + 26 + bh / 2, dx + dw + 18, mid + 26 + bh / 2)
    # a small plot of SiLU, the gate's activation, with values the chapter prints
    ox, oy, pw, ph = 566, 376, 300, 96  # the plot's area
    xs = [-6 + 8 * k / 80 for k in range(81)]
    lo, hi = -0.5, 2.0

    def pt(a, b):
        return ox + (a + 6) / 8 * pw, oy + ph - (b - lo) / (hi - lo) * ph

    s.rect(ox - 10, oy - 26, pw + 20, ph + 36, "#ffffff", "#e5e7eb", rx=8, sw=1)
    s.ftext(ox, oy - 8, t["plot"], pw, size=12, anchor="start", fill=ROSE[1], weight="bold", where="plot")
    zx, zy = pt(0, 0)
    s.line(ox, zy, ox + pw, zy, color=LINE, sw=1)
    s.line(zx, oy, zx, oy + ph, color=LINE, sw=1)
    s.path("M" + " L".join(f"{pt(a, silu(a))[0]:.1f},{pt(a, silu(a))[1]:.1f}" for a in xs), color=ROSE[1], sw=2)
    for a, anchor, dy in ((-6.0, "start", 16), (-1.0, "middle", 16), (1.0, "end", -4), (2.0, "end", 4)):
        px_, py_ = pt(a, silu(a))
        s.circle(px_, py_, 3, fill=ROSE[1], stroke=ROSE[1], sw=1)
        s.text(px_ + {"start": -2, "middle": 0, "end": -8}[anchor], py_ + dy, num(silu(a), 2), size=10.5,
               fill=INK, anchor=anchor)
    for i, txt in enumerate(t["off"]):
        s.ftext(ox + 2, oy + 12 + 16 * i, txt, zx - ox + 40, size=11.5, anchor="start", fill=MUTED, where="off")
    fx, fy = pt(-5.0, silu(-5.0))
    s.arrow(fx, oy + 34, fx, fy - 5, color=LINE, sw=1.2)
    s.ftext(20, H - 14, t["hidden"], W - 40, size=12.5, anchor="start", fill=INK, where="hidden")
    return s


# ---------------------------------------------------------------------------
# 6. From the GGUF file to our weights
# ---------------------------------------------------------------------------

# The first Q4_1 block of blk.0.attn_q.weight, as the chapter prints it: scale d, minimum m, and the
# first six dequantized weights, from which the 4-bit integers q = (w - m) / d are recovered here.
Q_D, Q_M = 0.1268310546875, -0.73046875
Q_W = [-0.09631348, 0.15734863, -0.09631348, -0.73046875, 1.1719971, -0.09631348]
Q_Q = [round((w - Q_M) / Q_D) for w in Q_W]
assert all(0 <= q <= 15 and abs(Q_D * q + Q_M - w) < 1e-6 for q, w in zip(Q_Q, Q_W))
FILE_MB, F32_MB = 98_362_432 / 1e6, 134_515_008 * 4 / 1e6
N_Q41, N_Q80, N_F32 = 7 * LAYERS, 1, 2 * LAYERS + 1  # seven matrices per block; the embedding; the norms
DRAWN = 8  # rows of one head drawn in the row-order panel (a head has 64)

GGUF = {
    "en": {"title": "From SmolLM2's GGUF file to the weights of LlamaModel",
           "file": "SmolLM2-135M-Instruct.Q4_1.gguf",
           "size": f"{FILE_MB:.0f} MB",
           "parts": [["header"], ["metadata: 36 keys", "hyperparameters, tokenizer,", "chat template"],
                     [f"tensors: {N_Q41 + N_Q80 + N_F32}", f"{N_Q41} Q4_1 (the block matrices)",
                      f"{N_Q80} Q8_0 (embedding), {N_F32} F32 (norms)"]],
           "s1": "1  dequantize: 32 weights per Q4_1 block",
           "block": ["d", "m", "32 × 4-bit q"], "bytes": ["2 bytes", "2 bytes", "16 bytes"],
           "rule": f"w = d · q + m,   d = {Q_D:.4f},  m = {num(Q_M, 4)}",
           "q": "q", "w": "w",
           "bits": "20 bytes for 32 weights: 5 bits per weight",
           "s2": "2  rename the tensors",
           "names": [("blk.0.attn_q.weight", "model.layers.0.self_attn.q_proj.weight"),
                     ("blk.0.ffn_gate.weight", "model.layers.0.mlp.gate_proj.weight")],
           "s3": "3  undo llama.cpp's row order in q and k, head by head",
           "cpp": "llama.cpp: a pair's rows side by side", "hf": "Hugging Face: row i pairs with i + d/2",
           "rows_note": [f"one head: {HEAD_DIM} rows, {DRAWN} drawn;",
                         f"row 2i → i, row 2i + 1 → i + {HEAD_DIM // 2}",
                         f"q_proj: {HEADS} heads, k_proj: {KV_HEADS};",
                         "v_proj and o_proj stay as they are"],
           "s4": ["4  load_llama_weights", "fuses q, k, v and gate, up", "into our Linear layers"],
           "model": ["LlamaModel", f"{F32_MB:.0f} MB in float32"]},
    "zh": {"title": "从 SmolLM2 的 GGUF 文件到 LlamaModel 的权重",
           "file": "SmolLM2-135M-Instruct.Q4_1.gguf",
           "size": f"{FILE_MB:.0f} MB",
           "parts": [["文件头"], ["元数据：36 个键", "超参数、分词器、", "对话模板"],
                     [f"张量：{N_Q41 + N_Q80 + N_F32} 个", f"{N_Q41} 个 Q4_1（各块的矩阵）",
                      f"{N_Q80} 个 Q8_0（嵌入），{N_F32} 个 F32（归一化）"]],
           "s1": "1  反量化：每个 Q4_1 块 32 个权重",
           "block": ["d", "m", "32 个 4 位整数 q"], "bytes": ["2 字节", "2 字节", "16 字节"],
           "rule": f"w = d · q + m，  d = {Q_D:.4f}，m = {num(Q_M, 4)}",
           "q": "q", "w": "w",
           "bits": "32 个权重占 20 字节：每个权重 5 位",
           "s2": "2  张量改名",
           "names": [("blk.0.attn_q.weight", "model.layers.0.self_attn.q_proj.weight"),
                     ("blk.0.ffn_gate.weight", "model.layers.0.mlp.gate_proj.weight")],
           "s3": "3  逐个头撤销 llama.cpp 对查询和键各行的重排",
           "cpp": "llama.cpp：一对的两行相邻", "hf": "Hugging Face：第 i 行与第 i + d/2 行配对",
           "rows_note": [f"一个头有 {HEAD_DIM} 行，这里画出 {DRAWN} 行；",
                         f"第 2i 行 → 第 i 行，第 2i + 1 行 → 第 i + {HEAD_DIM // 2} 行",
                         f"q_proj 有 {HEADS} 个头，k_proj 有 {KV_HEADS} 个；",
                         "v_proj 和 o_proj 保持原样"],
           "s4": ["4  load_llama_weights", "把 q、k、v 以及 gate、up", "拼进我们的 Linear 层"],
           "model": ["LlamaModel", f"float32 下 {F32_MB:.0f} MB"]},
}


def fig_gguf(t):
    W, H = 1000, 612
    s = SVG(W, H, t["title"])
    # the file
    fx, fy, fw = 20, 20, 270
    s.rect(fx, fy, fw, 250, GRAY[0], GRAY[1], rx=10)
    fits(t["file"], 11.5, fw - 12, "file", mono=True)
    s.mono(fx + fw / 2, fy + 22, t["file"], size=11.5, anchor="middle", fill=INK, weight="bold")
    s.text(fx + fw / 2, fy + 40, t["size"], size=12.5, fill=MUTED)
    y = fy + 52
    for rows, h in zip(t["parts"], (26, 70, 86)):
        s.fbox(fx + 12, y, fw - 24, h, rows, ("#ffffff", GRAY[1]), size=12, head=len(rows) > 1,
               weight="normal")
        y += h + 6
    # step 1: dequantize one block
    x1, w1 = 320, 380
    s.ftext(x1, 34, t["s1"], w1, size=14, anchor="start", weight="bold", fill=AMBER[1], where="s1")
    bx, by = x1, 50
    widths = (56, 56, 268)
    cx = bx
    for label, b, w in zip(t["block"], t["bytes"], widths):
        s.rect(cx, by, w, 32, AMBER[0], AMBER[1], rx=3, sw=1.2)
        s.ftext(cx + w / 2, by + 21, label, w - 6, size=12.5, weight="bold", where="block")
        s.ftext(cx + w / 2, by + 48, b, w, size=11, fill=MUTED, where="bytes")
        cx += w
    s.ftext(x1, by + 80, t["rule"], w1, size=12.5, anchor="start", where="rule")
    cw = 56
    ty = by + 96
    for r, (label, vals) in enumerate(((t["q"], [str(q) for q in Q_Q]),
                                      (t["w"], [num(Q_D * q + Q_M, 3) for q in Q_Q]))):
        s.text(x1 + 10, ty + 20 + r * 30, label, size=12.5, weight="bold", anchor="middle", italic=True)
        for i, v in enumerate(vals):
            s.rect(x1 + 28 + i * cw, ty + r * 30, cw - 4, 26, "#ffffff" if r == 0 else AMBER[0], AMBER[1], rx=3,
                   sw=1)
            s.text(x1 + 28 + i * cw + (cw - 4) / 2, ty + 18 + r * 30, v, size=11.5)
    s.text(x1 + 28 + 6 * cw + 4, ty + 48, "…", size=14, anchor="start", fill=MUTED)
    s.ftext(x1, ty + 86, t["bits"], w1, size=12, anchor="start", fill=MUTED, where="bits")
    s.arrow(fx + fw, 120, x1 - 12, 120)
    # step 2: rename
    x2, w2 = 730, 250
    s.ftext(x2, 34, t["s2"], w2, size=14, anchor="start", weight="bold", fill=BLUE[1], where="s2")
    for k, (a, b) in enumerate(t["names"]):
        y = 58 + k * 92
        fits(a, 11, w2, "name", mono=True)
        s.mono(x2, y, a, size=11, fill=INK)
        s.arrow(x2 + 20, y + 6, x2 + 20, y + 28, color=BLUE[1])
        first, rest = b.split(".", 3)[:3], b.split(".", 3)[3]
        s.mono(x2, y + 44, ".".join(first) + ".", size=11, fill=BLUE[1])
        fits(rest, 11, w2, "name", mono=True)
        s.mono(x2 + 14, y + 60, rest, size=11, fill=BLUE[1])
    s.arrow(x1 + w1 - 20, 120, x2 - 14, 120)
    # step 3: the row order of one head
    y3 = 322
    s.ftext(20, y3, t["s3"], 560, size=14, anchor="start", weight="bold", fill=TEAL[1], where="s3")
    rx1, rx2, rw, rh, ry = 60, 350, 150, 22, y3 + 40
    half = DRAWN // 2
    cpp_order = [r for i in range(half) for r in (i, i + half)]  # llama.cpp row 2i + b holds HF row i + b * half
    s.ftext(rx1 + rw / 2, ry - 10, t["cpp"], 250, size=12, fill=MUTED, where="cpp")
    s.ftext(rx2 + rw / 2, ry - 10, t["hf"], 300, size=12, fill=MUTED, where="hf")
    pair_cols = [BLUE, TEAL, AMBER, ROSE]
    for k, hf_row in enumerate(cpp_order):
        col = pair_cols[hf_row % half]
        s.rect(rx1, ry + k * rh, rw, rh - 3, col[0], col[1], rx=3, sw=1)
        s.text(rx1 + rw / 2, ry + k * rh + 14, str(k), size=11.5)
    for k in range(DRAWN):
        col = pair_cols[k % half]
        s.rect(rx2, ry + k * rh, rw, rh - 3, col[0], col[1], rx=3, sw=1)
        s.text(rx2 + rw / 2, ry + k * rh + 14, str(k), size=11.5)
    for k, hf_row in enumerate(cpp_order):
        col = pair_cols[hf_row % half][1]
        s.arrow(rx1 + rw + 4, ry + k * rh + 9, rx2 - 6, ry + hf_row * rh + 9, color=col, sw=1.3)
    s.line(rx2 + rw + 14, ry + 2, rx2 + rw + 14, ry + DRAWN * rh - 5, color=LINE, sw=1)
    for i, txt in enumerate(t["rows_note"]):
        s.ftext(rx2 + rw + 30, ry + 20 + 22 * i, txt, 780 - (rx2 + rw + 30), size=12, anchor="start",
                fill=INK, where="rows note")
    s.path_arrow(f"M{x2 + w2 / 2},{y + 70} L{x2 + w2 / 2},{y3 - 30} L{rx1},{y3 - 30} L{rx1},{y3 - 20}",
                 color=LINE)
    # step 4 and the model
    x4, w4 = 790, 190
    s.fbox(x4, ry + 86, w4, 70, t["s4"], VIOLET, size=12, where="s4")
    s.fbox(x4, ry + 186, w4, 50, t["model"], VIOLET, size=12.5, where="model")
    s.arrow(x4 + w4 / 2, ry + 156, x4 + w4 / 2, ry + 184, color=VIOLET[1])
    s.arrow(rx2 + rw + 14, ry + 121, x4 - 2, ry + 121)
    return s


# ---------------------------------------------------------------------------
# two heads of the website's attention explorer
# ---------------------------------------------------------------------------

ATTENTION = {
    "en": {"title": "Attention weights of two heads of SmolLM2-135M on one sentence",
           "panels": {"previous": "layer {l}, head {h}: the token just before",
                      "it_cat": "layer {l}, head {h}: “cat”, from most tokens after it"},
           "axes": ("query (the token that attends)", "key"),
           "note": "Each row sums to 1; above the diagonal the causal mask leaves 0. Weights of 0.1 and more are printed."},
    "zh": {"title": "SmolLM2-135M 的两个注意力头在同一个句子上的注意力权重",
           "panels": {"previous": "第 {l} 层第 {h} 个头：紧挨着的前一个词元",
                      "it_cat": "第 {l} 层第 {h} 个头：其后的多数词元都看向“cat”"},
           "axes": ("查询（发出注意力的词元）", "键"),
           "note": "每一行之和为 1；对角线以上被因果掩码置为 0。图中标出了不小于 0.1 的权重。"},
}


def fig_attention(t):
    data = figure_data("attention")
    toks = [tok.replace(" ", "␣") for tok in data["tokens"]]
    n, cs, left, top = len(toks), 31, 92, 128
    pw = left + n * cs + 24
    W, H = 2 * pw + 20, top + n * cs + 64
    s = SVG(W, H, t["title"])
    for k, key in enumerate(("previous", "it_cat")):
        layer, head = data["highlights"][key]
        rows = data["weights"][layer][head]
        px = 10 + k * pw
        x0 = px + left
        s.ftext(px + pw / 2, 24, t["panels"][key].format(l=layer, h=head), pw - 10, size=14, weight="bold",
                fill=BLUE[1], where="panel")
        for i, tok in enumerate(toks):
            y = top + i * cs
            s.mono(x0 - 6, y + cs / 2 + 4, tok, size=12, anchor="end")
            cx, cy = x0 + i * cs + cs / 2, top - 6
            s.parts.append(f'<text x="{cx:.1f}" y="{cy:.1f}" font-size="12" font-family="{MONO}" fill="{INK}" '
                           f'transform="rotate(-55 {cx:.1f} {cy:.1f})">{escape(tok)}</text>')
            for j in range(n):
                x = x0 + j * cs
                if j > i:
                    s.rect(x + 1, y + 1, cs - 2, cs - 2, "#f3f4f6", "#e5e7eb", rx=2, sw=0.6)
                    continue
                w = rows[i][j]
                s.rect(x + 1, y + 1, cs - 2, cs - 2, mix(BLUE[1], w), "#d1d5db", rx=2, sw=0.6)
                if w >= 0.1:
                    s.text(x + cs / 2, y + cs / 2 + 4, f"{w:.2f}".lstrip("0"), size=10,
                           fill="#ffffff" if w > 0.55 else INK)
        s.text(x0 + n * cs / 2, top + n * cs + 22, t["axes"][1] + " →", size=12.5, fill=MUTED)
        s.parts.append(f'<text x="{px + 8:.1f}" y="{top + n * cs / 2:.1f}" font-size="12.5" fill="{MUTED}" '
                       f'text-anchor="middle" transform="rotate(90 {px + 8:.1f} {top + n * cs / 2:.1f})">'
                       f'{escape(t["axes"][0])} →</text>')
    s.ftext(W / 2, H - 14, t["note"], W - 20, size=12.5, fill=MUTED, where="note")
    return s


FIGURES = {
    "blocks": (fig_blocks, BLOCKS),
    "rmsnorm": (fig_rmsnorm, RMSNORM),
    "rotation": (fig_rotation, ROTATION),
    "gqa": (fig_gqa, GQA),
    "swiglu": (fig_swiglu, SWIGLU),
    "gguf": (fig_gguf, GGUF),
    "attention": (fig_attention, ATTENTION),
}


if __name__ == "__main__":
    write_figures(FIGURES, "ch06")
