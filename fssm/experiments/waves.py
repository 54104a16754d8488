r"""Synthetic waves (paper Fig. 1 and its tuned version): which wave amplitudes does an S4D model learn?

Inputs superpose four cosines cos(f_w t) sampled at step dt; a one-layer S4D model regresses the four
amplitudes. The frequency bias shows as a test error that grows with the wave's frequency; alpha and beta
move it.

The paper (scale 'paper') uses f = 1, 16, 256, 4096 rad/time at dt = 1e-4 and L = 62832: one period of the
slowest wave. Shorter windows keep neither property at those frequencies (at L = 2048 wave 1 would be a
constant and wave 2 a quarter period, a trend), so the smaller scales use `BOOK_FREQS` = pi * 8^(w-1)
rad/time at `BOOK_DT` = 2^-10: over L = 2048 samples the waves complete 1, 8, 64 and 512 periods (every
wave averages to zero over the window; ratio 8 between neighbours instead of the paper's 16, whose wave 4
would need 4096 periods in a window that holds at most 1024: 8 is the largest power of two that keeps four
samples per period of wave 4), and the modes' initial frequencies pi(1.3 + n) rad/time are the
paper's, so each of the paper's alphas puts its modes between the same two waves as in the paper.

The CLI trains every (alpha, beta) of --configs once per seed on generated data (nothing is downloaded)
and writes waves-SCALE.json (per-wave test error per epoch, Im(a_j) per epoch, provenance) into --out.
"""
from __future__ import annotations

import argparse
import dataclasses
import functools
import math
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from ..data import Batches, WavesDataset
from ..init import INITS, RANDOM_RULES, init_A, random_init, spectral_init
from ..layer import SOBOLEV_MODES, S4DLayer
from ..train import TrainConfig, fit
from ..utils import SCALES, check_choice, check_int, check_real, get_device, seed_everything
from .cli import (add_run_arguments, cli_config, cli_device, experiment_parser, output_path, print_plan, run_plan,
                  save_sweep)
from .common import check_config, git_commit

__all__ = ["WavesConfig", "WavesModel", "paper_init", "initial_modes", "WAVES_INITS", "run", "run_sweep", "PAPER_CONFIGS", "sweep_configs", "sweep_over", "EXAMPLES", "build_parser", "final_mae_summary", "BOOK_FREQS", "BOOK_DT",
           "main"]

PAPER_CONFIGS: Tuple[Tuple[float, float], ...] = ((1.0, 0.0), (100.0, 1.0), (0.01, -1.0), (10.0, 0.5))
# Command lines shown in --help (tests run each with --dry-run appended).
EXAMPLES = (
    "python -m fssm.experiments.waves --scale book          # the paper's four (alpha, beta), seeds 0 1 2",
    "python -m fssm.experiments.waves --scale colab --configs 1,0 10,0.5 --seeds 0",
    "python -m fssm.experiments.waves --scale colab --sobolev-norm continuous --configs 1,1",
    "python -m fssm.experiments.waves --scale paper --epochs 50 --set lr=3e-3 --out results",
    "python -m fssm.experiments.waves --scale colab --dry-run   # print the plan; train and write nothing",
)
# Config fields the CLI sets through options of their own (--set refuses them, naming the option).
CLI_FIELDS = {"alpha": "--configs", "beta": "--configs", "sobolev_norm": "--sobolev-norm"}
PAPER_LENGTH = 62832  # the paper's L: 2*pi*1e4, one period of the slowest wave
PAPER_FREQS: Tuple[float, ...] = (1.0, 16.0, 256.0, 4096.0)  # rad/time, at PAPER_DT
PAPER_DT = 1e-4
# The smaller scales: 1, 8, 64, 512 periods in BOOK_PERIOD_LENGTH = 2048 samples (f_w dt = 2 pi k_w / 2048).
BOOK_PERIODS: Tuple[int, ...] = (1, 8, 64, 512)
BOOK_PERIOD_LENGTH = 2048
BOOK_DT = 2.0 ** -10
BOOK_FREQS: Tuple[float, ...] = tuple(2 * math.pi * k / (BOOK_PERIOD_LENGTH * BOOK_DT) for k in BOOK_PERIODS)
PAPER_SOBOLEV_SCALE = 10000.0  # M of the authors' waves code, on the bins of an unpadded L-point FFT
SOBOLEV_NORMS = ("paper", "continuous", "fft")
# initializations of the waves model's modes (before alpha): the paper's, fssm.init's, and random ones
WAVES_INITS: Tuple[str, ...] = ("paper", *INITS, *RANDOM_RULES, "spectral")


