# %% [markdown]
# # 7. Mechanism 2: the Sobolev filter
#
# Scaling the initialization ({doc}`chapter 6 <06_alpha>`) moves the modes to where the target needs them, but once
# training starts the modes still barely move ({doc}`chapter 5 <05_training>`, *Training does not change the bias*): the
# gradient of a loss with respect to $y_j = \mathrm{Im}\,a_j$ only sees errors near $s = y_j$, and it is no
# larger for a high mode than for a low one. The second mechanism of {cite:t}`yu2025tuning` acts on the
# gradients instead. It multiplies the transfer function by a weight $(1 + |s|)^\beta$, like the weight of a
# Sobolev norm $H^\beta$, so that the gradient of every mode is scaled by about $(1 + |y_j|)^\beta$: $\beta > 0$
# makes the high modes more sensitive, $\beta < 0$ less.
#
# This chapter derives the gradient scaling and checks it with autograd, shows how `fssm` implements the
# filter on a discrete, zero-padded spectrum, takes apart a tempting implementation that silently turns the
# filter into a constant gain, makes $\beta$ trainable, and runs the waves experiment with $\beta$. At the
# book's scale and with the paper's normalization of the filter, $\beta$ changes nothing measurable; we show
# why, with numbers. With the weight on the continuous frequency, $(1 + |s|)^\beta$, it does help the high
# waves, and the last section separates what the weight does to the forward pass from what it does to the
# gradients.
#
# ## Learning goals
# - Derive $\partial G_\beta/\partial y_j = (1 + |s|)^\beta\,\partial G/\partial y_j$ and why it scales the
#   gradient of $y_j$ by about $(1 + |y_j|)^\beta$; check it against autograd.
# - Implement the discrete filter $(1 + k/M)^\beta$ on the bins of a one-sided FFT of length $2L$, and relate
#   $M$ to the continuous frequency $s$.
# - Explain why a one-sided weight on all bins of a full, unpadded FFT, followed by taking the real part, is
#   no filter at all for $\beta = 1$, and demonstrate it.
# - Train $\beta$ per channel with its own learning rate and no weight decay.
# - Read the waves experiment over $\beta$ honestly: what the filter can and cannot do at this scale.
# - Show that filtering the kernel equals pre-emphasizing the SSM's input, and separate the filter's forward gain
#   from its gradient reweighting with two instrumented layers.
#
# ## Prerequisites
# - {doc}`Chapter 3 <03_transfer_functions>`: $G(is)$, $\hat K(\omega)$, $\omega \approx s\,\Delta t$.
# - {doc}`Chapter 2 <02_lti_systems>`: the FFT convolution, zero-padded to $2L$.
# - {doc}`Chapter 5 <05_training>`, *Training does not change the bias*: $\partial G/\partial y_j = i c_j/(is - a_j)^2$ is local in
#   frequency.
# - {doc}`Chapter 6 <06_alpha>`, *Mechanism 1: scaling the initialization*: the waves experiment and its $\alpha$ sweep.

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
# The analysis sections compute in double precision; autograd is on only where a cell says so. The
# training runs of sections 7.5 and 7.6 use the library's default single precision.

# %%
import dataclasses
import math

import numpy as np
import torch
from fssm.analysis import frequency_response, layer_frequency_response, transfer_function
from fssm.experiments import common, waves
from fssm.layer import fft_conv, sobolev_weight
from fssm.train import make_optimizer, param_groups

torch.set_default_dtype(torch.float64)  # analysis: float64; sections 7.5-7.6 train in float32
torch.set_grad_enabled(False)  # analysis evaluates functions; cells that differentiate switch it on
print("scale:", fssm.get_scale(), "| device:", fssm.get_device())

# %% [markdown]
# ## 7.1 The filtered transfer function and its gradients
#
# The filtered layer maps the spectrum $\hat u(s)$ of its input to
#
# $$
# \hat y(s) = G_\beta(is)\,\hat u(s), \qquad G_\beta(is) = (1 + |s|)^\beta\, G(is), \qquad \beta \in \mathbb{R}.
# $$
#
# The weight $w_\beta(s) = (1 + |s|)^\beta$ is real, positive, even in $s$, equal to $1$ at $s = 0$, and
# increasing in $|s|$ for $\beta > 0$ (decreasing for $\beta < 0$); $\beta = 0$ is the plain SSM. Because it
# is real and even, $G_\beta(-is) = \overline{G_\beta(is)}$ still holds, so real inputs still give real
# outputs, and the phase of $G$ is untouched: only the gain is reshaped.
#
# **The gradient.** The weight does not depend on the parameters of the SSM. Differentiating a mode
# $g_j(s) = c_j/(is - a_j)$ with respect to $y_j$ (where $a_j = x_j + i y_j$, so $\partial a_j/\partial y_j = i$)
# gives $\partial g_j/\partial y_j = i c_j/(is - a_j)^2$, hence
#
# $$
# \frac{\partial G_\beta(is)}{\partial y_j} = (1 + |s|)^\beta\,\frac{\partial G(is)}{\partial y_j}
#   = (1 + |s|)^\beta\,\frac{i c_j}{(is - a_j)^2}
#   \qquad\Big(\text{plus } (1 + |s|)^\beta\,\frac{-i\bar c_j}{(is - \bar a_j)^2} \text{ for the conjugate partner}\Big).
# $$
#
# Now take any loss that depends on the model through $G_\beta$, for instance the squared error
# $\mathcal{L} = \int |G_\beta(is) - T(s)|^2\,ds$ against a target response $T$. Writing $E(s) = G_\beta(is) - T(s)$
# for the current error, the chain rule for a real parameter gives
#
# $$
# \frac{\partial \mathcal L}{\partial y_j}
#   = 2\int \mathrm{Re}\Big[\overline{E(s)}\,\frac{\partial G_\beta(is)}{\partial y_j}\Big]\,ds
#   = 2\int (1 + |s|)^\beta\,\mathrm{Re}\Big[\overline{E(s)}\,\frac{\partial G(is)}{\partial y_j}\Big]\,ds .
# $$
#
# Chapter 5 showed that $|\partial G/\partial y_j| = |c_j|/((s - y_j)^2 + x_j^2)$ is concentrated within a few
# $|x_j|$ of $s = y_j$ (and of $-y_j$ for the partner). On that window the weight hardly changes when
# $|x_j| \ll 1 + |y_j|$: $(1 + |s|)^\beta = (1 + |y_j|)^\beta\,\big(1 + O(|s \mp y_j|/(1 + |y_j|))\big)$. So
#
# $$
# \frac{\partial \mathcal L_\beta}{\partial y_j} \approx (1 + |y_j|)^\beta\cdot
#   2\int \mathrm{Re}\Big[\overline{E(s)}\,\frac{\partial G(is)}{\partial y_j}\Big]\,ds :
# $$
#
# for the same error $E$, the filtered model's gradient of $y_j$ is the plain model's times
# $(1 + |y_j|)^\beta$. Between a low mode $y_a$ and a high mode $y_b$ the relative scale changes by
# $\big((1 + y_b)/(1 + y_a)\big)^\beta$: with $\beta > 0$ high-frequency errors pull harder on high modes, and
# the low-frequency bias of training weakens. (For $\beta = 1$ and an error shaped like
# $\partial G/\partial y_j$ itself, the weighted average of $1 + |s|$ over the symmetric bump is exactly
# $1 + |y_j|$, up to the tails of the other modes and of the partner.)
#
# **The smallest code.** Three well-separated modes at $y = 3, 30, 300$ ($x = -\tfrac12$, random $c$). To
# compare the filtered and the plain model *at the same error*, we fix the error $E(s)$ (the error of a model
# whose modes all sit $0.05$ too low) and use the loss
# $\mathcal L_\beta(y) = \int |(1 + |s|)^\beta (G_y(is) - G_{y_0}(is)) + E(s)|^2\,ds$, whose error at the current
# $y_0$ is $E$ for every $\beta$; its gradient at $y_0$ is exactly the formula above. Autograd differentiates
# through `transfer_function`.

# %%
x3 = torch.full((3,), -0.5)
y3 = torch.tensor([3.0, 30.0, 300.0])
c3 = torch.randn(3, dtype=torch.complex128)
ds = 0.005
s_grid = torch.arange(-1500.0, 1500.0, ds)  # rad/time; covers every mode and its partner
G_now = transfer_function(torch.complex(x3, y3), c3, s_grid)[0]
E = G_now - transfer_function(torch.complex(x3, y3 + 0.05), c3, s_grid)[0]  # the fixed error


def grad_imag(beta):
    """d L_beta / d y at y = y3, by autograd."""
    with torch.enable_grad():
        y = y3.clone().requires_grad_(True)
        G = transfer_function(torch.complex(x3, y), c3, s_grid)[0]
        loss = (((1 + s_grid.abs()) ** beta * (G - G_now) + E).abs() ** 2).sum() * ds
        loss.backward()
    return y.grad


g0 = grad_imag(0.0)
ratios = {beta: grad_imag(beta) / g0 for beta in (-1.0, 0.5, 1.0, 2.0)}
print("modes at y =", y3.tolist(), "rad/time")
for beta, r in ratios.items():
    print(f"beta = {beta:4.1f}: grad ratio filtered/plain = " + ", ".join(f"{v:.5g}" for v in r.tolist())
          + " | (1 + y)^beta = " + ", ".join(f"{v:.5g}" for v in ((1 + y3) ** beta).tolist()))

