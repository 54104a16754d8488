"""Edges of the kernel, the layer and the initializations (issue 12): every bad argument named, numerics that
hold where dt is tiny, modes are strongly damped or memory is long (L = 2^21, against float64)."""
import copy
import math

import pytest
import torch

import fssm
from fssm.init import lin, scale_imag
from fssm.kernel import S4DKernel, blocked_vandermonde_kernel, discretize, vandermonde_kernel
from fssm.layer import _Reweight, fft_conv, sobolev_weight, ssm_recurrence

NAN, INF = float("nan"), float("inf")


def _one_channel(modes, dt, disc="zoh", mode="fast"):
    """S4DKernel with H = 1, the given eigenvalues, C = 1 and one fixed step (float32 parameters)."""
    return S4DKernel(1, len(modes), init=torch.tensor(modes, dtype=torch.complex128), dt_min=dt, dt_max=dt,
                     disc=disc, C_init=torch.ones(1, len(modes)), mode=mode)


# ----------------------------------------------------------------------------- sizes and dtypes of the layer
def test_empty_batch_gives_an_empty_output_with_gradients():
    layer = fssm.S4DLayer(4, 2, beta=0.5, bidirectional=True)
    u = torch.randn(0, 4, 10, requires_grad=True)
    y = layer(u)
    assert y.shape == (0, 4, 10)
    y.sum().backward()  # an empty batch contributes zero gradient, no error
    assert u.grad.shape == (0, 4, 10) and float(layer.kernel.log_dt.grad.abs().sum()) == 0.0
    assert fft_conv(torch.randn(0, 3, 7), torch.randn(3, 7), beta=torch.ones(3)).shape == (0, 3, 7)


def test_layer_input_must_have_the_layer_dtype_and_device():
    layer = fssm.S4DLayer(4, 2)
    with pytest.raises(ValueError, match=r"torch\.float64.*torch\.float32"):
        layer(torch.randn(2, 4, 10, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"torch\.float32.*torch\.float64"):
        copy.deepcopy(layer).double()(torch.randn(2, 4, 10))
    with pytest.raises(ValueError, match="u is on meta but the parameters it meets are on cpu"):
        layer(torch.empty(2, 4, 10, device="meta"))  # another device than the parameters'
    u = torch.randn(2, 4, 10)
    with torch.autocast("cpu", dtype=torch.bfloat16):  # autocast hands over bfloat16: computed in float32
        y = layer(u.bfloat16())
    assert torch.isfinite(y).all()


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
@pytest.mark.parametrize("mode", ["fast", "reference"])
def test_half_precision_kernels_and_layers_are_computed_in_float32_and_cast(dtype, mode):
    fssm.seed_everything(3)
    layer = fssm.S4DLayer(4, 4, beta=0.5, kernel_kwargs={"mode": mode})
    half = copy.deepcopy(layer).to(dtype)
    k = half.kernel(64)
    assert k.dtype == dtype
    # the half kernel is the float32 kernel of the rounded parameters, rounded once
    exact = copy.deepcopy(half).float()
    torch.testing.assert_close(k.float(), exact.kernel(64).to(dtype).float(), rtol=0, atol=0)
    u = torch.randn(2, 4, 64)
    y = half(u.to(dtype))
    assert y.dtype == dtype and torch.isfinite(y).all()
    assert (y.float() - exact(u)).norm() <= 3e-2 * exact(u).norm()


# ----------------------------------------------------------------------------- construction
@pytest.mark.parametrize("kwargs, error, match", [
    ({"C_init": torch.full((2, 2), NAN)}, ValueError, "C_init contains NaN"),
    ({"C_init": torch.full((2, 2), INF)}, ValueError, "C_init contains NaN"),
    ({"C_init": torch.full((2, 2), 1e39, dtype=torch.float64)}, ValueError, "C_init: values too large"),
    ({"C_init": "abc"}, TypeError, "C_init must be a complex"),
    ({"C_init": torch.ones(2, 2, dtype=torch.bool)}, TypeError, "C_init must be a complex"),
    ({"init": torch.tensor([complex(-1.0, INF), -1 + 0j])}, ValueError, "init contains NaN"),
    ({"init": torch.tensor([complex(-INF, 1.0), -1 + 0j])}, ValueError, "init contains NaN"),
    ({"init": torch.tensor([complex(NAN, 1.0), -1 + 0j])}, ValueError, "init contains NaN"),
    ({"init": torch.tensor([complex(-1.0, 1e39), -1 + 0j], dtype=torch.complex128)}, ValueError,
     "init: values too large"),
])
def test_kernel_rejects_non_finite_or_malformed_init_and_C_init(kwargs, error, match):
    with pytest.raises(error, match=match):
        S4DKernel(2, 2, **kwargs)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"learn_beta": "no"}, ValueError, "learn_beta must be True or False"),
    ({"bidirectional": "yes"}, ValueError, "bidirectional must be True or False"),
    ({"D": "no"}, ValueError, "D must be True or False"),
    ({"beta_lr": "x"}, ValueError, "beta_lr must be a finite real number > 0"),  # checked even when unused
    ({"beta_lr": -1.0}, ValueError, "beta_lr must be a finite real number > 0"),
    ({"kernel_kwargs": ["mode"]}, TypeError, "kernel_kwargs must be a mapping"),
    ({"kernel_kwargs": {"d_model": 3}}, ValueError, r"kernel_kwargs must not set \['d_model'\]"),
])
def test_layer_rejects_malformed_flags_and_kernel_kwargs(kwargs, error, match):
    with pytest.raises(error, match=match):
        fssm.S4DLayer(4, 2, **kwargs)


