#!/usr/bin/env python3
"""Generate the diagrams of the GPT chapter (English and Chinese).

Run from the repository root:

    python3 images/src/ch04_figures.py

Drawn with diagrams.py beside this file, one layout function per figure and one dict of strings per
language. Shapes are GPT-2 small's (vocabulary 50,257, context 1,024, width 768, 12 heads, 12
layers, feed-forward 3,072); the numbers of the layer-normalization and top-k/top-p figures are
computed here. The sampling figure, which stands in the PDF for the website's decoding explorer, draws
the logits and probabilities that a cell of the chapter wrote to interactive/data/decoding.js. Output:
images/ch04/<name>-en.svg and <name>-zh.svg.
"""
from __future__ import annotations

import math

from diagrams import (AMBER, BLUE, GRAY, INK, LINE, MINUS, MUTED, ROSE, SVG, TEAL, VIOLET, figure_data, fits,
                      num, write_figures, thousands as n)

# GPT-2 small
VOCAB, CONTEXT, EMB, HEADS, LAYERS = 50257, 1024, 768, 12, 12
HIDDEN = 4 * EMB


# ---------------------------------------------------------------------------
# The whole model, bottom to top, with the shape of every tensor
# ---------------------------------------------------------------------------

ARCH = {
    "en": {"title": "GPT-2 small from token ids to logits, with the shape of every tensor",
           "ids": ["token ids", "(batch, tokens)"], "pos": ["positions", f"0, 1, …, tokens {MINUS} 1"],
           "tok_emb": ["token embedding", f"{n(VOCAB)} × {EMB}"],
           "pos_emb": ["position embedding", f"{n(CONTEXT)} × {EMB}"],
           "add": ["add, dropout"],
           "blocks": [f"transformer block × {LAYERS}", f"causal multi-head attention, {HEADS} heads",
                      f"feed-forward network {EMB} → {n(HIDDEN)} → {EMB}"],
           "norm": ["final layer normalization"],
           "head": ["output head", f"linear {EMB} → {n(VOCAB)}, no bias"],
           "logits": ["logits", "one score per vocabulary entry"],
           "s_ids": "(batch, tokens)", "s_emb": f"(batch, tokens, {EMB})", "s_pos": f"(tokens, {EMB})",
           "s_out": f"(batch, tokens, {n(VOCAB)})",
           "notes": {
               "logits": ["the scores at position i rank the", "candidates for the token after it"],
               "head": ["its weight is the token embedding", "matrix itself (weight tying)"],
               "blocks": ["every block keeps the shape;", "they differ only in their weights"],
               "emb": [f"at most {n(CONTEXT)} tokens, the context", "length; their two vectors are added"],
           },
           "legend": "batch and tokens vary; every other size is GPT-2 small's"},
    "zh": {"title": "GPT-2 small：从词元 ID 到 logits，标出每个张量的形状",
           "ids": ["词元 ID", "(批次, 词元数)"], "pos": ["位置", f"0, 1, …, 词元数 {MINUS} 1"],
           "tok_emb": ["词元嵌入", f"{n(VOCAB)} × {EMB}"],
           "pos_emb": ["位置嵌入", f"{n(CONTEXT)} × {EMB}"],
           "add": ["相加，dropout"],
           "blocks": [f"Transformer 块 × {LAYERS}", f"因果多头注意力，{HEADS} 个头",
                      f"前馈网络 {EMB} → {n(HIDDEN)} → {EMB}"],
           "norm": ["最后的层归一化"],
           "head": ["输出头", f"线性层 {EMB} → {n(VOCAB)}，无偏置"],
           "logits": ["logits", "词表中每个条目一个分数"],
           "s_ids": "(批次, 词元数)", "s_emb": f"(批次, 词元数, {EMB})", "s_pos": f"(词元数, {EMB})",
           "s_out": f"(批次, 词元数, {n(VOCAB)})",
           "notes": {
               "logits": ["位置 i 上的分数，为紧随其后的", "那个词元的各个候选排序"],
               "head": ["它的权重就是词元嵌入矩阵本身", "（权重共享）"],
               "blocks": ["每个块都保持形状不变，", "各块之间只是权重不同"],
               "emb": [f"最多 {n(CONTEXT)} 个词元，即上下文长度；", "两个向量逐位相加"],
           },
           "legend": "批次和词元数可变；其余尺寸均为 GPT-2 small 的实际取值"},
}


