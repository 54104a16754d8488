r"""Parallel scan of diagonal linear recurrences, shared by S5 and the selective scan (book Part V).

    x_t = a_t * x_{t-1} + b_t,    x_{-1} = 0,    t = 0..L-1      (elementwise, a and b real or complex)

The sequential loop costs L dependent steps. The pairs e_t = (a_t, b_t) compose associatively,

    (a_1, b_1) then (a_2, b_2)  =  (a_2 a_1, a_2 b_1 + b_2),

so all prefixes can be formed in O(log L) rounds of whole-tensor operations (the form used by S5: Smith,
Warrington and Linderman, ICLR 2023, and by Mamba's scan: Gu and Dao, 2023). Two schedules:

- a varying in time: the work-efficient tree scan (Blelloch, 1990), an up-sweep that combines neighbours
  1, 2, 4, ... steps apart at every second, fourth, ... position, then a down-sweep that hands each segment
  its finished prefix: about 2L multiply-adds, 2 log2(L) rounds (`_tree_scan`);
- a constant in time (size 1 along time, e.g. S5's): doubling (Hillis and Steele, 1986): round d = 1, 2,
  4, ... updates every t >= d at once, x_t <- x_t + a^d x_{t-d}, with a^d one squaring per round and no
  tensor of products at all (L log2 L multiply-adds, but on contiguous memory).

Both only *multiply*: products of |a| < 1 that shrink below the smallest float become 0, which is the
right limit, and nothing is ever divided by a cumulative product (a cumprod/cumsum formulation
x_t = P_t sum_{s<=t} b_s / P_s divides by P_s -> 0 and overflows after a few hundred steps at |a| = 0.1).

The gradient is a custom backward that runs the same scan backwards in time (memory: a and x only, not the
log2(L) intermediate tensors autograd would keep):

    g_t = dLoss/dx_t + conj(a_{t+1}) g_{t+1}          (the reversed recurrence, g_L = 0)
    dLoss/db_t = g_t,      dLoss/da_t = g_t conj(x_{t-1})

with PyTorch's convention for complex gradients (grad w = dLoss/dRe w + i dLoss/dIm w; a real input gets the
real part); broadcast dimensions are summed. The backward is itself built from `linear_scan`, so second
derivatives work too.
"""
from __future__ import annotations

from typing import Tuple

import torch

from ..utils import ArgumentTypeError

__all__ = ["linear_scan", "linear_scan_reference"]


def _check_pair(a, b, dim) -> Tuple[torch.Tensor, torch.Tensor, int]:
    """Check the arguments; return a, b with the same number of dimensions (size-1 dimensions prepended to
    the shorter), time moved last, and the time dimension as a non-negative index of the broadcast shape."""
    for name, x in (("a", a), ("b", b)):
        if not isinstance(x, torch.Tensor):
            raise ArgumentTypeError(f"{name} must be a torch.Tensor (real floating or complex), got {type(x).__name__}")
        if not (x.is_floating_point() or x.is_complex()):
            raise ValueError(f"{name} must be a real floating-point or complex tensor, got dtype {x.dtype}")
    if a.device != b.device:
        raise ValueError(f"a and b must be on one device, got a on {a.device} and b on {b.device}")
    try:
        shape = torch.broadcast_shapes(a.shape, b.shape)
    except RuntimeError:
        raise ValueError(f"a and b must be broadcastable, got shapes {tuple(a.shape)} and {tuple(b.shape)}") from None
    if len(shape) == 0:
        raise ValueError("a and b must have at least one dimension (time); got two scalars")
    if isinstance(dim, bool) or not isinstance(dim, int) or not -len(shape) <= dim < len(shape):
        raise ValueError(f"dim must be an integer in [{-len(shape)}, {len(shape) - 1}] (the time dimension of the "
                         f"broadcast shape {tuple(shape)}), got {dim!r}")
    dim = dim % len(shape)
    a = a.reshape((1,) * (len(shape) - a.dim()) + tuple(a.shape))
    b = b.reshape((1,) * (len(shape) - b.dim()) + tuple(b.shape))
    if dim != len(shape) - 1:
        a, b = a.movedim(dim, -1), b.movedim(dim, -1)
    return a, b, dim


