r"""The S4D convolution kernel: parameters (log dt, A, C) -> real kernel K of shape (H, L).

Book: "LTI systems and SSMs", "Transfer functions". Per channel h the continuous system is

    x'(t) = A x(t) + B u(t),   y(t) = 2 Re(C x(t))      (A diagonal, B = 1 folded into C),

discretized with step dt. Writing lambda_j = exp(dt a_j) (zoh) or (1 + dt a_j/2)/(1 - dt a_j/2)
(bilinear) and C~_j = C_j (lambda_j - 1)/a_j (zoh) or C_j dt/(1 - dt a_j/2) (bilinear), the kernel is

    K_l = 2 Re sum_j C~_j lambda_j^l,   l = 0..L-1.                      (Vandermonde form)

This module maps parameters to K and never sees the input signal; `fssm.layer` does the convolution.
"""
from __future__ import annotations

import math
import warnings
from typing import Dict, Mapping, Optional, Union

import torch
from torch import nn

from .init import init_A
from .utils import check_choice, check_int, check_real, register

__all__ = ["S4DKernel", "AliasingWarning", "discretize", "vandermonde_kernel", "blocked_vandermonde_kernel"]

DISCRETIZATIONS = ("zoh", "bilinear")
MODES = ("fast", "reference")
SSM_PARAMS = ("log_dt", "log_A_real", "A_imag")  # the ones `lr=<float>` applies to
ALL_PARAMS = SSM_PARAMS + ("C",)


class AliasingWarning(UserWarning):
    """Some mode oscillates faster than the Nyquist frequency: dt * |Im(a_j)| > pi."""


def discretize(A: torch.Tensor, C: torch.Tensor, dt: torch.Tensor, disc: str = "zoh"):
    r"""Discretize the diagonal system (A, C) with step dt.

    Args:
        A: c(H N) continuous eigenvalues, Re < 0.
        C: c(H N) output weights with B folded in.
        dt: r(H) step per channel.
        disc: 'zoh' or 'bilinear'.
    Returns:
        (dA, dC): c(H N) each; the kernel is K_l = 2 Re sum_j dC_j dA_j^l.
    """
    check_choice("disc", disc, DISCRETIZATIONS)
    dtA = dt[:, None] * A  # c(H N)
    if disc == "zoh":
        dA = torch.exp(dtA)
        dC = C * (dA - 1.0) / A
    else:
        half = 0.5 * dtA
        dA = (1.0 + half) / (1.0 - half)
        dC = C * dt[:, None] / (1.0 - half)
    return dA, dC


def vandermonde_kernel(dA: torch.Tensor, dC: torch.Tensor, L: int) -> torch.Tensor:
    r"""Readable reference: K_l = 2 Re sum_j dC_j dA_j^l, via an (H, N, L) Vandermonde tensor.

    dA, dC: c(H N).  Returns r(H L).  Memory O(H N L): the fast path of `fssm` avoids that tensor.
    """
    l = torch.arange(L, device=dA.device, dtype=dA.real.dtype)  # r(L)
    powers = torch.exp(torch.log(dA)[..., None] * l)  # c(H N L) = dA^l
    return 2.0 * torch.einsum("hn,hnl->hl", dC, powers).real


