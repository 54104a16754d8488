# %% [markdown]
# # 3. Transfer functions
#
# The previous chapter described an SSM layer as a differential equation, a recurrence and a convolution.
# This chapter reads the same layer in the **frequency domain**. A linear time-invariant system maps a
# pure tone to the same tone, scaled and shifted by one complex number: the *transfer function* $G(is)$ for
# the continuous system, or the *frequency response* $\hat K(\omega)$ for the discrete kernel. Everything
# the rest of the book says about frequency bias {cite:p}`yu2025tuning` is a statement about these two
# functions, so we derive them carefully, implement them, and check how they are related: when they agree,
# where the half-sample phase comes from, what happens above the Nyquist frequency, and how the bilinear
# discretization warps the frequency axis.
#
# ## Learning goals
# - Derive $G(is) = C(isI - A)^{-1}B + D$ from the state equation and its partial-fraction form for a
#   diagonal $A$; explain why $|G|$ is even in $s$ for a real system.
# - Derive the discrete response $\hat K(\omega)$ of an S4D kernel as a geometric series, both for the
#   infinite kernel and for a kernel truncated to length $L$, and know exactly what an FFT of the kernel
#   samples.
# - Show that $\hat K(\omega) \approx G(i\omega/\Delta t)$ for small $\omega$ (ZOH), with a first-order
#   error that is a half-sample phase, and that mode $j$ sits at $\omega \approx \Delta t\,\mathrm{Im}\,a_j$.
# - Recognize aliasing (a mode with $\Delta t\,|\mathrm{Im}\,a_j| > \pi$ shows up at a folded frequency)
#   and the frequency warp $\omega = 2\arctan(s\Delta t/2)$ of the bilinear discretization.
# - Read Bode plots (gain in dB and phase in rad against frequency) of an S4D channel.
#
# ## Prerequisites
# - {doc}`Chapter 1 <01_notation>`, *Notation and set-up*: the symbols $a_j, C_j, \Delta t, \lambda_j, \tilde C_j, K_l, s, \omega$ and the
#   code names behind them.
# - {doc}`Chapter 2 <02_lti_systems>`, *LTI systems and SSMs*: the S4D kernel $K_l = 2\,\mathrm{Re}\sum_j \tilde C_j\lambda_j^l$
#   and the ZOH and bilinear discretizations {cite:p}`gu2022s4d`.
# - Complex numbers, geometric series, the Fourier transform and the discrete-time Fourier transform
#   {cite:p}`oppenheim2010dsp`.

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
# Every identity in this chapter is exact or has a known error, so we compute in double precision
# (`float64`, `complex128`) and check identities to about $10^{-12}$. We only evaluate functions here,
# never train, so autograd is switched off. The helper `make_kernel` builds a one-channel S4D kernel from
# given eigenvalues $a_j$, weights $C_j$ and one fixed step $\Delta t$ (setting `dt_min = dt_max`).
# The kernel stores $C$ in single precision, so we always read the system back with `kernel.ssm()`
# instead of reusing the numbers we passed in.

# %%
import cmath
import math
import warnings

import numpy as np
import torch
from fssm.analysis import frequency_response, transfer_function

torch.set_default_dtype(torch.float64)
torch.set_grad_enabled(False)
print("scale:", fssm.get_scale(), "| dtype:", torch.get_default_dtype())


def make_kernel(A, C, dt, disc="zoh"):
    """One-channel S4DKernel with eigenvalues A c(N), weights C c(N) and the fixed step dt."""
    return fssm.S4DKernel(1, A.shape[-1], init=A, dt_min=dt, dt_max=dt, disc=disc, C_init=C.reshape(1, -1))


# %% [markdown]
# ## 3.1 The transfer function of the continuous system
#
# Take the state equation of chapter 2 with a scalar input and output,
#
# $$
# x'(t) = A x(t) + B u(t), \qquad y(t) = C x(t) + D u(t),
# $$
#
# start it at rest, and apply the Laplace transform $\mathcal L f(p) = \int_0^\infty f(t)e^{-pt}\,dt$.
# Integration by parts turns the derivative into a product, $\mathcal L x'(p) = p\,X(p) - x(0) = p\,X(p)$,
# so the differential equation becomes a linear system of equations for every $p$:
#
# $$
# \begin{aligned}
# p\,X(p) &= A X(p) + B U(p) \\
# (pI - A)\,X(p) &= B U(p) \\
# X(p) &= (pI - A)^{-1} B\, U(p) \\
# Y(p) &= C X(p) + D U(p) = \big[C (pI - A)^{-1} B + D\big]\, U(p).
# \end{aligned}
# $$
#
# The bracket is the transfer function. When every eigenvalue of $A$ has a negative real part, the
# Laplace integral converges on the imaginary axis $p = is$ and the Laplace transform becomes the Fourier
# transform: a tone $u(t) = e^{ist}$ of frequency $s$ (rad per unit time) leaves the system, after the
# transient has decayed, as $y(t) = G(is)\,e^{ist}$ with
#
# $$
# G(is) = C\,(isI - A)^{-1} B + D .
# $$
#
# $|G(is)|$ is the gain and $\arg G(is)$ the phase shift at frequency $s$.
#
# **Diagonal $A$: partial fractions.** If $A = \mathrm{diag}(a_1, \dots, a_n)$, the resolvent is diagonal
# too, $(isI - A)^{-1} = \mathrm{diag}\big(1/(is - a_j)\big)$, and the matrix product collapses to a sum of
# simple fractions:
#
# $$
# G(is) = \sum_{j} \frac{c_j b_j}{is - a_j} + D .
# $$
#
# Each eigenvalue $a_j = x_j + i y_j$ contributes one bump of height $|c_j b_j|/|x_j|$ centred at
# $s = y_j$, since $|is - a_j|^2 = x_j^2 + (s - y_j)^2$. S4D folds $B$ into $C$ ($b_j = 1$) and stores only
# one mode of every conjugate pair: the real system has the $2N$ eigenvalues $a_j, \bar a_j$ with weights
# $C_j, \bar C_j$, and its output is $2\,\mathrm{Re}$ of the $N$ stored modes. Hence
#
# $$
# G(is) = \sum_{j=1}^{N} \left[\frac{C_j}{is - a_j} + \frac{\bar C_j}{is - \bar a_j}\right] + D .
# $$
#
# **Why $|G|$ is even.** For a real system ($A, B, C, D$ real matrices) conjugation only flips the sign of
# $i$:
#
# $$
# \overline{G(is)} = C\,\overline{(isI - A)^{-1}}\,B + D = C\,(-isI - A)^{-1} B + D = G(-is),
# $$
#
# so $|G(-is)| = |G(is)|$ and $\arg G(-is) = -\arg G(is)$. In the partial-fraction form the same thing is
# visible term by term: conjugating $C_j/(is - a_j)$ gives $\bar C_j/(-is - \bar a_j)$, the partner term
# evaluated at $-s$. Negative frequencies carry no new information, and from now on we plot $s \ge 0$.
# `fssm.analysis.transfer_function` implements the conjugate-pair sum:
#
# ```{literalinclude} ../fssm/analysis.py
# :language: python
# :pyobject: transfer_function
# ```
#
# The smallest code: one S4D-Lin channel ($a_n = -\tfrac12 + i\pi n$, $N = 16$, random $C$) and its
# transfer function on a grid of frequencies.

