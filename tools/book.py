"""Build and check the bilingual book.

The sources hold both languages: every prose passage is a pair of Quarto fenced divs,
``::: {.content-visible when-profile="en"}`` then ``... when-profile="zh"}``. Rendering a
language needs more than Quarto's profile filter (chapter titles in the sidebar are read before
any filter runs, and nbdev directives are not Quarto options), so ``build`` writes one processed
tree per language to ``_proc/<lang>/``:

- only that language's blocks are kept (``when-profile`` divs of the other language are dropped),
- nbdev directives become Quarto cell options (``#| export`` is dropped so the code shows,
  ``#| hide`` becomes ``#| include: false``, test flags are dropped),
- a cell option ``X-zh`` replaces ``X`` in the Chinese book (``fig-cap-zh``, ``code-summary-zh``),
- a link to the same page in the other language goes under each page title,
- the glossary table is written from ``glossary.yml``.

``check`` finds what would break the book without needing Quarto, in each language's book: missing
chapters or images, an interactive figure whose scripts are missing or would not reach the website
(or that has nothing for the PDF), a cross-reference without a target or to an unnumbered heading
(Quarto prints ``?@sec-...``), a figure never cited or without a caption in both languages, a plot
not drawn in both languages (``build`` keeps each language's drawing), a word
the reference prints again ("Appendix @sec-x"), hand-written chapter and exercise numbers, citations
that do not match the bibliography, a passage without both languages, a directive that would leak.

``render`` renders both languages with Quarto (from PATH, else the virtual environment's, else
installed there from PyPI): the website, and the PDF when XeLaTeX and rsvg-convert are installed.
It fails without Quarto, and when Quarto warns or the PDF shows an unresolved reference (``?@``).

Usage: ``python tools/book.py check | build | render``.
"""
from __future__ import annotations

import argparse
import copy
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import yaml

ROOT = Path(__file__).resolve().parents[1]
LANGS = ("en", "zh")
OTHER = {"en": "zh", "zh": "en"}
SWITCH_TEXT = {"en": "阅读中文版", "zh": "Read in English"}

# Files and folders copied into each processed tree besides the chapters.
SUPPORT = ["_quarto.yml", "_quarto-en.yml", "_quarto-zh.yml", "styles.css", "images", "latex", "references.bib",
           "interactive"]

# What the PDF needs besides Quarto: why, and the Debian packages that provide it (those the
# book's PDF was made with; Noto Serif CJK SC is the CJKmainfont of _quarto.yml).
PDF_TOOLS = {
    "xelatex": ("XeLaTeX with Chinese support", "texlive-xetex texlive-lang-chinese texlive-latex-extra "
                "texlive-fonts-recommended lmodern fonts-noto-cjk"),
    "rsvg-convert": ("it turns the SVG figures into PDF", "librsvg2-bin"),
}

# nbdev directives and what they become; None drops the line.
NBDEV_DIRECTIVES = {
    "default_exp": None, "export": None, "exports": None, "exporti": None,
    "slow": None, "gpu": None, "notest": None,
    "hide": "include: false",
}
# Quarto cell options the book may use (https://quarto.org/docs/reference/cells/cells-jupyter.html).
QUARTO_OPTIONS = {
    "label", "echo", "eval", "output", "include", "warning", "error", "code-fold",
    "code-summary", "code-overflow", "code-line-numbers", "fig-cap", "fig-alt", "fig-width",
    "fig-height", "fig-align", "fig-subcap", "layout-ncol", "tbl-cap", "lst-label", "lst-cap",
}
# Cell options whose text the reader sees: `check` reads them as prose.
PROSE_OPTIONS = ("fig-cap", "fig-subcap", "fig-alt", "tbl-cap", "lst-cap", "code-summary")

_LANG_OPEN = re.compile(r'^(:{3,})\s*\{\s*\.content-visible\s+when-profile="(\w+)"\s*\}\s*$')
_DIV_OPEN = re.compile(r"^:{3,}\s*(\{.*\}|[\w-]+.*)$")
_DIV_CLOSE = re.compile(r"^:{3,}\s*$")
_CODE_FENCE = re.compile(r"^\s*(```+|~~~+)")
_DIRECTIVE = re.compile(r"^#\|\s*([\w-]+)\s*:?\s*(.*?)\s*$")
# Quarto's cross-reference prefixes (https://quarto.org/docs/authoring/cross-references.html):
# `@key` with one of them is a cross-reference, any other `@key` a citation.
XREF_PREFIXES = ("fig", "tbl", "lst", "eq", "sec", "thm", "lem", "cor", "prp", "cnj", "def", "exm",
                 "exr", "sol", "rem", "alg", "tip", "nte", "wrn", "imp", "cau")
