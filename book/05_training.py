# %% [markdown]
# # 5. Training does not change the bias
#
# {doc}`Chapter 4 <04_bias_at_init>` showed that an SSM is born with a frequency bias: above the band
# where the imaginary parts $y_j$ of its eigenvalues sit, its transfer function is nearly flat, whatever
# the output weights. A natural hope is that training fixes this: if the target has high-frequency
# content, gradient descent should move some $y_j$ up there. This chapter shows why it does not, which is
# the second half of the second claim of {cite:t}`yu2025tuning`.
#
# The argument is about the *shape* of the gradient. We derive $\partial G/\partial y_j$, find that it is
# the frequency derivative of mode $j$'s own bump, and conclude that the gradient a loss sends to $y_j$ is
# a weighted integral of the residual with a weight that decays like $(s - y_j)^{-2}$: each mode only
# hears about errors near its own frequency. The output weights $c_j$ hear further, with a weight decaying
# like $1/|s - y_j|$, but the variation bound of chapter 4 caps what they can do. We check each step
# numerically, build a minimal example in which only $c_j$ could fix a high-frequency residual, and track
# every $\mathrm{Im}\,a_j$ while the waves model of chapter 4 trains, with a learning rate large enough for
# the modes to reach the high waves, and beside a control with a wave just above the modes. Last, we let
# the step $\Delta t$ train, which moves all the modes of a channel at once.
#
# ## Learning goals
# - Derive $\partial G(is)/\partial y_j = i c_j/(is - a_j)^2 - i\bar c_j/(is - \bar a_j)^2$, its magnitude
#   $|c_j|/((s - y_j)^2 + x_j^2)$ per term, and recognize it as the slope of mode $j$'s bump.
# - Bound the gradient of a frequency-domain $L^2$ loss,
#   $|\partial\mathcal L/\partial y_j| \le \tfrac{2|c_j|}{\pi}\int |r(s)\hat u(s)|/((s - y_j)^2 + x_j^2)\,ds$,
#   and explain why a high-frequency residual barely pulls a low mode.
# - Compare with the output weights, whose gradients decay only like $1/|s - y_j|$, and use the variation
#   bound to show how little they can do above the modes.
# - Compute an optimizer's travel budget $\sum_t\eta_t$ from its schedule, and measure, in the waves
#   experiment, with a budget that could reach the high waves and beside a control wave just above the modes,
#   how far the $y_j$ move during training.
# - Derive $\partial\omega_j/\partial\log\Delta t = \omega_j$ for the discrete frequencies
#   $\omega_j = \Delta t\,y_j$ and the gradient of the loss with respect to $\log\Delta t$, and measure how
#   far a trainable $\Delta t$ drifts.
#
# ## Prerequisites
# - {doc}`Chapter 3 <03_transfer_functions>`: the transfer function
#   $G(is) = \sum_j [C_j/(is - a_j) + \bar C_j/(is - \bar a_j)] + D$.
# - {doc}`Chapter 4 <04_bias_at_init>`: the total variation, the one-mode formula
#   $|g'(s)| = |c|/((s - y)^2 + x^2)$, the tail bound and the waves experiment.
# - Gradients of real functions of complex numbers ($\partial|z|^2 = 2\,\mathrm{Re}(\bar z\,\partial z)$),
#   Parseval's theorem, and the idea of Adam's per-coordinate step.
# - Chapter 2's discretization: the pole $e^{\Delta t\,a_j}$ and the zero-order-hold weight.

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
# As in chapter 4, the analysis uses double precision explicitly while the default dtype stays
# `float32` for the training run of section 5.4.

# %%
import math

import numpy as np
import torch
from fssm.analysis import (frequency_response, tail_variation_bound, transfer_function,
                           transfer_function_grad_imag)

f64, c128 = torch.float64, torch.complex128
print("scale:", fssm.get_scale(), "| device:", fssm.get_device().type, "| analysis dtype:", c128)


def real_tail_bound(C, A, B):
    """Chapter 4's bound on V_B^inf(G) for the real system: stored modes plus conjugate partners.  r(...)"""
    return tail_variation_bound(C, A, B) + tail_variation_bound(C, A.conj(), B)


# %% [markdown]
# ## 5.1 How $G$ responds to moving a mode
#
# Write $a_j = x_j + iy_j$. Only the $j$-th pair of terms of
# $G(is) = \sum_k \big[c_k/(is - a_k) + \bar c_k/(is - \bar a_k)\big] + D$ depends on $y_j$, and
# $\partial a_j/\partial y_j = i$, $\partial\bar a_j/\partial y_j = -i$. By the chain rule,
# $\partial_y \frac{c}{is - a} = \frac{c\,\partial_y a}{(is - a)^2}$, so
#
# $$
# \frac{\partial G(is)}{\partial y_j} = \frac{i\,c_j}{(is - a_j)^2} - \frac{i\,\bar c_j}{(is - \bar a_j)^2},
# \qquad
# \left|\frac{i\,c_j}{(is - a_j)^2}\right| = \frac{|c_j|}{(s - y_j)^2 + x_j^2},
# \quad
# \left|\frac{i\,\bar c_j}{(is - \bar a_j)^2}\right| = \frac{|c_j|}{(s + y_j)^2 + x_j^2}.
# $$
#
# These are the same Lorentzians as the speed $|g'(s)|$ of chapter 4, and not by accident: the stored term
# $g_j(s) = c_j/(i(s - y_j) - x_j)$ depends on $s$ and $y_j$ only through $s - y_j$, so
# $\partial g_j/\partial y_j = -\partial g_j/\partial s$. **Moving a mode along the frequency axis changes
# $G$ exactly where the mode's own bump is steep**, within a few half-widths $|x_j|$ of $y_j$ (and of
# $-y_j$ for the partner), and by $|c_j|/(s - y_j)^2$ or less elsewhere. The library function:
#
# ```{literalinclude} ../fssm/analysis.py
# :language: python
# :pyobject: transfer_function_grad_imag
# ```
#
# **Check.** We compare it with `torch.autograd` applied to `transfer_function` (the Jacobian of the real
# and imaginary parts of $G$ with respect to the vector $y$) for a random channel, check the magnitude of
# the stored term against the Lorentzian, and check $\partial g_j/\partial y_j = -\partial g_j/\partial s$
# with a central difference.

# %%
fssm.seed_everything(0)
N4 = 4
x4 = torch.full((N4,), -0.5, dtype=f64)
y4 = math.pi * (1.3 + torch.arange(N4, dtype=f64))  # the waves model's init: 4.1, 7.2, 10.4, 13.5 rad/time
C4 = torch.randn(N4, dtype=c128)
s_grid = torch.linspace(-60.0, 60.0, 2401, dtype=f64)  # rad/time


def G_parts(y):
    """Real and imaginary parts of G(is) on s_grid as a function of the vector y: r(2 S)."""
    G = transfer_function(torch.complex(x4, y), C4, s_grid)[0]
    return torch.stack([G.real, G.imag])


jac = torch.autograd.functional.jacobian(G_parts, y4)  # r(2 S N)
dG_autograd = (jac[0] + 1j * jac[1]).T  # c(N S)
dG_library = transfer_function_grad_imag(torch.complex(x4, y4), C4, s_grid)[0]  # c(N S)
err = ((dG_autograd - dG_library).abs().max() / dG_library.abs().max()).item()
print(f"transfer_function_grad_imag vs autograd: max relative difference {'below 1e-12' if err < 1e-12 else err} "
      f"({N4} modes x {len(s_grid)} frequencies)")

# %%
assert err < 1e-12
a4 = torch.complex(x4, y4)
stored = 1j * C4[:, None] / (1j * s_grid - a4[:, None]) ** 2  # c(N S), the stored terms alone
lorentz = C4.abs()[:, None] / ((s_grid - y4[:, None]) ** 2 + x4[:, None] ** 2)
assert ((stored.abs() - lorentz).abs() / lorentz).max() < 1e-12
partner_bound = C4.abs()[:, None] / ((s_grid + y4[:, None]) ** 2 + x4[:, None] ** 2)
assert (dG_library.abs() <= lorentz + partner_bound + 1e-12).all()  # triangle inequality
h = 1e-6
g = lambda s_, y_: C4[:, None] / (1j * s_[None, :] - torch.complex(x4, y_)[:, None])  # noqa: E731
dg_dy = (g(s_grid, y4 + h) - g(s_grid, y4 - h)) / (2 * h)
dg_ds = (g(s_grid + h, y4) - g(s_grid - h, y4)) / (2 * h)
assert ((dg_dy + dg_ds).abs().max() / dg_ds.abs().max()) < 1e-7  # d/dy = -d/ds for the stored term
wrong = 1j * C4[:, None] / (1j * s_grid - a4[:, None]) ** 2 + 1j * C4.conj()[:, None] / (
    1j * s_grid - a4.conj()[:, None]) ** 2  # a sign error in the partner's term ...
