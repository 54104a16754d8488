r"""The S4D layer: FFT convolution with the kernel, Sobolev filter, D skip, activation, mixing.

Book: "LTI systems and SSMs" (convolution), "Mechanism 2: the Sobolev filter". For input u r(B H L):

    y^_k = w_k * K^_k * u^_k,      w_k = (1 + k / M)^beta,      k = 0..n_fft/2,       (1)
    y    = irfft(y^)[..., :L] + D * u,   then activation, dropout, output mixing.

K^ and u^ are one-sided rffts of length n_fft = 2L (zero-padded, so the product is a *linear*
convolution, not a circular one). The Sobolev weight w_k depends on |frequency| only, i.e. it is even
in frequency: the rfft stores bins k >= 0 and irfft mirrors them. M (`sobolev_scale`) defaults to
2L, so w = (1 + |omega| / (2 pi))^beta at omega = 2 pi k / (2L) rad/sample. beta = 0 skips (1).
A real, even weight is zero-phase: its impulse response is even in time, so for beta != 0 the filtered
layer is no longer strictly causal (a small share of the response, ~1e-4 of the energy at beta = 1,
comes from future inputs; book chapter 7). That is harmless for bidirectional models and for the
paper's experiments, but matters for autoregressive use.

Where the weight acts (`sobolev_mode`, book chapter 7, section 7.6). Since w_k (K^_k u^_k) = K^_k (w_k u^_k),
the filter on the kernel ('both', the default) *is* a plain SSM (beta = 0) fed with the pre-emphasized input
w u^ ('input'; the D skip sees u unfiltered): same output, same gradients. Two variants separate what the
weight does to the forward pass from what it does to the gradients of the kernel's parameters:
    'gradient': output of the unfiltered layer; in backward, the gradient reaching K^ is multiplied by w,
                as if the kernel were filtered (the gradient reaching u is the unfiltered layer's);
    'forward':  output of the filtered layer; in backward, the gradient reaching K^ is not multiplied by w
                (the kernel is trained as if it were the filtered kernel w K^ itself).
Both need a fixed beta (their gradient of beta would be ill-defined).
"""
from __future__ import annotations

from typing import Mapping, Optional, Union

import torch
import torch.nn.functional as F
from torch import nn

from .kernel import HALF_DTYPES, S4DKernel
from .utils import ArgumentTypeError, check_bool, check_choice, check_input, check_int, check_real, register

__all__ = ["S4DLayer", "output_head", "fft_conv", "sobolev_weight", "ssm_recurrence", "fast_fft_length", "SOBOLEV_MODES"]

ACTIVATIONS = {"gelu": nn.GELU, "relu": nn.ReLU, "tanh": nn.Tanh, "silu": nn.SiLU, None: nn.Identity}
MIXINGS = ("glu", "linear", None)
SOBOLEV_MODES = ("both", "input", "gradient", "forward")  # where the Sobolev weight acts: see the module docstring
LAYER_KERNEL_ARGS = ("d_model", "d_state", "init", "alpha", "dt_min", "dt_max", "disc", "lr")  # not in kernel_kwargs


def sobolev_weight(beta: torch.Tensor, n_bins: int, scale: float, step: float = 1.0) -> torch.Tensor:
    r"""w_k = (1 + k*step/scale)^beta for k = 0..n_bins-1.  beta r(H), finite -> r(H n_bins).  Eq. (1).

    n_bins: int >= 1; scale: M > 0. `step` (> 0) converts bins of the FFT actually used into bins of the
    length-2L FFT the weight is defined on (step = 2L / n_fft), so the weight is the same function of omega
    whatever FFT size is chosen.
    """
    check_input(beta, "beta", rank=1)
    n_bins = check_int("n_bins", n_bins, low=1)
    scale = check_real("scale", scale, low=0.0, low_open=True)
    step = check_real("step", step, low=0.0, low_open=True)
    k = torch.arange(n_bins, device=beta.device, dtype=beta.dtype) * step  # r(K)
    return torch.pow(1.0 + k / scale, beta[:, None])


class _Reweight(torch.autograd.Function):
    """x * w_fwd in the forward pass, grad * w_bwd in the backward pass (w real, not differentiated; None = 1)."""

    @staticmethod
    def forward(ctx, x, w_fwd, w_bwd):
        ctx.save_for_backward(w_bwd)
        return x if w_fwd is None else x * w_fwd  # autograd wraps a returned input as a new output

    @staticmethod
    def backward(ctx, grad):
        (w_bwd,) = ctx.saved_tensors
        return grad if w_bwd is None else grad * w_bwd, None, None


