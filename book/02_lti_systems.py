# %% [markdown]
# # 2. LTI systems and SSMs
#
# An S4D layer {cite:p}`gu2022s4d` is, channel by channel, a linear time-invariant (LTI) system: a
# linear ordinary differential equation driven by the input signal. This chapter builds that system up
# from its state equations and shows the three faces it has in practice. As a **differential equation**
# it has an impulse response $h(t) = Ce^{At}B$. After **discretization** with a step $\Delta t$ it becomes
# a linear **recurrence** that reads the sequence one sample at a time. Unrolling the recurrence turns it
# into a **convolution** with a kernel $K$, which the FFT evaluates for the whole sequence at once. The
# three faces compute the same numbers, and each check cell below proves it on an example.
#
# Everything in the later chapters, including the frequency bias of {cite:t}`yu2025tuning`, is a
# statement about the kernel $K$ and its Fourier transform, so it pays to know exactly where $K$ comes
# from.
#
# ## Learning goals
# - Solve the state equation $x' = Ax + Bu$ by variation of constants and read off the impulse response
#   $h(t) = Ce^{At}B$.
# - Explain why a diagonal complex $A$ with implicit conjugate partners describes a *real* system, and
#   translate a complex mode into a real $2\times2$ block.
# - Derive the zero-order-hold (zoh) and bilinear discretizations step by step.
# - Unroll the recurrence into the convolution kernel $K_l = 2\,\mathrm{Re}\sum_j \tilde C_j\lambda_j^l$.
# - Compute a causal convolution with the FFT correctly (zero-padding to $2L$) and explain the
#   wrap-around error of an unpadded one.
# - Compare the cost of the recurrent and the convolutional view.
#
# ## Prerequisites
# - {doc}`Chapter 1 <01_notation>` (notation, conjugate pairs, $s$ versus $\omega$).
# - Linear algebra: eigendecomposition, the matrix exponential $e^{At} = \sum_k (At)^k/k!$.
# - The discrete Fourier transform and the FFT (any signal-processing text, e.g.
#   {cite:t}`oppenheim2010dsp`).

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

# %%
import math

import numpy as np
import torch

from fssm.kernel import discretize
from fssm.layer import fft_conv, ssm_recurrence

torch.set_default_dtype(torch.float64)  # this chapter checks identities to ~1e-10: float64 throughout

# %% [markdown]
# ## 2.1 State equations and the impulse response
#
# Take one channel: a scalar input $u(t)$, a scalar output $y(t)$ and a state $x(t) \in \mathbb{R}^n$.
# A continuous-time LTI system is
#
# $$
# x'(t) = A\,x(t) + B\,u(t), \qquad y(t) = C\,x(t) + D\,u(t),
# $$
#
# with constant matrices $A \in \mathbb{R}^{n\times n}$, $B \in \mathbb{R}^{n\times 1}$,
# $C \in \mathbb{R}^{1\times n}$ and a scalar $D$. "Linear" means that the output of a sum of inputs is
# the sum of the outputs; "time-invariant" means that delaying the input delays the output and changes
# nothing else, because $A, B, C, D$ do not depend on $t$.
#
# **Solving it (variation of constants).** Multiply the state equation by the integrating factor
# $e^{-At}$, which commutes with $A$ and has derivative $-Ae^{-At}$:
#
# $$
# \begin{aligned}
# \frac{d}{dt}\Big(e^{-At}x(t)\Big) &= e^{-At}x'(t) - e^{-At}A\,x(t) = e^{-At}\big(x'(t) - A\,x(t)\big)
#   = e^{-At}B\,u(t).
# \end{aligned}
# $$
#
# Integrate from $0$ to $t$ and multiply by $e^{At}$:
#
# $$
# \begin{aligned}
# e^{-At}x(t) - x(0) &= \int_0^t e^{-A\tau}B\,u(\tau)\,d\tau \\
# x(t) &= e^{At}x(0) + \int_0^t e^{A(t-\tau)}B\,u(\tau)\,d\tau .
# \end{aligned}
# $$
#
# Starting from rest, $x(0) = 0$, the output is a convolution of the input with a fixed function:
#
# $$
# y(t) = \int_0^t h(t-\tau)\,u(\tau)\,d\tau + D\,u(t), \qquad h(t) = C\,e^{At}B \quad (t \ge 0).
# $$
#
# $h$ is the **impulse response**: the output for an input $u = \delta$, a unit impulse at time 0. An
# LTI system is completely described by $h$ and $D$. If every eigenvalue of $A$ has a negative real part,
# $h$ decays exponentially, the system forgets its distant past smoothly, and bounded inputs give
# bounded outputs; every SSM in this book is stable in this sense.
#
# ## 2.2 Diagonalization and conjugate pairs
#
# Suppose $A$ is diagonalizable, $A = V\Lambda V^{-1}$ with $\Lambda = \mathrm{diag}(a_1, \dots, a_n)$
# (true for almost every matrix). In the coordinates $\tilde x = V^{-1}x$ the system decouples into $n$
# scalar equations, one per **mode**:
#
# $$
# \tilde x_j' = a_j\,\tilde x_j + (V^{-1}B)_j\,u, \qquad
# h(t) = CVe^{\Lambda t}V^{-1}B = \sum_{j=1}^{n} (CV)_j (V^{-1}B)_j\, e^{a_j t}.
# $$
#
# Only the products $(CV)_j (V^{-1}B)_j$ enter $h$, so nothing is lost by setting the input weights to
# one and folding the products into $C$: this is the $B$ that disappears in `fssm` (Chapter 1). A diagonal
# SSM is therefore a sum of exponentials $e^{a_jt}$, each with its own complex weight $C_j$.
#
# **Why conjugate pairs.** $A$, $B$, $C$ are real. If $Av = av$ then, conjugating, $A\bar v = \bar a \bar v$:
# non-real eigenvalues come in pairs $a, \bar a$ with conjugate eigenvectors, and the weight of $\bar a$
# is the conjugate of the weight of $a$. With $n = 2N$ and the pairs $(a_j, \bar a_j)$,
#
# $$
# h(t) = \sum_{j=1}^{N}\Big(C_j e^{a_j t} + \overline{C_j}\, e^{\bar a_j t}\Big)
#      = 2\,\mathrm{Re}\sum_{j=1}^{N} C_j\, e^{a_j t}.
# $$
#
# S4D stores the $N$ pairs once and takes $2\,\mathrm{Re}$ {cite:p}`gu2022s4d`. Conversely, *any* $N$
# complex pairs $(a_j, C_j)$ with $\mathrm{Re}\,a_j < 0$ define a real stable system. To see the real
# system explicitly, write one mode $z' = az + u$, $a = x + iy$, as $z = p + iq$ and split real and
# imaginary parts:
#
# $$
# \begin{aligned}
# p' &= x\,p - y\,q + u, \\
# q' &= y\,p + x\,q,
# \end{aligned}
# \qquad
# 2\,\mathrm{Re}(Cz) = 2\,\mathrm{Re}(C)\,p - 2\,\mathrm{Im}(C)\,q .
# $$
#
# In matrix form the mode is the real block
#
# $$
# M = \begin{pmatrix} x & -y \\ y & x \end{pmatrix} = xI + yJ, \quad
# J = \begin{pmatrix} 0 & -1 \\ 1 & 0 \end{pmatrix}, \qquad
# e^{Mt} = e^{xt}\begin{pmatrix} \cos yt & -\sin yt \\ \sin yt & \cos yt \end{pmatrix},
# $$
#
# with input vector $b = (1, 0)^\top$ and output row $c = (2\,\mathrm{Re}\,C, -2\,\mathrm{Im}\,C)$.
# $I$ and $J$ commute, so $e^{Mt} = e^{xt}e^{yJt}$, and $e^{yJt}$ is a rotation by the angle $yt$. This is
# the picture to keep in mind for the rest of the book: **the real part $x$ sets how fast a mode decays,
# the imaginary part $y$ how fast it rotates**, i.e. its frequency in rad per unit time.
#
# The check builds the dense real $2N \times 2N$ system from the blocks, computes $c\,e^{Mt}b$ with
# `torch.linalg.matrix_exp` (which knows nothing about eigenvalues), and compares it with
# $2\,\mathrm{Re}\sum_j C_j e^{a_jt}$.

