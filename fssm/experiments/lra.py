r"""Long-Range Arena with S4D and a tuned frequency bias (paper section 6.3; book chapter "Long-Range Arena").

The CLI trains every alpha x beta x seed of one task and writes lra-TASK-SCALE.json (lra-TASK-TAG-SCALE.json
with --tag) into --out: one entry per run (history, best validation epoch, its test accuracy, the
majority-class baseline) with provenance. Every run keeps, in its work folder (--workdir/RUN, default
FSSM_DATA/runs/RUN), the last checkpoint (a killed run resumes from it; a finished one is reused, not
retrained, unless --fresh), the best-validation checkpoint and a JSON-lines metrics log.

Data: ListOps, Pathfinder and Path-X are generated offline when no release is given (--data unset) and
cached in the official formats under FSSM_DATA/generated; Text (IMDB), Retrieval (AAN) and Image (CIFAR-10)
are read from their official formats under --data (--download fetches IMDB and CIFAR-10; the LRA release
with --lra-sha256).
Scales: smoke (seconds, pytest), book (a 2-core CPU, minutes; generated short ListOps and easy
Pathfinder), colab (one GPU, ~20 min per task), paper (the configurations of the authors' public code,
AnnanYu/FreqBiasSSM, configs/experiment/lra/bias-s4-TASK.yaml).
`beta` is a fixed number or 'learn' (trainable per channel from 0 with lr 0.01, no weight decay: the
paper's LRA setting).
"""
from __future__ import annotations

import argparse
import dataclasses
import functools
import math
import os
import re
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import nn

from ..data.registry import LRA_RELEASE_URL, REGISTRY, data_root
from ..distributed import (all_reduce_sum, barrier, init_distributed, is_main_process, shard_loader,
                           shutdown_distributed, unwrap_model, wrap_model)
from ..init import INITS, RANDOM_RULES
from ..model import SequenceModel, TwoTowerClassifier
from ..train import TrainConfig, fit, load_checkpoint
from ..utils import SCALES, check_choice, check_int, check_real, check_seed, seed_everything
from . import cli
from .cli import (add_run_arguments, cli_config, cli_device, experiment_parser, output_path, print_plan, run_plan,
                  save_sweep)
from .common import git_commit

__all__ = ["TASKS", "LRAConfig", "PAPER_TABLE", "load_splits", "operator_baseline", "describe_data", "generated_folder", "build_model",
           "run", "run_sweep", "run_workdir", "clear_workdir", "workdir_state", "describe", "parse_beta",
           "parse_overrides", "sweep_configs", "EXAMPLES", "build_parser", "main", "RUN_FILES"]

TASKS = ("listops", "text", "retrieval", "image", "pathfinder", "pathx")
GENERATED = ("listops", "pathfinder", "pathx")  # tasks with an offline generator
RUN_FILES = ("last.pt", "best.pt", "metrics.jsonl")  # what a run keeps in its work folder (--fresh deletes them)
# Command lines shown in --help (tests run each with --dry-run appended).
EXAMPLES = (
    "python -m fssm.experiments.lra --task listops --scale book",
    "python -m fssm.experiments.lra --task listops --scale book --alphas 1 3 5 --betas 0 learn --seeds 0 1 2",
    "python -m fssm.experiments.lra --task listops --scale book --set epochs=12 --tag long   # lra-listops-long-book",
    "python -m fssm.experiments.lra --task pathfinder --scale book --fresh   # delete earlier checkpoints, retrain",
    "torchrun --nproc_per_node=4 -m fssm.experiments.lra --task text --scale paper --download",
    "python -m fssm.experiments.lra --task image --scale colab --data DIR   # DIR holds cifar-10-batches-py",
    "python -m fssm.experiments.lra --task pathfinder --scale colab --dry-run   # print the plan; run nothing",
)
# Config fields the CLI sets through options of their own (--set refuses them, naming the option).
CLI_FIELDS = {"task": "--task", "alpha": "--alphas", "beta": "--betas"}
# --download of Text and Image: the fssm.data.lra fetcher, and where it puts the files (DATA/SUB/TOP, as
# that fetcher does) with the REGISTRY entry it downloads.
_DOWNLOADS = {"text": ("download_imdb", "imdb", "aclImdb", "imdb"),
              "image": ("download_cifar10", "cifar10", "cifar-10-batches-py", "cifar10-python")}
_RESOLUTION = {"pathfinder": 32, "pathx": 128}
_GENERATED_MARKER = {"listops": "basic_test.tsv", "pathfinder": ".complete", "pathx": ".complete"}
# Test accuracy (%) as the paper's LRA table reports it (Yu et al., ICLR 2025), for the chapter's comparison.
PAPER_TABLE: Dict[str, Dict[str, float]] = {
    "S4D with tuned frequency bias (the paper)": dict(listops=62.75, text=89.76, retrieval=92.45, image=90.89,
                                                      pathfinder=95.89, pathx=97.84),
    "S4D": dict(listops=60.47, text=86.18, retrieval=89.46, image=88.19, pathfinder=93.06, pathx=91.95),
}


