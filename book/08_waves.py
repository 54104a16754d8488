# %% [markdown]
# # 8. Synthetic waves: the paper's first experiment
#
# {doc}`Chapter 6 <06_alpha>` swept the scaling $\alpha$ of the initialization and {doc}`chapter 7 <07_sobolev>`
# the Sobolev exponent $\beta$, each on its own. This chapter puts the two together as {cite:t}`yu2025tuning` do
# in their first experiment: a one-layer S4D model reads a sum of four cosine waves and must report the
# amplitude of each (four in their public code; the caption of their Figure 1 speaks of three, and the book
# follows the code). An untuned model learns the slow waves and not the fast ones; the paper tunes
# $(\alpha, \beta)$ to move this frequency bias. We set the experiment up (on waves that a book-scale window
# resolves, section 8.1), place the waves and the models' modes on one frequency axis, train two
# configurations live over three seeds, read the paper's four configurations and three controls from stored
# runs, and compare, claim by claim, with the paper.
#
# ## Learning goals
# - Describe the waves experiment: data, model, metric, and the paper's four $(\alpha, \beta)$ configurations.
# - Know what each scale (`smoke`, `book`, `colab`, `paper`) runs, and how to launch the larger ones.
# - Predict from the initial modes' frequencies which waves a configuration can shape.
# - Read per-wave test errors and mode trajectories over training, and state only what holds in every seed.
# - Tell which of the paper's claims this book reproduces at its scale and which it does not.
#
# ## Prerequisites
# - {doc}`Chapter 3 <03_transfer_functions>`: $\omega = s\,\Delta t$ (rad/sample vs rad/time).
# - {doc}`Chapter 5 <05_training>`: the modes barely move during training.
# - {doc}`Chapter 6 <06_alpha>`: the scaled initialization $a_n = -\tfrac12 + i\alpha\pi(1.3 + n)$ and the
#   $\alpha$ sweep of the waves experiment.
# - {doc}`Chapter 7 <07_sobolev>`: the Sobolev filter $(1 + k/M)^\beta$ and its normalizations.

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
import dataclasses
import math
import warnings

import numpy as np
import torch
from fssm.data import WavesDataset, superposed_waves
from fssm.experiments import common, waves

print("scale:", fssm.get_scale(), "| device:", fssm.get_device())

# %% [markdown]
# ## 8.1 The question and the setup
#
# **The question.** Given a signal that contains a slow, a moderate and a fast oscillation, does a trained
# SSM pick up all of them equally well? The frequency bias of chapters 4-5 predicts that it does not: the
# modes start at low frequencies and barely move, so a model can only shape its response where its modes
# are. The waves experiment measures this directly, wave by wave.
#
# **The data.** A sample is
#
# $$
# x_\ell = \sum_{w=1}^{4} A_w \cos(f_w\,t_\ell), \qquad t_\ell = \ell\,\Delta t, \quad \ell = 0, \dots, L-1,
# $$
#
# and its target is the amplitude vector $(A_1, \dots, A_4)$. The paper uses $f = (1, 16, 256, 4096)$ rad/time at
# $\Delta t = 10^{-4}$ and $L = 62\,832$ samples: the slowest wave completes exactly one period, and the waves sit
# at $\omega_w = f_w\Delta t = 10^{-4}$ to $0.41$ rad/sample, each 16 times the one before.
#
# **The book's waves.** A shorter window cannot keep those frequencies: at $L = 2048$ wave 1 would cover a
# thirtieth of a period (a constant) and wave 2 half of one (a trend), so "slow waves learned, fast ones not"
# would be about the mean and the slope of the signal, not about frequency. The `book` and `colab` scales
# therefore place the waves where the window resolves them: $f_w = \pi\cdot 8^{w-1}$ rad/time at
# $\Delta t = 2^{-10}$, so that over $L = 2048$ samples they complete exactly $1, 8, 64$ and $512$ periods
# ($\omega_w = 2\pi k_w/L$, from $0.0031$ to $\pi/2$ rad/sample) and each averages to zero over the window.
# Neighbouring waves are 8 times apart instead of 16: $8^3 = 512$ periods is the most a 2048-sample window holds
# with four samples per period. The modes' frequencies in rad/time are the paper's (below), so every
# configuration of the paper has its modes between the same two waves as in the paper (section 8.2). This
# choice of frequencies is the book's, not the paper's; `waves.BOOK_FREQS` and `waves.BOOK_DT` hold it.
#
# Training amplitudes are distinct points of the grid $\{0.1, 0.2, \dots, 1.0\}^4$ ($10^4$ points; the paper
# uses all of them); test amplitudes are drawn uniformly from $[0.1, 1]$. The metric is the test mean absolute
# error (MAE) of each amplitude separately. A model that always predicts the mean $0.55$ scores
#
# $$
# \mathbb E|A - 0.55| = \frac{1}{0.9}\int_{0.1}^{1} |a - 0.55|\,da = \frac{2}{0.9}\cdot\frac{0.45^2}{2} = 0.225 ,
# $$
#
# the chance level (`waves.chance_mae()`).
#
# **The model.** A linear encoder $1 \to 16$ channels, one S4D layer with $N = 4$ complex modes per channel,
# $\Delta t$ fixed (the data's step), GELU, no mixing, a linear decoder $16 \to 4$ and a mean over time. The modes
# start at $a_n = -\tfrac12 + i\alpha\pi(1.3 + n)$, $n = 0..3$; $\mathrm{Im}\,a_n$ trains with learning rate 0.1,
# $\mathrm{Re}\,a_n$ with $10^{-3}$. The loss is the MSE of the amplitudes, optimised with AdamW and a cosine
# schedule.
#
# ```{literalinclude} ../fssm/experiments/waves.py
# :language: python
# :pyobject: WavesModel
# ```
#
# **The paper's configurations.** $(\alpha, \beta) \in \{(1, 0), (100, 1), (0.01, -1), (10, 0.5)\}$: the
# untuned model, two that push the bias towards high frequencies, one that pushes it further down
# (`waves.PAPER_CONFIGS`). The nominal Sobolev weight of the paper's code is $(1 + \omega)^\beta$ with $\omega$ in
# rad/sample (`sobolev_norm='paper'`, applied as intended; chapter 7, section 7.3, shows that the authors' code
# applied it one-sided, which made $\beta = 1$ a flat gain); chapter 7 also introduced the weight on the
# continuous frequency, $(1 + |s|)^\beta$ with $s = \omega/\Delta t$ in rad/time (`sobolev_norm='continuous'`).
#
# **The scales.** `WavesConfig.for_scale` fills in the sizes: `paper` is the paper's setup; `book` and `colab`
# share the book's waves and model and differ in data, epochs and optimiser; `smoke` (for tests) keeps the
# book's waves on a window too short for the slow ones.