_PREFIX = "|".join(XREF_PREFIXES)
# After an ASCII letter or digit an @ is part of an e-mail address. After a CJK character
# (见@sec-x) the book asks for a space (_GLUED_REF): Pandoc starts a citation or reference only
# where a word does not go on, and a Chinese character counts as part of a word.
_AT = r"(?<![A-Za-z0-9_@\\/.])-?@"
_GLUED_REF = re.compile(r"[\u3400-\u9fff]-?@[A-Za-z]")
_XREF = re.compile(_AT + rf"((?:{_PREFIX})-[\w-]*\w)")
_LABEL_MD = re.compile(rf"\{{#((?:{_PREFIX})-[\w-]*\w)([^}}]*)\}}")
_MD_FIGURE = re.compile(r"!\[((?:[^\[\]]|\[[^\]]*\])*)\][^{\n]*\{#(fig-[\w-]*\w)")
_CITE = re.compile(_AT + r"\{?([A-Za-z0-9_][\w:.#$%&+?<>~/-]*)")
_BIB_ENTRY = re.compile(r"^\s*@(\w+)\s*[{(]\s*([^,\s]+)\s*,", re.M)
# The words a reference prints itself ("Appendix A", "附录 A", "Figure 3", "图 3"), right before one.
_DOUBLED = {
    "en": re.compile(r"\b(?i:appendix|appendices|chapters?|sections?|figures?|fig\.|tables?|"
                     r"listings?|equations?|eq\.|exercises?|solutions?)\s+\[?@" + rf"(?:{_PREFIX})-[\w-]*\w"),
    "zh": re.compile(r"(?:附录|第|图|表|小节|章节|代码清单|公式|练习|习题|解答)\s*\[?@"
                     + rf"(?:{_PREFIX})-[\w-]*\w"),
}
# Hand-written numbers: "Chapter 5", "appendix D's", "Exercise 5.1", "附录 A", "第 5 章", "练习 5.1".
# A number ends where no word character or ".digit" follows, so "Section 3.2" is one match.
_NUM = r"(?:[A-Z]|\d+)(?:\.\d+)*(?!\w|\.\d)"
_EXERCISE = re.compile(r"(?i:exercises?|solutions?)|练习|习题|解答|答案")
_HAND_NUMBER = {
    "en": re.compile(r"\b(?i:appendix|appendices|chapters?|sections?|exercises?|solutions?|"
                     r"figures?|tables?)\s+" + _NUM),
    "zh": re.compile(r"附录\s*[A-Z](?![A-Za-z])|第\s*(?:\d+|[一二三四五六七八九十]+)\s*[章节]"
                     r"|(?:练习|习题|解答|答案|图|表|小节)\s*(?:[A-Z]|\d+)\.\d+|\d+\.\d+\s*节"),
}
_IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)")
_IMG_TAG = re.compile(r"<img[^>]+src=\"([^\"]+)\"")
# What an interactive figure's raw HTML loads: scripts and stylesheets, each a file of the repository.
_INCLUDE = re.compile(r"<(script|link)\b[^>]*?\b(?:src|href)=\"([^\"]+)\"")
_FIG_DIV = re.compile(r"^:{3,}\s*\{#(fig-[\w-]*\w)[^}]*\}\s*$")
_FOR_PRINT = re.compile(r'unless-format="html"|when-format="(?:pdf|latex)"')
_H1 = re.compile(r"^# .+$", re.M)
_PAGE = re.compile(r"^\s*\[\s*\d+\s*/\s*\d+\s*\]\s+(\S+)")  # Quarto's "[ 3/9] nbs/03_attention.ipynb"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


# ---------------------------------------------------------------------------- sources


def book_config(root: Path = ROOT) -> dict:
    return yaml.safe_load((root / "_quarto.yml").read_text(encoding="utf-8"))


def chapter_paths(root: Path = ROOT) -> list[str]:
    """Every file the book lists (chapters, parts' chapters and appendices), in reading order."""
    book = book_config(root)["book"]
    paths = []
    for entry in book.get("chapters", []) + book.get("appendices", []):
        if isinstance(entry, dict):  # a part: {part: title, chapters: [...]}
            paths += entry.get("chapters", [])
            if entry.get("part", "").endswith((".qmd", ".md")):
                paths.append(entry["part"])
        else:
            paths.append(entry)
    return paths


def read_source(path: Path) -> list[tuple[str, str]]:
    """A source file as ``(kind, text)`` blocks: a .qmd is one markdown block, a notebook one per cell."""
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        return [(c["cell_type"], "".join(c["source"])) for c in nb["cells"]]
    return [("markdown", path.read_text(encoding="utf-8"))]


def split_front_matter(text: str) -> tuple[str, str]:
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end != -1:
            cut = text.index("\n", end + 1) + 1 if "\n" in text[end + 1:] else len(text)
            return text[:cut], text[cut:]
    return "", text


# ---------------------------------------------------------------------------- languages


@dataclass
class Passage:
    lang: str
    body: str
    start: int  # 0-based index of the opening fence line
    end: int  # 0-based index of the closing fence line


def _closing_fence(lines: list[str], start: int) -> int:
    """Index of the line that closes the div opened at ``lines[start]``; code blocks are skipped."""
    depth, fence = 1, None
    for j in range(start + 1, len(lines)):
        cur = lines[j]
        if fence:
            if cur.strip().startswith(fence):
                fence = None
        elif cf := _CODE_FENCE.match(cur):
            fence = cf.group(1)
        elif _DIV_CLOSE.match(cur):
            depth -= 1
            if depth == 0:
                return j
        elif _DIV_OPEN.match(cur):
            depth += 1
    raise ValueError(f"line {start + 1}: the div opened here is never closed")


def parse_passages(text: str) -> tuple[list[Passage], list[tuple[int, str]]]:
    """Language divs at the top level of ``text``, and the non-blank lines outside them."""
    passages, stray = [], []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = _LANG_OPEN.match(lines[i])
        if not m:
            if lines[i].strip() and not lines[i].lstrip().startswith("<!--"):
                stray.append((i + 1, lines[i]))
            i += 1
            continue
        end = _closing_fence(lines, i)
        body = "\n".join(lines[i + 1:end]).strip("\n")
        passages.append(Passage(m.group(2), body, i, end))
        i = end + 1
    return passages, stray


def select_language(text: str, lang: str) -> str:
    """``text`` with the divs of ``lang`` unwrapped and those of the other language removed."""
    passages, _ = parse_passages(text)
    if not passages:
        return text
    lines, out, i = text.split("\n"), [], 0
    for p in passages:
        out += lines[i:p.start]
        if p.lang == lang:
            out.append(p.body)
        i = p.end + 1
    out += lines[i:]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n") + "\n"


