r"""One frequency-bias measure for every family (book chapter 12): the variation of the layer's discrete
response per band, from its convolution kernel at the sequence length it runs at.

Each family's linear part is (or, for the selective scan, freezes to) a causal convolution y = K * u + D u:

    S4D, S4:      K r(H L), one SISO kernel per channel           (`layer.kernel(L)`)
    S5:           K r(H_out H_in L), one MIMO kernel               (`layer.conv_kernel(L)`)
    selective:    K r(H L), the frozen system at the layer's       (`layer.frozen_kernel(L)`, module
                  initial step on a zero input, B = C = 1          `fssm.families.selective`)

`kernel_spectrum` samples K^(omega) = sum_{l<L} K_l e^{-i omega l} on a fine grid of [0, pi] rad/sample
(an rfft of the kernel zero-padded to `oversample` * L: the same truncated response the layer's FFT
convolution applies, sampled more finely), and `variation_per_band` is chapter 4's measure on it: the
total variation of K^ on each band, per channel; for S5 the variation of the H x H matrix in the Frobenius
norm (`fssm.analysis.total_variation` with value_dims=2), because the S5 layer maps the vector of all H
channels at once: at a frequency where the matrix changes by dG, an input of unit norm in a random
direction sees its output change by ||dG||_F / sqrt(H) on average.

Measured on the discrete axis, not in continuous time, so that every family is compared by what it
applies: S4's bilinear and S5's or S4D's ZOH discretizations and the selective scan's ZOH/Euler mix map
continuous frequency to omega differently near the Nyquist frequency. The D skip and the Sobolev weight are
left out: D is a constant (no variation) and beta is studied on its own.
"""
from __future__ import annotations

import math
from typing import Sequence, Tuple

import torch
from torch import nn

from ..analysis import total_variation
from ..layer import S4DLayer
from ..utils import ArgumentTypeError, check_int
from .s5 import S5Layer
from .selective import SelectiveSSM

__all__ = ["layer_kernel", "kernel_spectrum", "variation_per_band", "band_shares"]


def layer_kernel(layer: nn.Module, L: int) -> torch.Tensor:
    """The layer's causal kernel at length L (module docstring): r(H L), or r(H H L) for an S5Layer."""
    L = check_int("L", L, low=1)
    if isinstance(layer, S5Layer):
        return layer.conv_kernel(L)
    if isinstance(layer, SelectiveSSM):
        return layer.frozen_kernel(L)
    if isinstance(layer, S4DLayer):  # S4D and S4 (an S4DLayer with an S4Kernel)
        if layer.bidirectional:
            raise ValueError("layer_kernel: a bidirectional layer has no causal kernel; pass a causal layer")
        return layer.kernel(L)
    raise ArgumentTypeError(f"layer must be an S4DLayer, S4Layer, S5Layer or SelectiveSSM, got {type(layer).__name__}")


def kernel_spectrum(layer: nn.Module, L: int, oversample: int = 8) -> Tuple[torch.Tensor, torch.Tensor]:
    r"""(omega r(W), K^ c(H W) or c(H H W)): the length-L kernel's response at omega = 2 pi k / (oversample L),
    k = 0 .. oversample L / 2, i.e. W = oversample * L // 2 + 1 points of [0, pi]. Computed in float64."""
    oversample = check_int("oversample", oversample, low=2)
    with torch.no_grad():
        K = layer_kernel(layer, L).to(torch.float64)
    n = oversample * K.shape[-1]
    spectrum = torch.fft.rfft(K, n=n)
    omega = torch.arange(spectrum.shape[-1], dtype=torch.float64, device=K.device) * (2 * math.pi / n)
    return omega, spectrum


def variation_per_band(layer: nn.Module, L: int, bands: Sequence[Tuple[float, float]],
                       oversample: int = 8) -> torch.Tensor:
    """Total variation of K^ on each band [lo, hi) of omega (rad/sample): r(H nb) per channel (S4D, S4,
    selective), r(1 nb) for S5 (the matrix, Frobenius norm)."""
    omega, spectrum = kernel_spectrum(layer, L, oversample)
    if isinstance(layer, S5Layer):
        return total_variation(spectrum, omega, bands, value_dims=2)[None]
    return total_variation(spectrum, omega, bands)


def band_shares(variation: torch.Tensor) -> torch.Tensor:
    """Each band's share of the total variation, averaged over channels: r(nb) from r(H nb), summing to 1."""
    if variation.dim() != 2:
        raise ValueError(f"variation must be r(H, bands) as variation_per_band returns, got shape {tuple(variation.shape)}")
    return (variation / variation.sum(-1, keepdim=True)).mean(0)
