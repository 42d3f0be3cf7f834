#!/usr/bin/env python3
"""Generate the diagrams of the attention chapter (English and Chinese).

Run from the repository root:

    python3 images/src/ch03_figures.py

Drawn with diagrams.py beside this file (cell grids, colour scales, sub- and superscripts), one
layout function per figure and one dict of strings per language. Output: images/ch03/<name>-en.svg
and images/ch03/<name>-zh.svg.

The numbers are those the chapter's code prints for its six-word sentence (the hand-written
embeddings, and the projections drawn with torch.manual_seed(123)); the other figures show
shapes only, and their cells are not values.
"""
from __future__ import annotations

from diagrams import (AMBER, BLUE, GRAY, INK, LINE, MUTED, ROSE, SVG, TEAL, VIOLET, mix, num, text_width,
                      write_figures)

WORDS = ["Bright", "stars", "guide", "lost", "sailors", "home"]


# ---------------------------------------------------------------------------
# one query: scores -> softmax weights -> context vector
# ---------------------------------------------------------------------------

EMB = [[1.2, -0.3, 0.4], [1.0, 0.1, 0.6], [0.2, 0.9, -0.5], [-0.8, 0.7, 0.1], [-0.4, 1.1, 0.8], [0.1, 0.3, 1.3]]
SCORES = [-0.49, 0.19, 0.51, 1.17, 2.01, 1.33]          # emb @ emb[4]
WEIGHTS = [0.034, 0.067, 0.093, 0.179, 0.416, 0.211]    # torch.softmax(scores, dim=0)
CONTEXT = [-0.162, 0.726, 0.632]                        # weights @ emb

ONE_QUERY = {
    "en": {"title": "Attention for one query: scores, softmax weights, context vector",
           "query": "query: “sailors”", "emb": "embedding x_j", "score": "score x_j · q",
           "weight": "weight (softmax)", "ctx": "context vector", "ctx_sub": "of “sailors”",
           "sum": "Σ_j weight_j · x_j", "dot": "dot product", "soft": "softmax",
           "note": "The weights are positive and sum to 1; the context vector mixes all six embeddings."},
    "zh": {"title": "单个查询的注意力：分数、softmax 权重、上下文向量",
           "query": "查询：“sailors”", "emb": "嵌入 x_j", "score": "分数 x_j · q",
           "weight": "权重（softmax）", "ctx": "上下文向量", "ctx_sub": "对应“sailors”",
           "sum": "Σ_j 权重_j · x_j", "dot": "点积", "soft": "softmax",
           "note": "权重都为正、总和为 1；上下文向量把六个嵌入按权重混合在一起。"},
}


