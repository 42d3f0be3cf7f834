"""Checkpoints: all or nothing under a kill at any moment or a full disk, and clear errors for damaged files."""
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from llmscratch.checkpoint import checkpoint_path, load_checkpoint, save_checkpoint
from llmscratch.gpt import GPTConfig, GPTModel

TINY = dict(vocab_size=97, context_length=16, emb_dim=32, n_heads=2, n_layers=2)
EXE = Path(sys.executable).with_name("llmscratch")

# A child process that saves a second checkpoint over a first one and kills itself with SIGKILL
# at the k-th call that touches the file system (counted by a profiler hook on C functions).
KILLER = textwrap.dedent("""
    import os, signal, sys, torch
    from llmscratch.checkpoint import save_checkpoint
    from llmscratch.gpt import GPTConfig, GPTModel
    folder, k = sys.argv[1], int(sys.argv[2])
    torch.manual_seed(2)
    model = GPTModel(GPTConfig(**{tiny}))
    optimizer = torch.optim.AdamW(model.parameters())
    model(torch.zeros(1, 4, dtype=torch.long)).sum().backward()
    optimizer.step()
    # every call that creates, fills, flushes, renames or deletes a file or folder
    CALLS = {{"rename", "replace", "fsync", "mkdir", "rmdir", "unlink", "chmod", "open", "serialize_file"}}
    count = 0
    def hook(frame, event, arg):
        global count
        if event == "c_call" and getattr(arg, "__name__", "") in CALLS:
            count += 1
            if count == k:
                os.kill(os.getpid(), signal.SIGKILL)
    sys.setprofile(hook)
    save_checkpoint(folder, model, optimizer, {{"step": 2}})
    sys.setprofile(None)
    print("completed after", count, "calls")
""").format(tiny=TINY)


def weights(model):
    return torch.cat([p.detach().flatten() for p in model.state_dict().values()])


def test_a_kill_at_any_step_of_a_save_leaves_a_loadable_checkpoint(tmp_path):
    torch.manual_seed(1)
    first = GPTModel(GPTConfig(**TINY))
    script = tmp_path / "killer.py"
    script.write_text(KILLER)
    outcomes, k = [], 1
    while True:
        folder = tmp_path / f"run{k}"
        save_checkpoint(folder, first, torch.optim.AdamW(first.parameters()), {"step": 1})
        run = subprocess.run([sys.executable, str(script), str(folder), str(k)], capture_output=True, text=True,
                             env=os.environ | {"OMP_NUM_THREADS": "1"}, timeout=120)
        model, state = load_checkpoint(folder, restore_rng=True)  # never raises: always a whole checkpoint
        assert state["step"] in (1, 2), state
        if state["step"] == 1:
            assert torch.equal(weights(model), weights(first))
        outcomes.append(state["step"])
        if run.returncode == 0:
            break
        assert run.returncode == -signal.SIGKILL, run.stderr[-2000:]
        k += 1
    assert "completed" in run.stdout and outcomes[-1] == 2
    assert k > 10, f"only {k} file-system calls: the hook did not see the save"
    assert 1 in outcomes and outcomes.index(2) > 0  # killed before and after the switch
    steps_seen = sorted(set(outcomes))
    assert steps_seen == [1, 2]
    # leftovers of killed saves are cleaned up by the next save
    save_checkpoint(tmp_path / "run1", first, None, {"step": 3})
    assert sorted(p.name for p in (tmp_path / "run1").iterdir() if not p.name.startswith("step-")) == ["LATEST"]
    assert len(list((tmp_path / "run1").glob("step-*"))) == 1


def test_a_full_disk_keeps_the_previous_checkpoint(tmp_path):
    "RLIMIT_FSIZE makes writes past a size fail with EFBIG, as a full disk fails them with ENOSPC."
    torch.manual_seed(1)
    first = GPTModel(GPTConfig(**TINY))
    save_checkpoint(tmp_path, first, None, {"step": 1})
    code = textwrap.dedent(f"""
        import resource, signal, torch
        from llmscratch.checkpoint import save_checkpoint
        from llmscratch.gpt import GPTConfig, GPTModel
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
        try:
            save_checkpoint({str(tmp_path)!r}, GPTModel(GPTConfig(**{TINY})), None, {{"step": 2}})
        except OSError as e:
            print(e)
    """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "no space left to save a checkpoint" in run.stdout and "previous checkpoint" in run.stdout, run
    model, state = load_checkpoint(tmp_path)
    assert state == {"step": 1} and torch.equal(weights(model), weights(first))
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".partial")] == []


@pytest.fixture
def saved(tmp_path):
    torch.manual_seed(0)
    save_checkpoint(tmp_path / "ck", GPTModel(GPTConfig(**TINY | {"vocab_size": 50257})), None, {"step": 1})
    return tmp_path / "ck"  # GPT-2's vocabulary: the command reads prompts with its tokenizer


