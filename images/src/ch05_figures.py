#!/usr/bin/env python3
"""Generate the diagrams of the pretraining chapter (English and Chinese).

Run from the repository root:

    python3 images/src/ch05_figures.py

Drawn with diagrams.py beside this file, one layout function per figure and one dict of strings per
language. The counts are the chapter's own: The Verdict split at 90% of its characters,
`gpt-micro`'s samples of 64 tokens, the tiny run of the resume test; the losses of the first figure
are computed here. Output: images/ch05/<name>-en.svg and <name>-zh.svg.
"""
from __future__ import annotations

import math
import sys

from diagrams import (AMBER, BLUE, GRAY, INK, LINE, MINUS, MUTED, ROSE, SVG, TEAL, VIOLET, fits, text_width,
                      write_figures, thousands as n)

VOCAB = 50257


# ---------------------------------------------------------------------------
# From logits to the loss, for one position of a sentence
# ---------------------------------------------------------------------------

# GPT-2's tokens of the chapter's first sentence, "The old clock in the hall struck nine"
SENTENCE = ["The", " old", " clock", " in", " the", " hall", " struck", " nine"]
POS = 2  # the position the figure follows: the model has read "The old clock" and should say " in"
PROBES = [1.0, 0.5, 0.1, 1 / VOCAB]


def _nll(p: float) -> str:
    return "0" if p == 1 else f"{-math.log(p):.2f}"


LOSS = {
    "en": {"title": "The loss: the probability the model gives to the token that actually comes next",
           "inputs": "inputs", "targets": "targets",
           "shift": "targets: the same tokens shifted by one",
           "read": "at position 3, after reading “The old clock”:",
           "boxes": [["logits", f"{n(VOCAB)} scores"], ["softmax", "probabilities, sum 1"],
                     ["pick the target", "p = P(“ in”)"], [f"{MINUS}ln p", "large when p is small"],
                     ["loss L", "mean over N positions"]],
           "probe_head": f"{MINUS}ln p for a few probabilities:",
           "probe": "p = {p} → {v}", "uniform": f"p = 1/{n(VOCAB)} → {{v}}: a uniform guess"},
    "zh": {"title": "损失：模型分给实际出现的下一个词元的概率",
           "inputs": "输入", "targets": "目标",
           "shift": "目标：同一串词元向后错开一位",
           "read": "位置 3，读过“The old clock”之后：",
           "boxes": [["logits", f"{n(VOCAB)} 个分数"], ["softmax", "概率，总和为 1"],
                     ["取出目标的概率", "p = P(“ in”)"], [f"{MINUS}ln p", "p 越小，它越大"],
                     ["损失 L", "对全部 N 个位置取平均"]],
           "probe_head": f"几个概率对应的 {MINUS}ln p：",
           "probe": "p = {p} → {v}", "uniform": f"p = 1/{n(VOCAB)} → {{v}}：均匀猜测"},
}


