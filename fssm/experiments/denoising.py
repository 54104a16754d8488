r"""Image denoising (paper section on CelebA): strengthen, weaken or reverse the frequency bias.

A purely linear model (per image channel one diagonal SSM with 64 frozen modes, trained output weights C,
a fixed Sobolev filter, a 1x1 channel mixer, no skip) is trained to reproduce clean images flattened row
by row, then tested on stripe noise: vertical stripes are a high tone (~2.99 rad/sample), horizontal
stripes a low tone (that divided by the row width). A low-frequency-biased model cannot pass the high
tone, so it removes vertical stripes; the "flip" model puts a mode on the high tone and keeps it instead.

Two models: 'paper' (the paper's dt = 1e-4: each mode rings for ~3300 samples, far longer than a row) and
'damped' (the same eigenvalues with dt = 1/(|re| cols), so each mode decays by e over one row and its
resonance is wide enough to carry image detail). `reconstruction_floor` gives the least MSE any choice of
the trained weights can reach, which tells a model that cannot copy faces from one that was not trained
enough.

The CLI trains every alpha x beta x seed and writes denoising-SCALE.json (--model damped:
denoising-damped-SCALE.json; MSE per noise type, with provenance) into --out. Images: smoke and book scales use scikit-image's LFW faces (offline); colab and
paper read CelebA from --data (`fssm.data.download_celeba()` fetches it; the CLI downloads nothing).
"""
from __future__ import annotations

import argparse
import dataclasses
import functools
import math
import os
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

from ..data import Batches
from ..data.images import CelebA, image_to_sequence, lfw_faces, sample_photographs, stripe_frequencies, stripe_noise
from ..io import check_path
from ..layer import S4DLayer, fft_conv
from ..train import TrainConfig, fit
from ..utils import SCALES, check_choice, check_int, check_real, get_device, seed_everything
from .cli import (add_run_arguments, cli_config, cli_device, experiment_parser, output_path, print_plan, run_plan,
                  save_sweep)
from .common import check_config, git_commit

__all__ = ["DenoisingConfig", "ALPHAS", "BETAS", "MODELS", "alpha_code", "results_name", "mode_features",
           "reconstruction_floor", "beats_doing_nothing", "bias_verbs", "denoising_init", "make_model", "load_images",
           "split_indices", "celeba_root", "describe_source", "test_noise", "evaluate", "run", "run_sweep",
           "describe", "EXAMPLES", "build_parser", "main"]

ALPHAS = ("enhance", "raw", "middle", "flip")
BETAS = (-1.0, -0.5, 0.0, 0.5, 1.0)
MODELS = ("paper", "damped")  # how dt is chosen when not given: see DenoisingConfig.model
PAPER_COLS, PAPER_LENGTH, PAPER_SOBOLEV_SCALE, PAPER_DT, PAPER_N = 128, 2048 * 128, 10000.0, 1e-4, 64
_PAPER_ALPHA = {"enhance": math.pi / 3, "raw": math.pi, "middle": 10 * math.pi}
_PAPER_FLIP = 2 * math.pi / (PAPER_COLS * PAPER_DT)  # ~490.9: mode n on the n-th row harmonic
# Command lines shown in --help (tests run each with --dry-run appended).
EXAMPLES = (
    "python -m fssm.experiments.denoising --scale book         # every alpha x beta, seeds 0 1 2",
    "python -m fssm.experiments.denoising --scale book --model damped   # modes that decay within a row",
    "python -m fssm.experiments.denoising --scale book --alphas raw flip --betas -1 0 1 --seeds 0",
    "python -m fssm.experiments.denoising --scale book --epochs 20 --set noise=1.0 source=photos",
    "python -m fssm.experiments.denoising --scale colab --data DIR --out results   # DIR: CelebA, see download_celeba",
    "python -m fssm.experiments.denoising --scale book --dry-run   # print the plan; train and write nothing",
)
# Config fields the CLI sets through options of their own (--set refuses them, naming the option).
CLI_FIELDS = {"alpha": "--alphas", "beta": "--betas", "data_root": "--data", "model": "--model"}


