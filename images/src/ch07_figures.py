#!/usr/bin/env python3
"""Generate the diagrams of the classification chapter and of the LoRA appendix (English and Chinese).

Run from the repository root:

    python3 images/src/ch07_figures.py

Drawn with diagrams.py beside this file, one layout function per figure and one dict of strings
per language. Output: images/ch07/<name>-en.svg and images/ch07/<name>-zh.svg.
"""
from __future__ import annotations

from diagrams import (AMBER, BLUE, GRAY, INK, LINE, MUTED, ROSE, SVG, TEAL, VIOLET, fits, mix, side_by_side,
                      text_width, thousands, write_figures)

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


# ---------------------------------------------------------------------------
# The numbers below are the chapter's printed outputs (nbs/07_classification.ipynb) or computed here.
# ---------------------------------------------------------------------------

N_HAM, N_SPAM = 4827, 747  # the data set's labels, as counted in the notebook
# (messages, spam) of the training, validation and test sets: balance() and split() of the notebook,
# seed 123, recomputed on the SMS Spam Collection (the notebook prints 49%, 50% and 54% spam)
SPLITS = [(1046, 510), (149, 75), (299, 162)]
BATCH_LENGTHS, BATCH_TARGETS = [81, 73, 36, 65], [1, 0, 1, 1]  # the batch of four printed by the notebook
PAD_ID = 0  # SmolLM2's <|endoftext|>, the padding id of the notebook's checks
EMB, HEADS, KV_HEADS, HEAD_DIM, HIDDEN, N_BLOCKS = 576, 9, 3, 64, 1536, 30  # SmolLM2-135M


def _ham_spam(t, n_ham, n_spam):
    "The two label texts of a bar's halves."
    return t["ham_n"].format(n=thousands(n_ham)), t["spam_n"].format(n=thousands(n_spam))


DATA = {
    "en": {"title": "From 5,574 labelled messages to three balanced sets",
           "all": "SMS Spam Collection: 5,574 messages",
           "ham_n": "ham {n}", "spam_n": "spam {n}", "share": "({p})",
           "under": "undersample: keep all 747 spam messages and draw 747 ham messages at random (seed 123)",
           "dropped": "the other 4,080 ham messages are left out",
           "cut": "1,494 messages, shuffled once (seed 123) and cut 70 / 10 / 20",
           "parts": ["training", "validation", "test"], "part_n": ["{n} messages", "{p} spam"],
           "legend": [("ham: a normal message", BLUE), ("spam", ROSE)],
           "note": "Bar lengths to scale; the bottom row is drawn {k:.1f} times larger."},
    "zh": {"title": "从 5,574 条带标签的短信到三个平衡的数据集",
           "all": "SMS 垃圾短信数据集：5,574 条短信",
           "ham_n": "ham {n} 条", "spam_n": "spam {n} 条", "share": "（{p}）",
           "under": "欠采样：保留全部 747 条 spam，再随机抽取 747 条 ham（种子 123）",
           "dropped": "其余 4,080 条 ham 不再使用",
           "cut": "这 1,494 条短信用种子 123 打乱一次，再按 70 / 10 / 20 切分",
           "parts": ["训练集", "验证集", "测试集"], "part_n": ["{n} 条", "spam 占 {p}"],
           "legend": [("ham：正常短信", BLUE), ("spam：垃圾短信", ROSE)],
           "note": "条形长度按比例绘制；最下面一行放大了 {k:.1f} 倍。"},
}


def fig_data(t):
    W, H = 980, 384
    s = SVG(W, H, t["title"])
    x0, k1, k3, gap = 50, 0.15, 0.56, 10  # pixels per message: the top two rows, the bottom row
    total = N_HAM + N_SPAM
    # 1. the whole collection
    s.ftext(x0, 30, t["all"], 600, size=14, anchor="start", weight="bold", where="all")
    y1, h = 42, 32
    wh, ws = N_HAM * k1, N_SPAM * k1
    s.rect(x0, y1, wh, h, BLUE[0], BLUE[1], rx=3, sw=1.2)
    s.rect(x0 + wh, y1, ws, h, ROSE[0], ROSE[1], rx=3, sw=1.2)
    ham, spam = _ham_spam(t, N_HAM, N_SPAM)
    s.ftext(x0 + wh / 2, y1 + 21, ham + " " + t["share"].format(p=f"{N_HAM / total:.0%}"), wh - 10, size=13,
            where="ham")
    s.ftext(x0 + wh + ws / 2, y1 + 21, spam, ws - 8, size=13, where="spam")
    # 2. undersampled: every spam message, as many ham messages
    y2 = 128
    s.arrow(x0 + 112, y1 + h + 2, x0 + 112, y2 - 2)
    s.ftext(x0 + 126, 106, t["under"], W - x0 - 140, size=12.5, anchor="start", fill=INK, where="under")
    kept = N_SPAM * k1
    s.rect(x0, y2, kept, h, BLUE[0], BLUE[1], rx=3, sw=1.2)
    s.rect(x0 + kept, y2, kept, h, ROSE[0], ROSE[1], rx=3, sw=1.2)
    ham, spam = _ham_spam(t, N_SPAM, N_SPAM)
    s.ftext(x0 + kept / 2, y2 + 21, ham, kept - 8, size=12.5, where="kept ham")
    s.ftext(x0 + kept * 1.5, y2 + 21, spam, kept - 8, size=12.5, where="kept spam")
    rest = x0 + 2 * kept + 8
    s.rect(rest, y2, (N_HAM - N_SPAM) * k1, h, "#ffffff", LINE, rx=3, sw=1.2, dash="5 4")
    s.ftext(rest + (N_HAM - N_SPAM) * k1 / 2, y2 + 21, t["dropped"], (N_HAM - N_SPAM) * k1 - 12, size=12.5,
            fill=MUTED, italic=True, where="dropped")
    # 3. shuffled and cut, drawn larger: a fan from the balanced bar to the three sets
    y3, h3 = 232, 36
    widths = [n * k3 for n, _ in SPLITS]
    xs, right = side_by_side(widths, x0, gap)
    s.path(f"M{x0},{y2 + h} L{x0 + 2 * kept:.1f},{y2 + h} L{right:.1f},{y3} L{x0},{y3} z", color=LINE, sw=0.8,
           fill="#f9fafb")
    s.ftext(x0 + 20, 206, t["cut"], 560, size=13, anchor="start", where="cut")  # left of the fan's slanted edge
    for i, ((n, n_spam), x, w) in enumerate(zip(SPLITS, xs, widths)):
        wham = (n - n_spam) * k3
        s.rect(x, y3, wham, h3, BLUE[0], BLUE[1], rx=3, sw=1.2)
        s.rect(x + wham, y3, w - wham, h3, ROSE[0], ROSE[1], rx=3, sw=1.2)
        s.ftext(x + wham / 2, y3 + 23, thousands(n - n_spam), wham - 4, size=12, where="part ham")
        s.ftext(x + wham + (w - wham) / 2, y3 + 23, thousands(n_spam), w - wham - 4, size=12, where="part spam")
        s.ftext(x + w / 2, y3 + h3 + 20, t["parts"][i], max(w, 150), size=13.5, weight="bold", where="part")
        for j, line in enumerate(t["part_n"]):
            s.ftext(x + w / 2, y3 + h3 + 37 + 16 * j, line.format(n=thousands(n), p=f"{n_spam / n:.0%}"), w + 40,
                    size=12, fill=MUTED, where="part count")
    ly = 352
    for i, (label, colors) in enumerate(t["legend"]):
        s.rect(x0 + i * 200, ly, 22, 16, colors[0], colors[1], rx=3, sw=1.2)
        s.ftext(x0 + i * 200 + 30, ly + 13, label, 160, size=12.5, anchor="start", where="legend")
    s.ftext(W - 30, ly + 13, t["note"].format(k=k3 / k1), 480, size=12, anchor="end", fill=MUTED, where="note")
    return s


