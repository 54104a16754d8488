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

from .init import INITS, RANDOM_RULES, init_A, random_init
from .utils import ArgumentTypeError, check_choice, check_input, check_int, check_real, learning_rates, register

__all__ = ["S4DKernel", "AliasingWarning", "discretize", "vandermonde_kernel", "blocked_vandermonde_kernel"]

DISCRETIZATIONS = ("zoh", "bilinear")
MODES = ("fast", "reference")
SSM_PARAMS = ("log_dt", "log_A_real", "A_imag")  # the ones `lr=<float>` applies to
ALL_PARAMS = SSM_PARAMS + ("C",)


class AliasingWarning(UserWarning):
    """Some mode oscillates faster than the Nyquist frequency: dt * |Im(a_j)| > pi."""


REAL_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
HALF_DTYPES = (torch.float16, torch.bfloat16)  # torch.complex takes neither well: computed in float32


def _check_modes(name: str, x, shape: Optional[torch.Size] = None) -> torch.Tensor:
    """x as a complex tensor c(H N) (a real floating one is promoted), of `shape` if given, else an error."""
    if not isinstance(x, torch.Tensor) or not (x.is_complex() or x.is_floating_point()):
        got = f"dtype {x.dtype}" if isinstance(x, torch.Tensor) else type(x).__name__
        raise ArgumentTypeError(f"{name} must be a complex (or real floating) tensor c(H N), got {got}")
    if x.dim() != 2 or (shape is not None and x.shape != shape):
        want = f"{tuple(shape)}" if shape is not None else "(H, N)"
        raise ValueError(f"{name} must have shape {want}, got {tuple(x.shape)}")
    return x if x.is_complex() else x.to(torch.promote_types(x.dtype, torch.complex64))


def _check_finite(**tensors: torch.Tensor) -> None:
    """ValueError naming the first tensor with a NaN or Inf entry (one reduction and a host sync each)."""
    for name, x in tensors.items():
        if not bool(torch.isfinite(x).all()):
            raise ValueError(f"{name} contains NaN or Inf values")


def _exprel(z: torch.Tensor) -> torch.Tensor:
    r"""(exp(z) - 1)/z for complex z, accurate at small |z| and 1 at z = 0:  c(...) -> c(...).

    exp(x + iy) - 1 = (expm1(x) cos y - 2 sin^2(y/2)) + i exp(x) sin y, without the cancellation of
    exp(z) - 1 (for x <= 0 both real terms have the same sign). Written out because torch.expm1 on complex
    tensors is not accurate on every torch >= 2.1 and device that fssm supports.
    """
    zero = z == 0
    z = torch.where(zero, torch.ones_like(z), z)  # a safe divisor, also for the gradient
    x, y = z.real, z.imag
    expm1 = torch.complex(torch.expm1(x) * torch.cos(y) - 2.0 * torch.sin(0.5 * y) ** 2, torch.exp(x) * torch.sin(y))
    return torch.where(zero, torch.ones_like(z), expm1 / z)


def discretize(A: torch.Tensor, C: torch.Tensor, dt: torch.Tensor, disc: str = "zoh", *, check: bool = True):
    r"""Discretize the diagonal system (A, C) with step dt.

    Args:
        A: c(H N) continuous eigenvalues, finite, Re <= 0 (a real floating tensor is promoted to complex).
        C: c(H N) output weights with B folded in, finite.
        dt: r(H) step per channel, finite and > 0.
        disc: 'zoh' or 'bilinear'.
        check: check the values too (finite, dt > 0, Re A <= 0; a host sync). `S4DKernel` passes False for
            its own parameters, which are valid by construction.
    Returns:
        (dA, dC): c(H N) each; the kernel is K_l = 2 Re sum_j dC_j dA_j^l. zoh: dA = exp(dt a),
        dC = C (exp(dt a) - 1)/a, evaluated as C dt exprel(dt a) (accurate at tiny dt, C dt at a = 0).
    """
    check_choice("disc", disc, DISCRETIZATIONS)
    A = _check_modes("A", A)
    C = _check_modes("C", C, A.shape)
    check_input(dt, "dt", rank=1, channels=A.shape[0], channel_dim=0, finite=check)
    if check:
        _check_finite(A=A, C=C)
        if not bool((dt > 0).all()):
            raise ValueError(f"dt must be > 0 in every channel, got min(dt) = {dt.min().item():.3g}")
        if not bool((A.real <= 0).all()):
            raise ValueError(f"A must have Re <= 0 (a stable system), got max Re(A) = {A.real.max().item():.3g}")
    dtA = dt[:, None] * A  # c(H N)
    if disc == "zoh":
        dA = torch.exp(dtA)
        dC = C * dt[:, None] * _exprel(dtA)  # = C (exp(dt a) - 1)/a, without cancellation at small dt
    else:
        half = 0.5 * dtA
        dA = (1.0 + half) / (1.0 - half)
        dC = C * dt[:, None] / (1.0 - half)
    return dA, dC


