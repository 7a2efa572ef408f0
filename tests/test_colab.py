"""The Colab notebooks: stored clean, no logic of their own, and each runs top to bottom headless in quick mode.

Every notebook is executed in a real Jupyter kernel (nbclient), as Colab runs it, with the quick settings and a
private work folder and metrics cache given through the environment. A cell error fails the test; each cell tagged
"figure" must show a picture (an image/png display output).
"""

import ast
import json
import pathlib

import nbclient
import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

COLAB = pathlib.Path(__file__).parent.parent / "colab"
NOTEBOOKS = sorted(COLAB.glob("*.ipynb"))
EXPECTED = {"quickstart.ipynb", "paper_figure1.ipynb", "paper_table1.ipynb", "serving.ipynb"}
# Seconds a single cell may take in quick mode before the run counts as hung.
CELL_TIMEOUT = 300

parametrize = pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)


def _read(path):
    return nbformat.read(str(path), as_version=4)


def _code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def _python(cell):
    """The cell's source as the kernel runs it: IPython syntax (`%pip`, `!git`) turned into plain Python."""
    return TransformerManager().transform_cell(cell.source)


def test_every_notebook_is_there():
    assert EXPECTED <= {p.name for p in NOTEBOOKS}


@parametrize
def test_notebook_is_valid_and_stored_without_outputs(notebook):
    nb = _read(notebook)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for cell in _code_cells(nb):
        assert cell.outputs == [] and cell.execution_count is None, f"strip the outputs of: {cell.source[:60]!r}"


@parametrize
def test_markdown_cells_hold_no_code(notebook):
    # A code cell stored as markdown shows raw code and never runs.
    for cell in _read(notebook).cells:
        if cell.cell_type != "markdown":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        statements = (ast.Assign, ast.AugAssign, ast.Import, ast.ImportFrom, ast.For, ast.If, ast.With, ast.Call)
        assert not any(isinstance(node, statements) for node in ast.walk(tree)), (
            f"{notebook.name}: a markdown cell holds Python code: {cell.source[:80]!r}")


@parametrize
def test_notebook_calls_keras_gan_and_defines_no_functions_or_classes(notebook):
    sources = [_python(cell) for cell in _code_cells(_read(notebook))]
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            assert not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)), (
                f"{notebook.name} defines logic of its own at line {node.lineno}; call keras_gan instead")
    assert any("import keras_gan" in source for source in sources)


@parametrize
def test_notebook_starts_with_install_and_settings_cells(notebook):
    install, settings = _code_cells(_read(notebook))[:2]
    # Install: only where keras_gan is not importable, from the repository named in REPO_URL.
    assert "REPO_URL =" in install.source and 'find_spec("keras_gan") is None' in install.source
    assert "pip install" in install.source
    # Colab-only code is guarded, so the same notebook runs headless.
    assert "try:\n    import google.colab" in install.source and "except ImportError:" in install.source
    # Settings: quick mode from the environment; tagged for papermill.
    assert "KERAS_GAN_NOTEBOOK_QUICK" in settings.source and "KERAS_GAN_NOTEBOOK_WORKDIR" in settings.source
    assert "parameters" in settings.metadata.get("tags", [])


@parametrize
def test_notebook_runs_headless_in_quick_mode_and_shows_its_figures(notebook, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_GAN_NOTEBOOK_QUICK", "1")
    monkeypatch.setenv("KERAS_GAN_NOTEBOOK_WORKDIR", str(tmp_path / "work"))
    monkeypatch.setenv("KERAS_GAN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = _read(notebook)
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    try:
        client.execute()  # Raises CellExecutionError, naming the cell, on any error.
    finally:
        nbformat.write(nb, str(tmp_path / notebook.name))  # The executed notebook, for a look after a failure.
    figures = [cell for cell in _code_cells(nb) if "figure" in cell.metadata.get("tags", [])]
    assert figures, f"{notebook.name} has no cell tagged 'figure'"
    for cell in figures:
        images = [out for out in cell.outputs
                  if out.output_type == "display_data" and "image/png" in out.get("data", {})]
        assert images, f"{notebook.name}: no picture from the figure cell {cell.source[:80]!r}"
    errors = [out for cell in _code_cells(nb) for out in cell.outputs if out.output_type == "error"]
    assert not errors, json.dumps(errors)[:2000]