# %% [markdown]
# **Check.** For the well-separated modes at $y = 30$ and $300$ the autograd ratio equals $(1 + y)^\beta$
# within 0.2 % for every $\beta$ tried; for the low mode at $y = 3$, where the weight changes by about
# $|x|/(1 + y) = 12$ % across the bump, it is within 2 %, and its error is largest for $\beta = 2$, as the
# second-order term $\beta(\beta - 1)x^2/(2(1 + y)^2)$ of the expansion predicts.

# %%
for beta, r in ratios.items():
    rel = (r / (1 + y3) ** beta - 1).abs()
    assert bool((rel[1:] < 2e-3).all()), (beta, rel)
    assert rel[0] < 0.02, (beta, rel)
worst = max(ratios, key=lambda b: (ratios[b][0] / (1 + y3[0]) ** b - 1).abs().item())
assert worst == 2.0
print("grad ratio = (1 + |y_j|)^beta within 0.2 % for y = 30, 300 and within 2 % for y = 3 "
      f"(largest deviation at beta = {worst:g})")

# %% [markdown]
# ## 7.2 The discrete filter in `fssm`
#
# A layer does not see $G(is)$ but the discrete spectrum of its kernel on an FFT grid. `fssm` computes the
# causal convolution $y = K * u$ with one-sided real FFTs (`rfft`) of length $n = 2L$, zero-padded so that the
# product of spectra is a *linear* convolution (chapter 2), and multiplies bin $k$ of the product by the weight
#
# $$
# \hat y_k = w_k\,\hat K_k\,\hat u_k, \qquad w_k = \Big(1 + \frac{k}{M}\Big)^\beta, \qquad k = 0, 1, \dots, L,
# \qquad y = \mathrm{irfft}(\hat y)[0:L] + D u .
# $$
#
# Bin $k$ holds the frequency $\omega_k = 2\pi k/n = \pi k/L$ rad/sample. The weight is even in frequency by
# construction: `irfft` rebuilds the full spectrum from the bins $k \ge 0$ through Hermitian symmetry,
# $\hat y_{n-k} = \overline{\hat y_k}$, so the bin $n - k$ (frequency $-\omega_k$) receives the same weight $w_k$,
# and the output is real. The scale $M$ (`sobolev_scale`) decides which continuous weight the discrete one
# stands for. Since $k = n\,\omega/(2\pi)$ and $\omega = s\,\Delta t$,
#
# $$
# \frac{k}{M} = \frac{n\,\Delta t}{2\pi M}\,|s| .
# $$
#
# - The default $M = n$ gives $w = (1 + |\omega|/2\pi)^\beta$, between $1$ and $1.5^\beta$ (the paper's LRA code).
# - The authors' waves code (`models/s4/s4d.py` in their repository, trained by `waves.py`) multiplies bin $m$ of
#   an *unpadded* $L$-point FFT by $(1 + m/10^4)^\beta$ at $L = 62\,832$. Bin $m$ sits at $\omega = 2\pi m/L$, so
#   its nominal weight is $w = (1 + |\omega|)^\beta$ (more precisely $1 + 1.000002\,|\omega|$, since
#   $L/(2\pi\cdot 10^4) = 1.000002$). On the layer's grid of $2L$ points that is $M = 2\cdot 10^4$;
#   `WavesConfig.sobolev_scale` ('paper') scales $M$ with $L$ so that the weight is this same function of
#   $\omega$ at every scale. What their code *effectively* applied is different, and section 7.3 shows it.
# - The continuous weight $(1 + |s|)^\beta$ itself needs $k/M = |s|$, i.e. $M = n\,\Delta t/(2\pi) = L\,\Delta t/\pi$.
#
# ```{literalinclude} ../fssm/layer.py
# :language: python
# :pyobject: sobolev_weight
# ```
#
# ```{literalinclude} ../fssm/layer.py
# :language: python
# :pyobject: fft_conv
# ```
#
# The smallest code: a linear layer (no activation, no mixing) with 3 channels, with and without the filter.

# %%
L7 = 512
fssm.seed_everything(1)
plain = fssm.S4DLayer(3, 8, activation=None, mixing=None)
u7 = torch.randn(4, 3, L7)
k7 = plain.conv_kernel(L7)  # r(3 L)
y_plain = plain(u7)
print(f"layer: H = 3, N = 8, L = {L7}; output dtype {y_plain.dtype}, shape {tuple(y_plain.shape)}")

# %% [markdown]
# **Check.** (i) $\beta = 0$ is *exactly* the plain layer: the layer with `beta=0` skips the filter, and
# `fft_conv` with an explicit $\beta = 0$ (weight $1^0 = 1$) returns bit-identical outputs (`torch.equal`).
# (ii) For $\beta > 0$ the layer's linear response divided by the plain one is $(1 + k/M)^\beta$, strictly
# increasing from bin to bin; for $\beta < 0$ strictly decreasing. (iii) The output is real, and it equals the
# real part of a full complex FFT convolution whose weight is built even, $w(|\omega|)$, whose imaginary part
# vanishes to round-off.

# %%
assert torch.equal(y_plain, fft_conv(u7, k7) + plain.D[:, None] * u7)
assert torch.equal(fft_conv(u7, k7), fft_conv(u7, k7, beta=torch.zeros(3)))


def linear_layer(beta, **kw):
    """A copy of `plain` without D, with a Sobolev exponent beta."""
    layer = fssm.S4DLayer(3, 8, beta=beta, activation=None, mixing=None, D=False, **kw)
    layer.kernel.load_state_dict(plain.kernel.state_dict())
    return layer


_, resp0 = layer_frequency_response(linear_layer(0.0), L7)
for beta in (-1.0, 0.5, 1.0):
    _, resp = layer_frequency_response(linear_layer(beta), L7)
    gain = (resp.abs() / resp0.abs())[0]  # r(L+1), the same for every channel
    steps = gain[1:] - gain[:-1]
    assert bool((steps > 0).all()) if beta > 0 else bool((steps < 0).all())
    assert torch.allclose(gain, (1 + torch.arange(L7 + 1) / (2 * L7)) ** beta, rtol=1e-12)

n7 = 2 * L7
beta7 = torch.full((3,), 1.0)
w_half = sobolev_weight(beta7, L7 + 1, float(n7))  # r(3, L+1): bins 0..L
idx = torch.arange(n7)
w_even = w_half[:, torch.minimum(idx, n7 - idx)]  # r(3, n): bin n-k gets w_k
y_full = torch.fft.ifft(w_even * torch.fft.fft(k7, n=n7) * torch.fft.fft(u7, n=n7))[..., :L7]
y_lib = fft_conv(u7, k7, beta=beta7)
assert y_lib.dtype == torch.float64 and not y_lib.is_complex()
assert y_full.imag.abs().max() < 1e-12 * y_full.real.abs().max()
assert torch.allclose(y_full.real, y_lib, rtol=0, atol=1e-12 * y_lib.abs().max().item())
print("beta = 0: bit-identical to the plain layer; beta > 0: gain (1 + k/M)^beta strictly increasing;")
print("even weight on a full FFT: imaginary part < 1e-12 (relative), real part = fft_conv")

# %%
omega_bins = torch.arange(L7 + 1) * math.pi / L7  # rad/sample
dt_w = waves.BOOK_DT  # the book-scale waves experiment's step, 2^-10
fig, (ax_b, ax_m) = plot.figure(ncols=2, width=10.0, height=3.6)
for beta, color in zip((-1.0, -0.5, 0.5, 1.0), plot.COLORS):
    ax_b.plot(omega_bins, sobolev_weight(torch.tensor([beta]), L7 + 1, float(n7))[0], color=color,
              label=f"beta = {beta:g}")
ax_b.set_xlabel("omega (rad/sample)")
ax_b.set_ylabel("weight w (default M = 2L)")
ax_b.set_title("Figure 7.1: the Sobolev weight on the layer's FFT grid", loc="left")
_ = ax_b.legend(fontsize=8)
norms = {"default: M = 2L, w = (1 + omega/2pi)": 2 * L7,
         "paper waves (nominal): w = (1 + omega)": waves.WavesConfig(L=L7).sobolev_scale,
         "continuous: M = L dt/pi, w = (1 + |s|)": L7 * dt_w / math.pi}
for (label, M), color in zip(norms.items(), plot.COLORS):
    ax_m.semilogy(omega_bins, sobolev_weight(torch.tensor([1.0]), L7 + 1, float(M))[0], color=color, label=label)
ax_m.set_xlabel("omega (rad/sample)")
ax_m.set_ylabel("weight at beta = 1")
_ = ax_m.legend(fontsize=8, loc="center right")
plot.plt.show()