assert ((wrong - dG_autograd).abs().max() / dG_autograd.abs().max()) > 0.1  # ... would be caught
print("library = autograd; stored term = Lorentzian |c|/((s-y)^2 + x^2); dg/dy = -dg/ds")

# %% [markdown]
# ## 5.2 The gradient of a loss is local in frequency
#
# Let a real input $u$ with Fourier transform $\hat u(s)$ pass through the layer, so that the output is
# $G(is)\hat u(s)$, and let the target output have transform $\hat v(s)$. The residual is
# $r(s) = G(is)\hat u(s) - \hat v(s)$ and we use the $L^2$ loss
#
# $$
# \mathcal L = \frac{1}{2\pi}\int_{-\infty}^{\infty} |r(s)|^2\,ds ,
# $$
#
# which by Parseval's theorem is the time-domain squared error $\int |y(t) - v(t)|^2\,dt$. For a real
# parameter $\theta$, $\partial|r|^2/\partial\theta = 2\,\mathrm{Re}\big(\bar r\,\partial r/\partial\theta\big)$
# and $\partial r/\partial\theta = \hat u\,\partial G/\partial\theta$, so
#
# $$
# \frac{\partial\mathcal L}{\partial y_j}
# = \frac{1}{\pi}\int_{-\infty}^{\infty}\mathrm{Re}\Big(\overline{r(s)}\,\hat u(s)\,\frac{\partial G(is)}{\partial y_j}\Big)\,ds .
# $$
#
# Bounding the integrand by its modulus and using section 5.1,
#
# $$
# \left|\frac{\partial\mathcal L}{\partial y_j}\right|
# \le \frac{|c_j|}{\pi}\int_{-\infty}^{\infty}|r(s)\hat u(s)|
#     \left[\frac{1}{(s - y_j)^2 + x_j^2} + \frac{1}{(s + y_j)^2 + x_j^2}\right] ds
# = \frac{2|c_j|}{\pi}\int_{-\infty}^{\infty}\frac{|r(s)\hat u(s)|}{(s - y_j)^2 + x_j^2}\,ds .
# $$
#
# The first term is the stored mode's share, the bound $\frac{|c_j|}{\pi}\int\frac{|r\hat u|}{(s-y_j)^2+x_j^2}ds$
# (our derivation of the argument of {cite:t}`yu2025tuning` that the gradient of $y_j$ is local in frequency; we
# do not quote their statement); the last step uses that for real signals $r(-s) = \overline{r(s)}$ and
# $\hat u(-s) = \overline{\hat u(s)}$, so $|r\hat u|$ is even and the partner's term (substitute
# $s \to -s$) equals the stored one. The weight $1/((s - y_j)^2 + x_j^2)$ is the whole story:
#
# - **Locality.** Residual at frequencies $|s|$ far from $y_j$ enters with weight at most $(s - y_j)^{-2}$.
#   If $|r\hat u|$ is concentrated near $\pm s_0$ with $s_0 \gg |y_j|$, then
#   $|\partial\mathcal L/\partial y_j| \lesssim \frac{2|c_j|}{\pi}\,\frac{\int|r\hat u|}{(s_0 - y_j)^2}$: ten
#   times further away, a hundred times weaker.
# - **Output weights hear further.** With $c_j = \rho_j + i\sigma_j$,
#   $\partial G/\partial\rho_j = \frac{1}{is - a_j} + \frac{1}{is - \bar a_j}$ and
#   $\partial G/\partial\sigma_j = \frac{i}{is - a_j} - \frac{i}{is - \bar a_j}$; each term has modulus
#   $1/\sqrt{(s \mp y_j)^2 + x_j^2}$, which decays only like $1/|s - y_j|$. So a high-frequency residual
#   does reach $c_j$, about $s_0$ times more strongly than it reaches $y_j$.
#
# **Check.** We make a residual concentrated at a high frequency $s_0$: the layer's input is an impulse
# ($\hat u = 1$), and the target is the current output minus a Gaussian bump
# $e^{i\pi/4}\,e^{-(s - s_0)^2/2}$ at $s_0$ (and its conjugate at $-s_0$, so that the target is a real
# signal). At the current parameters, $r(s)$ is then exactly that bump. Autograd gives
# $\partial\mathcal L/\partial y_j$ and $\partial\mathcal L/\partial c_j$ for $s_0$ from $300$ to
# $10^4$ rad/time; we fit the slopes of $\log|\partial\mathcal L/\partial\theta|$ against
# $\log(s_0 - y_j)$ and compare the $y$-gradients with the bound. Since $|r|$ is even, the integral over
# the line is twice the integral over $s > 0$, which is what we evaluate.

# %%
def loss_gradients(s0, phase=math.pi / 4, width=1.0, n=2001):
    """|dL/dy_j|, |dL/dc_j| (as |dL/dRe c| + i dL/dIm c) and the bound, residual = bump at +-s0."""
    s = torch.linspace(s0 - 8 * width, s0 + 8 * width, n, dtype=f64)  # r = 0 (to 1e-14) elsewhere
    bump = torch.exp(-0.5 * ((s - s0) / width) ** 2) * complex(math.cos(phase), math.sin(phase))
    y = y4.clone().requires_grad_(True)
    c_ri = torch.view_as_real(C4).clone().requires_grad_(True)
    G = transfer_function(torch.complex(x4, y), torch.view_as_complex(c_ri), s)[0]
    target = G.detach() - bump  # so that r = G - target = bump at the current parameters
    loss = 2 * torch.trapezoid((G - target).abs() ** 2, s) / (2 * math.pi)  # both half-lines
    loss.backward()
    weight = 1 / ((s[None, :] - y4[:, None]) ** 2 + x4[:, None] ** 2) + 1 / (
        (s[None, :] + y4[:, None]) ** 2 + x4[:, None] ** 2)
    bound = C4.abs() / math.pi * 2 * torch.trapezoid(bump.abs() * weight, s)  # the bound, both half-lines
    return y.grad.abs(), torch.view_as_complex(c_ri.grad).abs(), bound


s0_list = torch.logspace(2.5, 4.0, 10, dtype=f64)
grad_y, grad_c, bound_y = (torch.stack(t) for t in zip(*[loss_gradients(v.item()) for v in s0_list]))
slopes_y, slopes_c = [], []
for j in range(N4):
    dist = torch.log(s0_list - y4[j]).numpy()
    slopes_y.append(np.polyfit(dist, torch.log(grad_y[:, j]).numpy(), 1)[0])
    slopes_c.append(np.polyfit(dist, torch.log(grad_c[:, j]).numpy(), 1)[0])
print("log-log slope of |dL/dy_j| vs (s0 - y_j):", "  ".join(f"{v:.3f}" for v in slopes_y))
print("log-log slope of |dL/dc_j| vs (s0 - y_j):", "  ".join(f"{v:.3f}" for v in slopes_c))
print(f"|dL/dy_j| / bound between {(grad_y / bound_y).min():.3f} and {(grad_y / bound_y).max():.3f}; "
      f"at s0 = {s0_list[-1]:.0f}: |dL/dc| / |dL/dy| >= {(grad_c[-1] / grad_y[-1]).min():.0f}")

# %%
assert all(abs(v + 2) < 0.1 for v in slopes_y), slopes_y  # (s0 - y_j)^-2
assert all(abs(v + 1) < 0.1 for v in slopes_c), slopes_c  # (s0 - y_j)^-1
assert (grad_y <= bound_y).all()  # the bound holds ...
assert (grad_y / bound_y).min() > 0.05  # ... and is not vacuous
assert ((grad_c / grad_y)[-1] > 1000).all()  # at 10^4 rad/time the weights hear > 1000x more
print("locality confirmed: slope -2 for Im(a_j), -1 for c_j; the gradient bound holds at every s0")

# %%
fig, ax = plot.figure(width=7.0, height=3.6)
for j, color in zip(range(N4), plot.COLORS):
    dist = (s0_list - y4[j]).numpy()
    ax.loglog(dist, grad_y[:, j].numpy(), "o-", color=color, ms=3, label=f"|dL/dy_j|, y_j = {y4[j]:.1f}")
    ax.loglog(dist, grad_c[:, j].numpy(), "s--", color=color, ms=3, lw=0.8)
