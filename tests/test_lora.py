"""LoRA: wrapping changes nothing, merging changes nothing, the parameter count, where gradients go, plain checkpoints."""
import pytest
import torch
from torch import nn

from llmscratch.checkpoint import load_checkpoint, save_checkpoint
from llmscratch.gpt import GPTConfig, GPTModel
from llmscratch.llama import LlamaConfig, LlamaModel
from llmscratch.lora import LoRALinear, add_lora, freeze_all_but_lora, lora_layers, merge_lora
from llmscratch.training import next_token_loss


def models():
    torch.manual_seed(0)
    return [GPTModel(GPTConfig.from_name("gpt-micro")).eval(), LlamaModel(LlamaConfig.from_name("llama-micro")).eval()]


def randomize_adapters(model):
    with torch.no_grad():
        for m in lora_layers(model):
            m.lora_b.normal_(std=0.05)


@pytest.mark.parametrize("index", [0, 1])
def test_wrapping_changes_no_output_and_merging_agrees(index):
    model = models()[index]
    ids = torch.randint(0, 1000, (2, 12))
    with torch.no_grad():
        plain = model(ids)
        wrapped = add_lora(model, rank=4, alpha=8)
        assert torch.equal(model(ids), plain)
        randomize_adapters(model)
        adapted = model(ids)
        assert not torch.allclose(adapted, plain)
        for m in lora_layers(model):
            m.merge()
        torch.testing.assert_close(model(ids), adapted, atol=1e-4, rtol=1e-4)
        for m in lora_layers(model):
            m.unmerge()
        torch.testing.assert_close(model(ids), adapted, atol=1e-4, rtol=1e-4)
    names = {n for n, m in model.named_modules() if isinstance(m, LoRALinear)}
    assert names == set(wrapped) and all(".blocks." in f".{n}" for n in names) and "out_head" not in names


@pytest.mark.parametrize("index", [0, 1])
def test_trainable_count_is_the_formula_and_gradients_reach_only_the_adapters(index):
    model = models()[index]
    rank = 3
    add_lora(model, rank=rank, alpha=6)
    trainable = freeze_all_but_lora(model)
    assert trainable == sum(rank * (m.base.in_features + m.base.out_features) for m in lora_layers(model))
    model.train()
    ids = torch.randint(0, 1000, (2, 10))
    next_token_loss(model, (ids, ids)).backward()
    with_grad = {n for n, p in model.named_parameters() if p.grad is not None}
    adapters = {n for n, _ in model.named_parameters() if n.endswith(("lora_a", "lora_b"))}
    assert with_grad == adapters
    grads = {n: p.grad for n, p in model.named_parameters() if n in adapters}
    # B = 0 at the start: A's gradient (through B) is zero, B's (through the random A) is not
    assert all(g.abs().max() == 0 for n, g in grads.items() if n.endswith("lora_a"))
    assert all(g.abs().max() > 0 for n, g in grads.items() if n.endswith("lora_b"))


def test_lora_training_lowers_the_loss():
    model = models()[0]
    add_lora(model, rank=4, alpha=8)
    freeze_all_but_lora(model)
    ids = torch.randint(0, 1000, (4, 17))
    batch = (ids[:, :-1], ids[:, 1:])
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    model.train()
    losses = []
    for _ in range(20):
        loss = next_token_loss(model, batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] - 0.5


def test_a_merged_model_is_a_plain_checkpoint(tmp_path):
    model = models()[0]
    keys = set(model.state_dict())
    add_lora(model, rank=2, alpha=4)
    randomize_adapters(model)
    ids = torch.randint(0, 1000, (1, 8))
    with torch.no_grad():
        adapted = model(ids)
    merge_lora(model)
    assert not lora_layers(model) and set(model.state_dict()) == keys
    save_checkpoint(tmp_path, model)
    loaded, _ = load_checkpoint(tmp_path)
    assert type(loaded) is GPTModel and not lora_layers(loaded)
    with torch.no_grad():
        torch.testing.assert_close(loaded.eval()(ids), adapted, atol=1e-4, rtol=1e-4)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="rank must be >= 1, got 0"):
        LoRALinear(nn.Linear(4, 4), rank=0)
    with pytest.raises(ValueError, match="no nn.Linear of the model matches"):
        add_lora(models()[0], include=("nothing.*",))