PADDING = {
    "en": {"title": "A batch of four messages padded on the right",
           "inputs": "inputs: 4 × 81 token ids, each row padded to the batch's longest message (81 tokens)",
           "row": "row {i}", "cols": ["lengths", "lengths − 1", "targets"], "classes": ["ham", "spam"],
           "legend": ["real token", "last real token: the head reads it", "padding (id 0)"],
           "read": "the classifier reads x[rows, lengths − 1]: positions 80, 72, 35 and 64",
           "why": "Padding comes after the last real token: under the causal mask no real token attends to it, "
                  "so its id does not matter."},
    "zh": {"title": "一个由四条短信组成、在右侧填充的批次",
           "inputs": "inputs：4 × 81 个词元 ID，每一行都填充到本批次最长的短信（81 个词元）",
           "row": "第 {i} 行", "cols": ["lengths", "lengths − 1", "targets"], "classes": ["ham", "spam"],
           "legend": ["真实词元", "最后一个真实词元：分类头读取它", "填充（ID 为 0）"],
           "read": "分类器读取 x[rows, lengths − 1]：即位置 80、72、35 和 64",
           "why": "填充都在最后一个真实词元之后：在因果掩码下，没有任何真实词元会关注它，所以填充 ID 取什么都无所谓。"},
}


def fig_padding(t):
    W, H = 980, 340
    s = SVG(W, H, t["title"])
    gx, pitch, cw, ch, y0, row_h = 96, 7.5, 6.2, 28, 78, 40
    longest = max(BATCH_LENGTHS)
    s.ftext(24, 30, t["inputs"], W - 40, size=13.5, anchor="start", weight="bold", where="inputs")
    for c in range(0, longest, 20):
        s.mono(gx + c * pitch + cw / 2, y0 - 10, str(c), size=11, anchor="middle", fill=MUTED)
    cols = [gx + longest * pitch + 54, gx + longest * pitch + 142, gx + longest * pitch + 226]
    for x, label in zip(cols, t["cols"]):
        s.mono(x, y0 - 10, label, size=12, anchor="middle", weight="bold")
    for r, (n, target) in enumerate(zip(BATCH_LENGTHS, BATCH_TARGETS)):
        y = y0 + r * row_h
        s.ftext(gx - 12, y + 19, t["row"].format(i=r), 70, size=12.5, anchor="end", fill=MUTED, where="row")
        for c in range(longest):
            if c < n - 1:
                fill, stroke = mix(BLUE[1], 0.28), BLUE[1]
            elif c == n - 1:
                fill, stroke = AMBER[1], AMBER[1]
            else:
                fill, stroke = "#f3f4f6", "#d1d5db"
            s.rect(gx + c * pitch, y, cw, ch, fill, stroke, rx=1, sw=0.6)
        for x, v in zip(cols, (str(n), str(n - 1), f"{target} ({t['classes'][target]})")):
            s.mono(x, y + 19, v, size=12.5, anchor="middle")
    ly = y0 + 4 * row_h + 10
    keys = [(mix(BLUE[1], 0.28), BLUE[1]), (AMBER[1], AMBER[1]), ("#f3f4f6", "#d1d5db")]
    x = gx
    for label, (fill, stroke) in zip(t["legend"], keys):
        s.rect(x, ly, 14, 16, fill, stroke, rx=2, sw=0.8)
        s.ftext(x + 22, ly + 13, label, 300, size=12.5, anchor="start", where="legend")
        x += 44 + text_width(label, 12.5)
    s.ftext(gx, ly + 50, t["read"], W - gx - 20, size=13, anchor="start", fill=AMBER[1], weight="bold", where="read")
    s.ftext(gx, ly + 74, t["why"], W - gx - 20, size=12.5, anchor="start", fill=MUTED, where="why")
    return s


DIRECT_STEP, STORED_STEP = 3.41, 1.19  # seconds per training step of the last two blocks, as measured
STORE_SECONDS, STORE_MIB, LOSS_DIFF = 285, 120, 3.5762786865234375e-07  # the notebook's measurements