d_ref = (s0_list - y4[0]).numpy()
ax.loglog(d_ref, grad_y[0, 0].item() * (d_ref / d_ref[0]) ** -2, "k:", lw=1, label="slope -2")
ax.loglog(d_ref, grad_c[0, 0].item() * (d_ref / d_ref[0]) ** -1, "k-.", lw=1, label="slope -1 (dashed: |dL/dc_j|)")
ax.set_xlabel("distance s0 - y_j of the residual from the mode (rad/time)")
ax.set_ylabel("gradient magnitude")
ax.set_title("Figure 5.1: gradients from a residual at s0", loc="left")
_ = ax.legend(fontsize=7, ncol=2, loc="lower left")
plot.plt.show()

# %% [markdown]
# *Figure 5.1.* Magnitude of the gradient of the loss with respect to each mode position $y_j$ (solid,
# circles) and each output weight $c_j$ (dashed, squares), when the only residual is a bump at
# $\pm s_0$; horizontal axis the distance $s_0 - y_j$ in rad/time. The position gradients fall like
# $(s_0 - y_j)^{-2}$, the weight gradients like $(s_0 - y_j)^{-1}$ (their four curves coincide: far from
# all modes, $\partial G/\partial\,\mathrm{Re}\,c_j \approx 2/(is)$ for every $j$). At $10^4$ rad/time the weights receive
# ten thousand times more signal than the positions.
#
# A caveat about optimizers. Adam divides each coordinate's gradient by a running estimate of its size,
# so a tiny gradient does not by itself mean a tiny step. What locality gives is the shape of the loss in
# $y_j$: a distant residual adds only a weak, nearly constant pull, of order $(s_0 - y_j)^{-2}$, while
# the fit of the signal near $y_j$ makes the current position the bottom of a steep well (moving the bump
# spoils the fit where the bump is). Any descent method, Adam included, stays in that well, displaced by
# about pull / curvature. Exercise 5.3 runs Adam on the example of section 5.3 to show it.
#
# ## 5.3 What the output weights can and cannot do
#
# A minimal example. Take the channel of section 5.1 ($N = 4$ modes at $4.1$ to $13.5$ rad/time) and a
# target that is the channel itself plus one extra mode at $a_\star = -0.5 + 100i$ with weight $1$:
#
# $$
# T(s) = G_0(is) + h(s), \qquad h(s) = \frac{1}{is - a_\star} + \frac{1}{is - \bar a_\star},
# \qquad \mathcal L = \frac{1}{\pi}\int_0^{300} |G(is) - T(s)|^2\,ds .
# $$
#
# At the start, the residual is $-h$: a peak of height $|h(i100)| \approx 2$ at $100$ rad/time and almost
# nothing elsewhere. Two ways to remove it:
#
# 1. **Move a mode.** Putting one $y_j$ at $100$ (with the right weight) removes the residual exactly. But
#    the loss as a function of one mode's position is flat everywhere except in a well of width of a few
#    $|x|$ around $100$ (Figure 5.2): there is no slope to follow from $y_j \approx 10$.
# 2. **Change the weights only.** $G$ is linear in $(\mathrm{Re}\,c, \mathrm{Im}\,c)$, so $\mathcal L$ is a
#    quadratic in $c$ and its exact minimum over $c$ (with the $y_j$ fixed) is a linear least-squares
#    problem. The variation bound tells in advance how far it can go. The change
#    $\Delta G = G_c - G_{c_0}$ is itself an SSM with weights $\Delta c_j$ and the same poles, and it
#    vanishes at infinity, so by chapter 4 (fact 3 and the tail bound), for $B = 100$:
#
#    $$
#    |\Delta G(i100)| \le V_{100}^\infty(\Delta G) \le \sum_j |\Delta c_j|\,\frac{2B}{B^2 - y_j^2} .
#    $$
#
#    To lift $G$ by $|h(i100)| \approx 2$ at $100$ rad/time the weights must change by
#    $\sum_j|\Delta c_j| \ge 2\,\min_j \frac{B^2 - y_j^2}{2B} \approx 98$, about 20 times their size,
#    which would put bumps whose heights $|\Delta c_j|/|x_j|$ add up to about $200$ into the low band
#    that the loss also wants to keep.
#
# We solve the least-squares problem twice: with the loss above, and with the low band $[0, 50)$ left out
# of the loss altogether, so that nothing holds the weights back.

# %%
A4 = torch.complex(x4, y4)
a_star = torch.tensor([complex(-0.5, 100.0)], dtype=c128)
s_fit = torch.linspace(0.0, 300.0, 30001, dtype=f64)  # step 0.01 rad/time, 50 points per half-width
G_init = transfer_function(A4, C4, s_fit)[0]
h_star = transfer_function(a_star, torch.ones(1, dtype=c128), s_fit)[0]
target = G_init + h_star
high = (s_fit >= 50.0).to(f64)  # the band of the residual
i100 = int(torch.argmin((s_fit - 100.0).abs()))


def band_loss(G, mask=None):
    """(1/pi) int |G - T|^2 ds over [0, 300] rad/time, optionally restricted by a 0/1 mask."""
    r2 = (G - target).abs() ** 2
    return (torch.trapezoid(r2 if mask is None else r2 * mask, s_fit) / math.pi).item()


basis = []  # dG/dRe(c_j) and dG/dIm(c_j): G is real-linear in the weights
for j in range(N4):
    e = torch.zeros(N4, dtype=c128)
    e[j] = 1.0
    basis += [transfer_function(A4, e, s_fit)[0], transfer_function(A4, 1j * e, s_fit)[0]]
basis = torch.stack(basis, 1)  # c(S 2N)


def best_weights(mask):
    """Exact minimizer over c of the masked loss (trapezoid weights approximated by the grid step)."""
    w = torch.sqrt(mask * (s_fit[1] - s_fit[0]))
    M = torch.cat([(basis * w[:, None]).real, (basis * w[:, None]).imag])
    rhs = torch.cat([(target * w).real, (target * w).imag])
    sol = torch.linalg.lstsq(M, rhs[:, None]).solution[:, 0]
    return torch.complex(sol[0::2], sol[1::2])


loss_init_high = band_loss(G_init, high)
results = {}
for name, mask in (("whole band", torch.ones_like(s_fit)), ("high band only", high)):
    c_best = best_weights(mask)
    G_best = transfer_function(A4, c_best, s_fit)[0]
    dc = c_best - C4
    lifted = (G_best[i100] - G_init[i100]).abs().item()
    results[name] = dict(removed=1 - band_loss(G_best, high) / loss_init_high, sum_dc=dc.abs().sum().item(),
                         lifted=lifted, bound=real_tail_bound(dc, A4, 100.0).item(),
                         low_gain=(G_best - G_init)[s_fit < 50].abs().max().item())
needed = h_star[i100].abs().item() / (2 * 100.0 / (100.0 ** 2 - y4 ** 2)).max().item()
print(f"sum |c_j| at init {C4.abs().sum():.3f}; |h(i100)| = {h_star[i100].abs():.3f}; "
      f"needed sum |dc_j| >= {needed:.1f}")
for name, r in results.items():
    print(f"c only, loss on {name:14s}: high-band error x {1 - r['removed']:.4f}; sum|dc| = "
          f"{r['sum_dc']:.3g}; |dG(i100)| = {r['lifted']:.3g} <= bound {r['bound']:.3g}; "
          f"max |dG| below 50 rad/time = {r['low_gain']:.3g}")

# %% [markdown]
# **Check.** With the whole band in the loss, the best weights remove less than 1 % of the high-band
# error: they barely change. With the low band dropped, the weights explode (by more than a factor $10^6$),
# wreck the low band, and still remove less than 10 % of the high-band error: a combination of four
# smooth functions on $[50, 300]$ cannot make a peak of width $1$ at $100$. In both cases the lift at
# $100$ rad/time obeys the variation bound. Moving one mode to $a_\star$ instead removes the residual
# exactly.

# %%
whole, only_high = results["whole band"], results["high band only"]
assert whole["removed"] < 0.01 and whole["sum_dc"] < 0.1 * C4.abs().sum()
assert only_high["removed"] < 0.10 and only_high["sum_dc"] > 1e6 * C4.abs().sum()
assert only_high["low_gain"] > 1e6  # the low band is destroyed
for r in results.values():
    assert r["lifted"] <= r["bound"] and r["lifted"] < 0.1 * h_star[i100].abs()
assert 90 < needed < 100
G_moved = transfer_function(torch.cat([A4, a_star]), torch.cat([C4, torch.ones(1, dtype=c128)]), s_fit)[0]
assert band_loss(G_moved) < 1e-20  # a mode at 100 rad/time fixes it
print("c alone cannot fix the residual at 100 rad/time (bound respected); a mode moved there can")

