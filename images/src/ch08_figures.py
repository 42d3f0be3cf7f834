#!/usr/bin/env python3
"""Generate the diagrams of the instruction fine-tuning chapter (English and Chinese).

Run from the repository root:

    python3 images/src/ch08_figures.py

Drawn with diagrams.py beside this file, one layout function per figure and one dict of strings
per language. Output: images/ch08/<name>-en.svg and images/ch08/<name>-zh.svg.
"""
from __future__ import annotations

from xml.sax.saxutils import escape

from diagrams import (AMBER, BLUE, GRAY, INK, LINE, MINUS, MONO, MUTED, ROSE, SVG, TEAL, VIOLET, fits, mix,
                      thousands, write_figures)

# one short record: prompt tokens, answer tokens, the end token, padding up to the batch's longest
TOKENS = ["### Instr", "uction:", "Spell", "'cat'", "### Resp", "onse:", "c-a-t", "<end>", "<pad>", "<pad>"]
KINDS = ["p"] * 6 + ["a", "e", "x", "x"]

MASK = {
    "en": {"title": "One record in a batch: what the model reads, and what it is trained to predict",
           "inputs": "inputs", "targets": "targets", "ignored": "-100",
           "legend": [("prompt: read, not learned (target -100)", GRAY), ("answer: learned", TEAL),
                      ("end token: learned, so the model knows when to stop", AMBER),
                      ("padding: ignored (target -100)", ROSE)],
           "shift": "target at position i = input token i + 1"},
    "zh": {"title": "批次中的一条记录：模型读到什么，又被训练去预测什么",
           "inputs": "输入", "targets": "目标", "ignored": "-100",
           "legend": [("提示词：读入，但不学习（目标为 -100）", GRAY), ("回答：参与学习", TEAL),
                      ("结束词元：参与学习，模型才知道何时停下", AMBER), ("填充：忽略（目标为 -100）", ROSE)],
           "shift": "位置 i 的目标 = 第 i + 1 个输入词元"},
}

JUDGE = {
    "en": {"title": "Evaluating answers with a judge model behind an HTTP server",
           "records": ["test records", "instruction, input,", "reference answer"],
           "model": ["fine-tuned model", "greedy answers,", "KV cache"],
           "file": ["answers.json", "written atomically"],
           "client": ["ChatClient", "retries, timeout,", "API key from env"],
           "server": ["OpenAI-compatible server", "llama.cpp, Ollama, vLLM, ...", "POST /v1/chat/completions"],
           "parse": ["a score per answer", "0–100 from the text, or", "100 × P(yes) from logprobs"],
           "stats": ["mean ± 95% interval", "and replies without a score"],
           "sanity": "sanity check: the same judge on the reference answers (should score high) and on answers "
                     "shuffled across questions (should score low)"},
    "zh": {"title": "用 HTTP 服务器后面的评判模型给回答打分",
           "records": ["测试记录", "指令、输入、", "参考答案"],
           "model": ["微调后的模型", "贪心解码，", "KV 缓存"],
           "file": ["answers.json", "原子写入"],
           "client": ["ChatClient", "重试、超时、", "从环境变量读 API 密钥"],
           "server": ["OpenAI 兼容的服务器", "llama.cpp、Ollama、vLLM……", "POST /v1/chat/completions"],
           "parse": ["每个回答一个分数", "从文本读出 0–100，或", "从 logprobs 算 100 × P(yes)"],
           "stats": ["均值 ± 95% 区间", "以及没有给出分数的回复"],
           "sanity": "合理性检查：同一个评判模型给参考答案本身打分（应当很高），再给打乱到别的问题上的回答打分（应当很低）"},
}


