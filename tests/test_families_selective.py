"""Selective scan (S6) and SelectiveSSM: the parallel scan against a loop over time (outputs, gradients), the
frozen LTI system against the scan, the Sobolev pre-emphasis against fft_conv's filter, init, tags, bad input."""
import math
import warnings

import pytest
import torch
import torch.nn.functional as F

import fssm
from fssm.families.selective import (
    SelectiveSSM,
    frozen_kernel,
    frozen_transfer,
    selective_scan,
    selective_scan_reference,
    sobolev_preemphasis,
)
from fssm.layer import fast_fft_length, fft_conv, sobolev_weight
from fssm.train import param_groups

F64, C128 = torch.float64, torch.complex128
KINDS = ("real", "complex", "mixed")  # A, B, C real | A, B, C complex | A real, B and C complex


def scan_args(kind="complex", Bsz=2, H=3, N=4, L=13, seed=0, dtype=F64):
    """Random (u, delta, A, B, C, D): delta in (0.01, 0.8), Re A in (-2, -0.05); float64 unless `dtype`."""
    g = torch.Generator().manual_seed(seed)
    u = torch.randn(Bsz, H, L, generator=g, dtype=F64)
    delta = 0.01 + 0.79 * torch.rand(Bsz, H, L, generator=g, dtype=F64)
    re = -(0.05 + 1.95 * torch.rand(H, N, generator=g, dtype=F64))
    A = torch.complex(re, 4.0 * torch.randn(H, N, generator=g, dtype=F64)) if kind == "complex" else re
    sel = C128 if kind in ("complex", "mixed") else F64
    B = torch.randn(Bsz, N, L, generator=g, dtype=sel)
    C = torch.randn(Bsz, N, L, generator=g, dtype=sel)
    D = torch.randn(H, generator=g, dtype=F64)
    cast = (lambda x: x.to(dtype) if not x.is_complex() else x.to(torch.promote_types(dtype, torch.complex64)))
    return tuple(cast(x) for x in (u, delta, A, B, C, D))


def constant_selection(kind="complex", Bsz=2, H=3, N=4, L=24, seed=1):
    """(u, delta_h r(H), A, b r/c(N), c r/c(N), D) and the same expanded to the scan's shapes."""
    u, delta, A, B, C, D = scan_args(kind, Bsz, H, N, L, seed)
    d, b, c = delta[0, :, 0], B[0, :, 0], C[0, :, 0]
    full = (d[None, :, None].expand(Bsz, H, L), b[None, :, None].expand(Bsz, N, L), c[None, :, None].expand(Bsz, N, L))
    return (u, d, A, b, c, D), full


# ----------------------------------------------------------------------------- the scan against the loop
@pytest.mark.parametrize("kind", KINDS)
def test_scan_equals_sequential_loop(kind):
    args = scan_args(kind)
    torch.testing.assert_close(selective_scan(*args), selective_scan_reference(*args), rtol=1e-11, atol=1e-12)