# %% [markdown]
# The loss as a function of the position of one mode, $y$, with its weight equal to the target's
# ($c = 1$, $x = -0.5$, no other modes), shows why gradient steps on $y$ do not get there from below.

# %%
y_scan = torch.linspace(0.0, 200.0, 2001, dtype=f64)
s_scan = torch.linspace(0.0, 1000.0, 20001, dtype=f64)  # wide, so that no bump comes near the grid's end
h_scan = transfer_function(a_star, torch.ones(1, dtype=c128), s_scan)[0]
landscape = []
for y_val in y_scan.tolist():
    g_y = transfer_function(torch.tensor([complex(-0.5, y_val)], dtype=c128), torch.ones(1, dtype=c128), s_scan)[0]
    landscape.append((torch.trapezoid((g_y - h_scan).abs() ** 2, s_scan) / math.pi).item())
landscape = np.array(landscape)
slope = np.abs(np.gradient(landscape, y_scan.numpy()))
plateau = (np.abs(y_scan.numpy() - 100.0) >= 20) & (y_scan.numpy() >= 10)
print(f"loss at y = 100: {landscape[1000]:.2e}; on the plateau (10 <= y, |y - 100| >= 20): "
      f"{landscape[plateau].min():.4f} to {landscape[plateau].max():.4f}; "
      f"max |dL/dy| there {slope[plateau].max():.2e} vs {slope.max():.2e} in the well")

# %%
assert landscape[1000] < 1e-20
assert (landscape[plateau].max() - landscape[plateau].min()) < 0.01 * landscape[plateau].mean()
assert slope[plateau].max() < 1e-3 * slope.max()
print("a flat plateau and one narrow well at the target frequency")

# %%
fig, (ax1, ax2) = plot.figure(ncols=2, width=9.5, height=3.4)
ax1.plot(y_scan.numpy(), landscape)
ax1.axvline(100.0, color="k", ls=":", lw=1)
ax1.set_xlabel("position y of the mode (rad/time)")
ax1.set_ylabel("loss")
ax1.set_title("Figure 5.2: loss vs one mode's position (target at 100)", loc="left")
ax2.semilogy(y_scan.numpy(), slope + 1e-16)
ax2.axvline(100.0, color="k", ls=":", lw=1)
ax2.set_xlabel("position y of the mode (rad/time)")
ax2.set_ylabel("|dL/dy|")
plot.plt.show()

# %% [markdown]
# *Figure 5.2.* Left: the loss $\frac1\pi\int_0^{1000}|g_y(is) - h(s)|^2\,ds$ of one mode at position $y$
# (rad/time, $x = -0.5$, $c = 1$) against a target mode at $100$ rad/time. Right: the magnitude of its
# derivative on a log scale. Away from the target the loss is the sum of the two modes' energies, flat to
# within 1 %; its slope is more than a thousand times smaller than inside the well, which is only a few
# rad/time wide. (Near $y = 0$ the mode overlaps its own conjugate partner, which raises the loss.) The
# slope on the plateau decays with the distance from $100$ rad/time: from $y = 10$ the target is
# practically invisible.
#
# ## 5.4 Watching the modes during training
#
# Back to the waves experiment of chapter 4 ($\alpha = 1$, $\beta = 0$, seeds 0, 1, 2). At book scale the four
# waves are $f_w = \pi\,8^{w-1}$: $\pi$, $8\pi$, $64\pi$ and $512\pi \approx 3.1$, $25.1$, $201$ and $1608$
# rad/time, which complete 1, 8, 64 and 512 periods in the window of $L = 2048$ samples at
# $\Delta t = 2^{-10}$. The modes start at $\pi(1.3 + n) \approx 4.1$ to $13.5$ rad/time, between waves 1 and 2:
# to serve wave 3, a mode has to travel about $188$ rad/time. The library records every $\mathrm{Im}\,a_j$ of
# the 16 channels $\times$ 4 modes after each epoch (`history[k]["A_imag"]`).
#
# **How far could a mode travel?** The positions are trained by AdamW under a cosine schedule, with their own
# learning rate `WavesConfig.lr_imag`. Adam moves a coordinate whose gradient keeps its sign and its size by
# about the current learning rate per step, so the largest possible travel over a run is about
# $\sum_t \eta_t$. We compute it from the library's schedule, at the default `lr_imag` and at the value we
# train with below.

# %%
from fssm.experiments import waves
from fssm.train import cosine_with_warmup, load_checkpoint

cfg = waves.WavesConfig.for_scale(fssm.get_scale())
steps = cfg.epochs * len(waves.make_data(cfg, "cpu")[0])  # epochs x batches per epoch


def travel_budget(lr, n_steps=steps, warmup=0):
    """sum_t eta_t over a run under the library's schedule: the most Adam can move one coordinate."""
    dummy = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    schedule, total = cosine_with_warmup(dummy, n_steps, warmup), 0.0
    for _ in range(n_steps):
        total += dummy.param_groups[0]["lr"]
        dummy.step()
        schedule.step()
    return total


LR_IMAG = 2.0  # the learning rate of Im(a_j) in the runs below (the default is cfg.lr_imag)
y_top = cfg.alpha * waves.paper_init(cfg.d_state).imag.max().item()  # the highest initial mode, rad/time
gap = cfg.freqs[2] - y_top  # its distance to wave 3
budget_default, budget = travel_budget(cfg.lr_imag), travel_budget(LR_IMAG)
print(f"scale {fssm.get_scale()}: {cfg.epochs} epochs x {steps // cfg.epochs} steps; waves at "
      + ", ".join(f"{f:.1f}" for f in cfg.freqs) + f" rad/time; highest initial mode {y_top:.2f}; "
      f"distance to wave 3 {gap:.1f} rad/time")
print(f"travel budget sum_t eta_t: lr_imag {cfg.lr_imag:g} (default) -> {budget_default:.1f} rad/time; "
      f"lr_imag {LR_IMAG:g} -> {budget:.1f} rad/time = {budget / gap:.1f} x the distance to wave 3")
assert budget_default < gap < budget / 3

# %% [markdown]
# At the default learning rate the budget is smaller than the distance to wave 3: a run with it could not tell
# "the modes are not pulled up" from "the modes cannot get there". We train with `lr_imag` $= 2$, whose budget
# is more than three times the distance: a pull towards wave 3 that kept its sign and the size of the other
# gradients would carry a mode there (a caveat follows Figure 5.3).
#
# **A positive control.** A large budget makes "the modes stay below" a measurement only if, with the same
# optimiser, the modes do go to a target that their gradients can see. We try to build one by moving wave 2
# from $8\pi \approx 25$ rad/time to $5\pi \approx 15.7$ rad/time (5 whole periods in the window), $2.2$
# rad/time above the highest initial mode, and keeping waves 1, 3 and 4. There the residual of wave 2 lies
# within a few half-widths $|x_j| = 0.5$ of the top modes, where section 5.2 says their gradients hear it
# best. We count the modes that end within 1 rad/time of it, in the control and, for comparison, in the book's
# waves, where no wave sits there.
#
# Each setting is trained for seeds 0, 1, 2 (about 20 s per run on one thread of a 2-core CPU); for the book's
# waves we also keep the trained models (through the training loop's checkpoint) to recompute the variation
# bound with the trained weights. As in chapter 4, printed numbers may differ in the last digits across
# machines, so the next cell is not compared by nbval and the check cell asserts the claims.

# %% tags=["nbval-ignore-output"]
import dataclasses
import os
import tempfile

from IPython.display import HTML, display
from fssm.experiments.common import html_table

torch.set_num_threads(1)  # repeatable on this machine, no contention between cores
seeds = (0, 1, 2)
device = fssm.get_device()
CONTROL_FREQS = (waves.BOOK_FREQS[0], 5 * math.pi, waves.BOOK_FREQS[2], waves.BOOK_FREQS[3])  # wave 2 at 5 pi
settings = {"book waves": dataclasses.replace(cfg, lr_imag=LR_IMAG),
            "control": dataclasses.replace(cfg, lr_imag=LR_IMAG, freqs=CONTROL_FREQS)}
runs, trained = {name: [] for name in settings}, []
with tempfile.TemporaryDirectory() as folder:
    for name, c in settings.items():
        for seed in seeds:
            path = os.path.join(folder, f"waves-seed{seed}.pt") if name == "book waves" else None
            runs[name].append(waves.run(c, seed=seed, device=device, checkpoint=path))
            if path is not None:
                model = waves.WavesModel(c)
                model.load_state_dict(load_checkpoint(path)["model"])
                trained.append(model)