def fig_architecture(t):
    W, H = 880, 660
    s = SVG(W, H, t["title"])
    x0, cw, cx = 40, 410, 245  # the column of layers and its centre
    nx = 490  # the column of notes
    rows = {"logits": (20, 48), "head": (110, 48), "norm": (200, 38), "blocks": (282, 78), "add": (404, 36),
            "emb": (482, 50), "ids": (580, 50)}
    y, h = rows["logits"]
    s.fbox(x0, y, cw, h, t["logits"], ROSE, size=13)
    y, h = rows["head"]
    s.fbox(x0, y, cw, h, t["head"], AMBER, size=13)
    y, h = rows["norm"]
    s.fbox(x0, y, cw, h, t["norm"], TEAL, size=13, head=False, weight="bold", text_color=TEAL[1])
    y, h = rows["blocks"]
    s.stack_shadows(x0, y, cw, h, VIOLET, copies=2, sw=0.9)  # a stack of identical blocks
    s.fbox(x0, y, cw, h, t["blocks"], VIOLET, size=13)
    y, h = rows["add"]
    s.fbox(x0 + 60, y, cw - 120, h, t["add"], GRAY, size=13, head=False)
    y, h = rows["emb"]
    half = (cw - 20) / 2
    s.fbox(x0, y, half, h, t["tok_emb"], BLUE, size=13)
    s.fbox(x0 + half + 20, y, half, h, t["pos_emb"], BLUE, size=13)
    y, h = rows["ids"]
    s.fbox(x0, y, half, h, t["ids"], GRAY, size=13)
    s.fbox(x0 + half + 20, y, half, h, t["pos"], GRAY, size=13)

    def up(x, lower, upper, label=None):
        "An arrow from the top of row `lower` to the bottom of row `upper`, with a shape beside it."
        y1 = rows[lower][0] - (10 if lower == "blocks" else 0)
        y2 = rows[upper][0] + rows[upper][1]
        s.arrow(x, y1, x, y2 + 2)
        if label:
            fits(label, 12, 200, "shape", mono=True)
            s.mono(x + 10, (y1 + y2) / 2 + 4, label, size=12, fill=MUTED)

    up(cx, "head", "logits", t["s_out"])
    up(cx, "norm", "head", t["s_emb"])
    up(cx, "blocks", "norm", t["s_emb"])
    up(cx, "add", "blocks", t["s_emb"])
    left_c, right_c = x0 + half / 2, x0 + half + 20 + half / 2
    up(left_c, "emb", "add", t["s_emb"])
    up(right_c, "emb", "add", t["s_pos"])
    up(left_c, "ids", "emb")
    up(right_c, "ids", "emb")
    # notes, each level with its row
    for key, row in (("logits", "logits"), ("head", "head"), ("blocks", "blocks"), ("emb", "emb")):
        y, h = rows[row]
        lines = t["notes"][key]
        for i, txt in enumerate(lines):
            s.ftext(nx, y + h / 2 - 9 * (len(lines) - 1) + 5 + 18 * i, txt, W - nx - 16, size=12.5,
                    anchor="start", fill=MUTED, where="note")
    s.ftext(W - 16, H - 10, t["legend"], W - 40, size=12, anchor="end", fill=MUTED, where="legend")
    return s


# ---------------------------------------------------------------------------
# Layer normalization of one vector, step by step (numbers computed here)
# ---------------------------------------------------------------------------

LN_X = [4.0, 1.0, -2.0, 7.0, 3.0, -1.0]
LN_EPS = 1e-5


def _ln_rows():
    mu = sum(LN_X) / len(LN_X)
    var = sum((v - mu) ** 2 for v in LN_X) / len(LN_X)  # divided by the count, as nn.LayerNorm does
    centred = [v - mu for v in LN_X]
    normed = [c / math.sqrt(var + LN_EPS) for c in centred]
    nvar = sum(v * v for v in normed) / len(normed)
    return mu, var, [(LN_X, mu, var, 1), (centred, 0.0, var, 2), (normed, 0.0, nvar, 2)]


LN_MU, LN_VAR, _ = _ln_rows()

