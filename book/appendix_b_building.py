# %% [markdown]
# # Appendix B. How this book is built and checked
#
# Every chapter of this book is executed code whose printed outputs are checked again, cell by cell, on
# machines other than the one that produced them: continuous integration on a small CPU machine, your
# laptop, a Colab GPU. This appendix collects the engineering that makes that work, so that the chapters can
# stay with the science: how a chapter is stored, which outputs can be compared across machines and which
# cannot, how the stored results of larger runs reach you however `fssm` is installed, and how the book is
# set up and checked on a CPU and on a GPU.
#
# ## Learning goals
# - Explain why the last digits of a floating-point result depend on the machine, and write check cells
#   whose printed output does not.
# - Know where a chapter's text, outputs and stored results live, and how to re-execute or extend them.
# - Run the book's checks yourself, including the perturbed ones that imitate another CPU.
#
# ## Prerequisites
# - None beyond the Preface; {doc}`Chapter 1 <01_notation>` (section 1.6) introduces seeding.

# %%
# Set-up: where fssm is not importable (Colab, a fresh kernel), install it from the book's
# repository; its requirements are ranges, so Colab's own PyTorch (with its GPU) is kept.
import importlib, importlib.util, shlex, subprocess, sys

PIP_INSTALL = 'pip install -q "fssm @ git+https://github.com/fssm-book/fssm"'
if importlib.util.find_spec("fssm") is None:
    subprocess.run([sys.executable, "-m", *shlex.split(PIP_INSTALL)], check=True)
    importlib.invalidate_caches()
import fssm
from fssm import plot

fssm.seed_everything(0)
plot.use_style()
print(fssm.describe_run())

# %% [markdown]
# ## B.1 One chapter, two files
#
# Each chapter is a pair of files in `book/`: `NAME.ipynb`, the notebook with its outputs, which this site
# renders and the checks compare; and `NAME.py`, the same cells as plain text in jupytext's `py:percent`
# format (`# %%` starts a code cell, `# %% [markdown]` a text cell, cell tags follow on the same line). The
# text file is what a reviewer reads: a change to a chapter shows as an ordinary diff. The two are kept in
# sync by JupyterLab with jupytext (the repository's `jupytext.toml` pairs them), and a test fails when they
# disagree in a cell's kind, source or tags.
#
# `make notebooks` (or `make notebooks NB=book/NAME.ipynb`) re-executes chapters from their text at `book`
# scale in a fresh kernel and writes the notebooks, so that the committed outputs are always those of one
# clean run.
#
# ## B.2 Outputs that hold on any CPU
#
# nbval re-runs every chapter and compares each cell's printed output with the committed one, character by
# character, after a sanitizer has masked what legitimately varies (timings, memory addresses, the torch
# version, progress bars). That comparison is only fair for outputs that every machine computes the same.
# Floating-point addition is not associative, so the *order* of a sum decides its last bits:

# %%
left, right = (0.1 + 0.2) + 0.3, 0.1 + (0.2 + 0.3)
print(f"(0.1 + 0.2) + 0.3 = {left!r}")
print(f"0.1 + (0.2 + 0.3) = {right!r}")
assert left != right and abs(left - right) <= 2.0**-52  # one unit in the last place

# %% [markdown]
# Libraries choose that order for speed, and the choice depends on the machine: a CPU with AVX-512 sums 16
# single-precision numbers at a time, one with AVX2 eight, a scalar path one; a reduction split over two
# threads adds two partial sums; MKL picks its matrix-product and FFT kernels by processor; a processor may
# flush subnormal numbers to zero. Every one of these changes the last digits, and so does anything that
# grows from them: a residue that should be zero (chapter 7 once printed one as 3.8e-19 on the machine that
# executed it, and the next machine computed 5.3e-19), or an accuracy after a few epochs of training.
#
# The book therefore follows three rules.
# 1. **A check prints what the claim needs and asserts the numbers.** A residue is asserted below a bound
#    and printed as "below 1e-12"; a trained model's accuracy is asserted against its baseline in every seed,
#    and the sentence printed is the claim, not the accuracy.
# 2. **Live training output is never compared as text.** Cells that print per-seed training numbers carry
#    the cell tag `nbval-ignore-output` (a tag, invisible on this site; nbval still runs the cell and its
#    assertions), and the claim they illustrate is asserted in the next cell.
# 3. **Stored results are compared.** Cells that read a results file (tag `stored-results`) print the same
#    text on every machine, so nbval checks them.
#
# A test scans every committed output that nbval compares and fails on a number at round-off level (below
# $10^{-9}$ in scientific notation, unless the text states it as a bound: "below 1e-12").
#
# ## B.3 Checking on other floating-point paths
#
# Another CPU is not at hand when a chapter is written, but this one can be made to compute like one.
# `make nbval-perturbed` (the script `tools/perturbed_nbval.py`) first computes a few round-off-level
# quantities under each of five perturbations, to show which one changes what, then runs the full nbval
# check under each. Its last run was stored with its provenance:

# %% tags=["stored-results"]
from fssm.experiments import common
from IPython.display import HTML, display

stored = common.read_results("nbval", "perturbed")
print(common.describe_stored(stored, "nbval", "perturbed", "make nbval-perturbed"))
if stored is not None:
    base = stored["probe"]["baseline"]
    print("each perturbation, what it changes in the probe (another value than the unperturbed run), and nbval "
          "over every chapter under it:")
    display(HTML(common.html_table(
        ["perturbation", "stands for", "changes in the probe", "nbval cells passed", "failed"],
        [[name, info["stands_for"],
          ", ".join(k for k, v in stored["probe"][name].items() if v != base[k]) or "nothing probed",
          str(stored["nbval"][name]["passed"]), str(stored["nbval"][name]["failed"])]
         for name, info in stored["perturbations"].items()])))
    assert all(r["failed"] == 0 and r["passed"] > 0 for r in stored["nbval"].values())

