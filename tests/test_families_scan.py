"""fssm.families.scan: the parallel scan of x_t = a_t x_{t-1} + b_t against the sequential loop and closed forms."""
import math

import pytest
import torch

from fssm.families.scan import linear_scan, linear_scan_reference
from fssm.utils import ArgumentTypeError

F64 = dict(dtype=torch.float64)


def random_a(*shape, radius=0.95, dtype=torch.complex128):
    """Random a with |a| < radius: complex (random phase) or real (random sign)."""
    mag = radius * torch.rand(*shape, **F64)
    if dtype.is_complex:
        return torch.polar(mag, 2 * math.pi * torch.rand(*shape, **F64)).to(dtype)
    return (mag * torch.sign(torch.randn(*shape, **F64))).to(dtype)


def assert_close(x, ref, rtol):
    """max |x - ref| <= rtol * max |ref| (and the same shape and dtype)."""
    assert x.shape == ref.shape and x.dtype == ref.dtype
    err = (x - ref).abs().max().item()
    assert err <= rtol * ref.abs().max().item(), err


# ----------------------------------------------------------------------------- outputs
@pytest.mark.parametrize("L", [1, 2, 3, 7, 37, 100, 129])
def test_outputs_equal_the_loop_for_any_length(L):
    a = random_a(2, 3, 4, L)
    b = torch.randn(2, 3, 4, L, dtype=torch.complex128)
    assert_close(linear_scan(a, b), linear_scan_reference(a, b), 1e-13)


def test_loop_is_the_recurrence_written_out():
    """The reference itself, on numbers worked by hand: x0 = b0, x1 = a1 x0 + b1, x2 = a2 x1 + b2."""
    a = torch.tensor([5.0, 0.5, -2.0], **F64)
    b = torch.tensor([1.0, 2.0, 3.0], **F64)
    expected = torch.tensor([1.0, 2.5, -2.0], **F64)
    assert torch.equal(linear_scan_reference(a, b), expected)
    assert torch.allclose(linear_scan(a, b), expected, rtol=0, atol=1e-15)


@pytest.mark.parametrize("a_shape,b_shape", [
    ((3, 4, 1), (2, 3, 4, 23)),     # a constant in time, shared over the batch (S5's Abar)
    ((4, 1), (2, 3, 4, 23)),        # fewer dimensions than b
    ((2, 3, 4, 23), (2, 3, 4, 23)),  # a varies in time (selective scan)
    ((1, 3, 1, 23), (2, 3, 4, 23)),  # time-varying a broadcast over batch and modes
    ((2, 3, 4, 23), (3, 4, 1)),     # b constant in time, a time-varying: x has a's shape
    ((), (5,)),                     # a scalar a
])
def test_broadcasting(a_shape, b_shape):
    a = random_a(*a_shape) if a_shape else random_a(1)[0]
    b = torch.randn(*b_shape, dtype=torch.complex128)
    x = linear_scan(a, b)
    assert x.shape == torch.broadcast_shapes(a.shape, b.shape)
    assert_close(x, linear_scan_reference(a, b), 1e-13)


@pytest.mark.parametrize("a_dtype,b_dtype,out", [
    (torch.float64, torch.float64, torch.float64),
    (torch.complex128, torch.float64, torch.complex128),
    (torch.float64, torch.complex128, torch.complex128),
    (torch.float32, torch.float32, torch.float32),
    (torch.complex64, torch.float32, torch.complex64),
])
def test_real_and_complex_inputs(a_dtype, b_dtype, out):
    a = random_a(3, 1, dtype=a_dtype)
    b = torch.randn(2, 3, 50, **F64).to(b_dtype) if not b_dtype.is_complex else torch.randn(2, 3, 50, dtype=b_dtype)
    x = linear_scan(a, b)
    assert x.dtype == out
    rtol = 1e-13 if out in (torch.float64, torch.complex128) else 1e-5
    assert_close(x, linear_scan_reference(a, b), rtol)


