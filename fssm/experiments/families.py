r"""Synthetic waves for the other SSM families: which wave amplitudes do S4, S5 and a selective SSM learn?

The waves experiment of `fssm.experiments.waves` (four superposed cosines, the model regresses their
amplitudes; at the book's scales the waves sit at `waves.BOOK_FREQS` = pi 8^(w-1) rad/time, dt = 2^-10,
L = 2048) with the S4D layer replaced by one layer of another family (`fssm.families`), under the same
alpha/beta controls. Everything else is the waves experiment's own code: data (`waves.make_data`), error
per wave (`waves.per_wave_mae`), training (`fssm.train.fit`), seeds, scales and (alpha, beta) handling.

Every family gets the same sizes and the same fixed step: H = d_model channels, d_state modes, dt = cfg.dt
(dt_min = dt_max; log dt frozen unless cfg.lr_dt > 0), the waves model's learning rates for the
eigenvalues (cfg.lr_imag on Im, cfg.lr_real on log(-Re)), GELU after the SSM, no output mixing, and the
Sobolev weight (1 + k/M)^beta with M = cfg.sobolev_scale. Each family keeps its own initialization:

    's4d'            S4D, exactly `waves.WavesModel` (a_n = -1/2 + i alpha pi (1.3 + n); ZOH)
    's4'             S4 (DPLR, HiPPO-LegS of real size 2N, bilinear): Lambda's Im scaled by alpha; P, B and
                     C train at the base lr (cfg.lr), as C does in S4D
    's5'             S5: one diagonal system of P = d_state modes (HiPPO-N) shared by all channels (ZOH); B and
                     C train at the base lr
    'selective'      Mamba's S6 mixer, complex A (S4D-Lin, a_n = -1/2 + i alpha pi n): delta =
                     softplus(W_dt u + dt_bias) with softplus(dt_bias) = dt (dt_bias trains at cfg.lr_dt, 0 =
                     frozen; W_dt trains as in Mamba), then GELU
    'selective-real' the same with real A (S4D-Real, a_n = -(n + 1); alpha has nothing to scale)

S5 and the selective mixer apply the Sobolev weight to their input (the same product as the weight on the
kernel for an LTI system): sobolev_mode 'both' and 'input'; 'gradient' and 'forward' exist only for S4D
and S4 (`FamiliesWavesConfig` refuses the others).

The records hold, per epoch, the test error per wave and the continuous-time poles of the layer
(`mode_eigenvalues`, rad/time): for S4 the eigenvalues of its dense 2N x 2N state matrix
A = diag(Lambda, conj Lambda) - p p^*, which at alpha = 1 are the real poles -1, ..., -2N of HiPPO-LegS (not
Lambda's -1/2 + i y), and for the others the diagonal A itself.

The CLI trains every family of --families at every (alpha, beta) of --configs once per seed on generated
data (nothing is downloaded) and writes families-waves-SCALE.json (per-wave test error and poles per
epoch, provenance) into --out.
"""
from __future__ import annotations

import dataclasses
import functools
import math
import time
import warnings
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from ..train import TrainConfig, fit
from ..utils import check_choice, get_device, seed_everything
from . import waves
from .cli import (add_run_arguments, cli_config, cli_device, experiment_parser, output_path, positive_int, print_plan,
                  run_plan, save_sweep)
from .common import check_config, git_commit, html_table, run_tasks

__all__ = ["FAMILIES", "DISPLAY_NAMES", "DEFAULT_FAMILIES", "DEFAULT_CONFIGS", "FamiliesWavesConfig", "FamilyWavesModel",
           "mode_eigenvalues", "run", "run_sweep", "describe", "EXAMPLES", "CLI_FIELDS", "RESULTS_NAME",
           "build_parser", "main", "summary", "summary_table", "top_mode_travel", "poles_imag"]

FAMILIES: Tuple[str, ...] = ("s4d", "s4", "s5", "selective", "selective-real")
DEFAULT_FAMILIES: Tuple[str, ...] = ("s4", "s5", "selective", "selective-real")  # s4d: the waves experiment
DEFAULT_CONFIGS: Tuple[Tuple[float, float], ...] = ((1.0, 0.0), (10.0, 0.0), (100.0, 0.0), (10.0, 0.5), (100.0, 1.0))
DISPLAY_NAMES: Dict[str, str] = {"s4d": "S4D", "s4": "S4", "s5": "S5", "selective": "selective (complex A)",
                                 "selective-real": "selective (real A)"}  # how the book names each family