# %%
N, dt = 16, 0.05
kernel_zoh = make_kernel(fssm.init.lin(N), torch.randn(N, dtype=torch.complex128), dt)
p = kernel_zoh.ssm()
A, C = p["A"][0], p["C"][0]  # c(N) each
s = torch.linspace(-60.0, 60.0, 2401)  # rad per unit time
G = transfer_function(A, C, s)[0]  # c(S)
print(f"N = {N} modes, Im(a) from {A.imag.min():.3g} to {A.imag.max():.4g} rad/time")
assert abs(G[1200].imag) < 1e-12  # s = 0: G(0) is real for a real system
print(f"G(0) = {G[1200].real:.4f} (real, as it must be for a real system)")

# %% [markdown]
# **Check.** We build the same real system independently and densely. Mode $j$ with state
# $x_j = r_j + i m_j$ obeys $x_j' = a_j x_j + u$; in real coordinates this is the $2\times2$ block
# $\begin{pmatrix} x_j & -y_j \\ y_j & x_j\end{pmatrix}$ with input vector $(1, 0)$ and output row
# $(2\,\mathrm{Re}\,C_j, -2\,\mathrm{Im}\,C_j)$, because
# $2\,\mathrm{Re}(C_j x_j) = 2(\mathrm{Re}\,C_j\,r_j - \mathrm{Im}\,C_j\,m_j)$. A random orthogonal change
# of basis $T$ then makes $A$ a dense real
# $2N\times 2N$ matrix ($A \to TAT^\top$, $B \to TB$, $C \to CT^\top$), which leaves $G$ unchanged. We solve
# $(isI - A)\,v = B$ with a dense solver at every $s$ and compare $C v$ with the library.

# %%
x, y = A.real, A.imag
n2 = 2 * N
A_real = torch.zeros(n2, n2)
B_real = torch.zeros(n2, 1)
C_real = torch.zeros(1, n2)
for j in range(N):
    r, m = 2 * j, 2 * j + 1
    A_real[r, r], A_real[r, m], A_real[m, r], A_real[m, m] = x[j], -y[j], y[j], x[j]
    B_real[r, 0] = 1.0
    C_real[0, r], C_real[0, m] = 2 * C[j].real, -2 * C[j].imag
T, _ = torch.linalg.qr(torch.randn(n2, n2))  # random orthogonal matrix
A_dense, B_dense, C_dense = T @ A_real @ T.T, T @ B_real, C_real @ T.T
eye = torch.eye(n2, dtype=torch.complex128)
resolvent_B = torch.linalg.solve(1j * s[:, None, None] * eye - A_dense.to(torch.complex128),
                                 B_dense.to(torch.complex128).expand(len(s), n2, 1))  # c(S 2N 1)
G_dense = (C_dense.to(torch.complex128) @ resolvent_B)[:, 0, 0]  # c(S)

rel = ((G - G_dense).abs().max() / G.abs().max()).item()
assert rel < 1e-12, rel
assert (A_dense.abs() > 1e-3).float().mean() > 0.9  # the dense A really is dense
flip = torch.flip(G, [0])  # G at -s (the grid is symmetric)
assert torch.allclose(flip, G.conj(), rtol=0, atol=1e-12 * G.abs().max().item())  # G(-is) = conj G(is)
one_sided = (C[:, None] / (1j * s - A[:, None])).sum(0)  # without the conjugate partners
assert (one_sided.abs() - torch.flip(one_sided.abs(), [0])).abs().max() > 0.1  # ... |G| would not be even
print("dense resolvent C(isI - A)^{-1}B and transfer_function agree to < 1e-12 (relative);",
      "G(-is) = conj G(is) holds")

# %% [markdown]
# The last assertion shows why the conjugate partners matter: the $N$ stored modes alone form a complex
# system whose gain is not even in $s$.
#
# ## 3.2 The discrete response of the kernel
#
# After discretization with step $\Delta t$ the layer convolves its input with the real kernel
#
# $$
# K_l = 2\,\mathrm{Re} \sum_{j=1}^{N} \tilde C_j \lambda_j^l
#     = \sum_{j=1}^{N} \left[\tilde C_j \lambda_j^l + \bar{\tilde C}_j \bar\lambda_j^l\right],
# \qquad l = 0, 1, 2, \dots
# $$
#
# with $\lambda_j = e^{\Delta t a_j}$ and $\tilde C_j = C_j(\lambda_j - 1)/a_j$ for ZOH (chapter 2). A
# discrete tone $u_k = e^{i\omega k}$, with $\omega$ in rad per sample, leaves the convolution as
# $y_k = \sum_l K_l e^{i\omega(k - l)} = \hat K(\omega)\,e^{i\omega k}$, where
# $\hat K(\omega) = \sum_{l} K_l e^{-i\omega l}$ is the discrete-time Fourier transform of the kernel.
# For one mode, write $q_j = \lambda_j e^{-i\omega}$; since $|q_j| = |\lambda_j| = e^{\Delta t x_j} < 1$,
# the sum is a convergent geometric series:
#
# $$
# \begin{aligned}
# \sum_{l=0}^{\infty} \tilde C_j \lambda_j^l e^{-i\omega l}
#   &= \tilde C_j \sum_{l=0}^{\infty} q_j^l = \frac{\tilde C_j}{1 - \lambda_j e^{-i\omega}}, \\
# \hat K(\omega) &= \sum_{j=1}^{N}\left[\frac{\tilde C_j}{1 - \lambda_j e^{-i\omega}}
#   + \frac{\bar{\tilde C}_j}{1 - \bar\lambda_j e^{-i\omega}}\right].
# \end{aligned}
# $$
#
# A layer only ever uses the first $L$ taps. The finite geometric sum
# $\sum_{l=0}^{L-1} q^l = (1 - q^L)/(1 - q)$ gives the **truncated response**
#
# $$
# \hat K_L(\omega) = \sum_{l=0}^{L-1} K_l e^{-i\omega l}
#   = \sum_{j=1}^{N}\left[\frac{\tilde C_j\,\big(1 - (\lambda_j e^{-i\omega})^L\big)}{1 - \lambda_j e^{-i\omega}}
#   + \frac{\bar{\tilde C}_j\,\big(1 - (\bar\lambda_j e^{-i\omega})^L\big)}{1 - \bar\lambda_j e^{-i\omega}}\right],
# $$
#
# which tends to $\hat K(\omega)$ as $|\lambda_j|^L \to 0$. This is exactly what an FFT computes: the FFT of
# length $n \ge L$ of the zero-padded kernel is
# $\sum_{l=0}^{L-1} K_l e^{-2\pi i k l/n} = \hat K_L(2\pi k/n)$, the truncated response sampled at
# $\omega_k = 2\pi k/n$, with no approximation. Because $K_l$ is real, $\hat K(-\omega) = \overline{\hat K(\omega)}$,
# the discrete analogue of the evenness of $|G|$. The library evaluates both forms:
#
# ```{literalinclude} ../fssm/analysis.py
# :language: python
# :pyobject: frequency_response
# ```

