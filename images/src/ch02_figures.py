#!/usr/bin/env python3
"""Generate the diagrams of the chapter on working with text (English and Chinese).

Run from the repository root:

    python3 images/src/ch02_figures.py

Drawn with diagrams.py beside this file (boxes, cell grids, brackets), one layout function per
figure and one dict of strings per language. Output: images/ch02/<name>-en.svg and
images/ch02/<name>-zh.svg.

Every token, id, byte and merge rank drawn here was computed with the package (GPT-2's
tokenizer from `BPETokenizer.from_gpt2()`, the word-level tokenizer and the data loader of the
chapter, on The Verdict); the vector cells are schematic shades, not values. The playground figure,
which stands in the PDF for the website's interactive tokenizer, draws the example that a cell of the
chapter wrote to interactive/data/gpt2-bpe.js.
"""
from __future__ import annotations

from diagrams import (AMBER, BLUE, GRAY, INK, LINE, MUTED, ROSE, SVG, TEAL, VIOLET, figure_data, mix,
                      side_by_side, text_width, token_widths, write_figures)

SP = "␣"  # how the figures show a space inside a token


def shade(seed: int, k: int) -> float:
    "A fixed pseudo-random shade in [0, 1] for cell `k` of vector `seed` (schematic values)."
    return ((seed * 7919 + k * 104729 + seed * k * 31) % 997) / 997


# ---------------------------------------------------------------------------
# text -> tokens -> ids -> embeddings
# ---------------------------------------------------------------------------

PIPE_TOKENS = ["Token", "izers", SP + "turn", SP + "text", SP + "into", SP + "numbers", "."]
PIPE_IDS = [30642, 11341, 1210, 2420, 656, 3146, 13]  # GPT-2's ids of "Tokenizers turn text into numbers."

PIPELINE = {
    "en": {"title": "From text to vectors: tokens, token ids, embeddings",
           "text": "Tokenizers turn text into numbers.",
           "rows": ["text", "tokens", "token ids", "embeddings"],
           "steps": ["tokenizer (BPE)", "vocabulary lookup", "embedding layer"],
           "note": "one trainable vector per token id (256 numbers in this chapter, 768 in GPT-2 small)",
           "space": f"{SP} = space"},
    "zh": {"title": "从文本到向量：词元、词元 ID、嵌入",
           "text": "Tokenizers turn text into numbers.",
           "rows": ["文本", "词元", "词元 ID", "嵌入"],
           "steps": ["分词器（BPE）", "查词表", "嵌入层"],
           "note": "每个词元 ID 对应一个可训练的向量（本章取 256 维，GPT-2 small 为 768 维）",
           "space": f"{SP} 表示空格"},
}


def _row_names(s, names, mids, steps, last_end=12):
    """Each row's name at the left, level with `mids`; between two rows an arrow down, named by its step.

    The arrows start 12 below a row's middle and end 12 above the next one's (`last_end` for the last)."""
    for name, y in zip(names, mids):
        s.text(24, y + 5, name, size=15, anchor="start", weight="bold")
    ends = [12] * (len(steps) - 1) + [last_end]
    for y1, y2, end, step in zip(mids, mids[1:], ends, steps):
        y1, y2 = y1 + 12, y2 - end
        s.arrow(34, y1, 34, y2, color=MUTED, sw=1.4)
        s.text(46, (y1 + y2) / 2 + 5, step, size=13, anchor="start", fill=MUTED, italic=step.isascii())


