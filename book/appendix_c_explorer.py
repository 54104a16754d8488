# %% [markdown]
# # Appendix C. Explorer: move α, β, Δt and the initialization yourself
#
# Chapters 4 to 7 change one knob at a time and print what happens. This appendix puts the knobs under your
# hand. The figure in section C.2 shows one channel of an S4D layer three ways at once: where its modes sit
# on the frequency axis, the magnitude of its frequency response with and without the Sobolev weight, and how
# the response's total variation (chapter 4's measure of how much a layer can shape a band) is shared among
# five bands. Sliders set $\alpha$ (chapter 6), $\beta$ (chapter 7) and the step $\Delta t$; a menu picks the
# initialization (chapter 4). The figure works in the page you are reading, with no Python running: its values
# were computed by `fssm` over a grid when this appendix was executed and are stored in the page. Section C.3
# gives the same figure for any value, live, in Jupyter or Colab.
#
# Everything here is the book's own construction and measurement; none of it is in the paper.
#
# ## Learning goals
# - See in one picture why $\alpha$ and $\Delta t$ move the modes together, and where they differ.
# - Watch a mode pass the Nyquist frequency and fold back (aliasing), and what that does to the response.
# - See how $\beta$ tilts the response and moves its variation up or down the bands, and why a real
#   initialization cannot be tuned by $\alpha$.
#
# ## Prerequisites
# {doc}`Chapter 3 <03_transfer_functions>` (discrete frequency response), {doc}`chapter 4 <04_bias_at_init>`
# (total variation by band), {doc}`chapter 6 <06_alpha>` ($\alpha$, aliasing) and
# {doc}`chapter 7 <07_sobolev>` (the Sobolev weight).

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
# ## C.1 One channel, three views
#
# The channel has $N = 16$ modes $a_n = x_n + i\,\alpha y_n$ from one initialization, all output weights
# $C_n = 1$ (so that only the poles differ between settings), no skip term, and one step $\Delta t$. Zero-order
# hold gives the discrete poles and weights (chapter 2)
#
# $$
# \bar a_n = e^{a_n \Delta t}, \qquad \bar C_n = C_n\,\frac{e^{a_n\Delta t} - 1}{a_n}, \qquad
# K_l = 2\,\mathrm{Re}\sum_{n} \bar C_n\,\bar a_n^{\,l}, \quad l = 0, \dots, L - 1 .
# $$
#
# **Panel 1, the modes.** Mode $n$ turns by $\alpha y_n \Delta t$ radians per sample and decays by $|x_n|\Delta t$
# per sample. A sampled signal cannot turn faster than $\pi$ per sample: a mode with $\alpha |y_n| \Delta t > \pi$
# *aliases*, and shows at the folded frequency $\omega_n = |\arg \bar a_n| \in [0, \pi]$ (chapter 6). So
# $\alpha$ and $\Delta t$ move the frequencies together, through their product, while only $\Delta t$ changes
# the decay per sample.
#
# **Panel 2, the response.** $\hat K(\omega) = \sum_{l<L} K_l e^{-i\omega l}$ on the layer's FFT grid
# $\omega_k = \pi k / L$, $k = 0, \dots, L$, without and with the Sobolev weight $(1 + |\omega|)^\beta$
# ($\omega$ in rad/sample). That is the layer's weight $(1 + k/M)^\beta$ with $M = L/\pi$, the nominal weight of
# the authors' waves code (chapter 7, section 7.3; the layer's default $M = 2L$ is much flatter).
#
# **Panel 3, the variation.** The total variation $\sum_k |G(\omega_{k+1}) - G(\omega_k)|$ of the weighted
# response $G = (1 + |\omega|)^\beta \hat K$ over five bands, each four times wider than the one below:
# $[0, \pi/256)$, $[\pi/256, \pi/64)$, $[\pi/64, \pi/16)$, $[\pi/16, \pi/4)$, $[\pi/4, \pi]$, as shares of the
# total. A band with a small share is a band the channel barely shapes (chapter 4, section 4.1).
#
# The smallest version of all three, in NumPy, for one setting:

# %%
import math

import numpy as np

init_name, alpha, beta, dt, N, L = "inv", 3.0, 1.0, 0.01, 16, 1024
a = fssm.init.init_A(init_name, N, alpha).numpy()  # c(N): x_n + i alpha y_n
a_bar = np.exp(a * dt)  # c(N) discrete poles
C_bar = (np.exp(a * dt) - 1.0) / a  # c(N), C = 1
K = 2.0 * np.real(C_bar[:, None] * a_bar[:, None] ** np.arange(L)).sum(0)  # r(L)
omega = math.pi * np.arange(L + 1) / L  # r(L+1)
K_hat = np.exp(-1j * omega[:, None] * np.arange(L)) @ K  # c(L+1): the sum over l, no FFT
G = (1.0 + omega) ** beta * K_hat  # weighted response
steps = np.abs(np.diff(G))  # r(L): one per segment [omega_k, omega_k+1)
mids = 0.5 * (omega[1:] + omega[:-1])
edges = [0.0, math.pi / 256, math.pi / 64, math.pi / 16, math.pi / 4, math.inf]
variation = np.array([steps[(mids >= lo) & (mids < hi)].sum() for lo, hi in zip(edges[:-1], edges[1:])])
share_by_hand = variation / variation.sum()
modes_by_hand = np.abs(np.angle(a_bar))
print("modes (rad/sample):", np.array2string(modes_by_hand, precision=3, max_line_width=100))
print("share of the variation per band:", np.array2string(share_by_hand, precision=3))

# %% [markdown]
# **Check.** `fssm.explorer.channel_view` computes the same three views with the library: an `S4DLayer` in
# float64, its response from `fssm.analysis.layer_frequency_response` (the FFT of the kernel), the layer's
# Sobolev weight, and `fssm.analysis.total_variation`. They agree with the NumPy version to $10^{-9}$
# (relative), and the weighted gain equals the response of a layer built with that $\beta$.

# %%
import torch

from fssm import explorer
from fssm.analysis import layer_frequency_response

view = explorer.channel_view(init_name, alpha, beta, dt, N, L)
assert np.allclose(view["omega"], omega, rtol=0, atol=1e-12)
assert np.allclose(view["gain"], np.abs(K_hat), rtol=1e-9, atol=1e-12)
assert np.allclose(view["weighted_gain"], np.abs(G), rtol=1e-9, atol=1e-12)
assert np.allclose(view["mode_omega"], modes_by_hand, rtol=1e-9, atol=1e-12)
assert np.allclose(view["share"], share_by_hand, rtol=1e-9, atol=1e-12)
layer_beta = explorer.channel_layer(init_name, alpha, torch.tensor([dt], dtype=torch.float64), N, L)
layer_beta.beta.fill_(beta)
_, response_beta = layer_frequency_response(layer_beta, L)  # the layer's own filtered path
assert np.allclose(np.abs(response_beta[0].detach().numpy()), view["weighted_gain"], rtol=1e-9, atol=1e-12)
print("channel_view = the NumPy version (modes, response, weighted response, shares) to 1e-9;",
      "weighted gain = the filtered layer's response")

# %% [markdown]
# ## C.2 The explorer
#
# `fssm.explorer.explorer_grid` computes the three views over a grid: 20 values of $\alpha$ ($\log_{10}\alpha$
# from $-1$ to $2.8$), 16 of $\beta$ ($-1$ to $2$), 10 of $\Delta t$ ($\log_{10}\Delta t$ from $-4$ to $-0.4$) and
# four initializations, 12,800 settings. `explorer_chart` draws them as a Vega-Lite figure with Altair; the
# figure's JavaScript is Vega's own bundle, which Altair writes into the page, so the figure needs neither a
# kernel nor a network connection.

