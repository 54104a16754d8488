# %% [markdown]
# # 1. Notation and set-up
#
# This chapter is the reference the rest of the book leans on. It fixes one name for every quantity,
# in three places at once: the symbol used in the equations, the name used in the code of `fssm`, and
# the shape and dtype of the tensor that holds it. It also settles two conventions that cause most of
# the confusion when reading papers on state space models (SSMs): which of the two frequency variables
# is meant (radians per unit time or radians per sample), and why a model with $N$ complex modes is a
# real system with $2N$ states. Finally it explains the practical machinery every chapter uses: scales,
# the device helper and seeding.
#
# You can read this chapter quickly and come back to the glossary whenever a symbol is unclear.
#
# ## Learning goals
# - Map each symbol of the book to its code name in `fssm` and to the shape of its tensor.
# - Tell the continuous frequency $s$ (rad per unit time) from the discrete frequency $\omega$
#   (rad per sample), and convert between them with the step $\Delta t$: $\omega = s\,\Delta t$.
# - Explain why $N$ complex modes describe a real system and why every kernel is "$2\,\mathrm{Re}$" of a
#   complex sum.
# - Run any chapter at a chosen scale (`FSSM_SCALE`), on a chosen device, reproducibly.
#
# ## Prerequisites
# - The {doc}`Preface <intro>`.
# - Complex numbers in polar form, $e^{i\theta} = \cos\theta + i\sin\theta$.
# - Basic PyTorch: tensors, dtypes, `nn.Module`.

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
# ## 1.1 The glossary
#
# The table below is the same as the one in the docstring of `fssm/__init__.py` (type `help(fssm)`).
# Shapes use four letters: $B$ (batch), $H$ (channels), $N$ (complex modes per channel), $L$ (sequence
# length); $S$ and $W$ count frequency samples. `r(...)` marks a real tensor, `c(...)` a complex one.
#
# | symbol | code name | meaning | shape / dtype |
# |---|---|---|---|
# | $B$ | `batch` | batch size | int |
# | $H$ | `d_model` | channels, one independent SSM each | int |
# | $N$ | `d_state` | complex modes per channel (real state $2N$) | int |
# | $L$ | `L` | sequence length | int |
# | $u, y$ | `u`, `y` | input and output of a layer | r(B H L) |
# | $a_j = x_j + i y_j$ | `ssm()["A"]` | eigenvalue of the diagonal $A$, $x_j < 0$ | c(H N) |
# | $C_j$ | `ssm()["C"]` | output weight, $B$ folded in | c(H N) |
# | $\Delta t$ | `ssm()["dt"]`, `exp(log_dt)` | discretization step | r(H) |
# | $\lambda_j, \tilde C_j$ | `discretize()` $\to$ `(dA, dC)` | discrete pole and weight | c(H N) |
# | $K_l$ | `kernel(L)` | convolution kernel, $2\,\mathrm{Re}\sum_j \tilde C_j \lambda_j^l$ | r(H L) |
# | $D$ | `layer.D` | skip term | r(H) |
# | $s$ | `s` | continuous frequency, rad per unit time | r(S) |
# | $\omega$ | `omega` | discrete frequency, rad per sample | r(W) |
# | $G(is)$ | `analysis.transfer_function` | transfer function of the ODE | c(H S) |
# | $\hat K(\omega)$ | `analysis.frequency_response` | response of the discrete kernel | c(H W) |
# | $\alpha$ | `alpha` | scale of $\mathrm{Im}(A)$ at init (mechanism 1) | float > 0 |
# | $\beta$ | `beta` | Sobolev exponent, weight $(1+k/M)^\beta$ | r(H) |
# | $M$ | `sobolev_scale` | frequency scale of the Sobolev weight | float |
#
# Read the table from top to bottom as the life of one S4D layer {cite:p}`gu2022s4d`. An input $u$ of
# shape $(B, H, L)$ enters; each of the $H$ channels is processed by its *own* linear time-invariant
# system, with no mixing between channels (mixing happens afterwards, in a $1\times1$ convolution).
# Channel $h$ is described in continuous time by $N$ complex eigenvalues $a_j$ of a diagonal state
# matrix, $N$ complex output weights $C_j$ and one step $\Delta t$. Because the state matrix is
# diagonal, the input matrix $B$ can be taken as all ones: its entries would only multiply the $C_j$,
# so the code "folds" them into $C$. Discretizing with step $\Delta t$ turns each $a_j$ into a discrete
# pole $\lambda_j$ and each $C_j$ into a discrete weight $\tilde C_j$ (Chapter 2 derives the formulas),
# and these give the convolution kernel $K$, one real sequence of length $L$ per channel. The frequency
# rows describe the same system in the frequency domain (Chapter 3), and the last three rows are the
# two knobs that tune the frequency bias {cite:p}`yu2025tuning`, introduced in Chapters 6 and 7.
#
# Note the one clash of letters: $B$ is both the batch size and the input matrix of the state equation.
# The input matrix is always folded into $C$ in code, so in shapes $B$ means the batch.