def test_init_functions_reject_real_dtypes_and_real_or_non_finite_eigenvalues():
    with pytest.raises(ValueError, match="dtype must be one of torch.complex64, torch.complex128"):
        lin(3, dtype=torch.float32)  # would silently drop the imaginary parts
    with pytest.raises(TypeError, match="a must be a complex tensor"):
        scale_imag(torch.tensor([-0.5, -1.0]), 2.0)
    with pytest.raises(ValueError, match="a contains NaN or Inf"):
        scale_imag(torch.tensor([complex(-0.5, NAN)]), 2.0)


# ----------------------------------------------------------------------------- the public functions
A1 = torch.tensor([[-0.5 + 1.0j]], dtype=torch.complex128)
C1 = torch.ones(1, 1, dtype=torch.complex128)


@pytest.mark.parametrize("args, error, match", [
    ((A1, C1, torch.tensor([-0.1])), ValueError, r"dt must be > 0 in every channel, got min\(dt\) = -0.1"),
    ((A1, C1, torch.tensor([0.0])), ValueError, "dt must be > 0"),
    ((A1, C1, torch.tensor([NAN])), ValueError, "dt contains NaN or Inf"),
    ((A1, C1, torch.tensor([INF])), ValueError, "dt contains NaN or Inf"),
    ((A1, C1, 0.1), TypeError, "dt must be a torch.Tensor"),
    ((A1, C1, torch.tensor([0.1, 0.2])), ValueError, "dt must have 1 channels"),
    ((torch.tensor([[complex(NAN, 1.0)]]), C1, torch.tensor([0.1])), ValueError, "A contains NaN"),
    ((torch.tensor([[2.0 + 0j]]), C1, torch.tensor([1.0]), "bilinear"), ValueError, r"A must have Re <= 0"),
    ((A1, torch.ones(2, 3, dtype=torch.complex128), torch.tensor([0.1])), ValueError, r"C must have shape \(1, 1\)"),
    ((A1[0], C1[0], torch.tensor([0.1])), ValueError, r"A must have shape \(H, N\)"),
])
def test_discretize_rejects_bad_steps_and_systems(args, error, match):
    with pytest.raises(error, match=match):
        discretize(*args)


