"""GPTModel: parity with Hugging Face GPT-2 on real checkpoints, presets, tying, loading errors."""
import json

import pytest
import torch
from safetensors.torch import load_file, save_file
from transformers import GPT2Config, GPT2LMHeadModel

from llmscratch.generate import generate
from llmscratch.gpt import PRESETS, GPTConfig, GPTModel, count_parameters

SMALL = dict(n_layer=3, n_embd=96, n_head=4, n_positions=64, vocab_size=1000)


def hf_checkpoint(folder, seed=0, **overrides):
    "A randomly initialised GPT2LMHeadModel saved in the hub's layout; returns the HF model."
    torch.manual_seed(seed)
    hf = GPT2LMHeadModel(GPT2Config(**(SMALL | overrides))).eval()
    with torch.no_grad():  # random LayerNorm affine and biases too, so every tensor is exercised
        for name, p in hf.named_parameters():
            if p.dim() == 1:
                p.normal_(0, 0.5)
    hf.save_pretrained(folder)
    return hf


@pytest.mark.parametrize("overrides", [{}, {"tie_word_embeddings": False}, {"vocab_size": 50257, "n_layer": 2}])
def test_logits_match_transformers(tmp_path, overrides):
    hf = hf_checkpoint(tmp_path, **overrides)
    ours = GPTModel.from_pretrained(tmp_path)
    assert not ours.training
    idx = torch.randint(0, hf.config.vocab_size, (3, 50), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        diff = (ours(idx) - hf(idx).logits).abs().max().item()
    assert diff < 1e-4
    assert (ours.out_head.weight is ours.tok_emb.weight) == hf.config.tie_word_embeddings


@pytest.mark.parametrize("use_cache", [True, False])
def test_greedy_generation_matches_transformers(tmp_path, use_cache):
    hf = hf_checkpoint(tmp_path, seed=3)
    ours = GPTModel.from_pretrained(tmp_path)
    prompt = torch.tensor([[5, 17, 256, 999, 3]])
    theirs = hf.generate(prompt, max_new_tokens=40, min_new_tokens=40, do_sample=False, pad_token_id=0)
    assert torch.equal(generate(ours, prompt, 40, use_cache=use_cache), theirs)


def test_explicit_attention_path_matches_too(tmp_path):
    hf = hf_checkpoint(tmp_path)
    ours = GPTModel.from_pretrained(tmp_path)
    explicit = GPTModel(GPTConfig(**(ours.cfg.__dict__ | {"use_sdpa": False}))).eval()
    explicit.load_state_dict(ours.state_dict())
    idx = torch.randint(0, 1000, (2, 64))
    with torch.no_grad():
        torch.testing.assert_close(explicit(idx), hf(idx).logits, atol=1e-4, rtol=1e-4)


def test_checkpoint_of_another_shape_names_the_tensor(tmp_path):
    hf_checkpoint(tmp_path)
    cfg = json.loads((tmp_path / "config.json").read_text())
    cfg["n_embd"] = 128  # the weights say 96
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ValueError, match=r"tensor 'transformer.wte.weight' in .* has shape \(1000, 96\), "
                                         r"but a model with vocab_size=1000, emb_dim=128, .* needs \(1000, 128\)"):
        GPTModel.from_pretrained(tmp_path)


def test_missing_and_unknown_tensors_are_named(tmp_path):
    hf_checkpoint(tmp_path)
    state = load_file(tmp_path / "model.safetensors")
    key = next(k for k in state if k.endswith("h.1.mlp.c_fc.weight"))
    save_file({k: v for k, v in state.items() if k != key}, tmp_path / "model.safetensors")
    with pytest.raises(ValueError, match=r"has no tensor 'h.1.mlp.c_fc.weight' \(needed for blocks.1.ff.fc.weight\)"):
        GPTModel.from_pretrained(tmp_path)
    save_file(state | {"transformer.h.9.attn.c_attn.weight": torch.zeros(1)}, tmp_path / "model.safetensors")
    with pytest.raises(ValueError, match="tensors this model does not know: h.9.attn.c_attn.weight"):
        GPTModel.from_pretrained(tmp_path)


