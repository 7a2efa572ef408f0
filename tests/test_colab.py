"""The Colab notebooks run top to bottom (quick mode) and define no logic of their own."""

import ast
import json
import pathlib

import pytest

NOTEBOOKS = sorted((pathlib.Path(__file__).parent.parent / "colab").glob("*.ipynb"))


def _code(notebook):
    cells = json.loads(notebook.read_text())["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_defines_no_functions_or_classes(notebook):
    for source in _code(notebook):
        for node in ast.walk(ast.parse(source)):
            assert not isinstance(node, (ast.FunctionDef, ast.ClassDef)), f"{notebook.name} defines {node.name}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_in_quick_mode(notebook, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_GAN_NOTEBOOK_QUICK", "1")
    monkeypatch.setenv("KERAS_GAN_NOTEBOOK_WORKDIR", str(tmp_path))
    namespace = {}
    for source in _code(notebook):
        exec(compile(source, str(notebook), "exec"), namespace)  # noqa: S102