# %%
L, n_fft = 37, 100  # any length, any FFT size n >= L
K = kernel_zoh(L)[0]  # r(L)
omega_k = 2 * math.pi * torch.arange(n_fft) / n_fft  # rad per sample
K_fft = torch.fft.fft(K, n=n_fft)  # c(n)
K_closed = frequency_response(kernel_zoh, omega_k, L=L)[0]  # c(n), truncated closed form
print(f"L = {L}, n_fft = {n_fft}, |lambda|^L = {math.exp(-0.5 * dt * L):.3f} (far from 0: truncation matters)")

# %% [markdown]
# **Check.** The FFT equals the truncated closed form at every bin, for the padded FFT ($n = 100$) and for
# the unpadded one ($n = L$). For a long kernel whose modes have decayed ($|\lambda_j|^L \approx e^{-51}$),
# it also equals the infinite form. The infinite form does *not* match the short kernel, which shows the
# check can tell the two apart.

# %%
def max_rel(a, b):
    """max |a - b| / max |b|: relative error on a grid."""
    return ((a - b).abs().max() / b.abs().max()).item()


assert max_rel(K_fft, K_closed) < 1e-12
K_fft_L = torch.fft.fft(K)  # n = L, no padding
assert max_rel(K_fft_L, frequency_response(kernel_zoh, 2 * math.pi * torch.arange(L) / L, L=L)[0]) < 1e-12

L_long = 4096  # |lambda|^L = exp(-0.5 * 0.05 * 4096) = exp(-102)
omega_long = 2 * math.pi * torch.arange(L_long) / L_long
K_fft_long = torch.fft.fft(kernel_zoh(L_long)[0])
assert max_rel(K_fft_long, frequency_response(kernel_zoh, omega_long)[0]) < 1e-12  # infinite form
truncation_gap = max_rel(K_fft, frequency_response(kernel_zoh, omega_k)[0])
assert truncation_gap > 0.05  # the short kernel is not its infinite response
assert torch.allclose(K_fft[1:].conj(), torch.flip(K_fft[1:], [0]), atol=1e-12)  # K^(-w) = conj K^(w)
print("FFT = truncated closed form (L = 37, n = 100 and n = 37): < 1e-12;",
      "FFT = infinite form (L = 4096): < 1e-12")
print(f"infinite form vs. short kernel: relative gap {truncation_gap:.3g}")

# %% [markdown]
# ## 3.3 From $G$ to $\hat K$: small $\omega$ and the ZOH error
#
# The continuous and the discrete responses describe the same system at two time scales: $s$ is measured
# in rad per unit time, $\omega$ in rad per sample, and one sample lasts $\Delta t$. So we compare
# $\hat K(\omega)$ with $G(is)$ at $s = \omega/\Delta t$, i.e. $\omega = s\,\Delta t$ (without $D$, which
# the layer adds to both sides alike). For one ZOH mode and small $\Delta t$, expand both factors of the
# discrete term to first order:
#
# $$
# \begin{aligned}
# \tilde C_j &= C_j\,\frac{e^{\Delta t a_j} - 1}{a_j} = C_j\,\Delta t\,\big(1 + O(\Delta t\,a_j)\big), \\
# 1 - \lambda_j e^{-i\omega} &= 1 - e^{\Delta t a_j - i\omega} = 1 - e^{-\Delta t (is - a_j)}
#   = \Delta t\,(is - a_j)\,\big(1 + O(\Delta t\,(is - a_j))\big), \\
# \frac{\tilde C_j}{1 - \lambda_j e^{-i\omega}} &\approx \frac{C_j \Delta t}{\Delta t\,(is - a_j)}
#   = \frac{C_j}{is - a_j}, \qquad\text{so}\qquad \hat K(\omega) \approx G(i\omega/\Delta t).
# \end{aligned}
# $$
#
# In particular the bump of mode $j$, centred at $s = y_j$ in $G$, sits at $\omega \approx \Delta t\,y_j$
# in $\hat K$. To see the size of the error, write $\varphi(z) = (e^z - 1)/z = e^{z/2}\,\mathrm{shc}(z/2)$
# with $\mathrm{shc}(w) = \sinh(w)/w = 1 + w^2/6 + \dots$, and $b_j = a_j - is$. Then
# $\tilde C_j = C_j \Delta t\,\varphi(\Delta t a_j)$ and $1 - \lambda_j e^{-i\omega} = -\Delta t\,b_j\,\varphi(\Delta t b_j)$,
# and the ratio of the two terms is exact:
#
# $$
# \frac{\tilde C_j}{1 - \lambda_j e^{-i\omega}}
#   = \frac{C_j}{is - a_j}\cdot\frac{\varphi(\Delta t a_j)}{\varphi(\Delta t b_j)}
#   = \frac{C_j}{is - a_j}\cdot e^{i\omega/2}\cdot
#     \frac{\mathrm{shc}(\Delta t a_j/2)}{\mathrm{shc}(\Delta t (a_j - is)/2)},
# $$
#
# using $e^{\Delta t (a_j - b_j)/2} = e^{i s \Delta t/2} = e^{i\omega/2}$. The factor $e^{i\omega/2}$ is the
# same for every mode (and for the conjugate partners), while the shc ratio is $1 + O(\Delta t^2)$. So
#
# $$
# \hat K(\omega) = e^{i\omega/2}\,G(i\omega/\Delta t)\,\big(1 + O(\Delta t^2)\big),\qquad
# \frac{|\hat K(\omega) - G(i\omega/\Delta t)|}{|G(i\omega/\Delta t)|} \approx |e^{i\omega/2} - 1| \approx \frac{\omega}{2}
#   = \frac{s\,\Delta t}{2}.
# $$
#
# The error is **first order**: at a fixed continuous frequency $s$ it shrinks in proportion to $\Delta t$,
# and at a fixed step it grows in proportion to $\omega$. Its leading part is a pure phase, a time shift of
# half a sample: the ZOH tap $K_l = \int_{l\Delta t}^{(l+1)\Delta t} h(\tau)\,d\tau$ integrates the continuous
# impulse response $h$ over a whole step, so it behaves like a sample of $h$ taken at $(l + \tfrac12)\Delta t$
# rather than at $l\Delta t$. The gains $|\hat K|$ and $|G|$ agree to second order.
#
# We measure the error of the S4D-Lin channel on the fixed band $0.5 \le s \le 25$ rad/time (which contains
# the eight lowest modes) for three steps, with and without removing the half-sample phase.

