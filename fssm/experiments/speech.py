r"""Speech Commands SC10 from raw 16 kHz waveforms: the task where the frequency bias matters most.

Each input is one second of audio, L = 16,000 samples (`fssm.data.SpeechCommands`, the official v0.02
split of the ten words of `SC10_CLASSES`: about 31k training, 3.7k validation and 4.1k test clips). The
model is S4's SC10 model made diagonal: a linear encoder of the one input channel, bidirectional S4D-Lin
blocks with GLU mixing and batch norm, mean pooling over time, a linear decoder to the ten classes.

The plan, once per seed: alpha = 1 (S4D's initialization; --alphas adds others), beta = 0; the alpha each
rule of `fssm.analysis.suggest_alpha` reads off the average power spectrum of a fixed, seeded sample of
training clips (at most `spectrum_clips`; one pass, no training), beta = 0; and alpha = 1 with the Sobolev
beta learned from 0. Every run keeps the model of its best validation epoch; its test accuracy is reported.

The step range is S4's for Speech Commands, dt in [1e-3, 1e-1] (state-spaces/s4: configs/model/layer/s4.yaml,
which configs/experiment/sc/s4-sc.yaml does not override). At that dt_max S4D-Lin's fastest modes are past
Nyquist already at alpha = 1 once N > 11 (max Im a = pi (N - 1), times 0.1), so a suggested alpha above
pi / (max Im(a) dt_max) is clipped there (0.32 at colab's N = 32, 0.16 at N = 64), and recorded as clipped.

Scales: smoke (pytest, on fixture folders; seconds on a CPU), book (the same sizes: the book does not train
speech on a CPU; its chapter shows the stored colab run), colab (one GPU: d_model 64, 4 layers, N 32, 2
epochs over a seeded 8,000-clip training subset, 2,000 validation clips, the full test split; about 1.5
minutes a run, about 20 minutes for 3-4 configurations x 3 seeds: an estimate from the sizes, not yet timed
on a GPU), paper (the sizes and optimizer of S4's configs/experiment/sc/s4-sc.yaml with S4D-Lin kernels:
d_model 128, 6 layers, N 64, batch 16, lr 0.01, weight decay 0.05, 1000 warm-up steps, 40 epochs, all
clips; hours a run).

Data: --data DIR (the extracted speech_commands_v0.02 folder, or a folder holding it), else
FSSM_DATA/speech_commands_v0.02; --download fetches and extracts it there first (2.4 GB, sha256-verified,
once). Every run keeps, in its work folder (--workdir/RUN, default FSSM_DATA/runs/RUN), the last
checkpoint (a killed run resumes from it; a finished one is reused unless --fresh), the best-validation
checkpoint and a metrics log. The CLI writes speech-SCALE.json (every run, the suggestions, the spectrum,
provenance) into --out. One process: not for torchrun.
"""
from __future__ import annotations

import argparse
import dataclasses
import functools
import hashlib
import json
import math
import os
import time
import warnings
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset, Subset

from ..analysis import ALPHA_RULES, average_power_spectrum, suggest_alpha
from ..data.registry import REGISTRY, SPEECH_COMMANDS_FOLDER, data_root, download_speech_commands
from ..data.speech import SAMPLE_RATE, SC10_CLASSES, SpeechCommands
from ..distributed import shard_loader
from ..init import INITS, init_A
from ..model import SequenceModel
from ..train import TrainConfig, fit, load_checkpoint
from ..utils import SCALES, check_choice, check_int, check_real, check_seed, get_device, seed_everything
from .cli import (add_run_arguments, cli_config, cli_device, experiment_parser, output_path, print_plan, run_plan)
from .common import check_config, git_commit, html_table, provenance, write_results
from .lra import RUN_FILES, clear_workdir, workdir_state