# %% [markdown]
# ### Shapes and the comment convention
#
# In the code of `fssm`, every tensor that is created gets a comment with its shape, for example
#
# ```python
# dtA = dt[:, None] * A      # c(H N)
# u_f = torch.fft.rfft(u)    # c(B H n_fft/2+1)
# ```
#
# `c(H N)` says "complex, $H$ rows and $N$ columns"; `r(B H L)` says "real, batch by channels by
# length". Layers always take and return `r(B H L)`: channels before length, as in `torch.nn.Conv1d`.
# This is the convention of the S4 code base {cite:p}`gu2022s4` and it makes the FFT along the last
# dimension natural.
#
# The learnable parameters themselves are all **real** tensors: `log_dt` r(H), `log_A_real` r(H N)
# (storing $\ell_j$ with $x_j = -e^{\ell_j}$ makes every $x_j < 0$, stable by construction), `A_imag` r(H N), and `C`
# stored as r(H N 2) (real and imaginary parts side by side). Keeping parameters real means every
# optimizer, weight decay and learning-rate tag treats real and imaginary parts alike. The complex
# values of the glossary are built on demand by `ssm()`. Let us look at one small kernel.

# %%
import torch

H, N, L = 3, 4, 16
kernel = fssm.S4DKernel(d_model=H, d_state=N, init="lin", dt_min=1e-2, dt_max=1e-1)
p = kernel.ssm()
dA, dC = kernel.discretize()
K = kernel(L)
for name, t in [('ssm()["A"]', p["A"]), ('ssm()["C"]', p["C"]), ('ssm()["dt"]', p["dt"]),
                ("dA", dA), ("dC", dC), ("kernel(L)", K)]:
    print(f"{name:12s} shape {str(tuple(t.shape)):8s} dtype {t.dtype}")

# %% [markdown]
# The check below compares these with the glossary. Shapes alone make a weak check, so it also asserts
# the two properties the parametrization promises: every $x_j = \mathrm{Re}(a_j)$ is negative, every
# step is positive and inside `[dt_min, dt_max]`, and every discrete pole lies strictly inside the unit
# circle (a stable recurrence).

# %%
# Check: shapes and dtypes of the glossary; stability by construction.
expected = {"A": ((H, N), True), "C": ((H, N), True), "dt": ((H,), False)}
for name, (shape, is_complex) in expected.items():
    assert tuple(p[name].shape) == shape and p[name].is_complex() == is_complex, name
assert dA.shape == dC.shape == (H, N) and dA.is_complex() and dC.is_complex()
assert K.shape == (H, L) and not K.is_complex()
assert bool((p["A"].real < 0).all())
assert bool(((p["dt"] >= 1e-2 * (1 - 1e-6)) & (p["dt"] <= 1e-1 * (1 + 1e-6))).all())
assert bool((dA.abs() < 1).all())
print("glossary shapes and dtypes: OK;  max |lambda_j| =", round(dA.abs().max().item(), 4))