y_init = {n: np.array([r["A_imag_init"] for r in rs]) for n, rs in runs.items()}  # (seed, H, N)
y_traj = {n: np.array([[h["A_imag"] for h in r["history"]] for r in rs])  # (seed, epoch, H, N)
          for n, rs in runs.items()}
final = {n: np.array([r["final_test_mae"] for r in rs]) for n, rs in runs.items()}  # (seed, wave)
reach = {n: np.abs(y).max(axis=(1, 2, 3)) for n, y in y_traj.items()}  # highest |Im a_j| during training
moved = {n: np.abs(y_traj[n][:, -1] - y_init[n]).max(axis=(1, 2)) for n in runs}  # largest final displacement
lo, hi = (5 * math.pi - 1.0, 5 * math.pi + 1.0)  # rad/time: the window around the control's wave 2
at_target = {n: ((np.abs(y[:, -1]) > lo) & (np.abs(y[:, -1]) < hi)).sum(axis=(1, 2)) for n, y in y_traj.items()}
print(f"scale {fssm.get_scale()}, device {device.type}, alpha = {cfg.alpha}, beta = {cfg.beta}, lr_imag = {LR_IMAG:g}")
for name in runs:
    print(f"{name}: waves at " + ", ".join(f"{f:.1f}" for f in settings[name].freqs) + " rad/time")
print("highest |Im a| during training (rad/time) and its share of the way to wave 3; largest final move |dy| "
      "(rad/time); number of modes in the window at the end; final test MAE per wave")
train_rows = []
for name in runs:
    for k, seed in enumerate(seeds):
        train_rows.append([name, str(seed), f"{reach[name][k]:.1f}", f"{(reach[name][k] - y_top) / gap:.2f}",
                           f"{moved[name][k]:.1f}", str(at_target[name][k])] + [f"{e:.3f}" for e in final[name][k]])
display(HTML(html_table(["setting", "seed", "highest |Im a|", "share to wave 3", "largest |dy|",
                         f"modes in ({lo:.1f}, {hi:.1f})"] + [f"MAE wave {w}" for w in range(1, 5)], train_rows)))

G_trained, bound_trained = [], []  # chapter 4's bound above wave 3, with the trained A and C
bound_rows = []
for k, seed in enumerate(seeds):
    with torch.no_grad():
        p = trained[k].ssm.kernel.ssm()
        A_t, C_t, D_t = p["A"].to(c128), p["C"].to(c128), trained[k].ssm.D.to(f64)
        G_trained.append(transfer_function(A_t, C_t, torch.tensor(cfg.freqs, dtype=f64), D=D_t))  # c(H 4)
        bound_trained.append(real_tail_bound(C_t, A_t, cfg.freqs[2]))  # r(H)
    rel = bound_trained[k] / G_trained[k][:, 2].abs()
    bound_rows.append([str(seed), f"{rel.median():.3f}", f"{rel.max():.3f}"])
print("book waves, trained models: chapter 4's bound above wave 3 / |G(i f_3)|, over the channels")
HTML(html_table(["seed", "median", "max"], bound_rows))  # the cell's value: shown as a table

# %% [markdown]
# **Check.** In every seed:
#
# - *book waves:* with a travel budget more than three times the distance, no mode gets even half-way to
#   wave 3 at any epoch (every $|\mathrm{Im}\,a_j|$ stays below $13.5 + 188/2$ rad/time), although the modes
#   did move (the largest displacement exceeds 20 rad/time, longer than their whole initial band); waves 3
#   and 4 keep an error above half of chance;
# - *control:* wave 2 at $15.7$ rad/time is learned (error below a fifth of chance) and no mode gets
#   half-way to wave 3, but no more than 10 of the 64 modes end within 1 rad/time of wave 2. As many or more
#   end in that window in the book's waves, where no wave sits: the modes do not gather at the wave they learn.
#   Both counts vary from seed to seed and with the machine's round-off (an unvectorised run of this chapter
#   moved one of them from 8 to 2, a rerun another from 7 to 13), so only the bound is asserted and the counts
#   are printed above.
#
# With the trained weights, chapter 4's variation bound above wave 3 still holds and is still small: in every
# channel $|G_h(if_4) - G_h(if_3)|$ is below it, and its median over channels is below 15 % of the gain
# $|G_h(if_3)|$.

# %%
chance = waves.chance_mae()
for k, seed in enumerate(seeds):
    assert reach["book waves"][k] < y_top + gap / 2, (seed, reach["book waves"][k])
    assert moved["book waves"][k] > 20.0, (seed, moved["book waves"][k])
    assert min(final["book waves"][k, 2], final["book waves"][k, 3]) > 0.5 * chance, (seed, final["book waves"][k])
    assert reach["control"][k] < y_top + gap / 2, (seed, reach["control"][k])
    assert final["control"][k, 1] < 0.2 * chance, (seed, final["control"][k])
    assert at_target["control"][k] <= 10, (seed, at_target["control"][k])  # no gathering at the target
    G_t, bound_t = G_trained[k], bound_trained[k]
    assert ((G_t[:, 3] - G_t[:, 2]).abs() <= bound_t).all(), seed
    assert (bound_t / G_t[:, 2].abs()).median() < 0.15, seed
print(f"scale {fssm.get_scale()}, device {device.type}, seeds {seeds}, lr_imag {LR_IMAG:g}:",
      "no mode got half-way to wave 3 with a budget 3x the distance, though the modes moved > 20 rad/time;",
      "waves 3-4 stay above chance/2; the control's near wave is learned but gathers at most 10 of the 64",
      "modes; the trained bound holds")

# %%
fig, axes = plot.figure(nrows=2, ncols=3, width=11.0, height=6.4, sharex=True, sharey=True)
for row, name in enumerate(runs):
    for k, seed in enumerate(seeds):
        ax = axes[row, k]
        paths = np.abs(np.concatenate([y_init[name][k][None], y_traj[name][k]])).reshape(len(y_traj[name][k]) + 1, -1)
        ax.plot(np.arange(paths.shape[0]), paths, color=plot.COLORS[0], lw=0.6, alpha=0.6)
        for w, (f, color) in enumerate(zip(settings[name].freqs, plot.COLORS[1:])):
            ax.axhline(f, color=color, ls="--", lw=1, label=f"wave {w + 1}: {f:.1f} rad/time")
        ax.set_yscale("log")
        ax.set_ylim(0.5, 3000)
        ax.set_title(f"{name}, seed {seed}", fontsize=10)
        if row == 1:
            ax.set_xlabel("epoch")
    axes[row, 0].set_ylabel("|Im(a_j)| (rad/time)")
    _ = axes[row, 2].legend(fontsize=6, loc="upper right")
fig.suptitle(f"Figure 5.3: |Im(a_j)| of all 64 modes during training, lr_imag = {LR_IMAG:g} "
             f"({fssm.get_scale()} scale, {device.type})", fontsize=10, x=0.02, ha="left")
plot.plt.show()

