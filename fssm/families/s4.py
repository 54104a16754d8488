r"""S4: the DPLR kernel of HiPPO-LegS, by the Cauchy kernel and the Woodbury identity (book Part V).

Gu, Goel and Re, "Efficiently Modeling Long Sequences with Structured State Spaces", ICLR 2022.

The system and its conventions
------------------------------
HiPPO-LegS of real state size 2N is normal plus low rank (NPLR):

    A_legs = S - P P^T,   P_n = sqrt(n + 1/2),   B_n = sqrt(2n + 1),   S = -1/2 I + (skew-symmetric).

S is normal with eigenvalues -1/2 +- i y_j in conjugate pairs. With V1 c(2N N) the unit eigenvectors of the
N eigenvalues Lambda_j = -1/2 + i y_j, y_j > 0 (the same N that `fssm.init.legs` returns, sorted by y), the
unitary V = [V1, conj(V1)] diagonalizes S, and in the basis x = V^* x_legs the system is diagonal plus low
rank (DPLR):

    A = diag(Lambda, conj Lambda) - p p^*,   p = V^* P = [p; conj p],   B = V^* B_legs = [b; conj b],
    C = C_legs V = [c, conj c]            (p_j = (V1^* P)_j, b_j = (V1^* B_legs)_j).

Like fssm's S4D, N = `d_state` counts *complex modes* and the real state size is 2N (S4's own code calls
2N its N and keeps N/2 modes). A mode and its conjugate are not independent here: the rank-one term p p^*
couples them (A_{j, N+k} = -p_j p_k), so the system is *not* 2 Re of an N x N complex system. Only the N
values per vector (Lambda, p, b, c) are stored; every sum over the 2N modes is written as a sum over the
N modes of a term plus its conjugate partner (the "symmetric" Cauchy kernel of S4). `S4Kernel.ssm()` returns
the dense 2N x 2N system above; it equals V^* A_legs V at initialization (alpha = 1, tested), and its
eigenvalues are those of HiPPO-LegS, -1, -2, ..., -2N. alpha multiplies Im(Lambda) (mechanism 1 of the
book) and leaves p, b, c as they are.

The kernel (bilinear, S4's discretization)
------------------------------------------
K_l = C Abar^l Bbar (a real number), Abar = (I - dt/2 A)^{-1} (I + dt/2 A), Bbar = (I - dt/2 A)^{-1} dt B.
Its truncated generating function at the L-th roots of unity z_k = exp(-2 pi i k/L) is, since z_k^L = 1,

    sum_{l<L} K_l z^l = C~ (I - z Abar)^{-1} Bbar = dt C~ [(1 - z) I - (dt/2)(1 + z) A]^{-1} B,
    C~ = C (I - Abar^L),                                                                           (1)

and with A = Lambda - p p^* the Woodbury identity gives, for x^T M^{-1} y with M = a I - b A (a = 1 - z,
b = dt (1 + z)/2; a = i s, b = 1 for the transfer function),

    x^T M^{-1} y = k_xy - b k_xp k_py / (1 + b k_pp),   k_uv = sum_{2N modes} u_m v_m / (a - b lambda_m),   (2)

where each k is a Cauchy kernel; over the conjugate-symmetric vectors it is
sum_j [w_j / (a - b Lambda_j) + conj(w_j) / (a - b conj(Lambda_j))] with w = u v over the N stored modes.
(S4 divides by b and writes 1/(g(z) - lambda) with g = (2/dt)(1 - z)/(1 + z); the form a - b lambda is the
same Cauchy kernel without the pole of g at z = -1.) An inverse real FFT of the L/2 + 1 values gives K.
C~ needs Abar^L: it is computed on the fly in float64 by repeated squaring of the dense Abar, O(H N^3 log L)
work, independent of L otherwise, and differentiated through (S4 instead stores C~ as its parameter).

ZOH has no such closed form with the low-rank term (exp(dt (Lambda - p p^*)) is not DPLR), so disc='zoh'
runs the dense path: Abar = expm(dt A), Bbar from the matrix exponential of [[A, B], [0, 0]] dt, and
K_l = C Abar^l Bbar by Krylov doubling in blocks of about sqrt(L) (memory O(H N sqrt L), work O(H N^2 L)).
The dense path also serves bilinear as a reference (`mode='dense'`); the tests check both against an
independently built real 2N-state system and its impulse response.

This module maps parameters to a kernel and never sees the input; `S4Layer` reuses `fssm.layer.S4DLayer`
(FFT convolution, Sobolev filter, skip, activation, mixing) with an `S4Kernel` in place of its S4D kernel.
"""
from __future__ import annotations