# %% [markdown]
# ## 1.2 Conjugate pairs: $N$ complex modes, a real system, and "$2\,\mathrm{Re}$"
#
# A real linear system has a real state matrix, and the non-real eigenvalues of a real matrix come in
# conjugate pairs $a_j, \bar a_j$ (with conjugate eigenvectors). S4D therefore stores only one member
# of each pair and lets the other be implicit. If the full real system has $2N$ modes with discrete
# poles $\lambda_1, \dots, \lambda_N, \bar\lambda_1, \dots, \bar\lambda_N$ and weights
# $\tilde C_1, \dots, \tilde C_N, \overline{\tilde C_1}, \dots, \overline{\tilde C_N}$, its kernel is
#
# $$
# \begin{aligned}
# K_l &= \sum_{j=1}^{N} \tilde C_j \lambda_j^l + \sum_{j=1}^{N} \overline{\tilde C_j}\,\bar\lambda_j^{\,l}
#      = \sum_{j=1}^{N} \Big( \tilde C_j \lambda_j^l + \overline{\tilde C_j \lambda_j^l} \Big) \\
#     &= 2\,\mathrm{Re} \sum_{j=1}^{N} \tilde C_j \lambda_j^l ,
# \end{aligned}
# $$
#
# using $z + \bar z = 2\,\mathrm{Re}\,z$. Two consequences:
#
# 1. The kernel is real, so the layer maps real sequences to real sequences, although all the
#    arithmetic inside is complex.
# 2. The "size" of the model is ambiguous by a factor of two. In this book $N$ (`d_state`) always counts
#    **complex** modes; the real state has $2N$ numbers. (The S4D paper's $N$ is the real size; see
#    `fssm.init.inv` for the one formula where this matters.)
#
# A mode with $y_j = 0$ is its own conjugate; the formula still holds, it simply counts that real mode
# twice, which is absorbed into $C_j$.
#
# The check below recomputes the kernel "by hand" from the output of `discretize()`: powers
# $\lambda_j^l$ by repeated multiplication (the library uses $\exp(l \log \lambda_j)$ instead), both
# members of every pair summed explicitly. The imaginary parts must cancel, and the result must equal
# `kernel(L)`. We switch to float64 so that the tolerance can be tight.

# %%
# Check: K_l = sum over all 2N modes (pairs explicit) = 2 Re sum over N modes = kernel(L).
kernel64 = kernel.double()
dA, dC = kernel64.discretize()  # c(H N), complex128
full = torch.zeros(H, L, dtype=torch.complex128)
power = torch.ones(H, N, dtype=torch.complex128)  # lambda_j^l, starting at l = 0
for l in range(L):
    full[:, l] = (dC * power).sum(-1) + (dC.conj() * power.conj()).sum(-1)
    power = power * dA
K64 = kernel64(L)
assert full.imag.abs().max() < 1e-13, "the conjugate pairs must cancel the imaginary part"
torch.testing.assert_close(full.real, K64, rtol=1e-10, atol=1e-12)
print("2N-mode sum is real and equals kernel(L) to 1e-10 (float64): OK")

