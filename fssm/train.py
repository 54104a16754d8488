r"""Training utilities: param groups from per-parameter tags, AdamW, cosine schedule, checkpoints, loop.

Parameters registered with `fssm.utils.register(..., lr=..., wd=...)` carry `_optim` tags; every
other parameter gets the base learning rate and weight decay. This module builds optimizers; layers
never do.
"""
from __future__ import annotations

import contextlib
import json
import math
import numbers
import os
import sys
import time
from dataclasses import asdict, dataclass
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Tuple

import torch
from torch import nn

from .io import atomic_write, check_path
from .distributed import all_reduce_sum, barrier, is_distributed, is_main_process, unwrap_model, world_size
from .utils import ArgumentTypeError, check_bool, check_choice, check_int, check_real

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
    _check_module(model)
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
    if not out:
        raise ValueError(f"model ({type(model).__name__}) has no trainable parameters: nothing to optimize")
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
    """AdamW over `param_groups(model, lr, weight_decay)`; betas: two real numbers in [0, 1)."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"betas must be a pair of real numbers in [0, 1), got {betas!r}")
    for i, b in enumerate(betas):
        if check_real(f"betas[{i}]", b, low=0.0, high=1.0) == 1.0:
            raise ValueError(f"betas[{i}] must be < 1 (betas are in [0, 1)), got {b!r}")
    groups = param_groups(model, lr, weight_decay, verbose=verbose)
    return torch.optim.AdamW([{k: v for k, v in g.items() if k != "names"} for g in groups], betas=betas)


def cosine_with_warmup(optimizer: torch.optim.Optimizer, total_steps: int, warmup_steps: int = 0,
                       min_factor: float = 0.0) -> torch.optim.lr_scheduler.LambdaLR:
    """Linear warm-up for `warmup_steps`, then cosine decay to `min_factor` * lr at `total_steps`."""
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise ArgumentTypeError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
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
    """Write `state` (a dict) with torch.save atomically: a temporary file in the same folder, then rename.

    A failed write (a full disk, a file size limit) raises naming `path` and leaves an earlier file there
    unchanged.
    """
    path = check_path("path", path)
    if not isinstance(state, dict):
        raise ArgumentTypeError(f"state must be a dict, got {type(state).__name__}")
    try:
        with atomic_write(path, "wb") as f:
            torch.save(state, f)
    except OSError as e:
        raise OSError(e.errno, f"could not write checkpoint {path}: {e.strerror or e}") from e
    except RuntimeError as e:  # torch's zip writer reports a failed write as RuntimeError ('unexpected pos')
        raise RuntimeError(f"could not write checkpoint {path} ({e}): is the disk full? An earlier checkpoint "
                           f"there is unchanged") from e


def load_checkpoint(path: str, map_location=None) -> dict:
    """Load a checkpoint written by `save_checkpoint`; a clear error naming the file if it is missing or
    damaged (e.g. cut short by a full disk or an interrupted copy), never a silent empty result."""
    path = check_path("path", path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        return torch.load(path, map_location=map_location, weights_only=False)
    except Exception as e:  # noqa: BLE001 - re-raised with the file named
        raise RuntimeError(f"checkpoint {path} could not be read ({e}): it is damaged or not a checkpoint; "
                           f"restore it, or delete it to train from scratch") from e


class NonFiniteLossError(RuntimeError):
    """Training diverged: the loss, a gradient, a parameter or an activation became NaN or Inf.

    The message names the epoch, the step, the loss and the learning rate, and what became non-finite.
    """


PRECISIONS = ("fp32", "bf16")
MONITOR_MODES = ("max", "min")
# What a resumed run may set differently from its checkpoint; every other field of TrainConfig (lr,
# weight_decay, warmup_steps, grad_clip, monitor, monitor_mode) must be the checkpoint's.
RESUME_MAY_CHANGE = ("epochs", "precision", "checkpoint", "best_checkpoint", "metrics_log", "log_every",
                     "progress", "verbose")
_PATHS = ("checkpoint", "best_checkpoint", "metrics_log")


@dataclass
class TrainConfig:
    """Settings of `fit`. Every field is validated; bad values raise ValueError naming the field.

    checkpoint: path of the last-epoch checkpoint, written atomically after every epoch; a run that finds
        it resumes from it (on the CPU the resumed run equals an uninterrupted one bit for bit). A resumed
        run may change only `RESUME_MAY_CHANGE`: epochs (to extend a run; at least the epochs it holds),
        precision (e.g. a GPU run resumed on a CPU), the file paths, log_every, progress and verbose. Other
        settings differing from the checkpoint's, or a model of another shape, raise ValueError naming the
        file and what differs; a damaged checkpoint raises naming the file and is never overwritten.
    best_checkpoint, monitor, monitor_mode: also keep the model of the epoch whose `evaluate` metric
        `monitor` is best ('max' or 'min'); `fit` records the best epoch in the history.
    metrics_log: JSON-lines file, one line per `log_every` steps ({"epoch", "step", "loss", "lr"}) and one
        per epoch (the history record). On resume the lines after the checkpoint's epoch are dropped, and
        so is a last line cut short (a kill or a full disk mid-write; said on stdout); a fresh run (nothing
        to resume) starts a new log, and moves a non-empty earlier one to METRICS_LOG.1 (.2, ...: the first
        free name), so that no line of an earlier run mixes in and none is lost.
    precision: 'fp32' or 'bf16' (torch.autocast around forward and loss; use it on GPUs).
    progress: show progress on stderr (rank 0): a tqdm bar per epoch on a terminal or in Jupyter, else one
        plain line per epoch (`epoch_line`), so that a log file gets no bars.
    verbose: print the parameter groups. Resuming from, or reusing, a checkpoint is always printed.
    The three paths must name three different files.
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
        check_bool("progress", self.progress)
        check_bool("verbose", self.verbose)
        if self.grad_clip is not None:
            check_real("grad_clip", self.grad_clip, low=0.0, low_open=True)
        if self.monitor is not None and not (isinstance(self.monitor, str) and self.monitor):
            raise ValueError(f"monitor must be None or the name (a non-empty str) of an evaluate() metric, "
                             f"got {self.monitor!r}")
        if self.best_checkpoint is not None and self.monitor is None:
            raise ValueError("best_checkpoint needs monitor: the name of the evaluate() metric to select by")
        paths = {name: check_path(name, getattr(self, name), none_ok=True) for name in _PATHS}
        named = [(os.path.abspath(p), name) for name, p in paths.items() if p is not None]
        for i, (p, name) in enumerate(named):
            for q, other in named[i + 1:]:
                if p == q:
                    raise ValueError(f"{name} and {other} must be different files, both are {p}")


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
    epochs = check_int("epochs", epochs, low=1)
    missing = [k for k in ("epoch", "train_loss", "seconds") if not isinstance(record, Mapping) or k not in record]
    if missing:
        raise ValueError(f"record must be a dict of fit's history with epoch, train_loss and seconds; it lacks "
                         f"{', '.join(missing)}")
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


