r"""S5: one MIMO diagonal state space shared by all channels, run with a parallel scan (book Part V).

Smith, Warrington and Linderman, "Simplified State Space Layers for Sequence Modeling", ICLR 2023
(reference code: lindermanlab/S5). Where S4D runs H independent single-input single-output systems of N
modes each, S5 runs *one* system of P complex modes that reads all H channels and writes all H channels:

    x_t = Abar x_{t-1} + Bbar u_t,     y_t = 2 Re(C x_t) + D u_t,      x_{-1} = 0
    Abar = exp(dt A),  Bbar = A^{-1} (exp(dt A) - 1) B      (zoh, per mode: dt r(P); or bilinear)

with A c(P) diagonal, B c(P H), C c(H P), D r(H). As in fssm's S4D the conjugate partner of every mode is
implicit (the real system has 2P states; hence 2 Re). Computed with `fssm.families.scan.linear_scan`
(log-depth, no loop over L), and, for comparison, in convolution form: the MIMO kernel

    K_l = 2 Re(C diag(Abar^l) Bbar),   r(H H L),   y_t = sum_l K_l u_{t-l} + D u_t,

which `conv_kernel` builds with S4D's blocked Vandermonde code (H*H "channels" whose weights are
C_ip Bbar_pj) and `conv_forward` applies with FFTs.

Initialization as in S5: A = the eigenvalues of the normal part of HiPPO-LegS (S5's "HiPPO-N"; of size 2P,
keeping the P modes with Im > 0), optionally block-diagonal (`blocks` = J copies of the size-2P/J one);
B = V^{-1} B', C = C' V with V the eigenvectors and B' (2P x H, real), C' (H x 2P, complex) Lecun-normal;
dt log-uniform per mode in [dt_min, dt_max]. The frequency-bias controls of the book carry over: alpha
multiplies Im(A) at initialization (`fssm.init.scale_imag`), and beta applies the Sobolev weight
(1 + k/M)^beta to the spectrum of the MIMO kernel, or, the same product, to the input before the scan.

The transfer function is an H x H matrix G(is); the bias measure is its Frobenius norm (see `mimo_gain`).
"""
from __future__ import annotations

import math
import warnings
from typing import Dict, Mapping, Optional, Union

import torch
from torch import nn

from ..init import hippo_legs, init_A, scale_imag
from ..kernel import HALF_DTYPES, AliasingWarning, DISCRETIZATIONS, blocked_vandermonde_kernel, discretize
from ..layer import ACTIVATIONS, MIXINGS, fast_fft_length, output_head, sobolev_weight
from ..utils import ArgumentTypeError, check_bool, check_choice, check_input, check_int, check_real, learning_rates, register
from .scan import linear_scan

__all__ = ["S5Layer", "hippo_n_eigenvectors", "mimo_gain", "GAIN_NORMS"]

SSM_PARAMS = ("log_dt", "log_A_real", "A_imag", "B")  # S5's "ssm" group: its own lr, no weight decay
ALL_PARAMS = SSM_PARAMS + ("C",)
MODES = ("scan", "conv")
GAIN_NORMS = ("fro", "spectral")
UNITS = ("sample", "time")
_LECUN_STD = 0.87962566103423978  # std of a standard normal truncated to [-2, 2]: rescaled to variance 1


def hippo_n_eigenvectors(P: int) -> torch.Tensor:
    r"""Eigenvectors V c(2P P) (complex128, orthonormal columns) of HiPPO-N, the normal part of HiPPO-LegS.

    HiPPO-LegS of size 2P is S - p p^T with S = -I/2 + (skew-symmetric) normal (`fssm.init.legs`). Column n
    of V is the eigenvector of S for its eigenvalue -1/2 + i y_n, the y_n > 0 in increasing order, i.e. the
    eigenvalues `fssm.init.legs(P)` returns (S V = V diag(legs(P)) up to round-off). S5 maps B' and C' of
    the dense 2P-state system into this basis: B = V^H B', C = C' V (V^H = V^{-1} on its range).
    """
    P = check_int("P", P, low=1)
    n = torch.arange(2 * P, dtype=torch.float64)
    S = hippo_legs(2 * P) + torch.sqrt(n + 0.5)[:, None] * torch.sqrt(n + 0.5)[None, :]
    skew = 0.5 * (S - S.T)  # S + I/2 in exact arithmetic
    y, V = torch.linalg.eigh(-1j * skew.to(torch.complex128))  # Hermitian: y real, ascending
    return V[:, y > 0][:, :P]