# %% [markdown]
# ## 1.3 Two frequencies: $s$ and $\omega$
#
# The book uses two frequency variables and never mixes them:
#
# - $s$, the **continuous frequency**, in radians per unit of time. It is the variable of the transfer
#   function $G(is)$ of the differential equation (Chapter 3) and of the eigenvalues: a mode
#   $e^{a_j t} = e^{x_j t} e^{i y_j t}$ oscillates at $s = y_j$ rad per unit time.
# - $\omega$, the **discrete frequency**, in radians per sample, in $[-\pi, \pi]$. It is the variable of
#   the discrete-time Fourier transform of a sequence, $\hat K(\omega) = \sum_l K_l e^{-i\omega l}$, and of
#   FFT bins, $\omega_k = 2\pi k / n$.
#
# The step $\Delta t$ connects them. Sampling a tone $e^{ist}$ at the times $t_l = l\,\Delta t$ gives
#
# $$
# e^{i s t_l} = e^{i (s \Delta t) l} = e^{i \omega l}, \qquad \omega = s\,\Delta t .
# $$
#
# Two remarks make this precise. First, $\omega$ is only defined modulo $2\pi$: the frequencies $s$ and
# $s + 2\pi/\Delta t$ give identical samples. This is **aliasing**; a mode with
# $\Delta t\,|y_j| > \pi$ looks, to the sequence, like a slower one, which is why `S4DKernel` warns
# when $\max_j |y_j|\,\Delta t_{\max} > \pi$ (the $y_j$ as initialized, already scaled by $\alpha$). Second, the kernel is not a sampled tone but the output
# of a discretized system, so its response matches the continuous one only approximately:
#
# $$
# \hat K(\omega) \approx G\!\left(i\,\frac{\omega}{\Delta t}\right) \quad \text{for small } |\omega| .
# $$
#
# The reason, in one line for a single zoh mode: near $\omega = s\,\Delta t$,
# $1 - \lambda_j e^{-i\omega} = 1 - e^{(a_j - is)\Delta t} \approx (is - a_j)\,\Delta t$ and
# $\tilde C_j \approx C_j \Delta t$, so $\tilde C_j / (1 - \lambda_j e^{-i\omega}) \approx C_j/(is - a_j)$,
# the term of $G$. Chapter 3 derives the full statement, including the small phase lead of about
# $\omega/2$ (the output is read at the end of each hold interval) and the frequency warp of the
# bilinear method, $\omega = 2\arctan(s\,\Delta t / 2)$. In short: **mode $j$ sits at
# $\omega_j \approx \Delta t\, y_j$ rad per sample.**
#
# The check below takes one mode, $a = -0.5 + 20i$ with $\Delta t = 0.01$, and verifies that
# $|\hat K(\omega)|$ peaks at $\omega \approx \Delta t\,y = 0.2$ rad per sample (zoh), that the bilinear
# kernel peaks at the warped frequency $2\arctan(0.1) \approx 0.1993$ instead, and that at the peak the
# discrete and continuous responses agree in magnitude, with a phase lead of about $\omega/2$.

# %%
import math

from fssm.analysis import frequency_response, transfer_function

a, dt = complex(-0.5, 20.0), 0.01
omega = torch.linspace(0.15, 0.25, 10001, dtype=torch.float64)  # rad/sample, step 1e-5
peaks = {}
for disc in ("zoh", "bilinear"):
    one_mode = fssm.S4DKernel(1, 1, init=torch.tensor([a]), dt_min=dt, dt_max=dt, disc=disc,
                              C_init=torch.ones(1, 1)).double()
    peaks[disc] = omega[frequency_response(one_mode, omega)[0].abs().argmax()].item()
    print(f"{disc:8s}: |K^(omega)| peaks at omega = {peaks[disc]:.5f} rad/sample")

zoh_mode = fssm.S4DKernel(1, 1, init=torch.tensor([a]), dt_min=dt, dt_max=dt,
                          C_init=torch.ones(1, 1)).double()
with torch.no_grad():
    q = zoh_mode.ssm()
    s_mode = torch.tensor([a.imag], dtype=torch.float64)  # rad per unit time
    G = transfer_function(q["A"], q["C"], s_mode)[0, 0]
    Kw = frequency_response(zoh_mode, s_mode * dt)[0, 0]
print(f"dt * y = {dt * a.imag:.5f};  2 arctan(dt y / 2) = {2 * math.atan(dt * a.imag / 2):.5f}")
print(f"|G(i y)| = {abs(G):.4f},  |K^(dt y)| = {abs(Kw):.4f},  phase(K^/G) = {torch.angle(Kw / G).item():.4f}")

# %%
# Check: omega = s * dt places the mode (zoh); bilinear warps it; magnitudes agree, phase lead ~ omega/2.
w_mode = dt * a.imag
assert abs(peaks["zoh"] - w_mode) < 2e-4
assert abs(peaks["bilinear"] - 2 * math.atan(w_mode / 2)) < 2e-4
assert abs(peaks["bilinear"] - w_mode) > 5e-4  # the warp is visible at this resolution
assert abs(abs(Kw) / abs(G) - 1) < 1e-2
assert abs(torch.angle(Kw / G).item() - w_mode / 2) < 0.02
print("omega = s * dt: OK")

