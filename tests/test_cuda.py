"""CUDA: the fast kernel, the layer, bf16 autocast and training on a GPU, against the reference and the CPU.

Every test marked `cuda` is skipped without a CUDA device; `python -m pytest -m cuda tests` runs them
(tools/gpu_check.sh does, with FSSM_REQUIRE_CUDA=1, which turns the skip into a failure so that a GPU run
cannot pass by skipping). FSSM_CUDA_TESTS_DEVICE=cpu runs them on the CPU instead, to check their logic
on a machine without a GPU (the CUDA-vs-CPU comparisons are then trivial, and the layer-norm bf16 test
fails: CPU autocast's layer norm accumulates its weight gradients in bf16, CUDA's runs in float32).
Tolerances are those of tests/test_fast.py where the same comparison runs on the CPU, and stated where a
test needs its own. The tests at the end are not marked: they run on the CPU in CI and check tools/gpu_check.sh itself
(its syntax and its dry run) and the byte count of bench/kernel_layer.py.
"""
import copy
import importlib.util
import json
import math
import os
import shutil
import subprocess
import sys
import time
import warnings

import pytest
import torch

import fssm
from fssm.kernel import _BlockedVandermonde, blocked_vandermonde_kernel, vandermonde_kernel
from fssm.train import make_optimizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "tools", "gpu_check.sh")
REQUIRE_CUDA = os.environ.get("FSSM_REQUIRE_CUDA", "") not in ("", "0")
HAVE_CUDA = torch.cuda.is_available()
DEV = torch.device(os.environ.get("FSSM_CUDA_TESTS_DEVICE") or "cuda")
CPU = torch.device("cpu")
LENGTHS = [1, 2, 3, 7, 100, 1000, 4097, 65536]
INITS = ["lin", "inv", "legs", "real"]
DISCS = ["zoh", "bilinear"]


def on_cuda(f):
    """Mark a test `cuda` and skip it without a CUDA device (unless FSSM_REQUIRE_CUDA is set)."""
    skip = pytest.mark.skipif(DEV.type == "cuda" and not HAVE_CUDA and not REQUIRE_CUDA, reason="needs a CUDA device")
    return pytest.mark.cuda(skip(f))


def _quiet_kernel(**kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fssm.AliasingWarning)
        return fssm.S4DKernel(**kw)


def _twins(device, dtype=torch.float32, **kw):
    """(reference, fast) kernels with the same parameters on `device` in `dtype`, and an exact twin:
    the reference in float64 on the CPU with those parameters."""
    fssm.seed_everything(0)
    ref = _quiet_kernel(mode="reference", **kw)
    fast = _quiet_kernel(mode="fast", **kw)
    fast.load_state_dict(ref.state_dict())
    exact = _quiet_kernel(mode="reference", **kw).double()
    exact.load_state_dict({k: v.double() for k, v in ref.state_dict().items()})
    return ref.to(device, dtype), fast.to(device, dtype), exact


def _rel(a, b):
    """max |a - b| / max |b| (both moved to the CPU; complex tensors compared as complex128)."""
    dt = torch.complex128 if a.is_complex() or b.is_complex() else torch.float64
    a, b = a.detach().to(dt).cpu(), b.detach().to(dt).cpu()
    scale = b.abs().max().item()
    return (a - b).abs().max().item() / scale if scale > 0 else (a - b).abs().max().item()


def _rel_l2(a, b):
    a, b = a.detach().double().cpu().flatten(), b.detach().double().cpu().flatten()
    return ((a - b).norm() / b.norm()).item()