# %%
def real_block_system(a: torch.Tensor, C: torch.Tensor):
    """Dense real system (M, b, c) of N complex modes: M r(2N 2N), b r(2N 1), c r(1 2N).

    Mode j occupies rows/columns 2j, 2j+1: block [[x, -y], [y, x]], input (1, 0), output (2 Re C, -2 Im C).
    """
    N = a.shape[0]
    M, b, c = torch.zeros(2 * N, 2 * N), torch.zeros(2 * N, 1), torch.zeros(1, 2 * N)
    for j in range(N):
        x, y = a[j].real.item(), a[j].imag.item()
        M[2 * j:2 * j + 2, 2 * j:2 * j + 2] = torch.tensor([[x, -y], [y, x]])
        b[2 * j, 0] = 1.0
        c[0, 2 * j], c[0, 2 * j + 1] = 2 * C[j].real.item(), -2 * C[j].imag.item()
    return M, b, c


a_demo = fssm.init.lin(4) + torch.tensor([0.0, -0.3, 0.2, 0.1], dtype=torch.complex128)  # 4 modes
C_demo = torch.randn(4, dtype=torch.complex128)
M, b, c = real_block_system(a_demo, C_demo)
t_eval = torch.tensor([0.0, 0.1, 0.7, 2.5, 6.0])
h_dense = torch.stack([(c @ torch.linalg.matrix_exp(M * t) @ b).squeeze() for t in t_eval])
h_modes = 2 * (C_demo[:, None] * torch.exp(a_demo[:, None] * t_eval)).sum(0).real
print("t      :", [f"{t:.1f}" for t in t_eval.tolist()])
print("h(t)   :", [f"{v:.4f}" for v in h_modes.tolist()])

# %%
# Check: c e^{Mt} b of the real block system equals 2 Re sum_j C_j e^{a_j t}.
torch.testing.assert_close(h_dense, h_modes, rtol=1e-10, atol=1e-12)
print("real 2N x 2N system == 2 Re of N complex modes: OK")