STORED = {
    "en": {"title": "Training the last two blocks: every block at every step, or the frozen part once",
           "lanes": ["Direct: the token ids go through all 30 blocks at every step",
                     "Stored states: the 28 frozen blocks run once, before training"],
           "ids": ["token", "ids"], "frozen": [["28 frozen blocks", "forward at every step"],
                                              ["28 frozen blocks", "forward, once"]],
           "stored": ["stored states", "1,494 messages", f"{STORE_MIB} MiB"],
           "trained": ["last 2 blocks", "forward + backward"], "head": ["norm + head", "trained"],
           "loss": "loss", "once": f"once: {STORE_SECONDS} s for all 1,494 messages",
           "every": "at every step", "bars": "seconds per training step (batches of 8, the same 6 batches both ways)",
           "rows": ["direct", "stored states"], "faster": " ({k:.1f}× faster)",
           "same": "The two losses agree to {d:.1e}: the gradients are the same, since nothing before the "
                   "stored states has one."},
    "zh": {"title": "训练最后两个块：每一步跑全部块，还是冻结部分只跑一次",
           "lanes": ["直接训练：每一步都让词元 ID 经过全部 30 个块",
                     "使用存储的状态：28 个冻结的块只在训练前运行一次"],
           "ids": ["词元", "ID"], "frozen": [["28 个冻结的块", "每一步都前向"], ["28 个冻结的块", "前向，只跑一次"]],
           "stored": ["存储的状态", "1,494 条短信", f"{STORE_MIB} MiB"],
           "trained": ["最后 2 个块", "前向 + 反向"], "head": ["归一化 + 分类头", "参与训练"],
           "loss": "损失", "once": f"只跑一次：1,494 条短信共 {STORE_SECONDS} 秒",
           "every": "每一步", "bars": "每个训练步的秒数（批次大小 8，两种方式用同样的 6 个批次）",
           "rows": ["直接训练", "存储的状态"], "faster": "（快 {k:.1f} 倍）",
           "same": "两种方式的损失相差不到 {d:.1e}：梯度完全相同，因为存储的状态之前的部分本来就没有梯度。"},
}


def fig_stored(t):
    W, H = 980, 420
    s = SVG(W, H, t["title"])
    # columns shared by both lanes: ids, frozen blocks, stored states, trained blocks, head, loss
    cols = [(24, 66), (120, 190), (346, 136), (516, 144), (694, 136), (864, 90)]
    lanes = [(52, 64), (196, 64)]
    for lane, (y, h) in enumerate(lanes):
        s.ftext(24, y - 14, t["lanes"][lane], W - 40, size=14, anchor="start", weight="bold", where="lane")
        (xi, wi), (xf, wf), (xs, ws), (xt, wt), (xh, wh), (xl, wl) = cols
        s.fbox(xi, y + 6, wi, h - 12, t["ids"], BLUE, size=12.5, head=False, where="ids")
        s.stack_shadows(xf, y, wf, h, GRAY, copies=2, step=4)
        s.fbox(xf, y, wf, h, t["frozen"][lane], GRAY, size=12.5, where="frozen")
        s.arrow(xi + wi, y + h / 2, xf - 2, y + h / 2)
        if lane == 0:
            s.arrow(xf + wf + 8, y + h / 2, xt - 2, y + h / 2)
        else:
            s.rect(xs, y - 4, ws, h + 8, VIOLET[0], VIOLET[1], rx=6, sw=1.5)
            s.ftext(xs + ws / 2, y + 15, t["stored"][0], ws - 12, size=13.5, weight="bold", fill=VIOLET[1],
                    where="stored")
            s.ftext(xs + ws / 2, y + 34, t["stored"][1], ws - 12, size=12, where="stored")
            s.ftext(xs + ws / 2, y + 51, t["stored"][2], ws - 12, size=12, where="stored")
            s.arrow(xf + wf + 8, y + h / 2, xs - 2, y + h / 2)
            s.arrow(xs + ws, y + h / 2, xt - 2, y + h / 2)
        s.fbox(xt, y, wt, h, t["trained"], TEAL, size=12.5, where="trained")
        s.fbox(xh, y, wh, h, t["head"], AMBER, size=12.5, where="head")
        s.fbox(xl, y + 10, wl, h - 20, [t["loss"]], ROSE, size=13, head=False, where="loss")
        s.arrow(xt + wt, y + h / 2, xh - 2, y + h / 2)
        s.arrow(xh + wh, y + h / 2, xl - 2, y + h / 2)
        by = y + h + 16
        if lane == 0:
            s.brace(xi, xl + wl, by, color=TEAL[1], up=True)
            s.ftext((xi + xl + wl) / 2, by + 16, t["every"], 300, size=12.5, fill=TEAL[1], where="every")
        else:
            s.brace(xi, xf + wf + 8, by, color=VIOLET[1], up=True)
            s.ftext((xi + xf + wf) / 2, by + 16, t["once"], 330, size=12.5, fill=VIOLET[1], where="once")
            s.brace(xs, xl + wl, by, color=TEAL[1], up=True)
            s.ftext((xs + xl + wl) / 2, by + 16, t["every"], 300, size=12.5, fill=TEAL[1], where="every")
    # the measured step times, to scale
    top = 326
    s.ftext(24, top, t["bars"], W - 40, size=13, anchor="start", weight="bold", where="bars")
    bx, k = 150, 640 / DIRECT_STEP
    for i, (sec, colors) in enumerate(((DIRECT_STEP, GRAY), (STORED_STEP, VIOLET))):
        y = top + 12 + i * 28
        s.ftext(bx - 10, y + 15, t["rows"][i], bx - 30, size=12.5, anchor="end", where="bar row")
        s.rect(bx, y, sec * k, 20, colors[0], colors[1], rx=3, sw=1.2)
        label = f"{sec:.2f} s" + ("" if i == 0 else t["faster"].format(k=DIRECT_STEP / STORED_STEP))
        s.text(bx + sec * k + 8, y + 15, label, size=12.5, anchor="start", weight="bold", fill=colors[1])
    s.ftext(24, H - 12, t["same"].format(d=LOSS_DIFF), W - 40, size=12, anchor="start", fill=MUTED, where="same")
    return s