# ----------------------------------------------------------------------------- the kernel on CUDA
@on_cuda
@pytest.mark.parametrize("disc", DISCS)
@pytest.mark.parametrize("init", INITS)
@pytest.mark.parametrize("alpha", [0.1, 1.0, 10.0])
def test_cuda_fast_kernel_float32_equals_exact_and_the_cpu(disc, init, alpha):
    """float32 on CUDA: fast within 1e-5 of the exact kernel (as on the CPU, tests/test_fast.py), the same
    fast kernel on the CPU within 1e-5 of it, and the float32 reference within 2e-4 (its own phase error:
    up to 7e-5 seen on the CPU; CUDA's complex exp may differ from the CPU's by an ulp or two)."""
    kw = dict(d_model=3, d_state=8, init=init, alpha=alpha, disc=disc)
    ref, fast, exact = _twins(DEV, **kw)
    fast_cpu = copy.deepcopy(fast).to(CPU)
    for L in LENGTHS:
        a, b = exact(L), fast(L)
        assert b.device.type == DEV.type and b.dtype == torch.float32
        assert _rel(b, a) <= 1e-5, (L, _rel(b, a))
        assert _rel(b, fast_cpu(L)) <= 1e-5, (L, _rel(b, fast_cpu(L)))
        r = ref(L)
        assert r.device.type == DEV.type
        assert _rel(r, a) <= 2e-4, (L, _rel(r, a))


@on_cuda
@pytest.mark.parametrize("disc", DISCS)
@pytest.mark.parametrize("init", INITS)
def test_cuda_fast_kernel_float64_outputs_and_gradients_tight(disc, init):
    """float64 on CUDA: fast = reference (1e-11 of the kernel, 1e-9 of each gradient, as tests/test_fast.py),
    and the CUDA fast kernel and its gradients = the CPU's (same parameters) to 1e-11."""
    ref, fast, _ = _twins(DEV, torch.float64, d_model=2, d_state=6, init=init, disc=disc)
    fast_cpu = copy.deepcopy(fast).to(CPU)
    torch.manual_seed(1)
    for L in (1, 2, 3, 7, 100, 1000, 4097):
        ka, kb, kc = ref(L), fast(L), fast_cpu(L)
        assert kb.dtype == torch.float64 and kb.device.type == DEV.type
        assert _rel(kb, ka) <= 1e-11 and _rel(kb, kc) <= 1e-11, (L, _rel(kb, ka), _rel(kb, kc))
        w = torch.randn(2, L, dtype=torch.float64)
        ga = torch.autograd.grad((ka * w.to(DEV)).sum(), list(ref.parameters()))
        gb = torch.autograd.grad((kb * w.to(DEV)).sum(), list(fast.parameters()))
        gc = torch.autograd.grad((kc * w).sum(), list(fast_cpu.parameters()))
        for x, y, z in zip(ga, gb, gc):
            scale = max(1.0, x.abs().max().item())
            assert (y - x).abs().max().item() <= 1e-9 * scale
            assert (y.cpu() - z).abs().max().item() <= 1e-11 * scale


@on_cuda
@pytest.mark.parametrize("disc", DISCS)
@pytest.mark.parametrize("alpha", [0.1, 1.0, 10.0])
def test_cuda_fast_kernel_float32_parameter_gradients(disc, alpha):
    """float32 parameter gradients on CUDA vs exact (float64 reference on the CPU), relative to each
    gradient's scale: at most 1e-4, tests/test_fast.py's bound for every alpha. (Its tighter 2e-5 for
    alpha <= 1 holds for its parameters, not for every seed: d/d log_dt sums N nearly cancelling
    contributions; TF32 matmuls or a wrong CUDA path would give 1e-3 or worse.)"""
    for init in INITS:
        _, fast, exact = _twins(DEV, d_model=3, d_state=8, init=init, alpha=alpha, disc=disc)
        torch.manual_seed(3)
        for L in LENGTHS:
            w = torch.randn(3, L, dtype=torch.float64)
            ga = torch.autograd.grad((exact(L) * w).sum(), list(exact.parameters()))
            gb = torch.autograd.grad((fast(L) * w.float().to(DEV)).sum(), list(fast.parameters()))
            for (name, _), x, y in zip(exact.named_parameters(), ga, gb):
                assert y.dtype == torch.float32 and y.device.type == DEV.type
                err = _rel(y, x)
                assert err <= 1e-4, (init, L, name, err)