def fig_mask(t):
    W, H = 1000, 300
    s = SVG(W, H, t["title"])
    x0, cw, gap = 110, 80, 8
    colors = {"p": GRAY, "a": TEAL, "e": AMBER, "x": ROSE}
    inputs, kinds = TOKENS[:-1], KINDS[:-1]  # the inputs drop the last token, the targets the first
    targets = TOKENS[1:]
    s.text(x0 - 14, 70, t["inputs"], size=14, anchor="end", weight="bold")
    s.text(x0 - 14, 160, t["targets"], size=14, anchor="end", weight="bold")
    for i, (tok, kind) in enumerate(zip(inputs, kinds)):
        x = x0 + i * (cw + gap)
        fill, stroke = colors["x" if kind == "x" else ("p" if kind == "p" else kind)]
        s.rect(x, 48, cw, 34, fill, stroke, rx=6, sw=1.2, dash="4 3" if kind == "x" else None)
        s.text(x + cw / 2, 70, tok, size=12, fill=MUTED if kind == "x" else INK)
        tk = KINDS[i + 1]
        learned = tk in ("a", "e")
        fill, stroke = colors[tk] if learned else colors["x" if tk == "x" else "p"]
        s.rect(x, 138, cw, 34, fill if learned else "#f9fafb", stroke, rx=6, sw=1.2, dash=None if learned else "4 3")
        s.text(x + cw / 2, 160, targets[i] if learned else t["ignored"], size=12,
               fill=INK if learned else MUTED, weight="bold" if learned else "normal")
        s.arrow(x + cw / 2 + 20, 84, x + cw / 2 + 20 + (cw + gap) / 2 - 22, 134, color=LINE, sw=1.2)
    s.text(x0, 198, t["shift"], size=12, fill=MUTED, anchor="start", italic=True)
    y = 226
    s.legend(x0, y, [(label, fill, stroke) for label, (fill, stroke) in t["legend"]], swatch=(26, 20), rx=4,
             sw=1.2, row=34, columns=2, column=420)
    return s


def fig_judge(t):
    W, H = 1000, 390
    s = SVG(W, H, t["title"])
    s.box(20, 40, 170, 80, t["records"], BLUE, size=13, head=True)
    s.box(240, 40, 170, 80, t["model"], TEAL, size=13, head=True)
    s.box(460, 40, 170, 80, t["file"], GRAY, size=13, head=True)
    s.box(680, 40, 170, 80, t["client"], AMBER, size=13, head=True)
    s.box(620, 190, 290, 80, t["server"], ROSE, size=13, head=True)
    s.box(330, 190, 220, 80, t["parse"], AMBER, size=13, head=True)
    s.box(60, 190, 200, 80, t["stats"], TEAL, size=13, head=True)
    for x1, x2 in ((190, 238), (410, 458), (630, 678)):
        s.arrow(x1, 80, x2, 80)
    s.path_arrow("M790,122 C800,150 790,165 780,188", color=ROSE[1])  # the request
    s.path_arrow("M640,250 C600,250 590,235 552,232", color=ROSE[1])  # the reply
    s.arrow(328, 230, 262, 230)
    s.rect(40, 300, 920, 56, "#ffffff", LINE, rx=8, sw=1, dash="5 4")
    s.text(500, 333, t["sanity"], size=12, fill=MUTED)
    return s


# ---------------------------------------------------------------------------
# The figures below take their numbers from the chapter's code (nbs/08_instructions.ipynb),
# recomputed with SmolLM2's tokenizer, the split of seed 123, PromptFormat and instruction_collate.
# ---------------------------------------------------------------------------

VOCAB, EMB = 49_152, 576  # SmolLM2-135M's output head is a VOCAB x EMB matrix, tied to the token embeddings