import math
import warnings
from typing import Dict, Mapping, Optional, Union

import torch
from torch import nn

from ..init import hippo_legs, legs as legs_eigenvalues, scale_imag
from ..kernel import HALF_DTYPES, AliasingWarning, S4DKernel
from ..layer import S4DLayer
from ..utils import check_choice, check_input, check_int, check_real, learning_rates, register

__all__ = [
    "S4Kernel",
    "S4Layer",
    "legs_nplr",
    "dplr_dense",
    "discretize_dense",
    "cauchy",
    "dplr_resolvent",
    "dense_kernel",
]

INITS = ("legs",)
DISCRETIZATIONS = ("zoh", "bilinear")
MODES = ("cauchy", "dense")
SSM_PARAMS = ("log_dt", "log_Lambda_real", "Lambda_imag", "P", "B")  # the ones `lr=<float>` applies to (as in S4)
ALL_PARAMS = SSM_PARAMS + ("C",)


# ----------------------------------------------------------------------------- the NPLR form of HiPPO-LegS
def legs_nplr(N: int) -> Dict[str, torch.Tensor]:
    r"""The DPLR form of HiPPO-LegS of real size 2N, with N complex modes (module docstring).

    Returns complex128 tensors {'Lambda': c(N) = -1/2 + i y (y > 0, ascending, exactly `fssm.init.legs(N)`),
    'P': c(N) = V1^* P, 'B': c(N) = V1^* B_legs, 'V': c(2N N) = V1}, such that with V = [V1, conj V1]
    (unitary), V diag(Lambda, conj Lambda) V^* - P P^T = `fssm.init.hippo_legs(2N)`.
    """
    N = check_int("d_state", N, low=1)
    n = torch.arange(2 * N, dtype=torch.float64)
    P, B = torch.sqrt(n + 0.5), torch.sqrt(2 * n + 1)
    S = hippo_legs(2 * N) + P[:, None] * P[None, :]  # normal: -1/2 I + skew
    # -i (skew part) is Hermitian: eigh gives real y and orthonormal eigenvectors, in ascending y
    y, V = torch.linalg.eigh(-0.5j * (S - S.T).to(torch.complex128))
    V1 = V[:, y > 0]
    Lambda = legs_eigenvalues(N)  # the same eigenvalues, from fssm.init (the one place that defines the init)
    if V1.shape[1] != N or not torch.allclose(Lambda.imag, y[y > 0], rtol=1e-10, atol=1e-10):
        raise RuntimeError("legs_nplr: the eigenvectors do not pair with fssm.init.legs's eigenvalues")
    Vh = V1.conj().T
    return {"Lambda": Lambda, "P": Vh @ P.to(V1.dtype), "B": Vh @ B.to(V1.dtype), "V": V1}


# ----------------------------------------------------------------------------- dense system (reference)
def dplr_dense(Lambda: torch.Tensor, P: torch.Tensor, B: torch.Tensor, C: torch.Tensor):
    r"""The dense 2N-mode system of the DPLR parameters, conjugate modes explicit (module docstring).

    Lambda, P, B, C: c(H N). Returns (A c(H 2N 2N), B c(H 2N), C c(H 2N)) with
    A = diag(Lambda, conj Lambda) - [P; conj P][P; conj P]^*, B = [B; conj B], C = [C, conj C];
    C (sI - A)^{-1} B is real for real s and the kernel C Abar^l Bbar is real.
    """
    def full(v):  # c(H N) -> c(H 2N): a mode, then its conjugate partner
        return torch.cat([v, v.conj()], dim=-1)

    p = full(P)
    A = torch.diag_embed(full(Lambda)) - p[..., :, None] * p.conj()[..., None, :]
    return A, full(B), full(C)


