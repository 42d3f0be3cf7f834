"""Test flags: `slow` and `gpu` tests run only when named in LLMSCRATCH_TEST_FLAGS.

    LLMSCRATCH_TEST_FLAGS=gpu make test     (or: make test-gpu)

A `gpu` test also needs CUDA; without it the test is reported as skipped with that reason.
The same flags decide which flagged notebook cells run (tests/test_notebooks.py).
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
FLAGS = set(os.environ.get("LLMSCRATCH_TEST_FLAGS", "").split())
CUDA = torch.cuda.is_available()

# Under pytest-xdist (`make test` runs two workers) the workers share the cores, and PyTorch slows down
# badly when its threads outnumber the cores it gets: each worker takes its share, and the processes it
# starts (the command line, llama.cpp's server) inherit it through OMP_NUM_THREADS.
if workers := int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", 0)):
    THREADS = max(1, len(os.sched_getaffinity(0)) // workers)
    os.environ["OMP_NUM_THREADS"] = str(THREADS)
    torch.set_num_threads(THREADS)

# The notebooks that take minutes, the slowest first (as `make test` timed them: 6 to 0.5 minutes): they
# run before every other test, so that the workers start on them together and none of them ends the run
# alone with a long one.
SLOWEST_NOTEBOOKS = ["08_instructions", "07_classification", "09_preferences", "05_pretraining",
                     "appendix_training_loop", "04_gpt", "06_llama"]


def flag_skip_reason(flag: str) -> str | None:
    "Why tests or cells carrying `flag` do not run here, or None when they do."
    if flag not in FLAGS:
        return f"'{flag}' not in LLMSCRATCH_TEST_FLAGS (run `make test-{flag}`)"
    if flag == "gpu" and not CUDA:
        return "CUDA is not available on this machine"
    return None


def run_order(item) -> tuple[int, int]:
    "Notebooks first, the slow ones by `SLOWEST_NOTEBOOKS`; then every other test in its usual order."
    if getattr(item, "originalname", None) != "test_notebook_executes":
        return (1, 0)
    stem = item.callspec.params["notebook"].stem
    return (0, SLOWEST_NOTEBOOKS.index(stem) if stem in SLOWEST_NOTEBOOKS else len(SLOWEST_NOTEBOOKS))


def pytest_collection_modifyitems(config, items):
    for item in items:
        for flag in ("slow", "gpu"):
            if flag in item.keywords and (reason := flag_skip_reason(flag)):
                item.add_marker(pytest.mark.skip(reason=reason))
    items.sort(key=run_order)  # stable: the order within each group stays as collected


def pytest_report_header(config):
    mirror = os.environ.get("LLMSCRATCH_DATA_MIRROR", "(unset: datasets are downloaded)")
    return [f"llmscratch test flags: {sorted(FLAGS) or 'none'}; CUDA: {CUDA}",
            f"LLMSCRATCH_DATA_MIRROR: {mirror}"]


def cli(*args, cwd):
    "Run the `llmscratch` command in a new process, in the folder `cwd`."
    return subprocess.run([sys.executable, "-c", "from llmscratch.cli import main; main()", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=600)


@pytest.fixture(scope="session")
def tiny_pretrained(tmp_path_factory):
    "A checkpoint folder of `llmscratch pretrain`: a tiny GPT trained for one epoch, for the fine-tuning commands."
    folder = tmp_path_factory.mktemp("pretrained")
    done = cli("pretrain", "--preset", "gpt-micro", "--epochs", "1", "--checkpoint-dir", folder / "base", cwd=folder)
    assert done.returncode == 0, done.stderr
    return folder / "base"