@dataclass
class DenoisingConfig:
    """One configuration; `for_scale` fills in data source and sizes."""

    source: str = "lfw"  # 'lfw' | 'photos' (offline) | 'celeba' (needs `data_root`)
    rows: int = 32
    cols: int = 32
    n_train: int = 80
    n_test: int = 20
    epochs: int = 20
    batch_size: int = 16
    lr: float = 1e-2
    d_state: Optional[int] = None  # None: cols // 2 (the paper: 64 modes for 128 columns)
    # 'paper': dt = 1e-4 (the authors' code); 'damped': dt = 1/(|re| cols), each mode decays by e over a row.
    model: str = "paper"
    dt: Optional[float] = None  # None: chosen by `model`
    re: float = -3.0
    alpha: str = "raw"
    beta: float = 0.0
    noise: float = 0.5  # stripe magnitude m in m * U(0,1) * cos(omega * index)
    data_root: Optional[str] = None
    data_seed: int = 1234

    def __post_init__(self):
        check_choice("source", self.source, ("lfw", "photos", "celeba"))
        check_choice("alpha", self.alpha, ALPHAS)
        for name in ("rows", "cols", "n_train", "n_test", "epochs", "batch_size"):
            check_int(name, getattr(self, name), low=1)
        if self.d_state is None:
            self.d_state = max(4, self.cols // 2)
        check_int("d_state", self.d_state, low=4)
        check_choice("model", self.model, MODELS)
        check_int("data_seed", self.data_seed, low=0)
        check_path("data_root", self.data_root, none_ok=True)
        if check_real("re", self.re, high=0.0) == 0.0:
            raise ValueError(f"re must be a finite real number < 0, got {self.re!r}")
        if self.dt is None:
            self.dt = PAPER_DT if self.model == "paper" else 1.0 / (abs(self.re) * self.cols)
        for name in ("lr", "dt"):
            check_real(name, getattr(self, name), low=0.0, low_open=True)
        check_real("beta", self.beta)
        check_real("noise", self.noise, low=0.0)

    @property
    def length(self) -> int:
        return self.rows * self.cols

    @property
    def sobolev_scale(self) -> float:
        """The paper's M = 10000 at L = 262144, scaled with L (the same weight as a function of omega)."""
        return PAPER_SOBOLEV_SCALE * self.length / PAPER_LENGTH

    @classmethod
    def for_scale(cls, scale: str, **overrides) -> "DenoisingConfig":
        check_choice("scale", scale, SCALES)
        sizes = {
            "smoke": dict(rows=16, cols=16, n_train=32, n_test=8, epochs=2),
            "book": dict(source="lfw", rows=32, cols=32, n_train=80, n_test=20, epochs=60, lr=0.03),
            "colab": dict(source="celeba", rows=256, cols=128, n_train=20000, n_test=1000, epochs=5,
                          batch_size=32, lr=1e-3),
            "paper": dict(source="celeba", rows=2048, cols=128, n_train=162770, n_test=2000, epochs=20,
                          batch_size=16, lr=1e-3),
        }[scale]
        return cls(**{**sizes, **overrides})


def results_name(cfg: DenoisingConfig) -> str:
    """The experiment name of the results file: 'denoising' (paper model) or 'denoising-damped'."""
    return "denoising" if cfg.model == "paper" else f"denoising-{cfg.model}"


def alpha_code(name: str, cols: int, d_state: int, dt: float) -> float:
    """Im(a_n) = n * alpha_code, placed relative to the row harmonics 2 pi k / cols (rad/sample).

    The paper (128 columns, 64 modes, dt = 1e-4) uses pi/3, pi, 10 pi and ~490.5 = 2 pi / (128 dt):
    'flip' puts mode n on the n-th row harmonic, so mode round(61 cols/128) sits on the vertical-stripe
    tone and the horizontal-stripe tone falls between modes 0 and 1. For other sizes we keep each top
    mode's position in units of the row fundamental: alpha = paper_alpha * (128/cols) * (63/(N-1))
    for 'enhance', 'raw', 'middle', and alpha = 2 pi / (cols dt) for 'flip'.
    """
    check_choice("alpha", name, ALPHAS)
    cols = check_int("cols", cols, low=1)
    d_state = check_int("d_state", d_state, low=2)
    dt = check_real("dt", dt, low=0.0, low_open=True)
    flip = 2 * math.pi / (cols * dt)
    if name == "flip":
        return flip
    return _PAPER_ALPHA[name] / _PAPER_FLIP * flip * (PAPER_N - 1) / (d_state - 1)


def denoising_init(cfg: DenoisingConfig) -> torch.Tensor:
    """a_n = re + i n alpha_code, with mode 0 a near-integrator: a_0 = -e^-5.  c(N)"""
    n = torch.arange(cfg.d_state, dtype=torch.float64)
    re = torch.full_like(n, cfg.re)
    re[0] = -math.exp(-5)
    return torch.complex(re, n * alpha_code(cfg.alpha, cfg.cols, cfg.d_state, cfg.dt))


def make_model(cfg: DenoisingConfig, channels: int) -> S4DLayer:
    """The paper's linear model: frozen A and dt, trained C (init randn |Im a_n| / 1000), fixed beta,
    1x1 channel mixer, no skip, no activation."""
    A = denoising_init(check_config(cfg, DenoisingConfig))
    C0 = torch.randn(channels, cfg.d_state, dtype=torch.complex128) * A.imag.abs() / 1000
    return S4DLayer(
        channels, cfg.d_state, alpha=1.0, beta=cfg.beta, init=A, dt_min=cfg.dt, dt_max=cfg.dt,
        lr={"log_dt": 0.0, "log_A_real": 0.0, "A_imag": 0.0}, sobolev_scale=cfg.sobolev_scale,
        activation=None, mixing="linear", D=False, kernel_kwargs={"C_init": C0},
    )


def mode_features(cfg: DenoisingConfig, x: torch.Tensor) -> torch.Tensor:
    """What each output weight multiplies: r(n L) sequences of one channel -> r(n L 2N) float64.

    Column n is the layer's (Sobolev-filtered) convolution of x with mode n's kernel for C_n = 1, column
    N + n the same for C_n = i; so a one-channel `make_model(cfg, 1)` with mixer weight 1 and bias 0 outputs
    features @ [Re C; Im C] (tested).
    """
    N = cfg.d_state
    layer = make_model(cfg, 2 * N).double()  # one channel per basis function
    basis_C = torch.cat([torch.eye(N), 1j * torch.eye(N)]).to(torch.complex128)  # c(2N N)
    with torch.no_grad():
        layer.kernel.C.copy_(torch.view_as_real(basis_C))
        k = layer.conv_kernel(x.shape[-1])  # r(2N L)
        beta = layer.beta if layer.filter_active else None
        f = fft_conv(x.double()[:, None].expand(-1, 2 * N, -1), k, beta, layer.sobolev_scale)  # r(n 2N L)
    return f.transpose(1, 2)


def reconstruction_floor(cfg: DenoisingConfig, train: torch.Tensor, test: Optional[torch.Tensor] = None
                         ) -> Dict[str, float]:
    """The least MSE(model(x), x) that any output weights C, mixer weight and bias of `make_model` reach.

    With the modes frozen the model is linear in C (`mode_features`), so least squares over C and a bias on
    the training sequences r(n C L), in float64, gives the optimum: training can only do as well or worse.
    With several channels each channel's weights are fitted freely (the model ties them through the mixer),
    so the value is then a lower bound. Returns {'train': ..., 'test': ...} (test only when given).
    """
    def design(x: torch.Tensor) -> torch.Tensor:  # r(n L) -> r(n*L, 2N+1), the last column the bias
        f = mode_features(cfg, x).reshape(-1, 2 * cfg.d_state)
        return torch.cat([f, torch.ones_like(f[:, :1])], dim=1)

    n_ch = train.shape[1]
    out = {"train": 0.0, "test": 0.0}
    for c in range(n_ch):
        X, y = design(train[:, c]), train[:, c].double().reshape(-1, 1)
        theta = torch.linalg.lstsq(X, y, driver="gelsd").solution
        out["train"] += (X @ theta - y).square().mean().item() / n_ch
        if test is not None:
            Xt, yt = design(test[:, c]), test[:, c].double().reshape(-1, 1)
            out["test"] += (Xt @ theta - yt).square().mean().item() / n_ch
    if test is None:
        del out["test"]
    return out


def split_indices(cfg: DenoisingConfig, n_available: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """The shuffled (train, test) indices `load_images` takes from an offline set of `n_available` images."""
    check_int("n_available", n_available, low=0)
    if cfg.n_train + cfg.n_test > n_available:
        raise ValueError(f"n_train + n_test must be <= {n_available} for source {cfg.source!r}, "
                         f"got {cfg.n_train} + {cfg.n_test}")
    perm = torch.randperm(n_available, generator=torch.Generator().manual_seed(cfg.data_seed))
    return perm[: cfg.n_train], perm[cfg.n_train: cfg.n_train + cfg.n_test]


def load_images(cfg: DenoisingConfig) -> Tuple[torch.Tensor, torch.Tensor]:
    """Clean train and test images r(n C R W) in [-1, 1] from the configured source."""
    size = (cfg.rows, cfg.cols)
    if cfg.source == "lfw":
        faces = lfw_faces(size)
        train_idx, test_idx = split_indices(cfg, len(faces))
        return faces[train_idx], faces[test_idx]
    if cfg.source == "photos":
        imgs = sample_photographs(cfg.n_train + cfg.n_test, size, seed=cfg.data_seed)
        return imgs[: cfg.n_train], imgs[cfg.n_train:]
    root = celeba_root(cfg)
    train = CelebA(root, "train", size, limit=cfg.n_train)
    test = CelebA(root, "test", size, limit=cfg.n_test)
    return (torch.stack([train[i] for i in range(len(train))]),
            torch.stack([test[i] for i in range(len(test))]))


def celeba_root(cfg: DenoisingConfig) -> str:
    """cfg.data_root, checked to be a folder; ValueError (no data_root) or FileNotFoundError otherwise."""
    if cfg.data_root is None:
        raise ValueError("source 'celeba' needs data_root (--data on the command line): a folder with the "
                         "standard CelebA layout; fssm.data.download_celeba() makes one")
    if not os.path.isdir(cfg.data_root):
        raise FileNotFoundError(f"CelebA folder {cfg.data_root} (data_root, --data) does not exist")
    return cfg.data_root


def describe_source(cfg: DenoisingConfig) -> str:
    """One line: where `load_images` takes the images from (checked, not read); errors as `celeba_root`."""
    sizes = f"{cfg.n_train} train and {cfg.n_test} test images at {cfg.rows}x{cfg.cols}"
    if cfg.source == "lfw":
        return f"scikit-image's LFW faces (shipped with scikit-image; offline): {sizes}"
    if cfg.source == "photos":
        return f"crops of scikit-image's sample photographs (offline, seed {cfg.data_seed}): {sizes}"
    return f"CelebA in {celeba_root(cfg)} (read, never downloaded here): {sizes}"


def test_noise(cfg: DenoisingConfig, n: int, channels: int, seed: int) -> Dict[str, torch.Tensor]:
    """The stripe noise `evaluate` adds for this model seed: {'vertical': r(n C L), 'horizontal': r(n C L)}."""
    for name, value, low in (("n", n, 1), ("channels", channels, 1), ("seed", seed, 0)):
        check_int(name, value, low=low)
    g = torch.Generator().manual_seed(cfg.data_seed + 7 + seed)
    return {kind: stripe_noise(n, channels, cfg.rows, cfg.cols, kind, cfg.noise, g)
            for kind in ("vertical", "horizontal")}


def evaluate(model, clean: torch.Tensor, cfg: DenoisingConfig, seed: int) -> Dict[str, float]:
    """Test metrics for one model (clean r(n C L)).

    mse_clean: MSE(model(clean), clean); mse_KIND: MSE(model(clean + noise), clean), the paper's metric;
    mse_noisy_KIND: MSE(clean + noise, clean), doing nothing; gain_KIND: the model's power gain on the
    noise alone, |model(noise) - model(0)|^2 / |noise|^2 (the model is linear, so this is how much of
    the stripes passes: ~0 removes them, ~1 keeps them, > 1 amplifies them).
    """
    n, C, L = clean.shape
    out = {"mse_clean": F.mse_loss(model(clean), clean).item()}
    zero = model(torch.zeros_like(clean[:1]))
    for kind, noise in test_noise(cfg, n, C, seed).items():
        noise = noise.to(clean.device)
        out[f"mse_{kind}"] = F.mse_loss(model(clean + noise), clean).item()
        out[f"mse_noisy_{kind}"] = noise.square().mean().item()
        out[f"gain_{kind}"] = ((model(noise) - zero).square().sum() / noise.square().sum()).item()
    return out


def run(cfg: DenoisingConfig, seed: int = 0, device=None, progress: bool = False,
        images: Optional[Tuple[torch.Tensor, torch.Tensor]] = None, return_model: bool = False) -> Dict:
    """Train one model on clean images; return its test MSEs per noise type (and optionally the model)."""
    check_config(cfg, DenoisingConfig)
    device = get_device(device)
    train_img, test_img = images if images is not None else load_images(cfg)
    train = image_to_sequence(train_img).to(device)  # r(n C L)
    test = image_to_sequence(test_img).to(device)
    seed_everything(seed)
    model = make_model(cfg, train.shape[1]).to(device)
    t0 = time.perf_counter()
    history = fit(model, Batches((train,), cfg.batch_size), lambda m, b: F.mse_loss(m(b[0]), b[0]),
                  TrainConfig(epochs=cfg.epochs, lr=cfg.lr, progress=progress, verbose=False))
    model.eval()
    with torch.no_grad():
        metrics = evaluate(model, test, cfg, seed)
    out = {"alpha": cfg.alpha, "beta": cfg.beta, "seed": seed, **metrics,
           "train_loss": [h["train_loss"] for h in history], "seconds": time.perf_counter() - t0}
    return (out, model) if return_model else out


def run_sweep(cfg: DenoisingConfig, alphas: Sequence[str] = ALPHAS, betas: Sequence[float] = BETAS,
              seeds: Sequence[int] = (0, 1, 2), device=None, progress: bool = False) -> List[Dict]:
    """`run` over alpha x beta x seed, loading the images once; every (alpha, beta) is checked before the first
    run trains (ValueError naming it)."""
    configs = [dataclasses.replace(check_config(cfg, DenoisingConfig), alpha=a, beta=b) for a in alphas for b in betas]
    images = load_images(cfg)
    return [run(c, seed=s, device=device, progress=progress, images=images) for c in configs for s in seeds]


def beats_doing_nothing(run: Dict, kind: str, margin: float = 1.0) -> bool:
    """Whether a run's MSE(model(noisy), clean) on `kind` stripes ('vertical' or 'horizontal') is below
    MSE(noisy, clean) / margin: the paper's metric against doing nothing (margin > 1 asks for a clear win)."""
    check_choice("kind", kind, ("vertical", "horizontal"))
    margin = check_real("margin", margin, low=0.0, low_open=True)
    return margin * run[f"mse_{kind}"] < run[f"mse_noisy_{kind}"]


def bias_verbs(runs: Sequence[Dict], seed: int) -> Dict[str, bool]:
    """The paper's three verbs, tested on one seed of a full alpha x beta sweep (the keys say what).

    G_v, G_h: noise gains on the vertical (high) and horizontal (low) stripes. Needs every alpha of ALPHAS
    with beta -1, 0 and 1 (and every beta in between that ran); KeyError names a missing run.
    """
    by = {(r["alpha"], r["beta"]): r for r in runs if r["seed"] == seed}
    betas = sorted({b for (_, b) in by})

    def g(alpha, beta, kind="vertical"):
        key = (alpha, beta)
        if key not in by:
            raise KeyError(f"bias_verbs needs the run alpha={alpha} beta={beta} seed={seed}")
        return by[key][f"gain_{kind}"]


    gv0 = [g(a, 0.0) for a in ALPHAS]
    return {
        "alpha up raises G_v (beta 0, every step)": all(x < y for x, y in zip(gv0, gv0[1:])),
        "flip reverses: G_v > 1 > G_h (beta 0)": g("flip", 0.0) > 1 > g("flip", 0.0, "horizontal"),
        "beta up raises G_v at every step (enhance, raw, middle)": all(
            all(g(a, x) < g(a, y) for x, y in zip(betas, betas[1:])) for a in ("enhance", "raw", "middle")),
        "beta = 1 reverses middle (G_v > G_h), beta = -1 does not": (
            g("middle", 1.0) > g("middle", 1.0, "horizontal") and g("middle", -1.0) < g("middle", -1.0, "horizontal")),
        "beta = -1 undoes the reversal of flip (G_v < G_h)": g("flip", -1.0) < g("flip", -1.0, "horizontal"),
        "middle (beta 0) beats doing nothing on vertical stripes": beats_doing_nothing(by["middle", 0.0], "vertical"),
        "flip (beta 0) beats doing nothing on horizontal stripes": beats_doing_nothing(by["flip", 0.0], "horizontal"),
    }


def build_parser() -> argparse.ArgumentParser:
    """The CLI's options: --alphas, --betas, --data and the shared ones (`add_run_arguments`)."""
    p = experiment_parser("denoising", __doc__, EXAMPLES)
    p.add_argument("--alphas", nargs="+", default=list(ALPHAS), choices=ALPHAS, metavar="ALPHA",
                   help=f"mode placements to train, of {', '.join(ALPHAS)} (see alpha_code)")
    p.add_argument("--betas", nargs="+", type=float, default=list(BETAS), metavar="BETA",
                   help="fixed Sobolev exponents to train")
    p.add_argument("--model", default="paper", choices=MODELS, help="'paper': dt = 1e-4 as in the authors' code; "
                   "'damped': dt = 1/(|re| cols), every mode decays by e over one row (results file "
                   "denoising-damped-SCALE.json)")
    p.add_argument("--data", default=None, metavar="DIR", help="CelebA folder in its standard layout, needed by "
                   "the colab and paper scales (default: none; smoke and book use offline images)")
    add_run_arguments(p, DenoisingConfig, seeds=(0, 1, 2), fixed=CLI_FIELDS)
    return p


def describe(r: Dict) -> str:
    """One line: alpha, beta, seed, test MSE per noise type and the model's gain on each noise."""
    return (f"alpha={r['alpha']:>7} beta={r['beta']:+.1f} seed={r['seed']}: MSE vertical {r['mse_vertical']:.4f} "
            f"horizontal {r['mse_horizontal']:.4f} clean {r['mse_clean']:.4f} | noise gain vertical "
            f"{r['gain_vertical']:.3f} horizontal {r['gain_horizontal']:.3f}")


def main(argv=None) -> Optional[str]:
    """`python -m fssm.experiments.denoising` (see --help): returns the results path, None for --dry-run."""
    p = build_parser()
    args = p.parse_args(argv)
    given = {"model": args.model, **({"data_root": args.data} if args.data else {})}
    cfg = cli_config(p, args, DenoisingConfig, functools.partial(DenoisingConfig.for_scale, args.scale), CLI_FIELDS,
                     **given)
    for beta in args.betas:  # checked as the runs will take them: finite
        try:
            dataclasses.replace(cfg, beta=beta)
        except ValueError as e:
            p.error(f"--betas {beta:g}: {e}")
    for option, values in (("--alphas", args.alphas), ("--betas", args.betas)):
        if len(set(values)) < len(values):
            p.error(f"{option} lists a value more than once: {' '.join(map(str, values))}")
    device = cli_device(p, args)
    try:
        source = describe_source(cfg)
    except (ValueError, FileNotFoundError) as e:
        p.error(str(e))
    if args.dry_run:
        n = len(args.alphas) * len(args.betas) * len(args.seeds)
        print_plan("denoising", run_plan(
            args, cfg, device, output_path(results_name(cfg), args), data=source,
            runs=f"{n} = {len(args.alphas)} alphas ({' '.join(args.alphas)}) x {len(args.betas)} betas "
                 f"({' '.join(f'{b:g}' for b in args.betas)}) x {len(args.seeds)} seeds"))
        return None
    t0, commit = time.perf_counter(), git_commit()
    runs = run_sweep(cfg, args.alphas, args.betas, args.seeds, device=device, progress=not args.no_progress)
    for r in runs:
        print(describe(r))
    return save_sweep(results_name(cfg), args, cfg, runs, t0, commit)


if __name__ == "__main__":
    main()