@dataclass
class WavesConfig:
    """One configuration of the waves experiment. `for_scale` fills in the sizes of a scale."""

    L: int = 2048
    n_train: int = 2000
    n_test: int = 1000
    epochs: int = 100
    batch_size: int = 64
    lr: float = 1e-2
    lr_imag: float = 0.1  # Im(a_j)
    lr_real: float = 1e-3  # Re(a_j)
    lr_dt: float = 0.0  # log dt; 0 keeps dt fixed at `dt` (a buffer, as in the paper's waves code)
    weight_decay: float = 0.0
    d_model: int = 16
    d_state: int = 4
    alpha: float = 1.0
    beta: float = 0.0
    freqs: Tuple[float, ...] = PAPER_FREQS  # rad/time
    dt: float = PAPER_DT
    data_seed: int = 1234
    sobolev_norm: str = "paper"  # how the Sobolev weight's frequency is measured: see sobolev_scale
    sobolev_mode: str = "both"  # where the Sobolev weight acts (fssm.layer: 'both', 'input', 'gradient', 'forward')
    init: str = "paper"  # the modes at alpha = 1: 'paper' (`paper_init`), a name of fssm.init.INITS or RANDOM_RULES

    def __post_init__(self):
        for name in ("L", "n_train", "n_test", "epochs", "batch_size", "d_model", "d_state"):
            check_int(name, getattr(self, name), low=1)
        for name in ("lr", "lr_imag", "lr_real", "alpha", "dt"):
            check_real(name, getattr(self, name), low=0.0, low_open=True)
        check_real("beta", self.beta)
        check_real("weight_decay", self.weight_decay, low=0.0)
        check_real("lr_dt", self.lr_dt, low=0.0)
        check_choice("sobolev_norm", self.sobolev_norm, SOBOLEV_NORMS)
        check_choice("sobolev_mode", self.sobolev_mode, SOBOLEV_MODES)
        check_choice("init", self.init, WAVES_INITS)
        check_int("data_seed", self.data_seed, low=0)
        try:
            freqs = () if isinstance(self.freqs, (str, bytes)) else tuple(self.freqs)
        except TypeError:
            freqs = ()
        if not freqs:
            raise ValueError(f"freqs must be a non-empty sequence of frequencies in rad/time (finite, > 0), "
                             f"got {self.freqs!r}")
        self.freqs = tuple(check_real(f"freqs[{i}]", f, low=0.0, low_open=True) for i, f in enumerate(freqs))

    @property
    def sobolev_scale(self) -> float:
        """M of (1 + k/M)^beta on the layer's 2L-point rfft grid (bin k at omega = pi k / L rad/sample).

        'paper': M = 2e4 L / 62832 (= L / pi to 3e-6), i.e. w = (1 + omega)^beta: the *nominal* weight of the
            authors' waves code (models/s4/s4d.py: (1 + m/10^4)^beta on bin m of an unpadded L-point FFT, which
            sits at omega = 2 pi m / L, at L = 62832), here applied as intended, even in frequency on the padded
            grid; their code applied it one-sided and took the real part, which makes it a nearly flat gain
            (book section 7.3);
        'continuous': M = L dt / pi, i.e. w = (1 + |s|)^beta with s = omega / dt in rad/time (chapter 7);
        'fft': M = 2L, i.e. w = (1 + omega / (2 pi))^beta, the layer's default (the paper's LRA code).
        """
        if self.sobolev_norm == "continuous":
            return self.L * self.dt / math.pi
        if self.sobolev_norm == "fft":
            return 2.0 * self.L
        return 2 * PAPER_SOBOLEV_SCALE * self.L / PAPER_LENGTH  # the layer's bins are pi k / L: twice as many

    @classmethod
    def for_scale(cls, scale: str, **overrides) -> "WavesConfig":
        check_choice("scale", scale, SCALES)
        book_waves = dict(freqs=BOOK_FREQS, dt=BOOK_DT)  # see the module's docstring
        sizes = {
            # seconds: pytest (the book's waves; at L = 256 the slow ones are partial periods)
            "smoke": dict(L=256, n_train=128, n_test=64, epochs=2, batch_size=32, **book_waves),
            # a 2-core CPU in ~30 s per run on one thread: every wave completes a whole number of periods
            "book": dict(L=BOOK_PERIOD_LENGTH, n_train=512, n_test=512, epochs=20, batch_size=16, lr=0.03,
                         **book_waves),
            # minutes per run on one GPU (several minutes per run on a 2-core CPU)
            "colab": dict(L=BOOK_PERIOD_LENGTH, n_train=2000, n_test=1000, epochs=100, batch_size=64, lr=1e-2,
                          **book_waves),
            # the paper's setup: L = 62832, the full 10^4 amplitude grid, lr 1e-3, 100 epochs
            "paper": dict(L=PAPER_LENGTH, n_train=10_000, n_test=10_000, epochs=100, batch_size=64, lr=1e-3),
        }[scale]
        return cls(**{**sizes, **overrides})