def fig_loss(t):
    W, H = 920, 400
    s = SVG(W, H, t["title"])
    x0, cw, gap = 130, 84, 8
    rows = [(t["inputs"], SENTENCE[:-1], 26, BLUE), (t["targets"], SENTENCE[1:], 74, AMBER)]
    for label, toks, y, col in rows:
        s.ftext(x0 - 14, y + 22, label, x0 - 24, size=14, anchor="end", weight="bold", fill=col[1])
        for i, tok in enumerate(toks):
            hot = i == POS
            fill = col[1] if hot else col[0]
            s.rect(x0 + i * (cw + gap), y, cw, 34, col[0] if not hot else "#ffffff", col[1], rx=7,
                   sw=2.4 if hot else 1.2)
            s.ftext(x0 + i * (cw + gap) + cw / 2, y + 22, f"“{tok}”".replace("“ ", "“\u2009"), cw - 6,
                    size=13, weight="bold" if hot else "normal", fill=INK if not hot else fill)
    right = x0 + 7 * (cw + gap) - gap
    s.ftext((x0 + right) / 2, 132, t["shift"], right - x0, size=12.5, fill=MUTED, where="shift")
    hx = x0 + POS * (cw + gap) + cw / 2
    bw, bgap, by, bh = 152, 30, 214, 70
    bx0 = (W - (5 * bw + 4 * bgap)) / 2
    pick = bx0 + 2 * (bw + bgap) + bw / 2  # the target chooses which probability counts
    s.path_arrow(f"M{hx},{108} L{hx},{156} L{pick},{156} L{pick},{by - 2}", color=AMBER[1], dash="5 3")
    s.ftext(bx0, by - 12, t["read"], pick - bx0 - 20, size=12.5, anchor="start", fill=ROSE[1], where="read")
    cols = [ROSE, VIOLET, AMBER, TEAL, BLUE]
    for i, (rowsb, col) in enumerate(zip(t["boxes"], cols)):
        bx = bx0 + i * (bw + bgap)
        s.fbox(bx, by, bw, bh, rowsb, col, size=12.5, where="flow")
        if i:
            s.arrow(bx - bgap, by + bh / 2, bx - 2, by + bh / 2)
    # what -ln p gives for a few probabilities
    py = 330
    s.ftext(bx0, py, t["probe_head"], 400, size=13, anchor="start", weight="bold", fill=TEAL[1])
    items = [t["probe"].format(p=f"{p:g}", v=_nll(p)) for p in PROBES[:-1]]
    items.append(t["uniform"].format(v=_nll(PROBES[-1])))
    x = bx0
    for txt in items:
        w = text_width(txt, 12.5) + 34
        s.box(x, py + 14, w, 30, [txt], ("#ffffff", TEAL[1]), size=12.5, rx=15)
        x += w + 12
    if x - 12 > W - 10:
        print(f"warning: the probes run to {x - 12:.0f} px of {W}", file=sys.stderr)
    return s


# ---------------------------------------------------------------------------
# Training and validation text
# ---------------------------------------------------------------------------

CHARS, TRAIN_CHARS = 20479, 18431  # The Verdict; split = int(0.9 * len(text))
TRAIN_TOKENS, VAL_TOKENS = 4612, 534
CTX = 64  # samples of 64 tokens with a stride of 64
TRAIN_SAMPLES = len(range(0, TRAIN_TOKENS - CTX, CTX))  # the starts of GPTDataset
VAL_SAMPLES = len(range(0, VAL_TOKENS - CTX, CTX))
BATCH = 2

