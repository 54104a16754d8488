"""fssm.families.s5: scan form == convolution form == an independently built dense real system (float64).

The reference is the real 2P-state system built here from `layer.ssm()` alone: each complex mode a block
[[Re a, -Im a], [Im a, Re a]], discretized by the matrix exponential of the augmented matrix (zoh) or by
the bilinear formula, and run by a loop over time; its impulse response C Ad^l Bd, its resolvent
C (is - A)^-1 B. Nothing of fssm.kernel.discretize, the scan or the FFT is used by the reference.
"""
import copy
import math
import os
import warnings

import pytest
import torch

import fssm
from fssm.analysis import transfer_function as siso_transfer_function
from fssm.families.s5 import S5Layer, hippo_n_eigenvectors, mimo_gain
from fssm.init import legs as legs_eigenvalues
from fssm.layer import fast_fft_length
from fssm.train import param_groups
from fssm.utils import ArgumentTypeError

F64 = dict(dtype=torch.float64)


def make(dtype=torch.float64, seed=0, **kw):
    """An S5Layer in `dtype` (aliasing warnings of big HiPPO-N frequencies silenced)."""
    fssm.seed_everything(seed)
    kw.setdefault("dt_min", 0.01)
    kw.setdefault("dt_max", 0.3)
    default = torch.get_default_dtype()
    torch.set_default_dtype(dtype)  # parameters created in `dtype`, not rounded through float32
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", fssm.AliasingWarning)
            return S5Layer(**kw)
    finally:
        torch.set_default_dtype(default)


# ----------------------------------------------------------------------------- the dense reference
def _blocks(p):
    """Per mode p: M_p r(P 2 2) = [[Re a, -Im a], [Im a, Re a]] and Bb_p r(P 2 H) = [Re B_p; Im B_p]."""
    a, B = p["A"], p["B"]
    M = torch.stack([torch.stack([a.real, -a.imag], -1), torch.stack([a.imag, a.real], -1)], -2)
    return M, torch.stack([B.real, B.imag], 1)


def dense_system(layer, discrete=True, dt_scaled=False):
    """(Ad r(2P 2P), Bd r(2P H), Cd r(H 2P), D r(H)) of the real system, differentiable in the parameters.

    discrete: per-mode zoh (expm of [[dt M, dt Bb], [0, 0]]) or bilinear; else the continuous (A, B) as stored
    or, with dt_scaled, in sample time (dt M, dt Bb).
    """
    p = layer.ssm(torch.float64)
    M, Bb = _blocks(p)
    P, H = Bb.shape[0], Bb.shape[-1]
    dt = p["dt"][:, None, None]
    if not discrete:
        Ad, Bd = (dt * M, dt * Bb) if dt_scaled else (M, Bb)
    elif layer.disc == "zoh":
        aug = torch.zeros(P, 2 + H, 2 + H, **F64)
        aug = aug + torch.nn.functional.pad(torch.cat([dt * M, dt * Bb], -1), (0, 0, 0, H))
        E = torch.linalg.matrix_exp(aug)
        Ad, Bd = E[:, :2, :2], E[:, :2, 2:]
    else:
        eye = torch.eye(2, **F64)
        inv = torch.linalg.inv(eye - dt * M / 2)
        Ad, Bd = inv @ (eye + dt * M / 2), inv @ (dt * Bb)
    Cd = 2 * torch.stack([p["C"].real, -p["C"].imag], -1).reshape(H, 2 * P)
    return torch.block_diag(*Ad), Bd.reshape(2 * P, H), Cd, p["D"]


def loop_forward(layer, u):
    """y_t = Cd x_t + D u_t, x_t = Ad x_{t-1} + Bd u_t: the sequential loop over time, float64."""
    Ad, Bd, Cd, D = dense_system(layer)
    x = torch.zeros(u.shape[0], Ad.shape[0], **F64)
    ys = []
    for t in range(u.shape[-1]):
        x = x @ Ad.T + u[..., t] @ Bd.T
        ys.append(x @ Cd.T + D * u[..., t])
    return torch.stack(ys, -1)


