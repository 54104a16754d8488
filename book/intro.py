# %% [markdown]
# # Preface
#
# State space models (SSMs) such as S4 and S4D read a long sequence through a bank of linear
# time-invariant (LTI) systems. This book is about one property of these models, shown by
# {cite:t}`yu2025tuning`: **SSMs learn the low-frequency components of a target much more easily than
# the high-frequency ones.** The bias is set when the model is initialized, training does not remove it,
# and two knobs tune it: scaling the imaginary parts of the initial eigenvalues by a factor $\alpha$,
# and a Sobolev-type filter with exponent $\beta$.
#
# ## What you will learn
# - What an SSM layer computes, in three equivalent views: a differential equation, a recurrence and a
#   convolution, and how the S4D kernel is built {cite:p}`gu2022s4,gu2022s4d`.
# - How to read an SSM in the frequency domain: transfer functions, discrete responses, aliasing.
# - Why an SSM is biased towards low frequencies at initialization, measured by the total variation of its
#   transfer function, and why gradient descent does not undo the bias.
# - How $\alpha$ and $\beta$ move the bias, with derivations, code and experiments you can run: synthetic
#   waves, image denoising and the Long-Range Arena {cite:p}`tay2021lra`.
# - Whether the bias and its knobs carry over to other SSM families: S4, S5 and selective (Mamba-style)
#   SSMs {cite:p}`smith2023s5,gu2023mamba`.
# - How to choose the bias for a new task: which initialization, and an $\alpha$ read from the inputs' power
#   spectrum, judged against sweeps.
# - Whether tuning the bias matters on real measurements: appliance power, leaf outlines and the Mauna Loa CO2
#   record, against strong simple baselines; and speech, on a GPU.
# - To see it rather than read it: {doc}`Appendix C <appendix_c_explorer>` has a figure with sliders for
#   $\alpha$, $\beta$, the step $\Delta t$ and a menu for the initialization; the modes, the response and its
#   variation per band move as you drag them, in this page's browser, without running anything.
#
# ## Who it is for
# Graduate students, researchers and engineers who know linear algebra, a little complex analysis
# (partial fractions, the Fourier transform) and PyTorch. Each chapter states its prerequisites.
#
# ## How the book works
# Every chapter is a notebook. Each idea comes as an equation, then the smallest code that implements it,
# then a *check cell* that verifies the claim numerically and fails loudly if it does not hold. The code
# lives in the small library `fssm`; chapters import it and show its source where they derive a formula,
# so the text and the tested code cannot drift apart. Continuous integration re-runs every chapter with
# `nbval` and compares its outputs with the ones you see here.
#
# ## Running the chapters
# **Locally** (Python 3.10 or newer, the oldest Python that the pinned PyTorch supports, and `make`): clone the
# repository and run `make book` (builds this HTML book into `_build/html`) or `make test` (the library
# tests, every chapter under nbval, and the book build). Both create a virtual environment in `.venv`; on a
# machine without an NVIDIA GPU they install the CPU build of PyTorch from PyTorch's CPU index (a few hundred
# MB instead of several GB). To open the chapters in JupyterLab: `.venv/bin/jupyter lab book/`.
#
# **On Colab**: use the rocket button at the top of a chapter and choose Colab. The first code cell of
# every chapter installs `fssm` from the book's repository when it is not importable; Colab's own PyTorch
# (with its GPU) is kept. The stored results that chapters show travel with the package, so they are found
# however `fssm` was installed.
#
# ## Scales
# Experiments take a *scale*, read from the environment variable `FSSM_SCALE`:
#
# | scale | meant for | budget |
# |---|---|---|
# | `smoke` | the test suite | seconds |
# | `book` (default) | the outputs shown in this book, re-run by CI on a 2-core CPU | about 3 minutes a chapter |
# | `colab` | one Colab GPU | about 20 minutes a chapter |
# | `paper` | the paper's hyperparameters, from the command line | hours on a GPU |
#
# Every number a chapter reports is printed next to the scale and device it was obtained on. Results of
# larger scales, when they exist, are stored in the repository's `results/` with their provenance (device,
# commit, seed, configuration) and shown beside the live run. Your own command-line runs write to
# `./fssm-results` (or `--out DIR`); set the environment variable `FSSM_RESULTS` to that folder and the
# chapters show your runs instead of the stored ones.

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
# ## A first look at the bias
# A diagonal SSM with eigenvalues $a_n = -\tfrac12 + i\,\alpha\pi n$ (S4D-Lin) responds to an input
# oscillating at $s$ radians per unit time with gain $|G(is)|$, where
# $G(is) = \sum_n \frac{c_n}{is - a_n} + \frac{\bar c_n}{is - \bar a_n}$. Each mode makes a bump near
# $s = \pm\alpha\pi n$; beyond the last bump $|G|$ decays like $1/|s|$, so the model can barely shape
# frequencies there. Scaling $\alpha$ moves the bumps, and with them the band the model can shape.

# %%
import torch
from fssm.analysis import transfer_function

s = torch.linspace(0, 200, 4001, dtype=torch.float64)  # rad per unit time
C = torch.ones(8, dtype=torch.complex128)
fig, ax = plot.figure()
for alpha in (1.0, 4.0):
    A = fssm.init.lin(8, alpha=alpha)
    plot.plot_magnitude(ax, s, transfer_function(A, C, s)[0], label=f"S4D-Lin, N = 8, alpha = {alpha:g}")
ax.set_xlabel("frequency s (rad / unit time)")
ax.set_title("Figure 0.1: gain of an S4D-Lin system for two values of alpha")
ax.legend()
plot.plt.show()

# %% [markdown]
# *Figure 0.1. Gain $|G(is)|$ in dB of one S4D-Lin channel with $N = 8$ modes and $c_n = 1$. With
# $\alpha = 1$ the bumps stop near $s = 7\pi \approx 22$; with $\alpha = 4$ they reach $28\pi \approx 88$.*
#
# The check below makes the caption's claim precise: the highest frequency at which $|G|$ stays above
# $2$ (6 dB) sits just above the last mode, $s = 7\pi\alpha$, so it grows in proportion to $\alpha$.

# %%
import math

def shaped_band_edge(alpha: float) -> float:
    """Largest s (rad/time) with |G(is)| >= 2 for S4D-Lin, N = 8, c = 1."""
    G = transfer_function(fssm.init.lin(8, alpha=alpha), C, s)[0].abs()
    return s[G >= 2.0].max().item()

for alpha in (0.5, 1.0, 2.0, 4.0):
    edge, last_mode = shaped_band_edge(alpha), 7 * math.pi * alpha
    print(f"alpha = {alpha}: band edge {edge:6.2f}, last mode at {last_mode:6.2f} rad/time")
    assert 1.0 <= edge / last_mode < 1.2

# %% [markdown]
# ## References
# ```{bibliography}
# :filter: docname in docnames
# ```
