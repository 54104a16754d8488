r"""The selective scan (S6) of Mamba and a selective SSM mixer (book Part V).

Gu and Dao, "Mamba: Linear-Time Sequence Modeling with Selective State Spaces", 2023 (arXiv:2312.00752).

The selective scan. Per channel h and mode n, with an input-dependent step delta_t and input-dependent
B_t, C_t (shared by the channels, one value per token):

    x_t = exp(delta_t a_n) x_{t-1} + delta_t B_t u_t,    x_{-1} = 0,                       (S6)
    y_t = Re(<C_t, x_t>) + D u_t,                         <C, x> = sum_n C_n x_n.

A is discretized with ZOH (exp(delta a)), B with Euler (delta B), as in Mamba. The product <C, x> does not
conjugate (Mamba's complex variant multiplies the same way). Convention: y takes Re of the sum over the N
stored modes, exactly as written above, *not* 2 Re as fssm's S4D kernel does for its implicit conjugate
partners (Mamba's reference code doubles the real part for complex A). The factor 2 is a scale of C; a
learned C absorbs it, and `frozen_kernel` uses the same convention, so everything here is consistent.
`selective_scan` computes (S6) with the parallel scan `fssm.families.scan.linear_scan` (a = exp(delta A),
b = delta B u, c/r(B H N L)); `selective_scan_reference` is the readable loop over time it is tested against.

What "frequency response" means here. (S6) is linear in u for *given* (delta, B, C), but these depend on
u, so there is no transfer function. Freezing them at values (delta r(H), B, C r/c(N)) -- one token's, or
the values at initialization -- gives an LTI system with kernel and response

    K_l = Re(sum_n C_n exp(delta a_n)^l delta B_n),                                          (frozen)
    K^(omega) = sum_l K_l e^{-i omega l} = 1/2 sum_n [c_n / (1 - z_n e^{-i omega}) + conj],
    with c_n = C_n delta B_n and poles z_n = exp(delta a_n).

The frozen system at token t is the system that maps the input to y near t while delta, B, C stay close
to their values at t (exactly the system, if they are constant). Frequency bias then means what it means
for S4D, per frozen system: the response is large where the discrete poles z_n sit, at omega_n =
delta Im(a_n) rad/sample. With real A (Mamba's S4D-Real, a_n = -(n+1)) every pole is real and positive:
each mode is a first-order low-pass (with B_n C_n > 0, as for B = C = 1, Re K^ decreases on [0, pi]); no
mode sits at a high frequency, and alpha has nothing to scale. With complex A (S4D-Lin,
a_n = -1/2 + i alpha pi n) the modes sit at omega_n = delta alpha pi n: alpha moves them up, as in S4D.
New in S6: delta is selected per token, so the selection rescales the frequency axis token by token (a
large delta moves every mode up and forgets fast; a small one holds the state). At initialization
delta = softplus(dt_bias) on a zero input, log-uniform in [dt_min, dt_max] across channels:
`SelectiveSSM.frozen_transfer()` with its defaults is the bias at init.

beta (the Sobolev filter). S6 has no convolution form, so the weight cannot act on a kernel's spectrum.
What carries over is the pre-emphasis of the input (`sobolev_preemphasis`): u^ is multiplied by
w_k = (1 + k/M)^beta on the zero-padded FFT grid of `fssm.layer.fft_conv` (its 'input' mode), cut back
to the L causal samples, and the scan runs on that. For a frozen (LTI) system this is the filter on the
kernel of `fft_conv`, except for the share that the zero-phase weight spreads to negative times, which a
causal scan cannot see (the tests account for it exactly; at beta = 1 it is ~2% of the output at L = 32,
~0.2% at L = 1024). For the selective system it
reshapes what the model sees -- high frequencies amplified (beta > 0) or damped (beta < 0) before the
scan -- not the model's own response; delta, B and C are selected from the unfiltered u, and the D skip
sees u unfiltered (as in `fft_conv`'s 'input' mode).
"""
from __future__ import annotations

import math
import warnings
from typing import Dict, Mapping, Optional, Tuple, Union

import torch
import torch.nn.functional as F
import torch.utils.checkpoint
from torch import nn

from ..init import init_A
from ..kernel import HALF_DTYPES, AliasingWarning, blocked_vandermonde_kernel
from ..layer import fft_conv, sobolev_weight
from ..utils import (ArgumentTypeError, check_bool, check_choice, check_finite, check_input, check_int, check_real,
                     learning_rates, register)
