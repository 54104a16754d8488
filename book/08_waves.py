# %% [markdown]
# # 8. Synthetic waves: the paper's first experiment
#
# {doc}`Chapter 6 <06_alpha>` swept the scaling $\alpha$ of the initialization and {doc}`chapter 7 <07_sobolev>`
# the Sobolev exponent $\beta$, each on its own. This chapter puts the two together as {cite:t}`yu2025tuning` do
# in their first experiment: a one-layer S4D model reads a sum of four cosine waves and must report the
# amplitude of each (four in their public code; the caption of their Figure 1 speaks of three, and the book
# follows the code). An untuned model learns the slow waves and not the fast ones; the paper tunes
# $(\alpha, \beta)$ to move this frequency bias. We set the experiment up, place the waves and the models'
# modes on one frequency axis, train three configurations at book scale (three seeds each is too slow here,
# so two configurations), and compare, claim by claim, with the paper.
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

import numpy as np
import torch
from fssm.data import WavesDataset
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
# \qquad f = (1, 16, 256, 4096)\ \text{rad/time}, \quad \Delta t = 10^{-4},
# $$
#
# and its target is the amplitude vector $(A_1, \dots, A_4)$. On the discrete axis wave $w$ sits at
# $\omega_w = f_w\,\Delta t = 10^{-4},\ 1.6\cdot10^{-3},\ 2.56\cdot10^{-2},\ 0.41$ rad/sample: four frequencies
# spread over more than three decades, all below the Nyquist frequency $\pi$. Training amplitudes are distinct
# points of the grid $\{0.1, 0.2, \dots, 1.0\}^4$ ($10^4$ points; the paper uses all of them); test amplitudes
# are drawn uniformly from $[0.1, 1]$. The metric is the test mean absolute error (MAE) of each amplitude
# separately. A model that always predicts the mean $0.55$ scores
#
# $$
# \mathbb E|A - 0.55| = \frac{1}{0.9}\int_{0.1}^{1} |a - 0.55|\,da = \frac{2}{0.9}\cdot\frac{0.45^2}{2} = 0.225 ,
# $$
#
# the chance level (`waves.chance_mae()`).
#
# **The model.** A linear encoder $1 \to 16$ channels, one S4D layer with $N = 4$ complex modes per channel,
# $\Delta t = 10^{-4}$ fixed, GELU, no mixing, a linear decoder $16 \to 4$ and a mean over time. The modes
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
# **The scales.** `WavesConfig.for_scale` fills in the sizes; only `L`, the data sizes and the optimiser
# settings change, never the frequencies, $\Delta t$ or the model.

# %%
print(f"{'scale':>6} | {'L':>6} | {'n_train':>7} | {'n_test':>6} | {'epochs':>6} | {'batch':>5} | {'lr':>6} | M (paper norm)")
for sc in fssm.utils.SCALES:
    c = waves.WavesConfig.for_scale(sc)
    print(f"{sc:>6} | {c.L:>6} | {c.n_train:>7} | {c.n_test:>6} | {c.epochs:>6} | {c.batch_size:>5} | "
          f"{c.lr:>6g} | {c.sobolev_scale:.2f}")
cfg = waves.WavesConfig.for_scale(fssm.get_scale())
omega_waves = np.array(cfg.freqs) * cfg.dt  # rad/sample
print(f"this chapter runs scale '{fssm.get_scale()}' on {fssm.get_device()}: waves at omega =",
      ", ".join(f"{w:.4g}" for w in omega_waves), "rad/sample; paper configurations:", waves.PAPER_CONFIGS)

# %% [markdown]
# **Check.** The four waves sit at $f_w\Delta t$ rad/sample and below $\pi$; the chance level is $0.225$, both
# by the formula and on the book-scale test set (predicting $0.55$ for every amplitude); and the paper's
# normalization gives the same weight as the authors' code, $1 + m/10^4$ at $\omega = 2\pi m/62\,832$, i.e.
# $1 + \omega$ to 6 digits, at every scale.