# %% [markdown]
# ## 2.3 Discretization
#
# A sequence model sees samples $u_0, u_1, \dots, u_{L-1}$, not a function $u(t)$. To run the ODE on a
# sequence we fix a step $\Delta t$, sample times $t_k = k\,\Delta t$, and an assumption about what the
# input does between samples. Both methods below use the state at the sample times, $x_k = x(t_k)$, and
# produce a linear recurrence
#
# $$
# x_k = \bar A\, x_{k-1} + \bar B\, u_k, \qquad y_k = C\, x_k + D\,u_k .
# $$
#
# ### Zero-order hold (zoh)
#
# Assume the input is **held constant** over each step: $u(t) = u_k$ for $t \in (t_{k-1}, t_k]$. Apply the
# variation-of-constants formula of Section 2.1 over one step, from $t_{k-1}$ to $t_k$:
#
# $$
# \begin{aligned}
# x(t_k) &= e^{A\Delta t}\,x(t_{k-1}) + \int_{t_{k-1}}^{t_k} e^{A(t_k-\tau)}B\,u_k\,d\tau \\
#        &= e^{A\Delta t}\,x(t_{k-1}) + \Big(\int_0^{\Delta t} e^{A\sigma}\,d\sigma\Big) B\,u_k
#           \qquad (\sigma = t_k - \tau) \\
#        &= e^{A\Delta t}\,x(t_{k-1}) + A^{-1}\big(e^{A\Delta t} - I\big) B\,u_k .
# \end{aligned}
# $$
#
# So $\bar A = e^{A\Delta t}$ and $\bar B = A^{-1}(e^{A\Delta t} - I)B$. No approximation was made: for
# held inputs the recurrence reproduces the ODE's state exactly at the sample times. For a diagonal $A$
# everything is per mode:
#
# $$
# \lambda_j = e^{a_j\Delta t}, \qquad \bar B_j = \frac{e^{a_j\Delta t} - 1}{a_j}.
# $$
#
# ### Bilinear (Tustin)
#
# Integrate the state equation exactly over one step and keep the same held input:
#
# $$
# x_k - x_{k-1} = \int_{t_{k-1}}^{t_k} A\,x(\tau)\,d\tau + \Delta t\, B\,u_k .
# $$
#
# Now approximate the remaining integral by the **trapezoid rule**,
# $\int_{t_{k-1}}^{t_k} A x\,d\tau \approx \tfrac{\Delta t}{2}A(x_{k-1} + x_k)$, and solve for $x_k$:
#
# $$
# \begin{aligned}
# \Big(I - \tfrac{\Delta t}{2}A\Big)x_k &= \Big(I + \tfrac{\Delta t}{2}A\Big)x_{k-1} + \Delta t\,B\,u_k \\
# \bar A &= \Big(I - \tfrac{\Delta t}{2}A\Big)^{-1}\Big(I + \tfrac{\Delta t}{2}A\Big), \qquad
# \bar B = \Big(I - \tfrac{\Delta t}{2}A\Big)^{-1}\Delta t\,B,
# \end{aligned}
# $$
#
# and per mode
#
# $$
# \lambda_j = \frac{1 + a_j\Delta t/2}{1 - a_j\Delta t/2}, \qquad \bar B_j = \frac{\Delta t}{1 - a_j\Delta t/2}.
# $$
#
# This is the discretization of S4 {cite:p}`gu2022s4`. It is an approximation: with $z = a\Delta t$,
# $\frac{1 + z/2}{1 - z/2} = 1 + z + \frac{z^2}{2} + \frac{z^3}{4} + \dots$ while
# $e^z = 1 + z + \frac{z^2}{2} + \frac{z^3}{6} + \dots$, so the bilinear pole is the $(1,1)$ Padé
# approximant of the zoh pole, with local error $z^3/12$.
#
# **Both keep stability.** For zoh, $|\lambda_j| = e^{x_j\Delta t} < 1$ exactly when $x_j < 0$. For
# bilinear, $|1 + z/2|^2 - |1 - z/2|^2 = 2\,\mathrm{Re}\,z$, so $|\lambda_j| < 1$ exactly when $x_j < 0$.
# They differ on the imaginary axis: zoh maps $iy$ to $e^{iy\Delta t}$, wrapping around the circle
# every $2\pi/\Delta t$ (aliasing, Chapter 1), while bilinear maps the whole imaginary axis once onto the
# unit circle, compressing high frequencies (the warp $\omega = 2\arctan(s\Delta t/2)$, Chapter 3).
#
# The library implements both formulas in `fssm.kernel.discretize`, already with $\bar B_j$ folded into
# the output weight, $\tilde C_j = C_j \bar B_j$ (Section 2.4 explains why that is allowed):
#
# ```{literalinclude} ../fssm/kernel.py
# :language: python
# :pyobject: discretize
# ```
#
# The check compares the library's bilinear pole with the exact exponential for shrinking steps. The
# difference must behave like $|z|^3/12$: it shrinks by a factor of 8 when $\Delta t$ halves, and the
# ratio of the two tends to one.

# %%
# Check: bilinear pole = Pade approximant of exp(a dt), error ~ |a dt|^3 / 12; both discretizations stable.
a_row = torch.tensor([[-0.5 + 3.0j, -1.0 + 10.0j, -0.2 + 0.5j]])  # c(1 N)
ones = torch.ones_like(a_row)
errors = []
for dt_k in (0.02, 0.01, 0.005):
    dt_t = torch.tensor([dt_k])
    lam_bil, _ = discretize(a_row, ones, dt_t, "bilinear")
    lam_zoh, _ = discretize(a_row, ones, dt_t, "zoh")
    err = (lam_bil - lam_zoh).abs()
    errors.append(err.max().item())
    predicted = (a_row * dt_k).abs() ** 3 / 12
    print(f"dt = {dt_k:<6}: max |lambda_bil - exp(a dt)| = {errors[-1]:.3e},"
          f"  ratio to |a dt|^3/12 in [{(err / predicted).min().item():.3f}, {(err / predicted).max().item():.3f}]")
    assert torch.allclose(err / predicted, torch.ones_like(err), rtol=0.06)
    assert bool((lam_bil.abs() < 1).all() and (lam_zoh.abs() < 1).all())
for e1, e2 in zip(errors, errors[1:]):
    assert 7.5 < e1 / e2 < 8.5, "third-order local error: halving dt divides it by 8"
print("bilinear = third-order accurate pole, both stable: OK")

# %% [markdown]
# ## 2.4 From recurrence to convolution
#
# Take one mode of the discrete system, $x_k = \lambda x_{k-1} + \bar B u_k$ with $x_{-1} = 0$. The factor
# $\bar B$ can be moved into the output: the state $\xi_k = x_k / \bar B$ obeys
# $\xi_k = \lambda\xi_{k-1} + u_k$, and $Cx_k = (C\bar B)\,\xi_k = \tilde C\,\xi_k$. This is why the code
# only ever needs the pair $(\lambda_j, \tilde C_j)$ returned by `discretize`. Now unroll:
#
# $$
# \begin{aligned}
# \xi_0 &= u_0, \qquad \xi_1 = \lambda u_0 + u_1, \qquad \xi_2 = \lambda^2 u_0 + \lambda u_1 + u_2, \\
# \xi_k &= \sum_{l=0}^{k} \lambda^l\, u_{k-l} \qquad \text{(induction: } \xi_{k} = \lambda \xi_{k-1} + u_k).
# \end{aligned}
# $$
#
# The output of the channel adds up the $N$ modes and their conjugate partners. Because $u$ is real, the
# real part can be pulled past it:
#
# $$
# \begin{aligned}
# y_k = 2\,\mathrm{Re}\sum_{j=1}^{N}\tilde C_j\, \xi_{j,k}
#     &= 2\,\mathrm{Re}\sum_{j=1}^{N}\tilde C_j \sum_{l=0}^{k}\lambda_j^l\, u_{k-l}
#      = \sum_{l=0}^{k}\Big(2\,\mathrm{Re}\sum_{j=1}^{N}\tilde C_j\,\lambda_j^l\Big) u_{k-l} \\
#     &= \sum_{l=0}^{k} K_l\, u_{k-l}, \qquad K_l = 2\,\mathrm{Re}\sum_{j=1}^{N}\tilde C_j\,\lambda_j^l .
# \end{aligned}
# $$
#
# The recurrence is a causal convolution with the kernel $K$; the skip term adds $D u_k$ (the same as
# adding $D$ to $K_0$). $K_l$ is the discrete impulse response: the output at lag $l$ after a unit impulse.
# In the zoh case $K_l = 2\,\mathrm{Re}\sum_j C_j \bar B_j e^{a_j \Delta t\, l}$ is
# $\Delta t\, h(l\,\Delta t)$ up to $O(\Delta t^2)$: the sampled continuous impulse response.
#
# This is the **S4D kernel**. For all lags at once it is a Vandermonde product: the matrix
# $(\lambda_j^l)_{j,l}$ is a Vandermonde matrix and $K = 2\,\mathrm{Re}(\tilde C^\top V)$. The library's
# readable reference computes exactly that (the $(H, N, L)$ tensor of powers costs $O(HNL)$ memory):
#
# ```{literalinclude} ../fssm/kernel.py
# :language: python
# :pyobject: vandermonde_kernel
# ```
#
# and the recurrence, one step at a time:
#
# ```{literalinclude} ../fssm/layer.py
# :language: python
# :pyobject: ssm_recurrence
# ```
#
# The check runs both views of the same kernel on random inputs, for both discretizations:
# `ssm_recurrence` against `fft_conv` (Section 2.6) with the kernel from the Vandermonde formula.