@dataclass
class LRAConfig:
    """Model, optimizer and data sizes of one LRA task at one scale (`for_task`).

    d_state counts complex modes N per channel (the real state size is 2N, conjugate pairs implicit). The
    authors' diagonal kernel (SSMKernelDiag in src/models/sequence/modules/s4block.py) keeps its d_state = 64
    modes a_n = -1/2 - i alpha pi n, n = 0..63, without halving, so the paper's setting is N = 64.
    n_train/n_val/n_test: examples generated (generated tasks) or the first ones of each official split
    (None = all). listops_length: (min, max) tokens of generated ListOps (LRA: 500 < length < 2000).
    contour_length: paddles per contour of generated Pathfinder (LRA: 6 easy, 9, 14 hard).
    """

    task: str = "listops"
    d_model: int = 128
    n_layers: int = 6
    d_state: int = 64
    alpha: float = 3.0
    beta: Union[float, str] = "learn"
    init: str = "lin"  # the modes before alpha: fssm.init's names or a random rule (the initialization ablation)
    norm: str = "batch"
    prenorm: bool = True
    dropout: float = 0.0
    lr: float = 0.008
    weight_decay: float = 0.03
    ssm_lr: float = 0.004
    beta_lr: float = 0.01
    batch_size: int = 32
    epochs: int = 160
    warmup_steps: int = 5000
    dt_min: float = 1e-3
    dt_max: float = 1e-1
    grad_clip: Optional[float] = None
    seq_len: Optional[int] = None  # None: the task's length (ListOps: longest generated/allowed)
    n_train: Optional[int] = None
    n_val: Optional[int] = None
    n_test: Optional[int] = None
    listops_length: Tuple[int, int] = (500, 2000)
    contour_length: int = 14
    data_seed: int = 1234

    def __post_init__(self):
        check_choice("task", self.task, TASKS)
        for name in ("d_model", "n_layers", "d_state", "batch_size", "epochs", "contour_length"):
            check_int(name, getattr(self, name), low=1)
        check_int("warmup_steps", self.warmup_steps, low=0)
        for name in ("alpha", "lr", "ssm_lr", "beta_lr", "dt_min", "dt_max"):
            check_real(name, getattr(self, name), low=0.0, low_open=True)
        check_real("weight_decay", self.weight_decay, low=0.0)
        check_real("dropout", self.dropout, low=0.0, high=0.99)
        check_choice("norm", self.norm, ("batch", "layer"))
        check_choice("init", self.init, (*INITS, *RANDOM_RULES))
        self.beta = parse_beta(self.beta)
        for name in ("seq_len", "n_train", "n_val", "n_test"):
            if getattr(self, name) is not None:
                check_int(name, getattr(self, name), low=1)
        check_seed(self.data_seed, "data_seed")
        length = self.listops_length
        if not (isinstance(length, (tuple, list)) and len(length) == 2):
            raise ValueError(f"listops_length must be (min, max) integers with 0 <= min < max, got {length!r}")
        lo, hi = check_int("listops_length[0] (min)", length[0], low=0), check_int("listops_length[1] (max)", length[1])
        if not lo < hi:
            raise ValueError(f"listops_length must be (min, max) integers with 0 <= min < max, got {length!r}")
        self.listops_length = (lo, hi)
        if self.grad_clip is not None:
            check_real("grad_clip", self.grad_clip, low=0.0, low_open=True)

    @classmethod
    def for_task(cls, task: str, scale: str, **overrides) -> "LRAConfig":
        check_choice("task", task, TASKS)
        check_choice("scale", scale, SCALES)
        sizes = {**_PAPER[task], **_SCALED[scale].get(task, {})} if scale != "paper" else dict(_PAPER[task])
        return cls(task=task, **{**sizes, **overrides})


# The public configurations (AnnanYu/FreqBiasSSM, configs/experiment/lra/bias-s4-*.yaml): 6 layers, 64 complex
# modes of scaled S4D-Lin (the diagonal kernel ignores the configs' `init: legs`), bidirectional, GLU, AdamW,
# cosine with warm-up, beta trainable from 0 (lr 0.01). Epochs and warm-up steps as listed there.
_PAPER: Dict[str, dict] = {
    "listops": dict(alpha=3.0, d_model=128, norm="batch", prenorm=True, dropout=0.0, lr=0.008, weight_decay=0.03,
                    batch_size=32, epochs=160, warmup_steps=5000, ssm_lr=0.004, seq_len=2048),
    "text": dict(alpha=5.0, d_model=256, norm="batch", prenorm=True, dropout=0.0, lr=0.01, weight_decay=0.05,
                 batch_size=32, epochs=200, warmup_steps=2000, ssm_lr=0.001, seq_len=4096),
    "retrieval": dict(alpha=3.0, d_model=128, norm="batch", prenorm=True, dropout=0.0, lr=0.004,
                      weight_decay=0.03, batch_size=64, epochs=40, warmup_steps=5000, ssm_lr=0.001, seq_len=4000),
    "image": dict(alpha=3.0, d_model=512, norm="layer", prenorm=False, dropout=0.1, lr=0.01, weight_decay=0.01,
                  batch_size=50, epochs=1200, warmup_steps=18000, ssm_lr=0.001, seq_len=1024),
    "pathfinder": dict(alpha=3.0, d_model=256, norm="batch", prenorm=True, dropout=0.0, lr=0.004,
                       weight_decay=0.03, batch_size=50, epochs=300, warmup_steps=150000, ssm_lr=0.001,
                       seq_len=1024, contour_length=14),
    "pathx": dict(alpha=5.0, d_model=128, norm="batch", prenorm=True, dropout=0.0, lr=0.001, weight_decay=0.03,
                  batch_size=20, epochs=150, warmup_steps=200000, ssm_lr=0.001, seq_len=16384, dt_min=1e-4,
                  contour_length=14),
}
# Smaller scales override sizes only; the task's alpha, norm and learning rates stay the paper's unless set.
_TINY = dict(d_model=8, n_layers=1, d_state=4, epochs=2, batch_size=8, warmup_steps=0, n_train=48, n_val=16,
             n_test=16)
