"""GPTDataset and create_dataloader: windows, shifts, counts, shapes, shuffling and errors."""
import pytest
import torch

from llmscratch.datasets import fetch
from llmscratch.loader import GPTDataset, create_dataloader
from llmscratch.tokenizer import BPETokenizer, gpt2_encoding


@pytest.fixture(scope="module")
def text():
    return fetch("the-verdict").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def ids(text):
    return gpt2_encoding().encode(text)


@pytest.mark.parametrize("max_length,stride", [(4, 1), (4, 4), (8, 3), (256, 128), (1, 1)])
def test_every_sample_is_a_window_and_its_shift(text, ids, max_length, stride):
    ds = GPTDataset(text, gpt2_encoding(), max_length, stride)
    assert len(ds) == len(range(0, len(ids) - max_length, stride))
    for i in [0, 1, len(ds) // 2, len(ds) - 1]:
        x, y = ds[i]
        s = i * stride
        assert x.dtype == y.dtype == torch.long and x.shape == y.shape == (max_length,)
        assert x.tolist() == ids[s:s + max_length] and y.tolist() == ids[s + 1:s + max_length + 1]
    assert ds[len(ds) - 1][1][-1].item() in ids[-stride - 1:]  # the last window reaches the end


def test_loader_batches(text):
    dl = create_dataloader(text, batch_size=8, max_length=16, stride=16, shuffle=False)
    batches = list(dl)
    assert all(x.shape == y.shape == (8, 16) for x, y in batches)
    assert len(batches) == len(dl.dataset) // 8  # drop_last
    x, y = batches[0]
    assert torch.equal(x[1:, 0], y[:-1, -1])  # consecutive windows continue each other
    keep = create_dataloader(text, batch_size=8, max_length=16, stride=16, shuffle=False, drop_last=False)
    assert len(list(keep)) == -(-len(keep.dataset) // 8)


def test_shuffling_is_reproducible_with_a_seed(text):
    first = lambda seed: next(iter(create_dataloader(text, batch_size=4, max_length=8, stride=8, seed=seed)))[0]
    plain = next(iter(create_dataloader(text, batch_size=4, max_length=8, stride=8, shuffle=False)))[0]
    assert torch.equal(first(1), first(1))
    assert not torch.equal(first(1), first(2)) and not torch.equal(first(1), plain)


def test_works_with_the_books_tokenizer(text):
    ours = create_dataloader(text[:3000], batch_size=2, max_length=8, stride=8, shuffle=False,
                             tokenizer=BPETokenizer.from_gpt2())
    ref = create_dataloader(text[:3000], batch_size=2, max_length=8, stride=8, shuffle=False)
    assert all(torch.equal(a[0], b[0]) for a, b in zip(ours, ref))


def test_endoftext_is_a_special_token_in_samples():
    ds = GPTDataset("first doc<|endoftext|>second doc", gpt2_encoding(), max_length=3, stride=1)
    assert 50256 in ds.ids.tolist()


def test_too_short_text_is_a_clear_error():
    with pytest.raises(ValueError, match=r"has 2 tokens, too few for one sample of max_length=8"):
        GPTDataset("Hello world", gpt2_encoding(), max_length=8, stride=1)


@pytest.mark.parametrize("kw", [dict(max_length=0, stride=1), dict(max_length=4, stride=0),
                                dict(max_length=4.0, stride=1), dict(max_length=4, stride=-2)])
def test_bad_window_sizes_are_clear_errors(text, kw):
    with pytest.raises(ValueError, match="must be a positive integer"):
        GPTDataset(text, gpt2_encoding(), **kw)