# %%
assert np.allclose(omega_waves, [1e-4, 1.6e-3, 2.56e-2, 0.4096], rtol=1e-12) and omega_waves.max() < math.pi
test_set = WavesDataset(cfg.n_test, cfg.freqs, cfg.dt, cfg.L, "test", seed=cfg.data_seed + 1)
mae_mean = (test_set.amplitudes - 0.55).abs().mean(0)
assert abs(waves.chance_mae() - 0.225) < 1e-12 and bool(((mae_mean - 0.225).abs() < 0.015).all())
for sc in fssm.utils.SCALES:
    c = waves.WavesConfig.for_scale(sc)
    # bin k = omega L / pi of the layer's grid: k/M must equal the authors' m/10^4 with m = omega 62832 / (2 pi)
    k_over_M = c.L / (math.pi * c.sobolev_scale)  # per unit omega
    assert abs(k_over_M - waves.PAPER_LENGTH / (2 * math.pi * waves.PAPER_SOBOLEV_SCALE)) < 1e-12
    assert abs(k_over_M - 1.0) < 3e-6
print("chance MAE 0.225; on the test set predicting 0.55 scores", ", ".join(f"{v:.3f}" for v in mae_mean.tolist()))

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
# $0.04..0.14$ for $\alpha = 0.01$ (below wave 1).

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
    ax.text(om * 1.08, 4.35, f"wave {w + 1}\nf = {cfg.freqs[w]:g}", fontsize=8, va="top")
for row, ((al, be), om) in enumerate(omega_modes.items()):
    ax.plot(om[0].numpy(), np.full(cfg.d_state, row), "o", color=plot.COLORS[row], ms=7,
            label=f"(alpha, beta) = ({al:g}, {be:g})")
ax.axvline(math.pi, color="k", lw=1.5)
ax.text(math.pi * 0.92, 4.35, "Nyquist", fontsize=8, va="top", ha="right")
ax.set_xscale("log")
ax.set_xlim(2e-6, 5.0)
ax.set_ylim(-0.6, 4.5)
ax.set_yticks(range(4), [f"({a:g}, {b:g})" for a, b in omega_modes])
ax.set_xlabel("omega (rad/sample)")
ax.set_ylabel("configuration (alpha, beta)")
ax.set_title("Figure 8.1: the four waves and the initial modes (dt = 1e-4)", loc="left")
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
# One run takes 15-25 s on a 2-core CPU, on one CPU thread (so that the process does not compete with itself
# for the two cores). Trained numbers can differ in their last digits on another CPU, so the checks below
# assert what holds in every seed (Appendix B).

# %% tags=["nbval-ignore-output"]
torch.set_num_threads(1)  # repeatable on this machine, no contention between cores
seeds = (0, 1, 2)
live = {"(1, 0) paper": dataclasses.replace(cfg, alpha=1.0, beta=0.0),
        "(1, 1) continuous": dataclasses.replace(cfg, alpha=1.0, beta=1.0, sobolev_norm="continuous")}
runs = {(name, s): waves.run(c, seed=s) for name, c in live.items() for s in seeds}
final = {key: np.array(r["final_test_mae"]) for key, r in runs.items()}
print(f"waves | scale: {fssm.get_scale()} | device: {fssm.get_device()} | L = {cfg.L}, {cfg.epochs} epochs, "
      f"{cfg.n_train} train / {cfg.n_test} test samples")
for (name, s), e in final.items():
    print(f"{name:>18}, seed {s}: final test MAE per wave " + " ".join(f"{v:.4f}" for v in e))

# %% [markdown]
# **Check (what holds in every seed).** (i) The untuned model $(1, 0)$ learns the slow waves and not the fast
# ones: waves 1 and 2 end below $0.05$, waves 3 and 4 above $0.14$, closer to chance ($0.225$) than to the slow
# waves. (ii) The continuous-weight model $(1, 1)$ learns waves 3 and 4 better than $(1, 0)$, with the same seed,
# in every seed, and (iii) its slow waves stay learned (below $0.05$).

