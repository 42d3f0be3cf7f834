"""Every notebook executes top to bottom (nbdev's runner, the same as `nbdev-test`), each in a process of
its own, as in Jupyter or under `nbdev-test`: what a notebook's cells change in the package (the fine-tuning
chapters add their commands to the command line's registry, with functions defined in the notebook) must not
reach the tests that run after it in the same pytest worker.

Cells flagged `slow` or `gpu` run only when LLMSCRATCH_TEST_FLAGS names the flag (and, for gpu,
CUDA is present); a notebook that has such cells gets an extra test id that says why it was skipped.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from nbdev.config import get_config

from conftest import SLOWEST_NOTEBOOKS, flag_skip_reason

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "nbs").glob("*.ipynb"))
SKIP_FLAGS = get_config(ROOT).tst_flags.split()
CELL_TIMEOUT = int(get_config(ROOT).get("cell_timeout", 600))  # nbdev-test's setting, 0: none
RUNNER = ("import sys; from nbdev.test import test_nb; nb, skip, force, root, timeout = sys.argv[1:]; "
          "ok, _ = test_nb(nb, skip_flags=skip.split(), force_flags=force.split(), basepath=root, "
          "cell_timeout=int(timeout) or None); sys.exit(not ok)")


def cell_flags(path: Path) -> set[str]:
    flags = set()
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "code":
            flags |= {l[2:].strip().split()[0] for l in cell["source"] if l.startswith("#|")
                      and l[2:].strip().split()[0] in ("slow", "gpu")}
    return flags


def runs():
    for nb in NOTEBOOKS:
        yield pytest.param(nb, (), id=nb.stem)
        for flag in sorted(cell_flags(nb)):
            yield pytest.param(nb, (flag,), id=f"{nb.stem}[{flag}]")


@pytest.mark.parametrize("notebook,flags", list(runs()))
def test_notebook_executes(notebook, flags):
    for flag in flags:
        if reason := flag_skip_reason(flag):
            pytest.skip(f"{flag} cells of {notebook.name}: {reason}")
    run = subprocess.run([sys.executable, "-c", RUNNER, notebook, " ".join(SKIP_FLAGS), " ".join(flags), ROOT,
                          str(CELL_TIMEOUT)], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, f"{notebook.name} failed:\n{(run.stdout + run.stderr)[-8000:]}"

def test_the_slowest_notebooks_run_first():
    # a renamed notebook must not silently drop out of the order that shares them between the workers
    assert set(SLOWEST_NOTEBOOKS) <= {nb.stem for nb in NOTEBOOKS}
    listed = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                             "tests/test_plots.py", "tests/test_notebooks.py"],
                            capture_output=True, text=True, cwd=ROOT, timeout=300).stdout.splitlines()
    ids = [line for line in listed if line.startswith("tests/")]
    notebooks = [i.split("[", 1)[1].split("[")[0].rstrip("]") for i in ids if "::test_notebook_executes[" in i]
    assert len(notebooks) > len(NOTEBOOKS) and all("::test_notebook_executes[" in i for i in ids[:len(notebooks)])
    assert list(dict.fromkeys(notebooks))[:len(SLOWEST_NOTEBOOKS)] == SLOWEST_NOTEBOOKS