def _scan(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The log-depth scan along the last dimension, no autograd. a: (..., 1) or (..., L), b: (..., L) or
    (..., 1), same number of dimensions, broadcastable, one dtype. Returns a new tensor of the broadcast shape:
    `_tree_scan` for a time-varying a (O(L) work), `_doubling_scan` for a constant one."""
    return _tree_scan(a, b) if a.shape[-1] != 1 else _doubling_scan(a, b)


def _doubling_scan(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Doubling for a constant in time, a (..., 1): no tensor of products at all (one squaring of a per
    round), L log2 L multiply-adds on contiguous memory."""
    shape = torch.broadcast_shapes(a.shape, b.shape)
    L = shape[-1]
    x = b.expand(shape).clone(memory_format=torch.contiguous_format)
    A = a
    d = 1
    while d < L:
        # the right-hand side is a new tensor, computed in full before the in-place write into x
        x[..., d:] += A * x[..., :-d]
        A = A * A  # a^(2d)
        d *= 2
    return x


def _tree_scan(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The work-efficient scan (Blelloch, 1990) along the last dimension, for a varying in time.

    Up-sweep: for h = 1, 2, 4, ...: every t with t + 1 a multiple of 2h combines with t - h, so that it holds
    the segment of 2h steps ending at t: (A_t, x_t) <- (A_t A_{t-h}, A_t x_{t-h} + x_t). Down-sweep: for h
    from the top down: every t = 2hm + h - 1 (m >= 1) holds the segment of h steps ending at t and its
    left neighbour t - h a finished prefix: x_t <- x_t + A_t x_{t-h}. About 2L multiply-adds in all
    instead of the doubling scan's L log2 L (2x faster at (16, 16, 4, 2048) complex64 on the book's
    2-core CPU, one thread), still 2 log2 L rounds deep."""
    shape = torch.broadcast_shapes(a.shape, b.shape)
    L = shape[-1]
    x = b.expand(shape).clone(memory_format=torch.contiguous_format)
    A = a.expand(shape).clone(memory_format=torch.contiguous_format)  # the caller's a is never written
    h = 1
    while h < L:
        step = 2 * h
        right_x, right_A = x[..., step - 1::step], A[..., step - 1::step]  # t = 2h - 1, 4h - 1, ...
        n = right_x.shape[-1]
        right_x += right_A * x[..., h - 1::step][..., :n]  # views into x and A: written in place
        right_A *= A[..., h - 1::step][..., :n]
        h = step
    h //= 2
    while h >= 1:
        step = 2 * h
        right_x = x[..., step + h - 1::step]  # t = 2h + h - 1, 4h + h - 1, ...
        n = right_x.shape[-1]
        if n:
            right_x += A[..., step + h - 1::step] * x[..., step - 1::step][..., :n]
        h //= 2
    return x


def _sum_to(grad: torch.Tensor, shape: torch.Size, dtype: torch.dtype) -> torch.Tensor:
    """grad summed over the dimensions an input of `shape` was broadcast along; its real part for a real input."""
    if not dtype.is_complex and grad.is_complex():
        grad = grad.real
    return grad.sum_to_size(shape).to(dtype)


class _LinearScan(torch.autograd.Function):
    """x = scan(a, b) along the last dimension, with the reversed scan as backward (module docstring)."""

    @staticmethod
    def forward(ctx, a, b, dtype):
        x = _scan(a.to(dtype), b.to(dtype))
        ctx.save_for_backward(a, x)  # b only through its shape and dtype: not kept alive
        ctx.dtype, ctx.b_meta = dtype, (b.shape, b.dtype)
        return x

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        grad_a = grad_b = None
        ac = a.to(ctx.dtype).conj()
        if ac.shape[-1] == 1:  # time-constant: the reversed recurrence has the same coefficient
            coef = ac
        else:  # reversed position s multiplies g by conj(a_{L-s}); the first coefficient meets g = 0
            coef = torch.cat([torch.zeros_like(ac[..., :1]), ac[..., 1:].flip(-1)], dim=-1)
        g = _LinearScan.apply(coef, grad.flip(-1), ctx.dtype).flip(-1)  # dLoss/db_t (before broadcasting)
        if ctx.needs_input_grad[1]:
            grad_b = _sum_to(g, *ctx.b_meta)
        if ctx.needs_input_grad[0]:
            x_prev = torch.cat([torch.zeros_like(x[..., :1]), x[..., :-1]], dim=-1)  # x_{t-1}, x_{-1} = 0
            grad_a = _sum_to(g * x_prev.conj(), a.shape, a.dtype)
        return grad_a, grad_b, None


def linear_scan(a: torch.Tensor, b: torch.Tensor, dim: int = -1) -> torch.Tensor:
    r"""x_t = a_t * x_{t-1} + b_t with x_{-1} = 0 along dimension `dim`, by a parallel (log-depth) scan.

    Args:
        a: real floating or complex tensor broadcastable with b; its size along time is L or 1 (a constant
            in time, e.g. a c(H N 1) shared by a b c(B H N L)). Any |a| (products only; |a| <= 1 keeps x
            bounded by sum |b|).
        b: real floating or complex tensor, e.g. c(B H N L) or r(B H N L), time along `dim`.
        dim: the time dimension of the broadcast shape (default -1, the last). Negative values count from
            the end, which is unambiguous when a has fewer dimensions than b.
    Returns:
        x, of the broadcast shape of a and b (b's shape when a broadcasts to it), dtype the promotion of a's
        and b's (complex if either is), the same device. Length L = 0 gives the empty tensor.
    Differentiable in a and b (custom backward: the reversed scan; second derivatives work). Numerically
    safe for L up to millions: only multiplications (module docstring). `linear_scan_reference` is the
    readable loop it is tested against.
    """
    a, b, dim = _check_pair(a, b, dim)
    x = _LinearScan.apply(a, b, torch.promote_types(a.dtype, b.dtype))
    return x if dim == x.dim() - 1 else x.movedim(-1, dim)


def linear_scan_reference(a: torch.Tensor, b: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """The same recurrence as `linear_scan` (same arguments, broadcasting and result), as a sequential loop.

    Readable reference for tests and the book: L dependent steps, differentiable through plain autograd.
    """
    a, b, dim = _check_pair(a, b, dim)
    shape = torch.broadcast_shapes(a.shape, b.shape)
    dtype = torch.promote_types(a.dtype, b.dtype)
    a, b = a.to(dtype).expand(shape), b.to(dtype).expand(shape)
    x = torch.zeros(shape[:-1], dtype=dtype, device=b.device)
    xs = []
    for t in range(shape[-1]):
        x = a[..., t] * x + b[..., t]
        xs.append(x)
    out = torch.stack(xs, dim=-1) if xs else torch.zeros(shape, dtype=dtype, device=b.device)
    return out.movedim(-1, dim)