# test_records[0] in both prompt formats, one list of (text, kind) runs per line. Kinds: "f" written
# by the format, "i" the record's instruction, "a" its reference answer, "s" a special token, "e" the
# token that ends the answer. The preamble and the system message are wrapped to fit; the rest keeps
# the line breaks of alpaca_prompt and ChatTemplate.
ALPACA_LINES = [
    [("Below is an instruction that describes a task.", "f")],
    [("Write a response that appropriately completes", "f")],
    [("the request.", "f")],
    [],
    [("### Instruction:", "f")],
    [("Name a mammal that lays eggs.", "i")],
    [],
    [("### Response:", "f")],
    [("A mammal that lays eggs is the platypus.", "a"), ("<|endoftext|>", "e")],
]
CHAT_LINES = [
    [("<|im_start|>", "s"), ("system", "f")],
    [("You are a helpful AI assistant named SmolLM,", "f")],
    [("trained by Hugging Face", "f"), ("<|im_end|>", "s")],
    [("<|im_start|>", "s"), ("user", "f")],
    [("Name a mammal that lays eggs.", "i"), ("<|im_end|>", "s")],
    [("<|im_start|>", "s"), ("assistant", "f")],
    [("A mammal that lays eggs is the platypus.", "a"), ("<|im_end|>", "e")],
]
RECORD_PROMPT, RECORD_ANSWER = 37, 11  # tokens of that record's prompt (in either format) and answer

FORMATS = {
    "en": {"title": "One test record in the Alpaca format and in the model's chat template",
           "heads": ["Alpaca format", "The model's chat template (ChatML)"],
           "code": ['PromptFormat("alpaca")', 'PromptFormat("chat", template)'],
           "notes": [["prompt_ids: {p} tokens, up to “### Response:” and its newline",
                      "response_ids: the answer's {a} tokens, then <|endoftext|>",
                      "nothing taught the shipped model to end an answer so"],
                     ["prompt_ids: {p} tokens, up to “<|im_start|>assistant” and its newline",
                      "response_ids: the answer's {a} tokens, then <|im_end|>",
                      "the end of turn the shipped model already writes"]],
           "legend": [("the record's instruction", BLUE), ("the record's reference answer", TEAL),
                      ("special token: one token id", VIOLET),
                      ("ends the answer: trained, and where respond stops", AMBER)]},
    "zh": {"title": "同一条测试记录：Alpaca 格式与模型自己的对话模板",
           "heads": ["Alpaca 格式", "模型自己的对话模板（ChatML）"],
           "code": ['PromptFormat("alpaca")', 'PromptFormat("chat", template)'],
           "notes": [["prompt_ids：{p} 个词元，到 “### Response:” 及其后的换行为止",
                      "response_ids：回答的 {a} 个词元，再加上 <|endoftext|>",
                      "出厂模型从没学过这样结束回答"],
                     ["prompt_ids：{p} 个词元，到 “<|im_start|>assistant” 及其后的换行为止",
                      "response_ids：回答的 {a} 个词元，再加上 <|im_end|>",
                      "出厂模型本来就会写出这个表示一轮发言结束的标记"]],
           "legend": [("记录中的指令", BLUE), ("记录中的参考答案", TEAL), ("特殊词元：一个词元 ID", VIOLET),
                      ("结束回答的词元：参与训练，respond 遇到它就停下", AMBER)]},
}


def _mono_exact(s, x, y, txt, size, fill=INK, weight="normal"):
    """Monospace text made exactly 0.6 em wide per character (SVG `textLength`), whatever monospace
    font the reader has, so that the marks drawn behind it fit it."""
    w = len(txt) * 0.6 * size
    s.parts.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-weight="{weight}" fill="{fill}" '
                   f'font-family="{MONO}" textLength="{w:.1f}" lengthAdjust="spacingAndGlyphs">{escape(txt)}</text>')


def _mono_runs(s, x, y, runs, size):
    "One line of monospace `runs` (text, kind) from `x`, each kind marked as FORMATS' legend shows; returns the end."
    cw = 0.6 * size
    for text, kind in runs:
        w = len(text) * cw
        if kind in ("i", "a"):
            fill = (BLUE if kind == "i" else TEAL)[0]
            s.rect(x, y - size * 1.02, w, size * 1.42, fill, fill, rx=2, sw=0)
        elif kind in ("s", "e"):
            fill, stroke = VIOLET if kind == "s" else AMBER
            s.rect(x - 1, y - size * 1.02, w + 2, size * 1.42, fill, stroke, rx=3, sw=1.4 if kind == "e" else 0.8)
        color = {"s": VIOLET[1], "e": AMBER[1]}.get(kind, INK)
        _mono_exact(s, x, y, text, size, fill=color, weight="bold" if kind == "e" else "normal")
        x += w
    return x