def fig_pipeline(t):
    size, gap = 15, 12
    widths = token_widths(PIPE_TOKENS, size, pad=11, least=46)
    x0 = 190
    xs, right = side_by_side(widths, x0, gap)
    W, H = int(right + 30), 430
    s = SVG(W, H, t["title"])
    ys = {"text": 24, "tokens": 116, "ids": 200, "emb": 284}
    row_mid = [ys["text"] + 20, ys["tokens"] + 18, ys["ids"] + 17, ys["emb"] + 39]
    _row_names(s, t["rows"], row_mid, t["steps"], last_end=42)
    s.box(x0, ys["text"], right - x0, 40, [t["text"]], GRAY, size=16, rx=8)
    for i, (x, w, tok, tid) in enumerate(zip(xs, widths, PIPE_TOKENS, PIPE_IDS)):
        cx = x + w / 2
        s.arrow(cx, ys["text"] + 42, cx, ys["tokens"] - 3, color=LINE, sw=1.2)
        s.box(x, ys["tokens"], w, 36, [tok], BLUE, size=size, rx=7)
        s.arrow(cx, ys["tokens"] + 38, cx, ys["ids"] - 3, color=LINE, sw=1.2)
        s.box(x, ys["ids"], w, 34, [str(tid)], AMBER, size=14, rx=7, weight="bold")
        s.arrow(cx, ys["ids"] + 36, cx, ys["emb"] - 3, color=LINE, sw=1.2)
        fills = [[mix(TEAL[1], 0.12 + 0.75 * shade(tid, k))] for k in range(6)]
        s.grid(cx - 14, ys["emb"], 6, 1, 28, 13, ("#ffffff", TEAL[1]), fills=fills, sw=0.8, rx=1)
    s.text_lines(x0, H - 40, [t["note"], t["space"]], size=13, anchor="start", fill=MUTED, lh=1.5)
    return s


# ---------------------------------------------------------------------------
# the word-level vocabulary lookup, and the unknown word
# ---------------------------------------------------------------------------

VOCAB_WORDS = ["Hello", ",", "do", "you", "like", "tea", "?"]
VOCAB_IDS = [1166, 5, 385, 1159, 656, 1006, 10]  # WordTokenizer(verdict).encode("Hello, do you like tea?")
VOCAB_ROWS = [(5, ","), None, (10, "?"), None, (385, "do"), None, (656, "like"), None, (1006, "tea"), None,
              (1159, "you"), None, (1165, "<|endoftext|>"), (1166, "<|unk|>")]

VOCAB = {
    "en": {"title": "A word-level tokenizer looks every word up in its vocabulary",
           "rows": ["text", "words", "token ids"], "steps": ["split_words", "look up"],
           "text": "Hello, do you like tea?",
           "table": "vocabulary of The Verdict", "table_sub": "1,167 entries, sorted",
           "id": "id", "token": "token",
           "unk": ["“Hello” is not in the vocabulary:", "it becomes <|unk|> and is lost"]},
    "zh": {"title": "词级分词器在词表中查找每个单词",
           "rows": ["文本", "单词", "词元 ID"], "steps": ["split_words", "查词表"],
           "text": "Hello, do you like tea?",
           "table": "The Verdict 的词表", "table_sub": "共 1,167 项，已排序",
           "id": "ID", "token": "词元",
           "unk": ["词表里没有“Hello”：", "它变成 <|unk|>，原词就此丢失"]},
}