# ----------------------------------------------------------------------------- metrics log
def _read_log(path: str) -> Tuple[List[Tuple[dict, bytes]], Optional[bytes]]:
    """The lines of a metrics log as (record, line with its newline), and its last line if a kill or a full
    disk cut it short mid-write (else None).

    Any other line that is not a record of `fit` (a JSON object whose 'epoch', if any, is an integer) raises
    ValueError naming the file and the line (1-based).
    """
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    tail = lines.pop()  # b"" when the file ends with a newline, as every complete write does
    entries = [(_parse_log_line(path, number, line), line + b"\n")
               for number, line in enumerate(lines, 1) if line.strip()]
    if tail.strip():
        try:  # complete but for its newline: keep it
            entries.append((_parse_log_line(path, len(lines) + 1, tail), tail + b"\n"))
        except ValueError:
            return entries, tail
    return entries, None


def _parse_log_line(path: str, number: int, line: bytes) -> dict:
    try:
        record = json.loads(line.decode("utf-8"))
    except ValueError:  # also UnicodeDecodeError
        record = None
    epoch = record.get("epoch", -1) if isinstance(record, dict) else None
    if not isinstance(epoch, int) or isinstance(epoch, bool):
        text = line[:80].decode("utf-8", "replace")
        raise ValueError(f"metrics log {path}, line {number}: not a record of fit ({text!r}); fix or delete that "
                         f"line (or move the file away) to resume")
    return record