from .scan import linear_scan

__all__ = [
    "selective_scan",
    "selective_scan_reference",
    "frozen_kernel",
    "frozen_transfer",
    "sobolev_preemphasis",
    "SelectiveSSM",
]

MODES = ("scan", "reference")
SSM_PARAMS = ("dt_bias", "log_A_real", "A_imag")  # what `lr=<float>` applies to, as S4DKernel's lr


# ----------------------------------------------------------------------------- argument checks
def _check_matrix(name: str, x, rows: Optional[int] = None, what: str = "(H, N)") -> torch.Tensor:
    """A real floating or complex tensor of rank 2 (`rows` rows if given), else a ValueError naming it."""
    if not isinstance(x, torch.Tensor):
        raise ArgumentTypeError(f"{name} must be a torch.Tensor {what}, got {type(x).__name__}")
    if not (x.is_complex() or x.is_floating_point()):
        raise ValueError(f"{name} must be a real floating or complex tensor {what}, got dtype {x.dtype}")
    if x.dim() != 2 or (rows is not None and x.shape[0] != rows):
        raise ValueError(f"{name} must have shape {what} with H={rows}, got {tuple(x.shape)}")
    return x


def _check_selection(name: str, x, shape: Tuple[int, int, int]) -> torch.Tensor:
    """B or C: a real floating or complex tensor of shape (B, N, L) = `shape`, else a ValueError."""
    if not isinstance(x, torch.Tensor):
        raise ArgumentTypeError(f"{name} must be a torch.Tensor (B, N, L), got {type(x).__name__}")
    if not (x.is_complex() or x.is_floating_point()):
        raise ValueError(f"{name} must be a real floating or complex tensor (B, N, L), got dtype {x.dtype}")
    if tuple(x.shape) != tuple(shape):
        raise ValueError(f"{name} must have shape (B, N, L) = {tuple(shape)}, got {tuple(x.shape)}")
    return x


def _check_stable(A: torch.Tensor, name: str = "A") -> None:
    re = A.real if A.is_complex() else A
    if not bool((re <= 0).all()):
        raise ValueError(f"{name} must have Re <= 0 (a stable system), got max Re({name}) = {re.max().item():.3g}")


def _check_nonnegative(delta: torch.Tensor, name: str = "delta") -> None:
    if not bool((delta >= 0).all()):
        raise ValueError(f"{name} must be >= 0 (a step size), got min({name}) = {delta.min().item():.3g}")


def _check_scan_args(u, delta, A, B, C, D, check: bool):
    """The checks of `selective_scan` and its reference; returns N."""
    check_input(u, "u", rank=3, finite=check, shape="(B, H, L)")
    Bsz, H, L = u.shape
    check_input(delta, "delta", rank=3, finite=check, shape="(B, H, L)")
    if delta.shape != u.shape:
        raise ValueError(f"delta must have the shape of u, {tuple(u.shape)}, got {tuple(delta.shape)}")
    N = _check_matrix("A", A, H).shape[1]
    _check_selection("B", B, (Bsz, N, L))
    _check_selection("C", C, (Bsz, N, L))
    if D is not None:
        check_input(D, "D", rank=1, channels=H, channel_dim=0, finite=check, shape="(H,)")
    if check:
        for name, x in (("A", A), ("B", B), ("C", C)):
            check_finite(name, x)
        _check_nonnegative(delta)
        _check_stable(A)
    return N


def _common(*xs: torch.Tensor) -> torch.dtype:
    dtype = xs[0].dtype
    for x in xs[1:]:
        dtype = torch.promote_types(dtype, x.dtype)
    return dtype


# ----------------------------------------------------------------------------- the selective scan
DEFAULT_CHUNK = 512  # time steps per chunk of `selective_scan` (bench/families.py measures the choice)


def _exp_step(delta: torch.Tensor, A: torch.Tensor) -> torch.Tensor:
    """exp(delta_t a_n), r/c(B H N T) from delta r(B H T) and A r/c(H N). Complex A as the polar form
    e^{delta Re a} (cos + i sin)(delta Im a): real exp, cos and sin are vectorized on CPUs where the complex
    exp is not (2.5x faster on the book's CPU), and the value is the same to round-off."""
    d = delta[:, :, None, :]
    if not A.is_complex():
        return torch.exp(d * A[None, :, :, None])
    return torch.polar(torch.exp(d * A.real[None, :, :, None]), d * A.imag[None, :, :, None])