# %% tags=["nbval-ignore-output"]
from IPython.display import HTML

grid = explorer.explorer_grid()
figure_html = explorer.chart_html(explorer.explorer_chart(grid))
HTML(figure_html)

# %% [markdown]
# *Figure C.1.* One S4D channel ($N = 16$ modes, $C = 1$, kernel length $L = 1024$) at the setting chosen with
# the sliders; the line above the panels says which. Panel 1: each mode's discrete frequency $\omega_n$
# (rad/sample, log axis; modes below the first FFT bin are drawn at its edge, aliased modes in red at their
# folded frequency) and its decay per sample. Panel 2: $|\hat K(\omega)|$ on the FFT grid without (blue) and
# with (red, dashed) the weight $(1 + |\omega|)^\beta$. Panel 3: share of the weighted response's total
# variation in each band (red) beside the unweighted one (grey, $\beta = 0$). Hover over a point or bar for
# its value. What to try:
#
# - **S4D-Lin, $\Delta t = 10^{-2}$, raise $\alpha$.** The modes march right, evenly spaced; the response's
#   peaks follow them, and the variation moves up the bands. At $\alpha = 10$ the top modes pass $\pi$ and turn
#   red: they fold back onto lower frequencies, and the response above the last unaliased mode fills with
#   their peaks.
# - **Keep $\alpha$, change $\Delta t$.** Panel 1's frequencies move exactly as they did with $\alpha$ (their
#   product is what counts), but the points also rise: a larger step decays each mode more per sample, and the
#   peaks of panel 2 widen. This is why a trainable $\Delta t$ is not a learned $\alpha$ (chapter 13,
#   section 13.5).
# - **Move $\beta$.** The red curve tilts up ($\beta > 0$) or down ($\beta < 0$) about $\omega = 0$, and the
#   red bars move the variation's share towards the top bands or the bottom ones, whatever the modes do.
# - **S4D-Real.** Every mode sits at $\omega = 0$ (no oscillation): $\alpha$ changes nothing at all, and only
#   $\Delta t$ and $\beta$ move the figure.
# - **S4D-Inv and S4D-LegS.** Their modes spread over two decades of frequency at once, so at any $\alpha$
#   a few of them are far above the rest, and alias first.
#
# **Check.** The statements of the caption, over the whole grid: the modes' frequencies depend on
# $\alpha\,\Delta t$ only (wherever neither setting aliases), their decay on $\Delta t$ only; S4D-Lin at
# $\Delta t = 10^{-2}$ first aliases at $\alpha = 10$ on the grid (its top mode, $y = 15\pi$, passes $\pi$ at
# $\alpha = 6.67$); S4D-Real does not depend on $\alpha$; and in every setting the top band's share of the
# variation at $\beta = 2$ is at least that at $\beta = 0$, which is at least that at $\beta = -1$. The grid
# agrees with `channel_view` at sampled settings, and the figure's page weighs less than 5 MB.