SPLIT = {
    "en": {"title": "The Verdict split into training and validation text, then into samples",
           "whole": f"The Verdict: {n(CHARS)} characters",
           "cut": f"cut at character {n(TRAIN_CHARS)}",
           "train": f"training set: the first 90%, {n(TRAIN_CHARS)} characters, {n(TRAIN_TOKENS)} tokens",
           "val": f"validation set: the last 10%, {n(CHARS - TRAIN_CHARS)} characters, {n(VAL_TOKENS)} tokens",
           "samples": f"each part cut into samples of {CTX} tokens with a stride of {CTX}: the samples do not overlap",
           "n_train": f"{TRAIN_SAMPLES} samples", "n_val": f"{VAL_SAMPLES} samples",
           "tl": ["training loader", f"{TRAIN_SAMPLES} samples, shuffled anew every epoch",
                  f"{TRAIN_SAMPLES // BATCH} batches of {BATCH} × {CTX}; an incomplete last batch is dropped"],
           "vl": ["validation loader", f"{VAL_SAMPLES} samples, always in order",
                  f"{math.ceil(VAL_SAMPLES / BATCH)} batches; an incomplete last one is kept"],
           "one": f"one sample from token s: inputs s … s + {CTX - 1}, targets s + 1 … s + {CTX}; "
                  "the few tokens left at the end of a part are unused"},
    "zh": {"title": "把 The Verdict 切分为训练文本和验证文本，再切成样本",
           "whole": f"The Verdict：{n(CHARS)} 个字符",
           "cut": f"在第 {n(TRAIN_CHARS)} 个字符处切开",
           "train": f"训练集：前 90%，{n(TRAIN_CHARS)} 个字符，{n(TRAIN_TOKENS)} 个词元",
           "val": f"验证集：后 10%，{n(CHARS - TRAIN_CHARS)} 个字符，{n(VAL_TOKENS)} 个词元",
           "samples": f"每一部分切成 {CTX} 个词元的样本，步幅为 {CTX}：样本互不重叠",
           "n_train": f"{TRAIN_SAMPLES} 个样本", "n_val": f"{VAL_SAMPLES} 个样本",
           "tl": ["训练数据加载器", f"{TRAIN_SAMPLES} 个样本，每个轮次重新打乱",
                  f"{TRAIN_SAMPLES // BATCH} 个 {BATCH} × {CTX} 的批次；不完整的最后一批被丢弃"],
           "vl": ["验证数据加载器", f"{VAL_SAMPLES} 个样本，始终按原顺序",
                  f"{math.ceil(VAL_SAMPLES / BATCH)} 个批次；不完整的最后一批保留"],
           "one": f"从词元 s 开始的一个样本：输入为 s … s + {CTX - 1}，目标为 s + 1 … s + {CTX}；"
                  "每部分末尾剩下的几个词元不用"},
}


def fig_split(t):
    W, H = 920, 420
    s = SVG(W, H, t["title"])
    x0, full = 40, 840
    tw = full * TRAIN_CHARS / CHARS
    vx = x0 + tw
    s.ftext(x0, 30, t["whole"], 420, size=14.5, anchor="start", weight="bold")
    s.ftext(vx, 30, t["cut"], 380, size=12.5, anchor="end", fill=MUTED, where="cut")
    y = 44
    s.rect(x0, y, tw, 38, TEAL[0], TEAL[1], rx=4, sw=1.4)
    s.rect(vx, y, full - tw, 38, AMBER[0], AMBER[1], rx=4, sw=1.4)
    s.line(vx, y - 8, vx, y + 46, color=INK, sw=1.6, dash="4 3")
    s.ftext(x0 + 12, y + 24, t["train"], tw - 24, size=13, anchor="start", fill=TEAL[1], weight="bold",
            where="train")
    s.ftext(x0 + full, y + 62, t["val"], full - 20, size=13, anchor="end", fill=AMBER[1], weight="bold",
            where="val")
    # the samples, drawn to scale in tokens within each part
    s.ftext(x0, 148, t["samples"], full, size=13, anchor="start", where="samples")
    sy, sh = 160, 30
    for (start, width, tokens, count, col) in ((x0, tw, TRAIN_TOKENS, TRAIN_SAMPLES, TEAL),
                                               (vx, full - tw, VAL_TOKENS, VAL_SAMPLES, AMBER)):
        cell = width * CTX / tokens
        for k in range(count):
            s.rect(start + k * cell, sy, cell, sh, col[0], col[1], rx=1, sw=0.8)
        used = count * cell
        s.rect(start + used, sy, width - used, sh, "#ffffff", LINE, rx=1, sw=0.8, dash="2 2")
    s.ftext(x0 + tw / 2, sy + sh + 20, t["n_train"], tw, size=12.5, fill=TEAL[1], weight="bold")
    s.ftext(x0 + full, sy + sh + 20, t["n_val"], 200, size=12.5, anchor="end", fill=AMBER[1], weight="bold")
    by, bh = 258, 84
    s.fbox(x0, by, 520, bh, t["tl"], TEAL, size=13, where="loader")
    s.fbox(x0 + 540, by, full - 540, bh, t["vl"], AMBER, size=13, where="loader")
    s.arrow(x0 + 260, sy + sh + 28, x0 + 260, by - 2, color=TEAL[1])
    s.path_arrow(f"M{vx + (full - tw) / 2},{sy + sh + 28} L{vx + (full - tw) / 2},{by - 16} "
                 f"L{x0 + 540 + (full - 540) / 2},{by - 16} L{x0 + 540 + (full - 540) / 2},{by - 2}",
                 color=AMBER[1])
    s.ftext(x0, H - 24, t["one"], full, size=12.5, anchor="start", fill=MUTED, where="one")
    return s


