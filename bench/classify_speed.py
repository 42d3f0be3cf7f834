"""Fine-tuning throughput of llmscratch's spam classifier against Hugging Face transformers.

The backbone is SmolLM2-135M's architecture (30 blocks, width 576) with random weights, the same
float32 weights in both libraries (throughput does not depend on their values); the last two blocks,
the final norm and the classification head train, the rest is frozen, as in the classification
chapter's default run:

- transformers: `LlamaForSequenceClassification`, its frozen parameters with requires_grad=False;
- llmscratch, direct: `SequenceClassifier` on token ids, the same parameters frozen;
- llmscratch, stored states: the same classifier trained on the hidden states at block 28, computed
  once (their one-off cost per example is printed too).

A step is forward, cross-entropy, backward and AdamW on a batch of 8 texts whose lengths are drawn
like the SMS messages' (padded on the right to the longest). Times are medians over `--steps` steps
per implementation, timed in mirrored blocks (A B C, then C B A) so that drift in the machine's load
hits all three alike.

    python bench/classify_speed.py [--steps 6] [--threads 2]
"""
import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import torch
import transformers
from transformers import LlamaForSequenceClassification

sys.path.insert(0, str(Path(__file__).parent))
from llama_speed import to_transformers  # noqa: E402  (same weights in both libraries)

from llmscratch.classify import SequenceClassifier, StoredStates, classification_loss, pad_batch, train_last  # noqa: E402
from llmscratch.llama import LlamaConfig, LlamaModel  # noqa: E402

BATCH, START = 8, 28


def batches(n: int, seed: int = 0):
    "n batches of 8 random texts, lengths like the SMS messages (median about 20, a long tail), capped at 120."
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n):
        lengths = (torch.empty(BATCH).exponential_(1 / 22, generator=g) + 4).clamp(max=120).long()
        items = [(torch.randint(1, 49152, (int(k),), generator=g), int(i % 2)) for i, k in enumerate(lengths)]
        out.append(pad_batch(items, pad_id=0))
    return out


def hf_classifier(ours: SequenceClassifier) -> LlamaForSequenceClassification:
    causal = to_transformers(ours.backbone)
    hf = LlamaForSequenceClassification(causal.config.__class__(**(causal.config.to_dict() | {"num_labels": 2,
                                                                                               "pad_token_id": 0})))
    hf.model.load_state_dict(causal.model.state_dict())
    with torch.no_grad():
        hf.score.weight.copy_(ours.head.weight)
        ours.head.bias.zero_()  # transformers' score layer has no bias
    n = hf.config.num_hidden_layers
    for name, p in hf.named_parameters():
        p.requires_grad_(name.startswith(("score.", "model.norm.")) or any(name.startswith(f"model.layers.{i}.")
                                                                           for i in (n - 2, n - 1)))
    return hf.train()


def step_fn(model, loss):
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5)

    def step(batch):
        value = loss(model, batch)
        opt.zero_grad()
        value.backward()
        opt.step()
    return step


def hf_loss(model, batch):
    ids, _, targets = batch
    return model(input_ids=ids, attention_mask=(ids != 0).long(), labels=targets).loss


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    ours = SequenceClassifier.from_backbone(LlamaModel(LlamaConfig.from_name("smollm2-135m")), ["ham", "spam"]).train()
    train_last(ours, 2)
    hf = hf_classifier(ours)
    data = batches(args.steps)
    with torch.no_grad():
        torch.testing.assert_close(ours.eval()(data[0][0], data[0][1]), hf.eval()(input_ids=data[0][0],
                                   attention_mask=(data[0][0] != 0).long()).logits, atol=1e-4, rtol=1e-3)
    ours.train(), hf.train()

    class Texts(torch.utils.data.Dataset):  # the batches' texts, for StoredStates
        def __init__(self):
            self.items = [(ids[:n], int(t)) for b in data for ids, n, t in zip(*b)]
            self.targets = [t for _, t in self.items]
            self.ids = [ids.tolist() for ids, _ in self.items]
        def __len__(self):
            return len(self.items)
        def __getitem__(self, i):
            return self.items[i]

    t0 = time.perf_counter()
    stored = StoredStates(ours, Texts(), START, batch_size=16, progress=False)
    store_per_example = (time.perf_counter() - t0) / len(stored)
    stored_batches = [pad_batch([stored[i] for i in range(k * BATCH, (k + 1) * BATCH)]) for k in range(args.steps)]
    runs = {"transformers": (step_fn(hf, hf_loss), data),
            "llmscratch, direct": (step_fn(ours, classification_loss(0)), data),
            "llmscratch, stored states": (step_fn(ours, classification_loss(START)), stored_batches)}
    for step, batch_list in runs.values():  # warm-up
        step(batch_list[0])
    times = {name: [] for name in runs}
    for order in (list(runs), list(runs)[::-1]):
        for name in order:
            step, batch_list = runs[name]
            for batch in batch_list[: (args.steps + 1) // 2]:
                t0 = time.perf_counter()
                step(batch)
                times[name].append(time.perf_counter() - t0)
    print(f"torch {torch.__version__}, transformers {transformers.__version__}, {args.threads} threads, "
          f"{platform.processor() or platform.machine()}; batch {BATCH}, last 2 of 30 blocks train")
    print(f"{'implementation':28} {'s/step':>8} {'examples/s':>11} {'vs transformers':>16}")
    base = statistics.median(times["transformers"])
    for name, ts in times.items():
        m = statistics.median(ts)
        print(f"{name:28} {m:8.3f} {BATCH / m:11.1f} {base / m:15.2f}x")
    print(f"stored states: computed once at {store_per_example * 1000:.0f} ms per example "
          f"(a direct step repeats that work every epoch)")


if __name__ == "__main__":
    main()