def fig_one_query(t):
    W, H = 960, 400
    s = SVG(W, H, t["title"])
    ex, cw, ch, rh, y0 = 130, 54, 28, 40, 110
    sx = ex + 3 * cw + 56            # score cell
    wx = sx + 70 + 70                # weight bars
    bar = 180                        # width of weight 0.5
    cx = 770                         # context vector
    # the query on top
    s.text(ex, 34, t["query"], size=14, anchor="start", weight="bold", fill=ROSE[1])
    s.math_text(ex + 3 * cw + 16, 66, "q = x_4", size=14, anchor="start", fill=ROSE[1])
    s.grid(ex, 46, 1, 3, cw, ch, ROSE, values=[[num(v) for v in EMB[4]]], size=12.5)
    for x, label in ((ex + 1.5 * cw, t["emb"]), (sx + 35, t["score"]), (wx + 60, t["weight"])):
        s.math_text(x, y0 - 14, label, size=13, weight="bold", fill=MUTED)
    for j, word in enumerate(WORDS):
        y = y0 + j * rh
        is_q = j == 4
        s.text(ex - 14, y + ch / 2 + 5, word, size=14, anchor="end", weight="bold" if is_q else "normal",
               fill=ROSE[1] if is_q else INK)
        s.grid(ex, y, 1, 3, cw, ch, ("#ffffff", BLUE[1]), values=[[num(v) for v in EMB[j]]], size=12.5)
        s.arrow(ex + 3 * cw + 6, y + ch / 2, sx - 6, y + ch / 2, color=LINE, sw=1.1)
        s.rect(sx, y, 70, ch, mix(AMBER[1], 0.08 + 0.12 * (SCORES[j] + 0.5)), AMBER[1], rx=2, sw=1)
        s.text(sx + 35, y + ch / 2 + 4.5, num(SCORES[j]), size=12.5, weight="bold")
        s.arrow(sx + 76, y + ch / 2, wx - 6, y + ch / 2, color=LINE, sw=1.1)
        bw = bar * WEIGHTS[j] / 0.5
        s.rect(wx, y + 3, bw, ch - 6, mix(TEAL[1], 0.25 + WEIGHTS[j]), TEAL[1], rx=2, sw=1)
        s.text(wx + bw + 8, y + ch / 2 + 4.5, num(WEIGHTS[j], 3), size=12.5, anchor="start",
               weight="bold" if is_q else "normal")
    # sum over the rows, into the context vector
    bx = wx + bar * max(WEIGHTS) / 0.5 + 64
    top, bot, mid = y0, y0 + 6 * rh - 12, y0 + 3 * rh - 6
    s.path(f"M{bx - 10:.0f},{top:.0f} Q{bx:.0f},{top:.0f} {bx:.0f},{top + 10:.0f} "
           f"L{bx:.0f},{mid - 10:.0f} Q{bx:.0f},{mid:.0f} {bx + 8:.0f},{mid:.0f} "
           f"Q{bx:.0f},{mid:.0f} {bx:.0f},{mid + 10:.0f} L{bx:.0f},{bot - 10:.0f} "
           f"Q{bx:.0f},{bot:.0f} {bx - 10:.0f},{bot:.0f}", color=MUTED, sw=1.4)
    s.arrow(bx + 10, mid, cx - 6, mid, color=TEAL[1], sw=1.5)
    s.text(cx + 78, mid - 44, t["ctx"], size=14, weight="bold", fill=TEAL[1])
    s.text(cx + 78, mid - 26, t["ctx_sub"], size=12.5, fill=MUTED)
    s.grid(cx, mid - ch / 2, 1, 3, 52, ch, TEAL, values=[[num(v, 3) for v in CONTEXT]], size=12, weight="bold")
    s.math_text(cx + 78, mid + ch / 2 + 22, "= " + t["sum"], size=12.5, fill=TEAL[1])
    s.text(ex - 100, H - 18, t["note"], size=13, anchor="start", fill=MUTED)
    return s


# ---------------------------------------------------------------------------
# queries, keys and values as matrix products over the whole sentence
# ---------------------------------------------------------------------------

QKV = {
    "en": {"title": "Self-attention as matrix products: projections, scores, weights, context vectors",
           "x": "X", "x_sub": "6 tokens × 3", "w": ["W_q", "W_k", "W_v"], "w_sub": "3 × 4, trained",
           "qkv": ["Q = X W_q", "K = X W_k", "V = X W_v"], "qkv_sub": "6 × 4",
           "scores": "Q K^T / √d_k", "scores_sub": "6 × 6: row i = query i", "weights": "softmax",
           "weights_sub": "each row sums to 1", "ctx": "weights · V", "ctx_sub": "6 × 4: one context vector per row",
           "note": "Every token's query is compared with every token's key; the values are what gets mixed."},
    "zh": {"title": "用矩阵乘法表示自注意力：投影、分数、权重、上下文向量",
           "x": "X", "x_sub": "6 个词元 × 3", "w": ["W_q", "W_k", "W_v"], "w_sub": "3 × 4，可训练",
           "qkv": ["Q = X W_q", "K = X W_k", "V = X W_v"], "qkv_sub": "6 × 4",
           "scores": "Q K^T / √d_k", "scores_sub": "6 × 6：第 i 行对应查询 i", "weights": "softmax",
           "weights_sub": "每行之和为 1", "ctx": "权重 · V", "ctx_sub": "6 × 4：每行一个上下文向量",
           "note": "每个词元的查询都要与所有词元的键比较；被加权混合的是值。"},
}