# %%
from IPython.display import HTML
from fssm.experiments.common import html_table

scale_rows = []
for sc in fssm.utils.SCALES:
    c = waves.WavesConfig.for_scale(sc)
    periods = np.array(c.freqs) * c.dt * c.L / (2 * math.pi)
    scale_rows.append([sc, str(c.L), f"{c.dt:.3g}", ", ".join(f"{f:.4g}" for f in c.freqs),
                       ", ".join(f"{k:.4g}" for k in periods), str(c.n_train), str(c.epochs), f"{c.lr:g}",
                       f"{c.sobolev_scale:.2f}"])
cfg = waves.WavesConfig.for_scale(fssm.get_scale())
omega_waves = np.array(cfg.freqs) * cfg.dt  # rad/sample
print(f"this chapter runs scale '{fssm.get_scale()}' on {fssm.get_device()}: waves at omega =",
      ", ".join(f"{w:.4g}" for w in omega_waves), "rad/sample; paper configurations:", waves.PAPER_CONFIGS)
HTML(html_table(["scale", "L", "dt", "waves f_w (rad/time)", "periods in L", "n_train", "epochs", "lr",
                 "M (paper norm)"], scale_rows))  # the cell's value: shown as a table

# %% [markdown]
# **Check.** At book scale the waves complete $1, 8, 64, 512$ whole periods, so each one's mean over the
# window is zero (to round-off), and they sit below $\pi$; the paper scale has the paper's frequencies and one
# period of wave 1. The chance level is $0.225$, both by the formula and on the book-scale test set
# (predicting $0.55$ for every amplitude); and the paper's normalization gives the same weight as the authors'
# code, $1 + m/10^4$ at $\omega = 2\pi m/62\,832$, i.e. $1 + \omega$ to 6 digits, at every scale.

# %%
periods = omega_waves * cfg.L / (2 * math.pi)
assert omega_waves.max() < math.pi
if fssm.get_scale() in ("book", "colab"):  # the book's waves: whole periods, zero mean
    assert np.allclose(periods, [1, 8, 64, 512], rtol=1e-12)
    one_wave_each = superposed_waves(torch.eye(4, dtype=torch.float64), cfg.freqs, cfg.dt, cfg.L)  # r(4 L)
    assert one_wave_each.mean(1).abs().max() < 1e-12  # no DC, no trend in any wave
paper_cfg = waves.WavesConfig.for_scale("paper")
assert paper_cfg.freqs == (1.0, 16.0, 256.0, 4096.0) and paper_cfg.dt == 1e-4
assert abs(paper_cfg.freqs[0] * paper_cfg.dt * paper_cfg.L / (2 * math.pi) - 1) < 1e-5  # one period of wave 1
test_set = WavesDataset(cfg.n_test, cfg.freqs, cfg.dt, cfg.L, "test", seed=cfg.data_seed + 1)
mae_mean = (test_set.amplitudes - 0.55).abs().mean(0)
assert abs(waves.chance_mae() - 0.225) < 1e-12 and bool(((mae_mean - 0.225).abs() < 0.015).all())
for sc in fssm.utils.SCALES:
    c = waves.WavesConfig.for_scale(sc)
    # bin k = omega L / pi of the layer's grid: k/M must equal the authors' m/10^4 with m = omega 62832 / (2 pi)
    k_over_M = c.L / (math.pi * c.sobolev_scale)  # per unit omega
    assert abs(k_over_M - waves.PAPER_LENGTH / (2 * math.pi * waves.PAPER_SOBOLEV_SCALE)) < 1e-12
    assert abs(k_over_M - 1.0) < 3e-6