def fig_vocab(t):
    size, gap = 15, 12
    widths = token_widths(VOCAB_WORDS, size, pad=12, least=52)
    x0 = 150
    xs, right = side_by_side(widths, x0, gap)
    tx = right + 60            # the vocabulary table
    tw, idw = 210, 64
    W, H = int(tx + tw + 24), 404
    s = SVG(W, H, t["title"])
    ys = [40, 140, 236]
    mids = [ys[0] + 20, ys[1] + 18, ys[2] + 18]
    _row_names(s, t["rows"], mids, t["steps"])
    s.box(x0, ys[0], right - x0, 40, [t["text"]], GRAY, size=16, rx=8)
    for i, (x, w, word, wid) in enumerate(zip(xs, widths, VOCAB_WORDS, VOCAB_IDS)):
        cx = x + w / 2
        unknown = i == 0
        s.arrow(cx, ys[0] + 42, cx, ys[1] - 3, color=LINE, sw=1.2)
        s.box(x, ys[1], w, 36, [word], ROSE if unknown else BLUE, size=size, rx=7)
        s.arrow(cx, ys[1] + 38, cx, ys[2] - 3, color=ROSE[1] if unknown else LINE, sw=1.2)
        s.box(x, ys[2], w, 36, [str(wid)], ROSE if unknown else AMBER, size=14, rx=7, weight="bold")
    s.text_lines(xs[0], ys[2] + 66, t["unk"], size=13, anchor="start", fill=ROSE[1])
    # the table
    s.text(tx, 34, t["table"], size=14, anchor="start", weight="bold", fill=AMBER[1])
    s.text(tx, 54, t["table_sub"], size=12.5, anchor="start", fill=MUTED)
    y = 70
    s.text(tx + idw / 2, y + 15, t["id"], size=12.5, fill=MUTED, weight="bold")
    s.text(tx + idw + 12, y + 15, t["token"], size=12.5, anchor="start", fill=MUTED, weight="bold")
    y += 24
    used = set(VOCAB_IDS)
    for row in VOCAB_ROWS:
        if row is None:
            s.text(tx + idw / 2, y + 11, "⋮", size=12, fill=MUTED)
            s.text(tx + idw + 30, y + 11, "⋮", size=12, fill=MUTED)
            y += 15
            continue
        rid, tok = row
        col = ROSE if rid == 1166 else (AMBER if rid in used else GRAY)
        s.rect(tx, y, tw, 22, col[0] if rid in used else "#ffffff", col[1] if rid in used else LINE, rx=4, sw=1)
        s.text(tx + idw / 2, y + 16, str(rid), size=13, weight="bold" if rid in used else "normal")
        s.text(tx + idw + 12, y + 16, tok, size=13, anchor="start")
        y += 25
    return s


# ---------------------------------------------------------------------------
# BPE merges applied to " lowest", in rank order
# ---------------------------------------------------------------------------
# Computed with BPETokenizer.from_gpt2(): start from the 7 bytes, at each step merge the adjacent pair
# of lowest rank. Each step: pieces as (text, token id, first byte, last byte), then the rank of each
# adjacent pair (None: GPT-2 has no such merge).

LOWEST = [
    ([(SP, 220, 0, 0), ("l", 75, 1, 1), ("o", 78, 2, 2), ("w", 86, 3, 3), ("e", 68, 4, 4), ("s", 82, 5, 5),
      ("t", 83, 6, 6)], [44, 5183, 66, 476, 18, 45]),
    ([(SP, 220, 0, 0), ("l", 75, 1, 1), ("o", 78, 2, 2), ("w", 86, 3, 3), ("es", 274, 4, 5), ("t", 83, 6, 6)],
     [44, 5183, 66, None, 139]),
    ([(SP + "l", 300, 0, 1), ("o", 78, 2, 2), ("w", 86, 3, 3), ("es", 274, 4, 5), ("t", 83, 6, 6)],
     [2120, 66, None, 139]),
    ([(SP + "l", 300, 0, 1), ("ow", 322, 2, 3), ("es", 274, 4, 5), ("t", 83, 6, 6)], [1621, None, 139]),
    ([(SP + "l", 300, 0, 1), ("ow", 322, 2, 3), ("est", 395, 4, 6)], [1621, None]),
    ([(SP + "low", 1877, 0, 3), ("est", 395, 4, 6)], [8760]),
    ([(SP + "lowest", 9016, 0, 6)], []),
]