# %% [markdown]
# *Figure 7.1.* Left: the weight $w_k = (1 + k/M)^\beta$ with the default $M = 2L$ against the bin frequency
# $\omega_k = \pi k/L$ (rad/sample), for four values of $\beta$; it runs from $1$ at $\omega = 0$ to $1.5^\beta$ at
# the Nyquist frequency $\pi$. Right: the weight at $\beta = 1$ (log scale) for the three normalizations of
# section 7.2, with the book-scale waves' $\Delta t = 2^{-10}$ for the continuous one: the default reaches $1.5$, the
# nominal weight of the paper's waves code $1 + \pi \approx 4.14$, and the continuous one
# $1 + \pi/\Delta t = 1 + 1024\pi \approx 3218$.
#
# ## 7.3 The authors' waves filter: a one-sided weight on a full FFT
#
# Suppose we skip the padding and the `rfft`, and apply the weight $w_k = (1 + k/M)^\beta$ to *all* $L$ bins
# $k = 0, \dots, L-1$ of a full complex FFT of length $L$, then take the real part of the inverse FFT. This is
# not a hypothetical mistake: it is what the authors' waves code does (`models/s4/s4d.py`, with $M = 10^4$ at
# $L = 62\,832$), and so it is the filter the paper's tuned-waves runs trained with:
#
# $$
# y^{\text{wrong}}_t = \mathrm{Re}\;\frac1L\sum_{k=0}^{L-1} w_k\,P_k\,e^{2\pi i kt/L},
# \qquad P_k = \hat K_k\,\hat u_k .
# $$
#
# Two things go wrong. The product of unpadded FFTs is a *circular* convolution (the end of the sequence
# wraps around onto its beginning, chapter 2). And bin $L - k$ holds the frequency $-\omega_k$ (equivalently
# $2\pi - \omega_k$), but it receives the weight $w_{L-k}$, the largest weights of all: the weight is not even
# in frequency. What does the real part do with it? For real $K$ and $u$, $P_{L-k} = \overline{P_k}$. Pair the
# terms $k$ and $L - k$ ($1 \le k < L/2$), with $\theta = 2\pi kt/L$, so that $e^{2\pi i(L-k)t/L} = e^{-i\theta}$:
#
# $$
# \begin{aligned}
# \mathrm{Re}\big[w_k P_k e^{i\theta} + w_{L-k}\overline{P_k}\,e^{-i\theta}\big]
#   &= w_k\,\mathrm{Re}\big[P_k e^{i\theta}\big] + w_{L-k}\,\mathrm{Re}\big[\overline{P_k e^{i\theta}}\big]
#    = \big(w_k + w_{L-k}\big)\,\mathrm{Re}\big[P_k e^{i\theta}\big] \\
#   &= \frac{w_k + w_{L-k}}{2}\cdot 2\,\mathrm{Re}\big[P_k e^{i\theta}\big],
# \end{aligned}
# $$
#
# and $2\,\mathrm{Re}[P_k e^{i\theta}]$ is exactly the pair's contribution without any weight. So the frequency
# $\omega_k$ is scaled by the **average** $\bar w_k = (w_k + w_{L-k})/2$ of the weights at $k$ and $L - k$.
# For $\beta = 1$ that average is the same for every $k$:
#
# $$
# \bar w_k = \frac{(1 + k/M) + (1 + (L - k)/M)}{2} = 1 + \frac{L}{2M}, \qquad k = 1, \dots, L - 1,
# $$
#
# while $k = 0$ keeps $w_0 = 1$. The "filter" is a constant gain on every non-zero frequency: at the
# paper's $L = 62\,832$ and $M = 10^4$ it multiplies everything but the mean by $1 + L/(2M) = 4.14$, and with
# $M = L$ by $1.5$; it shapes nothing. For other $\beta$ the average is not exactly constant, but it varies
# only a little, because the large weights of the upper half are averaged into every frequency. Taking the
# real part hides the error: the output looks like a plausible real signal.
#
# Here is that filter, written out for teaching (it is not the Sobolev filter it stands for; do not use it),
# next to the library's.

# %%
def wrong_sobolev_conv(u, k, beta, M):
    """DO NOT USE. One-sided weight (1 + k/M)^beta on all bins of an unpadded complex FFT, real part."""
    L = u.shape[-1]
    w = (1 + torch.arange(L) / M) ** beta  # one-sided: bin L-k (frequency -omega_k) gets w_{L-k}
    return torch.fft.ifft(w * torch.fft.fft(k, n=L) * torch.fft.fft(u, n=L)).real


