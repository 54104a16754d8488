# %% [markdown]
# # 12. Other SSM families: S4, S5 and selective SSMs
#
# {cite:t}`yu2025tuning` analyse one family: diagonal, linear time-invariant SSMs (S4D). The first question
# their readers ask, and the first open question the paper leaves, is whether the frequency bias and its two
# knobs carry over to the other families. This chapter answers it for three of them, with the book's tools:
#
# - **S4** {cite:p}`gu2022s4`: the state matrix of HiPPO-LegS written as *diagonal plus low rank* (DPLR),
#   $A = \Lambda - pp^*$, its kernel computed with a Cauchy kernel and the Woodbury identity;
# - **S5** {cite:p}`smith2023s5`: one diagonal system of $P$ modes that reads and writes all $H$ channels at
#   once (multi-input, multi-output: MIMO), run as a parallel scan;
# - **selective SSMs** (Mamba's S6, {cite:t}`gu2023mamba`): a diagonal system whose step $\Delta_t$ and
#   input and output vectors $B_t, C_t$ are computed from the input, token by token, so that it is no longer
#   time-invariant. The paper's first author has since built a Mamba variant with a channel-specific bias of
#   its own {cite:p}`yu2025bbmamba`; this chapter studies the plain selective scan.
#
# None of this is in the paper. The derivations and measurements are the book's; the families'
# definitions follow their papers, and where `fssm.families` departs from the reference code it says so
# in its docstrings. For each family we derive the transfer function (or what replaces it), check it
# against the library, measure the bias at initialization band by band as in {doc}`chapter 4
# <04_bias_at_init>`, and run the waves experiment of {doc}`chapter 8 <08_waves>` over three seeds.
#
# ## Learning goals
# - Write the transfer function of a DPLR system with the Woodbury identity, and explain why S4's
#   HiPPO-LegS system has only *real* poles although its diagonal part oscillates.
# - Define a frequency-bias measure for a MIMO system and compute it for S5.
# - Say what a frequency response means for a selective SSM (the system frozen at one step), and what
#   $\alpha$ and $\beta$ can and cannot do there.
# - Read, family by family, whether the low-frequency bias is there at initialization, whether training
#   moves the modes, and whether $\alpha$ and $\beta$ tune it, with the evidence.
#
# ## Prerequisites
# - {doc}`Chapter 3 <03_transfer_functions>` (transfer functions, $\omega = s\,\Delta t$),
#   {doc}`chapter 4 <04_bias_at_init>` (total variation per band), {doc}`chapter 6 <06_alpha>` ($\alpha$),
#   {doc}`chapter 7 <07_sobolev>` ($\beta$) and {doc}`chapter 8 <08_waves>` (the waves experiment).

# %%
# Set-up: where fssm is not importable (Colab, a fresh kernel), install it from the book's
# repository; its requirements are ranges, so Colab's own PyTorch (with its GPU) is kept.
import importlib, importlib.util, shlex, subprocess, sys

PIP_INSTALL = 'pip install -q "fssm @ git+https://github.com/fssm-book/fssm"'
if importlib.util.find_spec("fssm") is None:
    subprocess.run([sys.executable, "-m", *shlex.split(PIP_INSTALL)], check=True)
    importlib.invalidate_caches()
import math
import warnings

import torch

import fssm
from fssm import plot
from fssm.families import response, s4, s5, selective
from fssm.experiments import families, waves

f64, c128 = torch.float64, torch.complex128
warnings.simplefilter("ignore", fssm.AliasingWarning)  # alpha = 100 puts modes above Nyquist on purpose
print(fssm.describe_run())

# %% [markdown]
# ## 12.1 S4: diagonal plus low rank
#
# S4 keeps the HiPPO-LegS matrix $A_{\text{LegS}}$ (size $2N$) but writes it, after a change of basis, as
#
# $$A = \Lambda - p\,p^*, \qquad \Lambda = \operatorname{diag}(\lambda_1, \dots, \lambda_{2N}),$$
#
# with $\Lambda$ the eigenvalues of the normal part of $A_{\text{LegS}}$ (in conjugate pairs, real part
# $-\tfrac12$) and $p$ one vector (rank one). The transfer function of a single channel is
# $G(s) = C\,(sI - A)^{-1} B$. With $R(s) = (sI - \Lambda)^{-1}$, a diagonal matrix, the Woodbury identity
# gives the inverse of the rank-one update $sI - A = R^{-1} + p p^*$:
#
# $$(sI - A)^{-1} = R - \frac{R p\, p^* R}{1 + p^* R p}, \qquad
# G(s) = C R B - \frac{(C R p)(p^* R B)}{1 + p^* R p}.$$
#
# Every term is a sum over the modes, $C R B = \sum_n C_n B_n / (s - \lambda_n)$: this *Cauchy kernel*
# is what S4 evaluates (at the roots of unity, for its discrete kernel). The smallest code, for one channel
# of `fssm.families.s4.S4Kernel` with $N = 4$ (a real state of size 8), against a dense solve and against
# the library:

# %%
dt = waves.BOOK_DT  # the waves experiment's step, used for every family below
fssm.seed_everything(0)
k4 = s4.S4Kernel(1, 4, dt_min=dt, dt_max=dt)
half = k4.dplr(f64)  # the stored halves: Lambda, p, B, C of the N modes with Im > 0
full = lambda v: torch.cat([v[0], v[0].conj()])  # c(2N): the modes and their conjugate partners
lam, p, b, c = (full(half[k]) for k in ("Lambda", "P", "B", "C"))
s_grid = torch.linspace(-60.0, 60.0, 241, dtype=f64)


