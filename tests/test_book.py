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


def test_printing_cells_have_stored_outputs():
    "The book shows stored outputs: a notebook converted or edited without re-executing it loses them."
    missing = []
    for src in book.chapter_paths():
        if not src.endswith(".ipynb"):
            continue
        for n, cell in enumerate(json.loads((ROOT / src).read_text(encoding="utf-8"))["cells"]):
            text = "".join(cell["source"])
            # eval: false cells never run, and gpu cells only where CUDA is; slow cells are stored
            # by `make outputs LLMSCRATCH_TEST_FLAGS=slow`
            if cell["cell_type"] != "code" or re.search(r"^#\|\s*(eval:\s*false|gpu)", text, re.M):
                continue
            if re.search(r"^(print\(|plt\.show\(\))", text, re.M) and not cell.get("outputs"):
                missing.append(f"{src} cell {n}: {text.splitlines()[-1][:60]!r}")
    assert not missing, "run `make outputs` (or nbdev-test --save) for:\n" + "\n".join(missing)


def fake_quarto(folder: Path, log: Path) -> Path:
    "A `quarto` that logs its arguments and writes what `quarto render` would: the site, and the PDF."
    script = folder / "quarto"
    script.write_text(f"""#!{sys.executable}
import pathlib, sys, yaml
args = sys.argv[1:]
with open({str(log)!r}, "a") as f:
    f.write(" ".join(args) + "\\n")
tree, lang = pathlib.Path(args[1]), args[args.index("--profile") + 1]
out = tree / "_book" / lang
out.mkdir(parents=True)
(out / "index.html").write_text("site")
if "--to" not in args:  # every format of the project
    name = yaml.safe_load((tree / f"_quarto-{{lang}}.yml").read_text(encoding="utf-8"))["book"]["output-file"]
    (out / (name + ".pdf")).write_text("pdf")
""")
    script.chmod(0o755)
    return script


@pytest.mark.parametrize("tools", [{"xelatex", "rsvg-convert"}, {"rsvg-convert"}])
def test_render_makes_the_pdf_only_where_latex_is(tmp_path, monkeypatch, capsys, tools):
    log = tmp_path / "calls.txt"
    quarto = fake_quarto(tmp_path, log)
    monkeypatch.setattr(book.shutil, "which",
                        lambda name: str(quarto) if name == "quarto" else (f"/usr/bin/{name}" if name in tools else None))
    assert book.render(ROOT, out=tmp_path) == 0
    calls = log.read_text().splitlines()
    assert [c.split()[2:4] for c in calls] == [["--profile", "en"], ["--profile", "zh"]]
    printed = capsys.readouterr().out
    for lang in book.LANGS:
        assert (tmp_path / "_book" / lang / "index.html").is_file()
        pdf = tmp_path / "_book" / lang / f"llmscratch-{lang}.pdf"
        assert pdf.is_file() == ("xelatex" in tools)
    if "xelatex" in tools:
        assert all("--to" not in c for c in calls)
    else:
        assert all(c.endswith("--to html") for c in calls)
        assert "The PDF is left out" in printed and "texlive-xetex" in printed


def test_pdf_settings_reach_the_processed_tree(tmp_path):
    pdf = book.book_config()["format"]["pdf"]
    assert pdf["pdf-engine"] == "xelatex" and "CJK" in pdf["CJKmainfont"]
    tree = book.build("zh", ROOT, tmp_path / "zh")
    assert "breaklines" in (tree / pdf["include-in-header"]).read_text()