print("periods in the window:", ", ".join(f"{k:.0f}" for k in periods),
      "| chance MAE 0.225; on the test set predicting 0.55 scores", ", ".join(f"{v:.3f}" for v in mae_mean.tolist()))

# %% [markdown]
# ## 8.2 The frequency picture
#
# By chapters 4-6 a model can shape its response near its modes and hardly anywhere else, and the modes
# barely move. So before any training, the position of the initial modes,
#
# $$
# \omega_n = \Delta t\,\mathrm{Im}\,a_n = \Delta t\,\alpha\,\pi(1.3 + n), \qquad n = 0, 1, 2, 3 \quad \text{(rad/sample)},
# $$
#
# against the waves $\omega_w = f_w\Delta t$ is a prediction of which waves each configuration can learn. The
# table of $\alpha\pi(1.3 + n)$ in rad/time: $4.1..13.5$ for $\alpha = 1$ (between waves 1 and 2), $41..135$
# for $\alpha = 10$ (between waves 2 and 3), $408..1351$ for $\alpha = 100$ (between waves 3 and 4), and
# $0.04..0.14$ for $\alpha = 0.01$ (below wave 1), with the paper's waves $(1, 16, 256, 4096)$ and with the
# book's $(3.1, 25, 201, 1608)$ alike.

# %%
omega_modes = {}
for al, be in waves.PAPER_CONFIGS:
    fssm.seed_everything(0)
    model = waves.WavesModel(dataclasses.replace(cfg, alpha=al, beta=be))
    omega_modes[(al, be)] = cfg.dt * model.ssm.kernel.A_imag.detach().double()  # r(H N), rad/sample
    print(f"(alpha, beta) = ({al:g}, {be:g}): initial modes at omega =",
          ", ".join(f"{w:.3g}" for w in omega_modes[(al, be)][0].tolist()), "rad/sample (every channel)")

# %% [markdown]
# **Check.** The model's initial modes equal $\Delta t\,\alpha\pi(1.3 + n)$ in every channel, and they fall
# between the waves as stated: $\alpha = 1$ between waves 1 and 2, $\alpha = 10$ between 2 and 3, $\alpha = 100$
# between 3 and 4, $\alpha = 0.01$ below wave 1.

# %%
n_idx = torch.arange(cfg.d_state, dtype=torch.float64)
between = {1.0: (0, 1), 10.0: (1, 2), 100.0: (2, 3), 0.01: (None, 0)}
for (al, be), om in omega_modes.items():
    expected = cfg.dt * al * math.pi * (1.3 + n_idx)
    assert torch.allclose(om, expected.expand_as(om), rtol=1e-6)
    lo, hi = between[al]
    assert (lo is None or om.min() > omega_waves[lo]) and om.max() < omega_waves[hi]
print("initial modes = dt alpha pi (1.3 + n) in every channel; positions relative to the waves as stated")

# %%
fig, ax = plot.figure(width=9.0, height=3.4)
for w, om in enumerate(omega_waves):
    ax.axvline(om, color="0.3", ls="--", lw=1)
    ax.text(om * 1.08, 4.35, f"wave {w + 1}\nf = {cfg.freqs[w]:.4g}", fontsize=8, va="top")
for row, ((al, be), om) in enumerate(omega_modes.items()):
    ax.plot(om[0].numpy(), np.full(cfg.d_state, row), "o", color=plot.COLORS[row], ms=7,
            label=f"(alpha, beta) = ({al:g}, {be:g})")
ax.axvline(math.pi, color="k", lw=1.5)
ax.text(math.pi * 0.92, 4.35, "Nyquist", fontsize=8, va="top", ha="right")
ax.set_xscale("log")
ax.set_xlim(1e-5, 5.0)
ax.set_ylim(-0.6, 4.5)
ax.set_yticks(range(4), [f"({a:g}, {b:g})" for a, b in omega_modes])
ax.set_xlabel("omega (rad/sample)")
ax.set_ylabel("configuration (alpha, beta)")
ax.set_title(f"Figure 8.1: the four waves and the initial modes ({fssm.get_scale()} scale, dt = {cfg.dt:.3g})", loc="left")
plot.plt.show()

