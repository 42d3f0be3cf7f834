"""The website's interactive figures (interactive/*.js), in a real browser.

Each figure gets a page of its own that includes it exactly as its notebook's HTML block does, in the
processed tree that `tools/book.py build` writes (so the scripts are where the rendered page looks for
them), and is loaded from file://, as a downloaded copy of the website opened offline. Headless
Chromium runs it through Selenium; the tests type, move sliders and click, then compare what the page
shows with the package: GPT-2's ids from our tokenizer and tiktoken, the distribution `sample_next`
draws from, the attention weights the chapter's cell stored.

Without Chromium, chromedriver or the Python package selenium the tests are skipped; with
LLMSCRATCH_REQUIRE_BROWSER=1 (which `make test` sets, after `make install` has installed them) they fail.
"""
import json
import os
import shutil
import sys
from pathlib import Path

import pytest
import torch

from llmscratch.generate import sample_next
from llmscratch.plots import read_figure_data, write_figure_data
from llmscratch.tokenizer import BPETokenizer, gpt2_encoding

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import book  # noqa: E402

# figure label -> the notebook that holds it
FIGURES = {"fig-text-playground": "nbs/02_working_with_text.ipynb", "fig-gpt-sampling": "nbs/04_gpt.ipynb",
           "fig-llama-attention": "nbs/06_llama.ipynb"}
# figure label -> its data file (interactive/data/) and its script (interactive/)
SCRIPTS = {"fig-text-playground": ("gpt2-bpe", "bpe-playground"), "fig-gpt-sampling": ("decoding", "decoding-explorer"),
           "fig-llama-attention": ("attention", "attention-explorer")}
COMMON = '<script src="../interactive/common.js"></script>'  # the helpers the figures share, loaded first
CHROMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def figure_data(name: str):
    "The data of interactive/data/<name>.js, which a notebook's cell wrote."
    return read_figure_data(ROOT / "interactive" / "data" / f"{name}.js")


def test_figure_data_round_trips_and_rounding_noise_keeps_the_file(tmp_path):
    data = {"tokens": ["床", " the"], "weights": [[1.0], [0.439, 0.561]], "layer": 3}
    path = write_figure_data("demo", data, folder=tmp_path / "data")
    assert path == tmp_path / "data" / "demo.js" and read_figure_data(path) == data
    assert path.read_text(encoding="utf-8").splitlines()[2] == 'window.llmscratchData["demo"] ='
    assert [p.name for p in path.parent.iterdir()] == ["demo.js"]  # written beside it, then renamed
    # another thread count moves the last rounded digit: the file stays as it was
    write_figure_data("demo", data | {"weights": [[1.0], [0.438, 0.562]]}, folder=path.parent)
    assert read_figure_data(path) == data
    for changed in ({"weights": [[1.0], [0.43, 0.57]]}, {"layer": 4}, {"tokens": ["床", " a"]}):
        write_figure_data("demo", data | changed, folder=path.parent)
        assert read_figure_data(path) == data | changed


@pytest.fixture(scope="module")
def browser():
    chrome = next(filter(None, map(shutil.which, CHROMES)), None)
    driver = shutil.which("chromedriver")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        webdriver = None
    missing = [name for name, found in (("Chromium", chrome), ("chromedriver", driver),
                                        ("the Python package selenium", webdriver)) if not found]
    if missing:
        why = (f"{' and '.join(missing)} not found: `make install` installs them (Debian: `apt-get install "
               "chromium chromium-driver`; `pip install selenium`, in the dev extra)")
        if os.environ.get("LLMSCRATCH_REQUIRE_BROWSER") == "1":
            pytest.fail(f"LLMSCRATCH_REQUIRE_BROWSER=1, but {why}", pytrace=False)
        pytest.skip(why)
    options = webdriver.ChromeOptions()
    options.binary_location = chrome
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1000,1400"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    session = webdriver.Chrome(options=options, service=Service(driver))
    yield session
    session.quit()


def html_block(notebook: Path, label: str) -> str:
    "The raw HTML block of the markdown cell that holds figure `label`."
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "markdown" and "{#" + label + "}" in text:
            return text.split("```{=html}\n", 1)[1].split("\n```", 1)[0]
    raise AssertionError(f"{notebook.name} has no figure {label}")


def data_script(label: str) -> str:
    return f'<script src="../interactive/data/{SCRIPTS[label][0]}.js"></script>'


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """{(label, lang): file URL} of a page per figure and language, beside the processed chapter; and
    {(label, lang, "no data"): ...}, the same page without the figure's data script."""
    out = {}
    for lang in book.LANGS:
        tree = book.build(lang, ROOT, tmp_path_factory.mktemp("proc") / lang)
        for label, src in FIGURES.items():
            block = html_block(tree / src, label)
            assert f'data-lang="{lang}"' in block
            # the shared helpers, then the data, then the figure's own script, which uses both
            where = [block.find(s) for s in (COMMON, data_script(label),
                                             f'<script src="../interactive/{SCRIPTS[label][1]}.js"></script>')]
            assert -1 not in where and where == sorted(where), block
            for key, name, html in (((label, lang), label, block),
                                    ((label, lang, "no data"), f"{label}-no-data", block.replace(data_script(label), ""))):
                page = (tree / src).with_name(f"figure-{name}.html")
                page.write_text(f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{label}</title>'
                                f"</head>\n<body>\n{html}\n</body></html>\n", encoding="utf-8")
                out[key] = page.as_uri()
    return out