_SCALED: Dict[str, Dict[str, dict]] = {
    "smoke": {
        "listops": dict(_TINY, listops_length=(10, 60), seq_len=64),
        "text": dict(_TINY, seq_len=512), "retrieval": dict(_TINY, seq_len=512), "image": dict(_TINY),
        "pathfinder": dict(_TINY, contour_length=6),
        "pathx": dict(_TINY, d_model=4, batch_size=4, n_train=8, n_val=4, n_test=4, contour_length=6),
    },
    # A 2-core CPU: a ListOps run in well under a minute; short generated expressions.
    "book": {
        "listops": dict(d_model=32, n_layers=2, d_state=16, epochs=6, batch_size=32, lr=0.01, warmup_steps=20,
                        n_train=2000, n_val=500, n_test=500, listops_length=(20, 120), seq_len=128,
                        grad_clip=1.0),
        "pathfinder": dict(d_model=32, n_layers=2, d_state=16, epochs=6, batch_size=32, lr=0.01, warmup_steps=20,
                           n_train=2000, n_val=500, n_test=500, contour_length=6, grad_clip=1.0),
        **{t: dict(d_model=32, n_layers=2, d_state=16, epochs=3, batch_size=16, lr=0.01, warmup_steps=20,
                   n_train=2000, n_val=500, n_test=500, grad_clip=1.0) for t in ("text", "retrieval", "image")},
        "pathx": dict(d_model=16, n_layers=2, d_state=16, epochs=3, batch_size=8, lr=0.004, warmup_steps=20,
                      n_train=400, n_val=100, n_test=100, contour_length=6, grad_clip=1.0),
    },
    # One GPU, about 20 minutes a task (not yet run on a GPU: see the chapter).
    "colab": {
        "listops": dict(d_model=128, n_layers=4, epochs=10, n_train=20000, n_val=2000, n_test=2000, warmup_steps=500),
        "pathfinder": dict(d_model=128, n_layers=4, epochs=20, n_train=20000, n_val=2000, n_test=2000,
                           warmup_steps=1000, contour_length=9),
        "text": dict(d_model=128, n_layers=4, epochs=4, warmup_steps=500),
        "retrieval": dict(d_model=64, n_layers=4, epochs=2, n_train=20000, warmup_steps=500),
        "image": dict(d_model=128, n_layers=4, epochs=20, warmup_steps=1000),
        "pathx": dict(d_model=64, n_layers=4, epochs=10, n_train=5000, n_val=500, n_test=500, warmup_steps=500,
                      contour_length=6),  # 128x128 contours of 9+ paddles generate at a few images/s on a CPU
    },
}


def parse_overrides(items: Sequence[str]) -> Dict[str, object]:
    """--set's KEY=VALUE strings -> {field: value} for `LRAConfig` (`cli.parse_overrides`; values are
    Python literals or plain strings; task, alpha and beta have options of their own).

    >>> parse_overrides(["norm=layer", "epochs=3", "listops_length=(10, 60)"])
    {'norm': 'layer', 'epochs': 3, 'listops_length': (10, 60)}
    """
    return cli.parse_overrides(items, LRAConfig, CLI_FIELDS)


def parse_beta(beta: Union[float, str]) -> Union[float, str]:
    """'learn' (trainable from 0) or a fixed real number; anything else is a ValueError."""
    if isinstance(beta, str) and beta.strip().lower() in ("learn", "learned", "trainable"):
        return "learn"
    try:
        return check_real("beta", float(beta))
    except (TypeError, ValueError):
        raise ValueError(f"beta must be a number or 'learn', got {beta!r}") from None


# ----------------------------------------------------------------------------- data
def load_splits(cfg: LRAConfig, data: Optional[str] = None) -> Tuple[Dict[str, torch.utils.data.Dataset], str]:
    """{'train', 'val', 'test'} datasets of `cfg.task`, and a one-line description of the data source.

    `data`: a folder holding the official release layouts (see each reader). Generated tasks without
    `data` are generated once (rank 0, seeded by cfg.data_seed) into FSSM_DATA/generated/... in the
    official formats and read back with the same readers as the release.
    """
    from ..data.lra import image, listops, pathfinder, retrieval, text

    task = cfg.task
    generated = data is None and task in GENERATED
    if generated:
        folder, source = _generate_once(cfg), _generated_source(cfg)
    else:
        folder, source = _find_release(cfg, data)
    if task == "listops":
        seq_len = cfg.seq_len or cfg.listops_length[1]
        splits = {s: listops.ListOps(os.path.join(folder, f"basic_{s}.tsv"), seq_len=seq_len)
                  for s in ("train", "val", "test")}
    elif task in _RESOLUTION:
        # generated: the reader's seeded split with exactly n_val and n_test images; release: S4's 80/10/10
        n = cfg.n_train + cfg.n_val + cfg.n_test if generated else None
        fracs = dict(val_frac=cfg.n_val / n, test_frac=cfg.n_test / n) if generated else {}
        splits = {s: pathfinder.Pathfinder(folder, resolution=_RESOLUTION[task], difficulty=_difficulty(cfg),
                                           split=s, **fracs)
                  for s in ("train", "val", "test")}
    elif task == "text":
        splits = {s: text.IMDB(folder, split=s, seq_len=cfg.seq_len or 4096) for s in ("train", "val", "test")}
    elif task == "retrieval":
        splits = {s: retrieval.AAN(folder, split=s, seq_len=cfg.seq_len or 4000) for s in ("train", "val", "test")}
    else:  # image
        splits = {s: image.CIFAR10Gray(folder, split=s, val_size=cfg.n_val or 5000) for s in ("train", "val", "test")}
    limits = {"train": cfg.n_train, "val": cfg.n_val, "test": cfg.n_test}
    for s, n in limits.items():
        if n is not None and len(splits[s]) > n:
            splits[s] = torch.utils.data.Subset(splits[s], range(n))
    for s, ds in splits.items():
        if len(ds) == 0:
            raise ValueError(f"the {s} split of {task} is empty ({source})")
    return splits, source