def _modes(device, H=3, N=5, seed=0):
    """Random stable log dA (Re in [-0.05, 0]) and dC, c(H N) float64 on `device`."""
    g = torch.Generator().manual_seed(seed)
    z = torch.complex(-0.05 * torch.rand(H, N, generator=g, dtype=torch.float64),
                      torch.randn(H, N, generator=g, dtype=torch.float64))
    dC = torch.complex(torch.randn(H, N, generator=g, dtype=torch.float64),
                       torch.randn(H, N, generator=g, dtype=torch.float64))
    return z.to(device), dC.to(device)


@on_cuda
@pytest.mark.parametrize("L", [1, 2, 3, 7, 30, 101])
def test_cuda_blocked_function_gradcheck_float64(L):
    """The custom autograd function's analytic backward on CUDA against finite differences, any block size."""
    z, dC = _modes(DEV, seed=L)
    T = max(1, math.isqrt(L - 1) + 1)
    for block in sorted({T, 1, 2, L}):
        assert torch.autograd.gradcheck(lambda a, b: _BlockedVandermonde.apply(a, b, L, block, torch.float64),
                                        (z.clone().requires_grad_(), dC.clone().requires_grad_()))


@on_cuda
@pytest.mark.parametrize("L", [1, 5, 257, 4096, 65536])
def test_cuda_blocked_vandermonde_equals_vandermonde_kernel(L):
    """The two functions on CUDA, outputs and gradients w.r.t. (log dA, dC): float64 to 1e-10 of their scale,
    float32 (dtype=) within 1e-5 of the float64 values (tests/test_fast.py's bound at the modes), and CUDA
    against the CPU for the same modes to 1e-11 (float64)."""
    z, dC = _modes(DEV, H=4, N=8, seed=L)
    w = torch.randn(4, L, dtype=torch.float64, generator=torch.Generator().manual_seed(L)).to(DEV)
    outs = {}
    for name, fn in {
        "vandermonde": lambda a, b: vandermonde_kernel(torch.exp(a), b, L),
        "blocked": lambda a, b: blocked_vandermonde_kernel(None, b, L, log_dA=a),
        "blocked32": lambda a, b: blocked_vandermonde_kernel(None, b, L, dtype=torch.float32, log_dA=a),
        "blocked_cpu": lambda a, b: blocked_vandermonde_kernel(None, b.cpu(), L, log_dA=a.cpu()),
    }.items():
        a, b = z.clone().requires_grad_(), dC.clone().requires_grad_()
        k = fn(a, b)
        grads = torch.autograd.grad((k.to(w.dtype).to(DEV) * w).sum(), [a, b])
        outs[name] = (k, *grads)
    assert outs["blocked"][0].device.type == DEV.type and outs["blocked32"][0].dtype == torch.float32
    for x, y, z32, c in zip(outs["vandermonde"], outs["blocked"], outs["blocked32"], outs["blocked_cpu"]):
        if x.abs().max() == 0:  # L = 1: K_0 does not depend on dA
            assert y.abs().max() == 0 and z32.abs().max() == 0
            continue
        assert _rel(y, x) <= 1e-10, _rel(y, x)
        assert _rel(z32, x) <= 1e-5, _rel(z32, x)
        assert _rel(y, c) <= 1e-11, _rel(y, c)


@on_cuda
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_cuda_fast_kernel_under_autocast_is_the_float32_kernel(dtype):
    """Inside the custom function autocast is off on CUDA too: the same float32 kernel and gradients."""
    fssm.seed_everything(6)
    k = _quiet_kernel(d_model=4, d_state=8).to(DEV)
    plain = k(300)
    g_plain = torch.autograd.grad(plain.square().sum(), list(k.parameters()))
    with torch.autocast(DEV.type, dtype=dtype):
        auto = k(300)
        g_auto = torch.autograd.grad(auto.square().sum(), list(k.parameters()))
    assert auto.dtype == torch.float32 and torch.equal(auto, plain)
    for x, y in zip(g_plain, g_auto):
        torch.testing.assert_close(y, x, rtol=1e-6, atol=1e-6 * x.abs().max().item())