# %% tags=["nbval-ignore-output"]
for s in seeds:
    e0, e1 = final[("(1, 0) paper", s)], final[("(1, 1) continuous", s)]
    assert e0[:2].max() < 0.05 and e0[2:].min() > 0.14, (s, e0)
    assert bool((e1[2:] < e0[2:]).all()), (s, e0, e1)
    assert e1[:2].max() < 0.05, (s, e1)
gain = np.array([final[("(1, 0) paper", s)][2:] / final[("(1, 1) continuous", s)][2:] for s in seeds])
print(f"scale: {fssm.get_scale()} | device: {fssm.get_device()}: in every seed (1, 0) learns waves 1-2 "
      f"(< 0.05) but not 3-4 (> 0.14); (1, 1) continuous lowers the error of waves 3-4 by a factor "
      f"{gain.min():.1f} .. {gain.max():.1f}")

# %%
epochs = np.arange(1, cfg.epochs + 1)
fig, axes = plot.figure(ncols=2, width=10.0, height=3.6)
for ax, name in zip(axes, live):
    curves = np.array([[h["test_mae"] for h in runs[(name, s)]["history"]] for s in seeds])  # (seed, epoch, wave)
    for w in range(4):
        ax.plot(epochs, curves[:, :, w].mean(0), color=plot.COLORS[w], label=f"wave {w + 1} (f = {cfg.freqs[w]:g})")
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
# (frequencies in rad/time) fall to about $0.03$ over twenty epochs, waves 3-4 stay near $0.16$. Right: $(1, 1)$
# with the weight $(1 + |s|)^\beta$: waves 3-4 come down as well, with a larger spread over seeds.

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
# seed 0, in rad/time; dashed: waves 1 and 2 ($f = 1$ and $16$); waves 3 and 4 ($256$, $4096$) lie far above
# the plotted range. With the learning rate $0.1$ on $\mathrm{Im}\,a_j$ the modes do move by a few rad/time, but
# they stay in the band where they started, two to three decades below waves 3 and 4: the continuous-weight
# model does not learn the fast waves by moving its modes there, but through the weight, which amplifies the
# SSM branch at high frequencies (chapter 7, *A stronger normalization*).
#
# **Check.** No mode of either run ends above $30$ rad/time, ten times below wave 3.

# %% tags=["nbval-ignore-output"]
max_y = {name: max(np.max(runs[(name, s)]["history"][-1]["A_imag"]) for s in seeds) for name in live}
assert all(v < 30 for v in max_y.values()), max_y
print(f"scale: {fssm.get_scale()} | device: {fssm.get_device()}: largest final Im(a_j) over seeds:",
      ", ".join(f"{name} {v:.1f}" for name, v in max_y.items()), "rad/time (wave 3: 256)")

# %% [markdown]
# ## 8.4 The paper's four configurations at book scale
#
# The paper's four configurations, with the paper's nominal weight $(1 + \omega)^\beta$ applied as intended
# (section 7.3 shows that the authors' code applied it differently), seeds 0, 1, 2: twelve runs, about three
# minutes on a 2-core CPU, past this chapter's budget. They ran from the command line,
#
# ```bash
# python -m fssm.experiments.waves --scale book --out results
# ```
#
# and the stored results are read here. A configuration *learns the high waves* in a seed when its mean error
# on waves 3 and 4 is at least $0.03$ below the untuned model's in that seed (the criterion of chapter 6).

# %% tags=["stored-results"]
import numpy as np
from fssm.experiments import common

