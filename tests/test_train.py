"""llmscratch.training: losses, schedules, clipping, training, checkpoints and an exact resume."""
import json
import math
import os

import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from llmscratch import training as train_mod
from llmscratch.gpt import GPTConfig, GPTModel
from llmscratch.checkpoint import load_checkpoint, save_checkpoint
from llmscratch.training import (History, TrainConfig, learning_rate, loader_loss, next_token_loss,
                                 param_groups, train)

TINY = dict(vocab_size=97, context_length=16, emb_dim=32, n_heads=2, n_layers=2)


def tiny_model(seed=0, **kw):
    torch.manual_seed(seed)
    return GPTModel(GPTConfig(**(TINY | kw)))


def loaders(n=48, seed=0, batch=4, shuffle=True):
    g = torch.Generator().manual_seed(seed)  # learnable: arithmetic sequences from random starts
    ids = (torch.randint(0, 97, (n, 1), generator=g) + 7 * torch.arange(17)) % 97
    data = TensorDataset(ids[:, :-1], ids[:, 1:])
    return (DataLoader(data, batch_size=batch, shuffle=shuffle, drop_last=True),
            DataLoader(TensorDataset(ids[:8, :-1], ids[:8, 1:]), batch_size=4))


def quiet(**kw):
    return TrainConfig(**({"progress": False, "eval_every": 5} | kw))


def test_next_token_loss_is_cross_entropy_by_hand():
    m = tiny_model().eval()
    x, y = torch.randint(0, 97, (2, 10)), torch.randint(0, 97, (2, 10))
    logp = torch.log_softmax(m(x), dim=-1)
    by_hand = -logp.gather(-1, y[..., None]).mean()
    torch.testing.assert_close(next_token_loss(m, (x, y)), by_hand)


def test_loader_loss_is_the_mean_of_batches_and_restores_mode():
    m = tiny_model()
    _, val = loaders()
    expected = sum(next_token_loss(m.eval(), (x, y)).item() for x, y in val) / len(val)
    m.train()
    assert loader_loss(m, val) == pytest.approx(expected)
    assert m.training
    with pytest.raises(ValueError, match="the data loader is empty"):
        loader_loss(m, DataLoader(TensorDataset(torch.zeros(1, 3)), batch_size=4, drop_last=True))


def test_untrained_loss_is_about_log_vocab():
    _, val = loaders()
    assert loader_loss(tiny_model(), val) == pytest.approx(math.log(97), abs=0.3)


def test_learning_rate_schedules():
    const = TrainConfig(lr=1e-3, warmup_steps=10)
    assert learning_rate(0, 100, const) == pytest.approx(1e-4)
    assert learning_rate(9, 100, const) == pytest.approx(1e-3)
    assert learning_rate(99, 100, const) == pytest.approx(1e-3)
    cos = TrainConfig(lr=1e-3, warmup_steps=10, min_lr=1e-5)
    lrs = [learning_rate(s, 100, cos) for s in range(100)]
    assert lrs[10] == pytest.approx(1e-3) and all(a >= b for a, b in zip(lrs[10:], lrs[11:]))
    assert learning_rate(100, 100, cos) == pytest.approx(1e-5)
    assert lrs[55] == pytest.approx((1e-3 + 1e-5) / 2, rel=1e-6)  # halfway through the decay


def test_training_lowers_the_loss_and_records_history():
    model, (tr, val) = tiny_model(drop_rate=0.0), loaders()
    h = train(model, tr, val, quiet(epochs=8, lr=3e-3))
    steps = 8 * len(tr)
    assert len(h.step_loss) == steps and h.step[-1] == steps
    assert h.tokens_seen[-1] == steps * 4 * 16
    assert h.train_loss[-1] < 0.3 * h.train_loss[0]
    assert h.epoch[-1] == 8 and h.lr[-1] == 3e-3


def test_gradients_are_clipped_each_step(monkeypatch):
    calls = []
    real = torch.nn.utils.clip_grad_norm_
    monkeypatch.setattr(torch.nn.utils, "clip_grad_norm_", lambda p, n: calls.append(n) or real(p, n))
    tr, val = loaders(n=16)
    train(tiny_model(), tr, val, quiet(epochs=2, grad_clip=0.5))
    assert calls == [0.5] * (2 * len(tr))