# ---------------------------------------------------------------------------
# The training loop
# ---------------------------------------------------------------------------

LOOP = {
    "en": {"title": "The training loop of train: epochs, optimizer steps, evaluations and checkpoints",
           "epoch": "for each epoch", "batch": "for each batch of the training loader: one optimizer step",
           "shuffle": ["_set_epoch: this epoch's order comes from seed + epoch"],
           "steps": [["1 · learning rate", "warmup, cosine"], ["2 · forward, loss", "loss_fn(net, batch)"],
                     ["3 · zero_grad", "clear the old ones"], ["4 · backward", "new gradients"],
                     ["5 · clip", "if grad_clip is set"], ["6 · step", "AdamW updates"]],
           "next_batch": "next batch",
           "eval": ["evaluate: every eval_every steps and at the last", "loss on both loaders, eval mode, no gradients"],
           "end": ["after the epoch", "a greedy sample of sample_prompt; a checkpoint in checkpoint_dir"],
           "history": ["History", "losses, learning rates, samples"],
           "next_epoch": "next epoch"},
    "zh": {"title": "train 的训练循环：轮次、优化步、评估与检查点",
           "epoch": "对每个轮次", "batch": "对训练数据加载器的每个批次：走一步优化",
           "shuffle": ["_set_epoch：本轮次的顺序只由 seed + epoch 决定"],
           "steps": [["1 · 学习率", "预热、余弦衰减"], ["2 · 前向与损失", "loss_fn(net, batch)"],
                     ["3 · zero_grad", "清除旧梯度"], ["4 · backward", "求出新梯度"],
                     ["5 · 裁剪", "设置了 grad_clip 时"], ["6 · step", "AdamW 更新权重"]],
           "next_batch": "下一个批次",
           "eval": ["评估：每隔 eval_every 步以及最后一步", "在两个数据加载器上测损失，评估模式，不求梯度"],
           "end": ["轮次结束后", "贪心续写 sample_prompt；在 checkpoint_dir 中保存检查点"],
           "history": ["History", "损失、学习率、采样文本"],
           "next_epoch": "下一个轮次"},
}


