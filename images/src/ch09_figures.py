#!/usr/bin/env python3
"""Generate the diagrams of the preference tuning chapter (English and Chinese).

Run from the repository root:

    python3 images/src/ch09_figures.py

Drawn with diagrams.py beside this file, one layout function per figure and one dict of strings
per language. Output: images/ch09/<name>-en.svg and images/ch09/<name>-zh.svg.
"""
from __future__ import annotations

import math
import sys

from diagrams import (AMBER, BLUE, GRAY, INK, LINE, MUTED, ROSE, SVG, TEAL, VIOLET, math_width, mix,
                      num, text_width, write_figures)


def _fmath(s, x, y, label, room, size=13, where="math", **kw):
    "`math_text` that first checks that `label` fits in `room` pixels."
    w = math_width(label, size)
    if w > room:
        print(f"warning: {where} {label!r} is {w:.0f} px wide, room for {room:.0f}", file=sys.stderr)
    s.math_text(x, y, label, size=size, **kw)


def _vbracket(s, x, y1, y2, color, left=True, depth=7, sw=1.3):
    "A vertical square bracket at `x` from `y1` to `y2`, its ends pointing right (`left`) or left."
    d = depth if left else -depth
    s.path(f"M{x + d:.1f},{y1:.1f} L{x:.1f},{y1:.1f} L{x:.1f},{y2:.1f} L{x + d:.1f},{y2:.1f}", color=color, sw=sw)


def _lock(s, x, y, color, size=12):
    "A small padlock, its body's top left at (`x`, `y`): what is frozen."
    w, h = size, size * 0.75
    r = size * 0.3
    cx = x + w / 2
    s.path(f"M{cx - r:.1f},{y:.1f} L{cx - r:.1f},{y - r * 0.6:.1f} A{r:.1f},{r:.1f} 0 0 1 {cx + r:.1f},"
           f"{y - r * 0.6:.1f} L{cx + r:.1f},{y:.1f}", color=color, sw=1.6)
    s.rect(x, y, w, h, color, color, rx=1.5, sw=1)


def _pill(s, x, y, label, colors, size=11.5, where="pill"):
    "A small rounded label starting at `x`, its baseline at `y`; returns its width."
    w = math_width(label, size) + 14
    s.rect(x, y - size - 1, w, size + 7, colors[0], colors[1], rx=(size + 7) / 2, sw=1)
    s.math_text(x + 7, y, label, size=size, anchor="start", fill=colors[1], weight="bold")
    return w


# ---------------------------------------------------------------------------
# 1. Where preference tuning sits, and its two routes
# ---------------------------------------------------------------------------

PIPELINE = {
    "en": {"title": "Where preference tuning sits, and two ways to do it: RLHF and DPO",
           "stages": [["Pretraining", "raw text → a base model"], ["Instruction fine-tuning", "examples → answers"],
                      ["Preference tuning", "pairs of answers → better answers"]],
           "chapters": ["", "", "this chapter"],
           "frame": "two ways to learn from the pairs",
           "routes": ["RLHF", "DPO"],
           "pairs": ["preference pairs", "chosen, rejected"],
           "rm": ["1) reward model", "fit on the pairs"],
           "rl": ["2) reinforcement learning", "PPO against the reward model,", "KL penalty to the reference"],
           "scores": "scores", "loop": "at every step: sample answers, score them, update",
           "policy": ["policy", "the tuned model"],
           "ref": ["reference model", "frozen copy"],
           "dpo": ["DPO loss", "on the pairs directly"],
           "notes": ["one loss on the pairs: the frozen", "reference replaces the reward model;",
                     "no sampling during training"]},
    "zh": {"title": "偏好微调在训练流程中的位置，以及两种做法：RLHF 与 DPO",
           "stages": [["预训练", "原始文本 → 基础模型"], ["指令微调", "示例 → 回答"],
                      ["偏好微调", "回答对 → 更好的回答"]],
           "chapters": ["", "", "本章"],
           "frame": "从回答对中学习的两种做法",
           "routes": ["RLHF", "DPO"],
           "pairs": ["偏好回答对", "被选中与被拒绝的回答"],
           "rm": ["1) 奖励模型", "在回答对上拟合"],
           "rl": ["2) 强化学习", "用 PPO 针对奖励模型优化，", "并用 KL 惩罚限制它偏离参考模型"],
           "scores": "打分", "loop": "每一步：采样回答、打分、更新",
           "policy": ["策略模型", "微调后的模型"],
           "ref": ["参考模型", "冻结的副本"],
           "dpo": ["DPO 损失", "直接作用于回答对"],
           "notes": ["只需一个作用于回答对的损失，", "由冻结的参考模型取代奖励模型；",
                     "训练时无需采样"]},
}


