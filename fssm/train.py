r"""Training utilities: param groups from per-parameter tags, AdamW, cosine schedule, checkpoints, loop.

Parameters registered with `fssm.utils.register(..., lr=..., wd=...)` carry `_optim` tags; every
other parameter gets the base learning rate and weight decay. This module builds optimizers; layers
never do.
"""
from __future__ import annotations

import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Dict, Iterable, List, Optional

import torch
from torch import nn

from .io import atomic_write
from .distributed import all_reduce_sum, barrier, is_distributed, is_main_process, unwrap_model, world_size
from .utils import check_choice, check_int, check_real

__all__ = [
    "param_groups",
    "make_optimizer",
    "cosine_with_warmup",
    "save_checkpoint",
    "load_checkpoint",
    "TrainConfig",
    "fit",
    "NonFiniteLossError",
    "epoch_line",
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
    with atomic_write(path, "wb") as f:
        torch.save(state, f)


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


PRECISIONS = ("fp32", "bf16")
MONITOR_MODES = ("max", "min")


@dataclass
class TrainConfig:
    """Settings of `fit`. Every field is validated; bad values raise ValueError naming the field.

    checkpoint: path of the last-epoch checkpoint, written atomically after every epoch; a run that finds
        it resumes from it (on the CPU the resumed run equals an uninterrupted one bit for bit).
    best_checkpoint, monitor, monitor_mode: also keep the model of the epoch whose `evaluate` metric
        `monitor` is best ('max' or 'min'); `fit` records the best epoch in the history.
    metrics_log: JSON-lines file, one line per `log_every` steps ({"epoch", "step", "loss", "lr"}) and one
        per epoch (the history record); on resume the lines after the checkpoint's epoch are dropped.
    precision: 'fp32' or 'bf16' (torch.autocast around forward and loss; use it on GPUs).
    progress: show progress on stderr (rank 0): a tqdm bar per epoch on a terminal or in Jupyter, else one
        plain line per epoch (`epoch_line`), so that a log file gets no bars.
    verbose: print the parameter groups. Resuming from, or reusing, a checkpoint is always printed.
    """

    epochs: int = 10
    lr: float = 1e-3
    weight_decay: float = 0.0
    warmup_steps: int = 0
    grad_clip: Optional[float] = None
    checkpoint: Optional[str] = None
    best_checkpoint: Optional[str] = None
    monitor: Optional[str] = None
    monitor_mode: str = "max"
    metrics_log: Optional[str] = None
    log_every: int = 50
    precision: str = "fp32"
    progress: bool = True
    verbose: bool = True

    def __post_init__(self):
        check_int("epochs", self.epochs, low=1)
        check_real("lr", self.lr, low=0.0, low_open=True)
        check_real("weight_decay", self.weight_decay, low=0.0)
        check_int("warmup_steps", self.warmup_steps, low=0)
        check_int("log_every", self.log_every, low=1)
        check_choice("precision", self.precision, PRECISIONS)
        check_choice("monitor_mode", self.monitor_mode, MONITOR_MODES)
        if self.grad_clip is not None:
            check_real("grad_clip", self.grad_clip, low=0.0, low_open=True)
        if self.best_checkpoint is not None and self.monitor is None:
            raise ValueError("best_checkpoint needs monitor: the name of the evaluate() metric to select by")


def _interactive(stream) -> bool:
    """Whether `stream` shows a live tqdm bar: a terminal, or a Jupyter kernel's output (a widget there).

    A log file or a pipe is neither: a bar redrawn with carriage returns would become one long line.
    """
    if type(stream).__module__.startswith("ipykernel"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty is not None and isatty())


def _progress_bar(iterable, stream, desc: str):
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=desc, leave=False, file=stream)