def fig_loop(t):
    W, H = 960, 430
    s = SVG(W, H, t["title"])
    s.rect(16, 16, W - 32, H - 32, "#f8fafc", "#cbd5e1", rx=14, sw=1.3)
    s.ftext(50, 40, t["epoch"], 300, size=14, anchor="start", weight="bold", fill=GRAY[1])
    s.fbox(50, 52, 440, 36, t["shuffle"], GRAY, size=12.5, head=False, where="shuffle")
    s.rect(46, 106, W - 92, 206, "#ffffff", LINE, rx=12, sw=1.2)
    s.ftext(62, 130, t["batch"], W - 120, size=13.5, anchor="start", weight="bold", fill=BLUE[1])
    sw_, sg, sx0, sy, sh = 130, 12, 62, 144, 58
    cols = [GRAY, BLUE, GRAY, BLUE, GRAY, TEAL]
    for i, (rows, col) in enumerate(zip(t["steps"], cols)):
        x = sx0 + i * (sw_ + sg)
        s.fbox(x, sy, sw_, sh, rows, col, size=12, where="step")
        if i:
            s.arrow(x - sg, sy + sh / 2, x - 2, sy + sh / 2)
    last = sx0 + 5 * (sw_ + sg) + sw_ / 2
    first = sx0 + sw_ / 2
    s.path_arrow(f"M{last},{sy + sh} L{last},{sy + sh + 18} L{first},{sy + sh + 18} L{first},{sy + sh + 2}")
    s.ftext(first + 12, sy + sh + 34, t["next_batch"], 200, size=12, anchor="start", fill=MUTED)
    ex, ey, ew, eh = 470, 240, 430, 56
    s.fbox(ex, ey, ew, eh, t["eval"], VIOLET, size=12.5, where="eval")
    s.arrow(last - 30, sy + sh + 18, last - 30, ey - 2, color=VIOLET[1], dash="4 3")
    hx, hy, hw, hh = 620, 334, 280, 52
    s.fbox(hx, hy, hw, hh, t["history"], GRAY, size=12.5, where="history")
    s.arrow(hx + hw / 2, ey + eh, hx + hw / 2, hy - 2, color=VIOLET[1])
    end_x, end_y, end_w, end_h = 50, 334, 520, 52
    s.fbox(end_x, end_y, end_w, end_h, t["end"], AMBER, size=12.5, where="end")
    s.arrow(250, 312, 250, end_y - 2, color=AMBER[1])
    s.path_arrow(f"M{end_x},{end_y + end_h / 2} L{30},{end_y + end_h / 2} L{30},{70} L{48},{70}", color=GRAY[1])
    label = t["next_epoch"]
    fits(label, 12, 240, "next epoch")
    s.parts.append(f'<text x="0" y="0" font-size="12" text-anchor="middle" fill="{GRAY[1]}" '
                   f'transform="translate(25,{(70 + end_y) / 2}) rotate(-90)">{label}</text>')
    return s


# ---------------------------------------------------------------------------
# Saving a checkpoint: all or nothing
# ---------------------------------------------------------------------------

OLD, PART = "step-00000022-a1b2c3", ".partial-k2j4m6p8"
NEW = "step-00000044-" + PART[-6:]  # the name save_checkpoint gives: the step and the end of the temporary name
FILES = ["model.safetensors", "optimizer.safetensors", "checkpoint.json"]

CHECKPOINT = {
    "en": {"title": "How save_checkpoint replaces a checkpoint without ever leaving a broken one",
           "cols": [("before", ["LATEST names the", "newest checkpoint"]),
                    ("1 · write", ["a new hidden subfolder;", "every file flushed"]),
                    ("2 · rename", ["the subfolder gets", "its final name"]),
                    ("3 · point", ["LATEST replaced in", "one atomic rename"]),
                    ("4 · clean up", ["the older checkpoint", "is deleted"])],
           "safe": ["Killed at any moment, the folder holds a complete checkpoint that LATEST names: the old one before",
                    "step 3, the new one after it. load_checkpoint starts from LATEST; a full disk keeps the old one."]},
    "zh": {"title": "save_checkpoint 如何替换检查点，而且从不留下损坏的检查点",
           "cols": [("保存之前", ["LATEST 指向", "最新的检查点"]),
                    ("1 · 写入", ["写进一个新的隐藏子文件夹，", "每个文件都刷到磁盘"]),
                    ("2 · 改名", ["子文件夹改为", "正式的名字"]),
                    ("3 · 指向", ["用一次原子的重命名", "替换 LATEST"]),
                    ("4 · 清理", ["删除较旧的", "检查点"])],
           "safe": ["无论在哪一刻被杀掉，文件夹里总有一个 LATEST 所指的完整检查点：第 3 步之前是旧的，",
                    "之后是新的。load_checkpoint 从 LATEST 读起；磁盘写满时，旧检查点原样保留。"]},
}