RESULTS_NAME = "families-waves"  # results/families-waves-SCALE.json
# Sobolev modes of the families that apply the weight to their input (S5, selective): 'both' equals 'input'
_INPUT_SOBOLEV_MODES = ("both", "input")
# Command lines shown in --help (tests run each with --dry-run appended).
EXAMPLES = (
    "python -m fssm.experiments.families --scale book          # s4 s5 selective selective-real, five configs, seeds 0 1 2",
    "python -m fssm.experiments.families --scale book --families s4 s5 --configs 1,0 100,0 --seeds 0",
    "python -m fssm.experiments.families --scale colab --families s4d s4 --sobolev-norm continuous --configs 10,0.5",
    "python -m fssm.experiments.families --scale smoke --dry-run   # print the plan; train and write nothing",
)
# Config fields the CLI sets through options of their own (--set refuses them, naming the option).
CLI_FIELDS = {**waves.CLI_FIELDS, "family": "--families"}


@dataclass
class FamiliesWavesConfig(waves.WavesConfig):
    """`waves.WavesConfig` plus the SSM family of the layer (one of `FAMILIES`); `for_scale` is the waves'
    (book scale: L 2048, 512 train, 20 epochs, batch 16, lr 0.03, d_model 16, d_state 4, dt = BOOK_DT)."""

    family: str = "s4"

    def __post_init__(self):
        super().__post_init__()
        check_choice("family", self.family, FAMILIES)
        if self.family != "s4d" and self.init != "paper":
            raise ValueError(f"init={self.init!r} applies to family 's4d' only; family {self.family!r} keeps its own "
                             f"initialization (module docstring)")
        if self.family in ("s5", "selective", "selective-real") and self.sobolev_mode not in _INPUT_SOBOLEV_MODES:
            raise ValueError(f"sobolev_mode={self.sobolev_mode!r} is not available for family {self.family!r}, which "
                             f"applies the Sobolev weight to its input: use one of {_INPUT_SOBOLEV_MODES}")


def _family_layer(cfg: FamiliesWavesConfig) -> nn.Module:
    """The SSM layer of `cfg.family` (not 's4d', which is `waves.WavesModel`'s), configured as the module
    docstring says."""
    from ..families import s4, s5, selective

    H, N, dt = cfg.d_model, cfg.d_state, cfg.dt
    if cfg.family == "s4":
        return s4.S4Layer(
            H, N, alpha=cfg.alpha, init="legs", disc="bilinear", dt_min=dt, dt_max=dt,
            lr={"log_dt": cfg.lr_dt, "log_Lambda_real": cfg.lr_real, "Lambda_imag": cfg.lr_imag},
            beta=cfg.beta, sobolev_scale=cfg.sobolev_scale, sobolev_mode=cfg.sobolev_mode,
            activation="gelu", mixing=None)
    if cfg.family == "s5":
        return s5.S5Layer(
            H, N, alpha=cfg.alpha, beta=cfg.beta, init="legs", dt_min=dt, dt_max=dt,
            lr={"log_dt": cfg.lr_dt, "log_A_real": cfg.lr_real, "A_imag": cfg.lr_imag},
            sobolev_scale=cfg.sobolev_scale, activation="gelu", mixing=None)
    complex_A = cfg.family == "selective"
    lr = {"dt_bias": cfg.lr_dt, "log_A_real": cfg.lr_real}
    if complex_A:
        lr["A_imag"] = cfg.lr_imag
    return selective.SelectiveSSM(H, N, alpha=cfg.alpha, complex=complex_A, dt_min=dt, dt_max=dt, beta=cfg.beta,
                                  sobolev_scale=cfg.sobolev_scale, lr=lr)