def fig_qkv(t):
    c = 15                           # cell size
    W, H = 1000, 510
    s = SVG(W, H, t["title"])
    cols = {"x": 40, "w": 150, "qkv": 270, "s": 470, "a": 640, "o": 840}
    ys = [60, 200, 340]              # tops of the Q, K and V rows
    colors = [BLUE, AMBER, TEAL]
    # X, vertically centred on K
    xy = ys[1] + 2 * c - 3 * c
    s.text(cols["x"] + 1.5 * c, xy - 26, t["x"], size=15, weight="bold")
    s.text(cols["x"] + 1.5 * c, xy - 10, t["x_sub"], size=11.5, fill=MUTED)
    fills = [[mix(GRAY[1], 0.15 + 0.1 * ((r + k) % 3)) for k in range(3)] for r in range(6)]
    s.grid(cols["x"], xy, 6, 3, c, c, ("#ffffff", GRAY[1]), fills=fills, sw=0.8, rx=1)
    for i, (y, col) in enumerate(zip(ys, colors)):
        wy = y + 6 * c / 2 - 1.5 * c
        s.math_text(cols["w"] + 2 * c, wy - 10, t["w"][i], size=14, weight="bold", fill=col[1])
        fills = [[mix(col[1], 0.2 + 0.12 * ((r * 2 + k) % 4)) for k in range(4)] for r in range(3)]
        s.grid(cols["w"], wy, 3, 4, c, c, ("#ffffff", col[1]), fills=fills, sw=0.8, rx=1)
        s.text(cols["w"] + 2 * c, wy + 3 * c + 16, t["w_sub"], size=11.5, fill=MUTED)
        s.path_arrow(f"M{cols['x'] + 3 * c + 4},{xy + 3 * c} C{cols['x'] + 3 * c + 40},{xy + 3 * c} "
                     f"{cols['w'] - 40},{wy + 1.5 * c} {cols['w'] - 6},{wy + 1.5 * c}", color=LINE, sw=1.2)
        s.arrow(cols["w"] + 4 * c + 6, wy + 1.5 * c, cols["qkv"] - 6, wy + 1.5 * c, color=LINE, sw=1.2)
        s.math_text(cols["qkv"] + 2 * c, y - 10, t["qkv"][i], size=14, weight="bold", fill=col[1])
        fills = [[mix(col[1], 0.25 + 0.1 * ((r + 2 * k) % 4)) for k in range(4)] for r in range(6)]
        s.grid(cols["qkv"], y, 6, 4, c, c, ("#ffffff", col[1]), fills=fills, sw=0.8, rx=1)
        s.text(cols["qkv"] + 2 * c, y + 6 * c + 16, t["qkv_sub"], size=11.5, fill=MUTED)
    # scores from Q and K
    sy = (ys[0] + ys[1]) / 2
    s.math_text(cols["s"] + 3 * c, sy - 26, t["scores"], size=14, weight="bold", fill=VIOLET[1])
    s.text(cols["s"] + 3 * c, sy - 10, t["scores_sub"], size=11.5, fill=MUTED)
    fills = [[mix(VIOLET[1], 0.12 + 0.11 * ((r * 3 + k * 5) % 5)) for k in range(6)] for r in range(6)]
    s.grid(cols["s"], sy, 6, 6, c, c, ("#ffffff", VIOLET[1]), fills=fills, sw=0.8, rx=1)
    s.path_arrow(f"M{cols['qkv'] + 4 * c + 6},{ys[0] + 3 * c} C{cols['s'] - 50},{ys[0] + 3 * c} "
                 f"{cols['s'] - 50},{sy + 2 * c} {cols['s'] - 6},{sy + 2 * c}", color=BLUE[1], sw=1.3)
    s.path_arrow(f"M{cols['qkv'] + 4 * c + 6},{ys[1] + 3 * c} C{cols['s'] - 50},{ys[1] + 3 * c} "
                 f"{cols['s'] - 50},{sy + 4 * c} {cols['s'] - 6},{sy + 4 * c}", color=AMBER[1], sw=1.3)
    # weights
    s.text(cols["a"] + 3 * c, sy - 26, t["weights"], size=14, weight="bold", fill=TEAL[1])
    s.text(cols["a"] + 3 * c, sy - 10, t["weights_sub"], size=11.5, fill=MUTED)
    fills = [[mix(TEAL[1], 0.08 + 0.5 * (((r * 3 + k * 5) % 5) / 4) ** 2) for k in range(6)] for r in range(6)]
    s.grid(cols["a"], sy, 6, 6, c, c, ("#ffffff", TEAL[1]), fills=fills, sw=0.8, rx=1)
    s.arrow(cols["s"] + 6 * c + 6, sy + 3 * c, cols["a"] - 6, sy + 3 * c, color=LINE, sw=1.2)
    # context = weights V
    oy = ys[2]
    s.math_text(cols["o"] + 2 * c, oy + 6 * c + 20, t["ctx"], size=14, weight="bold", fill=ROSE[1])
    fills = [[mix(ROSE[1], 0.2 + 0.1 * ((r * 2 + k * 3) % 4)) for k in range(4)] for r in range(6)]
    s.grid(cols["o"], oy, 6, 4, c, c, ("#ffffff", ROSE[1]), fills=fills, sw=0.8, rx=1)
    s.text(cols["o"] + 2 * c, oy + 6 * c + 38, t["ctx_sub"], size=11.5, fill=MUTED)
    s.path_arrow(f"M{cols['a'] + 6 * c + 6},{sy + 3 * c} C{cols['o'] + 2 * c},{sy + 3 * c} "
                 f"{cols['o'] + 2 * c},{oy - 60} {cols['o'] + 2 * c},{oy - 6}", color=TEAL[1], sw=1.3)
    s.arrow(cols["qkv"] + 4 * c + 6, ys[2] + 3 * c, cols["o"] - 6, ys[2] + 3 * c, color=TEAL[1], sw=1.3)
    s.text(40, H - 16, t["note"], size=13, anchor="start", fill=MUTED)
    return s


