"""Small shared helpers: seeding, the device, per-parameter optimizer tags, argument checks.

Everything here is used by several modules of `fssm`; nothing here knows about SSMs.
"""
from __future__ import annotations

import math
import os
import random
from numbers import Integral, Real
from typing import Iterable, Optional

import numpy as np
import torch
from torch import nn

__all__ = [
    "seed_everything",
    "get_device",
    "register",
    "check_int",
    "check_real",
    "check_choice",
    "check_input",
    "get_scale",
    "describe_run",
    "SCALES",
]


# ----------------------------------------------------------------------------- seeding and device
def seed_everything(seed: int) -> int:
    """Seed Python, NumPy and PyTorch (all devices) with one integer.

    On the CPU, two runs with the same seed (and the same number of threads) are bit-identical.
    Returns the seed, so that it can be logged.
    """
    seed = check_int("seed", seed, low=0)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return seed


def get_device(device: Optional[str | torch.device] = None) -> torch.device:
    """The one device helper: `device` if given, else $FSSM_DEVICE, else CUDA, MPS or CPU.

    No module of `fssm` hard-codes a device: modules create tensors on the device of their
    parameters, and scripts and notebooks ask this function once.
    """
    if device is None:
        device = os.environ.get("FSSM_DEVICE") or None
    if device is not None:
        return torch.device(device)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


# ----------------------------------------------------------------------------- optimizer tags
def register(
    module: nn.Module,
    name: str,
    tensor: torch.Tensor,
    lr: Optional[float] = None,
    wd: float = 0.0,
) -> None:
    """Attach `tensor` to `module` under `name` with its own optimizer settings.

    `lr=0.0` freezes it (registered as a buffer, so it still moves with `.to()` and is saved).
    Otherwise it becomes an `nn.Parameter` carrying the tag `_optim = {"lr": lr, "weight_decay": wd}`
    (`lr=None` means "the base learning rate"); `fssm.train.param_groups` groups parameters by
    these tags, as in state-spaces/s4.
    """
    if lr is not None and lr == 0.0:
        module.register_buffer(name, tensor)
        return
    if lr is not None:
        check_real(f"learning rate of {name!r}", lr, low=0.0, low_open=True)
    check_real(f"weight decay of {name!r}", wd, low=0.0)
    param = nn.Parameter(tensor)
    module.register_parameter(name, param)
    param._optim = {"lr": lr, "weight_decay": wd}


# ----------------------------------------------------------------------------- argument checks
def check_int(name: str, value, low: Optional[int] = None, high: Optional[int] = None) -> int:
    """Return `value` as int or raise ValueError naming `name` and the allowed range."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError(f"{name} must be an integer{_range_text(low, high)}, got {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name} must be an integer{_range_text(low, high)}, got {value!r}")
    return int(value)


def check_real(
    name: str,
    value,
    low: Optional[float] = None,
    high: Optional[float] = None,
    low_open: bool = False,
) -> float:
    """Return `value` as a finite float or raise ValueError naming `name` and the allowed range."""
    ok = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value <= high
    if not ok:
        bound = ""
        if low is not None:
            bound = f" {'>' if low_open else '>='} {low}"
        if high is not None:
            bound += f"{' and' if bound else ''} <= {high}"
        raise ValueError(f"{name} must be a finite real number{bound}, got {value!r}")
    return float(value)


def check_choice(name: str, value, choices: Iterable):
    """Return `value` if it is one of `choices`, else raise ValueError listing them."""
    choices = tuple(choices)
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def check_input(u, name: str = "u", rank: int = 3, channels: Optional[int] = None,
                channel_dim: int = 1, finite: bool = True) -> torch.Tensor:
    """Check a model input: a real floating tensor of the given rank, channel count, all finite."""
    if not isinstance(u, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor, got {type(u).__name__}")
    if u.is_complex() or not u.is_floating_point():
        raise ValueError(f"{name} must be a real floating-point tensor, got dtype {u.dtype}")
    if u.dim() != rank:
        raise ValueError(f"{name} must have {rank} dimensions, got shape {tuple(u.shape)}")
    if channels is not None and u.shape[channel_dim] != channels:
        raise ValueError(
            f"{name} must have {channels} channels in dimension {channel_dim}, "
            f"got shape {tuple(u.shape)}"
        )
    # a sum of floats is finite only if every term is: one cheap reduction, the full test only if it fails
    if finite and not bool(torch.isfinite(u.sum())) and not bool(torch.isfinite(u).all()):
        raise ValueError(f"{name} contains NaN or Inf values")
    return u


def _range_text(low, high) -> str:
    if low is not None and high is not None:
        return f" in [{low}, {high}]"
    if low is not None:
        return f" >= {low}"
    if high is not None:
        return f" <= {high}"
    return ""


# ----------------------------------------------------------------------------- scales
SCALES = ("smoke", "book", "colab", "paper")


def get_scale(scale: Optional[str] = None) -> str:
    """The experiment scale: `scale` if given, else $FSSM_SCALE, else 'book'.

    smoke: seconds (pytest); book: what the committed notebooks show (2-core CPU, ~3 min a chapter);
    colab: one Colab GPU (~20 min a chapter); paper: the paper's hyperparameters (hours on a GPU).
    """
    scale = scale or os.environ.get("FSSM_SCALE") or "book"
    return check_choice("scale (FSSM_SCALE)", scale, SCALES)


def describe_run(scale: Optional[str] = None, device=None) -> str:
    """One line naming the fssm version, scale, device and torch version, printed by every chapter."""
    from . import __version__

    dev = get_device(device)
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else dev.type
    return f"fssm {__version__} | scale: {get_scale(scale)} | device: {name} | torch {torch.__version__}"
