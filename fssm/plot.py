"""The book's figure style and small plotting helpers. Computes nothing: pass it results."""
from __future__ import annotations

from typing import Optional

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

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
    """plt.subplots with the book's default size."""
    return plt.subplots(nrows, ncols, figsize=(width, height), **kw)


def magnitude_db(G) -> np.ndarray:
    """20 log10 |G| as a NumPy array (accepts torch or NumPy, real or complex)."""
    G = G.detach().cpu().numpy() if hasattr(G, "detach") else np.asarray(G)
    return 20 * np.log10(np.maximum(np.abs(G), 1e-300))


def plot_magnitude(ax, freq, G, label: Optional[str] = None, db: bool = True, **kw):
    """Plot |G| (dB by default) against frequency on `ax`; the caller labels the frequency unit."""
    f = freq.detach().cpu().numpy() if hasattr(freq, "detach") else np.asarray(freq)
    y = magnitude_db(G) if db else np.abs(G.detach().cpu().numpy() if hasattr(G, "detach") else G)
    ax.plot(f, y, label=label, **kw)
    ax.set_ylabel("|G| (dB)" if db else "|G|")
    return ax


def plot_poles(ax, A, label: Optional[str] = None, **kw):
    """Scatter eigenvalues a_j = x_j + i y_j in the complex plane."""
    a = A.detach().cpu().numpy() if hasattr(A, "detach") else np.asarray(A)
    a = a.reshape(-1)
    ax.scatter(a.real, a.imag, s=14, label=label, **kw)
    ax.set_xlabel("Re(a)  (1/time)")
    ax.set_ylabel("Im(a)  (rad/time)")
    return ax
