r"""Real time series that ship inside installed packages: nothing is downloaded.

Classification: the UCR/UEA problems whose files the `aeon` toolkit ships in its wheel (its
`aeon/datasets/data/` folder), read with aeon's own loader (`aeon.datasets.load_classification`), never
by parsing its files here. Forecasting: statsmodels' datasets (Mauna Loa CO2, weekly).

    name       what                                                         shape (book)         source
    'ACSF1'    power consumption of 10 kinds of home appliance, 1 class     100 + 100 x 1460     aeon
               per appliance (one day at 1/minute, downsampled)
    'OSULeaf'  outlines of 6 kinds of leaf, read as a 1-D distance signal   200 + 242 x 427      aeon
    'co2'      atmospheric CO2 at Mauna Loa, weekly, ppm, 1958-2001         2284 weeks           statsmodels

Both packages are an optional extra of fssm (`pip install fssm[series]`; `make` installs it). A missing
package raises ImportError saying what to install.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np
import torch

from ..utils import check_choice, check_int

__all__ = ["CLASSIFICATION_SERIES", "FORECASTING_SERIES", "shipped_classification_names", "SeriesSplit",
           "load_classification_series", "load_forecasting_series", "forecast_windows", "z_normalize"]

# The book's problems: ACSF1's power lies at high frequencies, OSULeaf's at low ones (chapter 14).
CLASSIFICATION_SERIES: Tuple[str, ...] = ("ACSF1", "OSULeaf")
FORECASTING_SERIES = {"co2": {"period": 52, "unit": "ppm", "step": "week"}}
_EXTRA = "install fssm's optional extra: pip install 'fssm[series]' (make does), or pip install aeon statsmodels"


def _aeon_data_folder() -> str:
    try:
        import aeon.datasets
    except ImportError as e:
        raise ImportError(f"the real time series need the aeon package ({e}); {_EXTRA}") from e
    return os.path.join(os.path.dirname(aeon.datasets.__file__), "data")


def shipped_classification_names() -> Tuple[str, ...]:
    """The classification problems the installed aeon wheel ships with both splits as .ts files."""
    folder = _aeon_data_folder()
    names = []
    for name in sorted(os.listdir(folder)):
        files = set(os.listdir(os.path.join(folder, name))) if os.path.isdir(os.path.join(folder, name)) else set()
        if {f"{name}_TRAIN.ts", f"{name}_TEST.ts"} <= files:
            names.append(name)
    return tuple(names)


def z_normalize(x: np.ndarray) -> np.ndarray:
    """Each series (last axis) to mean 0 and standard deviation 1: the UCR convention. A constant series
    becomes zeros (its standard deviation is 0: nothing to scale)."""
    mean = x.mean(-1, keepdims=True)
    std = x.std(-1, keepdims=True)
    return (x - mean) / np.where(std > 0, std, 1.0)


@dataclass
class SeriesSplit:
    """One split of a classification problem: x r(n L) float32 (z-normalized per series), y int64 (n) class
    indices into `classes` (aeon's labels, sorted)."""

    name: str
    split: str
    x: torch.Tensor
    y: torch.Tensor
    classes: Tuple[str, ...]


def _label_order(labels) -> Tuple[str, ...]:
    """Labels sorted as numbers when they all are ('2' before '10'), else as text."""
    labels = sorted(set(str(v) for v in labels))
    try:
        return tuple(sorted(labels, key=float))
    except ValueError:
        return tuple(labels)


def load_classification_series(name: str, split: str) -> SeriesSplit:
    """A univariate, equal-length classification problem that aeon ships, read by aeon's loader.

    name: e.g. 'ACSF1' (`shipped_classification_names()` lists what the installed aeon has; a name it does
    not ship is refused rather than downloaded). split: 'train' or 'test'. The class order comes from both
    splits together, so train and test agree on it.
    """
    check_choice("split", split, ("train", "test"))
    shipped = shipped_classification_names()
    if name not in shipped:
        raise ValueError(f"name: {name!r} is not shipped by the installed aeon (nothing is downloaded here); "
                         f"it ships {', '.join(shipped)}")
    from aeon.datasets import load_classification

    X, y = load_classification(name, split=split)
    if not isinstance(X, np.ndarray) or X.ndim != 3 or X.shape[1] != 1:
        raise ValueError(f"{name} is not a univariate equal-length problem (aeon gives "
                         f"{type(X).__name__}{'' if not isinstance(X, np.ndarray) else ' of shape ' + str(X.shape)})")
    x = z_normalize(X[:, 0].astype(np.float64))
    if not np.isfinite(x).all():
        raise ValueError(f"{name} ({split}) holds missing or non-finite values")
    _, y_all = load_classification(name)
    classes = _label_order(y_all)
    index = {c: i for i, c in enumerate(classes)}
    return SeriesSplit(name, split, torch.tensor(x, dtype=torch.float32),
                       torch.tensor([index[str(v)] for v in y], dtype=torch.int64), classes)


def load_forecasting_series(name: str = "co2") -> torch.Tensor:
    """A univariate series r(T) float64 in its own unit (`FORECASTING_SERIES[name]`).

    'co2': statsmodels' Mauna Loa weekly CO2 (March 1958 - December 2001, 2284 weeks); its 59 missing weeks
    are filled by linear interpolation in time, the only change made to it.
    """
    check_choice("name", name, tuple(FORECASTING_SERIES))
    try:
        import statsmodels.api as sm
    except ImportError as e:
        raise ImportError(f"the forecasting series need the statsmodels package ({e}); {_EXTRA}") from e
    values = sm.datasets.co2.load_pandas().data["co2"].interpolate(method="linear").to_numpy(dtype=np.float64)
    if not np.isfinite(values).all():  # only a gap at either end could survive the interpolation
        raise ValueError(f"{name}: missing values at the ends of the series that interpolation cannot fill")
    return torch.tensor(values)


def forecast_windows(series: torch.Tensor, length: int, horizon: int, start: int = 0, stop: Optional[int] = None,
                     stride: int = 1) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Sliding windows for forecasting: every origin t (the last observed index) with start <= t - length + 1
    and t + horizon < stop, every `stride` steps.

    Returns (past r(n length), future r(n horizon), origins int64 (n)): past[i] = series[t-length+1 .. t],
    future[i] = series[t+1 .. t+horizon]. stop (default len(series)) bounds the futures too, so windows
    drawn with stop = a split point never see past it.
    """
    if not isinstance(series, torch.Tensor) or series.dim() != 1:
        raise ValueError(f"series must be a 1-D tensor, got "
                         f"{tuple(series.shape) if isinstance(series, torch.Tensor) else type(series).__name__}")
    T = series.numel()
    length, horizon, stride = check_int("length", length, low=1), check_int("horizon", horizon, low=1), \
        check_int("stride", stride, low=1)
    stop = T if stop is None else check_int("stop", stop, low=1, high=T)
    start = check_int("start", start, low=0, high=T)
    first, end = start + length - 1, stop - horizon
    origins = torch.arange(first, max(first, end), stride)
    if origins.numel() == 0:
        raise ValueError(f"no window of length {length} and horizon {horizon} fits between start {start} and "
                         f"stop {stop}")
    past = torch.stack([series[t - length + 1:t + 1] for t in origins.tolist()])
    future = torch.stack([series[t + 1:t + 1 + horizon] for t in origins.tolist()])
    return past, future, origins