# ----------------------------------------------------------------------------- the layer on CUDA
def _layer_pair(dtype=torch.float32, mode="fast", **kw):
    """The same S4DLayer on the CPU and on CUDA."""
    fssm.seed_everything(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fssm.AliasingWarning)
        cpu = fssm.S4DLayer(**kw, kernel_kwargs={"mode": mode}).to(dtype)
    return cpu, copy.deepcopy(cpu).to(DEV)


@on_cuda
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("beta", [-1.0, 0.0, 0.5])
def test_cuda_layer_forward_backward_equals_cpu(bidirectional, beta):
    """float32: CUDA layer (cuFFT) vs CPU layer (pocketfft), outputs (rtol 1e-4, atol 1e-5 of the scale) and
    parameter and input gradients (rtol 1e-3, atol 1e-4 of the scale): tests/test_fast.py's fast-vs-reference
    bounds. Beta trainable (learn_beta) so its gradient is compared too; also CUDA fast vs CUDA reference."""
    kw = dict(d_model=4, d_state=8, beta=beta, learn_beta=True, bidirectional=bidirectional)
    cpu, gpu = _layer_pair(**kw)
    _, gpu_ref = _layer_pair(mode="reference", **kw)
    gpu_ref.load_state_dict(gpu.state_dict())
    for L in (1, 3, 100, 1000, 4099):  # 4099: 2L is not 5-smooth, the FFT runs at 8640
        u = torch.randn(2, 4, L)
        u_cpu, u_gpu = u.clone().requires_grad_(), u.to(DEV).requires_grad_()
        ya, yb, yr = cpu(u_cpu), gpu(u_gpu), gpu_ref(u_gpu)
        assert yb.device.type == DEV.type
        torch.testing.assert_close(yb.cpu(), ya, rtol=1e-4, atol=1e-5 * ya.abs().max().item())
        torch.testing.assert_close(yr, yb, rtol=1e-4, atol=1e-5 * ya.abs().max().item())
        ga = torch.autograd.grad(ya.square().sum(), [u_cpu, *cpu.parameters()])
        gb = torch.autograd.grad(yb.square().sum(), [u_gpu, *gpu.parameters()])
        assert len(ga) == len(gb) and any(n == "beta" for n, _ in gpu.named_parameters())
        for x, y in zip(ga, gb):
            torch.testing.assert_close(y.cpu(), x, rtol=1e-3, atol=1e-4 * max(1.0, x.abs().max().item()))


@on_cuda
@pytest.mark.parametrize("bidirectional", [False, True])
def test_cuda_layer_float64_equals_cpu_tightly(bidirectional):
    """float64: CUDA and CPU layers agree to 1e-10 of the scale, outputs and every gradient, beta = 0.5."""
    cpu, gpu = _layer_pair(torch.float64, d_model=3, d_state=6, beta=0.5, learn_beta=True,
                           bidirectional=bidirectional)
    for L in (5, 1000, 4099):
        u = torch.randn(2, 3, L, dtype=torch.float64)
        u_cpu, u_gpu = u.clone().requires_grad_(), u.to(DEV).requires_grad_()
        ya, yb = cpu(u_cpu), gpu(u_gpu)
        assert _rel(yb, ya) <= 1e-10, _rel(yb, ya)
        ga = torch.autograd.grad(ya.square().sum(), [u_cpu, *cpu.parameters()])
        gb = torch.autograd.grad(yb.square().sum(), [u_gpu, *gpu.parameters()])
        for x, y in zip(ga, gb):
            assert _rel(y, x) <= 1e-10, _rel(y, x)


# bf16 keeps 8 significant bits (relative rounding 2^-9 ~ 2e-3); CPU autocast gives 2-6e-3 on these models
BF16_OUT_TOL = 2e-2  # relative L2 error of a bf16-autocast output against float32
BF16_GRAD_TOL = 3e-2  # relative L2 error of all gradients (concatenated) against float32