def dense_kernel(layer, L):
    """K_l = Cd Ad^l Bd, r(H H L), by repeated multiplication."""
    Ad, Bd, Cd, _ = dense_system(layer)
    Ks, X = [], Bd
    for _ in range(L):
        Ks.append(Cd @ X)
        X = Ad @ X
    return torch.stack(Ks, -1)


def rel(x, ref):
    return ((x - ref).abs().max() / ref.abs().max()).item()


def grads(fn, layer, u, seed=5):
    """Gradients of sum(g * fn(u)) w.r.t. every parameter of the linear system and u."""
    u = u.detach().clone().requires_grad_()
    y = fn(u)
    g = torch.randn(y.shape, **F64, generator=torch.Generator().manual_seed(seed)).to(y.device, y.dtype)
    params = [layer.log_dt, layer.log_A_real, layer.A_imag, layer.B, layer.C, layer.D]
    return torch.autograd.grad((g * y).sum(), params + [u])


CASES = [dict(disc="zoh"), dict(disc="bilinear"), dict(disc="zoh", init="lin"),
         dict(disc="zoh", d_state=6, blocks=3), dict(disc="zoh", alpha=3.0, beta=0.8)]


# ----------------------------------------------------------------------------- outputs and gradients
@pytest.mark.parametrize("kw", CASES)
def test_scan_and_conv_equal_the_dense_loop(kw):
    kw = {"d_model": 3, "d_state": 4, **kw, "beta": 0.0}
    layer = make(**kw)
    u = torch.randn(2, 3, 23, **F64)
    ref = loop_forward(layer, u)
    assert rel(layer.ssm_forward(u), ref) < 1e-12
    assert rel(layer.conv_forward(u), ref) < 1e-12


@pytest.mark.parametrize("kw", CASES[:4])
def test_gradients_of_scan_and_conv_equal_the_dense_loop(kw):
    layer = make(**{"d_model": 3, "d_state": 4, **kw})
    u = torch.randn(2, 3, 19, **F64)
    ref = grads(lambda v: loop_forward(layer, v), layer, u)
    for fn in (layer.ssm_forward, layer.conv_forward):
        for g, r in zip(grads(fn, layer, u), ref):
            assert rel(g, r) < 1e-12


def test_conv_kernel_equals_the_dense_impulse_response():
    for kw in CASES[:4]:
        layer = make(**{"d_model": 3, "d_state": 4, **kw})
        assert rel(layer.conv_kernel(40), dense_kernel(layer, 40)) < 1e-12


@pytest.mark.parametrize("beta", [0.0, 0.9])
def test_gradcheck_tiny_layer(beta):
    """torch.autograd.gradcheck of the scan path (custom scan backward, FFTs when beta != 0) in float64,
    with respect to the input and every parameter of the linear system."""
    layer = make(d_model=2, d_state=2, beta=beta, activation=None, mixing=None)  # forward = ssm_forward
    names = ["log_dt", "log_A_real", "A_imag", "B", "C", "D"]
    values = [getattr(layer, n).detach().clone().requires_grad_() for n in names]
    u = torch.randn(1, 2, 5, **F64, requires_grad=True)

    def f(u, *values):
        return torch.func.functional_call(layer, dict(zip(names, values)), (u,))

    assert torch.autograd.gradcheck(f, (u, *values))


@pytest.mark.parametrize("mode", ["ssm_forward", "conv_forward"])
def test_float32_against_the_float64_loop(mode):
    layer = make(d_model=4, d_state=8, dt_min=1e-3, dt_max=0.1)
    u = torch.randn(2, 4, 300, **F64)
    ref = loop_forward(layer, u)
    y32 = getattr(copy.deepcopy(layer).float(), mode)(u.float())
    assert y32.dtype == torch.float32
    assert rel(y32.double(), ref) < 1e-6  # 1.2e-7 measured (parameters rounded to float32 included)