__all__ = ["SpeechConfig", "DEFAULT_ALPHAS", "SPECTRUM_BAND_HZ", "find_data", "describe_data", "load_splits",
           "task_spectrum", "suggestions", "spectrum_bands", "plan_runs", "build_model", "run", "run_name",
           "run_workdir", "run_all", "describe", "summary", "summary_table", "build_parser", "main", "EXAMPLES"]

DEFAULT_ALPHAS: Tuple[float, ...] = (1.0,)  # trained with beta 0 besides the rules' suggestions
SPECTRUM_BAND_HZ = 100  # the stored spectrum: the power's share in bands this wide (0-8000 Hz)
PRECISIONS = ("auto", "fp32", "bf16")
EXAMPLES = (
    "python -m fssm.experiments.speech --scale colab --download   # fetch SC (2.4 GB) into FSSM_DATA, then train",
    "python -m fssm.experiments.speech --scale colab --data DIR --seeds 0   # DIR: speech_commands_v0.02 or its parent",
    "python -m fssm.experiments.speech --scale colab --data DIR --alphas 1 0.3 --fresh",
    "python -m fssm.experiments.speech --scale paper --download --dry-run   # print the plan; run nothing",
)
# fields the plan sets (--set refuses them, naming what sets them)
CLI_FIELDS = {"alpha": "--alphas (and the rules' suggestions)", "beta": "the plan (0, and learned at alpha 1)"}


@dataclass
class SpeechConfig:
    """One training configuration on SC10 (defaults: the colab scale; `for_scale` sizes the others).

    beta: a number (fixed) or 'learn' (trainable from 0). precision: 'auto' (bf16 on a CUDA GPU that computes
    it natively, else fp32), 'fp32' or 'bf16'. max_train / max_val / max_test: at most this many clips of
    each split, a seeded random subset (data_seed; 0 = all). spectrum_clips: training clips (a seeded sample)
    whose average power spectrum the rules read. num_workers: DataLoader worker processes.
    """

    d_model: int = 64
    n_layers: int = 4
    d_state: int = 32
    init: str = "lin"
    # S4's Speech Commands step range (state-spaces/s4 configs/model/layer/s4.yaml; sc/s4-sc.yaml keeps it)
    dt_min: float = 1e-3
    dt_max: float = 1e-1
    alpha: float = 1.0
    beta: object = 0.0
    norm: str = "batch"
    epochs: int = 2
    batch_size: int = 32
    lr: float = 1e-2
    ssm_lr: float = 1e-3  # log dt, Re a, Im a: S4's smaller rate, no weight decay
    weight_decay: float = 0.05
    dropout: float = 0.0
    warmup_steps: int = 100
    length: int = SAMPLE_RATE
    num_workers: int = 2
    precision: str = "auto"
    max_train: int = 8000
    max_val: int = 2000
    max_test: int = 0
    spectrum_clips: int = 512
    data_seed: int = 0

    def __post_init__(self):
        check_choice("init", self.init, INITS)
        check_choice("norm", self.norm, ("batch", "layer"))
        check_choice("precision", self.precision, PRECISIONS)
        for name in ("d_model", "n_layers", "d_state", "epochs", "batch_size", "length", "spectrum_clips"):
            check_int(name, getattr(self, name), low=1)
        for name in ("warmup_steps", "num_workers", "max_train", "max_val", "max_test"):
            check_int(name, getattr(self, name), low=0)
        check_seed(self.data_seed, "data_seed")
        for name in ("dt_min", "dt_max", "alpha", "lr", "ssm_lr"):
            check_real(name, getattr(self, name), low=0.0, low_open=True)
        if self.dt_min > self.dt_max:
            raise ValueError(f"dt_min must be <= dt_max, got {self.dt_min} > {self.dt_max}")
        check_real("weight_decay", self.weight_decay, low=0.0)
        check_real("dropout", self.dropout, low=0.0)
        if self.dropout >= 1:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.beta != "learn":
            try:
                self.beta = check_real("beta", self.beta)
            except (TypeError, ValueError):
                raise ValueError(f"beta must be a finite number or 'learn', got {self.beta!r}") from None

    @classmethod
    def for_scale(cls, scale: str, **overrides) -> "SpeechConfig":
        check_choice("scale", scale, SCALES)
        tiny = dict(d_model=8, n_layers=1, d_state=4, epochs=2, batch_size=4, warmup_steps=0, num_workers=0,
                    max_train=40, max_val=20, max_test=20)
        sizes = {"smoke": tiny,
                 "book": tiny,  # the book does not train speech on a CPU: its chapter shows the stored colab run
                 "colab": {},
                 "paper": dict(d_model=128, n_layers=6, d_state=64, epochs=40, batch_size=16, warmup_steps=1000,
                               num_workers=4, max_train=0, max_val=0, max_test=0)}[scale]
        return cls(**{**sizes, **overrides})


