#!/usr/bin/env python3
"""Generate the diagrams of the instruction fine-tuning chapter (English and Chinese).

Run from the repository root:

    python3 images/src/ch08_figures.py

Drawn with diagrams.py beside this file, one layout function per figure and one dict of strings
per language. Output: images/ch08/<name>-en.svg and images/ch08/<name>-zh.svg.
"""
from __future__ import annotations

from diagrams import AMBER, BLUE, GRAY, INK, LINE, MUTED, ROSE, SVG, TEAL, write_figures

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


FIGURES = {"mask": (fig_mask, MASK), "judge": (fig_judge, JUDGE)}


if __name__ == "__main__":
    write_figures(FIGURES, "ch08")