def load(browser, url):
    browser.get(url)
    problems = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not problems, problems  # a script that did not load, or threw


@pytest.fixture(scope="module")
def tokenizers():
    return BPETokenizer.from_gpt2(), gpt2_encoding()


TEXTS = [
    "Hello, world! Don't we'll they're I'm",
    "  two  spaces\n\n\tand a tab\n   ",
    "x = 3.14159 * (r ** 2)  # 2024-12-01, 1234567890",
    "床前明月光，疑是地上霜。举头望明月，低头思故乡。",
    "thumbs up 👍🏽, a robot 🤖 and a family 👨‍👩‍👧!",
    "zero\u200bwidth \ufeffBOM, no\u00a0break, next\u0085line, ideographic\u3000space",
    "Ünïcödé façade — “quotes” … <|endoftext|> stays plain text",
]


@pytest.mark.parametrize("lang", book.LANGS)
def test_tokenizer_playground_gives_gpt2s_ids(browser, pages, tokenizers, lang):
    ours, tiktoken = tokenizers
    load(browser, pages["fig-text-playground", lang])
    box = browser.find_element("css selector", ".llms-bpe textarea")
    shown = lambda: browser.execute_script(
        "var w = document.querySelector('.llms-bpe');"
        "return [Array.from(w.querySelectorAll('.llms-token')).map(s => +s.getAttribute('data-id')),"
        "        w.querySelector('[data-role=ids]').textContent];")
    example = figure_data("gpt2-bpe")["example"]
    assert box.get_attribute("value") == example["text"]
    assert shown()[0] == example["ids"] == ours.encode_ordinary(example["text"])
    box.clear()
    box.send_keys(TEXTS[0])  # typed key by key: the ids follow each input event
    for k, text in enumerate(TEXTS):
        if k:  # ChromeDriver types only the Basic Multilingual Plane; set the rest as a paste would
            browser.execute_script("arguments[0].value = arguments[1];"
                                   "arguments[0].dispatchEvent(new Event('input'));", box, text)
        ids, printed = shown()
        assert ids == ours.encode_ordinary(text) == tiktoken.encode_ordinary(text), text
        assert printed == "[" + ", ".join(map(str, ids)) + "]"
    label = browser.find_element("css selector", ".llms-bpe label").text
    assert ("输入" in label) == (lang == "zh")


def reference(logits, temperature, top_k, top_p):
    "The distribution `sample_next` draws from, its steps repeated in float64 on the stored logits."
    z = torch.tensor(logits, dtype=torch.float64)
    if temperature == 0:
        return torch.nn.functional.one_hot(z.argmax(), len(z)).double()
    z = z / temperature
    if top_k < len(z):
        z = z.masked_fill(z < torch.topk(z, top_k).values[-1], float("-inf"))
    if top_p < 1:
        s, order = torch.sort(z, descending=True)
        q = torch.softmax(s, -1)
        s = s.masked_fill(q.cumsum(-1) - q >= top_p, float("-inf"))
        z = torch.full_like(z, float("-inf")).scatter(-1, order, s)
    return torch.softmax(z, -1)


SETTINGS = [(1.0, 40, 0.9), (0.5, 40, 1.0), (1.5, 3, 1.0), (1.0, 40, 0.5), (0.7, 10, 0.8), (0.0, 40, 1.0),
            (2.0, 1, 1.0), (1.2, 20, 0.95)]