def fig_pipeline(t):
    W, H = 1000, 470
    s = SVG(W, H, t["title"])
    # the three stages
    y, h, bw = 20, 74, 290
    xs = [20, 355, 690]
    looks = [BLUE, TEAL, AMBER]
    for i, (x, rows, colors) in enumerate(zip(xs, t["stages"], looks)):
        s.fbox(x, y, bw, h, rows, colors, size=13.5, sw=2.2 if i == 2 else 1.5, where="stage")
        s.ftext(x + bw - 10, y + h - 8, t["chapters"][i], 90, size=11, anchor="end", fill=MUTED, where="chapter")
        if i:
            s.arrow(xs[i - 1] + bw, y + h / 2, x - 2, y + h / 2)
    # the frame of the two routes, drawn out of the third stage
    fx, fy, fw, fh = 20, 138, W - 40, H - 138 - 14
    s.path(f"M{xs[2]},{y + h} L{fx},{fy}", color=AMBER[1], sw=1, dash="3 3")
    s.path(f"M{xs[2] + bw},{y + h} L{fx + fw},{fy}", color=AMBER[1], sw=1, dash="3 3")
    s.rect(fx, fy, fw, fh, "#fffdf5", AMBER[1], rx=10, sw=1.5, dash="6 4")
    s.ftext(fx + 14, fy + 22, t["frame"], 400, size=13, anchor="start", weight="bold", fill=AMBER[1], where="frame")
    lx = 44  # the route labels
    cols = [(110, 160), (306, 164), (522, 256), (826, 136)]  # pairs, reward model / DPO loss, RL, policy
    # RLHF: pairs -> reward model -> reinforcement learning, with its loop -> policy
    ry, rh = 178, 72
    s.ftext(lx, ry + rh / 2 + 6, t["routes"][0], 80, size=16, anchor="start", weight="bold", fill=ROSE[1],
            where="route")
    (px, pw), (mx, mw), (qx, qw), (ox, ow) = cols
    s.fbox(px, ry + 8, pw, rh - 16, t["pairs"], BLUE, size=12.5, where="pairs")
    s.fbox(mx, ry, mw, rh, t["rm"], ROSE, size=12.5, where="reward model")
    s.fbox(qx, ry, qw, rh, t["rl"], ROSE, size=12.5, where="rl")
    s.fbox(ox, ry + 8, ow, rh - 16, t["policy"], TEAL, size=12.5, where="policy")
    s.arrow(px + pw, ry + rh / 2, mx - 2, ry + rh / 2)
    s.arrow(mx + mw, ry + rh / 2, qx - 2, ry + rh / 2)
    s.ftext((mx + mw + qx) / 2, ry + rh / 2 - 8, t["scores"], qx - mx - mw + 20, size=11.5, fill=MUTED,
            where="scores")
    s.arrow(qx + qw, ry + rh / 2, ox - 2, ry + rh / 2)
    # the sampling loop under the reinforcement learning box
    lb = ry + rh
    s.path_arrow(f"M{qx + qw - 60},{lb} C{qx + qw - 50},{lb + 34} {qx + 50},{lb + 34} {qx + 60},{lb + 3}",
                 color=ROSE[1], sw=1.5)
    s.ftext(qx + qw / 2, lb + 44, "↺ " + t["loop"], 420, size=12, fill=ROSE[1], where="loop")
    # DPO: pairs and the frozen reference -> DPO loss -> policy
    dy = 330
    s.ftext(lx, dy + 46, t["routes"][1], 80, size=16, anchor="start", weight="bold", fill=TEAL[1], where="route")
    s.fbox(px, dy, pw, 44, t["pairs"], BLUE, size=12.5, where="pairs")
    s.fbox(px, dy + 56, pw, 44, t["ref"], GRAY, size=12.5, where="ref")
    _lock(s, px + pw - 24, dy + 56 + 26, GRAY[1], size=10)
    s.fbox(mx, dy + 14, mw, 72, t["dpo"], TEAL, size=12.5, sw=2.2, where="dpo")
    s.path_arrow(f"M{px + pw},{dy + 22} C{px + pw + 20},{dy + 22} {mx - 20},{dy + 38} {mx - 2},{dy + 38}")
    s.path_arrow(f"M{px + pw},{dy + 78} C{px + pw + 20},{dy + 78} {mx - 20},{dy + 62} {mx - 2},{dy + 62}")
    ox2 = mx + mw + 40
    s.fbox(ox2, dy + 22, ow, 56, t["policy"], TEAL, size=12.5, where="policy")
    s.arrow(mx + mw, dy + 50, ox2 - 2, dy + 50)
    nx = ox2 + ow + 30
    for i, line in enumerate(t["notes"]):
        s.ftext(nx, dy + 32 + 20 * i, line, fx + fw - nx - 12, size=12.5, anchor="start",
                fill=TEAL[1] if i < 2 else MUTED, weight="bold" if i < 2 else "normal", where="dpo note")
    return s


# ---------------------------------------------------------------------------
# 2. One record of the preference data
# ---------------------------------------------------------------------------

