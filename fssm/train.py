r"""Training utilities: param groups from per-parameter tags, AdamW, cosine schedule, checkpoints, loop.

Parameters registered with `fssm.utils.register(..., lr=..., wd=...)` carry `_optim` tags; every
other parameter gets the base learning rate and weight decay. This module builds optimizers; layers
never do.
"""
from __future__ import annotations

import math
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Dict, Iterable, List, Optional

import torch
from torch import nn

from .utils import check_int, check_real

__all__ = [
    "param_groups",
    "make_optimizer",
    "cosine_with_warmup",
    "save_checkpoint",
    "load_checkpoint",
    "TrainConfig",
    "fit",
    "NonFiniteLossError",
]


def param_groups(model: nn.Module, lr: float, weight_decay: float, verbose: bool = True) -> List[dict]:
    """Group trainable parameters by their (lr, weight_decay) tag; untagged ones use the base values.

    Checks that every trainable parameter lands in exactly one group, and prints one line per group
    (name count, lr, weight decay) when verbose.
    """
    lr = check_real("lr", lr, low=0.0, low_open=True)
    weight_decay = check_real("weight_decay", weight_decay, low=0.0)
    groups: Dict[tuple, dict] = {}
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        tag = getattr(p, "_optim", None) or {}
        g_lr = tag.get("lr") if tag.get("lr") is not None else lr
        g_wd = tag.get("weight_decay", weight_decay) if tag else weight_decay
        key = (float(g_lr), float(g_wd))
        group = groups.setdefault(key, {"params": [], "names": [], "lr": key[0], "weight_decay": key[1]})
        group["params"].append(p)
        group["names"].append(name)
    out = sorted(groups.values(), key=lambda g: (g["lr"], g["weight_decay"]), reverse=True)
    seen = [id(p) for g in out for p in g["params"]]
    trainable = [id(p) for p in model.parameters() if p.requires_grad]
    if len(seen) != len(set(seen)) or set(seen) != set(trainable):
        raise RuntimeError("param_groups: a trainable parameter is missing or appears in two groups")
    if verbose:
        for g in out:
            n = sum(p.numel() for p in g["params"])
            print(f"param group: lr={g['lr']:.3g} weight_decay={g['weight_decay']:.3g} "
                  f"tensors={len(g['params'])} numel={n}")
    return out


def make_optimizer(model: nn.Module, lr: float, weight_decay: float = 0.0,
                   betas=(0.9, 0.999), verbose: bool = True) -> torch.optim.AdamW:
    """AdamW over `param_groups(model, lr, weight_decay)`."""
    groups = param_groups(model, lr, weight_decay, verbose=verbose)
    return torch.optim.AdamW([{k: v for k, v in g.items() if k != "names"} for g in groups], betas=betas)


def cosine_with_warmup(optimizer: torch.optim.Optimizer, total_steps: int, warmup_steps: int = 0,
                       min_factor: float = 0.0) -> torch.optim.lr_scheduler.LambdaLR:
    """Linear warm-up for `warmup_steps`, then cosine decay to `min_factor` * lr at `total_steps`."""
    total_steps = check_int("total_steps", total_steps, low=1)
    warmup_steps = check_int("warmup_steps", warmup_steps, low=0, high=total_steps)
    min_factor = check_real("min_factor", min_factor, low=0.0, high=1.0)

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
        return min_factor + (1 - min_factor) * 0.5 * (1 + math.cos(math.pi * progress))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def save_checkpoint(path: str, state: dict) -> None:
    """Write `state` with torch.save atomically: a temporary file in the same folder, then rename."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".pt")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load_checkpoint(path: str, map_location=None) -> dict:
    """Load a checkpoint written by `save_checkpoint`; a clear error if it is missing or corrupt."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        return torch.load(path, map_location=map_location, weights_only=False)
    except Exception as e:  # noqa: BLE001 - re-raised with the file named
        raise RuntimeError(f"checkpoint {path} could not be read ({e})") from e


class NonFiniteLossError(RuntimeError):
    """The loss became NaN or Inf; the message names the epoch and step."""


@dataclass
class TrainConfig:
    """Settings of `fit`. Every field is validated; bad values raise ValueError naming the field."""

    epochs: int = 10
    lr: float = 1e-3
    weight_decay: float = 0.0
    warmup_steps: int = 0
    grad_clip: Optional[float] = None
    checkpoint: Optional[str] = None  # path of the last-epoch checkpoint; resume from it if present
    progress: bool = True
    verbose: bool = True

    def __post_init__(self):
        check_int("epochs", self.epochs, low=1)
        check_real("lr", self.lr, low=0.0, low_open=True)
        check_real("weight_decay", self.weight_decay, low=0.0)
        check_int("warmup_steps", self.warmup_steps, low=0)
        if self.grad_clip is not None:
            check_real("grad_clip", self.grad_clip, low=0.0, low_open=True)


def _progress(iterable, enabled: bool, desc: str):
    if not enabled:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=desc, leave=False)


def fit(
    model: nn.Module,
    train_loader: Iterable,
    loss_fn: Callable[[nn.Module, object], torch.Tensor],
    config: TrainConfig,
    evaluate: Optional[Callable[[nn.Module, int], dict]] = None,
) -> List[dict]:
    """Train `model` for `config.epochs` epochs and return the per-epoch history.

    Args:
        train_loader: re-iterable over batches (e.g. a DataLoader); len() gives steps per epoch.
        loss_fn: (model, batch) -> scalar loss tensor (the batch is moved to a device by the caller).
        evaluate: optional (model, epoch) -> dict of metrics, called after each epoch under no_grad.
    Checkpoints (model, optimizer, scheduler, RNG, history) are written atomically after every epoch
    when `config.checkpoint` is set, and a run finds and resumes from it.
    """
    steps_per_epoch = len(train_loader)
    optimizer = make_optimizer(model, config.lr, config.weight_decay, verbose=config.verbose)
    scheduler = cosine_with_warmup(optimizer, config.epochs * steps_per_epoch,
                                   min(config.warmup_steps, config.epochs * steps_per_epoch))
    history: List[dict] = []
    start_epoch = 0
    if config.checkpoint and os.path.exists(config.checkpoint):
        state = load_checkpoint(config.checkpoint)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["rng"])
        history, start_epoch = state["history"], state["epoch"] + 1
        if config.verbose:
            print(f"resumed from {config.checkpoint} after epoch {state['epoch']}")

    for epoch in range(start_epoch, config.epochs):
        model.train()
        t0, total, count = time.perf_counter(), 0.0, 0
        for step, batch in enumerate(_progress(train_loader, config.progress, f"epoch {epoch}")):
            loss = loss_fn(model, batch)
            if not torch.isfinite(loss):
                raise NonFiniteLossError(f"loss is {loss.item()} at epoch {epoch}, step {step}")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if config.grad_clip is not None:
                nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
            optimizer.step()
            scheduler.step()
            total, count = total + loss.item(), count + 1
        record = {"epoch": epoch, "train_loss": total / max(count, 1), "seconds": time.perf_counter() - t0}
        if evaluate is not None:
            model.eval()
            with torch.no_grad():
                record.update(evaluate(model, epoch))
        history.append(record)
        if config.checkpoint:
            save_checkpoint(config.checkpoint, {
                "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "rng": torch.get_rng_state(),
                "history": history, "epoch": epoch, "config": asdict(config),
            })
    return history
