"""The `llmscratch` command: help texts, bad values, a tiny pretrain-then-generate round, torchrun."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from llmscratch.cli import main, parser

OPTIONS = {
    "pretrain": ["--data", "--preset", "--context", "--epochs", "--batch-size", "--lr", "--weight-decay",
                 "--warmup-steps", "--min-lr", "--grad-clip", "--val-fraction", "--eval-every",
                 "--checkpoint-dir", "--resume", "--seed", "--sample-prompt", "--device", "--amp", "--compile"],
    "generate": ["--checkpoint", "--pretrained", "--prompt", "--max-new-tokens", "--temperature", "--top-k",
                 "--top-p", "--seed", "--no-cache", "--device"],
}


@pytest.mark.parametrize("command", OPTIONS)
def test_every_option_is_explained(command):
    sub = parser()._subparsers._group_actions[0].choices[command]
    helps = {opt: action.help for action in sub._actions for opt in action.option_strings}
    for opt in OPTIONS[command]:
        assert helps.get(opt) and len(helps[opt]) > 10, opt


def test_installed_command_prints_help():
    exe = Path(sys.executable).with_name("llmscratch")
    run = subprocess.run([str(exe), "pretrain", "--help"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "--checkpoint-dir" in run.stdout and "gpt-micro" in run.stdout


@pytest.mark.parametrize("argv,message", [
    (["pretrain", "--checkpoint-dir", "x", "--epochs", "0"], "--epochs: must be a positive integer, got 0"),
    (["pretrain", "--checkpoint-dir", "x", "--val-fraction", "1.5"], "--val-fraction: must be between 0 and 1"),
    (["pretrain", "--checkpoint-dir", "x", "--preset", "gpt9"], "invalid choice: 'gpt9'"),
    (["pretrain", "--epochs", "2"], "the following arguments are required: --checkpoint-dir"),
    (["generate", "--prompt", "hi"], "one of the arguments --checkpoint --pretrained is required"),
    (["generate", "--checkpoint", "c", "--prompt", "hi", "--top-p", "2"], "--top-p: must be between 0 and 1, got 2"),
    (["generate", "--checkpoint", "c", "--prompt", "hi", "--temperature", "-1"], "--temperature: must be >= 0"),
    (["generate", "--checkpoint", "c", "--prompt", "hi", "--device", "gpu"], "--device: not a PyTorch device"),
] + ([] if torch.cuda.is_available() else [
    (["pretrain", "--checkpoint-dir", "x", "--device", "cuda"], "--device: cuda is not available on this machine"),
]))
def test_bad_values_are_refused_with_the_reason(capsys, argv, message):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2 and message in capsys.readouterr().err


def test_errors_from_the_work_itself(tmp_path, capsys):
    with pytest.raises(SystemExit, match="--data 'no-such-data' is neither a text file nor a dataset"):
        main(["pretrain", "--data", "no-such-data", "--checkpoint-dir", str(tmp_path)])
    with pytest.raises(SystemExit, match="holds no checkpoint"):
        main(["generate", "--checkpoint", str(tmp_path), "--prompt", "hi"])
    short = tmp_path / "short.txt"
    short.write_text("Too short to train on.")
    with pytest.raises(SystemExit, match="too few for one sample"):
        main(["pretrain", "--data", str(short), "--checkpoint-dir", str(tmp_path / "ck")])


def test_pretrain_resume_and_generate(tmp_path, capsys):
    text = tmp_path / "corpus.txt"
    text.write_text("The quick brown fox jumps over the lazy dog. " * 60)
    args = ["pretrain", "--data", str(text), "--preset", "gpt-micro", "--context", "32", "--epochs", "1",
            "--batch-size", "2", "--eval-every", "4", "--checkpoint-dir", str(tmp_path / "ck")]
    main(args)
    first = capsys.readouterr().out
    assert "checkpoint in" in first and (tmp_path / "ck" / "checkpoint.json").is_file()
    main(args[:args.index("--epochs") + 1] + ["2"] + args[args.index("--epochs") + 2:] + ["--resume"])
    assert "step" in capsys.readouterr().out
    main(["generate", "--checkpoint", str(tmp_path / "ck"), "--prompt", "The quick", "--max-new-tokens", "5"])
    out = capsys.readouterr().out
    assert out.startswith("The quick") and len(out.strip()) > len("The quick")


def test_pretrain_under_torchrun_shards_the_data(tmp_path):
    "Two processes: one summary line, one checkpoint, and twice the tokens of one process per step."
    from test_ddp import free_port

    text = tmp_path / "corpus.txt"
    text.write_text("The quick brown fox jumps over the lazy dog. " * 60)
    exe = Path(sys.executable).with_name("llmscratch")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr", "127.0.0.1",
           "--master_port", str(free_port()), "--no-python", str(exe), "pretrain", "--data", str(text),
           "--preset", "gpt-micro", "--context", "32", "--epochs", "2", "--batch-size", "2", "--eval-every", "3",
           "--checkpoint-dir", str(tmp_path / "ck")]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                         env=os.environ | {"OMP_NUM_THREADS": "1"})
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.count("checkpoint in") == 1, run.stdout  # rank 0 alone reports
    state = json.loads((tmp_path / "ck" / "checkpoint.json").read_text())["train_state"]
    # 541 training tokens make 16 samples of 32: 8 per process, 4 steps of 2 per epoch (one process: 8)
    assert state["step"] == 8 and state["tokens_seen"] == 8 * 2 * 2 * 32
    assert state["history"]["train_loss"][-1] < state["history"]["train_loss"][0]