def _truncate_log(path: str, last_epoch: int) -> None:
    """Keep the metrics-log lines of epochs <= last_epoch (those the checkpoint knows about), rewritten
    atomically; a last line cut short by a kill or a full disk is dropped, and said so on stdout."""
    if not os.path.exists(path):
        return
    entries, cut = _read_log(path)
    if cut is not None:
        print(f"metrics log {path}: dropped its last line, cut short mid-write ({len(cut)} bytes; a kill or a "
              f"full disk); kept the {len(entries)} complete lines up to it", flush=True)
    with atomic_write(path, "wb") as f:
        f.writelines(line for record, line in entries if record.get("epoch", -1) <= last_epoch)


def _start_log(path: str) -> None:
    """A fresh run's metrics log starts empty: a non-empty earlier one (a run killed before its first
    checkpoint, or another run) is moved to PATH.1 (.2, ...: the first free name) and said so on stdout."""
    if not os.path.isfile(path) or os.path.getsize(path) == 0:
        return
    k = 1
    while os.path.lexists(f"{path}.{k}"):
        k += 1
    os.replace(path, f"{path}.{k}")
    print(f"fresh run: moved the earlier metrics log {path} to {path}.{k}; this run starts a new log", flush=True)


def _append_log(path: Optional[str], record: dict, what: str = "the record") -> None:
    """Append `record` as one JSON line (rank 0). A failed write (a full disk) cuts the file back to its last
    complete line and raises OSError naming it; a record JSON cannot hold raises TypeError naming `what`."""
    if not (path and is_main_process()):
        return
    try:
        line = json.dumps(record) + "\n"
    except (TypeError, ValueError) as e:
        raise ArgumentTypeError(f"{what} cannot be written to the metrics log {path} as JSON ({e}): use numbers, "
                        f"strings, or lists and dicts of them") from e
    size = os.path.getsize(path) if os.path.isfile(path) else 0
    try:
        with open(path, "a") as f:
            f.write(line)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.truncate(path, size)
        raise OSError(e.errno, f"could not append to the metrics log {path}: {e.strerror or e} (the log was cut "
                               f"back to its last complete line)") from e


# ----------------------------------------------------------------------------- resuming
_CHECKPOINT_KEYS = ("model", "optimizer", "scheduler", "rng", "history", "epoch")


def _resume(path: str, config: TrainConfig, net: nn.Module, optimizer, scheduler) -> Tuple[List[dict], int, object]:
    """Load the checkpoint at `path` into net, optimizer, scheduler and the RNG after checking that it is a
    checkpoint of this run (keys, settings, epochs, model shapes); returns (history, epochs done, best).

    Every refusal is a ValueError naming the file and what differs; the file is left as it is.
    """
    state = load_checkpoint(path, map_location=next(net.parameters()).device)
    missing = [k for k in _CHECKPOINT_KEYS if not isinstance(state, dict) or k not in state]
    if missing:
        raise ValueError(f"checkpoint {path} is not one that fit can resume: it lacks {', '.join(missing)} (a "
                         f"best_checkpoint holds the model only); pass another checkpoint path")
    saved = state.get("config") or {}
    now = asdict(config)
    diffs = [f"{k} {saved[k]!r} there, {now[k]!r} now" for k in now
             if k not in RESUME_MAY_CHANGE and k in saved and saved[k] != now[k]]
    if diffs:
        raise ValueError(f"checkpoint {path} was trained with other settings ({'; '.join(diffs)}); a resumed run "
                         f"may change only {', '.join(RESUME_MAY_CHANGE)}. Use the checkpoint's settings to resume "
                         f"it, or another checkpoint path (or delete this one) for a new run")
    done = int(state["epoch"]) + 1
    if done > config.epochs:
        raise ValueError(f"checkpoint {path} holds {done} trained epochs, more than epochs={config.epochs}: ask "
                         f"for epochs >= {done} to reuse or extend that run, or pass another checkpoint path")
    _load_model(path, net, state["model"])
    try:
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
    except (ValueError, KeyError, RuntimeError) as e:
        raise ValueError(f"checkpoint {path}: its optimizer state does not fit this model's parameter groups "
                         f"({e}); pass another checkpoint path for a new run") from e
    _set_rng_state(state["rng"])
    return state["history"], done, state.get("best")


