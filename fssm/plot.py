"""The book's figure style and small plotting helpers. Computes nothing: pass it results."""
from __future__ import annotations

from typing import Optional

import matplotlib
import matplotlib.axes
import matplotlib.pyplot as plt
import numpy as np
import torch

from .utils import ArgumentTypeError, check_int, check_real

__all__ = ["use_style", "figure", "magnitude_db", "plot_magnitude", "plot_poles", "COLORS"]

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"]


def use_style() -> None:
    """One style for every figure of the book (small, readable, vector-like PNGs)."""
    matplotlib.rcParams.update({
        "figure.dpi": 80,
        "savefig.dpi": 80,
        "figure.figsize": (6.4, 3.4),
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": matplotlib.cycler(color=COLORS),
        "font.size": 10,
        "legend.frameon": False,
        "figure.constrained_layout.use": True,
    })


def figure(ncols: int = 1, nrows: int = 1, width: float = 6.4, height: float = 3.4, **kw):
    """plt.subplots with the book's default size: ncols, nrows integers >= 1; width, height > 0 (inches)."""
    ncols, nrows = check_int("ncols", ncols, low=1), check_int("nrows", nrows, low=1)
    width = check_real("width", width, low=0.0, low_open=True)
    height = check_real("height", height, low=0.0, low_open=True)
    return plt.subplots(nrows, ncols, figsize=(width, height), **kw)


def _as_array(name: str, x) -> np.ndarray:
    """A tensor (any device, detached) or array-like of numbers as a NumPy array; else ArgumentTypeError."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu()
        return (x.float() if x.dtype == torch.bfloat16 else x).numpy()
    try:
        a = np.asarray(x)
    except (TypeError, ValueError):
        a = None
    if a is None or a.dtype.kind not in "iufc":
        raise ArgumentTypeError(f"{name} must be a tensor or array of numbers, got {type(x).__name__}")
    return a


def _check_axes(ax) -> None:
    if not isinstance(ax, matplotlib.axes.Axes):
        raise ArgumentTypeError(f"ax must be a matplotlib Axes (e.g. from fssm.plot.figure()), got {type(ax).__name__}")


def magnitude_db(G) -> np.ndarray:
    """20 log10 |G| as a NumPy array (accepts torch or NumPy, real or complex; NaN stays NaN: a gap)."""
    return 20 * np.log10(np.maximum(np.abs(_as_array("G", G)), 1e-300))


def plot_magnitude(ax, freq, G, label: Optional[str] = None, db: bool = True, **kw):
    """Plot |G| (dB by default) against frequency on `ax`; the caller labels the frequency unit."""
    _check_axes(ax)
    f = _as_array("freq", freq)
    y = magnitude_db(G) if db else np.abs(_as_array("G", G))
    ax.plot(f, y, label=label, **kw)
    ax.set_ylabel("|G| (dB)" if db else "|G|")
    return ax


def plot_poles(ax, A, label: Optional[str] = None, **kw):
    """Scatter eigenvalues a_j = x_j + i y_j in the complex plane (A: a tensor or array, e.g. ssm()['A'])."""
    _check_axes(ax)
    a = _as_array("A", A).reshape(-1)
    ax.scatter(a.real, a.imag, s=14, label=label, **kw)
    ax.set_xlabel("Re(a)  (1/time)")
    ax.set_ylabel("Im(a)  (rad/time)")
    return ax