# ---------------------------------------------------------------------------- code cells


def process_code(source: str, lang: str) -> str | None:
    """A code cell's source for the ``lang`` book, or None when nothing is left to show."""
    options: dict[str, str] = {}
    localized: dict[str, str] = {}
    lines = source.split("\n")
    k = 0
    while k < len(lines) and lines[k].startswith("#|"):
        m = _DIRECTIVE.match(lines[k])
        if not m:
            raise ValueError(f"unreadable cell option {lines[k]!r}")
        key, value = m.groups()
        k += 1
        if key in NBDEV_DIRECTIVES:
            if NBDEV_DIRECTIVES[key]:
                name, value = NBDEV_DIRECTIVES[key].split(": ")
                options[name] = value
            continue
        base = key.removesuffix("-zh")
        if base not in QUARTO_OPTIONS:
            raise ValueError(f"unknown cell option {key!r}: use a Quarto option "
                             f"({', '.join(sorted(QUARTO_OPTIONS))}) or an nbdev directive")
        (localized if key.endswith("-zh") else options)[base] = value
    if lang == "zh":
        options.update(localized)
    body = "\n".join(lines[k:])
    if not body.strip():
        return None
    return "".join(f"#| {key}: {value}\n" for key, value in options.items()) + body


# ---------------------------------------------------------------------------- pages


def page_url(src: str) -> str:
    return str(Path(src).with_suffix(".html"))


def switch_link(src: str, lang: str) -> str:
    depth = len(Path(src).parts) - 1
    target = "../" * (depth + 1) + f"{OTHER[lang]}/" + page_url(src)
    return (f'::: {{.content-visible when-format="html"}}\n'
            f"[{SWITCH_TEXT[lang]}]({target}){{.lang-switch hreflang=\"{OTHER[lang]}\"}}\n:::")


def add_switch(markdown: str, src: str, lang: str) -> str:
    """Put the link to the other language right under the page's first-level title."""
    m = _H1.search(markdown)
    link = switch_link(src, lang)
    if not m:
        return link + "\n\n" + markdown
    return markdown[:m.end()] + "\n\n" + link + "\n" + markdown[m.end():]


def glossary_entries(root: Path = ROOT) -> list[dict]:
    return yaml.safe_load((root / "glossary.yml").read_text(encoding="utf-8")) or []


def glossary_table(lang: str, root: Path = ROOT) -> str:
    entries = sorted(glossary_entries(root), key=lambda e: e["en"].lower())
    if lang == "zh":
        rows = ["| 中文术语 | English | 释义 |", "|---|---|---|"]
        rows += [f"| {e['zh']} | {e['en']} | {e['def_zh']} |" for e in entries]
    else:
        rows = ["| English | 中文术语 | Definition |", "|---|---|---|"]
        rows += [f"| {e['en']} | {e['zh']} | {e['def_en']} |" for e in entries]
    return "\n".join(rows)


def process_markdown(text: str, src: str, lang: str, first: bool, root: Path) -> str:
    out = select_language(text, lang)
    if "<!-- glossary-table -->" in out:
        out = out.replace("<!-- glossary-table -->", glossary_table(lang, root))
    if first:
        out = add_switch(out, src, lang)
    return out


def output_language(output: dict) -> str | None:
    """The language a cell output was drawn for: ``draw_in_both_languages`` (``llmscratch.plots``)
    shows every figure once per language and tags each drawing in its metadata; None for the rest."""
    return ((output.get("metadata") or {}).get("llmscratch") or {}).get("lang")


def process_notebook(nb: dict, src: str, lang: str, root: Path = ROOT) -> dict:
    nb = copy.deepcopy(nb)
    cells, titled = [], False
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            text = process_markdown(text, src, lang, not titled and bool(_H1.search(
                select_language(text, lang))), root)
            titled = titled or bool(_H1.search(text))
        elif cell["cell_type"] == "code":
            text = process_code(text, lang)
            if text is None:
                continue
            cell["outputs"] = [o for o in cell.get("outputs", []) if output_language(o) in (None, lang)]
        cell["source"] = text.splitlines(keepends=True)
        cells.append(cell)
    nb["cells"] = cells
    return nb


def build(lang: str, root: Path = ROOT, dest: Path | None = None) -> Path:
    """Write the processed source tree of one language; returns its folder."""
    dest = dest or root / "_proc" / lang
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name in SUPPORT:
        p = root / name
        if p.is_dir():
            shutil.copytree(p, dest / name, ignore=shutil.ignore_patterns("src", "*.py"))
        elif p.exists():
            shutil.copy2(p, dest / name)
    for src in chapter_paths(root):
        path, out = root / src, dest / src
        out.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".ipynb":
            nb = process_notebook(json.loads(path.read_text(encoding="utf-8")), src, lang, root)
            out.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        else:
            front, body = split_front_matter(path.read_text(encoding="utf-8"))
            out.write_text(front + process_markdown(body, src, lang, True, root), encoding="utf-8")
    return dest


# ---------------------------------------------------------------------------- checks