def _difficulty(cfg: LRAConfig) -> Optional[str]:
    """The Pathfinder release difficulty ('easy', 'intermediate', 'hard') of cfg.contour_length, or None."""
    from ..data.lra import pathfinder

    by_length = {pathfinder.CONTOUR_LENGTHS[folder]: d for d, folder in pathfinder.DIFFICULTIES.items()}
    return by_length.get(cfg.contour_length)


def generated_folder(cfg: LRAConfig, root: str) -> str:
    """ROOT/generated/NAME: where a generated task (ListOps, Pathfinder, Path-X) is cached, one folder per
    sizes and seed. ValueError when the config cannot be generated (sizes unset, contour length not 6/9/14)."""
    sizes = (cfg.n_train, cfg.n_val, cfg.n_test)
    if None in sizes:
        raise ValueError(f"generating {cfg.task} needs n_train, n_val and n_test (--set n_train=N n_val=N "
                         f"n_test=N), or --data with the LRA release; got {sizes}")
    if cfg.task == "listops":
        lo, hi = cfg.listops_length
        name = f"listops-{lo}-{hi}-{cfg.n_train}-{cfg.n_val}-{cfg.n_test}-seed{cfg.data_seed}"
    else:
        if _difficulty(cfg) is None:
            raise ValueError(f"contour_length must be 6, 9 or 14 (the release's difficulties), "
                             f"got {cfg.contour_length}")
        name = f"pathfinder-{_RESOLUTION[cfg.task]}-{cfg.contour_length}-{sum(sizes)}-seed{cfg.data_seed}"
    return os.path.join(root, "generated", name)


def _is_generated(cfg: LRAConfig, folder: str) -> bool:
    return os.path.exists(os.path.join(folder, _GENERATED_MARKER[cfg.task]))


def _generated_source(cfg: LRAConfig) -> str:
    """The data_source line of a generated task."""
    if cfg.task == "listops":
        lo, hi = cfg.listops_length
        return (f"generated ListOps (fssm generator, {lo} < length < {hi}, seed {cfg.data_seed}, "
                f"{cfg.n_train}/{cfg.n_val}/{cfg.n_test})")
    res, n = _RESOLUTION[cfg.task], cfg.n_train + cfg.n_val + cfg.n_test
    return (f"generated Pathfinder (fssm generator, {res}x{res}, contour length {cfg.contour_length}, "
            f"seed {cfg.data_seed}, {n} images)")


def _generate_once(cfg: LRAConfig) -> str:
    """The generated task's folder, generated first (by rank 0; the others wait) unless cached there."""
    from ..data.lra import listops, pathfinder_gen

    folder = generated_folder(cfg, data_root())
    if is_main_process() and not _is_generated(cfg, folder):
        if cfg.task == "listops":
            lo, hi = cfg.listops_length
            listops.make_listops_splits(folder, cfg.n_train, cfg.n_val, cfg.n_test, seed=cfg.data_seed,
                                        min_length=lo, max_length=hi)
        else:
            n = cfg.n_train + cfg.n_val + cfg.n_test
            pathfinder_gen.make_pathfinder_release(folder, n, seed=cfg.data_seed, resolution=_RESOLUTION[cfg.task],
                                                   difficulty=_difficulty(cfg))
            open(os.path.join(folder, ".complete"), "w").close()
    barrier()
    return folder


def _find_release(cfg: LRAConfig, data: Optional[str]) -> Tuple[str, str]:
    """(folder, source line) of the task's official files under --data `data`: checked to be there, not read."""
    task = cfg.task
    if task == "listops":
        return _listops_folder(_require(data, task)), f"LRA release ListOps ({data})"
    if task in _RESOLUTION:
        folder = _locate(_require(data, task), "", f"pathfinder{_RESOLUTION[task]}")
        return folder, f"LRA release pathfinder{_RESOLUTION[task]} {_difficulty(cfg)} ({folder})"
    root = _require(data, task)
    if task == "retrieval":
        root = _locate(root, "tsv_data", "new_aan_pairs.train.tsv")
        return root, f"LRA release AAN retrieval ({root})"
    if task == "text":
        return root, f"IMDB (aclImdb, {root})"
    return root, f"CIFAR-10 python batches, grayscale ({root})"


def describe_data(cfg: LRAConfig, data: Optional[str] = None, download: bool = False) -> str:
    """One line: where a run's data would come from and what it does first (read, generate or download).

    Looks at folders only, writes nothing; ValueError or FileNotFoundError when a run could not start
    (no --data for a task without a generator, a release not where --data says).
    """
    if download:
        return _download_plan(cfg, data)
    if data is None and cfg.task in GENERATED:
        folder = generated_folder(cfg, data_root(create=False))
        state = "cached there" if _is_generated(cfg, folder) else "generated there first"
        return f"{_generated_source(cfg)} in {folder} ({state})"
    folder, source = _find_release(cfg, data)
    return f"{source}, read from {folder}"


