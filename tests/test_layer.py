"""S4DLayer: linearity identities, Sobolev filter, causality, bidirectionality, gradients."""
import math

import pytest
import torch
from torch.func import functional_call

import fssm
from fssm.analysis import layer_frequency_response
from fssm.layer import fft_conv, sobolev_weight, ssm_recurrence


def linear_layer(**kw):
    """A layer without activation and mixing: y = (filtered) K * u + D u."""
    return fssm.S4DLayer(6, 4, activation=None, mixing=None, **kw).double()


def test_linear_layer_equals_recurrence_plus_skip():
    layer = linear_layer()
    u = torch.randn(3, 6, 40, dtype=torch.float64)
    expected = ssm_recurrence(layer.kernel, u) + layer.D[:, None] * u
    torch.testing.assert_close(layer(u), expected, rtol=1e-9, atol=1e-10)


def test_fft_conv_is_linear_not_circular():
    k = torch.randn(2, 32, dtype=torch.float64)
    u = torch.randn(1, 2, 32, dtype=torch.float64)
    direct = torch.stack([
        torch.stack([(k[h, : t + 1].flip(0) * u[0, h, : t + 1]).sum() for t in range(32)]) for h in range(2)
    ])[None]
    torch.testing.assert_close(fft_conv(u, k), direct, rtol=1e-10, atol=1e-10)


def test_beta_zero_is_exactly_the_plain_layer():
    fssm.seed_everything(3)
    plain = fssm.S4DLayer(6, 4)
    fssm.seed_everything(3)
    learnable = fssm.S4DLayer(6, 4, beta=0.0, learn_beta=True)  # filter computed, weight 1^0 = 1
    assert learnable.filter_active and not plain.filter_active
    u = torch.randn(2, 6, 33)
    assert torch.equal(plain(u), learnable(u))
    k = plain.kernel(33)
    assert torch.equal(fft_conv(u, k), fft_conv(u, k, beta=torch.zeros(6)))


@pytest.mark.parametrize("beta", [-1.0, -0.5, 0.5, 1.0])
def test_sobolev_gain_is_monotone_in_frequency(beta):
    """The filtered response over the plain one is (1+k/M)^beta: up for beta > 0, down for beta < 0."""
    fssm.seed_everything(0)
    plain = linear_layer(D=False)
    fssm.seed_everything(0)
    filtered = linear_layer(D=False, beta=beta)
    _, r0 = layer_frequency_response(plain, 128)
    _, r1 = layer_frequency_response(filtered, 128)
    gain = (r1.abs() / r0.abs())  # r(H K)
    steps = gain[:, 1:] - gain[:, :-1]
    assert bool((steps > 0).all()) if beta > 0 else bool((steps < 0).all())
    torch.testing.assert_close(gain[:, -1], torch.full((6,), 1.5 ** beta, dtype=torch.float64))


@pytest.mark.parametrize("beta", [-1.0, 1.0])
def test_sobolev_filter_changes_high_tone_more_than_low_tone(beta):
    """Through the real forward pass: pure tones at a low and a high frequency."""
    fssm.seed_everything(0)
    plain = linear_layer(D=False)
    fssm.seed_everything(0)
    filtered = linear_layer(D=False, beta=beta)
    L = 512
    t = torch.arange(L, dtype=torch.float64)
    ratios = []
    for omega in (0.05, 2.5):
        u = torch.cos(omega * t).expand(1, 6, L)
        ratios.append((filtered(u)[..., L // 2:].norm() / plain(u)[..., L // 2:].norm()).item())
    assert (ratios[1] > ratios[0]) if beta > 0 else (ratios[1] < ratios[0])


def test_even_weight_keeps_output_real_and_symmetric():
    w = sobolev_weight(torch.tensor([1.0]), 5, 8.0)
    torch.testing.assert_close(w, (1 + torch.arange(5.0) / 8)[None])


def test_causality():
    layer = fssm.S4DLayer(4, 3, dropout=0.0).double()
    u = torch.randn(2, 4, 30, dtype=torch.float64)
    v = u.clone()
    v[..., 20:] = torch.randn_like(v[..., 20:])
    y, z = layer(u), layer(v)
    torch.testing.assert_close(y[..., :20], z[..., :20], rtol=1e-10, atol=1e-12)
    assert (y[..., 20:] - z[..., 20:]).abs().max() > 1e-3


def test_bidirectional_depends_on_both_sides():
    layer = fssm.S4DLayer(4, 3, bidirectional=True, activation=None, mixing=None).double()
    u = torch.randn(1, 4, 30, dtype=torch.float64)
    v = u.clone()
    v[..., 20:] = 0
    assert (layer(u)[..., :20] - layer(v)[..., :20]).abs().max() > 1e-3  # the future matters
    w = u.clone()
    w[..., :10] = 0
    assert (layer(u)[..., 10:] - layer(w)[..., 10:]).abs().max() > 1e-3  # so does the past
    # anti-causal part equals the causal recurrence run on the time-reversed input, shifted by one
    k_bwd = layer.kernel(30)[4:]
    rev = fft_conv(u.flip(-1), k_bwd).flip(-1)  # sum_m k_bwd[m] u[t+m]
    fwd = fft_conv(u, layer.kernel(30)[:4])
    shifted = torch.nn.functional.pad(rev[..., 1:], (0, 1))  # lags -1..-L: sum_m k_bwd[m] u[t+m+1]
    torch.testing.assert_close(layer(u), fwd + shifted + layer.D[:, None] * u, rtol=1e-9, atol=1e-10)


def test_gradcheck_reaches_every_parameter():
    layer = fssm.S4DLayer(2, 2, learn_beta=True, beta=0.3, bidirectional=True, disc="bilinear").double()
    names = [n for n, _ in layer.named_parameters()]
    assert {"kernel.log_dt", "kernel.log_A_real", "kernel.A_imag", "kernel.C", "beta", "D"} <= set(names)
    params = tuple(p.detach().clone().requires_grad_(True) for _, p in layer.named_parameters())
    u = torch.randn(1, 2, 8, dtype=torch.float64, requires_grad=True)

    def f(u, *ps):
        return functional_call(layer, dict(zip(names, ps)), (u,))

    assert torch.autograd.gradcheck(f, (u, *params), eps=1e-6, atol=1e-5, rtol=1e-4)
    out = f(u, *params).square().sum()
    grads = torch.autograd.grad(out, params)
    for n, g in zip(names, grads):
        assert g.abs().sum() > 0, f"no gradient reaches {n}"