# %%
s_band = torch.linspace(0.5, 25.0, 500)  # rad per unit time, fixed while dt varies
G_band = transfer_function(A, C, s_band)[0]
steps = [1e-2, 1e-3, 1e-4]
err_raw, err_phase = [], []
for step in steps:
    k_step = make_kernel(A, C, step)  # same continuous system, new step
    dt_k = k_step.ssm()["dt"].item()
    K_band = frequency_response(k_step, s_band * dt_k)[0]  # omega = s dt
    err_raw.append(((K_band - G_band).norm() / G_band.norm()).item())
    K_shift = K_band * torch.exp(-0.5j * s_band * dt_k)  # remove the half-sample phase
    err_phase.append(((K_shift - G_band).norm() / G_band.norm()).item())
print(f"scale: {fssm.get_scale()} | relative L2 error of K^(s dt) vs G(is) on 0.5 <= s <= 25:")
for step, e1, e2 in zip(steps, err_raw, err_phase):
    print(f"  dt = {step:.0e}: error {e1:.4g}   after removing exp(i omega/2): {e2:.4g}")

# %% [markdown]
# **Check.** Ten times smaller $\Delta t$ gives a roughly ten times smaller error (first order); once the
# half-sample phase is removed, a hundred times smaller error (second order). We also check the exact
# one-mode identity above at arbitrary $(s, \Delta t)$, including coarse steps where the approximation is
# poor, and that an isolated, lightly damped mode peaks at $\omega \approx \Delta t\,y_j$.

# %%
for e_big, e_small in zip(err_raw, err_raw[1:]):
    assert 8 < e_big / e_small < 12, (e_big, e_small)  # first order
for e_big, e_small in zip(err_phase, err_phase[1:]):
    assert 80 < e_big / e_small < 120, (e_big, e_small)  # second order after the phase correction


def shc(w):
    return torch.where(w.abs() < 1e-8, torch.ones_like(w), torch.sinh(w) / w)


a1, c1 = torch.tensor([-0.3 + 4.0j]), torch.tensor([0.7 - 1.1j])  # one mode
s1 = torch.linspace(-20.0, 20.0, 801)
for step in (0.5, 0.05):  # coarse and fine
    k1 = make_kernel(a1, c1, step)
    q = k1.ssm()
    a, c, h = q["A"][0, 0], q["C"][0, 0], q["dt"].item()
    dA, dC = k1.discretize()
    discrete_term = dC[0, 0] / (1 - dA[0, 0] * torch.exp(-1j * s1 * h))
    predicted = c / (1j * s1 - a) * torch.exp(0.5j * s1 * h) * shc(h * a / 2) / shc(h * (a - 1j * s1) / 2)
    assert max_rel(discrete_term, predicted) < 1e-12

k1 = make_kernel(a1, c1, 0.05)
w1 = torch.linspace(0, math.pi, 20001)
w_peak = w1[frequency_response(k1, w1)[0].abs().argmax()].item()
assert abs(w_peak - 0.05 * 4.0) < 0.01, w_peak
print(f"exact one-mode ZOH identity holds (< 1e-12); mode with dt*y = {0.05 * 4.0:.3g} peaks at omega = {w_peak:.3f}")

# %% [markdown]
# The figure shows the two faces of the first-order error: against $\Delta t$ at fixed $s$ (left), and
# against $\omega$ at the fixed step $\Delta t = 0.05$ of our channel (right), where the pointwise error
# follows $|e^{i\omega/2} - 1| = 2\sin(\omega/4)$ until the $O(\Delta t^2)$ factors of the fast modes
# take over.

# %%
w_grid = torch.linspace(1e-3, math.pi, 2000)  # rad per sample
K_w = frequency_response(kernel_zoh, w_grid)[0]
G_w = transfer_function(A, C, w_grid / dt)[0]
pointwise = ((K_w - G_w).abs() / G_w.abs()).numpy()

fig, (ax1, ax2) = plot.figure(ncols=2, width=9.0, height=3.4)
ax1.loglog(steps, err_raw, "o-", label="K^ vs G")
ax1.loglog(steps, err_phase, "s-", label="K^ exp(-i omega/2) vs G")
ax1.loglog(steps, [err_raw[0] * h / steps[0] for h in steps], "k:", lw=1, label="slope 1")
ax1.loglog(steps, [err_phase[0] * (h / steps[0]) ** 2 for h in steps], "k--", lw=1, label="slope 2")
ax1.set_xlabel("step dt (time units)")
ax1.set_ylabel("relative L2 error on 0.5 <= s <= 25")
ax1.set_title("Figure 3.1: ZOH error against dt and omega", loc="left")
_ = ax1.legend(fontsize=8)
ax2.loglog(w_grid.numpy(), pointwise, label="|K^(w) - G(iw/dt)| / |G|")
ax2.loglog(w_grid.numpy(), 2 * np.sin(w_grid.numpy() / 4), "k--", lw=1, label="2 sin(w/4) ~ w/2")
ax2.set_xlabel("omega (rad/sample), dt = 0.05")
ax2.set_ylabel("relative error")
_ = ax2.legend(fontsize=8)
plot.plt.show()