LAYERNORM = {
    "en": {"title": "Layer normalization of one token's vector",
           "rows": ["x: one token's vector, 6 features", f"x {MINUS} μ: subtract the mean",
                    "x̂ = (x − μ) / √(σ² + ε): divide by the standard deviation"],
           "stats": "mean {m}, variance {v}",
           "feature": "feature {i}",
           "note": ["Last, γ ⊙ x̂ + β: a learned scale γ and shift β for each feature (nn.LayerNorm starts",
                    "them at 1 and 0). Each token is normalized on its own; GPT-2 small's vectors have 768 features."]},
    "zh": {"title": "对一个词元的向量做层归一化",
           "rows": ["x：一个词元的向量，6 个特征", f"x {MINUS} μ：减去均值",
                    "x̂ = (x − μ) / √(σ² + ε)：除以标准差"],
           "stats": "均值 {m}，方差 {v}",
           "feature": "特征 {i}",
           "note": ["最后计算 γ ⊙ x̂ + β：每个特征各有一个可学习的缩放 γ 和平移 β（nn.LayerNorm 把它们初始化为 1 和 0）。",
                    "每个词元单独归一化；GPT-2 small 的向量有 768 个特征。"]},
}


def fig_layernorm(t):
    _, _, rows = _ln_rows()
    W = 840
    x0, cw, gap, ch = 40, 112, 14, 118
    row_h, top = 172, 16
    H = top + 3 * row_h + 58
    s = SVG(W, H, t["title"])
    right = x0 + 6 * cw + 5 * gap
    scale = 48 / max(abs(v) for v in LN_X)  # one scale for all rows: the shrinking is the point
    colors = [BLUE, VIOLET, TEAL]
    for r, ((vals, m, v, digits), label, col) in enumerate(zip(rows, t["rows"], colors)):
        y = top + r * row_h
        s.ftext(x0, y + 18, label, right - x0 - 200, size=14.5, anchor="start", weight="bold",
                fill=col[1], where="row")
        s.text(right, y + 18, t["stats"].format(m=num(m), v=num(v)), size=13, anchor="end", fill=MUTED)
        cy = y + 32
        for i, val in enumerate(vals):
            cx = x0 + i * (cw + gap)
            s.rect(cx, cy, cw, ch, "#ffffff", LINE, rx=8, sw=1)
            zero = cy + 56
            s.line(cx + 10, zero, cx + cw - 10, zero, color=LINE, sw=1)
            bh = abs(val) * scale
            by = zero - bh if val >= 0 else zero
            s.rect(cx + cw / 2 - 14, by, 28, max(bh, 0.8), col[0], col[1], rx=2, sw=1.2)
            s.text(cx + cw / 2, cy + ch - 8, num(val, digits), size=13.5, weight="bold")
        if r < 2:
            s.arrow(x0 - 18, y + 56, x0 - 18, y + row_h + 8, color=LINE)
    for i, txt in enumerate(t["note"]):
        s.ftext(x0, top + 3 * row_h + 14 + 20 * i, txt, W - x0 - 12, size=13, anchor="start", fill=INK,
                where="note")
    return s


# ---------------------------------------------------------------------------
# One transformer block and its residual stream
# ---------------------------------------------------------------------------

BLOCK = {
    "en": {"title": "One transformer block: two sublayers read the residual stream and add to it",
           "out": ["to the next block", "(or the final norm)"], "inp": ["from the previous block", "(or the embeddings)"],
           "stream": "residual stream", "shape": f"(batch, tokens, {EMB})",
           "ln": ["layer normalization"], "drop": ["dropout"],
           "att": ["multi-head attention", f"causal, {HEADS} heads of {EMB // HEADS}"],
           "ff": ["feed-forward network", f"{EMB} → {n(HIDDEN)}, GELU, → {EMB}"],
           "n_att": ["moves information between positions:", "each token sees itself and the", "tokens before it"],
           "n_ff": ["works on each position alone;", f"hidden width 4 × {EMB} = {n(HIDDEN)}"],
           "n_ln": ["pre-norm: each sublayer reads a", "normalized copy; the stream itself", "is never normalized"],
           "n_add": "the sublayer's output is added"},
    "zh": {"title": "一个 Transformer 块：两个子层读取残差流，再把结果加回去",
           "out": ["送往下一个块", "（或最后的归一化）"], "inp": ["来自上一个块", "（或嵌入层）"],
           "stream": "残差流", "shape": f"(批次, 词元数, {EMB})",
           "ln": ["层归一化"], "drop": ["dropout"],
           "att": ["多头注意力", f"因果，{HEADS} 个头，每个 {EMB // HEADS} 维"],
           "ff": ["前馈网络", f"{EMB} → {n(HIDDEN)}，GELU，→ {EMB}"],
           "n_att": ["在不同位置之间传递信息：", "每个词元只看得到自己", "和它之前的词元"],
           "n_ff": ["逐个位置单独计算；", f"隐藏层宽度 4 × {EMB} = {n(HIDDEN)}"],
           "n_ln": ["前置归一化：子层读取的是", "归一化后的副本，残差流", "本身从不被归一化"],
           "n_add": "子层的输出加回残差流"},
}


