"""Decoding: greedy, temperature, top-k, top-p on fixed logits; cache, context, eos, errors."""
import pytest
import torch

from llmscratch.generate import generate, generate_stream, sample_next
from llmscratch.gpt import GPTConfig, GPTModel

LOGITS = torch.tensor([[2.0, 1.0, 0.5, 0.0, -1.0, -3.0]])
PROBS = torch.softmax(LOGITS, -1)[0]


def draws(n=4000, **kw):
    g = torch.Generator().manual_seed(0)
    return torch.stack([sample_next(LOGITS, generator=g, **kw) for _ in range(n)]).flatten()


def test_greedy_is_argmax():
    logits = torch.randn(5, 100)
    assert torch.equal(sample_next(logits), logits.argmax(-1))


def test_temperature_one_samples_the_softmax():
    freq = torch.bincount(draws(temperature=1.0), minlength=6) / 4000
    assert (freq - PROBS).abs().max() < 0.03


def test_low_temperature_sharpens_and_high_flattens():
    cold = torch.bincount(draws(temperature=0.3), minlength=6) / 4000
    hot = torch.bincount(draws(temperature=5.0), minlength=6) / 4000
    assert cold[0] > PROBS[0] + 0.2 and hot[0] < PROBS[0] - 0.2 and hot[5] > 0.05


def test_top_k_keeps_the_k_most_likely():
    assert set(draws(temperature=1.0, top_k=2).tolist()) == {0, 1}
    assert set(draws(n=50, temperature=1.0, top_k=1).tolist()) == {0}


def test_top_p_keeps_the_smallest_set_reaching_p():
    cum = PROBS.cumsum(0)  # 0.61, 0.83, 0.96, ...
    assert set(draws(temperature=1.0, top_p=float(cum[0]) - 0.01).tolist()) == {0}
    assert set(draws(temperature=1.0, top_p=float(cum[1]) - 0.01).tolist()) == {0, 1}
    assert set(draws(temperature=1.0, top_p=float(cum[2]) + 0.01).tolist()) == {0, 1, 2, 3}


def test_top_k_and_top_p_combine():
    assert set(draws(temperature=1.0, top_k=3, top_p=0.999).tolist()) == {0, 1, 2}


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return GPTModel(GPTConfig(vocab_size=300, context_length=16, emb_dim=32, n_heads=2, n_layers=2)).eval()


@pytest.mark.parametrize("prompt_len,new", [(3, 10), (10, 30), (16, 5), (40, 8)])
def test_cache_gives_the_same_tokens_inside_and_past_the_context(model, prompt_len, new):
    prompt = torch.randint(0, 300, (2, prompt_len), generator=torch.Generator().manual_seed(prompt_len))
    a = generate(model, prompt, new, use_cache=True)
    assert torch.equal(a, generate(model, prompt, new, use_cache=False))
    assert a.shape == (2, prompt_len + new) and torch.equal(a[:, :prompt_len], prompt)


def test_sampling_with_and_without_cache_agree_for_a_seed(model):
    run = lambda c: generate(model, [1, 2, 3], 25, temperature=1.0, top_k=50, top_p=0.9,
                             use_cache=c, generator=torch.Generator().manual_seed(7))
    assert torch.equal(run(True), run(False))


def test_stream_yields_what_generate_returns(model):
    out = generate(model, [[4, 5, 6]], 12)
    streamed = torch.stack(list(generate_stream(model, [[4, 5, 6]], 12)), dim=1)
    assert torch.equal(out[:, 3:], streamed)


def test_eos_stops_and_pads_finished_rows(model):
    prompt = torch.tensor([[1, 2, 3], [7, 8, 9]])
    free = generate(model, prompt, 10)
    eos = free[0, 3].item()  # row 0's first token: it stops at once
    out = generate(model, prompt, 10, eos_id=eos)
    row1 = free[1, 3:].tolist()
    expected_len = row1.index(eos) + 1 if eos in row1 else 10
    assert out.shape[1] == 3 + expected_len
    assert torch.all(out[0, 3:] == eos)


def test_training_mode_is_restored(model):
    model.train()
    generate(model, [1], 3)
    assert model.training
    model.eval()


@pytest.mark.parametrize("prompt,kw,message", [
    ([], {}, "the prompt is empty"),
    ([[1, 300]], {}, "token id 300, outside the vocabulary \\(0 to 299\\)"),
    ([[-1]], {}, "token id -1"),
    (torch.tensor([[0.5]]), {}, "integer token ids"),
    ([1], {"max_new_tokens": -1}, "max_new_tokens must be >= 0"),
    ([1], {"temperature": -0.1}, "temperature must be >= 0"),
    ([1], {"top_k": 0}, "top_k must be >= 1"),
    ([1], {"top_p": 1.5}, "top_p must be in \\(0, 1\\]"),
])
def test_bad_requests_are_clear_errors(model, prompt, kw, message):
    with pytest.raises(ValueError, match=message):
        generate(model, prompt, **({"max_new_tokens": 3} | kw))