@on_cuda
@pytest.mark.parametrize("input_dtype", [torch.float32, torch.bfloat16])
def test_cuda_layer_bf16_autocast_close_to_fp32(input_dtype):
    """bf16 autocast on CUDA, bidirectional layer with a trainable Sobolev filter: the output is bf16 (the
    GLU's 1x1 convolution ran in bf16; with a bf16 input fft_conv upcasts to float32 and back), finite, and
    within BF16_OUT_TOL of float32 on the same input; gradients finite and within BF16_GRAD_TOL."""
    _, layer = _layer_pair(d_model=16, d_state=8, beta=0.5, learn_beta=True, bidirectional=True)
    u = torch.randn(4, 16, 2048, device=DEV).to(input_dtype)
    params = list(layer.parameters())
    y32 = layer(u.float())
    g32 = torch.autograd.grad(y32.square().mean(), params)
    with torch.autocast(DEV.type, dtype=torch.bfloat16):
        y16 = layer(u)
        g16 = torch.autograd.grad(y16.float().square().mean(), params)
    assert y16.dtype == torch.bfloat16 and torch.isfinite(y16).all()
    assert all(torch.isfinite(g).all() for g in g16)
    assert _rel_l2(y16, y32) <= BF16_OUT_TOL, _rel_l2(y16, y32)
    cat = lambda gs: torch.cat([g.float().flatten() for g in gs])  # noqa: E731
    assert _rel_l2(cat(g16), cat(g32)) <= BF16_GRAD_TOL, _rel_l2(cat(g16), cat(g32))
    assert _rel_l2(y16, y32) > 0  # autocast did something: the comparison is not of a tensor with itself


def _model(**kw):
    fssm.seed_everything(2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fssm.AliasingWarning)
        return fssm.SequenceModel(3, 5, d_model=16, n_layers=2, d_state=8, bidirectional=True, learn_beta=True,
                                  beta=0.0, **kw)


@on_cuda
@pytest.mark.parametrize("norm", ["batch", "layer"])
def test_cuda_sequence_model_bf16_autocast_close_to_fp32(norm):
    """A two-block bidirectional SequenceModel under bf16 autocast on CUDA: outputs within BF16_OUT_TOL,
    all gradients within BF16_GRAD_TOL of float32, everything finite."""
    model = _model(norm=norm).to(DEV)
    x = torch.randn(4, 1024, 3, device=DEV)
    params = list(model.parameters())
    y32 = model(x)
    g32 = torch.autograd.grad(y32.square().mean(), params)
    with torch.autocast(DEV.type, dtype=torch.bfloat16):
        y16 = model(x)
        g16 = torch.autograd.grad(y16.float().square().mean(), params)
    assert y16.dtype == torch.bfloat16 and torch.isfinite(y16).all()
    assert all(torch.isfinite(g).all() for g in g16)
    cat = lambda gs: torch.cat([g.float().flatten() for g in gs])  # noqa: E731
    assert _rel_l2(y16, y32) <= BF16_OUT_TOL, _rel_l2(y16, y32)
    assert _rel_l2(cat(g16), cat(g32)) <= BF16_GRAD_TOL, _rel_l2(cat(g16), cat(g32))


# ----------------------------------------------------------------------------- training on CUDA
@on_cuda
def test_cuda_sequence_model_training_step_matches_cpu_and_learns():
    """One AdamW step (fssm.train.make_optimizer) of the same model on CUDA and on the CPU: the same loss
    (rtol 1e-5) and gradients (rtol 1e-3, atol 1e-4 of the scale); then 30 CUDA steps on the batch lower the
    loss below half its first value (a fifth of it on the CPU); every parameter stays finite and on the GPU."""
    cpu = _model(norm="batch")
    gpu = copy.deepcopy(cpu).to(DEV)
    x = torch.randn(8, 512, 3)
    y = torch.randint(0, 5, (8,))
    losses = {}
    for name, m, dev in (("cpu", cpu, CPU), ("cuda", gpu, DEV)):
        loss = torch.nn.functional.cross_entropy(m(x.to(dev)), y.to(dev))
        loss.backward()
        losses[name] = loss.item()
    assert math.isclose(losses["cuda"], losses["cpu"], rel_tol=1e-5), losses
    for (n, a), b in zip(cpu.named_parameters(), gpu.parameters()):
        torch.testing.assert_close(b.grad.cpu(), a.grad, rtol=1e-3, atol=1e-4 * max(1.0, a.grad.abs().max().item()),
                                   msg=lambda m: f"{n}: {m}")
    opt = make_optimizer(gpu, lr=5e-3, verbose=False)
    first = None
    for _ in range(30):
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(gpu(x.to(DEV)), y.to(DEV))
        loss.backward()
        opt.step()
        first = loss.item() if first is None else first
    assert loss.item() < 0.5 * first, (first, loss.item())
    assert all(p.device.type == DEV.type and torch.isfinite(p).all() for p in gpu.parameters())