def fast_fft_length(n: int) -> int:
    """The smallest 5-smooth integer (2^a 3^b 5^c) >= n: FFT sizes that pocketfft and cuFFT do fast."""
    n = check_int("n", n, low=1)
    best = 1 << (n - 1).bit_length()  # a power of two always works
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            m = p35
            while m < n:
                m *= 2
            best = min(best, m)
            p35 *= 3
        p5 *= 5
    return best


def fft_conv(u: torch.Tensor, k: torch.Tensor, beta: Optional[torch.Tensor] = None,
             sobolev_scale: Optional[float] = None, sobolev_mode: str = "both") -> torch.Tensor:
    r"""Linear convolution y_t = sum_{l} k_l u_{t-l} via rfft of a fast length n_fft >= 2L.

    Args:
        u: r(B H L) input.
        k: r(H Lk) kernel (or r(1 Lk), shared by all channels); Lk = L for a causal kernel, Lk = 2L for a
            bidirectional one laid out as [causal lags 0..L-1, anti-causal lags -L..-1].
        beta: r(H) (or r(1)) finite Sobolev exponent, or None (no filter).
        sobolev_scale: M > 0 in (1 + k/M)^beta, k the bin of a length-2L FFT; None = 2L, so that
            w = (1 + |omega|/(2 pi))^beta.
        sobolev_mode: where the weight acts (module docstring): 'both' (default: on the kernel's spectrum),
            'input' (on the input's spectrum: the same layer), 'gradient' or 'forward' (one of the two only;
            beta must then not require grad).
    Returns:
        r(B H L), in the promoted dtype of u and k (float16/bfloat16 are computed in float32, returned in u's).
        A batch of size 0 gives the empty r(0 H L).
    """
    _check_conv_args(u, k, beta, sobolev_scale, sobolev_mode)
    L = u.shape[-1]
    if k.dtype in HALF_DTYPES:  # FFTs of half types are unsupported or inexact
        k = k.float()
    if u.dtype in HALF_DTYPES:
        beta = None if beta is None else beta.float()
        return fft_conv(u.float(), k, beta, sobolev_scale, sobolev_mode).to(u.dtype)
    if u.numel() == 0:  # the FFT backends reject size 0: the empty output, still connected to u and k for autograd
        return u * k[..., :L]
    # zero-padding to any n >= 2L makes the circular product a linear convolution
    n_fft = fast_fft_length(2 * L)
    if k.shape[-1] == 2 * L and n_fft > 2 * L:  # keep anti-causal lags -L..-1 at the end of the array
        k = torch.cat([k[..., :L], k.new_zeros(*k.shape[:-1], n_fft - 2 * L), k[..., L:]], dim=-1)
    u_f = torch.fft.rfft(u, n=n_fft)  # c(B H n_fft/2+1)
    k_f = torch.fft.rfft(k, n=n_fft)  # c(H n_fft/2+1)
    if beta is not None:
        w = sobolev_weight(beta, k_f.shape[-1], float(sobolev_scale or 2 * L), step=2 * L / n_fft)  # r(H K)
        if sobolev_mode in ("gradient", "forward") and w.requires_grad:
            raise ValueError(f"sobolev_mode={sobolev_mode!r} needs a fixed beta (learn_beta=False)")
        if sobolev_mode == "both":  # fused into the (H, K) kernel spectrum: no extra pass over the batch
            k_f = k_f * w
        elif sobolev_mode == "input":  # the same product, grouped as K^ (w u^): a pre-emphasized input
            u_f = w * u_f
        elif sobolev_mode == "gradient":  # forward K^, backward as if w K^
            k_f = _Reweight.apply(k_f, None, w)
        else:  # 'forward': forward w K^, backward as if the kernel were w K^ itself
            k_f = _Reweight.apply(k_f, w, None)
    return torch.fft.irfft(u_f * k_f, n=n_fft)[..., :L]


def _check_conv_args(u, k, beta, sobolev_scale, sobolev_mode) -> None:
    """`fft_conv`'s checks: types, shapes and the mode; no pass over the values (the layer checks u)."""
    check_input(u, "u", rank=3, finite=False)
    H, L = u.shape[1], u.shape[-1]
    if L < 1:
        raise ValueError(f"u must have length L >= 1 (its last dimension), got shape {tuple(u.shape)}")
    check_input(k, "k", rank=2, finite=False)
    if k.shape[-1] not in (L, 2 * L) or k.shape[0] not in (1, H):
        raise ValueError(f"k must have shape ({H}, L) with L={L} (causal) or ({H}, 2L) with 2L={2 * L} "
                         f"(bidirectional; a first dimension of 1 is shared by all channels), got {tuple(k.shape)}")
    if beta is not None:
        check_input(beta, "beta", rank=1, finite=False)
        if beta.shape[0] not in (1, H):
            raise ValueError(f"beta must have shape ({H},) (one exponent per channel) or (1,), got {tuple(beta.shape)}")
    if sobolev_scale is not None:
        check_real("sobolev_scale", sobolev_scale, low=0.0, low_open=True)
    check_choice("sobolev_mode", sobolev_mode, SOBOLEV_MODES)