# the rows of the chapter's results table that train SmolLM2: what trains, where the stored states
# enter (None: the token ids), and the table's numbers (trainable, memory in MiB, test accuracy in %)
RESULT_ROWS = [
    dict(blocks=0, lora=False, norm=False, embed=False, start=30, trainable=1_154, mib=0.0, test=97.3),
    dict(blocks=1, lora=False, norm=True, embed=False, start=29, trainable=3_541_826, mib=40.5, test=97.7),
    dict(blocks=2, lora=False, norm=True, embed=False, start=28, trainable=7_081_922, mib=81.0, test=98.3),
    dict(blocks=2, lora=True, norm=False, embed=False, start=28, trainable=271_490, mib=3.1, test=97.3),
    dict(blocks=30, lora=False, norm=True, embed=True, start=None, trainable=134_516_162, mib=1539.4, test=98.3),
]

TRAINABLE = {
    "en": {"title": "What trains in each SmolLM2 row of the results table",
           "rows": ["head only", "last block + norm + head", "last 2 blocks + norm + head",
                    "LoRA r = 16 in last 2 blocks + head", "all layers"],
           "heads": ["embedding", "30 transformer blocks", "norm", "head", "trainable", "memory", "test"],
           "legend": ["trained", "frozen", "frozen, with trained LoRA adapters",
                      "stored states enter here: the part to the left ran once"],
           "note": "memory: gradients and AdamW state of the trainable parameters; test: accuracy on the 299 test messages"},
    "zh": {"title": "结果表中 SmolLM2 各行分别训练了哪些部分",
           "rows": ["只训练分类头", "最后一个块 + 归一化 + 分类头", "最后两个块 + 归一化 + 分类头",
                    "最后两个块加 LoRA（秩 16）+ 分类头", "全部参数"],
           "heads": ["嵌入", "30 个 Transformer 块", "归一化", "分类头", "可训练参数", "内存", "测试"],
           "legend": ["参与训练", "冻结", "冻结，但带可训练的 LoRA 适配器", "存储的状态从这里进入：左边的部分只运行过一次"],
           "note": "内存：可训练参数的梯度和 AdamW 状态；测试：在 299 条测试短信上的准确率"},
}


def fig_trainable(t):
    W, H = 1060, 346
    s = SVG(W, H, t["title"])
    ex, ew, bx0, pitch, bw = 252, 40, 300, 13, 11
    nx, nw = bx0 + N_BLOCKS * pitch + 10, 40
    hx, hw = nx + nw + 8, 40
    cols = [hx + hw + 106, hx + hw + 190, W - 20]  # right edges of the three number columns
    y0, row_h, ch = 64, 42, 26
    heads = t["heads"]
    s.ftext(ex + ew, y0 - 14, heads[0], 120, size=12, anchor="end", fill=MUTED, where="head embed")
    s.brace(bx0, bx0 + N_BLOCKS * pitch - 2, y0 - 10, up=True)
    s.ftext(bx0 + N_BLOCKS * pitch / 2, y0 - 18, heads[1], 300, size=12.5, fill=MUTED, where="head blocks")
    s.ftext(nx + nw / 2, y0 - 14, heads[2], nw + 12, size=12, fill=MUTED, where="head norm")
    s.ftext(hx + hw / 2, y0 - 14, heads[3], hw + 14, size=12, fill=MUTED, where="head head")
    for x, label in zip(cols, heads[4:]):
        s.ftext(x, y0 - 14, label, 90, size=12.5, anchor="end", weight="bold", where="head col")
    trained, frozen = TEAL, GRAY
    for r, (row, name) in enumerate(zip(RESULT_ROWS, t["rows"])):
        y = y0 + r * row_h
        s.ftext(24, y + 18, name, ex - 36, size=12.5, anchor="start", where="row name")
        c = trained if row["embed"] else frozen
        s.rect(ex, y, ew, ch, c[0], c[1], rx=3, sw=1)
        for b in range(N_BLOCKS):
            on = b >= N_BLOCKS - row["blocks"]
            c = trained if on and not row["lora"] else frozen
            x = bx0 + b * pitch
            s.rect(x, y, bw, ch, c[0], c[1], rx=2, sw=1)
            if on and row["lora"]:
                s.rect(x + 2, y + ch - 9, bw - 4, 6, AMBER[1], AMBER[1], rx=1, sw=0.5)
        c = trained if row["norm"] else frozen
        s.rect(nx, y, nw, ch, c[0], c[1], rx=3, sw=1)
        s.rect(hx, y, hw, ch, trained[0], trained[1], rx=3, sw=1)
        if row["start"] is not None:
            x = bx0 + row["start"] * pitch - 1 if row["start"] < N_BLOCKS else nx - 5
            s.line(x, y - 5, x, y + ch + 5, color=VIOLET[1], sw=2.2, dash="4 2")
        values = [thousands(row["trainable"]), f"{row['mib']:.1f} MiB", f"{row['test']:.1f}%"]
        for x, v in zip(cols, values):
            s.text(x, y + 18, v, size=12.5, anchor="end")
    ly = y0 + 5 * row_h + 14
    x = 24
    for i, label in enumerate(t["legend"]):
        if i == 3:
            s.line(x + 7, ly - 3, x + 7, ly + 19, color=VIOLET[1], sw=2.2, dash="4 2")
        else:
            c = trained if i == 0 else frozen
            s.rect(x, ly, 14, 16, c[0], c[1], rx=2, sw=1)
            if i == 2:
                s.rect(x + 2, ly + 9, 10, 5, AMBER[1], AMBER[1], rx=1, sw=0.5)
        s.ftext(x + 22, ly + 13, label, 420, size=12.5, anchor="start", where="legend")
        x += 46 + text_width(label, 12.5)
    fits("".join(t["legend"]), 12.5, W - 48 - 46 * 4, "legend row")
    s.ftext(24, H - 16, t["note"], W - 40, size=12, anchor="start", fill=MUTED, where="note")
    return s


# P(spam) of the classifier with the last two blocks trained, as the notebook prints them: the texts
# classified with `classify` (no true label), and the five misclassified test messages (true label)
NEW_TEXTS = [("“Hey, are we still on for dinner tonight?…”", "0.007"), ("“我明天下午三点到，记得来接我。”", "0.018"),
             ("“Call now to claim your free prize!”", "0.396"), ("“URGENT! You have won a 1 week FREE…”", "0.999")]