def paper_init(N: int) -> torch.Tensor:
    """a_n = -1/2 + i pi (1.3 + n), n = 0..N-1 (before alpha), as in the paper's waves code.  c(N)"""
    n = torch.arange(check_int("d_state", N, low=1), dtype=torch.float64)
    return torch.complex(torch.full_like(n, -0.5), math.pi * (1.3 + n))


def initial_modes(cfg: "WavesConfig") -> torch.Tensor:
    """The waves model's eigenvalues before alpha, for `cfg.init`: c(N) ('paper', fssm.init's names and
    'spectral', the same in every channel) or c(H N) (random rules: one draw per channel from torch's global
    generator, which `run` seeds). 'spectral' (`fssm.init.spectral_init`) places the modes at the quantiles of
    the training inputs' power spectrum."""
    if cfg.init == "paper":
        return paper_init(cfg.d_state)
    if cfg.init in RANDOM_RULES:
        return random_init(cfg.init, cfg.d_state, H=cfg.d_model)
    if cfg.init == "spectral":  # on the training inputs' power spectrum (one pass over them)
        from ..analysis import average_power_spectrum

        signals = WavesDataset(cfg.n_train, cfg.freqs, cfg.dt, cfg.L, "train", seed=cfg.data_seed).signals
        return spectral_init(*average_power_spectrum(signals), cfg.d_state, cfg.dt)
    return init_A(cfg.init, cfg.d_state)


class WavesModel(nn.Module):
    """Linear(1 -> H), one S4D layer (dt fixed unless cfg.lr_dt > 0, GELU, no mixing), Linear(H -> W), mean
    over time."""

    def __init__(self, cfg: WavesConfig):
        super().__init__()
        H = check_config(cfg, WavesConfig).d_model
        self.encoder = nn.Linear(1, H)
        self.ssm = S4DLayer(
            H, cfg.d_state, alpha=cfg.alpha, beta=cfg.beta, init=initial_modes(cfg),
            dt_min=cfg.dt, dt_max=cfg.dt, sobolev_scale=cfg.sobolev_scale, sobolev_mode=cfg.sobolev_mode,
            activation="gelu", mixing=None,
            lr={"log_dt": cfg.lr_dt, "log_A_real": cfg.lr_real, "A_imag": cfg.lr_imag},
        )
        self.decoder = nn.Linear(H, len(cfg.freqs))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # r(B L 1) -> r(B W)
        h = self.ssm(self.encoder(x).transpose(1, 2))  # r(B H L)
        return self.decoder(h.transpose(1, 2)).mean(1)


def make_data(cfg: WavesConfig, device) -> Tuple[Batches, Tuple[torch.Tensor, torch.Tensor]]:
    """Train batches and the test tensors, generated from `cfg.data_seed` (the same for every model seed)."""
    train = WavesDataset(cfg.n_train, cfg.freqs, cfg.dt, cfg.L, "train", seed=cfg.data_seed)
    test = WavesDataset(cfg.n_test, cfg.freqs, cfg.dt, cfg.L, "test", seed=cfg.data_seed + 1)
    x_train, y_train = train.signals[..., None].to(device), train.amplitudes.to(device)
    x_test, y_test = test.signals[..., None].to(device), test.amplitudes.to(device)
    return Batches((x_train, y_train), cfg.batch_size), (x_test, y_test)


def per_wave_mae(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 256) -> List[float]:
    """Mean absolute error of each predicted amplitude over a test set (x r(n L 1), y r(n W), n >= 1): one
    number per wave."""
    batch_size = check_int("batch_size", batch_size, low=1)
    if len(x) == 0 or len(x) != len(y):
        raise ValueError(f"x and y must hold the same number (>= 1) of test signals, got {len(x)} and {len(y)}")
    errs = [(model(x[i:i + batch_size]) - y[i:i + batch_size]).abs().sum(0) for i in range(0, len(x), batch_size)]
    return (torch.stack(errs).sum(0) / len(x)).tolist()


