"""BPETokenizer: exact parity with tiktoken's GPT-2 encoding, round trips, training, persistence."""
import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmscratch.datasets import fetch
from llmscratch.tokenizer import BPETokenizer, gpt2_byte_chars, gpt2_encoding

EOT = "<|endoftext|>"
FUZZ = settings(max_examples=400, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def ours():
    return BPETokenizer.from_gpt2()


@pytest.fixture(scope="module")
def ref():
    return gpt2_encoding()


@pytest.fixture(scope="module")
def verdict():
    return fetch("the-verdict").read_text(encoding="utf-8")


TRICKY = [
    "", " ", "  ", "\n", "\n\n\n", " \t\n ", "\r\n", "a  ", "a \n b", "x" * 3000, " " * 300 + "end",
    "Hello, world!", "I'm you're he'll we've they'd 'S 'LL It'S", "'''", "don't\n'tis",
    "def f(x):\n    return x ** 2\n\n\tprint('hi')\n", "tabs\t\tand  spaces   \n  ",
    "1234567890 3.14159 1,000,000 ½ ² Ⅻ ٣", "床前明月光，疑是地上霜。", "子曰：“学而时习之，不亦说乎？”",
    "日本語のテキスト、한국어 텍스트", "emoji 🤗👍🏽👨‍👩‍👧 flags 🇨🇳🇺🇸", "zero\u200bwidth\u200d joiner \ufeffBOM",
    "combining e\u0301 and a\u0308", "\x00\x01\x7f control", "private \ue000\U000f0000", "\ufffd replacement",
    "Ġ Ċ ĉ (GPT-2's file characters)", "<|endoftext", "|>", "<|endoftext|", "Ünïcödé ÀÉÎÕÜ ßøå",
    "السلام عليكم", "Привет, мир", "मानक हिन्दी", "  leading", "trailing  ", "mixed中文English混合123",
]


@pytest.mark.parametrize("text", TRICKY)
def test_same_ids_as_tiktoken_and_exact_round_trip(ours, ref, text):
    ids = ours.encode(text)
    assert ids == ref.encode(text)
    assert ours.decode(ids) == text


def test_vocabulary_is_tiktokens(ours, ref):
    assert ours.n_vocab == ref.n_vocab == 50257
    assert all(ours.vocab[i] == ref.decode_single_token_bytes(i) for i in range(50256))
    assert ours.special_tokens == {EOT: 50256}


def test_byte_characters_are_a_bijection():
    chars = gpt2_byte_chars()
    assert sorted(chars) == list(range(256)) and len(set(chars.values())) == 256
    assert chars[ord(" ")] == "Ġ" and chars[ord("A")] == "A"


def corpora():
    yield "the-verdict", fetch("the-verdict").read_text(encoding="utf-8")
    for path in sorted(fetch("gutenberg").glob("*.txt")):
        yield path.name, path.read_bytes().decode("utf-8", errors="replace")[:60_000]
    for path in sorted(fetch("chinese-poetry").glob("*.json")):
        yield path.name, path.read_text(encoding="utf-8")[:60_000]  # raw JSON: CJK, quotes, escapes
    yield "sms", fetch("sms-spam-collection").read_text(encoding="utf-8")


def test_same_ids_as_tiktoken_on_every_corpus(ours, ref):
    for name, text in corpora():
        assert ours.encode_ordinary(text) == ref.encode_ordinary(text), name


unicode_text = st.text(st.characters(codec="utf-8"), max_size=80)
gpt2_like = st.lists(st.sampled_from([" ", "  ", "\n", "\t", "'s", "'ll", "'", "a", "ab", "Hello", "9", "42",
                                      "!", "?!", "中", "文", "🤗", "\u200b", "é", "e\u0301", "\r"]),
                     max_size=40).map("".join)


@FUZZ
@given(st.one_of(unicode_text, gpt2_like))
def test_fuzz_parity_and_round_trip(ours, ref, text):
    ids = ours.encode(text, disallowed_special=())
    assert ids == ref.encode(text, disallowed_special=())
    assert ours.decode(ids) == text


def test_lone_surrogates_are_replaced_like_tiktoken(ours, ref):
    text = "bad \ud800 pair \udc00\ud83d end"
    assert ours.encode(text) == ref.encode(text)
    assert ours.decode(ours.encode(text)) == "bad \ufffd pair \ufffd\ufffd end"


def test_special_tokens(ours, ref):
    text = f"one{EOT}two"
    with pytest.raises(ValueError, match="special token '<\\|endoftext\\|>'.*allowed_special"):
        ours.encode(text)
    assert ours.encode(text, allowed_special={EOT}) == ref.encode(text, allowed_special={EOT})
    assert 50256 in ours.encode(text, allowed_special="all")
    as_text = ours.encode(text, disallowed_special=())
    assert as_text == ref.encode(text, disallowed_special=()) and 50256 not in as_text
    assert ours.decode(ours.encode(text, allowed_special="all")) == text
    with pytest.raises(ValueError, match="<\\|im_start\\|>.*does not have"):
        ours.encode("x", allowed_special={"<|im_start|>"})


def test_decode_rejects_unknown_ids(ours):
    with pytest.raises(ValueError, match="token id 50257 is not in the vocabulary"):
        ours.decode([15496, 50257])


def test_decode_of_a_cut_character_uses_the_replacement_character(ours):
    ids = ours.encode("床")
    assert len(ids) > 1 and ours.decode(ids[:1]) == "\ufffd"


def test_training_is_deterministic_and_reaches_the_vocab_size(verdict):
    a = BPETokenizer.train(verdict, vocab_size=400)
    b = BPETokenizer.train(verdict, vocab_size=400)
    assert a.merges == b.merges and a.n_vocab == 400
    assert a.special_tokens == {EOT: 399}


def test_training_compresses_and_round_trips(verdict):
    tok = BPETokenizer.train(verdict, vocab_size=600)
    ids = tok.encode(verdict)
    assert len(ids) < len(verdict.encode()) / 2  # bytes alone would give a ratio of 1
    assert tok.decode(ids) == verdict
    assert max(ids) < tok.n_vocab


@FUZZ
@given(unicode_text)
def test_trained_tokenizer_round_trips_any_text(text):
    assert SMALL.decode(SMALL.encode(text, disallowed_special=())) == text


SMALL = BPETokenizer.train("low lower lowest slow slower newest widest " * 20 + "中文中文", 300)


def test_training_never_merges_across_special_tokens():
    text = f"ab{EOT}ab{EOT}" * 50
    tok = BPETokenizer.train(text, vocab_size=300)
    assert all(b"<|" not in v and b"|>" not in v for v in tok.vocab.values())
    assert tok.encode(text, allowed_special="all").count(tok.special_tokens[EOT]) == 100


def test_training_needs_room_for_the_bytes():
    with pytest.raises(ValueError, match="vocab_size=200 is too small"):
        BPETokenizer.train("abc", vocab_size=200)


def test_training_stops_when_nothing_is_left_to_merge():
    tok = BPETokenizer.train("aaaa", vocab_size=1000)
    assert len(tok.merges) == 2  # "aa", then "aaaa": the whole text is one token
    assert tok.encode("aaaa") == [max(tok.vocab)] and tok.n_vocab == 256 + 2 + 1


def test_save_and_load_round_trip(tmp_path, verdict):
    tok = BPETokenizer.train(verdict, vocab_size=350, special_tokens=(EOT, "<|pad|>"))
    tok.save(tmp_path / "sub" / "tok.json")
    again = BPETokenizer.load(tmp_path / "sub" / "tok.json")
    assert again.merges == tok.merges and again.vocab == tok.vocab and again.special_tokens == tok.special_tokens
    assert again.encode(verdict[:2000]) == tok.encode(verdict[:2000])
    assert os.listdir(tmp_path / "sub") == ["tok.json"]  # no temporary file left behind


def test_gpt2_round_trips_through_save_and_load(tmp_path, ours, ref):
    ours.save(tmp_path / "gpt2.json")
    again = BPETokenizer.load(tmp_path / "gpt2.json")
    text = "Saved and loaded: 床前明月光 🤗"
    assert again.encode(text) == ref.encode(text)


@pytest.mark.parametrize("content", ['{"format": "something-else"}', "[1, 2]", "not json", ""])
def test_load_rejects_other_files(tmp_path, content):
    (tmp_path / "x.json").write_text(content)
    with pytest.raises(ValueError, match="is not a tokenizer saved by BPETokenizer.save"):
        BPETokenizer.load(tmp_path / "x.json")


def test_missing_bytes_are_a_clear_error():
    with pytest.raises(ValueError, match="lacks 1 single bytes"):
        BPETokenizer({i: bytes([i]) for i in range(255)}, {})


def test_gpt2_encoding_seeds_tiktoken_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    import tiktoken.registry
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})  # force a fresh load from the cache
    enc = gpt2_encoding()
    assert enc.encode("Hello world") == [15496, 995]
    assert len(list(tmp_path.iterdir())) == 2


@pytest.mark.parametrize("edit,message", [
    (lambda s: s.pop("merges"), "is a tokenizer file without merges"),
    (lambda s: s["merges"].__setitem__(0, [99999, 1, 300]), "merge 0 joins ids 99999 and 1, but no earlier entry defines 99999"),
    (lambda s: s["merges"].__setitem__(0, [1, 2]), "the merges or byte ids are malformed"),
])
def test_load_of_a_wellformed_file_with_wrong_contents_says_what_is_wrong(tmp_path, edit, message):
    path = tmp_path / "tok.json"
    BPETokenizer.train("hello world, hello there " * 20, 270).save(path)
    state = json.loads(path.read_text())
    edit(state)
    path.write_text(json.dumps(state))
    with pytest.raises(ValueError, match=message):
        BPETokenizer.load(path)