WRONG = [("“ROMCAPspam Everyone around should be…”", "0.03", "spam"), ("“Hi ya babe x u 4goten bout me?…”", "0.22", "spam"),
         ("“Hi this is Amy, we will be sending you…”", "0.28", "spam"), ("“Hey you can pay. With salary de.…”", "0.52", "ham"),
         ("“HI DARLIN I FINISH AT 3…”", "0.86", "ham")]

THRESHOLD = {
    "en": {"title": "From a message to P(spam), and the threshold that turns it into a label",
           "msg": ["“URGENT! You have won a", "1 week FREE membership…”"],
           "steps": [["tokenizer", "token ids"], ["classifier", "30 blocks, norm, head"], ["softmax", "of the 2 logits"],
                     ["P(ham) = 0.001", "P(spam) = 0.999"], ["0.999 > 0.5", "→ spam"]],
           "axis": "P(spam)", "threshold": "threshold 0.5", "sides": ["predicted ham", "predicted spam"],
           "new": "new messages classified in the chapter (no true label)",
           "wrong": "the five test messages it gets wrong, coloured by their true label",
           "legend": [("true label ham", BLUE), ("true label spam", ROSE), ("no label", ("#ffffff", INK))]},
    "zh": {"title": "从一条短信到 P(spam)，再由阈值把它变成标签",
           "msg": ["“URGENT! You have won a", "1 week FREE membership…”"],
           "steps": [["分词器", "词元 ID"], ["分类器", "30 个块、归一化、分类头"], ["softmax", "作用于 2 个 logits"],
                     ["P(ham) = 0.001", "P(spam) = 0.999"], ["0.999 > 0.5", "→ spam"]],
           "axis": "P(spam)", "threshold": "阈值 0.5", "sides": ["预测为 ham", "预测为 spam"],
           "new": "本章中分类的新短信（没有真实标签）",
           "wrong": "它分错的五条测试短信，颜色表示真实标签",
           "legend": [("真实标签 ham", BLUE), ("真实标签 spam", ROSE), ("没有标签", ("#ffffff", INK))]},
}


def fig_threshold(t):
    W, H = 980, 474
    s = SVG(W, H, t["title"])
    # the pipeline of one message
    y, h = 22, 60
    widths = [200, 112, 160, 124, 130, 104]
    xs, _ = side_by_side(widths, 16, 19)
    s.rect(xs[0], y, widths[0], h, "#ffffff", ROSE[1], rx=8, sw=1.2)
    for i, row in enumerate(t["msg"]):
        s.ftext(xs[0] + widths[0] / 2, y + 26 + 18 * i, row, widths[0] - 12, size=12.5, where="msg")
    looks = [GRAY, TEAL, GRAY, ROSE, AMBER]
    for i, (rows, colors) in enumerate(zip(t["steps"], looks), 1):
        s.fbox(xs[i], y, widths[i], h, rows, colors, size=12.5, head=i < 3, where="step")
        s.arrow(xs[i - 1] + widths[i - 1] + 1, y + h / 2, xs[i] - 2, y + h / 2)
    # the axis, the threshold and the messages
    ax0, ax1, ay = 70, 896, 262
    px = lambda p: ax0 + float(p) * (ax1 - ax0)
    top, bottom = 132, 430
    s.rect(ax0, top, (ax1 - ax0) / 2, bottom - top, mix(BLUE[1], 0.05), mix(BLUE[1], 0.05), rx=0, sw=0)
    s.rect(px(0.5), top, (ax1 - ax0) / 2, bottom - top, mix(ROSE[1], 0.05), mix(ROSE[1], 0.05), rx=0, sw=0)
    s.ftext(ax0 + 8, top + 18, t["sides"][0], 300, size=13, anchor="start", weight="bold", fill=BLUE[1], where="side")
    s.ftext(ax1 - 8, top + 18, t["sides"][1], 300, size=13, anchor="end", weight="bold", fill=ROSE[1], where="side")
    s.line(px(0.5), top, px(0.5), bottom, color=INK, sw=1.5, dash="6 4")
    s.ftext(px(0.5), top - 8, t["threshold"], 200, size=12.5, weight="bold", where="threshold")
    s.line(ax0, ay, ax1, ay, color=INK, sw=1.2)
    for v in (0, 0.25, 0.5, 0.75, 1):
        s.line(px(v), ay - 4, px(v), ay + 4, color=INK, sw=1.2)
        s.text(px(v) + (8 if v == 0.5 else 0), ay + 17, f"{v:g}", size=11.5, fill=MUTED,
               anchor="start" if v == 0.5 else "middle")
    s.text(ax1 + 10, ay + 4, t["axis"], size=13, anchor="start", weight="bold")

    def chip(x, ly, txt, right, room):
        "A label on a white chip (over the shading and the threshold line), starting or ending beside `x`."
        w = text_width(txt, 12)
        fits(txt, 12, room, "point")
        left = x - 8 - w if right else x + 2
        s.rect(left, ly - 13, w + 6, 18, "#ffffff", "#ffffff", rx=4, sw=0)
        s.text(x + (-5 if right else 5), ly, txt, size=12, anchor="end" if right else "start")

    def place(points, up, levels=None):
        """Labels in levels, by default the leftmost farthest from the axis, so that no leader line crosses a
        label; the labels right of 0.75 end at their point."""
        n = len(points)
        for rank, (text, p, colors) in enumerate(points):
            level = n - rank - 1 if levels is None else levels[rank]
            ly = ay - 30 - 22 * level if up else ay + 44 + 22 * level
            x = px(p)
            right = float(p) > 0.75
            s.line(x, ay + (-5 if up else 5), x, ly + (4 if up else -12), color=colors[1], sw=1)
            chip(x, ly, f"{text} {p}", right, (x - 20) if right else (W - x - 10))
            s.circle(x, ay, 5, fill=colors[0], stroke=colors[1], sw=1.5)

    s.ftext(ax0 + 8, top + 40, t["new"], 420, size=12, anchor="start", fill=MUTED, italic=True, where="new")
    # 0.007 and 0.018 on two levels; 0.396 beside 0.018, 0.999 above it (its leader passes right of 0.396's label)
    place([(text, p, ("#ffffff", INK)) for text, p in NEW_TEXTS], True, levels=[1, 0, 0, 1])
    wrong = [(text, p, BLUE if truth == "ham" else ROSE) for text, p, truth in WRONG]
    place(wrong, False)
    s.ftext(ax0 + 8, bottom - 10, t["wrong"], 460, size=12, anchor="start", fill=MUTED, italic=True, where="wrong")
    lx = ax0
    for key, colors in t["legend"]:
        s.circle(lx + 6, H - 20, 5, fill=colors[0], stroke=colors[1], sw=1.5)
        s.ftext(lx + 16, H - 16, key, 200, size=12.5, anchor="start", where="legend")
        lx += 40 + text_width(key, 12.5)
    return s