# ----------------------------------------------------------------------------- data
def _layout_root(folder: str) -> Optional[str]:
    """`folder` or folder/speech_commands_v0.02, whichever holds the two official list files; else None."""
    for candidate in (folder, os.path.join(folder, SPEECH_COMMANDS_FOLDER)):
        if all(os.path.isfile(os.path.join(candidate, name)) for name in ("validation_list.txt", "testing_list.txt")):
            return os.path.normpath(candidate)
    return None


_HOW = (f"--download fetches it into FSSM_DATA (2.4 GB, once), or pass --data DIR: the extracted "
        f"{SPEECH_COMMANDS_FOLDER} folder or the folder holding it")


def find_data(data: Optional[str] = None) -> str:
    """The Speech Commands folder a run reads: under --data `data` (itself or its speech_commands_v0.02), else
    FSSM_DATA/speech_commands_v0.02. ValueError naming --data (or FSSM_DATA) and how to get the data when it
    is not there (the word folders are checked when the splits are read)."""
    if data is not None:
        if not os.path.isdir(data):
            raise ValueError(f"--data {data} is not a folder: {_HOW}")
        found = _layout_root(data)
        if found is None:
            raise ValueError(f"--data {data} holds no Speech Commands v0.02 (no validation_list.txt and "
                             f"testing_list.txt there or in {os.path.join(data, SPEECH_COMMANDS_FOLDER)}): {_HOW}")
        return found
    folder = os.path.join(data_root(create=False), SPEECH_COMMANDS_FOLDER)
    found = _layout_root(folder)
    if found is None:
        raise ValueError(f"no Speech Commands v0.02 in {folder} (FSSM_DATA): {_HOW}")
    return found


def describe_data(data: Optional[str] = None, download: bool = False) -> str:
    """One line for --dry-run: where a run's data would come from. Looks at folders only, writes nothing.

    ValueError for what no run could start from: --download with --data, a --data that is not a folder, no
    --data and no --download without the data in FSSM_DATA. A --data folder without the layout is said in
    the line (a run stops on it)."""
    if download:
        if data is not None:
            raise ValueError(f"give --download or --data, not both: --download fetches into FSSM_DATA "
                             f"({data_root(create=False)}); --data {data} reads a copy you have")
        folder = os.path.join(data_root(create=False), SPEECH_COMMANDS_FOLDER)
        if _layout_root(folder):
            return f"--download: {folder} holds Speech Commands already (no download); read from there"
        return (f"--download fetches {REGISTRY['speech-commands'].url} (2.4 GB, sha256-verified) and extracts it "
                f"into {folder}, then reads it")
    if data is not None and os.path.isdir(data) and _layout_root(data) is None:
        return f"--data {data} holds no Speech Commands v0.02: a run would stop there ({_HOW})"
    return f"Speech Commands v0.02, SC10, official split, read from {find_data(data)}"


def _cut(ds: Dataset, n: int, seed: int) -> Dataset:
    """`ds`, or a seeded random subset of n of its items (kept in file order) when 0 < n < len(ds)."""
    if n == 0 or n >= len(ds):
        return ds
    keep = torch.randperm(len(ds), generator=torch.Generator().manual_seed(seed))[:n]
    return Subset(ds, sorted(keep.tolist()))


