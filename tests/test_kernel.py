"""Identities of the S4D kernel: dense-system impulse response, recurrence, frequency response."""
import math

import pytest
import torch

import fssm
from fssm.analysis import frequency_response, transfer_function
from fssm.layer import fft_conv, ssm_recurrence
from conftest import dense_impulse_response

INITS = ["lin", "inv", "legs", "real"]


@pytest.mark.parametrize("mode", ["fast", "reference"])
@pytest.mark.parametrize("disc", ["zoh", "bilinear"])
@pytest.mark.parametrize("init", INITS)
def test_kernel_equals_dense_impulse_response(init, disc, mode):
    k = fssm.S4DKernel(3, 4, init=init, disc=disc, dt_min=1e-2, dt_max=1e-1, mode=mode).double()
    K = k(64)
    for h in range(3):
        ref = dense_impulse_response(k, 64, channel=h)
        torch.testing.assert_close(K[h], ref, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("mode", ["fast", "reference"])
@pytest.mark.parametrize("disc", ["zoh", "bilinear"])
def test_convolution_equals_recurrence(disc, mode):
    k = fssm.S4DKernel(4, 3, init="lin", disc=disc, mode=mode).double()
    u = torch.randn(2, 4, 50, dtype=torch.float64)
    y_conv = fft_conv(u, k(50))
    y_rec = ssm_recurrence(k, u)
    torch.testing.assert_close(y_conv, y_rec, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("disc", ["zoh", "bilinear"])
def test_fft_of_kernel_equals_closed_form_response(disc):
    k = fssm.S4DKernel(2, 5, init="inv", disc=disc, dt_min=0.05, dt_max=0.1).double()
    L = 300  # arbitrary length: the truncated closed form is exact at every L
    K_f = torch.fft.fft(k(L))  # c(H L), omega_m = 2 pi m / L
    omega = 2 * math.pi * torch.arange(L, dtype=torch.float64) / L
    torch.testing.assert_close(frequency_response(k, omega, L=L), K_f, rtol=1e-8, atol=1e-8)
    # a long, fully decayed kernel: the infinite-sum response is what the FFT sees
    L = 4096
    K_f = torch.fft.rfft(k(L))
    omega = 2 * math.pi * torch.arange(L // 2 + 1, dtype=torch.float64) / L
    torch.testing.assert_close(frequency_response(k, omega), K_f, rtol=1e-6, atol=1e-6)


def test_discrete_response_approaches_transfer_function():
    """K^(omega) -> G(i omega/dt) as dt -> 0 at fixed continuous frequency s = omega/dt."""
    s = torch.linspace(-20, 20, 81, dtype=torch.float64)
    errors = []
    for dt in (1e-2, 1e-3, 1e-4):
        k = fssm.S4DKernel(2, 4, init="lin", dt_min=dt, dt_max=dt).double()
        p = k.ssm()
        G = transfer_function(p["A"], p["C"], s)
        Kf = frequency_response(k, s * dt)
        errors.append(((Kf - G).abs().max() / G.abs().max()).item())
    assert errors[-1] < 1e-3
    assert errors[0] > errors[1] > errors[2]  # first-order convergence in dt


def test_alpha_scales_imaginary_part_exactly_and_nothing_else():
    for name in INITS:
        base = fssm.init.init_A(name, 8)
        for alpha in (0.01, 0.5, 3.0, 100.0):
            a = fssm.init.init_A(name, 8, alpha=alpha)
            assert torch.equal(a.real, base.real)
            assert torch.equal(a.imag, alpha * base.imag)
    fssm.seed_everything(1)
    k1 = fssm.S4DKernel(3, 6, alpha=1.0)
    fssm.seed_everything(1)
    k2 = fssm.S4DKernel(3, 6, alpha=7.0)
    torch.testing.assert_close(k2.A_imag, 7.0 * k1.A_imag, rtol=1e-6, atol=0)
    for name in ("log_dt", "log_A_real", "C"):
        assert torch.equal(getattr(k1, name), getattr(k2, name)), name


def test_init_formulas():
    N = 6
    n = torch.arange(N, dtype=torch.float64)
    torch.testing.assert_close(fssm.init.lin(N).imag, math.pi * n)
    torch.testing.assert_close(fssm.init.real(N).real, -(n + 1))
    y = fssm.init.inv(N).imag
    torch.testing.assert_close(y, (2 * N / math.pi) * (2 * N / (2 * n + 1) - 1))
    assert bool((y > 0).all())
    for name in INITS:
        assert bool((fssm.init.init_A(name, N).real < 0).all())


def test_legs_matches_eigenvalues_of_hippo_normal_part():
    """Independent check with a general (non-Hermitian) eigensolver on S = A_LegS + P P^T."""
    N = 8
    A = fssm.init.hippo_legs(2 * N)
    P = torch.sqrt(torch.arange(2 * N, dtype=torch.float64) + 0.5)
    ev = torch.linalg.eigvals(A + P[:, None] * P[None, :])
    ev = ev[ev.imag > 0]
    ev = ev[torch.argsort(ev.imag)]
    a = fssm.init.legs(N)
    torch.testing.assert_close(a.imag, ev.imag, rtol=1e-9, atol=1e-9)
    torch.testing.assert_close(ev.real, torch.full_like(ev.real, -0.5), rtol=0, atol=1e-9)


def test_kernel_shapes_dtype_and_ssm_dict():
    k = fssm.S4DKernel(5, 3)
    K = k(17)
    assert K.shape == (5, 17) and K.dtype == torch.float32
    p = k.ssm()
    assert p["A"].shape == (5, 3) and p["A"].is_complex()
    assert p["C"].shape == (5, 3) and p["C"].is_complex()
    assert p["dt"].shape == (5,)
    assert bool((p["A"].real < 0).all())
    assert bool((p["dt"] >= 1e-3 - 1e-9).all() and (p["dt"] <= 1e-1 + 1e-9).all())


def test_custom_init_tensor_and_fixed_dt():
    a = torch.complex(torch.full((4,), -0.5), math.pi * (1.3 + torch.arange(4.0)))
    k = fssm.S4DKernel(2, 4, init=a, alpha=10.0, dt_min=1e-4, dt_max=1e-4, lr={"log_dt": 0.0})
    torch.testing.assert_close(k.A_imag[0], 10.0 * a.imag)
    assert "log_dt" in dict(k.named_buffers())
    torch.testing.assert_close(k.ssm()["dt"], torch.full((2,), 1e-4))


def test_aliasing_warning_reports_the_product_it_checks_with_alpha_counted_once():
    """The warning's number is max|Im(a_j)| * dt_max of the modes as initialized (alpha already in a_j)."""
    with pytest.warns(fssm.AliasingWarning) as caught:
        k = fssm.S4DKernel(1, 8, alpha=4.0, dt_min=0.2, dt_max=0.2)
    worst = k.ssm()["A"].imag.abs().max().item() * 0.2  # 4 * 7 pi * 0.2 = 17.6, above pi
    message = str(caught[0].message)
    assert f"{worst:.3g}" in message and f"{4.0 * worst:.3g}" not in message and "alpha *" not in message