def G_woodbury(s):
    """G(is) of one S4 channel by the Woodbury identity: O(N) per frequency, no matrix inverse."""
    R = 1.0 / (1j * s[:, None] - lam)  # c(S 2N): the diagonal of (is - Lambda)^-1
    cRb, cRp, pRb, pRp = ((x * R * y).sum(-1) for x, y in ((c, b), (c, p), (p.conj(), b), (p.conj(), p)))
    return cRb - cRp * pRb / (1.0 + pRp)


A_dense = torch.diag(lam) - torch.outer(p, p.conj())  # c(2N 2N)
G_dense = torch.stack([c @ torch.linalg.solve(1j * s * torch.eye(8, dtype=c128) - A_dense, b) for s in s_grid])
G_lib = k4.transfer_function(s_grid)[0]
err_dense = ((G_woodbury(s_grid) - G_dense).abs().max() / G_dense.abs().max()).item()
err_lib = ((G_woodbury(s_grid) - G_lib).abs().max() / G_dense.abs().max()).item()
assert err_dense < 1e-12 and err_lib < 1e-12
assert torch.allclose(A_dense, k4.ssm(f64)["A"][0], atol=1e-12)
print("Woodbury = dense solve = S4Kernel.transfer_function to 1e-12 (relative), on 241 frequencies")

# %% [markdown]
# ### The poles of S4 are real
#
# The diagonal part oscillates: $\operatorname{Im}\lambda_n$ runs up to about $20$ rad/time for $N = 4$.
# But the poles of the system are the eigenvalues of $A$, not of $\Lambda$, and $A$ is similar to
# $A_{\text{LegS}}$, which is lower triangular with diagonal $-(1, 2, \dots, 2N)$. So **every pole of S4's
# HiPPO-LegS system is real**: the rank-one term cancels the oscillation of $\Lambda$ exactly, and at
# initialization S4 is a sum of first-order low-pass filters, a stronger low-frequency bias than S4D's
# diagonal approximation (which keeps $\Lambda$ and drops $pp^*$).
#
# Scaling the initialization by $\alpha$ multiplies $\operatorname{Im}\Lambda$ but not $p$: the
# cancellation breaks, and the poles leave the real axis. The cell below follows them as $\alpha$ grows
# from 1.

# %%
def s4_poles(alpha, N=4):
    """Eigenvalues c(2N) of S4's A = diag(Lambda, conj Lambda) - p p^* with Im(Lambda) scaled by alpha, built
    in float64 from `s4.legs_nplr` (the same system S4Kernel stores, without its float32 rounding: the
    cancellation at alpha = 1 is exact only in exact arithmetic, and the poles of this non-normal matrix are
    sensitive to it)."""
    nplr = s4.legs_nplr(N)
    lam_a = fssm.init.scale_imag(nplr["Lambda"], alpha)
    A, _, _ = s4.dplr_dense(lam_a[None], nplr["P"][None], nplr["B"][None], nplr["B"][None])
    return torch.linalg.eigvals(A[0])


alphas_s4 = [1.0, 1.001, 1.01, 1.1, 1.5, 2.0, 3.0, 5.0, 10.0]
poles_s4 = {a: s4_poles(a) for a in alphas_s4 + [100.0]}
e1 = poles_s4[1.0]
assert e1.imag.abs().max() < 1e-6
assert torch.allclose(e1.real.sort().values, -torch.arange(8, 0, -1, dtype=f64), atol=1e-6)
print("alpha = 1: poles " + ", ".join(f"{x:.0f}" for x in e1.real.sort().values.tolist()) + " (all real)")
lam_imag = s4.legs_nplr(4)["Lambda"].imag
for a in (10.0, 100.0):
    upper = poles_s4[a][poles_s4[a].imag > 0]
    upper = upper[torch.argsort(upper.imag)]
    assert len(upper) == 4 and ((upper.imag - a * lam_imag).abs() / (a * lam_imag)).max() < 0.03
    print(f"alpha = {a:g}: poles with Im > 0: " + ", ".join(f"{z.real:.1f}{z.imag:+.1f}i" for z in upper.tolist())
          + f"; alpha Im(Lambda) = " + ", ".join(f"{v:.1f}" for v in (a * lam_imag).tolist()))
print("alpha = 10 and 100: Im of the poles within 3 % of alpha Im(Lambda)")

# %%
fig, ax = plot.figure(width=6.4, height=3.4)
for i, a in enumerate(alphas_s4):
    e = poles_s4[a]
    ax.scatter(e.real, e.imag, s=14, color=plot.plt.cm.viridis(i / (len(alphas_s4) - 1)), label=f"{a:g}")
ax.set_xlabel("Re (rad/time)")
ax.set_ylabel("Im (rad/time)")
ax.legend(title="alpha", fontsize=7, ncol=1, loc="upper left", bbox_to_anchor=(1.0, 1.0))
ax.set_title("Figure 12.1: poles of S4 (HiPPO-LegS, N = 4) as alpha grows", fontsize=10, loc="left")
plot.plt.show()

