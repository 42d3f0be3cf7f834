"""Figures drawn in both languages (llmscratch.plots): the Chinese of plot texts, a figure translated
and restored, the two tagged drawings a notebook shell shows, and what the book does with them."""
import base64
import io
import json
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from PIL import Image, ImageChops  # noqa: E402

from llmscratch.plots import LABELS_ZH, chinese_font, to_chinese, translate_figure  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import book  # noqa: E402

LABELS = {"loss": "损失", "head {}": "头 {}", "{}, training": "{}，训练", "plain": "朴素版",
          "ham": "正常短信", "ReLU": "ReLU"}


@pytest.mark.parametrize("text,expected", [
    ("loss", "损失"),
    ("head 3", "头 3"),                      # a placeholder takes any text ...
    ("plain, training", "朴素版，训练"),      # ... and what fills it is translated in turn
    ("ReLU", "ReLU"),                        # a name kept as it is
    ("β = 0.1", "β = 0.1"), ("(3, 1)", "(3, 1)"), ("x", "x"), ("1e-3", "1e-3"),  # no word to translate
    (r"$\beta$ = 0.5", r"$\beta$ = 0.5"),    # mathtext is not a word
    ("accuracy", None), ("head of state", None), ("refined, training", None),  # nothing translates a word
])
def test_to_chinese(text, expected):
    assert to_chinese(text, LABELS) == expected


def test_the_package_plots_have_their_chinese():
    assert {"training loss", "validation loss", "epochs", "loss", "tokens seen"} <= LABELS_ZH.keys()


def texts(fig):
    fig.canvas.draw()
    return sorted(t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text())


def figure():
    fig, (ax, bars) = plt.subplots(1, 2)
    ax.plot([0, 1], [1, 0], label="plain, training")
    ax.set_title("head 3")
    ax.set_ylabel("loss")
    ax.legend()
    ax.text(0.5, 0.5, "ReLU")
    image = bars.imshow([[0, 1], [1, 0]])
    bars.set_xticks([0, 1], ["ham", "Your"])   # a known class name, and a token (data, kept)
    fig.colorbar(image, label="loss")
    return fig


def test_translate_figure_puts_chinese_in_place_and_restores_english():
    fig = figure()
    english = texts(fig)
    restore = translate_figure(fig, LABELS, font=chinese_font())
    chinese = texts(fig)
    for en, zh in [("head 3", "头 3"), ("loss", "损失"), ("plain, training", "朴素版，训练"), ("ham", "正常短信")]:
        assert en in english and en not in chinese and zh in chinese
    assert "Your" in chinese and "ReLU" in chinese
    restore()
    assert texts(fig) == english
    plt.close(fig)


def test_translate_figure_names_every_text_without_chinese_and_changes_nothing():
    fig = figure()
    fig.axes[0].set_xlabel("optimizer step")
    english = texts(fig)
    with pytest.raises(ValueError, match=r"no Chinese: 'optimizer step'; add them to draw_in_both_languages"):
        translate_figure(fig, LABELS)
    with pytest.raises(ValueError) as e:
        translate_figure(fig, {k: v for k, v in LABELS.items() if k not in ("loss", "plain")})
    assert all(f"'{text}'" in str(e.value) for text in ("plain, training", "optimizer step", "loss"))
    assert "'head 3'" not in str(e.value) and "'Your'" not in str(e.value)  # translated; a tick label
    assert texts(fig) == english
    plt.close(fig)


def png(fig) -> Image.Image:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=50)
    return Image.open(buffer).convert("RGB")


def test_a_chinese_font_draws_every_glyph():
    font = chinese_font()
    assert font, "no font with Chinese glyphs: install fonts-noto-cjk (make install does, on Debian)"
    fig = figure()
    english = png(fig)
    restore = translate_figure(fig, LABELS, font=font)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Glyph .* missing")  # a missing glyph draws a box
        chinese = png(fig)
    restore()
    assert ImageChops.difference(english, chinese).getbbox() is not None
    assert ImageChops.difference(english, png(fig)).getbbox() is None  # English again, pixel for pixel
    plt.close(fig)


def run_cells(*sources):
    "Run cells as the notebooks' runner does (execnb's shell, matplotlib inline); the outputs of the last."
    from execnb.shell import CaptureShell

    shell = CaptureShell()
    try:
        for s in sources:
            outputs = shell.run(s)
            assert not [o for o in outputs if o["output_type"] == "error"], outputs
        return outputs
    finally:
        shell.close()


SETUP = ("import matplotlib.pyplot as plt\nfrom llmscratch.plots import draw_in_both_languages\n"
         "draw_in_both_languages({'head {}': '头 {}'})")