# %% [markdown]
# *Figure 3.1.* Left: relative $L^2$ error between $\hat K(s\Delta t)$ and $G(is)$ on the band
# $0.5 \le s \le 25$ rad/time for the S4D-Lin channel, against the step $\Delta t$. The raw error falls
# with slope 1; after multiplying $\hat K$ by $e^{-i\omega/2}$ it falls with slope 2. Right: pointwise
# relative error at $\Delta t = 0.05$ against $\omega$ (rad/sample); for small $\omega$ it is the
# half-sample phase, $2\sin(\omega/4) \approx \omega/2$; the spikes are frequencies where $|G|$ nearly
# vanishes, so that any absolute error becomes a large relative one.
#
# ## 3.4 Aliasing beyond $\Delta t\,|\mathrm{Im}\,a_j| = \pi$
#
# The discrete pole only sees the oscillation through a complex exponential,
#
# $$
# \lambda_j = e^{\Delta t x_j}\,e^{i\Delta t y_j},
# $$
#
# and $e^{i\theta}$ does not change when $2\pi$ is added to $\theta$. A mode with $\Delta t\,y_j > \pi$
# therefore has *exactly* the pole of a mode whose imaginary part is $y_j - 2\pi/\Delta t$, and in the
# band $[-\pi, \pi]$ its bump appears at the folded frequency
#
# $$
# \omega_{\text{alias}} = \mathrm{wrap}(\Delta t\,y_j), \qquad
# \mathrm{wrap}(\theta) = \big((\theta + \pi) \bmod 2\pi\big) - \pi \in [-\pi, \pi).
# $$
#
# For the real system the conjugate partner folds to $-\omega_{\text{alias}}$, so $|\hat K|$ on
# $[0, \pi]$ peaks at $|\omega_{\text{alias}}|$. A model whose eigenvalues oscillate faster than the
# Nyquist frequency $\pi/\Delta t$ thus does not respond to the high frequency the continuous system was
# built for; its bump lands somewhere in the low band instead. `fssm.S4DKernel` warns with
# `fssm.AliasingWarning` when $\max_j|\mathrm{Im}\,a_j|\,\Delta t_{\max} > \pi$ for the initialized $a_j$ (which
# already include the factor $\alpha$). Below we build such
# a mode on purpose, so we first check that the warning is raised and then silence exactly this warning
# category for the rest of the cell.

# %%
a_fast, c_fast, dt_fast = torch.tensor([-0.5 + 50.0j]), torch.tensor([1.0 + 0.0j]), 0.1
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    make_kernel(a_fast, c_fast, dt_fast)
assert any(issubclass(w.category, fssm.AliasingWarning) for w in caught)  # the library warns
with warnings.catch_warnings():
    # deliberate: this section builds an aliasing kernel to show what the warning is about
    warnings.filterwarnings("ignore", category=fssm.AliasingWarning)
    kernel_fast = make_kernel(a_fast, c_fast, dt_fast)

theta = dt_fast * a_fast.imag.item()  # dt * y = 5.0 > pi
w_alias = (theta + math.pi) % (2 * math.pi) - math.pi
w_full = torch.linspace(-math.pi, math.pi, 40001)  # rad per sample
K_fast = frequency_response(kernel_fast, w_full)[0]
w_peak = w_full[K_fast.abs().argmax()].item()
print(f"dt * Im(a) = {theta:.3f} rad/sample > pi; wrap(dt * Im(a)) = {w_alias:.4f}; "
      f"peak of |K^| at omega = {w_peak:+.4f}")

# %% [markdown]
# **Check.** The peak of $|\hat K|$ is at $\pm|\mathrm{wrap}(\Delta t\,y)|$, nowhere near
# $\Delta t\,y = 5$ (which is outside $[-\pi, \pi]$ anyway); the discrete pole of the fast mode is exactly
# the pole of the slow mode $y - 2\pi/\Delta t$; and the continuous $|G(i\omega/\Delta t)|$ at the folded
# frequency is small, i.e. the discrete kernel responds where the continuous system does not.

# %%
assert abs(abs(w_peak) - abs(w_alias)) < 0.01, (w_peak, w_alias)
assert abs(abs(w_peak) - theta) > 3.0
a_slow = torch.complex(a_fast.real, a_fast.imag - 2 * math.pi / kernel_fast.ssm()["dt"])
kernel_slow = make_kernel(a_slow, c_fast, dt_fast)  # |Im a| * dt < pi: no warning
lam_fast, lam_slow = kernel_fast.discretize()[0], kernel_slow.discretize()[0]
assert (lam_fast - lam_slow).abs().max() < 1e-12  # the same discrete pole
qf = kernel_fast.ssm()
G_at_alias = transfer_function(qf["A"][0], qf["C"][0], torch.tensor([w_alias / dt_fast]))[0, 0].abs()
assert K_fast.abs().max() > 10 * G_at_alias
print(f"|K^| peak {K_fast.abs().max():.3f}, continuous |G| at the folded frequency {G_at_alias:.4f}; "
      f"identical poles lambda = {lam_fast[0, 0].real:.4f} {lam_fast[0, 0].imag:+.4f}i")

# %%
w_wide = torch.linspace(-2 * math.pi, 2 * math.pi, 8001)  # rad per sample
G_fast = transfer_function(qf["A"][0], qf["C"][0], w_wide / dt_fast)[0]
K_periodic = frequency_response(kernel_fast, w_wide)[0]  # the DTFT is 2 pi periodic
fig, ax = plot.figure(width=7.5, height=3.8)
plot.plot_magnitude(ax, w_wide, G_fast, label="continuous |G(i omega/dt)|", color=plot.COLORS[0])
inside = w_wide.abs() <= math.pi
plot.plot_magnitude(ax, w_wide[inside], K_periodic[inside], label="discrete |K^(omega)| (ZOH)",
                    color=plot.COLORS[1])
plot.plot_magnitude(ax, w_wide[~inside & (w_wide > 0)], K_periodic[~inside & (w_wide > 0)],
                    color=plot.COLORS[1], ls=":", label="its periodic copies")
plot.plot_magnitude(ax, w_wide[~inside & (w_wide < 0)], K_periodic[~inside & (w_wide < 0)],
                    color=plot.COLORS[1], ls=":")
ax.axvspan(-math.pi, math.pi, color="0.9", zorder=0, label="Nyquist band [-pi, pi]")
for v in (theta, -theta):
    ax.axvline(v, color=plot.COLORS[0], ls="--", lw=0.8)
for v in (w_alias, -w_alias):
    ax.axvline(v, color=plot.COLORS[1], ls="--", lw=0.8)
ax.set_xlabel("omega (rad/sample); continuous curve at s = omega / dt")
ax.set_title("Figure 3.2: a mode above the Nyquist frequency aliases", loc="left")
ax.set_ylabel("gain (dB)")
_ = ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=4)
plot.plt.show()