def blocked_vandermonde_kernel(dA: torch.Tensor, dC: torch.Tensor, L: int, block: Optional[int] = None) -> torch.Tensor:
    r"""Fast path: the same K_l = 2 Re sum_j dC_j dA_j^l as one batched complex matrix product.

    Write l = b*T + r with T ~ sqrt(L) (0 <= r < T, 0 <= b < ceil(L/T)). Then
        sum_j dC_j dA_j^l = sum_j (dC_j dA_j^{bT}) (dA_j^r) = (P @ Q)[b, r],
    P c(H nb N) = dC dA^{bT}, Q c(H N T) = dA^r. Memory O(H N sqrt(L)) instead of O(H N L), the
    contraction over N runs in a GEMM, and autograd stores only P and Q. Each power is built in polar
    form from l*log|dA| and l*arg(dA) mod 2 pi computed in float64 (they are few), so the float32 result
    is *more* accurate than the float32 reference, whose phases l * arg(dA) lose digits as l grows.
    dA, dC: c(H N). Returns r(H L) in the real dtype of dA.
    """
    L = check_int("L", L, low=1)
    T = block or max(1, math.isqrt(L - 1) + 1)  # smallest T with T*T >= L
    nb = -(-L // T)
    real = dA.real.dtype
    log_dA = torch.log(dA.to(torch.complex128))  # c(H N): log|dA| + i arg(dA), in float64

    def powers(exponents: torch.Tensor) -> torch.Tensor:  # r(E) float64 -> c(H N E) = dA^e
        mag = torch.exp(log_dA.real[..., None] * exponents).to(real)
        phase = torch.remainder(log_dA.imag[..., None] * exponents, 2 * math.pi).to(real)
        return torch.polar(mag, phase)

    r = torch.arange(T, device=dA.device, dtype=torch.float64)
    b = torch.arange(nb, device=dA.device, dtype=torch.float64) * T
    Q = powers(r)  # c(H N T)
    P = dC.to(Q.dtype)[:, None, :] * powers(b).transpose(1, 2)  # c(H nb N)
    K = torch.bmm(P, Q).reshape(dA.shape[0], nb * T)  # c(H nb*T)
    return 2.0 * K[:, :L].real


class S4DKernel(nn.Module):
    r"""Diagonal SSM kernel (S4D), book chapter "LTI systems and SSMs".

    Args:
        d_model: H, number of independent channels (int >= 1).
        d_state: N, number of complex modes per channel (int >= 1); the real state size is 2N.
        init: 'lin' | 'inv' | 'legs' | 'real', or a complex tensor c(N) or c(H N) of eigenvalues
            (their imaginary parts are still multiplied by alpha).
        alpha: > 0, multiplies Im(A) at initialization (paper, mechanism 1). Default 1.
        dt_min, dt_max: 0 < dt_min <= dt_max; log dt is drawn uniformly in [log dt_min, log dt_max].
            dt_min == dt_max gives one fixed step for all channels.
        disc: 'zoh' (default) or 'bilinear'.
        lr: learning rate of the SSM parameters (log_dt, log_A_real, A_imag); None = the base lr;
            0 = frozen (a buffer). A mapping {name: lr} sets them one by one; names are
            'log_dt', 'log_A_real', 'A_imag', 'C' ('C' defaults to the base lr with weight decay).
        C_init: optional complex tensor c(H N) for C; default complex normal, variance 1.
        mode: 'fast' (default: blocked Vandermonde, memory O(H N sqrt L)) or 'reference' (the readable
            Vandermonde tensor, memory O(H N L)). Both compute the same kernel; tests compare them.

    Parameters (all real; complex values are built in `ssm()`):
        log_dt r(H), log_A_real r(H N) with Re(A) = -exp(log_A_real) < 0, A_imag r(H N),
        C r(H N 2) (real and imaginary parts of C).
    """

    def __init__(
        self,
        d_model: int,
        d_state: int = 64,
        init: Union[str, torch.Tensor] = "lin",
        alpha: float = 1.0,
        dt_min: float = 1e-3,
        dt_max: float = 1e-1,
        disc: str = "zoh",
        lr: Union[None, float, Mapping[str, Optional[float]]] = None,
        C_init: Optional[torch.Tensor] = None,
        mode: str = "fast",
    ):
        super().__init__()
        H = check_int("d_model", d_model, low=1)
        N = check_int("d_state", d_state, low=1)
        alpha = check_real("alpha", alpha, low=0.0, low_open=True)
        dt_min = check_real("dt_min", dt_min, low=0.0, low_open=True)
        dt_max = check_real("dt_max", dt_max, low=0.0, low_open=True)
        if dt_min > dt_max:
            raise ValueError(f"dt_min must be <= dt_max, got dt_min={dt_min} > dt_max={dt_max}")
        self.disc = check_choice("disc", disc, DISCRETIZATIONS)
        self.mode = check_choice("mode", mode, MODES)
        self.d_model, self.d_state, self.alpha = H, N, alpha
        lrs = self._learning_rates(lr)

        A = self._initial_A(init, H, N, alpha)  # c(H N), complex128
        if not bool((A.real < 0).all()):
            raise ValueError("init: every eigenvalue must have a negative real part (a stable system)")
        log_dt = torch.rand(H, dtype=torch.float64) * (math.log(dt_max) - math.log(dt_min)) + math.log(dt_min)
        if C_init is None:
            C = torch.randn(H, N, dtype=torch.complex64)
        else:
            C = torch.as_tensor(C_init).to(torch.complex128)
            if C.shape != (H, N):
                raise ValueError(f"C_init must have shape ({H}, {N}), got {tuple(C.shape)}")

        dtype = torch.get_default_dtype()
        register(self, "log_dt", log_dt.to(dtype), lrs["log_dt"])
        register(self, "log_A_real", torch.log(-A.real).to(dtype), lrs["log_A_real"])
        register(self, "A_imag", A.imag.to(dtype), lrs["A_imag"])
        if lrs["C"] is None:
            self.C = nn.Parameter(torch.view_as_real(C).to(dtype).contiguous())
        else:  # a tagged C: its own lr, weight decay as for untagged weights is not applied
            register(self, "C", torch.view_as_real(C).to(dtype).contiguous(), lrs["C"])

        self._warn_if_aliasing(A.imag.abs().max().item() * dt_max)

    # -- construction helpers --------------------------------------------------------------------
    @staticmethod
    def _learning_rates(lr) -> Dict[str, Optional[float]]:
        if lr is None or isinstance(lr, (int, float)):
            if lr is not None:
                check_real("lr", lr, low=0.0)
            return {"log_dt": lr, "log_A_real": lr, "A_imag": lr, "C": None}
        if not isinstance(lr, Mapping):
            raise ValueError(f"lr must be None, a number or a mapping of parameter names, got {lr!r}")
        unknown = set(lr) - set(ALL_PARAMS)
        if unknown:
            raise ValueError(f"lr: unknown parameter name(s) {sorted(unknown)}; allowed: {list(ALL_PARAMS)}")
        return {name: lr.get(name) for name in ALL_PARAMS}

    @staticmethod
    def _initial_A(init, H: int, N: int, alpha: float) -> torch.Tensor:
        if isinstance(init, str):
            return init_A(init, N, alpha=alpha).expand(H, N).clone()
        if isinstance(init, torch.Tensor) and init.is_complex():
            A = init.to(torch.complex128)
            if A.shape == (N,):
                A = A.expand(H, N)
            if A.shape != (H, N):
                raise ValueError(f"init tensor must have shape ({N},) or ({H}, {N}), got {tuple(init.shape)}")
            return torch.complex(A.real, alpha * A.imag).clone()
        raise ValueError(f"init must be one of 'lin', 'inv', 'legs', 'real' or a complex tensor, got {init!r}")

    def _warn_if_aliasing(self, worst: float) -> None:
        if worst > math.pi:
            effect = ("alias (they fold back into [-pi, pi])" if self.disc == "zoh"
                      else "are squeezed towards pi by the bilinear warp 2 arctan(dt y / 2)")
            warnings.warn(
                f"alpha * max|Im(A)| * dt_max = {worst:.3g} exceeds pi: the fastest modes oscillate faster "
                f"than the Nyquist frequency of the sampled signal and {effect}",
                AliasingWarning,
                stacklevel=3,
            )

    # -- the system --------------------------------------------------------------------------------
    def ssm(self) -> Dict[str, torch.Tensor]:
        """Continuous-time parameters: {'A': c(H N), 'C': c(H N), 'dt': r(H)} (differentiable)."""
        A = torch.complex(-torch.exp(self.log_A_real), self.A_imag)
        return {"A": A, "C": torch.view_as_complex(self.C), "dt": torch.exp(self.log_dt)}

    def discretize(self):
        """(dA, dC), c(H N) each, with K_l = 2 Re sum_j dC_j dA_j^l (see module docstring)."""
        p = self.ssm()
        return discretize(p["A"], p["C"], p["dt"], self.disc)

    def forward(self, L: int) -> torch.Tensor:
        """The kernel K, r(H L), for sequence length L >= 1 (path chosen by `self.mode`)."""
        L = check_int("L", L, low=1)
        if self.mode == "fast":  # discretize in float64 too: O(H N) work, exact phases
            p = {k: v.to(torch.complex128 if v.is_complex() else torch.float64) for k, v in self.ssm().items()}
            dA, dC = discretize(p["A"], p["C"], p["dt"], self.disc)
            return blocked_vandermonde_kernel(dA, dC, L).to(self.log_dt.dtype)
        dA, dC = self.discretize()
        return vandermonde_kernel(dA, dC, L)

    def extra_repr(self) -> str:
        return (f"d_model={self.d_model}, d_state={self.d_state}, alpha={self.alpha}, disc={self.disc!r}, "
                f"mode={self.mode!r}")