def _scan_chunk(u, delta, A, B, C, x0, dtype):
    """One chunk of (S6) started from the state x0 c/r(B H N) carried in from the chunk before.

    Returns (y r/c(B H T) before Re, the last state x c/r(B H N)). x0 enters through the first step only:
    x_0 = a_0 x_{-1} + b_0, so it is folded into b_0 and the parallel scan starts from zero as usual."""
    a = _exp_step(delta, A).to(dtype)  # r/c(B H N T) = exp(delta_t a_n), ZOH
    b = ((delta * u)[:, :, None, :] * B[:, None, :, :]).to(dtype)  # r/c(B H N T) = delta_t B_t u_t, Euler
    b = torch.cat([b[..., :1] + a[..., :1] * x0[..., None], b[..., 1:]], dim=-1)
    x = linear_scan(a, b)  # r/c(B H N T)
    y = torch.einsum("bhnl,bnl->bhl", x, C.to(dtype))  # not conjugated: <C, x> = sum_n C_n x_n
    return y, x[..., -1].clone()  # a copy: a view would keep the chunk's whole x alive until the backward


def selective_scan(u: torch.Tensor, delta: torch.Tensor, A: torch.Tensor, B: torch.Tensor, C: torch.Tensor,
                   D: Optional[torch.Tensor] = None, *, check: bool = True,
                   chunk: Optional[int] = DEFAULT_CHUNK) -> torch.Tensor:
    r"""The selective scan (S6), module docstring, with the parallel scan `linear_scan`, chunk by chunk.

    Args:
        u: r(B H L) input.  delta: r(B H L) steps, >= 0 (Mamba: softplus of a projection of u).
        A: r(H N) or c(H N) continuous eigenvalues, Re <= 0.
        B, C: r(B N L) or c(B N L), one value per token, shared by the H channels.
        D: r(H) skip, or None.
        check: check the values too (finite, delta >= 0, Re A <= 0; host syncs). `SelectiveSSM` passes
            False: its delta is a softplus and its A stable by construction.
        chunk: time steps per chunk (int >= 1), or None for one chunk of length L. The scan runs over
            chunks of `chunk` steps, each started from the last state of the one before; with autograd on,
            each chunk is recomputed in the backward (torch.utils.checkpoint), so only the inputs and one
            state r/c(B H N) per chunk are kept. This is Mamba's trade (its fused kernel keeps no states
            and recomputes them in the backward), done in PyTorch: the full r/c(B H N L) tensors of
            a = exp(delta A), b = delta B u and x never exist at once.
    Returns:
        y r(B H L) = Re(sum_n C_t,n x_t,n) + D u_t, in u's dtype (float16/bfloat16 computed in float32).
        Memory O(B H N chunk) beyond the inputs (O(B H N L) with chunk=None); work O(B H N L) (the tree scan),
        twice the forward's with autograd on (each chunk is recomputed in the backward).
    """
    N = _check_scan_args(u, delta, A, B, C, D, check)
    if chunk is not None:
        chunk = check_int("chunk", chunk, low=1)
    if u.dtype in HALF_DTYPES:  # exp and the scan in half precision lose the state's digits
        D32 = None if D is None else D.float()
        return selective_scan(u.float(), delta.float(), A, B, C, D32, check=False, chunk=chunk).to(u.dtype)
    Bsz, H, L = u.shape
    dtype = _common(A, B, C, u, delta)
    if L == 0:  # nothing to scan; keep the graph to the inputs (zero gradients)
        y = u * 0 if D is None else u * D[:, None]
        return y
    x = torch.zeros(Bsz, H, N, dtype=dtype, device=u.device)  # x_{-1} = 0
    step = L if chunk is None else min(chunk, L)
    recompute = torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in (u, delta, A, B, C))
    ys = []
    for start in range(0, L, step):
        part = slice(start, start + step)
        args = (u[..., part], delta[..., part], A, B[..., part], C[..., part], x, dtype)
        if recompute and step < L:
            y_part, x = torch.utils.checkpoint.checkpoint(_scan_chunk, *args, use_reentrant=False)
        else:
            y_part, x = _scan_chunk(*args)
        ys.append(y_part)
    y = ys[0] if len(ys) == 1 else torch.cat(ys, dim=-1)
    y = (y.real if y.is_complex() else y).to(u.dtype)
    return y if D is None else y + D[:, None] * u


