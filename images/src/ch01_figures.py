#!/usr/bin/env python3
"""Generate the chapter 1 figures (English and Chinese) as standalone SVG files.

Run from the repository root:

    python3 images/src/ch01_figures.py

Each figure is described once by a layout function that takes a dict of strings; the English and
Chinese versions share that layout and differ only in their text. Drawn with diagrams.py beside this
file; only the standard library is used. Output: images/ch01/<name>-en.svg and images/ch01/<name>-zh.svg.
"""

from __future__ import annotations

from diagrams import (AMBER, BLUE, GRAY, INK, LINE, MUTED, ROSE, SVG, TEAL, VIOLET, text_width, token_widths,
                      write_figures)


# ---------------------------------------------------------------------------
# Figure 1: AI > machine learning > deep learning > LLMs
# ---------------------------------------------------------------------------

NESTING = {
    "en": {
        "title": "Large language models within AI, machine learning and deep learning",
        "levels": [
            ("Artificial intelligence",
             "Systems that do tasks we would call intelligent: rules, search, learning"),
            ("Machine learning",
             "Behaviour learned from examples instead of written by hand"),
            ("Deep learning",
             "Neural networks with many layers that learn their own features"),
            ("Large language models",
             "Deep networks with billions of parameters, trained on huge text corpora"),
        ],
        "core": ["predict the next token"],
    },
    "zh": {
        "title": "大语言模型在人工智能、机器学习与深度学习中的位置",
        "levels": [
            ("人工智能", "完成“需要智能”的任务的系统：规则、搜索、学习皆可"),
            ("机器学习", "行为从样本中学得，而不是由人手工编写"),
            ("深度学习", "多层神经网络，自己从原始输入中学习特征"),
            ("大语言模型", "参数量达数十亿、在海量文本上训练的深度网络"),
        ],
        "core": ["预测下一个词元"],
    },
}


def fig_nesting(t):
    W, H = 820, 470
    s = SVG(W, H, t["title"])
    palette = [GRAY, BLUE, TEAL, AMBER]
    inset, top = 34, 64
    x, y, w, h = 16, 16, W - 32, H - 32
    for i, ((name, desc), col) in enumerate(zip(t["levels"], palette)):
        s.rect(x, y, w, h, col[0], col[1], rx=18, sw=1.6)
        s.text(x + 22, y + 30, name, size=18, anchor="start", weight="bold", fill=col[1])
        s.text(x + 22, y + 52, desc, size=13.5, anchor="start", fill=INK)
        if i < len(t["levels"]) - 1:
            x, y, w, h = x + inset, y + top + 8, w - 2 * inset, h - top - 8 - 18
    # core: the training objective, drawn as a small pill
    cw, ch = 230, 40
    cx, cy = x + w / 2 - cw / 2, y + h - ch - 26
    s.box(cx, cy, cw, ch, t["core"], ("#ffffff", AMBER[1]), size=15, rx=20,
          text_color=AMBER[1], weight="bold")
    return s


# ---------------------------------------------------------------------------
# Figure 2: autoregressive next-token prediction
# ---------------------------------------------------------------------------

NEXT_TOKEN = {
    "en": {
        "title": "Next-token prediction: every prefix of a text is a training example",
        "tokens": ["Language", "models", "predict", "the", "next", "token"],
        "col_in": "Input (the context so far)",
        "col_out": "Target",
        "note": [
            "The targets are the same text shifted by one position,",
            "so no human labels are needed (self-supervised learning).",
            "When generating, each predicted token is appended to the input.",
        ],
    },
    "zh": {
        "title": "下一词元预测：一段文本的每个前缀都是一个训练样本",
        "tokens": ["语言", "模型", "会", "预测", "下一个", "词元"],
        "col_in": "输入（已有的上下文）",
        "col_out": "目标",
        "note": [
            "目标就是同一段文本向后错开一个位置，",
            "因此无须人工标注（自监督学习）。",
            "生成时，每个预测出的词元都会追加到输入末尾。",
        ],
    },
}