def ssm_recurrence(kernel: S4DKernel, u: torch.Tensor) -> torch.Tensor:
    r"""The same SSM run step by step: x_t = dA x_{t-1} + u_t, y_t = 2 Re(dC . x_t) (x_{-1} = 0).

    Readable reference for tests and the book (O(L) sequential steps). kernel: an `S4DKernel` (of a layer:
    `layer.kernel`); u r(B H L), real, finite -> r(B H L).
    """
    if not isinstance(kernel, S4DKernel):
        raise ArgumentTypeError(f"kernel must be an S4DKernel (of an S4DLayer: layer.kernel), got {type(kernel).__name__}")
    check_input(u, "u", rank=3, channels=kernel.d_model)
    dA, dC = kernel.discretize()  # c(H N)
    x = torch.zeros(u.shape[0], *dA.shape, dtype=dA.dtype, device=u.device)  # c(B H N)
    ys = []
    for t in range(u.shape[-1]):
        x = dA * x + u[:, :, t, None]
        ys.append(2.0 * (dC * x).sum(-1).real)
    return torch.stack(ys, dim=-1)


def output_head(H: int, activation: Optional[str], dropout: float, mixing: Optional[str]):
    """(activation, dropout, mixing) modules of a layer's output, r(B H L) -> r(B H L) each: the activation
    of ACTIVATIONS, dropout (nn.Identity at 0) and the 1x1 mixing of MIXINGS ('glu': conv H -> 2H and a
    gated linear unit; 'linear': conv H -> H; None: identity). Arguments checked by the caller."""
    drop = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
    if mixing == "glu":
        mix = nn.Sequential(nn.Conv1d(H, 2 * H, 1), nn.GLU(dim=1))
    elif mixing == "linear":
        mix = nn.Conv1d(H, H, 1)
    else:
        mix = nn.Identity()
    return ACTIVATIONS[activation](), drop, mix


