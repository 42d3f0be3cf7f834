"""The book itself, checked without Quarto: structure, both languages, references, processing."""
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import book  # noqa: E402

CJK = re.compile(r"[\u4e00-\u9fff]")
EN, ZH = '::: {.content-visible when-profile="en"}', '::: {.content-visible when-profile="zh"}'


def test_the_book_has_no_problems():
    problems = book.check()
    assert problems == [], "\n".join(problems)


HEADERS = ROOT / "nbs" / "modules"


def header_module(path: Path) -> str | None:
    """The module a header notebook creates, or None if `path` is not one: a `# llmscratch.<m>`
    title with a `> summary` (the module's docstring), `#| default_exp <m>`, one exported comment."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    sources = ["".join(c["source"]) for c in cells]
    if len(cells) != 3 or [c["cell_type"] for c in cells] != ["markdown", "code", "code"]:
        return None
    m = re.fullmatch(r"#\| default_exp (\w+)", sources[1].strip())
    ok = (m and path.name == f"00_{m.group(1)}.ipynb"
          and re.match(rf"# llmscratch\.{m.group(1)}\n\n> \S", sources[0])
          and sources[2].startswith("#| export\n")
          and all(l.startswith("#") for l in sources[2].splitlines()))
    return m.group(1) if ok else None


def test_every_notebook_is_a_book_page_or_a_module_header():
    listed = set(book.chapter_paths())
    for path in (ROOT / "nbs").glob("*.ipynb"):
        assert f"nbs/{path.name}" in listed, f"{path.name} is not in _quarto.yml"
        assert not path.name.startswith("00_"), f"{path.name}: 00_ names are for module headers"
    modules = {p.stem for p in (ROOT / "llmscratch").glob("*.py") if not p.name.startswith("_")}
    headers = {header_module(p): p.name for p in HEADERS.glob("*.ipynb")}
    assert None not in headers, f"{headers[None]} is not a module header (see nbs/modules/README.md)"
    assert set(headers) == modules


def test_chapters_export_only_to_declared_modules():
    "No chapter declares a module; each export names one that a header creates (nbs/modules/README.md)."
    declared = {header_module(p) for p in HEADERS.glob("*.ipynb")}
    for path in sorted((ROOT / "nbs").glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            first = "".join(cell["source"]).split("\n")[0]
            if cell["cell_type"] != "code" or not first.startswith("#|"):
                continue
            assert not first.startswith("#| default_exp"), f"{path.name} declares a module"
            if m := re.match(r"#\|\s*export[si]?\b\s*(\S*)", first):
                assert m.group(1) in declared, f"{path.name}: {first!r} must name a module of nbs/modules"


@pytest.mark.parametrize("text,expected", [
    (f"{EN}\nHello\n:::\n\n{ZH}\n你好\n:::\n", []),
    (f"{EN}\nHello\n:::\n\nstray words\n", ["text outside a language div", "pairs"]),
    (f"{ZH}\n你好\n:::\n\n{EN}\nHello\n:::\n", ["pairs"]),
    (f"{EN}\nHello\n:::\n\n{ZH}\n\n:::\n", ["the zh passage is empty"]),
    (f"{EN}\nHello\n\n{ZH}\n你好\n:::\n", ["never closed"]),
])
def test_language_check_finds_unpaired_passages(text, expected):
    found = book.language_problems("x.qmd", [("markdown", text)])
    assert len(found) == len(expected) and all(e in f for e, f in zip(expected, found))


def test_select_language_keeps_nested_divs_and_code():
    text = f"{EN}\n# Title {{#sec-a}}\n\n```\n:::\n```\n\n:::: {{.callout-note}}\nnote\n::::\n:::\n\n{ZH}\n# 标题 {{#sec-a}}\n:::\n"
    en, zh = book.select_language(text, "en"), book.select_language(text, "zh")
    assert "# Title" in en and "```\n:::\n```" in en and ":::: {.callout-note}" in en and "标题" not in en
    assert zh.strip() == "# 标题 {#sec-a}"


def test_code_cells_lose_nbdev_directives_and_get_localized_options():
    src = '#| export\n#| hide\n#| fig-cap: "A plot"\n#| fig-cap-zh: "一张图"\n#| slow\nx = 1'
    assert book.process_code(src, "en") == '#| include: false\n#| fig-cap: "A plot"\nx = 1'
    assert book.process_code(src, "zh") == '#| include: false\n#| fig-cap: "一张图"\nx = 1'
    assert book.process_code("#| default_exp data", "en") is None
    with pytest.raises(ValueError, match="unknown cell option 'exprot'"):
        book.process_code("#| exprot\nx = 1", "en")


@pytest.fixture(scope="module")
def trees(tmp_path_factory):
    return {lang: book.build(lang, dest=tmp_path_factory.mktemp(lang)) for lang in book.LANGS}


def pages(tree):
    for src in book.chapter_paths():
        path = tree / src
        if path.suffix == ".ipynb":
            nb = json.loads(path.read_text(encoding="utf-8"))
            yield src, nb["cells"]
        else:
            yield src, [{"cell_type": "markdown", "source": path.read_text(encoding="utf-8")}]


def test_processed_trees_hold_one_language_and_no_nbdev_directives(trees):
    nbdev = re.compile(r"^#\|\s*(export|exports|exporti|default_exp|hide|slow|gpu|notest)\b", re.M)
    for lang, tree in trees.items():
        for src, cells in pages(tree):
            for cell in cells:
                text = "".join(cell["source"])
                assert "when-profile" not in text, (lang, src)
                assert "TODO" not in text, (lang, src)
                if cell["cell_type"] == "code":
                    assert not nbdev.search(text), (lang, src, text[:80])
                    options = "\n".join(l[3:] for l in text.splitlines() if l.startswith("#| "))
                    assert isinstance(yaml.safe_load(options) or {}, dict)


def test_titles_are_in_the_pages_language(trees):
    for lang, tree in trees.items():
        for src, cells in pages(tree):
            md = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
            title = re.search(r"^# (.+)$", md, re.M).group(1)
            assert bool(CJK.search(title)) == (lang == "zh"), (lang, src, title)


def test_every_page_links_to_its_other_language_page(trees):
    for lang, tree in trees.items():
        for src, cells in pages(tree):
            md = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
            link = re.search(r"\[[^\]]+\]\(([^)]+)\)\{\.lang-switch", md).group(1)
            other = (Path("/book") / lang / src).parent / link  # as laid out in _book/<lang>/
            expected = Path("/book") / book.OTHER[lang] / Path(src).with_suffix(".html")
            assert Path(*[p for p in other.parts]).resolve() == expected.resolve(), (lang, src, link)


def test_glossary_table_is_written_in_both_languages(trees):
    entries = book.glossary_entries()
    assert len({e["en"] for e in entries}) == len(entries) and len({e["zh"] for e in entries}) == len(entries)
    zh = (trees["zh"] / "chapters" / "glossary.qmd").read_text(encoding="utf-8")
    en = (trees["en"] / "chapters" / "glossary.qmd").read_text(encoding="utf-8")
    assert "| 中文术语 | English | 释义 |" in zh and "| English | 中文术语 | Definition |" in en
    assert all(f"| {e['zh']} |" in zh and f"| {e['en']} |" in en for e in entries)


def test_glossary_check_catches_an_avoided_term(tmp_path):
    for name in ["_quarto.yml", "glossary.yml"]:
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "_quarto.yml").write_text(yaml.safe_dump({"book": {"chapters": ["a.qmd"]}}))
    (tmp_path / "a.qmd").write_text(f"{EN}\n# A token\n:::\n\n{ZH}\n# 一个令牌\n:::\n", encoding="utf-8")
    assert any("'令牌'" in p for p in book.check(tmp_path))


def test_export_leaves_the_package_unchanged(tmp_path):
    "The committed package is what nbdev-export makes of the committed notebooks."
    for name in ["pyproject.toml", "nbs", "llmscratch"]:
        src = ROOT / name
        (shutil.copytree(src, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
         if src.is_dir() else shutil.copy(src, tmp_path / name))
    exe = Path(sys.executable).with_name("nbdev-export")
    subprocess.run([str(exe)], cwd=tmp_path, check=True, capture_output=True)
    for path in sorted((ROOT / "llmscratch").glob("*.py")):
        exported = tmp_path / "llmscratch" / path.name
        assert exported.read_text() == path.read_text(), f"{path.name} differs: run nbdev-export"
    assert sorted(p.name for p in (tmp_path / "llmscratch").glob("*.py")) == \
        sorted(p.name for p in (ROOT / "llmscratch").glob("*.py"))


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make book" in readme and "make test" in readme
    assert re.search(r"^make test$", (ROOT / ".ci" / "run").read_text(), re.M)


def _only_definitions(text: str) -> bool:
    "Whether a code cell holds nothing but imports, functions and classes (its prints run later, if ever)."
    import ast
    try:
        tree = ast.parse("\n".join(l for l in text.splitlines() if not l.startswith(("#|", "%", "!"))))
    except SyntaxError:
        return False
    return all(isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)) for n in tree.body)


def test_printing_cells_have_stored_outputs():
    "The book shows stored outputs: a notebook converted or edited without re-executing it loses them."
    missing = []
    for src in book.chapter_paths():
        if not src.endswith(".ipynb"):
            continue
        for n, cell in enumerate(json.loads((ROOT / src).read_text(encoding="utf-8"))["cells"]):
            text = "".join(cell["source"])
            # eval: false cells never run, gpu cells only where CUDA is, and exported cells define code;
            # slow cells are stored too, by `make outputs LLMSCRATCH_TEST_FLAGS=slow`
            if cell["cell_type"] != "code" or re.search(r"^#\|\s*(eval:\s*false|gpu|export)", text, re.M):
                continue
            # a cell that prints or draws anywhere, in a loop or a slow cell too, shows its output;
            # a cell that only defines functions and classes prints nothing when it runs
            if _only_definitions(text):
                continue
            if re.search(r"^\s*(print\(|plt\.show\(\)|\w+\.print\()", text, re.M) and not cell.get("outputs"):
                missing.append(f"{src} cell {n}: {text.splitlines()[-1][:60]!r}")
    assert not missing, "run `make outputs` (or nbdev-test --save) for:\n" + "\n".join(missing)


def test_pdf_settings_reach_the_processed_tree(tmp_path):
    pdf = book.book_config()["format"]["pdf"]
    assert pdf["pdf-engine"] == "xelatex" and "CJK" in pdf["CJKmainfont"]
    tree = book.build("zh", ROOT, tmp_path / "zh")
    assert "breaklines" in (tree / pdf["include-in-header"]).read_text()


# ---------------------------------------------------------------------------- check rules on small books


def pair(en: str, zh: str) -> str:
    return f"{EN}\n{en}\n:::\n\n{ZH}\n{zh}\n:::\n"


def notebook(*cells: tuple[str, str]) -> str:
    return json.dumps({"cells": [{"cell_type": kind, "metadata": {}, "source": text.splitlines(True),
                                  **({"outputs": [], "execution_count": None} if kind == "code" else {})}
                                 for kind, text in cells], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def small_book(root: Path, pages: dict[str, str], **config) -> Path:
    "A book of `pages` (name: text) with an empty glossary; `config` goes into _quarto.yml."
    (root / "glossary.yml").write_text("[]\n")
    (root / "_quarto.yml").write_text(yaml.safe_dump({"book": {"chapters": list(pages)}, **config}))
    for name, text in pages.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize("attributes", [".unnumbered", "-", ".unnumbered .unlisted"])
def test_check_finds_references_to_unnumbered_headings(tmp_path, attributes):
    small_book(tmp_path, {
        "index.qmd": pair("# Preface {#sec-preface}\n\nSee @sec-data.", "# 前言 {#sec-preface}\n\n见 @sec-data。"),
        "data.qmd": pair(f"# Data {{#sec-data {attributes}}}", f"# 数据 {{#sec-data {attributes}}}"),
    })
    found = book.check(tmp_path)
    assert len(found) == 2, found
    assert found[0].startswith("index.qmd, line 4 (en): @sec-data points to an unnumbered heading (data.qmd, line 2)")
    assert found[1].startswith("index.qmd, line 10 (zh): @sec-data")
    assert all("[its title](data.qmd#sec-data)" in f for f in found)


def test_check_resolves_references_in_each_language_separately(tmp_path):
    small_book(tmp_path, {"a.qmd": pair("# A {#sec-a}\n\n## Only here {#sec-en}\n\n@sec-en",
                                        "# 甲 {#sec-a}\n\n见 @sec-en。")})
    assert book.check(tmp_path) == [
        "a.qmd, line 12 (zh): cross-reference @sec-en has no target: fix the key or label the "
        "heading, figure or div {#sec-en}"]


def test_check_finds_a_label_defined_twice(tmp_path):
    small_book(tmp_path, {"a.qmd": pair("# A {#sec-a}\n\n## B {#sec-a}", "# 甲 {#sec-a}")})
    assert [p.split(":")[0] for p in book.check(tmp_path)] == ["a.qmd, line 4 (en)"]


FIGURE_CELL = '#| label: fig-curve\n#| fig-cap: "A curve"\n#| fig-cap-zh: "一条曲线"\nplot()'


@pytest.mark.parametrize("cell,en,zh,expected", [
    (FIGURE_CELL, "@fig-curve shows it.", "@fig-curve 展示了它。", []),
    (FIGURE_CELL, "A curve.", "@fig-curve 展示了它。",
     ["c.ipynb cell 1 (en): figure fig-curve is never cited: refer to it with @fig-curve in the en text"]),
    (FIGURE_CELL.replace('#| fig-cap-zh: "一条曲线"\n', ""), "@fig-curve.", "@fig-curve。",
     ['c.ipynb cell 1: figure fig-curve has no fig-cap-zh: add #| fig-cap-zh: "..." to the cell']),
    # citing a figure only in the other language's text, or in a code comment, does not count
    (FIGURE_CELL + "  # @fig-curve", "See the curve.", "@fig-curve。",
     ["c.ipynb cell 1 (en): figure fig-curve is never cited"]),
])
def test_check_wants_every_figure_cited_and_captioned_in_both_languages(tmp_path, cell, en, zh, expected):
    small_book(tmp_path, {"c.ipynb": notebook(("markdown", pair("# C {#sec-c}", "# 丙 {#sec-c}")),
                                              ("code", cell), ("markdown", pair(en, zh)))})
    found = book.check(tmp_path)
    assert len(found) == len(expected) and all(f.startswith(e) for e, f in zip(expected, found)), found


def test_check_wants_markdown_figures_in_both_languages_with_captions(tmp_path):
    (tmp_path / "p.png").write_bytes(b"")
    small_book(tmp_path, {"a.qmd": pair("# A {#sec-a}\n\n![](p.png){#fig-p}\n\n@fig-p and @fig-q\n\n"
                                        "![A picture](p.png){#fig-q}",
                                        "# 甲 {#sec-a}\n\n![图](p.png){#fig-p}\n\n@fig-p")})
    assert book.check(tmp_path) == [
        "a.qmd, line 8: figure fig-q is only in the en text: put it, with its caption, in the zh div too",
        "a.qmd, line 4 (en): figure fig-p has an empty caption: write it between the brackets, ![caption](...)"]


@pytest.mark.parametrize("lang,text,expected", [
    ("en", "Appendix @sec-loop adds warmup.", ["Appendix @sec-loop"]),
    ("en", "as chapter @sec-gpt and Figure [@fig-a] and section @sec-x-y show", ["chapter @sec-gpt", "Figure [@fig-a", "section @sec-x-y"]),
    ("en", "Appendix -@sec-loop adds warmup; @sec-loop too; see Figures.", []),
    ("zh", "附录 @sec-loop 加入了预热，见第 @sec-gpt 章与图@fig-a。", ["附录 @sec-loop", "第 @sec-gpt", "图@fig-a"]),
    ("zh", "@sec-loop 加入了预热。", []),
])
def test_doubled_reference_words(lang, text, expected):
    assert [w for _, w in book.doubled_reference_words(book.prose_text(text), lang)] == expected


@pytest.mark.parametrize("lang,text,expected", [
    ("en", "Appendix A is a primer; appendix D's loop; Chapter 5 and chapter 4's model.",
     ["Appendix A", "appendix D", "Chapter 5", "chapter 4"]),
    ("en", "**Exercise 5.1.** Then Solution D.1, see Section 3.2.", ["Exercise 5.1", "Solution D.1", "Section 3.2"]),
    ("en", "An appendix a reader skips; Appendix Also; the chapters; @sec-loop; 5 chapters.", []),
    ("en", "Code: `Chapter 5`, a link [here](https://x.org/Chapter 5) and https://x.org/chapter-4.\n"
           "```python\n# Chapter 5\n```", []),
    ("zh", "附录 A 是入门；附录D中；第 5 章与第五章；练习 5.1 和练习 D.2；见 3.2 节。",
     ["附录 A", "附录D", "第 5 章", "第五章", "练习 5.1", "练习 D.2", "3.2 节"]),
    ("zh", "第 19 步达到峰值；附录 @sec-loop；`第 5 章`；用 5 个例子。", []),
])
def test_hand_numbers(lang, text, expected):
    assert [n for _, n in book.hand_numbers(book.prose_text(text), lang)] == expected


def test_check_reports_hand_numbers_with_their_line_and_a_fix(tmp_path):
    small_book(tmp_path, {"a.qmd": pair("# A {#sec-a}\n\nAs chapter 4 showed.\n\n**Exercise 1.1.** Do it.",
                                        "# 甲 {#sec-a}\n\n如第 4 章所示。\n\n**练习 1.1** 做。")})
    assert book.check(tmp_path) == [
        "a.qmd, line 4 (en): hand-written number 'chapter 4': refer with @sec-..., which Quarto numbers",
        "a.qmd, line 6 (en): hand-written number 'Exercise 1.1': make it a ::: {#exr-...} div, which Quarto numbers",
        "a.qmd, line 12 (zh): hand-written number '第 4 章': refer with @sec-..., which Quarto numbers",
        "a.qmd, line 14 (zh): hand-written number '练习 1.1': make it a ::: {#exr-...} div, which Quarto numbers"]


def test_check_reads_captions_and_summaries_of_code_cells_in_their_language(tmp_path):
    cell = '#| code-fold: true\n#| code-summary: "Solution 1.1"\n#| code-summary-zh: "参考答案"\nx = 1'
    small_book(tmp_path, {"c.ipynb": notebook(("markdown", pair("# C {#sec-c}", "# 丙 {#sec-c}")), ("code", cell))})
    assert book.check(tmp_path) == [
        "c.ipynb cell 1 (en): hand-written number 'Solution 1.1': make it a ::: {#exr-...} div, which Quarto numbers"]


BIB = """@comment{written by hand}
@string{acl = "ACL"}
@article{vaswani2017,
  title = {Attention Is All You Need},
}
@Book{ raschka:2024 , title = {Build a Large Language Model}}
"""


def test_bib_keys():
    assert book.bib_keys(BIB) == ["vaswani2017", "raschka:2024"]


def test_citations_leave_out_cross_references_emails_and_code():
    text = "As [@vaswani2017, p. 3] and @raschka:2024. showed (@fig-a, [-@sec-b]); mail a@b.org; `@decorator`."
    assert book.citations(book.prose_text(text)) == {"vaswani2017", "raschka:2024"}


@pytest.mark.parametrize("cite,bib,expected", [
    ("[@vaswani2017] and @raschka:2024", BIB, []),
    ("[@vaswani2017] and @radford2019", BIB, [
        "a.qmd, line 4 (en): citation @radford2019 is not in refs.bib: add the entry, or fix the key",
        "refs.bib: entry raschka:2024 is never cited in the en text: cite it (@raschka:2024 or [@raschka:2024]) or remove it"]),
    ("[@vaswani2017]", None, ["_quarto.yml: the bibliography refs.bib does not exist: add it, or remove it from `bibliography:`"]),
])
def test_check_wants_citations_and_bibliography_entries_to_match(tmp_path, cite, bib, expected):
    if bib:
        (tmp_path / "refs.bib").write_text(bib)
    small_book(tmp_path, {"a.qmd": pair(f"# A {{#sec-a}}\n\n{cite}", "# 甲 {#sec-a}\n\n[@vaswani2017] 与 @raschka:2024")},
               bibliography="refs.bib")
    assert book.check(tmp_path) == expected


def test_check_has_no_citations_to_check_without_a_bibliography(tmp_path):
    small_book(tmp_path, {"a.qmd": pair("# A {#sec-a}\n\n@someone said", "# 甲 {#sec-a}\n\n@someone 说")})
    assert book.check(tmp_path) == []


def test_bibliography_merges_profiles_as_quarto_does(tmp_path):
    (tmp_path / "_quarto.yml").write_text(yaml.safe_dump({"bibliography": ["a.bib"]}))
    (tmp_path / "_quarto-en.yml").write_text(yaml.safe_dump({"bibliography": ["b.bib", "a.bib"]}))
    (tmp_path / "_quarto-zh.yml").write_text(yaml.safe_dump({"bibliography": "zh.bib", "nocite": "@*"}))
    assert book.bibliography(tmp_path, "en") == ("_quarto.yml and _quarto-en.yml", ["a.bib", "b.bib"], False)
    assert book.bibliography(tmp_path, "zh") == ("_quarto.yml and _quarto-zh.yml", ["zh.bib"], True)


def test_check_wants_a_space_before_a_reference_after_chinese(tmp_path):
    (tmp_path / "_quarto.yml").write_text(yaml.safe_dump({"book": {"chapters": ["a.qmd"]}}))
    shutil.copy(ROOT / "glossary.yml", tmp_path / "glossary.yml")
    body = f"{EN}\n# A {{#sec-a}}\n\nSee @sec-a.\n:::\n\n{ZH}\n# 甲 {{#sec-a}}\n\n见@sec-a，也见 @sec-a。\n:::\n"
    (tmp_path / "a.qmd").write_text(body, encoding="utf-8")
    found = [p for p in book.check(tmp_path) if "space before the @" in p]
    assert len(found) == 1 and "(zh)" in found[0]


WIDGET = ('::: {{#fig-w}}\n:::: {{.content-visible when-format="html"}}\n```{{=html}}\n<div class="w"></div>\n'
          '<link rel="stylesheet" href="../interactive/w.css">\n<script src="{src}"></script>\n```\n::::\n{pdf}\n'
          'A widget.\n:::\n\n@fig-w shows it.')
FOR_PRINT = ':::: {.content-visible unless-format="html"}\n![](../p.png)\n::::\n'


@pytest.mark.parametrize("src,pdf,resources,expected,lines", [
    ("../interactive/w.js", FOR_PRINT, ["interactive"], None, []),
    ("../interactive/w.js", FOR_PRINT, ["interactive/"], None, []),
    ("../interactive/gone.js", FOR_PRINT, ["interactive"], "<script> loads ../interactive/gone.js, which does not exist", [9]),
    ("../interactive/w.js", FOR_PRINT, [], "which Quarto is not told to copy: list interactive under `project: resources`", [8, 9]),
    ("../widgets/w.js", FOR_PRINT, ["interactive", "widgets"], "outside the folders tools/book.py copies", [9]),
    ("https://cdn.jsdelivr.net/npm/d3@7", FOR_PRINT, ["interactive"], "from the network", [9]),
    ("../interactive/w.js", "", ["interactive"], "figure fig-w has raw HTML but nothing for the PDF", [4]),
])
def test_check_follows_what_interactive_figures_load(tmp_path, src, pdf, resources, expected, lines):
    for name in ("interactive/w.js", "interactive/w.css", "widgets/w.js", "p.png"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("")
    page = WIDGET.format(src=src, pdf=pdf)
    small_book(tmp_path, {"nbs/a.qmd": pair("# A {#sec-a}\n\n" + page, "# 甲 {#sec-a}\n\n" + page)},
               project={"resources": resources})
    found = book.check(tmp_path)
    assert all(expected in f for f in found), found
    # at the line of the include (or of the figure), in each language's book
    zh_offset = page.count("\n") + 6  # the en passage, its closing fence, a blank line, the zh fence
    assert [f.split(":")[0] for f in found] == [f"nbs/a.qmd, line {n} (en)" for n in lines] + \
        [f"nbs/a.qmd, line {n + zh_offset} (zh)" for n in lines], found