def _log_poles(dA: Optional[torch.Tensor], log_dA: Optional[torch.Tensor] = None) -> torch.Tensor:
    """log dA, c(H N): `log_dA` if given, else torch.log(dA) with a pole that underflowed to 0 given a very
    negative finite real part, so that dA^0 = 1 and dA^l = 0 for l >= 1 (log 0 = -inf would give NaN)."""
    if log_dA is not None:
        return log_dA
    z = torch.log(dA)
    return torch.complex(z.real.clamp(min=torch.finfo(z.real.dtype).min), z.imag)


def _check_kernel_args(dA, dC, L, log_dA=None, check: bool = True):
    """Shared checks of the two kernel functions: returns (dA, log_dA, dC, L), dA or log_dA given, c(H N)."""
    L = check_int("L", L, low=1)
    if dA is None and log_dA is None:
        raise ValueError("pass the poles as dA or log_dA, c(H N); both are None")
    poles = {name: _check_modes(name, x) for name, x in (("dA", dA), ("log_dA", log_dA)) if x is not None}
    shape = next(iter(poles.values())).shape
    poles["dC"] = _check_modes("dC", dC, shape)
    if "dA" in poles and "log_dA" in poles and poles["log_dA"].shape != shape:
        raise ValueError(f"log_dA must have the shape of dA, {tuple(shape)}, got {tuple(poles['log_dA'].shape)}")
    if check:
        _check_finite(**poles)
    return poles.get("dA"), poles.get("log_dA"), poles["dC"], L


def vandermonde_kernel(dA: torch.Tensor, dC: torch.Tensor, L: int, *, check: bool = True) -> torch.Tensor:
    r"""Readable reference: K_l = 2 Re sum_j dC_j dA_j^l, via an (H, N, L) Vandermonde tensor.

    dA, dC: c(H N), finite.  L: int >= 1.  Returns r(H L).  Memory O(H N L): the fast path of `fssm` avoids
    that tensor. check: check that dA and dC are finite (a host sync; `S4DKernel` skips it).
    """
    dA, _, dC, L = _check_kernel_args(dA, dC, L, check=check)
    l = torch.arange(L, device=dA.device, dtype=dA.real.dtype)  # r(L)
    powers = torch.exp(_log_poles(dA)[..., None] * l)  # c(H N L) = dA^l
    return 2.0 * torch.einsum("hn,hnl->hl", dC, powers).real