# %%
# Check: the recurrence equals the convolution with K (float64), zoh and bilinear.
Bsz, H, N, L = 2, 3, 8, 300
u = torch.randn(Bsz, H, L)
for disc in ("zoh", "bilinear"):
    ker = fssm.S4DKernel(H, N, init="lin", disc=disc, dt_min=1e-2, dt_max=1e-1)
    with torch.no_grad():
        y_rec = ssm_recurrence(ker, u)
        y_conv = fft_conv(u, ker(L))
    torch.testing.assert_close(y_conv, y_rec, rtol=1e-9, atol=1e-10)
    print(f"{disc:8s}: recurrence == FFT convolution (B={Bsz}, H={H}, N={N}, L={L}): OK")

# %% [markdown]
# ### What a single mode looks like
#
# A single mode with $\tilde C = \rho e^{i\varphi}$ and $\lambda = re^{i\theta}$ has the kernel
# $K_l = 2\rho\,r^l\cos(\theta l + \varphi)$ (Exercise 1.3). With zoh, $r = e^{x\Delta t}$ and
# $\theta = y\Delta t$: the kernel is a cosine of frequency $y\Delta t$ rad per sample, a period of
# $2\pi/(y\Delta t)$ samples, under an envelope that halves every $\ln 2/(|x|\Delta t)$ samples. The
# figure varies $y$ at fixed $x$ (left) and $x$ at fixed $y$ (right), with $\Delta t = 0.1$ and $C = 1$.

# %%
def single_mode_kernel(x: float, y: float, dt: float, L: int, disc: str = "zoh") -> torch.Tensor:
    """Kernel r(L) of one mode a = x + i y with C = 1 and a fixed step dt."""
    k = fssm.S4DKernel(1, 1, init=torch.tensor([complex(x, y)]), dt_min=dt, dt_max=dt, disc=disc,
                       C_init=torch.ones(1, 1))
    with torch.no_grad():
        return k(L)[0]


dt_fig, L_fig = 0.1, 120
lags = np.arange(L_fig)
left = [(-0.3, 0.0), (-0.3, math.pi), (-0.3, 3 * math.pi)]
right = [(-0.1, math.pi), (-0.5, math.pi), (-2.0, math.pi)]
fig, axes = plot.figure(ncols=2, width=9.6, height=3.4, sharey=True)
for ax, modes, what in ((axes[0], left, "fixed decay, varying frequency"),
                        (axes[1], right, "fixed frequency, varying decay")):
    for i, (x, y) in enumerate(modes):
        ax.plot(lags, single_mode_kernel(x, y, dt_fig, L_fig).numpy(), color=plot.COLORS[i], lw=1.2,
                label=f"x = {x:g}, y = " + {0: "0", 1: "$\\pi$"}.get(round(y / math.pi), f"{y / math.pi:g}$\\pi$"))
        ax.plot(lags, 2 * dt_fig * np.exp(x * dt_fig * lags), color=plot.COLORS[i], lw=0.8, ls=":")
    ax.set_xlabel("lag l (samples)")
    ax.set_title(what, fontsize=10)
    _ = ax.legend(fontsize=8)
axes[0].set_ylabel(r"kernel $K_l$")
fig.suptitle(r"Figure 2.1: kernels of single modes ($\Delta t$ = 0.1, zoh, C = 1)", fontsize=10)
plot.plt.show()

# %% [markdown]
# *Figure 2.1. Kernels $K_l$ of single modes $a = x + iy$ against the lag in samples. Dotted: the
# approximate envelope $2\Delta t\,e^{x\Delta t\,l}$ (since $|\tilde C| \approx \Delta t$). Left: at fixed
# $x = -0.3$ the mode decays at the same rate whatever its frequency; $y = \pi$ and $3\pi$ rad per unit
# time give periods of 20 and $6.7$ samples. Right: at fixed $y = \pi$ the real part only changes the
# decay, from a half-life of 69 samples ($x = -0.1$) to 3.5 samples ($x = -2$).*
#
# The check turns the caption into numbers: the real mode ($y = 0$) never changes sign and falls to half
# its initial value after $\ln 2/(|x|\Delta t)$ samples; an oscillating mode changes sign about
# $2 \cdot L\,y\Delta t / (2\pi)$ times in $L$ samples (twice per period).

