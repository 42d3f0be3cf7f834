"""Speed of llmscratch's GPT against Hugging Face transformers and the book's reference package.

Three implementations of the same model, in one process, on the same inputs:

- llmscratch: `GPTModel` (this book);
- transformers: `GPT2LMHeadModel` with the same configuration and random weights;
- llms-from-scratch: the reference package of Raschka's book (PyPI `llms-from-scratch`, its
  chapter 4 GPT-2 model; it generates without a cache, since the package's KV-cache GPT-2 fails
  on one-token steps in version 1.0.19). Install it with
  `pip install --no-deps llms-from-scratch` (its declared dependencies pull TensorFlow, which it
  does not need for these models); without it, its rows are left out.

Workloads:
- training step: forward, cross-entropy, backward and AdamW, batch 4 x 256 tokens, dropout 0.1;
- generation: greedy, KV cache on (except llms-from-scratch), 64 new tokens after a 16-token
  prompt, batch 1.

Tokens per second come from the median time of 2 x `--steps` calls, timed in mirrored blocks. The last column is the
ratio to transformers (higher is faster).

    python bench/gpt_speed.py [--quick] [--steps 3] [--threads N]

`--quick` runs only the small config (4 layers, 256 wide, 4 heads, 256 context); without it the
124M GPT-2 config follows.
"""
import argparse
import platform
import statistics
import time

import torch
import transformers
from transformers import GPT2Config, GPT2LMHeadModel

from llmscratch.generate import generate
from llmscratch.gpt import GPTConfig, GPTModel

BATCH, SEQ, PROMPT, NEW = 4, 256, 16, 64


def hf_config(cfg: GPTConfig) -> GPT2Config:
    return GPT2Config(vocab_size=cfg.vocab_size, n_positions=cfg.context_length, n_embd=cfg.emb_dim,
                      n_layer=cfg.n_layers, n_head=cfg.n_heads, resid_pdrop=cfg.drop_rate,
                      embd_pdrop=cfg.drop_rate, attn_pdrop=cfg.drop_rate)


def reference_config(cfg: GPTConfig) -> dict:
    return dict(vocab_size=cfg.vocab_size, context_length=cfg.context_length, emb_dim=cfg.emb_dim,
                n_heads=cfg.n_heads, n_layers=cfg.n_layers, drop_rate=cfg.drop_rate, qkv_bias=cfg.qkv_bias)


def implementations(cfg: GPTConfig) -> dict:
    """name -> (model for training, logits of a batch, model for generation, generate(prompt))."""
    ours = GPTModel(cfg)
    hf = GPT2LMHeadModel(hf_config(cfg))
    hf.generation_config.pad_token_id = 0
    impls = {
        "llmscratch": (ours, lambda x: ours(x), ours, lambda p: generate(ours, p, NEW)),
        "transformers": (hf, lambda x: hf(x).logits, hf,
                         lambda p: hf.generate(p, max_new_tokens=NEW, min_new_tokens=NEW, do_sample=False)),
    }
    try:
        from llms_from_scratch.ch04 import GPTModel as RefModel, generate_text_simple
    except ImportError:
        return impls
    ref = RefModel(reference_config(cfg))
    # No cache: the package's KV-cache GPT-2 (llms_from_scratch.kv_cache.gpt2, version 1.0.19)
    # fails on one-token steps (its causal mask is sliced by column instead of by row).
    impls["llms-from-scratch"] = (ref, lambda x: ref(x), ref,
                                  lambda p: generate_text_simple(ref, p, NEW, cfg.context_length))
    return impls


def mirrored_medians(fns: dict, block: int) -> dict:
    """Median seconds per call of each zero-argument function.

    Implementations run in blocks, in order and then in reverse order (A B C, C B A), each block
    starting with an untimed call: a model is a little slower right after another one ran (caches,
    allocator), and mirroring gives each the same share of that.
    """
    names = list(fns)
    times = {name: [] for name in names}
    for order in (names, names[::-1]):
        for name in order:
            fns[name]()
            for _ in range(block):
                start = time.perf_counter()
                fns[name]()
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def train_step(model, logits_of, vocab: int):
    "One AdamW training step on a fixed random batch, as a zero-argument function."
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    x = torch.randint(0, vocab, (BATCH, SEQ + 1), generator=torch.Generator().manual_seed(0))

    def step():
        opt.zero_grad(set_to_none=True)
        logits = logits_of(x[:, :-1])
        loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), x[:, 1:].flatten())
        loss.backward()
        opt.step()

    return step


def generation(model, gen, vocab: int):
    "Greedy generation of NEW tokens after a fixed prompt, as a zero-argument function."
    model.eval()
    prompt = torch.randint(0, vocab, (1, PROMPT), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        out = gen(prompt)
    if out.shape[1] != PROMPT + NEW:
        raise RuntimeError(f"generation gave {out.shape[1] - PROMPT} new tokens, expected {NEW}")

    def run():
        with torch.no_grad():
            gen(prompt)

    return run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="only the small config")
    ap.add_argument("--steps", type=int, default=3, help="timed calls per block (two blocks each)")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: PyTorch's choice)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    configs = {"small (4x256, 4 heads)": GPTConfig.from_name("gpt-mini")}
    if not args.quick:
        configs["124M (GPT-2 small)"] = GPTConfig.from_name("gpt2-small", context_length=SEQ, qkv_bias=False)
    print(f"torch {torch.__version__}, transformers {transformers.__version__}, Python "
          f"{platform.python_version()}, {torch.get_num_threads()} threads, "
          f"{'CUDA' if torch.cuda.is_available() else 'CPU'} (all runs on CPU); median of {2 * args.steps} calls")
    print(f"{'workload':<38}{'implementation':<20}{'tokens/s':>10}{'vs transformers':>17}")
    for label, cfg in configs.items():
        torch.manual_seed(0)
        impls = implementations(cfg)
        steps = {name: train_step(m, f, cfg.vocab_size) for name, (m, f, _, _) in impls.items()}
        secs = mirrored_medians(steps, args.steps)
        _print(f"train step {label}", {name: BATCH * SEQ / t for name, t in secs.items()})
        runs = {name: generation(m, g, cfg.vocab_size) for name, (_, _, m, g) in impls.items()}
        secs = mirrored_medians(runs, args.steps)
        _print(f"generate {NEW} {label}", {name: NEW / t for name, t in secs.items()})


def _print(workload: str, rows: dict) -> None:
    ref = rows["transformers"]
    for k, (name, tps) in enumerate(rows.items()):
        print(f"{workload if k == 0 else '':<38}{name:<20}{tps:>10,.0f}{tps / ref:>16.2f}x", flush=True)


if __name__ == "__main__":
    main()