def fig_checkpoint(t):
    cw, gap, x0 = 180, 12, 16
    W, H = 2 * x0 + 5 * cw + 4 * gap, 400
    s = SVG(W, H, t["title"])
    states = [
        [("latest", OLD, False), ("dir", OLD)],
        [("latest", OLD, False), ("dir", OLD), ("partial", PART)] + [("file", f) for f in FILES],
        [("latest", OLD, False), ("dir", OLD), ("new", NEW)],
        [("latest", NEW, True), ("dir", OLD), ("new", NEW)],
        [("latest", NEW, False), ("gone", OLD), ("new", NEW)],
    ]
    for k, ((head, desc), entries) in enumerate(zip(t["cols"], states)):
        x = x0 + k * (cw + gap)
        s.ftext(x + cw / 2, 34, head, cw, size=14.5, weight="bold", fill=BLUE[1] if k else GRAY[1])
        for i, d in enumerate(desc):
            s.ftext(x + cw / 2, 54 + 17 * i, d, cw - 4, size=12, fill=MUTED, where="desc")
        top, bottom = 92, 300
        s.rect(x, top, cw, bottom - top, "#ffffff", LINE, rx=10, sw=1.2)
        s.mono(x + 10, top + 20, "run/", size=12, weight="bold")
        y = top + 32
        for e in entries:
            kind, name = e[0], e[1]
            if kind == "latest":
                changed = e[2]
                s.rect(x + 8, y, cw - 16, 40, VIOLET[0] if changed else "#faf5ff", VIOLET[1], rx=6,
                       sw=2 if changed else 1)
                s.mono(x + 16, y + 16, "LATEST", size=11.5, weight="bold", fill=VIOLET[1])
                fits("→ " + name, 10.5, cw - 28, "latest", mono=True)
                s.mono(x + 16, y + 32, "→ " + name, size=10.5, fill=INK)
                y += 48
            elif kind == "file":
                s.mono(x + 28, y + 12, name, size=10.5, fill=AMBER[1])
                y += 18
            else:
                col = {"dir": TEAL, "new": TEAL, "partial": AMBER, "gone": ROSE}[kind]
                dash = "4 3" if kind in ("partial", "gone") else None
                s.rect(x + 8, y, cw - 16, 26, col[0] if kind != "gone" else "#ffffff", col[1], rx=6,
                       sw=2 if kind == "new" else 1, dash=dash)
                fits(name + "/", 10.5, cw - 28, "dir", mono=True)
                s.mono(x + 16, y + 17, name + "/", size=10.5, fill=col[1] if kind != "dir" else INK,
                       weight="bold" if kind == "new" else "normal")
                if kind == "gone":
                    s.line(x + 14, y + 13, x + cw - 14, y + 13, color=ROSE[1], sw=1.5)
                y += 34
        if k:
            s.arrow(x - gap + 1, (top + bottom) / 2, x - 1, (top + bottom) / 2, color=INK)
    s.rect(x0, 318, W - 2 * x0, 62, GRAY[0], LINE, rx=10, sw=1.1)
    for i, txt in enumerate(t["safe"]):
        s.ftext(W / 2, 344 + 20 * i, txt, W - 2 * x0 - 20, size=12.5, where="safe")
    return s


# ---------------------------------------------------------------------------
# Resuming: a run in two halves repeats the run in one go
# ---------------------------------------------------------------------------

EPOCHS, PER_EPOCH = 4, 11  # the resume test: 44 steps in one go, 22 + 22 with a resume