def fig_block(t):
    W, H = 880, 700
    s = SVG(W, H, t["title"])
    sx, bx, bw = 220, 450, 240  # the stream, the centre and width of the sublayer column
    nx = bx + bw / 2 + 26
    stream = VIOLET[1]
    s.fbox(sx - 110, 12, 220, 48, t["out"], GRAY, size=13, head=False)
    s.fbox(sx - 110, 626, 220, 48, t["inp"], GRAY, size=13, head=False)
    # two sublayers: (plus, dropout, sublayer, norm, branch point) from top to bottom
    layers = [(108, (126, 28), (170, 62), (252, 30), 318, t["ff"], AMBER, t["n_ff"]),
              (378, (396, 28), (440, 62), (522, 30), 588, t["att"], TEAL, t["n_att"])]
    for y_from, y_to in ((626, 378 + 13), (378 - 13, 108 + 13), (108 - 13, 60)):  # the stream, upwards
        s.up_arrow(sx, y_from, y_to, stream)
    for py, (dy, dh), (ly, lh), (ny, nh), by, rows, col, note in layers:
        s.circled(sx, py, stroke=stream)
        s.fbox(bx - bw / 2 + 40, dy, bw - 80, dh, t["drop"], GRAY, size=12.5, head=False)
        s.fbox(bx - bw / 2, ly, bw, lh, rows, col, size=13)
        s.fbox(bx - bw / 2 + 20, ny, bw - 40, nh, t["ln"], ("#ffffff", TEAL[1]), size=12.5, head=False)
        s.dot(sx, by, stream)
        s.path_arrow(f"M{sx},{by} L{bx},{by} L{bx},{ny + nh + 2}")
        s.arrow(bx, ny, bx, ly + lh + 2)
        s.arrow(bx, ly, bx, dy + dh + 2)
        s.path_arrow(f"M{bx},{dy} L{bx},{py} L{sx + 16},{py}")
        for i, txt in enumerate(note):
            s.ftext(nx, ly + lh / 2 - 9 * (len(note) - 1) + 5 + 18 * i, txt, W - nx - 10, size=12.5,
                    anchor="start", fill=MUTED, where="note")
    for i, txt in enumerate(t["n_ln"]):
        s.ftext(nx, 537 + 18 * i, txt, W - nx - 10, size=12.5, anchor="start", fill=MUTED, where="note")
    s.ftext((sx + bx) / 2 + 8, 378 - 8, t["n_add"], bx - sx - 30, size=12, fill=MUTED, where="add")
    s.ftext(sx - 18, 250, t["stream"], sx - 30, size=15, anchor="end", weight="bold", fill=stream,
            where="stream")
    fits(t["shape"], 12, sx - 30, "shape", mono=True)
    s.mono(sx - 18, 272, t["shape"], size=12, anchor="end", fill=MUTED)
    return s


# ---------------------------------------------------------------------------
# Weight tying: one matrix, used at both ends
# ---------------------------------------------------------------------------