def mimo_gain(G: torch.Tensor, norm: str = "fro") -> torch.Tensor:
    r"""The gain of a MIMO frequency response, G c(H_out H_in S) -> r(S): the frequency-bias measure of S5.

    norm='fro' (default): ||G(is)||_F = sqrt(sum_ij |G_ij(is)|^2). This is the root of the sum of the SISO
    measures |G_ij| of the H*H input-output pairs, so with H = 1 it is the S4D measure |G|, and its square is
    the output power at frequency s for white input of unit power in every channel: the total gain. It is
    smooth in the parameters and unchanged by rotations of the input or output channels (the mixing layers
    around S5 can rotate them at will), which is why the book uses it.
    norm='spectral': the largest singular value sigma_max(G(is)), the worst-case gain over unit input
    directions (the H-infinity norm at s); sigma_max <= ||G||_F <= sqrt(H) sigma_max and sigma_max >= |G_ij|.
    It is not differentiable where the top two singular values cross.
    """
    if not isinstance(G, torch.Tensor) or G.dim() != 3:
        got = tuple(G.shape) if isinstance(G, torch.Tensor) else type(G).__name__
        raise ArgumentTypeError(f"G must be a tensor of shape (H_out, H_in, S), got {got}")
    check_choice("norm", norm, GAIN_NORMS)
    if norm == "fro":
        return torch.linalg.vector_norm(G, dim=(0, 1))
    return torch.linalg.matrix_norm(G.permute(2, 0, 1), ord=2)


def _lecun_normal(*shape: int, fan_in: int) -> torch.Tensor:
    """r(shape) float64, normal truncated to two standard deviations, variance 1/fan_in (JAX's lecun_normal)."""
    std = math.sqrt(1.0 / fan_in) / _LECUN_STD
    t = torch.empty(shape, dtype=torch.float64)
    return nn.init.trunc_normal_(t, 0.0, std, -2.0 * std, 2.0 * std)