# %% [markdown]
# *Figure 12.1.* The eight poles of one S4 channel ($N = 4$ modes, a real state of size 8) for $\alpha$ from
# 1 to 10. At $\alpha = 1$ they sit on the real axis at $-1, \dots, -8$. Already at $\alpha = 1.01$ they
# split into conjugate pairs, and by $\alpha = 10$ each pair sits within a few percent of
# $\pm i\alpha\operatorname{Im}\lambda_n$ with a small real part: the system then behaves like S4D with the
# same $\Lambda$. For S4, then, $\alpha$ is not a small change of a bias that is already there: it switches
# from a purely real (non-oscillating) system to an oscillating one.
#
# ## 12.2 S5: one system for all channels
#
# S5 runs one diagonal system of $P$ modes, $x_t = \bar A x_{t-1} + \bar B u_t$, $y_t = 2\operatorname{Re}(C
# x_t) + D u_t$, with $\bar B \in \mathbb{C}^{P \times H}$ reading all $H$ input channels and $C \in
# \mathbb{C}^{H \times P}$ writing all of them. Its transfer function is an $H \times H$ matrix,
#
# $$G(s) = \sum_{p=1}^{P} \frac{C_{:p} B_{p:}}{s - a_p} + \text{conjugates},$$
#
# a sum of rank-one matrices, one per mode. Its initialization is S4's $\Lambda$ (S5's "HiPPO-N": the normal
# part of HiPPO-LegS) *without* the low-rank term, so S5's poles are $\Lambda$ itself and do oscillate, and
# $\alpha$ scales them as it scales S4D's.
#
# **A bias measure for a matrix.** For S4D, chapter 4 measured how much $G$ changes across a band by its
# total variation $\int |G'(s)|\,ds$. For a matrix we take the same integral with the Frobenius norm,
# $\int \|G'(s)\|_F\,ds$. Why this norm: an input of unit norm in a random direction $v$ passes through as
# $G(s)v$, and the mean of $\|dG\,v\|^2$ over directions is $\|dG\|_F^2 / H$, so the Frobenius variation
# measures how much the layer can treat neighbouring frequencies differently, averaged over what it reads
# (the spectral norm would measure the single most favourable direction instead).
# `fssm.analysis.total_variation(..., value_dims=2)` computes it. The transfer matrix by hand, against the
# layer's `transfer_function` and against the FFT of its convolution kernel:

# %%
fssm.seed_everything(0)
layer5 = s5.S5Layer(3, 4, dt_min=dt, dt_max=dt)  # H = 3 channels, P = 4 modes
sys5 = layer5.ssm(f64)  # {'A': c(P), 'B': c(P H), 'C': c(H P), 'D', 'dt'}
A5, B5, C5 = sys5["A"], sys5["B"], sys5["C"]


def G_s5(s):
    """c(H H S): sum over modes of the rank-one residues C_p B_p / (is - a_p), plus the conjugates."""
    residues = C5.T[:, :, None] * B5[:, None, :]  # c(P H H): C_{:p} B_{p:}
    terms = residues[..., None] / (1j * s - A5[:, None, None, None])  # c(P H H S)
    return (terms + residues.conj()[..., None] / (1j * s - A5.conj()[:, None, None, None])).sum(0)


s_time = torch.linspace(-40.0, 40.0, 161, dtype=f64)
assert torch.allclose(G_s5(s_time), layer5.transfer_function(s_time, units="time"), rtol=1e-12, atol=1e-12)
# the discrete side: the closed-form response of the length-L kernel equals the FFT of conv_kernel(L)
L_chk = 512
omega_fft, spec_fft = response.kernel_spectrum(layer5, L_chk, oversample=2)
spec_closed = layer5.frequency_response(omega_fft, L=L_chk)
rel = ((spec_fft - spec_closed).abs().max() / spec_closed.abs().max()).item()
assert rel < 1e-5, rel  # the kernel is built in float32, the closed form in float64
print("G by hand = S5Layer.transfer_function (within 1e-12); FFT of the kernel = closed form (relative error below 1e-5)")

# %% [markdown]
# ## 12.3 Selective SSMs: the system frozen at one step
#
# The selective scan updates $x_t = e^{\Delta_t a} x_{t-1} + \Delta_t B_t u_t$ and reads
# $y_t = \operatorname{Re}\langle C_t, x_t\rangle + D u_t$, with $\Delta_t, B_t, C_t$ computed from $u_t$.
# For given $(\Delta, B, C)$ this is linear in $u$, but they depend on $u$: there is no transfer function.
# What does carry over is the **frozen system**: fix $(\Delta, B, C)$ at one token's values (or at their
# values at initialization) and the recurrence is LTI with kernel
# $K_l = \operatorname{Re}\sum_n C_n e^{l\Delta a_n} \Delta B_n$ and discrete poles $z_n = e^{\Delta a_n}$,
# at $\omega_n = \Delta \operatorname{Im} a_n$ rad/sample. It is *the* system whenever the selection is
# constant, which the check below uses: a scan with constant $(\Delta, B, C)$ equals the convolution with
# the frozen kernel.
#
# What frequency bias means here, then: per frozen system, the same as for S4D. Two things are new.
# (i) Mamba's default $A$ is real ($a_n = -(n+1)$, "S4D-Real"): every frozen system is a sum of low-pass
# modes, and $\alpha$ has nothing to scale. With complex $A$ (S4D-Lin, $a_n = -\tfrac12 + i\alpha\pi n$)
# $\alpha$ moves the modes as in S4D. (ii) $\Delta_t$ is chosen per token, so the selection rescales the
# frequency axis token by token: the bias is no longer a property of the weights alone.
#
# **$\beta$ without a kernel.** The Sobolev filter multiplies a kernel's spectrum by $(1 + k/M)^\beta$;
# the selective scan has no kernel. What carries over is the same weight on the *input's* spectrum before
# the scan (`selective.sobolev_preemphasis`). For a frozen system this equals filtering the kernel, except
# for the part of the zero-phase weight that falls at negative times, which a causal scan cannot see
# (the library's tests bound it); for the selective system it changes what the model reads, while
# $\Delta, B, C$ are still selected from the raw input.