# ---------------------------------------------------------------------------
# The LoRA appendix (nbs/appendix_lora.ipynb): its printed checks, and SmolLM2's shapes
# ---------------------------------------------------------------------------

MERGE_R, MERGE_ALPHA, MERGE_D = 8, 16, 576  # the appendix's check: LoRALinear(nn.Linear(576, 576), rank=8, alpha=16)
MERGE_DIFF, UNMERGE_DIFF, CKPT_DIFF = "1.0e-06", "3.7e-09", "6.9e-07"  # its printed differences

MERGE = {
    "en": {"title": "Merging a LoRA adapter into its weight, and taking it out again",
           "delta": "delta() = (α / r) B A: an update of the full 576 × 576 shape, of rank at most 8",
           "w": ["W", "576 × 576"], "b": ["B", "576 × 8"], "a": ["A", "8 × 576"], "w2": ["W′", "576 × 576"],
           "scale": "2 ×", "scale_note": "α / r = 16 / 8",
           "states": [["unmerged: training", "y = W x + 2 · B (A x)", "two thin extra products per call;",
                       "A and B train, W stays frozen", "merged = False"],
                      ["merged: inference", "y = W′ x", "one product, the cost of the plain layer;",
                       "the adapter adds nothing", "merged = True"]],
           "merge": ["merge()", "W += delta()"], "unmerge": ["unmerge()", "W −= delta()"],
           "checks": [f"The appendix's check: merged and unmerged outputs differ by {MERGE_DIFF}, and after unmerge() W is "
                      f"back within {UNMERGE_DIFF} (float32 rounding).",
                      "merge_lora(model) merges every adapter and puts the plain nn.Linear back in its place;",
                      f"the checkpoint then loads as a plain GPTModel, within {CKPT_DIFF} of the adapted model."]},
    "zh": {"title": "把 LoRA 适配器合并进权重，再把它减出来",
           "delta": "delta() = (α / r) B A：形状与 576 × 576 的权重相同，秩至多为 8 的更新",
           "w": ["W", "576 × 576"], "b": ["B", "576 × 8"], "a": ["A", "8 × 576"], "w2": ["W′", "576 × 576"],
           "scale": "2 ×", "scale_note": "α / r = 16 / 8",
           "states": [["未合并：训练时", "y = W x + 2 · B (A x)", "每次调用多出两次很“瘦”的乘法；",
                       "A 和 B 参与训练，W 保持冻结", "merged = False"],
                      ["已合并：推理时", "y = W′ x", "只有一次乘法，与普通的线性层一样；",
                       "适配器不再有任何开销", "merged = True"]],
           "merge": ["merge()", "W += delta()"], "unmerge": ["unmerge()", "W −= delta()"],
           "checks": [f"附录中的检查：合并与未合并的输出相差 {MERGE_DIFF}；unmerge() 之后，W 与原值相差不到 "
                      f"{UNMERGE_DIFF}（float32 舍入误差）。",
                      "merge_lora(model) 合并每一个适配器，再把普通的 nn.Linear 放回原处；",
                      f"这样保存的检查点加载后就是一个普通的 GPTModel，与加了适配器的模型相差不到 {CKPT_DIFF}。"]},
}


def fig_merge(t):
    W, H = 900, 470
    s = SVG(W, H, t["title"], heads={"amber": AMBER[1]})
    s.ftext(W / 2, 28, t["delta"], W - 40, size=13.5, weight="bold", where="delta")
    side, thin, top = 120, 16, 54
    # W + 2 × B A = W′, the thin matrices wider than to scale
    x = 160
    s.rect(x, top, side, side, GRAY[0], GRAY[1], rx=3)
    s.text(x + side / 2, top + side / 2 + 8, t["w"][0], size=24, weight="bold", fill=GRAY[1])
    s.text(x + side / 2, top + side + 20, t["w"][1], size=12.5, fill=MUTED)
    x += side + 24
    s.text(x, top + side / 2 + 8, "+", size=24, weight="bold")
    x += 36
    s.text(x, top + side / 2 + 6, t["scale"], size=18, weight="bold", fill=AMBER[1])
    s.text(x, top + side / 2 + 26, t["scale_note"], size=11.5, fill=MUTED)
    x += 56
    s.rect(x, top, thin, side, AMBER[0], AMBER[1], rx=2)
    s.text(x + thin / 2, top + side / 2 + 6, t["b"][0], size=15, weight="bold", fill=AMBER[1])
    s.text(x + thin / 2, top + side + 20, t["b"][1], size=12.5, fill=MUTED)
    s.rect(x + thin + 10, top, side, thin, AMBER[0], AMBER[1], rx=2)
    s.text(x + thin + 10 + side / 2, top + thin - 3, t["a"][0], size=13, weight="bold", fill=AMBER[1])
    s.text(x + thin + 10 + side / 2, top + thin + 20, t["a"][1], size=12.5, fill=MUTED)
    x += thin + 10 + side + 30
    s.text(x, top + side / 2 + 8, "=", size=24, weight="bold")
    x += 30
    s.rect(x, top, side, side, mix(AMBER[1], 0.12), AMBER[1], rx=3)
    s.text(x + side / 2, top + side / 2 + 8, t["w2"][0], size=24, weight="bold", fill=AMBER[1])
    s.text(x + side / 2, top + side + 20, t["w2"][1], size=12.5, fill=MUTED)
    # the two states and the two calls between them
    y, h, bw = 226, 136, 300
    for i, rows in enumerate(t["states"]):
        bx = 40 if i == 0 else W - 40 - bw
        colors = (GRAY[0], AMBER[1]) if i == 0 else (mix(AMBER[1], 0.12), AMBER[1])
        s.rect(bx, y, bw, h, colors[0], colors[1], rx=10)
        s.ftext(bx + bw / 2, y + 24, rows[0], bw - 16, size=14.5, weight="bold", fill=AMBER[1], where="state")
        fits(rows[1], 13.5, bw - 16, "state", mono=True)
        s.mono(bx + bw / 2, y + 50, rows[1], size=13.5, anchor="middle", weight="bold")
        s.ftext(bx + bw / 2, y + 76, rows[2], bw - 16, size=12.5, where="state")
        s.ftext(bx + bw / 2, y + 96, rows[3], bw - 16, size=12.5, where="state")
        s.mono(bx + bw / 2, y + 122, rows[4], size=12, anchor="middle", fill=MUTED)
    ax0, ax1 = 40 + bw + 14, W - 40 - bw - 14
    for i, (call, what) in enumerate((t["merge"], t["unmerge"])):
        ay = y + 40 + 58 * i
        if i == 0:
            s.line(ax0, ay, ax1 - 2, ay, color=AMBER[1], sw=2, head="amber")
        else:
            s.line(ax1, ay, ax0 + 2, ay, color=AMBER[1], sw=2, head="amber")
        s.mono((ax0 + ax1) / 2, ay - 8, call, size=13, anchor="middle", weight="bold", fill=AMBER[1])
        s.mono((ax0 + ax1) / 2, ay + 18, what, size=12, anchor="middle")
    for i, line in enumerate(t["checks"]):
        s.ftext(40, y + h + 36 + 22 * i, line, W - 60, size=12, anchor="start", fill=MUTED, where="check")
    return s