# a record of instruction-data-with-preference as it is in the file; its original output is the chosen answer
PAIR_RECORD = {"instruction": "Rewrite the following sentence to remove redundancy.",
               "input": "The actual fact is that he was late.",
               "chosen": "The fact is that he was late.", "rejected": "Face it, he was late."}

PAIR = {
    "en": {"title": "One record of the preference data: an instruction and two answers",
           "keys": ["instruction", "input", "chosen", "rejected"],
           "heads": ["chosen: the preferred answer", "rejected: the other answer"],
           "origin": ["the record's original output", "a language model's ruder rewrite"],
           "note": ["Both are correct; the chosen one is more polite.",
                    "In about half of the pairs the original answer is the chosen one, in the other half the "
                    "rejected one."]},
    "zh": {"title": "偏好数据中的一条记录：一条指令和两个回答",
           "keys": ["instruction", "input", "chosen", "rejected"],
           "heads": ["chosen：被选中的回答", "rejected：被拒绝的回答"],
           "origin": ["记录中原有的回答（output）", "语言模型改写出的、更不客气的版本"],
           "note": ["两个回答都正确；被选中的那个更有礼貌。",
                    "在大约一半的回答对中，原有的回答是被选中的那个；在另一半中，它是被拒绝的那个。"]},
}


def fig_pair(t):
    W, H = 1000, 330
    s = SVG(W, H, t["title"])
    keys = t["keys"]
    # the instruction and its input
    bx, by, bw, bh = 150, 20, 700, 76
    s.rect(bx, by, bw, bh, BLUE[0], BLUE[1], rx=10, sw=1.5)
    for i, key in enumerate(keys[:2]):
        y = by + 31 + 26 * i
        s.mono(bx + 16, y, key, size=12.5, fill=BLUE[1], weight="bold")
        s.ftext(bx + 130, y, PAIR_RECORD[key], bw - 146, size=14, anchor="start", where="instruction")
    # the two answers
    ay, ah, aw, gap = 150, 92, 380, 40
    axs = [W / 2 - gap / 2 - aw, W / 2 + gap / 2]
    for i, (x, colors, key) in enumerate(zip(axs, (TEAL, ROSE), keys[2:])):
        s.path_arrow(f"M{W / 2 + (i * 2 - 1) * 60},{by + bh} C{W / 2 + (i * 2 - 1) * 80},{by + bh + 30} "
                     f"{x + aw / 2},{ay - 30} {x + aw / 2},{ay - 2}")
        s.rect(x, ay, aw, ah, colors[0], colors[1], rx=10, sw=2 if i == 0 else 1.5)
        s.ftext(x + aw / 2, ay + 26, t["heads"][i], aw - 20, size=14.5, weight="bold", fill=colors[1], where="answer head")
        s.ftext(x + aw / 2, ay + 54, PAIR_RECORD[key], aw - 20, size=15, where="answer")
        s.ftext(x + aw / 2, ay + 78, t["origin"][i], aw - 20, size=12, fill=MUTED, italic=True, where="origin")
    ny = ay + ah + 38
    s.ftext(W / 2, ny, t["note"][0], W - 40, size=13.5, weight="bold", where="pair note")
    s.ftext(W / 2, ny + 24, t["note"][1], W - 40, size=12.5, fill=MUTED, where="pair note")
    return s


# ---------------------------------------------------------------------------
# 3. A batch of two pairs: four rows
# ---------------------------------------------------------------------------

# illustrative lengths in tokens: (prompt, chosen answer, rejected answer) of two pairs, and the sum
# of the answer tokens' log-probabilities of each row (the end token included)
BATCH_PAIRS = [(8, 5, 8), (6, 6, 4)]
BATCH_SUMS = [-9.1, -7.4, -12.6, -8.0]  # chosen 1, chosen 2, rejected 1, rejected 2

BATCH = {
    "en": {"title": "A batch of two pairs becomes four rows: the chosen answers first, then the rejected ones",
           "head": "2 pairs → 4 rows of one batch, padded to the longest",
           "groups": ["chosen", "rejected"], "row": "pair {i}",
           "sum_head": "log π(y | x) = Σ log p(answer tokens)", "summed": "summed",
           "legend": ["prompt", "chosen answer", "rejected answer", "end token", "padding"],
           "caption": "Only the answer tokens and the end token count; the targets of the prompt and of the "
                      "padding are −100."},
    "zh": {"title": "两个回答对组成的批次变成四行：先是被选中的回答，然后是被拒绝的回答",
           "head": "2 个回答对 → 一个批次中的 4 行，填充到最长的一行",
           "groups": ["被选中", "被拒绝"], "row": "回答对 {i}",
           "sum_head": "log π(y | x) = Σ log p(回答词元)", "summed": "求和",
           "legend": ["提示词", "被选中的回答", "被拒绝的回答", "结束词元", "填充"],
           "caption": "只有回答的词元和结束词元计入；提示词和填充位置的目标都是 −100。"},
}


