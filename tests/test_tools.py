"""The authoring tools behind Appendix B: re-executing a chapter from its text, and the perturbations that
imitate another CPU's floating-point paths."""
import importlib.util
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _tool(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, "tools", f"{name}.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_execute_notebooks_runs_the_text_and_writes_a_paired_notebook(tmp_path, monkeypatch):
    jupytext = pytest.importorskip("jupytext")
    import nbformat

    text = tmp_path / "chapter.py"
    text.write_text('# %% [markdown]\n# # A chapter\n\n# %%\nx = 6 * 7\nprint(x)\n\n'
                    '# %% tags=["nbval-ignore-output"]\nprint("live")\n')
    monkeypatch.setenv("FSSM_SCALE", "smoke")
    seconds = _tool("execute_notebooks").execute(str(tmp_path / "chapter.ipynb"))
    assert seconds > 0
    nb = nbformat.read(tmp_path / "chapter.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].outputs[0]["text"] == "42\n" and code[1].metadata["tags"] == ["nbval-ignore-output"]
    assert "execution" not in code[0].metadata  # no per-cell timings in the diff
    again = jupytext.read(text)
    assert [(c.cell_type, c.source) for c in again.cells] == [(c.cell_type, c.source) for c in nb.cells]
    assert "jupytext" not in text.read_text().split("# %%")[0]  # the text keeps no notebook-level header


def test_perturbations_change_the_floating_point_paths_they_claim():
    """Each perturbation acts: another SIMD level, one thread, flushed subnormals (the probe of Appendix B)."""
    tool = _tool("perturbed_nbval")
    table = tool.probe(["no-simd", "one-thread", "flush-denormal"], tool.startup_dir())
    base = table["baseline"]
    assert table["no-simd"]["cpu capability"] == "DEFAULT" != base["cpu capability"]
    assert table["one-thread"]["threads"] == 1
    assert base["a subnormal float32, times 1"] > 0 and table["flush-denormal"]["a subnormal float32, times 1"] == 0
    assert base["fast vs reference kernel, float64 (Appendix A)"] < 1e-12


def test_perturbed_nbval_help_names_every_perturbation():
    out = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "perturbed_nbval.py"), "--help"],
                         capture_output=True, text=True, check=True).stdout
    for name in _tool("perturbed_nbval").PERTURBATIONS:
        assert name in out