# ---------------------------------------------------------------------------
# the causal mask: scores above the diagonal become -inf, softmax gives them weight 0
# ---------------------------------------------------------------------------

QKV_SCORES = [[0.24, 0.23, -0.12, -0.13, 0.02, 0.22], [0.22, 0.19, -0.07, -0.14, -0.05, 0.11],
              [-0.11, -0.13, 0.19, 0.01, -0.14, -0.32], [-0.13, -0.15, 0.14, 0.04, -0.10, -0.26],
              [0.00, -0.05, 0.14, -0.08, -0.19, -0.27], [0.20, 0.16, -0.06, -0.14, -0.08, 0.07]]
CAUSAL = [[1.00], [0.51, 0.49], [0.30, 0.29, 0.41], [0.22, 0.22, 0.29, 0.26], [0.21, 0.20, 0.24, 0.19, 0.17],
          [0.20, 0.19, 0.15, 0.14, 0.15, 0.17]]   # softmax of the masked scores, row by row

MASK = {
    "en": {"title": "The causal mask: future scores become −∞, and softmax gives them weight 0",
           "left": "scores, masked", "left_sub": "masked_fill(future, −∞)",
           "right": "attention weights", "right_sub": "softmax, row by row",
           "query": "query", "key": "key", "sum": "sum",
           "legend": [("a key after the query: score −∞, weight 0", GRAY),
                      ("allowed: the query itself and earlier tokens", BLUE)]},
    "zh": {"title": "因果掩码：未来位置的分数变成 −∞，softmax 后权重为 0",
           "left": "加掩码后的分数", "left_sub": "masked_fill(future, −∞)",
           "right": "注意力权重", "right_sub": "逐行做 softmax",
           "query": "查询", "key": "键", "sum": "行和",
           "legend": [("查询之后的键：分数为 −∞，权重为 0", GRAY),
                      ("允许关注：查询自身及其之前的词元", BLUE)]},
}


CW, CH, Y0 = 50, 30, 96  # the cells of the masking and dropout figures' matrices, and their top


def _two_matrices(t, gap, sums=False):
    """A figure for two 6 x 6 matrices side by side, `gap` apart: their titles and column words.

    `sums` heads a column of row sums right of each. Returns the SVG and the matrices' left edges."""
    lx = 110
    rx = lx + 6 * CW + gap
    s = SVG(int(rx + 6 * CW + 80), Y0 + 6 * CH + 96, t["title"])
    for x, head, sub in ((lx, t["left"], t["left_sub"]), (rx, t["right"], t["right_sub"])):
        s.text(x + 3 * CW, 28, head, size=15, weight="bold")
        s.text(x + 3 * CW, 47, sub, size=12.5, fill=MUTED)
        for j, word in enumerate(WORDS):
            s.text(x + j * CW + CW / 2, Y0 - 10, word, size=11, fill=MUTED)
        if sums:
            s.text(x + 6 * CW + 14, Y0 - 10, t["sum"], size=11, anchor="start", fill=TEAL[1])
    return s, lx, rx