class S4DLayer(nn.Module):
    r"""S4D layer with frequency-bias controls alpha (init scaling) and beta (Sobolev filter).

    Args:
        d_model: H channels (int >= 1).  Input and output are r(B H L).
        d_state: N complex modes per channel (int >= 1). Default 64.
        alpha: > 0, scales Im(A) at init (paper, mechanism 1). Default 1.
        beta: Sobolev exponent, a finite real (paper, mechanism 2). Default 0 (no filter).
        learn_beta: make beta a trainable parameter per channel (init `beta`), lr `beta_lr`, no wd.
        beta_lr: learning rate of a trainable beta. Default 0.01 (paper's LRA code).
        sobolev_scale: M of w_k = (1 + k/M)^beta; None (default) = the FFT length 2L.
        sobolev_mode: where the weight acts: 'both' (default), 'input', 'gradient', 'forward' (module
            docstring; the last two need learn_beta=False).
        bidirectional: add an anti-causal kernel (a second set of H channels of the SSM).
        dropout: in [0, 1), after the activation.
        init, disc, dt_min, dt_max, lr: passed to `S4DKernel`.
        activation: 'gelu' (default), 'relu', 'tanh', 'silu' or None.
        mixing: 'glu' (default: 1x1 conv H -> 2H and a gated linear unit), 'linear' (1x1 conv) or None.
        D: learn the skip term D * u (default True).
        kernel_kwargs: extra keyword arguments for `S4DKernel` (e.g. C_init, mode), a mapping without the
            arguments the layer passes itself (d_model, d_state, init, alpha, dt_min, dt_max, disc, lr).

    dtype: the layer computes in the dtype of its parameters (torch's default; `.double()`, `.to(torch.bfloat16)`
    work). The input must have that dtype, as for torch's own layers (a ValueError names both dtypes and the
    fix); under autocast, which hands over other dtypes, it is cast to the parameters' dtype.
    """

    def __init__(
        self,
        d_model: int,
        d_state: int = 64,
        alpha: float = 1.0,
        beta: float = 0.0,
        learn_beta: bool = False,
        bidirectional: bool = False,
        dropout: float = 0.0,
        init: Union[str, torch.Tensor] = "lin",
        disc: str = "zoh",
        dt_min: float = 1e-3,
        dt_max: float = 1e-1,
        lr: Union[None, float, Mapping[str, Optional[float]]] = None,
        beta_lr: float = 0.01,
        sobolev_scale: Optional[float] = None,
        sobolev_mode: str = "both",
        activation: Optional[str] = "gelu",
        mixing: Optional[str] = "glu",
        D: bool = True,
        kernel_kwargs: Optional[dict] = None,
    ):
        super().__init__()
        H = check_int("d_model", d_model, low=1)
        beta = check_real("beta", beta)
        check_real("dropout", dropout, low=0.0)
        if dropout >= 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        check_choice("activation", activation, ACTIVATIONS)
        check_choice("mixing", mixing, MIXINGS)
        check_choice("sobolev_mode", sobolev_mode, SOBOLEV_MODES)  # fft_conv checks it again: a tuple lookup
        learn_beta, bidirectional, D = (check_bool(n, v) for n, v in
                                        (("learn_beta", learn_beta), ("bidirectional", bidirectional), ("D", D)))
        kernel_kwargs = self._kernel_kwargs(kernel_kwargs)
        if learn_beta and sobolev_mode in ("gradient", "forward"):
            raise ValueError(f"sobolev_mode={sobolev_mode!r} needs a fixed beta (learn_beta=False)")
        if sobolev_scale is not None:
            sobolev_scale = check_real("sobolev_scale", sobolev_scale, low=0.0, low_open=True)
        check_real("beta_lr", beta_lr, low=0.0, low_open=True)  # also when unused (learn_beta=False)
        self.d_model, self.bidirectional, self.learn_beta = H, bidirectional, learn_beta
        self.sobolev_scale, self.sobolev_mode = sobolev_scale, sobolev_mode

        self.kernel = S4DKernel(
            H * (2 if bidirectional else 1), d_state, init=init, alpha=alpha,
            dt_min=dt_min, dt_max=dt_max, disc=disc, lr=lr, **kernel_kwargs,
        )
        if learn_beta:
            register(self, "beta", torch.full((H,), beta), lr=beta_lr, wd=0.0)
        else:
            self.register_buffer("beta", torch.full((H,), beta))
        self.D = nn.Parameter(torch.randn(H)) if D else None
        self.activation, self.dropout, self.mixing = output_head(H, activation, dropout, mixing)

    @staticmethod
    def _kernel_kwargs(kernel_kwargs) -> dict:
        if kernel_kwargs is None:
            return {}
        if not isinstance(kernel_kwargs, Mapping):
            raise ArgumentTypeError(f"kernel_kwargs must be a mapping of S4DKernel arguments, "
                                    f"got {type(kernel_kwargs).__name__}")
        own = sorted(set(kernel_kwargs) & set(LAYER_KERNEL_ARGS))
        if own:
            raise ValueError(f"kernel_kwargs must not set {own}: pass them to S4DLayer itself")
        return dict(kernel_kwargs)

    @property
    def filter_active(self) -> bool:
        """True unless beta is a fixed zero, in which case the filter is skipped (exact identity)."""
        return self.learn_beta or bool((self.beta != 0).any())

    def conv_kernel(self, L: int) -> torch.Tensor:
        """The kernel as `fft_conv` uses it: r(H L) causal, or r(H 2L) with anti-causal lags appended."""
        k = self.kernel(L)
        if not self.bidirectional:
            return k
        k_fwd, k_bwd = k[: self.d_model], k[self.d_model:]
        # lags 0..L-1 from k_fwd; lags -1..-L from k_bwd (k_bwd[m] at lag -(m+1)), stored at the end
        return torch.cat([k_fwd, k_bwd.flip(-1)], dim=-1)

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        """u r(B H L), finite, on the layer's device, of its dtype (any under autocast) -> r(B H L).

        A batch of size 0 gives the empty r(0 H L).
        """
        dtype = self.kernel.log_dt.dtype
        check_input(u, "u", rank=3, channels=self.d_model, dtype=dtype, device=self.kernel.log_dt.device)
        u = u.to(dtype)  # a no-op, except under autocast, which allows other dtypes: compute in the parameters'
        k = self.conv_kernel(u.shape[-1])
        beta = self.beta if self.filter_active else None
        y = fft_conv(u, k, beta, self.sobolev_scale, self.sobolev_mode)
        if self.D is not None:
            y = y + self.D[:, None] * u
        return self.mixing(self.dropout(self.activation(y)))