def run(cfg: WavesConfig, seed: int = 0, device=None, progress: bool = False,
        checkpoint: Optional[str] = None) -> Dict:
    """Train one model; return per-epoch test error per wave, Im(a_j) (and dt, when it trains) per epoch, and
    timings."""
    check_config(cfg, WavesConfig)
    device = get_device(device)
    seed_everything(seed)
    batches, (x_test, y_test) = make_data(cfg, device)
    seed_everything(seed)
    model = WavesModel(cfg).to(device)
    a_imag0 = model.ssm.kernel.A_imag.detach().cpu().clone()

    def loss_fn(m, batch):
        return F.mse_loss(m(batch[0]), batch[1])

    def evaluate(m, epoch):
        record = {"test_mae": per_wave_mae(m, x_test, y_test), "A_imag": m.ssm.kernel.A_imag.detach().cpu().tolist()}
        if cfg.lr_dt > 0:  # dt trains: record where it went (per channel)
            record["dt"] = m.ssm.kernel.log_dt.detach().exp().cpu().tolist()
        return record

    t0 = time.perf_counter()
    history = fit(model, batches, loss_fn, TrainConfig(
        epochs=cfg.epochs, lr=cfg.lr, weight_decay=cfg.weight_decay, progress=progress, verbose=False,
        checkpoint=checkpoint), evaluate=evaluate)
    return {
        "alpha": cfg.alpha, "beta": cfg.beta, "seed": seed, "init": cfg.init,
        "A_imag_init": a_imag0.tolist(),
        "history": history,
        "final_test_mae": history[-1]["test_mae"],
        "seconds": time.perf_counter() - t0,
    }


def run_sweep(cfg: WavesConfig, configs: Sequence[Tuple[float, float]] = PAPER_CONFIGS,
              seeds: Sequence[int] = (0, 1, 2), device=None, progress: bool = False,
              verbose: bool = False) -> List[Dict]:
    """`run` for every (alpha, beta) in `configs` and every seed; `verbose` prints each run as it ends.

    Every configuration is checked (`sweep_configs`) before the first run trains."""
    runs = []
    for c in sweep_configs(cfg, configs):
        for s in seeds:
            runs.append(run(c, seed=s, device=device, progress=progress))
            if verbose:
                print(describe(runs[-1]), flush=True)
    return runs


def sweep_configs(cfg: WavesConfig, configs: Sequence[Tuple[float, float]], name: str = "configs") -> List[WavesConfig]:
    """`cfg` with each (alpha, beta) of `configs`, validated: ValueError naming `name` and the bad pair (alpha > 0
    and beta finite; no pair twice)."""
    check_config(cfg, WavesConfig)
    out = []
    for pair in configs:
        if isinstance(pair, (str, bytes)) or not hasattr(pair, "__len__") or len(pair) != 2:
            raise ValueError(f"{name}: each item must be an (alpha, beta) pair, got {pair!r}")
        try:
            out.append(dataclasses.replace(cfg, alpha=pair[0], beta=pair[1]))
        except ValueError as e:
            raise ValueError(f"{name} {tuple(pair)!r}: {e}") from None
    if len({(c.alpha, c.beta) for c in out}) < len(out):
        raise ValueError(f"{name} lists an (alpha, beta) pair more than once: {list(configs)}")
    return out


def sweep_over(cfg: WavesConfig, field_name: str, values: Sequence[str], configs: Sequence[Tuple[float, float]],
               names: Tuple[str, str]) -> List[WavesConfig]:
    """`cfg` with each of `values` as its `field_name` (outer) and each (alpha, beta) of `configs` (inner), all
    checked before anything trains: ValueError naming `names[0]` (the values' option) for an empty list, a value
    given twice or one the config refuses, and `names[1]` for a bad pair (`sweep_configs`)."""
    if isinstance(values, (str, bytes)) or not len(values):
        raise ValueError(f"{names[0]} must be a non-empty list of names, got {values!r}")
    repeated = sorted({v for v in values if list(values).count(v) > 1})
    if repeated:
        raise ValueError(f"{names[0]} lists {', '.join(repeated)} more than once; give each once")
    out = []
    for value in values:
        try:
            vcfg = dataclasses.replace(cfg, **{field_name: value})
        except ValueError as e:
            raise ValueError(f"{names[0]} {value!r}: {e}") from None
        out.extend(sweep_configs(vcfg, configs, names[1]))
    return out