@on_cuda
def test_cuda_fit_bf16_learns_checkpoints_and_resumes(tmp_path):
    """fssm.train.fit on CUDA with precision='bf16': finite losses that fall (a learnable regression: the
    target is 3 * the time-mean of the input's first feature), a checkpoint holding the CUDA RNG state, and a
    resume that continues from it."""
    from fssm.data import Batches
    from fssm.train import TrainConfig, fit, load_checkpoint

    g = torch.Generator().manual_seed(0)
    x = torch.randn(128, 256, 3, generator=g)
    y = 3 * x[..., :1].mean(1)  # r(128 1)
    model = _model(norm="batch")
    model.decoder = torch.nn.Linear(16, 1)
    model = model.to(DEV)
    before = [p.detach().clone() for p in model.parameters()]
    batches = Batches((x.to(DEV), y.to(DEV)), 16)
    loss_fn = lambda m, b: torch.nn.functional.mse_loss(m(b[0]).float(), b[1])  # noqa: E731
    ckpt = str(tmp_path / "last.pt")
    cfg = dict(lr=1e-2, precision="bf16", progress=False, verbose=False, checkpoint=ckpt,
               metrics_log=str(tmp_path / "log.jsonl"), log_every=4)
    history = fit(model, batches, loss_fn, TrainConfig(epochs=3, **cfg))
    losses = [h["train_loss"] for h in history]
    assert len(losses) == 3 and all(math.isfinite(v) for v in losses)
    assert losses[-1] < 0.7 * losses[0], losses
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert all(torch.isfinite(p).all() and p.device.type == DEV.type for p in model.parameters())
    state = load_checkpoint(ckpt, map_location=DEV)
    assert state["epoch"] == 2 and state["config"]["precision"] == "bf16"
    assert ("cuda" in state["rng"]) == (DEV.type == "cuda")
    resumed = fit(model, batches, loss_fn, TrainConfig(epochs=4, **cfg))
    assert len(resumed) == 4 and resumed[:3] == history and math.isfinite(resumed[-1]["train_loss"])