# %%
# Check: decay rate set by x, oscillation frequency set by y (zoh, dt = 0.1).
L_chk = 400
K_real = single_mode_kernel(-0.3, 0.0, dt_fig, L_chk)
assert bool((K_real > 0).all()) and bool((K_real[1:] < K_real[:-1]).all()), "real mode: positive, monotone"
half_life = math.log(2) / (0.3 * dt_fig)  # samples
l_half = int((K_real <= K_real[0] / 2).nonzero()[0])
assert abs(l_half - half_life) <= 1.0
print(f"y = 0: half-life {l_half} samples (predicted {half_life:.1f})")
for y in (math.pi, 3 * math.pi):
    K_osc = single_mode_kernel(-0.01, y, dt_fig, L_chk)  # slow decay: many periods visible
    sign_changes = int((torch.sign(K_osc[1:]) != torch.sign(K_osc[:-1])).sum())
    predicted = L_chk * y * dt_fig / math.pi
    print(f"y = {y / math.pi:g} pi: {sign_changes} sign changes in {L_chk} samples (predicted {predicted:.1f})")
    assert abs(sign_changes - predicted) <= 1.5

# %% [markdown]
# ## 2.5 An independent check: the dense real system
#
# The identities above were checked with the library's own building blocks. To rule out a shared
# mistake, we now discretize the *dense real* $2N\times2N$ system of Section 2.2 with general matrix
# operations and compare its impulse response $K_l = c\,\bar A^{\,l}\,\bar B$ with `kernel(L)`.
#
# For zoh we need $e^{M\Delta t}$ and $\int_0^{\Delta t} e^{M\sigma}d\sigma\, b$ without inverting $M$. A
# classical trick does both with one matrix exponential of an augmented matrix. Let
# $F = \begin{pmatrix} M & b \\ 0 & 0\end{pmatrix}$. Its powers are
# $F^k = \begin{pmatrix} M^k & M^{k-1}b \\ 0 & 0\end{pmatrix}$ for $k \ge 1$, so
#
# $$
# e^{F\Delta t} = \begin{pmatrix} \sum_{k\ge0} \frac{(M\Delta t)^k}{k!} & \sum_{k\ge1}\frac{\Delta t^k M^{k-1}}{k!}\,b \\ 0 & 1 \end{pmatrix}
#              = \begin{pmatrix} e^{M\Delta t} & \int_0^{\Delta t} e^{M\sigma}d\sigma\; b \\ 0 & 1 \end{pmatrix},
# $$
#
# because $\int_0^{\Delta t}\frac{(M\sigma)^{k-1}}{(k-1)!}d\sigma = \frac{\Delta t^k M^{k-1}}{k!}$. The top
# row of `matrix_exp(F * dt)` is $(\bar A, \bar B)$. For bilinear we solve the two linear systems of
# Section 2.3 with `torch.linalg.solve`.

# %%
def dense_kernel(M: torch.Tensor, b: torch.Tensor, c: torch.Tensor, dt: float, L: int, disc: str):
    """Impulse response K_l = c Abar^l Bbar, l < L, of the dense real system (M, b, c), r(L)."""
    n = M.shape[0]
    if disc == "zoh":
        F = torch.zeros(n + 1, n + 1)
        F[:n, :n], F[:n, n:] = M, b
        E = torch.linalg.matrix_exp(F * dt)
        A_bar, B_bar = E[:n, :n], E[:n, n:]
    else:
        I = torch.eye(n)
        A_bar = torch.linalg.solve(I - dt / 2 * M, I + dt / 2 * M)
        B_bar = torch.linalg.solve(I - dt / 2 * M, dt * b)
    out, state = [], B_bar
    for _ in range(L):
        out.append((c @ state).item())
        state = A_bar @ state
    return torch.tensor(out)


# %%
# Check: kernel(L) of S4DKernel == impulse response of the dense real 2N x 2N system, zoh and bilinear.
H, N, L = 2, 6, 200
for disc in ("zoh", "bilinear"):
    ker = fssm.S4DKernel(H, N, init="inv", disc=disc, dt_min=1e-2, dt_max=5e-2)  # dt * max y < pi
    with torch.no_grad():
        K_lib, q = ker(L), ker.ssm()
    for h in range(H):
        M, b, c = real_block_system(q["A"][h], q["C"][h])
        K_dense = dense_kernel(M, b, c, q["dt"][h].item(), L, disc)
        torch.testing.assert_close(K_lib[h], K_dense, rtol=1e-9, atol=1e-11)
    print(f"{disc:8s}: S4DKernel == dense real {2 * N}x{2 * N} system ({H} channels, L = {L}): OK")

# %% [markdown]
# Zoh is exact for held inputs, so the dense zoh kernel is the "true" response of the sampled system.
# How far is the bilinear kernel from it? The local pole error $z^3/12$ accumulates over the
# $T/\Delta t$ steps of a fixed time horizon $T$ into a relative kernel error of order $\Delta t^2$:
# halving the step should divide it by 4. The check measures this with the matrix-exponential kernel as
# the reference.

# %%
# Check: bilinear kernel -> exact (matrix-exponential) zoh kernel with second-order accuracy.
a_fix = torch.tensor([-0.5 + 3.0j, -1.0 + 10.0j, -0.2 + 0.5j])
C_fix = torch.tensor([[1.0 + 0.5j, 0.3 - 1.0j, 2.0 + 0.0j]])
T = 5.0  # time horizon, in units of time
rel_errors = []
for dt_k in (0.02, 0.01, 0.005):
    ker = fssm.S4DKernel(1, 3, init=a_fix, disc="bilinear", dt_min=dt_k, dt_max=dt_k, C_init=C_fix)
    L_k = int(round(T / dt_k))
    with torch.no_grad():
        K_bil, q = ker(L_k)[0], ker.ssm()
    M, b, c = real_block_system(q["A"][0], q["C"][0])
    K_exact = dense_kernel(M, b, c, q["dt"][0].item(), L_k, "zoh")
    rel_errors.append(((K_bil - K_exact).abs().max() / K_exact.abs().max()).item())
    print(f"dt = {dt_k:<6} (L = {L_k:4d}): max relative error of the bilinear kernel {rel_errors[-1]:.3e}")
for e1, e2 in zip(rel_errors, rel_errors[1:]):
    assert 3.6 < e1 / e2 < 4.4, "second order: halving dt divides the error by 4"
print("bilinear kernel converges to the exact kernel at second order: OK")