def language_problems(src: str, blocks: list[tuple[str, str]]) -> list[str]:
    """Prose outside a language div, or a passage without its partner in the other language."""
    problems = []
    for n, (kind, text) in enumerate(blocks):
        if kind != "markdown":
            continue
        where = f"{src} cell {n}" if src.endswith(".ipynb") else src
        _, body = split_front_matter(text)
        try:
            passages, stray = parse_passages(body)
        except ValueError as e:
            problems.append(f"{where}: {e}")
            continue
        for line, content in stray:
            problems.append(f"{where}, line {line}: text outside a language div: {content[:60]!r}")
        langs = [p.lang for p in passages]
        if langs != ["en", "zh"] * (len(langs) // 2) or len(langs) % 2:
            problems.append(f"{where}: passages must come in en, zh pairs, found {langs}")
        for p in passages:
            if p.lang not in LANGS:
                problems.append(f"{where}, line {p.start + 1}: unknown language {p.lang!r}")
            elif not p.body.strip():
                problems.append(f"{where}, line {p.start + 1}: the {p.lang} passage is empty")
    return problems


def cell_options(source: str) -> dict[str, str]:
    """The ``#|`` options at the top of a code cell, quoted values unquoted (``"A plot"`` is ``A plot``)."""
    options = {}
    for line in source.split("\n"):
        if not line.startswith("#|"):
            break
        if m := _DIRECTIVE.match(line):
            key, value = m.groups()
            try:
                parsed = yaml.safe_load(value) if value else ""
            except yaml.YAMLError:
                parsed = value
            options[key] = parsed if isinstance(parsed, str) else value
    return options


def option_prose(options: dict[str, str], lang: str) -> str:
    """What a reader of ``lang`` sees of a code cell's options: its captions and summaries."""
    texts = []
    for key in PROSE_OPTIONS:
        value = options.get(f"{key}-zh") if lang == "zh" else None
        texts.append(value or options.get(key) or "")
    return "\n".join(t for t in texts if t)


def prose_text(markdown: str) -> str:
    """``markdown`` without what is not prose: code blocks, inline code, URLs, link targets, comments.

    What is removed leaves its line breaks, so a position in the result is on the same line.
    """
    lines, fence = [], None
    for line in markdown.split("\n"):
        if fence:
            fence = None if line.strip().startswith(fence) else fence
            line = ""
        elif cf := _CODE_FENCE.match(line):
            fence, line = cf.group(1), ""
        lines.append(line)
    text = re.sub(r"<!--.*?-->", lambda m: "\n" * m.group(0).count("\n"), "\n".join(lines), flags=re.S)
    text = re.sub(r"(`+)(?!`).+?(?<!`)\1(?!`)", " ", text)  # inline code
    text = re.sub(r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)", "]", text)  # where a link or an image points
    return re.sub(r"<?\bhttps?://[^\s>)]+>?", " ", text)


def hand_numbers(prose: str, lang: str) -> list[tuple[int, str]]:
    """Chapter, appendix, section, figure and exercise numbers written by hand in ``prose``.

    Quarto numbers chapters and letters appendices itself, in the order `_quarto.yml` lists
    them, so a hand-written "Appendix A", "chapter 4's", "第 5 章" or "Exercise 5.1" goes
    stale as soon as the book is reordered: refer with ``@sec-...``, and write exercises as
    ``::: {#exr-...}`` divs. Only a capital letter counts as an appendix letter ("appendix a"
    is English), and ``prose`` should come from `prose_text` (no code, no URLs). Returns each
    number with its position in ``prose``.
    """
    return [(m.start(), m.group(0)) for m in _HAND_NUMBER[lang].finditer(prose)]


def doubled_reference_words(prose: str, lang: str) -> list[tuple[int, str]]:
    """A word in ``prose`` that a cross-reference right after it prints again.

    ``@sec-x`` already reads "Appendix A" (附录 A), ``@fig-x`` "Figure 3" (图 3): "Appendix
    @sec-x" renders as "Appendix Appendix A". ``Appendix -@sec-x`` (number only) is fine.
    Returns each word and reference with its position in ``prose``.
    """
    return [(m.start(), m.group(0)) for m in _DOUBLED[lang].finditer(prose)]


def citations(prose: str) -> set[str]:
    """The citation keys in ``prose`` (``@key``, ``[@key, p. 3]``, ``[-@key]``), cross-references left out."""
    keys = {m.group(1).rstrip(":.#$%&-+?<>~/") for m in _CITE.finditer(prose)}
    return {k for k in keys if not (k.split("-")[0] in XREF_PREFIXES and "-" in k)}


def bib_keys(text: str) -> list[str]:
    """The entry keys of a BibTeX file (``@article{vaswani2017, ...}``), in file order.

    ``@string``, ``@preamble`` and ``@comment`` define no entry. This is all the check needs,
    so no BibTeX parser is pulled in.
    """
    return [key for kind, key in _BIB_ENTRY.findall(text)
            if kind.lower() not in ("string", "preamble", "comment")]


def bibliography(root: Path, lang: str) -> tuple[str, list[str], bool]:
    """The config that names the ``lang`` book's bibliography, its files, and whether it cites them all.

    Merged as Quarto merges a profile over _quarto.yml: lists are joined, a single value replaces.
    ``nocite: "@*"`` puts every entry in the bibliography, cited or not.
    """
    names, files, cite_all = [], [], False
    for name in ("_quarto.yml", f"_quarto-{lang}.yml"):
        path = root / name
        config = (yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None) or {}
        value = config.get("bibliography")
        if value:
            names.append(name)
            joined = isinstance(value, list) and isinstance(files, list) and files
            files = files + [f for f in value if f not in files] if joined else \
                ([value] if isinstance(value, str) else list(value))
        cite_all = cite_all or "@*" in str(config.get("nocite", ""))
    return " and ".join(names), files, cite_all