def load_splits(cfg: SpeechConfig, root: str) -> Dict[str, Dataset]:
    """{'train', 'val', 'test'}: SC10 of the Speech Commands folder `root` (official split), each cut to
    max_train / max_val / max_test clips (a seeded random subset; 0 = all). Items: x float32 (length, 1),
    y int64. A missing file of the layout raises SpeechCommandsLayoutError (a ValueError) naming it."""
    check_config(cfg, SpeechConfig)
    limits = {"train": cfg.max_train, "val": cfg.max_val, "test": cfg.max_test}
    return {split: _cut(SpeechCommands(root, split, SC10_CLASSES, length=cfg.length), n, cfg.data_seed)
            for split, n in limits.items()}


def _labels(ds: Dataset) -> torch.Tensor:
    if isinstance(ds, Subset):
        return ds.dataset.labels[torch.as_tensor(ds.indices, dtype=torch.int64)]
    return ds.labels


# ----------------------------------------------------------------------------- the spectrum and the rules
def task_spectrum(cfg: SpeechConfig, root: Optional[str] = None, splits: Optional[Dict[str, Dataset]] = None):
    """(omega r(K), power r(K), A c(N), clips): the average power spectrum (`average_power_spectrum`) of at most
    `cfg.spectrum_clips` training clips (a seeded sample, data_seed), K = length // 2 + 1 bins of 2 pi / length
    rad/sample; the model's modes at alpha = 1; the number of clips read."""
    splits = load_splits(cfg, root) if splits is None else splits
    train = splits["train"]
    pick = torch.randperm(len(train), generator=torch.Generator().manual_seed(cfg.data_seed + 1))
    pick = sorted(pick[:cfg.spectrum_clips].tolist())
    x = torch.stack([train[i][0] for i in pick])  # r(n L 1)
    omega, power = average_power_spectrum(x)
    return omega, power, init_A(cfg.init, cfg.d_state), len(pick)


def _rules(cfg: SpeechConfig, omega, power, A) -> Dict[str, Dict]:
    out = {}
    for rule in ALPHA_RULES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the clip at Nyquist is recorded as 'clipped'
            a = suggest_alpha(omega, power, A, cfg.dt_min, cfg.dt_max, rule=rule)
        out[rule] = {"alpha": a, "clipped": math.isclose(a * float(A.imag.max()) * cfg.dt_max, math.pi, rel_tol=1e-9)}
    return out


def suggestions(cfg: SpeechConfig, root: Optional[str] = None,
                splits: Optional[Dict[str, Dataset]] = None) -> Dict[str, Dict]:
    """{rule: {'alpha', 'clipped'}} for every rule of `suggest_alpha` at cfg's init, N and step range, read
    off the training clips' spectrum (`task_spectrum`); 'clipped': the alpha is the Nyquist limit at dt_max."""
    omega, power, A, _ = task_spectrum(cfg, root, splits)
    return _rules(cfg, omega, power, A)


def spectrum_bands(omega: torch.Tensor, power: torch.Tensor, band_hz: float = SPECTRUM_BAND_HZ) -> List[float]:
    """The power's share (summing to 1) in bands of `band_hz` Hz from 0 to 8 kHz at 16 kHz sampling: the
    spectrum as the results file stores it."""
    hz = omega * SAMPLE_RATE / (2 * math.pi)
    n = math.ceil(SAMPLE_RATE / 2 / band_hz)
    band = torch.clamp((hz / band_hz).floor().long(), max=n - 1)
    out = torch.zeros(n, dtype=torch.float64).index_add_(0, band, power.to(torch.float64))
    return (out / out.sum()).tolist() if float(out.sum()) > 0 else out.tolist()