# %%
fssm.seed_everything(0)
H6, N6, L6 = 3, 4, 64
mixer = selective.SelectiveSSM(H6, N6, dt_min=0.01, dt_max=0.1).double()
A6 = mixer.ssm()["A"]  # c(H N), S4D-Lin
delta6 = torch.tensor([0.02, 0.05, 0.1], dtype=f64)  # one step per channel
B6, C6 = torch.randn(N6, dtype=c128), torch.randn(N6, dtype=c128)
u6 = torch.randn(2, H6, L6, dtype=f64)
y_scan = selective.selective_scan_reference(u6, delta6[None, :, None].expand(2, H6, L6), A6,
                                            B6[None, :, None].expand(2, N6, L6), C6[None, :, None].expand(2, N6, L6))
K6 = selective.frozen_kernel(A6, delta6, B6, C6, L6)  # r(H L)
y_conv = torch.stack([torch.stack([torch.nn.functional.conv1d(u6[b, h][None, None], K6[h].flip(-1)[None, None],
                                                              padding=L6 - 1)[0, 0, :L6] for h in range(H6)])
                      for b in range(2)])
assert torch.allclose(y_scan, y_conv, atol=1e-12)
print("a selective scan with constant (delta, B, C) = the convolution with the frozen kernel (within 1e-12)")

# %% [markdown]
# ## 12.4 The bias at initialization, family by family
#
# We now compare the four families as the waves experiment of chapter 8 builds them: $H = 16$ channels,
# $N = 4$ modes per channel (S5: $P = 4$ modes shared by all channels), the same fixed step
# $\Delta t = 2^{-10}$ for every family (S4, S5: `dt_min = dt_max`; selective: the step on a zero input),
# and each family's own initialization: S4D with the paper's waves init $a_n = -\tfrac12 + i\pi(1.3 + n)$,
# S4 with HiPPO-LegS, S5 with HiPPO-N, the selective mixer with S4D-Lin (complex) and S4D-Real (real), at
# $B = C = 1$ (the frozen system's default: every mode weighted alike; on a zero input $B_t = C_t = 0$).
#
# The measure (`fssm.families.response`) is chapter 4's total variation, on the discrete frequency axis
# $\omega \in [0, \pi]$ rad/sample, of each family's kernel spectrum (per channel; S5's matrix in the
# Frobenius norm), in four bands, one around each wave of the waves experiment (edges at the geometric means
# of neighbouring waves). The kernel is taken long enough ($L = 2^{16}$) that every mode has decayed by
# $e^{-30}$ or more, so the spectrum is the system's, not a truncation artefact. The table gives each band's
# share of the total variation, averaged over channels, for $\alpha = 1, 10, 100$ and three seeds.

# %%
from IPython.display import HTML
from fssm.experiments import common

freqs_omega = [f * dt for f in waves.BOOK_FREQS]  # the waves, in rad/sample
edges = [0.0] + [math.sqrt(a * b) for a, b in zip(freqs_omega, freqs_omega[1:])] + [math.pi + 1e-9]
wave_bands = list(zip(edges, edges[1:]))
FAMILY_NAMES = families.DISPLAY_NAMES  # {family: the name the book gives it}


def init_layer(family, alpha, seed):
    """The family's SSM layer exactly as the waves experiment builds it (H = 16, N = 4, step dt)."""
    fssm.seed_everything(seed)
    cfg = families.FamiliesWavesConfig.for_scale("book", family=family, alpha=alpha)
    return families.FamilyWavesModel(cfg).ssm


L_long = 2 ** 16
shares = {(fam, a, seed): response.band_shares(response.variation_per_band(init_layer(fam, a, seed), L_long,
                                                                            wave_bands, oversample=2))
          for fam in FAMILY_NAMES for a in (1.0, 10.0, 100.0) for seed in (0, 1, 2)}
print("band edges (rad/sample): " + ", ".join(f"{e:.4f}" for e in edges[:-1]) + ", pi")
print("share of the total variation in the band of each wave, mean of 3 seeds; bands 3+4: min-max over the seeds")
band_rows = []
for fam, name in FAMILY_NAMES.items():
    for a in (1.0, 10.0, 100.0):
        S = torch.stack([shares[(fam, a, seed)] for seed in (0, 1, 2)])  # r(3 bands)
        high = S[:, 2:].sum(1)
        band_rows.append([name, f"{a:g}"] + [f"{v:.2f}" for v in S.mean(0).tolist()]
                         + [f"{high.min():.2f}-{high.max():.2f}"])
HTML(common.html_table(["family", "alpha"] + [f"wave {w + 1}" for w in range(len(wave_bands))] + ["bands 3+4"],
                       band_rows))  # the cell's value: shown as a table

# %% [markdown]
# **Check.** What the table shows, asserted in every seed:
#
# - at $\alpha = 1$ every family is biased low: the bands of waves 3 and 4 hold less than 5 % of the
#   variation;
# - $\alpha = 100$ moves most of it there (more than half) in every family with complex modes: S4D, S4, S5 and
#   the complex selective mixer;
# - with real $A$ the selective mixer's shares do not depend on $\alpha$ at all (nothing to scale);
# - S4 at $\alpha = 1$ holds more of its variation in the lowest band than S4D: its real poles make it the
#   most low-pass of the complex families.

# %%
for seed in (0, 1, 2):
    for fam in FAMILY_NAMES:
        assert shares[(fam, 1.0, seed)][2:].sum() < 0.05, (fam, seed)
        if fam != "selective-real":
            assert shares[(fam, 100.0, seed)][2:].sum() > 0.5, (fam, seed)
    for a in (10.0, 100.0):
        assert torch.allclose(shares[("selective-real", a, seed)], shares[("selective-real", 1.0, seed)], atol=1e-12)
    assert shares[("s4", 1.0, seed)][0] > shares[("s4d", 1.0, seed)][0]
