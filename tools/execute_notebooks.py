"""Re-execute book chapters from their text sources, so that the committed outputs are a clean run.

Usage: python tools/execute_notebooks.py book/chapter.ipynb [...]   (what `make notebooks` calls)

Each chapter is a pair: book/NAME.py (py:percent, the text a reviewer reads and edits) and book/NAME.ipynb
(the same cells with their outputs, which the book renders and nbval checks). This script reads the text,
executes it at `book` scale in a fresh kernel, and writes the notebook; tests/test_book.py checks that the
two stay in sync. Prints each chapter's wall time on this machine.
"""
import os
import sys
import time

import jupytext
import nbformat
from nbclient import NotebookClient

# How the pair is written (jupytext.toml says the same for JupyterLab and the jupytext CLI): the text keeps
# the cells and their tags only, no notebook-level metadata.
JUPYTEXT = {"formats": "ipynb,py:percent", "notebook_metadata_filter": "-all", "cell_metadata_filter": "tags,-all"}


def text_source(notebook_path: str) -> str:
    """book/NAME.ipynb -> book/NAME.py"""
    return os.path.splitext(notebook_path)[0] + ".py"


def execute(path: str) -> float:
    """Execute the text source of chapter `path` (a .ipynb or its .py) and write the .ipynb; seconds taken."""
    path = os.path.splitext(path)[0] + ".ipynb"
    nb = jupytext.read(text_source(path))
    nb.metadata["jupytext"] = dict(JUPYTEXT)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    os.environ["FSSM_SCALE"] = os.environ.get("FSSM_SCALE", "book")
    t0 = time.perf_counter()
    NotebookClient(nb, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}}).execute()
    seconds = time.perf_counter() - t0
    # A live widget (appendix C) has no state worth keeping: a stored state would make the book load ipywidgets'
    # JavaScript from the network on a page where the widget cannot run anyway.
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:  # keep diffs small: no per-cell timing metadata
        cell.get("metadata", {}).pop("execution", None)
    nbformat.write(nb, path)
    jupytext.write(nb, text_source(path), fmt="py:percent")  # normalise the text the same way jupytext would
    return seconds


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python tools/execute_notebooks.py NOTEBOOK.ipynb [...]")
    for p in sys.argv[1:]:
        print(f"{p}: executed in {execute(p):.1f} s", flush=True)