class FamilyWavesModel(nn.Module):
    """Linear(1 -> H), one SSM layer of `cfg.family` (GELU, no mixing), Linear(H -> W), mean over time.

    Input r(B L 1) -> r(B W), as `waves.WavesModel`. For 's4d' the modules are those `waves.WavesModel(cfg)`
    builds (same parameters for the same seed); the others are built in the same order (encoder, SSM,
    decoder). The selective mixer has no activation of its own: GELU is applied after it here.
    """

    def __init__(self, cfg: FamiliesWavesConfig):
        super().__init__()
        check_config(cfg, FamiliesWavesConfig)
        self.family = cfg.family
        if cfg.family == "s4d":
            base = waves.WavesModel(cfg)
            self.encoder, self.ssm, self.decoder = base.encoder, base.ssm, base.decoder
        else:
            self.encoder = nn.Linear(1, cfg.d_model)
            self.ssm = _family_layer(cfg)
            self.decoder = nn.Linear(cfg.d_model, len(cfg.freqs))
        self.gelu_after_ssm = cfg.family.startswith("selective")

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # r(B L 1) -> r(B W)
        h = self.ssm(self.encoder(x).transpose(1, 2))  # r(B H L)
        if self.gelu_after_ssm:
            h = F.gelu(h)
        return self.decoder(h.transpose(1, 2)).mean(1)


@torch.no_grad()
def mode_eigenvalues(model: FamilyWavesModel) -> torch.Tensor:
    """The continuous-time poles of the model's SSM layer in rad/time, c(H M) complex128 on the CPU.

    's4d': the diagonal A, M = N per channel; 's4': the eigenvalues of the dense state matrix
    A = diag(Lambda, conj Lambda) - p p^* (float64), all M = 2N of them per channel (conjugate pairs both
    kept), sorted by real part (then imaginary part); 's5': its one A shared by every channel, c(1 P);
    'selective' / 'selective-real': A per channel, M = N (real A with zero imaginary parts). The step is dt
    for every family at the waves' settings (the selective mixer's delta is dt on a zero input), so
    |Im| * dt is each pole's frequency in rad/sample.
    """
    family = getattr(model, "family", None)
    check_choice("model.family", family, FAMILIES)
    layer = model.ssm
    if family == "s4d":
        A = layer.kernel.ssm()["A"]
    elif family == "s4":
        A = torch.linalg.eigvals(layer.kernel.ssm(torch.float64)["A"])  # c(H 2N), in no particular order
        A = torch.gather(A, 1, torch.sort(A.imag, dim=1, stable=True).indices)
        A = torch.gather(A, 1, torch.sort(A.real, dim=1, stable=True).indices)
    elif family == "s5":
        A = layer.ssm(torch.float64)["A"][None]
    else:
        A = layer.ssm()["A"]
    return A.detach().cpu().to(torch.complex128)


def _step(model: FamilyWavesModel) -> torch.Tensor:
    """dt where it trains (cfg.lr_dt > 0): r(H) (S4D, S4; the selective mixer's softplus(dt_bias), its step on
    a zero input) or r(P) (S5)."""
    layer = model.ssm
    if model.family in ("s4d", "s4"):
        return layer.kernel.log_dt.detach().exp()
    if model.family == "s5":
        return layer.log_dt.detach().exp()
    return F.softplus(layer.dt_bias.detach())


def run(cfg: FamiliesWavesConfig, seed: int = 0, device=None, progress: bool = False) -> Dict:
    """Train one model of `cfg.family`; as `waves.run` (same data, seeds and training, so that 's4d' gives
    waves.run's numbers), with the poles of `mode_eigenvalues` in place of Im(a_j).

    Returns {family, alpha, beta, seed, eig_init: [Re, Im] (two nested lists H x M), aliased_modes_init: how
    many of those H x M initial poles have |Im| dt > pi (above the Nyquist frequency), history: per epoch
    {test_mae: per wave, eig_imag, eig_real: H x M nested lists, dt when it trains}, final_test_mae,
    seconds}. An AliasingWarning of the layer is shown once per run (as the warnings filters say).
    """
    check_config(cfg, FamiliesWavesConfig)
    device = get_device(device)
    seed_everything(seed)
    batches, (x_test, y_test) = waves.make_data(cfg, device)
    seed_everything(seed)
    with warnings.catch_warnings():  # a fresh context: the layer's warning is shown in every run, not once a process
        model = FamilyWavesModel(cfg).to(device)
    eig0 = mode_eigenvalues(model)

    def loss_fn(m, batch):
        return F.mse_loss(m(batch[0]), batch[1])

    def evaluate(m, epoch):
        eig = mode_eigenvalues(m)
        record = {"test_mae": waves.per_wave_mae(m, x_test, y_test), "eig_imag": eig.imag.tolist(),
                  "eig_real": eig.real.tolist()}
        if cfg.lr_dt > 0:  # dt trains: record where it went
            record["dt"] = _step(m).cpu().tolist()
        return record

    t0 = time.perf_counter()
    history = fit(model, batches, loss_fn, TrainConfig(
        epochs=cfg.epochs, lr=cfg.lr, weight_decay=cfg.weight_decay, progress=progress, verbose=False),
        evaluate=evaluate)
    return {
        "family": cfg.family, "alpha": cfg.alpha, "beta": cfg.beta, "seed": seed,
        "eig_init": [eig0.real.tolist(), eig0.imag.tolist()],
        "aliased_modes_init": int((eig0.imag.abs() * cfg.dt > math.pi).sum()),
        "history": history,
        "final_test_mae": history[-1]["test_mae"],
        "seconds": time.perf_counter() - t0,
    }