@pytest.mark.parametrize("lang", book.LANGS)
def test_decoding_explorer_shows_what_sample_next_draws_from(browser, pages, lang):
    from selenium.webdriver.common.keys import Keys
    data = figure_data("decoding")
    load(browser, pages["fig-gpt-sampling", lang])
    shown = lambda: browser.execute_script(
        "return Array.from(document.querySelectorAll('.llms-decoding [data-prob]')).map(e => +e.getAttribute('data-prob'));")
    slider = lambda role: browser.find_element("css selector", f".llms-decoding input[data-role={role}]")
    # where the sliders start: the probabilities the chapter's cell stored (kept_probs), on the first prompt
    assert shown() == pytest.approx(data["prompts"][0]["probs"], abs=1e-6)
    gen = torch.Generator().manual_seed(123)
    for k, prompt in enumerate(data["prompts"]):
        browser.find_element("css selector", f".llms-decoding button[data-prompt='{k}']").click()
        for temperature, top_k, top_p in SETTINGS:
            for role, value in (("temperature", temperature), ("top-k", top_k), ("top-p", top_p)):
                browser.execute_script("arguments[0].value = arguments[1];"
                                       "arguments[0].dispatchEvent(new Event('input'));", slider(role), str(value))
                assert float(slider(role).get_attribute("value")) == value
            want = reference(prompt["logits"], temperature, top_k, top_p)
            got = torch.tensor(shown(), dtype=torch.float64)
            assert torch.equal(got > 0, want > 0), (k, temperature, top_k, top_p)
            assert torch.allclose(got, want, rtol=0, atol=1e-12) and abs(got.sum().item() - 1) < 1e-12
            if top_k == 3:
                assert (got > 0).sum() == 3
            if temperature == 0 or top_k == 1:
                assert got.max() == 1 and got.argmax() == torch.tensor(prompt["logits"]).argmax()
            # and sample_next itself, in float32, draws only what the figure keeps, about as often
            draws = sample_next(torch.tensor(prompt["logits"]).expand(4000, -1), temperature, top_k,
                                top_p if top_p < 1 else None, generator=gen)
            freq = torch.bincount(draws, minlength=len(got)).double() / len(draws)
            assert set(draws.tolist()) <= set(torch.nonzero(got).flatten().tolist())
            assert (freq - got).abs().max() < 0.05
    # the sliders move with the keyboard too: three steps left on top-k, from 40 to 37
    browser.execute_script("arguments[0].value = '40'; arguments[0].dispatchEvent(new Event('input'));", slider("top-k"))
    slider("top-k").send_keys(Keys.ARROW_LEFT * 3)
    assert slider("top-k").get_attribute("value") == "37"
    t, p = float(slider("temperature").get_attribute("value")), float(slider("top-p").get_attribute("value"))
    assert torch.allclose(torch.tensor(shown(), dtype=torch.float64),
                          reference(data["prompts"][-1]["logits"], t, 37, p), rtol=0, atol=1e-12)
    summary = browser.find_element("css selector", ".llms-decoding [data-role=summary]").text
    assert ("保留" in summary) == (lang == "zh")


@pytest.mark.parametrize("lang", book.LANGS)
def test_attention_explorer_shows_the_stored_weights(browser, pages, lang):
    data = figure_data("attention")
    n = len(data["tokens"])
    load(browser, pages["fig-llama-attention", lang])
    cells = lambda: browser.execute_script(
        "var m = document.querySelector('.llms-attention svg[data-role=heatmap]');"
        "return [+m.getAttribute('data-layer'), +m.getAttribute('data-head'),"
        "        Array.from(m.querySelectorAll('rect[data-weight]')).map(r =>"
        "          [+r.getAttribute('data-q'), +r.getAttribute('data-k'), +r.getAttribute('data-weight'),"
        "           r.getAttribute('data-masked') === '1'])];")
    start = cells()
    assert start[:2] == [data["default"]["layer"], data["default"]["head"]]
    layer_slider = browser.find_element("css selector", ".llms-attention input[data-role=layer]")
    for layer, head in [(0, 0), (16, 0), (13, 8), (29, 8), (7, 4), tuple(data["highlights"]["previous"])]:
        browser.execute_script("arguments[0].value = arguments[1];"
                               "arguments[0].dispatchEvent(new Event('input'));", layer_slider, str(layer))
        browser.find_element("css selector", f".llms-attention button[data-head='{head}']").click()
        shown_layer, shown_head, grid = cells()
        assert (shown_layer, shown_head) == (layer, head) and len(grid) == n * n
        w = torch.zeros(n, n, dtype=torch.float64)
        for q, k, weight, masked in grid:
            assert masked == (k > q)  # causal: nothing above the diagonal
            w[q, k] = weight
        stored = torch.zeros(n, n, dtype=torch.float64)
        for i, row in enumerate(data["weights"][layer][head]):
            stored[i, :len(row)] = torch.tensor(row, dtype=torch.float64)
        assert torch.equal(w, stored)
        assert not w.triu(1).any() and torch.allclose(w.sum(-1), torch.ones(n, dtype=torch.float64), atol=0.01)
        info = browser.find_element("css selector", ".llms-attention [data-role=group]").text
        size = data["n_heads"] // data["n_kv_heads"]  # query heads per key/value head, sharing its keys and values
        others = [str(h) for h in range(head // size * size, (head // size + 1) * size) if h != head]
        assert info.startswith(("查询头 " if lang == "zh" else "Query head ") + str(head)) and all(o in info for o in others)
        assert (f"键/值头 {head // size}）" if lang == "zh" else f"key/value head {head // size})") in info


@pytest.mark.parametrize("lang", book.LANGS)
@pytest.mark.parametrize("label", FIGURES)
def test_a_figure_without_its_data_says_so(browser, pages, label, lang):
    "common.js mounts every figure: without the data script, the figure is a message naming the missing file."
    load(browser, pages[label, lang, "no data"])
    shown = browser.execute_script(
        "var w = document.querySelector('.llms-widget');"
        "return [w.getAttribute('data-mounted'), Array.from(w.children).map(e => e.className + ': ' + e.textContent)];")
    assert shown[0] == "1" and len(shown[1]) == 1, shown
    message = shown[1][0]
    assert message.startswith("llms-error: ") and f"interactive/data/{SCRIPTS[label][0]}.js" in message
    assert ("没有加载" in message) == (lang == "zh")