def selective_scan_reference(u: torch.Tensor, delta: torch.Tensor, A: torch.Tensor, B: torch.Tensor,
                             C: torch.Tensor, D: Optional[torch.Tensor] = None) -> torch.Tensor:
    r"""Readable reference of `selective_scan`: the recurrence (S6) as a loop over the L time steps.

    Same arguments and result as `selective_scan` (values always checked); O(L) sequential steps, for
    tests and the book (in float64 it is the yardstick of the parallel scan).
    """
    _check_scan_args(u, delta, A, B, C, D, check=True)
    dtype = _common(A, B, C, u)
    x = torch.zeros(u.shape[0], *A.shape, dtype=dtype, device=u.device)  # r/c(B H N)
    ys = []
    for t in range(u.shape[-1]):
        dt = delta[:, :, t, None]  # r(B H 1)
        x = torch.exp(dt * A) * x + dt * u[:, :, t, None] * B[:, None, :, t]
        y = (C[:, None, :, t] * x).sum(-1)  # (B H), no conjugation
        ys.append(y.real if y.is_complex() else y)
    y = torch.stack(ys, dim=-1).to(u.dtype)
    return y if D is None else y + D[:, None] * u


# ----------------------------------------------------------------------------- the frozen (LTI) system
def _frozen_modes(A, delta, B, C, check: bool):
    """(log z, c) of the frozen system, c(*, H, N) each: log z = delta a, c = C delta B / 2 (so 2 Re = Re of
    the full sum), with * the broadcast of delta's, B's and C's leading dimensions."""
    A = _check_matrix("A", A)
    H, N = A.shape
    if not isinstance(delta, torch.Tensor) or delta.is_complex() or not delta.is_floating_point():
        raise ValueError(f"delta must be a real floating tensor (*, H) with H={H}, got {delta!r:.60}")
    if delta.dim() < 1 or delta.shape[-1] != H:
        raise ValueError(f"delta must have shape (*, H) with H={H} (one step per channel), got {tuple(delta.shape)}")
    for name, x in (("B", B), ("C", C)):
        if not isinstance(x, torch.Tensor) or not (x.is_complex() or x.is_floating_point()):
            raise ValueError(f"{name} must be a real floating or complex tensor (*, N) with N={N}, got {x!r:.60}")
        if x.dim() < 1 or x.shape[-1] != N:
            raise ValueError(f"{name} must have shape (*, N) with N={N} (one value per mode), got {tuple(x.shape)}")
    try:
        batch = torch.broadcast_shapes(delta.shape[:-1], B.shape[:-1], C.shape[:-1])
    except RuntimeError:
        raise ValueError(f"the leading dimensions of delta {tuple(delta.shape)}, B {tuple(B.shape)} and C "
                         f"{tuple(C.shape)} must broadcast") from None
    if check:
        for name, x in (("A", A), ("delta", delta), ("B", B), ("C", C)):
            check_finite(name, x)
        _check_nonnegative(delta)
        _check_stable(A)
    dtype = _common(A, delta, B, C)
    cdtype = torch.promote_types(dtype, torch.complex64)
    log_z = (delta[..., :, None] * A).to(cdtype).expand(*batch, H, N)  # c(* H N)
    c = 0.5 * (C * B)[..., None, :].to(cdtype) * delta[..., :, None]  # c(* H N)
    return log_z, c.expand(*batch, H, N), dtype