def test_time_dimension_other_than_last():
    a = random_a(5, 1, 3)
    b = torch.randn(2, 5, 17, 3, dtype=torch.complex128)
    x = linear_scan(a, b, dim=2)
    assert x.shape == b.shape
    assert_close(x, linear_scan_reference(a, b, dim=2), 1e-13)
    assert_close(x, linear_scan(a.movedim(1, -1), b.movedim(2, -1)).movedim(-1, 2), 1e-15)
    assert_close(linear_scan(a, b, dim=-2), x, 0.0)


def test_inputs_are_not_modified_and_empty_lengths_work():
    a, b = random_a(3, 9), torch.randn(3, 9, dtype=torch.complex128)
    a0, b0 = a.clone(), b.clone()
    linear_scan(a, b)
    assert torch.equal(a, a0) and torch.equal(b, b0)
    assert linear_scan(a[:, :0], b[:, :0]).shape == (3, 0)
    assert linear_scan(a[:, :1], torch.ones(0, 3, 9, dtype=torch.complex128)).shape == (0, 3, 9)


# ----------------------------------------------------------------------------- gradients
def _grads(fn, a, b, seed=1):
    """Gradients of a fixed random real functional of fn(a, b) w.r.t. a and b."""
    x = fn(a, b)
    g = torch.randn(x.shape, dtype=x.dtype, generator=torch.Generator().manual_seed(seed))
    loss = (x * g.conj()).real.sum()
    return torch.autograd.grad(loss, (a, b))


@pytest.mark.parametrize("a_shape,b_shape,a_dtype,b_dtype", [
    ((2, 3, 4, 37), (2, 3, 4, 37), torch.complex128, torch.complex128),
    ((3, 4, 1), (2, 3, 4, 37), torch.complex128, torch.complex128),
    ((3, 4, 1), (2, 3, 4, 37), torch.complex128, torch.float64),   # real input, complex state (S5)
    ((1, 3, 1, 37), (2, 3, 4, 37), torch.float64, torch.float64),
    ((2, 3, 4, 37), (3, 4, 1), torch.float64, torch.complex128),
    ((2, 1), (2, 1), torch.complex128, torch.complex128),            # L = 1
])
def test_gradients_equal_autograd_through_the_loop(a_shape, b_shape, a_dtype, b_dtype):
    a = random_a(*a_shape, dtype=a_dtype).requires_grad_()
    b = torch.randn(*b_shape, **F64).to(b_dtype) if not b_dtype.is_complex else torch.randn(*b_shape, dtype=b_dtype)
    b.requires_grad_()
    ga, gb = _grads(linear_scan, a, b)
    ra, rb = _grads(linear_scan_reference, a, b)
    assert ga.dtype == a.dtype and gb.dtype == b.dtype and ga.shape == a.shape and gb.shape == b.shape
    assert_close(ga, ra, 1e-12)
    assert_close(gb, rb, 1e-12)


@pytest.mark.parametrize("a_time", [1, 6])
def test_gradcheck_and_second_derivatives(a_time):
    a = random_a(2, a_time, radius=0.9).requires_grad_()
    b = torch.randn(2, 6, dtype=torch.complex128, requires_grad=True)
    assert torch.autograd.gradcheck(linear_scan, (a, b))
    assert torch.autograd.gradgradcheck(linear_scan, (a, b))


def test_backward_keeps_only_a_and_x():
    """The custom backward saves a and x (memory O(size of x)), not the log2(L) rounds of the forward."""
    a = random_a(3, 1).requires_grad_()
    b = torch.randn(3, 1024, dtype=torch.complex128, requires_grad=True)
    x = linear_scan(a, b)
    saved = x.grad_fn.saved_tensors
    assert len(saved) == 2 and sum(t.numel() for t in saved) == a.numel() + x.numel()


# ----------------------------------------------------------------------------- stability at long L
L_LONG = 2 ** 16


