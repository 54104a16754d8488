r"""Diagonal initializations of the state matrix A (book: "Frequency bias at initialization").

Each function returns the N eigenvalues a_n = x_n + i y_n (complex, shape (N,)) of a diagonal A with
x_n < 0 (or x_n < 0, y_n = 0 for `real`). The conjugate partner of each mode is implicit: S4D takes
2 Re of the kernel, so a real system with 2N states is described by N complex modes.

`alpha` multiplies the imaginary parts only (paper, section 4):  a_n = x_n + i * alpha * y_n.
alpha is not a change of dt: dt scales decay and oscillation together, alpha only the oscillation.
This module never touches dt or C.
"""
from __future__ import annotations

import math
from typing import Callable, Dict

import torch

from .utils import ArgumentTypeError, check_choice, check_int, check_real

__all__ = ["lin", "inv", "legs", "real", "init_A", "INITS", "scale_imag", "random_init", "RANDOM_RULES", "spectral_init"]

COMPLEX_DTYPES = (torch.complex64, torch.complex128)


def scale_imag(a: torch.Tensor, alpha: float) -> torch.Tensor:
    """Return x + i*alpha*y for a = x + i*y: a c(N) finite complex tensor, alpha > 0 -> c(N)."""
    alpha = check_real("alpha", alpha, low=0.0, low_open=True)
    if not isinstance(a, torch.Tensor) or not a.is_complex():
        got = f"dtype {a.dtype}" if isinstance(a, torch.Tensor) else type(a).__name__
        raise ArgumentTypeError(f"a must be a complex tensor of eigenvalues c(N), got {got}")
    if not bool(torch.isfinite(a).all()):
        raise ValueError("a contains NaN or Inf values")
    return torch.complex(a.real, alpha * a.imag)


def _check_dtype(dtype: torch.dtype) -> torch.dtype:
    """The eigenvalues are complex: a real dtype would silently drop their imaginary parts."""
    return check_choice("dtype", dtype, COMPLEX_DTYPES)


def lin(N: int, alpha: float = 1.0, dtype: torch.dtype = torch.complex128) -> torch.Tensor:
    r"""S4D-Lin: a_n = -1/2 + i * alpha * pi * n, n = 0..N-1.  c(N)"""
    N = check_int("d_state", N, low=1)
    _check_dtype(dtype)
    n = torch.arange(N, dtype=torch.float64)
    a = torch.complex(torch.full_like(n, -0.5), math.pi * n)
    return scale_imag(a, alpha).to(dtype)


def inv(N: int, alpha: float = 1.0, dtype: torch.dtype = torch.complex128) -> torch.Tensor:
    r"""S4D-Inv: a_n = -1/2 + i * alpha * (N'/pi) * (N'/(2n+1) - 1), n = 0..N-1, with N' = 2N.  c(N)

    S4D writes this formula with N' the *real* state size and keeps N'/2 complex modes; with our N
    complex modes that is N' = 2N, which keeps every y_n > 0 (the smallest is y_{N-1} = 2N/(pi(2N-1))).
    """
    N = check_int("d_state", N, low=1)
    _check_dtype(dtype)
    n = torch.arange(N, dtype=torch.float64)
    n_real = 2 * N
    a = torch.complex(torch.full_like(n, -0.5), (n_real / math.pi) * (n_real / (2 * n + 1) - 1))
    return scale_imag(a, alpha).to(dtype)


def hippo_legs(N: int) -> torch.Tensor:
    r"""The HiPPO-LegS matrix (N x N, float64): A_nk = -sqrt(2n+1)sqrt(2k+1) (n>k), -(n+1) (n=k), 0."""
    N = check_int("N", N, low=1)
    q = torch.sqrt(2 * torch.arange(N, dtype=torch.float64) + 1)
    A = -torch.tril(q[:, None] * q[None, :], diagonal=-1) - torch.diag(torch.arange(N, dtype=torch.float64) + 1)
    return A