def citation_problems(root: Path, lang: str, cited: dict[str, list[str]]) -> list[str]:
    """Citations without a bibliography entry, entries never cited, bibliography files missing."""
    config, files, cite_all = bibliography(root, lang)
    if not files:
        return []
    problems, keys = [], {}
    for name in files:
        path = root / name
        if not path.exists():
            problems.append(f"{config}: the bibliography {name} does not exist: add it, or remove "
                            f"it from `bibliography:`")
            continue
        for key in bib_keys(path.read_text(encoding="utf-8")):
            keys.setdefault(key, name)
    if problems:
        return problems  # without every file, which citations are missing is unknown
    for key, wheres in sorted(cited.items()):
        if key not in keys:
            problems += [f"{w} ({lang}): citation @{key} is not in {', '.join(files)}: add the entry, "
                         f"or fix the key" for w in wheres]
    for key, name in keys.items():
        if key not in cited and not cite_all:
            problems.append(f"{name}: entry {key} is never cited in the {lang} text: cite it "
                            f"(@{key} or [@{key}]) or remove it")
    return problems


def language_parts(text: str, lang: str) -> list[tuple[int, str]]:
    """The ``lang`` passages of ``text``, each with the 0-based line it starts on; all of ``text``
    when it has no language divs. What `select_language` keeps, with line numbers."""
    try:
        passages, _ = parse_passages(text)
    except ValueError:  # an unclosed div: language_problems reports it
        return []
    if not passages:
        return [(0, text)]
    lines = text.split("\n")
    return [(p.start + 1, "\n".join(lines[p.start + 1:p.end])) for p in passages if p.lang == lang]


def _where(src: str, n: int) -> str:
    return f"{src} cell {n}" if src.endswith(".ipynb") else src


def _unnumbered(attributes: str) -> bool:
    return bool(re.search(r"(?:^|\s)(?:\.unnumbered|-)(?:\s|$)", attributes))


@dataclass
class Target:
    where: str
    numbered: bool


def _link_advice(where: str, target: Target, key: str) -> str:
    """How to point at an unnumbered page: a plain link, relative to the page that refers to it."""
    here, there = (re.split(r",| cell ", w)[0] for w in (where, target.where))
    link = os.path.relpath(there, os.path.dirname(here) or ".")
    return f"link to it, e.g. [its title]({link}#{key}), or number that heading"


@dataclass
class LanguageBook:
    """What `check` gathers from one language's book, and the problems it finds on the way.

    Each language book holds only its own text, so labels, references and citations are
    collected, and resolved, per language.
    """
    lang: str
    problems: list[str] = field(default_factory=list)
    targets: dict[str, Target] = field(default_factory=dict)
    refs: dict[str, list[str]] = field(default_factory=dict)  # key: where it is cited
    cited: dict[str, list[str]] = field(default_factory=dict)
    figures: dict[str, str] = field(default_factory=dict)

    def define(self, label: str, where: str, numbered: bool = True):
        if label in self.targets:
            self.problems.append(f"{where} ({self.lang}): label {label} is defined again (first in "
                                 f"{self.targets[label].where}): labels must be unique")
        self.targets.setdefault(label, Target(where, numbered))
        if label.startswith("fig-"):
            self.figures.setdefault(label, where)

    def read(self, prose: str, where: Callable[[int], str]):
        """Collect the references and citations of ``prose`` and check its wording;
        ``where(pos)`` names the place of a position in ``prose``."""
        lang = self.lang
        for m in _XREF.finditer(prose):
            if where(m.start()) not in self.refs.setdefault(m.group(1), []):
                self.refs[m.group(1)].append(where(m.start()))
        for m in _CITE.finditer(prose):
            for key in citations(m.group(0)):
                if where(m.start()) not in self.cited.setdefault(key, []):
                    self.cited[key].append(where(m.start()))
        for m in _GLUED_REF.finditer(prose):
            self.problems.append(f"{where(m.start())} ({lang}): {prose[m.start():m.start() + 12]!r}: put a "
                                 "space before the @, or Pandoc reads the reference as part of the word")
        for pos, words in doubled_reference_words(prose, lang):
            key = words[words.index("@") + 1:]
            self.problems.append(f"{where(pos)} ({lang}): {words!r} prints the word twice (the "
                                 f"reference carries it): write @{key} alone")
        for pos, number in hand_numbers(prose, lang):
            fix = ("make it a ::: {#exr-...} div, which Quarto numbers" if _EXERCISE.match(number)
                   else "refer with @sec-..., which Quarto numbers")
            self.problems.append(f"{where(pos)} ({lang}): hand-written number {number!r}: {fix}")

    def read_markdown(self, text: str, where: Callable[[int], str], path: Path, avoid: list,
                      root: Path | None = None):
        """Labels, figure captions, images, interactive includes and glossary terms of a passage, then
        `read` its prose. `root` is the book's folder (for the includes; default: `path`'s folder)."""
        prose, lang = prose_text(text), self.lang
        self.problems += [f"{where(_same_line(prose, text, pos))} ({lang}): {problem}"
                          for pos, problem in interactive_problems(text, path, root or path.parent)]
        for m in _LABEL_MD.finditer(prose):
            self.define(m.group(1), where(m.start()), not _unnumbered(m.group(2)))
        for m in _MD_FIGURE.finditer(prose):
            if not m.group(1).strip():
                self.problems.append(f"{where(m.start())} ({lang}): figure {m.group(2)} has an empty "
                                     f"caption: write it between the brackets, ![caption](...)")
        for target in _IMAGE.findall(text) + _IMG_TAG.findall(text):
            if not re.match(r"^(https?:|data:|attachment:)", target) and \
                    not (path.parent / target.split("#")[0]).exists():
                self.problems.append(f"{where(0)} ({lang}): image {target} does not exist: add it or fix the path")
        if lang == "zh":
            for word, term in avoid:
                if word in prose:
                    self.problems.append(f"{where(prose.index(word))}: the Chinese text uses "
                                         f"{word!r}; the glossary term is {term!r}")
        self.read(prose, where)

    def resolve(self) -> list[str]:
        """Everything gathered, checked: references without a (numbered) target, figures never cited."""
        problems, lang = self.problems, self.lang
        for key, wheres in self.refs.items():
            target = self.targets.get(key)
            for where in wheres:
                if not target:
                    problems.append(f"{where} ({lang}): cross-reference @{key} has no target: fix "
                                    f"the key or label the heading, figure or div {{#{key}}}")
                elif not target.numbered:
                    problems.append(f"{where} ({lang}): @{key} points to an unnumbered heading "
                                    f"({target.where}), which Quarto cannot resolve (it prints "
                                    f"?@{key}): " + _link_advice(where, target, key))
        for label, where in self.figures.items():
            if label not in self.refs:
                problems.append(f"{where} ({lang}): figure {label} is never cited: refer to it "
                                f"with @{label} in the {lang} text")
        return problems