def fig_formats(t):
    W, H = 1000, 414
    s = SVG(W, H, t["title"])
    pw, size, lh, top, box_h = 470, 13.3, 21, 54, 208  # 13.3: a whole 8 px per monospace character
    for k, (px, lines) in enumerate(((20, ALPACA_LINES), (510, CHAT_LINES))):
        s.ftext(px, 22, t["heads"][k], pw, size=15, anchor="start", weight="bold", where="format head")
        s.mono(px, 42, t["code"][k], size=12, fill=MUTED)
        s.rect(px, top, pw, box_h, "#ffffff", LINE, rx=8, sw=1.2)
        y0 = top + 24
        for i, runs in enumerate(lines):
            end = _mono_runs(s, px + 14, y0 + i * lh, runs, size)
            if end > px + pw - 10:
                print(f"warning: format line {i} runs {end - px - pw + 10:.0f} px past its box")
        divider = y0 + (len(lines) - 1) * lh - 17  # between the prompt and the answer
        s.line(px + 8, divider, px + pw - 8, divider, color=LINE, sw=1, dash="4 3")
        for j, note in enumerate(t["notes"][k]):
            s.ftext(px, top + box_h + 22 + j * 20, note.format(p=RECORD_PROMPT, a=RECORD_ANSWER), pw, size=12.5,
                    anchor="start", fill=INK if j < 2 else AMBER[1], italic=j == 2, where="format note")
    for label, _ in t["legend"]:
        fits(label, 13, 450, "format legend")
    s.legend(20, 348, [(label, fill, stroke) for label, (fill, stroke) in t["legend"]], swatch=(26, 18), rx=3,
             sw=1.2, row=30, columns=2, column=490)
    return s


# (prompt, response) lengths in tokens of train_records[:8] in the Alpaca format: the batch the chapter
# times next_token_loss and answer_loss on (8 x 76 after padding, 132 positions that count)
BATCH = [(40, 37), (41, 13), (40, 16), (37, 31), (57, 5), (38, 9), (39, 8), (39, 13)]

HEAD = {
    "en": {"title": "Where the output head runs: next_token_loss and answer_loss on the same batch",
           "batch": "The targets of one batch, the first 8 training records: 8 × {t} = {n} positions",
           "legend": ["prompt: target −100 ({n})", "answer and end token: counted ({n})", "padding: target −100 ({n})"],
           "lanes": [("next_token_loss", "out_head at all {n} positions"),
                     ("answer_loss", "h[keep]: only the {n} that count")],
           "ignored": "{n} rows of logits: computed, then ignored",
           "costs": ["logits {n} × {v}: {g:.1f} billion multiply-adds in the head",
                     "logits {n} × {v}: {g:.1f} billion multiply-adds, {k:.1f} times fewer"],
           "note": ["The same loss either way: F.cross_entropy averages over the same {n} targets.",
                    "Per position, the head ({v} × {e}) costs as much arithmetic as eight of the 30 blocks."]},
    "zh": {"title": "输出头在哪些位置上运行：同一个批次上的 next_token_loss 与 answer_loss",
           "batch": "一个批次的目标（前 8 条训练记录）：8 × {t} = {n} 个位置",
           "legend": ["提示词：目标为 −100（{n} 个）", "回答及结束词元：计入损失（{n} 个）", "填充：目标为 −100（{n} 个）"],
           "lanes": [("next_token_loss", "在全部 {n} 个位置上运行 out_head"),
                     ("answer_loss", "h[keep]：只取计入损失的 {n} 个")],
           "ignored": "{n} 行 logits：算了出来，随后被忽略",
           "costs": ["logits 为 {n} × {v}：输出头要做 {y:.0f} 亿次乘加",
                     "logits 为 {n} × {v}：{y:.0f} 亿次乘加，只有前者的 {f:.0%}"],
           "note": ["两种算法的损失完全相同：F.cross_entropy 平均的都是这 {n} 个目标。",
                    "在每个位置上，输出头（{v} × {e}）的计算量相当于 30 个块中的八个。"]},
}