def legs(N: int, alpha: float = 1.0, dtype: torch.dtype = torch.complex128) -> torch.Tensor:
    r"""S4D-LegS: eigenvalues of the normal part of HiPPO-LegS, the diagonal init of S4D/DSS.

    HiPPO-LegS (size 2N) is normal plus low rank: A = S - P P^T with P_n = sqrt(n + 1/2).
    S = A + P P^T = -1/2 I + (skew-symmetric), so its eigenvalues are -1/2 + i y with y in conjugate
    pairs; we keep the N with y > 0, sorted by y, so N complex modes describe the real 2N-state system.
    """
    N = check_int("d_state", N, low=1)
    _check_dtype(dtype)
    A = hippo_legs(2 * N)
    P = torch.sqrt(torch.arange(2 * N, dtype=torch.float64) + 0.5)
    S = A + P[:, None] * P[None, :]
    skew = 0.5 * (S - S.T)  # exactly S + I/2 in exact arithmetic
    y = torch.linalg.eigvalsh(-1j * skew.to(torch.complex128))  # Hermitian: real eigenvalues
    y = torch.sort(y[y > 0]).values[:N]
    a = torch.complex(torch.full_like(y, -0.5), y)
    return scale_imag(a, alpha).to(dtype)


def real(N: int, alpha: float = 1.0, dtype: torch.dtype = torch.complex128) -> torch.Tensor:
    r"""Real init: a_n = -(n+1), no oscillation (alpha has nothing to scale).  c(N)"""
    N = check_int("d_state", N, low=1)
    _check_dtype(dtype)
    n = torch.arange(N, dtype=torch.float64)
    a = torch.complex(-(n + 1), torch.zeros_like(n))
    return scale_imag(a, alpha).to(dtype)


INITS: Dict[str, Callable[..., torch.Tensor]] = {"lin": lin, "inv": inv, "legs": legs, "real": real}


def init_A(name: str, N: int, alpha: float = 1.0, dtype: torch.dtype = torch.complex128) -> torch.Tensor:
    """Dispatch by name: one of 'lin', 'inv', 'legs', 'real'. Returns c(N)."""
    check_choice("init", name, INITS)
    return INITS[name](N, alpha=alpha, dtype=dtype)


RANDOM_RULES = ("xavier", "kaiming", "uniform")


def random_init(rule: str, N: int, H: int = 1, alpha: float = 1.0, band=None,
                generator: "torch.Generator | None" = None, dtype: torch.dtype = torch.complex128) -> torch.Tensor:
    r"""Random eigenvalues a = -1/2 + i alpha y (S4D's real part), y >= 0 drawn per channel: c(H N), each
    channel's y ascending. For the initialization ablation (book: choosing the bias), where the question is
    how much of a gain is the *placement* of the modes and how much their *scale*.

    rule:
      'xavier', 'kaiming': y = |Im| of the eigenvalues of the real 2N x 2N state matrix such a rule would draw
        (i.i.d. N(0, s^2) entries, s^2 = 2 / (fan_in + fan_out) = 1/(2N) for Xavier, 2 / fan_in = 1/N for
        Kaiming). By the circular law those eigenvalues fill the disk of radius s sqrt(2N): 1 (Xavier) or
        sqrt(2) (Kaiming), whatever N, so the modes sit at O(1) rad/time: the scale the rules give. One y per
        conjugate pair, and the real eigenvalues as y = 0, keeping the N largest.
      'uniform': y uniform on `band` (default (0, pi (N - 1)), S4D-Lin's band): S4D-Lin's scale with random
        placement.
    generator: a torch.Generator for the draws (default: torch's global one, which `fssm.seed_everything`
    seeds). alpha scales y after the draw, like every init here.
    """
    check_choice("rule", rule, RANDOM_RULES)
    N = check_int("d_state", N, low=1)
    H = check_int("d_model", H, low=1)
    _check_dtype(dtype)
    if generator is not None and not isinstance(generator, torch.Generator):
        raise ArgumentTypeError(f"generator must be a torch.Generator or None, got {type(generator).__name__}")
    if rule == "uniform":
        lo, hi = (0.0, math.pi * (N - 1)) if band is None else band
        lo, hi = check_real("band[0]", lo, low=0.0), check_real("band[1]", hi, low=0.0)
        if hi < lo:
            raise ValueError(f"band must be (low, high) with 0 <= low <= high, got {band!r}")
        y = lo + (hi - lo) * torch.rand(H, N, generator=generator, dtype=torch.float64)
    else:
        if band is not None:
            raise ValueError(f"band applies to rule 'uniform' only, got band={band!r} with rule {rule!r}")
        var = 1.0 / (2 * N) if rule == "xavier" else 1.0 / N
        M = torch.randn(H, 2 * N, 2 * N, generator=generator, dtype=torch.float64) * math.sqrt(var)
        eig = torch.linalg.eigvals(M)  # c(H 2N): conjugate pairs and real values
        y = torch.where(eig.imag >= 0, eig.imag, torch.full_like(eig.imag, -1.0))  # one per pair; reals -> 0
        y = torch.sort(y, dim=1, descending=True).values[:, :N].clamp(min=0.0)
    y = torch.sort(y, dim=1).values
    a = torch.complex(torch.full_like(y, -0.5), y)
    return scale_imag(a.reshape(-1), alpha).reshape(H, N).to(dtype)