L_p, M_p = waves.PAPER_LENGTH, waves.PAPER_SOBOLEV_SCALE  # 62832 and 10^4
t_p = torch.arange(L_p)
delta = torch.zeros(L_p)
delta[0] = 1.0  # the identity kernel: what we see is the filter alone
tone_bins = [1, 3, 10, 31, 100, 316, 1000, 3162, 10000, L_p // 2]


def tone_gains(M, beta):
    """Measured gain <y, u>/<u, u> of each implementation for tones cos(2 pi m t / L)."""
    out = {"wrong": [], "fssm": []}
    for m in tone_bins:
        u = torch.cos(2 * math.pi * m * t_p / L_p)
        y_wrong = wrong_sobolev_conv(u, delta, beta, M)
        # the library's bins live on a grid of length 2L: bin 2m is the same frequency, so M -> 2M
        y_fssm = fft_conv(u[None, None], delta[None], beta=torch.tensor([beta]), sobolev_scale=2 * M)[0, 0]
        out["wrong"].append((y_wrong @ u / (u @ u)).item())
        out["fssm"].append((y_fssm @ u / (u @ u)).item())
    return {key: np.array(v) for key, v in out.items()}


omega_tones = 2 * math.pi * np.array(tone_bins) / L_p  # rad/sample
gains = {(M, beta): tone_gains(M, beta) for M in (M_p, float(L_p)) for beta in (0.5, 1.0)}
for (M, beta), g in gains.items():
    print(f"L = {L_p}, M = {M:.0f}, beta = {beta:g}: wrong gain {g['wrong'].min():.4f} .. {g['wrong'].max():.4f}"
          f" | fssm gain {g['fssm'].min():.4f} .. {g['fssm'].max():.4f}")

# %% [markdown]
# **Check.** For $\beta = 1$ the wrong version's gain is $1 + L/(2M)$ at every tone to $10^{-9}$ (flat), and
# for $\beta = \tfrac12$ it varies by less than 11 % over four decades of frequency; it also equals the
# predicted average $(w_m + w_{L-m})/2$. The library's gain rises monotonically from $1$ to $(1 + L/(2M))^\beta$
# and matches the intended weight $(1 + \omega L/(2\pi M))^\beta$ within $3\cdot10^{-4}$. Finally, the wrong
# version's convolution is circular: an impulse at the last sample leaks into the first output samples,
# which the padded library convolution (with $\beta = 0$) never does.

# %%
for (M, beta), g in gains.items():
    w_at = lambda m: (1 + m / M) ** beta  # noqa: E731
    predicted = np.array([(w_at(m) + w_at(L_p - m)) / 2 for m in tone_bins])
    assert np.allclose(g["wrong"], predicted, rtol=1e-9)
    intended = (1 + omega_tones * L_p / (2 * math.pi * M)) ** beta
    assert np.allclose(g["fssm"], intended, rtol=3e-4, atol=0)
    assert np.all(np.diff(g["fssm"]) > 0) and g["fssm"][-1] / g["fssm"][0] > 1.2
    if beta == 1.0:
        assert np.allclose(g["wrong"], 1 + L_p / (2 * M), rtol=1e-9)
    else:
        assert g["wrong"].max() / g["wrong"].min() < 1.11
        assert g["fssm"][-1] / g["fssm"][0] > 1.2 * g["wrong"].max() / g["wrong"].min()

kernel_p = fssm.S4DLayer(1, 4, dt_min=1e-3, dt_max=1e-3, activation=None, mixing=None).conv_kernel(L_p)[0]
impulse_end = torch.zeros(L_p)
impulse_end[-1] = 1.0
head_wrong = wrong_sobolev_conv(impulse_end, kernel_p, 0.0, M_p)[:100].abs().max().item()
head_fssm = fft_conv(impulse_end[None, None], kernel_p[None])[0, 0, :100].abs().max().item()
assert head_wrong > 1e-4 and head_fssm < 1e-12
print("wrong version: gain = (w_k + w_{L-k})/2; flat for beta = 1, nearly flat for beta = 1/2; circular;")
print(f"fssm: gain rises monotonically as (1 + omega L/(2 pi M))^beta; impulse at t = L-1 -> |y[0:100]| "
      f"max {head_wrong:.2e} (wrong, wraps around) vs below 1e-12 (fssm)")

# %%
fig, ax = plot.figure(width=7.0, height=3.6)
for ((M, beta), g), color in zip(gains.items(), plot.COLORS):
    ax.semilogx(omega_tones, g["fssm"], "o-", color=color, ms=3, label=f"fssm, M = {M:.0f}, beta = {beta:g}")
    ax.semilogx(omega_tones, g["wrong"], "s--", color=color, ms=3, label=f"wrong, M = {M:.0f}, beta = {beta:g}")
ax.set_xlabel("omega (rad/sample)")
ax.set_ylabel("measured gain of the filter")
ax.set_title(f"Figure 7.2: one-sided weight on a full FFT vs fssm (L = {L_p})", loc="left")
_ = ax.legend(fontsize=7, ncol=2, loc="upper left")
ax.set_ylim(0.8, 5.6)
plot.plt.show()

# %% [markdown]
# *Figure 7.2.* Gain of the filter alone (kernel = identity) measured with cosine tones of frequency $\omega$
# (rad/sample, log axis) at the paper's length $L = 62\,832$, for $M = 10^4$ (the paper's waves setting) and
# $M = L$, $\beta = \tfrac12$ and $1$. Solid: `fssm.layer.fft_conv` with the weight on the padded one-sided
# spectrum, rising with frequency as intended. Dashed: the one-sided weight on all bins of the unpadded
# complex FFT, real part taken: flat at $1 + L/(2M)$ for $\beta = 1$ and nearly flat for $\beta = \tfrac12$.
#
# **What the paper's four waves configurations therefore tested.** The paper trains $(\alpha, \beta) = (1, 0)$,
# $(100, 1)$, $(0.01, -1)$ and $(10, 0.5)$. Its waves sit at bins $m = f$ of the $62\,832$-point FFT
# ($\omega = f\,\Delta t$ with $\Delta t\,L = 2\pi$). Side by side, the weight each configuration was meant to
# apply at the four waves, $(1 + m/10^4)^\beta$, and the one its code applied, $(w_m + w_{L-m})/2$ (checked above
# to $10^{-9}$ against the code's arithmetic):

# %%
from IPython.display import HTML
from fssm.experiments.common import html_table

paper_configs = waves.PAPER_CONFIGS  # (alpha, beta) of the paper's waves figure
wave_bins = [int(f) for f in waves.WavesConfig().freqs]  # m = f dt L / (2 pi) = f at L = 62832, dt = 1e-4
table_73 = {}
for alpha, beta in paper_configs:
    w_at = lambda m, b=beta: (1 + m / M_p) ** b  # noqa: E731
    nominal = np.array([w_at(m) for m in wave_bins])
    effective = np.array([(w_at(m) + w_at(L_p - m)) / 2 for m in wave_bins])
    table_73[(alpha, beta)] = (nominal, effective)
nominal_1, effective_1 = table_73[(100.0, 1.0)]
nominal_h, effective_h = table_73[(10.0, 0.5)]
nominal_m, effective_m = table_73[(0.01, -1.0)]
rise_73 = {cfg: (eff[-1] / eff[0], nom[-1] / nom[0]) for cfg, (nom, eff) in table_73.items()}  # wave 4 / wave 1
assert np.allclose(effective_1, 1 + L_p / (2 * M_p), rtol=1e-12) and rise_73[(100.0, 1.0)][1] > 1.4
assert rise_73[(10.0, 0.5)][0] < 1.04 < 1.18 < rise_73[(10.0, 0.5)][1]
assert 0.70 < rise_73[(0.01, -1.0)][1] < rise_73[(0.01, -1.0)][0] < 0.76
# the numbers the text below states
assert abs(effective_1[0] - 4.14) < 0.005 and abs(effective_h[0] - 1.85) < 0.005 and abs(effective_h[-1] - 1.90) < 0.005
assert abs(effective_m[0] - 0.57) < 0.005 and abs(effective_m[-1] - 0.43) < 0.005
print("weight at waves 1-4: nominal (1 + m/1e4)^beta (nom.), effective (w_m + w_(L-m))/2 (eff.); "
      "w4/w1: the factor from wave 1 to wave 4")
rows_73 = []
for (alpha, beta), (eff, nom) in rise_73.items():
    rows_73.append([f"({alpha:g}, {beta:g})"] + [f"{v:.4f}" for v in table_73[(alpha, beta)][0]] + [f"{nom:.3f}"]
                   + [f"{v:.4f}" for v in table_73[(alpha, beta)][1]] + [f"{eff:.3f}"])
HTML(html_table(["(alpha, beta)"] + [f"nom. w{w}" for w in range(1, 5)] + ["nom. w4/w1"]
                + [f"eff. w{w}" for w in range(1, 5)] + ["eff. w4/w1"], rows_73))  # the cell's value: shown as a table

# %% [markdown]
# So in the paper's tuned-waves runs $\beta$ did not act as the filter the paper describes. $\beta = 1$ multiplied
# every non-zero frequency by the same $4.14$: no frequency selection at all. $\beta = \tfrac12$ multiplied the
# waves by $1.85$ to $1.90$, a rise of 3 % from wave 1 to wave 4 where the nominal weight rises by 19 %.
# $\beta = -1$ kept most of its low-pass shape (its weight falls from $0.57$ to $0.43$, by 25 % against the
# nominal 29 %) but under an overall gain of about $0.57$. What the configurations $(100, 1)$ and $(10, 0.5)$
# tested is $\alpha$, together with a change of the layer's overall gain against the skip term $D$. This book applies
# the weight as intended (`WavesConfig(sobolev_norm="paper")` gives the nominal $(1 + \omega)^\beta$, even in
# frequency, on a padded grid), so its waves runs with $\beta \neq 0$ test the filter the paper describes, not
# the one its code ran.
#
# ## 7.4 Fixed or trainable $\beta$
#
# The paper's waves and denoising experiments fix $\beta$; its Long-Range-Arena models learn one $\beta$ per
# channel, starting from $0$, with its own learning rate $0.01$ and no weight decay. In `fssm`,
# `S4DLayer(learn_beta=True)` registers $\beta$ as a parameter tagged with that learning rate and weight decay
# (`beta_lr`, default $0.01$), and `fssm.train.param_groups` puts it into its own optimizer group. Since
# $\partial w_k/\partial\beta = w_k\ln(1 + k/M)$, the gradient of $\beta$ weighs the error at high bins most.

# %%
H_b, N_b, L_b = 4, 8, 256
fssm.seed_everything(2)
teacher = fssm.S4DLayer(H_b, N_b, beta=1.0, activation=None, mixing=None)  # needs high-frequency gain
student = fssm.S4DLayer(H_b, N_b, beta=0.0, learn_beta=True, activation=None, mixing=None)
student.kernel.load_state_dict(teacher.kernel.state_dict())  # start at the teacher's SSM ...
student.D.data.copy_(teacher.D.data)  # ... so that only the high-frequency gain is missing
groups = param_groups(student, lr=1e-3, weight_decay=0.05)
for g in groups:
    print(f"  lr = {g['lr']:g}, weight decay = {g['weight_decay']:g}: {g['names']}")

# %% [markdown]
# The demonstration: the teacher is a linear layer with a fixed $\beta = 1$ (default $M = 2L$, so its gain
# rises by up to $1.5$ towards the Nyquist frequency); the student starts at the teacher's SSM with $\beta = 0$
# and trains *all* its parameters (AdamW, base learning rate $10^{-3}$, $\beta$ at $0.01$) for 100 steps on
# white-noise inputs.

# %%
opt = make_optimizer(student, lr=1e-3, weight_decay=0.05, verbose=False)
u_b = torch.randn(16, H_b, L_b)
target = teacher(u_b)
losses = []
with torch.enable_grad():
    for step in range(100):
        loss = ((student(u_b) - target) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
print(f"loss {losses[0]:.3g} -> {losses[-1]:.3g}; beta per channel after 100 steps:",
      ", ".join(f"{b:.3f}" for b in student.beta.tolist()))

# %% [markdown]
# **Check.** $\beta$ has its own group (lr $0.01$, no weight decay) containing nothing else; after training,
# $\beta$ has increased in every channel (towards the teacher's $1$), and the loss fell by more than a factor
# of 10.

# %%
beta_group = [g for g in groups if "beta" in g["names"]]
assert len(beta_group) == 1 and beta_group[0]["names"] == ["beta"]
assert beta_group[0]["lr"] == 0.01 and beta_group[0]["weight_decay"] == 0.0
assert bool((student.beta > 0.1).all()) and bool((student.beta < 1.5).all())
assert losses[-1] < 0.1 * losses[0]
print("beta trained upwards in every channel:", [round(b, 3) for b in student.beta.tolist()])

# %% [markdown]
# ## 7.5 The waves experiment over $\beta$
#
# The waves experiment ({doc}`chapter 6 <06_alpha>`, section 6.5) at the book's scale: four cosines of
# frequencies $f = \pi\,(1, 8, 64, 512)$ rad/time sampled at $\Delta t = 2^{-10}$, $L = 2048$ samples (each wave
# completes $1, 8, 64, 512$ whole periods), so the waves sit at $\omega = f\,\Delta t = 0.0031, 0.025, 0.20, 1.57$
# rad/sample. With $\alpha = 1$ the modes start at $y_j = \pi(1.3 + n) = 4.1 .. 13.5$ rad/time, between waves 1
# and 2, i.e. at $\omega_j = \Delta t\,y_j = 0.004 .. 0.013$ rad/sample. Where does $\beta = 1$ put its weight?
# That depends on the normalization of section 7.2:
#
# - the paper's nominal weight $(1 + \omega)^\beta$ (`sobolev_norm='paper'`, the default of `WavesConfig`, applied
#   as intended; section 7.3), and
# - the continuous weight $(1 + |s|)^\beta$ of section 7.1 (`sobolev_norm='continuous'`, $M = L\,\Delta t/\pi$).

# %%
cfg = waves.WavesConfig.for_scale(fssm.get_scale())
cont_cfg = dataclasses.replace(cfg, sobolev_norm="continuous")
omega_waves = torch.tensor(cfg.freqs) * cfg.dt  # r(4), rad/sample
omega_modes = cfg.dt * waves.paper_init(cfg.d_state).imag  # r(N), rad/sample, alpha = 1


def weight(config, omega, beta=1.0):
    """The layer's weight (1 + k/M)^beta at omega = pi k / L rad/sample."""
    return (1 + omega * config.L / (math.pi * config.sobolev_scale)) ** beta


print(f"scale: {fssm.get_scale()} | L = {cfg.L}, dt = 2^{math.log2(cfg.dt):.0f}, beta = 1")
print("omega of the modes (alpha = 1):", ", ".join(f"{v:.4f}" for v in omega_modes.tolist()), "rad/sample")
print("omega of the waves:            ", ", ".join(f"{v:.4f}" for v in omega_waves.tolist()), "rad/sample")
for name, c in (("paper (1 + omega)", cfg), ("continuous (1 + |s|)", cont_cfg)):
    print(f"{name:>21}: M = {c.sobolev_scale:8.4f} | weight at the modes "
          + ", ".join(f"{v:.3f}" for v in weight(c, omega_modes).tolist()) + " | at the waves "
          + ", ".join(f"{v:.3f}" for v in weight(c, omega_waves).tolist()))

# %% [markdown]
# **Check.** With the paper's weight, $\beta = 1$ scales the modes' gradients (section 7.1) by less than 1.5 %;
# the weight grows to $1 + \pi/2 \approx 2.6$ only at wave 4. With the continuous weight it is $1 + y_j$, between
# 5 and 15 at the modes, and $1 + f$ at the waves: from about 4 at wave 1 to about 1600 at wave 4.

# %%
w_paper_modes, w_cont_modes = weight(cfg, omega_modes), weight(cont_cfg, omega_modes)
assert bool((w_paper_modes > 1).all()) and w_paper_modes.max() < 1.015
assert abs(weight(cfg, omega_waves)[-1] - (1 + math.pi / 2)) < 1e-3  # wave 4 sits at omega = pi/2
assert torch.allclose(w_cont_modes, 1 + omega_modes / cfg.dt) and 5 < w_cont_modes.min() < w_cont_modes.max() < 15
assert torch.allclose(weight(cont_cfg, omega_waves), 1 + torch.tensor(cfg.freqs))
assert 1600 < weight(cont_cfg, omega_waves)[-1] < 1620
print("paper weight: < 1.015 at the modes, 1 + pi/2 at wave 4; continuous: 1 + y_j in (5, 15) at the modes, "
      "1 + f at the waves")

# %% [markdown]
# We train $\alpha = 1$ with $\beta = 0$, with $\beta = 1$ under the paper's weight and with $\beta = 1$ under the
# continuous weight, seeds 0, 1, 2: nine runs, each about 20-35 s on a 2-core CPU, on one CPU thread.

# %% tags=["nbval-ignore-output"]
torch.set_default_dtype(torch.float32)  # the experiment runs in the library's default precision
torch.set_grad_enabled(True)  # training needs autograd
torch.set_num_threads(1)  # repeatable on this machine, no contention between cores
seeds = (0, 1, 2)
variants = {"beta = 0": cfg,
            "paper weight": dataclasses.replace(cfg, beta=1.0),
            "continuous": dataclasses.replace(cont_cfg, beta=1.0)}
runs = {(name, s): waves.run(c, seed=s) for name, c in variants.items() for s in seeds}
final = {key: np.array(r["final_test_mae"]) for key, r in runs.items()}
print(f"waves experiment | scale: {fssm.get_scale()} | device: {fssm.get_device()} | alpha = 1, L = {cfg.L}, "
      f"{cfg.epochs} epochs")
for (name, s), e in final.items():
    print(f"{name:>12}, seed {s}: final test MAE per wave " + " ".join(f"{v:.4f}" for v in e))

# %% [markdown]
# **Check (what holds in every seed).** With the paper's weight, $\beta = 1$ changes no wave's final error by
# more than $0.005$ against $\beta = 0$, and waves 3 and 4 stay unlearned (error above $0.14$; chance is
# $0.225$). With the continuous weight, waves 3 and 4 end below $0.12$, less than three quarters of their error at
# $\beta = 0$, while waves 1 and 2 stay learned (below $0.04$).

# %% tags=["nbval-ignore-output"]
E = {name: np.stack([final[(name, s)] for s in seeds]) for name in variants}  # (seed, wave)
paper_diff = np.abs(E["paper weight"] - E["beta = 0"])
assert paper_diff.max() < 0.005, paper_diff
assert E["beta = 0"][:, 2:].min() > 0.14 and E["paper weight"][:, 2:].min() > 0.14
assert E["continuous"][:, 2:].max() < 0.12
assert (E["continuous"][:, 2:] / E["beta = 0"][:, 2:]).max() < 0.75
assert E["continuous"][:, :2].max() < 0.04
print(f"scale: {fssm.get_scale()} | device: {fssm.get_device()}: paper weight within 0.005 of beta = 0 "
      f"on every wave in every seed; continuous weight: waves 3-4 below 0.12 in every seed")

# %%
torch.set_default_dtype(torch.float64)


def error_bars(names, title, ncol):
    """Final test MAE per wave: one bar per variant in `names` (mean over seeds), one dot per seed."""
    fig, ax = plot.figure(width=7.5, height=3.6)
    width = 0.8 / len(names)
    for i, (name, color) in enumerate(zip(names, plot.COLORS)):
        x_pos = np.arange(4) + (i - (len(names) - 1) / 2) * width
        ax.bar(x_pos, E[name].mean(0), width, color=color, alpha=0.8, label=name)
        for e in E[name]:
            ax.plot(x_pos, e, "k.", ms=3)
    ax.axhline(waves.chance_mae(), color="0.4", ls="--", lw=1, label=f"chance ({waves.chance_mae():.3f})")
    ax.set_xticks(range(4), [f"wave {w + 1}\nf = {f:.4g}" for w, f in enumerate(cfg.freqs)])
    ax.set_ylabel("final test MAE of the amplitude")
    ax.set_ylim(0, 0.27)
    ax.set_title(title, loc="left", fontsize=10)
    ax.legend(fontsize=7, loc="upper left", ncol=ncol)
    plot.plt.show()


error_bars(variants, "Figure 7.3: waves, alpha = 1, beta = 0 vs beta = 1 (two weights)", ncol=2)

# %% [markdown]
# *Figure 7.3.* The waves experiment at book scale (this 2-core CPU), $\alpha = 1$: final test error of each wave's
# amplitude (frequencies $f$ in rad/time, sampled at $\Delta t = 2^{-10}$) for $\beta = 0$, for $\beta = 1$ with the
# paper's weight $(1 + \omega)^\beta$ and for $\beta = 1$ with the continuous weight $(1 + |s|)^\beta$; bars are means
# over seeds 0, 1, 2, dots the single seeds; dashed: chance level. The paper's weight cannot be told apart from
# $\beta = 0$; the continuous weight brings down the errors of waves 3 and 4.
#
# **Why the paper's weight does nothing here, in numbers.** Two facts, computed below for the initial model of
# seed 0.
#
# 1. *The gradient scaling is about 1.* The paper's weight at the modes is below $1.015$ (checked above): the
#    gradients of the $y_j$ are scaled by at most 1.5 %, so the mechanism of section 7.1 has nothing to work with.
# 2. *The filter barely changes the layer.* The layer's linear response is $w\hat K(\omega) + D$. At wave 4 the
#    weight is sizeable ($2.6$), but the SSM branch there is tiny: $|\hat K(\omega)| \approx |G(i\omega/\Delta t)|
#    \sim \sum_j 2|C_j|/s$ at $s = 1608$ rad/time, against a skip term $|D| \sim 1$. The change
#    $(w - 1)|\hat K|$ is a small fraction of $|D|$ at every wave.

# %%
torch.set_grad_enabled(False)
fssm.seed_everything(0)
model0 = waves.WavesModel(dataclasses.replace(cfg, beta=1.0)).double()
K_waves = frequency_response(model0.ssm.kernel, omega_waves, L=cfg.L).abs()  # r(H 4)
D_abs = model0.ssm.D.abs()  # r(H)
change = (weight(cfg, omega_waves) - 1) * K_waves / D_abs[:, None]  # r(H 4): change relative to |D|
branch_cont = weight(cont_cfg, omega_waves) * K_waves / D_abs[:, None]  # r(H 4): |w K^| / |D|, continuous
print(f"scale: {fssm.get_scale()} | initial model, seed 0, alpha = 1, per wave:")
branch_plain = K_waves / D_abs[:, None]  # r(H 4): |K^| / |D|, no weight
print(f"  median |D| over channels: {D_abs.median():.3f}")
print("  median over channels of |K^| / |D|:                     ",
      ", ".join(f"{v:.4f}" for v in branch_plain.median(0).values.tolist()))
print("  paper weight: max over channels of (w - 1)|K^| / |D|:   ",
      ", ".join(f"{v:.4f}" for v in change.max(0).values.tolist()))
print("  continuous weight: median over channels of w|K^| / |D|: ",
      ", ".join(f"{v:.3f}" for v in branch_cont.median(0).values.tolist()))

# %% [markdown]
# **Check.** With the paper's weight, at every wave and in every channel the filter changes the layer's linear
# response by less than 3 % of the skip term. The plain SSM branch itself is small there: at waves 3 and 4 its
# median over the channels is below 2 % of $|D|$, i.e. the layer passes the high waves mostly through its skip term.

# %%
assert change.max() < 0.03, change.max()
assert branch_plain[:, 2:].median(0).values.max() < 0.02
print("paper weight: filter-induced change of the response < 3 % of |D| at all four waves; "
      "plain SSM branch at waves 3-4: median < 2 % of |D|")

# %% [markdown]
# So with the paper's normalization, at this scale, the paper's claim that the Sobolev filter tunes the frequency
# bias {cite:p}`yu2025tuning` does **not** show: $\beta = 1$ and $\beta = 0$ train to the same errors. This is a
# statement about the filter's *normalization* together with the initialization, not about the idea: the weight
# is a function of $\omega$ that is nearly $1$ wherever the $\alpha = 1$ model has its modes.
#
# **A stronger normalization.** The continuous weight $(1 + |s|)^\beta$ is large where the modes sit (5 to 15) and
# larger still at the high waves. It also changes the forward pass: the SSM branch at the waves becomes
# comparable to, or larger than, the skip term (the last line printed above, for the initial model of seed 0).
#
# **Check.** With the continuous weight the SSM branch $w|\hat K|$ has a median over the channels of more than twice
# $|D|$ at every wave, waves 3 and 4 included: the high waves now reach the nonlinearity mainly through the SSM,
# with the phase and the per-channel gain of its kernel, instead of mainly through $D$.

# %%
assert branch_cont.median(0).values.min() > 2
print("continuous weight: median over channels of |w K^| > 2 |D| at every wave (initial model, seed 0)")

# %% [markdown]
# ## 7.6 Forward gain or gradient? Separating $\beta$'s two effects
#
# Section 7.1 describes $\beta$ as a rescaling of the gradients; the numbers above show that the continuous
# weight also changes the forward pass a great deal. Which of the two brings down the errors of waves 3 and 4?
#
# **An identity.** The weight multiplies a product, so it can be moved from the kernel to the input:
#
# $$
# \hat y_k = w_k\,\big(\hat K_k\,\hat u_k\big) = \hat K_k\,\big(w_k\,\hat u_k\big), \qquad y = \mathrm{irfft}(\hat y)[0:L] + D u .
# $$
#
# The Sobolev layer *is* a plain SSM ($\beta = 0$) whose input is first passed through the fixed pre-emphasis
# filter $w$ (on the padded grid of $2L$ points), while the skip term $D u$ sees the input unfiltered. Nothing in
# the layer can tell the two apart: the outputs are equal, and so are the gradients of the kernel's parameters,
# since these reach $\hat K$ through the same product. The gradient factor $(1 + |y_j|)^\beta$ of section 7.1 is
# therefore exactly the gradient that a plain SSM gets when its input carries $w$ times more amplitude at high
# frequencies: with this filter the "gradient reweighting" and the "forward gain" are one mechanism, not two.
# `S4DLayer(sobolev_mode='input')` is that control.
#
# **Check.** A linear layer (double precision, $H = 3$, $N = 8$, $L = 512$, $\beta = 1$, $M = 32$), with the weight
# on the kernel (`'both'`, the default) and on the input (`'input'`): outputs and the gradients of a random linear
# functional of the output, with respect to every parameter and to the input, agree to round-off, and differ
# from those of the plain layer.

# %%
L6 = 512


def sobolev_twins(mode, **kw):
    """A linear layer with beta = 1, M = 32 and the given sobolev_mode, and its plain twin (beta = 0)."""
    fssm.seed_everything(6)
    filtered = fssm.S4DLayer(3, 8, beta=1.0, sobolev_scale=32.0, sobolev_mode=mode, activation=None, mixing=None, **kw)
    fssm.seed_everything(6)
    return filtered, fssm.S4DLayer(3, 8, activation=None, mixing=None, **kw)


def out_and_grads(layer, u, g):
    """The output and the gradients of <g, y> with respect to every parameter and to u."""
    with torch.enable_grad():
        u = u.clone().requires_grad_(True)
        y = layer(u)
        names, params = zip(*layer.named_parameters())
        grads = torch.autograd.grad((y * g).sum(), [*params, u])
    return y, dict(zip([*names, "u"], grads))


fssm.seed_everything(7)
u6, g6 = torch.randn(4, 3, L6), torch.randn(4, 3, L6)
y_both, gr_both = out_and_grads(sobolev_twins("both")[0], u6, g6)
y_input, gr_input = out_and_grads(sobolev_twins("input")[0], u6, g6)
y_plain6, gr_plain = out_and_grads(sobolev_twins("both")[1], u6, g6)
rel = lambda a, b: ((a - b).abs().max() / b.abs().max()).item()  # noqa: E731
assert rel(y_input, y_both) < 1e-12 and rel(y_plain6, y_both) > 0.01
assert all(rel(gr_input[n], gr_both[n]) < 1e-12 for n in gr_both)
assert rel(gr_plain["kernel.A_imag"], gr_both["kernel.A_imag"]) > 0.01
print("weight on the kernel = weight on the input: outputs and the gradients of", ", ".join(gr_both),
      "agree to 1e-12 (relative); the plain layer differs")

# %% [markdown]
# **Pulling them apart.** To ask which part matters we need layers that have one without the other. Neither is a
# model anyone would propose; they are instruments. Write $\bar g_k = \partial\mathcal L/\partial\hat y_k$ for the
# gradient that reaches the product in bin $k$; the filtered layer sends $w_k\,\overline{\hat u_k}\,\bar g_k$ on to
# $\hat K_k$, the plain layer $\overline{\hat u_k}\,\bar g_k$.
#
# - *Gradient only* (`sobolev_mode='gradient'`): the forward pass of the plain layer, $\hat y_k = \hat K_k\hat u_k$;
#   in the backward pass the gradient reaching $\hat K_k$ is multiplied by $w_k$, as if the kernel were filtered.
#   The kernel's parameters get the filtered layer's gradient *for the plain model's error*; the input (and so the
#   encoder), $D$ and the decoder get the plain gradients.
# - *Forward only* (`sobolev_mode='forward'`): the forward pass of the filtered layer, $\hat y_k = w_k\hat K_k\hat u_k$;
#   in the backward pass the gradient reaching $\hat K_k$ is *not* multiplied by $w_k$: the kernel's parameters are
#   trained as if the filtered kernel $w\hat K$ were their own kernel, the gain between them and the output
#   removed from their gradient. The input gets the filtered layer's gradient.
#
# Both act on the kernel's spectrum through one small autograd function, which multiplies by one weight in the
# forward pass and by another in the backward pass:
#
# ```{literalinclude} ../fssm/layer.py
# :language: python
# :pyobject: _Reweight
# ```
#
# **Check.** Against the readable references, with the same random linear functional (so that the upstream
# gradient $\bar g$ is the same for every layer): the gradient-only layer's output is the plain layer's, bit for
# bit, its gradients of the kernel's parameters are the filtered layer's, and those of $D$ and the input the
# plain layer's; the forward-only layer's output and input gradient are the filtered layer's, and its gradients of
# the kernel's parameters the plain layer's. (`tests/test_layer.py` also checks a nonlinear loss.)

# %%
y_go, gr_go = out_and_grads(sobolev_twins("gradient")[0], u6, g6)
y_fo, gr_fo = out_and_grads(sobolev_twins("forward")[0], u6, g6)
kernel_params = ("kernel.log_A_real", "kernel.A_imag", "kernel.C")
assert torch.equal(y_go, y_plain6) and rel(y_fo, y_both) < 1e-12
assert all(rel(gr_go[n], gr_both[n]) < 1e-12 and rel(gr_fo[n], gr_plain[n]) < 1e-12 for n in kernel_params)
assert rel(gr_go["D"], gr_plain["D"]) < 1e-12 and rel(gr_go["u"], gr_plain["u"]) < 1e-12
assert rel(gr_fo["u"], gr_both["u"]) < 1e-12
assert all(rel(gr_plain[n], gr_both[n]) > 1e-3 for n in kernel_params)  # the two references do differ
print("gradient only: output = plain layer (bit for bit), kernel gradients = filtered layer;")
print("forward only:  output = filtered layer, kernel gradients = plain layer (all to 1e-12 relative)")

# %% [markdown]
# One more thing to keep in mind before training: the waves model trains with AdamW, which divides the update of
# every *entry* of a parameter by the running root mean square of that entry's own gradient. A fixed factor on an
# entry's gradient therefore cancels, even a different factor for every entry, such as $(1 + |y_j|)^\beta$ for the
# mode $y_j$ (exercise 7.6). What the gradient-only layer can change in the updates is the relative weighting,
# *inside* one entry's gradient, of the errors at different frequencies and in different samples.
#
# We train the two instruments with the continuous weight, $\alpha = 1$, $\beta = 1$, seeds 0, 1, 2 (six more runs),
# and compare them with the full filter and with $\beta = 0$ from section 7.5.

# %% tags=["nbval-ignore-output"]
torch.set_default_dtype(torch.float32)
torch.set_grad_enabled(True)
for mode in ("gradient", "forward"):
    c = dataclasses.replace(cont_cfg, beta=1.0, sobolev_mode=mode)
    for s in seeds:
        runs[(f"{mode} only", s)] = waves.run(c, seed=s)
        final[(f"{mode} only", s)] = np.array(runs[(f"{mode} only", s)]["final_test_mae"])
split = ("beta = 0", "gradient only", "forward only", "continuous")
E = {name: np.stack([final[(name, s)] for s in seeds]) for name in split}  # (seed, wave)
print(f"waves experiment | scale: {fssm.get_scale()} | device: {fssm.get_device()} | alpha = 1, beta = 1, "
      "continuous weight")
for name in split:
    for s, e in zip(seeds, E[name]):
        print(f"{name:>13}, seed {s}: final test MAE per wave " + " ".join(f"{v:.4f}" for v in e))
gain = {name: E["beta = 0"][:, 2:] - E[name][:, 2:] for name in split[1:]}  # (seed, waves 3-4): improvement
print("improvement on waves 3, 4 over beta = 0, mean over seeds:")
for name, g in gain.items():
    print(f"  {name:>13}: " + " ".join(f"{v:.4f}" for v in g.mean(0)))

# %% [markdown]
# **Check (what holds in every seed).** The gradient-only layer ends within $0.01$ of $\beta = 0$ on waves 3 and 4:
# reweighting the kernel's gradients without the forward gain changes nothing there. The forward-only layer ends
# more than $0.03$ below $\beta = 0$ on wave 3, but not on wave 4: there it ends no more than $0.01$ below
# $\beta = 0$, and more than $0.05$ above the full filter, which is the only one of the three below $0.1$ on wave 4.

# %% tags=["nbval-ignore-output"]
change = {name: E[name] - E["beta = 0"] for name in split[1:]}  # (seed, wave): against beta = 0
assert np.abs(change["gradient only"][:, 2:]).max() < 0.01
assert change["forward only"][:, 2].max() < -0.03
assert change["forward only"][:, 3].min() > -0.01
assert (E["forward only"][:, 3] - E["continuous"][:, 3]).min() > 0.05
assert E["continuous"][:, 3].max() < 0.1 < min(E["gradient only"][:, 3].min(), E["forward only"][:, 3].min())
print(f"scale: {fssm.get_scale()} | device: {fssm.get_device()}: waves 3-4, every seed: gradient only within 0.01 "
      "of beta = 0; forward only learns part of wave 3, not wave 4; only the full filter gets wave 4 below 0.1")

# %%
error_bars(split, "Figure 7.4: the continuous weight, split into its two effects", ncol=3)

# %% [markdown]
# *Figure 7.4.* The waves experiment at book scale (this 2-core CPU), $\alpha = 1$, continuous weight, $\beta = 1$:
# final test error of each wave for $\beta = 0$, for the gradient-only and the forward-only layers, and for the full
# filter ("continuous", as in Figure 7.3); bars are means over seeds 0, 1, 2, dots the single seeds. The gradient-only layer cannot be told apart from
# $\beta = 0$; the forward-only layer learns part of wave 3 and none of wave 4; only the full filter learns both.
#
# **What this says about $\beta$'s mechanism.** With this weight, at this scale, the improvement on waves 3 and 4
# does not come from the gradient reweighting alone: without the forward gain it changes nothing, as AdamW's
# indifference to fixed gradient factors suggests. Nor does it come from the forward gain alone: with the gain in
# the forward pass but the kernel trained on its unweighted gradient, wave 3 is learned in part and wave 4 not at
# all. The split is therefore not clean, and the two parts are not additive: wave 4 needs both together. And by the
# identity of this section "both together" is nothing but a plain SSM whose input is pre-emphasized by the fixed
# filter $w$. In this experiment (the book's measurement, one layer, book scale) $\beta = 1$ with the continuous
# weight acts as such an input filter; the paper attributes the effect of $\beta$ to the gradient scaling of
# section 7.1 {cite:p}`yu2025tuning`, and the runs above do not show a gradient effect separate from it.
#
# The colab-scale sweep, when stored, includes the paper's configurations with $\beta \neq 0$ (with the paper's
# weight, and with $\alpha$ changed at the same time, so they do not isolate $\beta$):
# %% tags=["stored-results"]
from fssm.experiments import common, waves

stored = common.read_results("waves", "colab")
print(common.describe_stored(stored, "waves", "colab", "python -m fssm.experiments.waves --scale colab --out results"))
if stored is not None:
    print(f"  L = {stored['config']['L']}, {stored['config']['epochs']} epochs, "
          f"Sobolev norm {stored['config'].get('sobolev_norm', 'paper')}")
    print("\n".join("  " + line for line in waves.final_mae_summary(stored["runs"], keep=lambda al, be: be != 0)))

# %%
torch.set_default_dtype(torch.float64)  # the exercises are analysis again
_ = torch.set_grad_enabled(False)

# %% [markdown]
# ## Summary
# - The filter $G_\beta(is) = (1 + |s|)^\beta G(is)$ reshapes the gain, not the phase; since the weight does not
#   depend on the parameters, $\partial G_\beta/\partial y_j = (1 + |s|)^\beta\,\partial G/\partial y_j$, and because
#   $\partial G/\partial y_j$ is concentrated at $s = \pm y_j$, the gradient of $y_j$ is scaled by about
#   $(1 + |y_j|)^\beta$ (checked with autograd to 0.2 % for well-separated modes).
# - `fssm` applies $w_k = (1 + k/M)^\beta$ to the bins of a one-sided `rfft` of length $2L$: even in frequency,
#   real output, linear convolution; $\beta = 0$ is bit-identical to the plain layer. $M$ fixes the
#   continuous meaning: $M = 2L$ gives $(1 + |\omega|/2\pi)^\beta$, $M = L\Delta t/\pi$ gives $(1 + |s|)^\beta$.
# - A one-sided weight on all bins of an unpadded complex FFT, real part taken, scales frequency $\omega_k$ by
#   $(w_k + w_{L-k})/2$: for $\beta = 1$ a constant $1 + L/(2M)$ on every non-zero frequency, i.e. no filter.
# - A trainable $\beta$ (one per channel, lr $0.01$, no weight decay, its own param group) moves towards
#   the high-frequency gain a target needs.
# - The paper's waves code applies its weight that way, so in its tuned-waves runs $\beta = 1$ was a flat gain of
#   $4.14$ and $\beta = \tfrac12$ nearly flat; those runs tested $\alpha$ and a gain, not the filter.
# - In the waves experiment at book scale ($\Delta t = 2^{-10}$, $L = 2048$, $\alpha = 1$) with the paper's nominal
#   weight $(1 + \omega)^\beta$, applied as intended, $\beta = 1$ changes no error by more than $0.005$ in any
#   seed: the weight is below $1.015$ at the modes, and the filter changes the layer's response by less than 3 % of
#   $D$. The paper's claim does not show here. With the continuous weight $(1 + |s|)^\beta$
#   (`sobolev_norm='continuous'`; 5 to 15 at the modes, about 1600 at wave 4) waves 3 and 4 end below $0.12$ in
#   every seed, against more than $0.14$ without it.
# - Filtering the kernel is the same as pre-emphasizing the SSM's input, $w(\hat K\hat u) = \hat K(w\hat u)$ (skip
#   term unfiltered): outputs and gradients agree, so the filter's gradient reweighting and its forward gain are one
#   mechanism. Pulled apart with two instrumented layers (`sobolev_mode='gradient'` and `'forward'`) on the waves
#   with the continuous weight: the gradient reweighting alone changes waves 3 and 4 by less than $0.01$, the
#   forward gain alone learns part of wave 3 and none of wave 4, and only both together, i.e. the pre-emphasized
#   input, bring wave 4 below $0.1$ (every seed). The two parts are not additive.
# - {doc}`Appendix C <appendix_c_explorer>` lets you drag $\beta$ and watch the weighted response tilt and its
#   variation move between bands, in the browser.
#
# ## Exercises
#
# **Exercise 7.1 (for which $\beta$ is the pitfall exactly flat?).** Show that the wrong filter's gain
# $\bar w_k = (w_k + w_{L-k})/2$ is the same for all $k = 1, \dots, L-1$ only when $\beta \in \{0, 1\}$ (for
# $L \ge 3$). For $\beta = 2$, $L = 1000$, $M = 250$, where is it smallest and largest, and what is the ratio?
# Check with `wrong_sobolev_conv`.

# %% tags=["hide-input"]
# Solution
# f(k) = (1 + k/M)^beta is affine in k exactly for beta in {0, 1}; then f(k) + f(L-k) is constant. Otherwise f
# is strictly convex (beta > 1 or beta < 0) or concave (0 < beta < 1), and f(k) + f(L-k) is symmetric about L/2
# with its extremum there: for beta = 2 smallest at k = L/2, largest at k = 1 (and L-1).
L_e, M_e = 1000, 250.0
t_e, d_e = torch.arange(L_e), torch.zeros(L_e)
d_e[0] = 1.0
gain_e = []
for m in range(1, L_e // 2 + 1):
    u_e = torch.cos(2 * math.pi * m * t_e / L_e)
    gain_e.append((wrong_sobolev_conv(u_e, d_e, 2.0, M_e) @ u_e / (u_e @ u_e)).item())
gain_e = np.array(gain_e)
f2 = lambda k: (1 + k / M_e) ** 2  # noqa: E731
assert np.argmin(gain_e) == L_e // 2 - 1 and np.argmax(gain_e) == 0
assert abs(gain_e.min() - f2(L_e / 2)) < 1e-9 and abs(gain_e.max() - (f2(1) + f2(L_e - 1)) / 2) < 1e-9
print(f"beta = 2: gain from {gain_e.min():.4f} (k = L/2) to {gain_e.max():.4f} (k = 1), ratio "
      f"{gain_e.max() / gain_e.min():.3f}; the intended weight would rise from 1 to {f2(L_e / 2):.0f}")

# %% [markdown]
# **Exercise 7.2 (a negative $\beta$ trains downwards).** Repeat the trainable-$\beta$ demonstration of
# section 7.4 with a teacher whose $\beta = -1$. Predict the sign of the first gradient of $\beta$ and check
# that $\beta$ decreases in every channel.

# %% tags=["hide-input"]
# Solution
# At beta = 0 the student's output has too much high-frequency gain; d w_k / d beta = ln(1 + k/M) > 0, so
# lowering beta lowers exactly those bins: the gradient of beta is positive and Adam moves beta down.
fssm.seed_everything(2)
teacher_neg = fssm.S4DLayer(H_b, N_b, beta=-1.0, activation=None, mixing=None)
student_neg = fssm.S4DLayer(H_b, N_b, beta=0.0, learn_beta=True, activation=None, mixing=None)
student_neg.kernel.load_state_dict(teacher_neg.kernel.state_dict())
student_neg.D.data.copy_(teacher_neg.D.data)
opt_neg = make_optimizer(student_neg, lr=1e-3, weight_decay=0.05, verbose=False)
target_neg = teacher_neg(u_b)
with torch.enable_grad():
    for step in range(100):
        loss = ((student_neg(u_b) - target_neg) ** 2).mean()
        opt_neg.zero_grad()
        loss.backward()
        if step == 0:
            first_grad = student_neg.beta.grad.clone()
        opt_neg.step()
assert bool((first_grad > 0).all()) and bool((student_neg.beta < -0.1).all())
print("first gradient of beta > 0 in every channel; beta after 100 steps:",
      ", ".join(f"{b:.3f}" for b in student_neg.beta.tolist()))

# %% [markdown]
# **Exercise 7.3 (the filtered layer is not causal).** A real, even weight is a *zero-phase* filter: its
# impulse response is symmetric in time. Show that an S4D layer with $\beta \neq 0$ lets an impulse at time
# $t_0 = L/2$ leak into outputs *before* $t_0$, while $\beta = 0$ is causal to round-off. How large is the
# leak (fraction of the output's energy before $t_0$) for $\beta = 1$ with the default $M = 2L$? Why does it
# not matter for the paper's bidirectional LRA models?

# %% tags=["hide-input"]
# Solution
# w(|omega|) real and even => its inverse FFT h is real and even in time (h_{-l} = h_l), so the filtered kernel
# w * K has a non-causal part. A bidirectional layer sees the whole sequence anyway, so nothing leaks that it
# would not see; a causal (autoregressive) model would see the future.
L_c = 256
fssm.seed_everything(3)
layer_c = fssm.S4DLayer(1, 4, activation=None, mixing=None, D=False)
impulse = torch.zeros(1, 1, L_c)
impulse[..., L_c // 2] = 1.0
leak = {}
for beta in (0.0, 1.0, -1.0):
    y_c = fft_conv(impulse, layer_c.conv_kernel(L_c), beta=torch.tensor([beta]))[0, 0]
    leak[beta] = (y_c[: L_c // 2].norm() ** 2 / y_c.norm() ** 2).item()
assert leak[0.0] < 1e-28 and leak[1.0] > 1e-8 and leak[-1.0] > 1e-8
print("energy before the impulse: beta = 0: below 1e-28 (round-off),",
      ", ".join(f"beta = {b:g}: {v:.1e}" for b, v in leak.items() if b != 0.0))

# %% [markdown]
# **Exercise 7.4 (the right scale for your data).** A layer runs with $\Delta t = 10^{-3}$ and $L = 4096$. Which
# `sobolev_scale` makes the weight $(1 + |s|)^\beta$ in rad/time? Check with `layer_frequency_response` that the
# filtered response divided by the plain one equals $(1 + \omega/\Delta t)^\beta$ on every bin, for $\beta = 0.5$.

# %% tags=["hide-input"]
# Solution
# k/M = |s| = omega/dt with omega = pi k / L  =>  M = L dt / pi.
dt_e, L_e4, beta_e = 1e-3, 4096, 0.5
M_e4 = L_e4 * dt_e / math.pi
fssm.seed_everything(4)
base_e = fssm.S4DLayer(2, 4, dt_min=dt_e, dt_max=dt_e, activation=None, mixing=None, D=False)
filt_e = fssm.S4DLayer(2, 4, dt_min=dt_e, dt_max=dt_e, beta=beta_e, sobolev_scale=M_e4,
                       activation=None, mixing=None, D=False)
filt_e.kernel.load_state_dict(base_e.kernel.state_dict())
om, r_base = layer_frequency_response(base_e, L_e4)
_, r_filt = layer_frequency_response(filt_e, L_e4)
assert torch.allclose(r_filt / r_base, ((1 + om / dt_e) ** beta_e).expand(2, -1).to(r_base.dtype), rtol=1e-10)
print(f"sobolev_scale = L dt / pi = {M_e4:.5f}: filtered / plain = (1 + omega/dt)^0.5 on all {len(om)} bins; "
      f"at the Nyquist bin {((1 + om[-1] / dt_e) ** beta_e).item():.1f}")

# %% [markdown]
# **Exercise 7.5 (the paper's normalization at two scales).** At the paper's $L = 62\,832$ and $\Delta t = 10^{-4}$,
# and at the book's $L = 2048$ and $\Delta t = 2^{-10}$, which `sobolev_scale` $M$ gives the continuous weight
# $(1 + |s|)^\beta$ on the layer's grid, and how does it compare with the layer's form of the paper's nominal weight
# $(1 + \omega)^\beta$ (`WavesConfig(L=L).sobolev_scale`)? With $\beta = 1$ and $\alpha = 1$, by which factor does
# each normalization scale the gradient of the top mode $y = 4.3\pi$ rad/time (section 7.1) at each scale? And at
# $\alpha = 100$?

# %% tags=["hide-input"]
# Solution
# Continuous: k/M = |s| = omega/dt with omega = pi k / L  =>  M = L dt / pi. The nominal weight is 1 + omega, so
# M_nominal / M_cont = 1/dt: 10^4 at the paper's scale, 1024 at the book's. Factors: 1 + dt y (nominal) and 1 + y
# (continuous), y = alpha 4.3 pi. The book's dt is about 10 times the paper's, so there the nominal weight at a
# given mode is about 10 times further from 1.
factors = {}
for scale_e, L_pp, dt_pp in (("paper", waves.PAPER_LENGTH, waves.PAPER_DT), ("book", 2048, waves.BOOK_DT)):
    M_cont, M_nominal = L_pp * dt_pp / math.pi, waves.WavesConfig(L=L_pp).sobolev_scale
    print(f"{scale_e}: L = {L_pp}, dt = {dt_pp:.3g}: M = L dt/pi = {M_cont:.4f}, nominal M = {M_nominal:.1f} "
          f"(ratio {M_nominal / M_cont:.0f})")
    for al in (1.0, 100.0):
        y_al = al * 4.3 * math.pi
        factors[(scale_e, al)] = (1 + dt_pp * y_al * L_pp / (math.pi * M_nominal), 1 + y_al)  # (nominal, continuous)
        print(f"  alpha = {al:g}: top mode y = {y_al:.1f} rad/time -> gradient factor {factors[(scale_e, al)][0]:.4f}"
              f" (nominal) vs {factors[(scale_e, al)][1]:.1f} (continuous)")
assert abs(factors[("paper", 1.0)][1] - 14.51) < 0.01 and factors[("paper", 1.0)][0] < 1.002
assert abs(factors[("paper", 100.0)][0] - 1.135) < 0.001 and abs(factors[("paper", 100.0)][1] - 1351.9) < 0.1
assert 1.013 < factors[("book", 1.0)][0] < 1.014 and 2.31 < factors[("book", 100.0)][0] < 2.33

# %% [markdown]
# **Exercise 7.6 (Adam forgets a fixed gradient factor).** Train two copies of a parameter with 64 entries by AdamW
# (lr $0.01$, weight decay $0.05$) for 20 steps on the same random gradients, the second copy with every entry's
# gradient multiplied by a fixed factor between 5 and 1600 (one per entry). How far apart do the two copies end up?
# What does that predict for the gradient-only layer of section 7.6?

# %% tags=["hide-input"]
# Solution
# Adam's step for an entry is lr * m_hat / (sqrt(v_hat) + eps); scaling that entry's gradients by c scales m_hat by c
# and sqrt(v_hat) by c, so the step is unchanged up to eps (1e-8, against gradients of order 1). Weight decay
# acts on the parameter, the same in both copies. So the gradient-only layer can only act through what changes the
# *shape* of an entry's gradient over the steps: the weighting of errors at different frequencies inside it.
fssm.seed_everything(8)
p_a = torch.nn.Parameter(torch.randn(64))
p_b = torch.nn.Parameter(p_a.detach().clone())
factor_e = torch.exp(torch.empty(64).uniform_(math.log(5), math.log(1600)))
opt_a = torch.optim.AdamW([p_a], lr=0.01, weight_decay=0.05)
opt_b = torch.optim.AdamW([p_b], lr=0.01, weight_decay=0.05)
start = p_a.detach().clone()
for step in range(20):
    g_e = torch.randn(64)
    p_a.grad, p_b.grad = g_e.clone(), factor_e * g_e
    opt_a.step()
    opt_b.step()
moved = (p_a.detach() - start).abs().max().item()
apart = (p_a.detach() - p_b.detach()).abs().max().item()
assert apart < 1e-6 * moved
print(f"20 AdamW steps: the copies moved by up to {moved:.3f}; they differ by less than 1e-6 of that")

# %% [markdown]
# ## References
# ```{bibliography}
# :filter: docname in docnames
# ```