print("alpha = 1: bands 3-4 < 5 % in every family; alpha = 100: > 50 % in every complex family; real A: no "
      "change with alpha; S4's lowest band > S4D's (3 seeds)")

# %%
fig, ax = plot.figure(width=9.0, height=3.2)
band_colors = ["#d0d0d0", "#9ecae1", "#3182bd", "#08306b"]
x, ticks, labels = 0.0, [], []
for fam, name in FAMILY_NAMES.items():
    for a in (1.0, 10.0, 100.0):
        S = torch.stack([shares[(fam, a, seed)] for seed in (0, 1, 2)]).mean(0)
        bottom = 0.0
        for w, (v, col) in enumerate(zip(S.tolist(), band_colors)):
            ax.bar(x, v, bottom=bottom, color=col, width=0.8, label=f"band of wave {w + 1}" if x == 0.0 else None)
            bottom += v
        ticks.append(x)
        labels.append(f"{a:g}")
        x += 1.0
    ax.text(x - 2.0, 1.04, name, ha="center", fontsize=8)
    x += 0.6
ax.set_xticks(ticks, labels, fontsize=7)
ax.set_xlabel("alpha, per family")
ax.set_ylabel("share of the variation")
ax.set_ylim(0, 1.12)
ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
ax.set_title("Figure 12.2: where each family can shape its response at initialization", fontsize=10, loc="left",
             pad=14)
plot.plt.show()

# %% [markdown]
# *Figure 12.2.* Share of the total variation of the kernel's spectrum in the band of each wave (mean of
# three seeds), per family and $\alpha$, at the waves experiment's sizes and step. Dark is high frequency.
# At $\alpha = 1$ all five are low-pass; $\alpha$ moves the complex families up; the real selective mixer
# does not move. The complex selective mixer keeps a quarter of its variation in the lowest band at every
# $\alpha$: S4D-Lin's first mode $a_0 = -\tfrac12$ has no imaginary part for $\alpha$ to scale.

# %% [markdown]
# ## 12.5 The waves experiment, family by family
#
# Now the bias in training. `fssm.experiments.families` runs chapter 8's waves experiment with the S4D
# layer replaced by one layer of each family, and nothing else changed: the same data (four cosines at
# $\pi, 8\pi, 64\pi, 512\pi$ rad/time, $L = 2048$), the same encoder, GELU and decoder, the same step
# $\Delta t = 2^{-10}$ (fixed), the same learning rates for the poles and for everything else, 20 epochs
# at book scale. Each family keeps its own initialization (section 12.4). The selective mixer is the S6
# scan alone, without Mamba's gate, convolution and projections (the library's docstring says why), and
# its step $\Delta_t$ now depends on the input.
#
# One sweep of four configurations per family, $(\alpha, \beta) \in \{(1, 0), (10, 0), (100, 0), (100, 1)\}$,
# three seeds each, takes about half an hour on two CPU cores (the selective scan most of it), too long to
# run while the page executes; the chapter reads the stored sweep, written by the command below, with its
# provenance. The S4D row comes from chapter 8's stored sweep, which is the same experiment
# (`families.FamilyWavesModel` builds exactly `waves.WavesModel` for S4D, and the tests check that both
# give the same runs).
#
# ```
# python -m fssm.experiments.families --scale book --families selective selective-real s4 s5 \
#     --configs 1,0 10,0 100,0 100,1 --jobs 2 --out results
# ```

# %% tags=["stored-results"]
from IPython.display import HTML
from fssm.experiments import claims, common, families, waves

stored_fam = common.read_results("families-waves", "book")
stored_s4d = common.read_results("waves", "book")
assert stored_fam is not None and stored_s4d is not None, "results/families-waves-book.json or waves-book.json is missing"
print(common.describe_stored(stored_fam, "families-waves", "book"))
print(common.describe_stored(stored_s4d, "waves", "book"))
rows = families.summary(stored_fam, s4d_stored=stored_s4d)
configs_shown = [(1.0, 0.0), (10.0, 0.0), (100.0, 0.0), (100.0, 1.0)]
print(f"final test MAE per wave, mean of {len({r['seed'] for r in stored_fam['runs']})} seeds "
      f"(chance {waves.chance_mae():.3f}; learned < {claims.LEARNED:g})")
mae_rows = []
for row in rows:
    for cfg_key in configs_shown:
        mae = row["mae"].get(cfg_key)
        if mae is not None:
            mae_rows.append([families.DISPLAY_NAMES[row["family"]], f"{cfg_key[0]:g}", f"{cfg_key[1]:g}"]
                            + [f"{v:.3f}" for v in mae])
mae_head = ["family", "alpha", "beta"] + [f"wave {w + 1}" for w in range(len(stored_fam["config"]["freqs"]))]
HTML(common.html_table(mae_head, mae_rows))  # the cell's value: shown as a table

# %% [markdown]
# **Reading the table.** The three LTI families behave alike when untuned: S4D, S4 and S5 learn waves 1 and
# 2 and not 3 and 4, in every seed, as their initial bias predicts. They part ways under $\alpha = 10$. S4D
# (the paper's waves init, modes evenly spaced) moves its modes between waves 2 and 3 and loses wave 1
# (chapter 8). S4 and S5 learn *all four* waves in every seed: their HiPPO modes are spread quadratically
# ($\operatorname{Im}\lambda_n$ from about $0.4$ to $20$ for $N = 4$), so $\alpha = 10$ stretches them over
# waves 1 to 3 instead of moving them past wave 1. Placement, not only scale, decides what $\alpha$ buys.
#
# The selective families do not fit the LTI picture. With real $A$, which has no oscillating mode at all
# and whose runs are identical at every $\alpha$ (nothing to scale), every seed learns a fast wave better
# than any LTI run does untuned; with complex $A$, one seed in three learns wave 4. Their errors also vary
# far more from seed to seed. The subsection after the check shows why.
#
# **Check.** Asserted over the three seeds of the stored runs (each line of the list, in every seed):
#
# - S4D, S4 and S5 at $(1, 0)$: waves 1 and 2 learned, waves 3 and 4 not;
# - S4 and S5 at $(10, 0)$: all four waves learned; S4D at $(10, 0)$: wave 1 no longer learned;
# - the selective mixer with real $A$: the same runs at $\alpha = 1, 10, 100$ (bit for bit), and at
#   $(1, 0)$ wave 3 or 4 below the best error of any untuned LTI run on those waves;
# - both selective mixers at $(1, 0)$: wave 1 learned.