# %% [markdown]
# *Figure 5.3.* Magnitudes $|\mathrm{Im}\,a_j|$ (rad/time, log scale) of the 16 channels $\times$ 4 modes of
# the waves model against the training epoch (epoch 0 is the initialization), for seeds 0, 1, 2, trained with
# `lr_imag` $= 2$, whose travel budget is more than three times the distance to wave 3. Dashed lines mark the
# four waves. Top: the book's waves. In the first few epochs the modes spread from their initial band at
# $4.1$ to $13.5$ rad/time to between about 1 and 50 rad/time, then hardly move; none heads for wave 3 or
# wave 4, whose errors stay near the floor of chapter 4. Bottom: the control, wave 2 at $5\pi \approx 15.7$
# rad/time, just above the modes: it is learned, but the modes spread the same way and do not gather at it.
#
# The control does not behave as a positive control of the modes' motion. The near wave is learned in every
# seed, yet no more modes end next to it than the few that end there in the book's waves, where nothing is
# there: the model reads it
# through the response that the modes nearby already give at $15.7$ rad/time, without a mode on it.
#
# The figure also qualifies the travel budget. Adam's step is $\eta_t\,\hat m_t/\sqrt{\hat v_t}$, which is
# about $\eta_t$ only while the gradient keeps its sign *and its size*. With $\beta_2 = 0.999$, $\hat v_t$
# remembers the large gradients of the first epochs for about 1000 steps, longer than this run, so once the
# fit near the modes is made, the steps fall far below $\eta_t$: the flat curves of the later epochs. A pull
# towards wave 3 could spend the budget only if it were as large as those early gradients; by section 5.2 it
# is weaker by a factor of order $(s - y_j)^{-2}$. The experiment therefore decides one question: with a
# budget three times the distance to wave 3, no mode goes there in any seed, and the high waves stay
# unlearned. It does not show that the modes would go to a wave that their gradients can see; in this model
# they settle on none.
#
# ## 5.5 A trainable step $\Delta t$
#
# The waves model keeps $\Delta t$ fixed, as the authors' waves code does. Could a trainable $\Delta t$ do what
# the positions do not? It acts on all the modes of a channel at once. The discrete system sees mode
# $a_j = x_j + iy_j$ only through $u_j = \Delta t\,a_j$: its pole $\lambda_j = e^{u_j}$, whose angle
# $\omega_j = \Delta t\,y_j$ (rad/sample) is the mode's discrete frequency, and its weight
# $\tilde c_j = c_j(\lambda_j - 1)/a_j = \Delta t\,c_j(e^{u_j} - 1)/u_j$ (zero-order hold). There is one
# $\Delta t$ per channel, trained as $\tau = \log\Delta t$, and $\partial u_j/\partial\tau = u_j$, so
#
# $$
# \frac{\partial\omega_j}{\partial\tau} = \Delta t\,y_j = \omega_j \qquad\text{for every mode } j \text{ of the channel.}
# $$
#
# A step $\delta$ in $\log\Delta t$ multiplies all the channel's discrete frequencies (and decay rates
# $\Delta t\,x_j$) by $e^{\delta}$: $\Delta t$ moves the whole band at once, proportionally, not one mode
# locally. Measured in the time units of the data, sampled at the fixed step $\Delta t_0 = 2^{-10}$, mode $j$
# sits at $(\Delta t/\Delta t_0)\,y_j$ rad/time; to put the highest mode on wave 3, $\Delta t$ would have to
# grow by a factor $201/13.5 \approx 15$, i.e. $\log\Delta t$ by about $2.7$.
#
# **The gradient.** The kernel is $K = \Delta t\,F(u_1, \dots, u_N; c)$, so by the chain rule
#
# $$
# \frac{\partial\mathcal L}{\partial\tau}
# = \sum_j\Big(\omega_j\frac{\partial\mathcal L}{\partial\omega_j}
#   + \Delta t\,x_j\frac{\partial\mathcal L}{\partial(\Delta t\,x_j)}\Big)
#   + \Big\langle\frac{\partial\mathcal L}{\partial K}, K\Big\rangle
# = \sum_j\Big(y_j\frac{\partial\mathcal L}{\partial y_j} + x_j\frac{\partial\mathcal L}{\partial x_j}
#   + \Big\langle c_j, \frac{\partial\mathcal L}{\partial c_j}\Big\rangle\Big),
# $$
#
# where the second form uses $\partial\mathcal L/\partial y_j = \Delta t\,\partial\mathcal L/\partial\omega_j$
# (at fixed $\Delta t$), the same for $x_j$, and that $K$ is linear in the weights
# ($\langle c, g\rangle = \mathrm{Re}\,c\,\mathrm{Re}\,g + \mathrm{Im}\,c\,\mathrm{Im}\,g$). The frequency part
# $\sum_j\omega_j\,\partial\mathcal L/\partial\omega_j = \sum_j y_j\,\partial\mathcal L/\partial y_j$ is the sum of
# the positions' own gradients, weighted by $y_j$. Each of them is local (section 5.2), so $\Delta t$ hears a
# residual at wave 3 no better than the modes do; what is new is only that its step moves every mode of the
# channel. In the library's parameters, $x_j\,\partial\mathcal L/\partial x_j$ is the gradient of
# `log_A_real` ($x_j = -e^{\texttt{log\_A\_real}_j}$).
#
# **Check.** On a waves model with trainable $\Delta t$ (in double precision, one training batch), autograd's
# gradient of `log_dt` equals the right-hand side built from the gradients of `A_imag`, `log_A_real` and `C`,
# channel by channel; a central difference in $\log\Delta t$ agrees; and the angles of the library's poles obey
# $\partial\omega_j/\partial\tau = \omega_j$.

# %%
import torch.nn.functional as F

cfg_dt = dataclasses.replace(cfg, lr_dt=0.02)  # lr_dt > 0 makes log dt a parameter
fssm.seed_everything(0)
model_dt = waves.WavesModel(cfg_dt).double()
kern = model_dt.ssm.kernel
x_b, v_b = next(iter(waves.make_data(cfg_dt, "cpu")[0]))
x_b, v_b = x_b[:8].double(), v_b[:8].double()  # eight training signals
F.mse_loss(model_dt(x_b), v_b).backward()
frequency_part = (kern.A_imag * kern.A_imag.grad).sum(1)  # sum_j y_j dL/dy_j, r(H)
rhs = frequency_part + kern.log_A_real.grad.sum(1) + (kern.C * kern.C.grad).sum((1, 2))  # r(H)
err_dt = ((kern.log_dt.grad - rhs).abs().max() / kern.log_dt.grad.abs().max()).item()
h = 1e-5
with torch.no_grad():
    kern.log_dt += h
    loss_plus = F.mse_loss(model_dt(x_b), v_b).item()
    kern.log_dt -= 2 * h
    loss_minus = F.mse_loss(model_dt(x_b), v_b).item()
    kern.log_dt += h
fd = (loss_plus - loss_minus) / (2 * h)  # every channel's log dt moved by h: the sum of their gradients
err_fd = abs(fd - kern.log_dt.grad.sum().item()) / abs(fd)
A_now = kern.ssm()["A"].detach()
omega = lambda log_dt: torch.angle(torch.exp(torch.exp(log_dt)[:, None] * A_now))  # noqa: E731  r(H N), rad/sample
J = torch.autograd.functional.jacobian(omega, kern.log_dt.detach())  # r(H N H)
H_ = cfg.d_model
J_own = J[torch.arange(H_), :, torch.arange(H_)]  # d omega_hj / d log dt_h, r(H N)
err_omega = ((J_own - omega(kern.log_dt.detach())).abs().max() / J_own.abs().max()).item()
J_off = J.clone()
J_off[torch.arange(H_), :, torch.arange(H_)] = 0.0
off_channel = J_off.abs().max().item()  # a channel's dt does not move another channel's modes
share = (frequency_part.abs() / (frequency_part.abs() + (rhs - frequency_part).abs())).median().item()
print(f"dL/dlog dt (autograd) = sum_j (y_j dL/dy_j + x_j dL/dx_j + <c_j, dL/dc_j>): max relative difference "
      f"{'below 1e-10' if err_dt < 1e-10 else err_dt}; central difference "
      f"{'agrees to 1e-6' if err_fd < 1e-6 else err_fd}; d omega_j/dlog dt = omega_j "
      f"{'to 1e-12' if err_omega < 1e-12 else err_omega}, no effect across channels: {off_channel == 0.0}")

# %%
assert err_dt < 1e-10 and err_fd < 1e-6 and err_omega < 1e-12 and off_channel == 0.0
assert (frequency_part.abs() > 0).all()  # the positions' pulls do reach dt ...
# ... but they are not the whole gradient: a formula without the decay and gain terms would be caught
assert ((frequency_part - kern.log_dt.grad).abs().max() / kern.log_dt.grad.abs().max()) > 1e-3
print("the dt gradient is the y-weighted sum of the positions' own (local) gradients, plus decay and gain terms")

# %% [markdown]
# Now train the waves model with a trainable $\Delta t$ (`WavesConfig(lr_dt=...)`, seeds 0, 1, 2), keeping the
# default `lr_imag`, so that the only new freedom is $\Delta t$. The travel budget of $\log\Delta t$, computed as
# in section 5.4, must exceed the $2.7$ needed to bring the highest mode to wave 3; the run record stores
# every channel's $\Delta t$ after each epoch.

# %%
LR_DT = 0.02
need_log_dt = math.log(cfg.freqs[2] / y_top)  # log dt must grow this much for the top mode to reach wave 3
budget_dt = travel_budget(LR_DT)
print(f"lr_dt {LR_DT:g}: travel budget of log dt {budget_dt:.2f} = {budget_dt / need_log_dt:.1f} x the "
      f"{need_log_dt:.2f} needed (a factor {cfg.freqs[2] / y_top:.1f} in dt)")
assert budget_dt > 2 * need_log_dt

# %% tags=["nbval-ignore-output"]
from IPython.display import HTML
from fssm.experiments.common import html_table