# %% [markdown]
# ## 2.6 Computing the convolution with the FFT
#
# The output $y_k = \sum_{l=0}^{k} K_l u_{k-l}$ for $k = 0, \dots, L-1$ costs $O(L^2)$ operations if summed
# directly. The FFT does it in $O(L\log L)$, but only if it is used correctly.
#
# **The convolution theorem is about circular convolution.** For sequences of length $n$, the discrete
# Fourier transform $\mathcal F_n$ turns the *circular* convolution
# $(K \circledast_n u)_t = \sum_{l=0}^{n-1} K_l\, u_{(t-l) \bmod n}$ into a pointwise product:
# $\mathcal F_n(K\circledast_n u) = \mathcal F_n(K)\cdot\mathcal F_n(u)$. The index $(t - l) \bmod n$
# wraps around: for $l > t$ it reaches back to the *end* of the sequence.
#
# **Without padding ($n = L$) the answer is wrong.** Split the circular sum at $l = t$:
#
# $$
# (K\circledast_L u)_t = \underbrace{\sum_{l=0}^{t} K_l\,u_{t-l}}_{y_t}
#                      + \underbrace{\sum_{l=t+1}^{L-1} K_l\,u_{L+t-l}}_{\text{wrap-around}} .
# $$
#
# The second sum feeds *later* inputs $u_{L+t-l}$ (indices after $t$) into the output at time $t$: the
# model sees the future. The wrap-around sum is exactly the part of the full linear convolution
# $y^{\text{full}}_m = \sum_l K_l u_{m-l}$ that falls at $m = t + L$, so
# $(K\circledast_L u)_t = y^{\text{full}}_t + y^{\text{full}}_{t+L}$. It is small only if the kernel has
# decayed within $L$ samples, which is precisely what long-memory SSMs avoid.
#
# **With padding to $n \ge 2L - 1$ it is exact.** Append zeros to $u$ and $K$ up to length $n$. For
# $0 \le t, l \le L-1$ the wrapped index $n + t - l$ lies in $[n - L + 1, n - 1] \subseteq [L, n-1]$,
# where the padded input is zero, so the wrap-around sum vanishes and the first $L$ outputs are the linear
# convolution. `fssm` uses $n = 2L$ (even, and the length needed by the bidirectional kernel, whose
# anti-causal lags fill the second half) and the real FFT `rfft`, which stores only the $n/2 + 1$
# non-negative frequencies of a real signal:
#
# ```{literalinclude} ../fssm/layer.py
# :language: python
# :pyobject: fft_conv
# ```
#
# The demonstration uses a slowly decaying mode and an input that is zero except for a burst near the
# end of the sequence. The true (causal) output is zero before the burst.

# %%
L_demo = 128
K_demo = single_mode_kernel(-0.1, 1.0, 0.2, L_demo)  # decays to ~8% over L samples
u_demo = torch.zeros(1, 1, L_demo)
u_demo[0, 0, 96:104] = 1.0  # a burst at t = 96..103
y_lin = fft_conv(u_demo, K_demo[None])[0, 0]  # padded to 2L: linear
y_circ = torch.fft.irfft(torch.fft.rfft(u_demo[0, 0]) * torch.fft.rfft(K_demo), n=L_demo)  # n = L: circular
y_full = torch.from_numpy(np.convolve(u_demo[0, 0].numpy(), K_demo.numpy()))  # direct, length 2L - 1

fig, ax = plot.figure()
t_axis = np.arange(L_demo)
ax.plot(t_axis, u_demo[0, 0].numpy(), color=plot.COLORS[7], lw=1, label="input u (burst at t = 96..103)")
ax.plot(t_axis, y_lin.numpy(), lw=1.6, label="padded FFT, n = 2L (linear, correct)")
ax.plot(t_axis, y_circ.numpy(), lw=1.2, ls="--", label="unpadded FFT, n = L (circular)")
ax.set_xlabel("time step t (samples)")
ax.set_ylabel("signal")
ax.set_ylim(-2.5, 3.6)
ax.set_title("Figure 2.2: linear versus circular FFT convolution", fontsize=10)
_ = ax.legend(fontsize=8, loc="upper left", ncol=2)
plot.plt.show()

# %% [markdown]
# *Figure 2.2. Output of one slowly decaying mode ($a = -0.1 + i$, $\Delta t = 0.2$) for an input burst at
# $t = 96..103$. The padded FFT convolution (solid) is zero until the burst arrives, as a causal system
# must be. The unpadded one (dashed) responds before the burst: the tail of the response, which belongs
# to times $t \ge L$, has wrapped around to the beginning of the sequence.*

# %%
# Check: padded FFT == direct linear convolution; circular == linear + wrapped tail; the leak is causal violation.
torch.testing.assert_close(y_lin, y_full[:L_demo], rtol=1e-10, atol=1e-12)
wrapped = y_full[:L_demo].clone()
wrapped[: L_demo - 1] += y_full[L_demo:]
torch.testing.assert_close(y_circ, wrapped, rtol=1e-10, atol=1e-12)
assert y_lin[:96].abs().max() < 1e-12, "causal: no output before the input arrives"
leak = y_circ[:96].abs().max().item()
assert leak > 0.05
print(f"padded == direct; circular == linear + tail wrapped by L; largest output before the burst: "
      f"{leak:.3f} (circular) vs 0 (padded)")

# %% [markdown]
# ## 2.7 The cost of the two views
#
# Both views compute the same $y$ but organize the work differently (for $B$ sequences, $H$ channels,
# $N$ modes, length $L$):
#
# | view | arithmetic | sequential steps | extra memory |
# |---|---|---|---|
# | recurrence (`ssm_recurrence`) | $O(BHNL)$ | $L$ | state $O(BHN)$ |
# | kernel + FFT (`kernel(L)`, `fft_conv`) | $O(HNL + BHL\log L)$ | $O(\log L)$ | $O(HNL)$ naive kernel, $O(BHL)$ spectra |
#
# The recurrence does little arithmetic but must take its $L$ steps one after another, and in Python each
# step is a handful of small tensor operations with a fixed overhead. The convolutional view computes
# the kernel for all lags at once and then applies it with a few large, parallel FFTs. That is why S4-type
# models **train** with the convolution {cite:p}`gu2022s4`. The recurrence is still the right tool for
# **generation**: producing one new output costs $O(HN)$ from the stored state, with no need to look at
# the past sequence again.
#
# The timing below runs both views on a small problem ($B = 2$, $H = 2$, $N = 4$) for growing $L$, on one
# CPU thread each, and keeps the best of several runs (the cost of the computation itself, without
# interference from other processes). Timings depend on the machine, so the cell's output is not compared
# by nbval; instead it asserts a robust claim: at the largest $L$, the FFT path (kernel included) is at
# least ten times faster.