stored_book = common.read_results("waves", "book")
assert stored_book is not None, "waves-book.json is missing: run the command above"
print(common.describe_stored(stored_book, "waves", "book"))
c_b = stored_book["config"]
print(f"  L = {c_b['L']}, {c_b['epochs']} epochs, {c_b['n_train']} train / {c_b['n_test']} test signals, "
      f"Sobolev norm {c_b['sobolev_norm']}; final test MAE per wave, seeds {stored_book['seed']}:")
E_book = common.group_runs(stored_book["runs"], "final_test_mae")  # {(alpha, beta): r(seeds, 4)}
for (al, be), E in E_book.items():
    print(f"  ({al:g}, {be:g}): " + " | ".join(" ".join(f"{v:.3f}" for v in row) for row in E))
base = E_book[(1.0, 0.0)]
learns_high = {key: [s for s in range(len(E)) if E[s, 2:].mean() < base[s, 2:].mean() - 0.03]
               for key, E in E_book.items() if key != (1.0, 0.0)}
for key, seeds_high in learns_high.items():
    print(f"  ({key[0]:g}, {key[1]:g}) learns the high waves in {len(seeds_high)} of {len(base)} seeds")
# what the text below states, in every seed
assert base[:, :2].max() < 0.05 < 0.14 < base[:, 2:].min()  # untuned: slow waves learned, fast ones not
assert bool((E_book[(100.0, 1.0)][:, :2] > base[:, :2] + 0.05).all())  # (100, 1) loses waves 1 and 2
assert len(learns_high[(100.0, 1.0)]) == 1 and len(learns_high[(10.0, 0.5)]) == 1  # high waves: one seed of three
assert np.abs(E_book[(0.01, -1.0)] - base).max() < 0.01  # (0.01, -1) is the untuned model to 0.01

# %% [markdown]
# **What the stored runs show.** The untuned model learns waves 1 and 2 and not 3 and 4, in every seed. The
# configuration $(100, 1)$ loses waves 1 and 2 in every seed (no mode is left near them) but learns the high
# waves in only one seed of three, like $(10, 0.5)$: at this budget the upward shift of the bias is unreliable.
# $(0.01, -1)$ ends within $0.01$ of the untuned model on every wave in every seed: the strengthened bias the
# paper reports does not show, as expected, since the untuned model already leaves the high waves at the
# symmetric floor of chapter 4. Whatever $(10, 0.5)$ and $(100, 1)$ change, they change through $\alpha$: at
# their modes the nominal weight is within 1 % and 14 % of 1 (computed below), too little to rescale the
# gradients of chapter 7.