def fig_head(t):
    W, H = 1000, 384
    s = SVG(W, H, t["title"])
    T = max(p + a - 1 for p, a in BATCH)
    n_all, n_count = len(BATCH) * T, sum(a for _, a in BATCH)
    n_prompt = sum(p - 1 for p, _ in BATCH)
    n_pad = n_all - n_count - n_prompt
    s.ftext(20, 26, t["batch"].format(t=T, n=n_all), W - 40, size=14, anchor="start", weight="bold", where="batch")
    gx, gy, pitch, cw, ch = 26, 38, 12.5, 11, 9
    answer = mix(TEAL[1], 0.45)
    colors = {"p": (mix(GRAY[1], 0.22), GRAY[1]), "a": (answer, TEAL[1]), "x": ("#ffffff", "#d1d5db")}
    for r, (p, a) in enumerate(BATCH):
        kinds = ["p"] * (p - 1) + ["a"] * a + ["x"] * (T - (p + a - 1))
        for c, kind in enumerate(kinds):
            fill, stroke = colors[kind]
            s.rect(gx + c * pitch, gy + r * 11, cw, ch, fill, stroke, rx=1, sw=0.6)
    ly = gy + len(BATCH) * 11 + 12
    keys = [colors["p"], colors["a"], colors["x"]]
    for i, (label, n, (fill, stroke)) in enumerate(zip(t["legend"], (n_prompt, n_count, n_pad), keys)):
        x = gx + i * 320
        s.rect(x, ly, 16, 14, fill, stroke, rx=2, sw=0.8)
        s.ftext(x + 24, ly + 12, label.format(n=n), 290, size=12.5, anchor="start", where="head legend")
    bx, unit, bh = 262, 1.1, 30
    for lane, (y, n) in enumerate(((186, n_all), (268, n_count))):
        name, sub = t["lanes"][lane]
        s.mono(20, y + 12, name, size=14, weight="bold")
        s.ftext(20, y + 31, sub.format(n=n), bx - 30, size=12.5, anchor="start", fill=MUTED, where="lane")
        s.rect(bx, y, n_count * unit, bh, answer, TEAL[1], rx=3, sw=1.2)
        s.text(bx + n_count * unit / 2, y + 20, thousands(n_count), size=13, weight="bold")
        macs = n * EMB * VOCAB
        cost = t["costs"][lane].format(n=thousands(n), v=thousands(VOCAB), g=macs / 1e9, y=macs / 1e8,
                                       k=n_all / n_count, f=n_count / n_all)
        if lane == 0:
            x = bx + n_count * unit
            w = (n_all - n_count) * unit
            s.rect(x, y, w, bh, "#f9fafb", LINE, rx=3, sw=1.2, dash="4 3")
            s.ftext(x + w / 2, y + 20, t["ignored"].format(n=thousands(n_all - n_count)), w - 16, size=12.5,
                    fill=MUTED, where="ignored")
            s.ftext(bx, y + bh + 20, cost, W - bx - 20, size=12.5, anchor="start", where="cost")
        else:
            x = bx + n_count * unit + 14
            s.ftext(x, y + 20, cost, W - x - 20, size=12.5, anchor="start", where="cost")
    for j, note in enumerate(t["note"]):
        s.ftext(20, H - 38 + j * 20, note.format(n=n_count, v=thousands(VOCAB), e=EMB), W - 40, size=12.5,
                anchor="start", fill=MUTED, where="head note")
    return s