# %%
import numpy as np

E_fam = {fam: common.group_runs([r for r in stored_fam["runs"] if r["family"] == fam], "final_test_mae")
         for fam in ("s4", "s5", "selective", "selective-real")}
E_fam["s4d"] = common.group_runs(stored_s4d["runs"], "final_test_mae")
learned, not_learned = claims.LEARNED, claims.NOT_LEARNED
for fam in ("s4d", "s4", "s5"):
    base = E_fam[fam][(1.0, 0.0)]  # r(seeds waves)
    assert (base[:, :2] < learned).all() and (base[:, 2:] > not_learned).all(), fam
for fam in ("s4", "s5"):
    assert (E_fam[fam][(10.0, 0.0)] < learned).all(), fam
assert (E_fam["s4d"][(10.0, 0.0)][:, 0] > learned).all()
real = E_fam["selective-real"]
assert all(np.array_equal(real[(a, 0.0)], real[(1.0, 0.0)]) for a in (10.0, 100.0))
best_lti_fast = min(E_fam[fam][(1.0, 0.0)][:, 2:].min() for fam in ("s4d", "s4", "s5"))
assert (real[(1.0, 0.0)][:, 2:].min(1) < best_lti_fast).all()
for fam in ("selective", "selective-real"):
    assert (E_fam[fam][(1.0, 0.0)][:, 0] < learned).all(), fam
print(f"LTI families untuned: waves 1-2 learned, 3-4 not (3 seeds); S4 and S5 at alpha 10: all four learned; "
      f"S4D at alpha 10: wave 1 lost; real selective: alpha changes nothing, and every seed beats the best "
      f"untuned LTI error on a fast wave ({best_lti_fast:.3f}); both selective mixers learn wave 1")

# %% [markdown]
# ### Why a selective model is not bound by its frozen bias
#
# An LTI layer maps a cosine to a cosine of the same frequency: whatever its poles, the response to wave 4
# has no power below wave 4's band (except a short transient at the start). A selective layer multiplies:
# $B_t u_t$ is a product of two functions of the input, and so are $C_t x_t$ and $e^{\Delta_t a}$; a product
# of two cosines at $\omega$ holds a component at $0$ and at $2\omega$. So the selective mixer *creates* low
# frequencies from a high one, with a power that grows like the square of the product, $A^4$ for a wave of
# amplitude $A$ (its share of the output, like $A^2$). The low-frequency system downstream can then read the
# fast wave's amplitude at low frequency. The cell measures it at initialization (the waves model's encoder
# and layer, three seeds): the share of the power of the layer's response to wave 4 alone (minus its
# response to a zero input) that falls below wave 4's band, for $A = 0.5$ and $A = 1$.

# %%
t_w = torch.arange(2048, dtype=f64) * dt
wave4 = waves.BOOK_FREQS[3]
k_wave4 = round(wave4 * dt * 2048 / (2 * math.pi))  # its rfft bin: 512 whole periods in the window


def low_share(family, seed, amplitude):
    """Share of the power of (response to A cos(wave 4) - response to 0) below wave 4's band (bins < k - 64)."""
    fssm.seed_everything(seed)
    if family == "s4d":  # the LTI linear part alone (no GELU, no mixing)
        layer = fssm.S4DLayer(16, 4, init=waves.paper_init(4), dt_min=dt, dt_max=dt, activation=None, mixing=None)
    else:
        layer = selective.SelectiveSSM(16, 4, complex=family == "selective", dt_min=dt, dt_max=dt)
    layer, encoder = layer.double(), torch.nn.Linear(1, 16).double()
    with torch.no_grad():
        run_on = lambda a: layer(encoder((a * torch.cos(wave4 * t_w))[None, :, None]).transpose(1, 2))[0]
        power = torch.fft.rfft(run_on(amplitude) - run_on(0.0), dim=-1).abs().square()  # r(H bins)
    return (power[:, :k_wave4 - 64].sum() / power.sum()).item()


mixing = {(fam, seed, a): low_share(fam, seed, a) for fam in ("s4d", "selective", "selective-real")
          for seed in (0, 1, 2) for a in (0.5, 1.0)}
for fam in ("s4d", "selective", "selective-real"):
    print(f"{families.DISPLAY_NAMES[fam]:22s} share below wave 4's band, A = 0.5 -> 1 (seeds 0, 1, 2): "
          + "; ".join(f"{mixing[(fam, s, 0.5)]:.1e} -> {mixing[(fam, s, 1.0)]:.1e}" for s in (0, 1, 2)))
for seed in (0, 1, 2):
    lti = (mixing[("s4d", seed, 0.5)], mixing[("s4d", seed, 1.0)])
    assert max(lti) < 1e-4 and abs(lti[1] / lti[0] - 1) < 1e-6  # linear: the same share at any amplitude
    for fam in ("selective", "selective-real"):
        assert mixing[(fam, seed, 1.0)] > 3 * mixing[(fam, seed, 0.5)] > 3e-5, (fam, seed)