def _same_line(prose: str, text: str, pos: int) -> int:
    "The position in `prose` (from `prose_text(text)`, which keeps the lines) where the line of `text[pos]` starts."
    line = text.count("\n", 0, pos)
    return sum(len(row) + 1 for row in prose.split("\n")[:line])


def resources(root: Path) -> list[str]:
    "The globs of `project: resources` in _quarto.yml: files Quarto copies into the website as they are."
    value = ((book_config(root) or {}).get("project") or {}).get("resources") or []
    return [value] if isinstance(value, str) else list(value)


def _is_resource(rel: str, globs: list[str]) -> bool:
    # Quarto's rule (resolvePathGlobs): a folder stands for everything in it, a trailing / too
    for g in globs:
        g = g.strip("/")
        if fnmatch.fnmatch(rel, g) or rel.startswith(g + "/") or fnmatch.fnmatch(rel, g + "/*"):
            return True
    return False


def interactive_problems(text: str, path: Path, root: Path) -> list[tuple[int, str]]:
    """What would break an interactive figure of `text`, a passage of the page `path`: a script or
    stylesheet that its raw HTML loads and that is missing, outside the folders `build` copies
    (SUPPORT) or not copied into the website (`project: resources`); a figure whose content is
    only for the website, with nothing for the PDF. Returns each problem with its position in `text`."""
    problems, globs = [], None
    for m in _INCLUDE.finditer(text):
        tag, target = m.groups()
        if re.match(r"^(https?:|//|data:)", target):
            problems.append((m.start(), f"<{tag}> loads {target} from the network: the website must "
                                        "work offline; ship the file in the repository"))
            continue
        file = (path.parent / target.split("#")[0].split("?")[0]).resolve()
        try:
            rel = file.relative_to(root.resolve()).as_posix()
        except ValueError:
            rel = None
        if not file.is_file():
            problems.append((m.start(), f"<{tag}> loads {target}, which does not exist: add it (a notebook "
                                        "cell writes the data files) or fix the path"))
        elif rel is None or rel.split("/")[0] not in SUPPORT:
            problems.append((m.start(), f"<{tag}> loads {target}, outside the folders tools/book.py copies "
                                        "into the book (SUPPORT): move it, or add its folder there"))
        else:
            globs = resources(root) if globs is None else globs
            if not _is_resource(rel, globs):
                problems.append((m.start(), f"<{tag}> loads {target}, which Quarto is not told to copy: list "
                                            f"{rel.split('/')[0]} under `project: resources` in _quarto.yml"))
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if m := _FIG_DIV.match(line):
            try:
                body = "\n".join(lines[i + 1:_closing_fence(lines, i)])
            except ValueError:
                continue  # an unclosed div: language_problems reports it
            if "{=html}" in body and not _FOR_PRINT.search(body):
                problems.append((sum(len(l) + 1 for l in lines[:i]),
                                 f"figure {m.group(1)} has raw HTML but nothing for the PDF: add a static "
                                 f'image in a ::: {{.content-visible unless-format="html"}} div'))
    return problems


def _lines_from(where: str, first: int, text: str) -> Callable[[int], str]:
    """Names the line of a position in ``text``, which starts on line ``first`` of ``where``."""
    return lambda pos: f"{where}, line {first + text.count(chr(10), 0, pos)}"


def language_book_problems(root: Path, sources: list[str], lang: str) -> list[str]:
    """The problems of one language's book: its references, figures, citations and wording."""
    book = LanguageBook(lang)
    avoid = [(w, e["zh"]) for e in glossary_entries(root) for w in e.get("avoid_zh", [])]
    for src in sources:
        for n, (kind, text) in enumerate(read_source(root / src)):
            where = _where(src, n)
            if kind == "code":
                options = cell_options(text)
                if label := options.get("label"):
                    book.define(label, where)
                book.read(option_prose(options, lang), lambda pos, where=where: where)
            elif kind == "markdown":
                front, body = split_front_matter(text)
                for first, part in language_parts(body, lang):
                    place = _lines_from(where, first + front.count("\n") + 1, prose_text(part))
                    book.read_markdown(part, place, root / src, avoid, root)
    return book.resolve() + citation_problems(root, lang, book.cited)


def figure_problems(root: Path, sources: list[str]) -> list[str]:
    """Figures without a caption in both languages: a code cell's ``fig-cap`` and ``fig-cap-zh``,
    or a markdown figure in the en div and in the zh div."""
    problems, markdown = [], {lang: {} for lang in LANGS}
    for src in sources:
        for n, (kind, text) in enumerate(read_source(root / src)):
            where = _where(src, n)
            if kind == "code":
                options = cell_options(text)
                if options.get("label", "").startswith("fig-"):
                    for key in ("fig-cap", "fig-cap-zh"):
                        if not options.get(key):
                            problems.append(f"{where}: figure {options['label']} has no {key}: add "
                                            f'#| {key}: "..." to the cell')
            elif kind == "markdown":
                front, body = split_front_matter(text)
                for lang in LANGS:
                    for first, part in language_parts(body, lang):
                        prose = prose_text(part)
                        place = _lines_from(where, first + front.count("\n") + 1, prose)
                        for m in _LABEL_MD.finditer(prose):
                            if m.group(1).startswith("fig-"):
                                markdown[lang].setdefault(m.group(1), place(m.start()))
    for lang in LANGS:
        for label, where in markdown[lang].items():
            if label not in markdown[OTHER[lang]]:
                problems.append(f"{where}: figure {label} is only in the {lang} text: put it, with "
                                f"its caption, in the {OTHER[lang]} div too")
    return problems


