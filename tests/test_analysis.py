"""Transfer functions, total variation (closed forms and bounds), poles, layer response."""
import math

import pytest
import torch

import fssm
from fssm.analysis import (layer_frequency_response, mode_total_variation, poles,
                           tail_variation_bound, total_variation, transfer_function,
                           transfer_function_grad_imag)


def test_transfer_function_is_partial_fractions_of_dense_resolvent():
    """G(is) = C (isI - A)^-1 B for the real block system, compared with a dense solve."""
    k = fssm.S4DKernel(1, 3).double()
    p = k.ssm()
    a, c = p["A"][0], p["C"][0]
    s = torch.linspace(-10, 10, 7, dtype=torch.float64)
    Ad = torch.diag(torch.cat([a, a.conj()]))
    Cd = torch.cat([c, c.conj()])[None]
    Bd = torch.ones(6, 1, dtype=torch.complex128)
    dense = torch.stack([(Cd @ torch.linalg.solve(1j * si * torch.eye(6, dtype=torch.complex128) - Ad, Bd))[0, 0]
                         for si in s])
    torch.testing.assert_close(transfer_function(p["A"], p["C"], s)[0], dense)
    G = transfer_function(p["A"], p["C"], s, D=torch.tensor([0.7], dtype=torch.float64))
    torch.testing.assert_close(G[0], dense + 0.7)
    torch.testing.assert_close(G[0].flip(0), G[0].conj())  # real system: G(-is) = conj G(is)


def test_single_mode_total_variation_closed_form_and_bound():
    """The example of book chapter 4 (our own, not the paper's): x=-0.5, y=3, c=1.3+0.4i, B=10."""
    a, c, B = complex(-0.5, 3.0), complex(1.3, 0.4), 10.0
    closed = mode_total_variation(c, a, lo=B)
    assert abs(closed - 0.193977) < 1e-6
    bound = tail_variation_bound(torch.tensor([c]), torch.tensor([a]), B).item()
    assert abs(bound - 0.194307) < 1e-6 and closed <= bound
    s = torch.linspace(B, 1e5, 2_000_001, dtype=torch.float64)
    g = c / (1j * s - a)
    numeric = total_variation(g, s).item() + abs(c) / 1e5  # tail beyond 1e5 ~ |c|/s
    assert abs(numeric - closed) < 1e-5
    whole = mode_total_variation(c, a)
    assert abs(whole - math.pi * abs(c) / 0.5) < 1e-12


def test_total_variation_bands_add_up():
    k = fssm.S4DKernel(2, 4).double()
    p = k.ssm()
    s = torch.linspace(-50, 50, 20001, dtype=torch.float64)
    G = transfer_function(p["A"], p["C"], s)
    per_band = total_variation(G, s, bands=[(-50, 0), (0, 50)])
    torch.testing.assert_close(per_band.sum(-1), total_variation(G, s))
    torch.testing.assert_close(per_band[:, 0], per_band[:, 1], rtol=1e-6, atol=1e-9)  # |G| even


def test_grad_imag_matches_autograd():
    k = fssm.S4DKernel(1, 3).double()
    p = k.ssm()
    s = torch.linspace(-12, 12, 25, dtype=torch.float64)
    analytic = transfer_function_grad_imag(p["A"], p["C"], s)[0]  # c(N S)
    y = p["A"].imag.detach().clone().requires_grad_(True)
    for j in range(3):
        for comp in (lambda z: z.real, lambda z: z.imag):
            G = transfer_function(torch.complex(p["A"].real.detach(), y), p["C"].detach(), s)[0]
            (gy,) = torch.autograd.grad(comp(G).sum(), y)
            torch.testing.assert_close(gy[0, j], comp(analytic[j]).sum(), rtol=1e-9, atol=1e-12)


def test_poles_discrete_are_exp_of_continuous_for_zoh():
    k = fssm.S4DKernel(3, 4).double()
    p = poles(k)
    dt = k.ssm()["dt"].detach()
    torch.testing.assert_close(p["discrete"], torch.exp(dt[:, None] * p["continuous"]))
    assert bool((p["discrete"].abs() < 1).all())  # stable


def test_layer_response_is_fft_of_impulse_response():
    layer = fssm.S4DLayer(3, 4, beta=0.7, activation=None, mixing=None).double()
    L = 64
    omega, R = layer_frequency_response(layer, L)
    assert omega.shape == (L + 1,) and abs(omega[-1].item() - math.pi) < 1e-12
    # without the filter the response is the rfft of the zero-padded kernel, plus D
    plain = torch.fft.rfft(layer.kernel(L), n=2 * L) + layer.D[:, None]
    w = (1 + torch.arange(L + 1, dtype=torch.float64) / (2 * L)) ** 0.7
    torch.testing.assert_close(R - layer.D[:, None], (plain - layer.D[:, None]) * w)