def spectral_init(omega: torch.Tensor, power: torch.Tensor, N: int, dt, alpha: float = 1.0,
                  dtype: torch.dtype = torch.complex128) -> torch.Tensor:
    r"""Modes placed on the inputs' power spectrum: a_n = -1/2 + i alpha omega_{q_n} / dt with q_n = (2n + 1) / (2N),
    omega_q the frequency (rad/sample) below which a share q of the power lies. c(N) for a number dt, c(H N) for
    a tensor of H steps.

    A baseline in the spirit of Task-Dependent Initialization (Chen & Chen 2025: match the model's power
    spectrum to the task's before training), built by the book from that description, not the authors'
    algorithm. With Re a = -1/2 and small steps each mode is a narrow resonance, so a channel's kernel
    spectrum is N lines of the weights C sets; N equally weighted lines closest to the power's distribution
    in the 1-Wasserstein distance sit at its quantiles (2n + 1)/(2N), whatever the frequency axis (quantiles
    do not change under a monotone map such as log). Where `fssm.analysis.suggest_alpha` scales a fixed
    placement, this places every mode.

    omega, power: r(K) each (e.g. `fssm.analysis.average_power_spectrum`), omega increasing in [0, pi],
    power >= 0 with some power at omega > 0. dt > 0 (a number or an r(H) tensor).
    """
    N = check_int("d_state", N, low=1)
    alpha = check_real("alpha", alpha, low=0.0, low_open=True)
    _check_dtype(dtype)
    if not isinstance(omega, torch.Tensor) or not isinstance(power, torch.Tensor) or omega.dim() != 1 \
            or power.shape != omega.shape:
        raise ValueError("omega and power must be 1-d tensors of the same length (a power spectrum on a grid)")
    omega, power = omega.to(torch.float64), power.to(torch.float64)
    if not bool(torch.isfinite(power).all()) or bool((power < 0).any()):
        raise ValueError("power must be finite and >= 0")
    if bool((omega < 0).any()) or bool((omega > math.pi + 1e-12).any()) or bool((omega[1:] <= omega[:-1]).any()):
        raise ValueError("omega must be increasing frequencies in [0, pi] rad/sample")
    power = torch.where(omega > 0, power, torch.zeros_like(power))  # the mean (omega = 0) places no mode
    if float(power.sum()) <= 0:
        raise ValueError("power holds nothing at omega > 0: no spectrum to place the modes on")
    cdf = torch.cumsum(power, 0) / power.sum()
    q = (2 * torch.arange(N, dtype=torch.float64) + 1) / (2 * N)
    idx = torch.searchsorted(cdf, q * (1 - 1e-12)).clamp(max=len(omega) - 1)
    w = omega[idx]  # r(N) rad/sample
    if isinstance(dt, torch.Tensor):
        steps = dt.to(torch.float64).reshape(-1)
        if not bool(torch.isfinite(steps).all()) or bool((steps <= 0).any()):
            raise ValueError("dt must be finite and > 0")
        y = alpha * w[None, :] / steps[:, None]  # r(H N)
    else:
        y = alpha * w / check_real("dt", dt, low=0.0, low_open=True)
    return torch.complex(torch.full_like(y, -0.5), y).to(dtype)