# %%
la, bs, ld = grid["log10_alpha"], grid["beta"], grid["log10_dt"]
# alpha up by 2 grid steps (10^0.4) and dt down by one (10^-0.4): the same product alpha * dt
same_w = (grid["mode_omega"][:, 2:, :-1], grid["mode_omega"][:, :-2, 1:])
aliased = grid["mode_aliased"][:, 2:, :-1] | grid["mode_aliased"][:, :-2, 1:]
assert np.allclose(same_w[0][~aliased], same_w[1][~aliased], rtol=1e-9, atol=1e-15)
assert np.allclose(grid["mode_decay"][:, 2:, :-1] / grid["mode_decay"][:, :-2, 1:], 10.0 ** -0.4, rtol=1e-9)
assert np.allclose(grid["mode_decay"], grid["mode_decay"][:, :1], rtol=1e-12)  # decay: not alpha
i_lin, i_real = grid["inits"].index("lin"), grid["inits"].index("real")
d_01 = int(np.argmin(np.abs(ld + 2.0)))
first_alias = 10.0 ** la[np.flatnonzero(grid["mode_aliased"][i_lin, :, d_01].any(-1))[0]]
assert abs(first_alias - 10.0) < 1e-9 and 10.0 ** la[np.flatnonzero(la < 1.0)[-1]] < math.pi / (15 * math.pi * 0.01)
assert np.array_equal(grid["share"][i_real], np.broadcast_to(grid["share"][i_real, :1], grid["share"][i_real].shape))
top = grid["share"][..., -1]  # r(I A D nb): share of the top band
b_m1, b_0, b_2 = (int(np.argmin(np.abs(bs - b))) for b in (-1.0, 0.0, 2.0))
assert (top[..., b_2] >= top[..., b_0] - 1e-9).all() and (top[..., b_0] >= top[..., b_m1] - 1e-9).all()
rng = np.random.default_rng(0)
for _ in range(5):
    i, a_i, d_i, b_i = (int(rng.integers(n)) for n in grid["share"].shape[:4])
    v = explorer.channel_view(grid["inits"][i], 10.0 ** la[a_i], bs[b_i], 10.0 ** ld[d_i])
    assert np.allclose(v["share"], grid["share"][i, a_i, d_i, b_i], rtol=1e-9, atol=1e-12)
    assert np.allclose(v["mode_omega"], grid["mode_omega"][i, a_i, d_i], rtol=1e-9, atol=1e-12)
assert len(figure_html.encode()) < 5e6
print(f"{grid['share'][..., 0, 0].size} settings of (init, alpha, dt), {len(bs)} betas each:",
      "frequencies depend on alpha * dt, decay on dt only; Lin at dt = 0.01 first aliases at alpha = 10;",
      "Real does not depend on alpha; top band's share at beta = 2 >= beta = 0 >= beta = -1 everywhere;",
      "grid = channel_view at 5 random settings; figure under 5 MB")

# %% [markdown]
# ## C.3 The same figure, live, for any value
#
# The grid fixes the values you can choose. In Jupyter or Colab, the cell below draws the same three panels
# with `channel_view` for any $\alpha$, $\beta$ and $\Delta t$ (log-scale sliders for $\alpha$ and $\Delta t$)
# and redraws as you move them. In this page it shows nothing: it needs a running kernel.

# %% tags=["nbval-ignore-output", "remove-output"]
explorer.live_explorer()

# %% [markdown]
# ## Summary
#
# - $\alpha$ and $\Delta t$ place the modes' frequencies through their product $\alpha\,y_n\Delta t$; $\Delta t$
#   alone sets how fast each mode decays per sample.
# - Past $\alpha |y_n| \Delta t = \pi$ a mode aliases: it reappears at a lower frequency, and the response it
#   was meant to give the high band lands elsewhere.
# - $\beta$ reweights the response itself: in every setting of the grid, raising $\beta$ from $-1$ to $0$ to $2$
#   never lowers the top band's share of the variation.
# - An initialization without oscillating modes (S4D-Real) is beyond $\alpha$'s reach.
#
# ## Exercises
#
# **Exercise C.1.** With S4D-Lin at $\Delta t = 10^{-2}$, find on the figure the largest $\alpha$ for which no
# mode aliases, and check it against $\pi / (15\pi\,\Delta t)$.

# %% tags=["hide-input"]
# Solution: the top Lin mode has y = (N - 1) pi = 15 pi; it reaches pi when alpha = 1 / (15 dt) = 6.67.
# On the grid the last alpha below that is 10^0.8 = 6.31, and 10^1 = 10 already aliases.
alias_free = np.flatnonzero(~grid["mode_aliased"][i_lin, :, d_01].any(-1))  # alpha indices without aliasing
print(f"largest alias-free alpha on the grid: {10.0 ** la[alias_free].max():.3g}; 1 / (15 dt) = {1 / (15 * 0.01):.3g}")