def _exact_powers(log_dA: torch.Tensor, exponents: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    r"""dA^e = exp(e log|dA| + i e arg(dA)) for a few exponents e: c(H E N) in the complex `dtype`.

    In float64 polar form, the phase e arg(dA) reduced mod 2 pi in float64 so that it keeps its digits at
    large e, then rounded once.
    """
    z = log_dA.to(torch.complex128)
    mag = torch.exp(z.real[:, None, :] * exponents[None, :, None])  # r(H E N)
    turns = (z.imag / (2 * math.pi))[:, None, :] * exponents[None, :, None]
    phase = (turns - torch.round(turns)) * (2 * math.pi)  # in [-pi, pi]
    return torch.complex(mag * torch.cos(phase), mag * torch.sin(phase)).to(dtype)


def _split(n: int):
    """n0 ~ sqrt(n) and n1 = ceil(n / n0): i = i1 n0 + i0 covers 0..n-1 (and up to n0 n1 - 1)."""
    n0 = max(1, math.isqrt(n - 1) + 1)
    return n0, -(-n // n0)


def _outer(high: torch.Tensor, low: torch.Tensor) -> torch.Tensor:
    """c(H n1 N) x c(H n0 N) -> c(H n1*n0 N): entry i1 n0 + i0 is high[i1] * low[i0]."""
    return (high[:, :, None, :] * low[:, None, :, :]).reshape(high.shape[0], -1, high.shape[-1])


class _BlockedVandermonde(torch.autograd.Function):
    r"""K_l = 2 Re sum_n dC_n exp(l z_n), z = log dA, with l = b T + r as the matrix product P @ Q.

    Forward: Q c(H T N) = exp(r z), E c(H nb N) = exp(bT z), P = 2 dC E; K[b T + r] = Re(P Q^T)[b, r], one
    real GEMM over the 2N real and imaginary parts: Re(P Q^T) = [Re P, -Im P] . [Re Q, Im Q]. Each grid
    is the outer product of two short ones, i = i1 n0 + i0 (`_split`), computed exactly (`_exact_powers`,
    all four in one call) and rounded once: one complex multiplication per entry. E gets nb' = n0 n1 >= nb
    rows (a few more blocks, cut off at the end) so that every tensor is contiguous.
    Backward (G = dLoss/dK, zero-padded to (H, nb', T)), with PyTorch's convention
    grad_w = dLoss/dRe(w) + i dLoss/dIm(w) for a complex w:
        grad dC_n = 2 conj(sum_l G_l exp(l z_n))        = 2 conj(sum_b E_bn M_bn),
        grad z_n  = 2 conj(dC_n sum_l G_l l exp(l z_n)) = 2 conj(dC_n sum_b E_bn M'_bn),
    where M = G Q (sum over r of G_br Q_rn) and M' = (l G) Q with l = bT + r: again one real GEMM, on [G; l G]
    and the stored Q, then one product with the stored E and a sum over the blocks.
    """

    @staticmethod
    def forward(ctx, log_dA, dC, L: int, T: int, dtype: torch.dtype):
        H, N = log_dA.shape
        cdtype = torch.complex128 if dtype == torch.float64 else torch.complex64  # half types: float32 inside
        q0, q1 = _split(T)
        e0, e1 = _split(-(-L // T))
        nb = e0 * e1  # >= ceil(L / T) blocks
        f64 = dict(device=log_dA.device, dtype=torch.float64)
        with torch.autocast(device_type=log_dA.device.type, enabled=False):
            exps = torch.cat([torch.arange(q0, **f64), torch.arange(q1, **f64) * q0,
                              torch.arange(e0, **f64) * T, torch.arange(e1, **f64) * (e0 * T)])
            low_q, high_q, low_e, high_e = _exact_powers(log_dA, exps, cdtype).split([q0, q1, e0, e1], dim=1)
            Q = _outer(high_q, low_q)  # c(H q1*q0 N) = dA^r
            if Q.shape[1] != T:
                Q = Q[:, :T].contiguous()
            E = _outer(high_e, low_e)  # c(H nb N) = dA^{bT}
            dC2 = (2.0 * dC).to(cdtype)
            Pc = _outer((dC2[:, None, :] * high_e).conj(), low_e.conj())  # c(H nb N) = conj(2 dC dA^{bT})
            K = torch.bmm(torch.view_as_real(Pc).reshape(H, nb, 2 * N),
                          torch.view_as_real(Q).reshape(H, T, 2 * N).transpose(1, 2))  # r(H nb T)
        ctx.save_for_backward(Q, E, dC2)
        ctx.L, ctx.dtypes = L, (log_dA.dtype, dC.dtype)
        K = K.reshape(H, nb * T)
        return K if nb * T == L and K.dtype == dtype else K[:, :L].to(dtype, copy=True)

    @staticmethod
    @torch.autograd.function.once_differentiable  # double backward would miss the saved powers' dependence
    def backward(ctx, G):
        Q, E, dC2 = ctx.saved_tensors
        H, T, N = Q.shape
        nb, L = E.shape[1], ctx.L
        with torch.autocast(device_type=G.device.type, enabled=False):
            G = G.to(Q.real.dtype)
            if nb * T != L:
                G = torch.nn.functional.pad(G, (0, nb * T - L))
            G = G.reshape(H, nb, T)
            l = torch.arange(nb * T, device=G.device, dtype=G.dtype).reshape(nb, T)  # l = bT + r
            GQ = torch.bmm(torch.cat([G, G * l], dim=1), torch.view_as_real(Q).reshape(H, T, 2 * N))
            M = torch.view_as_complex(GQ.reshape(H, 2, nb, N, 2))  # c(H 2 nb N): [G Q; (l G) Q]
            S = (E[:, None] * M).sum(2)  # c(H 2 N): [sum_l G_l dA^l, sum_l G_l l dA^l]
            grad_dC = 2.0 * S[:, 0].conj() if ctx.needs_input_grad[1] else None
            grad_z = (dC2 * S[:, 1]).conj() if ctx.needs_input_grad[0] else None
        dtypes = ctx.dtypes
        return (None if grad_z is None else grad_z.to(dtypes[0]),
                None if grad_dC is None else grad_dC.to(dtypes[1]), None, None, None)


def blocked_vandermonde_kernel(dA: torch.Tensor, dC: torch.Tensor, L: int, block: Optional[int] = None,
                               dtype: Optional[torch.dtype] = None, log_dA: Optional[torch.Tensor] = None, *,
                               check: bool = True) -> torch.Tensor:
    r"""Fast path: the same K_l = 2 Re sum_j dC_j dA_j^l as one batched matrix product.

    Write l = b*T + r with T ~ sqrt(L) (0 <= r < T, 0 <= b < ceil(L/T)). Then
        sum_j dC_j dA_j^l = sum_j (dC_j dA_j^{bT}) (dA_j^r) = (P @ Q)[b, r],
    P c(H nb N) = dC dA^{bT}, Q c(H N T) = dA^r. Memory O(H N sqrt(L)) instead of O(H N L), the
    contraction over N runs in a GEMM, and a custom autograd function (`_BlockedVandermonde`) gives the
    gradients as two more GEMM-shaped products, storing only P's powers and Q. The powers are outer products
    of O(sqrt(T) + sqrt(nb)) powers built exactly in float64 polar form, l*log|dA| and l*arg(dA) mod 2 pi,
    then rounded once (`_BlockedVandermonde`), so the float32 result is *more* accurate than the float32 reference,
    whose phases l * arg(dA) lose digits as l grows.
    dA, dC: c(H N), finite. L: int >= 1. block: T, an int >= 1 (default: the smallest T with T*T >= L).
    dtype: the real dtype to return in (default: that of dA; half types are computed in float32). log_dA:
    log(dA) if already known (zoh: dt * A), saving the complex logarithm; dA may then be None. check: check
    that the tensors are finite (a host sync; `S4DKernel` skips it). Returns r(H L).
    """
    dA, log_dA, dC, L = _check_kernel_args(dA, dC, L, log_dA, check=check)
    T = _split(L)[0] if block is None else check_int("block", block, low=1)
    poles = dA if log_dA is None else log_dA
    dtype = poles.real.dtype if dtype is None else check_choice("dtype", dtype, REAL_DTYPES)
    return _BlockedVandermonde.apply(_log_poles(dA, log_dA), dC, L, T, dtype)


class S4DKernel(nn.Module):
    r"""Diagonal SSM kernel (S4D), book chapter "LTI systems and SSMs".

    Args:
        d_model: H, number of independent channels (int >= 1).
        d_state: N, number of complex modes per channel (int >= 1); the real state size is 2N.
        init: 'lin' | 'inv' | 'legs' | 'real', a random rule 'xavier' | 'kaiming' | 'uniform' (one draw per
            channel from torch's global generator: `fssm.init.random_init`), or a finite complex tensor c(N) or
            c(H N) of eigenvalues
            with Re < 0 (their imaginary parts are still multiplied by alpha).
        alpha: > 0, multiplies Im(A) at initialization (paper, mechanism 1). Default 1.
        dt_min, dt_max: 0 < dt_min <= dt_max; log dt is drawn uniformly in [log dt_min, log dt_max].
            dt_min == dt_max gives one fixed step for all channels.
        disc: 'zoh' (default) or 'bilinear'.
        lr: learning rate of the SSM parameters (log_dt, log_A_real, A_imag); None = the base lr;
            0 = frozen (a buffer). A mapping {name: lr} sets them one by one; names are
            'log_dt', 'log_A_real', 'A_imag', 'C' ('C' defaults to the base lr with weight decay).
        C_init: optional complex (or real) tensor c(H N) for C, finite; default complex normal, variance 1.
        mode: 'fast' (default: blocked Vandermonde, memory O(H N sqrt L)) or 'reference' (the readable
            Vandermonde tensor, memory O(H N L)). Both compute the same kernel; tests compare them.

    Parameters (all real; complex values are built in `ssm()`):
        log_dt r(H), log_A_real r(H N) with Re(A) = -exp(log_A_real) < 0, A_imag r(H N),
        C r(H N 2) (real and imaginary parts of C). Created in torch's default dtype; `.double()`, `.half()`
        and `.to(torch.bfloat16)` work: half-type kernels are computed in float32 (reference) or float64
        (fast) and returned in the parameters' dtype.
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
        lrs = learning_rates(lr, SSM_PARAMS, ALL_PARAMS)

        A = self._initial_A(init, H, N, alpha)  # c(H N), complex128
        if not bool((A.real < 0).all()):
            raise ValueError("init: every eigenvalue must have a negative real part (a stable system)")
        log_dt = torch.rand(H, dtype=torch.float64) * (math.log(dt_max) - math.log(dt_min)) + math.log(dt_min)
        C = torch.randn(H, N, dtype=torch.complex64) if C_init is None else self._initial_C(C_init, H, N)

        dtype = torch.get_default_dtype()
        register(self, "log_dt", log_dt.to(dtype), lrs["log_dt"])
        register(self, "log_A_real", torch.log(-A.real).to(dtype), lrs["log_A_real"])
        register(self, "A_imag", A.imag.to(dtype), lrs["A_imag"])
        if lrs["C"] is None:
            self.C = nn.Parameter(torch.view_as_real(C).to(dtype).contiguous())
        else:  # a tagged C: its own lr, weight decay as for untagged weights is not applied
            register(self, "C", torch.view_as_real(C).to(dtype).contiguous(), lrs["C"])
        for name, what in (("log_A_real", "init"), ("A_imag", "init"), ("C", "C_init")):  # e.g. 1e39 in float32
            if not bool(torch.isfinite(getattr(self, name)).all()):
                raise ValueError(f"{what}: values too large for the parameters' dtype {dtype} ({name} overflows)")

        self._warn_if_aliasing(A.imag.abs().max().item() * dt_max)

    # -- construction helpers --------------------------------------------------------------------
    @staticmethod
    def _initial_A(init, H: int, N: int, alpha: float) -> torch.Tensor:
        """c(H N) complex128 eigenvalues from a name or a complex tensor c(N) / c(H N) (finite)."""
        if isinstance(init, str) and init in RANDOM_RULES:  # one draw per channel, torch's global generator
            return random_init(init, N, H=H, alpha=alpha)
        if isinstance(init, str):
            return init_A(init, N, alpha=alpha).expand(H, N).clone()
        if isinstance(init, torch.Tensor) and init.is_complex():
            A = init.to(torch.complex128)
            if A.shape == (N,):
                A = A.expand(H, N)
            if A.shape != (H, N):
                raise ValueError(f"init tensor must have shape ({N},) or ({H}, {N}), got {tuple(init.shape)}")
            _check_finite(init=A)
            return torch.complex(A.real, alpha * A.imag).clone()
        raise ValueError(f"init must be one of {', '.join(repr(n) for n in (*INITS, *RANDOM_RULES))} or a complex "
                         f"tensor, got {init!r}")

    @staticmethod
    def _initial_C(C_init, H: int, N: int) -> torch.Tensor:
        """c(H N) complex128 from a finite numeric tensor (or nested list) of shape (H, N)."""
        try:
            C = torch.as_tensor(C_init)
        except (TypeError, ValueError, RuntimeError):  # e.g. a string
            C = None
        if C is None or C.dtype == torch.bool:
            raise ArgumentTypeError(f"C_init must be a complex (or real) tensor c({H} {N}), got {C_init!r:.80}")
        if C.shape != (H, N):
            raise ValueError(f"C_init must have shape ({H}, {N}), got {tuple(C.shape)}")
        C = C.to(torch.complex128)
        _check_finite(C_init=C)
        return C

    def _warn_if_aliasing(self, worst: float) -> None:
        if worst > math.pi:
            effect = ("alias (they fold back into [-pi, pi])" if self.disc == "zoh"
                      else "are squeezed towards pi by the bilinear warp 2 arctan(dt y / 2)")
            warnings.warn(
                f"max|Im(a_j)| * dt_max = {worst:.3g} exceeds pi (a_j as initialized, alpha included): the "
                f"fastest modes oscillate faster than the Nyquist frequency of the sampled signal and {effect}",
                AliasingWarning,
                stacklevel=3,
            )

    # -- the system --------------------------------------------------------------------------------
    def ssm(self, dtype: Optional[torch.dtype] = None) -> Dict[str, torch.Tensor]:
        """Continuous-time parameters: {'A': c(H N), 'C': c(H N), 'dt': r(H)} (differentiable).

        dtype: the real dtype to compute them in, from the stored parameters (default: the parameters'
        dtype; float32 for float16/bfloat16 parameters, which torch.complex does not take).
        """
        stored = self.log_dt.dtype
        if dtype is None:
            dtype = torch.float32 if stored in HALF_DTYPES else stored
        else:
            check_choice("dtype", dtype, (torch.float32, torch.float64))
        log_A_real, A_imag, C, log_dt = (p.to(dtype) for p in (self.log_A_real, self.A_imag, self.C, self.log_dt))
        A = torch.complex(-torch.exp(log_A_real), A_imag)
        return {"A": A, "C": torch.view_as_complex(C), "dt": torch.exp(log_dt)}

    def discretize(self):
        """(dA, dC), c(H N) each, with K_l = 2 Re sum_j dC_j dA_j^l (see module docstring)."""
        p = self.ssm()
        return discretize(p["A"], p["C"], p["dt"], self.disc, check=False)

    def forward(self, L: int) -> torch.Tensor:
        """The kernel K, r(H L) in the parameters' dtype, for sequence length L >= 1 (path chosen by `self.mode`)."""
        L = check_int("L", L, low=1)
        if self.mode == "fast":  # dt = exp(log dt), dt A and the discretization in float64: O(H N) work, and a
            p = self.ssm(torch.float64)  # float32 dt would cost long-memory kernels their digits at large L
            dA, dC = discretize(p["A"], p["C"], p["dt"], self.disc, check=False)
            log_dA = p["dt"][:, None] * p["A"] if self.disc == "zoh" else None  # zoh: log dA = dt A exactly
            return blocked_vandermonde_kernel(dA, dC, L, dtype=self.log_dt.dtype, log_dA=log_dA, check=False)
        dA, dC = self.discretize()
        return vandermonde_kernel(dA, dC, L, check=False).to(self.log_dt.dtype)

    def extra_repr(self) -> str:
        return (f"d_model={self.d_model}, d_state={self.d_state}, alpha={self.alpha}, disc={self.disc!r}, "
                f"mode={self.mode!r}")
