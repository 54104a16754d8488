"""The book's structure: every chapter is listed, executed, error-free, and installs fssm from the one URL."""
import glob
import json
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _read(path):
    with open(os.path.join(ROOT, path)) as f:
        return f.read()


def _repository_url():
    m = re.search(r"repository:\s*\n\s*url:\s*(\S+)", _read("_config.yml"))
    assert m, "_config.yml has no repository url"
    return m.group(1)


def _notebooks():
    return sorted(glob.glob(os.path.join(ROOT, "book", "*.ipynb")))


def test_every_notebook_is_in_the_toc_and_every_toc_entry_exists():
    toc = _read("_toc.yml")
    entries = set(re.findall(r"(?:root|file):\s*(\S+)", toc))
    stems = {os.path.relpath(p, ROOT)[: -len(".ipynb")] for p in _notebooks()}
    assert stems == entries, f"in book/ but not in _toc.yml: {stems - entries}; missing files: {entries - stems}"


def test_notebooks_have_committed_outputs_and_no_errors():
    for p in _notebooks():
        nb = json.load(open(p))
        for cell in nb["cells"]:
            if cell["cell_type"] != "code" or not "".join(cell["source"]).strip():
                continue
            assert cell.get("execution_count") is not None, f"{p}: a code cell was not executed"
            assert not [o for o in cell.get("outputs", []) if o.get("output_type") == "error"], p


def test_setup_cells_install_from_the_configured_repository():
    url = _repository_url()
    for p in _notebooks():
        nb = json.load(open(p))
        setup = "".join(next(c for c in nb["cells"] if c["cell_type"] == "code")["source"])
        assert "import fssm" in setup and "describe_run" in setup, f"{p}: first code cell is not the set-up cell"
        for found in re.findall(r"git\+(\S+?)[\"']", setup):
            assert found == url, f"{p}: installs from {found}, _config.yml says {url}"


def test_readme_quick_start_runs_without_warnings():
    import warnings

    block = re.search(r"```python\n(.*?)```", _read("README.md"), re.S).group(1)
    assert len(block.strip().splitlines()) == 5, "the quick start is five lines"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scope = {}
        exec(compile(block, "README.md", "exec"), scope)
    assert scope["y"].shape == (8, 64, 1024) and scope["G"].shape == (64, 2001)