def _sweep_configs(cfg: FamiliesWavesConfig, families: Sequence[str], configs: Sequence[Tuple[float, float]],
                   names: Tuple[str, str] = ("families", "configs")) -> List[FamiliesWavesConfig]:
    """`cfg` for every family (outer) and (alpha, beta) of `configs` (inner), all checked before any trains:
    ValueError naming `names[0]` for an unknown or repeated family, or a family the config does not allow."""
    check_config(cfg, FamiliesWavesConfig)
    return waves.sweep_over(cfg, "family", families, configs, names)


def run_sweep(cfg: FamiliesWavesConfig, families: Sequence[str] = DEFAULT_FAMILIES,
              configs: Sequence[Tuple[float, float]] = DEFAULT_CONFIGS, seeds: Sequence[int] = (0, 1, 2), device=None,
              progress: bool = False, verbose: bool = False, jobs: int = 1) -> List[Dict]:
    """`run` for every family, every (alpha, beta) of `configs` and every seed (in that nesting); `verbose`
    prints each run as it ends. Every configuration is checked before the first run trains.

    jobs: runs trained at once, each in a fresh worker process with torch.get_num_threads() // jobs threads
    (CPU only; at least 1; `common.run_tasks`). Each run seeds itself, so its result does not depend on which
    worker trains it; only round-off differs from a run on more threads. Results come back in the sweep's
    order."""
    tasks = [((c,), {"seed": s, "progress": progress and jobs == 1})
             for c in _sweep_configs(cfg, families, configs) for s in seeds]
    return run_tasks(run, tasks, jobs=jobs, device=device,
                     on_result=(lambda r: print(describe(r), flush=True)) if verbose else None)


def describe(r: Dict) -> str:
    """One line: family, configuration, seed, final per-wave test MAE, seconds."""
    return f"family={r['family']} {waves.describe(r)}"


# ----------------------------------------------------------------------------- what the runs show
def poles_imag(run: Dict):
    """(Im of the poles before training, Im after the last epoch), each a flat float64 array, from a run record
    of this module ('eig_init', 'eig_imag') or of the waves experiment's S4D runs ('A_imag_init', 'A_imag')."""
    import numpy as np

    last = run["history"][-1]
    start = run["eig_init"][1] if "eig_init" in run else run["A_imag_init"]
    end = last["eig_imag"] if "eig_imag" in last else last["A_imag"]
    return np.asarray(start, dtype=np.float64).ravel(), np.asarray(end, dtype=np.float64).ravel()


def top_mode_travel(run: Dict, wave: float) -> float:
    """How far the highest pole moved towards `wave` (rad/time) during training, as a share of the way:
    (max Im at the end - max Im at the start) / (wave - max Im at the start). 0: it stayed; 1: it got there."""
    start, end = poles_imag(run)
    return float((end.max() - start.max()) / (wave - start.max()))