# ----------------------------------------------------------------------------- the plan
def plan_runs(cfg: SpeechConfig, sugg: Dict[str, Dict], alphas: Sequence[float] = DEFAULT_ALPHAS
              ) -> List[Tuple[str, SpeechConfig]]:
    """[(role, config)]: each of `alphas` (role 'sweep'), each distinct suggested alpha (role: the rules that
    suggest it, e.g. 'quantile+transport'; a suggestion equal to a swept alpha joins that entry's role), all
    with beta 0; then alpha 1 with beta learned from 0 (role 'beta-learn')."""
    check_config(cfg, SpeechConfig)
    entries: Dict[float, Tuple[float, List[str]]] = {}
    for a in alphas:
        entries.setdefault(round(float(a), 12), (float(a), []))[1].append("sweep")
    for rule, s in sugg.items():
        entries.setdefault(round(s["alpha"], 12), (float(s["alpha"]), []))[1].append(rule)
    plans = [("+".join(dict.fromkeys(roles)), dataclasses.replace(cfg, alpha=a, beta=0.0))
             for a, roles in entries.values()]
    return plans + [("beta-learn", dataclasses.replace(cfg, alpha=1.0, beta="learn"))]


# ----------------------------------------------------------------------------- model and one run
def build_model(cfg: SpeechConfig) -> SequenceModel:
    """1 input channel -> d_model, n_layers bidirectional S4D blocks with GLU (pre-norm, cfg.norm), mean
    pooling, -> 10 classes. SSM parameters get ssm_lr and no weight decay; beta is learned from 0 when
    cfg.beta == 'learn', else fixed."""
    learn = cfg.beta == "learn"
    return SequenceModel(1, len(SC10_CLASSES), d_model=cfg.d_model, n_layers=cfg.n_layers, dropout=cfg.dropout,
                         norm=cfg.norm, prenorm=True, pool="mean", d_state=cfg.d_state, init=cfg.init,
                         alpha=cfg.alpha, beta=0.0 if learn else float(cfg.beta), learn_beta=learn,
                         bidirectional=True, mixing="glu", dt_min=cfg.dt_min, dt_max=cfg.dt_max,
                         lr={"log_dt": cfg.ssm_lr, "log_A_real": cfg.ssm_lr, "A_imag": cfg.ssm_lr})


def _precision(cfg: SpeechConfig, device: torch.device) -> str:
    if cfg.precision != "auto":
        return cfg.precision
    if device.type != "cuda":
        return "fp32"
    try:  # bf16 where the GPU computes it natively (Ampere and later), not where torch emulates it (a T4)
        native = torch.cuda.is_bf16_supported(including_emulation=False)
    except TypeError:  # a torch without the option
        native = torch.cuda.is_bf16_supported()
    return "bf16" if native else "fp32"


def _accuracy(model, loader, device) -> float:
    correct, total = 0, 0
    for x, y in loader:
        pred = model(x.to(device)).argmax(-1).cpu()
        correct, total = correct + int((pred == y).sum()), total + len(y)
    return correct / total