# %% tags=["nbval-ignore-output"]
import time


def best_time(fn, repeats: int) -> float:
    """Best of `repeats` wall times: the cost of fn without interference from other processes."""
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


fssm.seed_everything(0)
ker_t = fssm.S4DKernel(2, 4, init="lin")
lengths = [256, 512, 1024, 2048, 4096, 8192]
t_rec, t_fft = [], []
n_threads = torch.get_num_threads()
torch.set_num_threads(1)  # both views on one thread: a fair comparison, and stable on a busy machine
try:
    with torch.no_grad():
        for L_t in lengths:
            u_t = torch.randn(2, 2, L_t)
            fft_conv(u_t, ker_t(L_t))  # warm-up (FFT plans, allocations)
            t_fft.append(best_time(lambda: fft_conv(u_t, ker_t(L_t)), repeats=9))
            t_rec.append(best_time(lambda: ssm_recurrence(ker_t, u_t), repeats=3 if L_t <= 2048 else 2))
            print(f"L = {L_t:5d}: recurrence {t_rec[-1] * 1e3:8.2f} ms, kernel + FFT {t_fft[-1] * 1e3:6.3f} ms,"
                  f" ratio {t_rec[-1] / t_fft[-1]:6.1f}")
finally:
    torch.set_num_threads(n_threads)
print(fssm.describe_run())
speedup = t_rec[-1] / t_fft[-1]
assert speedup >= 10, f"expected the FFT convolution to be >= 10x faster at L = {lengths[-1]}, got {speedup:.1f}x"

# %%
fig, ax = plot.figure()
ax.loglog(lengths, t_rec, "o-", label="recurrence (Python loop over L)")
ax.loglog(lengths, t_fft, "s-", label="kernel + FFT convolution")
ref = np.array(lengths, dtype=float)
ax.loglog(ref, t_rec[0] * ref / ref[0], color=plot.COLORS[7], lw=0.8, ls=":", label=r"slope 1 ($\propto L$)")
ax.set_xticks(lengths, [str(L_t) for L_t in lengths])
ax.xaxis.set_minor_formatter(plot.matplotlib.ticker.NullFormatter())
ax.set_xlabel("sequence length L (samples)")
ax.set_ylabel("time per forward pass (s)")
ax.set_title(f"Figure 2.3: cost of the two views (B = 2, H = 2, N = 4, {fssm.get_device().type})", fontsize=10)
_ = ax.legend(fontsize=8)
plot.plt.show()

# %% [markdown]
# *Figure 2.3. Measured wall time (best of several runs, one thread) of one forward pass against the
# sequence length, log-log axes, on the machine that built this page. The recurrence grows linearly in $L$ (one Python step per sample); the
# FFT path grows like $L\log L$ but starts from a much lower level, because its work is done in a few
# vectorized calls. On a GPU the FFT path is in addition parallel over $L$, while the recurrence still takes
# $L$ sequential steps, each paying a kernel-launch overhead.*

# %% [markdown]
# ## Summary
# - A continuous LTI system $x' = Ax + Bu$, $y = Cx + Du$ is a convolution with its impulse response
#   $h(t) = Ce^{At}B$ (variation of constants).
# - Diagonalizing $A$ turns $h$ into a sum of exponentials $e^{a_jt}$; for a real system they come in
#   conjugate pairs, so $N$ complex modes and "$2\,\mathrm{Re}$" describe a real system with $2N$ states.
#   Each pair is a real $2\times2$ block: $x_j$ sets the decay, $y_j$ the rotation (frequency).
# - Zoh ($\lambda = e^{a\Delta t}$, $\bar B = (\lambda - 1)/a$) is exact for held inputs; bilinear
#   ($\lambda = \frac{1 + a\Delta t/2}{1 - a\Delta t/2}$, $\bar B = \frac{\Delta t}{1 - a\Delta t/2}$) is a
#   trapezoid rule, third-order accurate per step and second-order over a fixed horizon. Both are stable.
# - Unrolling the recurrence gives the S4D kernel $K_l = 2\,\mathrm{Re}\sum_j \tilde C_j\lambda_j^l$; the
#   recurrence, the convolution and the dense real system all give the same output (checked to $10^{-9}$).
# - The FFT computes a *circular* convolution; zero-padding to $2L$ makes it the causal linear one.
#   Without padding the output depends on future inputs.
# - Train with the convolution (parallel, measured $\ge 10\times$ faster here at $L = 8192$); generate
#   with the recurrence.
#
# ## Exercises
#
# **Exercise 2.1 (DC gain).** Show that for both zoh and bilinear the infinite sum of the kernel equals
# the continuous transfer function at zero frequency,
# $\sum_{l\ge0}K_l = -2\,\mathrm{Re}\sum_j C_j/a_j = G(0)$, for every step $\Delta t$. (Hint: geometric
# series, then simplify $\bar B_j/(1 - \lambda_j)$.) Check it numerically with a long kernel.

# %% tags=["hide-input"]
# Solution
# sum_l C~ lambda^l = C Bbar / (1 - lambda).
#   zoh:      Bbar / (1 - lambda) = ((lambda - 1)/a) / (1 - lambda) = -1/a.
#   bilinear: 1 - lambda = -a dt / (1 - a dt/2), so Bbar / (1 - lambda) = (dt/(1 - a dt/2)) / (-a dt/(1 - a dt/2)) = -1/a.
# Either way sum_l K_l = 2 Re sum_j (-C_j / a_j) = G(0), independent of dt: both methods keep the DC gain.
for disc in ("zoh", "bilinear"):
    for dt_k in (0.01, 0.2):
        ker = fssm.S4DKernel(2, 5, init="lin", disc=disc, dt_min=dt_k, dt_max=dt_k)
        with torch.no_grad():
            q, (dA, _) = ker.ssm(), ker.discretize()
            L_long = math.ceil(32 / -dA.abs().log().max().item())  # every |lambda_j|^L < e^-32 ~ 1e-14
            total = ker(L_long).sum(-1)
            G0 = (-2 * (q["C"] / q["A"]).sum(-1)).real
        torch.testing.assert_close(total, G0, rtol=1e-8, atol=1e-8)
        print(f"{disc:8s} dt = {dt_k}: sum of kernel = G(0) = {[round(v, 4) for v in G0.tolist()]}")

