"""The package's shape: an import graph without cycles, a tokenizer without torch, docstrings."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "llmscratch"
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if not p.name.startswith("_"))


def top_level_imports(module: str) -> set[str]:
    "The llmscratch modules that `module` imports when it is imported (not those imported inside functions)."
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    found = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            name = node.module.removeprefix("llmscratch.") if node.level == 0 else node.module
            if node.level or node.module.startswith("llmscratch."):
                found.add(name.split(".")[0])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("llmscratch.")}
    return found & set(MODULES)


def test_the_import_graph_has_no_cycle():
    graph = {m: top_level_imports(m) for m in MODULES}
    state = {}  # 1: on the current path, 2: done

    def visit(m, path):
        state[m] = 1
        for n in graph[m]:
            assert state.get(n) != 1, "import cycle: " + " -> ".join(path + [m, n])
            if n not in state:
                visit(n, path + [m])
        state[m] = 2

    for m in MODULES:
        if m not in state:
            visit(m, [])


def test_the_cycle_check_can_fail(tmp_path, monkeypatch):
    for name, body in [("a", "from llmscratch.b import x\n"), ("b", "from .a import y\n")]:
        (tmp_path / f"{name}.py").write_text(body)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "MODULES", ["a", "b"])
    with pytest.raises(AssertionError, match="import cycle: a -> b -> a"):
        test_the_import_graph_has_no_cycle()


@pytest.mark.parametrize("module", ["tokenizer", "files", "datasets", "gguf_file"])
def test_pure_python_modules_do_not_load_torch(module):
    code = f"import sys, llmscratch.{module}; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("module", MODULES)
def test_every_module_has_a_docstring(module):
    doc = ast.get_docstring(ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8")))
    assert doc and len(doc) > 30, f"llmscratch.{module} needs a docstring (its header in nbs/modules)"