BPE_MERGE = {
    "en": {"title": "GPT-2's BPE encoding the word “ lowest”, one merge per step",
           "start": "bytes", "step": "merge {}", "done": "done: 1 token",
           "merge": "rank {}: {} + {} → {}",
           "legend": ["Between two pieces: the rank of that pair among GPT-2's 50,000 merges (— : no such merge).",
                      f"Each step merges the pair of lowest rank (highlighted). Small numbers: token ids. {SP} = space."]},
    "zh": {"title": "GPT-2 的 BPE 编码单词“ lowest”：每步合并一次",
           "start": "字节", "step": "第 {} 次合并", "done": "完成：1 个词元",
           "merge": "序号 {}：{} + {} → {}",
           "legend": ["两个片段之间的数字：这对相邻片段在 GPT-2 的 50,000 条合并规则中的序号（—：没有这条规则）。",
                      f"每一步合并序号最小的那一对（高亮）。小字是词元 ID；{SP} 表示空格。"]},
}


def fig_bpe_merge(t):
    cw, g, x0, y0, rh, bh = 54, 40, 112, 30, 62, 30
    note_x = x0 + 7 * cw + 6 * g + 26
    W = int(note_x + max(text_width(t["merge"].format(8760, SP + "low", "est", SP + "lowest"), 13), 210) + 24)
    H = y0 + len(LOWEST) * rh + 56
    s = SVG(W, H, t["title"])

    def xa(b):
        return x0 + b * (cw + g)

    for n, (pieces, ranks) in enumerate(LOWEST):
        y = y0 + n * rh
        label = t["start"] if n == 0 else t["step"].format(n)
        s.text(x0 - 16, y + bh / 2 + 5, label, size=13, anchor="end", fill=MUTED, weight="bold")
        ok = [r for r in ranks if r is not None]
        best = min(ok) if ok else None
        for txt, tid, b1, b2 in pieces:
            x, w = xa(b1), xa(b2) + cw - xa(b1)
            new = n > 0 and (b1, b2) not in {(q[2], q[3]) for q in LOWEST[n - 1][0]}
            col = TEAL if new else BLUE
            s.box(x, y, w, bh, [txt], col, size=15, rx=6, weight="bold" if new else "normal")
            s.text(x + w / 2, y + bh + 13, str(tid), size=10.5, fill=MUTED)
        for k, r in enumerate(ranks):
            gx = xa(pieces[k][3]) + cw + g / 2
            if r is not None and r == best:
                bw = text_width(str(r), 12) + 10
                s.rect(gx - bw / 2, y + bh / 2 - 10, bw, 20, AMBER[0], AMBER[1], rx=10, sw=1.3)
                s.text(gx, y + bh / 2 + 4.5, str(r), size=12, weight="bold", fill=AMBER[1])
            else:
                s.text(gx, y + bh / 2 + 4.5, "—" if r is None else str(r), size=11, fill=MUTED)
        if best is not None:
            k = ranks.index(best)
            a, b = pieces[k][0], pieces[k + 1][0]
            s.text(note_x, y + bh / 2 + rh / 2 + 5, t["merge"].format(best, a, b, a + b), size=13,
                   anchor="start", fill=AMBER[1])
            s.arrow(xa(pieces[k][3]) + cw + g / 2, y + bh / 2 + 12, xa(pieces[k][3]) + cw + g / 2, y + rh - 2,
                    color=AMBER[1], sw=1.2)
        else:
            s.text(note_x, y + bh / 2 + 9, t["done"], size=13, anchor="start", fill=TEAL[1], weight="bold")
    s.text_lines(24, H - 34, t["legend"], size=12.5, anchor="start", fill=MUTED, lh=1.45)
    return s


# ---------------------------------------------------------------------------
# Chinese characters, their UTF-8 bytes, and GPT-2's tokens
# ---------------------------------------------------------------------------

CHARS = "床前明月光"
BYTES = ["E5", "BA", "8A", "E5", "89", "8D", "E6", "98", "8E", "E6", "9C", "88", "E5", "85", "89"]
# GPT-2's tokens of 床前明月光: (first byte, last byte, token id); only 光 is a whole character.
CN_TOKENS = [(0, 1, 41753), (2, 2, 232), (3, 4, 30298), (5, 5, 235), (6, 7, 23626), (8, 8, 236),
             (9, 10, 17312), (11, 11, 230), (12, 14, 46268)]