def fig_batch(t):
    W, H = 1000, 330
    s = SVG(W, H, t["title"])
    cw, gap = 26, 3
    pitch = cw + gap
    rows = [(p, c, "c") for p, c, _ in BATCH_PAIRS] + [(p, r, "r") for p, _, r in BATCH_PAIRS]
    T = max(p + a + 1 for p, a, _ in rows)
    gx, y0, row_h, split = 206, 76, 38, 18  # split: the extra space between the chosen and the rejected rows
    prompt = (mix(GRAY[1], 0.22), GRAY[1])
    kinds = {"c": TEAL, "r": ROSE}
    pad = ("#ffffff", "#d1d5db")
    s.ftext(20, 28, t["head"], W - 40, size=14, anchor="start", weight="bold", where="batch head")
    badge_x, badge_w = 770, 110
    s.ftext(badge_x + badge_w / 2, y0 - 14, t["sum_head"], 2 * (W - 20 - badge_x - badge_w / 2), size=12.5,
            fill=INK, where="sum head")
    ys = []
    for r, (p, a, kind) in enumerate(rows):
        y = y0 + r * row_h + (split if r >= 2 else 0)
        ys.append(y)
        s.ftext(gx - 12, y + 18, t["row"].format(i=r % 2 + 1), 80, size=12.5, anchor="end", fill=MUTED, where="row")
        x = gx
        for n, colors in ((p, prompt), (a, kinds[kind]), (1, AMBER)):
            s.grid(x, y, 1, n, cw, cw, colors, gap=gap, rx=3, sw=1)
            x += n * pitch
        n_pad = T - (p + a + 1)
        for c in range(n_pad):
            s.rect(x + c * pitch, y, cw, cw, pad[0], pad[1], rx=3, sw=1, dash="3 2")
        # the row's answer log-probability
        fill, stroke = kinds[kind]
        s.arrow(gx + T * pitch + 4, y + cw / 2, badge_x - 2, y + cw / 2, color=LINE, sw=1.2)
        s.rect(badge_x, y - 1, badge_w, cw + 2, fill, stroke, rx=(cw + 2) / 2, sw=1.2)
        s.text(badge_x + badge_w / 2, y + cw / 2 + 5, "Σ = " + num(BATCH_SUMS[r], 1), size=13.5, weight="bold",
               fill=stroke)
    # what is summed, shown over the first row
    p, a, _ = rows[0]
    x1, x2 = gx + p * pitch, gx + (p + a + 1) * pitch - gap
    s.brace(x1, x2, y0 - 6, color=TEAL[1], depth=5)
    s.ftext((x1 + x2) / 2, y0 - 12, t["summed"], x2 - x1 + 40, size=11.5, fill=TEAL[1], where="summed")
    # the two groups
    for g in range(2):
        top, bottom = ys[2 * g] - 2, ys[2 * g + 1] + cw + 2
        colors = (TEAL, ROSE)[g]
        _vbracket(s, 112, top, bottom, colors[1])
        s.ftext(104, (top + bottom) / 2 + 5, t["groups"][g], 90, size=13.5, anchor="end", weight="bold",
                fill=colors[1], where="group")
    s.line(30, ys[2] - split / 2 - 10, gx + T * pitch, ys[2] - split / 2 - 10, color=LINE, sw=1, dash="4 4")
    # the key and the caption
    ly = ys[-1] + cw + 28
    keys = [prompt, TEAL, ROSE, AMBER, pad]
    x = gx
    for label, (fill, stroke) in zip(t["legend"], keys):
        s.rect(x, ly, 18, 18, fill, stroke, rx=3, sw=1, dash="3 2" if fill == "#ffffff" else None)
        s.ftext(x + 26, ly + 14, label, 140, size=12.5, anchor="start", where="legend")
        x += 26 + 36 + text_width(label, 12.5)
    s.ftext(gx, H - 18, t["caption"], W - gx - 20, size=12.5, anchor="start", fill=MUTED, italic=True, where="caption")
    return s


# ---------------------------------------------------------------------------
# 4. The DPO loss of one pair
# ---------------------------------------------------------------------------

