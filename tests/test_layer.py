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


def _sobolev_pair(mode, **kw):
    """A filtered linear layer (beta = 1, the given sobolev_mode) and its plain twin (beta = 0), same weights."""
    fssm.seed_everything(5)
    filt = linear_layer(beta=1.0, sobolev_scale=7.0, sobolev_mode=mode, **kw)
    plain = linear_layer(**kw)
    plain.load_state_dict({k: v for k, v in filt.state_dict().items() if k != "beta"}, strict=False)
    return filt, plain


def _grads(layer, u, g):
    """Output and the gradients of <g, y> with respect to every parameter and to u."""
    u = u.clone().requires_grad_(True)
    y = layer(u)
    params = [p for _, p in layer.named_parameters()]
    grads = torch.autograd.grad((y * g).sum(), [*params, u])
    return y.detach(), dict(zip([n for n, _ in layer.named_parameters()] + ["u"], grads))


@pytest.mark.parametrize("bidirectional", [False, True])
def test_sobolev_on_the_kernel_is_a_pre_emphasized_input(bidirectional):
    """w (K^ u^) = K^ (w u^): the filter on the kernel equals a plain SSM fed with the pre-emphasized input (the
    D skip unfiltered); outputs and all gradients agree, and they differ from the plain layer's."""
    both, plain = _sobolev_pair("both", bidirectional=bidirectional)
    control, _ = _sobolev_pair("input", bidirectional=bidirectional)
    u = torch.randn(3, 6, 50, dtype=torch.float64)
    g = torch.randn(3, 6, 50, dtype=torch.float64)
    y_b, g_b = _grads(both, u, g)
    y_c, g_c = _grads(control, u, g)
    y_p, g_p = _grads(plain, u, g)
    torch.testing.assert_close(y_c, y_b, rtol=1e-12, atol=1e-12)
    assert set(g_c) == set(g_b)
    for name in g_b:
        torch.testing.assert_close(g_c[name], g_b[name], rtol=1e-10, atol=1e-12, msg=name)
    assert (y_b - y_p).abs().max() > 1e-2
    assert (g_b["kernel.A_imag"] - g_p["kernel.A_imag"]).abs().max() > 1e-2 * g_p["kernel.A_imag"].abs().max()
    # pre-emphasis written out: the plain layer's kernel, the weight on the input's padded spectrum, D u unfiltered
    L = u.shape[-1]
    w = sobolev_weight(torch.ones(6, dtype=torch.float64), L + 1, 7.0)
    k = plain.conv_kernel(L)
    n = 2 * L
    if bidirectional:  # fft_conv's layout at n = 2L: anti-causal lags already at the end
        assert k.shape[-1] == n
    y_manual = torch.fft.irfft(torch.fft.rfft(k, n=n) * (w * torch.fft.rfft(u, n=n)), n=n)[..., :L]
    torch.testing.assert_close(y_b, y_manual + plain.D[:, None] * u, rtol=1e-10, atol=1e-12)


def test_sobolev_gradient_mode_is_plain_forward_and_filtered_backward():
    """'gradient': the output (and the gradient reaching u) of the unfiltered layer; the gradients of the kernel's
    parameters are the filtered layer's, for the same upstream gradient (a linear loss <g, y>)."""
    grad_only, plain = _sobolev_pair("gradient")
    both, _ = _sobolev_pair("both")
    u = torch.randn(2, 6, 64, dtype=torch.float64)
    g = torch.randn(2, 6, 64, dtype=torch.float64)
    y_g, g_g = _grads(grad_only, u, g)
    y_p, g_p = _grads(plain, u, g)
    _, g_b = _grads(both, u, g)
    assert torch.equal(y_g, y_p)
    for name in ("u", "D"):
        torch.testing.assert_close(g_g[name], g_p[name], rtol=1e-12, atol=1e-12, msg=name)
    for name in ("kernel.A_imag", "kernel.log_A_real", "kernel.C", "kernel.log_dt"):
        if name in g_b:
            torch.testing.assert_close(g_g[name], g_b[name], rtol=1e-10, atol=1e-12, msg=name)
            assert (g_g[name] - g_p[name]).abs().max() > 1e-3 * g_p[name].abs().max(), name


def test_sobolev_gradient_mode_backpropagates_its_own_error_through_the_filtered_layer():
    """With a nonlinear loss: the kernel gradients of 'gradient' are the filtered layer's vector-Jacobian product
    of the upstream gradient taken at the *unfiltered* output."""
    grad_only, plain = _sobolev_pair("gradient")
    both, _ = _sobolev_pair("both")
    u = torch.randn(2, 6, 64, dtype=torch.float64)
    target = torch.randn(2, 6, 64, dtype=torch.float64)
    loss = grad_only(u).tanh().sub(target).square().mean()
    grads = torch.autograd.grad(loss, [grad_only.kernel.A_imag, grad_only.kernel.C])
    y = plain(u).requires_grad_(True)
    upstream, = torch.autograd.grad(y.tanh().sub(target).square().mean(), y)
    expected = torch.autograd.grad(both(u), [both.kernel.A_imag, both.kernel.C], grad_outputs=upstream)
    for a, b in zip(grads, expected):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-14)


def test_sobolev_forward_mode_is_filtered_forward_and_unscaled_kernel_gradient():
    """'forward': the output and the gradient reaching u of the filtered layer; the kernel's parameters get the
    plain layer's gradients (for the same upstream gradient)."""
    fwd_only, plain = _sobolev_pair("forward")
    both, _ = _sobolev_pair("both")
    u = torch.randn(2, 6, 64, dtype=torch.float64)
    g = torch.randn(2, 6, 64, dtype=torch.float64)
    y_f, g_f = _grads(fwd_only, u, g)
    y_b, g_b = _grads(both, u, g)
    _, g_p = _grads(plain, u, g)
    torch.testing.assert_close(y_f, y_b, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(g_f["u"], g_b["u"], rtol=1e-12, atol=1e-12)
    for name in ("kernel.A_imag", "kernel.log_A_real", "kernel.C"):
        torch.testing.assert_close(g_f[name], g_p[name], rtol=1e-10, atol=1e-12, msg=name)
        assert (g_f[name] - g_b[name]).abs().max() > 1e-3 * g_b[name].abs().max(), name


def test_sobolev_modes_are_validated():
    with pytest.raises(ValueError, match="sobolev_mode"):
        fssm.S4DLayer(2, 2, beta=1.0, sobolev_mode="backward")
    for mode in ("gradient", "forward"):
        with pytest.raises(ValueError, match="fixed beta"):
            fssm.S4DLayer(2, 2, beta=1.0, learn_beta=True, sobolev_mode=mode)
        with pytest.raises(ValueError, match="fixed beta"):
            fft_conv(torch.randn(1, 2, 8), torch.randn(2, 8), beta=torch.ones(2, requires_grad=True),
                     sobolev_mode=mode)
    # beta = 0 fixed: every mode is the plain layer, bit for bit
    fssm.seed_everything(0)
    u = torch.randn(2, 3, 16)
    ys = []
    for mode in ("both", "input", "gradient", "forward"):
        fssm.seed_everything(1)
        ys.append(fssm.S4DLayer(3, 4, sobolev_mode=mode)(u))
    assert all(torch.equal(ys[0], y) for y in ys[1:])