# %% [markdown]
# *Figure 3.2.* One mode $a = -0.5 + 50i$, $C = 1$, sampled with $\Delta t = 0.1$. The continuous gain
# (blue) peaks at $\omega = \pm\Delta t\,y = \pm 5$ rad/sample (blue dashed), outside the Nyquist band
# (grey). The discrete response (red) is $2\pi$-periodic: its copy centred at $\omega = 5$ (dotted) is the
# continuous bump, and inside the band it appears folded at $\pm(2\pi - 5) \approx \pm 1.28$
# (red dashed), where the continuous system has almost no gain. The discrete bump is also about 12 dB lower
# than the continuous one: the ZOH droop $|\sin(\Delta t y/2)/(\Delta t y/2)| = 0.24$ of Exercise 3.4.
#
# ## 3.5 The bilinear transform and its frequency warp
#
# The bilinear (trapezoidal) discretization of S4D uses
#
# $$
# \lambda_j = \frac{1 + \Delta t a_j/2}{1 - \Delta t a_j/2}, \qquad
# \tilde C_j = \frac{C_j\,\Delta t}{1 - \Delta t a_j/2}.
# $$
#
# Put $z = e^{-i\omega}$ into one term of the discrete response and multiply numerator and denominator by
# $1 - \Delta t a_j/2$:
#
# $$
# \begin{aligned}
# \frac{\tilde C_j}{1 - \lambda_j z}
#   &= \frac{C_j\,\Delta t}{(1 - \Delta t a_j/2) - (1 + \Delta t a_j/2)\,z}
#    = \frac{C_j\,\Delta t}{(1 - z) - \tfrac{\Delta t}{2} a_j (1 + z)} \\
#   &= \frac{2}{1 + z}\cdot\frac{C_j}{\tfrac{2}{\Delta t}\,\tfrac{1 - z}{1 + z} - a_j}.
# \end{aligned}
# $$
#
# On the unit circle,
# $\frac{1 - e^{-i\omega}}{1 + e^{-i\omega}} = \frac{e^{i\omega/2} - e^{-i\omega/2}}{e^{i\omega/2} + e^{-i\omega/2}}
# = i\tan(\omega/2)$, so the denominator is $i s_w - a_j$ with the **warped frequency**
#
# $$
# s_w = \frac{2}{\Delta t}\tan\frac{\omega}{2}
# \qquad\Longleftrightarrow\qquad
# \omega = 2\arctan\frac{s_w\,\Delta t}{2}.
# $$
#
# The prefactor $2/(1 + z)$ does not depend on $j$, and it is the same for the conjugate partners, so
# summing over all terms gives an **exact** identity (no $D$ in the kernel):
#
# $$
# \hat K(\omega)\cdot\frac{1 + e^{-i\omega}}{2} = G\!\left(i\,\tfrac{2}{\Delta t}\tan\tfrac{\omega}{2}\right),
# \qquad\text{equivalently}\qquad
# \hat K(\omega) = \frac{e^{i\omega/2}}{\cos(\omega/2)}\; G(i s_w).
# $$
#
# Three consequences. (i) The map $s \mapsto 2\arctan(s\Delta t/2)$ sends the whole real line onto
# $(-\pi, \pi)$: bilinear never aliases, it compresses. A mode at $y_j$ sits at
# $\omega = 2\arctan(\Delta t y_j/2)$, close to $\Delta t y_j$ when $\Delta t y_j$ is small and squeezed
# towards $\pi$ when it is not. (ii) The factor $e^{i\omega/2}$ is the same half-sample phase as in ZOH.
# (iii) The factor $1/\cos(\omega/2)$ lifts $|\hat K|$ above $|G(is_w)|$ near the Nyquist frequency. The
# textbook bilinear transform {cite:p}`oppenheim2010dsp` substitutes
# $p = \tfrac{2}{\Delta t}\tfrac{1 - e^{-i\omega}}{1 + e^{-i\omega}} = i s_w$ into $G(p)$, so its response is
# exactly $G(is_w)$; its impulse response is the S4D kernel convolved with the two-tap average
# $(\tfrac12, \tfrac12)$, whose response is precisely the factor $(1 + e^{-i\omega})/2$ above. S4D's kernel
# $K_l = 2\,\mathrm{Re}\sum_j \tilde C_j\lambda_j^l$ leaves that average out.

# %%
kernel_bil = make_kernel(A, C, dt, disc="bilinear")  # the same channel, bilinear
w_in = torch.linspace(-3.1, 3.1, 1001)  # rad per sample (the warp is singular at +-pi)
s_warp = 2 / dt * torch.tan(w_in / 2)  # rad per unit time
K_bil = frequency_response(kernel_bil, w_in)[0]
G_warp = transfer_function(A, C, s_warp)[0]
print(f"bilinear channel, dt = {dt}: omega = 3.1 rad/sample corresponds to s_w = {s_warp[-1]:.1f} rad/time")

# %% [markdown]
# **Check.** The identity holds to float64 precision on the whole band; without the factor
# $(1 + e^{-i\omega})/2$ it fails badly near $\pi$. For one mode, the bilinear peak sits at
# $2\arctan(\Delta t y/2)$ and the ZOH peak at $\Delta t y$, clearly different when $\Delta t y = 2.5$.

# %%
halfsum = (1 + torch.exp(-1j * w_in)) / 2
assert max_rel(K_bil * halfsum, G_warp) < 1e-12
assert (K_bil.abs() / G_warp.abs() - 1 / torch.cos(w_in / 2)).abs().max() < 1e-9  # |K^| = |G(is_w)| / cos
assert ((K_bil - G_warp).abs() / G_warp.abs()).max() > 10  # the naive K^ = G(is_w) is wrong near pi
assert max_rel(frequency_response(kernel_bil, w_in[:1])[0], transfer_function(A, C, s_warp[:1])[0]
               * 2 / (1 + torch.exp(-1j * w_in[:1]))) < 1e-12

a_one, c_one, dt_one = torch.tensor([-0.2 + 25.0j]), torch.tensor([1.0 + 0.0j]), 0.1  # dt y = 2.5
w_pos = torch.linspace(0, math.pi, 20001)
peaks = {}
for disc in ("zoh", "bilinear"):
    k_one = make_kernel(a_one, c_one, dt_one, disc=disc)
    peaks[disc] = w_pos[frequency_response(k_one, w_pos)[0].abs().argmax()].item()
y_one = a_one.imag.item()
assert abs(peaks["zoh"] - dt_one * y_one) < 0.01
assert abs(peaks["bilinear"] - 2 * math.atan(dt_one * y_one / 2)) < 0.01
print("K^(omega) (1 + e^{-i omega})/2 = G(i (2/dt) tan(omega/2)) holds to < 1e-12")
print(f"mode with dt*y = {dt_one * y_one:.2f}: ZOH peak at {peaks['zoh']:.3f}, bilinear peak at "
      f"{peaks['bilinear']:.3f} (2 arctan(dt y/2) = {2 * math.atan(dt_one * y_one / 2):.3f}) rad/sample")