def test_resume_continues_with_identical_losses(tmp_path):
    "Four epochs in one go == two epochs, then a fresh process-like restart for two more."
    def run(epochs, folder, resume=False):
        torch.manual_seed(99)  # what a new process would do; the checkpoint must override it
        model = tiny_model(seed=1)  # dropout on: the RNG state must be restored too
        tr, val = loaders()
        return train(model, tr, val, quiet(epochs=epochs, checkpoint_dir=str(folder), lr=2e-3), resume=resume)

    straight = run(4, tmp_path / "a")
    run(2, tmp_path / "b")
    resumed = run(4, tmp_path / "b", resume=True)
    assert resumed.step_loss == straight.step_loss  # bit-identical, not approximately equal
    # the two-epoch run also evaluated at its last step (24); every other evaluation is shared
    evaluated = dict(zip(resumed.step, resumed.val_loss))
    assert set(resumed.step) == set(straight.step) | {24}
    assert all(evaluated[s] == v for s, v in zip(straight.step, straight.val_loss))


def test_checkpoint_round_trip_keeps_weights_tying_and_optimizer(tmp_path):
    model, (tr, val) = tiny_model(), loaders(n=8)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    train(model, tr, val, quiet(epochs=1), optimizer=opt)
    save_checkpoint(tmp_path, model, opt, {"step": 2})
    loaded, state = load_checkpoint(tmp_path)
    assert state == {"step": 2}
    assert loaded.out_head.weight is loaded.tok_emb.weight
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), loaded.state_dict().values()))
    opt2 = torch.optim.AdamW(loaded.parameters(), lr=1e-3)
    load_checkpoint(tmp_path, loaded, opt2)
    saved, restored = opt.state_dict()["state"], opt2.state_dict()["state"]
    assert saved.keys() == restored.keys()
    assert all(torch.equal(saved[k][n], restored[k][n]) for k in saved for n in saved[k])