def fig_next_token(t):
    toks = t["tokens"]
    size, pad, gap, bh = 15, 14, 8, 34
    widths = token_widths(toks, size, pad=pad, least=44)
    x0, y0, row_h = 40, 78, 50
    in_span = sum(widths[:-1]) + gap * (len(toks) - 2)
    arrow_x1 = x0 + in_span + 22
    target_x = arrow_x1 + 58
    max_target = max(widths[1:])
    W = int(target_x + max_target + 40)
    n_rows = len(toks) - 1
    note_y = y0 + n_rows * row_h + 30
    H = int(note_y + (len(t["note"]) - 1) * 21.6 + 24)
    W = max(W, 640)
    s = SVG(W, H, t["title"])
    s.text(x0, 40, t["col_in"], size=14, anchor="start", weight="bold", fill=BLUE[1])
    s.text(target_x, 40, t["col_out"], size=14, anchor="start", weight="bold", fill=AMBER[1])
    s.parts.append(f'<line x1="{x0}" y1="52" x2="{W - 30}" y2="52" stroke="{LINE}" stroke-width="1"/>')
    for r in range(n_rows):
        y = y0 + r * row_h
        x = x0
        for i in range(r + 1):
            col = BLUE if i < r else ("#bfdbfe", BLUE[1])
            s.box(x, y, widths[i], bh, [toks[i]], col, size=size, rx=7)
            x += widths[i] + gap
        s.arrow(x - gap + 10, y + bh / 2, arrow_x1 + 40, y + bh / 2)
        s.box(target_x, y, widths[r + 1], bh, [toks[r + 1]], AMBER, size=size, rx=7,
              weight="bold")
    s.text_lines(x0, note_y, t["note"], size=13.5, lh=1.6, anchor="start", fill=MUTED)
    return s


# ---------------------------------------------------------------------------
# Figure 3: encoder-decoder transformer, encoder-only, decoder-only
# ---------------------------------------------------------------------------

ARCH = {
    "en": {
        "title": "Three transformer families",
        "panels": [
            ("Encoder–decoder", "original transformer, 2017"),
            ("Encoder-only", "BERT, 2018"),
            ("Decoder-only", "GPT, 2018 onward"),
        ],
        "encoder": "Encoder",
        "decoder": "Decoder",
        "blocks": "× N blocks",
        "ed_in_enc": ["Source", "“Wie geht es?”"],
        "ed_in_dec": ["Target so far", "“How”"],
        "ed_out": "Next target token: “are”",
        "bert_in": "“The [MASK] sat on the mat”",
        "bert_out": "Fill the gap: “cat”",
        "gpt_in": "“The cat sat on the”",
        "gpt_out": "Next token: “mat”",
        "attn": ["bidirectional", "attention", "causal", "attention"],
        "use": [
            "Use: translation",
            "Use: classification, search",
            "Use: generation, any text task",
        ],
    },
    "zh": {
        "title": "Transformer 的三个家族",
        "panels": [
            ("编码器–解码器", "原始 Transformer，2017 年"),
            ("仅编码器", "BERT，2018 年"),
            ("仅解码器", "GPT，2018 年起"),
        ],
        "encoder": "编码器",
        "decoder": "解码器",
        "blocks": "× N 个块",
        "ed_in_enc": ["源句", "“How are you?”"],
        "ed_in_dec": ["已生成的译文", "“你”"],
        "ed_out": "下一个目标词元：“好”",
        "bert_in": "“猫[MASK]在垫子上”",
        "bert_out": "补全空缺：“坐”",
        "gpt_in": "“猫坐在”",
        "gpt_out": "下一个词元：“垫子”",
        "attn": ["双向", "注意力", "因果", "注意力"],
        "use": [
            "用途：机器翻译",
            "用途：分类、检索",
            "用途：文本生成及各类文本任务",
        ],
    },
}