print("S4D: under 1e-4, the same at both amplitudes (a transient); selective: at least 3x more when A doubles")

# %% [markdown]
# ## 12.6 Do the poles move?
#
# Chapter 5 found that S4D's poles barely move in training: the bias set at initialization stays. The
# figure shows, for seed 0 at $(\alpha, \beta) = (1, 0)$, every family's poles before and after training on
# the frequency axis, with the four waves; the table after it, for every seed, how far the highest pole
# travelled towards wave 3 (`families.top_mode_travel`: 0 it stayed, 1 it got there).

# %% tags=["stored-results"]
import numpy as np
from IPython.display import HTML

fig, ax = plot.figure(width=9.0, height=3.0)
runs_by_family = {"s4d": stored_s4d["runs"]}
for r in stored_fam["runs"]:
    runs_by_family.setdefault(r["family"], []).append(r)
for i, (fam, name) in enumerate(families.DISPLAY_NAMES.items()):
    r = next(r for r in runs_by_family[fam] if (r["alpha"], r["beta"], r["seed"]) == (1.0, 0.0, 0))
    start, end = families.poles_imag(r)
    start, end = start[start >= 0], end[end >= 0]  # the conjugate partners mirror them
    ax.scatter(np.maximum(start, 0.3), np.full(len(start), i + 0.12), marker="|", s=60, color="0.5",
               label="before training" if i == 0 else None)
    ax.scatter(np.maximum(end, 0.3), np.full(len(end), i - 0.12), marker="|", s=60, color=plot.COLORS[i],
               label="after 20 epochs" if i == 0 else None)
for w, f in enumerate(waves.BOOK_FREQS):
    ax.axvline(f, color="k", lw=0.8, ls=":")
    ax.text(f, len(families.DISPLAY_NAMES) - 0.4, f"wave {w + 1}", fontsize=7, ha="center")
ax.set_xscale("log")
ax.set_xlim(0.25, 3000)
ax.set_yticks(range(len(families.DISPLAY_NAMES)), list(families.DISPLAY_NAMES.values()), fontsize=8)
ax.set_xlabel("Im of the poles (rad/time; 0 drawn at 0.3)")
ax.legend(fontsize=7, loc="lower right")
ax.set_title("Figure 12.3: poles before and after training, (alpha, beta) = (1, 0), seed 0", fontsize=10, loc="left",
             pad=16)
plot.plt.show()
wave3 = stored_fam["config"]["freqs"][2]
travel_seeds = sorted({r["seed"] for r in stored_fam["runs"]})
travel_rows = []
for fam, name in families.DISPLAY_NAMES.items():
    untuned = [r for r in runs_by_family[fam] if (r["alpha"], r["beta"]) == (1.0, 0.0)]
    shares_travel = [families.top_mode_travel(r, wave3) for r in untuned]
    by_seed = {r["seed"]: v for r, v in zip(untuned, shares_travel)}
    travel_rows.append([name] + [f"{by_seed[s]:.2f}" for s in travel_seeds])
print("(alpha, beta) = (1, 0): the top pole's share of the way from its start to wave 3")
HTML(common.html_table(["family"] + [f"seed {s}" for s in travel_seeds], travel_rows))  # the cell's value: a table

# %% [markdown]
# ## 12.7 Summary: family by family
#
# The table collects the chapter's evidence. *Bias at init* is section 12.4's share of the variation in the
# bands of waves 3 and 4 (largest over the three seeds) at $\alpha = 1$ and at $\alpha = 100$; the other
# columns apply chapter 11's criteria to the stored waves runs, seed by seed (`families.summary`): a wave is
# learned below a final test error of 0.05 and not learned above 0.10; $\alpha > 1$ *helps a higher wave*
# in a seed when, against $\alpha = 1$ with the same seed, a wave above the untuned model's learned ones
# gets better by at least 0.02 (the cell also counts the seeds in which wave 1 gets worse by 0.02, the
# price of the paper's trade; chapter 11's "shift" asks for both); $\beta > 0$ helps when some wave
# above the lowest gets better by 0.02 against $\beta = 0$ at the same $\alpha$; the poles *move* when the
# top pole travels
# a quarter of the way to wave 3 or more.

# %%
from IPython.display import HTML

init_high = {fam: (max(float(shares[(fam, 1.0, s)][2:].sum()) for s in (0, 1, 2)),
                   max(float(shares[(fam, 100.0, s)][2:].sum()) for s in (0, 1, 2))) for fam in FAMILY_NAMES}
HTML(families.summary_table(rows, init_high, FAMILY_NAMES))  # the cell's value: shown as a table

