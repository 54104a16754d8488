"""Small shared helpers: seeding, the device, per-parameter optimizer tags, argument checks.

Everything here is used by several modules of `fssm`; nothing here knows about SSMs.
"""
from __future__ import annotations

import math
import os
import random
from numbers import Integral, Real
from typing import Dict, Iterable, Mapping, Optional, Sequence

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
    "check_bool",
    "check_seed",
    "check_input",
    "check_finite",
    "check_tokens",
    "ArgumentTypeError",
    "DeviceError",
    "SEED_RANGE",
    "DEVICE_TYPES",
    "get_scale",
    "describe_run",
    "SCALES",
]


# ----------------------------------------------------------------------------- seeding and device
SEED_RANGE = (0, 2**32 - 1)  # what Python's random, NumPy and torch all accept as they are
DEVICE_TYPES = ("cpu", "cuda", "mps")


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type. A TypeError, and also a ValueError, the class every other check of
    `fssm` raises, so that one `except ValueError` catches any bad argument."""


class DeviceError(ValueError, RuntimeError):
    """A device that is not one of DEVICE_TYPES or not present on this machine. A ValueError (a bad
    argument), and also a RuntimeError, what torch raises for a malformed device string."""


def seed_everything(seed: int) -> int:
    """Seed Python, NumPy and PyTorch (all devices) with one integer in [0, 2**32 - 1] (`check_seed`).

    On the CPU, two runs with the same seed (and the same number of threads) are bit-identical.
    Returns the seed, so that it can be logged.
    """
    seed = check_seed(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return seed


def get_device(device: Optional[str | torch.device] = None) -> torch.device:
    """The one device helper: `device` if given, else $FSSM_DEVICE, else CUDA, MPS or CPU.

    `device`: None, a torch.device or a string 'cpu', 'cuda', 'cuda:N' or 'mps'; it must exist on this
    machine, else a `DeviceError` (a ValueError) listing the devices there are.
    No module of `fssm` hard-codes a device: modules create tensors on the device of their
    parameters, and scripts and notebooks ask this function once.
    """
    name = "device"
    if device is None and os.environ.get("FSSM_DEVICE"):
        name, device = "$FSSM_DEVICE", os.environ["FSSM_DEVICE"]
    if device is None:
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps") if _mps_available() else torch.device("cpu")
    if not isinstance(device, (str, torch.device)):
        raise ArgumentTypeError(f"{name} must be None, a string or a torch.device, got {type(device).__name__}")
    try:
        dev = torch.device(device)
    except RuntimeError:
        dev = None
    if dev is None or dev.type not in DEVICE_TYPES:
        raise DeviceError(f"{name} must be 'cpu', 'cuda', 'cuda:N' or 'mps' (available here: "
                          f"{_available_devices()}), got {device!r}")
    present = {"cpu": True, "cuda": torch.cuda.is_available() and (dev.index or 0) < torch.cuda.device_count(),
               "mps": _mps_available() and not dev.index}[dev.type]
    if not present:
        raise DeviceError(f"{name} {device!r} is not available on this machine; available: {_available_devices()}")
    return dev


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return mps is not None and mps.is_available()


def _available_devices() -> str:
    cuda = ["cuda"] + [f"cuda:{i}" for i in range(torch.cuda.device_count())] if torch.cuda.is_available() else []
    return ", ".join(map(repr, ["cpu"] + cuda + (["mps"] if _mps_available() else [])))


# ----------------------------------------------------------------------------- optimizer tags
def learning_rates(lr, shared: Sequence[str], allowed: Sequence[str], hint: str = "") -> Dict[str, Optional[float]]:
    """Per-parameter learning rates {name: lr or None (the base lr)} for every name in `allowed`.

    lr: None (the base lr everywhere), a number >= 0 (for the names in `shared`; 0 freezes them; the
    others get the base lr), or a mapping {name: lr} over names of `allowed` (ValueError naming an unknown
    name, followed by `hint`). Used by the kernels' `lr` arguments, as state-spaces/s4 tags its parameters.
    """
    if lr is None or (isinstance(lr, Real) and not isinstance(lr, bool)):
        if lr is not None:
            check_real("lr", lr, low=0.0)
        return {name: (lr if name in shared else None) for name in allowed}
    if not isinstance(lr, Mapping):
        raise ValueError(f"lr must be None, a number or a mapping of parameter names, got {lr!r}")
    unknown = set(lr) - set(allowed)
    if unknown:
        raise ValueError(f"lr: unknown parameter name(s) {sorted(unknown)}; allowed: {list(allowed)}{hint}")
    return {name: lr.get(name) for name in allowed}


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
    if not isinstance(module, nn.Module):
        raise ArgumentTypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be a Python identifier (no dots), got {name!r}")
    if not isinstance(tensor, torch.Tensor):
        raise ArgumentTypeError(f"tensor {name!r} must be a torch.Tensor, got {type(tensor).__name__}")
    if lr is not None and lr == 0.0:
        module.register_buffer(name, tensor)
        return
    if lr is not None:
        check_real(f"learning rate of {name!r}", lr, low=0.0, low_open=True)
    check_real(f"weight decay of {name!r}", wd, low=0.0)
    if not (tensor.is_floating_point() or tensor.is_complex()):
        raise ValueError(f"tensor {name!r} must be floating-point or complex to be trained, got dtype {tensor.dtype}")
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
    finite: bool = True,
) -> float:
    """Return `value` as a finite float or raise ValueError naming `name` and the allowed range.

    finite=False also allows -inf and inf (never NaN).
    """
    ok = isinstance(value, Real) and not isinstance(value, bool) and not math.isnan(value)
    ok = ok and (math.isfinite(value) or not finite)
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
        raise ValueError(f"{name} must be a {'finite ' if finite else ''}real number{bound}, got {value!r}")
    return float(value)


def check_choice(name: str, value, choices: Iterable):
    """Return `value` if it is one of `choices`, else raise ValueError listing them."""
    choices = tuple(choices)
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def check_bool(name: str, value) -> bool:
    """Return `value` as bool if it is True or False (also NumPy's), else ArgumentTypeError naming `name`."""
    if not isinstance(value, (bool, np.bool_)):
        raise ArgumentTypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_seed(seed, name: str = "seed") -> int:
    """Return `seed` as int if 0 <= seed <= 2**32 - 1 (what random, NumPy and torch accept), else ValueError."""
    low, high = SEED_RANGE
    if isinstance(seed, bool) or not isinstance(seed, Integral) or not low <= seed <= high:
        raise ValueError(f"{name} must be an integer with {low} <= {name} <= 2**32 - 1 = {high}, got {seed!r}")
    return int(seed)


def check_input(u, name: str = "u", rank: int = 3, channels: Optional[int] = None,
                channel_dim: int = 1, finite: bool = True, dtype: Optional[torch.dtype] = None,
                device: Optional[torch.device] = None, shape: Optional[str] = None) -> torch.Tensor:
    """Check a model input: a real floating tensor of the given rank, channel count, all finite.

    dtype, device: those of the parameters `u` meets (a dtype other than theirs is allowed under autocast,
    which casts). shape: the expected shape in words, e.g. '(B, L, 3)', added to the shape messages.
    """
    if not isinstance(u, torch.Tensor):
        raise ArgumentTypeError(f"{name} must be a torch.Tensor, got {type(u).__name__}")
    if u.is_complex() or not u.is_floating_point():
        raise ValueError(f"{name} must be a real floating-point tensor, got dtype {u.dtype}")
    expected = f" (shape {shape})" if shape else ""
    if u.dim() != rank:
        raise ValueError(f"{name} must have {rank} dimensions{expected}, got shape {tuple(u.shape)}")
    if channels is not None and u.shape[channel_dim] != channels:
        raise ValueError(
            f"{name} must have {channels} channels in dimension {channel_dim}{expected}, "
            f"got shape {tuple(u.shape)}"
        )
    _check_placement(u, name, dtype, device)
    return check_finite(name, u) if finite else u


def check_finite(name: str, u: torch.Tensor) -> torch.Tensor:
    """Return the tensor `u` if every entry is finite (real or complex), else raise ValueError naming `name`."""
    # a sum of floats is finite only if every term is: one cheap reduction, the full test only if it fails
    if (u.is_floating_point() or u.is_complex()) and not bool(torch.isfinite(u.sum())) \
            and not bool(torch.isfinite(u).all()):
        raise ValueError(f"{name} contains NaN or Inf values")
    return u


def check_tokens(x, vocab_size: int, name: str = "x", shape: str = "(B, L)",
                 device: Optional[torch.device] = None) -> torch.Tensor:
    """Check tokens: an int64 or int32 tensor of rank 2 (`shape` in words) with ids in [0, vocab_size)."""
    if not isinstance(x, torch.Tensor):
        raise ArgumentTypeError(f"{name} must be a torch.Tensor of tokens, got {type(x).__name__}")
    if x.dim() != 2 or x.dtype not in (torch.int64, torch.int32):
        raise ValueError(f"{name} must be integer tokens (int64 or int32) of shape {shape}, "
                         f"got {x.dtype} {tuple(x.shape)}")
    _check_placement(x, name, None, device)
    if x.numel():
        lo, hi = int(x.min()), int(x.max())
        if lo < 0 or hi >= vocab_size:
            raise ValueError(f"{name} holds token ids outside [0, {vocab_size}) (vocab_size = {vocab_size}): "
                             f"largest id {hi}, smallest id {lo}")
    return x


def _check_placement(u: torch.Tensor, name: str, dtype: Optional[torch.dtype],
                     device: Optional[torch.device]) -> None:
    if device is not None and u.device != torch.device(device):
        raise ValueError(f"{name} is on {u.device} but the parameters it meets are on {device}: "
                         f"move it with {name}.to({str(device)!r})")
    if dtype is not None and u.dtype != dtype and not torch.is_autocast_enabled(u.device.type):
        raise ValueError(f"{name} has dtype {u.dtype} but the parameters it meets are {dtype}: convert "
                         f"the input ({name}.to({dtype})) or the module (.to({u.dtype}))")


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