DPO = {
    "en": {"title": "The DPO loss of one pair: two sequences, two models, two implicit rewards",
           "inputs": [["prompt +", "chosen answer"], ["prompt +", "rejected answer"]],
           "policy": ["policy π_θ", "trained"], "ref": ["reference π_{ref}", "frozen copy of the", "instruction-tuned model"],
           "grad": "gradients", "frozen": "frozen",
           "rewards": [["chosen reward", "r_w = β (log π_θ(y_w) − log π_{ref}(y_w))"],
                       ["rejected reward", "r_l = β (log π_θ(y_l) − log π_{ref}(y_l))"]],
           "loss": ["loss", "−log σ(r_w − r_l)"],
           "back": "gradients: raise r_w − r_l",
           "note": "x: the prompt, y_w: the chosen answer, y_l: the rejected one; β = 0.1 in this chapter. Only the policy receives gradients."},
    "zh": {"title": "一个回答对的 DPO 损失：两条序列、两个模型、两个隐式奖励",
           "inputs": [["提示词 +", "被选中的回答"], ["提示词 +", "被拒绝的回答"]],
           "policy": ["策略模型 π_θ", "参与训练"], "ref": ["参考模型 π_{ref}", "指令微调后模型的冻结副本"],
           "grad": "梯度", "frozen": "冻结",
           "rewards": [["被选中回答的奖励", "r_w = β (log π_θ(y_w) − log π_{ref}(y_w))"],
                       ["被拒绝回答的奖励", "r_l = β (log π_θ(y_l) − log π_{ref}(y_l))"]],
           "loss": ["损失", "−log σ(r_w − r_l)"],
           "back": "梯度：增大 r_w − r_l",
           "note": "x：提示词，y_w：被选中的回答，y_l：被拒绝的回答；本章取 β = 0.1。只有策略模型接收梯度。"},
}


def _model_box(s, t, x, y, w, h, policy):
    "The policy (trained, teal border, a gradients tag) or the reference (grey, frozen, a lock)."
    if policy:
        s.rect(x, y, w, h, "#ffffff", TEAL[1], rx=10, sw=2.2)
        _fmath(s, x + w / 2, y + 26, t["policy"][0], w - 16, size=14.5, weight="bold", fill=TEAL[1], where="policy")
        s.ftext(x + w / 2, y + 46, t["policy"][1], w - 16, size=12.5, where="policy")
        pw = math_width("∇ " + t["grad"], 11) + 14
        _pill(s, x + w - pw - 6, y - 4, "∇ " + t["grad"], (TEAL[0], TEAL[1]), size=11)
    else:
        s.rect(x, y, w, h, GRAY[0], GRAY[1], rx=10, sw=1.5)
        _fmath(s, x + w / 2, y + 22, t["ref"][0], w - 16, size=14.5, weight="bold", fill=GRAY[1], where="ref")
        lines = t["ref"][1:]
        for i, line in enumerate(lines):
            s.ftext(x + w / 2, y + (47 if len(lines) == 1 else 40) + 16 * i, line, w - 16, size=12, where="ref")
        _lock(s, x + w - 22, y + 10, GRAY[1], size=11)


def fig_dpo(t):
    W, H = 1000, 430
    s = SVG(W, H, t["title"], heads={"teal": TEAL[1]})
    ix, iw, ih = 20, 130, 56
    mx, mw, mh = 196, 176, 64
    cx, cwid, chh = 408, 150, 34
    rx, rw = 596, 236
    lx, lw, lh = 856, 126, 64
    # lane of the chosen answer: reference above, policy below; of the rejected one: policy above, reference
    # below, so that both policies face the gap between the lanes, where the gradients come back
    lanes = [(30, [("ref", 30), ("policy", 112)]), (238, [("policy", 238), ("ref", 320)])]
    gap_y = (112 + mh + 238) / 2
    chip_ys = {}
    for k, (top, models) in enumerate(lanes):
        colors = (TEAL, ROSE)[k]
        mid = top + (mh + 18 + mh) / 2
        s.fbox(ix, mid - ih / 2, iw, ih, t["inputs"][k], colors, size=12.5, head=False, where="input")
        fork = ix + iw + 16
        s.line(ix + iw, mid, fork, mid, color=MUTED, sw=1.8)
        s.dot(fork, mid, MUTED)
        w_or_l = "w" if k == 0 else "l"
        for name, y in models:
            cy = y + mh / 2
            s.path_arrow(f"M{fork},{mid} L{fork},{cy} L{mx - 2},{cy}")
            _model_box(s, t, mx, y, mw, mh, name == "policy")
            label = f"log π_{{θ}}(y_{w_or_l} | x)" if name == "policy" else f"log π_{{ref}}(y_{w_or_l} | x)"
            s.arrow(mx + mw, cy, cx - 2, cy)
            s.rect(cx, cy - chh / 2, cwid, chh, "#ffffff", colors[1], rx=6, sw=1.2)
            _fmath(s, cx + cwid / 2, cy + 5, label, cwid - 12, size=13.5, where="chip")
            chip_ys[name, k] = cy
        # the implicit reward of the answer
        ry, rh = top + 4, 2 * mh + 18 - 8
        s.rect(rx, ry, rw, rh, colors[0], colors[1], rx=10, sw=1.5)
        s.ftext(rx + rw / 2, ry + rh / 2 - 6, t["rewards"][k][0], rw - 16, size=14, weight="bold", fill=colors[1],
                where="reward")
        _fmath(s, rx + rw / 2, ry + rh / 2 + 18, t["rewards"][k][1], rw - 14, size=12.5, where="reward")
        for name, _ in models:
            cy = chip_ys[name, k]
            s.arrow(cx + cwid, cy, rx - 2, cy)
    # the loss, and the gradients back to the policy
    ly = gap_y - lh / 2
    s.rect(lx, ly, lw, lh, AMBER[0], AMBER[1], rx=10, sw=1.8)
    s.ftext(lx + lw / 2, ly + 24, t["loss"][0], lw - 16, size=14.5, weight="bold", fill=AMBER[1], where="loss")
    _fmath(s, lx + lw / 2, ly + 46, t["loss"][1], lw - 12, size=13, where="loss")
    for k, (top, _) in enumerate(lanes):
        cy = top + (mh + 18 + mh) / 2
        end = ly - 2 if k == 0 else ly + lh + 2
        s.path_arrow(f"M{rx + rw},{cy} L{lx + lw / 2},{cy} L{lx + lw / 2},{end}")
    pcx = mx + mw * 0.42
    back = f"M{lx},{gap_y} L{pcx},{gap_y}"
    s.path(back, color=TEAL[1], sw=1.8, dash="6 4")
    s.line(pcx, gap_y, pcx, 112 + mh + 3, color=TEAL[1], sw=1.8, dash="6 4", head="teal")
    s.line(pcx, gap_y, pcx, 238 - 3, color=TEAL[1], sw=1.8, dash="6 4", head="teal")
    s.dot(pcx, gap_y, TEAL[1])
    _fmath(s, (cx + rx + rw) / 2 + 20, gap_y - 8, t["back"], rx + rw - cx, size=13, fill=TEAL[1], weight="bold",
           where="back")
    _fmath(s, 20, H - 18, t["note"], W - 40, size=12.5, anchor="start", fill=MUTED, where="dpo note")
    return s