# %% [markdown]
# *Figure 8.1.* Frequencies in rad/sample on a log axis. Dashed lines: the four waves $\omega_w = f_w\Delta t$;
# solid line: the Nyquist frequency $\pi$. Dots: the four initial modes $\Delta t\,\alpha\pi(1.3 + n)$ of each of
# the paper's configurations (the same in all 16 channels). $\beta$ does not move the modes; it only reweights
# the response. The untuned model $(1, 0)$ has its modes between the two slow waves.
#
# ## 8.3 A live run at book scale
#
# We train, with seeds 0, 1, 2: the untuned model $(1, 0)$, and $(1, 1)$ with the *continuous* Sobolev weight
# $(1 + |s|)^\beta$ (`sobolev_norm='continuous'`), the configuration chapter 7 identified as the one in which
# $\beta$ has a measurable effect at this scale. The paper's tuned configurations with the paper's
# normalization are discussed in section 8.4 from measured runs (they take the chapter past its time budget).
# One run takes about half a minute on a 2-core CPU, on one CPU thread (so that the process does not compete with itself
# for the two cores). Trained numbers can differ in their last digits on another CPU, so the checks below
# assert what holds in every seed (Appendix B).

# %% tags=["nbval-ignore-output"]
from IPython.display import HTML
from fssm.experiments.common import html_table

torch.set_num_threads(1)  # repeatable on this machine, no contention between cores
seeds = (0, 1, 2)
live = {"(1, 0) paper": dataclasses.replace(cfg, alpha=1.0, beta=0.0),
        "(1, 1) continuous": dataclasses.replace(cfg, alpha=1.0, beta=1.0, sobolev_norm="continuous")}
runs = {(name, s): waves.run(c, seed=s) for name, c in live.items() for s in seeds}
final = {key: np.array(r["final_test_mae"]) for key, r in runs.items()}
print(f"waves | scale: {fssm.get_scale()} | device: {fssm.get_device()} | L = {cfg.L}, {cfg.epochs} epochs, "
      f"{cfg.n_train} train / {cfg.n_test} test samples; final test MAE per wave")
live_rows = []
for (name, s), e in final.items():
    live_rows.append([name, str(s)] + [f"{v:.3f}" for v in e])
HTML(html_table(["(alpha, beta), Sobolev norm", "seed"] + [f"MAE wave {w}" for w in range(1, 5)],
                live_rows))  # the cell's value: shown as a table

# %% [markdown]
# **Check (what holds in every seed).** (i) The untuned model $(1, 0)$ learns the slow waves and not the fast
# ones: waves 1 and 2 end below $0.05$, waves 3 and 4 above $0.13$, closer to chance ($0.225$) than to the slow
# waves. (ii) The continuous-weight model $(1, 1)$ learns waves 3 and 4 better than $(1, 0)$, with the same seed,
# in every seed, and (iii) its slow waves stay learned (below $0.05$).

# %% tags=["nbval-ignore-output"]
for s in seeds:
    e0, e1 = final[("(1, 0) paper", s)], final[("(1, 1) continuous", s)]
    assert e0[:2].max() < 0.05 and e0[2:].min() > 0.13, (s, e0)
    assert bool((e1[2:] < e0[2:]).all()), (s, e0, e1)
    assert e1[:2].max() < 0.05, (s, e1)
gain = np.array([final[("(1, 0) paper", s)][2:] / final[("(1, 1) continuous", s)][2:] for s in seeds])
print(f"scale: {fssm.get_scale()} | device: {fssm.get_device()}: in every seed (1, 0) learns waves 1-2 "
      f"(< 0.05) but not 3-4 (> 0.13); (1, 1) continuous lowers the error of waves 3-4 by a factor "
      f"{gain.min():.1f} .. {gain.max():.1f}")

# %%
epochs = np.arange(1, cfg.epochs + 1)
fig, axes = plot.figure(ncols=2, width=10.0, height=3.6)
for ax, name in zip(axes, live):
    curves = np.array([[h["test_mae"] for h in runs[(name, s)]["history"]] for s in seeds])  # (seed, epoch, wave)
    for w in range(4):
        ax.plot(epochs, curves[:, :, w].mean(0), color=plot.COLORS[w], label=f"wave {w + 1} (f = {cfg.freqs[w]:.4g})")
        ax.fill_between(epochs, curves[:, :, w].min(0), curves[:, :, w].max(0), color=plot.COLORS[w], alpha=0.25)
    ax.axhline(waves.chance_mae(), color="0.4", ls="--", lw=1, label="chance")
    ax.set_xlabel("epoch")
    ax.set_ylabel("test MAE of the amplitude")
    ax.set_ylim(0, 0.27)
    ax.set_title(f"(alpha, beta) = {name}", fontsize=10)
fig.suptitle("Figure 8.2: per-wave test error over training (mean and range over seeds 0, 1, 2)", x=0.01, ha="left", fontsize=11)
_ = axes[1].legend(fontsize=7, loc="upper right")
plot.plt.show()

