#!/usr/bin/env python3
"""Generate the diagrams of the classification chapter and of the LoRA appendix (English and Chinese).

Run from the repository root:

    python3 images/src/ch07_figures.py

Drawn with diagrams.py beside this file, one layout function per figure and one dict of strings
per language. Output: images/ch07/<name>-en.svg and images/ch07/<name>-zh.svg.
"""
from __future__ import annotations

from diagrams import AMBER, BLUE, GRAY, INK, LINE, MUTED, ROSE, SVG, TEAL, write_figures

CLASSIFIER = {
    "en": {"title": "A classification head on the last real token",
           "tokens": ["Call", " now", " to", " win", "<pad>", "<pad>"],
           "embed": "token embeddings", "frozen": "blocks 1–28: frozen; run once, states stored",
           "trained": "blocks 29–30: trained", "norm": "final norm, last token only",
           "head": "new head: Linear(576, 2)", "out": ["P(ham) = 0.03", "P(spam) = 0.97"],
           "last": "read at the last real token, which saw the whole text",
           "pad": "padding: no real token attends to it", "mask": "(causal mask: each position sees itself and its left)"},
    "zh": {"title": "接在最后一个真实词元上的分类头",
           "tokens": ["Call", " now", " to", " win", "<pad>", "<pad>"],
           "embed": "词元嵌入", "frozen": "第 1–28 个块：冻结，只算一次，保存状态",
           "trained": "第 29–30 个块：参与训练", "norm": "最后的归一化层，只用最后一个词元",
           "head": "新的分类头：Linear(576, 2)", "out": ["P(ham) = 0.03", "P(spam) = 0.97"],
           "last": "读取最后一个真实词元：它看过了整段文本",
           "pad": "填充：没有任何真实词元会关注它", "mask": "（因果掩码：每个位置只看得到自己和左边）"},
}

LORA = {
    "en": {"title": "A LoRA adapter beside a frozen weight", "x": "x  (d_in)", "w": ["W", "frozen", "d_out × d_in"],
           "a": ["A", "r × d_in", "small random"], "b": ["B", "d_out × r", "starts at 0"],
           "scale": "× α / r", "h": "h = W x + (α/r) B A x", "count": "trained: r (d_in + d_out) numbers instead of d_in d_out"},
    "zh": {"title": "冻结权重旁边的 LoRA 适配器", "x": "x（d_in 维）", "w": ["W", "冻结", "d_out × d_in"],
           "a": ["A", "r × d_in", "小随机值"], "b": ["B", "d_out × r", "从 0 开始"],
           "scale": "× α / r", "h": "h = W x + (α/r) B A x", "count": "训练的数字：r (d_in + d_out) 个，而不是 d_in d_out 个"},
}


def fig_classifier(t):
    W, H = 980, 486
    s = SVG(W, H, t["title"])
    x0, cw, gap = 30, 80, 10
    cols = [x0 + i * (cw + gap) for i in range(6)]
    right, label_x = cols[-1] + cw, cols[-1] + cw + 26
    bands = [(392, 34, t["embed"], BLUE), (290, 70, t["frozen"], GRAY), (214, 48, t["trained"], TEAL),
             (160, 28, t["norm"], TEAL)]
    for y, h, label, colors in bands:
        s.rect(x0 - 8, y - 6, right - x0 + 16, h + 12, colors[0], colors[1], rx=8, sw=1.2)
        s.text(label_x, y + h / 2 + 5, label, size=13, anchor="start", fill=colors[1], weight="bold")
        for i, cx in enumerate(cols):
            if y == 160 and i != 3:
                continue  # the norm and the head only need the last real token
            pad = i >= 4
            s.rect(cx, y, cw, h, "#f9fafb" if pad else "#ffffff", LINE if pad else colors[1], rx=5, sw=1,
                   dash="4 3" if pad else None)
    for i, (cx, tok) in enumerate(zip(cols, t["tokens"])):
        s.text(cx + cw / 2, 458, tok, size=14, fill=MUTED if i >= 4 else INK, italic=i >= 4)
    last = cols[3] + cw / 2
    for cx in cols[:3]:  # the last real token attends to the positions on its left, never to the padding
        s.path_arrow(f"M{cx + cw / 2:.0f},{238} Q{(cx + cw / 2 + last) / 2:.0f},{222} {last - 10:.0f},{236}",
                     color=TEAL[1], sw=1.2)
    s.text(cols[4] + cw + gap / 2, 480 - 4, t["pad"], size=12, anchor="middle", fill=MUTED)
    s.box(cols[2] - 5, 98, cw * 2 + gap + 10, 40, [t["head"]], AMBER, size=13)
    s.arrow(last, 156, last, 140, color=AMBER[1])
    s.box(cols[2] + 15, 22, cw * 2 + gap - 30, 52, t["out"], ROSE, size=13)
    s.arrow(last, 98, last, 76, color=ROSE[1])
    s.text(label_x, 118, t["last"], size=12, anchor="start", fill=AMBER[1])
    s.text(label_x, 262, t["mask"], size=12, anchor="start", fill=TEAL[1])
    return s


def fig_lora(t):
    W, H = 780, 350
    s = SVG(W, H, t["title"])
    s.box(20, 140, 120, 44, [t["x"]], BLUE, size=14)
    s.box(250, 40, 170, 110, t["w"], GRAY, size=14, head=True)
    s.box(220, 210, 110, 100, t["a"], AMBER, size=13, head=True)
    s.box(360, 232, 90, 56, t["b"][:2], AMBER, size=13, head=True)
    s.text(405, 304, t["b"][2], size=12, fill=AMBER[1])
    s.text(520, 270, t["scale"], size=14, fill=AMBER[1])
    s.rect(560, 147, 30, 30, "#ffffff", INK, rx=15, sw=1.5)
    s.text(575, 168, "+", size=20, weight="bold")
    s.box(620, 140, 130, 44, ["h"], TEAL, size=15)
    s.path_arrow("M140,162 C190,162 200,95 248,95")
    s.path_arrow("M140,162 C180,162 180,260 218,260", color=AMBER[1])
    s.arrow(330, 260, 358, 260, color=AMBER[1])
    s.path_arrow("M450,260 C530,260 545,200 566,178", color=AMBER[1])
    s.path_arrow("M420,95 C520,95 545,130 566,150")
    s.arrow(590, 162, 618, 162)
    s.text(380, 24, t["h"], size=14, weight="bold")
    s.text(W / 2, 340, t["count"], size=12, fill=MUTED, anchor="middle")
    return s


FIGURES = {"classifier": (fig_classifier, CLASSIFIER), "lora": (fig_lora, LORA)}


if __name__ == "__main__":
    write_figures(FIGURES, "ch07")