def describe(r: Dict) -> str:
    """One line: configuration, seed, final per-wave test MAE, seconds."""
    mae = ", ".join(f"{e:.4f}" for e in r["final_test_mae"])
    return f"alpha={r['alpha']:g} beta={r['beta']:g} seed={r['seed']}: test MAE per wave [{mae}] ({r['seconds']:.0f} s)"


def final_mae_summary(runs: Sequence[Dict], keep=None) -> List[str]:
    """One line per (alpha, beta) of a sweep's records `runs`: the mean final test MAE per wave over the seeds
    and its min-max. keep: optional predicate keep(alpha, beta) selecting the configurations to describe."""
    from .common import group_runs

    lines = []
    for (al, be), E in group_runs(runs, "final_test_mae").items():  # E r(seeds, waves)
        if keep is None or keep(al, be):
            lines.append(f"alpha = {al:g}, beta = {be:g} ({len(E)} seeds): mean final MAE per wave "
                         + " ".join(f"{v:.3f}" for v in E.mean(0)) + " | min-max "
                         + " ".join(f"[{lo:.3f}, {hi:.3f}]" for lo, hi in zip(E.min(0), E.max(0))))
    return lines


def chance_mae(low: float = 0.1, high: float = 1.0) -> float:
    """MAE of always predicting the mean of U(low, high): (high - low) / 4."""
    return (high - low) / 4


def build_parser() -> argparse.ArgumentParser:
    """The CLI's options: --configs, --sobolev-norm and the shared ones (`add_run_arguments`)."""
    p = experiment_parser("waves", __doc__, EXAMPLES)
    p.add_argument("--configs", nargs="+", default=[f"{a:g},{b:g}" for a, b in PAPER_CONFIGS], metavar="ALPHA,BETA",
                   help="(alpha, beta) pairs to train, e.g. 1,0 10,0.5 (default: the paper's four)")
    p.add_argument("--sobolev-norm", default="paper", choices=SOBOLEV_NORMS,
                   help="frequency measure of the Sobolev weight (see WavesConfig.sobolev_scale)")
    add_run_arguments(p, WavesConfig, seeds=(0, 1, 2), fixed=CLI_FIELDS)
    return p


def parse_configs(parser: argparse.ArgumentParser, items: Sequence[str],
                  cfg: Optional[WavesConfig] = None) -> List[Tuple[float, float]]:
    """'ALPHA,BETA' strings -> [(alpha, beta)]; anything else is a usage error naming --configs. With `cfg`,
    each pair is also checked as `cfg`'s alpha and beta would be (alpha > 0, both finite) and a pair given
    twice is refused."""
    try:
        configs = [tuple(float(v) for v in c.split(",")) for c in items]
        ok = all(len(c) == 2 for c in configs)
    except ValueError:
        ok = False
    if not ok:
        parser.error(f"--configs takes alpha,beta pairs such as 1,0 10,0.5; got {' '.join(items)}")
    if cfg is not None:
        try:
            sweep_configs(cfg, configs, "--configs")
        except ValueError as e:
            parser.error(str(e))
    return configs


def plan(args, cfg: WavesConfig, configs: Sequence[Tuple[float, float]], device) -> Dict[str, object]:
    """What a run of the CLI would do (printed by --dry-run): runs, data, the results file."""
    runs = ", ".join(f"alpha={a:g} beta={b:g}" for a, b in configs)
    return run_plan(
        args, cfg, device, output_path("waves", args),
        runs=f"{len(configs) * len(args.seeds)} = {len(configs)} configurations x {len(args.seeds)} seeds ({runs})",
        data=f"generated in memory (WavesDataset, seed {cfg.data_seed}): {cfg.n_train} train and {cfg.n_test} "
             f"test signals of length {cfg.L}; nothing to download")


def main(argv=None) -> Optional[str]:
    """`python -m fssm.experiments.waves` (see --help): returns the results path written, None for --dry-run."""
    p = build_parser()
    args = p.parse_args(argv)
    cfg = cli_config(p, args, WavesConfig, functools.partial(WavesConfig.for_scale, args.scale), CLI_FIELDS,
                     sobolev_norm=args.sobolev_norm)
    configs = parse_configs(p, args.configs, cfg)
    device = cli_device(p, args)
    if args.dry_run:
        print_plan("waves", plan(args, cfg, configs, device))
        return None
    t0, commit = time.perf_counter(), git_commit()
    runs = run_sweep(cfg, configs, args.seeds, device=device, progress=not args.no_progress, verbose=True)
    return save_sweep("waves", args, cfg, runs, t0, commit)


if __name__ == "__main__":
    main()