def _download_plan(cfg: LRAConfig, data: Optional[str]) -> str:
    """What --download would do: nothing when the files are there, else fetch (from where, into where)."""
    root = data or data_root(create=False)
    if cfg.task in _DOWNLOADS:
        _, sub, top, entry = _DOWNLOADS[cfg.task]
        folder = os.path.join(root, sub)
        if os.path.isdir(os.path.join(folder, top)):
            return f"--download: {folder} holds {top} already (no download); read from there"
        return f"--download fetches {REGISTRY[entry].url} (checksum-verified) into {folder}, then reads it"
    if os.path.isdir(os.path.join(root, "lra_release", "lra_release")):  # download_lra_release returns at once
        folder, source = _find_release(cfg, root)
        return f"--download: the LRA release is in {root} already (no download); {source}, read from {folder}"
    return (f"--download fetches {LRA_RELEASE_URL} (about 7.7 GB, checked against --lra-sha256) into "
            f"{os.path.join(root, 'lra_release')}, then reads it")


def _require(data: Optional[str], task: str) -> str:
    if data is None:
        raise ValueError(f"task {task!r} has no offline generator: pass --data DIR holding its official files "
                         f"(see fssm.data.lra; --download fetches IMDB and CIFAR-10)")
    if not os.path.isdir(data):
        raise FileNotFoundError(f"--data {data} is not a folder")
    return data


# Where a task's files sit below --data: the folder itself, or the extracted LRA release's layout.
_RELEASE_PREFIXES = ("", "lra_release", os.path.join("lra_release", "lra_release"))


def _locate(data: str, sub: str, probe: str) -> str:
    """The folder `data`/[prefix/]`sub` that holds `probe`; FileNotFoundError listing where it looked."""
    tried = []
    for prefix in _RELEASE_PREFIXES:
        for s in ((sub, "") if sub else ("",)):
            folder = os.path.join(data, prefix, s)
            if os.path.exists(os.path.join(folder, probe)):
                return os.path.normpath(folder)
            tried.append(os.path.normpath(folder))
    raise FileNotFoundError(f"no {probe} under --data {data} (looked in {', '.join(dict.fromkeys(tried))})")


def _listops_folder(data: str) -> str:
    return _locate(data, "listops-1000", "basic_train.tsv")


def dataset_info(ds) -> Tuple[int, Optional[int], int]:
    """(seq_len, vocab_size, n_classes) of an LRA dataset or a Subset of one."""
    base = ds.dataset if isinstance(ds, torch.utils.data.Subset) else ds
    return base.seq_len, base.vocab_size, base.n_classes


def labels_of(ds) -> torch.Tensor:
    """int64 (n,) labels of a dataset (reads `labels` when the dataset has them, else iterates)."""
    base, idx = (ds.dataset, list(ds.indices)) if isinstance(ds, torch.utils.data.Subset) else (ds, None)
    labels = getattr(base, "labels", None)
    if labels is not None:
        labels = torch.as_tensor(labels, dtype=torch.int64)
        return labels if idx is None else labels[idx]
    return torch.tensor([int(ds[i][1]) for i in range(len(ds))], dtype=torch.int64)


def _first_tokens(ds) -> torch.Tensor:
    """int64 (n,) first token of every example of a token dataset or a Subset of one: read at once from the
    dataset's token buffer (`ListOps.first_tokens`) when it has one, else example by example."""
    base, idx = (ds.dataset, list(ds.indices)) if isinstance(ds, torch.utils.data.Subset) else (ds, None)
    if hasattr(base, "first_tokens"):
        first = base.first_tokens()
        return first if idx is None else first[torch.as_tensor(idx, dtype=torch.int64)]
    return torch.stack([torch.as_tensor(ds[i][0][0], dtype=torch.int64) for i in range(len(ds))])


def operator_baseline(splits: Dict[str, torch.utils.data.Dataset]) -> float:
    """ListOps: test accuracy of guessing, for each outermost operator, its most frequent value in train.

    The first token of a ListOps sequence is its outermost operator (or a lone digit); a model that has
    learned only which values each operator tends to give reaches this accuracy without evaluating any
    nesting, so it is the baseline a ListOps score must beat to show more (the majority class is weaker).
    """
    first = {name: _first_tokens(splits[name]) for name in ("train", "test")}
    train_y, test_y = labels_of(splits["train"]), labels_of(splits["test"])
    n_classes = dataset_info(splits["train"])[2]
    n_tokens = int(max(first["train"].max(), first["test"].max())) + 1
    counts = torch.zeros(n_tokens, n_classes, dtype=torch.int64)
    counts.index_put_((first["train"], train_y), torch.ones_like(train_y), accumulate=True)  # r(tokens classes)
    guess = counts.argmax(1)  # a token never seen first in train gets class 0, the counts' first argmax
    return float((guess[first["test"]] == test_y).double().mean())