# ---------------------------------------------------------------------------
# 5. What runs once, and what runs at every step
# ---------------------------------------------------------------------------

STATES = {
    "en": {"title": "What each DPO training step computes, and what is computed once before training",
           "ids": "token ids: prompt + chosen answer, prompt + rejected answer",
           "stack": [["token embedding"], ["blocks 0–27", "frozen"], ["block 28"], ["block 29"], ["final norm"],
                     ["output head", "at the answer positions only"]],
           "stored": "stored: the input of block 28",
           "once": ["run once, before training:", "the inputs of block 28", "are stored with every pair"],
           "refs": ["reference log-probabilities", "2 per pair, computed once by π_{ref}"],
           "every": ["run at every step,", "for the chosen and", "the rejected sequence"],
           "out": "log π_θ(y_w | x), log π_θ(y_l | x)", "loss": "DPO loss",
           "legend": [("trained", TEAL), ("frozen", GRAY), ("stored before training", VIOLET)]},
    "zh": {"title": "DPO 每个训练步计算什么，以及哪些在训练前只算一次",
           "ids": "词元 ID：提示词 + 被选中的回答，提示词 + 被拒绝的回答",
           "stack": [["词元嵌入"], ["第 0–27 块", "冻结"], ["第 28 块"], ["第 29 块"], ["最终归一化层"],
                     ["输出头", "只在回答的位置上运行"]],
           "stored": "存储：第 28 块的输入",
           "once": ["训练前只运行一次：", "第 28 块的输入", "随每个回答对存储"],
           "refs": ["参考模型的对数概率", "每个回答对 2 个，由 π_{ref} 只算一次"],
           "every": ["每一步都运行：", "被选中的序列和", "被拒绝的序列各一次"],
           "out": "log π_θ(y_w | x)、log π_θ(y_l | x)", "loss": "DPO 损失",
           "legend": [("参与训练", TEAL), ("冻结", GRAY), ("训练前存储", VIOLET)]},
}