# %% [markdown]
# **Exercise 2.2 (how much padding is enough).** Section 2.6 showed that zero-padding to an FFT length
# $n \ge 2L - 1$ suffices. Show that $n = 2L - 2$ does not, and find which output is wrong and by how much.
# Verify with `torch.fft.rfft(..., n=...)`.

# %% tags=["hide-input"]
# Solution
# With n = 2L - 2 the full linear convolution (length 2L - 1) has one index too many:
# y_full[2L - 2] = K_{L-1} u_{L-1} wraps to index 0, so y_0 is off by exactly K_{L-1} u_{L-1}.
L_ex = 64
K_ex = single_mode_kernel(-0.05, 2.0, 0.1, L_ex)
u_ex = torch.randn(L_ex)
direct = torch.from_numpy(np.convolve(u_ex.numpy(), K_ex.numpy()))[:L_ex]


def padded_conv(n: int) -> torch.Tensor:
    return torch.fft.irfft(torch.fft.rfft(u_ex, n=n) * torch.fft.rfft(K_ex, n=n), n=n)[:L_ex]


torch.testing.assert_close(padded_conv(2 * L_ex - 1), direct, rtol=1e-10, atol=1e-12)
err = padded_conv(2 * L_ex - 2) - direct
assert abs(err[0].item() - (K_ex[-1] * u_ex[-1]).item()) < 1e-12 and err[1:].abs().max() < 1e-12
print(f"n = 2L-1: exact;  n = 2L-2: only y_0 is wrong, by K_(L-1) u_(L-1) = {err[0].item():.4f}")

# %% [markdown]
# **Exercise 2.3 (bilinear never aliases).** (a) Show that a purely oscillating mode $a = iy$ has the
# bilinear pole $\lambda = e^{i\theta}$ with $\theta = 2\arctan(y\Delta t/2)$, so $|\theta| < \pi$ for
# every $y$: the bilinear method squeezes the whole frequency axis into $(-\pi, \pi)$ instead of wrapping
# it. (b) Compare with zoh for $y\Delta t = 4 > \pi$: which discrete frequency does each method assign?

# %% tags=["hide-input"]
# Solution
# (1 + i y dt/2)/(1 - i y dt/2) = w / conj(w) with w = 1 + i y dt/2, so |lambda| = 1 and
# arg(lambda) = 2 arg(w) = 2 arctan(y dt / 2), which lies in (-pi, pi).
dt_k = 1.0
y_vals = torch.tensor([0.5, 2.0, 4.0, 50.0, 1e4])
lam_bil, _ = discretize((1j * y_vals).to(torch.complex128)[None], torch.ones(1, 5, dtype=torch.complex128),
                        torch.tensor([dt_k]), "bilinear")
lam_zoh, _ = discretize((1j * y_vals).to(torch.complex128)[None], torch.ones(1, 5, dtype=torch.complex128),
                        torch.tensor([dt_k]), "zoh")
theta_bil = torch.angle(lam_bil[0])
torch.testing.assert_close(lam_bil[0].abs(), torch.ones(5), rtol=0, atol=1e-12)
torch.testing.assert_close(theta_bil, 2 * torch.atan(y_vals * dt_k / 2), rtol=1e-12, atol=1e-12)
assert bool((theta_bil.abs() < math.pi).all())
# (b) y dt = 4: zoh gives angle 4 - 2 pi = -2.283 (aliased: the mode looks like a *negative*, slower
# frequency); bilinear gives 2 arctan(2) = 2.214 (warped, but still the highest of the three below pi).
print(f"y dt = 4: zoh angle {torch.angle(lam_zoh[0, 2]).item():.3f} rad/sample (= 4 - 2 pi),"
      f" bilinear angle {theta_bil[2].item():.3f} rad/sample (= 2 arctan 2)")
assert abs(torch.angle(lam_zoh[0, 2]).item() - (4 - 2 * math.pi)) < 1e-12

# %% [markdown]
# **Exercise 2.4 (the kernel does not see the basis).** Section 2.2 argued that only the products
# $(CV)_j(V^{-1}B)_j$ matter. Make it concrete: apply a random invertible change of basis $T$ to the dense
# real system, $(M, b, c) \mapsto (TMT^{-1}, Tb, cT^{-1})$, and show that its zoh kernel is unchanged. Why
# does this mean that a diagonal SSM loses no generality compared with a dense one (for diagonalizable
# $A$)?

# %% tags=["hide-input"]
# Solution
# (T M T^-1)^l = T M^l T^-1 and exp(T M T^-1 dt) = T exp(M dt) T^-1, so
# c T^-1 (T Abar^l T^-1) T Bbar = c Abar^l Bbar: the impulse response is basis-free. Every diagonalizable
# (M, b, c) is such a transform of a diagonal system, so it has the same kernel as some diagonal SSM
# (complex in general, with conjugate pairs when M is real).
M, b, c = real_block_system(a_demo, C_demo)
T = torch.randn(8, 8) + 3 * torch.eye(8)  # invertible (diagonally dominant-ish), dense
T_inv = torch.linalg.inv(T)
K_diag = dense_kernel(M, b, c, 0.05, 100, "zoh")
K_dense = dense_kernel(T @ M @ T_inv, T @ b, c @ T_inv, 0.05, 100, "zoh")
torch.testing.assert_close(K_dense, K_diag, rtol=1e-8, atol=1e-10)
assert (T @ M @ T_inv - torch.diag(torch.diagonal(T @ M @ T_inv))).abs().max() > 0.1  # really dense
print("kernel unchanged by a dense change of basis: OK")

# %% [markdown]
# ## References
# ```{bibliography}
# :filter: docname in docnames
# ```
