"""Training speed of `llmscratch.training.train` with bfloat16 autocast and torch.compile.

The book's training loop runs four ways on the same data, from the same initial weights:
fp32 (the default), `amp=True` (bfloat16 autocast), `compile=True` (`torch.compile`), and both.
Each timed run is a whole `train()` call of `--steps` optimizer steps, after an untimed call of
3 steps that pays for compilation. Variants run in mirrored order (A B C D, D C B A) and the
table reports the median of the two runs.

The data is a random sequence of 4,096 tokens, drawn from the first 1,000 ids of the vocabulary
and repeated over and over, read in windows at random offsets. A model learns it quickly (first
which ids occur, then which follows which), so the loss after `--steps` steps shows whether a
variant trains as well as fp32, not only how fast.

Columns: tokens per second, ratio to fp32 (higher is faster), peak GPU memory (CUDA only), and
the mean loss of the last 5 steps.

    python bench/train_speed.py                       # CUDA if present, else CPU
    python bench/train_speed.py --preset gpt2-small --batch 8 --seq 1024 --steps 30

Defaults: on CUDA gpt2-small (124M), batch 8 x 1024 tokens; on CPU gpt-micro, batch 4 x 128.
On CPU, bfloat16 autocast is often slower than fp32 and compilation needs a C compiler; the
options are meant for GPUs and are off by default.
"""
import argparse
import platform
import statistics
import time

import torch
from torch.utils.data import DataLoader, Subset, TensorDataset

from llmscratch.gpt import GPTConfig, GPTModel
from llmscratch.training import TrainConfig, train

VARIANTS = {"fp32": {}, "bf16 autocast": {"amp": True}, "compile": {"compile": True},
            "bf16 + compile": {"amp": True, "compile": True}}


def learnable_batches(n_batches: int, batch: int, seq: int, vocab: int, seed: int) -> DataLoader:
    "`n_batches` batches of `(inputs, targets)`, `(batch, seq)` each, cut from a repeated random sequence."
    g = torch.Generator().manual_seed(seed)
    period = torch.randint(0, min(vocab, 1000), (4096,), generator=g)
    stream = period.repeat((seq + 1) // 4096 + 2)
    starts = torch.randint(0, 4096, (n_batches * batch,), generator=g)
    windows = torch.stack([stream[s:s + seq + 1] for s in starts.tolist()])
    return DataLoader(TensorDataset(windows[:, :-1], windows[:, 1:]), batch_size=batch, shuffle=False)


def run(cfg: GPTConfig, device: torch.device, loader: DataLoader, options: dict) -> dict:
    "Train a fresh model (seed 0) on `loader`; seconds, peak memory and the last losses."
    torch.manual_seed(0)
    model = GPTModel(cfg).to(device)
    tc = TrainConfig(epochs=1, lr=1e-3, eval_batches=1, progress=False, **options)
    warm = DataLoader(Subset(loader.dataset, range(3 * loader.batch_size)), batch_size=loader.batch_size)
    train(model, warm, warm, tc)  # compiles, and warms up the allocator and kernels
    torch.manual_seed(0)
    model.load_state_dict(GPTModel(cfg).state_dict())  # same start for every variant
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    history = train(model, loader, loader, tc)
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    peak = torch.cuda.max_memory_allocated() / 2**30 if device.type == "cuda" else None
    return {"seconds": seconds, "peak_gb": peak, "loss": statistics.fmean(history.step_loss[-5:])}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    cuda = torch.cuda.is_available()
    ap.add_argument("--preset", default="gpt2-small" if cuda else "gpt-micro", help="a GPTConfig preset")
    ap.add_argument("--batch", type=int, default=8 if cuda else 4, help="samples per batch")
    ap.add_argument("--seq", type=int, default=1024 if cuda else 128, help="tokens per sample")
    ap.add_argument("--steps", type=int, default=30 if cuda else 10, help="timed optimizer steps per run")
    ap.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated subset of: " + ", ".join(VARIANTS))
    args = ap.parse_args()

    device = torch.device("cuda" if cuda else "cpu")
    cfg = GPTConfig.from_name(args.preset, context_length=args.seq, drop_rate=0.0)
    names = [v.strip() for v in args.variants.split(",")]
    unknown = [v for v in names if v not in VARIANTS]
    if unknown:
        ap.error(f"unknown variants {unknown}; choose from {list(VARIANTS)}")
    loader = learnable_batches(args.steps, args.batch, args.seq, cfg.vocab_size, seed=1)
    gpu = torch.cuda.get_device_name() if cuda else f"CPU, {torch.get_num_threads()} threads"
    print(f"torch {torch.__version__}, Python {platform.python_version()}, {gpu}; {args.preset}, "
          f"batch {args.batch} x {args.seq} tokens, {args.steps} steps per run, median of 2 runs")

    results = {name: [] for name in names}
    for order in (names, names[::-1]):
        for name in order:
            try:
                results[name].append(run(cfg, device, loader, VARIANTS[name]))
            except Exception as e:  # e.g. no C compiler for torch.compile on CPU
                results[name].append({"error": f"{type(e).__name__}: {str(e).splitlines()[0][:80]}"})

    tokens = args.steps * args.batch * args.seq
    print(f"{'variant':<16}{'tokens/s':>12}{'vs fp32':>10}{'peak GB':>10}{'final loss':>12}")
    speed = {name: tokens / statistics.median(r["seconds"] for r in runs)
             for name, runs in results.items() if "error" not in runs[0]}
    for name in names:
        runs = results[name]
        if "error" in runs[0]:
            print(f"{name:<16}failed: {runs[0]['error']}")
            continue
        tps = speed[name]
        ratio = f"{tps / speed['fp32']:>9.2f}x" if "fp32" in speed else f"{'-':>10}"
        peak = f"{runs[0]['peak_gb']:>10.2f}" if cuda else f"{'-':>10}"
        print(f"{name:<16}{tps:>12,.0f}{ratio}{peak}{runs[0]['loss']:>12.3f}", flush=True)


if __name__ == "__main__":
    main()