def fig_states(t):
    W, H = 1000, 550
    s = SVG(W, H, t["title"])
    sx, sw = 360, 280
    c = sx + sw / 2
    st = t["stack"]
    # (top, height, rows, colors), from the output head down to the token embedding
    boxes = [(96, 52, st[5], GRAY), (166, 34, st[4], TEAL), (218, 40, st[3], TEAL), (272, 40, st[2], TEAL),
             (376, 72, st[1], GRAY), (468, 34, st[0], GRAY)]
    for i, (y, h, rows, colors) in enumerate(boxes):
        if i == 4:
            s.stack_shadows(sx, y, sw, h, colors, copies=2, step=4)
        s.rect(sx, y, sw, h, colors[0], colors[1], rx=8, sw=2 if colors is TEAL else 1.3)
        size0 = 15 if i == 4 else 13.5
        y0 = y + h / 2 + (5 if len(rows) == 1 else -4)
        s.ftext(c, y0, rows[0], sw - 60, size=size0, weight="bold", fill=colors[1], where="stack")
        if len(rows) > 1:
            s.ftext(c, y0 + 19, rows[1], sw - 60, size=12, where="stack note")
        if colors is GRAY:
            _lock(s, sx + sw - 24, y + h / 2 - 2, GRAY[1], size=11)
    up = lambda lower_top, upper: s.arrow(c, lower_top, c, upper[0] + upper[1] + 2, sw=1.5)
    for upper, lower in zip(boxes[:3], boxes[1:4]):
        up(lower[0], upper)
    # from the frozen blocks through the stored states to block 28
    vy, vh = 330, 24
    s.rect(sx + 24, vy, sw - 48, vh, VIOLET[0], VIOLET[1], rx=vh / 2, sw=1.3)
    s.ftext(c, vy + 17, t["stored"], sw - 60, size=12, weight="bold", fill=VIOLET[1], where="stored")
    up(vy, boxes[3])
    s.arrow(c, boxes[4][0] - 8, c, vy + vh + 2, sw=1.5)
    up(boxes[5][0], boxes[4])
    s.ftext(c, H - 16, t["ids"], W - 40, size=12.5, fill=MUTED, where="ids")
    s.arrow(c, H - 32, c, boxes[5][0] + boxes[5][1] + 2, sw=1.5)
    # the output and the loss
    ly, lh = 20, 42
    s.rect(sx + 50, ly, sw - 100, lh, AMBER[0], AMBER[1], rx=10, sw=1.5)
    s.ftext(c, ly + 27, t["loss"], sw - 110, size=14.5, weight="bold", fill=AMBER[1], where="loss")
    s.arrow(c, boxes[0][0], c, ly + lh + 2, sw=1.5)
    _fmath(s, c + 10, 84, t["out"], W - c - 30, size=12, anchor="start", fill=TEAL[1], where="out")
    # left: the reference's log-probabilities, stored and sent to the loss
    ox, ow = 40, 256
    s.rect(ox, ly - 4, ow, lh + 8, VIOLET[0], VIOLET[1], rx=8, sw=1.3)
    s.ftext(ox + ow / 2, ly + 16, t["refs"][0], ow - 16, size=13, weight="bold", fill=VIOLET[1], where="refs")
    _fmath(s, ox + ow / 2, ly + 35, t["refs"][1], ow - 16, size=12, where="refs")
    s.arrow(ox + ow, ly + lh / 2, sx + 48, ly + lh / 2, color=VIOLET[1], sw=1.5)
    # left: what runs once
    top, bottom = vy, boxes[5][0] + boxes[5][1]
    _vbracket(s, sx - 22, top, bottom, VIOLET[1], left=True)
    mid = (top + bottom) / 2
    for j, line in enumerate(t["once"]):
        s.ftext(sx - 36, mid - 14 + 20 * j, line, sx - 36 - ox, size=13 if j == 0 else 12.5, anchor="end",
                weight="bold" if j == 0 else "normal", fill=VIOLET[1], where="once")
    # right: what runs at every step
    top, bottom = boxes[0][0], boxes[3][0] + boxes[3][1]
    _vbracket(s, sx + sw + 22, top, bottom, TEAL[1], left=False)
    mid = (top + bottom) / 2
    for j, line in enumerate(t["every"]):
        s.ftext(sx + sw + 36, mid - 14 + 20 * j, line, W - 20 - sx - sw - 36, size=13 if j == 0 else 12.5,
                anchor="start", weight="bold" if j == 0 else "normal", fill=TEAL[1], where="every")
    # the key
    kx, ky = sx + sw + 36, 400
    for j, (label, colors) in enumerate(t["legend"]):
        s.rect(kx, ky + 26 * j, 20, 16, colors[0], colors[1], rx=3, sw=1.2)
        s.ftext(kx + 30, ky + 26 * j + 13, label, W - 20 - kx - 30, size=12.5, anchor="start", where="key")
    return s


# ---------------------------------------------------------------------------
# 6. What the loss asks for
# ---------------------------------------------------------------------------

BETA = 0.1
# illustrative log-probabilities of one pair's answers: (reference, policy after training)
REWARD_LOGPS = {"chosen": (-8.6, -9.0), "rejected": (-11.3, -13.4)}

REWARDS = {
    "en": {"title": "DPO moves the two answers apart; both may become less likely",
           "head": "log-probability of each answer of one pair (nats)",
           "groups": ["chosen answer", "rejected answer"], "bars": ["reference", "policy"],
           "change": ["chosen: {d} nats", "rejected: {d} nats"],
           "calc": ["implicit rewards, β = {b}:", "r_w = β · ({c}) = {rc}", "r_l = β · ({r}) = {rr}",
                    "margin = β ({c} − ({r})) = {m}", "loss = −log σ({m}) = {l}, below log 2 = 0.69"],
           "take": ["Both answers became less likely;", "the rejected one much more so.",
                    "The loss only asks for the gap."],
           "illustrative": "illustrative numbers"},
    "zh": {"title": "DPO 把两个回答推开；两者的概率都可能下降",
           "head": "一个回答对中每个回答的对数概率（奈特）",
           "groups": ["被选中的回答", "被拒绝的回答"], "bars": ["参考模型", "策略模型"],
           "change": ["被选中：{d} 奈特", "被拒绝：{d} 奈特"],
           "calc": ["隐式奖励，β = {b}：", "r_w = β · ({c}) = {rc}", "r_l = β · ({r}) = {rr}",
                    "奖励之差 = β ({c} − ({r})) = {m}", "损失 = −log σ({m}) = {l}，低于 log 2 = 0.69"],
           "take": ["两个回答的概率都下降了，", "被拒绝的回答下降得多得多。", "损失只在乎两者之间的差距。"],
           "illustrative": "数字仅为示意"},
}