# %% [markdown]
# The figure shows the same correspondence over a whole band, for an S4D-Lin channel with $N = 4$ modes
# at $y_n = \pi n$ and $\Delta t = 0.1$. The bottom axis is $s$ in rad per unit time, the top axis the same
# points as $\omega = s\,\Delta t$ in rad per sample; the Nyquist frequency $\omega = \pi$ is
# $s = \pi/\Delta t \approx 31.4$.

# %%
dt_fig = 0.1
lin4 = fssm.S4DKernel(1, 4, init="lin", dt_min=dt_fig, dt_max=dt_fig, C_init=torch.ones(1, 4)).double()
s_grid = torch.linspace(0.0, math.pi / dt_fig, 2001, dtype=torch.float64)  # rad per unit time
with torch.no_grad():
    q = lin4.ssm()
    G_grid = transfer_function(q["A"], q["C"], s_grid)[0]
    K_grid = frequency_response(lin4, s_grid * dt_fig)[0]

fig, ax = plot.figure()
plot.plot_magnitude(ax, s_grid, G_grid, label=r"continuous $|G(is)|$")
plot.plot_magnitude(ax, s_grid, K_grid, label=r"discrete $|\hat K(\omega)|$ at $\omega = s\,\Delta t$", ls="--")
for n in range(4):
    ax.axvline(math.pi * n, color=plot.COLORS[7], lw=0.8, ls=":")
ax.set_xlabel(r"continuous frequency $s$ (rad / unit time)")
ax.set_ylabel("gain (dB)")
top = ax.secondary_xaxis("top", functions=(lambda s: s * dt_fig, lambda w: w / dt_fig))
top.set_xlabel(r"discrete frequency $\omega = s\,\Delta t$ (rad / sample)")
ax.set_title("Figure 1.1: one S4D-Lin channel, continuous and discrete responses", fontsize=10)
_ = ax.legend(loc="upper right")
plot.plt.show()

# %% [markdown]
# *Figure 1.1. Gain in dB of an S4D-Lin channel ($N = 4$, $C_j = 1$, $\Delta t = 0.1$, zoh). Dotted lines
# mark the modes $y_n = \pi n$; on the top axis they sit at $\omega_n = 0.1\,\pi n$ rad per sample. The
# discrete response follows the continuous one at low frequency and departs from it as $\omega$
# approaches the Nyquist frequency $\pi$, where the sampled system cannot follow the ODE any more.*

# %% [markdown]
# ## 1.4 Scales
#
# Every experiment of the book runs at one of four **scales**, chosen with the environment variable
# `FSSM_SCALE` and read by `fssm.get_scale()`:
#
# | scale | meant for | budget |
# |---|---|---|
# | `smoke` | the test suite | seconds |
# | `book` (default) | the committed outputs of this book, re-run by CI on a 2-core CPU | about 3 minutes a chapter |
# | `colab` | one Colab GPU | about 20 minutes a chapter |
# | `paper` | the paper's hyperparameters, from the command line | hours on a GPU |
#
# A chapter asks for the scale once and derives its sizes from it, for example
#
# ```python
# L = {"smoke": 256, "book": 4096, "colab": 16384, "paper": 62832}[fssm.get_scale()]
# ```
#
# so the same notebook runs in seconds in CI and at full size on a GPU. To change the scale, set the
# variable before starting Jupyter (`FSSM_SCALE=colab jupyter notebook`), or in the first cell of a
# Colab session (`import os; os.environ["FSSM_SCALE"] = "colab"`). The outputs you see in the book were
# produced at `book` scale; every reported number is printed next to the scale and the device
# (`fssm.describe_run()`, the first line of every chapter), so numbers from different scales are never
# confused. An unknown scale is an error, not a silent default:

# %%
print("scale of this run:", fssm.get_scale(), "(FSSM_SCALE, or 'book' when it is not set)")
print("explicit argument wins:", fssm.get_scale("smoke"))
try:
    fssm.get_scale("huge")
except ValueError as err:
    print("ValueError:", err)
print(fssm.describe_run(scale="colab", device="cpu"))