def test_reference_loop_is_the_formula_by_hand():
    """Two steps written out: y0 = Re(C0 d0 B0 u0) + D u0, y1 = Re(C1 (e^{d1 a} d0 B0 u0 + d1 B1 u1)) + D u1."""
    u, delta, A, B, C, D = scan_args("complex", Bsz=1, H=1, N=1, L=2)
    a, (u0, u1), (d0, d1), (B0, B1), (C0, C1) = A[0, 0], u[0, 0], delta[0, 0], B[0, 0], C[0, 0]
    x0 = d0 * B0 * u0
    x1 = torch.exp(d1 * a) * x0 + d1 * B1 * u1
    expected = torch.stack([(C0 * x0).real + D[0] * u0, (C1 * x1).real + D[0] * u1])
    torch.testing.assert_close(selective_scan_reference(u, delta, A, B, C, D)[0, 0], expected, rtol=1e-14, atol=1e-14)
    torch.testing.assert_close(selective_scan(u, delta, A, B, C, D)[0, 0], expected, rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("kind", KINDS)
def test_gradients_equal_the_loops(kind):
    """d/d(u, delta, A, B, C, D) of a random linear functional of y: parallel scan (custom backward) == loop."""
    args = [x.clone().requires_grad_(True) for x in scan_args(kind, seed=2)]
    w = torch.randn(args[0].shape, dtype=F64)
    fast = torch.autograd.grad((selective_scan(*args) * w).sum(), args)
    slow = torch.autograd.grad((selective_scan_reference(*args) * w).sum(), args)
    for name, gf, gs in zip("u delta A B C D".split(), fast, slow):
        torch.testing.assert_close(gf, gs, rtol=1e-10, atol=1e-12, msg=lambda m, n=name: f"grad {n}: {m}")


@pytest.mark.parametrize("chunk", (1, 5, 7, 24, 1000, None))
def test_chunked_scan_equals_the_loop_outputs_and_gradients(chunk):
    """Chunks of 1, 5, 7 steps (L = 24 is no multiple of 5 or 7), one chunk, or none: the state carried
    from chunk to chunk and the recomputing backward give the loop's output and gradients."""
    args = [x.clone().requires_grad_(True) for x in scan_args("complex", seed=7)]
    w = torch.randn(args[0].shape, dtype=F64)
    y = selective_scan(*args, chunk=chunk)
    y_ref = selective_scan_reference(*args)
    torch.testing.assert_close(y, y_ref, rtol=1e-11, atol=1e-12)
    fast = torch.autograd.grad((y * w).sum(), args)
    slow = torch.autograd.grad((y_ref * w).sum(), args)
    for name, gf, gs in zip("u delta A B C D".split(), fast, slow):
        torch.testing.assert_close(gf, gs, rtol=1e-10, atol=1e-12, msg=lambda m, n=name: f"grad {n}: {m}")


def test_chunked_scan_keeps_no_state_tensor_of_full_length():
    """With chunks, autograd keeps the inputs and one state per chunk; without, the a, b and x tensors of
    shape (B, H, N, L): the bytes saved for the backward fall by more than 4x at H = 16, N = 8, L = 256, chunk 16."""
    u, delta, A, B, C, D = scan_args("complex", Bsz=2, H=16, N=8, L=256, seed=8)
    args = [x.clone().requires_grad_(True) for x in (u, delta, A, B, C)]

    def saved_bytes(chunk):
        seen = {}

        def pack(t):
            seen[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
            return t

        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            selective_scan(*args, chunk=chunk).sum()
        return sum(seen.values())

    full = saved_bytes(None)
    chunked = saved_bytes(16)
    assert full > 4 * chunked, (full, chunked)


def test_empty_sequence_and_bad_chunk():
    u, delta, A, B, C, D = scan_args("complex", L=0)
    assert selective_scan(u, delta, A, B, C, D).shape == u.shape
    u, delta, A, B, C, D = scan_args("complex")
    for bad in (0, -1, 2.5, True):
        with pytest.raises((ValueError, TypeError), match="chunk"):
            selective_scan(u, delta, A, B, C, D, chunk=bad)


@pytest.mark.parametrize("kind", ("real", "complex"))
def test_gradcheck_tiny(kind):
    args = tuple(x.clone().requires_grad_(True) for x in scan_args(kind, Bsz=1, H=2, N=2, L=5, seed=3))
    assert torch.autograd.gradcheck(lambda *a: selective_scan(*a, check=False), args, eps=1e-6, atol=1e-7)


def test_float32_against_float64_loop():
    """The float32 scan stays within 2e-6 of the float64 loop (relative to max |y|); L = 500."""
    args64 = scan_args("complex", L=500, seed=4)
    args32 = scan_args("complex", L=500, seed=4, dtype=torch.float32)
    y32 = selective_scan(*args32).double()
    y64 = selective_scan_reference(*args64)
    assert ((y32 - y64).abs().max() / y64.abs().max()).item() < 2e-6


def test_long_memory_is_stable():
    """|exp(delta a)| = 0.9995 over L = 4096 steps (slow decay), and a tiny one (|.| = e^-40): scan == loop."""
    u, delta, A, B, C, D = scan_args("complex", Bsz=1, H=2, N=2, L=4096, seed=5)
    A = torch.complex(torch.tensor([[-5e-4, -5e-4], [-40.0, -1.0]], dtype=F64), A.imag)
    delta = torch.ones_like(delta)
    y = selective_scan(u, delta, A, B, C, D)
    torch.testing.assert_close(y, selective_scan_reference(u, delta, A, B, C, D), rtol=1e-10, atol=1e-10)
    assert torch.isfinite(y).all()


def test_half_precision_is_computed_in_float32():
    args = scan_args("real", seed=6, dtype=torch.float32)
    y = selective_scan(args[0].bfloat16(), *args[1:])
    assert y.dtype == torch.bfloat16
    expected = selective_scan(args[0].bfloat16().float(), *args[1:]).bfloat16()  # rounded once, at the end
    torch.testing.assert_close(y, expected, rtol=0, atol=0)


@pytest.mark.parametrize("complex_", (True, False))
def test_mixer_in_bfloat16_follows_float32(complex_):
    fssm.seed_everything(12)
    layer = SelectiveSSM(4, 3, complex=complex_)
    u = torch.randn(2, 4, 20)
    y32 = layer(u)
    y16 = layer.to(torch.bfloat16)(u.bfloat16())
    assert y16.dtype == torch.bfloat16
    assert ((y16.float() - y32).abs().max() / y32.abs().max()).item() < 3e-2


# ----------------------------------------------------------------------------- the frozen (LTI) system
@pytest.mark.parametrize("kind", KINDS)
def test_constant_selection_is_convolution_with_the_frozen_kernel(kind):
    (u, d, A, b, c, D), (delta, B, C) = constant_selection(kind)
    K = frozen_kernel(A, d, b, c, u.shape[-1])  # r(H L)
    torch.testing.assert_close(selective_scan(u, delta, A, B, C, D), fft_conv(u, K) + D[:, None] * u,
                               rtol=1e-10, atol=1e-11)


@pytest.mark.parametrize("kind", KINDS)
def test_frozen_kernel_is_the_loops_impulse_response_values_and_gradients(kind):
    """K from the blocked Vandermonde product == the loop run on a unit impulse; and their gradients."""
    (u, d, A, b, c, D), _ = constant_selection(kind, Bsz=1, L=20)
    d, A, b, c = (x.clone().requires_grad_(True) for x in (d, A, b, c))
    H, N, L = d.shape[0], b.shape[0], 20
    impulse = torch.zeros(1, H, L, dtype=F64)
    impulse[..., 0] = 1.0
    ir = selective_scan_reference(impulse, d[None, :, None].expand(1, H, L), A,
                                  b[None, :, None].expand(1, N, L), c[None, :, None].expand(1, N, L))[0]
    K = frozen_kernel(A, d, b, c, L)
    torch.testing.assert_close(K, ir, rtol=1e-11, atol=1e-13)
    w = torch.randn(H, L, dtype=F64)
    gK = torch.autograd.grad((K * w).sum(), (d, A, b, c))
    gI = torch.autograd.grad((ir * w).sum(), (d, A, b, c))
    for name, x, y in zip(("delta", "A", "B", "C"), gK, gI):
        torch.testing.assert_close(x, y, rtol=1e-9, atol=1e-11, msg=lambda m, n=name: f"grad {n}: {m}")


def test_frozen_kernel_per_token_broadcasts():
    """delta r(2 5 H), B, C r/c(2 5 N): one kernel per token, each the kernel of that token alone."""
    u, delta, A, B, C, _ = scan_args("complex", Bsz=2, L=5, seed=7)
    dt, Bt, Ct = delta.transpose(1, 2), B.transpose(1, 2), C.transpose(1, 2)  # (Bsz, L, H), (Bsz, L, N)
    K = frozen_kernel(A, dt, Bt, Ct, 9)
    assert K.shape == (2, 5, 3, 9)
    for i, t in ((0, 0), (1, 3), (1, 4)):
        torch.testing.assert_close(K[i, t], frozen_kernel(A, dt[i, t], Bt[i, t], Ct[i, t], 9), rtol=1e-13, atol=1e-14)
    shared = frozen_kernel(A, dt[0, 0], Bt, Ct[0, 0], 9)  # delta and C shared, B per token
    assert shared.shape == (2, 5, 3, 9)
    torch.testing.assert_close(shared[1, 2], frozen_kernel(A, dt[0, 0], Bt[1, 2], Ct[0, 0], 9))


@pytest.mark.parametrize("kind", KINDS)
def test_frozen_transfer_is_the_dft_of_the_kernel(kind):
    (u, d, A, b, c, D), _ = constant_selection(kind, L=24)
    L, n = 24, 64
    K = frozen_kernel(A, d, b, c, L)
    omega = 2 * math.pi * torch.arange(n // 2 + 1, dtype=F64) / n
    torch.testing.assert_close(frozen_transfer(A, d, b, c, omega, L=L), torch.fft.rfft(K, n=n), rtol=1e-10, atol=1e-12)
    # L = None: the whole geometric series; with Re(delta a) <= -0.05 * 0.01, 10^5 terms are the same sum
    slow = frozen_transfer(A, d, b, c, omega, L=10**5)
    torch.testing.assert_close(frozen_transfer(A, d, b, c, omega), slow, rtol=1e-9, atol=1e-9)


def test_frozen_transfer_with_a_pole_at_one():
    """a = 0 gives z = 1: at omega = 0 the truncated sum is L c (no 0/0); L = None is refused."""
    A = torch.tensor([[0.0, -1.0]], dtype=F64)
    d, b, c = torch.tensor([0.5], dtype=F64), torch.ones(2, dtype=F64), torch.ones(2, dtype=F64)
    omega = torch.tensor([0.0, 0.7], dtype=F64)
    K = frozen_kernel(A, d, b, c, 10)
    expected = (K * torch.exp(-1j * omega[:, None] * torch.arange(10, dtype=F64))).sum(-1)
    torch.testing.assert_close(frozen_transfer(A, d, b, c, omega, L=10)[0], expected, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="L=None .* diverges"):
        frozen_transfer(A, d, b, c, omega)


# ----------------------------------------------------------------------------- beta: the pre-emphasis
def test_preemphasis_is_the_weighted_zero_padded_spectrum():
    u = torch.randn(2, 3, 21, dtype=F64)
    beta = torch.tensor([1.0, -0.5, 2.0], dtype=F64)
    n = fast_fft_length(42)
    w = sobolev_weight(beta, n // 2 + 1, 42.0, step=42 / n)
    expected = torch.fft.irfft(w * torch.fft.rfft(u, n=n), n=n)[..., :21]
    torch.testing.assert_close(sobolev_preemphasis(u, beta), expected, rtol=1e-12, atol=1e-13)
    torch.testing.assert_close(sobolev_preemphasis(u, torch.zeros(3, dtype=F64)), u, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("kind", ("real", "complex"))
def test_preemphasized_scan_is_the_filtered_frozen_kernel_up_to_the_anticausal_share(kind):
    """Constant selection: fft_conv(u, K, beta) ('both': the weight on the kernel) = scan(pre-emphasized u)
    + the part of w * u that the zero-phase weight puts at negative times, sum_{l > t} K_l v_{t-l}, which a
    causal scan cannot see. Checked exactly, and that share is a few percent of the output."""
    (u, d, A, b, c, D), (delta, B, C) = constant_selection(kind, Bsz=1, H=3, L=32, seed=8)
    L, scale = 32, 40.0
    beta = torch.tensor([1.0, -1.0, 0.5], dtype=F64)
    K = frozen_kernel(A, d, b, c, L)
    filtered = fft_conv(u, K, beta, sobolev_scale=scale) + D[:, None] * u
    scanned = selective_scan(sobolev_preemphasis(u, beta, scale), delta, A, B, C) + D[:, None] * u  # skip: raw u
    n = fast_fft_length(2 * L)
    v = torch.fft.irfft(sobolev_weight(beta, n // 2 + 1, scale, step=2 * L / n) * torch.fft.rfft(u, n=n), n=n)
    leak = torch.zeros_like(u)
    for t in range(L):
        for lag in range(t + 1, L):  # v at time t - lag < 0 is stored at n + t - lag
            leak[..., t] += K[:, lag] * v[..., n + t - lag]
    torch.testing.assert_close(scanned + leak, filtered, rtol=1e-10, atol=1e-11)
    share = (leak.norm() / (filtered - D[:, None] * u).norm()).item()
    assert 1e-4 < share < 0.1


def test_mixer_with_beta_runs_the_scan_on_the_preemphasized_input():
    layer = SelectiveSSM(3, 4, beta=1.5, sobolev_scale=30.0).double()
    u = torch.randn(2, 3, 17, dtype=F64)
    delta, B, C = layer.selection(u)  # selected from the unfiltered input
    v = sobolev_preemphasis(u, layer.beta, 30.0)
    expected = selective_scan(v, delta, layer.ssm()["A"], B, C) + layer.D[:, None] * u
    torch.testing.assert_close(layer(u), expected, rtol=1e-12, atol=1e-13)
    plain = SelectiveSSM(3, 4).double()
    plain.load_state_dict({k: v for k, v in layer.state_dict().items() if k != "beta"}, strict=False)
    assert not plain.filter_active
    assert (plain(u) - layer(u)).abs().max() > 1e-3  # beta does change the output


def test_frozen_layer_response_is_fft_convs_layer():
    """irfft(w K^ + D) applied to u on the length-2L grid == fft_conv(u, K, beta) + D u (2L 5-smooth)."""
    layer = SelectiveSSM(3, 4, beta=-0.7).double()
    L = 16
    omega, R = layer.frozen_layer_response(L)
    u = torch.randn(2, 3, L, dtype=F64)
    via_response = torch.fft.irfft(R * torch.fft.rfft(u, n=2 * L), n=2 * L)[..., :L]
    direct = fft_conv(u, layer.frozen_kernel(L), layer.beta) + layer.D[:, None] * u
    torch.testing.assert_close(via_response, direct, rtol=1e-11, atol=1e-12)
    torch.testing.assert_close(omega, math.pi * torch.arange(L + 1, dtype=F64) / L)


# ----------------------------------------------------------------------------- the mixer
@pytest.mark.parametrize("complex_,dt_rank", [(True, None), (False, None), (True, 2)])
def test_mixer_scan_equals_loop_outputs_and_parameter_gradients(complex_, dt_rank):
    kw = dict(complex=complex_, dt_rank=dt_rank, beta=0.5)
    fssm.seed_everything(11)
    fast = SelectiveSSM(4, 3, **kw).double()
    fssm.seed_everything(11)
    slow = SelectiveSSM(4, 3, mode="reference", **kw).double()
    u = torch.randn(2, 4, 19, dtype=F64)
    yf, ys = fast(u), slow(u)
    torch.testing.assert_close(yf, ys, rtol=1e-11, atol=1e-12)
    w = torch.randn_like(yf)
    (yf * w).sum().backward()
    (ys * w).sum().backward()
    named = dict(slow.named_parameters())
    assert {"log_A_real", "dt_bias", "D"} <= set(named) and ("A_imag" in named) == complex_
    for name, p in fast.named_parameters():
        torch.testing.assert_close(p.grad, named[name].grad, rtol=1e-9, atol=1e-11, msg=lambda m, n=name: f"{n}: {m}")


def test_mixer_selection_is_softplus_of_a_projection_and_linear_B_C():
    layer = SelectiveSSM(3, 2).double()
    u = torch.randn(1, 3, 6, dtype=F64)
    delta, B, C = layer.selection(u)
    W, Wx = layer.dt_proj.weight, layer.x_proj.weight  # r(H H), r(4N H)
    torch.testing.assert_close(delta[0], F.softplus(W @ u[0] + layer.dt_bias[:, None]))
    proj = (Wx @ u[0]).reshape(2, 2, 2, 6)  # (B|C, N, re|im, L)
    torch.testing.assert_close(B[0], torch.complex(proj[0, :, 0], proj[0, :, 1]))
    torch.testing.assert_close(C[0], torch.complex(proj[1, :, 0], proj[1, :, 1]))
    # the selection is what makes it non-LTI: scaling the input does not scale the output
    assert (layer(2 * u) - 2 * layer(u)).abs().max() > 1e-4


def test_mixer_initialization():
    for alpha in (0.5, 2.0):
        A = SelectiveSSM(2, 5, alpha=alpha, dt_max=0.1).double().ssm()["A"]
        n = torch.arange(5, dtype=F64)
        expected = torch.complex(torch.full((2, 5), -0.5, dtype=F64), alpha * math.pi * n.expand(2, 5))
        torch.testing.assert_close(A, expected)
    A = SelectiveSSM(2, 5, complex=False).double().ssm()["A"]
    assert not A.is_complex()
    torch.testing.assert_close(A, -(torch.arange(5, dtype=F64) + 1).expand(2, 5))
    layer = SelectiveSSM(64, 2, dt_min=1e-3, dt_max=1e-1).double()
    dt = F.softplus(layer.dt_bias)
    assert dt.min() >= 1e-3 * (1 - 1e-6) and dt.max() <= 1e-1 * (1 + 1e-6)  # float32 parameters
    assert dt.min() < 5e-3 and dt.max() > 2e-2  # spread over the range, not one value
    fixed = SelectiveSSM(3, 2, dt_min=0.02, dt_max=0.02).double()
    torch.testing.assert_close(F.softplus(fixed.dt_bias), torch.full((3,), 0.02, dtype=F64), rtol=1e-6, atol=0)
    torch.testing.assert_close(fixed.D, torch.ones(3, dtype=F64))


def test_mixer_parameter_tags_and_groups():
    layer = SelectiveSSM(3, 2, lr={"log_A_real": 1e-3, "dt_bias": 0.0})
    assert "dt_bias" in dict(layer.named_buffers()) and "dt_bias" not in dict(layer.named_parameters())
    assert layer.log_A_real._optim == {"lr": 1e-3, "weight_decay": 0.0}
    assert layer.A_imag._optim == {"lr": None, "weight_decay": 0.0}
    assert layer.D._optim["weight_decay"] == 0.0
    groups = param_groups(layer, lr=1e-2, weight_decay=0.1, verbose=False)
    by_name = {n: (g["lr"], g["weight_decay"]) for g in groups for n in g["names"]}
    assert by_name == {"log_A_real": (1e-3, 0.0), "A_imag": (1e-2, 0.0), "D": (1e-2, 0.0),
                       "dt_proj.weight": (1e-2, 0.1), "x_proj.weight": (1e-2, 0.1)}
    frozen = SelectiveSSM(3, 2, lr=0.0)
    assert {"log_A_real", "A_imag", "dt_bias"} <= set(dict(frozen.named_buffers()))


def test_aliasing_warning():
    with pytest.warns(fssm.AliasingWarning, match="exceeds pi"):
        SelectiveSSM(2, 16, alpha=1.0, dt_max=0.1)  # pi * 15 * 0.1 > pi
    with warnings.catch_warnings():
        warnings.simplefilter("error", fssm.AliasingWarning)
        SelectiveSSM(2, 16, complex=False, dt_max=0.1)  # real A does not oscillate
        SelectiveSSM(2, 8, alpha=1.0, dt_max=0.1)  # pi * 7 * 0.1 < pi


# ----------------------------------------------------------------------------- the bias at init
def test_bias_at_init_real_is_low_pass_in_every_channel():
    """S4D-Real: every pole exp(-delta (n+1)) in (0, 1), weights delta > 0: Re K^ strictly decreasing on [0, pi]."""
    layer = SelectiveSSM(8, 6, complex=False).double()
    omega = torch.linspace(0, math.pi, 200, dtype=F64)
    R = layer.frozen_transfer(omega)  # c(H W), at delta = softplus(dt_bias), B = C = 1
    assert R.shape == (8, 200)
    assert (R.real.diff(dim=-1) < 0).all()
    torch.testing.assert_close(R[:, 0].real, (F.softplus(layer.dt_bias)[:, None]
                                              / (1 - torch.exp(-F.softplus(layer.dt_bias)[:, None]
                                                               * torch.arange(1, 7, dtype=F64)))).sum(-1))


def test_bias_at_init_alpha_moves_the_response_up():
    """Complex (S4D-Lin): the modes sit at omega_n = delta alpha pi n, so the response's mean frequency grows
    with alpha (same delta): the alpha control carries over to the frozen selective system."""
    omega = torch.linspace(0, math.pi, 400, dtype=F64)

    def mean_frequency(alpha):
        layer = SelectiveSSM(4, 8, alpha=alpha, dt_min=0.1, dt_max=0.1).double()
        power = layer.frozen_transfer(omega).abs() ** 2
        return (power * omega).sum(-1) / power.sum(-1)  # r(H)

    low, mid, high = mean_frequency(0.25), mean_frequency(0.5), mean_frequency(1.0)
    assert (low < mid).all() and (mid < high).all()


# ----------------------------------------------------------------------------- bad input
def _bad_cases():
    u, delta, A, B, C, D = scan_args("complex")
    return [
        (lambda: selective_scan(u.to(C128), delta, A, B, C), "u must be a real floating-point"),
        (lambda: selective_scan(u, delta[..., :-1], A, B, C), "delta must have the shape of u"),
        (lambda: selective_scan(u, delta, A[:2], B, C), r"A must have shape \(H, N\) with H=3"),
        (lambda: selective_scan(u, delta, A, B[..., :-1], C), r"B must have shape \(B, N, L\)"),
        (lambda: selective_scan(u, delta, A, B, C.real.long()), "C must be a real floating or complex"),
        (lambda: selective_scan(u, -delta, A, B, C), "delta must be >= 0"),
        (lambda: selective_scan(u, delta, -A, B, C), "A must have Re <= 0"),
        (lambda: selective_scan(u, delta, A, B * math.inf, C), "B contains NaN or Inf"),
        (lambda: selective_scan(u, delta, A, B, C, D[:2]), "D must have 3 channels"),
        (lambda: selective_scan(u, delta, "A", B, C), "A must be a torch.Tensor"),
        (lambda: frozen_kernel(A, delta[0, :, 0], B[0, :2, 0], C[0, :, 0], 8), r"B must have shape \(\*, N\) with N=4"),
        (lambda: frozen_kernel(A, delta[0, :2, 0], B[0, :, 0], C[0, :, 0], 8), r"delta must have shape \(\*, H\)"),
        (lambda: frozen_kernel(A, delta[0, :, 0], B[0, :, 0], C[0, :, 0], 0), "L must be an integer >= 1"),
        (lambda: frozen_kernel(A, delta[0].T, B[0, :, :2].T, C[0, :, 0], 8), "must broadcast"),
        (lambda: frozen_transfer(A, delta[0, :, 0], B[0, :, 0], C[0, :, 0], torch.zeros(2, 2)), "omega must be"),
        (lambda: SelectiveSSM(0, 4), "d_model must be an integer >= 1"),
        (lambda: SelectiveSSM(2, 4, alpha=0.0), "alpha must be"),
        (lambda: SelectiveSSM(2, 4, complex="yes"), "complex must be True or False"),
        (lambda: SelectiveSSM(2, 4, dt_min=0.2, dt_max=0.1), "dt_min must be <= dt_max"),
        (lambda: SelectiveSSM(2, 4, dt_rank=0), "dt_rank must be an integer >= 1"),
        (lambda: SelectiveSSM(2, 4, beta=math.nan), "beta must be a finite real"),
        (lambda: SelectiveSSM(2, 4, mode="fast"), "mode must be one of 'scan', 'reference'"),
        (lambda: SelectiveSSM(2, 4, complex=False, lr={"A_imag": 0.1}), "A_imag exists only with complex=True"),
        (lambda: SelectiveSSM(2, 4).double()(torch.randn(1, 3, 5, dtype=F64)), "u must have 2 channels"),
        (lambda: SelectiveSSM(2, 4)(torch.randn(1, 2, 5, dtype=F64)), "u has dtype torch.float64 but the parameters"),
    ]


@pytest.mark.parametrize("case", range(len(_bad_cases())))
def test_bad_input_is_named(case):
    fn, match = _bad_cases()[case]
    with pytest.raises(ValueError, match=match):
        fn()
