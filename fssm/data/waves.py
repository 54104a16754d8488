r"""Superposed cosine waves with random amplitudes (book: "Frequency bias at initialization"; paper Fig. 1).

A sample is x_l = sum_w A_w cos(f_w t_l), t_l = dt * l, l = 0..L-1, and its target is the amplitude
vector A (one entry per wave). Wave w sits at the discrete frequency f_w * dt rad/sample, so keeping dt
and f_w while shortening L keeps every wave's position relative to the Nyquist frequency pi.
"""
from __future__ import annotations

import itertools
from typing import Sequence

import torch
from torch.utils.data import Dataset

from ..utils import check_choice, check_finite, check_input, check_int, check_real, check_seed

__all__ = ["superposed_waves", "amplitude_grid", "WavesDataset", "MAX_GRID"]

MAX_GRID = 10**8  # most points of an amplitude grid enumerated or drawn from (a permutation of 10^8: 800 MB)


def superposed_waves(amplitudes: torch.Tensor, freqs: Sequence[float], dt: float, L: int) -> torch.Tensor:
    """x_l = sum_w A_w cos(f_w dt l).  amplitudes r(n W) float, finite; freqs (W,) finite, rad/time, W >= 1;
    dt > 0; L >= 1 -> r(n L) in the dtype of amplitudes."""
    L = check_int("L", L, low=1)
    dt = check_real("dt", dt, low=0.0, low_open=True)
    f = _values("freqs", freqs)
    check_input(amplitudes, "amplitudes", rank=2, channels=f.numel(), shape=f"(n, {f.numel()})")
    t = dt * torch.arange(L, dtype=torch.float64)  # r(L)
    waves = torch.cos(f[:, None] * t[None, :])  # r(W L)
    return (amplitudes.to(torch.float64) @ waves).to(amplitudes.dtype)


def amplitude_grid(levels: Sequence[float], n_waves: int) -> torch.Tensor:
    """All combinations of `levels` (finite, at least one) for each wave: r(len(levels)^n_waves, n_waves),
    at most MAX_GRID rows."""
    n_waves = check_int("n_waves", n_waves, low=1)
    _check_grid_size(len(_values("levels", levels)) ** n_waves, f"amplitude_grid(levels, n_waves={n_waves})")
    return torch.tensor(list(itertools.product(levels, repeat=n_waves)), dtype=torch.float32)


def _values(name: str, values) -> torch.Tensor:
    """A non-empty 1-D sequence of finite real numbers as r(W) float64; else ValueError naming `name`."""
    try:
        v = torch.as_tensor(values, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        v = None
    if v is None or v.dim() != 1 or v.numel() == 0:
        raise ValueError(f"{name} must be a non-empty sequence of real numbers, got {values!r}")
    return check_finite(name, v)


def _check_grid_size(size: int, what: str) -> None:
    if size > MAX_GRID:
        raise ValueError(f"{what} has {size:.3g} grid points, more than MAX_GRID = {MAX_GRID:.0e}: use fewer "
                         f"waves or levels (or split='test', which draws amplitudes uniformly)")


class WavesDataset(Dataset):
    """Samples (x r(L 1), A r(W)) of superposed waves.

    Args:
        n: number of samples (int >= 1).
        freqs: wave frequencies f_w, rad per unit time, finite, at least one (the paper: 1, 16, 256, 4096).
        dt: sampling step (the paper: 1e-4). L: sequence length (the paper: 62832).
        split: 'train' draws n distinct points of the amplitude grid {0.1, 0.2, ..., 1.0}^W (all of
            them when n equals the grid size, as in the paper; at most MAX_GRID points, W <= 8); 'test'
            draws amplitudes uniformly in [0.1, 1.0].
        seed: the generator's seed, 0 <= seed <= 2**32 - 1 (the dataset does not touch the global RNG).
    """

    LEVELS = tuple(round(0.1 * i, 1) for i in range(1, 11))

    def __init__(self, n: int, freqs: Sequence[float] = (1, 16, 256, 4096), dt: float = 1e-4,
                 L: int = 62832, split: str = "train", seed: int = 0):
        n = check_int("n", n, low=1)
        check_choice("split", split, ("train", "test"))
        g = torch.Generator().manual_seed(check_seed(seed))
        W = len(_values("freqs", freqs))
        if split == "train":
            size = len(self.LEVELS) ** W
            _check_grid_size(size, f"split='train' with W = {W} waves")
            if n > size:
                raise ValueError(f"n must be <= {size} (the amplitude grid) for split='train', got {n}")
            # a random subset of grid indices, decoded digit by digit (no grid tensor of size 10^W)
            idx = torch.randperm(size, generator=g)[:n]
            digits = torch.stack([(idx // 10 ** (W - 1 - w)) % 10 for w in range(W)], dim=1)
            self.amplitudes = torch.tensor(self.LEVELS, dtype=torch.float32)[digits]  # r(n W)
        else:
            self.amplitudes = 0.1 + 0.9 * torch.rand(n, W, generator=g, dtype=torch.float32)  # same draw whatever the default dtype
        self.signals = superposed_waves(self.amplitudes, freqs, dt, L)  # r(n L)
        self.freqs, self.dt, self.L = tuple(float(f) for f in freqs), dt, L

    def __len__(self) -> int:
        return self.amplitudes.shape[0]

    def __getitem__(self, i):
        return self.signals[i, :, None], self.amplitudes[i]