def fig_architectures(t):
    W, H = 960, 470
    s = SVG(W, H, t["title"])
    pw, py, ph = 300, 16, H - 32
    xs = [16, 16 + pw + 14, 16 + 2 * (pw + 14)]
    for x, (name, sub) in zip(xs, t["panels"]):
        s.rect(x, py, pw, ph, "#fafafa", "#e5e7eb", rx=14, sw=1.2)
        s.text(x + pw / 2, py + 32, name, size=18, weight="bold")
        s.text(x + pw / 2, py + 54, sub, size=13, fill=MUTED)
    out_y, blk_y, blk_h, in_y = 110, 170, 150, 388

    def stack(cx, label, colors, attn, bw=118, step=6, small=False):
        "A block of width `bw` centred on `cx`, with one shadow: a stack of N identical blocks."
        size, attn_size, note_size = (15, 12.5, 12) if small else (16, 13, 12.5)
        bx = cx - bw / 2
        s.stack_shadows(bx, blk_y, bw, blk_h, colors, step=step)
        s.rect(bx, blk_y, bw, blk_h, colors[0], colors[1], rx=10, sw=1.6)
        s.text(cx, blk_y + 40, label, size=size, weight="bold", fill=colors[1])
        s.text_lines(cx, blk_y + 76, attn, size=attn_size)
        s.text(cx, blk_y + blk_h - 14, t["blocks"], size=note_size, fill=MUTED)

    def label_box(cx, y, txt, colors, bold=False):
        w = text_width(txt, 13) + 24
        s.box(cx - w / 2, y - 16, w, 32, [txt], colors, size=13, rx=16,
              weight="bold" if bold else "normal")

    a0, a1 = t["attn"][:2], t["attn"][2:]
    # panel 1: encoder + decoder side by side
    c1 = xs[0] + pw / 2
    ex, dx = c1 - 70, c1 + 70
    bw = 100
    for cx, lab, col, at in ((ex, t["encoder"], TEAL, a0), (dx, t["decoder"], VIOLET, a1)):
        stack(cx, lab, col, at, bw=bw, step=5, small=True)
    s.arrow(ex + bw / 2 + 6, blk_y + blk_h / 2 + 20, dx - bw / 2 - 2, blk_y + blk_h / 2 + 20,
            color=TEAL[1])
    label_box(c1, out_y, t["ed_out"], AMBER, bold=True)
    s.arrow(dx, blk_y - 6, dx, out_y + 18)
    for cx, rows in ((ex, t["ed_in_enc"]), (dx, t["ed_in_dec"])):
        s.box(cx - 66, in_y - 22, 132, 44, rows, BLUE, size=12.5, rx=14)
        s.arrow(cx, in_y - 22, cx, blk_y + blk_h + 4)

    # panels 2 and 3: encoder only, decoder only
    for x, name, col, at, out, inp in ((xs[1], t["encoder"], TEAL, a0, t["bert_out"], t["bert_in"]),
                                       (xs[2], t["decoder"], VIOLET, a1, t["gpt_out"], t["gpt_in"])):
        c = x + pw / 2
        stack(c, name, col, at)
        label_box(c, out_y, out, AMBER, bold=True)
        s.arrow(c, blk_y - 8, c, out_y + 18)
        label_box(c, in_y, inp, BLUE)
        s.arrow(c, in_y - 18, c, blk_y + blk_h + 4)

    for x, use in zip(xs, t["use"]):
        s.text(x + pw / 2, py + ph - 18, use, size=13.5, weight="bold", fill=GRAY[1])
    return s


# ---------------------------------------------------------------------------
# Figure 4: pretraining -> foundation model -> fine-tuning
# ---------------------------------------------------------------------------

PIPELINE = {
    "en": {
        "title": "From raw text to a base model to fine-tuned models",
        "data": ["Raw text", "web pages, books, code", "billions of tokens, no labels"],
        "pre": ["Pretraining", "next-token prediction", "costly: many GPU-days"],
        "base": ["Base model", "(foundation model)", "continues any text"],
        "cls": ["Classification fine-tuning", "labelled examples:", "“WIN a prize!!” → spam"],
        "cls_out": ["Classifier", "spam / not spam"],
        "ins": ["Instruction fine-tuning", "instruction–response pairs:", "“Summarize: …” → “…”"],
        "ins_out": ["Assistant", "follows instructions"],
        "stage1": "Stage 1 · Pretraining",
        "stage2": "Stage 2 · Fine-tuning",
    },
    "zh": {
        "title": "从原始文本到基础模型，再到微调后的模型",
        "data": ["原始文本", "网页、书籍、代码", "数十亿词元，无标注"],
        "pre": ["预训练", "下一词元预测", "代价高：大量 GPU 时间"],
        "base": ["基础模型", "（foundation model）", "能续写任意文本"],
        "cls": ["分类微调", "带标签的样本：", "“恭喜中奖！！” → 垃圾短信"],
        "cls_out": ["分类器", "垃圾短信 / 正常短信"],
        "ins": ["指令微调", "指令–回答对：", "“总结下文：……” → “……”"],
        "ins_out": ["助手模型", "能遵循指令"],
        "stage1": "阶段一 · 预训练",
        "stage2": "阶段二 · 微调",
    },
}


