"""Re-execute book chapters in place at `book` scale, so the committed outputs are a clean run.

Usage: python tools/execute_notebooks.py book/chapter.ipynb [...]   (what `make notebooks` calls)
Prints each chapter's wall time on this machine.
"""
import os
import sys
import time

import nbformat
from nbclient import NotebookClient


def execute(path: str) -> float:
    nb = nbformat.read(path, as_version=4)
    os.environ["FSSM_SCALE"] = os.environ.get("FSSM_SCALE", "book")
    t0 = time.perf_counter()
    NotebookClient(nb, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}}).execute()
    seconds = time.perf_counter() - t0
    for cell in nb.cells:  # keep diffs small: no per-cell timing metadata
        cell.get("metadata", {}).pop("execution", None)
    nbformat.write(nb, path)
    return seconds


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python tools/execute_notebooks.py NOTEBOOK.ipynb [...]")
    for p in sys.argv[1:]:
        print(f"{p}: executed in {execute(p):.1f} s", flush=True)