# %% [markdown]
# ## 3.6 Bode plots of an S4D channel
#
# A Bode plot draws the gain in decibels, $20\log_{10}|G|$, and the phase in radians against frequency.
# We draw our S4D-Lin channel ($N = 16$, $\Delta t = 0.05$, modes at $\omega \approx 0.05\pi n \le 2.36$)
# three ways on the discrete axis $\omega \in [0, \pi]$ rad/sample: the continuous $G(i\omega/\Delta t)$ and
# the ZOH and bilinear responses $\hat K(\omega)$. The continuous phase is shown together with
# $\arg G + \omega/2$, the phase the ZOH response should have after the half-sample shift of section 3.3.

# %%
w_bode = torch.linspace(1e-3, math.pi - 1e-3, 3000)  # rad per sample
G_bode = transfer_function(A, C, w_bode / dt)[0]
K_zoh_bode = frequency_response(kernel_zoh, w_bode)[0]
K_bil_bode = frequency_response(kernel_bil, w_bode)[0]
curves = [("continuous G(i omega/dt)", G_bode, "-"), ("ZOH K^(omega)", K_zoh_bode, "--"),
          ("bilinear K^(omega)", K_bil_bode, ":")]
fig, (ax_m, ax_p) = plot.figure(nrows=2, width=7.5, height=5.6, sharex=True)
for (label, resp, ls), color in zip(curves, plot.COLORS):
    plot.plot_magnitude(ax_m, w_bode, resp, label=label, ls=ls, color=color)
    ax_p.plot(w_bode.numpy(), np.unwrap(np.angle(resp.numpy())), ls=ls, color=color, label=label)
ax_p.plot(w_bode.numpy(), np.unwrap(np.angle(G_bode.numpy())) + w_bode.numpy() / 2, color="k", lw=0.8,
          alpha=0.6, label="arg G + omega/2")
for w_mode in (dt * A.imag).tolist():
    ax_m.axvline(w_mode, color="0.8", lw=0.6, zorder=0)
ax_m.set_ylabel("gain (dB)")
ax_p.set_ylabel("phase (rad)")
ax_p.set_xlabel("omega (rad/sample); continuous curve at s = omega / dt, dt = 0.05")
ax_m.set_title("Figure 3.3: Bode plot of one S4D-Lin channel, continuous vs ZOH vs bilinear", loc="left")
_ = ax_m.legend(fontsize=8, loc="lower left")
_ = ax_p.legend(fontsize=8, loc="lower left")
plot.plt.show()

# %% [markdown]
# *Figure 3.3.* Gain (top, dB) and unwrapped phase (bottom, rad) of one S4D-Lin channel ($N = 16$,
# $a_n = -\tfrac12 + i\pi n$, random $C$, $\Delta t = 0.05$) against $\omega$ in rad/sample; the thin grey
# lines mark $\omega = \Delta t\,y_n$. At low $\omega$ the three gains coincide. Towards $\pi$ the ZOH bumps
# stay at $\Delta t\,y_n$ (up to $2.36$ rad/sample), while the bilinear ones are squeezed to
# $2\arctan(\Delta t y_n/2)$ (at most $1.74$), so the bilinear channel has no bump in its upper band. The
# ZOH phase runs above the continuous one by about $\omega/2$ (thin black line); the bilinear phase is the
# continuous phase read at the warped frequency $s_w$, plus $\omega/2$, so it falls faster. Near $\pi$ the ZOH gain levels off above
# the continuous one: $\hat K$ is $2\pi$-periodic and even, so its slope vanishes at $\pi$, and the tails of
# the periodic copies add up there.
#
# **Check.** The figure's claims in numbers: below $\omega = 0.05$ both discrete responses agree with $G$
# within the half-sample bound $\omega/2$ (plus a little); after removing the phase $e^{i\omega/2}$ the
# ZOH phase follows $\arg G$ closely at low $\omega$; and the local maxima of the ZOH and bilinear gains sit
# at $\Delta t\,y_n$ and $2\arctan(\Delta t y_n/2)$, $n = 1, \dots, 15$.

# %%
low = w_bode < 0.05
for resp in (K_zoh_bode, K_bil_bode):
    rel_err = (resp[low] - G_bode[low]).abs() / G_bode[low].abs()
    assert bool((rel_err < 0.55 * w_bode[low] + 1e-3).all())
phase_gap = torch.angle(K_zoh_bode[low] * torch.exp(-0.5j * w_bode[low]) / G_bode[low]).abs().max().item()
assert phase_gap < 1e-3, phase_gap


def local_maxima(resp):
    """omega (rad/sample) of the interior local maxima of |resp| on w_bode."""
    g = resp.abs()
    inner = (g[1:-1] > g[:-2]) & (g[1:-1] > g[2:])
    return w_bode[1:-1][inner]


y_modes = A.imag[1:]  # the mode n = 0 sits at omega = 0, not an interior maximum
for resp, predicted in ((K_zoh_bode, dt * y_modes), (K_bil_bode, 2 * torch.atan(dt * y_modes / 2))):
    found = local_maxima(resp)
    assert len(found) == len(predicted), (len(found), len(predicted))
    assert (found - predicted).abs().max() < 0.02
print("omega < 0.05: discrete vs continuous within omega/2; ZOH phase after the half-sample shift within 1e-3 rad")
print(f"highest bump: ZOH {local_maxima(K_zoh_bode).max():.3f}, bilinear {local_maxima(K_bil_bode).max():.3f} rad/sample")

# %% [markdown]
# ## Summary
# - The transfer function $G(is) = C(isI - A)^{-1}B + D$ comes from the Laplace transform of the state
#   equation; for diagonal $A$ it is a sum of simple fractions $C_j/(is - a_j)$, one bump per mode centred
#   at $s = y_j$, and for a real system (conjugate pairs) $G(-is) = \overline{G(is)}$, so $|G|$ is even.
# - The discrete response of the S4D kernel is a geometric series,
#   $\hat K(\omega) = \sum_j \tilde C_j/(1 - \lambda_j e^{-i\omega}) + \text{conj}$; a length-$L$ kernel
#   multiplies each term by $1 - (\lambda_j e^{-i\omega})^L$, and its FFT samples exactly that.
# - With ZOH, $\hat K(\omega) = e^{i\omega/2}G(i\omega/\Delta t)(1 + O(\Delta t^2))$: the relative error is
#   first order ($\approx s\Delta t/2 = \omega/2$), a half-sample phase; the gains agree to second order.
#   Mode $j$ sits at $\omega \approx \Delta t\,y_j$.
# - A mode with $\Delta t\,|y_j| > \pi$ aliases: its bump appears at $\mathrm{wrap}(\Delta t\,y_j)$, and
#   `fssm.AliasingWarning` flags such initializations.
# - The bilinear discretization warps instead of folding: exactly
#   $\hat K(\omega)(1 + e^{-i\omega})/2 = G\big(i\tfrac{2}{\Delta t}\tan\tfrac{\omega}{2}\big)$, so mode $j$
#   sits at $2\arctan(\Delta t y_j/2)$.
#
# ## Exercises
#
# **Exercise 3.1 (DC gain).** Show that both discretizations preserve the gain at zero frequency exactly:
# $\hat K(0) = G(0)$ for ZOH and for bilinear, for every $\Delta t$. Check it for the channel of this
# chapter at $\Delta t = 0.05$ and at the coarse step $\Delta t = 0.5$.