LORA_RANK, LORA_ALPHA = 16, 16  # the chapter's LoRA run: add_lora(..., rank=16, alpha=16) in blocks 28 and 29
QKV_OUT = (HEADS + 2 * KV_HEADS) * HEAD_DIM  # 960: 9 query heads, 3 key and 3 value heads of 64
BLOCK_LINEARS = [("att.qkv", EMB, QKV_OUT), ("att.out_proj", HEADS * HEAD_DIM, EMB),
                 ("ff.gate_up", EMB, 2 * HIDDEN), ("ff.down", HIDDEN, EMB)]  # (name, in, out)
PER_BLOCK = sum(LORA_RANK * (i + o) for _, i, o in BLOCK_LINEARS)  # 135,168
HEAD_PARAMS = EMB * 2 + 2  # Linear(576, 2): 1,154
assert 2 * PER_BLOCK + HEAD_PARAMS == 271_490  # the trainable count of the chapter's LoRA row

LAYERS = {
    "en": {"title": "The linear layers that add_lora wraps in the chapter's classifier",
           "stack": [("head", f"Linear(576, 2): trained whole, {thousands(HEAD_PARAMS)}", TEAL),
                     ("backbone.final_norm", "RMSNorm: frozen", GRAY),
                     ("backbone.blocks.29", f"4 adapters: {thousands(PER_BLOCK)}", AMBER),
                     ("backbone.blocks.28", f"4 adapters: {thousands(PER_BLOCK)}", AMBER),
                     ("backbone.blocks.0 … 27", "no name matches: frozen", GRAY),
                     ("backbone.embed", "Embedding: frozen", GRAY)],
           "frame": "backbone.blocks.28, drawn out (blocks.29 is the same)",
           "norm": ["RMSNorm", "not nn.Linear"], "att": ["attention", "no weights"], "swiglu": ["SwiGLU", "no weights"],
           "adapter": "LoRA: 16 × ({i} + {o})",
           "call": 'add_lora(classifier, rank=16, alpha=16, include=("backbone.blocks.28.*", "backbone.blocks.29.*"))',
           "sum": f"8 layers wrapped: 2 × {thousands(PER_BLOCK)} = {thousands(2 * PER_BLOCK)} adapter numbers, plus the head's "
                  f"{thousands(HEAD_PARAMS)} (freeze_all_but_lora(..., also=(\"head.*\",))): {thousands(2 * PER_BLOCK + HEAD_PARAMS)} trainable"},
    "zh": {"title": "add_lora 在本章的分类器中包装了哪些线性层",
           "stack": [("head", f"Linear(576, 2)：整体训练，{thousands(HEAD_PARAMS)}", TEAL),
                     ("backbone.final_norm", "RMSNorm：冻结", GRAY),
                     ("backbone.blocks.29", f"4 个适配器：{thousands(PER_BLOCK)}", AMBER),
                     ("backbone.blocks.28", f"4 个适配器：{thousands(PER_BLOCK)}", AMBER),
                     ("backbone.blocks.0 … 27", "名字不匹配：冻结", GRAY),
                     ("backbone.embed", "Embedding：冻结", GRAY)],
           "frame": "展开的 backbone.blocks.28（blocks.29 与它相同）",
           "norm": ["RMSNorm", "不是 nn.Linear"], "att": ["注意力", "没有权重"], "swiglu": ["SwiGLU", "没有权重"],
           "adapter": "LoRA：16 × ({i} + {o})",
           "call": 'add_lora(classifier, rank=16, alpha=16, include=("backbone.blocks.28.*", "backbone.blocks.29.*"))',
           "sum": f"包装了 8 个层：适配器共 2 × {thousands(PER_BLOCK)} = {thousands(2 * PER_BLOCK)} 个数，再加上分类头的 "
                  f"{thousands(HEAD_PARAMS)} 个（freeze_all_but_lora(..., also=(\"head.*\",))）：可训练参数共 "
                  f"{thousands(2 * PER_BLOCK + HEAD_PARAMS)} 个"},
}