def fig_mask(t):
    cw, ch, y0 = CW, CH, Y0
    s, lx, rx = _two_matrices(t, 110)
    s.text(lx - 12, y0 - 10, t["query"] + " \\ " + t["key"], size=11, anchor="end", fill=MUTED)
    for i, word in enumerate(WORDS):
        y = y0 + i * ch
        s.text(lx - 12, y + ch / 2 + 5, word, size=13, anchor="end")
        for j in range(6):
            future = j > i
            x = lx + j * cw
            if future:
                s.rect(x, y, cw, ch, GRAY[0], LINE, rx=0, sw=0.8)
                s.text(x + cw / 2, y + ch / 2 + 4.5, "−∞", size=12, fill=MUTED)
            else:
                s.rect(x, y, cw, ch, BLUE[0], BLUE[1], rx=0, sw=0.8)
                s.text(x + cw / 2, y + ch / 2 + 4.5, num(QKV_SCORES[i][j]), size=12)
            x = rx + j * cw
            if future:
                s.rect(x, y, cw, ch, GRAY[0], LINE, rx=0, sw=0.8)
                s.text(x + cw / 2, y + ch / 2 + 4.5, "0", size=12, fill=MUTED)
            else:
                w = CAUSAL[i][j]
                s.rect(x, y, cw, ch, mix(BLUE[1], 0.1 + 0.8 * w), BLUE[1], rx=0, sw=0.8)
                s.text(x + cw / 2, y + ch / 2 + 4.5, num(w), size=12, fill="#ffffff" if w > 0.55 else INK)
        s.text(rx + 6 * cw + 14, y + ch / 2 + 4.5, "1.00", size=12, anchor="start", fill=TEAL[1])
    s.text(rx + 6 * cw + 14, y0 - 10, t["sum"], size=11, anchor="start", fill=TEAL[1])
    s.arrow(lx + 6 * cw + 16, y0 + 3 * ch, rx - 16, y0 + 3 * ch, color=MUTED, sw=1.6)
    s.text((lx + 6 * cw + rx) / 2, y0 + 3 * ch - 10, "softmax", size=12.5, fill=MUTED, italic=True)
    s.legend(lx, y0 + 6 * ch + 30, [(label, col[0], col[1] if col is BLUE else LINE) for label, col in t["legend"]])
    return s


# ---------------------------------------------------------------------------
# dropout on the attention weights
# ---------------------------------------------------------------------------

DROPPED = {(1, 2), (1, 4), (2, 4), (4, 2)}   # where nn.Dropout(p=0.3) zeroed after torch.manual_seed(123)
AFTER = [[1.43], [0.73, 0.70], [0.43, 0.42, 0.58], [0.32, 0.31, 0.42, 0.38], [0.30, 0.28, 0.00, 0.27, 0.24],
         [0.28, 0.27, 0.22, 0.20, 0.21, 0.25]]
AFTER_SUMS = [1.43, 1.43, 1.43, 1.43, 1.09, 1.43]

DROPOUT = {
    "en": {"title": "Dropout with p = 0.3 on the causal attention weights",
           "left": "attention weights", "left_sub": "rows sum to 1",
           "right": "after dropout (training)", "right_sub": "survivors × 1 / 0.7 = × 1.43",
           "sum": "sum", "arrow": "nn.Dropout(0.3)",
           "legend": [("zeroed by dropout (this draw: 4 of 36 entries; on average 30%)", ROSE),
                      ("kept and scaled by 1 / (1 − p)", BLUE)]},
    "zh": {"title": "对因果注意力权重做 p = 0.3 的 dropout",
           "left": "注意力权重", "left_sub": "每行之和为 1",
           "right": "dropout 之后（训练时）", "right_sub": "保留的项 × 1 / 0.7 = × 1.43",
           "sum": "行和", "arrow": "nn.Dropout(0.3)",
           "legend": [("被 dropout 置零（这一次抽到 36 项中的 4 项，平均为 30%）", ROSE),
                      ("保留，并乘以 1 / (1 − p)", BLUE)]},
}