# %% [markdown]
# ## 1.5 The device
#
# No module of `fssm` hard-codes `"cuda"`. A notebook or script asks `fssm.get_device()` once: it
# returns the argument if given, else the environment variable `FSSM_DEVICE` if set, else CUDA, MPS or
# CPU, whichever is available first. Modules then create every tensor on the device of their own
# parameters, so moving a model with `.to(device)` is all it takes. The check confirms that a kernel
# computed after `.to(device)` lives on that device and equals the CPU result.

# %%
device = fssm.get_device()
print("device:", device.type, "| scale:", fssm.get_scale())
k_dev = fssm.S4DKernel(2, 4).double()
K_cpu = k_dev(32)
K_dev = k_dev.to(device)(32)
assert K_dev.device.type == device.type
torch.testing.assert_close(K_dev.cpu(), K_cpu, rtol=1e-9, atol=1e-12)
print("kernel on", K_dev.device.type, "equals the CPU kernel: OK")

# %% [markdown]
# ## 1.6 Seeding and reproducibility
#
# `fssm.seed_everything(seed)` seeds Python's `random`, NumPy and PyTorch (all devices) with one integer
# and returns it, so that it can be logged. On one CPU, with the same number of threads, two runs from
# the same seed are **bit-identical**, not merely close. Another CPU may take other vectorized code paths and
# round differently in the last digits, and on a GPU some operations (reductions and backward passes that use
# atomic additions, some cuDNN algorithms) are non-deterministic, so results agree only to rounding there.
# The book therefore prints what a claim needs and asserts it, rather than printing round-off (Appendix B).
# The check builds a layer and runs it on random data twice from seed 0, and once from seed 1.

# %%
def one_run(seed: int) -> torch.Tensor:
    fssm.seed_everything(seed)
    layer = fssm.S4DLayer(d_model=4, d_state=8)
    u = torch.randn(2, 4, 64)
    with torch.no_grad():
        return layer(u)


y_a, y_b, y_c = one_run(0), one_run(0), one_run(1)
assert torch.equal(y_a, y_b), "same seed must give bit-identical outputs on the CPU"
assert not torch.allclose(y_a, y_c), "a different seed must give a different model"
print("same seed: bit-identical;  another seed: a different model: OK")
_ = fssm.seed_everything(0)  # back to the chapter's seed

# %% [markdown]
# ## Summary
# - One name per quantity: symbol, code name and shape are listed together in the glossary (here and in
#   `fssm/__init__.py`). Layers map `r(B H L)` to `r(B H L)`; per-mode quantities are `c(H N)`.
# - $N$ counts complex modes; each stands for a conjugate pair of a real system, so every kernel is
#   $K_l = 2\,\mathrm{Re}\sum_j \tilde C_j \lambda_j^l$, real by construction.
# - $s$ is in rad per unit time, $\omega$ in rad per sample, and $\omega = s\,\Delta t$. Mode $j$ sits at
#   $\omega_j \approx \Delta t\,y_j$; it aliases when $\Delta t\,|y_j| > \pi$.
# - `FSSM_SCALE` (smoke, book, colab, paper) sets the size of every experiment, `fssm.get_device()`
#   picks the device, and `fssm.seed_everything` makes runs on one CPU bit-identical. Every chapter prints
#   `fssm.describe_run()` first.
#
# ## Exercises
#
# **Exercise 1.1 (units).** A speech signal is sampled at 16 kHz and you choose the unit of time to be
# one second, so $\Delta t = 1/16000$. (a) At how many rad per sample does a 440 Hz tone appear? (b) The
# S4D-Lin modes with $\alpha = 1$ sit at $y_n = \pi n$ rad per second. Which $n$ matches the tone, and
# how many modes would a channel need to reach it? (c) What does this say about choosing $\Delta t$ (or
# $\alpha$) for audio?