def test_kernel_functions_reject_bad_lengths_blocks_and_dtypes():
    dA, dC = discretize(A1, C1, torch.tensor([0.1]))
    for L in (2.5, 0, -1, "3"):
        with pytest.raises(ValueError, match="L must be an integer >= 1"):
            vandermonde_kernel(dA, dC, L)
    for block in (0, -3, 2.5):
        with pytest.raises(ValueError, match="block must be an integer >= 1"):
            blocked_vandermonde_kernel(dA, dC, 10, block=block)
    with pytest.raises(ValueError, match="dtype must be one of"):
        blocked_vandermonde_kernel(dA, dC, 10, dtype=torch.int64)
    with pytest.raises(ValueError, match="dA or log_dA"):
        blocked_vandermonde_kernel(None, dC, 10)
    with pytest.raises(ValueError, match="dA contains NaN"):
        vandermonde_kernel(torch.full_like(dA, NAN), dC, 4)
    with pytest.raises(ValueError, match=r"dC must have shape \(1, 1\)"):
        blocked_vandermonde_kernel(dA, torch.ones(1, 2, dtype=torch.complex128), 10)


@pytest.mark.parametrize("kwargs, match", [
    ({"scale": 0.0}, "scale must be a finite real number > 0"),
    ({"scale": -2.0}, "scale must be a finite real number > 0"),
    ({"n_bins": 0}, "n_bins must be an integer >= 1"),
    ({"n_bins": -1}, "n_bins must be an integer >= 1"),
    ({"n_bins": 2.5}, "n_bins must be an integer >= 1"),
    ({"beta": torch.tensor([NAN])}, "beta contains NaN or Inf"),
    ({"beta": torch.tensor([INF])}, "beta contains NaN or Inf"),
    ({"beta": torch.ones(1, 1)}, "beta must have 1 dimensions"),
    ({"step": 0.0}, "step must be a finite real number > 0"),
])
def test_sobolev_weight_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sobolev_weight(**{"beta": torch.ones(1), "n_bins": 5, "scale": 2.0, **kwargs})


@pytest.mark.parametrize("kwargs, error, match", [
    ({"k": torch.randn(3, 10)}, ValueError, r"k must have shape \(4, L\)"),
    ({"k": torch.randn(4, 10, dtype=torch.complex64)}, ValueError, "k must be a real floating-point tensor"),
    ({"u": [1.0]}, TypeError, "u must be a torch.Tensor"),
    ({"beta": torch.ones(3)}, ValueError, r"beta must have shape \(4,\)"),
    ({"beta": torch.ones(4), "sobolev_scale": 0.0}, ValueError, "sobolev_scale must be a finite real number > 0"),
])
def test_fft_conv_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        fft_conv(**{"u": torch.randn(1, 4, 10), "k": torch.randn(4, 10), **kwargs})


def test_ssm_recurrence_names_its_arguments():
    layer = fssm.S4DLayer(4, 2)
    with pytest.raises(TypeError, match=r"kernel must be an S4DKernel .*layer\.kernel"):
        ssm_recurrence(layer, torch.randn(1, 4, 5))
    with pytest.raises(ValueError, match="u must have 4 channels"):
        ssm_recurrence(layer.kernel, torch.randn(1, 3, 5))


def test_reweight_takes_none_for_no_weight():
    """`_Reweight` with None on one side: the identity there, no tensor of ones allocated."""
    x = torch.randn(3, 5, dtype=torch.complex128, requires_grad=True)
    w = torch.rand(3, 5, dtype=torch.float64) + 0.5
    g = torch.randn(3, 5, dtype=torch.complex128)
    y = _Reweight.apply(x, None, w)
    assert torch.equal(y, x)
    (grad,) = torch.autograd.grad(y, x, g)
    assert torch.equal(grad, g * w)
    y = _Reweight.apply(x, w, None)
    assert torch.equal(y, x * w)
    (grad,) = torch.autograd.grad(y, x, g)
    assert torch.equal(grad, g)