def _format_value(value) -> Optional[str]:
    """A metric as short text: numbers to 4 digits, short vectors in brackets; None for anything longer."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)) and 0 < len(value) <= 8 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        return "[" + " ".join(f"{v:.4g}" for v in value) + "]"
    return None


def epoch_line(record: dict, epochs: int) -> str:
    """One plain line for a finished epoch (the progress of `fit` when its stream is not a terminal).

    'epoch 3/10  train_loss 0.4321  1.2 s  val_accuracy 0.512 (best)': the epoch counted from 1, the mean
    train loss, the epoch's seconds, then every `evaluate` metric that is a number or a vector of at most
    8 numbers (longer ones, e.g. per-mode parameters, are left out).
    """
    parts = [f"epoch {record['epoch'] + 1}/{epochs}", f"train_loss {record['train_loss']:.4g}",
             f"{record['seconds']:.1f} s"]
    for key, value in record.items():
        text = None if key in ("epoch", "train_loss", "seconds") else _format_value(value)
        if text is not None:
            parts.append(f"{key} {text}")
    return "  ".join(parts) + (" (best)" if record.get("best") else "")


def _rng_state() -> dict:
    state = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state) -> None:
    if isinstance(state, torch.Tensor):  # checkpoints of fssm <= 0.1 stored the CPU state only
        state = {"cpu": state}
    torch.set_rng_state(state["cpu"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _truncate_log(path: str, last_epoch: int) -> None:
    """Keep the metrics-log lines of epochs <= last_epoch (those the checkpoint knows about)."""
    if not os.path.exists(path):
        return
    with open(path) as f:
        keep = [line for line in f if line.strip() and json.loads(line).get("epoch", -1) <= last_epoch]
    with open(path, "w") as f:
        f.writelines(keep)


def _append_log(path: Optional[str], record: dict) -> None:
    if path and is_main_process():
        with open(path, "a") as f:
            f.write(json.dumps(record) + "\n")


def _resume_message(path: str, epoch: int, epochs: int) -> str:
    """What `fit` says when it finds a checkpoint: resuming after `epoch` (0-based), or reusing a finished run."""
    if epoch + 1 >= epochs:
        return f"reusing finished run: {path} holds epoch {epoch + 1}/{epochs}, the last; nothing is trained"
    return f"resuming from {path}: epoch {epoch + 1}/{epochs} done, training epochs {epoch + 2}..{epochs}"


def _is_better(value: float, best: Optional[float], mode: str) -> bool:
    return best is None or (value > best if mode == "max" else value < best)


def fit(
    model: nn.Module,
    train_loader: Iterable,
    loss_fn: Callable[[nn.Module, object], torch.Tensor],
    config: TrainConfig,
    evaluate: Optional[Callable[[nn.Module, int], dict]] = None,
) -> List[dict]:
    """Train `model` for `config.epochs` epochs and return the per-epoch history.

    Args:
        model: the module to train, or its DistributedDataParallel wrapper (`fssm.distributed.wrap_model`);
            checkpoints always hold the unwrapped module's state dict.
        train_loader: re-iterable over batches (e.g. a DataLoader); len() gives steps per epoch. If its
            sampler has `set_epoch` (a DistributedSampler), it is called at the start of every epoch.
        loss_fn: (model, batch) -> scalar mean loss (the batch is moved to a device by the caller).
        evaluate: optional (model, epoch) -> dict of metrics, called after each epoch under no_grad on
            every rank (it may all-reduce).
    Under torchrun the per-step loss is averaged over ranks (the loss of the global batch), only rank 0
    prints, logs and writes checkpoints, and every rank resumes from the same file.
    """
    steps_per_epoch = len(train_loader)
    net = unwrap_model(model)
    device_type = next(net.parameters()).device.type
    main = is_main_process()
    optimizer = make_optimizer(net, config.lr, config.weight_decay, verbose=config.verbose and main)
    scheduler = cosine_with_warmup(optimizer, config.epochs * steps_per_epoch,
                                   min(config.warmup_steps, config.epochs * steps_per_epoch))
    history: List[dict] = []
    start_epoch, best = 0, None
    if config.checkpoint and os.path.exists(config.checkpoint):
        state = load_checkpoint(config.checkpoint, map_location=next(net.parameters()).device)
        net.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        _set_rng_state(state["rng"])
        history, start_epoch, best = state["history"], state["epoch"] + 1, state.get("best")
        if config.metrics_log and main:
            _truncate_log(config.metrics_log, state["epoch"])
        if main:  # always said, verbose or not: these epochs were trained earlier, maybe by other code
            print(_resume_message(config.checkpoint, state["epoch"], config.epochs), flush=True)
    sampler = getattr(train_loader, "sampler", None)
    distributed = is_distributed()
    stream = sys.stderr  # looked up now: pytest's capsys (and a caller's redirection) replace it
    bar = config.progress and main and _interactive(stream)
    lines = config.progress and main and not bar

    for epoch in range(start_epoch, config.epochs):
        if hasattr(sampler, "set_epoch"):
            sampler.set_epoch(epoch)
        model.train()
        t0, total, count = time.perf_counter(), 0.0, 0
        batches = _progress_bar(train_loader, stream, f"epoch {epoch + 1}/{config.epochs}") if bar else train_loader
        for step, batch in enumerate(batches):
            with torch.autocast(device_type, dtype=torch.bfloat16, enabled=config.precision == "bf16"):
                loss = loss_fn(model, batch)
            # Under DDP the logged loss is the mean over ranks: the loss of the global batch.
            value = all_reduce_sum(loss.detach().reshape(1)).item() / world_size() if distributed else None
            if not torch.isfinite(loss) or (value is not None and not math.isfinite(value)):
                raise NonFiniteLossError(f"loss is {loss.item() if value is None else value} "
                                         f"at epoch {epoch}, step {step}")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if config.grad_clip is not None:
                nn.utils.clip_grad_norm_(net.parameters(), config.grad_clip)
            optimizer.step()
            scheduler.step()
            value = loss.item() if value is None else value
            total, count = total + value, count + 1
            global_step = epoch * steps_per_epoch + step
            if config.metrics_log and global_step % config.log_every == 0:
                _append_log(config.metrics_log, {"epoch": epoch, "step": global_step, "loss": value,
                                                 "lr": scheduler.get_last_lr()[0]})
        record = {"epoch": epoch, "train_loss": total / max(count, 1), "seconds": time.perf_counter() - t0}
        if evaluate is not None:
            model.eval()
            with torch.no_grad(), torch.autocast(device_type, dtype=torch.bfloat16,
                                                 enabled=config.precision == "bf16"):
                record.update(evaluate(model, epoch))
        if config.monitor is not None:
            if config.monitor not in record:
                raise KeyError(f"monitor {config.monitor!r} is not among the metrics {sorted(record)}")
            if _is_better(record[config.monitor], best, config.monitor_mode):
                best = record[config.monitor]
                record["best"] = True
                if config.best_checkpoint and main:
                    save_checkpoint(config.best_checkpoint, {"model": net.state_dict(), "epoch": epoch,
                                                             "metrics": dict(record)})
        history.append(record)
        if lines:
            print(epoch_line(record, config.epochs), file=stream, flush=True)
        if config.checkpoint and main:
            save_checkpoint(config.checkpoint, {
                "model": net.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "rng": _rng_state(),
                "history": history, "epoch": epoch, "best": best, "config": asdict(config),
            })
        _append_log(config.metrics_log, record)
        barrier()  # no rank starts the next epoch (or reads a checkpoint) before rank 0 has written it
    return history