# %% tags=["hide-input"]
# Solution
fs = 16000.0
dt_audio = 1.0 / fs
s_tone = 2 * math.pi * 440.0          # rad per second
w_tone = s_tone * dt_audio            # rad per sample
n_match = s_tone / math.pi            # y_n = pi n  =>  n = s / pi
print(f"(a) omega = {w_tone:.4f} rad/sample   (b) n = {n_match:.0f}, so N >= {n_match + 1:.0f} modes")
assert abs(w_tone - 2 * math.pi * 440 / 16000) < 1e-12 and round(n_match) == 880
# (c) With dt = 1/16000 and alpha = 1 the S4D-Lin modes cover only omega <= pi (N-1) dt: a typical
# N = 64 reaches 0.0124 rad/sample, i.e. about 32 Hz. Either a larger dt (e.g. dt = 1, one unit of time
# per sample, so that y_n = pi n is already in rad/sample) or a larger alpha is needed: exactly the
# frequency-bias question of this book.
print(f"(c) N = 64 reaches omega = {math.pi * 63 * dt_audio:.4f} rad/sample = {63 / 2:.1f} Hz")

# %% [markdown]
# **Exercise 1.2 (aliasing threshold).** For S4D-Lin with $N = 64$ and $\alpha = 1$, find the largest
# step $\Delta t$ for which no mode aliases. Confirm that `S4DKernel` raises an `AliasingWarning` just
# above it and not just below it (catch the warning with `warnings.catch_warnings(record=True)`).

# %% tags=["hide-input"]
# Solution
# The fastest mode is y_63 = 63 pi; no aliasing iff dt * 63 pi <= pi, i.e. dt <= 1/63.
import warnings

dt_max_safe = 1.0 / 63
for factor, should_warn in ((0.99, False), (1.01, True)):
    dt_try = factor * dt_max_safe
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fssm.S4DKernel(1, 64, init="lin", dt_min=dt_try, dt_max=dt_try)
    warned = any(issubclass(w.category, fssm.AliasingWarning) for w in caught)
    print(f"dt = {dt_try:.5f}: AliasingWarning {'raised' if warned else 'not raised'}")
    assert warned == should_warn

# %% [markdown]
# **Exercise 1.3 (one pair, written out).** Take a single mode with $\tilde C = \rho e^{i\varphi}$ and
# $\lambda = r e^{i\theta}$. Show that $K_l = 2\rho\, r^l \cos(\theta l + \varphi)$: a damped cosine whose
# frequency is $\theta = \arg\lambda$ rad per sample and whose decay per sample is $r = |\lambda|$. For the
# zoh step $\lambda = e^{a\Delta t}$, what are $r$ and $\theta$ in terms of $x$, $y$ and $\Delta t$? Check
# the formula against `kernel(L)`.

# %% tags=["hide-input"]
# Solution
# C~ lambda^l = rho r^l e^{i(theta l + phi)}, whose real part times 2 is the formula.
# For zoh, lambda = e^{x dt} e^{i y dt}: r = e^{x dt} (decay), theta = y dt (mod 2 pi): omega = s dt again.
x_, y_, dt_ = -0.3, 2.0, 0.1
mode = fssm.S4DKernel(1, 1, init=torch.tensor([complex(x_, y_)]), dt_min=dt_, dt_max=dt_,
                      C_init=torch.tensor([[0.7 - 0.4j]])).double()
lam, Ct = (t[0, 0].item() for t in mode.discretize())
l = torch.arange(50, dtype=torch.float64)
closed = 2 * abs(Ct) * abs(lam) ** l * torch.cos(math.atan2(lam.imag, lam.real) * l + math.atan2(Ct.imag, Ct.real))
torch.testing.assert_close(mode(50)[0], closed, rtol=1e-10, atol=1e-12)
q = mode.ssm()  # the stored a and dt (parameters are created in float32, so use them, not x_, y_, dt_)
a_st, dt_st = q["A"][0, 0].item(), q["dt"][0].item()
assert abs(abs(lam) - math.exp(a_st.real * dt_st)) < 1e-12
assert abs(math.atan2(lam.imag, lam.real) - a_st.imag * dt_st) < 1e-12
print(f"r = {abs(lam):.6f} = exp(x dt);  theta = {math.atan2(lam.imag, lam.real):.6f} = y dt")

# %% [markdown]
# ## References
# ```{bibliography}
# :filter: docname in docnames
# ```
