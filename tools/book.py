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

``check`` finds what would break the book without needing Quarto: missing chapters, images or
cross-reference targets, a passage without both languages, a directive that would leak.

``render`` renders both languages with Quarto: the website, and the PDF when XeLaTeX and
rsvg-convert are installed.

Usage: ``python tools/book.py check | build | render``.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
LANGS = ("en", "zh")
OTHER = {"en": "zh", "zh": "en"}
SWITCH_TEXT = {"en": "阅读中文版", "zh": "Read in English"}

# Files and folders copied into each processed tree besides the chapters.
SUPPORT = ["_quarto.yml", "_quarto-en.yml", "_quarto-zh.yml", "styles.css", "images", "latex", "references.bib"]

# What the PDF needs besides Quarto, and where to get it.
PDF_TOOLS = {
    "xelatex": "XeLaTeX with Chinese support (Debian: texlive-xetex texlive-lang-chinese "
               "texlive-latex-extra texlive-fonts-recommended lmodern fonts-noto-cjk)",
    "rsvg-convert": "it turns the SVG figures into PDF (Debian: librsvg2-bin)",
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

_LANG_OPEN = re.compile(r'^(:{3,})\s*\{\s*\.content-visible\s+when-profile="(\w+)"\s*\}\s*$')
_DIV_OPEN = re.compile(r"^:{3,}\s*(\{.*\}|[\w-]+.*)$")
_DIV_CLOSE = re.compile(r"^:{3,}\s*$")
_CODE_FENCE = re.compile(r"^\s*(```+|~~~+)")
_DIRECTIVE = re.compile(r"^#\|\s*([\w-]+)\s*:?\s*(.*?)\s*$")
_XREF = re.compile(r"(?<![\w@\\/])@((?:fig|sec|tbl|eq|lst|exr|sol)-[\w-]*\w)")
_LABEL_MD = re.compile(r"\{#((?:fig|sec|tbl|eq|lst|exr|sol)-[\w-]+)[\s}]")
_IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)")
_IMG_TAG = re.compile(r"<img[^>]+src=\"([^\"]+)\"")
_H1 = re.compile(r"^# .+$", re.M)


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


def _labels_and_refs(text: str) -> tuple[set[str], set[str]]:
    labels = set(_LABEL_MD.findall(text))
    labels |= {m.group(1) for m in re.finditer(r"^#\|\s*label:\s*([\w-]+)", text, re.M)}
    refs = set(_XREF.findall(re.sub(r"```.*?```", "", text, flags=re.S)))
    return labels, refs


def check(root: Path = ROOT) -> list[str]:
    """Everything that would break the book, as readable lines; empty when all is well."""
    problems = []
    sources = chapter_paths(root)
    for src in sources:
        if not (root / src).exists():
            problems.append(f"_quarto.yml lists {src}, which does not exist")
    sources = [s for s in sources if (root / s).exists()]
    avoid = [(w, e["zh"]) for e in glossary_entries(root) for w in e.get("avoid_zh", [])]
    for e in glossary_entries(root):
        missing = {"en", "zh", "def_en", "def_zh"} - e.keys()
        if missing:
            problems.append(f"glossary.yml: entry {e.get('en', e)!r} lacks {sorted(missing)}")
    for lang in LANGS:
        labels, refs = set(), {}
        for src in sources:
            path = root / src
            blocks = read_source(path)
            if lang == "en":
                problems += language_problems(src, blocks)
            for kind, text in blocks:
                if kind == "code":
                    try:
                        process_code(text, lang)
                    except ValueError as e:
                        problems.append(f"{src}: {e}")
                    labels |= _labels_and_refs(text)[0]
                    continue
                if kind != "markdown":
                    continue
                mine = select_language(text, lang)
                lab, ref = _labels_and_refs(mine)
                labels |= lab
                for r in ref:
                    refs.setdefault(r, src)
                for target in _IMAGE.findall(mine) + _IMG_TAG.findall(mine):
                    if re.match(r"^(https?:|data:|attachment:)", target):
                        continue
                    if not (path.parent / target.split("#")[0]).exists():
                        problems.append(f"{src} ({lang}): image {target} does not exist")
                if lang == "zh":
                    for word, term in avoid:
                        if word in mine:
                            problems.append(f"{src}: the Chinese text uses {word!r}; "
                                            f"the glossary term is {term!r}")
        for r, src in sorted(refs.items()):
            if r not in labels:
                problems.append(f"{src} ({lang}): cross-reference @{r} has no target")
    for fmt, options in (book_config(root).get("format") or {}).items():
        included = (options or {}).get("include-in-header") or []
        for inc in [included] if isinstance(included, str) else included:
            if isinstance(inc, str) and not ((root / inc).exists() and Path(inc).parts[0] in SUPPORT):
                problems.append(f"_quarto.yml: {fmt} includes {inc}, which is missing or not in SUPPORT")
    return problems


# ---------------------------------------------------------------------------- render


def pdf_missing() -> list[str]:
    """What this machine lacks to render the PDF, one line per tool; empty when it has all."""
    return [f"{tool}: {why}" for tool, why in PDF_TOOLS.items() if not shutil.which(tool)]


def render(root: Path = ROOT, out: Path | None = None) -> int:
    """Build both trees and render each with Quarto into `out`/_book/<lang> (`out` defaults to `root`).

    Every format of a profile is rendered in one call, since a render of one format clears the
    output of the others; without the PDF tools, the call is limited to HTML.
    """
    out = out or root
    quarto = shutil.which("quarto")
    for lang in LANGS:
        tree = build(lang, root, out / "_proc" / lang)
        print(f"wrote {tree}")
    if not quarto:
        print("\nQuarto was not found on PATH, so the book was not rendered.\n"
              "Everything else is done: the package is exported, the book is checked, and the\n"
              "processed sources are in _proc/en and _proc/zh. Install Quarto\n"
              "(https://quarto.org/docs/get-started/, or `pip install quarto-cli` with internet)\n"
              "and run `make book` again to get _book/en and _book/zh.")
        return 0
    missing = pdf_missing()
    if missing:
        print("\nThe PDF is left out (the HTML is rendered); this machine lacks\n  " + "\n  ".join(missing))
    for lang in LANGS:
        tree = out / "_proc" / lang
        cmd = [quarto, "render", str(tree), "--profile", lang] + (["--to", "html"] if missing else [])
        print("$", " ".join(cmd), flush=True)
        if subprocess.call(cmd) != 0:
            return 1
        rendered, final = tree / "_book" / lang, out / "_book" / lang
        if final.exists():
            shutil.rmtree(final)
        final.parent.mkdir(exist_ok=True)
        shutil.move(str(rendered), str(final))
        pdf = final / f"llmscratch-{lang}.pdf"
        print(f"rendered {final}/index.html" + ("" if missing else f" and {pdf}"))
        if not missing and not pdf.exists():
            print(f"expected {pdf}: check `book: output-file` in _quarto-{lang}.yml")
            return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("command", choices=["check", "build", "render"])
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
    return render()


if __name__ == "__main__":
    sys.exit(main())