def fig_rewards(t):
    W, H = 1000, 420
    s = SVG(W, H, t["title"], heads={"teal": TEAL[1], "rose": ROSE[1]})
    ax, ay, k = 80, 64, 22  # the zero line, and pixels per nat
    bw, inner, room = 70, 14, 156  # room: for the label of the change
    s.ftext(20, 28, t["head"], 560, size=14, anchor="start", weight="bold", where="rewards head")
    x = ax + 30
    lefts = []
    for g, (key, colors) in enumerate((("chosen", TEAL), ("rejected", ROSE))):
        ref, pol = REWARD_LOGPS[key]
        lefts.append(x)
        for j, (v, c) in enumerate(((ref, GRAY), (pol, colors))):
            bx = x + j * (bw + inner)
            s.rect(bx, ay, bw, -v * k, c[0], c[1], rx=3, sw=1.4)
            s.text(bx + bw / 2, ay - v * k + 18, num(v, 1), size=13, weight="bold", fill=c[1])
            s.ftext(bx + bw / 2, ay + 20, t["bars"][j], bw - 8, size=11.5, fill=c[1], where="bar")
        # the change, from the reference's level to the policy's
        y_ref, y_pol = ay - ref * k, ay - pol * k
        px = x + bw + inner
        s.line(x + bw, y_ref, px + bw + 10, y_ref, color=MUTED, sw=1, dash="3 3")
        s.line(px + bw + 4, y_ref, px + bw + 10, y_ref, color=colors[1], sw=1.4)
        s.line(px + bw + 7, y_ref, px + bw + 7, y_pol - 1, color=colors[1], sw=1.6, head=("teal", "rose")[g])
        s.ftext(px + bw + 16, (y_ref + y_pol) / 2 + 5, t["change"][g].format(d=num(pol - ref, 1)), 170, size=12.5,
                anchor="start", weight="bold", fill=colors[1], where="change")
        s.ftext(x + bw + inner / 2, ay - 10, t["groups"][g], 2 * bw + inner + 50, size=13, weight="bold",
                fill=colors[1], where="group")
        x += 2 * bw + inner + room
    # the zero line and a scale
    right = x - room + 20
    s.line(ax, ay, right, ay, color=INK, sw=1.2)
    s.text(ax - 8, ay + 4, "0", size=12, anchor="end", fill=MUTED)
    for v in range(-5, -16, -5):
        yv = ay - v * k
        s.line(ax - 4, yv, ax, yv, color=INK, sw=1.2)
        s.text(ax - 8, yv + 4, num(v, 0), size=12, anchor="end", fill=MUTED)
    s.line(ax, ay, ax, ay + 15 * k, color=INK, sw=1.2)
    # the computation
    (c_ref, c_pol), (r_ref, r_pol) = REWARD_LOGPS["chosen"], REWARD_LOGPS["rejected"]
    dc, dr = c_pol - c_ref, r_pol - r_ref
    m = BETA * (dc - dr)
    loss = -math.log(1 / (1 + math.exp(-m)))
    px, py, pw = 628, 70, 352
    vals = dict(b=BETA, c=num(dc, 1), r=num(dr, 1), rc=num(BETA * dc, 2), rr=num(BETA * dr, 2), m=num(m, 2),
                l=num(loss, 2))
    s.rect(px, py, pw, 150, AMBER[0], AMBER[1], rx=10, sw=1.5)
    for i, line in enumerate(t["calc"]):
        _fmath(s, px + 16, py + 28 + 28 * i, line.format(**vals), pw - 28, size=13.5, anchor="start",
               weight="bold" if i in (0, 3) else "normal", fill=AMBER[1] if i == 0 else INK, where="calc")
    for i, line in enumerate(t["take"]):
        s.ftext(px, py + 190 + 22 * i, line, pw, size=13.5, anchor="start", weight="bold" if i < 2 else "normal",
                fill=INK if i < 2 else MUTED, where="take")
    s.ftext(W - 20, H - 14, t["illustrative"], 200, size=12, anchor="end", fill=MUTED, italic=True, where="note")
    return s


FIGURES = {"pipeline": (fig_pipeline, PIPELINE), "pair": (fig_pair, PAIR), "batch": (fig_batch, BATCH),
           "dpo": (fig_dpo, DPO), "states": (fig_states, STATES), "rewards": (fig_rewards, REWARDS)}


if __name__ == "__main__":
    write_figures(FIGURES, "ch09")