def fig_dropout(t):
    cw, ch, y0 = CW, CH, Y0
    s, lx, rx = _two_matrices(t, 190, sums=True)
    for i, word in enumerate(WORDS):
        y = y0 + i * ch
        s.text(lx - 12, y + ch / 2 + 5, word, size=13, anchor="end")
        for side, (x0, rows) in enumerate(((lx, CAUSAL), (rx, AFTER))):
            for j in range(6):
                x = x0 + j * cw
                dropped = (i, j) in DROPPED
                if j > i:
                    fill, stroke, label, tf = GRAY[0], LINE, "0", MUTED
                else:
                    w = rows[i][j]
                    fill, stroke = mix(BLUE[1], 0.1 + 0.55 * min(w, 1.0)), BLUE[1]
                    label, tf = num(w), ("#ffffff" if w > 0.9 else INK)
                if side == 1 and dropped:
                    fill, stroke, label, tf = ROSE[0], ROSE[1], "0", ROSE[1]
                s.rect(x, y, cw, ch, fill, stroke, rx=0, sw=0.8)
                s.text(x + cw / 2, y + ch / 2 + 4.5, label, size=12, fill=tf,
                       weight="bold" if side == 1 and dropped else "normal")
                if side == 0 and dropped:
                    s.rect(x + 3, y + 3, cw - 6, ch - 6, "none", ROSE[1], rx=2, sw=1.3, dash="3 2")
            total = "1.00" if side == 0 else num(AFTER_SUMS[i])
            s.text(x0 + 6 * cw + 14, y + ch / 2 + 4.5, total, size=12, anchor="start",
                   fill=ROSE[1] if side == 1 and AFTER_SUMS[i] != 1.43 else TEAL[1],
                   weight="bold" if side == 1 and AFTER_SUMS[i] != 1.43 else "normal")
    ax1, ax2 = lx + 6 * cw + 62, rx - 14
    s.arrow(ax1, y0 + 3 * ch, ax2, y0 + 3 * ch, color=MUTED, sw=1.6)
    s.text((ax1 + ax2) / 2, y0 + 3 * ch - 10, t["arrow"], size=11.5, fill=MUTED)
    s.legend(lx, y0 + 6 * ch + 30,
             [(label, col[0] if col is ROSE else mix(BLUE[1], 0.35), col[1]) for label, col in t["legend"]])
    return s


# ---------------------------------------------------------------------------
# multi-head attention: one fused projection, split into heads, concatenated again
# ---------------------------------------------------------------------------

HEADS = {
    "en": {"title": "Splitting one fused projection into heads, and concatenating the heads again",
           "rows": [("one token x", ["(2, 6, 3)"]), ("self.qkv: Linear(3, 12)", ["(2, 6, 12)"]),
                    ("two heads", ["view: (2, 6, 3, 2, 2)", "permute: q, k, v", "each (2, 2, 6, 2)"]),
                    ("heads side by side", ["transpose(1, 2), reshape:", "(2, 6, 4)"])],
           "head": "head {}", "groups": ["queries", "keys", "values"],
           "attn": "softmax(q k^T / √2) v", "attn_sub": "over the 6 tokens, masked",
           "out": "out_proj: Linear(4, 4)", "final": "output (2, 6, 4)",
           "note": "Shapes of the example in the text: 2 sentences of 6 tokens, 3 input dimensions, "
                   "2 heads of 2 dimensions."},
    "zh": {"title": "把一次融合投影拆成多个头，再把各个头拼接起来",
           "rows": [("一个词元 x", ["(2, 6, 3)"]), ("self.qkv：Linear(3, 12)", ["(2, 6, 12)"]),
                    ("两个头", ["view：(2, 6, 3, 2, 2)", "permute：q、k、v", "各为 (2, 2, 6, 2)"]),
                    ("各头并排拼接", ["transpose(1, 2)、reshape：", "(2, 6, 4)"])],
           "head": "头 {}", "groups": ["查询", "键", "值"],
           "attn": "softmax(q k^T / √2) v", "attn_sub": "在 6 个词元上，加掩码",
           "out": "out_proj：Linear(4, 4)", "final": "输出 (2, 6, 4)",
           "note": "形状取自正文中的例子：2 个句子，每句 6 个词元，输入 3 维，2 个头，每个头 2 维。"},
}