RESUME = {
    "en": {"title": "An interrupted and resumed run repeats the uninterrupted one exactly",
           "rows": [("in one go", f"{EPOCHS} epochs"), ("in two halves", "2 epochs, then resume=True")],
           "epoch": "epoch {e}", "steps": "steps {a}–{b}",
           "ckpt": "checkpoint", "ends": "the process ends", "resume": "a new process resumes",
           "holds": "what it restores",
           "items": ["the weights", "AdamW's state: exp_avg, exp_avg_sq and step of every parameter",
                     "the random number generator, which draws the dropout masks",
                     "step, tokens seen and the History so far"],
           "order": "The order of the batches needs no saved state: epoch e is shuffled with seed + e.",
           "same": "identical, to the last bit: each step's loss, each validation loss, the final weights"},
    "zh": {"title": "中断后恢复的训练，与不间断的训练完全一致",
           "rows": [("一口气训练", f"{EPOCHS} 个轮次"), ("分两段训练", "2 个轮次，再 resume=True")],
           "epoch": "第 {e} 个轮次", "steps": "第 {a}–{b} 步",
           "ckpt": "检查点", "ends": "进程结束", "resume": "新进程恢复训练",
           "holds": "检查点恢复的内容",
           "items": ["权重", "AdamW 的状态：每个参数的 exp_avg、exp_avg_sq 和 step",
                     "随机数生成器：dropout 掩码由它抽取",
                     "步数、已见词元数和截至当时的 History"],
           "order": "批次顺序无须保存任何状态：第 e 个轮次用 seed + e 打乱。",
           "same": "逐位相同：每一步的损失、每一次的验证损失、最终的权重"},
}


def fig_resume(t):
    W, H = 920, 430
    s = SVG(W, H, t["title"])
    lx, tx, bw, bg = 24, 210, 160, 8
    ys = [30, 112]
    for r, ((name, sub), y) in enumerate(zip(t["rows"], ys)):
        s.ftext(lx, y + 19, name, tx - lx - 10, size=14, anchor="start", weight="bold")
        s.ftext(lx, y + 37, sub, tx - lx - 10, size=12, anchor="start", fill=MUTED, where="row")
        for e in range(EPOCHS):
            x = tx + e * (bw + bg)
            col = BLUE if r == 0 or e < 2 else TEAL
            s.fbox(x, y, bw, 46, [t["epoch"].format(e=e + 1),
                                     t["steps"].format(a=e * PER_EPOCH + 1, b=(e + 1) * PER_EPOCH)],
                   col, size=12, where="epoch")
            if r == 0:
                s.text(x + bw / 2, y + 46 + 26, "=", size=20, weight="bold", fill=MUTED)
    # the checkpoint between the halves
    bx = tx + 2 * (bw + bg) - bg / 2
    cy = 196
    s.fbox(bx - 60, cy, 120, 32, [t["ckpt"]], VIOLET, size=13, head=True, where="ckpt")
    s.path_arrow(f"M{bx - 30},{158} C{bx - 30},{172} {bx - 30},{178} {bx - 30},{cy - 2}", color=VIOLET[1])
    s.path_arrow(f"M{bx + 30},{cy} C{bx + 30},{178} {bx + 30},{172} {bx + 30},{160}", color=VIOLET[1])
    s.ftext(bx - 70, cy + 21, t["ends"], 200, size=12, anchor="end", fill=MUTED)
    s.ftext(bx + 70, cy + 21, t["resume"], 220, size=12, anchor="start", fill=MUTED)
    # what the checkpoint holds
    hx, hy, hw = 150, 248, 620
    s.rect(hx, hy, hw, 110, "#faf5ff", VIOLET[1], rx=10, sw=1.2)
    s.line(bx, cy + 32, bx, hy, color=VIOLET[1], sw=1.2, dash="3 3")
    s.ftext(hx + 16, hy + 22, t["holds"], hw - 32, size=13, anchor="start", weight="bold", fill=VIOLET[1])
    for i, item in enumerate(t["items"]):
        s.ftext(hx + 30, hy + 44 + 19 * i, "· " + item, hw - 46, size=12.5, anchor="start", where="item")
    s.ftext(W / 2, hy + 136, t["order"], W - 40, size=12.5, fill=MUTED, where="order")
    s.ftext(W / 2, hy + 164, t["same"], W - 40, size=13.5, weight="bold", fill=TEAL[1], where="same")
    return s


# ---------------------------------------------------------------------------
# Distributed data parallel: two processes, one step
# ---------------------------------------------------------------------------