UTF8 = {
    "en": {"title": "Byte-level BPE on Chinese: five characters, fifteen bytes, nine tokens",
           "rows": ["characters", "UTF-8 bytes", "GPT-2 tokens", "token ids"],
           "legend": [("a whole character: 光 has its own token", TEAL),
                      ("part of a character: not valid UTF-8 alone, decodes to �", AMBER)]},
    "zh": {"title": "中文上的字节级 BPE：五个汉字、十五个字节、九个词元",
           "rows": ["汉字", "UTF-8 字节", "GPT-2 词元", "词元 ID"],
           "legend": [("完整的汉字：“光”有自己的词元", TEAL),
                      ("汉字的一部分：单独不是合法的 UTF-8，解码成 �", AMBER)]},
}


def fig_utf8(t):
    cw, g, x0 = 44, 4, 150
    W = int(x0 + 15 * cw + 14 * g + 28)
    H = 300
    s = SVG(W, H, t["title"])
    yc, yb, yt = 28, 92, 150

    def xb(b):
        return x0 + b * (cw + g)

    for name, y in zip(t["rows"], (yc + 22, yb + 20, yt + 21, yt + 56)):
        s.text(24, y + 5, name, size=14, anchor="start", weight="bold")
    for k, ch in enumerate(CHARS):
        x = xb(3 * k)
        w = xb(3 * k + 2) + cw - x
        s.box(x, yc, w, 44, [ch], GRAY, size=22, rx=8)
        s.line(x + w / 2, yc + 46, x + w / 2, yb - 12, color=LINE)
        s.brace(x + 3, x + w - 3, yb - 12, color=LINE)
    for b, hx in enumerate(BYTES):
        s.box(xb(b), yb, cw, 30, [hx], ("#ffffff", BLUE[1]), size=13, rx=4, sw=1.1)
    for b1, b2, tid in CN_TOKENS:
        x, w = xb(b1), xb(b2) + cw - xb(b1)
        whole = b2 - b1 == 2
        col = TEAL if whole else AMBER
        s.box(x, yt, w, 34, [CHARS[b1 // 3] if whole else "�"], col, size=16, rx=6,
              weight="bold" if whole else "normal")
        s.text(x + w / 2, yt + 60, str(tid), size=12.5, weight="bold", fill=col[1])
    y = yt + 96
    s.legend(x0, y, [(label, *col) for label, col in t["legend"]], rx=4, sw=1.2)
    return s


# ---------------------------------------------------------------------------
# the sliding window turns the token stream into input and target rows
# ---------------------------------------------------------------------------

STREAM_IDS = [40, 367, 2885, 1464, 1807, 3619, 402, 271, 10899, 2138, 257, 7026, 15632]
STREAM_TOKS = ["I", SP + "H", "AD", SP + "always", SP + "thought", SP + "Jack", SP + "G", "is", "burn",
               SP + "rather", SP + "a", SP + "cheap", SP + "genius"]

BATCH = {
    "en": {"title": "The data loader cuts windows of 4 tokens with stride 4 and stacks them into a batch",
           "stream": "token ids of The Verdict", "inputs": "inputs  (8, 4)", "targets": "targets  (8, 4)",
           "row": "row {}", "more": "5 more rows",
           "win_in": "input windows: start every 4 tokens", "win_out": "target windows: the same, one token later",
           "note": "Column j of a target row is the token that follows column j of its input row."},
    "zh": {"title": "数据加载器以步幅 4 切出长度为 4 的窗口，再堆叠成一个批次",
           "stream": "The Verdict 的词元 ID", "inputs": "输入  (8, 4)", "targets": "目标  (8, 4)",
           "row": "第 {} 行", "more": "另有 5 行",
           "win_in": "输入窗口：每隔 4 个词元开始一个", "win_out": "目标窗口：同样的窗口，错后一个词元",
           "note": "目标行的第 j 列，就是输入行第 j 列之后的那个词元。"},
}


def fig_batch(t):
    cw, g, x0 = 58, 4, 30
    n = len(STREAM_IDS)
    W = int(x0 + n * (cw + g) + 40)
    H = 400
    s = SVG(W, H, t["title"])
    ys = 50

    def xc(i):
        return x0 + i * (cw + g)

    s.text(x0, 26, t["stream"], size=14, anchor="start", weight="bold")
    for w in range(3):
        s.brace(xc(4 * w) + 2, xc(4 * w + 3) + cw - 2, ys - 10, color=BLUE[1], sw=1.6)
    s.text(xc(12) + cw, 26, t["win_in"], size=12.5, anchor="end", fill=BLUE[1])
    for i, (tid, tok) in enumerate(zip(STREAM_IDS, STREAM_TOKS)):
        wnd = i // 4
        fill = mix(BLUE[1], 0.10 + 0.08 * (wnd % 2)) if i < 12 else "#ffffff"
        s.rect(xc(i), ys, cw, 30, fill, BLUE[1], rx=4, sw=1.1)
        s.text(xc(i) + cw / 2, ys + 20, str(tid), size=13, weight="bold")
        s.text(xc(i) + cw / 2, ys + 46, tok, size=11.5, fill=MUTED)
    s.text(xc(n) + 6, ys + 20, "…", size=16, anchor="start", fill=MUTED)
    for w in range(3):
        s.brace(xc(4 * w + 1) + 2, xc(4 * w + 4) + cw - 2, ys + 62, color=AMBER[1], up=True, sw=1.6)
    s.text(xc(12) + cw, ys + 84, t["win_out"], size=12.5, anchor="end", fill=AMBER[1])

    my = 196
    mw = 4 * cw + 3 * g
    ix = W / 2 - mw - 50
    ox = W / 2 + 50
    s.text(ix, my - 14, t["inputs"], size=14, anchor="start", weight="bold", fill=BLUE[1])
    s.text(ox, my - 14, t["targets"], size=14, anchor="start", weight="bold", fill=AMBER[1])
    for r in range(3):
        y = my + r * 36
        s.text(ix - 12, y + 20, t["row"].format(r), size=12.5, anchor="end", fill=MUTED)
        for c in range(4):
            s.rect(ix + c * (cw + g), y, cw, 30, mix(BLUE[1], 0.10 + 0.08 * (r % 2)), BLUE[1], rx=4, sw=1.1)
            s.text(ix + c * (cw + g) + cw / 2, y + 20, str(STREAM_IDS[4 * r + c]), size=13, weight="bold")
            s.rect(ox + c * (cw + g), y, cw, 30, AMBER[0], AMBER[1], rx=4, sw=1.1)
            s.text(ox + c * (cw + g) + cw / 2, y + 20, str(STREAM_IDS[4 * r + c + 1]), size=13, weight="bold")
    y = my + 3 * 36
    s.text(ix + mw / 2, y + 16, "⋮  " + t["more"], size=12.5, fill=MUTED)
    s.text(ox + mw / 2, y + 16, "⋮  " + t["more"], size=12.5, fill=MUTED)
    for r in range(3):
        y = my + r * 36 + 15
        s.arrow(ix + mw + 8, y, ox - 8, y, color=LINE, sw=1.1)
    s.text(W / 2, my + 4 * 36 + 26, t["note"], size=13, fill=MUTED)
    return s


# ---------------------------------------------------------------------------
# token embeddings + position embeddings = the model's input
# ---------------------------------------------------------------------------

EMB_IDS = [(40, "I"), (367, SP + "H"), (2885, "AD"), (1464, SP + "always")]

EMBEDDINGS = {
    "en": {"title": "Token embeddings plus position embeddings give the model's input",
           "ids": "token ids", "tok": "token embeddings", "pos": "position embeddings", "out": "model input",
           "tok_sub": "row id of a 50,257 × 256 table", "pos_sub": "row p of a 4 × 256 table",
           "out_sub": "one vector per position",
           "pos_label": "position", "shapes": ["(8, 4)", "(8, 4, 256)", "(4, 256): the same for all 8 rows",
                                                "(8, 4, 256)"],
           "batch": "shapes for the whole batch of 8 windows:"},
    "zh": {"title": "词元嵌入加上位置嵌入，得到模型的输入",
           "ids": "词元 ID", "tok": "词元嵌入", "pos": "位置嵌入", "out": "模型输入",
           "tok_sub": "50,257 × 256 表中的第 id 行", "pos_sub": "4 × 256 表中的第 p 行",
           "out_sub": "每个位置一个向量",
           "pos_label": "位置", "shapes": ["(8, 4)", "(8, 4, 256)", "(4, 256)：8 行共用", "(8, 4, 256)"],
           "batch": "整个批次（8 个窗口）的形状："},
}


def fig_embeddings(t):
    ncell, cw, ch, rh = 8, 17, 26, 40
    vw = ncell * cw
    x_ids, idw = 96, 130
    x_tok = x_ids + idw + 66
    x_pos = x_tok + vw + 64
    x_out = x_pos + vw + 64
    W = int(x_out + vw + 40)
    y0 = 104
    H = y0 + 4 * rh + 84
    s = SVG(W, H, t["title"])
    heads = [(x_ids, idw, t["ids"], None, AMBER), (x_tok, vw, t["tok"], t["tok_sub"], BLUE),
             (x_pos, vw, t["pos"], t["pos_sub"], VIOLET), (x_out, vw, t["out"], t["out_sub"], TEAL)]
    for x, w, head, sub, col in heads:
        s.text(x + w / 2, 36, head, size=14.5, weight="bold", fill=col[1])
        if sub:
            s.text(x + w / 2, 56, sub, size=12, fill=MUTED)
    s.text(x_ids - 16, y0 - 14, t["pos_label"], size=12, anchor="end", fill=MUTED)
    for p, (tid, tok) in enumerate(EMB_IDS):
        y = y0 + p * rh
        s.text(x_ids - 16, y + ch / 2 + 5, str(p), size=13, anchor="end", fill=MUTED, weight="bold")
        s.rect(x_ids, y, idw, ch, AMBER[0], AMBER[1], rx=5, sw=1.2)
        s.text(x_ids + 10, y + ch / 2 + 5, str(tid), size=13.5, anchor="start", weight="bold")
        s.text(x_ids + idw - 10, y + ch / 2 + 5, tok, size=12.5, anchor="end", fill=MUTED)
        s.arrow(x_ids + idw + 4, y + ch / 2, x_tok - 6, y + ch / 2, color=LINE, sw=1.2)
        a = [0.1 + 0.8 * shade(tid, k) for k in range(ncell)]
        b = [0.1 + 0.8 * shade(977 + p * 13, k) for k in range(ncell)]
        for x, vals, col in ((x_tok, a, BLUE), (x_pos, b, VIOLET),
                             (x_out, [(u + v) / 2 for u, v in zip(a, b)], TEAL)):
            s.grid(x, y, 1, ncell, cw, ch, ("#ffffff", col[1]), fills=[[mix(col[1], v) for v in vals]], sw=0.8,
                   rx=1)
        s.text((x_tok + vw + x_pos) / 2, y + ch / 2 + 7, "+", size=20, weight="bold", fill=INK)
        s.text((x_pos + vw + x_out) / 2, y + ch / 2 + 7, "=", size=20, weight="bold", fill=INK)
    yb = y0 + 4 * rh + 34
    s.line(24, yb - 22, W - 24, yb - 22, color="#e5e7eb")
    s.text(24, yb, t["batch"], size=12.5, anchor="start", fill=MUTED)
    for (x, w, _, _, col), shape in zip(heads, t["shapes"]):
        s.text(x + w / 2, yb + 26, shape, size=13, weight="bold", fill=col[1])
    return s


# ---------------------------------------------------------------------------
# the tokenizer playground of the website, on its example text
# ---------------------------------------------------------------------------

PLAYGROUND = {
    "en": {"title": "GPT-2's tokenizer on the playground's example: each token with its id",
           "text": "text", "tokens": "tokens and their ids",
           "legend": [("a whole token, its text shown (␣ = space)", TEAL),
                      ("part of a character's UTF-8 bytes, shown in hex", AMBER)],
           "count": "{t} tokens for {c} characters ({b} bytes)"},
    "zh": {"title": "GPT-2 的分词器处理交互示例中的文本：每个词元及其 ID",
           "text": "文本", "tokens": "词元及其 ID",
           "legend": [("完整的词元，显示其文本（␣ 表示空格）", TEAL),
                      ("某个字符 UTF-8 字节的一部分，以十六进制显示", AMBER)],
           "count": "{c} 个字符（{b} 个字节）切成 {t} 个词元"},
}


def fig_playground(t):
    ex = figure_data("gpt2-bpe")["example"]
    pieces = []
    for hexed in ex["bytes"]:
        raw = bytes.fromhex(hexed)
        try:
            pieces.append((raw.decode("utf-8").replace(" ", SP), True))
        except UnicodeDecodeError:
            pieces.append((" ".join(f"{b:02x}" for b in raw), False))
    W, x0, gap, bh, rh, size = 900, 24, 6, 32, 70, 15
    widths = token_widths([p for p, _ in pieces], size, pad=8, least=30)
    rows, row, used = [], [], 0
    for k, w in enumerate(widths):
        if row and used + w > W - 2 * x0:
            rows.append(row)
            row, used = [], 0
        row.append(k)
        used += w + gap
    rows.append(row)
    y_tok = 118
    H = y_tok + len(rows) * rh + 70
    s = SVG(W, H, t["title"])
    s.text(x0, 28, t["text"], size=14, anchor="start", weight="bold")
    s.rect(x0, 38, W - 2 * x0, 36, GRAY[0], GRAY[1], rx=6, sw=1)
    s.mono(x0 + 12, 61, ex["text"], size=15)
    s.text(x0, y_tok - 12, t["tokens"], size=14, anchor="start", weight="bold")
    for r, ks in enumerate(rows):
        x, y = x0, y_tok + r * rh
        for k in ks:
            text, whole = pieces[k]
            col = TEAL if whole else AMBER
            s.rect(x, y, widths[k], bh, col[0], col[1], rx=5, sw=1.2, dash=None if whole else "4 3")
            if whole:
                s.text(x + widths[k] / 2, y + bh / 2 + 5, text, size=size)
            else:
                s.mono(x + widths[k] / 2, y + bh / 2 + 5, text, size=12.5, anchor="middle")
            s.text(x + widths[k] / 2, y + bh + 18, str(ex["ids"][k]), size=12, weight="bold", fill=col[1])
            x += widths[k] + gap
    yl = y_tok + len(rows) * rh + 4
    s.legend(x0, yl, [(label, *col) for label, col in t["legend"]], rx=4, sw=1.2, columns=2, column=430)
    s.text(x0, yl + 48, t["count"].format(t=len(ex["ids"]), c=len(ex["text"]), b=len(ex["text"].encode())),
           size=13, anchor="start", fill=MUTED)
    return s


FIGURES = {
    "pipeline": (fig_pipeline, PIPELINE),
    "vocab": (fig_vocab, VOCAB),
    "bpe-merge": (fig_bpe_merge, BPE_MERGE),
    "utf8": (fig_utf8, UTF8),
    "batch": (fig_batch, BATCH),
    "embeddings": (fig_embeddings, EMBEDDINGS),
    "playground": (fig_playground, PLAYGROUND),
}


if __name__ == "__main__":
    write_figures(FIGURES, "ch02")