_IMAGES = ("image/png", "image/svg+xml", "image/jpeg", "application/pdf")


def plot_problems(root: Path, sources: list[str]) -> list[str]:
    """Plots not drawn in both languages: every image a notebook cell shows must be tagged with the
    language it was drawn for, and each language must get as many drawings as the other."""
    problems = []
    for src in sources:
        if not src.endswith(".ipynb"):
            continue
        cells = json.loads((root / src).read_text(encoding="utf-8"))["cells"]
        for n, cell in enumerate(cells):
            images = [output_language(o) for o in cell.get("outputs", []) if set(o.get("data", {})) & set(_IMAGES)]
            counts = {lang: images.count(lang) for lang in LANGS}
            if images and (len(set(counts.values())) > 1 or sum(counts.values()) < len(images)):
                shown = ", ".join(f"{counts[lang]} {lang}" for lang in LANGS)
                untagged = len(images) - sum(counts.values())
                problems.append(
                    f"{_where(src, n)}: a plot is not drawn in both languages ({shown}"
                    f"{f', {untagged} untagged' if untagged else ''}): call draw_in_both_languages({{...}}) "
                    "before it with the Chinese of its texts, have a Chinese font (fonts-noto-cjk), "
                    "and execute the notebook again")
    return problems


def check(root: Path = ROOT) -> list[str]:
    """Everything that would break the book, as readable lines; empty when all is well."""
    problems = []
    sources = chapter_paths(root)
    for src in sources:
        if not (root / src).exists():
            problems.append(f"_quarto.yml lists {src}, which does not exist")
    sources = [s for s in sources if (root / s).exists()]
    for e in glossary_entries(root):
        missing = {"en", "zh", "def_en", "def_zh"} - e.keys()
        if missing:
            problems.append(f"glossary.yml: entry {e.get('en', e)!r} lacks {sorted(missing)}")
    for src in sources:
        blocks = read_source(root / src)
        problems += language_problems(src, blocks)
        for n, (kind, text) in enumerate(blocks):
            if kind == "code":
                try:
                    process_code(text, "zh")
                except ValueError as e:
                    problems.append(f"{_where(src, n)}: {e}")
    problems += figure_problems(root, sources) + plot_problems(root, sources)
    for lang in LANGS:
        problems += language_book_problems(root, sources, lang)
    for fmt, options in (book_config(root).get("format") or {}).items():
        included = (options or {}).get("include-in-header") or []
        for inc in [included] if isinstance(included, str) else included:
            if isinstance(inc, str) and not ((root / inc).exists() and Path(inc).parts[0] in SUPPORT):
                problems.append(f"_quarto.yml: {fmt} includes {inc}, which is missing or not in SUPPORT")
    return list(dict.fromkeys(problems))  # a problem both languages share, once


# ---------------------------------------------------------------------------- render


def pdf_missing() -> list[str]:
    """The tools the PDF needs that this machine lacks; empty when it has them all."""
    return [tool for tool in PDF_TOOLS if not shutil.which(tool)]


def pdf_install_command(tools: list[str]) -> str:
    """The one command that installs ``tools``: the Debian packages the book's PDF was made with."""
    return "sudo apt-get install " + " ".join(PDF_TOOLS[tool][1] for tool in tools)


def run_streaming(cmd: list) -> tuple[int, list[str]]:
    """Run ``cmd``, passing its output (stdout and stderr, in their order) on as it comes.

    Returns the exit status and the output's lines, colour codes removed, for `quarto_warnings`.
    """
    proc = subprocess.Popen([str(c) for c in cmd], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, encoding="utf-8", errors="replace")
    lines = []
    for line in proc.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        lines.append(_ANSI.sub("", line.rstrip("\n")))
    return proc.wait(), lines


def quarto_warnings(lines: list[str]) -> list[str]:
    """Quarto's ``WARNING`` lines, each named by the page it was rendering.

    Quarto announces each page (``[ 3/9] nbs/03_attention.ipynb``) before that page's messages,
    such as ``WARNING (...) Unable to resolve crossref @sec-x``.
    """
    page, found = "(before the first page)", []
    for line in lines:
        if m := _PAGE.match(line):
            page = m.group(1)
        elif "WARNING" in line:
            found.append(f"{page}: {line.strip()}")
    return found