def fig_heads(t):
    c = 28
    W, H = 800, 540
    s = SVG(W, H, t["title"])
    colors = [BLUE, AMBER, TEAL]
    x0 = 250
    shade = [0.55, 0.22]                          # head 0 darker, head 1 lighter
    y1, y2, y3, y4 = 30, 122, 238, 420
    hw, hh = 250, 124
    hx = [x0 - 24, x0 - 24 + hw + 26]
    for (label, shape), y in zip(t["rows"], (y1, y2, y3 + 24, y4)):
        s.text(24, y + 18, label, size=13.5, anchor="start", weight="bold")
        s.text_lines(24, y + 38, shape, size=12, anchor="start", fill=MUTED, lh=1.35)
    # row 1: the token
    s.grid(x0, y1, 1, 3, c, c, ("#ffffff", GRAY[1]), fills=[[mix(GRAY[1], 0.2)] * 3], sw=1)
    s.arrow(x0 + 1.5 * c, y1 + c + 4, x0 + 1.5 * c, y2 - 34, color=LINE, sw=1.2)
    # row 2: the fused projection, 12 numbers: queries, keys, values, each head 0 then head 1
    cell_x = []
    for g in range(3):
        gx = x0 + g * (4 * c + 14)
        for h in range(2):
            for d in range(2):
                x = gx + (2 * h + d) * c
                cell_x.append(x)
                s.rect(x, y2, c, c, mix(colors[g][1], shade[h]), colors[g][1], rx=1, sw=1)
            s.text(gx + h * 2 * c + c, y2 + c + 15, t["head"].format(h), size=11, fill=MUTED)
        s.brace(gx + 1, gx + 4 * c - 1, y2 - 6, color=colors[g][1], depth=-5)
        s.text(gx + 2 * c, y2 - 12, t["groups"][g], size=12.5, fill=colors[g][1], weight="bold")
    # row 3: the two heads
    for h in range(2):
        s.rect(hx[h], y3, hw, hh, mix(GRAY[1], 0.04), GRAY[1], rx=10, sw=1.3)
        s.text(hx[h] + 14, y3 + 22, t["head"].format(h), size=14, anchor="start", weight="bold")
        for g in range(3):
            x = hx[h] + 14 + g * (2 * c + 14)
            for d in range(2):
                s.rect(x + d * c, y3 + 34, c, c, mix(colors[g][1], shade[h]), colors[g][1], rx=1, sw=1)
            src = cell_x[g * 4 + h * 2] + c
            s.path_arrow(f"M{src:.0f},{y2 + c + 22} C{src:.0f},{y2 + c + 60} {x + c:.0f},{y3 - 30} "
                         f"{x + c:.0f},{y3 + 30}", color=colors[g][1], sw=1.1)
        s.math_text(hx[h] + 14, y3 + 90, t["attn"], size=12.5, anchor="start")
        s.text(hx[h] + 14, y3 + 108, t["attn_sub"], size=11, anchor="start", fill=MUTED)
        ox = hx[h] + hw - 14 - 2 * c
        for d in range(2):
            s.rect(ox + d * c, y3 + 78, c, 24, mix(VIOLET[1], shade[h]), VIOLET[1], rx=1, sw=1)
    # row 4: concatenated, then the output projection
    cx = x0
    for h in range(2):
        for d in range(2):
            s.rect(cx + (2 * h + d) * c, y4, c, c, mix(VIOLET[1], shade[h]), VIOLET[1], rx=1, sw=1)
        src = hx[h] + hw - 14 - c
        s.path_arrow(f"M{src:.0f},{y3 + 104} C{src:.0f},{y3 + hh + 40} {cx + (2 * h + 1) * c:.0f},{y4 - 50} "
                     f"{cx + (2 * h + 1) * c:.0f},{y4 - 4}", color=VIOLET[1], sw=1.1)
    ox = cx + 4 * c + 170
    s.arrow(cx + 4 * c + 8, y4 + c / 2, ox - 8, y4 + c / 2, color=LINE, sw=1.2)
    s.text((cx + 4 * c + ox) / 2, y4 - 8, t["out"], size=12, fill=MUTED)
    s.grid(ox, y4, 1, 4, c, c, ("#ffffff", ROSE[1]), fills=[[mix(ROSE[1], 0.3)] * 4], sw=1)
    s.text(ox + 2 * c, y4 + c + 18, t["final"], size=12.5, fill=ROSE[1], weight="bold")
    s.text(24, H - 18, t["note"], size=12.5, anchor="start", fill=MUTED)
    return s


# ---------------------------------------------------------------------------
# the KV cache during generation
# ---------------------------------------------------------------------------

STEPS = [(0, 3), (3, 1), (4, 1), (5, 1)]   # (first new position, number of new tokens): a prompt of 3, then 1 at a time