# ----------------------------------------------------------------------------- numerics at the edges
@pytest.mark.parametrize("disc", ["zoh", "bilinear"])
def test_long_memory_float32_kernel_matches_float64_at_L_2_pow_21(disc):
    """Re a = -1e-3, dt = 1e-2: the kernel decays by e over 1e5 samples. In float32, dt = exp(log dt) rounded to
    float32 (relative 3e-8) moves the phase l dt Im(a) by ~6e-3 rad at l = 2^21; the fast path computes dt and
    dt A in float64 from the float32 parameters and stays at float32 round-off of the float64 kernel."""
    L = 2 ** 21
    k32 = _one_channel([complex(-1e-3, 10.0), complex(-1e-3, 0.3)], 1e-2, disc=disc)
    k64 = copy.deepcopy(k32).double()  # the same parameters, the whole computation in float64
    with torch.no_grad():
        exact, fast = k64(L), k32(L)
    assert fast.dtype == torch.float32
    err = ((fast.double() - exact).abs().max() / exact.abs().max()).item()
    assert err < 1e-6, err  # was 1.5e-4 with dt in float32


def test_zoh_weight_is_accurate_at_tiny_dt():
    """dC = C (exp(dt a) - 1)/a against its series C dt (1 + z/2 + z^2/6 + z^3/24), z = dt a (exact to float64
    round-off for |z| <= 1e-4): the naive exp(z) - 1 loses all digits in float32 at dt = 1e-8."""
    for dt in (1e-4, 1e-6, 1e-8):
        kernel = _one_channel([complex(-0.5, 1.0), complex(-0.5, 30.0)], dt, mode="reference")
        p = kernel.ssm(torch.float64)  # the same float32 parameters, in float64
        z = p["dt"][:, None] * p["A"]
        series = p["C"] * p["dt"][:, None] * (1 + z / 2 + z ** 2 / 6 + z ** 3 / 24)
        _, dC = kernel.discretize()  # float32
        rel = ((dC.detach().to(torch.complex128) - series.detach()).abs() / series.detach().abs()).max().item()
        assert rel < 1e-6, (dt, rel)  # was 4e-5 at dt = 1e-4, 0.45 at dt = 1e-8
    z = torch.tensor([[complex(-1e-12, 1e-12)]], dtype=torch.complex128)  # float64, dt = 1e-12 on a = -1 + 1j
    _, dC = discretize(z / 1e-12, C1, torch.tensor([1e-12], dtype=torch.float64))
    series = 1e-12 * (1 + z / 2 + z ** 2 / 6)
    assert ((dC - series).abs() / series.abs()).max().item() < 1e-14


def test_zoh_integrator_mode_has_its_limit_weight():
    """a = 0 (a pure integrator): (exp(dt a) - 1)/a -> dt, not 0/0."""
    dA, dC = discretize(torch.zeros(1, 1, dtype=torch.complex128), C1 * 3, torch.tensor([0.25], dtype=torch.float64))
    assert dA.item() == 1 and dC.item() == 0.75


@pytest.mark.parametrize("disc", ["zoh", "bilinear"])
def test_strongly_damped_modes_are_finite_in_both_paths(disc):
    """dt Re a = -1e6: dA underflows to 0 (zoh), so dA^0 = 1 must not become exp(0 * log 0) = NaN."""
    modes = [complex(-1e8, 1.0), complex(-0.5, 2.0)]
    ref, fast = _one_channel(modes, 1e-2, disc, mode="reference"), _one_channel(modes, 1e-2, disc, mode="fast")
    exact = copy.deepcopy(fast).double()
    with torch.no_grad():
        K, Kr, Kf = exact(50), ref(50), fast(50)
    assert torch.isfinite(Kr).all() and torch.isfinite(Kf).all()
    scale = K.abs().max()
    assert (Kr.double() - K).abs().max() <= 1e-5 * scale and (Kf.double() - K).abs().max() <= 1e-6 * scale
    dA = torch.zeros(1, 1, dtype=torch.complex128)  # a pole at 0 given directly: K = 2 Re dC at l = 0 only
    for kernel in (vandermonde_kernel(dA, C1, 4), blocked_vandermonde_kernel(dA, C1, 4)):
        assert torch.equal(kernel, torch.tensor([[2.0, 0.0, 0.0, 0.0]], dtype=torch.float64))