@pytest.mark.parametrize("overrides,message", [
    ({"activation_function": "relu"}, "activation_function='relu'"),
    ({"scale_attn_by_inverse_layer_idx": True}, "a different attention scaling"),
    ({"n_inner": 100}, "n_inner=100"),
])
def test_non_gpt2_checkpoints_are_refused(tmp_path, overrides, message):
    hf_checkpoint(tmp_path, **overrides)
    with pytest.raises(ValueError, match=message):
        GPTModel.from_pretrained(tmp_path)


def test_folder_without_checkpoint_and_unknown_names(tmp_path):
    with pytest.raises(FileNotFoundError, match="lacks config.json and model.safetensors"):
        GPTModel.from_pretrained(tmp_path)
    with pytest.raises(ValueError, match="neither a folder nor a hub id"):
        GPTModel.from_pretrained("gpt3-huge")


def test_hub_download_failure_says_what_to_do(tmp_path, monkeypatch):
    from llmscratch import hf
    from llmscratch.files import DataError
    monkeypatch.setenv("LLMSCRATCH_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(hf, "HF_URL", "http://127.0.0.1:9/{repo}/{file}")  # nothing listens there
    with pytest.raises(DataError, match="could not download http://127.0.0.1:9/gpt2/config.json.*pass a folder"):
        GPTModel.from_pretrained("gpt2")
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_gpt2_small_has_the_parameter_count_of_transformers():
    ours = GPTModel(GPTConfig.from_name("gpt2-small"))
    theirs = GPT2LMHeadModel(GPT2Config())
    assert count_parameters(ours) == theirs.num_parameters()
    untied = GPTModel(GPTConfig.from_name("gpt2-small", tie_weights=False))
    assert count_parameters(untied) == count_parameters(ours) + 50257 * 768


def test_weight_tying_is_one_tensor():
    m = GPTModel(GPTConfig.from_name("gpt-micro"))
    assert m.out_head.weight is m.tok_emb.weight
    torch.optim.SGD(m.parameters(), lr=1.0)
    loss = m(torch.tensor([[1, 2, 3]])).sum()
    loss.backward()
    assert m.tok_emb.weight.grad is m.out_head.weight.grad


def test_presets_and_config_errors():
    assert set(PRESETS) >= {"gpt2-small", "gpt2-medium", "gpt2-large", "gpt2-xl"}
    assert GPTConfig.from_name("gpt2").emb_dim == 768  # the hub id is an alias
    assert GPTConfig.from_name("gpt2-xl", drop_rate=0.0).drop_rate == 0.0
    with pytest.raises(ValueError, match="unknown preset 'gpt5'"):
        GPTConfig.from_name("gpt5")
    with pytest.raises(ValueError, match="emb_dim=100 must be divisible by n_heads=12"):
        GPTConfig(emb_dim=100)


def test_forward_shapes_and_too_long_input():
    m = GPTModel(GPTConfig.from_name("gpt-micro")).eval()
    assert m(torch.zeros(2, 7, dtype=torch.long)).shape == (2, 7, 50257)
    with pytest.raises(ValueError, match="129 tokens exceed the context length of 128; crop"):
        m(torch.zeros(1, 129, dtype=torch.long))
    cache = m.new_cache()
    with torch.no_grad():
        m(torch.zeros(1, 120, dtype=torch.long), cache)
        with pytest.raises(ValueError, match="120 cached \\+ 9 new tokens exceed .*start a new cache"):
            m(torch.zeros(1, 9, dtype=torch.long), cache)


def test_training_loss_goes_down():
    torch.manual_seed(0)
    m = GPTModel(GPTConfig.from_name("gpt-micro", vocab_size=64, drop_rate=0.0))
    opt = torch.optim.AdamW(m.parameters(), lr=3e-3)
    x = torch.randint(0, 64, (4, 33))
    losses = []
    for _ in range(30):
        loss = torch.nn.functional.cross_entropy(m(x[:, :-1]).flatten(0, 1), x[:, 1:].flatten())
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[0] > 4.0 and losses[-1] < 0.5 * losses[0]


@pytest.mark.gpu
def test_cuda_matches_cpu():
    m = GPTModel(GPTConfig.from_name("gpt-mini")).eval()
    idx = torch.randint(0, 50257, (2, 100))
    with torch.no_grad():
        cpu = m(idx)
        gpu = m.cuda()(idx.cuda()).cpu()
    torch.testing.assert_close(gpu, cpu, atol=1e-3, rtol=1e-3)
    assert torch.equal(generate(m, idx[:1, :10].cuda(), 20).cpu(), generate(m.cpu(), idx[:1, :10], 20))