runs_dt = [waves.run(cfg_dt, seed=seed, device=device) for seed in seeds]
dt_ratio = np.array([[h["dt"] for h in r["history"]] for r in runs_dt]) / cfg.dt  # (seed, epoch, H): dt / dt0
y_dt = np.array([[h["A_imag"] for h in r["history"]] for r in runs_dt])  # (seed, epoch, H, N)
effective = np.abs(y_dt) * dt_ratio[..., None]  # rad/time in the data's units
final_dt = np.array([r["final_test_mae"] for r in runs_dt])
drift = np.abs(np.log(dt_ratio)).max(axis=(1, 2))  # largest |log(dt / dt0)| of any channel, any epoch
print(f"scale {fssm.get_scale()}, device {device.type}, lr_dt = {LR_DT:g}, lr_imag = {cfg.lr_imag:g}")
print(f"dt/dt0 at the end over channels; largest |log(dt/dt0)| in training and its share of the {need_log_dt:.1f} "
      "needed; highest mode in the data's units (rad/time); final test MAE per wave")
dt_rows = []
for k, seed in enumerate(seeds):
    dt_rows.append([str(seed), f"{dt_ratio[k, -1].min():.2f}", f"{dt_ratio[k, -1].max():.2f}", f"{drift[k]:.2f}",
                    f"{drift[k] / need_log_dt:.2f}", f"{effective[k].max():.1f}"] + [f"{e:.3f}" for e in final_dt[k]])
HTML(html_table(["seed", "min dt/dt0", "max dt/dt0", "largest |log(dt/dt0)|", "share of needed", "highest mode"]
                + [f"MAE wave {w}" for w in range(1, 5)], dt_rows))  # the cell's value: shown as a table

# %% [markdown]
# **Check.** In every seed: no channel's $\log\Delta t$ drifts by more than 40 % of the $2.7$ needed (at any
# epoch), no mode comes within a factor 4 of wave 3 in the data's units (every $(\Delta t/\Delta t_0)|y_j|$
# stays below $f_3/4 \approx 50$ rad/time), and waves 3 and 4 keep an error above half of chance.

# %%
for k, seed in enumerate(seeds):
    assert drift[k] < 0.4 * need_log_dt, (seed, drift[k])
    assert effective[k].max() < cfg.freqs[2] / 4, (seed, effective[k].max())
    assert min(final_dt[k, 2], final_dt[k, 3]) > 0.5 * chance, (seed, final_dt[k])
print(f"scale {fssm.get_scale()}, seeds {seeds}: dt drifts by less than 40 % of what wave 3 needs; every mode "
      "stays below a quarter of wave 3's frequency; waves 3-4 stay above chance/2")

# %%
fig, axes = plot.figure(ncols=3, width=11.0, height=3.4, sharey=True)
for k, (ax, seed) in enumerate(zip(axes, seeds)):
    ax.plot(np.arange(1, dt_ratio.shape[1] + 1), dt_ratio[k], color=plot.COLORS[0], lw=0.8, alpha=0.7)
    ax.axhline(cfg.freqs[2] / y_top, color=plot.COLORS[3], ls="--", lw=1,
               label="dt/dt0 that puts the top mode on wave 3")
    ax.axhline(1.0, color="k", ls=":", lw=0.8)
    ax.set_yscale("log")
    ax.set_ylim(0.1, 40)
    ax.set_xlabel("epoch")
    ax.set_title(f"seed {seed}", fontsize=10)
axes[0].set_ylabel("dt / dt0 per channel")
_ = axes[2].legend(fontsize=7, loc="upper right")
fig.suptitle(f"Figure 5.4: the trainable step of each of the 16 channels ({fssm.get_scale()} scale, {device.type})",
             fontsize=10, x=0.02, ha="left")
plot.plt.show()

# %% [markdown]
# *Figure 5.4.* The step $\Delta t$ of each of the 16 channels relative to its initial value $2^{-10}$ (log
# scale) against the epoch, for seeds 0, 1, 2, trained with `lr_dt` $= 0.02$. The dashed line is the factor
# $201/13.5 \approx 15$ by which $\Delta t$ would have to grow for a channel's highest mode to sit on wave 3.
# The channels spread a little around 1, in both directions, as the positions' local pulls add up; none
# heads for the dashed line.
#
# **Where $\Delta t$ trains by default.** In the LRA models of chapter 10, $\log\Delta t$ is a parameter of every
# channel (drawn between `dt_min` and `dt_max`, trained with `ssm_lr`). One book-scale ListOps run (seed 0, about
# 30 s on one thread) shows how far it moves there: we compare the trained `log_dt` of each layer with that of a
# freshly built model of the same seed, and set the drift against the run's travel budget (the same sum, with
# the run's warm-up) and against the spread $\log(\Delta t_{\max}/\Delta t_{\min})$ of the initial steps.

# %% tags=["nbval-ignore-output"]
import warnings

from fssm.experiments import lra

warnings.simplefilter("ignore", fssm.AliasingWarning)  # S4D-Lin's top modes alias at dt_max, as in chapter 10
cfg_lo = lra.LRAConfig.for_task("listops", fssm.get_scale())
with tempfile.TemporaryDirectory() as folder:
    record_lo = lra.run(cfg_lo, seed=0, device=device, workdir=folder)
    trained_lo = load_checkpoint(os.path.join(folder, "last.pt"), map_location="cpu")["model"]