# %% [markdown]
# *Figure 8.2.* Test MAE of each wave's amplitude per epoch at book scale (CPU); lines are means over seeds
# 0, 1, 2, bands their range; dashed: chance. Left: $(\alpha, \beta) = (1, 0)$, the untuned model: waves 1-2
# fall below $0.05$, waves 3-4 stop at the symmetric floor of chapter 4 (about $0.15$). Right: $(1, 1)$ with the
# weight $(1 + |s|)^\beta$: waves 3-4 come down as well (the check above asserts both in every seed).

# %%
fig, axes = plot.figure(ncols=2, width=10.0, height=3.6)
for ax, name in zip(axes, live):
    r = runs[(name, 0)]
    traj = np.array([r["A_imag_init"]] + [h["A_imag"] for h in r["history"]])  # (epoch+1, H, N)
    for n in range(cfg.d_state):
        ax.plot(np.arange(cfg.epochs + 1), traj[:, :, n], color=plot.COLORS[n], lw=0.8, alpha=0.7)
        ax.plot([], [], color=plot.COLORS[n], label=f"mode n = {n}")
    for w, f in enumerate(cfg.freqs[:2]):
        ax.axhline(f, color="0.3", ls="--", lw=1)
    ax.set_xlabel("epoch")
    ax.set_ylabel("Im(a_j) (rad/time)")
    ax.set_title(f"(alpha, beta) = {name}, seed 0", fontsize=10)
fig.suptitle("Figure 8.3: Im(a_j) of the 64 modes over training, seed 0", x=0.01, ha="left", fontsize=11)
_ = axes[1].legend(fontsize=7, loc="lower right", ncol=2, framealpha=0.9)
plot.plt.show()

# %% [markdown]
# *Figure 8.3.* The imaginary parts of the 64 modes (16 channels, 4 modes each, coloured by $n$) over training,
# seed 0, in rad/time; dashed: waves 1 and 2 ($f = \pi$ and $8\pi$); waves 3 and 4 ($64\pi \approx 201$ and
# $512\pi \approx 1608$) lie far above the plotted range. With the learning rate $0.1$ on $\mathrm{Im}\,a_j$ the modes do move by a few rad/time, but
# they stay in the band where they started, two to three decades below waves 3 and 4: the continuous-weight
# model does not learn the fast waves by moving its modes there, but through the weight, which amplifies the
# SSM branch at high frequencies (chapter 7, *A stronger normalization*).
#
# **Check.** No mode of either run, in any seed, ends above half of wave 3's frequency.

# %% tags=["nbval-ignore-output"]
max_y = {name: max(np.max(runs[(name, s)]["history"][-1]["A_imag"]) for s in seeds) for name in live}
assert all(v < cfg.freqs[2] / 2 for v in max_y.values()), max_y
print(f"scale: {fssm.get_scale()} | device: {fssm.get_device()}: largest final Im(a_j) over seeds:",
      ", ".join(f"{name} {v:.1f}" for name, v in max_y.items()), f"rad/time (wave 3: {cfg.freqs[2]:.0f})")

# %% [markdown]
# ## 8.4 The paper's four configurations at book scale, and what $\alpha$ alone does
#
# The paper's four configurations, with the paper's nominal weight $(1 + \omega)^\beta$ applied as intended
# (section 7.3 shows that the authors' code applied it differently), and, as controls the paper did not run,
# $(10, 0)$, $(100, 0)$ and $(0.01, 0)$: the same initializations without the filter. Comparing
# $(\alpha, \beta)$ with $(\alpha, 0)$ seed by seed tells what $\beta$ adds to what $\alpha$ does. Seeds 0, 1, 2
# make 21 runs, past this chapter's budget; they ran from the command line,
#
# ```bash
# python -m fssm.experiments.waves --scale book --out results --configs 1,0 10,0.5 100,1 0.01,-1 10,0 100,0 0.01,0
# ```
#
# and the stored results are read here. A wave counts as *learned* when its final error is below
# `claims.LEARNED` $= 0.05$; a paired change (same seed, same data) counts when it exceeds
# `claims.CHANGED` $= 0.02$, twice the seed-to-seed spread of the untuned model on the high waves.

# %% tags=["stored-results"]
import numpy as np
from IPython.display import HTML, display
from fssm.experiments import claims, common

stored_book = common.read_results("waves", "book")
assert stored_book is not None, "waves-book.json is missing: run the command above"
print(common.describe_stored(stored_book, "waves", "book"))
c_b = stored_book["config"]
print(f"  L = {c_b['L']}, {c_b['epochs']} epochs, {c_b['n_train']} train / {c_b['n_test']} test signals, "
      f"Sobolev norm {c_b['sobolev_norm']}; final test MAE per wave and the waves learned "
      f"(MAE < {claims.LEARNED}), each cell: seeds " + " / ".join(map(str, stored_book["seed"])))