def _load_model(path: str, net: nn.Module, saved) -> None:
    """`net.load_state_dict(saved)`, or ValueError naming the checkpoint and the first differing tensors."""
    own = net.state_dict()
    if not isinstance(saved, dict):
        raise ValueError(f"checkpoint {path}: 'model' is not a state dict, got {type(saved).__name__}")
    problems = ([f"{k} missing there" for k in own if k not in saved][:3]
                + [f"{k} not in this model" for k in saved if k not in own][:3]
                + [f"{k} of shape {tuple(saved[k].shape)} there, {tuple(v.shape)} here" for k, v in own.items()
                   if k in saved and tuple(getattr(saved[k], "shape", v.shape)) != tuple(v.shape)][:3])
    if problems:
        raise ValueError(f"checkpoint {path} holds a model of another shape ({'; '.join(problems)}); pass another "
                         f"checkpoint path for this model")
    try:
        net.load_state_dict(saved)
    except (RuntimeError, ValueError) as e:
        raise ValueError(f"checkpoint {path}: its model does not load into this one ({e})") from e


def _resume_message(path: str, epoch: int, epochs: int) -> str:
    """What `fit` says when it finds a checkpoint: resuming after `epoch` (0-based), or reusing a finished run."""
    if epoch + 1 >= epochs:
        return f"reusing finished run: {path} holds epoch {epoch + 1}/{epochs}, the last; nothing is trained"
    return f"resuming from {path}: epoch {epoch + 1}/{epochs} done, training epochs {epoch + 2}..{epochs}"


# ----------------------------------------------------------------------------- checks of a step
def _check_module(model) -> None:
    if not isinstance(model, nn.Module):
        raise ArgumentTypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")


def _check_fit_args(model, train_loader, loss_fn, config, evaluate) -> int:
    """Check the arguments of `fit` before anything is trained or written; returns the steps per epoch."""
    _check_module(model)
    if not isinstance(config, TrainConfig):
        raise ArgumentTypeError(f"config must be a fssm.train.TrainConfig, got {type(config).__name__}")
    if not callable(loss_fn):
        raise ArgumentTypeError(f"loss_fn must be a callable (model, batch) -> scalar loss, got {type(loss_fn).__name__}")
    if evaluate is not None and not callable(evaluate):
        raise ArgumentTypeError(f"evaluate must be None or a callable (model, epoch) -> dict, got {type(evaluate).__name__}")
    if config.monitor is not None and evaluate is None:
        raise ValueError(f"monitor={config.monitor!r} needs evaluate: a callable (model, epoch) -> dict of metrics "
                         f"that holds it")
    try:
        steps = len(train_loader)
    except TypeError:
        raise ArgumentTypeError(f"train_loader must be re-iterable and have a length (len(): the steps per epoch), e.g. a "
                        f"DataLoader or a list of batches; got {type(train_loader).__name__}") from None
    if steps == 0:
        raise ValueError("train_loader has no batches (len 0): an empty dataset, or a batch size larger than the "
                         "dataset with drop_last=True")
    return steps