DDP = {
    "en": {"title": "Distributed data parallel with two processes: one optimizer step",
           "batch": "one step's data: 2b samples, shared out by a DistributedSampler",
           "halves": ["b samples for process 0", "b samples for process 1"],
           "proc": [["process 0 (rank 0)", "a full copy of the model"], ["process 1 (rank 1)", "a full copy of the model"]],
           "grad": [["forward, loss, backward", "gradient g₀ from its b samples"],
                    ["forward, loss, backward", "gradient g₁ from its b samples"]],
           "reduce": ["all-reduce: average the gradients", "g = (g₀ + g₁) / 2, now the same in both processes"],
           "step": [["AdamW step with g", "the copies stay identical"], ["AdamW step with g", "the copies stay identical"]],
           "notes": ["together: the step one process would take with 2b samples (with dropout off, up to rounding)",
                     "process 0 alone draws the progress bar, writes the samples and saves the checkpoints",
                     "the processes talk through nccl on NVIDIA GPUs, gloo on CPUs"]},
    "zh": {"title": "两个进程的分布式数据并行：一步优化",
           "batch": "一步的数据：2b 个样本，由 DistributedSampler 分配",
           "halves": ["b 个样本给进程 0", "b 个样本给进程 1"],
           "proc": [["进程 0（rank 0）", "一份完整的模型副本"], ["进程 1（rank 1）", "一份完整的模型副本"]],
           "grad": [["前向、损失、反向传播", "由自己的 b 个样本得到梯度 g₀"],
                    ["前向、损失、反向传播", "由自己的 b 个样本得到梯度 g₁"]],
           "reduce": ["all-reduce：对梯度求平均", "g = (g₀ + g₁) / 2，两个进程中完全相同"],
           "step": [["用 g 走一步 AdamW", "两份副本始终一致"], ["用 g 走一步 AdamW", "两份副本始终一致"]],
           "notes": ["合起来：与单个进程处理 2b 个样本时的一步相同（须关闭 dropout，只差舍入误差）",
                     "只有进程 0 显示进度条、写出采样文本、保存检查点",
                     "进程之间在 NVIDIA GPU 上通过 nccl 通信，在 CPU 上通过 gloo"]},
}


def fig_ddp(t):
    W, H = 880, 524
    s = SVG(W, H, t["title"])
    cx = [250, 630]
    bw = 300
    s.ftext(W / 2, 26, t["batch"], W - 40, size=13.5, weight="bold", where="batch")
    by = 40
    for i, (c, col) in enumerate(zip(cx, (BLUE, TEAL))):
        x = 100 + i * 340
        s.fbox(x, by, 340, 34, [t["halves"][i]], col, size=12.5, head=False, rx=4, where="half")
        s.arrow(x + 170, by + 34, c, 108, color=col[1])
    rows = [(110, 54, "proc", GRAY), (194, 54, "grad", None), (372, 54, "step", None)]
    for y, h, key, col in rows:
        for i, c in enumerate(cx):
            colors = col or (BLUE, TEAL)[i]
            s.fbox(c - bw / 2, y, bw, h, t[key][i], colors, size=12.5, where=key)
    for c in cx:
        s.arrow(c, 164, c, 192)
        s.arrow(c, 248, c, 282)
        s.arrow(c, 336, c, 370)
    s.fbox(130, 284, W - 260, 52, t["reduce"], VIOLET, size=12.5, where="reduce")
    for i, txt in enumerate(t["notes"]):
        s.ftext(W / 2, 458 + 22 * i, txt, W - 40, size=12.5, fill=MUTED if i else INK, where="note")
    return s


FIGURES = {
    "loss": (fig_loss, LOSS),
    "split": (fig_split, SPLIT),
    "loop": (fig_loop, LOOP),
    "checkpoint": (fig_checkpoint, CHECKPOINT),
    "resume": (fig_resume, RESUME),
    "ddp": (fig_ddp, DDP),
}


if __name__ == "__main__":
    write_figures(FIGURES, "ch05")