def test_checkpoint_files_are_ordinary_files(tmp_path):
    old = os.umask(0o022)
    try:
        save_checkpoint(tmp_path, tiny_model())
    finally:
        os.umask(old)
    folder = next(tmp_path.glob("step-*"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["LATEST", folder.name]
    assert sorted(p.name for p in folder.iterdir()) == ["checkpoint.json", "model.safetensors", "optimizer.safetensors"]
    assert all(p.stat().st_mode & 0o777 == 0o644 for p in [tmp_path / "LATEST", *folder.iterdir()])


def test_checkpoint_of_another_architecture_is_a_clear_error(tmp_path):
    save_checkpoint(tmp_path, tiny_model())
    with pytest.raises(ValueError, match=r"another architecture \(emb_dim: checkpoint 32, model 64; n_layers: checkpoint 2, model 3\)"):
        load_checkpoint(tmp_path, tiny_model(emb_dim=64, n_layers=3))


def test_interrupted_save_is_detected(tmp_path):
    a = save_checkpoint(tmp_path / "a", tiny_model())
    b = save_checkpoint(tmp_path / "b", tiny_model(seed=5))
    (a / "model.safetensors").write_bytes((b / "model.safetensors").read_bytes())
    with pytest.raises(ValueError, match="does not belong to .*files of two checkpoints were mixed"):
        load_checkpoint(tmp_path / "a")


def test_missing_or_foreign_checkpoints(tmp_path):
    with pytest.raises(FileNotFoundError, match="holds no checkpoint"):
        load_checkpoint(tmp_path)
    (tmp_path / "LATEST").write_text("x\n")
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "checkpoint.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(ValueError, match="is not an llmscratch checkpoint"):
        load_checkpoint(tmp_path)
    tr, val = loaders(n=8)
    with pytest.raises(ValueError, match="resume=True needs cfg.checkpoint_dir"):
        train(tiny_model(), tr, val, quiet(epochs=1), resume=True)


def test_plot_losses_draws_both_curves():
    pytest.importorskip("matplotlib")
    h = History(step=[1, 2], epoch=[0.5, 1.0], tokens_seen=[64, 128], train_loss=[3.0, 2.0],
                val_loss=[3.1, 2.5], lr=[1e-3, 1e-3])
    fig = train_mod.plot_losses(h)
    ax = fig.axes[0]
    assert [l.get_label() for l in ax.get_lines()] == ["training loss", "validation loss"]
    assert fig.axes[1].get_xlabel() == "tokens seen"


def test_weight_decay_only_for_matrices_and_embeddings():
    model = tiny_model()
    decay, no_decay = param_groups(model, 0.1)
    assert decay["weight_decay"] == 0.1 and no_decay["weight_decay"] == 0.0
    assert all(p.dim() >= 2 for p in decay["params"]) and all(p.dim() == 1 for p in no_decay["params"])
    names = {id(p): n for n, p in model.named_parameters()}
    assert {names[id(p)] for p in decay["params"]} >= {"tok_emb.weight", "blocks.0.att.qkv.weight"}
    assert "final_norm.weight" in {names[id(p)] for p in no_decay["params"]}
    assert sum(map(len, (decay["params"], no_decay["params"]))) == len(list(model.parameters()))
    # frozen tensors are left out: fine-tuning trains only what requires a gradient
    model.tok_emb.weight.requires_grad_(False)
    assert all(p is not model.tok_emb.weight for p in param_groups(model, 0.1)[0]["params"])


def test_train_takes_a_loss_and_metrics():
    "The same loop minimises another loss (here: predict the first token of each row) and reports metrics."
    def first_token_loss(model, batch):
        x, _ = batch
        return torch.nn.functional.cross_entropy(model(x)[:, -1], x[:, 0])

    def accuracy(model, batch):
        x, _ = batch
        return (model(x)[:, -1].argmax(-1) == x[:, 0]).float().mean()

    tr, val = loaders()
    h = train(tiny_model(drop_rate=0.0), tr, val, quiet(epochs=10, lr=3e-3), loss_fn=first_token_loss,
              metrics={"accuracy": accuracy})
    assert h.train_loss[-1] < 0.5 * h.train_loss[0]
    assert len(h.metrics["train_accuracy"]) == len(h.step) == len(h.metrics["val_accuracy"])
    assert h.metrics["train_accuracy"][-1] > h.metrics["train_accuracy"][0]


@pytest.mark.parametrize("field,value,message", [
    ("grad_clip", -1.0, "grad_clip must be > 0"), ("min_lr", -1e-5, "min_lr must be between 0 and lr"),
    ("min_lr", 1.0, "min_lr must be between 0 and lr"), ("warmup_steps", -3, "warmup_steps must be >= 0"),
    ("epochs", 0, "epochs must be >= 1"), ("lr", 0.0, "lr must be > 0"),
])
def test_config_refuses_settings_that_would_train_silently_wrong(field, value, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**{field: value})


def test_resume_with_nothing_left_to_train_says_so(tmp_path):
    tr, val = loaders(n=8)
    train(tiny_model(), tr, val, quiet(epochs=2, checkpoint_dir=str(tmp_path)))
    with pytest.raises(ValueError, match="nothing to train: .* has done 2 epochs, and 2 were asked for"):
        train(tiny_model(), tr, val, quiet(epochs=2, checkpoint_dir=str(tmp_path)), resume=True)


def test_a_measure_may_return_several_numbers():
    "One forward pass, several numbers: a measure that returns a dict adds each of its keys."
    loader = DataLoader(TensorDataset(torch.arange(6.0)), batch_size=2)
    model = torch.nn.Linear(1, 1)
    both = lambda m, batch: {"mean": batch[0].mean(), "max": batch[0].max()}
    got = train_mod.evaluate(model, loader, {"pair": both, "count": lambda m, b: torch.tensor(float(len(b[0])))})
    assert got == {"mean": 2.5, "max": 3.0, "count": 2.0}  # batch means 0.5, 2.5, 4.5; maxima 1, 3, 5
