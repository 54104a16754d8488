# fssm: two commands for readers (make book, make test); the rest is for authors.
# Everything runs in a virtual environment that the first command creates.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The oldest Python the pinned torch has wheels for (README, pyproject.toml and the Preface say the same;
# tests/test_setup.py checks that they agree).
PYTHON_FLOOR := 3.10
# On a machine without an NVIDIA GPU, tools/install_torch.py installs this CPU build from PyTorch's CPU
# index (falling back to the default index when that cannot be reached). Elsewhere torch comes from
# requirements.txt, a range that keeps a GPU machine's or Colab's own build.
TORCH_VERSION ?= 2.13.0
NBVAL := --nbval --nbval-sanitize-with book/sanitize.cfg --nbval-cell-timeout=600
NOTEBOOKS := $(sort $(wildcard book/*.ipynb))

.PHONY: book test setup python-check pytest nbval browser notebooks nbval-perturbed clean

setup: python-check $(VENV)/.installed

# The interpreter check: a clear message instead of a failed torch install on an old Python.
python-check:
	@$(PYTHON) -c "import sys; sys.exit(sys.version_info < tuple(map(int, '$(PYTHON_FLOOR)'.split('.'))))" || \
	  { echo "fssm needs Python $(PYTHON_FLOOR) or newer (torch $(TORCH_VERSION) has no wheel for older ones);" \
	         "$(PYTHON) is $$($(PYTHON) --version 2>&1). Run: make PYTHON=python3.11 ..."; exit 1; }

$(VENV)/.installed: requirements.txt pyproject.toml tools/install_torch.py
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) tools/install_torch.py --version $(TORCH_VERSION)
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps -e .
	@touch $@

# Build the HTML book into _build/html (outputs are the committed ones; nothing is executed). Warnings are
# errors, so a broken reference or citation fails here rather than rendering wrong.
book: setup
	$(VENV)/bin/jupyter-book build . --path-output . -W --keep-going
	@echo "open _build/html/index.html"

# Library tests, then every chapter under nbval, then the book build, then the built pages in a browser.
test: setup pytest nbval book browser

pytest: setup
	$(PY) -m pytest tests --ignore=tests/test_browser.py

# The built book in headless Chromium (Debian's `chromium`; skipped, saying so, where none is installed):
# no JavaScript error, nothing wider than the page at a 1400 px window, the explorer's sliders redraw it.
browser: setup
	$(PY) -m pytest -rs tests/test_browser.py

nbval: setup
	$(PY) -m pytest $(NBVAL) book

# Authors: re-execute chapters at book scale from their text sources (book/*.py, py:percent), writing the
# notebooks with fresh outputs: `make notebooks` or `make notebooks NB=book/07_sobolev.ipynb`.
notebooks: setup
	FSSM_SCALE=book $(PY) tools/execute_notebooks.py $(if $(NB),$(NB),$(NOTEBOOKS))

# Authors: nbval under perturbed floating-point paths (another SIMD level, one thread, flush-to-zero,
# another BLAS/FFT code path), as another CPU would run it; the outcome is stored for Appendix B.
nbval-perturbed: setup
	$(PY) tools/perturbed_nbval.py $(if $(NB),$(NB),book) --out results/nbval-perturbed.json

clean:
	rm -rf _build .pytest_cache