def frozen_kernel(A: torch.Tensor, delta: torch.Tensor, B: torch.Tensor, C: torch.Tensor, L: int, *,
                  check: bool = True) -> torch.Tensor:
    r"""Kernel of the frozen system: K_l = Re(sum_n C_n exp(delta a_n)^l delta B_n), l = 0..L-1.

    Running `selective_scan` with delta, B, C constant in time at these values is the causal convolution
    of u with K (plus D u): the identity the tests check.
    Args:
        A: r/c(H N), Re <= 0.  delta: r(*, H), >= 0, a step per channel (e.g. softplus(dt_bias), or one
            token's delta[b, :, t]).  B, C: r/c(*, N) (e.g. ones, or one token's B[b, :, t]); the leading
            dimensions * of delta, B, C broadcast.  L: int >= 1.  check: check values (host syncs).
    Returns:
        r(*, H, L) in the real dtype of the inputs' promotion. Computed by fssm.kernel's blocked
        Vandermonde product with log dA = delta A, exact powers in float64 (differentiable).
    """
    L = check_int("L", L, low=1)
    log_z, c, dtype = _frozen_modes(A, delta, B, C, check)
    *batch, H, N = log_z.shape
    real = dtype.to_real() if dtype.is_complex else dtype
    K = blocked_vandermonde_kernel(None, c.reshape(-1, N), L, dtype=real, log_dA=log_z.reshape(-1, N), check=False)
    return K.reshape(*batch, H, L)


def frozen_transfer(A: torch.Tensor, delta: torch.Tensor, B: torch.Tensor, C: torch.Tensor,
                    omega: torch.Tensor, L: Optional[int] = None, *, check: bool = True) -> torch.Tensor:
    r"""Frequency response of the frozen system, K^(omega) = sum_l K_l e^{-i omega l}, in closed form.

    K^(omega) = 1/2 sum_n [c_n (1 - q_n^L)/(1 - q_n) + conj(c_n) (1 - conj-q_n^L)/(1 - conj-q_n)],
    q_n = exp(delta a_n) e^{-i omega}, c_n = C_n delta B_n: the sum over l < L (the FFT of `frozen_kernel`
    samples it at omega = 2 pi k / n_fft), or over all l >= 0 if L is None (then every mode with c_n != 0
    must decay: Re(delta a_n) < 0). The skip D is not included (add it: the frozen layer's response is
    K^ + D).
    Args: A, delta, B, C as in `frozen_kernel`; omega r(W) rad/sample; L int >= 1 or None.
    Returns: c(*, H, W).
    """
    L = None if L is None else check_int("L", L, low=1)
    log_z, c, _ = _frozen_modes(A, delta, B, C, check)
    if not isinstance(omega, torch.Tensor) or omega.is_complex() or not omega.is_floating_point() or omega.dim() != 1:
        raise ValueError(f"omega must be a real floating tensor r(W) of frequencies in rad/sample, got {omega!r:.60}")
    check_finite("omega", omega)
    if L is None and bool(((log_z.real >= 0) & (c != 0)).any()):
        raise ValueError("L=None sums the kernel over all l >= 0, which diverges for a mode with Re(delta a) = 0 "
                         "(delta = 0 or Re a = 0): pass a finite L")
    log_q = log_z[..., None] - 1j * omega.to(log_z.real.dtype)  # c(* H N W)

    def one_sided(log_q, c):  # sum_n c_n sum_{l<L} q_n^l, the geometric sum; L terms where q_n = 1
        q = torch.exp(log_q)
        if L is None:
            return (c[..., None] / (1.0 - q)).sum(-2)
        one = log_q == 0
        num = torch.where(one, torch.full_like(q, L), 1.0 - torch.exp(L * log_q))
        den = torch.where(one, torch.ones_like(q), 1.0 - q)
        return (c[..., None] * num / den).sum(-2)

    return one_sided(log_q, c) + one_sided(log_z.conj()[..., None] - 1j * omega.to(log_z.real.dtype), c.conj())


# ----------------------------------------------------------------------------- beta: pre-emphasis
def sobolev_preemphasis(u: torch.Tensor, beta: torch.Tensor, sobolev_scale: Optional[float] = None) -> torch.Tensor:
    r"""The input with its spectrum weighted by w_k = (1 + k/M)^beta, cut back to its L causal samples.

    irfft(w * rfft(u, n_fft))[..., :L] on the zero-padded grid of `fssm.layer.fft_conv` (n_fft >= 2L, the
    same w, M = sobolev_scale, default 2L): exactly fft_conv's 'input' mode with the unit impulse as kernel.
    u r(B H L); beta r(H) or r(1), finite. Returns r(B H L). See the module docstring for what it means.
    """
    check_input(u, "u", rank=3, finite=False, shape="(B, H, L)")
    impulse = torch.zeros(1, u.shape[-1], dtype=u.dtype, device=u.device)  # r(1 L): rfft of it is exactly 1
    impulse[0, 0] = 1.0
    return fft_conv(u, impulse, beta, sobolev_scale, sobolev_mode="input")