class S5Layer(nn.Module):
    r"""S5 layer: one diagonal MIMO SSM (P modes) shared by the H channels, then activation and mixing.

    Args:
        d_model: H channels (int >= 1); input and output are r(B H L).
        d_state: P complex modes of the one shared state (int >= 1; the real state size is 2P). Default 64.
        alpha: > 0, multiplies Im(A) at initialization. Default 1.
        beta: Sobolev exponent, a finite real; fixed (a buffer r(1)). Default 0 (no filter, skipped exactly).
        init: 'legs' (default: HiPPO-N, S5's init; B and C in its eigenvector basis), 'lin', 'inv', 'real'
            (fssm.init; B, C complex normal of the same variance), or a finite complex tensor c(P) of
            eigenvalues with Re < 0 (B, C complex normal; alpha still scales its imaginary parts).
        blocks: J, an int >= 1 dividing P: A is J copies of the init of size P/J (S5's block-diagonal
            init: lower frequencies, Im(A) up to ~ (P/J)^2 instead of ~ P^2 for legs). Default 1.
        dt_min, dt_max: 0 < dt_min <= dt_max; log dt is drawn uniformly per mode. Default 1e-3, 1e-1.
        disc: 'zoh' (default) or 'bilinear'.
        lr: learning rate of log_dt, log_A_real, A_imag and B (S5's "ssm" group, no weight decay); None =
            the base lr; 0 = frozen (buffers). A mapping {name: lr} sets them one by one; names 'log_dt',
            'log_A_real', 'A_imag', 'B', 'C' ('C' defaults to the base lr with weight decay).
        sobolev_scale: M of (1 + k/M)^beta, k a bin of the length-2L FFT; None (default) = 2L.
        mode: the path `forward` takes: 'scan' (default, S5's) or 'conv' (the MIMO kernel via FFT).
        activation: 'gelu' (default), 'relu', 'tanh', 'silu' or None; mixing: 'glu' (default), 'linear' or
            None; dropout in [0, 1) after the activation; D: learn the skip term (default True). As S4DLayer.

    Parameters (real; the complex values are built by `ssm()`): log_dt r(P), log_A_real r(P) with
    Re(A) = -exp(log_A_real), A_imag r(P), B r(P H 2), C r(H P 2) (real and imaginary parts), D r(H).
    Created in torch's default dtype; float16/bfloat16 modules compute in float32.
    """

    def __init__(
        self,
        d_model: int,
        d_state: int = 64,
        alpha: float = 1.0,
        beta: float = 0.0,
        init: Union[str, torch.Tensor] = "legs",
        blocks: int = 1,
        dt_min: float = 1e-3,
        dt_max: float = 1e-1,
        disc: str = "zoh",
        lr: Union[None, float, Mapping[str, Optional[float]]] = None,
        sobolev_scale: Optional[float] = None,
        mode: str = "scan",
        activation: Optional[str] = "gelu",
        mixing: Optional[str] = "glu",
        dropout: float = 0.0,
        D: bool = True,
    ):
        super().__init__()
        H = check_int("d_model", d_model, low=1)
        P = check_int("d_state", d_state, low=1)
        J = check_int("blocks", blocks, low=1)
        if P % J:
            raise ValueError(f"blocks must divide d_state = {P}, got blocks = {J}")
        alpha = check_real("alpha", alpha, low=0.0, low_open=True)
        beta = check_real("beta", beta)
        dt_min = check_real("dt_min", dt_min, low=0.0, low_open=True)
        dt_max = check_real("dt_max", dt_max, low=0.0, low_open=True)
        if dt_min > dt_max:
            raise ValueError(f"dt_min must be <= dt_max, got dt_min={dt_min} > dt_max={dt_max}")
        if sobolev_scale is not None:
            sobolev_scale = check_real("sobolev_scale", sobolev_scale, low=0.0, low_open=True)
        check_real("dropout", dropout, low=0.0)
        if dropout >= 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.disc = check_choice("disc", disc, DISCRETIZATIONS)
        self.mode = check_choice("mode", mode, MODES)
        check_choice("activation", activation, ACTIVATIONS)
        check_choice("mixing", mixing, MIXINGS)
        D = check_bool("D", D)
        lrs = learning_rates(lr, SSM_PARAMS, ALL_PARAMS)
        self.d_model, self.d_state, self.blocks, self.alpha = H, P, J, alpha
        self.sobolev_scale = sobolev_scale

        A = self._initial_A(init, P, J, alpha)  # c(P) complex128
        B, C = self._initial_BC(init, H, P, J)  # c(P H), c(H P) complex128
        log_dt = torch.rand(P, dtype=torch.float64) * (math.log(dt_max) - math.log(dt_min)) + math.log(dt_min)

        dtype = torch.get_default_dtype()
        register(self, "log_dt", log_dt.to(dtype), lrs["log_dt"])
        register(self, "log_A_real", torch.log(-A.real).to(dtype), lrs["log_A_real"])
        register(self, "A_imag", A.imag.to(dtype), lrs["A_imag"])
        register(self, "B", torch.view_as_real(B).to(dtype).contiguous(), lrs["B"])
        C = torch.view_as_real(C).to(dtype).contiguous()
        if lrs["C"] is None:
            self.C = nn.Parameter(C)
        else:
            register(self, "C", C, lrs["C"])
        if not bool(torch.isfinite(self.A_imag).all() and torch.isfinite(self.log_A_real).all()):
            raise ValueError(f"init: eigenvalues too large for the parameters' dtype {dtype}")
        self.D = nn.Parameter(torch.randn(H)) if D else None
        self.register_buffer("beta", torch.full((1,), beta))
        self.activation, self.dropout, self.mixing = output_head(H, activation, dropout, mixing)
        self._warn_if_aliasing(A.imag.abs().max().item() * dt_max)

    # -- construction helpers --------------------------------------------------------------------------
    @staticmethod
    def _initial_A(init, P: int, J: int, alpha: float) -> torch.Tensor:
        """c(P) complex128: a name's eigenvalues of size P/J repeated J times, or a complex tensor c(P)."""
        if isinstance(init, str):
            return init_A(init, P // J, alpha=alpha).repeat(J)
        if not isinstance(init, torch.Tensor):
            raise ValueError(f"init must be one of 'legs', 'lin', 'inv', 'real' or a complex tensor c({P}), "
                             f"got {init!r}")
        if not init.is_complex():
            raise ArgumentTypeError(f"init tensor must be complex (eigenvalues c({P})), got dtype {init.dtype}")
        if init.shape != (P,):
            raise ValueError(f"init tensor must have shape ({P},) (one eigenvalue per mode), got {tuple(init.shape)}")
        if not bool(torch.isfinite(init).all()):
            raise ValueError("init tensor contains NaN or Inf values")
        A = scale_imag(init.to(torch.complex128), alpha)
        if not bool((A.real < 0).all()):
            raise ValueError("init: every eigenvalue must have a negative real part (a stable system)")
        return A

    @staticmethod
    def _initial_BC(init, H: int, P: int, J: int):
        """(B c(P H), C c(H P)) complex128 as S5 draws them (class docstring)."""
        if isinstance(init, str) and init == "legs":
            V = torch.block_diag(*[hippo_n_eigenvectors(P // J)] * J)  # c(2P P), block-diagonal
            B = V.conj().T @ _lecun_normal(2 * P, H, fan_in=2 * P).to(torch.complex128)
            C = torch.view_as_complex(_lecun_normal(H, 2 * P, 2, fan_in=2 * P)) @ V
            return B, C
        # no eigenvector basis: complex normal with the variances V^H B' and C' V have (V has unit columns)
        B = torch.randn(P, H, dtype=torch.complex128) * math.sqrt(1.0 / (2 * P))
        C = torch.randn(H, P, dtype=torch.complex128) * math.sqrt(1.0 / P)
        return B, C

    def _warn_if_aliasing(self, worst: float) -> None:
        if worst > math.pi:
            warnings.warn(
                f"max|Im(A)| * dt_max = {worst:.3g} exceeds pi (A as initialized, alpha included): the fastest "
                f"modes oscillate faster than the Nyquist frequency; more blocks lower the HiPPO-N frequencies",
                AliasingWarning, stacklevel=3)

    # -- the system ------------------------------------------------------------------------------------
    def _work_dtype(self) -> torch.dtype:
        """The real dtype computations run in: the parameters', float32 for half types."""
        stored = self.log_dt.dtype
        return torch.float32 if stored in HALF_DTYPES else stored

    def ssm(self, dtype: Optional[torch.dtype] = None) -> Dict[str, torch.Tensor]:
        """Continuous-time parameters {'A': c(P), 'B': c(P H), 'C': c(H P), 'D': r(H), 'dt': r(P)}, differentiable.

        dtype: float32 or float64 to compute them in (default: the parameters' dtype; float32 for half types).
        D is zero when the layer has no skip term.
        """
        dtype = self._work_dtype() if dtype is None else check_choice("dtype", dtype, (torch.float32, torch.float64))
        log_A_real, A_imag, B, C, log_dt = (p.to(dtype) for p in
                                            (self.log_A_real, self.A_imag, self.B, self.C, self.log_dt))
        D = self.D.to(dtype) if self.D is not None else torch.zeros(self.d_model, dtype=dtype, device=B.device)
        return {"A": torch.complex(-torch.exp(log_A_real), A_imag), "B": torch.view_as_complex(B),
                "C": torch.view_as_complex(C), "D": D, "dt": torch.exp(log_dt)}

    def _discrete64(self):
        """(Abar c(P), Bbar c(P H), log Abar c(P), p) in complex128, p = ssm(float64). Discretized with
        fssm.kernel.discretize, each mode a 'channel' of its own dt: its dC with C = 1 is the ZOH (or
        bilinear) input weight, accurate at tiny dt. float64: O(P H) work, and dt A keeps its digits."""
        p = self.ssm(torch.float64)
        A = p["A"][:, None]  # c(P 1)
        dA, w = discretize(A, torch.ones_like(A), p["dt"], self.disc, check=False)  # c(P 1) each
        log_dA = p["dt"][:, None] * A if self.disc == "zoh" else torch.log(dA)
        return dA[:, 0], w * p["B"], log_dA[:, 0], p

    def discretize(self):
        """(Abar c(P), Bbar c(P H)) in the working complex dtype: x_t = Abar x_{t-1} + Bbar u_t."""
        dA, dB, _, _ = self._discrete64()
        cdtype = torch.promote_types(self._work_dtype(), torch.complex64)
        return dA.to(cdtype), dB.to(cdtype)

    @property
    def filter_active(self) -> bool:
        """True unless beta is zero, in which case the Sobolev filter is skipped (an exact identity)."""
        return bool((self.beta != 0).any())

    def _check_u(self, u) -> torch.Tensor:
        dtype = self.log_dt.dtype
        check_input(u, "u", rank=3, channels=self.d_model, dtype=dtype, device=self.log_dt.device, shape="(B, H, L)")
        if u.shape[-1] < 1:
            raise ValueError(f"u must have length L >= 1 (its last dimension), got shape {tuple(u.shape)}")
        return u.to(self._work_dtype())  # also what autocast hands over

    def _fft_grid(self, L: int):
        """(n_fft, Sobolev weight r(1 n_fft/2+1) or None): the weight as fssm.layer.fft_conv defines it."""
        n_fft = fast_fft_length(2 * L)
        if not self.filter_active:
            return n_fft, None
        beta = self.beta.to(self._work_dtype())
        return n_fft, sobolev_weight(beta, n_fft // 2 + 1, float(self.sobolev_scale or 2 * L), step=2 * L / n_fft)

    def ssm_forward(self, u: torch.Tensor) -> torch.Tensor:
        r"""The linear S5 system by the parallel scan: u r(B H L) -> y r(B H L), before any nonlinearity.

        y_t = 2 Re(C x_t) + D u_t with x_t = Abar x_{t-1} + Bbar u_t, x_{-1} = 0. With beta != 0 the scan
        reads the pre-emphasized input v = irfft(w u^) (w the Sobolev weight on the FFT grid of
        fssm.layer.fft_conv, n_fft >= 2L) over the 2L - 1 samples that the kernel's L lags reach (v's
        negative times sit at the end of the circular array), and the state keeps only those lags:
        x_t - Abar^L x_{t-L}. That is exactly `conv_forward` with the weighted kernel; D u stays unfiltered.
        u: finite, of the parameters' dtype and device. Returns the parameters' dtype.
        """
        dtype = self.log_dt.dtype
        u = self._check_u(u)
        L = u.shape[-1]
        if u.shape[0] == 0:  # the FFT backends reject size 0: the empty output
            return (u * 0.0).to(dtype)
        cdtype = torch.promote_types(u.dtype, torch.complex64)
        dA, dB, log_dA, p = self._discrete64()
        Abar, Bbar = dA.to(cdtype), dB.to(cdtype)
        n_fft, w = self._fft_grid(L)
        v = u
        if w is not None:  # the pre-emphasized input at times -(L-1)..L-1
            v = torch.fft.irfft(w * torch.fft.rfft(u, n=n_fft), n=n_fft)
            v = torch.cat([v[..., n_fft - L + 1:], v[..., :L]], dim=-1)  # r(B H 2L-1)
        Bu = torch.einsum("ph,bhl->bpl", Bbar, v.to(cdtype))  # c(B P L')
        x = linear_scan(Abar[:, None], Bu)  # c(B P L')
        if w is not None:  # drop the lags >= L: x_t - Abar^L x_{t-L}, with x = 0 before the window
            AL = torch.exp(L * log_dA).to(cdtype)[:, None]  # c(P 1)
            x = x[..., L - 1:] - AL * torch.nn.functional.pad(x[..., : L - 1], (1, 0))
        C = p["C"].to(cdtype)
        y = 2.0 * torch.einsum("hp,bpl->bhl", C, x).real + p["D"].to(u.dtype)[:, None] * u
        return y.to(dtype)

    def conv_kernel(self, L: int) -> torch.Tensor:
        r"""The MIMO kernel K_l = 2 Re(C diag(Abar^l) Bbar), r(H_out H_in L) in the parameters' dtype.

        Built by fssm.kernel.blocked_vandermonde_kernel on H*H channels (output i, input j) with weights
        dC_ijp = C_ip Bbar_pj and poles Abar: powers exact in float64 polar form, memory O(H^2 P sqrt L).
        """
        L = check_int("L", L, low=1)
        dA, dB, log_dA, p = self._discrete64()
        H, P = self.d_model, self.d_state
        dC = (p["C"][:, None, :] * dB.T[None, :, :]).reshape(H * H, P)  # c(H*H P)
        poles = dict(log_dA=log_dA.expand(H * H, P)) if self.disc == "zoh" else {}
        K = blocked_vandermonde_kernel(dA.expand(H * H, P), dC, L, dtype=self._work_dtype(), check=False, **poles)
        return K.reshape(H, H, L).to(self.log_dt.dtype)

    def conv_forward(self, u: torch.Tensor) -> torch.Tensor:
        r"""The same linear system in convolution form: y = irfft(w K^ u^)[:L] + D u, u r(B H L) -> r(B H L).

        K^ c(H H n/2+1) is the rfft of `conv_kernel(L)` (zero-padded to n_fft >= 2L: a linear convolution),
        w the Sobolev weight (1 when beta = 0), the product a matrix-vector product per frequency bin.
        """
        dtype = self.log_dt.dtype
        u = self._check_u(u)
        L = u.shape[-1]
        K = self.conv_kernel(L).to(u.dtype)  # r(H H L)
        D = self.ssm(u.dtype)["D"]
        if u.shape[0] == 0:  # the FFT backends reject size 0
            return (u + 0.0 * K.sum()).to(dtype)
        n_fft, w = self._fft_grid(L)
        k_f = torch.fft.rfft(K, n=n_fft)  # c(H H n/2+1)
        if w is not None:
            k_f = k_f * w  # the weight on the MIMO kernel's spectrum
        y_f = torch.einsum("ijk,bjk->bik", k_f, torch.fft.rfft(u, n=n_fft))
        y = torch.fft.irfft(y_f, n=n_fft)[..., :L] + D[:, None] * u
        return y.to(dtype)

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        """u r(B H L) -> r(B H L): the linear system (`mode`: scan or conv), activation, dropout, mixing."""
        y = self.ssm_forward(u) if self.mode == "scan" else self.conv_forward(u)
        return self.mixing(self.dropout(self.activation(y)))

    # -- frequency domain -----------------------------------------------------------------------------------
    def transfer_function(self, s, skip: bool = False, units: str = "sample") -> torch.Tensor:
        r"""G(is) c(H_out H_in S) = C (is - A)^{-1} B + conj(C) (is - conj A)^{-1} conj(B) (+ D if skip).

        The conjugate modes are included (the real 2P-state system), so G(-is) = conj(G(is)).
        units='sample' (default): s in rad per sample, for the system in sample time, modes dt_p A_p and
            inputs dt_p B_p: the continuous system that ZOH with step 1 turns into the layer's (Abar, Bbar).
            With per-mode dt this is the only time axis all modes share; K^(omega) ~ G(i omega) where
            |omega| and |dt A| are small. units='time': A and B as stored (s in the model's time unit).
        s: real frequencies r(S) (a tensor, sequence or number), finite. Computed in float64.
        """
        check_choice("units", units, UNITS)
        skip = check_bool("skip", skip)
        p = self.ssm(torch.float64)
        s = self._frequencies("s", s, p["A"].device)
        A, B = p["A"], p["B"]
        if units == "sample":
            A, B = p["dt"] * A, p["dt"][:, None] * B
        CB = p["C"][:, :, None] * B[None, :, :]  # c(H P H): C_ip B_pj, the residue of mode p
        G = (torch.einsum("ipj,ps->ijs", CB, 1.0 / (1j * s[None, :] - A[:, None]))  # c(P S) resolvent
             + torch.einsum("ipj,ps->ijs", CB.conj(), 1.0 / (1j * s[None, :] - A.conj()[:, None])))
        return G + torch.diag(p["D"])[..., None] if skip else G

    def frequency_response(self, omega, L: Optional[int] = None, skip: bool = False) -> torch.Tensor:
        r"""The discrete response K^(omega) = sum_l K_l e^{-i omega l}, c(H_out H_in W), float64 (+ D if skip).

        Closed form: sum_p C_ip Bbar_pj (1 - q_p^L)/(1 - q_p) + conjugate, q_p = Abar_p e^{-i omega}: over all
        l >= 0 (L=None) or the first L lags, which is what the rfft of `conv_kernel(L)` samples at
        omega = 2 pi k / n. omega: r(W) rad per sample.
        """
        skip = check_bool("skip", skip)
        L = None if L is None else check_int("L", L, low=1)
        dA, dB, log_dA, p = self._discrete64()
        omega = self._frequencies("omega", omega, dA.device)

        def one_sided(log_a, C, B):
            log_q = log_a[:, None] - 1j * omega[None, :]  # c(P W)
            num = 1.0 if L is None else 1.0 - torch.exp(L * log_q)  # 1 - q^L
            return torch.einsum("ip,pj,pw->ijw", C, B, num / (1.0 - torch.exp(log_q)))

        G = one_sided(log_dA, p["C"], dB) + one_sided(log_dA.conj(), p["C"].conj(), dB.conj())
        return G + torch.diag(p["D"])[..., None] if skip else G

    def gain(self, s, norm: str = "fro", skip: bool = False, units: str = "sample") -> torch.Tensor:
        """The MIMO frequency-bias measure r(S): `mimo_gain(transfer_function(s, skip, units), norm)`."""
        return mimo_gain(self.transfer_function(s, skip=skip, units=units), norm)

    @staticmethod
    def _frequencies(name: str, s, device) -> torch.Tensor:
        """s as a finite real float64 r(S) on `device` (a number is one frequency)."""
        try:
            s = torch.as_tensor(s, device=device)
        except (TypeError, ValueError, RuntimeError):
            raise ArgumentTypeError(f"{name} must be real numbers (a tensor or a sequence), "
                                    f"got {type(s).__name__}") from None
        if s.is_complex() or s.dtype == torch.bool or s.dim() > 1:
            raise ValueError(f"{name} must be real numbers of shape (S,), got {s.dtype} of shape {tuple(s.shape)}")
        s = s.reshape(-1).to(torch.float64)
        if not bool(torch.isfinite(s).all()):
            raise ValueError(f"{name} contains NaN or Inf values")
        return s

    def extra_repr(self) -> str:
        return (f"d_model={self.d_model}, d_state={self.d_state}, blocks={self.blocks}, alpha={self.alpha}, "
                f"beta={self.beta.item():g}, disc={self.disc!r}, mode={self.mode!r}")