# %% [markdown]
# ## Summary
# - **S4.** The DPLR form $A = \Lambda - pp^*$ gives the transfer function by the Woodbury identity, a
#   Cauchy sum per frequency. HiPPO-LegS's poles are real, $-1, \dots, -2N$: at initialization S4 is a sum of
#   low-pass modes, more strongly biased to low frequencies than S4D's diagonal approximation. Scaling
#   $\operatorname{Im}\Lambda$ by $\alpha$ breaks the cancellation, and the poles move to about
#   $\pm i\alpha\operatorname{Im}\lambda_n$.
# - **S5.** One MIMO system; its transfer function is an $H \times H$ sum of rank-one residues. The bias
#   measure is the variation of the matrix in the Frobenius norm; $\alpha$ scales its modes as in S4D, and
#   $\beta$ acts on the input (the same product as on the kernel).
# - **Selective SSMs.** No transfer function; the frozen system at one step is LTI, with modes at
#   $\omega_n = \Delta\operatorname{Im}a_n$. With real $A$ (Mamba's default) every frozen system is low-pass
#   and $\alpha$ has nothing to scale; with complex $A$ it moves the modes. $\beta$ carries over only as a
#   pre-emphasis of the input.
# - At initialization every family is biased to the low band in the waves setting; $\alpha = 100$ moves
#   most of the variation of every complex family to the high bands (section 12.4).
# - In training (waves, book scale, three seeds) the LTI families keep the bias and their poles barely
#   move; $\alpha$ tunes it, and how much it buys depends on where the modes sit: S4's and S5's spread
#   HiPPO modes learn all four waves at $\alpha = 10$ where S4D's evenly spaced ones trade wave 1 for wave 3.
# - A selective SSM is not bound by the bias of its frozen system: its input-dependent products move a
#   fast wave's energy to low frequencies, so even the real-$A$ mixer, which has no oscillating mode, learns
#   fast waves better than any untuned LTI run, unevenly across seeds. For selective models, the
#   frequency bias of the paper describes each frozen system, not the model.
#
# ## Exercises
#
# **Exercise 12.1 (why LegS's poles are real).** The HiPPO-LegS matrix has entries
# $-\sqrt{(2n+1)(2k+1)}$ below the diagonal, $-(n+1)$ on it and 0 above. What are its eigenvalues? Check with
# `fssm.init.hippo_legs` and with the DPLR form that `s4.legs_nplr` builds from it.

# %% tags=["hide-input"]
# Solution: the matrix is lower triangular, so its eigenvalues are its diagonal entries -(n + 1). The DPLR
# form is the same matrix in another (unitary) basis, so it has the same eigenvalues.
N_e = 6
legs_e = fssm.init.hippo_legs(2 * N_e)
assert torch.equal(legs_e, torch.tril(legs_e))
nplr_e = s4.legs_nplr(N_e)
V_e = torch.cat([nplr_e["V"], nplr_e["V"].conj()], dim=1)  # c(2N 2N), unitary
A_e, _, _ = s4.dplr_dense(nplr_e["Lambda"][None], nplr_e["P"][None], nplr_e["B"][None], nplr_e["B"][None])
assert torch.allclose(V_e @ A_e[0] @ V_e.conj().T, legs_e.to(c128), atol=1e-10)
print("HiPPO-LegS is lower triangular: eigenvalues", [-(n + 1) for n in range(2 * N_e)],
      "; the DPLR form is the same matrix in a unitary basis")

# %% [markdown]
# **Exercise 12.2 (S5 with one channel is S4D).** Show that an S5 layer with $H = 1$ has the transfer
# function of an S4D channel with the same poles and with $C_n \leftarrow C_{1n} B_{n1}$. Check it against
# `fssm.analysis.transfer_function`.

# %% tags=["hide-input"]
# Solution: with H = 1 every residue C_{:p} B_{p:} is the number C_1p B_p1, and G(s) = sum_p C_1p B_p1 / (s - a_p)
# + conjugates, which is S4D's transfer function with those weights.
fssm.seed_everything(3)
one = s5.S5Layer(1, 5, dt_min=dt, dt_max=dt)
sys1 = one.ssm(f64)
s_e = torch.linspace(-30.0, 30.0, 121, dtype=f64)
G_s4d = fssm.analysis.transfer_function(sys1["A"][None], (sys1["C"][0] * sys1["B"][:, 0])[None], s_e)[0]
assert torch.allclose(one.transfer_function(s_e, units="time")[0, 0], G_s4d, rtol=1e-12, atol=1e-12)
print("S5 with one channel = S4D with weights C_1p B_p1 (121 frequencies, within 1e-12)")

# %% [markdown]
# **Exercise 12.3 (the selection moves the axis).** A selective mixer's frozen system at step $\Delta$ has its
# modes at $\omega_n = \Delta\operatorname{Im}a_n$. Double $\Delta$: where do the peaks of $|K^\wedge|$ go, and what
# happens to their width? Check with `SelectiveSSM.frozen_transfer` for one channel.

# %% tags=["hide-input"]
# Solution: every pole z_n = exp(Delta a_n) moves to exp(2 Delta a_n): its angle doubles (the peak moves to
# 2 omega_n) and its radius squares (the peak widens: the half-width ~ Delta |Re a_n| doubles too).
fssm.seed_everything(0)
mix_e = selective.SelectiveSSM(1, 4, alpha=4.0, dt_min=0.05, dt_max=0.05).double()
omega_e = torch.linspace(0.0, math.pi, 20001, dtype=f64)
peaks = []
for scale in (1.0, 2.0):
    delta_e = torch.full((1,), 0.05 * scale, dtype=f64)
    mag = mix_e.frozen_transfer(omega_e, delta=delta_e)[0].abs()
    inner = (mag[1:-1] > mag[:-2]) & (mag[1:-1] > mag[2:])  # local maxima
    peaks.append(omega_e[1:-1][inner])
expected = 0.05 * 4.0 * math.pi * torch.arange(1, 4, dtype=f64)  # omega_n for n = 1, 2, 3 (n = 0 sits at 0)
assert len(peaks[0]) == 3 and torch.allclose(peaks[0], expected, atol=0.02)
assert len(peaks[1]) >= 1 and abs(peaks[1][0] - 2 * expected[0]) < 0.03
print("peaks at Delta:", [f"{p:.3f}" for p in peaks[0].tolist()], "rad/sample; at 2 Delta:",
      [f"{p:.3f}" for p in peaks[1].tolist()], "(doubled; those above pi fold back)")

# %% [markdown]
# ## References
# ```{bibliography}
# :filter: docname in docnames
# ```