@pytest.mark.parametrize("damage", ["truncate", "empty"])
def test_a_damaged_weights_file_is_named(saved, damage):
    f = checkpoint_path(saved) / "model.safetensors"
    f.write_bytes(f.read_bytes()[:100] if damage == "truncate" else b"")
    with pytest.raises(ValueError, match=r"model.safetensors cannot be read .*damaged or cut short"):
        load_checkpoint(saved)


def test_a_truncated_json_is_named(saved):
    f = checkpoint_path(saved) / "checkpoint.json"
    f.write_text(f.read_text()[:50])
    with pytest.raises(ValueError, match=r"checkpoint.json is damaged"):
        load_checkpoint(saved)


def test_loading_weights_needs_no_optimizer_file(saved):
    (checkpoint_path(saved) / "optimizer.safetensors").unlink()
    model, state = load_checkpoint(saved)
    assert state == {"step": 1}
    with pytest.raises(ValueError, match="optimizer.safetensors cannot be read"):
        load_checkpoint(saved, restore_rng=True)


def test_the_architecture_and_tokenizer_are_recorded(tmp_path):
    from llmscratch.checkpoint import load_tokenizer
    from llmscratch.tokenizer import BPETokenizer, gpt2_encoding

    model = GPTModel(GPTConfig(**TINY))
    meta = json.loads((save_checkpoint(tmp_path / "a", model, tokenizer=gpt2_encoding()) / "checkpoint.json").read_text())
    assert meta["architecture"] == "gpt" and meta["tokenizer"] == {"tiktoken": "gpt2"}
    assert load_tokenizer(tmp_path / "a").name == "gpt2"
    bpe = BPETokenizer.train("hello world, hello there " * 20, 270)
    save_checkpoint(tmp_path / "b", model, tokenizer=bpe)
    assert load_tokenizer(tmp_path / "b").encode("hello there") == bpe.encode("hello there")


def cli(*args, **kw):
    return subprocess.run([str(EXE), *map(str, args)], capture_output=True, text=True, timeout=300, **kw)


def one_line_error(run, expected):
    assert run.returncode != 0 and "Traceback" not in run.stderr, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("llmscratch: error:") and expected in lines[0], run.stderr


@pytest.mark.parametrize("damage,expected", [
    ("truncate-weights", "model.safetensors cannot be read"), ("empty-weights", "model.safetensors cannot be read"),
    ("truncate-json", "checkpoint.json is damaged"), ("no-latest", "holds no checkpoint"),
])
def test_the_command_names_a_damaged_checkpoint_in_one_line(saved, damage, expected):
    path = checkpoint_path(saved)
    if damage.endswith("weights"):
        f = path / "model.safetensors"
        f.write_bytes(f.read_bytes()[:64] if damage.startswith("truncate") else b"")
    elif damage == "truncate-json":
        (path / "checkpoint.json").write_text((path / "checkpoint.json").read_text()[:40])
    else:
        (saved / "LATEST").unlink()
    one_line_error(cli("generate", "--checkpoint", saved, "--prompt", "hi", "--max-new-tokens", 2), expected)


def test_generate_needs_no_optimizer_file(saved):
    (checkpoint_path(saved) / "optimizer.safetensors").unlink()
    run = cli("generate", "--checkpoint", saved, "--prompt", "hi", "--max-new-tokens", 3)
    assert run.returncode == 0 and run.stdout.startswith("hi"), run.stderr


def test_a_llama_checkpoint_loads_as_a_llama(tmp_path):
    from llmscratch.llama import LlamaConfig, LlamaModel

    torch.manual_seed(0)
    model = LlamaModel(LlamaConfig(vocab_size=97, context_length=16, emb_dim=32, n_heads=4, n_kv_heads=2,
                                   n_layers=2, hidden_dim=64))
    save_checkpoint(tmp_path, model, None, {"step": 3})
    loaded, state = load_checkpoint(tmp_path)
    assert isinstance(loaded, LlamaModel) and state == {"step": 3}
    assert torch.equal(weights(loaded), weights(model))
    with pytest.raises(ValueError, match="holds a llama model, not a GPTModel"):
        load_checkpoint(tmp_path, GPTModel(GPTConfig(**TINY)))


def test_a_class_a_notebook_defines_saves_under_its_tag(tmp_path):
    "A notebook runs the class it exports in __main__; its checkpoints carry the package's tag."
    from llmscratch.checkpoint import architecture_of
    from llmscratch.gpt import GPTConfig, GPTModel
    in_notebook = type("GPTModel", (GPTModel,), {"__module__": "__main__"})
    assert architecture_of(in_notebook(GPTConfig.from_name("gpt-micro"))) == "gpt"
    elsewhere = type("GPTModel", (GPTModel,), {"__module__": "somewhere_else"})
    with pytest.raises(ValueError, match="is not a registered architecture"):
        architecture_of(elsewhere(GPTConfig.from_name("gpt-micro")))