def discretize_dense(A: torch.Tensor, B: torch.Tensor, dt: torch.Tensor, disc: str = "bilinear"):
    r"""Discretize a dense system: A c(H M M), B c(H M), dt r(H) > 0 -> (Abar c(H M M), Bbar c(H M)).

    bilinear: Abar = (I - dt/2 A)^{-1} (I + dt/2 A), Bbar = (I - dt/2 A)^{-1} dt B.
    zoh: Abar = expm(dt A), Bbar = int_0^dt expm(t A) dt B, both read off expm(dt [[A, B], [0, 0]]) (no A^{-1}).
    """
    check_choice("disc", disc, DISCRETIZATIONS)
    H, M = B.shape
    dt = dt.to(A.dtype)[:, None, None]  # c(H 1 1)
    if disc == "bilinear":
        eye = torch.eye(M, dtype=A.dtype, device=A.device)
        left = eye - 0.5 * dt * A
        return torch.linalg.solve(left, eye + 0.5 * dt * A), torch.linalg.solve(left, dt[..., 0] * B)
    top = torch.cat([A, B[..., None]], dim=-1)  # c(H M M+1)
    bottom = torch.zeros(H, 1, M + 1, dtype=A.dtype, device=A.device)
    aug = torch.cat([top, bottom], dim=-2) * dt  # c(H M+1 M+1) = dt [[A, B], [0, 0]]
    E = torch.linalg.matrix_exp(aug)
    return E[:, :M, :M], E[:, :M, M]


def _krylov(M: torch.Tensor, x: torch.Tensor, n: int) -> torch.Tensor:
    """[x, M x, ..., M^{n-1} x] by doubling: M c(H D D), x c(H D) -> c(H D n) (log2 n matrix squarings)."""
    X, power = x[..., None], M
    while X.shape[-1] < n:
        X = torch.cat([X, power @ X], dim=-1)
        if X.shape[-1] < n:
            power = power @ power
    return X[..., :n]


def _row_times_power(row: torch.Tensor, M: torch.Tensor, n: int) -> torch.Tensor:
    """row M^n by binary exponentiation: row c(H D), M c(H D D), n >= 0 -> c(H D)."""
    out, power = row[:, None, :], M
    while n:
        if n & 1:
            out = out @ power
        n >>= 1
        if n:
            power = power @ power
    return out[:, 0, :]