@pytest.mark.parametrize("dtype,rtol", [(torch.complex128, 1e-12), (torch.complex64, 1e-4)])
def test_long_sequence_slow_decay_matches_the_closed_form(dtype, rtol):
    """|a| = 0.999 at L = 2^16: x_t = b (1 - a^{t+1}) / (1 - a) for constant a, b (closed form in float64)."""
    a64 = torch.tensor([0.999 * complex(math.cos(0.3), math.sin(0.3)), 0.999, -0.999], dtype=torch.complex128)
    b64 = torch.tensor([1.0, 1.0 - 2.0j, 0.5j], dtype=torch.complex128)
    t = torch.arange(L_LONG, **F64)
    exact = b64[:, None] * (1 - torch.exp((t + 1) * torch.log(a64)[:, None])) / (1 - a64)[:, None]
    x = linear_scan(a64[:, None].to(dtype), b64[:, None].expand(3, L_LONG).to(dtype))
    assert torch.isfinite(x).all()
    err = ((x.to(torch.complex128) - exact).abs().max(1).values / exact.abs().max(1).values).max().item()
    assert err < rtol, err


def test_long_sequence_time_varying_matches_the_loop():
    """Time-varying |a_t| in [0.998, 1) at L = 2^16 against the sequential loop, float64 and float32."""
    g = torch.Generator().manual_seed(3)
    a = torch.polar(1 - 0.002 * torch.rand(2, L_LONG, generator=g, **F64),
                    0.1 * torch.randn(2, L_LONG, generator=g, **F64))
    b = torch.randn(2, L_LONG, generator=g, **F64)
    ref = linear_scan_reference(a, b)
    assert_close(linear_scan(a, b), ref, 1e-11)
    err = (linear_scan(a.to(torch.complex64), b.float()).to(torch.complex128) - ref).abs().max() / ref.abs().max()
    assert err < 1e-5, err.item()  # 1.2e-6 measured; the float32 loop reaches 1.0e-6


@pytest.mark.parametrize("tiny,dtype", [(1e-30, torch.float32), (1e-200, torch.float64), (0.0, torch.float64)])
def test_tiny_a_underflows_to_zero_without_nan(tiny, dtype):
    """|a| tiny: products underflow to exactly 0 (no division by them): x_t = b_t + a b_{t-1} to round-off."""
    b = torch.randn(2, L_LONG, **F64).to(dtype)
    a = torch.full((2, 1), tiny, **F64).to(dtype)
    x = linear_scan(a, b)
    assert torch.isfinite(x).all()
    expected = b.clone()
    expected[:, 1:] += a * b[:, :-1]
    assert torch.allclose(x, expected, rtol=1e-6 if dtype == torch.float32 else 1e-15, atol=0)
    a_t = torch.full((2, L_LONG), tiny, **F64).to(dtype).requires_grad_()
    b.requires_grad_()
    ga, gb = _grads(linear_scan, a_t, b)
    assert torch.isfinite(ga).all() and torch.isfinite(gb).all()


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("a,b,dim,error,words", [
    ([0.5], torch.ones(3), -1, ArgumentTypeError, "a must be a torch.Tensor"),
    (torch.ones(3), "x", -1, ArgumentTypeError, "b must be a torch.Tensor"),
    (torch.ones(3, dtype=torch.int64), torch.ones(3), -1, ValueError, "a must be a real floating-point or complex"),
    (torch.ones(3), torch.ones(3, dtype=torch.bool), -1, ValueError, "b must be a real floating-point or complex"),
    (torch.ones(2, 4), torch.ones(3, 5), -1, ValueError, "a and b must be broadcastable"),
    (torch.ones(2, 4), torch.ones(2, 4), 2, ValueError, "dim must be an integer in [-2, 1]"),
    (torch.ones(2, 4), torch.ones(2, 4), 0.5, ValueError, "dim must be an integer"),
    (torch.tensor(0.5), torch.tensor(1.0), -1, ValueError, "at least one dimension"),
])
def test_bad_input_is_named(a, b, dim, error, words):
    for fn in (linear_scan, linear_scan_reference):
        with pytest.raises(error, match=None) as info:
            fn(a, b, dim=dim)
        assert words in str(info.value)