# %% [markdown]
# A perturbation that changes nothing in the probe may still change other operations, so nbval runs under
# every one of them; the assertion above holds the stored run to "no cell failed under any perturbation".
#
# ## B.4 Stored results, wherever `fssm` is installed
#
# The command-line experiments write JSON files with their provenance (scale, device, torch and `fssm`
# versions, commit, seeds, wall time, date, full configuration); the chapters read them with
# `fssm.experiments.common.read_results`. The repository keeps the book's stored runs in `results/`, and the
# package carries a copy, so a chapter finds them in a source checkout, after `pip install` of a wheel, and
# on Colab alike. The search order:

# %%
from fssm.experiments import common

import inspect

print(inspect.getdoc(common.results_dirs))

# %% [markdown]
# Your own runs go to `./fssm-results` unless you pass `--out`; with `FSSM_RESULTS` set to that folder the
# chapters show them first. Only a run asked to (`--out results`) writes the book's stored results. The
# stored results this copy of the book can read:

# %% tags=["stored-results"]
import os

from fssm.experiments import common

names = sorted({f for d in common.results_dirs() if os.path.isdir(d) for f in os.listdir(d) if f.endswith(".json")})
print(f"{len(names)} stored results files:", ", ".join(names))
assert "denoising-book.json" in names  # the store travels with the package

# %% [markdown]
# ## B.5 Set-up and checks
#
# - `make book` creates `.venv`, installs what the book needs and builds this site into `_build/html` with
#   warnings as errors. `make test` does the same set-up, then runs the library's tests, nbval over every
#   chapter, the build, and a check of the built pages in a real browser: headless Chromium (Debian's
#   `chromium`, which CI installs; the check skips, saying so, where there is none) opens every page over its
#   DevTools protocol (`tools/browser_check.py`) and fails on a JavaScript error or on a box wider than its
#   page at a 1400 px window; on {doc}`Appendix C <appendix_c_explorer>` it moves every slider and the
#   initialization menu through the page and checks that the figure redraws to the setting asked for.
#   Continuous integration runs `make test`, on a 2-core CPU machine.
# - PyTorch: on a machine without an NVIDIA GPU the set-up installs the pinned CPU build from PyTorch's CPU
#   index (`tools/install_torch.py`); when that index cannot be reached within a few seconds it says so and
#   falls back to the default index. A machine with an NVIDIA GPU, and Colab, keep or get a CUDA build, since
#   `fssm` asks only for a range of versions. The oldest Python the pinned PyTorch supports, 3.10, is checked
#   before anything is installed.
# - A test builds `fssm`'s wheel, installs it (not editable) into a new environment, and runs every chapter's
#   set-up cell and its `stored-results` cells from a folder outside the repository, comparing their output
#   with the committed one; another runs every command that the README and the Preface show.
# - On a GPU, `tools/gpu_check.sh` runs the CUDA tests (the fast kernel against the reference, outputs and
#   gradients; the layer; bf16 autocast), a short `colab`-scale training of each experiment, and the kernel
#   and layer benchmark, whose results {doc}`Appendix A <appendix_a_speed>` shows.
#
# ## Summary
# - A chapter is a notebook with outputs and a `py:percent` text twin; `make notebooks` re-executes from the
#   text.
# - Printed outputs are compared across machines, so they must not contain round-off: checks assert numbers
#   and print claims; live training output is tagged, not compared; stored results are compared.
# - Perturbing this machine's floating-point paths (vector width, threads, BLAS/FFT kernels, subnormals)
#   imitates another CPU; the book passes nbval under each.
# - Stored results travel with the package and are found however `fssm` is installed; your runs go to
#   `./fssm-results` or `--out`, and `FSSM_RESULTS` shows them in the chapters.
#
# ## Exercises
#
# **Exercise B.1 (a check that survives another CPU).** The cell below prints a residue. Rewrite it so that
# its output is the same on every machine while it still fails when the identity breaks.

# %%
import torch

x = torch.randn(1000, dtype=torch.float64)
residue = (torch.fft.irfft(torch.fft.rfft(x), n=1000) - x).abs().max().item()
assert residue < 1e-12  # the identity irfft(rfft(x)) = x holds to round-off

# %% tags=["hide-input"]
# Solution: assert the bound and print the bound, not the residue (whose last digits depend on the machine).
assert residue < 1e-12
print("irfft(rfft(x)) = x: max residue below 1e-12")

# %% [markdown]
# **Exercise B.2 (order of a sum).** Sum the float32 numbers $1, 10^{-8}, \dots, 10^{-8}$ (one followed by
# $10^{4}$ copies of $10^{-8}$) from the left and from the right. Which order is accurate, and why?

# %% tags=["hide-input"]
# Solution: from the left, each 1e-8 is below half a unit in the last place of 1.0 in float32 (6e-8) and is
# lost; from the right, the small terms first add up to 1e-4, which 1.0 then absorbs correctly.
terms = [1.0] + [1e-8] * 10_000
left_sum, right_sum = torch.tensor(0.0), torch.tensor(0.0)
for t in terms:
    left_sum = left_sum + torch.tensor(t)
for t in reversed(terms):
    right_sum = right_sum + torch.tensor(t)
assert left_sum.item() == 1.0 and abs(right_sum.item() - 1.0001) < 1e-6
print(f"from the left: {left_sum.item()!r}; from the right: {right_sum.item():.4f}")