TYING = {
    "en": {"title": "Weight tying: the token embedding matrix is also the output head",
           "matrix": f"E: {n(VOCAB)} × {EMB}", "left": "as token embedding: look up one row",
           "right": "as output head: score every row",
           "id": ["token id 7850", "(“ river”)"], "id_note": ["row 7850 is the token's vector,", f"{EMB} numbers for the first block"],
           "h": ["final hidden state h", f"{EMB} numbers, after the final norm"],
           "logits": ["logits E h", f"{n(VOCAB)} scores; “ river” gets", "h · row 7850"],
           "row": "row 7850",
           "one": "one tensor, two uses",
           "count": f"{n(VOCAB * EMB)} parameters, stored once",
           "untied": f"Untied, the head would be a second {n(VOCAB)} × {EMB} matrix: GPT-2 small would have 31% more parameters."},
    "zh": {"title": "权重共享：词元嵌入矩阵同时充当输出头",
           "matrix": f"E：{n(VOCAB)} × {EMB}", "left": "作为词元嵌入：取出一行",
           "right": "作为输出头：给每一行打分",
           "id": ["词元 ID 7850", "（“ river”）"], "id_note": ["第 7850 行就是该词元的向量，", f"{EMB} 个数，送入第一个块"],
           "h": ["最终隐藏状态 h", f"{EMB} 个数，经过最后的归一化"],
           "logits": ["logits E h", f"{n(VOCAB)} 个分数；“ river”", "的分数是 h · 第 7850 行"],
           "row": "第 7850 行",
           "one": "一个张量，两种用途",
           "count": f"{n(VOCAB * EMB)} 个参数，只存一份",
           "untied": f"若不共享，输出头就是另一个 {n(VOCAB)} × {EMB} 的矩阵，GPT-2 small 的参数会多出 31%。"},
}