def summary(stored: Dict, s4d_stored: Optional[Dict] = None) -> List[Dict]:
    """Per family, what the stored waves runs show (the chapter 11 criteria of `claims`, seed by seed):

    - 'untuned': at (1, 0), waves 1-2 learned and 3-4 not (final MAE < claims.LEARNED / > NOT_LEARNED): in how
      many seeds, and the learned sets (`claims.pattern`);
    - 'travel': the largest share of the way to wave 3 that the top pole travelled at (1, 0) (`top_mode_travel`);
    - 'alpha': {alpha: seeds in which, at (alpha, 0) against (1, 0), a wave above the untuned model's learned
      ones gets better by claims.CHANGED} (`claims.gains_above_per_seed`), for every alpha > 1 stored with
      beta = 0; 'alpha_cost': {alpha: seeds in which the lowest wave gets worse by CHANGED} (the price the
      paper's trade pays; chapter 11's "shift" is both at once);
    - 'beta': {(alpha, beta): seeds in which beta > 0 lowers the error of a wave above the lowest against
      (alpha, 0)} (`claims.beta_per_seed`), for every such pair stored;
    - 'seeds': the number of seeds at (1, 0).
    stored: a families-waves results file; s4d_stored: optionally the waves experiment's file, for an S4D row.
    """
    from . import claims
    from .common import group_runs

    by_family: Dict[str, List[Dict]] = {}
    if s4d_stored is not None:
        by_family["s4d"] = list(s4d_stored["runs"])
    for r in stored["runs"]:
        by_family.setdefault(r["family"], []).append(r)
    wave3 = stored["config"]["freqs"][2]
    rows = []
    for family in [f for f in FAMILIES if f in by_family]:
        runs = by_family[family]
        E = group_runs(runs, "final_test_mae")  # {(alpha, beta): r(seeds, waves)}
        if (1.0, 0.0) not in E:
            continue
        base = E[(1.0, 0.0)]
        untuned = [bool((row[:2] < claims.LEARNED).all() and (row[2:] > claims.NOT_LEARNED).all()) for row in base]
        travel = max(top_mode_travel(r, wave3) for r in runs if (r["alpha"], r["beta"]) == (1.0, 0.0))
        alpha = {a: sum(claims.gains_above_per_seed(E, a)) for a, b in E if b == 0.0 and a > 1.0}
        alpha_cost = {a: sum(claims.lowest_worse_per_seed(E, a)) for a in alpha}
        beta = {(a, b): sum(claims.beta_per_seed(E, a, b)) for a, b in E if b > 0.0 and (a, 0.0) in E}
        rows.append({"family": family, "seeds": len(base), "untuned": sum(untuned),
                     "untuned_pattern": claims.pattern(base), "travel": travel, "alpha": alpha,
                     "alpha_cost": alpha_cost, "beta": beta,
                     "mae": {k: v.mean(0).tolist() for k, v in E.items()}})
    return rows


def _verdict(held: int, n: int) -> str:
    return "yes" if held == n else "partly" if held else "no"


def summary_table(rows: Sequence[Dict], init_high_share: Optional[Dict[str, Tuple[float, float]]] = None,
                  names: Optional[Dict[str, str]] = None) -> str:
    """The chapter's summary as an HTML table: one row per family of `summary(...)`, columns bias at init,
    the untuned model's learned waves, do the poles move, does alpha work, does beta work, each a verdict
    with its numbers. init_high_share: optional {family: (share of the variation in the bands of waves 3-4 at
    alpha = 1, the same at alpha = 100)} (book section 12.4), largest over seeds; names: display names."""
    import html

    names = names or {}
    head = ["family", "bias at init (bands 3-4, alpha 1 → 100)", "untuned (1, 0): learned waves",
            "training moves the poles?", "alpha > 1 helps a higher wave? (seeds)", "beta > 0 helps a wave above the lowest? (seeds)"]
    body = []
    for row in rows:
        fam, n = row["family"], row["seeds"]
        if init_high_share and fam in init_high_share:
            lo, hi = init_high_share[fam]
            init = f"<b>{'low' if lo < 0.05 else 'not low'}</b>: {lo:.0%} &rarr; {hi:.0%}"
        else:
            init = "-"
        untuned = f"<b>{_verdict(row['untuned'], n)}</b>: {html.escape(row['untuned_pattern'])}"
        moves = f"<b>{'no' if row['travel'] < 0.25 else 'yes'}</b>: top pole at most {row['travel']:.0%} of the way to wave 3"
        alpha = "; ".join(f"alpha {a:g}: {k}/{n} (wave 1 worse in {row['alpha_cost'][a]}/{n})"
                          for a, k in row["alpha"].items())
        alpha_best = max(row["alpha"].values(), default=0)
        beta = "; ".join(f"({a:g}, {b:g}): {k}/{n}" for (a, b), k in row["beta"].items())
        beta_best = max(row["beta"].values(), default=0)
        cells = [html.escape(names.get(fam, fam)), init, untuned, moves,
                 f"<b>{_verdict(alpha_best, n)}</b>: {alpha}" if row["alpha"] else "-",
                 f"<b>{_verdict(beta_best, n)}</b>: {beta}" if row["beta"] else "-"]
        body.append(cells)
    return html_table(head, body, css="table families-summary", escape=False)