E_book = common.group_runs(stored_book["runs"], "final_test_mae")  # {(alpha, beta): r(seeds, 4)}
mae_rows = []
for (al, be), E in E_book.items():
    mae_rows.append([f"({al:g}, {be:g})"] + [" / ".join(f"{v:.3f}" for v in E[:, w]) for w in range(4)]
                    + [" / ".join(", ".join(map(str, claims.learned_waves(row))) or "none" for row in E)])
display(HTML(common.html_table(["(alpha, beta)"] + [f"wave {w}" for w in range(1, 5)] + ["learned"], mae_rows)))
base = E_book[(1.0, 0.0)]
learned = {key: [claims.learned_waves(row) for row in E] for key, E in E_book.items()}


def paired(key, ref):
    """E(key) - E(ref), seed by seed: r(seeds, 4), > 0 where `key` is worse."""
    return E_book[key] - E_book[ref]


ch = claims.CHANGED
d10, d100, d001 = paired((10.0, 0.0), (1.0, 0.0)), paired((100.0, 0.0), (1.0, 0.0)), paired((0.01, 0.0), (1.0, 0.0))
b10, b100, b001 = paired((10.0, 0.5), (10.0, 0.0)), paired((100.0, 1.0), (100.0, 0.0)), paired((0.01, -1.0), (0.01, 0.0))
print("paired change of the final MAE per wave, same seed (> 0: worse), each cell: seeds "
      + " / ".join(map(str, stored_book["seed"])) + "; alpha alone against (1, 0), beta added against (alpha, 0)")
change_rows = []
for name, d in (("(10, 0) - (1, 0)", d10), ("(100, 0) - (1, 0)", d100), ("(0.01, 0) - (1, 0)", d001),
                ("(10, 0.5) - (10, 0)", b10), ("(100, 1) - (100, 0)", b100), ("(0.01, -1) - (0.01, 0)", b001)):
    change_rows.append([name] + [" / ".join(f"{v:+.3f}" for v in d[:, w]) for w in range(4)])
display(HTML(common.html_table(["paired change"] + [f"wave {w}" for w in range(1, 5)], change_rows)))

# What the text below states, checked on the stored file, in every seed:
assert all(w == (1, 2) for w in learned[(1.0, 0.0)]) and base[:, 2:].min() > 0.13  # untuned: waves 1-2 only
for al in (10.0,):  # alpha = 10: wave 1 worse, wave 3 better, with or without beta
    for d in (d10, paired((10.0, 0.5), (1.0, 0.0))):
        assert (d[:, 0] >= ch).all() and (d[:, 2] <= -ch).all()
assert (E_book[(10.0, 0.0)][:, 2] > claims.LEARNED).all()  # ... but wave 3 not learned at this budget
d100b = paired((100.0, 1.0), (1.0, 0.0))
assert (d100b[:, :3] >= ch).all() and (d100b[:, 3] <= -0.05).all()  # (100, 1): waves 1-3 lost, wave 4 gained
assert (d100[:, :3] >= ch).all()  # (100, 0) loses waves 1-3 too ...
n100 = int((d100[:, 3] <= -ch).sum())  # ... and gains wave 4 in this many seeds
for key in ((0.01, 0.0), (0.01, -1.0)):  # alpha = 0.01: wave 1 only
    assert all(w == (1,) for w in learned[key]) and (E_book[key][:, 1:] > 0.15).all()
assert (b100[:, 3] <= -0.05).all()  # beta = 1 at alpha = 100: wave 4 better in every seed
assert np.abs(b10).max() < ch and np.abs(b001).max() < ch  # beta = 0.5 at alpha 10, -1 at 0.01: no change
print(f"(100, 0) gains wave 4 (by {ch} or more) in {n100} of {len(d100)} seeds; (100, 1) in all "
      f"{len(d100b)}, and learns it (MAE < {claims.LEARNED}) in {sum(4 in w for w in learned[(100.0, 1.0)])}")

# %% [markdown]
# **What the stored runs show** (book scale, the provenance line above; every statement holds in every seed
# unless a count is printed).
#
# - The untuned model $(1, 0)$ learns waves 1 and 2 and not 3 and 4. With every wave completing whole
#   periods, this is a statement about frequency, not about the mean or the trend of the signal.
# - $\alpha$ alone moves the learned band the way the mode positions of section 8.2 predict. At
#   $\alpha = 0.01$ (modes below wave 1) the model keeps wave 1 and loses wave 2: the low-frequency bias is
#   stronger. At $\alpha = 10$ (modes between waves 2 and 3) it loses wave 1 and lowers the error of wave 3,
#   without learning it at this budget. At $\alpha = 100$ (modes between waves 3 and 4) it loses waves 1-3;
#   whether it gains on wave 4 without the filter depends on the seed (the count is printed above).
# - $\beta$ adds something in one of the three pairs. At $\alpha = 100$, $\beta = 1$ lowers the error of wave 4
#   in every seed, by more than $0.05$. At $\alpha = 10$ ($\beta = 0.5$) and $\alpha = 0.01$ ($\beta = -1$) it
#   changes no wave's error by `claims.CHANGED`. The nominal weight explains the difference (next cell): at
#   the $\alpha = 10$ and $\alpha = 0.01$ modes it is close to 1, at the $\alpha = 100$ modes it is well
#   above 1. Whether such a weight acts through the gradients or through the forward gain is the subject of
#   {doc}`chapter 7 <07_sobolev>`.
#
# So at book scale the paper's first experiment shows the bias and its tuning by $\alpha$ cleanly, and the
# effect of $\beta$ only where the weight is far from 1 at the modes. The paper reports $\beta$'s effect in its
# own runs; chapter 7, section 7.3, shows that the authors' code applied the weight so that $\beta = 1$ was
# a flat gain there.

