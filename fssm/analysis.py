r"""Frequency-domain analysis of SSMs (book: "Transfer functions", "Frequency bias at initialization").

Two frequency variables, never mixed up:
    s      continuous frequency, rad per unit time; G(is) is the transfer function of the ODE.
    omega  discrete frequency, rad per sample in [-pi, pi]; K^(omega) is the response of the kernel.
For small omega, K^(omega) ~ G(i omega / dt) (a mode j sits at omega ~ dt * Im a_j).
"""
from __future__ import annotations

import math
import warnings
from numbers import Number
from typing import Dict, Optional, Sequence, Tuple

import torch
from torch import nn

from .kernel import S4DKernel
from .layer import S4DLayer, sobolev_weight
from .utils import ArgumentTypeError, check_bool, check_choice, check_finite, check_int, check_real, check_tokens

__all__ = [
    "suggest_alpha",
    "mode_frequencies",
    "ALPHA_RULES",
    "transfer_function",
    "transfer_function_grad_imag",
    "frequency_response",
    "layer_frequency_response",
    "total_variation",
    "mode_total_variation",
    "tail_variation_bound",
    "poles",
    "usable_alpha_range",
    "average_power_spectrum",
]


def _as_2d(x: torch.Tensor) -> torch.Tensor:
    return x[None] if x.dim() == 1 else x


# ----------------------------------------------------------------------------- argument checks
def _as_kernel(obj, where: str) -> S4DKernel:
    """An S4DKernel, or the `.kernel` of an S4DLayer (2H channels if bidirectional); else ArgumentTypeError."""
    if isinstance(obj, S4DLayer):
        return obj.kernel
    if isinstance(obj, S4DKernel):
        return obj
    raise ArgumentTypeError(f"{where}: kernel must be an S4DKernel or an S4DLayer (whose .kernel is used), "
                            f"got {type(obj).__name__}{_layer_hint(obj)}")


def _as_layer(obj, where: str) -> S4DLayer:
    if isinstance(obj, S4DLayer):
        return obj
    hint = "; for an S4DKernel use frequency_response" if isinstance(obj, S4DKernel) else _layer_hint(obj)
    raise ArgumentTypeError(f"{where}: layer must be an S4DLayer, got {type(obj).__name__}{hint}")


def _layer_hint(obj) -> str:
    """For a module holding S4D layers (a SequenceModel, a ResidualBlock): where to find the first one."""
    if isinstance(obj, nn.Module):
        for name, m in obj.named_modules():
            if isinstance(m, S4DLayer):
                return f"; pass one of its layers, e.g. the S4DLayer at {name!r}"
    return ""


def _complex(name: str, x) -> torch.Tensor:
    """x as a finite complex tensor. A real (or integer) x is converted exactly, a -> a + 0i: float32 to
    complex64, float64 and integers to complex128. A sequence of numbers is made a tensor."""
    if not isinstance(x, torch.Tensor):
        try:
            x = torch.as_tensor(x)
        except (TypeError, ValueError, RuntimeError):
            raise ArgumentTypeError(f"{name} must be a complex (or real) tensor, got {type(x).__name__}") from None
    if x.dtype == torch.bool:
        raise ValueError(f"{name} must hold numbers, got dtype {x.dtype}")
    if not x.is_complex():
        x = x.to(torch.complex64 if x.is_floating_point() and x.dtype != torch.float64 else torch.complex128)
    return check_finite(name, x)


def _modes(A, C, max_dim: Optional[int] = None) -> Tuple[torch.Tensor, torch.Tensor]:
    """(A, C) as complex tensors (`_complex`) broadcast to one shape (the same number of modes N, the last
    dimension; e.g. C c(N) shared by every channel of A c(H N)), with 1 to `max_dim` dimensions if given."""
    A, C = _complex("A", A), _complex("C", C)
    try:
        shape = torch.broadcast_shapes(A.shape, C.shape)
    except RuntimeError:
        shape = None
    if (shape is None or A.dim() == 0 or C.dim() == 0 or A.shape[-1] != C.shape[-1]
            or (max_dim is not None and not 1 <= len(shape) <= max_dim)):
        limit = f" with 1 to {max_dim} dimensions (c(N) or c(H N))" if max_dim else ""
        raise ValueError(f"A and C must have the same number of modes N (last dimension) and broadcastable "
                         f"shapes{limit}, got {tuple(A.shape)} and {tuple(C.shape)}")
    return A.expand(shape), C.expand(shape)