def build_parser():
    """The CLI's options: --families, --configs, --sobolev-norm and the shared ones (`add_run_arguments`)."""
    p = experiment_parser("families", __doc__, EXAMPLES)
    p.add_argument("--families", nargs="+", default=list(DEFAULT_FAMILIES), choices=FAMILIES, metavar="NAME",
                   help=f"SSM families to train, from {', '.join(FAMILIES)} (default: {' '.join(DEFAULT_FAMILIES)}; "
                        f"s4d is the waves experiment's model)")
    p.add_argument("--configs", nargs="+", default=[f"{a:g},{b:g}" for a, b in DEFAULT_CONFIGS], metavar="ALPHA,BETA",
                   help="(alpha, beta) pairs to train, e.g. 1,0 10,0.5 (default: "
                        + " ".join(f"{a:g},{b:g}" for a, b in DEFAULT_CONFIGS) + ")")
    p.add_argument("--sobolev-norm", default="paper", choices=waves.SOBOLEV_NORMS,
                   help="frequency measure of the Sobolev weight (see WavesConfig.sobolev_scale)")
    p.add_argument("--jobs", type=positive_int, default=1,
                   help="runs trained at once in worker processes, each on threads // jobs threads (CPU only)")
    add_run_arguments(p, FamiliesWavesConfig, seeds=(0, 1, 2), fixed=CLI_FIELDS)
    return p


def plan(args, cfg: FamiliesWavesConfig, configs: Sequence[Tuple[float, float]], device) -> Dict[str, object]:
    """What a run of the CLI would do (printed by --dry-run): runs, data, the results file."""
    pairs = ", ".join(f"alpha={a:g} beta={b:g}" for a, b in configs)
    n = len(args.families) * len(configs) * len(args.seeds)
    return run_plan(
        args, _recorded_config(cfg, args.families), device, output_path(RESULTS_NAME, args),
        runs=f"{n} = {len(args.families)} families ({' '.join(args.families)}) x {len(configs)} configurations "
             f"x {len(args.seeds)} seeds ({pairs})",
        data=f"generated in memory (WavesDataset, seed {cfg.data_seed}): {cfg.n_train} train and {cfg.n_test} "
             f"test signals of length {cfg.L}; nothing to download")


def _recorded_config(cfg: FamiliesWavesConfig, families: Sequence[str]) -> Dict:
    """The sweep's config as stored: `cfg` with every family of the sweep under 'family'."""
    return {**dataclasses.asdict(cfg), "family": list(families)}


def main(argv=None) -> Optional[str]:
    """`python -m fssm.experiments.families` (see --help): returns the results path written, None for --dry-run."""
    p = build_parser()
    args = p.parse_args(argv)
    cfg = cli_config(p, args, FamiliesWavesConfig, functools.partial(FamiliesWavesConfig.for_scale, args.scale),
                     CLI_FIELDS, sobolev_norm=args.sobolev_norm, family=args.families[0])
    configs = waves.parse_configs(p, args.configs, cfg)
    try:
        _sweep_configs(cfg, args.families, configs, ("--families", "--configs"))
    except ValueError as e:
        p.error(str(e))
    device = cli_device(p, args)
    if args.jobs > 1 and device.type != "cpu":
        p.error(f"--jobs {args.jobs} trains runs side by side on the CPU; on {device} use --jobs 1")
    if args.dry_run:
        print_plan("families", plan(args, cfg, configs, device))
        return None
    t0, commit = time.perf_counter(), git_commit()
    runs = run_sweep(cfg, args.families, configs, args.seeds, device=device,
                     progress=not args.no_progress and args.jobs == 1, verbose=True, jobs=args.jobs)
    return save_sweep(RESULTS_NAME, args, _recorded_config(cfg, args.families), runs, t0, commit)


if __name__ == "__main__":
    main()
