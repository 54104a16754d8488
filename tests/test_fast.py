"""The fast path equals the readable reference: kernels and layers, outputs and gradients."""
import math

import pytest
import torch

import fssm
from fssm.kernel import blocked_vandermonde_kernel, vandermonde_kernel
from fssm.layer import fast_fft_length, fft_conv

LENGTHS = [1, 2, 3, 7, 100, 1000, 4097, 65536]


def _pair(**kw):
    fssm.seed_everything(0)
    ref = fssm.S4DKernel(mode="reference", **kw)
    fast = fssm.S4DKernel(mode="fast", **kw)
    fast.load_state_dict(ref.state_dict())
    return ref, fast


@pytest.mark.parametrize("disc", ["zoh", "bilinear"])
@pytest.mark.parametrize("init", ["lin", "inv", "legs", "real"])
@pytest.mark.parametrize("alpha", [0.1, 1.0, 10.0])
def test_fast_kernel_equals_reference_float32(disc, init, alpha):
    """float32 fast kernel vs the reference evaluated exactly (float64) on the same float32 parameters.

    The float32 reference itself drifts up to ~4e-5 of the kernel's scale at large L (phases l*arg(dA)
    in float32, 7e-5 seen); the fast path stays within 1e-5 of the exact kernel.
    """
    ref, fast = _pair(d_model=3, d_state=8, init=init, alpha=alpha, disc=disc)
    exact = fssm.S4DKernel(d_model=3, d_state=8, init=init, alpha=alpha, disc=disc).double()
    exact.load_state_dict({k: v.double() for k, v in ref.state_dict().items()})
    for L in LENGTHS:
        a, b, ref32 = exact(L), fast(L), ref(L)
        assert b.dtype == torch.float32
        scale = a.abs().max()
        assert (a - b).abs().max() <= 1e-5 * scale, (L, ((a - b).abs().max() / scale).item())
        assert (ref32 - b).abs().max() <= 1e-4 * scale  # agreement up to the reference's own error


@pytest.mark.parametrize("disc", ["zoh", "bilinear"])
def test_fast_kernel_gradients_equal_reference_float64(disc):
    ref, fast = _pair(d_model=2, d_state=4, disc=disc)
    ref, fast = ref.double(), fast.double()
    for L in (1, 5, 257, 4096):
        w = torch.randn(2, L, dtype=torch.float64)
        ga = torch.autograd.grad((ref(L) * w).sum(), list(ref.parameters()))
        gb = torch.autograd.grad((fast(L) * w).sum(), list(fast.parameters()))
        for x, y in zip(ga, gb):
            torch.testing.assert_close(x, y, rtol=1e-9, atol=1e-12 * max(1.0, x.abs().max().item()))


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("beta", [-1.0, 0.0, 0.5])
def test_fast_layer_equals_reference_outputs_and_gradients(bidirectional, beta):
    kw = dict(d_model=4, d_state=4, beta=beta, learn_beta=True, bidirectional=bidirectional)
    fssm.seed_everything(1)
    ref = fssm.S4DLayer(**kw, kernel_kwargs={"mode": "reference"})
    fast = fssm.S4DLayer(**kw, kernel_kwargs={"mode": "fast"})
    fast.load_state_dict(ref.state_dict())
    for L in (1, 3, 100, 1000):
        u = torch.randn(2, 4, L)
        ya, yb = ref(u), fast(u)
        torch.testing.assert_close(ya, yb, rtol=1e-4, atol=1e-5 * ya.abs().max().item())
        ga = torch.autograd.grad(ya.square().sum(), list(ref.parameters()))
        gb = torch.autograd.grad(yb.square().sum(), list(fast.parameters()))
        for x, y in zip(ga, gb):
            torch.testing.assert_close(x, y, rtol=1e-3, atol=1e-4 * max(1.0, x.abs().max().item()))


def test_fast_path_under_autocast():
    fssm.seed_everything(2)
    layer = fssm.S4DLayer(4, 4, kernel_kwargs={"mode": "fast"})
    u = torch.randn(2, 4, 300)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y = layer(u)
    assert y.dtype in (torch.bfloat16, torch.float32) and torch.isfinite(y).all()
    torch.testing.assert_close(y.float(), layer(u), rtol=0.05, atol=0.05)


@pytest.mark.parametrize("n", [1, 2, 7, 97, 2000, 4098, 8198, 125664])
def test_fast_fft_length_is_the_smallest_5_smooth_number(n):
    def smooth(m):
        for p in (2, 3, 5):
            while m % p == 0:
                m //= p
        return m == 1

    m = fast_fft_length(n)
    assert m >= n and smooth(m)
    assert not any(smooth(j) for j in range(n, m))


def test_non_smooth_lengths_still_give_linear_convolution():
    L = 4099  # 2L = 8198 is not 5-smooth: the FFT runs at 8640
    k = torch.randn(1, L, dtype=torch.float64)
    u = torch.zeros(1, 1, L, dtype=torch.float64)
    u[0, 0, L - 1] = 1.0  # an impulse at the end: any wrap-around would show up at t < L - 1
    y = fft_conv(u, k)
    assert y[0, 0, : L - 1].abs().max() < 1e-12
    assert abs(y[0, 0, L - 1].item() - k[0, 0].item()) < 1e-12