def run_name(cfg: SpeechConfig, seed: int) -> str:
    """speech-aALPHA-bBETA-sSEED-HASH: HASH of the config (not num_workers), so that runs of different
    settings never resume each other."""
    fields = {k: v for k, v in dataclasses.asdict(cfg).items() if k != "num_workers"}
    tag = hashlib.sha1(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()[:8]
    beta = "learn" if cfg.beta == "learn" else f"{cfg.beta:g}"
    return f"speech-a{cfg.alpha:.6g}-b{beta}-s{seed}-{tag}"


def run_workdir(cfg: SpeechConfig, seed: int, base: Optional[str] = None) -> str:
    """BASE/`run_name(cfg, seed)`, BASE defaulting to FSSM_DATA/runs."""
    return os.path.join(base or os.path.join(data_root(create=False), "runs"), run_name(cfg, seed))


def run(cfg: SpeechConfig, root: Optional[str] = None, seed: int = 0, device=None, workdir: Optional[str] = None,
        fresh: bool = False, progress: bool = False, splits: Optional[Dict[str, Dataset]] = None) -> Dict:
    """Train one model on SC10 (AdamW, cosine schedule with warm-up, `fssm.train.fit`), keep the epoch of best
    validation accuracy and score it on the test split.

    root: the Speech Commands folder (`find_data`), or splits: what `load_splits` returned. workdir: the run's
    folder (default `run_workdir(cfg, seed)`): last.pt is resumed from (a finished run is reused, not
    retrained), best.pt holds the best-validation model, metrics.jsonl the log; fresh=True deletes them first.
    Returns {alpha, beta, seed, best_epoch, best_val_accuracy, test_accuracy (of the best-validation model),
    majority_test (the most frequent training class, scored on test), history, betas (mean learned beta per
    layer at the end), precision, n_train, n_val, n_test, seconds, workdir, resumed}.
    """
    check_config(cfg, SpeechConfig)
    seed = check_seed(seed)
    device = get_device(device)
    t0 = time.perf_counter()
    splits = load_splits(cfg, root) if splits is None else splits
    if len(splits["train"]) < cfg.batch_size:
        raise ValueError(f"batch_size {cfg.batch_size} exceeds the {len(splits['train'])} training clips")
    seed_everything(seed)
    model = build_model(cfg).to(device)
    loaders = {s: shard_loader(ds, cfg.batch_size, shuffle=s == "train", seed=seed, drop_last=s == "train",
                               num_workers=cfg.num_workers) for s, ds in splits.items()}
    workdir = workdir or run_workdir(cfg, seed)
    os.makedirs(workdir, exist_ok=True)
    if fresh:
        gone = clear_workdir(workdir)
        print(f"fresh run: {'deleted ' + ', '.join(gone) + ' in' if gone else 'nothing earlier in'} {workdir}; "
              f"training from scratch", flush=True)
    resumed = os.path.exists(os.path.join(workdir, "last.pt"))

    def loss_fn(m, batch):
        x, y = batch
        return F.cross_entropy(m(x.to(device)).float(), y.to(device))

    precision = _precision(cfg, device)
    tc = TrainConfig(epochs=cfg.epochs, lr=cfg.lr, weight_decay=cfg.weight_decay, warmup_steps=cfg.warmup_steps,
                     checkpoint=os.path.join(workdir, "last.pt"), best_checkpoint=os.path.join(workdir, "best.pt"),
                     monitor="val_accuracy", metrics_log=os.path.join(workdir, "metrics.jsonl"),
                     precision=precision, progress=progress, verbose=False)
    history = fit(model, loaders["train"], loss_fn, tc,
                  evaluate=lambda m, epoch: {"val_accuracy": _accuracy(m, loaders["val"], device)})
    from ..layer import S4DLayer

    betas = [float(m.beta.detach().float().mean()) for m in model.modules() if isinstance(m, S4DLayer)]
    best = load_checkpoint(tc.best_checkpoint, map_location=device)
    model.load_state_dict(best["model"])
    model.eval()
    with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16"):
        test_accuracy = _accuracy(model, loaders["test"], device)
    majority = int(torch.bincount(_labels(splits["train"]), minlength=len(SC10_CLASSES)).argmax())
    return {"alpha": cfg.alpha, "beta": cfg.beta, "seed": seed, "best_epoch": int(best["epoch"]),
            "best_val_accuracy": float(best["metrics"]["val_accuracy"]), "test_accuracy": test_accuracy,
            "majority_test": float((_labels(splits["test"]) == majority).double().mean()), "history": history,
            "betas": betas, "precision": precision, "n_train": len(splits["train"]), "n_val": len(splits["val"]),
            "n_test": len(splits["test"]), "seconds": time.perf_counter() - t0, "workdir": workdir,
            "resumed": resumed}


def describe(r: Dict) -> str:
    """One line of a finished run."""
    beta = r["beta"] if isinstance(r["beta"], str) else f"{r['beta']:g}"
    return (f"speech {r['role']} alpha={r['alpha']:.4g} beta={beta} seed={r['seed']}: val "
            f"{r['best_val_accuracy']:.3f} (epoch {r['best_epoch']}), test {r['test_accuracy']:.3f} "
            f"({r['seconds']:.0f} s)")


def run_all(cfg: SpeechConfig, root: Optional[str] = None, seeds: Sequence[int] = (0, 1, 2),
            alphas: Sequence[float] = DEFAULT_ALPHAS, device=None, workdir: Optional[str] = None,
            fresh: bool = False, progress: bool = False, verbose: bool = False,
            splits: Optional[Dict[str, Dataset]] = None) -> Dict:
    """The plan (`plan_runs` on the suggestions read now) x seeds, one after another, each in its own work
    folder `run_workdir(c, seed, workdir)`. Returns {'config', 'suggestions', 'spectrum' ({'clips',
    'band_hz', 'share'}: `spectrum_bands`), 'runs': [{'role', ...`run`'s record}]}."""
    splits = load_splits(cfg, root) if splits is None else splits
    omega, power, A, clips = task_spectrum(cfg, splits=splits)
    sugg = _rules(cfg, omega, power, A)
    if verbose:
        print("suggested alphas: " + ", ".join(f"{rule} {s['alpha']:.4g}" + (" (clipped at Nyquist)" if s["clipped"]
                                                                                 else "") for rule, s in sugg.items())
              + f" (from {clips} training clips)", flush=True)
    runs = []
    for role, c in plan_runs(cfg, sugg, alphas):
        for s in seeds:
            runs.append({"role": role, **run(c, seed=s, device=device, workdir=run_workdir(c, s, workdir),
                                              fresh=fresh, progress=progress, splits=splits)})
            if verbose:
                print(describe(runs[-1]), flush=True)
    return {"config": dataclasses.asdict(cfg), "suggestions": sugg,
            "spectrum": {"clips": clips, "band_hz": SPECTRUM_BAND_HZ, "share": spectrum_bands(omega, power)},
            "runs": runs}


# ----------------------------------------------------------------------------- reading the results
def summary(stored: Dict) -> Dict[str, Dict]:
    """{label: {'role', 'alpha', 'beta', 'test' (per seed), 'val' (per seed), 'mean'}} in the plan's order."""
    out: Dict[str, Dict] = {}
    for r in stored["runs"]:
        beta = r["beta"] if r["beta"] == "learn" else f"{r['beta']:g}"
        label = f"alpha {r['alpha']:.3g}, beta {beta}" + (f" ({r['role']})" if r["role"] != "sweep" else "")
        row = out.setdefault(label, {"role": r["role"], "alpha": r["alpha"], "beta": r["beta"], "test": [], "val": []})
        row["test"].append(r["test_accuracy"])
        row["val"].append(r["best_val_accuracy"])
    for row in out.values():
        row["mean"] = float(np.mean(row["test"]))
    return out


def summary_table(stored: Dict) -> str:
    """An HTML table: every configuration's test accuracy (of its best-validation epoch), mean (min-max) over
    seeds."""
    rows = [[label, f"{row['mean']:.3f} ({min(row['test']):.3f}-{max(row['test']):.3f}, {len(row['test'])} seeds)"]
            for label, row in summary(stored).items()]
    return html_table(["configuration", "test accuracy: mean (min-max)"], rows)


# ----------------------------------------------------------------------------- CLI
def build_parser() -> argparse.ArgumentParser:
    p = experiment_parser("speech", __doc__, EXAMPLES)
    p.add_argument("--data", default=None, metavar="DIR", help=f"the extracted {SPEECH_COMMANDS_FOLDER} folder, or "
                   f"the folder holding it (default: FSSM_DATA/{SPEECH_COMMANDS_FOLDER}; not with --download)")
    p.add_argument("--download", action="store_true", help="download Speech Commands v0.02 (2.4 GB, sha256-verified, "
                   "once) into FSSM_DATA first; not with --data")
    p.add_argument("--alphas", nargs="+", type=float, default=list(DEFAULT_ALPHAS), metavar="ALPHA",
                   help="alphas trained with beta 0 besides the rules' suggested alphas and alpha 1 with beta learned")
    p.add_argument("--workdir", default=None, metavar="DIR", help="folder of the runs' work folders: checkpoints "
                   "and metrics logs (default: FSSM_DATA/runs)")
    p.add_argument("--fresh", action="store_true", help=f"delete each run's {', '.join(RUN_FILES)} first and train "
                   "from scratch, instead of resuming or reusing a finished run")
    add_run_arguments(p, SpeechConfig, seeds=(0, 1, 2), fixed=CLI_FIELDS)
    return p


def main(argv=None) -> Optional[str]:
    """`python -m fssm.experiments.speech` (see --help): returns the results path written, None for --dry-run."""
    p = build_parser()
    args = p.parse_args(argv)
    cfg = cli_config(p, args, SpeechConfig, functools.partial(SpeechConfig.for_scale, args.scale), CLI_FIELDS)
    device = cli_device(p, args)
    if len(set(args.alphas)) != len(args.alphas) or not all(math.isfinite(a) and a > 0 for a in args.alphas):
        p.error(f"--alphas takes distinct finite alphas > 0, got {' '.join(map(str, args.alphas))}")
    try:
        data = describe_data(args.data, args.download)
        if args.dry_run:
            n = len(args.alphas) + len(ALPHA_RULES) + 1
            folders = [run_workdir(c, s, args.workdir) for _, c in plan_runs(cfg, {}, args.alphas)  # all but the
                       for s in args.seeds]                                                  # suggested alphas
            work = [f"{f}: {workdir_state(f, cfg.epochs, args.fresh)}" for f in folders]
            base = args.workdir or os.path.join(data_root(create=False), "runs")
            work.append(f"{os.path.join(base, 'speech-aALPHA-b0-sSEED-HASH')}: the suggested alphas' runs (named when "
                        f"the suggestions are read)")
            print_plan("speech", run_plan(
                args, cfg, device, output_path("speech", args),
                runs=f"alphas {', '.join(f'{a:g}' for a in args.alphas)} (beta 0), each rule's suggested alpha "
                     f"({', '.join(ALPHA_RULES)}; read from the spectrum of {cfg.spectrum_clips} training clips at "
                     f"most when the run starts), alpha 1 with beta learned: at most {n} configurations x "
                     f"{len(args.seeds)} seeds, {cfg.epochs} epochs each",
                precision=f"{_precision(cfg, device)} ({cfg.precision})", data=data,
                work=work))
            return None
        splits = None if args.download else load_splits(cfg, find_data(args.data))  # a broken layout: now
    except (ValueError, FileNotFoundError) as e:
        p.error(str(e))
    if splits is None:
        splits = load_splits(cfg, download_speech_commands())
    root = _base(splits["train"]).root
    t0, commit = time.perf_counter(), git_commit()
    out = run_all(cfg, seeds=args.seeds, alphas=args.alphas, device=device, workdir=args.workdir, fresh=args.fresh,
                  progress=not args.no_progress, verbose=True, splits=splits)
    payload = {"experiment": "speech", "data_source": root, "alphas": list(args.alphas), **out,
               **provenance(args.scale, args.seeds, cfg, time.perf_counter() - t0, args.device, commit)}
    path = write_results(output_path("speech", args), payload)
    print(f"wrote {path}", flush=True)
    return path


def _base(ds: Dataset) -> SpeechCommands:
    return ds.dataset if isinstance(ds, Subset) else ds


if __name__ == "__main__":
    main()