# %%
w_modes = {(al, be): ((1 + om) ** be) for (al, be), om in omega_modes.items()}  # r(H N) per configuration
for key, w in w_modes.items():
    print(f"({key[0]:g}, {key[1]:g}): nominal weight (1 + omega)^beta at the initial modes "
          f"{w.min().item():.4f} .. {w.max().item():.4f}")
print(f"beta = 1 at wave 4: {1 + omega_waves[3]:.3f}")
assert 1 < w_modes[(10.0, 0.5)].max() < 1.07 and (w_modes[(0.01, -1.0)] - 1).abs().max() < 1e-3
assert w_modes[(100.0, 1.0)].min() > 1.3 and w_modes[(100.0, 1.0)].max() < 2.4

# %% [markdown]
# ## 8.5 Larger scales
#
# The colab and paper scales are run from the command line. Each run writes `waves-SCALE.json` with its
# provenance (scale, device, commit, date) into `./fssm-results`; with `--out results` it goes into the
# repository's stored results, and with `FSSM_RESULTS=fssm-results` this chapter reads yours:
#
# ```bash
# python -m fssm.experiments.waves --scale colab                  # the paper's 4 configurations
# python -m fssm.experiments.waves --scale colab --sobolev-norm continuous --configs 1,1
# python -m fssm.experiments.waves --scale paper                  # L = 62832, 10^4 samples
# ```
#
# The colab scale takes minutes per run on a GPU (about 4 minutes per run on a 2-core CPU), the paper scale
# much longer. If stored, the colab-scale results are shown here:

# %% tags=["stored-results"]
from fssm.experiments import common, waves

stored = common.read_results("waves", "colab")
print(common.describe_stored(stored, "waves", "colab", "python -m fssm.experiments.waves --scale colab --out results"))
if stored is not None:
    print(f"  L = {stored['config']['L']}, {stored['config']['epochs']} epochs, "
          f"Sobolev norm {stored['config'].get('sobolev_norm', 'paper')}")
    print("\n".join("  " + line for line in waves.final_mae_summary(stored["runs"])))

# %% [markdown]
# ## 8.6 The paper's claims at book scale
#
# The status of each of the paper's claims that this chapter tests is computed from the stored runs by
# `fssm.experiments.claims` (chapter 11 collects all of them); nothing in the table is typed in. The live
# comparison of section 8.3, the weight on the continuous frequency, is not a claim of the paper: it is
# asserted in section 8.3.

# %% tags=["stored-results"]
from IPython.display import HTML
from fssm.experiments import claims

waves_rows = [(c, e) for c, e in claims.evaluate() if "8.4" in c.section]
for c, e in waves_rows:
    print(f"[{e.status}] {c.statement}")
HTML(claims.html_table(waves_rows))  # the cell's value: shown as a table

# %% [markdown]
# ## Summary
# - The waves experiment regresses the amplitudes of four cosines; the per-wave test MAE (chance $0.225$)
#   shows which frequencies a model has learned. The book's scale uses waves that complete 1, 8, 64 and 512
#   periods in its window, so that the contrast between slow and fast waves is about frequency.
# - The initial modes $\Delta t\,\alpha\pi(1.3 + n)$ predict the outcome: at $\alpha = 1$ they sit between
#   waves 1 and 2, and the untuned model learns exactly those two waves, in every seed.
# - $\alpha$ alone moves the learned band with the modes, in every seed: down at $\alpha = 0.01$ (wave 2
#   lost), up at $\alpha = 10$ (wave 1 lost, wave 3 better) and $\alpha = 100$ (waves 1-3 lost).
# - The paper's nominal Sobolev weight changes the outcome only where it is far from 1 at the modes: at
#   $\alpha = 100$, $\beta = 1$ improves wave 4 in every seed; at $(10, 0.5)$ and $(0.01, -1)$ it changes no
#   error measurably. With the weight $(1 + |s|)^\beta$ on the continuous frequency, $(1, 1)$ learns waves 3-4
#   better than $(1, 0)$ in every seed (section 8.3).
# - Larger scales run from the command line; results are shown here once stored, with their provenance.
#
# ## Exercises
#
# **Exercise 8.1 (aim the lowest mode at wave 4).** Which $\alpha$ puts the lowest mode ($n = 0$) of the waves
# initialization at wave 4, $f_4$ rad/time? Where does the highest mode then sit in rad/sample, and is it
# below the Nyquist frequency, with the book's waves and with the paper's? Check with models built with
# that $\alpha$.