PROTOCOLS = {
    "en": {"title": "Two ways to ask a judge: a score written as text, or one token and its log probabilities",
           "heads": ["score: a number read from the text", "yes-no: one token and its logprobs (the default)"],
           "request": ["request (score_messages)", "request (yes_no_messages)"],
           "post": "POST {url}/chat/completions",
           "reply": ["reply: choices[0].message.content", "reply: choices[0].logprobs.content[0].top_logprobs"],
           "parse": "parse_score",
           "cols": ["token", "logprob", "p"], "more": "… 20 candidates in all",
           "result": [["the number in the text: a score from 0 to 100", "no number: None, counted as missing, never guessed"],
                      ["100 × P(yes) / (P(yes) + P(no)) = 100 × {y:.2f} / {t:.2f} = {s:.1f}",
                       "“yes” and “ Yes” both count; None only if neither is among them"]],
           "example": "Replies and probabilities are examples; the requests and the fields read are those of judge."},
    "zh": {"title": "向评判模型提问的两种方式：写成文本的分数，或一个词元及其对数概率",
           "heads": ["score：从文本中读出一个数", "yes-no：一个词元及其 logprobs（默认）"],
           "request": ["请求（score_messages）", "请求（yes_no_messages）"],
           "post": "POST {url}/chat/completions",
           "reply": ["回复：choices[0].message.content", "回复：choices[0].logprobs.content[0].top_logprobs"],
           "parse": "parse_score",
           "cols": ["词元", "对数概率", "p"], "more": "……共 20 个候选",
           "result": [["文本中的数：0 到 100 的分数", "没有数：记为 None，算作缺失，绝不去猜"],
                      ["100 × P(yes) / (P(yes) + P(no)) = 100 × {y:.2f} / {t:.2f} = {s:.1f}",
                       "“yes” 和 “ Yes” 都算；两个词都不在候选中时才是 None"]],
           "example": "回复和概率只是示例；请求的内容和读取的字段与 judge 的代码一致。"},
}

SCORE_REQUEST = ['{"model": "smollm2",',
                 ' "messages": [{"role": "user", "content":',
                 '   "Task: … Correct answer: …',
                 '    Answer to grade: … Grade the answer …',
                 '    from 0 (wrong) to 100 (as good as the',
                 '    correct answer). Reply with the number only."}],',
                 ' "max_tokens": 16, "temperature": 0}']
YES_NO_REQUEST = ['{"model": "smollm2",',
                  ' "messages": [{"role": "user", "content":',
                  '   "Task: … Correct answer: …',
                  '    Proposed answer: … Does the proposed answer',
                  '    say the same as the correct answer?',
                  '    Reply with yes or no."}],',
                  ' "max_tokens": 1, "temperature": 0,',
                  ' "logprobs": true, "top_logprobs": 20}']
# replies as parse_score reads them (the chapter's own examples), and example candidates of one token
SCORE_REPLIES = [('"Score: 87"', "87"), ('"I would give it 87/100."', "87"), ('"The answer is correct."', "None"),
                 ('"Between 60 and 70."', "None")]
CANDIDATES = [('"yes"', 0.55), ('" Yes"', 0.20), ('"no"', 0.15), ('"The"', 0.03)]