def test_forward_applies_activation_and_mixing_to_either_path():
    layer = make(d_model=3, d_state=4, beta=0.5)
    u = torch.randn(2, 3, 16, **F64)
    y = layer(u)
    assert y.shape == u.shape
    expected = layer.mixing(torch.nn.functional.gelu(layer.ssm_forward(u)))
    assert torch.allclose(y, expected, rtol=0, atol=1e-14)
    layer.mode = "conv"
    assert torch.allclose(layer(u), y, rtol=0, atol=1e-12)
    assert layer(torch.zeros(0, 3, 16, **F64)).shape == (0, 3, 16)
    plain = make(d_model=3, d_state=4, activation=None, mixing=None, D=False)
    assert torch.allclose(plain(u), plain.ssm_forward(u), rtol=0, atol=0)
    assert plain.ssm()["D"].abs().max() == 0


# ----------------------------------------------------------------------------- the Sobolev filter
def sobolev_reference(layer, u):
    """y_t = sum_{m<L} K_m v_{(t-m) mod n} + D u_t with v = irfft(w rfft(u, n), n), n = fast_fft_length(2L),
    w_k = (1 + (2L/n) k / M)^beta, M = 2L: the weighted-kernel convolution written out with indices."""
    B, H, L = u.shape
    n = fast_fft_length(2 * L)
    beta = layer.beta.item()
    w = (1 + torch.arange(n // 2 + 1, **F64) * (2 * L / n) / (2 * L)) ** beta
    v = torch.fft.irfft(w * torch.fft.rfft(u, n=n), n=n)
    K = dense_kernel(layer, L)  # r(H H L)
    t, m = torch.arange(L)[:, None], torch.arange(L)[None, :]
    V = v[..., (t - m) % n]  # r(B H t m) = v_{t-m}
    return torch.einsum("ijm,bjtm->bit", K, V) + dense_system(layer)[3][:, None] * u


@pytest.mark.parametrize("L", [1, 2, 13, 32, 50])
def test_pre_emphasized_scan_equals_weighted_kernel_conv(L):
    """The scan of the pre-emphasized input == the conv with the weighted kernel == the index reference."""
    layer = make(d_model=3, d_state=4, beta=1.3, dt_min=1e-3, dt_max=0.05)  # slow modes: long memory
    u = torch.randn(2, 3, L, **F64)
    ref = sobolev_reference(layer, u)
    assert rel(layer.ssm_forward(u), ref) < 1e-11
    assert rel(layer.conv_forward(u), ref) < 1e-11
    if L > 1:  # the filter changes the SSM part of the output (else the test could pass vacuously)
        skip = layer.D.detach()[:, None] * u
        assert rel(loop_forward(layer, u) - skip, ref - skip) > 0.05


def test_sobolev_gradients_agree_between_paths():
    layer = make(d_model=3, d_state=4, beta=-0.7)
    u = torch.randn(2, 3, 21, **F64)
    for g, r in zip(grads(layer.ssm_forward, layer, u), grads(layer.conv_forward, layer, u)):
        assert rel(g, r) < 1e-10


def test_beta_zero_is_the_identity():
    """beta = 0 skips the filter; a weight of exactly 1 (beta = 1e-300) through the filtered scan path (window
    of 2L - 1 samples, lags >= L removed) gives the unfiltered output."""
    layer = make(d_model=3, d_state=4, beta=0.0)
    assert not layer.filter_active
    u = torch.randn(2, 3, 30, **F64)
    y0 = layer.ssm_forward(u)
    layer.beta.fill_(1e-300)
    assert layer.filter_active
    assert rel(layer.ssm_forward(u), y0) < 1e-14
    assert rel(layer.conv_forward(u), y0) < 1e-14


# ----------------------------------------------------------------------------- frequency domain
@pytest.mark.parametrize("units", ["time", "sample"])
@pytest.mark.parametrize("skip", [False, True])
def test_transfer_function_equals_the_dense_resolvent(units, skip):
    layer = make(d_model=3, d_state=5)
    s = torch.linspace(-40, 40, 41, **F64)
    A, B, C, D = dense_system(layer, discrete=False, dt_scaled=units == "sample")
    eye = torch.eye(A.shape[0], dtype=torch.complex128)
    R = torch.linalg.solve(1j * s[:, None, None] * eye - A.to(torch.complex128), B.to(torch.complex128))  # (S 2P H)
    ref = torch.einsum("ik,skj->ijs", C.to(torch.complex128), R) + (torch.diag(D)[..., None] if skip else 0)
    G = layer.transfer_function(s, skip=skip, units=units)
    assert G.shape == (3, 3, 41) and G.dtype == torch.complex128
    assert rel(G, ref) < 1e-12
    assert rel(layer.transfer_function(-s, skip=skip, units=units), G.conj()) < 1e-14  # a real system


def test_single_channel_transfer_function_is_the_s4d_one():
    """H = 1: S5's G equals fssm.analysis.transfer_function of the SISO system (A, C B), also in sample time."""
    layer = make(d_model=1, d_state=6)
    p = layer.ssm(torch.float64)
    s = torch.linspace(0, 30, 31, **F64)
    siso = siso_transfer_function(p["A"], p["C"][0] * p["B"][:, 0], s)
    assert rel(layer.transfer_function(s, units="time")[0], siso) < 1e-13
    siso_sample = siso_transfer_function(p["dt"] * p["A"], p["C"][0] * p["dt"] * p["B"][:, 0], s)
    assert rel(layer.transfer_function(s)[0], siso_sample) < 1e-13


@pytest.mark.parametrize("disc", ["zoh", "bilinear"])
@pytest.mark.parametrize("skip", [False, True])
def test_frequency_response_equals_the_kernel_dft(disc, skip):
    layer = make(d_model=3, d_state=4, disc=disc)
    L, n = 24, 64
    K_f = torch.fft.rfft(dense_kernel(layer, L), n=n)  # c(H H n/2+1)
    if skip:
        K_f = K_f + torch.diag(layer.D.detach())[..., None]
    omega = 2 * math.pi * torch.arange(n // 2 + 1, **F64) / n
    assert rel(layer.frequency_response(omega, L=L, skip=skip), K_f) < 1e-12


def test_untruncated_response_is_the_long_kernel_limit_and_the_continuous_one_at_low_frequency():
    layer = make(d_model=2, d_state=3, init="lin", dt_min=0.5, dt_max=0.5)  # |Abar| = e^-0.25: 400 lags suffice
    n = 800
    omega = 2 * math.pi * torch.arange(n // 2 + 1, **F64) / n
    assert rel(layer.frequency_response(omega), torch.fft.rfft(dense_kernel(layer, 400), n=n)) < 1e-12
    # K^(omega) -> G(i omega) in sample time as dt A and omega -> 0 (first-order error)
    errs = []
    for dt in (1e-3, 1e-4):
        small = make(d_model=2, d_state=3, init="lin", dt_min=dt, dt_max=dt)
        w = torch.linspace(0, 10 * dt, 11, **F64)
        errs.append(rel(small.frequency_response(w), small.transfer_function(w)))
    assert errs[0] < 2e-2 and errs[1] < errs[0] / 5


def test_gain_identities():
    layer = make(d_model=4, d_state=6)
    s = torch.linspace(-20, 20, 33, **F64)
    G = layer.transfer_function(s)
    fro, spec = layer.gain(s), layer.gain(s, norm="spectral")
    assert torch.allclose(fro ** 2, (G.abs() ** 2).sum((0, 1)), rtol=1e-12, atol=0)
    top = torch.linalg.eigvalsh(torch.einsum("jis,jks->sik", G.conj(), G)).real[:, -1]  # of G^H G
    assert torch.allclose(spec, top.sqrt(), rtol=1e-10, atol=0)
    assert (spec >= G.abs().amax((0, 1)) * (1 - 1e-12)).all()
    assert (spec <= fro * (1 + 1e-12)).all() and (fro <= 2 * spec * (1 + 1e-12)).all()  # sqrt(H) = 2
    single = make(d_model=1, d_state=6)
    g = single.transfer_function(s)[0, 0].abs()
    assert torch.allclose(single.gain(s), g, rtol=1e-14)
    assert torch.allclose(single.gain(s, norm="spectral"), g, rtol=1e-12)
    assert torch.allclose(mimo_gain(layer.frequency_response(s / 40), "fro"),
                          layer.frequency_response(s / 40).abs().pow(2).sum((0, 1)).sqrt(), rtol=1e-12)


def test_alpha_moves_the_modes_and_the_gain():
    """alpha scales Im(A) only; all else drawn identically. The gain's peak moves up with the modes."""
    one, three = make(d_model=2, d_state=4, alpha=1.0), make(d_model=2, d_state=4, alpha=3.0)
    assert torch.allclose(three.A_imag, 3 * one.A_imag, rtol=1e-15)
    for name in ("log_A_real", "log_dt", "B", "C", "D"):
        assert torch.equal(getattr(one, name), getattr(three, name))
    s = torch.linspace(0, 60, 601, **F64)
    power = [m.gain(s, units="time").detach() ** 2 for m in (one, three)]
    mean_freq = [float((s * g).sum() / g.sum()) for g in power]
    assert mean_freq[1] > 1.5 * mean_freq[0]


# ----------------------------------------------------------------------------- initialization
def test_hippo_n_eigenvectors():
    for P in (1, 4, 9):
        V = hippo_n_eigenvectors(P)
        n = torch.arange(2 * P, **F64)
        S = fssm.init.hippo_legs(2 * P) + torch.sqrt(n + 0.5)[:, None] * torch.sqrt(n + 0.5)[None, :]
        lam = legs_eigenvalues(P)
        assert V.shape == (2 * P, P)
        assert torch.allclose(S.to(torch.complex128) @ V, V * lam, rtol=0, atol=1e-10 * P)
        assert torch.allclose(V.conj().T @ V, torch.eye(P, dtype=torch.complex128), rtol=0, atol=1e-12)


def test_s5_initialization():
    H, P, J = 3, 8, 2
    layer = make(d_model=H, d_state=P, blocks=J, dt_min=1e-3, dt_max=1e-1)
    p = layer.ssm(torch.float64)
    assert torch.allclose(p["A"], legs_eigenvalues(P // J).repeat(J), rtol=1e-15, atol=0)
    assert ((p["dt"] >= 1e-3 * (1 - 1e-12)) & (p["dt"] <= 1e-1 * (1 + 1e-12))).all() and p["dt"].shape == (P,)
    # replay the draws (same seed, same order): B' r(2P H) and C' c(H 2P), truncated normals of variance
    # 1/(2P) per real number (JAX's lecun_normal, as S5), then B = V^H B', C = C' V
    fssm.seed_everything(0)
    std = math.sqrt(1 / (2 * P)) / 0.87962566103423978
    B_real = torch.nn.init.trunc_normal_(torch.empty(2 * P, H, **F64), 0.0, std, -2 * std, 2 * std)
    C_pair = torch.nn.init.trunc_normal_(torch.empty(H, 2 * P, 2, **F64), 0.0, std, -2 * std, 2 * std)
    V = torch.block_diag(*[hippo_n_eigenvectors(P // J)] * J)
    assert torch.allclose(p["B"], V.conj().T @ B_real.to(torch.complex128), rtol=0, atol=1e-14)
    assert torch.allclose(p["C"], torch.view_as_complex(C_pair) @ V, rtol=0, atol=1e-14)
    # the real system they stand for: B' = 2 Re(V B) (conjugate modes included)
    assert torch.allclose(2 * (V @ p["B"]).real, B_real, rtol=0, atol=1e-14)


@pytest.mark.parametrize("init", ["legs", "lin"])
def test_b_and_c_variances(init):
    """E|B_pj|^2 = 1/(2P), E|C_ip|^2 = 1/P for the HiPPO-N basis and the complex-normal draw alike."""
    layer = make(d_model=64, d_state=32, init=init)
    p = layer.ssm(torch.float64)
    assert abs((p["B"].abs() ** 2).mean().item() * 2 * 32 - 1) < 0.1
    assert abs((p["C"].abs() ** 2).mean().item() * 32 - 1) < 0.1


def test_init_tensor_and_aliasing_warning():
    A = torch.tensor([-0.5 + 1j, -1.0 + 0j, -0.2 + 5j], dtype=torch.complex128)
    layer = make(d_model=2, d_state=3, init=A, alpha=2.0)
    assert torch.allclose(layer.ssm()["A"], torch.complex(A.real, 2 * A.imag), rtol=1e-15)
    fssm.seed_everything(0)
    with pytest.warns(fssm.AliasingWarning, match="Nyquist"):
        S5Layer(2, 64)  # HiPPO-N of size 128: Im(A) up to ~5e3
    with warnings.catch_warnings():
        warnings.simplefilter("error", fssm.AliasingWarning)
        S5Layer(2, 64, blocks=16)  # blocks of 4 modes: Im(A) < 20, times dt_max = 0.1 < pi


# ----------------------------------------------------------------------------- optimizer tags
def test_learning_rate_tags():
    layer = make(d_model=2, d_state=4, lr=1e-3, dtype=torch.float32)
    groups = {(g["lr"], g["weight_decay"]): g["names"] for g in param_groups(layer, 1e-2, 0.1, verbose=False)}
    assert sorted(groups[(1e-3, 0.0)]) == ["A_imag", "B", "log_A_real", "log_dt"]
    assert "C" in groups[(1e-2, 0.1)] and "D" in groups[(1e-2, 0.1)]
    frozen = make(d_model=2, d_state=4, lr={"log_dt": 0.0, "C": 5e-4})
    assert "log_dt" in dict(frozen.named_buffers()) and "log_dt" not in dict(frozen.named_parameters())
    assert frozen.C._optim == {"lr": 5e-4, "weight_decay": 0.0}


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("kw,error,words", [
    (dict(d_model=0), ValueError, "d_model must be an integer >= 1"),
    (dict(d_state=6, blocks=4), ValueError, "blocks must divide d_state = 6"),
    (dict(alpha=0.0), ValueError, "alpha must be a finite real number > 0"),
    (dict(dt_min=0.2, dt_max=0.1), ValueError, "dt_min must be <= dt_max"),
    (dict(init="hippo"), ValueError, "init must be one of"),
    (dict(init=torch.ones(4)), ArgumentTypeError, "init tensor must be complex"),
    (dict(init=torch.ones(3, dtype=torch.complex64)), ValueError, "init tensor must have shape (4,)"),
    (dict(init=torch.ones(4, dtype=torch.complex64)), ValueError, "negative real part"),
    (dict(mode="loop"), ValueError, "mode must be one of 'scan', 'conv'"),
    (dict(disc="euler"), ValueError, "disc must be one of 'zoh', 'bilinear'"),
    (dict(lr={"A": 1e-3}), ValueError, "lr: unknown parameter name(s) ['A']"),
    (dict(beta=math.nan), ValueError, "beta must be a finite real number"),
    (dict(dropout=1.0), ValueError, "dropout must be in [0, 1)"),
    (dict(D=1), ArgumentTypeError, "D must be True or False"),
])
def test_bad_arguments_are_named(kw, error, words):
    with pytest.raises(error) as info:
        S5Layer(**{"d_model": 2, "d_state": 4, **kw})
    assert words in str(info.value)


def test_bad_inputs_are_named():
    layer = make(d_model=2, d_state=4, dtype=torch.float32)
    bad = [
        (lambda: layer(torch.randn(1, 3, 5)), "u must have 2 channels"),
        (lambda: layer(torch.randn(2, 5)), "u must have 3 dimensions"),
        (lambda: layer.conv_forward(torch.randn(1, 2, 5, **F64)), "u has dtype torch.float64"),
        (lambda: layer.ssm_forward(torch.randn(1, 2, 0)), "u must have length L >= 1"),
        (lambda: layer(torch.full((1, 2, 4), math.nan)), "u contains NaN"),
        (lambda: layer.conv_kernel(0), "L must be an integer >= 1"),
        (lambda: layer.gain([1.0], norm="max"), "norm must be one of 'fro', 'spectral'"),
        (lambda: layer.transfer_function([1.0], units="hz"), "units must be one of 'sample', 'time'"),
        (lambda: layer.transfer_function(torch.ones(2, dtype=torch.complex64)), "s must be real numbers"),
        (lambda: layer.frequency_response([math.inf]), "omega contains NaN or Inf"),
        (lambda: mimo_gain(torch.ones(2, 2)), "G must be a tensor of shape (H_out, H_in, S)"),
    ]
    for fn, words in bad:
        with pytest.raises((ValueError, ArgumentTypeError)) as info:
            fn()
        assert words in str(info.value), (words, str(info.value))


# ----------------------------------------------------------------------------- CUDA (skipped without one)
DEV = torch.device(os.environ.get("FSSM_CUDA_TESTS_DEVICE") or "cuda")  # as tests/test_cuda.py: =cpu checks the logic
REQUIRE_CUDA = os.environ.get("FSSM_REQUIRE_CUDA", "") not in ("", "0")


@pytest.mark.cuda
@pytest.mark.skipif(DEV.type == "cuda" and not torch.cuda.is_available() and not REQUIRE_CUDA, reason="needs CUDA")
def test_cuda_scan_conv_and_gradients_equal_the_cpu():
    """float32 on the device: both paths, with the Sobolev filter, against the float64 CPU loop; gradients too."""
    layer = make(d_model=4, d_state=8, beta=0.5, dt_min=1e-3, dt_max=0.1)
    u = torch.randn(2, 4, 257, **F64)
    ref = sobolev_reference(layer, u)
    ref_grads = grads(layer.conv_forward, layer, u)
    dev = copy.deepcopy(layer).to(DEV, torch.float32)
    for fn in (dev.ssm_forward, dev.conv_forward):
        y = fn(u.to(DEV, torch.float32))
        assert y.device.type == DEV.type and rel(y.detach().cpu().double(), ref) < 1e-5
        for g, r in zip(grads(fn, dev, u.to(DEV, torch.float32)), ref_grads):
            assert g.device.type == DEV.type and rel(g.cpu().double(), r) < 1e-4


@pytest.mark.parametrize("dtype,tol", [(torch.bfloat16, 2e-2), (torch.float16, 2e-3)])
def test_half_precision_layers_compute_in_float32(dtype, tol):
    layer = make(d_model=3, d_state=4, beta=0.5, dtype=torch.float32)
    half = copy.deepcopy(layer).to(dtype)
    u = torch.randn(2, 3, 40)
    for mode in ("ssm_forward", "conv_forward"):
        y = getattr(half, mode)(u.to(dtype))
        assert y.dtype == dtype
        assert rel(y.float(), getattr(layer, mode)(u)) < tol