def test_pole_frequency_is_folded_into_nyquist_band():
    a = torch.complex(torch.tensor([-0.5]), torch.tensor([50.0]))
    k = fssm.S4DKernel(1, 1, init=a, dt_min=0.1, dt_max=0.1).double()  # dt * y = 5 > pi
    omega = poles(k)["omega"].item()
    assert abs(omega - (5.0 - 2 * math.pi)) < 1e-6  # dt is stored as float32 log_dt
    kb = fssm.S4DKernel(1, 1, init=a, dt_min=0.1, dt_max=0.1, disc="bilinear").double()
    assert abs(poles(kb)["omega"].item() - 2 * math.atan(2.5)) < 0.02  # warp, not fold (Re a != 0)


def test_usable_alpha_range():
    from fssm.analysis import usable_alpha_range

    A = fssm.init.lin(4)  # max Im = 3 pi
    lo, hi = usable_alpha_range(A, 0.01, 1000)
    assert abs(hi * 0.01 * 3 * math.pi - math.pi) < 1e-12 and abs(hi / lo - 500) < 1e-9
    import pytest

    with pytest.raises(ValueError, match="nothing to scale"):
        usable_alpha_range(fssm.init.real(4), 0.01, 1000)


def test_tail_bound_with_conjugate_partners_bounds_the_real_system():
    k = fssm.S4DKernel(1, 6).double()
    p = k.ssm()
    B = 40.0
    s = torch.linspace(B, 4e4, 400001, dtype=torch.float64)
    G = transfer_function(p["A"], p["C"], s)[0]  # includes the partners
    V = total_variation(G, s).item()
    full = tail_variation_bound(p["C"][0], p["A"][0], B, conjugates=True).item()
    assert V <= full
    assert tail_variation_bound(p["C"][0], p["A"][0], B).item() < full


def test_average_power_spectrum_finds_a_tone_and_obeys_parseval():
    L, k0 = 64, 5
    t = torch.arange(L, dtype=torch.float64)
    x = torch.stack([torch.cos(2 * math.pi * k0 * t / L + ph) for ph in (0.0, 1.0, 2.0)])  # r(3 L)
    omega, P = fssm.analysis.average_power_spectrum(x)
    assert omega.shape == P.shape == (L // 2 + 1,)
    assert int(P.argmax()) == k0 and abs(omega[k0].item() - 2 * math.pi * k0 / L) < 1e-12
    assert P[k0] == pytest.approx(L / 4, rel=1e-9)  # |X_k|^2 / L = (L/2)^2 / L
    # Parseval on a random signal: two-sided sum of |X_k|^2 / L equals the energy of the centred signal
    r = torch.randn(4, L, dtype=torch.float64)
    _, Pr = fssm.analysis.average_power_spectrum(r)
    two_sided = 2 * Pr.sum() - Pr[0] - Pr[-1]
    energy = ((r - r.mean(1, keepdim=True)) ** 2).sum(1).mean()
    assert two_sided.item() == pytest.approx(energy.item(), rel=1e-9)


def test_average_power_spectrum_of_tokens_is_the_one_hot_spectrum():
    tokens = torch.tensor([[0, 1] * 8])  # alternating: all power at Nyquist
    omega, P = fssm.analysis.average_power_spectrum(tokens, vocab_size=3)
    assert P.sum().item() == pytest.approx(1.0) and P[-1].item() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="outside"):
        fssm.analysis.average_power_spectrum(tokens, vocab_size=1)
    with pytest.raises(ValueError, match="shape"):
        fssm.analysis.average_power_spectrum(torch.zeros(5))


def test_total_variation_of_a_transfer_matrix_is_the_frobenius_norm_of_its_steps():
    """value_dims=2: one nonzero entry gives that entry's variation; two equal entries sqrt(2) times it;
    an entry and its negative elsewhere likewise (|d|^2 + |-d|^2); bands split it as for scalars."""
    from fssm.analysis import total_variation
    s = torch.linspace(0.0, 50.0, 2001, dtype=torch.float64)
    g = 1.0 / (1j * s - torch.complex(torch.tensor(-1.0, dtype=torch.float64), torch.tensor(10.0, dtype=torch.float64)))
    scalar = total_variation(g, s)
    G = torch.zeros(2, 2, len(s), dtype=torch.complex128)
    G[0, 1] = g
    torch.testing.assert_close(total_variation(G, s, value_dims=2), scalar)
    G[1, 0] = -g
    torch.testing.assert_close(total_variation(G, s, value_dims=2), math.sqrt(2) * scalar)
    bands = [(0.0, 10.0), (10.0, 60.0)]
    per_band = total_variation(G[None], s, bands, value_dims=2)  # r(1 2)
    assert per_band.shape == (1, 2)
    torch.testing.assert_close(per_band[0], math.sqrt(2) * total_variation(g, s, bands))
    # not the sum of the entries' variations: that would be 2x, not sqrt(2)x
    assert abs(total_variation(G, s, value_dims=2) - 2 * scalar) > 0.3 * scalar
    with pytest.raises(ValueError, match="value_dims must be at most"):
        total_variation(g, s, value_dims=1)