def test_a_notebook_shows_each_figure_once_per_language_tagged():
    outputs = run_cells(SETUP, "fig, ax = plt.subplots()\nax.plot([1, 2])\nax.set_title('head 1')\n"
                               "ax.set_ylabel('loss')\nplt.show()")
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert [book.output_language(o) for o in images] == ["en", "zh"]
    en, zh = (Image.open(io.BytesIO(base64.b64decode(o["data"]["image/png"]))).convert("RGB") for o in images)
    assert en.size[0] > 100 and ImageChops.difference(en, zh.resize(en.size)).getbbox() is not None


def test_a_figure_with_an_untranslated_text_is_shown_in_english_with_a_warning():
    # IPython would swallow an exception raised while showing a figure: a warning says it instead,
    # and the book check finds the plot that has no Chinese drawing
    with pytest.warns(UserWarning, match=r"no Chinese: 'gradient norm'.*drawn in English only"):
        outputs = run_cells(SETUP, "fig, ax = plt.subplots()\nax.set_xlabel('gradient norm')\nplt.show()")
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert [book.output_language(o) for o in images] == ["en"]


def test_a_notebooks_plot_texts_do_not_reach_the_next_notebook():
    # the tests run every notebook in one process: a text that only an earlier notebook translates
    # must still be reported, as it would be when this notebook runs alone
    run_cells("from llmscratch.plots import draw_in_both_languages\n"
              "draw_in_both_languages({'gradient norm': '梯度范数'})")
    test_a_figure_with_an_untranslated_text_is_shown_in_english_with_a_warning()


def test_texts_given_twice_in_one_notebook_add_up():
    outputs = run_cells(SETUP, "draw_in_both_languages({'gradient norm': '梯度范数'})",
                        "fig, ax = plt.subplots()\nax.set_title('head 2')\nax.set_xlabel('gradient norm')\nplt.show()")
    assert [book.output_language(o) for o in outputs if "image/png" in o.get("data", {})] == ["en", "zh"]


def tagged(lang):
    return {"output_type": "display_data", "data": {"image/png": "iVBOR"}, "metadata": {"llmscratch": {"lang": lang}}}


def plot_notebook(outputs):
    cell = {"cell_type": "code", "id": "a", "metadata": {}, "execution_count": None, "source": ["plot()"],
            "outputs": outputs}
    text = {"output_type": "stream", "name": "stdout", "text": ["3 tokens\n"]}
    cell["outputs"] = [text] + outputs
    return {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_each_language_book_keeps_its_own_drawing():
    nb = plot_notebook([tagged("en"), tagged("zh")])
    for lang in book.LANGS:
        outputs = book.process_notebook(nb, "c.ipynb", lang)["cells"][0]["outputs"]
        assert [o["output_type"] for o in outputs] == ["stream", "display_data"]
        assert book.output_language(outputs[1]) == lang


untagged = {"output_type": "display_data", "data": {"image/png": "iVBOR", "text/plain": ["<Figure>"]}, "metadata": {}}


@pytest.mark.parametrize("outputs,expected", [
    ([tagged("en"), tagged("zh")], None),
    ([tagged("en"), tagged("zh"), tagged("en"), tagged("zh")], None),
    ([], None),
    ([untagged], "(0 en, 0 zh, 1 untagged)"),
    ([tagged("en")], "(1 en, 0 zh)"),
    ([tagged("en"), tagged("zh"), tagged("en")], "(2 en, 1 zh)"),
])
def test_check_wants_every_plot_drawn_in_both_languages(tmp_path, outputs, expected):
    (tmp_path / "c.ipynb").write_text(json.dumps(plot_notebook(outputs)))
    found = book.plot_problems(tmp_path, ["c.ipynb"])
    if expected is None:
        assert found == []
    else:
        assert found == [f"c.ipynb cell 0: a plot is not drawn in both languages {expected}: call "
                         "draw_in_both_languages({...}) before it with the Chinese of its texts, have a "
                         "Chinese font (fonts-noto-cjk), and execute the notebook again"]


def test_nbdev_clean_keeps_the_language_of_a_drawing():
    from nbdev.clean import clean_nb
    from nbdev.config import get_config

    nb = plot_notebook([tagged("en"), tagged("zh")])
    nb["cells"][0]["outputs"][1]["metadata"]["image/png"] = {"width": 300}
    clean_nb(nb, allowed_out_metadata_keys=set(get_config(ROOT).get("allowed_out_metadata_keys") or []))
    assert [book.output_language(o) for o in nb["cells"][0]["outputs"]] == [None, "en", "zh"]
