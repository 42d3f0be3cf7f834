"""Encoding speed of the book's pure-Python BPE against tiktoken, on the same megabyte of text.

Both encode GPT-2's vocabulary on one thread (tiktoken's `encode_ordinary`, no batching). The
script checks that the ids agree, then prints the best of `--repeat` runs of each. Our
tokenizer starts every run with an empty merge cache, so its time includes filling the cache.

    python bench/bpe_speed.py [--mb 1.0] [--repeat 3]
"""
import argparse
import platform
import time

import tiktoken

from llmscratch.datasets import fetch
from llmscratch.tokenizer import BPETokenizer, gpt2_encoding


def gutenberg_text(n_chars: int) -> str:
    "The first `n_chars` characters of the Gutenberg books, in file order (two are Latin-1)."
    parts, total = [], 0
    for path in sorted(fetch("gutenberg", progress=False).glob("*.txt")):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        parts.append(text)
        total += len(text)
        if total >= n_chars:
            break
    return "".join(parts)[:n_chars]


def best_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, default=1.0, help="megabytes of text (10^6 characters)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per tokenizer; the best counts")
    args = ap.parse_args()

    text = gutenberg_text(int(args.mb * 1_000_000))
    reference = gpt2_encoding()
    ours = BPETokenizer.from_gpt2()
    ids = reference.encode_ordinary(text)
    if ours.encode_ordinary(text) != ids:
        raise SystemExit("the two tokenizers disagree on this text: fix that before timing")

    t_ref = best_time(lambda: reference.encode_ordinary(text), args.repeat)

    def cold():  # a fresh cache each run, as a new process would have
        ours._cache.clear()
        ours.encode_ordinary(text)

    t_ours = best_time(cold, args.repeat)
    mb = len(text.encode("utf-8")) / 1e6
    print(f"{len(text):,} characters, {mb:.2f} MB UTF-8, {len(ids):,} GPT-2 tokens; "
          f"best of {args.repeat}; Python {platform.python_version()}, tiktoken {tiktoken.__version__}")
    print(f"{'tokenizer':<28}{'seconds':>9}{'MB/s':>9}{'tokens/s':>13}{'× tiktoken':>12}")
    for name, t in [("tiktoken (Rust, 1 thread)", t_ref), ("llmscratch BPETokenizer", t_ours)]:
        print(f"{name:<28}{t:>9.3f}{mb / t:>9.2f}{len(ids) / t:>13,.0f}{t / t_ref:>12.1f}")


if __name__ == "__main__":
    main()