# ----------------------------------------------------------------------------- model
def build_model(cfg: LRAConfig, seq_len: int, vocab_size: Optional[int], n_classes: int) -> nn.Module:
    """The paper's LRA model: encoder, n_layers bidirectional S4D blocks with GLU, mean pooling, decoder.

    SSM parameters (log dt, A) get `ssm_lr` and no weight decay; beta is trainable from 0 (lr beta_lr) when
    cfg.beta == 'learn', else fixed. Retrieval wraps the model in a `TwoTowerClassifier`.
    """
    learn = cfg.beta == "learn"
    layer = dict(d_state=cfg.d_state, init=cfg.init, alpha=cfg.alpha, beta=0.0 if learn else float(cfg.beta),
                 learn_beta=learn,
                 beta_lr=cfg.beta_lr, bidirectional=True, mixing="glu", dt_min=cfg.dt_min, dt_max=cfg.dt_max,
                 lr={"log_dt": cfg.ssm_lr, "log_A_real": cfg.ssm_lr, "A_imag": cfg.ssm_lr})
    d_out = cfg.d_model if cfg.task == "retrieval" else n_classes
    net = SequenceModel(1, d_out, d_model=cfg.d_model, n_layers=cfg.n_layers, vocab_size=vocab_size,
                        norm=cfg.norm, prenorm=cfg.prenorm, dropout=cfg.dropout, pool="mean", **layer)
    if cfg.task == "retrieval":
        return TwoTowerClassifier(net, cfg.d_model, n_classes)
    return net


def _betas(model: nn.Module) -> List[float]:
    """Mean beta of every S4D layer (after training: where the learned filter went)."""
    from ..layer import S4DLayer

    return [float(m.beta.detach().float().mean()) for m in unwrap_model(model).modules() if isinstance(m, S4DLayer)]


def _accuracy(model: nn.Module, loader, device) -> float:
    """Top-1 accuracy over every rank's shard (summed over ranks)."""
    correct = torch.zeros(2, dtype=torch.float64)
    for x, y in loader:
        pred = model(x.to(device)).argmax(-1).cpu()
        correct += torch.tensor([(pred == y).sum().item(), len(y)], dtype=torch.float64)
    correct = all_reduce_sum(correct)
    return float(correct[0] / correct[1])


# ----------------------------------------------------------------------------- one run
def run(cfg: LRAConfig, seed: int = 0, data: Optional[str] = None, device=None, workdir: Optional[str] = None,
        progress: bool = False, verbose: bool = False, fresh: bool = False) -> Dict:
    """Train one model (resuming from `workdir`/last.pt if present); return its record.

    workdir: the run's folder (default `run_workdir(cfg, seed)`). A checkpoint there is resumed, or, when
    it holds the last epoch, reused without training; either is printed. fresh=True first deletes the
    run's files there (`RUN_FILES`), saying so, and trains from scratch.

    Returns {task, alpha, beta, seed, history, best_epoch, best_val_accuracy, test_accuracy (of the
    best-validation checkpoint), majority_test (the train set's most frequent class, scored on test),
    operator_test (ListOps only: `operator_baseline`),
    betas (mean beta per layer at the end), data_source, n_train/n_val/n_test, seconds, resumed (True when
    the work folder held a checkpoint: part of the run, possibly all, was trained earlier)}.
    """
    info = init_distributed(device)
    dev = info.device
    t0 = time.perf_counter()
    splits, source = load_splits(cfg, data)
    seq_len, vocab, n_classes = dataset_info(splits["train"])
    seed_everything(seed)
    model = build_model(cfg, seq_len, vocab, n_classes).to(dev)
    model = wrap_model(model, info)
    train_loader = shard_loader(splits["train"], cfg.batch_size, shuffle=True, seed=seed, drop_last=True)
    val_loader = shard_loader(splits["val"], cfg.batch_size, shuffle=False)
    test_loader = shard_loader(splits["test"], cfg.batch_size, shuffle=False)
    if len(train_loader) == 0:
        raise ValueError(f"batch size {cfg.batch_size} exceeds the {len(splits['train'])} training examples")

    workdir = workdir or run_workdir(cfg, seed)
    os.makedirs(workdir, exist_ok=True)
    if fresh and is_main_process():
        _say_cleared(workdir, clear_workdir(workdir))
    barrier()  # no rank looks for last.pt before rank 0 has deleted it
    resumed = os.path.exists(os.path.join(workdir, "last.pt"))  # recorded: such a run is not all this code's

    def loss_fn(m, batch):
        x, y = batch
        return F.cross_entropy(m(x.to(dev)).float(), y.to(dev))

    def evaluate(m, epoch):
        return {"val_accuracy": _accuracy(m, val_loader, dev)}

    tc = TrainConfig(epochs=cfg.epochs, lr=cfg.lr, weight_decay=cfg.weight_decay, warmup_steps=cfg.warmup_steps,
                     grad_clip=cfg.grad_clip, checkpoint=os.path.join(workdir, "last.pt"),
                     best_checkpoint=os.path.join(workdir, "best.pt"), monitor="val_accuracy",
                     metrics_log=os.path.join(workdir, "metrics.jsonl"),
                     precision="bf16" if dev.type == "cuda" else "fp32", progress=progress, verbose=verbose)
    history = fit(model, train_loader, loss_fn, tc, evaluate=evaluate)
    betas = _betas(model)
    best = load_checkpoint(tc.best_checkpoint, map_location=dev)
    unwrap_model(model).load_state_dict(best["model"])
    model.eval()
    with torch.no_grad(), torch.autocast(dev.type, dtype=torch.bfloat16, enabled=tc.precision == "bf16"):
        test_accuracy = _accuracy(model, test_loader, dev)
    train_labels, test_labels = labels_of(splits["train"]), labels_of(splits["test"])
    majority = int(torch.bincount(train_labels, minlength=n_classes).argmax())
    baselines = {"operator_test": operator_baseline(splits)} if cfg.task == "listops" else {}
    return {
        "task": cfg.task, "alpha": cfg.alpha, "beta": cfg.beta, "seed": seed, "init": cfg.init,
        "history": history, "best_epoch": int(best["epoch"]),
        "best_val_accuracy": float(best["metrics"]["val_accuracy"]), "test_accuracy": test_accuracy,
        "majority_class": majority, "majority_test": float((test_labels == majority).double().mean()),
        **baselines, "betas": betas, "data_source": source, "seq_len": seq_len,
        "n_train": len(splits["train"]), "n_val": len(splits["val"]), "n_test": len(splits["test"]),
        "world_size": info.world_size, "seconds": time.perf_counter() - t0, "workdir": workdir,
        "resumed": resumed,
    }


