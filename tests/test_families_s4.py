"""S4 (DPLR) kernel of fssm.families.s4 against independent references.

References: the HiPPO-LegS matrix of fssm.init (its eigenvalues -1..-2N, its transfer function by a dense
solve); a real 2N-state system built here from the raw parameters (not from `ssm()`), run step by step
(impulse response) in float64; the existing S4D kernel when the low-rank term is zero; finite differences.
"""
import math

import pytest
import torch

import fssm
from fssm.families import s4
from fssm.init import hippo_legs, legs
from fssm.layer import S4DLayer, fft_conv

PARAMS = ("log_dt", "log_Lambda_real", "Lambda_imag", "P", "B", "C")


@pytest.fixture
def float64_default():
    """Create parameters in float64 (not float32 rounded up): the HiPPO identities hold to float64 digits."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def perturbed(H=3, N=4, disc="bilinear", mode=None, dt=(1e-2, 1e-1), scale=0.3, dtype=torch.float64):
    """An S4Kernel moved away from its initialization (generic Lambda, P, B, C), in `dtype`."""
    k = s4.S4Kernel(H, N, dt_min=dt[0], dt_max=dt[1], disc=disc, mode=mode).to(dtype)
    with torch.no_grad():
        for name in ("log_Lambda_real", "Lambda_imag", "P", "B", "C"):
            p = getattr(k, name)
            p.add_(scale * torch.randn_like(p))
    return k


def real_form(k: s4.S4Kernel, h: int):
    """Channel h as a real 2N-state system (A, B, C) in float64, built from the parameters alone.

    State [Re x; Im x] of the N complex modes x. The DPLR dynamics x' = Lambda x - p 2 Re(p^* x) + b u
    (the rank-one term seen from the first half of the conjugate-symmetric state) and y = 2 Re(c x) become
    A = [[Re L, -Im L], [Im L, Re L]] - 2 q q^T with q = [Re p; Im p], B = [Re b; Im b], C = [2 Re c, -2 Im c].
    Differentiable in the parameters.
    """
    f = {name: getattr(k, name).to(torch.float64) for name in PARAMS}
    lr, li = -torch.exp(f["log_Lambda_real"][h]), f["Lambda_imag"][h]
    q = f["P"][h].T.reshape(-1)  # [Re p; Im p]
    A = torch.cat([torch.cat([torch.diag(lr), -torch.diag(li)], 1), torch.cat([torch.diag(li), torch.diag(lr)], 1)])
    A = A - 2.0 * q[:, None] * q[None, :]
    B = f["B"][h].T.reshape(-1)
    C = torch.cat([2.0 * f["C"][h, :, 0], -2.0 * f["C"][h, :, 1]])
    return A, B, C, torch.exp(f["log_dt"][h])


def impulse_response(k: s4.S4Kernel, L: int, disc: str) -> torch.Tensor:
    """r(H L): K_l = C Abar^l Bbar of `real_form`, one step at a time (zoh: Bbar = A^{-1}(Abar - I) B)."""
    rows = []
    for h in range(k.d_model):
        A, B, C, dt = real_form(k, h)
        eye = torch.eye(A.shape[0], dtype=A.dtype)
        if disc == "bilinear":
            Abar = torch.linalg.solve(eye - dt / 2 * A, eye + dt / 2 * A)
            Bbar = torch.linalg.solve(eye - dt / 2 * A, dt * B)
        else:
            Abar = torch.linalg.matrix_exp(dt * A)
            Bbar = torch.linalg.solve(A, (Abar - eye) @ B)
        x, out = Bbar, []
        for _ in range(L):
            out.append(C @ x)
            x = Abar @ x
        rows.append(torch.stack(out))
    return torch.stack(rows)


def rel(a, b) -> float:
    return ((a - b).abs().max() / b.abs().max()).item()


# ----------------------------------------------------------------------------- the NPLR form
def test_legs_nplr_reconstructs_hippo_legs():
    N = 8
    f = s4.legs_nplr(N)
    V = torch.cat([f["V"], f["V"].conj()], dim=1)  # c(2N 2N)
    torch.testing.assert_close(V.conj().T @ V, torch.eye(2 * N, dtype=V.dtype), rtol=0, atol=1e-13)
    torch.testing.assert_close(f["Lambda"], legs(N))  # the eigenvalues are fssm.init's S4D-LegS init
    n = torch.arange(2 * N, dtype=torch.float64)
    P, B = torch.sqrt(n + 0.5), torch.sqrt(2 * n + 1)
    normal = V @ torch.diag(torch.cat([f["Lambda"], f["Lambda"].conj()])) @ V.conj().T
    torch.testing.assert_close(normal - torch.outer(P, P), hippo_legs(2 * N).to(V.dtype), rtol=0, atol=1e-12)
    torch.testing.assert_close(f["P"], f["V"].conj().T @ P.to(V.dtype))
    torch.testing.assert_close(f["B"], f["V"].conj().T @ B.to(V.dtype))
    torch.testing.assert_close(f["B"], math.sqrt(2) * f["P"])  # B_legs = sqrt(2) P


def test_dense_system_is_hippo_legs_in_the_eigenbasis(float64_default):
    """ssm() at init = V^* A_legs V, V^* B_legs, C_legs V, with C_legs = 2 Re(c V1^*) real."""
    N = 16
    k = s4.S4Kernel(2, N)
    f = s4.legs_nplr(N)
    V = torch.cat([f["V"], f["V"].conj()], dim=1)
    p = k.ssm()
    A_legs = hippo_legs(2 * N).to(V.dtype)
    B_legs = torch.sqrt(2 * torch.arange(2 * N, dtype=torch.float64) + 1).to(V.dtype)
    for h in range(2):
        torch.testing.assert_close(p["A"][h], V.conj().T @ A_legs @ V, rtol=0, atol=1e-12 * 2 * N)
        torch.testing.assert_close(p["B"][h], V.conj().T @ B_legs, rtol=0, atol=1e-12)
        C_legs = p["C"][h] @ V.conj().T
        assert C_legs.imag.abs().max() < 1e-12  # a real output map: the conjugate halves pair up
        torch.testing.assert_close(C_legs.real, 2 * (k.dplr()["C"][h] @ f["V"].conj().T).real)


def test_eigenvalues_are_those_of_hippo_legs(float64_default):
    """-1, -2, ..., -2N; HiPPO-LegS is far from normal, so the eigenvalues are ill-conditioned: N = 4."""
    N = 4
    ev = torch.linalg.eigvals(s4.S4Kernel(1, N).ssm()["A"][0])
    assert ev.imag.abs().max() < 1e-7
    torch.testing.assert_close(torch.sort(ev.real).values, -torch.arange(2 * N, 0, -1, dtype=torch.float64),
                               rtol=0, atol=1e-7)


def test_transfer_function_at_init_is_hippo_legs(float64_default):
    N = 6
    k = s4.S4Kernel(2, N)
    f = s4.legs_nplr(N)
    s = torch.linspace(-40, 40, 161)
    G = k.transfer_function(s)
    A_legs = hippo_legs(2 * N).to(torch.complex128)
    B_legs = torch.sqrt(2 * torch.arange(2 * N, dtype=torch.float64) + 1).to(torch.complex128)
    eye = torch.eye(2 * N, dtype=torch.complex128)
    for h in range(2):
        C_legs = (2 * (k.dplr()["C"][h] @ f["V"].conj().T).real).to(torch.complex128)
        ref = torch.stack([C_legs @ torch.linalg.solve(1j * w * eye - A_legs, B_legs) for w in s.tolist()])
        assert rel(G[h], ref) < 1e-10


@pytest.mark.parametrize("dtype,tol", [(torch.float64, 1e-11), (torch.float32, 1e-5)])
def test_transfer_function_equals_dense_inverse(dtype, tol):
    k = perturbed(H=3, N=5)
    s = torch.linspace(-30, 30, 121, dtype=dtype)
    G = k.transfer_function(s)
    assert G.dtype == (torch.complex128 if dtype == torch.float64 else torch.complex64)
    p = k.ssm()
    eye = torch.eye(10, dtype=torch.complex128)
    ref = torch.stack([torch.stack([p["C"][h] @ torch.linalg.solve(1j * w * eye - p["A"][h], p["B"][h])
                                    for w in s.tolist()]) for h in range(3)])
    assert ref.imag[:, 60].abs().max() < 1e-12  # G(0) of a real system is real
    assert rel(G.to(torch.complex128), ref) < tol
    torch.testing.assert_close(k.transfer_function(-s), G.conj())  # G(-is) = conj G(is)


def test_alpha_scales_only_the_imaginary_parts():
    k1, k2 = s4.S4Kernel(2, 8), s4.S4Kernel(2, 8, alpha=2.5)
    d1, d2 = k1.dplr(torch.float64), k2.dplr(torch.float64)
    torch.testing.assert_close(d2["Lambda"].imag, 2.5 * d1["Lambda"].imag)
    torch.testing.assert_close(d2["Lambda"].real, d1["Lambda"].real)
    torch.testing.assert_close(d2["Lambda"][0], legs(8, alpha=2.5), rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(d2["P"], d1["P"])
    torch.testing.assert_close(d2["B"], d1["B"])


# ----------------------------------------------------------------------------- the kernel
@pytest.mark.parametrize("L", [1, 2, 7, 64, 101])
@pytest.mark.parametrize("disc,mode", [("bilinear", "cauchy"), ("bilinear", "dense"), ("zoh", "dense")])
def test_kernel_equals_impulse_response_float64(disc, mode, L):
    k = perturbed(H=3, N=4, disc=disc, mode=mode)
    K = k(L)
    assert K.shape == (3, L) and K.dtype == torch.float64
    assert rel(K, impulse_response(k, L, disc)) < 1e-10


@pytest.mark.parametrize("disc", ["bilinear", "zoh"])
def test_kernel_at_init_equals_impulse_response(disc, float64_default):
    """The HiPPO-LegS system itself (non-normal, unperturbed), long enough to decay."""
    k = s4.S4Kernel(2, 6, disc=disc, dt_min=0.05, dt_max=0.2)
    L = 150
    assert rel(k(L), impulse_response(k, L, disc)) < 1e-10


@pytest.mark.parametrize("disc", ["bilinear", "zoh"])
def test_kernel_float32(disc):
    k = perturbed(H=3, N=8, disc=disc, dtype=torch.float32)
    K = k(200)
    assert K.dtype == torch.float32
    assert rel(K.double(), impulse_response(k, 200, disc)) < 1e-5  # measured 2e-7 (cauchy), 3e-8 (dense)


def test_cauchy_equals_dense_path_long_kernel():
    """Long kernel, small dt: the Cauchy/Woodbury path against the dense matrix powers (both float64)."""
    k = perturbed(H=2, N=16, dt=(1e-3, 1e-2))
    kd = s4.S4Kernel(2, 16, mode="dense").double()
    kd.load_state_dict(k.state_dict())
    for L in (1000, 4097):
        assert rel(k(L), kd(L)) < 1e-11


def test_without_low_rank_term_it_is_the_s4d_kernel(float64_default):
    """P = 0: A = diag(Lambda), and the kernel is fssm's S4D bilinear kernel with C_s4d = c b (an independent code).

    float64 default dtype: S4DKernel stores its init and C_init in it, exactly."""
    H, N, L = 2, 32, 3000
    k = perturbed(H=H, N=N, dt=(1e-3, 1e-2))
    with torch.no_grad():
        k.P.zero_()
    d = k.dplr()
    ref = fssm.S4DKernel(H, N, init=d["Lambda"].detach(), disc="bilinear", C_init=(d["C"] * d["B"]).detach())
    with torch.no_grad():
        ref.log_dt.copy_(k.log_dt)
    assert rel(k(L), ref(L)) < 1e-11


@pytest.mark.parametrize("disc,mode", [("bilinear", "cauchy"), ("zoh", "dense")])
def test_gradients_equal_those_of_the_dense_reference(disc, mode):
    k = perturbed(H=2, N=3, disc=disc, mode=mode)
    L = 40
    weights = torch.randn(2, L, dtype=torch.float64)
    params = [getattr(k, name) for name in PARAMS]
    g = torch.autograd.grad((k(L) * weights).sum(), params)
    g_ref = torch.autograd.grad((impulse_response(k, L, disc) * weights).sum(), params)
    for name, a, b in zip(PARAMS, g, g_ref):
        assert b.abs().max() > 0, name
        assert rel(a, b) < 1e-9, name


@pytest.mark.parametrize("mode", ["cauchy", "dense"])
def test_gradcheck(mode):
    k = perturbed(H=1, N=2, mode=mode, dt=(0.05, 0.1))
    names = PARAMS
    values = tuple(getattr(k, n).detach().clone().requires_grad_(True) for n in names)

    def kernel(*vals):
        return torch.func.functional_call(k, dict(zip(names, vals)), (9,))

    assert torch.autograd.gradcheck(kernel, values, eps=1e-6, atol=1e-7, rtol=1e-5)


def test_bfloat16_kernel_is_computed_in_float32():
    k = perturbed(H=2, N=4, dtype=torch.float32)
    K = k(50)
    kb = k.to(torch.bfloat16)
    Kb = kb(50)
    assert Kb.dtype == torch.bfloat16
    assert rel(Kb.float(), K) < 0.05  # bfloat16 parameters (8 bits of mantissa), computed in float32


# ----------------------------------------------------------------------------- parameters
def test_parameters_are_tagged_like_s4():
    k = s4.S4Kernel(2, 4, lr=1e-3)
    for name in ("log_dt", "log_Lambda_real", "Lambda_imag", "P", "B"):
        assert getattr(k, name)._optim == {"lr": 1e-3, "weight_decay": 0.0}
    assert not hasattr(k.C, "_optim")  # base lr, weight decay
    k = s4.S4Kernel(2, 4, lr={"P": 0.0, "C": 0.01})
    assert "P" in dict(k.named_buffers()) and "P" not in dict(k.named_parameters())  # lr 0: frozen
    assert k.C._optim["lr"] == 0.01 and k.B._optim["lr"] is None
    assert {n for n, _ in k.named_parameters()} == set(PARAMS) - {"P"}


def test_stable_for_any_low_rank_term():
    """Re(A + A^*)/2 = diag(Re Lambda) - p p^* < 0: every eigenvalue has Re < 0 for any p."""
    k = perturbed(H=4, N=6, scale=3.0)
    ev = torch.linalg.eigvals(k.ssm()["A"])
    assert ev.real.max() < 0


def test_aliasing_warning():
    with pytest.warns(fssm.AliasingWarning):
        s4.S4Kernel(1, 4, alpha=100.0, dt_min=0.1, dt_max=0.1)


@pytest.mark.parametrize("kwargs,match", [
    (dict(d_state=0), "d_state"),
    (dict(init="lin"), "init"),
    (dict(disc="euler"), "disc"),
    (dict(mode="fast"), "mode"),
    (dict(disc="zoh", mode="cauchy"), "mode='cauchy' needs disc='bilinear'"),
    (dict(alpha=0.0), "alpha"),
    (dict(dt_min=0.2, dt_max=0.1), "dt_min"),
    (dict(lr={"A": 0.1}), "unknown parameter"),
    (dict(C_init=torch.ones(3, 3)), "C_init"),
])
def test_bad_arguments(kwargs, match):
    args = dict(d_model=2, d_state=4)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        s4.S4Kernel(**args)


def test_bad_call_arguments():
    k = s4.S4Kernel(2, 4)
    with pytest.raises(ValueError, match="L"):
        k(0)
    with pytest.raises(ValueError, match="s must be a real"):
        k.transfer_function(torch.ones(3, dtype=torch.complex64))
    with pytest.raises(ValueError, match="s contains NaN"):
        k.transfer_function(torch.tensor([0.0, float("nan")]))
    with pytest.raises(ValueError, match="dtype"):
        k.dplr(torch.float16)


# ----------------------------------------------------------------------------- the layer
def direct_convolution(u, K):
    """y_t = sum_{l <= t} K_l u_{t-l}, a plain sum (no FFT): u r(B H L), K r(H L)."""
    L = u.shape[-1]
    y = torch.zeros_like(u)
    for l in range(L):
        y[..., l:] += K[:, l, None] * u[..., : L - l]
    return y


def test_layer_without_filter_is_the_plain_convolution():
    layer = s4.S4Layer(3, 4, activation=None, mixing=None).double()
    assert isinstance(layer.kernel, s4.S4Kernel) and isinstance(layer, S4DLayer)
    assert not layer.filter_active
    u = torch.randn(2, 3, 40, dtype=torch.float64)
    K = layer.kernel(40)
    torch.testing.assert_close(layer(u), direct_convolution(u, K) + layer.D[:, None] * u)


def test_layer_sobolev_filter_acts_on_the_s4_kernel_spectrum():
    L, beta = 32, 1.5  # 2L = 64 is an FFT size fft_conv uses as it is
    layer = s4.S4Layer(3, 4, beta=beta, activation=None, mixing=None, D=False).double()
    u = torch.randn(2, 3, L, dtype=torch.float64)
    K = layer.kernel(L)
    y = layer(u)
    torch.testing.assert_close(y, fft_conv(u, K, layer.beta))
    k = torch.arange(L + 1, dtype=torch.float64)
    w = (1 + k / (2 * L)) ** beta  # (1 + k/M)^beta, M = 2L
    ref = torch.fft.irfft(w * torch.fft.rfft(K, n=2 * L) * torch.fft.rfft(u, n=2 * L), n=2 * L)[..., :L]
    torch.testing.assert_close(y, ref)
    assert rel(y, direct_convolution(u, K)) > 1e-2  # the filter does something


def test_layer_trains_the_s4_parameters_and_is_bidirectional():
    layer = s4.S4Layer(3, 4, bidirectional=True, lr=1e-3, kernel_kwargs={"mode": "dense"}, learn_beta=True)
    assert layer.kernel.d_model == 6 and layer.kernel.mode == "dense"
    u = torch.randn(2, 3, 20)
    y = layer(u)
    assert y.shape == (2, 3, 20)
    y.square().sum().backward()
    for name in PARAMS:
        assert getattr(layer.kernel, name).grad.abs().max() > 0, name
    assert layer.kernel.P._optim["lr"] == 1e-3
    assert layer.beta.grad is not None


def test_layer_bad_arguments():
    with pytest.raises(ValueError, match="d_state"):
        s4.S4Layer(3, 0)
    with pytest.raises(ValueError, match="kernel_kwargs must not set"):
        s4.S4Layer(3, 4, kernel_kwargs={"alpha": 2.0})
    with pytest.raises(ValueError, match="dropout"):
        s4.S4Layer(3, 4, dropout=1.0)