# %% tags=["hide-input"]
# Solution
# alpha pi 1.3 = f_4  =>  alpha = f_4 / (1.3 pi); the top mode sits at dt alpha pi 4.3 = f_4 dt 4.3 / 1.3.
# Paper: f_4 dt = 0.41, top mode at 1.355 < pi. Book: f_4 dt = pi / 2, top mode at 5.20 > pi: it aliases.
top = {}
for name, c in (("book", waves.WavesConfig.for_scale("book")), ("paper", waves.WavesConfig.for_scale("paper"))):
    alpha4 = c.freqs[3] / (1.3 * math.pi)
    fssm.seed_everything(0)
    with warnings.catch_warnings():  # the book's case aliases: that is the answer, printed below
        warnings.simplefilter("ignore", fssm.AliasingWarning)
        y4 = waves.WavesModel(dataclasses.replace(c, alpha=alpha4, L=256)).ssm.kernel.A_imag.detach().double()
    assert abs(y4.min().item() - c.freqs[3]) < 1e-6 * c.freqs[3]
    top[name] = c.dt * y4.max().item()
    print(f"{name}: alpha = {alpha4:.2f}: modes at {y4.min():.0f} .. {y4.max():.0f} rad/time, top mode at "
          f"omega = {top[name]:.3f} rad/sample ({'below' if top[name] < math.pi else 'above'} pi)")
assert top["paper"] < math.pi < top["book"]

# %% [markdown]
# **Exercise 8.2 (the two weights at the waves).** For $\beta = 1$, compute the Sobolev weight at each wave
# with `sobolev_norm='paper'` and with `'continuous'`, using the layer's bins $k = \omega L/\pi$ and the
# config's $M$. Show that they are $1 + \omega_w$ and $1 + f_w$.

# %% tags=["hide-input"]
# Solution
# w = 1 + k/M with k = omega L / pi: paper M = 2 10^4 L / 62832 gives 1 + 1.000002 omega; continuous
# M = L dt / pi gives 1 + omega / dt = 1 + f.
for norm, expected in (("paper", 1 + omega_waves), ("continuous", 1 + np.array(cfg.freqs))):
    c = dataclasses.replace(cfg, sobolev_norm=norm)
    w_bins = 1 + (omega_waves * c.L / math.pi) / c.sobolev_scale
    assert np.allclose(w_bins, expected, rtol=1e-4), (norm, w_bins)
    print(f"{norm:>10}: weight at the waves", ", ".join(f"{v:.4g}" for v in w_bins))

# %% [markdown]
# **Exercise 8.3 (why whole periods).** Over a window of $L = 2048$ samples, compute the correlation of each
# of the paper's waves ($f = 1, 16, 256, 4096$ at $\Delta t = 10^{-4}$) with a constant and with a linear
# ramp, and the same for the book's waves. Which of the paper's waves would the model see as an offset or a
# trend rather than as an oscillation?

# %% tags=["hide-input"]
# Solution
# At L = 2048 the paper's wave 1 covers 0.03 periods: it is a constant (correlation with a constant ~1), and
# wave 2 covers half a period, a falling ramp (correlation with the ramp ~ -0.99). The book's waves complete
# whole periods: each is orthogonal to the constant (zero mean) and nearly so to the ramp (|correlation|
# about 0.001, from the discrete sum's end effects).
l = np.arange(2048)
shapes = {"constant": np.ones(2048), "ramp": l - l.mean()}


def corr(u, v):
    return float(u @ v / np.sqrt((u @ u) * (v @ v))) if (u @ u) > 0 and (v @ v) > 0 else 0.0


corrs = {}
for name, freqs, dt in (("paper", waves.PAPER_FREQS, waves.PAPER_DT), ("book", waves.BOOK_FREQS, waves.BOOK_DT)):
    for w, f in enumerate(freqs):
        u = np.cos(f * dt * l)
        corrs[(name, w)] = (corr(u, shapes["constant"]), corr(u, shapes["ramp"]))
        c0, c1 = (round(c, 3) + 0.0 for c in corrs[(name, w)])  # + 0.0: no "-0.000" from round-off
        print(f"{name} wave {w + 1} ({f * dt * 2048 / (2 * math.pi):.3g} periods): correlation with a constant "
              f"{c0:+.3f}, with a ramp {c1:+.3f}")
assert corrs[("paper", 0)][0] > 0.99 and corrs[("paper", 1)][1] < -0.9
assert max(abs(corrs[("book", w)][0]) for w in range(4)) < 1e-9
assert max(abs(corrs[("book", w)][1]) for w in range(4)) < 0.01

# %% [markdown]
# ## References
# ```{bibliography}
# :filter: docname in docnames
# ```