def fig_pipeline(t):
    W, H = 760, 560
    s = SVG(W, H, t["title"])
    # two bands: pretraining on top, fine-tuning below
    s.rect(16, 16, W - 32, 184, "#f8fafc", "#e2e8f0", rx=14, sw=1.2)
    s.rect(16, 216, W - 32, H - 232, "#fafaf9", "#e7e5e4", rx=14, sw=1.2)
    s.text(36, 42, t["stage1"], size=14, anchor="start", weight="bold", fill=MUTED)
    s.text(36, 242, t["stage2"], size=14, anchor="start", weight="bold", fill=MUTED)

    bw, bh, gap = 196, 100, 38
    y1 = 66
    xs = [36 + i * (bw + gap) for i in range(3)]
    for x, rows, col in zip(xs, (t["data"], t["pre"], t["base"]), (GRAY, BLUE, TEAL)):
        s.box(x, y1, bw, bh, rows, col, size=13.5, head=True)
    s.arrow(xs[0] + bw, y1 + bh / 2, xs[1] - 2, y1 + bh / 2)
    s.arrow(xs[1] + bw, y1 + bh / 2, xs[2] - 2, y1 + bh / 2)

    fw, fh, ow, oh = 300, 100, 300, 70
    fy, oy = 280, 436
    cols = [36 + 8, W - 36 - 8 - fw]
    base_cx = xs[2] + bw / 2
    for cx0, fine, out in ((cols[0], t["cls"], t["cls_out"]), (cols[1], t["ins"], t["ins_out"])):
        s.box(cx0, fy, fw, fh, fine, AMBER, size=13.5, head=True)
        s.box(cx0 + (fw - ow) / 2, oy, ow, oh, out, ROSE, size=13.5, head=True)
        s.arrow(cx0 + fw / 2, fy + fh, cx0 + fw / 2, oy - 2)
        tx = cx0 + fw / 2
        s.path_arrow(f"M{base_cx:.0f},{y1 + bh} C{base_cx:.0f},{y1 + bh + 60} {tx:.0f},{fy - 60} {tx:.0f},{fy - 3}",
                     color=TEAL[1], dash="5 4")
    return s


# ---------------------------------------------------------------------------
# Figure 5: the plan of the book
# ---------------------------------------------------------------------------
# Neither chapter numbers nor appendix letters appear here: Quarto numbers the chapters and
# letters the appendices, and a figure cannot hold a cross-reference. Cards and appendices
# marked `planned` are drawn with a dashed outline.

STAGES = {
    "en": {
        "title": "The plan of the book",
        "stages": [
            ("Stage 1 · Build the model", BLUE, [
                ("Working with text", ["BPE tokenization, embeddings,", "data loader"], False),
                ("Attention", ["from a dot product to causal", "multi-head attention, KV cache"], False),
                ("The GPT model", ["blocks, GPT-2 sizes, generation", "and sampling, loading the",
                                   "GPT-2 weights"], False),
            ]),
            ("Stage 2 · Pretrain", TEAL, [
                ("Pretraining", ["loss and training loop,", "evaluation on held-out text,",
                                 "checkpoints, the released GPT-2,", "command line, several processes"],
                 False),
                ("A modern open model", ["Llama-style: RMSNorm, RoPE,", "SwiGLU, grouped-query attention;",
                                         "SmolLM2-135M-Instruct"], False),
            ]),
            ("Stage 3 · Fine-tune", AMBER, [
                ("Classification", ["SMS spam detection, frozen", "layers, stored states, LoRA"], False),
                ("Instructions", ["fine-tuning, evaluation", "with an LLM judge"], False),
                ("Preferences", ["direct preference", "optimization (DPO)"], False),
            ]),
        ],
        "appx": "Appendices",
        "appendices": [
            (["PyTorch", "primer"], False),
            (["A better", "training loop"], False),
            (["LoRA"], False),
            (["Datasets"], False),
            (["References"], False),
            (["Glossary"], False),
        ],
        "legend": "",
        "pkg": "Code from every chapter is exported to the llmscratch package",
    },
    "zh": {
        "title": "本书的路线图",
        "stages": [
            ("阶段一 · 构建模型", BLUE, [
                ("处理文本", ["BPE 分词、嵌入、", "数据加载器"], False),
                ("注意力", ["从点积到因果多头注意力，", "KV 缓存"], False),
                ("GPT 模型", ["Transformer 块、GPT-2 各尺寸、", "生成与采样、", "加载 GPT-2 权重"], False),
            ]),
            ("阶段二 · 预训练", TEAL, [
                ("预训练", ["损失函数与训练循环、", "在留出文本上评估、",
                           "检查点、公开发布的 GPT-2、", "命令行、多进程训练"], False),
                ("现代开放模型", ["Llama 式架构：RMSNorm、", "RoPE、SwiGLU、分组查询注意力；",
                                 "SmolLM2-135M-Instruct"], False),
            ]),
            ("阶段三 · 微调", AMBER, [
                ("分类微调", ["垃圾短信识别、冻结层、", "存储隐藏状态、LoRA"], False),
                ("指令微调", ["微调，并由大语言模型", "担任评判者来评估"], False),
                ("偏好微调", ["直接偏好优化（DPO）"], False),
            ]),
        ],
        "appx": "附录",
        "appendices": [
            (["PyTorch", "入门"], False),
            (["更好的", "训练循环"], False),
            (["LoRA"], False),
            (["数据集"], False),
            (["参考文献"], False),
            (["术语表"], False),
        ],
        "legend": "",
        "pkg": "各章的代码都导出到 llmscratch 包中",
    },
}


