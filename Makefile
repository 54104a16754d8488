# fssm: two commands for readers (make book, make test); the rest is for authors.
# Everything runs in a virtual environment that the first command creates.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The CPU build of torch, installed first where there is no NVIDIA GPU (a plain `pip install torch`
# would pull a multi-GB CUDA build). Elsewhere add the CPU index, e.g.
#   make test TORCH_INDEX="--index-url https://download.pytorch.org/whl/cpu"
TORCH_CPU ?= torch==2.13.0
TORCH_INDEX ?=
NBVAL := --nbval --nbval-sanitize-with book/sanitize.cfg --nbval-cell-timeout=600
NOTEBOOKS := $(sort $(wildcard book/*.ipynb))

.PHONY: book test setup pytest nbval book-strict notebooks clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	@if ! $(PY) -c "import torch" 2>/dev/null; then \
	  if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then \
	    echo "NVIDIA GPU found: torch comes from requirements.txt"; \
	  else \
	    echo "no NVIDIA GPU: installing the CPU build $(TORCH_CPU)"; \
	    $(PY) -m pip install -q $(TORCH_CPU) $(TORCH_INDEX); \
	  fi; \
	fi
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps -e .
	@touch $@

# Build the HTML book into _build/html (outputs are the committed ones; nothing is executed).
book: setup
	$(VENV)/bin/jupyter-book build . --path-output .
	@echo "open _build/html/index.html"

# Library tests, then every chapter under nbval, then a book build with warnings as errors.
test: setup pytest nbval book-strict

pytest: setup
	$(PY) -m pytest tests

nbval: setup
	$(PY) -m pytest $(NBVAL) book

book-strict: setup
	$(VENV)/bin/jupyter-book build . --path-output . -W --keep-going

# Authors: re-execute chapters in place at book scale (FSSM_SCALE=book) so committed outputs are fresh.
notebooks: setup
	FSSM_SCALE=book $(PY) tools/execute_notebooks.py $(if $(NB),$(NB),$(NOTEBOOKS))

clean:
	rm -rf _build .pytest_cache