def _real_points(name: str, x, like: torch.Tensor) -> torch.Tensor:
    """x as a finite real r(S) tensor (a scalar is one point) in the real dtype and on the device of `like`."""
    try:
        x = torch.as_tensor(x, device=like.device)
    except (TypeError, ValueError, RuntimeError):
        raise ArgumentTypeError(f"{name} must be real numbers (a tensor or a sequence), got {type(x).__name__}") from None
    if x.is_complex() or x.dtype == torch.bool or x.dim() > 1:
        raise ValueError(f"{name} must be real numbers of shape (S,), got {x.dtype} of shape {tuple(x.shape)}")
    return check_finite(name, x.reshape(-1).to(like.real.dtype))


def _interval(lo, hi, names: Tuple[str, str] = ("lo", "hi")) -> Tuple[float, float]:
    """(lo, hi) as floats (numbers or one-element tensors) with lo <= hi; each may be infinite, never NaN."""
    lo, hi = (check_real(n, _item(v), finite=False) for n, v in zip(names, (lo, hi)))
    if lo > hi:
        raise ValueError(f"{names[0]} must be <= {names[1]}, got {lo} > {hi}")
    return lo, hi


def _sampled(G, s) -> torch.Tensor:
    """Check G c(... S) (or real) finite and s r(S) finite, strictly increasing; return s as a tensor."""
    if not isinstance(G, torch.Tensor) or G.dim() < 1:
        raise ArgumentTypeError(f"G must be a tensor of shape (..., S), got "
                                f"{tuple(G.shape) if isinstance(G, torch.Tensor) else type(G).__name__}")
    check_finite("G", G)
    s = torch.as_tensor(s, device=G.device)
    if s.dim() != 1 or s.shape[0] != G.shape[-1] or s.is_complex():
        raise ValueError(f"s must be real and 1-D with {G.shape[-1]} points (the last dimension of G), "
                         f"got {s.dtype} of shape {tuple(s.shape)}")
    bad = (~(check_finite("s", s)[1:] > s[:-1])).nonzero()
    if len(bad):
        i = int(bad[0])
        raise ValueError(f"s must be strictly increasing: s[{i}] = {s[i].item()}, s[{i + 1}] = {s[i + 1].item()}")
    return s


def _bands(bands) -> list:
    """[(lo, hi), ...] as float pairs with lo <= hi (`_interval`); at least one."""
    try:
        pairs = [tuple(b) for b in bands]
    except TypeError:
        pairs = [()]
    if not pairs or any(len(p) != 2 for p in pairs):
        raise ValueError(f"bands must be a non-empty sequence of (lo, hi) pairs, got {bands!r}")
    return [_interval(lo, hi, (f"bands[{i}] lo", f"bands[{i}] hi")) for i, (lo, hi) in enumerate(pairs)]


def _item(v):
    """A one-element tensor as its Python number; anything else as it is."""
    return v.item() if isinstance(v, torch.Tensor) and v.numel() == 1 else v


def _complex_number(name: str, z) -> complex:
    z = _item(z)
    if isinstance(z, bool) or not isinstance(z, Number) or not math.isfinite(abs(complex(z))):
        raise ValueError(f"{name} must be a finite (complex) number, got {z!r}")
    return complex(z)