def fig_tying(t):
    W, H = 920, 400
    s = SVG(W, H, t["title"])
    mx, my, mw, mh = 385, 64, 150, 236
    ry = my + 84  # the highlighted row
    s.text(mx + mw / 2, my - 14, t["matrix"], size=15, weight="bold", fill=VIOLET[1])
    s.rect(mx, my, mw, mh, VIOLET[0], VIOLET[1], rx=4, sw=1.6)
    for k in range(1, int(mh // 12)):
        s.line(mx + 1, my + 12 * k, mx + mw - 1, my + 12 * k, color="#ddd6fe", sw=0.8)
    s.rect(mx, ry, mw, 12, AMBER[0], AMBER[1], rx=2, sw=1.6)
    s.ftext(mx + mw / 2, my + mh + 24, t["one"], 260, size=14, weight="bold")
    s.ftext(mx + mw / 2, my + mh + 44, t["count"], 300, size=12.5, fill=MUTED)
    # left: the embedding looks up a row
    s.ftext(30, 40, t["left"], mx - 50, size=14, anchor="start", weight="bold", fill=BLUE[1], where="left")
    s.fbox(30, ry - 24, 220, 60, t["id"], BLUE, size=13.5, head=False)
    s.arrow(250, ry + 6, mx - 2, ry + 6, color=BLUE[1])
    s.ftext((250 + mx) / 2, ry - 4, t["row"], mx - 260, size=12, fill=BLUE[1], where="row")
    for i, txt in enumerate(t["id_note"]):
        s.ftext(30, ry + 70 + 19 * i, txt, mx - 50, size=12.5, anchor="start", fill=MUTED, where="id note")
    # right: the head scores every row against h
    rx = mx + mw + 80
    s.ftext(rx, 40, t["right"], W - rx - 10, size=14, anchor="start", weight="bold", fill=AMBER[1],
            where="right")
    s.fbox(rx, 74, 280, 54, t["h"], GRAY, size=13, head=True)
    bk = mx + mw + 16  # a bracket along the whole matrix: h meets every row
    s.path(f"M{bk - 8},{my} L{bk},{my} L{bk},{my + mh} L{bk - 8},{my + mh}", color=AMBER[1], sw=1.6)
    s.arrow(rx, 101, bk + 2, 101)
    s.fbox(rx, 196, 280, 78, t["logits"], AMBER, size=13, head=True)
    s.arrow(bk, 235, rx - 2, 235, color=AMBER[1])
    s.ftext(W / 2, H - 14, t["untied"], W - 30, size=12.5, fill=MUTED, where="untied")
    return s


# ---------------------------------------------------------------------------
# The generation loop
# ---------------------------------------------------------------------------

GENERATE = {
    "en": {"title": "Generating text: score, choose, append, repeat",
           "ids": ["token ids so far", "(batch, n)", f"the last m = min(n, {n(CONTEXT)}) are read"],
           "model": ["GPT model", "forward pass"],
           "logits": ["logits", f"(batch, m, {n(VOCAB)})"],
           "last": ["last position only", f"(batch, {n(VOCAB)})"],
           "pick": ["choose one id per row", "greedy: the largest logit", "or sample: temperature, top-k, top-p"],
           "append": ["append it", "(batch, n + 1)"],
           "again": "next step",
           "note": "repeated max_new_tokens times, or until every row has produced the end-of-text id"},
    "zh": {"title": "生成文本：打分、选择、追加，再重复",
           "ids": ["已有的词元 ID", "(批次, n)", f"读入最后 m = min(n, {n(CONTEXT)}) 个"],
           "model": ["GPT 模型", "前向传播"],
           "logits": ["logits", f"(批次, m, {n(VOCAB)})"],
           "last": ["只取最后一个位置", f"(批次, {n(VOCAB)})"],
           "pick": ["每行选出一个 ID", "贪心：取最大的 logit", "或采样：温度、top-k、top-p"],
           "append": ["追加到序列末尾", "(批次, n + 1)"],
           "again": "下一步",
           "note": "重复 max_new_tokens 次，或直到每一行都生成了文本结束词元"},
}


def fig_generation(t):
    W, H = 900, 350
    s = SVG(W, H, t["title"])
    y1, h1, y2, h2 = 30, 80, 196, 84
    s.fbox(30, y1, 250, h1, t["ids"], BLUE, size=13)
    s.fbox(360, y1 + 8, 170, h1 - 16, t["model"], VIOLET, size=13)
    s.fbox(620, y1 + 8, 240, h1 - 16, t["logits"], ROSE, size=13)
    s.fbox(620, y2 + 10, 240, h2 - 20, t["last"], ROSE, size=13)
    s.fbox(300, y2, 280, h2, t["pick"], AMBER, size=13)
    s.fbox(30, y2 + 10, 220, h2 - 20, t["append"], TEAL, size=13)
    mid1, mid2 = y1 + h1 / 2, y2 + h2 / 2
    s.arrow(280, mid1, 358, mid1)
    s.arrow(530, mid1, 618, mid1)
    s.arrow(740, y1 + h1 - 8, 740, y2 + 8)
    s.arrow(620, mid2, 582, mid2)
    s.arrow(300, mid2, 252, mid2)
    s.arrow(140, y2 + 10, 140, y1 + h1 + 2, color=TEAL[1])
    s.ftext(150, (y1 + h1 + y2 + 10) / 2 + 5, t["again"], 200, size=12.5, anchor="start", fill=TEAL[1])
    s.ftext(W / 2, H - 22, t["note"], W - 40, size=13, fill=MUTED, where="note")
    return s


# ---------------------------------------------------------------------------
# Top-k and top-p cutting one distribution (the six candidates of the chapter, computed here)
# ---------------------------------------------------------------------------

WORDS = ["sea", "shore", "harbor", "storm", "moon", "soup"]
LOGITS = [3.0, 2.4, 1.8, 0.9, 0.0, -1.5]  # toy_logits of the chapter's sampling section
TOP_K, TOP_P = 3, 0.7


def softmax(xs):
    m = max(xs)
    e = [math.exp(x - m) for x in xs]
    return [v / sum(e) for v in e]


def cut(probs, keep):
    kept = [p if k else 0.0 for p, k in zip(probs, keep)]
    return [p / sum(kept) for p in kept]


def distributions():
    "The full distribution, after top-k and after top-p (the rule of sample_next), and top-p's running sums."
    p = softmax(LOGITS)  # already sorted from the likeliest down
    top_k = cut(p, [i < TOP_K for i in range(len(p))])
    before = [sum(p[:i]) for i in range(len(p))]  # mass of the likelier candidates
    top_p = cut(p, [b < TOP_P for b in before])
    return p, top_k, top_p


P_FULL, P_K, P_P = distributions()
N_P = sum(v > 0 for v in P_P)


def _fmt(v):
    return f"{v:.3f}".lstrip("0") if v > 0 else "0"


CUTOFFS = {
    "en": {"title": "Top-k and top-p cutting the same distribution",
           "panels": [("temperature 1", "the full distribution"), (f"top-k, k = {TOP_K}", f"keep the {TOP_K} likeliest"),
                      (f"top-p, p = {TOP_P}", f"keep the likeliest until they hold {TOP_P}")],
           "cuts": [None, f"k = {TOP_K}", f"p = {TOP_P}"],
           "notes": [["softmax of the logits", "3.0, 2.4, 1.8, 0.9, 0.0, −1.5"],
                     ["the rest get 0; the kept three", "are rescaled to sum to 1"],
                     [(f"{P_FULL[0]:.2f} < {TOP_P}, {P_FULL[0]:.2f} + {P_FULL[1]:.2f} = "
                       f"{P_FULL[0] + P_FULL[1]:.2f} ≥ {TOP_P}:"), f"{N_P} kept, rescaled to sum to 1"]]},
    "zh": {"title": "top-k 与 top-p 截断同一个分布",
           "panels": [("温度 1", "完整的分布"), (f"top-k，k = {TOP_K}", f"保留最可能的 {TOP_K} 个"),
                      (f"top-p，p = {TOP_P}", f"从最可能的起，累计到 {TOP_P} 为止")],
           "cuts": [None, f"k = {TOP_K}", f"p = {TOP_P}"],
           "notes": [["对 logits 做 softmax：", "3.0, 2.4, 1.8, 0.9, 0.0, −1.5"],
                     ["其余的概率记为 0；保留的三个", "重新缩放，使总和为 1"],
                     [(f"{P_FULL[0]:.2f} < {TOP_P}，{P_FULL[0]:.2f} + {P_FULL[1]:.2f} = "
                       f"{P_FULL[0] + P_FULL[1]:.2f} ≥ {TOP_P}："), f"保留 {N_P} 个，重新缩放使总和为 1"]]},
}


def fig_cutoffs(t):
    pw, gap, x0 = 292, 22, 20
    W, H = x0 * 2 + 3 * pw + 2 * gap, 400
    s = SVG(W, H, t["title"])
    base, top = 292, 96
    scale = (base - top) / 0.7
    bw, bgap = 34, 12
    for k, (dist, (head, sub), cutlabel, note, col) in enumerate(
            zip((P_FULL, P_K, P_P), t["panels"], t["cuts"], t["notes"], (BLUE, TEAL, AMBER))):
        px = x0 + k * (pw + gap)
        s.rect(px, 12, pw, H - 24, "#fafafa", "#e5e7eb", rx=12, sw=1.1)
        s.ftext(px + pw / 2, 40, head, pw - 20, size=15, weight="bold", fill=col[1], where="panel")
        s.ftext(px + pw / 2, 60, sub, pw - 20, size=12.5, fill=MUTED, where="panel")
        bx0 = px + (pw - (6 * bw + 5 * bgap)) / 2
        s.line(bx0 - 6, base, bx0 + 6 * bw + 5 * bgap + 6, base, color=INK, sw=1)
        kept = sum(v > 0 for v in dist)
        for i, (word, v) in enumerate(zip(WORDS, dist)):
            bx = bx0 + i * (bw + bgap)
            if v > 0:
                s.rect(bx, base - v * scale, bw, v * scale, col[0], col[1], rx=2, sw=1.3)
                s.text(bx + bw / 2, base - v * scale - 6, _fmt(v), size=11.5, weight="bold")
            else:  # cut: a dashed outline where the candidate stood
                h = P_FULL[i] * scale
                s.rect(bx, base - h, bw, h, "#ffffff", LINE, rx=2, sw=1, dash="3 3")
                s.text(bx + bw / 2, base - h - 6, "0", size=11.5, fill=MUTED)
            s.text(bx + bw / 2, base + 17, word, size=12)
        if cutlabel:
            cx = bx0 + kept * (bw + bgap) - bgap / 2
            s.line(cx, top - 6, cx, base + 4, color=col[1], sw=1.6, dash="5 3")
            s.text(cx + 6, top + 2, cutlabel, size=12.5, anchor="start", weight="bold", fill=col[1])
        for i, txt in enumerate(note):
            s.ftext(px + pw / 2, base + 48 + 19 * i, txt, pw - 16, size=12.5, fill=INK, where="note")
    return s


# ---------------------------------------------------------------------------
# the decoding explorer of the website, at its starting position
# ---------------------------------------------------------------------------

SHOWN = 16  # candidates drawn per prompt, of the 40 stored

SAMPLING = {
    "en": {"title": "Top-p on a trained model's next-token distribution, after two prompts",
           "sub": "SmolLM2-135M, temperature {T:g}, top-p {p:g}: {k} of {n} kept",
           "more": "{m} more candidates: {kept} kept, {cut} cut",
           "cut": "cut", "legend": [("kept (rescaled to sum to 1)", BLUE), ("cut: its probability before the cut", GRAY)]},
    "zh": {"title": "一个训练好的模型在两个提示词之后的下一词元分布，经 top-p 截断",
           "sub": "SmolLM2-135M，温度 {T:g}，top-p {p:g}：{n} 个中保留 {k} 个",
           "more": "另有 {m} 个候选：保留 {kept} 个，截掉 {cut} 个",
           "cut": "截断", "legend": [("保留（重新缩放，总和为 1）", BLUE), ("截掉：截断之前的概率", GRAY)]},
}


def fig_sampling(t):
    data = figure_data("decoding")
    T, p = data["settings"]["temperature"], data["settings"]["top_p"]
    pw, gap, x0, rh = 440, 24, 20, 21
    W = 2 * pw + gap + 2 * x0
    top = 74
    H = top + (SHOWN + 1) * rh + 70
    s = SVG(W, H, t["title"])

    def softmax(logits):  # at the temperature, before top-p
        m = max(v / T for v in logits)
        e = [math.exp(v / T - m) for v in logits]
        return [v / sum(e) for v in e]

    bw = pw - 160
    scale = bw / max(max(pr["probs"] + softmax(pr["logits"])) for pr in data["prompts"])  # one scale for both
    for k, prompt in enumerate(data["prompts"]):
        px = x0 + k * (pw + gap)
        probs, n, before = prompt["probs"], len(prompt["probs"]), softmax(prompt["logits"])
        kept = sum(v > 0 for v in probs)
        s.ftext(px + pw / 2, 26, prompt["text"] + " …", pw, size=14.5, weight="bold", where="prompt")
        s.ftext(px + pw / 2, 48, t["sub"].format(T=T, p=p, k=kept, n=n), pw, size=12.5, fill=MUTED, where="sub")
        xl, xb = px + 92, px + 100
        for i in range(SHOWN):
            y = top + i * rh
            label = prompt["tokens"][i].replace(" ", "␣")
            if probs[i] > 0:
                s.rect(xb, y, probs[i] * scale, rh - 6, BLUE[0], BLUE[1], rx=2, sw=1.1)
                s.mono(xb + probs[i] * scale + 6, y + rh - 10, f"{100 * probs[i]:.1f}%", size=11.5)
                s.mono(xl, y + rh - 10, label, size=12, anchor="end")
            else:
                s.rect(xb, y, max(before[i] * scale, 2), rh - 6, GRAY[0], LINE, rx=2, sw=1, dash="3 2")
                s.mono(xb + before[i] * scale + 6, y + rh - 10, "0", size=11.5, fill=MUTED)
                s.mono(xl, y + rh - 10, label, size=12, anchor="end", fill=MUTED)
            if i == kept:  # the first cut candidate: top-p's border above it
                s.line(xb - 70, y - 3, px + pw - 10, y - 3, color=AMBER[1], sw=1.4, dash="5 3")
                s.text(px + pw - 12, y - 7, f"top-p = {p:g}", size=11.5, anchor="end", weight="bold", fill=AMBER[1])
        rest = probs[SHOWN:]
        s.text(px + pw / 2, top + SHOWN * rh + 14, t["more"].format(m=len(rest), kept=sum(v > 0 for v in rest),
               cut=sum(v == 0 for v in rest)), size=12.5, fill=MUTED)
    s.legend(x0 + 80, H - 40, [(label, col[0], col[1]) for label, col in t["legend"]], rx=3, sw=1.1,
             columns=2, column=430)
    return s


FIGURES = {
    "architecture": (fig_architecture, ARCH),
    "layernorm": (fig_layernorm, LAYERNORM),
    "block": (fig_block, BLOCK),
    "tying": (fig_tying, TYING),
    "generation": (fig_generation, GENERATE),
    "cutoffs": (fig_cutoffs, CUTOFFS),
    "sampling": (fig_sampling, SAMPLING),
}


if __name__ == "__main__":
    write_figures(FIGURES, "ch04")