def dense_kernel(Abar: torch.Tensor, Bbar: torch.Tensor, C: torch.Tensor, L: int) -> torch.Tensor:
    r"""K_l = Re(C Abar^l Bbar), l < L, of any dense discrete system: Abar c(H M M), Bbar c(H M), C c(H M) -> r(H L).

    Blocked: with l = b T + r, T ~ sqrt(L), K[bT + r] = (C Abar^{bT}) . (Abar^r Bbar); both factors come from
    Krylov doubling (`_krylov`), and one batched product over the M states fills the (nb, T) block grid.
    """
    L = check_int("L", L, low=1)
    T = math.isqrt(L - 1) + 1  # T * T >= L
    nb = -(-L // T)
    Q = _krylov(Abar, Bbar, T)  # c(H M T): Abar^r Bbar
    R = _krylov(torch.linalg.matrix_power(Abar, T).transpose(-1, -2), C, nb)  # c(H M nb): (C Abar^{bT})^T
    K = torch.einsum("hmb,hmr->hbr", R, Q).reshape(Abar.shape[0], nb * T)
    return K[:, :L].real


# ----------------------------------------------------------------------------- Cauchy kernel and Woodbury
def cauchy(w: torch.Tensor, a: torch.Tensor, b: torch.Tensor, Lambda: torch.Tensor) -> torch.Tensor:
    r"""Symmetric Cauchy kernel: sum_j w_j/(a_k - b_k Lambda_j) + conj(w_j)/(a_k - b_k conj(Lambda_j)).

    w c(H R N) (R weight vectors), a, b c(H K) or c(K) (the nodes, in homogeneous form a/b), Lambda c(H N)
    -> c(H R K). A plain broadcasted sum over the N modes: memory O(H N K), no custom kernel.
    """
    a = a.expand(Lambda.shape[0], -1)[:, None, :]  # c(H 1 K)
    b = b.expand(Lambda.shape[0], -1)[:, None, :]
    lam = Lambda[:, :, None]  # c(H N 1)
    return (torch.einsum("hrn,hnk->hrk", w, 1.0 / (a - b * lam))
            + torch.einsum("hrn,hnk->hrk", w.conj(), 1.0 / (a - b * lam.conj())))


def dplr_resolvent(x: torch.Tensor, y: torch.Tensor, P: torch.Tensor, Lambda: torch.Tensor,
                   a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    r"""x (a I - b A)^{-1} y for A = diag(Lambda, conj Lambda) - p p^*, by the Woodbury identity, eq. (2).

    x, y, P, Lambda: c(H N), the first halves of the conjugate-symmetric vectors x = [x, conj x],
    y = [y; conj y], p = [P; conj P]. a, b: c(H K) or c(K). Returns c(H K):
    k_xy - b k_xp k_py / (1 + b k_pp), each k a symmetric Cauchy kernel (`cauchy`).
    """
    w = torch.stack([x * y, x * P, P.conj() * y, P.conj() * P], dim=1)  # c(H 4 N)
    k = cauchy(w, a, b, Lambda)  # c(H 4 K)
    b = b.expand(Lambda.shape[0], -1)
    return k[:, 0] - b * k[:, 1] * k[:, 2] / (1.0 + b * k[:, 3])


def _roots_of_unity_nodes(L: int, dt: torch.Tensor):
    """a = 1 - z, b = dt (1 + z)/2 at z_k = exp(-2 pi i k/L), k = 0..L//2: c(K), c(H K), from dt r(H) (float64).

    Half-angle forms, 1 - z = 2 sin^2(t/2) + i sin t and 1 + z = 2 cos^2(t/2) - i sin t, keep the digits of
    1 - z near z = 1 (the low frequencies) that 1 - exp(-i t) would cancel.
    """
    t = torch.arange(L // 2 + 1, dtype=torch.float64, device=dt.device) * (2 * math.pi / L)
    s, h = torch.sin(t), torch.sin(0.5 * t)
    a = torch.complex(2 * h ** 2, s)
    b = 0.5 * dt.to(torch.float64)[:, None] * torch.complex(2 - 2 * h ** 2, -s)
    return a, b


# ----------------------------------------------------------------------------- the kernel module
class S4Kernel(nn.Module):
    r"""S4 (DPLR) convolution kernel of HiPPO-LegS, book Part V (module docstring).

    Args:
        d_model: H, number of independent channels (int >= 1).
        d_state: N, complex modes per channel (int >= 1); the real state size is 2N (HiPPO-LegS of size 2N).
        init: 'legs' (the NPLR form of HiPPO-LegS, `legs_nplr`).
        alpha: > 0, multiplies Im(Lambda) at initialization (mechanism 1). Default 1.
        dt_min, dt_max: 0 < dt_min <= dt_max; log dt uniform in [log dt_min, log dt_max].
        disc: 'bilinear' (default, S4's) or 'zoh'.
        lr: learning rate of the SSM parameters (log_dt, log_Lambda_real, Lambda_imag, P, B, as S4 tags them);
            None = the base lr; 0 = frozen (a buffer). A mapping {name: lr} sets them one by one; names are
            those and 'C' ('C' defaults to the base lr with weight decay).
        C_init: optional complex (or real) tensor c(H N) for c (the first half of C = [c, conj c]); default
            complex normal, variance 1.
        mode: 'cauchy' (Cauchy kernel + Woodbury, eq. (1)-(2); bilinear only) or 'dense' (dense matrix powers;
            the only one for zoh). None (default) picks 'cauchy' for bilinear and 'dense' for zoh.

    Parameters (all real, created in torch's default dtype; complex values are built in `dplr()`):
        log_dt r(H); log_Lambda_real r(H N), Re(Lambda) = -exp(log_Lambda_real) < 0; Lambda_imag r(H N);
        P, B, C r(H N 2) (real and imaginary parts of p, b, c). Re(A + A^*)/2 = diag(Re Lambda) - p p^* < 0,
        so every eigenvalue of A has Re < 0 for any p: the system stays stable during training.
    """

    def __init__(
        self,
        d_model: int,
        d_state: int = 64,
        init: str = "legs",
        alpha: float = 1.0,
        dt_min: float = 1e-3,
        dt_max: float = 1e-1,
        disc: str = "bilinear",
        lr: Union[None, float, Mapping[str, Optional[float]]] = None,
        C_init: Optional[torch.Tensor] = None,
        mode: Optional[str] = None,
    ):
        super().__init__()
        H = check_int("d_model", d_model, low=1)
        N = check_int("d_state", d_state, low=1)
        check_choice("init", init, INITS)
        alpha = check_real("alpha", alpha, low=0.0, low_open=True)
        dt_min = check_real("dt_min", dt_min, low=0.0, low_open=True)
        dt_max = check_real("dt_max", dt_max, low=0.0, low_open=True)
        if dt_min > dt_max:
            raise ValueError(f"dt_min must be <= dt_max, got dt_min={dt_min} > dt_max={dt_max}")
        self.disc = check_choice("disc", disc, DISCRETIZATIONS)
        self.mode = self._mode(mode, self.disc)
        self.d_model, self.d_state, self.alpha = H, N, alpha
        lrs = learning_rates(lr, SSM_PARAMS, ALL_PARAMS)

        nplr = legs_nplr(N)
        Lambda = scale_imag(nplr["Lambda"], alpha).expand(H, N)  # c(H N)
        log_dt = torch.rand(H, dtype=torch.float64) * (math.log(dt_max) - math.log(dt_min)) + math.log(dt_min)
        C = torch.randn(H, N, dtype=torch.complex64) if C_init is None else S4DKernel._initial_C(C_init, H, N)

        dtype = torch.get_default_dtype()

        def real_view(v):  # c(H N) -> r(H N 2) in the parameters' dtype
            return torch.view_as_real(v.to(torch.complex128)).to(dtype).contiguous()

        register(self, "log_dt", log_dt.to(dtype), lrs["log_dt"])
        register(self, "log_Lambda_real", torch.log(-Lambda.real).to(dtype).contiguous(), lrs["log_Lambda_real"])
        register(self, "Lambda_imag", Lambda.imag.to(dtype).contiguous(), lrs["Lambda_imag"])
        register(self, "P", real_view(nplr["P"].expand(H, N)), lrs["P"])
        register(self, "B", real_view(nplr["B"].expand(H, N)), lrs["B"])
        if lrs["C"] is None:
            self.C = nn.Parameter(real_view(C))
        else:
            register(self, "C", real_view(C), lrs["C"])
        if not bool(torch.isfinite(self.C).all()):
            raise ValueError(f"C_init: values too large for the parameters' dtype {dtype} (C overflows)")
        # the same warning as S4DKernel's (it reads only self.disc): modes above the Nyquist frequency
        S4DKernel._warn_if_aliasing(self, Lambda.imag.abs().max().item() * dt_max)

    # -- construction helpers --------------------------------------------------------------------
    @staticmethod
    def _mode(mode: Optional[str], disc: str) -> str:
        if mode is None:
            return "cauchy" if disc == "bilinear" else "dense"
        check_choice("mode", mode, MODES)
        if mode == "cauchy" and disc == "zoh":
            raise ValueError("mode='cauchy' needs disc='bilinear': with the low-rank term, exp(dt A) has no "
                             "Cauchy/Woodbury form; use mode='dense' (or mode=None) for disc='zoh'")
        return mode

    # -- the system --------------------------------------------------------------------------------
    def _compute_dtype(self, dtype: Optional[torch.dtype]) -> torch.dtype:
        if dtype is None:
            stored = self.log_dt.dtype
            return torch.float32 if stored in HALF_DTYPES else stored
        return check_choice("dtype", dtype, (torch.float32, torch.float64))

    def dplr(self, dtype: Optional[torch.dtype] = None) -> Dict[str, torch.Tensor]:
        """The stored halves: {'Lambda', 'P', 'B', 'C': c(H N), 'dt': r(H)} (differentiable).

        The system is A = diag(Lambda, conj Lambda) - p p^*, p = [P; conj P], B = [B; conj B], C = [C, conj C].
        dtype: float32 or float64 to compute in (default: the parameters'; float32 for half types).
        """
        dtype = self._compute_dtype(dtype)
        cast = {name: getattr(self, name).to(dtype) for name in ALL_PARAMS}
        return {
            "Lambda": torch.complex(-torch.exp(cast["log_Lambda_real"]), cast["Lambda_imag"]),
            "P": torch.view_as_complex(cast["P"]),
            "B": torch.view_as_complex(cast["B"]),
            "C": torch.view_as_complex(cast["C"]),
            "dt": torch.exp(cast["log_dt"]),
        }

    def ssm(self, dtype: Optional[torch.dtype] = None) -> Dict[str, torch.Tensor]:
        """The continuous system as dense complex tensors, conjugate modes explicit (module docstring):

        {'A': c(H 2N 2N), 'B': c(H 2N), 'C': c(H 2N), 'dt': r(H)}; the kernel is K_l = C Abar^l Bbar (real;
        equal to 2 Re of the sum over the first N states of C_m (Abar^l Bbar)_m) for `self.disc`.
        The 2N, not N: the rank-one term couples each mode to its conjugate (module docstring).
        dtype: float32 or float64 (default: the parameters'; float32 for half types).
        """
        p = self.dplr(dtype)
        A, B, C = dplr_dense(p["Lambda"], p["P"], p["B"], p["C"])
        return {"A": A, "B": B, "C": C, "dt": p["dt"]}

    def discretize(self, dtype: Optional[torch.dtype] = None):
        """(Abar c(H 2N 2N), Bbar c(H 2N)) of the dense system for `self.disc`; K_l = C Abar^l Bbar."""
        p = self.ssm(dtype)
        return discretize_dense(p["A"], p["B"], p["dt"], self.disc)

    def transfer_function(self, s) -> torch.Tensor:
        r"""G(is) = C (is I - A)^{-1} B of the continuous (real, 2N-state) system, by the Woodbury identity.

        s: r(S) (or a scalar) real frequencies in rad per unit time, finite; computed in s's precision (float32
        or float64; a Python number is float64). Returns c(H S); G(-is) = conj G(is). Same convention as
        `fssm.analysis.transfer_function` for S4D (which evaluates at i s too, conjugate modes included).
        """
        if not isinstance(s, torch.Tensor):
            s = torch.as_tensor(s, dtype=torch.float64)
        check_input(s.reshape(-1), "s", rank=1, device=self.log_dt.device)
        s = s.reshape(-1)
        dtype = torch.float64 if s.dtype == torch.float64 else torch.float32
        p = self.dplr(dtype)
        a = torch.complex(torch.zeros_like(s, dtype=dtype), s.to(dtype))  # c(S) = i s
        return dplr_resolvent(p["C"], p["B"], p["P"], p["Lambda"], a, torch.ones_like(a))

    # -- the kernel --------------------------------------------------------------------------------
    def forward(self, L: int) -> torch.Tensor:
        """The kernel K, r(H L) in the parameters' dtype, for sequence length L >= 1 (path: `self.mode`)."""
        L = check_int("L", L, low=1)
        K = self._cauchy_kernel(L) if self.mode == "cauchy" else self._dense_kernel(L)
        return K.to(self.log_dt.dtype)

    def _dense_kernel(self, L: int) -> torch.Tensor:
        """K_l = C Abar^l Bbar from the dense system, in float64 (`dense_kernel`)."""
        p = self.ssm(torch.float64)
        Abar, Bbar = discretize_dense(p["A"], p["B"], p["dt"], self.disc)
        return dense_kernel(Abar, Bbar, p["C"], L)

    def _cauchy_kernel(self, L: int) -> torch.Tensor:
        """Bilinear kernel by eq. (1)-(2): C~ in float64, the Cauchy sums in the compute dtype, one irfft."""
        p = self.dplr(torch.float64)
        A, B, C = dplr_dense(p["Lambda"], p["P"], p["B"], p["C"])
        Abar, _ = discretize_dense(A, B, p["dt"], "bilinear")
        N = self.d_state
        C_tilde = (C - _row_times_power(C, Abar, L))[:, :N]  # c(H N): first half of C (I - Abar^L)
        a, b = _roots_of_unity_nodes(L, p["dt"])  # c(K), c(H K)
        cdtype = torch.complex128 if self._compute_dtype(None) == torch.float64 else torch.complex64
        q = {name: p[name].to(cdtype) for name in ("Lambda", "P", "B")}
        K_f = dplr_resolvent(C_tilde.to(cdtype), q["B"], q["P"], q["Lambda"], a.to(cdtype), b.to(cdtype))
        K_f = p["dt"].to(K_f.real.dtype)[:, None] * K_f  # c(H L//2+1) = sum_l K_l z_k^l
        return torch.fft.irfft(K_f, n=L)

    def extra_repr(self) -> str:
        return (f"d_model={self.d_model}, d_state={self.d_state}, alpha={self.alpha}, disc={self.disc!r}, "
                f"mode={self.mode!r}")


# ----------------------------------------------------------------------------- the layer
class S4Layer(S4DLayer):
    r"""`fssm.layer.S4DLayer` with an `S4Kernel`: the same FFT convolution, Sobolev filter (beta), D skip,
    bidirectional option, activation, dropout and mixing; only the kernel differs.

    Args:
        d_model: H channels (int >= 1); input and output r(B H L).
        d_state: N complex modes per channel (real state 2N). Default 64.
        alpha: > 0, scales Im(Lambda) at init. Default 1.
        init, disc, dt_min, dt_max, lr: passed to `S4Kernel` (disc defaults to 'bilinear', S4's).
        kernel_kwargs: further `S4Kernel` arguments (C_init, mode), a mapping without those above.
        **layer_kwargs: the other arguments of `S4DLayer` (beta, learn_beta, bidirectional, dropout, beta_lr,
            sobolev_scale, sobolev_mode, activation, mixing, D), with their meaning and defaults there.
    """

    def __init__(self, d_model: int, d_state: int = 64, alpha: float = 1.0, *, init: str = "legs",
                 disc: str = "bilinear", dt_min: float = 1e-3, dt_max: float = 1e-1,
                 lr: Union[None, float, Mapping[str, Optional[float]]] = None,
                 kernel_kwargs: Optional[dict] = None, **layer_kwargs):
        kernel_kwargs = S4DLayer._kernel_kwargs(kernel_kwargs)  # a mapping without the layer's own arguments
        # S4DLayer checks and builds everything but the kernel; its small S4D kernel is replaced right after
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AliasingWarning)
            super().__init__(d_model, 1, alpha=alpha, disc=disc, dt_min=dt_min, dt_max=dt_max, **layer_kwargs)
        self.kernel = S4Kernel(self.d_model * (2 if self.bidirectional else 1), d_state, init=init, alpha=alpha,
                               dt_min=dt_min, dt_max=dt_max, disc=disc, lr=lr, **kernel_kwargs)