def run_workdir(cfg: LRAConfig, seed: int, base: Optional[str] = None) -> str:
    """The work folder of one run: BASE/`run_name(cfg, seed)`, BASE defaulting to FSSM_DATA/runs."""
    return os.path.join(base or os.path.join(data_root(create=False), "runs"), run_name(cfg, seed))


def clear_workdir(workdir: str) -> List[str]:
    """Delete a run's checkpoints and metrics log (`RUN_FILES`) from `workdir`; return the names deleted."""
    gone = []
    for name in RUN_FILES:
        path = os.path.join(workdir, name)
        if os.path.exists(path):
            os.remove(path)
            gone.append(name)
    return gone


def _say_cleared(workdir: str, gone: Sequence[str]) -> None:
    if gone:
        print(f"fresh run: deleted {', '.join(gone)} in {workdir}; training from scratch", flush=True)
    else:
        print(f"fresh run: {workdir} holds no earlier run; training from scratch", flush=True)


def workdir_state(workdir: str, epochs: int, fresh: bool = False) -> str:
    """What a run would do with its work folder (for --dry-run): train from scratch, delete earlier files
    first (fresh), resume, or reuse a finished run. Reads last.pt's epoch; writes nothing."""
    found = [name for name in RUN_FILES if os.path.exists(os.path.join(workdir, name))]
    if fresh and found:
        return f"--fresh: would delete {', '.join(found)} there and train from scratch"
    last = os.path.join(workdir, "last.pt")
    if not os.path.exists(last):
        return "new: trains from scratch"
    try:
        epoch = int(load_checkpoint(last, map_location="cpu")["epoch"])
    except (RuntimeError, ValueError, KeyError, EOFError) as e:  # damaged: say so, a dry run must not crash
        return f"damaged: {last} cannot be read ({e}); a run would stop there, --fresh retrains"
    if epoch + 1 >= epochs:
        return f"finished: {last} holds epoch {epoch + 1}/{epochs}; reused, not trained (--fresh retrains)"
    return f"resumes from {last} after epoch {epoch + 1}/{epochs}"


def run_name(cfg: LRAConfig, seed: int) -> str:
    beta = "learn" if cfg.beta == "learn" else f"{cfg.beta:g}"
    return f"lra-{cfg.task}-a{cfg.alpha:g}-b{beta}-s{seed}-{_config_tag(cfg)}"


def _config_tag(cfg: LRAConfig) -> str:
    """A short hash of the config, so that runs of different settings never resume each other."""
    import hashlib
    import json

    text = json.dumps(dataclasses.asdict(cfg), sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:8]


def sweep_configs(cfg: LRAConfig, alphas: Sequence[float], betas: Sequence[Union[float, str]]) -> List[LRAConfig]:
    """`cfg` with every alpha x beta (validated: a bad alpha or beta raises ValueError naming it)."""
    return [dataclasses.replace(cfg, alpha=float(a), beta=parse_beta(b)) for a in alphas for b in betas]


def run_sweep(cfg: LRAConfig, alphas: Sequence[float], betas: Sequence[Union[float, str]], seeds: Sequence[int],
              data: Optional[str] = None, device=None, progress: bool = False, verbose: bool = False,
              workdir: Optional[str] = None, fresh: bool = False) -> List[Dict]:
    """`run` for every alpha x beta x seed, each in its own work folder `run_workdir(c, seed, workdir)`;
    fresh=True retrains each from scratch (see `run`)."""
    runs = []
    for c in sweep_configs(cfg, alphas, betas):
        for s in seeds:
            runs.append(run(c, seed=s, data=data, device=device, workdir=run_workdir(c, s, workdir),
                            progress=progress, fresh=fresh))
            if verbose and is_main_process():
                print(describe(runs[-1]), flush=True)
    return runs


def describe(r: Dict) -> str:
    """One line: task, alpha, beta, seed, best validation accuracy, its test accuracy, the baselines."""
    beta = r["beta"] if isinstance(r["beta"], str) else f"{r['beta']:g}"
    return (f"{r['task']} alpha={r['alpha']:g} beta={beta} seed={r['seed']}: val {r['best_val_accuracy']:.3f} "
            f"(epoch {r['best_epoch']}), test {r['test_accuracy']:.3f}, majority {r['majority_test']:.3f}"
            + (f", operator guess {r['operator_test']:.3f}" if "operator_test" in r else "")
            + f" ({r['seconds']:.0f} s)")