# %%
w_max = {(al, be): ((1 + om.max()) ** be).item() for (al, be), om in omega_modes.items()}
assert abs(w_max[(10.0, 0.5)] - 1) < 0.01 and abs(w_max[(100.0, 1.0)] - 1) < 0.14
print("nominal weight (1 + omega)^beta at the top initial mode:",
      ", ".join(f"({a:g}, {b:g}): {v:.4f}" for (a, b), v in w_max.items()))

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
# | claim of {cite:t}`yu2025tuning` | at book scale (this chapter and chapters 6-7) |
# |---|---|
# | untuned $(1, 0)$: low waves learned, high waves not | **holds** in every seed (sections 8.3, 8.4) |
# | larger $\alpha$ shifts the learned waves upwards | **partly**: $(100, 1)$ loses waves 1-2 in every seed but learns waves 3-4 in one seed of three, $(10, 0.5)$ likewise (section 8.4) |
# | $\beta > 0$ helps the high waves, $\beta < 0$ the low ones | **does not show** with the paper's nominal weight $(1 + \omega)^\beta$ (chapter 7: $(1, 1)$ changes no error by more than $0.001$); the authors' code applied $\beta = 1$ as a flat gain (chapter 7, section 7.3) |
# | same, with the weight on rad/time, $(1 + \lvert s \rvert)^\beta$ | **holds** for $(1, 1)$: waves 3-4 better than $(1, 0)$ in every seed (section 8.3) |
# | $(0.01, -1)$ strengthens the low-frequency bias | **not distinguishable** from $(1, 0)$: every error within $0.01$ in every seed (section 8.4) |
#
# ## Summary
# - The waves experiment regresses the amplitudes of four cosines at $10^{-4}$ to $0.41$ rad/sample; the
#   per-wave test MAE (chance $0.225$) shows which frequencies a model has learned.
# - The initial modes $\Delta t\,\alpha\pi(1.3 + n)$ predict it: at $\alpha = 1$ they sit between waves 1 and 2,
#   and the untuned model learns exactly those two waves, in every seed.
# - The modes move by a few rad/time during training, far too little to reach the fast waves.
# - The paper's four configurations at book scale: $(100, 1)$ loses the low waves in every seed and learns the
#   high ones in one seed of three, $(10, 0.5)$ likewise learns them in one seed, $(0.01, -1)$ equals the untuned
#   model. With the paper's nominal Sobolev weight applied as intended, $\beta$ has no measurable effect at book
#   scale (and the authors' code applied $\beta = 1$ as a flat gain); with the weight $(1 + |s|)^\beta$ on the
#   continuous frequency, $(1, 1)$ learns waves 3-4 better than $(1, 0)$ in every seed.
# - Larger scales run from the command line; results are shown here once stored, with their provenance.
#
# ## Exercises
#
# **Exercise 8.1 (aim the lowest mode at wave 4).** Which $\alpha$ puts the lowest mode ($n = 0$) of the waves
# initialization at wave 4, $s = 4096$ rad/time? Where does the highest mode then sit in rad/sample, and is it
# below the Nyquist frequency? Check with a model built with that $\alpha$.

# %% tags=["hide-input"]
# Solution
# alpha pi 1.3 = 4096  =>  alpha = 4096 / (1.3 pi) ~ 1002.9; the top mode is at dt alpha pi 4.3 = 1.355 < pi.
alpha4 = 4096 / (1.3 * math.pi)
fssm.seed_everything(0)
m4 = waves.WavesModel(dataclasses.replace(cfg, alpha=alpha4))
y4 = m4.ssm.kernel.A_imag.detach().double()
assert abs(y4.min().item() - 4096) < 1e-2 and cfg.dt * y4.max().item() < math.pi
print(f"alpha = {alpha4:.2f}: modes at {y4.min():.0f} .. {y4.max():.0f} rad/time, top mode at "
      f"omega = {cfg.dt * y4.max():.3f} rad/sample < pi")

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
# **Exercise 8.3 (why the slow waves need length).** Waves 1 and 2 complete $L\Delta t f_w/(2\pi)$ periods in a
# sequence. Compute this for $L = 512$ and $L = 1024$, and the normalised correlation
# $\langle \cos f_1 t, \cos f_2 t\rangle / (\|\cos f_1 t\|\,\|\cos f_2 t\|)$ of the two waves over the sequence.
# Why does the book scale use $L = 1024$?

# %% tags=["hide-input"]
# Solution
# At L = 512 wave 1 covers 0.008 periods and wave 2 only 0.13: both are nearly constant, correlation 0.994,
# so their amplitudes can hardly be told apart; at L = 1024 wave 2 covers a quarter period (correlation 0.88).
corr = {}
for L_ex in (512, 1024):
    t = cfg.dt * np.arange(L_ex)
    u1, u2 = np.cos(cfg.freqs[0] * t), np.cos(cfg.freqs[1] * t)
    corr[L_ex] = u1 @ u2 / np.sqrt((u1 @ u1) * (u2 @ u2))
    periods = L_ex * cfg.dt * np.array(cfg.freqs[:2]) / (2 * math.pi)
    print(f"L = {L_ex}: periods of waves 1, 2: {periods[0]:.4f}, {periods[1]:.3f}; correlation {corr[L_ex]:.4f}")
assert corr[512] > 0.99 and corr[1024] < 0.9

# %% [markdown]
# ## References
# ```{bibliography}
# :filter: docname in docnames
# ```
