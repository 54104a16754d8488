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

__all__ = ["lin", "inv", "legs", "real", "init_A", "INITS", "scale_imag"]

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