splits_lo, _ = lra.load_splits(cfg_lo, None)
fssm.seed_everything(0)  # as lra.run does before building its model
fresh_lo = lra.build_model(cfg_lo, *lra.dataset_info(splits_lo["train"])).state_dict()
steps_lo = cfg_lo.epochs * (len(splits_lo["train"]) // cfg_lo.batch_size)  # one process: full batches only
budget_lo = travel_budget(cfg_lo.ssm_lr, steps_lo, cfg_lo.warmup_steps)
spread_lo = math.log(cfg_lo.dt_max / cfg_lo.dt_min)
drift_lo = {k: (trained_lo[k].cpu() - fresh_lo[k]).double() for k in fresh_lo if k.endswith("log_dt")}
print(f"ListOps, scale {fssm.get_scale()}, device {device.type}, seed 0: test accuracy "
      f"{record_lo['test_accuracy']:.3f}; ssm_lr {cfg_lo.ssm_lr:g}, {steps_lo} steps: travel budget of log dt "
      f"{budget_lo:.2f}; initial spread log(dt_max/dt_min) = {spread_lo:.2f}")
for k, d in drift_lo.items():
    print(f"  {k}: {d.numel()} channels, |d log dt| max {d.abs().max():.3f} (dt x {math.exp(d.abs().max()):.2f}), "
          f"mean {d.abs().mean():.3f}, mean signed {d.mean():+.3f}")

# %% [markdown]
# **Check.** In this run no channel's $\log\Delta t$ moves by more than half of its travel budget, nor by more
# than a tenth of the initial spread: the steps stay close to where the initialization put them.

# %%
worst_lo = max(d.abs().max().item() for d in drift_lo.values())
assert all(d.abs().max() > 0 for d in drift_lo.values())  # log dt did train
assert worst_lo < 0.5 * budget_lo and worst_lo < 0.1 * spread_lo, (worst_lo, budget_lo, spread_lo)
print("ListOps (book scale, seed 0): every channel's log dt moved by less than half its budget and less than "
      "a tenth of the initial spread")

# %% [markdown]
# ## Summary
# - $\partial G/\partial y_j = i c_j/(is - a_j)^2 - i\bar c_j/(is - \bar a_j)^2$: moving a mode changes $G$
#   where the mode's own bump is steep, with weight $|c_j|/((s \mp y_j)^2 + x_j^2)$.
# - For a frequency-domain $L^2$ loss,
#   $|\partial\mathcal L/\partial y_j| \le \frac{2|c_j|}{\pi}\int|r\hat u|/((s - y_j)^2 + x_j^2)\,ds$: the
#   position of a mode only hears the residual near it, with weight decaying like $(s - y_j)^{-2}$
#   (measured slope $-2$).
# - The output weights hear further (weight $\sim 1/|s - y_j|$, slope $-1$), but their effect above the
#   modes is capped by the variation bound $\sum_j|\Delta c_j|\,2B/(B^2 - y_j^2)$. In the minimal example,
#   the best weights remove under 1 % of a residual at 100 rad/time, and under 10 % even when the low band
#   is sacrificed; a mode at 100 rad/time removes all of it, but the loss landscape gives it no slope to
#   get there.
# - In the waves experiment at book scale, with a learning rate whose travel budget $\sum_t\eta_t$ is more than
#   three times the distance to wave 3, the modes spread in the first epochs and then settle (Adam's steps
#   fall far below $\eta_t$ once the early, large gradients are past); none gets half-way to wave 3, and the
#   high waves stay unlearned. A control with a wave $2.2$ rad/time above the modes is learned, but the modes
#   do not gather at it: in this model they settle on no wave, near or far.
# - A trainable $\Delta t$ moves all the discrete frequencies of a channel at once,
#   $\partial\omega_j/\partial\log\Delta t = \omega_j$, and its gradient is the $y_j$-weighted sum of the
#   positions' own, local, gradients (plus decay and gain terms). Trained with a budget more than twice what
#   wave 3 needs, it drifts by less than 40 % of that, and the high waves stay unlearned. In a book-scale
#   ListOps run, where $\Delta t$ trains by default, it moves by less than a tenth of the spread of its
#   initial values.
# - Training does not undo the bias set at initialization; chapters 6 and 7 change it on purpose.
#
# ## Exercises
#
# **Exercise 5.1 (the real parts).** Derive $\partial G/\partial x_j$ and show that each of its two terms
# has the same modulus as the corresponding term of $\partial G/\partial y_j$. Check with autograd that
# $|\partial G/\partial x_j| = |\partial G/\partial y_j|$ holds term by term, and that for the full
# (real) $G$ the gradient with respect to $x_j$ is also local: at $s = 1000$ rad/time it is below
# $2|c_j|/(1000 - y_j)^2$.

# %% tags=["hide-input"]
# Solution
# d/dx [c/(is - a)] = c/(is - a)^2 (since da/dx = 1) and the partner gives conj(c)/(is - conj a)^2: the same
# moduli as i c/(is - a)^2 and -i conj(c)/(is - conj a)^2. Hence |dG/dx_j| <= the same Lorentzian sum.
def G_parts_x(x):
    G = transfer_function(torch.complex(x, y4), C4, s_grid)[0]
    return torch.stack([G.real, G.imag])


jac_x = torch.autograd.functional.jacobian(G_parts_x, x4)
dG_dx = (jac_x[0] + 1j * jac_x[1]).T  # c(N S)
closed_x = C4[:, None] / (1j * s_grid - a4[:, None]) ** 2 + C4.conj()[:, None] / (1j * s_grid - a4.conj()[:, None]) ** 2
assert ((dG_dx - closed_x).abs().max() / closed_x.abs().max()) < 1e-12
stored_x = (C4[:, None] / (1j * s_grid - a4[:, None]) ** 2).abs()
assert ((stored_x - stored.abs()).abs() / stored.abs()).max() < 1e-12  # same modulus as the y-term
far = transfer_function_grad_imag(A4, C4, torch.tensor([1000.0], dtype=f64))[0, :, 0].abs()
far_x = (C4 / (1000j - A4) ** 2 + C4.conj() / (1000j - A4.conj()) ** 2).abs()
assert (far <= 2 * C4.abs() / (1000 - y4) ** 2).all() and (far_x <= 2 * C4.abs() / (1000 - y4) ** 2).all()
print("|dG/dx_j| = |dG/dy_j| term by term; both below 2|c_j|/(1000 - y_j)^2 at s = 1000")

# %% [markdown]
# **Exercise 5.2 (where the weights' gradient comes from).** For one stored term, show that
# $|\partial g_j/\partial c_j| = 1/\sqrt{(s - y_j)^2 + x_j^2}$ and that
# $|\partial g_j/\partial y_j|\,/\,|\partial g_j/\partial c_j| = |c_j|/\sqrt{(s - y_j)^2 + x_j^2}$. At what
# distance from $y_j$ does a residual pull the weight 100 times harder than the position, for
# $|c_j| = 1$, $x_j = -0.5$? Check with the gradients of section 5.2.

# %% tags=["hide-input"]
# Solution
# g = c/(is - a) is complex-linear in c with derivative 1/(is - a); the ratio is |c|/|is - a|.
# It equals 1/100 when sqrt((s - y)^2 + x^2) = 100 |c|, i.e. |s - y| = sqrt(100^2 - 0.25) ~ 100 rad/time.
dist_100 = math.sqrt(100.0 ** 2 - 0.25)
s_chk = torch.tensor([y4[0].item() + dist_100], dtype=f64)
ratio = (1 / (1j * s_chk - a4[0])).abs() / (1j / (1j * s_chk - a4[0]) ** 2).abs()  # |dg/dc| / |dg/dy|, c = 1
assert abs(ratio.item() - 100.0) < 1e-9
# In section 5.2 the loss gradients (both half-lines, partners included) follow the same ratio up to
# O(1) factors: at s0 - y_j ~ 3000 the weights were pulled ~ (s0 - y_j) / |c_j| times harder.
k = int(torch.argmin((s0_list - 3000.0).abs()))
pull = (grad_c[k] / grad_y[k]) * C4.abs() / (s0_list[k] - y4)
assert ((pull > 0.1) & (pull < 10)).all(), pull
print(f"the weights are pulled 100x harder than the positions at |s - y_j| = {dist_100:.2f} rad/time")

# %% [markdown]
# **Exercise 5.3 (does Adam rescue the positions?).** Train the four positions $y_j$ *and* the weights of
# the example of section 5.3 with Adam (learning rate $0.1$ for $y$, $0.01$ for $c$, 1000 steps) on its
# loss. Predict how far the $y_j$ move from the ratio of the gradient to the curvature,
# $|\partial_{y_j}\mathcal L\,/\,\partial^2_{y_j}\mathcal L|$, at the start, and check.

# %% tags=["hide-input"]
# Solution
# The low band is fitted exactly at the start, so each y_j sits at the bottom of a well whose curvature
# comes from its own bump (~ |c_j|^2 / |x_j|^3), while the high-band residual adds a pull of order
# |c_j| / (100 - y_j)^2: the balance point is a tiny displacement, whatever the step-size rule.
s_ex = s_fit[::5]  # step 0.05 rad/time: 10 points per half-width, enough here and 5x cheaper
target_ex = target[::5]


def loss_ex(y, c_ri):
    G = transfer_function(torch.complex(x4, y), torch.view_as_complex(c_ri), s_ex)[0]
    return torch.trapezoid((G - target_ex).abs() ** 2, s_ex) / math.pi


c_ri0 = torch.view_as_real(C4).clone()
grad0 = torch.autograd.functional.jacobian(lambda y: loss_ex(y, c_ri0), y4)
curv0 = torch.diagonal(torch.autograd.functional.hessian(lambda y: loss_ex(y, c_ri0), y4))
predicted = (grad0 / curv0).abs()
y_adam = y4.clone().requires_grad_(True)
c_adam = c_ri0.clone().requires_grad_(True)
opt = torch.optim.Adam([{"params": [y_adam], "lr": 0.1}, {"params": [c_adam], "lr": 0.01}])
loss_start = loss_ex(y4, c_ri0).item()
for _ in range(1000):
    opt.zero_grad()
    loss_adam = loss_ex(y_adam, c_adam)
    loss_adam.backward()
    opt.step()
moved = (y_adam.detach() - y4).abs()
assert (curv0 > 0).all() and (predicted < 0.01).all()  # a well, and a tiny balance point
assert (moved < 0.1).all(), moved  # Adam could have travelled 100 rad/time; it stays in the well
assert loss_ex(y_adam.detach(), c_adam.detach()).item() > 0.99 * loss_start  # the residual stays
print("predicted |grad / curvature| per mode: " + ", ".join(f"{v:.1e}" for v in predicted.tolist()))
print("Adam, 1000 steps (lr 0.1 on y): |y_j - y_j(0)| = " + ", ".join(f"{v:.3f}" for v in moved.tolist())
      + f"; loss {loss_start:.4f} -> {loss_ex(y_adam.detach(), c_adam.detach()).item():.4f}")

# %% [markdown]
# **Exercise 5.4 (a target the modes can follow).** Repeat the landscape of Figure 5.2 with the target
# mode at $y_\star = 12$ rad/time instead of $100$, and start a mode at $y = 10$. Show that plain gradient
# descent on $y$ alone now reaches the target: the residual is near the mode, so the gradient sees it.

# %% tags=["hide-input"]
# Solution
h_near = transfer_function(torch.tensor([complex(-0.5, 12.0)], dtype=c128), torch.ones(1, dtype=c128), s_fit)[0]
y_gd = torch.tensor([10.0], dtype=f64, requires_grad=True)
opt = torch.optim.SGD([y_gd], lr=0.05)
for _ in range(300):
    opt.zero_grad()
    g_gd = transfer_function(torch.complex(torch.tensor([-0.5], dtype=f64), y_gd), torch.ones(1, dtype=c128), s_fit)[0]
    (torch.trapezoid((g_gd - h_near).abs() ** 2, s_fit) / math.pi).backward()
    opt.step()
assert abs(y_gd.item() - 12.0) < 0.01, y_gd.item()
print(f"gradient descent from y = 10 ends at y = {y_gd.item():.4f} (target 12)")

# %% [markdown]
# ## References
# ```{bibliography}
# :filter: docname in docnames
# ```