def fig_protocols(t):
    import math
    W, H = 1000, 518
    s = SVG(W, H, t["title"])
    pw, size, lh = 470, 11.5, 17
    p_yes = sum(p for tok, p in CANDIDATES if tok.strip('"').strip().lower() == "yes")
    p_no = sum(p for tok, p in CANDIDATES if tok.strip('"').strip().lower() == "no")
    for k, px in enumerate((20, 510)):
        s.ftext(px, 26, t["heads"][k], pw, size=14.5, anchor="start", weight="bold", where="protocol head")
        # the request
        lines = (SCORE_REQUEST, YES_NO_REQUEST)[k]
        s.rect(px, 40, pw, 176, AMBER[0], AMBER[1], rx=8, sw=1.2)
        s.ftext(px + 12, 60, t["request"][k], pw - 24, size=12.5, anchor="start", weight="bold", fill=AMBER[1],
                where="request")
        for i, line in enumerate(lines):
            fits(line, size, pw - 24, "request line", mono=True)
            s.mono(px + 12, 80 + i * lh, line.replace(" ", "\u00a0"), size=size)  # spaces kept as they are
        s.arrow(px + 60, 218, px + 60, 246, color=ROSE[1])
        s.mono(px + 74, 237, t["post"], size=11.5, fill=ROSE[1])
        # the reply
        s.rect(px, 250, pw, 128, ROSE[0], ROSE[1], rx=8, sw=1.2)
        fits(t["reply"][k], 12.5, pw - 24, "reply", mono=True)
        s.mono(px + 12, 270, t["reply"][k], size=12.5, weight="bold", fill=ROSE[1])
        if k == 0:
            for i, (reply, value) in enumerate(SCORE_REPLIES):
                y = 298 + i * 24
                s.mono(px + 12, y, reply, size=12)
                s.mono(px + 250, y, "→", size=12, fill=MUTED)
                s.mono(px + 272, y, t["parse"], size=12, fill=MUTED)
                s.mono(px + 376, y, "→", size=12, fill=MUTED)
                s.mono(px + 398, y, value, size=12, weight="bold", fill=INK if value != "None" else ROSE[1])
        else:
            cols = (px + 12, px + 110, px + 210)
            for x, label in zip(cols, t["cols"]):
                s.ftext(x, 290, label, 90, size=12, anchor="start", fill=MUTED, where="candidate column")
            for i, (tok, p) in enumerate(CANDIDATES):
                y = 310 + i * 16
                counts = tok.strip('"').strip().lower() in ("yes", "no")
                s.mono(cols[0], y, tok, size=12, weight="bold" if counts else "normal")
                s.mono(cols[1], y, f"{math.log(p):.2f}".replace("-", MINUS), size=12)
                s.mono(cols[2], y, f"{p:.2f}", size=12)
            s.ftext(cols[0], 310 + 4 * 16 + 2, t["more"], 300, size=12, anchor="start", fill=MUTED, where="more")
        s.arrow(px + pw / 2, 380, px + pw / 2, 402, color=TEAL[1])
        # the score
        s.rect(px, 404, pw, 68, TEAL[0], TEAL[1], rx=8, sw=1.2)
        for j, line in enumerate(t["result"][k]):
            s.ftext(px + 12, 430 + j * 24, line.format(y=p_yes, t=p_yes + p_no, s=100 * p_yes / (p_yes + p_no)),
                    pw - 24, size=12.5 if j == 0 else 12, anchor="start", weight="bold" if j == 0 else "normal",
                    fill=INK if j == 0 else MUTED, where="result")
    s.ftext(20, H - 18, t["example"], W - 40, size=12, anchor="start", fill=MUTED, italic=True, where="example")
    return s


def _derangement(n, seed=123):
    "The answer index each item gets in shuffled_answers: a cycle through all items in a seeded order."
    import random
    order = list(range(n))
    random.Random(seed).shuffle(order)
    moved = {order[i]: order[(i + 1) % n] for i in range(n)}
    return [moved[i] for i in range(n)]


SANITY = {
    "en": {"title": "The sanity check: three sets of answers sent to the same judge",
           "panels": ["the model's answers", "the reference answers", "shuffled answers"],
           "code": ['answer_sets["after"]', "answer = reference", "shuffled_answers(...)"],
           "cols": ["question", "reference", "judged answer"], "q": "Q{i}", "r": "R{i}", "a": "A{i}",
           "judge": ["the same judge, protocol and prompts for all three",
                     "each item: the question, its reference answer, and the answer to judge"],
           "outcomes": ["the score we want to read", "should score high", "should score low"],
           "cycle": ["a cycle through all the items:", "no answer stays with its own question"],
           "note": "Only if the references score far above the shuffled answers do the judge's scores of the "
                   "model's answers mean anything."},
    "zh": {"title": "合理性检查：把三组回答交给同一个评判模型",
           "panels": ["模型的回答", "参考答案本身", "打乱后的回答"],
           "code": ['answer_sets["after"]', "answer = reference", "shuffled_answers(...)"],
           "cols": ["问题", "参考答案", "被评判的回答"], "q": "Q{i}", "r": "R{i}", "a": "A{i}",
           "judge": ["三组都用同一个评判模型、同一种协议和同样的提示词",
                     "每一项：问题、它的参考答案，以及要评判的回答"],
           "outcomes": ["我们真正想读的分数", "应当得分很高", "应当得分很低"],
           "cycle": ["沿一个经过所有条目的环挪动：", "没有哪个回答留在自己的问题下"],
           "note": "只有参考答案的得分远高于打乱后的回答，评判模型给模型回答打的分才有意义。"},
}