def fig_layers(t):
    W, H = 1020, 476
    s = SVG(W, H, t["title"])
    # the classifier, top to bottom as the data flows upward
    sx, sw = 20, 236
    ys = [(40, 40), (96, 36), (148, 40), (204, 40), (272, 46), (336, 36)]
    for (name, note, colors), (y, h) in zip(t["stack"], ys):
        if name.startswith("backbone.blocks.0"):
            s.stack_shadows(sx, y, sw, h, colors, copies=2, step=4)
        fill = colors[0] if colors is not AMBER else "#ffffff"
        s.rect(sx, y, sw, h, fill, colors[1], rx=6, sw=2 if colors is AMBER else 1.2)
        fits(name, 12, sw - 12, "stack", mono=True)
        s.mono(sx + sw / 2, y + h / 2 - 3, name, size=12, anchor="middle", weight="bold", fill=colors[1])
        s.ftext(sx + sw / 2, y + h / 2 + 13, note, sw - 10, size=11.5, where="stack note")
    for i, ((uy, uh), (ly, _)) in enumerate(zip(ys[:-1], ys[1:])):
        s.arrow(sx + sw / 2, ly - (8 if i == 3 else 0), sx + sw / 2, uy + uh + 2, sw=1.2)  # up to the box above
    # block 28, drawn out
    fx, fy, fw, fh = 292, 40, 708, 334
    by = ys[3][0]
    s.path(f"M{sx + sw},{by} L{fx},{fy}", color=AMBER[1], sw=1, dash="3 3")
    s.path(f"M{sx + sw},{by + ys[3][1]} L{fx},{fy + fh}", color=AMBER[1], sw=1, dash="3 3")
    s.rect(fx, fy, fw, fh, "#fffdf5", AMBER[1], rx=10, sw=1.5, dash="6 4")
    fits(t["frame"], 12.5, fw - 30, "frame", mono=True)
    s.text(fx + 14, fy + 22, t["frame"], size=12.5, anchor="start", weight="bold", fill=AMBER[1])
    lw = 172  # a linear layer's box
    xs = [fx + 36, fx + 144, fx + 338, fx + 464]  # norm, first linear, middle, second linear
    ws = [84, lw, 104, lw]
    plus = fx + 664
    rows = [(t["norm"], t["att"], BLOCK_LINEARS[:2], "norm1"), (t["norm"], t["swiglu"], BLOCK_LINEARS[2:], "norm2")]
    for r, (norm, middle, linears, norm_name) in enumerate(rows):
        y, h = fy + 70 + r * 138, 48
        cy = y + h / 2
        start = fx + 18
        if r == 0:
            s.line(fx, cy, start, cy, color=MUTED, sw=1.4)  # from block 27
        # the residual branch over the sublayer, and the plus
        s.dot(start, cy, MUTED)
        s.path_arrow(f"M{start},{cy} L{start},{y - 16} L{plus},{y - 16} L{plus},{cy - 14}", sw=1.4)
        s.circled(plus, cy, stroke=MUTED)
        s.arrow(start, cy, xs[0] - 2, cy, sw=1.4)
        s.rect(xs[0], y, ws[0], h, "#ffffff", LINE, rx=8, sw=1.2, dash="4 3")
        s.mono(xs[0] + ws[0] / 2, y + 20, norm_name, size=12, anchor="middle", fill=MUTED, weight="bold")
        s.ftext(xs[0] + ws[0] / 2, y + 37, norm[1], ws[0] - 6, size=11, fill=MUTED, where="norm")
        s.rect(xs[2], y, ws[2], h, "#ffffff", LINE, rx=8, sw=1.2, dash="4 3")
        s.ftext(xs[2] + ws[2] / 2, y + 20, middle[0], ws[2] - 10, size=12.5, weight="bold", fill=MUTED, where="mid")
        s.ftext(xs[2] + ws[2] / 2, y + 37, middle[1], ws[2] - 10, size=11.5, fill=MUTED, where="mid")
        for (name, d_in, d_out), x in zip(linears, (xs[1], xs[3])):
            c = x + lw / 2
            s.rect(x, y, lw, h, GRAY[0], GRAY[1], rx=6, sw=1.2)
            s.mono(c, y + 20, name, size=12.5, anchor="middle", weight="bold")
            shape = f"nn.Linear {thousands(d_in)} → {thousands(d_out)}"
            fits(shape, 11, lw - 8, "linear", mono=True)
            s.mono(c, y + 37, shape, size=11, anchor="middle", fill=MUTED)
            # the adapter hangs below its layer
            ay = y + h + 8
            s.rect(x + 8, ay, lw - 16, 40, AMBER[0], AMBER[1], rx=6, sw=1.2)
            s.ftext(c, ay + 16, t["adapter"].format(i=thousands(d_in), o=thousands(d_out)), lw - 24, size=11.5,
                    where="adapter")
            s.text(c, ay + 33, "= " + thousands(LORA_RANK * (d_in + d_out)), size=12.5, weight="bold", fill=AMBER[1])
            s.line(c, y + h, c, ay, color=AMBER[1], sw=1.2)
        for a, b in ((0, 1), (1, 2), (2, 3)):
            s.arrow(xs[a] + ws[a], cy, xs[b] - 2, cy, sw=1.4)
        s.arrow(xs[3] + ws[3], cy, plus - 15, cy, sw=1.4)
        if r == 0:  # on to the feed-forward sublayer
            s.path_arrow(f"M{plus + 13},{cy} L{fx + fw - 24},{cy} L{fx + fw - 24},{y + h + 62} L{start},{y + h + 62} "
                         f"L{start},{cy + 138 - 1}", sw=1.4)
        else:
            s.arrow(plus + 13, cy, fx + fw - 10, cy, sw=1.4)
    fits(t["call"], 11.5, W - 40, "call", mono=True)
    s.mono(20, fy + fh + 34, t["call"], size=11.5, fill=INK)
    s.ftext(20, fy + fh + 58, t["sum"], W - 30, size=12.5, anchor="start", where="sum")
    return s


FIGURES = {"classifier": (fig_classifier, CLASSIFIER), "lora": (fig_lora, LORA),
           "data": (fig_data, DATA), "padding": (fig_padding, PADDING), "stored": (fig_stored, STORED),
           "trainable": (fig_trainable, TRAINABLE), "threshold": (fig_threshold, THRESHOLD),
           "merge": (fig_merge, MERGE), "layers": (fig_layers, LAYERS)}


if __name__ == "__main__":
    write_figures(FIGURES, "ch07")