def pdf_text(pdf: Path) -> tuple[list[str] | None, str]:
    """The text of each page of ``pdf``, read with pdftotext (poppler-utils) or else pypdf, and
    which one read it; None and why when neither can."""
    why = "neither pdftotext (Debian: poppler-utils) nor the Python package pypdf is installed"
    if exe := shutil.which("pdftotext"):
        done = subprocess.run([exe, "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                              text=True, encoding="utf-8", errors="replace")
        if done.returncode == 0:
            return done.stdout.split("\f"), "pdftotext"
        why = f"pdftotext failed: {done.stderr.strip()[:200]}"
    try:
        import pypdf
    except ImportError:
        return None, why
    try:
        return [page.extract_text() or "" for page in pypdf.PdfReader(str(pdf)).pages], "pypdf"
    except Exception as e:  # an unreadable PDF is reported with the rest, not raised
        return None, f"pypdf could not read it: {e}"


def unresolved_references(pages: list[str]) -> list[str]:
    """``?@key`` (Quarto) and ``??`` (LaTeX) in a PDF's text, which is what each prints for a
    reference it could not resolve; one "page N: ..." line each."""
    found = []
    for n, text in enumerate(pages, 1):
        for m in re.finditer(r"\?@[\w:.-]*\w|\?\?", text):
            context = " ".join(text[max(0, m.start() - 30):m.end() + 30].split())
            found.append(f"page {n}: {m.group(0)} in {context!r}")
    return found


def find_quarto(venv: Path) -> tuple[str | None, str]:
    """Quarto: the one on PATH, else the virtual environment's, else PyPI's ``quarto-cli``
    installed into ``venv``. Returns its path, or None and why it could not be had."""
    if found := shutil.which("quarto"):
        return found, ""
    local, python = venv / "bin" / "quarto", venv / "bin" / "python"
    if os.access(local, os.X_OK):
        return str(local), ""
    if not python.exists():
        return None, f"it is not on PATH, and there is no virtual environment {venv} to install it into"
    print(f"Quarto is not on PATH: installing it into {venv} with `{python} -m pip install quarto-cli`",
          flush=True)
    code, _ = run_streaming([python, "-m", "pip", "install", "--disable-pip-version-check", "quarto-cli"])
    if code == 0 and os.access(local, os.X_OK):
        return str(local), ""
    if code:
        return None, (f"it is not on PATH, and `pip install quarto-cli` failed (exit {code}): the "
                      f"package's build downloads Quarto from GitHub, which needs internet")
    return None, f"`pip install quarto-cli` installed no {local}"


def no_quarto_message(why: str, venv: Path) -> str:
    return (f"\nThe book was NOT rendered: Quarto is missing ({why}).\n"
            "Done: the package is exported, the book is checked, and the processed sources are in\n"
            "_proc/en and _proc/zh. To render the book, on a machine with internet run\n"
            f"    {venv}/bin/python -m pip install quarto-cli\n"
            "(or install Quarto from https://quarto.org/docs/get-started/ onto PATH), then `make book`.")


def render(root: Path = ROOT, out: Path | None = None, venv: Path | None = None) -> int:
    """Build both trees and render each with Quarto into `out`/_book/<lang> (`out` defaults to `root`).

    Quarto is found or installed by `find_quarto` (in ``venv``, default `root`/.venv). Every format
    of a profile is rendered in one call, since a render of one format clears the output of the
    others; without the PDF tools, the call is limited to HTML. Fails (returns 1) without Quarto,
    when Quarto fails or warns, and when the PDF shows unresolved references.
    """
    out, venv = out or root, venv or root / ".venv"
    for lang in LANGS:
        tree = build(lang, root, out / "_proc" / lang)
        print(f"wrote {tree}")
    quarto, why = find_quarto(venv)
    if not quarto:
        print(no_quarto_message(why, venv))
        return 1
    missing = pdf_missing()
    if missing:
        print("\nThe PDF is left out (the website is rendered): this machine lacks\n  "
              + "\n  ".join(f"{tool}: {PDF_TOOLS[tool][0]}" for tool in missing)
              + f"\nInstall what is missing with\n    {pdf_install_command(missing)}\n"
              "and run `make book` again.", flush=True)
    problems, unchecked = [], []
    for lang in LANGS:
        tree = out / "_proc" / lang
        cmd = [quarto, "render", str(tree), "--profile", lang] + (["--to", "html"] if missing else [])
        print("$", " ".join(cmd), flush=True)
        code, lines = run_streaming(cmd)
        if code != 0:
            print(f"\nquarto render failed for the {lang} book (exit {code}): see its messages above")
            return 1
        problems += [f"{lang}: {w}" for w in quarto_warnings(lines)]
        rendered, final = tree / "_book" / lang, out / "_book" / lang
        if final.exists():
            shutil.rmtree(final)
        final.parent.mkdir(exist_ok=True)
        shutil.move(str(rendered), str(final))
        pdf = final / f"llmscratch-{lang}.pdf"
        print(f"rendered {final}/index.html" + ("" if missing else f" and {pdf}"))
        if missing:
            continue
        if not pdf.exists():
            print(f"expected {pdf}: check `book: output-file` in _quarto-{lang}.yml")
            return 1
        pages, how = pdf_text(pdf)
        if pages is None:
            unchecked.append(f"The text of {pdf} was not checked for unresolved references: {how}.")
        else:
            problems += [f"{lang}: {pdf.name} {u}" for u in unresolved_references(pages)]
    for line in unchecked:
        print(line)
    if problems:
        print(f"\nThe book was rendered, but {len(problems)} thing(s) in it are broken; fix them and "
              "run `make book` again:\n  " + "\n  ".join(problems))
        return 1
    print("\nThe book is in _book/en and _book/zh" + (" (website only: the PDF was not made, see above)."
                                                        if missing else ", website and PDF."))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("command", choices=["check", "build", "render"])
    ap.add_argument("--venv", type=Path, default=ROOT / ".venv",
                    help="the virtual environment to find Quarto in, or install it into (render)")
    args = ap.parse_args(argv)
    if args.command == "check":
        problems = check()
        for p in problems:
            print(p)
        print(f"book check: {len(problems)} problem(s) in {len(chapter_paths())} listed files")
        return 1 if problems else 0
    if args.command == "build":
        for lang in LANGS:
            print(f"wrote {build(lang).relative_to(ROOT)}")
        return 0
    return render(venv=args.venv)


if __name__ == "__main__":
    sys.exit(main())