def _check_loss(loss) -> None:
    """`loss_fn`'s result must be one real floating-point number that depends on the trainable parameters."""
    if not isinstance(loss, torch.Tensor):
        raise ArgumentTypeError(f"loss_fn must return the loss as a torch.Tensor with one element, got {type(loss).__name__}")
    if loss.numel() != 1:
        raise ValueError(f"loss_fn must return a scalar loss (the mean over the batch), got a tensor of shape "
                         f"{tuple(loss.shape)}: reduce it, e.g. with .mean()")
    if not loss.is_floating_point():
        raise ValueError(f"loss_fn must return a real floating-point loss, got dtype {loss.dtype}")
    if not loss.requires_grad:
        raise ValueError("loss_fn returned a loss that does not depend on the model's trainable parameters (no "
                         "grad_fn): compute it from model(batch), with gradients enabled")


def _lr_text(optimizer) -> str:
    """'lr 0.01', or 'lr 0.01 (other param groups: 0.001)': the learning rates of the current step."""
    lrs = sorted({g["lr"] for g in optimizer.param_groups}, reverse=True)
    other = f" (other param groups: {', '.join(f'{x:.3g}' for x in lrs[1:])})" if len(lrs) > 1 else ""
    return f"lr {lrs[0]:.3g}{other}"


def _max_abs(tensors) -> float:
    """max |x| over `tensors` (NaN if any holds NaN, inf if any holds Inf; 0.0 for none): one synchronisation."""
    tensors = [t.detach() for t in tensors if t is not None and t.numel()]
    if not tensors:
        return 0.0
    peaks = torch._foreach_norm(tensors, math.inf)  # max |x| of each, in one call
    if len({p.dtype for p in peaks}) > 1:
        peaks = [p.float() for p in peaks]
    return float(torch.stack(peaks).amax())


def _non_finite(named) -> List[str]:
    """Names of the (name, tensor) pairs that hold NaN or Inf (at most 5)."""
    return [n for n, t in named if t is not None and not bool(torch.isfinite(t).all())][:5]


def _finite(obj) -> bool:
    """Whether every floating-point tensor in `obj` (a tensor, or lists, tuples and dicts of them) is finite."""
    if isinstance(obj, torch.Tensor):
        return not (obj.is_floating_point() or obj.is_complex()) or bool(torch.isfinite(obj).all())
    if isinstance(obj, (list, tuple)):
        return all(_finite(o) for o in obj)
    if isinstance(obj, dict):
        return all(_finite(o) for o in obj.values())
    return True


def _non_finite_origin(net: nn.Module, loss_fn, batch, autocast) -> Optional[str]:
    """Run the forward on `batch` again and name the first module whose output was non-finite although its
    inputs were finite ('layers.0.ssm.kernel (S4DKernel)'); None if the non-finite values came with the
    batch (bad input) or from code outside any module."""
    found: List[str] = []

    def watch(name):
        def hook(module, args, output):
            if not found and not _finite(output) and _finite(args):
                found.append(f"{name or 'the model'} ({type(module).__name__})")
        return hook

    handles = [m.register_forward_hook(watch(n)) for n, m in net.named_modules()]
    try:
        with torch.no_grad(), autocast():
            loss_fn(net, batch)
    except Exception:  # noqa: BLE001 - the same failure again: only what the hooks saw matters
        pass
    finally:
        for h in handles:
            h.remove()
    return found[0] if found else None


def _forward(model, net, loss_fn, batch, autocast, where: str, optimizer, last_value: Optional[float]) -> torch.Tensor:
    """`loss_fn(model, batch)` under autocast, checked by `_check_loss`. A forward pass that fails after a finite
    batch became non-finite inside the model (e.g. after an update at a far too large learning rate) raises
    NonFiniteLossError naming the module, not the model's bad-input error."""
    try:
        with autocast():
            loss = loss_fn(model, batch)
    except Exception as e:  # noqa: BLE001 - re-raised as it is unless the model itself made the values non-finite
        origin = None if is_distributed() else _non_finite_origin(net, loss_fn, batch, autocast)
        if origin is None:
            raise
        last = "" if last_value is None else f", last loss {last_value:.6g}"
        raise NonFiniteLossError(
            f"training diverged at {where} ({_lr_text(optimizer)}{last}): the forward pass turned a finite batch "
            f"non-finite in {origin} (largest |parameter| {_max_abs(net.parameters()):.3g}; {type(e).__name__}: "
            f"{e}); lower the learning rate or set grad_clip") from e
    _check_loss(loss)
    return loss