def fig_sanity(t):
    W, H = 1000, 470
    s = SVG(W, H, t["title"])
    n = 4
    moved = _derangement(n)
    pw, chip_w, chip_h = 310, 84, 26
    panels = (20, 345, 670)
    outcome_colors = (GRAY, TEAL, ROSE)
    for k, px in enumerate(panels):
        cx = px + pw / 2
        s.rect(px, 12, pw, 250, "#ffffff", outcome_colors[k][1], rx=10, sw=1.3)
        s.ftext(cx, 36, t["panels"][k], pw - 20, size=14.5, weight="bold", fill=outcome_colors[k][1], where="panel")
        s.mono(cx, 56, t["code"][k], size=12, anchor="middle", fill=MUTED)
        xs = [px + 12 + j * (chip_w + 9) for j in range(3)]
        for x, label in zip(xs, t["cols"]):
            s.ftext(x + chip_w / 2, 80, label, chip_w + 8, size=12, fill=MUTED, where="sanity column")
        for i in range(n):
            y = 90 + i * 34
            s.box(xs[0], y, chip_w, chip_h, [t["q"].format(i=i + 1)], BLUE, size=13, rx=5)
            s.box(xs[1], y, chip_w, chip_h, [t["r"].format(i=i + 1)], TEAL, size=13, rx=5)
            if k == 0:
                s.box(xs[2], y, chip_w, chip_h, [t["a"].format(i=i + 1)], AMBER, size=13, rx=5)
            elif k == 1:
                s.box(xs[2], y, chip_w, chip_h, [t["r"].format(i=i + 1)], TEAL, size=13, rx=5)
            else:
                s.box(xs[2], y, chip_w, chip_h, [t["a"].format(i=moved[i] + 1)], (AMBER[0], ROSE[1]), size=13,
                      rx=5, sw=2)
        if k == 2:
            for j, line in enumerate(t["cycle"]):
                s.ftext(cx, 236 + j * 16, line, pw - 16, size=12, fill=ROSE[1], where="cycle")
        s.arrow(cx, 264, cx, 292)
    s.rect(20, 296, W - 40, 60, AMBER[0], AMBER[1], rx=10, sw=1.5)
    s.ftext(W / 2, 321, t["judge"][0], W - 80, size=14.5, weight="bold", fill=AMBER[1], where="judge")
    s.ftext(W / 2, 342, t["judge"][1], W - 80, size=12.5, where="judge")
    for k, px in enumerate(panels):
        cx = px + pw / 2
        s.arrow(cx, 358, cx, 386)
        s.fbox(px + 30, 390, pw - 60, 36, [t["outcomes"][k]], outcome_colors[k], size=13.5, where="outcome")
    s.ftext(W / 2, H - 18, t["note"], W - 40, size=12.5, fill=MUTED, where="sanity note")
    return s


FIGURES = {"mask": (fig_mask, MASK), "judge": (fig_judge, JUDGE), "formats": (fig_formats, FORMATS),
           "head": (fig_head, HEAD), "protocols": (fig_protocols, PROTOCOLS), "sanity": (fig_sanity, SANITY)}


if __name__ == "__main__":
    write_figures(FIGURES, "ch08")