KVCACHE = {
    "en": {"title": "A KV cache of capacity 8, filled step by step during generation",
           "step": "step {}", "prompt": "prompt: tokens 0–2", "one": "new token {}",
           "new": "computed now", "new_sub": "q is used, not stored", "cache": "cache after the step", "attend": "attends to",
           "causal": "q_0 … q_2: causal",
           "length": "length {} of 8",
           "legend": [("stored by an earlier step: reused, never recomputed", GRAY),
                      ("written by this step", TEAL), ("free", None)]},
    "zh": {"title": "容量为 8 的 KV 缓存在生成过程中逐步填满",
           "step": "第 {} 步", "prompt": "提示词：词元 0–2", "one": "新词元 {}",
           "new": "本步计算", "new_sub": "q 用完即弃，不存入缓存", "cache": "本步结束后的缓存", "attend": "关注",
           "causal": "q_0 … q_2：因果关注",
           "length": "已用 {} / 8",
           "legend": [("之前的步骤存入：直接复用，不再重新计算", GRAY),
                      ("本步写入", TEAL), ("空闲", None)]},
}


def fig_kvcache(t):
    c, rh = 44, 92
    x_new, x_cache = 220, 400
    W = int(x_cache + 8 * c + 184)
    y0 = 60
    H = y0 + len(STEPS) * rh + 60
    s = SVG(W, H, t["title"])
    s.text(x_new, 24, t["new"], size=13.5, anchor="start", weight="bold", fill=MUTED)
    s.text(x_new, 42, t["new_sub"], size=11.5, anchor="start", fill=ROSE[1])
    s.text(x_cache, 24, t["cache"], size=13.5, anchor="start", weight="bold", fill=MUTED)
    for n, (start, count) in enumerate(STEPS):
        y = y0 + n * rh
        s.text(24, y + 22, t["step"].format(n + 1), size=14, anchor="start", weight="bold")
        s.text(24, y + 42, t["prompt"] if count > 1 else t["one"].format(start), size=12.5, anchor="start",
               fill=MUTED)
        # the new tokens' query, key and value
        for k in range(count):
            p = start + k
            x = x_new + k * 36
            for r, (name, col) in enumerate((("q", ROSE), ("k", BLUE), ("v", AMBER))):
                s.rect(x, y + 4 + r * 19, 30, 17, col[0], col[1], rx=3, sw=1)
                s.math_text(x + 15, y + 17 + r * 19, f"{name}_{p}", size=11.5, fill=col[1])
        s.arrow(x_new + count * 36 + 4, y + 32, x_cache - 34, y + 32, color=LINE, sw=1.1)
        # the cache: keys on top, values below
        end = start + count
        for r, (name, col) in enumerate((("K", BLUE), ("V", AMBER))):
            yy = y + 4 + r * 30
            s.text(x_cache - 12, yy + 18, name, size=13, anchor="end", weight="bold", fill=col[1])
            for p in range(8):
                x = x_cache + p * c
                if p < start:
                    s.rect(x, yy, c - 4, 26, GRAY[0], GRAY[1], rx=3, sw=1)
                    s.math_text(x + (c - 4) / 2, yy + 17, f"{name.lower()}_{p}", size=11.5, fill=GRAY[1])
                elif p < end:
                    s.rect(x, yy, c - 4, 26, TEAL[0], TEAL[1], rx=3, sw=1.4)
                    s.math_text(x + (c - 4) / 2, yy + 17, f"{name.lower()}_{p}", size=11.5, fill=TEAL[1],
                                weight="bold")
                else:
                    s.rect(x, yy, c - 4, 26, "#ffffff", LINE, rx=3, sw=1, dash="4 3")
        # what the newest query attends to
        last = end - 1
        note = f"q_{last} {t['attend']} k_0 … k_{last}" if count == 1 else t["causal"]
        s.math_text(x_cache + 8 * c + 10, y + 22, note, size=12, anchor="start", fill=ROSE[1])
        s.text(x_cache + 8 * c + 10, y + 42, t["length"].format(end), size=12, anchor="start", fill=MUTED)
    y = H - 30
    x = 24
    for label, col in t["legend"]:
        if col is None:
            s.rect(x, y - 13, 22, 17, "#ffffff", LINE, rx=3, sw=1, dash="4 3")
        else:
            s.rect(x, y - 13, 22, 17, col[0], col[1], rx=3, sw=1)
        s.text(x + 30, y, label, size=12.5, anchor="start")
        x += 30 + text_width(label, 12.5) + 28
    return s


FIGURES = {
    "one-query": (fig_one_query, ONE_QUERY),
    "qkv": (fig_qkv, QKV),
    "mask": (fig_mask, MASK),
    "dropout": (fig_dropout, DROPOUT),
    "heads": (fig_heads, HEADS),
    "kvcache": (fig_kvcache, KVCACHE),
}


if __name__ == "__main__":
    write_figures(FIGURES, "ch03")