def _update(net: nn.Module, loss: torch.Tensor, optimizer, grad_clip: Optional[float], where: str) -> None:
    """Backward, gradient clipping and the optimizer step, checked: a non-finite gradient raises before the
    update (the parameters stay as they were), non-finite parameters right after it. `where` names the step."""
    named = [(n, p) for n, p in net.named_parameters() if p.requires_grad]
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if not math.isfinite(_max_abs(p.grad for _, p in named)):
        raise NonFiniteLossError(f"gradient is non-finite at {where} in "
                                 f"{', '.join(_non_finite((n, p.grad) for n, p in named))}; the update was not applied")
    if grad_clip is not None:
        nn.utils.clip_grad_norm_(net.parameters(), grad_clip)
    optimizer.step()
    if not math.isfinite(_max_abs(p for _, p in named)):
        raise NonFiniteLossError(f"parameters became non-finite in the update at {where}: "
                                 f"{', '.join(_non_finite(named))}; lower the learning rate or set grad_clip")


def _is_better(value: float, best: Optional[float], mode: str) -> bool:
    return best is None or (value > best if mode == "max" else value < best)


def _monitored(record: dict, config: TrainConfig, epoch: int) -> float:
    """The value of `config.monitor` in an epoch's record: a finite number, else a clear error."""
    if config.monitor not in record:
        raise KeyError(f"monitor {config.monitor!r} is not among the metrics {sorted(record)}")
    value = record[config.monitor]
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"monitor {config.monitor!r} must be a number, evaluate returned {value!r} at epoch {epoch}")
    if not math.isfinite(value):
        raise NonFiniteLossError(f"monitor {config.monitor!r} is {value} at epoch {epoch}: the model diverged or "
                                 f"evaluate divided by zero; this epoch was not saved")
    return value


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
            checkpoints always hold the unwrapped module's state dict. It needs a trainable parameter.
        train_loader: re-iterable over batches (e.g. a DataLoader or a list), with len() > 0: the steps per
            epoch. If its sampler has `set_epoch` (a DistributedSampler), it is called every epoch.
        loss_fn: (model, batch) -> the scalar mean loss, a real floating-point tensor with one element (the
            batch is moved to a device by the caller); a per-sample loss raises ValueError naming its shape.
        evaluate: optional (model, epoch) -> dict of metrics, called after each epoch under no_grad on
            every rank (it may all-reduce); needed by `config.monitor`.
    Divergence stops training with NonFiniteLossError naming the epoch, the step, the loss and the learning
    rate: a non-finite loss; a non-finite gradient (the update is then not applied); parameters non-finite
    after the update; or a forward pass that turns a finite batch non-finite (naming the first module that
    did, e.g. after an update at a far too large learning rate). A non-finite batch stays the model's
    bad-input error. Nothing of the failing epoch is saved.
    Under torchrun the per-step loss is averaged over ranks (the loss of the global batch), only rank 0
    prints, logs and writes checkpoints, and every rank resumes from the same file.
    """
    steps_per_epoch = _check_fit_args(model, train_loader, loss_fn, config, evaluate)
    net = unwrap_model(model)
    main = is_main_process()
    optimizer = make_optimizer(net, config.lr, config.weight_decay, verbose=config.verbose and main)
    device_type = next(net.parameters()).device.type
    scheduler = cosine_with_warmup(optimizer, config.epochs * steps_per_epoch,
                                   min(config.warmup_steps, config.epochs * steps_per_epoch))
    history: List[dict] = []
    start_epoch, best = 0, None
    if config.checkpoint and os.path.exists(config.checkpoint):
        history, start_epoch, best = _resume(config.checkpoint, config, net, optimizer, scheduler)
        if config.metrics_log and main:
            _truncate_log(config.metrics_log, start_epoch - 1)
        if main:  # always said, verbose or not: these epochs were trained earlier, maybe by other code
            print(_resume_message(config.checkpoint, start_epoch - 1, config.epochs), flush=True)
    elif config.metrics_log and main:
        _start_log(config.metrics_log)
    sampler = getattr(train_loader, "sampler", None)
    distributed = is_distributed()
    stream = sys.stderr  # looked up now: pytest's capsys (and a caller's redirection) replace it

    def autocast():
        return torch.autocast(device_type, dtype=torch.bfloat16, enabled=config.precision == "bf16")

    last_value = None  # the loss of the latest step: named when the next forward pass diverges
    bar = config.progress and main and _interactive(stream)
    lines = config.progress and main and not bar

    for epoch in range(start_epoch, config.epochs):
        if hasattr(sampler, "set_epoch"):
            sampler.set_epoch(epoch)
        model.train()
        t0, total, count = time.perf_counter(), 0.0, 0
        batches = _progress_bar(train_loader, stream, f"epoch {epoch + 1}/{config.epochs}") if bar else train_loader
        for step, batch in enumerate(batches):
            where = f"epoch {epoch}, step {step}"
            loss = _forward(model, net, loss_fn, batch, autocast, where, optimizer, last_value)
            # Under DDP the logged loss is the mean over ranks: the loss of the global batch.
            value = all_reduce_sum(loss.detach().reshape(1)).item() / world_size() if distributed else loss.item()
            if not math.isfinite(value):
                origin = None if distributed else _non_finite_origin(net, loss_fn, batch, autocast)
                raise NonFiniteLossError(f"loss is {value} at {where} ({_lr_text(optimizer)})"
                                         + (f": first non-finite in {origin}, from finite inputs" if origin else ""))
            _update(net, loss, optimizer, config.grad_clip, f"{where} (loss {value:.6g}, {_lr_text(optimizer)})")
            scheduler.step()
            total, count, last_value = total + value, count + 1, value
            global_step = epoch * steps_per_epoch + step
            if config.metrics_log and global_step % config.log_every == 0:
                _append_log(config.metrics_log, {"epoch": epoch, "step": global_step, "loss": value,
                                                 "lr": scheduler.get_last_lr()[0]})
        if count == 0:
            raise ValueError(f"train_loader yielded no batches in epoch {epoch} although len() is {steps_per_epoch}: "
                             f"it must be re-iterable (a DataLoader or a list, not an iterator)")
        record = {"epoch": epoch, "train_loss": total / count, "seconds": time.perf_counter() - t0}
        if evaluate is not None:
            model.eval()
            with torch.no_grad(), autocast():
                metrics = evaluate(model, epoch)
            if not isinstance(metrics, Mapping):
                raise ArgumentTypeError(f"evaluate must return a dict of metrics, got {type(metrics).__name__} at epoch {epoch}")
            record.update(metrics)
        if config.monitor is not None:
            if _is_better(_monitored(record, config, epoch), best, config.monitor_mode):
                best = record[config.monitor]
                record["best"] = True
                if config.best_checkpoint and main:
                    save_checkpoint(config.best_checkpoint, {"model": net.state_dict(), "epoch": epoch,
                                                             "metrics": dict(record)})
        history.append(record)
        if lines:
            print(epoch_line(record, config.epochs), file=stream, flush=True)
        # the log first: a kill between the two leaves a line of an epoch the checkpoint lacks, which a resumed
        # run drops; the other order would lose the epoch's line for good
        _append_log(config.metrics_log, record, "evaluate's metrics")
        if config.checkpoint and main:
            save_checkpoint(config.checkpoint, {
                "model": net.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "rng": _rng_state(),
                "history": history, "epoch": epoch, "best": best, "config": asdict(config),
            })
        barrier()  # no rank starts the next epoch (or reads a checkpoint) before rank 0 has written it
    return history