# ----------------------------------------------------------------------------- transfer functions
def transfer_function(A: torch.Tensor, C: torch.Tensor, s: torch.Tensor,
                      D: Optional[torch.Tensor] = None) -> torch.Tensor:
    r"""G(is) = sum_j [C_j/(is - a_j) + conj(C_j)/(is - conj(a_j))] + D of the real system.

    The conjugate modes are included, so G(-is) = conj(G(is)) and |G| is even in s.
    Args:
        A, C: c(H N) or c(N) eigenvalues and output weights (B folded into C), as `S4DKernel.ssm()`.
            Real A or C are converted exactly (a -> a + 0i: float32 to complex64, float64 to complex128).
        s: r(S) real frequencies, rad per unit time (a scalar is one frequency).
        D: optional r(H) or scalar skip term.
    Returns:
        c(H S) (or c(1 S) for 1-D inputs).
    Raises ValueError for shapes that do not match, complex s, or NaN/Inf anywhere.
    """
    A, C = _modes(A, C, max_dim=2)
    A, C = _as_2d(A), _as_2d(C)
    s = _real_points("s", s, A)
    is_ = (1j * s).to(A.dtype)[None, None, :]  # c(1 1 S)
    a, c = A[..., None], C[..., None]  # c(H N 1)
    G = (c / (is_ - a) + c.conj() / (is_ - a.conj())).sum(1)  # c(H S)
    if D is not None:
        G = G + _skip(D, A)
    return G


def _skip(D, A: torch.Tensor) -> torch.Tensor:
    """The skip term D, r(H) or a scalar, as r(H 1) (or r(1 1)) for H = A.shape[0]."""
    D = torch.as_tensor(D, device=A.device)
    if D.is_complex() or D.dtype == torch.bool or D.numel() not in (1, A.shape[0]):
        raise ValueError(f"D must be real, a scalar or of shape ({A.shape[0]},), got {D.dtype} of shape {tuple(D.shape)}")
    return check_finite("D", D).reshape(-1, 1)