# %% tags=["hide-input"]
# Solution
# ZOH: C~/(1 - lambda) = C (lambda - 1) / (a (1 - lambda)) = -C/a = C/(0 - a), the term of G(0).
# Bilinear: at omega = 0, (1 + e^0)/2 = 1 and s_w = 0, so the exact identity of 3.5 gives K^(0) = G(0).
zero = torch.zeros(1)
G0 = transfer_function(A, C, zero)[0, 0]
for step in (0.05, 0.5):
    for disc in ("zoh", "bilinear"):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=fssm.AliasingWarning)  # dt = 0.5 aliases on purpose
            K0 = frequency_response(make_kernel(A, C, step, disc=disc), zero)[0, 0]
        assert abs(K0 - G0) < 1e-12 * abs(G0), (step, disc)
print(f"K^(0) = G(0) = {G0.real:.4f} for ZOH and bilinear, dt = 0.05 and 0.5 (agree to < 1e-12)")

# %% [markdown]
# **Exercise 3.2 (where does the bilinear kernel put a fast mode?).** Take the aliasing mode of
# section 3.4 ($a = -0.5 + 50i$, $\Delta t = 0.1$, $\Delta t y = 5 > \pi$) and discretize it with the
# bilinear rule instead. Predict the peak of $|\hat K|$ on $[0, \pi]$ and check it. Does the library still
# warn, and is the warning still meaningful?

# %% tags=["hide-input"]
# Solution
# Bilinear maps s = y to omega = 2 arctan(dt y / 2) = 2 arctan(2.5) ~ 2.38: no folding, but the mode is
# squeezed towards pi. The library warns (its test is dt * |Im a| > pi for any discretization): the mode is
# still beyond what the sampled signal can represent faithfully.
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    k_bil_fast = make_kernel(a_fast, c_fast, dt_fast, disc="bilinear")
assert any(issubclass(w.category, fssm.AliasingWarning) for w in caught)
w_pos = torch.linspace(0, math.pi, 20001)
peak_bil = w_pos[frequency_response(k_bil_fast, w_pos)[0].abs().argmax()].item()
predicted = 2 * math.atan(dt_fast * 50.0 / 2)
assert abs(peak_bil - predicted) < 0.01 and abs(peak_bil - abs(w_alias)) > 1.0
print(f"bilinear peak at {peak_bil:.3f} rad/sample, predicted {predicted:.3f}; ZOH folded it to {abs(w_alias):.3f}")

# %% [markdown]
# **Exercise 3.3 (the largest safe step).** For S4D-Lin with $N$ modes and scaling $\alpha$
# ($y_n = \alpha\pi n$, $n = 0, \dots, N-1$), find the largest $\Delta t$ for which no mode aliases. Check
# your formula with `fssm.AliasingWarning` for $N = 64$, $\alpha = 1$: a kernel with $\Delta t_{\max}$ just
# below the bound must not warn, one just above must.

# %% tags=["hide-input"]
# Solution
# The fastest mode has y = alpha pi (N - 1); dt alpha pi (N - 1) <= pi  <=>  dt <= 1 / (alpha (N - 1)).
def warns(N, alpha, dt_max):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fssm.S4DKernel(1, N, init="lin", alpha=alpha, dt_min=dt_max / 10, dt_max=dt_max)
    return any(issubclass(w.category, fssm.AliasingWarning) for w in caught)


N_ex, alpha_ex = 64, 1.0
dt_safe = 1 / (alpha_ex * (N_ex - 1))
assert not warns(N_ex, alpha_ex, 0.99 * dt_safe) and warns(N_ex, alpha_ex, 1.01 * dt_safe)
assert not warns(N_ex, 3.0, 0.99 * dt_safe / 3) and warns(N_ex, 3.0, 1.01 * dt_safe / 3)
print(f"N = 64: largest safe dt = 1/(alpha (N - 1)) = {dt_safe:.5f} for alpha = 1, {dt_safe / 3:.5f} for alpha = 3")

# %% [markdown]
# **Exercise 3.4 (ZOH droop).** Use the exact one-mode identity of section 3.3 to show that, at its own
# peak $s = y_j$, a lightly damped ZOH mode has gain
# $|\hat K_j(\Delta t y_j)| \approx |G_j(i y_j)|\cdot\left|\frac{\sin(\Delta t y_j/2)}{\Delta t y_j/2}\right|$:
# fast modes are attenuated by a sinc factor. Check the ratio for $y = 10, 20, 30$ with $a = -0.01 + iy$,
# $\Delta t = 0.1$, using only the stored term (without the conjugate partner).

# %% tags=["hide-input"]
# Solution
# At s = y: a - is = x (small), so shc(dt x / 2) ~ 1, while shc(dt a / 2) ~ shc(i dt y / 2) = sin(dt y/2)/(dt y/2).
for y_ex in (10.0, 20.0, 30.0):
    k_ex = make_kernel(torch.tensor([complex(-0.01, y_ex)]), torch.tensor([1.0 + 0.0j]), 0.1)
    dA_ex, dC_ex = k_ex.discretize()
    q = k_ex.ssm()
    h = q["dt"].item()
    term = (dC_ex[0, 0] / (1 - dA_ex[0, 0] * cmath.exp(-1j * h * y_ex))).abs()  # discrete term at omega = dt y
    cont = (q["C"][0, 0] / (1j * y_ex - q["A"][0, 0])).abs()  # continuous term at s = y
    sinc = abs(math.sin(h * y_ex / 2) / (h * y_ex / 2))
    assert abs(term / cont - sinc) < 1e-3 * sinc + 1e-4, (y_ex, (term / cont).item(), sinc)
    print(f"y = {y_ex:4.0f}: |K^_j| / |G_j| = {(term / cont).item():.4f}, sinc(dt y / 2) = {sinc:.4f}")

# %% [markdown]
# ## References
# ```{bibliography}
# :filter: docname in docnames
# ```