# ----------------------------------------------------------------------------- the mixer
class SelectiveSSM(nn.Module):
    r"""A selective SSM mixer (Mamba's S6, Gu and Dao 2023) with fssm's alpha and beta controls.

    For u r(B H L):  delta = softplus(W_dt u_t + dt_bias) r(B H L), [B_t, C_t] = W_x u_t (N values each,
    shared by the channels; complex: real and imaginary parts), y = S6(u~, delta, A, B, C) + D u with
    u~ = u, or its Sobolev pre-emphasis if beta != 0 (module docstring).

    Args:
        d_model: H channels (int >= 1).  d_state: N modes per channel (int >= 1), default 16 (Mamba's).
        alpha: > 0, scales Im(A) at init (complex=True); with real A there is no Im to scale.
        complex: True (default): A complex, S4D-Lin a_n = -1/2 + i alpha pi n, B and C complex.
            False: A real, S4D-Real a_n = -(n+1), B and C real (Mamba's default).
        dt_min, dt_max: 0 < dt_min <= dt_max; dt_bias is initialized so that softplus(dt_bias) is
            log-uniform in [dt_min, dt_max] (Mamba's dt init): the step of each channel on a zero input.
        dt_rank: None (default: W_dt a full H x H matrix) or an int R >= 1: W_dt = W_up W_down through R
            dimensions, Mamba's low-rank projection (Mamba uses R = ceil(H / 16)).
        beta: Sobolev exponent of the input pre-emphasis, a finite real (fixed, a buffer r(H)); 0 skips it.
        sobolev_scale: M of (1 + k/M)^beta; None = 2L, as in `fft_conv`.
        lr: learning rate of dt_bias, log_A_real, A_imag (None = base lr, 0 = frozen buffers), or a mapping
            {name: lr} over those names; all of them, and D, are registered without weight decay.
        D: learn the skip D u (default True, init 1 as in Mamba).
        mode: 'scan' (default, the parallel scan) or 'reference' (the loop over time; for tests).

    What of Mamba's block is left out, and why: the input projection with expansion, the causal depthwise
    conv1d, the SiLU gate branch z and the output projection. The book studies the SSM's frequency response;
    the conv1d is a short FIR filter with a response of its own, and the gate multiplies in time
    (a convolution in frequency, mixing bands). Compose them around this mixer when needed.
    Parameters (torch's default dtype): dt_bias r(H), log_A_real r(H N) (Re A = -exp), A_imag r(H N)
    (complex only), D r(H); W_dt and W_x are nn.Linear weights without bias (`dt_proj`, `x_proj`).
    """

    def __init__(self, d_model: int, d_state: int = 16, alpha: float = 1.0, complex: bool = True,
                 dt_min: float = 1e-3, dt_max: float = 1e-1, dt_rank: Optional[int] = None,
                 beta: float = 0.0, sobolev_scale: Optional[float] = None,
                 lr: Union[None, float, Mapping[str, Optional[float]]] = None, D: bool = True,
                 mode: str = "scan"):
        super().__init__()
        H = check_int("d_model", d_model, low=1)
        N = check_int("d_state", d_state, low=1)
        self.alpha = check_real("alpha", alpha, low=0.0, low_open=True)
        self.complex = check_bool("complex", complex)
        dt_min = check_real("dt_min", dt_min, low=0.0, low_open=True)
        dt_max = check_real("dt_max", dt_max, low=0.0, low_open=True)
        if dt_min > dt_max:
            raise ValueError(f"dt_min must be <= dt_max, got dt_min={dt_min} > dt_max={dt_max}")
        R = H if dt_rank is None else check_int("dt_rank", dt_rank, low=1)
        beta = check_real("beta", beta)
        self.sobolev_scale = None if sobolev_scale is None else check_real("sobolev_scale", sobolev_scale,
                                                                             low=0.0, low_open=True)
        self.mode = check_choice("mode", mode, MODES)
        D = check_bool("D", D)
        lrs = {"A_imag": None, **learning_rates(
            lr, SSM_PARAMS, SSM_PARAMS if self.complex else SSM_PARAMS[:2],
            "" if self.complex else " (A_imag exists only with complex=True)")}
        self.d_model, self.d_state, self.dt_rank = H, N, dt_rank

        dtype = torch.get_default_dtype()
        A = init_A("lin" if self.complex else "real", N, alpha=self.alpha).expand(H, N)  # c(H N), complex128
        register(self, "log_A_real", torch.log(-A.real).to(dtype).contiguous(), lrs["log_A_real"], wd=0.0)
        if self.complex:
            register(self, "A_imag", A.imag.to(dtype).contiguous(), lrs["A_imag"], wd=0.0)
        register(self, "dt_bias", self._initial_dt_bias(H, dt_min, dt_max).to(dtype), lrs["dt_bias"], wd=0.0)
        self.dt_proj = self._dt_projection(H, R, dt_rank is not None)
        self.x_proj = nn.Linear(H, (4 if self.complex else 2) * N, bias=False)
        if D:
            register(self, "D", torch.ones(H, dtype=dtype), lr=None, wd=0.0)
        else:
            self.D = None
        self.register_buffer("beta", torch.full((H,), beta, dtype=dtype))
        if self.complex:
            self._warn_if_aliasing(self.alpha * math.pi * (N - 1) * dt_max)

    # -- construction helpers --------------------------------------------------------------------
    @staticmethod
    def _initial_dt_bias(H: int, dt_min: float, dt_max: float) -> torch.Tensor:
        """r(H) float64 with softplus(dt_bias) = dt, log dt uniform in [log dt_min, log dt_max] (Mamba)."""
        dt = torch.exp(torch.rand(H, dtype=torch.float64) * (math.log(dt_max) - math.log(dt_min)) + math.log(dt_min))
        return dt + torch.log(-torch.expm1(-dt))  # the inverse of softplus, accurate at small dt

    @staticmethod
    def _dt_projection(H: int, R: int, low_rank: bool) -> nn.Module:
        """W_dt without bias (dt_bias is separate); the last factor uniform in +-R^-1/2, as Mamba's dt_proj."""
        last = nn.Linear(R, H, bias=False)
        nn.init.uniform_(last.weight, -R ** -0.5, R ** -0.5)
        return nn.Sequential(nn.Linear(H, R, bias=False), last) if low_rank else last

    @staticmethod
    def _warn_if_aliasing(worst: float) -> None:
        if worst > math.pi:
            warnings.warn(
                f"alpha * pi * (d_state - 1) * dt_max = {worst:.3g} exceeds pi: at init the fastest modes "
                f"oscillate faster than the Nyquist frequency and alias (and a selected delta > dt_max moves "
                f"them further up)", AliasingWarning, stacklevel=3)

    # -- the system ----------------------------------------------------------------------------------
    def ssm(self) -> Dict[str, Optional[torch.Tensor]]:
        """{'A': r(H N) (complex=False) or c(H N), 'D': r(H) or None} (differentiable).

        A is computed in float32 for float16/bfloat16 parameters (which torch.complex does not take well;
        `selective_scan` computes half inputs in float32 anyway)."""
        half = self.log_A_real.dtype in HALF_DTYPES
        re = -torch.exp(self.log_A_real.float() if half else self.log_A_real)
        A = torch.complex(re, self.A_imag.to(re.dtype)) if self.complex else re
        return {"A": A, "D": self.D}

    def selection(self, u: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(delta r(B H L), B, C r/c(B N L)) selected from u r(B H L) (checked as in `forward`)."""
        self._check_u(u)
        v = u.transpose(1, 2)  # r(B L H): the projections act on each token's H channels
        delta = F.softplus(self.dt_proj(v) + self.dt_bias).transpose(1, 2)  # r(B H L), > 0
        bc = self.x_proj(v)  # r(B L 2N) or r(B L 4N)
        Bsz, L, N = u.shape[0], u.shape[-1], self.d_state
        if self.complex:
            bc = bc.reshape(Bsz, L, 2, N, 2)
            bc = bc.float() if bc.dtype in HALF_DTYPES else bc  # no complex bfloat16: B, C in complex64
            bc = torch.complex(bc[..., 0], bc[..., 1])  # c(B L 2 N)
        else:
            bc = bc.reshape(Bsz, L, 2, N)
        return delta, bc[:, :, 0].transpose(1, 2), bc[:, :, 1].transpose(1, 2)

    def _check_u(self, u) -> None:
        p = self.log_A_real
        check_input(u, "u", rank=3, channels=self.d_model, dtype=p.dtype, device=p.device, shape="(B, H, L)")

    @property
    def filter_active(self) -> bool:
        """True unless beta is zero in every channel (then the pre-emphasis is skipped: exactly the identity)."""
        return bool((self.beta != 0).any())

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        """u r(B H L), finite, of the parameters' dtype and device -> y r(B H L) (module docstring)."""
        delta, B, C = self.selection(u)
        v = sobolev_preemphasis(u, self.beta, self.sobolev_scale) if self.filter_active else u
        A = self.ssm()["A"]
        if self.mode == "scan":
            y = selective_scan(v, delta, A, B, C, None, check=False)
        else:
            y = selective_scan_reference(v, delta, A, B, C, None)
        return y if self.D is None else y + self.D[:, None] * u  # the skip sees u unfiltered

    # -- the frozen (LTI) system: frequency bias ---------------------------------------------------
    def _frozen_args(self, delta, B, C):
        """Defaults of the frozen system: delta = softplus(dt_bias) r(H), B = C = 1 r/c(N)."""
        A = self.ssm()["A"]
        if delta is None:
            delta = F.softplus(self.dt_bias)
        ones = torch.ones(self.d_state, dtype=A.dtype, device=A.device)
        return A, delta, ones if B is None else B, ones if C is None else C

    def frozen_kernel(self, L: int, delta: Optional[torch.Tensor] = None, B: Optional[torch.Tensor] = None,
                      C: Optional[torch.Tensor] = None) -> torch.Tensor:
        r"""`frozen_kernel` of this mixer's A: r(*, H, L), without D and the pre-emphasis.

        Defaults: delta = softplus(dt_bias) r(H), the step each channel selects on a zero input (at init
        log-uniform in [dt_min, dt_max] across channels), and B = C = 1 r/c(N). On a zero input B_t = C_t = 0
        (W_x has no bias), and at init their average over inputs of zero mean is 0, so 1 is a
        normalization: every mode weighted alike, the shape of the response set by the poles alone. Pass
        one token's values (from `selection`: delta[b, :, t], B[b, :, t], C[b, :, t]) for its frozen system.
        """
        return frozen_kernel(*self._frozen_args(delta, B, C), L)

    def frozen_transfer(self, omega: torch.Tensor, delta: Optional[torch.Tensor] = None,
                        B: Optional[torch.Tensor] = None, C: Optional[torch.Tensor] = None,
                        L: Optional[int] = None) -> torch.Tensor:
        r"""`frozen_transfer` of this mixer: c(*, H, W) at omega r(W), defaults as in `frozen_kernel`.

        With the defaults this is the frequency bias at initialization: per channel the response of the
        frozen system at the channel's initial step; over the channels it samples the log-uniform step
        distribution. Real A: low-pass in every channel; complex A: modes at omega_n = delta alpha pi n.
        """
        return frozen_transfer(*self._frozen_args(delta, B, C), omega, L)

    def frozen_layer_response(self, L: int, delta: Optional[torch.Tensor] = None,
                              B: Optional[torch.Tensor] = None, C: Optional[torch.Tensor] = None):
        r"""The frozen mixer's linear response on the grid of a length-2L rfft: w_k K^_k + D.

        Like `fssm.analysis.layer_frequency_response` for S4D: K^ the frozen kernel's response, w the
        Sobolev weight of the pre-emphasis (1 if beta = 0), D the skip. Returns (omega r(L+1), c(*, H, L+1)),
        omega = pi k / L. The pre-emphasis equals w K^ only up to its anti-causal share (module docstring).
        """
        L = check_int("L", L, low=1)
        n_fft = 2 * L
        K = self.frozen_kernel(L, delta, B, C)
        response = torch.fft.rfft(K, n=n_fft)  # c(* H L+1)
        if self.filter_active:
            response = response * sobolev_weight(self.beta.to(K.dtype), L + 1, float(self.sobolev_scale or n_fft))
        if self.D is not None:
            response = response + self.D.to(K.dtype)[:, None]
        omega = torch.arange(L + 1, device=K.device, dtype=K.dtype) * (2 * math.pi / n_fft)
        return omega, response

    def extra_repr(self) -> str:
        return (f"d_model={self.d_model}, d_state={self.d_state}, alpha={self.alpha}, complex={self.complex}, "
                f"dt_rank={self.dt_rank}, mode={self.mode!r}")