# ----------------------------------------------------------------------------- the bench's byte count
def _bench():
    spec = importlib.util.spec_from_file_location("bench_kernel_layer", os.path.join(ROOT, "bench", "kernel_layer.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_bench_byte_count_of_known_ops():
    """count_bytes: an add reads two tensors and writes one, a view is free, a broadcast input counts its stored
    elements, copy_'s destination is written and not read, and the backward pass is counted."""
    count = _bench().count_bytes
    a, b, c = torch.randn(1000), torch.randn(1000), torch.randn(1)
    assert count(lambda: a + b)["bytes"] == 3 * 4000
    assert count(lambda: a[:10].t())["bytes"] == 0
    assert count(lambda: a + c.expand(1000))["bytes"] == 4000 + 4 + 4000
    assert count(lambda: a.copy_(b))["bytes"] == 2 * 4000
    x = torch.randn(1000, requires_grad=True)
    fwd = count(lambda: (x * 2).sum())["bytes"]
    both = count(lambda: (x * 2).sum().backward())["bytes"]
    assert fwd == (4000 + 4000) + (4000 + 4)  # mul: x read, out written (the scalar 2 is no tensor); sum
    assert both > fwd + 4000  # the backward's mul by 2 at least reads a gradient and writes x.grad


@on_cuda
def test_cuda_bench_byte_count_sees_the_backward_and_equals_the_cpu():
    """The bench's bytes per layer step on CUDA equal the CPU's (the same ATen ops; the backward runs on the
    autograd engine's CUDA thread, which must carry the counting mode), and the backward is counted."""
    bench = _bench()
    counts = {}
    for key, dev in (("cpu", CPU), ("cuda", DEV)):
        layer = bench.make_layer("fast", dev)
        u = torch.randn(2, bench.H, 512, device=dev)
        bench.layer_step(layer, u)
        counts[key] = bench.count_bytes(bench.layer_step, layer, u)["bytes"]
        fwd = bench.count_bytes(lambda: layer(u).square().mean())["bytes"]
        assert counts[key] > 1.5 * fwd, (dev, counts[key], fwd)
    assert abs(counts["cuda"] - counts["cpu"]) <= 0.01 * counts["cpu"], counts


# ----------------------------------------------------------------------------- the script itself (CPU)
def test_gpu_check_script_is_valid_bash():
    if shutil.which("bash") is None:
        pytest.skip("no bash")
    out = subprocess.run(["bash", "-n", SCRIPT], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    with open(SCRIPT) as f:
        text = f.read()
    assert "set -euo pipefail" in text and "timeout" in text and "gpu_check.log" in text


@pytest.mark.skipif(os.environ.get("GPU_CHECK_RUNNING") == "1", reason="inside a gpu_check.sh run")
def test_gpu_check_dry_run_passes_on_the_cpu(tmp_path):
    """`tools/gpu_check.sh --dry-run`: every step on the CPU at tiny sizes (about 35 s on a 2-core CPU):
    each step passes, the log and the bench's JSON come back in $OUT, results/ is untouched."""
    if shutil.which("bash") is None or shutil.which("timeout") is None:
        pytest.skip("needs bash and coreutils timeout")
    out_dir = tmp_path / "out"
    stored = os.path.join(ROOT, "results", "bench-kernel_layer-cuda.json")
    before = os.stat(stored).st_mtime_ns if os.path.exists(stored) else None
    env = {**os.environ, "OUT": str(out_dir), "PYTHON": sys.executable, "TMPDIR": str(tmp_path)}
    env.pop("GPU_CHECK_DRY_RUN", None)
    t0 = time.perf_counter()
    proc = subprocess.run(["bash", SCRIPT, "--dry-run"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    seconds = time.perf_counter() - t0
    log = (out_dir / "gpu_check.log").read_text() if (out_dir / "gpu_check.log").exists() else ""
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    summary = [line for line in log.splitlines() if line.startswith("SUMMARY ")]
    steps = {line.split()[1]: line.split()[2] for line in summary}
    assert set(steps) == {"env", "cuda-tests", "waves", "denoising", "lra-listops", "bench"}, summary
    assert all(status == "passed" for status in steps.values()), summary
    bench = json.loads((out_dir / "bench-kernel_layer-dry.json").read_text())
    assert bench["device"].startswith("cpu") and bench["rows"]
    row = bench["rows"][0]
    for key in ("bytes_layer_fast", "bandwidth_layer_fast_over_peak", "bytes_floor", "bandwidth_floor_over_peak",
                "peak_bandwidth_bytes_per_s", "peak_bandwidth_source", "kernel_speedup", "layer_over_floor"):
        assert key in row, key
    assert row["bytes_layer_fast"] > row["bytes_floor"] > 0
    for name in ("waves-smoke.json", "denoising-smoke.json", "lra-listops-smoke.json"):
        assert (out_dir / name).exists(), name
    assert len([p for p in out_dir.rglob("*") if p.is_file()]) <= 8  # what the device machine sends back
    after = os.stat(stored).st_mtime_ns if os.path.exists(stored) else None
    assert after == before, "a dry run must not write results/bench-kernel_layer-cuda.json"
    print(f"dry run: {seconds:.0f} s")