def build_parser() -> argparse.ArgumentParser:
    """The CLI's options: the task, its data, the sweep, work folders, and the shared ones (`add_run_arguments`)."""
    p = experiment_parser("lra", __doc__, EXAMPLES)
    p.add_argument("--task", required=True, choices=TASKS, help="the LRA task (required; no default)")
    p.add_argument("--data", default=None, metavar="DIR", help="folder with the task's official files (default: "
                   "generate ListOps/Pathfinder/Path-X offline; the other tasks need it or --download)")
    p.add_argument("--download", action="store_true", help="download IMDB (text) or CIFAR-10 (image) into --data, "
                   "else FSSM_DATA, first; other tasks: the LRA release, with --lra-sha256")
    p.add_argument("--lra-sha256", default=None, metavar="HEX", help="sha256 of the LRA release archive for "
                   "--download (it publishes none; give the digest of a copy you trust)")
    p.add_argument("--alphas", nargs="+", type=float, default=None, metavar="ALPHA",
                   help="alphas to train (default: the task's alpha, as in the paper)")
    p.add_argument("--betas", nargs="+", default=["learn"], metavar="BETA",
                   help="numbers (a fixed beta) or 'learn' (trainable from 0)")
    p.add_argument("--tag", default=None, help="results name suffix: lra-TASK-TAG-SCALE.json, for runs whose --set "
                   "overrides make them differ from the scale's defaults (default: none)")
    p.add_argument("--workdir", default=None, metavar="DIR", help="folder of the runs' work folders: checkpoints "
                   "and metrics logs (default: FSSM_DATA/runs)")
    p.add_argument("--fresh", action="store_true", help=f"delete each run's {', '.join(RUN_FILES)} first and train "
                   "from scratch, instead of resuming or reusing a finished run")
    add_run_arguments(p, LRAConfig, seeds=(0,), fixed=CLI_FIELDS)
    return p


def _results_name(args) -> str:
    """lra-TASK[-TAG]; ValueError for a --tag that is not a plain file-name part."""
    if args.tag is not None and not re.fullmatch(r"[A-Za-z0-9_.]+", args.tag):
        raise ValueError(f"--tag must be letters, digits, '_' or '.', got {args.tag!r}")
    return f"lra-{args.task}" + (f"-{args.tag}" if args.tag else "")


def _check_download(args) -> None:
    """--download of the LRA release needs --lra-sha256 (64 hex digits): ValueError otherwise."""
    if not args.download or args.task in _DOWNLOADS:
        return
    if args.lra_sha256 is None:
        raise ValueError(f"--download for {args.task} fetches the LRA release, which publishes no checksum: pass "
                         f"--lra-sha256 with the digest of a copy you trust (ListOps, Pathfinder and Path-X also "
                         f"run offline without --data)")
    if not re.fullmatch(r"[0-9a-fA-F]{64}", args.lra_sha256):
        raise ValueError(f"--lra-sha256 must be 64 hex digits, got {args.lra_sha256!r}")


def _download(args) -> str:
    """Run --download: rank 0 downloads, then the other ranks find the verified copy. Returns the --data folder."""
    from ..data import lra as lra_data
    from ..data.registry import download_lra_release

    if args.task in _DOWNLOADS:
        fetch = getattr(lra_data, _DOWNLOADS[args.task][0])
    else:
        def fetch(root):  # the data root: --data's search covers the release's nested task folders
            download_lra_release(args.lra_sha256, root)
            return data_root(root)
    init_distributed(args.device)
    data = fetch(args.data) if is_main_process() else None  # one download
    barrier()
    return data if is_main_process() else fetch(args.data)


def plan(args, cfg: LRAConfig, configs: Sequence[LRAConfig], device) -> Dict[str, object]:
    """What a run of the CLI would do (printed by --dry-run): runs, processes, data, work folders, results file.

    Reads folders (and each existing last.pt's epoch) only; ValueError or FileNotFoundError when it could not run.
    """
    world = int(os.environ.get("WORLD_SIZE", "1") or 1)  # torchrun's; a dry run joins no process group
    if cfg.batch_size % world:
        raise ValueError(f"batch size {cfg.batch_size} must be a multiple of the number of processes {world}")
    n = len(configs) * len(args.seeds)
    sweep = " ".join(f"alpha={c.alpha:g},beta={c.beta if isinstance(c.beta, str) else f'{c.beta:g}'}" for c in configs)
    work = [f"{run_workdir(c, s, args.workdir)}: {workdir_state(run_workdir(c, s, args.workdir), c.epochs, args.fresh)}"
            for c in configs for s in args.seeds]
    return run_plan(args, cfg, device, output_path(_results_name(args), args), task=args.task,
                    runs=f"{n} = {len(configs)} (alpha, beta) x {len(args.seeds)} seeds ({sweep})",
                    processes=f"{world} (global batch {cfg.batch_size}, {cfg.batch_size // world} per process)",
                    data=describe_data(cfg, args.data, args.download), work=work)


def main(argv=None) -> Optional[str]:
    """`python -m fssm.experiments.lra` (see --help): returns the results path (rank 0), None for --dry-run."""
    p = build_parser()
    args = p.parse_args(argv)
    cfg = cli_config(p, args, LRAConfig, functools.partial(LRAConfig.for_task, args.task, args.scale), CLI_FIELDS)
    device = cli_device(p, args)
    alphas = args.alphas or [cfg.alpha]
    try:
        name = _results_name(args)
        configs = sweep_configs(cfg, alphas, args.betas)
        _check_download(args)
        if args.dry_run:
            print_plan("lra", plan(args, cfg, configs, device))
            return None
        if not args.download:
            describe_data(cfg, args.data)  # fail now, not after the first run: e.g. --data missing
    except (ValueError, FileNotFoundError) as e:
        p.error(str(e))
    data = _download(args) if args.download else args.data
    t0, commit = time.perf_counter(), git_commit()
    runs = run_sweep(cfg, alphas, args.betas, args.seeds, data=data, device=args.device,
                     progress=not args.no_progress, verbose=True, workdir=args.workdir, fresh=args.fresh)
    path = save_sweep(name, args, cfg, runs, t0, commit) if is_main_process() else None
    shutdown_distributed()
    return path


if __name__ == "__main__":
    main()
