"""MultiHeadAttention: SDPA and explicit paths agree, causality, dropout, KV cache, errors."""
import pytest
import torch

from llmscratch.attention import KVCache, MultiHeadAttention


def make(use_sdpa=True, dropout=0.0, **kw):
    torch.manual_seed(0)
    args = dict(d_in=32, d_out=48, context_length=20, dropout=dropout, num_heads=4, qkv_bias=True) | kw
    return MultiHeadAttention(**args, use_sdpa=use_sdpa).eval()


def twins(**kw):
    fast, slow = make(True, **kw), make(False, **kw)
    slow.load_state_dict(fast.state_dict())
    return fast, slow


def test_sdpa_and_explicit_paths_agree():
    fast, slow = twins()
    x = torch.randn(3, 17, 32)
    out = fast(x)
    assert out.shape == (3, 17, 48)
    torch.testing.assert_close(out, slow(x), atol=1e-5, rtol=1e-5)


def test_weights_are_causal_rows_that_sum_to_one():
    _, weights = make(False)(torch.randn(2, 9, 32), return_weights=True)
    assert weights.shape == (2, 4, 9, 9)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 4, 9))
    assert torch.all(weights.triu(1) == 0)


@pytest.mark.parametrize("use_sdpa", [True, False])
def test_a_token_never_sees_later_tokens(use_sdpa):
    m = make(use_sdpa)
    x = torch.randn(1, 12, 32)
    y = x.clone()
    y[:, 7:] = torch.randn(1, 5, 32)
    torch.testing.assert_close(m(x)[:, :7], m(y)[:, :7])
    assert not torch.allclose(m(x)[:, 7:], m(y)[:, 7:])


@pytest.mark.parametrize("use_sdpa", [True, False])
def test_cached_steps_equal_one_full_pass(use_sdpa):
    m = make(use_sdpa)
    x = torch.randn(2, 15, 32)
    full = m(x)
    cache = KVCache(capacity=20)
    parts = [m(x[:, :6], cache)] + [m(x[:, i:i + 1], cache) for i in range(6, 11)] + [m(x[:, 11:], cache)]
    torch.testing.assert_close(torch.cat(parts, dim=1), full, atol=1e-5, rtol=1e-5)
    assert cache.length == 15


def test_cache_and_context_overflow_are_clear_errors():
    m = make()
    with pytest.raises(ValueError, match="21 positions exceed context_length=20"):
        m(torch.randn(1, 21, 32))
    cache = KVCache(capacity=4)
    m(torch.randn(1, 3, 32), cache)
    with pytest.raises(ValueError, match="holds 4 positions; 3 are used and 2 more do not fit"):
        cache.update(torch.zeros(1, 4, 2, 12), torch.zeros(1, 4, 2, 12))


def test_dropout_scales_survivors_and_is_off_in_eval():
    m = make(False, dropout=0.5).train()
    torch.manual_seed(1)
    _, w = m(torch.randn(1, 20, 32), return_weights=True)  # weights before dropout
    assert torch.all(w.triu(1) == 0)
    x = torch.randn(4, 20, 32)
    torch.manual_seed(2)
    a = m(x)
    torch.manual_seed(3)
    assert not torch.allclose(a, m(x))  # training: random
    m.eval()
    torch.testing.assert_close(m(x), m(x))


def test_heads_must_divide_the_width():
    with pytest.raises(ValueError, match="d_out=50 must be divisible by num_heads=4"):
        MultiHeadAttention(32, 50, 10, 0.0, 4)


def test_cache_refuses_another_batch_size():
    m = make()
    cache = KVCache(capacity=10)
    with torch.no_grad():
        m(torch.randn(2, 3, 32), cache)
        with pytest.raises(ValueError, match="filled with batch size 2, not 1"):
            m(torch.randn(1, 1, 32), cache)