def fig_stages(t):
    W = 1000
    col_w, gap, x0, top = 306, 21, 16, 16
    line_h, card_pad, card_gap, head_h = 19, 11, 10, 52

    def card_h(rows):
        return 2 * card_pad + line_h * (1 + len(rows))

    stage_h = max(head_h + sum(card_h(r) for _, r, _ in cards) + card_gap * (len(cards) - 1)
                  for _, _, cards in t["stages"]) + 14
    ah = 86
    ay = top + stage_h + 16
    H = ay + ah + 44
    s = SVG(W, H, t["title"])
    for i, (name, col, cards) in enumerate(t["stages"]):
        x = x0 + i * (col_w + gap)
        s.rect(x, top, col_w, stage_h, col[0], col[1], rx=14, sw=1.6)
        s.text(x + col_w / 2, top + 32, name, size=17, weight="bold", fill=col[1])
        y = top + head_h
        for title, rows, planned in cards:
            hh = card_h(rows)
            s.rect(x + 14, y, col_w - 28, hh, "#ffffff", col[1], rx=10, sw=1.2,
                   dash="5 4" if planned else None)
            s.text(x + 28, y + card_pad + 14, title, size=14.5, anchor="start", weight="bold",
                   fill=col[1])
            s.text_lines(x + 28, y + card_pad + 14 + line_h, rows, size=13, lh=line_h / 13,
                         anchor="start")
            y += hh + card_gap
        if i < len(t["stages"]) - 1:
            s.arrow(x + col_w + 2, top + stage_h / 2, x + col_w + gap - 2, top + stage_h / 2,
                    color=INK)
    # appendices band, in the order of the book
    s.rect(x0, ay, W - 32, ah, GRAY[0], LINE, rx=14, sw=1.2)
    s.text(x0 + 20, ay + ah / 2 + 5, t["appx"], size=15, anchor="start", weight="bold",
           fill=GRAY[1])
    ax = x0 + 130
    n = len(t["appendices"])
    aw = (W - 32 - 130 - 14) / n
    for k, (rows, planned) in enumerate(t["appendices"]):
        bx = ax + k * aw
        s.rect(bx, ay + 12, aw - 10, ah - 24, "#ffffff", VIOLET[1] if not planned else LINE,
               rx=10, sw=1.2, dash="5 4" if planned else None)
        lh = 1.35
        y0 = ay + ah / 2 - 13 * lh * (len(rows) - 1) / 2 + 5
        s.text_lines(bx + (aw - 10) / 2, y0, rows, size=13, lh=lh, anchor="middle")
    if t["legend"]:  # a dashed outline marks a chapter not yet written; none is left
        s.text(x0, H - 14, t["legend"], size=13, anchor="start", fill=MUTED)
    s.text(W - x0, H - 14, t["pkg"], size=13, anchor="end", fill=MUTED)
    return s


FIGURES = {
    "nesting": (fig_nesting, NESTING),
    "next-token": (fig_next_token, NEXT_TOKEN),
    "architectures": (fig_architectures, ARCH),
    "pipeline": (fig_pipeline, PIPELINE),
    "stages": (fig_stages, STAGES),
}


if __name__ == "__main__":
    write_figures(FIGURES, "ch01")