def transfer_function_grad_imag(A: torch.Tensor, C: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    r"""dG(is)/dy_j for a_j = x_j + i y_j, modes and their conjugates moving together.

    d/dy [c/(is - a)] = i c/(is - a)^2 and d/dy [c*/(is - a*)] = -i c*/(is - a*)^2, so
    |dG/dy_j| <= |c_j|/((s - y_j)^2 + x_j^2) + |c_j|/((s + y_j)^2 + x_j^2): local in frequency.
    A, C: c(H N) or c(N) (real ones converted exactly, as in `transfer_function`); s: r(S). Returns c(H N S).
    """
    A, C = _modes(A, C, max_dim=2)
    A, C = _as_2d(A), _as_2d(C)
    is_ = (1j * _real_points("s", s, A)).to(A.dtype)
    a, c = A[..., None], C[..., None]
    return 1j * c / (is_ - a) ** 2 - 1j * c.conj() / (is_ - a.conj()) ** 2


def frequency_response(kernel: S4DKernel, omega: torch.Tensor, L: Optional[int] = None) -> torch.Tensor:
    r"""Discrete response of the kernel at omega (rad/sample), from the closed form.

    K^(omega) = sum_l K_l e^{-i omega l} = sum_j [dC_j / (1 - dA_j e^{-i omega}) + conj], summed over
    all l >= 0 (L=None), or truncated to l < L: each term times (1 - (dA_j e^{-i omega})^L), which is
    exactly what the FFT of the length-L kernel samples at omega = 2 pi k / n_fft.
    kernel: an S4DKernel, or an S4DLayer (its `.kernel`; 2H channels, causal first, if bidirectional).
    Returns c(H W) for omega r(W).
    """
    kernel = _as_kernel(kernel, "frequency_response")
    L = None if L is None else check_int("L", L, low=1)
    dA, dC = kernel.discretize()  # c(H N)
    omega = _real_points("omega", omega, dA)
    z = torch.exp(-1j * omega.to(dA.dtype))[None, None, :]  # c(1 1 W) = e^{-i omega}

    def one_sided(a, c):
        q = a[..., None] * z  # c(H N W)
        num = c[..., None] * (1.0 if L is None else 1.0 - q ** L)
        return (num / (1.0 - q)).sum(1)

    return one_sided(dA, dC) + one_sided(dA.conj(), dC.conj())


def layer_frequency_response(layer: S4DLayer, L: int) -> Tuple[torch.Tensor, torch.Tensor]:
    r"""The layer's linear part on its own FFT grid: w_k K^_k + D, before activation and mixing.

    Returns (omega r(K), response c(H K)) with K = L + 1 bins of the length-2L rfft, omega = pi k / L.
    For a bidirectional layer the response includes the anti-causal kernel.
    """
    layer = _as_layer(layer, "layer_frequency_response")
    L = check_int("L", L, low=1)
    n_fft = 2 * L
    k_f = torch.fft.rfft(layer.conv_kernel(L), n=n_fft)  # c(H K)
    if layer.filter_active:
        k_f = k_f * sobolev_weight(layer.beta, k_f.shape[-1], float(layer.sobolev_scale or n_fft))
    if layer.D is not None:
        k_f = k_f + layer.D[:, None]
    omega = torch.arange(k_f.shape[-1], device=k_f.device, dtype=k_f.real.dtype) * (2 * math.pi / n_fft)
    return omega, k_f


def total_variation(G: torch.Tensor, s: torch.Tensor,
                    bands: Optional[Sequence[Tuple[float, float]]] = None, value_dims: int = 0) -> torch.Tensor:
    r"""V_a^b(G) = int_a^b |dG/ds| ds, approximated by sum |G(s_{i+1}) - G(s_i)| on a sorted grid s.

    Exact for piecewise-monotone pieces between grid points; converges as the grid is refined.
    G: c(... S) (or real) sampled at s r(S). Returns r(...) over the whole grid, or r(... nb) per band
    [a, b) with a <= b, either end possibly infinite (a grid segment belongs to the band holding its midpoint).
    value_dims: how many dimensions just before S form one value (default 0: every entry is a scalar
    response). 2 for a MIMO transfer matrix G c(... H_out H_in S): a step is then the Frobenius norm
    ||G(s_{i+1}) - G(s_i)||_F, the variation of the matrix as a whole (book chapter 12), and those two
    dimensions are gone from the result.
    """
    s = _sampled(G, s)
    value_dims = check_int("value_dims", value_dims, low=0)
    if value_dims > G.dim() - 1:
        raise ValueError(f"value_dims must be at most G.dim() - 1 = {G.dim() - 1} (the dimensions before S), "
                         f"got {value_dims}")
    diff = G[..., 1:] - G[..., :-1]  # (... S-1)
    if value_dims:
        dims = tuple(range(-1 - value_dims, -1))
        steps = diff.abs().square().sum(dims).sqrt()  # r(... S-1): Frobenius norm of each matrix step
    else:
        steps = diff.abs()  # r(... S-1)
    if bands is None:
        return steps.sum(-1)
    mids = 0.5 * (s[1:] + s[:-1])
    out = []
    for lo, hi in _bands(bands):
        mask = ((mids >= lo) & (mids < hi)).to(steps.dtype)  # half-open: no segment counted twice
        out.append((steps * mask).sum(-1))
    return torch.stack(out, dim=-1)


def mode_total_variation(c: complex, a: complex, lo: float = -math.inf, hi: float = math.inf) -> float:
    r"""Closed form of V_lo^hi for one term g(s) = c/(is - a), a = x + iy, x < 0:

    |g'(s)| = |c| / ((s-y)^2 + x^2), so V_lo^hi = (|c|/|x|) [arctan((hi-y)/|x|) - arctan((lo-y)/|x|)].
    Over the whole line this is pi |c| / |x|. c, a: finite numbers; lo <= hi, either may be infinite.
    """
    a, c = _complex_number("a", a), _complex_number("c", c)
    lo, hi = _interval(lo, hi)
    x, y = abs(a.real), a.imag
    if a.real >= 0:
        raise ValueError(f"a must have a negative real part, got {a}")
    return abs(c) / x * (math.atan((hi - y) / x) - math.atan((lo - y) / x))


def tail_variation_bound(C: torch.Tensor, A: torch.Tensor, B: float, conjugates: bool = False) -> torch.Tensor:
    r"""Upper bound on V_B^inf(G) for G(is) = sum_j c_j / (is - a_j), B > max_j y_j:

    V_B^inf(G) <= sum_j |c_j| / (B - y_j).  With conjugates=True the partners at -y_j of the real
    system are added: sum_j |c_j| (1/(B - y_j) + 1/(B + y_j)), which needs B > max_j |y_j|.
    C, A: c(... N) of one shape (real ones converted exactly); B: a number or a real tensor that broadcasts
    against r(... N) (many B at once). Returns r(...). Book: chapter 4.
    """
    A, C = _modes(A, C)
    B = check_finite("B", B) if isinstance(B, torch.Tensor) and not B.is_complex() else check_real("B", B)
    conjugates = check_bool("conjugates", conjugates)
    y = A.imag
    reach = y.abs() if conjugates else y
    if not bool((reach < B).all()):
        raise ValueError(f"B must exceed every {'|Im(a_j)|' if conjugates else 'Im(a_j)'}; "
                         f"max = {reach.max().item():.4g}, B = {B}")
    out = (C.abs() / (B - y)).sum(-1)
    return out + (C.abs() / (B + y)).sum(-1) if conjugates else out


def poles(kernel: S4DKernel) -> Dict[str, torch.Tensor]:
    """Pole locations: {'continuous': A c(H N), 'discrete': dA c(H N), 'omega': arg(dA) r(H N)}.

    'omega' is where each mode sits on the discrete axis, in (-pi, pi] rad/sample: wrap(dt Im a_j) for
    zoh (folded when dt |Im a_j| > pi), about 2 arctan(dt Im a_j / 2) for bilinear.
    kernel: an S4DKernel, or an S4DLayer (its `.kernel`; 2H channels, causal first, if bidirectional).
    """
    kernel = _as_kernel(kernel, "poles")
    with torch.no_grad():
        p = kernel.ssm()
        dA, _ = kernel.discretize()
        return {"continuous": p["A"], "discrete": dA, "omega": torch.angle(dA)}


def usable_alpha_range(A: torch.Tensor, dt: float, L: int) -> Tuple[float, float]:
    r"""(alpha_min, alpha_max) for eigenvalues A given at alpha = 1 (book chapter 6).

    The fastest mode should be resolved by a length-L sequence, dt * alpha * max|Im a| >= 2 pi / L, and
    not aliased, dt * alpha * max|Im a| <= pi. The ratio alpha_max / alpha_min is L / 2.
    A: c(...) finite, at least one (real ones converted exactly); dt > 0; L >= 2.
    """
    A = _complex("A", A)
    if A.numel() == 0:
        raise ValueError("A must hold at least one eigenvalue, got an empty tensor")
    y = float(A.imag.abs().max())
    if y == 0.0:
        raise ValueError("A has no oscillating mode (every Im(a) = 0): alpha has nothing to scale")
    dt = check_real("dt", dt, low=0.0, low_open=True)
    L = check_int("L", L, low=2)
    return 2 * math.pi / (L * dt * y), math.pi / (dt * y)


def average_power_spectrum(x: torch.Tensor, vocab_size: Optional[int] = None,
                           batch: int = 64) -> Tuple[torch.Tensor, torch.Tensor]:
    r"""Average power spectrum of a set of input sequences, as a model's first layer sees them.

    P(omega_k) = mean over sequences and channels of |sum_l (x_l - mean x) e^{-i omega_k l}|^2 / L,
    omega_k = 2 pi k / L, k = 0..L/2 (rad/sample; one-sided). The mean of each sequence and channel is
    removed first, so P(0) = 0 and the DC offset does not swamp the rest.

    x: r(n L) or r(n L d) real sequences, or int64 (n L) tokens with `vocab_size`: tokens count as one-hot
    channels, which is what a random embedding sees on average. Returns (omega r(L//2+1), P r(L//2+1)),
    float64, P summed over channels (one-hot: a per-token spectrum, normalised to total power 1).
    n >= 1, L >= 2, d >= 1; real x finite; batch (sequences per FFT) an integer >= 1.
    """
    if not isinstance(x, torch.Tensor):
        raise ArgumentTypeError(f"x must be a tensor of shape (n, L) or (n, L, d), got {type(x).__name__}")
    if x.dim() not in (2, 3) or x.shape[0] < 1 or (x.dim() == 3 and x.shape[2] < 1):
        raise ValueError(f"x must be a tensor of shape (n, L) or (n, L, d) with n, d >= 1, got {tuple(x.shape)}")
    L = check_int("L (x.shape[1])", x.shape[1], low=2)
    batch = check_int("batch", batch, low=1)
    if vocab_size is not None:
        vocab_size = check_int("vocab_size", vocab_size, low=1)
        check_tokens(x, vocab_size, "x (vocab_size given)", shape="(n, L)")
    elif x.is_complex():
        raise ValueError(f"x must be real (or tokens with vocab_size), got dtype {x.dtype}")
    else:
        check_finite("x", x)
    total = torch.zeros(L // 2 + 1, dtype=torch.float64, device=x.device)
    for i in range(0, x.shape[0], batch):
        xb = x[i:i + batch]
        if vocab_size is not None:
            xb = torch.nn.functional.one_hot(xb.long(), vocab_size).to(torch.float64)  # r(b L V)
        else:
            xb = xb.to(torch.float64)
            xb = xb[..., None] if xb.dim() == 2 else xb  # r(b L d)
        xb = xb - xb.mean(1, keepdim=True)
        total += (torch.fft.rfft(xb, dim=1).abs() ** 2).sum((0, 2)) / L
    P = (total / x.shape[0]).cpu()
    if vocab_size is not None and P.sum() > 0:  # sequences of one repeated token have no power to normalise
        P = P / P.sum()
    omega = 2 * math.pi * torch.arange(L // 2 + 1, dtype=torch.float64) / L
    return omega, P


ALPHA_RULES = ("quantile", "transport")


def mode_frequencies(y: torch.Tensor, dt_min: float, dt_max: float, steps: int = 33) -> torch.Tensor:
    """Discrete frequencies y_n * dt (rad/sample) of the modes with Im y_n > 0 at alpha = 1, for `steps`
    steps dt spread log-uniformly over [dt_min, dt_max] (the channels of a layer): r(steps * n_modes)."""
    dts = torch.exp(torch.linspace(math.log(dt_min), math.log(dt_max), steps, dtype=torch.float64))
    return (dts[:, None] * y[None, :]).reshape(-1)


def suggest_alpha(omega: torch.Tensor, power: torch.Tensor, A: torch.Tensor, dt_min: float, dt_max: float,
                  rule: str = "quantile", q: float = 0.95) -> float:
    r"""An alpha for the initialization A (at alpha = 1) that puts the modes over the band holding the
    signal's power, from one pass over the data (its spectrum); no training.

    omega, power: the inputs' average power spectrum on [0, pi] rad/sample (`average_power_spectrum`), r(K)
        each, power >= 0 with some power at omega > 0.
    A: c(N) eigenvalues at alpha = 1 (e.g. `fssm.init.init_A(name, N)`); only the oscillating ones
        (Im > 0) can be scaled. dt_min <= dt_max: the layer's step range (log-uniform over channels).
    rule:
      'quantile' (default): the typical channel's fastest mode at the frequency below which a share q of the
        power lies: alpha = omega_q / (max Im(a) * sqrt(dt_min dt_max)). Covers the band, wastes nothing
        above it; ignores how the power is spread inside it.
      'transport': the alpha whose modes, spread over the channels' steps, are distributed over
        log-frequency most like the power is (the 1-Wasserstein distance between the two distributions on
        log omega, the area between their cumulative distribution functions), searched over a log grid of
        alpha. Matches the modes' density to the spectrum's, up to the one scale alpha can set.
    Returns alpha > 0, clipped to what the step range allows without aliasing at dt_max (alpha * max Im(a)
    * dt_max <= pi); a warning says when it clips.
    """
    check_choice("rule", rule, ALPHA_RULES)
    q = check_real("q", q, low=0.0, low_open=True)
    if q > 1.0:
        raise ValueError(f"q must be in (0, 1], got {q}")
    dt_min = check_real("dt_min", dt_min, low=0.0, low_open=True)
    dt_max = check_real("dt_max", dt_max, low=0.0, low_open=True)
    if dt_min > dt_max:
        raise ValueError(f"dt_min must be <= dt_max, got {dt_min} > {dt_max}")
    omega = _real_points("omega", omega, torch.zeros((), dtype=torch.complex128)).to(torch.float64)
    if not isinstance(power, torch.Tensor) or power.shape != omega.shape:
        raise ValueError(f"power must be a tensor of the shape of omega {tuple(omega.shape)}, got "
                         f"{tuple(power.shape) if isinstance(power, torch.Tensor) else type(power).__name__}")
    power = check_finite("power", power).to(torch.float64)
    if bool((power < 0).any()):
        raise ValueError("power must be >= 0 (a power spectrum)")
    if bool((omega < 0).any()) or bool((omega > math.pi + 1e-12).any()) or bool((omega[1:] <= omega[:-1]).any()):
        raise ValueError("omega must be increasing frequencies in [0, pi] rad/sample")
    keep = omega > 0
    omega, power = omega[keep], power[keep]
    if omega.numel() == 0 or float(power.sum()) <= 0:
        raise ValueError("power holds nothing at omega > 0: no band to place the modes on")
    A = _complex("A", A).reshape(-1)
    y = A.imag[A.imag > 0].to(torch.float64)
    if y.numel() == 0:
        raise ValueError("A has no oscillating mode (every Im(a) <= 0): alpha has nothing to scale")
    alpha_max = math.pi / (float(y.max()) * dt_max)
    cdf = torch.cumsum(power, 0) / power.sum()
    if rule == "quantile":
        omega_q = float(omega[int(torch.searchsorted(cdf, torch.tensor(q * (1 - 1e-12), dtype=torch.float64)))])
        alpha = omega_q / (float(y.max()) * math.sqrt(dt_min * dt_max))
    else:
        log_w = torch.log(omega)
        modes = torch.sort(torch.log(mode_frequencies(y, dt_min, dt_max))).values  # log frequencies at alpha = 1
        log_alphas = torch.linspace(math.log(alpha_max) - math.log(1e6), math.log(alpha_max), 601,
                                    dtype=torch.float64)
        # one grid of log omega wide enough for the spectrum and for the modes at every alpha tried
        lo = min(float(log_w.min()), float(modes.min() + log_alphas.min()))
        hi = max(float(log_w.max()), float(modes.max() + log_alphas.max()))
        grid = torch.linspace(lo, hi, 4001, dtype=torch.float64)
        power_cdf = torch.cat([torch.zeros(1, dtype=torch.float64), cdf])[torch.searchsorted(log_w, grid, right=True)]
        shifted = grid[None, :] - log_alphas[:, None]  # r(alphas grid): F_modes at alpha is F_1(log omega - log alpha)
        mode_cdf = torch.searchsorted(modes, shifted.contiguous(), right=True).to(torch.float64) / modes.numel()
        distance = (mode_cdf - power_cdf[None, :]).abs().sum(-1) * float(grid[1] - grid[0])  # W1 on log omega
        alpha = float(torch.exp(log_alphas[int(torch.argmin(distance))]))
    if alpha > alpha_max:
        warnings.warn(f"suggest_alpha: {alpha:.4g} would put the fastest mode above the Nyquist frequency at "
                      f"dt_max = {dt_max:g}; clipped to {alpha_max:.4g}", stacklevel=2)
        alpha = alpha_max
    return alpha
